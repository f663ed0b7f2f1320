"""Execution control for a debugger: breakpoints, watchpoints, stepping, positions.

Attached as `Cpu.debug`, it receives every run the kernel asks for and splits it
into counted sub-runs, so every instruction has a place on one timeline: a
`Position` (run number, instructions executed so far, phase).  A sub-run ending
early is a pure pause, so the machine at a position is the same whether the
debugger stopped there or not; only the kernel's own stops (phase 1: after the
run's last instruction, before the kernel resumes its loop) are distinct points.

- Breakpoints are code hooks bounded to one address each (Unicorn calls them only
  for that instruction), removed when the breakpoint goes.
- Watchpoints protect the physical page behind the watched address (found with
  the software walker, refreshed after every exception, as copy-on-write and
  demand paging move it); only an access to that page leaves the fast path.
- Stops are reported at instruction boundaries, before the stopped instruction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from unicorn import (
    UC_HOOK_CODE,
    UC_HOOK_MEM_READ_PROT,
    UC_HOOK_MEM_WRITE_PROT,
    UC_MEM_READ_PROT,
    UC_PROT_ALL,
    UC_PROT_EXEC,
    UC_PROT_READ,
    UC_PROT_WRITE,
)
from unicorn import arm64_const as A

from emulator.cpu import RunInterrupted
from emulator.gdbstub.target import DebugTarget

if TYPE_CHECKING:
    from emulator.cpu import Cpu

log = logging.getLogger(__name__)

Position = tuple[int, int, int]        # (run number, instructions executed, phase)
PAGE = 4096
CHUNK = 1_000_000                      # longest sub-run: bounds Ctrl-C latency
WATCH_WRITE, WATCH_READ, WATCH_ACCESS = 2, 3, 4


@dataclass
class StopReason:
    """Why the machine stopped for the debugger (becomes a T stop reply)."""

    kind: str       # trap, swbreak, hwbreak, watch, rwatch, awatch, interrupt, begin, signal
    address: int = 0               # the watched address for watchpoints
    signal: int = 5                # SIGTRAP, or SIGINT for an interrupt
    position: Position = (0, 0, 0)


class StopHandler(Protocol):
    """The stub side: serves the debugger while the machine is stopped."""

    def stopped(self, reason: StopReason) -> None: ...
    def poll_interrupt(self) -> bool: ...


class Detached(Exception):  # noqa: N818 - control flow
    """The debugger killed the program."""


@dataclass
class Watch:
    kind: int
    address: int
    length: int
    pages: dict[int, int] = field(default_factory=dict)   # physical page -> page offset of VA

    def covers(self, pa: int, size: int, pa_page: int) -> bool:
        """Does an access of `size` bytes at physical `pa` touch the watched range?"""
        va_base = self.pages.get(pa_page)
        if va_base is None:
            return False
        va = va_base + (pa - pa_page)
        return va < self.address + self.length and self.address < va + size


@dataclass
class RunRecord:
    """One run of the kernel's loop: which thread ran which instructions."""

    run: int
    tid: int | None
    start: int
    end: int


class ExecutionControl:
    """Splits the kernel's runs for a debugger (installed as `cpu.debug`)."""

    def __init__(self, cpu: Cpu, target: DebugTarget) -> None:
        self.cpu = cpu
        self.target = target
        self.handler: StopHandler | None = None
        self.run_number = 0
        self.icount = 0
        self.position: Position = (0, 0, 0)
        self.breakpoints: dict[int, int] = {}          # VA -> hook handle
        self.watches: dict[tuple[int, int, int], Watch] = {}
        self._protected: dict[int, int] = {}           # physical page -> permissions
        self._mem_hooks: list[int] = []
        self.step_tid: int | None = None
        self.stop_next = False                         # stop at the next boundary (gdb-wait, ^C)
        self.ignore_position: Position | None = None   # resuming from a stop here
        self.goal: Position | None = None              # replay: stop exactly here
        self.goal_reason: StopReason | None = None
        self.scan_until: Position | None = None        # replay: record hits up to here
        self.scan_hits: list[StopReason] = []
        self.on_scan_done: Callable[[], None] | None = None
        self.on_point: Callable[[Position], None] | None = None   # checkpoints
        self.run_log: list[RunRecord] = []
        self.history_next: int | None = None          # instruction count of the next checkpoint
        self._stepped: tuple[int, bool] = (0, False)
        self._pending: StopReason | None = None
        self._mem_event: tuple[Watch | None, int] | None = None
        self._step_done = False
        self._tid: int | None = None
        self._poll_at = 0

    # --- breakpoints ----------------------------------------------------------------
    def add_breakpoint(self, va: int) -> None:
        if va in self.breakpoints:
            return
        self.breakpoints[va] = self.cpu.uc.hook_add(UC_HOOK_CODE, self._on_breakpoint,
                                                    begin=va, end=va)
        # Code already translated does not call a hook added later.
        self.cpu.uc.ctl_flush_tb()

    def remove_breakpoint(self, va: int) -> None:
        handle = self.breakpoints.pop(va, None)
        if handle is not None:
            self.cpu.uc.hook_del(handle)
            self.cpu.uc.ctl_flush_tb()

    def _on_breakpoint(self, _uc: object, address: int, _size: int, _user: object) -> None:
        if self._tid is None:
            return          # another process (a forked child runs free)
        pos = (self.run_number, self.icount + self.cpu.executed_so_far(), 0)
        if pos == self.ignore_position:
            return
        reason = StopReason("swbreak", position=pos)
        if self.scan_until is not None:
            if pos < self.scan_until:
                self.scan_hits.append(reason)
            return
        if self.goal is not None:
            return          # replaying to a known point: the past's hits are not stops
        self._pending = reason
        self.cpu.fast.stop()

    # --- watchpoints ------------------------------------------------------------------
    def add_watch(self, kind: int, va: int, length: int) -> None:
        key = (kind, va, length)
        if key in self.watches:
            return
        if not self._mem_hooks:
            uc = self.cpu.uc
            self._mem_hooks = [uc.hook_add(UC_HOOK_MEM_WRITE_PROT, self._on_protected),
                               uc.hook_add(UC_HOOK_MEM_READ_PROT, self._on_protected)]
            self.cpu.fast.add_intr_hook(self._after_exception)
        self.watches[key] = Watch(kind, va, max(1, length))
        self.refresh_watches()

    def remove_watch(self, kind: int, va: int, length: int) -> None:
        if self.watches.pop((kind, va, length), None) is not None:
            self.refresh_watches()

    def _after_exception(self, _intno: int) -> None:
        # Runs after the kernel's handler: a fault may have moved a watched page.
        if self.watches:
            self.refresh_watches()

    def refresh_watches(self) -> None:
        """Protect the pages behind every watched range in the debugged address space."""
        wanted: dict[int, int] = {}
        tid = self._tid if self._tid is not None else self._any_tid()
        for w in self.watches.values():
            w.pages = {}
            if tid is None:
                continue
            va = w.address & ~(PAGE - 1)
            while va < w.address + w.length:
                pa = self.target.translate(tid, va)
                if pa is not None:
                    page = pa & ~(PAGE - 1)
                    w.pages[page] = va
                    # A read watch denies writes too: a write fills the core's TLB entry
                    # with read access as well, and later reads would pass unseen.
                    deny = (UC_PROT_WRITE if w.kind == WATCH_WRITE
                            else UC_PROT_READ | UC_PROT_WRITE)
                    wanted[page] = wanted.get(page, UC_PROT_ALL) & ~deny
                va += PAGE
        self._apply_protection(wanted)

    def _apply_protection(self, wanted: dict[int, int]) -> None:
        uc = self.cpu.uc
        changed = False
        for page in list(self._protected):
            if page not in wanted:
                uc.mem_protect(page, PAGE, UC_PROT_ALL)
                del self._protected[page]
                changed = True
        for page, perms in wanted.items():
            if self._protected.get(page) != perms:
                uc.mem_protect(page, PAGE, perms | UC_PROT_EXEC)
                self._protected[page] = perms
                changed = True
        if changed:
            # A cached translation keeps the access rights it was filled with.
            self.cpu.flush_tlb()
            # A refused store ends the run through the exit check that follows it, which
            # code translated for uncounted runs lacks (emulator.exit_checks): the
            # debugger's runs are counted, so translate again under them.
            self.cpu.uc.ctl_flush_tb()

    def _any_tid(self) -> int | None:
        tids = self.target.thread_ids()
        return tids[0] if tids else None

    def _on_protected(self, _uc: object, access: int, pa: int, size: int, _value: int,
                      _user: object) -> bool:
        page = pa & ~(PAGE - 1)
        hit: Watch | None = None
        if self._tid is not None:
            for w in self.watches.values():
                reads = access == UC_MEM_READ_PROT
                if (reads and w.kind == WATCH_WRITE) or (not reads and w.kind == WATCH_READ):
                    continue
                if w.covers(pa, size, page):
                    hit = w
                    break
        self._mem_event = (hit, page)
        self.cpu.interrupt_run()
        return False

    def _step_over_protected(self, pc: int) -> tuple[int, bool]:
        """Run the one instruction that touched a protected page with protection lifted."""
        saved = dict(self._protected)
        self._apply_protection({})
        try:
            return self.cpu.run_raw(pc, 1)
        finally:
            self._apply_protection(saved)

    # --- the run ----------------------------------------------------------------------
    def current_position(self) -> Position:
        """The position now, also from inside a hook of the running sub-run."""
        return (self.run_number, self.icount + self.cpu.executed_so_far(), 0)

    def run(self, pc: int, count: int) -> tuple[int, bool]:
        self.run_number += 1
        tid = self._tid = self.target.current_tid()
        record = RunRecord(self.run_number, tid, self.icount, self.icount)
        self.run_log.append(record)
        remaining: int | None = count if count else None
        total = 0
        try:
            while True:
                self._point((self.run_number, self.icount, 0))
                if remaining == 0:
                    return total, False
                limit = CHUNK if remaining is None else min(remaining, CHUNK)
                if self.step_tid is not None and tid == self.step_tid:
                    limit = 1
                for target in (self.goal, self.scan_until):
                    if target is not None and target[0] == self.run_number:
                        limit = max(1, min(limit, target[1] - self.icount))
                if self.history_next is not None:
                    limit = max(1, min(limit, self.history_next - self.icount))
                self._mem_event = None
                try:
                    executed, stopped = self.cpu.run_raw(pc, limit)
                except RunInterrupted as stop:
                    executed, stopped = stop.executed, False
                self.icount += executed
                total += executed
                if remaining is not None:
                    remaining -= executed
                if executed and self.step_tid is not None and tid == self.step_tid:
                    self._step_done = True
                if stopped:
                    record.end = self.icount
                    self._point((self.run_number, self.icount, 1))
                    return total, True
                pc = self.cpu.fast.read(A.UC_ARM64_REG_PC)
                if self._mem_event is not None:
                    pc = self._handle_watch_event(pc)
                    if self._mem_event is not None:   # stepped over: account for it
                        executed, stopped = self._stepped
                        self.icount += executed
                        total += executed
                        if remaining is not None:
                            remaining -= executed
                        if executed and self.step_tid is not None and tid == self.step_tid:
                            self._step_done = True
                        if stopped:
                            record.end = self.icount
                            self._point((self.run_number, self.icount, 1))
                            return total, True
                        pc = self.cpu.fast.read(A.UC_ARM64_REG_PC)
                record.end = self.icount
        finally:
            record.end = self.icount

    def _handle_watch_event(self, pc: int) -> int:
        assert self._mem_event is not None
        hit, _page = self._mem_event
        pos = (self.run_number, self.icount, 0)
        if hit is not None and pos != self.ignore_position:
            kind = {WATCH_WRITE: "watch", WATCH_READ: "rwatch", WATCH_ACCESS: "awatch"}[hit.kind]
            reason = StopReason(kind, address=hit.address, position=pos)
            if self.scan_until is not None:
                if pos < self.scan_until:
                    self.scan_hits.append(reason)
            elif self.goal is None:
                self._pending = reason
                self._mem_event = None
                return pc
        self._stepped = self._step_over_protected(pc)
        return pc

    # --- stop points --------------------------------------------------------------------
    def _point(self, pos: Position) -> None:
        """An instruction boundary: take a checkpoint, reach a goal, report a stop."""
        self.position = pos
        if self.on_point is not None:
            self.on_point(pos)
        reason: StopReason | None = None
        if self.scan_until is not None:
            if pos >= self.scan_until and self.on_scan_done is not None:
                self.on_scan_done()          # does not return in this process
            return
        if self.goal is not None:
            if pos < self.goal:
                return
            if pos != self.goal:
                # Never expected (every goal is a boundary replay reaches); stop rather
                # than run on past it.
                log.warning("replay passed its goal %s at %s", self.goal, pos)
            reason = self.goal_reason or StopReason("trap")
            self.goal = None
            self.goal_reason = None
        elif self._pending is not None and self._pending.position == pos:
            reason = self._pending
        elif self._step_done:
            reason = StopReason("trap")
        elif self.stop_next:
            reason = StopReason("interrupt", signal=2)
        elif self.handler is not None and self.icount >= self._poll_at:
            self._poll_at = self.icount + CHUNK
            if self.handler.poll_interrupt():
                reason = StopReason("interrupt", signal=2)
        if reason is None or self.handler is None:
            return
        reason.position = pos
        self._pending = None
        self._step_done = False
        self.stop_next = False
        self.step_tid = None
        self.handler.stopped(reason)     # serves gdb until it resumes
        self.ignore_position = pos
        if self.watches:
            self.refresh_watches()

    def clear_pending(self) -> None:
        self._pending = None
        self._step_done = False

    def stop_for_signal(self, signal: int) -> None:
        """A fault is about to raise `signal` in a debugged thread: stop at the faulting
        instruction, before the kernel delivers it (called from the exception handler)."""
        if self.handler is None or self.goal is not None or self.scan_until is not None:
            return
        pos = self.current_position()
        self.position = pos
        self._pending = None
        self._step_done = False
        self.step_tid = None
        self.handler.stopped(StopReason("signal", signal=signal, position=pos))

    # --- history -------------------------------------------------------------------------
    def previous_instruction(self, tid: int, pos: Position) -> Position | None:
        """Where thread `tid` was one instruction before `pos` (None: at the start)."""
        run, icount, _phase = pos
        for rec in reversed(self.run_log):
            if rec.run > run or rec.tid != tid:
                continue
            last = icount if rec.run == run else rec.end
            if last > rec.start:
                return (rec.run, last - 1, 0)
        return None

    def state(self) -> dict[str, object]:
        """What a process resumed from a checkpoint must adopt from this one."""
        return {"breakpoints": sorted(self.breakpoints),
                "watches": [list(k) for k in self.watches]}

    def adopt(self, state: dict[str, object]) -> None:
        want = set(state["breakpoints"])  # type: ignore[call-overload]
        for va in list(self.breakpoints):
            if va not in want:
                self.remove_breakpoint(va)
        for va in want:
            self.add_breakpoint(va)
        watches = {tuple(k) for k in state["watches"]}  # type: ignore[union-attr]
        for key in list(self.watches):
            if key not in watches:
                self.remove_watch(*key)
        for kind, va, length in watches:
            self.add_watch(kind, va, length)

    def detach(self) -> None:
        """Remove every breakpoint and watchpoint; the program runs on untouched."""
        for va in list(self.breakpoints):
            self.remove_breakpoint(va)
        self.watches.clear()
        self._apply_protection({})
        self.handler = None
        self.step_tid = None
        self.stop_next = False
