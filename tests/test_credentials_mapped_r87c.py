"""Round 87c: `return.credentials_mapped` (ids in a user namespace the thread's cred moved
to, guardian/credentials.py) and `return.credentials` through a setns() of a namespace
that is not a user one.  Each refused answer is paired with the one Linux gives."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from guardian.credentials import SAME, USERNS, from_auxv, moved_ids
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build_translating

AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14
CLONE_NEWUSER, CLONE_NEWUTS, KEEP = 0x1000_0000, 0x0400_0000, (1 << 64) - 1
ROOT = {AT_UID: 0, AT_EUID: 0, AT_GID: 0, AT_EGID: 0}


@pytest.fixture
def s() -> Scene:
    sc = build_translating()
    sc.g.conf.registry.space_of(1, sc.b + ROOT_A).creds[1] = from_auxv(ROOT)
    return sc


def _ok(s: Scene, name: str, args: tuple[int, ...], ret: int, out: bytes = b"",
        check: str = "return.credentials_mapped") -> bool:
    if out:
        _put(s, OUT, out)
    status = _resume(s, name, args, ret, [(OUT, OUT + len(out))] if out else [])
    if status != Status.OK:
        assert _refused_by(s, check)
    return status == Status.OK


def _resuid(s: Scene, r: int, e: int, su: int) -> bool:
    return _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", r, e, su))


def test_a_setns_of_a_uts_namespace_keeps_the_ids(s: Scene) -> None:
    """AV-001: commit_nsset() commits a cred only for CLONE_NEWUSER; nstype 0 may be a
    user namespace's fd, and then the ids may show as overflow ones."""
    assert _ok(s, "setns", (9, CLONE_NEWUTS), 0)
    assert _ok(s, "getuid", (), 0)                         # native 6.18: `setns uts=0 uid=0`
    assert not _ok(s, "getuid", (), 5, check="return.credentials")
    assert _ok(s, "setns", (9, 0), 0)                      # (any namespace: maybe a user one)
    assert _ok(s, "getuid", (), 65534)


def test_an_id_shown_mapped_stays_and_the_overflow_id_may_turn_mapped(s: Scene) -> None:
    """AV-003, AV-007: map_write() writes a map once; 65534 then the mapped id passes."""
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)
    assert _ok(s, "getuid", (), 65534)
    assert _ok(s, "setfsuid", (KEEP,), 65534)
    assert _ok(s, "getuid", (), 0)                          # (after M)
    assert _ok(s, "setfsuid", (KEEP,), 0)
    assert not _ok(s, "getuid", (), 5)
    assert not _ok(s, "setfsuid", (KEEP,), 5)
    assert not _ok(s, "getuid", (), 65534)                  # (the map never goes away)


def test_ids_of_one_kuid_show_as_one(s: Scene) -> None:
    """AV-004: unshare_userns() keeps uid = euid = suid; 65534 where map_write() may have
    fallen between the reads."""
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)
    assert _resuid(s, 65534, 65534, 65534)
    assert _resuid(s, 65534, 0, 0)
    assert not _resuid(s, 0, 5, 0)


def test_an_id_of_one_kuid_shown_mapped_earlier_never_shows_the_overflow_id(s: Scene) -> None:
    """Once getuid() showed the kuid mapped, map_write() had run: a later geteuid() of the
    same kuid reads the same map (65534 only where the map may fall between the reads)."""
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)
    assert _ok(s, "getuid", (), 65534)
    assert _ok(s, "geteuid", (), 0)                         # (after M)
    assert not _ok(s, "getuid", (), 65534)                  # (the same id: as before)
    assert not _ok(s, "setfsuid", (KEEP,), 65534)           # (fsuid: never shown before)
    assert _resuid(s, 0, 0, 0)


def test_a_clone_newuser_child_keeps_its_creators_kuids(s: Scene) -> None:
    """AV-014: copy_creds() copies the kuids before create_user_ns()."""
    moved = moved_ids(from_auxv({AT_UID: 1000, AT_EUID: 0, AT_GID: 100, AT_EGID: 100}))
    assert moved[USERNS] == 1
    assert frozenset({"euid", "suid", "fsuid"}) in moved[SAME]     # type: ignore[operator]
    assert frozenset({"rgid", "egid", "sgid", "fsgid"}) in moved[SAME]  # type: ignore[operator]
    assert not any("ruid" in g for g in moved[SAME])               # type: ignore[attr-defined]
    assert SAME not in moved_ids({"ruid": 65534, "euid": 65534})   # (65534: maybe two kuids)


def test_ids_a_setuid_set_in_a_moved_namespace_are_final(s: Scene) -> None:
    """AV-025: setuid(0) answered 0 after the map write: make_kuid() found 0 mapped, and the
    real and saved ids (one kuid) show 0 with or without CAP_SETUID."""
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)
    assert _ok(s, "setuid", (0,), 0)
    assert _ok(s, "getuid", (), 0)                          # native 6.18: `getuid=0`
    assert not _ok(s, "getuid", (), 5)
    assert not _resuid(s, 0, 0, 5)


def test_overflow_ids_known_before_a_set_call_decide_nothing(s: Scene) -> None:
    """A 65534 shown before the map write may be any kuid: setuid(v) then leaves the real
    and saved ids' kuids unknown (a non-capable setuid keeps them)."""
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)
    assert _ok(s, "setgid", (KEEP - 0xFFFF_FFFF + 7,), (1 << 64) - 22)  # (fails: keeps SAME)
    assert _resuid(s, 65534, 65534, 65534)
    assert _ok(s, "setfsuid", (65534,), 65534)              # (unmapped: nothing changes)
    assert _ok(s, "setuid", (3,), 0)                        # (after a map of 3)
    assert _resuid(s, 7, 3, 9)                              # (no CAP_SETUID: r, s kept)
    assert _ok(s, "setfsuid", (KEEP,), 3)


def test_a_status_read_after_the_map_write_shows_the_mapped_ids() -> None:
    """/proc/self/status opened in the moved namespace: task_state() prints
    from_kuid_munged() of the cred's kuids, the mapped ids once map_write() ran, whatever
    the thread was shown as 65534 before; a mapped id shown stays."""
    from guardian.status_ids import ids_problem
    got = b"Uid:\t0\t0\t0\t0\n"
    assert ids_problem({USERNS: 1, "ruid": 65534, "fsuid": 65534}, got) == ""
    assert ids_problem({USERNS: 1, "ruid": 5}, got) != ""
    assert ids_problem({"ruid": 65534}, got) != ""        # (the first namespace: fixed)


def test_a_filtered_getter_is_not_judged_and_teaches_nothing(s: Scene) -> None:
    """A seccomp filter may answer getresuid() with SECCOMP_RET_ERRNO's 0 storing nothing
    (the buffer's old bytes), or getuid() with a SECCOMP_RET_USER_NOTIF supervisor's
    resp.val: neither shows the thread's ids (return.credentials: calls a filter may
    answer are not judged)."""
    results = s.g.conf.returns.results
    plain = results.filtered
    results.filtered = lambda _slot: True                   # type: ignore[method-assign]
    assert _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 5, 6, 7),
               check="return.credentials")
    assert _ok(s, "getuid", (), 1000, check="return.credentials")
    results.filtered = plain                                # type: ignore[method-assign]
    assert _ok(s, "getuid", (), 0, check="return.credentials")     # (the launch's, unchanged)
    assert not _ok(s, "getuid", (), 1000, check="return.credentials")
