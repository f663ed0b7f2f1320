"""The core's registers read and written in place, without a library call.

Every exception is a trip from C into Python, and each call into Unicorn costs
about a microsecond (reference: the binding's per-call cost dominates).  The
registers an exception handler needs (x0-x30, PC, the NZCV flags, the fault
syndrome and address) live in QEMU's CPU state structure inside the Unicorn
instance, which `uc_reg_read`/`uc_reg_write` copy in and out field by field
and `uc_context_save` copies whole (12.6 KB).  This module finds that structure
once, by a self-test, and reads those fields through ctypes views on it.

The self-test (`locate`) does not trust any layout: it writes marker values
through the library, finds them in a saved context (whose bytes are a copy of
the structure), finds the live structure by following the pointers held in the
instance's handle, and keeps a candidate only if a later `uc_reg_write` shows
up in it.  Each flag's representation is checked the same way.  Unicorn is
pinned exactly; if anything does not match, the emulator refuses to start.
"""

from __future__ import annotations

import bisect
import ctypes
import dataclasses
import struct
from dataclasses import dataclass

from unicorn import Uc
from unicorn import arm64_const as A

from emulator import engine_facts
from emulator.errors import EmulatorFault

X_REGS: tuple[int, ...] = tuple([A.UC_ARM64_REG_X0 + i for i in range(29)]
                                + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30])
#: Unicorn register id -> index in x0..x30
X_INDEX: dict[int, int] = {reg: i for i, reg in enumerate(X_REGS)}
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_HANDLE_SCAN = 0x1000      # bytes of the handle structure searched for pointers
_TARGET_SCAN = 0x20000     # bytes searched after each pointer for the CPU state


@dataclass(frozen=True, eq=False, repr=False)
class StateLayout:
    """Byte offsets of the fields used, relative to the CPU state structure."""

    xregs: int
    pc: int
    nf: int
    zf: int
    cf: int
    vf: int
    tpidr_el0: int = -1
    vregs: int = -1         # Q0's low half
    vstride: int = 0        # bytes from one vector register to the next


class LiveState:
    """Views on one Unicorn instance's CPU state (valid for the instance's life)."""

    __slots__ = ("address", "x", "pc", "syndrome", "vaddress", "nf", "zf", "cf", "vf",
                 "xsp", "tpidr_el0", "vwords", "vstep", "xsp_words", "vlo_words", "vhi_words")

    def __init__(self, address: int, layout: StateLayout, syndrome_off: int,
                 vaddress_off: int) -> None:
        self.address = address
        #: x0..x30 in place: reading or assigning an element is the register itself.
        self.x = (ctypes.c_uint64 * 31).from_address(address + layout.xregs)
        self.pc = ctypes.c_uint64.from_address(address + layout.pc)
        #: The syndrome and faulting address QEMU records for the exception being delivered.
        self.syndrome = ctypes.c_uint32.from_address(address + syndrome_off)
        self.vaddress = ctypes.c_uint64.from_address(address + vaddress_off)
        self.nf = ctypes.c_uint32.from_address(address + layout.nf)
        self.zf = ctypes.c_uint32.from_address(address + layout.zf)
        self.cf = ctypes.c_uint32.from_address(address + layout.cf)
        self.vf = ctypes.c_uint32.from_address(address + layout.vf)
        #: x0..x30 and SP (QEMU keeps the current stack pointer as register 31).
        self.xsp = (ctypes.c_uint64 * 32).from_address(address + layout.xregs)
        self.tpidr_el0 = ctypes.c_uint64.from_address(address + layout.tpidr_el0)
        # The vector registers as 64-bit words: Q<i> is words [i*vstep, i*vstep+1].
        self.vstep = layout.vstride // 8
        self.vwords = (ctypes.c_uint64 * (32 * self.vstep)).from_address(address + layout.vregs)
        # The same as memoryviews of 64-bit words: strided copies to and from a saved
        # context run in C (ctypes' own extended slices go element by element).
        self.xsp_words = memoryview(self.xsp).cast("B").cast("Q")
        vw = memoryview(self.vwords).cast("B").cast("Q")
        self.vlo_words = vw[0::self.vstep]
        self.vhi_words = vw[1::self.vstep]

    def nzcv(self) -> int:
        """PSTATE.NZCV as bits 31-28 (QEMU keeps the four flags apart)."""
        return ((self.nf.value & 0x8000_0000) | ((self.zf.value == 0) << 30)
                | ((self.cf.value & 1) << 29) | ((self.vf.value & 0x8000_0000) >> 3))

    def set_nzcv(self, nzcv: int) -> None:
        """Write NZCV (bits 31-28) as QEMU's flag words hold it."""
        self.nf.value = nzcv & 0xFFFF_FFFF
        self.zf.value = (~nzcv) & 0x4000_0000
        self.cf.value = (nzcv >> 29) & 1
        self.vf.value = (nzcv << 3) & 0x8000_0000

    def syscall_args(self) -> list[int]:
        """x0..x8 and the PC (index 9), copied."""
        args = self.x[:9]
        args.append(self.pc.value)
        return args


def _writable_ranges() -> list[tuple[int, int]]:
    """Readable and writable mappings of this process, sorted (the state is heap data)."""
    out = []
    with open("/proc/self/maps", encoding="ascii") as f:
        for line in f:
            rng, perms = line.split(maxsplit=2)[:2]
            if perms.startswith("rw"):
                lo, hi = (int(x, 16) for x in rng.split("-"))
                out.append((lo, hi))
    out.sort()
    return out


def _read_mapped(address: int, length: int) -> bytes | None:
    """`length` bytes of this process's memory at `address`, or None unless the whole
    range lies in one readable and writable mapping (checked against /proc/self/maps
    first, so an address that leads nowhere is refused instead of faulting; reading
    /proc/self/mem instead is not allowed in every sandbox)."""
    if not 0 < address < 1 << 63 or length <= 0:
        return None
    try:
        ranges = _writable_ranges()
    except OSError:
        return None
    home = _range_of(ranges, [lo for lo, _ in ranges], address)
    if home is None or address + length > home[1]:
        return None
    return ctypes.string_at(address, length)


def _range_of(ranges: list[tuple[int, int]], starts: list[int], address: int
              ) -> tuple[int, int] | None:
    i = bisect.bisect_right(starts, address) - 1
    if i >= 0 and address < ranges[i][1]:
        return ranges[i]
    return None


#: Every (offset in the handle's structure, distance from that pointer to the state) that
#: led to the state of an earlier instance; tried first, and still checked, for the next
#: one.  All of them are kept: a pointer that only happens to lie before the state (another
#: heap object) leads there at a distance that changes with the heap's layout from run to
#: run, while the structure's own pointer to the CPU keeps its distance.
_known_paths: list[tuple[int, int]] = []
_known_layout: StateLayout | None = None
_MAX_PATHS = 16


def locate(uc: Uc, context_bytes: callable, syndrome_off: int, vaddress_off: int  # type: ignore[valid-type]
           ) -> LiveState:
    """Find and check the live CPU state of `uc`; registers x0-x30 and NZCV are left zero.

    `context_bytes()` returns a fresh saved context of `uc` (the structure's bytes).
    """
    global _known_paths, _known_layout
    if _known_layout is None:
        _recall_known()

    def fail(why: str) -> EmulatorFault:
        return EmulatorFault(f"cannot locate Unicorn's CPU state ({why})",
                             hint="install the pinned unicorn==2.1.4")

    marks = [0x5A5A_0000_0000_0000 | (i << 36) | 0x0ACE_1357 for i in range(31)]
    for reg, value in zip(X_REGS, marks, strict=True):
        uc.reg_write(reg, value)
    pc_mark = 0x0000_7AB0_CDE0_1234 & ~3
    uc.reg_write(A.UC_ARM64_REG_PC, pc_mark)
    blob = context_bytes()
    signature = struct.pack("<31Q", *marks)
    xregs = blob.find(signature)
    pc = blob.find(struct.pack("<Q", pc_mark))
    if xregs < 0 or blob.find(signature, xregs + 1) >= 0 or pc < 0:
        raise fail("register markers not found in a saved context")
    if _known_layout is not None and (_known_layout.xregs, _known_layout.pc) == (xregs, pc):
        layout = _known_layout          # every field is checked again below
    else:
        flags = _locate_flags(uc, context_bytes)
        if flags is None:
            raise fail("the NZCV flags were not found in a saved context")
        others = _locate_user_fields(uc, context_bytes)
        if others is None:
            raise fail("TPIDR_EL0 or the vector registers were not found in a saved context")
        layout = _known_layout = StateLayout(xregs=xregs, pc=pc, **flags, **others)

    # The structure itself: behind one of the pointers in the handle's structure.
    handle = uc._uch.value
    # The same library (in this process, or remembered from an earlier run): a path that
    # led to the state before leads there again; each is checked below as a scanned
    # candidate is, and the memory it points at is read only where this process has it
    # mapped.  When none leads to the one live structure, the handle's pointers are scanned.
    probe = 0x0123_4567_89AB_CDEF
    candidates: dict[int, list[tuple[int, int]]] = {}     # state address -> paths to it
    for off, dist in _known_paths:
        if 0 <= off < _HANDLE_SCAN // 8:
            ptr = ctypes.c_uint64.from_address(handle + 8 * off).value
            if ptr and _read_mapped(ptr + dist + xregs, len(signature)) == signature:
                candidates.setdefault(ptr + dist, []).append((off, dist))
    live = _following(candidates, xregs, uc, probe, marks[5])
    if len(live) != 1:
        candidates = _scan(handle, signature, xregs)
        live = _following(candidates, xregs, uc, probe, marks[5])
    if len(live) != 1:
        raise fail(f"{len(live)} candidate structures follow register writes")
    _known_paths = candidates[live[0]][:_MAX_PATHS]
    state = LiveState(live[0], layout, syndrome_off, vaddress_off)
    # Both directions, on every register used: a write through the view is what the
    # library reads back, and the PC and flags read through the view are the library's.
    for i, reg in enumerate(X_REGS):
        state.x[i] = probe ^ (i << 8)
        if uc.reg_read(reg) != probe ^ (i << 8):
            raise fail(f"x{i} written in place is not what Unicorn reads")
    uc.reg_write(A.UC_ARM64_REG_PC, pc_mark + 8)
    if state.pc.value != pc_mark + 8:
        raise fail("the PC read in place is not Unicorn's")
    for nzcv in range(16):
        uc.reg_write(A.UC_ARM64_REG_NZCV, nzcv << 28)
        if state.nzcv() != nzcv << 28:
            raise fail("NZCV read in place is not Unicorn's")
        state.set_nzcv(((nzcv + 5) & 0xF) << 28)
        if uc.reg_read(A.UC_ARM64_REG_NZCV) != ((nzcv + 5) & 0xF) << 28:
            raise fail("NZCV written in place is not what Unicorn reads")
    state.xsp[31] = probe
    state.tpidr_el0.value = probe + 1
    if (uc.reg_read(A.UC_ARM64_REG_SP), uc.reg_read(A.UC_ARM64_REG_TPIDR_EL0)) != (probe, probe + 1):
        raise fail("SP or TPIDR_EL0 written in place is not what Unicorn reads")
    step = state.vstep
    for i in range(32):
        state.vwords[i * step] = probe + i
        state.vwords[i * step + 1] = probe ^ i
        if uc.reg_read(A.UC_ARM64_REG_Q0 + i) != ((probe ^ i) << 64) | (probe + i):
            raise fail(f"Q{i} written in place is not what Unicorn reads")
        uc.reg_write(A.UC_ARM64_REG_Q0 + i, 0)
    for reg in X_REGS:
        uc.reg_write(reg, 0)
    for reg in (A.UC_ARM64_REG_NZCV, A.UC_ARM64_REG_PC, A.UC_ARM64_REG_SP,
                A.UC_ARM64_REG_TPIDR_EL0):
        uc.reg_write(reg, 0)
    # Checked: kept for later runs with this library (still checked there, as here).
    engine_facts.remember("livestate", {"paths": [list(p) for p in _known_paths],
                                        "layout": dataclasses.asdict(layout)})
    return state


def _following(candidates: dict[int, list[tuple[int, int]]], xregs: int, uc: Uc,
               probe: int, mark: int) -> list[int]:
    """The candidates that follow a register write (only the live structure does; saved
    copies keep the old value); x5 is given back its `mark` so the signature stands."""
    uc.reg_write(X_REGS[5], probe)
    live = [c for c in candidates
            if ctypes.c_uint64.from_address(c + xregs + 8 * 5).value == probe]
    uc.reg_write(X_REGS[5], mark)
    return live


def _recall_known() -> None:
    """The path and layout an earlier run found with this library: tried first, and
    every field still checked on the live engine (a wrong one fails those checks)."""
    global _known_paths, _known_layout
    kept = engine_facts.recall("livestate")
    try:
        _known_paths = [(int(off), int(dist)) for off, dist in kept["paths"]]
        _known_layout = StateLayout(**{k: int(v) for k, v in kept["layout"].items()})
    except (TypeError, KeyError, IndexError, ValueError):
        _known_paths, _known_layout = [], None


def _scan(handle: int, signature: bytes, xregs: int) -> dict[int, list[tuple[int, int]]]:
    """Addresses where the register signature sits, behind the handle's pointers, each with
    every path to it (nearest pointer first)."""
    ranges = _writable_ranges()
    starts = [lo for lo, _ in ranges]
    home = _range_of(ranges, starts, handle)
    if home is None:
        return {}
    raw = ctypes.string_at(handle, min(_HANDLE_SCAN, home[1] - handle))
    candidates: dict[int, list[tuple[int, int]]] = {}
    for off, (ptr,) in enumerate(struct.iter_unpack("<Q", raw[:len(raw) // 8 * 8])):
        where = _range_of(ranges, starts, ptr)
        if where is None:
            continue
        window = ctypes.string_at(ptr, min(_TARGET_SCAN, where[1] - ptr))
        at = window.find(signature)
        while at >= 0:
            candidates.setdefault(ptr + at - xregs, []).append((off, at - xregs))
            at = window.find(signature, at + 1)
    for paths in candidates.values():
        paths.sort(key=lambda path: path[1])
    return candidates


def _locate_user_fields(uc: Uc, context_bytes: callable) -> dict[str, int] | None:  # type: ignore[valid-type]
    """Offsets of TPIDR_EL0 and of the vector registers (Q0, and the distance to Q1)."""
    tpidr_mark = 0x7E1D_0000_1234_5678
    uc.reg_write(A.UC_ARM64_REG_TPIDR_EL0, tpidr_mark)
    qmarks = [(0x51AB_0000_0000_0000 | (i << 40) | 0xC0FFEE, 0x52CD_0000_0000_0000 | (i << 40) | 0xBEEF)
              for i in range(32)]
    for i, (lo, hi) in enumerate(qmarks):
        uc.reg_write(A.UC_ARM64_REG_Q0 + i, (hi << 64) | lo)
    blob = context_bytes()
    tpidr = blob.find(struct.pack("<Q", tpidr_mark))
    at = [blob.find(struct.pack("<QQ", lo, hi)) for lo, hi in qmarks]
    uc.reg_write(A.UC_ARM64_REG_TPIDR_EL0, 0)
    if tpidr < 0 or min(at) < 0 or at[1] <= at[0]:
        return None
    stride = at[1] - at[0]
    if any(a != at[0] + i * stride for i, a in enumerate(at)) or stride % 8:
        return None
    return {"tpidr_el0": tpidr, "vregs": at[0], "vstride": stride}


def _changed_words(a: bytes, b: bytes) -> list[int]:
    """Indexes of the 32-bit words that differ between two equally long blobs (the XOR
    of the two as one integer: a few words differ, and the scan runs in C)."""
    x = int.from_bytes(a, "little") ^ int.from_bytes(b, "little")
    out = []
    while x:
        w = ((x & -x).bit_length() - 1) // 32
        out.append(w)
        x >>= 32 * (w + 1)
        x <<= 32 * (w + 1)
    return out


def _locate_flags(uc: Uc, context_bytes: callable) -> dict[str, int] | None:  # type: ignore[valid-type]
    """Offsets of QEMU's N, Z, C and V flag words.

    QEMU keeps N and V in bit 31 of their words, C as 0/1 and Z inverted (the word
    is zero when Z is set); each flag alone must change exactly one word that way.
    """
    def words(blob: bytes) -> memoryview:
        return memoryview(blob)[:len(blob) // 4 * 4].cast("I")

    uc.reg_write(A.UC_ARM64_REG_NZCV, 0)
    base = words(context_bytes())
    tests = {
        "nf": (31, lambda old, new: not old >> 31 and new >> 31),
        "zf": (30, lambda old, new: old != 0 and new == 0),
        "cf": (29, lambda old, new: old == 0 and new == 1),
        "vf": (28, lambda old, new: not old >> 31 and new >> 31),
    }
    base_bytes = base.tobytes()
    found: dict[str, int] = {}
    for name, (bit, changed_like) in tests.items():
        uc.reg_write(A.UC_ARM64_REG_NZCV, 1 << bit)
        now_bytes = context_bytes()[:len(base_bytes)]
        now = words(now_bytes)
        hits = [4 * i for i in _changed_words(base_bytes, now_bytes)
                if changed_like(base[i], now[i])]
        if len(hits) != 1:
            return None
        found[name] = hits[0]
    uc.reg_write(A.UC_ARM64_REG_NZCV, 0)
    return found
