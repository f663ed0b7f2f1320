"""Snapshots of a whole run: `blindfold snapshot save|restore|info` and the
`--snapshot-every N` hook of `blindfold run`.

A snapshot is taken between two slices of the kernel's run loop, where every
thread's registers are in the model: RAM, the core's EL1 registers, the clock,
the counters, the kernel model, the Guardian and the vector tables, plus the
guest's root file system.  With the Guardian installed, RAM and the model are
sealed with the Guardian's key, and restoring is admitted only for the newest
sealed state (guardian/snapshot_seal.py).  A snapshot is refused while the guest
holds a host resource it could not get back: an open host file or a terminal.
"""

from __future__ import annotations

import io
import json
import pickle
import shutil
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from emulator.errors import BlindfoldError, UsageError
from emulator.snapshot import format as fmt
from emulator.snapshot.machine_state import (
    Unrestorable,
    core_state,
    dump_graph,
    load_graph,
    load_ram_pages,
    machine_hardware,
    ram_pages,
    restore_core,
)

if TYPE_CHECKING:
    from emulator.machine import Machine
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

SUFFIX = ".bfsnap"
MAX_ROOTFS = 256 << 20        # the guest's root file system travels inside the snapshot


class SnapshotRefused(BlindfoldError):
    """A snapshot cannot be taken or restored."""


class StopAfterSnapshot(Exception):  # noqa: N818 - control flow
    """`snapshot save` has what it came for: end the run."""


@dataclass
class CountingSink:
    """A host stream that counts what the guest wrote (a snapshot records the count, so a
    continuation can be compared with the original's output from that point)."""

    sink: BinaryIO
    written: int = 0

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.written += len(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()

    def fileno(self) -> int:
        return self.sink.fileno()


def _streams(kernel: Kernel) -> dict[str, object]:
    """The host streams the model holds, by the role a restored run binds them to."""
    opts = kernel.options
    named: dict[str, object] = {}
    for role, given, default in (("stdout", opts.stdout, sys.stdout.buffer),
                                 ("stderr", opts.stderr, sys.stderr.buffer),
                                 ("stdin", opts.stdin, sys.stdin.buffer)):
        named[role] = given if given is not None else default
    return named


def _open_files(proc: Any) -> list[Any]:
    slots = getattr(proc.fds, "_slots", {})
    return [slot.file for slot in slots.values()]


def _check_host_resources(kernel: Kernel) -> None:
    from kernel_model.console_file import ConsoleFile
    from kernel_model.openfile import HostFile
    for proc in kernel.processes.values():
        if proc.exit_status is not None:
            continue
        for f in _open_files(proc):
            if isinstance(f, HostFile):
                raise SnapshotRefused(
                    f"pid {proc.pid} holds an open host file ({getattr(f, 'path', '?')})",
                    "take the snapshot where the program has no files open")
            if isinstance(f, ConsoleFile) and f.isatty():
                raise SnapshotRefused(f"pid {proc.pid} holds a terminal",
                                      "redirect the program's stdin/stdout/stderr to files or "
                                      "pipes for a run that takes snapshots")


def capture(hw: Machine, kernel: Kernel, prev: Thread | None, meta: dict[str, Any],
            output: tuple[int, int] = (0, 0)) -> tuple[fmt.SnapshotFile, bytes | None]:
    """The snapshot of a run at a slice boundary, and the key to seal it with (if any)."""
    _check_host_resources(kernel)
    monitor = hw.monitor
    key = epoch = None
    if monitor is not None:
        from guardian.snapshot_seal import GuardianSealStore
        store = GuardianSealStore()
        key = store.key()
        epoch = store.next_epoch()
    streams = _streams(kernel)
    hardware = {**machine_hardware(hw), **streams}
    state = {"kernel": kernel, "monitor": monitor, "vectors": hw.vectors.tables, "prev": prev,
             "el1_pan": [hw.el1(i).pan for i in range(len(hw.cpus))],
             # The model's EL1 TLB decides which kernel accesses pay for a walk.
             # The kernel's translation cache, pages and 2 MiB blocks: a restored run walks
             # exactly as the original would have.
             "el1_tlb": [(dict(hw.el1(i)._tlb), dict(hw.el1(i)._block_tlb),
                          set(hw.el1(i)._tlb_ttbrs)) for i in range(len(hw.cpus))],
             "walker": (hw.walker.walks, hw.walker.descriptor_reads),
             "clock": (hw.clock.cycles, dict(hw.clock.charged)), "stats": hw.stats.snapshot(),
             "guardian_epoch": epoch, "streams": sorted(streams)}
    hook = kernel.__dict__.pop("slice_hook", None)     # the snapshotter is not the run's
    try:
        model = dump_graph(state, hardware)
    except Unrestorable as exc:
        raise SnapshotRefused(str(exc), "take the snapshot elsewhere in the run") from exc
    finally:
        if hook is not None:
            kernel.slice_hook = hook
    root = Path(kernel.options.rootfs)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    if size > MAX_ROOTFS:
        raise SnapshotRefused(f"the guest's root file system {root} holds {size >> 20} MiB",
                              f"snapshots carry it whole; keep it under {MAX_ROOTFS >> 20} MiB")
    rootfs = io.BytesIO()
    with tarfile.open(fileobj=rootfs, mode="w") as tar:
        tar.add(str(kernel.options.rootfs), arcname=".")
        # Files mounted into the root (the program itself is mounted, never copied) travel
        # as files at their guest paths, so an execve after a restore finds them.
        for guest, host in sorted(kernel.options.mounts.items()):
            if Path(host).is_file():
                tar.add(str(host), arcname="." + guest)
    header = {**meta, "insns": kernel.insns, "cycles": hw.clock.cycles,
              "stdout_bytes": output[0], "stderr_bytes": output[1],
              "guardian": type(monitor).__name__ if monitor is not None else None,
              "guardian_epoch": epoch, "machine": hw.config.name,
              "machine_digest": hw.config.digest()}
    sections = {"machine": dump_graph(hw.config, {}), "ram": ram_pages(hw.ram.view),
                "core": json.dumps(core_state(hw.cpus[0])).encode(), "model": model,
                "rootfs": rootfs.getvalue()}
    sealed = {"ram", "model", "core"} if monitor is not None else set()
    return fmt.SnapshotFile(header, sections, sealed), key


def save(path: Path, hw: Machine, kernel: Kernel, prev: Thread | None, meta: dict[str, Any],
         output: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    snap, key = capture(hw, kernel, prev, meta, output)
    fmt.write(path, snap, key)
    return snap.header


def restore(path: Path, stdout: BinaryIO, stderr: BinaryIO, stdin: BinaryIO | None
            ) -> tuple[Machine, Kernel, Path, dict[str, Any]]:
    """A machine and kernel ready to run on from the snapshot (and the rootfs it made)."""
    from emulator.machine import Machine
    from kernel_model.vfs import Rootfs

    try:
        header, _ = fmt.read_header(path)
        key = None
        if header.get("guardian"):
            from guardian.snapshot_seal import GuardianSealStore
            key = GuardianSealStore().key()
        snap = fmt.read(path, key)
    except fmt.SnapshotError as exc:
        raise SnapshotRefused(exc.message, exc.hint) from exc
    config = load_graph(snap.sections["machine"], {})
    hw = Machine(config)
    load_ram_pages(hw.ram.view, snap.sections["ram"])
    streams = {"stdout": stdout, "stderr": stderr,
               "stdin": stdin if stdin is not None else io.BytesIO()}
    try:
        state = load_graph(snap.sections["model"], {**machine_hardware(hw), **streams})
    except pickle.UnpicklingError as exc:
        raise SnapshotRefused(f"{path}: {exc}", "") from exc
    kernel = state["kernel"]
    if state["monitor"] is not None:
        from guardian.snapshot_seal import GuardianSealStore, SealRefused
        try:
            GuardianSealStore().admit(state["guardian_epoch"])
        except SealRefused as exc:
            raise SnapshotRefused(str(exc), "restore the newest snapshot of this Guardian") from exc
        hw.install_monitor(state["monitor"])
    hw.vectors.tables = state["vectors"]
    restore_core(hw.cpus[0], json.loads(snap.sections["core"]))
    hw.cpus[0].el = json.loads(snap.sections["core"])["el"]
    for i, pan in enumerate(state["el1_pan"]):
        hw.el1(i).pan = pan
        pages, blocks, ttbrs = state["el1_tlb"][i]
        hw.el1(i)._tlb.update(pages)
        hw.el1(i)._block_tlb.update(blocks)
        hw.el1(i)._tlb_ttbrs.update(ttbrs)
    hw.walker.walks, hw.walker.descriptor_reads = state["walker"]
    hw.clock.cycles, charged = state["clock"]
    hw.clock.charged = dict(charged)
    for name, value in state["stats"].items():
        hw.stats.set(name, value)
    rootfs = Path(tempfile.mkdtemp(prefix="blindfold-rootfs-"))
    with tarfile.open(fileobj=io.BytesIO(snap.sections["rootfs"]), mode="r") as tar:
        tar.extractall(rootfs, filter="data")
    kernel.rootfs = Rootfs(rootfs, sysroot=kernel.options.sysroot)
    kernel.options.rootfs = rootfs
    kernel.options.mounts = {}
    kernel.resume_prev = state["prev"]
    return hw, kernel, rootfs, snap.header


class Snapshotter:
    """`run --snapshot-every N`: a snapshot file at the first slice boundary after every
    N instructions (or, for `snapshot save`, one file and then stop)."""

    def __init__(self, hw: Machine, kernel: Kernel, every: int, target: Path,
                 meta: dict[str, Any], sinks: tuple[CountingSink, CountingSink],
                 once: bool = False) -> None:
        self.hw = hw
        self.kernel = kernel
        self.every = every
        self.target = target
        self.meta = meta
        self.sinks = sinks
        self.once = once
        self.next_at = every
        self.written: list[Path] = []

    def __call__(self, prev: Thread | None) -> None:
        if self.kernel.insns < self.next_at:
            return
        path = self.target if self.once else self.target / f"snap-{self.kernel.insns:012d}{SUFFIX}"
        save(path, self.hw, self.kernel, prev, self.meta,
             (self.sinks[0].written, self.sinks[1].written))
        self.written.append(path)
        self.next_at = self.kernel.insns + self.every
        if self.once:
            raise StopAfterSnapshot()


# --- the command ----------------------------------------------------------------------
@click.group()
def snapshot() -> None:
    """Save a run's whole machine to a file and continue it later (or again)."""


@snapshot.command("save")
@click.argument("out", type=click.Path(path_type=Path))
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--at", "at_insn", type=click.IntRange(min=1), required=True, metavar="N",
              help="Save at the first slice boundary after N instructions.")
@click.option("--machine", metavar="FILE|NAME")
@click.option("--guardian", type=click.Choice(["off", "on", "mprotect"]), default="off")
@click.option("--confidential", is_flag=True)
def snapshot_save(out: Path, program: str, args: tuple[str, ...], at_insn: int,
                  machine: str | None, guardian: str, confidential: bool) -> None:
    """Run PROGRAM (exact timing) to instruction N and save the machine to OUT."""
    from cli.main import _fail
    from cli.session import run_program
    try:
        result = run_program(program, list(args), machine=machine, timing="exact",
                             guardian=guardian, confidential=confidential,
                             snapshot_every=at_insn, snapshot_target=out, snapshot_once=True)
    except BlindfoldError as exc:
        _fail(exc, False)
        return
    if not out.exists():
        click.echo(f"blindfold: the program ended ({result.summary}) before instruction "
                   f"{at_insn}; nothing saved", err=True)
        sys.exit(1)
    header, _ = fmt.read_header(out)
    click.echo(f"blindfold: saved {out} at instruction {header['insns']}", err=True)


@snapshot.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
def snapshot_restore(file: Path) -> None:
    """Continue the run saved in FILE to its end; exits with the program's status."""
    from cli.main import _fail
    from cli.session import _finish_run
    rootfs = None
    try:
        hw, kernel, rootfs, _header = restore(file, sys.stdout.buffer, sys.stderr.buffer,
                                              sys.stdin.buffer)
        result = _finish_run(hw, kernel, kernel.options)
    except BlindfoldError as exc:
        _fail(exc, False)
        return
    finally:
        if rootfs is not None:
            shutil.rmtree(rootfs, ignore_errors=True)
    for w in result.warnings:
        click.echo(f"blindfold: warning: {w}", err=True)
    sys.exit(result.exit_code)


@snapshot.command("info")
@click.argument("file", type=click.Path(path_type=Path))
def snapshot_info(file: Path) -> None:
    """Print a snapshot's header (JSON)."""
    from cli.main import _fail
    try:
        header, _ = fmt.read_header(file)
    except fmt.SnapshotError as exc:
        _fail(UsageError(exc.message, exc.hint), False)
        return
    click.echo(json.dumps(header, indent=2, sort_keys=True))
