"""copy_file_range(2) as Linux answers it: the bytes copied between two files at the
positions the pointers give (written back) or at the files' own (which move on), short
at the input's end, 0 past it; EINVAL for flags, overlapping ranges of one file and
anything but regular files (EISDIR for a directory), EBADF for an output opened
O_APPEND or read-only, EOVERFLOW for a negative position, and a copy to the largest file
offset cut short -- checked against qemu, natively and confidential."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#define P(x) printf(#x " = %ld errno %d\n", (long)(x), errno), errno = 0
int main(void) {
    int a = memfd_create("a", 0), b = memfd_create("b", 0);
    write(a, "0123456789", 10);
    off_t in = 2, out = 8192;
    P(copy_file_range(a, &in, b, &out, 4, 0)); P(in); P(out);
    P(lseek(b, 0, SEEK_END)); P(lseek(b, 0, SEEK_DATA));
    lseek(a, 5, SEEK_SET); lseek(b, 1, SEEK_SET);
    P(copy_file_range(a, 0, b, 0, 100, 0)); P(lseek(a, 0, SEEK_CUR)); P(lseek(b, 0, SEEK_CUR));
    char buf[16] = {0}; pread(b, buf, 8, 0); printf("b: %.8s\n", buf + 1);
    P(copy_file_range(a, 0, b, 0, 4, 0));
    P(copy_file_range(a, 0, b, 0, 4, 1));
    in = 0; out = 2; P(copy_file_range(a, &in, a, &out, 4, 0));
    in = 0; out = 4; P(copy_file_range(a, &in, a, &out, 4, 0));
    int p[2]; pipe(p); P(copy_file_range(p[0], 0, b, 0, 4, 0)); P(copy_file_range(a, 0, p[1], 0, 4, 0));
    int c = open(".", O_RDONLY); P(copy_file_range(c, 0, b, 0, 4, 0));
    int ap = open("/proc/self/fd/4", O_RDWR | O_APPEND); P(copy_file_range(a, &in, ap, 0, 4, 0));
    int ro = open("/proc/self/fd/4", O_RDONLY); in = 0; P(copy_file_range(a, &in, ro, 0, 4, 0));
    in = -1; P(copy_file_range(a, &in, b, 0, 4, 0));
    in = -100; P(copy_file_range(a, &in, b, 0, 4, 0));
    in = 0; out = -1; P(copy_file_range(a, &in, b, &out, 4, 0));
    in = 0x7ffffffffffffffe; P(copy_file_range(a, &in, b, 0, 4, 0));
    in = 0; out = 0x7ffffffffffffffe; P(copy_file_range(a, &in, b, &out, 4, 0));
    return 0;
}
"""


def test_copy_file_range_answers_as_linux(tmp_path: Path) -> None:
    q, native, confidential = three_ways(tmp_path, compile_c(tmp_path, "cfr", SOURCE))
    assert q.code == 0, q
    for line in (b"copy_file_range(a, &in, b, &out, 4, 0) = 4 errno 0", b"in = 6",
                 b"out = 8196", b"lseek(b, 0, SEEK_DATA) = 8192", b"b: 56789",
                 b"copy_file_range(a, 0, b, 0, 4, 1) = -1 errno 22"):
        assert line in q.stdout, (line, q.stdout)
    assert native == q
    assert confidential == q
