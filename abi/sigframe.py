"""The AArch64 Linux rt_sigframe: siginfo, ucontext with sigcontext and an
fpsimd_context record, as the kernel lays it on the user stack.

It is user ABI, needed by the kernel model and by the Guardian (which builds
frames itself for confidential processes), so it lives in the contract.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# The signal-return trampoline the kernel maps in every process (its sigpage):
# a handler installed without SA_RESTORER returns through it.
SIGRETURN_TRAMPOLINE = 0x0000_FFFF_FFFF_E000
SIGRETURN_CODE = struct.pack("<II", 0xD2801168, 0xD4000001)   # mov x8, #139 ; svc #0
# The whole page the kernel maps there: the trampoline, then one CLREX the kernel runs at
# EL0 on a context switch (clearing the exclusive monitor), then zeros.
CLREX_OFFSET = 8
SIGPAGE_CONTENT = (SIGRETURN_CODE + struct.pack("<I", 0xD5033F5F)).ljust(4096, b"\0")

SIGINFO_SIZE = 128
UC_FLAGS_OFF = 0
UC_LINK_OFF = 8
UC_STACK_OFF = 16
UC_SIGMASK_OFF = 40
UC_MCONTEXT_OFF = 176              # sigset padding to 128 bytes, then 16-byte alignment
SC_FAULT_OFF = 0
SC_REGS_OFF = 8
SC_SP_OFF = 8 + 31 * 8
SC_PC_OFF = SC_SP_OFF + 8
SC_PSTATE_OFF = SC_PC_OFF + 8
SC_RESERVED_OFF = 288              # __reserved, 16-byte aligned
SC_RESERVED_SIZE = 4096
UCONTEXT_SIZE = UC_MCONTEXT_OFF + SC_RESERVED_OFF + SC_RESERVED_SIZE
FRAME_SIZE = SIGINFO_SIZE + UCONTEXT_SIZE
#: AT_MINSIGSTKSZ: arm64 Linux's signal_minsigstksz, computed once at boot from the largest
#: frame this CPU's features need (no SVE or SME: one frame with its FPSIMD record).
MINSIGSTKSZ = 5120
FPSIMD_MAGIC = 0x46508001
FPSIMD_SIZE = 528
ESR_MAGIC = 0x45535201



@dataclass(repr=False)
class UserRegs:
    """The user-visible register file a signal frame saves and restores."""

    x: list[int]
    sp: int
    pc: int
    pstate: int
    q: list[int]
    fpsr: int
    fpcr: int


def build_frame(info: bytes, regs: UserRegs, sigmask: int, altstack: tuple[int, int, int],
                fault_address: int = 0, esr: int = 0) -> bytes:
    """siginfo + ucontext bytes, laid out as arm64 Linux does."""
    uc = bytearray(UCONTEXT_SIZE)
    ss_sp, ss_flags, ss_size = altstack
    struct.pack_into("<QiiQ", uc, UC_STACK_OFF, ss_sp, ss_flags, 0, ss_size)
    struct.pack_into("<Q", uc, UC_SIGMASK_OFF, sigmask)
    mc = UC_MCONTEXT_OFF
    struct.pack_into("<Q", uc, mc + SC_FAULT_OFF, fault_address)
    struct.pack_into("<31Q", uc, mc + SC_REGS_OFF, *regs.x)
    struct.pack_into("<QQQ", uc, mc + SC_SP_OFF, regs.sp, regs.pc, regs.pstate)
    res = mc + SC_RESERVED_OFF
    struct.pack_into("<IIII", uc, res, FPSIMD_MAGIC, FPSIMD_SIZE, regs.fpsr, regs.fpcr)
    for i, q in enumerate(regs.q):
        struct.pack_into("<QQ", uc, res + 16 + 16 * i, q & 0xFFFF_FFFF_FFFF_FFFF, q >> 64)
    nxt = res + FPSIMD_SIZE
    if esr:
        struct.pack_into("<IIQ", uc, nxt, ESR_MAGIC, 16, esr)
        nxt += 16
    struct.pack_into("<II", uc, nxt, 0, 0)   # terminator record
    return info[:SIGINFO_SIZE].ljust(SIGINFO_SIZE, b"\0") + bytes(uc)


def parse_frame(ucontext: bytes) -> tuple[UserRegs, int]:
    """(registers, signal mask) from a ucontext read back at rt_sigreturn."""
    mc = UC_MCONTEXT_OFF
    x = list(struct.unpack_from("<31Q", ucontext, mc + SC_REGS_OFF))
    sp, pc, pstate = struct.unpack_from("<QQQ", ucontext, mc + SC_SP_OFF)
    sigmask = struct.unpack_from("<Q", ucontext, UC_SIGMASK_OFF)[0]
    res = mc + SC_RESERVED_OFF
    q: list[int] = []
    fpsr = fpcr = 0
    magic, size = struct.unpack_from("<II", ucontext, res)
    if magic == FPSIMD_MAGIC and size == FPSIMD_SIZE:
        fpsr, fpcr = struct.unpack_from("<II", ucontext, res + 8)
        for i in range(32):
            lo, hi = struct.unpack_from("<QQ", ucontext, res + 16 + 16 * i)
            q.append(lo | (hi << 64))
    return UserRegs(x=x, sp=sp, pc=pc, pstate=pstate, q=q, fpsr=fpsr, fpcr=fpcr), sigmask


# --- synchronous (fault) signals ------------------------------------------------------------
# A fault signal is the kernel's report of an exception the thread itself took: Linux sends
# it with a positive si_code below SI_KERNEL and the fault address in si_addr.  Sent by
# kill/tgkill (si_code <= 0) the same signal numbers are asynchronous.
SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV = 4, 5, 7, 8, 11
SI_KERNEL = 0x80
SEGV_MAPERR, SEGV_ACCERR = 1, 2
_ABORTS = frozenset({0x20, 0x21, 0x24, 0x25})        # instruction and data aborts
_ALIGNMENT = frozenset({0x22, 0x26})                 # PC and SP alignment
_DEBUG = frozenset({0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x3C})   # breakpoints, step, BRK
_FP = frozenset({0x28, 0x2C})                        # trapped floating-point exceptions
FAULT_SIGNALS = (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV)
# A signal the kernel queues carries a sender's code (SI_USER 0, SI_QUEUE, SI_TIMER,
# SI_MESGQ, SI_ASYNCIO, SI_SIGIO, SI_TKILL, SI_DETHREAD: all <= 0), SI_KERNEL, or a
# notification's code: CLD_* (1-6) of a child's death signal, POLL_* (1-6) of an I/O
# signal, SYS_SECCOMP (1) -- which Linux gives whatever signal number the program chose
# (clone's exit signal, F_SETSIG).  Any other positive code is a fault report.
NOTIFY_CODES = range(1, 7)


def siginfo_or_kernels(signo: int, info: bytes) -> bytes:
    """The siginfo as handed, or -- where the kernel hands none (fewer than the 12 bytes
    of si_signo, si_errno and si_code) -- the one Linux gives a signal the kernel itself
    raises: the signal's number and SI_KERNEL."""
    if len(info) >= 12:
        return info
    return struct.pack("<iii", signo, 0, SI_KERNEL).ljust(SIGINFO_SIZE, b"\0")


def queued_siginfo_problem(signo: int, info: bytes) -> str | None:
    """Why (signo, siginfo) is not a siginfo Linux hands a queued (not fault) signal, or
    None: si_signo is the signal delivered, si_code a sender's, SI_KERNEL or a
    notification's."""
    info_signo, _, code = struct.unpack_from("<iii", info, 0)
    if info_signo != signo:
        return f"si_signo {info_signo} for signal {signo}"
    if code in NOTIFY_CODES and len(info) >= 48:
        # A child's report carries its user and system time (clock ticks, never negative);
        # an I/O or seccomp notification leaves those longs zero.
        utime, stime = struct.unpack_from("<qq", info, 32)
        if utime < 0 or stime < 0:
            return f"a child's time of {utime} / {stime} ticks (si_utime / si_stime)"
    if code <= 0 or code == SI_KERNEL or code in NOTIFY_CODES:
        return None
    return f"si_code {code:#x}, which a queued signal never carries (a fault report's)"


def is_fault_report(signo: int, info: bytes) -> bool:
    """Whether (signo, siginfo) claims to report a fault the thread took."""
    if signo not in FAULT_SIGNALS or len(info) < 12:
        return False
    code = struct.unpack_from("<i", info, 8)[0]
    return 0 < code < SI_KERNEL


def fault_matches(signo: int, esr: int) -> bool:
    """Whether an exception with syndrome `esr` is one Linux reports with `signo`."""
    ec = (esr >> 26) & 0x3F
    if signo == SIGSEGV:
        return ec in _ABORTS
    if signo == SIGBUS:
        return ec in _ABORTS or ec in _ALIGNMENT
    if signo == SIGTRAP:
        return ec in _DEBUG
    if signo == SIGFPE:
        return ec in _FP
    return signo == SIGILL and ec not in _ABORTS | _ALIGNMENT | _DEBUG | {0x15}


def fault_siginfo(signo: int, code: int, addr: int) -> bytes:
    """The siginfo of a fault signal: number, no errno, the code, the fault address."""
    return struct.pack("<iii4xQ", signo, 0, code, addr).ljust(SIGINFO_SIZE, b"\0")
