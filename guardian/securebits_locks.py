"""`return.securebits_locked`: a securebit the program's own PR_SET_SECUREBITS locked
stays as it was.

cap_task_prctl() (security/commoncap.c), every 6.x version:

- `case PR_SET_KEEPCAPS: if (arg2 > 1) return -EINVAL; if
  (issecure(SECURE_KEEP_CAPS_LOCKED)) return -EPERM;`: under SECBIT_KEEP_CAPS_LOCKED no
  PR_SET_KEEPCAPS succeeds, whatever it asks;
- `case PR_SET_SECUREBITS: if ((((old->securebits & SECURE_ALL_LOCKS) >> 1) &
  (old->securebits ^ arg2)) || ((old->securebits & SECURE_ALL_LOCKS & ~arg2)) ...)
  return -EPERM;`: no set changes a locked bit or clears a lock.

The securebits judged are the ones the thread's own successful PR_SET_SECUREBITS stored
(guardian/prctl_state.py's `SECUREBITS`: `new->securebits = arg2`), carried to a new task
(copy_creds()) and through an exec but for SECURE_KEEP_CAPS (cap_bprm_creds_from_file()),
dropped by an unshare(CLONE_NEWUSER) or a setns() that may install a user namespace
(set_cred_user_ns(); guardian/cred_kept.py: ksys_unshare() makes no cred without it).  The first
thread starts with the launch's securebits (guardian/launch_facts.py: 0 under the
README's launch, `--launch-securebits N` states another).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.value_ranges import PR_SET_KEEPCAPS, PR_SET_SECUREBITS, SECUREBITS
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

#: SECBIT_KEEP_CAPS_LOCKED; SECURE_ALL_LOCKS (each lock is its bit's next one up)
_KEEP_CAPS_LOCKED = 1 << 5
_ALL_LOCKS = 0xAA | 0xA00                # (0xA00: 6.14's exec bits' locks)


def check(stated: StatedFacts, slot: Slot) -> None:
    """A PR_SET_KEEPCAPS or PR_SET_SECUREBITS answered 0 (not filtered) that the thread's
    known securebits' locks refuse (-EPERM)."""
    bits = stated.of_thread(slot).get(SECUREBITS)
    if not isinstance(bits, int) or not bits & _ALL_LOCKS:
        return                          # (no lock known: the common case pays this much)
    option = slot.args[0] & 0xFFFF_FFFF
    if option == PR_SET_KEEPCAPS and bits & _KEEP_CAPS_LOCKED:
        refuse("return.securebits_locked", Status.ERR_DENIED,
               f"prctl PR_SET_KEEPCAPS answers 0, but the thread's securebits {bits:#x} "
               "hold SECBIT_KEEP_CAPS_LOCKED, set by its own PR_SET_SECUREBITS "
               "(cap_task_prctl(): -EPERM)")
    if option == PR_SET_SECUREBITS:
        asked = slot.args[1] & 0xFFFF_FFFF
        locks = bits & _ALL_LOCKS
        if (locks >> 1) & (bits ^ asked) or locks & ~asked:
            refuse("return.securebits_locked", Status.ERR_DENIED,
                   f"prctl PR_SET_SECUREBITS {asked:#x} answers 0, but the thread's "
                   f"securebits {bits:#x} lock a bit it changes or a lock it clears "
                   "(cap_task_prctl(): -EPERM)")
