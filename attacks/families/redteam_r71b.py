"""Red-team round 71b: MAP_PRIVATE views of a memfd only a confidential program holds
whose file changes after the mmap and before the view's first fault there (the kernel
model reads the file at fault time, as filemap_fault() and shmem_fault() do), against
set_pt.file_bytes (file_pages.owed_page: a private view is judged only while the file
is as it was at the mmap) and set_pt.cut_refault (check_after_cut, cut_movers).

On the victim `secret_r71_mm` (markers from 8900: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping; P + 1 after its label):

- YU-001..YU-003: (P_FRESH) a memfd of 3 pages of 'x', a MAP_PRIVATE view of it never
  touched, pwrite64() of 'y' at page 0 after the mmap: the kernel maps forged bytes at
  page 1 (the file's 'x': pwrite64 never wrote it), at page 0 ('y'), and at page 1 at
  the return of pwrite64;
- YU-004, YU-005: (P_GROWFILE) a 3-page view of a 1-page memfd grown by ftruncate()
  after the mmap: forged bytes at page 2 (the grown hole: zeros) after the call and at
  its return;
- YU-006, YU-007: (P_REOPEN) after a cut and a regrow, a note written through
  /proc/self/fd/N reopened O_RDWR (a second open file of the memfd): forged bytes at
  page 2 at the return of that write, and after it;
- YU-008, YU-009: (P_CUTFRESH) an untouched view of 3 pages of 'x' cut to PAGE and grown
  back: forged bytes at page 2 (the hole) and at page 0 (the file's 'x', before the new
  end);
- YU-010, YU-011: (P_DUPWRITE) after a cut and a regrow, pwrite64() of 'p' at page 2
  through a dup3() of the memfd: forged bytes at page 2 at the return of pwrite64, and
  at page 1 after it;
- YU-012, YU-013: (P_FORKDROP, P_FORKGROW) with a fork child alive (blocked in read()
  of a pipe, so the domain has two address spaces): after a cut and a regrow, page 2
  read and dropped with madvise(MADV_DONTNEED), and page 2 of a 1-page view mremap()
  grew to 3 pages: forged bytes there (cut_dropped.note_dropped and note_grown note
  such pages only in a domain of one address space).
- YU-014..YU-021: (-x) 3 pages stored, cut to PAGE and grown back, then pwritev() of
  'v' at page 2, copy_file_range() of 'k' from another memfd to page 2, sendfile() of
  'n' from another memfd with the file offset at page 2, and (cut to 2 pages, grown
  back, O_APPEND) write() of 'w' appended at page 2, and (YU-027, YU-028) splice() of
  'i' from a pipe to page 2: forged bytes at page 2 at the
  return of the call (through: only ftruncate, fallocate and pwrite64 in flight have
  their leaves told, cut_movers.leaves; any other writer of the file stops the
  judging), and after it (refused).
- YU-022, YU-023: (-t) a thread made, then a memfd's private view and a
  writable MAP_SHARED view of it, a cut, a regrow and a store of 's' through the shared
  view at page 2: forged bytes at the private view's page 2 (through: shared_frame
  judges only while one thread was ever made; the kernel model's own zeros there go
  through too) and at page 1 (refused).
- YU-024: (-m) a memfd of 3 pages of 'x' mapped MAP_PRIVATE, page 0 stored 'A',
  mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) of page 0: forged bytes at the old page 0
  (the old vma stays with its file: its next fault reads 'x'): refused, but so is the
  honest page.
- false refusal (claims, xfail): (-m) the old page 0 MREMAP_DONTUNMAP left enters
  with the file's 'x' (move_vma() keeps the old vma with vm_file and vm_ops: Linux 5.13
  and later, a file vma's fault is shmem_fault()'s); the kernel model maps 'x' there
  (its old vma keeps the file) and so does claim_dontunmap_file_bytes, and the Guardian
  refuses it (set_pt: "not zero-filled (only image pages carry data in)": the old
  range is taken back as a new anonymous area, Space.mapped_again), killing the
  program.
- YU-025, YU-026: (-p) a memfd of 3 pages of 'x', an untouched MAP_PRIVATE view and a
  writable MAP_SHARED view, madvise(MADV_REMOVE) of the shared view's page 1
  (madvise_remove() -> vfs_fallocate(PUNCH_HOLE | KEEP_SIZE): page 1 a hole): forged
  bytes at page 1 of the private view, and of the shared view (through: the punched
  pages' bytes are no longer judged, though the Guardian knows them to be zeros).  The
  kernel model answers MADV_REMOVE 0 and punches nothing (the stale 'x' stays: not
  Linux; qemu-aarch64-static ignores the advice too); claim_remove_hole maps zeros.
- YU-029, YU-030: (-o) a memfd of 3 pages mapped MAP_PRIVATE and stored, cut to 0 by
  an open of /proc/self/fd/N with O_TRUNC (do_truncate() -> shmem_setattr() ->
  truncate_pagecache(): every private copy zapped), grown back by ftruncate: forged
  bytes at page 2 after the regrow, and page 1's old copy ('L') mapped back at the
  return of the open.
- YU-031: (-s) a memfd of 3 pages of 'x', a private and a writable shared view; the
  private view's page 2 read, 's' stored through the shared view there, the private
  page dropped by the program's MADV_DONTNEED: forged bytes at it (through: nothing
  judges a loose page MADV_DONTNEED gave back; the kernel model's refault maps the
  page cache folio, 's', as Linux's does: claim_dropshared_bytes, let through).
- With the Guardian on, through when written: YU-001, 002, 004, 006, 009 (a MAP_PRIVATE
  view is judged only while the file is as it was at the mmap: file_pages.owed_page;
  once the program's own pwrite64, ftruncate or cut moved the file's version, a page
  entering the view outside a cut's runs is not judged, though the Guardian knows the
  file's bytes), YU-012, 013 (a domain of two address spaces notes no dropped or grown
  page), YU-014, 016, 018, 020, 027 (a call in flight other than ftruncate, fallocate
  and pwrite64 stops the judging), YU-022 (a thread was ever made; refused in this design
  too since the joined thread counts as gone, lone_thread.py), YU-025, 026 (pages
  MADV_REMOVE punched are no longer judged), YU-031 (a loose page MADV_DONTNEED dropped);
  the rest refused.
- Through with the Guardian on when written, refused since: YU-001, 002, 004, 009
  (set_pt.cut_refault: every page of a MAP_PRIVATE view owes the file's bytes at its
  first fault since the mmap, not only after a cut), YU-012, 013 (a fork's child has
  its own views: a page MADV_DONTNEED dropped or mremap grew is owed in that tree),
  YU-025, 026 (MADV_REMOVE through a writable shared view leaves zeros the Guardian
  follows, once no tree maps those pages; the kernel model now punches the hole and
  drops the shared frames there, file_cut.punch_file).
- False refusal fixed: the old range MREMAP_DONTUNMAP leaves stays a view of the file at
  its offsets (cut_dropped.views_left), its pages owed the file's bytes; YU-024 still
  refused, the honest 'x' let through.
- Refused since: YU-006, 014, 020 (set_pt.cut_refault: write(), writev() and pwritev()
  in flight leave their quiet buffers at the open file's offset, at i_size for O_APPEND,
  or at their offset: cut_movers._written), YU-016, 018 (copy_file_range() and
  sendfile() in flight from a memfd the Guardian follows leave its bytes:
  cut_movers._copied), YU-027 (splice() in flight from a pipe the Guardian follows
  leaves the pipe's next bytes: cut_movers._spliced), YU-022, 031 (the shared frame is
  judged where one thread can store: one tree left whose clones sharing it are gone,
  confidential_admission._leaves).  The kernel model's own stale copy (-s) and zeros
  (-t) there are refused too (the program killed): it cannot read the shared frame,
  and COPY_PAGE binds a copy to its source's place only (documented).
- honest (tests/test_redteam_r71b_claims.py): the same pages mapped with the file's
  bytes (filemap_fault() -> shmem_fault() -> shmem_get_folio_gfp(): the page cache
  folio as it is at the fault), which the Guardian lets through.  qemu-aarch64-static:
  secret_r71_mm finishes intact, every step label 0.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r70b import map_page
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, documented, scenario
from emulator import descriptors as D

RT = "redteam_r71b"
VICTIM = "secret_r71_mm"
PAGE = 4096
P_FRESH, P_GROWFILE, P_REOPEN, P_CUTFRESH, P_DUPWRITE = 8900, 8904, 8908, 8912, 8916
P_FORKDROP, P_FORKGROW = 8920, 8924
P_PWRITEV, P_COPYRANGE, P_SENDFILE, P_APPEND = 8928, 8932, 8936, 8940   # (-x)
X_ARG = b"-x"
P_THREADED, T_ARG = 8944, b"-t"                                         # (-t)
P_DONTUNMAP, M_ARG = 8948, b"-m"                                        # (-m)
P_REMOVE, R_ARG = 8952, b"-p"                                           # (-p)
P_OTRUNC, O_ARG, NR_OPENAT = 8960, b"-o", 56                            # (-o)
P_DROPSHARED, S_ARG = 8964, b"-s"                                       # (-s)
NR_PWRITEV, NR_COPY_FILE_RANGE, NR_SENDFILE = 70, 285, 71
P_SPLICE, NR_SPLICE = 8956, 76                                          # (-x)
P_FIRST, P_LAST = 8900, 8924
DEFAULT_STEPS = (8900, 8904, 8908, 8912, 8916, 8920, 8924)
NR_WRITE, NR_PWRITE64, NR_FTRUNCATE = 64, 68, 46
OPEN = "G-LEAVE-ON-REQUEST"


def remember(adv: Adversary, phase: int) -> None:
    """At the step's first marker, note its private mapping (x3) and the entry bits of
    the log buffer's page (x2: a writable data page) for pages mapped into the view."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        buf, at = (args[0], args[1]) if len(args) > 1 else (0, 0)
        a.memo["at"], a.memo["desc"] = at, a.init.mm.tables.lookup(buf) if buf else 0


def fill_at_marker(adv: Adversary, phase: int, page: int, byte: int) -> None:
    """At the step's marker after its calls, map a page of `byte`s at page `page`."""
    remember(adv, phase)

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, page, bytes([byte]) * PAGE)


def fill_at_exit(adv: Adversary, phase: int, nr: int, call: int, page: int,
                 byte: int) -> None:
    """At the exit of the `call`-th call `nr` of the step (counted from its first
    marker), map a page of `byte`s at page `page` of its private mapping."""
    remember(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        if a.memo["calls"] == call:
            map_page(a, page, bytes([byte]) * PAGE)


def claim_fresh_file_bytes(adv: Adversary) -> None:
    """secret_r71_mm, P_FRESH: the untouched view's pages enter after pwrite64() of 'y'
    at page 0 holding the file as it is (shmem_fault()): 'y' at page 0, 'x' at pages 1
    and 2: label 0."""
    remember(adv, P_FRESH)

    @adv.on(Point.MARKER, phase=P_FRESH + 2)
    def _(a: Adversary, **_: object) -> None:
        for page, byte in ((0, b"y"), (1, b"x"), (2, b"x")):
            map_page(a, page, byte * PAGE)


def claim_growfile_hole(adv: Adversary) -> None:
    """secret_r71_mm, P_GROWFILE: pages 1 and 2 of the view, past the end at the mmap,
    enter after ftruncate() grew the memfd holding its hole, zeros: label 0."""
    remember(adv, P_GROWFILE)

    @adv.on(Point.MARKER, phase=P_GROWFILE + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, 0, b"x" * PAGE)
        map_page(a, 2, bytes(PAGE))


def claim_cutfresh_file_bytes(adv: Adversary) -> None:
    """secret_r71_mm, P_CUTFRESH: page 0 of the untouched view enters after the cut and
    the regrow holding the file's 'x' (before the new end: truncate_pagecache() kept
    it), page 2 the hole's zeros: label 0."""
    remember(adv, P_CUTFRESH)

    @adv.on(Point.MARKER, phase=P_CUTFRESH + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, 0, b"x" * PAGE)
        map_page(a, 2, bytes(PAGE))


def claim_threaded_shared_bytes(adv: Adversary) -> None:
    """secret_r71_mm -t: the private view's page 2, which the cut dropped, enters after
    the store of 's' through the shared view holding the page cache folio's bytes
    (shmem_fault() -> shmem_get_folio_gfp()), 's': label 0."""
    fill_at_marker(adv, P_THREADED, 2, ord("s"))


def claim_dontunmap_file_bytes(adv: Adversary) -> None:
    """secret_r71_mm -m: after mremap(MREMAP_DONTUNMAP) moved page 0 ('A'), the old page 0
    enters holding the file's 'x': the old vma keeps vm_file and vm_ops (move_vma(),
    Linux 5.13 and later for a file vma), so the fault is shmem_fault()'s: label 0."""
    remember(adv, P_DONTUNMAP)

    @adv.on(Point.MARKER, phase=P_DONTUNMAP + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["desc"] = a.init.mm.tables.lookup(args[1]) if len(args) > 1 else 0
        map_page(a, 0, b"x" * PAGE)


def claim_remove_hole(adv: Adversary) -> None:
    """secret_r71_mm -p: after MADV_REMOVE punched page 1, it enters both views holding
    the hole's zeros (shmem_fallocate() -> shmem_truncate_range(), then shmem_fault()):
    label 0.  One new folio of zeros: the shared view's page, which the private view's
    read fault maps read-only (do_read_fault())."""
    remember(adv, P_REMOVE)

    @adv.on(Point.MARKER, phase=P_REMOVE + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at, sh = (args[0], args[1]) if len(args) > 1 else (0, 0)
        a.memo["at"] = sh
        map_page(a, 1, bytes(PAGE))
        mm = a.init.mm
        pa = a.pa_of(sh + PAGE, mm.tables.root) if at and sh else None
        if pa is None:
            return
        try:
            if a.pa_of(at + PAGE, mm.tables.root) is not None:
                mm.zap(at + PAGE, at + 2 * PAGE)
            a.kernel.frames.get(pa)             # (the private entry's reference)
            mm.tables.set(at + PAGE, (mm.tables.lookup(sh + PAGE) & ~D.ADDR_MASK) | D.AP_RO | pa)
            a.el1.tlbi_all()
            a.note(f"the shared view's page 1 {pa:#x} mapped read-only at {at + PAGE:#x}")
        except Exception as exc:
            a.refused(f"the private view's page 1: {exc!r}")


def claim_dropshared_bytes(adv: Adversary) -> None:
    """secret_r71_mm -s: the private view's page 2, read, then dropped by the program's
    MADV_DONTNEED after a store of 's' through the shared view, enters holding the page
    cache folio's bytes, 's' (zap_page_range_single(), then shmem_fault()): label 0.
    The kernel model's refault maps that folio itself, read-only (do_read_fault()), as
    Linux does: served as it is (a copy of its bytes is not Linux's page)."""
    remember(adv, P_DROPSHARED)


def _yu(sid: str, title: str, prop: str, gap: str = "",  # type: ignore[no-untyped-def]
        args: tuple[bytes, ...] = (), mprotect: Expect = Expect.REFUSED):
    return scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                    program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect)


@_yu("YU-001", "An untouched MAP_PRIVATE view of a memfd of 'x', pwrite64() of page 0 after "
     "the mmap: map a page of forged bytes at page 1 (the file's 'x')",
     "A private view's first fault reads the file as it is then (shmem_fault()): a page "
     "no write touched holds the file's bytes.")
def yu_fresh_forged(adv: Adversary) -> None:
    """1. The mmap of 3 pages of 'x' (nothing faulted), pwrite64 of 'y' at page 0: the
    file's version moves, so owed_page no longer judges the view.  2. At the marker the
    kernel maps 0x51 bytes at page 1: label -4."""
    fill_at_marker(adv, P_FRESH, 1, 0x51)


@_yu("YU-002", "An untouched MAP_PRIVATE view, pwrite64() of 'y' at page 0 after the mmap: "
     "map a page of forged bytes at page 0",
     "A private view's first fault at a page pwrite64 wrote reads what it wrote.")
def yu_fresh_forged_written(adv: Adversary) -> None:
    """1. pwrite64 of 'y' at page 0 after the mmap.  2. 0x51 bytes at page 0: label
    -4."""
    fill_at_marker(adv, P_FRESH, 0, 0x51)


@_yu("YU-003", "An untouched MAP_PRIVATE view of a memfd: at the return of pwrite64() of "
     "page 0, map a page of forged bytes at page 1",
     "While pwrite64 of page 0 is in flight page 1 of the file holds its bytes ('x').")
def yu_fresh_forged_inflight(adv: Adversary) -> None:
    """1. The pwrite64 after the mmap in flight.  2. 0x51
    bytes at page 1: label -4."""
    fill_at_exit(adv, P_FRESH, NR_PWRITE64, 1, 1, 0x51)


@_yu("YU-004", "A 3-page MAP_PRIVATE view of a 1-page memfd grown by ftruncate() after the "
     "mmap: map a page of forged bytes at page 2",
     "A memfd grown by ftruncate reads zeros past its old end (shmem_get_folio(): a "
     "hole).")
def yu_growfile_forged(adv: Adversary) -> None:
    """1. ftruncate(fd, 3 * PAGE) after the mmap.  2. 0x51 bytes at page 2: label -4."""
    fill_at_marker(adv, P_GROWFILE, 2, 0x51)


@_yu("YU-005", "A 3-page MAP_PRIVATE view of a 1-page memfd: at the return of the "
     "ftruncate() that grows it, map a page of forged bytes at page 1",
     "While ftruncate is in flight a page past the old end is a hole: zeros.")
def yu_growfile_forged_inflight(adv: Adversary) -> None:
    """1. The grow, the step's first ftruncate after its marker, in flight.  2. 0x51 bytes at page 1:
    label -4."""
    fill_at_exit(adv, P_GROWFILE, NR_FTRUNCATE, 1, 1, 0x51)


@_yu("YU-006", "After a memfd's cut and regrow, at the return of write() of a note through "
     "/proc/self/fd/N reopened O_RDWR, map a page of forged bytes at page 2",
     "A write of 8 bytes at offset 0 leaves page 2 of the regrown memfd a hole, "
     "through whichever open file of it.")
def yu_reopen_forged_inflight(adv: Adversary) -> None:
    """1. The cut and the regrow; the reopen (do_dentry_open() of the same inode: a
    second open file).  2. write(fd2, note, 8) in flight: 0x51 bytes at page 2 (a write
    the Guardian cannot tell the bytes of stops the judging): label -4."""
    fill_at_exit(adv, P_REOPEN, NR_WRITE, 1, 2, 0x51)


@_yu("YU-007", "After a memfd's cut and regrow and a note written through /proc/self/fd/N, "
     "map a page of forged bytes at page 2 (nothing in flight)",
     "The regrown memfd reads zeros at page 2 after a write of 8 bytes at offset 0.")
def yu_reopen_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the reopen and the write.  2. 0x51 bytes at page 2: label
    -4."""
    fill_at_marker(adv, P_REOPEN, 2, 0x51)


@_yu("YU-008", "An untouched MAP_PRIVATE view of a memfd of 'x', cut to PAGE and grown back: "
     "map a page of forged bytes at page 2",
     "A memfd grown back reads zeros past the cut.")
def yu_cutfresh_forged_hole(adv: Adversary) -> None:
    """1. The cut and the regrow (no page of the view ever faulted).  2. 0x51 bytes at
    page 2: label -4."""
    fill_at_marker(adv, P_CUTFRESH, 2, 0x51)


@_yu("YU-009", "An untouched MAP_PRIVATE view of a memfd of 'x', cut to PAGE and grown back: "
     "map a page of forged bytes at page 0 (before the new end)",
     "A cut keeps the file's bytes before its new end: page 0 reads 'x'.")
def yu_cutfresh_forged_kept(adv: Adversary) -> None:
    """1. The cut and the regrow (the file's version moved: owed_page does not judge
    the view; page 0 is in no cut run).  2. 0x51 bytes at page 0: label -4."""
    fill_at_marker(adv, P_CUTFRESH, 0, 0x51)


@_yu("YU-010", "After a memfd's cut and regrow, at the return of pwrite64() of 'p' through a "
     "dup3() of it, map a page of forged bytes at page 2",
     "A dup shares the open file: pwrite64 through it leaves 'p' or the hole at page 2.")
def yu_dupwrite_forged_inflight(adv: Adversary) -> None:
    """1. The cut, the regrow, dup3(fd, 60).  2. pwrite64(60, 'p', PAGE, 2 * PAGE) in
    flight (the first pwrite64 after the marker): 0x51 bytes at page 2: label -4."""
    fill_at_exit(adv, P_DUPWRITE, NR_PWRITE64, 1, 2, 0x51)


@_yu("YU-011", "After a memfd's cut and regrow and pwrite64() of 'p' at page 2 through a "
     "dup3() of it, map a page of forged bytes at page 1",
     "Page 1 of the regrown memfd stays a hole: zeros.")
def yu_dupwrite_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the pwrite64 through the dup.  2. 0x51 bytes at page 1:
    label -4."""
    fill_at_marker(adv, P_DUPWRITE, 1, 0x51)


def _moved_view(adv: Adversary, phase: int, page: int) -> None:
    """At the marker after the calls (x2: where the view is now), map 0x51 bytes at
    page `page` of it."""
    remember(adv, phase)

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["at"] = args[0] if args else 0
        map_page(a, page, b"\x51" * PAGE)


@_yu("YU-012", "With a fork child alive, after a memfd's cut and regrow, the program reads "
     "page 2 and drops it with madvise(MADV_DONTNEED): map a page of forged bytes there",
     "A private page MADV_DONTNEED dropped reads the file again (zap_page_range_single(), "
     "then shmem_fault()): the regrown hole, zeros, however many processes the program "
     "has.")
def yu_forkdrop_forged(adv: Adversary) -> None:
    """1. fork() (the child waits in read()), the cut, the regrow, page 2 read (it left
    the cut's run), MADV_DONTNEED (not noted: two address spaces).  2. 0x51 bytes at
    page 2: label -4."""
    _moved_view(adv, P_FORKDROP, 2)


@_yu("YU-013", "With a fork child alive, after a memfd's cut and regrow, mremap() grows a "
     "1-page private view to 3 pages: map a page of forged bytes at the new page 2",
     "A page a grown private view adds reads the file (vma_expand(), shmem_fault()): "
     "the regrown hole, zeros.")
def yu_forkgrow_forged(adv: Adversary) -> None:
    """1. The cut, the regrow, the grow (not noted: two address spaces).  2. 0x51 bytes
    at page 2 of the view where it is now: label -4."""
    _moved_view(adv, P_FORKGROW, 2)


_WRITERS = (
    ("YU-014", "YU-015", P_PWRITEV, NR_PWRITEV, "pwritev() of 'v' at offset 2 * PAGE",
     "pwritev writes its iovec's bytes at its offset (vfs_writev() -> shmem_write_end())"),
    ("YU-016", "YU-017", P_COPYRANGE, NR_COPY_FILE_RANGE,
     "copy_file_range() of a page of 'k' from another memfd to offset 2 * PAGE",
     "copy_file_range copies the source's bytes (vfs_copy_file_range() -> "
     "splice_file_range())"),
    ("YU-018", "YU-019", P_SENDFILE, NR_SENDFILE,
     "sendfile() of a page of 'n' from another memfd at the file offset 2 * PAGE",
     "sendfile writes the source's bytes at out_fd's offset (do_sendfile() -> "
     "do_splice_direct())"),
    ("YU-020", "YU-021", P_APPEND, NR_WRITE,
     "write() of a page of 'w' with O_APPEND after a cut to 2 pages and a regrow",
     "an O_APPEND write lands at the file's end (generic_write_checks(): iocb->ki_pos = "
     "i_size)"),
    ("YU-027", "YU-028", P_SPLICE, NR_SPLICE,
     "splice() of a page of 'i' from a pipe to offset 2 * PAGE",
     "splice writes the pipe's bytes at its offset (do_splice() -> iter_file_splice_write())"),
)


def _writer_steps(phase: int, nr: int, at_exit: bool):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        if at_exit:
            fill_at_exit(adv, phase, nr, 1, 2, 0x51)
        else:
            fill_at_marker(adv, phase, 2, 0x51)
    return steps


#: The in-flight writers refused (cut_movers._written, _copied, _spliced): pwritev(),
#: copy_file_range(), sendfile(), write() with O_APPEND, splice() from a pipe.
_INFLIGHT_REFUSED = ("YU-014", "YU-016", "YU-018", "YU-020", "YU-027")
for _in, _after, _phase, _nr, _what, _linux in _WRITERS:
    _yu(_in, f"(-x) After a memfd's cut and regrow, at the return of {_what}, map a page "
        "of forged bytes at page 2", f"While the call is in flight page 2 holds the hole "
        f"or what the call writes: {_linux}.",
        gap="" if _in in _INFLIGHT_REFUSED else "P2", args=(X_ARG,),
        mprotect=Expect.SUCCEEDS if _in in _INFLIGHT_REFUSED else Expect.REFUSED)(
        documented(_writer_steps(_phase, _nr, True),
                   f"1. 3 pages stored, the cut to PAGE, the regrow, then {_what}.\n"
                   "2. At the call's return, 0x51 bytes at page 2: label -4."))
    _yu(_after, f"(-x) After a memfd's cut and regrow and {_what}, map a page of forged "
        "bytes at page 2", f"Page 2 holds what the call wrote: {_linux}.", args=(X_ARG,),
        mprotect=Expect.SUCCEEDS)(   # (the predecessor design judges no file page)
        documented(_writer_steps(_phase, _nr, False),
                   f"1. 3 pages stored, the cut to PAGE, the regrow, then {_what}.\n"
                   "2. At the step's marker after the call, 0x51 bytes at page 2: label -4."))


@_yu("YU-022", "(-t) A thread made; after a memfd's cut and regrow and a store of "
     "'s' through a writable MAP_SHARED view at page 2, map a page of forged bytes at the "
     "private view's page 2", "A private view's page a cut dropped reads the file's page: "
     "what the shared view stored there (shmem_fault()), however many threads the program "
     "made.", args=(T_ARG,))
def yu_threaded_shared_forged(adv: Adversary) -> None:
    """1. pthread_create, its run awaited (threads_made() is 2 from now on), the cut, the
    regrow, the store through the shared view (the page is loose).  2. 0x51 bytes at
    the private view's page 2: label -4."""
    fill_at_marker(adv, P_THREADED, 2, 0x51)


@_yu("YU-023", "(-t) A thread made; after the cut, the regrow and the store through "
     "the shared view at page 2, map a page of forged bytes at the private view's page 1",
     "A page the shared view never stored to reads the regrown hole.", args=(T_ARG,))
def yu_threaded_hole_forged(adv: Adversary) -> None:
    """1. As YU-022; page 1 is not loose.  2. 0x51 bytes at page 1 (page 2 served as
    Linux serves it): label -4."""
    claim_threaded_shared_bytes(adv)
    fill_at_marker(adv, P_THREADED, 1, 0x51)


@_yu("YU-024", "(-m) After mremap(MREMAP_DONTUNMAP) moved page 0 of a MAP_PRIVATE view of a "
     "memfd of 'x', map a page of forged bytes at the old page 0",
     "The old range of a file vma MREMAP_DONTUNMAP moved reads the file at its next fault "
     "(move_vma() keeps the vma, its vm_file and vm_ops).", args=(M_ARG,))
def yu_dontunmap_forged(adv: Adversary) -> None:
    """1. The store, the move.  2. 0x51 bytes at the old page 0: label -4."""
    remember(adv, P_DONTUNMAP)

    @adv.on(Point.MARKER, phase=P_DONTUNMAP + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["desc"] = a.init.mm.tables.lookup(args[1]) if len(args) > 1 else 0
        map_page(a, 0, b"\x51" * PAGE)


def _punched(view: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        remember(adv, P_REMOVE)

        @adv.on(Point.MARKER, phase=P_REMOVE + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            at, sh = (args[0], args[1]) if len(args) > 1 else (0, 0)
            for place in (at, sh):
                a.memo["at"] = place
                map_page(a, 1, b"\x51" * PAGE if place == (at, sh)[view] else bytes(PAGE))
    return steps


_yu("YU-025", "(-p) After madvise(MADV_REMOVE) of page 1 through a writable MAP_SHARED view of "
    "a memfd, map a page of forged bytes at page 1 of an untouched MAP_PRIVATE view",
    "A hole MADV_REMOVE punched reads zeros in every view (madvise_remove() -> "
    "vfs_fallocate(PUNCH_HOLE | KEEP_SIZE), shmem_fault()).", args=(R_ARG,))(
    documented(_punched(0), "1. A memfd of 3 pages of 'x', an untouched MAP_PRIVATE view, a "
               "writable MAP_SHARED view, madvise(MADV_REMOVE) of page 1 through it.\n"
               "2. 0x51 bytes at the private view's page 1, zeros at the shared view's: "
               "label -4."))
_yu("YU-026", "(-p) After madvise(MADV_REMOVE) of page 1 through a writable MAP_SHARED view of "
    "a memfd, map a page of forged bytes at the shared view's page 1",
    "A hole MADV_REMOVE punched reads zeros (shmem_fault() finds no folio: a new zeroed "
    "one).", args=(R_ARG,))(
    documented(_punched(1), "1. As YU-025.\n2. 0x51 bytes at the shared view's page 1, "
               "zeros at the private view's: label -4."))


@_yu("YU-029", "(-o) After an open of /proc/self/fd/N with O_TRUNC cut a memfd to 0 and "
     "ftruncate grew it back, map a page of forged bytes at page 2 of its private view",
     "A memfd an O_TRUNC open cut and ftruncate grew back reads zeros.", args=(O_ARG,))
def yu_otrunc_forged(adv: Adversary) -> None:
    """1. The O_TRUNC open (a cut by another call than ftruncate), the regrow.  2. 0x51
    bytes at page 2: label -4."""
    fill_at_marker(adv, P_OTRUNC, 2, 0x51)


@_yu("YU-030", "(-o) At the return of the open of /proc/self/fd/N with O_TRUNC, map page 1's "
     "old private copy ('L') back", "A cut to 0 leaves no page of the file mapped "
     "(truncate_pagecache(), even_cows = 1); the regrown file reads zeros.", args=(O_ARG,))
def yu_otrunc_stale(adv: Adversary) -> None:
    """1. The O_TRUNC open zaps every copy; at its return the kernel maps a page of 'L'
    at page 1 (wholly past the new end, 0).  2. After the regrow the program reads it:
    label -4."""
    fill_at_exit(adv, P_OTRUNC, NR_OPENAT, 1, 1, ord("L"))


@_yu("YU-031", "(-s) The private view's page 2 read, 's' stored through a MAP_SHARED view "
     "there, the private page dropped by MADV_DONTNEED: map a page of forged bytes at it",
     "A private page MADV_DONTNEED dropped reads the file's page: what the shared view "
     "stored (shmem_fault()).", args=(S_ARG,))
def yu_dropshared_forged(adv: Adversary) -> None:
    """1. The read, the store, the drop.  2. 0x51 bytes at the private view's page 2:
    label -4."""
    fill_at_marker(adv, P_DROPSHARED, 2, 0x51)
