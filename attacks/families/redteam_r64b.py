"""Red-team round 64b: areas the Guardian records, and the holes it adds only where a
recorded area went (Space.remove_area).

An mremap with MREMAP_DONTUNMAP moves an area's pages and leaves the old range in place,
an area of its own, emptied (Linux's move_vma() with MREMAP_DONTUNMAP keeps the old vma;
its next fault maps a zero page: do_anonymous_page()).  The Guardian's `move_area` took
the old range out of its areas and `mapped_again` only cut it out of the holes: the old
range was then neither, and the program's own munmap of it afterwards (do_vmi_munmap()
removes that vma) added no hole (XY-001: P3).  Refused since: `mapped_again` keeps the
old range as an area (a new origin, its protection), so its munmap leaves a hole
(set_pt.unmapped).

Through: none open.  Refused since this round's fixes: XY-001 (set_pt.unmapped, the
emptied area kept), XY-008 (set_pt.unmapped, an aio ring cuts only its own span).

On the victim `secret_r64_mm`:

- XY-001: after mremap(MREMAP_DONTUNMAP) and the program's munmap of the old range, a
  zero page mapped at the old address (Linux: SEGV_MAPERR): refused (set_pt.unmapped);
- XY-002: the emptied old range's fault served with a page of the kernel's bytes (Linux:
  a zero page);
- XY-003: the emptied old range's fault served with the moved page's own frame;
- XY-008: after an io_setup() answered as Linux does (its aio ring an area of its own), a
  zero page mapped in an older hole: refused (set_pt.unmapped: the ring takes only the
  span aio_setup_ring() may map from the context written back);
- honest: io_setup() writing its aio_context_t (claim_aio_setup): let through since
  CAP_TABLE has io_setup (8 bytes at arg 1, read and written: fs/aio.c);
- honest: the emptied old range's fault served with a zero page, as Linux's
  do_anonymous_page() does (claim_emptied_zero_page, tests/test_redteam_r64b_claims.py).
  The kernel model dropped the old vma at MREMAP_DONTUNMAP, unlike Linux; it keeps it
  since (sys_mremap, as move_vma()); the claim step still maps the zero page and serves
  the munmap's clearing itself;
- honest: THP_SPLIT of a NUMA-hinted huge page (claim_split_hinted_block, victim
  secret_r50_mm): let through since THP_SPLIT takes a hinted block that holds its frames
  as the valid block it stands for (__split_huge_pmd_locked(): 512 valid ptes);
- honest: reclaim of a clean lazy-free page an mremap moved (claim_lazyfree_moved_dropped):
  let through since the program's mremap carries the lazy-free record with the pte
  (lazy_free._moved_here, move_ptes());
- honest: KSM_MERGE of a NUMA-hinted page (claim_ksm_hinted_page, victim secret_r50_mm):
  let through since KSM_MERGE takes a hint holding its frame as the page it stands for
  (folio_walk_start() follows a PROT_NONE pte; replace_page() writes it valid);
- honest: mremap moving a NUMA-hinted page (claim_mremap_hinted_page): let through since
  the hint the program's mremap carries holds its frame at the new entry
  (numa_hints.moved_hint, move_ptes());
- honest: reclaim of a NUMA-hinted lazy-free page (claim_lazyfree_hinted_dropped, victim
  secret_r61_mm): let through since a read-only hint keeps the lazy-free record
  (numa_hints.write_hint, lazy_free._read_only: PAGE_NONE keeps PTE_RDONLY).

Honest and let through: the program's munmap, MADV_DONTNEED and exit over NUMA-hinted
pages (claim_munmap_hinted_page, claim_dontneed_hinted_page, claim_exit_hinted_page).

On secret_r50_mm, NUMA hints: a hint written with a writable page's bits over a
read-only KSM or copy-on-write page and restored writable (XY-004, XY-005), a table
unlinked with a hint in it (XY-006), a table copied with its hint (XY-007).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r64b"
VICTIM = "secret_r64_mm"
# secret_r64_mm: the marker before each step's read-back; the marker after its write is + 1.
P_GONE, P_EMPTIED, P_FREED_MOVED, P_AIO_HOLE = 6700, 6702, 6704, 6706
P_VICTIM_LAST = 6706
NR_IO_SETUP = 0
#: the context io_setup() writes back: Linux's ring address (ctx->user_id = mmap_base)
AIO_RING = 0xFFFF_F700_0000
NR_MUNMAP = 215


def _map_frame(a: Adversary, va: int, frame: int, what: str) -> None:
    try:
        a.mm.tables.set(va, D.leaf_descriptor(frame, r61b.USER_RW))
    except Exception as exc:
        a.refused(f"{what} at {va:#x}: {exc!r}")
        return
    a.mm.resident += 1
    a.el1.tlbi_all()
    a.note(f"{what} mapped at {va:#x}")


@scenario(id="XY-001", title="mremap(MREMAP_DONTUNMAP) moves A's pages and leaves A emptied; "
          "after the program's munmap(A), map a zero page at A before it loads from it",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="No page appears where the program's own munmap removed an area, whichever "
               "call made that area (an mremap's MREMAP_DONTUNMAP leaves one).")
def xy_dontunmap_gone(adv: Adversary) -> None:
    """1. The program writes its 2-page area A, mremaps it with MREMAP_MAYMOVE |
    MREMAP_DONTUNMAP (A stays, an empty area of its own), then munmaps A and loads from
    it under a SIGSEGV handler.
    2. The kernel maps a zero page at A first: the load completes with 0, label -4.
    move_vma() keeps the old vma only until the program's do_vmi_munmap() removes it; a
    fault there then finds no vma (SEGV_MAPERR)."""
    @r50.at(adv, P_GONE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="XY-002", title="After mremap(MREMAP_DONTUNMAP) left B emptied, serve the "
          "program's load from B with a page of the kernel's bytes (4)", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="An anonymous area an mremap emptied faults in zeros, never the kernel's "
               "bytes.")
def xy_emptied_bytes(adv: Adversary) -> None:
    """1. The program's 1-page area B is moved with MREMAP_DONTUNMAP; it loads from B.
    2. The kernel maps a page holding 4 there: the value read, negated, is -4.  The old
    vma keeps no pages (move_page_tables() moved them); do_anonymous_page() maps the
    zero page or a zeroed one."""
    @r50.at(adv, P_EMPTIED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, struct.pack("<Q", 4) + bytes(4088))
        _map_frame(a, args[1], frame, "a page of 4s")


@scenario(id="XY-003", title="After mremap(MREMAP_DONTUNMAP) left B emptied, map the moved "
          "page's frame at B too", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-ONE-MAPPING"), program=VICTIM,
          prop="A page MREMAP_DONTUNMAP moved is at its new address only.")
def xy_emptied_alias(adv: Adversary) -> None:
    """1. As XY-002, but the kernel maps the moved page's own frame (holding 4) at B as
    well: the value read, negated, is -4.  move_page_tables() moves the pte; the old
    address keeps no mapping of the frame."""
    @r50.at(adv, P_EMPTIED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        pa = a.pa_of(args[2])
        if pa is None:
            a.note("moved page not present")
            return
        _map_frame(a, args[1], pa, "the moved page's frame")


def claim_emptied_zero_page(adv: Adversary) -> None:
    """1. The program's 1-page area B is moved with MREMAP_DONTUNMAP: Linux keeps B's vma,
    emptied (move_vma()).
    2. The program's load from B faults; do_anonymous_page() maps a zeroed page (read: the
    zero page; here a zeroed frame, writable, as a write fault would get).  The load
    reads 0."""
    @adv.on(Point.FAULT, during=P_EMPTIED)
    def _(a: Adversary, info: object = None, **_: object) -> None:
        b = info.far & ~0xFFF  # type: ignore[attr-defined]
        a.memo["emptied"] = b
        r61b.fill_hole(a, b)

    # 3. The kernel model dropped B's vma at the mremap, unlike Linux: the program's
    # munmap(B) is served here as do_vmi_munmap() serves it (B's page goes).
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_EMPTIED + 1, once=False)
    def _(a: Adversary, **_: object) -> None:
        b = a.memo.get("emptied")
        if b is None or a.reg("x0") != b:
            return
        a.memo.pop("emptied")
        a.mm.tables.clear(b)
        a.mm.resident -= 1
        a.el1.tlbi_all()
        a.note(f"munmap of the emptied area at {b:#x} clears its page")


def aio_setup_answered(adv: Adversary) -> None:
    """Serve the program's io_setup(1, &ctx) as Linux's does: aio_setup_ring() maps the
    ring (do_mmap(), an area of its own), put_user(ctx->user_id, ctxp) writes its
    address, the call answers 0 (the kernel model has no aio)."""
    serve_as_getpid(adv, NR_IO_SETUP, P_FREED_MOVED + 1, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IO_SETUP, during=P_FREED_MOVED + 1)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.reg("x1"), AIO_RING)     # put_user(ctx->user_id)


@scenario(id="XY-008", title="Answer the program's io_setup() with success, then map a zero "
          "page into the hole its earlier munmap left, before it loads from it", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="An aio ring is one area of its own: every other hole the program's munmap "
               "left stays without a page.")
def xy_aio_forgets_holes(adv: Adversary) -> None:
    """1. The program unmaps the first page of its 2-page area H, then calls io_setup(1):
    the kernel answers it as Linux's io_setup() does (aio_setup_answered).
    2. The kernel maps a zero page at H's first page: the program's load completes with
    0, label -4.  The ring is one new vma; find_vma() at H still finds none
    (SEGV_MAPERR).  The Guardian cuts from its holes only the span the ring may take
    from the context written back (unmapped_holes.note_call, aio_ring_bound)."""
    aio_setup_answered(adv)

    @r50.at(adv, P_AIO_HOLE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def claim_aio_setup(adv: Adversary) -> None:
    """io_setup(1, &ctx) answered as Linux does: 0, the context written
    (aio_setup_answered)."""
    aio_setup_answered(adv)


# --- NUMA hints that widen what they stand for (victim secret_r50_mm) ------------------------
def hint_widened(a: Adversary, mm, va: int) -> None:  # type: ignore[no-untyped-def]
    """Write a NUMA-hint entry over va's read-only leaf on the same frame, its permission
    bits those of a writable page, then make it valid (writable) as a hinting fault
    would: the frame is never copied."""
    desc = mm.tables.lookup(va)
    pa = desc & D.ADDR_MASK
    rw = D.leaf_descriptor(pa, r61b.USER_RW)
    try:
        mm.tables.set(va, (rw & ~D.VALID) | r61b.PTE_PROT_NONE)
        a.el1.tlbi_all()
        a.note(f"writable NUMA hint over the read-only page {va:#x}")
        mm.tables.set(va, rw)
        a.el1.tlbi_all()
        a.note(f"hint at {va:#x} restored writable on frame {pa:#x}")
    except Exception as exc:
        a.refused(f"widened hint at {va:#x}: {exc!r}")


@scenario(id="XY-004", title="KSM-merge A and B before a read() into A, then write a NUMA hint "
          "over A with a writable page's permissions and restore it writable in place",
          family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP", "G-ONE-MAPPING", "G-KSM-DOMAIN"), program=r50.MM,
          prop="A hint stands for the page it hid, with its permissions: restoring it never "
               "makes a shared frame writable.")
def xy_hint_widens_ksm(adv: Adversary) -> None:
    """1. The program's zero pages A and B are MADV_MERGEABLE; it read()s the word 4 into
    A.  As the read starts, the kernel's KSM merges A and B (one frame, read-only).
    2. change_prot_numa() over A, but the hint's bits are a writable page's; the hinting
    fault makes A valid and writable on the merged frame.
    3. The read's copy writes 4 into the merged frame: B reads 4, label -4.
    change_pte_range() keeps the pte's own bits (pte_modify() to PAGE_NONE), and
    do_numa_page() restores them (pte_modify(old_pte, vma->vm_page_prot), write only
    where the pte had it: a KSM pte never has it)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_READ, during=r50.P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        pa_a = a.reg("x1")
        if r50.merge(a, a.mm, pa_a, pa_a + PAGE):
            hint_widened(a, a.mm, pa_a)


@scenario(id="XY-005", title="After fork, write a NUMA hint over the parent's copy-on-write "
          "page with a writable page's permissions and restore it writable before a read() "
          "into it", family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP", "G-ONE-MAPPING"), program=r50.MM,
          prop="After fork a private page is the parent's and the child's each: a hint's "
               "restore never makes the shared frame writable.")
def xy_hint_widens_cow(adv: Adversary) -> None:
    """1. The program's page P holds 4; it forks, the child waits, the parent read()s 0
    into P.  As the read starts, the kernel hints the parent's read-only P with a
    writable page's bits and restores it writable on the frame the child maps.
    2. The copy puts 0 in the shared frame; the child reads 0: label -4.  do_numa_page()
    restores the pte's own write bit (none after fork's copy_present_pte() wrprotect);
    a write then breaks CoW (wp_page_copy())."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_READ, during=r50.P_FORK_WRITE)
    def _(a: Adversary, **_: object) -> None:
        hint_widened(a, a.mm, a.reg("x1") & ~(PAGE - 1))


# --- tables unlinked with a hint below them (victim secret_r50_mm) --------------------------
def _hint_x0(a: Adversary, x: int) -> bool:
    desc = a.mm.tables.lookup(x)
    try:
        a.mm.tables.set(x, (desc & ~D.VALID) | r61b.PTE_PROT_NONE)
        a.el1.tlbi_all()
    except Exception as exc:
        a.refused(f"NUMA hint: {exc!r}")
        return False
    a.note(f"NUMA hint at {x:#x}")
    return True


@scenario(id="XY-006", title="NUMA-hint X[0], then unlink the page table holding the hint "
          "(its level-2 entry cleared by SET_PT) and let X[0] fault in anew", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=r50.MM,
          prop="A table holding a hinted page leaves the tree only with the program's own "
               "unmapping of that page.")
def xy_hint_table_unlinked(adv: Adversary) -> None:
    """1. At the marker after X is written, the kernel hints X[0] (change_prot_numa()).
    2. It clears the level-2 entry of X's page table: the hint goes with the table.
    3. X[0]'s next touch maps a fresh zero page: X[0] - 2 is -2, label -2.  Linux frees a
    pte table only after zapping its range (free_pgtables() after unmap_vmas(), or a
    collapse that copied every page): a hinted pte is a present one (pte_present())."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        if not _hint_x0(a, x):
            return
        e = r61b.leaf(a, x, 2)
        if e is None:
            return
        try:
            a.mm.tables.writer.write_entry(e.table, e.index, 0)
            a.el1.tlbi_all()
            a.note("X's page table unlinked")
        except Exception as exc:
            a.refused(f"unlink of the table holding a hint: {exc!r}")


@scenario(id="XY-007", title="NUMA-hint X[0], copy X's page table (the hint included) into a "
          "new table, link that in place of the old, then restore X[0] valid on its frame",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-ONE-MAPPING"),
          program=r50.MM,
          prop="A hint holds its frame only at the entry that mapped it: a copied hint "
               "holds nothing, and the frame is never given back while hinted.")
def xy_hint_table_copied(adv: Adversary) -> None:
    """1. The kernel hints X[0], then builds a second page table with the same entries
    (X[0]'s hint among them) and writes X's level-2 entry to link it: the old table, and
    with it the hint's hold on X[0]'s frame, goes.
    2. It makes the copied hint valid: X[0] maps its old frame again, now scrubbed, or
    the write is refused.  X[0] reads 0: label -2.  Linux never copies a pte table into
    a new one under a live range (move_normal_pmd() moves the table itself)."""
    @r50.at(adv, r50.P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        x = args[1]
        old = a.mm.tables.lookup(x)
        if not _hint_x0(a, x):
            return
        e2, e3 = r61b.leaf(a, x, 2), r61b.leaf(a, x, 3)
        if e2 is None or e3 is None:
            return
        w = a.mm.tables.writer
        try:
            new = w.alloc_table(3)
            for i, desc in enumerate(a.mm.tables.read_table(e3.table)):
                if desc:
                    w.write_entry(new, i, desc)
            w.write_entry(e2.table, e2.index, D.table_descriptor(new))
            a.el1.tlbi_all()
            a.note("X's page table replaced by a copy holding the hint")
            if not a.guarded:       # the frame the old table's hint held, reused zeroed
                a.write_lm(old & D.ADDR_MASK, bytes(PAGE))
            w.write_entry(new, e3.index, old)
            a.el1.tlbi_all()
            a.note("copied hint restored valid")
        except Exception as exc:
            a.refused(f"copied table: {exc!r}")


# --- honest: a NUMA-hinted huge page split (victim secret_r50_mm) ---------------------------
def claim_split_hinted_block(adv: Adversary) -> None:
    """1. khugepaged collapses the program's region Y into a 2 MiB block just before its
    madvise(Y + 4096, MADV_DONTNEED) (collapse_huge_page()).
    2. NUMA balancing hints the block: change_huge_pmd() with MM_CP_PROT_NUMA writes
    pmd_modify(pmd, PAGE_NONE) (valid bit clear, PTE_PROT_NONE, same frames).
    3. The madvise splits the huge pmd first: zap_pmd_range() calls __split_huge_pmd() for
    a range short of the whole pmd, and a PROT_NONE pmd is pmd_present() on arm64
    (pte_present(): PTE_VALID | PTE_PROT_NONE); __split_huge_pmd_locked() writes 512
    ptes on the same frames (mk_pte() with the vma's vm_page_prot) and links their
    table.  The kernel asks THP_SPLIT of the hinted block with a fresh table frame."""
    @r50.at(adv, r50.P_THP_DONTNEED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        y = args[1]
        a.mm.ctx.memory.compactor.run(a.mm)
        e = r61b.leaf(a, y, 2)
        if e is None or not a.mm.tables.block_at(y):
            a.note("Y not collapsed")
            return
        desc = e.desc
        a.mm.tables.writer.write_entry(e.table, e.index, (desc & ~D.VALID) | r61b.PTE_PROT_NONE)
        a.el1.tlbi_all()
        table = a.alloc_frame()
        status, _ = a.hvc(Call.THP_SPLIT, a.mm.tables.root, y, table)
        a.note(f"THP_SPLIT of the hinted block at {y:#x}: status {status}")
        if status:
            a.refused(f"THP_SPLIT of a hinted block refused: {status}")
            a.mm.tables.writer.write_entry(e.table, e.index, desc)     # the block back
            a.el1.tlbi_all()
            return
        a.mm.tables.block_gone(y)
        a.el1.tlbi_all()


# --- honest: a lazy-free page moved by mremap, then dropped (victim secret_r64_mm) ----------
def clean_at_free(adv: Adversary, phase: int) -> None:
    """Serve the program's next madvise after `phase` as Linux's MADV_FREE does on arm64
    (madvise_free_pte_range(): the pte stays, pte_mkclean(): PTE_RDONLY, PTE_DBM kept)."""
    serve_as_getpid(adv, r50.NR_MADVISE, phase, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_MADVISE, during=phase, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        g = a.reg("x0")
        desc = a.mm.tables.lookup(g)
        try:
            a.mm.tables.set(g, desc | D.AP_RO | D.DBM)
            a.el1.tlbi_all()
            a.note(f"lazy-free page {g:#x} made clean (read-only)")
        except Exception as exc:
            a.refused(f"MADV_FREE clean: {exc!r}")


def claim_lazyfree_moved_dropped(adv: Adversary) -> None:
    """1. The program's page G (0) is given up with MADV_FREE, served as Linux does: G's
    pte clean and read-only, the folio lazyfree (folio_clear_swapbacked()).
    2. mremap moves G onto T: move_ptes() carries the pte as it is (clean; move_pte()
    changes nothing on arm64, move_soft_dirty_pte() only the soft-dirty bit); the folio
    stays lazyfree.
    3. Reclaim drops it at T: try_to_unmap_one() discards a lazyfree anonymous folio
    whose pte and folio are clean.  T's next load maps a zero page: 0."""
    clean_at_free(adv, P_EMPTIED + 1)

    @r50.at(adv, P_FREED_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


# --- honest: KSM merges a NUMA-hinted page (victim secret_r50_mm) ---------------------------
def claim_ksm_hinted_page(adv: Adversary) -> None:
    """1. The program's zero pages A and B are MADV_MERGEABLE; NUMA balancing has hinted
    B (change_prot_numa(): PROT_NONE on its frame).
    2. As the program's read() into A starts, ksmd merges B into A: its page walk
    follows a PROT_NONE pte (folio_walk_start() without FOLL_HONOR_NUMA_FAULT),
    write_protect_page() takes it as present and replace_page() writes B's pte as
    mk_pte(kpage, vma->vm_page_prot), valid, on A's frame.  The kernel asks KSM_MERGE
    of A and the hinted B."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_READ, during=r50.P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        pa_a = a.reg("x1")
        b = pa_a + PAGE
        r50.present(a, a.mm, pa_a)
        r50.present(a, a.mm, b)
        if not _hint_x0(a, b):
            return
        if a.guarded:
            # The kernel's own KSM (its frame counts and CoW marks), KSM_MERGE under it.
            pk = a.mm.tables.lookup(pa_a) & D.ADDR_MASK
            pd = a.mm.tables.lookup(b) & D.ADDR_MASK
            ok = a.mm.ctx.memory.ksm.merge_pair((a.mm, pa_a, pk), (a.mm, b, pd))
            a.note(f"KSM_MERGE of A and the hinted B: {ok}")
            if not ok:
                a.refused("KSM_MERGE of a hinted page refused")
                desc = a.mm.tables.lookup(b)
                a.mm.tables.set(b, (desc & ~r61b.PTE_PROT_NONE) | D.VALID)
                a.el1.tlbi_all()


# --- honest: mremap moves a NUMA-hinted page (victim secret_r64_mm) -------------------------
NR_MREMAP = 216
P_PLACED = 1


def claim_mremap_hinted_page(adv: Adversary) -> None:
    """1. NUMA balancing hints A[0] (change_prot_numa()) just before the program's
    mremap(A, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) onto its page T.
    2. move_ptes() carries the PROT_NONE pte to T as it is (ptep_get_and_clear(), then
    set_pte_at() at the new address): T[0]'s pte is the hint, on A[0]'s frame.
    3. The program's load from T takes the hinting fault; do_numa_page() makes the pte
    valid again on the same frame: T[0] reads 4."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_PLACED, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        if _hint_x0(a, a.reg("x0")):
            a.memo["hinted"] = a.mm.tables.lookup(a.reg("x0"))

    @r50.at(adv, P_GONE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        t = args[2]
        desc = a.mm.tables.lookup(t)
        a.note(f"T[0]'s entry after the move: {desc:#x}")
        if desc & r61b.PTE_PROT_NONE and not desc & D.VALID:
            try:
                a.mm.tables.set(t, (desc & ~r61b.PTE_PROT_NONE) | D.VALID)
                a.el1.tlbi_all()
                a.note("hinting fault at T: valid again")
            except Exception as exc:
                a.refused(f"hint at T made valid: {exc!r}")


# --- honest: reclaim of a NUMA-hinted lazy-free page (victim secret_r61_mm) ----------------
def claim_lazyfree_hinted_dropped(adv: Adversary) -> None:
    """1. madvise(F, MADV_FREE) served as Linux does (the pte clean and read-only, the
    folio lazyfree).
    2. NUMA balancing hints F (change_prot_numa(): pte_modify() to PAGE_NONE keeps the
    clean pte clean; a lazyfree folio is not skipped).
    3. Reclaim drops it: try_to_unmap_one() clears the PROT_NONE pte (present), finds it
    clean (pte_dirty() false) and the folio clean and lazyfree, and discards it.  F's
    read maps a zero page and reads 0."""
    clean_at_free(adv, r61b.P_PLACED)

    @r50.at(adv, r61b.P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if _hint_x0(a, args[1]):
            r61b.drop_page(a, args[1])


# --- honest: the program's munmap of a NUMA-hinted page (victim secret_r64_mm) ---------------
def claim_munmap_hinted_page(adv: Adversary) -> None:
    """NUMA balancing hints the first page of each range the program unmaps after step
    3's marker (T, then H): zap_pte_range() clears a PROT_NONE pte like any present one
    and frees its page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_FREED_MOVED + 1, once=False)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")
        if a.mm.tables.lookup(va) & D.VALID:
            _hint_x0(a, va)


def claim_dontneed_hinted_page(adv: Adversary) -> None:
    """NUMA balancing hints C just before the program's madvise(C, MADV_DONTNEED)
    (secret_r50_mm step 5): zap_pte_range() clears the PROT_NONE pte like any present
    one; C's next touch maps a zero page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_MADVISE, during=r50.P_DONTNEED_KSM)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")
        if a.mm.tables.lookup(va) & D.VALID:
            _hint_x0(a, va)


P_END = 21


def claim_exit_hinted_page(adv: Adversary) -> None:
    """NUMA balancing hints the program's page holding the secret's copy after its last
    use (the marker before its exit): exit_mmap() zaps it like any present page and
    frees the tables (free_pgtables())."""
    @r50.at(adv, P_PLACED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo["mapped"] = args[2]

    @r50.at(adv, P_END)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        va = a.memo.get("mapped")
        if va is not None and a.mm.tables.lookup(va) & D.VALID:
            _hint_x0(a, va)
