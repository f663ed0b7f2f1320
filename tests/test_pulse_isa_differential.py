"""The PULSE translation and interpreter against Unicorn: random straight-line AArch64 (ALU
with shifted registers and immediates, flag setting, conditional selects and compares,
multiplies, variable shifts; 32- and 64-bit) run both ways from the same node must leave the same registers."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, UC_PROT_ALL, Uc
from unicorn.arm64_const import (
    UC_ARM64_REG_NZCV,
    UC_ARM64_REG_X0,
    UC_ARM64_REG_X1,
    UC_ARM64_REG_X30,
)

from emulator.rack.pulse.compiler import translate, verify
from emulator.rack.pulse.isa import Interpreter

CODE, NODE, SCRATCH, RETURN = 0x10000, 0x20000, 0x30000, 0x40000
WORK = range(2, 8)                  # x2..x7 are the registers the sequences use
RET = 0xD65F03C0


def _reg() -> st.SearchStrategy[int]:
    return st.sampled_from(list(WORK))


@st.composite
def _insn(draw: st.DrawFn) -> int:
    sf = draw(st.integers(0, 1))
    width = 64 if sf else 32
    rd, rn, rm = draw(_reg()), draw(_reg()), draw(_reg())
    form = draw(st.sampled_from(["addsub_imm", "addsub_reg", "logic", "csel", "ccmp", "mul",
                                        "shiftv"]))
    if form == "addsub_imm":
        op, s = draw(st.integers(0, 1)), draw(st.integers(0, 1))
        return 0x11000000 | sf << 31 | op << 30 | s << 29 | draw(st.integers(0, 4095)) << 10 \
            | rn << 5 | rd
    if form == "addsub_reg":
        op, s, shift = draw(st.integers(0, 1)), draw(st.integers(0, 1)), draw(st.integers(0, 2))
        return 0x0B000000 | sf << 31 | op << 30 | s << 29 | shift << 22 | rm << 16 \
            | draw(st.integers(0, width - 1)) << 10 | rn << 5 | rd
    if form == "logic":
        opc, n = draw(st.sampled_from([(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (1, 1)]))
        return 0x0A000000 | sf << 31 | opc << 29 | draw(st.integers(0, 2)) << 22 | n << 21 \
            | rm << 16 | draw(st.integers(0, width - 1)) << 10 | rn << 5 | rd
    if form == "csel":
        op, o2 = draw(st.integers(0, 1)), draw(st.integers(0, 1))
        return 0x1A800000 | sf << 31 | op << 30 | rm << 16 | draw(st.integers(0, 13)) << 12 \
            | o2 << 10 | rn << 5 | rd
    if form == "ccmp":              # ccmp/ccmn, register or 5-bit immediate, any nzcv
        op, imm = draw(st.integers(0, 1)), draw(st.integers(0, 1))
        rm_or_imm = draw(st.integers(0, 31)) if imm else rm
        return 0x3A400000 | sf << 31 | op << 30 | rm_or_imm << 16 \
            | draw(st.integers(0, 13)) << 12 | imm << 11 | rn << 5 | draw(st.integers(0, 15))
    if form == "mul":
        return 0x1B000000 | sf << 31 | rm << 16 | 31 << 10 | rn << 5 | rd
    return 0x1AC02000 | sf << 31 | rm << 16 | draw(st.integers(0, 2)) << 10 | rn << 5 | rd


@settings(max_examples=60, deadline=None, derandomize=True)
@given(body=st.lists(_insn(), min_size=1, max_size=12),
       node=st.lists(st.integers(0, 2**64 - 1), min_size=6, max_size=6))
def test_translation_matches_unicorn(body: list[int], node: list[int]) -> None:
    _both_ways(body, node)


# cset x4..x7 on eq, hs, mi, vs: each of Z, C, N, V lands in a register
_FLAGS_OUT = [0x1A9F17E0 | 1 << 31 | cond << 12 | rd for cond, rd in ((1, 4), (3, 5), (5, 6), (7, 7))]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cmp=_insn().filter(lambda w: w & 0x3FE00000 == 0x3A400000),
       node=st.lists(st.sampled_from([0, 1, 2**31, 2**63, 2**64 - 1, 5, 31]), min_size=6,
                     max_size=6))
def test_conditional_compare_sets_every_flag_as_unicorn(cmp: int, node: list[int]) -> None:
    # cmp x2, x3 sets the flags that the conditional compare tests, then all four are read.
    _both_ways([0xEB03005F, cmp] + _FLAGS_OUT, node)


def _both_ways(body: list[int], node: list[int]) -> None:
    loads = [0xF9400000 | i << 10 | r for i, r in enumerate(WORK)]          # ldr xR, [x0, #8i]
    stores = [0xF9000000 | i << 10 | 1 << 5 | r for i, r in enumerate(WORK)]  # str xR, [x1, #8i]
    words = loads + body + stores + [0xAA0203E0, RET]                       # mov x0, x2; ret
    code = struct.pack(f"<{len(words)}I", *words)
    node_bytes = struct.pack("<6Q", *node)

    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    for base in (CODE, NODE, SCRATCH, RETURN):
        uc.mem_map(base, 0x1000, UC_PROT_ALL)
    uc.mem_write(CODE, code)
    uc.mem_write(NODE, node_bytes)
    uc.reg_write(UC_ARM64_REG_X0, NODE)
    uc.reg_write(UC_ARM64_REG_X1, SCRATCH)
    uc.reg_write(UC_ARM64_REG_X30, RETURN)
    uc.reg_write(UC_ARM64_REG_NZCV, 0)
    uc.emu_start(CODE, RETURN, count=1000)
    want = (uc.reg_read(UC_ARM64_REG_X0), bytes(uc.mem_read(SCRATCH, 48)))

    prog = verify("seq", translate("seq", CODE, code), len(node_bytes))
    scratch = bytearray(64)
    nxt, _ = Interpreter().run(prog, NODE, node_bytes, scratch)
    assert (nxt, bytes(scratch[:48])) == want
