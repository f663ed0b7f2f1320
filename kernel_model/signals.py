"""POSIX signals: actions, masks, and the AArch64 rt_sigframe.

Delivery builds the same frame Linux builds on the user stack (siginfo,
ucontext with the full sigcontext and an fpsimd_context record, then a frame
record), so handlers that inspect their ucontext and debuggers that unwind
through it see what they expect; rt_sigreturn reads it back.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 3, 4, 5, 6, 7, 8
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 9, 10, 11, 12, 13, 14, 15
SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU = 16, 17, 18, 19, 20, 21, 22
SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = (
    23, 24, 25, 26, 27, 28, 29, 30, 31)
NSIG = 64

SIG_DFL = 0
SIG_IGN = 1

SA_NOCLDSTOP = 0x1
SA_NOCLDWAIT = 0x2
SA_SIGINFO = 0x4
SA_ONSTACK = 0x08000000
SA_RESTART = 0x10000000
SA_NODEFER = 0x40000000
SA_RESETHAND = 0x80000000
SA_RESTORER = 0x04000000

SS_ONSTACK = 1
SS_DISABLE = 2

SI_USER = 0
SI_TKILL = -6
SI_KERNEL = 0x80
SEGV_MAPERR = 1
SEGV_ACCERR = 2
ILL_ILLOPC = 1
BUS_ADRALN = 1
BUS_ADRERR = 2          # nonexistent physical address (a file page past EOF)
TRAP_BRKPT = 1
CLD_EXITED, CLD_KILLED, CLD_DUMPED = 1, 2, 3

UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))

NAMES = {
    SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
    SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
    SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
    SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGCHLD: "SIGCHLD",
    SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGSYS: "SIGSYS",
}

# Default dispositions: "term", "core", "ign", "stop", "cont".
_CORE = {SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS}
_IGN = {SIGCHLD, SIGURG, SIGWINCH}
_STOP = {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}


def default_action(sig: int) -> str:
    if sig in _CORE:
        return "core"
    if sig in _IGN:
        return "ign"
    if sig in _STOP:
        return "stop"
    if sig == SIGCONT:
        return "cont"
    return "term"


#: next_signal()'s SYNCHRONOUS_MASK: SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS.
SYNCHRONOUS_MASK = sum(1 << (n - 1) for n in (11, 7, 4, 5, 8, 31))


def dequeue_synchronous(thread_pending: PendingSignals, allowed: int) -> tuple[int, bytes]:
    """dequeue_synchronous_signal(), get_signal()'s first step: where a synchronous signal
    the thread does not block waits in its own queue, the first entry of that queue
    (in the order they were queued) that is synchronous with a fault's si_code (> 0)
    goes before anything else; (0, b"") when none.  (Linux's walk of the queue does not
    look at the mask; here a blocked entry is passed over, so no blocked signal is ever
    delivered.)"""
    if not thread_pending.mask & allowed & SYNCHRONOUS_MASK:
        return 0, b""
    for signo, infos in thread_pending.entries():
        if bit(signo) & SYNCHRONOUS_MASK & allowed and infos and len(infos[0]) >= 12 and \
                struct.unpack_from("<i", infos[0], 8)[0] > 0:
            return signo, thread_pending.take(signo)
    return 0, b""


def dequeue(thread_pending: PendingSignals, process_pending: PendingSignals, allowed: int
            ) -> tuple[int, bytes]:
    """dequeue_signal(): the thread's own queue first, then its process's shared one;
    in each, next_signal()'s choice among the signals `allowed` -- a synchronous one
    first, else the lowest.  (signal number, siginfo); (0, b"") when none."""
    for queue in (thread_pending, process_pending):
        x = queue.mask & allowed
        if x:
            if x & SYNCHRONOUS_MASK:
                x &= SYNCHRONOUS_MASK
            signo = (x & -x).bit_length()
            return signo, queue.take(signo)
    return 0, b""


def bit(sig: int) -> int:
    return 1 << (sig - 1)


def signame(sig: int) -> str:
    return NAMES.get(sig, f"SIG{sig}" if sig < 34 else f"SIGRT{sig - 34}")


@dataclass(frozen=True, repr=False)
class SigAction:
    handler: int = SIG_DFL
    flags: int = 0
    mask: int = 0
    restorer: int = 0

    # struct sigaction for arm64: handler, flags (unsigned long), restorer, mask
    _LAYOUT = struct.Struct("<QQQQ")

    @classmethod
    def unpack(cls, data: bytes) -> SigAction:
        handler, flags, restorer, mask = cls._LAYOUT.unpack(data[:32])
        return cls(handler=handler, flags=flags & 0xFFFF_FFFF, mask=mask, restorer=restorer)

    def pack(self) -> bytes:
        return self._LAYOUT.pack(self.handler, self.flags, self.restorer, self.mask)


class SignalActions:
    """A process's table of dispositions (shared by CLONE_SIGHAND threads)."""

    def __init__(self) -> None:
        self.actions: dict[int, SigAction] = {}

    def get(self, sig: int) -> SigAction:
        return self.actions.get(sig, SigAction())

    def set(self, sig: int, action: SigAction) -> None:
        self.actions[sig] = action

    def copy(self) -> SignalActions:
        new = SignalActions()
        new.actions = dict(self.actions)
        return new

    def reset_on_exec(self) -> None:
        """Handlers do not survive exec; ignored signals stay ignored."""
        self.actions = {s: SigAction(handler=SIG_IGN) for s, a in self.actions.items()
                        if a.handler == SIG_IGN}


class PendingSignals:
    """Signals waiting for delivery: standard ones coalesce, real-time ones queue."""

    def __init__(self) -> None:
        self.mask = 0
        self._info: dict[int, list[bytes]] = {}

    def add(self, signo: int, info: bytes) -> None:
        b = bit(signo)
        if signo < 32 and self.mask & b:
            return
        self.mask |= b
        self._info.setdefault(signo, []).append(info)

    def take(self, signo: int) -> bytes:
        """Remove one instance of signo and return its siginfo."""
        queue = self._info.get(signo)
        info = queue.pop(0) if queue else b""
        if not queue:
            self.mask &= ~bit(signo)
            self._info.pop(signo, None)
        return info

    def entries(self) -> list[tuple[int, list[bytes]]]:
        """Each pending signal with its siginfos, in the order they became pending (a
        standard signal is pending once, so for those this is the queue's order)."""
        return list(self._info.items())

    def discard(self, signo: int) -> None:
        self.mask &= ~bit(signo)
        self._info.pop(signo, None)


def pack_siginfo(signo: int, code: int, *, pid: int = 0, uid: int = 0, addr: int = 0,
                 status: int = 0, errno_: int = 0) -> bytes:
    """A 128-byte siginfo_t for the common cases (kill, fault, child)."""
    head = struct.pack("<iii4x", signo, errno_, code)
    if signo in (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) and code > 0:
        body = struct.pack("<Q", addr)
    elif signo == SIGCHLD:
        body = struct.pack("<iIiQQ", pid, uid, status, 0, 0)[:28]
    else:
        body = struct.pack("<iI", pid, uid)
    return (head + body).ljust(128, b"\0")


# The frame layout is the Linux AArch64 user ABI, shared with the Guardian.
from abi.sigframe import (  # noqa: E402,F401
    FPSIMD_MAGIC,
    FRAME_SIZE,
    SIGINFO_SIZE,
    UC_MCONTEXT_OFF,
    UCONTEXT_SIZE,
    UserRegs,
    build_frame,
    parse_frame,
)
