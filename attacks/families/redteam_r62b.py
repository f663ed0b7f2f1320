"""Red-team round 62b: the memory-management ABI's newest rules: NUMA-hint (PROT_NONE)
entries that keep their frame (guardian/numa_hints.py) and pages MADV_FREE left
lazy-free (guardian/lazy_free.py).

The kernel manages the round-61b victim `secret_r61_mm` (a page G the program gives up
with MADV_FREE and writes again) and the round-50 victim `secret_r50_mm` (its 2 MiB
region X) through the Guardian's calls:

- a lazy-free record outlives the program's write after MADV_FREE where the write
  fault is served by a call that does not end it (SWAP_OUT then SWAP_IN, MIGRATE_PAGE),
  and the page is then dropped as a clean lazy-free page (XV-001, XV-002);
- a NUMA-hint entry's frame read through the linear map (XV-003), a hint rewritten onto
  another frame (XV-004), a hint written at an entry that never mapped the frame
  (XV-005);
- on the victim `secret_r62_mm`: a lazy-free page read() filled, dropped (XV-006); a zero
  page where mremap moved an area away from (XV-007) and where brk gave the heap's top
  back (XV-008);
- honest memory management refused (claim_* steps, tests/test_redteam_r62b_claims.py):
  arm64's real clean-pte encoding of a lazy-free page (PTE_RDONLY with PTE_WRITE, i.e.
  PTE_DBM, kept: pte_mkclean()), do_numa_page()'s migration of a hinted page
  (migrate_misplaced_folio()), reclaim of a hinted page (try_to_unmap_one(): a PROT_NONE
  pte is pte_present()), a NUMA hint on a huge page (change_huge_pmd()), and munmap of
  65,537 pages nobody mapped (do_vmi_munmap() answers 0 and needs no vma; the Guardian
  counts each as a hole and refuses the space past its bound, space.holes_bound).

All XV scenarios are refused with the Guardian on.  Honest cases let through since: the
DBM clean encoding (guardian/lazy_free.py judges PTE_RDONLY: EL0 runs with TCR_EL1.HD
clear), a hinted page migrated or swapped out and a hinted huge page
(guardian/numa_hints.py), munmap of pages nobody mapped (Space.remove_area: a hole only
where a recorded area went); a table cleared gives up the hints in it
(tests/test_numa_hint_tables.py).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r62b"
MM = r50.MM
LAZY = r61b.LAZY
PTE_PROT_NONE = r61b.PTE_PROT_NONE
#: secret_r61_mm: G's MADV_FREE runs after marker P_LAZY's label (phase P_LAZY + 1).
P_G_FREE = r61b.P_LAZY + 1
P_G_REWRITTEN = r61b.P_LAZY_REWRITTEN


# --- helpers -------------------------------------------------------------------------------
def _clean_at_free(adv: Adversary, phase: int, dbm: bool) -> None:
    """Serve the program's next madvise after `phase` as Linux's MADV_FREE does (the page
    stays mapped, made clean: madvise_free_pte_range()), remembering the page and frame.
    dbm: keep arm64's PTE_WRITE (PTE_DBM) as pte_mkclean() does; else clear it."""
    serve_as_getpid(adv, r50.NR_MADVISE, phase, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_MADVISE, during=phase, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        g = a.reg("x0")
        desc = a.mm.tables.lookup(g)
        a.memo["lazy"] = (g, desc & D.ADDR_MASK, desc)
        new = desc | D.AP_RO
        new = new | D.DBM if dbm else new & ~D.DBM
        try:
            a.mm.tables.set(g, new)
            a.el1.tlbi_all()
            a.note(f"lazy-free page {g:#x} made clean (read-only)")
        except Exception as exc:
            a.refused(f"MADV_FREE clean: {exc}")


def _swap_round_trip(a: Adversary, va: int, frame: int, desc: int) -> bool:
    """SWAP_OUT the page at va, then SWAP_IN its sealed bytes into `frame` with `desc`."""
    got = r61b.swap_out(a, va)
    if got is None:
        a.refused("SWAP_OUT refused")
        cur = a.pa_of(va)       # the write fault served in place, as Linux's would be
        if cur is not None:
            a.mm.tables.set(va, D.leaf_descriptor(cur, r61b.USER_RW))
            a.el1.tlbi_all()
        return False
    _, blob, _ = got
    if not r61b.swap_in(a, va, frame, blob, desc):
        a.refused(f"SWAP_IN into {frame:#x} refused")
        return False
    a.el1.tlbi_all()
    return True


def _drop_clean(a: Adversary, va: int, pa: int) -> None:
    """Make va's entry read-only on `pa` again, then drop it as reclaim drops a clean
    lazy-free page; the next touch is served as a first touch (a zero page)."""
    try:
        a.mm.tables.set(va, D.leaf_descriptor(pa, r61b.USER_RO))
        a.el1.tlbi_all()
    except Exception as exc:
        a.refused(f"read-only again: {exc}")
        return
    r61b.drop_page(a, va)


# --- 1. lazy-free records that outlive the program's write --------------------------------
@scenario(id="XV-001", title="MADV_FREE G (clean, read-only), serve the program's write fault "
          "by SWAP_OUT and SWAP_IN into the same frame writable, then make G read-only and "
          "drop it as a clean lazy-free page", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=LAZY,
          prop="A lazy-free page written after MADV_FREE is the program's again: reclaim never "
               "drops it, whichever call brought the write's page back.")
def xv_lazy_swap_same_frame(adv: Adversary) -> None:
    """1. The program's madvise(G, MADV_FREE) is served as Linux does: G stays mapped,
    made clean and read-only (the Guardian records it lazy-free).
    2. The program writes G[0] = 4: the write fault is served by SWAP_OUT of G and
    SWAP_IN of its sealed bytes into the same frame, writable (the swap calls do not end
    the record); the write completes.
    3. At the marker after the write, the kernel makes G read-only on the same frame (the
    record stands: same frame, clean) and drops it; the read-back maps a zero page.
    G[0] reads 0: label -4, secret bytes.  A write after MADV_FREE dirties the folio
    (do_swap_page() maps it dirty for a write; the folio is swap-backed again) and
    try_to_unmap_one() keeps a dirty or swap-backed folio (folio_test_dirty())."""
    _clean_at_free(adv, P_G_FREE, dbm=False)

    @adv.on(Point.FAULT, during=P_G_FREE, once=False)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        g, pa, desc = a.memo.get("lazy", (None, 0, 0))
        if g is None or info.far & ~0xFFF != g or a.memo.get("served"):  # type: ignore[attr-defined]
            return
        a.memo["served"] = True
        _swap_round_trip(a, g, pa, D.leaf_descriptor(pa, r61b.USER_RW))

    @r50.at(adv, P_G_REWRITTEN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        g, pa, _ = a.memo.get("lazy", (None, 0, 0))
        if g is not None:
            _drop_clean(a, g, pa)


@scenario(id="XV-002", title="MADV_FREE G, serve the write fault by SWAP_IN into another frame "
          "writable, MIGRATE_PAGE G back onto its recorded frame, then make it read-only and "
          "drop it", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-MIGRATE"), program=LAZY,
          prop="A lazy-free page written after MADV_FREE is never dropped, wherever migration "
               "moved it.")
def xv_lazy_migrate_back(adv: Adversary) -> None:
    """1. As XV-001, but the write fault's SWAP_IN puts G's bytes into a fresh frame N.
    2. After the write, MIGRATE_PAGE moves G from N back onto its first frame (free
    since the swap-out), then the kernel makes G read-only there and drops it.  G[0]
    reads 0: label -4.  migrate_pages() keeps the folio's dirty state
    (folio_migrate_flags()), and a written lazy-free folio is never discarded."""
    _clean_at_free(adv, P_G_FREE, dbm=False)

    @adv.on(Point.FAULT, during=P_G_FREE, once=False)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        g, pa, desc = a.memo.get("lazy", (None, 0, 0))
        if g is None or info.far & ~0xFFF != g or a.memo.get("served"):  # type: ignore[attr-defined]
            return
        a.memo["served"] = True
        n = a.alloc_frame()
        _swap_round_trip(a, g, n, D.leaf_descriptor(n, r61b.USER_RW))

    @r50.at(adv, P_G_REWRITTEN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        g, pa, _ = a.memo.get("lazy", (None, 0, 0))
        if g is None:
            return
        if a.guarded:
            status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, g, pa)
            a.note(f"MIGRATE_PAGE of G back onto {pa:#x}: status {status}")
            if status:
                a.refused(f"MIGRATE_PAGE back refused: {status}")
                return
        _drop_clean(a, g, pa)


# --- 2. NUMA-hint entries ------------------------------------------------------------------
def _hint(a: Adversary, va: int) -> tuple[int, int] | None:
    """Write a NUMA-hint entry at va (same frame); (its frame, the old entry)."""
    desc = a.mm.tables.lookup(va)
    try:
        a.mm.tables.set(va, (desc & ~D.VALID) | PTE_PROT_NONE)
        a.el1.tlbi_all()
    except Exception as exc:
        a.refused(f"NUMA hint: {exc}")
        return None
    a.note(f"NUMA hint at {va:#x}")
    return desc & D.ADDR_MASK, desc


@scenario(id="XV-003", title="NUMA-hint X[0]'s entry, then read its frame through the linear "
          "map", family=RT, goal=Goal.LEAK, rules=("G-LM-UNMAP",), program=MM,
          prop="A hinted page's frame stays the program's: the kernel never reads it.")
def xv_hint_linear_read(adv: Adversary) -> None:
    """1. At the marker after X is written, the kernel writes a hinting entry over X[0]
    (valid clear, PTE_PROT_NONE, the frame kept).
    2. It reads the frame through its linear map.  change_prot_numa() leaves the page
    the process's; nothing gives the kernel its bytes."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        got = _hint(a, args[1])
        if got is None:
            return
        try:
            a.observe(a.el1.read(a.lm(got[0]), 64), "linear map of a hinted frame")
        except Exception as exc:
            a.refused(f"linear read: {exc!r}")


@scenario(id="XV-004", title="NUMA-hint X[0], then write a hinting entry naming a zeroed frame "
          "of the kernel's and restore that at the hinting fault", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="do_numa_page() restores the frame the hint kept, or a migration of it.")
def xv_hint_rewritten(adv: Adversary) -> None:
    """1. A hinting entry over X[0], then another hinting entry on a zeroed frame Z of the
    kernel's over it; the fault makes Z's entry valid.  X[0] reads 0: label -2.
    change_prot_numa() and do_numa_page() never change the frame without migrating its
    bytes (migrate_misplaced_folio())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        got = _hint(a, x)
        if got is None:
            return
        z = a.alloc_frame()
        a.write_lm(z, bytes(PAGE))
        try:
            a.mm.tables.set(x, (got[1] & ~D.ADDR_MASK & ~D.VALID) | PTE_PROT_NONE | z)
            a.mm.tables.set(x, (got[1] & ~D.ADDR_MASK) | z)
            a.el1.tlbi_all()
        except Exception as exc:
            a.refused(f"hint onto another frame: {exc}")


@scenario(id="XV-005", title="NUMA-hint X[0], write X[0]'s hinting entry into X[1]'s entry too, "
          "then restore X[1] as a valid entry on X[0]'s frame", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-ONE-MAPPING"), program=MM,
          prop="A hinting entry holds its frame only where that frame was mapped.")
def xv_hint_alias(adv: Adversary) -> None:
    """1. A hinting entry over X[0]; the kernel writes the same hinting entry over X[1]
    (X[1]'s own frame given up), then makes X[1] valid on X[0]'s frame.  X[1] then
    reads X[0]'s bytes: its read-back indexes a wrong label.  change_prot_numa() writes
    each pte's own frame; two private pages never share a writable frame."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        got = _hint(a, x)
        if got is None:
            return
        try:
            a.mm.tables.set(x + PAGE, (got[1] & ~D.VALID) | PTE_PROT_NONE)
            a.mm.tables.set(x + PAGE, got[1])
            a.el1.tlbi_all()
        except Exception as exc:
            a.refused(f"hint aliased at X[1]: {exc}")


# --- 3. honest memory management -----------------------------------------------------------
def claim_lazyfree_dbm_dropped(adv: Adversary) -> None:
    """1. madvise(F, MADV_FREE) as Linux's madvise_free_pte_range() does it on arm64:
    ptep_get_and_clear_full(); pte_mkold(pte_mkclean(pte)).  arm64's pte_mkclean() clears
    PTE_DIRTY and sets PTE_RDONLY but keeps PTE_WRITE, which is PTE_DBM (bit 51): the
    clean pte of a writable page is RDONLY|DBM, whether or not the CPU updates DBM.
    2. Reclaim drops the clean lazy-free page (try_to_unmap_one()); F's read maps a zero
    page and reads 0."""
    _clean_at_free(adv, r61b.P_PLACED, dbm=True)

    @r50.at(adv, r61b.P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


def claim_numa_migrate(adv: Adversary) -> None:
    """1. NUMA balancing hints X[0] (change_prot_numa()).
    2. At the hinting fault do_numa_page() migrates the page to the accessing node
    (migrate_misplaced_folio() -> migrate_pages(): try_to_migrate() takes the PROT_NONE
    pte, pte_present() on arm64, and remove_migration_pte() maps the new frame); the
    kernel issues MIGRATE_PAGE of X[0] onto a fresh frame, then makes it valid."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        got = _hint(a, args[1])
        if got is not None:
            a.memo["numa"] = (args[1], got[1])

    @adv.on(Point.FAULT, during=r50.P_THP_ORDER)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        x, desc = a.memo.get("numa", (None, 0))
        if x is None or info.far & ~0xFFF != x:  # type: ignore[attr-defined]
            return
        new = a.alloc_frame()
        status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, x, new)
        a.note(f"MIGRATE_PAGE of the hinted page: status {status}")
        if status:
            a.refused(f"MIGRATE_PAGE of a hinted page refused: {status}")
            a.mm.tables.set(x, desc)
        else:
            a.mm.tables.set(x, (desc & ~D.ADDR_MASK) | new)
        a.el1.tlbi_all()


def claim_numa_swap(adv: Adversary) -> None:
    """1. NUMA balancing hints X[0] (change_prot_numa()).
    2. Before the program touches it, reclaim writes the page out
    (shrink_folio_list() -> try_to_unmap_one(): the PROT_NONE pte is present to
    page_vma_mapped_walk()); the next touch swaps it back (do_swap_page())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if _hint(a, args[1]) is None:
            return
        try:
            r50.reclaim(a, a.mm, args[1])
        except Exception as exc:
            a.refused(f"reclaim of a hinted page: {exc}")


def claim_numa_hint_huge(adv: Adversary) -> None:
    """1. khugepaged collapses X into a 2 MiB block (collapse_huge_page()).
    2. NUMA balancing hints the huge page: change_huge_pmd() with MM_CP_PROT_NUMA writes
    pmd_modify(pmd, PAGE_NONE): on arm64 the block entry loses its valid bit and gains
    PTE_PROT_NONE, on the same 2 MiB of frames.
    3. The program's next touch takes the hinting fault; do_huge_pmd_numa_page() makes
    the block valid again (not migrated)."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        a.mm.ctx.memory.compactor.run(a.mm)
        e = r61b.leaf(a, x, 2)
        if e is None or not a.mm.tables.block_at(x):
            a.note("X not collapsed")
            return
        desc = e.desc            # the block entry itself (bits[1:0] 01), as pmd_modify() sees it
        a.memo["numa"] = (x, e.table, e.index, desc)
        try:
            a.mm.tables.writer.write_entry(e.table, e.index, (desc & ~D.VALID) | PTE_PROT_NONE)
            a.el1.tlbi_all()
            a.note(f"NUMA hint on the block at {x:#x}")
        except Exception as exc:
            a.refused(f"NUMA hint on a block: {exc}")

    @adv.on(Point.FAULT, during=r50.P_THP_ORDER, once=False)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        x, table, index, desc = a.memo.get("numa", (None, 0, 0, 0))
        if x is None or not x <= info.far < x + (2 << 20):  # type: ignore[attr-defined]
            return
        a.memo.pop("numa")
        a.mm.tables.writer.write_entry(table, index, desc)
        a.el1.tlbi_all()
        a.note("huge hinting fault: block made valid again")


# --- 4. victim secret_r62_mm: a lazy-free page filled by read(), moved areas, brk --------------
VICTIM = "secret_r62_mm"
# secret_r62_mm: the marker before each step's read-back; the marker after its write is + 1.
P_LAZY_READ, P_MOVED, P_BRK_TOP, P_MANY_HOLES = 6400, 6402, 6404, 6406
P_VICTIM_LAST = 6406
MANY_ARGS = (b"-m",)
P_PLACED_R62 = 1
NR_READ = 63


@scenario(id="XV-006", title="MADV_FREE H (clean, read-only), let read() copy 4 into it, then "
          "drop H as a clean lazy-free page", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A lazy-free page a call of the program wrote into is the program's again: "
               "reclaim never drops it.")
def xv_lazy_read_into(adv: Adversary) -> None:
    """1. madvise(H, MADV_FREE) is served as Linux does: H stays mapped, clean and
    read-only (recorded lazy-free).
    2. read() of the pipe's 8 bytes (4) into H completes (the copy's fault is served as
    the kernel likes).
    3. At the marker the kernel makes H read-only on its frame again and drops it; the
    read-back maps a zero page: H[0] reads 0, label -4.  copy_to_user() faults on the
    clean pte, do_wp_page() makes it writable and dirty; try_to_unmap_one() keeps a
    dirty lazyfree folio."""
    _clean_at_free(adv, P_PLACED_R62, dbm=False)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_PLACED_R62, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        # Without a Guardian the kernel's own copy_to_user() takes the write fault:
        # do_wp_page() makes H writable (with one, the Guardian's copy asks for it).
        h, pa, desc = a.memo.get("lazy", (None, 0, 0))
        if h is not None and not a.guarded:
            a.mm.tables.set(h, D.leaf_descriptor(pa, r61b.USER_RW))
            a.el1.tlbi_all()

    @r50.at(adv, P_LAZY_READ)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        h = args[1]
        pa = a.pa_of(h)
        if pa is not None:
            _drop_clean(a, h, pa)




def _fill(a: Adversary, va: int) -> None:
    r61b.fill_hole(a, va)


@scenario(id="XV-007", title="After mremap moved a 4-page area away, map a zero page at its old "
          "address before the program loads from it", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION",), program=VICTIM,
          prop="No page appears where the program's own mremap moved an area away from.")
def xv_moved_hole(adv: Adversary) -> None:
    """1. The program mremaps its 4-page area A to 8 pages elsewhere (MREMAP_MAYMOVE), then
    loads from A under a SIGSEGV handler.
    2. The kernel maps a zero page at A first: the load completes with 0, label -4.
    move_vma() unmaps the old range (do_vmi_munmap()); a fault there finds no vma."""
    @r50.at(adv, P_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _fill(a, args[1])


@scenario(id="XV-008", title="After brk gave the heap's top page back, map a zero page there "
          "before the program loads from it", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-IAGO-BRK"), program=VICTIM,
          prop="No page appears where the program's own brk shrink left nothing.")
def xv_brk_hole(adv: Adversary) -> None:
    """1. The program grows its heap by two pages, writes the top one, shrinks it back,
    then loads from the given-back page under a SIGSEGV handler.
    2. The kernel maps a zero page there first: the load completes with 0, label -4.
    brk() shrinking calls do_vmi_align_munmap(); a fault there finds no vma."""
    @r50.at(adv, P_BRK_TOP)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _fill(a, args[1])

