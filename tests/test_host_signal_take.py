"""Host signals noted while the run loop is taking earlier ones are not lost."""

from __future__ import annotations

import signal
from types import SimpleNamespace

from kernel_model import interrupts


class _ArrivesDuringTake(list):
    """A pending list on which a host signal arrives at the run loop's first access."""

    def __init__(self, items: list[int], late: int) -> None:
        super().__init__(items)
        self._late: int | None = late

    def _arrive(self) -> None:
        if self._late is not None:
            late, self._late = self._late, None
            self.append(late)       # what `interrupts.note` does from the host's handler

    def __iter__(self):  # type: ignore[no-untyped-def]
        items = list(super().__iter__())
        self._arrive()
        return iter(items)

    def pop(self, index: int = -1) -> int:  # type: ignore[override]
        item = super().pop(index)
        self._arrive()
        return item


def _kernel(pending: list[int]) -> SimpleNamespace:
    sent: list[int] = []
    proc = SimpleNamespace(pgid=1, exit_status=None)
    return SimpleNamespace(
        host_signals=pending, console=SimpleNamespace(signalled=True, fg_pgrp=1),
        processes={1: proc}, init=proc,
        signals=SimpleNamespace(send_process=lambda p, signo, info: sent.append(signo)),
        sent=sent)


def test_a_signal_noted_while_taking_is_delivered() -> None:
    k = _kernel(_ArrivesDuringTake([signal.SIGWINCH], late=signal.SIGINT))
    interrupts.take(k)  # type: ignore[arg-type]
    assert k.sent == [signal.SIGWINCH, signal.SIGINT]
    assert list(k.host_signals) == []


def test_take_delivers_in_order_and_clears() -> None:
    k = _kernel([signal.SIGINT, signal.SIGWINCH])
    interrupts.take(k)  # type: ignore[arg-type]
    assert k.sent == [signal.SIGINT, signal.SIGWINCH]
    assert k.host_signals == [] and k.console.signalled is False
