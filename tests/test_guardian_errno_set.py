"""`return.errno_set` and `return.restart_code`: the errors a call can return.

A call whose errors Linux's code fixes (abi/value_ranges `Errors`) fails only with one of
them, unless a seccomp filter may answer for it; no answer is a kernel-internal restart
code (-ERESTARTSYS .. -ERESTART_RESTARTBLOCK); rt_sigaction and its kin never succeed with
a sigsetsize other than sizeof(sigset_t).
"""

from __future__ import annotations

import pytest

from abi import Status
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import Scene, build_translating

U64 = 1 << 64
EPERM, EINTR, EAGAIN, EFAULT, EINVAL = 1, 4, 11, 14, 22
SECCOMP_SET_MODE_FILTER, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 22, 2


@pytest.fixture()
def s() -> Scene:
    return build_translating()


def _err(e: int) -> int:
    return U64 - e


def _fails(s: Scene, name: str, args: tuple[int, ...], errno: int) -> bool:
    """Is an answer of -errno let through (a refusal must be return.errno_set's)?"""
    status = _resume(s, name, args, _err(errno), [])
    if status != Status.OK:
        assert _refused_by(s, "return.errno_set")
    return status == Status.OK


@pytest.mark.parametrize(("name", "args", "errno", "ok"), [
    ("sched_yield", (), EINTR, False),
    ("uname", (OUT,), EFAULT, True),
    ("uname", (OUT,), EPERM, False),
    ("clock_gettime", (1, OUT), EINVAL, False),
    ("clock_gettime", (1, OUT), EFAULT, True),
    ("clock_gettime", (99, OUT), EINVAL, True),          # an id posix_clocks[] lacks
    ("clock_gettime", (U64 - 6, OUT), EINVAL, True),     # a process's CPU clock: not judged
    ("rt_sigprocmask", (0, OUT, 0, 8), EINVAL, False),
    ("rt_sigprocmask", (0, OUT, 0, 16), EINVAL, True),
    ("rt_sigprocmask", (7, OUT, 0, 8), EINVAL, True),
    ("rt_sigprocmask", (0, OUT, 0, 8), EFAULT, True),
    ("rt_sigaction", (12, 0, OUT, 8), EINVAL, False),
    ("rt_sigaction", (12, 0, OUT, 16), EINVAL, True),
    ("rt_sigaction", (9, OUT, 0, 8), EINVAL, True),
    ("rt_sigaction", (65, 0, OUT, 8), EINVAL, True),
    ("rt_sigaction", (12, 0, OUT, 8), EFAULT, True),
    ("close_range", (5, 5, 0), EINVAL, False),
    ("close_range", (6, 5, 0), EINVAL, True),            # fd > max_fd
    ("close_range", (5, 5, 8), EINVAL, True),            # an unknown flag
    ("close_range", (5, 5, 2), 12, True),                # CLOSE_RANGE_UNSHARE allocates
    ("getrandom", (OUT, 8, 0), EAGAIN, False),
    ("getrandom", (OUT, 8, 1), EAGAIN, True),            # GRND_NONBLOCK
    ("getrandom", (OUT, 8, 0), EINTR, True),
    ("getrandom", (OUT, 8, 6), EINVAL, True),            # GRND_RANDOM | GRND_INSECURE
    ("getrandom", (OUT, 8, 0), EINVAL, False),
])
def test_a_call_fails_only_as_linux_s_code_can(s: Scene, name: str, args: tuple[int, ...],
                                               errno: int, ok: bool) -> None:
    assert _fails(s, name, args, errno) is ok


@pytest.mark.parametrize("call", [
    ("seccomp", (SECCOMP_SET_MODE_FILTER, 0, OUT)),
    ("prctl", (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, OUT)),
])
def test_no_errno_is_judged_once_a_seccomp_filter_may_be_in_place(
        s: Scene, call: tuple[str, tuple[int, ...]]) -> None:
    assert not _fails(s, "sched_yield", (), EINTR)
    _resume(s, call[0], call[1], 0, [])
    assert _fails(s, "sched_yield", (), EINTR)          # SECCOMP_RET_ERRNO
    assert _fails(s, "uname", (OUT,), EPERM)


@pytest.mark.parametrize("code", [512, 513, 514, 516])
def test_no_restart_code_reaches_user_code(s: Scene, code: int) -> None:
    assert _resume(s, "nanosleep", (OUT, 0), _err(code), []) != Status.OK
    assert _refused_by(s, "return.restart_code")


def test_other_errors_are_not_restart_codes(s: Scene) -> None:
    assert _resume(s, "getppid", (), 7, []) == Status.OK
    assert _resume(s, "ioctl", (3, 0x5401, OUT), _err(515), []) == Status.OK  # ENOIOCTLCMD
    assert not s.g.decisions or not _refused_by(s, "return.restart_code")
    # F_GETOWN reports a process-group owner as -pgid: group 512 reads as -512.
    _resume(s, "fcntl", (9, 9, 0), _err(512), [])
    assert not s.g.decisions or not _refused_by(s, "return.restart_code")


@pytest.mark.parametrize(("name", "args", "ok"), [
    ("rt_sigaction", (12, 0, 0, 16), False),
    ("rt_sigaction", (12, 0, 0, 8), True),
    ("rt_sigprocmask", (0, 0, 0, 16), False),
    ("rt_sigprocmask", (0, 0, 0, 8), True),
    ("rt_sigpending", (0, 9), False),
    ("rt_sigpending", (0, 4), True),
    ("signalfd4", (U64 - 1, OUT, 16, 0), False),
])
def test_a_signal_call_never_succeeds_with_another_sigset_size(
        s: Scene, name: str, args: tuple[int, ...], ok: bool) -> None:
    status = _resume(s, name, args, 0 if name != "signalfd4" else 9, [])
    if not ok:
        assert status != Status.OK and _refused_by(s, "return.range_table")
    else:
        assert status == Status.OK
