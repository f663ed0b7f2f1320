"""Mutation testing of the Guardian: remove one check, see whether anything notices.

For every check in `guardian.checks.CHECKS` the Guardian is run without it
(`guardian.checks.set_mutation`, the same switch as BLINDFOLD_MUTATE) and the
attack scenarios run in mode `on`.  The mutant is *caught* when a scenario
that holds in the intact build stops holding (its status changes from pass
or closed), when the Guardian's frame table reports an invariant breach the
intact build does not, or, failing those, when a short fuzz campaign finds a
leak or an invariant breach.  A check that survives is either redundant,
untested, or not consulted by the Guardian's code at all ("unwired": its
name appears nowhere in guardian/ except the registry).

This is the control run where "Guardian off" proves nothing: keys, return
paths and the El1 face are defended by code that, removed, must make some
attack succeed.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attacks.runner import baseline_decisions, run_one
from attacks.scenario import Scenario, all_scenarios, get

HOLDS = ("pass", "closed")
GUARDIAN_DIR = Path(__file__).resolve().parent.parent / "guardian"

#: A cheap subset for CI: checks and the scenarios that must catch their removal.
CI_SUBSET: dict[str, tuple[str, ...]] = {
    "return.elr": ("RT-001", "SG-004"),
    "sysreg.ttbr1": ("SR-001",),
    "set_pt.conf_owner": ("RM-001",),
    "swap_in.authentic": ("SM-002",),
    "set_pt.one_mapping": ("MM-001",),
    "set_pt.shared_writable": ("RY-013",),
    "return.lock_el1": ("EF-002",),
    "fork.one_child": ("FC-001",),
    "el0_sysregs.guardian_view": ("SR-006",),
    "entry.hide_irq_pc": ("IP-001",),
    "return.getrandom": ("KY-003",),
    "release_pt.kind": ("PT-009",),
}


@dataclass
class Mutant:
    check: str
    caught_by: list[str] = field(default_factory=list)
    wired: bool = True
    shadowed_by: list[str] = field(default_factory=list)   # checks that refused in its place
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)


@dataclass
class Score:
    mutants: list[Mutant]
    seconds: float

    @property
    def caught(self) -> int:
        return sum(m.caught for m in self.mutants)

    @property
    def survivors(self) -> list[Mutant]:
        return [m for m in self.mutants if not m.caught]

    def describe(self) -> str:
        n = len(self.mutants)
        lines = [f"mutation score: {self.caught}/{n} checks caught "
                 f"({100 * self.caught / max(n, 1):.0f} %) in {self.seconds:.0f} s"]
        for m in self.mutants:
            if m.caught:
                lines.append(f"  caught   {m.check:32} by {', '.join(m.caught_by[:3])}")
        for m in self.survivors:
            why = "not consulted by guardian/ (unwired)" if not m.wired else (
                f"redundant: without it {', '.join(m.shadowed_by[:3])} refused instead"
                if m.shadowed_by else "no scenario, invariant or fuzz run noticed its removal")
            lines.append(f"  SURVIVED {m.check:32} {why}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"caught": self.caught, "total": len(self.mutants), "seconds": self.seconds,
                "mutants": [{"check": m.check, "caught_by": m.caught_by, "wired": m.wired,
                             "shadowed_by": m.shadowed_by,
                             "seconds": round(m.seconds, 2)} for m in self.mutants]}


def checks() -> dict[str, str]:
    from guardian.checks import CHECKS
    return dict(CHECKS)


def is_wired(name: str) -> bool:
    """Whether guardian/ code names the check anywhere but the registry."""
    needle = f'"{name}"'
    for path in GUARDIAN_DIR.rglob("*.py"):
        if path.name != "checks.py" and needle in path.read_text():
            return True
    return False


def _status(sc: Scenario) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    r = run_one(sc, "on")
    return r.status, tuple(r.outcome.violations), tuple(r.outcome.decided_by)


def _set(name: str) -> None:
    from guardian.checks import set_mutation
    set_mutation(name)
    baseline_decisions.cache_clear()        # the workload's own refusals may change too


Base = dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]


def baseline(scenarios: Sequence[Scenario]) -> Base:
    _set("")
    return {sc.id: _status(sc) for sc in scenarios}


def fuzz_is_clean(fuzz_ops: int, seed: int = 0) -> bool:
    """Whether the intact build passes the fuzz campaign a mutant will face (if it does not,
    a failing campaign proves nothing about the mutant)."""
    if not fuzz_ops:
        return False
    from attacks import fuzz
    _set("")
    return fuzz.campaign(ops=fuzz_ops, seed=seed).failure is None


def mutate_one(name: str, scenarios: Sequence[Scenario],
               base: Base, fuzz_ops: int = 0,
               seed: int = 0) -> Mutant:
    """Run without check `name` until something notices (scenarios first, then fuzz).
    `fuzz_ops` > 0 only where the intact build passes that campaign (`fuzz_is_clean`)."""
    start = time.perf_counter()
    m = Mutant(name, wired=is_wired(name))
    _set(name)
    try:
        for sc in scenarios:
            was, was_bad, was_by = base[sc.id]
            if was not in HOLDS:
                continue
            now, bad, by = _status(sc)
            if name in was_by and now in HOLDS:
                m.shadowed_by += [c for c in by if c != name and c not in m.shadowed_by]
            if now not in HOLDS:
                m.caught_by.append(f"{sc.id} ({now})")
                break
            if set(bad) - set(was_bad):
                m.caught_by.append(f"{sc.id} (frame-table invariant)")
                break
        if not m.caught and fuzz_ops:
            from attacks import fuzz
            found = fuzz.campaign(ops=fuzz_ops, seed=seed)
            if found.failure is not None:
                m.caught_by.append(f"fuzz: {found.failure.failures[0][:80]}")
    finally:
        _set("")
    m.seconds = time.perf_counter() - start
    return m


_STATE: dict[str, object] = {}


def _init(ids: list[str], fuzz_ops: int) -> None:
    """A worker's intact baseline, computed once (scenario statuses, whether fuzz can judge)."""
    scenarios = [s for s in (get(i) for i in ids) if s is not None]
    _STATE.update(scenarios=scenarios, base=baseline(scenarios),
                  fuzz_ops=fuzz_ops if fuzz_is_clean(fuzz_ops) else 0)


def _one(name: str) -> Mutant:
    scenarios: list[Scenario] = _STATE["scenarios"]  # type: ignore[assignment]
    m = mutate_one(name, scenarios, _STATE["base"], _STATE["fuzz_ops"])  # type: ignore[arg-type]
    if m.caught_by and not m.caught_by[0].startswith("fuzz"):
        # Checks come in families (set_pt.*, sysreg.*): try the last catcher first.
        sid = m.caught_by[0].split()[0]
        scenarios.sort(key=lambda sc: sc.id != sid)
    return m


def run(names: Iterable[str] | None = None, scenario_ids: Sequence[str] | None = None,
        jobs: int = 2, fuzz_ops: int = 0,
        progress: Callable[[Mutant], None] | None = None) -> Score:
    """Mutate each named check (default: all) over `jobs` processes; `progress` hears of
    each mutant as soon as it is judged."""
    start = time.perf_counter()
    registry = checks()
    wanted = list(names) if names else list(registry)
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        raise ValueError(f"no Guardian check named {', '.join(unknown)}")
    ids = list(scenario_ids) if scenario_ids else [s.id for s in all_scenarios()]
    jobs = max(1, min(jobs, len(wanted)))
    mutants: list[Mutant] = []
    if jobs == 1:
        _init(ids, fuzz_ops)
        results: Iterable[Mutant] = (_one(n) for n in wanted)
        for m in results:
            mutants.append(m)
            if progress is not None:
                progress(m)
    else:
        with multiprocessing.get_context("spawn").Pool(jobs, _init, (ids, fuzz_ops)) as pool:
            for m in pool.imap_unordered(_one, wanted):
                mutants.append(m)
                if progress is not None:
                    progress(m)
    order = {n: i for i, n in enumerate(wanted)}
    mutants.sort(key=lambda m: order[m.check])
    return Score(mutants, time.perf_counter() - start)
