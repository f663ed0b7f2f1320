"""Round 81c's dumpable rules (guardian/launch_facts.py): begin_new_exec() sets the new
mm's mode to fs.suid_dumpable where the image's effective ids are not its real ones
(`return.exec_dumpable`: ZZ-002, ZZ-017), and commit_creds()'s fs-id clause after a
setfsuid()/setfsgid() that surely changed the fs id (`return.suid_dumpable`).  Each with
Linux's answer beside it (the honest neighbour passes)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, DUMPABLE
from guardian import launch_facts, prctl_state
from guardian.checks import Refused
from tests.test_launch_facts import PR_GET_DUMPABLE, _get, _slot, _stated

AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14
NR_SETFSUID, NR_SETFSGID = NUMBERS["setfsuid"], NUMBERS["setfsgid"]


def _exec(uid: int, euid: int, gid: int = 0, egid: int = 0, root: int = 5):  # noqa: ANN202
    s = _stated()
    launch_facts.note_exec(s.launch, s, root, {AT_UID: uid, AT_EUID: euid, AT_GID: gid,
                                               AT_EGID: egid})
    return s


@pytest.mark.parametrize("ids", [(0, 65534, 0, 0), (0, 0, 0, 65534)])
def test_exec_with_unequal_ids_is_suid_dumpable(ids: tuple[int, int, int, int]) -> None:
    s = _exec(*ids)
    _get(s, PR_GET_DUMPABLE, 0)                         # Linux: suid_dumpable, 0
    with pytest.raises(Refused) as e:
        _get(s, PR_GET_DUMPABLE, 1)                     # ZZ-002, ZZ-017
    assert e.value.check == "return.exec_dumpable"


def test_exec_with_equal_ids_is_not_judged() -> None:
    """Equal ids: SUID_DUMP_USER, or suid_dumpable for an unreadable file (would_dump():
    BINPRM_FLAGS_ENFORCE_NONDUMP), which the Guardian does not know: both pass."""
    s = _exec(65534, 65534, 0, 0)
    _get(s, PR_GET_DUMPABLE, 1)
    _get(s, PR_GET_DUMPABLE, 0)


def test_exec_under_a_stated_suid_dumpable() -> None:
    s = _stated()
    s.launch.suid_dumpable = 2
    launch_facts.note_exec(s.launch, s, 5, {AT_UID: 0, AT_EUID: 65534})
    _get(s, PR_GET_DUMPABLE, 2)
    with pytest.raises(Refused):
        _get(s, PR_GET_DUMPABLE, 1)


def test_exec_mode_ends_at_pr_set_dumpable() -> None:
    s = _exec(0, 65534)
    prctl_state.note_set(s, _slot(167, 4, 1, 0, 0, 0, 0), DUMPABLE)
    _get(s, PR_GET_DUMPABLE, 1)                         # (PR_SET_DUMPABLE(1)'s)


def _fs(nr: int, asked: int, ret: int, known: dict[str, object]) -> bool:
    return launch_facts.fs_id_changed(_slot(nr, asked, 0, 0, 0, 0, 0), ret, known)


def test_setfsuid_to_an_id_the_thread_holds_changes_the_fs_id() -> None:
    known = {"ruid": 65534, "euid": 0, "suid": 0, "fsuid": 0}
    assert _fs(NR_SETFSUID, 65534, 0, known)            # the real uid: no capability needed
    known_g = {"rgid": 0, "egid": 0, "sgid": 100, "fsgid": 0}
    assert _fs(NR_SETFSGID, 100, 0, known_g)


def test_setfsuid_not_surely_changing_is_not_judged() -> None:
    known = {"ruid": 0, "euid": 0, "suid": 0, "fsuid": 0}
    assert not _fs(NR_SETFSUID, 65534, 0, known)        # needs CAP_SETUID (ZZ-001: open)
    assert not _fs(NR_SETFSUID, 0, 0, known)            # the same fs id: no commit
    assert not _fs(NR_SETFSUID, 0xFFFF_FFFF, 0, known)  # an invalid id: no commit
    assert not _fs(NR_SETFSUID, 0, 65534, {"ruid": 0, "euid": 0, "suid": 0})   # old unknown
    assert not _fs(NUMBERS["setuid"], 0, 0, known)


def test_setfsuid_commit_sets_suid_dumpable() -> None:
    """setfsuid(ruid) answered the old fs uid: commit_creds() (fs uid changed) set the mode
    to suid_dumpable; PR_GET_DUMPABLE 1 is refused, 0 passes."""
    s = _stated()
    slot = _slot(NR_SETFSUID, 65534, 0, 0, 0, 0, 0)
    known = {"ruid": 65534, "euid": 0, "suid": 0, "fsuid": 0}
    prctl_state.note_set(s, slot, CRED_CHANGE)
    assert not prctl_state.note_id_change(s, slot, 0, known)
    if launch_facts.fs_id_changed(slot, 0, known):
        launch_facts.note_cred_commit(s.launch, s, slot, True)
    _get(s, PR_GET_DUMPABLE, 0)
    with pytest.raises(Refused) as e:
        _get(s, PR_GET_DUMPABLE, 1)
    assert e.value.check == "return.suid_dumpable"
