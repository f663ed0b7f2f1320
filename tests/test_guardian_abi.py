"""The Guardian's call interface as a state machine, checked against abi.SPECS.

In the manner of pKVM's ownership self-test and TF-RMM's per-command
conditions: a fixed scene puts frames into every state the frame table knows
(FREE, KERNEL, USER, table pages of every level with and without a parent,
the live TTBR0 root, GUARDIAN memory, addresses outside RAM, unaligned
addresses), and every call is made against every relevant state.  The
confidential-process calls that need a saved context (a slot) are made
against the scene's "no such slot" state here; their frame arguments
(CREATE_DOMAIN, COPY_PAGE, FORK_DOMAIN) go through the whole matrix, and the
secure memory-management calls (swap, migration, KSM, THP, compression) meet
good and bad addresses and roots of every kind in a scene without a
confidential address space.  The
expected status is derived from the ordered preconditions in SPECS (the first
that fails decides); each precondition has an executable rule below, so a new
precondition in SPECS fails `test_every_precondition_has_a_rule` until it gets
one.  A refused call must leave the frame table byte-identical and RAM (table
pages, the linear map) unchanged; an accepted one must have exactly the
effects a reference model predicts.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from abi import SPECS, Call, FrameKind, Status
from abi.contract import ARG_RANGE_RULE
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import CorePoweredOff
from emulator.machine import Machine
from emulator.machine_config import load_machine
from emulator.mmu import Access, Regime, TranslationFault, Walker
from guardian.monitor import Guardian
from workloads import find as find_workload

PAGE = 4096
MIB = 1 << 20
BADDR_MASK = 0x0000_FFFF_FFFF_FFFE          # TTBRn_EL1.BADDR: bits 47:1 (bit 0 is CnP)
_TABLE = struct.Struct("<512Q")
USER_RW = D.PagePerms(user=True, write=True)

# --- the scene ------------------------------------------------------------------------
# Offsets from the RAM base of the frames the scene puts into each state.
ROOT, L1, L2, L3 = 0x10000, 0x11000, 0x12000, 0x13000     # ROOT[1] -> L1[0] -> L2[0] -> L3
ROOT_EMPTY, ROOT_LIVE = 0x14000, 0x15000
O1, O2, O3, JUNK3 = 0x16000, 0x17000, 0x18000, 0x19000     # orphan tables, levels 1, 2, 3, 3
FREE, KERNEL, USER = 0x40000, 0x41000, 0x42000             # USER is mapped by L3[0]
FREE_2M = 4 * MIB                                          # a 2 MiB run of FREE frames
UART = 0x0900_0000                                         # MMIO (outside RAM)
SLOT = 5                                                   # an empty index in every scene table
ROI_LOW = 1 * MIB                                          # RAM compared byte for byte


@dataclass(frozen=True)
class Want:
    """The expected frame-table record of one frame (owner is not part of the contract)."""

    kind: FrameKind
    user_maps: int = 0
    level: int = 0
    parent: int = 0
    owner: int = 0          # the protection domain, for CONFIDENTIAL frames only


@dataclass
class Scene:
    hw: Machine
    g: Guardian
    model: dict[int, Want] = field(default_factory=dict)
    live_root: int = 0
    domains: dict[int, int] = field(default_factory=dict)     # root -> domain id
    next_domain: int = 1

    @property
    def base(self) -> int:
        return self.hw.ram.base

    @property
    def end(self) -> int:
        return self.hw.ram.end

    def in_ram(self, pa: int) -> bool:
        return self.base <= pa < self.end

    def want(self, pa: int) -> Want:
        pa &= ~(PAGE - 1)
        w = self.model.get(pa)
        if w is not None:
            return w
        if pa >= self.g.reserved_base:
            return Want(FrameKind.GUARDIAN)
        return Want(FrameKind.FREE)

    def domain_of(self, table: int) -> int:
        """The protection domain whose tree holds a table (0: none)."""
        for _ in range(4):
            parent = self.want(table).parent
            if not parent:
                break
            table = parent & ~(PAGE - 1)
        return self.domains.get(table, 0)

    def entries(self, table: int) -> tuple[int, ...]:
        return _TABLE.unpack(self.hw.ram.read(table, PAGE))


def state_addresses(s: Scene) -> dict[str, int]:
    """Every frame state of the scene, by name."""
    b = s.base
    return {
        "FREE": b + FREE,
        "KERNEL": b + KERNEL,
        "USER": b + USER,
        "FREE_2M": b + FREE_2M,
        "PT_L0": b + ROOT,
        "PT_L0_EMPTY": b + ROOT_EMPTY,
        "PT_L0_LIVE": b + ROOT_LIVE,
        "PT_L1_PARENT": b + L1,
        "PT_L2_PARENT": b + L2,
        "PT_L3_PARENT": b + L3,
        "PT_L1_ORPHAN": b + O1,
        "PT_L2_ORPHAN": b + O2,
        "PT_L3_ORPHAN": b + O3,
        "PT_L3_JUNK": b + JUNK3,
        "GUARDIAN_TTBR1": s.g.kernel_ttbr1,
        "GUARDIAN_LAST": s.end - PAGE,
        "OUT_ABOVE": s.end,
        "OUT_BELOW": b - PAGE,
        "MMIO": UART,
        "UNALIGNED_FREE": b + FREE + 8,
        "UNALIGNED_PT": b + O3 + 0x800,
        "UNALIGNED_ROOT": b + ROOT_EMPTY + 8,
    }


STATES = (
    "FREE", "KERNEL", "USER", "FREE_2M", "PT_L0", "PT_L0_EMPTY", "PT_L0_LIVE",
    "PT_L1_PARENT", "PT_L2_PARENT", "PT_L3_PARENT", "PT_L1_ORPHAN", "PT_L2_ORPHAN",
    "PT_L3_ORPHAN", "PT_L3_JUNK", "GUARDIAN_TTBR1", "GUARDIAN_LAST", "OUT_ABOVE", "OUT_BELOW",
    "MMIO", "UNALIGNED_FREE", "UNALIGNED_PT", "UNALIGNED_ROOT",
)
DESC_TARGETS = tuple(n for n in STATES if not n.startswith("UNALIGNED"))
DEST_TABLES = ((0, "PT_L0"), (1, "PT_L1_PARENT"), (2, "PT_L2_PARENT"), (3, "PT_L3_PARENT"))


def new_guardian() -> tuple[Machine, Guardian]:
    hw = Machine(load_machine("small"))
    g = Guardian(hw)
    hw.install_monitor(g)
    return hw, g


def build_scene() -> Scene:
    """A fresh machine and Guardian with one frame in each state (built through calls)."""
    hw, g = new_guardian()
    s = Scene(hw, g)
    b = s.base
    for off, level in ((ROOT, 0), (L1, 1), (L2, 2), (L3, 3), (ROOT_EMPTY, 0), (ROOT_LIVE, 0),
                       (O1, 1), (O2, 2), (O3, 3), (JUNK3, 3)):
        step(s, Call.REGISTER_PT, (b + off, level), Status.OK, quick=True)
    for table, index, desc in ((ROOT, 1, D.table_descriptor(b + L1)),
                               (L1, 0, D.table_descriptor(b + L2)),
                               (L2, 0, D.table_descriptor(b + L3)),
                               (L3, 0, D.leaf_descriptor(b + USER, USER_RW)),
                               (JUNK3, 7, D.TABLE)):                # non-zero, not valid
        step(s, Call.SET_PT, (b + table, index, desc), Status.OK, quick=True)
    step(s, Call.SET_PTBR, (b + ROOT_LIVE,), Status.OK, quick=True)
    g.frames.set_kind(b + KERNEL, FrameKind.KERNEL)              # no call makes KERNEL frames
    s.model[b + KERNEL] = Want(FrameKind.KERNEL)
    return s


# --- the oracle: one executable rule per SPECS precondition -----------------------------
Rule = Callable[[Scene, tuple[int, ...]], "bool | Status"]
"""True when the precondition holds; False (the SPECS status decides) or a refined Status."""

NO_SLOT = ("the scene holds no saved context (no confidential thread has entered the "
           "Guardian), so the slot rule decides first")


def _aligned(s: Scene, a: tuple[int, ...]) -> bool:
    return a[0] % PAGE == 0


def _is_table(s: Scene, pa: int) -> bool:
    return s.in_ram(pa) and s.want(pa).kind == FrameKind.PAGE_TABLE


def _is_root(s: Scene, pa: int) -> bool:
    w = s.want(pa)
    return pa % PAGE == 0 and _is_table(s, pa) and w.level == 0 and not w.parent


def _leaf_region(level: int, desc: int) -> range | None:
    """The frames a valid leaf names, or None for a reserved encoding."""
    if level == 0 or (level == 3 and not desc & D.TABLE):
        return None
    out = D.output_address(desc, level)
    return range(out, out + (1 << D.LEVEL_SHIFT[level]), PAGE)


def _table_rule(s: Scene, a: tuple[int, ...]) -> bool | Status:
    table, index, desc = a
    level = s.want(table).level
    if not (desc & D.VALID and level < 3 and desc & D.TABLE):
        return True
    child = desc & D.ADDR_MASK
    # SPECS gives one status for the whole rule; the Guardian refines it for a
    # child outside RAM (ERR_RANGE) and for a child that is not a table one
    # level down (ERR_KIND); ERR_STATE is left for a child that has a parent.
    if not s.in_ram(child):
        return Status.ERR_RANGE
    w = s.want(child)
    if w.kind != FrameKind.PAGE_TABLE or w.level != level + 1:
        return Status.ERR_KIND
    return w.parent in (0, table + 8 * index)


def _leaf_rule(s: Scene, a: tuple[int, ...]) -> bool:
    table, _, desc = a
    level = s.want(table).level
    if not desc & D.VALID or (level < 3 and desc & D.TABLE):
        return True
    region = _leaf_region(level, desc)
    if region is None:
        return False
    if region.start < s.base or region.stop > s.end:
        return False
    domain = s.domain_of(table)
    for pa in region:
        w = s.want(pa)
        if w.kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
            return False
        if w.kind == FrameKind.CONFIDENTIAL and w.owner != domain:
            return False
    return True


def _release_state_rule(s: Scene, a: tuple[int, ...]) -> bool:
    # The live TTBR0 root is "in use" as much as a table with a parent: the
    # Guardian refuses to release it (SPECS does not spell that case out).
    pa = a[0]
    return (not s.want(pa).parent and pa != s.live_root
            and not any(e & D.VALID for e in s.entries(pa)))


def _ram_page(s: Scene, pa: int) -> bool:
    return pa % PAGE == 0 and s.in_ram(pa)


def _no_slot(s: Scene, a: tuple[int, ...]) -> bool:
    return False


def _narrow_ok(call: Call, a: tuple[int, ...]) -> bool:
    """Each argument SPECS reads as a narrower C type, sign-extended, is in its range."""
    spec = SPECS[call]
    for name, lo, hi in spec.narrow_args:
        v = a[spec.args.index(name)] & (1 << 64) - 1
        if not lo <= (v - (1 << 64) if v >> 63 else v) <= hi:
            return False
    return True


def _spec_rule(call: Call, prefix: str) -> str:
    (rule,) = [r for r, _ in SPECS[call].preconditions if r.startswith(prefix)]
    return rule


RULES: dict[tuple[Call, str], Rule] = {
    (Call.REGISTER_PT, "frame_pa is 4 KiB aligned"): _aligned,
    (Call.REGISTER_PT, "frame_pa is in RAM and level is 0..3"):
        lambda s, a: s.in_ram(a[0]) and 0 <= a[1] <= 3,
    (Call.REGISTER_PT, "frame is FREE or KERNEL"):
        lambda s, a: s.want(a[0]).kind in (FrameKind.FREE, FrameKind.KERNEL),
    (Call.REGISTER_PT, "frame is not mapped by any user table"):
        lambda s, a: s.want(a[0]).user_maps == 0,
    (Call.SET_PT, "table_pa is 4 KiB aligned"): _aligned,
    (Call.SET_PT, "table_pa is in RAM and index < 512"):
        lambda s, a: s.in_ram(a[0]) and 0 <= a[1] < 512,
    (Call.SET_PT, "table_pa is a PAGE_TABLE frame"): lambda s, a: _is_table(s, a[0]),
    (Call.SET_PT, "a table descriptor names a PAGE_TABLE frame one level down with no parent"):
        _table_rule,
    # The scene has no confidential tree, so the clause about a confidential page's last
    # mapping never applies here (tests/test_attacks.py RS-004 exercises it).
    (Call.SET_PT, _spec_rule(Call.SET_PT, "a leaf names RAM")): _leaf_rule,
    (Call.CLEAR_PT_RANGE, "table_pa is 4 KiB aligned"): _aligned,
    (Call.CLEAR_PT_RANGE, "table_pa is in RAM, count > 0 and index + count <= 512"):
        lambda s, a: s.in_ram(a[0]) and a[2] > 0 and a[1] + a[2] <= 512,
    (Call.CLEAR_PT_RANGE, "table_pa is a PAGE_TABLE frame"): lambda s, a: _is_table(s, a[0]),
    # No confidential tree in the scene: every entry may be cleared (the discard rule is
    # exercised by the attack scenarios on a confidential program, e.g. UM-006).
    (Call.CLEAR_PT_RANGE, _spec_rule(Call.CLEAR_PT_RANGE, "every entry")): lambda s, a: True,
    (Call.EXIT_DOMAIN, "root_pa is a confidential address space's root"):
        lambda s, a: a[0] in s.domains,
    (Call.SET_PTBR, "the base is 4 KiB aligned"): lambda s, a: (a[0] & BADDR_MASK) % PAGE == 0,
    (Call.SET_PTBR, "the base is a level-0 PAGE_TABLE frame with no parent"):
        lambda s, a: _is_root(s, a[0] & D.ADDR_MASK),
    (Call.FREE_PGD, "root_pa is 4 KiB aligned"): _aligned,
    (Call.FREE_PGD, "root_pa is a level-0 PAGE_TABLE frame with no parent"):
        lambda s, a: _is_root(s, a[0]),
    (Call.FREE_PGD, "root_pa is not the live TTBR0"): lambda s, a: a[0] != s.live_root,
    (Call.RELEASE_PT, "frame_pa is 4 KiB aligned"): _aligned,
    (Call.RELEASE_PT, "frame_pa is a PAGE_TABLE frame"): lambda s, a: _is_table(s, a[0]),
    (Call.RELEASE_PT, "the table has no parent and no valid entries"): _release_state_rule,
    (Call.CREATE_DOMAIN, "root_pa is a level-0 table with no parent"):
        lambda s, a: _is_root(s, a[0]),
    (Call.CREATE_DOMAIN, "the tree is not already confidential"):
        lambda s, a: a[0] not in s.domains,
    # The scene admits no image: no payload names one.
    (Call.CREATE_DOMAIN, _spec_rule(Call.CREATE_DOMAIN, "the payload is")): lambda s, a: False,
    # The scene's cases are launches (exec_slot 0): the user's command line is trusted.
    (Call.CREATE_DOMAIN, _spec_rule(Call.CREATE_DOMAIN, "exec_slot is")):
        lambda s, a: len(a) < 4 or a[3] == 0,
    (Call.COPY_PAGE, "both are RAM pages"): lambda s, a: _ram_page(s, a[0]) and _ram_page(s, a[1]),
    (Call.COPY_PAGE, "dst is a FREE/KERNEL frame with no user mappings"):
        lambda s, a: (s.want(a[0]).kind in (FrameKind.FREE, FrameKind.KERNEL)
                      and not s.want(a[0]).user_maps),
    (Call.COPY_PAGE, "src is not GUARDIAN or PAGE_TABLE memory"):
        lambda s, a: s.want(a[1]).kind not in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE),
    (Call.RECLAIM_PAGE, "frame_pa is 4 KiB aligned"): _aligned,
    (Call.RECLAIM_PAGE, "frame_pa is in RAM"): lambda s, a: s.in_ram(a[0]),
    # The scene has no confidential address space, so no share page is ever held.
    (Call.RECLAIM_PAGE, _spec_rule(Call.RECLAIM_PAGE, "the frame is a page of a MAP_SHARED")):
        lambda s, a: False,
    (Call.FORK_DOMAIN, "the parent slot is a clone/clone3 in progress"): _no_slot,
    (Call.FORK_DOMAIN, _spec_rule(Call.FORK_DOMAIN, "child_root_pa is 0")): _no_slot,
    (Call.RESUME, _spec_rule(Call.RESUME, "the slot is")): _no_slot,
    (Call.RESUME, _spec_rule(Call.RESUME, "elr is")): _no_slot,
    (Call.SIGNAL, _spec_rule(Call.SIGNAL, "the slot is")): _no_slot,
    (Call.SIGNAL, _spec_rule(Call.SIGNAL, "the user registered")): _no_slot,
    (Call.SIGNAL, _spec_rule(Call.SIGNAL, "the frame's pages")): _no_slot,
    (Call.SIGNAL, ARG_RANGE_RULE): lambda s, a: _narrow_ok(Call.SIGNAL, a),
    # The contract defines no encoding of `register`: no number names one of the
    # six registers (writes arrive through the HCR_EL2.TVM trap instead).
    (Call.SET_SYSREG, "register is TTBR0/TTBR1/TCR/SCTLR/VBAR/MAIR of EL1"): lambda s, a: False,
    (Call.SET_SYSREG, "the value keeps the Guardian's guarantees (same TTBR1 root, MMU on, "
                      "WXN unchanged, VBAR a registered table)"): lambda s, a: True,
}
for _c in (Call.USER_READ, Call.USER_WRITE, Call.USER_STRING):
    for _r, _ in SPECS[_c].preconditions:
        RULES[(_c, _r)] = _no_slot

# Secure memory management for confidential address spaces.  The scene has no
# confidential tree, so the "confidential root" rule decides once the address
# checks before it hold; the rules behind it need a domain (NEEDS_DOMAIN).
USER_TOP = 1 << 48
CONF_ROOT = "root_pa is the root of a confidential address space"
NEEDS_DOMAIN = ("the scene holds no confidential address space, so the confidential-root "
                "rule decides first")


def _user(va: int) -> bool:
    return 0 <= va < USER_TOP


def _conf_root(*positions: int) -> Rule:
    return lambda s, a: all(a[i] % PAGE == 0 and a[i] in s.domains for i in positions)


SECURE_RULES: dict[str, tuple[tuple[str, Rule], ...]] = {   # by call name
    "SWAP_OUT": (
        ("va is 4 KiB aligned", lambda s, a: a[1] % PAGE == 0),
        ("va is a user address and swap_descriptor is non-zero with bit 0 clear",
         lambda s, a: _user(a[1]) and a[2] != 0 and not a[2] & 1),
        (CONF_ROOT, _conf_root(0))),
    "SWAP_IN": (
        ("va and frame_pa are 4 KiB aligned", lambda s, a: a[1] % PAGE == 0 == a[2] % PAGE),
        ("va is a user address and frame_pa is RAM",
         lambda s, a: _user(a[1]) and s.in_ram(a[2])),
        (CONF_ROOT, _conf_root(0))),
    "SWAP_SHARE": (
        ("va is 4 KiB aligned", lambda s, a: a[2] % PAGE == 0),
        ("both roots are roots of confidential address spaces", _conf_root(0, 1))),
    "SWAP_DISCARD": (
        ("va is 4 KiB aligned", lambda s, a: a[1] % PAGE == 0),
        (CONF_ROOT, _conf_root(0))),
    "MIGRATE_PAGE": (
        ("va and new_frame_pa are 4 KiB aligned", lambda s, a: a[1] % PAGE == 0 == a[2] % PAGE),
        ("va is a user address and new_frame_pa is RAM",
         lambda s, a: _user(a[1]) and s.in_ram(a[2])),
        (CONF_ROOT, _conf_root(0))),
    "PAGE_DIGEST": (
        ("va is 4 KiB aligned", lambda s, a: a[1] % PAGE == 0),
        (CONF_ROOT, _conf_root(0))),
    "KSM_MERGE": (
        ("va_a and va_b are 4 KiB aligned", lambda s, a: a[1] % PAGE == 0 == a[3] % PAGE),
        ("both roots are roots of confidential address spaces", _conf_root(0, 2))),
    "THP_COLLAPSE": (
        ("va is 2 MiB aligned", lambda s, a: a[1] % (2 * MIB) == 0),
        ("va is a user address", lambda s, a: _user(a[1])),
        (CONF_ROOT, _conf_root(0))),
    "THP_SPLIT": (
        ("va is 2 MiB aligned and table_pa 4 KiB aligned",
         lambda s, a: a[1] % (2 * MIB) == 0 == a[2] % PAGE),
        ("va is a user address and table_pa is RAM",
         lambda s, a: _user(a[1]) and s.in_ram(a[2])),
        (CONF_ROOT, _conf_root(0))),
    "COMPRESS_PAGE": (
        ("never satisfied: the kernel may not see a confidential page's plaintext and "
         "ciphertext does not compress", lambda s, a: False),),
}
SECURE_BEHIND_DOMAIN: set[tuple[Call, str]] = set()
for _name, _rules in SECURE_RULES.items():
    _c = Call.__members__.get(_name)
    if _c is None or _c not in SPECS:
        continue
    for _r, _f in _rules:
        RULES[(_c, _r)] = _f
    _known = {r for r, _ in _rules}
    for _r, _ in SPECS[_c].preconditions:
        if _r not in _known and any(r == CONF_ROOT or r.startswith("both roots")
                                    for r in _known):
            RULES[(_c, _r)] = lambda s, a: False      # never reached: NEEDS_DOMAIN
            SECURE_BEHIND_DOMAIN.add((_c, _r))

# Preconditions that no state of the scene can make decisive.
UNREACHABLE = {
    # Mapping a FREE or KERNEL frame makes it USER, so a FREE/KERNEL frame with
    # user mappings never exists: "frame is FREE or KERNEL" decides first.
    (Call.REGISTER_PT, "frame is not mapped by any user table"),
    # Every register number already fails the first rule.
    (Call.SET_SYSREG, "the value keeps the Guardian's guarantees (same TTBR1 root, MMU on, "
                      "WXN unchanged, VBAR a registered table)"),
    # No domain exists in the scene, so no tree is already confidential.
    (Call.CREATE_DOMAIN, "the tree is not already confidential"),
    # No image is admitted in the scene (the payload rule decides first); an exec's argv
    # is tested in tests/test_guardian_exec_args.py.
    (Call.CREATE_DOMAIN, _spec_rule(Call.CREATE_DOMAIN, "exec_slot is")),
    # No domain exists in the scene: nothing a range clears is confidential.
    (Call.CLEAR_PT_RANGE, _spec_rule(Call.CLEAR_PT_RANGE, "every entry")),
} | {(c, r) for c in (Call.FORK_DOMAIN, Call.RESUME, Call.SIGNAL, Call.USER_READ,
                      Call.USER_WRITE, Call.USER_STRING)
     for r, _ in SPECS[c].preconditions[1:] if r != ARG_RANGE_RULE
     and not (c == Call.SIGNAL and r.startswith("the slot is"))}  # behind the slot rule
UNREACHABLE |= SECURE_BEHIND_DOMAIN


class MissingRule(AssertionError):
    """SPECS lists a precondition this file has no executable rule for."""


def decisive(s: Scene, call: Call, args: tuple[int, ...]) -> tuple[str | None, Status]:
    """The first failing precondition of SPECS[call] and its status (None, OK: all hold)."""
    for rule, status in SPECS[call].preconditions:
        if (call, rule) not in RULES:
            raise MissingRule(f"{call.name}: no rule for the precondition {rule!r}")
        verdict = RULES[(call, rule)](s, args)
        if verdict is True:
            continue
        return rule, (status if verdict is False else verdict)
    return None, Status.OK


# --- the reference model of the effects -------------------------------------------------
def _drop(s: Scene, ch: dict[int, Want], level: int, desc: int, entry_pa: int) -> None:
    if not desc & D.VALID:
        return
    if level < 3 and desc & D.TABLE:
        child = desc & D.ADDR_MASK
        w = ch.get(child, s.want(child))
        if w.parent == entry_pa:
            ch[child] = replace(w, parent=0)
        return
    for pa in _leaf_region(level, desc) or ():
        if not s.in_ram(pa):
            continue
        w = ch.get(pa, s.want(pa))
        if w.user_maps:
            w = replace(w, user_maps=w.user_maps - 1)
            if not w.user_maps and w.kind in (FrameKind.USER, FrameKind.CONFIDENTIAL):
                w = Want(FrameKind.FREE)           # a confidential frame is scrubbed too
            ch[pa] = w


def _take(s: Scene, ch: dict[int, Want], level: int, desc: int, entry_pa: int,
          domain: int = 0) -> None:
    if not desc & D.VALID:
        return
    if level < 3 and desc & D.TABLE:
        child = desc & D.ADDR_MASK
        ch[child] = replace(ch.get(child, s.want(child)), parent=entry_pa)
        return
    for pa in _leaf_region(level, desc) or ():
        if not s.in_ram(pa):
            continue
        w = ch.get(pa, s.want(pa))
        kind = FrameKind.USER if w.kind in (FrameKind.FREE, FrameKind.KERNEL) else w.kind
        w = replace(w, kind=kind, user_maps=w.user_maps + 1)
        if domain and w.kind != FrameKind.CONFIDENTIAL:
            w = replace(w, kind=FrameKind.CONFIDENTIAL, owner=domain)   # joins the domain
        ch[pa] = w


def _tree(s: Scene, table: int, level: int, ch: dict[int, Want], freed: list[int]) -> None:
    for i, desc in enumerate(s.entries(table)):
        if not desc & D.VALID:
            continue
        if level < 3 and desc & D.TABLE:
            _tree(s, desc & D.ADDR_MASK, level + 1, ch, freed)
        else:
            _drop(s, ch, level, desc, table + 8 * i)
    ch[table] = Want(FrameKind.FREE)
    freed.append(table)


def _tree_leaves(s: Scene, table: int, level: int) -> list[int]:
    """Every RAM frame a leaf of the tree names."""
    out = []
    for desc in s.entries(table):
        if not desc & D.VALID:
            continue
        if level < 3 and desc & D.TABLE:
            out += _tree_leaves(s, desc & D.ADDR_MASK, level + 1)
        else:
            out += [pa for pa in _leaf_region(level, desc) or () if s.in_ram(pa)]
    return out


@dataclass
class Effects:
    records: dict[int, Want]                   # frames whose records change
    zeroed: list[int] = field(default_factory=list)
    entry: tuple[int, int] | None = None       # (entry pa, value) written
    readonly: list[int] = field(default_factory=list)
    writable: list[int] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)
    copy: tuple[int, bytes] | None = None      # (dst, bytes it must hold)
    cleared: list[int] = field(default_factory=list)   # entry PAs that read 0 after


def effects(s: Scene, call: Call, args: tuple[int, ...]) -> Effects:
    """What an accepted call does, computed from the model and the RAM before it."""
    ch: dict[int, Want] = {}
    if call == Call.REGISTER_PT:
        pa, level = args
        return Effects({pa: Want(FrameKind.PAGE_TABLE, level=level)}, zeroed=[pa], readonly=[pa])
    if call == Call.SET_PT:
        table, index, desc = args
        level = s.want(table).level
        entry_pa = table + 8 * index
        old = s.hw.ram.read_u64(entry_pa)
        if old != desc:
            # The net effect: new references taken, old ones dropped (a rewrite of
            # the same link or frame keeps its reference throughout).
            _take(s, ch, level, desc, entry_pa, s.domain_of(table))
            if not (level < 3 and old & desc & D.VALID and old & desc & D.TABLE
                    and old & D.ADDR_MASK == desc & D.ADDR_MASK):
                _drop(s, ch, level, old, entry_pa)
        gone = [pa for pa, w in ch.items() if w.kind == FrameKind.FREE
                and s.want(pa).kind == FrameKind.CONFIDENTIAL]
        joined = [pa for pa, w in ch.items() if w.kind == FrameKind.CONFIDENTIAL
                  and s.want(pa).kind != FrameKind.CONFIDENTIAL]
        return Effects(ch, entry=(entry_pa, desc), zeroed=gone, writable=gone, unmapped=joined)
    if call == Call.CLEAR_PT_RANGE:
        table, index, count = args
        level = s.want(table).level
        cleared = [table + 8 * i for i in range(index, index + count)]
        for entry_pa in cleared:        # each as SET_PT(table, i, 0), in order
            _drop(s, ch, level, s.hw.ram.read_u64(entry_pa), entry_pa)
        gone = [pa for pa, w in ch.items() if w.kind == FrameKind.FREE
                and s.want(pa).kind == FrameKind.CONFIDENTIAL]
        return Effects(ch, zeroed=gone, writable=gone, cleared=cleared)
    if call == Call.FREE_PGD:
        freed: list[int] = []
        _tree(s, args[0], 0, ch, freed)
        gone = [pa for pa, w in ch.items() if w.kind == FrameKind.FREE
                and s.want(pa).kind == FrameKind.CONFIDENTIAL]
        return Effects(ch, zeroed=freed + gone, writable=freed + gone)
    if call == Call.RELEASE_PT:
        return Effects({args[0]: Want(FrameKind.FREE)}, writable=[args[0]])
    if call == Call.CREATE_DOMAIN:
        frames = sorted(set(_tree_leaves(s, args[0], 0)))
        for pa in frames:
            if s.want(pa).kind != FrameKind.CONFIDENTIAL:
                ch[pa] = replace(s.want(pa), kind=FrameKind.CONFIDENTIAL, owner=s.next_domain)
        return Effects(ch, unmapped=frames)
    if call == Call.COPY_PAGE:
        dst, src = args
        src_w = s.want(src)
        if src_w.kind == FrameKind.CONFIDENTIAL:
            ch[dst] = replace(s.want(dst), kind=FrameKind.CONFIDENTIAL, owner=src_w.owner)
        return Effects(ch, copy=(dst, s.hw.ram.read(src, PAGE)), unmapped=list(ch))
    return Effects({})


# --- checks -----------------------------------------------------------------------------
def lm_state(s: Scene, pa: int) -> str:
    """How the kernel's linear map (TTBR1) reaches a frame: 'rw', 'ro' or 'none'."""
    regime = Regime(ttbr0=0, ttbr1=s.g.kernel_ttbr1, tcr=S.make_tcr(), sctlr=S.SCTLR_M)
    walker = Walker(s.hw.ram)
    if isinstance(walker.translate(regime, LINEAR_BASE | pa, Access.READ, 1), TranslationFault):
        return "none"
    res = walker.translate(regime, LINEAR_BASE | pa, Access.WRITE, 1)
    return "ro" if isinstance(res, TranslationFault) else "rw"


def ram_roi(s: Scene) -> bytes:
    """The RAM a call on the scene could touch: its frames and the Guardian's memory."""
    ram = s.hw.ram
    return (ram.read(s.base, ROI_LOW) + ram.read(s.base + FREE_2M, PAGE)
            + ram.read(s.g.reserved_base, s.end - s.g.reserved_base))


def _model_tables(s: Scene) -> tuple[bytes, bytes, bytes, bytes]:
    """The model as FrameTable arrays (kind, user_maps, level, parent)."""
    n = s.g.frames.nframes
    first_own = (s.g.reserved_base - s.base) // PAGE
    kind = bytearray(first_own) + bytes([FrameKind.GUARDIAN]) * (n - first_own)
    user_maps, level, parent = array("I", bytes(4 * n)), bytearray(n), array("Q", bytes(8 * n))
    for pa, w in s.model.items():
        i = (pa - s.base) // PAGE
        kind[i], user_maps[i], level[i], parent[i] = w.kind, w.user_maps, w.level, w.parent
    return bytes(kind), user_maps.tobytes(), bytes(level), parent.tobytes()


def model_mismatches(s: Scene) -> list[str]:
    """Frames whose record differs from the model (kind, user_maps, level, parent)."""
    ft = s.g.frames
    got = (bytes(ft.kind), ft.user_maps.tobytes(), bytes(ft.level), ft.parent.tobytes())
    owners_ok = all(ft.owner[(pa - s.base) // PAGE] == w.owner for pa, w in s.model.items()
                    if w.kind == FrameKind.CONFIDENTIAL)
    if got == _model_tables(s) and owners_ok:
        return []
    out = []
    for i in range(ft.nframes):
        pa = s.base + i * PAGE
        want = s.want(pa)
        kind = FrameKind(ft.kind[i])
        got_w = Want(kind, ft.user_maps[i], ft.level[i], ft.parent[i],
                     ft.owner[i] if kind == FrameKind.CONFIDENTIAL else 0)
        if got_w != want:
            out.append(f"{pa:#x}: want {want}, got {got_w}")
    return out


def step(s: Scene, call: Call, args: tuple[int, ...], want: Status | None = None, *,
         quick: bool = False) -> Status:
    """Make one call; check its status against SPECS (and `want`) and its effects.

    `quick` (scene building) checks the status and keeps the model, nothing more.
    """
    g = s.g
    rule, expected = decisive(s, call, args)
    if want is not None:
        assert expected == want, f"SPECS oracle says {expected.name} ({rule}), test says {want.name}"
    if quick:
        fx = effects(s, call, args) if expected == Status.OK else None
        assert Status(g.hvc(int(call), args)[0]) == expected, (call.name, args)
        if fx is not None:
            s.model.update(fx.records)
            if call == Call.SET_PTBR:
                s.live_root = args[0] & D.ADDR_MASK
        return expected
    before = g.frames.snapshot()
    roi = ram_roi(s)
    ttbr0 = s.hw.cpus[0].ttbr0
    fx = effects(s, call, args) if expected == Status.OK else None
    status, _ = g.hvc(int(call), args)
    assert Status(status) == expected, (
        f"{call.name}{tuple(hex(a) for a in args)}: got {Status(status).name}, "
        f"SPECS says {expected.name} (first failing: {rule})")
    if expected != Status.OK:
        assert g.frames.snapshot() == before, "a refused call changed the frame table"
        assert ram_roi(s) == roi, "a refused call changed RAM"
        assert s.hw.cpus[0].ttbr0 == ttbr0, "a refused call changed TTBR0"
        return Status(status)
    assert fx is not None
    s.model.update(fx.records)
    if call == Call.SET_PTBR:
        s.live_root = args[0] & D.ADDR_MASK
        assert s.hw.cpus[0].ttbr0 == args[0]
    elif call == Call.CREATE_DOMAIN:
        s.domains[args[0]] = s.next_domain
        s.next_domain += 1
    elif call == Call.FREE_PGD:
        s.domains.pop(args[0], None)
    bad = model_mismatches(s)
    assert not bad, "frame table differs from the reference model:\n" + "\n".join(bad[:8])
    for pa in fx.zeroed:
        assert not any(s.entries(pa)), f"{pa:#x} not zeroed"
    if fx.entry is not None:
        assert s.hw.ram.read_u64(fx.entry[0]) == fx.entry[1] & (2**64 - 1)
    for entry_pa in fx.cleared:
        assert s.hw.ram.read_u64(entry_pa) == 0, f"entry {entry_pa:#x} not cleared"
    if fx.copy is not None:
        assert s.hw.ram.read(fx.copy[0], PAGE) == fx.copy[1]
    for pa in fx.readonly:
        assert lm_state(s, pa) == "ro", f"table {pa:#x} is not read-only in the linear map"
    for pa in fx.writable:
        assert lm_state(s, pa) == "rw", f"released {pa:#x} is not writable in the linear map"
    for pa in fx.unmapped:
        assert lm_state(s, pa) == "none", f"confidential {pa:#x} is still in the linear map"
    return Status(status)


# --- the case matrix --------------------------------------------------------------------
def desc_for(encoding: str, level: int, pa: int) -> int:
    """A descriptor of the given encoding for a table of the given level."""
    if encoding == "table":        # bits 1:0 = 0b11: a table at levels 0-2, a page at level 3
        return D.table_descriptor(pa) if level < 3 else D.leaf_descriptor(pa, USER_RW)
    if encoding == "block":        # bits 1:0 = 0b01: a block at levels 1-2, reserved elsewhere
        return (pa & D.ADDR_MASK) | D.VALID | D.AF | D.SH_INNER | D.AP_EL0 | D.NG | D.UXN | D.PXN
    return (pa & D.ADDR_MASK) | D.AF                      # "invalid": non-zero, bit 0 clear


@dataclass(frozen=True)
class Case:
    call: Call
    args: tuple[object, ...]         # state names, ints, or ("desc", encoding, level, state)

    @property
    def id(self) -> str:
        parts = []
        for a in self.args:
            if isinstance(a, tuple):
                parts.append(f"{a[1]}->{a[3]}")
            elif isinstance(a, int):
                parts.append(hex(a) if a > 9 or a < 0 else str(a))
            else:
                parts.append(str(a))
        return f"{self.call.name}({','.join(parts)})"

    def resolve(self, s: Scene) -> tuple[int, ...]:
        names = state_addresses(s)
        out = []
        for a in self.args:
            if isinstance(a, tuple):
                _, enc, level, target = a
                out.append(desc_for(enc, level, names[target]))
            elif isinstance(a, str):
                name, _, variant = a.partition("|")
                extra = {"": 0, "asid": 0x2A << 48, "cnp": 1}[variant]
                out.append(names[name] | extra)
            else:
                out.append(int(a))
        return tuple(out)


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for st in STATES:
        for level in (0, 3, 4, -1):
            cases.append(Case(Call.REGISTER_PT, (st, level)))
        cases.append(Case(Call.RELEASE_PT, (st,)))
        cases.append(Case(Call.FREE_PGD, (st,)))
        cases.append(Case(Call.EXIT_DOMAIN, (st,)))
        cases.append(Case(Call.SET_PTBR, (st,)))
        cases.append(Case(Call.CREATE_DOMAIN, (st, 0x400000, 0x7FFF_F000)))
        cases.append(Case(Call.FORK_DOMAIN, (st, 1, 0)))
        cases.append(Case(Call.COPY_PAGE, (st, "FREE")))
        cases.append(Case(Call.COPY_PAGE, ("FREE_2M", st)))
        cases.append(Case(Call.RECLAIM_PAGE, (st,)))
        for index in (SLOT, 511, 512, -1):
            cases.append(Case(Call.SET_PT, (st, index, 0)))
        for index, count in ((SLOT, 1), (511, 1), (511, 2), (0, 0)):
            cases.append(Case(Call.CLEAR_PT_RANGE, (st, index, count)))
    for variant in ("PT_L0_EMPTY|asid", "PT_L0_EMPTY|cnp", "PT_L0_LIVE|asid"):
        cases.append(Case(Call.SET_PTBR, (variant,)))
    for level, dest in DEST_TABLES:
        for target in DESC_TARGETS:
            for enc in ("table", "block", "invalid")[:3 if level in (0, 3) else 2]:
                cases.append(Case(Call.SET_PT, (dest, SLOT, ("desc", enc, level, target))))
    # Overwriting live entries: a leaf, a table link, a root link.
    for target in ("FREE", "USER", "PT_L3_ORPHAN", "GUARDIAN_LAST"):
        cases.append(Case(Call.SET_PT, ("PT_L3_PARENT", 0, ("desc", "table", 3, target))))
    for target in ("PT_L3_ORPHAN", "PT_L3_JUNK", "PT_L2_ORPHAN"):
        cases.append(Case(Call.SET_PT, ("PT_L2_PARENT", 0, ("desc", "table", 2, target))))
    cases.append(Case(Call.SET_PT, ("PT_L3_PARENT", 0, 0)))
    cases.append(Case(Call.SET_PT, ("PT_L2_PARENT", 0, 0)))
    cases.append(Case(Call.SET_PT, ("PT_L0", 1, 0)))
    # Ranges over live entries: leaves, a table link (each entry as SET_PT of 0).
    cases.append(Case(Call.CLEAR_PT_RANGE, ("PT_L3_PARENT", 0, 512)))
    cases.append(Case(Call.CLEAR_PT_RANGE, ("PT_L2_PARENT", 0, 8)))
    cases.append(Case(Call.CLEAR_PT_RANGE, ("PT_L0", 1, 1)))
    for reg in (0, 1, 2, 5, 0xCA5, int(Call.SET_PTBR)):
        cases.append(Case(Call.SET_SYSREG, (reg, "PT_L0_EMPTY")))
    # Secure memory management: addresses good and bad, roots of every kind.
    secure: list[tuple[str, tuple[object, ...]]] = []
    for root in ("PT_L0", "PT_L0_LIVE", "FREE", "UNALIGNED_ROOT"):
        for va in (0x400000, 0x401000, 0x400008, USER_TOP, -PAGE):
            secure += [
                ("SWAP_OUT", (root, va, 0x1000)),
                ("SWAP_DISCARD", (root, va, 1)),
                ("PAGE_DIGEST", (root, va)),
                ("THP_COLLAPSE", (root, va)),
                ("COMPRESS_PAGE", (root, va)),
                ("SWAP_SHARE", (root, "PT_L0", va, 1)),
                ("KSM_MERGE", (root, va, "PT_L0", 0x402000, 0)),
            ]
            for frame in ("FREE", "UNALIGNED_FREE", "OUT_ABOVE", "PT_L3_ORPHAN"):
                secure += [("SWAP_IN", (root, va, frame, 0)),
                           ("MIGRATE_PAGE", (root, va, frame)),
                           ("THP_SPLIT", (root, va, frame))]
        for sd in (0, 1, 0x1001):
            secure.append(("SWAP_OUT", (root, 0x400000, sd)))
    cases += [Case(Call[name], args) for name, args in secure if name in Call.__members__]
    # Calls that name a saved context: no slot exists in the scene.
    for slot in (0, 1, 2, 2**32 + 1):
        cases.append(Case(Call.FORK_DOMAIN, (0, slot, 0)))
        cases.append(Case(Call.RESUME, (slot, 0, 0x400000)))
        cases.append(Case(Call.USER_READ, (slot, 0x400000, 16)))
        cases.append(Case(Call.USER_WRITE, (slot, 0x400000, 16)))
        cases.append(Case(Call.USER_STRING, (slot, 0x400000, 16)))
        cases.append(Case(Call.SIGNAL, (slot, 10, 0, 0, 0, 0, 0, 0x400000)))
    # Arguments outside their C type: a signal number past 64, an ss_flags past an int.
    cases.append(Case(Call.SIGNAL, (0, 65, 0, 0, 0, 0, 0, 0x400000)))
    cases.append(Case(Call.SIGNAL, (0, 10, 0, 0, 1 << 32, 0, 0, 0x400000)))
    cases.append(Case(Call.SIGNAL, (0, (1 << 64) - 1, 0, 0, 0, 0, 0, 0x400000)))
    return cases


try:
    PROTO: Scene | None = build_scene()
    PROTO_ERROR = ""
except AssertionError as exc:        # a contract change the oracle does not know yet
    PROTO, PROTO_ERROR = None, str(exc)


def _params() -> list[object]:
    out = []
    for case in all_cases():
        out.append(pytest.param(case, id=case.id))
    return out


CASES = all_cases()


# --- tests ------------------------------------------------------------------------------
def test_every_precondition_has_a_rule() -> None:
    """A new or reworded precondition in SPECS must get an executable rule here."""
    in_specs = {(c, rule) for c, spec in SPECS.items() for rule, _ in spec.preconditions}
    missing = sorted(f"{c.name}: {r}" for c, r in in_specs - set(RULES))
    stale = sorted(f"{c.name}: {r}" for c, r in set(RULES) - in_specs)
    assert not missing, "SPECS preconditions without a rule in RULES (and a case in " \
        "all_cases):\n" + "\n".join(missing)
    assert not stale, "RULES for preconditions SPECS no longer has:\n" + "\n".join(stale)
    assert set(SPECS) == set(Call)
    for c, spec in SPECS.items():
        assert spec.call == c and len(spec.args) >= 1
        assert all(st != Status.OK for _, st in spec.preconditions)


def test_scene_matches_the_model() -> None:
    """The scene really puts each frame into the state its name says."""
    s = build_scene()
    assert not model_mismatches(s)
    assert not s.g.frames.violations()
    n = state_addresses(s)
    rec = s.g.frames.record
    assert rec(n["USER"]).kind == FrameKind.USER and rec(n["USER"]).user_maps == 1
    assert rec(n["KERNEL"]).kind == FrameKind.KERNEL
    assert rec(n["PT_L3_PARENT"]).parent == n["PT_L2_PARENT"]
    assert rec(n["PT_L1_PARENT"]).parent == n["PT_L0"] + 8
    assert rec(n["PT_L2_ORPHAN"]).parent == 0 and rec(n["PT_L2_ORPHAN"]).level == 2
    assert rec(n["GUARDIAN_TTBR1"]).kind == FrameKind.GUARDIAN
    assert s.hw.cpus[0].ttbr0 == n["PT_L0_LIVE"]
    assert s.hw.ram.read_u64(n["PT_L3_JUNK"] + 56) == D.TABLE
    for name in STATES:
        pa = n[name]
        if s.in_ram(pa) and pa % PAGE == 0:
            want = {"GUARDIAN": "none", "PAGE_TABLE": "ro"}.get(s.want(pa).kind.name, "rw")
            assert lm_state(s, pa) == want, name


def test_every_precondition_decides_some_case() -> None:
    """Coverage of the matrix: each precondition is the decisive one somewhere."""
    assert PROTO is not None, PROTO_ERROR
    seen: set[tuple[Call, str]] = set()
    statuses: dict[Call, set[Status]] = {}
    for case in CASES:
        rule, st = decisive(PROTO, case.call, case.resolve(PROTO))
        statuses.setdefault(case.call, set()).add(st)
        if rule is not None:
            seen.add((case.call, rule))
    assert set(RULES) - seen == UNREACHABLE
    assert set(statuses) == {c for c, _ in RULES}
    for c in (Call.REGISTER_PT, Call.SET_PT, Call.SET_PTBR, Call.FREE_PGD, Call.RELEASE_PT,
              Call.COPY_PAGE, Call.CLEAR_PT_RANGE):
        assert Status.OK in statuses[c], c.name


@pytest.mark.parametrize("case", _params())
def test_call_in_state(case: Case) -> None:
    """One call against one frame state: status per SPECS order, then state per the model."""
    s = build_scene()
    step(s, case.call, case.resolve(s))
    assert not s.g.frames.violations()


# --- the named cases --------------------------------------------------------------------
@pytest.fixture
def scene() -> Scene:
    return build_scene()


def test_set_pt_mapping_a_table_page_as_data_is_denied(scene: Scene) -> None:
    n = state_addresses(scene)
    for target in ("PT_L3_ORPHAN", "PT_L3_PARENT", "PT_L0_LIVE", "PT_L1_PARENT"):
        step(scene, Call.SET_PT, (n["PT_L3_PARENT"], SLOT, D.leaf_descriptor(n[target], USER_RW)),
             Status.ERR_DENIED)
    # A 2 MiB block over the scene's table pages.
    step(scene, Call.SET_PT, (n["PT_L2_PARENT"], SLOT,
                              D.leaf_descriptor(scene.base, USER_RW, level=2)), Status.ERR_DENIED)


def test_set_pt_mapping_guardian_memory_is_denied(scene: Scene) -> None:
    n = state_addresses(scene)
    g = scene.g
    for pa in (g.kernel_ttbr1, g.reserved_base, scene.end - PAGE):
        step(scene, Call.SET_PT, (n["PT_L3_PARENT"], SLOT, D.leaf_descriptor(pa, USER_RW)),
             Status.ERR_DENIED)
    step(scene, Call.SET_PT, (n["PT_L2_PARENT"], SLOT,
                              D.leaf_descriptor(scene.end - PAGE, USER_RW, level=2)),
         Status.ERR_DENIED)
    step(scene, Call.SET_PT, (n["PT_L1_PARENT"], SLOT,
                              D.leaf_descriptor(scene.base, USER_RW, level=1)), Status.ERR_DENIED)


def test_second_parent_is_refused(scene: Scene) -> None:
    n = state_addresses(scene)
    step(scene, Call.SET_PT, (n["PT_L2_PARENT"], SLOT, D.table_descriptor(n["PT_L3_PARENT"])),
         Status.ERR_STATE)
    step(scene, Call.SET_PT, (n["PT_L2_ORPHAN"], 0, D.table_descriptor(n["PT_L3_PARENT"])),
         Status.ERR_STATE)
    step(scene, Call.SET_PT, (n["PT_L0_EMPTY"], 0, D.table_descriptor(n["PT_L1_PARENT"])),
         Status.ERR_STATE)


def test_rewriting_a_table_link_keeps_its_parent(scene: Scene) -> None:
    n = state_addresses(scene)
    l2, l3 = n["PT_L2_PARENT"], n["PT_L3_PARENT"]
    assert scene.g.hvc(int(Call.SET_PT), (l2, 0, D.table_descriptor(l3))) == (Status.OK, 0)
    assert scene.g.frames.record(l3).parent == l2
    # Consequences: the linked child can get a second parent, or be released.
    assert scene.g.hvc(int(Call.SET_PT), (n["PT_L2_ORPHAN"], 0, D.table_descriptor(l3)))[0] \
        == Status.ERR_STATE
    step(scene, Call.SET_PT, (n["PT_L3_PARENT"], 0, 0), Status.OK)
    assert scene.g.hvc(int(Call.RELEASE_PT), (l3,))[0] == Status.ERR_STATE
    assert lm_state(scene, l3) == "ro"


def test_table_descriptor_to_a_wrong_level_table_is_refused(scene: Scene) -> None:
    n = state_addresses(scene)
    for dest, level in (("PT_L0_EMPTY", 0), ("PT_L1_PARENT", 1), ("PT_L2_PARENT", 2)):
        for target in ("PT_L1_ORPHAN", "PT_L2_ORPHAN", "PT_L3_ORPHAN", "PT_L0_EMPTY"):
            if scene.want(n[target]).level == level + 1:
                continue
            step(scene, Call.SET_PT, (n[dest], SLOT, D.table_descriptor(n[target])),
                 Status.ERR_KIND)
        for target in ("FREE", "KERNEL", "USER", "GUARDIAN_TTBR1"):
            step(scene, Call.SET_PT, (n[dest], SLOT, D.table_descriptor(n[target])),
                 Status.ERR_KIND)


def test_free_pgd_of_the_live_ttbr0_is_refused(scene: Scene) -> None:
    n = state_addresses(scene)
    step(scene, Call.FREE_PGD, (n["PT_L0_LIVE"],), Status.ERR_STATE)
    step(scene, Call.RELEASE_PT, (n["PT_L0_LIVE"],), Status.ERR_STATE)
    # Made live by a trapped TTBR0 write rather than SET_PTBR: the same.
    scene.hw.el1(0).msr(S.TTBR0_EL1, n["PT_L0"] | (7 << 48))
    scene.live_root = n["PT_L0"]
    step(scene, Call.FREE_PGD, (n["PT_L0"],), Status.ERR_STATE)
    step(scene, Call.FREE_PGD, (n["PT_L0_LIVE"],), Status.OK)


def test_release_of_a_non_empty_table_is_refused(scene: Scene) -> None:
    n = state_addresses(scene)
    step(scene, Call.SET_PT, (n["PT_L3_ORPHAN"], 9, D.leaf_descriptor(n["FREE"], USER_RW)),
         Status.OK)
    step(scene, Call.RELEASE_PT, (n["PT_L3_ORPHAN"],), Status.ERR_STATE)
    step(scene, Call.SET_PT, (n["PT_L1_ORPHAN"], 3, D.table_descriptor(n["PT_L2_ORPHAN"])),
         Status.OK)
    step(scene, Call.RELEASE_PT, (n["PT_L1_ORPHAN"],), Status.ERR_STATE)    # has a child
    step(scene, Call.RELEASE_PT, (n["PT_L2_ORPHAN"],), Status.ERR_STATE)    # has a parent
    step(scene, Call.RELEASE_PT, (n["PT_L0"],), Status.ERR_STATE)
    step(scene, Call.SET_PT, (n["PT_L3_ORPHAN"], 9, 0), Status.OK)
    step(scene, Call.RELEASE_PT, (n["PT_L3_ORPHAN"],), Status.OK)


@pytest.mark.parametrize("call", [0, 1, 0xC9F, 0xCA7, 0xCAF, 0xFFFF, 2**32 + 0xCA0, -1])
def test_unknown_call(scene: Scene, call: int) -> None:
    assert call not in {int(c) for c in Call}
    before = scene.g.frames.snapshot()
    roi = ram_roi(scene)
    status, value = scene.g.hvc(call, (state_addresses(scene)["FREE"], 0, 0))
    assert (status, value) == (Status.ERR_UNKNOWN_CALL, 0)
    assert scene.g.frames.snapshot() == before and ram_roi(scene) == roi
    assert scene.hw.el1(0).hvc(call, 0, 0, 0)[0] == Status.ERR_UNKNOWN_CALL


def test_one_frame_through_every_state(scene: Scene) -> None:
    """pKVM-style: walk one frame through its life, trying each transition on the way."""
    n = state_addresses(scene)
    p, f = scene.base + 0x50000, scene.base + 0x51000
    l2, l3, root = n["PT_L2_PARENT"], n["PT_L3_PARENT"], n["PT_L0_EMPTY"]
    rec = scene.g.frames.record
    step(scene, Call.RELEASE_PT, (p,), Status.ERR_KIND)
    step(scene, Call.FREE_PGD, (p,), Status.ERR_KIND)
    step(scene, Call.REGISTER_PT, (p, 3), Status.OK)
    step(scene, Call.REGISTER_PT, (p, 3), Status.ERR_KIND)
    step(scene, Call.SET_PTBR, (p,), Status.ERR_KIND)                       # not a root
    step(scene, Call.SET_PT, (l2, SLOT, D.table_descriptor(p)), Status.OK)
    assert rec(p).parent == l2 + 8 * SLOT
    step(scene, Call.SET_PT, (l2, SLOT + 1, D.table_descriptor(p)), Status.ERR_STATE)
    step(scene, Call.RELEASE_PT, (p,), Status.ERR_STATE)
    step(scene, Call.SET_PT, (p, 0, D.leaf_descriptor(f, USER_RW)), Status.OK)
    assert rec(f).kind == FrameKind.USER
    step(scene, Call.SET_PT, (l2, SLOT, 0), Status.OK)
    assert rec(p).parent == 0
    step(scene, Call.RELEASE_PT, (p,), Status.ERR_STATE)                    # not empty
    step(scene, Call.SET_PT, (p, 0, 0), Status.OK)
    assert rec(f).kind == FrameKind.FREE
    step(scene, Call.RELEASE_PT, (p,), Status.OK)
    step(scene, Call.SET_PT, (l3, SLOT, D.leaf_descriptor(p, USER_RW)), Status.OK)
    step(scene, Call.SET_PT, (l3, SLOT + 1, D.leaf_descriptor(p, USER_RW)), Status.OK)
    assert rec(p).kind == FrameKind.USER and rec(p).user_maps == 2
    step(scene, Call.REGISTER_PT, (p, 3), Status.ERR_KIND)
    step(scene, Call.SET_PT, (l3, SLOT, 0), Status.OK)
    step(scene, Call.REGISTER_PT, (p, 3), Status.ERR_KIND)                  # one mapping left
    step(scene, Call.SET_PT, (l3, SLOT + 1, 0), Status.OK)
    step(scene, Call.REGISTER_PT, (p, 0), Status.OK)
    step(scene, Call.SET_PTBR, (p | (3 << 48),), Status.OK)
    step(scene, Call.FREE_PGD, (p,), Status.ERR_STATE)
    step(scene, Call.RELEASE_PT, (p,), Status.ERR_STATE)
    step(scene, Call.SET_PTBR, (root,), Status.OK)
    step(scene, Call.FREE_PGD, (p,), Status.OK)
    assert rec(p).kind == FrameKind.FREE and lm_state(scene, p) == "rw"


def test_free_pgd_tears_down_the_whole_tree(scene: Scene) -> None:
    n = state_addresses(scene)
    step(scene, Call.SET_PT, (n["PT_L2_PARENT"], SLOT,
                              D.leaf_descriptor(n["FREE_2M"], USER_RW, level=2)), Status.OK)
    assert scene.g.frames.record(n["FREE_2M"] + 0x1FF000).user_maps == 1
    step(scene, Call.FREE_PGD, (n["PT_L0"],), Status.OK)
    for name in ("PT_L0", "PT_L1_PARENT", "PT_L2_PARENT", "PT_L3_PARENT", "USER", "FREE_2M"):
        r = scene.g.frames.record(n[name])
        assert (r.kind, r.user_maps, r.parent) == (FrameKind.FREE, 0, 0), name
        assert lm_state(scene, n[name]) == "rw"
    # The freed frames are ordinary again: they can be registered afresh.
    step(scene, Call.REGISTER_PT, (n["PT_L2_PARENT"], 1), Status.OK)


@pytest.mark.parametrize("call", [Call.FREE_PGD, Call.RELEASE_PT])
def test_root_live_on_another_cpu_stays_in_use(call: Call) -> None:
    hw = Machine(load_machine("two-nodes"))
    g = Guardian(hw)
    hw.install_monitor(g)
    a, b = hw.ram.base + 0x100000, hw.ram.base + 0x200000
    for pa in (a, b):
        assert g.hvc(int(Call.REGISTER_PT), (pa, 0)) == (Status.OK, 0)
    hw.el1(0).msr(S.TTBR0_EL1, a)
    with pytest.raises(CorePoweredOff):     # only the boot core runs under the Guardian
        hw.el1(1).msr(S.TTBR0_EL1, b)
    assert hw.cpus[0].ttbr0 == a
    before = g.frames.snapshot()
    assert g.hvc(int(call), (a,))[0] == Status.ERR_STATE
    assert g.frames.snapshot() == before


def test_short_argument_list_is_answered(scene: Scene) -> None:
    before = scene.g.frames.snapshot()
    status, _ = scene.g.hvc(int(Call.SET_PT), (state_addresses(scene)["PT_L3_ORPHAN"],))
    assert status in set(Status)
    assert scene.g.frames.snapshot() == before or status == Status.OK


def admit_hello(s: Scene) -> tuple[bytes, int]:
    """The user admits the hello workload for confidential runs: (digest, entry)."""
    w = find_workload("hello")
    assert w is not None
    digest = s.g.conf.admit_image(w.binary.read_bytes())
    return digest, s.g.conf.images[digest].entry


def create_domain(s: Scene, root: int) -> tuple[int, int]:
    """CREATE_DOMAIN with an admitted image, the model updated: (status, slot)."""
    digest, entry = admit_hello(s)
    status, slot, _ = s.g.hvc_data(int(Call.CREATE_DOMAIN), (root, entry, 0x7FFF_F000), digest)
    if status == Status.OK:
        for pa in set(_tree_leaves(s, root, 0)):
            s.model[pa] = replace(s.want(pa), kind=FrameKind.CONFIDENTIAL, owner=s.next_domain)
        s.domains[root] = s.next_domain
        s.next_domain += 1
    return status, slot


def test_create_domain_adopts_the_frames_of_the_tree(scene: Scene) -> None:
    n = state_addresses(scene)
    step(scene, Call.CREATE_DOMAIN, (n["PT_L0"], 0x400000, 0x7FFF_F000), Status.ERR_DENIED)
    assert create_domain(scene, n["PT_L0"])[0] == Status.OK
    assert not model_mismatches(scene)
    rec = scene.g.frames.record(n["USER"])
    assert rec.kind == FrameKind.CONFIDENTIAL and rec.owner and rec.user_maps == 1
    assert lm_state(scene, n["USER"]) == "none"
    assert create_domain(scene, n["PT_L0"])[0] == Status.ERR_STATE
    # Only the owner's tree may map the frame.
    step(scene, Call.SET_PT, (n["PT_L3_ORPHAN"], 0, D.leaf_descriptor(n["USER"], USER_RW)),
         Status.ERR_DENIED)
    # The copy of a confidential frame joins its domain.
    dst = scene.base + 0x60000
    step(scene, Call.COPY_PAGE, (dst, n["USER"]), Status.OK)
    assert scene.g.frames.record(dst).owner == rec.owner
    # Tearing the tree down scrubs the frames and gives them back.
    scene.hw.ram.write(n["USER"], b"secret")
    step(scene, Call.FREE_PGD, (n["PT_L0"],), Status.OK)
    assert scene.hw.ram.read(n["USER"], 6) == bytes(6)
    assert lm_state(scene, n["USER"]) == "rw"


def test_unaligned_create_domain_root_is_refused(scene: Scene) -> None:
    n = state_addresses(scene)
    root, after, fake_l1 = scene.base + 0x70000, scene.base + 0x71000, scene.base + 0x72000
    step(scene, Call.REGISTER_PT, (root, 0), Status.OK)
    # The kernel owns the frames after the root: entry 511 of "root + 8" lives there.
    scene.hw.ram.write_u64(after, D.table_descriptor(fake_l1))
    scene.hw.ram.write_u64(fake_l1, D.leaf_descriptor(scene.base, USER_RW, level=1))
    before = scene.g.frames.snapshot()
    digest, entry = admit_hello(scene)
    status, _, _ = scene.g.hvc_data(int(Call.CREATE_DOMAIN), (root + 8, entry, 0x7FFF_F000),
                                    digest)
    kinds = {FrameKind(scene.g.frames.kind_of(pa)) for pa in (n["GUARDIAN_TTBR1"],
                                                               n["PT_L3_PARENT"])}
    assert kinds == {FrameKind.GUARDIAN, FrameKind.PAGE_TABLE}
    assert status == Status.ERR_KIND
    assert scene.g.frames.snapshot() == before
