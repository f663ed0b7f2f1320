"""Confidential processes: the components that serve them, built once and wired.

Each component is constructed with the shared `MonitorState` and the collaborators
it uses, nothing more:

- `Registry` (confidential_registry.py): slots, domains, roots, address spaces;
- `UserMemory` (user_memory.py): user memory as the program's own EL0 code sees it;
- `KernelView` (kernel_view.py): EPD0 and the kernel's VBAR while the kernel runs;
- `Admission` (confidential_admission.py): admitted images and files, measurement
  of every frame entering a domain;
- `Layout` (confidential_layout.py): the Guardian's own area lists, the Iago checks;
- `SelfSignals` (confidential_selfsignal.py): signals a program sends itself;
- `Lifecycle` (confidential_domains.py): CREATE_DOMAIN, exit, unmap windows;
- `Forks` (confidential_fork.py): FORK_DOMAIN, a confidential thread's clone;
- `Shares` (confidential_shares.py): COPY_PAGE copies and mremap moves;
- `EventFiles` (confidential_events.py): epoll registrations and signalfd masks, and
  the checks on the events and siginfo that come back;
- `ReturnPath` (confidential_return.py): RESUME and every other way back to user code,
  with `ResultRules` (result_rules.py): every rule on a syscall's result;
- `SignalMasks` (confidential_sigmask.py): which signal SIGNAL may deliver, the mask
  its frame saves, and the alternate-stack bound;
- `Signals` (confidential_signals.py): SIGNAL delivery and rt_sigreturn;
- `ExceptionEntry` (confidential_entry.py): the Guardian's vector table;
- `UserAccess` (confidential_uaccess.py): the kernel's capability-checked user access.

`Confidential` holds them for the Guardian's call table and for the user's launch
path (admitting images and files); the components never refer to it.
"""

from __future__ import annotations

from abi.sigframe import CLREX_OFFSET, SIGRETURN_TRAMPOLINE
from guardian.capset_sets import CAP_VALID_MASK
from guardian.confidential_admission import Admission
from guardian.confidential_domains import Lifecycle
from guardian.confidential_entry import ExceptionEntry
from guardian.confidential_events import EventFiles
from guardian.confidential_files import Descriptors
from guardian.confidential_fork import Forks
from guardian.confidential_layout import Layout
from guardian.confidential_old_state import OldSignalState
from guardian.confidential_registry import Registry
from guardian.confidential_return import ReturnPath
from guardian.confidential_selfsignal import SelfSignals
from guardian.confidential_shares import Shares
from guardian.confidential_sigmask import SignalMasks
from guardian.confidential_signals import Signals
from guardian.confidential_uaccess import UserAccess
from guardian.el0_view import El0View
from guardian.kernel_view import KernelView
from guardian.launch_facts import SECUREBITS_VALID, SUID_DUMPABLE_VALUES
from guardian.measure import MeasuredFile, MeasuredImage
from guardian.memfd_open import open_memfd_descriptor
from guardian.slots import Domain, Slot, Space
from guardian.state import MonitorState
from guardian.stated_facts import PDEATH_ASKED
from guardian.user_memory import UserMemory


class Confidential:
    def __init__(self, state: MonitorState, mode: str = "blindfold") -> None:
        self.mode = mode          # "blindfold", or "mprotect" for the predecessor design
        cpu = state.cpus[0]
        self.registry = reg = Registry(cpu)
        self.memory = mem = UserMemory(state)
        self.kernel_view = view = KernelView(state, reg)
        self.admission = adm = Admission(state, reg)
        self.descriptors = files = Descriptors(mem, adm)
        adm.descriptors = files
        self.layout = layout = Layout(state, reg, mem, adm, files)
        self.self_signals = selfsig = SelfSignals(state, reg, mem)
        self.lifecycle = life = Lifecycle(state, reg, mem, adm, view, selfsig, files)
        self.forks = Forks(state, reg, mem, selfsig, files)
        self.shares = Shares(state, reg)
        self.shares.memfd_open = lambda memfd: open_memfd_descriptor(reg, files, memfd)
        self.shares.files = files       # (a cut in progress: cut_windows.py)
        el0 = El0View(cpu, state.flush)
        self.events = events = EventFiles(mem, files)
        events.sends = selfsig.sends
        selfsig.sends.timer_expiry = files.timers.check_expiry
        selfsig.sends.pdeath_asked = lambda slot: files.stated.of_thread(slot).get(PDEATH_ASKED)
        self.returns = ret = ReturnPath(state, reg, mem, layout, life, selfsig, el0, files,
                                        events)
        masks = SignalMasks(state, mem, selfsig)
        self.signals = sig = Signals(state, reg, mem, ret, selfsig, masks)
        self.entry = ExceptionEntry(state, reg, view, el0, sig, events)
        self.uaccess = UserAccess(state, reg, mem, mode)
        ret.call_ranges = self.uaccess.call_ranges
        ret.rseq = ret.results.rseq = self.forks.rseq = self.uaccess.rseq = life.rseq
        self.forks.tagged = self.uaccess.tagged = ret.results.clone_faults.tagged
        self.forks.protected = ret.results.clone_faults.protected
        self.forks.filtered = ret.results.filtered
        self.uaccess.old_state = OldSignalState(reg, selfsig)
        # What the page tables, secure MM and system-register policy consult.
        state.registry, state.admission, state.lifecycle = reg, adm, life
        state.kernel_view, state.shares = view, self.shares
        # The one EL0 instruction the kernel may still run once the core is the user's:
        # the signal page's CLREX (a context switch clears the exclusive monitor).
        state.clrex_va = SIGRETURN_TRAMPOLINE + CLREX_OFFSET

    # --- the user's launch path ------------------------------------------------------
    def admit_image(self, data: bytes, path: str | None = None) -> bytes:
        return self.admission.admit_image(data, path)

    def admit_file(self, path: str, data: bytes) -> bytes:
        return self.admission.admit_file(path, data)

    def state_launch_filter(self) -> None:
        """The user's statement that the program may start under a seccomp filter of its
        launcher (systemd's SystemCallFilter=, a container runtime's profile): every
        thread of the launch may then have a call answered by a filter."""
        self.self_signals.raised.launch_filtered = True

    def state_launch_suid_dumpable(self, value: int) -> None:
        """The user's statement of the fs.suid_dumpable sysctl of the run (0, 1 or 2;
        0 where not stated): commit_creds() sets the dumpable mode to it."""
        if value not in SUID_DUMPABLE_VALUES:
            raise ValueError(f"fs.suid_dumpable is 0, 1 or 2, not {value}")
        self.descriptors.stated.launch.suid_dumpable = value

    def state_launch_no_new_privs(self) -> None:
        """The user's statement that the launcher set no_new_privs before the first exec
        (systemd's NoNewPrivileges=, `setpriv --no-new-privs`): the first thread holds it."""
        self.descriptors.stated.launch.no_new_privs = True

    def state_launch_securebits(self, value: int) -> None:
        """The user's statement of the launcher's securebits (`capsh --secbits`, 0..0xFFF;
        0 where not stated): the first thread holds them but SECURE_KEEP_CAPS, which the
        exec cleared (cap_bprm_creds_from_file())."""
        if not 0 <= value <= SECUREBITS_VALID:
            raise ValueError(f"securebits are 0..{SECUREBITS_VALID:#x}, not {value:#x}")
        self.descriptors.stated.launch.securebits = value

    def state_launch_secure_exec(self) -> None:
        """The user's statement that an LSM's exec transitions may make an exec of the
        program secure (SELinux without `process noatsecure`, AppArmor, Smack): AT_SECURE
        1 with unchanged ids is then Linux's answer for a root program too."""
        self.descriptors.stated.launch.secure_exec = True

    def state_launch_inheritable(self, value: int) -> None:
        """The user's statement of the launcher's inheritable set (`capsh --inh=...`;
        empty where not stated): the first thread holds it (an exec keeps pI)."""
        if not 0 <= value <= CAP_VALID_MASK:
            raise ValueError(f"capabilities are within {CAP_VALID_MASK:#x}, not {value:#x}")
        self.descriptors.stated.launch.inheritable = value

    def state_launch_fds(self, fds: frozenset[int]) -> None:
        """The user's statement of the descriptors the launch passes past 0..2 (a shell's
        `900</dev/null`, systemd's LISTEN_FDS): every other number starts free
        (launch_fds.py)."""
        bad = sorted(fd for fd in fds if fd < 3)
        if bad:
            raise ValueError(f"descriptors 0..2 are the console's already, not a launch's: {bad}")
        self.descriptors.stated.launch.fds = frozenset(fds)

    def admit_launch(self, argv: list[bytes], envp: list[bytes], path: str | None = None
                     ) -> None:
        """The user's command line (and environment) for the first program, and the guest
        path it was admitted at: its initial stack must carry exactly these, once, and it
        must run the image admitted at that path."""
        self.lifecycle.admit_launch(argv, envp, path)

    @property
    def images(self) -> dict[bytes, MeasuredImage]:
        return self.admission.images

    @property
    def files(self) -> dict[str, MeasuredFile]:
        return self.admission.files

    @property
    def serve_entropy(self) -> bool:
        return self.returns.results.serve_entropy

    @serve_entropy.setter
    def serve_entropy(self, on: bool) -> None:
        self.returns.results.serve_entropy = on

    # --- what a harness inspects ----------------------------------------------------------
    @property
    def slots(self) -> dict[int, Slot]:
        return self.registry.slots

    @property
    def domains(self) -> dict[int, Domain]:
        return self.registry.domains

    @property
    def root_domain(self) -> dict[int, int]:
        return self.registry.root_domain

    def domain_of_root(self, root: int) -> Domain | None:
        return self.registry.domain_of_root(root)

    def space(self, dom: Domain, root: int) -> Space:
        return self.registry.space(dom, root)

    def may_discard(self, root: int, va: int) -> bool:
        return self.lifecycle.may_discard(root, va)


__all__ = ["Confidential"]
