"""Red-team round 68b: the window a confidential program's own ftruncate() of a memfd opens
for the kernel to drop its private copies of the pages past the new end
(guardian/cut_windows.py, cut_copy: truncate_pagecache() -> unmap_mapping_range(...,
even_cows = 1)), and the calls that open no such window.

On the victim `secret_r68_mm` (MAP_PRIVATE mappings of memfds whose pages the program
wrote; each step's marker: x3 the mapping, x4 the memfd, x5 a fork child's pid):

- YL-001, YL-002: during ftruncate(fd, PAGE + 100) of a 3-page memfd, the kernel drops the
  private copy of page 1 (the page the new end lies in) or of page 0 (before it);
- YL-003: the same cut, page 2 (past the end) dropped as Linux drops it, but the call
  answered -EINTR (a cut that dropped pages succeeded: do_truncate() checks first);
- YL-004: during ftruncate(fd, 3 * PAGE), which grows a 1-page memfd, the kernel drops the
  private copy of page 0;
- YL-005, YL-006: during ftruncate(fd, PAGE) under F_SEAL_SHRINK (Linux: -EPERM from
  shmem_setattr(), before any page is touched), the kernel drops page 1's private copy and
  answers -EPERM, or 0;
- YL-007: during the parent's ftruncate(fd, PAGE), the kernel drops the fork child's
  private copy of page 0 (before the end);
- YL-008: during fallocate(PUNCH_HOLE | KEEP_SIZE) of page 1, the kernel drops the private
  copy of page 1 (shmem_fallocate() unmaps the hole with even_cows = 0: copies stay);
- YL-009: the private copy of page 1 swapped out before ftruncate(fd, PAGE + 100) and its
  swap entry dropped during it (the page is not wholly past the end);
- YL-010: during ftruncate(fd, PAGE + 100) of a memfd mapped from offset PAGE, the
  kernel drops the mapping's page 0 (file page 1, the page the end lies in);
- YL-011: during ftruncate(x, PAGE), the kernel drops page 2 of another memfd y's mapping;
- YL-012: reclaim swaps page 2's copy out before ftruncate(fd, PAGE) and ftruncate(fd,
  3 * PAGE); the cut clears its swap entry (as Linux does), and after the file grew back
  the kernel swaps the old copy in again (Linux: the grown file's zeros);
- YL-013: ftruncate(fd, PAGE) of that step run as a no-op (ftruncate(fd, 3 * PAGE))
  and answered 0: the copies past the end stay;
- YL-014: the same with the copies of pages 1 and 2 swapped out first, swapped in again
  after the file grew back;
- YL-015: (-t) open("/proc/self/fd/N", O_RDWR | O_TRUNC) of a memfd the program maps
  MAP_PRIVATE served without the O_TRUNC (no cut, copies kept);
- YL-016: (-t) the same open cuts the file to 0 but the private copies stay mapped (as the
  kernel model leaves them for a confidential program: cut_path());
- honest: (-t) the copies zapped at that open, as do_truncate() -> truncate_pagecache()
  zaps them (claim_otrunc_drops_copies): refused when written (cut_copy opened its window
  for ftruncate only), a false refusal; let through since round 69b;
- YL-017: (-o) ftruncate(fd, PAGE) of an O_TMPFILE file (in the working directory) mapped
  MAP_PRIVATE,
  its copy of page 1 kept (as the kernel model keeps it: cut_inode() zaps no private
  copy of a file that is not a memfd), the file grown back: the old copy reads back;
- honest: (-o) that copy zapped during the ftruncate, as truncate_pagecache() zaps it
  (claim_tmpfile_drops_copy): refused when written (cut_copy: a memfd only), a false
  refusal; let through since round 69b;
- honest: the kernel's own cut (the kernel model's cut_inode(): every mapping of the memfd,
  the fork child's too, loses its pages wholly past the end) let through (untouched run);
- honest: the private copy of page 2 swapped out by reclaim before the cut; the cut drops
  its swap entry (zap_pte_range(): free_swap_and_cache()) -- claim_swapped_copy_cut;

The victim's steps all index label 0 under qemu-aarch64-static (the host's Linux).

Through with the Guardian on when written: YL-012 (gap P2): a swap entry the cut clears
(cut_copy lets it go) left the Guardian's sealed page recorded at that address, and a
later SWAP_IN there brought the dropped copy back; YL-014 (gap P2): return.cut_unmapped
(file_pages.check_cut) looked only for present pages past the new end, so a cut never made
passed where the copies past the end were swapped out, and they came back later;
YL-016, YL-017 (gap P5): the copies kept at an O_TRUNC open and at an O_TMPFILE file's
ftruncate.

Refused since round 69b: YL-012 (swap_in: a cut that succeeded ends the record of each
swapped-out copy wholly past the new end, cut_swapped.py, so its SWAP_IN is stale);
YL-014 (return.cut_unmapped: such a copy's entry still there at the cut's success);
YL-016, YL-017 (return.cut_unmapped, once cut_copy's window
opens for an O_TRUNC open and for an O_TMPFILE file, and the kernel model drops the
copies as Linux does: cut_inode() zaps a confidential program's private copies of every
file without a name, at ftruncate and at an O_TRUNC open).

The kernel model differed from Linux at steps 8 and 9 when written (fixed in round 69b):
a confidential program's private copies survived its O_TRUNC open and its ftruncate of an
O_TMPFILE file.  The Guardian's record of a swapped-out copy whose entry a cut cleared
(YL-012's) made the honest claim_swapped_copy_cut a false refusal (the program's later
fork was refused), let through since round 69b.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families import secure_mm
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r68b"
VICTIM = "secret_r68_mm"
PAGE = 4096
# secret_r68_mm: the marker before each step's call; the marker after its write is + 1.
P_CUT, P_GROW, P_SEALED, P_FORK_CUT, P_FORK_CHILD, P_PUNCH = 8000, 8002, 8004, 8006, 8008, 8010
P_OFFSET, P_OTHER, P_REGROW, P_OTRUNC, P_TMPFILE = 8012, 8014, 8016, 8018, 8020
P_VICTIM_LAST = P_REGROW        # (P_OTRUNC only with -t, P_TMPFILE only with -o)
T_ARG, O_ARG = b"-t", b"-o"
NR_FTRUNCATE, NR_FALLOCATE, NR_OPENAT = NUMBERS["ftruncate"], NUMBERS["fallocate"], \
    NUMBERS["openat"]
O_TRUNC = 0o1000
EPERM = (1 << 64) - 1
EINTR = (1 << 64) - 4


def _mapping(adv: Adversary, phase: int) -> None:
    """Keep the step's marker values: the mapping (x3) and a fork child's pid (x5)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["at"] = args[1] if len(args) > 1 else 0
        a.memo["pid"] = args[3] if len(args) > 3 else 0


def _mm_of(a: Adversary, child: bool):  # type: ignore[no-untyped-def]
    if not child:
        return a.init.mm
    proc = a.kernel.processes.get(a.memo.get("pid", 0))
    return proc.mm if proc is not None else None


def drop_during(adv: Adversary, phase: int, nr: int, page: int, *, child: bool = False,
                ret: int | None = None, swapped: bool = False, other: bool = False) -> None:
    """During the call `nr` of step `phase`, the kernel zaps page `page` of the step's
    mapping (in the fork child's tree where `child`) as unmap_mapping_range() would
    (its swap entry, where `swapped` had reclaim write it out at the step's marker);
    `ret` replaces the answer where given; `other`: of the step's second mapping (x5)."""
    if swapped:
        swap_before(adv, phase, page)
    else:
        _mapping(adv, phase)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        mm = _mm_of(a, child)
        va = a.memo.get("pid" if other else "at", 0) + page * PAGE
        if mm is None or not va:
            a.note("no mapping to drop from")
            return
        try:
            mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page {page} at {va:#x} dropped" + (" in the child" if child else ""))
        except Exception as exc:
            a.refused(f"page {page}'s drop: {exc!r}")

    if ret is not None:
        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x0", ret)
            a.note(f"call {nr} answered {ret:#x}")


def swap_before(adv: Adversary, phase: int, page: int) -> None:
    """At the step's marker, reclaim writes page `page` of its mapping out (SWAP_OUT,
    shrink_folio_list()) -- before the call."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["at"] = args[1] if len(args) > 1 else 0
        va = a.memo["at"] + page * PAGE
        blob = secure_mm.swap_out(a, va)
        a.note(f"{va:#x} swapped out by reclaim" if blob is not None
               else f"{va:#x}: SWAP_OUT refused")


def claim_swapped_copy_cut(adv: Adversary) -> None:
    """Reclaim writes the private copy of page 2 out before ftruncate(fd, PAGE + 100); the
    kernel's own cut then drops its swap entry (zap_pte_range() with even_cows:
    free_swap_and_cache()).  Pages 0 and 1 keep their bytes: label 0."""
    swap_before(adv, P_CUT, 2)


@scenario(id="YL-001", title="During ftruncate(fd, PAGE + 100) of a MAP_PRIVATE memfd, drop "
          "the private copy of page 1 (the page the new end lies in)", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A cut drops only the pages wholly past the new end.")
def yl_cut_partial_page(adv: Adversary) -> None:
    """1. truncate_pagecache() -> unmap_mapping_range(holebegin = round_up(PAGE + 100)):
    page 1 stays mapped, the private copy whole.
    2. The kernel zaps page 1: it reads the file (zeros): label -4."""
    drop_during(adv, P_CUT, NR_FTRUNCATE, 1)


@scenario(id="YL-002", title="During ftruncate(fd, PAGE + 100), drop the private copy of "
          "page 0", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=VICTIM, prop="A page before the new end stays the program's.")
def yl_cut_first_page(adv: Adversary) -> None:
    """1. Page 0 lies wholly before the end; dropped, it reads zeros: label -4."""
    drop_during(adv, P_CUT, NR_FTRUNCATE, 0)


@scenario(id="YL-003", title="During ftruncate(fd, PAGE + 100), drop page 2 (past the end) "
          "as Linux does, and answer -EINTR", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"), program=VICTIM,
          prop="A cut that dropped pages succeeded.")
def yl_cut_then_eintr(adv: Adversary) -> None:
    """1. do_truncate() checks the descriptor, length and seals before shmem_setattr()
    touches a page; after the pages went it returns 0.  -EINTR: label -4."""
    drop_during(adv, P_CUT, NR_FTRUNCATE, 2, ret=EINTR)


@scenario(id="YL-004", title="During ftruncate(fd, 3 * PAGE), which grows a 1-page memfd, "
          "drop the private copy of page 0", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A grown file loses no page.")
def yl_grow_drops(adv: Adversary) -> None:
    """1. shmem_setattr() with newsize > oldsize calls no truncate_pagecache(); page 0 keeps
    'D'.  Dropped, it reads zeros: label -4."""
    drop_during(adv, P_GROW, NR_FTRUNCATE, 0)


@scenario(id="YL-005", title="During ftruncate(fd, PAGE) under F_SEAL_SHRINK, drop the "
          "private copy of page 1 and answer -EPERM", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A cut the seals refuse drops nothing.")
def yl_sealed_drop_eperm(adv: Adversary) -> None:
    """1. shmem_setattr(): newsize < oldsize with F_SEAL_SHRINK is -EPERM before any page is
    touched; page 1 keeps 'F'.  Dropped, the program reads zeros: label -4."""
    drop_during(adv, P_SEALED, NR_FTRUNCATE, 1, ret=EPERM)


@scenario(id="YL-006", title="During ftruncate(fd, PAGE) under F_SEAL_SHRINK, drop page 1's "
          "private copy and answer 0", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"), program=VICTIM,
          prop="ftruncate() under F_SEAL_SHRINK that would shrink fails with EPERM.")
def yl_sealed_drop_zero(adv: Adversary) -> None:
    """1. The cut succeeds where Linux refuses it: label -4."""
    drop_during(adv, P_SEALED, NR_FTRUNCATE, 1, ret=0)


@scenario(id="YL-007", title="During the parent's ftruncate(fd, PAGE), drop the fork "
          "child's private copy of page 0 (before the end)", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="Another address space's pages before the end stay.")
def yl_child_first_page(adv: Adversary) -> None:
    """1. unmap_mapping_range() zaps every mapping's pages past the end only; the child's
    page 0 keeps 'G'.  Dropped, the child reads zeros: label -4 (P_FORK_CHILD)."""
    drop_during(adv, P_FORK_CUT, NR_FTRUNCATE, 0, child=True)


@scenario(id="YL-008", title="During fallocate(PUNCH_HOLE | KEEP_SIZE) of page 1, drop its "
          "private copy", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=VICTIM,
          prop="A punched hole leaves private copies (even_cows = 0).")
def yl_punch_drops_copy(adv: Adversary) -> None:
    """1. shmem_fallocate(): unmap_mapping_range(mapping, offset, len, 0) -- a private
    mapping's anonymous copy stays.  Dropped, page 1 reads the hole (zeros): label -4."""
    drop_during(adv, P_PUNCH, NR_FALLOCATE, 1)


@scenario(id="YL-009", title="During ftruncate(fd, PAGE + 100), drop the swap entry of "
          "page 1's private copy (swapped out just before)", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM,
          prop="A page not wholly past the end keeps its bytes, swapped out or not.")
def yl_cut_swapped_partial(adv: Adversary) -> None:
    """1. Reclaim writes page 1's copy out; the kernel's cut drops its swap entry: the
    program faults page 1 back from the file (zeros): label -4."""
    drop_during(adv, P_CUT, NR_FTRUNCATE, 1, swapped=True)


@scenario(id="YL-010", title="During ftruncate(fd, PAGE + 100) of a memfd mapped MAP_PRIVATE "
          "from offset PAGE, drop the mapping's first page (file page 1)", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="The pages a cut drops are counted in the file, not in the mapping.")
def yl_offset_first_page(adv: Adversary) -> None:
    """1. unmap_mapping_range() works on file offsets (vma->vm_pgoff): the mapping's page 0
    is file page 1, which the end lies in: it stays.  Dropped, it reads zeros: label -4."""
    drop_during(adv, P_OFFSET, NR_FTRUNCATE, 0)


@scenario(id="YL-011", title="During ftruncate(x, PAGE), drop the private copy of page 2 of "
          "another memfd y's mapping", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A cut of one file leaves another file's pages.")
def yl_other_file_page(adv: Adversary) -> None:
    """1. truncate_pagecache() walks x's i_mmap only; y's page 2 keeps 'R'.  Dropped, it
    reads zeros: label -4."""
    drop_during(adv, P_OTHER, NR_FTRUNCATE, 2, other=True)


def claim_offset_cut(adv: Adversary) -> None:
    """The cut of step 6 (file page 2 is the mapping's page 1, wholly past PAGE + 100)
    made by the kernel itself at the call's entry, as truncate_pagecache() does: let
    through, page 0 keeps 'K'."""
    drop_during(adv, P_OFFSET, NR_FTRUNCATE, 1)


@scenario(id="YL-012", title="Swap out the private copy of page 2 before ftruncate(fd, PAGE); "
          "after the cut cleared its entry and the file grew back, swap the old copy in again",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=VICTIM,
          prop="A private copy a cut dropped is gone: the grown file reads zeros there.")
def yl_regrow_stale_copy(adv: Adversary) -> None:
    """1. Reclaim writes page 2's copy ('U') out (SWAP_OUT) at the step's marker.
    2. ftruncate(fd, PAGE): the kernel's own cut clears page 2's swap entry (Linux frees the
    swap slot: zap_pte_range(), free_swap_and_cache()).
    3. At the return of ftruncate(fd, 3 * PAGE) the kernel SWAP_INs the old blob at page 2:
    the program reads 'U' where Linux shows the grown file's zeros: label -4."""
    @adv.on(Point.MARKER, phase=P_REGROW)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        va = (args[1] if len(args) > 1 else 0) + 2 * PAGE
        a.memo["va"], a.memo["blob"] = va, secure_mm.swap_out(a, va)
        a.note(f"{va:#x} swapped out by reclaim")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FTRUNCATE, during=P_REGROW, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        blob = a.memo.get("blob")
        if a.memo["calls"] != 2 or blob is None:
            return
        try:
            ok = secure_mm.swap_in(a, a.memo["va"], blob)
        except Exception as exc:
            a.refused(f"SWAP_IN of the dropped copy: {exc!r}")
            return
        a.note(f"old copy swapped in at {a.memo['va']:#x}: {ok}")


@scenario(id="YL-013", title="Serve ftruncate(fd, PAGE) as a no-op (the file kept at 3 pages, "
          "the private copies past the end kept) and answer 0", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"), program=VICTIM,
          prop="A cut's success means the copies past the end are gone: the file grown "
               "back reads zeros there.")
def yl_cut_not_done(adv: Adversary) -> None:
    """1. The kernel runs the program's ftruncate(fd, PAGE) as ftruncate(fd, 3 * PAGE) (no
    page goes) and answers 0.
    2. ftruncate(fd, 3 * PAGE): 0.  Pages 1 and 2 still hold the program's copies ('T',
    'U') where Linux's truncate_pagecache() (even_cows = 1) dropped them and the grown
    file reads zeros: label -4."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FTRUNCATE, during=P_REGROW)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", 3 * PAGE)
        a.note("ftruncate(fd, PAGE) run as ftruncate(fd, 3 * PAGE)")


@scenario(id="YL-014", title="Swap out the copies of pages 1 and 2, serve ftruncate(fd, PAGE) "
          "as a no-op answered 0, and swap both in again after the file grew back",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=VICTIM,
          prop="A cut's success means the copies past the end are gone, swapped out or not.")
def yl_cut_not_done_swapped(adv: Adversary) -> None:
    """1. Reclaim writes pages 1 and 2 out (SWAP_OUT) at the step's marker.
    2. The kernel runs ftruncate(fd, PAGE) as ftruncate(fd, 3 * PAGE) and answers 0: no
    present page past the end remains for the Guardian to see.
    3. At the return of ftruncate(fd, 3 * PAGE) it swaps both copies in: the program reads
    'T' and 'U' where Linux shows zeros: label -4."""
    @adv.on(Point.MARKER, phase=P_REGROW)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = args[1] if len(args) > 1 else 0
        a.memo["blobs"] = {va: secure_mm.swap_out(a, va) for va in (at + PAGE, at + 2 * PAGE)}
        a.note("pages 1 and 2 swapped out by reclaim")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FTRUNCATE, during=P_REGROW)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", 3 * PAGE)
        a.note("ftruncate(fd, PAGE) run as ftruncate(fd, 3 * PAGE)")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FTRUNCATE, during=P_REGROW, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        if a.memo["calls"] != 2:
            return
        for va, blob in a.memo.get("blobs", {}).items():
            if blob is None:
                continue
            try:
                a.note(f"copy swapped in at {va:#x}: {secure_mm.swap_in(a, va, blob)}")
            except Exception as exc:
                a.refused(f"SWAP_IN at {va:#x}: {exc!r}")


@scenario(id="YL-015", title="(-t) Serve open(\"/proc/self/fd/N\", O_RDWR | O_TRUNC) of a "
          "memfd the program maps MAP_PRIVATE without the O_TRUNC: no cut, its copies kept",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"),
          program=VICTIM, args=(T_ARG,),
          prop="An open with O_TRUNC that succeeds cut the file: its private copies went.")
def yl_otrunc_not_done(adv: Adversary) -> None:
    """1. The kernel opens the memfd again without O_TRUNC and answers a descriptor.
    2. ftruncate(fd, 2 * PAGE) changes nothing: pages 0 and 1 still hold 'W' and 'X' where
    Linux's do_truncate() -> truncate_pagecache() (even_cows = 1) dropped them and the
    grown file reads zeros: label -4."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_OPENAT, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", a.reg("x2") & ~O_TRUNC)
        a.note("the open's O_TRUNC left out")


def claim_otrunc_drops_copies(adv: Adversary) -> None:
    """(-t) open("/proc/self/fd/N", O_RDWR | O_TRUNC) of the 2-page memfd the program maps
    MAP_PRIVATE with both pages copied: Linux's do_open() -> handle_truncate() ->
    do_truncate() -> shmem_setattr() -> truncate_pagecache() zaps both private copies
    (unmap_mapping_range(..., even_cows = 1)) before the call returns; the kernel drops
    them at the call's return.  After ftruncate(fd, 2 * PAGE) both read zeros: label 0
    (qemu-aarch64-static: label 0)."""
    _mapping(adv, P_OTRUNC)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("at", 0)
        try:
            a.init.mm.zap(va, va + 2 * PAGE)
            a.el1.tlbi_all()
            a.note(f"both copies at {va:#x} dropped by the O_TRUNC open")
        except Exception as exc:
            a.refused(f"the copies' drop: {exc!r}")


@scenario(id="YL-016", title="(-t) Make the program's open(\"/proc/self/fd/N\", O_RDWR | "
          "O_TRUNC) of a memfd cut it to 0 but keep (or put back) its MAP_PRIVATE copies",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          args=(T_ARG,),
          prop="An open with O_TRUNC that succeeds cut the file: its private copies went.")
def yl_otrunc_copies_kept(adv: Adversary) -> None:
    """1. The open truncates the memfd to 0 as asked; the copies of pages 0 and 1 stay
    mapped (the kernel model does so for a confidential program: cut_path(), a known
    difference; without a Guardian the kernel puts copies with the old bytes back).
    2. ftruncate(fd, 2 * PAGE): the program reads 'W' where Linux's truncate_pagecache()
    (even_cows = 1) left the grown file's zeros: label -4."""
    @adv.on(Point.MARKER, phase=P_OTRUNC)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = args[1] if len(args) > 1 else 0
        a.memo["at"] = at
        a.memo["old"] = {va: (a.init.mm.tables.lookup(va), a.read_through(a.init.mm.tables.root,
                                                                          va, PAGE))
                         for va in (at, at + PAGE)} if not a.guarded else {}

    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        mm = a.init.mm
        for va, (desc, data) in a.memo.get("old", {}).items():
            if a.pa_of(va, mm.tables.root) is None:
                frame = a.alloc_frame()
                a.write_lm(frame, data)
                mm.tables.set(va, (desc & ~D.ADDR_MASK) | frame)
                a.note(f"copy at {va:#x} put back")
        a.el1.tlbi_all()
        a.note("the O_TRUNC open's copies kept")


@scenario(id="YL-017", title="(-o) Cut an O_TMPFILE file mapped MAP_PRIVATE to one page and "
          "keep the program's copy of page 2 past the end; the file grown back shows it",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          args=(O_ARG,),
          prop="ftruncate() of any file zaps the private copies past the new end "
               "(truncate_pagecache(), even_cows = 1).")
def yl_tmpfile_copy_kept(adv: Adversary) -> None:
    """1. ftruncate(fd, PAGE) answered 0 with page 1's copy ('Z') still mapped (the kernel
    model does exactly this for a confidential program: cut_inode() keeps the copies of a
    file that is not a memfd; without a Guardian the kernel puts the copy back).
    2. ftruncate(fd, 2 * PAGE): page 1 reads 'Z' where Linux shows the grown file's zeros:
    label -4."""
    @adv.on(Point.MARKER, phase=P_TMPFILE)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        va = (args[1] if len(args) > 1 else 0) + PAGE
        mm = a.init.mm
        a.memo["old"] = {} if a.guarded else {
            va: (mm.tables.lookup(va), a.read_through(mm.tables.root, va, PAGE))}

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FTRUNCATE, during=P_TMPFILE)
    def _(a: Adversary, **_: object) -> None:
        mm = a.init.mm
        for va, (desc, data) in a.memo.get("old", {}).items():
            if a.pa_of(va, mm.tables.root) is None:
                frame = a.alloc_frame()
                a.write_lm(frame, data)
                mm.tables.set(va, (desc & ~D.ADDR_MASK) | frame)
                a.note(f"copy at {va:#x} put back")
        a.el1.tlbi_all()
        a.note("ftruncate(fd, PAGE) answered 0, the copy past the end kept")


def claim_tmpfile_drops_copy(adv: Adversary) -> None:
    """(-o) ftruncate(fd, PAGE) of the O_TMPFILE file: Linux's do_truncate() ->
    shmem_setattr() (tmpfs) or the file system's setattr -> truncate_pagecache() zaps the
    program's MAP_PRIVATE copy of page 1 (even_cows = 1); the kernel drops it at the
    call's entry.  After ftruncate(fd, 2 * PAGE) page 1 reads zeros: label 0
    (qemu-aarch64-static: label 0)."""
    drop_during(adv, P_TMPFILE, NR_FTRUNCATE, 1)
