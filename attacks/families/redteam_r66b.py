"""Red-team round 66b: MIGRATE_PAGE of lazy-free pages (the record LazyFree.moved carries),
the aio ring's life (io_destroy() answers, a ring the program moved or unmapped, the ring
page an EL1-only entry later opens to EL0) and the io_submit() capability.

Through with the Guardian on when written: YC-009 (P3: an aio ring the program's mremap
moved, then destroyed by io_destroy() at its new context: the Guardian drops the ring's
record at the mremap and keeps the moved span an area, so a zero page there is let in).
Refused: YC-001..YC-008, YC-010, YC-011.  False refusals (xfail):
the same moved ring's honest SEGV_MAPERR after io_destroy(), and a program's (or its
fork child's) read of its aio ring's first page.

Refused since (guardian/no_aio.py, `return.no_aio`): YC-009, and YC-005..YC-011 at the
io_setup() answer.  The round showed that an honest aio ring cannot work in a
confidential domain: the ring is memory the kernel writes while the program runs
(aio_complete()), every lookup_ioctx() (io_submit, io_getevents, io_pgetevents,
io_cancel, io_destroy) reads its id from user memory (so the header page loaded by the
program or a fork child, and a moved ring's SEGV_MAPERR after io_destroy(), were refused
falsely), and the events read from it are a channel from the kernel the Guardian cannot
judge.  A confidential program now runs as on a kernel without CONFIG_AIO and
CONFIG_IO_URING: those calls reach the kernel as the unassigned number 244 (SHOWN_NR)
with no argument, Linux's sys_ni_syscall() answers -ENOSYS (libaio returns it, glibc's
POSIX aio uses threads), and any other answer is refused; the ring records
(aio_rings.py, `set_pt.aio_ring`, `return.aio_ring`) and the io_* capabilities are
gone.  With the Guardian on, each scenario's aio answers are given to 244
(answer_shown) and refused there; the three false refusals are no more: the honest
claims are now a program whose io_setup() gets -ENOSYS and whose steps fall back
(claim_ring_cut), and a ring the kernel claims to have made (claim_ring_moved_destroyed,
claim_ring_read_by_program, claim_child_reads_ring answered through 244) is refused.

The tamper report "the heap copy of the secret changed" on honest runs of secret_r65_mm
(and every run of secret_r62_mm, secret_r64_mm, secret_r66_mm) was the victims' own
layout, not a kernel write: they announce `logbuf` (32 bytes of the secret, 32 of
labels) as the heap page at P_PLACED, and the referee reads the heap copy at
page + SECRET_OFF (64), past logbuf's end (secret_r65_mm: its sigjmp_buf hole_jump).

On the victim `secret_r61_mm` (round 61b's, reused; its page G is given up with
MADV_FREE, written 4 again, then read back at its marker):

- YC-001: G migrated as its MADV_FREE returns, written by the program, then dropped as
  reclaim drops a clean lazy-free page: refused;
- YC-002: G migrated twice, written, dropped: refused;
- honest: F migrated twice, then dropped by reclaim
  (claim_lazyfree_migrated_twice_dropped): let through;
- honest: G migrated, then the program's write fault served on the new frame
  (claim_lazyfree_migrated_written_kept): let through.

On the victim `secret_r65_mm` (round 65b's, reused):

- YC-003: a lazy-free page migrated as the program's mremap starts, moved onto T,
  written 4 by the program, then dropped at T: refused;
- YC-004: T migrated after the program's write, then dropped: refused;
- YC-005: the first io_setup(1) at the hole H, its io_destroy() answered -EINVAL though
  the context lives, then a zero page at H: refused (`set_pt.aio_ring`);
- YC-006: inside io_submit(), the 32 bytes before the iocb's aio_buf read as well:
  refused (`user_read`), since at the io_setup() answer (`return.no_aio`);
- YC-007: the second ring at H, a zeroed EL1-only page mapped at H, then the same
  frame opened to EL0: refused (`set_pt.aio_ring`);
- YC-008: inside io_getevents(), after io_submit() returned, the bytes before aio_buf
  read: refused (`user_read`);
- the second ring at H, the program's load from H served with the ring's page holding
  its header (claim_ring_read_by_program): a false refusal when written
  (`set_pt.zero_fill`), refused since at the io_setup() answer.

On the victim `secret_r66_mm`:

- YC-009: io_setup(1) answered at a high address, the program's mremap of the ring onto
  its hole T answered T, io_destroy(T) 0, then a zero page at T: THROUGH (P3) when
  written, refused since (`return.no_aio`);
- the same without the page (claim_ring_moved_destroyed): a false refusal when written
  (`signal.fault_code`), refused since at the io_setup() answer (no ring);
- YC-010: a ring the program unmapped itself, io_destroy() answered 0, then a zero page
  at the ring's address: refused (a hole);
- honest: io_setup() answered -ENOSYS, as the kernel answers the number 244 it is
  shown (claim_ring_cut): let through, each step stops at its io_setup();
- YC-011: a ring io_setup() made, then fork(): a zero page at the ring's first page in
  the child: refused (`set_pt.aio_ring`);
- the child's fault served with the ring's page, its header first
  (claim_child_reads_ring): a false refusal when written (`set_pt.zero_fill`), refused
  since at the io_setup() answer.

The kernel model has no aio (io_setup(): ENOSYS, as qemu-aarch64-static answers too), so
every aio answer here is served by the scenario.  Each docstring says why Linux could
never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r64b as r64b
from attacks.families import redteam_r65b as r65b
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r66b"
LAZY = r61b.LAZY
MM = r65b.MM
NR_MADVISE, NR_MREMAP = r50.NR_MADVISE, 216
#: The number a confidential program's aio and io_uring calls reach the kernel as, with no
#: argument (arm64 assigns nothing at 244: sys_ni_syscall(), -ENOSYS)
SHOWN_NR = 244
#: aio_ring header as aio_setup_ring() writes it for io_setup(1) on a one-CPU machine
RING_HEADER = b"".join(v.to_bytes(4, "little") for v in
                       (0xFFFF_FFFF, 10, 0, 0, 0xA10A10A1, 1, 0, 32))


def map_leaf(a: Adversary, va: int, desc: int, what: str) -> bool:
    """Write one page entry of the program's tables (refusals noted)."""
    try:
        a.mm.tables.set(va, desc)
    except Exception as exc:
        a.refused(f"{what} at {va:#x}: {exc!r}")
        return False
    a.el1.tlbi_all()
    a.note(f"{what} at {va:#x}")
    return True


def answer_shown(adv: Adversary, phase: int, result: int = 0) -> None:
    """With the Guardian on, a confidential program's aio calls reach the kernel as the
    unassigned number no_aio.SHOWN_NR (244) with no argument: each answered `result`, as
    if the call it hides had made a ring (Linux's sys_ni_syscall() answers -ENOSYS)."""
    @adv.on(Point.SYSCALL_EXIT, nr=SHOWN_NR, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", result)
        a.note(f"call {SHOWN_NR} answered {result:#x}")


def migrate_to(a: Adversary, va: int, frame: int) -> bool:
    status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, frame)
    a.note(f"MIGRATE_PAGE of {va:#x} to {frame:#x}: status {status}")
    return not status


def migrate(a: Adversary, va: int) -> bool:
    return migrate_to(a, va, a.alloc_frame())


def _after_free(adv: Adversary, then) -> None:  # type: ignore[no-untyped-def]
    """G's MADV_FREE (secret_r61_mm, its second step) served as Linux's
    madvise_free_pte_range() (clean, read-only); `then(a, g)` runs as the call returns,
    before the program writes 4 into G."""
    r64b.clean_at_free(adv, r61b.P_LAZY + 1)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MADVISE, during=r61b.P_LAZY + 1)
    def _(a: Adversary, **_: object) -> None:
        then(a, a.memo.get("g", 0))

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=r61b.P_LAZY + 1)
    def _(a: Adversary, **_: object) -> None:
        a.memo["g"] = a.reg("x0")


@scenario(id="YC-001", title="Migrate the lazy-free page G (MIGRATE_PAGE) as its MADV_FREE "
          "returns; after the program writes 4 into G, drop G as reclaim drops a clean "
          "lazy-free page", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=LAZY,
          prop="A lazy-free record MIGRATE_PAGE carried ends when the program writes the "
               "page: reclaim never drops it then.")
def yc_migrated_written_dropped(adv: Adversary) -> None:
    """1. G (0) is given up with MADV_FREE (clean, read-only) and migrated to a new frame
    (remove_migration_pte(): still clean, the folio lazyfree).
    2. The program writes 4: the write fault makes the pte dirty (do_wp_page() reuse,
    pte_mkdirty()).
    3. The kernel clears G: its read maps a zero page, 0 - 4, label -4.
    try_to_unmap_one() keeps a dirty lazyfree folio (folio_set_swapbacked())."""
    _after_free(adv, lambda a, g: migrate(a, g))

    @r50.at(adv, r61b.P_LAZY_REWRITTEN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


@scenario(id="YC-002", title="Migrate the lazy-free page G twice as its MADV_FREE returns; "
          "after the program writes 4 into G, drop G", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=LAZY,
          prop="A lazy-free record carried by two migrations still ends at the program's "
               "write.")
def yc_migrated_twice_written_dropped(adv: Adversary) -> None:
    """1. As YC-001, with two MIGRATE_PAGE calls before the program's write.
    2. G dropped after the write: label -4.  A written lazyfree folio is dirty whatever
    frame it is on (folio_migrate_flags() copies the dirty flag with the folio)."""
    _after_free(adv, lambda a, g: migrate(a, g) and migrate(a, g))

    @r50.at(adv, r61b.P_LAZY_REWRITTEN)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


def claim_lazyfree_migrated_twice_dropped(adv: Adversary) -> None:
    """F (0) given up with MADV_FREE (clean, read-only), migrated twice by compaction
    (folio_migrate_flags() keeps it lazyfree each time, remove_migration_pte() clean),
    then discarded by reclaim (try_to_unmap_one()).  F reads 0."""
    r64b.clean_at_free(adv, r61b.P_PLACED)

    @r50.at(adv, r61b.P_LAZY)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if migrate(a, args[1]) and migrate(a, args[1]):
            r61b.drop_page(a, args[1])


def claim_lazyfree_migrated_written_kept(adv: Adversary) -> None:
    """G (0) given up with MADV_FREE (clean), migrated; the program's write of 4 faults
    and the kernel makes the pte writable on the new frame (do_wp_page(): the folio is
    exclusive, wp_page_reuse(), pte_mkdirty()).  G reads 4."""
    _after_free(adv, lambda a, g: migrate(a, g))


# --- victim secret_r65_mm: a lazy-free page migrated around the program's mremap -----------
def _free_then_moved(adv: Adversary) -> None:
    r64b.clean_at_free(adv, r65b.P_SUBMIT + 1)


@scenario(id="YC-003", title="Migrate the lazy-free page G as the program's mremap starts; "
          "after the mremap moves it onto T and the program writes 4 at T, drop T",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="A lazy-free page migrated, moved and then written is the program's again.")
def yc_migrated_moved_written_dropped(adv: Adversary) -> None:
    """1. G (0) given up with MADV_FREE (clean); MIGRATE_PAGE as the mremap starts;
    move_ptes() carries the clean pte to T; the program writes 4 at T.
    2. T dropped: T reads 0, label -4.  The write dirtied the pte (pte_mkdirty());
    try_to_unmap_one() keeps a dirty lazyfree folio."""
    _free_then_moved(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=r65b.P_SUBMIT + 1)
    def _(a: Adversary, **_: object) -> None:
        migrate(a, a.reg("x0"))

    @r50.at(adv, r65b.P_WRITTEN_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.drop_page(a, args[1])


@scenario(id="YC-004", title="After the program's mremap moved its lazy-free page onto T and "
          "it wrote 4 at T, migrate T, then drop T", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=MM,
          prop="MIGRATE_PAGE of a written page carries no lazy-free record.")
def yc_written_migrated_dropped(adv: Adversary) -> None:
    """1. As YA-012, then MIGRATE_PAGE of T (written 4, dirty).
    2. T dropped: label -4.  folio_migrate_flags() copies the dirty flag; the new folio
    is as dirty as the old one and reclaim keeps it."""
    _free_then_moved(adv)

    @r50.at(adv, r65b.P_WRITTEN_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        migrate(a, args[1])
        r61b.drop_page(a, args[1])


# --- victim secret_r65_mm: the aio rings' life ---------------------------------------------
def _rings(adv: Adversary, first, second, destroyed: int) -> None:  # type: ignore[no-untyped-def]
    """Both io_setup(1) calls answered 0 with `first(H)`, `second(H)`; the first
    io_destroy() answered `destroyed`."""
    r65b.rings_answered(adv, first, second, destroy=False)
    serve_as_getpid(adv, r65b.NR_IO_DESTROY, r65b.P_NARROWED + 1, destroyed)


@scenario(id="YC-005", title="Answer the first io_setup(1) with the hole H, the io_destroy() "
          "of that live context with -EINVAL, then map a zero page at H", family=RT,
          goal=Goal.LEAK, rules=("G-PROTECTION",), program=MM,
          prop="A live aio ring's first page holds its header, whatever io_destroy() "
               "answered.")
def yc_ring_destroy_refused(adv: Adversary) -> None:
    """1. Ring 1 at H, ring 2 elsewhere; io_destroy(ctx1) answered -EINVAL
    (lookup_ioctx() finds a live context: Linux answers 0).
    2. A zero page at H: label -4 (a load that should fault reads 0)."""
    answer_shown(adv, r65b.P_NARROWED + 1)
    _rings(adv, lambda h: h, lambda h: r64b.AIO_RING, (1 << 64) - 22)

    @r50.at(adv, r65b.P_TWO_RINGS)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def claim_ring_read_by_program(adv: Adversary) -> None:
    """The first ring at a high address, the second at the hole H (get_unmapped_area()
    may return a hole), io_destroy(ctx1) 0.  The program's load from H finds the second
    ring's page: aio_ring_mmap_fault() (filemap_fault() of the aio inode) maps its first
    page, the header aio_setup_ring() wrote (id, nr, head, tail, magic ...).  H reads
    the header's first word (as libaio's user-space io_getevents reads ring->magic)."""
    _rings(adv, lambda h: r64b.AIO_RING, lambda h: h, 0)

    @r50.at(adv, r65b.P_TWO_RINGS)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, RING_HEADER + bytes(PAGE - len(RING_HEADER)))
        if map_leaf(a, args[1], D.leaf_descriptor(frame, USER_RW), "the aio ring's page"):
            a.mm.resident += 1


def _submit(adv: Adversary, act) -> None:  # type: ignore[no-untyped-def]
    """io_setup(1), io_submit(), io_getevents() and io_destroy() of secret_r65_mm's
    submit step served as fs/aio.c serves them (round 65b's claim_aio_submit); `act(a,
    iocb)` runs inside io_submit()."""
    r65b.claim_aio_submit(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=r65b.NR_IO_SUBMIT, during=r65b.P_TWO_RINGS + 1)
    def _(a: Adversary, **_: object) -> None:
        iocb = a.kernel.uaccess.read_u64(a.reg("x2"))
        try:
            act(a, iocb)
        except Exception as exc:
            a.refused(f"io_submit()'s write: {exc!r}")


@scenario(id="YC-006", title="Inside the program's io_submit(), read the 32 bytes before "
          "its iocb's aio_buf (the program's secret) as well as the 8 it names",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=MM,
          prop="io_submit() reads the iocb and the bytes its aio_buf and aio_nbytes name, "
               "no more.")
def yc_aio_buf_widened(adv: Adversary) -> None:
    """1. io_submit_one() copies the iocb in; aio_write() reads aio_nbytes (8) bytes at
    aio_buf (import_ubuf()).
    2. The kernel reads the 32 bytes just before aio_buf too: the secret's working copy.
    Nothing in fs/aio.c touches user memory outside the iocb and its buffer."""
    answer_shown(adv, r65b.P_TWO_RINGS + 1)
    def act(a: Adversary, iocb: int) -> None:
        ua = a.kernel.uaccess
        buf = int.from_bytes(ua.read(iocb + 24, 8), "little")
        got = ua.read(buf - 32, 32)
        a.observe(got, "io_submit")
        a.note(f"read 32 bytes at {buf - 32:#x}")
    _submit(adv, act)


KERNEL_ONLY = D.PagePerms(user=False, write=True, user_exec=False)


@scenario(id="YC-007", title="Answer the second io_setup(1) with the hole H; map a zero page "
          "at H that EL0 cannot touch, then rewrite that entry on the same frame for EL0",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=MM,
          prop="A live aio ring's first page reaches EL0 only with its header, however the "
               "entry came to allow EL0.")
def yc_ring_page_widened(adv: Adversary) -> None:
    """1. Ring 1 at a high address, ring 2 at H; io_destroy(ctx1) 0.
    2. The kernel maps a zeroed frame at H for EL1 only (no AP[1], UXN), then rewrites
    the entry with EL0 read/write on the same frame: H's load reads 0, label -4.
    aio_setup_ring() wrote the header into the ring's first page before io_setup()
    returned; no page of zeros is ever there."""
    answer_shown(adv, r65b.P_NARROWED + 1)
    _rings(adv, lambda h: r64b.AIO_RING, lambda h: h, 0)

    @r50.at(adv, r65b.P_TWO_RINGS)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        if map_leaf(a, args[1], D.leaf_descriptor(frame, KERNEL_ONLY), "a kernel-only page"):
            a.mm.resident += 1
            map_leaf(a, args[1], D.leaf_descriptor(frame, USER_RW), "the same frame for EL0")


@scenario(id="YC-008", title="Inside io_getevents(), after io_submit() returned, read the 32 "
          "bytes before the iocb's aio_buf (the program's secret)", family=RT,
          goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=MM,
          prop="io_submit()'s iocbs and buffers are the kernel's to touch during that call "
               "only.")
def yc_aio_buf_late(adv: Adversary) -> None:
    """1. io_submit() served as fs/aio.c serves a write to /dev/null (done inside the
    call: aio_write() returns 8 before io_submit() does).
    2. During io_getevents() the kernel reads the bytes before aio_buf.  io_getevents()
    reads only its timeout and writes the io_events (aio_read_events_ring()); the
    iocb's buffer is never its argument."""
    answer_shown(adv, r65b.P_TWO_RINGS + 1)
    r65b.claim_aio_submit(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=r65b.NR_IO_GETEVENTS, during=r65b.P_TWO_RINGS + 1)
    def _(a: Adversary, **_: object) -> None:
        ua = a.kernel.uaccess
        iocb = a.memo.get("iocb", 0)
        try:
            buf = int.from_bytes(ua.read(iocb + 24, 8), "little")
            a.observe(ua.read(buf - 32, 32), "io_getevents")
        except Exception as exc:
            a.refused(f"io_getevents' read: {exc!r}")


# --- victim secret_r66_mm: an aio ring the program moved or unmapped ------------------------
RING = "secret_r66_mm"
# secret_r66_mm: the marker before each step's read-back; the marker after its write is + 1.
P_RING_MOVED, P_RING_CUT, P_RING_FORK = 7100, 7102, 7104
P_VICTIM_LAST = 7104


def ring_moved(adv: Adversary) -> None:
    """Step 1 served as Linux serves it: io_setup(1) writes a context at a high address
    (aio_setup_ring()), the program's mremap of the ring's page onto its hole T answers
    T (move_vma(), aio_ring_mremap(): ctx->user_id = T), io_destroy(T) answers 0
    (lookup_ioctx() finds the context at T, kill_ioctx() unmaps the ring there)."""
    phase = 1                       # (the step's calls follow the marker P_PLACED)
    serve_as_getpid(adv, r64b.NR_IO_SETUP, phase, 0)
    serve_as_getpid(adv, r65b.NR_IO_DESTROY, phase, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.reg("x1"), r64b.AIO_RING)
        a.note(f"io_setup's context written: {r64b.AIO_RING:#x}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["t"] = a.reg("x4")
        a.set_reg("x8", 172)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_MREMAP)
        a.set_reg("x0", a.memo.get("t", 0))
        a.note(f"mremap of the ring answered {a.memo.get('t', 0):#x}")


def claim_ring_moved_destroyed(adv: Adversary) -> None:
    """Step 1 as Linux serves it (ring_moved); T's load then faults (find_vma() finds
    nothing at T: SEGV_MAPERR)."""
    ring_moved(adv)


@scenario(id="YC-009", title="After the program's mremap moved its aio ring "
          "onto its hole T and io_destroy(T) answered 0, map a zero page at T before the program loads "
          "from it", family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=RING,
          prop="An aio ring the program's mremap moved is still the ring: io_destroy() of "
               "its new context leaves its new span a hole.")
def yc_moved_ring_destroyed(adv: Adversary) -> None:
    """1. io_setup(1) at a high address; the program's mremap moves the ring's page onto
    T (aio_ring_mremap(): ctx->user_id = ctx->mmap_base = T); io_destroy(T) 0.
    2. A zero page at T: T reads 0, label -4.  kill_ioctx() unmapped the ring at T
    (vm_munmap(ctx->mmap_base, ctx->mmap_size)) before io_destroy() returned; find_vma()
    at T finds none (SEGV_MAPERR)."""
    answer_shown(adv, 1)
    ring_moved(adv)

    @r50.at(adv, P_RING_MOVED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def ring_cut(adv: Adversary, destroyed: int) -> None:
    """Step 1's io_setup(1) answered -EAGAIN (ioctx_alloc(): aio_nr + nr_events past
    aio_max_nr while other processes hold contexts; the step then stops), step 2's
    answered 0 with a context at a high address once they freed some, step 3's -EAGAIN
    again; io_destroy() answered `destroyed`."""
    setups_answered(adv, (EAGAIN, 0), destroyed)


def claim_ring_cut(adv: Adversary) -> None:
    """Step 2 as Linux serves it: io_setup(1)'s ring at a high address; the program's
    munmap removes the ring's vma; io_destroy(ctx) answers -EINVAL (lookup_ioctx():
    get_user(id, &ring->id) faults, no context); the load from ctx faults."""
    ring_cut(adv, (1 << 64) - 22)


@scenario(id="YC-010", title="After the program unmapped its aio ring, answer io_destroy() "
          "with 0 and map a zero page at the ring's address before the program loads "
          "from it", family=RT, goal=Goal.LEAK, rules=("G-PROTECTION",), program=RING,
          prop="The program's munmap of an aio ring leaves its span a hole.")
def yc_cut_ring_refilled(adv: Adversary) -> None:
    """1. io_setup(1) at a high address; the program unmaps the ring's page; io_destroy()
    answered 0.
    2. A zero page at the ring's address: label -4.  do_vmi_munmap() removed the ring's
    vma; nothing maps there again but the program's own call."""
    answer_shown(adv, 1)
    ring_cut(adv, 0)

    @r50.at(adv, P_RING_CUT)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


EAGAIN = (1 << 64) - 11


def setups_answered(adv: Adversary, answers: tuple[int, ...], destroyed: int = 0) -> None:
    """The program's io_setup(1) calls after P_PLACED (steps 1..3 make no marker before
    their io_setup when the one before stopped early) answered in turn: 0 with a context
    at a high address, or the errno given (ioctx_alloc()'s -EAGAIN: aio_nr past
    aio_max_nr while other processes hold contexts)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=r64b.NR_IO_SETUP, during=1, once=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get("setups", 0)
        a.memo["setups"] = n + 1
        ret = answers[n] if n < len(answers) else EAGAIN
        a.memo["setup_ret"] = ret
        if ret == 0:
            a.kernel.uaccess.write_u64(a.reg("x1"), r64b.AIO_RING - (1 << 22))
        a.set_reg("x8", 172)

    @adv.on(Point.SYSCALL_EXIT, nr=r64b.NR_IO_SETUP, during=1, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", r64b.NR_IO_SETUP)
        a.set_reg("x0", a.memo.get("setup_ret", EAGAIN))

    serve_as_getpid(adv, r65b.NR_IO_DESTROY, 1, destroyed)


@scenario(id="YC-011", title="io_setup(1) answered with a ring, then fork(): map a "
          "zero page at the ring's first page in the child before it loads from it",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=RING,
          prop="A fork child's copy of an aio ring shows the ring's page, its header "
               "first: never a page of zeros.")
def yc_child_ring_zeros(adv: Adversary) -> None:
    """1. Steps 1 and 2's io_setup() answered -EAGAIN; step 3's answered 0 with a
    context at a high address; the program forks.
    2. In the child the kernel maps a zero page at the ring's first page: the child
    reads 0, not ring->id (~0U), label -4.  dup_mmap() copies the ring's vma (a shared
    mapping of the aio inode, not VM_DONTCOPY); the child's fault maps the ring's own
    page (filemap_fault()), whose header aio_setup_ring() wrote."""
    answer_shown(adv, 1)
    setups_answered(adv, (EAGAIN, EAGAIN, 0))

    @r50.at(adv, P_RING_FORK)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        r61b.fill_hole(a, args[1])


def claim_child_reads_ring(adv: Adversary) -> None:
    """As YC-011, but the child's fault maps the ring's page as Linux does: the page
    aio_setup_ring() filled, its aio_ring header first (id ~0U)."""
    setups_answered(adv, (EAGAIN, EAGAIN, 0))

    @r50.at(adv, P_RING_FORK)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        frame = a.alloc_frame()
        a.write_lm(frame, RING_HEADER + bytes(PAGE - len(RING_HEADER)))
        if map_leaf(a, args[1], D.leaf_descriptor(frame, USER_RW), "the aio ring's page"):
            a.mm.resident += 1
