"""inotify in the kernel model, as Linux 6.x's fs/notify/inotify/inotify_user.c answers it.

The calls answered -ENOSYS, so file watchers, `tail -f` and build tools found no
inotify.  inotify_init1() makes an anon-inode file; inotify_add_watch() marks an inode
(one wd per inode per instance, counted from 1); the model's own calls queue events as
fsnotify() does: a directory's watch hears its children's with their names, an inode's
own without; identical consecutive events merge; struct inotify_event names are
NUL-padded to 16 bytes; a read takes whole events only.
"""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path

import pytest

from kernel_model import inotify as ino
from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from kernel_model.syscalls import SYSCALLS
from kernel_model.syscalls.numbers import NUMBERS
from tests.model_kernel import booted_kernel

AT_FDCWD = -100 & 0xFFFF_FFFF_FFFF_FFFF
BUF = 0x3000_0000
NAME, NAME2, DATA = BUF, BUF + 512, BUF + 1024


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    k.init.umask = 0o022
    return k


def call(k: Kernel, name: str, *args: int) -> int:
    try:
        return SYSCALLS[NUMBERS[name]](k, k.current, (*args, 0, 0, 0, 0, 0, 0)[:6])
    except KernelError as exc:
        return -exc.errno


def named(k: Kernel, name: str, path: bytes, *args: int) -> int:
    k.uaccess.write(NAME, path + b"\0")
    return call(k, name, *args)


def add_watch(k: Kernel, fd: int, path: bytes, mask: int) -> int:
    return named(k, "inotify_add_watch", path, fd, NAME, mask)


def openat(k: Kernel, path: bytes, flags: int, mode: int = 0o644) -> int:
    return named(k, "openat", path, AT_FDCWD, NAME, flags, mode)


def events(k: Kernel, fd: int, size: int = 2048) -> list[tuple[int, int, int, bytes]]:
    n = call(k, "read", fd, DATA, size)
    if n < 0:
        return [] if n == -errno.EAGAIN else [(n, 0, 0, b"")]
    raw, out, off = k.uaccess.read(DATA, n), [], 0
    while off < n:
        wd, mask, cookie, length = struct.unpack_from("<iIII", raw, off)
        out.append((wd, mask, cookie, raw[off + 16:off + 16 + length].rstrip(b"\0")))
        off += 16 + length
    return out


def instance(k: Kernel) -> int:
    return call(k, "inotify_init1", ino.IN_NONBLOCK)


def test_init1_flags_and_the_anon_inode_file(kernel: Kernel) -> None:
    assert call(kernel, "inotify_init1", 1) == -errno.EINVAL
    fd = call(kernel, "inotify_init1", ino.IN_CLOEXEC | ino.IN_NONBLOCK)
    f = kernel.init.fds.get(fd)
    assert f.link_name == "anon_inode:inotify"
    assert f.poll_mask() == 0 and events(kernel, fd) == []          # -EAGAIN
    assert call(kernel, "write", fd, DATA, 8) == -errno.EBADF      # opened O_RDONLY


def test_add_watch_errors_and_watch_descriptors(kernel: Kernel, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    os.link(tmp_path / "file", tmp_path / "hard")
    os.symlink("file", tmp_path / "sym")
    fd = instance(kernel)
    efd = call(kernel, "eventfd2", 0, 0)
    assert add_watch(kernel, 99, b"/file", ino.IN_MODIFY) == -errno.EBADF
    assert add_watch(kernel, efd, b"/file", ino.IN_MODIFY) == -errno.EINVAL
    assert add_watch(kernel, fd, b"/file", 0) == -errno.EINVAL
    assert add_watch(kernel, 99, b"/file", ino.IN_MASK_ADD | ino.IN_MASK_CREATE | 1) \
        == -errno.EINVAL                                           # before fdget()
    assert add_watch(kernel, fd, b"/nope", ino.IN_MODIFY) == -errno.ENOENT
    assert add_watch(kernel, fd, b"/file", ino.IN_MODIFY | ino.IN_ONLYDIR) == -errno.ENOTDIR
    assert add_watch(kernel, fd, b"/file", ino.IN_MODIFY) == 1
    assert add_watch(kernel, fd, b"/hard", ino.IN_ATTRIB | ino.IN_MASK_ADD) == 1   # same inode
    info = os.stat(tmp_path / "file")
    assert kernel.init.fds.get(fd).fdinfo() == (
        f"inotify wd:1 ino:{info.st_ino:x} "
        f"sdev:{os.major(info.st_dev) << 20 | os.minor(info.st_dev):x} mask:6 ignored_mask:0\n")
    assert add_watch(kernel, fd, b"/sym", ino.IN_OPEN) == 1                         # followed
    assert "mask:20 " in kernel.init.fds.get(fd).fdinfo()                           # replaced
    assert add_watch(kernel, fd, b"/sym", ino.IN_OPEN | ino.IN_DONT_FOLLOW) == 2    # the link
    assert add_watch(kernel, fd, b"/file", ino.IN_OPEN | ino.IN_MASK_CREATE) == -errno.EEXIST
    assert add_watch(kernel, fd, b"/", ino.IN_CREATE | ino.IN_ONLYDIR) == 3
    assert add_watch(kernel, instance(kernel), b"/file", ino.IN_ACCESS) == 1   # per instance


def test_rm_watch_queues_in_ignored(kernel: Kernel, tmp_path: Path) -> None:
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/", ino.IN_ALL_EVENTS)
    assert call(kernel, "inotify_rm_watch", fd, 7) == -errno.EINVAL
    assert call(kernel, "inotify_rm_watch", fd, wd) == 0
    assert call(kernel, "inotify_rm_watch", fd, wd) == -errno.EINVAL
    assert events(kernel, fd) == [(wd, ino.IN_IGNORED, 0, b"")]
    assert add_watch(kernel, fd, b"/", ino.IN_ALL_EVENTS) == 2      # idr_alloc_cyclic()


def test_a_directory_hears_its_childrens_events_by_name(kernel: Kernel, tmp_path: Path) -> None:
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/", ino.IN_ALL_EVENTS)
    f = openat(kernel, b"/new.txt", ls.O_CREAT | ls.O_WRONLY)
    k = kernel
    k.uaccess.write(DATA, b"hello")
    assert call(k, "write", f, DATA, 5) == 5
    assert call(k, "write", f, DATA, 5) == 5                         # merged with the last
    assert call(k, "close", f) == 0
    got = events(k, fd)
    assert got == [(wd, ino.IN_CREATE, 0, b"new.txt"), (wd, ino.IN_OPEN, 0, b"new.txt"),
                   (wd, ino.IN_MODIFY, 0, b"new.txt"), (wd, ino.IN_CLOSE_WRITE, 0, b"new.txt")]
    f = openat(k, b"/new.txt", ls.O_RDONLY)
    assert call(k, "read", f, DATA, 100) == 10
    assert call(k, "read", f, DATA, 100) == 0                        # no IN_ACCESS at EOF
    call(k, "close", f)
    assert events(k, fd) == [(wd, ino.IN_OPEN, 0, b"new.txt"), (wd, ino.IN_ACCESS, 0, b"new.txt"),
                             (wd, ino.IN_CLOSE_NOWRITE, 0, b"new.txt")]
    assert named(k, "mkdirat", b"/sub", AT_FDCWD, NAME, 0o755) == 0
    assert named(k, "fchmodat", b"/new.txt", AT_FDCWD, NAME, 0o600) == 0
    k.uaccess.write(NAME2, b"/sub/moved\0")
    assert named(k, "renameat", b"/new.txt", AT_FDCWD, NAME, AT_FDCWD, NAME2) == 0
    assert named(k, "unlinkat", b"/sub/moved", AT_FDCWD, NAME, 0) == 0
    assert named(k, "unlinkat", b"/sub", AT_FDCWD, NAME, ls.AT_REMOVEDIR) == 0
    got = events(k, fd)
    assert got[:3] == [(wd, ino.IN_CREATE | ino.IN_ISDIR, 0, b"sub"),
                       (wd, ino.IN_ATTRIB, 0, b"new.txt"),
                       (wd, ino.IN_MOVED_FROM, got[2][2], b"new.txt")]
    assert got[2][2] != 0 and got[3:] == [(wd, ino.IN_DELETE | ino.IN_ISDIR, 0, b"sub")]


def test_rename_pairs_one_cookie_and_moves_self(kernel: Kernel, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    fd = instance(kernel)
    wa = add_watch(kernel, fd, b"/a", ino.IN_MOVE)
    wb = add_watch(kernel, fd, b"/b", ino.IN_MOVE)
    wf = add_watch(kernel, fd, b"/a/f", ino.IN_MOVE_SELF)
    kernel.uaccess.write(NAME2, b"/b/g\0")
    assert named(kernel, "renameat", b"/a/f", AT_FDCWD, NAME, AT_FDCWD, NAME2) == 0
    (w1, m1, c1, n1), (w2, m2, c2, n2), last = events(kernel, fd)
    assert (w1, m1, n1, w2, m2, n2) == (wa, ino.IN_MOVED_FROM, b"f", wb, ino.IN_MOVED_TO, b"g")
    assert c1 == c2 != 0 and last == (wf, ino.IN_MOVE_SELF, 0, b"")


def test_a_watched_file_deleted_sends_delete_self_and_ignored(kernel: Kernel,
                                                              tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/f", ino.IN_ALL_EVENTS)
    dw = add_watch(kernel, fd, b"/", ino.IN_DELETE)
    assert named(kernel, "truncate", b"/f", NAME, 0) == 0
    assert named(kernel, "unlinkat", b"/f", AT_FDCWD, NAME, 0) == 0
    assert events(kernel, fd) == [(wd, ino.IN_MODIFY, 0, b""), (wd, ino.IN_ATTRIB, 0, b""),
                                  (wd, ino.IN_DELETE_SELF, 0, b""), (wd, ino.IN_IGNORED, 0, b""),
                                  (dw, ino.IN_DELETE, 0, b"f")]
    assert call(kernel, "inotify_rm_watch", fd, wd) == -errno.EINVAL


def test_oneshot_and_exact_masks(kernel: Kernel, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/f", ino.IN_OPEN | ino.IN_ONESHOT)
    for _ in range(2):
        call(kernel, "close", openat(kernel, b"/f", ls.O_RDONLY))
    assert events(kernel, fd) == [(wd, ino.IN_OPEN, 0, b""), (wd, ino.IN_IGNORED, 0, b"")]


def test_reads_take_whole_padded_events_and_fionread_counts_them(kernel: Kernel) -> None:
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/", ino.IN_CREATE)
    for name in (b"/abcdefghijklmno", b"/abcdefghijklmnop"):       # 15 and 16 bytes
        assert named(kernel, "mkdirat", name, AT_FDCWD, NAME, 0o755) == 0
    f = kernel.init.fds.get(fd)
    assert f.poll_mask() == ls.POLLIN | ls.POLLRDNORM
    assert f.ioctl(ls.FIONREAD, None).out == struct.pack("<i", 32 + 48)
    assert call(kernel, "read", fd, DATA, 31) == -errno.EINVAL      # too small for the first
    assert call(kernel, "read", fd, DATA, 32 + 47) == 32            # whole events only
    assert struct.unpack_from("<iIII", kernel.uaccess.read(DATA, 16)) == \
        (wd, ino.IN_CREATE | ino.IN_ISDIR, 0, 16)
    assert events(kernel, fd) == [(wd, ino.IN_CREATE | ino.IN_ISDIR, 0, b"abcdefghijklmnop")]
    assert f.poll_mask() == 0


def test_the_queue_overflows_once_at_max_queued_events(kernel: Kernel) -> None:
    fd = instance(kernel)
    f = kernel.init.fds.get(fd)
    for i in range(ino.MAX_QUEUED_EVENTS + 5):
        f.queue_event(1, ino.IN_CREATE, 0, b"n%d" % i)
    assert len(f.events) == ino.MAX_QUEUED_EVENTS + 1
    assert f.events[-1] == ino.pack_event(-1, ino.IN_Q_OVERFLOW, 0, b"")


def test_closing_the_instance_drops_its_marks(kernel: Kernel) -> None:
    fd = instance(kernel)
    add_watch(kernel, fd, b"/", ino.IN_CREATE)
    assert kernel.rootfs.fsnotify.marks
    assert call(kernel, "close", fd) == 0
    assert not kernel.rootfs.fsnotify.marks


def test_a_blocking_read_sleeps_until_an_event_and_epoll_sees_it(kernel: Kernel) -> None:
    from kernel_model.process import ThreadState
    from kernel_model.scheduler import Block

    fd = call(kernel, "inotify_init1", 0)
    add_watch(kernel, fd, b"/", ino.IN_CREATE)
    ep = call(kernel, "epoll_create1", 0)
    kernel.uaccess.write(DATA, struct.pack("<IIQ", ls.POLLIN, 0, 7))
    assert call(kernel, "epoll_ctl", ep, 1, fd, DATA) == 0         # EPOLL_CTL_ADD
    assert call(kernel, "epoll_pwait", ep, DATA, 4, 0, 0, 8) == 0
    t = kernel.current
    with pytest.raises(Block) as blocked:
        call(kernel, "read", fd, DATA, 4096)
    kernel.sched.block(t, blocked.value.reason)                    # (traps.py's part)
    assert t.state == ThreadState.BLOCKED
    assert named(kernel, "mkdirat", b"/d", AT_FDCWD, NAME, 0o755) == 0
    assert t.state == ThreadState.RUNNABLE                         # woken by the event
    assert call(kernel, "epoll_pwait", ep, DATA, 4, 0, 0, 8) == 1
    assert struct.unpack_from("<IIQ", kernel.uaccess.read(DATA, 16))[2] == 7
    assert events(kernel, fd) == [(1, ino.IN_CREATE | ino.IN_ISDIR, 0, b"d")]


def test_attribute_changes_report_as_fsnotify_change_does(kernel: Kernel, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("data")
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/f", ino.IN_ALL_EVENTS)
    omit = (1 << 30) - 2
    assert named(kernel, "utimensat", b"/f", AT_FDCWD, NAME, 0, 0) == 0        # both: ATTRIB
    kernel.uaccess.write(NAME2, struct.pack("<qqqq", 5, 0, 0, omit))
    assert named(kernel, "utimensat", b"/f", AT_FDCWD, NAME, NAME2, 0) == 0    # atime: ACCESS
    kernel.uaccess.write(NAME2, struct.pack("<qqqq", 0, omit, 6, 0))
    assert named(kernel, "utimensat", b"/f", AT_FDCWD, NAME, NAME2, 0) == 0    # mtime: MODIFY
    assert named(kernel, "fchownat", b"/f", AT_FDCWD, NAME, 0, 0xFFFF_FFFF, 0) == 0
    f = openat(kernel, b"/f", ls.O_RDWR)
    assert call(kernel, "ftruncate", f, 1) == 0
    assert call(kernel, "fchown", f, 0xFFFF_FFFF, 0xFFFF_FFFF) == 0             # no change
    try:
        os.setxattr(tmp_path / "f", "user.probe", b"1")
    except OSError:
        xattr = []
    else:
        k = kernel
        k.uaccess.write(NAME2, b"user.colour\0")
        k.uaccess.write(DATA, b"blue")
        assert call(k, "fsetxattr", f, NAME2, DATA, 4, 0) == 0
        xattr = [(wd, ino.IN_ATTRIB, 0, b"")]
    call(kernel, "close", f)
    assert events(kernel, fd) == [
        (wd, ino.IN_ATTRIB, 0, b""), (wd, ino.IN_ACCESS, 0, b""), (wd, ino.IN_MODIFY, 0, b""),
        (wd, ino.IN_ATTRIB, 0, b""), (wd, ino.IN_OPEN, 0, b""), (wd, ino.IN_MODIFY, 0, b""),
        *xattr, (wd, ino.IN_CLOSE_WRITE, 0, b"")]


def test_an_open_unlinked_file_is_deleted_at_its_last_close(kernel: Kernel,
                                                           tmp_path: Path) -> None:
    (tmp_path / "log").write_text("line\n")
    fd = instance(kernel)
    wd = add_watch(kernel, fd, b"/log", ino.IN_ALL_EVENTS)
    f = openat(kernel, b"/log", ls.O_RDONLY)
    g = call(kernel, "dup", f)
    assert named(kernel, "unlinkat", b"/log", AT_FDCWD, NAME, 0) == 0
    call(kernel, "close", f)
    assert events(kernel, fd) == [(wd, ino.IN_OPEN, 0, b""), (wd, ino.IN_ATTRIB, 0, b"")]
    call(kernel, "close", g)                                       # the last reference
    assert events(kernel, fd) == [(wd, ino.IN_CLOSE_NOWRITE, 0, b""),
                                  (wd, ino.IN_DELETE_SELF, 0, b""), (wd, ino.IN_IGNORED, 0, b"")]


def test_in_excl_unlink_drops_the_events_of_an_unlinked_child(kernel: Kernel) -> None:
    a, b = instance(kernel), instance(kernel)
    wa = add_watch(kernel, a, b"/", ino.IN_MODIFY | ino.IN_DELETE)
    wb = add_watch(kernel, b, b"/", ino.IN_MODIFY | ino.IN_EXCL_UNLINK)
    f = openat(kernel, b"/tmpfile", ls.O_CREAT | ls.O_WRONLY)
    assert named(kernel, "unlinkat", b"/tmpfile", AT_FDCWD, NAME, 0) == 0
    kernel.uaccess.write(DATA, b"x")
    assert call(kernel, "write", f, DATA, 1) == 1
    assert events(kernel, a) == [(wa, ino.IN_DELETE, 0, b"tmpfile"),
                                 (wa, ino.IN_MODIFY, 0, b"tmpfile")]
    assert events(kernel, b) == [] and wb == 1


def test_add_watch_walks_dev_and_lseek_answers_f_pos(kernel: Kernel) -> None:
    """Round 90: user_path_at() finds /dev's nodes (the model's root-fs look-up answered
    -ENOENT): IN_ONLYDIR of /dev/null -ENOTDIR, "/dev" a directory a fork child may
    watch; noop_llseek() answers f_pos, 0 (the model answered -ESPIPE)."""
    fd = instance(kernel)
    assert add_watch(kernel, fd, b"/dev/null", ino.IN_CREATE | ino.IN_ONLYDIR) == -errno.ENOTDIR
    assert add_watch(kernel, fd, b"/dev", ino.IN_CREATE | ino.IN_ONLYDIR) == 1
    assert add_watch(kernel, fd, b"/dev/null", ino.IN_MODIFY) == 2
    assert add_watch(kernel, fd, b"/dev/nope", ino.IN_MODIFY) == -errno.ENOENT
    assert call(kernel, "lseek", fd, 5, os.SEEK_SET) == 0
    assert call(kernel, "lseek", fd, 0, os.SEEK_END) == 0
    assert call(kernel, "lseek", fd, 0, 9) == -errno.EINVAL
