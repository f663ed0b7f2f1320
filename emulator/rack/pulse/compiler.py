"""The offload compiler: find an iterator's `next` in an AArch64 ELF, translate it to PULSE
instructions and verify that it can run beside memory.

Offloadable code reads only the node at the cursor (r0 and pointers derived from it by
arithmetic) and the scratchpad (r1), writes only the scratchpad, makes no calls or system calls,
and executes a bounded number of instructions: every loop is a natural loop whose counter starts
at a constant, steps by a positive constant once per trip and is compared with a constant at the
loop's latch (a B+-tree node scan is such a loop).  Anything else is refused with a `Refusal`
naming its class, and the iterator then runs on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs, CsInsn
from capstone import arm64 as a64
from elftools.elf.elffile import ELFFile

from emulator.rack.pulse.isa import ZR, Insn, Op, Program, Space

MAX_INSNS = 256            # longest `next` the device's instruction memory takes
MAX_STEPS = 4096           # most instructions one iteration may execute

REFUSAL_CLASSES = ("call", "syscall", "indirect_branch", "stack_access", "unsupported",
                   "store_outside_scratchpad", "load_outside_cursor", "unbounded_loop",
                   "too_long", "no_return")


class Refusal(Exception):
    """Code that cannot be offloaded: `kind` is one of REFUSAL_CLASSES."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def find_function(elf_path: str | Path, name: str) -> tuple[int, bytes]:
    """The address and machine code of function `name` (from the ELF's symbol table)."""
    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        if elf["e_machine"] != "EM_AARCH64":
            raise ValueError(f"{elf_path} is not an AArch64 ELF ({elf['e_machine']})")
        symtab = elf.get_section_by_name(".symtab")
        syms = symtab.get_symbol_by_name(name) if symtab is not None else None
        if not syms or syms[0]["st_info"]["type"] != "STT_FUNC":
            raise LookupError(f"{elf_path} has no function named {name!r} (is it stripped?)")
        addr, size = syms[0]["st_value"], syms[0]["st_size"]
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= addr < seg["p_vaddr"] + seg["p_filesz"]:
                off = addr - seg["p_vaddr"]
                return addr, seg.data()[off:off + size]
    raise LookupError(f"{name} at {addr:#x} is in no loaded segment of {elf_path}")


# ---- translation -----------------------------------------------------------------------------

_CC = {a64.ARM64_CC_EQ: "eq", a64.ARM64_CC_NE: "ne", a64.ARM64_CC_HS: "hs", a64.ARM64_CC_LO: "lo",
       a64.ARM64_CC_MI: "mi", a64.ARM64_CC_PL: "pl", a64.ARM64_CC_VS: "vs", a64.ARM64_CC_VC: "vc",
       a64.ARM64_CC_HI: "hi", a64.ARM64_CC_LS: "ls", a64.ARM64_CC_GE: "ge", a64.ARM64_CC_LT: "lt",
       a64.ARM64_CC_GT: "gt", a64.ARM64_CC_LE: "le", a64.ARM64_CC_AL: "al"}
_INVERT = {"eq": "ne", "ne": "eq", "hs": "lo", "lo": "hs", "mi": "pl", "pl": "mi", "vs": "vc",
           "vc": "vs", "hi": "ls", "ls": "hi", "ge": "lt", "lt": "ge", "gt": "le", "le": "gt"}
_SHIFT = {a64.ARM64_SFT_LSL: "lsl", a64.ARM64_SFT_LSR: "lsr", a64.ARM64_SFT_ASR: "asr"}
_EXT = {a64.ARM64_EXT_UXTW: "uxtw", a64.ARM64_EXT_SXTW: "sxtw"}
_LOAD_SIZE = {"ldrb": (1, False), "ldrh": (2, False), "ldrsb": (1, True), "ldrsh": (2, True),
              "ldrsw": (4, True), "ldurb": (1, False), "ldurh": (2, False),
              "ldursw": (4, True)}
_STORE_SIZE = {"strb": 1, "strh": 2, "sturb": 1, "sturh": 2}
_ALU = {"add": "add", "adds": "add", "sub": "sub", "subs": "sub", "and": "and", "ands": "and",
        "orr": "orr", "eor": "eor", "bic": "bic", "orn": "orn", "mul": "mul", "udiv": "udiv",
        "lsl": "lsl", "lsr": "lsr", "asr": "asr"}


class _Decoder:
    def __init__(self, ins: CsInsn) -> None:
        self.ins = ins
        self.ops = list(ins.operands)

    def where(self) -> str:
        return f"{self.ins.address:#x}: {self.ins.mnemonic} {self.ins.op_str}"

    def reg(self, i: int) -> tuple[int, int]:
        """(register number, width) of operand i."""
        op = self.ops[i]
        if op.type != a64.ARM64_OP_REG:
            raise Refusal("unsupported", f"operand {i} is not a register in {self.where()}")
        return self.reg_named(self.ins.reg_name(op.reg))

    def reg_named(self, name: str) -> tuple[int, int]:
        if name in ("sp", "wsp"):
            raise Refusal("stack_access", f"the stack is not reachable beside memory: {self.where()}")
        name = {"fp": "x29", "lr": "x30"}.get(name, name)
        if name in ("xzr", "wzr"):
            return ZR, 64 if name == "xzr" else 32
        if name[0] not in "xw" or not name[1:].isdigit():
            raise Refusal("unsupported", f"register {name} in {self.where()}")
        return int(name[1:]), 64 if name[0] == "x" else 32

    def mem(self, i: int) -> dict[str, object]:
        op = self.ops[i]
        if op.type != a64.ARM64_OP_MEM:
            raise Refusal("unsupported", f"operand {i} is not memory in {self.where()}")
        if self.ins.writeback or len(self.ops) > i + 1:
            raise Refusal("unsupported", f"pre/post-indexed addressing in {self.where()}")
        base, _ = self.reg_named(self.ins.reg_name(op.mem.base))
        index = ZR
        if op.mem.index:
            index, _ = self.reg_named(self.ins.reg_name(op.mem.index))
        if op.ext and op.ext not in _EXT:
            raise Refusal("unsupported", f"index extension in {self.where()}")
        return {"ra": base, "rb": index, "imm": op.mem.disp, "shift": op.shift.value,
                "index_ext": _EXT.get(op.ext, "")}

    def operand_b(self, i: int) -> dict[str, object]:
        """The flexible second operand: an immediate or a (shifted) register."""
        op = self.ops[i]
        if op.type == a64.ARM64_OP_IMM:
            return {"imm": op.imm << (op.shift.value if op.shift.type == a64.ARM64_SFT_LSL else 0),
                    "use_imm": True}
        rb, _ = self.reg(i)
        if op.ext:
            raise Refusal("unsupported", f"extended register operand in {self.where()}")
        kind = _SHIFT.get(op.shift.type, "lsl") if op.shift.type else "lsl"
        if op.shift.type and op.shift.type not in _SHIFT:
            raise Refusal("unsupported", f"shift kind in {self.where()}")
        return {"rb": rb, "shift": op.shift.value, "shift_kind": kind}


_FORBIDDEN = frozenset({"bl", "blr", "blraa", "blrab", "svc", "hvc", "smc", "brk", "hlt", "udf",
                        "br", "braa", "brab"})


def _translate_one(ins: CsInsn) -> list[Insn | tuple[Op, dict[str, object]]]:
    """PULSE instructions for one AArch64 instruction; branches come back as (op, fields)
    with an AArch64 `target` address to resolve."""
    d = _Decoder(ins)
    m = ins.mnemonic
    if m in ("bl", "blr", "blraa", "blrab"):
        raise Refusal("call", f"a call cannot run beside memory: {d.where()}")
    if m in ("svc", "hvc", "smc", "brk", "hlt", "udf"):
        raise Refusal("syscall", f"a trap to the kernel: {d.where()}")
    if m in ("br", "braa", "brab"):
        raise Refusal("indirect_branch", f"a computed jump: {d.where()}")
    if m == "nop":
        return []
    if m == "ret":
        if d.ops and d.reg(0)[0] != 30:
            raise Refusal("indirect_branch", f"return through another register: {d.where()}")
        return [Insn(Op.RET)]
    if m == "b":
        return [(Op.BR, {"target": d.ops[0].imm})]
    if m.startswith("b."):
        return [(Op.BCOND, {"cond": _CC[ins.cc], "target": d.ops[0].imm})]
    if m in ("cbz", "cbnz"):
        r, w = d.reg(0)
        return [(Op.CBZ, {"ra": r, "width": w, "negate": m == "cbnz", "target": d.ops[1].imm})]
    if m in ("tbz", "tbnz"):
        r, _ = d.reg(0)
        return [(Op.TBZ, {"ra": r, "imm": d.ops[1].imm, "negate": m == "tbnz",
                          "target": d.ops[2].imm})]
    if m.startswith("ld"):
        if m in ("ldp", "ldnp"):
            r1, w = d.reg(0)
            r2, _ = d.reg(1)
            mem = d.mem(2)
            size = w // 8
            return [Insn(Op.LOAD, rd=r1, size=size, width=w, **mem),      # type: ignore[arg-type]
                    Insn(Op.LOAD, rd=r2, size=size, width=w,              # type: ignore[arg-type]
                         **{**mem, "imm": int(mem["imm"]) + size})]       # type: ignore[call-overload]
        if m in ("ldr", "ldur") or m in _LOAD_SIZE:
            rd, w = d.reg(0)
            size, signed = _LOAD_SIZE.get(m, (w // 8, False))
            return [Insn(Op.LOAD, rd=rd, size=size, signed=signed, width=w, **d.mem(1))]  # type: ignore[arg-type]
        raise Refusal("unsupported", d.where())
    if m.startswith("st"):
        if m in ("stp", "stnp"):
            r1, w = d.reg(0)
            r2, _ = d.reg(1)
            mem = d.mem(2)
            size = w // 8
            return [Insn(Op.STORE, rd=r1, size=size, width=w, **mem),     # type: ignore[arg-type]
                    Insn(Op.STORE, rd=r2, size=size, width=w,             # type: ignore[arg-type]
                         **{**mem, "imm": int(mem["imm"]) + size})]       # type: ignore[call-overload]
        if m in ("str", "stur") or m in _STORE_SIZE:
            rd, w = d.reg(0)
            return [Insn(Op.STORE, rd=rd, size=_STORE_SIZE.get(m, w // 8), width=w,
                         **d.mem(1))]                                     # type: ignore[arg-type]
        raise Refusal("unsupported", d.where())
    if m in ("cmp", "cmn", "tst"):
        ra, w = d.reg(0)
        fn = {"cmp": "sub", "cmn": "add", "tst": "and"}[m]
        return [Insn(Op.ALU, rd=ZR, ra=ra, width=w, fn=fn, flags=True, **d.operand_b(1))]  # type: ignore[arg-type]
    if m in ("mov", "movz"):
        rd, w = d.reg(0)
        if d.ops[1].type == a64.ARM64_OP_IMM:
            imm = d.ops[1].imm << d.ops[1].shift.value
            return [Insn(Op.ALU, rd=rd, ra=ZR, width=w, fn="orr", imm=imm & ((1 << w) - 1),
                         use_imm=True)]
        rb, _ = d.reg(1)
        return [Insn(Op.ALU, rd=rd, ra=ZR, rb=rb, width=w, fn="orr")]
    if m == "movk":
        rd, w = d.reg(0)
        return [Insn(Op.MOVK, rd=rd, imm=d.ops[1].imm, shift=d.ops[1].shift.value, width=w)]
    if m in ("neg", "mvn"):
        rd, w = d.reg(0)
        fn = "sub" if m == "neg" else "orn"
        return [Insn(Op.ALU, rd=rd, ra=ZR, width=w, fn=fn, **d.operand_b(1))]  # type: ignore[arg-type]
    if m in _ALU:
        rd, w = d.reg(0)
        ra, _ = d.reg(1)
        flags = m in ("adds", "subs", "ands")
        return [Insn(Op.ALU, rd=rd, ra=ra, width=w, fn=_ALU[m], flags=flags,
                     **d.operand_b(2))]                                   # type: ignore[arg-type]
    if m in ("csel", "csinc", "csinv", "csneg"):
        rd, w = d.reg(0)
        ra, _ = d.reg(1)
        rb, _ = d.reg(2)
        return [Insn(Op.CSEL, rd=rd, ra=ra, rb=rb, width=w, fn=m[2:] if m != "csel" else "sel",
                     cond=_CC[ins.cc])]
    if m in ("ccmp", "ccmn"):
        ra, w = d.reg(0)
        if len(d.ops) != 3 or d.ops[2].type != a64.ARM64_OP_IMM:
            raise Refusal("unsupported", f"conditional compare form in {d.where()}")
        b = d.operand_b(1)
        if not b.get("use_imm") and (b.get("shift") or b.get("shift_kind", "lsl") != "lsl"):
            raise Refusal("unsupported", f"shifted conditional compare in {d.where()}")
        return [Insn(Op.CCMP, ra=ra, width=w, fn="sub" if m == "ccmp" else "add",
                     cond=_CC[ins.cc], nzcv=d.ops[2].imm,
                     **{k: v for k, v in b.items() if k != "shift_kind"})]  # type: ignore[arg-type]
    if m in ("cset", "csetm"):
        rd, w = d.reg(0)
        return [Insn(Op.CSEL, rd=rd, ra=ZR, rb=ZR, width=w, fn="inc" if m == "cset" else "inv",
                     cond=_INVERT[_CC[ins.cc]])]
    if m in ("cinc", "cinv", "cneg"):
        rd, w = d.reg(0)
        ra, _ = d.reg(1)
        return [Insn(Op.CSEL, rd=rd, ra=ra, rb=ra, width=w, fn=m[1:],
                     cond=_INVERT[_CC[ins.cc]])]
    raise Refusal("unsupported", f"no PULSE translation for {d.where()}")


def translate(name: str, base: int, code: bytes) -> list[Insn]:
    """AArch64 machine code to PULSE instructions (not yet verified)."""
    md = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
    md.detail = True
    decoded = list(md.disasm(code, base))
    if sum(i.size for i in decoded) != len(code):
        raise Refusal("unsupported", f"{name}: bytes that do not decode as AArch64")
    # Calls, traps and computed jumps are refused before anything else is looked at.
    for ins in decoded:
        if ins.mnemonic in _FORBIDDEN:
            _translate_one(ins)
    index_of: dict[int, int] = {}
    staged: list[Insn | tuple[Op, dict[str, object]]] = []
    for ins in decoded:
        index_of[ins.address] = len(staged)
        staged.extend(_translate_one(ins))
        if len(staged) > MAX_INSNS:
            raise Refusal("too_long", f"{name} is longer than {MAX_INSNS} PULSE instructions")
    end = base + len(code)
    out: list[Insn] = []
    for item in staged:
        if isinstance(item, Insn):
            out.append(item)
            continue
        op, fields = item
        target = int(fields.pop("target"))  # type: ignore[call-overload]
        if target not in index_of:
            kind = "call" if not base <= target < end else "unsupported"
            raise Refusal(kind, f"{name} branches to {target:#x}, outside itself (a tail call)")
        out.append(Insn(op, target=index_of[target], **fields))           # type: ignore[arg-type]
    return out


# ---- verification ----------------------------------------------------------------------------

# What a register holds, statically: ("const", k), ("cur",), ("scr",), ("val",), ("mixed",).
Kind = tuple


def _join(a: Kind | None, b: Kind | None) -> Kind | None:
    if a is None:
        return b
    if b is None or a == b:
        return a
    if a[0] in ("cur", "scr") or b[0] in ("cur", "scr") or "mixed" in (a[0], b[0]):
        return ("mixed",)
    return ("val",)


def successors(insns: list[Insn], pc: int) -> list[int]:
    ins = insns[pc]
    if ins.op is Op.RET:
        return []
    if ins.op is Op.BR:
        return [ins.target]
    if ins.op in (Op.BCOND, Op.CBZ, Op.TBZ):
        return [pc + 1, ins.target]
    return [pc + 1]


def _transfer(ins: Insn, state: list[Kind | None]) -> list[Kind | None]:
    s = list(state)
    if ins.op is Op.LOAD:
        if ins.rd != ZR:
            s[ins.rd] = ("val",)
    elif ins.op is Op.ALU and ins.rd != ZR:
        a = s[ins.ra] if ins.ra != ZR else ("const", 0)
        b = ("const", ins.imm) if ins.use_imm else (s[ins.rb] if ins.rb != ZR else ("const", 0))
        out: Kind = ("val",)
        if a is None or b is None:
            out = ("val",)
        elif ins.fn in ("add", "sub") and a[0] in ("cur", "scr") and b[0] in ("const", "val"):
            out = a                                 # a pointer moved within its object
        elif ins.fn == "add" and b[0] in ("cur", "scr") and a[0] in ("const", "val"):
            out = b
        elif ins.fn == "orr" and a == ("const", 0) and ins.shift == 0:
            out = b                                 # mov
        elif a[0] == "const" and b[0] == "const" and ins.fn in ("add", "sub", "orr") \
                and ins.shift == 0:
            mask = (1 << ins.width) - 1
            value = {"add": a[1] + b[1], "sub": a[1] - b[1], "orr": a[1] | b[1]}[ins.fn]
            out = ("const", value & mask)
        elif "mixed" in (a[0], b[0]):
            out = ("mixed",)
        s[ins.rd] = out
    elif ins.op is Op.MOVK and ins.rd != ZR:
        s[ins.rd] = ("val",)
    elif ins.op is Op.CSEL and ins.rd != ZR:
        s[ins.rd] = _join(s[ins.ra] if ins.ra != ZR else ("const", 0),
                          s[ins.rb] if ins.rb != ZR else ("const", 0))
        if ins.fn != "sel" and s[ins.rd] != ("mixed",):
            s[ins.rd] = ("val",)
    return s


def _dataflow(insns: list[Insn]) -> list[list[Kind | None]]:
    """The register kinds on entry to every instruction (a fixpoint over the CFG)."""
    n = len(insns)
    entry: list[list[Kind | None]] = [[None] * 32 for _ in range(n)]
    start: list[Kind | None] = [("val",)] * 32
    start[0], start[1] = ("cur",), ("scr",)
    entry[0] = start
    work = [0]
    while work:
        pc = work.pop()
        out = _transfer(insns[pc], entry[pc])
        for nxt in successors(insns, pc):
            if nxt >= n:
                raise Refusal("no_return", f"execution falls off the end after @{pc}")
            merged = [_join(x, y) for x, y in zip(entry[nxt], out, strict=True)]
            if merged != entry[nxt]:
                entry[nxt] = merged
                work.append(nxt)
    return entry


def _dominators(insns: list[Insn]) -> list[set[int]]:
    n = len(insns)
    preds: list[list[int]] = [[] for _ in range(n)]
    for pc in range(n):
        for nxt in successors(insns, pc):
            preds[nxt].append(pc)
    everything = set(range(n))
    dom = [everything.copy() for _ in range(n)]
    dom[0] = {0}
    changed = True
    while changed:
        changed = False
        for pc in range(1, n):
            new = set.intersection(*(dom[p] for p in preds[pc])) if preds[pc] else set()
            new = new | {pc}
            if new != dom[pc]:
                dom[pc] = new
                changed = True
    return dom


@dataclass(frozen=True)
class Loop:
    header: int
    latch: int
    body: frozenset[int]
    trips: int


def _loop_bound(insns: list[Insn], header: int, latch: int, body: frozenset[int],
                entry: list[list[Kind | None]], dom: list[set[int]]) -> int:
    where = f"loop @{header}..@{latch}"
    br = insns[latch]
    cmp = insns[latch - 1] if latch > 0 else None
    if br.op is not Op.BCOND or br.target != header or cmp is None or cmp.op is not Op.ALU \
            or not (cmp.fn == "sub" and cmp.flags and cmp.rd == ZR and cmp.use_imm):
        raise Refusal("unbounded_loop", f"{where}: the latch is not `cmp counter, #N; b.cond`")
    counter, limit = cmp.ra, cmp.imm
    writes = [pc for pc in body if insns[pc].op in (Op.LOAD, Op.ALU, Op.MOVK, Op.CSEL)
              and insns[pc].rd == counter]
    if len(writes) != 1:
        raise Refusal("unbounded_loop", f"{where}: counter r{counter} is written "
                                        f"{len(writes)} times in the loop")
    step_ins = insns[writes[0]]
    if not (step_ins.op is Op.ALU and step_ins.fn == "add" and step_ins.use_imm
            and step_ins.ra == counter and step_ins.imm > 0 and writes[0] in dom[latch]):
        raise Refusal("unbounded_loop", f"{where}: counter r{counter} does not step by a "
                                        f"positive constant on every trip")
    outside = [pc for pc in range(len(insns)) if pc not in body
               and header in successors(insns, pc)]
    init: Kind | None = None
    for pc in outside:
        init = _join(init, _transfer(insns[pc], entry[pc])[counter])
    if init is None or init[0] != "const":
        raise Refusal("unbounded_loop", f"{where}: counter r{counter} does not start at a "
                                        f"constant")
    start, step = int(init[1]), step_ins.imm
    if br.cond == "ne":
        if start >= limit or (limit - start) % step:
            raise Refusal("unbounded_loop", f"{where}: r{counter} from {start} by {step} "
                                            f"may never equal {limit}")
        return (limit - start) // step
    if br.cond in ("lo", "lt"):
        return max(1, -(-(limit - start) // step))
    if br.cond in ("ls", "le"):
        return max(1, (limit - start) // step + 1)
    raise Refusal("unbounded_loop", f"{where}: condition {br.cond} gives no bound")


def _loops(insns: list[Insn], entry: list[list[Kind | None]]) -> list[Loop]:
    dom = _dominators(insns)
    n = len(insns)
    back = [(pc, nxt) for pc in range(n) for nxt in successors(insns, pc) if nxt in dom[pc]]
    # Reducibility: without the back edges the graph must be acyclic.
    back_set = set(back)
    color = [0] * n

    def visit(pc: int) -> None:
        color[pc] = 1
        for nxt in successors(insns, pc):
            if (pc, nxt) in back_set:
                continue
            if color[nxt] == 1:
                raise Refusal("unbounded_loop", f"a cycle through @{nxt} with no single entry")
            if color[nxt] == 0:
                visit(nxt)
        color[pc] = 2

    visit(0)
    headers: dict[int, list[int]] = {}
    for latch, header in back:
        headers.setdefault(header, []).append(latch)
    loops = []
    for header, latches in sorted(headers.items()):
        if len(latches) != 1:
            raise Refusal("unbounded_loop", f"loop @{header} has {len(latches)} back edges")
        latch = latches[0]
        body = {header}
        stack = [latch]
        preds: dict[int, list[int]] = {}
        for pc in range(n):
            for nxt in successors(insns, pc):
                preds.setdefault(nxt, []).append(pc)
        while stack:
            pc = stack.pop()
            if pc not in body:
                body.add(pc)
                stack.extend(preds.get(pc, []))
        fb = frozenset(body)
        loops.append(Loop(header, latch, fb, _loop_bound(insns, header, latch, fb, entry, dom)))
    return loops


def verify(name: str, insns: list[Insn], node_bytes: int) -> Program:
    """Check a translated `next` and fix each memory access's space; raises Refusal."""
    if not insns:
        raise Refusal("no_return", f"{name} is empty")
    try:
        entry = _dataflow(insns)
    except Refusal as refusal:
        raise Refusal(refusal.kind, f"{name}: {refusal.detail}") from None
    fixed: list[Insn] = []
    for pc, ins in enumerate(insns):
        state = entry[pc]
        if state[0] is None and all(k is None for k in state):   # unreachable
            fixed.append(ins)
            continue
        if ins.op in (Op.LOAD, Op.STORE):
            base = state[ins.ra] if ins.ra != ZR else ("const", 0)
            index = state[ins.rb] if ins.rb != ZR else ("const", 0)
            kind = base[0] if base is not None else "val"
            if index is not None and index[0] in ("cur", "scr", "mixed"):
                kind = "mixed"
            if ins.op is Op.STORE and kind != "scr":
                raise Refusal("store_outside_scratchpad",
                              f"{name} @{pc} `{ins}` writes through a {kind} pointer")
            if kind not in ("cur", "scr"):
                raise Refusal("load_outside_cursor",
                              f"{name} @{pc} `{ins}` reads through a {kind} pointer (a second "
                              f"dependent access in one iteration)")
            fixed.append(replace(ins, space=Space.NODE if kind == "cur" else Space.SCRATCH))
        else:
            fixed.append(ins)
    try:
        loops = _loops(fixed, entry)
    except Refusal as refusal:
        raise Refusal(refusal.kind, f"{name}: {refusal.detail}") from None
    trips = []
    for pc in range(len(fixed)):
        mult = 1
        for loop in loops:
            if pc in loop.body:
                mult *= loop.trips
        trips.append(mult)
    steps = sum(trips)
    if steps > MAX_STEPS:
        raise Refusal("too_long", f"{name} may run {steps} instructions per iteration "
                                  f"(limit {MAX_STEPS})")
    return Program(name, tuple(fixed), node_bytes, steps, tuple(trips),
                   logic_cycles(fixed, loops))


def logic_cycles(insns: list[Insn], loops: list[Loop]) -> tuple[int, ...]:
    """Per instruction, the PULSE logic pipeline's cycles: LOADs are operand reads from the
    workspace (the memory pipeline fetched the node), and each bounded loop is unrolled, as
    PULSE's forward-only jumps require, so its counter step, latch compare and back branch
    leave the code (the counter becomes an immediate in every copy).  A conditional compare
    is two: PULSE's ISA has no flag-preserving compare, so it is a forward jump over a
    COMPARE."""
    out = [0 if ins.op is Op.LOAD else 2 if ins.op is Op.CCMP else 1 for ins in insns]
    for loop in loops:
        out[loop.latch] = out[loop.latch - 1] = 0
        counter = insns[loop.latch - 1].ra
        for pc in loop.body:
            ins = insns[pc]
            if ins.op is Op.ALU and ins.rd == counter and ins.ra == counter and ins.use_imm:
                out[pc] = 0
    return tuple(out)


def symbol_at(elf_path: str | Path, addr: int) -> str:
    """The name of the function whose code holds `addr` (from the ELF's symbol table)."""
    with open(elf_path, "rb") as fh:
        symtab = ELFFile(fh).get_section_by_name(".symtab")
        if symtab is None:
            raise LookupError(f"{elf_path} has no symbol table (is it stripped?)")
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and \
                    sym["st_value"] <= addr < sym["st_value"] + max(1, sym["st_size"]):
                return str(sym.name)
    raise LookupError(f"no function of {elf_path} holds {addr:#x}")


def compile_next(elf_path: str | Path, symbol: str, node_bytes: int) -> Program:
    """Find, translate and verify `symbol`; raises Refusal if it cannot be offloaded."""
    base, code = find_function(elf_path, symbol)
    return verify(symbol, translate(symbol, base, code), node_bytes)
