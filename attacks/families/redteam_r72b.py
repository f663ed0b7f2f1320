"""Red-team round 72b: untouched MAP_PRIVATE views of a memfd only a confidential
program holds whose file's bytes change after the mmap by ways set_pt.cut_refault
(file_pages, cut_movers, cut_dropped) may not follow: a fork child's store through an
inherited MAP_SHARED view, a write through a descriptor SCM_RIGHTS handed back, a store
through a shared view mremap() moved, an O_APPEND write after write() grew the memfd
(its size known only as a lower bound), splice() from a pipe a fork child filled or
tee() filled.

On the victim `secret_r72_mm` (markers from 9200: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping; P + 1 after its label; each step runs when its letter
is in the argument "-LETTERS"):

- YX-001, YX-002: (-b) a writable MAP_SHARED view beside the untouched private one; a
  fork child stores 's' through the inherited shared view at page 2 and exits: forged
  bytes at the private view's page 2 and at page 1 (refused; the kernel model's own
  stale page 2, without the child's 's', refused: not Linux).
- YX-003: (-c) pwrite64() of 'y' at page 2 through the descriptor SCM_RIGHTS handed
  back (the same open file): forged bytes at page 2.
- YX-004, YX-005: (-g) a writable MAP_SHARED view moved by mremap(MREMAP_FIXED), 'r'
  stored through it at page 2: forged bytes at the private view's page 2, and at page 1.
- false refusal (claims, xfail): (-g) the private view's page 2 entering with 'r', the
  bytes the moved shared view stored (move_vma() keeps the vma's file and offset:
  shmem_fault() finds that folio); the Guardian refuses it (set_pt refused, the program
  killed): the shared view is not followed to its new place.
- YX-006, YX-007: (-h) a 3-page view of a 1-page memfd, write() of 'z' at offset PAGE
  (the memfd grows unseen: its recorded size is a lower bound), then an O_APPEND
  write() of 'w' (generic_write_checks(): at i_size, page 2): forged bytes at page 2
  at the return of the O_APPEND write, and after it.
- YX-008, YX-009: (-j) splice() to page 2 from a pipe a fork child filled with 'c':
  forged bytes at page 2 at the return of splice, and after it.
- YX-010, YX-011: (-i) tee() of a page of 'e' into a second pipe, splice() from it to
  page 2: forged bytes at page 2 at the return of splice, and after it.
- YX-012: (-c) at the return of the pwrite64() through the SCM_RIGHTS descriptor,
  forged bytes at page 1 (the file's 'x').
- YX-013: (-m) 'u' stored through a shared view's page 2 mremap(MREMAP_DONTUNMAP) moved:
  forged bytes at the private view's page 2 (refused; the honest 'u' let through, the
  kernel model's own stale page refused: not Linux).
- YX-014, YX-015: (-n) a fork child exits at once, then pwrite64() of 'y' at page 2:
  forged bytes at page 2 and at page 1 (refused).
- YX-016: (-o) a PROT_READ MAP_SHARED view, pwrite64() of 'y' at page 2: forged bytes at
  the shared view's page 2 (refused).
- YX-017, YX-018: (-p) a fork child only reads the inherited writable shared view's
  page 2 and exits, then pwrite64() of 'y' at page 2: forged bytes at the private view's
  page 1 and page 2 (refused).
- YX-019, YX-020: (-e, -l) a short pwrite64()/pwritev() (the buffer's second page
  PROT_NONE) answered PAGE as Linux does: forged bytes at page 2, past what was written
  (refused; the honest short write's pages let through).
- YX-021, YX-022: (-r) copy_file_range() of page 0 to page 2 of the same memfd: forged
  bytes at page 2 after it and at its return (refused).
- YX-023: (-q) a cut to PAGE: zeros mapped at page 2, past the end, in place of SIGBUS
  (refused).
- YX-024, YX-025: (-s) pwrite64() of 'y' at page 2, a fork child reads the inherited
  untouched view: forged bytes at the parent's page 2 and page 1 (refused).
- Not the Guardian's: the kernel model answers a pwrite64()/pwritev() whose buffer's
  second page is PROT_NONE -EFAULT (Linux: the first page written, PAGE answered,
  generic_perform_write()), process_vm_writev() -ENOSYS (Linux: process_vm_rw_core()),
  truncate() of /proc/self/fd/N fails (Linux: do_sys_truncate() follows the magic
  link to the memfd), and an untouched private view of an O_TMPFILE file misses a
  pwrite64() after the mmap (Linux: filemap_fault() reads the page cache), and
  vmsplice() into a pipe then splice() (Linux: the gifted page's bytes); steps -e,
  -l, -k, -a, -t, -x label -4 with and without the Guardian.
- YX-026..YX-029: (-u, -v) page 0 stored 'A' (a private copy), optionally
  madvise(MADV_PAGEOUT) (its swap-out), then pwrite64() of 'y' at page 0: the file's
  new bytes and its old 'x' mapped at page 0, and forged bytes at page 1 (refused).
- YX-030..YX-033: (-w, -y) a fork child pwrite64()s 'c' at page 2, or cuts the memfd to
  PAGE and grows it back: forged bytes at the parent's page 2 and 1, and the old 'x'
  at page 2 after the child's cut.
- YX-034..YX-036: (-z) pwrite64() of 'y' at page 0 after the mmap, the untouched page 0
  moved by mremap(MREMAP_DONTUNMAP): forged bytes at the old page 0 and at the new
  place, and the file's old 'x' at the old page 0.
- YX-037, YX-038: (-f) a 3-page view of a 1-page memfd, pwrite64() of 'y' at page 2
  past the end: forged bytes, and 'y', at page 1 (the hole).
- Through with the Guardian on when written, refused since: YX-001, 002, 018, 022 (gap
  P2).  YX-001, 002, 018: the fork child's shared view, the only tree that mapped the
  file's page 2, was gone at the private view's fault (the memfd holds the folio,
  unmapped), so cut_movers.shared_frame found no frame to judge against and page 2 went
  unjudged; YX-002's forged page 1 was refused, but the kernel model's own stale page 2
  then went through (label -4).  Now the frame the memfd holds is judged
  (set_pt.cut_refault) where one thread only can store (`lone`: the child gone) and no
  call is in flight.  YX-022: copy_file_range() from the file to itself in flight is
  followed as a copy from a known memfd: the source range's bytes as they were before
  the call (the ranges apart; overlapping ones are -EINVAL,
  generic_copy_file_checks()).
- honest (tests/test_redteam_r72b_claims.py): the pages as shmem_fault() gives them at
  the first fault.  qemu-aarch64-static: secret_r72_mm -bcghji finishes intact, every
  step label 0 (-e: qemu answers -EFAULT for the whole buffer; -k: qemu has no
  process_vm_writev).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r71b import fill_at_exit, fill_at_marker, map_page, remember
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario

RT = "redteam_r72b"
VICTIM = "secret_r72_mm"
PAGE = 4096
P_TRUNCPATH, P_FORKSTORE, P_SCMWRITE, P_PARTIAL = 9200, 9204, 9208, 9212
P_MREMAPSH, P_APPENDLB, P_CHILDPIPE, P_TEEPIPE = 9216, 9220, 9224, 9228
P_PVWRITE, P_PARTIALV = 9232, 9236
P_DONTUNMAPSH, P_FORKEXIT, P_ROSHARED = 9240, 9244, 9248
M_ARG, N_ARG, O_ARG = b"-m", b"-n", b"-o"
P_FORKREAD, P_ARG = 9252, b"-p"
P_COPYSELF, P_SIGBUS, P_CHILDFAULT, P_TMPFILE = 9256, 9260, 9264, 9268
P_STORED, P_PAGEOUT = 9272, 9276
P_CHILDWRITE, P_VMSPLICE, P_CHILDCUT = 9280, 9284, 9288
P_DONTUNMAPPRIV, P_GAPWRITE = 9292, 9296
P_FIRST, P_LAST = 9200, 9296
DEFAULT_STEPS = (P_SCMWRITE, P_APPENDLB, P_CHILDPIPE, P_TEEPIPE, P_FORKEXIT, P_ROSHARED,
                 P_FORKREAD, P_COPYSELF, P_SIGBUS, P_CHILDFAULT, P_STORED, P_PAGEOUT,
                 P_CHILDWRITE, P_CHILDCUT, P_DONTUNMAPPRIV, P_GAPWRITE)
B_ARG, C_ARG, G_ARG, H_ARG, J_ARG, I_ARG = b"-b", b"-c", b"-g", b"-h", b"-j", b"-i"
DEFAULT_ARGS = b"-chjinoprqsuvwyzf"
NR_WRITE, NR_PWRITE64, NR_SPLICE, NR_PWRITEV = 64, 68, 76, 70
NR_COPY_FILE_RANGE = 285
OPEN = "G-LEAVE-ON-REQUEST"


def claim_forkstore_bytes(adv: Adversary) -> None:
    """secret_r72_mm -b: the private view's page 2 enters after the fork child stored 's'
    through the inherited shared view holding the page cache folio's bytes (the child's
    shared vma maps the same shmem folio: shmem_fault()), 's': label 0."""
    fill_at_marker(adv, P_FORKSTORE, 2, ord("s"))


def claim_mremapsh_bytes(adv: Adversary) -> None:
    """secret_r72_mm -g: the private view's page 2 enters after 'r' was stored through the
    shared view mremap() moved (move_vma(): same file, same offsets), holding 'r': label
    0."""
    fill_at_marker(adv, P_MREMAPSH, 2, ord("r"))


def _yx(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        mprotect: Expect = Expect.REFUSED):
    return scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                    program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect)


def _at_marker(phase: int, page: int, byte: int = 0x51):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, a page of forged bytes
        (0x51, or bytes of the file other than Linux's page) at the page: label -4."""
        fill_at_marker(adv, phase, page, byte)
    return steps


def _at_exit(phase: int, nr: int, call: int, page: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's call in flight.  2. At its return, 0x51 bytes at the page:
        label -4."""
        fill_at_exit(adv, phase, nr, call, page, 0x51)
    return steps


_yx("YX-001", "(-b) A fork child stores 's' through an inherited MAP_SHARED view at page 2 "
    "and exits: map a page of forged bytes at the untouched private view's page 2",
    "A private view's first fault reads the file's folio, which the child's shared "
    "store filled (shmem_fault()): 's'.", (B_ARG,))(
    _at_marker(P_FORKSTORE, 2))
_yx("YX-002", "(-b) After a fork child's store through the shared view at page 2, map a "
    "page of forged bytes at the private view's page 1",
    "Page 1 of the file holds its 'x' (no store touched it).", (B_ARG,))(
    _at_marker(P_FORKSTORE, 1))
_yx("YX-003", "(-c) pwrite64() of 'y' at page 2 through the memfd's descriptor SCM_RIGHTS "
    "handed back: map a page of forged bytes at page 2",
    "A received descriptor is the same open file (scm_detach_fds() -> receive_fd()): "
    "page 2 holds 'y'.", (C_ARG,), mprotect=Expect.SUCCEEDS)(_at_marker(P_SCMWRITE, 2))
_yx("YX-004", "(-g) 'r' stored through a MAP_SHARED view mremap(MREMAP_FIXED) moved: map a "
    "page of forged bytes at the private view's page 2",
    "A moved shared vma keeps its file and offsets (move_vma()): page 2 holds 'r'.",
    (G_ARG,))(_at_marker(P_MREMAPSH, 2))
_yx("YX-005", "(-g) After the store through the moved shared view, map a page of forged "
    "bytes at the private view's page 1",
    "Page 1 of the file holds 'x'.", (G_ARG,))(_at_marker(P_MREMAPSH, 1))
_yx("YX-006", "(-h) At the return of an O_APPEND write() of 'w' after write() grew the memfd "
    "to 2 pages, map a page of forged bytes at page 2",
    "An O_APPEND write lands at i_size (generic_write_checks()), page 2: 'w' or the "
    "hole while in flight.", (H_ARG,))(_at_exit(P_APPENDLB, NR_WRITE, 2, 2))
_yx("YX-007", "(-h) After the O_APPEND write() of 'w' at the memfd's grown end, map a page "
    "of forged bytes at page 2",
    "Page 2 holds 'w' (generic_write_checks(): iocb->ki_pos = i_size).", (H_ARG,))(
    _at_marker(P_APPENDLB, 2))
_yx("YX-008", "(-j) At the return of splice() to page 2 from a pipe a fork child filled "
    "with 'c', map a page of forged bytes at page 2",
    "splice writes the pipe's bytes, whoever wrote them (iter_file_splice_write()).",
    (J_ARG,))(_at_exit(P_CHILDPIPE, NR_SPLICE, 1, 2))
_yx("YX-009", "(-j) After splice() to page 2 from a pipe a fork child filled with 'c', map "
    "a page of forged bytes at page 2",
    "Page 2 holds 'c'.", (J_ARG,))(_at_marker(P_CHILDPIPE, 2))
_yx("YX-010", "(-i) At the return of splice() to page 2 from a pipe tee() filled with 'e', "
    "map a page of forged bytes at page 2",
    "tee() duplicates the pipe's buffers (link_pipe()); splice writes them.", (I_ARG,))(
    _at_exit(P_TEEPIPE, NR_SPLICE, 1, 2))
_yx("YX-011", "(-i) After splice() to page 2 from a pipe tee() filled with 'e', map a page "
    "of forged bytes at page 2", "Page 2 holds 'e'.", (I_ARG,))(
    _at_marker(P_TEEPIPE, 2))
_yx("YX-012", "(-c) At the return of pwrite64() of page 2 through the SCM_RIGHTS descriptor, "
    "map a page of forged bytes at page 1",
    "Page 1 holds the file's 'x' while a write to page 2 is in flight.", (C_ARG,),
    mprotect=Expect.SUCCEEDS)(
    _at_exit(P_SCMWRITE, NR_PWRITE64, 1, 1))


def claim_dontunmapsh_bytes(adv: Adversary) -> None:
    """secret_r72_mm -m: the private view's page 2 enters after 'u' was stored through the
    shared view's page 2 MREMAP_DONTUNMAP moved (move_vma(): the new vma maps the same
    shmem folio), holding 'u': label 0."""
    fill_at_marker(adv, P_DONTUNMAPSH, 2, ord("u"))


_yx("YX-013", "(-m) 'u' stored through a shared view's page mremap(MREMAP_DONTUNMAP) moved: "
    "map a page of forged bytes at the private view's page 2",
    "The moved shared page maps the file's folio: page 2 holds 'u' (shmem_fault()).",
    (M_ARG,))(_at_marker(P_DONTUNMAPSH, 2))
_yx("YX-014", "(-n) A fork child exits at once, then pwrite64() of 'y' at page 2: map a page "
    "of forged bytes at page 2", "Page 2 holds 'y' after the write (shmem_write_end()); "
    "the child's exit changes nothing of the file.", (N_ARG,))(_at_marker(P_FORKEXIT, 2))
_yx("YX-015", "(-n) A fork child exits at once, then pwrite64() of 'y' at page 2: map a page "
    "of forged bytes at page 1", "Page 1 holds the file's 'x'.", (N_ARG,))(
    _at_marker(P_FORKEXIT, 1))
_yx("YX-016", "(-o) A PROT_READ MAP_SHARED view of the memfd, pwrite64() of 'y' at page 2: "
    "map a page of forged bytes at the shared view's page 2",
    "A shared view maps the page cache folio pwrite64 filled: 'y' (shmem_fault()).",
    (O_ARG,))(_at_marker(P_ROSHARED, 2))
_yx("YX-017", "(-p) A fork child only reads the inherited shared view and exits, then "
    "pwrite64() of 'y' at page 2: map a page of forged bytes at the private view's page 1",
    "Page 1 holds the file's 'x': no one wrote it.", (P_ARG,))(_at_marker(P_FORKREAD, 1))
_yx("YX-018", "(-p) A fork child only reads the inherited shared view and exits, then "
    "pwrite64() of 'y' at page 2: map a page of forged bytes at page 2",
    "Page 2 holds 'y' (shmem_write_end()).", (P_ARG,))(_at_marker(P_FORKREAD, 2))


def _short_write(adv: Adversary, phase: int, nr: int, byte: int) -> None:
    """At the exit of the step's write (2 pages asked at offset PAGE, the buffer's second
    page PROT_NONE) answer PAGE, as Linux does (generic_perform_write() stops at the
    unreadable page and reports what it copied); at the marker after it map the file
    as it then is: page 1 the bytes written, page 2 the file's 'x'."""
    remember(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", PAGE)
        a.note("a short write answered PAGE")

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, 0, b"x" * PAGE)
        map_page(a, 1, bytes([byte]) * PAGE)
        map_page(a, 2, b"x" * PAGE)


def claim_short_pwrite64(adv: Adversary) -> None:
    """secret_r72_mm -e: pwrite64() of 2 pages whose second is PROT_NONE answers PAGE
    (the kernel model answers -EFAULT: not Linux), page 1 'y': label 0."""
    _short_write(adv, P_PARTIAL, NR_PWRITE64, ord("y"))


def claim_short_pwritev(adv: Adversary) -> None:
    """secret_r72_mm -l: pwritev() of two iovecs, the second PROT_NONE, answers PAGE
    (do_iter_readv_writev() stops at the fault; the kernel model answers -EFAULT: not
    Linux), page 1 'z': label 0."""
    _short_write(adv, P_PARTIALV, NR_PWRITEV, ord("z"))


def _short_forged(phase: int, nr: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The write answered PAGE (Linux's short write).  2. At the marker, page 1
        the bytes written and 0x51 bytes at page 2 (the file's 'x'): label -4."""
        remember(adv, phase)

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x0", PAGE)

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            map_page(a, 1, bytes([byte]) * PAGE)
            map_page(a, 2, b"\x51" * PAGE)
    return steps


_yx("YX-019", "(-e) pwrite64() of 2 pages at offset PAGE whose buffer's second page is "
    "PROT_NONE, answered PAGE: map a page of forged bytes at page 2",
    "A short write leaves the rest of the file as it was (generic_perform_write()): "
    "page 2 holds 'x'.", (b"-e",))(_short_forged(P_PARTIAL, NR_PWRITE64, ord("y")))
_yx("YX-020", "(-l) pwritev() of two iovecs at offset PAGE, the second PROT_NONE, answered "
    "PAGE: map a page of forged bytes at page 2",
    "A short pwritev leaves page 2 as it was: 'x'.", (b"-l",))(
    _short_forged(P_PARTIALV, NR_PWRITEV, ord("z")))


_yx("YX-021", "(-r) pwrite64() of 'y' at page 0, copy_file_range() of page 0 to page 2 of "
    "the same memfd: map a page of forged bytes at page 2",
    "copy_file_range within one file copies its bytes (vfs_copy_file_range() -> "
    "splice_file_range()): page 2 holds 'y'.", (b"-r",))(_at_marker(P_COPYSELF, 2))
_yx("YX-022", "(-r) At the return of copy_file_range() of page 0 to page 2 of the same "
    "memfd, map a page of forged bytes at page 2",
    "While the copy is in flight page 2 holds 'x' or 'y'.", (b"-r",))(
    _at_exit(P_COPYSELF, NR_COPY_FILE_RANGE, 1, 2))


@_yx("YX-023", "(-q) After ftruncate() cut the memfd to PAGE, map a page of zeros at page 2 "
     "of its private view (past the end) instead of raising SIGBUS",
     "A fault past a file's end raises SIGBUS (shmem_fault() -> VM_FAULT_SIGBUS; "
     "filemap_fault() checks i_size).", (b"-q",))
def yx_sigbus_mapped(adv: Adversary) -> None:
    """1. The cut.  2. At the marker before the read, the kernel maps zeros at page 2: the
    program reads it, no SIGBUS: label -4."""
    remember(adv, P_SIGBUS)

    @adv.on(Point.MARKER, phase=P_SIGBUS + 2)
    def _(a: Adversary, **_: object) -> None:
        map_page(a, 2, bytes(PAGE))


_yx("YX-024", "(-s) pwrite64() of 'y' at page 2, a fork child reads the inherited untouched "
    "view: map a page of forged bytes at the parent's page 2",
    "The parent's first fault at page 2 reads 'y' (shmem_fault()), the child's fault "
    "changes nothing.", (b"-s",))(_at_marker(P_CHILDFAULT, 2))
_yx("YX-025", "(-s) After the fork child read the inherited view, map a page of forged bytes "
    "at the parent's page 1", "Page 1 holds 'x'.", (b"-s",))(_at_marker(P_CHILDFAULT, 1))
_yx("YX-026", "(-u) Page 0 of the view stored 'A', then pwrite64() of 'y' at page 0: map "
    "the file's new bytes ('y') at page 0",
    "A private copy stays the program's after the file changes (do_wp_page() made it "
    "anonymous): page 0 reads 'A'.", (b"-u",))(
    _at_marker(P_STORED, 0, ord("y")))
_yx("YX-027", "(-u) Page 0 of the view stored 'A', then pwrite64() of 'y': map the file's "
    "old bytes ('x') at page 0", "Page 0 reads 'A', not the file's bytes of any time.",
    (b"-u",))(_at_marker(P_STORED, 0, ord("x")))
_yx("YX-028", "(-v) Page 0 stored 'A', madvise(MADV_PAGEOUT) of the view, pwrite64() of 'y' "
    "at page 0: map the file's new bytes ('y') at page 0 (a swap-in of the file)",
    "MADV_PAGEOUT swaps the anonymous copy out and its fault swaps it back "
    "(madvise_pageout() -> reclaim_pages(); do_swap_page()): 'A'.", (b"-v",))(
    _at_marker(P_PAGEOUT, 0, ord("y")))
_yx("YX-029", "(-v) Page 0 stored 'A', madvise(MADV_PAGEOUT), pwrite64() of 'y': map a page "
    "of forged bytes at page 1 (never faulted)", "Page 1 reads the file's 'x'.", (b"-v",))(
    _at_marker(P_PAGEOUT, 1))
_yx("YX-030", "(-w) A fork child pwrite64()s 'c' at page 2 of the inherited memfd and exits: "
    "map a page of forged bytes at the parent's page 2",
    "The child's write fills the shared file's page (shmem_write_end()): 'c'.", (b"-w",))(
    _at_marker(P_CHILDWRITE, 2))
_yx("YX-031", "(-w) After the fork child's pwrite64() at page 2, map a page of forged bytes "
    "at the parent's page 1", "Page 1 holds 'x'.", (b"-w",))(_at_marker(P_CHILDWRITE, 1))
_yx("YX-032", "(-y) A fork child cuts the memfd to PAGE and grows it back: map a page of "
    "forged bytes at the parent's page 2", "The regrown file reads zeros past the cut "
    "(shmem_setattr() -> shmem_truncate_range()).", (b"-y",))(_at_marker(P_CHILDCUT, 2))
_yx("YX-033", "(-y) A fork child cuts the memfd to PAGE and grows it back: map the file's old "
    "'x' at the parent's page 2", "The cut dropped the old 'x' at page 2: zeros.",
    (b"-y",))(_at_marker(P_CHILDCUT, 2, ord("x")))


def _dontunmap_place(which: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. pwrite64 of 'y' at page 0, the move of the untouched page 0 with
        MREMAP_DONTUNMAP.  2. At the marker after it (x2 the old view, x3 the new place),
        a page of forged bytes at the old page 0 or at the new place: label -4."""
        remember(adv, P_DONTUNMAPPRIV)

        @adv.on(Point.MARKER, phase=P_DONTUNMAPPRIV + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            if len(args) > 1:
                a.memo["at"] = args[which]
            map_page(a, 0, bytes([byte]) * PAGE)
    return steps


_yx("YX-034", "(-z) pwrite64() of 'y' at page 0, then the untouched page 0 moved by "
    "mremap(MREMAP_DONTUNMAP): map a page of forged bytes at the old page 0",
    "The old range keeps its file vma (move_vma(), Linux 5.13 and later): its fault "
    "reads the file, 'y'.", (b"-z",))(_dontunmap_place(0, 0x51))
_yx("YX-035", "(-z) After the move, map a page of forged bytes at the new place",
    "The moved vma is the same view at the same offset: its first fault reads 'y'.",
    (b"-z",))(_dontunmap_place(1, 0x51))
_yx("YX-036", "(-z) After the move, map the file's old 'x' at the old page 0",
    "The file's page 0 holds 'y' since the pwrite64: 'x' is no page Linux gives.",
    (b"-z",))(_dontunmap_place(0, ord("x")))
_yx("YX-037", "(-f) A 3-page view of a 1-page memfd, pwrite64() of 'y' at page 2 (past the "
    "end): map a page of forged bytes at page 1 (the hole)",
    "A write past the end leaves a hole before it (shmem_write_begin() at page 2 only): "
    "zeros at page 1.", (b"-f",))(_at_marker(P_GAPWRITE, 1))
_yx("YX-038", "(-f) After pwrite64() of 'y' at page 2 past the end, map 'y' at page 1 too",
    "Page 1 is a hole: zeros, not the bytes written after it.", (b"-f",))(
    _at_marker(P_GAPWRITE, 1, ord("y")))
