"""Table and lifecycle calls whose arguments break one precondition each.

The companion of `preconditions` for REGISTER_PT, SET_PT, FREE_PGD and
EXIT_DOMAIN: a frame that is not page aligned, an index past the table, a frame
of the wrong kind or one a user table maps.  Each shows what the kernel gains
when that one rule is missing.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.families.page_tables import HELPER_VA
from attacks.families.preconditions import AP, consecutive_frames
from attacks.families.sysregs import heap_frame
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import descriptors as D


# --- table calls whose frame argument is not what the call expects -------------------------
def _fresh_with_spare(a: Adversary) -> None:
    """At FRESH, fault the fresh page in with the second of two consecutive kernel frames
    (a legitimate, zeroed page); keep the first for the scenario."""
    first = consecutive_frames(a)
    a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(first + PAGE, USER_RW))
    a.mm.resident += 1
    a.el1.tlbi_all()
    a.memo["spare"] = first


@scenario(id="AP-008", title="Register a frame a helper maps writable as a table, fill it "
          "through that mapping", family=AP, goal=Goal.LEAK, rules=("G-PT-RO",),
          prop="A frame some user table maps never becomes a table page, so no table is "
               "writable through a user alias.")
def ap_register_user_mapped(adv: Adversary) -> None:
    """1. At PLACED, map a kernel frame writable in a helper address space.
    2. REGISTER_PT that frame as a level-3 table and link it below the helper's tree.
    3. Through the helper's writable mapping, store a leaf for the heap frame into it and
    load the page it maps."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(frame, USER_RW))
        if a.guarded:
            status, _ = a.hvc(Call.REGISTER_PT, frame, 3)
            if status:
                return
        l2 = a.walk(HELPER_VA, tree.root)[2].table
        region = HELPER_VA + (2 << 20)
        a.kernel.writer.write_entry(l2, D.level_index(region, 2), D.table_descriptor(frame))
        a.write_through(tree.root, HELPER_VA, D.leaf_descriptor(heap_frame(a), USER_RO)
                        .to_bytes(8, "little"))
        a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, region, PAGE), "a table filled through a user alias")


@scenario(id="AP-009", title="Register an unaligned frame address that straddles the fresh "
          "page", family=AP, goal=Goal.TAMPER, rules=("G-ABI-ARGS",),
          prop="A frame named by a call is page aligned: REGISTER_PT's zeroing cannot "
               "reach into the next frame.")
def ap_register_unaligned(adv: Adversary) -> None:
    """1. At FRESH, fault the fresh page in with a frame whose predecessor the kernel keeps.
    2. After the program copied its secret there, REGISTER_PT the predecessor plus half a
    page (the call zeroes a new table; without a Guardian the kernel zeroes that range)."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        _fresh_with_spare(a)

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        spare = a.memo["spare"]
        if a.guarded:
            a.hvc(Call.REGISTER_PT, spare + PAGE // 2, 3)
        else:
            a.write_lm(spare + PAGE, bytes(PAGE // 2))


@scenario(id="AP-010", title="Write a table entry past the end of a table page", family=AP,
          goal=Goal.TAMPER, rules=("G-ABI-ARGS",),
          prop="SET_PT's index is below 512: an entry never lands in the frame after the "
               "table.")
def ap_set_pt_index(adv: Adversary) -> None:
    """1. At FRESH, fault the fresh page in with a frame whose predecessor the kernel keeps.
    2. After the program copied its secret there, register the predecessor as a table and
    SET_PT entry 512 + 8 of it: the bytes where the fresh page keeps the secret."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        _fresh_with_spare(a)

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        spare = a.memo["spare"]
        index = 512 + SECRET_OFF // 8
        if a.guarded:
            status, _ = a.hvc(Call.REGISTER_PT, spare, 3)
            if not status:
                a.hvc(Call.SET_PT, spare, index, 0x5A5A_5A5A_5A5A_5A5A & ~D.VALID)
        else:
            a.el1.write_u64(a.lm(spare) + 8 * index, 0x5A5A_5A5A_5A5A_5A5A & ~D.VALID)


@scenario(id="AP-021", title="Clear a range of table entries that runs past the end of the "
          "table", family=AP, goal=Goal.TAMPER, rules=("G-ABI-ARGS",),
          prop="CLEAR_PT_RANGE clears entries of one table only: index + count stays within "
               "its 512 entries, so a range never reaches the frame after the table.")
def ap_clear_range_past_table(adv: Adversary) -> None:
    """1. At FRESH, fault the fresh page in with a frame whose predecessor the kernel keeps.
    2. After the program copied its secret there, register the predecessor as a table and
    clear a range from its last entry across the secret's words in the next frame (without a
    Guardian the kernel zeroes the same span itself)."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        _fresh_with_spare(a)

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        spare = a.memo["spare"]
        count = 1 + SECRET_OFF // 8 + 2
        if a.guarded:
            status, _ = a.hvc(Call.REGISTER_PT, spare, 3)
            if not status:
                a.hvc(Call.CLEAR_PT_RANGE, spare, 511, count)
        else:
            a.write_lm(spare + 8 * 511, bytes(8 * count))


@scenario(id="AP-011", title="Register the heap's level-3 table again as a new table",
          family=AP, goal=Goal.TAMPER, rules=("G-PT-RO",),
          prop="Only a FREE or KERNEL frame becomes a table: a live table is never "
               "re-registered (and zeroed).")
def ap_register_live_table(adv: Adversary) -> None:
    """1. At PLACED, REGISTER_PT the level-3 table that maps the heap page (a new table is
    zeroed; without a Guardian the kernel zeroes the table itself)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        table = a.walk(a.layout.heap)[-1].table
        if a.guarded:
            a.hvc(Call.REGISTER_PT, table, 3)
        else:
            a.write_lm(table, bytes(PAGE))
        a.el1.tlbi_all()


# --- lifecycle and table calls on objects of the wrong kind -------------------------------
@scenario(id="AP-017", title="Mark the program's tree as dying before it becomes confidential",
          family=AP, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="Only a confidential address space can be torn down (EXIT_DOMAIN); a tree "
               "marked before CREATE_DOMAIN gives the kernel no licence to drop its pages.")
def ap_exit_before_create(adv: Adversary) -> None:
    """1. After exec, before CREATE_DOMAIN, call EXIT_DOMAIN on the new program's tree.
    2. At PLACED, remove the heap page's entry."""
    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded:
            a.hvc(Call.EXIT_DOMAIN, a.thread.process.mm.tables.root)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.mm.tables.set(a.layout.heap, 0)
        a.el1.tlbi_all()


@scenario(id="AP-018", title="Free a level-2 table of the live tree as if it were a root",
          family=AP, goal=Goal.TAMPER, rules=("G-FREEPGD-NOT-LIVE",),
          prop="FREE_PGD tears down only a registered root table, never a table inside a "
               "live tree.")
def ap_free_pgd_inner(adv: Adversary) -> None:
    """1. At PLACED, FREE_PGD the level-2 table on the heap page's walk (without a Guardian:
    clear the level-3 table below it)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        walk = a.walk(a.layout.heap)
        table = walk[2].table if a.guarded else walk[3].table
        if a.guarded:
            a.hvc(Call.FREE_PGD, table)
        else:
            a.write_lm(table, bytes(PAGE))
        a.el1.tlbi_all()


@scenario(id="AP-019", title="SET_PT into the heap frame as if it were a table", family=AP,
          goal=Goal.TAMPER, rules=("G-PT-RO",),
          prop="SET_PT writes only into a registered table page.")
def ap_set_pt_not_table(adv: Adversary) -> None:
    """1. At PLACED, SET_PT an (invalid) entry into the heap frame at the secret's offset
    (without a Guardian: store those 8 bytes through the linear map)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        frame = heap_frame(a)
        word = 0x5A5A_5A5A_5A5A_5A5A & ~D.VALID
        if a.guarded:
            a.hvc(Call.SET_PT, frame, SECRET_OFF // 8, word)
        else:
            a.el1.write_u64(a.lm(frame) + SECRET_OFF, word)


@scenario(id="AP-020", title="Link an ordinary kernel frame as a level-3 table, fill it "
          "through the linear map", family=AP, goal=Goal.LEAK, rules=("G-PT-RO",),
          prop="A table descriptor names a registered table one level down, so every table "
               "the walker reads is read-only to the kernel.")
def ap_link_unregistered(adv: Adversary) -> None:
    """1. At PLACED, link a zeroed kernel frame as the level-3 table of an unused 2 MiB
    region of a helper address space.
    2. Store a leaf for the heap frame into it through the linear map; load the page."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(a.alloc_frame(), USER_RO))
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        l2 = a.walk(HELPER_VA, tree.root)[2].table
        region = HELPER_VA + (2 << 20)
        a.kernel.writer.write_entry(l2, D.level_index(region, 2), D.table_descriptor(frame))
        a.el1.write_u64(a.lm(frame), D.leaf_descriptor(heap_frame(a), USER_RO))
        a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, region, PAGE), "an unregistered table")
