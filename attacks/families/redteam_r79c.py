"""Red-team round 79c: keep-caps, securebits, the bounding set, the dumpable mode and
no_new_privs through prctl(), across setuid(), another thread, a fork and an exec;
getresuid() after setreuid() and a no-op setresuid(); the fs uid after setresuid() and
through exec; getuid() after a vfork child's or another thread's setuid(), in a thread
made after setuid() and after unshare(CLONE_NEWUSER); capget() after capset().

On the victim `secret_r79_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (Linux's answer and the function deciding it in each
scenario's steps):

- ZT-001..ZT-003: PR_GET_KEEPCAPS 0 after PR_SET_KEEPCAPS(1) (cap_task_prctl()), 0 after
  it and setuid(65534) (cap_task_fix_setuid() keeps the bit), 1 in the exec'd image
  (cap_bprm_creds_from_file() clears SECURE_KEEP_CAPS);
- ZT-004: PR_GET_SECUREBITS 0 after PR_SET_SECUREBITS(SECBIT_KEEP_CAPS);
- ZT-005, ZT-006: PR_CAPBSET_READ 1 after PR_CAPBSET_DROP (cap_prctl_drop()) and for
  capability 64 (cap_valid(): -EINVAL);
- ZT-007, ZT-008: PR_GET_DUMPABLE 1 after PR_SET_DUMPABLE(0) and after setuid(65534)
  (commit_creds(): set_dumpable(mm, suid_dumpable), 0 by default);
- ZT-009, ZT-010: getresuid() saved uid 65534 after setreuid(65534, -1)
  (__sys_setreuid(): suid = euid), real uid 65534 after setresuid(-1, -1, -1);
- ZT-011: setfsuid(-1) 0 after setresuid(-1, 65534, -1) (fsuid = euid);
- ZT-012, ZT-013: getuid() 65534 after a vfork child's, a second thread's own
  setuid(65534) (commit_creds() replaces current's cred alone);
- ZT-014: getuid() 0 in a thread made after setuid(65534) (copy_creds());
- ZT-015, ZT-016: PR_GET_NO_NEW_PRIVS 1 in the first thread after a second thread set
  it (PFA_NO_NEW_PRIVS is per task), 0 in the image exec'd after it;
- ZT-017: getuid() 0 after unshare(CLONE_NEWUSER) (from_kuid_munged(): overflowuid
  65534 with no uid_map);
- ZT-018: capget() a full effective set after capset() of an empty one (cap_capset());
- ZT-019: PR_GET_NO_NEW_PRIVS 0 in the fork child of a second thread that set it
  (copy_process() copies the forking task's bit);
- ZT-020: "NoNewPrivs:\t1" in the leader's /proc/self/status after a second thread set
  it (task_seccomp() prints the leader's bit);
- ZT-021: PR_GET_DUMPABLE 1 in the first thread after a second thread's
  PR_SET_DUMPABLE(0) (mm->flags are shared);
- ZT-022: PR_GET_KEEPCAPS 1 after PR_SET_KEEPCAPS(2) answered 0 (Linux: -EINVAL);
- ZT-023: PR_GET_KEEPCAPS 0 after PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED
  (Linux: -EPERM, the bit stays);
- ZT-024: getresuid() saved uid 65534 in the image exec'd after setresuid(-1, -1, 65534)
  (cap_bprm_creds_from_file(): suid = euid);
- ZT-025: setfsuid(-1) 65534 in the image exec'd after setfsuid(65534) (fsuid = euid).
- honest (tests/test_redteam_r79c_claims.py): claim_dumpable_exec, PR_GET_DUMPABLE 1 in
  the image exec'd after PR_SET_DUMPABLE(0) (begin_new_exec()).

Not done: qemu-aarch64-static runs of each step were not made (the answers stand on the
kernel source); a vfork child's PR_SET_DUMPABLE(0) was left out of the victim (its
untouched run without a Guardian copied 8 bytes of the secret from user memory: the
kernel model's behaviour, not the Guardian's).

Through with the Guardian on when written (P5 gaps): ZT-008 (PR_GET_DUMPABLE 1 after a
root setuid(65534): the Guardian does not reset the dumpable mode at commit_creds()),
ZT-015 (no_new_privs treated per process, not per task), ZT-017 (getuid() 0 after
unshare(CLONE_NEWUSER): overflowuid not applied), ZT-018 (capget() after capset():
the effective set capset() stored is not checked), ZT-020 (the leader's status
NoNewPrivs follows another thread's bit), ZT-023 (PR_SET_KEEPCAPS answered 0 under
SECBIT_KEEP_CAPS_LOCKED: the securebits are not followed).
Refused: ZT-001..ZT-007, ZT-009..ZT-014, ZT-016, ZT-019, ZT-021, ZT-022, ZT-024, ZT-025
(prctl state, return.credentials, create.exec_real_ids).
Refused since: ZT-018 (return.capset_effective, guardian/capset_sets.py: capget() of the
caller, header pid 0, reports no effective bit outside the set its own capset() stored
where the header and sets lay quiet through the call, until a set*id, capset, unshare,
setns or exec: cap_capset(), cap_capget()), ZT-023 (return.securebits_locked,
guardian/securebits_locks.py: under SECBIT_KEEP_CAPS_LOCKED set by the thread's own
PR_SET_SECUREBITS no PR_SET_KEEPCAPS answers 0, nor a PR_SET_SECUREBITS changing a locked
bit or clearing a lock: cap_task_prctl() -EPERM), ZT-008 (return.suid_dumpable,
guardian/launch_facts.py: the threat model fixes the launch as the README says, so
fs.suid_dumpable is its default 0 unless the user states another with
`blindfold run --launch-suid-dumpable N`; a set*id call answered 0 that changed the
thread's known effective uid or gid, no other prctl or set*id call of the space
overlapping it, leaves the dumpable mode at that value: commit_creds()
set_dumpable(mm, suid_dumpable)), ZT-015 and ZT-020 (return.launch_no_new_privs,
guardian/launch_facts.py: the README's launch sets no no_new_privs before the first exec
unless the user states `--launch-no-new-privs` (systemd's NoNewPrivileges=, `setpriv
--no-new-privs`); the first thread's bit is then known clear, copied to each new task
(copy_process()) and kept through execve(), and only the task's own
PR_SET_NO_NEW_PRIVS sets it (task_set_no_new_privs()): PR_GET_NO_NEW_PRIVS 1 and a
status "NoNewPrivs:\t1" of such a thread are refused where no seccomp filter or
dispatch may answer or have put it there (seccomp_sync_threads())).
Honest under a stated launch (tests/test_redteam_r79c_claims.py): claim_dumpable_suid_1
(PR_GET_DUMPABLE 1 after setuid(65534) with `--launch-suid-dumpable 1`),
claim_nnp_launch (PR_GET_NO_NEW_PRIVS 1 in the first thread with `--launch-no-new-privs`).
Left open, as the Guardian cannot refuse it soundly (the answer is Linux's under a state
it cannot see):
- ZT-017: after unshare(CLONE_NEWUSER) any process holding CAP_SETUID over the parent
  namespace (the program's own parent, newuidmap, an admin: root always does) may write
  the new namespace's /proc/<pid>/uid_map once, at any time (map_write(): proc_uid_map_write()
  -> new_idmap_permitted()), and a map "0 0 1" makes getuid() answer 0
  (from_kuid_munged()); before it, from_kuid_munged() answers kernel.overflowuid, a
  sysctl (65534 by default).  Unlike the two launch facts above, this is not a fact of
  the launch: the writer is another process acting during the run, which the default
  launch does not rule out and the Guardian cannot see.  To refuse the 0 it would need
  to know that no process outside the confidential tree wrote the namespace's uid_map
  between the unshare() and the getuid() (and that no confidential process did: a write
  it could follow), and the overflowuid value (a launch fact like suid_dumpable).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers, _stores
from attacks.families.redteam_r77c import _status
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r79c"
CORE = "secret_r79_core"
# secret_r79_core: the marker before each step; the marker after its write is + 1.
P_KEEPCAPS_GET = 11600
P_KEEPCAPS_SETUID = 11602
P_KEEPCAPS_EXEC = 11604
P_SECUREBITS_GET = 11606
P_CAPBSET_DROP = 11608
P_CAPBSET_BAD = 11610
P_DUMPABLE_SET = 11612
P_DUMPABLE_SETUID = 11614
P_SETREUID_SUID = 11616
P_SETRESUID_NOP = 11618
P_FSUID_EUID = 11620
P_VFORK_SETUID = 11622
P_THREAD_SETUID = 11624
P_THREAD_AFTER = 11626
P_THREAD_NNP = 11628
P_NNP_EXEC = 11630
P_USERNS_UID = 11632
P_CAPSET_EFF = 11634
P_NNP_THREAD_FORK = 11636
P_NNP_STATUS = 11638
P_DUMPABLE_THREAD = 11640
P_DUMPABLE_EXEC = 11644
P_KEEPCAPS_BAD = 11646
P_KEEPCAPS_LOCKED = 11648
P_SUID_EXEC = 11650
P_FSUID_EXEC = 11652
#: the steps an untouched run takes
PHASES = (P_KEEPCAPS_GET, P_KEEPCAPS_SETUID, P_KEEPCAPS_EXEC, P_SECUREBITS_GET, P_CAPBSET_DROP, P_CAPBSET_BAD, P_DUMPABLE_SET, P_DUMPABLE_SETUID, P_SETREUID_SUID, P_SETRESUID_NOP, P_FSUID_EUID, P_VFORK_SETUID, P_THREAD_SETUID, P_THREAD_AFTER, P_THREAD_NNP, P_NNP_EXEC, P_USERNS_UID, P_CAPSET_EFF,
          P_NNP_THREAD_FORK, P_NNP_STATUS, P_DUMPABLE_THREAD, P_DUMPABLE_EXEC, P_KEEPCAPS_BAD, P_KEEPCAPS_LOCKED, P_SUID_EXEC, P_FSUID_EXEC)
P_FIRST, P_VICTIM_LAST = P_KEEPCAPS_GET, P_FSUID_EXEC
PR_GET_DUMPABLE, PR_GET_KEEPCAPS, PR_CAPBSET_READ, PR_GET_SECUREBITS = 3, 7, 23, 27
PR_GET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECUREBITS, NR_CAPSET = 39, 24, 28, 91
PR_SET_KEEPCAPS, PR_SET_DUMPABLE = 8, 4
NR_GETUID, NR_SETFSUID, NR_GETRESUID, NR_UNSHARE, NR_CAPGET = 174, 151, 148, 97, 90
NR_SETRESUID = 147
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROPS = {
    "SEC": ("The keep-caps bit, the securebits and the bounding set are what the thread's "
            "own prctl() calls made them (commit_creds()); an exec clears SECBIT_KEEP_CAPS "
            "(cap_bprm_creds_from_file()); PR_CAPBSET_READ of no capability is -EINVAL."),
    "DUMP": ("The dumpable mode is what PR_SET_DUMPABLE stored, or fs.suid_dumpable (0 by "
             "default) once an id change went through commit_creds()."),
    "CREDS": ("A thread's ids and capabilities are what its own set*id, capset and unshare "
              "calls made them (commit_creds()); another thread's or a vfork child's change "
              "none of them; a thread made later shares its maker's."),
    "NNP": ("no_new_privs is a per-task bit (PFA_NO_NEW_PRIVS): set by the task's own "
            "prctl(), inherited by its children, kept through execve(), never another "
            "thread's."),
}


@scenario(id="ZT-001", title='Answer 0 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(1) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"])
def zt_keepcaps_get(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0; it calls prctl(PR_GET_KEEPCAPS)
    and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_prctl(): `case PR_SET_KEEPCAPS: ... new->securebits |=
    issecure_mask(SECURE_KEEP_CAPS); commit_creds(new)`, `case PR_GET_KEEPCAPS: if
    (issecure(SECURE_KEEP_CAPS)) error = 1;`: 1."""
    prctl_by_option(adv, P_KEEPCAPS_GET, {PR_GET_KEEPCAPS: 0})


@scenario(id="ZT-002", title='Answer 0 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(1) and setuid(65534) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"])
def zt_keepcaps_setuid(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) and setuid(65534) answered 0; it calls
    prctl(PR_GET_KEEPCAPS) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setuid() -> cap_task_fix_setuid() keeps the permitted set under
    SECURE_KEEP_CAPS and touches no securebit; only an exec clears the bit: 1."""
    prctl_by_option(adv, P_KEEPCAPS_SETUID, {PR_GET_KEEPCAPS: 0})


@scenario(id="ZT-003", title="Answer 1 to PR_GET_KEEPCAPS in the image exec'd after PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"], silent=NEVER_RUNS)
def zt_keepcaps_exec(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0; it execs the program with -k,
    whose prctl(PR_GET_KEEPCAPS) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`
    on every execve(): 0."""
    prctl_by_option(adv, P_KEEPCAPS_EXEC, {PR_GET_KEEPCAPS: 1})


@scenario(id="ZT-004", title='Answer 0 to PR_GET_SECUREBITS after PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"])
def zt_securebits_get(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS) answered 0; it calls
    prctl(PR_GET_SECUREBITS) and exits 7 for an answer without bit 4.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_SECUREBITS: ... new->securebits = arg2; return
    commit_creds(new);`, `case PR_GET_SECUREBITS: return old->securebits;`: 0x10."""
    prctl_by_option(adv, P_SECUREBITS_GET, {PR_SET_SECUREBITS: 0, PR_GET_SECUREBITS: 0})


@scenario(id="ZT-005", title='Answer 1 to PR_CAPBSET_READ(CAP_SETUID) after PR_CAPBSET_DROP(CAP_SETUID) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"])
def zt_capbset_drop(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAPBSET_DROP, CAP_SETUID) answered 0; it calls
    prctl(PR_CAPBSET_READ, CAP_SETUID) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_prctl_drop(): `cap_lower(new->cap_bset, cap); return commit_creds(new);`;
    cap_task_prctl(): `case PR_CAPBSET_READ: ... return !!cap_raised(old->cap_bset,
    arg2);`: 0."""
    prctl_by_option(adv, P_CAPBSET_DROP, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})


@scenario(id="ZT-006", title='Answer 1 to PR_CAPBSET_READ(64), past CAP_LAST_CAP', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SEC"])
def zt_capbset_bad(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_CAPBSET_READ, 64) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_CAPBSET_READ: if (!cap_valid(arg2)) return -EINVAL;`;
    CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE (40) in 6.1..6.18: -EINVAL."""
    prctl_by_option(adv, P_CAPBSET_BAD, {PR_CAPBSET_READ: 1})


@scenario(id="ZT-007", title='Answer 1 to PR_GET_DUMPABLE after PR_SET_DUMPABLE(0) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zt_dumpable_set(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_DUMPABLE, 0) answered 0; it calls
    prctl(PR_GET_DUMPABLE) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    sys_prctl(): `case PR_SET_DUMPABLE: ... set_dumpable(me->mm, arg2);`, `case
    PR_GET_DUMPABLE: error = get_dumpable(me->mm);`: 0."""
    prctl_by_option(adv, P_DUMPABLE_SET, {PR_GET_DUMPABLE: 1})


@scenario(id="ZT-008", title="Answer 1 to PR_GET_DUMPABLE after a root program's setuid(65534) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zt_dumpable_setuid(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it calls prctl(PR_GET_DUMPABLE) and exits
    7 for 1 (SUID_DUMP_USER).
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    commit_creds(): `if (!uid_eq(old->euid, new->euid) || ...) { if (task->mm)
    set_dumpable(task->mm, suid_dumpable); ...}`: fs.suid_dumpable, 0 by default
    (2 where a distribution sets it: the claim claim_dumpable_suid_2); never 1 unless the
    sysctl says so, which the default configuration does not."""
    prctl_by_option(adv, P_DUMPABLE_SETUID, {PR_GET_DUMPABLE: 1})


@scenario(id="ZT-009", title='Store a saved uid 65534 for getresuid() after setreuid(65534, -1) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_setreuid_suid(adv: Adversary) -> None:
    """1. A fork child's setreuid(65534, -1) answered 0; it calls getresuid() and exits 7
    for a saved uid not 0.
    2. The kernel answers 0 and stores 65534 as the saved uid: the program logs bytes
    0..7 of the secret.
    __sys_setreuid(): `if (ruid != (uid_t) -1 || (euid != (uid_t) -1 && ...)) new->suid =
    new->euid;`: the saved uid takes the effective 0 (qemu-aarch64-static: 65534 0 0)."""
    _stores(adv, P_SETREUID_SUID, NR_GETRESUID, (2,), (65534).to_bytes(4, "little"))


@scenario(id="ZT-010", title='Store a real uid 65534 for getresuid() after setresuid(-1, -1, -1) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_setresuid_nop(adv: Adversary) -> None:
    """1. A fork child's setresuid(-1, -1, -1) answered 0; it calls getresuid() and exits 7
    for a real uid not 0.
    2. The kernel answers 0 and stores 65534 as the real uid: the program logs bytes
    0..7 of the secret.
    __sys_setresuid(): `if ((ruid == (uid_t) -1 || uid_eq(kruid, old->uid)) && ...)
    return 0;`: nothing changes, every uid stays 0."""
    _stores(adv, P_SETRESUID_NOP, NR_GETRESUID, (0,), (65534).to_bytes(4, "little"))


@scenario(id="ZT-011", title='Answer 0 to setfsuid(-1) after setresuid(-1, 65534, -1) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_fsuid_euid(adv: Adversary) -> None:
    """1. A fork child's setresuid(-1, 65534, -1) answered 0; it calls setfsuid(-1) and exits
    7 for another answer than 65534.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `if (euid != (uid_t) -1) new->euid = keuid; ... new->fsuid =
    new->euid;`; __sys_setfsuid() answers the old fs uid: 65534."""
    _answers(adv, P_FSUID_EUID, NR_SETFSUID, 0)


@scenario(id="ZT-012", title='Answer 65534 to getuid() of a parent whose vfork child called setuid(65534)', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_vfork_setuid(adv: Adversary) -> None:
    """1. A fork child's vfork child (CLONE_VM | CLONE_VFORK, its own stack) calls
    setuid(65534) and exits 0; the parent's getuid() exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    copy_creds() gives the vfork child its own reference; its __sys_setuid() ->
    commit_creds() replaces the child's cred alone (CLONE_VM shares memory, never
    creds): the parent's uid stays 0."""
    _answers(adv, P_VFORK_SETUID, NR_GETUID, 65534)


@scenario(id="ZT-013", title="Answer 65534 to the first thread's getuid() after a second thread's own setuid(65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_thread_setuid(adv: Adversary) -> None:
    """1. A fork child's second thread calls setuid(65534) itself (raw, no glibc broadcast;
    answered 0) and exits; the first thread's getuid() exits 7 for another answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    commit_creds() replaces `current`'s cred only (the setxid broadcast is glibc's, not
    the kernel's): the first thread's uid stays 0."""
    _answers(adv, P_THREAD_SETUID, NR_GETUID, 65534)


@scenario(id="ZT-014", title='Answer 0 to getuid() of a thread made after setuid(65534) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_thread_after(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; a thread made after it calls getuid()
    and exits 7 for another answer than 65534.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_process() -> copy_creds(): `if (clone_flags & CLONE_THREAD) { p->real_cred =
    get_cred(p->cred); ...}`: the new thread shares its maker's cred, uid 65534."""
    _answers(adv, P_THREAD_AFTER, NR_GETUID, 0)


@scenario(id="ZT-015", title="Answer 1 to the first thread's PR_GET_NO_NEW_PRIVS after a second thread set it", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"])
def zt_thread_nnp(adv: Adversary) -> None:
    """1. A fork child's second thread calls prctl(PR_SET_NO_NEW_PRIVS, 1) itself (answered
    0) and exits; the first thread calls prctl(PR_GET_NO_NEW_PRIVS) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    task_set_no_new_privs(current) sets PFA_NO_NEW_PRIVS in the calling task's
    atomic_flags alone; `case PR_GET_NO_NEW_PRIVS: return task_no_new_privs(current) ? 1
    : 0;` reads the first thread's: 0."""
    prctl_by_option(adv, P_THREAD_NNP, {PR_GET_NO_NEW_PRIVS: 1})


@scenario(id="ZT-016", title="Answer 0 to PR_GET_NO_NEW_PRIVS in the image exec'd after PR_SET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"], silent=NEVER_RUNS)
def zt_nnp_exec(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0; it execs the program with
    -n, whose prctl(PR_GET_NO_NEW_PRIVS) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    Nothing in execve() clears PFA_NO_NEW_PRIVS (bprm_execve() only reads it:
    `bprm->unsafe |= LSM_UNSAFE_NO_NEW_PRIVS`): 1."""
    prctl_by_option(adv, P_NNP_EXEC, {PR_GET_NO_NEW_PRIVS: 0})


@scenario(id="ZT-017", title='Answer 0 to getuid() after unshare(CLONE_NEWUSER) answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, gap="P5", prop=PROPS["CREDS"])
def zt_userns_uid(adv: Adversary) -> None:
    """1. A fork child's unshare(CLONE_NEWUSER) answered 0; it calls getuid() and exits 7
    for 0.
    2. The kernel answers unshare() 0 and getuid() 0: the program logs bytes 0..7 of
    the secret.
    unshare_userns() -> create_user_ns() makes a namespace with no uid_map;
    sys_getuid() -> from_kuid_munged() maps the unmapped uid to overflowuid, 65534."""
    _answers(adv, P_USERNS_UID, NR_UNSHARE, 0)
    _answers(adv, P_USERNS_UID, NR_GETUID, 0)


@scenario(id="ZT-018", title='Store a full effective set for capget() after capset() of an empty one answered 0', family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CREDS"])
def zt_capset_eff(adv: Adversary) -> None:
    """1. A fork child's capget() is followed by capset() of the same sets with an empty
    effective set (answered 0); capget() again exits 7 for an effective set not empty.
    2. The kernel answers capget() 0 and stores every bit set: the program logs bytes
    0..7 of the secret.
    sys_capset() -> cap_capset() stores `new->cap_effective = *effective;`;
    sys_capget() -> cap_capget() copies `cred->cap_effective`: 0."""
    _answers(adv, P_CAPSET_EFF, NR_CAPSET, 0)
    _stores(adv, P_CAPSET_EFF, NR_CAPGET, (1,), b"\xff" * 12 + b"\xff\x01\x00\x00" * 3)


@scenario(id="ZT-019", title="Answer 0 to PR_GET_NO_NEW_PRIVS of the fork child of a second "
          "thread that set no_new_privs itself", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"])
def zt_nnp_thread_fork(adv: Adversary) -> None:
    """1. A fork child's second thread calls prctl(PR_SET_NO_NEW_PRIVS, 1) itself (answered
    0), then forks; the grandchild's prctl(PR_GET_NO_NEW_PRIVS) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_process(): `if (task_no_new_privs(current)) task_set_no_new_privs(p);` with
    `current` the forking thread, whose bit is set: 1."""
    prctl_by_option(adv, P_NNP_THREAD_FORK, {PR_GET_NO_NEW_PRIVS: 0})


@scenario(id="ZT-020", title="Read NoNewPrivs 1 in the first thread's /proc/self/status "
          "after a second thread set no_new_privs itself", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"])
def zt_nnp_status(adv: Adversary) -> None:
    """1. A fork child's second thread calls prctl(PR_SET_NO_NEW_PRIVS, 1) itself
    (answered 0) and exits; the first thread (the leader) reads /proc/self/status and
    exits 7 for "NoNewPrivs:\t1".
    2. The kernel answers the read with "NoNewPrivs:\t1": the program logs bytes 0..7
    of the secret.
    proc_pid_status() of /proc/<tgid> prints the leader's `task_no_new_privs(p)`
    (task_seccomp()); the leader never set it: "NoNewPrivs:\t0"."""
    _status(adv, P_NNP_STATUS, b"NoNewPrivs:\t0", b"NoNewPrivs:\t1")


@scenario(id="ZT-021", title="Answer 1 to the first thread's PR_GET_DUMPABLE after a second "
          "thread's PR_SET_DUMPABLE(0) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zt_dumpable_thread(adv: Adversary) -> None:
    """1. A fork child's second thread calls prctl(PR_SET_DUMPABLE, 0) (answered 0) and
    exits; the first thread's prctl(PR_GET_DUMPABLE) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    set_dumpable(me->mm, 0) writes MMF_DUMPABLE bits of the mm every thread shares;
    get_dumpable(me->mm) reads them: 0."""
    prctl_by_option(adv, P_DUMPABLE_THREAD, {PR_GET_DUMPABLE: 1})


@scenario(id="ZT-022", title="Answer 1 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(2), which "
          "Linux refuses", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["SEC"])
def zt_keepcaps_bad(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_SET_KEEPCAPS, 2), then prctl(PR_GET_KEEPCAPS), and
    exits 7 for 1.
    2. The kernel answers the set 0 and the get 1: the program logs bytes 0..7 of the
    secret.
    cap_task_prctl(): `case PR_SET_KEEPCAPS: if (arg2 > 1) return -EINVAL;` before any
    commit_creds(): the bit stays clear, PR_GET_KEEPCAPS answers 0."""
    prctl_by_option(adv, P_KEEPCAPS_BAD, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})


@scenario(id="ZT-023", title="Answer 0 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(0) under "
          "SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["SEC"])
def zt_keepcaps_locked(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS |
    SECBIT_KEEP_CAPS_LOCKED) answered 0; it calls prctl(PR_SET_KEEPCAPS, 0), then
    prctl(PR_GET_KEEPCAPS), and exits 7 for 0.
    2. The kernel answers the securebits 0, PR_SET_KEEPCAPS 0 and PR_GET_KEEPCAPS 0: the
    program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_KEEPCAPS: ... if (issecure(SECURE_KEEP_CAPS_LOCKED))
    return -EPERM;`: the bit stays set, PR_GET_KEEPCAPS answers 1."""
    prctl_by_option(adv, P_KEEPCAPS_LOCKED,
                    {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 0})


@scenario(id="ZT-024", title="Store a saved uid 65534 for getresuid() in the image exec'd "
          "after setresuid(-1, -1, 65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROPS["CREDS"])
def zt_suid_exec(adv: Adversary) -> None:
    """1. A fork child's setresuid(-1, -1, 65534) answered 0; it execs the program with
    -s, whose getresuid() exits 7 for a saved uid not 0.
    2. The kernel answers 0 and stores 65534 as the saved uid: the program logs bytes
    0..7 of the secret.
    cap_bprm_creds_from_file(): `new->suid = new->fsuid = new->euid;` on every execve():
    the saved uid is the effective 0 again."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SETRESUID, during=P_SUID_EXEC,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        # (the old image's call: where the exec'd image never runs, the predecessor
        # design, the step still hands the adversary control here)
        a.memo["suid_arg"] = a.reg("x2") & 0xFFFFFFFF

    _stores(adv, P_SUID_EXEC, NR_GETRESUID, (2,), (65534).to_bytes(4, "little"))


@scenario(id="ZT-025", title="Answer 65534 to setfsuid(-1) in the image exec'd after "
          "setfsuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, silent=NEVER_RUNS, prop=PROPS["CREDS"])
def zt_fsuid_exec(adv: Adversary) -> None:
    """1. A fork child calls setfsuid(65534) (Linux: 0, the old fs uid), then execs the
    program with -f, whose setfsuid(-1) exits 7 for another answer than 0.
    2. The kernel answers the new image's setfsuid(-1) 65534: the program logs bytes
    0..7 of the secret.
    cap_bprm_creds_from_file(): `new->suid = new->fsuid = new->euid;`: the fs uid is the
    effective 0 again, which __sys_setfsuid(-1) answers."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SETFSUID, during=P_FSUID_EXEC, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fsuid_arg"] = a.reg("x0") & 0xFFFFFFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETFSUID, during=P_FSUID_EXEC, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("fsuid_arg", None) == 0xFFFFFFFF:
            a.set_reg("x0", 65534)


def claim_dumpable_exec(adv: Adversary) -> None:
    """Step 22 as Linux answers: PR_SET_DUMPABLE(0) answered 0, then the exec'd image's
    PR_GET_DUMPABLE answers 1.  begin_new_exec(): `if (bprm->interp_flags &
    BINPRM_FLAGS_ENFORCE_NONDUMP || !(uid_eq(current_euid(), current_uid()) && ...))
    set_dumpable(current->mm, suid_dumpable); else set_dumpable(current->mm,
    SUID_DUMP_USER);`: ids all 0 and a readable binary: 1 (a new mm besides)."""
    prctl_by_option(adv, P_DUMPABLE_EXEC, {PR_SET_DUMPABLE: 0, PR_GET_DUMPABLE: 1})


def claim_dumpable_suid_1(adv: Adversary) -> None:
    """Step 8 under a launch with fs.suid_dumpable 1 (`--launch-suid-dumpable 1`): the
    setuid(65534) answered 0, then PR_GET_DUMPABLE answers 1.  commit_creds():
    `set_dumpable(task->mm, suid_dumpable)`: the sysctl's 1."""
    prctl_by_option(adv, P_DUMPABLE_SETUID, {PR_GET_DUMPABLE: 1})


def claim_dumpable_suid_2(adv: Adversary) -> None:
    """Step 8 under fs.suid_dumpable 2 (`--launch-suid-dumpable 2`, where a distribution's
    core-dump helper sets it): PR_GET_DUMPABLE answers 2 (SUID_DUMP_ROOT)."""
    prctl_by_option(adv, P_DUMPABLE_SETUID, {PR_GET_DUMPABLE: 2})


def claim_nnp_launch(adv: Adversary) -> None:
    """Steps 15 and 20 under a launch that set no_new_privs (`--launch-no-new-privs`:
    systemd's NoNewPrivileges=): the first thread's PR_GET_NO_NEW_PRIVS answers 1 and the
    leader's /proc/self/status shows "NoNewPrivs:\t1", the launcher's bit, copied by
    copy_process() into each fork child and kept through execve() (task_seccomp() prints
    it).  (The kernel model starts the launch with the bit clear.)"""
    prctl_by_option(adv, P_THREAD_NNP, {PR_GET_NO_NEW_PRIVS: 1})
    _status(adv, P_NNP_STATUS, b"NoNewPrivs:\t0", b"NoNewPrivs:\t1")
