"""Red-team round 76b: MAP_PRIVATE views of a memfd only a confidential program holds
whose page 2 was read (under Linux the file's clean page cache folio, do_read_fault())
and then the file changed by another way than the program's pwrite64(), or the view
kept its clean page across a call, against guardian/clean_pages.py.

On the victim `secret_r76_mm` (markers from 10400: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping; P + 1 after its label; each step runs when its letter
is in the argument "-LETTERS"):

- (-a) lseek() and write() of 'y' at page 2 (shmem_file_write_iter() -> the folio): 'y'.
- (-b) a MAP_SHARED view's store of 'y' at page 2 (the same folio): 'y'.
- (-c) fallocate(PUNCH_HOLE | KEEP_SIZE) of page 2 (shmem_fallocate() ->
  unmap_mapping_range() of the clean entries, shmem_truncate_range()): zeros.
- (-e) ftruncate() to 2 pages and back to 3 (shmem_setattr() -> truncate_pagecache()
  unmaps even private copies): zeros.
- (-f) a fork child's pwrite64() of 'y': 'y'.  (-g) a vfork child's: 'y'.
- (-h) madvise(MADV_DONTNEED) of the clean page 2, pwrite64() of 'y': 'y'.
- (-i) a failed mremap() (new size 0: do_mremap() -EINVAL), pwrite64() of 'y': 'y'.
- (-j) madvise(MADV_POPULATE_READ) of the view (nothing read before;
  madvise_populate() read-faults, the folio itself), pwrite64() of 'y': 'y'.
- (-k) a memfd sealed F_SEAL_WRITE, (-l) F_SEAL_FUTURE_WRITE: pwrite64() refused
  (-EPERM), page 2 stored 'z' through the private view (allowed: the seals forbid only
  shared writable views, memfd_check_seals_mmap()): 'z'.
- (-m) a PROT_READ view's page 2 read, mlock() kept, pwrite64() of 'y': 'y'.
- (-n) page 2 read, pwrite64() of 'y', a fork child's page 2 reads 'y' (copy_present_pte()
  shares the folio): the parent's 'y'.
- (-o) page 2 read, mremap() shrinking the view to 2 pages and growing it back
  (unmap of page 2, then a fresh fault), pwrite64() of 'y': 'y'.

(-p) pwritev(), (-q) copy_file_range() from another memfd, (-r) /proc/self/fd/N
reopened O_RDWR, (-s) a dup()'d fd, (-t) sendfile() from another memfd, (-u) splice()
from a pipe, (-v) a fork child's store through a shared view: each 'y' at page 2.

- ZJ-001..021: a page other than Linux's mapped at page 2 after the calls (the stale
  'x', or forged bytes): refused (set_pt: a private page of the file entering after a
  cut is judged against the file's bytes).
- ZJ-022..025, ZJ-028, ZJ-029 (-b, -c, -q, -t, -u, -v): the kernel keeps page 2's own
  clean entry, its read fault's copy 'x', across a write that reaches the file by a
  shared view's store, fallocate(PUNCH_HOLE), copy_file_range(), sendfile(), splice(),
  a fork child's shared store: THROUGH when written (clean_pages.show_write followed
  write(), pwrite64() and pwritev() only); ZJ-023..025, ZJ-028 defended since (the
  punched hole's zeros and the moved bytes are shown in the clean page too), ZJ-022
  too (set_pt.one_folio: the shared view's fault must map the clean page, the page
  cache folio, not a fresh frame).
- ZJ-026, ZJ-027 (-k, -l): a sealed memfd's stored private copy dropped: refused
  (set_pt.discard_leaf).
- ZJ-030 (-u): forged bytes after splice(): refused.
- ZJ-031, ZJ-033 (-i, -m): page 2 swapped out (SWAP_OUT) as pwrite64() of 'y' enters
  and swapped back in after: the sealed blob's stale 'x': THROUGH when written, defended
  since (Linux reclaims a clean file folio by dropping its entry, shrink_folio_list(),
  and never reclaims an mlocked one: a clean page's sealed version comes back as the
  file's page as it is then, clean_pages.swapped_in: 'y').
- ZJ-032 (-i): page 2 migrated (MIGRATE_PAGE) as pwrite64() enters: THROUGH when
  written, defended since (Linux's migrate_folio() moves the page cache folio itself;
  the clean record follows the frame, clean_pages.moved, and the write is shown in it).
- Honest (tests/test_redteam_r76b_claims.py): Linux's page after each step is let
  through; -k, -l, -z untouched label 0.  The kernel model (not Linux) misses the writes of
  -a, -f, -g, -i, -m, -n, -p, -r, -s, -w, -x in its read fault's copy (label -4 off), which the
  Guardian shows (label 0 on), and -c, -q, -t, -u, which it shows too now.  The kernel
  model's read fault maps the memfd's page cache folio (do_read_fault() ->
  finish_fault(), Vma.folio_pages), copied only at the first write fault: every step
  labels 0 with the Guardian off; confidential, where the page has no frame yet, the
  read fault copies and the shared fault takes that clean copy as the folio
  (page_faults._clean_folio): -b, -v label 0 on too.  The
  scenarios that keep a stale copy (COPY_READS) run a kernel that copies at the read
  fault (redteam_r70b.copy_read_faults).
- (-w) a second private view at file offset 1 page, both pages read, pwrite64() of 'w'
  at file page 1 and 'y' at page 2: 'w', 'y' (linear_page_index()); (-x) two private
  views of the file, page 2 read in both, pwrite64() of 'y': both 'y'.  ZJ-034..036
  (the second view's page stale or one page off): refused; ZJ-037 (swap-out of the
  first view's clean page across the write), ZJ-038 (migration across the writes):
  THROUGH when written, defended since (as ZJ-031, ZJ-032).
- (-y) page 2 stored 'z', ftruncate() down and up: zeros (truncate_pagecache() ->
  unmap_mapping_range() with even_cows drops the private copy too); (-z) page 2 stored
  'z', fallocate(PUNCH_HOLE): 'z' (shmem_fallocate() unmaps without even_cows).
  ZJ-039 (the dropped copy mapped back), ZJ-040, ZJ-041 (the kept copy dropped or
  replaced by the hole's zeros): refused.
- (-A) page 2 read, a fork child waits on a pipe, the parent stores 'z' at its page 2
  and pwrite64() of 'y': the child's page 2 (the page cache folio) reads 'y'.  ZJ-042:
  the kernel keeps the child's page its stale 'x' (the kernel model does so itself):
  THROUGH when written (the write is not shown in the fork child's clean page; the
  child's label is its exit status, the parent's step labels -4); defended since: a
  clean frame stays the file's page wherever only private views of that file page map
  it (the fork child's tree too), so the write is shown in it (clean_pages.show_write).
- (-B) page 2 read, MADV_POPULATE_WRITE (a copy), pwrite64() of 'y', MADV_DONTNEED:
  'y' (the copy dropped, the refault maps the folio); (-C) mprotect(PROT_NONE) and back:
  'y'; (-D) a PROT_READ view mapped MAP_POPULATE: 'y'; (-E) page 2 stored 'z',
  mprotect(PROT_READ), pwrite64() of 'y': 'z'.  ZJ-043..045 (the stale 'x' mapped),
  ZJ-046 (the file's 'y' over the program's copy): refused.
- (-F) an O_APPEND reopen, lseek() to page 2 and write() of 'y'; (-G) its pwrite64()
  of 'y' at page 2: both append at page 3 (generic_write_checks()), page 2 reads 'x'.
  ZJ-047, ZJ-048 ('y' mapped at page 2 as if the write landed at the offset): refused.
- False refusals (tests/test_redteam_r76b_claims.py), fixed: claim_child_refault (-A:
  the child's clean page dropped by reclaim to refault the file's 'y' was refused,
  set_pt.discard_leaf, once the parent's copy left the frame mapped by the child
  only; a clean frame may now leave any tree's page of that file page),
  claim_migrated_refault (-i: a migrated clean page's drop was refused: the new frame
  was not known clean; CleanPages.moved).
qemu-aarch64-static: -abcefghijklmnopqrstuvwxyzABCDEFG label 0.

Through with the Guardian on when written, defended since: ZJ-031, ZJ-033, ZJ-037
(a clean page's sealed version comes back as the file's page now,
clean_pages.swapped_in), ZJ-032, ZJ-038 (a migrated clean frame stays clean and is
shown the write, clean_pages.moved), ZJ-042 (the fork child's clean frame is shown the
parent's write, clean_pages.show_write), ZJ-023..025, ZJ-028 (fallocate(PUNCH_HOLE),
copy_file_range(), sendfile(), splice(): the file's page is shown in the clean page,
sole_files.show_write), ZJ-022 (set_pt.one_folio: a shared view's fresh frame for the
memfd page whose clean private page the tree maps).  Still through (open P2 gap): ZJ-029
(a fork child's shared store: set_pt.one_folio refuses the child's fresh frame and the
child dies, but the parent then reads its page 2's 'x', the victim's cue to leak: the
refusal ends only the child's tree).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r66b import migrate
from attacks.families.redteam_r70b import copy_read_faults, map_page
from attacks.families.redteam_r71b import remember
from attacks.families.redteam_r75b import drop_after, fill_after
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary
    from kernel_model.process import Thread

RT = "redteam_r76b"
VICTIM = "secret_r76_mm"
PAGE = 4096
P_WRITE, P_SHSTORE, P_PUNCH, P_TRUNC = 10400, 10404, 10408, 10412
P_FORKW, P_VFORKW, P_DONTNEED, P_BADREMAP = 10416, 10420, 10424, 10428
P_POPREAD, P_SEALW, P_SEALFW, P_ROLOCKW = 10432, 10436, 10440, 10444
P_CHILDSEES, P_SHRINKMV, P_PWRITEV, P_COPYFR = 10448, 10452, 10456, 10460
P_REOPEN, P_DUPW, P_SENDF, P_SPLICE, P_CHILDSH = 10464, 10468, 10472, 10476, 10480
P_OFFVIEW, P_TWOVIEWS, P_TRUNCCOW, P_PUNCHCOW = 10484, 10488, 10492, 10496
P_CHILDCLEAN, P_POPDROP, P_PROTNONE, P_POPRO, P_STOREDRO = 10500, 10504, 10508, 10512, 10516
P_APPENDW, P_APPENDPW = 10520, 10524
P_FIRST, P_LAST = 10400, 10524
OPEN = "G-LEAVE-ON-REQUEST"
#: the bytes Linux shows at page 2 after each step's calls
LINUX = {P_WRITE: "y", P_SHSTORE: "y", P_PUNCH: "\0", P_TRUNC: "\0", P_FORKW: "y",
         P_VFORKW: "y", P_DONTNEED: "y", P_BADREMAP: "y", P_POPREAD: "y", P_SEALW: "z",
         P_SEALFW: "z", P_ROLOCKW: "y", P_CHILDSEES: "y", P_SHRINKMV: "y", P_PWRITEV: "y",
         P_COPYFR: "y", P_REOPEN: "y", P_DUPW: "y", P_SENDF: "y",
         P_SPLICE: "y", P_CHILDSH: "y", P_OFFVIEW: "y", P_TWOVIEWS: "y", P_TRUNCCOW: "\0",
         P_PUNCHCOW: "z", P_CHILDCLEAN: "z", P_POPDROP: "y", P_PROTNONE: "y", P_POPRO: "y",
         P_STOREDRO: "z", P_APPENDW: "x", P_APPENDPW: "x"}
LETTER = {P_WRITE: b"-a", P_SHSTORE: b"-b", P_PUNCH: b"-c", P_TRUNC: b"-e",
          P_FORKW: b"-f", P_VFORKW: b"-g", P_DONTNEED: b"-h", P_BADREMAP: b"-i",
          P_POPREAD: b"-j", P_SEALW: b"-k", P_SEALFW: b"-l", P_ROLOCKW: b"-m",
          P_CHILDSEES: b"-n", P_SHRINKMV: b"-o", P_PWRITEV: b"-p", P_COPYFR: b"-q",
          P_REOPEN: b"-r", P_DUPW: b"-s", P_SENDF: b"-t",
          P_SPLICE: b"-u", P_CHILDSH: b"-v", P_OFFVIEW: b"-w", P_TWOVIEWS: b"-x",
          P_TRUNCCOW: b"-y", P_PUNCHCOW: b"-z", P_CHILDCLEAN: b"-A",
          P_POPDROP: b"-B", P_PROTNONE: b"-C", P_POPRO: b"-D", P_STOREDRO: b"-E",
          P_APPENDW: b"-F", P_APPENDPW: b"-G"}
ALL_ARGS = b"-abcefghijklmnopqrstuvwxyzABCDEFG"
#: the steps the kernel model serves as Linux does
DEFAULT_STEPS = (P_TRUNC, P_DONTNEED, P_POPREAD, P_SEALW, P_SEALFW, P_SHRINKMV,
                 P_TRUNCCOW, P_PUNCHCOW, P_POPDROP, P_STOREDRO, P_APPENDW, P_APPENDPW)
DEFAULT_ARGS = b"-ehjkloyzBEFG"
#: the steps whose page 2 is the program's own copy after the calls
COPIES = (P_SEALW, P_SEALFW, P_PUNCHCOW, P_STOREDRO)
#: the steps whose file write the kernel model's read-faulted copy misses (Linux: the
#: page cache folio shows it) and the Guardian does not show either
MISSED = (P_SHSTORE, P_CHILDSH)
#: the steps whose file change the kernel model's copy misses and the Guardian shows in
#: the clean page (a punched hole's zeros, the bytes copy_file_range(), sendfile() and
#: splice() move into the file: clean_pages.show_write)
MOVED = (P_PUNCH, P_COPYFR, P_SENDF, P_SPLICE)
#: the steps whose write the Guardian shows in the clean page (clean_pages.show_write)
SHOWN = (P_WRITE, P_FORKW, P_VFORKW, P_BADREMAP, P_ROLOCKW, P_CHILDSEES, P_PWRITEV,
         P_REOPEN, P_DUPW, P_OFFVIEW, P_TWOVIEWS, P_PROTNONE, P_POPRO)
SHOWN_TEXT = ("the Guardian writes a write's bytes (write, copy_file_range, sendfile, "
              "splice, a punched hole's zeros) into each clean private page of the file, a "
              "fork child's included (clean_pages.show_write): the page shows them, as the "
              "page cache folio does")


#: the scenarios whose kernel keeps a stale private page by copying at the read fault
#: where Linux (and the kernel model) maps the memfd's folio
COPY_READS = ("ZJ-022", "ZJ-023", "ZJ-024", "ZJ-025", "ZJ-028", "ZJ-029", "ZJ-032",
              "ZJ-038", "ZJ-042")


def _zj(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        mprotect: Expect = Expect.REFUSED, silent: str = ""):
    register = scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                        program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect,
                        silent=silent)
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


def claim_linux_bytes(phase: int):  # type: ignore[no-untyped-def]
    """The step's page 2 as Linux shows it after its calls (LINUX): label 0.  Where no
    entry is left there, it comes as a read fault's does: read-only (do_read_fault())."""
    def steps(adv: Adversary) -> None:
        fill_after(adv, phase, 2, ord(LINUX[phase]))

        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, **_: object) -> None:
            if a.memo.get("desc"):
                a.memo["desc"] |= D.AP_RO
    return steps


def claim_untouched(phase: int):  # type: ignore[no-untyped-def]
    """The kernel model's own answer, untouched (its first marker noted)."""
    def steps(adv: Adversary) -> None:
        remember(adv, phase)
    return steps


def _fill(phase: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, a page of bytes other than
        Linux's at page 2: label -4."""
        fill_after(adv, phase, 2, byte)
    return steps


def _drop(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, page 2 dropped: the
        refault maps the file's bytes where Linux keeps the program's copy: label -4."""
        drop_after(adv, phase, 2)
    return steps


X, Z, F = ord("x"), ord("z"), 0x51


def _keep(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls; the kernel keeps page 2's clean entry as it was (its
        'x') though the file changed.  2. The program reads 'x' where Linux shows the
        file's new bytes: label -4."""
        remember(adv, phase)
    return steps


_STEPS = {
    P_WRITE: ("lseek() and write() of 'y' at page 2", "shmem_file_write_iter() writes the "
              "page cache folio the clean entry maps: page 2 reads 'y'."),
    P_SHSTORE: ("a MAP_SHARED view's store of 'y' at page 2", "The shared view maps the "
                "same page cache folio (shmem_fault()): page 2 reads 'y'."),
    P_PUNCH: ("fallocate(PUNCH_HOLE | KEEP_SIZE) of page 2", "shmem_fallocate() -> "
              "unmap_mapping_range() drops the clean entry, shmem_truncate_range() the "
              "folio: the refault reads a hole, zeros."),
    P_TRUNC: ("ftruncate() to 2 pages and back to 3", "shmem_setattr() -> "
              "truncate_pagecache() unmaps page 2 (even private copies): zeros."),
    P_FORKW: ("a fork child's pwrite64() of 'y'", "The child writes the same folio: 'y'."),
    P_VFORKW: ("a vfork child's pwrite64() of 'y'", "The child writes the same folio: 'y'."),
    P_DONTNEED: ("madvise(MADV_DONTNEED) of the clean page 2, pwrite64() of 'y'",
                 "zap_page_range_single() drops the entry; the refault maps the folio, 'y'."),
    P_BADREMAP: ("a failed mremap() (new size 0), pwrite64() of 'y'", "do_mremap() returns "
                 "-EINVAL before touching the view: the folio, 'y'."),
    P_POPREAD: ("madvise(MADV_POPULATE_READ) of the view, pwrite64() of 'y'",
                "madvise_populate() read-faults the folio itself: 'y'."),
    P_ROLOCKW: ("a PROT_READ view's mlock() kept, pwrite64() of 'y'",
                "populate_vma_page_range() without FOLL_WRITE: the folio, 'y'."),
    P_CHILDSEES: ("pwrite64() of 'y', a fork child checks its page 2",
                  "copy_present_pte() shares the folio: both read 'y'."),
    P_SHRINKMV: ("mremap() shrinking the view to 2 pages and growing it back, pwrite64() of "
                 "'y'", "The shrink unmapped page 2; the grown view faults the folio: 'y'."),
    P_PWRITEV: ("pwritev() of 'y' at page 2", "shmem_file_write_iter(): the folio, 'y'."),
    P_COPYFR: ("copy_file_range() of a page of 'y' from another memfd into page 2",
               "generic_copy_file_range() -> splice into shmem_file_write_iter(): the "
               "folio, 'y'."),
    P_REOPEN: ("/proc/self/fd/N opened again O_RDWR and pwrite64() of 'y' through it",
               "The new file description has the same inode and mapping: the folio, 'y'."),
    P_DUPW: ("pwrite64() of 'y' through a dup() of the memfd", "The same file: 'y'."),
    P_SENDF: ("sendfile() of a page of 'y' from another memfd to page 2",
              "do_splice_direct() -> iter_file_splice_write() -> shmem_file_write_iter(): "
              "the folio, 'y'."),
    P_SPLICE: ("splice() of a page of 'y' from a pipe into page 2", "do_splice_from() -> "
               "iter_file_splice_write() -> shmem_file_write_iter(): the folio, 'y'."),
    P_CHILDSH: ("a fork child's store of 'y' through a MAP_SHARED view", "The child's shared "
                "view maps the same folio (copy_present_pte() keeps it shared): 'y'."),
}

_zj("ZJ-001", f"({LETTER[P_WRITE].decode()}) Page 2 read, {_STEPS[P_WRITE][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_WRITE][1], (LETTER[P_WRITE],))(_fill(P_WRITE, X))
_zj("ZJ-002", f"({LETTER[P_SHSTORE].decode()}) Page 2 read, {_STEPS[P_SHSTORE][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_SHSTORE][1], (LETTER[P_SHSTORE],))(_fill(P_SHSTORE, X))
_zj("ZJ-003", f"({LETTER[P_SHSTORE].decode()}) Page 2 read, {_STEPS[P_SHSTORE][0]}: map a page of forged bytes at page 2",
    _STEPS[P_SHSTORE][1], (LETTER[P_SHSTORE],))(_fill(P_SHSTORE, F))
_zj("ZJ-004", f"({LETTER[P_PUNCH].decode()}) Page 2 read, {_STEPS[P_PUNCH][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_PUNCH][1], (LETTER[P_PUNCH],))(_fill(P_PUNCH, X))
_zj("ZJ-005", f"({LETTER[P_PUNCH].decode()}) Page 2 read, {_STEPS[P_PUNCH][0]}: map a page of forged bytes at page 2",
    _STEPS[P_PUNCH][1], (LETTER[P_PUNCH],))(_fill(P_PUNCH, F))
_zj("ZJ-006", f"({LETTER[P_TRUNC].decode()}) Page 2 read, {_STEPS[P_TRUNC][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_TRUNC][1], (LETTER[P_TRUNC],))(_fill(P_TRUNC, X))
_zj("ZJ-007", f"({LETTER[P_FORKW].decode()}) Page 2 read, {_STEPS[P_FORKW][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_FORKW][1], (LETTER[P_FORKW],))(_fill(P_FORKW, X))
_zj("ZJ-008", f"({LETTER[P_VFORKW].decode()}) Page 2 read, {_STEPS[P_VFORKW][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_VFORKW][1], (LETTER[P_VFORKW],))(_fill(P_VFORKW, X))
_zj("ZJ-009", f"({LETTER[P_DONTNEED].decode()}) Page 2 read, {_STEPS[P_DONTNEED][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_DONTNEED][1], (LETTER[P_DONTNEED],))(_fill(P_DONTNEED, X))
_zj("ZJ-010", f"({LETTER[P_BADREMAP].decode()}) Page 2 read, {_STEPS[P_BADREMAP][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_BADREMAP][1], (LETTER[P_BADREMAP],))(_fill(P_BADREMAP, X))
_zj("ZJ-011", f"({LETTER[P_POPREAD].decode()}) Page 2 read, {_STEPS[P_POPREAD][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_POPREAD][1], (LETTER[P_POPREAD],))(_fill(P_POPREAD, X))
_zj("ZJ-012", f"({LETTER[P_ROLOCKW].decode()}) Page 2 read, {_STEPS[P_ROLOCKW][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_ROLOCKW][1], (LETTER[P_ROLOCKW],))(_fill(P_ROLOCKW, X))
_zj("ZJ-013", f"({LETTER[P_CHILDSEES].decode()}) Page 2 read, {_STEPS[P_CHILDSEES][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_CHILDSEES][1], (LETTER[P_CHILDSEES],))(_fill(P_CHILDSEES, X))
_zj("ZJ-014", f"({LETTER[P_SHRINKMV].decode()}) Page 2 read, {_STEPS[P_SHRINKMV][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_SHRINKMV][1], (LETTER[P_SHRINKMV],))(_fill(P_SHRINKMV, X))
_zj("ZJ-015", f"({LETTER[P_PWRITEV].decode()}) Page 2 read, {_STEPS[P_PWRITEV][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_PWRITEV][1], (LETTER[P_PWRITEV],),
    mprotect=Expect.SUCCEEDS)(   # (the predecessor design judges no file page after pwritev())
    _fill(P_PWRITEV, X))
_zj("ZJ-016", f"({LETTER[P_COPYFR].decode()}) Page 2 read, {_STEPS[P_COPYFR][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_COPYFR][1], (LETTER[P_COPYFR],))(_fill(P_COPYFR, X))
_zj("ZJ-017", f"({LETTER[P_COPYFR].decode()}) Page 2 read, {_STEPS[P_COPYFR][0]}: map a page of forged bytes at page 2",
    _STEPS[P_COPYFR][1], (LETTER[P_COPYFR],))(_fill(P_COPYFR, F))
_zj("ZJ-018", f"({LETTER[P_REOPEN].decode()}) Page 2 read, {_STEPS[P_REOPEN][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_REOPEN][1], (LETTER[P_REOPEN],))(_fill(P_REOPEN, X))
_zj("ZJ-019", f"({LETTER[P_DUPW].decode()}) Page 2 read, {_STEPS[P_DUPW][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_DUPW][1], (LETTER[P_DUPW],))(_fill(P_DUPW, X))
_zj("ZJ-020", f"({LETTER[P_SENDF].decode()}) Page 2 read, {_STEPS[P_SENDF][0]}: keep the stale 'x' mapped at page 2",
    _STEPS[P_SENDF][1], (LETTER[P_SENDF],))(_fill(P_SENDF, X))
_zj("ZJ-021", f"({LETTER[P_SENDF].decode()}) Page 2 read, {_STEPS[P_SENDF][0]}: map a page of forged bytes at page 2",
    _STEPS[P_SENDF][1], (LETTER[P_SENDF],))(_fill(P_SENDF, F))
_zj("ZJ-022", f"({LETTER[P_SHSTORE].decode()}) Page 2 read, {_STEPS[P_SHSTORE][0]}: keep page 2's own clean entry, the stale 'x'",
    _STEPS[P_SHSTORE][1], (LETTER[P_SHSTORE],))(_keep(P_SHSTORE))
_zj("ZJ-023", f"({LETTER[P_PUNCH].decode()}) Page 2 read, {_STEPS[P_PUNCH][0]}: keep page 2's own clean entry, the stale 'x'",
    _STEPS[P_PUNCH][1], (LETTER[P_PUNCH],), silent=SHOWN_TEXT)(_keep(P_PUNCH))
_zj("ZJ-024", f"({LETTER[P_COPYFR].decode()}) Page 2 read, {_STEPS[P_COPYFR][0]}: keep page 2's own clean entry, the stale 'x'",
    _STEPS[P_COPYFR][1], (LETTER[P_COPYFR],), silent=SHOWN_TEXT)(_keep(P_COPYFR))
_zj("ZJ-025", f"({LETTER[P_SENDF].decode()}) Page 2 read, {_STEPS[P_SENDF][0]}: keep page 2's own clean entry, the stale 'x'",
    _STEPS[P_SENDF][1], (LETTER[P_SENDF],), silent=SHOWN_TEXT)(_keep(P_SENDF))
_zj("ZJ-026", f"({LETTER[P_SEALW].decode()}) A F_SEAL_WRITE memfd's private view, page 2 stored "
    "'z': drop the copy and let the refault map the file's 'x'",
    "The store made an anonymous copy (wp_page_copy()); the seal forbids only shared "
    "writable views: page 2 reads 'z'.", (LETTER[P_SEALW],))(_drop(P_SEALW))
_zj("ZJ-027", f"({LETTER[P_SEALFW].decode()}) A F_SEAL_FUTURE_WRITE memfd's private view, page 2 stored "
    "'z': drop the copy and let the refault map the file's 'x'",
    "The store made an anonymous copy (wp_page_copy()); the seal forbids only shared "
    "writable views: page 2 reads 'z'.", (LETTER[P_SEALFW],))(_drop(P_SEALFW))
_zj("ZJ-028", f"({LETTER[P_SPLICE].decode()}) Page 2 read, {_STEPS[P_SPLICE][0]}: keep page "
    "2's own clean entry, the stale 'x'", _STEPS[P_SPLICE][1], (LETTER[P_SPLICE],), silent=SHOWN_TEXT)(
    _keep(P_SPLICE))
_zj("ZJ-029", f"({LETTER[P_CHILDSH].decode()}) Page 2 read, {_STEPS[P_CHILDSH][0]}: keep page "
    "2's own clean entry, the stale 'x'", _STEPS[P_CHILDSH][1], (LETTER[P_CHILDSH],), gap="P2")(
    _keep(P_CHILDSH))
_zj("ZJ-030", f"({LETTER[P_SPLICE].decode()}) Page 2 read, {_STEPS[P_SPLICE][0]}: map a page "
    "of forged bytes at page 2", _STEPS[P_SPLICE][1], (LETTER[P_SPLICE],))(_fill(P_SPLICE, F))

NR_PWRITE64 = 68


def _swap_across_write(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's first marker: its view noted.  2. As the program's pwrite64()
        of 'y' enters, page 2 (clean, 'x') swapped out (SWAP_OUT under the Guardian).
        3. At the marker after the calls, the blob swapped back in: 'x' where Linux
        refaults the file's 'y' (reclaim drops a clean file folio, the refault maps the
        page cache): label -4."""
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=phase)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("view", 0) + 2 * PAGE
            blob = swap_out(a, va)
            if blob is None:
                a.refused(f"SWAP_OUT of {va:#x}")
                return
            a.memo["blob"] = blob
            a.note(f"page {va:#x} swapped out")

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            if "blob" not in a.memo:
                return
            va = a.memo["view"] + 2 * PAGE
            if swap_in(a, va, a.memo["blob"]):
                a.note(f"page {va:#x} swapped back in")
            else:
                a.refused(f"SWAP_IN of {va:#x}")
    return steps


def _migrate_across_write(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's first marker: its view noted.  2. As the program's pwrite64()
        of 'y' enters, page 2 (clean, 'x') migrated to a new frame (MIGRATE_PAGE):
        the write is shown in the old frame only if the Guardian loses the page: label
        -4 where Linux's migrated folio (migrate_folio()) is still the page cache's, 'y'."""
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=phase)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("view", 0) + 2 * PAGE
            if not migrate(a, va):
                a.refused(f"MIGRATE_PAGE of {va:#x}")
    return steps


_zj("ZJ-031", f"({LETTER[P_BADREMAP].decode()}) Page 2 read, a failed mremap(), page 2 swapped "
    "out as pwrite64() of 'y' enters and swapped back in after it: the stale 'x'",
    "Reclaim drops the clean page cache folio's entry (no swap for a clean file page, "
    "shrink_folio_list()); the refault maps the folio, 'y'.", (LETTER[P_BADREMAP],))(
    _swap_across_write(P_BADREMAP))
_zj("ZJ-032", f"({LETTER[P_BADREMAP].decode()}) Page 2 read, a failed mremap(), page 2 "
    "migrated as pwrite64() of 'y' enters: the write misses the new frame",
    "migrate_folio() moves the page cache folio itself: the write lands in it, 'y'.",
    (LETTER[P_BADREMAP],))(_migrate_across_write(P_BADREMAP))
_zj("ZJ-033", f"({LETTER[P_ROLOCKW].decode()}) A PROT_READ view's page 2 read and mlock()ed, "
    "swapped out as pwrite64() of 'y' enters and back in after it: the stale 'x'",
    "An mlocked folio is not reclaimed (folio_evictable()); page 2 is the page cache "
    "folio, 'y'.", (LETTER[P_ROLOCKW],))(_swap_across_write(P_ROLOCKW))


def _fill_second(phase: int, page: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them (x3: the second view), a
        page of `byte`s mapped at the second view's page `page`, with the entry bits of
        its present entry: label -4."""
        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            v2 = args[1] if len(args) > 1 else 0
            a.memo["at"] = v2
            a.memo["desc"] = a.init.mm.tables.lookup(v2 + page * PAGE) if v2 else 0
            map_page(a, page, bytes([byte]) * PAGE)
    return steps


_zj("ZJ-034", "(-w) A second private view at file offset 1 page, both its pages read, "
    "pwrite64() of 'w' at file page 1 and 'y' at page 2: keep the stale 'x' at the "
    "second view's page 1", "The view's page 1 is file page 2's page cache folio "
    "(linear_page_index() with vm_pgoff 1): 'y'.", (LETTER[P_OFFVIEW],))(
    _fill_second(P_OFFVIEW, 1, X))
_zj("ZJ-035", "(-w) After the writes, map file page 1's 'w' at the second view's page 1 "
    "(the page one off)", "The view's page 1 is file page 2: 'y'.", (LETTER[P_OFFVIEW],))(
    _fill_second(P_OFFVIEW, 1, ord("w")))
_zj("ZJ-036", "(-x) Two private views of the file, page 2 read in both, pwrite64() of 'y': "
    "keep the stale 'x' at the second view's page 2", "Both entries map the one page "
    "cache folio: 'y'.", (LETTER[P_TWOVIEWS],))(_fill_second(P_TWOVIEWS, 2, X))
_zj("ZJ-037", f"({LETTER[P_TWOVIEWS].decode()}) Two private views, page 2 read in both, the "
    "first view's page 2 swapped out as pwrite64() of 'y' enters and back in after it: "
    "the stale 'x'", "Reclaim drops the clean folio's entries; the refault maps the "
    "folio, 'y'.", (LETTER[P_TWOVIEWS],))(_swap_across_write(P_TWOVIEWS))
_zj("ZJ-038", f"({LETTER[P_OFFVIEW].decode()}) A second view at offset 1 page, the first "
    "view's page 2 migrated as the first pwrite64() enters: the writes miss the new frame",
    "migrate_folio() moves the page cache folio itself: 'y'.", (LETTER[P_OFFVIEW],))(
    _migrate_across_write(P_OFFVIEW))
_zj("ZJ-039", "(-y) Page 2 stored 'z', ftruncate() to 2 pages and back to 3: map the dropped "
    "copy 'z' back", "shmem_setattr() -> truncate_pagecache() -> unmap_mapping_range() "
    "with even_cows: the private copy is gone, the refault reads zeros.",
    (LETTER[P_TRUNCCOW],))(_fill(P_TRUNCCOW, Z))
_zj("ZJ-040", "(-z) Page 2 stored 'z', fallocate(PUNCH_HOLE) of page 2: drop the private copy "
    "and let the refault map the hole", "shmem_fallocate() -> unmap_mapping_range() without "
    "even_cows keeps private copies: page 2 reads 'z'.", (LETTER[P_PUNCHCOW],))(
    _drop(P_PUNCHCOW))
_zj("ZJ-041", "(-z) After the hole punch, map a page of zeros at page 2 over the copy",
    "Page 2 reads 'z'.", (LETTER[P_PUNCHCOW],))(_fill(P_PUNCHCOW, 0))
_zj("ZJ-042", "(-A) Page 2 read, a fork child waits, the parent stores 'z' and writes 'y' to "
    "the file: keep the child's page 2 the stale 'x'", "The child's entry is the page "
    "cache folio (copy_present_pte() shares it; the parent's store copied into the "
    "parent's mm only, wp_page_copy()): the child reads 'y'.", (LETTER[P_CHILDCLEAN],),
    silent=SHOWN_TEXT)(_keep(P_CHILDCLEAN))
_zj("ZJ-043", "(-B) Page 2 populated for writing (a copy), pwrite64() of 'y', MADV_DONTNEED: "
    "map the dropped copy's 'x' back", "zap_page_range_single() freed the copy; the refault "
    "maps the page cache folio, 'y'.", (LETTER[P_POPDROP],))(_fill(P_POPDROP, X))
_zj("ZJ-044", "(-C) Page 2 read, mprotect(PROT_NONE) and back to read-write, pwrite64() of "
    "'y': keep the stale 'x'", "change_pte_range() keeps the folio's entry (PROT_NONE, then "
    "read-only again): 'y'.", (LETTER[P_PROTNONE],))(_fill(P_PROTNONE, X))
_zj("ZJ-045", "(-D) A PROT_READ view mapped MAP_POPULATE, page 2 read, pwrite64() of 'y': "
    "keep the stale 'x'", "populate_vma_page_range() without FOLL_WRITE maps the folio: "
    "'y'.", (LETTER[P_POPRO],))(_fill(P_POPRO, X))
_zj("ZJ-046", "(-E) Page 2 stored 'z', mprotect(PROT_READ), pwrite64() of 'y': map the file's "
    "'y' over the program's copy", "The store's copy is anonymous (wp_page_copy()); "
    "mprotect() keeps it: 'z'.", (LETTER[P_STOREDRO],))(_fill(P_STOREDRO, ord("y")))
_zj("ZJ-047", "(-F) An O_APPEND reopen of the memfd, lseek() to page 2 and write() of 'y': "
    "map 'y' at page 2 as if the write had landed at the offset",
    "generic_write_checks() moves an O_APPEND write to the end of the file: page 3 grows, "
    "page 2 reads 'x'.", (LETTER[P_APPENDW],))(_fill(P_APPENDW, ord("y")))
_zj("ZJ-048", "(-G) An O_APPEND reopen's pwrite64() of 'y' at page 2: map 'y' at page 2",
    "pwrite64() on an O_APPEND file appends too (generic_write_checks() ignores the offset, "
    "pwrite(2) BUGS): page 2 reads 'x'.", (LETTER[P_APPENDPW],))(_fill(P_APPENDPW, ord("y")))


NR_READ = 63


def claim_child_refault(adv: Adversary) -> None:
    """(-A) Linux's answer in the fork child: as its read() of the pipe returns (after
    the parent's store and pwrite64() of 'y'), the child's page 2 entry dropped (reclaim
    unmaps a clean folio, try_to_unmap()); its refault maps the file's 'y'."""
    remember(adv, P_CHILDCLEAN)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_CHILDCLEAN, init_only=False)
    def _(a: Adversary, thread: Thread | None = None, **_: object) -> None:
        proc = thread.process if thread is not None else None
        at = a.memo.get("at", 0)
        if proc is None or proc is a.init or not at:
            return
        try:
            proc.mm.zap(at + 2 * PAGE, at + 3 * PAGE)
            a.el1.tlbi_all()
            a.note(f"the child's page 2 dropped at {at + 2 * PAGE:#x}")
        except Exception as exc:
            a.refused(f"the child's drop at {at + 2 * PAGE:#x}: {exc!r}")


def claim_migrated_refault(adv: Adversary) -> None:
    """(-i) Linux's answer after a migration: page 2 migrated as pwrite64() of 'y'
    enters (migrate_folio() moves the page cache folio), then, at the marker after the
    calls, its entry dropped (reclaim unmaps a clean folio): the refault maps 'y'."""
    _migrate_across_write(P_BADREMAP)(adv)
    drop_after(adv, P_BADREMAP, 2)
