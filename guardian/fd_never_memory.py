"""`return.fd_never_opened` for descriptor numbers a call takes from memory rather than
from its registers (red-team round 83: AD-006, AD-011, AD-016, AD-017), each looked up in
the caller's own table, where launch_fds.py knows a number names no file:

* setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &ufd, 4): sk_setsockopt() -> sk_attach_bpf()
  -> __get_bpf() -> bpf_prog_get_type() -> __bpf_prog_get() -> fdget(ufd): -EBADF; the
  same for SO_ATTACH_REUSEPORT_EBPF (sk_reuseport_attach_bpf() -> bpf_prog_get_type(),
  red-team round 84: AG-005);
* sendmmsg on such a socket: __sys_sendmmsg() -> ___sys_sendmsg() runs sendmsg's
  __scm_send() for each message, and an answer of r says messages 0..r-1 went (AG-004);
* sendmsg on an AF_UNIX socket the program made (or accept4()'d from a listener it made,
  AG-019), with SCM_RIGHTS numbers:
  ____sys_sendmsg() -> unix_*_sendmsg() -> scm_send() -> __scm_send() -> scm_fp_copy()
  -> fget(fd) of each: -EBADF (other families: not judged, some ignore msg_control);
* ppoll: do_pollfd() sets revents POLLNVAL for a number fdget() finds no file at, and
  do_sys_poll() writes every entry's revents back: an entry naming such a number comes
  back with exactly POLLNVAL (the fd field is never written: a forged one is no Linux's);
* pselect6: max_select_fd() answers -EBADF for a set bit fdt->open_fds lacks, and a
  success writes back only bits of the sets it was given: no set bit below n and below
  fdt->max_fds (n clamped to it: bits past it are not written back) in any of the three
  result sets names such a number -- max_fds known at least 64 and past every number
  the table held (`room`: it never shrinks).

Read where the program left the memory quiet through the call (`read` answers None
otherwise); judged only where the table lay steady through the call.
"""

from __future__ import annotations

import sys
from array import array
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.launch_fds import never_opened
from guardian.side_fds import rights

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from guardian.confidential_files import Descriptors
    from guardian.open_files import FileTable
    from guardian.slots import Slot

_NR_SETSOCKOPT = NUMBERS["setsockopt"]
_NR_SENDMSG = NUMBERS["sendmsg"]
_NR_SENDMMSG = NUMBERS["sendmmsg"]
_NR_PPOLL = NUMBERS["ppoll"]
_NR_PSELECT6 = NUMBERS["pselect6"]
#: the calls `memory_never` judges
CALLS = frozenset((_NR_SETSOCKOPT, _NR_SENDMSG, _NR_SENDMMSG, _NR_PPOLL, _NR_PSELECT6))

SOL_SOCKET, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF, AF_UNIX = 1, 50, 52, 1
#: struct mmsghdr (a msghdr, msg_len, padding); sendmmsg's vlen is capped at UIO_MAXIOV
_MMSG, _UIO_MAXIOV = 64, 1024
POLLNVAL = 0x20
#: struct __kernel_timespec: ppoll's and pselect6's timeout, written back
_TIMESPEC = 16
#: ppoll entries judged at most: a bound on what one call pays; what lies past it is
#: left alone
_MAX_ENTRIES = 1 << 20
#: NR_OPEN_DEFAULT (BITS_PER_LONG): the fewest numbers an fdtable has room for
_OPEN_DEFAULT = 64


def _s32(raw: bytes) -> int:
    return int.from_bytes(raw, "little", signed=True)


def _attach_bpf(a: tuple[int, ...], read: Callable[[int, int], bytes | None]
                ) -> Iterator[int]:
    """SO_ATTACH_BPF's or SO_ATTACH_REUSEPORT_EBPF's program descriptor (optlen 4:
    -EINVAL otherwise, guardian/early_errors.py)."""
    if a[1] & 0xFFFF_FFFF == SOL_SOCKET \
            and a[2] & 0xFFFF_FFFF in (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF) \
            and a[4] & 0xFFFF_FFFF == 4:
        raw = read(a[3], 4)
        if raw is not None and len(raw) == 4:
            yield _s32(raw)


def _scm_rights(files: Descriptors, slot: Slot, a: tuple[int, ...],
                read: Callable[[int, int], bytes | None], sent: int = 1) -> Iterator[int]:
    """The SCM_RIGHTS numbers of a sendmsg on an AF_UNIX socket the program made or
    accepted (of a
    sendmmsg: of its first `sent` messages, each struct mmsghdr's msghdr)."""
    f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
    if f is None or not (f.unix_accepted or f.sock is not None and f.sock[0] == AF_UNIX):
        return
    # (__scm_send()'s walk of the control data, as recvmsg's numbers are read back)
    if slot.nr == _NR_SENDMSG:
        yield from rights(read, a[1])
        return
    for i in range(min(sent, a[2] & 0xFFFF_FFFF, _UIO_MAXIOV)):
        yield from rights(read, a[1] + i * _MMSG)


def _poll_forged(a: tuple[int, ...], read: Callable[[int, int], bytes | None],
                 never: Callable[[int], bool]) -> Iterator[int]:
    """ppoll entries whose revents came back other than POLLNVAL, by fd, of the numbers
    `never` calls free (nfds is an unsigned int: SYSCALL_DEFINE5(ppoll) leaves the
    register's upper half unread, and an entry past nfds is one do_sys_poll() never
    wrote).  Up to 1 << 20 entries: the distinct numbers are found at C speed and only
    those `never` calls free are walked entry by entry -- an honest program polls numbers
    it holds open, and pays no Python step per entry."""
    n = min(a[1] & 0xFFFF_FFFF, _MAX_ENTRIES)
    raw = read(a[0], 8 * n) if n else None
    if raw is None or len(raw) != 8 * n:
        return
    words = array("i", raw)             # struct pollfd {int fd; short events, revents;}
    if sys.byteorder != "little":
        words.byteswap()
    fds = words[::2]
    suspects = {fd for fd in set(fds) if fd >= 0 and never(fd)}
    if not suspects:
        return
    for i, fd in enumerate(fds):
        if fd in suspects and (words[2 * i + 1] >> 16) & 0xFFFF != POLLNVAL:
            yield fd


def _past_timeout(read: Callable[[int, int], bytes | None], tsp: int, fill: int,
                  grain: int = 1) -> Callable[[int, int], bytes | None]:
    """`read`, with each `grain`-byte unit (from the address read) that the struct
    timespec at `tsp` meets replaced by `fill` bytes: ppoll and pselect6 write the time
    left there after the results (poll_select_finish() -> poll_select_copy_remaining()),
    so a result the program laid over it is the timeout's, not the kernel's answer about
    a descriptor."""
    def masked(addr: int, n: int) -> bytes | None:
        raw = read(addr, n)
        lo, hi = max(addr, tsp), min(addr + n, tsp + _TIMESPEC)
        if raw is None or not tsp or lo >= hi:
            return raw
        lo = addr + (lo - addr) // grain * grain
        hi = min(addr + n, addr + -(-(hi - addr) // grain) * grain)
        return raw[:lo - addr] + bytes([fill]) * (hi - lo) + raw[hi - addr:]
    return masked


def room(table: FileTable) -> int:
    """A lower bound on the table's fdt->max_fds: NR_OPEN_DEFAULT, and past every number
    it holds or held (expand_fdtable() -> alloc_fdtable() rounds up to a multiple of
    BITS_PER_LONG at least; a table never shrinks -- red-team round 84: AG-001)."""
    top = max(table.grown, max(table.fds, default=-1) + 1)
    return max(_OPEN_DEFAULT, (top + 63) & ~63)


def _select_set(a: tuple[int, ...], read: Callable[[int, int], bytes | None], max_fds: int
                ) -> Iterator[int]:
    """The bits below n set in pselect6's result sets, below `max_fds` (a lower bound on
    fdt->max_fds) alone: core_sys_select() clamps n to fdt->max_fds and writes back only
    that many bits -- a bit past it stays as the program set it."""
    n = min(a[0] & 0xFFFF_FFFF, max_fds)
    words = (n + 63) // 64
    for ptr in a[1:4]:
        raw = read(ptr, 8 * words) if ptr and words else None
        if raw is None or len(raw) != 8 * words:
            continue
        bits = int.from_bytes(raw, "little") & ((1 << n) - 1)
        while bits:
            low = bits & -bits
            yield low.bit_length() - 1
            bits ^= low


def memory_never(files: Descriptors, slot: Slot,
                 read: Callable[[int, int], bytes | None], ret: int = 1) -> str:
    """A number the call in `slot` (one of CALLS) took from memory that names no file in
    the caller's table, steady through the call; "" where none is known.  `ret`: the
    call's answer (a sendmmsg's count of messages sent)."""
    table = files.tables.get((slot.root, slot.thread))
    if table is None or not table.fresh:
        return ""
    nr, a, launch = slot.nr, slot.args, files.stated.launch
    if nr == _NR_SETSOCKOPT:
        fds, what = _attach_bpf(a, read), "SO_ATTACH_(REUSEPORT_E)BPF's program descriptor"
    elif nr == _NR_SENDMSG or nr == _NR_SENDMMSG:
        fds, what = _scm_rights(files, slot, a, read, ret), "an SCM_RIGHTS descriptor"
    elif nr == _NR_PPOLL:
        # (an entry the timeout lies over reads as fd -1: not judged)
        read = _past_timeout(read, a[2], 0xFF, 8)
        fds, what = _poll_forged(a, read, lambda fd: never_opened(table, launch, fd)), \
            "a pollfd whose revents is not POLLNVAL:"
    elif nr == _NR_PSELECT6:
        read = _past_timeout(read, a[4], 0)     # (bits the timeout lies over: clear)
        fds, what = _select_set(a, read, room(table)), "a set bit of pselect6's result for"
    else:
        return ""
    for fd in fds:
        if never_opened(table, launch, fd):
            return f"{what} {fd}" if files.steady(slot) else ""
    return ""
