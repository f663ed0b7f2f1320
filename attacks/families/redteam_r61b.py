"""Red-team round 61b: the secure memory-management ABI's faster paths, and the caches of
translations the Guardian keeps coherent.

The kernel keeps managing the round-50 victim's memory (`secret_r50_mm`, see
attacks/families/redteam_r50.py for its steps and markers) through the Guardian's calls.
These scenarios drive the calls that now run on a path of their own, and the TLBs the
Guardian invalidates by address:

- CLEAR_PT_RANGE (munmap's one call per table) on pages the program never unmapped: a
  level-3 run (XT-001), a level-2 entry spanning a whole table (XT-002), a run holding a
  swap entry, the page then mapped again as a fresh zero page (XT-003);
- a frame the kernel read through its linear map, or through a tree of its own, and
  then hands back to the program (SWAP_IN, MIGRATE_PAGE, THP_SPLIT's table): its EL1
  TLB must no longer translate the old address (XT-004..XT-007);
- a frame still mapped in a tree of the kernel's own swapped into (XT-008); a sealed
  version given up (XT-009), SWAP_IN, MIGRATE_PAGE and COPY_PAGE into frames in use
  (XT-010..XT-012);
- on the victim `secret_r61_mm`: a MADV_FREE page written again and dropped (XT-013), and
  a zero page mapped into the oldest (XT-014) and the newest (XT-015) of 520 holes the
  program's own munmaps left.

Through with the Guardian on when written, refused since: XT-014 (set_pt.unmapped: the
holes are kept sorted and merged, bounded as Linux bounds vmas, space.holes_bound past
the bound, instead of the newest 512 only).

The claim_* step functions do what Linux's own memory management does; the tests in
tests/test_redteam_r61b_claims.py hold the Guardian to letting them through.  Two were
refused when written (xfail), taken for a discard of the program's page, and are let
through since: NUMA balancing's PROT_NONE hinting entry (claim_numa_hint: the entry keeps
its frame, owned and sealed, until do_numa_page() or munmap; guardian/numa_hints.py) and
reclaim's later drop of a clean MADV_FREE page (claim_lazyfree_dropped: while its entry
stays read-only since madvise_free_pte_range() made it clean; guardian/lazy_free.py).
Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.families import redteam_r50 as r50
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator import sysregs as S

RT = "redteam_r61b"
MM = r50.MM
P_FIRST, P_LAST = r50.P_KSM_READ, r50.P_LAST
P_PLACED = 1                # x2 the heap, x3 a buffer on the stack
HELPER_VA = 0x7000_0000     # where the kernel's own tree maps a frame it wants to keep reading


# --- helpers -------------------------------------------------------------------------------
def _leaf(a: Adversary, va: int, level: int = 3):  # type: ignore[no-untyped-def]
    """The walk entry at `level` for va in the program's tree."""
    for e in a.walk(va):
        if e.level == level:
            return e
    return None


def _clear(a: Adversary, va: int, count: int, level: int = 3) -> bool:
    """CLEAR_PT_RANGE of `count` entries from va's entry at `level` (without a Guardian the
    kernel zeroes them itself)."""
    e = _leaf(a, va, level)
    if e is None:
        a.note(f"no level-{level} entry for {va:#x}")
        return False
    try:
        a.mm.tables.writer.clear_entries(e.table, e.index, e.index + count)
    except Exception as exc:     # PageTableRefused: kept as the refusal
        a.refused(f"CLEAR_PT_RANGE refused: {exc}")
        return False
    a.el1.tlbi_all()
    a.note(f"cleared {count} level-{level} entries from {va:#x}")
    return True


def _swap_out(a: Adversary, va: int) -> tuple[int, bytes, int] | None:
    """SWAP_OUT of the program's page at va: (frame it had, sealed blob, old entry)."""
    mm = a.mm
    desc = mm.tables.lookup(va)
    pa = desc & D.ADDR_MASK
    if a.guarded:
        status, _, blob = a.hvc_data(Call.SWAP_OUT, (mm.tables.root, va, r50.SWAP_DESC))
        if status:
            return None
    else:
        blob = a.read_lm(pa)
        mm.tables.set(va, r50.SWAP_DESC)
        a.el1.tlbi_all()
    return pa, blob, desc


def _swap_in(a: Adversary, va: int, frame: int, blob: bytes, desc: int) -> bool:
    mm = a.mm
    new = (desc & ~D.ADDR_MASK) | frame
    if a.guarded:
        status, _, _ = a.hvc_data(Call.SWAP_IN, (mm.tables.root, va, frame, new), blob)
        a.note(f"SWAP_IN {va:#x} into {frame:#x}: status {status}")
        return not status
    a.write_lm(frame, blob)
    mm.tables.set(va, new)
    return True


class _Helper:
    """A tree of the kernel's own, live in TTBR0 with EPD0 clear while the kernel works,
    with the program's tree put back (EPD0 set first) at the end."""

    def __init__(self, a: Adversary) -> None:
        self.a = a
        self.tree = a.new_tree()
        self.old_ttbr0 = a.el1.mrs(S.TTBR0_EL1)
        self.old_tcr = a.el1.mrs(S.TCR_EL1)

    def enter(self) -> None:
        self.a.el1.msr(S.TTBR0_EL1, self.tree.root)
        self.a.el1.msr(S.TCR_EL1, self.old_tcr & ~S.TCR_EPD0)

    def leave(self) -> None:
        self.a.el1.msr(S.TCR_EL1, self.old_tcr)
        self.a.el1.msr(S.TTBR0_EL1, self.old_ttbr0)


def _stale_read(a: Adversary, va: int, where: str) -> None:
    """Read va through whatever the EL1 TLB still holds; what comes back is observed."""
    try:
        a.observe(a.el1.read(va, 64), where)
    except Exception as exc:     # El1Fault: the translation went
        a.refused(f"{where}: {exc!r}")


# --- 1. CLEAR_PT_RANGE on pages the program never unmapped ---------------------------------
@scenario(id="XT-001", title="CLEAR_PT_RANGE of the first pages of the program's written 2 MiB "
          "region at a marker, then a fresh zero page on its next touch", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="A page leaves the program's view only by its own unmapping: munmap's range "
               "call clears nothing the program did not unmap.")
def xt_clear_range_pages(adv: Adversary) -> None:
    """1. The program writes every page of its 2 MiB region X (X[0] = 2) and makes a call
    (its marker).
    2. The kernel clears X's first four entries with one CLEAR_PT_RANGE (munmap's call,
    now checked page by page on a path of its own), and the next touch maps a zero page.
    3. X[0] reads 0: the program logs label -2, secret bytes.  Only do_vmi_munmap(),
    a discarding madvise or mremap zap ptes of a live private area (zap_pte_range());
    getppid() zaps nothing."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _clear(a, args[1], 4)


@scenario(id="XT-002", title="CLEAR_PT_RANGE of the level-2 entry holding the program's written "
          "2 MiB region's table", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="A table of the program's pages goes only with the pages' own unmapping.")
def xt_clear_range_table(adv: Adversary) -> None:
    """1. As XT-001, but the kernel clears the level-2 entry naming X's level-3 table (one
    entry of CLEAR_PT_RANGE at level 2): all 512 pages go at once, and the touches map
    zero pages.  X[0] reads 0, label -2.  free_pgtables() frees a table only under
    unmap_region() of the area's own munmap."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _clear(a, args[1], 1, level=2)


@scenario(id="XT-003", title="Swap X[0]'s page out, clear its swap entry with "
          "CLEAR_PT_RANGE, then map a fresh zero page there", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"), program=MM,
          prop="A swapped-out page comes back with its bytes: its swap entry goes only with "
               "the program's own unmapping.")
def xt_clear_range_swap_entry(adv: Adversary) -> None:
    """1. At the program's marker after writing X, reclaim seals X's first page (SWAP_OUT).
    2. The kernel clears the swap entry alone with CLEAR_PT_RANGE (the range path checks
    only valid entries for discards).
    3. The next touch of X is served as a first touch: a fresh zero page.  X[0] reads 0,
    label -2.  do_swap_page() brings back the written page; zap_pte_range() drops a swap
    entry (free_swap_and_cache()) only for the program's own unmapping."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        if _swap_out(a, x) is None:
            return
        a.mm.resident -= 1
        if not _clear(a, x, 1):
            return
        frame = a.alloc_frame()
        try:
            a.mm.tables.writer.write_entry(_leaf(a, x).table, _leaf(a, x).index,
                                           D.leaf_descriptor(frame, USER_RW), 1)
        except Exception as exc:
            a.refused(f"fresh page over the sealed slot: {exc}")


# --- 2. a frame the kernel's EL1 TLB still translates ----------------------------------------
def _logbuf_page(args: tuple[int, ...]) -> int:
    """The page of the log buffer (x2 of every step's marker)."""
    return args[0] & ~(PAGE - 1)


def _off(args: tuple[int, ...]) -> int:
    """The log buffer's offset in its page."""
    return args[0] & (PAGE - 1)


@scenario(id="XT-004", title="Read the log buffer's scrubbed frame through the linear map after "
          "SWAP_OUT, SWAP_IN it into that same frame, then read the cached linear address "
          "again", family=RT, goal=Goal.LEAK, rules=("G-TLB-FLUSH", "G-SWAP-SEAL"),
          program=MM,
          prop="A frame that joins a domain leaves the kernel's linear map, cached "
               "translations included.")
def xt_linear_tlb_swap_in(adv: Adversary) -> None:
    """1. At a marker (x2 the log buffer, whose first bytes copy the secret), reclaim
    seals the log buffer's page: its frame F is scrubbed and back in the kernel's linear
    map, which the kernel reads (its EL1 TLB now translates F's linear address).
    2. SWAP_IN puts the page back into F; the kernel reads F's linear address again,
    hoping for the cached translation: the secret's copy.  Linux's kernel reads what it
    likes, but here the linear map must drop F (set_linear, invalidation by address)."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        va = _logbuf_page(args)
        got = _swap_out(a, va)
        if got is None:
            return
        pa, blob, desc = got
        a.read_lm(pa, 64)                       # cached
        if _swap_in(a, va, pa, blob, desc):
            _stale_read(a, a.lm(pa) + _off(args), "linear map after SWAP_IN")


@scenario(id="XT-005", title="Map the log buffer's scrubbed frame in a tree of the kernel's own, "
          "read it, clear that entry with CLEAR_PT_RANGE, SWAP_IN the page into the frame, "
          "and read the helper address again", family=RT, goal=Goal.LEAK,
          rules=("G-TLB-FLUSH", "G-ONE-MAPPING"), program=MM,
          prop="A user mapping CLEAR_PT_RANGE removes leaves no cached translation: the "
               "frame's next owner is never read through it.")
def xt_helper_tlb_clear_range(adv: Adversary) -> None:
    """1. Reclaim seals the log buffer's page; its frame F is free again.  The kernel maps
    F at HELPER_VA in a tree of its own (live in TTBR0, EPD0 clear: no program is live)
    and reads it (its EL1 TLB keeps the translation).
    2. It clears that entry with CLEAR_PT_RANGE (invalidation by address, on the range
    path), SWAP_INs the log buffer into F, and reads HELPER_VA again: the secret's copy
    if the translation survived."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        va = _logbuf_page(args)
        got = _swap_out(a, va)
        if got is None:
            return
        pa, blob, desc = got
        h = _Helper(a)
        try:
            h.tree.set(HELPER_VA, D.leaf_descriptor(pa, USER_RW))
            h.enter()
            a.el1.read(HELPER_VA, 64)
            e = a.walk(HELPER_VA, h.tree.root)[-1]
            try:
                h.tree.writer.clear_entries(e.table, e.index, e.index + 1)
            except Exception as exc:
                a.refused(str(exc))
            if _swap_in(a, va, pa, blob, desc):
                _stale_read(a, HELPER_VA + _off(args), "helper tree after CLEAR_PT_RANGE and SWAP_IN")
        finally:
            h.leave()


@scenario(id="XT-006", title="Read a free frame through the linear map (writable), then "
          "MIGRATE_PAGE the log buffer's page into it and read the cached address", family=RT,
          goal=Goal.LEAK, rules=("G-MIGRATE", "G-TLB-FLUSH"), program=MM,
          prop="A migration's new frame leaves the kernel's linear map, cached translations "
               "included.")
def xt_linear_tlb_migrate(adv: Adversary) -> None:
    """1. The kernel writes a free frame N through its linear map (the EL1 TLB caches it
    writable).
    2. MIGRATE_PAGE moves the log buffer's page into N; the kernel reads N's linear
    address again.  migrate_pages() gives the kernel nothing of a page it could not
    read before; the Guardian's new frame must leave the linear map at once."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        va = _logbuf_page(args)
        new = a.alloc_frame()
        a.write_lm(new, bytes(8))
        if a.guarded:
            status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, new)
            if status:
                return
        else:
            old = a.pa_of(va)
            assert old is not None
            a.write_lm(new, a.read_lm(old))
            a.mm.tables.set(va, D.leaf_descriptor(new, USER_RW))
        _stale_read(a, a.lm(new) + _off(args), "linear map after MIGRATE_PAGE")


@scenario(id="XT-007", title="Collapse X, cache a free frame's linear address writable, THP_SPLIT "
          "X with that frame as the new table, then write the cached address to remap X[0] "
          "onto X[1]'s frame", family=RT, goal=Goal.LEAK,
          rules=("G-PT-RO", "G-TLB-FLUSH"), program=MM,
          prop="A table the Guardian takes from the kernel is read-only to it from then on, "
               "cached translations included.")
def xt_split_table_cached(adv: Adversary) -> None:
    """1. khugepaged collapses X (every page written, X[0] = 2).  The kernel writes a free
    frame T through its linear map (cached writable).
    2. THP_SPLIT X with T as its new level-3 table; the kernel then writes T's first
    entry through the cached address, pointing X[0] at X[1]'s frame (zeros): X[0]
    reads 0, label -2.  split_huge_pmd() builds the table; no
    pte is ever written outside the page-table lock's own code."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        mm = a.mm
        zero = a.pa_of(x + PAGE)
        if zero is None:
            return
        if not a.guarded:
            mm.tables.set(x, D.leaf_descriptor(zero, USER_RW))
            a.el1.tlbi_all()
            return
        mm.ctx.memory.compactor.run(mm)
        if not mm.tables.block_at(x):
            a.note("no collapse")
            return
        zero = a.pa_of(x + PAGE)
        t = a.alloc_frame()
        a.write_lm(t, bytes(8))
        status, _ = a.hvc(Call.THP_SPLIT, mm.tables.root, x, t)
        if status or zero is None:
            return
        try:
            a.el1.write_u64(a.lm(t), D.leaf_descriptor(zero, USER_RW))
            a.el1.tlbi_all()
            a.note("X[0] now names X[1]'s frame")
        except Exception as exc:
            a.refused(f"table write: {exc!r}")


@scenario(id="XT-008", title="Map one of the program's frames in a kernel tree before it "
          "joins the program, cache it, then fault it into the program", family=RT,
          goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-TLB-FLUSH"), program=MM,
          prop="A frame enters a domain only while nothing else maps it; the kernel's cached "
               "translations of it go with its other mappings.")
def xt_helper_then_fault(adv: Adversary) -> None:
    """1. At the marker after X is written, reclaim seals the log buffer's page (frame F
    scrubbed and free).  The kernel maps F in its own tree, reads it (cached), and, with
    the mapping still there, SWAP_INs the log buffer into F; then reads HELPER_VA.
    Linux's swap-in takes a fresh page from the allocator (swapin_readahead()); no other
    mapping can name it."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        va = _logbuf_page(args)
        got = _swap_out(a, va)
        if got is None:
            return
        pa, blob, desc = got
        h = _Helper(a)
        try:
            h.tree.set(HELPER_VA, D.leaf_descriptor(pa, USER_RW))
            h.enter()
            a.el1.read(HELPER_VA, 64)
            if _swap_in(a, va, pa, blob, desc):
                _stale_read(a, HELPER_VA + _off(args), "helper tree mapping the swapped-in frame")
        finally:
            h.leave()


# --- 3. the secure calls' frames: sealed versions given up, frames still in use ------------
@scenario(id="XT-009", title="Swap X[0]'s page out, SWAP_DISCARD its sealed version at a marker, "
          "then map a fresh zero page there", family=RT, goal=Goal.LEAK,
          rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"), program=MM,
          prop="A sealed page is given up only by the program's own unmapping.")
def xt_swap_discard(adv: Adversary) -> None:
    """1. Reclaim seals X's first page (X[0] = 2) at the program's marker.
    2. The kernel gives the sealed version up with SWAP_DISCARD, clears the swap entry
    and serves the next touch with a zero page: X[0] reads 0, label -2.  Linux frees a
    swap slot (free_swap_and_cache()) only when the pte goes by the program's own
    unmapping or exit; do_swap_page() brings the page back otherwise."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        mm = a.mm
        if a.guarded:
            status, version, _ = a.hvc_data(Call.SWAP_OUT, (mm.tables.root, x, r50.SWAP_DESC))
            if status:
                return
            status, _ = a.hvc(Call.SWAP_DISCARD, mm.tables.root, x, version)
            a.note(f"SWAP_DISCARD: status {status}")
            if status:
                return
            try:
                mm.tables.set(x, 0)
            except Exception as exc:
                a.refused(str(exc))
                return
        else:
            mm.tables.set(x, 0)
        a.el1.tlbi_all()
        mm.resident -= 1


@scenario(id="XT-010", title="Swap X[0]'s page out and SWAP_IN it into the frame of the log "
          "buffer's page, which stays mapped", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-SWAP-BIND"), program=MM,
          prop="A swap-in fills a frame no one maps: a page of the program never appears at a "
               "second address.")
def xt_swap_in_used_frame(adv: Adversary) -> None:
    """1. Reclaim seals X's first page (X[0] = 2).
    2. The kernel SWAP_INs it into the frame of the log buffer's page: the log buffer's
    first word becomes 2 and its secret copy is overwritten -- and X[0] and the log
    buffer now share a frame.  swapin_readahead() takes a fresh folio from the page
    allocator; a mapped page is never a swap-in target."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        used = a.pa_of(_logbuf_page(args))
        assert used is not None
        if not a.guarded:
            # (without a Guardian the kernel reads the frame it chose directly)
            a.observe(a.read_lm(used & ~(PAGE - 1)), "X[0]'s frame")
            return
        got = _swap_out(a, x)
        if got is None:
            return
        _, blob, desc = got
        _swap_in(a, x, used & ~(PAGE - 1), blob, desc)


@scenario(id="XT-011", title="MIGRATE_PAGE the log buffer's page into X[1]'s frame, which X "
          "still maps", family=RT, goal=Goal.LEAK, rules=("G-MIGRATE", "G-ONE-MAPPING"),
          program=MM,
          prop="A migration's target is a free frame: no page of the program is mapped twice "
               "or overwritten by one.")
def xt_migrate_into_used(adv: Adversary) -> None:
    """1. The kernel migrates the log buffer's page into the frame X[1] maps: X[1] then
    reads the secret's copy and the log buffer shares its frame.  migrate_pages() takes
    its target from the allocator (alloc_migration_target())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x1 = a.pa_of(args[1] + PAGE)
        log = a.pa_of(_logbuf_page(args))
        assert x1 is not None and log is not None
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, _logbuf_page(args), x1 & ~(PAGE - 1))
        else:
            a.observe(a.read_lm(log & ~(PAGE - 1)), "log buffer copied by migration")


@scenario(id="XT-012", title="COPY_PAGE X[1]'s zeros over the frame X[0] maps", family=RT,
          goal=Goal.LEAK, rules=("G-CONF-INTEGRITY",), program=MM,
          prop="A copy-on-write copy goes into a fresh frame, never over a page in use.")
def xt_copy_over_used(adv: Adversary) -> None:
    """1. The kernel copies X[1]'s frame (zeros) over X[0]'s frame with COPY_PAGE: X[0]
    reads 0, label -2.  wp_page_copy() copies into a newly allocated folio."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x0, x1 = a.pa_of(args[1]), a.pa_of(args[1] + PAGE)
        assert x0 is not None and x1 is not None
        if a.guarded:
            a.hvc(Call.COPY_PAGE, x0 & ~(PAGE - 1), x1 & ~(PAGE - 1))
        else:
            a.write_lm(x0 & ~(PAGE - 1), bytes(PAGE))
        a.el1.tlbi_all()


# --- what Linux's own memory management does (tests/test_redteam_r61b_claims.py) ----------
def claim_swap_log_page(adv: Adversary) -> None:
    """1. Reclaim writes the log buffer's page out at a marker (shrink_folio_list()); the
    program's next touch brings it back (do_swap_page())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r50.reclaim(a, a.mm, _logbuf_page(args))


def claim_migrate_log_page(adv: Adversary) -> None:
    """1. Compaction migrates the log buffer's page to a fresh frame (migrate_pages())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        new = a.alloc_frame()
        status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, _logbuf_page(args), new)
        a.note(f"MIGRATE_PAGE of the log buffer's page: status {status}")
        if status:
            a.kernel.frames.put(new)


def claim_collapse_then_split(adv: Adversary) -> None:
    """1. khugepaged collapses X; the huge page is then split again (deferred split under
    memory pressure, split_huge_pmd()), each page keeping its bytes."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        mm = a.mm
        mm.ctx.memory.compactor.run(mm)
        if mm.tables.block_at(x):
            t = a.alloc_frame()
            status, _ = a.hvc(Call.THP_SPLIT, mm.tables.root, x, t)
            a.note(f"THP_SPLIT of {x:#x}: status {status}")
            if status:
                a.kernel.frames.put(t)


def claim_swap_before_dontneed(adv: Adversary) -> None:
    """1. Reclaim writes Y's first three pages out just before the program's
    madvise(Y + 4096, MADV_DONTNEED) and its munmap of the area: zap_pte_range() drops
    the swap entry of Y + 4096 (free_swap_and_cache()), Y[0] comes back on its touch,
    and the munmap drops the rest; later steps map memory at the same addresses."""
    @r50.at(adv, r50.P_THP_DONTNEED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        for i in range(3):
            r50.reclaim(a, a.mm, args[1] + i * PAGE)


def claim_swap_x_page(adv: Adversary) -> None:
    """1. Reclaim writes X's first page out at the marker after it was written; the
    program's next touch brings it back (do_swap_page())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r50.reclaim(a, a.mm, args[1])


def claim_swap_before_read(adv: Adversary) -> None:
    """1. Reclaim writes A out as the program's read() into A starts; the copy_to_user
    faults and do_swap_page() brings A back before the copy goes on."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_READ, during=r50.P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        r50.reclaim(a, a.mm, a.reg("x1") & ~(PAGE - 1))


def claim_migrate_before_read(adv: Adversary) -> None:
    """1. Compaction migrates A as the program's read() into A starts (migrate_pages()
    may run between any two instructions of the kernel's)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_READ, during=r50.P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        new = a.alloc_frame()
        status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.reg("x1") & ~(PAGE - 1), new)
        a.note(f"MIGRATE_PAGE of A: status {status}")
        if status:
            a.kernel.frames.put(new)


def claim_swap_stack_page(adv: Adversary) -> None:
    """1. Reclaim writes a page of the program's stack out at a marker (the buffer on its
    stack that the start marker names); its next touch brings it back (do_swap_page())."""
    @r50.at(adv, P_PLACED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo["stack"] = args[1] & ~(PAGE - 1)

    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r50.reclaim(a, a.mm, a.memo["stack"])


def claim_swap_code_page(adv: Adversary) -> None:
    """1. Reclaim evicts the page of the program's code that the marker's return runs
    (shrink_folio_list(): a clean private file page is dropped and read again; here it
    is sealed and brought back)."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r50.reclaim(a, a.mm, a.reg("pc") & ~(PAGE - 1))


def _remember_mergeable(adv: Adversary) -> None:
    """Keep A (4 after its read) and D (4) of the program's MADV_MERGEABLE areas."""
    @r50.at(adv, r50.P_KSM_READ)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo["A"] = args[1]

    @r50.at(adv, r50.P_DONTNEED_KSM)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo["D"] = args[2]


def claim_ksm_in_fork_child(adv: Adversary) -> None:
    """1. In the sibling step's first fork child, ksmd merges the child's A and D (both
    4, in areas the parent made MADV_MERGEABLE before the fork): ksm_fork() registers the
    child's mm and the areas keep VM_MERGEABLE (vm_area_dup())."""
    _remember_mergeable(adv)

    @r50.at(adv, r50.P_SIBLING_FIRST)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm = r50.mm_of(a)
        r50.merge(a, mm, a.memo["A"], a.memo["D"])


def claim_ksm_parent_and_child(adv: Adversary) -> None:
    """1. While the sibling step's first child lives, ksmd merges the child's D onto
    the parent's A (equal, both VM_MERGEABLE): KSM merges across processes."""
    _remember_mergeable(adv)

    @r50.at(adv, r50.P_SIBLING_FIRST)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        child = r50.mm_of(a)
        parent = a.init.mm
        pa_a = r50.present(a, parent, a.memo["A"])
        pd = r50.present(a, child, a.memo["D"])
        ok = child.ctx.memory.ksm.merge_pair((parent, a.memo["A"], pa_a),
                                             (child, a.memo["D"], pd))
        a.note(f"KSM merged the parent's A and the child's D: {ok}")


# --- 4. lazy-free pages (victim secret_r61_mm) ------------------------------------------------
LAZY = "secret_r61_mm"
# secret_r61_mm: the marker before each step's read-back; the marker after its write is + 1.
P_LAZY, P_LAZY_REWRITTEN = 6200, 6202
P_LAZY_LAST = 6206


def _drop_page(a: Adversary, va: int) -> None:
    """The kernel drops the page at va (its entry cleared, as reclaim discards a
    lazy-free page); the next touch is served as a first touch."""
    if _clear(a, va, 1):
        a.mm.resident -= 1


@scenario(id="XT-013", title="Drop a MADV_FREE page the program wrote again after the advice, "
          "as reclaim drops a clean lazy-free page", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=LAZY,
          prop="A lazy-free page written after MADV_FREE is the program's again: reclaim never "
               "drops it.")
def xt_lazyfree_rewritten(adv: Adversary) -> None:
    """1. The program writes 0 into its page G, gives it up with MADV_FREE, writes 4 into
    it again and makes a call (its marker).
    2. The kernel drops G as if it were still a clean lazy-free page; the read-back maps
    a zero page.  G[0] reads 0: label -4, secret bytes.  A write after MADV_FREE dirties
    the folio, and try_to_unmap_one() then marks it swap-backed and keeps it
    (folio_test_dirty()); only a clean one is discarded."""
    @r50.at(adv, P_LAZY_REWRITTEN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _drop_page(a, args[1])


def claim_lazyfree_dropped(adv: Adversary) -> None:
    """1. madvise(F, MADV_FREE) is served as Linux's madvise_free_pte_range() does: F
    stays mapped (only its dirty and young bits are cleared) and the call answers 0.
    (The kernel model drops a MADV_FREE page at once, inside the call; Linux keeps it
    until reclaim.)
    2. Reclaim then drops the clean lazy-free page F after the madvise returned
    (try_to_unmap_one(): a lazyfree folio not written since is discarded, its pte
    cleared); F's next read maps a zero page, and reads 0 as before."""
    serve_as_getpid(adv, r50.NR_MADVISE, P_PLACED, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_MADVISE, during=P_PLACED, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        f = a.reg("x0")
        desc = a.mm.tables.lookup(f)
        try:        # madvise_free_pte_range(): clean and old; arm64 pte_mkclean(): read-only
            a.mm.tables.set(f, (desc | D.AP_RO) & ~D.DBM)
            a.el1.tlbi_all()
            a.note(f"lazy-free page {f:#x} made clean (read-only)")
        except Exception as exc:
            a.refused(f"MADV_FREE clean: {exc}")

    @r50.at(adv, P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _drop_page(a, args[1])


def claim_zero_page_read(adv: Adversary) -> None:
    """1. The program reads F, which MADV_FREE emptied: Linux's do_anonymous_page() maps
    the shared zero page read-only for a read fault (my_zero_pfn()), the same frame in
    every process; the kernel maps its zero frame at F before the read."""
    @r50.at(adv, P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        f = args[1]
        if a.mm.tables.lookup(f) & D.VALID:
            a.note("F still mapped")
            return
        zero = a.alloc_frame()
        a.write_lm(zero, bytes(PAGE))
        try:
            a.mm.tables.set(f, D.leaf_descriptor(zero, USER_RO))
            a.mm.resident += 1
            a.note(f"zero frame {zero:#x} mapped read-only at {f:#x}")
        except Exception as exc:
            a.refused(str(exc))


# --- 5. a page in a hole the program's munmap left (victim secret_r61_mm) -------------------
P_HOLE_OLD, P_HOLE_NEW = 6204, 6206


def _fill_hole(a: Adversary, va: int) -> None:
    """Map a page of zeros at va, a hole the program's own munmap left."""
    frame = a.alloc_frame()
    a.write_lm(frame, bytes(PAGE))
    try:
        a.mm.tables.set(va, D.leaf_descriptor(frame, USER_RW))
    except Exception as exc:
        a.refused(f"a page in the hole at {va:#x}: {exc}")
        return
    a.mm.resident += 1
    a.el1.tlbi_all()
    a.note(f"zero page mapped in the hole at {va:#x}")


@scenario(id="XT-014", title="After 520 munmaps, map a zero page into the oldest hole just "
          "before the program loads from it", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION",), program=LAZY,
          prop="No page appears where the program's own munmap left nothing: a load there "
               "faults (SEGV_MAPERR), however many holes the program has made since.")
def xt_oldest_hole(adv: Adversary) -> None:
    """1. The program maps 1040 pages and unmaps every other one: 520 holes, the first
    the oldest.  Under a SIGSEGV handler it loads from the oldest hole.
    2. Just before, the kernel maps a zero page there (SET_PT of a zero-filled frame).
    The load completes with 0 instead of faulting: label -4, secret bytes.  Linux's
    do_page_fault() finds no vma there (find_vma()/lock_mm_and_find_vma()) and sends
    SIGSEGV; no fault ever maps a page into a range munmap removed.  (The Guardian kept
    the newest 512 holes only until it kept them sorted and merged, bounded as Linux
    bounds vmas: guardian/hole_list.py, set_pt.unmapped.)"""
    @r50.at(adv, P_HOLE_OLD)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _fill_hole(a, args[1])


@scenario(id="XT-015", title="After 520 munmaps, map a zero page into the newest hole just "
          "before the program loads from it", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION",), program=LAZY,
          prop="No page appears where the program's own munmap left nothing.")
def xt_newest_hole(adv: Adversary) -> None:
    """1. As XT-014, at the newest of the 520 holes: the load completes with 0 instead of
    faulting (label -4).  Linux sends SIGSEGV (SEGV_MAPERR)."""
    @r50.at(adv, P_HOLE_NEW)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _fill_hole(a, args[1])


PTE_PROT_NONE = 1 << 58         # arm64's software bit for a PROT_NONE (NUMA hint) entry


def claim_numa_hint(adv: Adversary) -> None:
    """1. NUMA balancing's scan (task_numa_work() -> change_prot_numa()) turns X's first
    entry into a hinting entry: on arm64 pte_mkprotnone() clears PTE_VALID and sets
    PTE_PROT_NONE, keeping the frame.
    2. The program's next touch of X takes the hinting fault; do_numa_page() makes the
    entry valid again on the same frame (the page not moved) and the access goes on."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        desc = a.mm.tables.lookup(x)
        a.memo["numa"] = (x, desc)
        try:
            a.mm.tables.set(x, (desc & ~D.VALID) | PTE_PROT_NONE)
            a.el1.tlbi_all()
            a.note(f"NUMA hint at {x:#x}")
        except Exception as exc:
            a.refused(f"NUMA hint: {exc}")

    @adv.on(Point.FAULT, during=r50.P_THP_ORDER)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        x, desc = a.memo.get("numa", (None, 0))
        if x is None or info.far & ~0xFFF != x:  # type: ignore[attr-defined]
            return
        a.mm.tables.set(x, desc)
        a.el1.tlbi_all()
        a.note("hinting fault: entry made valid again")


def claim_page_aging(adv: Adversary) -> None:
    """1. Reclaim's LRU aging clears the access flag of X's first entry and of the log
    buffer's (folio_referenced() -> ptep_clear_flush_young(): on arm64 without hardware
    access-flag updates the next access takes an access-flag fault).
    2. That fault sets the flag again on the same frame (handle_pte_fault():
    pte_mkyoung()) and the access goes on."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        for va in (args[1], _logbuf_page(args)):
            desc = a.mm.tables.lookup(va)
            a.memo.setdefault("aged", {})[va] = desc
            try:
                a.mm.tables.set(va, desc & ~D.AF)
                a.note(f"access flag cleared at {va:#x}")
            except Exception as exc:
                a.refused(f"aging: {exc}")
        a.el1.tlbi_all()

    @adv.on(Point.FAULT, during=r50.P_THP_ORDER, once=False)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        desc = a.memo.get("aged", {}).pop(page, None)
        if desc is not None:
            a.mm.tables.set(page, desc)
            a.el1.tlbi_all()
            a.note(f"access-flag fault at {page:#x}: flag set again")


# The steps later rounds' families build on (scenario code names no private attribute).
swap_out, swap_in, drop_page, leaf, fill_hole = _swap_out, _swap_in, _drop_page, _leaf, _fill_hole
