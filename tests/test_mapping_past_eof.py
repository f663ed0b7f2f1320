"""A file page wholly past the file's end has nothing to map: touching it raises SIGBUS
(BUS_ADRERR, si_addr the address), shared or private, memfd or regular file
(shmem_fault() / filemap_fault() give VM_FAULT_SIGBUS); the page holding EOF maps, and
a page the file grew over later maps the file's bytes -- checked against qemu."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static sigjmp_buf jb;
static void *volatile addr;
static volatile int code, sig;
static void h(int s, siginfo_t *si, void *u) {
    sig = s; addr = si->si_addr; code = si->si_code; siglongjmp(jb, 1);
}
static void touch(const char *what, volatile char *p, int wr) {
    sig = 0;
    if (!sigsetjmp(jb, 1)) {
        if (wr) *p = 1; else (void)*p;
        printf("%s: ok\n", what);
    } else
        printf("%s: sig %d code %d addr_ok %d\n", what, sig, code, addr == (void *)p);
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, 0); sigaction(SIGSEGV, &sa, 0);
    int fd = memfd_create("t", 0);
    ftruncate(fd, 4096);
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    touch("memfd shared page 0", p, 1);
    touch("memfd shared page 1 read", p + 4096, 0);
    touch("memfd shared page 1 write", p + 4100, 1);
    char *q = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    touch("memfd private page 1", q + 4096, 0);
    int f = open("file.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(f, 100);
    char *r = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    touch("file shared EOF page tail", r + 200, 1);
    touch("file shared page 1", r + 4096, 0);
    char *s = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
    touch("file private EOF page", s + 300, 0);
    touch("file private page 2", s + 8192, 1);
    ftruncate(fd, 8192);
    pwrite(fd, "grown", 5, 4096);
    touch("memfd grown page 1", p + 4096, 0);
    printf("grown page [%.5s]\n", p + 4096);
    ftruncate(f, 5000);
    touch("file grown page 1", r + 4096, 0);
    return 0;
}
"""


def test_touching_a_file_page_past_eof_raises_sigbus(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "past_eof", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0
    assert b"memfd shared page 1 read: sig 7 code 2 addr_ok 1" in q.stdout
    assert b"file private page 2: sig 7 code 2 addr_ok 1" in q.stdout
    assert native == q
    assert confidential == q
