"""A linearizability checker for key-value histories (per-key read/write registers).

A history is a set of completed operations, each with the times of its invocation and response.
It is linearizable when every operation can be given one instant inside its interval so that,
in that order, each read returns the value of the latest write to its key (or the initial
value).  Linearizability is local (Herlihy and Wing): a history is linearizable exactly when
its restriction to every key is, so each key is checked on its own.

The search is Wing and Gong's, with the memo of visited (linearized set, register value) pairs
that Lowe added and Porcupine uses: walk the time-ordered list of call and return events, try
to linearize the first pending call, backtrack when a return is reached whose call could not be
placed.  Operations whose intervals touch (one's response at the instant of another's
invocation) count as concurrent.

`parse_gcskv` reads the `H <thread> <r|w> <key> <value> <invoke ns> <respond ns>` lines that
gcskv prints in its history mode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NIL = -1


@dataclass(frozen=True)
class Operation:
    client: int
    write: bool
    key: int
    value: int          # written, or returned by the read
    invoked: int
    responded: int

    def __post_init__(self) -> None:
        if self.responded < self.invoked:
            raise ValueError(f"operation {self} responds before it is invoked")


@dataclass(frozen=True)
class KeyResult:
    key: int
    operations: int
    linearizable: bool
    states_explored: int
    # When not linearizable: an operation that no linearization of the longest linearizable
    # prefix found could place (the earliest response left over).
    stuck: Operation | None = None


@dataclass(frozen=True)
class HistoryResult:
    keys: tuple[KeyResult, ...]

    @property
    def linearizable(self) -> bool:
        return all(k.linearizable for k in self.keys)

    @property
    def operations(self) -> int:
        return sum(k.operations for k in self.keys)

    def failures(self) -> list[KeyResult]:
        return [k for k in self.keys if not k.linearizable]


def check_register(ops: Sequence[Operation], initial: int = 0) -> KeyResult:
    """Is this history of one read/write register linearizable?"""
    key = ops[0].key if ops else 0
    if any(op.key != key for op in ops):
        raise ValueError("check_register takes the operations of one key")
    # Events in time order; at equal times calls come first, so touching intervals overlap.
    events = sorted([(op.invoked, 0, i) for i, op in enumerate(ops)]
                    + [(op.responded, 1, i) for i, op in enumerate(ops)])
    m = len(events)
    if m == 0:
        return KeyResult(key, 0, True, 0)
    head = m                                  # the list's sentinel, before the first event
    nxt = [i + 1 for i in range(m)] + [0]
    nxt[m - 1] = NIL
    prv = [i - 1 for i in range(m)] + [NIL]
    prv[0] = head
    is_call = [e[1] == 0 for e in events]
    op_of = [e[2] for e in events]
    ret_of = [0] * m                          # a call event's return event
    where = {}
    for k, (_, kind, i) in enumerate(events):
        if kind == 0:
            where[i] = k
        else:
            ret_of[where[i]] = k

    def lift(c: int) -> None:
        for k in (c, ret_of[c]):
            nxt[prv[k]] = nxt[k]
            if nxt[k] != NIL:
                prv[nxt[k]] = prv[k]

    def unlift(c: int) -> None:
        for k in (ret_of[c], c):
            nxt[prv[k]] = k
            if nxt[k] != NIL:
                prv[nxt[k]] = k

    state = initial
    linearized = 0
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[int, int]] = []
    best = (0, 0)                             # (count, set) of the longest prefix placed
    entry = nxt[head]
    while nxt[head] != NIL:
        if is_call[entry]:
            op = ops[op_of[entry]]
            ok = op.write or op.value == state
            if ok:
                new_state = op.value
                placed = linearized | 1 << op_of[entry]
                if (placed, new_state) not in seen:
                    seen.add((placed, new_state))
                    stack.append((entry, state))
                    state, linearized = new_state, placed
                    if len(stack) > best[0]:
                        best = (len(stack), placed)
                    lift(entry)
                    entry = nxt[head]
                    continue
            entry = nxt[entry]
        else:
            if not stack:
                left = [ops[i] for i in range(len(ops)) if not best[1] >> i & 1]
                stuck = min(left, key=lambda o: (o.responded, o.invoked))
                return KeyResult(key, len(ops), False, len(seen), stuck)
            entry, state = stack.pop()
            linearized &= ~(1 << op_of[entry])
            unlift(entry)
            entry = nxt[entry]
    return KeyResult(key, len(ops), True, len(seen))


def check_history(ops: Iterable[Operation], initial: int = 0) -> HistoryResult:
    """Check every key's register separately (linearizability is local)."""
    by_key: dict[int, list[Operation]] = defaultdict(list)
    for op in ops:
        by_key[op.key].append(op)
    return HistoryResult(tuple(check_register(by_key[k], initial) for k in sorted(by_key)))


def parse_gcskv(text: str) -> list[Operation]:
    """The operations recorded by `gcskv ... history` from its standard output."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("H "):
            continue
        parts = line.split()
        if len(parts) != 7 or parts[2] not in ("r", "w"):
            raise ValueError(f"history line {n} is malformed: {line!r}")
        client, key, value, inv, resp = (int(parts[i]) for i in (1, 3, 4, 5, 6))
        out.append(Operation(client, parts[2] == "w", key, value, inv, resp))
    return out
