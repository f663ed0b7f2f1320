"""Iago results of the calls that fill in a structure: success means it was written.

uname(buf) answering 0 tells the program that buf now holds a utsname.  A kernel that
answers 0 and writes nothing leaves the buffer's old contents in place, and a program
that passes the 'result' on (logs the host name, sends a timestamp) passes on whatever
the buffer held before: a secret, if it reuses memory.  So for every call whose
success means a fixed-size output was written, the Guardian requires that the kernel
wrote all of it during the call (`Slot.written`), each byte Linux always writes:

- the output sizes are the capability table's write buffers (uname 390, timespec 16,
  struct stat 128, struct statx 256 -- Linux copies out the whole statx, unrequested
  fields zeroed, whatever stx_mask says --, sysinfo 112, rusage 144, ...);
- an optional output (a NULL pointer: clock_getres's res, gettimeofday's tz, times'
  buf, prlimit64's old limit) is exempt;
- wait4 writes the status and rusage only when it reaped a child (a pid > 0; WNOHANG
  with nothing to reap answers 0 and writes nothing).

Value-result lengths (getsockopt's optlen, the addrlen of getsockname, getpeername,
accept, accept4, recvfrom) are bounded against the length the program passed, which
the Guardian took when it derived the call's capabilities (before any kernel write):

- getsockopt: Linux cuts the value to the program's optlen and writes back the length
  it wrote, so a new optlen above the one passed is outside the contract
  (`return.value_length`), and the optval bytes it reports must have been written;
- addresses: Linux reports the address's full length, which may exceed the program's
  buffer (a truncated name), but never more than a sockaddr_storage (128 bytes), and
  writes min(passed, reported) bytes.  A length above 128 is refused; the bytes the
  program may take as the name, min(passed, reported), must have been written.  A
  program that reads past its own length on a truncated name is outside POSIX.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    ERRNO_FLOOR,
    NR_GETSOCKOPT,
    NR_SCHED_GETAFFINITY,
    NR_TIMES,
    NR_WAIT4,
)
from abi.syscalls import NUMBERS
from guardian.capabilities import CAP_TABLE, W
from guardian.checks import FaultIn, refuse
from guardian.result_bounds import unwritten
from guardian.slots import Slot
from guardian.user_memory import UserMemory

SOCKADDR_STORAGE = 128      # the largest address length Linux reports


def _outputs(name: str, args: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """(argument, size) of each fixed-size write buffer the capability table gives `name`
    (only those named in `args`)."""
    return tuple((rule.arg, rule.size) for rule in CAP_TABLE[name]
                 if rule.kind == "buf" and rule.access == W and isinstance(rule.size, int)
                 and rule.arg in args)


#: syscall -> outputs Linux always writes when the call succeeds.
FIXED_OUTPUTS: dict[int, tuple[tuple[int, int], ...]] = {
    NUMBERS[name]: _outputs(name, args) for name, args in (
        ("uname", (0,)), ("sysinfo", (0,)), ("times", (0,)), ("getrusage", (1,)),
        ("clock_gettime", (1,)), ("clock_getres", (1,)), ("gettimeofday", (0, 1)),
        ("fstat", (1,)), ("newfstatat", (2,)), ("statx", (4,)),
        ("getitimer", (1,)), ("setitimer", (2,)), ("rt_sigpending", (0,)),
        ("prlimit64", (3,)), ("getrlimit", (1,)), ("pipe2", (0,)), ("wait4", (1, 3)),
    ) if name in NUMBERS
}
#: value-result address calls: (address argument, length-pointer argument).
ADDR_LENGTHS: dict[int, tuple[int, int]] = {
    NUMBERS[name]: pair for name, pair in (
        ("getsockname", (1, 2)), ("getpeername", (1, 2)), ("accept", (1, 2)),
        ("accept4", (1, 2)), ("recvfrom", (4, 5)),
    ) if name in NUMBERS
}

#: The calls whose results `check_output_written` and `check_value_length` judge.
CALLS = frozenset({*FIXED_OUTPUTS, *ADDR_LENGTHS, NR_SCHED_GETAFFINITY, NR_GETSOCKOPT})


def _succeeded(nr: int, ret: int) -> bool:
    """Whether `ret` means the call wrote its outputs."""
    if ret >= ERRNO_FLOOR:
        return False
    if nr == NR_WAIT4:
        return ret > 0                   # a child reaped (0: WNOHANG, nothing written)
    if nr == NR_TIMES:
        return True                      # a tick count
    return ret == 0


def _missing(slot: Slot, want: list[tuple[int, int]]) -> int | None:
    return unwritten(slot.written, [(s, e) for s, e in want if e > s])


def check_output_written(slot: Slot, ret: int) -> None:
    """Refuse a success whose fixed-size output (or sched_getaffinity's reported mask)
    the kernel did not write in full during the call."""
    nr = slot.nr
    if nr == NR_SCHED_GETAFFINITY:
        want = [(slot.args[2], slot.args[2] + ret)] if 0 < ret < ERRNO_FLOOR else []
    elif nr in FIXED_OUTPUTS and _succeeded(nr, ret):
        want = [(slot.args[arg], slot.args[arg] + size)
                for arg, size in FIXED_OUTPUTS[nr] if slot.args[arg]]
    else:
        return
    gap = _missing(slot, want)
    if gap is not None:
        refuse("return.output_written", Status.ERR_DENIED,
               f"syscall {nr} succeeded ({ret:#x}) but the kernel never wrote its output at "
               f"{gap:#x}: the program would take the buffer's old contents for the result")


def _passed(memory: UserMemory, slot: Slot, buf_arg: int, len_arg: int) -> int:
    """The length the program passed: the write capability the Guardian derived from it
    before the kernel touched anything (no capability yet: nothing written, the word is
    still the program's own)."""
    buf = slot.args[buf_arg]
    if slot.caps is None:
        return _u32(memory, slot, slot.args[len_arg])
    for start, end, access in slot.caps:
        if start == buf and access & W:
            return end - start
    return 0


def _u32(memory: UserMemory, slot: Slot, va: int) -> int:
    raw = memory.read(va, 4, slot.root)
    if raw is None:
        missing = memory.first_missing(va, 4, False)
        raise FaultIn(va if missing is None else missing)
    return struct.unpack("<I", raw)[0]


def check_value_length(memory: UserMemory, slot: Slot, ret: int) -> None:
    """Refuse a value-result length the kernel raised beyond the contract, or one that
    covers bytes it did not write."""
    nr = slot.nr
    if ret >= ERRNO_FLOOR:
        return
    if nr == NR_GETSOCKOPT:
        buf_arg, len_arg = 3, 4
        if ret != 0 or not slot.args[len_arg]:
            return
    elif nr in ADDR_LENGTHS:
        buf_arg, len_arg = ADDR_LENGTHS[nr]
        lenp = slot.args[len_arg]
        if not slot.args[buf_arg] or not lenp or unwritten(slot.written, [(lenp, lenp + 4)]) \
                is not None:
            return                       # no address asked for, or none reported
    else:
        return
    passed = _passed(memory, slot, buf_arg, len_arg)
    new = _u32(memory, slot, slot.args[len_arg])
    limit = passed if nr == NR_GETSOCKOPT else SOCKADDR_STORAGE
    if new > limit:
        refuse("return.value_length", Status.ERR_DENIED,
               f"syscall {nr} wrote back a length of {new:#x}, more than "
               f"{'the ' + hex(passed) + ' the program passed' if nr == NR_GETSOCKOPT else 'any address has'}")
    buf = slot.args[buf_arg]
    gap = _missing(slot, [(buf, buf + min(new, passed))])
    if gap is not None:
        refuse("return.output_written", Status.ERR_DENIED,
               f"syscall {nr} reports {min(new, passed):#x} bytes of output, but the kernel "
               f"never wrote the program's buffer at {gap:#x}")
