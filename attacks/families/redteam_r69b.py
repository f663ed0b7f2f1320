"""Red-team round 69b: the cuts of a file only a confidential program holds against the
Guardian's record of its swapped-out private copies (guardian/cut_swapped.py: a cut that
succeeded ends the record of every swapped-out copy wholly past the new end; cut_windows.
cut_copy: the window for an O_TRUNC reopen and an O_TMPFILE file's ftruncate).

On round 68b's victim `secret_r68_mm` (its markers: x3 the mapping, x4 the file, x5 a
second mapping or a fork child's pid), reused as it is:

- YN-001: a copy swapped out under F_SEAL_SHRINK, its swap entry dropped during the
  ftruncate(fd, PAGE) that shmem_setattr() refuses (-EPERM), answered 0;
- YN-002: the swapped-out copy of the page the new end lies in (a mapping from offset
  PAGE: its page 0 is file page 1) dropped during ftruncate(fd, PAGE + 100);
- YN-003: the swapped-out copy of page 2 of ANOTHER memfd y dropped during
  ftruncate(x, PAGE);
- YN-004: the swapped-out copy of page 0 dropped during ftruncate(fd, 3 * PAGE), a grow;
- YN-005: page 2's swapped-out copy dropped as Linux drops it, the cut answered -EINTR;
- YN-006: (-t) page 1's copy swapped out before open("/proc/self/fd/N", O_RDWR | O_TRUNC),
  the cut clears its entry, and the old copy is swapped in after the file grew back;
- YN-007: (-o) the same for an O_TMPFILE file's ftruncate(fd, PAGE);
- YN-008: as YN-001, answered -EPERM (as Linux answers);
- YN-009: page 1's swapped-out copy dropped during fallocate(PUNCH_HOLE | KEEP_SIZE);
- YN-010: (-t) the O_TRUNC open run without the cut, page 1's swap entry dropped, -EINTR;
- YN-011: (-o) the O_TMPFILE file's cut drops page 1's swapped-out copy, answered -EINTR;
- YN-012: ftruncate(fd, PAGE + 100) run as a no-op and answered -EINTR (nothing dropped);
- YN-013, YN-014: (-o, -t) after the cut and the regrow the kernel maps a page of forged
  bytes where the grown file (only the program holds it) reads zeros;
- YN-021: the same for the memfd cut to PAGE and grown back to 3 pages (page 2);
- YN-015: (-o) page 0's swapped-out copy (before the new end) dropped during the cut;
- YN-016: (-t) both copies swapped out, the O_TRUNC open run as a cut to PAGE (page 0's
  entry kept), page 0 swapped back in after the regrow;
- honest (claims, tests/test_redteam_r69b_claims.py): the swapped-out copies a cut, a grow,
  a refused sealed cut or a punched hole keeps come back (an offset mapping's page the end
  lies in, another memfd's pages, a page before the end); those an O_TRUNC reopen and an
  O_TMPFILE file's cut drop are gone (zap_pte_range(): free_swap_and_cache()).  All let
  through.

On the victim `secret_r69_mm` (markers from 8200: x3 the mapping, x4 the file, x5 the
mapping's old address):

- YN-017: page 2's copy of a mapping mremap() moved swapped out before ftruncate(fd, PAGE),
  the old copy swapped in after the regrow; YN-018: page 0's swap entry of that moved
  mapping dropped during the cut (before the end);
- YN-019: after pwrite64() grew a 1-page memfd to 3 pages, page 1's swapped-out copy
  (before the new end 2 * PAGE) dropped during ftruncate(fd, 2 * PAGE); YN-020: page 2's
  copy swapped out, cut, swapped in again after the regrow; YN-022: forged bytes mapped
  at page 2 after that cut and regrow;
- honest (claims): the copies of the moved mapping and of the memfd pwrite64() grew,
  swapped out before the cut, kept or dropped as Linux does: let through.
- (-o) open("/proc/self/fd/N", O_RDWR | O_TRUNC) of an O_TMPFILE file: Linux's
  proc_fd_link() reopens the file and do_open() cuts it (qemu-aarch64-static: a
  descriptor, label 0); the kernel model answered -EISDIR (it reopened the directory the
  file was made in) and now reopens the file (fd_reopen.py), and the Guardian lets the
  cut drop the private copies (cut_windows.cut_of for any file reopened): a claims test,
  no scenario uses the step.

With the Guardian on, through when written, refused since: YN-005, YN-010, YN-011
(return.cut_failed_kept: a cut that failed left every swapped-out copy past the end asked
for its entry; do_truncate() fails before truncate_pagecache() frees one), YN-012
(return.ftruncate_no_eintr: do_sys_ftruncate() -> do_truncate() -> shmem_setattr() has no
-EINTR for a memfd; a seccomp filter's answer excepted), YN-013, YN-014, YN-021, YN-022
(set_pt.cut_refault: a page of a private mapping of a file only the program holds, at a
file page a successful cut zapped in every tree and not entered since, enters with the
file's bytes as the program's calls left them: zeros where it grew back).
The rest are refused.  The kernel model answers these steps as Linux does
(qemu-aarch64-static: secret_r68_mm -t -o finishes intact, every step label 0).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r68b as r68
from attacks.families import secure_mm
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "redteam_r69b"
VICTIM = r68.VICTIM
PAGE = r68.PAGE
P_CUT, P_GROW, P_SEALED, P_OFFSET, P_OTHER = r68.P_CUT, r68.P_GROW, r68.P_SEALED, \
    r68.P_OFFSET, r68.P_OTHER
P_OTRUNC, P_TMPFILE = r68.P_OTRUNC, r68.P_TMPFILE
P_REGROW, P_FORK_CUT, P_FORK_CHILD = r68.P_REGROW, r68.P_FORK_CUT, r68.P_FORK_CHILD
T_ARG, O_ARG = r68.T_ARG, r68.O_ARG
NR_FTRUNCATE, NR_OPENAT, NR_FALLOCATE = r68.NR_FTRUNCATE, r68.NR_OPENAT, r68.NR_FALLOCATE
EINTR, EPERM = r68.EINTR, r68.EPERM
O_TRUNC = r68.O_TRUNC
P_PUNCH = r68.P_PUNCH


def swap_second(adv: Adversary, phase: int, page: int) -> None:
    """At the step's marker, reclaim writes page `page` of the step's second mapping (x5)
    out (SWAP_OUT)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["at"] = args[1] if len(args) > 1 else 0
        a.memo["pid"] = args[3] if len(args) > 3 else 0
        va = a.memo["pid"] + page * PAGE
        a.memo["va"] = va
        blob = secure_mm.swap_out(a, va)
        a.note(f"{va:#x} swapped out by reclaim" if blob is not None
               else f"{va:#x}: SWAP_OUT refused")


def swap_back_after(adv: Adversary, phase: int, page: int, nr: int, call: int) -> None:
    """Reclaim writes page `page` of the step's mapping out at its marker; at the exit of
    the `call`-th call `nr` of the step the kernel swaps that old copy in again."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        va = (args[1] if len(args) > 1 else 0) + page * PAGE
        a.memo["va"], a.memo["blob"] = va, secure_mm.swap_out(a, va)
        a.note(f"{va:#x} swapped out by reclaim")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        blob = a.memo.get("blob")
        if a.memo["calls"] != call or blob is None:
            return
        try:
            ok = secure_mm.swap_in(a, a.memo["va"], blob)
        except Exception as exc:
            a.refused(f"SWAP_IN of the dropped copy: {exc!r}")
            return
        a.note(f"old copy swapped in at {a.memo['va']:#x}: {ok}")


def reclaim_at(adv: Adversary, phase: int, page: int, second: bool = False,
               more: tuple[int, ...] = ()) -> None:
    """At the step's marker the kernel's own reclaim writes page `page` of the step's
    mapping (its second, x5, where `second`) out (shrink_folio_list()); its fault swaps
    it back in (do_swap_page())."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        base = args[3 if second else 1] if len(args) > 3 else 0
        mm = a.mm
        for n in (page, *more):
            va = base + n * PAGE
            mm.ctx.memory.swap_out(mm, va, mm.tables.lookup(va))
            a.el1.tlbi_all()
            a.note(f"{va:#x} swapped out by reclaim")


def claim_offset_swapped_kept(adv: Adversary) -> None:
    """The mapping from offset PAGE: reclaim writes its page 0 (file page 1, the page the
    new end PAGE + 100 lies in) out before ftruncate(fd, PAGE + 100).  truncate_pagecache()
    -> unmap_mapping_range(holebegin = 2 * PAGE) leaves its swap entry; the program's read
    swaps it in ('K'): label 0."""
    reclaim_at(adv, P_OFFSET, 0)


def claim_other_swapped_kept(adv: Adversary) -> None:
    """Reclaim writes page 2 of memfd y's private mapping out before ftruncate(x, PAGE):
    the cut of x leaves y's swap entry (unmap_mapping_range() walks x's i_mmap only); the
    program's read swaps it in ('R'): label 0."""
    reclaim_at(adv, P_OTHER, 2, second=True)


def claim_otrunc_swapped_dropped(adv: Adversary) -> None:
    """(-t) Reclaim writes page 1's copy ('X') out before open("/proc/self/fd/N", O_RDWR |
    O_TRUNC); do_truncate() -> truncate_pagecache() frees its swap entry (zap_pte_range():
    free_swap_and_cache()) as it zaps page 0; the file grown back reads zeros: label 0."""
    reclaim_at(adv, P_OTRUNC, 1)


def claim_otrunc_all_swapped(adv: Adversary) -> None:
    """(-t) Reclaim writes both copies ('W', 'X') out before the O_TRUNC open: the cut to 0
    frees both entries; the grown file reads zeros: label 0."""
    reclaim_at(adv, P_OTRUNC, 0, more=(1,))


def claim_tmpfile_swapped_dropped(adv: Adversary) -> None:
    """(-o) Reclaim writes page 1's copy ('Z') of the O_TMPFILE file's mapping out before
    ftruncate(fd, PAGE); the cut frees its swap entry; the file grown back reads zeros:
    label 0."""
    reclaim_at(adv, P_TMPFILE, 1)


def claim_tmpfile_all_swapped(adv: Adversary) -> None:
    """(-o) Reclaim writes both copies ('Y', 'Z') out before ftruncate(fd, PAGE): page 1's
    entry is freed, page 0's stays and swaps back in ('Y'); page 1 reads zeros: label 0."""
    reclaim_at(adv, P_TMPFILE, 0, more=(1,))


def claim_regrow_swapped(adv: Adversary) -> None:
    """Reclaim writes the copies of pages 0, 1 and 2 ('S', 'T', 'U') out before
    ftruncate(fd, PAGE): the cut frees the entries of pages 1 and 2 (zap_pte_range():
    free_swap_and_cache()), page 0's stays; after ftruncate(fd, 3 * PAGE) page 0 swaps back
    in ('S'), pages 1 and 2 read zeros: label 0."""
    reclaim_at(adv, P_REGROW, 0, more=(1, 2))


def claim_sealed_swapped_kept(adv: Adversary) -> None:
    """Reclaim writes page 1's copy ('F') out before ftruncate(fd, PAGE) under
    F_SEAL_SHRINK: -EPERM (shmem_setattr()), the entry stays; it swaps back in: label 0."""
    reclaim_at(adv, P_SEALED, 1)


def claim_punch_swapped_kept(adv: Adversary) -> None:
    """Reclaim writes page 1's copy ('J') out before fallocate(PUNCH_HOLE | KEEP_SIZE) of
    page 1: shmem_fallocate() -> unmap_mapping_range(..., even_cows = 0) leaves a private
    copy's swap entry (zap_nonpresent_ptes(): should_zap_cows()); it swaps back in: label 0."""
    reclaim_at(adv, P_PUNCH, 1)


def claim_grow_swapped_kept(adv: Adversary) -> None:
    """Reclaim writes page 0's copy ('D') out before ftruncate(fd, 3 * PAGE), a grow: the
    entry stays and swaps back in: label 0."""
    reclaim_at(adv, P_GROW, 0)


@scenario(id="YN-001", title="Swap out page 1's copy of a memfd under F_SEAL_SHRINK; during "
          "ftruncate(fd, PAGE) drop its swap entry and answer 0", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT", "G-SWAP-FRESH"), program=VICTIM,
          prop="A cut under F_SEAL_SHRINK fails (-EPERM) and keeps every copy, swapped out "
               "or not.")
def yn_sealed_swapped(adv: Adversary) -> None:
    """1. shmem_setattr() refuses the shrink (-EPERM) before any page is touched.
    2. The kernel clears page 1's swap entry and answers 0: the Guardian must not end the
    record (a 0 it should refuse); the program reads page 1: zeros, not 'F': label -4."""
    r68.drop_during(adv, P_SEALED, NR_FTRUNCATE, 1, ret=0, swapped=True)


@scenario(id="YN-002", title="During ftruncate(fd, PAGE + 100) of a memfd mapped from offset "
          "PAGE, drop the swap entry of the mapping's page 0 (the page the end lies in)",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"),
          program=VICTIM,
          prop="A swapped-out copy of the page the new end lies in stays the program's.")
def yn_offset_swapped(adv: Adversary) -> None:
    """1. pages_past_cut() must count the mapping's file offset: its page 0 is file page
    1, before holebegin.  2. Dropped, it reads zeros: label -4."""
    r68.drop_during(adv, P_OFFSET, NR_FTRUNCATE, 0, swapped=True)


@scenario(id="YN-003", title="During ftruncate(x, PAGE), drop the swap entry of page 2 of "
          "another memfd y's private mapping", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM,
          prop="A cut of one file ends no record of another file's swapped-out copies.")
def yn_other_swapped(adv: Adversary) -> None:
    """1. Reclaim writes y's page 2 ('R') out.  2. During the cut of x the kernel clears
    its swap entry; y's page 2 then reads zeros: label -4."""
    swap_second(adv, P_OTHER, 2)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FTRUNCATE, during=P_OTHER)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("va", 0)
        try:
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"y's page 2 at {va:#x} dropped")
        except Exception as exc:
            a.refused(f"y's page 2's drop: {exc!r}")


@scenario(id="YN-004", title="During ftruncate(fd, 3 * PAGE), which grows a 1-page memfd, "
          "drop the swap entry of page 0's copy", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM,
          prop="A grown file loses no copy, swapped out or not.")
def yn_grow_swapped(adv: Adversary) -> None:
    """1. shmem_setattr() grows without truncate_pagecache().  2. Page 0's swap entry
    cleared: it reads zeros, not 'D': label -4."""
    r68.drop_during(adv, P_GROW, NR_FTRUNCATE, 0, swapped=True)


@scenario(id="YN-005", title="During ftruncate(fd, PAGE + 100), drop page 2's swapped-out copy "
          "as Linux does, and answer -EINTR", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"), program=VICTIM,
          prop="A cut that dropped copies succeeded.")
def yn_cut_swapped_eintr(adv: Adversary) -> None:
    """1. do_truncate() fails only before shmem_setattr() touches a page.  2. The cut
    answered -EINTR: the program takes its failure path: label -4."""
    r68.drop_during(adv, P_CUT, NR_FTRUNCATE, 2, ret=EINTR, swapped=True)


@scenario(id="YN-006", title="(-t) Swap out page 1's copy before open(\"/proc/self/fd/N\", "
          "O_RDWR | O_TRUNC); after the file grew back, swap the old copy in", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"), program=VICTIM,
          args=(T_ARG,),
          prop="A copy an O_TRUNC open dropped is gone: the grown file reads zeros there.")
def yn_otrunc_stale_swapped(adv: Adversary) -> None:
    """1. Reclaim writes page 1's copy ('X') out.  2. The O_TRUNC open cuts to 0 (its swap
    entry freed).  3. At the return of ftruncate(fd, 2 * PAGE) the kernel swaps the old
    copy in: 'X' where Linux shows zeros: label -4."""
    swap_back_after(adv, P_OTRUNC, 1, NR_FTRUNCATE, 1)


@scenario(id="YN-007", title="(-o) Swap out page 1's copy of an O_TMPFILE file before "
          "ftruncate(fd, PAGE); after the file grew back, swap the old copy in", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"), program=VICTIM,
          args=(O_ARG,),
          prop="ftruncate() of an O_TMPFILE file drops the swapped-out copies past the end.")
def yn_tmpfile_stale_swapped(adv: Adversary) -> None:
    """1. Reclaim writes page 1's copy ('Z') out.  2. ftruncate(fd, PAGE) frees its swap
    entry.  3. At the return of ftruncate(fd, 2 * PAGE) the kernel swaps the old copy in:
    'Z' where Linux shows zeros: label -4."""
    swap_back_after(adv, P_TMPFILE, 1, NR_FTRUNCATE, 2)


@scenario(id="YN-008", title="Swap out page 1's copy of a memfd under F_SEAL_SHRINK; during "
          "ftruncate(fd, PAGE) drop its swap entry and answer -EPERM (as Linux answers)",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"),
          program=VICTIM,
          prop="A cut refused under F_SEAL_SHRINK keeps every copy, swapped out or not.")
def yn_sealed_swapped_eperm(adv: Adversary) -> None:
    """1. shmem_setattr(): -EPERM before any page.  2. Page 1's swap entry cleared anyway:
    the program reads zeros, not 'F': label -4."""
    r68.drop_during(adv, P_SEALED, NR_FTRUNCATE, 1, ret=EPERM, swapped=True)


@scenario(id="YN-009", title="Swap out page 1's copy; during fallocate(PUNCH_HOLE | KEEP_SIZE) "
          "of page 1, drop its swap entry", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM,
          prop="A punched hole keeps the private copies (even_cows = 0), swapped out or not.")
def yn_punch_swapped(adv: Adversary) -> None:
    """1. shmem_fallocate() -> unmap_mapping_range(..., even_cows = 0): a private copy's
    swap entry stays.  2. Cleared, page 1 reads zeros, not 'J': label -4."""
    r68.drop_during(adv, P_PUNCH, NR_FALLOCATE, 1, swapped=True)


@scenario(id="YN-010", title="(-t) Swap out page 1's copy; run open(\"/proc/self/fd/N\", "
          "O_RDWR | O_TRUNC) without the cut but drop that swap entry, and answer -EINTR",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"),
          program=VICTIM, args=(T_ARG,),
          prop="An O_TRUNC open that fails dropped no copy.")
def yn_otrunc_swapped_eintr(adv: Adversary) -> None:
    """1. do_open() fails before handle_truncate() or cuts and succeeds.  2. The kernel
    clears page 1's swap entry and answers -EINTR: the program's failure path: label -4."""
    r68.drop_during(adv, P_OTRUNC, NR_OPENAT, 1, ret=EINTR, swapped=True)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_OPENAT, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", a.reg("x2") & ~O_TRUNC)


@scenario(id="YN-011", title="(-o) Swap out page 1's copy of an O_TMPFILE file; cut it with "
          "ftruncate(fd, PAGE) (its swap entry dropped) and answer -EINTR", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"), program=VICTIM,
          args=(O_ARG,),
          prop="A cut that dropped copies succeeded.")
def yn_tmpfile_swapped_eintr(adv: Adversary) -> None:
    """1. The cut drops page 1's swapped-out copy; answered -EINTR the program takes its
    failure path: label -4."""
    r68.drop_during(adv, P_TMPFILE, NR_FTRUNCATE, 1, ret=EINTR, swapped=True)


@scenario(id="YN-012", title="Run ftruncate(fd, PAGE + 100) as a no-op and answer -EINTR (no "
          "copy swapped out or dropped)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="ftruncate() of a memfd has no -EINTR: shmem_setattr() takes no killable "
               "lock and waits for nothing a signal ends.")
def yn_cut_eintr_plain(adv: Adversary) -> None:
    """1. The kernel leaves the file at 3 pages (no page touched) and answers -EINTR: the
    program's failure path: label -4."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FTRUNCATE, during=P_CUT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", 3 * PAGE)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FTRUNCATE, during=P_CUT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", EINTR)


def _fill_after(adv: Adversary, phase: int, nr: int, call: int, page: int,
                byte: int) -> None:
    """At the exit of the `call`-th call `nr` of the step, the kernel maps a page of `byte`s
    at page `page` of the step's mapping (as the file's page: a read fault's page cache
    page), where the grown file holds zeros."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        va = (args[1] if len(args) > 1 else 0) + page * PAGE
        a.memo["va"], a.memo["desc"] = va, a.init.mm.tables.lookup(va)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        va, desc = a.memo.get("va", 0), a.memo.get("desc", 0)
        if a.memo["calls"] != call or not va or not desc:
            return
        mm = a.init.mm
        try:
            if a.pa_of(va, mm.tables.root) is None:
                frame = a.alloc_frame()
                a.write_lm(frame, bytes([byte]) * PAGE)
                mm.tables.set(va, (desc & ~D.ADDR_MASK) | frame)
                a.el1.tlbi_all()
                a.note(f"a page of {byte:#x} bytes mapped at {va:#x}")
        except Exception as exc:
            a.refused(f"the forged page at {va:#x}: {exc!r}")


@scenario(id="YN-013", title="(-o) After an O_TMPFILE file's cut and regrow, map a page of "
          "forged bytes where the grown file holds zeros", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(O_ARG,),
          prop="A file only the program holds, grown back, reads zeros past the old end.")
def yn_tmpfile_forged_zeros(adv: Adversary) -> None:
    """1. ftruncate(fd, PAGE), ftruncate(fd, 2 * PAGE) as Linux serves them (page 1's copy
    zapped, even_cows = 1).  2. The kernel maps a page of 0x51 bytes at page 1 as the
    file's page: the program reads them where Linux's shmem/ext4 page reads zeros:
    label -4."""
    _fill_after(adv, P_TMPFILE, NR_FTRUNCATE, 2, 1, 0x51)


@scenario(id="YN-014", title="(-t) After an O_TRUNC open cut a memfd to 0 and ftruncate grew "
          "it back, map a page of forged bytes at page 0", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST",), program=VICTIM, args=(T_ARG,),
          prop="A memfd only the program holds, grown back, reads zeros.")
def yn_otrunc_forged_zeros(adv: Adversary) -> None:
    """1. The O_TRUNC open and ftruncate(fd, 2 * PAGE) as Linux serves them.  2. The kernel
    maps a page of 0x51 bytes at page 0 as the memfd's page: label -4."""
    _fill_after(adv, P_OTRUNC, NR_FTRUNCATE, 1, 0, 0x51)


@scenario(id="YN-015", title="(-o) Swap out page 0's copy of an O_TMPFILE file; during "
          "ftruncate(fd, PAGE) drop its swap entry (page 0 lies before the new end)",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"),
          program=VICTIM, args=(O_ARG,),
          prop="A cut keeps the swapped-out copies before the new end.")
def yn_tmpfile_first_swapped(adv: Adversary) -> None:
    """1. truncate_pagecache() starts at holebegin = PAGE: page 0's swap entry stays.
    2. Dropped, page 0 reads zeros, not 'Y': label -4."""
    r68.drop_during(adv, P_TMPFILE, NR_FTRUNCATE, 0, swapped=True)


@scenario(id="YN-016", title="(-t) Swap out both copies; during the O_TRUNC open cut the memfd "
          "to PAGE instead of 0, keep page 0's swap entry, and answer a descriptor",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-COUNT"),
          program=VICTIM, args=(T_ARG,),
          prop="An O_TRUNC open that succeeds cut the file to 0: every copy went.")
def yn_otrunc_partial_swapped(adv: Adversary) -> None:
    """1. Reclaim writes pages 0 and 1 out (SWAP_OUT).  2. The open runs without O_TRUNC;
    the kernel clears page 1's entry only (a cut to PAGE) and answers the descriptor.
    3. After ftruncate(fd, 2 * PAGE) page 0 swaps back 'W' where Linux shows zeros:
    label -4."""
    @adv.on(Point.MARKER, phase=P_OTRUNC)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = args[1] if len(args) > 1 else 0
        a.memo["at"] = at
        a.memo["blobs"] = {va: secure_mm.swap_out(a, va) for va in (at, at + PAGE)}
        a.note("pages 0 and 1 swapped out")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_OPENAT, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", a.reg("x2") & ~O_TRUNC)
        va = a.memo.get("at", 0) + PAGE
        try:
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note("page 1's entry cleared, page 0's kept")
        except Exception as exc:
            a.refused(f"page 1's drop: {exc!r}")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FTRUNCATE, during=P_OTRUNC)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("at", 0)
        blob = a.memo.get("blobs", {}).get(va)
        if blob is None:
            return
        try:
            a.note(f"page 0 swapped in: {secure_mm.swap_in(a, va, blob)}")
        except Exception as exc:
            a.refused(f"SWAP_IN of page 0: {exc!r}")


# secret_r69_mm: the marker before each step's cut; the marker after its write is + 1.
VICTIM_MM = "secret_r69_mm"
P_MOVED, P_WRITTEN, P_TMPTRUNC = 8200, 8202, 8204
P_MM_LAST = P_WRITTEN          # (P_TMPTRUNC only with -o)


def claim_moved_swapped(adv: Adversary) -> None:
    """secret_r69_mm: reclaim writes the moved mapping's pages 0, 1 and 2 out before
    ftruncate(fd, PAGE): the cut frees pages 1 and 2's entries at the mapping's new place
    (unmap_mapping_range() finds the moved vma in i_mmap), page 0 swaps back in ('A'),
    the grown file reads zeros at 1 and 2: label 0."""
    reclaim_at(adv, P_MOVED, 0, more=(1, 2))


def claim_written_swapped(adv: Adversary) -> None:
    """secret_r69_mm: after pwrite64() grew the memfd to 3 pages, reclaim writes the copies
    of pages 1 ('E') and 2 ('F') out before ftruncate(fd, 2 * PAGE): page 2's entry is
    freed, page 1's swaps back in: label 0."""
    reclaim_at(adv, P_WRITTEN, 1, more=(2,))


@scenario(id="YN-017", title="(secret_r69_mm) Swap out page 2's copy of a mapping mremap() "
          "moved; after ftruncate(fd, PAGE) and the regrow, swap the old copy in",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=VICTIM_MM,
          prop="A cut drops the swapped-out copies past the end wherever the mapping moved.")
def yn_moved_stale_swapped(adv: Adversary) -> None:
    """1. Reclaim writes the moved mapping's page 2 ('C') out.  2. The cut frees it.
    3. After ftruncate(fd, 3 * PAGE) the kernel swaps 'C' in where Linux shows zeros:
    label -4."""
    swap_back_after(adv, P_MOVED, 2, NR_FTRUNCATE, 2)


@scenario(id="YN-018", title="(secret_r69_mm) During ftruncate(fd, PAGE), drop the swap entry "
          "of page 0 of a mapping mremap() moved", family=RT, goal=Goal.LEAK,
          rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM_MM,
          prop="A cut keeps the copies before the new end, wherever the mapping moved.")
def yn_moved_first_swapped(adv: Adversary) -> None:
    """1. Page 0 ('A') lies before the new end.  2. Its swap entry cleared: zeros: label
    -4."""
    r68.drop_during(adv, P_MOVED, NR_FTRUNCATE, 0, swapped=True)


@scenario(id="YN-019", title="(secret_r69_mm) After pwrite64() grew a memfd to 3 pages, drop "
          "the swap entry of page 1's copy during ftruncate(fd, 2 * PAGE)", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"), program=VICTIM_MM,
          prop="A cut keeps the copies before the new end, however the file grew.")
def yn_written_swapped(adv: Adversary) -> None:
    """1. Page 1 ('E') lies before the new end 2 * PAGE.  2. Its swap entry cleared: the
    program reads the file's 'w' bytes, not 'E': label -4."""
    r68.drop_during(adv, P_WRITTEN, NR_FTRUNCATE, 1, swapped=True)


@scenario(id="YN-020", title="(secret_r69_mm) After pwrite64() grew a memfd, swap out page 2's "
          "copy, cut to 2 pages, and swap the old copy in after the regrow", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"), program=VICTIM_MM,
          prop="A cut drops the swapped-out copies past the end, however the file grew.")
def yn_written_stale_swapped(adv: Adversary) -> None:
    """1. Reclaim writes page 2's copy ('F') out.  2. ftruncate(fd, 2 * PAGE) frees it.
    3. After ftruncate(fd, 3 * PAGE) the kernel swaps 'F' in: label -4."""
    swap_back_after(adv, P_WRITTEN, 2, NR_FTRUNCATE, 2)


@scenario(id="YN-021", title="After ftruncate(fd, PAGE) and ftruncate(fd, 3 * PAGE) of a memfd, "
          "map a page of forged bytes at page 2, where the grown memfd reads zeros",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM,
          prop="A memfd only the program holds, grown back, reads zeros.")
def yn_regrow_forged_zeros(adv: Adversary) -> None:
    """1. Both cuts as Linux serves them (the copies of pages 1 and 2 zapped).  2. The
    kernel maps a page of 0x51 bytes at page 2 as the memfd's page (shmem_get_folio()
    gives a zeroed folio): label -4."""
    _fill_after(adv, P_REGROW, NR_FTRUNCATE, 2, 2, 0x51)


@scenario(id="YN-022", title="(secret_r69_mm) After pwrite64() grew a memfd and it was cut to "
          "2 pages and grown back, map a page of forged bytes at page 2", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=VICTIM_MM,
          prop="A memfd only the program holds, grown back, reads zeros past the old end.")
def yn_written_forged_zeros(adv: Adversary) -> None:
    """1. ftruncate(fd, 2 * PAGE), ftruncate(fd, 3 * PAGE) as Linux serves them.  2. The
    kernel maps a page of 0x51 bytes at page 2: label -4."""
    _fill_after(adv, P_WRITTEN, NR_FTRUNCATE, 2, 2, 0x51)
