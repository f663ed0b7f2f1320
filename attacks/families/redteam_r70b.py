"""Red-team round 70b: the pages a cut of a file only a confidential program holds dropped
from its MAP_PRIVATE mappings, against set_pt.cut_refault (guardian/file_pages.py:
check_after_cut: the first page back at a file offset a successful cut zapped holds the
file's bytes, zeros where it grew back, judged while no call that may change the file is
in flight) and the cut's merged runs (FileView.cut, PageRuns).

On the victim `secret_r70_mm` (markers from 8600: P before the step's first cut, x3 the
private mapping, x4 the memfd, x5 a MAP_SHARED view or 0; P + 2 after the step's calls,
before it reads the pages, x2 the private mapping (where mremap() moved it, its new
place; the alias step's x3 its shared view); P + 1 after its label):

- YR-001: after the cut and the regrow, at the return of write(2) of a public note to
  /dev/null, the kernel maps a page of forged bytes at page 2 (the grown memfd reads
  zeros there): a write() in flight -- to any file -- is a call that "may change the
  file", so the page is not judged;
- YR-002: the same page forged at the step's marker after the write (nothing in flight);
- YR-003: the same page forged at the return of the second ftruncate (zeros allowed while
  it is in flight, not other bytes);
- YR-004, YR-005: fallocate(fd, 0, 0, 3 * PAGE) grows the cut memfd back: page 2 forged
  at the return of fallocate (in flight) and at the marker after it;
- YR-006, YR-007: five pages, a cut inside page 1, a regrow, page 3 stored, a second cut
  to 3 pages and a regrow (the runs split where page 3 entered and merge again): page 3
  forged, page 4 forged, at the marker after the calls;
- YR-008: the private copy of page 1 (before both new ends) dropped during the second
  cut, ftruncate(fd, 3 * PAGE);
- YR-009: (-w) after the cut, the regrow and pwrite64() of a page of 'p' at page 2, the
  kernel maps a page of forged bytes at page 2 at the return of pwrite64() (in flight);
- YR-010: (-w) after the cut and the regrow, with a page of 's' stored through a writable
  MAP_SHARED view at page 2, a page of forged bytes mapped at the private view's page 2
  (the page is loose: its bytes no longer judged; the kernel model's own zeros there go
  through as well);
- YR-011: (-w) the same view's page 1 (zeros) forged at the marker (refused);
- YR-016: the program reads page 2 after the cut and the regrow, then drops it with
  madvise(MADV_DONTNEED); the kernel maps forged bytes there at the next fault (the
  page left the cut's run when it entered, and owed_page does not judge a private view
  of a file changed since the mmap);
- YR-017, YR-018: page 2 forged after mremap() moved the cut view, after mprotect()
  split it (refused: the cut's runs move and split with the view).
- honest (claims, tests/test_redteam_r70b_claims.py): (-w) the private view's page 2
  after pwrite64() and after the store through the shared view holds the file's bytes
  ('p', 's': shmem_fault() -> shmem_get_folio_gfp() finds the page cache folio the write
  filled; the cut zapped the private copy, zap_pte_range() with even_cows = 1).  The
  kernel model maps the file's bytes after pwrite64() (a private view reads the file at
  fault time), but zeros after the store through the shared view (that store is in the
  program's confidential frame, which the kernel cannot read), and the Guardian refuses
  that (set_pt.cut_refault: right); the claim steps map the file's bytes as Linux does.  qemu-aarch64-static: secret_r70_mm -w finishes
  intact, every step label 0.
- false refusal (claims, xfail): (-r) after the cut and the regrow the program reads page
  2 (zeros) and pwrite64() writes 'q' there: Linux's private view maps the page cache
  folio itself on a read fault (do_read_fault(): no copy until a store), so the program
  reads 'q' with no fault (qemu-aarch64-static: label 0).  The kernel cannot write the
  program's frame, and the Guardian refuses the drop of that clean, never-stored page
  (clear_pt_range: only the program's own unmapping, its exit or SWAP_OUT), so no
  kernel can show the write: claim_readfirst_refault.
- false refusal (claims, xfail): (-r) a page stored through a writable MAP_SHARED view after
  the cut, read through the private view, stored again through the shared view: Linux
  maps the same folio read-only in the private view (do_read_fault()), so the program
  reads the second store (qemu-aarch64-static: label 0); claim_alias_shared_frame maps
  the shared view's frame read-only there, and the Guardian refuses it (set_pt: a
  confidential frame already mapped at another address of the domain); a copy keeps
  the stale 'u'.
- YR-019, YR-020: (-b) a 1 TiB MAP_NORESERVE private view of a 3-page memfd (one run
  of 2^28 - 1 pages at the cut): page 2 forged after the regrow; a page 2^27 pages in,
  past the file's end, forged (refused).  Untouched, the step finishes at label 0 in
  about a second with the Guardian on (claims).
- YR-021: a 1-page private view of a 3-page memfd, the memfd cut to PAGE and grown
  back, then mremap(MREMAP_MAYMOVE) grows the view to 3 pages: page 2 (never in the
  view at the cut, so in none of its runs; the file changed since the mmap, so
  owed_page does not judge it) forged.
- YR-012..YR-014: forged bytes at the return of a cut in flight (page 2, past the new
  end), of the last regrow of five pages (page 4), page 3's old copy at that regrow: all
  refused; YR-015: page 2's old private copy ('C') mapped back at the return of the note
  to /dev/null: through (P2, as YR-001).
- With the Guardian on, through when written: YR-001, YR-004, YR-009, YR-010, YR-015,
  YR-016, YR-021 (P2: while any call of SIZE_MOVERS was in flight, once a writable
  MAP_SHARED view stored to the page, once the page entered and the program dropped it,
  or where a grown view added it, nothing judged the page that came back); the rest
  refused.
- Refused since (set_pt.cut_refault): YR-001, YR-015 (only a call through a descriptor
  of the file itself, or one the Guardian cannot resolve, stops the judging:
  guardian/cut_movers.py), YR-004, YR-009 (byte by byte, the page holds what it held or
  what the fallocate or pwrite64 in flight on the file leaves, its buffer quiet:
  cut_movers.leaves), YR-010 (a page the shared view stored to holds that view's frame's
  bytes, with one thread and nothing in flight that stores: cut_movers.shared_frame;
  the kernel model's zeros there are refused too), YR-016, YR-021 (a private page
  MADV_DONTNEED dropped, and the pages an mremap() grow adds, owe the file's bytes:
  guardian/cut_dropped.py).
- Still refused (false refusals, xfail): claim_readfirst_refault and
  claim_alias_shared_frame: a documented difference -- the Guardian keeps a private copy
  per view of a page the program read, and never lets the kernel drop or alias it, so a
  later change of the file does not show through it.
"""

from __future__ import annotations

import functools

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from kernel_model.page_faults import folio_index

RT = "redteam_r70b"
VICTIM = "secret_r70_mm"
PAGE = 4096
P_NOTED, P_PWRITTEN, P_SHARED, P_FALLOC, P_RUNS = 8600, 8604, 8608, 8612, 8616
P_READFIRST = 8620                     # (-r)
P_DONTNEED, P_MOVEDCUT, P_SPLIT = 8624, 8628, 8632
P_ALIAS = 8636                         # (-r)
P_BIG = 8640                           # (-b)
B_ARG = b"-b"
R_ARG = b"-r"
P_FIRST, P_LAST = 8600, 8644          # the steps run without -w, -r or -b
DEFAULT_STEPS = (8600, 8612, 8616, 8624, 8628, 8632, 8644)
P_GROWN = 8644
W_ARG = b"-w"
NR_WRITE, NR_PWRITE64, NR_FTRUNCATE, NR_FALLOCATE = 64, 68, 46, 47


def _remember(adv: Adversary, phase: int) -> None:
    """At the step's first marker, note its private mapping (x3) and its entry's bits."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = args[1] if len(args) > 1 else 0
        a.memo["at"], a.memo["desc"] = at, a.init.mm.tables.lookup(at) if at else 0


def map_page(a: Adversary, page: int, content: bytes) -> None:
    """The kernel maps a frame holding `content` at page `page` of the step's private
    mapping (as a read fault's page: the entry bits of its page 0, read-only where the
    page was empty or mapped read-only)."""
    at, desc = a.memo.get("at", 0), a.memo.get("desc", 0)
    if not at or not desc:
        a.note("no mapping to fill")
        return
    va = at + page * PAGE
    mm = a.init.mm
    try:
        bits = desc & ~D.ADDR_MASK
        cur = mm.tables.lookup(va)
        if a.pa_of(va, mm.tables.root) is None or cur & D.AP_RO:
            # a refault of an empty page, or a read-only (clean) one's folio: read-only
            # as a read fault maps it (do_read_fault())
            bits |= D.AP_RO
        if a.pa_of(va, mm.tables.root) is not None:
            mm.zap(va, va + PAGE)
        frame = a.alloc_frame()
        a.write_lm(frame, content)
        mm.tables.set(va, bits | frame)
        a.el1.tlbi_all()
        vma = mm.vmas.find(va)
        folio = vma.folio_pages if vma is not None else None
        if bits & D.AP_RO and folio is not None and folio.file_cache:
            # (a confidential memfd page's read fault copy: its clean folio, which the
            # kernel's shared fault then maps, page_faults._clean_folio)
            folio.clean.setdefault(folio_index(vma, va), set()).add(frame)
        a.note(f"a page of {content[0]:#x} bytes mapped at {va:#x}")
    except Exception as exc:
        a.refused(f"the page at {va:#x}: {exc!r}")


def copy_read_faults(steps):  # type: ignore[no-untyped-def]
    """`steps`, run by a kernel whose private views' read faults copy the file's page
    where Linux maps the memfd's page cache folio (do_read_fault()): from the program's
    first marker on, the file's later changes miss the private page."""
    @functools.wraps(steps)
    def copying(adv: Adversary) -> None:
        @adv.on(Point.MARKER)
        def _(a: Adversary, **_: object) -> None:
            a.init.mm.ctx.memory.copy_private_reads = True
        steps(adv)
    return copying


def fill_at_exit(adv: Adversary, phase: int, nr: int, call: int, page: int,
                 byte: int) -> None:
    """At the exit of the `call`-th call `nr` of the step, map a page of `byte`s at page
    `page` of its private mapping."""
    _remember(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        if a.memo["calls"] == call:
            map_page(a, page, bytes([byte]) * PAGE)


def fill_at_marker(adv: Adversary, phase: int, page: int, byte: int) -> None:
    """At the step's marker after its calls (phase + 2: nothing in flight but getppid),
    map a page of `byte`s at page `page` of its private mapping."""
    _remember(adv, phase)

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, page, bytes([byte]) * PAGE)


def claim_pwritten_file_bytes(adv: Adversary) -> None:
    """secret_r70_mm -w: after the cut, the regrow and pwrite64() of 'p' at page 2, the
    private view's page 2 enters holding the file's bytes, 'p' (shmem_fault() ->
    shmem_get_folio_gfp(): the folio pwrite64 filled; the private copy the cut zapped is
    gone): label 0."""
    fill_at_marker(adv, P_PWRITTEN, 2, ord("p"))


def claim_shared_file_bytes(adv: Adversary) -> None:
    """secret_r70_mm -w: after the cut and the regrow, a page of 's' stored through the
    writable MAP_SHARED view at page 2; the private view's page 2 then enters holding
    the file's page, 's' (the shared view's folio is the page cache folio): label 0."""
    fill_at_marker(adv, P_SHARED, 2, ord("s"))


def claim_readfirst_refault(adv: Adversary) -> None:
    """secret_r70_mm -r: after the cut and the regrow the program reads page 2 (zeros),
    then pwrite64() writes 'q' there.  Linux's private view maps the page cache folio
    itself until the program stores into it (do_read_fault(): no copy), so the write
    shows through with no fault.  Here the kernel cannot write the program's frame: it
    drops that clean page during pwrite64 (as reclaim may drop a clean file page,
    try_to_unmap()) and the next read fault maps the file's page, 'q': label 0."""
    _remember(adv, P_READFIRST)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=P_READFIRST)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("at", 0) + 2 * PAGE
        try:
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"the clean page at {va:#x} dropped")
        except Exception as exc:
            a.refused(f"the clean page's drop: {exc!r}")

    @adv.on(Point.MARKER, phase=P_READFIRST + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, 2, b"q" * PAGE)


def claim_alias_shared_frame(adv: Adversary) -> None:
    """secret_r70_mm -r: after the cut and the regrow the program stores 'u' through the
    writable MAP_SHARED view at page 2; the private view's read fault there maps the
    page cache folio itself, read-only (do_read_fault() -> finish_fault(): the same
    folio the shared view maps), so the later store of 't' through the shared view
    shows in the private view: label 0."""
    _remember(adv, P_ALIAS)

    @adv.on(Point.MARKER, phase=P_ALIAS + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at, sh = (args[0], args[1]) if len(args) > 1 else (0, 0)
        mm, desc = a.init.mm, a.memo.get("desc", 0)
        pa = a.pa_of(sh + 2 * PAGE, mm.tables.root) if sh else None
        if not at or not desc or pa is None:
            a.note("no shared page to map")
            return
        try:
            a.kernel.frames.get(pa)             # (the private entry's reference)
            mm.tables.set(at + 2 * PAGE, (desc & ~D.ADDR_MASK) | (pa & D.ADDR_MASK) | D.AP_RO)
            a.el1.tlbi_all()
            a.note(f"the shared view's frame {pa:#x} mapped read-only at {at + 2 * PAGE:#x}")
        except Exception as exc:
            a.refused(f"the shared frame in the private view: {exc!r}")


@scenario(id="YR-001", title="After a memfd's cut and regrow, at the return of write() of a "
          "public note to /dev/null, map a page of forged bytes where the memfd reads zeros",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A memfd only the program holds, cut and grown back, reads zeros past the "
               "old end, whatever other file a call in flight writes.")
def yr_noted_forged(adv: Adversary) -> None:
    """1. ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE) as Linux serves them (page 2's copy
    zapped, even_cows = 1).  2. write(devnull, note, 8) in flight: the kernel maps a page
    of 0x51 bytes at page 2; /dev/null's write cannot change the memfd, but a write() is
    one of SIZE_MOVERS, so check_after_cut does not judge it: label -4."""
    fill_at_exit(adv, P_NOTED, NR_WRITE, 1, 2, 0x51)


@scenario(id="YR-002", title="After a memfd's cut, regrow and a note to /dev/null, map a page "
          "of forged bytes at page 2 (nothing in flight)", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A memfd only the program holds, grown back, reads zeros.")
def yr_noted_forged_later(adv: Adversary) -> None:
    """1. The cut, the regrow, the note.  2. At the marker after them the kernel maps
    0x51 bytes at page 2: label -4."""
    fill_at_marker(adv, P_NOTED, 2, 0x51)


@scenario(id="YR-003", title="At the return of the ftruncate(fd, 3 * PAGE) that grew a cut memfd "
          "back, map a page of forged bytes at page 2", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="While ftruncate is in flight the page is a hole or the file's: never other "
               "bytes.")
def yr_noted_forged_regrow(adv: Adversary) -> None:
    """1. ftruncate(fd, PAGE).  2. At the return of ftruncate(fd, 3 * PAGE) the kernel maps
    0x51 bytes at page 2: label -4."""
    fill_at_exit(adv, P_NOTED, NR_FTRUNCATE, 2, 2, 0x51)


@scenario(id="YR-004", title="At the return of fallocate(fd, 0, 0, 3 * PAGE) that grew a cut "
          "memfd back, map a page of forged bytes at page 2", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="fallocate() grows a memfd with zeroed pages (shmem_fallocate(): "
               "shmem_get_folio(SGP_FALLOC) folios read as zeros).")
def yr_falloc_forged_inflight(adv: Adversary) -> None:
    """1. ftruncate(fd, PAGE) zaps pages 1 and 2.  2. fallocate() grows the memfd back; at
    its return the kernel maps 0x51 bytes at page 2 (fallocate is one of SIZE_MOVERS: in
    flight, the page is not judged; shmem_fallocate() never gives other bytes than the
    hole's zeros): label -4."""
    fill_at_exit(adv, P_FALLOC, NR_FALLOCATE, 1, 2, 0x51)


@scenario(id="YR-005", title="After ftruncate(fd, PAGE) and fallocate(fd, 0, 0, 3 * PAGE), map "
          "a page of forged bytes at page 2 (nothing in flight)", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A memfd fallocate() grew back reads zeros.")
def yr_falloc_forged(adv: Adversary) -> None:
    """1. The cut, the fallocate.  2. At the marker after them 0x51 bytes at page 2:
    label -4."""
    fill_at_marker(adv, P_FALLOC, 2, 0x51)


@scenario(id="YR-006", title="(5 pages) After a cut inside page 1, a regrow, a store to page 3, "
          "a cut to 3 pages and a regrow, map a page of forged bytes at page 3", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A page that entered between two cuts and was cut again reads the hole.")
def yr_runs_forged_reentered(adv: Adversary) -> None:
    """1. The first cut zaps pages 2..4 (one run); page 3 enters ('Z': the run splits);
    the second cut zaps pages 3 and 4 again (the runs merge).  2. 0x51 bytes at page 3:
    label -4."""
    fill_at_marker(adv, P_RUNS, 3, 0x51)


@scenario(id="YR-007", title="(5 pages) After the two cuts and regrows, map a page of forged "
          "bytes at page 4 (past both new ends)", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A page two cuts dropped reads the hole.")
def yr_runs_forged_last(adv: Adversary) -> None:
    """1. Page 4 never entered since the first cut.  2. 0x51 bytes at page 4: label
    -4."""
    fill_at_marker(adv, P_RUNS, 4, 0x51)


@scenario(id="YR-008", title="(5 pages) During the second cut, ftruncate(fd, 3 * PAGE), drop "
          "the private copy of page 1, kept by the cut inside it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A cut keeps the private copies before the new end.")
def yr_runs_drop_kept(adv: Adversary) -> None:
    """1. truncate_pagecache(PAGE + 100) kept page 1's copy ('B', holebegin = 2 * PAGE);
    the cut to 3 * PAGE keeps it too.  2. The kernel zaps it during that cut: page 1
    reads the file's zeros: label -4."""
    _remember(adv, P_RUNS)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FTRUNCATE, during=P_RUNS, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        va = a.memo.get("at", 0) + PAGE
        if a.memo["calls"] != 3 or va == PAGE:
            return
        try:
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page 1 at {va:#x} dropped")
        except Exception as exc:
            a.refused(f"page 1's drop: {exc!r}")


@scenario(id="YR-009", title="(-w) After a memfd's cut, regrow and pwrite64() of 'p' at page 2, "
          "map a page of forged bytes at page 2 at the return of pwrite64()", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(W_ARG,),
          prop="While pwrite64 is in flight a page it writes holds the bytes before or "
               "after the write, never other bytes.")
def yr_pwritten_forged(adv: Adversary) -> None:
    """1. The cut and the regrow as Linux serves them.  2. pwrite64() in flight: the
    kernel maps 0x51 bytes at page 2, neither the hole (zeros) nor 'p': label -4."""
    fill_at_exit(adv, P_PWRITTEN, NR_PWRITE64, 1, 2, 0x51)


@scenario(id="YR-010", title="(-w) After a memfd's cut and regrow and a store of 's' through a "
          "writable MAP_SHARED view at page 2, map a page of forged bytes at the private "
          "view's page 2", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=VICTIM, args=(W_ARG,),
          prop="A private view's page a cut dropped reads the file's page: what the "
               "program's own shared view stored there.")
def yr_shared_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the store through the shared view (the page is loose: its
    bytes are no longer judged).  2. 0x51 bytes at the private view's page 2: label
    -4."""
    claim_pwritten_file_bytes(adv)      # (step 2 served as Linux serves it)
    fill_at_marker(adv, P_SHARED, 2, 0x51)


@scenario(id="YR-011", title="(-w) With a writable MAP_SHARED view beside it, after the cut and "
          "regrow, map a page of forged bytes at the private view's page 1", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(W_ARG,),
          prop="A page the shared view never stored to reads the hole.")
def yr_shared_forged_hole(adv: Adversary) -> None:
    """1. Page 1 never entered the shared view.  2. 0x51 bytes at the private view's
    page 1: label -4."""
    claim_pwritten_file_bytes(adv)      # (step 2 served as Linux serves it)
    claim_shared_file_bytes(adv)        # (page 2 of step 3 likewise)
    fill_at_marker(adv, P_SHARED, 1, 0x51)


@scenario(id="YR-012", title="At the return of ftruncate(fd, PAGE) (the cut in flight), map a "
          "page of forged bytes at page 2, wholly past the new end", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A cut that succeeded leaves no page wholly past the new end mapped.")
def yr_noted_forged_in_cut(adv: Adversary) -> None:
    """1. The cut zaps page 2's copy; at its return the kernel maps 0x51 bytes there.
    2. After the regrow the program reads them: label -4."""
    fill_at_exit(adv, P_NOTED, NR_FTRUNCATE, 1, 2, 0x51)


@scenario(id="YR-013", title="(5 pages) At the return of the last regrow, ftruncate(fd, "
          "5 * PAGE), map a page of forged bytes at page 4", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="While ftruncate is in flight a cut page is a hole: zeros, never other bytes.")
def yr_runs_forged_regrow(adv: Adversary) -> None:
    """1. The fourth ftruncate of the step in flight.  2. 0x51 bytes at page 4: label
    -4."""
    fill_at_exit(adv, P_RUNS, NR_FTRUNCATE, 4, 4, 0x51)


@scenario(id="YR-014", title="(5 pages) At the return of the last regrow, map page 3's old "
          "private copy ('Z', stored between the cuts) back at page 3", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="The second cut dropped page 3's copy: the grown file reads zeros there.")
def yr_runs_stale_copy(adv: Adversary) -> None:
    """1. The cut to 3 * PAGE zapped page 3's copy ('Z').  2. At the return of the regrow
    the kernel maps a page of 'Z' there: label -4."""
    fill_at_exit(adv, P_RUNS, NR_FTRUNCATE, 4, 3, ord("Z"))


@scenario(id="YR-015", title="After a memfd's cut and regrow, at the return of write() of a "
          "note to /dev/null, map page 2's old private copy ('C') back", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A copy the cut dropped is gone, whatever call is in flight when the page "
               "comes back.")
def yr_noted_stale_copy(adv: Adversary) -> None:
    """1. The cut zapped page 2's copy ('C').  2. write(devnull, note, 8) in flight: the
    kernel maps a page of 'C' at page 2, the program's own old bytes (not judged while a
    SIZE_MOVERS call is in flight): label -4."""
    fill_at_exit(adv, P_NOTED, NR_WRITE, 1, 2, ord("C"))


@scenario(id="YR-016", title="After a memfd's cut and regrow, the program reads page 2 and "
          "drops it with madvise(MADV_DONTNEED); map a page of forged bytes there", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A private page MADV_DONTNEED dropped reads the file again: the grown "
               "memfd's hole, zeros.")
def yr_dontneed_forged(adv: Adversary) -> None:
    """1. Page 2 entered once after the cut (the cut's run no longer holds it), the
    program dropped it (zap_page_range_single()).  2. At the marker after the madvise the
    kernel maps 0x51 bytes at page 2 (the file has changed since the mmap: owed_page no
    longer judges the private view): label -4."""
    fill_at_marker(adv, P_DONTNEED, 2, 0x51)


@scenario(id="YR-017", title="After a memfd's cut and regrow, mremap() moves the private "
          "mapping; map a page of forged bytes at the new place's page 2", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="The pages a cut dropped read the hole wherever the mapping moved.")
def yr_movedcut_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the move (move_page_tables(): nothing to move at pages 1
    and 2).  2. 0x51 bytes at the new place's page 2: label -4."""
    _remember(adv, P_MOVEDCUT)

    @adv.on(Point.MARKER, phase=P_MOVEDCUT + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        to = args[0] if args else 0
        a.memo["at"], a.memo["desc"] = to, a.init.mm.tables.lookup(to) if to else 0
        map_page(a, 2, b"\x51" * PAGE)


@scenario(id="YR-018", title="After a memfd's cut and regrow, mprotect(PROT_READ) splits the "
          "private mapping; map a page of forged bytes at page 2 (read-only)", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="The pages a cut dropped read the hole however the area split.")
def yr_split_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the split (vma_modify_flags()).  2. 0x51 bytes at page 2,
    read-only: label -4."""
    _remember(adv, P_SPLIT)

    @adv.on(Point.MARKER, phase=P_SPLIT + 2)
    def _(a: Adversary, **_: object) -> None:
        a.memo["desc"] = a.memo.get("desc", 0) | D.AP_RO
        map_page(a, 2, b"\x51" * PAGE)


@scenario(id="YR-019", title="(-b) After the cut and regrow of a memfd mapped MAP_PRIVATE | "
          "MAP_NORESERVE over 1 TiB, map a page of forged bytes at page 2", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(B_ARG,),
          prop="The pages a cut dropped read the hole, however long the view.")
def yr_big_forged(adv: Adversary) -> None:
    """1. The cut adds one run of 2^28 - 1 pages to the view.  2. 0x51 bytes at page 2:
    label -4."""
    fill_at_marker(adv, P_BIG, 2, 0x51)


@scenario(id="YR-020", title="(-b) After the cut and regrow of a memfd mapped over 1 TiB, map "
          "a page of forged bytes 2^27 pages into the view, past the file's end", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(B_ARG,),
          prop="A page wholly past a file's end is never mapped (shmem_fault(): SIGBUS).")
def yr_big_forged_far(adv: Adversary) -> None:
    """1. The kernel maps 0x51 bytes at page 2^27 of the view (the program never reads
    it: the check is the Guardian's alone).  2. Then page 2 as YR-019: label -4."""
    fill_at_marker(adv, P_BIG, 1 << 27, 0x51)
    fill_at_marker(adv, P_BIG, 2, 0x51)


@scenario(id="YR-021", title="After a memfd's cut and regrow, mremap() grows a 1-page private "
          "view of it to 3 pages; map a page of forged bytes at the new page 2", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A page a grown private view adds reads the file: the regrown hole, zeros.")
def yr_grown_forged(adv: Adversary) -> None:
    """1. The cut and the regrow (no page of the view past the new end); mremap() grows
    the view in place or moves it (vma_expand(): nothing mapped at pages 1 and 2).
    2. At the marker after the move the kernel maps 0x51 bytes at page 2: label -4."""
    _remember(adv, P_GROWN)

    @adv.on(Point.MARKER, phase=P_GROWN + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        to = args[0] if args else 0
        a.memo["at"], a.memo["desc"] = to, a.init.mm.tables.lookup(to) if to else 0
        map_page(a, 2, b"\x51" * PAGE)
