"""Red-team round 72c: prctl arguments round 71c's table lets through, answers Linux never
gives after a prctl the program made, clone3(CLONE_PIDFD) words in pages a failed
mprotect() left read-only, and the tagged address ABI in a fork child.

Linux: prctl_set_mdwe() refuses PR_MDWE_NO_INHERIT without PR_MDWE_REFUSE_EXEC_GAIN
(-EINVAL; before 6.7 the bit is unknown, -EINVAL too), and MMF_HAS_MDWE, once set, is
never cleared: prctl_get_mdwe() reports it.  arm64's arch_prctl_spec_ctrl_get() knows
PR_SPEC_STORE_BYPASS alone (-ENODEV otherwise), ssbd_prctl_set() answers -ERANGE for an
unknown control.  cap_task_prctl(): PR_CAP_AMBIENT_CLEAR_ALL with arg3 | arg4 | arg5 is
-EINVAL; PR_CAP_AMBIENT_LOWER answers commit_creds()'s 0 (only PR_CAP_AMBIENT_IS_SET
answers 1).  do_mprotect_pkey() answers -EINVAL for an unaligned start, an unknown PROT
bit (arch_validate_prot()) or a key not allocated (mm_pkey_is_allocated()) before it
looks at any area, and -EACCES for a range of one area lacking VM_MAYWRITE (a MAP_SHARED
view of a file opened O_RDONLY) before mprotect_fixup(): the page keeps its protection,
and a CLONE_PIDFD word in it makes put_user() fault (-EFAULT, no child).  dup_task_struct()
copies the thread flags: a fork child of a thread under the tagged address ABI has
TIF_TAGGED_ADDR, and its PR_GET_TAGGED_ADDR_CTRL answers PR_TAGGED_ADDR_ENABLE.

On the victim `secret_r72_core` (each step turns what it saw into a label; -4 is the
secret's first 8 bytes):

- YY-001: prctl(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0) answered 0;
- YY-002: prctl(PR_GET_SPECULATION_CTRL, 9, 0, 0, 0) answered 0;
- YY-003: prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0x100, 0, 0) answered 0;
- YY-004: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 5, 0, 0) answered 0;
- YY-005: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, 0) answered 1;
- YY-006: clone3(CLONE_PIDFD) whose word is in a MAP_SHARED PROT_READ view of a file
  opened O_RDONLY, after mprotect(PROT_READ | PROT_WRITE) of it answered -EACCES, served
  as fork;
- YY-007: as YY-006 without the mprotect;
- YY-008, YY-009, YY-010: clone3(CLONE_PIDFD) whose word is in an anonymous page
  mprotect()ed PROT_READ, after mprotect with an unknown PROT bit, pkey_mprotect with key
  5, mprotect of an unaligned start answered -EINVAL, served as fork;
- YY-011: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, then a fork
  child's prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) answered 0;
- YY-012: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) answered 0, then
  prctl(PR_GET_MDWE, 0, 0, 0, 0) answered 0;
- YY-013: prctl(PR_GET_MDWE, 0, 0, 0, 0) before any set answered 2 (PR_MDWE_NO_INHERIT
  alone);
- YY-014..YY-017: prctl(PR_SET_PDEATHSIG, 65), PR_SET_DUMPABLE(2), PR_SET_KEEPCAPS(2),
  PR_SET_TIMING(1), each answered 0;
- YY-018..YY-020: prctl(PR_GET_TSC, &word), PR_GET_FP_MODE, PR_GET_ENDIAN(&word), options
  arm64 does not have, each answered 0;
- YY-021: prctl(1000, 0, 0, 0, 0), no such option, answered 0;
- YY-022: a vfork child's prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered
  0, then the parent's prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) answered 1;
- YY-023: clone3(CLONE_PIDFD) whose word is in a MAP_PRIVATE writable view of a file
  opened O_RDONLY served as fork with 7 (not the lowest free descriptor) stored;
- YY-024: prctl(PR_SET_DUMPABLE, 0) answered 0, then PR_GET_DUMPABLE answered 1;
- YY-025: prctl(PR_SET_KEEPCAPS, 1) answered 0, then PR_GET_KEEPCAPS answered 0;
- YY-026: prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0, then
  prctl(PR_GET_CHILD_SUBREAPER, &word) answered 0 with 0 stored into the word;
- YY-027: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, a vfork
  child's execve() of the program, then the parent's PR_GET_TAGGED_ADDR_CTRL answered 0;
- YY-028..YY-030: a fork child's prctl(PR_GET_PDEATHSIG, &word) storing the parent's
  SIGUSR1, PR_GET_THP_DISABLE and PR_GET_NO_NEW_PRIVS answering 0 after the parent set
  them;
- YY-031: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) answered 0, then an anonymous
  mmap(PROT_READ | PROT_WRITE | PROT_EXEC) made;
- YY-032: prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0) answered 0x1F;
- honest: the untouched run's child for step 21 (a MAP_PRIVATE writable view of a file
  opened O_RDONLY is written by put_user(): the fault copies the page) is let through;
  (tests/test_redteam_r72c_claims.py) a fork child's PR_GET_TAGGED_ADDR_CTRL answering 1
  (claim_tagged_fork_one), the parent's 0 after a vfork child enabled the ABI
  (claim_vfork_tagged_zero), the parent's 1 after its vfork child exec'd
  (claim_vfork_exec_one), a fork child's 0 word, 1 and 1 from PR_GET_PDEATHSIG,
  PR_GET_THP_DISABLE, PR_GET_NO_NEW_PRIVS (claim_fork_pdeath_zero, claim_fork_thp_one,
  claim_fork_nnp_one), -EACCES for the writable, executable mmap under MDWE
  (claim_mdwe_rwx_eacces), a child for the word in a page pkey_mprotect(PROT_READ |
  PROT_WRITE, key 0) made writable (claim_pkey_zero_child: the kernel model answers
  -EINVAL for key 0, where arm64's mm_pkey_is_allocated() holds key 0 always; the step
  passes the call to the model with key -1) and PR_GET_MDWE answering 1 after the set
  (claim_mdwe_kept_one).  The kernel model has no tagged address ABI and no MDWE (its
  prctl answers -EINVAL): the claim_* steps answer the prctls as Linux does.

Through with the Guardian on when written (gap P5): YY-001..YY-006, YY-012..YY-017,
YY-024..YY-026, YY-029, YY-031, YY-032 -- return.range_table knew PR_SET_MDWE's bits but
not that NO_INHERIT needs REFUSE_EXEC_GAIN nor that PR_GET_MDWE never reports NO_INHERIT
alone, no speculation control's `which` or value, nor which PR_GET_SPECULATION_CTRL values
arm64 can give, PR_CAP_AMBIENT_CLEAR_ALL's arg3, LOWER's 0, PR_SET_PDEATHSIG's,
PR_SET_DUMPABLE's, PR_SET_KEEPCAPS's and PR_SET_TIMING's ranges; no state is kept for
MDWE, dumpability, SECURE_KEEP_CAPS, the child subreaper bit, nor MMF_DISABLE_THP in a
fork child (nor MDWE's refusal of a writable, executable mmap); a failed mprotect() of
one page in one area leaves the Guardian not knowing its protection, though
do_mprotect_pkey() changed nothing.
Refused since (return.range_table: abi/value_ranges.py's PRCTL rows, `WhenArg`,
`ResultIn`): YY-001..YY-005, YY-014..YY-017, YY-032; (return.range_table, the MDWE bits,
SECURE_KEEP_CAPS, is_child_subreaper and a fork child's MMF_DISABLE_THP followed by
guardian/prctl_state.py): YY-012, YY-013, YY-025, YY-026, YY-029, YY-031 (mmap placed by
the kernel where no writable, executable area was made before: 6.3..6.11's
mmap_region() lets one merge); YY-006 (return.clone_pidfd_prot: guardian/protections.py
keeps the protection after an -EACCES do_mprotect_pkey() gave at the first vma of one
MAP_SHARED mmap, or an -EINVAL arch_validate_prot() gave); YY-024 (return.range_table:
guardian/prctl_state.py follows the mm's dumpable mode from PR_SET_DUMPABLE, into a fork
child, until a credential change or an exec).  Still through: none.
Refused: YY-007 (return.clone_pidfd_prot), YY-008..YY-010 (return.fd_fresh: the
anonymous word still holds the -1 the program wrote, the kernel cannot store into the
program's page; return.clone_pidfd_prot does not fire after the failed call, as for
YY-006), YY-011, YY-022, YY-027 (return.tagged_ctrl), YY-018..
YY-021 (options arm64 lacks, unknown options), YY-023 (return.fd_fresh), YY-028
(the child's pdeath_signal is 0), YY-030 (no_new_privs is kept).  No false refusal was
found: every claim passes.

qemu-aarch64-static shows the honest answers (its do_prctl() passes these options to the
host kernel): prctl(PR_SET_MDWE, 2), PR_GET_SPECULATION_CTRL(9),
PR_SET_SPECULATION_CTRL(0, 0x100) and PR_CAP_AMBIENT_CLEAR_ALL with arg3 5 are -1,
PR_CAP_AMBIENT_LOWER(0) answers 0, mprotect(PROT_READ | PROT_WRITE) of the O_RDONLY
file's shared view is -1 EACCES, the unknown PROT bit and the unaligned start -1 EINVAL,
and the fork child's PR_GET_TAGGED_ADDR_CTRL answers 1.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r70c import clone_word_as, prctl_all
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r72c"
CORE = "secret_r72_core"
# secret_r72_core: the marker before each step; the marker after its write is + 1.
P_MDWE_INHERIT, P_SPEC_WHICH, P_SPEC_CTRL, P_AMB_CLEAR = 9300, 9302, 9304, 9306
P_AMB_LOWER, P_FILE_RO_WORD, P_FILE_RO_PLAIN, P_BADPROT_WORD = 9308, 9310, 9312, 9314
P_PKEY_WORD, P_UNALIGNED_WORD, P_TAGGED_FORK, P_MDWE_KEPT = 9316, 9318, 9320, 9322
P_PDEATH_BAD, P_DUMPABLE_BAD, P_KEEPCAPS_BAD, P_TIMING_BAD = 9324, 9326, 9328, 9330
P_GET_TSC, P_GET_FP_MODE, P_GET_ENDIAN, P_UNKNOWN_OPT = 9332, 9334, 9336, 9338
P_MDWE_GET_TWO, P_VFORK_TAGGED, P_PRIV_FILE_WORD = 9340, 9342, 9344
P_DUMP_KEPT, P_KEEPCAPS_KEPT, P_SUBREAPER_KEPT, P_VFORK_EXEC_GET = 9346, 9348, 9350, 9352
P_FORK_PDEATH, P_FORK_THP, P_FORK_NNP, P_MDWE_RWX = 9354, 9356, 9358, 9360
P_PKEY_ZERO, P_SPEC_ODD = 9362, 9364
#: the steps an untouched run takes
PHASES = (P_MDWE_INHERIT, P_SPEC_WHICH, P_SPEC_CTRL, P_AMB_CLEAR, P_AMB_LOWER,
          P_FILE_RO_WORD, P_FILE_RO_PLAIN, P_BADPROT_WORD, P_PKEY_WORD, P_UNALIGNED_WORD,
          P_TAGGED_FORK, P_MDWE_GET_TWO, P_PDEATH_BAD, P_DUMPABLE_BAD, P_KEEPCAPS_BAD,
          P_TIMING_BAD, P_GET_TSC, P_GET_FP_MODE, P_GET_ENDIAN, P_UNKNOWN_OPT, P_VFORK_TAGGED,
          P_PRIV_FILE_WORD, P_DUMP_KEPT, P_KEEPCAPS_KEPT, P_SUBREAPER_KEPT, P_VFORK_EXEC_GET,
          P_FORK_PDEATH, P_FORK_THP, P_FORK_NNP, P_PKEY_ZERO, P_SPEC_ODD, P_MDWE_KEPT,
          P_MDWE_RWX)
P_FIRST, P_VICTIM_LAST = P_MDWE_INHERIT, max(PHASES)
NR_PRCTL = 167
PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL = 55, 56
PROP_PRCTL = ("prctl() answers only what kernel/sys.c and the option's handler can answer "
              "for the arguments it was given.")
PROP_PROT = ("A clone3(CLONE_PIDFD) whose pidfd word lies in a page without VM_WRITE makes "
             "no child: put_user() faults, -EFAULT (bad_fork_put_pidfd); an mprotect() "
             "that fails before any change leaves the page's protection as it was.")


def prctl_by_option(adv: Adversary, phase: int, results: dict[int, int]) -> None:
    """Answer each prctl after marker `phase`, in any process, whose option is a key of
    `results` with its value."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("opt", phase)] = a.reg("x0") & 0xFFFFFFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        opt = a.memo.get(("opt", phase))
        if opt in results:
            a.set_reg("x0", results[opt])


@scenario(id="YY-001", title="Answer 0 to prctl(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0) "
          "without PR_MDWE_REFUSE_EXEC_GAIN", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_mdwe_inherit_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0) and chooses -4
    for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_set_mdwe(): `if (bits & PR_MDWE_NO_INHERIT && !(bits & PR_MDWE_REFUSE_EXEC_GAIN))
    return -EINVAL;` (6.7+); 6.3..6.6 refuse the unknown bit."""
    answer(adv, NR_PRCTL, P_MDWE_INHERIT, 0)


@scenario(id="YY-002", title="Answer 0 to prctl(PR_GET_SPECULATION_CTRL, 9, 0, 0, 0), no "
          "such speculation control", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_PRCTL)
def yy_spec_which_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_SPECULATION_CTRL, 9, 0, 0, 0) and chooses -4 for
    0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    arm64's arch_prctl_spec_ctrl_get(): `case PR_SPEC_STORE_BYPASS: return
    ssbd_prctl_get(task); default: return -ENODEV;`."""
    answer(adv, NR_PRCTL, P_SPEC_WHICH, 0)


@scenario(id="YY-003", title="Answer 0 to prctl(PR_SET_SPECULATION_CTRL, "
          "PR_SPEC_STORE_BYPASS, 0x100, 0, 0), no such control", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_spec_ctrl_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_SPECULATION_CTRL, 0, 0x100, 0, 0) and chooses -4
    for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    arm64's ssbd_prctl_set(): the switch on ctrl knows PR_SPEC_ENABLE, PR_SPEC_DISABLE,
    PR_SPEC_FORCE_DISABLE and PR_SPEC_DISABLE_NOEXEC; `default: return -ERANGE;`."""
    answer(adv, NR_PRCTL, P_SPEC_CTRL, 0)


@scenario(id="YY-004", title="Answer 0 to prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, "
          "5, 0, 0), whose arg3 is not 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_amb_clear_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 5, 0, 0) and
    chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) { if (arg3 | arg4 | arg5)
    return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_AMB_CLEAR, 0)


@scenario(id="YY-005", title="Answer 1 to prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, "
          "0)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_PRCTL)
def yy_amb_lower_one(adv: Adversary) -> None:
    """1. The program calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, 0) and
    chooses -4 for 1 or more.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): LOWER ends `cap_lower(new->cap_ambient, arg3); return
    commit_creds(new);` -- 0; only PR_CAP_AMBIENT_IS_SET answers 1."""
    answer(adv, NR_PRCTL, P_AMB_LOWER, 1)


@scenario(id="YY-006", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "MAP_SHARED PROT_READ view of a file opened O_RDONLY after mprotect(PROT_WRITE) "
          "of it failed with -EACCES", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_PROT)
def yy_file_ro_word_child(adv: Adversary) -> None:
    """1. The program opens its own file O_RDONLY, maps a page MAP_SHARED PROT_READ,
    mprotect()s it PROT_READ | PROT_WRITE (-EACCES), calls clone3({CLONE_PIDFD, pidfd =
    a word in the page}) and chooses -4 for any child.
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): the one area lacks VM_MAYWRITE, `error = -EACCES; break;` before
    mprotect_fixup(): the page stays PROT_READ, put_user() faults, no child."""
    clone_word_as(adv, P_FILE_RO_WORD)


@scenario(id="YY-007", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "MAP_SHARED PROT_READ view of a file opened O_RDONLY", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yy_file_ro_plain_child(adv: Adversary) -> None:
    """1. As YY-006 without the mprotect.
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    access_error(): the area lacks VM_WRITE, -EFAULT, no child."""
    clone_word_as(adv, P_FILE_RO_PLAIN)


@scenario(id="YY-008", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "PROT_READ page after mprotect() with an unknown PROT bit failed", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yy_badprot_word_child(adv: Adversary) -> None:
    """1. The program maps an anonymous page, mprotect()s it PROT_READ, calls
    mprotect(page, PAGE, PROT_READ | PROT_WRITE | 0x100) (-EINVAL), then the clone3 of
    YY-006.
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): `if (!arch_validate_prot(prot, start)) return -EINVAL;` before any
    area is looked at: the page stays PROT_READ, no child."""
    clone_word_as(adv, P_BADPROT_WORD)


@scenario(id="YY-009", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "PROT_READ page after pkey_mprotect() with key 5 failed", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yy_pkey_word_child(adv: Adversary) -> None:
    """1. As YY-008 with pkey_mprotect(page, PAGE, PROT_READ | PROT_WRITE, 5) (-EINVAL).
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): `if ((pkey != -1) && !mm_pkey_is_allocated(current->mm, pkey))`
    -EINVAL (arm64: arch_max_pkey() is 1 without POE, 8 with; key 5 never allocated by the
    program) before any area: no child."""
    clone_word_as(adv, P_PKEY_WORD)


@scenario(id="YY-010", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "PROT_READ page after mprotect() of an unaligned start failed", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yy_unaligned_word_child(adv: Adversary) -> None:
    """1. As YY-008 with mprotect(page + 1, PAGE, PROT_READ | PROT_WRITE) (-EINVAL).
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): `if (start & ~PAGE_MASK) return -EINVAL;` first: no child."""
    clone_word_as(adv, P_UNALIGNED_WORD)


@scenario(id="YY-011", title="Answer 0 to a fork child's prctl(PR_GET_TAGGED_ADDR_CTRL) "
          "whose parent enabled the tagged address ABI", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="dup_task_struct() copies the thread flags: a fork child keeps "
               "TIF_TAGGED_ADDR.")
def yy_tagged_fork_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does;
    the program forks, the child calls prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) and exits
    7 where it answered 0; the parent chooses -4 for 7.
    2. The kernel answers the child's prctl 0: the program logs bytes 0..7 of the secret.
    get_tagged_addr_ctrl(): the child's TIF_TAGGED_ADDR (copied by dup_task_struct()) makes
    it PR_TAGGED_ADDR_ENABLE."""
    prctl_by_option(adv, P_TAGGED_FORK, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                         PR_GET_TAGGED_ADDR_CTRL: 0})


def claim_tagged_fork_one(adv: Adversary) -> None:
    """The honest run of step 10: the set answered 0, the fork child's get 1 (the kernel
    model has no tagged address ABI: the step answers both)."""
    prctl_by_option(adv, P_TAGGED_FORK, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                         PR_GET_TAGGED_ADDR_CTRL: 1})


@scenario(id="YY-012", title="Answer 0 to prctl(PR_GET_MDWE) after prctl(PR_SET_MDWE, "
          "PR_MDWE_REFUSE_EXEC_GAIN) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="MMF_HAS_MDWE, once set, is never cleared (prctl_set_mdwe()).")
def yy_mdwe_kept_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) answered 0, as Linux does
    for any process; the program calls prctl(PR_GET_MDWE, 0, 0, 0, 0) and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_get_mdwe(): `test_bit(MMF_HAS_MDWE, ...) ? PR_MDWE_REFUSE_EXEC_GAIN : 0`; the set
    made the bit, and prctl_set_mdwe() refuses to clear it (-EPERM)."""
    prctl_all(adv, P_MDWE_KEPT, 0)


def claim_mdwe_kept_one(adv: Adversary) -> None:
    """The honest run of step 29: the set answered 0, the get 1 (the kernel model has no
    MDWE: the step answers both)."""
    prctl_by_option(adv, P_MDWE_KEPT, {65: 0, 66: 1})


@scenario(id="YY-013", title="Answer 2 (PR_MDWE_NO_INHERIT alone) to prctl(PR_GET_MDWE, 0, "
          "0, 0, 0)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_PRCTL)
def yy_mdwe_get_two(adv: Adversary) -> None:
    """1. The program, which never set MDWE, calls prctl(PR_GET_MDWE, 0, 0, 0, 0) and
    chooses -4 for 2 or more.
    2. The kernel answers 2: the program logs bytes 0..7 of the secret.
    prctl_get_mdwe(): PR_MDWE_NO_INHERIT is reported only with PR_MDWE_REFUSE_EXEC_GAIN
    (prctl_set_mdwe() refuses it alone), and mmf_init_flags() drops both at fork where
    NO_INHERIT was set: 0, 1 or 3."""
    answer(adv, NR_PRCTL, P_MDWE_GET_TWO, 2)


@scenario(id="YY-014", title="Answer 0 to prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_pdeath_bad_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0) and chooses -4 for 0 or
    more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_SET_PDEATHSIG: if (!valid_signal(arg2)) { error = -EINVAL;`."""
    answer(adv, NR_PRCTL, P_PDEATH_BAD, 0)


@scenario(id="YY-015", title="Answer 0 to prctl(PR_SET_DUMPABLE, 2, 0, 0, 0)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_dumpable_bad_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_DUMPABLE, 2, 0, 0, 0) and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `if (arg2 != SUID_DUMP_DISABLE && arg2 != SUID_DUMP_USER) { error = -EINVAL;`."""
    answer(adv, NR_PRCTL, P_DUMPABLE_BAD, 0)


@scenario(id="YY-016", title="Answer 0 to prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_keepcaps_bad_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0) and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_KEEPCAPS: if (arg2 > 1) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_KEEPCAPS_BAD, 0)


@scenario(id="YY-017", title="Answer 0 to prctl(PR_SET_TIMING, 1, 0, 0, 0)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_timing_bad_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TIMING, PR_TIMING_TIMESTAMP, 0, 0, 0) and chooses
    -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_SET_TIMING: if (arg2 != PR_TIMING_STATISTICAL) error = -EINVAL;`."""
    answer(adv, NR_PRCTL, P_TIMING_BAD, 0)


@scenario(id="YY-018", title="Answer 0 to prctl(PR_GET_TSC, &word, 0, 0, 0) on arm64",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_get_tsc_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_TSC, &word, 0, 0, 0) and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c: `# define GET_TSC_CTL(a) (-EINVAL)` where the architecture has none
    (arm64)."""
    answer(adv, NR_PRCTL, P_GET_TSC, 0)


@scenario(id="YY-019", title="Answer 0 to prctl(PR_GET_FP_MODE, 0, 0, 0, 0) on arm64",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_get_fp_mode_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_FP_MODE, 0, 0, 0, 0) and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c: `# define GET_FP_MODE(a) (-EINVAL)` (only MIPS defines one)."""
    answer(adv, NR_PRCTL, P_GET_FP_MODE, 0)


@scenario(id="YY-020", title="Answer 0 to prctl(PR_GET_ENDIAN, &word, 0, 0, 0) on arm64",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_get_endian_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_ENDIAN, &word, 0, 0, 0) and chooses -4 for 0 or
    more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c: `# define GET_ENDIAN(a, b) (-EINVAL)` (powerpc alone has one)."""
    answer(adv, NR_PRCTL, P_GET_ENDIAN, 0)


@scenario(id="YY-021", title="Answer 0 to prctl(1000, 0, 0, 0, 0), no such option",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_unknown_opt_zero(adv: Adversary) -> None:
    """1. The program calls prctl(1000, 0, 0, 0, 0) and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): security_task_prctl() answers -ENOSYS for an option no module knows, then
    `default: error = -EINVAL;`."""
    answer(adv, NR_PRCTL, P_UNKNOWN_OPT, 0)


@scenario(id="YY-022", title="Answer 1 to prctl(PR_GET_TAGGED_ADDR_CTRL) in a thread whose "
          "vfork child alone enabled the tagged address ABI", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="TIF_TAGGED_ADDR is a thread flag: a vfork child's prctl sets its own.")
def yy_vfork_tagged_one(adv: Adversary) -> None:
    """1. A vfork child calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE)
    (answered 0, as Linux does) and exits; the parent calls prctl(PR_GET_TAGGED_ADDR_CTRL,
    0, 0, 0, 0) and chooses -4 for 1 or more.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    set_tagged_addr_ctrl() sets TIF_TAGGED_ADDR on `current` (the child);
    get_tagged_addr_ctrl() reads the parent's own flag, never set: 0."""
    prctl_by_option(adv, P_VFORK_TAGGED, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                          PR_GET_TAGGED_ADDR_CTRL: 1})


def claim_vfork_tagged_zero(adv: Adversary) -> None:
    """The honest run of step 20: the vfork child's set answered 0, the parent's get 0
    (the kernel model has no tagged address ABI: the step answers both)."""
    prctl_by_option(adv, P_VFORK_TAGGED, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                          PR_GET_TAGGED_ADDR_CTRL: 0})


@scenario(id="YY-023", title="Make a child for clone3(CLONE_PIDFD) whose word is in a "
          "MAP_PRIVATE writable view of a file, storing 7, not the lowest free "
          "descriptor", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop="copy_process() stores the pidfd it installed: the lowest free descriptor.")
def yy_priv_file_word_seven(adv: Adversary) -> None:
    """1. The program maps its own file, opened O_RDONLY, MAP_PRIVATE PROT_READ |
    PROT_WRITE, calls clone3({CLONE_PIDFD, pidfd = a word in it}) and chooses -4 for a
    child whose word is not the lowest free descriptor.
    2. The kernel serves the call as fork and stores 7: the program logs bytes 0..7 of
    the secret.
    pidfd_prepare() -> get_unused_fd_flags(): the lowest free descriptor."""
    clone_word_as(adv, P_PRIV_FILE_WORD, 7)


def prctl_word(adv: Adversary, phase: int, results: dict[int, int], option: int,
               word: int) -> None:
    """As prctl_by_option, and store `word` into the int arg2 of the prctl `option`."""
    prctl_by_option(adv, phase, results)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") & 0xFFFFFFFF == option:
            a.memo[("arg2", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        where = a.memo.pop(("arg2", phase), None)
        if where:
            a.kernel.uaccess.write_u32(where, word)


@scenario(id="YY-024", title="Answer 1 to prctl(PR_GET_DUMPABLE) after prctl("
          "PR_SET_DUMPABLE, 0) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="PR_GET_DUMPABLE reports what PR_SET_DUMPABLE set (set_dumpable()).")
def yy_dump_kept_one(adv: Adversary) -> None:
    """1. prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) answered 0; the program calls
    prctl(PR_GET_DUMPABLE) and chooses -4 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    prctl(): set_dumpable(me->mm, arg2); get_dumpable(me->mm) then answers 0 (only the
    thread group itself, an execve() or a credential change alters it)."""
    prctl_by_option(adv, P_DUMP_KEPT, {4: 0, 3: 1})


@scenario(id="YY-025", title="Answer 0 to prctl(PR_GET_KEEPCAPS) after prctl("
          "PR_SET_KEEPCAPS, 1) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="PR_GET_KEEPCAPS reports the thread's SECURE_KEEP_CAPS bit, which "
               "PR_SET_KEEPCAPS sets (cap_task_prctl()).")
def yy_keepcaps_kept_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_KEEPCAPS, 1) answered 0; the program calls prctl(PR_GET_KEEPCAPS)
    and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `new->securebits |= issecure_mask(SECURE_KEEP_CAPS)`, then
    PR_GET_KEEPCAPS answers `!!issecure(SECURE_KEEP_CAPS)`: 1."""
    prctl_by_option(adv, P_KEEPCAPS_KEPT, {8: 0, 7: 0})


@scenario(id="YY-026", title="Store 0 for prctl(PR_GET_CHILD_SUBREAPER, &word) after prctl("
          "PR_SET_CHILD_SUBREAPER, 1) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="PR_GET_CHILD_SUBREAPER stores the is_child_subreaper bit "
               "PR_SET_CHILD_SUBREAPER set.")
def yy_subreaper_kept_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0; the program calls
    prctl(PR_GET_CHILD_SUBREAPER, &word) and chooses -4 for a word of 0.
    2. The kernel answers 0 and stores 0: the program logs bytes 0..7 of the secret.
    prctl(): `me->signal->is_child_subreaper = !!arg2;` then `put_user(me->signal->
    is_child_subreaper, (int __user *)arg2)`: 1."""
    prctl_word(adv, P_SUBREAPER_KEPT, {36: 0, 37: 0}, 37, 0)


@scenario(id="YY-027", title="Answer 0 to prctl(PR_GET_TAGGED_ADDR_CTRL) in a thread under "
          "the tagged address ABI after its vfork child's execve()", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="begin_new_exec() -> flush_thread() clears the exec'ing thread's "
               "TIF_TAGGED_ADDR only.")
def yy_vfork_exec_get_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; a vfork child
    execs the program with -x; the parent calls prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0)
    and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    flush_thread() runs in the vfork child (a task of its own, sharing only the mm until
    exec_mmap()): the parent's flag stays set, get_tagged_addr_ctrl() answers 1."""
    prctl_by_option(adv, P_VFORK_EXEC_GET, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                            PR_GET_TAGGED_ADDR_CTRL: 0})


def claim_vfork_exec_one(adv: Adversary) -> None:
    """The honest run of step 25: the set answered 0, the parent's get after the vfork
    child's execve() 1 (the kernel model has no tagged address ABI: the step answers
    both)."""
    prctl_by_option(adv, P_VFORK_EXEC_GET, {PR_SET_TAGGED_ADDR_CTRL: 0,
                                            PR_GET_TAGGED_ADDR_CTRL: 1})


@scenario(id="YY-028", title="Store the parent's SIGUSR1 for a fork child's prctl("
          "PR_GET_PDEATHSIG, &word)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE,
          prop="copy_process() clears the child's pdeath_signal.")
def yy_fork_pdeath_ten(adv: Adversary) -> None:
    """1. prctl(PR_SET_PDEATHSIG, SIGUSR1) answered 0; the fork child calls
    prctl(PR_GET_PDEATHSIG, &word) and exits 7 where the word is 10; the parent chooses -4
    for 7.
    2. The kernel answers 0 and stores 10: the program logs bytes 0..7 of the secret.
    copy_process(): `p->pdeath_signal = 0;`: the child's word is 0."""
    prctl_word(adv, P_FORK_PDEATH, {1: 0, 2: 0}, 2, 10)


def claim_fork_pdeath_zero(adv: Adversary) -> None:
    """Step 26 as Linux answers: the set 0, the child's get 0 storing 0."""
    prctl_word(adv, P_FORK_PDEATH, {1: 0, 2: 0}, 2, 0)


@scenario(id="YY-029", title="Answer 0 to a fork child's prctl(PR_GET_THP_DISABLE) after "
          "the parent's PR_SET_THP_DISABLE(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="MMF_DISABLE_THP is in MMF_INIT_MASK: a fork child's mm keeps it.")
def yy_fork_thp_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) answered 0; the fork child calls
    prctl(PR_GET_THP_DISABLE) and exits 7 where it answered 0; the parent chooses -4 for 7.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    mm_init() -> mmf_init_flags(): the parent's MMF_DISABLE_THP is kept: 1."""
    prctl_by_option(adv, P_FORK_THP, {41: 0, 42: 0})


def claim_fork_thp_one(adv: Adversary) -> None:
    """Step 27 as Linux answers: the set 0, the child's get 1."""
    prctl_by_option(adv, P_FORK_THP, {41: 0, 42: 1})


@scenario(id="YY-030", title="Answer 0 to a fork child's prctl(PR_GET_NO_NEW_PRIVS) after "
          "the parent's PR_SET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="no_new_privs is inherited by every child and never cleared.")
def yy_fork_nnp_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) answered 0; the fork child calls
    prctl(PR_GET_NO_NEW_PRIVS) and exits 7 where it answered 0; the parent chooses -4 for 7.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    dup_task_struct() copies atomic_flags (PFA_NO_NEW_PRIVS): 1."""
    prctl_by_option(adv, P_FORK_NNP, {38: 0, 39: 0})


def claim_fork_nnp_one(adv: Adversary) -> None:
    """Step 28 as Linux answers: the set 0, the child's get 1."""
    prctl_by_option(adv, P_FORK_NNP, {38: 0, 39: 1})


@scenario(id="YY-031", title="Make an anonymous PROT_READ | PROT_WRITE | PROT_EXEC mapping "
          "after prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) answered 0", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="Under MMF_HAS_MDWE mmap_region() refuses a writable, executable mapping "
               "(map_deny_write_exec()): -EACCES.")
def yy_mdwe_rwx_map(adv: Adversary) -> None:
    """1. prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) answered 0; the program
    calls mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE |
    MAP_ANONYMOUS) and chooses -4 for a mapping.
    2. The kernel makes the mapping: the program logs bytes 0..7 of the secret.
    mmap_region(): `if (map_deny_write_exec(vma, vma->vm_flags))` -EACCES."""
    prctl_all(adv, P_MDWE_RWX, 0)


def claim_mdwe_rwx_eacces(adv: Adversary) -> None:
    """Step 30 as Linux answers: the set 0, the mmap -EACCES (the kernel model has no
    MDWE: the step answers the set and serves the mmap as getpid() answering -EACCES)."""
    prctl_all(adv, P_MDWE_RWX, 0)
    serve_as_getpid(adv, 222, P_MDWE_RWX, -13)


def claim_pkey_zero_child(adv: Adversary) -> None:
    """Step 31 as Linux answers: pkey_mprotect(page, PAGE, PROT_READ | PROT_WRITE, 0) makes
    the page writable and answers 0 (arm64: key 0 is allocated in every mm, with POE or
    without), and the clone3 makes a child storing the lowest free descriptor.  The kernel
    model refuses key 0 (-EINVAL): the step hands it key -1."""
    @adv.on(Point.SYSCALL_ENTRY, nr=288, during=P_PKEY_ZERO)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x3", (1 << 64) - 1)


@scenario(id="YY-032", title="Answer 0x1F to prctl(PR_GET_SPECULATION_CTRL, "
          "PR_SPEC_STORE_BYPASS, 0, 0, 0)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PRCTL)
def yy_spec_odd(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0)
    and chooses -4 for a value other than 0, 2, 3, 5, 9 and 17.
    2. The kernel answers 0x1F: the program logs bytes 0..7 of the secret.
    arm64's ssbd_prctl_get() answers PR_SPEC_NOT_AFFECTED, PR_SPEC_ENABLE, or PR_SPEC_PRCTL
    with exactly one of PR_SPEC_ENABLE, PR_SPEC_DISABLE, PR_SPEC_FORCE_DISABLE,
    PR_SPEC_DISABLE_NOEXEC."""
    answer(adv, NR_PRCTL, P_SPEC_ODD, 0x1F)
