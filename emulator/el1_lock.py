"""The EL1 face shut while the core is a confidential thread's, or while it is off.

Between a monitor's return to a confidential thread and that thread's next exception
the core is the user's: `hand_over` swaps each `El1` face's class for one whose methods
(all but a few harmless ones) raise `CoreOwnedByUser`, and swaps it back at the next
exception.  A core a monitor keeps powered off (`power_off`) has a face of the same kind
whose methods raise `CorePoweredOff`, for good.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.el1 import El1


class CoreOwnedByUser(Exception):
    """EL1 tried to use the core while a monitor had returned it to a confidential thread."""


class CorePoweredOff(Exception):
    """EL1 tried to use a core that is powered off: it executes nothing, its MMU included."""


# Between a monitor's return to a confidential thread and that thread's next
# exception the core is the user's: every operation of an `El1` face that would read
# or change its state (memory, registers, system registers, translations, TLBs,
# vectors, code caches, monitor calls) is refused, in this one place.  Only running
# EL0 (from where the monitor's exception return left it) and harmless queries remain.
# (enter_el0 is shut: its PSTATE write would clear the thread's NZCV flags the monitor
# restored.)
OPEN_WHILE_USER_OWNS = frozenset({
    "run_el0", "timer_interrupt", "request_stop", "new_context",
    "stop_requested", "cpu_index", "exact_timing_available", "hwcaps", "midr",
})


def _refuser(name: str) -> Callable[..., object]:
    def refused(*_args: object, **_kw: object) -> object:
        raise CoreOwnedByUser(f"EL1 {name}: the core belongs to a confidential thread until "
                              "its next exception")
    return refused


_LOCKED_CLASS: dict[type, type] = {}     # a face's class -> the same class, shut
_OPEN_CLASS: dict[type, type] = {}       # and back


def _shut_class(cls: type, open_names: frozenset[str],
                refuser: Callable[[str], Callable[..., object]]) -> type:
    """`cls` with every public method but `open_names` (subclasses' included) replaced by
    `refuser(name)`: shutting a face swaps its class (one assignment) instead of
    shadowing each method in the instance."""
    body: dict[str, object] = {
        n: staticmethod(refuser(n)) for n in dir(cls)
        if not n.startswith("_") and n not in open_names
        and callable(getattr(cls, n, None)) and not isinstance(getattr(cls, n, None), property)}
    body.update(__module__=cls.__module__, __qualname__=cls.__qualname__, __doc__=cls.__doc__)
    return type(cls.__name__, (cls,), body)


def _locked_class(cls: type) -> type:
    """`cls` shut while a confidential thread owns the core (built once per class:
    locking and unlocking happen around every confidential exception)."""
    shut = _LOCKED_CLASS.get(cls)
    if shut is None:
        shut = _LOCKED_CLASS[cls] = _shut_class(cls, OPEN_WHILE_USER_OWNS, _refuser)
        _OPEN_CLASS[shut] = cls
    return shut


def hand_over(faces: Iterable[El1], locked: bool, clrex_va: int | None) -> None:
    """Shut (`locked`) or open every face in `faces` (what setting `user_owned` on each
    does), with `clrex_va` the one EL0 instruction each may run while shut; twice per
    confidential exception, so the steps are written out here.  A core that is off
    stays off."""
    for face in faces:
        if face.powered_off:
            continue
        face.clrex_va = clrex_va
        if face._user_owned != locked:
            face._user_owned = locked
            cls = type(face)
            face.__class__ = (_LOCKED_CLASS.get(cls) or _locked_class(cls)) if locked \
                else _OPEN_CLASS[cls]


# A core that is powered off executes nothing: no load, store, system-register access,
# monitor call or EL0 run.  What stays open are queries about the core itself and TLB
# maintenance broadcast to every core (a core that is off holds no translation, so
# invalidating is a no-op that needs no exception).
OPEN_WHILE_OFF = frozenset({
    "cpu_index", "exact_timing_available", "hwcaps", "midr", "stop_requested",
    "request_stop", "invalidate_tlb", "invalidate_va", "invalidate_vas", "invalidate_range",
})
_OFF_CLASS: dict[type, type] = {}


def _off_refuser(name: str) -> Callable[..., object]:
    def refused(*_args: object, **_kw: object) -> object:
        raise CorePoweredOff(f"EL1 {name}: this core is powered off (the monitor starts no "
                             "core but the boot core)")
    return refused


def power_off(face: El1) -> None:
    """Keep `face`'s core powered off for good: every method but `OPEN_WHILE_OFF` raises
    `CorePoweredOff` (a class swap, as for the user-owned lock)."""
    if face.powered_off:
        return
    cls = type(face)
    off = _OFF_CLASS.get(cls)
    if off is None:
        off = _OFF_CLASS[cls] = _shut_class(cls, OPEN_WHILE_OFF, _off_refuser)
    face.powered_off = True
    face.__class__ = off
