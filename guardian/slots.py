"""Saved contexts, address spaces and protection domains of confidential processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from abi.layout import (
    MADV_DOFORK,
    MADV_DONTFORK,
    MADV_KEEPONFORK,
    MADV_WIPEONFORK,
    MREMAP_FIXED,
    MREMAP_MAYMOVE,
    NR_MREMAP,
)
from emulator.fastuc import UserContext
from guardian import hole_list
from guardian.measure import MeasuredImage

if TYPE_CHECKING:
    from emulator.cpu import Cpu
    from guardian.futex_pi import Seen

STACK_RESERVE = (8 << 20) + 4096     # the stack area below the initial SP (RLIMIT_STACK)
STACK_ABOVE = 64 << 10              # argv/envp/auxv above it
PAGE = 4096


def page_up(n: int) -> int:
    """`n` rounded up to a whole page."""
    return (n + PAGE - 1) & ~(PAGE - 1)


def fixed_target(nr: int | None, args: tuple[int, ...]) -> tuple[int, int] | None:
    """[new, new + new_len) of an mremap(MREMAP_MAYMOVE | MREMAP_FIXED): the range the
    program asked its area to be moved onto, which Linux unmaps first (None: no such call)."""
    if nr != NR_MREMAP or args[3] & (MREMAP_MAYMOVE | MREMAP_FIXED) != \
            MREMAP_MAYMOVE | MREMAP_FIXED:
        return None
    return args[4], args[4] + page_up(args[2])


@dataclass(slots=True)
class Slot:
    """A confidential thread's register file, held while the kernel runs.

    The registers are either saved here (`saved`) or still in the core they trapped on
    (`core`: see Cpu.hold_user), which hands them over the first time anything needs
    them as a context -- `ctx` is the saved context either way."""

    id: int
    domain: int
    saved: UserContext | None
    elr: int
    nr: int | None                 # syscall number, None for faults and interrupts
    args: tuple[int, ...] = ()     # the Guardian's own copy of x0-x5
    # (root, thread, fault and core right after: the entry passes them by position)
    root: int = 0                  # the address space (TTBR0 root) the context runs in
    thread: int = 0                # which thread of the domain the context is
    fault: tuple[int, int] | None = None   # (ESR, FAR) of a synchronous exception other than SVC
    core: Cpu | None = None        # the core holding the registers while `saved` is None
    caps: list[tuple[int, int, int]] | None = None
    shown_elr: int = -1            # the ELR the kernel was shown (-1: the real one)
    children: int = 0              # children a clone in this slot has yielded
    child_process: int = 0         # a fork child's process (its first thread), if any
    move_delta: int | None = None  # mremap in progress: new VA - old VA of the pages moved
    #: the call in this slot took a page out of the program's view (its window let it)
    discarded: bool = False
    touched: int = 0               # bytes of user memory the kernel accessed for this syscall
    #: [start, end) of each write the kernel made to user memory for this syscall
    written: list[tuple[int, int]] = field(default_factory=list)
    child_root: int = 0            # a fork child's tree, once the clone in this slot made it
    child_thread: int = 0          # a CLONE_VM child that is a process of its own (vfork too)
    new_thread: int = 0            # a CLONE_THREAD child's thread, once the clone made it
    #: a clone child's slot, until its first run: the slot of the clone that made it
    creator: int = 0
    #: (va, value) of each TID word the clone in this slot stored (checked at its return)
    tid_stores: list[tuple[int, int]] = field(default_factory=list)
    #: clone3's set_tid[0], the id alloc_pid() gives its child in the creator's pid
    #: namespace (no CLONE_NEWPID); 0: none asked
    set_tid: int = 0
    #: what the program passed for the inputs an output is judged against (address ->
    #: bytes at the call's entry: pselect6's fd_sets, ppoll's pollfds)
    asked: dict[int, bytes] = field(default_factory=dict)
    #: pages of a private file view's empty pages this call's write grant alone opened to
    #: a writable refault (cut_writable.note_sole(); judged at its return: answer_stores)
    opened: tuple[int, ...] = ()       # (a tuple: no allocation per entry)
    #: a call that takes pending signals of a set (rt_sigtimedwait, a signalfd read),
    #: entered where pending_order.py knew what was pending: (the set, what it knew)
    waits_on: tuple[int, dict[int, Any]] | None = None
    #: a ppoll or pselect6 with a zero timeout and a mask, entered where pending_order.py
    #: knew what was pending: (the signals its mask leaves unblocked, what it knew)
    polls_on: tuple[int, dict[int, Any]] | None = None
    #: a timed wait's (clock, value) that clock reaches at least once its timeout passed
    wait_floor: tuple[int, int] | None = None
    #: a futex wake's bound on the threads it may wake, at its entry: (the other threads
    #: then in a futex wait, the space's `futex_waits` then); for a shared wake on words
    #: only the domain's processes map, those of every process of the domain and the
    #: domain's `futex_waits` (`shared_wake` set)
    waiters_at_entry: tuple[int, int] | None = None
    shared_wake: bool = False
    #: a futex wait's, at its entry: (the other threads then in a call that may wake it,
    #: the space's `futex_wakers` then)
    wakers_at_entry: tuple[int, int] | None = None
    #: a FUTEX_WAIT whose word differed from the expected value at its entry, with nothing
    #: else able to change it: its space's returns to user code then (-1: not judged)
    word_differed: int = -1
    #: a futex call's words (a PI lock word, a compared word, futex_waitv's, its timeout)
    #: as they were at its entry, where only the call could change them until its return
    #: (guardian/futex_pi.py); None: not judged
    futex_seen: Seen | None = None
    #: a FUTEX_WAIT/FUTEX_WAIT_BITSET on a private word (guardian/futex_values.py): its key
    #: ("private", root, word) and bitset, the other threads' calls counted that could wake
    #: it (-1: not judged), and the FUTEX_WAKE_OPs that reach it if their comparison held
    wait_key: tuple[str, int, int] | None = None
    wait_bitset: int = 0
    futex_reach: int = -1
    futex_pending: list[Slot] = field(default_factory=list)
    #: a shared futex wait on a word only its own thread can name: the space's returns to
    #: user code and its `futex_wakers` at its entry (None: not judged)
    futex_alone: tuple[int, int] | None = None
    #: a FUTEX_WAKE_OP: whether its comparison held on the value its store replaced (None:
    #: no store seen yet)
    wake_op_held: bool | None = None
    #: a call whose filled range the Guardian reads at its return (guardian/quiet_ranges.py):
    #: each tree of the domain -> its returns to user code at the entry (None: not kept)
    runs_at_entry: dict[int, int] | None = None
    #: its tree's returns to user code when the slot began (guardian/lone_thread.py)
    runs_at_start: int = 0
    #: Registry.returns when the slot began: another call left since where it differs
    returns_at_start: int = 0

    @property
    def ctx(self) -> UserContext:
        saved = self.saved
        if saved is None:
            if self.core is None:
                raise AssertionError(f"slot {self.id} holds no registers")
            saved = self.core.registers_of(self)
        return saved

    @property
    def kernel_elr(self) -> int:
        return self.elr if self.shown_elr < 0 else self.shown_elr


@dataclass
class Space:
    """One address space of a domain: what the program itself set up in it."""

    areas: list[tuple[int, int]] = field(default_factory=list)   # the Guardian's own VMA list
    brk_start: int = 0
    brk: int = 0
    handlers: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    altstacks: set[tuple[int, int]] = field(default_factory=set)   # (ss_sp, ss_size) set
    #: thread -> the capability over the robust-futex list head its last set_robust_list
    #: named: the kernel's to walk at that thread's exit only.  A new thread, a fork
    #: child's included, starts with none (Linux's futex_init_task).
    robust_lists: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    #: [start, end) the program's own mmap placed an admitted file at, and the file offset.
    file_areas: list[tuple[int, int, str, int]] = field(default_factory=list)
    #: [start, end) the program's own non-executable mmap placed a file that is not admitted
    #: at: its pages are input data, as if read(), and may arrive with the kernel's bytes.
    input_areas: list[tuple[int, int]] = field(default_factory=list)
    #: [start, end) the program's own mmap asked to be MAP_SHARED, the share it maps (an id
    #: of the domain's) and the share's offset at start: the one place where a frame may be
    #: mapped at several addresses, or writable in several trees, at once -- where every
    #: place is the same offset of the same share (the program shares it on purpose).
    shared_areas: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: [start, end) of each area and where it came from: an id the domain gave the request
    #: that made it (exec, an mmap, a brk growth), and the offset in it at start.  fork
    #: hands the child the same ids, so the same address holds the same page of the same
    #: area in both trees only where the child inherited it.
    origins: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: [start, end) the program's own madvise marked MADV_WIPEONFORK / MADV_DONTFORK (and
    #: not undone since): what its next fork leaves empty / leaves out of the child.
    wipe_on_fork: list[tuple[int, int]] = field(default_factory=list)
    dont_fork: list[tuple[int, int]] = field(default_factory=list)
    #: [start, end) the program's own madvise(MADV_MERGEABLE) marked VM_MERGEABLE and no
    #: MADV_UNMERGEABLE, munmap, MAP_FIXED, brk shrink or mremap of its own undid since,
    #: and whether its prctl(PR_SET_MEMORY_MERGE, 1) made every area mergeable
    #: (guardian/ksm_opt_in.py).  A fork child keeps both; a new space starts with neither.
    mergeable: list[tuple[int, int]] = field(default_factory=list)
    merge_any: bool = False
    #: [start, end) the fork that made this space left empty / left out: no page the
    #: parent's tree held before the fork (or a copy of one) ever comes in there.
    wiped_at_fork: list[tuple[int, int]] = field(default_factory=list)
    dropped_at_fork: list[tuple[int, int]] = field(default_factory=list)
    fork_parent: int = 0        # the root this space was forked from, while it lives
    #: the thread a fork made this space for: the one thread here whose per-task state
    #: (an rseq area, say) is a copy of its parent thread's rather than a fresh one
    fork_thread: int = 0
    #: thread -> its registered TID word (CLONE_CHILD_CLEARTID, set_tid_address): the one
    #: word that thread's exit clears.  A fork child starts with none of the parent's.
    tid_words: dict[int, int] = field(default_factory=dict)
    #: thread group -> the process id it was told (its getpid, or the id its parent's fork
    #: returned): one value per process.  A new space (fork, exec) starts with none.
    pids: dict[int, int] = field(default_factory=dict)
    #: thread -> the thread id it was told (its gettid, or the id its creator's clone
    #: returned): one value per thread, never one another live thread holds.
    tids: dict[int, int] = field(default_factory=dict)
    #: (kind, thread group, which timer) -> the most time that interval timer or POSIX
    #: timer may have left, in nanoseconds (the larger of the value and interval its last
    #: setting set: guardian/itimer_bounds.py).  A new space starts with none.
    itimer_bounds: dict[tuple[int, int, int], int] = field(default_factory=dict)
    #: (what, thread group or thread) -> the latest CPU time let through (clock_floors'
    #: `CpuTimeFloors`).  A new space starts with none.
    cpu_floors: dict[tuple[int, int], int] = field(default_factory=dict)
    #: how many futex waits (futex's wait commands, futex_waitv) this space's threads have
    #: begun: a wake may wake a waiter that began after the wake's own entry.
    futex_waits: int = 0
    #: how many calls that may wake a futex waiter (a wake, an exit, an exec) its threads
    #: have begun: a wait can end with 0 only through one.
    futex_wakers: int = 0
    #: the program changed its brk heap's mapping (guardian/heap_faults.py): its faults
    #: there are no longer judged
    heap_altered: bool = False
    #: [start, end) and protection of each anonymous area the program's own mmap made, as
    #: its own mprotect and mremap left it (guardian/heap_faults.py)
    anon_areas: list[tuple[int, int, int]] = field(default_factory=list)
    #: [start, end) where the program's madvise(MADV_GUARD_INSTALL) may have put guard
    #: markers: an access there is SIGSEGV SEGV_MAPERR inside an area (guardian/heap_faults.py)
    guarded: list[tuple[int, int]] = field(default_factory=list)
    #: thread -> what its credentials are known to be (guardian/credentials.py): its ids and
    #: group list, from exec's auxiliary vector and its own earlier answers, until its own
    #: set*id or setgroups call.  A new space starts with none.
    creds: dict[int, dict[str, object]] = field(default_factory=dict)
    #: the auxiliary vector exec built (key, value pairs up to AT_NULL, included), as
    #: CREATE_DOMAIN checked it: the vector PR_GET_AUXV copies.  A fork child shares it.
    auxv: tuple[tuple[int, int], ...] = ()
    #: thread group -> the mask its last umask set (guardian/umask_kept.py; -1: shared
    #: with another process).  A new space starts with none.
    umasks: dict[int, int] = field(default_factory=dict)
    #: thread group -> the process group it made itself lead or join (its own setpgid,
    #: its setsid), while no setpgid of the domain named another process since.
    pgids: dict[int, int] = field(default_factory=dict)
    #: thread group -> its session: what its setsid answered, its first getsid of itself,
    #: or its parent's at fork (guardian/process_groups.py).  A new space starts with none.
    sids: dict[int, int] = field(default_factory=dict)
    #: [start, end) whose protection the program's own mmap or mprotect narrowed below
    #: read-write, and that protection (guardian/protections.py; the last field unused).
    protections: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: [start, end) of the initial stack's reserve (an area of `areas`): Linux grows the
    #: stack's VMA down into it on demand, so a part of it may have no VMA yet.
    stack: tuple[int, int] = (0, 0)
    #: [start, end) the program's own mmap placed a file only it holds at (a memfd or an
    #: O_TMPFILE file, guardian/file_pages.py), the view of that file and the file offset
    #: at start.
    sole_views: list[tuple[int, int, object, int]] = field(default_factory=list)
    #: open file -> the share every MAP_SHARED mmap of it in this space maps (a file not
    #: admitted and no memfd: guardian/confidential_layout.py `_share_of`).  A fork child
    #: starts with none (its own mmaps make its own, as the kernel's pages are per space).
    open_shares: dict[object, int] = field(default_factory=dict)
    #: (arg_start, arg_end, env_start, env_end) exec placed on the initial stack (None:
    #: not known; a fork child keeps its parent's): what /proc/self/cmdline and environ
    #: copy (self_reports.py)
    arg_env: tuple[int, int, int, int] | None = None
    #: [start, end) where Linux's mlock would set VM_LOCKED: areas of exec's image, the
    #: stack, the brk heap, and the program's own private or shared anonymous mmaps and
    #: mmaps of its shmem memfds (no MAP_HUGETLB, no MAP_DROPPABLE, no MFD_HUGETLB;
    #: locked_ranges.mmap_lockable: another file may be DAX).  mlock_fixup() leaves
    #: VM_SPECIAL, hugetlb and droppable areas unlocked, so an area of another kind (a
    #: device's, a descriptor the Guardian cannot name, shmat's) is never taken as locked.
    lockable: list[tuple[int, int]] = field(default_factory=list)
    #: [start, end) the program's own mlock, mlock2 or mlockall(MCL_CURRENT) locked
    #: (VM_LOCKED, of the lockable areas) and no munlock, munlockall, munmap, MAP_FIXED,
    #: mremap or brk shrink of its own undid since (guardian/locked_ranges.py).  A fork
    #: child starts with none (dup_mmap clears VM_LOCKED_MASK), an exec'd image too.
    locked: list[tuple[int, int]] = field(default_factory=list)
    #: [start, end) that may be VM_LOCKONFAULT (mlock2(MLOCK_ONFAULT), mlockall(MCL_CURRENT
    #: | MCL_ONFAULT)), never populated: mprotect() population is not followed there, and
    #: whether def_flags may hold VM_LOCKONFAULT (mlockall(MCL_FUTURE | MCL_ONFAULT)); the
    #: next slot id at the last return that may have set either (guardian/locked_copies.py)
    onfault: list[tuple[int, int]] = field(default_factory=list)
    future_onfault: bool = False
    onfault_mark: int = 0
    #: an mlock, mlock2, mlockall or MAP_LOCKED mmap of the tree returned (any answer): an
    #: area may be VM_LOCKED (guardian/call_stores.py); a fork child starts without
    lock_seen: bool = False
    #: [start, end) that may be VM_LOCKED without VM_LOCKONFAULT, whether def_flags may
    #: hold such a lock, and the next slot id at the last return that may have added to
    #: them / taken from them (guardian/lock_state.py); a fork child starts without
    may_locked: list[tuple[int, int]] = field(default_factory=list)
    may_future: bool = False
    pop_mark: int = 0
    unlock_mark: int = 0
    #: the id the next slot got at the last return of a call that may unlock
    #: (locked_ranges.UNLOCKING): a lock call that entered below it is not followed
    lock_mark: int = 0
    #: the id the next slot got at the last return of a call that changes the areas, the
    #: holes, the locks or the protections (locked_ranges.CALLS, protections.CALLS): a call
    #: that entered below it may have seen the areas before (guardian/area_state.py,
    #: guardian/rie_areas.py)
    area_mark: int = 0
    #: the id the next slot got at the last return of a call that may put an area where
    #: none was (mmap, mremap, brk, shmat: locked_ranges.FILLERS): an munlock answered
    #: -ENOMEM that entered below it may have stopped at a hole since filled
    #: (guardian/lock_walk.py)
    fill_mark: int = 0
    #: the id the next slot got at the return of the program's own mlockall(MCL_FUTURE)
    #: that set VM_LOCKED in mm->def_flags (None: not known set; munlockall, another
    #: mlockall, fork and exec clear it), and at the last mlockall or munlockall return
    lock_future: int | None = None
    future_mark: int = 0
    #: [start, end) the last brk answer grew the heap by (None: it grew nothing), for
    #: locked_ranges.follow (do_brk_flags(): flags |= mm->def_flags)
    brk_growth: tuple[int, int] | None = None
    #: thread group -> its signal actions, for a process of its own in this space (a vfork
    #: or CLONE_VM child: Linux's copy_sighand gives it a copy of its creator's table, or,
    #: with CLONE_SIGHAND, the very same one).  The space's first group's table, and any
    #: group not named here, is `handlers`.  A new space (fork, exec) starts with none.
    group_handlers: dict[int, dict[int, tuple[int, int, int, int]]] = \
        field(default_factory=dict)
    #: [start, end) the program's own munmap, mremap, brk shrink or shmdt left without a
    #: mapping (or its fork left out of this space), and no call of its own mapped since
    #: (guardian/unmapped_holes.py), sorted and merged (guardian/hole_list.py).  A fork child
    #: keeps them; a new space starts with none.
    holes: list[tuple[int, int]] = field(default_factory=list)
    #: [start, end) of each MAP_GROWSDOWN area the program's own mmap made: such an area
    #: grows down at a fault below it, as the stack does (guardian/unmapped_holes.py)
    growsdown: list[tuple[int, int]] = field(default_factory=list)
    #: the area ids (`origins`) of the program's own MAP_SHARED mmaps of a descriptor open
    #: read-only: do_mmap() cleared VM_MAYWRITE there, which mremap and fork keep
    #: (guardian/mprotect_unchanged.py)
    no_maywrite: set[int] = field(default_factory=set)
    #: [start, end) the program's own MAP_PRIVATE mmap placed a memfd at: a file vma,
    #: never anonymous (vma_is_anonymous() false).
    private_files: list[tuple[int, int]] = field(default_factory=list)

    def handlers_of(self, group: int) -> dict[int, tuple[int, int, int, int]]:
        """The signal actions thread group `group` of this space uses (its sighand)."""
        return self.group_handlers.get(group, self.handlers) if self.group_handlers \
            else self.handlers

    def copy(self) -> Space:
        out = Space(list(self.areas), self.brk_start, self.brk, dict(self.handlers),
                    set(self.altstacks), {},
                    list(self.file_areas), list(self.input_areas), list(self.shared_areas),
                    list(self.origins), list(self.wipe_on_fork), list(self.dont_fork),
                    list(self.wiped_at_fork), list(self.dropped_at_fork))
        out.protections = list(self.protections)
        out.private_files = list(self.private_files)
        out.stack = self.stack
        # A fork's child faults its own copies of a private file view (per tree).
        forked: dict[int, object] = {}
        out.sole_views = [(s, e, forked.setdefault(id(v), getattr(v, "forked", lambda v=v: v)()),
                           off) for s, e, v, off in self.sole_views]
        out.arg_env = self.arg_env
        out.lockable = list(self.lockable)
        out.locked = list(self.locked)
        out.lock_mark = self.lock_mark
        out.area_mark, out.fill_mark = self.area_mark, self.fill_mark
        out.lock_future, out.future_mark = self.lock_future, self.future_mark
        out.mergeable = list(self.mergeable)
        out.merge_any = self.merge_any
        out.guarded = list(self.guarded)    # (fork copies guard markers: copy_pte_range)
        out.holes = list(self.holes)
        out.growsdown = list(self.growsdown)
        out.no_maywrite = set(self.no_maywrite)
        return out

    def set_protection(self, start: int, end: int, prot: int | None) -> None:
        """[start, end) has protection `prot` now (None: read-write or wider)."""
        self.protections = cut_keyed(self.protections, start, end)
        if prot is not None:
            self.protections.append((start, end, prot, 0))

    def forked(self) -> Space:
        """The child's space at fork, as Linux's fork copies the areas: a dont-fork range
        is no area of the child, a wipe-on-fork range is one, empty, keeping its flag (a
        grandchild gets it empty too).  What this fork left empty or out is the child's
        record of its own fork (the parent's earlier record is of another fork)."""
        child = self.copy()
        # The areas the program mapped keep their protection in the child (dup_mmap()).
        child.anon_areas = list(self.anon_areas)
        for start, end in self.dont_fork:
            child.remove_area(start, end)
            child.anon_areas = cut_valued(child.anon_areas, start, end)
        child.dont_fork = []
        child.locked = []               # dup_mmap: vm_flags_clear(tmp, VM_LOCKED_MASK)
        child.lock_future = None        # mm_init(): def_flags & VM_INIT_DEF_MASK
        child.wiped_at_fork = list(self.wipe_on_fork)
        child.dropped_at_fork = list(self.dont_fork)
        child.auxv = self.auxv          # the mm's saved vector, copied with it
        return child

    def fork_fresh(self, va: int) -> str:
        """'wipe' / 'dont' where this space's fork left va empty / out, '' elsewhere."""
        if any(s <= va < e for s, e in self.wiped_at_fork):
            return "wipe"
        if any(s <= va < e for s, e in self.dropped_at_fork):
            return "dont"
        return ""

    def advise_fork(self, start: int, end: int, advice: int) -> None:
        """The program's madvise of [start, end) with fork advice succeeded (or reported
        ENOMEM for a hole, having changed the mapped parts): record it on the areas."""
        mapped = [(max(s, start), min(e, end)) for s, e in self.areas if s < end and start < e]
        if advice in (MADV_WIPEONFORK, MADV_KEEPONFORK):
            self.wipe_on_fork = _cut(self.wipe_on_fork, start, end)
            if advice == MADV_WIPEONFORK:
                self.wipe_on_fork += mapped
        elif advice in (MADV_DONTFORK, MADV_DOFORK):
            self.dont_fork = _cut(self.dont_fork, start, end)
            if advice == MADV_DONTFORK:
                self.dont_fork += mapped

    def mark_mergeable(self, start: int, end: int) -> None:
        """The program's madvise(MADV_MERGEABLE) of [start, end) succeeded (or reported
        ENOMEM for a hole): its areas there are VM_MERGEABLE now, all but the MAP_SHARED
        ones (ksm_madvise() leaves an area vma_ksm_compatible() rejects alone)."""
        pieces = [(max(s, start), min(e, end)) for s, e in self.areas if s < end and start < e]
        for s, e, _, _ in self.shared_areas:
            pieces = _cut(pieces, s, e)
        self.mergeable = _cut(self.mergeable, start, end) + pieces

    def unmark_mergeable(self, start: int, end: int) -> None:
        """[start, end) may be unmergeable now (MADV_UNMERGEABLE)."""
        self.mergeable = _cut(self.mergeable, start, end)

    def lock(self, start: int, end: int) -> None:
        """The program's own mlock of [start, end) succeeded: every lockable area there is
        VM_LOCKED now (mlock_fixup() skips the others)."""
        pieces = [(max(s, start), min(e, end)) for s, e in self.lockable
                  if s < end and start < e]
        self.locked = _cut(self.locked, start, end) + pieces

    def unlock(self, start: int, end: int) -> None:
        """[start, end) may be unlocked now (munlock, or a lock call Linux may have
        applied in part)."""
        self.locked = _cut(self.locked, start, end)

    def onfault_at(self, va: int) -> bool:
        """May the page at va be in a VM_LOCKONFAULT area (guardian/locked_copies.py)?"""
        return any(s <= va < e for s, e in self.onfault)

    def locked_at(self, va: int) -> bool:
        """Is the page at va in an area the program's own lock call made VM_LOCKED?"""
        return any(s <= va < e for s, e in self.locked)

    def file_page(self, va: int) -> tuple[str, int] | None:
        """(path, file offset) of the admitted file the program's own mmap placed at va."""
        for start, end, path, off in reversed(self.file_areas):
            if start <= va < end:
                return path, off + (va - start)
        return None

    def input_page(self, va: int) -> bool:
        """Is va in an area the program mapped from a file that is not admitted (data only)?"""
        return any(s <= va < e for s, e in self.input_areas)

    def sole_view(self, va: int) -> tuple[object, int] | None:
        """(view, file offset) of the file only the program holds that its own mmap
        placed at va."""
        for start, end, view, off in reversed(self.sole_views):
            if start <= va < end:
                return view, off + (va - start)
        return None

    def shared_page(self, va: int) -> bool:
        """Is va in an area the program's own mmap asked to be MAP_SHARED?"""
        return self.share_at(va) is not None

    def share_at(self, va: int) -> tuple[int, int] | None:
        """(share, offset in it) of the page at va, if the program mapped it MAP_SHARED."""
        for start, end, share, off in reversed(self.shared_areas):
            if start <= va < end:
                return share, off + (va - start)
        return None

    def origin_at(self, va: int) -> tuple[int, int] | None:
        """(area id, offset in it) of the page at va, if a recorded area holds it."""
        for start, end, origin, off in reversed(self.origins):
            if start <= va < end:
                return origin, off + (va - start)
        return None

    def add_area(self, start: int, end: int, origin: int) -> None:
        """A new area of the program's own making (exec, mmap, brk growth)."""
        self.areas.append((start, end))
        self.origins.append((start, end, origin, 0))
        if self.holes:
            hole_list.cut(self.holes, start, end)
        # A new area is no locked one, whatever an earlier record said of its addresses.
        self.lockable = _cut(self.lockable, start, end)
        self.locked = _cut(self.locked, start, end)
        self.onfault = _cut(self.onfault, start, end)
        self.mergeable = _cut(self.mergeable, start, end)

    def kept_protections(self, start: int, end: int) -> list[tuple[int, int, int, int]]:
        """The protection records inside [start, end), cut to it."""
        return _moved(self.protections, start, end - start, start, end - start)

    def mapped_again(self, start: int, end: int, origin: int,
                     protections: list[tuple[int, int, int, int]]) -> None:
        """[start, end) stays an area, emptied, of a new origin (move_vma() with
        MREMAP_DONTUNMAP keeps the old vma, its protection too): no hole there, and
        the program's munmap of it later leaves one."""
        self.add_area(start, end, origin)
        self.protections += protections

    def remove_area(self, start: int, end: int) -> None:
        """[start, end) left the program's view: cut it out of every list of areas."""
        self.input_areas = _cut(self.input_areas, start, end)
        self.private_files = _cut(self.private_files, start, end)
        self.shared_areas = cut_keyed(self.shared_areas, start, end)
        self.origins = cut_keyed(self.origins, start, end)
        if self.no_maywrite:                # (an id no area holds any more)
            self.no_maywrite &= {o[2] for o in self.origins}
        self.file_areas = cut_keyed(self.file_areas, start, end)
        if self.sole_views:
            self.sole_views = cut_keyed(self.sole_views, start, end)
        self.wipe_on_fork = _cut(self.wipe_on_fork, start, end)
        self.dont_fork = _cut(self.dont_fork, start, end)
        self.wiped_at_fork = _cut(self.wiped_at_fork, start, end)
        self.dropped_at_fork = _cut(self.dropped_at_fork, start, end)
        self.lockable = _cut(self.lockable, start, end)
        self.locked = _cut(self.locked, start, end)
        self.onfault = _cut(self.onfault, start, end)
        self.mergeable = _cut(self.mergeable, start, end)
        if self.protections:
            self.protections = cut_keyed(self.protections, start, end)
        out: list[tuple[int, int]] = []
        gone: list[tuple[int, int]] = []
        for s, e in self.areas:
            if e <= start or s >= end:
                out.append((s, e))
                continue
            gone.append((max(s, start), min(e, end)))
            if s < start:
                out.append((s, start))
            if e > end:
                out.append((end, e))
        self.areas = out
        # A hole only where an area went: every place a page may be is an area the
        # Guardian records (exec's segments and stack, mmap, brk, mremap, shmat; no vDSO:
        # AT_SYSINFO_EHDR is refused), and do_vmi_munmap() of nothing answers 0.
        for s, e in gone:
            hole_list.add(self.holes, s, e)


    def move_area(self, old: int, old_len: int, new: int, new_len: int, grown: int) -> None:
        """The program's own mremap of [old, old+old_len) returned new (page-rounded
        lengths): what the old range was (an admitted file's pages, input data, a share,
        its origin) it is at the new place, cut to new_len; grown, the last piece goes on
        (the same file or share, its offsets continuing) and the new pages are of a new
        origin, `grown`.  old_len 0 (possible only for a shared mapping) maps the share at
        old a second time, as an area of its own, and leaves old in place."""
        if old_len == 0:
            at = self.share_at(old)
            if at is not None:
                self.shared_areas.append((new, new + new_len, at[0], at[1]))
            view = self.sole_view(old)
            if view is not None:        # the same file, its pages entering anew
                self.sole_views.append((new, new + new_len, view[0], view[1]))
            self.add_area(new, new + new_len, grown)
            return
        moved = [_moved(self.file_areas, old, old_len, new, new_len),
                 _moved(self.shared_areas, old, old_len, new, new_len),
                 _moved([(s, e, 0, 0) for s, e in self.input_areas], old, old_len, new, new_len),
                 _moved(self.origins, old, old_len, new, min(old_len, new_len)),
                 _moved(self.protections, old, old_len, new, new_len),
                 _moved(self.sole_views, old, old_len, new, new_len)]
        # The fork flags go with the area (a grown area keeps its flags over the new part).
        flagged = [[(s, e) for s, e, _, _ in _moved([(s, e, 0, 0) for s, e in ranges],
                                                    old, old_len, new, new_len)]
                   for ranges in (self.wipe_on_fork, self.dont_fork, self.wiped_at_fork,
                                  self.dropped_at_fork, self.lockable, self.locked,
                                  self.mergeable, self.private_files, self.onfault)]
        self.remove_area(old, old + old_len)
        hole_list.cut(self.holes, new, new + new_len)
        self.file_areas += moved[0]
        self.shared_areas += moved[1]
        self.input_areas += [(s, e) for s, e, _, _ in moved[2]]
        self.origins += moved[3]
        self.protections += moved[4]
        self.sole_views += moved[5]
        self.wipe_on_fork += flagged[0]
        self.dont_fork += flagged[1]
        self.wiped_at_fork += flagged[2]
        self.dropped_at_fork += flagged[3]
        # A moved area keeps its flags, VM_LOCKED too; an earlier record at its new place
        # (the old area cut out already) is of an area no longer there.
        self.lockable = _cut(self.lockable, new, new + new_len) + flagged[4]
        self.locked = _cut(self.locked, new, new + new_len) + flagged[5]
        self.mergeable = _cut(self.mergeable, new, new + new_len) + flagged[6]
        # (VM_LOCKONFAULT goes with the area, as VM_LOCKED does: locked_copies.py)
        self.onfault = _cut(self.onfault, new, new + new_len) + flagged[8]
        # move_vma() -> copy_vma() keeps vm_file (vma_expand() in place too): a private
        # file view stays a file area where it went and over what it grew
        self.private_files = _cut(self.private_files, new, new + new_len) + flagged[7]
        if new_len > old_len:
            self.origins.append((new + old_len, new + new_len, grown, 0))
        self.areas.append((new, new + new_len))


_K = TypeVar("_K")


def _cut(areas: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The areas less [start, end), in their order (a split area's pieces in place)."""
    return [piece for s, e in areas
            for piece in ((s, min(e, start)), (max(s, end), e)) if piece[0] < piece[1]]


def cut_valued(areas: list[tuple[int, int, _K]], start: int, end: int
               ) -> list[tuple[int, int, _K]]:
    """The same for areas that carry a value (a protection): each piece keeps it."""
    return [piece for s, e, v in areas
            for piece in ((s, min(e, start), v), (max(s, end), e, v)) if piece[0] < piece[1]]


def cut_keyed(areas: list[tuple[int, int, _K, int]], start: int, end: int
               ) -> list[tuple[int, int, _K, int]]:
    """The same for areas of an object (a file, a share) at an offset: a piece cut off at
    its start keeps the object, its offset moved on."""
    out = []
    for s, e, key, off in areas:
        if e <= start or s >= end:
            out.append((s, e, key, off))
            continue
        if s < start:
            out.append((s, start, key, off))
        if e > end:
            out.append((end, e, key, off + (end - s)))
    return out


def _moved(areas: list[tuple[int, int, _K, int]], old: int, old_len: int, new: int,
           new_len: int) -> list[tuple[int, int, _K, int]]:
    """The pieces of `areas` inside [old, old+old_len), placed at new and cut to new_len;
    the piece reaching the old end runs on to the new end when the range grows."""
    keep_end, delta = old + min(old_len, new_len), new - old
    out = []
    for s, e, key, off in areas:
        lo, hi = max(s, old), min(e, keep_end)
        if lo >= hi:
            continue
        if new_len > old_len and e >= old + old_len:
            hi = old + new_len                # grown: the object goes on past the old end
        out.append((lo + delta, hi + delta, key, off + (lo - s)))
    return out


@dataclass
class Domain:
    """A protection domain: a confidential program and the processes forked from it."""

    id: int
    roots: set[int] = field(default_factory=set)
    key: bytes = b""
    image: MeasuredImage | None = None
    bias: int = 0
    #: A dynamic program's own image beside the interpreter it starts in, with its load bias.
    program: MeasuredImage | None = None
    program_bias: int = 0
    spaces: dict[int, Space] = field(default_factory=dict)   # root -> its address space
    #: The shares its programs made (MAP_SHARED): ids handed out, and the one share of
    #: each admitted file (every MAP_SHARED mmap of the file maps the same pages).
    shares_made: int = 0
    file_shares: dict[str, int] = field(default_factory=dict)
    #: The one share of each memfd its programs made (by the Descriptors' memfd id): every
    #: MAP_SHARED mmap of the memfd maps it, and its pages outlive their mappings.
    memfd_shares: dict[int, int] = field(default_factory=dict)
    #: The shares of its programs' MAP_SHARED anonymous mmaps (MAP_ANONYMOUS, /dev/zero):
    #: a shmem object no path names, reachable only through mappings fork handed down.
    anon_shares: set[int] = field(default_factory=set)
    #: how many futex waits the threads of all its processes have begun (a shared wake on
    #: a word only its processes map may wake any of them: guardian/futex_caps.py)
    futex_waits: int = 0
    #: memfds its image was handed by an execve whose program had mapped them MAP_SHARED
    #: and lives on in another domain after the exec: their pages are that domain's
    #: (guardian/confidential_shares.py `Shares.check_one_frame`).
    memfds_elsewhere: set[int] = field(default_factory=set)
    origins_made: int = 0             # ids of the areas its programs' requests made
    #: how many clones made a thread sharing its creator's tree (CLONE_VM, no new root)
    tree_clones: int = 0
    #: pid -> the process group of the program's process the fork returned that pid for,
    #: as `Space.pgids` knew it last (guardian/process_groups.py): it outlives the
    #: process's address space, so a wait that reports the process's end is judged too.
    pid_groups: dict[int, int] = field(default_factory=dict)

    def new_share(self) -> int:
        self.shares_made += 1
        return self.shares_made

    def new_origin(self) -> int:
        self.origins_made += 1
        return self.origins_made
