"""How a name reaches /proc/self/fd/N, and what Linux refuses by it (guardian/reopen_flags.py):
the symlinks a walk passes, a name going on past the link, openat's O_PATH_FLAGS and
openat2's resolve rules for relative names."""

from __future__ import annotations

import pytest

from guardian.reopen_flags import flag_error, refusal
from guardian.reopen_walks import Walk, name_to_int, walk_of

O_RDWR, O_CREAT, O_EXCL, O_TRUNC = 0o2, 0o100, 0o200, 0o1000
O_NOFOLLOW, O_PATH, O_DIRECTORY, TMPFILE = 0o100000, 0o10000000, 0o40000, 0o20000000
NO_XDEV, NO_MAGIC, NO_SYMLINKS, BENEATH, IN_ROOT, CACHED = 1, 2, 4, 8, 0x10, 0x20


X = {"crosses": True}          # (a walk from "/" steps into /proc)


@pytest.mark.parametrize(("name", "base", "want"), [
    ("/proc/self/fd/4", None, Walk(True, True, False, **X)),
    ("/proc/thread-self/fd/4", None, Walk(True, True, False, **X)),
    ("/dev/fd/4", None, Walk(True, True, False, escapes=True, **X)),
    ("/proc/1234/fd/4", None, Walk(True, False, False, **X)),
    ("/proc/self/fd/4/", None, Walk(True, True, True, **X)),
    ("/proc/self/fd/4/.", None, Walk(True, True, True, **X)),
    ("/proc/self/fd/4/./", None, Walk(True, True, True, **X)),
    ("4", "/proc/self/fd", Walk(False, False, False)),
    ("self/fd/4", "/proc", Walk(False, True, False)),
    ("proc/self/fd/4", "/", Walk(False, True, False, **X)),
    ("self/fd/4", None, Walk(False, False, False)),              # (no known start)
    # round 58: past the link, "..", no descriptor number
    ("/proc/self/fd/4/../4", None, Walk(True, True, False, past="/proc/self/fd/4", **X)),
    ("/proc/self/fd/4/..", None, Walk(True, True, False, past="/proc/self/fd/4", **X)),
    ("/proc/../proc/self/fd/4", None, Walk(True, True, False, **X)),
    ("../self/fd/4", "/proc/1234", Walk(False, True, False, escapes=True)),
    ("../fd/4", "/proc/self/fd", Walk(False, False, False, escapes=True)),
    ("fd/../../x", "/proc/self", Walk(False, False, False, escapes=True)),
    ("../proc/self/fd/4", "/proc", Walk(False, True, False, escapes=True, crosses=True)),
    ("/proc/self/fd/04", None, Walk(True, True, False, entry="04", **X)),
    ("/proc/self/fd/x/4", None, Walk(True, True, False, entry="x", **X)),
    ("/proc/self/fd/99999999999", None, Walk(True, True, False, entry="99999999999", **X)),
    ("/proc/self/fd/0", None, Walk(True, True, False, **X)),
    ("/dev/fd/04", None, Walk(True, True, False, escapes=True, entry="04", **X)),
    # round 59: /dev/fd read on as /proc/self/fd, a task's fd directory, fdinfo's ".."
    ("/dev/fd/4/../4", None, Walk(True, True, False, past="/proc/self/fd/4", escapes=True,
                                  **X)),
    ("fd/4/../4", "/dev", Walk(False, True, False, past="/proc/self/fd/4", escapes=True,
                               **X)),
    ("/proc/self/task/5/fd/4/../4", None, Walk(True, True, False, past="/proc/self/fd/4",
                                               **X)),
    ("/proc/7/task/5/fd/4/../4", None, Walk(True, False, False, past="/proc/7/fd/4", **X)),
    ("/proc/self/task/5/../5/fd/04", None, Walk(True, True, False, entry="04", **X)),
    ("/proc/self/fdinfo/../fd/4/../4", None, Walk(True, True, False,
                                                  past="/proc/self/fd/4", **X)),
    ("/proc/thread-self/fdinfo/../fd/4/../4", None, Walk(
        True, True, False, past="/proc/thread-self/fd/4", **X)),
    ("/proc/self/fd/../task/5/fd/4/../4", None, Walk(True, True, False,
                                                     past="/proc/self/fd/4", **X)),
    ("/proc/thread-self/fd/../../x/fd/4/../4", None, Walk(True, True, False, **X)),
    # a ".." out of what may be a symlink stops the walk
    ("/tmp/x/../proc/self/fd/04", None, Walk(True, False, False)),
    ("/proc/thread-self/../self/fd/04", None, Walk(True, True, False, **X)),
])
def test_walks(name: str, base: str | None, want: Walk) -> None:
    assert walk_of(name, base, False) == want


def test_walks_past_a_directory_link() -> None:
    # round 59: D opens /proc/self/fd; nd_jump_link() there, then M is followed
    def follow(link: str) -> str | None:
        return {"/proc/self/fd/3": "/proc/self/fd", "/proc/self/fd/5": "/tmp"}.get(link)

    past = Walk(True, True, False, past="/proc/self/fd/4", **X)
    assert walk_of("/proc/self/fd/3/4/../4", None, False, follow) == past
    assert walk_of("/proc/self/fd/3/04", None, False, follow) == Walk(
        True, True, False, entry="04", **X)
    assert walk_of("/proc/self/fd/5/4/../4", None, False, follow) == Walk(
        True, True, False, past="/proc/self/fd/5", **X)        # (no /proc directory)
    assert walk_of("/proc/self/fd/3/4/../4", None, False) == Walk(
        True, True, False, past="/proc/self/fd/3", **X)        # (not known)


def test_walks_through_a_directory_opened_as_dev_fd() -> None:
    # round 60: V opened (or entered by chdir()) as "/dev/fd" is /proc/<pid>/fd
    def follow(link: str) -> str | None:
        return {"/proc/self/fd/3": "/dev/fd"}.get(link)

    assert walk_of("4/../4", "/dev/fd", False) == Walk(False, False, False,
                                                       past="/proc/self/fd/4")
    assert walk_of("4", "/dev/fd", False) == Walk(False, False, False)
    assert walk_of("04", "/dev/fd", False) == Walk(False, False, False, entry="04")
    assert walk_of("../fd/4", "/dev/fd", False) == Walk(False, False, False, escapes=True)
    assert walk_of("/proc/self/fd/3/4/../4", None, False, follow) == Walk(
        True, True, False, past="/proc/self/fd/4", **X)


@pytest.mark.parametrize(("name", "base", "want"), [
    # follow_dotdot(): ".." at the root stays there under RESOLVE_IN_ROOT
    ("../fd/4", "/proc/self/fd", Walk(False, False, False, entry="fd")),
    ("../../4", "/proc/self/fd", Walk(False, False, False)),
    ("4", "/proc/self/fd", Walk(False, False, False)),
    ("/proc/self/fd/4", "/", Walk(False, True, False, **X)),
    ("/dev/fd/4/../4", "/", Walk(False, True, False)),          # (the link under the root)
])
def test_walks_in_root(name: str, base: str | None, want: Walk) -> None:
    assert walk_of(name, base, True) == want


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
    # round 58: ".." out of a RESOLVE_BENEATH start, a step into /proc under RESOLVE_NO_XDEV
    assert _o2(O_PATH | O_NOFOLLOW, BENEATH, Walk(False, escapes=True)) is not None
    assert _o2(O_PATH | O_NOFOLLOW, NO_XDEV, Walk(False, escapes=True)) is None
    assert _o2(O_PATH | O_NOFOLLOW, NO_XDEV, Walk(False, True, crosses=True)) is not None
    assert _o2(O_PATH | O_NOFOLLOW, BENEATH, Walk(False, True, crosses=True)) is None
    assert _o2(O_PATH | O_NOFOLLOW, NO_SYMLINKS, Walk(False, True, crosses=True)) is not None
    assert _o2(O_PATH | O_NOFOLLOW, 0, Walk(False, past="/proc/self/fd/4")) is not None


def test_openat_refusals() -> None:
    # build_open_how(): O_PATH keeps O_PATH_FLAGS only, O_CREAT|O_EXCL dropped
    assert refusal((O_PATH | O_CREAT | O_EXCL, 0o600, 0, 24), False, ABS) is None
    assert refusal((O_CREAT | O_EXCL, 0o600, 0, 24), False, ABS) is not None
    # a trailing slash or "/." asks a directory of a memfd: ENOTDIR
    assert refusal((O_RDWR, 0, 0, 24), False, Walk(True, True, True)) is not None
    assert refusal((O_PATH | O_NOFOLLOW, 0, 0, 24), False, Walk(True, True, True)) is not None
    assert refusal((O_RDWR | O_TRUNC | 0x10, 0, 0, 24), False, ABS) is None   # (dropped)
    # build_open_flags(): __O_TMPFILE only with O_DIRECTORY, without O_CREAT, for writing
    assert refusal((O_RDWR | TMPFILE, 0, 0, 24), False, ABS) is not None
    assert refusal((O_PATH | TMPFILE, 0, 0, 24), False, ABS) is None   # (O_PATH drops it)
    assert flag_error((O_RDWR | TMPFILE | O_DIRECTORY, 0, 0, 24), False) is None
    assert flag_error((TMPFILE | O_DIRECTORY, 0, 0, 24), False) is not None
    assert flag_error((O_RDWR | TMPFILE | O_DIRECTORY | O_CREAT, 0, 0, 24), False) is not None
    assert flag_error((O_RDWR | 0x10, 0, 0, 24), True) is not None
    assert flag_error((O_RDWR, 0, CACHED, 24), True) is None
    assert flag_error((O_RDWR | O_TRUNC, 0, CACHED, 24), True) is not None
    # round 59: build_open_flags() refuses O_CREAT|O_DIRECTORY (6.4 on), but not under O_PATH
    assert flag_error((O_RDWR | O_CREAT | O_DIRECTORY, 0o600, 0, 24), False) is not None
    assert flag_error((O_RDWR | O_CREAT | O_DIRECTORY, 0o600, 0, 24), True) is not None
    assert flag_error((O_PATH | O_CREAT | O_DIRECTORY, 0, 0, 24), False) is None
    # ... from 6.4 on only: before, the name is read first (return.open_flags_first
    # takes the -EFAULT of a name it cannot read)
    assert flag_error((O_RDWR | O_CREAT | O_DIRECTORY, 0o600, 0, 24), False,
                      every_version=True) is None
    # a socket or an anon-inode file takes no open (ENXIO), but O_PATH's
    assert refusal((O_RDWR, 0, 0, 24), False, ABS, True) is not None
    assert refusal((O_RDWR, 0, 0, 24), False, ABS) is None
    assert refusal((O_PATH, 0, 0, 24), False, ABS, True) is None
    assert refusal((O_PATH | O_NOFOLLOW, 0, 0, 24), True, REL, True) is None


@pytest.mark.parametrize(("name", "entry"), [
    ("0", 0), ("7", 7), ("10", 10), ("07", None), ("00", None), ("x", None), ("1a", None),
    ("429496729", 429496729), ("1000000000", 1000000000), ("4294967280", None), ("-1", None),
])
def test_name_to_int(name: str, entry: int | None) -> None:
    assert name_to_int(name) == entry
