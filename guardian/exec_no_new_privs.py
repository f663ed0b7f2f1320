"""`create.exec_no_new_privs`: an exec under no_new_privs gains no privilege, whatever
the image's AT_SECURE says.

Known where the exec'ing thread's own PR_SET_NO_NEW_PRIVS answered 0 with no seccomp
filter to answer it, or the user stated `--launch-no-new-privs` (the `NO_NEW_PRIVS`
fact 1: nothing clears PFA_NO_NEW_PRIVS; copy_process() and execve() keep it).  Then
(every 6.x; the exec's bprm->unsafe holds LSM_UNSAFE_NO_NEW_PRIVS, check_unsafe_exec()):
- bprm_fill_uid() returns before it reads a set-id file's mode (`if
  (task_no_new_privs(current)) return;`), so the new euid and egid are the old ones, and
  cap_bprm_creds_from_file()'s downgrade (`if ((is_setid || __cap_gained(permitted, new,
  old)) && (bprm->unsafe & ~LSM_UNSAFE_PTRACE ...))`) may set `new->euid = new->uid;
  new->egid = new->gid` (the old real ids: before 6.15 is_setid compares the euid with
  the old real uid): AT_EUID is the old euid or the real uid (AT_UID: an exec keeps
  it), AT_EGID the old egid or the real gid (create_elf_tables(), the same user
  namespace), and the pair (AT_EUID, AT_EGID) the old effective pair or the real one
  (the downgrade sets both, or neither);
- the same downgrade intersects a permitted set that grew with the old one
  (`new->cap_permitted = cap_intersect(new->cap_permitted, old->cap_permitted)`), then
  adds pA' (within the old ambient set, within the old permitted one:
  cap_ambient_invariant_ok()), and pE' is pP' or pA': so the new permitted and effective
  sets are within the old permitted set, where that is known (guardian/capset_sets.py's
  `CAP_PERMITTED`: the thread's own capset(), or the empty set cap_emulate_setxuid()
  leaves, guardian/setuid_fixup.py).
"""

from __future__ import annotations

from abi import Status
from abi.value_ranges import NO_NEW_PRIVS
from guardian import checks
from guardian.capset_sets import CAP_EFFECTIVE, CAP_PERMITTED
from guardian.checks import refuse

AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14


def known(facts: dict[str, object]) -> bool:
    """Is the exec'ing thread (its `facts`) known to run under no_new_privs?"""
    return facts.get(NO_NEW_PRIVS) == 1 and checks.enabled("create.exec_no_new_privs")


def bound_caps(old: dict[str, object], kept: dict[str, object]) -> None:
    """The exec'ing thread's facts `old`: under known no_new_privs, bound the permitted
    and effective sets `kept` carries by its known permitted set."""
    held = old.get(CAP_PERMITTED)
    if not isinstance(held, int) or not known(old):
        return
    for fact in (CAP_PERMITTED, CAP_EFFECTIVE):
        bound = kept.get(fact)
        kept[fact] = held & bound if isinstance(bound, int) else held


def check_ids(before: dict[str, object], nnp: bool, auxv: dict[int, int]) -> None:
    """The new image's AT_EUID and AT_EGID under known no_new_privs (`nnp`): the
    exec'ing thread's known effective id (`before`: its known ids) or the real one, which
    the exec keeps (AT_UID, AT_GID: create.exec_real_ids judges them)."""
    if not nnp:
        return
    for key, real_key, eff in ((AT_EUID, AT_UID, "euid"), (AT_EGID, AT_GID, "egid")):
        if key not in auxv or real_key not in auxv or eff not in before:
            continue
        got, real = auxv[key] & 0xFFFF_FFFF, auxv[real_key] & 0xFFFF_FFFF
        if got not in (before[eff], real):
            refuse("create.exec_no_new_privs", Status.ERR_DENIED,
                   f"the image exec'd under no_new_privs has auxv entry {key} {got}, but "
                   f"the exec'ing thread's {eff} is {before[eff]} and its real id {real}: "
                   "bprm_fill_uid() ignores set-id bits under no_new_privs, and "
                   "cap_bprm_creds_from_file() may only set the effective id to the real "
                   "one (`new->euid = new->uid`)")
    _check_pair(before, auxv)


def _check_pair(before: dict[str, object], auxv: dict[int, int]) -> None:
    """cap_bprm_creds_from_file()'s downgrade sets `new->euid = new->uid; new->egid =
    new->gid;` together (every 6.x; 6.15's is_setid only changes whether it runs), and
    nothing else moves an effective id under no_new_privs: the pair (AT_EUID, AT_EGID)
    is the old effective pair or the real one, never one of each."""
    if "euid" not in before or "egid" not in before or \
            any(key not in auxv for key in (AT_UID, AT_EUID, AT_GID, AT_EGID)):
        return
    got = (auxv[AT_EUID] & 0xFFFF_FFFF, auxv[AT_EGID] & 0xFFFF_FFFF)
    real = (auxv[AT_UID] & 0xFFFF_FFFF, auxv[AT_GID] & 0xFFFF_FFFF)
    if got not in ((before["euid"], before["egid"]), real):
        refuse("create.exec_no_new_privs", Status.ERR_DENIED,
               f"the image exec'd under no_new_privs has (AT_EUID, AT_EGID) {got}, neither "
               f"the exec'ing thread's effective ids ({before['euid']}, {before['egid']}) "
               f"nor the real ones {real}: cap_bprm_creds_from_file()'s downgrade sets "
               "`new->euid = new->uid; new->egid = new->gid;` together, or neither")
