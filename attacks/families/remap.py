"""Aliasing a confidential frame, and reaching the Guardian's own frames."""

from __future__ import annotations

import struct

from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.families.page_tables import HELPER_VA, helper_tree_with_tables
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model.pagetable import LINEAR_BASE

RM = "remap"
GF = "guardian-frames"
BLOCK = 2 << 20
SPARE_L2_INDEX = 500        # a level-2 slot of the linear map's first GiB that maps nothing


def _frame(adv: Adversary, va: int) -> int:
    pa = adv.pa_of(va)
    assert pa is not None, f"{va:#x} is not mapped"
    return pa & ~(PAGE - 1)


@scenario(id="RM-001", title="Alias the heap frame into a helper address space", family=RM,
          goal=Goal.LEAK, rules=("G-SETPT-CONF-OWNER",),
          prop="A confidential frame can be mapped only by its own domain's tables.")
def rm_alias(adv: Adversary) -> None:
    """1. At PLACED, SET_PT a leaf for the heap page's frame into a helper address space.
    2. Switch TTBR0 to the helper space and load the page."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(_frame(a, a.layout.heap), USER_RO))
        a.observe(a.read_through(tree.root, HELPER_VA, PAGE), "helper alias")


@scenario(id="RM-002", title="Cover the heap frame with a 2 MiB block mapping", family=RM,
          goal=Goal.LEAK, rules=("G-SETPT-NO-PT-LEAF",),
          prop="A block descriptor is checked frame by frame: it cannot cover confidential, "
               "table or Guardian frames.")
def rm_block(adv: Adversary) -> None:
    """1. Build a helper address space with tables down to level 2.
    2. SET_PT a level-2 block descriptor for the 2 MiB of RAM around the heap frame.
    3. Load the heap frame's offset inside the block."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        tree = helper_tree_with_tables(a)
        l2 = a.walk(HELPER_VA, tree.root)[2].table
        region = HELPER_VA + BLOCK
        a.kernel.writer.write_entry(l2, D.level_index(region, 2),
                                    D.leaf_descriptor(pa & ~(BLOCK - 1), USER_RO, level=2))
        a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, region + (pa & (BLOCK - 1)), PAGE), "block alias")


@scenario(id="RM-003", title="Copy the heap frame into a kernel frame and read the copy",
          family=RM, goal=Goal.LEAK, rules=("G-COPY-CONF-DST",),
          prop="A copy of a confidential frame is itself confidential: it leaves the "
               "kernel's linear map.")
def rm_copy(adv: Adversary) -> None:
    """1. Allocate a kernel frame and ask for a page copy of the heap frame into it
    (COPY_PAGE under the Guardian, a linear-map copy without it).
    2. Read the destination through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = a.alloc_frame()
        a.kernel.mmctx.copy_frame(dst, _frame(a, a.layout.heap))
        a.observe(a.read_lm(dst), "copied frame")


@scenario(id="RM-004", title="Copy the heap frame into a page a helper space maps", family=RM,
          goal=Goal.LEAK, rules=("G-COPY-DST-UNMAPPED",),
          prop="COPY_PAGE writes only into a frame no user table maps.")
def rm_copy_mapped(adv: Adversary) -> None:
    """1. Map a kernel frame into a helper address space.
    2. Ask for a page copy of the heap frame into that frame.
    3. Load the helper mapping."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = a.alloc_frame()
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(dst, USER_RW))
        a.kernel.mmctx.copy_frame(dst, _frame(a, a.layout.heap))
        a.observe(a.read_through(tree.root, HELPER_VA, PAGE), "helper mapping of the copy")


@scenario(id="RM-005", title="Share a frame with a helper space, then hand it to the program",
          family=RM, goal=Goal.LEAK, rules=("G-SETPT-CONF-OWNER", "G-CONF-EXCLUSIVE"),
          prop="A frame joins a confidential domain only if no other address space maps it.")
def rm_preshared(adv: Adversary) -> None:
    """1. At FRESH, map a kernel frame into a helper address space.
    2. Map the same frame at the program's fresh page (it has not touched it yet).
    3. After the program copied its secret there (FRESH_DONE), load the helper mapping."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        frame = a.alloc_frame()
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(frame, USER_RO))
        a.kernel.frames.get(frame)
        a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(frame, USER_RW))
        a.mm.resident += 1
        a.memo["tree"] = tree

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        if "tree" in a.memo:
            a.observe(a.read_through(a.memo["tree"].root, HELPER_VA, PAGE), "shared frame")


@scenario(id="RM-006", title="Share the stack frame with a helper space before exec completes",
          family=RM, goal=Goal.LEAK, rules=("G-CONF-EXCLUSIVE",),
          prop="When an image becomes confidential, frames its tree already maps must not "
               "stay mapped elsewhere.")
def rm_preshared_exec(adv: Adversary) -> None:
    """1. After exec has built the stack, before CREATE_DOMAIN, map every stack frame into a
    helper address space too.
    2. Once the program announces its secret, load the helper mappings."""
    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        tree = a.new_tree()
        vas = []
        for i, (_va, desc) in enumerate(a.mm.tables.leaves(0xFFFF_0000_0000, 1 << 48)):
            tree.set(HELPER_VA + i * PAGE, D.leaf_descriptor(desc & D.ADDR_MASK, USER_RO))
            vas.append(HELPER_VA + i * PAGE)
        a.memo.update(tree=tree, vas=vas)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        for va in a.memo.get("vas", []):
            a.observe(a.read_through(a.memo["tree"].root, va, PAGE), "shared stack frame")


def _linear_map_path(adv: Adversary, pa: int, read_u64) -> list[tuple[int, int, int]]:  # noqa: ANN001
    """(table, index, descriptor) from TTBR1 down to the entry translating lm(pa)."""
    table = adv.el1.mrs(S.TTBR1_EL1) & D.ADDR_MASK
    va = LINEAR_BASE | pa
    path = []
    for level in range(4):
        idx = D.level_index(va, level)
        desc = read_u64(table + 8 * idx)
        path.append((table, idx, desc))
        if level == 3 or not desc & D.TABLE:
            break
        table = desc & D.ADDR_MASK
    return path


def alias_in_linear_map(adv: Adversary, pa: int, read_u64, write_u64) -> int:  # noqa: ANN001
    """Write a second linear-map entry for pa's 2 MiB (or 4 KiB) region; returns the alias VA."""
    path = _linear_map_path(adv, pa, read_u64)
    table, _, desc = path[-1]
    level = len(path) - 1
    if level == 2:
        write_u64(table + 8 * SPARE_L2_INDEX, desc)
        alias = (LINEAR_BASE | (pa & ~((1 << 30) - 1))) + SPARE_L2_INDEX * BLOCK
        adv.el1.tlbi_all()
        return alias + (pa & (BLOCK - 1))
    write_u64(table + 8 * 511, D.leaf_descriptor(pa & ~(PAGE - 1), D.PagePerms(
        user=False, write=True, user_exec=False, kernel_exec=False, global_=True)))
    adv.el1.tlbi_all()
    base = (LINEAR_BASE | pa) & ~(BLOCK - 1)
    return base + 511 * PAGE + (pa & (PAGE - 1))


@scenario(id="GF-001", title="Rewrite the linear map through its own tables", family=GF,
          goal=Goal.LEAK, rules=("G-LM-OWN",),
          prop="The tables behind TTBR1 are Guardian memory: EL1 can neither read nor "
               "write them.")
def gf_rewrite(adv: Adversary) -> None:
    """1. Read TTBR1_EL1 and walk the linear map's tables through the linear map itself.
    2. Add an alias entry for the heap frame in a spare slot and load through it."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        alias = alias_in_linear_map(a, pa, lambda p: a.el1.read_u64(a.lm(p)),
                                    lambda p, v: a.el1.write_u64(a.lm(p), v))
        a.observe(a.el1.read(alias, PAGE), "linear-map alias")


@scenario(id="GF-002", title="Map the linear map's table frames into a helper space",
          family=GF, goal=Goal.LEAK, rules=("G-SETPT-NO-GUARDIAN",),
          prop="Guardian frames are never mapped for the kernel, in any tree.")
def gf_map_tables(adv: Adversary) -> None:
    """1. For each table on the linear-map path to the heap frame, SET_PT a writable leaf
    for it into a helper address space.
    2. Through those aliases, add an alias entry for the heap frame; load through it."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        tree = a.new_tree()
        slots: dict[int, int] = {}

        def alias_of(table_pa: int) -> int:
            if table_pa not in slots:
                slots[table_pa] = HELPER_VA + len(slots) * PAGE
                tree.set(slots[table_pa], D.leaf_descriptor(table_pa, USER_RW))
            return slots[table_pa]

        def read_u64(p: int) -> int:
            va = alias_of(p & ~(PAGE - 1)) + (p & (PAGE - 1))
            return struct.unpack("<Q", a.read_through(tree.root, va, 8))[0]

        def write_u64(p: int, v: int) -> None:
            va = alias_of(p & ~(PAGE - 1)) + (p & (PAGE - 1))
            a.write_through(tree.root, va, struct.pack("<Q", v))

        alias = alias_in_linear_map(a, pa, read_u64, write_u64)
        a.observe(a.el1.read(alias, PAGE), "linear-map alias")
