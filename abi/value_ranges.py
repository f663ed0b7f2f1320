"""The values Linux keeps in a range: what each call's result and output fields may be.

`abi/outputs.py` states *whether* a call writes an output; this table states what the
values it hands back may be, as facts about Linux a program builds on without checking
("the old mask never holds SIGKILL", "an overrun count is not negative", "the siginfo
names the signal returned").  Each row lists the terms of one call:

- `Result(lo, hi)`: a result that is not an errno lies in [lo, hi];
- `Field(arg, offset, fmt, rule, when)`: the value of C type `fmt` at `offset` of the
  output argument `arg` names (NULL: not asked for) obeys `rule` once the call returned
  with `when` (OK: 0; POSITIVE: a result > 0; ANY: any result but an errno).

The rules (`Rule`): `Between(lo, hi)`; `SIGNAL_SET`, a sigset that never holds SIGKILL or
SIGSTOP (no thread can block them, no action's sa_mask keeps them, so no set a call
reports of blocked, pending-and-blocked or masked signals does); `STACK_FLAGS`, a
stack_t's ss_flags (0, SS_ONSTACK or SS_DISABLE, with SS_AUTODISARM where the program
set it); `SAME_AS_RESULT`, the field equals the call's result.

Rows name every call the contract keeps such a value for and its siblings of the same
kind (the set reporters, the interval-timer readers, the resource-usage readers).  The
relations to state the program built (a mask it set, a timer it armed, a count read
before) are the Guardian's to keep; this table holds what needs no state.
"""

from __future__ import annotations

from dataclasses import dataclass

from abi.output_terms import ANY, OK, POSITIVE
from abi.syscalls import NUMBERS

SIGKILL, SIGSTOP = 9, 19
#: The signals no thread can block, catch or ignore.
UNCATCHABLE = frozenset({SIGKILL, SIGSTOP})
UNBLOCKABLE_BITS = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
INT_MAX = (1 << 31) - 1
LONG_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class Rule:
    """What one value may be; `allows` says whether `value` (as its C type) is one."""

    name: str
    lo: int = 0
    hi: int = 0

    def allows(self, value: int, result: int) -> bool:
        if self is SIGNAL_SET:
            return not value & UNBLOCKABLE_BITS
        if self is STACK_FLAGS:
            return stack_flags_valid(value)
        if self is SAME_AS_RESULT:
            return value == result
        return self.lo <= value <= self.hi


def Between(lo: int, hi: int) -> Rule:  # noqa: N802  (a term of the table)
    return Rule(f"in {lo}..{hi}", lo, hi)


SIGNAL_SET = Rule("a signal set without SIGKILL or SIGSTOP")
STACK_FLAGS = Rule("0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM aside)")
SAME_AS_RESULT = Rule("the call's result")
NOT_NEGATIVE = Between(0, LONG_MAX)


def stack_flags_valid(flags: int) -> bool:
    """A stack_t's ss_flags as Linux reports it: sas_ss_flags(sp) -- 0, SS_ONSTACK or
    SS_DISABLE -- with the SS_AUTODISARM the program may have set."""
    return (flags & 0xFFFF_FFFF & ~SS_AUTODISARM) in (0, SS_ONSTACK, SS_DISABLE)


@dataclass(frozen=True)
class Result:
    lo: int
    hi: int


@dataclass(frozen=True)
class Field:
    arg: int
    offset: int
    fmt: str                  # struct format of the value ("<Q", "<i", "<q")
    rule: Rule
    when: str = OK
    what: str = ""            # the field's C name, for the refusal's reason


Term = Result | Field

_ITS_FIELDS = ("it_interval.tv_sec", "it_value.tv_sec")


def _timer_values(arg: int, when: str = OK) -> tuple[Field, ...]:
    """An itimerspec or itimerval: its two seconds fields are not negative."""
    return tuple(Field(arg, 16 * i, "<q", NOT_NEGATIVE, when, name)
                 for i, name in enumerate(_ITS_FIELDS))


#: struct rusage: ru_utime, ru_stime (timevals), then fourteen longs (ru_maxrss ..
#: ru_nivcsw), every one a time or a count: none is negative.
_RUSAGE_FIELDS = ("ru_utime.tv_sec", "ru_utime.tv_usec", "ru_stime.tv_sec",
                  "ru_stime.tv_usec", "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss",
                  "ru_minflt", "ru_majflt", "ru_nswap", "ru_inblock", "ru_oublock",
                  "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw")


#: The fields Linux keeps in struct rusage for compatibility and never fills: always 0.
_RUSAGE_UNUSED = frozenset({"ru_ixrss", "ru_idrss", "ru_isrss", "ru_nswap", "ru_msgsnd",
                            "ru_msgrcv", "ru_nsignals"})
ZERO = Between(0, 0)


def _rusage(arg: int, when: str = OK) -> tuple[Field, ...]:
    return tuple(Field(arg, 8 * i, "<q", ZERO if name in _RUSAGE_UNUSED else NOT_NEGATIVE,
                       when, name) for i, name in enumerate(_RUSAGE_FIELDS))


RANGES: dict[str, tuple[Term, ...]] = {
    # --- signal sets ---------------------------------------------------------------------
    "rt_sigprocmask": (Field(2, 0, "<Q", SIGNAL_SET, what="oldset"),),
    "rt_sigpending": (Field(0, 0, "<Q", SIGNAL_SET, what="set"),),
    "rt_sigaction": (Field(2, 24, "<Q", SIGNAL_SET, what="oldact->sa_mask"),),
    "sigaltstack": (Field(1, 8, "<i", STACK_FLAGS, what="old_ss->ss_flags"),),
    # The siginfo written names the signal taken (return.sigwait_set judges the result).
    "rt_sigtimedwait": (Field(1, 0, "<i", SAME_AS_RESULT, POSITIVE, "info->si_signo"),),
    # --- timers --------------------------------------------------------------------------
    "timer_getoverrun": (Result(0, INT_MAX),),       # capped at DELAYTIMER_MAX
    "timer_gettime": _timer_values(1), "timer_settime": _timer_values(3),
    "timerfd_gettime": _timer_values(1), "timerfd_settime": _timer_values(3),
    "getitimer": _timer_values(1), "setitimer": _timer_values(2),
    # --- resource usage ------------------------------------------------------------------
    "getrusage": _rusage(1),
    "wait4": _rusage(3, POSITIVE),
    # clock_t ticks of user and system time, the caller's and its children's.
    "times": tuple(Field(0, 8 * i, "<q", NOT_NEGATIVE, ANY, name) for i, name in
                   enumerate(("tms_utime", "tms_stime", "tms_cutime", "tms_cstime"))),
}

#: The same table by call number.
RANGES_BY_NR: dict[int, tuple[Term, ...]] = {NUMBERS[name]: terms
                                             for name, terms in RANGES.items()}
