"""A thread's credentials change only by its own set*id or setgroups call
(guardian/credentials.py, `return.credentials`), and PR_GET_AUXV copies the vector exec
built (`return.range_table`), judged through RESUME as the kernel answers them."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from guardian.credentials import USERNS, from_auxv
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build_translating

AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PAGESZ = 11, 12, 13, 14, 6


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _space(s: Scene):  # noqa: ANN202
    return s.g.conf.registry.space_of(1, s.b + ROOT_A)


def _ok(s: Scene, name: str, args: tuple[int, ...], ret: int, out: bytes = b"") -> bool:
    if out:
        _put(s, OUT, out)
    status = _resume(s, name, args, ret, [(OUT, OUT + len(out))] if out else [])
    if status != Status.OK:
        assert _refused_by(s, "return.credentials") or _refused_by(s, "return.range_table")
    return status == Status.OK


def test_the_ids_are_the_ones_exec_stated_until_the_thread_sets_them(s: Scene) -> None:
    _space(s).creds[1] = from_auxv({AT_UID: 1000, AT_EUID: 0, AT_GID: 100, AT_EGID: 100})
    assert _ok(s, "getuid", (), 1000)
    assert not _ok(s, "getuid", (), 0)
    assert not _ok(s, "getuid", (), (1 << 64) - 1)                # getuid cannot fail
    assert _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 1000, 0, 0))
    assert not _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0,
                   struct.pack("<III", 0xFFFF_FFFE, 0, 0))
    assert not _ok(s, "getresgid", (OUT, OUT + 4, OUT + 8), 0,
                   struct.pack("<III", 100, 100, 7))              # sgid is the egid
    assert _ok(s, "setuid", (1000,), 0)
    assert _ok(s, "geteuid", (), 1000)                           # its own call changed it
    assert not _ok(s, "geteuid", (), 0)


def test_the_group_list_stays_until_setgroups(s: Scene) -> None:
    assert _ok(s, "getgroups", (16, OUT), 3, struct.pack("<III", 4, 5, 6))
    assert not _ok(s, "getgroups", (0, 0), 0)
    assert _ok(s, "getgroups", (0, 0), 3)
    assert not _ok(s, "getgroups", (16, OUT), 3, struct.pack("<III", 4, 5, 7))
    assert _ok(s, "setgroups", (0, 0), 0)
    assert _ok(s, "getgroups", (0, 0), 0)


def test_pr_get_auxv_copies_the_vector_exec_built(s: Scene) -> None:
    pairs = ((AT_PAGESZ, 4096), (AT_UID, 0), (0, 0))
    _space(s).auxv = pairs
    saved = b"".join(struct.pack("<QQ", k, v) for k, v in pairs)
    assert _ok(s, "prctl", (0x41555856, OUT, 64), 400, saved.ljust(64, b"\0"))
    assert _ok(s, "prctl", (0x41555856, OUT, 16), 400, saved[:16])
    forged = struct.pack("<QQQQ", AT_PAGESZ, 20480, 0, 0)
    assert not _ok(s, "prctl", (0x41555856, OUT, 64), 400, forged.ljust(64, b"\0"))
    assert not _ok(s, "prctl", (0x41555856, OUT, 64), 32, saved[:32])   # shorter than it


def test_setgroups_grant_stops_at_ngroups_max() -> None:
    # SYSCALL_DEFINE2(setgroups): (unsigned)gidsetsize > NGROUPS_MAX is -EINVAL before
    # groups_from_user() reads anything
    from guardian.capabilities import CAP_TABLE, expand
    rules = CAP_TABLE["setgroups"]
    assert expand(rules, (2, 0x1000), lambda va, n: None) == [(0x1000, 0x1008, 1)]
    for size in (65537, (1 << 64) - 1, 1 << 40):
        assert expand(rules, (size, 0x1000), lambda va, n: None) == []


def test_setresuid_and_setgroups_set_what_they_name(s: Scene) -> None:
    """__sys_setresuid(): the ids named (-1 keeps one), the fs id the effective one;
    set_groups(); __sys_setfsuid() answers the old fs id."""
    _space(s).creds[1] = from_auxv({AT_UID: 0, AT_EUID: 0, AT_GID: 0, AT_EGID: 0})
    assert not _ok(s, "setfsuid", (0xFFFF_FFFF,), 65534)
    assert _ok(s, "setfsuid", (0xFFFF_FFFF,), 0)
    assert _ok(s, "setresuid", (65534, 0xFFFF_FFFF, 65534), 0)
    assert not _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 0, 0, 0))
    assert _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 65534, 0, 65534))
    assert _ok(s, "setgroups", (0, 0), 0)
    assert not _ok(s, "getgroups", (0, 0), 1)
    assert _ok(s, "setuid", (5,), 0)       # (5 is neither the real nor saved uid: CAP_SETUID)
    assert not _ok(s, "getuid", (), 7)
    assert _ok(s, "getuid", (), 5)


def test_setuid_setreuid_setgroups_and_setfsuid_as_sys_c_sets_them(s: Scene) -> None:
    """__sys_setuid(), __sys_setreuid(), set_groups(), __sys_setfsuid() and
    __sys_setresuid()'s early return."""
    _space(s).creds[1] = from_auxv({AT_UID: 0, AT_EUID: 0, AT_GID: 0, AT_EGID: 0})
    assert _ok(s, "setfsuid", (1234,), 0)
    assert _ok(s, "setresuid", (0xFFFF_FFFF,) * 3, 0)   # (no id changes: fs uid unknown)
    assert _ok(s, "setfsuid", (0xFFFF_FFFF,), 1234)
    assert not _ok(s, "setfsuid", (0,), 0)              # (the old fs uid is the 1234 shown)
    assert _ok(s, "setfsuid", (0,), 1234)               # (the real uid: always allowed)
    assert _ok(s, "setresuid", (0xFFFF_FFFF,) * 3, 0)   # (returns before commit_creds())
    assert not _ok(s, "setfsuid", (0xFFFF_FFFF,), 1)
    assert _ok(s, "setreuid", (0xFFFF_FFFF, 65534), 0)  # (the saved uid becomes 65534)
    assert not _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 0, 0, 0))
    assert _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 0, 65534, 65534))
    assert not _ok(s, "setfsuid", (0xFFFF_FFFF,), 0)
    assert _ok(s, "setgid", (65534,), 0)
    assert not _ok(s, "getgid", (), 0)
    assert _ok(s, "setgroups", (2, OUT), 0, struct.pack("<II", 9, 3))
    assert not _ok(s, "getgroups", (0, 0), 1)
    assert _ok(s, "getgroups", (0, 0), 2)
    assert _ok(s, "setuid", (0,), 0)       # (the real uid: without CAP_SETUID only euid)
    assert not _ok(s, "geteuid", (), 65534)
    assert _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, struct.pack("<III", 0, 0, 7))


def test_a_new_user_namespace_shows_the_ids_as_overflow_ids(s: Scene) -> None:
    # unshare(CLONE_NEWUSER), setns(): set_cred_user_ns() puts the creds in a namespace
    # with no mapping yet: getuid() and setfsuid() answer from_kuid_munged()'s overflowuid
    _space(s).creds[1] = from_auxv({AT_UID: 1000, AT_EUID: 1000, AT_GID: 100, AT_EGID: 100})
    assert _ok(s, "unshare", (0x10000000,), 0)
    assert _ok(s, "getuid", (), 65534)
    assert _ok(s, "setfsuid", ((1 << 64) - 1,), 65534)
    _space(s).creds[1] = from_auxv({AT_UID: 1000, AT_EUID: 1000, AT_GID: 100, AT_EGID: 100})
    assert _ok(s, "setns", (3, 0x10000000), 0)
    assert _ok(s, "getgid", (), 65534)


def test_a_uid_map_written_after_unshare_shows_the_mapped_ids(s: Scene) -> None:
    """unshare(CLONE_NEWUSER), getuid() 65534 (from_kuid_munged()'s overflowuid), then
    /proc/self/uid_map and gid_map written ("0 1000 1", map_write()): getuid() and getgid()
    answer 0 on every 6.x (native 6.18: `unshare -U` then writing the maps); the group
    count still stays."""
    _space(s).creds[1] = from_auxv({AT_UID: 1000, AT_EUID: 1000, AT_GID: 100, AT_EGID: 100})
    assert _ok(s, "unshare", (0x10000000,), 0)
    assert _ok(s, "getuid", (), 65534)
    assert _ok(s, "getgid", (), 65534)
    assert _ok(s, "getgroups", (0, 0), 1)
    assert _ok(s, "getuid", (), 0)                      # (after the map writes)
    assert _ok(s, "getgid", (), 0)
    assert not _ok(s, "getgroups", (0, 0), 2)


def test_an_exec_before_the_map_is_written_keeps_the_moved_cred(s: Scene) -> None:
    """unshare(CLONE_NEWUSER), getuid() 65534, the parent writes uid_map ("0 1000 1"),
    execve: AT_UID 0 is the exec'ing thread's real uid as now mapped (create.exec_real_ids
    judges the settled ids alone); an exec before the write, AT_UID 65534, then getuid()
    0 after it: the new image's cred is still a moved one (groups_of() keeps it)."""
    from guardian import credentials
    before = {"ruid": 65534, "rgid": 65534, "ngroups": 1, USERNS: 1}
    credentials.exec_keeps_real_ids(credentials.settled(before), {AT_UID: 0, AT_GID: 0})
    _space(s).creds[1] = from_auxv({AT_UID: 65534, AT_EUID: 65534, AT_GID: 65534,
                                    AT_EGID: 65534})
    _space(s).creds[1].update(credentials.groups_of(before))    # (the exec's commit)
    assert _ok(s, "getuid", (), 0)
    assert not _ok(s, "getgroups", (0, 0), 2)


def test_a_clone_into_a_new_user_namespace_does_not_keep_its_creators_ids() -> None:
    # copy_creds() -> create_user_ns(): the child's ids show as the new namespace maps them
    from emulator import sysregs as S
    from emulator.exceptions import VectorTable
    from tests.test_guardian_exit_group import KERNEL_VBAR, VFORK, _clone
    from tests.test_secure_mm import build
    sc = build()
    cpu = sc.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, sc.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    sc.hw.vectors.register(KERNEL_VBAR, VectorTable("kernel", {0x400: lambda *_: None}))
    sc.g.conf.kernel_view.kernel_vbar = KERNEL_VBAR
    space = sc.g.conf.registry.space_of(1, sc.b + ROOT_A)
    space.creds[1] = from_auxv({AT_UID: 1000, AT_EUID: 1000, AT_GID: 100, AT_EGID: 100})
    _, child = _clone(sc, VFORK | 0x10000000)
    moved = space.creds[sc.g.conf.slots[child].thread]         # (a moved cred)
    assert moved[USERNS] == 1 and "ruid" not in moved
    _, child = _clone(sc, VFORK)
    assert space.creds[sc.g.conf.slots[child].thread]["ruid"] == 1000


def test_a_noop_setresuid_leaves_an_fs_uid_apart_unknown(s: Scene) -> None:
    """__sys_setresuid()'s "No change" early return (6.2+) keeps an fs uid set apart;
    6.1 goes on to fsuid = euid: either answer of a later setfsuid(-1) passes."""
    _space(s).creds[1] = from_auxv({AT_UID: 0, AT_EUID: 0, AT_GID: 0, AT_EGID: 0})
    assert _ok(s, "setresuid", (65534, 0, 65534), 0)
    assert _ok(s, "setfsuid", (65534,), 0)              # (the real uid: allowed)
    assert _ok(s, "setresuid", (0xFFFF_FFFF,) * 3, 0)
    assert _ok(s, "setfsuid", (0xFFFF_FFFF,), 0)        # (6.1: fsuid = euid)
