"""Direct writes to page-table pages, and tables used where they must not be."""

from __future__ import annotations

import struct

from abi import Call
from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D

PT = "page-tables"
HELPER_VA = 0x10_0000_0000          # where the kernel's helper address space maps things
ATTACKER_BYTES = b"\xa5" * PAGE


def attacker_frame(adv: Adversary) -> int:
    """A kernel frame filled with bytes of the kernel's choosing."""
    pa = adv.alloc_frame()
    adv.write_lm(pa, ATTACKER_BYTES)
    return pa


def helper_tree_with_tables(adv: Adversary, va: int = HELPER_VA):  # noqa: ANN201
    """A helper address space whose tables down to level 3 exist for `va`."""
    tree = adv.new_tree()
    tree.set(va, D.leaf_descriptor(adv.alloc_frame(), USER_RW))
    return tree


def redirect_heap_directly(adv: Adversary) -> None:
    """Point the heap page's leaf at a kernel frame by storing to the table page."""
    last = adv.walk(adv.layout.heap)[-1]
    adv.el1.write_u64(adv.lm(last.table) + 8 * last.index,
                      D.leaf_descriptor(attacker_frame(adv), USER_RW))
    adv.el1.tlbi_all()


@scenario(id="PT-001", title="Store a leaf into a helper table, bypassing SET_PT", family=PT,
          goal=Goal.LEAK, rules=("G-PT-RO",),
          prop="Table pages are read-only to EL1: a translation changes only through a "
               "checked SET_PT.")
def pt_store_helper(adv: Adversary) -> None:
    """1. Build a helper address space with one legitimate page (tables through SET_PT).
    2. Store a leaf for the secret's frame straight into its level-3 table page.
    3. Switch TTBR0 to the helper space and load the page."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        secret_pa = a.pa_of(a.layout.heap)
        assert secret_pa is not None
        tree = helper_tree_with_tables(a)
        last = a.walk(HELPER_VA + PAGE, tree.root)[-1]
        a.el1.write_u64(a.lm(last.table) + 8 * last.index,
                        D.leaf_descriptor(secret_pa & ~(PAGE - 1), USER_RW))
        a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, HELPER_VA + PAGE, PAGE), "helper mapping")


@scenario(id="PT-002", title="Redirect the confidential heap page by a store to its table",
          family=PT, goal=Goal.TAMPER, rules=("G-PT-RO",),
          prop="The kernel cannot change a confidential address space's translations "
               "without the Guardian.")
def pt_store_confidential(adv: Adversary) -> None:
    """1. At PLACED, walk to the level-3 entry that maps the heap page.
    2. Store a leaf for a kernel frame full of 0xa5 into it, then invalidate the TLB.
    3. The program later compares its heap copy with the secret."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        redirect_heap_directly(a)


@scenario(id="PT-003", title="Map a page-table page as data, then edit it", family=PT,
          goal=Goal.TAMPER, rules=("G-SETPT-NO-PT-LEAF",),
          prop="A table page is never mapped as data, so it cannot be written through an "
               "alias.")
def pt_table_as_data(adv: Adversary) -> None:
    """1. SET_PT a leaf for the heap's level-3 table page into a helper address space.
    2. Through that writable alias, replace the heap page's entry with a kernel frame."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        last = a.walk(a.layout.heap)[-1]
        tree = helper_tree_with_tables(a)
        tree.set(HELPER_VA + PAGE, D.leaf_descriptor(last.table, USER_RW))
        new = D.leaf_descriptor(attacker_frame(a), USER_RW)
        a.write_through(tree.root, HELPER_VA + PAGE + 8 * last.index, struct.pack("<Q", new))
        a.el1.tlbi_all()


@scenario(id="PT-004", title="Give the confidential level-3 table a second parent", family=PT,
          goal=Goal.LEAK, rules=("G-SETPT-ONE-PARENT",),
          prop="A table page has at most one parent entry, so a confidential table cannot "
               "be linked into another tree.")
def pt_second_parent(adv: Adversary) -> None:
    """1. Build a helper address space with tables for one 2 MiB region.
    2. SET_PT a table descriptor naming the heap's level-3 table into the next level-2 slot.
    3. Load the heap page's offset in that region through the helper space."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        conf_l3 = a.walk(a.layout.heap)[-1].table
        tree = helper_tree_with_tables(a)
        l2 = a.walk(HELPER_VA, tree.root)[2].table
        region = HELPER_VA + (2 << 20)
        a.kernel.writer.write_entry(l2, D.level_index(region, 2), D.table_descriptor(conf_l3))
        a.el1.tlbi_all()
        va = region + (a.layout.heap & ((2 << 20) - 1))
        a.observe(a.read_through(tree.root, va, PAGE), "second parent of the confidential table")


@scenario(id="PT-005", title="Release a live table page, then store to it", family=PT,
          goal=Goal.TAMPER, rules=("G-RELEASE-UNUSED", "G-PT-RO"),
          prop="A table still linked into a tree cannot be released back to the kernel.")
def pt_release_live(adv: Adversary) -> None:
    """1. RELEASE_PT the level-3 table that maps the heap page (it still has a parent).
    2. Store a leaf for a kernel frame into it through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        last = a.walk(a.layout.heap)[-1]
        a.hvc(Call.RELEASE_PT, last.table)
        redirect_heap_directly(a)


@scenario(id="PT-006", title="Free the live confidential tree, then store to it", family=PT,
          goal=Goal.TAMPER, rules=("G-FREEPGD-NOT-LIVE", "G-PT-RO"),
          prop="The tree in TTBR0 cannot be torn down, so its tables never become writable "
               "while in use.")
def pt_free_live(adv: Adversary) -> None:
    """1. FREE_PGD the confidential root while it is the live TTBR0.
    2. Store a leaf for a kernel frame into the heap's level-3 table."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.hvc(Call.FREE_PGD, a.mm.tables.root)
        redirect_heap_directly(a)


def _heap_frame(adv: Adversary) -> int:
    pa = adv.pa_of(adv.layout.heap)
    assert pa is not None
    return pa & ~(PAGE - 1)


@scenario(id="PT-007", title="Register the program's heap frame as a table page", family=PT,
          goal=Goal.TAMPER, rules=("G-PT-RO",),
          prop="Only a FREE or KERNEL frame becomes a table page (REGISTER_PT zeroes it).")
def pt_register_confidential(adv: Adversary) -> None:
    """1. At PLACED, REGISTER_PT the heap page's frame as a level-3 table (the call zeroes
    a new table page; without a Guardian the kernel zeroes it itself for a table)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        if a.guarded:
            a.hvc(Call.REGISTER_PT, _heap_frame(a), 3)
        else:
            a.write_lm(_heap_frame(a), bytes(PAGE))


@scenario(id="PT-008", title="Release the program's heap frame as if it were a table",
          family=PT, goal=Goal.LEAK, rules=("G-RELEASE-UNUSED", "G-LM-UNMAP"),
          prop="RELEASE_PT hands back only table frames: a confidential frame never returns "
               "to the kernel's linear map that way.")
def pt_release_confidential(adv: Adversary) -> None:
    """1. At PLACED, RELEASE_PT the heap page's frame.
    2. Read the frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        if a.guarded:
            a.hvc(Call.RELEASE_PT, _heap_frame(a))
        a.observe(a.read_lm(_heap_frame(a)), "linear map (a 'released' frame)")


@scenario(id="PT-009", title="Release the fresh page's zeroed frame as an empty table",
          family=PT, goal=Goal.LEAK, rules=("G-RELEASE-UNUSED", "G-LM-UNMAP"),
          prop="A confidential page that is still all zeros is no empty table either: "
               "RELEASE_PT never hands it back while the program maps it.")
def pt_release_zero(adv: Adversary) -> None:
    """1. At FRESH, fault the program's fresh page in (a zeroed frame it has not written).
    2. RELEASE_PT that frame: it is all zeros and has no parent, like an empty table.
    3. After the program copied its secret there (FRESH_DONE), read the frame through the
    linear map."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(frame, USER_RW))
        a.mm.resident += 1
        a.el1.tlbi_all()
        a.memo["frame"] = frame
        if a.guarded:
            a.hvc(Call.RELEASE_PT, frame)

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        if "frame" in a.memo:
            a.observe(a.read_lm(a.memo["frame"]), "linear map (a 'released' frame)")
