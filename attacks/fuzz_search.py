"""Driving the fuzzer: hypothesis-driven search, the seeded campaign behind
`blindfold attack fuzz --ops N`, delta-debugging shrink of a failure, and the
summary a run reports (operations, runs, invariant checks, ops/s)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from attacks.fuzz import INVARIANTS, Verdict, run_sequence
from attacks.fuzz_ops import _KINDS, WEIGHTS, Op, draw_op, strategies


@dataclass
class Summary:
    tried: int
    examples: int
    failure: Verdict | None
    seconds: float = 0.0
    checks: int = 0
    more: list[Verdict] = field(default_factory=list)     # further distinct failures
    open: dict[str, int] = field(default_factory=dict)    # runs ended by an open gap

    @property
    def ops_per_second(self) -> float:
        return self.tried / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        head = (f"fuzz: {self.tried} adversary operations in {self.examples} runs, "
                f"{self.seconds:.1f} s ({self.ops_per_second:.0f} ops/s), "
                f"{self.checks} invariant checks")
        checked = ("invariants checked after every operation:\n"
                   + "\n".join(f"  - {i}" for i in INVARIANTS))
        if self.open:
            head += "\nruns ended by open gaps (tolerated): " + ", ".join(
                f"{p} x{n}" for p, n in sorted(self.open.items()))
        if self.failure is None:
            return (head + ": the secret stayed hidden and the frame table consistent\n"
                    + checked)
        out = [head, checked, "minimal failing sequence:", self.failure.describe()]
        for n, v in enumerate(self.more, 2):
            out += [f"failure {n}:", v.describe()]
        return "\n".join(out)


def search(budget: int = 200, mode: str = "on", seed: int = 0, length: int = 20) -> Summary:
    """Hypothesis-driven sequences until `budget` operations were tried; shrink a failure."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    tried = [0, 0, 0]
    last_failure: list[Verdict] = []
    length = max(1, min(length, budget))
    start = time.perf_counter()

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
        tried[2] += v.checks
        if v.failures:
            last_failure[:] = [v]
            raise AssertionError("; ".join(v.failures))

    failure = None
    try:
        prop()
    except AssertionError:
        failure = last_failure[0] if last_failure else None
    return Summary(tried[0], tried[1], failure, time.perf_counter() - start, tried[2])


def shrink(ops: list[Op], mode: str = "on") -> Verdict:
    """Delta debugging: the shortest sub-sequence found that still fails."""
    best = run_sequence(ops, mode)
    if not best.failures:
        return best
    ops = best.ops
    chunk = max(1, len(ops) // 2)
    while chunk >= 1:
        i, changed = 0, False
        while i < len(ops):
            trial = ops[:i] + ops[i + chunk:]
            v = run_sequence(trial, mode) if trial else None
            if v is not None and v.failures:
                ops, best, changed = v.ops, v, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return best


def signature(v: Verdict) -> str:
    """What kind of failure this is (the invariant and the operation kind behind it)."""
    text = v.failures[0] if v.failures else ""
    op = v.culprit or (v.ops[-1] if v.ops else ("-",))
    kind = f"hvc {op[1]}" if op[0] == "hvc" else str(op[0])
    if text.startswith("at the end"):
        return text[:90]
    for key in ("secret readable", "refused operation changed", "frame table", "raised",
                "never ran"):
        if key in text:
            return f"{key} after {kind}"
    return text[:60]


def open_gap(v: Verdict) -> str:
    """The property of an open gap (attacks.scenario.PROPERTIES) that explains a failure,
    or '' when none does: those failures are new findings."""
    text = v.failures[0] if v.failures else ""
    op = v.culprit or ("-",)
    face = any(o.startswith(("fill ", "copy_page")) and "accepted" in o for o in v.outcomes)
    if op[0] in ("fill", "copy") or (face and ("at the end" in text or "readable" in text)):
        return "P9"              # EF-001/EF-002: the El1 face after RESUME
    if "ran twice" in text or "handler ran" in text or "re-ran" in text:
        return "P5"              # RP-005: a 'restart' of a completed syscall
    return ""


def campaign(ops: int = 100_000, mode: str = "on", seed: int = 0, per_run: int = 2_000,
             keep_going: bool = False, shrink_limit: int = 3,
             without: tuple[str, ...] = (), tolerate_gaps: bool = False,
             progress: Callable[[int], None] | None = None) -> Summary:
    """Seeded random sequences of `per_run` operations until `ops` were applied.  A failure
    is shrunk to a minimal replayable sequence; with `keep_going` the campaign goes on
    and reports each distinct kind of failure (the first `shrink_limit` shrunk).
    `without` leaves operation kinds out; with `tolerate_gaps` a failure an open gap
    explains (`open_gap`) is counted in `Summary.open` and the campaign goes on."""
    unknown = set(without) - set(WEIGHTS)
    if unknown:
        raise ValueError(f"unknown operation kinds {sorted(unknown)}; known: "
                         f"{', '.join(WEIGHTS)}")
    kinds = tuple(k for k in _KINDS if k not in without)
    rng = random.Random(seed)
    tried = runs = checks = 0
    found: dict[str, Verdict] = {}
    gaps: dict[str, int] = {}
    start = time.perf_counter()
    while tried < ops:
        seq = [draw_op(rng.choice, rng.randint, kinds)
               for _ in range(min(per_run, ops - tried + 50))]
        v = run_sequence(seq, mode)
        runs += 1
        checks += v.checks
        tried += v.tried
        if v.failures and tolerate_gaps and open_gap(v):
            gaps[open_gap(v)] = gaps.get(open_gap(v), 0) + 1
        elif v.failures:
            sig = signature(v)
            if sig not in found:
                found[sig] = shrink(v.ops, mode) if len(found) < shrink_limit else v
            if not keep_going:
                break
        elif not v.tried:
            raise RuntimeError("a sequence applied no operation: the workload never reached "
                               "PLACED")
        if progress is not None:
            progress(tried)
    failures = list(found.values())
    return Summary(tried, runs, failures[0] if failures else None,
                   time.perf_counter() - start, checks, failures[1:], gaps)
