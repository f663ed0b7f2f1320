"""The speed table: every row measured in one run beside qemu-user and raw Unicorn.

    python benchmarks/speed_table.py [--quick] [--reps N] [--json OUT] [--against TREE]
    python benchmarks/speed_table.py --profile "PROG ARGS" [--guardian on] [--confidential]

Every figure is host CPU time (user + system) of a whole command, taken from
`wait4` for that child alone, the median of N interleaved repetitions (each
repetition runs every runner once, in turn).  Per-event figures (a null
syscall, a page fault) are differences between a long and a short run of the
same program under the same runner, so start-up cancels.  Ratios are between
figures of this one run; nothing here is compared with a number from elsewhere.

Runners: `qemu` (qemu-aarch64-static), `native` (`blindfold run`, Guardian
off), `guardian` (`--guardian on`), `confidential` (`--guardian on
--confidential`), `raw` (benchmarks/raw_unicorn.py or, for page faults,
benchmarks/raw_paging.py: bare Unicorn with prebuilt ctypes calls, no OS model).
With `--against TREE` (another checkout of this project, e.g. the main branch)
each blindfold runner also runs from that tree, interleaved in the same
repetitions (`native@base` ...), and every row shows that tree's figures under
this one's: a change is measured side by side with what it replaces.

BusyBox rows need workloads/get-busybox.sh; the Go row needs a Go toolchain
(GOARCH=arm64, built here); rows that cannot run say why.  `--profile` runs
one program in this process and attributes its time (see profile.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / "workloads" / "bin"
BUSYBOX = ROOT / "workloads" / ".cache" / "busybox"
QEMU = shutil.which("qemu-aarch64-static")
MODES = {"native": [], "guardian": ["--guardian", "on"],
         "confidential": ["--guardian", "on", "--confidential"]}
BASE = "@base"                  # suffix of a runner that runs from the --against tree
TREES: dict[str, Path] = {"": ROOT}


@dataclass
class Usage:
    cpu: float          # user + system seconds of the child
    maxrss_kb: int
    rc: int
    stdout: bytes
    fastest: float = 0.0    # the least CPU of the repetitions (run_case's summaries)


def _env(tree: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)     # as installed: bytecode cached
    env["PYTHONPATH"] = str(tree)
    return env


def measure(cmd: list[str], cwd: Path | None = None, tree: Path = ROOT) -> Usage:
    """Run a command; its own CPU time and peak RSS (wait4, not the children total)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=_env(tree))
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        data = out.read()
    return Usage(ru.ru_utime + ru.ru_stime, ru.ru_maxrss, proc.returncode, data)


def blindfold_cmd(tree: Path = ROOT) -> list[str]:
    exe = Path(sys.executable).parent / "blindfold"
    if tree == ROOT and exe.exists() and "base" not in TREES:
        return [str(exe)]
    # With --against, both trees start the same way (the installed script is a few ms
    # cheaper than -m), so a start-up row compares like with like.
    return [sys.executable, "-m", "cli.main"]     # from `tree` (PYTHONPATH and cwd)


def split_runner(runner: str) -> tuple[str, Path]:
    """`native@base` -> ("native", the --against tree); `native` -> ("native", this tree)."""
    name, at, label = runner.partition("@")
    return name, TREES[label] if at else ROOT


def with_base(runners: list[str]) -> list[str]:
    """The runners, plus each blindfold runner from the --against tree (when given)."""
    if "base" not in TREES:
        return runners
    return [*runners, *(r + BASE for r in runners if r in MODES)]


# --- one workload under every runner ----------------------------------------------

@dataclass
class Case:
    """A program and arguments, prepared for each runner (a directory with its files)."""

    label: str
    program: Path                   # host path of the AArch64 binary
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    busybox: bool = False

    def setup(self, where: Path) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (where / name).write_bytes(data)
        if self.busybox:
            (where / "bin").mkdir(exist_ok=True)
            shutil.copyfile(self.program, where / "bin" / "busybox")
            (where / "bin" / "busybox").chmod(0o755)
        return where

    def command(self, runner: str, where: Path) -> list[str]:
        if runner == "qemu":
            assert QEMU is not None
            return [QEMU, str(self.program), *self.args]
        if runner == "raw":
            return [sys.executable, str(HERE / "raw_unicorn.py"), str(self.program), *self.args]
        prog = str(where / "bin" / "busybox") if self.busybox else str(self.program)
        mode, tree = split_runner(runner)
        return [*blindfold_cmd(tree), "run", "-q", "--rootfs", str(where), *MODES[mode], prog,
                *self.args]


def run_case(case: Case, runners: list[str], reps: int, tmp: Path) -> dict[str, Usage]:
    """Median CPU (and the matching peak RSS) per runner, interleaved; outputs must agree."""
    dirs = {r: case.setup(tmp / f"{case.label}-{r}".replace(" ", "_").replace("@", "-"))
            for r in runners}
    samples: dict[str, list[Usage]] = {r: [] for r in runners}
    for _ in range(reps):
        for r in runners:
            tree = split_runner(r)[1] if r not in ("qemu", "raw") else ROOT
            u = measure(case.command(r, dirs[r]), cwd=dirs[r], tree=tree)
            if u.rc != 0:
                raise RuntimeError(f"{case.label} under {r} exited with {u.rc}: {u.stdout[-200:]!r}")
            samples[r].append(u)
    outs = {r: s[0].stdout for r, s in samples.items()}
    if len(set(outs.values())) > 1:
        raise RuntimeError(f"{case.label}: runners printed different output")
    med: dict[str, Usage] = {}
    for r, s in samples.items():
        cpu = statistics.median(u.cpu for u in s)
        rss = statistics.median(u.maxrss_kb for u in s)
        med[r] = Usage(cpu, int(rss), 0, s[0].stdout, min(u.cpu for u in s))
    return med


# --- rows ---------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    unit: str
    values: dict[str, float | None]
    targets: list[tuple[str, str, Callable[[dict[str, float | None]], float | None], float, str]]
    note: str = ""

    def base_values(self) -> dict[str, float | None] | None:
        """The values with the --against tree's figures in place of this tree's (None
        when the row has none)."""
        based = {k[:-len(BASE)]: v for k, v in self.values.items() if k.endswith(BASE)}
        if not based:
            return None
        return {**{k: v for k, v in self.values.items() if not k.endswith(BASE)}, **based}

    def verdicts(self, values: dict[str, float | None] | None = None) -> list[dict[str, Any]]:
        out = []
        for label, shown, fn, limit, sense in self.targets:
            v = fn(self.values if values is None else values)
            met = None if v is None else (v <= limit if sense == "<=" else v >= limit)
            out.append({"target": label, "value": v, "limit": limit, "sense": sense,
                        "met": met, "shown": shown})
        return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


def per_event(case_long: Case, case_short: Case, events: int, runners: list[str], reps: int,
              tmp: Path) -> dict[str, float]:
    """CPU seconds per event: (long - short) / events, for each runner."""
    long = run_case(case_long, runners, reps, tmp)
    short = run_case(case_short, runners, reps, tmp)
    return {r: (long[r].cpu - short[r].cpu) / events for r in runners}


#: The rows, by the names --only takes, in the table's order.
ROW_NAMES = ("startup", "go", "sha256sum", "sha256", "nullsys", "pagefault", "shloop",
             "forkloop", "forkexec")


def rows(sizes: dict[str, int], reps: int, tmp: Path, only: set[str] | None) -> list[Row]:
    have_qemu = QEMU is not None
    q = ["qemu"] if have_qemu else []
    out: list[Row] = []

    def want(name: str) -> bool:
        return only is None or name in only

    if want("startup"):
        hello = Case("hello", BIN / "hello", [])
        r = run_case(hello, [*with_base([*q, "native"]), "raw"], reps, tmp)
        helps: dict[str, list[float]] = {}
        for _ in range(reps):
            for label, tree in TREES.items():
                helps.setdefault(label, []).append(
                    measure([*blindfold_cmd(tree), "--help"], cwd=tree, tree=tree).cpu)
        vals: dict[str, float | None] = {"native": r["native"].cpu, "qemu": r["qemu"].cpu if have_qemu else None,
                                         "help": statistics.median(helps[""]),
                                         "native_rss_mb": r["native"].maxrss_kb / 1024,
                                         "qemu_rss_mb": r["qemu"].maxrss_kb / 1024 if have_qemu else None}
        vals["native_min"] = r["native"].fastest     # start-up: the least noisy figure
        # The floor of a Unicorn-based command: a fresh Python, Unicorn imported, the same
        # program run on bare Unicorn (benchmarks/raw_unicorn.py).
        vals["raw"] = r["raw"].cpu
        if "native" + BASE in r:
            vals["native" + BASE] = r["native" + BASE].cpu
            vals["help" + BASE] = statistics.median(helps["base"])
            vals["native_min_against"] = r["native" + BASE].fastest
        out.append(Row("blindfold run hello (CPU s; --help; peak RSS MiB)", "s", vals, [
            ("run hello <= 0.12 s", "native", lambda v: v["native"], 0.12, "<="),
            ("--help <= 0.1 s", "help", lambda v: v["help"], 0.10, "<="),
        ], note="raw: hello on bare Unicorn from a fresh Python (interpreter, Unicorn's "
                "import, the run): the floor under any Unicorn-based command"))

    if want("go"):
        go_bin = build_go_hello(tmp)
        if go_bin is None:
            out.append(Row("Go program start-up", "s", {}, [], note="no Go toolchain (go build GOARCH=arm64)"))
        else:
            r = run_case(Case("go-hello", go_bin, []), with_base([*q, "native"]), reps, tmp)
            out.append(Row("Go program start-up (CPU s; peak RSS MiB)", "s", {
                "native": r["native"].cpu, "qemu": r["qemu"].cpu if have_qemu else None,
                "native_rss_mb": r["native"].maxrss_kb / 1024,
                "qemu_rss_mb": r["qemu"].maxrss_kb / 1024 if have_qemu else None,
                **({"native" + BASE: r["native" + BASE].cpu} if "native" + BASE in r else {})}, []))

    all_modes = with_base([*q, "native", "guardian", "confidential"])
    if want("sha256sum"):
        if not BUSYBOX.is_file():
            out.append(Row("BusyBox sha256sum", "x", {}, [], note="no BusyBox: workloads/get-busybox.sh"))
        else:
            mb = sizes["sha_mb"]
            data = bytes((i * 131 + (i >> 9)) & 0xFF for i in range(1 << 20)) * mb
            r = run_case(Case(f"sha256sum {mb}MB", BUSYBOX, ["sha256sum", "data.bin"],
                              {"data.bin": data}, busybox=True), all_modes, reps, tmp)
            out.append(_ratio_row(f"BusyBox sha256sum {mb} MB (CPU / qemu)", r, [
                ("native <= 2.0x qemu", "native", lambda v: v["native"], 2.0, "<="),
                ("confidential <= 1.1x native", "confidential/native",
                 lambda v: _ratio(v["confidential"], v["native"]), 1.1, "<=")]))
    if want("sha256"):
        mb = sizes["sha_mb"]
        r = run_case(Case(f"sha256 -n {mb}", BIN / "sha256", ["-n", str(mb)]),
                     [*all_modes, "raw"], reps, tmp)
        out.append(_ratio_row(f"sha256 -n {mb} workload (CPU / qemu)", r, [
            ("native <= 2.0x qemu", "native", lambda v: v["native"], 2.0, "<="),
            ("confidential <= 1.1x native", "confidential/native",
             lambda v: _ratio(v["confidential"], v["native"]), 1.1, "<=")]))

    if want("nullsys"):
        n = sizes["nullsys"]
        us = per_event(Case("nullsys", BIN / "nullsys", [str(n)]), Case("nullsys1", BIN / "nullsys", ["1"]),
                       n, [*all_modes, "raw"], reps, tmp)
        vals = {k: v * 1e6 for k, v in us.items()}
        out.append(Row("null syscall (getppid), us per call", "us", vals, [
            ("native <= 1.25x raw", "native/raw", lambda v: _ratio(v["native"], v["raw"]), 1.25, "<="),
            ("confidential <= 3x raw", "confidential/raw",
             lambda v: _ratio(v["confidential"], v["raw"]), 3.0, "<=")]))

    if want("pagefault"):
        n = sizes["faults"]
        per = per_event(Case("pagefault", BIN / "lmbench", ["pagefault", str(n)]),
                        Case("pagefault-short", BIN / "lmbench", ["pagefault", "16"]),
                        n - 16, all_modes, reps, tmp)
        vals = {k: (1 / v if v > 0 else None) for k, v in per.items()}
        raw = [measure([sys.executable, str(HERE / "raw_paging.py"), str(n)]) for _ in range(reps)]
        raw_short = [measure([sys.executable, str(HERE / "raw_paging.py"), "16"]) for _ in range(reps)]
        dt = statistics.median(u.cpu for u in raw) - statistics.median(u.cpu for u in raw_short)
        vals["raw"] = (n - 16) / dt if dt > 0 else None
        out.append(Row("page faults (lmbench pagefault), faults per CPU second", "/s", vals, [
            ("native >= 60k/s", "native", lambda v: v["native"], 60_000, ">="),
            ("guardian >= 30k/s", "guardian", lambda v: v["guardian"], 30_000, ">="),
            ("confidential >= 25k/s", "confidential", lambda v: v["confidential"], 25_000, ">=")]))

    if BUSYBOX.is_file():
        if want("shloop"):
            n = sizes["loop"]
            r = run_case(Case(f"sh loop {n}", BUSYBOX, ["sh", "-c",
                              f"i=0; while [ $i -lt {n} ]; do i=$((i+1)); done; echo $i"],
                              busybox=True), [*all_modes, "raw"], reps, tmp)
            out.append(_ratio_row(f"BusyBox sh {n}-iteration loop (CPU / qemu)", r, [
                ("confidential <= 1.1x native", "confidential/native",
                 lambda v: _ratio(v["confidential"], v["native"]), 1.1, "<=")],
                note="raw: the same BusyBox on bare Unicorn (its few syscalls answered or ENOSYS)"))
        if want("forkloop"):
            n = sizes["forks"]
            r = run_case(Case(f"fork loop {n}", BUSYBOX, ["sh", "-c",
                              f"i=0; while [ $i -lt {n} ]; do (true); i=$((i+1)); done; echo $i"],
                              busybox=True), all_modes, reps, tmp)
            out.append(_ratio_row(f"fork loop ({n} subshells) (CPU / qemu)", r, [
                ("native <= 3x qemu", "native", lambda v: v["native"], 3.0, "<=")]))
    if want("forkexec"):
        out.append(forkexec_row(sizes["forks"], reps, tmp, have_qemu))
    return out


def _ratio_row(name: str, r: dict[str, Usage], targets: list[Any], note: str = "") -> Row:
    """CPU seconds, shown as a ratio to qemu where qemu ran (targets read those ratios)."""
    base = r["qemu"].cpu if "qemu" in r else None
    vals: dict[str, float | None] = {}
    for k, u in r.items():
        vals[k] = u.cpu / base if base else u.cpu
    vals["qemu_cpu_s"] = base
    return Row(name, "x", vals, targets, note=note)


def forkexec_row(n: int, reps: int, tmp: Path, have_qemu: bool) -> Row:
    """lmbench forkexec N.  qemu-user hands execve to the host kernel, which cannot run an
    AArch64 image without a binfmt registration; its figure is therefore lmbench forkexit N
    plus N starts of `qemu-aarch64-static lmbench exit0` (what a binfmt exec would cost)."""
    runners = with_base(["native", "guardian", "confidential"])
    r = run_case(Case(f"forkexec {n}", BIN / "lmbench", ["forkexec", str(n)]), runners, reps, tmp)
    vals: dict[str, float | None] = {k: u.cpu for k, u in r.items()}
    if have_qemu:
        fork = run_case(Case(f"forkexit {n}", BIN / "lmbench", ["forkexit", str(n)]), ["qemu"], reps, tmp)
        one = statistics.median(measure([QEMU, str(BIN / "lmbench"), "exit0"]).cpu for _ in range(max(reps, 5)))
        qemu = fork["qemu"].cpu + n * one
        vals = {k: v / qemu for k, v in vals.items() if v is not None}
        vals["qemu"] = 1.0
        vals["qemu_cpu_s"] = qemu
    return Row(f"forkexec ({n} fork+execve+wait) (CPU / qemu)", "x", vals,
               [("native <= 3x qemu", "native", lambda v: v.get("native"), 3.0, "<=")] if have_qemu else [],
               note="qemu: forkexit + N x `qemu lmbench exit0` (no binfmt exec in qemu-user)")


def build_go_hello(tmp: Path) -> Path | None:
    go = shutil.which("go")
    if go is None:
        return None
    src = tmp / "gohello"
    src.mkdir(exist_ok=True)
    (src / "go.mod").write_text("module gohello\n\ngo 1.19\n")
    (src / "main.go").write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from Go") }\n')
    env = dict(os.environ, GOOS="linux", GOARCH="arm64", CGO_ENABLED="0",
               GOCACHE=str(tmp / "gocache"), GOFLAGS="-mod=mod")
    res = subprocess.run([go, "build", "-o", "gohello"], cwd=src, env=env, capture_output=True, check=False)
    return src / "gohello" if res.returncode == 0 else None


# --- presentation ---------------------------------------------------------------------

RUNNER_ORDER = ["qemu", "native", "guardian", "confidential", "raw"]


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "/s":
        return f"{v:,.0f}"
    if unit == "x":
        return f"{v:.2f}x"
    return f"{v:.3f}" if unit == "s" else f"{v:.2f}"


def render(table: list[Row]) -> str:
    lines = []
    head = f"{'workload':58} " + " ".join(f"{r:>12}" for r in RUNNER_ORDER)
    lines += [head, "-" * len(head)]
    for row in table:
        cells = " ".join(f"{_fmt(row.values.get(r), row.unit):>12}" for r in RUNNER_ORDER)
        lines.append(f"{row.name[:58]:58} {cells}")
        base = row.base_values()
        if base is not None:
            cells = " ".join(f"{_fmt(base.get(r) if r in MODES else None, row.unit):>12}"
                             for r in RUNNER_ORDER)
            lines.append(f"{'    --against tree':58} {cells}")
        extra = {k: v for k, v in row.values.items()
                 if k not in RUNNER_ORDER and not k.endswith(BASE)}
        if extra:
            lines.append("    " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                            for k, v in extra.items()))
        for t, bt in zip(row.verdicts(), row.verdicts(base) if base is not None
                         else [None] * len(row.targets), strict=True):
            verdict = "-" if t["met"] is None else "met" if t["met"] else "MISSED"
            shown = t["value"]
            was = "" if bt is None or bt["value"] is None else f"; --against {bt['value']:,.3f}"
            lines.append(f"    target {t['target']}: {verdict} ({t['shown']} = "
                         f"{'-' if shown is None else f'{shown:,.3f}'}{was})")
        if row.note:
            lines.append(f"    note: {row.note}")
    return "\n".join(lines)


QUICK = {"sha_mb": 4, "nullsys": 20_000, "faults": 4_000, "loop": 2_000, "forks": 20}
DEFAULT = {"sha_mb": 20, "nullsys": 100_000, "faults": 20_000, "loop": 20_000, "forks": 200}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--reps", type=int, default=3, help="interleaved repetitions (median)")
    ap.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    ap.add_argument("--only", metavar="ROWS", help="comma-separated: " + ",".join(ROW_NAMES))
    ap.add_argument("--against", metavar="TREE", type=Path,
                    help="another checkout of the project, measured beside this one")
    ap.add_argument("--profile", metavar="'PROG ARGS'", help="attribute one in-process run's time")
    ap.add_argument("--guardian", default="off", choices=("off", "on"), help="for --profile")
    ap.add_argument("--confidential", action="store_true", help="for --profile")
    ns = ap.parse_args(argv)
    if ns.profile:
        from profile_run import profile_main
        return profile_main(ns.profile, ns.guardian, ns.confidential)
    sizes = QUICK if ns.quick else DEFAULT
    if ns.against is not None:
        against = ns.against.resolve()
        if not (against / "cli" / "main.py").is_file():
            print(f"speed_table: --against {ns.against} is not a checkout of this project "
                  "(no cli/main.py)", file=sys.stderr)
            return 2
        TREES["base"] = against
    only = set(ns.only.split(",")) if ns.only else None
    unknown = sorted((only or set()) - set(ROW_NAMES))
    if unknown:
        print(f"speed_table: --only {','.join(unknown)}: no such row; the rows are "
              f"{','.join(ROW_NAMES)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bf-speed-") as t:
        for tree in TREES.values():    # writes the bytecode caches once
            subprocess.run([*blindfold_cmd(tree), "run", "-q", "hello"], cwd=tree, env=_env(tree),
                           capture_output=True, check=False)
        table = rows(sizes, max(1, ns.reps), Path(t), only)
    print(render(table))
    print(f"median of {ns.reps} interleaved runs; CPU = user + system of each command")
    if ns.json:
        Path(ns.json).write_text(json.dumps([{"row": r.name, "unit": r.unit, "values": r.values,
                                              "targets": [{k: v for k, v in t.items()}
                                                          for t in r.verdicts()], "note": r.note}
                                             for r in table], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
