"""The terms of the output contract (abi/outputs.py): what a call's answer says it wrote."""

from __future__ import annotations

from dataclasses import dataclass

OK, ANY, POSITIVE, EINTR = "ok", "any", "positive", "eintr"
#: waitid's result 0 with a child reported: without WNOHANG a 0 always reports one; with
#: it, the siginfo Linux writes names SIGCHLD (si_signo 0: no child was ready).
REPORTED = "reported"
WNOHANG = 1
SOCKADDR_STORAGE = 128          # the largest address length Linux reports
TIMER_ABSTIME = 1

#: Size specs as the capability table spells them: an int, ("arg", i), ("pages", i),
#: ("arg*", i, k): args[i] * k, ("min_arg", i, k): min(args[i], k), ("bits", i): a node
#: mask of args[i] bits.
Size = int | tuple


@dataclass(frozen=True)
class Fixed:
    arg: int
    size: Size
    when: str = OK
    spans: tuple[tuple[int, int], ...] = ()     # (offset, length) of the fields written
    unless_flag: tuple[int, int] | None = None  # (arg, bit): no output when args[arg] & bit


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
        | SpliceTo | NoWrite | NoSuccess)
NOTHING: tuple[Term, ...] = (NoWrite(),)
