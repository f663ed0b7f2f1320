"""The PULSE instruction set and its interpreter.

A PULSE program is one iteration of an iterator's `next`: it starts with r0 = the cursor (the
node just fetched) and r1 = the scratchpad, and ends with RET, r0 holding the next cursor (0:
the traversal is over).  Loads read either the fetched node or the scratchpad (the space is
fixed at compile time); stores write only the scratchpad.  Registers are 64-bit; an operation
with width 32 zero-extends its result, as AArch64's W registers do.  Compares set NZCV and
conditional instructions test the AArch64 condition codes, so a translation is one to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

MASK64 = (1 << 64) - 1
ZR = 31                         # reads as zero, writes vanish
SCRATCH_BYTES = 64              # the per-request scratchpad
SCRATCH_BASE = 0x5C00_0000_0000_0000   # r1's value: tags scratchpad addresses


class Op(Enum):
    LOAD = "ld"        # rd <- mem[space][ra + (rb << shift) + imm], `size` bytes, `signed`
    STORE = "st"       # scratch[ra + (rb << shift) + imm] <- rd (low `size` bytes)
    ALU = "alu"        # rd <- fn(ra, rb << shift or imm), optional flags
    MOVK = "movk"      # rd <- rd with 16 bits at `shift` replaced by imm
    CSEL = "csel"      # rd <- cond ? ra : fn(rb) (fn: sel, inc, inv, neg)
    CCMP = "ccmp"      # NZCV <- cond ? flags of fn(ra, rb or imm) : nzcv (fn: sub, add)
    BR = "b"           # goto target
    BCOND = "bcond"    # if cond: goto target
    CBZ = "cbz"        # if (ra == 0) != negate: goto target
    TBZ = "tbz"        # if (bit imm of ra == 0) != negate: goto target
    RET = "ret"        # end of the iteration: r0 is the next cursor


class Space(Enum):
    NODE = "node"
    SCRATCH = "scratch"


ALU_FNS = ("add", "sub", "and", "orr", "eor", "lsl", "lsr", "asr", "mul", "bic", "orn", "udiv")


@dataclass(frozen=True, slots=True)
class Insn:
    op: Op
    rd: int = ZR
    ra: int = ZR
    rb: int = ZR
    imm: int = 0
    use_imm: bool = False
    shift: int = 0           # left shift of rb (LOAD/STORE/ALU), or MOVK's position
    shift_kind: str = "lsl"  # ALU: how rb is shifted (lsl, lsr, asr)
    width: int = 64
    fn: str = "add"          # ALU function, or CSEL's variant
    flags: bool = False      # ALU: set NZCV (subs/adds/ands)
    cond: str = "al"
    negate: bool = False
    target: int = -1         # branch target (a PULSE instruction index)
    size: int = 8
    signed: bool = False
    space: Space = Space.NODE
    index_ext: str = ""      # LOAD/STORE: uxtw/sxtw of the index register
    nzcv: int = 0            # CCMP: the flags when `cond` does not hold

    def __str__(self) -> str:
        r = lambda n: "zr" if n == ZR else f"r{n}"     # noqa: E731
        o = self.op
        if o in (Op.LOAD, Op.STORE):
            idx = f"+{r(self.rb)}<<{self.shift}" if self.rb != ZR else ""
            return f"{o.value}{self.size} {r(self.rd)}, {self.space.value}[{r(self.ra)}{idx}+{self.imm}]"
        if o is Op.ALU:
            b = f"#{self.imm}" if self.use_imm else f"{r(self.rb)} {self.shift_kind} {self.shift}"
            return f"{self.fn}{'s' if self.flags else ''}.{self.width} {r(self.rd)}, {r(self.ra)}, {b}"
        if o is Op.MOVK:
            return f"movk {r(self.rd)}, #{self.imm}, lsl {self.shift}"
        if o is Op.CSEL:
            return f"c{self.fn}.{self.width} {r(self.rd)}, {r(self.ra)}, {r(self.rb)}, {self.cond}"
        if o is Op.CCMP:
            b = f"#{self.imm}" if self.use_imm else r(self.rb)
            name = "ccmp" if self.fn == "sub" else "ccmn"
            return f"{name}.{self.width} {r(self.ra)}, {b}, #{self.nzcv}, {self.cond}"
        if o is Op.BR:
            return f"b @{self.target}"
        if o is Op.BCOND:
            return f"b.{self.cond} @{self.target}"
        if o is Op.CBZ:
            return f"cb{'n' if self.negate else ''}z {r(self.ra)}, @{self.target}"
        if o is Op.TBZ:
            return f"tb{'n' if self.negate else ''}z {r(self.ra)}, #{self.imm}, @{self.target}"
        return "ret"


@dataclass(frozen=True)
class Program:
    """A translated `next`: its instructions, the bytes it reads at the cursor, and the
    verifier's bound on instructions executed per iteration."""

    name: str
    insns: tuple[Insn, ...]
    node_bytes: int
    max_steps: int
    trips: tuple[int, ...] = ()    # per instruction: how often one iteration may run it
    # Per instruction: the logic pipeline's cycles for it.  0 for a LOAD (PULSE's logic
    # pipeline reads node and scratchpad operands straight from the workspace that the memory
    # pipeline's one LOAD filled) and for a bounded loop's counter step, compare and back
    # branch (PULSE's ISA jumps only forward, so the loop is unrolled and they vanish).
    cycles: tuple[int, ...] = ()


class PulseFault(Exception):
    """A PULSE program did something the device refuses at run time (out-of-node load)."""


def _cond(cond: str, nzcv: tuple[bool, bool, bool, bool]) -> bool:
    n, z, c, v = nzcv
    return {
        "eq": z, "ne": not z, "hs": c, "lo": not c, "mi": n, "pl": not n, "vs": v, "vc": not v,
        "hi": c and not z, "ls": not c or z, "ge": n == v, "lt": n != v,
        "gt": not z and n == v, "le": z or n != v, "al": True,
    }[cond]


def _signed(value: int, width: int) -> int:
    return value - (1 << width) if value >> (width - 1) & 1 else value


def _add_flags(a: int, b: int, width: int) -> tuple[int, tuple[bool, bool, bool, bool]]:
    mask = (1 << width) - 1
    full = a + b
    res = full & mask
    carry = full > mask
    overflow = _signed(a, width) + _signed(b, width) != _signed(res, width)
    return res, (bool(res >> (width - 1) & 1), res == 0, carry, overflow)


def _sub_flags(a: int, b: int, width: int) -> tuple[bool, bool, bool, bool]:
    res = (a - b) & ((1 << width) - 1)
    return (bool(res >> (width - 1) & 1), res == 0, a >= b,
            _signed(a, width) - _signed(b, width) != _signed(res, width))


def _shift(value: int, kind: str, amount: int, width: int) -> int:
    mask = (1 << width) - 1
    if kind == "lsl":
        return (value << amount) & mask
    if kind == "lsr":
        return (value & mask) >> amount
    return (_signed(value & mask, width) >> amount) & mask     # asr


def _logic(fn: str, a: int, b: int, width: int) -> int:
    mask = (1 << width) - 1
    if fn == "and":
        return a & b
    if fn == "orr":
        return a | b
    if fn == "eor":
        return a ^ b
    if fn == "bic":
        return a & ~b & mask
    if fn == "orn":
        return (a | ~b) & mask
    if fn == "lsl":
        return (a << (b % width)) & mask
    if fn == "lsr":
        return a >> (b % width)
    if fn == "asr":
        return (_signed(a, width) >> (b % width)) & mask
    if fn == "mul":
        return (a * b) & mask
    if fn == "udiv":
        return a // b if b else 0
    raise PulseFault(f"unknown ALU function {fn}")


class Interpreter:
    """Runs one iteration of a Program over a node's bytes and a scratchpad."""

    def run(self, prog: Program, cursor: int, node: bytes, scratch: bytearray) -> tuple[int, int]:
        """Execute until RET; returns (next cursor, instructions executed)."""
        nxt, steps, _ = self.run_timed(prog, cursor, node, scratch)
        return nxt, steps

    def run_timed(self, prog: Program, cursor: int, node: bytes,
                  scratch: bytearray) -> tuple[int, int, int]:
        """Execute until RET; returns (next cursor, instructions executed, logic cycles)."""
        cycles = prog.cycles or (1,) * len(prog.insns)
        spent = 0
        regs = [0] * 32
        regs[0] = cursor
        regs[1] = SCRATCH_BASE
        nzcv = (False, False, False, False)
        pc = 0
        steps = 0
        insns = prog.insns
        while True:
            if steps >= prog.max_steps:
                raise PulseFault(f"{prog.name}: more than the verified {prog.max_steps} steps")
            ins = insns[pc]
            steps += 1
            spent += cycles[pc]
            pc += 1
            op = ins.op
            if op is Op.LOAD or op is Op.STORE:
                index = regs[ins.rb]
                if ins.index_ext == "uxtw":
                    index &= 0xFFFF_FFFF
                elif ins.index_ext == "sxtw":
                    index = _signed(index & 0xFFFF_FFFF, 32)
                addr = (regs[ins.ra] + (index << ins.shift) + ins.imm) & MASK64
                if ins.space is Space.SCRATCH:
                    off, buf, limit = addr - SCRATCH_BASE, scratch, SCRATCH_BYTES
                else:
                    off, buf, limit = addr - cursor, node, len(node)
                if off < 0 or off + ins.size > limit:
                    raise PulseFault(f"{prog.name}: {ins} reaches {off:+#x}, outside the "
                                     f"{limit}-byte {ins.space.value}")
                if op is Op.LOAD:
                    value = int.from_bytes(buf[off:off + ins.size], "little")
                    if ins.signed:
                        value = _signed(value, ins.size * 8) & ((1 << ins.width) - 1)
                    if ins.rd != ZR:
                        regs[ins.rd] = value
                else:
                    scratch[off:off + ins.size] = (regs[ins.rd] & ((1 << (8 * ins.size)) - 1)
                                                   ).to_bytes(ins.size, "little")
            elif op is Op.ALU:
                width = ins.width
                mask = (1 << width) - 1
                a = regs[ins.ra] & mask
                b = ins.imm & mask if ins.use_imm else _shift(regs[ins.rb], ins.shift_kind,
                                                              ins.shift, width)
                fn = ins.fn
                if fn == "add":
                    res, flags = _add_flags(a, b, width)
                elif fn == "sub":
                    res = (a - b) & mask
                    flags = _sub_flags(a, b, width)
                else:
                    res = _logic(fn, a, b, width)
                    flags = (bool(res >> (width - 1) & 1), res == 0, False, False)
                if ins.flags:
                    nzcv = flags
                if ins.rd != ZR:
                    regs[ins.rd] = res
            elif op is Op.MOVK:
                cur = regs[ins.rd] & ~(0xFFFF << ins.shift) & ((1 << ins.width) - 1)
                regs[ins.rd] = cur | (ins.imm << ins.shift)
            elif op is Op.CSEL:
                mask = (1 << ins.width) - 1
                if _cond(ins.cond, nzcv):
                    res = regs[ins.ra] & mask
                else:
                    b = regs[ins.rb] & mask
                    res = {"sel": b, "inc": (b + 1) & mask, "inv": ~b & mask,
                           "neg": -b & mask}[ins.fn]
                if ins.rd != ZR:
                    regs[ins.rd] = res
            elif op is Op.CCMP:
                if _cond(ins.cond, nzcv):
                    width = ins.width
                    mask = (1 << width) - 1
                    a = regs[ins.ra] & mask
                    b = ins.imm & mask if ins.use_imm else regs[ins.rb] & mask
                    nzcv = _add_flags(a, b, width)[1] if ins.fn == "add" else _sub_flags(a, b, width)
                else:
                    nzcv = (bool(ins.nzcv & 8), bool(ins.nzcv & 4), bool(ins.nzcv & 2),
                            bool(ins.nzcv & 1))
            elif op is Op.BR:
                pc = ins.target
            elif op is Op.BCOND:
                if _cond(ins.cond, nzcv):
                    pc = ins.target
            elif op is Op.CBZ:
                if ((regs[ins.ra] & ((1 << ins.width) - 1)) == 0) != ins.negate:
                    pc = ins.target
            elif op is Op.TBZ:
                if ((regs[ins.ra] >> ins.imm) & 1 == 0) != ins.negate:
                    pc = ins.target
            else:                       # RET
                return regs[0], steps, spent
