"""Where one blindfold run's time goes: start-up, guest code, exceptions by kind, the
Guardian, TLB flushes, exit.

    python benchmarks/speed_table.py --profile "nullsys 100000" [--guardian on] [--confidential]

The run happens in this process, through `cli.session.run_program`, with timers
wrapped around a handful of methods for the duration (harness-side wall clock;
the model itself never reads it):

- start-up: importing the simulator, building the machine (RAM, CPU calibration),
  the kernel's boot, loading the program;
- guest: time inside Unicorn's emu_start less the exception hooks;
- exceptions by kind (syscall, page fault, other; timer interrupts), each including
  what its handler did -- of which the Guardian's share (its vector entry and every
  call into it) and Unicorn TLB flushes (explicit, and those caused by TCR writes)
  are shown again, with counts;
- the run loop outside emu_start (thread switches, resuming), and exit (statistics,
  tear-down).
"""

from __future__ import annotations

import io
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from emulator.errors import BlindfoldError

_EC_KIND = {0x15: "syscall", 0x24: "page fault", 0x20: "page fault"}


class _Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, key: str, dt: float) -> None:
        self.seconds[key] += dt
        self.counts[key] += 1


@contextmanager
def _wrapped(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
             ) -> Iterator[None]:
    own = name in owner.__dict__
    original = owner.__dict__[name] if own else getattr(owner, name)
    setattr(owner, name, make(original))
    try:
        yield
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)       # inherited: the base class's method shows again


def _timed(timers: _Timers, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timers.add(key, time.perf_counter() - t)
        return wrapper
    return make


def profile(command: str, guardian: str = "off", confidential: bool = False) -> dict[str, Any]:
    """Run `command` (workload name or path, then arguments) once; the attributed times."""
    t0 = time.perf_counter()
    from cli.session import HostView, run_program
    from emulator import sysregs as S
    from emulator.cpu import Cpu
    from emulator.fastuc import FastUc
    from emulator.machine import Machine
    from guardian.confidential_entry import ExceptionEntry
    from guardian.monitor import Guardian
    from kernel_model.kernel import Kernel
    imports = time.perf_counter() - t0
    timers = _Timers()

    def exception_kind(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Cpu, handle: int, intno: int, user: int) -> Any:
            kind = _EC_KIND.get(self.live.syndrome.value >> 26, "other") if intno in (2, 3, 4) else "other"
            t = time.perf_counter()
            try:
                return fn(self, handle, intno, user)
            finally:
                timers.add(f"exception: {kind}", time.perf_counter() - t)
        return wrapper

    def tcr_writes(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: FastUc, reg: Any, value: int) -> Any:
            if reg != S.TCR_EL1:
                return fn(self, reg, value)
            t = time.perf_counter()
            try:
                return fn(self, reg, value)
            finally:
                timers.add("tlb flush (by a TCR write)", time.perf_counter() - t)
        return wrapper

    out, err = io.BytesIO(), io.BytesIO()
    program, *args = shlex.split(command)
    with _wrapped(Cpu, "_on_interrupt", exception_kind), \
            _wrapped(Cpu, "take_irq", _timed(timers, "exception: timer interrupt")), \
            _wrapped(Cpu, "run", _timed(timers, "emu_start")), \
            _wrapped(FastUc, "flush_tlb", _timed(timers, "tlb flush (explicit)")), \
            _wrapped(FastUc, "write_sys", tcr_writes), \
            _wrapped(Guardian, "_serve", _timed(timers, "guardian: calls")), \
            _wrapped(ExceptionEntry, "enter", _timed(timers, "guardian: vector entry")), \
            _wrapped(Machine, "__init__", _timed(timers, "start-up: machine")), \
            _wrapped(Kernel, "__init__", _timed(timers, "start-up: kernel boot")), \
            _wrapped(Kernel, "spawn_init", _timed(timers, "start-up: program load")), \
            _wrapped(Kernel, "run", _timed(timers, "run loop")), \
            _wrapped(Kernel, "_el0_sync", _timed(timers, "kernel: EL0 handler")):
        t1 = time.perf_counter()
        # The host's files, as `blindfold run` shows them (a sandbox would hide the inputs).
        result = run_program(program, args, stdout=out, stderr=err, guardian=guardian,
                             confidential=confidential, view=HostView(host_files=True))
        total = time.perf_counter() - t1
    s, c = timers.seconds, timers.counts
    exc_keys = sorted(k for k in s if k.startswith("exception: "))
    in_hooks = sum(s[k] for k in exc_keys if k != "exception: timer interrupt")
    startup = sum(s[k] for k in s if k.startswith("start-up: "))
    report: dict[str, Any] = {
        "command": command, "guardian": guardian, "confidential": confidential,
        "exit_code": result.exit_code, "total_s": imports + total,
        "rows": [
            ("start-up: imports", imports, 1),
            *((k, s[k], c[k]) for k in ("start-up: machine", "start-up: kernel boot",
                                         "start-up: program load")),
            ("guest code (emu_start less hooks)", s["emu_start"] - in_hooks, c["emu_start"]),
            *((k, s[k], c[k]) for k in exc_keys),
            ("run loop outside emu_start", s["run loop"] - s["emu_start"]
             - s.get("exception: timer interrupt", 0.0), 1),
            ("exit (stats, tear-down)", total - startup - s["run loop"], 1),
        ],
        "of_which": [(k, v, n) for k, v, n in (
            # The Guardian's vector entry calls the kernel's handler, which makes the calls
            # into the Guardian (RESUME, user accesses): each is shown without the others.
            ("guardian: vector entry (own)", s["guardian: vector entry"]
             - (s["kernel: EL0 handler"] if c.get("guardian: vector entry") else 0.0),
             c.get("guardian: vector entry", 0)),
            ("guardian: calls from the kernel", s["guardian: calls"], c.get("guardian: calls", 0)),
            ("kernel: EL0 handler (own)", s["kernel: EL0 handler"] - s["guardian: calls"],
             c.get("kernel: EL0 handler", 0)),
            ("tlb flush (explicit)", s["tlb flush (explicit)"], c.get("tlb flush (explicit)", 0)),
            ("tlb flush (by a TCR write)", s["tlb flush (by a TCR write)"],
             c.get("tlb flush (by a TCR write)", 0))) if n],
        "stats": {k: v for k, v in result.stats.items()
                  if k in ("mmu.tlb_flushes", "guardian.tlb_flushes", "guardian.tlb_flushes_page",
                           "guardian.tlb_invalidations_va", "guardian.entries",
                           "kernel.mm.page_faults", "cpu0.exceptions")},
    }
    return report


def render(report: dict[str, Any]) -> str:
    total = report["total_s"]
    mode = "off" if report["guardian"] == "off" else "on" + (" confidential" if report["confidential"] else "")
    lines = [f"{report['command']} (guardian {mode}): {total:.3f} s wall in this process, "
             f"exit {report['exit_code']}"]
    for name, sec, n in report["rows"]:
        per = f"{sec / n * 1e6:10.2f} us each" if n > 1 else ""
        lines.append(f"  {name:40} {sec:8.3f} s {100 * sec / total:6.1f} %  {n:>9,} {per}")
    if report["of_which"]:
        lines.append("  of which (inside the exceptions above):")
        for name, sec, n in report["of_which"]:
            lines.append(f"    {name:38} {sec:8.3f} s {100 * sec / total:6.1f} %  {n:>9,} "
                         f"{sec / n * 1e6:10.2f} us each")
    lines.append("  counters: " + ", ".join(f"{k} {v:,}" for k, v in report["stats"].items()))
    lines.append("  (timers add ~1 us per wrapped call; compare shares, not absolute figures)")
    return "\n".join(lines)


def profile_main(command: str, guardian: str, confidential: bool) -> int:
    """Print the profile of one run; a command that cannot run is a message, not a traceback."""
    try:
        if not shlex.split(command):
            raise ValueError("no program given")
        report = profile(command, guardian, confidential)
    except ValueError as exc:        # unbalanced quotes, an empty command
        print(f"--profile {command!r}: {exc}; give a program and its arguments, quoted as "
              "for a shell", file=sys.stderr)
        return 2
    except BlindfoldError as exc:    # no such program, a file that is no AArch64 ELF...
        print(f"--profile: {exc}", file=sys.stderr)
        return 2
    print(render(report))
    return 0
