"""Red-team round fifty: the secure memory-management ABI, as a hostile kernel drives it.

The kernel keeps managing a confidential program's memory (KSM, fork's copy-on-write,
swap, mremap, madvise, THP) through the Guardian's calls.  These scenarios drive those
calls in orders and on pages an honest kernel would not:

- a copy_to_user into a frame KSM merged or fork shares (XH-001..XH-004);
- a sealed page of an exited fork child swapped into the next child, whose tree reuses
  the same root frame (XH-005, XH-006), or shared from a live sibling (XH-012);
- MADV_DONTNEED on KSM-merged pages served wrongly (XH-007, XH-008), a moved page
  discarded at its mremap target (XH-009), a page dropped during MADV_MERGEABLE
  (XH-021), a fixed mremap of a page a fork child shares that moves nothing (XH-017);
- a THP collapse of a physically permuted run (XH-010), MADV_DONTNEED of one page of a
  huge page that drops the block or its table (XH-013, XH-014), a split table the kernel
  maps a second time (XH-020);
- a live fork child's tree freed under it (XH-011), a fork that leaves a page out of the
  child (XH-015, XH-016) or gives it an older COPY_PAGE snapshot (XH-018), and that
  snapshot put back in the parent (XH-019);
- a page of the kernel's own bytes faulted into anonymous memory mapped with a
  descriptor or an offset (XH-022, XH-023);
- all of RAM read through the linear map throughout a run under memory pressure
  (XH-024);
- a parent's seal shared with its fork child twice, to roll the child's page back after
  it wrote it (XH-025).

The claim_* step functions at the end do what Linux's own memory management does; the
tests in tests/test_redteam_r50_claims.py hold the Guardian to letting them through.

The victim is `secret_r50_mm` (workloads/src/secret_r50_mm.c): each step keeps a record
in a page of its own and turns what it reads back into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import El1Fault
from kernel_model.ksm import SW_COW

RT = "redteam_r50"
MM = "secret_r50_mm"
# secret_r50_mm: the marker before each step; the marker after its write is + 1.
P_KSM_READ, P_FORK_WRITE, P_FORK_CHILD = 5000, 5002, 5004
P_REUSE, P_REUSE_FIRST, P_REUSE_SECOND = 5006, 5008, 5010
P_MREMAP_OUT, P_DONTNEED_KSM, P_THP_ORDER = 5012, 5014, 5016
P_SIBLING, P_SIBLING_FIRST, P_SIBLING_SECOND = 5018, 5020, 5022
P_THP_DONTNEED, P_FORK_MREMAP, P_FORK_MREMAP_CHILD = 5024, 5026, 5028
P_SNAPSHOT, P_SNAPSHOT_CHILD = 5030, 5032
P_ANON_FD, P_ANON_OFF = 5034, 5036
P_SHARE_TWICE, P_SHARE_TWICE_CHILD = 5038, 5040
P_LAST = P_SHARE_TWICE_CHILD
NR_READ, NR_MADVISE, NR_MREMAP = 63, 233, 216
SWAP_DESC = 0x5A << 12          # a swap entry of the kernel's own choosing (bit 0 clear)


# --- helpers: the kernel's own operations on a process's tables ----------------------------
def _mm_of(a: Adversary):  # type: ignore[no-untyped-def]
    """The address space of the thread the kernel serves now (a fork child's at its
    markers)."""
    return a.thread.process.mm


def _pa(a: Adversary, mm, va: int) -> int | None:  # type: ignore[no-untyped-def]
    return a.pa_of(va, mm.tables.root)


def _present(a: Adversary, mm, va: int, write: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Fault the page in as the program's own access would; its frame."""
    mm.handle_fault(va, write, False)
    pa = _pa(a, mm, va)
    assert pa is not None
    return pa


def _merge(a: Adversary, mm, keep: int, dup: int) -> bool:  # type: ignore[no-untyped-def]
    """The kernel's own KSM merges two pages (Guardian or not): dup moves onto keep's
    frame, read-only with the CoW mark in both."""
    pk, pd = _present(a, mm, keep), _present(a, mm, dup)
    ok = bool(mm.ctx.memory.ksm.merge_pair((mm, keep, pk), (mm, dup, pd)))
    a.note(f"KSM merged {keep:#x} and {dup:#x}: {ok}")
    return ok


def _writable_in_place(a: Adversary, mm, va: int) -> None:  # type: ignore[no-untyped-def]
    """Make the page's entry writable on the frame it names, with no copy."""
    pa = _pa(a, mm, va)
    assert pa is not None
    mm.tables.set(va, D.leaf_descriptor(pa, USER_RW))
    a.el1.tlbi_all()
    a.note(f"{va:#x} made writable in place on frame {pa:#x}")


def _seal(a: Adversary, mm, va: int) -> tuple[bytes, int] | None:  # type: ignore[no-untyped-def]
    """Take a page out of the tree behind the kernel model's back (its swap-entry parser
    does not know SWAP_DESC, so no teardown discards it).  Returns the stored bytes and
    the entry the page had."""
    desc = mm.tables.lookup(va)
    pa = desc & D.ADDR_MASK
    if a.guarded:
        status, version, blob = a.hvc_data(Call.SWAP_OUT, (mm.tables.root, va, SWAP_DESC))
        a.note(f"SWAP_OUT {va:#x} (root {mm.tables.root:#x}): status {status}, "
               f"version {version}")
        if status:
            return None
        a.memo["version"] = version
    else:
        blob = a.observe(a.read_lm(pa), "a page written to swap")
        mm.tables.set(va, SWAP_DESC)
        a.el1.tlbi_all()
    a.kernel.frames.put(pa)
    mm.resident -= 1
    return blob, desc


def _unseal(a: Adversary, mm, va: int, blob: bytes, desc: int) -> bool:  # type: ignore[no-untyped-def]
    """Put a stored page at va of the tree mm (whatever tree it was sealed in)."""
    frame = a.alloc_frame()
    new = (desc & ~D.ADDR_MASK) | frame
    if a.guarded:
        status, _, _ = a.hvc_data(Call.SWAP_IN, (mm.tables.root, va, frame, new), blob)
        a.note(f"SWAP_IN {va:#x} (root {mm.tables.root:#x}): status {status}")
        if status:
            a.kernel.frames.put(frame)
            return False
    else:
        a.write_lm(frame, blob)
        mm.tables.set(va, new)
        a.el1.tlbi_all()
    mm.resident += 1
    return True


# --- 1. copy_to_user into a KSM-merged page -------------------------------------------------
@scenario(id="XH-001", title="KSM-merge two zero pages just before a read() into one of them",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-KSM-DOMAIN"), program=MM,
          silent="USER_WRITE answers FAULT_IN for the read-only merged page, and the "
                 "kernel's own fault path then copies it (a CoW break): nothing to refuse",
          prop="A copy_to_user into a page KSM merged lands in a copy of it: the other page "
               "the merge covered keeps its bytes.")
def xh_ksm_copy_to_user(adv: Adversary) -> None:
    """1. The program's two zero pages A and B are MADV_MERGEABLE; it read()s the word 4
    from a pipe into A.
    2. As the read starts, the kernel's KSM merges A and B (B's entry onto A's frame,
    read-only, CoW mark), as ksmd may at any moment; the copy_to_user then goes through
    the Guardian's USER_WRITE as usual (without the Guardian the kernel writes the merged
    frame through its linear map: its copy skips the CoW break).
    3. If the write lands in the merged frame, B reads 4 and the program logs label -4,
    bytes 0..7 of the secret.  do_wp_page() never writes a KSM page in place
    (folio_test_ksm(): always wp_page_copy()), so B could never change."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        mm, lay = a.mm, a.memo
        pa_a, pa_b = a.reg("x1"), a.reg("x1") + PAGE
        if not _merge(a, mm, pa_a, pa_b):
            return
        if not a.guarded:
            _writable_in_place(a, mm, pa_a)
        lay["a"] = pa_a


@scenario(id="XH-002", title="KSM-merge two zero pages, then answer the read()'s write fault "
          "by making the merged page writable in place", family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP", "G-ONE-MAPPING"), program=MM,
          prop="A write fault on a page KSM merged is served by a copy, never by making the "
               "shared frame writable: a read() into one page never shows in the other.")
def xh_ksm_fault_in_place(adv: Adversary) -> None:
    """1. As the program's read() into A starts, the kernel's KSM merges A and B.
    2. The read's copy_to_user is answered FAULT_IN (A is read-only); the kernel serves
    the fault by writing A's entry read-write on the merged frame, no copy.
    3. The retried USER_WRITE puts the word 4 in the frame B maps too: B reads 4 and the
    program logs label -4, bytes 0..7 of the secret.  do_wp_page() copies a KSM page on
    every write fault (wp_page_copy()); B could never change."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x1")
        if _merge(a, a.mm, va, va + PAGE):
            _writable_in_place(a, a.mm, va)


# --- 2. copy_to_user into a page fork shares ------------------------------------------------
@scenario(id="XH-003", title="Make the parent's copy-on-write page writable in place before "
          "a read() into it while the child lives", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-UACCESS-CAP"), program=MM,
          prop="After fork a private page is the parent's and the child's each: a read() "
               "into the parent's page never shows in the child's.")
def xh_fork_write_in_place(adv: Adversary) -> None:
    """1. The program's page P holds 4; it forks, the child waits on a pipe, and the
    parent read()s the word 0 into P.
    2. As the read starts, the kernel writes the parent's entry for P read-write on the
    frame the child still maps read-only (its CoW break skipped).
    3. The copy_to_user puts 0 in the shared frame; woken, the child reads P[0] = 0 and
    logs label 0 - 4: bytes 0..7 of the secret.  The child's P is its own copy after
    fork (wp_page_copy() on the parent's write fault); nothing the parent does after the
    fork reaches it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_FORK_WRITE)
    def _(a: Adversary, **_: object) -> None:
        _writable_in_place(a, a.mm, a.reg("x1") & ~(PAGE - 1))


@scenario(id="XH-004", title="Answer the parent's read() fault on a shared page with a copy "
          "for the child and the old frame, writable, for the parent", family=RT,
          goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-UACCESS-CAP"), program=MM,
          prop="A CoW break gives the faulting tree a copy; the frame the other tree maps "
               "never becomes writable while it is shared.")
def xh_fork_break_backwards(adv: Adversary) -> None:
    """1. As the parent's read() into the shared page P starts, the kernel writes the
    parent's entry read-write on the shared frame first, and only then gives the child a
    copy (COPY_PAGE into a fresh frame, the child's entry moved onto it).
    2. If the first step is let through, the USER_WRITE lands in the frame the child
    still maps: the child reads P[0] = 0 and logs label -4, bytes 0..7 of the secret.
    wp_page_copy() never makes the shared folio writable; the parent's write goes to a
    new page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_FORK_WRITE)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x1") & ~(PAGE - 1)
        _writable_in_place(a, a.mm, va)
        a.memo["va"] = va

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_FORK_WRITE)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("va")
        child = [p for p in a.kernel.processes.values() if p is not a.init and p.mm.alive]
        if va is None or not child:
            return
        cmm = child[-1].mm
        old = _pa(a, cmm, va)
        new = a.alloc_frame()
        if a.guarded:
            a.hvc(Call.COPY_PAGE, new, old)
        else:
            a.el1.copy_page(a.lm(new), a.lm(old))
        cmm.tables.set(va, D.leaf_descriptor(new, USER_RO, software=SW_COW))
        a.el1.tlbi_all()


def _at(adv: Adversary, phase: int):  # type: ignore[no-untyped-def]
    """Decorator: run `fn(a, args)` at the marker `phase` of whichever process makes it."""
    def deco(fn):  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
        def run(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            fn(a, args)
        return fn
    return deco


# --- 3. a sealed page that outlives its process ---------------------------------------------
def _reuse_attack(adv: Adversary, take_root: bool) -> None:
    @_at(adv, P_REUSE_FIRST)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm, q = _mm_of(a), args[1]
        got = _seal(a, mm, q)
        if got is not None:
            a.memo.update(blob=got[0], desc=got[1], root=mm.tables.root)

    if take_root:
        @adv.on(Point.SYSCALL_ENTRY, nr=220, during=P_REUSE_FIRST)   # the second clone()
        def _(a: Adversary, **_: object) -> None:
            root = a.memo.get("root")
            if root is None:
                return
            # The kernel's allocator is its own: hand out the first child's old root
            # next (pull frames until it comes, put the others back).
            held = []
            for _i in range(4096):
                pa = a.alloc_frame()
                if pa == root:
                    a.kernel.frames.put(pa)
                    break
                held.append(pa)
            for pa in held:
                a.kernel.frames.put(pa)
            a.note(f"the first child's root {root:#x} is next in the allocator")

    @_at(adv, P_REUSE_SECOND)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if "blob" not in a.memo:
            return
        mm, q = _mm_of(a), args[1]
        a.note(f"second child's root {mm.tables.root:#x}, first child's "
               f"{a.memo['root']:#x}")
        # Empty Q's entry the way the Guardian lets it go: a CoW break (the child's own
        # copy of the parent's 0), then a seal of that copy.
        _present(a, mm, q, write=True)
        if _seal(a, mm, q) is not None:
            _unseal(a, mm, q, a.memo["blob"], a.memo["desc"])


@scenario(id="XH-005", title="Swap a fork child's written page out behind the kernel's back, "
          "then into the next child at the same address", family=RT, goal=Goal.LEAK,
          rules=("G-SWAP-FRESH", "G-SWAP-BIND"), program=MM,
          prop="A sealed page comes back only into the tree it left: a later fork child "
               "never sees what an earlier (exited) child wrote.")
def xh_reuse_next_child(adv: Adversary) -> None:
    """1. The program's page Q holds 0; a first child writes 4 into its copy and exits.
    2. Just after the write, the kernel seals the child's Q (SWAP_OUT with a swap entry
    its own teardown does not know, so nothing discards the seal when the child exits).
    3. The second child, forked next, reaches its marker before it reads Q: the kernel
    empties its entry for Q the way the Guardian allows (a CoW break, then SWAP_OUT of
    the child's own copy) and swaps the first child's seal in there.
    4. The second child reads Q[0] = 4 and logs label -4, bytes 0..7 of the secret.  A
    child's pages start as copies of its parent's at fork (dup_mmap()/copy_page_range());
    a sibling's writes never reach them."""
    _reuse_attack(adv, take_root=False)


@scenario(id="XH-006", title="Give the next fork child the exited child's root table frame, "
          "then swap the exited child's sealed page into it", family=RT, goal=Goal.LEAK,
          rules=("G-SWAP-FRESH", "G-SWAP-BIND"), program=MM,
          prop="A seal's claim dies with its tree: a new tree built in the same root frame "
               "inherits none of its predecessor's sealed pages.")
def xh_reuse_root(adv: Adversary) -> None:
    """1. As XH-005, the first child's Q (4) is sealed behind the kernel's back; the child
    exits and its tables go back to the kernel.
    2. At the second clone() the kernel's allocator hands out the first child's old root
    frame first, so the second child's tree has the root the seal's claim was recorded
    under.
    3. The kernel empties the second child's entry for Q (a CoW break, then SWAP_OUT)
    and swaps the old seal in.
    4. The second child reads 4 and logs label -4, bytes 0..7 of the secret.  A new mm
    is a new mm (mm_alloc()); nothing of an exited process's swap reaches it except
    through its own parent's pages at fork."""
    _reuse_attack(adv, take_root=True)


# --- 4. MADV_DONTNEED on a page KSM merged ----------------------------------------------------
@scenario(id="XH-007", title="After MADV_DONTNEED of a KSM-merged page, map the merged frame "
          "back at the discarded address", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-CONF-INTEGRITY"), program=MM,
          prop="A private anonymous page MADV_DONTNEED discarded reads zeros next time, even "
               "when KSM had merged it: the merged frame never comes back there.")
def xh_dontneed_ksm_back(adv: Adversary) -> None:
    """1. The program's pages C and D both hold 4 and are MADV_MERGEABLE; it discards C
    with madvise(MADV_DONTNEED) and reads C[0].
    2. As the madvise starts, the kernel's KSM merges C and D; the kernel serves the
    madvise (C's entry goes), then maps the merged frame, which D still maps, back at C
    (read-only, the CoW mark), as if the next touch found it.
    3. The program reads C[0] = 4 and logs label -4, bytes 0..7 of the secret.  After
    zap_page_range_single() the next touch of private anonymous memory runs
    do_anonymous_page(): a zero page, never the KSM page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_DONTNEED_KSM)
    def _(a: Adversary, **_: object) -> None:
        c = a.reg("x0")
        if _merge(a, a.mm, c + PAGE, c):
            a.memo["c"] = c

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MADVISE, during=P_DONTNEED_KSM)
    def _(a: Adversary, **_: object) -> None:
        c = a.memo.get("c")
        if c is None:
            return
        pa = _pa(a, a.mm, c + PAGE)
        a.kernel.frames.get(pa)
        a.mm.tables.set(c, D.leaf_descriptor(pa, USER_RO, software=SW_COW))
        a.el1.tlbi_all()
        a.mm.resident += 1
        a.note(f"merged frame {pa:#x} mapped back at {c:#x}")


@scenario(id="XH-008", title="Serve MADV_DONTNEED of one KSM-merged page by dropping the "
          "other one", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-ONE-MAPPING"), program=MM,
          prop="MADV_DONTNEED discards the range the program named: the page it named reads "
               "zeros, whatever KSM shared it with.")
def xh_dontneed_other(adv: Adversary) -> None:
    """1. As the program's madvise(C, MADV_DONTNEED) starts, the kernel's KSM merges C and
    D (one frame, read-only in both).
    2. The kernel serves the call on D instead (its entry goes, the frame stays, C maps
    it) and answers 0.
    3. The program reads C[0] = 4 and logs label -4, bytes 0..7 of the secret.
    madvise_dontneed_single_vma() zaps exactly [start, end) of the call; C reads zero."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_DONTNEED_KSM)
    def _(a: Adversary, **_: object) -> None:
        c = a.reg("x0")
        if _merge(a, a.mm, c, c + PAGE):
            a.set_reg("x0", c + PAGE)
            a.note("the madvise now names D")


# --- 5. mremap of a paged-out page -----------------------------------------------------------
@scenario(id="XH-009", title="After a fixed mremap moved a page, seal it at its new address and "
          "discard the seal as if the mremap's unmapping covered it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=MM,
          prop="A page mremap moved keeps its bytes at the new address: the target's "
               "unmapping (done before the move) never discards what moved there.")
def xh_mremap_discard_moved(adv: Adversary) -> None:
    """1. The program's page R holds 2 and was paged out (MADV_PAGEOUT); it moves R onto
    its reserved page T with mremap(MREMAP_MAYMOVE | MREMAP_FIXED) and reads T[0].
    2. The kernel serves the move honestly (it swaps R in first, the seal is bound to R's
    address), then, still inside the call, seals T (SWAP_OUT) and gives the seal up
    (SWAP_DISCARD), claiming the call's unmapping of T covers it.
    3. T's next touch finds nothing and maps a zero page: the program reads T[0] = 0 and
    logs label -2, bytes 16..23 of the secret.  mremap_to() unmaps the target before
    move_vma() moves the pages: nothing of the call unmaps what moved."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_MREMAP_OUT)
    def _(a: Adversary, **_: object) -> None:
        a.memo["t"] = a.reg("x4")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_MREMAP_OUT)
    def _(a: Adversary, **_: object) -> None:
        t = a.memo.get("t")
        if t is None or a.reg("x0") != t or _pa(a, a.mm, t) is None:
            return
        got = _seal(a, a.mm, t)
        if got is None:
            return
        if a.guarded:
            status, _ = a.hvc(Call.SWAP_DISCARD, a.mm.tables.root, t, a.memo["version"])
            a.note(f"SWAP_DISCARD {t:#x}: status {status}")
            if status:
                _unseal(a, a.mm, t, got[0], got[1])
                return
        a.mm.tables.set(t, 0)
        a.el1.tlbi_all()


# --- 6. THP collapse keeps each page at its address ---------------------------------------
HUGE = 2 << 20


@scenario(id="XH-010", title="Assemble a 2 MiB region's pages in a physical run with the first "
          "two swapped, then collapse it", family=RT, goal=Goal.LEAK,
          rules=("G-CONF-INTEGRITY", "G-MIGRATE"), program=MM,
          prop="A THP collapse maps each page's own frame at its own address: no page of the "
               "region changes its bytes or its place.")
def xh_thp_permuted(adv: Adversary) -> None:
    """1. The program's 2 MiB-aligned region X has every page written (page 0 holds 2,
    the others 0) and reads X[0] after its marker.
    2. The kernel takes a free 2 MiB-aligned physical run and migrates page i of X into
    frame i of the run (MIGRATE_PAGE), except pages 0 and 1, which it puts into frames 1
    and 0.  Each page is still where it was, with its bytes.
    3. It collapses X (THP_COLLAPSE): a block maps frame i of the run at page i, so page
    0 now shows page 1's zeros.
    4. The program reads X[0] = 0 and logs label -2, bytes 16..23 of the secret.
    collapse_huge_page() copies each small page into the same subpage of the new huge
    page (__collapse_huge_page_copy()); a page never moves to another address."""
    @_at(adv, P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm, x = a.mm, args[1]
        frames = a.kernel.frames
        run = frames.free_run(512)
        if run is None:
            a.note("no free 2 MiB run")
            return
        for i in range(512):
            target = run + ((i ^ 1) if i < 2 else i) * PAGE
            if not frames.take(target):
                a.note(f"frame {target:#x} not free")
                return
            va = x + i * PAGE
            desc = mm.tables.lookup(va)
            old = desc & D.ADDR_MASK
            if a.guarded:
                status, _ = a.hvc(Call.MIGRATE_PAGE, mm.tables.root, va, target)
                if status:
                    frames.put(target)
                    return
            else:
                a.el1.copy_page(a.lm(target), a.lm(old))
                mm.tables.set(va, (desc & ~D.ADDR_MASK) | target)
            frames.put(old)
        a.el1.tlbi_all()
        a.note(f"region {x:#x} assembled in run {run:#x}, pages 0 and 1 crossed")
        if a.guarded:
            mm.collapse_huge(x, run)
        else:                  # the kernel's own block: frame i of the run at page i
            l2, idx, table = mm.tables.l2_slot(x)
            first = mm.tables.lookup(x)
            block = (first & ~D.ADDR_MASK & ~D.TABLE) | run
            mm.tables.writer.write_entry(l2, idx, block)
            mm.tables.block_made(x)
            a.el1.tlbi_all()
        a.note("collapsed")


# --- 7. a live fork child's tree torn down under it -----------------------------------------
def _read_frames(a: Adversary, frames: list[int], where: str) -> None:
    """Read each frame through the kernel's linear map (a refusal skips that frame)."""
    seen = 0
    for pa in frames:
        try:
            a.observe(a.read_lm(pa), where)
            seen += 1
        except El1Fault:
            continue
    a.note(f"{seen} of {len(frames)} frames readable through the linear map")


@scenario(id="XH-011", title="Free a live fork child's whole tree (FREE_PGD without "
          "EXIT_DOMAIN) and read the frames only it mapped", family=RT, goal=Goal.LEAK,
          rules=("G-RELEASE-SCRUB", "G-LM-UNMAP"), program=MM,
          prop="A confidential tree's pages leave it scrubbed, and only once its address "
               "space is gone: freeing the tables of a live child hands the kernel nothing.")
def xh_free_live_child(adv: Adversary) -> None:
    """1. The program forks; the child runs (its stack page is now its own copy, holding
    the secret's stack copy of main()) and reaches its marker.
    2. There the kernel switches TTBR0 to its idle tables and gives up the child's root
    table with FREE_PGD (the tree is no longer the live TTBR0; no EXIT_DOMAIN first),
    having noted every frame only that tree mapped.
    3. It reads those frames through its linear map: the child's own stack page holds
    bytes 0..31 of the secret.  Linux never shows one process's memory to another (or to
    anyone but a ptrace-capable tracer); the kernel here is owed nothing."""
    @_at(adv, P_FORK_CHILD)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        cmm = _mm_of(a)
        own = [desc & D.ADDR_MASK for _va, desc in cmm.tables.leaves()
               if a.kernel.frames.refcount(desc & D.ADDR_MASK) == 1]
        if a.guarded:
            a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
            status, _ = a.hvc(Call.FREE_PGD, cmm.tables.root)
            a.note(f"FREE_PGD of the live child's root: status {status}")
        _read_frames(a, own, "a frame of a freed fork child's tree")


# --- what Linux's own memory management does (tests/test_redteam_r50_claims.py) -------------
def claim_ksm_then_read(adv: Adversary) -> None:
    """1. ksmd merges the program's two zero pages A and B (MADV_MERGEABLE) just before
    its read() into A; the kernel serves everything else as Linux does."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_KSM_READ)
    def _(a: Adversary, **_: object) -> None:
        _merge(a, a.mm, a.reg("x1"), a.reg("x1") + PAGE)


def claim_ksm_then_dontneed(adv: Adversary) -> None:
    """1. ksmd merges C and D (equal, MADV_MERGEABLE) just before madvise(C,
    MADV_DONTNEED); the kernel serves the call as Linux does (C's entry goes)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_DONTNEED_KSM)
    def _(a: Adversary, **_: object) -> None:
        c = a.reg("x0")
        _merge(a, a.mm, c + PAGE, c)


def _reclaim(a: Adversary, mm, va: int) -> None:  # type: ignore[no-untyped-def]
    """The kernel's own reclaim writes one page out (shrink_folio_list())."""
    mm.ctx.memory.swap_out(mm, va, mm.tables.lookup(va))
    a.el1.tlbi_all()
    a.note(f"{va:#x} swapped out by reclaim")


def claim_swap_before_forks(adv: Adversary) -> None:
    """1. Reclaim writes the program's page Q out before its two forks: each child shares
    the swapped page (copy_page_range() copies the swap entry), the first swaps it in to
    write it, the second and the parent to read it."""
    @_at(adv, P_REUSE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _reclaim(a, a.mm, args[1])


def claim_swap_before_mremap(adv: Adversary) -> None:
    """1. Reclaim writes the program's page R out before its fixed mremap; the kernel
    serves the move as it does (the page comes back at the target)."""
    @_at(adv, P_MREMAP_OUT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _reclaim(a, a.mm, args[1])


def claim_collapse(adv: Adversary) -> None:
    """1. khugepaged collapses the program's 2 MiB region (the kernel's own compaction
    assembles a physical run and THP_COLLAPSE maps it)."""
    @_at(adv, P_THP_ORDER)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm = a.mm
        mm.ctx.memory.compactor.run(mm)
        a.note(f"block at {args[1]:#x}: {bool(mm.tables.block_at(args[1]))}")


def claim_swap_ksm_page(adv: Adversary) -> None:
    """1. ksmd merges C and D; reclaim then writes the KSM page out, as
    shrink_folio_list() does for a KSM folio (try_to_unmap() walks every mapping through
    rmap_walk_ksm() and each gets the swap entry)."""
    @_at(adv, P_DONTNEED_KSM)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        c = args[1]
        if _merge(a, a.mm, c + PAGE, c):
            a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, c, SWAP_DESC))


def claim_migrate_shared(adv: Adversary) -> None:
    """1. While the fork child still shares the program's page P (copy-on-write), the
    kernel migrates it (compaction or NUMA balancing: migrate_pages() moves a folio
    mapped by several processes, try_to_migrate() and remove_migration_ptes() fix every
    mapping)."""
    @_at(adv, P_FORK_WRITE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        new = a.alloc_frame()
        status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, args[1], new)
        if status:
            a.kernel.frames.put(new)


def claim_migrate_ksm_page(adv: Adversary) -> None:
    """1. ksmd merges C and D; compaction then migrates the KSM page (KSM folios are
    movable: folio_migrate_mapping()/rmap_walk_ksm())."""
    @_at(adv, P_DONTNEED_KSM)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        c = args[1]
        if _merge(a, a.mm, c + PAGE, c):
            new = a.alloc_frame()
            status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, c, new)
            if status:
                a.kernel.frames.put(new)


# --- 8. a sibling's sealed page shared into a fork child ------------------------------------
NR_CLONE = 220


@scenario(id="XH-012", title="Share a live sibling's sealed page with a new fork child "
          "(SWAP_SHARE from a tree that is not the child's parent)", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-SHARE", "G-SWAP-FRESH"), program=MM,
          prop="A fork child starts with its parent's pages: a seal reaches a new child "
               "only from the tree it is being copied from.")
def xh_sibling_share(adv: Adversary) -> None:
    """1. The program's page S holds 0; a first child writes 4 into its copy and blocks
    on a pipe, alive; at its marker the kernel seals that copy (SWAP_OUT in the first
    child's tree).
    2. The parent forks a second child.  Before anything runs, the kernel breaks the
    second child's share of S (a copy), seals that copy, and asks SWAP_SHARE to let the
    second child also swap in the first child's seal: same domain, the version is
    outstanding for the first child, and the second child is a fork child nothing has
    run in yet.
    3. It swaps the first child's seal in at S in the second child, which reads 4 and
    logs label -4, bytes 0..7 of the secret.  copy_page_range() copies the parent's
    entries only; a sibling's private writes never reach a new child."""
    @_at(adv, P_SIBLING_FIRST)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm = _mm_of(a)
        got = _seal(a, mm, args[1])
        if got is not None:
            a.memo.update(blob=got[0], desc=got[1], first=mm, va=args[1],
                          first_version=a.memo.get("version", 0))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_SIBLING_FIRST)
    def _(a: Adversary, **_: object) -> None:
        if "blob" not in a.memo:
            return
        va, first = a.memo["va"], a.memo["first"]
        kids = [p for p in a.kernel.processes.values()
                if p is not a.init and p.mm.alive and p.mm is not first]
        if not kids:
            return
        second = kids[-1].mm
        _present(a, second, va, write=True)
        if _seal(a, second, va) is None:
            return
        if a.guarded:
            status, _ = a.hvc(Call.SWAP_SHARE, first.tables.root, second.tables.root, va,
                              a.memo["first_version"])
            a.note(f"SWAP_SHARE first child -> second child: status {status}")
        _unseal(a, second, va, a.memo["blob"], a.memo["desc"])


# --- 9. MADV_DONTNEED of one page of a huge page --------------------------------------------
def _collapse_now(a: Adversary, mm, va: int) -> bool:  # type: ignore[no-untyped-def]
    """khugepaged: the kernel's own compaction assembles the region and collapses it."""
    mm.ctx.memory.compactor.run(mm)
    ok = bool(mm.tables.block_at(va))
    a.note(f"region {va:#x} collapsed: {ok}")
    return ok


def _collapse_at_marker(adv: Adversary) -> None:
    @_at(adv, P_THP_DONTNEED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if _collapse_now(a, a.mm, args[1]):
            a.memo["y"] = args[1]


@scenario(id="XH-013", title="Serve MADV_DONTNEED of one page of a huge page by clearing the "
          "whole 2 MiB block", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="MADV_DONTNEED of one page of a huge page discards that page only: the other "
               "511 keep their bytes.")
def xh_thp_dontneed_block(adv: Adversary) -> None:
    """1. The program's 2 MiB region Y has every page written (page 0 holds 2); at its
    marker khugepaged collapses Y into one block (honestly).
    2. The program discards its second page, madvise(Y + 4096, 4096, MADV_DONTNEED); the
    kernel serves it by clearing the level-2 block entry (all 512 pages) instead of
    splitting it.
    3. The program's next read of Y[0] faults in a zero page: it logs label -2, bytes
    16..23 of the secret.  zap_pmd_range() splits a huge PMD a range covers only in part
    (split_huge_pmd()) and zaps the range's ptes alone."""
    _collapse_at_marker(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_THP_DONTNEED)
    def _(a: Adversary, **_: object) -> None:
        y = a.memo.get("y")
        if y is None:
            return
        mm = a.mm
        l2, idx, _block = mm.tables.l2_slot(y)
        mm.tables.writer.write_entry(l2, idx, 0)
        mm.tables.block_gone(y)
        a.el1.tlbi_all()
        a.note("the whole block at Y cleared")


@scenario(id="XH-014", title="Serve MADV_DONTNEED of one page of a huge page by splitting it "
          "and then detaching the new level-3 table", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SETPT-ONE-PARENT"), program=MM,
          prop="MADV_DONTNEED of one page of a huge page discards that page only, however "
               "the kernel splits it: the other pages never go with the table.")
def xh_thp_dontneed_detach(adv: Adversary) -> None:
    """1. As XH-013, Y is one block when the program calls madvise(Y + 4096, 4096,
    MADV_DONTNEED).
    2. The kernel splits the block (THP_SPLIT: a level-3 table of 512 pages), then
    clears the level-2 entry that names that table, as if the range were the whole 2 MiB,
    and leaves the orphaned table to itself.
    3. Y[0]'s next read faults in a zero page under a new table: the program logs label
    -2, bytes 16..23 of the secret.  After split_huge_pmd() Linux zaps only the ptes of
    the range; the page table stays."""
    _collapse_at_marker(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_THP_DONTNEED)
    def _(a: Adversary, **_: object) -> None:
        y = a.memo.get("y")
        if y is None:
            return
        mm = a.mm
        mm.split_huge(y)
        l2, idx, table = mm.tables.l2_slot(y)
        a.note(f"split: level-2 entry {table:#x}")
        mm.tables.writer.write_entry(l2, idx, 0)
        a.el1.tlbi_all()
        a.note("the level-3 table under Y detached")


def claim_collapse_then_dontneed(adv: Adversary) -> None:
    """1. khugepaged collapses the program's region Y just before its madvise(Y + 4096,
    MADV_DONTNEED); the kernel serves the call as Linux does (split, then one pte)."""
    _collapse_at_marker(adv)


# --- 10. a fork that leaves a page out of the child ----------------------------------------
NR_MMAP = 222


@scenario(id="XH-015", title="Leave the program's page out of the fork child's copy, then give "
          "the child a zero page there", family=RT, goal=Goal.LEAK,
          rules=("G-FORK-SHARE", "G-LEAVE-ON-REQUEST"), program=MM,
          prop="A fork child starts with every private page of its parent: a page fork "
               "copied never reads as a fresh zero page in the child.")
def xh_fork_skip_page(adv: Adversary) -> None:
    """1. The program maps its page P and writes 4 into it, then forks; the child logs
    P[0] - 4 after the parent's read() into its own P.
    2. While serving the clone, the kernel leaves P out of the child's tree (its SET_PT
    of the child's entry for P becomes a write of 0; without the Guardian it clears the
    entry after the copy).
    3. When the child reads P, its fault finds no entry and the kernel maps a zero page:
    the child logs label -4, bytes 0..7 of the secret.  copy_page_range() copies every
    present anonymous pte of the parent (copy_present_pte()); the child's P holds 4."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_KSM_READ + 1)
    def _(a: Adversary, **_: object) -> None:
        a.memo.setdefault("p", a.reg("x0"))

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_KSM_READ + 1)
    def _(a: Adversary, **_: object) -> None:
        p = a.memo.get("p")
        if p is not None:
            a.memo["f"] = _pa(a, a.mm, p)
            a.memo["parent_leaf"] = a.walk(p)[-1].table

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> object:
        f = a.memo.get("f")
        if call != Call.SET_PT or f is None or a.phase != P_KSM_READ + 1 or "done" in a.memo:
            return None
        table, index, desc = args[0], args[1], args[2]
        if desc & D.VALID and desc & D.ADDR_MASK == f and table != a.memo["parent_leaf"]:
            a.memo["done"] = True
            fake = a.memo.get("fake", 0)
            a.note(f"the child's SET_PT of P ({table:#x}[{index}]) made a write of {fake:#x}")
            return (table, index, fake, *args[3:]), payload
        return None

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_KSM_READ + 1)
    def _(a: Adversary, **_: object) -> None:
        p = a.memo.get("p")
        if a.guarded or p is None:
            return
        kids = [q for q in a.kernel.processes.values() if q is not a.init and q.mm.alive]
        if kids:
            cmm = kids[-1].mm
            pa = _pa(a, cmm, p)
            if pa is not None:
                cmm.tables.set(p, a.memo.get("fake", 0))
                a.kernel.frames.put(pa)
                cmm.resident -= 1
                a.el1.tlbi_all()


@scenario(id="XH-016", title="Put a swap entry of the kernel's own making in the fork child's "
          "place of the program's page, then give the child a zero page there", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-SHARE", "G-SWAP-FRESH"), program=MM,
          prop="A fork child starts with every private page of its parent: an entry that "
               "only looks swapped out (no seal shared) never stands in for a copy.")
def xh_fork_fake_swap(adv: Adversary) -> None:
    """1. As XH-015, but the child's SET_PT of its entry for P is turned into a swap entry
    (invalid, non-zero) of the kernel's own making: no page, no seal shared with
    SWAP_SHARE, yet the entry looks swapped out to a check of the child's tree.
    2. When the child reads P, the kernel maps a fresh zero page over that entry.
    3. The child logs label -4, bytes 0..7 of the secret.  copy_page_range() copies a
    present pte or a real swap entry (swap_duplicate()); the child's P holds 4."""
    adv.memo["fake"] = SWAP_DESC
    xh_fork_skip_page(adv)      # the same steps; only the entry written differs


def claim_ksm_then_mremap(adv: Adversary) -> None:
    """1. ksmd merges the program's equal pages R and U just before its fixed mremap of
    R; the kernel serves the move as it does (the KSM page's entry moves to T)."""
    @_at(adv, P_MREMAP_OUT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _merge(a, a.mm, args[3], args[1])


# --- 11. mremap of a page a fork child shares -------------------------------------------------
@scenario(id="XH-017", title="Serve a fixed mremap of a page the fork child shares by dropping "
          "the parent's entry and moving nothing", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"), program=MM,
          prop="mremap moves a page's bytes to the new address, shared with a fork child or "
               "not: the target never reads as a fresh zero page.")
def xh_fork_mremap_drop(adv: Adversary) -> None:
    """1. The program's page M holds 2; it forks (the child shares M's frame) and, while
    the child waits, moves M onto its reserved page T with mremap(MAYMOVE | FIXED).
    2. Serving the call, the kernel drops the parent's entry for M (the frame lives on in
    the child, so no content is lost from the frame's point of view) and then moves the
    area with no page in it.
    3. The parent's read of T faults in a zero page: it logs label -2, bytes 16..23 of
    the secret.  move_vma() moves every pte of the old range (move_page_tables()),
    shared or not; T holds 2."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FORK_MREMAP)
    def _(a: Adversary, **_: object) -> None:
        mm, m = a.mm, a.reg("x0")
        pa = _pa(a, mm, m)
        if pa is None:
            return
        mm.tables.set(m, 0)
        a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        mm.resident -= 1
        a.note(f"the parent's entry for M dropped (frame {pa:#x} stays in the child)")


# --- 12. a COPY_PAGE snapshot used after the page changed ------------------------------------
def _snapshot(adv: Adversary) -> None:
    """At P_SNAPSHOT (V holds 4) the kernel copies V's frame into a frame of its own
    (COPY_PAGE: the copy joins the domain; without the Guardian, its linear map)."""
    @_at(adv, P_SNAPSHOT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        v = args[1]
        h = _pa(a, a.mm, v)
        dst = a.alloc_frame()
        if a.guarded:
            status, _ = a.hvc(Call.COPY_PAGE, dst, h)
            if status:
                return
        else:
            a.el1.copy_page(a.lm(dst), a.lm(h))
        a.memo.update(v=v, h=h, snap=dst)
        a.note(f"V's frame {h:#x} copied into {dst:#x} while V holds 4")


@scenario(id="XH-018", title="Give the fork child a COPY_PAGE snapshot of a page taken before "
          "the parent's last write to it", family=RT, goal=Goal.LEAK,
          rules=("G-FORK-SHARE", "G-COPY-CONF-DST"), program=MM,
          prop="A fork child's page holds its parent's bytes as they are at the fork, never "
               "an older copy of them.")
def xh_fork_snapshot(adv: Adversary) -> None:
    """1. The program's page V holds 4; at its marker the kernel copies V's frame into a
    frame of its own with COPY_PAGE (the copy joins the domain); the program then writes
    0 into V and forks.
    2. Serving the clone, the kernel maps the snapshot, not V's frame, at V in the child
    (its SET_PT of the child's entry names the copy; same attributes).
    3. The child reads V[0] = 4 and logs label -4, bytes 0..7 of the secret.
    copy_present_pte() shares the parent's page as it is at the fork: the child's V
    holds 0."""
    _snapshot(adv)

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> object:
        h = a.memo.get("h")
        if call != Call.SET_PT or h is None or a.phase != P_SNAPSHOT or "done" in a.memo:
            return None
        table, index, desc = args[0], args[1], args[2]
        if desc & D.VALID and desc & D.ADDR_MASK == h and \
                table != a.walk(a.memo["v"])[-1].table:
            a.memo["done"] = True
            a.note(f"the child's entry for V names the snapshot {a.memo['snap']:#x}")
            return (table, index, (desc & ~D.ADDR_MASK) | a.memo["snap"], *args[3:]), payload
        return None

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_SNAPSHOT)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded or "snap" not in a.memo:
            return
        kids = [q for q in a.kernel.processes.values() if q is not a.init and q.mm.alive]
        if kids:
            cmm, v = kids[-1].mm, a.memo["v"]
            desc = cmm.tables.lookup(v)
            cmm.tables.set(v, (desc & ~D.ADDR_MASK) | a.memo["snap"])
            a.el1.tlbi_all()


@scenario(id="XH-019", title="Migrate the program's page onto a COPY_PAGE snapshot taken "
          "before its last write", family=RT, goal=Goal.LEAK,
          rules=("G-CONF-INTEGRITY", "G-COPY-CONF-DST"), program=MM,
          prop="A page keeps the bytes the program last wrote: no older copy of it ever "
               "replaces it.")
def xh_snapshot_rollback(adv: Adversary) -> None:
    """1. As XH-018, the kernel snapshots V (4) with COPY_PAGE at the marker; the program
    writes 0 into V and forks.
    2. Serving the clone, before the copy, the kernel points the parent's entry for V at
    the snapshot (as a migration that copied early would), same attributes.
    3. Both the parent and the child read V[0] = 4 and log label -4, bytes 0..7 of the
    secret.  migrate_pages() copies a page while it is unmapped (migration entries) and
    maps the copy only if nothing changed; a write after the copy is never lost."""
    _snapshot(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_SNAPSHOT)
    def _(a: Adversary, **_: object) -> None:
        if "snap" not in a.memo:
            return
        mm, v = a.mm, a.memo["v"]
        desc = mm.tables.lookup(v)
        mm.tables.set(v, (desc & ~D.ADDR_MASK) | a.memo["snap"])
        a.el1.tlbi_all()
        a.kernel.frames.put(a.memo["h"])
        a.note("the parent's V now names the snapshot")


# --- 13. a table frame the kernel keeps a second mapping of ---------------------------------
ALIAS_VA = 0xFFFF_7F80_0000_0000     # an unused corner of the kernel half (L0 index 255)
KERNEL_RW = D.PagePerms(user=False, write=True, user_exec=False)


def _kernel_alias(a: Adversary, frame: int) -> int:
    """Map `frame` a second time in the kernel's own half (its tables, its writer: as
    vmalloc() would), writable; returns the alias address."""
    writer = a.kernel.writer
    table = a.kernel.kernel_ttbr1 & D.ADDR_MASK
    for level in range(3):
        idx = D.level_index(ALIAS_VA, level)
        try:
            desc = a.el1.read_u64(a.lm(table) + 8 * idx)
        except El1Fault:                 # a table it may not read: take the slot as empty
            a.note(f"the kernel half's table {table:#x} is not readable to the kernel")
            desc = 0
        if not desc & D.VALID:
            new = writer.alloc_table(level + 1)
            writer.write_entry(table, idx, D.table_descriptor(new))
            desc = D.table_descriptor(new)
        table = desc & D.ADDR_MASK
    writer.write_entry(table, D.level_index(ALIAS_VA, 3), D.leaf_descriptor(frame, KERNEL_RW))
    a.el1.tlbi_all()
    return ALIAS_VA


@scenario(id="XH-020", title="Hand THP_SPLIT a table frame the kernel also maps writable at a "
          "second kernel address, then rewrite the new table through it", family=RT,
          goal=Goal.LEAK, rules=("G-PT-RO", "G-LM-OWN"), program=MM,
          prop="A frame that becomes a table page is writable to the kernel nowhere: no "
               "second kernel mapping survives THP_SPLIT's check.")
def xh_split_alias(adv: Adversary) -> None:
    """1. The program's region Y (page 0 holds 2) is collapsed into a block at its marker
    (khugepaged, honestly); it then calls madvise(Y + 4096, MADV_DONTNEED).
    2. Serving it, the kernel takes a free frame, maps it writable a second time in its
    own half (a table chain of its own, as vmalloc() builds), and hands it to THP_SPLIT
    as the new level-3 table: the Guardian makes its linear-map entry read-only.
    3. Through the second mapping the kernel rewrites the table's entry for Y: a zeroed
    kernel frame of its own, user read-write.
    4. The program reads Y[0] = 0 and logs label -2, bytes 16..23 of the secret.  A page
    table is the kernel's own in Linux, but here the split table maps a confidential
    program: Linux's split_huge_pmd() keeps each page where it was."""
    _collapse_at_marker(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_THP_DONTNEED)
    def _(a: Adversary, **_: object) -> None:
        y = a.memo.get("y")
        if y is None:
            return
        mm = a.mm
        t = a.alloc_frame()
        a.el1.fill(a.lm(t), 0, PAGE)
        alias = _kernel_alias(a, t)
        a.note(f"frame {t:#x} mapped again at {alias:#x}")
        if a.guarded:
            status, _ = a.hvc(Call.THP_SPLIT, mm.tables.root, y, t)
            a.note(f"THP_SPLIT into {t:#x}: status {status}")
            if status:
                return
            mm.tables.block_gone(y)
        else:
            mm.split_huge(y)
            l2, _idx, desc = mm.tables.l2_slot(y)
            t = desc & D.ADDR_MASK
            alias = a.lm(t)
        z = a.alloc_frame()
        a.el1.fill(a.lm(z), 0, PAGE)
        a.el1.write_u64(alias + 8 * D.level_index(y, 3), D.leaf_descriptor(z, USER_RW))
        a.el1.tlbi_all()
        a.note("Y's entry rewritten through the second mapping")


# --- 14. a page dropped while serving MADV_MERGEABLE -----------------------------------------
@scenario(id="XH-021", title="Drop a page while serving MADV_MERGEABLE of it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="MADV_MERGEABLE only lets KSM share equal pages: it discards nothing.")
def xh_mergeable_drop(adv: Adversary) -> None:
    """1. The program's pages R (2) and U (2) are made MADV_MERGEABLE; it later moves R
    onto T with a fixed mremap and reads T[0].
    2. Serving the madvise, the kernel drops R's page (its entry cleared) as if the call
    had discarded it, and answers 0.
    3. The mremap moves an empty page; T reads 0 and the program logs label -2, bytes
    16..23 of the secret.  ksm_madvise() only sets VM_MERGEABLE (and registers the mm
    with ksmd); no page changes."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_REUSE + 1)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x2") != 12 or "done" in a.memo:      # MADV_MERGEABLE of R and U
            return
        a.memo["done"] = True
        mm, r = a.mm, a.reg("x0")
        pa = _pa(a, mm, r)
        if pa is None:
            return
        mm.tables.set(r, 0)
        a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        mm.resident -= 1
        a.note(f"R's page ({pa:#x}) dropped while serving MADV_MERGEABLE")


def claim_swap_shared(adv: Adversary) -> None:
    """1. While the fork child still shares the program's page P (copy-on-write), reclaim
    writes it out: shrink_folio_list() unmaps a shared anonymous folio from every
    process (try_to_unmap()), each pte getting the same swap entry."""
    @_at(adv, P_FORK_WRITE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, args[1], SWAP_DESC))


# --- 15. anonymous memory mapped with a descriptor or an offset -----------------------------
def _prefilled(adv: Adversary, phase: int) -> None:
    @_at(adv, phase)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm, p = a.mm, args[1]
        if _pa(a, mm, p) is not None:
            return
        frame = a.alloc_frame()
        a.el1.fill(a.lm(frame), 0, PAGE)
        a.el1.write_u64(a.lm(frame), 4)
        mm.tables.set(p, D.leaf_descriptor(frame, USER_RW))   # no zero fill asked
        mm.resident += 1
        a.el1.tlbi_all()
        a.note(f"{p:#x} mapped to a kernel frame holding 4")


@scenario(id="XH-022", title="Fault a page of the kernel's own bytes into anonymous memory the "
          "program mapped with a file descriptor", family=RT, goal=Goal.LEAK,
          rules=("G-CONF-INTEGRITY", "G-MEASURE-PAGE"), program=MM,
          prop="Private anonymous memory starts zero-filled whatever descriptor the mmap "
               "passed: MAP_ANONYMOUS ignores fd.")
def xh_anon_fd(adv: Adversary) -> None:
    """1. The program maps a private anonymous page with mmap(..., MAP_PRIVATE |
    MAP_ANONYMOUS, fd = its /dev/null descriptor, 0) and reads its first word.
    2. The kernel answers the first touch with a frame of its own holding 4 (no zero fill
    asked), as if the mapping were of the file the descriptor names.
    3. The program reads 4 and logs label -4, bytes 0..7 of the secret.  With
    MAP_ANONYMOUS ksys_mmap_pgoff() never looks at fd; do_anonymous_page() maps a zero
    page."""
    _prefilled(adv, P_ANON_FD)


@scenario(id="XH-023", title="Fault a page of the kernel's own bytes into anonymous memory the "
          "program mapped with a non-zero offset", family=RT, goal=Goal.LEAK,
          rules=("G-CONF-INTEGRITY", "G-MEASURE-PAGE"), program=MM,
          prop="Private anonymous memory starts zero-filled whatever offset the mmap "
               "passed.")
def xh_anon_offset(adv: Adversary) -> None:
    """1. The program maps a private anonymous page with fd -1 and offset 20 KiB and reads
    its first word.
    2. The kernel answers the first touch with a frame of its own holding 4 (no zero
    fill asked).
    3. The program reads 4 and logs label -4, bytes 0..7 of the secret.  For anonymous
    memory the offset only sets vm_pgoff (do_mmap()); do_anonymous_page() maps a zero
    page."""
    _prefilled(adv, P_ANON_OFF)


# --- 16. the linear map through a whole run under memory pressure ------------------------------
def _scan_all(a: Adversary, where: str) -> int:
    """Read every frame of RAM through the linear map; returns how many were readable."""
    frames = a.kernel.frames
    seen = 0
    for n in range(frames.nframes):
        pa = frames.base + n * PAGE
        try:
            data = a.read_lm(pa)
        except El1Fault:
            continue
        seen += 1
        if any(data):
            a.observe(data, f"{where} (frame {pa:#x})")
    return seen


@scenario(id="XH-024", title="Under memory pressure, scan all of RAM through the linear map at "
          "every marker of every process, after reclaim has swapped the heap page out and back",
          family=RT, goal=Goal.LEAK, rules=("G-LM-UNMAP", "G-RELEASE-SCRUB", "G-SWAP-SEAL"),
          program=MM, machine="small",
          prop="Whatever the kernel's reclaim, swap, KSM, THP, fork and migration did, no "
               "frame the kernel can read holds a confidential byte.")
def xh_scan_pressure(adv: Adversary) -> None:
    """1. The program runs on the cramped `small` machine (24 MiB): its 2 MiB regions,
    forks and merges keep reclaim, swap, NUMA balancing and compaction busy.
    2. At its PLACED marker the kernel's own reclaim writes the heap page (the secret at
    64) out; the program's next touch brings it back.
    3. After each step's write, at PLACED, at END and at each process exit the kernel
    reads every frame of RAM through its linear map, keeping whatever is readable.
    Linux's kernel may read anything, but here the program's memory is owed to nobody:
    any copy of the secret in a readable frame (a frame freed unscrubbed, a page left in
    the linear map) is a leak."""
    @adv.on(Point.MARKER, once=False, init_only=False)
    def _(a: Adversary, phase: int, **_: object) -> None:
        if phase == 1 and "swapped" not in a.memo:             # PLACED
            a.memo["swapped"] = True
            mm = a.mm
            lay = a.layout
            if lay.heap and _pa(a, mm, lay.heap) is not None:
                _reclaim(a, mm, lay.heap)
        if phase % 2 == 0 and phase != 1:       # after each step's write, and PLACED
            return
        _scan_all(a, f"RAM at marker {phase}")
        a.memo["scans"] = a.memo.get("scans", 0) + 1
        if phase == 21 and a.guarded:           # END
            a.refused(f"{a.memo['scans']} scans of all RAM found no readable frame holding "
                      "the secret")

    @adv.on(Point.EXIT, once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        _scan_all(a, "RAM at a process exit")


# --- 17. one fork, a seal shared with the child twice --------------------------------------------
def _swap_slot(mm, va: int) -> tuple[bytes, int] | None:  # type: ignore[no-untyped-def]
    """The sealed bytes and version the kernel's swap device keeps for va (None: not
    swapped out there)."""
    from kernel_model.swap import swap_entry
    entry = swap_entry(mm.tables.lookup(va))
    if entry is None:
        return None
    store = mm.ctx.memory.swap
    return store.get_bytes(entry[1]), store.tag(entry[1])


@scenario(id="XH-025", title="Share the parent's sealed page with the fork child twice, then "
          "roll the child's page back to it after the child wrote it", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-FORK-SHARE"), program=MM,
          prop="A fork child may swap in its parent's sealed page once: after it wrote the "
               "page, the old seal never comes back.")
def xh_share_twice(adv: Adversary) -> None:
    """1. The program's page G holds 0; at its marker the kernel's reclaim writes G out
    (sealed), then the program forks: the kernel shares the seal with the child
    (SWAP_SHARE), as fork does for a swapped page, and, before anything runs, shares it
    a second time.
    2. The child touches G (its swap-in uses one claim), writes 4 and makes a call (its
    marker).  There the kernel seals the child's G (SWAP_OUT) and swaps the parent's old
    seal in once more with the second claim.
    3. The child reads G[0] = 0 and logs label -4, bytes 0..7 of the secret.
    copy_nonpresent_pte() duplicates the swap entry once (swap_duplicate()); after
    do_swap_page() the child's own page holds what it wrote."""
    @_at(adv, P_SHARE_TWICE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm, g = a.mm, args[1]
        _reclaim(a, mm, g)
        if a.guarded:
            got = _swap_slot(mm, g)
            if got is not None:
                a.memo.update(blob=got[0], version=got[1], g=g,
                              desc=D.leaf_descriptor(0, USER_RW))
        else:
            a.memo.update(g=g)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_SHARE_TWICE)
    def _(a: Adversary, **_: object) -> None:
        kids = [q for q in a.kernel.processes.values() if q is not a.init and q.mm.alive]
        if not kids or "g" not in a.memo:
            return
        a.memo["child"] = kids[-1].mm
        if a.guarded and "blob" in a.memo:
            status, _ = a.hvc(Call.SWAP_SHARE, a.mm.tables.root, kids[-1].mm.tables.root,
                              a.memo["g"], a.memo["version"])
            a.note(f"second SWAP_SHARE of version {a.memo['version']}: status {status}")

    @_at(adv, P_SHARE_TWICE + 2)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        mm, g = _mm_of(a), args[1]
        if a.guarded:
            if "blob" not in a.memo or _seal(a, mm, g) is None:
                return
            _unseal(a, mm, g, a.memo["blob"], mm.tables.lookup(g) | a.memo["desc"])
        else:                           # the kernel keeps the parent's old page
            pa = _pa(a, mm, g)
            if pa is not None:
                a.el1.write_u64(a.lm(pa), 0)


# The steps later rounds' families build on (scenario code names no private attribute).
at, merge, mm_of, present, reclaim = _at, _merge, _mm_of, _present, _reclaim
