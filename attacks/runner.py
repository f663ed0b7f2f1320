"""Run one scenario in one mode and judge it.

The harness boots the same objects as `blindfold run` (machine, Guardian when
asked, kernel), with two differences: the kernel is the hooked one, so that
the scenario's steps run where they asked to, and the harness keeps a
referee's record (the secret as drawn, what the kernel copied from user
memory, the markers).  The verdict compares what happened with what the
scenario expects in that mode.
"""

from __future__ import annotations

import functools
import hashlib
import io
import shutil
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.dma import DmaEngine
from attacks.hooks import HookedEl1, HookedKernel, Hooks, Point, Referee, StopRun
from attacks.referee import MemoryWitness
from attacks.scenario import PROPERTIES, Expect, Goal, Scenario
from attacks.sysroot import NoSysroot, admit_sysroot, victim_sysroot
from attacks.workload import (
    BANNER_INTACT,
    BANNER_PWNED,
    HIJACKED,
    PROGRAM,
    PROGRAM_ARGS,
    SECRET_LEN,
    TAMPERED,
    WIN_EXIT_CODE,
    Phase,
)
from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import KernelOptions
from kernel_model.process import Thread
from kernel_model.signals import SIGUSR1
from workloads import find as find_workload

NR_KILL = NUMBERS["kill"]
_ATTACKS = Path(__file__).resolve().parent     # code here failing is the scenario's error
DEFAULT_MACHINE = "small"
MAX_INSNS = 60_000_000
DIGEST_PREFIX = b"secret: sha256="

WINDOW = 8          # this many contiguous secret bytes seen outside the domain make a leak
#: The Guardian's seed in every harness run.  Without it the Guardian draws fresh boot
#: entropy, and an attack whose effect depends on the random bytes (AT_RANDOM written over
#: a string stops at the first NUL it draws) would be judged differently run to run: a
#: verdict, a mutation score and a fuzz replay must repeat.  The scenarios hold only the
#: kernel's powers, which never include this seed.
HARNESS_GUARDIAN_SEED = 0


@dataclass
class Outcome:
    """What one run produced (the referee's view)."""

    mode: str
    secret: bytes = b""
    leaks: list[str] = field(default_factory=list)
    tampering: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    oracle_hits: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)     # the Guardian's invariants
    decided_by: list[str] = field(default_factory=list)     # checks behind the refusals
    claims: list[str] = field(default_factory=list)         # what Linux lets the kernel do
    hits: dict[str, set[int]] = field(default_factory=dict)
    watched: dict[int, bytes] = field(default_factory=dict)   # the referee's reads
    el0_config: list[tuple[int, int, int]] = field(default_factory=list)
    boot_config: tuple[int, int, int] = (0, 0, 0)
    fired: int = 0
    ended: str = ""
    exit_status: int | None = None
    stdout: bytes = b""
    markers: list = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    init_pid: int = 1

    def succeeded(self, goal: Goal) -> bool:
        """Whether the attacker reached the scenario's goal (collateral damage to the
        program, such as a crash after a refused step, does not count)."""
        return bool(self.leaks if goal is Goal.LEAK else self.tampering) or \
            bool(self.oracle_hits)


@dataclass
class Result:
    scenario: str
    mode: str
    expected: str
    status: str           # pass, open, closed, violated, known, xpass, broken, no-evidence, error
    message: str
    outcome: Outcome

    @property
    def test_id(self) -> str:
        return f"{self.scenario}-{self.mode}"

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "known", "open", "closed", "claim")

    @property
    def reproduce(self) -> str:
        return (f"blindfold attack run {self.scenario} --mode {self.mode} -v "
                f"--trace {self.test_id}.trace")


@dataclass
class Session:
    """One booted machine with the hooked kernel, ready to run the workload."""

    machine: Machine
    witness: MemoryWitness
    kernel: HookedKernel
    adversary: Adversary
    referee: Referee
    guardian: object | None
    image: object
    guest_path: str
    stdout: io.BytesIO
    rootfs: Path


def boot(mode: str, *, machine: str | None = None, timing: str = "fast",
         program: str = PROGRAM, trace: Path | None = None,
         guardian_seed: int = HARNESS_GUARDIAN_SEED) -> Session:
    """Build machine, Guardian (on/mprotect), hooked EL1 face and kernel; nothing runs yet."""
    config = load_machine(machine or DEFAULT_MACHINE)
    w = find_workload(program)
    path = w.binary if w is not None else Path(program)
    data = path.read_bytes()
    image = parse_elf(data, path.name)
    sysroot = victim_sysroot(image)
    rootfs = Path(tempfile.mkdtemp(prefix="blindfold-attack-"))
    (rootfs / "bin").mkdir()
    shutil.copyfile(path, rootfs / "bin" / path.name)
    hw = Machine(config)
    # The kernel's face of every core (the Guardian flushes and locks each like any
    # other); the kernel runs on core 0's, whose calls the hooks see.
    faces = [HookedEl1(cpu, hw.walker, hw.clock, hw.stats, hw.tracer) for cpu in hw.cpus]
    for i, f in enumerate(faces):
        hw._el1[i] = f
    face = faces[0]
    guardian = None
    if mode in ("on", "mprotect"):
        from guardian.monitor import Guardian
        # As `blindfold run` does: getrandom is the Guardian's to answer (the referee
        # reads the secret from the program's memory, not from the kernel's draws).
        guardian = Guardian(hw, mode="blindfold" if mode == "on" else "mprotect",
                            guardian_seed=guardian_seed, serve_entropy=True)
        hw.install_monitor(guardian)
        # The user's trusted launch path (the image, with the guest path it is found at).
        guardian.conf.admit_image(data, f"/bin/{path.name}")
        # ... and the program's file, which its -f variant maps (as `blindfold run --admit`).
        guardian.conf.admit_file(f"/bin/{path.name}", data)
        if sysroot is not None:
            admit_sysroot(guardian, sysroot, image.interp)  # type: ignore[arg-type]
    elif mode != "off":
        raise ValueError(f"unknown mode {mode!r}")
    if trace is not None:
        from emulator.tracing.recorder import attach_recorder
        attach_recorder(hw, trace, "events", {"program": str(path), "guardian": mode,
                                              "machine": config.name, "seed": config.seed,
                                              **({"guardian_seed": guardian_seed}
                                                 if guardian is not None else {})})
    hooks = Hooks()
    face.attach(hooks)
    referee = Referee(markers=[], copied_from_user=[], random_draws=[])
    if guardian is not None:
        guardian.state.entropy.observers.append(_guardian_getrandom(referee))
    adv = Adversary(hooks, face, DmaEngine(hw.dma_port()), cores=faces)
    out = io.BytesIO()
    opts = KernelOptions(rootfs=rootfs, timing=timing, max_insns=MAX_INSNS, stdout=out,
                         stderr=out, stdin=io.BytesIO(), sysroot=sysroot)
    saved_registers = None
    if guardian is not None:
        conf = guardian.conf

        def saved_registers(t: Thread) -> list[int]:
            slot = conf.slots.get(t.slot)
            return [slot.ctx.get(i) for i in range(9)] if slot else [0] * 9

    kernel = HookedKernel(hw.boot_info(), face, hw.clock, hw.stats, opts, hooks=hooks,
                          referee=referee, marker_registers=saved_registers)
    for f in faces:
        if not f.powered_off:       # (a core the Guardian keeps off refuses everything)
            f.seal()
    kills = [0]      # kill() calls the program made (its code makes one)
    witness = MemoryWitness(hw, data, lambda: sorted(adv.tally.hits.get("watch", ())),
                            lambda: (sum(1 for pid, signo in referee.delivered
                                         if signo == SIGUSR1 and pid == kernel.init.pid),
                                     kills[0]))
    hooks.add(Point.SYSCALL_ENTRY, lambda nr, thread: kills.__setitem__(
        0, kills[0] + (nr == NR_KILL and thread.process is kernel.init)))
    hooks.add(Point.MARKER, lambda phase, args, thread: witness.on_marker(
        phase, args, thread.process is kernel.init))
    hooks.add(Point.AFTER_RESUME, lambda thread: witness.on_return())
    witness.at_boot()
    adv.arm(kernel)
    return Session(hw, witness, kernel, adv, referee, guardian, image,
                   f"/bin/{path.name}", out, rootfs)


def _guardian_getrandom(referee: Referee) -> Callable[[bytes, bytes], None]:
    """The referee's fallback secret when the Guardian serves getrandom: its first draw
    of the secret's size after START, replacing the kernel's (overwritten) bytes."""
    taken = False

    def observe(purpose: bytes, out: bytes) -> None:
        nonlocal taken
        if purpose == b"getrandom" and referee.started and len(out) == SECRET_LEN and not taken:
            referee.secret, taken = out, True
    return observe


def run_session(s: Session, mode: str, args: tuple[bytes, ...] = ()) -> Outcome:
    """Spawn the workload (with the variant switches `args`) and run it to the end (or to
    wherever the adversary stopped it)."""
    out = Outcome(mode=mode)
    start = time.perf_counter()
    argv = [s.guest_path.encode(), *PROGRAM_ARGS, *args]
    if s.guardian is not None:          # the user's command line, on the trusted path
        s.guardian.conf.admit_launch(argv, list(s.kernel.options.env),  # type: ignore[attr-defined]
                                     s.guest_path)
    try:
        s.kernel.spawn_init(s.image, s.guest_path, argv, confidential=mode != "off")
        out.init_pid = s.kernel.init.pid if s.kernel.init else 1
        out.exit_status = s.kernel.run()
        out.ended = "the program finished"
    except StopRun as exc:
        out.ended = f"stopped by the adversary ({exc})"
    except Exception as exc:  # noqa: BLE001 - an adversarial kernel may crash itself
        where = traceback.extract_tb(exc.__traceback__)
        if where and Path(where[-1].filename).resolve().is_relative_to(_ATTACKS):
            out.error = "".join(traceback.format_exception(exc)).strip()
        out.ended = f"the run ended with {type(exc).__name__}: {exc}"
        s.witness.after_abort()
    finally:
        s.machine.tracer.close()
        shutil.rmtree(s.rootfs, ignore_errors=True)
    out.seconds = time.perf_counter() - start
    out.stdout = s.stdout.getvalue()
    out.markers = list(s.referee.markers)
    out.secret = s.witness.w.secret or s.referee.secret
    out.fired = s.adversary.tally.fired
    return out


def find_leaks(secret: bytes, blobs: list[tuple[str, bytes]]) -> list[str]:
    """Where any WINDOW contiguous bytes of the secret appear."""
    if len(secret) < WINDOW:
        return []
    pieces = {secret[i:i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
    # One pass over everything first (the usual answer is "nowhere"); a window cannot
    # span two blobs because the separator is longer than it and not part of the secret.
    sep = next(bytes([b]) * (2 * WINDOW) for b in range(256) if bytes([b]) * 2 not in secret)
    joined = sep.join(bytes(d) for _, d in blobs)
    if not any(p in joined for p in pieces):
        return []
    hits = []
    for where, data in blobs:
        if any(p in data for p in pieces):
            hits.append(where)
    return sorted(set(hits))


def _tampering(out: Outcome, witness: MemoryWitness | None = None) -> list[str]:
    found = []
    checked = witness is not None and witness.w.checked
    if checked:
        found += witness.w.integrity       # type: ignore[union-attr]
    if HIJACKED in out.stdout or (out.exit_status is not None
                                  and (out.exit_status >> 8) & 0xFF == WIN_EXIT_CODE):
        found.append("control flow reached win() (hijacked)")
    if TAMPERED in out.stdout and not checked:
        found.append("the program found a copy of its secret changed")
    if out.stdout.count(BANNER_INTACT) > 1:
        found.append("the program's last write() reached its output "
                     f"{out.stdout.count(BANNER_INTACT)} times (a completed syscall re-ran)")
    if BANNER_PWNED in out.stdout:
        found.append("the program printed a string the admitted image does not contain")
    pids_by_phase: dict[int, set[int]] = {}
    children = 0
    per_process = Counter((m.pid, m.phase) for m in out.markers)
    again = sorted({Phase(p).name for (_, p), n in per_process.items()
                    if n > 1 and p <= Phase.END})
    if again:
        found.append(f"marker {', '.join(again)} ran twice in one process (a system call "
                     "was executed again)")
    for m in out.markers:
        pids_by_phase.setdefault(m.phase, set()).add(m.pid)
        if m.phase == Phase.CHILD:
            children += 1
            if m.pid == out.init_pid:
                found.append("the parent ran the child's side of fork()")
    if children > 1:
        found.append(f"the forked child's code ran {children} times")
    dup = [Phase(p).name for p, pids in pids_by_phase.items()
           if len(pids) > 1 and p != Phase.CHILD and p <= Phase.END]
    if dup:
        found.append(f"markers {', '.join(dup)} came from more than one process "
                     "(a forged copy of the program ran)")
    return found


def judge(sc: Scenario, mode: str, s: Session, out: Outcome) -> Result:
    adv = s.adversary
    blobs = list(adv.tally.observed)
    blobs += [("copy_from_user", b) for b in s.referee.copied_from_user]
    blobs.append(("the program's output", out.stdout))
    if out.secret:
        out.leaks = find_leaks(out.secret, blobs)
    out.tampering = _tampering(out, s.witness)
    out.tampering += _digest_mismatch(out)
    out.hits = adv.tally.hits
    out.watched = dict(s.witness.w.watched)
    out.el0_config = list(s.witness.w.el0_config)
    out.boot_config = s.witness.w.boot_config
    if s.guardian is not None:
        out.violations = s.guardian.frames.violations()  # type: ignore[attr-defined]
        usual = Counter(baseline_decisions(mode, s.machine.config.name, sc.timing, sc.program,
                                           sc.args))
        for d in s.guardian.decisions:  # type: ignore[attr-defined]
            text = f"decision: {d.call} {d.status.name}: {d.reason}"
            if usual[text]:
                usual[text] -= 1     # the workload meets this refusal without any attack
            else:
                out.evidence.append(text)
                out.decided_by.append(getattr(d, "check", "") or d.call)
    if sc.oracle is not None:           # after the decisions: an oracle may weigh them
        out.oracle_hits = sc.oracle(out)
    out.evidence += [f"refused: {r}" for r in adv.tally.refusals]
    out.evidence += [f"note: {n}" for n in adv.tally.notes]
    out.evidence += [f"availability: {n}" for n in s.witness.w.availability]
    out.claims += s.witness.w.claims     # (after an oracle's own claims)
    expected = sc.expected(mode)
    known = sc.known.get(mode, "")
    if out.error and not out.succeeded(sc.goal):
        return Result(sc.id, mode, expected.value, "error",
                      "the scenario's steps failed: " + out.error.splitlines()[-1], out)
    if not out.fired:
        return Result(sc.id, mode, expected.value, "broken",
                      f"the adversary never got control ({out.ended})", out)
    if out.claims and not out.succeeded(sc.goal):
        # What the attack achieved is something Linux lets any kernel (or process) do:
        # not a property of the Guardian, in any mode.
        return Result(sc.id, mode, expected.value, "claim",
                      f"the kernel's claim, not an attack: {'; '.join(out.claims)}", out)
    parts = ([f"secret seen in {', '.join(out.leaks)}"] if out.leaks else []) + \
        out.tampering + out.oracle_hits
    what = "; ".join(parts)
    if expected is Expect.SUCCEEDS:
        if out.succeeded(sc.goal):
            return Result(sc.id, mode, expected.value, "pass", f"attack succeeded: {what}", out)
        return Result(sc.id, mode, expected.value, "broken",
                      f"the attack failed where it must succeed ({out.ended})", out)
    if out.succeeded(sc.goal):
        if sc.gap:
            return Result(sc.id, mode, expected.value, "open",
                          f"open gap {sc.gap} ({PROPERTIES[sc.gap]}): {what}", out)
        if known:
            return Result(sc.id, mode, expected.value, "known",
                          f"known issue {known}: {what}", out)
        return Result(sc.id, mode, expected.value, "violated", f"protection failed: {what}", out)
    if known:
        return Result(sc.id, mode, expected.value, "xpass",
                      f"refused, but listed as known issue {known}: update the scenario", out)
    if not out.evidence and not sc.silent:
        return Result(sc.id, mode, expected.value, "no-evidence",
                      "the attack failed but no refusal was visible", out)
    why = out.evidence[0] if out.evidence else f"defended by construction: {sc.silent}"
    if sc.gap and mode == "on":
        return Result(sc.id, mode, expected.value, "closed",
                      f"refused ({why}); gap {sc.gap} is closed: drop the scenario's marker",
                      out)
    return Result(sc.id, mode, expected.value, "pass", f"refused ({why})", out)


@functools.cache
def baseline_decisions(mode: str, machine: str, timing: str, program: str = PROGRAM,
                       args: tuple[bytes, ...] = ()) -> tuple[str, ...]:
    """The Guardian's refusals in a run with no adversary (the predecessor design
    refuses some of the workload's own calls); they are not evidence of a defence."""
    s = boot(mode, machine=machine, timing=timing, program=program)
    run_session(s, mode, args)
    if s.guardian is None:
        return ()
    return tuple(f"decision: {d.call} {d.status.name}: {d.reason}"
                 for d in s.guardian.decisions)  # type: ignore[attr-defined]


def _check_oracle(out: Outcome) -> str:
    """The referee's secret has the program's length (when it got that far)."""
    if out.secret and len(out.secret) != SECRET_LEN:
        return "the secret oracle read the wrong number of bytes"
    return ""


def _digest_mismatch(out: Outcome) -> list[str]:
    """The program hashes its secret at the end: another digest than the secret it held at
    PLACED means the secret itself was changed (tampering, never a harness error)."""
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith(DIGEST_PREFIX)), None)
    if line is not None and out.secret and \
            line[len(DIGEST_PREFIX):].decode() != hashlib.sha256(out.secret).hexdigest():
        return ["the program hashed another secret than the one it held"]
    return []


def run_one(sc: Scenario, mode: str, *, machine: str | None = None,
            trace: Path | None = None) -> Result:
    try:
        s = boot(mode, machine=machine or sc.machine or None, timing=sc.timing,
                 program=sc.program, trace=trace)
    except NoSysroot as exc:        # the victim cannot run here: say so, run the others
        return Result(sc.id, mode, sc.expected(mode).value, "error", str(exc),
                      Outcome(mode=mode, error=str(exc)))
    try:
        sc.steps(s.adversary)
    except Exception:  # noqa: BLE001 - a broken scenario is reported, not raised
        out = Outcome(mode=mode, error=traceback.format_exc().strip())
        shutil.rmtree(s.rootfs, ignore_errors=True)
        return Result(sc.id, mode, sc.expected(mode).value, "error",
                      "the scenario could not install its steps", out)
    out = run_session(s, mode, sc.args)
    out.error = out.error or _check_oracle(out)
    return judge(sc, mode, s, out)
