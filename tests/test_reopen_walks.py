"""How a name reaches /proc/self/fd/N, and what Linux refuses by it (guardian/reopen_flags.py):
the symlinks a walk passes, a name going on past the link, openat's O_PATH_FLAGS and
openat2's resolve rules for relative names."""

from __future__ import annotations

import pytest

from guardian.reopen_flags import Walk, refusal, walk_of

O_RDWR, O_CREAT, O_EXCL, O_TRUNC = 0o2, 0o100, 0o200, 0o1000
O_NOFOLLOW, O_PATH = 0o100000, 0o10000000
NO_XDEV, NO_MAGIC, NO_SYMLINKS, BENEATH, IN_ROOT, CACHED = 1, 2, 4, 8, 0x10, 0x20


@pytest.mark.parametrize(("name", "base", "want"), [
    ("/proc/self/fd/4", None, Walk(True, True, False)),
    ("/proc/thread-self/fd/4", None, Walk(True, True, False)),
    ("/dev/fd/4", None, Walk(True, True, False)),
    ("/proc/1234/fd/4", None, Walk(True, False, False)),
    ("/proc/self/fd/4/", None, Walk(True, True, True)),
    ("/proc/self/fd/4/.", None, Walk(True, True, True)),
    ("/proc/self/fd/4/./", None, Walk(True, True, True)),
    ("4", "/proc/self/fd", Walk(False, False, False)),
    ("self/fd/4", "/proc", Walk(False, True, False)),
    ("proc/self/fd/4", "/", Walk(False, True, False)),
    ("../self/fd/4", "/proc/1234", Walk(False, False, False)),   # (".." not judged)
    ("self/fd/4", None, Walk(False, False, False)),              # (no known start)
])
def test_walks(name: str, base: str | None, want: Walk) -> None:
    assert walk_of(name, base, False) == want


def _o2(flags: int, resolve: int, walked: Walk) -> str | None:
    return refusal((flags, 0, resolve, 24), True, walked)


ABS, REL = Walk(True, True, False), Walk(False, False, False)


def test_openat2_refusals() -> None:
    assert _o2(O_RDWR | O_TRUNC | 0x10, 0, ABS) is not None          # bits 2..5: EINVAL
    assert _o2(O_RDWR, CACHED, ABS) is not None                       # EAGAIN
    assert _o2(O_PATH | O_NOFOLLOW, CACHED, REL) is not None
    assert _o2(O_PATH | O_NOFOLLOW, NO_SYMLINKS, ABS) is not None     # /proc/self: ELOOP
    assert _o2(O_PATH | O_NOFOLLOW, NO_SYMLINKS, REL) is None
    assert _o2(O_PATH | O_NOFOLLOW, NO_MAGIC, ABS) is None            # the link itself
    assert _o2(O_PATH | O_NOFOLLOW, BENEATH | IN_ROOT, REL) is not None
    for scoped in (BENEATH, NO_XDEV):
        assert _o2(O_PATH | O_NOFOLLOW, scoped, ABS) is not None      # from "/": EXDEV
        assert _o2(O_PATH | O_NOFOLLOW, scoped, REL) is None          # no jump, no mount
        assert _o2(O_PATH, scoped, REL) is not None                   # a jump: EXDEV
        assert _o2(O_PATH | O_NOFOLLOW, scoped, Walk(False, False, True)) is not None


def test_openat_refusals() -> None:
    # build_open_how(): O_PATH keeps O_PATH_FLAGS only, O_CREAT|O_EXCL dropped
    assert refusal((O_PATH | O_CREAT | O_EXCL, 0o600, 0, 24), False, ABS) is None
    assert refusal((O_CREAT | O_EXCL, 0o600, 0, 24), False, ABS) is not None
    # a trailing slash or "/." asks a directory of a memfd: ENOTDIR
    assert refusal((O_RDWR, 0, 0, 24), False, Walk(True, True, True)) is not None
    assert refusal((O_PATH | O_NOFOLLOW, 0, 0, 24), False, Walk(True, True, True)) is not None
    assert refusal((O_RDWR | O_TRUNC | 0x10, 0, 0, 24), False, ABS) is None   # (dropped)
