"""Round 88c (exec after a user-namespace move): what an exec keeps of a moved thread.

- AZ-017: the bounding set known full since the move (set_cred_user_ns():
  `cred->cap_bset = CAP_FULL_SET;`) survives execve (prepare_exec_creds() copies the cred,
  cap_bprm_creds_from_file() never touches cap_bset): create.exec_task_state carries
  `CAPBSET_FULL`, so the image's PR_CAPBSET_READ of a valid capability is known 1.
- AZ-019: an id shown in the moved namespace other than the overflow one stays
  (map_write() maps once), so create.exec_real_ids holds AT_UID to it
  (create_elf_tables(): from_kuid_munged() of the kept kuid).
Each refused answer is paired with the one Linux gives."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED
from guardian import credentials, prctl_state
from guardian.checks import Refused
from guardian.cred_kept import CAPBSET_FULL
from guardian.credentials import USERNS
from tests.test_prctl_state_r74c import _exec, _slot, _stated

AT_UID, AT_GID = 11, 13
PR_CAPBSET_READ, CAP_SETUID = 23, 7


def test_the_full_bounding_set_is_carried_through_exec() -> None:
    """AZ-017: `unshare=0`, the image's `capbset_read(SETUID)=1` (native 6.18)."""
    s = _stated()
    s.of_thread(_slot()).update({CAPBSET_FULL: True, CAPBSET_DROPPED: frozenset({5})})
    new = _exec(s)
    assert new[CAPBSET_FULL] is True and new[CAPBSET_DROPPED] == frozenset({5})
    image = _stated()
    image.of_thread(_slot()).update(new)
    read = _slot(PR_CAPBSET_READ, CAP_SETUID, nr=NUMBERS["prctl"])
    assert prctl_state.kept(image, read, CAPBSET_DROPPED) == 1     # (0: refused)
    assert prctl_state.kept(image, _slot(PR_CAPBSET_READ, 5, nr=NUMBERS["prctl"]),
                            CAPBSET_DROPPED) == 0                   # (its own drop)
    # a secure exec keeps cap_bset as well; a thread not known moved carries nothing
    assert _exec(s, secure=True)[CAPBSET_FULL] is True
    assert CAPBSET_FULL not in _exec(_stated())


def test_an_exec_in_a_moved_namespace_keeps_the_mapped_real_ids() -> None:
    """AZ-019: `unshare=0 map=5 getuid=0`, the image's `AT_UID=0` (native 6.18); AT_UID 5
    is refused, the overflow id (an unwritten map, written since) is not held."""
    before = {"ruid": 0, "euid": 0, "rgid": 65534, "ngroups": 1, USERNS: 1}
    kept = credentials.settled(before)
    assert kept["ruid"] == 0 and "rgid" not in kept and kept["ngroups"] == 1
    credentials.exec_keeps_real_ids(kept, {AT_UID: 0, AT_GID: 0})          # (Linux's)
    credentials.exec_keeps_real_ids(kept, {AT_UID: 0, AT_GID: 7})          # (gid mapped since)
    with pytest.raises(Refused) as e:
        credentials.exec_keeps_real_ids(kept, {AT_UID: 5, AT_GID: 0})
    assert e.value.check == "create.exec_real_ids"
