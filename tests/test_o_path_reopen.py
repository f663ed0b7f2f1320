"""An O_PATH open of /proc/self/fd/N is a handle on the name only: it reads, writes, cuts
and allocates nothing (EBADF; a dup of it neither), fstat through it works, and a plain
reopen reads -- checked against qemu, natively and confidential."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/mman.h>
#define P(x) printf(#x " = %ld errno %d\n", (long)(x), errno), errno = 0
int main(void) {
    int m = memfd_create("m", 0); write(m, "0123456789", 10);
    char n[64]; snprintf(n, sizeof n, "/proc/self/fd/%d", m);
    int p = open(n, O_PATH); P(p >= 0);
    char b[4]; struct stat st;
    P(read(p, b, 4)); P(write(p, b, 4)); P(ftruncate(p, 2)); P(fallocate(p, 3, 0, 4));
    P(fstat(p, &st)); P(st.st_size);
    int d = dup3(p, 20, 0); P(read(d, b, 4));
    int q = open(n, O_RDONLY); P(read(q, b, 4));
    return 0;
}
"""


def test_an_o_path_reopen_is_a_handle_only(tmp_path: Path) -> None:
    q, native, confidential = three_ways(tmp_path, compile_c(tmp_path, "opath", SOURCE))
    assert q.code == 0, q
    for line in (b"ftruncate(p, 2) = -1 errno 9", b"read(d, b, 4) = -1 errno 9",
                 b"st.st_size = 10", b"read(q, b, 4) = 4"):
        assert line in q.stdout, (line, q.stdout)
    assert native == q
    assert confidential == q
