"""The kernel on a rack of compute blades.

Each compute blade has its own DRAM (a fixed set of frames) and its own page tables for every
process it runs threads of; a process's threads are placed across the blades.  The process-wide
state (areas, descriptor table, signal actions, futex queues keyed by virtual address, the
thread list) stays at the process's home blade, where its first thread was placed: a system
call from a thread on another blade pays a message to the home blade and back on the rack's
network.  Threads, and new processes, are placed round-robin over the blades (or `fill`: as many
threads as a blade has cores before the next).

Memory is remote: the 2 MiB chunk of a page is registered with the switch's control plane the
first time any blade touches it (an exceptional translation and a protection entry for the
process), a file-backed page's contents are pushed to its memory blade before its first fetch,
and a miss in a blade's DRAM is a fetch through the switch's directory.  All of it runs on the
rack's event loop, whose clock follows the machine's virtual clock.
"""

from __future__ import annotations

import errno
from collections import Counter
from typing import TYPE_CHECKING

from emulator import sysregs as S
from emulator.exceptions import ExceptionInfo
from emulator.machine_types import RackConfig
from emulator.rack import Rack, RackCosts, RackSpec, SplitConfig
from emulator.rack.costs import PAGE
from emulator.rack.packets import Kind, Packet
from kernel_model.blade_mm import BladePageStore, RackAddressSpace
from kernel_model.errors import KernelError
from kernel_model.gcs_calls import BLADE_LOCAL_SYSCALLS  # (also registers the GCS lock calls)
from kernel_model.kernel import Kernel
from kernel_model.process import Thread
from kernel_model.vma import Vma

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace, MemoryContext

CHUNK = 2 << 20          # the unit the blades register with the control plane
HOME_BLADE = 0


class RackRuntime:
    """The rack as the blades' kernels see it: their DRAM, the network, placement."""

    def __init__(self, kernel: Kernel, config: RackConfig, blades: int, placement: str,
                 seed: int, split: SplitConfig | None = None, transitions=None) -> None:  # noqa: ANN001
        self.kernel = kernel
        self.el1 = kernel.el1
        self.clock = kernel.clock
        costs = RackCosts().with_overrides(config.costs)
        self.spec = RackSpec(compute_blades=config.compute_blades,
                             cores_per_blade=config.cores_per_blade, blade_dram=config.blade_dram,
                             memory_blades=config.memory_blades,
                             memory_blade_size=config.memory_blade_size, costs=costs, seed=seed)
        self.blades = blades
        self.placement = placement
        self.pools: list[list[int]] = []
        for _ in range(blades):
            frames = [kernel.frames.alloc() for _ in range(config.blade_dram // PAGE)]
            self.pools.append(frames[::-1])
        self.stores = [BladePageStore(self, i, self.pools[i]) for i in range(blades)]
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
        self.counters: Counter[str] = Counter()
        self._mms: dict[int, RackAddressSpace] = {}
        self._next_pid = 1
        self._chunks: set[tuple[int, int]] = set()
        self._file_pages: set[tuple[int, int]] = set()     # (pid, page) whose contents are pushed
        self._blade_of: dict[int, int] = {}
        self._placed_total = 0
        self._home: dict[int, int] = {}
        self._ns_to_cycles = kernel.clock.frequency_hz / 1e9

    # --- processes and threads --------------------------------------------------------------
    def register_mm(self, mm: RackAddressSpace) -> int:
        pid = self._next_pid
        self._next_pid = pid + 1 if pid < 0xFFFF else 1
        self._mms[pid] = mm
        return pid

    def mm_of(self, fva: int) -> RackAddressSpace | None:
        return self._mms.get(fva >> 48)

    def alloc_asid(self) -> int:
        return self.kernel.alloc_asid()

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
        return blade

    def home_of(self, t: Thread) -> int:
        self.blade_of(t)
        return self._home.get(t.pid, HOME_BLADE)

    # --- time -----------------------------------------------------------------------------------
    def _sync(self) -> int:
        now = self.clock.nanoseconds
        self.rack.loop.advance_to(now)
        return self.rack.loop.now

    def _charge(self, start_ns: int, end_ns: int) -> None:
        self.clock.spend("rack", int((end_ns - start_ns) * self._ns_to_cycles))

    def charge_remote_syscall(self) -> None:
        """A system call from a blade other than the home: request and reply messages."""
        costs = self.spec.costs
        one_way = (2 * (costs.serialization_ns(costs.header_bytes) + costs.link_propagation_ns)
                   + costs.switch_pass_ns + costs.nic_ns)
        self.counters["remote_syscalls"] += 1
        self.clock.spend("rack", int(2 * one_way * self._ns_to_cycles))

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

    def _pages_in(self, mm: RackAddressSpace, start: int, end: int) -> list[tuple[int, int]]:
        base = mm.rack_pid << 48
        lo, hi = base + start, base + min(end, 1 << 48)
        return [(i, f) for i, agent in enumerate(self.rack.agents)
                for f in list(agent.pages) if lo <= f < hi]

    def evict_range(self, mm: RackAddressSpace, start: int, end: int) -> None:
        """Give pages up everywhere, writing dirty ones back (mprotect)."""
        self._sync()
        for i, fva in self._pages_in(mm, start, end):
            agent = self.rack.agents[i]
            agent.evict(fva, agent.pages[fva])
        self.rack.loop.run()

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
        for i, fva in self._pages_in(mm, start, end):
            agent = self.rack.agents[i]
            agent.store.drop(fva)
            del agent.pages[fva]
        for key in [k for k in self._file_pages if k[0] == mm.rack_pid and start <= k[1] < end]:
            self._file_pages.discard(key)
        switch = self.rack.switch
        for page in range(start, end, PAGE):
            if (mm.rack_pid, page & ~(CHUNK - 1)) in self._chunks:
                blade, addr = switch.translate(mm.fva(page))
                self.rack.memory_blades[int(blade[2:])].meminit(addr, PAGE)

    def forget_mm(self, mm: RackAddressSpace) -> None:
        for i, fva in self._pages_in(mm, 0, 1 << 48):
            agent = self.rack.agents[i]
            agent.store.drop(fva)
            del agent.pages[fva]
        self.rack.control.exit(mm.rack_pid)
        self._chunks = {c for c in self._chunks if c[0] != mm.rack_pid}
        self._file_pages = {c for c in self._file_pages if c[0] != mm.rack_pid}
        self._mms.pop(mm.rack_pid, None)

    def statistics(self) -> dict[str, int]:
        out = {f"rack.kernel.{k}": v for k, v in sorted(self.counters.items())}
        out.update(self.rack.statistics())
        return out


class BladeKernel(Kernel):
    """The kernel model with a process's threads spread over a rack's compute blades."""

    def __init__(self, *args, rack: RackConfig, blades: int, placement: str,  # noqa: ANN002
                 split: SplitConfig | None = None, transitions=None, **kwargs) -> None:  # noqa: ANN001, ANN003
        super().__init__(*args, **kwargs)
        if self.boot_info.monitor:
            raise KernelError(errno.EINVAL, "the Guardian does not run on a rack")
        self.rack_rt = RackRuntime(self, rack, blades, placement, self.seed, split, transitions)
        rt = self.rack_rt

        def make(ctx: MemoryContext, asid: int) -> AddressSpace:
            return RackAddressSpace(ctx, asid, rt)

        self.mmctx.make_address_space = make

    def switch_mm(self, mm: AddressSpace) -> None:
        if isinstance(mm, RackAddressSpace):
            rt = self.rack_rt
            blade = rt.blade_of(self.current) if self.current is not None else HOME_BLADE
            rt.current_blade = blade
            self.el1.msr(S.TTBR0_EL1, mm.blade_ttbr0(blade))
        else:
            super().switch_mm(mm)

    def _syscall(self, t: Thread, info: ExceptionInfo) -> None:
        if self.rack_rt.blade_of(t) != self.rack_rt.home_of(t) and \
                self.el1.syscall_args()[8] not in BLADE_LOCAL_SYSCALLS:
            self.rack_rt.charge_remote_syscall()
        super()._syscall(t, info)

    def run(self) -> int:
        try:
            return super().run()
        finally:
            for key, value in self.rack_rt.statistics().items():
                self.stats.set(key, value)

