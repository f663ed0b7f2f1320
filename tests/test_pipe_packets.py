"""Packet-mode pipes: a write through an O_DIRECT write end queues packets (fs/pipe.c
is_packetized(): one PIPE_BUF_FLAG_PACKET buffer per page of the write, never merged
into), and pipe_read() stops after a packet, dropping what its count left of it --
checked against qemu-aarch64-static, and the model's buffer directly."""

from __future__ import annotations

from pathlib import Path

from kernel_model import linux_structs as ls
from kernel_model.pipe_file import make_pipe
from tests.model_diff import compile_c, fresh, needs_tools, under_guardian
from tests.test_differential import under_blindfold, under_qemu

SOURCE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
static int p[2];
static char big[9000];
static void rd(const char *tag, int n) {
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    long got = read(p[0], big, n);
    printf("%s: fionread=%d read(%d)=%ld [%.*s]\n", tag, avail, n, got,
           got > 0 && got < 16 ? (int)got : 0, big);
}
static void direct(int on) { fcntl(p[1], F_SETFL, on ? O_DIRECT : 0); }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    if (pipe2(p, O_DIRECT)) { perror("pipe2"); return 1; }
    fcntl(p[0], F_SETFL, O_NONBLOCK);           /* an empty pipe reads -1, never hangs */
    write(p[1], "abc", 3); write(p[1], "def", 3);
    rd("two packets", 16); rd("second", 16);
    write(p[1], "12345", 5); write(p[1], "67890", 5);
    rd("short count", 2); rd("next packet", 16);
    write(p[1], "PKT", 3);
    direct(0); write(p[1], "xy", 2); write(p[1], "zw", 2);
    rd("packet then stream", 16); rd("stream", 16);
    write(p[1], "st", 2); direct(1); write(p[1], "PK", 2);
    rd("stream then packet merged", 16);
    direct(0); write(p[1], "st", 2); direct(1);
    memset(big, 'P', 4096); write(p[1], big, 4096); write(p[1], "after", 5);
    rd("stream then page packet", 6000); rd("after", 64);
    direct(0); memset(big, 's', 4093); write(p[1], big, 4093); direct(1);
    write(p[1], "no room", 7); write(p[1], "x", 1);
    rd("no room in the tail page", 6000); rd("its own packet", 64);
    direct(0); memset(big, 's', 4000); write(p[1], big, 4000); direct(1);
    write(p[1], "room", 4); write(p[1], "x", 1);
    rd("room in the tail page", 6000); rd("next", 64);
    direct(0); write(p[1], "s", 1); direct(1);
    memset(big, 'Q', 4196); write(p[1], big, 4196);
    write(p[1], "x", 1);
    rd("remainder merges first", 9000); rd("then", 9000); rd("empty", 9000);
    memset(big, 'Q', 5000); write(p[1], big, 5000);
    rd("page chunks 1", 9000); rd("page chunks 2", 9000);
    struct pollfd pf = {p[0], POLLIN, 0};
    printf("poll empty %d\n", poll(&pf, 1, 0));
    write(p[1], "z", 1);
    printf("poll one %d %x\n", poll(&pf, 1, 0), pf.revents);
    rd("last", 16);
    int q[2]; pipe(q); fcntl(q[0], F_SETFL, O_DIRECT);   /* only the write end counts */
    write(q[1], "ab", 2); write(q[1], "cd", 2);
    printf("read end O_DIRECT: %ld\n", read(q[0], big, 16));
    printf("F_GETFL O_DIRECT %d\n", !!(fcntl(p[1], F_GETFL) & O_DIRECT));
    return 0;
}
"""


@needs_tools[0]
@needs_tools[1]
def test_packet_pipes_read_as_linux_does(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "pipe_packets", SOURCE)
    q = under_qemu(exe, [], fresh(tmp_path / "qemu"), b"")
    native = under_blindfold(str(exe), [], fresh(tmp_path / "native"), b"")
    assert q.code == 0
    assert b"two packets: fionread=6 read(16)=3 [abc]" in q.stdout
    assert native == q


@needs_tools[0]
@needs_tools[1]
def test_packet_pipes_confidential(tmp_path: Path) -> None:
    """The Guardian follows a packet-mode pipe (pipe_packets.py): each write end's mode,
    a packet write's head merged into a plain buffer before it, a short read of a packet
    whose rest Linux drops -- none of the honest answers is refused."""
    exe = compile_c(tmp_path, "pipe_packets", SOURCE)
    q = under_qemu(exe, [], fresh(tmp_path / "qemu"), b"")
    assert under_guardian(str(exe), [], fresh(tmp_path / "confidential")) == q


def test_packets_and_stream_bytes_in_the_buffer() -> None:
    r, w = make_pipe(ls.O_DIRECT)
    assert w.write(b"abc") == 3 and w.write(b"defgh") == 5
    assert r.ioctl(ls.FIONREAD, None).out == (8).to_bytes(4, "little")
    assert r.read(2) == b"ab"            # the rest of the packet is dropped
    assert r.read(16) == b"defgh"
    w.set_status_flags(0)
    assert w.write(b"12") == 2 and w.write(b"34") == 2
    assert r.read(16) == b"1234"         # stream writes merge
    w.set_status_flags(ls.O_DIRECT)
    assert w.write(b"x" * 5000) == 5000  # one packet a page
    assert r.read(9000) == b"x" * 4096
    assert r.read(9000) == b"x" * 904
    assert r.read(1) is None             # empty, a writer left


def _fifo():  # noqa: ANN202 - the Guardian's record of one pipe
    from guardian.open_files import Description
    from guardian.pipe_bytes import Fifo
    return Fifo(Description(), Description())


def test_guardian_lays_packets_out_as_pipe_write() -> None:
    """pipe_packets.write: a packet write's head merges into a plain buffer with room,
    its pages are packets; a read stops at the first packet and drops its rest."""
    from guardian import pipe_packets as pp
    from guardian.pipe_bytes import take
    f = _fifo()
    assert pp.write(f, b"st", False) and pp.write(f, b"PK", True)
    assert not f.packets and pp.expected(f, 16) == 4          # merged: "stPK"
    take(f, 4)
    assert pp.write(f, b"s" * 4093, False) and pp.write(f, b"no room", True)
    assert list(f.packets) == [(4 + 4093, 7)] and pp.expected(f, 6000) == 4100
    take(f, pp.consumed(f, 4100))
    assert not f.waiting and not f.packets
    assert pp.write(f, b"s", False) and pp.write(f, b"Q" * 4196, True)
    assert list(f.packets) == [(f.taken + 101, 4096)]          # the 100-byte head merged
    assert pp.expected(f, 9000) == 4197 and pp.fits(f, 4197) and not pp.fits(f, 4198)
    take(f, pp.consumed(f, 4197))
    assert pp.write(f, b"abcdefgh", True) and pp.consumed(f, 4) == 8
    take(f, 8)
    assert pp.write(f, b"P" * 5000, True)
    assert [n for _, n in f.packets] == [4096, 904] and pp.expected(f, 9000) == 4096
