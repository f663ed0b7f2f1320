"""The Guardian's protection, enforced by the (modelled) hardware under a booted kernel.

With the Guardian on, the kernel's EL1 face cannot write a translation-table
page through its linear map, cannot reach Guardian memory at all, and cannot
move TTBR1, turn the MMU off, point VBAR at an unregistered table or TTBR0 at
anything but a registered root.  And none of it changes what programs see:
every catalogued workload that does not crash prints the same bytes and exits
the same way with the Guardian on and off.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from abi import Call, FrameKind, Status
from cli.session import run_program
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import El1, El1Fault, SysregRefused
from emulator.machine import Machine
from emulator.machine_config import load_machine
from emulator.mmu import FaultKind
from guardian.monitor import Guardian
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import KERNEL_VBAR, Kernel, KernelOptions
from kernel_model.pagetable import PageTableRefused, lm
from workloads import all_workloads, find

PAGE = 4096
USER_RW = D.PagePerms(user=True, write=True)


@dataclass
class Booted:
    hw: Machine
    g: Guardian
    el1: El1
    kernel: Kernel


def boot(*, spawn: bool = True) -> Booted:
    """A small machine, the Guardian, a kernel booted on it and (spawn) hello loaded."""
    hw = Machine(load_machine("small"))
    g = Guardian(hw)
    hw.install_monitor(g)
    root = Path(tempfile.mkdtemp(prefix="blindfold-guardian-"))
    (root / "bin").mkdir()
    opts = KernelOptions(rootfs=root, stdout=io.BytesIO(), stderr=io.BytesIO(),
                         stdin=io.BytesIO())
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    if spawn:
        w = find("hello")
        assert w is not None
        k.spawn_init(parse_elf(w.binary.read_bytes(), "/bin/hello"), "/bin/hello",
                     [b"/bin/hello"])
    return Booted(hw, g, hw.el1(0), k)


@pytest.fixture
def booted() -> Booted:
    return boot()


def test_booted_kernel_uses_the_guardian(booted: Booted) -> None:
    g, hw = booted.g, booted.hw
    assert hw.cpus[0].ttbr1 & D.ADDR_MASK == g.kernel_ttbr1
    assert hw.cpus[0].sctlr & S.SCTLR_M
    tables = g.frames.frames_of(FrameKind.PAGE_TABLE)
    assert len(tables) >= 5            # the idle root plus the program's four levels
    assert hw.statistics()["guardian.calls.set_pt"] > 0
    assert not g.frames.violations()


# --- memory -------------------------------------------------------------------------------
def test_table_pages_are_read_only_through_the_linear_map(booted: Booted) -> None:
    el1, ram = booted.el1, booted.hw.ram
    tables = booted.g.frames.frames_of(FrameKind.PAGE_TABLE)
    other = lm(booted.kernel.frames.alloc())
    for pa in tables:
        before = ram.read(pa, PAGE)
        va = lm(pa)
        assert el1.read(va, PAGE) == before              # readable (the kernel walks them)
        attempts: list[Callable[[], None]] = [
            lambda va=va, pa=pa: el1.write_u64(va, D.leaf_descriptor(pa, USER_RW)),
            lambda va=va: el1.write_u64(va + 8 * 511, 1),
            lambda va=va: el1.write(va + 3, b"\xff" * 16),
            lambda va=va: el1.fill(va, 0, PAGE),
            lambda va=va: el1.copy_page(va, other)]
        for attempt in attempts:
            with pytest.raises(El1Fault) as exc:
                attempt()
            assert exc.value.fault.kind == FaultKind.PERMISSION
        assert ram.read(pa, PAGE) == before


def test_guardian_memory_is_unmapped(booted: Booted) -> None:
    el1, g = booted.el1, booted.g
    own = g.frames.frames_of(FrameKind.GUARDIAN)
    assert g.kernel_ttbr1 in own and own[-1] == booted.hw.ram.end - PAGE
    for pa in own:
        with pytest.raises(El1Fault) as exc:
            el1.read(lm(pa), 8)
        assert exc.value.fault.kind == FaultKind.TRANSLATION
        with pytest.raises(El1Fault) as exc:
            el1.write_u64(lm(pa), 0)
        assert exc.value.fault.kind == FaultKind.TRANSLATION


def test_registering_a_table_revokes_a_cached_writable_translation(booted: Booted) -> None:
    """The TLB may hold a writable linear-map entry: REGISTER_PT must invalidate it."""
    el1 = booted.el1
    pa = booted.kernel.frames.alloc()
    el1.write_u64(lm(pa), 0x1234)                          # cached as writable
    assert el1.hvc(int(Call.REGISTER_PT), pa, 3) == (Status.OK, 0)
    with pytest.raises(El1Fault):
        el1.write_u64(lm(pa), 0x5678)
    assert el1.read_u64(lm(pa)) == 0                       # zeroed by the Guardian
    assert el1.hvc(int(Call.RELEASE_PT), pa) == (Status.OK, 0)
    el1.write_u64(lm(pa), 0x5678)                          # the kernel's again
    assert el1.read_u64(lm(pa)) == 0x5678


def test_freed_address_space_tables_become_writable_again(booted: Booted) -> None:
    proc = booted.kernel.init
    assert proc is not None
    mm = proc.mm
    tables: list[int] = []
    mm.tables._collect(mm.tables.root, 0, tables)
    booted.el1.msr(S.TTBR0_EL1, booted.kernel.idle_ttbr0)
    mm.destroy()
    for pa in tables:
        assert booted.g.frames.kind_of(pa) == FrameKind.FREE
        booted.el1.write_u64(lm(pa), 0xAB)
    assert not booted.g.frames.violations()


def test_mediated_writes_are_checked(booted: Booted) -> None:
    """The kernel's table writer goes through HVC; a forbidden leaf is refused."""
    k, g = booted.kernel, booted.g
    proc = k.init
    assert proc is not None
    writer = k.writer
    leaf_table = proc.mm.tables._leaf_table(0x1000_0000, True)
    assert leaf_table is not None
    for pa in (g.kernel_ttbr1, k.idle_ttbr0):
        with pytest.raises(PageTableRefused) as exc:
            writer.write_entry(leaf_table, 0, D.leaf_descriptor(pa, USER_RW))
        assert exc.value.status == Status.ERR_DENIED
    status, _ = booted.el1.hvc(int(Call.SET_PT), leaf_table, 0,
                               D.leaf_descriptor(g.reserved_base, USER_RW))
    assert status == Status.ERR_DENIED


# --- system registers ---------------------------------------------------------------------
def _non_root_tables(b: Booted) -> tuple[int, int]:
    """(a level-3 table, a level-1 table with a parent) of the loaded program."""
    fr = b.g.frames
    recs = [fr.record(pa) for pa in fr.frames_of(FrameKind.PAGE_TABLE)]
    l3 = next(r.pa for r in recs if r.level == 3)
    l1 = next(r.pa for r in recs if r.level == 1 and r.parent)
    return l3, l1


REFUSED: dict[str, tuple[S.SysReg, Callable[[Booted], int]]] = {
    "TTBR1-other-frame": (S.TTBR1_EL1, lambda b: b.g.kernel_ttbr1 + PAGE),
    "TTBR1-a-user-root": (S.TTBR1_EL1, lambda b: b.kernel.idle_ttbr0),
    "TTBR1-zero": (S.TTBR1_EL1, lambda b: 0),
    "SCTLR-mmu-off": (S.SCTLR_EL1, lambda b: b.el1.mrs(S.SCTLR_EL1) & ~S.SCTLR_M),
    "SCTLR-all-off": (S.SCTLR_EL1, lambda b: 0),
    "SCTLR-wxn-flip": (S.SCTLR_EL1, lambda b: b.el1.mrs(S.SCTLR_EL1) ^ S.SCTLR_WXN),
    "VBAR-unregistered": (S.VBAR_EL1, lambda b: 0xFFFF_8000_0abc_0000),
    "VBAR-zero": (S.VBAR_EL1, lambda b: 0),
    "VBAR-in-a-table-page": (S.VBAR_EL1, lambda b: lm(b.kernel.idle_ttbr0)),
    "TTBR0-free-frame": (S.TTBR0_EL1, lambda b: b.kernel.frames.alloc()),
    "TTBR0-level3-table": (S.TTBR0_EL1, lambda b: _non_root_tables(b)[0]),
    "TTBR0-level1-with-parent": (S.TTBR0_EL1, lambda b: _non_root_tables(b)[1]),
    "TTBR0-guardian-frame": (S.TTBR0_EL1, lambda b: b.g.kernel_ttbr1),
    "TTBR0-outside-ram": (S.TTBR0_EL1, lambda b: b.hw.ram.end),
    "TCR-t1sz": (S.TCR_EL1, lambda b: S.make_tcr(t1sz=25)),
    "TCR-epd1": (S.TCR_EL1, lambda b: S.make_tcr(epd1=True)),
    "TCR-tg1": (S.TCR_EL1, lambda b: S.make_tcr() & ~(3 << S.TCR_TG1_SHIFT)),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_forbidden_sysreg_writes_are_refused(booted: Booted, name: str) -> None:
    reg, value_of = REFUSED[name]
    value = value_of(booted)
    cpu = booted.hw.cpus[0]
    before = {r: booted.el1.mrs(r) for r in REFUSED_REGS}
    snap = booted.g.frames.snapshot()
    live = booted.g.live_ttbr0
    with pytest.raises(SysregRefused):
        booted.el1.msr(reg, value)
    assert {r: booted.el1.mrs(r) for r in REFUSED_REGS} == before
    assert booted.g.frames.snapshot() == snap and booted.g.live_ttbr0 == live
    assert cpu.ttbr1 & D.ADDR_MASK == booted.g.kernel_ttbr1 and cpu.sctlr & S.SCTLR_M


REFUSED_REGS = (S.TTBR0_EL1, S.TTBR1_EL1, S.TCR_EL1, S.SCTLR_EL1, S.VBAR_EL1, S.MAIR_EL1)


def test_allowed_sysreg_writes_take_effect(booted: Booted) -> None:
    el1, k, g = booted.el1, booted.kernel, booted.g
    for reg, value in ((S.TTBR0_EL1, k.idle_ttbr0 | (5 << 48)),
                       (S.TTBR1_EL1, g.kernel_ttbr1 | (9 << 48)),
                       (S.VBAR_EL1, KERNEL_VBAR), (S.MAIR_EL1, S.MAIR_DEFAULT),
                       (S.TCR_EL1, S.make_tcr()),
                       (S.SCTLR_EL1, el1.mrs(S.SCTLR_EL1))):
        el1.msr(reg, value)
        assert el1.mrs(reg) == value
    assert g.live_ttbr0 & D.ADDR_MASK == k.idle_ttbr0


def test_ttbr0_geometry_cannot_expose_a_table_page() -> None:
    b = boot(spawn=False)
    g, el1 = b.g, b.el1
    base = b.hw.ram.base + 0x100000
    root, l1, l2, l3 = base, base + PAGE, base + 2 * PAGE, base + 3 * PAGE
    for pa, level in ((root, 0), (l1, 1), (l2, 2), (l3, 3)):
        assert g.hvc(int(Call.REGISTER_PT), (pa, level))[0] == Status.OK
    assert g.hvc(int(Call.SET_PT), (root, 0, D.table_descriptor(l1)))[0] == Status.OK
    assert g.hvc(int(Call.SET_PT), (l1, 0, D.table_descriptor(l2)))[0] == Status.OK
    if g.hvc(int(Call.SET_PT), (l2, 0, D.table_descriptor(l3) | D.AF))[0] != Status.OK:
        return                                    # refusing stray table-descriptor bits is a fix
    el1.msr(S.TTBR0_EL1, root)
    tcr = el1.mrs(S.TCR_EL1)
    try:
        el1.msr(S.TCR_EL1, (tcr & ~0x3F) | 25)
    except SysregRefused:
        return                                    # refusing the geometry change is a fix
    el1.tlbi_all()
    with pytest.raises(El1Fault):
        el1.write_u64(0, D.leaf_descriptor(g.kernel_ttbr1, D.PagePerms(user=False)))
    el1.msr(S.TCR_EL1, tcr)
    el1.tlbi_all()
    with pytest.raises(El1Fault):
        el1.read(0, 8)                            # Guardian memory stays out of reach


# --- confidential frames --------------------------------------------------------------------
def _confidential_setup(b: Booted, how: str) -> int | None:
    """A confidential tree R, a plain tree P; returns a VA through which P reaches R's
    confidential frame if the Guardian lets the kernel arrange it (None: it refused)."""
    g = b.g
    w = find("hello")
    assert w is not None
    digest = g.conf.admit_image(w.binary.read_bytes())
    entry = g.conf.images[digest].entry
    base = b.hw.ram.base + 0x800000
    r, a1, a2, a3, p, p1, p2, p3, x, y = (base + i * PAGE for i in range(10))

    def call(c: Call, *args: int) -> int:
        return g.hvc(int(c), args)[0]

    for pa, level in ((r, 0), (a1, 1), (a2, 2), (a3, 3), (p, 0), (p1, 1), (p2, 2), (p3, 3)):
        assert call(Call.REGISTER_PT, pa, level) == Status.OK
    for table, child in ((r, a1), (a1, a2), (a2, a3), (p, p1), (p1, p2)):
        assert call(Call.SET_PT, table, 0, D.table_descriptor(child)) == Status.OK
    assert call(Call.SET_PT, a3, 0, D.leaf_descriptor(x, USER_RW)) == Status.OK
    if how == "shared-before-create":
        assert call(Call.SET_PT, p2, 0, D.table_descriptor(p3)) == Status.OK
        assert call(Call.SET_PT, p3, 0, D.leaf_descriptor(x, USER_RW)) == Status.OK
    status, _, _ = g.hvc_data(int(Call.CREATE_DOMAIN), (r, entry, 0x7FFF_F000), digest)
    if status != Status.OK:
        assert how == "shared-before-create", Status(status)
        return None                          # refusing to adopt a shared frame is a fix
    assert g.frames.kind_of(x) == FrameKind.CONFIDENTIAL
    if how == "relinked-subtree":
        if call(Call.SET_PT, r, 0, 0) or call(Call.SET_PT, p, 0, D.table_descriptor(a1)):
            return None
    if how == "mapped-into-domain-later":
        assert call(Call.SET_PT, p2, 0, D.table_descriptor(p3)) == Status.OK
        assert call(Call.SET_PT, p3, 0, D.leaf_descriptor(y, USER_RW)) == Status.OK
        if call(Call.SET_PT, a3, 1, D.leaf_descriptor(y, USER_RW)):
            return None
        x = y
    b.hw.ram.write(x, b"SECRET!!")            # what the confidential program stores there
    b.el1.msr(S.TTBR0_EL1, p)
    b.el1.tlbi_all()
    return 0


@pytest.mark.parametrize("how", ["relinked-subtree", "shared-before-create",
                                 "mapped-into-domain-later"])
def test_kernel_cannot_read_confidential_frames_through_a_plain_tree(how: str) -> None:
    b = boot(spawn=False)
    va = _confidential_setup(b, how)
    if va is None:
        return
    try:
        data = b.el1.read(va, 8)
    except El1Fault:
        return
    assert data != b"SECRET!!", "the kernel read a confidential frame through a plain tree"


# --- workloads: the same bytes with the Guardian on and off ---------------------------------
SMALL_ARGS = {"sha256": ["-n", "1"], "memhog": ["8"], "nullsys": ["2000"],
              "busyloop": ["100000"], "matmul": ["24"]}
RUNS = [pytest.param(w.name, SMALL_ARGS.get(w.name, list(w.default_args)), "default",
                     id=w.name) for w in all_workloads() if not w.crashes and not w.dynamic]
RUNS.append(pytest.param("memhog", ["8"], "small", id="memhog-small-machine"))


def _run(name: str, args: list[str], machine: str, guardian: str):  # noqa: ANN202
    out, err = io.BytesIO(), io.BytesIO()
    res = run_program(name, args, machine=machine, stdout=out, stderr=err, guardian=guardian)
    return res, out.getvalue()


@pytest.mark.parametrize(("name", "args", "machine"), RUNS)
def test_workload_output_is_the_same_with_the_guardian(name: str, args: list[str],
                                                       machine: str) -> None:
    off, out_off = _run(name, args, machine, "off")
    on, out_on = _run(name, args, machine, "on")
    assert out_on == out_off
    assert (on.exit_code, on.signal) == (off.exit_code, off.signal)
    assert off.exit_code == 0 and out_off
    assert on.stats.get("guardian.calls.set_pt", 0) > 0
    assert on.stats.get("guardian.calls.register_pt", 0) > 0
    assert on.stats.get("guardian.refused", 0) == 0, "a well-behaved kernel was refused"
    assert "guardian.calls.set_pt" not in off.stats


def test_crashing_workload_crashes_the_same_way() -> None:
    w = find("faulty")
    assert w is not None and w.crashes
    off, out_off = _run("faulty", list(w.default_args), "default", "off")
    on, out_on = _run("faulty", list(w.default_args), "default", "on")
    assert (on.exit_code, on.signal, out_on) == (off.exit_code, off.signal, out_off)
    assert off.signal


# --- TLB maintenance without full flushes -----------------------------------------------------

def _user_pages(b: Booted) -> tuple[int, int]:
    """Two present user pages of init, with its tree live in TTBR0."""
    proc = b.kernel.init
    assert proc is not None
    b.el1.msr(S.TTBR0_EL1, proc.mm.ttbr0)
    (stack, _), = list(proc.mm.tables.leaves())[-1:]
    proc.mm.handle_fault(stack - PAGE, True, False)        # the page below, faulted in
    return stack, stack - PAGE


def test_epd0_binds_the_kernel_without_a_flush(booted: Booted) -> None:
    """A translation cached before EPD0 is set is not used while it is set."""
    el1, cpu = booted.el1, booted.hw.cpus[0]
    va, _ = _user_pages(booted)
    before = el1.read_u64(va)                              # cached under TTBR0
    flushes = booted.hw.stats.get("guardian.tlb_flushes")
    cpu.write_sysreg(S.TCR_EL1, cpu.tcr | S.TCR_EPD0)
    with pytest.raises(El1Fault):
        el1.read_u64(va)
    cpu.write_sysreg(S.TCR_EL1, cpu.tcr & ~S.TCR_EPD0)
    assert el1.read_u64(va) == before
    assert booted.hw.stats.get("guardian.tlb_flushes") == flushes


def test_a_removed_leaf_is_invalidated_by_address(booted: Booted) -> None:
    """SET_PT removing a valid leaf drops that page from the kernel's TLB (no TLBI by the
    kernel needed) and leaves the other pages' cached translations alone."""
    el1, hw = booted.el1, booted.hw
    va1, va2 = _user_pages(booted)
    el1.read_u64(va1)
    el1.read_u64(va2)
    walks = hw.walker.walks
    proc = booted.kernel.init
    assert proc is not None
    proc.mm.tables.clear(va1)                              # SET_PT(old valid -> 0)
    assert hw.cpus[0]._flush_owed                          # Unicorn flushes before EL0 runs
    el1.read_u64(va2)
    assert hw.walker.walks == walks                        # still cached
    with pytest.raises(El1Fault):
        el1.read_u64(va1)
