"""The siginfo a queued (not fault) signal may carry into a confidential program: the
signal's own number, and a sender's code, SI_KERNEL or a notification's (CLD_*, POLL_*)."""

from __future__ import annotations

import struct

from abi.sigframe import SI_KERNEL, queued_siginfo_problem, siginfo_or_kernels


def _info(signo: int, code: int) -> bytes:
    return struct.pack("<iii", signo, 0, code).ljust(128, b"\0")


def test_a_queued_signal_names_itself_with_a_senders_or_its_own_code() -> None:
    SIGUSR1, SIGSEGV, SIGCHLD = 10, 11, 17
    for signo, code in ((SIGUSR1, 0), (SIGUSR1, -6), (SIGUSR1, -1), (SIGUSR1, SI_KERNEL),
                        (SIGCHLD, 1), (SIGSEGV, 0), (29, 3)):
        assert queued_siginfo_problem(signo, _info(signo, code)) is None, (signo, code)
    assert "si_signo" in (queued_siginfo_problem(SIGUSR1, _info(SIGSEGV, 1)) or "")
    assert queued_siginfo_problem(SIGUSR1, _info(SIGUSR1, 1)) is None   # an exit signal's CLD_EXITED
    assert "si_code" in (queued_siginfo_problem(SIGUSR1, _info(SIGUSR1, 0x30)) or "")
    assert "si_code" in (queued_siginfo_problem(SIGCHLD, _info(SIGCHLD, 9)) or "")
    assert queued_siginfo_problem(SIGUSR1, siginfo_or_kernels(SIGUSR1, b"")) is None
    assert siginfo_or_kernels(SIGUSR1, _info(SIGUSR1, -6)) == _info(SIGUSR1, -6)
