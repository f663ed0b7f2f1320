"""Red-team round 69c: clone3(CLONE_PIDFD) words in the stack's reserve after RLIMIT_STACK
was changed -- by the program itself, by another process through prlimit64, or by a fork
parent whose limit the child inherits.

Since round 68c's fixes (guardian/clone_faults.py, return.clone_efault) a clone answered
-EFAULT is refused unless clone3's struct or set_tid is unreadable or the CLONE_PIDFD word
is not known writable; a word in the initial stack's 8 MiB reserve counts as writable
while no setrlimit or prlimit64 of RLIMIT_STACK was seen in the calling domain.

Linux: copy_process() stores the pidfd with put_user(); a fault below the stack goes
do_page_fault() -> lock_mm_and_find_vma() -> expand_stack_locked() ->
acct_stack_growth(), which refuses growth past rlimit(RLIMIT_STACK) (-ENOMEM: the fault
is not fixed, -EFAULT, bad_fork_put_pidfd, no child).  The limit is the process's
signal->rlim: do_prlimit() sets it for any pid the caller may act on, and copy_signal()
copies it into a fork child.

On the victim `secret_r69_core` (round 69c's; each step turns what it saw into a label;
-4 is the secret's first 8 bytes):

- YO-001: after setrlimit(RLIMIT_STACK, {64 MiB, inf}) (a raised limit: the stack grows
  further, never less), clone3(CLONE_PIDFD) whose word is 16 KiB below the stack pointer
  answered -EFAULT without a child;
- YO-002: the same clone3 answered with a child, the word holding 40;
- YO-003: in a fork child that inherited RLIMIT_STACK of 1 MiB, clone3(CLONE_PIDFD)
  whose word is 4 MiB below its stack pointer answered with a grandchild, the word
  holding 40;
- YO-004: after another process lowered the program's RLIMIT_STACK to 1 MiB
  (prlimit64 on its pid), clone3(CLONE_PIDFD) whose word is 4 MiB below the stack
  pointer answered with a child, the word holding 40;
- YO-005: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, then
  clone3(CLONE_PIDFD) whose word is a tagged pointer (top byte 0x5A) to a writable global
  answered -EFAULT without a child;
- YO-006: as YO-005, clone3(SIGCHLD) whose clone_args pointer is tagged answered -EFAULT
  without a child;
- YO-007: setrlimit(RLIMIT_STACK, {16 MiB, 8 MiB}) -- soft above hard, which Linux
  refuses (-EINVAL) -- answered -EINVAL, then the clone3 of YO-001 answered -EFAULT;
- YO-008 (argument -p: the step runs first, before any RLIMIT_STACK call): after
  mmap(MAP_FIXED) of a page 2 MiB below the stack pointer, the clone3 of
  YO-001 (word 16 KiB below it) answered -EFAULT;
- YO-009: prctl(PR_SET_TAGGED_ADDR_CTRL) answered 0, then clone3(CLONE_PIDFD) whose word
  is a tagged pointer answered with a child, the word (read through its untagged address)
  holding 1, the open stdout;
- YO-010 (argument -c: the step runs first): a fork child sets its own RLIMIT_STACK to 1
  MiB and exits; the parent's clone3(CLONE_PIDFD) whose word is 16 KiB below its stack
  pointer answered -EFAULT;
- honest (tests/test_redteam_r69c_claims.py): the children of YO-005's and YO-006's
  clone3s under the tagged address ABI (claim_tagged_pidfd_child, claim_tagged_args_child),
  the parent's clone3 after a child's
  prlimit64(getppid(), RLIMIT_STACK, 1 MiB) answered -EFAULT (claim_prlimit_other), and
  the fork child's clone3 under an inherited 1 MiB limit answered -EFAULT
  (claim_inherited_limit), and the same in the image a fork child execs (-x) under the
  1 MiB limit its parent set (claim_exec_limit; execve() keeps signal->rlim).

Through with the Guardian on: none.  Refused: YO-002, YO-003, YO-004, YO-009 (fd_lowest);
refused since round 69c's fixes (return.clone_efault): YO-005, YO-006 (a tagged pointer
is untagged for a thread seen enabling PR_TAGGED_ADDR_ENABLE).  Invalid since round 70c's
fixes, now claims (claim_raised_limit_efault, claim_refused_limit_efault,
claim_placed_below_efault, claim_child_own_limit_efault): YO-001, YO-007, YO-008, YO-010
-- whether the stack grows to the word 16 KiB below the stack pointer depends on
RLIMIT_STACK and RLIMIT_AS (the launcher's at exec: setup_arg_pages() widens the stack
area only within it; any process with the uid may set them at any instant through
prlimit64()), stack_guard_gap= and memory pressure, so Linux may answer -EFAULT.  Let through (honest): claim_tagged_pidfd_child (fork.clone_valid and the
pidfd word's grant take the word untagged since round 69c's fixes), claim_tagged_args_child,
claim_prlimit_other, claim_inherited_limit and claim_exec_limit.

The kernel model does not honour RLIMIT_STACK when the stack grows (its initial stack area
is the whole 8 MiB reserve): it makes the child where Linux fails with -EFAULT, so the
claim_* steps answer -EFAULT as Linux does (serve_as_getpid).

qemu-aarch64-static shows the tagged address ABI: write(1, 0x5A << 56 | buf, 7) is -1
(EFAULT) before prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), which answers 0,
and 7 after it.  It cannot show the RLIMIT_STACK steps: it answers 0 to any setrlimit of
RLIMIT_STACK without applying it (the limit would bind qemu itself), and it refuses
CLONE_PIDFD.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r65c import serve_as_clone
from attacks.families.redteam_r67c import pidfd_word_as
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r69c"
CORE = "secret_r69_core"
# secret_r69_core: the marker before each step; the marker after its write is + 1.
P_PRLIMIT_OTHER, P_RAISED_LIMIT, P_INHERITED_LIMIT, P_TAGGED_WORD = 8300, 8302, 8304, 8306
P_TAGGED_ARGS, P_BAD_LIMIT, P_PLACED_BELOW, P_CHILD_OWN_LIMIT = 8308, 8310, 8312, 8314
P_EXEC_LIMIT = 8316
P_VICTIM_LAST = 8316
NR_CLONE3, NR_PRCTL, NR_SETRLIMIT = 435, 167, 164
SIGCHLD = 17
EFAULT = 14
PROP_GROWS = ("A clone3(CLONE_PIDFD) whose pidfd word is where the stack grows to within "
              "RLIMIT_STACK is not -EFAULT: put_user()'s fault grows the stack.")
PROP_LOWEST = ("The pidfd CLONE_PIDFD stores is a new descriptor at the lowest free number "
               "(alloc_fd()), wherever the word is.")


def child_pidfd_word_as(adv: Adversary, nr: int, phase: int, value: int) -> None:
    """As pidfd_word_as(), for a call a fork child makes: at its return from `nr` after
    marker `phase` (a grandchild made: x0 > 0), write `value` into the word the marker
    named (its x3)."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 1:
            a.memo[("word", phase)] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        where, child = a.memo.get(("word", phase)), a.reg("x0")
        if where is None or not 0 < child < 1 << 31 or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        a.kernel.uaccess.write_u32(where, value & 0xFFFF_FFFF)
        a.note(f"pidfd word of grandchild {child} written as {value}")


def claim_raised_limit_efault(adv: Adversary) -> None:
    """(Once YO-001; an honest answer since round 70c's fixes: see the module docstring.)
    1. The program calls setrlimit(RLIMIT_STACK, {64 MiB, RLIM_INFINITY}), then
    clone3({CLONE_PIDFD, pidfd = sp - 16 KiB, exit_signal SIGCHLD}, 88); it chooses -4 for
    -EFAULT.
    2. The kernel serves it as getpid() and answers -EFAULT: the program logs bytes 0..7
    of the secret.
    put_user() faults on the page below the stack; expand_stack_locked() ->
    acct_stack_growth() compares the new size with rlimit(RLIMIT_STACK), now 64 MiB: 16
    KiB is far inside it, the stack grows and the store succeeds.  Raising the limit
    only lets the stack grow further."""
    serve_as_getpid(adv, NR_CLONE3, P_RAISED_LIMIT, -EFAULT)


@scenario(id="YO-002", title="Write 40 as the pidfd of clone3(CLONE_PIDFD) whose word is 16 "
          "KiB below the stack pointer after RLIMIT_STACK was raised", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_LOWEST)
def yo_raised_limit_high(adv: Adversary) -> None:
    """1. As YO-001; the program chooses -4 for a child unless the word holds the lowest
    free descriptor L.
    2. The kernel makes the child and writes 40 into the word: the parent logs bytes 0..7
    of the secret.
    The number put_user() stores is alloc_fd()'s L."""
    pidfd_word_as(adv, NR_CLONE3, P_RAISED_LIMIT, 40)


@scenario(id="YO-003", title="Write 40 as the pidfd of a fork child's clone3(CLONE_PIDFD) "
          "whose word is 4 MiB below its stack pointer under an inherited 1 MiB "
          "RLIMIT_STACK", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_LOWEST)
def yo_inherited_limit_high(adv: Adversary) -> None:
    """1. The program sets RLIMIT_STACK to 1 MiB and forks; the child calls
    clone3({CLONE_PIDFD, pidfd = sp - 4 MiB, exit_signal SIGCHLD}, 88) and chooses -4
    for a grandchild unless the word holds its lowest free descriptor L.
    2. The kernel makes the grandchild and writes 40 into the word: the child logs bytes
    0..7 of the secret.
    Linux makes no grandchild at all (acct_stack_growth(): past the inherited 1 MiB,
    -EFAULT); a pidfd, where one is stored, is alloc_fd()'s L."""
    child_pidfd_word_as(adv, NR_CLONE3, P_INHERITED_LIMIT, 40)


@scenario(id="YO-004", title="Write 40 as the pidfd of clone3(CLONE_PIDFD) whose word is 4 "
          "MiB below the stack pointer after another process lowered RLIMIT_STACK",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_LOWEST)
def yo_prlimit_other_high(adv: Adversary) -> None:
    """1. A child calls prlimit64(getppid(), RLIMIT_STACK, {1 MiB, inf}) and exits; the
    parent calls clone3({CLONE_PIDFD, pidfd = sp - 4 MiB, exit_signal SIGCHLD}, 88) and
    chooses -4 for a child unless the word holds the lowest free descriptor L.
    2. The kernel makes the child and writes 40 into the word: the parent logs bytes
    0..7 of the secret.
    Linux fails the clone with -EFAULT (do_prlimit() set the parent's signal->rlim;
    acct_stack_growth() refuses 4 MiB); a stored pidfd is alloc_fd()'s L."""
    pidfd_word_as(adv, NR_CLONE3, P_PRLIMIT_OTHER, 40)


def claim_prlimit_other(adv: Adversary) -> None:
    """1. A child calls prlimit64(getppid(), RLIMIT_STACK, {1 MiB, inf}) (do_prlimit() on
    the parent's signal->rlim) and exits; the parent's clone3(CLONE_PIDFD) whose word is
    4 MiB below its stack pointer: put_user() faults, acct_stack_growth() refuses growth
    past 1 MiB, -EFAULT and no child.  The kernel model grows its stack regardless, so
    the step answers -EFAULT as Linux does."""
    serve_as_getpid(adv, NR_CLONE3, P_PRLIMIT_OTHER, -EFAULT)


def claim_inherited_limit(adv: Adversary) -> None:
    """1. The parent sets RLIMIT_STACK to 1 MiB and forks (copy_signal() copies
    signal->rlim); the child's clone3(CLONE_PIDFD) whose word is 4 MiB below its stack
    pointer fails with -EFAULT (acct_stack_growth()), no grandchild.  The kernel model
    grows the stack regardless, so the step answers -EFAULT in the child as Linux does."""
    serve_as_getpid(adv, NR_CLONE3, P_INHERITED_LIMIT, -EFAULT, init_only=False)


@scenario(id="YO-005", title="Answer -EFAULT, no child, for clone3(CLONE_PIDFD) whose word "
          "is a tagged pointer to a writable global under the tagged address ABI",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop="With PR_TAGGED_ADDR_ENABLE set, a tagged pointer to a writable page is a "
               "valid user address: put_user() of the pidfd does not fault.")
def yo_tagged_word_efault(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE); the
    kernel answers 0, as Linux does (set_tagged_addr_ctrl(): sets TIF_TAGGED_ADDR;
    CONFIG_ARM64_TAGGED_ADDR_ABI is on in Debian's kernels).  The program then calls
    clone3({CLONE_PIDFD, pidfd = 0x5A << 56 | &global, exit_signal SIGCHLD}, 88); it
    chooses -4 for -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    arm64 __access_ok() untags the address when TIF_TAGGED_ADDR is set
    (untagged_addr()), and the store through the tagged pointer reaches the writable
    global (TBI): no fault, the child is made."""
    answer(adv, NR_PRCTL, P_TAGGED_WORD, 0)
    serve_as_getpid(adv, NR_CLONE3, P_TAGGED_WORD, -EFAULT)


@scenario(id="YO-006", title="Answer -EFAULT, no child, for clone3(SIGCHLD) whose clone_args "
          "pointer is tagged under the tagged address ABI", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE,
          prop="With PR_TAGGED_ADDR_ENABLE set, a tagged pointer to a readable struct is a "
               "valid user address: copy_struct_from_user() does not fault.")
def yo_tagged_args_efault(adv: Adversary) -> None:
    """1. As YO-005, prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; the
    program calls clone3(0x5A << 56 | &args, 88) with args = {exit_signal SIGCHLD}; it
    chooses -4 for -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    copy_clone_args_from_user() -> copy_struct_from_user() -> copy_from_user(): access_ok()
    untags the pointer (TIF_TAGGED_ADDR), the struct is read and the child is made."""
    answer(adv, NR_PRCTL, P_TAGGED_ARGS, 0)
    serve_as_getpid(adv, NR_CLONE3, P_TAGGED_ARGS, -EFAULT)


def claim_refused_limit_efault(adv: Adversary) -> None:
    """(Once YO-007; an honest answer since round 70c's fixes: see the module docstring.)
    1. First of all, the program calls setrlimit(RLIMIT_STACK, {16 MiB, 8 MiB}); the
    kernel answers -EINVAL as Linux does (do_prlimit(): `if (new_rlim->rlim_cur >
    new_rlim->rlim_max) return -EINVAL;`, before any limit is touched).  It then calls
    clone3({CLONE_PIDFD, pidfd = sp - 16 KiB, exit_signal SIGCHLD}, 88) and chooses -4
    for -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    RLIMIT_STACK is still the 8 MiB the program started with; expand_stack_locked() grows
    the stack 16 KiB and put_user() succeeds."""
    serve_as_getpid(adv, NR_CLONE3, P_BAD_LIMIT, -EFAULT)


def claim_placed_below_efault(adv: Adversary) -> None:
    """(Once YO-008; an honest answer since round 70c's fixes: see the module docstring.)
    1. First of all (argument -p: before any setrlimit or prlimit64), the program maps
    one page with mmap(MAP_FIXED) 2 MiB below its stack pointer,
    then calls clone3({CLONE_PIDFD, pidfd = sp - 16 KiB, exit_signal SIGCHLD}, 88); it
    chooses -4 for -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    In Linux the page lands in unmapped space below the stack area (vm_start near the
    lowest address the stack touched); 16 KiB below sp is in the stack area already or
    one growth away (expand_downwards(): the page 2 MiB down is more than stack_guard_gap,
    1 MiB, below it), so put_user() succeeds.  The Guardian's record of the initial
    stack's reserve is split by the page and it stops judging."""
    serve_as_getpid(adv, NR_CLONE3, P_PLACED_BELOW, -EFAULT)


@scenario(id="YO-009", title="Write 1, an open descriptor, as the pidfd of clone3(CLONE_PIDFD) "
          "whose word is a tagged pointer under the tagged address ABI", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_LOWEST)
def yo_tagged_word_open(adv: Adversary) -> None:
    """1. As YO-005, prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, and
    clone3({CLONE_PIDFD, pidfd = 0x5A << 56 | &global, exit_signal SIGCHLD}, 88); the
    program reads the word through its untagged address and chooses -4 for a child
    unless it holds the lowest free descriptor L.
    2. The kernel serves the clone3 as fork and stores 1 (the open stdout) at the
    untagged address: the parent logs bytes 0..7 of the secret.
    put_user() through the tagged pointer stores alloc_fd()'s L (TBI: the same page)."""
    answer(adv, NR_PRCTL, P_TAGGED_WORD, 0)
    serve_as_clone(adv, NR_CLONE3, P_TAGGED_WORD, SIGCHLD)

    @adv.on(Point.MARKER, phase=P_TAGGED_WORD)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 1:
            a.memo["tagged"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=P_TAGGED_WORD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where, child = a.memo.get("tagged"), a.reg("x0")
        if where is not None and 0 < child < 1 << 31:
            a.kernel.uaccess.write_u32(where & ((1 << 56) - 1), 1)
            a.note(f"pidfd word of child {child} written as 1")


def claim_tagged_pidfd_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does
    (set_tagged_addr_ctrl()); clone3({CLONE_PIDFD, pidfd = 0x5A << 56 | &global,
    exit_signal SIGCHLD}, 88): access_ok() untags the word (TIF_TAGGED_ADDR), Linux makes
    the child and put_user() stores the lowest free descriptor L through the tagged
    pointer (the same page: TBI).  The kernel model has no tagged address ABI (its prctl
    answers -EINVAL, its uaccess does not untag), so the step answers the prctl 0, serves
    the clone3 as fork and stores L (the marker's x4) at the untagged address."""
    answer(adv, NR_PRCTL, P_TAGGED_WORD, 0)
    serve_as_clone(adv, NR_CLONE3, P_TAGGED_WORD, SIGCHLD)

    @adv.on(Point.MARKER, phase=P_TAGGED_WORD)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 2:
            a.memo["tagged"] = (args[1], args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=P_TAGGED_WORD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        got, child = a.memo.get("tagged"), a.reg("x0")
        if got is not None and 0 < child < 1 << 31:
            a.kernel.uaccess.write_u32(got[0] & ((1 << 56) - 1), got[1])
            a.note(f"pidfd word of child {child} written as {got[1]}")


def claim_tagged_args_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0;
    clone3(0x5A << 56 | &args, 88) with args = {exit_signal SIGCHLD}: access_ok() untags
    the pointer, copy_struct_from_user() reads the struct and Linux makes the child.  As
    claim_tagged_pidfd_child, the step answers the prctl 0 and serves the clone3 as
    fork."""
    answer(adv, NR_PRCTL, P_TAGGED_ARGS, 0)
    serve_as_clone(adv, NR_CLONE3, P_TAGGED_ARGS, SIGCHLD)


def claim_child_own_limit_efault(adv: Adversary) -> None:
    """(Once YO-010; an honest answer since round 70c's fixes: see the module docstring.)
    1. First of all (argument -c), a fork child calls setrlimit(RLIMIT_STACK, {1 MiB,
    inf}) and exits; the parent calls clone3({CLONE_PIDFD, pidfd = sp - 16 KiB,
    exit_signal SIGCHLD}, 88) and chooses -4 for -EFAULT.
    2. The kernel serves the parent's clone3 as getpid() and answers -EFAULT: the parent
    logs bytes 0..7 of the secret.
    do_prlimit() on the child (pid 0: current) changed the child's signal->rlim only;
    copy_signal() gave it a copy at fork.  The parent's limit is still 8 MiB: the stack
    grows 16 KiB and put_user() succeeds."""
    serve_as_getpid(adv, NR_CLONE3, P_CHILD_OWN_LIMIT, -EFAULT)


def claim_exec_limit(adv: Adversary) -> None:
    """1. The program sets RLIMIT_STACK to 1 MiB and a fork child execs it again with -x
    (copy_signal() copied the limit; execve() keeps signal->rlim); the new image's
    clone3(CLONE_PIDFD) whose word is 4 MiB below its stack pointer: acct_stack_growth()
    refuses, -EFAULT and no child.  The kernel model grows the stack regardless, so the
    step answers -EFAULT in the exec'd image as Linux does."""
    serve_as_getpid(adv, NR_CLONE3, P_EXEC_LIMIT, -EFAULT, init_only=False)
