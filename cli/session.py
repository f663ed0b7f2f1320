"""Wiring one run: machine description -> machine -> kernel -> program -> result.

The CLI, the tests and the benchmarks all boot through `run_program`, so they
exercise the same path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cli.host_inputs import HostInputs
from emulator.errors import BudgetExceeded, ElfLoadError, EmulatorFault, GuestCrash, UsageError
from emulator.machine import Machine
from emulator.machine_config import MachineConfig, load_machine
from kernel_model.console_file import Console, restore_terminal
from kernel_model.elf_loader import ElfError, ElfImage, parse_elf
from kernel_model.errors import KernelError
from kernel_model.exec import load_interpreter
from kernel_model.interrupts import HostInterrupt, Interrupts
from kernel_model.kernel import (
    CLEAN_ENV,
    REALTIME_EPOCH_NS,
    BudgetExhausted,
    Deadlock,
    Kernel,
    KernelOptions,
)
from kernel_model.signals import signame
from kernel_model.vfs_resolve import PathResolver

if TYPE_CHECKING:
    from cli.debug_session import GdbOptions
    from emulator.tracing.recorder import WriterMode
    from guardian.monitor import Guardian


@dataclass(eq=False, repr=False)
class RunResult:
    exit_code: int            # what a shell would report: status, or 128 + signal
    wait_status: int
    signal: int               # 0 unless the program was killed by a signal
    stats: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    crash: str | None = None  # how the first program died, when a signal killed it
    notes: list[str] = field(default_factory=list)   # e.g. unsupported syscalls (ENOSYS)
    interrupted: int = 0      # the host signal (Ctrl-C: 2) that ended or reached the run
    host_inputs: HostInputs | None = None

    @property
    def summary(self) -> str:
        if self.interrupted and self.signal == self.interrupted:
            return f"interrupted ({signame(self.signal)})"
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
        from workloads import binary as workload_binary  # for a name only
        found = workload_binary(name_or_path)
        if found is not None:
            return found, name_or_path
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


@dataclass(eq=False, repr=False)
class HostView:
    """What the guest sees of the host: its files, environment, clock and terminal.

    ``rootfs`` None with ``host_files`` shows the host's own file system (the
    kernel model's /proc, /sys and /dev over it), as qemu-user does; a
    directory (or None without ``host_files``: a fresh temporary one) is a
    sandbox.  ``env`` None is the fixed clean environment; ``epoch_ns`` None
    the fixed epoch.  ``terminal`` lets the guest drive the host terminal's
    line discipline; ``interrupts`` turns Ctrl-C / Ctrl-\\ into guest signals.
    """

    rootfs: Path | None = None
    host_files: bool = False
    sysroot: Path | None = None
    env: Sequence[str] | None = None
    epoch_ns: int | None = None
    cwd: str | None = None
    terminal: bool = False
    tty: bool = True
    interrupts: bool = False
    strace: Callable[[str], None] | None = None


def _prepare_root(view: HostView, host_path: Path, stack: ExitStack
                  ) -> tuple[Path, dict[str, Path], str, str]:
    """(root, mounts, guest path of the program, guest cwd) for one run."""
    if view.rootfs is None:
        import tempfile  # (a run in a given sandbox needs no temporary directory)
    if view.host_files and view.rootfs is None:
        # The kernel's own (empty for now) /proc, /sys and /dev hide the host's.
        own = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blindfold-kfs-")))
        mounts = {}
        for name in ("proc", "sys", "dev"):
            (own / name).mkdir()
            mounts[f"/{name}"] = own / name
        cwd = view.cwd if view.cwd is not None else _host_cwd()
        return Path("/"), mounts, str(host_path.resolve()), cwd
    if view.rootfs is None:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blindfold-rootfs-")))
    elif not view.rootfs.is_dir():
        raise UsageError(f"--rootfs {view.rootfs} is not a directory",
                         "create it or give an existing directory")
    else:
        root = view.rootfs
    cwd = view.cwd or _inside(root, Path(_host_cwd())) or "/"
    inside = _inside(root, host_path)
    if inside is not None:
        return root, {}, inside, cwd        # already in the sandbox: run it from there
    # The program is grafted into the sandbox (never copied), so a rebuilt program
    # always runs as rebuilt and the user's directory is left as it was.
    resolver = PathResolver(root)
    try:
        bindir = resolver.resolve("/", "/bin").guest
    except KernelError:
        (root / "bin").mkdir(exist_ok=True)
        bindir = "/bin"
    guest = f"{bindir.rstrip('/')}/{host_path.name}"
    return root, {guest: host_path.resolve()}, guest, cwd


def _inside(root: Path, host: Path) -> str | None:
    """The guest path of a host path that lies inside the sandbox root (None if outside)."""
    target = Path(os.path.abspath(host))       # symlinks in it are the guest's to follow
    for base in {Path(os.path.abspath(root)), root.resolve()}:
        try:
            rel = target.relative_to(base)
        except ValueError:
            continue
        return "/" + rel.as_posix() if rel.parts else "/"
    return None


def _host_cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"


def _rack_kernel(hw: Machine, opts: KernelOptions, config: MachineConfig, blades: int | None,
                 placement: str | None, rack_options: dict) -> Kernel:
    """The kernel for a rack machine: a process's threads spread over its compute blades."""
    from kernel_model.blade import BladeKernel

    rack = config.rack
    assert rack is not None
    n = rack.compute_blades if blades is None else blades
    if not 1 <= n <= rack.compute_blades:
        raise UsageError(f"--blades {n}: the machine has {rack.compute_blades} compute blades",
                         f"give a number from 1 to {rack.compute_blades}")
    where = placement or rack.placement
    if where not in ("round-robin", "fill"):
        raise UsageError(f"unknown placement {where}", "use round-robin or fill")
    # Each blade runs on its own core(s) of the machine; a machine with fewer cores than the
    # blades need shares them round-robin.
    cores = [hw.el1(i) for i in range(len(hw.cpus))]
    return BladeKernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts, rack=rack,
                       blades=n, placement=where, cores=cores, **rack_options)


def _launch_securebits(text: str | None) -> int | None:
    """`--launch-securebits N`: the launcher's securebits (`capsh --secbits`), 0..0xFFF."""
    if text is None:
        return None
    from guardian.launch_facts import parse_securebits
    try:
        return parse_securebits(text)
    except ValueError as exc:
        raise UsageError(f"--launch-securebits: {exc}",
                         "give a number 0..0xFFF (capsh --secbits), e.g. 0x4") from exc


def _launch_inheritable(text: str | None) -> int | None:
    """`--launch-inheritable N`: the launcher's inheritable set (`capsh --inh=...`)."""
    if text is None:
        return None
    from guardian.capset_sets import CAP_VALID_MASK
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= CAP_VALID_MASK:
        raise UsageError(f"--launch-inheritable: not a capability mask: {text!r}",
                         f"give a mask 0..{CAP_VALID_MASK:#x}, e.g. 0x80 (CAP_SETUID)")
    return value


def _launch_fds(text: str | None) -> frozenset[int]:
    """`--launch-fds N[,N...]`: the descriptors the launch passes past 0..2 (each below
    the default soft RLIMIT_NOFILE the kernel model starts the program with)."""
    if text is None:
        return frozenset()
    from guardian.launch_fds import parse
    from kernel_model.files import DEFAULT_NOFILE
    try:
        fds = parse(text)
    except ValueError as exc:
        raise UsageError(f"--launch-fds {text}: {exc}", "give N[,N...], e.g. --launch-fds 3,900") from None
    high = sorted(fd for fd in fds if fd >= DEFAULT_NOFILE)
    if high:
        raise UsageError(f"--launch-fds {text}: descriptor {high[0]} is at or past the soft "
                         f"RLIMIT_NOFILE ({DEFAULT_NOFILE}) the program starts with",
                         f"give numbers 3..{DEFAULT_NOFILE - 1}")
    return fds


def run_program(program: str, args: list[str], *, machine: MachineConfig | str | None = None,
                rootfs: Path | None = None, timing: str = "fast", max_insns: int = 0,
                stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
                stdin: BinaryIO | None = None, trace: Path | None = None,
                trace_level: str = "events", trace_writer: WriterMode = "auto",
                guardian: str = "off", confidential: bool = False,
                guardian_seed: int | None = None, mutate: str = "", admit: Sequence[str] = (),
                launch_filter: bool = False, launch_suid_dumpable: int | None = None,
                launch_no_new_privs: bool = False, launch_fds: str | None = None,
                launch_securebits: str | None = None,
                launch_inheritable: str | None = None,
                launch_secure_exec: bool = False,
                view: HostView | None = None, argv0: str | None = None,
                gdb: GdbOptions | None = None, snapshot_every: int = 0,
                snapshot_target: Path | None = None, snapshot_once: bool = False,
                blades: int | None = None, placement: str | None = None,
                rack_options: dict | None = None) -> RunResult:
    """Boot the machine and run one program to its end (see HostView for the host side)."""
    view = view if view is not None else HostView(rootfs=rootfs)
    if rootfs is not None:
        view.rootfs = rootfs
    config = machine if isinstance(machine, MachineConfig) else load_machine(machine)
    host_path, shown = resolve_program(program)
    image = load_image(host_path, shown)
    with ExitStack() as stack:
        root, mounts, guest_path, cwd = _prepare_root(view, host_path, stack)
        env = [e.encode() for e in view.env] if view.env is not None else list(CLEAN_ENV)
        inputs = HostInputs(env=[e.decode("utf-8", "surrogateescape") for e in env],
                            epoch_ns=view.epoch_ns if view.epoch_ns is not None
                            else REALTIME_EPOCH_NS,
                            root=str(view.rootfs) if view.rootfs is not None
                            else "host" if view.host_files else "sandbox",
                            sysroot=str(view.sysroot) if view.sysroot else None)
        hw = Machine(config)
        if mutate or guardian_seed is not None:
            if guardian == "off":
                raise UsageError("--mutate and --guardian-seed need the Guardian",
                                 "add --guardian on (or mprotect)")
        monitor = None
        if guardian in ("on", "mprotect"):
            from guardian import checks
            from guardian.monitor import Guardian
            try:
                checks.set_mutation(mutate)
            except ValueError as exc:
                raise UsageError(str(exc), "name one of the registered checks") from None
            monitor = Guardian(hw, mode="blindfold" if guardian == "on" else "mprotect",
                               guardian_seed=guardian_seed, serve_entropy=True)
            hw.install_monitor(monitor)
        elif guardian != "off":
            raise UsageError(f"--guardian {guardian} is not available", "use off, on or mprotect")
        if admit and not confidential:
            raise UsageError("--admit names files a confidential program may map",
                             "add --guardian on --confidential")
        if confidential and guardian == "off":
            raise UsageError("--confidential needs the Guardian",
                             "add --guardian on (or mprotect)")
        if (launch_suid_dumpable is not None or launch_no_new_privs) and not confidential:
            raise UsageError("--launch-suid-dumpable and --launch-no-new-privs state the "
                             "launch of a confidential program",
                             "add --guardian on --confidential, or leave them out")
        passed_fds = _launch_fds(launch_fds)
        securebits = _launch_securebits(launch_securebits)
        if securebits is not None and not confidential:
            raise UsageError("--launch-securebits states the launch of a confidential program",
                             "add --guardian on --confidential, or leave it out")
        inheritable = _launch_inheritable(launch_inheritable)
        if inheritable is not None and not confidential:
            raise UsageError("--launch-inheritable states the launch of a confidential program",
                             "add --guardian on --confidential, or leave it out")
        if launch_secure_exec and not confidential:
            raise UsageError("--launch-secure-exec states the launch of a confidential program",
                             "add --guardian on --confidential, or leave it out")
        console = Console(control=view.terminal, tty=view.tty)
        if trace is not None:
            from emulator.tracing.recorder import attach_recorder
            console.on_input = inputs.stdin_read
            attach_recorder(hw, trace, trace_level, {
                "program": str(host_path.resolve()), "guest_path": guest_path,
                "args": list(args), "timing": timing, "machine": config.name,
                "machine_digest": config.digest(), "seed": config.seed, "guardian": guardian,
                **({"guardian_seed": monitor.guardian_seed, "mutate": mutate}
                   if monitor is not None else {}),
                "host_inputs": inputs.header(),
            }, trace_writer)
        debug = None
        if gdb is not None:
            from cli.debug_session import DebugSession
            if trace is not None and gdb.checkpoint_every:
                raise UsageError("--trace and reverse debugging cannot be combined",
                                 "leave out --trace, or add --gdb-checkpoint-every 0")
            debug = DebugSession(gdb)
            stdin, stdout, stderr = debug.wrap_streams(stdin, stdout, stderr)
        sinks = None
        if snapshot_every:
            from cli.snapshot_cmd import CountingSink
            if gdb is not None:
                raise UsageError("--snapshot-every and --gdb cannot be combined",
                                 "the debugger keeps its own checkpoints")
            sinks = (CountingSink(stdout or sys.stdout.buffer),
                     CountingSink(stderr or sys.stderr.buffer))
            stdout, stderr = sinks
            timing = "exact"       # snapshot points are counted instructions
        opts = KernelOptions(rootfs=root, timing=timing, max_insns=max_insns,
                             stdout=stdout, stderr=stderr, stdin=stdin, env=tuple(env),
                             epoch_ns=inputs.epoch_ns, sysroot=view.sysroot, mounts=mounts,
                             on_read=inputs.file_read if trace is not None else None,
                             strace=view.strace, console=console, cwd=cwd,
                             suid_dumpable=launch_suid_dumpable or 0,
                             no_new_privs=launch_no_new_privs, launch_fds=passed_fds,
                             securebits=securebits or 0, inheritable=inheritable or 0)
        stack.callback(restore_terminal, console)
        if config.rack is not None:
            if monitor is not None:
                # The rack's blades run the program's threads under their own kernels, with
                # no Guardian above them (MIND/PULSE/GCS measure the rack, not Blindfold).
                raise UsageError("the Guardian does not run on a rack machine",
                                 "leave out --guardian on and --confidential, or run on a "
                                 "machine without a [rack] section (e.g. --machine default)")
            kernel: Kernel = _rack_kernel(hw, opts, config, blades, placement, rack_options or {})
        elif blades is not None or placement is not None:
            raise UsageError("--blades and --placement need a machine with a [rack] section",
                             "add --machine rack")
        else:
            kernel = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
        argv = [(argv0 if argv0 is not None else guest_path).encode(),
                *(a.encode() for a in args)]
        try:
            if confidential and monitor is not None:
                _admit(monitor, image, kernel, guest_path)
                if view.sysroot is not None:
                    _admit_sysroot_libraries(monitor, view.sysroot)
                for guest in admit:
                    data = _admitted_bytes(root, guest)
                    monitor.conf.admit_file(guest, data)
                    _admit_if_program(monitor, kernel, guest, data)
                monitor.conf.admit_launch(argv, list(opts.env), guest_path)
                if launch_filter:
                    monitor.conf.state_launch_filter()
                if launch_suid_dumpable is not None:
                    monitor.conf.state_launch_suid_dumpable(launch_suid_dumpable)
                if launch_no_new_privs:
                    monitor.conf.state_launch_no_new_privs()
                if passed_fds:
                    monitor.conf.state_launch_fds(passed_fds)
                if securebits is not None:
                    monitor.conf.state_launch_securebits(securebits)
                if inheritable is not None:
                    monitor.conf.state_launch_inheritable(inheritable)
                if launch_secure_exec:
                    monitor.conf.state_launch_secure_exec()
            kernel.spawn_init(image, guest_path, argv, confidential=confidential)
        except ElfError as exc:
            hw.tracer.close()
            raise ElfLoadError(str(exc), exc.hint) from exc
        if sinks is not None:
            from cli.snapshot_cmd import Snapshotter, StopAfterSnapshot
            target = snapshot_target or Path(".")
            if not snapshot_once:
                target.mkdir(parents=True, exist_ok=True)
            kernel.slice_hook = Snapshotter(hw, kernel, snapshot_every, target, {
                "program": str(host_path.resolve()), "args": list(args),
                "guest_path": guest_path}, sinks, once=snapshot_once)
            try:
                return _finish_run(hw, kernel, opts)
            except StopAfterSnapshot:
                return RunResult(exit_code=0, wait_status=0, signal=0, stats={},
                                 warnings=list(opts.warnings))
        if debug is not None:
            from cli.debug_session import run_debugged
            return run_debugged(debug, hw, kernel, host_path, opts, _finish_run)
        result = _finish_run(hw, kernel, opts, view=view, inputs=inputs, trace=trace)
        if monitor is not None:
            result.warnings.extend(_refusal_hints(monitor))
        return result


def _refusal_hints(monitor: Guardian) -> list[str]:
    """What the user can do about the Guardian's refusals a run met, where there is
    something to do (the launch path reads the Guardian's record; the kernel cannot)."""
    hints: list[str] = []
    if any(d.check == "create.admitted" for d in monitor.decisions):
        hints.append("the Guardian refused to start an image the user did not admit: a "
                     "confidential program may exec only the program it was launched as and "
                     "the programs named with --admit PATH")
    return hints


def _finish_run(hw: Machine, kernel: Kernel, opts: KernelOptions,
                on_exit: Callable[[int], None] | None = None, *, view: HostView | None = None,
                inputs: HostInputs | None = None, trace: Path | None = None) -> RunResult:
    """Run the booted kernel to the end of its first program and collect the result.

    With ``view.interrupts`` Ctrl-C and Ctrl-\\ reach the guest (or stop the run); with a
    trace, the host inputs the run consumed are recorded at its end.
    """
    interrupted = 0
    try:
        try:
            if view is not None and view.interrupts:
                cpus = hw.cpus       # a rack's blades run on several: stop whichever runs

                def stop_all() -> None:
                    for cpu in cpus:
                        cpu.stop_from_another_thread()

                with Interrupts(kernel, stop_all if len(cpus) > 1
                                else cpus[0].stop_from_another_thread):
                    status = kernel.run()
            else:
                status = kernel.run()
        except HostInterrupt as exc:
            interrupted = exc.signo
            status = exc.signo
        finally:
            hw.tracer.close()
        if on_exit is not None:
            on_exit(status)
    except BudgetExhausted as exc:
        raise BudgetExceeded(str(exc), "raise --max-insns or leave it out") from exc
    except Deadlock as exc:
        hint = ("a stopped process runs again only on a SIGCONT from another process of the run"
                if "SIGCONT" in str(exc) else "the program waits for something that never happens")
        raise GuestCrash(f"deadlock: {exc}", hint) from exc
    except RecursionError as exc:
        raise EmulatorFault("internal recursion limit reached", "rerun with -v and report it") from exc
    if trace is not None and inputs is not None:
        from emulator.tracing.recorder import annotate
        annotate(trace, {"host_inputs_consumed": inputs.consumed(),
                         "interrupted": bool(interrupted or kernel.interrupted),
                         "ended_by": ("host interrupt" if interrupted else
                                      "guest exit after a host interrupt"
                                      if kernel.interrupted else "guest exit")})
    stats = hw.statistics()
    stats.update(kernel.stats.snapshot())
    signal = status & 0x7F
    code = 128 + signal if signal else (status >> 8) & 0xFF
    return RunResult(exit_code=code, wait_status=status, signal=signal, stats=stats,
                     warnings=list(opts.warnings), notes=list(opts.notes),
                     crash=kernel.crash_reports.get(1) if signal else None,
                     interrupted=interrupted or kernel.interrupted,
                     host_inputs=inputs)




def _admitted_bytes(rootfs: Path, guest: str) -> bytes:
    """The trusted launch path reads a file the user admits (by its path inside the root
    file system) before the kernel boots, so the Guardian measures what the user named."""
    if not guest.startswith("/"):
        raise UsageError(f"--admit {guest}: give the file's absolute path inside the root "
                         "file system", "for example --admit /lib/libdemo.so")
    host = (rootfs / guest.lstrip("/")).resolve()
    if not host.is_relative_to(rootfs.resolve()) or not host.is_file():
        raise UsageError(f"--admit {guest}: no such file in the root file system {rootfs}",
                         "put it under --rootfs first")
    return host.read_bytes()


_LIBRARY_DIRS = ("lib", "usr/lib", "lib64", "usr/lib64", "lib/aarch64-linux-gnu",
                 "usr/lib/aarch64-linux-gnu")


def _admit_sysroot_libraries(monitor: Guardian, sysroot: Path) -> None:
    """The sysroot the user named with -L is the user's statement of which libraries a
    confidential program may load: each shared object in its library directories is admitted
    (measured) under the path the program opens it by."""
    for rel in _LIBRARY_DIRS:
        folder = sysroot / rel
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if ".so" in entry.name and entry.is_file():
                monitor.conf.admit_file("/" + entry.relative_to(sysroot).as_posix(),
                                        entry.read_bytes())


def _admit_if_program(monitor: Guardian, kernel: Kernel, guest: str, data: bytes) -> None:
    """An admitted file that is a program (an ELF executable, or a position-independent one
    with an interpreter) may also be exec'd by the confidential program, as a new domain:
    admit it, and its interpreter, as images too.  A shared library stays a file."""
    try:
        image = parse_elf(data, guest)
    except ElfError:
        return
    if image.dynamic and image.interp is None and not _is_static_pie(data):
        return
    try:
        _admit(monitor, image, kernel, guest)
    except ElfError:
        # Its interpreter is not in the root: an exec of it fails in the kernel anyway;
        # the file stays admitted for mapping.
        pass


def _is_static_pie(data: bytes) -> bool:
    """A position-independent ELF with no interpreter is a program when its dynamic
    section says so (DT_FLAGS_1 & DF_1_PIE); otherwise it is a shared library."""
    import io

    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    try:
        for section in ELFFile(io.BytesIO(data)).iter_sections():
            if isinstance(section, DynamicSection):
                return any(tag.entry.d_tag == "DT_FLAGS_1" and tag.entry.d_val & 0x0800_0000
                           for tag in section.iter_tags())
    except (ELFError, ValueError):
        return False
    return False


def _admit(monitor: Guardian, image: ElfImage, kernel: Kernel, guest_path: str) -> None:
    """The trusted launch path: the user names the program (and, for a dynamic one,
    its interpreter) that may run confidentially, with the guest paths they are found
    at; the Guardian measures each before the kernel loads it."""
    monitor.conf.admit_image(image.data, guest_path)
    interp = load_interpreter(kernel.rootfs, image)
    if interp is not None and image.interp is not None:
        monitor.conf.admit_image(interp[0].data, os.fsdecode(image.interp))
