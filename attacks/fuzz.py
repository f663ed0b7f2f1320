"""A goal-directed randomised adversary, in the style of syzkaller's programs and pKVM's
ownership tests.

The `secret` workload runs confidentially.  From its PLACED marker on, the
adversary acts at every point where a kernel gets control (markers, syscall
exits, faults, timer interrupts, signal delivery, right after a RESUME) with
operations it has the power to issue: Guardian calls with arguments drawn
from interesting values, stores into table pages, EL1 system-register
writes (EL0-visible bits included), DMA, the El1 face's loads, fills and
page copies, signals and an armed interval timer.  A `yield` operation lets
the program run on to the next such point, so calls land at many moments of
its life.

After every operation the referee checks the invariants (`INVARIANTS`):
the secret is in nothing the operation returned, in none of the frames in
play read through the linear map, in no kernel-visible register; a refused
operation changed no frame's kind; after an accepted one the Guardian's
frame table has no violation.  When the program ends, every copy of its
secret must be intact and its control flow its own.

Arguments are symbolic (`("frame", "heap")`, a descriptor naming a frame,
the live slot), resolved when the sequence runs, so a failing sequence is a
replayable JSON list (`attacks/fuzz_ops.py`: the vocabulary and its
generators).  This module runs one sequence and judges it (`run_sequence`);
`attacks/fuzz_search.py` drives many: `search` with hypothesis (which shrinks
a failure), `campaign` from a seeded generator for throughput (`blindfold
attack fuzz --ops 100000`), shrinking a failure by delta debugging.  The model
is deterministic, so a replay reproduces.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from abi import Call, Status
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.dma import DmaDenied
from attacks.fuzz_ops import FRAMES, Op, Value, ops_to_json
from attacks.hooks import Point, StopRun
from attacks.runner import _tampering, boot, find_leaks, run_session
from attacks.workload import SECRET_LEN, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import CoreOwnedByUser, CorePoweredOff, El1Fault, SysregRefused
from kernel_model.errors import KernelError
from kernel_model.kernel import KERNEL_VBAR
from kernel_model.pagetable import PageTableRefused

HELPER_VA = 0x20_0000_0000
STOPS = (Point.MARKER, Point.SYSCALL_EXIT, Point.FAULT, Point.IRQ, Point.SIGNAL_DELIVERED,
         Point.AFTER_RESUME)
REFUSALS = (El1Fault, SysregRefused, CoreOwnedByUser, CorePoweredOff, DmaDenied, KernelError,
            PageTableRefused)
INVARIANTS = (
    "the secret is in no bytes an operation returned to the kernel",
    "the secret is in none of the frames in play (the program's, the adversary's own, "
    "those the operation named) read through the kernel's linear map",
    "the secret is in no register the kernel can read",
    "a refused operation changes no frame's kind (check, then commit)",
    "after an accepted operation no new breach of the Guardian's invariants "
    "(guardian/invariants.py: frame table, hidden from the kernel and DMA, domain trees, "
    "shared frames read-only, no parent's frame where a fork left a range empty or out "
    "(MADV_WIPEONFORK/MADV_DONTFORK), one frame per page of a MAP_SHARED share, contexts, "
    "keys, one sealed version per address)",
    "whenever user code is about to run, the EL0-visible SCTLR/TCR/MAIR bits are the "
    "program's, not the kernel's",
    "at the end every copy of the secret is intact and control flow is the program's",
)


@dataclass
class Verdict:
    ops: list[Op]
    tried: int = 0
    failures: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    checks: int = 0
    ended: str = ""
    culprit: Op | None = None         # the operation a failure is attributed to
    baseline: list[str] = field(default_factory=list)   # invariant breaches before any op

    def describe(self, limit: int = 40) -> str:
        lines = [f"{self.tried} operations tried"]
        lines += [f"  {i}. {o}" for i, o in enumerate(self.outcomes[:limit], 1)]
        if len(self.outcomes) > limit:
            lines.append(f"  ... {len(self.outcomes) - limit} more")
        if self.failures:
            lines.append("FAILED:")
            lines += [f"  {f}" for f in self.failures]
            lines.append(f"replay: blindfold attack fuzz --replay '{ops_to_json(self.ops)}'")
        return "\n".join(lines)


class Env:
    """The interesting values (all kernel-visible), fixed at the first stop after PLACED."""

    def __init__(self, a: Adversary) -> None:
        k = a.kernel
        self.a = a
        heap = a.walk(a.layout.heap)
        image0 = a.pa_of(0x400000)
        self.frames: dict[str, int] = {
            "free0": k.frames.alloc(), "free1": k.frames.alloc(),
            "heap": self._frame(a.layout.heap), "stack": self._frame(a.layout.stack),
            "mapped": self._frame(a.layout.mapped),
            "heap_l3": heap[-1].table, "heap_l2": heap[-2].table, "root": a.mm.tables.root,
            "idle_root": k.idle_ttbr0 & D.ADDR_MASK,
            "guardian0": k.boot_info.reserved[0][0] if k.boot_info.reserved else 0,
            "guardian_top": (k.boot_info.ram_base + k.boot_info.ram_size - PAGE),
            "ttbr1_root": a.el1.mrs(S.TTBR1_EL1) & D.ADDR_MASK,
            "image0": (image0 or 0) & ~(PAGE - 1),
        }
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(self.frames["free1"], USER_RW))
        self.frames["helper_root"] = tree.root
        self.frames["helper_l3"] = a.walk(HELPER_VA, tree.root)[-1].table
        lay = a.layout
        self.vas = {"heap": lay.heap, "stack": lay.stack, "mapped": lay.mapped,
                    "heap_secret": lay.heap_secret, "win": lay.win,
                    "fresh": lay.fresh or lay.mapped, "untouched": lay.untouched or lay.heap}
        self.secret_frames = [self.frames[n] for n in ("heap", "stack", "mapped")]
        self.signalled = False

    def _frame(self, va: int) -> int:
        pa = self.a.pa_of(va)
        return (pa or 0) & ~(PAGE - 1)

    def value(self, v: Value) -> int:
        return self._value(v) & 0xFFFF_FFFF_FFFF_FFFF

    def _value(self, v: Value) -> int:
        kind = v[0]
        a = self.a
        if kind == "lit":
            return int(v[1])
        if kind == "frame":
            return self.frames[v[1]]
        if kind == "va":
            return self.vas[v[1]]
        if kind == "slot":
            return (a.thread.slot if a.kernel.current is not None else 0) + int(v[1])
        if kind == "elr":
            return a.reg("pc") + 4 * int(v[1] if len(v) > 1 else 0)
        if kind == "desc":
            _, shape, frame = v
            pa = self.frames[frame]
            if shape == "leaf":
                return D.leaf_descriptor(pa, USER_RW)
            if shape == "leaf_ro":
                return D.leaf_descriptor(pa, USER_RO)
            if shape == "block":
                return D.leaf_descriptor(pa & ~((2 << 20) - 1), USER_RO, level=2)
            if shape == "zero":
                return 0
            return D.table_descriptor(pa)
        raise ValueError(f"unknown value {v!r}")


def _apply(env: Env, op: Op) -> tuple[str, bytes, bool]:
    """Perform one operation; (what happened, bytes it returned, whether it changed state)."""
    a = env.a
    kind = op[0]
    try:
        if kind == "hvc":
            call = Call[op[1]]
            args = tuple(env.value(v) for v in op[2])
            payload = b""
            if call == Call.USER_WRITE:
                payload = b"\x5a" * min(args[2] if len(args) > 2 else 8, PAGE)
            status, _, data = a.el1.hvc_data(call, args, payload)
            name = Status(status).name if status in Status._value2member_map_ else status
            return f"{call.name}{tuple(hex(x) for x in args)} -> {name}", data, status == 0
        if kind == "store":
            _, frame, index, v = op
            a.el1.write_u64(a.lm(env.frames[frame]) + 8 * index, env.value(v))
            a.el1.tlbi_all()
            return f"store {frame}[{index}] accepted", b"", True
        if kind == "msr":
            _, reg, v = op
            cur = a.el1.mrs(getattr(S, reg))
            new = cur ^ (1 << v[1]) if v[0] == "flip" else (
                KERNEL_VBAR if v[0] == "kernel_vbar" else env.value(v))
            a.el1.msr(getattr(S, reg), new)
            a.el1.tlbi_all()
            return f"msr {reg}={new:#x} accepted", b"", True
        if kind == "dma":
            _, write, frame, offset, v = op
            pa = env.frames[frame] + 8 * offset
            if write:
                a.dma.write(pa, struct.pack("<Q", env.value(v)))
                return f"dma write {frame}+{8 * offset:#x} accepted", b"", True
            return f"dma read {frame}+{8 * offset:#x}", a.dma.read(pa, PAGE - 8 * offset), False
        if kind == "load":
            _, where, v = op
            addr = a.lm(env.value(v)) if where == "lm" else env.value(v)
            return f"load {where} {addr:#x}", a.el1.read(addr & ~(PAGE - 1), PAGE), False
        if kind == "fill":
            _, v = op
            a.el1.fill(env.value(v), 0, SECRET_LEN)
            return f"fill {env.value(v):#x} accepted", b"", True
        if kind == "copy":
            _, src = op
            dst = env.frames["free0"]
            a.el1.copy_page(a.lm(dst), env.value(src) & ~(PAGE - 1))
            try:
                data = a.read_lm(dst)
            except CoreOwnedByUser:
                data = b""          # the copy went through; its result is read later
            return "copy_page accepted", data, True
        if kind == "signal":
            _, signo = op
            from kernel_model import signals as sig
            a.kernel.signals.send_process(a.init, signo, sig.pack_siginfo(signo, sig.SI_USER))
            env.signalled = True
            return f"signal {signo} queued", b"", False
        if kind == "timer":
            _, cycles = op
            a.kernel.arm_itimer(a.init, a.kernel.clock.cycles + cycles, 0)
            env.signalled = True
            return f"timer in {cycles} cycles", b"", False
        if kind == "set_reg":
            _, reg, v = op
            a.set_reg(reg, env.value(v))
            return f"set {reg}", b"", False
    except REFUSALS as exc:
        return f"{kind} refused: {type(exc).__name__}", b"", False
    raise ValueError(f"unknown operation {op!r}")


_KEPT = (S.TTBR0_EL1, S.TCR_EL1, S.SCTLR_EL1, S.MAIR_EL1, S.VBAR_EL1)


def _sysregs(env: Env) -> list[int] | None:
    try:
        return [env.a.el1.mrs(r) for r in _KEPT]
    except CoreOwnedByUser:
        return None                # the core is the user's: EL1 can change nothing now


def _undo_sysregs(env: Env, saved: list[int] | None) -> None:
    """An attacker that wants to keep probing keeps its victim alive: after an accepted
    register write (or SET_PTBR) it writes the old values back, where allowed."""
    if saved is None:
        return
    for reg, old in zip(_KEPT, saved, strict=True):
        try:
            if env.a.el1.mrs(reg) != old:
                env.a.el1.msr(reg, old)
        except REFUSALS:
            pass


def _kernel_view(env: Env, op: Op) -> list[tuple[str, bytes]]:
    """What the kernel can read now: the frames in play and its registers."""
    a = env.a
    blobs: list[tuple[str, bytes]] = []
    try:
        blobs += [("registers", a.gprs()), ("vector registers", a.vector_regs())]
    except CoreOwnedByUser:
        return blobs               # the core is the user's: EL1 can read nothing now
    # The secret's own frames, the frames the adversary owns (where a copy or a DMA would
    # land) and whatever the operation named; the rest cannot change without naming them.
    frames = {*env.secret_frames, env.frames["free0"], env.frames["free1"]}
    frames.update(env.frames[x] for x in _named_frames(op))
    for pa in sorted(frames):
        try:
            blobs.append((f"linear map {pa:#x}", a.read_lm(pa)))
        except El1Fault:
            pass
    return blobs


def _named_frames(op: Op) -> list[str]:
    out = []

    def walk(x: Any) -> None:
        if isinstance(x, tuple):
            if len(x) >= 2 and x[0] == "frame":
                out.append(x[1])
            elif len(x) == 3 and x[0] == "desc":
                out.append(x[2])
            for y in x:
                walk(y)
        elif isinstance(x, str) and x in FRAMES:
            out.append(x)
    walk(op)
    return out


def run_sequence(ops: list[Op], mode: str = "on") -> Verdict:
    """Boot, run `secret` confidentially; from PLACED on, apply `ops` at the kernel's stop
    points (a `("yield",)` lets the program run on), checking the invariants after each."""
    verdict = Verdict(ops=list(ops))
    s = boot(mode, timing="exact")
    adv = s.adversary
    guardian = s.guardian
    frames = guardian.frames if guardian is not None else None
    checker = getattr(guardian, "invariants", None)

    def invariants() -> list[str]:
        """The Guardian's own invariants (guardian/invariants.py) when it has them."""
        if checker is not None:
            return list(checker.violations())
        return list(frames.violations()) if frames is not None else []
    queue = list(ops)
    state: dict[str, Any] = {"env": None, "n": 0}

    def check(env: Env, n: int, op: Op, data: bytes, changed: bool, before: bytes | None
              ) -> None:
        secret = s.witness.w.secret
        verdict.checks += 1
        leaks = find_leaks(secret, [("returned", data), *_kernel_view(env, op)])
        verdict.culprit = op
        if leaks:
            verdict.failures.append(f"after op {n} {op!r}: secret readable in "
                                    f"{', '.join(leaks)}")
        if frames is not None:
            if not changed and before is not None and bytes(frames.kind) != before:
                verdict.failures.append(f"after op {n} {op!r}: a refused operation changed "
                                        "frame kinds")
            elif changed:
                bad = [v for v in invariants() if v not in state["usual"]]
                if bad:
                    verdict.failures.append(f"after op {n} {op!r}: invariant: {bad[:3]}")

    def at_stop(**kw: Any) -> None:
        if adv.phase < Phase.PLACED or not s.witness.w.secret:
            return
        if state["env"] is None:
            state["env"] = Env(adv)
            # What already fails before the adversary acts is the monitor's own finding
            # (reported by `blindfold attack fuzz`), not something an operation caused.
            state["usual"] = set(invariants())
            verdict.baseline = sorted(state["usual"])
        env = state["env"]
        if state.get("last") is not None:
            # The kernel has control again: what did the operations before it leave
            # readable?  (After a RESUME EL1 could read nothing then.)
            n, op = state["last"]
            state["last"], state["last_changed"] = None, False
            check(env, n, op, b"", False, None)
            if verdict.failures:
                raise StopRun("an invariant failed")
        while queue:
            op = queue.pop(0)
            if op[0] == "yield":
                return
            state["n"] += 1
            before = bytes(frames.kind) if frames is not None else None
            saved = _sysregs(env)
            try:
                what, data, changed = _apply(env, op)
            except StopRun:
                raise
            except Exception as exc:  # noqa: BLE001 - a crash in the monitor is a finding
                verdict.failures.append(f"op {state['n']} {op!r} raised "
                                        f"{type(exc).__name__}: {exc}")
                raise StopRun("the monitor crashed") from exc
            verdict.tried += 1
            verdict.outcomes.append(what)
            check(env, state["n"], op, data, changed, before)
            if verdict.failures:
                raise StopRun("an invariant failed")
            if changed and op[0] in ("msr", "hvc"):
                _undo_sysregs(env, saved)
            if state.get("last") is None or (changed and not state.get("last_changed")):
                state["last"], state["last_changed"] = (state["n"], op), changed

    def at_return(**_: Any) -> None:
        """User code runs next: under the kernel's own EL0-visible bits it must not."""
        if guardian is None or state["env"] is None or verdict.failures:
            return
        cfg = s.witness.el0_config()
        verdict.checks += 1
        if cfg != s.witness.w.boot_config:
            verdict.failures.append(
                f"after op {state['n']}: user code runs with EL0-visible SCTLR/TCR/MAIR "
                f"{tuple(hex(x) for x in cfg)} instead of "
                f"{tuple(hex(x) for x in s.witness.w.boot_config)}")
            raise StopRun("an invariant failed")

    adv._hooks.add(Point.AFTER_RESUME, at_return)   # the fuzzer is part of the harness
    for point in STOPS:
        adv._hooks.add(point, at_stop)
    out = run_session(s, mode)
    verdict.ended = out.ended
    if not verdict.failures and s.witness.w.checked:
        found = [t for t in _tampering(out, s.witness)
                 if not (state["env"] is not None and state["env"].signalled
                         and "SIGUSR1" in t or "signal counter" in t)]
        if found:
            verdict.failures.append(f"at the end: {'; '.join(found)}")
    if not s.witness.w.secret:
        verdict.failures.append(f"the sequence never ran ({out.ended})")
    if verdict.failures and state["n"]:
        verdict.ops = _prefix(ops, state["n"])
    return verdict


def _prefix(ops: list[Op], applied: int) -> list[Op]:
    """The operations up to the `applied`-th real one (yields kept in place)."""
    out, n = [], 0
    for op in ops:
        out.append(op)
        if op[0] != "yield":
            n += 1
            if n >= applied:
                break
    return out

