"""`return.securebits_setpcap`: PR_SET_SECUREBITS never succeeds while the thread's
effective set is known to lack CAP_SETPCAP.

- cap_task_prctl() (security/commoncap.c), every 6.x version: `case PR_SET_SECUREBITS:
  ... || (cap_capable(current_cred(), current_cred()->user_ns, CAP_SETPCAP,
  CAP_OPT_NONE) != 0)) return -EPERM;`: cap_capable() of the caller's own namespace
  reads `cred->cap_effective` alone.
- cap_task_fix_setuid() (LSM_SETID_ID, _RE, _RES): `if (!issecure(SECURE_NO_SETUID_FIXUP))
  cap_emulate_setxuid(new, old);`, which `if (uid_eq(old->euid, root_uid) &&
  !uid_eq(new->euid, root_uid)) cap_clear(new->cap_effective);`: a setuid, setreuid or
  setresuid answered 0 that moved the known effective uid from 0 to another, while the
  thread's securebits are known (the launch's, `--launch-securebits`, 0 by default; then
  its own PR_SET_SECUREBITS: guardian/prctl_state.py's `SECUREBITS`) without
  SECBIT_NO_SETUID_FIXUP, leaves the effective set empty.

The empty set is noted as guardian/capset_sets.py's `CAP_EFFECTIVE` (an upper bound of
the thread's effective set), which every call that may raise it forgets
(guardian/cred_kept.py may_raise_effective(): a set*uid asking euid 0, setfsuid(0),
unshare(CLONE_NEWUSER), setns() of a user namespace; capset(); an exec), and a new task
inherits (copy_creds()).  A capset() the Guardian followed may have left it without
CAP_SETPCAP too.  Not noted where a seccomp filter may answer the set*id call (it may not
have run), nor in a user namespace the thread moved to (a uid_map written since may have
made the known euid stale: map_write()); not judged where a filter may answer the prctl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from abi.value_ranges import SECUREBITS
from guardian.capset_sets import CAP_EFFECTIVE
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

CAP_SETPCAP = 8
SECBIT_NO_SETUID_FIXUP = 1 << 2
#: set*uid calls and the argument naming the new effective uid (-1 keeps it)
_EUID_ARG = {NUMBERS["setuid"]: 0, NUMBERS["setreuid"]: 1, NUMBERS["setresuid"]: 1}
_KEEP = 0xFFFF_FFFF
#: the calls note_setxuid() follows (result_rules tests `nr in SETXUID` first)
SETXUID = frozenset(_EUID_ARG)


def note_setxuid(stated: StatedFacts, slot: Slot, ret: int,
                 known: dict[str, object] | None) -> None:
    """A set*uid call answered `ret` (no filter, the thread in its first user namespace);
    `known`: its ids before the call.  cap_emulate_setxuid(): euid 0 -> non-0 clears the
    effective set unless SECBIT_NO_SETUID_FIXUP."""
    arg = _EUID_ARG.get(slot.nr)
    if arg is None or ret != 0 or known is None or known.get("euid") != 0:
        return
    new = slot.args[arg] & _KEEP
    facts = stated.of_thread(slot)
    bits = facts.get(SECUREBITS)
    if new in (0, _KEEP) or not isinstance(bits, int) or bits & SECBIT_NO_SETUID_FIXUP:
        return
    facts[CAP_EFFECTIVE] = 0


def check(stated: StatedFacts, slot: Slot, ret: int) -> None:
    """PR_SET_SECUREBITS answered `ret` (not filtered): refuse 0 while the thread's
    effective set is known to lack CAP_SETPCAP (cap_task_prctl(): -EPERM)."""
    known = stated.of_thread(slot).get(CAP_EFFECTIVE)
    if ret != 0 or not isinstance(known, int) or known >> CAP_SETPCAP & 1:
        return
    refuse("return.securebits_setpcap", Status.ERR_DENIED,
           f"prctl PR_SET_SECUREBITS answers 0, but the thread's effective set is known to "
           f"lack CAP_SETPCAP (at most {known:#x}: a setuid from euid 0 without "
           "SECBIT_NO_SETUID_FIXUP cleared it, cap_emulate_setxuid(), or its capset() left "
           "it out) (cap_task_prctl(): -EPERM)")
