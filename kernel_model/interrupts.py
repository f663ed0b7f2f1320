"""Ctrl-C and Ctrl-\\ from the host's terminal, turned into the guest's SIGINT/SIGQUIT
(and a resized terminal into SIGWINCH).

The host's signal handler only notes the signal (`note`); a watcher thread
makes the CPU leave the guest (the run loop takes that as a timer interrupt,
so a confidential context is saved through the Guardian as usual); the run
loop then sends it to the terminal's foreground
process group (`take`), as the tty driver does.  A program that handles it
goes on; one that does not dies of it (exit status 128+N).  A second signal
before the first was taken means the model itself is stuck: `note` raises
`HostInterrupt` and the run ends at once.  A watcher thread keeps asking
Unicorn to stop until the run loop has taken the signal, because a lone guest
thread in fast timing may not leave Unicorn on its own for a long time.  Such a
stop lands between translated blocks, so the guest goes on (or takes a signal)
from a PC that matches its registers; a run that counts instructions is left to
end by its count (see `Cpu.stop_from_another_thread`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.host_poll import readable
from kernel_model import signals as sig
from kernel_model.console_file import ConsoleInterrupted

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

HOST_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH)
NOTE_WAIT_S = 10.0     # how long the watcher waits for the handler to note a signal


class HostInterrupt(BaseException):
    """The run is stopped from the host (not a guest signal): exit 128 + signo."""

    def __init__(self, signo: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signo).name}")
        self.signo = signo


def note(k: Kernel, signo: int) -> None:
    """Called from the host's signal handler (between bytecodes, anywhere)."""
    k.host_signals_noted += 1
    if signo == signal.SIGWINCH:
        # The terminal was resized: the foreground group hears it; nothing is stopped,
        # and only the run loop's own wait for the terminal ends early.
        if signo not in k.host_signals:
            k.host_signals.append(signo)
        if k.console.reading == "poll":
            raise ConsoleInterrupted()
        return
    if any(s != signal.SIGWINCH for s in k.host_signals):
        raise HostInterrupt(signo)
    k.host_signals.append(signo)
    k.interrupted = signo
    k.console.signalled = True
    # The watcher thread stops the CPU (as a timer would); nothing here touches the core.
    if k.console.reading:
        raise ConsoleInterrupted()


def take(k: Kernel) -> None:
    """The run loop's part: deliver the noted signals to the foreground group."""
    # Clear the flag first and drain by pop: the host's handler may run between any two
    # bytecodes here, and a signal it appends meanwhile is taken now or on the next pass
    # (a copy-then-clear would drop it).
    k.console.signalled = False
    pending: list[int] = []
    while k.host_signals:
        pending.append(k.host_signals.pop(0))
    for signo in pending:
        group = [p for p in k.processes.values()
                 if p.pgid == k.console.fg_pgrp and p.exit_status is None]
        if not group and k.init is not None and k.init.exit_status is None:
            group = [k.init]
        for proc in group:
            k.signals.send_process(proc, signo, sig.pack_siginfo(signo, sig.SI_KERNEL))


class Interrupts:
    """Installs the host handlers for one run and removes them afterwards."""

    def __init__(self, k: Kernel, stop_cpu: Callable[[], None]) -> None:
        self.k = k
        self._stop_cpu = stop_cpu
        self._old: dict[int, object] = {}
        self._old_wakeup = -1
        self._rfd = self._wfd = -1
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._rfd, self._wfd = os.pipe()
        os.set_blocking(self._wfd, False)
        for signo in HOST_SIGNALS:
            self._old[signo] = signal.signal(signo, self._handler)
        self._old_wakeup = signal.set_wakeup_fd(self._wfd, warn_on_full_buffer=False)
        self._thread = threading.Thread(target=self._watch, name="blindfold-interrupts",
                                        daemon=True)
        self._thread.start()
        return self

    def _handler(self, signo: int, _frame: object) -> None:
        note(self.k, signo)

    def _watch(self) -> None:
        # Woken (at C level, without the GIL) by the wakeup fd whenever a signal arrives;
        # stops the CPU until the handler has noted the signal and the run loop taken it.
        while not self._done.is_set():
            noted = self.k.host_signals_noted
            try:
                got = os.read(self._rfd, 64)
            except OSError:
                return
            if not got or self._done.is_set():
                return
            # The handler notes the signal when the main thread next runs Python, which a
            # counted run (not stopped from here, see Cpu.stop_from_another_thread) may
            # put off for its whole count: keep trying for a while.
            give_up = time.monotonic() + NOTE_WAIT_S
            while self.k.host_signals or (self.k.host_signals_noted == noted
                                          and time.monotonic() < give_up):
                self._stop_cpu()
                if self._done.wait(0.02):
                    return

    def __exit__(self, *_exc: object) -> None:
        if self._thread is None:
            return
        self._done.set()
        signal.set_wakeup_fd(self._old_wakeup)
        for signo, old in self._old.items():
            signal.signal(signo, old)  # type: ignore[arg-type]
        os.write(self._wfd, b"\0")
        self._thread.join(1.0)
        os.close(self._rfd)
        os.close(self._wfd)


def wait_host_fds(k: Kernel, block: bool) -> bool:
    """Threads polling the terminal: wake those whose host fd is readable.  With
    ``block`` (nothing else can happen) wait for the host; True if anyone woke or a
    host signal arrived."""
    sleepers = [t for t in k.sched.blocked if t.wait is not None and t.wait.host_fds]
    if not sleepers:
        return False
    fds = sorted({fd for t in sleepers for fd in t.wait.host_fds})  # type: ignore[union-attr]
    k.console.reading = "poll"
    try:
        if k.host_signals:          # noted just before the wait began: take it first
            return True
        ready = readable(fds, None if block else 0)
    except ConsoleInterrupted:
        return True
    except (OSError, ValueError):
        ready = fds           # a closed or broken fd: let the poll report it
    finally:
        k.console.reading = ""
    woke = False
    for t in sleepers:
        if set(t.wait.host_fds) & set(ready):  # type: ignore[union-attr]
            k.wake(t, None)
            woke = True
    return woke or bool(k.host_signals)
