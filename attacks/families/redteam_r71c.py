"""Red-team round 71c: prctl options whose unused arguments Linux refuses, the tagged
address ABI with an MTE bit and across a failed execve(), and clone3(CLONE_PIDFD) words in
writable memory that may fault or lie above TASK_SIZE.

Linux: kernel/sys.c's prctl() answers -EINVAL before doing anything where an argument
an option does not use is set: PR_SET_NO_NEW_PRIVS (`arg2 != 1 || arg3 || arg4 ||
arg5`), PR_GET_NO_NEW_PRIVS, PR_GET_THP_DISABLE and PR_MCE_KILL_GET (`arg2 || arg3 ||
arg4 || arg5`), PR_GET_SPECULATION_CTRL (`arg3 || arg4 || arg5`), PR_SET_SPECULATION_CTRL
and PR_GET_AUXV (`arg4 || arg5`).  set_tagged_addr_ctrl() refuses the MTE fields where the
CPU has no MTE (valid_mask is PR_TAGGED_ADDR_ENABLE alone).  An execve() that fails before
the point of no return (-ENOENT from do_open_execat()) leaves the thread as it was: its
TIF_TAGGED_ADDR is cleared only by flush_thread() in begin_new_exec().  copy_process()
stores the CLONE_PIDFD word with put_user(): access_ok() refuses a word at or above
TASK_SIZE once untagged (untagged_addr() clears the top byte only, under TIF_TAGGED_ADDR);
a fault on a MAP_SHARED memfd page past the file's end is VM_FAULT_SIGBUS (shmem_fault()
-> shmem_get_folio_gfp(): -EINVAL past i_size), in the kernel -EFAULT; a fault on an
anonymous page not present (after MADV_DONTNEED: zap_page_range_single()) allocates a page
(do_anonymous_page()), whose memory-cgroup charge may fail (try_charge_memcg() ->
mem_cgroup_oom() with oom_kill_disable, or no victim to kill): VM_FAULT_OOM, and arm64's
do_page_fault() sends a kernel-mode fault to no_context (fixup_exception(): -EFAULT).

On the victim `secret_r71_core` (each step turns what it saw into a label; -4 is the
secret's first 8 bytes):

- YV-001: prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) answered 0;
- YV-002: prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0) answered 0;
- YV-003: prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0) answered 0;
- YV-004: prctl(PR_MCE_KILL_GET, 1, 0, 0, 0) answered 0 (PR_MCE_KILL_LATE);
- YV-005: prctl(PR_SET_SPECULATION_CTRL, 0, 0, 1, 0) answered 0;
- YV-006: prctl(PR_GET_SPECULATION_CTRL, 0, 1, 0, 0) answered 0;
- YV-008: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC)
  answered 0 on a CPU without MTE;
- YV-009: now a claim (claim_memfd_end_child): (argument -m) clone3(CLONE_PIDFD) whose
  word is in a MAP_SHARED memfd page past the file's end served as fork: a child;
- YV-010: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, execve() of
  a missing path -ENOENT, then clone3 with the tagged pidfd word answered -EFAULT;
- YV-011: clone3(CLONE_PIDFD) whose word is a global with bit 48 set served as fork: a
  child;
- YV-012, YV-013, YV-014, YV-024: clone3(CLONE_INTO_CGROUP) served as fork, its cgroup a
  descriptor the program closed (-EBADF), 1 << 32 (-EINVAL), in a struct of 64 bytes
  (-EINVAL), /dev/null's descriptor (-EBADF);
- YV-015: as YV-010, the flag's clearing being a vfork child's successful execve();
- YV-016..YV-022: prctl(PR_GET_MDWE, 1), PR_SET_MDWE with arg3 1, PR_GET_MEMORY_MERGE
  with arg2 1, PR_PAC_GET_ENABLED_KEYS with arg2 1, PR_PAC_RESET_KEYS with arg3 1,
  PR_CAP_AMBIENT_IS_SET with arg4 1, PR_CAPBSET_READ of capability 200, each answered 0;
- YV-023: prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) answered 1 in a thread that never
  enabled the tagged address ABI;
- YV-025, YV-026: clone3(CLONE_PIDFD) whose word is in an anonymous page the program
  mprotect()ed PROT_READ, PROT_NONE, served as fork with the lowest free descriptor
  stored into the word;
- YV-027..YV-032: clone3 served as fork where Linux refuses its clone_args: CLONE_PARENT
  with exit_signal SIGCHLD, a stack_size without a stack, flag 1 << 40, CLONE_DETACHED, a
  96-byte struct with a nonzero byte 88 (-E2BIG), exit_signal 65;
- YV-033: now a claim (claim_memfd_private_child): (argument -q) as YV-009 with the
  memfd mapped MAP_PRIVATE;
- YV-034: prctl(PR_SET_TAGGED_ADDR_CTRL | 1 << 32, PR_TAGGED_ADDR_ENABLE, 1, 0, 0)
  answered 0 (the option is an int: arg3 is set);
- YV-035: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, then clone3
  through a tagged clone_args pointer answered -EFAULT;
- honest (tests/test_redteam_r71c_claims.py): the child, its word holding the lowest free
  descriptor, for the tagged word after the failed execve() (claim_exec_failed_child)
  and after a vfork child exec'd (claim_vfork_exec_child); -EFAULT for the word in the
  page MADV_DONTNEED emptied (claim_dontneed_efault); -EFAULT for the word past the
  memfd's end mapped MAP_PRIVATE (claim_memfd_private_efault); 0 for
  prctl(PR_SET_NO_NEW_PRIVS | 1 << 32, 1, 0, 0, 0) (claim_nnp_high_zero); a child for
  clone3 through a tagged clone_args pointer under the ABI (claim_tagged_args_child);
  -EFAULT for the word past the end of the memfd mapped MAP_SHARED
  (claim_memfd_end_efault: once a false refusal, return.clone_efault taking the page as
  unable to fault; the kernel model made a child before its put_user() faulted, now it
  answers -EFAULT first); a child for the word past the memfd's end, MAP_SHARED or
  MAP_PRIVATE (claim_memfd_end_child, claim_memfd_private_child: once YV-009, YV-033).

Through with the Guardian on when written, refused since: YV-001..YV-006, YV-016,
YV-017, YV-018, YV-021, YV-022 (return.range_table: kernel/sys.c prctl()'s, prctl_get/
set_mdwe()'s and cap_task_prctl()'s unused-argument and cap_valid() terms), YV-023
(return.tagged_ctrl: PR_TAGGED_ADDR_ENABLE is the thread's TIF_TAGGED_ADDR), YV-026
(return.clone_pidfd_prot: a child for a word in a page the program left PROT_NONE).
Now claims (Linux may give the answer): YV-009, YV-033 -- the Guardian knows a memfd's
size as a lower bound at best (write() grows it unseen, a process of the program's uid
may ftruncate() it through /proc/<pid>/fd/), so the page past the end it saw may lie
inside the file when put_user() stores.  Refused:
YV-008 (return.range_table: without MTE only PR_TAGGED_ADDR_ENABLE), YV-019, YV-020 (no
PAC in AT_HWCAP), YV-010, YV-015, YV-035 (return.clone_efault: the flag is kept), YV-011 (fork.clone_valid: the word is in no
area), YV-012, YV-013, YV-014, YV-024 (fork.clone_valid's CLONE_INTO_CGROUP checks),
YV-025 (return.fd_fresh: the PROT_READ word still holds -1 where the Guardian reads it),
YV-027..YV-032 (fork.clone_valid: clone3_args_valid()'s and copy_clone_args_from_user()'s
refusals), YV-034 (return.range_table reads the option's low 32 bits).
Step 6 (PR_GET_AUXV with arg4 1) has no scenario: the kernel model has no PR_GET_AUXV, so
no served answer can be shown.  The kernel model has no tagged address ABI (its prctl
answers -EINVAL): the claim_* steps answer the prctl 0 and store the word at the
untagged address, as Linux does.

qemu-aarch64-static shows the prctl answers (its do_prctl() passes these options to the
host kernel): prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), PR_GET_NO_NEW_PRIVS,
PR_GET_THP_DISABLE and PR_MCE_KILL_GET with arg2 1, PR_SET_SPECULATION_CTRL with arg4 1,
PR_GET_SPECULATION_CTRL with arg3 1, PR_GET_AUXV with arg4 1, PR_GET_MDWE and
PR_GET_MEMORY_MERGE with arg2 1, PR_SET_MDWE with arg3 1, PR_CAP_AMBIENT_IS_SET with arg4 1
and PR_CAPBSET_READ(200) are all -1 EINVAL, where PR_GET_NO_NEW_PRIVS and PR_MCE_KILL_GET
with no arguments answer 0 and 2, and PR_GET_TAGGED_ADDR_CTRL in a thread that never
enabled the ABI answers 0.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r70c import clone_word_as, prctl_all
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r71c"
CORE = "secret_r71_core"
# secret_r71_core: the marker before each step; the marker after its write is + 1.
P_NNP_SET, P_NNP_GET, P_THP_GET, P_MCE_GET = 9000, 9002, 9004, 9006
P_SPEC_SET, P_SPEC_GET, P_AUXV_ARG, P_MTE_BIT = 9008, 9010, 9012, 9014
P_MEMFD_END, P_DONTNEED, P_EXEC_FAILED, P_HIGH_WORD = 9016, 9018, 9020, 9022
P_CGROUP_BADF, P_CGROUP_BIG, P_CGROUP_V0, P_VFORK_EXEC = 9024, 9026, 9028, 9030
P_MDWE_GET, P_MDWE_SET, P_MERGE_GET, P_PAC_GET = 9032, 9034, 9036, 9038
P_PAC_RESET, P_AMBIENT_IS_SET, P_CAPBSET_BAD, P_TAGGED_GET = 9040, 9042, 9044, 9046
P_CGROUP_FILE, P_RDONLY_WORD, P_NONE_WORD = 9048, 9050, 9052
P_C3_PARENT_SIG, P_C3_STACK_SIZE, P_C3_FLAG40, P_C3_DETACHED = 9054, 9056, 9058, 9060
P_C3_TRAILING, P_C3_SIG65, P_MEMFD_PRIV = 9062, 9064, 9066
P_TAGGED_HIGH, P_NNP_HIGH, P_TAGGED_ARGS = 9068, 9070, 9072
#: the steps an untouched run takes (P_MEMFD_END only with the argument -m, P_MEMFD_PRIV
#: only with -q)
PHASES = (P_NNP_SET, P_NNP_GET, P_THP_GET, P_MCE_GET, P_SPEC_SET, P_SPEC_GET, P_AUXV_ARG,
          P_MTE_BIT, P_DONTNEED, P_EXEC_FAILED, P_HIGH_WORD, P_CGROUP_BADF, P_CGROUP_BIG,
          P_CGROUP_V0, P_VFORK_EXEC, P_MDWE_GET, P_MDWE_SET, P_MERGE_GET, P_PAC_GET,
          P_PAC_RESET, P_AMBIENT_IS_SET, P_CAPBSET_BAD, P_TAGGED_GET, P_CGROUP_FILE,
          P_RDONLY_WORD, P_NONE_WORD, P_C3_PARENT_SIG, P_C3_STACK_SIZE, P_C3_FLAG40,
          P_C3_DETACHED, P_C3_TRAILING, P_C3_SIG65, P_TAGGED_HIGH, P_NNP_HIGH,
          P_TAGGED_ARGS)
P_FIRST, P_VICTIM_LAST = P_NNP_SET, P_TAGGED_ARGS
NR_PRCTL, NR_CLONE, NR_CLONE3 = 167, 220, 435
SIGCHLD, EFAULT = 17, 14
PROP_UNUSED = ("prctl() answers -EINVAL, before any work, where an argument the option "
               "does not use is not 0 (kernel/sys.c).")
PROP_NO_CHILD = ("A clone3(CLONE_PIDFD) whose pidfd word put_user() cannot store makes no "
                 "child: -EFAULT (bad_fork_put_pidfd).")


def serve_as_fork(adv: Adversary, phase: int) -> None:
    """Serve the clone3 after marker `phase` as clone(SIGCHLD) (no pidfd word stored)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE3, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", phase)] = a.reg("x8")
        a.set_reg("x8", NR_CLONE)
        for i, v in enumerate((SIGCHLD, 0, 0, 0, 0)):
            a.set_reg(f"x{i}", v)
        a.note("clone3 served as clone(SIGCHLD)")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if ("x8", phase) in a.memo:
            a.set_reg("x8", a.memo[("x8", phase)])


@scenario(id="YV-001", title="Answer 0 to prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), whose "
          "arg3 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_UNUSED)
def yv_nnp_set_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_SET_NO_NEW_PRIVS: if (arg2 != 1 || arg3 || arg4 || arg5) return
    -EINVAL;`."""
    answer(adv, NR_PRCTL, P_NNP_SET, 0)


@scenario(id="YV-002", title="Answer 0 to prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), whose "
          "arg2 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_UNUSED)
def yv_nnp_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0) and chooses -4 for 0
    or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_GET_NO_NEW_PRIVS: if (arg2 || arg3 || arg4 || arg5) return
    -EINVAL;`."""
    answer(adv, NR_PRCTL, P_NNP_GET, 0)


@scenario(id="YV-003", title="Answer 0 to prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0), whose "
          "arg2 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_UNUSED)
def yv_thp_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0) and chooses -4 for 0 or
    more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_GET_THP_DISABLE: if (arg2 || arg3 || arg4 || arg5) return
    -EINVAL;`."""
    answer(adv, NR_PRCTL, P_THP_GET, 0)


@scenario(id="YV-004", title="Answer 0 (PR_MCE_KILL_LATE) to prctl(PR_MCE_KILL_GET, 1, "
          "0, 0, 0), whose arg2 is not 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_UNUSED)
def yv_mce_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_MCE_KILL_GET, 1, 0, 0, 0) and chooses -4 for 0 or
    more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_MCE_KILL_GET: if (arg2 | arg3 | arg4 | arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_MCE_GET, 0)


@scenario(id="YV-005", title="Answer 0 to prctl(PR_SET_SPECULATION_CTRL, 0, 0, 1, 0), whose "
          "arg4 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_UNUSED)
def yv_spec_set_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 1, 0)
    and chooses -4 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_SET_SPECULATION_CTRL: if (arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_SPEC_SET, 0)


@scenario(id="YV-006", title="Answer 0 to prctl(PR_GET_SPECULATION_CTRL, 0, 1, 0, 0), whose "
          "arg3 is not 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_UNUSED)
def yv_spec_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 1, 0, 0)
    and chooses -4 for 0 or more.
    2. The kernel answers 0 (PR_SPEC_NOT_AFFECTED): the program logs bytes 0..7 of the
    secret.
    prctl(): `case PR_GET_SPECULATION_CTRL: if (arg3 || arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_SPEC_GET, 0)


@scenario(id="YV-008", title="Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, "
          "PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC) on a CPU without MTE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="Without MTE, PR_SET_TAGGED_ADDR_CTRL takes PR_TAGGED_ADDR_ENABLE alone.")
def yv_mte_bit_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, 1 | PR_MTE_TCF_SYNC, 0, 0, 0)
    and chooses -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    set_tagged_addr_ctrl(): `if (system_supports_mte()) valid_mask |= PR_MTE_TCF_MASK |
    PR_MTE_TAG_MASK; if (arg & ~valid_mask) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_MTE_BIT, 0)


def claim_memfd_end_child(adv: Adversary) -> None:
    """(Once YV-009.)  1. (Argument -m.)  clone3({CLONE_PIDFD, pidfd = the MAP_SHARED
    memfd page past the file's end, exit_signal SIGCHLD}, 88) answered with a child, the
    word holding the lowest free descriptor.  Linux may answer so: the memfd's size is
    not the program's alone (a process of its uid reaches the file through
    /proc/<pid>/fd/ and may grow it with ftruncate() at any instant, and write() grows it
    unseen), so the page may lie inside the file when put_user() stores.  The step serves
    the clone3 as fork and stores the descriptor."""
    clone_word_as(adv, P_MEMFD_END)


def claim_memfd_end_efault(adv: Adversary) -> None:
    """1. (Argument -m.)  The clone3 whose pidfd word is in the MAP_SHARED memfd page past
    the file's end answered -EFAULT (the kernel model answers so itself: the step does
    nothing)."""


def claim_memfd_private_child(adv: Adversary) -> None:
    """(Once YV-033.)  1. (Argument -q.)  As claim_memfd_end_child with the memfd mapped
    MAP_PRIVATE: do_cow_fault() reads the file page first, inside the file once another
    holder grew it.  The step serves the clone3 as fork and stores the descriptor."""
    clone_word_as(adv, P_MEMFD_PRIV)


def claim_memfd_private_efault(adv: Adversary) -> None:
    """1. (Argument -q.)  The clone3 whose pidfd word is in the MAP_PRIVATE memfd page past
    the file's end answered -EFAULT (do_cow_fault(): VM_FAULT_SIGBUS).  The step answers
    -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_MEMFD_PRIV, -EFAULT)


def claim_dontneed_efault(adv: Adversary) -> None:
    """1. The clone3 whose pidfd word is in an anonymous page MADV_DONTNEED emptied answered
    -EFAULT, no child.  Linux may answer so: put_user()'s fault allocates a page
    (do_anonymous_page()) whose memory-cgroup charge may fail (try_charge_memcg(): cgroup
    v1 oom_kill_disable, or no task to kill), VM_FAULT_OOM, and arm64's do_page_fault()
    takes a kernel-mode fault to no_context: -EFAULT.  The step answers -EFAULT."""
    serve_as_getpid(adv, NR_CLONE3, P_DONTNEED, -EFAULT)


@scenario(id="YV-010", title="Answer -EFAULT, no child, for clone3(CLONE_PIDFD) whose word "
          "is a tagged pointer after the tagged address ABI was enabled and an execve() "
          "failed with -ENOENT", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE,
          prop="An execve() that fails before the point of no return keeps the thread's "
               "TIF_TAGGED_ADDR; access_ok() then untags a tagged pointer.")
def yv_exec_failed_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does;
    execve("/nonexistent/r71") answers -ENOENT; the program calls clone3 with the pidfd
    word 0x5A << 56 | &global and chooses -4 for -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    do_execveat_common() failed in do_open_execat(), before begin_new_exec() ->
    flush_thread(): TIF_TAGGED_ADDR is kept, access_ok() untags the word, put_user()
    stores the pidfd, a child is made."""
    prctl_all(adv, P_EXEC_FAILED, 0)
    serve_as_getpid(adv, NR_CLONE3, P_EXEC_FAILED, -EFAULT)


def claim_exec_failed_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; execve() of a
    missing path -ENOENT (TIF_TAGGED_ADDR kept); the clone3 with the tagged pidfd word
    makes a child and stores the lowest free descriptor through the tagged pointer.  The
    step answers the prctls 0, serves the clone3 as fork and stores the descriptor at the
    untagged address (the kernel model has no tagged address ABI)."""
    prctl_all(adv, P_EXEC_FAILED, 0)
    clone_word_as(adv, P_EXEC_FAILED)


@scenario(id="YV-011", title="Make a child for clone3(CLONE_PIDFD) whose word is a global "
          "with bit 48 set, above TASK_SIZE with a top byte of 0", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_NO_CHILD)
def yv_high_word_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_PIDFD, pidfd = 1 << 48 | &global, exit_signal
    SIGCHLD}, 88) and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    access_ok() refuses the word (untagged_addr() clears bits 56..63 only, and only under
    TIF_TAGGED_ADDR; bit 48 is past TASK_SIZE): put_user() fails, -EFAULT, no child."""
    serve_as_fork(adv, P_HIGH_WORD)


PROP_CGROUP = ("clone3(CLONE_INTO_CGROUP) makes no child where its cgroup is not an open "
               "descriptor of a cgroup directory (-EBADF), is past INT_MAX or lies past a "
               "struct shorter than CLONE_ARGS_SIZE_VER2 (-EINVAL).")


@scenario(id="YV-012", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup "
          "descriptor is not open", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_CGROUP)
def yv_cgroup_badf_child(adv: Adversary) -> None:
    """1. The program calls close(900), then clone3({CLONE_INTO_CGROUP, exit_signal
    SIGCHLD, cgroup 900}, 88) (descriptor 900 not open: no other thread runs) and
    chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    copy_process() -> cgroup_can_fork() -> cgroup_css_set_fork(): `f =
    fdget_raw(kargs->cgroup); if (!fd_file(f)) { ret = -EBADF; goto err; }`."""
    serve_as_fork(adv, P_CGROUP_BADF)


@scenario(id="YV-013", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is "
          "past INT_MAX", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_CGROUP)
def yv_cgroup_big_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup 1 <<
    32}, 88) and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if ((args.flags & CLONE_INTO_CGROUP) && (args.cgroup >
    INT_MAX || usize < CLONE_ARGS_SIZE_VER2)) return -EINVAL;`."""
    serve_as_fork(adv, P_CGROUP_BIG)


@scenario(id="YV-014", title="Make a child for clone3(CLONE_INTO_CGROUP) whose struct is "
          "64 bytes (CLONE_ARGS_SIZE_VER0, no cgroup field)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_CGROUP)
def yv_cgroup_v0_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_INTO_CGROUP, exit_signal SIGCHLD}, 64) and chooses
    -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    copy_clone_args_from_user(): CLONE_INTO_CGROUP with usize < CLONE_ARGS_SIZE_VER2 (88)
    is -EINVAL."""
    serve_as_fork(adv, P_CGROUP_V0)


@scenario(id="YV-015", title="Answer -EFAULT, no child, for clone3(CLONE_PIDFD) whose word "
          "is a tagged pointer in a thread that enabled the tagged address ABI after its "
          "vfork child exec'd", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE,
          prop="execve() clears the exec'ing thread's TIF_TAGGED_ADDR, not its vfork "
               "parent's.")
def yv_vfork_exec_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does;
    the program's vfork child execs the program with -x (which exits at once); the
    parent calls clone3 with the pidfd word 0x5A << 56 | &global and chooses -4 for
    -EFAULT.
    2. The kernel serves the clone3 as getpid() and answers -EFAULT: the program logs
    bytes 0..7 of the secret.
    flush_thread() -> flush_tagged_addr_state() clears current's flag only (the vfork
    child's): the parent keeps TIF_TAGGED_ADDR, put_user() stores the pidfd."""
    prctl_all(adv, P_VFORK_EXEC, 0)
    serve_as_getpid(adv, NR_CLONE3, P_VFORK_EXEC, -EFAULT)


def claim_vfork_exec_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; the vfork
    child execs; the parent's clone3 with the tagged pidfd word makes a child and stores
    the lowest free descriptor through the tagged pointer.  The step answers the prctls 0,
    serves the clone3 as fork and stores the descriptor at the untagged address."""
    prctl_all(adv, P_VFORK_EXEC, 0)
    clone_word_as(adv, P_VFORK_EXEC)


@scenario(id="YV-016", title="Answer 0 to prctl(PR_GET_MDWE, 1, 0, 0, 0), whose arg2 is not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_mdwe_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_MDWE, 1, 0, 0, 0), whose arg2 is not 0 and chooses
    -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_get_mdwe(): `if (arg2 || arg3 || arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_MDWE_GET, 0)


@scenario(id="YV-017", title="Answer 0 to prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 1, 0, 0), "
          "whose arg3 is not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_mdwe_set_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 1, 0, 0), whose
    arg3 is not 0 and chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_set_mdwe(): `if (arg3 || arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_MDWE_SET, 0)


@scenario(id="YV-018", title="Answer 0 to prctl(PR_GET_MEMORY_MERGE, 1, 0, 0, 0), whose arg2 is not "
          "0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_merge_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_GET_MEMORY_MERGE, 1, 0, 0, 0), whose arg2 is not 0 and
    chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_GET_MEMORY_MERGE: if (arg2 || arg3 || arg4 || arg5) return
    -EINVAL;`."""
    answer(adv, NR_PRCTL, P_MERGE_GET, 0)


@scenario(id="YV-019", title="Answer 0 to prctl(PR_PAC_GET_ENABLED_KEYS, 1, 0, 0, 0), whose arg2 is "
          "not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_pac_get_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_PAC_GET_ENABLED_KEYS, 1, 0, 0, 0), whose arg2 is not 0
    and chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_PAC_GET_ENABLED_KEYS: if (arg2 || arg3 || arg4 || arg5) return
    -EINVAL;`."""
    answer(adv, NR_PRCTL, P_PAC_GET, 0)


@scenario(id="YV-020", title="Answer 0 to prctl(PR_PAC_RESET_KEYS, 0, 1, 0, 0), whose arg3 is not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_pac_reset_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_PAC_RESET_KEYS, 0, 1, 0, 0), whose arg3 is not 0 and
    chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl(): `case PR_PAC_RESET_KEYS: if (arg3 || arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_PAC_RESET, 0)


@scenario(id="YV-021", title="Answer 0 to prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 1, 0), "
          "whose arg4 is not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_ambient_is_set_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 1, 0), whose
    arg4 is not 0 and chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if (((!cap_valid(arg3)) | arg4 | arg5)) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_AMBIENT_IS_SET, 0)


@scenario(id="YV-022", title="Answer 0 to prctl(PR_CAPBSET_READ, 200, 0, 0, 0), no such capability",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_capbset_bad_zero(adv: Adversary) -> None:
    """1. The program calls prctl(PR_CAPBSET_READ, 200, 0, 0, 0), no such capability and
    chooses -4 for an answer of 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_CAPBSET_READ: if (!cap_valid(arg2)) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_CAPBSET_BAD, 0)


@scenario(id="YV-023", title="Answer 1 (PR_TAGGED_ADDR_ENABLE) to "
          "prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) in a thread that never enabled the "
          "tagged address ABI", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE,
          prop="PR_GET_TAGGED_ADDR_CTRL has PR_TAGGED_ADDR_ENABLE set exactly where the "
               "thread has TIF_TAGGED_ADDR.")
def yv_tagged_get_one(adv: Adversary) -> None:
    """1. The program, whose thread never called PR_SET_TAGGED_ADDR_CTRL with
    PR_TAGGED_ADDR_ENABLE answered 0 (every such call was -EINVAL or disabled it again),
    calls prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) and chooses -4 for 1 or more.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    get_tagged_addr_ctrl(): `if (test_ti_thread_flag(ti, TIF_TAGGED_ADDR)) ret =
    PR_TAGGED_ADDR_ENABLE;` -- the thread has no TIF_TAGGED_ADDR, the answer is 0."""
    answer(adv, NR_PRCTL, P_TAGGED_GET, 1)


@scenario(id="YV-024", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is "
          "the descriptor of /dev/null", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=CORE, prop=PROP_CGROUP)
def yv_cgroup_file_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup = the
    descriptor it opened on /dev/null}, 88) and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    cgroup_css_set_fork() -> cgroup_v1v2_get_from_file() -> css_tryget_online_from_dir():
    /dev/null is no cgroupfs directory, -EBADF, no child."""
    serve_as_fork(adv, P_CGROUP_FILE)


PROP_PROT = ("put_user() of the CLONE_PIDFD word faults where the program's own mprotect() "
             "left its page without PROT_WRITE (access_error()): -EFAULT, no child.")


@scenario(id="YV-025", title="Make a child for clone3(CLONE_PIDFD) whose word is in a page "
          "the program mprotect()ed PROT_READ, storing the lowest free descriptor there",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yv_rdonly_word_child(adv: Adversary) -> None:
    """1. The program maps an anonymous page, writes -1 into it, mprotect()s it PROT_READ,
    calls clone3({CLONE_PIDFD, pidfd = that word, exit_signal SIGCHLD}, 88) and chooses
    -4 for any child.
    2. The kernel serves the call as fork and stores the lowest free descriptor into the
    word: the program logs bytes 0..7 of the secret.
    do_page_fault(): the VMA lacks VM_WRITE, access_error() -> bad_area, the kernel-mode
    fault is fixed up: put_user() fails, -EFAULT (bad_fork_put_pidfd), no child."""
    clone_word_as(adv, P_RDONLY_WORD)


@scenario(id="YV-026", title="Make a child for clone3(CLONE_PIDFD) whose word is in a page "
          "the program mprotect()ed PROT_NONE, storing the lowest free descriptor there",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE, prop=PROP_PROT)
def yv_none_word_child(adv: Adversary) -> None:
    """1. As YV-025 with PROT_NONE.
    2. The kernel serves the call as fork and stores the lowest free descriptor: the
    program logs bytes 0..7 of the secret.
    access_error() refuses every access to a PROT_NONE VMA: -EFAULT, no child."""
    clone_word_as(adv, P_NONE_WORD)


PROP_CLONE3 = ("clone3() makes no child where its clone_args are invalid "
               "(copy_clone_args_from_user(), clone3_args_valid()).")


@scenario(id="YV-027", title="Make a child for clone3({CLONE_PARENT, exit_signal SIGCHLD}, 88)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_parent_sig_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_PARENT, exit_signal SIGCHLD}, 88) and chooses -4
    for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    clone3_args_valid(): `if ((kargs->flags & (CLONE_THREAD | CLONE_PARENT)) &&
    kargs->exit_signal) return false;` (-EINVAL)."""
    serve_as_fork(adv, P_C3_PARENT_SIG)


@scenario(id="YV-028", title="Make a child for clone3({exit_signal SIGCHLD, stack 0, stack_size "
          "65536}, 88)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_stack_size_child(adv: Adversary) -> None:
    """1. The program calls clone3({exit_signal SIGCHLD, stack 0, stack_size 65536}, 88)
    and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    clone3_stack_valid(): `if (kargs->stack == 0) { if (kargs->stack_size > 0)
    return false; }` (-EINVAL)."""
    serve_as_fork(adv, P_C3_STACK_SIZE)


@scenario(id="YV-029", title="Make a child for clone3({flags 1 << 40, exit_signal SIGCHLD}, 88), "
          "an unknown flag",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_flag40_child(adv: Adversary) -> None:
    """1. The program calls clone3({flags 1 << 40, exit_signal SIGCHLD}, 88), an unknown
    flag and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    clone3_args_valid(): `if (kargs->flags & ~(CLONE_LEGACY_FLAGS |
    CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) return false;` (-EINVAL)."""
    serve_as_fork(adv, P_C3_FLAG40)


@scenario(id="YV-030", title="Make a child for clone3({CLONE_DETACHED, exit_signal SIGCHLD}, 88)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_detached_child(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_DETACHED, exit_signal SIGCHLD}, 88) and chooses
    -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    clone3_args_valid(): `if (kargs->flags & (CLONE_DETACHED | (CSIGNAL &
    (~CLONE_NEWTIME)))) return false;` (-EINVAL)."""
    serve_as_fork(adv, P_C3_DETACHED)


@scenario(id="YV-031", title="Make a child for clone3({exit_signal SIGCHLD}, 96) with a nonzero "
          "byte past the struct Linux knows",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_trailing_child(adv: Adversary) -> None:
    """1. The program calls clone3({exit_signal SIGCHLD}, 96) with a nonzero byte past the
    struct Linux knows and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    copy_clone_args_from_user() -> copy_struct_from_user(): check_zeroed_user()
    finds the nonzero tail, -E2BIG."""
    serve_as_fork(adv, P_C3_TRAILING)


@scenario(id="YV-032", title="Make a child for clone3({exit_signal 65}, 88)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop=PROP_CLONE3)
def yv_c3_sig65_child(adv: Adversary) -> None:
    """1. The program calls clone3({exit_signal 65}, 88) and chooses -4 for any child.
    2. The kernel serves the call as fork: the program logs bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if (unlikely((args.exit_signal & ~((u64)CSIGNAL))
    || !valid_signal(args.exit_signal))) return -EINVAL;`."""
    serve_as_fork(adv, P_C3_SIG65)


@scenario(id="YV-034", title="Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL | 1 << 32, "
          "PR_TAGGED_ADDR_ENABLE, 1, 0, 0): the option is an int, arg3 is not 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_UNUSED)
def yv_tagged_high_zero(adv: Adversary) -> None:
    """1. The program calls prctl(55 | 1 << 32, PR_TAGGED_ADDR_ENABLE, 1, 0, 0) and chooses
    -4 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    SYSCALL_DEFINE5(prctl, int, option, ...): the option is the low 32 bits, 55, and
    `case PR_SET_TAGGED_ADDR_CTRL: if (arg3 || arg4 || arg5) return -EINVAL;`."""
    answer(adv, NR_PRCTL, P_TAGGED_HIGH, 0)


def claim_nnp_high_zero(adv: Adversary) -> None:
    """1. prctl(PR_SET_NO_NEW_PRIVS | 1 << 32, 1, 0, 0, 0) answered 0: prctl()'s option is
    an int (SYSCALL_DEFINE5(prctl, int, option, ...)), so Linux sets no_new_privs and
    answers 0.  The step answers 0."""
    answer(adv, NR_PRCTL, P_NNP_HIGH, 0)


@scenario(id="YV-035", title="Answer -EFAULT, no child, for clone3 whose clone_args pointer "
          "is tagged in a thread that enabled the tagged address ABI", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=CORE,
          prop="Under TIF_TAGGED_ADDR access_ok() untags a user pointer: clone3 reads "
               "clone_args through a tagged pointer.")
def yv_tagged_args_efault(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0, as Linux does;
    the program calls clone3(0x5A << 56 | &args, 88), args {exit_signal SIGCHLD}, and
    chooses -4 for -EFAULT.
    2. The kernel serves the call as getpid() and answers -EFAULT: the program logs bytes
    0..7 of the secret.
    copy_clone_args_from_user() -> copy_struct_from_user() -> access_ok() untags the
    pointer (TIF_TAGGED_ADDR): the struct is read, a child is made."""
    prctl_all(adv, P_TAGGED_ARGS, 0)
    serve_as_getpid(adv, NR_CLONE3, P_TAGGED_ARGS, -EFAULT)


def claim_tagged_args_child(adv: Adversary) -> None:
    """1. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) answered 0; clone3 through
    the tagged clone_args pointer makes a child.  The step answers the prctls 0 and serves
    the clone3 as fork (the kernel model has no tagged address ABI)."""
    prctl_all(adv, P_TAGGED_ARGS, 0)
    serve_as_fork(adv, P_TAGGED_ARGS)
