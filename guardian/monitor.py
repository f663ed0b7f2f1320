"""The Guardian monitor (EL2): its boot and its one call table.

It boots before the kernel: it claims its own frames at the top of RAM, builds
the kernel's linear map from them (4 KiB pages, its own frames left out), and
installs itself as the target of HVC calls and of trapped system-register
writes.  Every call goes through `hvc_data`: the call table names the handler,
the arguments are unpacked as `abi.SPECS` lists them, and a refusal (one
exception type, `checks.Refused`) is caught here and recorded as a decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from abi import SPECS, Call, Status
from emulator import sysregs as S
from emulator.el1_lock import power_off
from emulator.machine import Machine
from emulator.trace import EV_DATA
from guardian import checks
from guardian.checks import FaultIn, Refused, refuse
from guardian.confidential import Confidential
from guardian.entropy import boot_seed
from guardian.invariants import Invariants
from guardian.page_tables import PageTables
from guardian.pt_range import clear_range
from guardian.secure_mm import SecureMM
from guardian.state import Decision, MonitorState
from guardian.sysreg_policy import SysregPolicy

log = logging.getLogger(__name__)

__all__ = ["Decision", "Guardian"]

#: Call numbers and their statistics names, looked up once per HVC.
_CALLS: dict[int, Call] = {int(c): c for c in Call}
_CALL_COUNTERS: dict[Call, str] = {c: f"guardian.calls.{c.name.lower()}" for c in Call}

_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_OK = Status.OK          # (an enum member read off its class costs ~0.3 us on Python 3.11)

_PAGE_MASK = ~0xFFF
PINNED_IN_MPROTECT = frozenset({Call.SWAP_OUT, Call.MIGRATE_PAGE, Call.KSM_MERGE,
                                Call.THP_COLLAPSE, Call.PAGE_DIGEST})

#: A handler takes the call's arguments (as SPECS lists them) and the kernel's buffer,
#: and returns (value, bytes for the kernel); it raises Refused or FaultIn instead.
Handler = Callable[[tuple[int, ...], bytes], tuple[int, bytes]]


@dataclass(frozen=True)
class Entry:
    handler: Handler
    nargs: int
    #: (position, name, lowest, highest) of each argument read as a narrower signed type.
    narrow: tuple[tuple[int, str, int, int], ...] = ()


def _entry(call: Call, handler: Handler) -> Entry:
    spec = SPECS[call]
    narrow = tuple((spec.args.index(name), name, lo, hi) for name, lo, hi in spec.narrow_args)
    return Entry(handler, len(spec.args), narrow)


def _narrowed(c: Call, entry: Entry, args: tuple[int, ...]) -> tuple[int, ...]:
    """The arguments with each narrow one sign-extended from the register and range-checked,
    so no handler packs a value its C type cannot hold."""
    out = list(args)
    for pos, name, lo, hi in entry.narrow:
        value = out[pos] - (1 << 64) if out[pos] >> 63 else out[pos]
        if not lo <= value <= hi:
            refuse("call.arg_range", Status.ERR_RANGE,
                   f"{c.name} argument {name} = {args[pos]:#x} is outside {lo}..{hi}")
            continue                      # a build without the check passes it on as is
        out[pos] = value
    return tuple(out)


class Guardian:
    def __init__(self, machine: Machine, reserve: int = 256 << 10, mode: str = "blindfold",
                 guardian_seed: int | None = None, serve_entropy: bool = True) -> None:
        """`guardian_seed`: the operator's seed for a reproducible run (None: fresh boot
        entropy, which no kernel can know).  `serve_entropy`: getrandom for a confidential program is answered with the
        Guardian's own entropy (a trusted harness watches `state.entropy.observers`);
        off only to compare with a kernel that serves it."""
        self.machine = machine
        self.mode = mode
        self.guardian_seed = boot_seed() if guardian_seed is None else guardian_seed
        self.state = s = MonitorState(machine, reserve, self.guardian_seed)
        self.tables = s.tables = PageTables(s)
        self.conf = s.conf = Confidential(s, mode)
        self.conf.serve_entropy = serve_entropy
        self.secure_mm = SecureMM(s)
        self.sysregs = SysregPolicy(s, s.linear.root)
        self.invariants = Invariants(s, self.secure_mm)
        self.calls = self._call_table()
        self._keep_secondary_cores_off(machine)

    @staticmethod
    def _keep_secondary_cores_off(machine: Machine) -> None:
        """Only the boot core runs the kernel.  A secondary core comes out of reset with its
        MMU off, where every address is physical and no linear map hides a confidential
        frame; bringing one up is the monitor's job (PSCI CPU_ON, the core entering the
        kernel with the monitor's EL1 configuration), and the contract has no such call
        yet, so every other core stays powered off."""
        if not checks.enabled("cpu.secondary_off"):
            return
        for index in range(1, len(machine.cpus)):
            power_off(machine.el1(index))

    # --- what the machine and tests see -------------------------------------------------
    @property
    def frames(self):  # noqa: ANN201 - FrameTable
        return self.state.frames

    @property
    def decisions(self) -> list[Decision]:
        return self.state.decisions

    @property
    def reserved_base(self) -> int:
        return self.state.reserved_base

    @property
    def kernel_ttbr1(self) -> int:
        return self.state.linear.root

    @property
    def live_ttbr0(self) -> int:
        return self.state.live_ttbr0

    @property
    def ram(self):  # noqa: ANN201 - PhysicalMemory
        return self.state.ram

    @property
    def stats(self):  # noqa: ANN201 - Stats
        return self.state.stats

    def check_invariants_after_every_call(self, on: bool = True) -> None:
        """Test mode: every invariant of guardian/invariants.py is checked after each call."""
        self.state.invariant_checks = [self.invariants.violations] if on else []

    # --- the call table -----------------------------------------------------------------
    def _call_table(self) -> dict[Call, Entry]:
        t, c, sm = self.tables, self.conf, self.secure_mm
        life, ret, sig, ua = c.lifecycle, c.returns, c.signals, c.uaccess

        def plain(fn: Callable[..., int]) -> Handler:
            return lambda a, _p: (fn(*a), b"")

        def smm(call: Call) -> Handler:
            return lambda a, p: sm.call(call, a, p)

        table: dict[Call, Handler] = {
            Call.REGISTER_PT: plain(t.register_pt),
            Call.RELEASE_PT: plain(t.release_pt),
            Call.SET_PT: plain(t.set_pt),
            Call.CLEAR_PT_RANGE: lambda a, _p: (clear_range(t, *a), b""),
            Call.SET_PTBR: plain(t.set_ptbr),
            Call.FREE_PGD: plain(t.free_pgd),
            Call.SET_SYSREG: lambda a, _p: self._set_sysreg(*a),
            Call.CREATE_DOMAIN: lambda a, p: (life.create(a[0], a[1], a[2], p, a[3]), b""),
            Call.FORK_DOMAIN: plain(c.forks.fork),
            Call.RESUME: ret.serve_resume,
            Call.EXIT_DOMAIN: plain(life.exit_root),
            Call.COPY_PAGE: plain(c.shares.copy_page),
            Call.RECLAIM_PAGE: plain(c.shares.reclaim_page),
            Call.SIGNAL: lambda a, p: (sig.signal(*a, p), b""),
            Call.USER_READ: lambda a, _p: ua.user_access(a[0], a[1], a[2], False),
            Call.USER_WRITE: lambda a, p: ua.user_access(a[0], a[1], len(p), True, p),
            Call.USER_STRING: lambda a, _p: ua.user_string(*a),
        }
        for call in (Call.SWAP_OUT, Call.SWAP_IN, Call.SWAP_SHARE, Call.SWAP_DISCARD,
                     Call.MIGRATE_PAGE, Call.PAGE_DIGEST, Call.KSM_MERGE, Call.THP_COLLAPSE,
                     Call.THP_SPLIT, Call.COMPRESS_PAGE):
            handler = smm(call)
            if self.mode == "mprotect" and call in PINNED_IN_MPROTECT:
                handler = self._pinned
            table[call] = handler
        missing = set(Call) - set(table)
        assert not missing, f"calls without a handler: {missing}"
        return {call: _entry(call, h) for call, h in table.items()}

    def _pinned(self, _a: tuple[int, ...], _p: bytes) -> tuple[int, bytes]:
        # The predecessor design has no secure ABI for memory management: a confidential
        # page stays where it is (never swapped, moved or merged).
        self.state.stats.inc("guardian.mprotect.pinned_refusals")
        refuse("mprotect.pinned", Status.ERR_UNSUPPORTED, "mprotect mode pins confidential memory")
        return 0, b""

    def _set_sysreg(self, reg: int, value: int) -> tuple[int, bytes]:
        refuse("call.sysreg_via_trap", Status.ERR_RANGE,
               "system registers arrive through the trap, not as a call")
        return 0, b""

    # --- the call interface ---------------------------------------------------------------
    def hvc(self, call: int, args: Sequence[int]) -> tuple[int, int]:
        """Entry point for HVC #0 from EL1: (status, value)."""
        s = self.state
        c = _CALLS.get(call)
        if c is None or s.tracer.enabled:
            status, value, _ = self.hvc_data(call, args, b"")
            return status, value
        # hvc_data's untraced path, written out: a RESUME comes this way per exception.
        counters = s.stats.counters
        key = _CALL_COUNTERS[c]
        counters[key] = counters.get(key, 0) + 1
        entry = self.calls[c]
        n = entry.nargs
        if n == 4 and len(args) >= 4:     # (SET_PT's four: every demand fault)
            a: tuple[int, ...] = (args[0] & _MASK64, args[1] & _MASK64, args[2] & _MASK64,
                                  args[3] & _MASK64)
        elif n == 3 and len(args) >= 3:   # (RESUME's three, without building an iterator)
            a = (args[0] & _MASK64, args[1] & _MASK64, args[2] & _MASK64)
        elif n == 2 and len(args) >= 2:
            a = (args[0] & _MASK64, args[1] & _MASK64)
        else:
            a = tuple(map(_MASK64.__and__, args[:n]))
            if len(a) < n:
                a += (0,) * (n - len(a))
        status, value, _ = self._serve(c, entry, a, b"")
        return status, value

    def hvc_data(self, call: int, args: Sequence[int], payload: bytes) -> tuple[int, int, bytes]:
        """HVC with a kernel buffer: `payload` is what the kernel passes in, the
        returned bytes what the Guardian copies out (copy_from_user data)."""
        s = self.state
        c = _CALLS.get(call)
        if c is None:
            s.clock.charge("guardian_call")
            return s.record(f"call_{call:#x}", Refused("call.known", Status.ERR_UNKNOWN_CALL,
                                                       "no such call")), 0, b""
        counters = s.stats.counters         # Stats.inc, inline
        key = _CALL_COUNTERS[c]
        counters[key] = counters.get(key, 0) + 1
        entry = self.calls[c]
        # Registers are 64 bits wide and a missing argument reads as zero.
        n = entry.nargs
        a = tuple(map(_MASK64.__and__, args[:n]))
        if len(a) < n:
            a += (0,) * (n - len(a))
        if not s.tracer.enabled:
            return self._serve(c, entry, a, payload)
        # Traced, the call's event opens before the decisions it leads to, so stepping back
        # from a refusal reaches the request that caused it.
        ev = s.tracer.open("guardian_call", 0, 0, {"call": c.name.lower(), "args": a})
        try:
            status, value, data = self._serve(c, entry, a, payload)
            ev[EV_DATA].update(status=Status(status).name, value=value)
        except BaseException as exc:
            ev[EV_DATA]["error"] = type(exc).__name__
            raise
        finally:
            s.tracer.finish(ev)
        return status, value, data

    def _serve(self, c: Call, entry: Entry, args: tuple[int, ...],
               payload: bytes) -> tuple[int, int, bytes]:
        s = self.state
        clock = s.clock             # clock.charge("guardian_call"), inline (every call)
        cost = clock.costs["guardian_call"]
        clock.cycles += cost
        charged = clock.charged
        charged["guardian_call"] = charged.get("guardian_call", 0) + cost
        try:
            if entry.narrow:
                args = _narrowed(c, entry, args)
            value, data = entry.handler(args, payload)
            status = _OK
        except Refused as r:
            # (value: the fatal signal Linux ends the thread with, where it is the program's
            # own fault, e.g. rseq's force_sigsegv(); else 0)
            status, value, data = s.record(c.name.lower(), r), r.signo, b""
        except FaultIn as f:
            # The kernel is owed the page to bring in, not where in it the Guardian was
            # reading (a signal frame's start is the program's stack pointer, less a
            # fixed size): handle_mm_fault() works on the page.
            status, value, data = Status.FAULT_IN, f.va & _PAGE_MASK | f.write, b""
        except (LookupError, ValueError, AssertionError) as exc:
            if not checks.mutated():
                raise                     # an intact Guardian has no such path: a bug
            status, value, data = s.record(c.name.lower(), self._mutant_failed(exc)), 0, b""
        if s.invariant_checks:
            s.check_invariants(c.name.lower())
        return int(status), value, data

    @staticmethod
    def _mutant_failed(exc: Exception) -> Refused:
        """A build without one check let a request reach code that relies on it (a frame
        outside RAM, a slot that does not exist): like the monitor's own fault handler,
        the call fails and the failure is a decision, not a crash of the emulator."""
        name = checks.mutated()
        return Refused(name, Status.ERR_STATE,
                       f"this build has no {name} check and could not serve the call "
                       f"({type(exc).__name__}: {exc})")

    # --- trapped system-register writes (HCR_EL2.TVM) ---------------------------------------
    def check_sysreg(self, reg: S.SysReg, value: int) -> bool:
        """Allow an EL1 system-register write only if it keeps the Guardian's guarantees."""
        s = self.state
        s.stats.inc("guardian.sysreg_traps")
        try:
            self.sysregs.check(reg, value)
        except Refused as r:
            s.record(f"sysreg_{S.NAMES.get(reg, str(reg)).lower()}", r)
            return False
        except (LookupError, ValueError, AssertionError) as exc:
            if not checks.mutated():
                raise
            s.record(f"sysreg_{S.NAMES.get(reg, str(reg)).lower()}", self._mutant_failed(exc))
            return False
        if s.invariant_checks:
            s.check_invariants("sysreg")
        return True

    def lock_el1(self, locked: bool) -> None:
        """Shut (or open) the kernel's EL1 face, as a return to user code (an exception) does."""
        self.state.lock_el1(locked)


_ = checks  # the registry is imported for its side effect of validating BLINDFOLD_MUTATE
