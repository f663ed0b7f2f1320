"""Open file descriptions, pipes, the console and the fd table."""

from __future__ import annotations

import errno
import fcntl
import io
import os
import struct
import termios
from pathlib import Path

import pytest

from kernel_model import linux_structs as ls
from kernel_model.console_file import Console, restore_terminal
from kernel_model.errors import KernelError
from kernel_model.files import (
    PIPE_BUF,
    PIPE_CAPACITY,
    ConsoleFile,
    FdTable,
    HostFile,
    OpenFile,
    make_pipe,
    stdio_table,
)
from kernel_model.vfs import Rootfs


def errno_of(fn, *args, **kwargs) -> int:  # noqa: ANN001
    with pytest.raises(KernelError) as info:
        fn(*args, **kwargs)
    return info.value.errno


class Dummy(OpenFile):
    """Records close() so reference counting can be observed."""

    def __init__(self) -> None:
        super().__init__(ls.O_RDWR)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def fs(tmp_path: Path) -> Rootfs:
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "f").write_bytes(b"0123456789")
    return Rootfs(root)


def parse_dirents(buf: bytes) -> list[tuple[int, int, int, bytes]]:
    out, pos = [], 0
    while pos < len(buf):
        ino, off, reclen, dtype = struct.unpack_from("<QqHB", buf, pos)
        name = buf[pos + 19: pos + reclen].split(b"\0", 1)[0]
        out.append((ino, off, dtype, name))
        pos += reclen
    return out


# -- host files ----------------------------------------------------------------------


def test_hostfile_io(fs: Rootfs) -> None:
    f = fs.open("/", b"f", ls.O_RDWR)
    assert f.kind == "file" and f.read(3) == b"012"
    assert f.lseek(0, os.SEEK_CUR) == 3
    assert f.pread(2, 8) == b"89" and f.lseek(0, os.SEEK_CUR) == 3
    assert f.pwrite(b"AB", 0) == 2 and f.lseek(0, os.SEEK_END) == 10
    assert f.read(5) == b""
    assert errno_of(f.pread, 1, -1) == errno.EINVAL
    assert errno_of(f.lseek, -20, os.SEEK_CUR) == errno.EINVAL
    assert f.stat().st_size == 10
    f.truncate(4)
    assert f.stat().st_size == 4
    f.fsync()
    f.close()


def test_hostfile_access_mode(fs: Rootfs) -> None:
    ro = fs.open("/", b"f", ls.O_RDONLY)
    assert errno_of(ro.write, b"x") == errno.EBADF
    assert errno_of(ro.truncate, 0) == errno.EINVAL
    wo = fs.open("/", b"f", ls.O_WRONLY)
    assert errno_of(wo.read, 1) == errno.EBADF
    d = fs.open("/", b"d", ls.O_RDONLY | ls.O_DIRECTORY)
    assert d.kind == "dir" and errno_of(d.read, 1) == errno.EISDIR
    assert errno_of(ro.getdents64, 4096) == errno.ENOTDIR
    for f in (ro, wo, d):
        f.close()


def test_hostfile_fionread_and_fionbio(fs: Rootfs) -> None:
    f = fs.open("/", b"f", ls.O_RDONLY)
    f.read(4)
    assert f.ioctl(ls.FIONREAD, None).out == struct.pack("<i", 6)
    assert errno_of(f.ioctl, ls.TCGETS, None) == errno.ENOTTY
    f.ioctl(ls.FIONBIO, struct.pack("<i", 1))
    assert f.flags & ls.O_NONBLOCK
    f.ioctl(ls.FIONBIO, struct.pack("<i", 0))
    assert not f.flags & ls.O_NONBLOCK
    f.close()


def test_set_status_flags_syncs_append(fs: Rootfs, tmp_path: Path) -> None:
    f = fs.open("/", b"f", ls.O_WRONLY)
    f.set_status_flags(ls.O_APPEND | ls.O_RDONLY | ls.O_TRUNC)
    assert f.flags & ls.O_APPEND and f.flags & ls.O_ACCMODE == ls.O_WRONLY
    assert not f.flags & ls.O_TRUNC
    f.write(b"Z")
    assert (tmp_path / "root/f").read_bytes() == b"0123456789Z"
    f.set_status_flags(0)
    f.lseek(0, os.SEEK_SET)
    f.write(b"Y")
    assert (tmp_path / "root/f").read_bytes() == b"Y123456789Z"
    f.close()


def test_getdents64_resumes_with_small_buffer(fs: Rootfs, tmp_path: Path) -> None:
    d = tmp_path / "root/d"
    names = {f"entry_with_a_longish_name_{i:03d}".encode() for i in range(60)}
    for n in names:
        (d / n.decode()).write_text("")
    (d / "sub").mkdir()
    os.symlink("sub", d / "lnk")
    f = fs.open("/", b"d", ls.O_RDONLY | ls.O_DIRECTORY)
    seen: list[tuple[int, int, int, bytes]] = []
    calls = 0
    while chunk := f.getdents64(150):
        assert len(chunk) <= 150
        seen += parse_dirents(chunk)
        calls += 1
    assert calls > 10
    got = [n for _, _, _, n in seen]
    assert sorted(got) == sorted(names | {b".", b"..", b"sub", b"lnk"})
    types = {n: t for _, _, t, n in seen}
    assert types[b"sub"] == ls.DT_DIR and types[b"lnk"] == ls.DT_LNK
    assert types[b"."] == ls.DT_DIR and types[next(iter(names))] == ls.DT_REG
    inos = {n: i for i, _, _, n in seen}
    assert inos[b"."] == os.stat(d).st_ino and inos[b".."] == os.stat(d.parent).st_ino
    # d_off of an entry resumes right after it (seekdir/telldir).
    ino, off, _, name = seen[10]
    assert f.lseek(off, os.SEEK_SET) == off
    assert parse_dirents(f.getdents64(4096))[0][3] == got[11]
    # Rewinding re-reads (and picks up new entries).
    (d / "late").write_text("")
    assert f.lseek(0, os.SEEK_SET) == 0
    everything = b""
    while chunk := f.getdents64(4096):
        everything += chunk
    assert b"late" in [n for _, _, _, n in parse_dirents(everything)]
    f.close()


def test_getdents64_buffer_too_small_and_root_dotdot(fs: Rootfs) -> None:
    f = fs.open("/", b"/", ls.O_RDONLY | ls.O_DIRECTORY)
    assert errno_of(f.getdents64, 20) == errno.EINVAL
    entries = parse_dirents(f.getdents64(4096))
    inos = {n: i for i, _, _, n in entries}
    assert inos[b".."] == inos[b"."]  # chroot semantics at the rootfs root
    assert f.getdents64(4096) == b""
    assert errno_of(f.lseek, 0, os.SEEK_END) == errno.EINVAL
    f.close()
    p = fs.open("/", b"d", ls.O_PATH)
    assert errno_of(p.getdents64, 4096) == errno.EBADF
    p.close()


# -- pipes -----------------------------------------------------------------------------


def test_pipe_blocking_and_eof() -> None:
    r, w = make_pipe()
    t = FdTable()
    rfd, wfd = t.install(r), t.install(w)
    assert r.read(10) is None  # empty with a writer: would block
    assert w.write(b"hello") == 5
    assert r.read(3) == b"hel" and r.read(10) == b"lo"
    w.write(b"tail")
    t.close(wfd)
    assert r.read(2) == b"ta" and r.read(10) == b"il"
    assert r.read(10) == b""  # no writers: EOF
    assert r.read(0) == b""
    t.close(rfd)


def test_pipe_epipe_without_readers() -> None:
    r, w = make_pipe()
    t = FdTable()
    rfd, wfd = t.install(r), t.install(w)
    t.close(rfd)
    assert errno_of(w.write, b"x") == errno.EPIPE
    assert w.poll_mask() == ls.POLLERR
    t.close(wfd)


def test_pipe_full_partial_and_atomic_writes() -> None:
    r, w = make_pipe()
    r.incref()
    w.incref()
    big = b"x" * (PIPE_CAPACITY + 100)
    assert w.write(big) == PIPE_CAPACITY  # partial write of a large buffer
    assert w.write(b"y") is None  # full
    assert not w.poll_writable()
    assert r.read(10) == b"x" * 10
    # Every slot of the ring still holds a buffer (the first one part read) and the last
    # is full: nothing merges, nothing fits -- at most PIPE_BUF is all or nothing.
    assert w.write(b"z" * 100) is None
    assert w.write(b"z" * 10) is None
    assert w.write(b"") == 0
    r.read(PIPE_BUF - 10)                 # the first buffer emptied: its slot is free
    assert w.poll_writable() and w.write(b"q" * PIPE_BUF) == PIPE_BUF


def test_pipe_poll_notify_stat_ioctl() -> None:
    r, w = make_pipe(ls.O_NONBLOCK | ls.O_CLOEXEC)
    assert r.flags == ls.O_RDONLY | ls.O_NONBLOCK and w.flags == ls.O_WRONLY | ls.O_NONBLOCK
    r.incref()
    w.incref()
    events: list[int] = []
    r.pipe.on_change.append(lambda _ev: events.append(1))
    assert r.poll_mask() == 0 and not r.poll_readable()
    assert w.poll_mask() == ls.POLLOUT | ls.POLLWRNORM
    w.write(b"abc")
    assert r.poll_mask() & ls.POLLIN and events
    assert r.ioctl(ls.FIONREAD, None).out == struct.pack("<i", 3)
    assert r.stat().st_mode == ls.S_IFIFO | 0o600 and r.stat().st_ino == w.stat().st_ino
    assert errno_of(r.lseek, 0, os.SEEK_SET) == errno.ESPIPE
    assert errno_of(r.pread, 1, 0) == errno.ESPIPE
    assert errno_of(w.pwrite, b"x", 0) == errno.ESPIPE
    assert errno_of(r.write, b"x") == errno.EBADF
    assert errno_of(w.read, 1) == errno.EBADF
    assert errno_of(r.getdents64, 100) == errno.ENOTDIR
    assert errno_of(r.ioctl, ls.TCGETS, None) == errno.ENOTTY
    assert errno_of(r.fsync) == errno.EINVAL
    w.decref()
    assert r.poll_mask() & ls.POLLHUP and r.poll_readable()
    n = len(events)
    r.decref()
    assert len(events) == n + 1


def test_pipe_writer_shared_by_fork_keeps_pipe_open() -> None:
    r, w = make_pipe()
    parent = FdTable()
    parent.install(r)
    wfd = parent.install(w)
    child = parent.fork()
    parent.close(wfd)
    assert r.read(1) is None  # the child's copy still writes
    child.close(wfd)
    assert r.read(1) == b""
    child.close_all()
    parent.close_all()
    assert r.pipe.readers == 0 and r.pipe.writers == 0


# -- console --------------------------------------------------------------------------


def test_console_capture_and_source() -> None:
    out, err_ = io.BytesIO(), io.BytesIO()
    t = stdio_table(out, err_, io.BytesIO(b"typed\n"), captured=True)
    assert t.get(1).write(b"hello ") == 6 and t.get(2).write(b"oops") == 4
    assert out.getvalue() == b"hello " and err_.getvalue() == b"oops"
    assert t.get(0).read(100) == b"typed\n" and t.get(0).read(100) == b""
    assert errno_of(t.get(0).write, b"x") == errno.EBADF
    assert errno_of(t.get(1).read, 1) == errno.EBADF
    for fd in (0, 1, 2):
        assert errno_of(t.get(fd).ioctl, ls.TCGETS, None) == errno.ENOTTY
        assert errno_of(t.get(fd).ioctl, ls.TIOCGWINSZ, None) == errno.ENOTTY
        assert errno_of(t.get(fd).lseek, 0, os.SEEK_SET) == errno.ESPIPE
        assert t.get(fd).kind == "console"
    assert t.get(1).stat().st_mode & ls.S_IFMT == ls.S_IFIFO


def test_console_non_tty_host_fd_is_enotty() -> None:
    rfd, wfd = os.pipe()
    try:
        c = ConsoleFile.stdout(io.BytesIO(), host_fd=wfd)
        assert errno_of(c.ioctl, ls.TCGETS, None) == errno.ENOTTY
        assert errno_of(c.ioctl, 0x1234, None) == errno.ENOTTY
    finally:
        os.close(rfd)
        os.close(wfd)


def test_console_tty_answers_from_host_terminal() -> None:
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
        c = ConsoleFile.stdout(io.BytesIO(), host_fd=slave)
        res = c.ioctl(ls.TCGETS, None)
        iflag, oflag, cflag, lflag, line, cc = ls.unpack_termios(res.out or b"")
        host = termios.tcgetattr(slave)
        assert (iflag, oflag, cflag, lflag) == tuple(host[:4]) and line == 0
        assert cc[termios.VINTR] == host[6][termios.VINTR][0] and len(res.out or b"") == 36
        assert ls.unpack_winsize(c.ioctl(ls.TIOCGWINSZ, None).out or b"") == (33, 101, 0, 0)
        before = termios.tcgetattr(slave)
        assert c.ioctl(ls.TCSETS, bytes(36)).ret == 0  # accepted, host terminal untouched
        assert termios.tcgetattr(slave) == before
        # The foreground group is the model's own (the guest's process groups).
        assert c.ioctl(ls.TIOCGPGRP, None).out == struct.pack("<i", 1)
        assert c.ioctl(ls.TIOCSPGRP, struct.pack("<i", 7)).ret == 0
        assert c.ioctl(ls.TIOCGPGRP, None).out == struct.pack("<i", 7)
        st = c.stat()
        assert st.st_mode & ls.S_IFMT == ls.S_IFCHR and st.st_rdev != 0
        off = ConsoleFile.stdout(io.BytesIO(), host_fd=slave)
        off.console = Console(tty=False)             # --deterministic: never a terminal
        assert errno_of(off.ioctl, ls.TCGETS, None) == errno.ENOTTY
    finally:
        os.close(master)
        os.close(slave)


def test_console_in_control_sets_and_restores_host_terminal() -> None:
    """With terminal control a guest's TCSETS reaches the host terminal (raw mode, no echo:
    no double echo), and restore_terminal puts the saved attributes back."""
    master, slave = os.openpty()
    try:
        c = ConsoleFile.stdin(host_fd=slave)
        c.console = Console(control=True)
        before = termios.tcgetattr(slave)
        iflag, oflag, cflag, lflag, line, cc = ls.unpack_termios(c.ioctl(ls.TCGETS, None).out)
        raw = ls.pack_termios(iflag, oflag, cflag, lflag & ~(termios.ICANON | termios.ECHO),
                              line, cc)
        assert c.ioctl(ls.TCSETSW, raw).ret == 0
        assert not termios.tcgetattr(slave)[3] & (termios.ICANON | termios.ECHO)
        restore_terminal(c.console)
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_console_stdin_reads_host_fd() -> None:
    rfd, wfd = os.pipe()
    try:
        os.write(wfd, b"abc")
        c = ConsoleFile.stdin(host_fd=rfd)
        assert c.poll_readable() and c.read(10) == b"abc"
        assert not c.poll_readable()
    finally:
        os.close(rfd)
        os.close(wfd)


# -- fd table ---------------------------------------------------------------------------


def test_install_lowest_free_and_limit() -> None:
    t = FdTable(limit=8)
    files = [Dummy() for _ in range(8)]
    assert [t.install(f) for f in files[:3]] == [0, 1, 2]
    t.close(1)
    assert t.install(files[3]) == 1
    assert t.install(files[4], lowest=5) == 5
    assert t.install(files[5]) == 3
    assert t.install(files[6], lowest=4) == 4
    assert t.install(files[7]) == 6
    extra = Dummy()
    t.install(extra)
    assert errno_of(t.install, Dummy()) == errno.EMFILE
    assert len(t) == 8 and [fd for fd, _ in t.items()] == list(range(8))


def test_get_close_ebadf() -> None:
    t = FdTable()
    f = Dummy()
    fd = t.install(f)
    assert t.get(fd) is f and fd in t
    t.close(fd)
    assert f.closed == 1
    for bad in (fd, -1, 5000):
        assert errno_of(t.get, bad) == errno.EBADF
        assert errno_of(t.close, bad) == errno.EBADF


def test_dup_family() -> None:
    t = FdTable(limit=16)
    f, g = Dummy(), Dummy()
    a, b = t.install(f), t.install(g)
    c = t.dup(a)
    assert c == 2 and t.get(c) is f and f.refs == 2
    assert t.dup(a, lowest=10, cloexec=True) == 10 and t.get_cloexec(10)
    assert errno_of(t.dup, a, lowest=16) == errno.EINVAL
    assert errno_of(t.dup, 7) == errno.EBADF
    assert errno_of(t.dup3, a, a) == errno.EINVAL
    assert errno_of(t.dup3, 9, 3) == errno.EBADF
    assert errno_of(t.dup3, a, 16) == errno.EBADF
    assert errno_of(t.dup3, a, -1) == errno.EBADF
    assert t.dup3(a, b, True) == b  # silently closes g
    assert g.closed == 1 and t.get(b) is f and t.get_cloexec(b)
    assert t.dup2(a, a) == a and errno_of(t.dup2, 9, 9) == errno.EBADF
    assert t.dup2(a, 12) == 12 and not t.get_cloexec(12)
    for fd in (0, 1, 2, 10, 12):
        t.close(fd)
    assert f.closed == 1 and f.refs == 0


def test_cloexec_and_exec() -> None:
    t = FdTable()
    keep, drop = Dummy(), Dummy()
    k = t.install(keep)
    d = t.install(drop, cloexec=True)
    assert not t.get_cloexec(k) and t.get_cloexec(d)
    t.set_cloexec(k, True)
    t.set_cloexec(k, False)
    assert errno_of(t.set_cloexec, 99, True) == errno.EBADF
    assert errno_of(t.get_cloexec, 99) == errno.EBADF
    t.close_on_exec()
    assert k in t and d not in t and drop.closed == 1 and keep.closed == 0


def test_fork_shares_offsets_but_not_slots(fs: Rootfs) -> None:
    parent = FdTable()
    fd = parent.install(fs.open("/", b"f", ls.O_RDONLY), cloexec=True)
    child = parent.fork()
    assert child.get_cloexec(fd) and child.limit == parent.limit
    assert child.get(fd).read(3) == b"012"
    assert parent.get(fd).read(3) == b"345"  # shared description, shared offset
    child.close(fd)
    assert parent.get(fd).read(2) == b"67"  # still open in the parent
    f = parent.get(fd)
    assert isinstance(f, HostFile)
    parent.close(fd)
    assert f.fd == -1


def test_close_range_and_close_all() -> None:
    t = FdTable()
    files = [Dummy() for _ in range(6)]
    for f in files:
        t.install(f)
    t.close_range(1, 2, cloexec_only=True)
    assert t.get_cloexec(1) and t.get_cloexec(2) and not t.get_cloexec(3)
    t.close_range(4, 100)
    assert [fd for fd, _ in t.items()] == [0, 1, 2, 3]
    t.close_all()
    assert len(t) == 0 and all(f.closed == 1 for f in files)


def test_set_status_flags_mask() -> None:
    f = Dummy()
    f.set_status_flags(ls.O_NONBLOCK | ls.O_WRONLY | ls.O_CREAT | ls.O_APPEND)
    assert f.flags == ls.O_RDWR | ls.O_NONBLOCK | ls.O_APPEND
    assert errno_of(f.lseek, 0, 0) == errno.ESPIPE
    assert errno_of(f.read, 1) == errno.EINVAL
