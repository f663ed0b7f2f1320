"""Where an adversary gets control: hook points inside an otherwise ordinary kernel.

`HookedKernel` is the kernel model with a few seams opened (a marker from the
workload, syscall entry and exit, faults, interrupts, the way back to a
confidential thread, exec, signal delivery, process exit); `HookedEl1` is the
same EL1 face of the CPU with a seam on its HVC instruction.  Neither adds a
power: a callback receives only what that kernel already holds at that point
(its EL1 face, its own state), so whatever a scenario achieves, the modelled
hardware allowed it.

The harness also records, for the verdict, what the kernel learnt through
copy_from_user and which markers it saw.  Those records are the referee's,
not the adversary's.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from abi import Call
from abi.layout import SVC_NR_MASK
from attacks.workload import MARKER_MAGIC, NR_GETPPID, SECRET_LEN, Marker
from emulator.el1 import El1
from emulator.exceptions import ExceptionInfo
from kernel_model.kernel import Kernel
from kernel_model.process import Process, Thread, ThreadState
from kernel_model.uaccess import UserAccess


class Point(enum.Enum):
    """The seams.  Callbacks receive keyword arguments named in the comment."""

    MARKER = "marker"                  # phase, args, thread
    SYSCALL_ENTRY = "syscall_entry"    # nr, thread
    SYSCALL_EXIT = "syscall_exit"      # nr, thread (x0 holds the result; a callback may change it)
    FAULT = "fault"                    # info, thread
    IRQ = "irq"                        # info, thread
    BEFORE_RESUME = "before_resume"    # thread (the kernel is about to return to it)
    AFTER_RESUME = "after_resume"      # thread (the return was accepted; EL0 runs next)
    HVC = "hvc"                        # call, args, payload -> None or (args, payload)
    PRE_DOMAIN = "pre_domain"          # thread (exec done, before the image becomes confidential)
    EXEC = "exec"                      # image -> None or a replacement image
    SIGNAL_DELIVERED = "signal"        # thread
    EXIT = "exit"                      # process


MAX_EXCEPTIONS = 200_000     # the workload takes a few hundred; more means a livelock


class Livelock(Exception):  # noqa: N818
    """The program keeps trapping without progress (e.g. a fault the kernel never fixes)."""


class StopRun(Exception):  # noqa: N818 - control flow for the harness
    """Raised by a callback to end the run here (the fuzzer has seen enough)."""


Callback = Callable[..., Any]


class Hooks:
    """Callbacks per point, called in registration order."""

    def __init__(self) -> None:
        self._at: dict[Point, list[Callback]] = defaultdict(list)

    def add(self, point: Point, fn: Callback) -> None:
        self._at[point].append(fn)

    def fire(self, point: Point, **kw: Any) -> list[Any]:
        return [fn(**kw) for fn in list(self._at.get(point, ()))]

    def has(self, point: Point) -> bool:
        return bool(self._at.get(point))


@dataclass
class Referee:
    """What the harness records for the verdict (never handed to the adversary)."""

    markers: list[Marker]
    copied_from_user: list[bytes]
    random_draws: list[bytes]
    secret: bytes = b""
    started: bool = False
    #: (pid, signal) of every signal the kernel delivered (the referee counts handler runs).
    delivered: list[tuple[int, int]] = field(default_factory=list)


class Gate:
    """The EL2 side of an instruction (HVC, a trapped MSR), callable and nothing more:
    unlike a bound method it has no `__self__` leading to the monitor."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn

    def __call__(self, *args: Any) -> Any:
        return self._fn(*args)


def _gated(name: str) -> property:
    private = "_gate_" + name

    def get(self: HookedEl1) -> Gate | None:
        return getattr(self, private, None)

    def put(self: HookedEl1, fn: Callable[..., Any] | None) -> None:
        setattr(self, private, None if fn is None else fn if isinstance(fn, Gate) else Gate(fn))
    return property(get, put)


class HookedEl1(El1):
    """The kernel's EL1 face with a seam on HVC (the kernel chooses every argument).

    The face is what the kernel holds, so it leads nowhere the kernel cannot go:
    the monitor's handlers are `Gate`s, and installing vector code closes once the
    kernel has booted (`seal`); from then on EL1 can only name a table in VBAR_EL1.
    """

    _hooks: Hooks | None = None
    _sealed = False
    hvc_handler = _gated("hvc")                      # type: ignore[assignment]
    hvc_data_handler = _gated("hvc_data")            # type: ignore[assignment]
    sysreg_trap = _gated("sysreg")                   # type: ignore[assignment]

    def attach(self, hooks: Hooks) -> None:
        self._hooks = hooks

    def seal(self) -> None:
        self._sealed = True

    @property  # type: ignore[override]
    def register_vectors(self) -> Callable[..., None]:
        if self._sealed:
            raise AttributeError("vector code is installed at boot only")
        return super().register_vectors

    def _filter(self, call: int, args: tuple[int, ...], payload: bytes
                ) -> tuple[tuple[int, ...], bytes]:
        if self._hooks is not None:
            for res in self._hooks.fire(Point.HVC, call=call, args=args, payload=payload):
                if res is not None:
                    args, payload = res
        if call == Call.CREATE_DOMAIN and self._hooks is not None:
            self._hooks.fire(Point.PRE_DOMAIN, thread=None)
        return args, payload

    def hvc(self, call: int, *args: int) -> tuple[int, int]:
        args, _ = self._filter(call, tuple(args), b"")
        return super().hvc(call, *args)

    def hvc_data(self, call: int, args: tuple[int, ...], payload: bytes = b""
                 ) -> tuple[int, int, bytes]:
        args, payload = self._filter(call, tuple(args), payload)
        return super().hvc_data(call, args, payload)


class _ObservedUserAccess(UserAccess):
    """copy_from_user that also tells the referee what the kernel obtained."""

    def __init__(self, *a: Any, sink: list[bytes]) -> None:
        super().__init__(*a)
        self._sink = sink

    def read(self, va: int, n: int) -> bytes:
        data = super().read(va, n)
        self._sink.append(data)
        return data

    def read_cstring(self, va: int, limit: int = 4096) -> bytes:
        data = super().read_cstring(va, limit)
        self._sink.append(data)
        return data


class HookedKernel(Kernel):
    """The kernel model with seams for an adversary; behaviour unchanged without callbacks."""

    def __init__(self, *args: Any, hooks: Hooks, referee: Referee,
                 marker_registers: Callable[[Thread], Sequence[int]] | None = None,
                 **kw: Any) -> None:
        # The seams and the referee are the harness's: private, so that no handle a
        # scenario holds leads to them.
        self._hooks = hooks
        self._referee = referee
        self._marker_registers = marker_registers
        self.exceptions_seen = 0
        super().__init__(*args, **kw)
        self.uaccess = _ObservedUserAccess(self.el1, lambda: self._current_mm(),
                                           self._uaccess_slot, sink=referee.copied_from_user)
        deliver = self.signals.deliver_pending

        def deliver_and_report(t: Thread) -> None:
            before = t.pending.mask | t.process.pending.mask
            deliver(t)
            after = t.pending.mask | t.process.pending.mask
            if before & ~after:
                gone = before & ~after
                self._referee.delivered.append((t.process.pid, (gone & -gone).bit_length()))
                self._hooks.fire(Point.SIGNAL_DELIVERED, thread=t)

        self.signals.deliver_pending = deliver_and_report  # type: ignore[method-assign]

    # --- seams -------------------------------------------------------------------
    def random_bytes(self, n: int) -> bytes:
        out = super().random_bytes(n)
        ref = self._referee
        if ref.started and n == SECRET_LEN and not ref.secret:
            ref.secret = out          # the getrandom() right after the START marker
        ref.random_draws.append(out)
        return out

    #: The referee's view of a trapping thread's x0-x5 and x8.  With the Guardian on,
    #: the kernel sees only what the call takes, so the (trusted) harness reads the
    #: Guardian's saved context instead; the adversary never gets this.

    def _syscall(self, t: Thread, info: ExceptionInfo) -> None:
        raw = self.el1.syscall_args()
        nr = int(raw[8]) & SVC_NR_MASK         # w8: el0_svc_common()'s int scno
        if t.process.confidential and self._marker_registers is not None:
            raw = self._marker_registers(t)
        if nr == NR_GETPPID and raw[0] == MARKER_MAGIC:
            phase, args = int(raw[1]), (int(raw[2]), int(raw[3]), int(raw[4]), int(raw[5]))
            self._referee.markers.append(Marker(phase, t.pid, t.tid, args))
            if phase == 0:
                self._referee.started = True
            self._hooks.fire(Point.MARKER, phase=phase, args=args, thread=t)
        self._hooks.fire(Point.SYSCALL_ENTRY, nr=nr, thread=t)
        super()._syscall(t, info)
        self._hooks.fire(Point.SYSCALL_EXIT, nr=nr, thread=t)

    def _el0_sync(self, cpu: object, info: ExceptionInfo) -> None:
        self.exceptions_seen += 1
        if self.exceptions_seen > MAX_EXCEPTIONS:
            raise Livelock(f"more than {MAX_EXCEPTIONS} exceptions")
        super()._el0_sync(cpu, info)
        t = self.current
        if t is not None and not t.process.confidential and t.state == ThreadState.RUNNABLE \
                and not self.el1.stop_requested:
            # Without a monitor the way back to EL0 is the kernel's own eret.
            self._hooks.fire(Point.BEFORE_RESUME, thread=t)
            self._hooks.fire(Point.AFTER_RESUME, thread=t)

    def _fault(self, t: Thread, info: ExceptionInfo) -> None:
        self._hooks.fire(Point.FAULT, info=info, thread=t)
        super()._fault(t, info)

    def _el0_irq(self, cpu: object, info: ExceptionInfo) -> None:
        super()._el0_irq(cpu, info)
        if self.current is not None:
            self._hooks.fire(Point.IRQ, info=info, thread=self.current)

    def _resume_confidential(self, t: Thread) -> bool:
        self._hooks.fire(Point.BEFORE_RESUME, thread=t)
        ok = super()._resume_confidential(t)
        if ok:
            self._hooks.fire(Point.AFTER_RESUME, thread=t)
        return ok

    def load_program(self, t: Thread, image: Any, guest_path: str, argv: list[bytes],
                     envp: list[bytes], interp: Any = None, execfn: bytes | None = None
                     ) -> None:
        for res in self._hooks.fire(Point.EXEC, image=image):
            if res is not None:
                image = res
        super().load_program(t, image, guest_path, argv, envp, interp, execfn)
        if not t.process.confidential:
            self._hooks.fire(Point.PRE_DOMAIN, thread=t)

    def exit_process(self, proc: Process, status: int) -> None:
        already = proc.exit_status is not None
        super().exit_process(proc, status)
        if not already:
            self._hooks.fire(Point.EXIT, process=proc)
