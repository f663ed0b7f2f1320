"""The debugger's view of one run: a `DebugTarget` over the kernel model, the machine
and (when installed) the Guardian.

Memory is read the way the core's current exception level would see it: user
code stopped at EL0 sees its own address space (pages not yet faulted in read as
the fault would fill them, without faulting them in, so looking never changes
the run).  With the kernel view the adapter reads what the untrusted kernel could
reach: a user page through the kernel's linear map, which the Guardian leaves
without a confidential process's frames.  Registers are always the core's (the
debugger controls execution from above every EL).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.fastuc import CTX_SP, UserContext
from emulator.mmu import Access, Regime, TranslationFault, Walker
from kernel_model.pagetable import LINEAR_BASE
from kernel_model.process import Thread, ThreadState

if TYPE_CHECKING:
    from emulator.machine import Machine
    from kernel_model.kernel import Kernel
    from kernel_model.process import Process

PAGE = 4096
_AT_NULL = 0


class KernelDebugTarget:
    """One debugged process (the first program; forked children run free)."""

    def __init__(self, machine: Machine, kernel: Kernel, exec_path: str,
                 view: str = "el") -> None:
        self.machine = machine
        self.kernel = kernel
        self.cpu = machine.cpus[0]
        self.el1 = kernel.el1
        assert kernel.init is not None
        self.process: Process = kernel.init
        self.pid = self.process.pid
        self.view = view
        # A walker of its own: the debugger's looking must not show in the machine's counters.
        self.walker = Walker(machine.ram)
        self._exec_path = exec_path
        self._auxv = self._read_auxv()
        self.on_fault_signal: Callable[[int], None] | None = None
        self._force = kernel.signals.force
        kernel.signals.force = self._forced    # type: ignore[method-assign]

    def _forced(self, t: Thread, signo: int, info: bytes, fault_address: int = 0,
                esr: int = 0) -> None:
        """A synchronous fault signal: the debugger sees it before the kernel acts."""
        if (self.on_fault_signal is not None and t.process is self.process
                and signo != 9 and self._thread(t.tid) is not None):
            self.on_fault_signal(signo)
        self._force(t, signo, info, fault_address, esr)

    # --- threads ---------------------------------------------------------------------
    def _thread(self, tid: int) -> Thread | None:
        t = self.kernel.threads.get(tid)
        if t is None or t.process is not self.process:
            return None
        if t.state in (ThreadState.ZOMBIE, ThreadState.DEAD):
            return None
        return t

    def current_tid(self) -> int | None:
        t = self.kernel.current
        if t is None or t.process is not self.process or self._thread(t.tid) is None:
            return None
        return t.tid

    def thread_ids(self) -> list[int]:
        return [t.tid for t in self.process.threads
                if t.state not in (ThreadState.ZOMBIE, ThreadState.DEAD)]

    def thread_name(self, tid: int) -> str:
        t = self._thread(tid)
        if t is None:
            return "exited"
        return f"{self.process.exe} {t.state.value}"

    def exited(self) -> int | None:
        return self.process.exit_status

    # --- registers ---------------------------------------------------------------------
    def read_registers(self, tid: int) -> UserContext:
        t = self._thread(tid)
        if t is None:
            raise LookupError(f"no thread {tid}")
        assert t.context is not None
        if tid == self.current_tid():
            # The debugger sits above EL1: it reads the core even while the Guardian has
            # handed it to a confidential thread.
            return self.cpu.save_context(UserContext())
        return t.context.copy()

    def write_registers(self, tid: int, ctx: UserContext) -> None:
        t = self._thread(tid)
        if t is None:
            raise LookupError(f"no thread {tid}")
        if tid == self.current_tid():
            self.cpu.restore_context(ctx)
        else:
            assert t.context is not None
            t.context = ctx.copy()

    def system_registers(self) -> dict[str, int]:
        cpu = self.cpu
        monitor = self.machine.monitor
        return {"el": cpu.el, "vbar_el1": cpu.vbar, "ttbr0_el1": cpu.ttbr0,
                "ttbr1_el1": cpu.ttbr1, "tcr_el1": cpu.tcr,
                "guardian": 1 if monitor is not None else 0,
                "confidential": 1 if self.process.confidential else 0,
                "guardian_decisions": len(getattr(monitor, "decisions", ()))}

    # --- memory ------------------------------------------------------------------------
    def _regime(self) -> Regime:
        cpu = self.cpu
        return Regime(ttbr0=self.process.mm.ttbr0, ttbr1=cpu.ttbr1, tcr=cpu.tcr,
                      sctlr=cpu.sctlr)

    def translate(self, tid: int, va: int) -> int | None:
        del tid
        res = self.walker.translate(self._regime(), va, Access.READ, 0)
        return None if isinstance(res, TranslationFault) else res.pa

    def _page_bytes(self, va: int, el: int) -> bytes | None:
        """The page holding `va` as the selected view sees it."""
        page = va & ~(PAGE - 1)
        ram = self.machine.ram
        res = self.walker.translate(self._regime(), page, Access.READ, el)
        if isinstance(res, TranslationFault):
            return self._unpopulated(page)
        pa = res.pa & ~(PAGE - 1)
        if self.view == "kernel" and page < LINEAR_BASE:
            # The kernel reaches user memory only through its linear map.
            kernel = Regime(ttbr0=0, ttbr1=self.kernel.kernel_ttbr1, tcr=self.cpu.tcr,
                            sctlr=self.cpu.sctlr)
            via = self.walker.translate(kernel, LINEAR_BASE | pa, Access.READ, 1)
            if isinstance(via, TranslationFault):
                return None
            pa = via.pa & ~(PAGE - 1)
        if not ram.contains(pa, PAGE):
            return None
        return ram.read(pa, PAGE)

    def _unpopulated(self, page: int) -> bytes | None:
        """What a page not yet faulted in would hold (its backing, or zeros)."""
        mm = self.process.mm
        vma = mm.vmas.find(page)
        if vma is None or self.view == "kernel" and self.process.confidential:
            return None
        desc = mm.tables.lookup(page)
        if desc:
            return None          # swapped out or otherwise present: not ours to guess
        if vma.backing is None or (vma.file_end and page >= vma.file_end):
            return bytes(PAGE)
        data = vma.backing.read_page(vma.offset + (page - vma.start))
        if vma.file_end and page + PAGE > vma.file_end:
            data = data[:vma.file_end - page]
        return data.ljust(PAGE, b"\0")

    def read_memory(self, tid: int, va: int, length: int) -> bytes | None:
        del tid
        el = self.cpu.el if self.view == "el" else 1
        out = bytearray()
        while length > 0:
            chunk = min(length, PAGE - (va & (PAGE - 1)))
            page = self._page_bytes(va, el)
            if page is None:
                break
            off = va & (PAGE - 1)
            out += page[off:off + chunk]
            va += chunk
            length -= chunk
        return bytes(out) if out else None

    def write_memory(self, tid: int, va: int, data: bytes) -> bool:
        """A debugger's write (like ptrace's): allowed on mapped pages, read-only or not."""
        del tid
        if self.view == "kernel" and self.process.confidential:
            return False
        pos = 0
        walker = self.walker
        while pos < len(data):
            cur = va + pos
            chunk = min(len(data) - pos, PAGE - (cur & (PAGE - 1)))
            res = walker.translate(self._regime(), cur, Access.READ, 1)
            if isinstance(res, TranslationFault):
                return False
            self.machine.ram.write(res.pa, data[pos:pos + chunk])
            pos += chunk
        # Code the guest already ran from these bytes must be translated again.
        self.cpu.uc.ctl_flush_tb()
        return True

    # --- process facts -----------------------------------------------------------------
    def _read_auxv(self) -> bytes:
        t = self.process.threads[0]
        assert t.context is not None
        sp = t.context.get(CTX_SP)
        if not sp:
            return b""           # a confidential process: the stack pointer is the Guardian's
        data = self.read_memory(t.tid, sp, PAGE) or b""
        try:
            argc = struct.unpack_from("<Q", data, 0)[0]
            i = 1 + argc + 1
            while struct.unpack_from("<Q", data, 8 * i)[0]:
                i += 1
            i += 1
            start = i
            while struct.unpack_from("<Q", data, 8 * i)[0] != _AT_NULL:
                i += 2
            return data[8 * start:8 * (i + 2)]
        except struct.error:
            return b""

    def auxv(self) -> bytes:
        return self._auxv

    def exec_file(self) -> str:
        return self._exec_path

    def monitor(self, command: str) -> str | None:
        words = command.split()
        if words == ["el"]:
            cpu = self.cpu
            where = "user code" if cpu.el == 0 else "the kernel"
            view = ("the kernel's view (linear map)" if self.view == "kernel"
                    else f"EL{cpu.el}'s view")
            guardian = self.machine.monitor
            return (f"EL{cpu.el} ({where}); memory shown as {view}; Guardian "
                    f"{'at EL2' if guardian is not None else 'not installed'}; "
                    f"VBAR_EL1={cpu.vbar:#x}\n")
        if words[:2] == ["guardian", "decisions"]:
            monitor = self.machine.monitor
            if monitor is None:
                return "no Guardian in this run (use --guardian on)\n"
            decisions = getattr(monitor, "decisions", [])
            n = int(words[2]) if len(words) > 2 and words[2].isdigit() else 20
            lines = [f"{len(decisions)} refusals so far"]
            for d in decisions[-n:]:
                lines.append(f"  {d.call}: {d.status.name} - {d.reason}")
            return "\n".join(lines) + "\n"
        return None
