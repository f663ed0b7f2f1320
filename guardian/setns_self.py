"""`return.setns_own_userns`: setns() of a pidfd of the caller's own process never
installs a user namespace.

sys_setns() (every 6.x version): for a pidfd, check_setns_flags() then
prepare_nsset() and validate_nsset(), which for CLONE_NEWUSER in the flags takes the
pidfd's task's user namespace (`user_ns = get_user_ns(__task_cred(tsk)->user_ns)`) and
installs it first (validate_ns() -> userns_install()).  A pidfd pidfd_open() made for the
pid getpid told the caller's process (own_pid.py; pidfd_open() looks the number up in the
caller's own pid namespace, task_active_pid_ns(), the one getpid() answers in) names
the caller's own thread group, whose leader lives (or stays a zombie) while the caller
runs: either the caller is that leader, and userns_install()'s `if (user_ns ==
current_user_ns()) return -EINVAL;` holds, or it is another thread of the group, and `if
(!thread_group_empty(current)) return -EINVAL;` does.  So such a setns() never answers 0.

Judged only where the descriptor named the same open file through the call (the table
steady: no dup2 onto it, no close) and no seccomp filter may answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.own_pid import own_pid

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_NR_SETNS = NUMBERS["setns"]
#: the calls `check` judges
CALLS = frozenset({_NR_SETNS})
_CLONE_NEWUSER = 0x1000_0000


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    """setns(fd, nstype) answered `ret`, no filter: refuse 0 where nstype holds
    CLONE_NEWUSER and fd is a pidfd of the caller's own process."""
    if ret != 0 or not slot.args[1] & _CLONE_NEWUSER or not files.steady(slot):
        return
    pid = own_pid(files, slot)
    fd = slot.args[0] & 0xFFFF_FFFF
    if pid is None or files.pidfd_pid(slot, fd) != pid:
        return
    refuse("return.setns_own_userns", Status.ERR_DENIED,
           f"setns({fd}, {slot.args[1] & 0xFFFF_FFFF:#x}) answers 0, but descriptor {fd} is "
           f"a pidfd of the caller's own process {pid}: validate_nsset() installs its own "
           "user namespace (userns_install(): `user_ns == current_user_ns()` -EINVAL, or "
           "another thread alive: `!thread_group_empty(current)` -EINVAL)")
