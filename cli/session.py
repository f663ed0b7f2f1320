"""Wiring one run: machine description -> machine -> kernel -> program -> result.

The CLI, the tests and the benchmarks all boot through `run_program`, so they
exercise the same path.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from emulator.errors import BudgetExceeded, ElfLoadError, EmulatorFault, GuestCrash, UsageError
from emulator.machine import Machine
from emulator.machine_config import MachineConfig, load_machine
from kernel_model.elf_loader import ElfError, parse_elf
from kernel_model.kernel import BudgetExhausted, Deadlock, Kernel, KernelOptions
from kernel_model.signals import signame
from workloads import find as find_workload

if TYPE_CHECKING:
    from emulator.tracing.recorder import WriterMode


@dataclass
class RunResult:
    exit_code: int            # what a shell would report: status, or 128 + signal
    wait_status: int
    signal: int               # 0 unless the program was killed by a signal
    stats: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    crash: str | None = None  # how the first program died, when a signal killed it

    @property
    def summary(self) -> str:
        if self.signal:
            return f"killed by {signame(self.signal)}"
        return f"exited with status {self.exit_code}"


def resolve_program(name_or_path: str) -> tuple[Path, str]:
    """A workload name or a host path -> (host file, name shown to the user)."""
    p = Path(name_or_path)
    if p.exists():
        if p.is_dir():
            raise UsageError(f"{name_or_path} is a directory", "give an AArch64 ELF file or a workload name")
        return p, p.name
    if "/" not in name_or_path:
        w = find_workload(name_or_path)
        if w is not None:
            return w.binary, w.name
    raise UsageError(f"no such program or workload: {name_or_path}",
                     "run `blindfold workloads list` for the bundled workloads, or give a path")


def load_image(path: Path, shown: str):  # noqa: ANN201
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", "check the path and permissions") from exc
    try:
        return parse_elf(data, shown)
    except ElfError as exc:
        raise ElfLoadError(str(exc), exc.hint) from exc


def run_program(program: str, args: list[str], *, machine: MachineConfig | str | None = None,
                rootfs: Path | None = None, timing: str = "fast", max_insns: int = 0,
                stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
                stdin: BinaryIO | None = None, trace: Path | None = None,
                trace_level: str = "events", trace_writer: WriterMode = "auto",
                guardian: str = "off",
                confidential: bool = False, guardian_seed: int | None = None,
                mutate: str = "") -> RunResult:
    config = machine if isinstance(machine, MachineConfig) else load_machine(machine)
    host_path, shown = resolve_program(program)
    image = load_image(host_path, shown)
    tmp: str | None = None
    if rootfs is None:
        tmp = tempfile.mkdtemp(prefix="blindfold-rootfs-")
        rootfs = Path(tmp)
    elif not rootfs.is_dir():
        raise UsageError(f"--rootfs {rootfs} is not a directory", "create it or give an existing directory")
    guest_path = f"/bin/{host_path.name}"
    try:
        bindir = rootfs / "bin"
        bindir.mkdir(exist_ok=True)
        target = bindir / host_path.name
        if not target.exists():
            shutil.copyfile(host_path, target)
            target.chmod(0o755)
        hw = Machine(config)
        if mutate or guardian_seed is not None:
            if guardian == "off":
                raise UsageError("--mutate and --guardian-seed need the Guardian",
                                 "add --guardian on (or mprotect)")
        if guardian in ("on", "mprotect"):
            from guardian import checks
            from guardian.entropy import DEFAULT_GUARDIAN_SEED
            from guardian.monitor import Guardian
            try:
                checks.set_mutation(mutate)
            except ValueError as exc:
                raise UsageError(str(exc), "name one of the registered checks") from None
            monitor = Guardian(hw, mode="blindfold" if guardian == "on" else "mprotect",
                               guardian_seed=DEFAULT_GUARDIAN_SEED if guardian_seed is None
                               else guardian_seed, serve_entropy=True)
            hw.install_monitor(monitor)
            if confidential:
                # The trusted launch path: the user tells the Guardian which program
                # may run confidentially; it measures the image before the kernel loads it.
                monitor.conf.admit_image(image.data)
        elif guardian != "off":
            raise UsageError(f"--guardian {guardian} is not available", "use off, on or mprotect")
        if confidential and guardian == "off":
            raise UsageError("--confidential needs the Guardian",
                             "add --guardian on (or mprotect)")
        if trace is not None:
            from emulator.tracing.recorder import attach_recorder
            attach_recorder(hw, trace, trace_level, {
                "program": str(host_path.resolve()), "guest_path": guest_path,
                "args": list(args), "timing": timing, "machine": config.name,
                "machine_digest": config.digest(), "seed": config.seed, "guardian": guardian,
                **({"guardian_seed": DEFAULT_GUARDIAN_SEED if guardian_seed is None
                    else guardian_seed, "mutate": mutate} if guardian != "off" else {}),
            }, trace_writer)
        opts = KernelOptions(rootfs=rootfs, timing=timing, max_insns=max_insns,
                             stdout=stdout, stderr=stderr, stdin=stdin)
        kernel = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
        kernel.spawn_init(image, guest_path, [guest_path.encode(), *(a.encode() for a in args)],
                          confidential=confidential)
        try:
            try:
                status = kernel.run()
            finally:
                hw.tracer.close()
        except BudgetExhausted as exc:
            raise BudgetExceeded(str(exc), "raise --max-insns or leave it out") from exc
        except Deadlock as exc:
            raise GuestCrash(f"deadlock: {exc}", "the program waits for something that never happens") from exc
        except RecursionError as exc:
            raise EmulatorFault("internal recursion limit reached", "rerun with -v and report it") from exc
        stats = hw.statistics()
        stats.update(kernel.stats.snapshot())
        signal = status & 0x7F
        code = 128 + signal if signal else (status >> 8) & 0xFF
        return RunResult(exit_code=code, wait_status=status, signal=signal, stats=stats,
                         warnings=list(opts.warnings),
                         crash=kernel.crash_reports.get(1) if signal else None)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
