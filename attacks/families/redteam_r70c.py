"""Red-team round 70c: clone3(CLONE_PIDFD) words where the stack may not grow for a reason
the Guardian does not follow (RLIMIT_STACK lowered from outside, RLIMIT_AS, a boot-time
stack_guard_gap), and the tagged address ABI across fork, exec and its disabling.

Since round 69c's fixes (guardian/clone_faults.py, return.clone_efault) a clone3 answered
-EFAULT is refused unless its struct, set_tid or CLONE_PIDFD word may fault; a tagged
word is untagged for a thread the Guardian saw enable PR_TAGGED_ADDR_ENABLE.

Linux: copy_process() stores the pidfd with put_user(); a fault below the stack goes
do_page_fault() -> lock_mm_and_find_vma() -> expand_stack_locked() -> expand_downwards()
(-ENOMEM where another area lies within stack_guard_gap below the address; the gap is
the boot parameter stack_guard_gap=, 256 pages by default) -> acct_stack_growth(), which
refuses growth past rlimit(RLIMIT_STACK) and where may_expand_vm() refuses it (RLIMIT_AS:
mm->total_vm + npages past the limit); the fault is then not fixed, -EFAULT,
bad_fork_put_pidfd, no child.  TIF_TAGGED_ADDR is per thread: set_tagged_addr_ctrl()
sets or clears it, a fork or clone child inherits it (dup_task_struct() copies the
thread flags; Documentation/arch/arm64/tagged-address-abi.rst: "inherited on clone() and
fork() and cleared on exec()"), and execve() clears it (flush_thread() ->
flush_tagged_addr_state()).

On the victim `secret_r70_core` (each step turns what it saw into a label; -4 is the
secret's first 8 bytes):

- YS-001: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, then a fork
  child's clone3(CLONE_PIDFD) whose word is a tagged pointer to a writable global answered
  -EFAULT without a grandchild;
- YS-002: the same clone3 answered with a grandchild, the word holding 40;
- YS-003: the ABI enabled, a fork child execs the program; the new image's clone3 with the
  tagged word answered with a child (the word holding the lowest free descriptor);
- YS-004: the ABI enabled then disabled again; the clone3 with the tagged word answered
  with a child;
- YS-005: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE, 1, 0, 0) answered 0;
- YS-006, YS-007: now claims (claim_lowered_limit_child, claim_as_limit_child): a
  child for the word 512 KiB below the stack pointer after RLIMIT_STACK (argument -l) or
  RLIMIT_AS (-a) was lowered to 64 KiB -- the first clone3 already grew the stack there,
  and another process may raise the limit again;
- YS-008: the first clone3(CLONE_PIDFD) of the program, its word 512 KiB below the stack
  pointer, answered with a child, the word holding 40;
- YS-009: now a claim (claim_self_prlimit_efault): -EFAULT for the word 768 KiB below
  the stack pointer after prlimit64(getpid(), RLIMIT_STACK, {64 MiB, inf}) -- another
  process may lower the limit again;
- YS-010: as YS-001 in a vfork child (CLONE_VM | CLONE_VFORK);
- YS-011: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 1 << 40) answered 0;
- YS-012: prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0) answered 1;
- YS-013: clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0) served as fork (clone(SIGCHLD)):
  the child starts with its parent's TPIDR_EL0;
- YS-014: clone3({CLONE_SETTLS, exit_signal SIGCHLD, tls}) served the same way;
- YS-015: clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0) served with another tls;
- YS-016: now a claim (claim_tagged_rlimit_efault): -EFAULT for the word 896 KiB below
  the stack pointer after setrlimit(RLIMIT_STACK) through a tagged pointer raised it;
- honest (tests/test_redteam_r70c_claims.py): -EFAULT for the first clone3 (an
  RLIMIT_STACK another process outside the program lowered: claim_outside_limit), under
  RLIMIT_AS (claim_as_limit), under the lowered RLIMIT_STACK (claim_lowered_limit),
  with the page 2 MiB below under stack_guard_gap=1024 (claim_gap_below); the fork
  child's and the vfork child's grandchild for the tagged word (claim_fork_tagged_child,
  claim_vfork_tagged_child); -EFAULT for the tagged
  word in the exec'd image (claim_exec_tagged_efault) and after the ABI was disabled
  (claim_disabled_efault).

Through with the Guardian on: none.  Refused since round 70c's fixes: YS-001, YS-010
(return.clone_efault: a fork, vfork or thread child inherits TIF_TAGGED_ADDR,
guardian/tagged_abi.py, so its tagged word is the writable global), YS-005, YS-012
(return.range_table: PR_SET_TAGGED_ADDR_CTRL's arg3..arg5, PR_GET_TAGGED_ADDR_CTRL's
arg2..arg5 must be 0).  Refused: YS-002, YS-003, YS-004 (return.fd_fresh: the word is
not written where the Guardian reads it), YS-008 (fd_lowest), YS-011
(return.range_table), YS-013, YS-014, YS-015 (by construction: the Guardian gives a
fork child the TPIDR_EL0 of the call it saw, guardian/confidential_fork.py).  Invalid,
now claims (Linux may give the answer): YS-006, YS-007, YS-009, YS-016 -- whether the
stack grows to a page depends on RLIMIT_STACK and RLIMIT_AS, which a process outside the
program with its uid may set at any instant (prlimit64(): do_prlimit() needs no
privilege), on stack_guard_gap= and on memory pressure, so return.clone_efault no longer
takes a page only the stack's growth reaches as writable.  Let through (honest): every
claim_* step (tests/test_redteam_r70c_claims.py).

The kernel model honours neither RLIMIT_STACK nor RLIMIT_AS when the stack grows, has
no boot-time stack_guard_gap and no tagged address ABI (its prctl answers -EINVAL, its
uaccess does not untag): the claim_* steps answer as Linux does.

qemu-aarch64-static shows the tagged address ABI's user-visible side: write(1, 0x5A << 56 |
buf, 6) is -1 EFAULT before prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) and 6
after it, and 6 in a fork child of the thread that enabled it; prctl(PR_SET_TAGGED_ADDR_CTRL,
1, 1, 0, 0), prctl(PR_SET_TAGGED_ADDR_CTRL, 1 | 1 << 40, 0, 0, 0) and
prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0) are -1 EINVAL.  It refuses CLONE_PIDFD and does not apply RLIMIT_STACK or RLIMIT_AS to the
guest's stack, so it cannot show the clone3 steps.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r67c import pidfd_word_as
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r70c"
CORE = "secret_r70_core"
# secret_r70_core: the marker before each step; the marker after its write is + 1.
P_OUTSIDE_LIMIT, P_AS_LIMIT, P_FORK_TAGGED, P_EXEC_TAGGED = 8700, 8702, 8704, 8706
P_DISABLED_TAGGED, P_BAD_PRCTL, P_LOWERED_LIMIT, P_GAP_BELOW = 8708, 8710, 8712, 8714
P_SELF_PRLIMIT, P_VFORK_TAGGED, P_BAD_TAG_BITS, P_BAD_GET = 8716, 8718, 8720, 8722
P_SETTLS, P_SETTLS3, P_TAGGED_RLIMIT = 8724, 8726, 8728
P_VICTIM_LAST = 8728
NR_SETRLIMIT = 164
CLONE_SETTLS = 0x80000
NR_CLONE, NR_CLONE3, NR_PRCTL = 220, 435, 167
SIGCHLD = 17
EFAULT = 14
UNTAG = (1 << 56) - 1
PROP_LOWEST = ("The pidfd CLONE_PIDFD stores is a new descriptor at the lowest free number "
               "(alloc_fd()), wherever the word is.")
PROP_STUCK = ("A clone3(CLONE_PIDFD) whose pidfd word is where the stack cannot grow makes "
              "no child: put_user() faults, -EFAULT (bad_fork_put_pidfd).")
PROP_TAGGED = ("A thread has TIF_TAGGED_ADDR only where it, or the thread it was forked or "
               "cloned from, enabled it since its last execve() and did not disable it; "
               "without it access_ok() refuses a tagged pointer.")


def prctl_all(adv: Adversary, phase: int, result: int) -> None:
    """Answer `result` to every prctl the program makes after marker `phase`."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", result)


def clone_word_as(adv: Adversary, phase: int, value: int | None = None) -> None:
    """Serve the clone3 after marker `phase`, in any process, as fork (clone(SIGCHLD)) and
    store `value` (None: the lowest free descriptor, the marker's x4) into the pidfd word
    the marker named (its x3), untagged."""
    @adv.on(Point.MARKER, phase=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 2 and args[1]:
            a.memo[("word", phase)] = (args[1] & UNTAG, args[2])

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE3, during=phase,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", phase)] = a.reg("x8")
        a.set_reg("x8", NR_CLONE)
        for i, v in enumerate((SIGCHLD, 0, 0, 0, 0)):
            a.set_reg(f"x{i}", v)
        a.note("clone3 served as clone(SIGCHLD)")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if ("x8", phase) in a.memo:
            a.set_reg("x8", a.memo[("x8", phase)])
        got, child = a.memo.get(("word", phase)), a.reg("x0")
        if got is None or not 0 < child < 1 << 31 or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        stored = got[1] if value is None else value
        a.kernel.uaccess.write_u32(got[0], stored & 0xFFFF_FFFF)
        a.note(f"pidfd word of child {child} written as {stored}")


@scenario(id="YS-001", title="Answer -EFAULT, no grandchild, for a fork child's "
          "clone3(CLONE_PIDFD) whose word is a tagged pointer, its parent having enabled the "
          "tagged address ABI", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_TAGGED)
def ys_fork_tagged_efault(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE); the
    kernel answers 0 as Linux does (set_tagged_addr_ctrl()).  It forks; the child calls
    clone3({CLONE_PIDFD, pidfd = 0x5A << 56 | &global, exit_signal SIGCHLD}, 88) and
    chooses -4 for -EFAULT.
    2. The kernel serves the child's clone3 as getpid() and answers -EFAULT: the child
    logs bytes 0..7 of the secret.
    The child inherited TIF_TAGGED_ADDR (dup_task_struct() copies the thread flags):
    access_ok() untags the word, put_user() stores the pidfd (TBI), a grandchild is made."""
    answer(adv, NR_PRCTL, P_FORK_TAGGED, 0)
    serve_as_getpid(adv, NR_CLONE3, P_FORK_TAGGED, -EFAULT, init_only=False)


@scenario(id="YS-002", title="Write 40 as the pidfd of a fork child's clone3(CLONE_PIDFD) "
          "whose word is a tagged pointer under the inherited tagged address ABI", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_LOWEST)
def ys_fork_tagged_high(adv: Adversary) -> None:
    """1. As YS-001; the child chooses -4 for a grandchild unless the word holds its lowest
    free descriptor L.
    2. The kernel makes the grandchild and stores 40 at the word's untagged address: the
    child logs bytes 0..7 of the secret.
    put_user() stores alloc_fd()'s L."""
    answer(adv, NR_PRCTL, P_FORK_TAGGED, 0)
    clone_word_as(adv, P_FORK_TAGGED, 40)


def claim_fork_tagged_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0
    (set_tagged_addr_ctrl()); the fork child inherits TIF_TAGGED_ADDR (dup_task_struct());
    its clone3 with the tagged pidfd word makes a grandchild and put_user() stores the
    child's lowest free descriptor L through the tagged pointer.  The kernel model has no
    tagged address ABI: the step answers the prctl 0, serves the child's clone3 as fork
    and stores L (the marker's x4) at the untagged address."""
    answer(adv, NR_PRCTL, P_FORK_TAGGED, 0)
    clone_word_as(adv, P_FORK_TAGGED)


@scenario(id="YS-003", title="Make a child for clone3(CLONE_PIDFD) whose word is a tagged "
          "pointer in an image exec'd by a fork child of a thread that enabled the tagged "
          "address ABI", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_TAGGED,
          silent="in the predecessor design the image a fork child execs leaves no marker: "
                 "its clone3 is never answered")
def ys_exec_tagged_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; a fork child
    execs the program with -t; the new image calls clone3 with the tagged pidfd word and
    chooses -4 for a child.
    2. The kernel makes the child and stores the lowest free descriptor at the word's
    untagged address: the new image exits with 4 and the program logs bytes 0..7 of the
    secret.
    execve() clears TIF_TAGGED_ADDR (flush_thread() -> flush_tagged_addr_state()):
    access_ok() refuses the tagged word, -EFAULT and no child."""
    prctl_all(adv, P_EXEC_TAGGED, 0)
    clone_word_as(adv, P_EXEC_TAGGED)


def claim_exec_tagged_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0 before the fork
    child's execve(); the new image has no TIF_TAGGED_ADDR (flush_tagged_addr_state()), so
    its clone3 with the tagged pidfd word fails: -EFAULT, no child.  The step answers the
    prctl 0 and the new image's clone3 -EFAULT."""
    prctl_all(adv, P_EXEC_TAGGED, 0)
    serve_as_getpid(adv, NR_CLONE3, P_EXEC_TAGGED, -EFAULT, init_only=False)


@scenario(id="YS-004", title="Make a child for clone3(CLONE_PIDFD) whose word is a tagged "
          "pointer after the tagged address ABI was enabled and disabled again", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_TAGGED)
def ys_disabled_tagged_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) and prctl(..., 0) both
    answered 0, as Linux does; the program calls clone3 with the tagged pidfd word and
    chooses -4 for a child.
    2. The kernel makes the child and stores the lowest free descriptor at the untagged
    address: the program logs bytes 0..7 of the secret.
    set_tagged_addr_ctrl(0) cleared TIF_TAGGED_ADDR: access_ok() refuses the word,
    -EFAULT."""
    prctl_all(adv, P_DISABLED_TAGGED, 0)
    clone_word_as(adv, P_DISABLED_TAGGED)


def claim_disabled_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) then prctl(..., 0), both
    0; the clone3 with the tagged pidfd word fails with -EFAULT (TIF_TAGGED_ADDR
    cleared).  The step answers both prctls 0 and the clone3 -EFAULT."""
    prctl_all(adv, P_DISABLED_TAGGED, 0)
    serve_as_getpid(adv, NR_CLONE3, P_DISABLED_TAGGED, -EFAULT)


@scenario(id="YS-005", title="Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, "
          "PR_TAGGED_ADDR_ENABLE, 1, 0, 0), whose arg3 is not 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="prctl(PR_SET_TAGGED_ADDR_CTRL) with a nonzero arg3, arg4 or arg5 is -EINVAL.")
def ys_bad_prctl_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE, 1, 0, 0)
    and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c, prctl(): `case PR_SET_TAGGED_ADDR_CTRL: if (arg3 || arg4 || arg5)
    return -EINVAL;` before set_tagged_addr_ctrl()."""
    answer(adv, NR_PRCTL, P_BAD_PRCTL, 0)


def claim_lowered_limit_child(adv: Adversary) -> None:
    """(Once YS-006.)  1. (Argument -l.)  setrlimit(RLIMIT_STACK, {64 KiB, inf}), then
    clone3({CLONE_PIDFD, pidfd = sp - 512 KiB, exit_signal SIGCHLD}, 88) answered with a
    child, the word holding the lowest free descriptor.  Linux may answer so: the first
    clone3's put_user() already grew the stack past that page (the area keeps it), and a
    process outside the program may raise the limit again at any instant (prlimit64(),
    do_prlimit()).  The step serves the clone3 as fork and stores the descriptor."""
    clone_word_as(adv, P_LOWERED_LIMIT)


def claim_as_limit_child(adv: Adversary) -> None:
    """(Once YS-007.)  1. (Argument -a.)  setrlimit(RLIMIT_AS, {64 KiB, inf}), then
    clone3({CLONE_PIDFD, pidfd = sp - 512 KiB, exit_signal SIGCHLD}, 88) answered with a
    child, the word holding the lowest free descriptor.  Linux may answer so: the first
    clone3's put_user() already grew the stack past that page, and a process outside the
    program may raise RLIMIT_AS again (prlimit64()).  The step serves the clone3 as fork
    and stores the descriptor."""
    clone_word_as(adv, P_AS_LIMIT)


@scenario(id="YS-008", title="Write 40 as the pidfd of the first clone3(CLONE_PIDFD), whose "
          "word is 512 KiB below the stack pointer", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_LOWEST)
def ys_outside_limit_high(adv: Adversary) -> None:
    """1. The program's first clone3({CLONE_PIDFD, pidfd = sp - 512 KiB, exit_signal
    SIGCHLD}, 88); it chooses -4 for a child unless the word holds the lowest free
    descriptor L.
    2. The kernel makes the child and writes 40 into the word: the program logs bytes
    0..7 of the secret.
    put_user() stores alloc_fd()'s L."""
    pidfd_word_as(adv, NR_CLONE3, P_OUTSIDE_LIMIT, 40)


def claim_outside_limit(adv: Adversary) -> None:
    """1. Before the program's first clone3, a process outside it (its launcher, say)
    called prlimit64(pid, RLIMIT_STACK, {64 KiB, inf}) (do_prlimit() on the program's
    signal->rlim; nothing the program sees); the clone3 whose word is 512 KiB below the
    stack pointer: acct_stack_growth() refuses, put_user() faults, -EFAULT and no child.
    The kernel model grows its stack regardless, so the step answers -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_OUTSIDE_LIMIT, -EFAULT)


def claim_as_limit(adv: Adversary) -> None:
    """1. (Argument -a.)  The first clone3 fails as in claim_outside_limit (the stack does
    not grow); setrlimit(RLIMIT_AS, {64 KiB, inf}); the clone3 whose word is 512 KiB below
    the stack pointer: may_expand_vm() refuses the growth (acct_stack_growth()), -EFAULT
    and no child.  The kernel model does not honour RLIMIT_AS, so the step answers both
    clone3s -EFAULT.  (Where the first clone3 made a child, its put_user() grew the stack
    past the word's page: that page is present and writable, the second clone3 cannot
    fault.)"""
    serve_as_getpid(adv, NR_CLONE3, P_OUTSIDE_LIMIT, -EFAULT)
    serve_as_getpid(adv, NR_CLONE3, P_AS_LIMIT, -EFAULT)


def claim_lowered_limit(adv: Adversary) -> None:
    """1. (Argument -l.)  setrlimit(RLIMIT_STACK, {64 KiB, inf}), below the stack area
    already in use; the clone3 whose word is 512 KiB below the stack pointer:
    acct_stack_growth() refuses, -EFAULT and no child.  The step answers -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_LOWERED_LIMIT, -EFAULT)


def claim_gap_below(adv: Adversary) -> None:
    """1. The kernel was booted with stack_guard_gap=1024 (4 MiB; cmdline_parse_stack_guard_gap()).
    The program maps one page 2 MiB below its stack pointer, then the clone3 whose word
    is 512 KiB below the stack pointer: expand_downwards() finds the page within the
    gap below the address (address - prev->vm_end < stack_guard_gap), -ENOMEM, put_user()
    faults, -EFAULT and no child.  The kernel model has no boot-time gap, so the step
    answers -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_GAP_BELOW, -EFAULT)


def claim_self_prlimit_efault(adv: Adversary) -> None:
    """(Once YS-009.)  1. prlimit64(getpid(), RLIMIT_STACK, {64 MiB, inf}), then
    clone3({CLONE_PIDFD, pidfd = sp - 768 KiB, exit_signal SIGCHLD}, 88) (below any page
    touched before) answered -EFAULT.  Linux may answer so: a process outside the program
    with its uid may lower the limit again between the two calls (prlimit64(),
    do_prlimit()), and a boot-time stack_guard_gap= larger than 2 MiB stops the growth at
    the page mapped 2 MiB below (expand_downwards()).  The step answers -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_SELF_PRLIMIT, -EFAULT)


@scenario(id="YS-010", title="Answer -EFAULT, no grandchild, for a vfork child's "
          "clone3(CLONE_PIDFD) whose word is a tagged pointer, its parent having enabled the "
          "tagged address ABI", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_TAGGED)
def ys_vfork_tagged_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does;
    the program calls clone(CLONE_VM | CLONE_VFORK | SIGCHLD); the vfork child calls
    clone3({CLONE_PIDFD, pidfd = 0x5A << 56 | &global, exit_signal SIGCHLD}, 88) and
    chooses -4 for -EFAULT.
    2. The kernel serves the vfork child's clone3 as getpid() and answers -EFAULT: the
    vfork child logs bytes 0..7 of the secret.
    The vfork child inherited TIF_TAGGED_ADDR (dup_task_struct()): access_ok() untags the
    word, put_user() stores the pidfd (TBI), a grandchild is made."""
    answer(adv, NR_PRCTL, P_VFORK_TAGGED, 0)
    serve_as_getpid(adv, NR_CLONE3, P_VFORK_TAGGED, -EFAULT, init_only=False)


def claim_vfork_tagged_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; the vfork child
    (CLONE_VM | CLONE_VFORK) inherits TIF_TAGGED_ADDR; its clone3 with the tagged pidfd
    word makes a grandchild and stores its lowest free descriptor L through the tagged
    pointer.  The step answers the prctl 0, serves the clone3 as fork and stores L at the
    untagged address (the kernel model has no tagged address ABI)."""
    answer(adv, NR_PRCTL, P_VFORK_TAGGED, 0)
    clone_word_as(adv, P_VFORK_TAGGED)


@scenario(id="YS-011", title="Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, "
          "PR_TAGGED_ADDR_ENABLE | 1 << 40), an unknown control bit", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="prctl(PR_SET_TAGGED_ADDR_CTRL) with a bit outside PR_TAGGED_ADDR_ENABLE and "
               "the MTE fields is -EINVAL.")
def ys_bad_tag_bits_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 1 << 40,
    0, 0, 0) and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    arch/arm64/kernel/process.c, set_tagged_addr_ctrl(): `if (arg & ~valid_mask) return
    -EINVAL;` (valid_mask: PR_TAGGED_ADDR_ENABLE, and with MTE PR_MTE_TCF_MASK |
    PR_MTE_TAG_MASK, bits 1..18)."""
    answer(adv, NR_PRCTL, P_BAD_TAG_BITS, 0)


@scenario(id="YS-012", title="Answer 1 to prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0), whose "
          "arg2 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE,
          prop="prctl(PR_GET_TAGGED_ADDR_CTRL) with a nonzero arg2..arg5 is -EINVAL.")
def ys_bad_get_one(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0) and chooses -4 for
    an answer of 0 or more.
    2. The kernel answers 1 (PR_TAGGED_ADDR_ENABLE): the program logs bytes 0..7 of the
    secret.
    kernel/sys.c, prctl(): `case PR_GET_TAGGED_ADDR_CTRL: if (arg2 || arg3 || arg4 ||
    arg5) return -EINVAL;` before get_tagged_addr_ctrl()."""
    answer(adv, NR_PRCTL, P_BAD_GET, 1)


def serve_clone_with(adv: Adversary, nr: int, phase: int, flags: int,
                     tls: int | None = None) -> None:
    """Serve the program's call `nr` after marker `phase` as clone(`flags`, 0, 0, tls, 0)
    -- `tls` None: 0; otherwise the marker's x3 xor `tls` -- and put x8 back at the
    exit."""
    @adv.on(Point.MARKER, phase=phase)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 1:
            a.memo[("tls", phase)] = args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", phase)] = a.reg("x8")
        a.set_reg("x8", NR_CLONE)
        value = 0 if tls is None else a.memo.get(("tls", phase), 0) ^ tls
        for i, v in enumerate((flags, 0, 0, value, 0)):
            a.set_reg(f"x{i}", v)
        a.note(f"call {nr} served as clone({flags:#x}, tls {value:#x})")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if ("x8", phase) in a.memo:
            a.set_reg("x8", a.memo[("x8", phase)])


PROP_TLS = ("A child of a clone with CLONE_SETTLS starts with TPIDR_EL0 = the call's tls "
            "(copy_thread(): p->thread.uw.tp_value = tls).")


@scenario(id="YS-013", title="Serve clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0) as fork: the "
          "child starts with its parent's TPIDR_EL0", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=CORE, prop=PROP_TLS)
def ys_settls_dropped(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0) with tls its own
    TPIDR_EL0 xor 0x1000; the child reads TPIDR_EL0 and chooses -4 for another value.
    2. The kernel serves the call as clone(SIGCHLD): the child starts with its parent's
    TPIDR_EL0 and logs bytes 0..7 of the secret.
    copy_thread(): `if (clone_flags & CLONE_SETTLS) p->thread.uw.tp_value = tls;`."""
    serve_clone_with(adv, NR_CLONE, P_SETTLS, SIGCHLD)


@scenario(id="YS-014", title="Serve clone3({CLONE_SETTLS, exit_signal SIGCHLD, tls}) as fork: "
          "the child starts with its parent's TPIDR_EL0", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=CORE, prop=PROP_TLS)
def ys_settls3_dropped(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_SETTLS, exit_signal SIGCHLD, tls}, 88) with tls
    its own TPIDR_EL0 xor 0x1000; the child chooses -4 for another TPIDR_EL0.
    2. The kernel serves the call as clone(SIGCHLD): the child logs bytes 0..7 of the
    secret.
    copy_clone_args_from_user() takes args.tls; copy_thread() sets tp_value to it."""
    serve_clone_with(adv, NR_CLONE3, P_SETTLS3, SIGCHLD)


@scenario(id="YS-015", title="Serve clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0) with another "
          "tls", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=CORE,
          prop=PROP_TLS)
def ys_settls_other(adv: Adversary) -> None:
    """1. As YS-013.
    2. The kernel serves the call as clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls ^ 0x10, 0):
    the child starts with another TPIDR_EL0 and logs bytes 0..7 of the secret.
    copy_thread() sets tp_value to the call's own tls."""
    serve_clone_with(adv, NR_CLONE, P_SETTLS, CLONE_SETTLS | SIGCHLD, 0x10)


def claim_tagged_rlimit_efault(adv: Adversary) -> None:
    """(Once YS-016.)  1. Under the tagged address ABI, setrlimit(RLIMIT_STACK) through a
    tagged pointer to {64 MiB, inf} answered 0, then clone3({CLONE_PIDFD, pidfd = sp -
    896 KiB, exit_signal SIGCHLD}, 88) answered -EFAULT.  Linux may answer so: a process
    outside the program may lower the limit again (prlimit64(), do_prlimit()).  The step
    answers the prctl and setrlimit 0 and the clone3 -EFAULT."""
    prctl_all(adv, P_TAGGED_RLIMIT, 0)
    answer(adv, NR_SETRLIMIT, P_TAGGED_RLIMIT, 0)
    serve_as_getpid(adv, NR_CLONE3, P_TAGGED_RLIMIT, -EFAULT)
