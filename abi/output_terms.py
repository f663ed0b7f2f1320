"""The terms of the output contract (abi/outputs.py): what a call's answer says it wrote."""

from __future__ import annotations

from dataclasses import dataclass

OK, ANY, POSITIVE, EINTR = "ok", "any", "positive", "eintr"
#: waitid's result 0 with a child reported: without WNOHANG a 0 always reports one; with
#: it, the siginfo Linux writes names SIGCHLD (si_signo 0: no child was ready).
REPORTED = "reported"
#: An output Linux writes on paths the result does not tell apart (pselect6's remaining
#: time): where the kernel wrote any of it, it is written whole and judged.
WHERE_WRITTEN = "where_written"
WNOHANG = 1
SOCKADDR_STORAGE = 128          # the largest address length Linux reports
TIMER_ABSTIME = 1

#: Size specs as the capability table spells them: an int, ("arg", i), ("pages", i),
#: ("arg*", i, k): args[i] * k, ("min_arg", i, k): min(args[i], k), ("bits", i): a node
#: mask of args[i] bits.
Size = int | tuple

#: The time values Linux writes normalised, by kind: (offset of the sub-second field in
#: the value, its size, the bound it stays below).  A timespec's tv_nsec and a statx
#: timestamp's are below 10^9, a timeval's tv_usec below 10^6, none negative.
TIMESPEC, TIMEVAL, STATX_TIME = "timespec", "timeval", "statx_timestamp"
SUBSECOND: dict[str, tuple[int, int, int]] = {
    TIMESPEC: (8, 8, 1_000_000_000),
    TIMEVAL: (8, 8, 1_000_000),
    STATX_TIME: (8, 4, 1_000_000_000),
}
#: (offset in the struct, kind) of each time value a struct holds.
Times = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Fixed:
    arg: int
    size: Size
    when: str = OK
    spans: tuple[tuple[int, int], ...] = ()     # (offset, length) of the fields written
    unless_flag: tuple[int, int] | None = None  # (arg, bit): no output when args[arg] & bit
    times: Times = ()                           # the time values in it, each normalised


@dataclass(frozen=True)
class Records:
    arg: int
    elem: int
    count_arg: int
    scale: int = 1
    limit: int = 1 << 32
    written: bool = True        # the records counted must have been written
    probe: bool = False         # a count argument of 0 asks for the number only
    header: int = 0             # bytes before the records (msgrcv's mtype)


@dataclass(frozen=True)
class CpuMask:
    """A CPU mask of the result's bytes at `arg`: it names only the machine's CPUs."""
    arg: int


@dataclass(frozen=True)
class ReadySets:
    """pselect6's fd_sets written back: only bits below nfds (`nfds_arg`) that were set on
    entry, and the result counts the bits set across them."""
    nfds_arg: int
    set_args: tuple[int, ...]


@dataclass(frozen=True)
class ReadyPolls:
    """ppoll's pollfds: revents written within the events asked (plus POLLERR, POLLHUP,
    POLLNVAL), none for a negative fd, fd and events untouched; the result counts the
    entries with revents."""
    arg: int
    nfds_arg: int


@dataclass(frozen=True)
class Reported:
    buf_arg: int
    len_arg: int
    cut: bool


@dataclass(frozen=True)
class Message:
    arg: int
    many: bool = False
    receive: bool = True


@dataclass(frozen=True)
class NulString:
    arg: int
    fields: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class ByCommand:
    arg: int
    rows: dict[int, tuple[object, ...]]
    ioc: bool = False
    mask: int = 0xFFFF_FFFF     # the command's bits (an int command; ptrace's is a long)
    shift: int = 0              # quotactl's QCMD(subcmd, type): the subcommand above bit 8


@dataclass(frozen=True)
class Varies:
    reason: str


@dataclass(frozen=True)
class Copied:
    buf_arg: int
    len_arg: int


@dataclass(frozen=True)
class Handle:
    arg: int
    mount_arg: int


@dataclass(frozen=True)
class SpliceTo:
    fd_arg: int


@dataclass(frozen=True)
class NoWrite:
    """Linux writes no user memory: the answer is the result register alone."""


@dataclass(frozen=True)
class NoSuccess:
    reason: str


Term = (Fixed | Records | Reported | Message | NulString | ByCommand | Varies | Copied | Handle
        | SpliceTo | NoWrite | NoSuccess | CpuMask | ReadySets | ReadyPolls)
NOTHING: tuple[Term, ...] = (NoWrite(),)
