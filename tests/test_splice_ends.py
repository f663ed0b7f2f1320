"""splice() and sendfile() check the end that is no pipe before they move a byte
(do_splice(), do_sendfile(), rw_verify_area()): an offset only for a file with a position,
no O_APPEND output, no negative offset; and a zero length answers splice() 0 first
(sys_splice()).  The kernel model answers as Linux does, and the Guardian lets each
answer through (return.move_ends) -- checked against qemu, natively and confidential."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
static void show(const char *tag, long r) {
    printf("%s: %ld errno=%d\n", tag, r, r < 0 ? errno : 0);
    errno = 0;
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int a[2], b[2], s[2];
    pipe(a); pipe(b); socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    write(a[1], "0123456789abcdefghij", 20);
    int m = memfd_create("m", 0), ap = memfd_create("ap", 0), m2 = memfd_create("m2", 0);
    write(m, "mmmmmmmmmmmmmmmmmmmm", 20);
    fcntl(ap, F_SETFL, O_APPEND);
    loff_t off = 0, neg = -1;
    show("splice into append", splice(a[0], 0, ap, 0, 10, 0));
    show("splice into socket at 0", splice(a[0], 0, s[0], &off, 10, 0));
    show("splice into memfd at -1", splice(a[0], 0, m2, &neg, 10, 0));
    show("splice len 0", splice(a[0], 0, s[0], &off, 0, 0));
    write(s[1], "xxxxxxxxxx", 10);
    off = 0;
    show("splice from socket at 0", splice(s[0], &off, b[1], 0, 10, 0));
    show("sendfile from socket at 0", sendfile(b[1], s[0], &off, 10));
    neg = -5;
    show("sendfile at -5", sendfile(b[1], m, &neg, 10));
    show("sendfile into append", sendfile(ap, m, 0, 10));
    off = 0;
    show("sendfile into memfd", sendfile(m2, m, &off, 10));
    show("splice into memfd", splice(a[0], 0, m2, 0, 10, 0));
    return 0;
}
"""


def test_splice_and_sendfile_ends_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "splice_ends", SOURCE,
                     b"splice into append: -1 errno=22",
                     b"splice into socket at 0: -1 errno=22",
                     b"splice into memfd at -1: -1 errno=22",
                     b"splice len 0: 0 errno=0",
                     b"splice from socket at 0: -1 errno=22",
                     b"sendfile from socket at 0: -1 errno=29",
                     b"sendfile at -5: -1 errno=22",
                     b"sendfile into append: -1 errno=22",
                     b"sendfile into memfd: 10 errno=0",
                     b"splice into memfd: 10 errno=0")


EVENTFD_SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>
static void show(const char *tag, long r) {
    printf("%s: %ld errno=%d\n", tag, r, r < 0 ? errno : 0);
    errno = 0;
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int a[2], b[2];
    pipe(a); pipe(b);
    write(a[1], "0123456789", 10);
    int ev = eventfd(5, EFD_NONBLOCK), m = memfd_create("m", 0), e = memfd_create("e", 0);
    write(m, "mmmmmmmmmm", 10);
    loff_t off = 0;
    show("sendfile from eventfd", sendfile(b[1], ev, 0, 8));
    show("sendfile from eventfd 0", sendfile(b[1], ev, 0, 0));
    show("splice from eventfd", splice(ev, 0, b[1], 0, 8, 0));
    show("splice into eventfd", splice(a[0], 0, ev, 0, 8, 0));
    show("sendfile into eventfd", sendfile(ev, m, &off, 8));
    off = 0;
    show("sendfile of nothing into eventfd", sendfile(ev, e, &off, 8));
    show("copy into eventfd", copy_file_range(m, &off, ev, 0, 8, 0));
    return 0;
}
"""


def test_moves_through_an_eventfd_as_linux(tmp_path: Path) -> None:
    # do_splice_read() / do_splice_from(): eventfd_fops has no splice_read/splice_write
    agrees_with_qemu(tmp_path, "eventfd_moves", EVENTFD_SOURCE,
                     b"sendfile from eventfd: -1 errno=22",
                     b"sendfile from eventfd 0: 0 errno=0",
                     b"splice from eventfd: -1 errno=22",
                     b"splice into eventfd: -1 errno=22",
                     b"sendfile into eventfd: -1 errno=22",
                     b"sendfile of nothing into eventfd: 0 errno=0",
                     b"copy into eventfd: -1 errno=22")
