"""A MAP_PRIVATE view of a memfd maps the file's page cache folio until it stores
(do_read_fault() -> finish_fault(); wp_page_copy() at the first write fault): a store
through a MAP_SHARED view, a pwrite64(), a fork child's shared store, a punched hole and
a write after mprotect() show through it; its own store is its own from then on.
Checked against qemu-aarch64-static, natively and confidential."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    int fd = memfd_create("t", 0);
    ftruncate(fd, 2 * 4096);
    pwrite(fd, "original", 8, 0);
    pwrite(fd, "page-one", 8, 4096);
    char *s = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *p = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("read [%.8s]\n", p);
    memcpy(s, "stored!!", 8);
    printf("after store [%.8s]\n", p);
    pwrite(fd, "written!", 8, 0);
    printf("after pwrite [%.8s]\n", p);
    printf("page 1 [%.8s]\n", p + 4096);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(s + 4096, "child!!!", 8);
        _exit(p[4096] == 'c' ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child saw its store %d, page 1 [%.8s]\n", WEXITSTATUS(st), p + 4096);
    memcpy(p, "private!", 8);
    memcpy(s, "shared!!", 8);
    printf("own [%.8s] shared [%.8s]\n", p, s);
    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 2 * 4096);
    printf("punched own [%.8s] page 1 %d\n", p, p[4096]);
    mprotect(p, 2 * 4096, PROT_READ);
    pwrite(fd, "again!!!", 8, 4096);
    printf("read-only view page 1 [%.8s]\n", p + 4096);
    munmap(s, 2 * 4096);
    close(fd);
    printf("closed page 1 [%.8s]\n", p + 4096);
    munmap(p, 2 * 4096);
    return 0;
}
"""


def test_a_private_view_shows_the_files_later_bytes_until_it_stores(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "private_folio", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0
    assert b"after store [stored!!]" in q.stdout
    assert native == q
    # Confidential, the Guardian admits the one-folio layout: the same bytes.
    assert confidential.code == 0
    assert confidential == q
