"""/proc/<pid>/status's signal lines, held to what the program's own calls set
(return.self_report; round 38: QV-013, QV-014, QV-015, QV-029).

Linux's task_sig() renders the task's blocked mask (SigBlk) and, by
collect_sigign_sigcatch(), a bit for each action that is SIG_IGN (SigIgn) or a handler
(SigCgt).  Only bits the Guardian knows exactly are judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from abi.layout import SA_RESETHAND
from abi.syscalls import NUMBERS
from attacks.runner import run_one
from attacks.scenario import get
from guardian.self_reports import SelfReports


@pytest.mark.parametrize("scenario_id", ["QV-013", "QV-014", "QV-015", "QV-029"])
def test_a_forged_status_mask_is_refused(scenario_id: str) -> None:
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert "return.self_report" in out.decided_by, out.decided_by
    assert not out.leaks


@dataclass
class _Slot:
    domain: int = 1
    root: int = 1
    thread: int = 10
    nr: int = 0
    args: tuple[int, ...] = (0, 0, 0, 0, 0, 0)


@dataclass
class _Space:
    handlers: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    pids: dict[int, int] = field(default_factory=dict)

    def handlers_of(self, group: int) -> dict[int, tuple[int, int, int, int]]:
        return self.handlers


class _Registry:
    def __init__(self, space: _Space) -> None:
        self.slots: dict[int, _Slot] = {}
        self.process_of_root: dict[int, int] = {1: 10}
        self.space_ = space

    def space_of(self, domain: int, root: int) -> _Space:
        return self.space_

    def group_of(self, root: int, thread: int) -> int:
        return 0


@dataclass
class _Thread:
    blocked: int = 0
    known: int = (1 << 64) - 1
    running: list[int] = field(default_factory=list)


class _Signals:
    def __init__(self) -> None:
        self.threads: dict[int, _Thread] = {10: _Thread(), 11: _Thread()}

    def thread_signals(self, root: int, thread: int) -> _Thread:
        return self.threads[thread]


def _status(ign: int, cgt: int, blk: int) -> bytes:
    return (f"Name:\tx\nSigBlk:\t{blk:016x}\nSigIgn:\t{ign:016x}\n"
            f"SigCgt:\t{cgt:016x}\n").encode()


SIGUSR1, SIGUSR2, SIGURG, SIGALRM = 10, 12, 23, 14


def _bit(signo: int) -> int:
    return 1 << (signo - 1)


def test_status_signal_lines_agree_with_the_known_actions_and_mask() -> None:
    space = _Space({SIGURG: (1, 0, 0, 0), SIGUSR1: (0x4000, 0, 0, 0), SIGALRM: (0, 0, 0, 0)})
    reg, sigs = _Registry(space), _Signals()
    sigs.threads[10].blocked = _bit(SIGUSR2)
    reports = SelfReports(None, None, reg, lambda s: (0, 0), sigs)  # type: ignore[arg-type]
    slot = _Slot()

    def judged(ign: int, cgt: int, blk: int, thread: int | None = None, who: _Slot = slot
               ) -> str:
        return reports._sig_sets(who, _status(ign, cgt, blk), thread)  # type: ignore[arg-type]

    good = (_bit(SIGURG), _bit(SIGUSR1), _bit(SIGUSR2))
    assert judged(*good) == ""
    # Bits of signals the program never set are not judged (the launch may ignore some).
    assert judged(good[0] | _bit(SIGUSR2), good[1] | _bit(3), good[2]) == ""
    assert "SigIgn" in judged(0, good[1], good[2])
    assert "SigCgt" in judged(good[0], 0, good[2])
    assert "SigCgt" in judged(good[0], good[1] | _bit(SIGALRM), good[2])    # SIG_DFL set
    assert "SigBlk" in judged(good[0], good[1], 0)
    # Another thread's file, or the leader's read by another thread: its mask not judged.
    assert judged(good[0], good[1], 0, thread=11) == ""
    assert judged(good[0], good[1], 0, who=_Slot(thread=11)) == ""
    # The reader's own task directory (/proc/thread-self/status): its own mask.
    sigs.threads[11].blocked = _bit(SIGALRM)
    assert "SigBlk" in judged(good[0], good[1], 0, thread=11, who=_Slot(thread=11))
    assert judged(good[0], good[1], _bit(SIGALRM), thread=11, who=_Slot(thread=11)) == ""
    # Inside a handler the mask holds more than the Guardian follows.
    sigs.threads[10].running = [SIGUSR1]
    assert judged(good[0], good[1], 0) == ""
    sigs.threads[10].running = []
    # An rt_sigaction in progress, or a SA_RESETHAND handler, leaves its signal unjudged.
    reg.slots[7] = _Slot(thread=11, nr=NUMBERS["rt_sigaction"], args=(SIGURG, 0x100, 0, 8))
    assert judged(0, good[1], good[2]) == ""
    del reg.slots[7]
    space.handlers[SIGUSR1] = (0x4000, SA_RESETHAND, 0, 0)
    assert judged(good[0], 0, good[2]) == ""
