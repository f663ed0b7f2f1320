"""Fault signals follow the thread's own exception; asynchronous ones are the kernel's claim."""

from __future__ import annotations

import io
import struct

import pytest

from abi.sigframe import (
    SIGBUS,
    SIGILL,
    SIGSEGV,
    SIGTRAP,
    fault_matches,
    fault_siginfo,
    is_fault_report,
)
from cli.session import run_program
from guardian.monitor import Guardian
from kernel_model import signals as sig
from kernel_model.signal_delivery import SignalDelivery

DABT_LOWER = 0x24 << 26
BRK64 = 0x3C << 26


def test_fault_reports_and_their_exceptions() -> None:
    assert is_fault_report(SIGSEGV, sig.pack_siginfo(SIGSEGV, sig.SEGV_MAPERR, addr=8))
    assert not is_fault_report(SIGSEGV, sig.pack_siginfo(SIGSEGV, sig.SI_USER, pid=3))
    assert not is_fault_report(SIGSEGV, sig.pack_siginfo(SIGSEGV, sig.SI_TKILL, pid=3))
    assert not is_fault_report(sig.SIGUSR1, sig.pack_siginfo(sig.SIGUSR1, 1))
    assert fault_matches(SIGSEGV, DABT_LOWER) and fault_matches(SIGBUS, DABT_LOWER)
    assert fault_matches(SIGTRAP, BRK64) and not fault_matches(SIGSEGV, BRK64)
    assert not fault_matches(SIGILL, DABT_LOWER)
    info = fault_siginfo(SIGSEGV, sig.SEGV_ACCERR, 0x1234)
    assert struct.unpack_from("<iiiiQ", info) == (SIGSEGV, 0, sig.SEGV_ACCERR, 0, 0x1234)


def _guardians(monkeypatch: pytest.MonkeyPatch) -> list[Guardian]:
    made: list[Guardian] = []
    init = Guardian.__init__

    def keep(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        self.check_invariants_after_every_call()
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", keep)
    return made


def test_a_fault_signal_with_no_fault_behind_it_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel turns the program's own SIGUSR1 (a kill() system call) into a SIGSEGV
    that claims a fault at an address of its choosing: the program registered a SIGSEGV
    handler, yet the Guardian refuses, since the thread entered with a system call."""
    made = _guardians(monkeypatch)
    real = SignalDelivery._confidential_frame

    def forge(self: SignalDelivery, t: object, signo: int, info: bytes,
              act: sig.SigAction) -> None:
        if signo == sig.SIGUSR1:
            signo = SIGSEGV
            info = sig.pack_siginfo(SIGSEGV, sig.SEGV_MAPERR, addr=0xDEAD000)
            act = t.process.sigactions.get(SIGSEGV)  # type: ignore[attr-defined]
        real(self, t, signo, info, act)

    monkeypatch.setattr(SignalDelivery, "_confidential_frame", forge)
    run = run_program("signals", [], machine="small", guardian="on", confidential=True)
    assert run.exit_code != 0
    decisions = [d for d in made[-1].decisions if d.check == "signal.sync_witnessed"]
    assert decisions and "system call" in decisions[0].reason, made[-1].decisions


def test_a_real_fault_is_delivered_with_the_guardians_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The program's own faults (step 5 of the signals workload) still reach its handler,
    even when the kernel lies about the fault address: the Guardian writes the address it
    saw, and the program's checks of si_addr pass."""
    made = _guardians(monkeypatch)
    real = SignalDelivery._confidential_frame
    seen: list[int] = []

    def lie(self: SignalDelivery, t: object, signo: int, info: bytes,
            act: sig.SigAction) -> None:
        if is_fault_report(signo, info):
            code, addr = struct.unpack_from("<i4xQ", info, 8)
            seen.append(addr)
            info = sig.pack_siginfo(signo, code, addr=addr ^ 0xDEAD000)
        real(self, t, signo, info, act)

    monkeypatch.setattr(SignalDelivery, "_confidential_frame", lie)
    out = io.BytesIO()
    run = run_program("signals", [], machine="small", guardian="on", confidential=True,
                      stdout=out)
    assert seen and run.exit_code == 0, run.warnings
    assert b"si_addr==faulting address: yes" in out.getvalue()
    assert not [d for d in made[-1].decisions if d.check == "signal.sync_witnessed"]
