"""Red-team round 78c: the Uid line of /proc/thread-self/status and /proc/<pid>/status
and the CapEff line of /proc/self/status after setuid(); PR_GET_NO_NEW_PRIVS after
PR_SET_NO_NEW_PRIVS; a group list with duplicates, of 40 groups and an empty one
(getgroups() and the Groups line); the group list in an exec'd image and in a clone3()
child; getresgid() after a failed setresgid(); setgroups() past NGROUPS_MAX;
getgroups() with a size equal to the count; getuid() of a fork grandchild after
setuid(); seccomp filters with SECCOMP_FILTER_FLAG_NEW_LISTENER, _LOG and _SPEC_ALLOW;
a filter installed after a fork child was made.

Linux: task_state() prints the task's cred (its Uid line, its Groups line with a space
after the last group, none for an empty list); /proc/thread-self is the reader's task
directory (proc_thread_self_get_link()), /proc/<tgid> the thread group leader's.
cap_emulate_setxuid() clears the effective set when a root program's setuid() leaves
no uid 0.  prctl(PR_GET_NO_NEW_PRIVS) answers task_no_new_privs(), set for good.
groups_sort() sorts and keeps duplicates.  execve(), fork and clone3() keep the group
list and ids (prepare_exec_creds(), copy_creds()).  __sys_setgroups() answers -EINVAL
for a size past NGROUPS_MAX before reading the list; sys_getgroups() fails only for a
size below the count.  seccomp_set_mode_filter() answers a listener descriptor for
SECCOMP_FILTER_FLAG_NEW_LISTENER and 0 with _LOG or _SPEC_ALLOW, attaching the filter
in each case; a filter reaches the caller (and its thread group under TSYNC), never a
process forked before it (copy_seccomp() ran at that fork).

On the victim `secret_r78_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZQ-001: setuid(65534) answered 0, /proc/thread-self/status read with "Uid:\t0\t0\t0\t0";
- ZQ-002: setuid(65534) answered 0, /proc/<pid>/status read with "Uid:\t0\t0\t0\t0";
- ZQ-004: prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0, PR_GET_NO_NEW_PRIVS answered 0;
- ZQ-005: setgroups(3, {5, 5, 3}) answered 0, getgroups(8, list) answered 3, {3, 5, 7};
- ZQ-006: setgroups(40, {100..139}) answered 0, status read with "Groups:\t0 ";
- ZQ-007: setgroups(0, NULL) answered 0, status read with "Groups:\t0";
- ZQ-008: setgroups(1, {1234}) answered 0, the exec'd image's getgroups(4, list) 1, {0};
- ZQ-009: setresgid(65534, 65534, 65534) answered -EPERM, getresgid() stored 65534 each;
- ZQ-010: setgroups(65537, NULL) answered -EINVAL, getgroups(0, NULL) another count;
- ZQ-011: setgroups(2, {7, 8}) answered 0, getgroups(2, list) answered -EINVAL;
- ZQ-012: setuid(65534) answered 0, a fork grandchild's getuid() answered 0;
- ZQ-013: setgroups(1, {1234}) answered 0, a clone3() child's getgroups(4, list) 1, {0};
- ZQ-014: a fork grandchild made before its parent's seccomp() filter (answered 0):
  its setfsuid(-1) answered 65534;
- ZQ-015: seccomp(SECCOMP_SET_MODE_FILTER, 0) answered 0, status read with "Seccomp:\t0";
- ZQ-016: a second thread's own setuid(65534) answered 0, its execve()'d image's auxv
  AT_UID = AT_EUID = 0 and getuid() 0;
- ZQ-017: a second thread reads /proc/self/status with "Uid:\t1\t1\t1\t1" where the
  first thread made no set*id call;
- ZQ-018: a second thread's own setuid(65534) answered 0, the first thread reads
  /proc/self/task/<its tid>/status with "Uid:\t0\t0\t0\t0";
- ZQ-019: a second thread's own setgroups(1, {4321}) answered 0, its execve()'d image's
  getgroups(4, list) answered 1, {0};
- ZQ-020: a second thread's own setuid(65534) answered 0, its fork child's getuid()
  answered 0;
- ZQ-021: a second thread's own setgroups(1, {4321}) answered 0, its fork child's
  getgroups(4, list) answered 1, {0};
- honest (tests/test_redteam_r78c_victim.py, the untouched run with the Guardian on):
  each step above as the kernel model answers it;
- honest (tests/test_redteam_r78c_claims.py): a SECCOMP_FILTER_FLAG_NEW_LISTENER filter
  answered with a listener descriptor, then setfsuid(-1) -EPERM (claim_filter_listener);
  a filter with SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW answered 0, then
  setfsuid(-1) -EPERM (claim_filter_log).  The kernel model has no seccomp (seccomp()
  answers -ENOSYS): the claim steps answer as Linux does.

qemu-aarch64-static (run as root) answers PR_GET_NO_NEW_PRIVS 1 after
PR_SET_NO_NEW_PRIVS, getgroups(8, list) 3 after setgroups(3, {5, 5, 3}), setgroups(65537,
list) -EINVAL with getgroups(0, NULL) unchanged, getgroups(2, list) 2 after setgroups(2,
{7, 8}), a fork grandchild's getuid() 65534; it has no seccomp() (-ENOSYS) and no clone3,
so those answers stand on the kernel source alone.

Through with the Guardian on when written (P5 gaps): ZQ-003 (withdrawn below), ZQ-015,
ZQ-017, ZQ-018, ZQ-019, ZQ-021 (closed since).
Refused since: ZQ-017, ZQ-018 (return.self_report: a status file is judged against
the thread it names, /proc/self's the leader's, where that thread has no cred-replacing
call in flight; guardian/status_ids.py task_creds), ZQ-015 (return.self_report: Seccomp
2 after the thread's own filter call succeeded, NoNewPrivs 1 after its
PR_SET_NO_NEW_PRIVS; guardian/status_ids.py modes_problem; the kernel model now prints
the thread's no_new_privs, Seccomp stays 0 as it has no seccomp), ZQ-019 (the group list
an exec'ing second thread's own setgroups() made reaches the new image's known ids),
ZQ-021 (and its fork child's): return.credentials keeps setgroups' list where the other
threads were asleep in calls that store nothing (the first thread in sched_yield(),
lone_thread.asleep_storing_nothing()) and none ran user code through the call.
Refused: ZQ-001, ZQ-002, ZQ-005..ZQ-007, ZQ-009..ZQ-013
(return.credentials, return.self_report), ZQ-004 (prctl state), ZQ-008 (the group list
kept through exec), ZQ-016 (create.exec_real_ids: the exec'ing thread's ids), ZQ-020 (the forking thread's
uid), ZQ-014 (return.credentials: the grandchild forked before the filter
is taken as unfiltered).  Not refused (claims pass): claim_filter_listener,
claim_filter_log.
Withdrawn as Linux's answer, now a claim (tests/test_redteam_r78c_claims.py): ZQ-003
(claim_capeff_no_fixup: a full CapEff after a root setuid(65534) where the launcher left
SECBIT_NO_SETUID_FIXUP set, which an exec keeps and the Guardian cannot see:
cap_task_fix_setuid() returns early).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_EUID, AT_UID, _answers, _exec_auxv, _stores
from attacks.families.redteam_r77c import _status
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model import procfs
from kernel_model.process import Thread

RT = "redteam_r78c"
CORE = "secret_r78_core"
# secret_r78_core: the marker before each step; the marker after its write is + 1.
P_TSELF_UID, P_PID_UID, P_CAPEFF, P_NNP_GET = 11100, 11102, 11104, 11106
P_GROUPS_DUP, P_GROUPS_MANY, P_GROUPS_EMPTY, P_GROUPS_EXEC = 11108, 11110, 11112, 11114
P_RESGID_FAIL, P_SETGROUPS_BIG, P_GETGROUPS_EQ, P_FORK_UID = 11116, 11118, 11120, 11122
P_CLONE3_GROUPS, P_FILTER_LISTENER, P_FILTER_LOG, P_FILTER_AFTER_FORK = (
    11124, 11126, 11128, 11130)
P_SECCOMP_STATUS, P_THREAD_EXEC, P_THREAD_STATUS = 11132, 11134, 11136
P_TID_STATUS, P_TASK_STATUS, P_THREAD_GROUPS_EXEC = 11138, 11140, 11142
P_THREAD_FORK_UID, P_THREAD_FORK_GROUPS = 11144, 11146
#: the steps an untouched run takes
PHASES = (P_TSELF_UID, P_PID_UID, P_CAPEFF, P_NNP_GET, P_GROUPS_DUP, P_GROUPS_MANY,
          P_GROUPS_EMPTY, P_GROUPS_EXEC, P_RESGID_FAIL, P_SETGROUPS_BIG, P_GETGROUPS_EQ,
          P_FORK_UID, P_CLONE3_GROUPS, P_FILTER_LISTENER, P_FILTER_LOG, P_FILTER_AFTER_FORK,
          P_SECCOMP_STATUS, P_THREAD_EXEC, P_THREAD_STATUS, P_TID_STATUS, P_TASK_STATUS,
          P_THREAD_GROUPS_EXEC, P_THREAD_FORK_UID, P_THREAD_FORK_GROUPS)
P_FIRST, P_VICTIM_LAST = P_TSELF_UID, P_THREAD_FORK_GROUPS
NR_GETGROUPS, NR_SETGROUPS, NR_GETRESGID, NR_SETRESGID = 158, 159, 150, 149
NR_GETUID, NR_SETFSUID, NR_SECCOMP, NR_READ = 174, 151, 277, 63
EINVAL, EPERM = -22, -1
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROP_STATUS = ("/proc/<pid>/status and /proc/thread-self/status print the task's cred "
               "(proc_pid_status() -> task_state(), render_cap_t()): the ids, groups and "
               "capabilities its own set*id and setgroups calls made.")
PROP_CREDS = ("A thread's ids and groups are what its own set*id and setgroups calls made "
              "them (commit_creds()); fork, clone3 and execve() keep them; a failed call "
              "changes none (abort_creds()).")
PROP_NO_FILTER = ("Only a seccomp filter attached to the calling thread may answer a call "
                  "in the kernel's stead; a process forked before the filter holds none.")


@scenario(id="ZQ-001", title="Read Uid 0 in /proc/thread-self/status after a root "
          "program's setuid(65534) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_STATUS)
def zq_tself_uid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it reads /proc/thread-self/status and
    exits 7 for a Uid line whose real uid is 0.
    2. The kernel answers the read with "Uid:\\t0\\t0\\t0\\t0": the program logs bytes
    0..7 of the secret.
    proc_thread_self_get_link() names the reader's own task directory; task_state()
    prints its cred, every uid 65534 after __sys_setuid() with CAP_SETUID."""
    _status(adv, P_TSELF_UID, b"Uid:\t65534\t65534\t65534\t65534", b"Uid:\t0\t0\t0\t0")


@scenario(id="ZQ-002", title="Read Uid 0 in /proc/<pid>/status after a root program's "
          "setuid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_STATUS)
def zq_pid_uid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it reads /proc/<its getpid()>/status
    and exits 7 for a Uid line whose real uid is 0.
    2. The kernel answers the read with "Uid:\\t0\\t0\\t0\\t0": the program logs bytes
    0..7 of the secret.
    proc_pid_lookup() finds the thread group leader, the child's only thread; task_state()
    prints its cred: 65534 each."""
    _status(adv, P_PID_UID, b"Uid:\t65534\t65534\t65534\t65534", b"Uid:\t0\t0\t0\t0")


def claim_capeff_no_fixup(adv: Adversary) -> None:
    """Step 3 as Linux answers where the launcher left SECBIT_NO_SETUID_FIXUP set (an exec
    keeps it; the Guardian never saw it): /proc/self/status's "CapEff:\t000001ffffffffff"
    after a root program's setuid(65534).  cap_task_fix_setuid(): `if
    (issecure(SECURE_NO_SETUID_FIXUP)) return 0;` -- cap_emulate_setxuid() never runs,
    the effective set stays full.  Once round 78c's ZQ-003; the victim's step, which
    takes that for a forgery, logs -4."""
    _status(adv, P_CAPEFF, b"CapEff:\t0000000000000000", b"CapEff:\t000001ffffffffff")


@scenario(id="ZQ-004", title="Answer 0 to PR_GET_NO_NEW_PRIVS after PR_SET_NO_NEW_PRIVS "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="no_new_privs, once set, stays set (task_set_no_new_privs(); nothing "
               "clears PFA_NO_NEW_PRIVS).")
def zq_nnp_get(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0; it calls
    prctl(PR_GET_NO_NEW_PRIVS) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_prctl(): `case PR_SET_NO_NEW_PRIVS: ... task_set_no_new_privs(current);`,
    `case PR_GET_NO_NEW_PRIVS: return task_no_new_privs(current) ? 1 : 0;`: 1."""
    prctl_by_option(adv, P_NNP_GET, {39: 0})


@scenario(id="ZQ-005", title="Store {3, 5, 7} for getgroups(8, list) after setgroups(3, "
          "{5, 5, 3}) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zq_groups_dup(adv: Adversary) -> None:
    """1. A fork child's setgroups(3, {5, 5, 3}) answered 0; it calls getgroups(8, list)
    and exits 7 for an answer 3 other than {3, 5, 5}.
    2. The kernel answers 3 and stores {3, 5, 7}: the program logs bytes 0..7 of the
    secret.
    groups_sort() sorts with gid_cmp() and drops nothing: {3, 5, 5}."""
    _stores(adv, P_GROUPS_DUP, NR_GETGROUPS, (1,),
            b"".join(g.to_bytes(4, "little") for g in (3, 5, 7)), 3)


@scenario(id="ZQ-006", title="Read Groups 0 in /proc/self/status after setgroups(40, "
          "{100..139}) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_STATUS)
def zq_groups_many(adv: Adversary) -> None:
    """1. A fork child's setgroups(40, {100..139}) answered 0; it reads /proc/self/status
    and exits 7 for a Groups line whose first group is 0.
    2. The kernel answers the read with "Groups:\\t0": the program logs bytes 0..7 of the
    secret.
    task_state() prints each of the 40 groups (`seq_put_decimal_ull(m, g ? " " : "",
    ...)`), the first 100."""
    _status(adv, P_GROUPS_MANY, b"Groups:\t100 ", b"Groups:\t0 ")


@scenario(id="ZQ-007", title="Read Groups 0 in /proc/self/status after setgroups(0, NULL) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_STATUS)
def zq_groups_empty(adv: Adversary) -> None:
    """1. A fork child's setgroups(0, NULL) answered 0; it reads /proc/self/status and
    exits 7 for a Groups line holding group 0.
    2. The kernel answers the read with "Groups:\\t0\\n": the program logs bytes 0..7 of
    the secret.
    set_groups() made the empty list; task_state() prints "Groups:\\t" and the trailing
    space alone."""
    _status(adv, P_GROUPS_EMPTY, b"Groups:\t \n", b"Groups:\t0\n")


@scenario(id="ZQ-008", title="Store {0} for getgroups(4, list) in the image exec'd after "
          "setgroups(1, {1234}) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROP_CREDS)
def zq_groups_exec(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it execs the program with -g,
    whose getgroups(4, list) exits 7 for an answer 1 whose group is not 1234.
    2. The kernel answers 1 and stores 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies the cred, group_info included; nothing in execve()
    changes the group list: {1234}."""
    _answers(adv, P_GROUPS_EXEC, NR_SETGROUPS, 0)
    _stores(adv, P_GROUPS_EXEC, NR_GETGROUPS, (1,), bytes(4), 1)


@scenario(id="ZQ-009", title="Store 65534 for getresgid() after setresgid(65534, 65534, "
          "65534) answered -EPERM", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zq_resgid_fail(adv: Adversary) -> None:
    """1. A fork child's setresgid(65534, 65534, 65534) is answered -EPERM; it calls
    getresgid() and exits 7 for a real gid not 0.
    2. The kernel answers 0 and stores 65534 each: the program logs bytes 0..7 of the
    secret.
    __sys_setresgid(): `retval = -EPERM; ... error: abort_creds(new);`: the gids stay the
    auxv's 0."""
    _answers(adv, P_RESGID_FAIL, NR_SETRESGID, EPERM)
    _stores(adv, P_RESGID_FAIL, NR_GETRESGID, (0, 1, 2), (65534).to_bytes(4, "little"))


@scenario(id="ZQ-010", title="Answer another count to getgroups(0, NULL) after "
          "setgroups(65537, NULL) answered -EINVAL", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zq_setgroups_big(adv: Adversary) -> None:
    """1. A fork child's getgroups(0, NULL) answers n; setgroups(65537, NULL) is answered
    -EINVAL; getgroups(0, NULL) again exits 7 for another count.
    2. The kernel answers n + 5: the program logs bytes 0..7 of the secret.
    __sys_setgroups(): `if ((unsigned)gidsetsize > NGROUPS_MAX) return -EINVAL;` before
    groups_alloc(): nothing changes, the count stays n."""
    _answers(adv, P_SETGROUPS_BIG, NR_SETGROUPS, EINVAL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETGROUPS, during=P_SETGROUPS_BIG, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        seen = a.memo["big_seen"] = a.memo.get("big_seen", 0) + 1
        if seen == 1:
            a.memo["big_n"] = a.reg("x0")
        else:
            a.set_reg("x0", a.memo.get("big_n", 0) + 5)


@scenario(id="ZQ-011", title="Answer -EINVAL to getgroups(2, list) after setgroups(2, "
          "{7, 8}) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zq_getgroups_eq(adv: Adversary) -> None:
    """1. A fork child's setgroups(2, {7, 8}) answered 0; it calls getgroups(2, list) and
    exits 7 for an error.
    2. The kernel answers -EINVAL: the program logs bytes 0..7 of the secret.
    sys_getgroups(): `if (i > gidsetsize) { i = -EINVAL; ...}` with i = 2, gidsetsize =
    2: it copies the list and answers 2."""
    _answers(adv, P_GETGROUPS_EQ, NR_GETGROUPS, EINVAL)


@scenario(id="ZQ-012", title="Answer 0 to a fork grandchild's getuid() after its parent's "
          "setuid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zq_fork_uid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it forks, and the grandchild's getuid()
    exits 7 for another answer than 65534.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_process() -> copy_creds() shares the parent's cred: uid 65534."""
    _answers(adv, P_FORK_UID, NR_GETUID, 0)


@scenario(id="ZQ-013", title="Store {0} for a clone3() child's getgroups(4, list) after "
          "setgroups(1, {1234}) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zq_clone3_groups(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; a clone3() child (exit_signal
    SIGCHLD alone) calls getgroups(4, list) and exits 7 for an answer 1 whose group is
    not 1234.
    2. The kernel answers 1 and stores 0: the program logs bytes 0..7 of the secret.
    copy_creds() gives the clone3() child its parent's cred: {1234}."""
    _stores(adv, P_CLONE3_GROUPS, NR_GETGROUPS, (1,), bytes(4), 1)


@scenario(id="ZQ-014", title="Answer 65534 to setfsuid(-1) of a fork grandchild made "
          "before its parent's seccomp() filter answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_NO_FILTER)
def zq_filter_after_fork(adv: Adversary) -> None:
    """1. A fork child forks a grandchild that waits on a pipe, then has
    seccomp(SECCOMP_SET_MODE_FILTER, 0) of an allow-everything filter answered 0 and
    writes the pipe; the grandchild calls setfsuid(-1) and exits 7 for another answer
    than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    seccomp_attach_filter() puts the filter on `current` alone (no TSYNC, and TSYNC
    reaches only the thread group); copy_seccomp() ran when the grandchild was made,
    with no filter: __sys_setfsuid() answers the old fs uid, 0."""
    _answers(adv, P_FILTER_AFTER_FORK, NR_SECCOMP, 0)
    _answers(adv, P_FILTER_AFTER_FORK, NR_SETFSUID, 65534)


@scenario(id="ZQ-015", title="Read Seccomp 0 in /proc/self/status after the program's "
          "seccomp() filter answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop="A thread holding a seccomp filter is in SECCOMP_MODE_FILTER for good "
               "(seccomp_assign_mode()), which status's Seccomp line prints.")
def zq_seccomp_status(adv: Adversary) -> None:
    """1. A fork child's seccomp(SECCOMP_SET_MODE_FILTER, 0) of an allow-everything
    filter answered 0; it reads /proc/self/status and exits 7 for "Seccomp:\\t0".
    2. The kernel answers the read with the line it always prints, "Seccomp:\\t0": the
    program logs bytes 0..7 of the secret.
    seccomp_assign_mode() set `task->seccomp.mode = SECCOMP_MODE_FILTER`;
    proc_pid_status() -> task_seccomp() prints `p->seccomp.mode`: "Seccomp:\\t2" (and
    "Seccomp_filters:\\t1").  The filter is the program's own SECCOMP_RET_ALLOW: nothing
    answers read() in the kernel's stead."""
    _answers(adv, P_SECCOMP_STATUS, NR_SECCOMP, 0)


@scenario(id="ZQ-016", title="Answer 0 to getuid() in the image a second thread exec'd "
          "after its own setuid(65534), its auxv claiming uid 0", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS,
          prop=PROP_CREDS)
def zq_thread_exec(adv: Adversary) -> None:
    """1. A fork child's second thread calls setuid(65534) itself (answered 0), then
    execs the program with -u, whose getuid() exits 7 for another answer than 65534.
    2. The kernel writes AT_UID = AT_EUID = 0 (the first thread's ids) into the new
    image's auxv and answers getuid() 0: the program logs bytes 0..7 of the secret.
    de_thread() makes the exec'ing thread the leader; prepare_exec_creds() copies
    `current->cred`, the exec'ing thread's: 65534."""
    _exec_auxv(adv, P_THREAD_EXEC, {AT_UID: 0, AT_EUID: 0})
    _answers(adv, P_THREAD_EXEC, NR_GETUID, 0)


@scenario(id="ZQ-017", title="Read Uid 1 in /proc/self/status from a second thread where "
          "no thread made a set*id call", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_STATUS)
def zq_thread_status(adv: Adversary) -> None:
    """1. A fork child's second thread reads /proc/self/status (the thread group
    leader's) and exits 7 for a Uid line other than 0 each; the leader only waits
    (sched_yield()), no set*id call of it ever made.
    2. The kernel answers the read with "Uid:\\t1\\t1\\t1\\t1": the program logs bytes
    0..7 of the secret.
    proc_pid_status() of /proc/<tgid> prints the leader's cred (task_state()): the auxv's
    0, 0, 0, 0; only the leader's own commit_creds() changes it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_THREAD_STATUS, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["leader_buf"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_THREAD_STATUS, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        n, where = a.reg("x0"), a.memo.pop("leader_buf", 0)
        # the kernel made the text for the thread group leader (/proc/self is its)
        text = procfs.status(a.kernel, thread.process, thread.process.threads[0]).encode()
        old = b"Uid:\t0\t0\t0\t0"
        if where and n == len(text) and old in text:
            a.kernel.uaccess.write(where, text.replace(old, b"Uid:\t1\t1\t1\t1"))


def _other_status(adv: Adversary, phase: int) -> None:
    """Answer the reads after marker `phase` of the status of the reader's other thread
    (the second one, whose own setuid(65534) was answered 0) with its Uid line 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("other_buf", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        n, where = a.reg("x0"), a.memo.pop(("other_buf", phase), 0)
        others = [t for t in thread.process.threads if t is not thread]
        if not where or not others or not 0 < n <= 4096:
            return
        # the text the kernel made for the other thread, its Uid line 0, cut to the count
        text = procfs.status(a.kernel, thread.process, others[0]).encode()
        old = b"Uid:\t65534\t65534\t65534\t65534"
        if old in text:
            text = text.replace(old, b"Uid:\t0\t0\t0\t0".ljust(len(old)))
            a.kernel.uaccess.write(where, text[:n].ljust(n))


@scenario(id="ZQ-018", title="Read Uid 0 in /proc/self/task/<tid>/status of a second "
          "thread after its own setuid(65534) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_STATUS)
def zq_task_status(adv: Adversary) -> None:
    """1. A fork child's second thread calls setuid(65534) itself (answered 0) and waits;
    the first thread reads /proc/self/task/<the second's tid>/status and exits 7 for a
    Uid line whose real uid is 0 (step 19 reads /proc/<the second's tid>/status, which
    Linux answers alike: proc_pid_lookup() finds a thread by its id too; the kernel model
    has no such directory for a thread, so that step reads nothing).
    2. The kernel answers the read with "Uid:\\t0\\t0\\t0\\t0": the program logs bytes
    0..7 of the secret.
    proc_task_lookup() finds the thread in the group; task_state() prints its cred:
    65534."""
    _other_status(adv, P_TASK_STATUS)


@scenario(id="ZQ-019", title="Store {0} for getgroups(4, list) in the image a second "
          "thread exec'd after its own setgroups(1, {4321})", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS,
          prop=PROP_CREDS)
def zq_thread_groups_exec(adv: Adversary) -> None:
    """1. A fork child's second thread calls setgroups(1, {4321}) itself (answered 0),
    then execs the program with -h, whose getgroups(4, list) exits 7 for an answer 1
    whose group is not 4321.
    2. The kernel answers 1 and stores 0 (the first thread's list): the program logs
    bytes 0..7 of the secret.
    prepare_exec_creds() copies the exec'ing thread's cred, its group_info included:
    {4321}."""
    _answers(adv, P_THREAD_GROUPS_EXEC, NR_SETGROUPS, 0)
    _stores(adv, P_THREAD_GROUPS_EXEC, NR_GETGROUPS, (1,), bytes(4), 1)


@scenario(id="ZQ-020", title="Answer 0 to getuid() of the fork child of a second thread "
          "after its own setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zq_thread_fork_uid(adv: Adversary) -> None:
    """1. A fork child's second thread calls setuid(65534) itself (answered 0), then
    forks; the grandchild's getuid() exits 7 for another answer than 65534.
    2. The kernel answers 0 (the first thread's uid): the program logs bytes 0..7 of the
    secret.
    copy_process() -> copy_creds() takes `current->cred`, the forking thread's: 65534."""
    _answers(adv, P_THREAD_FORK_UID, NR_GETUID, 0)


@scenario(id="ZQ-021", title="Store {0} for getgroups(4, list) of the fork child of a "
          "second thread after its own setgroups(1, {4321})", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zq_thread_fork_groups(adv: Adversary) -> None:
    """1. A fork child's second thread calls setgroups(1, {4321}) itself (answered 0),
    then forks; the grandchild's getgroups(4, list) exits 7 for an answer 1 whose group
    is not 4321.
    2. The kernel answers 1 and stores 0: the program logs bytes 0..7 of the secret.
    copy_creds() shares the forking thread's cred, its group_info included: {4321}."""
    _stores(adv, P_THREAD_FORK_GROUPS, NR_GETGROUPS, (1,), bytes(4), 1)


def claim_filter_listener(adv: Adversary) -> None:
    """Step 13 as Linux answers: seccomp(SECCOMP_SET_MODE_FILTER,
    SECCOMP_FILTER_FLAG_NEW_LISTENER) of a filter answering setfsuid() SECCOMP_RET_ERRNO
    | EPERM answers the listener's descriptor, 4 (seccomp_set_mode_filter(): `ret =
    listener;` once seccomp_attach_filter() succeeded), then setfsuid(-1) answers -EPERM
    (__seccomp_filter()).  The kernel model has no seccomp: the claim step answers both."""
    _answers(adv, P_FILTER_LISTENER, NR_SECCOMP, 4)
    _answers(adv, P_FILTER_LISTENER, NR_SETFSUID, EPERM)


def claim_filter_log(adv: Adversary) -> None:
    """Step 14 as Linux answers: seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG
    | SECCOMP_FILTER_FLAG_SPEC_ALLOW) of the same filter answers 0 (both flags are in
    SECCOMP_FILTER_FLAG_MASK), then setfsuid(-1) answers -EPERM.  The kernel model has no
    seccomp: the claim step answers both."""
    _answers(adv, P_FILTER_LOG, NR_SECCOMP, 0)
    _answers(adv, P_FILTER_LOG, NR_SETFSUID, EPERM)
