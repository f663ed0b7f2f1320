"""Red-team round 77c: the group list after setgroups() with a list, a root program's gids
after setresgid(), setregid() (and an exec) and setgid(); the calls the Guardian takes as
putting a seccomp filter or syscall user dispatch in place: a SECCOMP_FILTER_FLAG_TSYNC
filter seen from a process that shares the program's memory but not its thread group,
and filter or dispatch calls Linux refuses with -EINVAL (which attach nothing); a filter
answering getuid() SECCOMP_RET_ERRNO; a program launched under a filter.

Linux: set_groups() makes the list the call gave (groups_sort()); sys_getgroups()
answers -EINVAL only for a size below the count.  __sys_setresgid(), __sys_setregid()
and __sys_setgid() set the gids they name (and the fs gid); execve() keeps the real gid.
seccomp_sync_threads() (SECCOMP_FILTER_FLAG_TSYNC) walks `for_each_thread(caller,
thread)`, the caller's thread group: a clone(CLONE_VM) process outside it keeps its own
(no) filter.  seccomp_prepare_filter() answers -EINVAL for a program of length 0,
prctl_set_seccomp() for a mode other than SECCOMP_MODE_STRICT or _FILTER, do_seccomp()
for SECCOMP_SET_MODE_STRICT with flags, set_syscall_user_dispatch() for a mode other than
PR_SYS_DISPATCH_OFF/ON: none attaches anything.  A filter's SECCOMP_RET_ERRNO makes any
call, getuid() included, answer -errno (__seccomp_filter() -> syscall_set_return_value());
a filter is kept across execve() and fork, so a program may start under its launcher's
filter (systemd's SystemCallFilter= with SystemCallErrorNumber=).

On the victim `secret_r77_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZN-001: setgroups(1, {1234}) answered 0, getgroups(4, list) answered 1 with the list
  {0};
- ZN-002: setgroups(1, {1234}) answered 0, getgroups(4, list) answered -EINVAL;
- ZN-003: setresgid(65534, 65534, 65534) answered 0, getresgid() stored 0, 0, 0;
- ZN-004: setregid(65534, 65534) answered 0, the exec'd image's auxv AT_GID = AT_EGID =
  0, its getgid() answered 0;
- ZN-005: a clone(CLONE_VM | SIGCHLD) process's setfsuid(-1) answered 65534 after its
  creator's seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) answered 0;
- ZN-006: seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of an empty
  program answered -EINVAL, then setfsuid(-1) answered 65534;
- ZN-007: prctl(PR_SET_SECCOMP, 3) answered -EINVAL, then setfsuid(-1) 65534;
- ZN-008: prctl(PR_SET_SYSCALL_USER_DISPATCH, 7) answered -EINVAL, then setfsuid(-1)
  65534;
- ZN-009: seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) answered -EINVAL, then setfsuid(-1)
  65534;
- ZN-010: setgid(65534) answered 0, then setfsgid(-1) answered 0;
- ZN-011: setuid(65534) answered 0, /proc/self/status read with "Uid:\t0\t0\t0\t0";
- ZN-012: setgroups(1, {1234}) answered 0, /proc/self/status read with "Groups:\t0 ";
- ZN-013: setresgid(65534, 65534, 65534) answered 0, /proc/self/status read with
  "Gid:\t0\t0\t0\t0";
- ZN-014: setuid(65534) answered -EPERM, getuid() answered 65534;
- ZN-015: unshare(CLONE_NEWUSER) answered -EPERM, getuid() answered 65534;
- ZN-016: setgroups(1, {1234}) answered -EPERM, getgroups(0, NULL) answered another
  count than before;
- ZN-017: setresuid(65534, 65534, 65534) answered -EPERM, getresuid() stored 65534,
  65534, 65534;
- ZN-018: setresuid(-1, -1, 1234) and setfsuid(1234) answered 0, then setfsuid(-1)
  answered 0;
- ZN-019: each of two threads' setuid(65534) answered 0 (glibc's setxid broadcast), then
  getuid() answered 0;
- ZN-020: unshare(CLONE_FILES) answered 0, getuid() answered 65534;
- ZN-021: setuid(65534) answered -EPERM, the exec'd image's auxv AT_UID = AT_EUID =
  65534, its getuid() answered 65534;
- ZN-022: seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) answered 0, then
  prctl(PR_GET_SECCOMP) answered 0;
- honest (tests/test_redteam_r77c_victim.py, the untouched run with the Guardian on):
  setfsuid(-1) 1234 after setresuid(-1, -1, 1234) and setfsuid(1234) (the saved uid);
  getuid() 65534 in each thread after each thread's own setuid(65534);
- honest (tests/test_redteam_r77c_claims.py): getuid() answered -EPERM after the
  program's own TSYNC filter answering getuid() SECCOMP_RET_ERRNO | EPERM was installed
  (claim_filter_errno_getuid); setfsuid(-1) answered -EPERM with no filter call, the
  program launched under its launcher's filter (claim_launcher_filter).  The kernel
  model has no seccomp (seccomp() answers -ENOSYS): the claim steps answer as Linux does.

qemu-aarch64-static (run as root) answers getgroups(4, list) 1 after setgroups(1,
{1234}), getresgid() 0 after setresgid(65534, 65534, 65534), setfsgid(-1) 65534 after
setgid(65534), prctl(PR_SET_SECCOMP, 3) and prctl(PR_SET_SYSCALL_USER_DISPATCH, 7)
-EINVAL (host 6.18) and setfsuid(-1) 0 after each, setfsuid(-1) 1234 after
setresuid(-1, -1, 1234) and setfsuid(1234), getuid() 65534 after each thread's
setuid(65534); it has no seccomp() (-ENOSYS) and
refuses clone(CLONE_VM) without CLONE_THREAD (-EINVAL), so those answers stand on the
kernel source alone.

Through with the Guardian on when written (open P5 gaps): ZN-001 (return.credentials
follows setgroups' count, not its list: getgroups' list is not judged), ZN-002
(getgroups' errors are not judged), ZN-005 (raised_signals marks the whole address space
for a TSYNC filter, a CLONE_VM process outside the thread group included), ZN-006..ZN-009
(result_rules marks a filter for each call that may install one, whatever it answers: an
-EINVAL answer attaches nothing), ZN-011..ZN-013 (self_reports judges no Uid, Gid or
Groups line of /proc/self/status), ZN-014..ZN-017, ZN-021 (return.credentials forgets every
id after a setter call whatever it answers; a failing one changes none), ZN-020 (every
unshare() forgets the ids, not only CLONE_NEWUSER's), ZN-022 (PR_GET_SECCOMP is judged
by its range 0..2 alone).  Refused: ZN-003, ZN-010, ZN-018, ZN-019 (return.credentials), ZN-004
(create.exec_real_ids).  False refusals (claims, xfail): claim_filter_errno_getuid
(return.credentials takes getuid() as never failing, filtered or not),
claim_launcher_filter (the user's launch is taken as unfiltered).

Refused since: ZN-014..ZN-017, ZN-020 (return.credentials: a failed set*id, setgroups
or unshare call and an unshare() without CLONE_NEWUSER keep the ids), ZN-021
(create.exec_real_ids: the real uid kept through the failed setuid()), ZN-005..ZN-009
(return.credentials: a filter or dispatch call answered -errno attaches nothing, a TSYNC
filter reaches its caller's thread group alone), ZN-001, ZN-002 (return.credentials:
setgroups' list, read at entry and sorted, where it lay quiet through the call;
getgroups' -EINVAL only for a size above 0 and below the count), ZN-011..ZN-013
(return.self_report: status's Uid, Gid and Groups lines of the reader's own file).
Still through: ZN-022 (a filter's SECCOMP_RET_ERRNO with data 0 makes any call answer
0, PR_GET_SECCOMP's included: judging it needs the filter's program).  Not refused
since: claim_filter_errno_getuid (a filtered thread's getuid() may answer -errno),
claim_launcher_filter where the user states `blindfold run --launch-filter` (without
it the launch is taken as unfiltered, as README says, and the answer is refused).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_EUID, AT_UID, _answers, _exec_auxv, _stores
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model import procfs
from kernel_model.process import Thread

RT = "redteam_r77c"
CORE = "secret_r77_core"
# secret_r77_core: the marker before each step; the marker after its write is + 1.
P_GROUPS_LIST, P_GROUPS_EINVAL, P_RESGID_DROP, P_REGID_EXEC = 10800, 10802, 10804, 10806
P_VM_CHILD, P_FILTER_EMPTY, P_SECCOMP_MODE, P_DISPATCH_MODE = 10808, 10810, 10812, 10814
P_STRICT_FLAGS, P_SETGID_FSGID, P_FILTER_ERRNO, P_LAUNCH_FILTER = 10816, 10818, 10820, 10822
P_STATUS_UID, P_STATUS_GROUPS, P_STATUS_GID = 10824, 10826, 10828
P_SETUID_FAIL, P_UNSHARE_FAIL, P_SETGROUPS_FAIL, P_SETRESUID_FAIL = 10830, 10832, 10834, 10836
P_FSUID_SAVED, P_SETXID_THREADS, P_UNSHARE_FILES, P_SETUID_FAIL_EXEC = 10838, 10840, 10842, 10844
P_GET_SECCOMP = 10846
#: the steps an untouched run takes
PHASES = (P_GROUPS_LIST, P_GROUPS_EINVAL, P_RESGID_DROP, P_REGID_EXEC, P_VM_CHILD,
          P_FILTER_EMPTY, P_SECCOMP_MODE, P_DISPATCH_MODE, P_STRICT_FLAGS, P_SETGID_FSGID,
          P_FILTER_ERRNO, P_LAUNCH_FILTER, P_STATUS_UID, P_STATUS_GROUPS, P_STATUS_GID,
          P_SETUID_FAIL, P_UNSHARE_FAIL, P_SETGROUPS_FAIL, P_SETRESUID_FAIL, P_FSUID_SAVED,
          P_SETXID_THREADS, P_UNSHARE_FILES, P_SETUID_FAIL_EXEC, P_GET_SECCOMP)
P_FIRST, P_VICTIM_LAST = P_GROUPS_LIST, P_GET_SECCOMP
NR_GETGROUPS, NR_GETRESGID, NR_GETGID, NR_SETFSUID, NR_SETFSGID = 158, 150, 176, 151, 152
NR_SECCOMP, NR_GETUID, NR_SETUID, NR_UNSHARE, NR_SETGROUPS = 277, 174, 146, 97, 159
NR_SETRESUID, NR_GETRESUID = 147, 148
AT_GID, AT_EGID = AT_UID + 2, AT_UID + 3
EINVAL, EPERM = -22, -1
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROP_CREDS = ("A thread's ids and groups are what its own set*id and setgroups calls made "
              "them (commit_creds()); execve() keeps the real gid and the group list.")
PROP_NO_FILTER = ("Only a seccomp filter attached to the calling thread "
                  "(seccomp_attach_filter(), seccomp_sync_threads() within its thread group) "
                  "or syscall user dispatch switched on may answer a call in the kernel's "
                  "stead; a filter or dispatch call answered -EINVAL attaches nothing.")


@scenario(id="ZN-001", title="Store the list {0} for getgroups(4, list) after "
          "setgroups(1, {1234}) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zn_groups_list(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it calls getgroups(4, list) and
    exits 7 for an answer 1 whose first group is not 1234.
    2. The kernel answers 1 and stores 0: the program logs bytes 0..7 of the secret.
    __sys_setgroups() -> groups_from_user(), groups_sort(), set_current_groups(): the
    list is the one given; sys_getgroups() -> groups_to_user() copies it: {1234}."""
    _stores(adv, P_GROUPS_LIST, NR_GETGROUPS, (1,), bytes(4), 1)


@scenario(id="ZN-002", title="Answer -EINVAL to getgroups(4, list) after setgroups(1, "
          "{1234}) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zn_groups_einval(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it calls getgroups(4, list) and
    exits 7 for an error.
    2. The kernel answers -EINVAL: the program logs bytes 0..7 of the secret.
    sys_getgroups(): `if (gidsetsize) { if (i > gidsetsize) { i = -EINVAL; goto out; }
    ...}` with i = ngroups = 1 <= 4; the buffer is the program's own (no -EFAULT): 1."""
    _answers(adv, P_GROUPS_EINVAL, NR_GETGROUPS, EINVAL)


@scenario(id="ZN-003", title="Store 0, 0, 0 for getresgid() after a root program's "
          "setresgid(65534, 65534, 65534) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zn_resgid_drop(adv: Adversary) -> None:
    """1. A fork child's setresgid(65534, 65534, 65534) answered 0; it calls getresgid()
    and exits 7 for a real gid 0.
    2. The kernel answers 0 and stores 0, 0, 0: the program logs bytes 0..7 of the secret.
    __sys_setresgid(): `new->gid = krgid; new->egid = kegid; new->sgid = ksgid;`:
    65534, 65534, 65534."""
    _stores(adv, P_RESGID_DROP, NR_GETRESGID, (0, 1, 2), bytes(4))


@scenario(id="ZN-004", title="Answer 0 to getgid() in the image a program exec'd after "
          "setregid(65534, 65534), its auxv claiming gid 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROP_CREDS)
def zn_regid_exec(adv: Adversary) -> None:
    """1. A fork child's setregid(65534, 65534) answered 0; it execs the program with -G,
    whose getgid() exits 7 for 0.
    2. The kernel writes AT_GID = AT_EGID = 0 into the new image's auxv and answers
    getgid() 0: the program logs bytes 0..7 of the secret.
    __sys_setregid() set the real and effective gid 65534; prepare_exec_creds() copies
    them and only a set-group-ID file changes the egid, never the real gid: 65534."""
    _exec_auxv(adv, P_REGID_EXEC, {AT_GID: 0, AT_EGID: 0})
    _answers(adv, P_REGID_EXEC, NR_GETGID, 0)


@scenario(id="ZN-005", title="Answer 65534 to setfsuid(-1) of a clone(CLONE_VM) process "
          "after its creator's SECCOMP_FILTER_FLAG_TSYNC filter", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_NO_FILTER)
def zn_vm_child(adv: Adversary) -> None:
    """1. A fork child makes a process sharing its memory (clone(CLONE_VM | SIGCHLD), no
    CLONE_THREAD), then has seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)
    of an allow-everything filter answered 0; the new process calls setfsuid(-1) and
    exits 7 for another answer than 0, which the child passes on.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    seccomp_sync_threads() puts the filter on `for_each_thread(caller, thread)`, the
    caller's thread group; the CLONE_VM process is a thread group of its own, created
    before the filter (copy_seccomp() copied none): no filter answers its call, and
    __sys_setfsuid() answers the old fs uid, the auxv's euid: 0."""
    _answers(adv, P_VM_CHILD, NR_SECCOMP, 0)
    _answers(adv, P_VM_CHILD, NR_SETFSUID, 65534)


@scenario(id="ZN-006", title="Answer 65534 to setfsuid(-1) after seccomp(SECCOMP_SET_MODE_"
          "FILTER, SECCOMP_FILTER_FLAG_TSYNC) of an empty program answered -EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_NO_FILTER)
def zn_filter_empty(adv: Adversary) -> None:
    """1. A fork child's seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of a
    program of length 0 is answered -EINVAL; it calls setfsuid(-1) and exits 7 for
    another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    seccomp_prepare_filter(): `if (fprog->len == 0 || fprog->len > BPF_MAXINSNS) return
    ERR_PTR(-EINVAL);` before anything is attached: no filter answers setfsuid(), and
    __sys_setfsuid() answers the old fs uid: 0."""
    _answers(adv, P_FILTER_EMPTY, NR_SECCOMP, EINVAL)
    _answers(adv, P_FILTER_EMPTY, NR_SETFSUID, 65534)


@scenario(id="ZN-007", title="Answer 65534 to setfsuid(-1) after prctl(PR_SET_SECCOMP, 3) "
          "answered -EINVAL", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_NO_FILTER)
def zn_seccomp_mode(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECCOMP, 3) is answered -EINVAL; it calls
    setfsuid(-1) and exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    prctl_set_seccomp(): `switch (seccomp_mode) { case SECCOMP_MODE_STRICT: ... case
    SECCOMP_MODE_FILTER: ... default: return -EINVAL; }`: nothing attached, and
    __sys_setfsuid() answers the old fs uid: 0."""
    prctl_by_option(adv, P_SECCOMP_MODE, {22: EINVAL})
    _answers(adv, P_SECCOMP_MODE, NR_SETFSUID, 65534)


@scenario(id="ZN-008", title="Answer 65534 to setfsuid(-1) after "
          "prctl(PR_SET_SYSCALL_USER_DISPATCH, 7) answered -EINVAL", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_NO_FILTER)
def zn_dispatch_mode(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SYSCALL_USER_DISPATCH, 7) is answered -EINVAL; it
    calls setfsuid(-1) and exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    task_set_syscall_user_dispatch(): `switch (mode) { case PR_SYS_DISPATCH_OFF: ...
    case PR_SYS_DISPATCH_ON: ... default: return -EINVAL; }`: dispatch stays off, and
    __sys_setfsuid() answers the old fs uid: 0."""
    prctl_by_option(adv, P_DISPATCH_MODE, {59: EINVAL})
    _answers(adv, P_DISPATCH_MODE, NR_SETFSUID, 65534)


@scenario(id="ZN-009", title="Answer 65534 to setfsuid(-1) after "
          "seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) answered -EINVAL", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_NO_FILTER)
def zn_strict_flags(adv: Adversary) -> None:
    """1. A fork child's seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) is answered -EINVAL;
    it calls setfsuid(-1) and exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    do_seccomp(): `case SECCOMP_SET_MODE_STRICT: if (flags != 0 || uargs != NULL) return
    -EINVAL;`: strict mode is not entered (and strict mode kills, never answers), so
    __sys_setfsuid() answers the old fs uid: 0."""
    _answers(adv, P_STRICT_FLAGS, NR_SECCOMP, EINVAL)
    _answers(adv, P_STRICT_FLAGS, NR_SETFSUID, 65534)


@scenario(id="ZN-010", title="Answer 0 to setfsgid(-1) after a root program's "
          "setgid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zn_setgid_fsgid(adv: Adversary) -> None:
    """1. A fork child's setgid(65534) answered 0; it calls setfsgid(-1) and exits 7 for
    0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setgid(): with CAP_SETGID `new->gid = new->egid = new->sgid = new->fsgid =
    kgid;`; __sys_setfsgid() answers the old fs gid: 65534."""
    _answers(adv, P_SETGID_FSGID, NR_SETFSGID, 0)


def claim_filter_errno_getuid(adv: Adversary) -> None:
    """Step 10 as Linux answers: the program's seccomp(SECCOMP_SET_MODE_FILTER,
    SECCOMP_FILTER_FLAG_TSYNC) of a filter returning SECCOMP_RET_ERRNO | EPERM for
    getuid() answers 0 (a root program holds CAP_SYS_ADMIN), then getuid() answers
    -EPERM (__seccomp_filter(): `case SECCOMP_RET_ERRNO: ... syscall_set_return_value(
    current, current_pt_regs(), -data, 0); goto skip;`).  The kernel model has no
    seccomp: the claim step answers both."""
    _answers(adv, P_FILTER_ERRNO, NR_SECCOMP, 0)
    _answers(adv, P_FILTER_ERRNO, NR_GETUID, EPERM)


def claim_launcher_filter(adv: Adversary) -> None:
    """Step 11 as Linux answers for a program launched under a filter returning
    SECCOMP_RET_ERRNO | EPERM for setfsuid() (systemd's SystemCallFilter=~setfsuid with
    SystemCallErrorNumber=EPERM): setfsuid(-1) answers -EPERM.  copy_seccomp() gives a
    fork child its parent's filter and execve() keeps it (nothing in
    begin_new_exec() drops `current->seccomp`), so the launched image starts filtered,
    which the Guardian cannot see."""
    _answers(adv, P_LAUNCH_FILTER, NR_SETFSUID, EPERM)


NR_READ = 63
PROP_STATUS = ("/proc/self/status's Uid, Gid and Groups lines are the reading task's cred "
               "(proc_pid_status() -> task_state()): the ids its own set*id and setgroups "
               "calls made.")


def _status(adv: Adversary, phase: int, old: bytes, new: bytes) -> None:
    """Answer the reads of /proc/self/status after marker `phase`, in any process, with
    `old` in the text replaced by `new`, padded with spaces to its length."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("buf", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        n, where = a.reg("x0"), a.memo.pop(("buf", phase), 0)
        # the kernel made the text it copied out (procfs.status for the reading thread)
        text = procfs.status(a.kernel, thread.process, thread).encode()
        if where and n == len(text) and old in text:
            # as many bytes as were read: the line shorter, padded with spaces
            a.kernel.uaccess.write(where, text.replace(old, new.ljust(len(old))))


@scenario(id="ZN-011", title="Read Uid 0 in /proc/self/status after a root program's "
          "setuid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_STATUS)
def zn_status_uid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it reads /proc/self/status and exits 7
    for a Uid line whose real uid is 0.
    2. The kernel answers the read with "Uid:\\t0\\t0\\t0\\t0": the program logs bytes 0..7
    of the secret.
    __sys_setuid() with CAP_SETUID set every uid 65534; task_state() prints
    `from_kuid_munged(user_ns, cred->uid)` .. `cred->fsuid`: "Uid:\\t65534\\t65534\\t65534\\t
    65534"."""
    _status(adv, P_STATUS_UID, b"Uid:\t65534\t65534\t65534\t65534", b"Uid:\t0\t0\t0\t0")


@scenario(id="ZN-012", title="Read Groups 0 in /proc/self/status after setgroups(1, {1234}) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_STATUS)
def zn_status_groups(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it reads /proc/self/status and
    exits 7 for a Groups line whose first group is 0.
    2. The kernel answers the read with "Groups:\\t0 ": the program logs bytes 0..7 of the
    secret.
    set_groups() made the list {1234}; task_state() prints each of `group_info->gid[]`
    and a space: "Groups:\\t1234 "."""
    _status(adv, P_STATUS_GROUPS, b"Groups:\t1234 ", b"Groups:\t0 ")


@scenario(id="ZN-013", title="Read Gid 0 in /proc/self/status after a root program's "
          "setresgid(65534, 65534, 65534) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_STATUS)
def zn_status_gid(adv: Adversary) -> None:
    """1. A fork child's setresgid(65534, 65534, 65534) answered 0; it reads
    /proc/self/status and exits 7 for a Gid line whose real gid is 0.
    2. The kernel answers the read with "Gid:\\t0\\t0\\t0\\t0": the program logs bytes 0..7
    of the secret.
    __sys_setresgid() set the real, effective, saved and fs gid 65534; task_state()
    prints them: "Gid:\\t65534\\t65534\\t65534\\t65534"."""
    _status(adv, P_STATUS_GID, b"Gid:\t65534\t65534\t65534\t65534", b"Gid:\t0\t0\t0\t0")


PROP_FAILED = ("A set*id, setgroups or unshare call that fails changes no id (the new cred "
               "is aborted: abort_creds()), so the ids and groups stay what they were.")


@scenario(id="ZN-014", title="Answer 65534 to getuid() after a root program's setuid(65534) "
          "answered -EPERM", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_FAILED)
def zn_setuid_fail(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) is answered -EPERM; it calls getuid() and exits 7
    for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    __sys_setuid(): every failure path (`retval = -EPERM; ... error: abort_creds(new);
    return retval;`) drops the new cred before commit_creds(): the real uid stays the
    auxv's 0 (a launcher that dropped CAP_SETUID explains the -EPERM, not another uid)."""
    _answers(adv, P_SETUID_FAIL, NR_SETUID, EPERM)
    _answers(adv, P_SETUID_FAIL, NR_GETUID, 65534)


@scenario(id="ZN-015", title="Answer 65534 to getuid() after unshare(CLONE_NEWUSER) "
          "answered an error", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_FAILED)
def zn_unshare_fail(adv: Adversary) -> None:
    """1. A fork child's unshare(CLONE_NEWUSER) is answered an error (the kernel model
    has no user namespaces; the attack answers -EPERM); it calls getuid() and exits 7 for
    another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    ksys_unshare(): unshare_userns() fails before `new_cred` exists, or `if (new_cred) {
    ... commit_creds(new_cred); }` is reached only once every step succeeded (the error
    path `bad_unshare_cleanup_cred: if (new_cred) put_cred(new_cred);`): the thread stays
    in its namespace, getuid() answers 0."""
    _answers(adv, P_UNSHARE_FAIL, NR_UNSHARE, EPERM)
    _answers(adv, P_UNSHARE_FAIL, NR_GETUID, 65534)


@scenario(id="ZN-016", title="Answer another count to getgroups(0, NULL) after setgroups(1, "
          "{1234}) answered -EPERM", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_FAILED)
def zn_setgroups_fail(adv: Adversary) -> None:
    """1. A fork child's getgroups(0, NULL) answers its count n; setgroups(1, {1234}) is
    answered -EPERM; it calls getgroups(0, NULL) again and exits 7 for another count.
    2. The kernel answers n + 5 the second time: the program logs bytes 0..7 of the
    secret.
    __sys_setgroups(): `if (!may_setgroups()) return -EPERM;` before groups_alloc(), and
    any later failure frees the new list (put_group_info()) without set_current_groups():
    the list and its count stay n."""
    _answers(adv, P_SETGROUPS_FAIL, NR_SETGROUPS, EPERM)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETGROUPS, during=P_SETGROUPS_FAIL, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        seen = a.memo["groups_seen"] = a.memo.get("groups_seen", 0) + 1
        if seen == 1:
            a.memo["groups_n"] = a.reg("x0")
        else:
            a.set_reg("x0", a.memo.get("groups_n", 0) + 5)


@scenario(id="ZN-017", title="Store 65534, 65534, 65534 for getresuid() after "
          "setresuid(65534, 65534, 65534) answered -EPERM", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FAILED)
def zn_setresuid_fail(adv: Adversary) -> None:
    """1. A fork child's setresuid(65534, 65534, 65534) is answered -EPERM; it calls
    getresuid() and exits 7 for a real uid not 0.
    2. The kernel answers 0 and stores 65534, 65534, 65534: the program logs bytes 0..7
    of the secret.
    __sys_setresuid(): a failure (`retval = -EPERM; ... error: abort_creds(new);`) drops
    the new cred: the ids stay the auxv's 0, 0, 0."""
    _answers(adv, P_SETRESUID_FAIL, NR_SETRESUID, EPERM)
    _stores(adv, P_SETRESUID_FAIL, NR_GETRESUID, (0, 1, 2), (65534).to_bytes(4, "little"))


@scenario(id="ZN-018", title="Answer 0 to setfsuid(-1) after setresuid(-1, -1, 1234) and "
          "setfsuid(1234) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zn_fsuid_saved(adv: Adversary) -> None:
    """1. A fork child's setresuid(-1, -1, 1234) and setfsuid(1234) answered 0; it calls
    setfsuid(-1) and exits 7 for another answer than 1234.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setfsuid(): `uid_eq(kuid, old->suid)` always lets the saved uid in: the fs
    uid became 1234, and the next call answers it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETFSUID, during=P_FSUID_SAVED, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") == 1234:
            a.set_reg("x0", 0)


@scenario(id="ZN-019", title="Answer 0 to getuid() of each thread after each thread's own "
          "setuid(65534) (glibc's setxid broadcast)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_CREDS)
def zn_setxid_threads(adv: Adversary) -> None:
    """1. A fork child's two threads each call setuid(65534), answered 0, one after the
    other (as glibc's __nptl_setxid() has every thread do); each calls getuid() and the
    child exits 7 where one answers another uid than 65534.
    2. The kernel answers 0 to each getuid(): the program logs bytes 0..7 of the secret.
    __sys_setuid() of each thread (the second still holding CAP_SETUID) set its own
    cred's uids 65534: getuid() answers 65534 in both."""
    _answers(adv, P_SETXID_THREADS, NR_GETUID, 0)


@scenario(id="ZN-020", title="Answer 65534 to getuid() after unshare(CLONE_FILES) answered 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="Only unshare(CLONE_NEWUSER) makes a new cred (unshare_userns()); another "
               "unshare() leaves the ids as they were.")
def zn_unshare_files(adv: Adversary) -> None:
    """1. A fork child's unshare(CLONE_FILES) answered 0; it calls getuid() and exits 7
    for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    ksys_unshare(): unshare_userns() makes `new_cred` only `if (!(unshare_flags &
    CLONE_NEWUSER)) return 0;` otherwise; unshare_fd() swaps the descriptor table alone:
    getuid() answers the auxv's 0."""
    _answers(adv, P_UNSHARE_FILES, NR_UNSHARE, 0)
    _answers(adv, P_UNSHARE_FILES, NR_GETUID, 65534)


@scenario(id="ZN-021", title="Answer 65534 to getuid() in the image a program exec'd after "
          "setuid(65534) answered -EPERM, its auxv claiming uid 65534", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          silent=NEVER_RUNS, prop=PROP_FAILED)
def zn_setuid_fail_exec(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) is answered -EPERM; it execs the program with -U,
    whose getuid() exits 7 for another answer than 0.
    2. The kernel writes AT_UID = AT_EUID = 65534 into the new image's auxv and answers
    getuid() 65534: the program logs bytes 0..7 of the secret.
    __sys_setuid() aborted its new cred (abort_creds()); prepare_exec_creds() copies the
    old one and execve() never changes the real uid: AT_UID is 0."""
    _answers(adv, P_SETUID_FAIL_EXEC, NR_SETUID, EPERM)
    _exec_auxv(adv, P_SETUID_FAIL_EXEC, {AT_UID: 65534, AT_EUID: 65534})
    _answers(adv, P_SETUID_FAIL_EXEC, NR_GETUID, 65534)


@scenario(id="ZN-022", title="Answer 0 to prctl(PR_GET_SECCOMP) after the program's "
          "SECCOMP_FILTER_FLAG_TSYNC filter answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, gap="P5",
          prop="A thread holding a seccomp filter is in SECCOMP_MODE_FILTER for good "
               "(seccomp_assign_mode(); no call leaves it).")
def zn_get_seccomp(adv: Adversary) -> None:
    """1. A fork child's seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of an
    allow-everything filter answered 0; it calls prctl(PR_GET_SECCOMP) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    seccomp_set_mode_filter() -> seccomp_assign_mode(current, SECCOMP_MODE_FILTER, flags)
    sets `task->seccomp.mode`; prctl_get_seccomp() answers `current->seccomp.mode`: 2.
    The filter is the program's own single SECCOMP_RET_ALLOW: no trap, errno or
    notification answers prctl() in the kernel's stead."""
    _answers(adv, P_GET_SECCOMP, NR_SECCOMP, 0)
    prctl_by_option(adv, P_GET_SECCOMP, {21: 0})
