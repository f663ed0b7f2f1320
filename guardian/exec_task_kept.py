"""`create.exec_task_state`: what execve keeps of the exec'ing task's own state.

Linux: begin_new_exec() keeps task->pdeath_signal (`if (bprm->secureexec)
me->pdeath_signal = 0;`, and commit_creds() of the new cred clears it where the euid,
egid, fsuid or fsgid change or the permitted set widens), the signal_struct
(is_child_subreaper) and the task's atomic_flags (PFA_NO_NEW_PRIVS, PFA_SPEC_SSB_*:
arm64's arch_setup_new_exec() clears the store-bypass disable only where it was set
with PR_SPEC_DISABLE_NOEXEC); cap_bprm_creds_from_file() never raises cap_bset -- nor
lowers it: prepare_exec_creds() copies the cred, so a bounding set known full since a
user-namespace move (set_cred_user_ns(): cred_kept's `CAPBSET_FULL`, less the thread's
own PR_CAPBSET_DROPs, `CAPBSET_DROPPED`) stays full in the image.

The parent-death signal is carried only into an image whose AT_SECURE is 0 and whose
real uid is not 0: a set-id image or file capabilities make the exec secure
(cap_bprm_creds_from_file(): `if (is_setid || (!__is_real(root_uid, new) && (effective
|| __cap_grew(...)))) bprm->secureexec = 1`); only a real root may widen its permitted
set without it.  Nor is it carried where a setfsuid/setfsgid may have set an fs id apart
from the effective one (`new->fsuid = new->euid`: commit_creds() clears it).
The subreaper bit is carried where the exec'ing thread's record holds it, only while no other thread of the process has a prctl in flight (its PR_SET_CHILD_SUBREAPER may land before de_thread() ends it).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from abi.value_ranges import (
    CAPBSET_DROPPED,
    NO_NEW_PRIVS,
    PDEATH_SIGNAL,
    SECUREBITS,
    SPEC_SSB,
    SUBREAPER,
)
from guardian import checks
from guardian.confidential_registry import Registry
from guardian.cred_kept import CAPBSET_FULL
from guardian.prctl_state import FS_SET, SSB_ENDED, SSB_NOEXEC
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

_NR_PRCTL = NUMBERS["prctl"]


def collect(reg: Registry, stated: StatedFacts, slot: Slot) -> dict[str, object]:
    """The exec'ing thread's facts an exec keeps (PDEATH_SIGNAL: judged at apply())."""
    if not checks.enabled("create.exec_task_state"):
        return {}
    old = stated.threads.get((slot.root, slot.thread), {})
    kept: dict[str, object] = {}
    for fact in (PDEATH_SIGNAL, CAPBSET_DROPPED, NO_NEW_PRIVS, CAPBSET_FULL):
        # (an fs id set apart from the effective one: exec resets it, commit_creds()
        # clears the parent-death signal)
        if fact in old and not (fact == PDEATH_SIGNAL and old.get(FS_SET)):
            kept[fact] = old[fact]
    bits = old.get(SECUREBITS)
    if isinstance(bits, int):   # (cap_bprm_creds_from_file(): only SECURE_KEEP_CAPS cleared)
        kept[SECUREBITS] = bits & ~(1 << 4)
    if old.get(SPEC_SSB) and not old.get(SSB_NOEXEC):
        kept[SPEC_SSB] = old[SPEC_SSB]
    elif old.get(SPEC_SSB):     # (arm64's arch_setup_new_exec(): PR_SPEC_ENABLE)
        kept[SSB_ENDED] = True
    racing = any(o is not slot and o.root == slot.root and o.nr == _NR_PRCTL
                 for o in reg.slots.values())
    if not racing and SUBREAPER in old:
        kept[SUBREAPER] = old[SUBREAPER]    # (another thread's set pops it: note_set())
    return kept


def apply(kept: dict[str, object], facts: dict[str, object], secure: bool,
          ruid: object) -> None:
    """The new image's first thread starts with what its exec kept."""
    for fact, value in kept.items():
        if fact != PDEATH_SIGNAL or (not secure and isinstance(ruid, int) and ruid != 0):
            facts[fact] = value
    if secure and checks.enabled("create.exec_task_state"):
        facts[PDEATH_SIGNAL] = 0    # (begin_new_exec(): `if (bprm->secureexec)` clears it)
