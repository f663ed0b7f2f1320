"""The rules on the result of a call that sets or reports credentials (the set*id
family, capget/capset, prctl's credential commands ...), split in two around the other
result rules as `ResultRules.judge` runs them: `judge_creds` before anything is
committed (the ids and sets as they were before the call), `commit_creds` after
(what the call leaves known: the ids, the capability sets cap_emulate_setxuid() changes,
the launch's facts a change of ids ends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from abi.syscalls import NUMBERS
from guardian import cred_kept, launch_facts, ns_owner
from guardian.cap_needed import (
    CAP_CALLS,
    SETFS_CALLS,
    SETXID_CALLS,
    check_cap_call,
    check_setuid,
    fs_id_kept,
)
from guardian.credentials import USERNS, Seen, changes_nothing, kept_by_same_ids, restore_kept
from guardian.prctl_state import mm_flags_settled, note_id_change
from guardian.setuid_fixup import SETXUID, note_setfsuid, note_setxuid
from guardian.slots import Slot
from guardian.userns_depth import check as check_depth
from guardian.userns_depth import note_stamp, peer_depth
from guardian.userns_own_maps import check_setgroups

if TYPE_CHECKING:
    from guardian.result_rules import ResultRules

_NR_SETFSUID, _NR_UNSHARE = NUMBERS["setfsuid"], NUMBERS["unshare"]
_NR_SETGROUPS = NUMBERS["setgroups"]
_NR_SETNS = NUMBERS["setns"]
CLONE_NEWUSER = cred_kept.CLONE_NEWUSER


class CredsSeen(NamedTuple):
    """What `judge_creds` saw before the call's result is committed."""

    #: what the answer shows (`Credentials.check`), None: nothing
    shown: Seen | None
    #: the facts a set*id call that changes nothing keeps (`kept_by_same_ids`)
    kept_facts: dict[str, object] | None
    #: the fs id a setfsuid()/setfsgid() without the capability keeps (`fs_id_kept`)
    fs_kept: tuple[str, int] | None
    #: the sets a set*uid of a known root euid keeps (cred_kept.unraised())
    unraised: dict[str, object] | None = None


def judge_creds(rules: ResultRules, slot: Slot, ret: int, nr: int) -> CredsSeen:
    """The credential rules on `ret`, judged against the ids known before the call."""
    shown = rules.creds.check(slot, ret, rules.filtered(slot))
    same_ids = not rules.filtered(slot) and changes_nothing(slot, ret, rules.creds.known(slot))
    kept_facts = kept_by_same_ids(rules.files.stated, slot) if same_ids else None
    fs_kept = unraised = None
    if (nr in SETXID_CALLS or nr in SETFS_CALLS) and not rules.filtered(slot):
        # (before the table's CRED_CHANGE note forgets the sets a call asking euid 0
        # may raise, prctl_state.note_set(); the ids as they were before the call)
        known_ids = rules.creds.known(slot)
        if known_ids is not None and not known_ids.get(USERNS):
            if nr in SETXID_CALLS:
                check_setuid(rules.files.stated, slot, ret, known_ids)
                if nr in SETXUID:
                    unraised = cred_kept.unraised(rules.files.stated.of_thread(slot),
                                                  known_ids.get("euid"))
            else:
                fs_kept = fs_id_kept(rules.files.stated, slot, known_ids)
    if nr in CAP_CALLS and not rules.filtered(slot):
        check_cap_call(rules.files.stated, slot, ret)
    if nr == _NR_SETGROUPS and not rules.filtered(slot):
        check_setgroups(rules.creds.known(slot), ret)   # (guardian/userns_own_maps.py)
    return CredsSeen(shown, kept_facts, fs_kept, unraised)


def commit_creds(rules: ResultRules, slot: Slot, ret: int, nr: int,
                 seen: CredsSeen | None) -> None:
    """What the call leaves known, after the other result rules have passed it."""
    if seen is None:
        return
    known = rules.creds.known(slot)
    ids_before = dict(known) if (nr in SETXUID or nr == _NR_SETFSUID) and \
        known is not None and not known.get(USERNS) and not rules.filtered(slot) else None
    if not rules.filtered(slot) and \
            (note_id_change(rules.files.stated, slot, ret, known) or
             launch_facts.fs_id_changed(slot, ret, known)) and \
            known is not None and not known.get(USERNS):
        # (not in a user namespace it moved to: a uid_map written there since may
        # have made the id it knew stale, map_write())
        stated = rules.files.stated
        launch_facts.note_cred_commit(stated.launch, stated, slot,
                                      mm_flags_settled(rules.registry, slot))
    rules.creds.commit(slot, seen.shown, ret, rules.filtered(slot))
    if seen.fs_kept is not None:     # (no CAP_SETUID/SETGID: __sys_setfsuid() kept it)
        after = rules.creds.known(slot)
        if after is not None:
            after[seen.fs_kept[0]] = seen.fs_kept[1]
    if seen.unraised is not None:   # (old euid 0: cap_emulate_setxuid() raised nothing)
        rules.files.stated.of_thread(slot).update(seen.unraised)
    if nr == _NR_UNSHARE and ret == 0 and slot.args[0] & CLONE_NEWUSER and \
            not rules.filtered(slot):   # (unshare_userns(): set_cred_user_ns())
        check_depth(rules.files.stated.of_thread(slot), slot.args[0])
        cred_kept.note_user_ns(rules.files.stated.of_thread(slot))
        note_stamp(rules.files.stated.of_thread(slot), rules.registry.next_slot)
    if nr == _NR_UNSHARE or nr == _NR_SETNS:    # (the owners of the kept namespaces)
        ns_owner.note(rules.files.stated.of_thread(slot), slot, ret, rules.filtered(slot))
    if nr == _NR_SETNS and ret == 0 and slot.args[1] & CLONE_NEWUSER and \
            not rules.filtered(slot):   # (commit_nsset(): userns_install()'s cred)
        cred_kept.note_setns_user(rules.files.stated.of_thread(slot),
                                  peer_depth(rules.files, slot))
        note_stamp(rules.files.stated.of_thread(slot), rules.registry.next_slot)
    if ids_before is not None:      # (cap_task_fix_setuid(): guardian/setuid_fixup.py)
        if nr == _NR_SETFSUID:
            note_setfsuid(rules.files.stated, slot, ret, ids_before, rules.creds.known(slot))
        elif ret == 0:
            note_setxuid(rules.files.stated, slot, ids_before, rules.creds.known(slot))
    if seen.kept_facts:
        restore_kept(rules.files.stated, slot, seen.kept_facts)
