"""Red-team round 68c: a clone's pidfd word not present at the return, clones Linux never
fails with -EFAULT, and descriptors another holder of the table closes.

Since round 67c's review a clone whose CLONE_PIDFD word (or clone3's struct) the Guardian
cannot read back at the return is judged as an unseen maker (side_fds.pidfd_unsure):
check_made() returns early and the table's free numbers and proven-open prefix
(FileTable.open_below) are cleared.  The kernel decides which pages are present: it may
store the pidfd and then swap the word's page out (SWAP_OUT) before it returns, so the
number the program will read is one the Guardian never judged.

Linux: copy_process() -> pidfd_prepare() -> get_unused_fd_flags() -> alloc_fd(0, ...)
installs the pidfd at the lowest free descriptor and put_user() stores that number; a
swap-out afterwards (shrink_folio_list() -> add_to_swap()) keeps the page's bytes, so
the program reads the lowest free descriptor, never an open one.

On the victim `secret_r67_core` (round 67c's; each step turns what it saw into a label;
-4 is the secret's first 8 bytes):

- YM-001: clone(CLONE_PIDFD | SIGCHLD, 0, &word) answered with the child, the word then
  holding 0 (the open stdin), and its page swapped out before the return; swapped back in
  at the program's next call (wait4);
- YM-002: clone3(CLONE_PIDFD) answered with the child, the word holding 1 (the open
  stdout), the page of the clone_args struct swapped out before the return (the Guardian
  cannot read the flags), swapped back in at wait4;
- YM-003: as YM-001 with the word holding 40 (above the lowest free descriptor);
- YM-004: clone3(CLONE_PIDFD) answered with the child, clone_args.flags stored as 0 at
  the return (a check that reads the struct again sees no CLONE_PIDFD) and the word as 1;
- YM-005: clone(CLONE_PIDFD | SIGCHLD) answered with the child, the word holding -2.

On the victim `secret_r68_core` (round 68c's):

- YM-006, YM-007, YM-008: clone(CLONE_PARENT_SETTID | SIGCHLD, 0, 0x10),
  clone(CLONE_CHILD_SETTID | SIGCHLD, ..., 0x10) and clone(CLONE_CHILD_CLEARTID |
  SIGCHLD, ..., 0x10) answered -EFAULT without a child (kernel_clone() ignores what
  put_user() reports; the child's words are stored only by the child);
- YM-009: after a CLONE_FILES child closed D, the parent's pidfd answered D + 1;
- YM-010: after a vfork child without CLONE_FILES closed D in its own copy, the parent's
  pidfd answered D (still open in the parent);
- YM-011: clone3(CLONE_PIDFD) whose word is 16 KiB below the stack pointer answered with
  the child, the word holding 40;
- YM-012: the same clone3 answered -EFAULT without a child (the stack grows there);
- YM-013: clone3(CLONE_PIDFD) whose word is 64 MiB below the stack pointer (past
  RLIMIT_STACK: -EFAULT) served as fork;
- honest, let through (tests/test_redteam_r68c_claims.py): the pidfd at the lowest free
  descriptor with its word's page swapped out at the return and back in when the Guardian
  asks for it (claim_swapped_pidfd), the unmapped tid words (claim_unmapped_tid_words:
  qemu-aarch64 makes each child too), the pidfds after the closing children and the
  stack word (claim_closing_children).

Through with the Guardian on: YM-013 (gap P6: a child for a clone whose pidfd word the
stack cannot grow to within RLIMIT_STACK; left open: the Guardian does not know the limit
the program was started with -- it is the kernel's, inherited from the launcher, and the
Guardian measures none at exec; under an unlimited one the stack grows there and Linux makes
the child).  Refused: YM-001..YM-003 (the Guardian asks for the
swapped page back, FAULT_IN, before it judges the word: fd_fresh, fd_lowest), YM-004
(user_write: clone3's struct is no output of the call), YM-005 (fd_results), YM-009,
YM-011 (fd_lowest), YM-010 (fd_fresh: open in the parent).  No false refusal.

Refused since round 68c's review: YM-006, YM-007, YM-008 (return.clone_efault: a clone
fails with -EFAULT only where clone3's struct or set_tid array, or the CLONE_PIDFD word,
may fault -- guardian/clone_faults.py).  YM-012, invalid since round 70c's fixes, is now
a claim (claim_stack_word_efault): whether the stack grows to the word 16 KiB below the
stack pointer depends on RLIMIT_STACK and RLIMIT_AS (the launcher's at exec:
setup_arg_pages() widens the stack area only within it; any process with the uid may set
them through prlimit64()), stack_guard_gap= and memory pressure, so Linux may answer
-EFAULT.

The kernel model failed the clones of YM-006 and YM-007 with -EFAULT after it had made
the child (its store into the unmapped word faulted); since round 68c it ignores the
fault, as kernel_clone() and schedule_tail() do (kernel_model/syscalls/proc.py
do_clone()).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.families.redteam_r65c import serve_as_clone
from attacks.families.redteam_r67c import pidfd_word_as
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r68c"
VICTIM = "secret_r67_core"
# secret_r67_core's markers (attacks/families/redteam_r67c.py)
P_PIDFD_HIGH, P_PIDFD_OPEN, P_PIDFD3_OPEN = 7800, 7802, 7808
NR_CLONE, NR_CLONE3, NR_WAIT4 = 220, 435, 260
PROP_LOWEST_STACK = ("The pidfd CLONE_PIDFD stores is a new descriptor at the lowest free "
                     "number (alloc_fd()), wherever the word is.")
PROP_SWAPPED = ("The pidfd CLONE_PIDFD stores is a new descriptor at the lowest free number "
                "(alloc_fd()), whether or not the word's page is present at the return.")


def swapped_pidfd(adv: Adversary, nr: int, phase: int, value: int | None,
                  page_of: str = "word") -> None:
    """At the parent's return from the program's call `nr` after marker `phase` (a child
    made: x0 > 0), write `value` into the pidfd word the marker named (its x3; None: leave
    what the kernel stored), then swap out the page of that word (`page_of` "word") or of
    the clone_args struct (its x5, "args"); swap it back in at the program's first fault on
    it or as its wait4 enters."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 3:
            a.memo[("word", phase)] = args[1]
            a.memo[("page", phase)] = (args[1] if page_of == "word" else args[3]) & ~(PAGE - 1)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = a.memo.get(("word", phase))
        child = a.reg("x0")
        if where is None or not 0 < child < 1 << 31 or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        if value is not None:
            a.kernel.uaccess.write_u32(where, value & 0xFFFF_FFFF)
            a.note(f"pidfd word of child {child} written as {value}")
        page = a.memo[("page", phase)]
        blob = swap_out(a, page)
        if blob is None:
            a.note(f"SWAP_OUT of {page:#x} refused")
            return
        a.memo[("blob", phase)] = blob
        a.note(f"page {page:#x} swapped out before the return")

    def back(a: Adversary) -> None:
        blob = a.memo.pop(("blob", phase), None)
        if blob is not None:
            page = a.memo[("page", phase)]
            a.note(f"page {page:#x} swapped back in: {swap_in(a, page, blob)}")

    @adv.on(Point.HVC, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, call: int, args: tuple[int, ...], **_: object
          ) -> tuple[tuple[int, ...], bytes] | None:
        # The Guardian asked for the page back (FAULT_IN): the kernel's fault path swaps
        # it in (SWAP_IN) where the kernel model would map a fresh page.
        page = a.memo.get(("page", phase))
        if call != Call.SET_PT or ("blob", phase) not in a.memo or len(args) < 3:
            return None
        last = a.walk(page)[-1]
        if (last.table, last.index) != (args[0], args[1]):
            return None
        back(a)
        now = a.walk(page)[-1].desc
        return (args[0], args[1], now, *args[3:]), b""

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WAIT4, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        back(a)


@scenario(id="YM-001", title="Write 0, a descriptor already open, as the pidfd of "
          "clone(CLONE_PIDFD) and swap the word's page out before the return", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_SWAPPED)
def ym_swapped_word_open(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L (dup(0), close()) and calls
    clone(CLONE_PIDFD | SIGCHLD, 0, &word); the parent chooses label -4 unless word == L.
    2. The kernel makes the child, writes 0 (the open stdin) into the word and swaps the
    word's page out before it returns; it swaps it back in at the program's wait4: the
    parent logs bytes 0..7 of the secret.
    alloc_fd() never returns a set bit of open_fds; a swap-out (add_to_swap()) keeps the
    bytes put_user() stored."""
    swapped_pidfd(adv, NR_CLONE, P_PIDFD_OPEN, 0)


@scenario(id="YM-002", title="Write 1, a descriptor already open, as the pidfd of "
          "clone3(CLONE_PIDFD) and swap the clone_args page out before the return",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VICTIM,
          prop=PROP_SWAPPED)
def ym_swapped_args_open(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls
    clone3({CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD}, 88); the parent chooses -4
    unless word == L.
    2. The kernel makes the child, writes 1 (the open stdout) and swaps the page of the
    clone_args struct out before it returns (the Guardian cannot read CLONE_PIDFD back);
    it swaps it back in at wait4: the parent logs bytes 0..7 of the secret.
    As YM-001: alloc_fd() gives L whatever page is present later."""
    swapped_pidfd(adv, NR_CLONE3, P_PIDFD3_OPEN, 1, page_of="args")


@scenario(id="YM-003", title="Write 40, no lowest free descriptor, as the pidfd of "
          "clone(CLONE_PIDFD) and swap the word's page out before the return", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_SWAPPED)
def ym_swapped_word_high(adv: Adversary) -> None:
    """1. As YM-001 (marker 7800).
    2. The kernel makes the child, writes 40 and swaps the word's page out before it
    returns; back in at wait4: the parent logs bytes 0..7 of the secret.
    find_next_fd() takes the lowest clear bit of open_fds: L, not 40."""
    swapped_pidfd(adv, NR_CLONE, P_PIDFD_HIGH, 40)


def claim_swapped_pidfd(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | SIGCHLD, 0, &word); Linux stores the
    lowest free descriptor and may swap the word's page out before the parent runs again
    (reclaim is the kernel's own choice); the page comes back with the same bytes.  The
    kernel makes the child and stores L, then swaps the page out; back in at wait4."""
    swapped_pidfd(adv, NR_CLONE, P_PIDFD_HIGH, None)


def rewrite_args_then_word(adv: Adversary, phase: int, flags: int, value: int) -> None:
    """At the parent's return from the program's clone3 after marker `phase` (a child
    made), store `flags` over clone_args.flags (the struct the marker named: its x5) and
    `value` into the pidfd word (its x3)."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 3:
            a.memo[("word", phase)] = args[1]
            a.memo[("args", phase)] = args[3]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where, ca = a.memo.get(("word", phase)), a.memo.get(("args", phase))
        child = a.reg("x0")
        if where is None or not ca or not 0 < child < 1 << 31 or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        a.kernel.uaccess.write_u32(ca, flags & 0xFFFF_FFFF)
        a.kernel.uaccess.write_u32(where, value & 0xFFFF_FFFF)
        a.note(f"clone_args.flags stored as {flags:#x}, pidfd word of child {child} as {value}")


@scenario(id="YM-004", title="Clear CLONE_PIDFD in clone3's clone_args at the return and "
          "write 1, an open descriptor, as the pidfd", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_SWAPPED)
def ym_args_rewritten(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls
    clone3({CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD}, 88); the parent chooses -4
    unless word == L.
    2. The kernel makes the child, stores 0 over clone_args.flags (so a check that reads
    the struct again at the return sees no CLONE_PIDFD) and 1 (the open stdout) into the
    word: the parent logs bytes 0..7 of the secret.
    copy_clone_args_from_user() only reads the struct (copy_struct_from_user()); the
    flags that count are those read at entry, and alloc_fd() never gives an open
    descriptor."""
    rewrite_args_then_word(adv, P_PIDFD3_OPEN, 0, 1)


@scenario(id="YM-005", title="Write -2, no descriptor, as the pidfd of "
          "clone(CLONE_PIDFD) and answer the child", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_SWAPPED)
def ym_pidfd_negative(adv: Adversary) -> None:
    """1. As YM-001 (marker 7802).
    2. The kernel makes the child and writes -2 into the word, no page swapped: the
    parent logs bytes 0..7 of the secret.
    copy_process(): the number put_user() stores is pidfd_prepare()'s, a descriptor >= 0
    (a negative one is an error: goto bad_fork_free_pid, no child)."""
    pidfd_word_as(adv, NR_CLONE, P_PIDFD_OPEN, -2)


# --- secret_r68_core ---------------------------------------------------------------
CORE = "secret_r68_core"
# secret_r68_core: the marker before each step; the marker after its write is + 1.
P_PARENT_SETTID_FAULT, P_CHILD_SETTID_FAULT, P_CHILD_CLEARTID_FAULT = 8100, 8102, 8104
P_FILES_CHILD_CLOSE, P_VFORK_CHILD_CLOSE, P_PIDFD_STACK = 8106, 8108, 8110
P_PIDFD_FAR = 8112
P_VICTIM_LAST = 8112
SIGCHLD = 17
CLONE_PIDFD, EFAULT = 0x1000, 14
PROP_NO_EFAULT = ("clone() with a CLONE_PARENT_SETTID, CLONE_CHILD_SETTID or "
                  "CLONE_CHILD_CLEARTID word at an unmapped address is never -EFAULT: "
                  "the kernel ignores a failing store into it.")
PROP_TABLE = ("The pidfd CLONE_PIDFD stores is the lowest free number of the parent's own "
              "table, as the closes of every holder of that table left it (alloc_fd()).")


def pidfd_word_from(adv: Adversary, phase: int, delta: int) -> None:
    """At the parent's return from its clone(CLONE_PIDFD) after marker `phase` (a child
    made), write the number the marker named (its x4) plus `delta` into the pidfd word
    (its x3); a clone without CLONE_PIDFD (the closing child's) is left alone."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 2:
            a.memo[("word", phase)] = args[1]
            a.memo[("value", phase)] = args[2] + delta

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[("pidfd", phase)] = bool(a.reg("x0") & CLONE_PIDFD)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where, child = a.memo.get(("word", phase)), a.reg("x0")
        if where is None or not a.memo.get(("pidfd", phase)) or not 0 < child < 1 << 31 \
                or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        got = a.memo[("value", phase)]
        a.kernel.uaccess.write_u32(where, got & 0xFFFF_FFFF)
        a.note(f"pidfd word of child {child} written as {got}")


@scenario(id="YM-006", title="Answer -EFAULT, no child, for clone(CLONE_PARENT_SETTID | "
          "SIGCHLD) whose parent_tid is unmapped", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_NO_EFAULT)
def ym_parent_settid_efault(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PARENT_SETTID | SIGCHLD, 0, 0x10); it chooses -4
    for -EFAULT.
    2. The kernel serves it as getpid() and answers -EFAULT: the program logs bytes 0..7
    of the secret.
    kernel_clone(): `if (clone_flags & CLONE_PARENT_SETTID) put_user(nr,
    args->parent_tid);` -- its result is ignored; sys_clone() reads no struct, so nothing
    in the call can fault."""
    serve_as_getpid(adv, NR_CLONE, P_PARENT_SETTID_FAULT, -EFAULT)


@scenario(id="YM-007", title="Answer -EFAULT, no child, for clone(CLONE_CHILD_SETTID | "
          "SIGCHLD) whose child_tid is unmapped", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_NO_EFAULT)
def ym_child_settid_efault(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0, 0x10); it chooses
    -4 for -EFAULT.
    2. The kernel serves it as getpid() and answers -EFAULT: the program logs bytes 0..7
    of the secret.
    copy_process() only records it (`p->set_child_tid = args->child_tid`); the child's
    schedule_tail() stores into it and ignores a fault."""
    serve_as_getpid(adv, NR_CLONE, P_CHILD_SETTID_FAULT, -EFAULT)


@scenario(id="YM-008", title="Answer -EFAULT, no child, for clone(CLONE_CHILD_CLEARTID | "
          "SIGCHLD) whose child_tid is unmapped", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_NO_EFAULT)
def ym_child_cleartid_efault(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, 0x10); it
    chooses -4 for -EFAULT.
    2. The kernel serves it as getpid() and answers -EFAULT: the program logs bytes 0..7
    of the secret.
    copy_process(): `p->clear_child_tid = (clone_flags & CLONE_CHILD_CLEARTID) ?
    args->child_tid : NULL;` -- only mm_release() at the child's exit stores there."""
    serve_as_getpid(adv, NR_CLONE, P_CHILD_CLEARTID_FAULT, -EFAULT)


@scenario(id="YM-009", title="Give a pidfd the number above the descriptor a CLONE_FILES "
          "child closed", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_TABLE)
def ym_files_child_closed(adv: Adversary) -> None:
    """1. The program dup()s 0 (D), makes a clone(CLONE_FILES | SIGCHLD) child that closes
    D and exits, then calls clone(CLONE_PIDFD | SIGCHLD, 0, &word); it chooses -4 unless
    word == D.
    2. The kernel makes the child and writes D + 1 (as if the child's close had been in a
    table of its own): the parent logs bytes 0..7 of the secret.
    copy_process(): CLONE_FILES shares current->files (copy_files() takes a reference);
    the child's close_fd() frees D there, and alloc_fd() takes it."""
    pidfd_word_from(adv, P_FILES_CHILD_CLOSE, 1)


@scenario(id="YM-010", title="Give a pidfd the number a vfork child without CLONE_FILES "
          "closed in its own table", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_TABLE)
def ym_vfork_child_closed(adv: Adversary) -> None:
    """1. The program dup()s 0 (D), learns the lowest free descriptor L = D + 1, makes a
    clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child that closes D and exits, then calls
    clone(CLONE_PIDFD | SIGCHLD, 0, &word); it chooses -4 unless word == L.
    2. The kernel makes the child and writes D (as if the child's close had been in the
    parent's table): the parent logs bytes 0..7 of the secret.
    copy_files() without CLONE_FILES: dup_fd() gives the child a copy; its close frees D
    in the copy only, so the parent's D stays open and alloc_fd() gives L."""
    pidfd_word_from(adv, P_VFORK_CHILD_CLOSE, -1)


@scenario(id="YM-011", title="Write 40 as the pidfd of clone3(CLONE_PIDFD) whose word is "
          "below the stack pointer, where the stack grows", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_LOWEST_STACK)
def ym_stack_word_high(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls
    clone3({CLONE_PIDFD, pidfd = sp - 16 KiB, exit_signal SIGCHLD}, 88); it chooses -4
    for a child unless the word holds L.
    2. The kernel makes the child and writes 40 into the word: the parent logs bytes 0..7
    of the secret.
    put_user() faults below the stack and expand_stack() grows it (lock_mm_and_find_vma());
    the number stored is alloc_fd()'s L."""
    pidfd_word_as(adv, NR_CLONE3, P_PIDFD_STACK, 40)


def claim_stack_word_efault(adv: Adversary) -> None:
    """(Once YM-012; an honest answer since round 70c's fixes: see the module docstring.)
    1. The program calls clone3({CLONE_PIDFD, pidfd = sp - 16 KiB, exit_signal
    SIGCHLD}, 88); it chooses -4 for -EFAULT.
    2. The kernel serves it as getpid() and answers -EFAULT: the program logs bytes 0..7
    of the secret.
    copy_process(): put_user(pidfd, args->pidfd) faults on the page below the stack;
    do_page_fault() -> lock_mm_and_find_vma() -> expand_stack_locked() grows the stack
    (16 KiB below sp, far inside RLIMIT_STACK), and the store succeeds."""
    serve_as_getpid(adv, NR_CLONE3, P_PIDFD_STACK, -EFAULT)

@scenario(id="YM-013", title="Make a child for clone3(CLONE_PIDFD) whose word is 64 MiB "
          "below the stack pointer, past RLIMIT_STACK", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=CORE,
          prop="A clone Linux refuses makes no child.  A pidfd word the stack cannot grow "
               "to (past RLIMIT_STACK) is -EFAULT.", gap="P6")
def ym_far_word_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_PIDFD, pidfd = sp - 64 MiB, exit_signal
    SIGCHLD}, 88); a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the
    secret.
    copy_process(): put_user() faults below the stack; expand_stack_locked() ->
    acct_stack_growth(): `if (size > rlimit(RLIMIT_STACK)) return -ENOMEM;` (8 MiB), so
    the fault is not fixed: -EFAULT, bad_fork_put_pidfd, no child.  (The program runs
    with RLIMIT_STACK at its 8 MiB default; under an unlimited one the stack would grow:
    unmapped_holes.stack_may_reach() looks at the guard gap only, not at the limit.)
    Left open: the limit the program started with is the kernel's (inherited from the
    launcher, never measured by the Guardian), so a child here may be honest."""
    serve_as_clone(adv, NR_CLONE3, P_PIDFD_FAR, SIGCHLD)

def claim_unmapped_tid_words(adv: Adversary) -> None:
    """1. clone() with CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID
    words at 0x10: Linux makes each child and ignores the failing stores
    (kernel_clone(), schedule_tail(), mm_release()).  The kernel model failed the first
    two with -EFAULT after making the child; since round 68c it ignores the fault
    (kernel_model/syscalls/proc.py do_clone()): left as it is."""
    adv.note("clones with unmapped tid words left to the kernel model")


def claim_closing_children(adv: Adversary) -> None:
    """1. A CLONE_FILES child and a vfork child without CLONE_FILES each close a
    descriptor, then the parent's clone(CLONE_PIDFD): the pidfd takes the shared table's
    hole, or the parent's own lowest free number.  The kernel model does so, and stores
    a pidfd word 16 KiB below the stack pointer (the stack grows): left as it is."""
    adv.note("closing children and the stack pidfd word left to the kernel model")
