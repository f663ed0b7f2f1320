"""The PULSE offload compiler: the three iterators verify and translate; each class of code
that cannot run beside memory is refused with its reason; the ISA interpreter follows AArch64."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from emulator.rack.pulse.compiler import (
    MAX_INSNS,
    Refusal,
    compile_next,
    find_function,
    translate,
    verify,
)
from emulator.rack.pulse.isa import (
    SCRATCH_BASE,
    ZR,
    Insn,
    Interpreter,
    Op,
    Program,
    PulseFault,
    Space,
)

ELF = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "pulse_iters"


@pytest.mark.parametrize("symbol, node_bytes, loops_bound", [
    ("ht_next", 256, False), ("bt_scan_next", 160, False), ("ts_sum_next", 232, False),
    ("ts_count_next", 232, False), ("ts_max_next", 232, False), ("ts_min_next", 232, False),
    ("bt_leaf_scan_next", 160, True)])
def test_iterators_verify(symbol: str, node_bytes: int, loops_bound: bool) -> None:
    prog = compile_next(ELF, symbol, node_bytes)
    assert prog.insns[-1].op is Op.RET or any(i.op is Op.RET for i in prog.insns)
    # Loop-free code runs each instruction at most once; a node scan at most 9 times.
    if loops_bound:
        assert len(prog.insns) < prog.max_steps <= 10 * len(prog.insns)
    else:
        assert prog.max_steps == len(prog.insns)
    spaces = {i.space for i in prog.insns if i.op in (Op.LOAD, Op.STORE)}
    assert spaces == {Space.NODE, Space.SCRATCH}
    assert all(i.space is Space.SCRATCH for i in prog.insns if i.op is Op.STORE)


@pytest.mark.parametrize("symbol, kind", [
    ("bad_store_next", "store_outside_scratchpad"),
    ("bad_call_next", "call"),
    ("bad_loop_next", "unbounded_loop"),
    ("bad_chase_next", "load_outside_cursor"),
    ("bad_syscall_next", "syscall"),
])
def test_refusals_from_compiled_c(symbol: str, kind: str) -> None:
    with pytest.raises(Refusal) as info:
        compile_next(ELF, symbol, 256)
    assert info.value.kind == kind
    assert symbol in str(info.value) or "0x" in str(info.value)


def _words(*words: int) -> bytes:
    return struct.pack(f"<{len(words)}I", *words)


# Hand-assembled AArch64 for the refusal classes gcc does not produce from the C above.
RET = 0xD65F03C0
CASES = {
    "indirect_branch": _words(0xD61F0040),                     # br x2
    "stack_access": _words(0xF90003E0, RET),                   # str x0, [sp]
    "unsupported": _words(0x9E670000, RET),                    # fmov d0, x0
    "no_return": _words(0x91000400),                           # add x0, x0, #1 (falls off)
    # mov x2, #0; loop: add x2, x2, #1; cmp x2, x3; b.ne loop; ret  (bound in a register)
    "unbounded_loop": _words(0xD2800002, 0x91000442, 0xEB03005F, 0x54FFFFC1, RET),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_refusal_classes_hand_assembled(kind: str) -> None:
    with pytest.raises(Refusal) as info:
        verify("f", translate("f", 0x1000, CASES[kind]), 64)
    assert info.value.kind == kind


def test_too_long_is_refused() -> None:
    code = _words(*([0x91000400] * (MAX_INSNS + 1)), RET)      # add x0, x0, #1 ...
    with pytest.raises(Refusal) as info:
        translate("long", 0x1000, code)
    assert info.value.kind == "too_long"


def test_counted_loop_gets_its_bound() -> None:
    # mov x2, #0; loop: add x2, x2, #2; cmp x2, #8; b.lo loop; ret -> 4 trips of 3 insns
    code = _words(0xD2800002, 0x91000842, 0xF100205F, 0x54FFFFC3, RET)
    prog = verify("f", translate("f", 0x1000, code), 64)
    assert prog.max_steps == 1 + 4 * 3 + 1


def test_unknown_symbol_and_wrong_machine(tmp_path: Path) -> None:
    with pytest.raises(LookupError):
        find_function(ELF, "no_such_function")
    with pytest.raises(ValueError, match="not an AArch64 ELF"):
        find_function("/bin/true", "main")


def test_interpreter_refuses_loads_outside_the_node() -> None:
    prog = Program("p", (Insn(Op.LOAD, rd=0, ra=0, imm=256, space=Space.NODE), Insn(Op.RET)),
                   256, 2)
    with pytest.raises(PulseFault, match="outside the 256-byte node"):
        Interpreter().run(prog, 0x1000, bytes(256), bytearray(64))


def test_interpreter_flags_follow_aarch64() -> None:
    # subs zr, r2, #5 with r2 = 3 -> lo, lt, ne; csel r0 picks r3 (7) when lo.
    insns = (
        Insn(Op.ALU, rd=2, ra=ZR, fn="orr", imm=3, use_imm=True),
        Insn(Op.ALU, rd=3, ra=ZR, fn="orr", imm=7, use_imm=True),
        Insn(Op.ALU, rd=ZR, ra=2, fn="sub", imm=5, use_imm=True, flags=True),
        Insn(Op.CSEL, rd=0, ra=3, rb=ZR, fn="sel", cond="lo"),
        Insn(Op.STORE, rd=0, ra=1, imm=8, space=Space.SCRATCH),
        Insn(Op.RET),
    )
    scratch = bytearray(64)
    nxt, steps = Interpreter().run(Program("p", insns, 8, 6), 0x1000, bytes(8), scratch)
    assert (nxt, steps) == (7, 6)
    assert struct.unpack_from("<Q", scratch, 8)[0] == 7
    assert SCRATCH_BASE >> 48 != 0
