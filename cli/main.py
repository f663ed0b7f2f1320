"""`blindfold`: the command line.

Wires the rooms together and reports; no modelling logic lives here.  Every
user mistake ends in one line on stderr and an exit code from the table in
emulator.errors (a traceback only with -v).
"""

from __future__ import annotations

import io
import json
import logging
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from cli.attack_cmd import attack
from cli.bench import bench
from cli.session import RunResult, run_program
from cli.trace_cmd import trace
from emulator.errors import EXIT_CODES, BlindfoldError, EmulatorFault, UsageError, exit_code_of
from emulator.machine_config import bundled_machines, format_size, load_machine
from workloads import all_workloads

if TYPE_CHECKING:
    from emulator.tracing.recorder import WriterMode  # click.Choice gives one of them

err_console = Console(stderr=True)


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s",
                        handlers=[RichHandler(console=err_console, show_time=False,
                                              show_path=verbose)])


def _fail(exc: BaseException, verbose: bool) -> None:
    """Report an error in one line (plus a traceback with -v) and exit."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, BlindfoldError):
        msg = str(exc)
    else:
        msg = (f"internal error: {exc.__class__.__name__}: {exc}; "
               "rerun with -v and report it")
    click.echo(f"blindfold: error: {msg}", err=True)
    sys.exit(exit_code_of(exc))


def _machine_arg(value: str | None) -> str | None:
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="blindfold")
def main() -> None:
    """Blindfold: a full-system ARMv8-A emulator for confidential-memory research."""


# --- run -----------------------------------------------------------------------------
@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--machine", "machine", metavar="FILE|NAME",
              help="Machine description (TOML file or a bundled name: "
                   "default, small, two-nodes).")
@click.option("--rootfs", type=click.Path(path_type=Path), metavar="DIR",
              help="Directory the guest sees as / (default: a fresh temporary directory).")
@click.option("--timing", type=click.Choice(["fast", "exact"]), default=None,
              help="fast (default; exact with --trace): no instruction counting while one "
                   "thread runs alone; exact: count every instruction in quanta.")
@click.option("--max-insns", type=click.IntRange(min=0), default=0, metavar="N",
              help="Stop with an error after N guest instructions (0: no limit).")
@click.option("--stats", "show_stats", is_flag=True, help="Print counters after the run (stderr).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (exit code, stats, captured output) instead.")
@click.option("--guardian", type=click.Choice(["off", "on", "mprotect"]), default="off",
              show_default=True,
              help="on: the Guardian (Blindfold) owns the linear map and mediates every "
                   "page-table write, TTBR switch and EL1 system-register write; mprotect: the "
                   "predecessor design (fixed per-syscall buffers, pinned confidential memory).")
@click.option("--confidential", is_flag=True,
              help="Run the program as a confidential process (needs the Guardian): its "
                   "memory and registers are hidden from the kernel.")
@click.option("--guardian-seed", type=int, default=None, metavar="N",
              help="Seed of the Guardian's private entropy (its keys, AT_RANDOM, getrandom for "
                   "confidential programs); never given to the kernel, recorded in a trace.")
@click.option("--mutate", default="", hidden=True, metavar="CHECK",
              help="Run the Guardian without one named check (mutation testing).")
@click.option("--trace", "trace_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Record a trace (SQLite) for `blindfold trace …`.")
@click.option("--trace-level", type=click.Choice(["events", "blocks", "insns", "mem"]),
              default="events", show_default=True,
              help="What to record besides events: basic blocks, instructions, memory accesses.")
@click.option("--trace-writer", type=click.Choice(["auto", "process", "inline"]),
              default="auto", show_default=True,
              help="Where the trace file is written: a writer process beside the guest "
                   "(auto picks it when a second CPU is free) or this process.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def run(program: str, args: tuple[str, ...], machine: str | None, rootfs: Path | None,
        timing: str | None, max_insns: int, show_stats: bool, as_json: bool,
        guardian: str, confidential: bool, guardian_seed: int | None, mutate: str,
        trace_path: Path | None, trace_level: str,
        trace_writer: WriterMode, verbose: bool, quiet: bool) -> None:
    """Boot PROGRAM (a workload name or a static AArch64 ELF) with ARGS."""
    _setup_logging(verbose, quiet or as_json)
    if program.startswith("-"):
        _fail(UsageError(f"unknown option {program}",
                         "see `blindfold run --help`; options go before the program"), verbose)
    out: Any = io.BytesIO() if as_json else sys.stdout.buffer
    errout: Any = io.BytesIO() if as_json else sys.stderr.buffer
    try:
        if timing is None:
            timing = "exact" if trace_path is not None else "fast"
        result = run_program(program, list(args), machine=machine, rootfs=rootfs, timing=timing,
                             max_insns=max_insns, stdout=out, stderr=errout,
                             stdin=None if not as_json else io.BytesIO(),
                             trace=trace_path, trace_level=trace_level,
                             trace_writer=trace_writer, guardian=guardian,
                             confidential=confidential, guardian_seed=guardian_seed,
                             mutate=mutate)
    except (BlindfoldError, KeyboardInterrupt) as exc:
        _flush()
        _fail(exc, verbose)
        return
    except Exception as exc:  # noqa: BLE001 - anything else is our bug, reported as such
        _flush()
        _fail(EmulatorFault(f"{exc.__class__.__name__}: {exc}", "rerun with -v and report it")
              if not verbose else exc, verbose)
        return
    _flush()
    if as_json:
        click.echo(json.dumps(_run_json(program, args, result, out.getvalue(),
                                        errout.getvalue()), indent=2))
    else:
        if not quiet:
            for w in result.warnings:
                click.echo(f"blindfold: warning: {w}", err=True)
            if result.crash:
                click.echo(f"blindfold: {result.crash}", err=True)
        if show_stats:
            _print_stats(result.stats)
    sys.exit(result.exit_code)


def _flush() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass


def _run_json(program: str, args: tuple[str, ...], r: RunResult, out: bytes, err: bytes
              ) -> dict[str, Any]:
    return {
        "program": program, "args": list(args), "exit_code": r.exit_code,
        "wait_status": r.wait_status, "signal": r.signal, "summary": r.summary,
        "crash": r.crash, "stdout": out.decode("utf-8", "backslashreplace"),
        "stderr": err.decode("utf-8", "backslashreplace"), "warnings": r.warnings,
        "stats": r.stats,
    }


def _print_stats(stats: dict[str, int]) -> None:
    table = Table(title="statistics", show_edge=False)
    table.add_column("counter")
    table.add_column("value", justify="right")
    for name, value in stats.items():
        table.add_row(name, f"{value:,}")
    err_console.print(table)


# --- machine --------------------------------------------------------------------------
@main.group()
def machine() -> None:
    """Inspect machine descriptions."""


@machine.command("show")
@click.option("--machine", "machine_arg", metavar="FILE|NAME", help="Machine description.")
@click.option("--json", "as_json", is_flag=True)
def machine_show(machine_arg: str | None, as_json: bool) -> None:
    """Print the resolved address map of a machine."""
    try:
        cfg = load_machine(machine_arg)
    except BlindfoldError as exc:
        _fail(exc, False)
        return
    if as_json:
        data = cfg.as_dict()
        data["address_map"] = [{"name": r.name, "kind": r.kind, "base": r.base, "size": r.size}
                               for r in cfg.address_map()]
        data["digest"] = cfg.digest()
        click.echo(json.dumps(data, indent=2))
        return
    console = Console()
    console.print(f"[bold]{cfg.name}[/bold]: {cfg.description}")
    console.print(f"cpu: {cfg.cpu.count} x {cfg.cpu.model}   clock: {cfg.clock_hz:,} Hz   "
                  f"swap: {format_size(cfg.swap_size)}   seed: {cfg.seed}")
    table = Table(show_edge=False)
    for col in ("region", "kind", "start", "end", "size"):
        table.add_column(col, justify="right" if col in ("start", "end", "size") else "left")
    for r in cfg.address_map():
        table.add_row(r.name, r.kind, f"{r.base:#014x}", f"{r.end:#014x}", format_size(r.size))
    console.print(table)


@machine.command("list")
def machine_list() -> None:
    """List the bundled machine descriptions."""
    for name, path in sorted(bundled_machines().items()):
        cfg = load_machine(path)
        click.echo(f"{name:12} {cfg.description}")


# --- workloads -------------------------------------------------------------------------
@main.group()
def workloads() -> None:
    """The bundled guest programs."""


@workloads.command("list")
@click.option("--json", "as_json", is_flag=True)
def workloads_list(as_json: bool) -> None:
    """Name and describe every bundled workload."""
    items = all_workloads()
    if as_json:
        click.echo(json.dumps([{"name": w.name, "description": w.description,
                                "default_args": list(w.default_args)} for w in items], indent=2))
        return
    table = Table(show_edge=False)
    table.add_column("name")
    table.add_column("description")
    for w in items:
        table.add_row(w.name, w.description)
    Console().print(table)


# --- exit codes ------------------------------------------------------------------------
@main.command("exit-codes")
def exit_codes() -> None:
    """Print the table of exit codes blindfold uses."""
    for row in EXIT_CODES:
        click.echo(f"{row.code:>4}  {row.name:16} {row.meaning}")


main.add_command(bench)
main.add_command(trace)
main.add_command(attack)

if __name__ == "__main__":
    main()
