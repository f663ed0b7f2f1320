"""The fuzzer's operations: the vocabulary an adversary's operation is written in, its
JSON form (a failing sequence is a replayable list), and the generators that draw
operations for hypothesis and for the seeded campaign (one grammar for both)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from abi import SPECS, Call

Value = tuple[Any, ...]
Op = tuple[Any, ...]
FRAMES = ("free0", "free1", "heap", "stack", "mapped", "heap_l3", "heap_l2", "root",
          "idle_root", "helper_root", "helper_l3", "guardian0", "guardian_top", "ttbr1_root",
          "image0")
VAS = ("heap", "stack", "mapped", "heap_secret", "win", "fresh", "untouched")
REGS = ("TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "SCTLR_EL1", "VBAR_EL1", "MAIR_EL1")
# SCTLR: M, A, WXN, E0E, UCI, DZE, nTWI, nTWE, UCT; TCR: EPD0, TBI0, A1, ASID bits.
BITS = (0, 1, 7, 9, 14, 15, 16, 18, 19, 23, 24, 26, 32, 37, 48)
LITERALS = (0, 1, 3, 511, 512, 0x1000, 0xFFF, 1 << 48, (1 << 64) - 1)
SHAPES = ("leaf", "leaf_ro", "table", "block", "zero")
SIGNALS = (10, 17)                # SIGUSR1 (handled once the program registered it), SIGCHLD
# Operations by weight: probes of the Guardian's checks are many; those that let the
# program run on or usually end it (a signal it does not handle, a timer's SIGALRM, a
# register the Guardian will refuse to resume with) are rare, so a run lasts.
WEIGHTS = {"hvc": 300, "store": 60, "msr": 60, "dma": 60, "load": 40, "fill": 10,
           "copy": 10, "yield": 25, "signal": 2, "timer": 1, "set_reg": 2}
_KINDS = tuple(k for k, w in WEIGHTS.items() for _ in range(w))


def ops_to_json(ops: list[Op]) -> str:
    return json.dumps(ops, separators=(",", ":"))


def ops_from_json(text: str) -> list[Op]:
    def tup(x: Any) -> Any:
        return tuple(tup(i) for i in x) if isinstance(x, list) else x
    try:
        ops = [tup(op) for op in json.loads(text)]
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"not a JSON list of operations: {exc}") from exc
    if not all(isinstance(op, tuple) and op for op in ops):
        raise ValueError("each operation must be a non-empty JSON list")
    return ops


# --- generating operations ---------------------------------------------------------------
Choose = Callable[[tuple[Any, ...]], Any]
Integer = Callable[[int, int], int]
_CALLS = [c.name for c in Call]
_FIRST = ("SET_PT", "USER_READ", "COPY_PAGE", "RESUME", "SET_PTBR", "REGISTER_PT",
          "SIGNAL", "FORK_DOMAIN", "SWAP_IN", "KSM_MERGE")
_TYPED = {"pa": "frame", "root": "frame", "ttbr0": "frame", "descriptor": "desc",
          "index": "index", "level": "level", "slot": "slot", "elr": "elr", "entry": "elr",
          "va": "va", "length": "length", "signo": "small", "version": "small",
          "flags": "small", "result": "small", "count": "small"}


def _typed(name: str) -> str | None:
    for key, kind in _TYPED.items():
        if name == key or name.endswith("_" + key) or name.startswith(key + "_"):
            return kind
    return None


def draw_value(choose: Choose, integer: Integer, kind: str | None = None) -> Value:
    kind = kind if kind is not None and integer(0, 3) else choose(
        ("frame", "desc", "lit", "va", "slot", "elr"))
    if kind == "frame":
        return ("frame", choose(FRAMES))
    if kind == "desc":
        return ("desc", choose(SHAPES), choose(FRAMES))
    if kind == "lit":
        return ("lit", choose(LITERALS))
    if kind == "va":
        return ("va", choose(VAS))
    if kind == "slot":
        return ("slot", integer(-2, 2))
    if kind == "elr":
        return ("elr", integer(-1, 1))
    if kind == "index":
        return ("lit", integer(0, 511))
    if kind == "level":
        return ("lit", integer(0, 3))
    if kind == "length":
        return ("lit", choose((8, 64, 4096)))
    return ("lit", integer(0, 16))


def draw_op(choose: Choose, integer: Integer, kinds: tuple[str, ...] = _KINDS) -> Op:
    """One adversary operation, from the same grammar for hypothesis and the campaign."""
    kind = kinds[integer(0, len(kinds) - 1)]
    if kind == "hvc":
        name = choose(_FIRST) if integer(0, 1) else choose(tuple(_CALLS))
        names = SPECS[Call[name]].args if Call[name] in SPECS else ("a", "b", "c")
        return ("hvc", name, tuple(draw_value(choose, integer, _typed(n)) for n in names))
    if kind == "store":
        return ("store", choose(FRAMES), integer(0, 511), draw_value(choose, integer, "desc"))
    if kind == "msr":
        how = integer(0, 4)
        v: Value = ("flip", choose(BITS)) if how < 3 else (
            ("kernel_vbar",) if how == 3 else ("frame", choose(FRAMES)))
        return ("msr", choose(REGS), v)
    if kind == "dma":
        return ("dma", bool(integer(0, 1)), choose(FRAMES), integer(0, 511),
                draw_value(choose, integer))
    if kind == "load":
        return ("load", choose(("lm", "user")), ("frame", choose(FRAMES)) if integer(0, 1)
                else ("va", choose(VAS)))
    if kind == "fill":
        return ("fill", ("va", choose(VAS)))
    if kind == "copy":
        return ("copy", ("va", choose(VAS)))
    if kind == "signal":
        return ("signal", choose(SIGNALS))
    if kind == "timer":
        return ("timer", choose((1_000, 50_000, 1_000_000)))
    if kind == "set_reg":
        return ("set_reg", choose(("pc", "x0", "sp")), draw_value(choose, integer))
    return ("yield",)


def strategies():  # noqa: ANN201 - hypothesis types are optional
    from hypothesis import strategies as st

    @st.composite
    def op(draw):  # noqa: ANN001, ANN202
        return draw_op(lambda seq: draw(st.sampled_from(seq)),
                       lambda lo, hi: draw(st.integers(lo, hi)))
    return op()
