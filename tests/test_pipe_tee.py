"""tee() duplicates a pipe's first bytes into another pipe and consumes none of them
(link_pipe()): the kernel model does so, and the Guardian follows both pipes through
it (sole_moves.tee) -- checked against qemu, natively and confidential."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
static void rd(const char *tag, int fd, int n) {
    char buf[128] = {0};
    errno = 0;
    long got = read(fd, buf, n);
    printf("%s: %ld errno=%d [%.*s]\n", tag, got, got < 0 ? errno : 0, got > 0 ? (int)got : 0, buf);
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int a[2], b[2], c[2];
    pipe2(a, O_NONBLOCK); pipe2(b, O_NONBLOCK); pipe2(c, O_NONBLOCK);
    write(a[1], "hello ", 6); write(a[1], "world", 5);
    printf("tee 5: %ld\n", (long)tee(a[0], b[1], 5, SPLICE_F_NONBLOCK));
    printf("tee all: %ld\n", (long)tee(a[0], c[1], 64, SPLICE_F_NONBLOCK));
    int n = -1; ioctl(b[0], FIONREAD, &n); printf("b holds %d\n", n);
    rd("b", b[0], 64); rd("c", c[0], 64); rd("a", a[0], 64);
    errno = 0; printf("tee empty: %ld errno=%d\n", (long)tee(a[0], b[1], 8, SPLICE_F_NONBLOCK), errno);
    errno = 0; printf("tee same pipe: %ld errno=%d\n", (long)tee(a[0], a[1], 8, 0), errno);
    write(a[1], "xy", 2); tee(a[0], b[1], 2, 0); write(b[1], "z", 1);
    rd("linked then written", b[0], 64);
    return 0;
}
"""


def test_tee_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pipe_tee", SOURCE,
                     b"tee 5: 5",
                     b"tee all: 11",
                     b"b holds 5",
                     b"b: 5 errno=0 [hello]",
                     b"a: 11 errno=0 [hello world]",
                     b"tee empty: -1 errno=11",
                     b"tee same pipe: -1 errno=22",
                     b"linked then written: 3 errno=0 [xyz]")


#: splice() from one pipe into another moves the first's bytes (splice_pipe_to_pipe():
#: the source keeps the rest), at most len and at most what waits; tee() at most what
#: waits, whatever len -- each followed through by the Guardian.
SPLICED = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int a[2], b[2], c[2];
    pipe2(a, O_NONBLOCK); pipe2(b, O_NONBLOCK); pipe2(c, O_NONBLOCK);
    char buf[256];
    memset(buf, 'a', 100); write(a[1], buf, 100);
    printf("splice 60: %ld\n", (long)splice(a[0], 0, b[1], 0, 60, SPLICE_F_NONBLOCK));
    printf("read b: %ld\n", (long)read(b[0], buf, sizeof buf));
    printf("tee 4096: %ld\n", (long)tee(a[0], c[1], 4096, SPLICE_F_NONBLOCK));
    printf("splice 4096: %ld\n", (long)splice(a[0], 0, b[1], 0, 4096, SPLICE_F_NONBLOCK));
    printf("read a: %ld read b: %ld read c: %ld\n", (long)read(a[0], buf, sizeof buf),
           (long)read(b[0], buf, sizeof buf), (long)read(c[0], buf, sizeof buf));
    return 0;
}
"""


def test_splice_between_pipes_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pipe_splice", SPLICED, b"splice 60: 60", b"read b: 60",
                     b"tee 4096: 40", b"splice 4096: 40", b"read a: -1 read b: 40 read c: 40")
