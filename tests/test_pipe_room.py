"""A pipe's room is its ring of buffers (pipe->max_usage slots, a page each), not a byte
count: pipe_write() merges a write's head into the last buffer where it has room and
takes a slot per page after that, so a pipe of 16 slots each holding 4095 bytes is
full; F_SETPIPE_SZ sets the slots and refuses fewer than are in use (EBUSY) -- the
kernel model against qemu, and the Guardian holding a write to that room
(`return.pipe_room`)."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static char big[16384];
static void wr(const char *tag, int fd, int n) {
    errno = 0;
    long got = write(fd, big, n);
    printf("%s: %ld errno=%d\n", tag, got, got < 0 ? errno : 0);
}
static void drain(int fd) { while (read(fd, big, sizeof big) > 0) {} }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    memset(big, 'x', sizeof big);
    int p[2];
    pipe2(p, O_NONBLOCK);
    for (int i = 0; i < 16; i++) write(p[1], big, 4095);     /* no head merges: 16 slots */
    struct pollfd pf = {p[1], POLLOUT, 0};
    printf("poll full ring: %d\n", poll(&pf, 1, 0));
    wr("one more byte into 16 slots", p[1], 1);
    wr("16 more bytes", p[1], 16);
    drain(p[0]);
    for (int i = 0; i < 14; i++) write(p[1], big, 4096);
    wr("3 pages + 10 into 2 free slots", p[1], 3 * 4096 + 10);
    drain(p[0]);
    write(p[1], big, 100); write(p[1], big, 4096);
    errno = 0; printf("shrink below use: %d errno=%d\n", fcntl(p[1], F_SETPIPE_SZ, 4096), errno);
    drain(p[0]);
    printf("shrink: %d\n", fcntl(p[1], F_SETPIPE_SZ, 4096));
    wr("5000 into one slot", p[1], 5000);
    wr("then 100", p[1], 100);
    drain(p[0]);
    wr("100 into an empty one-slot pipe", p[1], 100);
    wr("then 3996 merge", p[1], 3996);
    wr("then 1", p[1], 1);
    return 0;
}
"""


@needs_tools[0]
@needs_tools[1]
def test_pipe_room_is_its_slots(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pipe_room", SOURCE,
                     b"poll full ring: 0",
                     b"one more byte into 16 slots: 1 errno=0",
                     b"16 more bytes: -1 errno=11",
                     b"3 pages + 10 into 2 free slots: 8192",
                     b"shrink below use: -1 errno=16",
                     b"5000 into one slot: 4096",
                     b"then 3996 merge: 3996",
                     b"then 1: -1 errno=11")
