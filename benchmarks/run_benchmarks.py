"""Side-by-side speed figures: blindfold (fast and exact timing) vs raw Unicorn vs qemu-user.

    python benchmarks/run_benchmarks.py [--quick] [--reps N] [--json OUT] [--profile "PROG ARGS"]

Every figure is the best of N repetitions (default 3) measured in this one
process, on the same binaries, so the ratios are comparable even on a noisy
machine.  Timing uses time.perf_counter here, in the harness only.

Sections:
  start-up  `busyloop 1` under each runner: the fixed cost of one run
  compute   busyloop / matmul / sha256: wall time, guest MIPS, steady state
            (wall minus start-up), ratios to qemu and raw Unicorn (plain, and
            "raw-tlb": with a TLB flush every 50 ms so QEMU can grow its TLB)
  syscalls  nullsys: null system calls per second
  paging    memhog: demand-paging faults per second
  cli       `blindfold run` as a subprocess, to show interpreter start-up
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from raw_unicorn import RawGuestError, run_raw_detailed  # noqa: E402

from cli.session import run_program  # noqa: E402
from workloads import BIN_DIR  # noqa: E402

QEMU = shutil.which("qemu-aarch64-static")
TARGET_RATIO_VS_QEMU = 2.0   # compute-bound wall time, default (fast) timing
STEADY_MIN_SHARE = 0.25      # report a steady-state figure only if start-up is < 75 % of the run


@dataclass(frozen=True)
class Sizes:
    """Workload sizes for one benchmark run."""

    busyloop_insns: int
    matmul_n: int
    sha256_mb: int
    nullsys_calls: int
    memhog_mb: int


DEFAULT = Sizes(busyloop_insns=2_000_000_000, matmul_n=200, sha256_mb=32,
                nullsys_calls=200_000, memhog_mb=64)
QUICK = Sizes(busyloop_insns=200_000_000, matmul_n=80, sha256_mb=2,
              nullsys_calls=20_000, memhog_mb=8)
TINY = Sizes(busyloop_insns=100_000, matmul_n=8, sha256_mb=1, nullsys_calls=200, memhog_mb=1)


@dataclass
class Sample:
    """One timed run: wall seconds, the guest's output and runner-specific counters."""

    seconds: float
    stdout: bytes
    exit_code: int
    stats: dict[str, int] = field(default_factory=dict)


# --- runners -------------------------------------------------------------------

def run_blindfold(program: str, args: list[str], timing: str = "fast") -> Sample:
    """One in-process run through cli.session.run_program (machine + kernel build included)."""
    out = io.BytesIO()
    start = time.perf_counter()
    res = run_program(program, args, timing=timing, stdout=out, stderr=io.BytesIO())
    elapsed = time.perf_counter() - start
    return Sample(elapsed, out.getvalue(), res.exit_code, dict(res.stats))


def run_raw_unicorn(program: str, args: list[str], tlb_flush_us: int | None = None) -> Sample:
    """One run on bare Unicorn (benchmarks/raw_unicorn.py), loading included."""
    start = time.perf_counter()
    res = run_raw_detailed(BIN_DIR / program, [program, *args], tlb_flush_us=tlb_flush_us)
    elapsed = time.perf_counter() - start
    return Sample(elapsed, res.stdout, res.exit_code, {"syscalls": sum(res.syscalls.values())})


def _run_subprocess(cmd: list[str]) -> Sample:
    """Run a command, timing it and counting its host minor page faults."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before
    return Sample(elapsed, proc.stdout, proc.returncode, {"host_minor_faults": faults})


def run_qemu(program: str, args: list[str]) -> Sample:
    """One `qemu-aarch64-static` run (process start-up included)."""
    if QEMU is None:
        raise RuntimeError("qemu-aarch64-static is not installed")
    return _run_subprocess([QEMU, str(BIN_DIR / program), *args])


def run_cli(program: str, args: list[str]) -> Sample:
    """One `blindfold run` subprocess (interpreter start-up and imports included)."""
    exe = shutil.which("blindfold", path=str(Path(sys.executable).parent)) or shutil.which("blindfold")
    cmd = [exe] if exe else [sys.executable, "-c", "from cli.main import main; main()"]
    return _run_subprocess([*cmd, "run", "-q", program, *args])


def best_of(fn: Callable[[], Sample], reps: int) -> Sample:
    """The fastest of `reps` runs; every run must exit 0 with the same output."""
    best: Sample | None = None
    for _ in range(max(1, reps)):
        s = fn()
        if s.exit_code != 0:
            raise RuntimeError(f"benchmark run failed with exit code {s.exit_code}: {s.stdout[-300:]!r}")
        if best is not None and s.stdout != best.stdout:
            raise RuntimeError("two repetitions printed different output")
        if best is None or s.seconds < best.seconds:
            best = s
    assert best is not None
    return best


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _steady(wall: float, startup: float | None) -> float | None:
    """Wall time minus start-up, or None when start-up is most of the run (too noisy to use)."""
    if startup is None:
        return None
    rest = wall - startup
    return rest if rest > STEADY_MIN_SHARE * wall else None


def _per_s(amount: float, seconds: float | None) -> float | None:
    return None if seconds is None or seconds <= 0 else amount / seconds


def _guest_insns(stats: dict[str, int]) -> int:
    """Instructions counted by blindfold's exact timing, summed over cores."""
    return sum(v for k, v in stats.items() if k.startswith("cpu") and k.endswith(".insns"))


# --- sections ------------------------------------------------------------------

RUNNERS = ("fast", "exact", "raw", "qemu")
COMPUTE_RUNNERS = ("fast", "exact", "raw", "raw-tlb", "qemu")
RAW_TLB_FLUSH_US = 50_000    # raw-tlb: flush Unicorn's TLB every 50 ms so that QEMU can grow it
STARTUP_OF = {"raw-tlb": "raw"}


def _runner(name: str) -> Callable[[str, list[str]], Sample]:
    if name in ("fast", "exact"):
        return lambda p, a: run_blindfold(p, a, name)
    if name == "raw-tlb":
        return lambda p, a: run_raw_unicorn(p, a, RAW_TLB_FLUSH_US)
    return {"raw": run_raw_unicorn, "qemu": run_qemu}[name]


def _best(name: str, program: str, args: list[str], reps: int) -> Sample:
    """Best of `reps` runs of one program under the named runner."""
    run = _runner(name)
    return best_of(lambda: run(program, args), reps)


def _available(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if n != "qemu" or QEMU is not None)


def measure_startup(reps: int) -> dict[str, float]:
    """Seconds for a trivial run (`busyloop 1`) under each runner."""
    return {name: _best(name, "busyloop", ["1"], reps).seconds
            for name in _available(RUNNERS)}


def measure_compute(sizes: Sizes, reps: int, startup: dict[str, float]) -> list[dict[str, Any]]:
    """Compute-bound guests under every runner: wall time, MIPS, steady state and ratios."""
    cases = [("busyloop", [str(sizes.busyloop_insns)]),
             ("matmul", [str(sizes.matmul_n)]),
             ("sha256", ["-n", str(sizes.sha256_mb)])]
    rows: list[dict[str, Any]] = []
    for program, args in cases:
        samples = {}
        for name in _available(COMPUTE_RUNNERS):
            try:
                samples[name] = _best(name, program, args, reps)
            except RawGuestError:
                if name != "raw-tlb":
                    raise
                # raw-tlb slices with a host timer thread; when its stop lands badly the
                # baseline is left out of this row rather than stopping the benchmark.
                continue
        outputs = {s.stdout for s in samples.values()}
        if program == "busyloop":
            insns = -(-sizes.busyloop_insns // 4) * 4   # the loop alone; start-up is ~10k more
            insns_source = "loop instructions (busyloop's own count)"
        else:
            insns = _guest_insns(samples["exact"].stats)
            insns_source = "counted by blindfold --timing exact"
        row: dict[str, Any] = {
            "program": program, "args": args, "guest_insns": insns, "insns_source": insns_source,
            "outputs_match": len(outputs) == 1, "seconds": {}, "steady_seconds": {}, "mips": {},
            "steady_mips": {},
        }
        for name, s in samples.items():
            steady = _steady(s.seconds, startup.get(STARTUP_OF.get(name, name)))
            row["seconds"][name] = s.seconds
            row["steady_seconds"][name] = steady
            row["mips"][name] = insns / s.seconds / 1e6
            row["steady_mips"][name] = None if steady is None else insns / steady / 1e6
        sec, st = row["seconds"], row["steady_seconds"]
        row["ratios"] = {
            "fast/qemu": _ratio(sec.get("fast"), sec.get("qemu")),
            "exact/qemu": _ratio(sec.get("exact"), sec.get("qemu")),
            "fast/raw": _ratio(sec.get("fast"), sec.get("raw")),
            "exact/raw": _ratio(sec.get("exact"), sec.get("raw")),
            "raw/qemu": _ratio(sec.get("raw"), sec.get("qemu")),
            "fast/raw-tlb": _ratio(sec.get("fast"), sec.get("raw-tlb")),
            "raw-tlb/qemu": _ratio(sec.get("raw-tlb"), sec.get("qemu")),
            "exact/fast": _ratio(sec.get("exact"), sec.get("fast")),
            "steady fast/qemu": _ratio(st.get("fast"), st.get("qemu")),
            "steady fast/raw": _ratio(st.get("fast"), st.get("raw")),
        }
        r = row["ratios"]["fast/qemu"]
        row["target_met"] = None if r is None else r <= TARGET_RATIO_VS_QEMU
        rows.append(row)
    return rows


def measure_syscalls(sizes: Sizes, reps: int, startup: dict[str, float]) -> dict[str, Any]:
    """nullsys: getppid() round trips per second (steady state: start-up subtracted)."""
    args = [str(sizes.nullsys_calls)]
    samples = {name: _best(name, "nullsys", args, reps)
               for name in _available(RUNNERS)}
    n = sizes.nullsys_calls
    per_s = {k: n / s.seconds for k, s in samples.items()}
    steady = {k: _per_s(n, _steady(s.seconds, startup.get(k))) for k, s in samples.items()}
    return {
        "calls": n,
        "seconds": {k: s.seconds for k, s in samples.items()},
        "syscalls_per_s": per_s,
        "steady_syscalls_per_s": steady,
        "outputs_match": len({s.stdout for s in samples.values()}) == 1,
        "ratios": {
            "qemu/fast (rate)": _ratio(per_s.get("qemu"), per_s.get("fast")),
            "qemu/exact (rate)": _ratio(per_s.get("qemu"), per_s.get("exact")),
            "raw/fast (rate)": _ratio(per_s.get("raw"), per_s.get("fast")),
            "steady qemu/fast (rate)": _ratio(steady.get("qemu"), steady.get("fast")),
        },
    }


def measure_paging(sizes: Sizes, reps: int) -> dict[str, Any]:
    """memhog: demand-paging faults per second (blindfold's own count; host faults for qemu)."""
    args = [str(sizes.memhog_mb)]
    names = _available(("fast", "exact", "qemu"))
    samples = {name: _best(name, "memhog", args, reps) for name in names}
    faults = {k: (s.stats.get("kernel.mm.page_faults") if k != "qemu"
                  else s.stats.get("host_minor_faults")) for k, s in samples.items()}
    sec = {k: s.seconds for k, s in samples.items()}
    return {
        "mb": sizes.memhog_mb,
        "seconds": sec,
        "page_faults": faults,
        "faults_source": {"fast": "kernel.mm.page_faults", "exact": "kernel.mm.page_faults",
                          "qemu": "host minor faults of the qemu process (getrusage)"},
        "page_faults_per_s": {k: (faults[k] or 0) / sec[k] for k in samples},
        "outputs_match": len({s.stdout for s in samples.values()}) == 1,
        "ratios": {"fast/qemu (time)": _ratio(sec.get("fast"), sec.get("qemu")),
                   "exact/qemu (time)": _ratio(sec.get("exact"), sec.get("qemu"))},
    }


def measure_cli(sizes: Sizes, reps: int) -> dict[str, Any]:
    """`blindfold run` as a subprocess next to in-process runs of the same cases, interleaved."""
    cases = {"trivial": ["1"], "busyloop": [str(sizes.busyloop_insns)]}
    best: dict[str, float] = {}
    for _ in range(max(1, reps)):
        for case, args in cases.items():
            for how, fn in (("cli", run_cli), ("inprocess", run_blindfold)):
                s = fn("busyloop", args)
                if s.exit_code != 0:
                    raise RuntimeError(f"blindfold run busyloop {args[0]} failed: {s.exit_code}")
                key = f"{how}_{case}_seconds"
                best[key] = min(best.get(key, s.seconds), s.seconds)
    return {
        "args": cases["busyloop"], **best,
        "cli_overhead_seconds": best["cli_trivial_seconds"] - best["inprocess_trivial_seconds"],
    }


def run_all(sizes: Sizes, reps: int = 3, *, cli: bool = True,
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every section, as one JSON-ready dictionary."""
    note = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    note("start-up")
    startup = measure_startup(reps)
    note("compute")
    compute = measure_compute(sizes, reps, startup)
    note("syscalls")
    syscalls = measure_syscalls(sizes, reps, startup)
    note("paging")
    paging = measure_paging(sizes, reps)
    cli_part = None
    if cli:
        note("cli")
        cli_part = measure_cli(sizes, reps)
    return {
        "host": {"python": platform.python_version(), "machine": platform.machine(),
                 "cpus": os.cpu_count(), "qemu": QEMU},
        "sizes": asdict(sizes), "reps": reps,
        "startup_seconds": startup,
        "compute": compute, "syscalls": syscalls, "paging": paging, "cli": cli_part,
        "target": {"fast/qemu wall time on compute-bound guests at most": TARGET_RATIO_VS_QEMU,
                   "met": {r["program"]: r["target_met"] for r in compute}},
        "total_seconds": time.perf_counter() - t0,
    }


# --- presentation ----------------------------------------------------------------

def _f(v: float | None, fmt: str = "{:.3f}") -> str:
    return "-" if v is None else fmt.format(v)


def render(report: dict[str, Any], console: Any = None) -> None:
    """Print the report as rich tables."""
    from rich.console import Console
    from rich.table import Table

    con = console or Console(width=None if sys.stdout.isatty() else 120)
    names = [n for n in RUNNERS if n in report["startup_seconds"]]
    t = Table(title="start-up: `busyloop 1` (s)")
    for n in names:
        t.add_column(n, justify="right")
    t.add_row(*[_f(report["startup_seconds"][n]) for n in names])
    con.print(t)

    t = Table(title="compute-bound guests (steady = wall minus that runner's start-up)")
    for col in ("workload", "runner", "wall s", "MIPS", "steady s", "steady MIPS",
                "wall / qemu", "wall / raw", "wall / raw-tlb", "steady / qemu"):
        t.add_column(col, justify="left" if col in ("workload", "runner") else "right")
    for r in report["compute"]:
        label = f"{r['program']} {' '.join(r['args'])}"
        for i, n in enumerate(x for x in COMPUTE_RUNNERS if x in r["seconds"]):
            sec, st = r["seconds"], r["steady_seconds"]
            t.add_row(label if i == 0 else "", n, _f(sec[n]), _f(r["mips"][n], "{:.0f}"),
                      _f(st[n]), _f(r["steady_mips"][n], "{:.0f}"),
                      _f(_ratio(sec[n], sec.get("qemu")), "{:.2f}"),
                      _f(_ratio(sec[n], sec.get("raw")), "{:.2f}"),
                      _f(_ratio(sec[n], sec.get("raw-tlb")), "{:.2f}"),
                      _f(_ratio(st[n], st.get("qemu")), "{:.2f}"),
                      end_section=i == len(r["seconds"]) - 1)
    con.print(t)
    for r in report["compute"]:
        met = r["target_met"]
        verdict = "-" if met is None else "met" if met else "MISSED"
        con.print(f"  {r['program']}: {r['guest_insns'] / 1e6:,.0f} M guest instructions "
                  f"({r['insns_source']}); outputs identical: {r['outputs_match']}; "
                  f"target fast/qemu <= {TARGET_RATIO_VS_QEMU:g}: {verdict} "
                  f"({_f(r['ratios']['fast/qemu'], '{:.2f}')}); "
                  f"exact/fast {_f(r['ratios']['exact/fast'], '{:.2f}')}")

    s = report["syscalls"]
    t = Table(title=f"system calls: nullsys {s['calls']} (getppid)")
    t.add_column("runner")
    t.add_column("s", justify="right")
    t.add_column("syscalls/s", justify="right")
    t.add_column("steady syscalls/s", justify="right")
    for n in names:
        if n in s["seconds"]:
            t.add_row(n, _f(s["seconds"][n]), _f(s["syscalls_per_s"][n], "{:,.0f}"),
                      _f(s["steady_syscalls_per_s"][n], "{:,.0f}"))
    con.print(t)
    con.print("  ratios: " + ", ".join(f"{k} {_f(v, '{:.1f}')}" for k, v in s["ratios"].items())
              + f"; outputs match: {s['outputs_match']}")

    p = report["paging"]
    t = Table(title=f"demand paging: memhog {p['mb']} MiB")
    t.add_column("runner")
    t.add_column("s", justify="right")
    t.add_column("page faults", justify="right")
    t.add_column("faults/s", justify="right")
    t.add_column("counted as")
    for n in p["seconds"]:
        t.add_row(n, _f(p["seconds"][n]), str(p["page_faults"][n]),
                  _f(p["page_faults_per_s"][n], "{:,.0f}"), p["faults_source"][n])
    con.print(t)
    con.print("  ratios: " + ", ".join(f"{k} {_f(v, '{:.1f}')}" for k, v in p["ratios"].items())
              + f"; outputs match: {p['outputs_match']}")

    c = report.get("cli")
    if c:
        t = Table(title="`blindfold run` subprocess vs in-process run_program (s)")
        t.add_column("case")
        t.add_column("subprocess", justify="right")
        t.add_column("in-process", justify="right")
        t.add_row("busyloop 1", _f(c["cli_trivial_seconds"]), _f(c["inprocess_trivial_seconds"]))
        t.add_row(f"busyloop {c['args'][0]}", _f(c["cli_busyloop_seconds"]),
                  _f(c["inprocess_busyloop_seconds"]))
        con.print(t)
        con.print(f"  interpreter start-up and imports: {_f(c['cli_overhead_seconds'])} s per command")
    con.print(f"best of {report['reps']} each; total {report['total_seconds']:.0f} s; "
              f"{report['host']['cpus']} host CPUs, Python {report['host']['python']}")


def profile(command: str, timing: str = "fast", top: int = 25) -> str:
    """cProfile one in-process blindfold run; returns the top entries by internal time."""
    program, *args = command.split()
    prof = cProfile.Profile()
    prof.enable()
    run_blindfold(program, args, timing)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (well under a minute)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per figure; the best counts")
    ap.add_argument("--json", metavar="OUT", help="also write every figure and ratio as JSON")
    ap.add_argument("--no-cli", action="store_true", help="skip the `blindfold run` subprocess runs")
    ap.add_argument("--profile", metavar="'PROG ARGS'",
                    help="instead: cProfile one blindfold run and print the top entries")
    ap.add_argument("--timing", default="fast", choices=("fast", "exact"), help="timing for --profile")
    ns = ap.parse_args(argv)
    if ns.profile:
        print(profile(ns.profile, ns.timing))
        return 0
    sizes = QUICK if ns.quick else DEFAULT
    report = run_all(sizes, ns.reps, cli=not ns.no_cli,
                     progress=lambda m: print(f"... {m}", file=sys.stderr, flush=True))
    render(report)
    if ns.json:
        Path(ns.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
