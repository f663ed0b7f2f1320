"""What the Guardian's components share: the machine's powers, the frame table,
the linear map, private entropy, the DMA filter, and the record of decisions.

Each component (page tables, domains, secure memory management) receives this
object, never the Guardian itself.  Refusals are recorded here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import FrameKind, Status
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator.el1 import hand_over
from emulator.machine import Machine
from guardian import checks
from guardian.entropy import GuardianEntropy
from guardian.fork_copy import ForkCopy
from guardian.frame_table import PAGE, FrameTable
from guardian.linear_map import LM_PERMS_RO, LM_PERMS_RW, LinearMap

if TYPE_CHECKING:
    from guardian.confidential_admission import Admission
    from guardian.confidential_domains import Lifecycle
    from guardian.confidential_registry import Registry
    from guardian.confidential_shares import Shares
    from guardian.kernel_view import KernelView
    from guardian.page_tables import PageTables


@dataclass(frozen=True)
class Decision:
    call: str
    status: Status
    reason: str
    check: str = ""


_DMA_DENIED = {FrameKind.CONFIDENTIAL: "CONFIDENTIAL", FrameKind.GUARDIAN: "GUARDIAN",
               FrameKind.PAGE_TABLE: "PAGE_TABLE"}


class MonitorState:
    def __init__(self, machine: Machine, reserve: int, guardian_seed: int) -> None:
        self.machine = machine
        #: The machine's EL1 faces (a live view: a face created later is in it too).
        self.el1_faces = machine.el1_faces()
        self.ram = machine.ram
        self.cpus = machine.cpus
        self.clock = machine.clock
        self.stats = machine.stats
        self.tracer = machine.tracer
        self.frames = FrameTable(self.ram.base, self.ram.size)
        self.bus = machine.bus_filter
        self.frames.on_kind = self._program_bus_filter
        # (The filter acts only where a frame enters or leaves a kind DMA may not reach.)
        self.frames.kind_watch = frozenset(int(k) for k in _DMA_DENIED)
        self.bus.on_fault = self._dma_fault
        self.entropy = GuardianEntropy(guardian_seed & ((1 << 256) - 1))
        self.decisions: list[Decision] = []
        #: Test mode: checks run after every Guardian call (each returns violations).
        self.invariant_checks: list[Callable[[], list[str]]] = []
        self.live_ttbr0 = 0
        #: The Guardian's own cache of user translations it walked ((TTBR0, VA page,
        #: write) -> frame), valid for the (TTBR1, TCR less EPD0, SCTLR) it was filled
        #: under; every flush below empties it, so no table change outlives its call.
        self.user_tlb: dict[tuple[int, int, bool], int] = {}
        self.user_tlb_regime: tuple[int, int, int] | None = None
        self.clrex_va: int | None = None
        # Own memory: the linear map's tables plus a working reserve, at the top of RAM.
        nframes = self.ram.size // PAGE
        own = -(-nframes // 512) + 8 + reserve // PAGE
        self.reserved_base = self.ram.end - own * PAGE
        self._next_own = self.reserved_base
        for pa in range(self.reserved_base, self.ram.end, PAGE):
            self.frames.claim_for_guardian(pa)
        self.linear = LinearMap(self.ram, self.reserved_base, self._own_frame)
        # The components others consult, set by the Guardian once they exist.
        self.tables: PageTables
        self.registry: Registry          # slots, domains, roots and their spaces
        self.admission: Admission        # measurement of frames entering a domain
        self.lifecycle: Lifecycle        # unmap windows, teardown of roots
        self.kernel_view: KernelView     # EPD0 and the kernel's VBAR
        self.shares: Shares              # mremap moves (and copies) of confidential pages
        #: Which fork child trees may still take their parent's pages (the copy window).
        self.fork_copy = ForkCopy()
        #: Whether a sealed (swapped-out) page of (root, va) is outstanding (secure MM).
        self.sealed: Callable[[int, int], bool] = lambda root, va: False
        #: The addresses at which tree `root` holds an outstanding sealed page (secure MM).
        self.sealed_vas: Callable[[int], list[int]] = lambda root: []
        #: (root, va) -> True where the sealed page there was a clean file page, now
        #: dropped for a refault of the file's bytes (secure MM, guardian/clean_pages.py).
        self.drop_clean_sealed: Callable[[int, int], bool] = lambda root, va: False
        #: Told (root, ranges) when the program's own unmapping completes (secure MM).
        self.on_unmapped: Callable[[int, list[tuple[int, int]]], None] = lambda root, r: None
        #: Told (root) when a tree is freed (FREE_PGD, after exit or exec): its sealed
        #: pages go with it (secure MM).
        self.on_tree_freed: Callable[[int], None] = lambda root: None

    def _own_frame(self) -> int:
        pa = self._next_own
        self._next_own += PAGE
        self.ram.zero_page(pa)
        return pa

    # --- hardware the Guardian programs ---------------------------------------------
    def flush(self) -> None:
        self.user_tlb.clear()
        self.stats.inc("guardian.tlb_flushes")
        for cpu in self.cpus:
            cpu.flush_tlb()
        for face in self.machine.el1_faces():
            face.invalidate_tlb()

    def set_linear(self, pa: int, perms: D.PagePerms | None) -> None:
        """Change the kernel's linear-map entry for one frame (None: unmap)."""
        self.linear.set(pa, perms)
        if perms is None or not perms.write:
            # The kernel loses (write) access: its cached translation of this one linear
            # VA goes, by address.  Nothing else can map the frame from a cache: every
            # leaf the Guardian removes or changes is invalidated (flush_page or flush)
            # before the call returns, and Unicorn runs only EL0 code, which never holds
            # the EL1-only linear map.  (Making an entry valid or writable needs nothing:
            # no translation caches a fault, and a read-only entry is walked again on a
            # write.)
            counters = self.stats.counters     # (Stats.inc, inline: every page entering a domain)
            counters["guardian.tlb_invalidations_va"] = \
                counters.get("guardian.tlb_invalidations_va", 0) + 1
            va = LINEAR_BASE | pa
            for face in self.el1_faces:
                face.invalidate_va(va)

    def flush_page(self, va: int) -> None:
        """A level-3 entry translating user VA `va` changed or went: the kernel's cached
        translations of that page go under every TTBR, and Unicorn, whose host API can
        only flush everything, flushes before EL0 code runs again."""
        self.user_tlb.clear()
        self.stats.inc("guardian.tlb_flushes_page")
        for cpu in self.cpus:
            cpu.flush_tlb()
        for face in self.machine.el1_faces():
            face.invalidate_va(va)

    def flush_pages(self, vas: list[int]) -> None:
        """`flush_page` of each of several pages (the level-3 entries of one
        CLEAR_PT_RANGE): the same invalidations by address, Unicorn's owed flush and
        the Guardian's own cache emptied once for them all."""
        if not vas:
            return
        self.user_tlb.clear()
        self.stats.inc("guardian.tlb_flushes_page", len(vas))
        for cpu in self.cpus:
            cpu.flush_tlb()
        for face in self.el1_faces:
            face.invalidate_vas(vas)

    def flush_range(self, va: int, size: int) -> None:
        """A block or table entry of a confidential tree spanning user VAs [va, va +
        size) changed or went: the kernel's cached translations of those pages go under
        every TTBR (the rest of its cache stays), and Unicorn flushes everything before
        EL0 code runs again."""
        self.user_tlb.clear()
        self.stats.inc("guardian.tlb_flushes_range")
        for cpu in self.cpus:
            cpu.flush_tlb()
        for face in self.machine.el1_faces():
            face.invalidate_range(va, size)

    def linear_readonly(self, pa: int) -> None:
        self.set_linear(pa, LM_PERMS_RO)

    def linear_writable(self, pa: int) -> None:
        self.set_linear(pa, LM_PERMS_RW)

    def lock_el1(self, locked: bool) -> None:
        """While a confidential thread owns the core, the kernel's EL1 face is shut."""
        if locked and checks.MUTATED == "return.lock_el1":   # (once per return to user code)
            return
        hand_over(self.el1_faces, locked, self.clrex_va)

    def _program_bus_filter(self, pa: int, old: FrameKind, new: FrameKind) -> None:
        why = _DMA_DENIED.get(new)
        # (checks.enabled("dma.filter"), inline: every frame entering or leaving a domain)
        if why is not None and (new != FrameKind.CONFIDENTIAL or checks.MUTATED != "dma.filter"):
            self.bus.deny(pa, why)
        elif old in _DMA_DENIED:
            self.bus.allow(pa)

    def _dma_fault(self, pa: int, write: bool, reason: str) -> None:
        self.record("dma", checks.Refused("dma.filter", Status.ERR_DENIED, reason))

    # --- frames changing hands --------------------------------------------------------
    def protect_frame(self, pa: int, domain: int) -> None:
        """A frame joins a domain: it leaves the kernel's linear map (and DMA's reach)."""
        if self.frames.make_confidential(pa, domain):
            if checks.MUTATED != "frame.unmap_confidential":    # (checks.enabled, inline)
                self.set_linear(pa, None)
            counters = self.stats.counters
            counters["guardian.frames_protected"] = counters.get("guardian.frames_protected", 0) + 1

    def release_frame(self, pa: int) -> None:
        """The last mapping of a confidential frame went: scrub it, give it back."""
        if checks.MUTATED != "frame.scrub_on_release":          # (checks.enabled, inline)
            self.ram.zero_page(pa)
        self.frames.release_confidential(pa)
        self.linear.set(pa, LM_PERMS_RW)     # (set_linear: a writable entry needs no TLBI)
        counters = self.stats.counters
        counters["guardian.frames_scrubbed"] = counters.get("guardian.frames_scrubbed", 0) + 1

    # --- table roots ------------------------------------------------------------------
    def is_live_root(self, pa: int) -> bool:
        return any(cpu.ttbr0 & D.ADDR_MASK == pa for cpu in self.cpus)

    def is_root(self, pa: int) -> bool:
        if pa % PAGE or not self.frames.contains(pa):
            return False
        rec = self.frames.record(pa)
        return rec.kind == FrameKind.PAGE_TABLE and rec.level == 0 and not rec.parent

    # --- decisions ----------------------------------------------------------------------
    def record(self, call: str, refused: checks.Refused) -> Status:
        """The one place a refusal becomes a decision: kept, counted and traced."""
        self.decisions.append(Decision(call, refused.status, refused.reason, refused.check))
        self.stats.inc("guardian.refused")
        self.stats.inc(f"guardian.refusals.{refused.check}")
        if self.tracer.enabled:
            self.tracer.emit("guardian_decision", rule=call, check=refused.check, allowed=False,
                             status=refused.status.name, reason=refused.reason)
        return refused.status

    def check_invariants(self, after: str) -> None:
        """Test mode: every registered invariant holds after `after`."""
        bad = [v for check in self.invariant_checks for v in check()]
        if bad:
            raise AssertionError(f"Guardian invariants broken after {after}: " + "; ".join(bad))
