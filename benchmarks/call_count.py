"""Python calls per exception round trip, counted exactly: the confidential syscall path's
cost in the unit that bounds it (each call is ~0.1-0.25 us of interpreter work here).

    python benchmarks/call_count.py                      # calls per getppid, three modes
    python benchmarks/call_count.py --list 150           # the calls of exception 150, in order
    python benchmarks/call_count.py --rootfs DIR --prog "DIR/bin/busybox sha256sum data.bin" --list 200

Counts come from `sys.setprofile` ("call" events: Python functions, generated dataclass
methods and lambdas included; "c_call": builtins and C methods called from Python).
A first run, not counted, warms what a long run has warmed (caches; the result
rules compiled per number once it has been met often). Per-syscall figures are the difference between a run of `nullsys N` and one of
`nullsys 1`, divided by N - 1, so start-up and exit cancel.  Counting is exact and
deterministic (the model is), unlike timings on a shared machine.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cli.session import run_program  # noqa: E402
from emulator.cpu import Cpu  # noqa: E402
from guardian.number_folding import FOLD_AFTER  # noqa: E402

MODES = {"native": ("off", False), "guardian on": ("on", False), "confidential": ("on", True)}


class _Counter:
    def __init__(self, record_exception: int | None) -> None:
        self.calls = 0
        self.c_calls = 0
        self.exceptions = 0
        self.record_exception = record_exception
        self.recording = False
        self.depth = 0
        self.listing: list[tuple[int, str]] = []

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self.calls += 1
            if self.recording:
                co = frame.f_code
                where = Path(co.co_filename)
                name = f"{where.parent.name}/{where.name}:{co.co_firstlineno} {co.co_qualname}"
                self.listing.append((self.depth, name))
                self.depth += 1
        elif event == "return":
            if self.recording:
                self.depth -= 1
        elif event == "c_call":
            self.c_calls += 1
            if self.recording:
                self.listing.append((self.depth, "(C) " + getattr(arg, "__qualname__", repr(arg))))


@contextmanager
def _counting(counter: _Counter) -> Iterator[None]:
    original = Cpu._on_interrupt

    def on_interrupt(self: Cpu, handle: int, intno: int, user: int) -> None:
        counter.exceptions += 1
        counter.recording = counter.exceptions == counter.record_exception
        try:
            original(self, handle, intno, user)
        finally:
            counter.recording = False

    Cpu._on_interrupt = on_interrupt  # type: ignore[method-assign]
    sys.setprofile(counter.profile)
    try:
        yield
    finally:
        sys.setprofile(None)
        Cpu._on_interrupt = original  # type: ignore[method-assign]


def count(program: str, args: list[str], guardian: str, confidential: bool,
          record_exception: int | None = None, rootfs: Path | None = None) -> _Counter:
    counter = _Counter(record_exception)
    with _counting(counter):
        result = run_program(program, args, stdout=io.BytesIO(), stderr=io.BytesIO(),
                             guardian=guardian, confidential=confidential, rootfs=rootfs)
    if result.exit_code != 0:
        raise SystemExit(f"{program} {' '.join(args)} exited {result.exit_code}")
    return counter


def per_syscall(guardian: str, confidential: bool, n: int) -> tuple[float, float]:
    """(Python calls, C calls) per getppid round trip."""
    nullsys = str(HERE.parent / "workloads" / "bin" / "nullsys")
    # First-run work out of the way: caches, and the result rules compiled per number
    # once a number has been met often (guardian/number_folding.py).
    count(nullsys, [str(max(n, FOLD_AFTER + 1))], guardian, confidential)
    one = count(nullsys, ["1"], guardian, confidential)
    many = count(nullsys, [str(n)], guardian, confidential)
    return (many.calls - one.calls) / (n - 1), (many.c_calls - one.c_calls) / (n - 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1001, help="getppid calls in the long run")
    ap.add_argument("--list", type=int, metavar="K", help="list the calls of exception K")
    ap.add_argument("--prog", default="", help="for --list: 'PROGRAM ARGS' (default nullsys 300)")
    ap.add_argument("--native", action="store_true", help="for --list: Guardian off")
    ap.add_argument("--guardian-only", action="store_true",
                    help="for --list: Guardian on, the program not confidential")
    ap.add_argument("--rootfs", type=Path, help="for --list: the guest's root directory")
    ns = ap.parse_args(argv)
    if ns.list is None:
        for mode, (guardian, confidential) in MODES.items():
            calls, c_calls = per_syscall(guardian, confidential, ns.n)
            print(f"{mode:14} {calls:7.1f} Python calls, {c_calls:6.1f} C calls per getppid")
        return 0
    program, *args = (ns.prog or f"{HERE.parent / 'workloads' / 'bin' / 'nullsys'} 300").split()
    guardian = "off" if ns.native else "on"
    confidential = not (ns.native or ns.guardian_only)
    count(program, args, guardian, confidential, None, ns.rootfs)      # warm, as above
    counter = count(program, args, guardian, confidential, ns.list, ns.rootfs)
    for depth, name in counter.listing:
        print("  " * depth + name)
    python = sum(1 for _, n in counter.listing if not n.startswith("(C)"))
    print(f"exception {ns.list}: {python} Python calls, {len(counter.listing) - python} C calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
