"""Red-team round 90 (AW-022 .. AW-025, AW-027): the values SIOCATMARK, FIGETBSZ,
SIOCGPGRP, F_GETSIG and F_GETOWN_EX hand back (abi/value_ranges.py, `return.range_table`),
each with the answer Linux gives beside it."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from tests.test_guardian_result_outputs import OUT, VA
from tests.test_guardian_result_table import _judged
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene, build_translating

FIGETBSZ, SIOCATMARK, SIOCGPGRP, FIOSETOWN = 0x2, 0x8905, 0x8904, 0x8901
F_SETFL, F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG = 4, 15, 16, 10, 11
O_ASYNC = 0o20000


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _int(v: int) -> bytes:
    return struct.pack("<i", v)


def _made(s: Scene, call: str, fds: tuple[int, int], at: int) -> None:
    _put(s, at, struct.pack("<ii", *fds))
    args = (1, 1, 0, at) if call == "socketpair" else (at, 0)
    assert _resume(s, call, args, 0, [(at, at + 8)]) == Status.OK


def test_figetbsz_is_a_power_of_two(s: Scene) -> None:
    # do_vfs_ioctl() FIGETBSZ: put_user(sb->s_blocksize), sb_set_blocksize()'s power of two
    for size, ok in ((4096, True), (512, True), (65536, True), (3, False), (0, False),
                     (4095, False)):
        assert _judged(s, "ioctl", (3, FIGETBSZ, OUT), 0, _int(size)) is ok, size


def test_siocatmark_is_a_truth_value_on_a_socket(s: Scene) -> None:
    _made(s, "socketpair", (60, 61), VA + 1800)
    for v, ok in ((0, True), (1, True), (7, False), (-1, False)):
        assert _judged(s, "ioctl", (60, SIOCATMARK, OUT), 0, _int(v)) is ok, v
    # a descriptor the Guardian did not see made may be a device's: its driver's number
    assert _judged(s, "ioctl", (92, SIOCATMARK, OUT), 0, _int(7))


def test_siocgpgrp_is_zero_until_an_owner_is_set(s: Scene) -> None:
    _made(s, "socketpair", (64, 65), VA + 1816)
    assert _judged(s, "ioctl", (64, SIOCGPGRP, OUT), 0, _int(0))
    assert not _judged(s, "ioctl", (64, SIOCGPGRP, OUT), 0, _int(4242))
    _put(s, OUT + 64, _int(4242))
    assert _resume(s, "ioctl", (64, FIOSETOWN, OUT + 64), 0, []) == Status.OK
    assert _judged(s, "ioctl", (64, SIOCGPGRP, OUT), 0, _int(4242))
    assert _judged(s, "ioctl", (90, SIOCGPGRP, OUT), 0, _int(4242))   # not made here


def test_f_getsig_is_zero_until_f_setsig(s: Scene) -> None:
    _made(s, "pipe2", (66, 67), VA + 1824)
    assert _judged(s, "fcntl", (66, F_GETSIG), 0)
    assert not _judged(s, "fcntl", (66, F_GETSIG), 10)
    assert _resume(s, "fcntl", (66, F_SETSIG, 10), 0, []) == Status.OK
    assert _judged(s, "fcntl", (66, F_GETSIG), 10)


def test_f_getown_ex_pid_is_zero_until_an_owner_is_set(s: Scene) -> None:
    _made(s, "pipe2", (68, 69), VA + 1832)
    assert _judged(s, "fcntl", (68, F_GETOWN_EX, OUT), 0, struct.pack("<ii", 0, 0))
    assert not _judged(s, "fcntl", (68, F_GETOWN_EX, OUT), 0, struct.pack("<ii", 1, 4242))
    _put(s, OUT + 64, struct.pack("<ii", 1, 4242))
    assert _resume(s, "fcntl", (68, F_SETOWN_EX, OUT + 64), 0, []) == Status.OK
    assert _judged(s, "fcntl", (68, F_GETOWN_EX, OUT), 0, struct.pack("<ii", 1, 4242))


def test_o_async_may_set_an_owner(s: Scene) -> None:
    # F_SETFL's O_ASYNC: f_op->fasync(), a tty's __tty_fasync() -> __f_setown()
    _made(s, "pipe2", (70, 71), VA + 1840)
    assert _resume(s, "fcntl", (70, F_SETFL, O_ASYNC), 0, []) == Status.OK
    assert _judged(s, "fcntl", (70, F_GETOWN_EX, OUT), 0, struct.pack("<ii", 1, 77))


def test_a_file_sent_by_scm_rights_may_get_an_owner_elsewhere() -> None:
    """A pipe end sent by SCM_RIGHTS: its receiver (another process the Guardian does not
    follow) may call F_SETSIG / F_SETOWN_EX on the same open file (fown_struct is the
    file's), so F_GETSIG 10 and F_GETOWN_EX {F_OWNER_PID, 4242} are answers Linux gives."""
    s = build_translating()             # (its own: the send may end judging for every file)
    _made(s, "pipe2", (72, 73), VA + 1848)
    _made(s, "socketpair", (74, 75), VA + 1856)
    msg, iov, cmsg = VA + 1900, VA + 1980, VA + 2000
    _put(s, iov, struct.pack("<QQ", VA + 1848, 1))
    _put(s, cmsg, struct.pack("<QiIi", 20, 1, 1, 72) + bytes(4))     # SCM_RIGHTS {72}
    _put(s, msg, struct.pack("<QiIQQQQiI", 0, 0, 0, iov, 1, cmsg, 24, 0, 0))
    assert _resume(s, "sendmsg", (74, msg, 0), 1, []) == Status.OK
    assert _judged(s, "fcntl", (72, F_GETSIG), 10)
    assert _judged(s, "fcntl", (72, F_GETOWN_EX, OUT), 0, struct.pack("<ii", 1, 4242))
    files = s.g.conf.descriptors        # (the scene's message is read as sent, or not known)
    assert files.may_pass or files.sent_files
