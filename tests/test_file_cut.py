"""A file cut shorter leaves no page of it mapped past the new end: Linux's
truncate_pagecache() unmaps those pages from every mapping -- shared or a private copy,
in every process -- and drops them, so a touch there raises SIGBUS, the page holding the
end reads zeros past it, and a page the file grows over again reads zeros.  ftruncate(),
truncate() and an open with O_TRUNC (a memfd's /proc/self/fd reopen included) all cut.
Checked against qemu, natively and confidential (where the Guardian lets the program's
own cut unmap and give back exactly the memfd's pages past the end, and zeroes the
tail of the page holding it)."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

PRELUDE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#define PG 4096
static sigjmp_buf jb;
static volatile int sig;
static void h(int s) { sig = s; siglongjmp(jb, 1); }
static void look(const char *what, volatile char *p) {
    sig = 0;
    if (!sigsetjmp(jb, 1)) {
        int v = *p;
        printf("%s: %d\n", what, v);
    } else
        printf("%s: sig %d\n", what, sig);
}
"""

MEMFD = PRELUDE + r"""int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGBUS, h);
    char name[64], b = 1;
    /* a memfd of three pages, cut inside its second */
    int m = memfd_create("cut", 0);
    ftruncate(m, 3 * PG);
    char *p = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    memset(p, 'a', 3 * PG);
    char *q = mmap(0, 3 * PG, PROT_READ, MAP_SHARED, m, 0);
    look("second view page 2", q + 2 * PG);
    printf("cut: %d\n", ftruncate(m, PG + 100));
    look("page 2", p + 2 * PG);
    look("second view page 2 again", q + 2 * PG);
    look("page 1 before the end", p + PG + 50);
    look("page 1 past the end", p + PG + 200);
    look("second view page 1 past the end", q + PG + 300);
    printf("grown: %d\n", ftruncate(m, 3 * PG));
    look("page 2 grown again", p + 2 * PG);
    look("page 1 past the old end", p + PG + 200);
    pread(m, &b, 1, 2 * PG);
    printf("pread page 2: %d\n", b);
    /* a fork child cuts the memfd the parent maps */
    memset(p, 'b', 3 * PG);
    pid_t c = fork();
    if (c == 0) {
        ftruncate(m, PG);
        _exit(0);
    }
    waitpid(c, 0, 0);
    look("after the child's cut page 1", p + PG);
    look("after the child's cut page 0", p);
    /* an O_TRUNC reopen of the memfd */
    ftruncate(m, 2 * PG);
    memset(p, 'c', 2 * PG);
    snprintf(name, sizeof name, "/proc/self/fd/%d", m);
    int again = open(name, O_RDWR | O_TRUNC);
    printf("reopen: %d\n", again >= 0);
    look("after O_TRUNC page 0", p);
    return 0;
}
"""

FILE = PRELUDE + r"""int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGBUS, h);
    /* a regular file, shared and private, cut by ftruncate and by truncate(path) */
    int f = open("file.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(f, 3 * PG);
    char *r = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    char *s = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
    memset(r, 'f', 3 * PG);
    s[2 * PG] = 'p';
    look("private page 2 written", s + 2 * PG);
    printf("file cut: %d\n", ftruncate(f, 2 * PG - 10));
    look("file shared page 2", r + 2 * PG);
    look("file private page 2", s + 2 * PG);
    look("file shared page 1 past the end", r + 2 * PG - 5);
    look("file shared page 1 before the end", r + PG);
    printf("truncate: %d\n", truncate("file.bin", 100));
    look("file shared page 1 after truncate", r + PG);
    look("file shared page 0 past the end", r + 200);
    int g = open("file.bin", O_RDWR | O_TRUNC);
    printf("open O_TRUNC: %d\n", g >= 0);
    look("file shared page 0 after O_TRUNC", r);
    return 0;
}
"""


def test_a_cut_memfd_unmaps_its_pages_past_the_end(tmp_path: Path) -> None:
    q, native, confidential = three_ways(tmp_path, compile_c(tmp_path, "memfd_cut", MEMFD))
    assert q.code == 0, q
    for line in (b"page 2: sig 7", b"page 1 before the end: 97", b"page 1 past the end: 0",
                 b"second view page 2 again: sig 7", b"page 2 grown again: 0",
                 b"after the child's cut page 1: sig 7", b"after O_TRUNC page 0: sig 7"):
        assert line in q.stdout, (line, q.stdout)
    assert native == q
    assert confidential == q


def test_a_cut_file_unmaps_its_pages_past_the_end(tmp_path: Path) -> None:
    # Confidential, only a memfd's pages leave the program's view at a cut (the Guardian
    # cannot tell another file's mappings from its cut): the cuts succeed there, and the
    # pages past the end stay mapped.
    q, native, confidential = three_ways(tmp_path, compile_c(tmp_path, "file_cut", FILE))
    assert q.code == 0, q
    for line in (b"file private page 2: sig 7", b"file shared page 1 after truncate: sig 7",
                 b"file shared page 0 after O_TRUNC: sig 7", b"file shared page 1 past the end: 0"):
        assert line in q.stdout, (line, q.stdout)
    assert native == q
    assert confidential.code == 0, confidential
    for line in (b"file cut: 0", b"truncate: 0", b"open O_TRUNC: 1"):
        assert line in confidential.stdout, (line, confidential.stdout)
