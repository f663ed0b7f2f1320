"""Red-team round 76c: a thread's ids and groups after the set*id calls the Guardian does
not follow (setuid, setreuid, setgid, setgroups with a list, a setfsuid that changes the
fs uid), an exec'd image's real uid after setuid(); a thread's ids after
unshare(CLONE_NEWUSER).

Linux: __sys_setuid() of a thread with CAP_SETUID sets the real, effective, saved and fs
uid (`new->suid = new->uid = kuid` ... `new->fsuid = new->euid = kuid`);
__sys_setreuid() sets the saved uid to the new effective one where the real uid is set;
__sys_setgid() likewise for the gids; set_groups() makes the list the call gave;
__sys_setfsuid() answers the old fs uid; execve() never changes the real uid.
create_user_ns() (unshare(CLONE_NEWUSER)) leaves the thread's kuids as they were, in a
namespace without a uid_map: from_kuid_munged() answers the overflow uid (65534 unless
/proc/sys/kernel/overflowuid says otherwise) for each.

On the victim `secret_r76_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZK-001: setuid(65534) answered 0, getresuid() stored 0, 0, 0;
- ZK-002: setreuid(65534, 65534) answered 0, getresuid() stored 0, 0, 0;
- ZK-003: setgroups(1, {1234}) answered 0, getgroups(0, NULL) answered 2;
- ZK-005: setuid(65534) answered 0, the exec'd image's auxv AT_UID = AT_EUID = 0, its
  getuid() answered 0;
- ZK-006: setgid(65534) answered 0, getgid() answered 0;
- ZK-007: setresuid(65534, 65534, 65534) answered 0, setfsuid(-1) answered 0;
- ZK-008: setuid(65534) answered 0, then setfsuid(-1) answered 0 (Linux: 65534);
- ZK-009: setreuid(-1, 65534) answered 0 (the real uid stays 0, the saved uid becomes
  65534), getresuid() stored 0, 0, 0;
- ZK-010: setgroups(1, {1234}) answered 0, the exec'd image's getgroups(0, NULL)
  answered 2 (execve keeps the group list);
- ZK-011: a new thread's prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) answered 0, then the
  other thread's setfsuid(-1) answered 65534 (the filter is the installing thread's
  alone);
- ZK-012: seccomp(SECCOMP_GET_ACTION_AVAIL) answered 0, then setfsuid(-1) answered 65534;
- ZK-013: prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF) answered 0, then
  setfsuid(-1) answered 65534;
- honest (tests/test_redteam_r76c_claims.py; the untouched run gives the other steps'
  Linux answers): after unshare(CLONE_NEWUSER) answered 0, getuid() 65534
  (claim_userns_uid), setfsuid(-1) 65534 (claim_userns_fsuid), the exec'd image's AT_UID
  = AT_EUID = 65534 (claim_userns_exec); setfsuid(-1) 1234 after setfsuid(1234) and a
  setresuid(-1, -1, -1) that changes no id (claim_fsuid_kept_by_a_noop_setresuid); a
  root program's exec made secure by an LSM, AT_SECURE 1 with AT_UID = AT_EUID = 0
  (claim_lsm_secure_root_exec).  The kernel model has no user namespaces (unshare()
  fails) or LSM: the claim steps answer as Linux does.

qemu-aarch64-static (run as root) answers setfsuid(-1) 1234 after setfsuid(1234),
getgroups(0, NULL) 1 after setgroups(1, {1234}), getresuid() 65534, 65534, 65534 and
setfsuid(-1) 65534 after setuid(65534), setfsuid(-1) 1234 after setfsuid(1234) and
setresuid(-1, -1, -1) (host 6.18: __sys_setresuid() returns before commit_creds() where
no id would change); its unshare(CLONE_NEWUSER) fails on this host (EPERM), so the user-namespace answers stand on the kernel source alone.

Withdrawn as Linux's answer, now a claim: ZK-004 (claim_fsuid_without_cap_setuid: a
root program's setfsuid(1234) sets the fs uid only with CAP_SETUID, which the Guardian
does not follow; a launcher may have dropped it, and then setfsuid(-1) answers 0 as
Linux does; return.credentials forgets the fs uid there).
Refused: ZK-007; since: ZK-001, ZK-002, ZK-003, ZK-005, ZK-006, ZK-008, ZK-009, ZK-010
(return.credentials, create.exec_real_ids: setuid, setreuid, setgid, setregid,
setgroups with a list and setfsuid set the ids __sys_setuid(), __sys_setreuid(),
set_groups() and __sys_setfsuid() determine from the ids known and the answer 0; an
exec'd image keeps the group count), ZK-011, ZK-012, ZK-013 (return.credentials:
raised_signals.may_filter() counts no seccomp() probe and no PR_SYS_DISPATCH_OFF, and a
filter without SECCOMP_FILTER_FLAG_TSYNC marks its own thread and the threads and
processes it later creates).
False refusals when written: claim_userns_uid, claim_userns_fsuid (return.credentials
kept the auxv's uid 0 across unshare(CLONE_NEWUSER)), claim_userns_exec
(create.exec_real_ids) -- fixed since: unshare(CLONE_NEWUSER), setns() and
clone(CLONE_NEWUSER) forget the ids the Guardian follows; claim_fsuid_kept_by_a_noop_setresuid (return.credentials set
the fs uid to the effective one at every setresuid answered 0), claim_lsm_secure_root_exec
(create.auxv: AT_SECURE 1 passed with equal ids only for a real uid not 0) -- fixed
since: a setresuid/setresgid whose ids are all the old ones keeps the fs id
(__sys_setresuid()'s early return, the kernel model's too), and AT_SECURE 1 with equal
ids passes for an exec'd image of any uid (the user's launch keeps AX-005's rule unless it
states an LSM: `--launch-secure-exec`).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_EUID, AT_SECURE, AT_UID, _answers, _exec_auxv, _stores
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r76c"
CORE = "secret_r76_core"
# secret_r76_core: the marker before each step; the marker after its write is + 1.
P_SETUID_DROP, P_SETREUID_DROP, P_GROUPS_LIST, P_FSUID_SET = 10500, 10502, 10504, 10506
P_SETUID_EXEC, P_SETGID_DROP, P_FSUID_DROP, P_USERNS_UID = 10508, 10510, 10512, 10514
P_USERNS_FSUID, P_USERNS_EXEC, P_SETUID_FSUID, P_SETREUID_EUID = 10516, 10518, 10520, 10522
P_GROUPS_EXEC, P_FSUID_KEPT, P_THREAD_FILTER, P_ACTION_AVAIL = 10524, 10526, 10528, 10530
P_DISPATCH_OFF = 10532
#: the steps an untouched run takes
PHASES = (P_SETUID_DROP, P_SETREUID_DROP, P_GROUPS_LIST, P_FSUID_SET, P_SETUID_EXEC,
          P_SETGID_DROP, P_FSUID_DROP, P_USERNS_UID, P_USERNS_FSUID, P_USERNS_EXEC,
          P_SETUID_FSUID, P_SETREUID_EUID, P_GROUPS_EXEC, P_FSUID_KEPT,
          P_THREAD_FILTER, P_ACTION_AVAIL, P_DISPATCH_OFF)
P_FIRST, P_VICTIM_LAST = P_SETUID_DROP, P_DISPATCH_OFF
NR_GETGROUPS, NR_SETFSUID, NR_GETRESUID, NR_GETUID, NR_GETGID = 158, 151, 148, 174, 176
NR_UNSHARE, NR_SETGROUPS, NR_SECCOMP = 97, 159, 277
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROP_CREDS = ("A thread's ids and groups are what its own set*id and setgroups calls made "
              "them (commit_creds()); execve() keeps the real uid and the group list.")


@scenario(id="ZK-001", title="Store 0, 0, 0 for getresuid() after a root program's "
          "setuid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zk_setuid_drop(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it calls getresuid() and exits 7 for a
    real uid 0.
    2. The kernel answers 0 and stores 0, 0, 0: the program logs bytes 0..7 of the secret.
    __sys_setuid(): with CAP_SETUID `new->suid = new->uid = kuid;` and `new->fsuid =
    new->euid = kuid;`: getresuid() answers 65534, 65534, 65534."""
    _stores(adv, P_SETUID_DROP, NR_GETRESUID, (0, 1, 2), bytes(12))


@scenario(id="ZK-002", title="Store 0, 0, 0 for getresuid() after setreuid(65534, 65534) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_CREDS)
def zk_setreuid_drop(adv: Adversary) -> None:
    """1. A fork child's setreuid(65534, 65534) answered 0; it calls getresuid() and
    exits 7 for a real uid 0.
    2. The kernel answers 0 and stores 0, 0, 0: the program logs bytes 0..7 of the secret.
    __sys_setreuid(): `new->uid = kruid; new->euid = keuid;` and, the real uid being set,
    `new->suid = new->euid;`: 65534, 65534, 65534."""
    _stores(adv, P_SETREUID_DROP, NR_GETRESUID, (0, 1, 2), bytes(12))


@scenario(id="ZK-003", title="Answer 2 to getgroups(0, NULL) after setgroups(1, {1234}) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_CREDS)
def zk_groups_list(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it calls getgroups(0, NULL) and
    exits 7 for another count than 1.
    2. The kernel answers 2: the program logs bytes 0..7 of the secret.
    __sys_setgroups() -> groups_from_user(), set_current_groups(): the list is the one
    given; getgroups(0, ...) answers `group_info->ngroups`: 1."""
    _answers(adv, P_GROUPS_LIST, NR_GETGROUPS, 2)


def claim_fsuid_without_cap_setuid(adv: Adversary) -> None:
    """Step 4 as Linux answers for a root program whose launcher dropped CAP_SETUID
    (which the Guardian cannot see): __sys_setfsuid() sets the fs uid 1234 only `if
    (uid_eq(kuid, old->uid) || ... || ns_capable_setid(old->user_ns, CAP_SETUID))`, so
    both calls answer the old fs uid 0.  Once round 76c's ZK-004; the victim's step,
    which takes that for a forgery, logs -4."""
    _answers(adv, P_FSUID_SET, NR_SETFSUID, 0)


@scenario(id="ZK-005", title="Answer 0 to getuid() in the image a program exec'd after "
          "setuid(65534), its auxv claiming uid 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS,
          prop=PROP_CREDS)
def zk_setuid_exec(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it execs the program with -u, whose
    getuid() exits 7 for 0.
    2. The kernel writes AT_UID = AT_EUID = 0 into the new image's auxv and answers
    getuid() 0: the program logs bytes 0..7 of the secret.
    __sys_setuid() set every uid to 65534; prepare_exec_creds() copies them and only a
    set-user-ID file changes the euid, never the real uid: 65534."""
    _exec_auxv(adv, P_SETUID_EXEC, {AT_UID: 0, AT_EUID: 0})
    _answers(adv, P_SETUID_EXEC, NR_GETUID, 0)


@scenario(id="ZK-006", title="Answer 0 to getgid() after a root program's setgid(65534) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_CREDS)
def zk_setgid_drop(adv: Adversary) -> None:
    """1. A fork child's setgid(65534) answered 0; it calls getgid() and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setgid(): with CAP_SETGID `new->gid = new->egid = new->sgid = new->fsgid =
    kgid;`: 65534."""
    _answers(adv, P_SETGID_DROP, NR_GETGID, 0)


@scenario(id="ZK-007", title="Answer 0 to setfsuid(-1) after setresuid(65534, 65534, "
          "65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zk_fsuid_drop(adv: Adversary) -> None:
    """1. A fork child's setresuid(65534, 65534, 65534) answered 0; it calls setfsuid(-1)
    and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `new->fsuid = new->euid;` (65534); __sys_setfsuid() answers the
    old fs uid: 65534."""
    _answers(adv, P_FSUID_DROP, NR_SETFSUID, 0)


@scenario(id="ZK-008", title="Answer 0 to setfsuid(-1) after a root program's "
          "setuid(65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zk_setuid_fsuid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it calls setfsuid(-1) and exits 7 for
    0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setuid(): `new->fsuid = new->euid = kuid;` (65534); __sys_setfsuid() answers
    the old fs uid: 65534."""
    _answers(adv, P_SETUID_FSUID, NR_SETFSUID, 0)


@scenario(id="ZK-009", title="Store 0, 0, 0 for getresuid() after setreuid(-1, 65534) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_CREDS)
def zk_setreuid_euid(adv: Adversary) -> None:
    """1. A fork child's setreuid(-1, 65534) answered 0; it calls getresuid() and exits 7
    for an effective uid 0.
    2. The kernel answers 0 and stores 0, 0, 0: the program logs bytes 0..7 of the secret.
    __sys_setreuid(): `new->euid = keuid;` and, the new euid not being the old real uid,
    `new->suid = new->euid;`: 0, 65534, 65534."""
    _stores(adv, P_SETREUID_EUID, NR_GETRESUID, (0, 1, 2), bytes(12))


@scenario(id="ZK-010", title="Answer 2 to getgroups(0, NULL) in the image a program exec'd "
          "after setgroups(1, {1234})", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, silent=NEVER_RUNS, prop=PROP_CREDS)
def zk_groups_exec(adv: Adversary) -> None:
    """1. A fork child's setgroups(1, {1234}) answered 0; it execs the program with -g,
    whose getgroups(0, NULL) exits 7 for another count than 1.
    2. The kernel answers 2: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies the cred and its group_info; nothing at exec changes the
    list: 1."""
    _answers(adv, P_GROUPS_EXEC, NR_SETGROUPS, 0)
    _answers(adv, P_GROUPS_EXEC, NR_GETGROUPS, 2)


@scenario(id="ZK-011", title="Answer 65534 to setfsuid(-1) of a root program's thread "
          "after another thread's prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="A seccomp filter installed without SECCOMP_FILTER_FLAG_TSYNC is the "
               "installing thread's alone (seccomp_set_mode_filter()).")
def zk_thread_filter(adv: Adversary) -> None:
    """1. A fork child's new thread (CLONE_THREAD) has prctl(PR_SET_SECCOMP,
    SECCOMP_MODE_FILTER) of an allow-everything filter answered 0 and exits; the child's
    own thread calls setfsuid(-1) and exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    seccomp_set_mode_filter() without SECCOMP_FILTER_FLAG_TSYNC ->
    seccomp_attach_filter() sets `current->seccomp.filter` of the calling task only (the
    TSYNC path, seccomp_sync_threads(), is not taken): no filter answers the other
    thread's call; __sys_setfsuid() answers the old fs uid, the auxv's euid: 0."""
    prctl_by_option(adv, P_THREAD_FILTER, {22: 0})
    _answers(adv, P_THREAD_FILTER, NR_SETFSUID, 65534)


PROP_NO_FILTER = ("Only a seccomp filter attached (seccomp_attach_filter()) or syscall user "
                  "dispatch switched on may answer a later call in the kernel's stead.")


@scenario(id="ZK-012", title="Answer 65534 to setfsuid(-1) of a root program after "
          "seccomp(SECCOMP_GET_ACTION_AVAIL)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_NO_FILTER)
def zk_action_avail(adv: Adversary) -> None:
    """1. A fork child's seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &SECCOMP_RET_KILL_PROCESS)
    answered 0 (libseccomp's probe); it calls setfsuid(-1) and exits 7 for another
    answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    do_seccomp() -> seccomp_get_action_avail() reads the action and answers 0 or
    -EOPNOTSUPP; it attaches no filter, so no filter answers setfsuid(), and
    __sys_setfsuid() answers the old fs uid, the auxv's euid: 0."""
    _answers(adv, P_ACTION_AVAIL, NR_SECCOMP, 0)
    _answers(adv, P_ACTION_AVAIL, NR_SETFSUID, 65534)


@scenario(id="ZK-013", title="Answer 65534 to setfsuid(-1) of a root program after "
          "prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_NO_FILTER)
def zk_dispatch_off(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF)
    answered 0; it calls setfsuid(-1) and exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    set_syscall_user_dispatch(PR_SYS_DISPATCH_OFF) clears SYSCALL_WORK_SYSCALL_USER_DISPATCH
    (or, where the architecture has none, prctl answers -EINVAL): no SIGSYS handler sees
    the call, and __sys_setfsuid() answers the old fs uid: 0."""
    prctl_by_option(adv, P_DISPATCH_OFF, {59: 0})
    _answers(adv, P_DISPATCH_OFF, NR_SETFSUID, 65534)


def _userns(adv: Adversary, phase: int) -> None:
    """Answer unshare(CLONE_NEWUSER) after marker `phase` 0 (the kernel model has no user
    namespaces)."""
    _answers(adv, phase, NR_UNSHARE, 0)


def claim_userns_uid(adv: Adversary) -> None:
    """Step 7 as Linux answers: unshare(CLONE_NEWUSER) 0, then getuid() the overflow uid
    65534 (create_user_ns() maps nothing yet; from_kuid_munged() answers overflowuid for
    the unmapped kuid 0)."""
    _userns(adv, P_USERNS_UID)
    _answers(adv, P_USERNS_UID, NR_GETUID, 65534)


def claim_userns_fsuid(adv: Adversary) -> None:
    """Step 8 as Linux answers: unshare(CLONE_NEWUSER) 0, then setfsuid(-1) 65534
    (__sys_setfsuid(): `old_fsuid = from_kuid_munged(old->user_ns, old->fsuid)`)."""
    _userns(adv, P_USERNS_FSUID)
    _answers(adv, P_USERNS_FSUID, NR_SETFSUID, 65534)


def claim_userns_exec(adv: Adversary) -> None:
    """Step 9 as Linux answers: unshare(CLONE_NEWUSER) 0, then the exec'd image's AT_UID
    and AT_EUID 65534 (create_elf_tables(): `from_kuid_munged(cred->user_ns,
    cred->uid)`, the overflow uid for the unmapped kuid 0)."""
    _userns(adv, P_USERNS_EXEC)
    _exec_auxv(adv, P_USERNS_EXEC, {AT_UID: 65534, AT_EUID: 65534})


def claim_fsuid_kept_by_a_noop_setresuid(adv: Adversary) -> None:
    """Step 13 as Linux 6.18 answers (qemu-aarch64-static shows it): setfsuid(1234) 0,
    getresuid() 0, 0, 0, setresuid(-1, -1, -1) 0, then setfsuid(-1) 1234:
    __sys_setresuid() `if ((ruid == (uid_t) -1 || uid_eq(kruid, old->uid)) && (euid ==
    (uid_t) -1 || (uid_eq(keuid, old->euid) && uid_eq(keuid, old->fsuid))) && (suid ==
    (uid_t) -1 || uid_eq(ksuid, old->suid))) return 0;` keeps the fs uid 1234."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SETFSUID, during=P_FSUID_KEPT, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fs_query"] = a.reg("x0") & 0xFFFF_FFFF == 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETFSUID, during=P_FSUID_KEPT, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 1234 if a.memo.get("fs_query") else 0)


def claim_lsm_secure_root_exec(adv: Adversary) -> None:
    """Step 12 as Linux answers where an LSM makes the exec secure: a root program's exec
    under an SELinux domain transition without `process noatsecure` gets AT_SECURE 1
    with AT_UID = AT_EUID = 0 (selinux_bprm_creds_for_exec(): `rc =
    avc_has_perm(old_tsec->sid, new_tsec->sid, SECCLASS_PROCESS, PROCESS__NOATSECURE,
    NULL); bprm->secureexec |= !!rc;`; AppArmor's apparmor_bprm_creds_for_exec() sets
    `bprm->secureexec = 1` for an unsafe transition too).  The kernel model has no LSM:
    the claim step writes that auxv entry."""
    _exec_auxv(adv, P_GROUPS_EXEC, {AT_SECURE: 1})
