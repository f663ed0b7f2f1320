"""Round 85c's credential rules (attacks/families/redteam_r85c.py): every image's auxv
names its identity (AN-004, AN-014: create.auxv; create_elf_tables() always writes
AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE), and an exec under no_new_privs moves
the effective uid and gid together (AN-005: create.exec_no_new_privs; the downgrade in
cap_bprm_creds_from_file() sets both or neither); each with Linux's answer passing."""

from __future__ import annotations

import pytest

from guardian import exec_no_new_privs
from guardian import initial_stack as st
from guardian.checks import Refused
from tests.test_guardian_initial_stack import GOOD, SP, STACK, WANT, _read, _stack

AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE = 11, 12, 13, 14, 23


@pytest.mark.parametrize("key", [AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE],
                         ids=["uid", "euid", "gid", "egid", "secure"])
def test_an_auxv_without_an_identity_entry_is_refused(key: int) -> None:
    """AN-004, AN-014: an entry turned into AT_IGNORE (1) is refused; Linux's full vector
    passes."""
    assert st.check(_read(_stack([SP + 0x700], GOOD)), SP, STACK, WANT) == SP + 0x600
    auxv = [(1 if k == key else k, v) for k, v in GOOD]
    with pytest.raises(Refused) as info:
        st.check(_read(_stack([SP + 0x700], auxv)), SP, STACK, WANT)
    assert info.value.check == "create.auxv"


def test_no_new_privs_exec_moves_both_effective_ids_or_neither() -> None:
    """AN-005: real ids (0, 0), effective (65534, 65534), no_new_privs: (AT_EUID, AT_EGID)
    (0, 65534) or (65534, 0) is refused; (65534, 65534) (6.15+: kept) and (0, 0) (6.1-6.14:
    the downgrade) pass, and so does any pair without no_new_privs."""
    ids = {"ruid": 0, "euid": 65534, "rgid": 0, "egid": 65534}
    base = {AT_UID: 0, AT_GID: 0, AT_SECURE: 1}
    for pair in ((0, 65534), (65534, 0)):
        auxv = {**base, AT_EUID: pair[0], AT_EGID: pair[1]}
        with pytest.raises(Refused) as e:
            exec_no_new_privs.check_ids(ids, True, auxv)  # type: ignore[arg-type]
        assert e.value.check == "create.exec_no_new_privs"
        exec_no_new_privs.check_ids(ids, False, auxv)  # type: ignore[arg-type]
    for pair in ((65534, 65534), (0, 0)):
        exec_no_new_privs.check_ids(ids, True,  # type: ignore[arg-type]
                                    {**base, AT_EUID: pair[0], AT_EGID: pair[1]})
    # the old effective gid already the real one: euid alone may move (the pair is real)
    same_gid = {"ruid": 0, "euid": 65534, "rgid": 0, "egid": 0}
    for euid in (65534, 0):
        exec_no_new_privs.check_ids(same_gid, True,  # type: ignore[arg-type]
                                    {**base, AT_EUID: euid, AT_EGID: 0})
