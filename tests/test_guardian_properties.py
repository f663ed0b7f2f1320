"""Property tests: no sequence of Guardian calls breaks the Guardian's invariants.

Random sequences of REGISTER_PT / SET_PT (table, page, block, invalid and raw
descriptors naming frames of every kind) / RELEASE_PT / FREE_PGD / SET_PTBR /
COPY_PAGE / CREATE_DOMAIN (of an admitted image) / SET_SYSREG calls and trapped EL1 system-register writes run
against a Guardian with a booted kernel.  After every step, checked from the
outside (RAM and the MMU walker, not the Guardian's own bookkeeping alone):

* `frames.violations()` is empty;
* every table page has at most one parent, and its recorded parent entry
  really links it; every table descriptor names a table one level down;
* no valid leaf in any registered table names GUARDIAN or PAGE_TABLE memory
  (nor uses a reserved encoding), and `user_maps` counts the leaves exactly;
* a CONFIDENTIAL frame is mapped only by its own domain's tree;
* the kernel's linear map (TTBR1, walked with emulator.mmu.Walker) never
  maps a GUARDIAN or CONFIDENTIAL frame and maps every PAGE_TABLE frame
  read-only;
* TTBR1 stays the Guardian's linear map, the MMU stays on, TTBR0 names a
  registered root;
* a refused call or write changes nothing (frame table, table RAM, registers).
"""

from __future__ import annotations

import io
import struct
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from abi import Call, FrameKind, Status
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import El1, SysregRefused
from emulator.machine import Machine
from emulator.machine_config import load_machine
from emulator.mmu import Access, Regime, TranslationFault, Walker
from guardian.monitor import Guardian
from kernel_model.kernel import KERNEL_VBAR, Kernel, KernelOptions
from workloads import find as find_workload

PAGE = 4096
U64 = (1 << 64) - 1
_TABLE = struct.Struct("<512Q")
USER_RW = D.PagePerms(user=True, write=True)
NPOOL = 12                      # frames the sequences play with
POOL_BASE = 0x100000            # offset of the pool in RAM (clear of the kernel's boot frames)
BLOCK_2M = 0x400000             # a 2 MiB run no one uses
SETTINGS = settings(max_examples=60, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass
class World:
    hw: Machine
    g: Guardian
    el1: El1
    kernel: Kernel
    targets: list[int]          # pool frames, then Guardian frames, then outside RAM
    roi: list[tuple[int, int]]  # RAM compared byte for byte around refused calls
    admitted: tuple[bytes, int]  # (digest, entry) of the image the user admitted


def boot() -> World:
    """A small machine, the Guardian, and a kernel booted on top (idle root live)."""
    hw = Machine(load_machine("small"))
    g = Guardian(hw)
    hw.install_monitor(g)
    opts = KernelOptions(rootfs=Path(tempfile.mkdtemp(prefix="blindfold-prop-")),
                         stdout=io.BytesIO(), stderr=io.BytesIO(), stdin=io.BytesIO())
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    b = hw.ram.base
    pool = [b + POOL_BASE + i * PAGE for i in range(NPOOL)]
    targets = pool + [k.idle_ttbr0, g.kernel_ttbr1, g.reserved_base + 5 * PAGE,
                      hw.ram.end - PAGE, hw.ram.end, b - PAGE, 0x0900_0000]
    roi = [(b, 16 * PAGE), (b + POOL_BASE, NPOOL * PAGE),
           (g.reserved_base, hw.ram.end - g.reserved_base)]
    hello = find_workload("hello")
    assert hello is not None
    digest = g.conf.admit_image(hello.binary.read_bytes())
    return World(hw, g, hw.el1(0), k, targets, roi, (digest, g.conf.images[digest].entry))


# --- operations ---------------------------------------------------------------------------
target = st.one_of(st.integers(0, NPOOL - 1), st.integers(0, NPOOL + 6))
frame_arg = st.one_of(st.integers(0, NPOOL - 1), st.integers(-1, NPOOL + 6))  # -1: unaligned
ENCODINGS = ("table", "page", "block2", "block1", "invalid", "zero", "raw")

ops = st.one_of(
    st.tuples(st.just("register"), frame_arg, st.sampled_from([0, 1, 2, 3, 0, 3, 4])),
    st.tuples(st.just("set_pt"), st.integers(0, NPOOL - 1), st.sampled_from([0, 1, 2, 511]),
              st.sampled_from(ENCODINGS), target, st.integers(0, U64)),
    st.tuples(st.just("set_pt"), st.integers(0, NPOOL - 1), st.sampled_from([0, 1]),
              st.sampled_from(("table", "page")), st.integers(0, NPOOL - 1), st.just(0)),
    st.tuples(st.just("release"), frame_arg),
    st.tuples(st.just("free_pgd"), frame_arg),
    st.tuples(st.just("set_ptbr"), frame_arg, st.sampled_from([0, 1, 0xABC])),
    st.tuples(st.just("copy_page"), target, target),
    st.tuples(st.just("create_domain"), frame_arg, st.booleans()),
    st.tuples(st.just("set_sysreg_call"), st.integers(0, 8), st.integers(0, U64)),
    st.tuples(st.just("msr"), st.sampled_from(["TTBR0", "TTBR1", "SCTLR", "TCR", "VBAR",
                                               "MAIR"]), st.integers(0, 7), target),
)


def _frame(w: World, i: int) -> int:
    return w.targets[0] + 8 if i < 0 else w.targets[i]


def _desc(w: World, table: int, enc: str, tgt: int, raw: int) -> int:
    pa = w.targets[tgt]
    if enc == "table":
        return D.table_descriptor(pa) | (raw & D.AF)      # attribute bits ride along
    if enc == "page":
        return D.leaf_descriptor(pa, USER_RW)
    if enc == "block2":
        return D.leaf_descriptor(w.hw.ram.base + BLOCK_2M if raw & 1 else pa, USER_RW, level=2)
    if enc == "block1":
        return D.leaf_descriptor(w.hw.ram.base, USER_RW, level=1)
    if enc == "invalid":
        return (pa & D.ADDR_MASK) | D.AF
    if enc == "zero":
        return 0
    return raw


def _sysreg_value(w: World, reg: str, choice: int, tgt: int) -> int:
    cur_sctlr = w.el1.mrs(S.SCTLR_EL1)
    pa = w.targets[tgt]
    return {
        "TTBR0": [pa, pa | (7 << 48), pa | 8, w.kernel.idle_ttbr0, 0, pa, pa, pa][choice],
        "TTBR1": [w.g.kernel_ttbr1, w.g.kernel_ttbr1 | (3 << 48), pa, w.g.kernel_ttbr1 + PAGE,
                  0, pa, pa, pa][choice],
        "SCTLR": [cur_sctlr, cur_sctlr & ~S.SCTLR_M, cur_sctlr ^ S.SCTLR_WXN,
                  cur_sctlr | S.SCTLR_A, 0, cur_sctlr, cur_sctlr, cur_sctlr][choice],
        "TCR": [S.make_tcr(), S.make_tcr(t1sz=20), S.make_tcr(epd1=True),
                S.make_tcr() & ~(3 << S.TCR_TG1_SHIFT), S.make_tcr(epd0=True),
                S.make_tcr(tbi0=False), S.make_tcr(), 0][choice],
        "VBAR": [KERNEL_VBAR, pa, 0x1234_5000, KERNEL_VBAR + 0x800, 0, KERNEL_VBAR,
                 KERNEL_VBAR, KERNEL_VBAR][choice],
        "MAIR": [S.MAIR_DEFAULT, pa, 0, S.MAIR_DEFAULT, U64, 0, 0, 0][choice],
    }[reg]


SYSREGS = {"TTBR0": S.TTBR0_EL1, "TTBR1": S.TTBR1_EL1, "SCTLR": S.SCTLR_EL1,
           "TCR": S.TCR_EL1, "VBAR": S.VBAR_EL1, "MAIR": S.MAIR_EL1}


def _state(w: World) -> tuple[object, ...]:
    """Everything a refused call must leave alone."""
    ram = w.hw.ram
    cpu = w.hw.cpus[0]
    return (w.g.frames.snapshot(), tuple(ram.read(a, n) for a, n in w.roi),
            cpu.ttbr0, cpu.ttbr1, cpu.tcr, cpu.sctlr, cpu.vbar, w.g.live_ttbr0)


def apply(w: World, op: tuple) -> None:
    """Run one operation; a refusal must change nothing."""
    before = _state(w)
    kind = op[0]
    if kind == "msr":
        _, reg, choice, tgt = op
        value = _sysreg_value(w, reg, choice, tgt)
        try:
            w.el1.msr(SYSREGS[reg], value)
        except SysregRefused:
            assert _state(w) == before, f"refused msr {reg}={value:#x} changed state"
            return
        assert w.el1.mrs(SYSREGS[reg]) == value
        return
    if kind == "register":
        call, args = Call.REGISTER_PT, (_frame(w, op[1]), op[2])
    elif kind == "set_pt":
        table = w.targets[op[1]]
        call, args = Call.SET_PT, (table, op[2], _desc(w, table, op[3], op[4], op[5]))
    elif kind == "release":
        call, args = Call.RELEASE_PT, (_frame(w, op[1]),)
    elif kind == "free_pgd":
        call, args = Call.FREE_PGD, (_frame(w, op[1]),)
    elif kind == "set_ptbr":
        call, args = Call.SET_PTBR, (_frame(w, op[1]) | (op[2] << 48),)
    elif kind == "copy_page":
        call, args = Call.COPY_PAGE, (w.targets[op[1]], w.targets[op[2]])
    elif kind == "create_domain":
        digest, entry = w.admitted
        status, _, _ = w.g.hvc_data(int(Call.CREATE_DOMAIN),
                                    (_frame(w, op[1]), entry, 0x7FFF_F000),
                                    digest if op[2] else bytes(32))
        if status != Status.OK:
            assert _state(w) == before, f"refused CREATE_DOMAIN {op} changed state"
        return
    else:
        call, args = Call.SET_SYSREG, (op[1], op[2])
    status, _ = w.g.hvc(int(call), args)
    if status != Status.OK:
        assert _state(w) == before, f"refused {call.name}{args} ({Status(status).name}) changed state"


# --- the invariants -----------------------------------------------------------------------
def _leaf_frames(level: int, desc: int) -> range | None:
    if level == 0 or (level == 3 and not desc & D.TABLE):
        return None
    out = D.output_address(desc, level)
    return range(out, out + (1 << D.LEVEL_SHIFT[level]), PAGE)


def lm_state(w: World, pa: int) -> str:
    """How the kernel's linear map reaches a frame: 'rw', 'ro' or 'none'."""
    regime = Regime(ttbr0=0, ttbr1=w.g.kernel_ttbr1, tcr=S.make_tcr(), sctlr=S.SCTLR_M)
    walker = Walker(w.hw.ram)
    if isinstance(walker.translate(regime, LINEAR_BASE | pa, Access.READ, 1), TranslationFault):
        return "none"
    res = walker.translate(regime, LINEAR_BASE | pa, Access.WRITE, 1)
    return "ro" if isinstance(res, TranslationFault) else "rw"


def _domain_of(w: World, table: int) -> int | None:
    """The domain whose root a table hangs under (0: a plain root; None: an orphan)."""
    fr = w.g.frames
    for _ in range(4):
        parent = fr.record(table).parent
        if not parent:
            break
        table = parent & ~(PAGE - 1)
    rec = fr.record(table)
    if rec.level != 0:
        return None
    return w.g.conf.root_domain.get(table, 0)


def invariant_problems(w: World) -> list[str]:
    g, ram = w.g, w.hw.ram
    fr = g.frames
    out = list(fr.violations())
    tables = fr.frames_of(FrameKind.PAGE_TABLE)
    parents: Counter[int] = Counter()
    leaf_refs: Counter[int] = Counter()
    for table in tables:
        level = fr.record(table).level
        domain = None
        for i, desc in enumerate(_TABLE.unpack(ram.read(table, PAGE))):
            if not desc & D.VALID:
                continue
            entry = table + 8 * i
            if level < 3 and desc & D.TABLE:
                child = desc & D.ADDR_MASK
                parents[child] += 1
                if not fr.contains(child):
                    out.append(f"{entry:#x} links {child:#x} outside RAM")
                    continue
                crec = fr.record(child)
                if crec.kind != FrameKind.PAGE_TABLE or crec.level != level + 1:
                    out.append(f"{entry:#x} links {child:#x}, a {crec.kind.name} "
                               f"level-{crec.level} frame, from level {level}")
                elif crec.parent != entry:
                    out.append(f"table {child:#x} linked from {entry:#x} records parent "
                               f"{crec.parent:#x}")
                continue
            region = _leaf_frames(level, desc)
            if region is None:
                out.append(f"{entry:#x} holds a reserved level-{level} encoding {desc:#x}")
                continue
            for pa in region:
                if not fr.contains(pa):
                    continue
                leaf_refs[pa] += 1
                rec = fr.record(pa)
                if rec.kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
                    out.append(f"{entry:#x} maps {rec.kind.name} frame {pa:#x}")
                if rec.kind == FrameKind.CONFIDENTIAL:
                    if domain is None:
                        domain = _domain_of(w, table)
                    if domain is not None and domain != rec.owner:
                        out.append(f"{entry:#x} (domain {domain}) maps confidential frame "
                                   f"{pa:#x} of domain {rec.owner}")
    for child, n in parents.items():
        if n > 1:
            out.append(f"table {child:#x} has {n} parents")
    for table in tables:
        rec = fr.record(table)
        if rec.parent and parents[table] != 1:
            out.append(f"table {table:#x} records parent {rec.parent:#x} but is linked "
                       f"{parents[table]} times")
    for i in range(fr.nframes):
        pa = fr.base + i * PAGE
        if fr.user_maps[i] != leaf_refs.get(pa, 0):
            out.append(f"{pa:#x}: user_maps {fr.user_maps[i]} but {leaf_refs.get(pa, 0)} leaves")
    checks = {pa: "ro" for pa in tables}
    checks.update({pa: "none" for pa in fr.frames_of(FrameKind.GUARDIAN)})
    checks.update({pa: "none" for pa in fr.frames_of(FrameKind.CONFIDENTIAL)})
    for pa in w.targets:
        if fr.contains(pa) and pa not in checks:
            checks[pa] = "rw"
    for pa, want in checks.items():
        got = lm_state(w, pa)
        if got != want:
            out.append(f"linear map reaches {FrameKind(fr.kind_of(pa)).name} frame {pa:#x} "
                       f"as {got}, want {want}")
    cpu = w.hw.cpus[0]
    if cpu.ttbr1 & D.ADDR_MASK != g.kernel_ttbr1:
        out.append(f"TTBR1 {cpu.ttbr1:#x} is not the Guardian's linear map")
    if not cpu.sctlr & S.SCTLR_M:
        out.append("the MMU is off")
    root = cpu.ttbr0 & D.ADDR_MASK
    rrec = fr.record(root) if fr.contains(root) else None
    if rrec is None or rrec.kind != FrameKind.PAGE_TABLE or rrec.level or rrec.parent:
        out.append(f"TTBR0 {cpu.ttbr0:#x} is not a registered root")
    return out


def run_sequence(seq: list[tuple]) -> None:
    w = boot()
    assert invariant_problems(w) == []
    for n, op in enumerate(seq):
        apply(w, op)
        bad = invariant_problems(w)
        assert not bad, f"after step {n} {op}:\n" + "\n".join(bad[:10])


# --- tests ----------------------------------------------------------------------------------
@SETTINGS
@given(st.lists(ops, min_size=1, max_size=30))
def test_random_call_sequences_keep_the_invariants(seq: list[tuple]) -> None:
    run_sequence(seq)


# Sequences biased towards building real trees: register a chain under root 0 and an
# empty root 6, link the chain, map leaves, maybe make tree 0 a confidential domain; then
# random calls that favour the two roots.
root_arg = st.one_of(st.sampled_from([0, 6]), frame_arg)
tree_tail = st.one_of(
    ops,
    st.tuples(st.just("free_pgd"), root_arg),
    st.tuples(st.just("set_ptbr"), root_arg, st.just(0)),
    st.tuples(st.just("msr"), st.just("TTBR0"), st.just(0), st.sampled_from([0, 6])),
    st.tuples(st.just("set_pt"), st.sampled_from([0, 6]), st.sampled_from([0, 1]),
              st.sampled_from(("table", "zero")), st.sampled_from([1, 7]), st.just(0)),
)


def _tree_ops_prefix() -> list[tuple]:
    return [("register", 0, 0), ("register", 1, 1), ("register", 2, 2), ("register", 3, 3),
            ("register", 6, 0), ("register", 7, 1),
            ("set_pt", 0, 0, "table", 1, 0), ("set_pt", 1, 0, "table", 2, 0),
            ("set_pt", 2, 0, "table", 3, 0), ("set_pt", 3, 0, "page", 4, 0),
            ("set_pt", 3, 1, "page", 4, 0), ("set_pt", 3, 2, "page", 5, 0)]


def _tree_ops() -> st.SearchStrategy[list[tuple]]:
    build = _tree_ops_prefix()
    return st.tuples(st.booleans(), st.lists(tree_tail, max_size=20)).map(
        lambda bt: build + ([("create_domain", 0, True)] if bt[0] else []) + bt[1])


@SETTINGS
@given(_tree_ops())
def test_sequences_over_a_built_tree_keep_the_invariants(seq: list[tuple]) -> None:
    run_sequence(seq)


relink_tail = st.sampled_from([
    ("set_pt", 0, 0, "zero", 1, 0), ("set_pt", 6, 0, "table", 1, 0),
    ("set_pt", 0, 0, "table", 1, 0), ("set_pt", 6, 0, "zero", 1, 0),
    ("set_pt", 6, 1, "table", 7, 0), ("set_pt", 0, 1, "table", 7, 0),
    ("free_pgd", 0), ("free_pgd", 6), ("msr", "TTBR0", 0, 0), ("msr", "TTBR0", 0, 6),
])


@settings(SETTINGS, max_examples=30, phases=(Phase.generate,))   # no shrinking: known bugs
@given(st.lists(relink_tail, min_size=1, max_size=8).map(
    lambda tail: [*_tree_ops_prefix(), ("create_domain", 0, True), *tail]))
def test_relinking_sequences_keep_the_invariants(seq: list[tuple]) -> None:
    run_sequence(seq)


def test_the_checker_sees_a_planted_breach() -> None:
    """The invariant checker itself: a table written behind the Guardian's back is caught."""
    w = boot()
    a, b = w.targets[0], w.targets[1]
    apply(w, ("register", 0, 3))
    assert invariant_problems(w) == []
    w.hw.ram.write_u64(a, D.leaf_descriptor(w.g.kernel_ttbr1, USER_RW))
    assert any("GUARDIAN" in p for p in invariant_problems(w))
    w.hw.ram.write_u64(a, D.leaf_descriptor(b, USER_RW))
    assert any("user_maps" in p for p in invariant_problems(w))
