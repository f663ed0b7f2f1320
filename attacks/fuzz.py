"""A randomised adversary, in the style of syzkaller's programs and pKVM's ownership tests.

Once the `secret` workload has placed its secret (confidentially, under the
Guardian), the adversary issues a sequence of operations the kernel has the
power to issue: Guardian calls with arguments drawn from interesting values,
direct stores into table pages, EL1 system-register writes and DMA.  After
every operation the referee checks that the secret appears nowhere the
kernel can read (the bytes an operation returned, the linear map of the
frames in play plus a sample, the secret's user addresses through EL1, the
kernel-visible registers) and that the Guardian's frame table has no
invariant violations.  Arguments are symbolic (`("frame", "heap")`, a
descriptor naming a frame, the live slot), resolved when the sequence runs,
so a failing sequence prints as a replayable JSON list and hypothesis can
shrink it.

An accepted RESUME ends a sequence: it is the return to EL0, after which
the kernel would not be running (scenarios RT-004/RT-005 cover the model's
departure from that).
"""

from __future__ import annotations

import json
import random
import struct
from dataclasses import dataclass, field
from typing import Any

from abi import SPECS, Call, Status
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.dma import DmaDenied
from attacks.hooks import StopRun
from attacks.runner import boot, find_leaks, run_session
from attacks.workload import Phase
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import CoreOwnedByUser, El1Fault, SysregRefused
from kernel_model.kernel import KERNEL_VBAR

Value = tuple[Any, ...]
Op = tuple[Any, ...]          # ("hvc", call, [values]) | ("store", frame, index, value)
#                               ("msr", reg, value) | ("dma", write, frame, offset, value)
FRAMES = ("free0", "free1", "heap", "stack", "mapped", "heap_l3", "heap_l2", "root",
          "idle_root", "helper_root", "helper_l3", "guardian0", "guardian_top", "ttbr1_root")
REGS = ("TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "SCTLR_EL1", "VBAR_EL1", "MAIR_EL1")
BITS = (0, 7, 23, 24, 32, 48)       # SCTLR.M, TCR.EPD0 (7) and neighbours, ASID bits
HELPER_VA = 0x20_0000_0000
SAMPLE = 16


@dataclass
class Verdict:
    ops: list[Op]
    tried: int = 0
    failures: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{self.tried} operations tried"]
        lines += [f"  {i}. {o}" for i, o in enumerate(self.outcomes, 1)]
        if self.failures:
            lines.append("FAILED:")
            lines += [f"  {f}" for f in self.failures]
            lines.append(f"replay: blindfold attack fuzz --replay '{ops_to_json(self.ops)}'")
        return "\n".join(lines)


def ops_to_json(ops: list[Op]) -> str:
    return json.dumps(ops, separators=(",", ":"))


def ops_from_json(text: str) -> list[Op]:
    def tup(x: Any) -> Any:
        return tuple(tup(i) for i in x) if isinstance(x, list) else x
    return [tup(op) for op in json.loads(text)]


class Env:
    """The interesting values at the moment the adversary starts (all kernel-visible)."""

    def __init__(self, a: Adversary) -> None:
        k = a.kernel
        self.a = a
        heap = a.walk(a.layout.heap)
        self.frames: dict[str, int] = {
            "free0": k.frames.alloc(), "free1": k.frames.alloc(),
            "heap": a.pa_of(a.layout.heap) & ~(PAGE - 1),             # type: ignore[operator]
            "stack": a.pa_of(a.layout.stack) & ~(PAGE - 1),           # type: ignore[operator]
            "mapped": a.pa_of(a.layout.mapped) & ~(PAGE - 1),         # type: ignore[operator]
            "heap_l3": heap[-1].table, "heap_l2": heap[-2].table, "root": a.mm.tables.root,
            "idle_root": k.idle_ttbr0 & D.ADDR_MASK,
            "guardian0": k.boot_info.reserved[0][0] if k.boot_info.reserved else 0,
            "guardian_top": (k.boot_info.ram_base + k.boot_info.ram_size - PAGE),
            "ttbr1_root": a.el1.mrs(S.TTBR1_EL1) & D.ADDR_MASK,
        }
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(self.frames["free1"], USER_RW))
        self.frames["helper_root"] = tree.root
        self.frames["helper_l3"] = a.walk(HELPER_VA, tree.root)[-1].table
        self.vas = {"heap": a.layout.heap, "stack": a.layout.stack, "mapped": a.layout.mapped}
        self.slot = a.thread.slot
        self.elr = a.reg("pc")

    def value(self, v: Value) -> int:
        kind = v[0]
        if kind == "lit":
            return int(v[1])
        if kind == "frame":
            return self.frames[v[1]]
        if kind == "va":
            return self.vas[v[1]]
        if kind == "slot":
            return self.slot + int(v[1])
        if kind == "elr":
            return self.elr
        if kind == "desc":
            _, shape, frame = v
            pa = self.frames[frame]
            if shape == "leaf":
                return D.leaf_descriptor(pa, USER_RW)
            if shape == "leaf_ro":
                return D.leaf_descriptor(pa, USER_RO)
            if shape == "block":
                return D.leaf_descriptor(pa & ~((2 << 20) - 1), USER_RO, level=2)
            return D.table_descriptor(pa)
        raise ValueError(f"unknown value {v!r}")


def _reg(name: str) -> S.SysReg:
    return getattr(S, name)


def _apply(env: Env, op: Op) -> tuple[str, bytes, bool]:
    """Perform one operation; (what happened, bytes it returned, ends the sequence)."""
    a = env.a
    kind = op[0]
    try:
        if kind == "hvc":
            call = Call[op[1]]
            args = tuple(env.value(v) for v in op[2])
            payload = b""
            if call == Call.USER_WRITE:
                payload = b"\x5a" * min(args[2] if len(args) > 2 else 8, PAGE)
            status, value, data = a.el1.hvc_data(call, args, payload)
            name = Status(status).name if status in Status._value2member_map_ else status
            return f"{call.name}{args} -> {name}", data, call == Call.RESUME and status == 0
        if kind == "store":
            _, frame, index, v = op
            a.el1.write_u64(a.lm(env.frames[frame]) + 8 * index, env.value(v))
            a.el1.tlbi_all()
            return f"store {frame}[{index}] accepted", b"", False
        if kind == "msr":
            _, reg, v = op
            cur = a.el1.mrs(_reg(reg))
            new = cur ^ (1 << v[1]) if v[0] == "flip" else (
                KERNEL_VBAR if v[0] == "kernel_vbar" else env.value(v))
            a.el1.msr(_reg(reg), new)
            a.el1.tlbi_all()
            return f"msr {reg}={new:#x} accepted", b"", False
        if kind == "dma":
            _, write, frame, offset, v = op
            pa = env.frames[frame] + 8 * offset
            if write:
                a.dma.write(pa, struct.pack("<Q", env.value(v)))
                return f"dma write {frame}+{8 * offset:#x} accepted", b"", False
            return f"dma read {frame}+{8 * offset:#x}", a.dma.read(pa, PAGE - 8 * offset), False
    except (El1Fault, SysregRefused, CoreOwnedByUser, DmaDenied) as exc:
        return f"{kind} refused: {type(exc).__name__}", b"", False
    raise ValueError(f"unknown operation {op!r}")


def _readable(env: Env) -> list[tuple[str, bytes]]:
    """What the kernel can read right now: the frames in play, a sample, user addresses."""
    a = env.a
    k = a.kernel
    blobs: list[tuple[str, bytes]] = [("registers", a.gprs()), ("vector registers",
                                                                a.vector_regs())]
    rng = random.Random(len(env.frames))
    alloc = [k.frames.base + n * PAGE for n in range(k.frames.nframes)
             if k.frames.refcount(k.frames.base + n * PAGE)]
    sample = rng.sample(range(k.frames.nframes), SAMPLE)
    frames = {*env.frames.values(), *alloc, *(k.frames.base + n * PAGE for n in sample)}
    for pa in sorted(frames):
        try:
            blobs.append((f"linear map {pa:#x}", a.read_lm(pa)))
        except El1Fault:
            pass
    for name, va in env.vas.items():
        try:
            blobs.append((f"user half {name}", a.el1.read(va, 64)))
        except El1Fault:
            pass
    return blobs


def run_sequence(ops: list[Op], mode: str = "on") -> Verdict:
    """Boot, run `secret` to its PLACED marker, then apply ops with checks after each."""
    verdict = Verdict(ops=list(ops))
    s = boot(mode)
    adv = s.adversary
    guardian = s.guardian

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        env = Env(a)
        secret = s.referee.secret
        for n, op in enumerate(ops, 1):
            try:
                what, data, ends = _apply(env, op)
            except Exception as exc:  # noqa: BLE001 - a crash in the monitor is a finding
                verdict.failures.append(f"op {n} {op!r} raised {type(exc).__name__}: {exc}")
                break
            verdict.tried += 1
            verdict.outcomes.append(what)
            if ends:
                break
            leaks = find_leaks(secret, [("returned", data), *_readable(env)])
            if leaks:
                verdict.failures.append(f"after op {n} {op!r}: secret readable in "
                                        f"{', '.join(leaks)}")
            bad = guardian.frames.violations() if guardian is not None else []
            if bad:
                verdict.failures.append(f"after op {n} {op!r}: frame table: {bad[:3]}")
            if verdict.failures:
                verdict.ops = list(ops[:n])       # what follows the failure is irrelevant
                break
        raise StopRun("the fuzzer's sequence is done")

    out = run_session(s, mode)
    if not out.secret or "stopped by the adversary" not in out.ended:
        verdict.failures.append(f"the sequence never ran ({out.ended})")
    return verdict


# --- hypothesis ------------------------------------------------------------------------
def strategies():  # noqa: ANN201 - hypothesis types are optional
    from hypothesis import strategies as st

    frame = st.sampled_from(FRAMES)
    value = st.one_of(
        st.tuples(st.just("frame"), frame),
        st.tuples(st.just("desc"), st.sampled_from(("leaf", "leaf_ro", "table", "block")),
                  frame),
        st.tuples(st.just("lit"), st.sampled_from((0, 1, 3, 511, 512, 0x1000, 0xFFF,
                                                   1 << 48, (1 << 64) - 1))),
        st.tuples(st.just("va"), st.sampled_from(("heap", "stack", "mapped"))),
        st.tuples(st.just("slot"), st.integers(-2, 2)),
        st.just(("elr",)),
    )
    # The most telling calls first: hypothesis draws (and shrinks towards) early entries.
    first = ("SET_PT", "USER_READ", "COPY_PAGE", "RESUME", "SET_PTBR", "REGISTER_PT")
    calls = [*first, *sorted(c.name for c in Call if c.name not in first)]
    frame_v = st.tuples(st.just("frame"), frame)
    desc_v = st.tuples(st.just("desc"), st.sampled_from(("leaf", "leaf_ro", "table", "block")),
                       frame)
    small = st.tuples(st.just("lit"), st.integers(0, 16))
    typed = {
        "pa": frame_v, "root": frame_v, "ttbr0": frame_v, "descriptor": desc_v,
        "index": st.tuples(st.just("lit"), st.integers(0, 511)),
        "level": st.tuples(st.just("lit"), st.integers(0, 3)),
        "slot": st.tuples(st.just("slot"), st.integers(-2, 2)),
        "elr": st.just(("elr",)), "entry": st.just(("elr",)),
        "va": st.tuples(st.just("va"), st.sampled_from(("heap", "stack", "mapped"))),
        "length": st.tuples(st.just("lit"), st.sampled_from((8, 64, 4096))),
        "signo": small, "version": small, "flags": small, "result": small,
    }

    def arg(name: str):  # noqa: ANN202
        for key, strat in typed.items():
            if name == key or name.endswith("_" + key) or name.startswith(key + "_"):
                return st.integers(0, 3).flatmap(lambda i, s=strat: s if i else value)
        return value

    @st.composite
    def hvc(draw):  # noqa: ANN001, ANN202
        name = draw(st.sampled_from(calls))
        names = SPECS[Call[name]].args if Call[name] in SPECS else ("a", "b", "c")
        return ("hvc", name, tuple(draw(arg(n)) for n in names))

    store = st.tuples(st.just("store"), frame, st.integers(0, 511), value)
    msr = st.tuples(st.just("msr"), st.sampled_from(REGS), st.one_of(
        st.tuples(st.just("flip"), st.sampled_from(BITS)), st.just(("kernel_vbar",)),
        st.tuples(st.just("frame"), frame)))
    dma = st.tuples(st.just("dma"), st.booleans(), frame, st.integers(0, 511), value)
    return st.one_of(hvc(), store, msr, dma)


@dataclass
class Summary:
    tried: int
    examples: int
    failure: Verdict | None

    def describe(self) -> str:
        head = f"fuzz: {self.tried} adversary operations in {self.examples} sequences"
        if self.failure is None:
            return head + ": the secret stayed hidden and the frame table consistent"
        return head + "\nminimal failing sequence:\n" + self.failure.describe()


def search(budget: int = 200, mode: str = "on", seed: int = 0, length: int = 20) -> Summary:
    """Random sequences until `budget` operations were tried; shrink a failure."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    tried = [0, 0]
    last_failure: list[Verdict] = []
    length = max(1, min(length, budget))

    @hseed(seed)
    @settings(max_examples=budget, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(strategies(), min_size=1, max_size=length))
    def prop(ops: list[Op]) -> None:
        if tried[0] >= budget and not last_failure:
            return              # the budget is spent: the remaining examples are not run
        v = run_sequence(ops, mode)
        tried[0] += v.tried
        tried[1] += 1
        if v.failures:
            last_failure[:] = [v]
            raise AssertionError("; ".join(v.failures))

    try:
        prop()
    except AssertionError:
        return Summary(tried[0], tried[1], last_failure[0] if last_failure else None)
    return Summary(tried[0], tried[1], None)
