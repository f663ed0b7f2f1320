"""Red-team round 79b: the writable-refault rule round 78b's fixes added
(guardian/cut_writable.py: set_pt.cut_writable, swap_in.clean_writable) against the calls
a confidential program makes around its clean private pages of a memfd.

The victims are round 76b's `secret_r76_mm` (its steps and markers:
attacks/families/redteam_r76b.py) and this round's `secret_r79_mm` (built on the kits: a
memfd view's page 2 read, then pwrite64() of 'y', with a signal handler in one of four
shapes, a second thread blocked in read(), a fork child's CLONE_CHILD_SETTID word at
page 2, or a locked view -- mprotect() of a locked PROT_READ view, mlock(), mlockall(),
MAP_LOCKED -- where Linux itself copies; markers from 11400).

ZS-001..ZS-028: page 2 of the step's MAP_PRIVATE view
of the memfd (3 pages of 'x') read -- a clean page, the page cache folio under Linux --
then, while a call of the program is in flight that writes no user memory at page 2,
the kernel drops page 2 and maps it WRITABLE on a fresh copy of the file's 'x' (or swaps
it out and back in writable); the file's later change ('y') misses the copy, the step
reads 'x' and indexes its log buffer at -4, writing the secret's bytes to /dev/null.
ZS-029..ZS-031 are the other way round: Linux copies page 2 (a locked writable private
view is populated with FOLL_WRITE), the kernel does not, and the program sees 'y' where
Linux shows 'x'.

Linux: a page a private view left empty comes back on its next fault; a read fault maps
the page cache folio read-only (do_read_fault() -> finish_fault(): no write bit without
FAULT_FLAG_WRITE), only a write fault copies (do_cow_fault(), wp_page_copy()).  A call
write-faults user memory only where it stores: copy_to_user()/put_user() at the buffers
its arguments name, or a FOLL_WRITE gup (populate_vma_page_range() of a writable VMA:
mlock(), MADV_POPULATE_WRITE, mprotect_fixup() of a VM_LOCKED private view made
writable).  None of the calls below stores at page 2, so no Linux maps page 2 writable
while they run: the view keeps showing the file's later write ('y', label 0).

- ZS-001 (-r): openat() of /proc/self/fd/N enters: do_sys_openat2() -> getname() only
  reads the path (strncpy_from_user()); no store.  Refused since round 79b's fixes
  (set_pt.cut_writable: openat is a call that stores nothing).
- ZS-002 (-s): dup() enters: ksys_dup() touches no user memory.  Refused since round
  79b's fixes (set_pt.cut_writable).
- ZS-003 (-u): pipe2() enters: do_pipe2() stores the two descriptors at its `fildes`
  argument only (copy_to_user(fildes, fd, sizeof(fd))), on the stack.  Refused since
  round 79b's fixes (set_pt.cut_writable: pipe2's pointer argument, 8 bytes).
- ZS-004 (-q): memfd_create() of the source memfd enters: it reads the name
  (strncpy_from_user()) and stores nothing.  Refused since round 79b's fixes
  (set_pt.cut_writable).
- ZS-005 (-C): mprotect(PROT_NONE) enters: mprotect_fixup() -> change_protection()
  only rewrites present entries; it populates (a write fault) only a VM_LOCKED private
  view becoming writable, not this one.  Refused since round 79b's fixes
  (set_pt.cut_writable: mprotect opens [addr, addr + len) only when it adds PROT_WRITE).
- ZS-006 (-j): page 2 never touched; madvise(MADV_POPULATE_READ) of the view enters:
  madvise_populate() faults without FOLL_WRITE for POPULATE_READ (read faults,
  do_read_fault(): read-only).  Refused since round 79b's fixes (set_pt.cut_writable:
  madvise opens its range only for an advice that may store, MADV_POPULATE_WRITE...).
- ZS-007 (-i): a failed mremap() (new size 0) enters: do_mremap()'s argument checks
  (6.18: check_mremap_params()) return -EINVAL before any page is touched.  Refused
  since round 79b's fixes (set_pt.cut_writable: mremap may store only when it grows a
  VM_LOCKED area, do_mremap() -> mm_populate(); new size 0 grows nothing).
- ZS-008 (-A): pipe2() enters before fork(): the parent's page 2 made a writable copy of
  'x', which the fork child inherits (copy_present_pte()); the parent then stores 'z'
  (its own copy), pwrite64() of 'y' misses the child's page 2, the child exits 1.  Linux:
  the child's page 2 is the page cache folio and reads 'y'.  Refused since round 79b's
  fixes (set_pt.cut_writable at pipe2(), before the fork copies the entry).
- ZS-009 (-A): the fork child's page 2 (its own tree) refaulted writable on 'x' as the
  child's read() of one byte from the pipe enters: refused (set_pt: the refault must hold
  the file's bytes, the parent's pwrite64() of 'y' came first).
- ZS-010 (-h): after madvise(MADV_DONTNEED) of page 2 zapped it, as the call returns:
  page 2 mapped writable on 'x': refused (resume: the range madvise gave back is mapped).
- ZS-011 (-r): page 2 swapped out and at once back in writable as openat() enters
  (swap_in.clean_writable): Linux drops a clean file folio, never swaps it
  (shrink_folio_list()), and the refault is read-only (do_read_fault()).  Refused since
  round 79b's fixes (swap_in.clean_writable).
- ZS-012 (-m): a PROT_READ view's page 2 refaulted writable as mlock() enters (mlock's
  gup writes only a writable private view: populate_vma_page_range()): refused (set_pt:
  a leaf writable at EL0 in a PROT_READ area).
- ZS-013 (-g): the vfork child's exit() enters after its pwrite64() of 'y' (same tree,
  CLONE_VM): the parent's page 2 on a frame of the stale 'x': refused (set_pt: the
  refault must hold the file's bytes).  mm_release() stores only at clear_child_tid.
- ZS-014 (-r): page 2 never touched yet, at the step's marker (getppid()): mapped
  writable at once on a fresh frame of the file's 'x': refused (set_pt.cut_writable).
- ZS-015 (-q, copy_file_range()'s off_in/off_out on the stack), ZS-016 (-t,
  sendfile()'s offset on the stack), ZS-017 (-f, the fork's clone() without tid
  pointers), ZS-018 (-f, the parent's wait4(), wstatus on the stack): refused
  (set_pt.cut_writable reads the pointer arguments).

- ZS-019 (secret_r79_mm -a): a SIGUSR1 handler installed, never raised; at the marker
  P + 4 (only getppid() in flight) page 2 dropped and mapped writable on a copy of 'x'.
  Linux writes a signal frame only when it delivers a signal, at the stack pointer or
  sigaltstack (handle_signal() -> setup_rt_frame() -> get_sigframe()), never at a file
  view's page; none is pending.  Refused since round 79b's fixes (set_pt.cut_writable:
  cut_writable.frame_reaches() opens only the pages a frame the Guardian writes can
  reach -- FRAME_SIZE + 32 bytes below a thread's SP in the kernel or an alternate
  stack's top -- and only with a handler installed).
- ZS-020 (-b): the same with SIGUSR1 blocked (next_signal() skips blocked signals; the
  program unblocks only after the step).  Refused since round 79b's fixes
  (set_pt.cut_writable, frame_reaches()).
- ZS-021 (-c): a vfork child installed a SIGUSR1 handler and exited; the program has
  none (no CLONE_SIGHAND: copy_sighand() gives the child its own table, freed at its
  exit).  Refused since round 79b's fixes (set_pt.cut_writable: frame_reaches(); and
  the child's exit() slot, still in flight, stores only at its TID word and robust-list
  words -- mm_release() -- none here, so it no longer opens every page).
- ZS-022 (-e): a handler set back to SIG_DFL: refused (set_pt.cut_writable).
- ZS-023 (-a), ZS-024 (-c): page 2 swapped out and at once back in writable at P + 4
  (swap_in.clean_writable, the same catches()).  Refused since round 79b's fixes
  (swap_in.clean_writable, frame_reaches(), the exit's words).
- ZS-025 (-f): no handler; a second thread of the program (CLONE_THREAD) blocked in
  read() of one byte from a pipe into its own buffer; at the marker P + 4 (the main
  thread in getppid()) page 2 dropped and mapped writable on a copy of 'x'.  Linux:
  pipe_read() -> copy_page_to_iter() stores only at that thread's one-byte buffer.
  Through when written (the other thread's read() counts as "may write user memory anywhere" for
  the whole tree, for as long as it blocks).  ZS-026 (-f): the same as a writable
  swap-in.  Refused since round 79b's fixes (set_pt.cut_writable,
  swap_in.clean_writable: read()'s pointer argument is [buf, buf + count)).
- ZS-027 (-g): page 2 read; the parent's clone(SIGCHLD | CLONE_CHILD_SETTID) with
  child_tid at page 2 + 64 enters: the PARENT's page 2 dropped and mapped writable on a
  copy of 'x'.  Linux: the child stores its tid in its own mm on its first run
  (copy_process() sets p->set_child_tid; schedule_tail() -> put_user()); the parent's
  page 2 stays the folio, 'y'.  Through when written (_CHILD_TREE counts clone's child_tid as a write
  in every tree of the domain, the parent's included, and without looking at
  CLONE_CHILD_SETTID in the flags).  ZS-028 (-g): the same as a writable swap-in.
  Refused since round 79b's fixes (set_pt.cut_writable, swap_in.clean_writable:
  child_tid counts only with CLONE_CHILD_SETTID, in the child's tree -- the caller's
  only with CLONE_VM).
- ZS-029 (-h): the view made PROT_READ, page 2 read, mlock(), then
  mprotect(PROT_READ | PROT_WRITE); the kernel does NOT copy.  Linux (checked on the
  host's 6.18 through qemu-aarch64-static): mprotect_fixup() populates a VM_LOCKED
  private view made writable (populate_vma_page_range() with FOLL_WRITE ->
  wp_page_copy()), so page 2 is a private copy of 'x' and pwrite64() of 'y' misses it:
  'x'.  Closed since round 79b's fixes (clean.locked_populate, guardian/locked_copies.py:
  mprotect() adding PROT_WRITE to a locked private view ends the cleanness of its
  present pages, whatever the kernel maps; the program reads 'x' as on Linux).
- ZS-030 (-j): the read-write view's page 2 read, mlockall(MCL_CURRENT); the kernel does
  not copy.  Linux (host 6.18 via qemu-aarch64-static: `mlockall(MCL_CURRENT) = 0`,
  label 0 with page 2 'x'): apply_mlockall_flags() then __mm_populate() ->
  populate_vma_page_range() with FOLL_WRITE copies page 2.  Closed since round 79b's
  fixes (clean.locked_populate: mlockall(MCL_CURRENT) without MCL_ONFAULT ends the
  cleanness of every present page of a writable private view).  mlock() of the same view (-i) the Guardian answers
  as Linux (label 0 on): only mlockall() is missed.
- ZS-031 (-k): a second read-write view mapped MAP_PRIVATE | MAP_LOCKED, its page 2
  read; the kernel does not populate it.  Linux (host 6.18 via qemu-aarch64-static,
  label 0 with 'x'): vm_mmap_pgoff() -> mm_populate() faults it with FOLL_WRITE, page 2
  a private copy from the start.  Closed since round 79b's fixes
  (clean.locked_populate: a writable MAP_PRIVATE | MAP_LOCKED view holds no clean
  page, FileView.copied).

When written, the Guardian's rule read only a short list of calls that write no user memory (getppid,
getpid, gettid, write, pwrite64, writev, pwritev, pwritev2, fallocate, ftruncate, close,
lseek, fsync, fdatasync, sched_yield) and a table of pointer arguments (wait4,
copy_file_range, splice, sendfile, clone); every other call counts as one "that may write
user memory anywhere" (`_writes_page()` returns True), so any call outside the two lists
opens page 2 to a writable refault.

qemu-aarch64-static (host Linux answers): `qemu-aarch64-static workloads/bin/secret_r76_mm
-rsuqCjiAhmgtf` prints "secret: intact"; under `-strace`, `-rj` shows
`openat(AT_FDCWD,"/proc/self/fd/4",O_RDWR) = 5`, `pwrite64(5,4792560,4096,8192,0,0) =
4096`, `madvise(0x0000005500806000,12288,MADV_POPULATE_READ) = 0` and each step's label
`write(3,0x4920b0,8) = 8` (logbuf + 32: label 0, page 2 read 'y').
`qemu-aarch64-static -strace workloads/bin/secret_r79_mm -abcefghijk` (logbuf at
0x492070): each of the ten steps' `write(3,0x492090,8) = 8` (label 0), -f's
`clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM,...)` and
the thread's `read(5,0x4920b8,1)`; -g's `clone(CLONE_CHILD_SETTID|0x11,...,
child_tidptr=0x0000005500805040) = 11601`, the child's `gettid() = 11601` and
`exit_group(0)` (its tid stored at page 2 + 64 of its own copy); then "secret: intact".

Through with the Guardian on when written (gaps, P2: the program's page no longer shows
its file): ZS-001..ZS-008, ZS-011, ZS-019, ZS-020, ZS-021, ZS-023..ZS-031.  Refused
since round 79b's fixes (guardian/cut_writable.py, set_pt.cut_writable and
swap_in.clean_writable): openat, dup, dup3, memfd_create, munmap store nothing; pipe2
stores at fildes (8 bytes), read/pread64 at [buf, buf + count); mprotect opens
[addr, addr + len) only when it adds PROT_WRITE, madvise its range only for an advice
that may store, mremap anywhere only when it grows; clone's child_tid counts with
CLONE_CHILD_SETTID, in the child's tree; exit/exit_group store only at TID words
without a robust list; a signal frame reaches only FRAME_SIZE + 32 bytes below a
thread's SP in the kernel or an alternate stack's top (frame_reaches()): ZS-001..ZS-008,
ZS-011, ZS-019..ZS-021, ZS-023..ZS-028.  Closed (the Guardian ends the cleanness Linux's
FOLL_WRITE population ends, guardian/locked_copies.py, clean.locked_populate):
ZS-029..ZS-031.  Not followed there: MCL_FUTURE's later mmap()s (mm->def_flags
VM_LOCKED) populating a writable private view, and mprotect() once the program made an
on-fault lock (the Guardian does not follow which locked area is VM_LOCKONFAULT).
Refused when written: ZS-009, ZS-010, ZS-012..ZS-018, ZS-022.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r76b as r76
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary
    from kernel_model.process import Thread

RT = "redteam_r79b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
X = ord("x")
#: (every gap of the round closed by round 79b's fixes)
GAPS: dict[str, str] = {}
L76 = r76.LETTER
#: the predecessor design (--mode mprotect) judges no refault of a cut page
#: (when written: ZS-001..ZS-008, ZS-019..ZS-021, ZS-025, ZS-027, ZS-029..ZS-031 got
#: through it as well; round 79b's fixes refuse or close them in that mode too)
OLD_DESIGN: tuple[str, ...] = ()
NR = {"openat": 56, "dup": 23, "pipe2": 59, "memfd_create": 279, "mmap": 222,
      "mprotect": 226, "mremap": 216, "read": 63, "madvise": 233, "exit": 93,
      "copy_file_range": 285, "sendfile": 71, "clone": 220, "wait4": 260, "mlock": 228}


def _zs(sid: str, title: str, prop: str, phase: int,  # type: ignore[no-untyped-def]
        program: str = r76.VICTIM, letters: dict[int, bytes] = L76):
    return explained(title, prop, scenario(id=sid, title=title, family=RT, goal=Goal.LEAK,
                    rules=(OPEN,), program=program, prop=prop, gap=GAPS.get(sid, ""),
                    args=(letters[phase],),
                    mprotect=Expect.SUCCEEDS if sid in OLD_DESIGN else Expect.REFUSED))


def _zs79(sid: str, title: str, prop: str, phase: int):  # type: ignore[no-untyped-def]
    """A scenario against round 79b's own victim (its letters, secret_r79_mm)."""
    return _zs(sid, title, prop, phase, VICTIM79, LETTER79)


def refault_writable(a: Adversary, mm: object, va: int, byte: int = X, ro: bool = False) -> None:
    """Page `va` of `mm` dropped and mapped writable at EL0 (read-only where `ro`: the
    honest read refault) on a new frame of `byte`s."""
    tables = mm.tables  # type: ignore[attr-defined]
    desc = tables.lookup(va)
    try:
        mm.zap(va, va + PAGE)  # type: ignore[attr-defined]
        frame = a.alloc_frame()
        a.write_lm(frame, bytes([byte]) * PAGE)
        bits = desc & ~D.ADDR_MASK if desc else a.memo["bits"]
        tables.set(va, (bits | D.AP_RO if ro else bits & ~D.AP_RO) | frame)
        a.el1.tlbi_all()
        a.note(f"page {va:#x} refaulted {'read-only' if ro else 'writable'} on {frame:#x}")
    except Exception as exc:
        a.refused(f"the writable refault at {va:#x}: {exc!r}")


def swap_writable(a: Adversary, va: int, ro: bool = False) -> None:
    """Page `va` swapped out and at once back in with an entry writable at EL0 (`ro`: as
    it was, read-only)."""
    blob = swap_out(a, va)
    if blob is None:
        a.refused(f"SWAP_OUT of {va:#x}")
        return
    if not ro:
        a.memo["desc"][va] &= ~D.AP_RO
    if swap_in(a, va, blob):
        a.note(f"page {va:#x} swapped back in writable")
    else:
        a.refused(f"SWAP_IN of {va:#x}")


def writable_as(phase: int, nr: int, *, nth: int = 1, child: bool = False,
                swap: bool = False, at_exit: bool = False, byte: int = X,
                ro: bool = False):  # type: ignore[no-untyped-def]
    """(secret_r76_mm) As the `nth` call `nr` of the step enters (or returns, `at_exit`;
    in the fork child where `child`), page 2 of the step's private view dropped and mapped
    writable on a fresh frame of `byte`s (or swapped out and back in writable; `ro`:
    read-only, the honest answer)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["view"] = args[1] if len(args) > 1 else 0
            # (a user entry's attributes, for a page with no entry now)
            a.memo["bits"] = a.init.mm.tables.lookup(args[0]) & ~D.ADDR_MASK

        point = Point.SYSCALL_EXIT if at_exit else Point.SYSCALL_ENTRY

        @adv.on(point, nr=nr, during=phase, init_only=not child, once=False)
        def _(a: Adversary, thread: Thread | None = None, **_: object) -> None:
            proc = thread.process if thread is not None else None
            if child and (proc is None or proc is a.init):
                return
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] != nth or "view" not in a.memo:
                return
            va = a.memo["view"] + 2 * PAGE
            if swap:
                swap_writable(a, va, ro)
            else:
                refault_writable(a, proc.mm if child and proc is not None else a.init.mm,
                                 va, byte, ro)
    return steps


def first_fault_writable(phase: int):  # type: ignore[no-untyped-def]
    """(secret_r76_mm) At the step's marker P (the view just mapped, page 2 never
    touched), page 2 mapped writable on a fresh frame of the file's 'x'."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            at = args[1] if len(args) > 1 else 0
            if not at:
                return
            # (the view's own page 0 entry gives the attributes: the program faulted none
            # yet, so take the log buffer's writable user entry's)
            a.memo["bits"] = a.init.mm.tables.lookup(args[0]) & ~D.ADDR_MASK
            refault_writable(a, a.init.mm, at + 2 * PAGE)
    return steps


WRITABLE = ("A page a private view left empty comes back on its next fault read-only "
            "(do_read_fault() -> finish_fault(): no write bit without FAULT_FLAG_WRITE); "
            "only a store's write fault copies it (do_cow_fault()). ")
LINUX_Y = " No store at page 2, page 2 stays the page cache folio: it reads 'y'."
#: (id, step, call, options, title tail, Linux's reason the call stores nothing at page 2)
CALLS = (
    ("ZS-001", r76.P_REOPEN, "openat", {}, "openat() of /proc/self/fd/N enters",
     "do_sys_openat2() -> getname() only reads the path (strncpy_from_user())."),
    ("ZS-002", r76.P_DUPW, "dup", {}, "dup() of the memfd enters",
     "ksys_dup() touches no user memory."),
    ("ZS-003", r76.P_SPLICE, "pipe2", {}, "pipe() (pipe2()) enters",
     "do_pipe2() stores the two descriptors at `fildes` only (copy_to_user()), on the "
     "stack."),
    ("ZS-004", r76.P_COPYFR, "memfd_create", {}, "memfd_create() of the source memfd "
     "enters", "memfd_create() reads the name (strncpy_from_user()) and stores nothing."),
    ("ZS-005", r76.P_PROTNONE, "mprotect", {}, "mprotect(PROT_NONE) of the view enters",
     "mprotect_fixup() -> change_protection() rewrites present entries only; it "
     "populates only a VM_LOCKED private view becoming writable."),
    ("ZS-006", r76.P_POPREAD, "madvise", {}, "madvise(MADV_POPULATE_READ) of the view "
     "enters (page 2 never touched)", "madvise_populate() faults without FOLL_WRITE for "
     "MADV_POPULATE_READ: read faults, read-only (do_read_fault())."),
    ("ZS-007", r76.P_BADREMAP, "mremap", {}, "a failed mremap() (new size 0) enters",
     "do_mremap()'s argument checks (6.18: check_mremap_params()) return -EINVAL before "
     "any page is touched."),
    ("ZS-008", r76.P_CHILDCLEAN, "pipe2", {}, "pipe2() enters before fork(): the fork "
     "child inherits the writable copy", "do_pipe2() stores at `fildes` only; fork "
     "shares the file folio (copy_present_pte()), the child's page 2 reads 'y' (exit 0)."),
    ("ZS-009", r76.P_CHILDCLEAN, "read", {"child": True}, "the fork child's read() of one "
     "byte from the pipe enters (the CHILD's page 2, in its own tree)",
     "pipe_read() -> copy_page_to_iter() stores the one byte at `&b` on the child's "
     "stack; the child's page 2 stays the folio and reads 'y' (exit 0)."),
    ("ZS-010", r76.P_DONTNEED, "madvise", {"at_exit": True}, "madvise(MADV_DONTNEED) of "
     "page 2 returns (after the zap)", "madvise_dontneed_free() -> "
     "zap_page_range_single() only unmaps; the next touch is the program's read "
     "(read-only)."),
    ("ZS-011", r76.P_REOPEN, "openat", {"swap": True}, "openat() of /proc/self/fd/N "
     "enters: page 2 swapped out and at once back in WRITABLE",
     "A clean file folio is dropped, never swapped (shrink_folio_list()); getname() "
     "only reads."),
    ("ZS-012", r76.P_ROLOCKW, "mlock", {}, "mlock() of the PROT_READ view enters",
     "populate_vma_page_range() uses FOLL_WRITE only for a writable private view; "
     "this one is PROT_READ."),
    ("ZS-013", r76.P_VFORKW, "exit", {"child": True, "nth": 1}, "the vfork child's exit() "
     "enters after its pwrite64() of 'y' (same tree, CLONE_VM): the parent's page 2 on a "
     "frame of the stale 'x'", "do_exit() -> exit_mm() -> mm_release() stores only at "
     "clear_child_tid, 0 here (no CLONE_CHILD_CLEARTID)."),
    ("ZS-015", r76.P_COPYFR, "copy_file_range", {}, "copy_file_range() enters (off_in, "
     "off_out on the stack)", "copy_file_range() stores only at off_in/off_out."),
    ("ZS-016", r76.P_SENDF, "sendfile", {}, "sendfile() enters (offset on the stack)",
     "sendfile() stores only at its offset pointer."),
    ("ZS-017", r76.P_FORKW, "clone", {}, "the fork's clone() enters (no tid pointers)",
     "copy_process() stores at parent_tid/child_tid only with CLONE_*SETTID; none here."),
    ("ZS-018", r76.P_FORKW, "wait4", {}, "wait4() enters in the parent while the child's "
     "pwrite64() of 'y' runs (wstatus on the stack)", "wait4() stores only at wstatus "
     "and rusage."),
)
for sid, phase, call, opts, tail, why in CALLS:
    _zs(sid, f"(round 76b's {L76[phase].decode()}) Page 2 (no store): dropped and "
        f"mapped writable on a copy of 'x' as {tail}", WRITABLE + why + LINUX_Y, phase)(
        writable_as(phase, NR[call], **opts))  # type: ignore[arg-type]
_zs("ZS-014", "(round 76b's -r) Page 2 never touched yet (the view just mapped): mapped "
    "writable on a fresh frame of the file's 'x' before the program's first read",
    WRITABLE + "The program's first touch is a read: do_read_fault() maps the folio "
    "read-only, pwrite64() of 'y' reaches it." + LINUX_Y, r76.P_REOPEN)(
    first_fault_writable(r76.P_REOPEN))


# --- the round's own victim, secret_r79_mm (markers from 11400: P before the step's
# calls, x3 the private view; P + 4 after page 2 is read, before pwrite64() of 'y', x2
# the view; P + 2 after the calls, x2 the view) ---------------------------------------

VICTIM79 = "secret_r79_mm"
P_HANDLER, P_BLOCKED, P_VFORKH, P_RESET, P_THREAD = 11400, 11408, 11416, 11424, 11432
P_SETTID, P_LOCKEDRW, P_MLOCKRW, P_MLOCKALL, P_MAPLOCKED = 11440, 11448, 11456, 11464, 11472
P_FIRST, P_LAST = 11400, 11472
LETTER79 = {P_HANDLER: b"-a", P_BLOCKED: b"-b", P_VFORKH: b"-c", P_RESET: b"-e",
            P_THREAD: b"-f", P_SETTID: b"-g", P_LOCKEDRW: b"-h", P_MLOCKRW: b"-i",
            P_MLOCKALL: b"-j", P_MAPLOCKED: b"-k"}
ALL_ARGS79 = b"-abcefghijk"


def writable_at_marker(phase: int, swap: bool = False, ro: bool = False):  # type: ignore[no-untyped-def]
    """(secret_r79_mm) At the step's marker P + 4 (page 2 read, before pwrite64() of 'y';
    only getppid() in flight), page 2 dropped and mapped writable on a fresh frame of the
    file's 'x' (or swapped out and at once back in writable; `ro`: read-only)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            if swap:
                swap_writable(a, va, ro)
            else:
                refault_writable(a, a.init.mm, va, X, ro)
    return steps


SIGNAL = ("A signal frame is written only when a signal is delivered, at the user stack "
          "pointer or the sigaltstack (handle_signal() -> setup_rt_frame() -> "
          "get_sigframe()), never at a file view's page; with no store at page 2 its "
          "refault is read-only (do_read_fault()) and pwrite64() of 'y' reaches it: 'y'. ")
#: (id, step, swap, title, why Linux writes no signal frame at page 2)
HANDLERS = (
    ("ZS-019", P_HANDLER, False, "a SIGUSR1 handler installed (never raised)",
     "No SIGUSR1 is pending: no frame at all."),
    ("ZS-020", P_BLOCKED, False, "a SIGUSR1 handler installed with SIGUSR1 blocked",
     "A blocked signal is not delivered (next_signal() skips the blocked set), and the "
     "program unblocks it only after the step."),
    ("ZS-021", P_VFORKH, False, "a vfork child installed a SIGUSR1 handler in its own "
     "signal table and exited (the program itself has none)",
     "Without CLONE_SIGHAND the vfork child's copy_sighand() gives it its own table, freed "
     "at its exit (__cleanup_sighand()): the program has no handler."),
    ("ZS-022", P_RESET, False, "a SIGUSR1 handler set back to SIG_DFL",
     "No handler is installed: no frame."),
    ("ZS-023", P_HANDLER, True, "a SIGUSR1 handler installed: page 2 swapped out and at "
     "once back in WRITABLE", "A clean file folio is dropped, never swapped "
     "(shrink_folio_list()); no SIGUSR1 is pending."),
    ("ZS-024", P_VFORKH, True, "a vfork child's own SIGUSR1 handler: page 2 swapped out "
     "and at once back in WRITABLE", "The program has no handler (copy_sighand()); a "
     "clean file folio is never swapped."),
)
for sid, phase, swap, tail, why in HANDLERS:
    _t = (f"({LETTER79[phase].decode()}) Page 2 read (no store), {tail}: page 2 dropped and "
          f"mapped writable on a copy of 'x' before pwrite64() of 'y'" if not swap else
          f"({LETTER79[phase].decode()}) Page 2 read (no store), {tail}, before pwrite64() "
          "of 'y'")
    _zs79(sid, _t, SIGNAL + why, phase)(
        writable_at_marker(phase, swap))

THREAD = ("A page a private view left empty comes back read-only on a read fault "
          "(do_read_fault()); another thread's read() of a pipe stores only at its own "
          "buffer (pipe_read() -> copy_page_to_iter()), never at page 2, so no write fault "
          "there is in flight: pwrite64() of 'y' reaches the folio, 'y'.")
for sid, swap in (("ZS-025", False), ("ZS-026", True)):
    _t = ("(-f) Page 2 read (no store), a second thread of the program blocked in read() of "
          "a pipe into its own buffer: at the marker P + 4 (getppid() in flight) page 2 " +
          ("swapped out and at once back in WRITABLE" if swap else
           "dropped and mapped writable on a copy of 'x'") + ", before pwrite64() of 'y'")
    _zs79(sid, _t, THREAD, P_THREAD)(
        writable_at_marker(P_THREAD, swap))

SETTID = ("A page a private view left empty comes back read-only on a read fault "
          "(do_read_fault()).  CLONE_CHILD_SETTID's word is stored by the CHILD, in its own "
          "mm, on its first run (copy_process() sets p->set_child_tid; schedule_tail() -> "
          "put_user() in the child): the parent's tree sees no store at page 2, its page 2 "
          "stays the folio and pwrite64() of 'y' reaches it: 'y'.")
for sid, swap in (("ZS-027", False), ("ZS-028", True)):
    _t = ("(-g) Page 2 read (no store): as the parent's clone(SIGCHLD | CLONE_CHILD_SETTID) "
          "with child_tid at page 2 + 64 enters, the PARENT's page 2 " +
          ("swapped out and at once back in WRITABLE" if swap else
           "dropped and mapped writable on a copy of 'x'") + ", before pwrite64() of 'y'")
    _zs79(sid, _t, SETTID, P_SETTID)(
        writable_as(P_SETTID, NR["clone"], swap=swap))


def no_copy_on_locked_mprotect(adv: Adversary, phase: int = P_LOCKEDRW) -> None:
    """1. (-h) The view made PROT_READ, page 2 read (clean), mlock(), then
    mprotect(PROT_READ | PROT_WRITE): the kernel does NOT write-fault the locked view's
    pages (it skips mprotect_fixup()'s populate_vma_page_range()), so page 2 stays the
    file's clean page.
    2. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its private
    copy 'x', and indexes its log buffer at -4.
    3. (Without a Guardian the kernel model's read fault already copied page 2: at the
    marker P + 2 the kernel writes 'y' into that frame, as the shared folio would hold.)
    The kernel skips the locked range's population from the first marker on
    (MemoryManager.skip_locked_population): the model otherwise copies page 2 as Linux
    does, and the attack would test nothing."""
    @adv.on(Point.MARKER)
    def _(a: Adversary, **_: object) -> None:
        a.init.mm.ctx.memory.skip_locked_population = True

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if a.guarded:
            a.note("page 2 left the file's clean page across the locking call")
            return
        pa = a.init.mm.tables.lookup(args[0] + 2 * PAGE) & D.ADDR_MASK
        a.write_lm(pa, b"y" * PAGE)
        a.note(f"page 2's frame {pa:#x} holds the file's 'y'")


LOCKED = ("mprotect_fixup(): a VM_LOCKED private view made writable is populated at once "
          "(populate_vma_page_range() with FOLL_WRITE: wp_page_copy() copies every page), "
          "so page 2 is a private copy of 'x' before pwrite64() of 'y': 'x'.  "
          "qemu-aarch64-static on Linux 6.18 (`-strace -h`): mprotect(...,PROT_READ) = 0, "
          "mlock(...) = 0, mprotect(...,PROT_READ|PROT_WRITE) = 0, label 0 (page 2 'x').")
_t29 = ("(-h) A PROT_READ view's page 2 read, mlock(), mprotect(PROT_READ | PROT_WRITE): the "
        "kernel does not copy the locked view's pages, page 2 stays the file's and shows "
        "pwrite64()'s 'y'")
_zs79("ZS-029", _t29, LOCKED, P_LOCKEDRW)(
    no_copy_on_locked_mprotect)


def no_copy_on_mlockall(adv: Adversary) -> None:
    """1. (-j) The read-write view's page 2 read (clean), then mlockall(MCL_CURRENT): the
    kernel does NOT write-fault the view's pages, page 2 stays the file's clean page.
    2. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its private
    copy 'x', and indexes its log buffer at -4.
    3. (Without a Guardian the kernel model's read fault already copied page 2: at the
    marker P + 2 the kernel writes 'y' into that frame, as the shared folio would hold.)"""
    no_copy_on_locked_mprotect(adv, P_MLOCKALL)


MLOCKALL = ("mlockall(MCL_CURRENT) -> apply_mlockall_flags() sets VM_LOCKED on every VMA "
            "and __mm_populate() -> populate_vma_page_range() faults a writable private "
            "view with FOLL_WRITE (wp_page_copy()), so page 2 is a private copy of 'x' "
            "before pwrite64() of 'y': 'x'.  qemu-aarch64-static on Linux 6.18 (`-strace "
            "-j`): mlockall(MCL_CURRENT) = 0, label 0 (page 2 'x'); mlock() of the view "
            "(-i) the same, which the Guardian answers (label 0 on).")
_t30 = ("(-j) The read-write view's page 2 read, mlockall(MCL_CURRENT): the kernel does not "
        "copy the locked view's pages, page 2 stays the file's and shows pwrite64()'s 'y'")
_zs79("ZS-030", _t30, MLOCKALL, P_MLOCKALL)(
    no_copy_on_mlockall)


def no_copy_on_map_locked(adv: Adversary) -> None:
    """1. (-k) A second read-write view mapped MAP_PRIVATE | MAP_LOCKED, its page 2 read:
    the kernel does NOT populate it writable at mmap(), page 2 is the file's clean page.
    2. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its private
    copy 'x', and indexes its log buffer at -4.
    3. (Without a Guardian the kernel model's read fault already copied page 2: at the
    marker P + 2 the kernel writes 'y' into that frame, as the shared folio would hold.)"""
    no_copy_on_locked_mprotect(adv, P_MAPLOCKED)


MAPLOCKED = ("do_mmap() with MAP_LOCKED sets VM_LOCKED and vm_mmap_pgoff() -> mm_populate() "
             "-> populate_vma_page_range() faults the writable private view with FOLL_WRITE "
             "(do_cow_fault()): page 2 is a private copy of 'x' before pwrite64() of 'y': "
             "'x'.  qemu-aarch64-static on Linux 6.18 (`-strace -k`): mmap(NULL,12288,"
             "PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_LOCKED,4,0) = 0x0000005500806000, label 0.")
_t31 = ("(-k) A MAP_PRIVATE | MAP_LOCKED read-write view's page 2 read: the kernel does not "
        "populate the locked view writable, page 2 stays the file's and shows pwrite64()'s "
        "'y'")
_zs79("ZS-031", _t31, MAPLOCKED, P_MAPLOCKED)(
    no_copy_on_map_locked)
