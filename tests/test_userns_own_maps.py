"""Round 88c: `return.userns_own_maps` (guardian/userns_own_maps.py) -- the
uid_map, gid_map and setgroups a moved thread wrote or read itself through its own
/proc/self.  Each refused answer is paired with the one Linux gives (native 6.18:
`uid=65534; map write=5 uid=0`, `map read=33 [         0          0          1`,
`unshare=0 deny=4 gidmap=5 setgroups=-1 errno=1`)."""

from __future__ import annotations

import pytest

from abi import Status
from guardian import userns_own_maps as own
from guardian.credentials import USERNS, from_auxv
from tests.test_credentials_mapped_r87c import CLONE_NEWUSER, ROOT, _ok
from tests.test_guardian_result_outputs import OUT, VA
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build_translating

AT_FDCWD, O_RDWR, FD = -100 & (1 << 64) - 1, 2, 5
NAME, BUF = VA + 512, VA + 1536
SHOWN = b"         0          0          1\n"


@pytest.fixture
def s() -> Scene:
    sc = build_translating()
    sc.g.conf.registry.space_of(1, sc.b + ROOT_A).creds[1] = from_auxv(ROOT)
    return sc


def _open(s: Scene, path: bytes, fd: int = FD) -> None:
    _put(s, NAME, path + b"\0")
    assert _ok(s, "openat", (AT_FDCWD, NAME, O_RDWR), fd)


def _write(s: Scene, data: bytes, ret: int | None = None, fd: int = FD) -> None:
    """write() answered `ret` (its count), its bytes quiet through the call (`noted`)."""
    _put(s, BUF, data)
    n = len(data) if ret is None else ret
    assert _resume(s, "write", (fd, BUF, len(data)), n, [], noted=True) == Status.OK


def _moved(s: Scene) -> None:
    assert _ok(s, "unshare", (CLONE_NEWUSER,), 0)


def test_parsing() -> None:
    assert own.written_map(b"0 0 1\n") == [(0, 0, 1)]
    assert own.written_map(b" 0\t1000  10\n5 0 1") == [(0, 1000, 10), (5, 0, 1)]
    assert own.written_map(b"0 0 0\n") is None                  # (count 0: -EINVAL)
    assert own.written_map(b"0 0 1\n\n") is None                # (an empty line: -EINVAL)
    assert own.written_map(b"0 4294967296 1") is None           # (simple_strtoul() wraps)
    assert own.shown_map(SHOWN) == [(0, 0, 1)]
    assert own.shown_map(SHOWN[5:]) is None                     # (a cut line)
    assert own.shown_map(b"0 0 1\n") is None


def test_the_own_uid_map_write_holds_the_uid(s: Scene) -> None:
    """AZ-007: the kuid stays the launch's 0; "0 0 1" installed shows it as 0."""
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    _write(s, b"0 0 1")
    assert not _ok(s, "getuid", (), 5)
    assert not _ok(s, "getresuid", (OUT, OUT + 4, OUT + 8), 0, b"\0\0\0\0" * 2 + b"\5\0\0\0")


def test_the_own_uid_map_write_passes_linuxs_uid(s: Scene) -> None:
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    _write(s, b"0 0 1")
    assert _ok(s, "getuid", (), 0)                              # (Linux's)


def test_a_map_without_the_uid_shows_the_overflow_id(s: Scene) -> None:
    """An extent not covering the parent's uid maps nothing: 65534 (not judged) passes."""
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    _write(s, b"0 1000 1")
    assert _ok(s, "getuid", (), 65534)


def test_a_short_write_installs_nothing_known(s: Scene) -> None:
    """map_write() answers only `count` where it installed the map."""
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    _write(s, b"0 0 1", ret=3)
    assert _ok(s, "getuid", (), 5)                              # (a map written since)


def test_a_file_of_another_name_is_no_map(s: Scene) -> None:
    _moved(s)
    _open(s, b"/tmp/uid_map")
    _write(s, b"0 0 1")
    assert _ok(s, "getuid", (), 5)


def test_a_chroot_seen_ends_the_names(s: Scene) -> None:
    """After a chroot elsewhere (or a mount) /proc/self/uid_map may name another file."""
    _moved(s)
    _put(s, NAME, b"/tmp/x\0")
    assert _ok(s, "chroot", (NAME,), 0)
    _open(s, b"/proc/self/uid_map")
    _write(s, b"0 0 1")
    assert _ok(s, "getuid", (), 5)


def test_a_map_opened_before_the_move_is_not_the_new_namespaces(s: Scene) -> None:
    """proc_id_map_open() takes the namespace at the open: the launch's map (-EPERM for
    a write there, but the Guardian takes no map from it)."""
    _open(s, b"/proc/self/uid_map")
    _moved(s)
    _write(s, b"0 0 1")
    assert _ok(s, "getuid", (), 65534)
    assert _ok(s, "getuid", (), 5)                              # (a map written since)


def test_a_read_of_the_own_uid_map_holds_the_uid(s: Scene) -> None:
    """AZ-012: uid_m_show()'s whole lines are installed extents."""
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    assert _ok(s, "read", (FD, OUT, 64), len(SHOWN), SHOWN)
    assert not _ok(s, "getuid", (), 5)
    assert _ok(s, "getuid", (), 0)                              # (Linux's)


def test_a_read_of_a_cut_line_is_not_taken(s: Scene) -> None:
    _moved(s)
    _open(s, b"/proc/self/uid_map")
    assert _ok(s, "read", (FD, OUT, 64), len(SHOWN) - 5, SHOWN[5:])
    assert _ok(s, "getuid", (), 5)


def test_a_set_id_call_forgets_the_parent_ids(s: Scene) -> None:
    """unshare_userns() keeps the kuids (the parent's ids noted); a set*id may change them."""
    _moved(s)
    space = s.g.conf.registry.space_of(1, s.b + ROOT_A)
    assert space is not None and space.creds[1][own.PARENT]["ruid"] == 0
    _ok(s, "setresuid", (5, 5, 5), 0)
    assert space.creds[1].get(USERNS) and own.PARENT not in space.creds[1]


def test_setgroups_after_the_own_deny(s: Scene) -> None:
    """AZ-014: "deny" answered in full: setgroups() -EPERM passes, 0 is refused."""
    _moved(s)
    _open(s, b"/proc/self/setgroups")
    _write(s, b"deny")
    assert _ok(s, "setgroups", (0, 0), -1 & (1 << 64) - 1, check="return.userns_own_maps")     # (-EPERM)
    assert not _ok(s, "setgroups", (0, 0), 0, check="return.userns_own_maps")


def test_setgroups_without_a_deny_is_not_judged(s: Scene) -> None:
    _moved(s)
    _open(s, b"/proc/self/setgroups")
    _write(s, b"allow")
    assert _ok(s, "setgroups", (0, 0), 0)


@pytest.mark.parametrize("data", [b"deny", b"deny\n"])
def test_deny_forms(data: bytes) -> None:
    assert own._DENY.match(data)
