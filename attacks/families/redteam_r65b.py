"""Red-team round 65b: the aio ring's place among the holes, lazy-free pages an mremap
moved, and NUMA hints over them.

An io_setup() the Guardian accepts cuts from its holes the span the aio ring may take
from the context written back (unmapped_holes.note_call, aio_ring_bound()).  The bound
is that of arm64's largest CONFIG_NR_CPUS (4096: about 1 MiB for io_setup(1)), not of
the machine the Guardian itself brought up, and the context is taken as it is: a ring
"placed" below the hole, or over it, lets a zero page in where Linux's find_vma() finds
none or finds the ring's own header (aio_setup_ring()).

Through with the Guardian on when written: YA-001, YA-002, YA-010, YA-011 (P3: the aio
ring's span).  Refused: YA-003..YA-009, YA-012..YA-014.  False refusals:
reclaim of a migrated lazy-free page (let through since), an io_submit() reading its iocb, an io_pgetevents()
reading its signal mask, an aio ring page holding its header.

Refused since (guardian/aio_rings.py): YA-001, YA-010 (`set_pt.unmapped`: the ring takes
the span its size on this machine gives, and io_destroy() leaves it a hole again), YA-002
(`set_pt.aio_ring`: the ring's first page holds its header), YA-011 (`return.aio_ring`:
a ring over a recorded area or ring); YA-003 by `return.aio_ring` too.  Let through since:
an io_submit() reading its iocb, writing its aio_key and reading its buffer, an
io_pgetevents() reading its signal mask (the capability table's `iocbs` and
`sigmask_arg`).

Since round 66b a confidential program has no aio (guardian/no_aio.py): an aio ring is
memory the kernel writes while the program runs (aio_complete()) and every
lookup_ioctx() reads its id from user memory, so no honest ring can live in a
confidential domain and the events read from it would be a channel from the kernel the
Guardian cannot judge.  Its io_setup(), io_destroy(), io_submit(), io_cancel(),
io_getevents() and io_pgetevents() (and io_uring's calls) reach the kernel as the
unassigned number 244 with no argument, as on a kernel without CONFIG_AIO: only -ENOSYS
comes back (`return.no_aio`), and the kernel holds no capability during them.  The
ring records (aio_rings.py, `set_pt.aio_ring`, `return.aio_ring`) and the io_*
capabilities are gone.  The scenarios that answer an aio call now meet the kernel's
view of it (244) only where the Guardian is on; the honest aio claims are now the
program's fallback once io_setup() answers -ENOSYS (claim_two_rings, claim_aio_submit,
claim_aio_pgetevents: let through), and a ring the kernel claims to have made
(claim_ring_completion answered through 244) is refused (`return.no_aio`).

On the victim `secret_r64_mm` (round 64b's, reused):

- YA-001: io_setup(1) answered with a context one page below the hole H left by the
  program's munmap, then a zero page mapped at H;
- YA-002: io_setup(1) answered with the hole H itself as the ring's address, then a page
  of zeros mapped at H (Linux's ring page starts with its aio_ring header);
- YA-003: io_setup(1) answered with a context past the user range, then a zero page
  mapped at H: refused;
- YA-013, YA-014: a NUMA hint an mremap carried to T made valid on another frame, or
  dropped: refused;
- honest: the carried hint migrated (claim_moved_hint_migrated) or swapped out and in
  (claim_moved_hint_swapped): let through;
- honest: reclaim of the lazy-free page an mremap moved, after a NUMA hint over it
  (claim_lazyfree_moved_hinted_dropped): let through;
- honest: reclaim of that page after MIGRATE_PAGE moved it
  (claim_lazyfree_moved_migrated_dropped), and of a lazy-free page after MIGRATE_PAGE
  (claim_lazyfree_migrated_dropped, victim secret_r61_mm): let through since the
  record follows MIGRATE_PAGE to the new frame (Linux's migration keeps the folio
  lazyfree and its pte clean); a false refusal when written.

On the victim `secret_r65_mm`:

- YA-004..YA-006: an emptied MREMAP_DONTUNMAP area moved again by the program's mremap:
  a zero page at its old range, the first move's frame or a page of 4s at its new one;
- YA-007: a zero page in the part of an emptied area the program's munmap removed;
- YA-008, YA-009: an emptied area made PROT_READ, its fault served with 4s or with the
  moved page's frame, read-only;
- YA-010: two io_setup() rings, the first over the hole H and destroyed by io_destroy(),
  then a zero page at H;
- YA-011: both rings answered at one address, 1 MiB below H, then a zero page at H;
- YA-012: a lazy-free page an mremap moved and the program wrote afterwards, dropped
  as reclaim drops a clean lazy-free page;
- honest: the same page kept (claim_written_moved_kept);
- honest: two rings at distinct addresses and an io_destroy() (claim_two_rings): let
  through;
- honest: one aio write served as fs/aio.c serves it (claim_aio_submit): let through
  (once a false refusal: io_submit's capability covered the iocb pointer array only);
- honest: the aio ring's page mapped with its header, then written at a completion
  (claim_ring_completion): refused, a false refusal (xfail: set_pt.zero_fill): the
  ring is the kernel's page, filled by aio_setup_ring() and aio_complete(), and the
  Guardian has no class of pages the kernel keeps (its header passes `set_pt.aio_ring`);
- honest: io_pgetevents() with a signal mask (claim_aio_pgetevents): let through (once
  a false refusal: its capabilities covered the __aio_sigset only).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r64b as r64b
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r65b"
VICTIM = r64b.VICTIM
NR_MUNMAP = 215
NR_MREMAP = 216


def _remember_holes(adv: Adversary) -> None:
    """The address of each munmap the program makes before io_setup (the last: H)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=r64b.P_FREED_MOVED + 1, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["hole"] = a.reg("x0")


def aio_answered_at(adv: Adversary, place) -> None:  # type: ignore[no-untyped-def]
    """io_setup(1, &ctx) answered 0, with the context `place(H)` written back."""
    _remember_holes(adv)
    serve_as_getpid(adv, r64b.NR_IO_SETUP, r64b.P_FREED_MOVED + 1, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=r64b.P_FREED_MOVED + 1)
    def _(a: Adversary, **_: object) -> None:
        ctx = place(a.memo.get("hole", r64b.AIO_RING))
        a.kernel.uaccess.write_u64(a.reg("x1"), ctx)
        a.note(f"io_setup's context written: {ctx:#x}")


@scenario(id="YA-001", title="Answer io_setup(1) with a ring one page below the hole H, then "
          "map a zero page at H before the program loads from it", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="An aio ring takes the span its own size gives on this machine: a hole past "
               "it stays without a page.")
def ya_ring_below_hole(adv: Adversary) -> None:
    """1. The program unmaps H's first page and calls io_setup(1); the kernel answers 0
    with the context H - 4096.
    2. It maps a zero page at H: the load completes with 0, label -4.  ioctx_alloc()
    makes io_setup(1)'s ring max(1, num_possible_cpus() * 4) * 2 + 2 events; with
    fewer than 16 possible CPUs (this machine's, which the Guardian brought up and
    knows: machine_facts) that is one page (aio_setup_ring(): 32 + 32 * nr_events bytes,
    PFN_UP), ending at H: find_vma() at H finds no vma (SEGV_MAPERR).  The Guardian
    allows 4096 possible CPUs (aio_ring_bound(): 257 pages)."""
    aio_answered_at(adv, lambda h: h - PAGE)

    @r50.at(adv, r64b.P_AIO_HOLE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="YA-002", title="Answer io_setup(1) with the hole H as the ring's address, then "
          "map a page of zeros at H before the program loads from it", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="A page the kernel maps where the program's munmap left a hole carries "
               "what Linux's own area there would: an aio ring starts with its header.")
def ya_ring_over_hole(adv: Adversary) -> None:
    """1. As YA-001, but the context written back is H itself.
    2. The kernel maps a zero page at H: the load completes with 0, label -4.
    aio_setup_ring() fills the ring's first page before io_setup() returns: ring->id
    (~0U) and ring->nr in its first word, ring->magic AIO_RING_MAGIC; a word of 0 is
    never there."""
    aio_answered_at(adv, lambda h: h)

    @r50.at(adv, r64b.P_AIO_HOLE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="YA-003", title="Answer io_setup(1) with a context past the user range, then "
          "map a zero page at the hole H before the program loads from it", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=VICTIM,
          prop="An io_setup's ring is a user area: a context outside the user range "
               "places no ring and cuts no hole.")
def ya_ring_nowhere(adv: Adversary) -> None:
    """1. io_setup(1) answered 0 with the context 1 << 60 (no user address).
    2. A zero page at H: label -4.  ctx->user_id is ctx->mmap_base, a do_mmap() result
    below TASK_SIZE."""
    aio_answered_at(adv, lambda h: 1 << 60)

    @r50.at(adv, r64b.P_AIO_HOLE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def _map_at(a: Adversary, va: int, desc: int, what: str) -> bool:
    try:
        a.mm.tables.set(va, desc)
    except Exception as exc:
        a.refused(f"{what} at {va:#x}: {exc!r}")
        return False
    a.el1.tlbi_all()
    a.note(f"{what} at {va:#x}")
    return True


# --- emptied MREMAP_DONTUNMAP areas moved, cut, narrowed (victim secret_r65_mm) -----------
MM = "secret_r65_mm"
# secret_r65_mm: the marker before each step's read-back; the marker after its write is + 1.
P_MOVED_AGAIN, P_CUT, P_NARROWED, P_TWO_RINGS, P_SUBMIT = 6900, 6902, 6904, 6906, 6908
P_WRITTEN_MOVED = 6910
P_VICTIM_LAST = 6910
NR_IO_DESTROY = 1


def _page_of(a: Adversary, value: int, what: str) -> int:
    frame = a.alloc_frame()
    a.write_lm(frame, value.to_bytes(8, "little") + bytes(PAGE - 8))
    a.note(f"{what}: a frame holding {value}")
    return frame


def _map_frame(a: Adversary, va: int, frame: int, perms: int, what: str) -> None:
    if _map_at(a, va, D.leaf_descriptor(frame, perms), what):
        a.mm.resident += 1


@scenario(id="YA-004", title="mremap(MREMAP_DONTUNMAP) leaves A emptied; after the program "
          "moves the emptied A onto U, map a zero page at A before it loads from it",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=MM,
          prop="An area an mremap moved away leaves a hole, whichever call emptied it.")
def ya_emptied_moved_gone(adv: Adversary) -> None:
    """1. The program's 2-page A (4) is moved with MREMAP_DONTUNMAP (A stays, emptied),
    then A itself is moved onto U (MREMAP_MAYMOVE | MREMAP_FIXED).
    2. The kernel maps a zero page at A: the load completes with 0, label -4.  move_vma()
    of the emptied vma unmaps its old range (do_vmi_munmap()); find_vma() at A then
    finds none (SEGV_MAPERR)."""
    @r50.at(adv, P_MOVED_AGAIN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="YA-005", title="After the emptied A is moved onto U, map at U the frame the "
          "first move took to its target", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING",), program=MM,
          prop="A page MREMAP_DONTUNMAP moved is at its new address only, wherever its old "
               "emptied area goes.")
def ya_emptied_moved_alias(adv: Adversary) -> None:
    """1. As YA-004; at U the kernel maps the moved page's own frame (holding 4): U reads
    4, label -4.  The emptied vma moved onto U carries no pages (move_page_tables()
    finds none); its fault maps the zero page (do_anonymous_page())."""
    @r50.at(adv, P_MOVED_AGAIN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        pa = a.pa_of(args[3])
        if pa is None:
            a.note("moved page not present")
            return
        _map_frame(a, args[2], pa, USER_RW, "the moved page's frame at U")


@scenario(id="YA-006", title="After the emptied A is moved onto U, serve U's fault with a "
          "page of the kernel's bytes (4)", family=RT, goal=Goal.LEAK,
          rules=("G-MEASURE-ALL",), program=MM,
          prop="An emptied area moved again faults in zeros, never the kernel's bytes.")
def ya_emptied_moved_bytes(adv: Adversary) -> None:
    """1. As YA-004; U's fault is served with a page holding 4: label -4.  An anonymous
    vma with no pages faults in zeros (do_anonymous_page())."""
    @r50.at(adv, P_MOVED_AGAIN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _map_frame(a, args[2], _page_of(a, 4, "U's fault"), USER_RW, "a page of 4s at U")


@scenario(id="YA-007", title="mremap(MREMAP_DONTUNMAP) leaves B emptied; after the program's "
          "munmap of B's second page, map a zero page there before it loads from it",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=MM,
          prop="The program's munmap of part of an emptied area leaves a hole there.")
def ya_emptied_cut(adv: Adversary) -> None:
    """1. The program's 2-page B (4) is moved with MREMAP_DONTUNMAP; it unmaps B's second
    page and loads from it.
    2. A zero page there: label -4.  do_vmi_munmap() splits the emptied vma
    (split_vma()) and removes the part; the fault finds no vma (SEGV_MAPERR)."""
    @r50.at(adv, P_CUT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="YA-008", title="mremap(MREMAP_DONTUNMAP) leaves C emptied; after the program's "
          "mprotect(C, PROT_READ), serve C's fault with a read-only page of 4s", family=RT,
          goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=MM,
          prop="An emptied area faults in zeros after an mprotect too.")
def ya_emptied_narrowed_bytes(adv: Adversary) -> None:
    """1. The program's page C (4) is moved with MREMAP_DONTUNMAP, then made PROT_READ.
    2. C's read fault is served with a read-only page holding 4: label -4.  A read
    fault of an anonymous vma maps the zero page (do_anonymous_page():
    my_zero_pfn())."""
    @r50.at(adv, P_NARROWED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        _map_frame(a, args[1], _page_of(a, 4, "C's fault"), USER_RO, "a page of 4s at C")


@scenario(id="YA-009", title="After mprotect(C, PROT_READ) of the emptied C, map at C, "
          "read-only, the frame the move took to its target", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING",), program=MM,
          prop="A read-only mapping shares a confidential frame only where the Guardian "
               "made the share.")
def ya_emptied_narrowed_alias(adv: Adversary) -> None:
    """1. As YA-008, but C maps the moved page's own frame, read-only: C reads 4, label
    -4.  Nothing in Linux maps one private anonymous folio at two addresses of one mm
    but a fork's copy or KSM."""
    @r50.at(adv, P_NARROWED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        pa = a.pa_of(args[2])
        if pa is None:
            a.note("moved page not present")
            return
        _map_frame(a, args[1], pa, USER_RO, "the moved page's frame at C")


def rings_answered(adv: Adversary, first, second, destroy: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Both io_setup(1) calls answered 0 with the contexts `first(H)`, `second(H)`; the
    io_destroy() of the first answered 0 (kill_ioctx(): vm_munmap() of its ring)."""
    phase = P_NARROWED + 1

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("rings"):             # (the last one before io_setup: H)
            a.memo["hole"] = a.reg("x0")

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get("rings", 0)
        a.memo["rings"] = n + 1
        ctx = (first if n == 0 else second)(a.memo.get("hole", r64b.AIO_RING))
        a.kernel.uaccess.write_u64(a.reg("x1"), ctx)
        a.note(f"io_setup's context written: {ctx:#x}")
        a.set_reg("x8", 172)                    # served as getpid()

    @adv.on(Point.SYSCALL_EXIT, nr=r64b.NR_IO_SETUP, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", r64b.NR_IO_SETUP)
        a.set_reg("x0", 0)

    if destroy:
        serve_as_getpid(adv, NR_IO_DESTROY, phase, 0)


@scenario(id="YA-010", title="Answer the first io_setup(1) with the hole H as its ring, the "
          "second elsewhere, io_destroy() of the first with 0, then map a zero page at H",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=MM,
          prop="An aio ring io_destroy() removed leaves its span a hole again.")
def ya_ring_destroyed(adv: Adversary) -> None:
    """1. The program unmaps H's first page, calls io_setup(1) twice and io_destroy() on
    the first context.  The kernel answers: the first ring at H, the second at a high
    address, io_destroy() 0.
    2. A zero page at H: label -4.  kill_ioctx() unmaps the ring (vm_munmap(
    ctx->mmap_base, ctx->mmap_size)) before io_destroy() returns; find_vma() at H
    finds none (SEGV_MAPERR)."""
    rings_answered(adv, lambda h: h, lambda h: r64b.AIO_RING)

    @r50.at(adv, P_TWO_RINGS)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


@scenario(id="YA-011", title="Answer both io_setup(1) calls with the same context, far below "
          "the hole H, then map a zero page at H", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION",), program=MM,
          prop="Two aio rings are two areas: neither is placed over the other, and neither "
               "reaches a hole past its own size.")
def ya_rings_same_place(adv: Adversary) -> None:
    """1. Both io_setup(1) calls answered 0 with the context H - 1 MiB (the second ring
    over the first, impossible: get_unmapped_area() never returns a mapped range).
    2. A zero page at H: label -4.  Each ring of io_setup(1) is one page on this
    machine (ioctx_alloc(), aio_setup_ring()); neither reaches H."""
    rings_answered(adv, lambda h: h - (1 << 20), lambda h: h - (1 << 20), destroy=False)

    @r50.at(adv, P_TWO_RINGS)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def claim_two_rings(adv: Adversary) -> None:
    """Both io_setup(1) calls answered as Linux does: two rings at distinct addresses
    above the program's areas (aio_setup_ring(): do_mmap()), io_destroy() of the first
    0.  The load from H still faults."""
    rings_answered(adv, lambda h: r64b.AIO_RING, lambda h: r64b.AIO_RING - (1 << 21))


def claim_lazyfree_moved_hinted_dropped(adv: Adversary) -> None:
    """1. G (0) is given up with MADV_FREE (clean, read-only) and moved onto T
    (move_ptes() carries the clean pte).
    2. NUMA balancing hints T (change_prot_numa(): PAGE_NONE keeps PTE_RDONLY).
    3. Reclaim discards it: try_to_unmap_one() clears the PROT_NONE pte, clean, the
    folio lazyfree.  T reads 0."""
    r64b.clean_at_free(adv, r64b.P_EMPTIED + 1)

    @r50.at(adv, r64b.P_FREED_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        t = args[1]
        desc = a.mm.tables.lookup(t)
        if _map_at(a, t, (desc & ~D.VALID) | r61b.PTE_PROT_NONE, "NUMA hint"):
            r61b.drop_page(a, t)


def migrated(a: Adversary, va: int) -> bool:
    """MIGRATE_PAGE of the program's page at va into a new frame."""
    new = a.alloc_frame()
    status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, new)
    a.note(f"MIGRATE_PAGE of {va:#x}: status {status}")
    return not status


def claim_lazyfree_moved_migrated_dropped(adv: Adversary) -> None:
    """1. G (0) is given up with MADV_FREE (clean, read-only) and moved onto T.
    2. Compaction migrates T's folio: folio_migrate_flags() copies it as it is (not
    swap-backed: still lazyfree), remove_migration_pte() writes the new pte clean
    (no pte_mkdirty() unless the migration entry was dirty).
    3. Reclaim discards it (try_to_unmap_one(): clean lazyfree folio).  T reads 0."""
    r64b.clean_at_free(adv, r64b.P_EMPTIED + 1)

    @r50.at(adv, r64b.P_FREED_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if migrated(a, args[1]):
            r61b.drop_page(a, args[1])


def claim_lazyfree_migrated_dropped(adv: Adversary) -> None:
    """As claim_lazyfree_moved_migrated_dropped, without the mremap (victim
    secret_r61_mm, F given up with MADV_FREE): migrated, then discarded, F reads 0."""
    r64b.clean_at_free(adv, r61b.P_PLACED)

    @r50.at(adv, r61b.P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if migrated(a, args[1]):
            r61b.drop_page(a, args[1])


# --- honest: one aio write, as fs/aio.c does it (victim secret_r65_mm) -----------------------
NR_IO_SUBMIT, NR_IO_GETEVENTS = 2, 4


def claim_aio_submit(adv: Adversary) -> None:
    """io_setup(1, &ctx), io_submit(ctx, 1, &list) of one IOCB_CMD_PWRITE of 8 bytes to
    /dev/null, io_getevents(ctx, 1, 1, events, NULL), io_destroy(ctx), served as Linux's
    fs/aio.c serves them: io_setup() writes the context (put_user(ctx->user_id, ctxp));
    io_submit() reads the iocb pointer (get_user(user_iocb, iocbpp + i)), then the iocb
    itself (io_submit_one(): copy_from_user(&iocb, user_iocb, sizeof(iocb))), writes its
    aio_key (put_user(KIOCB_KEY, &user_iocb->aio_key)) and aio_write() reads the 8 bytes
    (import_ubuf(), then the write to /dev/null); io_getevents() copies one io_event out
    (aio_read_events_ring(): copy_to_user()), res 8."""
    phase = P_TWO_RINGS + 1
    for nr, ret in ((r64b.NR_IO_SETUP, 0), (NR_IO_SUBMIT, 1), (NR_IO_GETEVENTS, 1),
                    (NR_IO_DESTROY, 0)):
        serve_as_getpid(adv, nr, phase, ret)

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.reg("x1"), r64b.AIO_RING)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IO_SUBMIT, during=phase)
    def _(a: Adversary, **_: object) -> None:
        ua = a.kernel.uaccess
        iocb = ua.read_u64(a.reg("x2"))
        a.memo["iocb"] = iocb
        raw = ua.read(iocb, 64)
        a.note(f"io_submit read the iocb at {iocb:#x}")
        ua.write_u32(iocb + 8, 0)                       # KIOCB_KEY
        buf, n = int.from_bytes(raw[24:32], "little"), int.from_bytes(raw[32:40], "little")
        ua.read(buf, n)
        a.note(f"aio_write read {n} bytes at {buf:#x}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IO_GETEVENTS, during=phase)
    def _(a: Adversary, **_: object) -> None:
        event = b"".join(v.to_bytes(8, "little") for v in (0, a.memo.get("iocb", 0), 8, 0))
        a.kernel.uaccess.write(a.reg("x3"), event)
        a.note("io_getevents wrote one io_event")


NR_IO_PGETEVENTS = 292


def claim_aio_pgetevents(adv: Adversary) -> None:
    """io_setup(1, &ctx) answered as Linux does, then io_pgetevents(ctx, 0, 1, events,
    &zero_ts, &usig) with no event yet: sys_io_pgetevents() reads the __aio_sigset
    (copy_from_user(&ksig, usig, sizeof(ksig))), set_user_sigmask() reads the mask it
    points at (copy_from_user(), sigsetsize 8 bytes), do_io_getevents() reads the
    timeout (get_timespec64()); a zero timeout with no event answers 0.  The calls
    after it are left to the kernel model (no aio: ENOSYS)."""
    phase = P_TWO_RINGS + 1
    serve_as_getpid(adv, r64b.NR_IO_SETUP, phase, 0)
    serve_as_getpid(adv, NR_IO_PGETEVENTS, phase, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.reg("x1"), r64b.AIO_RING)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IO_PGETEVENTS, during=phase)
    def _(a: Adversary, **_: object) -> None:
        ua = a.kernel.uaccess
        raw = ua.read(a.reg("x5"), 16)
        mask, size = int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")
        ua.read(mask, size)
        a.note(f"io_pgetevents read its signal mask at {mask:#x}")
        ua.read(a.reg("x4"), 16)
        a.note("io_pgetevents read its timeout")



@scenario(id="YA-012", title="After the program's mremap moved its lazy-free page G onto T and "
          "it wrote 4 at T, drop T as reclaim drops a clean lazy-free page", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="A lazy-free page written after its move is the program's again: reclaim "
               "never drops it.")
def ya_written_moved_dropped(adv: Adversary) -> None:
    """1. G (0) is given up with MADV_FREE (served as Linux does: clean, read-only),
    moved onto T; the program writes 4 at T.
    2. The kernel clears T as reclaim would: T's read maps a zero page, 0 - 4, label -4.
    The write dirtied the pte (the write fault's pte_mkdirty()); try_to_unmap_one()
    keeps a dirty lazyfree folio (folio_set_swapbacked(), not discarded)."""
    claim_written_moved_kept(adv)

    @r50.at(adv, P_WRITTEN_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


def claim_written_moved_kept(adv: Adversary) -> None:
    """MADV_FREE of G served as Linux's madvise_free_pte_range() (clean, read-only); the
    mremap carries the clean pte to T; the program's write at T faults and the kernel
    makes the pte writable and dirty (handle_pte_fault(): pte_mkdirty() of a PTE_DBM
    pte).  T reads 4."""
    r64b.clean_at_free(adv, P_SUBMIT + 1)


def claim_ring_completion(adv: Adversary) -> None:
    """io_setup(1, &ctx) answered as Linux does: aio_setup_ring() maps the ring's page
    (its aio_ring header: id ~0U, nr, head 0, tail 0, magic AIO_RING_MAGIC,
    compat_features 1, incompat_features 0, header_length 32) at the context written
    back.  Later the kernel writes the ring as aio_complete() does (kmap of
    ctx->ring_folios[0], ring->tail): a page the kernel fills while the program may read
    it, never the program's own memory.  The calls after io_setup are left to the kernel
    model (no aio: ENOSYS)."""
    phase = P_TWO_RINGS + 1
    serve_as_getpid(adv, r64b.NR_IO_SETUP, phase, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.reg("x1"), r64b.AIO_RING)
        frame = a.alloc_frame()
        header = b"".join(v.to_bytes(4, "little") for v in
                          (0xFFFF_FFFF, 127, 0, 0, 0xA10A10A1, 1, 0, 32))
        a.write_lm(frame, header + bytes(PAGE - len(header)))
        if _map_at(a, r64b.AIO_RING, D.leaf_descriptor(frame, USER_RW), "aio ring page"):
            a.mm.resident += 1
            a.memo["ring"] = frame

    @r50.at(adv, P_SUBMIT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        frame = a.memo.get("ring")
        if frame is None:
            return
        try:
            a.write_lm(frame + 12, (1).to_bytes(4, "little"))         # ring->tail
        except Exception as exc:
            a.refused(f"aio_complete()'s write of the ring: {exc!r}")
            return
        a.note("aio_complete() wrote the ring's tail")


# --- honest: a NUMA hint the program's mremap carried, then migrated or swapped -------------
def _hinted_then(adv: Adversary, then) -> None:  # type: ignore[no-untyped-def]
    """NUMA balancing hints A[0] just before the program's mremap with
    MREMAP_DONTUNMAP onto T (victim secret_r64_mm, step 1): move_ptes() carries the hint
    to T.  `then(a, t)` runs at the marker before T is read."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=r64b.P_PLACED, init_only=True)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")
        desc = a.mm.tables.lookup(va)
        _map_at(a, va, (desc & ~D.VALID) | r61b.PTE_PROT_NONE, "NUMA hint")

    @r50.at(adv, r64b.P_GONE)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        t = args[2]
        a.note(f"T's entry after the move: {a.mm.tables.lookup(t):#x}")
        then(a, t)


def _valid_again(a: Adversary, t: int) -> None:
    desc = a.mm.tables.lookup(t)
    if desc & r61b.PTE_PROT_NONE and not desc & D.VALID:
        _map_at(a, t, (desc & ~r61b.PTE_PROT_NONE) | D.VALID, "hinting fault: valid again")


def claim_moved_hint_migrated(adv: Adversary) -> None:
    """1. The hint the mremap carried to T stands.
    2. NUMA balancing (or compaction) migrates the folio: try_to_migrate_one() replaces
    the PROT_NONE pte (pte_present()) with a migration entry; remove_migration_pte()
    writes mk_pte(new, vma->vm_page_prot) on the new frame.  The kernel asks
    MIGRATE_PAGE of T while hinted, then makes T valid if it is not.  T reads 4."""
    def then(a: Adversary, t: int) -> None:
        if migrated(a, t):
            _valid_again(a, t)
    _hinted_then(adv, then)


def claim_moved_hint_swapped(adv: Adversary) -> None:
    """1. The hint the mremap carried to T stands.
    2. Reclaim swaps the folio out: try_to_unmap_one() takes the PROT_NONE pte as
    present and writes a swap entry; T's load faults and do_swap_page() maps the page
    back, mk_pte(page, vma->vm_page_prot): valid.  T reads 4."""
    def then(a: Adversary, t: int) -> None:
        out = r61b.swap_out(a, t)
        if out is None:
            a.refused(f"SWAP_OUT of the hinted page at {t:#x}")
            return
        _, blob, desc = out
        valid = (desc & ~r61b.PTE_PROT_NONE) | D.VALID
        if not r61b.swap_in(a, t, a.alloc_frame(), blob, valid):
            a.refused(f"SWAP_IN of the hinted page at {t:#x}")
    _hinted_then(adv, then)


@scenario(id="YA-013", title="NUMA-hint A[0] just before the program's mremap(MREMAP_DONTUNMAP) "
          "carries it to T, then make T valid on a frame of the kernel's holding 5",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=VICTIM,
          prop="A hint an mremap carried stands for its own frame at the new entry: "
               "the hinting fault restores that frame, never another.")
def ya_moved_hint_other_frame(adv: Adversary) -> None:
    """1. A[0] (4) is hinted as the program's mremap starts; move_ptes() carries the hint
    to T.
    2. The kernel writes T valid on a frame holding 5: T reads 5, label -4.
    do_numa_page() makes the same pte valid again (pte_modify(old_pte,
    vma->vm_page_prot)), or a migrated copy holding the same bytes."""
    def then(a: Adversary, t: int) -> None:
        frame = _page_of(a, 5, "T's hinting fault")
        _map_at(a, t, D.leaf_descriptor(frame, USER_RW), "a page of 5s at T")
    _hinted_then(adv, then)


@scenario(id="YA-014", title="NUMA-hint A[0] just before the program's mremap(MREMAP_DONTUNMAP) "
          "carries it to T, then clear T as if reclaim had discarded it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A hint an mremap carried keeps its page: only a clean lazy-free page is "
               "ever dropped.")
def ya_moved_hint_dropped(adv: Adversary) -> None:
    """1. As YA-013, but the kernel clears T's hint: T's load maps a zero page, 0 - not
    4 - label -4.  try_to_unmap_one() discards only a clean lazyfree folio; A's page
    was written (4) and never given up."""
    _hinted_then(adv, lambda a, t: r61b.drop_page(a, t))
