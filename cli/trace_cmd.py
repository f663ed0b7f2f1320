"""`blindfold trace …`: look into a recorded trace from the shell, or hand it to other tools.

Every subcommand opens the file through `TraceFile.open`, so a missing, truncated, foreign or
newer file ends in one line on stderr and exit status 3, never a traceback.  Data goes to stdout
(`--json` for scripts); nothing here changes the trace.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from emulator.errors import BlindfoldError, UsageError, exit_code_of
from emulator.trace import TraceEvent
from emulator.tracing.export import export_perfetto, export_tenet, require_instructions
from emulator.tracing.store import TraceFile

F = TypeVar("F", bound=Callable[..., Any])

_HEX_FIELDS = frozenset(("va", "pa", "table", "old", "new", "esr", "far", "elr", "handler",
                         "value"))


def _reports_errors(fn: F) -> F:
    """One line on stderr and the error's exit code, like every other blindfold command."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BlindfoldError as exc:
            click.echo(f"blindfold: error: {exc}", err=True)
            sys.exit(exit_code_of(exc))
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head): not an error
            sys.exit(0)

    return wrapper  # type: ignore[return-value]


class _Number(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """An integer in any Python spelling (0x…, 0o…, 0b…, decimal, with underscores)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return int(str(value), 0)
        except ValueError:
            self.fail(f"{value!r} is not a number", param, ctx)


NUMBER = _Number()
FILE_ARG = click.argument("path", metavar="FILE", type=click.Path(path_type=Path))


def _span(text: str | None, what: str) -> tuple[int | None, int | None]:
    """`A:B`, `A:` or `:B` (inclusive) -> bounds; None where open."""
    if text is None:
        return None, None
    lo, sep, hi = text.partition(":")
    if not sep:
        raise click.BadParameter(f"{text!r}: write {what} as START:END (either may be left out)")
    try:
        return (int(lo, 0) if lo.strip() else None), (int(hi, 0) if hi.strip() else None)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: START and END must be numbers") from exc


def _event_json(ev: TraceEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "time": ev.time, "kind": ev.kind, "cpu": ev.cpu, "pid": ev.pid,
            "tid": ev.tid, "pc": ev.pc, "addr": ev.addr, "data": ev.data}


def _field(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and key in _HEX_FIELDS:
        return f"{key}={value:#x}"
    if isinstance(value, list | tuple) and key == "args":
        return f"{key}=({', '.join(hex(v) if isinstance(v, int) else str(v) for v in value)})"
    return f"{key}={value}"


def _event_line(trace: TraceFile, ev: TraceEvent) -> str:
    head = (f"{ev.seq:>8}  t={ev.time:<12} cpu{ev.cpu} {ev.pid}/{ev.tid:<4} {ev.kind:<16} "
            f"pc={ev.pc:#x}")
    if ev.addr:
        head += f" addr={ev.addr:#x}"
    fields = [_field(k, v) for k, v in ev.data.items() if k != "regs"]
    if "regs" in ev.data:
        regs = dict(zip(trace.header.get("reg_names", []), ev.data["regs"], strict=False))
        changed = sorted(trace.changed_registers(ev.seq), key=list(regs).index)
        fields.append("changed: " + (" ".join(f"{r}={regs[r]:#x}" for r in changed) or "none"))
    return head + ("  " + " ".join(fields) if fields else "")


def _write_json_array(out: TextIO, items: Iterator[dict[str, Any]]) -> None:
    out.write("[")
    for i, item in enumerate(items):
        out.write(",\n" if i else "\n")
        out.write(json.dumps(item))
    out.write("\n]\n")


@click.group("trace", context_settings={"help_option_names": ["-h", "--help"]})
def trace() -> None:
    """Query and export traces recorded with `blindfold run --trace FILE`."""


@trace.command("info")
@FILE_ARG
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@_reports_errors
def info(path: Path, as_json: bool) -> None:
    """What produced the trace, and what is in it."""
    with TraceFile.open(path) as tf:
        t0, t1 = tf.time_range()
        summary = {"file": str(path), "events": tf.count(), "time_range": [t0, t1],
                   "kinds": tf.kinds(), "header": tf.header}
        if as_json:
            click.echo(json.dumps(summary, indent=2))
            return
        hidden = {"reg_names", "kind_counts", "complete", "events", "first_time", "last_time",
                  "time_sorted"}
        for key, value in tf.header.items():
            if key not in hidden:
                shown = " ".join(map(str, value)) if isinstance(value, list) else value
                click.echo(f"{key + ':':<20}{shown}")
        click.echo(f"{'events:':<20}{tf.count():,}")
        click.echo(f"{'time:':<20}{t0:,} .. {t1:,} cycles")
        click.echo(f"{'kinds:':<20}" + ", ".join(f"{k} {n:,}" for k, n in
                                                 sorted(tf.kinds().items(), key=lambda kv: -kv[1])))


@trace.command("query")
@FILE_ARG
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only this event kind (repeat for several).")
@click.option("--pid", type=int, help="Only events of this guest process.")
@click.option("--tid", type=int, help="Only events of this guest thread.")
@click.option("--addr", type=NUMBER, help="Only events at this address (fault VA, access, …).")
@click.option("--pc", type=NUMBER, help="Only events at this program counter.")
@click.option("--range", "time_range", metavar="T0:T1", help="Virtual-time window (cycles).")
@click.option("--seq", "seq_range", metavar="S0:S1", help="Sequence-number window.")
@click.option("--search", metavar="TEXT", help="Text in the kind or the event's fields.")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="At most N events (0: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N matches.")
@click.option("--reverse", is_flag=True, help="Newest first.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of events.")
@_reports_errors
def query(path: Path, kinds: tuple[str, ...], pid: int | None, tid: int | None,
          addr: int | None, pc: int | None, time_range: str | None, seq_range: str | None,
          search: str | None, limit: int, offset: int, reverse: bool, as_json: bool) -> None:
    """Events matching every filter given, in order."""
    t0, t1 = _span(time_range, "--range")
    s0, s1 = _span(seq_range, "--seq")
    with TraceFile.open(path) as tf:
        known = set(tf.kinds())
        unknown = [k for k in kinds if k not in known]
        if unknown and len(unknown) == len(kinds):
            click.echo(f"blindfold: note: no {', '.join(unknown)} events in this trace "
                       f"(kinds: {', '.join(sorted(known))})", err=True)
        evs = tf.iter_events(kind=list(kinds) or None, pid=pid, tid=tid, addr=addr, pc=pc,
                             t0=t0, t1=t1, seq0=s0, seq1=s1, search=search,
                             limit=limit or None, offset=offset, reverse=reverse)
        out = sys.stdout
        if as_json:
            _write_json_array(out, (_event_json(ev) for ev in evs))
        else:
            for ev in evs:
                out.write(_event_line(tf, ev) + "\n")


@trace.command("stats")
@FILE_ARG
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@_reports_errors
def stats(path: Path, as_json: bool) -> None:
    """Counts by kind, process, syscall, exception class and fault result."""
    with TraceFile.open(path) as tf:
        st = tf.stats()
    if as_json:
        click.echo(json.dumps(st, indent=2))
        return
    for key, value in st.items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for name, n in value.items():
                click.echo(f"  {name:<28}{n:>12,}")
        else:
            click.echo(f"{key + ':':<30}{value:>12,}" if isinstance(value, int)
                       else f"{key + ':':<30}{value!s:>12}")


@trace.command("export")
@FILE_ARG
@click.option("--format", "fmt", type=click.Choice(["perfetto", "tenet"]), required=True,
              help="perfetto: Chrome/Perfetto trace-event JSON (ui.perfetto.dev); "
                   "tenet: Tenet text trace (needs --trace-level insns or mem).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT",
              help="Write here instead of stdout.")
@click.option("--tid", type=int, help="Tenet: the guest thread to export (default: the busiest).")
@_reports_errors
def export(path: Path, fmt: str, output: Path | None, tid: int | None) -> None:
    """Convert the trace for Perfetto's UI or for Tenet."""
    with TraceFile.open(path) as tf:
        if fmt == "tenet":
            require_instructions(tf)    # refuse before creating an empty output file
        out: TextIO
        if output is None:
            out = sys.stdout
            n = export_tenet(tf, out, tid) if fmt == "tenet" else export_perfetto(tf, out)
        else:
            try:
                handle = output.open("w", encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {output}: {exc.strerror}",
                                 "choose a writable path for -o") from exc
            with handle as out:
                n = export_tenet(tf, out, tid) if fmt == "tenet" else export_perfetto(tf, out)
            what = "lines" if fmt == "tenet" else "trace events"
            click.echo(f"wrote {n:,} {what} to {output}", err=True)


@trace.command("inspect")
@FILE_ARG
@_reports_errors
def inspect(path: Path) -> None:
    """Open the interactive inspector (a terminal UI) on a trace."""
    from cli.inspector import inspect_trace
    inspect_trace(path)
