"""The kernels of a rack of compute blades.

Each compute blade runs its own kernel instance (`BladeNode`): its own DRAM with its own frame
allocator, its own page tables and ASIDs for every process it runs threads of, its own run queue
and the saved CPU state of its threads; no blade reaches another's.  A process's threads are
placed across the blades round-robin (or `fill`: as many threads as a blade has cores before the
next).  The process-wide state (areas, descriptor table, signal actions, futex queues keyed by
global virtual address, the thread list) is held by the kernel of the process's home blade, where
its first thread was placed: a thread elsewhere reaches it by messages on the rack's network
(`blade_rpc`: a forwarded call and its reply, a remote wake-up).

Each blade's threads run on its own core(s), each a Unicorn engine of its own; the cores take
turns in one host thread on one virtual clock (DESIGN.md section 5), and each blade's share of
that time is counted as its busy time.

Memory is remote: the 2 MiB chunk of a page is registered with the switch's control plane the
first time any blade touches it (an exceptional translation and a protection entry for the
process), a file-backed page's contents are pushed to its memory blade before its first fetch,
and a miss in a blade's DRAM is a fetch through the switch's directory.  All of it runs on the
rack's event loop, whose clock follows the machine's virtual clock.
"""

from __future__ import annotations

import errno
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from abi.layout import SVC_NR_MASK
from emulator import sysregs as S
from emulator.el1 import El1
from emulator.exceptions import ExceptionInfo
from emulator.machine_types import RackConfig
from emulator.rack import Rack, RackCosts, RackSpec, SplitConfig
from emulator.rack.costs import PAGE
from emulator.rack.packets import Kind, Packet
from kernel_model.blade_mm import BladePageStore, RackAddressSpace
from kernel_model.blade_node import KERNEL_MEMORY, BladeNode
from kernel_model.blade_rpc import BLADE_LOCAL_CALLS, CountingUserAccess, KernelMessages
from kernel_model.blade_sched import RackScheduler
from kernel_model.errors import KernelError
from kernel_model.kernel import KERNEL_VBAR, Kernel
from kernel_model.process import Thread
from kernel_model.vma import Vma

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace, MemoryContext

CHUNK = 2 << 20          # the unit the blades register with the control plane
HOME_BLADE = 0


class RackRuntime:
    """The rack as the blades' kernels see it: their DRAM, the network, placement."""

    def __init__(self, kernel: Kernel, config: RackConfig, blades: int, placement: str,
                 seed: int, split: SplitConfig | None = None, transitions=None,  # noqa: ANN001
                 cores: list[El1] | None = None) -> None:
        self.kernel = kernel
        self.clock = kernel.clock
        costs = RackCosts().with_overrides(config.costs)
        self.spec = RackSpec(compute_blades=config.compute_blades,
                             cores_per_blade=config.cores_per_blade, blade_dram=config.blade_dram,
                             memory_blades=config.memory_blades,
                             memory_blade_size=config.memory_blade_size, costs=costs, seed=seed)
        self.blades = blades
        self.placement = placement
        cores = cores or [kernel.el1]
        per = config.cores_per_blade
        self.nodes = [BladeNode(i, list({id(c): c for c in (cores[(i * per + s) % len(cores)]
                                                             for s in range(per))}.values()),
                                base, config.blade_dram)
                      for i, base in enumerate(self._carve_dram(kernel, config.blade_dram,
                                                                blades))]
        self._core_of: dict[int, El1] = {}
        self.stores = [BladePageStore(self, node) for node in self.nodes]
        self.rack = Rack(self.spec, blades=blades, stores=lambda i: self.stores[i],
                         split=split or SplitConfig(), transitions=transitions)
        for agent in self.rack.agents:
            agent.dirty_on_grant = True
        tracer = kernel.tracer
        if tracer.enabled:
            def packet(now: int, p: Packet, hop_from: str, hop_to: str) -> None:
                tracer.emit("rack_packet", addr=p.fva & ((1 << 48) - 1), device=hop_from,
                            to=hop_to, packet=p.kind.value, bytes=p.size, at_ns=now,
                            fva=p.fva, **{"class": p.packet_class.value})
            self.rack.observe(packet)
        self.current_blade = HOME_BLADE
        self.acting_blade: int | None = None    # whose kernel runs the code now (None: local)
        self.messages = KernelMessages(self)
        self.counters: Counter[str] = Counter()
        self._mms: dict[int, RackAddressSpace] = {}
        self._next_pid = 1
        self._chunks: set[tuple[int, int]] = set()
        self._file_pages: set[tuple[int, int]] = set()     # (pid, page) whose contents are pushed
        self._blade_of: dict[int, int] = {}
        self._placed_total = 0
        self._home: dict[int, int] = {}
        self._ns_to_cycles = kernel.clock.frequency_hz / 1e9

    @staticmethod
    def _carve_dram(kernel: Kernel, cache_bytes: int, blades: int) -> list[int]:
        """Each blade's DRAM: a contiguous range at the top of the machine's RAM, taken from
        the boot kernel's allocator for good (the blades' allocators own it from here on)."""
        size = cache_bytes + KERNEL_MEMORY
        top = kernel.boot_info.ram_base + kernel.boot_info.ram_size
        bases = [top - (i + 1) * size for i in range(blades)]
        for base in bases:
            if base < kernel.boot_info.ram_base or not all(
                    kernel.frames.take(pa) for pa in range(base, base + size, PAGE)):
                raise KernelError(errno.ENOMEM, f"{blades} blades of {size >> 20} MiB DRAM "
                                  "do not fit in the machine's RAM: give [memory] more")
        return bases

    # --- processes and threads --------------------------------------------------------------
    def register_mm(self, mm: RackAddressSpace) -> int:
        pid = self._next_pid
        self._next_pid = pid + 1 if pid < 0xFFFF else 1
        self._mms[pid] = mm
        return pid

    def mm_of(self, fva: int) -> RackAddressSpace | None:
        return self._mms.get(fva >> 48)

    def blade_of(self, t: Thread) -> int:
        blade = self._blade_of.get(t.tid)
        if blade is None:
            k = self._placed_total
            self._placed_total += 1
            cores = self.spec.cores_per_blade
            blade = (k if self.placement == "round-robin" else k // cores) % self.blades
            self._blade_of[t.tid] = blade
            self._home.setdefault(t.pid, blade)    # a process lives where it started
            self.counters[f"threads_on_blade{blade}"] += 1
            node = self.nodes[blade]
            self._core_of[t.tid] = node.cores[node.counters["threads_placed"] % len(node.cores)]
            node.counters["threads_placed"] += 1
        return blade

    def core_of(self, t: Thread) -> El1:
        """The core of its blade that runs `t`."""
        self.blade_of(t)
        return self._core_of[t.tid]

    def home_of(self, t: Thread) -> int:
        self.blade_of(t)
        return self._home.get(t.pid, HOME_BLADE)

    def areas_for_fault(self, mm: RackAddressSpace, blade: int) -> None:
        """Before `blade`'s fault handler trusts its copy of the process's areas: fetch them
        from the home if the home changed them since."""
        node = self.nodes[blade]
        if node.areas_seen.get(mm.rack_pid) == mm.vmas.version:
            return
        t = self.kernel.current
        if t is not None and t.process.mm is mm and self.home_of(t) != blade:
            self.messages.fetch_areas(blade, self.home_of(t), len(mm.vmas))
        node.areas_seen[mm.rack_pid] = mm.vmas.version

    # --- time -----------------------------------------------------------------------------------
    def _sync(self) -> int:
        now = self.clock.nanoseconds
        self.rack.loop.advance_to(now)
        return self.rack.loop.now

    def _charge(self, start_ns: int, end_ns: int) -> None:
        self.clock.spend("rack", int((end_ns - start_ns) * self._ns_to_cycles))

    def next_message_ns(self) -> int | None:
        """When the next event on the network is due, if anything is on its way."""
        loop = self.rack.loop
        return None if loop.idle else loop.next_time

    # --- memory ---------------------------------------------------------------------------------
    def back_page(self, mm: RackAddressSpace, vma: Vma, page: int) -> None:
        """Make sure the switch knows the page's chunk and its memory blade holds its first
        contents (file-backed pages) before any blade fetches it."""
        chunk = page & ~(CHUNK - 1)
        if (mm.rack_pid, chunk) not in self._chunks:
            self.rack.control.mmap(mm.rack_pid, CHUNK, fixed_va=chunk)
            self._chunks.add((mm.rack_pid, chunk))
            self.counters["chunks"] += 1
        key = (mm.rack_pid, page)
        if vma.backing is not None and page < vma.file_end and key not in self._file_pages:
            self._file_pages.add(key)
            content = vma.backing.read_page(vma.offset + page - vma.start)
            content = content[:vma.file_end - page].ljust(PAGE, b"\0")
            start = self._sync()
            agent = self.rack.agents[self.current_blade]
            agent.network.send(Packet(Kind.PUSH_OTHER, agent.name, "switch", mm.fva(page),
                                      requester=agent.name, data=content,
                                      size=self.spec.costs.page_wire_bytes), agent.name, "switch")
            self.rack.loop.run()
            self.counters["file_pages_pushed"] += 1
            self._charge(start, self.rack.loop.now)

    def fetch(self, blade: int, fva: int, write: bool) -> bool:
        """A miss on `blade`: fetch through the switch; the fault's time is charged."""
        start = self._sync()
        result: list[bool] = []
        self.rack.agents[blade].fetch(fva, write, result.append)
        self.rack.loop.run(until=lambda: bool(result))
        done = self.rack.loop.now
        self.rack.loop.run()            # invalidations and write-backs it set off settle
        self._charge(start, done)
        self.clock.spend("rack", int(self.spec.costs.fault_handler_ns * self._ns_to_cycles))
        self.counters["fetches_write" if write else "fetches_read"] += 1
        return result[0]

    def _blade_pages(self, blade: int, mm: RackAddressSpace, start: int, end: int) -> list[int]:
        base = mm.rack_pid << 48
        lo, hi = base + start, base + min(end, 1 << 48)
        return [f for f in list(self.rack.agents[blade].pages) if lo <= f < hi]

    def _running(self, mm: RackAddressSpace) -> list[int]:
        """The blades that run (or ran) threads of the process: those with tables for it."""
        return [n.index for n in self.nodes if n.has_tables(mm)]

    def evict_range(self, mm: RackAddressSpace, start: int, end: int) -> None:
        """Every blade gives the range's pages up, writing dirty ones back (mprotect)."""
        self._sync()

        def give_up(blade: int) -> None:
            agent = self.rack.agents[blade]
            for fva in self._blade_pages(blade, mm, start, end):
                agent.evict(fva, agent.pages[fva])

        self.messages.shootdown(self._running(mm), give_up)
        self.rack.loop.run()            # the write-backs reach the memory blades

    def _drop_everywhere(self, mm: RackAddressSpace, start: int, end: int) -> None:
        def give_up(blade: int) -> None:
            agent = self.rack.agents[blade]
            for fva in self._blade_pages(blade, mm, start, end):
                agent.store.drop(fva)
                del agent.pages[fva]

        self.messages.shootdown(self._running(mm), give_up)

    def copy_memory(self, parent: RackAddressSpace, child: RackAddressSpace) -> None:
        """fork: write every dirty page back, then copy the parent's pages on the memory
        blades into areas registered for the child."""
        self.evict_range(parent, 0, 1 << 48)
        switch, costs = self.rack.switch, self.spec.costs
        copied = 0
        for _pid, chunk in sorted(c for c in self._chunks if c[0] == parent.rack_pid):
            self.rack.control.mmap(child.rack_pid, CHUNK, fixed_va=chunk)
            self._chunks.add((child.rack_pid, chunk))
            for page in range(chunk, chunk + CHUNK, PAGE):
                vma = parent.vmas.find(page)
                if vma is not None and (vma.wipe_on_fork or vma.dont_fork):
                    continue        # the child's page starts zero (or is no memory of it)
                src_blade, src = switch.translate(parent.fva(page))
                dst_blade, dst = switch.translate(child.fva(page))
                src_mb = self.rack.memory_blades[int(src_blade[2:])]
                if src_mb.holds(src):
                    self.rack.memory_blades[int(dst_blade[2:])].write_page(
                        dst, src_mb.read_page(src))
                    copied += 1
        self._file_pages |= {(child.rack_pid, page) for pid, page in self._file_pages
                             if pid == parent.rack_pid}
        self.counters["fork_pages_copied"] += copied
        self.clock.spend("rack", int(copied * 2 * costs.memory_dma_ns * self._ns_to_cycles))

    def forget_range(self, mm: RackAddressSpace, start: int, end: int) -> None:
        """The range is unmapped: drop every blade's copy (no write-back), zero the memory."""
        self._drop_everywhere(mm, start, end)
        for key in [k for k in self._file_pages if k[0] == mm.rack_pid and start <= k[1] < end]:
            self._file_pages.discard(key)
        switch = self.rack.switch
        for page in range(start, end, PAGE):
            if (mm.rack_pid, page & ~(CHUNK - 1)) in self._chunks:
                blade, addr = switch.translate(mm.fva(page))
                self.rack.memory_blades[int(blade[2:])].meminit(addr, PAGE)

    def forget_mm(self, mm: RackAddressSpace) -> None:
        self._drop_everywhere(mm, 0, 1 << 48)
        self.rack.control.exit(mm.rack_pid)
        self._chunks = {c for c in self._chunks if c[0] != mm.rack_pid}
        self._file_pages = {c for c in self._file_pages if c[0] != mm.rack_pid}
        self._mms.pop(mm.rack_pid, None)

    def statistics(self) -> dict[str, int]:
        out = {f"rack.kernel.{k}": v for k, v in sorted(self.counters.items())}
        for node in self.nodes:
            out.update(node.statistics())
        out["rack.kernel.busiest_blade_cycles"] = max(n.counters["busy_cycles"] for n in self.nodes)
        out.update(self.rack.statistics())
        return out


class BladeKernel(Kernel):
    """The blades' kernels for one program run: a `BladeNode` per compute blade, the homes'
    process state, and the messages between them."""

    def __init__(self, *args, rack: RackConfig, blades: int, placement: str,  # noqa: ANN002
                 split: SplitConfig | None = None, transitions=None,  # noqa: ANN001
                 cores: list[El1] | None = None, **kwargs) -> None:  # noqa: ANN003
        super().__init__(*args, **kwargs)
        if self.boot_info.monitor:
            raise KernelError(errno.EINVAL, "the Guardian does not run on a rack")
        self.uaccess = CountingUserAccess(self.el1, lambda: self._current_mm(),
                                          self._uaccess_slot)
        for core in cores or ():
            if core is not self.el1:
                self._boot_core(core)
        self.rack_rt = RackRuntime(self, rack, blades, placement, self.seed, split, transitions,
                                   cores)
        rt = self.rack_rt
        self.sched = RackScheduler(rt.nodes, rt.blade_of, rt.messages.send_wake)

        def make(ctx: MemoryContext, asid: int) -> AddressSpace:
            return RackAddressSpace(ctx, asid, rt)

        self.mmctx.make_address_space = make

    def _boot_core(self, core: El1) -> None:
        """Bring a blade's core up as the boot core was: the kernel's half, the MMU on, the
        kernel's vectors, an empty user half."""
        core.msr(S.MAIR_EL1, S.MAIR_DEFAULT)
        core.msr(S.TCR_EL1, S.make_tcr())
        core.msr(S.TTBR1_EL1, self.kernel_ttbr1)
        core.msr(S.TTBR0_EL1, self.idle_ttbr0)
        core.msr(S.SCTLR_EL1, core.mrs(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
        core.msr(S.VBAR_EL1, KERNEL_VBAR)
        core.tlbi_all()
        core.enter_el0()

    def _account_busy(self, blade: int | None) -> None:
        """Modelled time not spent idle goes to the blade that ran (its threads' instructions,
        its faults and the calls it waited for): how busy each blade's core was."""
        clock = self.clock
        now = clock.cycles - clock.charged.get("idle", 0)
        last = getattr(self, "_busy", None)
        if last is not None:
            self.rack_rt.nodes[last[0]].counters["busy_cycles"] += now - last[1]
        self._busy = (blade, now) if blade is not None else None

    def _use_core(self, core: El1) -> None:
        """The kernel code that follows runs on `core` (its registers, TTBR0 and TLB)."""
        if core is not self.el1:
            self.el1 = core
            self.uaccess.el1 = core
            if self.tracer.enabled and self.current is not None:
                self.tracer.set_context(self.current.pid, self.current.tid, core.cpu_index)

    def switch_mm(self, mm: AddressSpace) -> None:
        if isinstance(mm, RackAddressSpace):
            rt = self.rack_rt
            t = self.current
            blade = rt.blade_of(t) if t is not None else HOME_BLADE
            if blade != rt.current_blade:
                rt.nodes[blade].counters["switched_in"] += 1
            rt.current_blade = blade
            self._account_busy(blade)
            self._use_core(rt.core_of(t) if t is not None else rt.nodes[blade].el1)
            self.el1.msr(S.TTBR0_EL1, mm.blade_ttbr0(blade))
        else:
            super().switch_mm(mm)

    def _syscall(self, t: Thread, info: ExceptionInfo) -> None:
        rt = self.rack_rt
        blade, home = rt.blade_of(t), rt.home_of(t)
        if blade == home or (self.el1.syscall_args()[8] & SVC_NR_MASK) in BLADE_LOCAL_CALLS:
            rt.acting_blade = blade
            try:
                super()._syscall(t, info)
            finally:
                rt.acting_blade = None
            return
        kept = replace(info)    # the core refills its record at its next exception
        rt.messages.forward(t, blade, home, lambda: Kernel._syscall(self, t, kept))

    def _fire_timers(self) -> None:
        self.rack_rt._sync()            # messages due by now arrive (wake-ups among them)
        super()._fire_timers()

    def _idle(self) -> bool:
        """Nothing runnable: a message on its way (a wake-up) is something to wait for."""
        rt = self.rack_rt
        due = rt.next_message_ns()
        if due is None:
            return super()._idle()
        deadlines = [d for d in (self.sched.next_deadline(), self.ktimers.next_deadline(),
                                 *(p.itimer_deadline for p in self._itimers.values()))
                     if d is not None]
        target = self.clock.cycles_for_ns(due)
        if deadlines and min(deadlines) < target:
            return super()._idle()
        if target > self.clock.cycles:
            self.clock.advance(target - self.clock.cycles)
        rt.rack.loop.advance_to(max(due, rt.rack.loop.now))
        super()._fire_timers()
        return True

    def run(self) -> int:
        try:
            return super().run()
        finally:
            self._account_busy(None)
            for key, value in self.rack_rt.statistics().items():
                self.stats.set(key, value)
