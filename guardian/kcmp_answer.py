"""`return.kcmp_answer`: what kcmp() cannot answer.

SYSCALL_DEFINE5(kcmp) (kernel/kcmp.c, every 6.x version): a type past KCMP_EPOLL_TFD is
the switch's default (-EINVAL); a pid of 0 or below names no task (find_task_by_vpid():
-ESRCH, before the type is looked at); KCMP_EPOLL_TFD reads a struct kcmp_epoll_slot and looks
its efd up with fget_task() (kcmp_epoll_target(): a negative efd is an unsigned index
past any fdtable, -EBADF).  One task compared with itself finds one object:
get_file_raw_ptr() of one descriptor twice (KCMP_FILE), or the same mm, files, fs,
sighand, io_context or sysvsem undo list, and kcmp_ptr() of equal pointers answers 0.
Judged only where the pid is the one getpid told the caller's process (own_pid.py) and
no other call of the program is in flight or returned since the entry (none may close,
dup over or unshare what is compared, exit, or give the task an io_context --
set_task_ioprio() -- between the two reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from abi import Status
from guardian.checks import refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

KCMP_FILE, KCMP_SYSVSEM, KCMP_EPOLL_TFD = 0, 6, 7


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def read_efd(memory: UserMemory, slot: Slot, addr: int,
             still: Callable[[], bool]) -> int | None:
    """struct kcmp_epoll_slot's efd (its first __u32) at addr, where `still()`: the bytes
    lay quiet through the call (copy_from_user() read them as they are now)."""
    raw = memory.read(addr, 4, slot.root)
    return int.from_bytes(raw, "little") if raw is not None and still() else None


def check(own: int | None, slot: Slot, ret: int, others: Iterable[Slot],
          read_efd: Callable[[int], int | None], returned: bool = False) -> None:
    """The program's kcmp answered `ret` (not an error).  `read_efd(addr)`: the slot's
    efd at addr as the kernel read it (None: unknown or not quiet through the call);
    `returned`: another call of the program returned since the slot's entry."""
    a = slot.args
    kind, why = _s32(a[2]), ""
    if not 0 <= kind <= KCMP_EPOLL_TFD:
        why = f"type {kind} (the switch's default: -EINVAL)"
    elif _s32(a[0]) <= 0 or _s32(a[1]) <= 0:
        # find_task_by_vpid() of 0 or a negative pid: no struct pid is ever numbered so
        # (alloc_pid() hands out 1 and up), the task is NULL: -ESRCH, whatever the type
        why = f"pid {min(_s32(a[0]), _s32(a[1]))} (find_task_by_vpid(): no task, -ESRCH)"
    elif kind == KCMP_EPOLL_TFD:
        efd = read_efd(a[4])
        if efd is not None and efd & 0x8000_0000:
            why = f"the slot's efd {_s32(efd)} (fget_task(): -EBADF)"
    elif ret != 0 and not returned and _s32(a[0]) == _s32(a[1]) == own and not any(o.id != slot.id for o in others):
        if kind == KCMP_FILE and (a[3] & 0xFFFF_FFFF) == (a[4] & 0xFFFF_FFFF):
            why = f"descriptor {_s32(a[3])} compared with itself (one file: 0)"
        elif kind != KCMP_FILE:
            why = f"type {kind} of the program's own pid twice (one object: 0)"
    if why:
        refuse("return.kcmp_answer", Status.ERR_DENIED, f"kcmp answered {ret:#x} for {why}")
