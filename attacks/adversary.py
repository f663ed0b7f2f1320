"""The adversary's handle: the kernel's powers, and nothing else.

A scenario's steps receive an `Adversary`.  Through it they reach what an
untrusted EL1 kernel really holds: its EL1 face of the CPU (loads and stores
through its translation regime, system registers, HVC, TLB maintenance, the
interrupted user registers), its own state (processes, page-table writer,
frame allocator), and a DMA-capable device.  Physical memory is not among
them.  Steps register callbacks at hook points; a refusal from the modelled
hardware or the Guardian (a translation fault, a trapped MSR, a refused HVC,
a denied DMA) ends that callback and is kept as evidence.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from abi import Call, Status
from attacks.dma import DmaDenied, DmaEngine
from attacks.hooks import Hooks, Point
from attacks.powers import KernelFace, KernelHandle
from attacks.workload import Layout, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import CoreOwnedByUser, CorePoweredOff, El1, El1Fault, SysregRefused
from emulator.fastuc import CTX_Q0, UserContext
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from kernel_model.mm import AddressSpace
from kernel_model.pagetable import PageTableRefused, PageTables, lm
from kernel_model.process import Process, Thread
from kernel_model.syscalls.proc import do_clone

PAGE = 4096
REFUSALS = (El1Fault, SysregRefused, CoreOwnedByUser, CorePoweredOff, KernelError,
            PageTableRefused, DmaDenied)
_REG = {**{f"x{i}": 199 + i for i in range(29)}, "x29": 1, "x30": 2, "sp": 4, "pc": 260,
        "nzcv": 3}
USER_RW = D.PagePerms(user=True, write=True, user_exec=False)
USER_RO = D.PagePerms(user=True, write=False, user_exec=False)


@dataclass(frozen=True)
class Entry:
    """One step of a table walk as the kernel reads it."""

    level: int
    table: int
    index: int
    desc: int


@dataclass
class Tally:
    """What the adversary did and obtained (the referee judges it)."""

    fired: int = 0
    observed: list[tuple[str, bytes]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hits: dict[str, set[int]] = field(default_factory=dict)   # for a scenario's oracle


class Adversary:
    """Registration of steps plus the helpers those steps use."""

    def __init__(self, hooks: Hooks, el1: El1, dma: DmaEngine,
                 cores: list[El1] | None = None) -> None:
        self._hooks = hooks
        self._el1 = el1                    # the real face, for the framework's own helpers
        self._face = KernelFace(el1)
        # The kernel's face of every core: the same powers on each (core 0's is `el1`).
        self._faces = tuple(self._face if c is el1 else KernelFace(c)
                            for c in (cores or [el1]))
        self._kernel: Kernel | None = None
        self._handle: KernelHandle | None = None
        self.dma = dma
        self.layout = Layout()
        self.phase = -1
        self.tally = Tally()
        self.memo: dict[str, Any] = {}     # state a scenario carries between its steps
        hooks.add(Point.MARKER, self._track)

    # --- the handles ---------------------------------------------------------------------
    def arm(self, kernel: Kernel) -> None:
        """The kernel exists: wrap it in the handle the steps see."""
        self._kernel = kernel
        self._handle = KernelHandle(kernel, self._face, extra={"clone": self._clone})

    @property
    def el1(self) -> KernelFace:
        """The kernel's EL1 face (attacks.powers.KernelFace)."""
        return self._face

    @property
    def cores(self) -> int:
        """How many cores the machine has (the kernel has a face on each)."""
        return len(self._faces)

    def el1_on(self, index: int) -> KernelFace:
        """The kernel's EL1 face of core `index` (the same powers as `el1`, on that core)."""
        if not 0 <= index < len(self._faces):
            raise IndexError(f"the machine has no core {index}")
        return self._faces[index]

    @property
    def core(self) -> int:
        """The core the kernel runs on now (where a hook's step runs)."""
        assert self._kernel is not None
        return self._kernel.el1.cpu_index

    @property
    def kernel(self) -> KernelHandle:
        """The kernel's own state and services (attacks.powers.KernelHandle)."""
        assert self._handle is not None, "the kernel does not exist yet"
        return self._handle

    def _clone(self, thread: Thread, flags: int, exit_signal: int = 17) -> int:
        """The kernel's fork path for `thread`, run whenever the kernel likes."""
        assert self._kernel is not None
        return do_clone(self._kernel, thread, flags, 0, 0, 0, 0, exit_signal)

    # --- bookkeeping ----------------------------------------------------------------
    def _track(self, phase: int, args: tuple[int, ...], thread: Thread) -> None:
        self.phase = phase
        self.layout.learn(phase, args)

    def observe(self, data: bytes, where: str) -> bytes:
        """Keep bytes the adversary obtained outside the confidential domain."""
        self.tally.observed.append((where, bytes(data)))
        return data

    def hit(self, key: str, value: int) -> None:
        """Keep a value the scenario's oracle judges (e.g. a user PC seen at an interrupt)."""
        self.tally.hits.setdefault(key, set()).add(value)

    def note(self, text: str) -> None:
        """Something the scenario saw that explains a failed attack (e.g. a scrubbed frame)."""
        self.tally.notes.append(text)

    def refused(self, text: str) -> None:
        self.tally.refusals.append(text)

    # --- registration -----------------------------------------------------------------
    def _call(self, fn: Callable[..., Any], kw: dict[str, Any]) -> Any:
        self.tally.fired += 1
        try:
            return fn(self, **kw)
        except REFUSALS as exc:
            self.refused(f"{type(exc).__name__}: {exc}")
            return None

    def on(self, point: Point, *, during: Phase | None = None, once: bool = True,
           init_only: bool = True, nr: int | None = None, phase: Phase | None = None
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Run `fn(adv, **point_args)` at a hook point.

        Filters: `during` (the last marker was that phase), `nr` (syscall
        points: only that syscall), `phase` (marker point: only that marker),
        `init_only` (only for the workload's first process), `once`.
        """
        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            done = [False]

            def run(**kw: Any) -> Any:
                if nr is not None and kw.get("nr") != nr:
                    return None
                if phase is not None and kw.get("phase") != phase:
                    return None
                if during is not None and self.phase != during:
                    return None
                t = kw.get("thread")
                proc = t.process if t is not None else kw.get("process")
                if init_only and proc is not None and proc is not self.init:
                    return None
                if once and done[0]:
                    return None
                done[0] = True
                return self._call(fn, kw)
            self._hooks.add(point, run)
            return fn
        return deco

    def at(self, phase: Phase, *, init_only: bool = True
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Run `fn(adv)` while the kernel serves the workload's marker `phase`."""
        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.on(Point.MARKER, phase=phase, init_only=init_only)(
                lambda adv, **_: fn(adv))
            return fn
        return deco

    # --- the kernel's view of things --------------------------------------------------
    @property
    def guarded(self) -> bool:
        """Whether an EL2 monitor answered at boot (a kernel can always probe for one)."""
        assert self._kernel is not None
        return bool(self._kernel.boot_info.monitor)

    @property
    def init(self) -> Process:
        assert self._kernel is not None and self._kernel.init is not None
        return self._kernel.init

    @property
    def mm(self) -> AddressSpace:
        return self.init.mm

    @property
    def thread(self) -> Thread:
        assert self._kernel is not None and self._kernel.current is not None
        return self._kernel.current

    # --- registers of the interrupted thread ------------------------------------------
    def reg(self, name: str) -> int:
        return self.el1.reg(_REG[name])

    def set_reg(self, name: str, value: int) -> None:
        self.el1.set_reg(_REG[name], value)

    def gprs(self) -> bytes:
        """x0-x30, SP, PC, NZCV, TPIDR as the CPU holds them now, little-endian words."""
        vals = list(self.el1.gprs())
        return struct.pack(f"<{len(vals)}Q", *vals)

    def vector_regs(self) -> bytes:
        """q0-q31 as the CPU holds them now (the kernel saves them on a context switch)."""
        ctx = UserContext()
        self.el1.save_context(ctx)
        return b"".join(ctx.get(CTX_Q0 + i).to_bytes(16, "little") for i in range(32))

    # --- memory through the kernel's own mappings --------------------------------------
    @staticmethod
    def lm(pa: int) -> int:
        return lm(pa)

    def read_lm(self, pa: int, n: int = PAGE) -> bytes:
        return self.el1.read(lm(pa), n)

    def write_lm(self, pa: int, data: bytes) -> None:
        self.el1.write(lm(pa), data)

    def walk(self, va: int, root: int | None = None) -> list[Entry]:
        """The kernel's own walk of a user address (tables read through the linear map)."""
        table = self.mm.tables.root if root is None else root
        out: list[Entry] = []
        for level in range(4):
            idx = D.level_index(va, level)
            desc = self.el1.read_u64(lm(table) + 8 * idx)
            out.append(Entry(level, table, idx, desc))
            if not desc & D.VALID or level == 3 or not desc & D.TABLE:
                break
            table = desc & D.ADDR_MASK
        return out

    def pa_of(self, va: int, root: int | None = None) -> int | None:
        """The frame behind a user address, from the page tables (None: not mapped)."""
        last = self.walk(va, root)[-1]
        if not last.desc & D.VALID:
            return None
        return D.output_address(last.desc, last.level) + (va & ((1 << D.LEVEL_SHIFT[last.level]) - 1))

    def new_tree(self) -> PageTables:
        """A fresh user address space of the kernel's own (a helper process's tables)."""
        assert self._kernel is not None
        return PageTables(self._el1, self._kernel.writer)

    def alloc_frame(self) -> int:
        assert self._kernel is not None
        return self._kernel.frames.alloc()

    def read_through(self, root: int, va: int, n: int) -> bytes:
        """Load through another TTBR0 (as the kernel does when it switches address spaces)."""
        old = self.el1.mrs(S.TTBR0_EL1)
        self.el1.msr(S.TTBR0_EL1, root)
        try:
            return self.el1.read(va, n)
        finally:
            self.el1.msr(S.TTBR0_EL1, old)

    def write_through(self, root: int, va: int, data: bytes) -> None:
        """Store through another TTBR0."""
        old = self.el1.mrs(S.TTBR0_EL1)
        self.el1.msr(S.TTBR0_EL1, root)
        try:
            self.el1.write(va, data)
        finally:
            self.el1.msr(S.TTBR0_EL1, old)

    # --- calls to the monitor -------------------------------------------------------------
    def hvc(self, call: Call, *args: int) -> tuple[int, int]:
        status, value = self.el1.hvc(call, *args)
        if status not in (Status.OK, Status.FAULT_IN):
            self.refused(f"HVC {call.name} refused: {Status(status).name}")
        return status, value

    def hvc_data(self, call: Call, args: tuple[int, ...], payload: bytes = b""
                 ) -> tuple[int, int, bytes]:
        status, value, data = self.el1.hvc_data(call, args, payload)
        if status not in (Status.OK, Status.FAULT_IN):
            self.refused(f"HVC {call.name} refused: {Status(status).name}")
        if data:
            self.observe(data, f"HVC {call.name}")
        return status, value, data
