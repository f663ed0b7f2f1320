"""The exception and start-up fast paths keep the architectural behaviour.

- the CPU state read in place (emulator.livestate) is the library's, both ways;
- deferred ELx, TCR and VBAR writes and coalesced TLB flushes: what software reads
  is always current, and Unicorn is up to date whenever it runs;
- the model's TLB: blocks cached once, TLBI VA drops exactly one page;
- the frame allocator built in bulk behaves like the per-frame original;
- the CLI loads no simulator, rich or command group for `--help`.
"""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from pathlib import Path

import click
import pytest
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc
from unicorn import arm64_const as A

from emulator import sysregs as S
from emulator.clock import Stats, VirtualClock
from emulator.el1 import El1
from emulator.fastuc import FastUc
from emulator.livestate import X_REGS, locate
from emulator.mmu import Walker
from emulator.tlbsize import DEFAULT_ENTRIES
from kernel_model.frames import PAGE, FrameAllocator, OutOfMemory
from tests.test_exception_entry import (
    ADD_X0_1,
    ADD_X1_X0_1,
    CMP_X0_X0,
    CODE_PA,
    CODE_VA,
    DATA_VA,
    LDR_X0_X1,
    SVC_0,
    UNMAPPED_VA,
    build_machine,
)

ROOT = Path(__file__).resolve().parent.parent


# --- the CPU state in place ------------------------------------------------------------

def test_live_state_is_the_librarys_both_ways() -> None:
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    fast = FastUc(uc)
    live = locate(uc, fast.context_bytes, 3064, 3072)
    rng = random.Random(7)
    for i, reg in enumerate(X_REGS):
        v = rng.getrandbits(64)
        uc.reg_write(reg, v)
        assert live.x[i] == v
        w = rng.getrandbits(64)
        live.x[i] = w
        assert uc.reg_read(reg) == w
    uc.reg_write(A.UC_ARM64_REG_PC, 0x1234_5678)
    assert live.pc.value == 0x1234_5678
    for nzcv in range(16):
        uc.reg_write(A.UC_ARM64_REG_NZCV, nzcv << 28)
        assert live.nzcv() == nzcv << 28
        assert live.syscall_args()[:9] == [uc.reg_read(r) for r in X_REGS[:9]]


def test_a_second_instance_finds_its_own_state() -> None:
    a, b = Uc(UC_ARCH_ARM64, UC_MODE_ARM), Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    la = locate(a, FastUc(a).context_bytes, 3064, 3072)
    lb = locate(b, FastUc(b).context_bytes, 3064, 3072)
    assert la.address != lb.address
    a.reg_write(A.UC_ARM64_REG_X3, 33)
    b.reg_write(A.UC_ARM64_REG_X3, 44)
    assert (la.x[3], lb.x[3]) == (33, 44)


# --- deferred writes ----------------------------------------------------------------------

def test_entry_registers_are_exact_when_read_after_later_exceptions() -> None:
    """ESR/ELR/FAR/SPSR reach Unicorn lazily; a read always sees the latest exception."""
    m = build_machine()
    seen: list[tuple[int, int, int]] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        if len(seen) == 0 and info.is_syscall:
            seen.append((0, 0, 0))     # first exception: read nothing
            return
        seen.append((cpu.read_sysreg(S.ESR_EL1), cpu.read_sysreg(S.ELR_EL1),
                     cpu.read_sysreg(S.FAR_EL1)))
        cpu.request_stop()

    m.install(handler)
    m.run_el0([CMP_X0_X0, SVC_0, LDR_X0_X1], x1=UNMAPPED_VA + 0x18)
    esr, elr, far = seen[1]
    assert esr >> 26 == 0x24 and far == UNMAPPED_VA + 0x18 and elr == 0x40_0008
    # Software may also write them; the write wins over an unwritten entry value.
    m.cpu.write_sysreg(S.ELR_EL1, 0x1000)
    assert m.cpu.read_sysreg(S.ELR_EL1) == 0x1000
    assert m.cpu.read_sysreg(S.FAR_EL1) == UNMAPPED_VA + 0x18


def test_tcr_and_vbar_reach_unicorn_before_el0_runs() -> None:
    m = build_machine()
    cpu = m.cpu
    cpu.sync_unicorn()                         # the set-up's own TCR write
    tcr = cpu.read_sysreg(S.TCR_EL1)
    flushes: list[int] = []
    real_flush = cpu.fast.flush_tlb
    cpu.fast.flush_tlb = lambda: (flushes.append(1), real_flush())[1]  # type: ignore[method-assign]
    # A bit set and cleared while the model runs (the Guardian's EPD0) never reaches Unicorn.
    cpu.write_sysreg(S.TCR_EL1, tcr | S.TCR_EPD0)
    assert cpu.read_sysreg(S.TCR_EL1) == tcr | S.TCR_EPD0
    cpu.write_sysreg(S.TCR_EL1, tcr)
    cpu.flush_tlb()
    cpu.flush_tlb()
    assert flushes == []                       # owed, not done yet
    cpu.sync_unicorn()
    assert flushes == [1]                      # two requests, one flush
    assert cpu.fast.read_sys(S.TCR_EL1) == tcr
    # A change that stands is written before EL0 code runs (and flushes there).
    cpu.write_sysreg(S.TCR_EL1, tcr | S.TCR_EPD0)
    cpu.write_sysreg(S.VBAR_EL1, 0xFFFF_8000_0002_0000)
    assert cpu.read_sysreg(S.VBAR_EL1) == 0xFFFF_8000_0002_0000
    cpu.sync_unicorn()
    assert cpu.fast.read_sys(S.TCR_EL1) == tcr | S.TCR_EPD0
    assert cpu.fast.read_sys(S.VBAR_EL1) == 0xFFFF_8000_0002_0000


def test_a_flush_requested_in_a_handler_is_done_before_the_retry() -> None:
    """A remapped page must be seen by the retried instruction (the flush is not lost)."""
    m = build_machine()
    from emulator import descriptors as D
    from tests.test_exception_entry import CODE_VA, DATA_PA
    l3 = 0x4000_0000 + 0x3000
    slot = l3 + 8 * D.level_index(DATA_VA, 3)
    other_pa = DATA_PA + 0x8000
    m.ram.write_u64(DATA_PA, 0x1111)
    m.ram.write_u64(other_pa, 0x2222)
    values: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        values.append(cpu.reg(A.UC_ARM64_REG_X0))
        if len(values) == 1:
            # Remap DATA_VA to another frame; only a flush makes the core see it.
            m.ram.write_u64(slot, D.leaf_descriptor(other_pa, D.PagePerms(user=True, write=True)))
            cpu.flush_tlb()
            cpu.set_reg(A.UC_ARM64_REG_PC, CODE_VA)      # run the load again
        else:
            cpu.request_stop()

    m.install(handler)
    m.run_el0([LDR_X0_X1, SVC_0], x1=DATA_VA)
    assert values == [0x1111, 0x2222]


def test_dropping_user_code_while_the_kernel_view_sets_epd0() -> None:
    """Code dropped while the model runs with EPD0 set (the Guardian's view of a
    confidential tree) is dropped, and Unicorn's TCR never sees that EPD0: a TCR write
    is a full flush in the library, and it would come twice per populated code page."""
    m = build_machine()
    cpu = m.cpu
    el1 = El1(cpu, Walker(m.ram), VirtualClock(), Stats())
    values: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        values.append(cpu.reg(A.UC_ARM64_REG_X0))
        cpu.request_stop()

    m.install(handler)
    m.run_el0([ADD_X0_1, SVC_0], x0=0)          # translated: x0 + 1
    tcr = cpu.read_sysreg(S.TCR_EL1)
    cpu.sync_unicorn()
    flushes: list[int] = []
    real_flush = cpu.fast.flush_tlb
    cpu.fast.flush_tlb = lambda: (flushes.append(1), real_flush())[1]  # type: ignore[method-assign]
    tcr_writes: list[int] = []
    real_write = cpu.fast.write_sys

    def write_sys(reg: tuple[int, int, int, int, int], value: int) -> None:
        if reg == S.TCR_EL1:
            tcr_writes.append(value)
        real_write(reg, value)

    cpu.fast.write_sys = write_sys  # type: ignore[method-assign]
    cpu.write_sysreg(S.TCR_EL1, tcr | S.TCR_EPD0)          # the kernel runs
    m.ram.write(CODE_PA, struct.pack("<I", ADD_X1_X0_1))   # the page gets new code
    cpu.live.vaddress.value = 0
    el1.invalidate_code(CODE_VA, PAGE)
    # The library's walk for the VA did not fault (a fault there records the VA as the
    # fault address and drops nothing: under EPD0 every user VA faults).
    assert cpu.live.vaddress.value != CODE_VA
    cpu.write_sysreg(S.TCR_EL1, tcr)                       # back to user code
    m.cpu.enter_el0()
    cpu.set_reg(A.UC_ARM64_REG_X0, 0)
    cpu.set_reg(A.UC_ARM64_REG_X1, 0)
    cpu.run(CODE_VA)
    assert values == [1, 0]                     # the new code ran: x0 untouched
    assert cpu.reg(A.UC_ARM64_REG_X1) == 1
    assert tcr_writes == [] and flushes == []


def test_a_flush_is_not_lost_when_the_tcr_changes_too() -> None:
    """The library writes TCR_EL1 raw (no flush of its own): a flush owed when the TCR
    also changes is still done, and the TCR change is one by itself."""
    m = build_machine()
    from emulator import descriptors as D
    from tests.test_exception_entry import DATA_PA
    slot = 0x4000_0000 + 0x3000 + 8 * D.level_index(DATA_VA, 3)
    other_pa = DATA_PA + 0x8000
    m.ram.write_u64(DATA_PA, 0x1111)
    m.ram.write_u64(other_pa, 0x2222)
    values: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        values.append(cpu.reg(A.UC_ARM64_REG_X0))
        if len(values) == 1:
            m.ram.write_u64(slot, D.leaf_descriptor(other_pa, D.PagePerms(user=True, write=True)))
            cpu.flush_tlb()
            cpu.write_sysreg(S.TCR_EL1, cpu.read_sysreg(S.TCR_EL1) ^ S.TCR_EPD1)
            cpu.set_reg(A.UC_ARM64_REG_PC, CODE_VA)      # run the load again
        elif len(values) == 2:
            # Remapped back with no flush asked for: only the TCR change flushes.
            m.ram.write_u64(slot, D.leaf_descriptor(DATA_PA, D.PagePerms(user=True, write=True)))
            cpu.write_sysreg(S.TCR_EL1, cpu.read_sysreg(S.TCR_EL1) ^ S.TCR_EPD1)
            cpu.set_reg(A.UC_ARM64_REG_PC, CODE_VA)
        else:
            cpu.request_stop()

    m.install(handler)
    m.run_el0([LDR_X0_X1, SVC_0], x1=DATA_VA)
    assert values == [0x1111, 0x2222, 0x1111]


# --- Unicorn's TLB size ---------------------------------------------------------------------

def test_el0_tlb_keeps_its_size_whatever_flushes_came() -> None:
    """The library shrinks a TLB at a flush once its wall-clock window has expired with
    the TLB little used; the CPU's TLB is grown at start-up and held there."""
    m = build_machine()
    cpu = m.cpu
    tlb = cpu._tlb
    assert tlb is not None and tlb.entries == DEFAULT_ENTRIES
    cpu.sync_unicorn()                         # nothing owed from the set-up
    for _ in range(5):                         # flushes of a hardly used TLB, as the model asks
        tlb._window.value = 0                  # as if its window had expired long ago
        cpu.sync_unicorn()                     # before EL0 code runs: held
        tlb._n_used.value = 0
        tlb._dirty.value |= 1
        cpu.flush_tlb()
        cpu.sync_unicorn()
        assert tlb.entries == DEFAULT_ENTRIES
    # Not held (its window expired), the same flush shrinks it to the library's minimum.
    tlb._window.value = 0
    tlb._dirty.value |= 1
    cpu.fast.flush_tlb()
    assert tlb.entries == 64
    # Guest code still runs and faults correctly with the held TLB.
    values: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        values.append(info.esr >> 26)
        cpu.request_stop()

    m.install(handler)
    m.run_el0([LDR_X0_X1, SVC_0], x1=UNMAPPED_VA)
    assert values == [0x24]                    # a data abort from EL0 at the unmapped VA


# --- the model's TLB ------------------------------------------------------------------------

def test_el1_tlb_keeps_blocks_and_drops_single_pages() -> None:
    m = build_machine()
    from emulator import descriptors as D
    # A 2 MiB block at VA 0 (TTBR0 level 2 of the test tables) mapping RAM, EL1 only.
    l2 = 0x4000_0000 + 0x2000
    m.ram.write_u64(l2, D.leaf_descriptor(0x4000_0000, D.PagePerms(user=False, write=True),
                                          level=2))
    walker = Walker(m.ram)
    el1 = El1(m.cpu, walker, VirtualClock(), Stats())
    for off in range(0, (2 << 20) - 0x10000, 64 << 10):
        el1.read_u64(off + 0x10000 + 8)
    assert walker.walks == 1                     # one walk for the whole block
    el1.read_u64(DATA_VA)                        # a page mapping: its own walk
    assert walker.walks == 2
    el1.tlbi_va(0x5000)                          # drops page 5 and the block holding it
    el1.read_u64(DATA_VA)
    assert walker.walks == 2                     # other pages stay cached
    el1.read_u64(0x5008)
    assert walker.walks == 3


@pytest.mark.parametrize("many_cached", [False, True])
def test_el1_tlb_drops_a_range_and_keeps_the_rest(many_cached: bool) -> None:
    """A changed block or table entry drops the pages it spans (and blocks overlapping
    them), nothing else; both ways of finding them (page by page when the range is
    smaller than the cache, else a scan) agree."""
    m = build_machine()
    from emulator import descriptors as D
    l2 = 0x4000_0000 + 0x2000
    m.ram.write_u64(l2, D.leaf_descriptor(0x4000_0000, D.PagePerms(user=False, write=True),
                                          level=2))
    walker = Walker(m.ram)
    el1 = El1(m.cpu, walker, VirtualClock(), Stats())
    pages = range(0x10000, 0x1F_0000, 0x1000) if many_cached else (0x10000, 0x1E_F000)
    for va in pages:
        el1.read_u64(va)
    el1.read_u64(DATA_VA)                        # another 2 MiB region: a page mapping
    assert walker.walks == 2
    el1.invalidate_range(0x10000, 0x10000)       # 16 pages of the block
    el1.read_u64(DATA_VA)
    el1.read_u64(0x1E_F008)
    assert walker.walks == 2                     # outside the range: still cached
    el1.read_u64(0x10008)
    assert walker.walks == 3                     # inside: walked again
    el1.invalidate_range(0, 2 << 20)             # the whole block
    el1.read_u64(0x1E_F008)
    assert walker.walks == 4


# --- frames in bulk ---------------------------------------------------------------------------

class _PerFrame:
    """The allocator's free set as the per-frame original built it."""

    def __init__(self, base: int, n: int) -> None:
        self.base, self.free, self.reserved = base, set(), set()

    def add(self, lo: int, hi: int) -> None:
        for pa in range(lo, hi, PAGE):
            if pa not in self.reserved:
                self.free.add(pa)

    def reserve(self, pa: int) -> None:
        self.free.discard(pa)
        self.reserved.add(pa)


@pytest.mark.parametrize("seed", range(6))
def test_bulk_ranges_match_frame_by_frame(seed: int) -> None:
    rng = random.Random(seed)
    base, n = 0x4000_0000, 512
    fa, ref = FrameAllocator(base, n * PAGE), _PerFrame(base, n)
    if seed % 2:
        fa.set_nodes([(0, base, base + 200 * PAGE), (1, base + 200 * PAGE, base + n * PAGE)])
    for _ in range(8):
        lo = base + rng.randrange(n) * PAGE
        hi = min(lo + rng.randrange(1, 120) * PAGE, base + n * PAGE)
        if rng.random() < 0.5:
            fa.add_free_range(lo, hi)
            ref.add(lo, hi)
        elif rng.random() < 0.5:
            fa.reserve_range(lo, hi)
            for pa in range(lo, hi, PAGE):
                ref.reserve(pa)
        else:
            fa.reserve(lo)
            ref.reserve(lo)
    assert fa.free_frames == len(ref.free)
    assert sum(fa.free_in(i) for i in range(fa.node_count())) == len(ref.free)
    got = []
    while fa.free_frames:
        got.append(fa.alloc(strict=False))
    # Lowest first within node 0, then node 1 (one node: simply lowest first).
    expected = sorted(ref.free, key=lambda pa: (fa.node_of(pa), pa))
    assert got == expected


@pytest.mark.parametrize("seed", range(6))
def test_allocation_after_frees_takes_and_avoids_is_lowest_free_first(seed: int) -> None:
    # Frames freed below the scan cursor, frames taken ahead of it and ranges skipped by
    # `avoid`: every allocation is still the lowest free frame (of the preferred node).
    rng = random.Random(seed)
    base, n = 0x4000_0000, 300
    fa = FrameAllocator(base, n * PAGE)
    fa.reserve_range(base, base + 3 * PAGE)
    fa.add_free_range(base, base + n * PAGE)
    nodes = [(base, base + n * PAGE)]
    if seed % 2:
        nodes = [(base, base + 120 * PAGE), (base + 120 * PAGE, base + n * PAGE)]
        fa.set_nodes([(i, lo, hi) for i, (lo, hi) in enumerate(nodes)])
    free = {base + i * PAGE for i in range(3, n)}
    held: list[int] = []
    for _ in range(1500):
        r = rng.random()
        if r < 0.5 and free:
            node = rng.randrange(len(nodes))
            avoid = None
            if rng.random() < 0.2:
                lo = base + rng.randrange(n) * PAGE
                avoid = range(lo, lo + rng.randrange(1, 40) * PAGE)
            ok = [pa for pa in free if avoid is None or pa not in avoid]
            order = [node] + [i for i in range(len(nodes)) if i != node]
            want = next((min(c) for i in order
                         if (c := [pa for pa in ok if nodes[i][0] <= pa < nodes[i][1]])), None)
            if want is None:
                with pytest.raises(OutOfMemory):
                    fa.alloc(node, avoid=avoid)
                continue
            assert fa.alloc(node, avoid=avoid) == want
            free.discard(want)
            held.append(want)
        elif r < 0.85 and held:
            pa = held.pop(rng.randrange(len(held)))
            assert fa.put(pa)
            free.add(pa)
        else:
            pa = base + rng.randrange(n) * PAGE
            assert fa.take(pa) == (pa in free)
            if pa in free:
                free.discard(pa)
                held.append(pa)
        assert fa.free_frames == len(free)


# --- start-up ---------------------------------------------------------------------------------

def test_help_imports_neither_the_simulator_nor_rich_nor_the_command_groups() -> None:
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "cli.main", "--help"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    loaded = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    for heavy in ("unicorn", "rich", "attacks", "cli.trace_cmd", "cli.bench", "emulator.cpu",
                  "kernel_model.kernel"):
        assert heavy not in loaded, heavy
    for name in ("attack", "bench", "trace", "run"):
        assert name in r.stdout


def test_lazy_commands_list_their_own_short_help() -> None:
    from cli.main import _LAZY_COMMANDS, main

    ctx = click.Context(main)
    names = main.list_commands(ctx)
    limit = ctx.make_formatter().width - 6 - max(len(n) for n in names)   # click's layout
    for name, (_, shown) in _LAZY_COMMANDS.items():
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        assert cmd.get_short_help_str(limit) == shown, name


def test_run_ends_with_all_output_written() -> None:
    r = subprocess.run([sys.executable, "-m", "cli.main", "run", "hello", "a", "b"], cwd=ROOT,
                       capture_output=True, check=False)
    assert r.returncode == 0
    assert r.stdout.endswith(b"hello: ok\n") and b"argc=3" in r.stdout


def test_user_context_through_memory_is_the_librarys() -> None:
    """save_context/restore_context move the same 69 registers the library batch does."""
    from emulator.fastuc import CTX_FPCR, CTX_FPSR, CTX_NZCV, CTX_PC, CTX_Q0, USER_REGS, UserContext
    m = build_machine()
    cpu = m.cpu
    rng = random.Random(3)
    for _ in range(3):
        ctx = UserContext()
        for i in range(len(USER_REGS)):
            ctx.set(i, rng.getrandbits(128 if i >= CTX_Q0 else 64))
        ctx.set(CTX_NZCV, rng.getrandbits(4) << 28)
        ctx.set(CTX_PC, rng.getrandbits(48) & ~3)
        ctx.set(CTX_FPCR, rng.choice((0, 0x0300_0000, 0x0040_0000)))
        ctx.set(CTX_FPSR, rng.choice((0, 0x0800_0010, 0x1)))
        cpu.restore_context(ctx)
        seen = UserContext()
        cpu.fast.user_context.save(seen)          # the library's view of the core
        assert [seen.get(i) for i in range(len(USER_REGS))] == \
            [ctx.get(i) for i in range(len(USER_REGS))]
        back = cpu.save_context()
        assert [back.get(i) for i in range(len(USER_REGS))] == \
            [ctx.get(i) for i in range(len(USER_REGS))]


def test_uncounted_run_after_counted_ones_keeps_and_then_drops_the_counter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After counted runs, an uncounted one keeps Unicorn's counter for a while; a longer
    run carries on without it, from where it was, and the guest cannot tell."""
    import emulator.cpu as cpu_module
    monkeypatch.setattr(cpu_module, "_KEEP_COUNTING", 1000)
    m = build_machine()
    stops: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        stops.append(cpu.reg(A.UC_ARM64_REG_X0))
        cpu.request_stop()

    m.install(handler)
    loop = [0x91000400, 0xF1000421, 0x54FFFFC1, SVC_0]   # add x0,#1; subs x1,#1; b.ne; svc
    executed, stopped = m.run_el0(loop, count=50, x0=0, x1=10_000)
    assert (executed, stopped) == (50, False) and m.cpu._counting
    # Uncounted from here: 3 x 10,000 instructions, far past the 1,000 kept counted.
    m.cpu.set_reg(A.UC_ARM64_REG_X0, 0)
    m.cpu.set_reg(A.UC_ARM64_REG_X1, 10_000)
    assert m.cpu.run(0x40_0000) == (0, True)
    assert stops == [10_000] and not m.cpu._counting
    # A short uncounted run right after a counted one ends inside the kept counter.
    m.run_el0(loop, count=10, x0=0, x1=5)
    m.cpu.set_reg(A.UC_ARM64_REG_X0, 0)
    m.cpu.set_reg(A.UC_ARM64_REG_X1, 5)
    assert m.cpu.run(0x40_0000) == (0, True)
    assert stops[-1] == 5 and m.cpu._counting
