"""Red-team round 73b: untouched MAP_PRIVATE views of a memfd only a confidential
program holds whose file's bytes change after the mmap by ways set_pt.cut_refault
(file_pages, cut_movers, cut_dropped, sole_held) may not follow: fallocate() punching a
hole or growing the file, madvise(MADV_REMOVE) of a shared view, a vfork child's or a
still running thread's store through a shared view, a write through /proc/self/fd/N
reopened, a fork child's store into its own copy; and memory calls given tagged
addresses (guardian/mm_untag.py): madvise(MADV_DONTNEED), munmap() and mremap() of a
confidential range through a pointer whose top byte is 0x0b.

On the victim `secret_r73_mm` (markers from 9500: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping (-g: the new place); P + 1 after its label; each step
runs when its letter is in the argument "-LETTERS"):

- ZA-001, ZA-002: (-a) fallocate(PUNCH_HOLE | KEEP_SIZE) of page 2: forged bytes, and
  the file's old 'x', at page 2 (Linux: zeros).
- ZA-003: (-b) fallocate(0, 0, 3 * PAGE) of a 1-page memfd under a 3-page view: forged
  bytes at page 2 (Linux: zeros).
- ZA-004: (-c) madvise(MADV_REMOVE) of a shared view's page 2: the file's old 'x' at
  the private view's page 2 (Linux: zeros).
- ZA-005, ZA-006: (-e) page 0 stored 'A', madvise(MADV_DONTNEED) through a tagged
  address, pwrite64() of 'y' at page 0: the dropped 'A' kept, and forged bytes, at page
  0 (Linux: 'y').
- ZA-007: (-f) page 2 stored 'A', munmap() through a tagged address, pwrite64() of 'y',
  a MAP_FIXED private view of page 2 there: the old 'A' at page 2 (Linux: 'y').
- ZA-008: (-g) page 0 stored 'A', the view moved by mremap() from a tagged old
  address: forged bytes at the new place's page 1 (Linux: 'x').
- ZA-009, ZA-010: (-h) a vfork child stores 's' through a shared view at page 2 and
  exits: the file's old 'x', and forged bytes, at the private view's page 2.
- ZA-011, ZA-012: (-i) a thread stores 'T' through a shared view at page 2 and keeps
  running: the file's old 'x', and forged bytes, at the private view's page 2.
- ZA-013: (-j) pwrite64() of 'y' at page 2 through /proc/self/fd/N reopened O_RDWR:
  forged bytes at page 2.
- ZA-014: (-k) a fork child stores 'K' at page 2 of its own copy of the untouched view:
  'K' at the parent's page 2 (Linux: 'x').
- ZA-015: (-l) a vfork child pwrite64()s 'c' at page 2: forged bytes at page 2.
- ZA-016: (-m) a still running thread pwrite64()s 'T' at page 2: forged bytes there.
- ZA-017: (-n) fallocate(KEEP_SIZE) past a 1-page memfd's end: zeros mapped at page 2
  in place of SIGBUS (i_size unchanged).
- ZA-018, ZA-019: (-o) pwrite64() of 'y' at page 1, a 1-page view grown to 3 by
  mremap(): forged bytes, and the old 'x', at the grown view's page 1.
- ZA-020, ZA-021: (-p) a fork child moves its inherited shared view by mremap() and
  stores 'g' at page 2: the old 'x', and forged bytes, at the parent's page 2.
- ZA-022, ZA-023: (-q) 's' stored through a shared view, MADV_PAGEOUT and munmap() of
  it: the old 'x', and forged bytes, at the private view's page 2.
- ZA-024: (-r) MADV_REMOVE of a shared view's page 2 through a tagged address: the old
  'x' at the private view's page 2 (Linux: zeros).
- ZA-025, ZA-026: (-lp, -lq) as ZA-021 and ZA-023 after a vfork child that only
  pwrite64()s and exits.
- ZA-027: (-s) pwrite64() from a PROT_NONE buffer fails with EFAULT: forged bytes at
  page 2 (Linux: 'x').
- ZA-028, ZA-029: (-t) a still running thread cuts the memfd and grows it back:
  forged bytes, and the old 'x', at page 2 (Linux: zeros).
- ZA-030: (-u) a vfork child cuts and regrows the memfd: the old 'x' at page 2.
- ZA-031: (-v) a fork child punches a hole at page 2: the old 'x' at page 2.
- ZA-032: (-w) a private view of /proc/self/fd/N reopened, pwrite64() of 'y' through
  the first descriptor: forged bytes at the view's page 2.
- ZA-033: (-x) MADV_POPULATE_READ of the view, pwrite64() of 'y': forged bytes at page 2.
- ZA-034: (-z) two anonymous pages stored 'A', MADV_MERGEABLE: the kernel maps page
  0's frame at page 1 too, writable (a KSM merge without the write protection): the
  program's 'B' at page 0 shows at page 1 (Linux: a merged page is read-only,
  do_wp_page() copies it at the store; page 1 keeps 'A').
- ZA-035, ZA-036: (-A) the view shrunk to 1 page by mremap() from a tagged old address,
  pwrite64() of 'y' at page 2, the view grown back in place: forged bytes, and the old
  'x', at page 2 (Linux: 'y').
- ZA-037: (-B) page 0 stored 'A', MADV_DONTNEED, pwrite64() of 'y', a fork child reads
  the view: the dropped 'A' at the parent's page 0 (Linux: 'y').
- ZA-038, ZA-039: (-C, -lC) 's' stored through a shared view at page 2, MADV_DONTNEED
  and munmap() of the shared view (before it, a vfork child's pwrite64()): forged bytes
  at the private view's page 2 (Linux: 's').
- ZA-040: (-D) a MAP_SHARED view's page 2 read ('x'), pwrite64() of 'y': forged bytes
  mapped at the shared view's page 2 in place of the frame (x3 at the first marker:
  the shared view).
- ZA-041: (-E) page 2 stored 'A', ftruncate() to PAGE: the private copy 'A' mapped
  back at page 2, past the end (Linux: truncate_pagecache() unmaps private copies too,
  even_cows; the read raises SIGBUS).
- ZA-042: (-F) two anonymous pages stored 'A', MADV_DONTNEED of page 1 through a
  tagged address: the dropped 'A' mapped back at page 1 (Linux: zeros; qemu-user leaves
  the host page as it was).
- false refusal when written (claims, xfail then): (-y) page 2 read once, then
  pwrite64() of 'y' at page 2: Linux's private view still maps the page cache folio
  (do_read_fault() maps it read-only, only a write fault copies it: wp_page_copy()), so
  page 2 reads 'y' (qemu-aarch64-static: label 0).  The kernel model keeps its stale
  copy (label -4, not Linux); a kernel that drops that clean copy to map the file's new
  bytes is let through since (guardian/clean_pages.py: a frame still holding the bytes
  it entered a private view with may go, as try_to_unmap() reclaims a clean folio; the
  next fault owes the file's bytes, set_pt.cut_refault).
- Through with the Guardian on when written, refused since: ZA-009, 010, 025, 026, 039
  (a vfork child -- CLONE_VM | CLONE_VFORK, no CLONE_CHILD_CLEARTID, as posix_spawn()
  makes -- counted in the tree's clones for good, so confidential_admission's lone()
  stayed false and cut_movers.shared_frame() never judged a private view's page against
  the shared frame again; guardian/lone_thread.py counts it gone once its parent
  resumes from the vfork, mm_release() -> complete_vfork_done(), and a CLONE_VM child
  once a wait report reaps it: set_pt.cut_refault; the kernel model's own stale page 2
  at -h is refused too); ZA-011, 012 (while a thread that stored through the shared
  view still ran, the page was not judged: lone_thread.held_still judges it against the
  shared frame where every live thread of the tree is held in the kernel and none
  returned to user code since a call in flight that may fault began -- no store can
  follow wp_page_copy()'s copy; set_pt.cut_refault).
- honest (tests/test_redteam_r73b_claims.py): the pages as shmem_fault() gives them at
  the first fault.  qemu-aarch64-static: -abhijklmnopqstuvwxyzBCDE label 0; -c, -e,
  -r, -F: qemu-user's madvise leaves the host mapping as it was (label -4); -f, -g,
  -A: qemu-user does not untag munmap()/mremap() (-EINVAL, -EFAULT; Linux: __vm_munmap() and mremap() untag with
  untagged_addr()).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r70b import map_page
from attacks.families.redteam_r71b import fill_at_marker, remember
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario

RT = "redteam_r73b"
VICTIM = "secret_r73_mm"
PAGE = 4096
P_PUNCH, P_GROW, P_REMOVE, P_TAGDROP = 9500, 9504, 9508, 9512
P_TAGUNMAP, P_TAGREMAP, P_VFORKSTORE, P_THREADSTORE = 9516, 9520, 9524, 9528
P_PROCREOPEN, P_CHILDPRIV, P_VFORKWRITE, P_THREADWRITE = 9532, 9536, 9540, 9544
P_KEEPSIZE, P_GROWREMAP, P_CHILDREMAP, P_SHPAGEOUT = 9548, 9552, 9556, 9560
P_TAGREMOVE, P_FAILWRITE, P_THREADCUT, P_VFORKCUT = 9564, 9568, 9572, 9576
P_CHILDPUNCH, P_REOPENVIEW, P_POPREAD, P_READFIRST = 9580, 9584, 9588, 9592
P_KSM, P_TAGSHRINK, P_FORKDROP, P_SHDROP = 9596, 9600, 9604, 9608
P_SHREAD, P_CUTCOW, P_TAGANON = 9612, 9616, 9620
P_FIRST, P_LAST = 9500, 9620
DEFAULT_STEPS = (P_PUNCH, P_GROW, P_REMOVE, P_TAGDROP, P_TAGUNMAP, P_TAGREMAP,
                 P_PROCREOPEN, P_CHILDPRIV, P_VFORKWRITE, P_KEEPSIZE, P_GROWREMAP,
                 P_TAGREMOVE, P_FAILWRITE, P_THREADCUT, P_VFORKCUT, P_CHILDPUNCH,
                 P_REOPENVIEW, P_POPREAD, P_KSM, P_TAGSHRINK, P_FORKDROP,
                 P_SHREAD, P_CUTCOW, P_TAGANON)
DEFAULT_ARGS = b"-abcefgjklnorstuvwxzABDEF"
OPEN = "G-LEAVE-ON-REQUEST"


def _za(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        mprotect: Expect = Expect.REFUSED):
    return scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                    program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect)


def _at_marker(phase: int, page: int, byte: int = 0x51):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, a page of forged bytes
        (0x51, or bytes other than Linux's page) at the page: label -4."""
        fill_at_marker(adv, phase, page, byte)
    return steps


def _at_new_place(page: int, byte: int, phase: int = P_TAGREMAP):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The move (-g: from the tagged old address; -o: the grown view).  2. At the
        marker after it (x2 the new place), a page of `byte`s at the new place's page:
        label -4."""
        remember(adv, phase)

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            if args:
                a.memo["at"] = args[0]
            map_page(a, page, bytes([byte]) * PAGE)
    return steps


def claim_punch_hole(adv: Adversary) -> None:
    """-a: page 2 after the punched hole: zeros (shmem_fallocate() ->
    shmem_truncate_range()): label 0."""
    fill_at_marker(adv, P_PUNCH, 2, 0)


def claim_grow_hole(adv: Adversary) -> None:
    """-b: page 2 after fallocate() grew the file: zeros (shmem_fallocate() sets i_size,
    the pages its fallocated folios, zeroed at the fault): label 0."""
    fill_at_marker(adv, P_GROW, 2, 0)


def claim_remove_hole(adv: Adversary) -> None:
    """-c: the private view's page 2 after MADV_REMOVE of the shared view's page 2:
    zeros (madvise_remove() -> vfs_fallocate(PUNCH_HOLE)): label 0."""
    fill_at_marker(adv, P_REMOVE, 2, 0)


def claim_tagdrop_bytes(adv: Adversary) -> None:
    """-e: page 0 after the tagged MADV_DONTNEED and pwrite64() of 'y': 'y' (do_madvise()
    untags; zap_page_range_single() dropped the copy; shmem_fault()): label 0."""
    fill_at_marker(adv, P_TAGDROP, 0, ord("y"))


def claim_tagunmap_bytes(adv: Adversary) -> None:
    """-f: page 2 after the tagged munmap(), pwrite64() of 'y' and the MAP_FIXED view:
    'y' (__vm_munmap() untags): label 0."""
    fill_at_marker(adv, P_TAGUNMAP, 2, ord("y"))


def claim_vforkstore_bytes(adv: Adversary) -> None:
    """-h: the private view's page 2 after the vfork child's store: 's' (the child's
    shared vma maps the shmem folio): label 0."""
    fill_at_marker(adv, P_VFORKSTORE, 2, ord("s"))


def claim_threadstore_bytes(adv: Adversary) -> None:
    """-i: the private view's page 2 after the running thread's store: 'T': label 0."""
    fill_at_marker(adv, P_THREADSTORE, 2, ord("T"))


def claim_procreopen_bytes(adv: Adversary) -> None:
    """-j: page 2 after pwrite64() of 'y' through /proc/self/fd/N reopened: 'y'
    (proc_fd_link() -> the memfd's inode, shmem_write_end()): label 0."""
    fill_at_marker(adv, P_PROCREOPEN, 2, ord("y"))


def claim_vforkwrite_bytes(adv: Adversary) -> None:
    """-l: page 2 after the vfork child's pwrite64() of 'c': 'c': label 0."""
    fill_at_marker(adv, P_VFORKWRITE, 2, ord("c"))


def claim_threadwrite_bytes(adv: Adversary) -> None:
    """-m: page 2 after the running thread's pwrite64() of 'T': 'T': label 0."""
    fill_at_marker(adv, P_THREADWRITE, 2, ord("T"))


def claim_growremap_bytes(adv: Adversary) -> None:
    """-o: the grown view's page 1 after pwrite64() of 'y': 'y' (mremap() grows the vma
    over the file's next offsets, vma_to_resize(); shmem_fault()): label 0."""
    _at_new_place(1, ord("y"), P_GROWREMAP)(adv)


def claim_childremap_bytes(adv: Adversary) -> None:
    """-p: the parent's page 2 after the fork child's store 'g' through its moved shared
    view: 'g' (move_vma() keeps the file, the folio holds 'g'): label 0."""
    fill_at_marker(adv, P_CHILDREMAP, 2, ord("g"))


def claim_shpageout_bytes(adv: Adversary) -> None:
    """-q: page 2 after 's' stored through the shared view, MADV_PAGEOUT and munmap(): 's'
    (shmem_writepage() keeps it in swap, shmem_swapin_folio() at the fault): label 0."""
    fill_at_marker(adv, P_SHPAGEOUT, 2, ord("s"))


def claim_tagremove_hole(adv: Adversary) -> None:
    """-r: page 2 after MADV_REMOVE through a tagged address: zeros (do_madvise()
    untags): label 0."""
    fill_at_marker(adv, P_TAGREMOVE, 2, 0)


def claim_readfirst_bytes(adv: Adversary) -> None:
    """-y: page 2 read once ('x'), then pwrite64() of 'y' at page 2: the private view
    still maps the page cache folio (do_read_fault() maps it read-only; no copy before a
    write fault, wp_page_copy()), which the write changed: 'y'.  The kernel maps 'y' in
    place of its stale copy: label 0."""
    fill_at_marker(adv, P_READFIRST, 2, ord("y"))


def claim_threadcut_hole(adv: Adversary) -> None:
    """-t: page 2 after a running thread's cut and regrow: zeros: label 0."""
    fill_at_marker(adv, P_THREADCUT, 2, 0)


def claim_vforkcut_hole(adv: Adversary) -> None:
    """-u: page 2 after a vfork child's cut and regrow: zeros: label 0."""
    fill_at_marker(adv, P_VFORKCUT, 2, 0)


def claim_childpunch_hole(adv: Adversary) -> None:
    """-v: page 2 after a fork child's punched hole: zeros: label 0."""
    fill_at_marker(adv, P_CHILDPUNCH, 2, 0)


def claim_reopenview_bytes(adv: Adversary) -> None:
    """-w: page 2 of the view of the reopened file after pwrite64() of 'y' through the
    first descriptor: 'y' (one inode, one page cache): label 0."""
    fill_at_marker(adv, P_REOPENVIEW, 2, ord("y"))


def claim_failwrite_bytes(adv: Adversary) -> None:
    """-s: page 2 after the failed pwrite64(): 'x': label 0."""
    fill_at_marker(adv, P_FAILWRITE, 2, ord("x"))


def claim_shdrop_bytes(adv: Adversary) -> None:
    """-C: page 2 after 's' stored through the shared view, MADV_DONTNEED and munmap() of
    it: 's' (the page cache keeps the folio; shmem_fault()): label 0."""
    fill_at_marker(adv, P_SHDROP, 2, ord("s"))


_za("ZA-001", "(-a) fallocate(PUNCH_HOLE | KEEP_SIZE) of the memfd's page 2: map a page of "
    "forged bytes at the untouched private view's page 2",
    "A punched hole reads zeros (shmem_fallocate() -> shmem_truncate_range()).",
    (b"-a",))(_at_marker(P_PUNCH, 2))
_za("ZA-002", "(-a) After the punched hole at page 2, map the file's old 'x' there",
    "The hole dropped the old folio: zeros, not 'x'.", (b"-a",))(
    _at_marker(P_PUNCH, 2, ord("x")))
_za("ZA-003", "(-b) fallocate(fd, 0, 0, 3 * PAGE) of a 1-page memfd under a 3-page view: "
    "map a page of forged bytes at page 2",
    "fallocate grows i_size over zeroed folios (shmem_fallocate()): page 2 reads zeros.",
    (b"-b",))(_at_marker(P_GROW, 2))
_za("ZA-004", "(-c) madvise(MADV_REMOVE) of a shared view's page 2: map the file's old 'x' "
    "at the private view's page 2",
    "MADV_REMOVE punches the file (madvise_remove() -> vfs_fallocate()): zeros.",
    (b"-c",))(_at_marker(P_REMOVE, 2, ord("x")))
_za("ZA-005", "(-e) Page 0 stored 'A', madvise(MADV_DONTNEED) through a tagged address, "
    "pwrite64() of 'y' at page 0: map the dropped 'A' at page 0",
    "do_madvise() untags the address and drops the private copy: the fault reads the "
    "file's 'y'.", (b"-e",))(_at_marker(P_TAGDROP, 0, ord("A")))
_za("ZA-006", "(-e) After the tagged MADV_DONTNEED and pwrite64() of 'y', map a page of "
    "forged bytes at page 0", "Page 0 reads 'y' (shmem_fault()).", (b"-e",))(
    _at_marker(P_TAGDROP, 0))
_za("ZA-007", "(-f) Page 2 stored 'A', munmap() of it through a tagged address, pwrite64() "
    "of 'y', a MAP_FIXED private view of page 2: map the old 'A' there",
    "__vm_munmap() untags: the copy is gone, the new view reads 'y'.", (b"-f",))(
    _at_marker(P_TAGUNMAP, 2, ord("A")))
_za("ZA-008", "(-g) Page 0 stored 'A', the view moved by mremap() from a tagged old "
    "address: map a page of forged bytes at the new place's page 1",
    "mremap() untags the old address, move_vma() keeps file and offsets: page 1 reads "
    "'x'.", (b"-g",))(_at_new_place(1, 0x51))
_za("ZA-009", "(-h) A vfork child stores 's' through a shared view at page 2 and exits: map "
    "the file's old 'x' at the private view's page 2",
    "The shared store filled the file's folio (shmem_fault()): 's'.", (b"-h",))(
    _at_marker(P_VFORKSTORE, 2, ord("x")))
_za("ZA-010", "(-h) After the vfork child's store, map a page of forged bytes at the "
    "private view's page 2", "Page 2 reads 's'.", (b"-h",))(
    _at_marker(P_VFORKSTORE, 2))
_za("ZA-011", "(-i) A thread stores 'T' through a shared view at page 2 and keeps running: "
    "map the file's old 'x' at the private view's page 2",
    "The thread's store filled the file's folio: 'T'.", (b"-i",))(
    _at_marker(P_THREADSTORE, 2, ord("x")))
_za("ZA-012", "(-i) After the running thread's store, map a page of forged bytes at the "
    "private view's page 2", "Page 2 reads 'T'.", (b"-i",))(
    _at_marker(P_THREADSTORE, 2))
_za("ZA-013", "(-j) pwrite64() of 'y' at page 2 through /proc/self/fd/N reopened O_RDWR: "
    "map a page of forged bytes at page 2",
    "The reopened file is the memfd (proc_fd_link()): page 2 reads 'y'.", (b"-j",))(
    _at_marker(P_PROCREOPEN, 2))
_za("ZA-014", "(-k) A fork child stores 'K' at page 2 of its copy of the untouched view: "
    "map 'K' at the parent's page 2",
    "The child's store broke CoW in its own mm (do_wp_page()): the parent reads 'x'.",
    (b"-k",))(_at_marker(P_CHILDPRIV, 2, ord("K")))
_za("ZA-015", "(-l) A vfork child pwrite64()s 'c' at page 2 and exits: map a page of "
    "forged bytes at page 2", "The child's write filled the file's page "
    "(shmem_write_end()): 'c'.", (b"-l",))(_at_marker(P_VFORKWRITE, 2))
_za("ZA-016", "(-m) A thread pwrite64()s 'T' at page 2 and keeps running: map a page of "
    "forged bytes at page 2", "Page 2 reads 'T' once the write returned.", (b"-m",))(
    _at_marker(P_THREADWRITE, 2))
_za("ZA-017", "(-n) fallocate(KEEP_SIZE, 0, 3 * PAGE) of a 1-page memfd under a 3-page "
    "view: map zeros at page 2 instead of raising SIGBUS",
    "KEEP_SIZE leaves i_size at PAGE (shmem_fallocate()): page 2 faults SIGBUS "
    "(shmem_fault() -> VM_FAULT_SIGBUS).", (b"-n",))(_at_marker(P_KEEPSIZE, 2, 0))
_za("ZA-018", "(-o) pwrite64() of 'y' at page 1, a 1-page view grown to 3 by mremap(): "
    "map a page of forged bytes at the grown view's page 1",
    "The grown vma maps the file's next offsets (vma_to_resize()): page 1 reads 'y'.",
    (b"-o",))(_at_new_place(1, 0x51, P_GROWREMAP))
_za("ZA-019", "(-o) After the grown view, map the file's old 'x' at its page 1",
    "Page 1 reads 'y' since the pwrite64.", (b"-o",))(
    _at_new_place(1, ord("x"), P_GROWREMAP))
_za("ZA-020", "(-p) A fork child moves its inherited shared view by mremap() and stores 'g' "
    "at page 2: map the file's old 'x' at the parent's private page 2",
    "move_vma() keeps the file and offsets: the folio holds 'g' (shmem_fault()).",
    (b"-p",))(_at_marker(P_CHILDREMAP, 2, ord("x")))
_za("ZA-021", "(-p) After the fork child's store through its moved shared view, map a page "
    "of forged bytes at the parent's private page 2", "Page 2 reads 'g'.", (b"-p",))(_at_marker(P_CHILDREMAP, 2))
_za("ZA-022", "(-q) 's' stored through a shared view at page 2, MADV_PAGEOUT and munmap() "
    "of it: map the file's old 'x' at the private view's page 2",
    "A paged-out shmem folio is swapped back at the fault (shmem_swapin_folio()): 's'.",
    (b"-q",))(_at_marker(P_SHPAGEOUT, 2, ord("x")))
_za("ZA-023", "(-q) After the shared page's page-out and the view's munmap(), map a page of "
    "forged bytes at the private view's page 2", "Page 2 reads 's'.", (b"-q",))(_at_marker(P_SHPAGEOUT, 2))
_za("ZA-024", "(-r) madvise(MADV_REMOVE) of a shared view's page 2 through a tagged "
    "address: map the file's old 'x' at the private view's page 2",
    "do_madvise() untags, madvise_remove() punches the file: zeros.", (b"-r",))(
    _at_marker(P_TAGREMOVE, 2, ord("x")))
_za("ZA-025", "(-lp) After a vfork child that only pwrite64()s and exits, a fork child "
    "stores 'g' through its moved shared view: map a page of forged bytes at the "
    "parent's private page 2",
    "Page 2 reads 'g' (shmem_fault()); a vfork child that exited stores nothing more "
    "(mm_release() woke its parent, exit_mm() dropped the shared mm).", (b"-lp",))(
    _at_marker(P_CHILDREMAP, 2))
_za("ZA-026", "(-lq) After a vfork child that only pwrite64()s and exits, 's' stored "
    "through a shared view, paged out and unmapped: map a page of forged bytes at the "
    "private view's page 2", "Page 2 reads 's' (shmem_swapin_folio()).", (b"-lq",))(
    _at_marker(P_SHPAGEOUT, 2))
_za("ZA-027", "(-s) pwrite64() of page 2 from a PROT_NONE buffer fails with EFAULT: map a "
    "page of forged bytes at page 2",
    "A write that copied nothing leaves the file (generic_perform_write(): -EFAULT "
    "before any byte): page 2 reads 'x'.", (b"-s",))(_at_marker(P_FAILWRITE, 2))
_za("ZA-028", "(-t) A thread cuts the memfd to PAGE and grows it back and keeps running: "
    "map a page of forged bytes at page 2",
    "The cut dropped page 2 (shmem_truncate_range()): zeros.", (b"-t",))(
    _at_marker(P_THREADCUT, 2))
_za("ZA-029", "(-t) After the running thread's cut and regrow, map the file's old 'x' at "
    "page 2", "Zeros, not the dropped 'x'.", (b"-t",))(
    _at_marker(P_THREADCUT, 2, ord("x")))
_za("ZA-030", "(-u) A vfork child cuts the memfd to PAGE and grows it back: map the file's "
    "old 'x' at page 2", "The child's cut is the file's (one inode): zeros.", (b"-u",))(
    _at_marker(P_VFORKCUT, 2, ord("x")))
_za("ZA-031", "(-v) A fork child punches a hole at page 2: map the file's old 'x' at the "
    "parent's page 2", "The hole reads zeros (shmem_fallocate()).", (b"-v",))(
    _at_marker(P_CHILDPUNCH, 2, ord("x")))
_za("ZA-032", "(-w) A view of /proc/self/fd/N reopened O_RDWR, pwrite64() of 'y' at page 2 "
    "through the first descriptor: map a page of forged bytes at the view's page 2",
    "Both open files are the memfd's inode (proc_fd_link()): page 2 reads 'y'.",
    (b"-w",))(_at_marker(P_REOPENVIEW, 2))
_za("ZA-033", "(-x) madvise(MADV_POPULATE_READ) of the view, pwrite64() of 'y' at page 2: "
    "map a page of forged bytes at page 2",
    "The populated page is the page cache folio the write changed: 'y'.", (b"-x",))(
    _at_marker(P_POPREAD, 2))


@_za("ZA-034", "(-z) Two anonymous pages stored 'A', madvise(MADV_MERGEABLE): map page 0's "
     "frame at page 1 too, writable, so the program's store of 'B' at page 0 shows at "
     "page 1",
     "KSM merges equal pages write-protected (write_protect_page(), replace_page()); a "
     "store copies the page (do_wp_page()): page 1 keeps 'A'.", (b"-z",))
def za_ksm_alias(adv: Adversary) -> None:
    """1. Both pages stored 'A', MADV_MERGEABLE.  2. At the marker after it, page 1's
    entry replaced by page 0's frame with page 0's (writable) entry bits: the store of
    'B' lands in both: label -4."""
    @adv.on(Point.MARKER, phase=P_KSM + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = args[0] if args else 0
        mm = a.init.mm
        desc = mm.tables.lookup(at) if at else 0
        if not desc:
            a.note("no mapping to alias")
            return
        try:
            mm.zap(at + PAGE, at + 2 * PAGE)
            mm.tables.set(at + PAGE, desc)
            a.el1.tlbi_all()
            a.note(f"page 0's frame aliased at {at + PAGE:#x}")
        except Exception as exc:
            a.refused(f"the alias at {at + PAGE:#x}: {exc!r}")
_za("ZA-035", "(-A) The view shrunk to 1 page by mremap() from a tagged address, pwrite64() "
    "of 'y' at page 2, the view grown back in place: map a page of forged bytes at page 2",
    "mremap() untags the old address; the regrown vma maps the file's offsets "
    "(vma_to_resize()): page 2 reads 'y'.", (b"-A",))(_at_marker(P_TAGSHRINK, 2))
_za("ZA-036", "(-A) After the tagged shrink, pwrite64() and regrow, map the file's old 'x' "
    "at page 2", "Page 2 reads 'y' since the pwrite64.", (b"-A",))(
    _at_marker(P_TAGSHRINK, 2, ord("x")))
_za("ZA-037", "(-B) Page 0 stored 'A', MADV_DONTNEED, pwrite64() of 'y', a fork child read "
    "the view: map the dropped 'A' at the parent's page 0",
    "MADV_DONTNEED dropped the private copy (zap_page_range_single()): the refault "
    "reads the file's 'y'.", (b"-B",))(_at_marker(P_FORKDROP, 0, ord("A")))
_za("ZA-038", "(-C) 's' stored through a shared view at page 2, MADV_DONTNEED and munmap() "
    "of it: map a page of forged bytes at the private view's page 2",
    "Dropping a shared file page unmaps it; the page cache keeps the folio "
    "(zap_page_range_single(), shmem_fault()): 's'.", (b"-C",))(_at_marker(P_SHDROP, 2))
_za("ZA-039", "(-lC) After a vfork child's pwrite64(), 's' stored through a shared view, "
    "MADV_DONTNEED and munmap() of it: map a page of forged bytes at page 2",
    "Page 2 reads 's'; the vfork child that exited stores nothing more.", (b"-lC",))(
    _at_marker(P_SHDROP, 2))
_za("ZA-040", "(-D) A MAP_SHARED view's page 2 read, then pwrite64() of 'y' at page 2: map "
    "a page of forged bytes at the shared view's page 2",
    "The shared view maps the page cache folio the write changed: 'y'.", (b"-D",))(
    _at_marker(P_SHREAD, 2))
_za("ZA-041", "(-E) Page 2 stored 'A', ftruncate() of the memfd to PAGE: map the private "
    "copy 'A' back at page 2 instead of raising SIGBUS",
    "truncate_pagecache() -> unmap_mapping_range(even_cows=1) drops private copies "
    "past the end; the fault raises SIGBUS (shmem_fault()).", (b"-E",))(
    _at_marker(P_CUTCOW, 2, ord("A")))
_za("ZA-042", "(-F) Two anonymous pages stored 'A', MADV_DONTNEED of page 1 through a tagged "
    "address: map the dropped 'A' back at page 1",
    "do_madvise() untags; a dropped anonymous page refaults as zeros "
    "(do_anonymous_page()).", (b"-F",))(_at_marker(P_TAGANON, 1, ord("A")))
