"""`blindfold attack …`: run the attack scenarios against the Guardian and report.

`list` and `explain` describe the registry; `run` executes scenario × mode
pairs and reports them as a table (people), JSON, JUnit XML or KTAP
(machines); `fuzz` lets a randomised adversary loose within a step budget;
`rules` prints which scenarios exercise each Guardian rule.  Exit codes: 0
when every expectation held, 10 when a security property was violated, 11
when a scenario proved nothing (see `attacks.report`).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from rich.console import Console

from attacks import report
from attacks.runner import Result, run_one
from attacks.scenario import MODES, Scenario, all_scenarios, get
from attacks.select import ExpressionError, compile_expression, item_names


def _pick(ids: tuple[str, ...], family: str | None) -> list[Scenario]:
    scenarios = all_scenarios()
    if ids:
        wanted = {i.upper() for i in ids}
        unknown = wanted - {s.id for s in scenarios}
        if unknown:
            raise click.UsageError(f"no such scenario: {', '.join(sorted(unknown))} "
                                   "(see `blindfold attack list`)")
        scenarios = [s for s in scenarios if s.id in wanted]
    if family:
        scenarios = [s for s in scenarios if s.family == family]
    return scenarios


@click.group("attack", context_settings={"help_option_names": ["-h", "--help"]})
def attack() -> None:
    """Attack scenarios: an untrusted kernel or a DMA device against the Guardian."""


@attack.command("list")
@click.option("--family", metavar="F", help="Only this family.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def list_cmd(family: str | None, as_json: bool) -> None:
    """Id, family and the property each scenario checks."""
    scenarios = _pick((), family)
    if as_json:
        click.echo(json.dumps([{"id": s.id, "family": s.family, "title": s.title,
                                "property": s.prop, "goal": s.goal.value, "actor": s.actor,
                                "rules": list(s.rules), "mprotect": s.mprotect.value,
                                "known": dict(s.known), "gap": s.gap}
                               for s in scenarios], indent=2))
        return
    from rich.table import Table
    table = Table(show_edge=False, header_style="bold")
    for col in ("id", "family", "property"):
        table.add_column(col, overflow="fold")
    for s in scenarios:
        table.add_row(s.id, s.family, s.prop)
    Console().print(table)
    families = sorted({s.family for s in scenarios})
    click.echo(f"{len(scenarios)} scenarios in {len(families)} families", err=True)


@attack.command("explain")
@click.argument("scenario_id")
def explain(scenario_id: str) -> None:
    """Everything a scenario declares: property, steps, expectations per mode."""
    s = get(scenario_id)
    if s is None:
        raise click.UsageError(f"no such scenario: {scenario_id}")
    from attacks.rules import by_id
    rules = by_id()
    click.echo(f"{s.id}  {s.title}")
    click.echo(f"  family:    {s.family}  (adversary: {s.actor})")
    click.echo(f"  property:  {s.prop}")
    click.echo(f"  goal:      {s.goal.value} — the attacker wins if "
               + ("8 or more contiguous secret bytes are seen outside the domain"
                  if s.goal.value == "leak" else "confidential state or control flow changed"))
    click.echo("  steps:")
    for line in s.approach:
        click.echo(f"    {line}")
    click.echo("  expected:")
    for mode in MODES:
        known = f"   (known issue {s.known[mode]})" if mode in s.known else ""
        click.echo(f"    {mode:9} {s.expected(mode).value}{known}")
    if s.silent:
        click.echo(f"  a refusal needs no decision because {s.silent}")
    if s.gap:
        from attacks.scenario import PROPERTIES
        click.echo(f"  open gap:  {s.gap} ({PROPERTIES[s.gap]}): reported 'open' while it "
                   "gets through")
    click.echo("  Guardian rules:")
    for rid in s.rules:
        click.echo(f"    {rid}: {rules[rid].statement if rid in rules else '?'}")
    click.echo(f"  run it:    blindfold attack run {s.id} --mode all -v")


@attack.command("run")
@click.argument("ids", nargs=-1)
@click.option("-k", "keyword", metavar="EXPR",
              help="Select like pytest -k, on test ids such as LM-001-on.")
@click.option("--family", metavar="F", help="Only this family.")
@click.option("--mode", type=click.Choice([*MODES, "all"]), default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--junit", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write JUnit XML to FILE.")
@click.option("--ktap", is_flag=True, help="Print KTAP lines instead of a table.")
@click.option("--strict", is_flag=True, help="Treat known issues as violations.")
@click.option("--machine", metavar="FILE|NAME", help="Machine description (default: small).")
@click.option("--trace", "trace_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Record a trace of the run (one scenario and mode only).")
@click.option("-v", "--verbose", is_flag=True, help="Show the evidence of every result.")
def run_cmd(ids: tuple[str, ...], keyword: str | None, family: str | None, mode: str,
            as_json: bool, junit: Path | None, ktap: bool, strict: bool, machine: str | None,
            trace_path: Path | None, verbose: bool) -> None:
    """Run scenarios (all, or IDS) in the chosen modes and report."""
    logging.disable(logging.WARNING)
    try:
        pick = compile_expression(keyword) if keyword else None
    except ExpressionError as exc:
        raise click.UsageError(str(exc)) from exc
    modes = MODES if mode == "all" else (mode,)
    pairs = [(s, m) for s in _pick(ids, family) for m in modes
             if pick is None or pick(item_names(f"{s.id}-{m}"))]
    if not pairs:
        raise click.UsageError("no scenario run matches the selection")
    if trace_path is not None and len(pairs) != 1:
        raise click.UsageError("--trace records one run: name one scenario and one --mode")
    err = Console(stderr=True)
    results: list[Result] = []
    with err.status("running attack scenarios") as status:
        for n, (s, m) in enumerate(pairs, 1):
            status.update(f"[{n}/{len(pairs)}] {s.id} in mode {m}")
            results.append(run_one(s, m, machine=machine, trace=trace_path))
    if junit is not None:
        junit.write_text(report.to_junit(results))
    if as_json:
        click.echo(report.dumps(results, strict))
    elif ktap:
        click.echo(report.to_ktap(results), nl=False)
    else:
        report.render_table(results, Console(), verbose=verbose, strict=strict)
    if trace_path is not None:
        click.echo(f"trace: blindfold trace info {trace_path}", err=True)
    sys.exit(report.exit_code(results, strict))


@attack.command("gaps")
@click.option("--run", "run_them", is_flag=True,
              help="Run each marked scenario with the Guardian on and say which still get "
                   "through (otherwise only list them).")
def gaps_cmd(run_them: bool) -> None:
    """The attacks marked as open gaps, by property (P1-P9): the Guardian's to-do list,
    after how many scenarios each property's family holds."""
    logging.disable(logging.WARNING)
    from attacks.rules import PROPERTY_RULES
    from attacks.scenario import PROPERTIES
    scenarios = all_scenarios()
    for prop, text in PROPERTIES.items():
        family = [s.id for s in scenarios if set(s.rules) & set(PROPERTY_RULES[prop])]
        click.echo(f"{prop} {text}: {len(family)} scenarios ({', '.join(family)})")
    click.echo("")
    marked = [s for s in scenarios if s.gap]
    still = 0
    for prop, text in PROPERTIES.items():
        mine = [s for s in marked if s.gap == prop]
        if not mine:
            continue
        click.echo(f"{prop} {text}")
        for s in mine:
            state = ""
            if run_them:
                r = run_one(s, "on")
                state = f"{r.status:7} "
                still += r.status == "open"
            click.echo(f"  {state}{s.id}  {s.title}")
    if run_them:
        click.echo(f"{still} of {len(marked)} marked attacks still get through", err=True)


@attack.command("rules")
def rules_cmd() -> None:
    """Each Guardian rule and the scenarios that exercise it."""
    from attacks.rules import RULES
    scenarios = all_scenarios()
    for rule in RULES:
        users = [s.id for s in scenarios if rule.id in s.rules]
        click.echo(f"{rule.id:22} {', '.join(users) or '-':40} {rule.validated}")


@attack.command("fuzz")
@click.option("--ops", type=click.IntRange(min=1), default=None,
              help="A seeded campaign of this many adversary operations (long sequences "
                   "against the running program; fast).")
@click.option("--steps", type=click.IntRange(min=1), default=200, show_default=True,
              help="Without --ops: operations for the hypothesis search (which shrinks).")
@click.option("--mode", type=click.Choice(["on", "mprotect"]), default="on", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--keep-going", is_flag=True,
              help="With --ops: go on after a failure and report each kind found.")
@click.option("--without", metavar="KINDS",
              help="With --ops: leave out operation kinds, comma-separated (e.g. fill,copy).")
@click.option("--tolerate-gaps", is_flag=True,
              help="With --ops: a failure an open gap (P5, P9) explains ends only its run.")
@click.option("--replay", metavar="JSON", help="Replay one sequence printed by a failure.")
def fuzz_cmd(ops: int | None, steps: int, mode: str, seed: int, keep_going: bool,
             without: str | None, tolerate_gaps: bool, replay: str | None) -> None:
    """A randomised adversary: Guardian calls, table stores, system-register writes, DMA,
    El1-face operations, signals and timers while `secret` runs confidentially; every
    invariant is checked after every operation."""
    logging.disable(logging.WARNING)
    from attacks import fuzz, fuzz_ops, fuzz_search
    if replay is not None:
        try:
            sequence = fuzz_ops.ops_from_json(replay)
        except ValueError as exc:
            raise click.UsageError(f"--replay: {exc}") from exc
        verdict = fuzz.run_sequence(sequence, mode)
        click.echo(verdict.describe())
        sys.exit(report.EXIT_VIOLATED if verdict.failures else report.EXIT_OK)
    try:
        if ops is not None:
            err = Console(stderr=True)
            kinds = tuple(k for k in (without or "").split(",") if k)
            with err.status("fuzzing") as status:
                summary = fuzz_search.campaign(
                    ops=ops, mode=mode, seed=seed, keep_going=keep_going, without=kinds,
                    tolerate_gaps=tolerate_gaps,
                    progress=lambda n: status.update(f"{n}/{ops} operations"))
        else:
            summary = fuzz_search.search(budget=steps, mode=mode, seed=seed)
    except ImportError as exc:
        raise click.UsageError(f"fuzzing needs hypothesis ({exc}); "
                               "install the dev extras: pip install -e .[dev]") from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(summary.describe())
    sys.exit(report.EXIT_VIOLATED if summary.failure else report.EXIT_OK)


@attack.command("mutate")
@click.option("--check", "names", multiple=True, metavar="NAME",
              help="Only this Guardian check (repeatable; default: every check).")
@click.option("--ci", is_flag=True, help="The cheap subset CI runs (a few checks, "
              "each against the scenarios that must catch it).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes.")
@click.option("--fuzz-ops", type=click.IntRange(min=0), default=0, show_default=True,
              help="Fuzz operations for a mutant no scenario caught.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def mutate_cmd(names: tuple[str, ...], ci: bool, jobs: int, fuzz_ops: int,
               as_json: bool) -> None:
    """Mutation testing: run the scenarios with each Guardian check removed in turn and
    report which removals nothing notices (exit 10 when a check survives)."""
    logging.disable(logging.WARNING)
    from attacks import mutation
    try:
        if ci:
            scores = [mutation.run([n], ids, jobs=1) for n, ids in mutation.CI_SUBSET.items()]
            score = mutation.Score([m for s in scores for m in s.mutants],
                                   sum(s.seconds for s in scores))
        else:
            def heard(m: mutation.Mutant) -> None:
                click.echo(f"{'caught' if m.caught else 'SURVIVED'} {m.check} "
                           f"{', '.join(m.caught_by[:1] or m.shadowed_by[:2])}", err=True)
            score = mutation.run(names or None, jobs=jobs, fuzz_ops=fuzz_ops, progress=heard)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(json.dumps(score.to_json(), indent=2) if as_json else score.describe())
    sys.exit(report.EXIT_VIOLATED if score.survivors else report.EXIT_OK)
