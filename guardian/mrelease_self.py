"""`return.mrelease_live`: process_mrelease() never succeeds for the live caller.

SYSCALL_DEFINE2(process_mrelease) (mm/oom_kill.c, every 6.x version): flags other than 0
fail with -EINVAL; pidfd_get_task() resolves a PIDFD_SELF_* pidfd (6.14: -10000, -20000;
6.15: -10000, -10001) to the caller, whose mm is reaped only where task_will_free_mem()
holds (a group exit, SIGNAL_GROUP_EXIT, or a lone exiting thread), or is -- without error
-- where MMF_OOM_SKIP is set (the OOM reaper's work on a killed process): otherwise
-EINVAL.  A pidfd pidfd_open() made for the caller's own pid (pidfd_get_task() ->
pidfd_pid()) names the same live task group.  A caller that returns from the call with no other call of the program in
flight (none may be exiting it or killing it: a fork child's kill() included) is neither.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from guardian.checks import refuse
from guardian.slots import Slot

#: pidfd_get_task(): the caller's PIDFD_SELF_* values, on every version that knows them
_SELF = frozenset((-10000, -10001, -20000))


def check(slot: Slot, ret: int, others: Iterable[Slot], own: bool = False,
          returned: bool = False) -> None:
    """The program's process_mrelease answered `ret` (not an error); `own`: its pidfd is
    one pidfd_open() made for the pid known as the caller's own process (own_pid.py), as
    the table holds it now; `returned`: another call returned since the slot's entry
    (a dup2 onto the pidfd, a kill: pidfd_get_task() read the table at the entry)."""
    a = slot.args
    if a[1] & 0xFFFF_FFFF:
        why = f"flags {a[1] & 0xFFFF_FFFF:#x}"
    elif (own or (a[0] & 0xFFFF_FFFF) - (1 << 32) in _SELF) and not returned and not any(
            o.id != slot.id for o in others):
        why = "the live caller (task_will_free_mem() false, no MMF_OOM_SKIP)"
    else:
        return
    refuse("return.mrelease_live", Status.ERR_DENIED,
           f"process_mrelease answered {ret:#x} for {why} (-EINVAL)")
