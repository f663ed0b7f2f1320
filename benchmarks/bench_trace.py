"""What tracing costs, and how fast a large trace answers the inspector.

Three measurements, each printed as a table:

1. Recording overhead on a real, syscall-heavy guest (`nullsys N`, default 20000 getppid calls):
   wall and CPU time without a trace, with the event bus feeding a sink that drops everything,
   and with `--trace-level events` through each writer (a writer process beside the guest, the
   default where a second CPU is free; or in the recording process).  All in fast timing, so
   the only difference is tracing; best of several runs, taken round robin.  From it: the
   slowdown, the cost per event recorded, and the file size per million events.
2. Recording cost on a synthetic instruction-level mix (register files on every instruction,
   memory accesses, syscalls, faults), written straight through `TraceRecorder` with each
   writer, which is also how the large trace for (3) is made: a real run that long would take
   minutes.
3. Query latency on that trace (default one million events) for what the inspector asks: a page
   of events at an offset, the neighbour of a kind, registers at a point, the last write to an
   address, memory at a point, the first appearance of a value.

Run: `python benchmarks/bench_trace.py [--events N] [--calls N] [--reps N]`.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.session import run_program  # noqa: E402
from emulator.trace import TraceEvent  # noqa: E402
from emulator.tracing.recorder import TraceRecorder  # noqa: E402
from emulator.tracing.schema import FORMAT_NAME, REG_NAMES, SCHEMA_VERSION  # noqa: E402
from emulator.tracing.store import TraceFile  # noqa: E402

TARGET_S = 1.0


class _NullSink:
    def record(self, event: TraceEvent) -> None:
        pass

    def close(self) -> None:
        pass


def _table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


# --- 1. a real guest ----------------------------------------------------------------------
def _best(fn: Callable[[], Any], reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the writer process)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_real(calls: int, reps: int, workdir: Path) -> dict[str, Any]:
    path = workdir / "nullsys.trace"

    def plain() -> None:
        assert run_program("nullsys", [str(calls)], stdout=io.BytesIO()).exit_code == 0

    def traced(writer: str) -> Callable[[], None]:
        def run() -> None:
            assert run_program("nullsys", [str(calls)], stdout=io.BytesIO(), trace=path,
                               trace_level="events", trace_writer=writer).exit_code == 0
        return run

    def bus_only() -> None:
        # The same emission with a sink that drops every event: what the emitters cost
        # (building events, reading register files), apart from the recorder.
        def attach_null(machine: Any, *_args: Any, **_kw: Any) -> Any:
            machine.tracer.attach(_NullSink(), "events")
        with mock.patch("emulator.tracing.recorder.attach_recorder", attach_null):
            traced("inline")()

    configs: dict[str, Callable[[], None]] = {
        "plain": plain, "bus": bus_only, "process": traced("process"), "inline": traced("inline"),
    }
    plain()                                   # warm caches (ELF parse, imports)
    wall = dict.fromkeys(configs, float("inf"))
    cpu = dict.fromkeys(configs, float("inf"))
    for _ in range(reps):                     # round robin, so drift hits every configuration
        for name, fn in configs.items():
            c0, t0 = _cpu_seconds(), time.perf_counter()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], _cpu_seconds() - c0)
    with TraceFile.open(path) as tf:
        events = tf.count()
    size = path.stat().st_size
    return {"calls": calls, "events": events, "wall": wall, "cpu": cpu,
            "file_mb": size / 1e6, "mb_per_million": size / events}


# --- 2. a synthetic instruction-level trace ------------------------------------------------------
def synthetic_events(n: int, seed: int = 1) -> Iterator[TraceEvent]:
    """An insns+mem-level stream as the recorder sees it: two threads, a syscall every ~100
    events, a page fault every ~1000, stores and loads on a hot stack and a larger heap."""
    rng = random.Random(seed)
    nregs = len(REG_NAMES)
    pack = struct.Struct(f"={nregs}Q").pack      # the CPU's raw register block
    pc_i, sp_i = REG_NAMES.index("pc"), REG_NAMES.index("sp")
    state = {tid: [0] * nregs for tid in (1, 2)}
    for tid, regs in state.items():
        regs[sp_i] = 0xFFFF_FFFE_F000 - tid * 0x10000
        regs[pc_i] = 0x400000
    seq = 0
    clock = 0
    tid = 1

    def make(kind: str, pc: int = 0, addr: int = 0, **data: Any) -> TraceEvent:
        nonlocal seq
        seq += 1
        return TraceEvent(seq, clock, kind, 0, 1, tid, pc, addr, data)

    while seq < n:
        if seq and seq % 20_000 == 0:
            yield make("context_switch", from_tid=tid, to_tid=3 - tid)
            tid = 3 - tid
        regs = state[tid]
        step = seq % 100
        if step == 0:
            regs[pc_i] += 4
            result = rng.getrandbits(16)
            yield make("syscall", pc=regs[pc_i], esr=0x5600_0000, vector="kernel", nr=172,
                       name="getpid", args=regs[:6], result=result, cycles=250,
                       regs=pack(*regs))
            regs[0] = result
            clock += 250
        elif step == 50 and seq % 1000 < 100:
            va = 0x50_0000 + rng.randrange(1 << 16) * 4096
            yield make("page_fault", pc=regs[pc_i], addr=va, write=True, exec=False, result="ok")
            yield make("pte_write", addr=va, table=0x4000_D000, index=rng.randrange(512), old=0,
                       new=0x4010_0000 | rng.randrange(1 << 16) << 12 | 0x3C3)
        else:
            regs[pc_i] = 0x400000 + rng.randrange(1 << 14) * 4
            for _ in range(rng.choice((0, 1, 1, 2))):
                regs[rng.randrange(31)] = rng.getrandbits(rng.choice((8, 16, 48, 64)))
            if rng.random() < 0.1:
                regs[REG_NAMES.index("nzcv")] = rng.choice((0, 0x2000_0000, 0x6000_0000))
            clock += 1
            yield make("insn", pc=regs[pc_i], size=4, regs=pack(*regs))
            if rng.random() < 0.3:
                hot = rng.random() < 0.7
                addr = (regs[sp_i] - 8 * rng.randrange(64) if hot
                        else 0x49_0000 + 8 * rng.randrange(1 << 16))
                write = rng.random() < 0.5
                yield make("mem", pc=regs[pc_i], addr=addr, size=8,
                           value=rng.getrandbits(32), write=write)


def bench_synthetic(n: int, workdir: Path) -> dict[str, dict[str, float]]:
    """Record the same synthetic stream through each writer; returns figures per writer."""
    header = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION, "level": "mem",
              "reg_names": list(REG_NAMES), "clock_hz": 1_000_000_000, "synthetic": True}
    events = list(synthetic_events(n))
    out: dict[str, dict[str, float]] = {}
    for writer in ("inline", "process"):
        path = workdir / f"synthetic-{writer}.trace"
        t0 = time.perf_counter()
        rec = TraceRecorder(path, header, writer)   # type: ignore[arg-type]
        for ev in events:
            rec.record(ev)
        t1 = time.perf_counter()
        rec.close()
        t2 = time.perf_counter()
        size = path.stat().st_size
        out[writer] = {"events": len(events), "record_us": (t1 - t0) / len(events) * 1e6,
                       "close_us": (t2 - t1) / len(events) * 1e6, "close_s": t2 - t1,
                       "total_us": (t2 - t0) / len(events) * 1e6,
                       "mb_per_million": size / len(events), "file_mb": size / 1e6}
    return out


# --- 3. queries -------------------------------------------------------------------------------
def bench_queries(path: Path, samples: int = 20, seed: int = 2) -> list[tuple[str, float, float]]:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    tf = TraceFile.open(path)
    opened = time.perf_counter() - t0
    n = tf.count()
    lo, hi = tf.time_range()
    seqs = [rng.randrange(1, n + 1) for _ in range(samples)]
    mems = tf.events(kind="mem", offset=n // 10, limit=2000)
    writes = [e for e in mems if e.data.get("write")]
    hot = [e.addr for e in writes[:samples]]
    cases: list[tuple[str, Callable[[int], Any]]] = [
        ("events page, offset n/2, 100 rows", lambda i: tf.events(offset=n // 2, limit=100)),
        ("events page, kind=syscall, offset n/200", lambda i: tf.events(
            kind="syscall", offset=n // 200, limit=100)),
        ("events page, pid + time window", lambda i: tf.events(pid=1, t0=(lo + hi) // 2,
                                                               limit=100)),
        ("events page, search text", lambda i: tf.events(search="page_fault", seq0=seqs[i],
                                                         limit=100)),
        ("neighbour, kind=syscall (+1)", lambda i: tf.neighbour(seqs[i], kind="syscall")),
        ("neighbour, kind=page_fault (-1)", lambda i: tf.neighbour(seqs[i], kind="page_fault",
                                                                   direction=-1)),
        ("neighbour, kind=context_switch (+1)", lambda i: tf.neighbour(seqs[i],
                                                                       kind="context_switch")),
        ("registers_at", lambda i: tf.registers_at(seqs[i])),
        ("changed_registers", lambda i: tf.changed_registers(seqs[i])),
        ("last_reg_write x27", lambda i: tf.last_reg_write(seqs[i], "x27")),
        ("last_write, hot stack address", lambda i: tf.last_write(seqs[i], hot[i % len(hot)])),
        ("last_write, never-written address", lambda i: tf.last_write(seqs[i], 0x7777_0000)),
        ("memory_at, 128 bytes of stack", lambda i: tf.memory_at(seqs[i], hot[i % len(hot)] & ~7,
                                                                  128)),
        ("first_appearance of a stored value", lambda i: tf.first_appearance(
            writes[i % len(writes)].data["value"])),
        ("at_time", lambda i: tf.at_time(rng.randrange(lo, hi + 1))),
        ("event(seq) of an insn (with registers)", lambda i: tf.event(seqs[i])),
    ]
    rows = [("open (validate + header)", opened, opened)]
    for name, fn in cases:
        times = []
        for i in range(samples):
            t = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - t)
        rows.append((name, statistics.median(times), max(times)))
    t = time.perf_counter()
    tf.stats()
    rows.append(("stats() (full scans)", time.perf_counter() - t, time.perf_counter() - t))
    tf.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="synthetic trace size")
    ap.add_argument("--calls", type=int, default=20_000, help="nullsys system calls")
    ap.add_argument("--reps", type=int, default=3, help="runs per configuration (best is kept)")
    ap.add_argument("--keep", type=Path, help="leave the trace files in this directory")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        real = bench_real(args.calls, args.reps, workdir)
        wall, cpu, events = real["wall"], real["cpu"], real["events"]

        def row(label: str, name: str) -> tuple[str, ...]:
            if name == "plain":
                return (label, f"{wall[name]:.3f}", "1.00x", f"{cpu[name]:.3f}", "-", "-")
            return (label, f"{wall[name]:.3f}", f"{wall[name] / wall['plain']:.2f}x",
                    f"{cpu[name]:.3f}", f"{(wall[name] - wall['plain']) / events * 1e6:.2f} us",
                    f"{(cpu[name] - cpu['plain']) / events * 1e6:.2f} us")

        _table(f"recording a real guest: nullsys {real['calls']:,} ({events:,} events), fast "
               f"timing, best of {args.reps}",
               ("configuration", "wall s", "slowdown", "CPU s", "wall/event", "CPU/event"), [
            row("no trace", "plain"),
            row("event bus only (null sink)", "bus"),
            row("--trace-level events, writer process", "process"),
            row("--trace-level events, inline writer", "inline"),
        ])
        print(f"  trace file: {real['file_mb']:.1f} MB = {real['mb_per_million']:.0f} MB per "
              f"million events; CPU counts the writer process too")
        syn = bench_synthetic(args.events, workdir)
        _table("recording a synthetic insns+mem mix through TraceRecorder",
               ("writer", "events", "record", "close (drain, indexes)", "total", "size"), [
            (writer, f"{f['events']:,}", f"{f['record_us']:.2f} us/event",
             f"{f['close_us']:.2f} us/event ({f['close_s']:.1f} s)",
             f"{f['total_us']:.2f} us/event",
             f"{f['file_mb']:.0f} MB = {f['mb_per_million']:.0f} MB/M events")
            for writer, f in syn.items()
        ])
        synth_path = workdir / "synthetic-process.trace"
        rows = bench_queries(synth_path)
        worst = max(r[2] for r in rows[:-1])
        _table(f"queries on {syn['process']['events']:,} events (target < {TARGET_S:.0f} s each)",
               ("query", "median ms", "max ms"),
               [(name, f"{med * 1e3:.2f}", f"{mx * 1e3:.2f}") for name, med, mx in rows])
        print(f"\nslowest inspector query: {worst * 1e3:.1f} ms "
              f"({'within' if worst < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target)")
        if args.keep is None:
            for p in workdir.glob("*.trace"):
                os.unlink(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
