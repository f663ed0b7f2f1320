"""`return.fd_never_opened` for descriptor numbers a call takes from memory rather than
from its registers (red-team round 83: AD-006, AD-011, AD-016, AD-017), each looked up in
the caller's own table, where launch_fds.py knows a number names no file:

* setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &ufd, 4): sk_setsockopt() -> sk_attach_bpf()
  -> __get_bpf() -> bpf_prog_get_type() -> __bpf_prog_get() -> fdget(ufd): -EBADF;
* sendmsg on an AF_UNIX socket the program made, with SCM_RIGHTS numbers:
  ____sys_sendmsg() -> unix_*_sendmsg() -> scm_send() -> __scm_send() -> scm_fp_copy()
  -> fget(fd) of each: -EBADF (other families: not judged, some ignore msg_control);
* ppoll: do_pollfd() sets revents POLLNVAL for a number fdget() finds no file at, and
  do_sys_poll() writes every entry's revents back: an entry naming such a number comes
  back with exactly POLLNVAL (the fd field is never written: a forged one is no Linux's);
* pselect6: max_select_fd() answers -EBADF for a set bit fdt->open_fds lacks, and a
  success writes back only bits of the sets it was given: no set bit below n and below
  64 (n clamped to fdt->max_fds: bits past it are not written back) in any of the three
  result sets names such a number.

Read where the program left the memory quiet through the call (`read` answers None
otherwise); judged only where the table lay steady through the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.launch_fds import never_opened
from guardian.side_fds import rights

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_NR_SETSOCKOPT = NUMBERS["setsockopt"]
_NR_SENDMSG = NUMBERS["sendmsg"]
_NR_PPOLL = NUMBERS["ppoll"]
_NR_PSELECT6 = NUMBERS["pselect6"]
#: the calls `memory_never` judges
CALLS = frozenset((_NR_SETSOCKOPT, _NR_SENDMSG, _NR_PPOLL, _NR_PSELECT6))

SOL_SOCKET, SO_ATTACH_BPF, AF_UNIX = 1, 50, 1
POLLNVAL = 0x20
#: ppoll entries judged at most: a bound on what one call pays; what lies past it is
#: left alone
_MAX_ENTRIES = 256
#: NR_OPEN_DEFAULT (BITS_PER_LONG): the fewest numbers an fdtable has room for
_OPEN_DEFAULT = 64


def _s32(raw: bytes) -> int:
    return int.from_bytes(raw, "little", signed=True)


def _attach_bpf(a: tuple[int, ...], read: Callable[[int, int], bytes | None]
                ) -> Iterator[int]:
    """SO_ATTACH_BPF's program descriptor (optlen 4: -EINVAL otherwise)."""
    if a[1] & 0xFFFF_FFFF == SOL_SOCKET and a[2] & 0xFFFF_FFFF == SO_ATTACH_BPF \
            and a[4] & 0xFFFF_FFFF == 4:
        raw = read(a[3], 4)
        if raw is not None and len(raw) == 4:
            yield _s32(raw)


def _scm_rights(files: Descriptors, slot: Slot, a: tuple[int, ...],
                read: Callable[[int, int], bytes | None]) -> Iterator[int]:
    """The SCM_RIGHTS numbers of a sendmsg on an AF_UNIX socket the program made."""
    f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
    if f is None or f.sock is None or f.sock[0] != AF_UNIX:
        return
    # (__scm_send()'s walk of the control data, as recvmsg's numbers are read back)
    yield from rights(read, a[1])


def _poll_forged(a: tuple[int, ...], read: Callable[[int, int], bytes | None]
                 ) -> Iterator[int]:
    """ppoll entries whose revents came back other than POLLNVAL, by fd (nfds is an
    unsigned int: SYSCALL_DEFINE5(ppoll) leaves the register's upper half unread, and an
    entry past nfds is one do_sys_poll() never wrote)."""
    n = min(a[1] & 0xFFFF_FFFF, _MAX_ENTRIES)
    raw = read(a[0], 8 * n) if n else None
    if raw is None or len(raw) != 8 * n:
        return
    for i in range(0, 8 * n, 8):
        fd = _s32(raw[i:i + 4])
        if fd >= 0 and int.from_bytes(raw[i + 6:i + 8], "little") != POLLNVAL:
            yield fd


def _select_set(a: tuple[int, ...], read: Callable[[int, int], bytes | None]
                ) -> Iterator[int]:
    """The bits below n set in pselect6's result sets, below 64 alone: core_sys_select()
    clamps n to fdt->max_fds (at least NR_OPEN_DEFAULT, 64) and writes back only that
    many bits -- a bit past it stays as the program set it."""
    n = min(a[0] & 0xFFFF_FFFF, _OPEN_DEFAULT)
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
                 read: Callable[[int, int], bytes | None]) -> str:
    """A number the call in `slot` (one of CALLS) took from memory that names no file in
    the caller's table, steady through the call; "" where none is known."""
    table = files.tables.get((slot.root, slot.thread))
    if table is None or not table.fresh:
        return ""
    nr, a, launch = slot.nr, slot.args, files.stated.launch
    if nr == _NR_SETSOCKOPT:
        fds, what = _attach_bpf(a, read), "SO_ATTACH_BPF's program descriptor"
    elif nr == _NR_SENDMSG:
        fds, what = _scm_rights(files, slot, a, read), "an SCM_RIGHTS descriptor"
    elif nr == _NR_PPOLL:
        fds, what = _poll_forged(a, read), "a pollfd whose revents is not POLLNVAL:"
    elif nr == _NR_PSELECT6:
        fds, what = _select_set(a, read), "a set bit of pselect6's result for"
    else:
        return ""
    for fd in fds:
        if never_opened(table, launch, fd):
            return f"{what} {fd}" if files.steady(slot) else ""
    return ""
