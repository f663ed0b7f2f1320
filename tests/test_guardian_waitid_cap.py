"""waitid for a confidential program: the kernel may write the six siginfo fields Linux
fills (si_signo, si_errno, si_code; si_pid, si_uid, si_status) and the rusage, never
si_utime, si_stime or the padding: those keep the program's own bytes."""

from __future__ import annotations

from guardian.capabilities import CAP_TABLE, W, covered, expand

INFO, RUSAGE = 0x5000, 0x6000


def _ranges() -> list[tuple[int, int, int]]:
    return expand(CAP_TABLE["waitid"], (1, 42, INFO, 4, RUSAGE), lambda va, n: bytes(n))


def test_the_six_fields_are_writable() -> None:
    ranges = _ranges()
    assert covered(ranges, INFO, 12, W) == 12            # si_signo, si_errno, si_code
    assert covered(ranges, INFO + 16, 12, W) == 12       # si_pid, si_uid, si_status
    assert covered(ranges, RUSAGE, 144, W) == 144


def test_the_child_times_and_padding_are_not() -> None:
    ranges = _ranges()
    assert covered(ranges, INFO + 32, 16, W) == 0        # si_utime, si_stime
    assert covered(ranges, INFO + 12, 4, W) == 0         # the padding before _sigchld
    assert covered(ranges, INFO + 48, 80, W) == 0
