"""`blindfold`: the command line.

Wires the rooms together and reports; no modelling logic lives here.  Every
user mistake ends in one line on stderr and an exit code from the table in
emulator.errors (a traceback only with -v).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import traceback
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli import startup_done
from emulator.errors import EXIT_CODES, BlindfoldError, EmulatorFault, UsageError, exit_code_of

if TYPE_CHECKING:
    from rich.console import Console

    from cli.session import RunResult
    from emulator.tracing.recorder import WriterMode  # click.Choice gives one of them

# Start-up time is paid by every command: rich, the simulator and the other command
# groups are imported when a command needs them, not when the CLI loads.
_LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module:attribute, the short help click would take from its docstring)
    "attack": ("cli.attack_cmd:attack", "Attack scenarios: an untrusted kernel or a DMA device..."),
    "bench": ("cli.bench:bench", "Measurements reported as ratios taken side by side in one run."),
    "trace": ("cli.trace_cmd:trace", "Query and export traces recorded with `blindfold run..."),
    "snapshot": ("cli.snapshot_cmd:snapshot", "Save a run's whole machine to a file and continue it later..."),
    "llm": ("cli.llm_cmd:llm", "The LLM room: the model, Prompt Cache and AsyncLM."),
}


class _LazyGroup(click.Group):
    """A command group whose heavier subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS and cmd_name not in self.commands:
            module, _, attr = _LAZY_COMMANDS[cmd_name][0].partition(":")
            self.add_command(getattr(import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own layout, with the lazy commands' short help taken from the table.
        names = [n for n in self.list_commands(ctx)
                 if n not in self.commands or not self.commands[n].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self.commands[n].get_short_help_str(limit) if n in self.commands
                 else _LAZY_COMMANDS[n][1]) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_err_console: Console | None = None


def err_console() -> Console:
    global _err_console
    if _err_console is None:
        from rich.console import Console
        _err_console = Console(stderr=True)
    return _err_console


class _LazyRichHandler(logging.Handler):
    """Formats records with rich, importing it only when the first record arrives."""

    def __init__(self, level: int, show_path: bool) -> None:
        super().__init__(level)
        self._show_path = show_path
        self._inner: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._inner is None:
            from rich.logging import RichHandler
            self._inner = RichHandler(console=err_console(), show_time=False,
                                      show_path=self._show_path)
            self._inner.setFormatter(self.formatter)
        self._inner.handle(record)


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s",
                        handlers=[_LazyRichHandler(logging.NOTSET, show_path=verbose)])


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


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="blindfold")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Blindfold: a full-system ARMv8-A emulator for confidential-memory research."""
    if ctx.invoked_subcommand != "run":      # run says when it has loaded the simulator
        startup_done()


# --- run -----------------------------------------------------------------------------
@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--machine", "machine", metavar="FILE|NAME",
              help="Machine description (TOML file or a bundled name: "
                   "default, small, two-nodes).")
@click.option("--rootfs", type=click.Path(path_type=Path), metavar="DIR",
              help="Run in a sandbox: DIR is the guest's / (default: the host's own files, "
                   "with the emulator's /proc, /sys and /dev).")
@click.option("-L", "sysroot", type=click.Path(path_type=Path), metavar="DIR",
              envvar="BLINDFOLD_LD_PREFIX", show_envvar=True,
              help="Load the ELF interpreter, and look up absolute paths, in DIR first "
                   "(e.g. an unpacked Debian arm64 libc6), as qemu-user's -L.")
@click.option("-E", "set_env", multiple=True, metavar="VAR=VALUE",
              help="Set VAR in the guest's environment (repeatable).")
@click.option("-U", "unset_env", multiple=True, metavar="VAR",
              help="Remove VAR from the guest's environment (repeatable).")
@click.option("--clean-env", is_flag=True,
              help="Start from a fixed environment (PATH, HOME, TERM=dumb, LANG=C), not the host's.")
@click.option("-0", "--argv0", metavar="NAME", help="argv[0] for the program (default: its path).")
@click.option("--epoch", metavar="SECONDS|fixed",
              help="The guest's wall clock at start: seconds since 1970 or 'fixed' "
                   "(2026-01-01); default: the host's time, read once at start.")
@click.option("--deterministic", is_flag=True,
              help="Pinned host inputs: a sandbox root, the clean environment, the fixed "
                   "epoch, no terminal and, with the Guardian, a fixed --guardian-seed (0, "
                   "unless one is given: the run's keys are then public).")
@click.option("--strace", "strace", is_flag=True,
              help="Print every syscall with its decoded arguments and result (stderr).")
@click.option("--strace-file", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the --strace lines to FILE instead (implies --strace).")
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
                   "confidential programs), for a reproducible run; never given to the kernel, "
                   "recorded in a trace.  Default: fresh boot entropy.")
@click.option("--admit", multiple=True, metavar="PATH",
              help="A file (absolute path inside --rootfs) a confidential program may mmap, "
                   "or, if it is a program, exec: the Guardian measures it at launch and "
                   "checks each page it maps; an exec'd program runs as a new domain "
                   "(repeatable).")
@click.option("--launch-filter", is_flag=True,
              help="The confidential program may start under a seccomp filter of its "
                   "launcher (systemd's SystemCallFilter=, a container runtime's profile): "
                   "the Guardian then lets any call answer an error a filter may give. "
                   "Without it the launch is taken to start with no filter.")
@click.option("--launch-suid-dumpable", type=click.IntRange(0, 2), default=None, metavar="N",
              help="The fs.suid_dumpable sysctl of the confidential program's run (0, 1 or "
                   "2): after a set*id call changes an effective id, prctl(PR_GET_DUMPABLE) "
                   "answers it (commit_creds()).  Without it the default configuration's 0.")
@click.option("--launch-no-new-privs", is_flag=True,
              help="The confidential program's launcher set no_new_privs before the first "
                   "exec (systemd's NoNewPrivileges=, `setpriv --no-new-privs`): every "
                   "thread then holds it.  Without it the launch is taken to leave it clear.")
@click.option("--launch-securebits", default=None, metavar="N",
              help="The securebits the confidential program's launcher held at its exec "
                   "(`capsh --secbits N`; 0..0xFFF, decimal or 0x hex): the first thread "
                   "starts with them but SECBIT_KEEP_CAPS, which exec clears.  Without it "
                   "the launch is taken to start with securebits 0.")
@click.option("--launch-inheritable", default=None, metavar="N",
              help="The inheritable capability set the confidential program's launcher "
                   "held at its exec (`capsh --inh=...`; a mask, decimal or 0x hex): the "
                   "first thread starts with it (exec keeps it).  Without it the launch is "
                   "taken to start with an empty inheritable set.")
@click.option("--launch-secure-exec", is_flag=True,
              help="The confidential program's launch runs under an LSM whose exec "
                   "transitions may make an exec secure (an SELinux domain transition "
                   "without `noatsecure`, AppArmor, Smack): AT_SECURE 1 with unchanged ids "
                   "is then an honest auxv for a root program.  Without it no LSM is taken "
                   "to run, and only a changed id (or a non-root program's file "
                   "capabilities) makes an exec secure.")
@click.option("--launch-fds", default=None, metavar="N[,N...]",
              help="Descriptors past 0, 1 and 2 the confidential program's launch passes "
                   "(a shell's `900</dev/null`, systemd's socket activation: LISTEN_FDS); "
                   "the kernel model starts the program with each open on /dev/null.  "
                   "Without it the launch passes 0..2 only, and a call on any other number "
                   "the program never opened answers -EBADF.")
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
@click.option("--gdb", "gdb_address", metavar="[HOST:]PORT",
              help="Serve gdb's remote protocol (localhost unless HOST is given); "
                   "`target remote :PORT` in gdb-multiarch.")
@click.option("--gdb-wait", is_flag=True, help="With --gdb: stop before the first instruction "
                                                 "until gdb attaches.")
@click.option("--gdb-view", type=click.Choice(["el", "kernel"]), default="el", show_default=True,
              help="With --gdb: memory as the current exception level sees it, or as the "
                   "untrusted kernel sees it (confidential pages absent).")
@click.option("--gdb-checkpoint-every", type=click.IntRange(min=0), default=2_000_000,
              show_default=True, metavar="N",
              help="With --gdb: checkpoint the machine every N instructions for reverse "
                   "execution (0: no reverse execution).")
@click.option("--snapshot-every", type=click.IntRange(min=0), default=0, metavar="N",
              help="Save the whole machine every N instructions (exact timing) into "
                   "--snapshot-dir, for `blindfold snapshot restore`.")
@click.option("--snapshot-dir", type=click.Path(path_type=Path), default=Path("snapshots"),
              show_default=True, metavar="DIR", help="Where --snapshot-every writes.")
@click.option("--blades", type=click.IntRange(min=1, max=16), default=None, metavar="N",
              help="On a rack machine: spread the program's threads over N compute blades.")
@click.option("--placement", type=click.Choice(["round-robin", "fill"]), default=None,
              help="On a rack machine: how threads are placed on blades.")
@click.option("-v", "--verbose", is_flag=True,
              help="Debug logging, tracebacks and the emulator's notes (unsupported syscalls).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def run(program: str, args: tuple[str, ...], machine: str | None, rootfs: Path | None,
        sysroot: Path | None, set_env: tuple[str, ...], unset_env: tuple[str, ...],
        clean_env: bool, argv0: str | None, epoch: str | None, deterministic: bool,
        strace: bool, strace_file: Path | None,
        timing: str | None, max_insns: int, show_stats: bool, as_json: bool,
        guardian: str, confidential: bool, guardian_seed: int | None, admit: tuple[str, ...],
        launch_filter: bool, launch_suid_dumpable: int | None, launch_no_new_privs: bool,
        launch_securebits: str | None, launch_inheritable: str | None,
        launch_secure_exec: bool, launch_fds: str | None, mutate: str,
        trace_path: Path | None, trace_level: str,
        trace_writer: WriterMode, gdb_address: str | None, gdb_wait: bool, gdb_view: str,
        gdb_checkpoint_every: int, snapshot_every: int, snapshot_dir: Path,
        blades: int | None, placement: str | None, verbose: bool, quiet: bool) -> None:
    """Boot PROGRAM (a workload name or an AArch64 ELF) with ARGS."""
    _setup_logging(verbose, quiet or as_json)
    if program.startswith("-"):
        _fail(UsageError(f"unknown option {program}",
                         "see `blindfold run --help`; options go before the program"), verbose)
    out: Any = io.BytesIO() if as_json else sys.stdout.buffer
    errout: Any = io.BytesIO() if as_json else sys.stderr.buffer
    strace_out: Any = None
    from cli import run_options
    from cli.session import run_program
    startup_done()
    try:
        view = run_options.host_view(
            rootfs=rootfs, sysroot=sysroot, set_env=set_env, unset_env=unset_env,
            clean_env=clean_env, epoch=epoch, deterministic=deterministic,
            interactive=not as_json)
        if strace or strace_file is not None:
            strace_out = run_options.strace_sink(strace_file, errout)
            view.strace = strace_out.write
        if timing is None:
            timing = "exact" if trace_path is not None else "fast"
        if deterministic and guardian != "off" and guardian_seed is None:
            guardian_seed = run_options.DETERMINISTIC_GUARDIAN_SEED
        gdb = None
        if gdb_address is not None:
            from cli.debug_session import GdbOptions
            gdb = GdbOptions(gdb_address, gdb_wait, gdb_view, gdb_checkpoint_every)
        elif gdb_wait:
            raise UsageError("--gdb-wait needs --gdb", "add --gdb PORT")
        result = run_program(program, list(args), machine=machine, timing=timing,
                             max_insns=max_insns, stdout=out, stderr=errout,
                             stdin=None if not as_json else io.BytesIO(),
                             trace=trace_path, trace_level=trace_level,
                             trace_writer=trace_writer, guardian=guardian,
                             confidential=confidential, guardian_seed=guardian_seed,
                             mutate=mutate, admit=admit, launch_filter=launch_filter,
                             launch_suid_dumpable=launch_suid_dumpable,
                             launch_no_new_privs=launch_no_new_privs,
                             launch_securebits=launch_securebits,
                             launch_inheritable=launch_inheritable,
                             launch_secure_exec=launch_secure_exec, launch_fds=launch_fds,
                             view=view, argv0=argv0, gdb=gdb,
                             snapshot_every=snapshot_every, snapshot_target=snapshot_dir,
                             blades=blades, placement=placement)
    except (BlindfoldError, KeyboardInterrupt) as exc:
        _flush()
        _fail(exc, verbose)
        return
    except Exception as exc:  # noqa: BLE001 - anything else is our bug, reported as such
        _flush()
        _fail(EmulatorFault(f"{exc.__class__.__name__}: {exc}", "rerun with -v and report it")
              if not verbose else exc, verbose)
        return
    finally:
        if strace_out is not None:
            strace_out.close()
    _flush()
    if as_json:
        import json
        click.echo(json.dumps(_run_json(program, args, result, out.getvalue(),
                                        errout.getvalue()), indent=2))
    else:
        if not quiet:
            for w in result.warnings:
                click.echo(f"blindfold: warning: {w}", err=True)
        if verbose:
            for n in result.notes:
                click.echo(f"blindfold: note: {n}", err=True)
            if result.crash:
                click.echo(f"blindfold: {result.crash}", err=True)
        if show_stats:
            _print_stats(result.stats, timing, result.notes)
    _exit(result.exit_code, skip_cleanup=trace_path is None)


def _exit(code: int, *, skip_cleanup: bool) -> None:
    """End the command with `code`.

    When this process is the `blindfold` command itself (not a test calling it), and
    everything it owns is closed, the interpreter's clean-up at exit (freeing every
    module, Unicorn instance and the RAM mapping one by one) is skipped: the output is
    flushed and the process ends at once.
    """
    _save_dataclass_code()
    if skip_cleanup and _standalone():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):
                code = code or 1 if stream is sys.stdout else code
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def _save_dataclass_code() -> None:
    """Keep what this run compiled for the next (only where the command installed it)."""
    code = sys.modules.get("cli.dataclass_code")
    if code is not None:
        code.save()


def _standalone() -> bool:
    """Whether this process was started as the blindfold command (script or `-m cli.main`)."""
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None and spec.name == "cli.main":
        return True
    return Path(sys.argv[0]).name == "blindfold"


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
        "notes": r.notes, "interrupted": r.interrupted, "stats": r.stats,
    }


def _print_stats(stats: dict[str, int], timing: str, notes: list[str]) -> None:
    from rich.table import Table
    table = Table(title="statistics", show_edge=False)
    table.add_column("counter")
    table.add_column("value", justify="right")
    for name, value in stats.items():
        table.add_row(name, f"{value:,}")
    err_console().print(table)
    if timing == "fast":
        # Fast timing runs a lone thread uncounted: the cycle count covers only the
        # counted (contended) slices and the kernel's own work.
        err_console().print("instructions: not counted in fast timing (only contended slices "
                          "are; cpu0.insns_counted and clock.cycles cover those); "
                          "use --timing exact for a full count")
    for n in notes:
        err_console().print(f"note: {n}")


# --- machine --------------------------------------------------------------------------
@main.group()
def machine() -> None:
    """Inspect machine descriptions."""


@machine.command("show")
@click.option("--machine", "machine_arg", metavar="FILE|NAME", help="Machine description.")
@click.option("--json", "as_json", is_flag=True)
def machine_show(machine_arg: str | None, as_json: bool) -> None:
    """Print the resolved address map of a machine."""
    from rich.console import Console
    from rich.table import Table

    from emulator.machine_config import format_size, load_machine
    try:
        cfg = load_machine(machine_arg)
    except BlindfoldError as exc:
        _fail(exc, False)
        return
    if as_json:
        import json
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
    if cfg.rack is not None:
        from emulator.rack.drawing import draw_rack
        click.echo("\n" + draw_rack(cfg.rack))


@machine.command("list")
def machine_list() -> None:
    """List the bundled machine descriptions."""
    from emulator.machine_config import bundled_machines, load_machine
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
    from rich.console import Console
    from rich.table import Table

    from workloads import all_workloads
    items = all_workloads()
    if as_json:
        import json
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


if __name__ == "__main__":
    main()
