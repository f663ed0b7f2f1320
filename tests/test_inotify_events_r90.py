"""Round 90's inotify rules: `return.inotify_event` and `return.inotify_value`
(guardian/inotify_events.py) and `return.kind_needed`'s inotify (guardian/kind_ops.py).
Each refusal sits beside the answer Linux gives, which passes."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian import inotify_events as ie
from guardian.checks import Refused
from guardian.kind_needed import check as check_kind
from guardian.open_files import OpenFile
from guardian.result_records import InotifyQueue
from guardian.slots import Slot

N = NUMBERS
IN_MODIFY, IN_MOVED_FROM, IN_CREATE, IN_DELETE = 0x2, 0x40, 0x100, 0x200
IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED = 0x2000, 0x4000, 0x8000
IN_ISDIR, IN_ONESHOT = 0x4000_0000, 0x8000_0000
TCGETS, FIONREAD, FIOCLEX, FIGETBSZ = 0x5401, 0x541B, 0x5451, 0x2
FS_IOC_GETFLAGS, SETNEXTWD = 0x80086601, 0x40044900


def event(wd: int, mask: int, name: bytes = b"", length: int | None = None,
          cookie: int = 0) -> bytes:
    length = (16 if name else 0) if length is None else length
    return struct.pack("<iIII", wd, mask, cookie, length) + name.ljust(length, b"\0")


@pytest.mark.parametrize("raw", [
    event(1, IN_CREATE, b"f"), event(1, IN_CREATE | IN_ISDIR, b"d"),
    event(-1, IN_Q_OVERFLOW), event(1, IN_IGNORED), event(1, IN_UNMOUNT),
    event(1, IN_MOVED_FROM, b"a", cookie=7), event(1, IN_MODIFY),     # the inode's own
    event(1, IN_CREATE, b"x" * 20, 32), event(1, IN_DELETE, b"f") + event(1, IN_IGNORED),
    event(1, IN_CREATE, b"x" * 15, 16), event(1, IN_CREATE, b"x" * 16, 32),
    b"",
])
def test_events_linux_writes_pass(raw: bytes) -> None:
    assert ie.event_fault(raw) == ""


@pytest.mark.parametrize("raw,what", [
    (event(1, IN_CREATE | IN_ONESHOT, b"f"), "past inotify_mask_to_arg"),      # AW-004
    (event(1, IN_CREATE, b"f", cookie=7), "cookie 7"),                        # AW-005
    (event(1, IN_CREATE, b"ab", 8), "len 8"),                                 # AW-006
    (event(1, IN_CREATE, b"a/b"), "no child's dentry name"),                  # AW-007
    (event(1, IN_CREATE, b"", 16), "no child's dentry name"),
    (event(1, IN_CREATE, b".."), "no child's dentry name"),
    (event(-1, IN_Q_OVERFLOW, b"x"), "never carries"),                        # AW-008
    (event(1, IN_CREATE), "no name"),                                         # AW-009
    (event(1, IN_IGNORED, b"x"), "never carries"),                            # AW-010
    (event(1, IN_CREATE, b"f") + event(1, IN_CREATE), "at byte 32"),
    (event(1, IN_CREATE, b"f", 32), "roundup(name_len + 1, 16)"),   # 16 holds "f"
    (event(1, IN_CREATE, b"x" * 16, 16), "roundup(name_len + 1, 16)"),  # no room for the NUL
])
def test_events_no_linux_writes_fail(raw: bytes, what: str) -> None:
    assert what in ie.event_fault(raw)


def test_wd_and_fionread_values() -> None:
    assert ie.wd_fault(1) == "" and ie.wd_fault(0x7FFF_FFFF) == ""
    assert "wd 0" in ie.wd_fault(0)                                           # AW-001
    assert ie.wd_fault(0x8000_0000)
    assert ie.fionread_fault(struct.pack("<i", 32)) == ""
    assert ie.fionread_fault(struct.pack("<i", 0)) == "" and ie.fionread_fault(None) == ""
    assert "stored 8" in ie.fionread_fault(struct.pack("<i", 8))              # AW-011
    assert ie.fionread_fault(struct.pack("<i", -16))


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)


class _Files:
    def __init__(self) -> None:
        self.fds = {3: OpenFile(maker=N["inotify_init1"], events=InotifyQueue()),
                    4: OpenFile(maker=N["eventfd2"])}

    def open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        return self.fds.get(fd)

    def steady(self, slot: Slot) -> bool:
        return True


def _run(nr: str, args: tuple[int, ...], ret: int, mem: dict[int, bytes],
         filtered: bool = False) -> None:
    def read(addr: int, n: int) -> bytes | None:
        return mem.get(addr, b"")[:n] or None
    ie.check(_Files(), _slot(nr, args), ret, read, read, lambda: filtered)  # type: ignore[arg-type]


IOV_EMPTY_FIRST = struct.pack("<QQQQ", 0x2000, 0, 0x3000, 256)
IOV_FULL_FIRST = struct.pack("<QQQQ", 0x2000, 16, 0x3000, 256)


def test_inotify_calls_linux_answers_pass() -> None:
    _run("inotify_add_watch", (3, 0x100, IN_CREATE), 1, {})
    _run("ioctl", (3, FIONREAD, 0x100), 0, {0x100: struct.pack("<i", 32)})
    _run("ioctl", (4, FIONREAD, 0x100), 0, {0x100: struct.pack("<i", 8)})   # an eventfd
    _run("readv", (3, 0x100, 2), 16, {0x100: IOV_FULL_FIRST})
    _run("readv", (4, 0x100, 2), 16, {0x100: IOV_EMPTY_FIRST})             # no inotify
    _run("readv", (3, 0x100, 2), 16, {})                                   # not quiet
    _run("inotify_add_watch", (3, 0x100, IN_CREATE), 0, {}, filtered=True)


@pytest.mark.parametrize("nr,args,ret,mem,check", [
    ("inotify_add_watch", (3, 0x100, IN_CREATE), 0, {}, "return.inotify_value"),
    ("ioctl", (3, FIONREAD, 0x100), 0, {0x100: struct.pack("<i", 8)}, "return.inotify_value"),
    ("readv", (3, 0x100, 2), 16, {0x100: IOV_EMPTY_FIRST}, "return.inotify_event"),
])
def test_inotify_calls_no_linux_answers_fail(nr: str, args: tuple[int, ...], ret: int,
                                             mem: dict[int, bytes], check: str) -> None:
    with pytest.raises(Refused) as exc:
        _run(nr, args, ret, mem)
    assert exc.value.check == check


KIND_TABLE = {3: OpenFile(maker=N["inotify_init1"])}


def _kind(nr: str, args: tuple[int, ...], ret: int = 0) -> None:
    check_kind(_slot(nr, args), ret, KIND_TABLE.get)


@pytest.mark.parametrize("nr,args,ret", [
    ("ioctl", (3, FIONREAD, 0x100), 0), ("ioctl", (3, FIOCLEX, 0), 0),
    ("ioctl", (3, FIGETBSZ, 0x100), 0),
    ("ioctl", (3, SETNEXTWD, 5), 0), ("ioctl", (3, SETNEXTWD, 0x7FFF_FFFF), 0),
    ("lseek", (3, 5, 0), 0), ("read", (3, 0x100, 256), 16),
])
def test_inotify_ops_linux_serves_pass(nr: str, args: tuple[int, ...], ret: int) -> None:
    _kind(nr, args, ret)


@pytest.mark.parametrize("nr,args,ret", [
    ("ioctl", (3, SETNEXTWD, 0), 0), ("ioctl", (3, SETNEXTWD, 0x8000_0000), 0),  # AW-013
    ("ioctl", (3, TCGETS, 0x100), 0), ("ioctl", (3, FS_IOC_GETFLAGS, 0x100), 0),  # AW-014
    ("write", (3, 0x100, 8), 8), ("pwrite64", (3, 0x100, 8, 0), 8),              # AW-015
    ("lseek", (3, 5, 0), 5),                                                     # AW-038
])
def test_inotify_ops_linux_refuses_fail(nr: str, args: tuple[int, ...], ret: int) -> None:
    with pytest.raises(Refused) as exc:
        _kind(nr, args, ret)
    assert exc.value.check == "return.kind_needed"


# --- return.inotify_watch (guardian/inotify_watches.py) ----------------------------------
from guardian import inotify_watches as iw  # noqa: E402


def _queue(masks: dict[int, int], renumbered: bool = False) -> InotifyQueue:
    q = InotifyQueue(watches=set(masks), given=set(masks), masks=dict(masks),
                     top=max(masks, default=0))
    q.renumbered = renumbered
    return q


def test_watch_events_linux_queues_pass() -> None:
    q = _queue({1: IN_CREATE, 2: IN_MODIFY | 0x4})
    assert iw.events_fault(q, [(1, IN_CREATE), (1, IN_CREATE | IN_ISDIR), (2, 0x4)]) == ""
    assert iw.events_fault(q, [(2, IN_MODIFY | 0x4)]) == ""     # fsnotify_change(): both
    assert iw.events_fault(q, [(1, IN_UNMOUNT), (1, IN_IGNORED), (-1, IN_Q_OVERFLOW)]) == ""
    assert iw.events_fault(q, [(3, IN_MODIFY)]) == ""            # a wd it never saw: not
    #                                                              this rule's (inotify_wd)
    assert iw.events_fault(q, [(1, IN_IGNORED), (2, IN_MODIFY)]) == ""
    # SETNEXTWD may hand wd 1 out again: a new watch's events after the old one's IN_IGNORED
    assert iw.events_fault(_queue({1: IN_CREATE}, True),
                           [(1, IN_IGNORED), (1, IN_CREATE)]) == ""


def test_watch_events_no_linux_queues_fail() -> None:
    q = _queue({1: IN_CREATE})
    assert "no add asked for" in iw.events_fault(q, [(1, IN_MODIFY)])             # AW-003
    assert "a second IN_IGNORED" in iw.events_fault(
        q, [(1, IN_IGNORED), (1, IN_CREATE), (1, IN_IGNORED)])


def test_an_event_racing_the_watchs_removal_may_follow_its_ignored() -> None:
    """inotify_handle_inode_event() reads the wd before kmalloc(), which may sleep; a
    handler that read it before inotify_ignored_and_remove_idr() queued IN_IGNORED queues
    its event after it (another thread created "f" while inotify_rm_watch ran): Linux."""
    q = _queue({1: IN_CREATE})
    assert iw.events_fault(q, [(1, IN_IGNORED), (1, IN_CREATE)]) == ""          # AW-036


class _Registry:
    def __init__(self, slots: dict[int, Slot]) -> None:
        self.slots = slots


class _Sole:
    def __init__(self, held: bool) -> None:
        self.by_file = {1: iw.Watched()} if held else {}

    def of(self, slot: Slot, fd: int) -> tuple[object, object] | None:
        return (None, self.by_file[1]) if self.by_file and fd == 3 else None

    def unsettled(self, slot: Slot) -> bool:
        return False

    def filtered(self, slot: Slot) -> bool:
        return False


class _SoleFiles(_Files):
    def __init__(self, held: bool, slots: dict[int, Slot]) -> None:
        super().__init__()
        self.sole = _Sole(held)
        self.admission = type("A", (), {"registry": _Registry(slots)})()


def test_rm_watch_of_a_wd_never_given() -> None:
    q = _queue({1: IN_CREATE})
    rm = _slot("inotify_rm_watch", (3, 1))
    iw.check_rm(_SoleFiles(True, {}), rm, q)                      # Linux: 0
    bad = _slot("inotify_rm_watch", (3, 101))
    with pytest.raises(Refused) as exc:                           # AW-012
        iw.check_rm(_SoleFiles(True, {}), bad, q)  # type: ignore[arg-type]
    assert exc.value.check == "return.inotify_watch"
    iw.check_rm(_SoleFiles(False, {}), bad, q)  # type: ignore[arg-type]   # another holder
    adding = Slot(7, 1, None, 0, N["inotify_add_watch"], (3, 0x100, IN_CREATE, 0, 0, 0), 1, 2)
    iw.check_rm(_SoleFiles(True, {7: adding}), bad, q)  # type: ignore[arg-type]  # in flight


def test_onlydir_watch_of_a_boot_device_is_no_wd(monkeypatch: pytest.MonkeyPatch) -> None:
    """AW-030: inotify_add_watch(ino, "/dev/null", IN_CREATE | IN_ONLYDIR) answered 2 --
    inotify_find_inode()'s LOOKUP_DIRECTORY of a character device: -ENOTDIR, while /dev's
    names are the boot's (cut_movers.boot_names())."""
    onlydir = IN_CREATE | 0x0100_0000
    null, tmp = {0x100: b"/dev/null\0"}, {0x100: b"/tmp\0"}
    monkeypatch.setattr(ie, "boot_names", lambda files: True)
    with pytest.raises(Refused) as exc:
        _run("inotify_add_watch", (3, 0x100, onlydir), 2, null)
    assert exc.value.check == "return.inotify_value"
    _run("inotify_add_watch", (3, 0x100, IN_CREATE), 2, null)         # no IN_ONLYDIR
    _run("inotify_add_watch", (3, 0x100, onlydir), 2, tmp)            # a directory
    _run("inotify_add_watch", (3, 0x100, onlydir), 2, {})             # not quiet
    _run("inotify_add_watch", (3, 0x100, onlydir), 2, null, filtered=True)
    monkeypatch.setattr(ie, "boot_names", lambda files: False)         # a chroot, a mount
    _run("inotify_add_watch", (3, 0x100, onlydir), 2, null)


def test_readv_pieces_step_over_an_empty_iovec_past_the_first() -> None:
    """do_loop_readv_writev() advances by iov_iter_advance(), which skips the 0-byte
    segments after a full one: 48 bytes into {32, 0, 32} fill the first and the third,
    and the event in the third is judged."""
    from guardian.result_records import _pieces
    iov = struct.pack("<QQQQQQ", 0x1000, 32, 0x2000, 0, 0x3000, 32)

    class _Mem:
        def read(self, va: int, n: int, root: int) -> bytes | None:
            return iov[:n] if va == 0x100 else None

    readv = _slot("readv", (3, 0x100, 3))
    assert _pieces(_Mem(), readv, 48) == [(0x1000, 32), (0x3000, 16)]  # type: ignore[arg-type]
    assert _pieces(_Mem(), readv, 32) == [(0x1000, 32)]  # type: ignore[arg-type]
    first_empty = struct.pack("<QQQQ", 0x2000, 0, 0x1000, 32)

    class _Mem2:
        def read(self, va: int, n: int, root: int) -> bytes | None:
            return first_empty[:n]

    assert _pieces(_Mem2(), _slot("readv", (3, 0x100, 2)), 16) == []  # type: ignore[arg-type]


def test_a_wd_at_int_max_may_come_again_without_a_walk() -> None:
    """idr_alloc_cyclic() wraps past INT_MAX: a wd may be handed out again, so a second
    IN_IGNORED of it is not judged -- known from the highest wd an add answered, kept as
    the adds come (InotifyQueue.top), not from a walk of every wd given per read."""
    q = _queue({1: IN_CREATE, 0x7FFF_FFFF: IN_CREATE})
    assert q.top == 0x7FFF_FFFF
    assert iw.events_fault(q, [(1, IN_IGNORED), (1, IN_IGNORED)]) == ""
    q.top = 1
    assert iw.events_fault(q, [(1, IN_IGNORED), (1, IN_IGNORED)])
