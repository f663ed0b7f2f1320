"""Red-team round 74b: MAP_PRIVATE views of a memfd only a confidential program holds,
against guardian/clean_pages.py (a clean private page -- its digest at mapping time --
may be dropped and refaulted with the file's current bytes), guardian/lone_thread.py (a
vfork child gone once its parent resumes, a thread once its CLEARTID is cleared) and
memfds passed over SCM_RIGHTS: a page the program stored the very bytes it held into
(or stored other bytes and then those), a page a read() filled, a CLONE_VM |
CLONE_VFORK child with exit signal 0 (never reaped) or an exited thread that stored
through a shared view, and a memfd in flight or received back over a socketpair.

On the victim `secret_r74_mm` (markers from 9800: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping; P + 1 after its label; each step runs when its
letter is in the argument "-LETTERS"):

- ZD-001, ZD-002: (-a) page 2 read ('x'), stored 'x' by the program, pwrite64() of 'y':
  the file's 'y', and forged bytes, at page 2 (Linux: the store's write fault copied
  the folio, wp_page_copy(); the anonymous copy keeps 'x').
- ZD-003: (-b) page 2 read, stored 'A' then 'x', pwrite64() of 'y': 'y' at page 2
  (Linux: 'x', the anonymous copy).
- ZD-004, ZD-005: (-c) page 2 read, pread64() of 'x' into it from another memfd,
  pwrite64() of 'y': 'y', and forged bytes, at page 2 (Linux: the read's copy_to_user()
  write-faulted the page, do_wp_page() -> wp_page_copy(): 'x').
- ZD-006, ZD-007: (-e) pread64() of 'r' into the untouched page 2, pwrite64() of 'y':
  'y', and the file's old 'x', at page 2 (Linux: 'r', the copy the read filled).
- ZD-008, ZD-009: (-f) a clone(CLONE_VM | CLONE_VFORK) child with exit signal 0 stores
  's' through a shared view and exits, never reaped: the old 'x', and forged bytes, at
  the private view's page 2 (Linux: 's'; copy_process() waits for the child's
  mm_release() -> complete_vfork_done(), wait_for_vfork_done()).
- ZD-010, ZD-011: (-g) a thread stores 's' through a shared view and exits
  (tgkill() finds it gone: ESRCH, its CLEARTID cleared): the old 'x', and forged bytes, at page 2
  (Linux: 's').
- ZD-012, ZD-013: (-h) the memfd sent over a socketpair (SCM_RIGHTS, never received),
  page 2 read, pwrite64() of 'y': forged bytes, and the stale 'x', at page 2 (Linux:
  the read fault mapped the page cache folio, do_read_fault(): 'y'; a file in flight
  is held by the program's own socket, no other process can write it).
- ZD-014, ZD-015: (-i) the memfd sent and received back (a second descriptor of the
  same file, scm_detach_fds()), pwrite64() of 'y' through it: forged bytes, and the
  stale 'x', at the untouched page 2 (Linux: 'y', shmem_fault()).
- ZD-016: (-a) as ZD-001, the kernel only drops the program's copy: its refault maps
  the file's 'y' (Linux: the copy is anonymous, swapped out and back by do_swap_page()).
- ZD-017: (-h) the kernel keeps its read fault's private copy 'x' after pwrite64() of
  'y' (Linux: the read fault mapped the page cache folio, do_read_fault(): 'y').
- Through with the Guardian on when written, refused since: ZD-001..005, 016
  (clean_pages.may_drop() let a frame go whose bytes still matched its digest at mapping
  time, though the program's store -- or a read() into the page, copy_to_user() -- made
  it an anonymous copy no later write to the file reaches; now a frame is clean only
  while no leaf writable at EL0 ever mapped it, and the kernel model maps a private
  file page's read fault read-only as Linux does, do_read_fault(): set_pt.discard_leaf).
  Through: ZD-017 (the kernel model's own stale read-fault copy); defended since round
  75b's fixes (the Guardian writes the bytes into the clean page, clean_pages.show_write).
  Refused: ZD-006, 007, ZD-008..015.
- ZD-018, ZD-019: (-j) a thread stores 's' through a shared view and then waits in
  futex(FUTEX_WAIT) while the program reads its private view: forged bytes, and the
  old 'x', at page 2 (Linux: 's').
- ZD-020, ZD-021: (-k) as -j, the thread blocked in read() of an empty pipe: forged
  bytes, and the old 'x', at page 2 (Linux: 's').
- ZD-022, ZD-023: (-l) a clone3(CLONE_VM | CLONE_VFORK, SIGCHLD) child without a stack
  of its own stores 's' through a shared view and exits, reaped: the old 'x', and
  forged bytes, at page 2 (Linux: 's').
- Through with the Guardian on when written, refused since: ZD-018..021 (the thread
  waiting in futex() or read() began that call before the program's last return to
  user code, so lone_thread.held_still() did not hold and the page was not judged
  against the shared frame; now lone_thread.asleep_since() holds where every other
  thread entered the call it is still in before the faulting thread entered its fault
  and the Guardian stored nothing since: set_pt.cut_refault, in mprotect mode too, as
  ZD-010, 011 are now; the kernel model's own stale page is refused as well).
  Refused: ZD-022, 023.
- ZD-024, ZD-025: (-m) a vfork child stores 's' through a shared view and execs the
  program (its new image exits at once), not yet reaped: forged bytes, and the old
  'x', at the private view's page 2 (Linux: 's'; the parent resumes at the child's
  exec_mmap() -> mm_release() -> complete_vfork_done(), the child never touches the
  old mm again).  Through with the Guardian on when written, and still: the child is
  counted gone once its parent resumes (vfork_done), but its exec keeps the memfd
  (created without MFD_CLOEXEC) in the new image, so the file is no longer followed
  (sole_held.note_exec(): another image may write it through that descriptor, as on
  Linux) and page 2 is not judged; the kernel model's own stale page is let through
  too (label -4).
- honest (tests/test_redteam_r74b_claims.py): the pages as Linux gives them, let
  through: -f and -g 's' (the CLONE_VM | CLONE_VFORK child with exit signal 0 is gone
  once its parent resumes, the exited thread once its CLEARTID is cleared), -h and -i
  'y'.
  -j, -k, -l, -m 's', all let through.  qemu-aarch64-static: -abceghijk label 0;
  -m label -4 (qemu-user runs vfork() as a fork and does not wait for the exec); -f label
  -4 (qemu-user runs a CLONE_VM | CLONE_VFORK clone as a fork and does not wait for
  it); -l label -4 (qemu-user's clone3 fails).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r70b import copy_read_faults
from attacks.families.redteam_r71b import fill_at_marker, remember
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r74b"
VICTIM = "secret_r74_mm"
PAGE = 4096
P_SAMESTORE, P_BACKSTORE, P_READSAME, P_READDIFF = 9800, 9804, 9808, 9812
P_VFORK0, P_THREADEXIT, P_SCMOUT, P_SCMBACK = 9816, 9820, 9824, 9828
P_FUTEXHELD, P_READHELD, P_CLONE3VF, P_VFORKEXEC = 9832, 9836, 9840, 9844
P_FIRST, P_LAST = 9800, 9844
DEFAULT_STEPS = (P_SAMESTORE, P_BACKSTORE, P_READSAME, P_READDIFF, P_SCMBACK)
DEFAULT_ARGS = b"-abcei"
OPEN = "G-LEAVE-ON-REQUEST"


def _zd(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        mprotect: Expect = Expect.REFUSED, silent: str = ""):
    register = scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                        program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect,
                        silent=silent)
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


#: the scenarios whose kernel keeps its read fault's own copy, where Linux (and the kernel
#: model) maps the memfd's folio: they run a kernel that copies at the read fault
COPY_READS = ('ZD-017',)


def _at_marker(phase: int, page: int, byte: int = 0x51):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, a page of forged bytes
        (0x51, or bytes other than Linux's page) at the page: label -4."""
        fill_at_marker(adv, phase, page, byte)
    return steps


def claim_vfork0_bytes(adv: Adversary) -> None:
    """-f: page 2 after the CLONE_VM | CLONE_VFORK child's store 's' through the shared
    view: 's' (shmem_fault()): label 0."""
    fill_at_marker(adv, P_VFORK0, 2, ord("s"))


def claim_threadexit_bytes(adv: Adversary) -> None:
    """-g: page 2 after the exited thread's store 's': 's': label 0."""
    fill_at_marker(adv, P_THREADEXIT, 2, ord("s"))


def claim_scmout_bytes(adv: Adversary) -> None:
    """-h: page 2 read, the memfd in flight, pwrite64() of 'y': the page cache folio the
    read fault mapped, now 'y' (do_read_fault()): label 0."""
    fill_at_marker(adv, P_SCMOUT, 2, ord("y"))


def claim_scmback_bytes(adv: Adversary) -> None:
    """-i: page 2 after pwrite64() of 'y' through the descriptor received back: 'y'
    (one inode, shmem_fault()): label 0."""
    fill_at_marker(adv, P_SCMBACK, 2, ord("y"))


_zd("ZD-001", "(-a) Page 2 read, stored 'x' by the program, pwrite64() of 'y': drop the "
    "program's copy (its digest as mapped) and map the file's 'y' at page 2",
    "The program's store write-faulted the page: wp_page_copy() made an anonymous copy "
    "the file's later writes never reach: page 2 reads 'x'.", (b"-a",))(
    _at_marker(P_SAMESTORE, 2, ord("y")))
_zd("ZD-002", "(-a) After the program's store of 'x' and pwrite64() of 'y', map a page of "
    "forged bytes at page 2", "Page 2 reads 'x' (the anonymous copy).", (b"-a",))(
    _at_marker(P_SAMESTORE, 2))
_zd("ZD-003", "(-b) Page 2 read, stored 'A' then 'x', pwrite64() of 'y': map the file's 'y' "
    "at page 2", "The first store copied the folio (wp_page_copy()); the copy holds 'x'.",
    (b"-b",))(_at_marker(P_BACKSTORE, 2, ord("y")))
_zd("ZD-004", "(-c) Page 2 read, pread64() of 'x' into it from another memfd, pwrite64() of "
    "'y': map the file's 'y' at page 2",
    "copy_to_user() write-faulted the page (do_wp_page() -> wp_page_copy()): the copy "
    "keeps 'x'.", (b"-c",))(_at_marker(P_READSAME, 2, ord("y")))
_zd("ZD-005", "(-c) After pread64() of the same bytes and pwrite64() of 'y', map a page of "
    "forged bytes at page 2", "Page 2 reads 'x'.", (b"-c",))(_at_marker(P_READSAME, 2))
_zd("ZD-006", "(-e) pread64() of 'r' into the untouched page 2, pwrite64() of 'y': map the "
    "file's 'y' at page 2",
    "The read's write fault made an anonymous copy (do_cow_fault()): 'r'.", (b"-e",))(
    _at_marker(P_READDIFF, 2, ord("y")))
_zd("ZD-007", "(-e) After pread64() of 'r' into page 2, map the file's old 'x' there",
    "Page 2 reads 'r'.", (b"-e",))(_at_marker(P_READDIFF, 2, ord("x")))
_zd("ZD-008", "(-f) A clone(CLONE_VM | CLONE_VFORK) child with exit signal 0 stores 's' "
    "through a shared view and exits, never reaped: map the file's old 'x' at the "
    "private view's page 2",
    "The parent resumes once the child left the mm (complete_vfork_done()); its store "
    "filled the file's folio: 's'.", (b"-f",))(_at_marker(P_VFORK0, 2, ord("x")))
_zd("ZD-009", "(-f) After the unreaped CLONE_VM | CLONE_VFORK child's store, map a page of "
    "forged bytes at page 2", "Page 2 reads 's'.", (b"-f",))(_at_marker(P_VFORK0, 2))
_zd("ZD-010", "(-g) A thread stores 's' through a shared view and exits (found gone): map the "
    "file's old 'x' at the private view's page 2",
    "The thread's store filled the file's folio: 's'.", (b"-g",))(
    _at_marker(P_THREADEXIT, 2, ord("x")))
_zd("ZD-011", "(-g) After the exited thread's store, map a page of forged bytes at page 2",
    "Page 2 reads 's'.", (b"-g",))(_at_marker(P_THREADEXIT, 2))
_zd("ZD-012", "(-h) The memfd sent over a socketpair and left in flight, page 2 read, "
    "pwrite64() of 'y': map a page of forged bytes at page 2",
    "Only the program's own socket holds the file in flight (unix_attach_fds()); the read "
    "fault mapped the page cache folio: 'y'.", (b"-h",), mprotect=Expect.SUCCEEDS)(_at_marker(P_SCMOUT, 2))
_zd("ZD-013", "(-h) After the memfd went in flight and pwrite64() of 'y', map the stale 'x' "
    "at page 2", "Page 2 reads 'y' (do_read_fault() mapped the folio the write changed).",
    (b"-h",), mprotect=Expect.SUCCEEDS)(_at_marker(P_SCMOUT, 2, ord("x")))
_zd("ZD-014", "(-i) The memfd sent and received back, pwrite64() of 'y' through the received "
    "descriptor: map a page of forged bytes at the untouched page 2",
    "The received descriptor is the same file (scm_detach_fds()): page 2 reads 'y'.",
    (b"-i",), mprotect=Expect.SUCCEEDS)(_at_marker(P_SCMBACK, 2))
_zd("ZD-015", "(-i) After pwrite64() of 'y' through the received descriptor, map the file's "
    "old 'x' at page 2", "Page 2 reads 'y'.", (b"-i",), mprotect=Expect.SUCCEEDS)(_at_marker(P_SCMBACK, 2, ord("x")))


@_zd("ZD-016", "(-a) Page 2 read, stored 'x' by the program, pwrite64() of 'y': drop the "
     "program's copy (its digest as mapped) and let the next fault map the file's page",
     "The program's copy is anonymous memory (wp_page_copy()); reclaim swaps it out and "
     "back (do_swap_page()), never refills it from the file: page 2 reads 'x'.",
     (b"-a",))
def zd_drop_stored_copy(adv: Adversary) -> None:
    """1. The step's calls.  2. At its marker after them, page 2's entry cleared: the
    kernel model's refault maps the file's 'y': label -4."""
    remember(adv, P_SAMESTORE)

    @adv.on(Point.MARKER, phase=P_SAMESTORE + 2)
    def _(a: Adversary, **_: object) -> None:
        at = a.memo.get("at", 0)
        if not at:
            a.note("no mapping to drop")
            return
        try:
            a.init.mm.zap(at + 2 * PAGE, at + 3 * PAGE)
            a.el1.tlbi_all()
            a.note(f"page 2 dropped at {at + 2 * PAGE:#x}")
        except Exception as exc:
            a.refused(f"the drop at {at + 2 * PAGE:#x}: {exc!r}")


@_zd("ZD-017", "(-h) The memfd in flight over SCM_RIGHTS, page 2 read, pwrite64() of 'y': "
     "keep the read fault's stale copy 'x' at page 2",
     "The read fault mapped the page cache folio itself (do_read_fault() -> "
     "finish_fault()); the write changed that folio: page 2 reads 'y'.", (b"-h",),
     mprotect=Expect.SUCCEEDS,
     silent="the Guardian writes a write's bytes into each clean private page of the file "
     "(clean_pages.show_write): the page shows them, as the page cache folio does")
def zd_stale_read_copy(adv: Adversary) -> None:
    """1. The step's calls; the kernel keeps the private copy its read fault made.
    2. The program reads 'x' where Linux shows 'y': label -4."""
    remember(adv, P_SCMOUT)


def claim_futexheld_bytes(adv: Adversary) -> None:
    """-j: page 2 after the store 's' of the thread now asleep in futex(): 's'
    (shmem_fault()): label 0."""
    fill_at_marker(adv, P_FUTEXHELD, 2, ord("s"))


def claim_readheld_bytes(adv: Adversary) -> None:
    """-k: page 2 after the store 's' of the thread now blocked in read(): 's': label 0."""
    fill_at_marker(adv, P_READHELD, 2, ord("s"))


def claim_clone3vf_bytes(adv: Adversary) -> None:
    """-l: page 2 after the clone3() vfork child's store 's': 's': label 0."""
    fill_at_marker(adv, P_CLONE3VF, 2, ord("s"))


_zd("ZD-018", "(-j) A thread stores 's' through a shared view, then sleeps in "
    "futex(FUTEX_WAIT): map a page of forged bytes at the private view's page 2",
    "The thread's store filled the file's folio (shmem_fault()): 's'; a thread asleep "
    "in futex_wait() stores nothing.", (b"-j",))(_at_marker(P_FUTEXHELD, 2))
_zd("ZD-019", "(-j) After the sleeping thread's store, map the file's old 'x' at page 2",
    "Page 2 reads 's'.", (b"-j",))(
    _at_marker(P_FUTEXHELD, 2, ord("x")))
_zd("ZD-020", "(-k) A thread stores 's' through a shared view, then blocks in read() of an "
    "empty pipe: map a page of forged bytes at the private view's page 2",
    "Page 2 reads 's'; pipe_read() waits before it copies a byte.", (b"-k",))(_at_marker(P_READHELD, 2))
_zd("ZD-021", "(-k) After the blocked thread's store, map the file's old 'x' at page 2",
    "Page 2 reads 's'.", (b"-k",))(
    _at_marker(P_READHELD, 2, ord("x")))
_zd("ZD-022", "(-l) A clone3(CLONE_VM | CLONE_VFORK) child stores 's' through a shared view "
    "and exits: map the file's old 'x' at the private view's page 2",
    "clone3() makes the same vfork child (kernel_clone(), wait_for_vfork_done()): 's'.",
    (b"-l",))(_at_marker(P_CLONE3VF, 2, ord("x")))
_zd("ZD-023", "(-l) After the clone3() vfork child's store, map a page of forged bytes at "
    "page 2", "Page 2 reads 's'.", (b"-l",))(_at_marker(P_CLONE3VF, 2))


def claim_vforkexec_bytes(adv: Adversary) -> None:
    """-m: page 2 after the store 's' of the vfork child that then exec'd: 's'
    (shmem_fault()): label 0."""
    fill_at_marker(adv, P_VFORKEXEC, 2, ord("s"))


_zd("ZD-024", "(-m) A vfork child stores 's' through a shared view and execs: map a page of "
    "forged bytes at the private view's page 2",
    "The child's store filled the file's folio: 's'; once exec_mmap() resumed the "
    "parent (complete_vfork_done()) the child runs in its new mm only.", (b"-m",),
    gap="P2")(_at_marker(P_VFORKEXEC, 2))
_zd("ZD-025", "(-m) After the exec'ing vfork child's store, map the file's old 'x' at page 2",
    "Page 2 reads 's'.", (b"-m",), gap="P2")(_at_marker(P_VFORKEXEC, 2, ord("x")))
