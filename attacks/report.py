"""Reports: a table for people; JSON, JUnit XML and KTAP for machines.

Status words, from best to worst:

- pass:        the expectation held (the attack succeeded without a Guardian, was refused
               with it, or did what the scenario declares for the predecessor design);
- closed:      refused, but the scenario still names a gap: the marker can go;
- claim:       what the attack achieved is the kernel's by Linux semantics (an extra
               asynchronous signal to a registered handler): not a Guardian property;
- open:        an attack that still gets through, marked with the property it breaks
               (`gap`): the list of holes the Guardian has yet to close (TAP's TODO);
- known:       the protection fails today and the scenario names the known issue (an
               expected failure, TAP's TODO);
- xpass:       a known issue no longer reproduces: the scenario must be updated;
- broken:      the attack failed where it must succeed, or never got control: the
               scenario proves nothing;
- no-evidence: the attack failed, but no refusal was visible;
- error:       the scenario's own code failed;
- violated:    a security property does not hold.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from attacks.runner import Result
from attacks.scenario import get

EXIT_OK = 0
EXIT_VIOLATED = 10       # a security property was violated
EXIT_BROKEN = 11         # a scenario proves nothing (broken, no evidence, error, stale known issue)
STYLE = {"pass": "green", "closed": "cyan", "claim": "cyan", "open": "yellow", "known": "yellow", "xpass": "magenta", "broken": "magenta",
         "no-evidence": "magenta", "error": "red", "violated": "bold red"}


def exit_code(results: Sequence[Result], strict: bool = False) -> int:
    """10 if any property was violated (known issues too with `strict`), else 11 if any
    scenario is broken, else 0."""
    statuses = {r.status for r in results}
    if "violated" in statuses or (strict and statuses & {"known", "open"}):
        return EXIT_VIOLATED
    if statuses & {"broken", "no-evidence", "error", "xpass"}:
        return EXIT_BROKEN
    return EXIT_OK


def failed(results: Sequence[Result], strict: bool = False) -> list[Result]:
    return [r for r in results if not r.ok or (strict and r.status in ("known", "open"))]


def totals(results: Sequence[Result]) -> dict[str, int]:
    c = Counter(r.status for r in results)
    return {k: c.get(k, 0) for k in STYLE}


def to_json(results: Sequence[Result], strict: bool = False) -> dict[str, Any]:
    rows = []
    for r in results:
        sc = get(r.scenario)
        o = r.outcome
        rows.append({
            "id": r.scenario, "test_id": r.test_id, "mode": r.mode,
            "title": sc.title if sc else "", "family": sc.family if sc else "",
            "property": sc.prop if sc else "", "goal": sc.goal.value if sc else "",
            "expected": r.expected, "status": r.status, "message": r.message,
            "leaks": o.leaks, "tampering": o.tampering, "evidence": o.evidence,
            "ended": o.ended, "seconds": round(o.seconds, 3),
            "known_issue": sc.known.get(r.mode, "") if sc else "",
            "gap": sc.gap if sc else "",
            "reproduce": r.reproduce if not r.ok else None,
        })
    return {"totals": totals(results), "exit_code": exit_code(results, strict),
            "results": rows}


def to_junit(results: Sequence[Result]) -> str:
    suite = ET.Element("testsuite", name="blindfold-attacks", tests=str(len(results)))
    counts = Counter()
    for r in results:
        sc = get(r.scenario)
        case = ET.SubElement(suite, "testcase", name=r.test_id,
                             classname=f"attacks.{sc.family if sc else 'unknown'}",
                             time=f"{r.outcome.seconds:.3f}")
        detail = "\n".join([r.message, *r.outcome.evidence, f"reproduce: {r.reproduce}"])
        if r.status == "violated":
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=r.message, type="violated").text = detail
        elif r.status in ("broken", "no-evidence", "error", "xpass"):
            counts["errors"] += 1
            ET.SubElement(case, "error", message=r.message, type=r.status).text = detail
        elif r.status in ("known", "open", "claim"):
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=r.message,
                          type="kernel-claim" if r.status == "claim" else "known-issue")
        else:
            ET.SubElement(case, "system-out").text = "\n".join([r.message, *r.outcome.evidence])
    for key in ("failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def to_ktap(results: Sequence[Result]) -> str:
    lines = ["KTAP version 1", f"1..{len(results)}"]
    for n, r in enumerate(results, 1):
        if r.status in ("pass", "closed"):
            lines.append(f"ok {n} {r.test_id}")
        elif r.status == "claim":
            lines.append(f"ok {n} {r.test_id} # SKIP {r.message}")
        elif r.status in ("known", "open"):
            lines.append(f"not ok {n} {r.test_id} # TODO {r.message}")
        else:
            lines.append(f"not ok {n} {r.test_id} # {r.status}: {r.message}")
            lines.append(f"# reproduce: {r.reproduce}")
    t = totals(results)
    fail = t["violated"] + t["broken"] + t["no-evidence"]
    lines.append(f"# Totals: pass:{t['pass'] + t['closed']} fail:{fail} "
                 f"xfail:{t['known'] + t['open']} "
                 f"xpass:{t['xpass']} skip:{t['claim']} error:{t['error']}")
    return "\n".join(lines) + "\n"


def render_table(results: Sequence[Result], console: Any, verbose: bool = False,
                 strict: bool = False) -> None:
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for col in ("scenario", "mode", "expected", "status", "detail"):
        table.add_column(col, overflow="fold")
    for r in results:
        style = STYLE.get(r.status, "")
        table.add_row(r.scenario, r.mode, r.expected, f"[{style}]{r.status}[/{style}]",
                      r.message)
        if verbose:
            for e in r.outcome.evidence:
                table.add_row("", "", "", "", f"[dim]{e}[/dim]")
    console.print(table)
    t = totals(results)
    console.print("  ".join(f"[{STYLE[k]}]{k}: {v}[/{STYLE[k]}]" for k, v in t.items() if v))
    bad = failed(results, strict)
    if bad:
        console.print("\n[bold]To reproduce:[/bold]")
        for r in bad:
            console.print(f"  {r.reproduce}    [dim]# {r.status}[/dim]")


def dumps(results: Sequence[Result], strict: bool = False) -> str:
    return json.dumps(to_json(results, strict), indent=2)
