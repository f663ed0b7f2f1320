"""`return.descriptor_kind`: calls that look a descriptor up and need a given kind of file.

Linux (every 6.x version) fails each before any effect where the descriptor names no file
or a file of another kind:
- kcmp (kernel/kcmp.c): KCMP_FILE's get_file_raw_ptr(task1, idx1) and (task2, idx2) of a
  free number, -EBADF; two numbers naming one struct file (dup(), fork's copy) are equal
  pointers, kcmp_ptr() answers 0.  KCMP_EPOLL_TFD: get_file_raw_ptr(task1, idx1), -EBADF;
  kcmp_epoll_target() copies the kcmp_epoll_slot (copy_from_user(): -EFAULT where it is
  not readable), fget_task(efd) (-EBADF), get_epoll_tfile_raw_ptr(): !is_file_epoll(),
  -EINVAL; an epoll watching nothing finds no item (ep_find_tfd()), -ENOENT.  A fork
  child's mm (dup_mmap()) and table (dup_fd()) are its own: KCMP_VM and KCMP_FILES of
  the caller and a living fork child never answer 0.
- pidfd_getfd: pidfd_get_pid(): a file that is no pidfd, -EBADF; __pidfd_fget() ->
  fget_task() of a free number in the target, -EBADF.
- process_mrelease: pidfd_get_task() -> pidfd_get_pid(): no pidfd, -EBADF.
- perf_event_open: perf_fget_light(group_fd): a file that is no perf event, -EBADF.

Judged only for the caller's own tables (own_pid.py: kcmp's pids, pidfd_getfd's target;
numbers only where the caller's table is its leader's, Known.leaders()),
where each number named one file through the call (Descriptors.steady()) -- an epoll's
registrations where no epoll_ctl is in flight and no call returned since the entry --
and a file the program opened
by a name outside /proc and /dev/fd (no pidfd, epoll or perf event: those have no name
to open), or a number the program closed (FileTable.free).
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_events import EpollInstance
from guardian.confidential_files import Descriptors
from guardian.open_files import OpenFile
from guardian.slots import Slot

KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_EPOLL_TFD = 0, 1, 2, 7
_NR_KCMP = NUMBERS["kcmp"]
_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
_NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
_NR_PERF_EVENT_OPEN = NUMBERS["perf_event_open"]
_NR_EPOLL_CREATE1 = NUMBERS["epoll_create1"]
CALLS = frozenset((_NR_KCMP, _NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE, _NR_PERF_EVENT_OPEN))
#: names whose open may give back an open file of any kind (a magic link)
_MAGIC = ("/proc", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr")


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def _named(f: OpenFile | None) -> bool:
    """Is `f` a file opened by a name that gives no pidfd, epoll or perf event?"""
    return f is not None and f.path is not None and f.maker is None \
        and not f.path.startswith(_MAGIC)


class Known:
    """What the caller's table says of its numbers, as of the call's entry."""

    def __init__(self, files: Descriptors, slot: Slot) -> None:
        self.files, self.slot = files, slot
        self.table = files.tables.get((slot.root, slot.thread))

    def leaders(self) -> bool:
        """Is the caller's table its thread group leader's, the one a pid's numbers name
        (kcmp's get_file_raw_ptr() and pidfd_getfd's fget_task() look in the task the
        pid finds: find_task_by_vpid(), PIDTYPE_TGID -- the leader, whose table another
        thread's unshare(CLONE_FILES) left)?"""
        return self.files.reach(self.slot).leader

    def file(self, fd: int) -> OpenFile | None:
        return self.files.open_file(self.slot, fd)

    def closed(self, fd: int) -> bool:
        """Did the program close number fd before the call, none made since?"""
        at = self.table.free.get(_s32(fd)) if self.table is not None else None
        return at is not None and at <= self.slot.id and self.file(fd) is None


def _kcmp(k: Known, a: tuple[int, ...], ret: int, own: int | None,
          read: Callable[[int, int], bytes | None], alone: bool) -> str:
    kind = _s32(a[2])
    if own is not None and _s32(a[0]) == own and _s32(a[1]) != own and ret == 0:
        return _fork_child(k, _s32(a[1]), kind, own)
    if own is None or not _s32(a[0]) == _s32(a[1]) == own or not k.leaders():
        return ""
    if kind == KCMP_FILE:
        for fd in (a[3], a[4]):
            if k.closed(fd):
                return f"KCMP_FILE of descriptor {_s32(fd)}, which the program closed (-EBADF)"
        f1, f2 = k.file(a[3]), k.file(a[4])
        if ret != 0 and f1 is not None and f2 is not None and f1.description is f2.description:
            return f"KCMP_FILE of descriptors {_s32(a[3])} and {_s32(a[4])}, one open file (0)"
    elif kind == KCMP_EPOLL_TFD:
        if k.closed(a[3]):
            return f"KCMP_EPOLL_TFD of descriptor {_s32(a[3])}, which the program closed (-EBADF)"
        raw = read(a[4], 12)
        if raw is None:
            return ""
        efd = int.from_bytes(raw[:4], "little")
        ep = k.file(efd)
        if _named(ep):
            return f"KCMP_EPOLL_TFD of slot efd {_s32(efd)}, no epoll (-EINVAL)"
        if alone and ep is not None and ep.maker == _NR_EPOLL_CREATE1 \
                and isinstance(ep.events, EpollInstance) and not ep.events.registrations \
                and not ep.events.unsure:
            return f"KCMP_EPOLL_TFD of slot efd {_s32(efd)}, an epoll watching nothing (-ENOENT)"
    return ""


def _fork_child(k: Known, pid: int, kind: int, own: int) -> str:
    """kcmp(own, pid, KCMP_VM / KCMP_FILES) answered 0 for a living fork child `pid` the
    caller's process was told: copy_mm() -> dup_mmap() (no CLONE_VM: another tree) and
    copy_files() -> dup_fd() (no CLONE_FILES: another table) gave it objects of its own."""
    reg = k.files.admission.registry
    proc = reg.child_pids.get((k.slot.root, pid))
    if not proc or kind not in (KCMP_VM, KCMP_FILES):
        return ""
    roots = [r for r, p in reg.process_of_root.items() if p == proc
             and r not in k.files.retired]
    if len(roots) != 1 or reg.group_exited(roots[0], proc) or reg.was_reaped(roots[0], proc):
        return ""
    if kind == KCMP_VM and roots[0] != k.slot.root and (k.slot.root, pid) not in reg.vm_children:
        return f"KCMP_VM of fork child {pid}, whose mm dup_mmap() made (1 or 2, never 0)"
    table = k.files.child_table(k.slot, pid)
    if kind == KCMP_FILES and table is not None and not any(
            t is table for t in k.files.tables.values() if own in t.pids):
        return f"KCMP_FILES of fork child {pid}, whose table dup_fd() made (1 or 2, never 0)"
    return ""


def check(files: Descriptors, slot: Slot, ret: int, own: int | None, alone: bool,
          read: Callable[[int, int], bytes | None]) -> None:
    """The program's call in `slot` answered `ret` (not an error); `alone`: no epoll_ctl
    of the program in flight and no call returned since the entry; `read(addr, n)`: the
    bytes at addr as the kernel read them (None: unknown, or not quiet)."""
    if not files.steady(slot):
        return
    k, a, nr = Known(files, slot), slot.args, slot.nr
    why = ""
    if nr == _NR_KCMP:
        why = _kcmp(k, a, ret, own, read, alone)
    elif nr in (_NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE) and _named(k.file(a[0])):
        why = f"descriptor {_s32(a[0])}, no pidfd (pidfd_get_pid(): -EBADF)"
    elif nr == _NR_PIDFD_GETFD and own is not None and files.pidfd_pid(slot, a[0]) == own \
            and k.closed(a[1]) and k.leaders():
        why = f"target descriptor {_s32(a[1])}, which the program closed (fget_task(): -EBADF)"
    elif nr == _NR_PERF_EVENT_OPEN and _s32(a[3]) != -1 and _named(k.file(a[3])):
        why = f"group descriptor {_s32(a[3])}, no perf event (perf_fget_light(): -EBADF)"
    if why:
        refuse("return.descriptor_kind", Status.ERR_DENIED,
               f"{NUMBERS_BY_NR.get(nr, nr)} answered {ret:#x} for {why}")


NUMBERS_BY_NR = {v: k for k, v in NUMBERS.items()}
