"""The directory's state machine as data: states, events, and the rows of transitions.toml.

The switch holds the rows in an exact-match table (`cacheDirectoryPre2`, 40 entries in MIND's
program); `TransitionTable.match` is that lookup plus the second-stage conditions the P4 program
computes (VERIFY, last acknowledgement).  Rows can be replaced (`with_row`) so that experiments,
and the test that shows data really moves, can run a deliberately broken protocol.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum, IntEnum
from pathlib import Path

from emulator.rack.tables import TRANSITION_CAPACITY, TableFull

DEFAULT_TABLE = Path(__file__).with_name("transitions.toml")


class State(IntEnum):
    """Directory states with MIND's encodings (cacheline_def.h)."""

    I = 8     # noqa: E741 - the protocol's name for the idle state
    S = 6
    M = 7
    SD = 2    # S^D: M -> S in progress, waiting for the owner's data and FIN
    MD = 9    # M^D: -> M in progress, waiting for acknowledgements and data

    @property
    def transient(self) -> bool:
        return self in (State.SD, State.MD)


class Event(Enum):
    R = "R"
    W = "W"
    DP0 = "DP0"
    DPd = "DPd"
    DPt = "DPt"
    FIN = "FIN"
    EV = "EV"


class When(Enum):
    ANY = "any"
    SOLE_SHARER = "sole_sharer"
    OWNER = "owner"
    LAST_SHARER = "last_sharer"
    LAST_ACK = "last_ack"


class Sharers(Enum):
    RESET = "reset"
    ADD = "add"
    DEL = "del"
    SAME = "same"


class Action(Enum):
    NONE = "none"
    MULTI_INVAL = "multi_inval"
    SINGLE_INVAL = "single_inval"
    FORWARD_DATA_CPU = "forward_data_cpu"
    FORWARD_DATA_MEM = "forward_data_mem"
    RETURN_WRITE_ACK = "return_write_ack"
    RETURN_READ_NACK = "return_read_nack"
    COUNT_FLUSH = "count_flush"


class Ack(Enum):
    ACK = "ack"
    NACK = "nack"
    NO_ACK = "no_ack"
    SKIP = "skip"


class TransitionError(ValueError):
    """A transition table that is malformed or incomplete."""


@dataclass(frozen=True)
class Row:
    state: State
    event: Event
    when: When
    next: State
    sharers: Sharers
    action: Action
    data_req: bool
    ack: Ack
    forward_to_memory: bool
    note: str = ""


_STATE_NAMES = {s.name: s for s in State}


def _enum(kind: type[Enum], value: object, where: str) -> Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise TransitionError(f"{where}: {value!r} is not a valid {kind.__name__.lower()} "
                              f"(use one of {allowed})") from None


def _state(value: object, where: str) -> State:
    if not isinstance(value, str) or value not in _STATE_NAMES:
        raise TransitionError(f"{where}: {value!r} is not a state (use one of I, S, M, SD, MD)")
    return _STATE_NAMES[value]


def parse_row(raw: Mapping[str, object], where: str) -> Row:
    known = {"state", "event", "when", "next", "sharers", "action", "data_req", "ack",
             "memory", "note"}
    extra = sorted(set(raw) - known)
    if extra:
        raise TransitionError(f"{where}: unknown field {extra[0]!r}")
    memory = raw.get("memory", "drop")
    if memory not in ("forward", "drop"):
        raise TransitionError(f"{where}: memory must be \"forward\" or \"drop\"")
    return Row(state=_state(raw.get("state"), where),
               event=_enum(Event, raw.get("event"), where),          # type: ignore[arg-type]
               when=_enum(When, raw.get("when", "any"), where),      # type: ignore[arg-type]
               next=_state(raw.get("next"), where),
               sharers=_enum(Sharers, raw.get("sharers", "same"), where),  # type: ignore[arg-type]
               action=_enum(Action, raw.get("action", "none"), where),     # type: ignore[arg-type]
               data_req=bool(raw.get("data_req", False)),
               ack=_enum(Ack, raw.get("ack", "skip"), where),        # type: ignore[arg-type]
               forward_to_memory=memory == "forward", note=str(raw.get("note", "")))


@dataclass(frozen=True)
class Context:
    """What the second-stage conditions look at."""

    requester_bit: int
    sharers: int


def _holds(when: When, ctx: Context) -> bool:
    bit, sharers = ctx.requester_bit, ctx.sharers
    if when is When.ANY:
        return True
    if when in (When.SOLE_SHARER, When.OWNER):
        return sharers == bit
    if when is When.LAST_SHARER:
        return sharers & ~bit == 0
    return bin(sharers & ~bit).count("1") == 1      # LAST_ACK: one (the new owner) remains


class TransitionTable:
    """The rows, grouped by (state, event) in file order."""

    def __init__(self, rows: Iterable[Row], capacity: int = TRANSITION_CAPACITY) -> None:
        self.rows = tuple(rows)
        if len(self.rows) > capacity:
            raise TableFull("cacheDirectoryPre2", capacity)
        self._by_key: dict[tuple[State, Event], list[Row]] = {}
        for row in self.rows:
            self._by_key.setdefault((row.state, row.event), []).append(row)
        missing = [f"{s.name}/{e.value}" for s in State for e in Event
                   if not any(r.when is When.ANY for r in self._by_key.get((s, e), ()))]
        if missing:
            raise TransitionError(f"no unconditional row for {', '.join(missing)}")

    def match(self, state: State, event: Event, ctx: Context) -> Row:
        for row in self._by_key[(state, event)]:
            if _holds(row.when, ctx):
                return row
        raise AssertionError("unreachable: every key has an unconditional row")

    def with_row(self, index: int, **changes: object) -> TransitionTable:
        """A copy with row `index` changed (fields as in the TOML file)."""
        row = self.rows[index]
        fixed: dict[str, object] = {}
        for key, value in changes.items():
            if key in ("state", "next"):
                fixed[key] = _state(value, f"row {index}")
            elif key == "memory":
                fixed["forward_to_memory"] = value == "forward"
            else:
                kind = {"event": Event, "when": When, "sharers": Sharers, "action": Action,
                        "ack": Ack}.get(key)
                fixed[key] = _enum(kind, value, f"row {index}") if kind else value
        rows = list(self.rows)
        rows[index] = replace(row, **fixed)     # type: ignore[arg-type]
        return TransitionTable(rows)

    def find(self, state: str, event: str, when: str = "any") -> int:
        """The index of the row for (state, event, when)."""
        for i, row in enumerate(self.rows):
            if row.state.name == state and row.event.value == event and row.when.value == when:
                return i
        raise KeyError(f"no row {state}/{event}/{when}")


def load_transitions(path: Path = DEFAULT_TABLE) -> TransitionTable:
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise TransitionError(f"{path}: invalid TOML: {exc}") from None
    rows = data.get("row", [])
    if not isinstance(rows, list):
        raise TransitionError(f"{path}: rows must be [[row]] tables")
    return TransitionTable(parse_row(r, f"{path.name} row {i}") for i, r in enumerate(rows))
