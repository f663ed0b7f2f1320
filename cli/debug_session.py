"""Wiring a gdb stub into one run (`blindfold run --gdb [HOST:]PORT`).

It builds the stub's view of the run (`KernelDebugTarget`), the execution
control on core 0, the listening socket and, unless turned off, the history
that makes reverse execution possible (checkpoint processes supervised by the
process the user started).
"""

from __future__ import annotations

import logging
import pickle
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from emulator.errors import BlindfoldError, EmulatorFault, UsageError

if TYPE_CHECKING:
    from emulator.gdbstub.control import ExecutionControl
    from emulator.gdbstub.history import History
    from emulator.gdbstub.host_io import RecordedInput
    from emulator.gdbstub.server import GdbServer
    from emulator.machine import Machine
    from kernel_model.kernel import Kernel


@dataclass(frozen=True)
class GdbOptions:
    address: str                     # [HOST:]PORT
    wait: bool = False               # stop before the first instruction until gdb attaches
    view: str = "el"                 # "el" (the current EL's view) or "kernel"
    checkpoint_every: int = 2_000_000   # 0: no reverse execution

    def host_port(self) -> tuple[str, int]:
        host, sep, port = self.address.rpartition(":")
        if not sep:
            host = "127.0.0.1"
        try:
            number = int(port)
        except ValueError:
            raise UsageError(f"--gdb {self.address}: the port is not a number",
                             "give PORT or HOST:PORT, e.g. --gdb 1234") from None
        if not 0 <= number <= 65535:
            raise UsageError(f"--gdb {self.address}: no such port", "use 1-65535")
        return host or "127.0.0.1", number


class DebugSession:
    """The debugger's parts for one run, in the order the run needs them."""

    def __init__(self, options: GdbOptions) -> None:
        if options.view not in ("el", "kernel"):
            raise UsageError(f"--gdb-view {options.view} is not a view", "use el or kernel")
        self.options = options
        self.stdin: RecordedInput | None = None
        self.control: ExecutionControl | None = None
        self.server: GdbServer | None = None
        self.history: History | None = None
        self._gates: list[Any] = []
        self._in_memory: list[Any] = []      # sinks whose bytes live in the machine process

    def wrap_streams(self, stdin: BinaryIO | None, stdout: BinaryIO | None,
                     stderr: BinaryIO | None) -> tuple[Any, Any, Any]:
        """Record host input (a replay reads it again) and hold back output a replay
        would repeat on a host stream."""
        from emulator.gdbstub.host_io import GatedOutput, RecordedInput
        if self.options.checkpoint_every <= 0:
            return stdin, stdout, stderr
        self.stdin = RecordedInput(stdin)
        outs = []
        for sink, default in ((stdout, sys.stdout.buffer), (stderr, sys.stderr.buffer)):
            target = sink if sink is not None else default
            if hasattr(target, "fileno") and _has_fd(target):
                gate = GatedOutput(target, lambda: False)
                self._gates.append(gate)
                outs.append(gate)
            else:
                outs.append(target)   # in-memory: each copy of the machine keeps its own
                self._in_memory.append(target)
        return self.stdin, outs[0], outs[1]

    def start(self, machine: Machine, kernel: Kernel, exec_path: str) -> bytes | None:
        """Listen, fork the supervised machine (with reverse execution) and wait for gdb.
        Returns the run's pickled outcome in the supervising process, None in the machine."""
        from cli.gdb_target import KernelDebugTarget
        from emulator.gdbstub.control import ExecutionControl
        from emulator.gdbstub.history import History
        from emulator.gdbstub.server import GdbServer

        host, port = self.options.host_port()
        target = KernelDebugTarget(machine, kernel, exec_path, self.options.view)
        cpu = machine.cpus[0]
        if not cpu.exact_timing_available:
            raise EmulatorFault("the debugger needs Unicorn's instruction counter",
                                "install the pinned unicorn==2.1.4")
        control = ExecutionControl(cpu, target)
        target.on_fault_signal = control.stop_for_signal
        try:
            server = GdbServer(control, target, host, port)
        except OSError as exc:
            raise UsageError(f"--gdb {self.options.address}: cannot listen ({exc.strerror})",
                             "pick another port or stop what holds it") from exc
        self.control, self.server = control, server
        host_shown, port_shown = server.address[:2]
        print(f"blindfold: gdb stub listening on {host_shown}:{port_shown}"
              + (" (waiting for gdb)" if self.options.wait else ""), file=sys.stderr, flush=True)
        if self.options.checkpoint_every > 0:
            history = History(control, self.options.checkpoint_every)
            history.server = server
            history.stdin = self.stdin
            server.history = history
            self.history = history
            for gate in self._gates:
                gate.replaying = (lambda: control.current_position()[:2]
                                  < history.frontier[:2])
            outcome = history.supervise()
            if outcome is not None:
                server.listener.close()
                return outcome
        cpu.debug = control
        if self.options.wait:
            server.wait_for_debugger()
        return None

    def exited(self, wait_status: int) -> None:
        if self.server is not None:
            self.server.exited(wait_status)
        if self.control is not None:
            self.control.cpu.debug = None

    def finish(self, outcome: bytes) -> None:
        """In the machine process of a run with history: hand over the outcome and exit."""
        if self.history is not None:
            self.history.finish(outcome)


def _has_fd(stream: Any) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True


def outcome_ok(result: object, captured: list[bytes] | None = None) -> bytes:
    return pickle.dumps(("ok", result, captured or []))


def outcome_error(exc: BaseException) -> bytes:
    hint = getattr(exc, "hint", "") or ""
    text = getattr(exc, "message", None) or str(exc)
    return pickle.dumps(("error", isinstance(exc, BlindfoldError), type(exc).__name__,
                         text, hint))


def load_outcome(data: bytes) -> Any:
    """The run's result and captured output, or the error it ended with raised again here."""
    if not data:
        raise EmulatorFault("the debugged machine ended without a result",
                            "rerun with -v and report it")
    outcome = pickle.loads(data)
    if outcome[0] == "ok":
        return outcome[1], outcome[2]
    _, known, name, text, hint = outcome
    if name == "KeyboardInterrupt":
        raise KeyboardInterrupt()
    import emulator.errors as errors
    cls = getattr(errors, name, None)
    if known and isinstance(cls, type) and issubclass(cls, BlindfoldError):
        try:
            raise cls(text, hint)
        except TypeError:
            pass
    raise EmulatorFault(f"{name}: {text}" if not known else text, hint or "rerun with -v")


def run_debugged(debug: DebugSession, machine: Machine, kernel: Kernel, program: Any,
                 options: Any, finish_run: Any) -> Any:
    """Run under the stub: the supervising process returns the outcome the machine
    process (whichever copy of it ends the run) sends back."""
    from emulator.gdbstub.control import Detached

    outcome = debug.start(machine, kernel, str(program.resolve()))
    if outcome is not None:
        result, captured = load_outcome(outcome)
        # What the guest wrote to in-memory streams was written in the machine process.
        for sink, data in zip(debug._in_memory, captured, strict=False):
            sink.write(data)
        return result
    try:
        try:
            result = finish_run(machine, kernel, options, debug.exited)
        except Detached:
            # gdb killed the program: it ends as if by SIGKILL.
            from cli.session import RunResult
            result = RunResult(exit_code=128 + 9, wait_status=9, signal=9, stats={},
                               warnings=list(options.warnings), crash="killed from gdb")
    except BaseException as exc:  # noqa: BLE001 - the supervisor re-raises it
        if debug.history is None:
            raise
        logging.getLogger(__name__).debug("the debugged run failed", exc_info=exc)
        debug.finish(outcome_error(exc))
        raise
    if debug.history is not None:
        debug.finish(outcome_ok(result, [s.getvalue() if hasattr(s, "getvalue") else b""
                                         for s in debug._in_memory]))
    return result
