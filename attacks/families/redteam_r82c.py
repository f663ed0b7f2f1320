"""Red-team round 82c: the credential rules of round 81c's fixes (return.cap_needed,
return.capset_permitted, return.ambient_cleared, return.securebits_setpcap,
return.exec_dumpable, return.unshare_live_thread) at their edges: the other
capability-checked set*id calls (setresuid(), setreuid(), setgid()), PR_SET_SECUREBITS
after capset() emptied the effective set, a fork child's inherited empty set, capset()
naming another task or the caller's own tid, PR_CAPBSET_READ after a drop,
PR_CAP_AMBIENT_CLEAR_ALL, setresuid() back to 0 after the set*uid fix-up, the dumpable
mode of an image exec'd after capset() dropped the permitted set, and unshare() of a
second thread while the first (a thread no clone made) spins.

On the victim `secret_r82_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (Linux's answer and the function deciding it in each
scenario's steps; E is capget() then capset() of the same sets with an empty effective
set, both answered 0 as Linux answers them):

- AC-001: setresuid(65534, 65534, 65534) 0 after E (__sys_setresuid(): no CAP_SETUID,
  65534 none of the old ids: -EPERM);
- AC-002: setreuid(65534, 65534) 0 after E (__sys_setreuid(): -EPERM);
- AC-003: setgid(65534) 0 after E (__sys_setgid(): no CAP_SETGID: -EPERM);
- AC-004: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) 0 after E (cap_task_prctl(): no
  CAP_SETPCAP: -EPERM);
- AC-005: a fork child's setuid(65534) 0 after its parent's E (copy_creds() gives the
  child the parent's cred: -EPERM);
- AC-006: capset() of a header naming the parent's pid 0 (sys_capset(): `pid != 0 &&
  pid != task_pid_vnr(current)`: -EPERM);
- AC-007: setuid(65534) 0 after E through a header naming the caller's own tid
  (sys_capset() takes its own tid as pid 0: -EPERM);
- AC-008: PR_CAPBSET_READ(CAP_SETUID) 1 after PR_CAPBSET_DROP(CAP_SETUID) answered 0
  (cap_prctl_drop() clears cap_bset: 0);
- AC-009: PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 after a raise and PR_CAP_AMBIENT_CLEAR_ALL
  answered 0 (cap_task_prctl(): cap_clear(new->cap_ambient): 0);
- AC-010: setresuid(-1, 0, -1) 0 after a root setuid(65534) (cap_emulate_setxuid()
  emptied the effective and permitted sets; __sys_setresuid(): -EPERM);
- AC-011: PR_GET_DUMPABLE 1 in the image exec'd after capset() emptied every set
  (commit_creds() of the exec: the permitted set grew back, !cred_cap_issubset():
  suid_dumpable, 0);
- AC-012: a second thread's unshare(CLONE_NEWUSER) 0 while the first thread (the
  group leader, made by the parent's fork, not a clone of the group) spins in user code
  (check_unshare_flags(): thread_group_empty() false: -EINVAL);
- AC-013: setfsuid(-1) 65534 after E and setfsuid(65534) (__sys_setfsuid(): 65534 is
  none of the ids and no CAP_SETUID: the fs uid stays 0, the probe answers 0).
- honest (tests/test_redteam_r82c_claims.py): a second thread's E, then the first
  thread's setuid(65534) 0 (the cred is per thread); capset() of empty sets, then
  PR_GET_DUMPABLE 1 (commit_creds(): nothing grew, no id changed); E, then the exec'd
  image's PR_GET_DUMPABLE 1 (the permitted set did not grow: cred_cap_issubset()
  compares permitted sets); PR_SET_KEEPCAPS(1), setuid(65534), capset() of the effective
  set the permitted one, setuid(0): 0 each (KEEP_CAPS kept the permitted set);
  PR_CAPBSET_READ(CAP_SETUID) 0 after the drop; PR_CAP_AMBIENT_IS_SET 0 after
  CLEAR_ALL.  False refusals: see the claims module's docstring.

Linux's answers under qemu-aarch64-static -strace (host kernel, root; the victim run
untouched, each step in a fork child): AC-001 setresuid(65534,65534,65534) = -1 errno=1
(Operation not permitted); AC-002 setreuid(65534,65534) = -1 errno=1; AC-003
setgid(65534) = -1 errno=1; AC-004 prctl(28,16,0,0,0,0) = -1 errno=1; AC-005 the
grandchild's setuid(65534,...) = -1 errno=1; AC-006 capset(...) = -1 errno=1; AC-007
gettid() = 6182, capget = 0, capset = 0, setuid(65534) = -1 errno=1; AC-008
prctl(24,7) = 0, prctl(23,7) = 0; AC-009 prctl(47,2,7) = 0, prctl(47,4,0) = 0,
prctl(47,1,7) = 0; AC-010 setuid(65534) = 0, setresuid(-1,0,-1) = -1 errno=1; AC-012
unshare(CLONE_NEWUSER) = -1 errno=22 (Invalid argument); AC-013 setfsuid(65534) = 0,
setfsuid(4294967295) = 0; the claims: a second thread's
capget = 0, capset = 0, the first thread's setuid(65534) = 0; capset of empty sets = 0,
prctl(3) = 1.  AC-011 and the exec claim: qemu-user's execve() of the aarch64 image
answers ENOEXEC (no binfmt_misc on the host), so a native host probe (/tmp, x86-64, the
same kernel/cred.c and fs/exec.c, host kernel 6.18.44, root, fs.suid_dumpable 0)
printed: `capset(empty) = 0`, `PR_GET_DUMPABLE = 1`, `exec'd image PR_GET_DUMPABLE = 0`
(AC-011); `capset(effective empty) = 0`, `PR_GET_DUMPABLE = 1`, `exec'd image
PR_GET_DUMPABLE = 1` (claim_exec_eff).

Not done (the round's 30 minutes): setfsuid()/setfsgid() without CAP_SETUID/SETGID,
capset() of version 1 naming the caller's tid, the ambient set across an exec, a
KILL_THREAD filter's thread at unshare(), --launch-securebits runs.

Through with the Guardian on when written (gaps, 9: AC-001, 002, 003, 006, 009, 010,
011, 012, 013); 8 closed since (fix82c):
- AC-001, AC-002, AC-010 (setresuid(), setreuid() without CAP_SETUID), AC-003
  (setgid() without CAP_SETGID): refused since by return.cap_needed, widened from
  setuid() to every set*uid and set*gid call (guardian/cap_needed.py: each new id not
  -1 outside the old ids __sys_setreuid(), __sys_setresuid(), __sys_setgid(),
  __sys_setregid(), __sys_setresgid() allow needs CAP_SETUID / CAP_SETGID in the known
  effective set), judged before the call's CRED_CHANGE note forgets the set a call
  asking euid 0 may raise (AC-010's).
- AC-006 (capset() naming the parent): refused since by return.capset_target
  (guardian/capset_sets.py: a quiet header of a known version naming a pid neither 0
  nor the caller's told tid, sys_capset(): -EPERM); round 80c's ZW-025 (the same
  capset() answered 0, then capget() of a full set) is refused there too now, at the
  capset() (return.capset_effective behind it).
- AC-009 (IS_SET 1 after PR_CAP_AMBIENT_CLEAR_ALL): refused since by
  return.ambient_cleared (cap_needed.check_prctl() notes every capability out of the
  ambient set at an unfiltered CLEAR_ALL answered 0).
- AC-013 (setfsuid(-1) 65534 after E and setfsuid(65534)): refused since by
  return.credentials (the old fs id setfsuid() answers), where return.cap_needed's
  cap_needed.fs_id_kept() keeps the known fs uid through a setfsuid() to an id none of
  the four known old uids while the effective set is known to lack CAP_SETUID
  (__sys_setfsuid(); setfsgid() likewise with CAP_SETGID); with return.cap_needed off
  the fs uid is forgotten there as before.
- AC-012 (the leader spinning at a second thread's unshare()): refused since by
  return.unshare_live_thread (guardian/unshare_alone.py counts the thread that made a
  CLONE_THREAD clone, the group leader here, until its own exit()).
Still open (1), and what the Guardian would need:
- AC-011 (the exec'd image's PR_GET_DUMPABLE after capset() dropped the permitted set):
  return.exec_dumpable reads only the auxiliary vector's ids; it would also need the
  exec's commit_creds() clause `!cred_cap_issubset(old, new)`: a root exec (AT_UID 0 or
  AT_EUID 0, the thread's securebits known without SECBIT_NOROOT -- under it
  handle_privileged_root() grants nothing; file capabilities do not matter for root
  there but on a set-uid-root file, which AT_UID != AT_EUID shows) after a capset()
  whose known permitted set
  (capset_sets.CAP_PERMITTED) lacks a capability of the known bounding set grows the
  permitted set: the new image's PR_GET_DUMPABLE is fs.suid_dumpable (0 under the
  README's launch), so 1 refused.  Not done in fix82c's time.
Refused (4) when written: AC-004 (PR_SET_SECUREBITS after E): return.securebits_setpcap;
AC-005 (a fork child's setuid() after its parent's E), AC-007 (E through a header naming
the caller's own tid): return.cap_needed; AC-008 (PR_CAPBSET_READ 1 after the drop):
return.range_table (prctl_state's bounding bit).  Refused since: AC-001, AC-002, AC-003,
AC-010 (return.cap_needed), AC-006 (return.capset_target), AC-009
(return.ambient_cleared), AC-012 (return.unshare_live_thread), AC-013
(return.credentials on the fs uid return.cap_needed keeps).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r82c"
CORE = "secret_r82_core"
# secret_r82_core: the marker before each step; the marker after its write is + 1.
(P_SETRESUID_NOCAP, P_SETREUID_NOCAP, P_SETGID_NOCAP, P_SECBITS_NOCAP, P_FORK_NOCAP,
 P_CAPSET_PARENT, P_CAPSET_TID, P_BSET_DROP_READ, P_AMBIENT_CLEAR_ALL, P_FIXUP_BACK,
 P_EXEC_PERM_GROW, P_UNSHARE_LEADER, P_CLAIM_THREAD_CAPS, P_CLAIM_CAPSET_DUMP,
 P_CLAIM_EXEC_EFF, P_CLAIM_KEEPCAPS, P_FSUID_NOCAP) = range(13400, 13434, 2)
#: the steps an untouched run takes
PHASES = tuple(range(13400, 13434, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
PR_GET_DUMPABLE, PR_CAPBSET_READ, PR_SET_SECUREBITS, PR_CAP_AMBIENT = 3, 23, 28, 47
PR_SET_KEEPCAPS, PR_CAPBSET_DROP = 8, 24
PR_CAP_AMBIENT_IS_SET, NR_PRCTL = 1, 167
NR_CAPSET, NR_SETGID, NR_SETREUID, NR_SETUID, NR_SETRESUID, NR_UNSHARE = \
    91, 144, 145, 146, 147, 97
NR_SETFSUID = 151
PROPS = {
    "CAPS": ("A call that needs a capability (set*uid to an id not the caller's, set*gid "
             "likewise, PR_SET_SECUREBITS, capset() of another task) fails where the "
             "caller's own effective set lacks it; a fork child starts with its parent's "
             "sets (copy_creds()); the bounding and ambient sets report what the thread's "
             "own PR_CAPBSET_DROP and PR_CAP_AMBIENT_CLEAR_ALL left."),
    "DUMP": ("The dumpable mode after an exec is fs.suid_dumpable where the exec's "
             "commit_creds() grew the permitted set (!cred_cap_issubset()) or the "
             "effective ids are not the real ones (begin_new_exec())."),
    "ALONE": ("unshare(CLONE_NEWUSER) fails -EINVAL while another thread of the caller's "
              "group lives, the group leader included (check_unshare_flags())."),
}


@scenario(id="AC-001", title="Answer 0 to setresuid(65534, 65534, 65534) after capset() "
          "emptied the effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ac_setresuid_nocap(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of the same sets with an empty
    effective set answered 0 (Linux's answers); it calls setresuid(65534, 65534, 65534)
    and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `if ((ruid != (uid_t) -1 && !uid_eq(kruid, old->uid) && ...) &&
    !ns_capable_setid(old->user_ns, CAP_SETUID)) return -EPERM;`: 65534 is none of the
    old ids (all 0) and the effective set lacks CAP_SETUID: -EPERM (qemu: `setresuid(
    65534,65534,65534) = -1 errno=1`)."""
    _answers(adv, P_SETRESUID_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_SETRESUID_NOCAP, NR_SETRESUID, 0)


@scenario(id="AC-002", title="Answer 0 to setreuid(65534, 65534) after capset() emptied "
          "the effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ac_setreuid_nocap(adv: Adversary) -> None:
    """1. A root fork child's E (capget(), capset() of an empty effective set, answered
    0); it calls setreuid(65534, 65534) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setreuid(): `if ((ruid != (uid_t) -1 && !uid_eq(old->uid, kruid) &&
    !uid_eq(old->euid, kruid)) && !ns_capable_setid(old->user_ns, CAP_SETUID)) goto
    error;` (-EPERM) (qemu: `setreuid(65534,65534) = -1 errno=1`)."""
    _answers(adv, P_SETREUID_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_SETREUID_NOCAP, NR_SETREUID, 0)


@scenario(id="AC-003", title="Answer 0 to setgid(65534) after capset() emptied the "
          "effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ac_setgid_nocap(adv: Adversary) -> None:
    """1. A root fork child's E; it calls setgid(65534) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setgid(): `if (ns_capable_setid(old->user_ns, CAP_SETGID)) ... else if
    (gid_eq(kgid, old->gid) || gid_eq(kgid, old->sgid)) ... else goto error;` (-EPERM):
    the gids are 0 and CAP_SETGID (6) left the effective set (qemu: `setgid(65534) = -1
    errno=1`)."""
    _answers(adv, P_SETGID_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_SETGID_NOCAP, NR_SETGID, 0)


@scenario(id="AC-004", title="Answer 0 to PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) after "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ac_secbits_nocap(adv: Adversary) -> None:
    """1. A root fork child's E; it calls prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS) and
    exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_SECUREBITS: if ((((old->securebits &
    SECURE_ALL_LOCKS) >> 1) & (old->securebits ^ arg2)) || ... || (cap_capable(
    current_cred(), current_cred()->user_ns, CAP_SETPCAP, CAP_OPT_NONE) != 0)) return
    -EPERM;` (qemu: `prctl(28,16,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_SECBITS_NOCAP, NR_CAPSET, 0)
    prctl_by_option(adv, P_SECBITS_NOCAP, {PR_SET_SECUREBITS: 0})


@scenario(id="AC-005", title="Answer 0 to a fork child's setuid(65534) after its parent's "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ac_fork_nocap(adv: Adversary) -> None:
    """1. A root fork child's E; its own fork child calls setuid(65534) and exits 7 for
    0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_process() -> copy_creds(): `p->cred = p->real_cred = get_cred(...)` the
    parent's cred (prepare_creds() of it without CLONE_THREAD): the effective set is
    empty; __sys_setuid(): no CAP_SETUID, 65534 neither the real nor the saved uid:
    -EPERM (qemu: the grandchild's `setuid(65534,...) = -1 errno=1`)."""
    _answers(adv, P_FORK_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_FORK_NOCAP, NR_SETUID, 0)


@scenario(id="AC-006", title="Answer 0 to capset() of a header naming the parent's pid",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def ac_capset_parent(adv: Adversary) -> None:
    """1. A fork child's capget() answered 0; it calls capset() of the same sets with
    the header's pid its parent's (getppid()) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_capset(): `/* may only affect current now */ if (pid != 0 && pid !=
    task_pid_vnr(current)) return -EPERM;` in every 6.x (CAP_SETPCAP's old power to set
    another task's sets is gone since 2.6.25) (qemu: `capset(...) = -1 errno=1`)."""
    _answers(adv, P_CAPSET_PARENT, NR_CAPSET, 0)


@scenario(id="AC-007", title="Answer 0 to setuid(65534) after capset() of an empty "
          "effective set through a header naming the caller's own tid", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ac_capset_tid(adv: Adversary) -> None:
    """1. A root fork child's gettid(), capget() and capset() of an empty effective set
    with the header's pid that tid (answered 0 as Linux answers); it calls
    setuid(65534) and exits 7 for 0.
    2. The kernel answers setuid() 0: the program logs bytes 0..7 of the secret.
    sys_capset(): `pid == task_pid_vnr(current)` is the caller: cap_capset() stores the
    empty effective set; __sys_setuid(): -EPERM (qemu: `gettid() = 6182`, `capset() =
    0`, `setuid(65534) = -1 errno=1`)."""
    _answers(adv, P_CAPSET_TID, NR_CAPSET, 0)
    _answers(adv, P_CAPSET_TID, NR_SETUID, 0)


@scenario(id="AC-008", title="Answer 1 to PR_CAPBSET_READ(CAP_SETUID) after "
          "PR_CAPBSET_DROP(CAP_SETUID) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ac_bset_drop_read(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_CAPBSET_DROP, CAP_SETUID) answered 0 (Linux's);
    it calls prctl(PR_CAPBSET_READ, CAP_SETUID) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_prctl_drop(): `cap_lower(new->cap_bset, cap); return commit_creds(new);`;
    PR_CAPBSET_READ: `return !!cap_raised(current_cred()->cap_bset, arg2);`: 0 (no call
    but an exec of a new user namespace's first task raises a bounding bit again) (qemu:
    `prctl(24,7) = 0`, `prctl(23,7) = 0`)."""
    prctl_by_option(adv, P_BSET_DROP_READ, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})


@scenario(id="AC-009", title="Answer 1 to PR_CAP_AMBIENT_IS_SET after "
          "PR_CAP_AMBIENT_CLEAR_ALL", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ac_ambient_clear_all(adv: Adversary) -> None:
    """1. A root fork child's capget(), capset() with its inheritable set the permitted
    one, PR_CAP_AMBIENT_RAISE(CAP_SETUID) and PR_CAP_AMBIENT_CLEAR_ALL answered 0
    (Linux's); it calls PR_CAP_AMBIENT_IS_SET(CAP_SETUID) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) { ... new = prepare_creds();
    cap_clear(new->cap_ambient); return commit_creds(new); }`: IS_SET 0 (qemu:
    `prctl(47,4,0,0,0,0) = 0`, `prctl(47,1,7,0,0,0) = 0`)."""
    _answers(adv, P_AMBIENT_CLEAR_ALL, NR_CAPSET, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=P_AMBIENT_CLEAR_ALL,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["amb"] = (a.reg("x0") & 0xFFFF_FFFF, a.reg("x1") & 0xFFFF_FFFF)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=P_AMBIENT_CLEAR_ALL,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        opt, sub = a.memo.get("amb", (0, 0))
        if opt == PR_CAP_AMBIENT:
            a.set_reg("x0", 1 if sub == PR_CAP_AMBIENT_IS_SET else 0)


@scenario(id="AC-010", title="Answer 0 to setresuid(-1, 0, -1) after a root "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ac_fixup_back(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0 (Linux's: every uid 65534); it
    calls setresuid(-1, 0, -1) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_emulate_setxuid() (SECBIT_NO_SETUID_FIXUP and KEEP_CAPS clear under the
    README's launch): `cap_clear(new->cap_permitted); cap_clear(new->cap_effective);`;
    __sys_setresuid(): euid 0 is none of the old ids (65534) and CAP_SETUID is gone:
    -EPERM (qemu: `setuid(65534) = 0`, `setresuid(4294967295,0,4294967295) = -1
    errno=1`)."""
    _answers(adv, P_FIXUP_BACK, NR_SETRESUID, 0)


@scenario(id="AC-011", title="Answer 1 to PR_GET_DUMPABLE in the image exec'd after "
          "capset() emptied the permitted set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"], gap="P5",
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no PR_GET_DUMPABLE to answer")
def ac_exec_perm_grow(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of empty effective, permitted and
    inheritable sets answered 0 (Linux's); it execs the program with -D (no set-id
    file), whose prctl(PR_GET_DUMPABLE) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): root's exec gives the permitted set the bounding set
    (handle_privileged_root()); begin_new_exec() sets SUID_DUMP_USER (uid == euid) and
    then `commit_creds(bprm->cred)`: `if (!uid_eq(old->euid, new->euid) || ... ||
    !cred_cap_issubset(old, new)) { if (task->mm) set_dumpable(task->mm,
    suid_dumpable);`: the new permitted set is no subset of the old empty one:
    fs.suid_dumpable, 0."""
    _answers(adv, P_EXEC_PERM_GROW, NR_CAPSET, 0)
    prctl_by_option(adv, P_EXEC_PERM_GROW, {PR_GET_DUMPABLE: 1})


@scenario(id="AC-012", title="Answer 0 to a second thread's unshare(CLONE_NEWUSER) while "
          "the group leader spins in user code", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["ALONE"])
def ac_unshare_leader(adv: Adversary) -> None:
    """1. A fork child's first thread makes a second (clone(CLONE_THREAD | ...)) and
    spins in user code; the second thread calls unshare(CLONE_NEWUSER) and the child
    exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): CLONE_NEWUSER adds CLONE_THREAD; check_unshare_flags():
    `if (!thread_group_empty(current)) return -EINVAL;`: the leader is in the group
    (it can only leave it through exit() -- a leader zombie stays on the list -- or an
    exec, which would end the caller) (qemu: `unshare(CLONE_NEWUSER) = -1 errno=22`)."""
    _answers(adv, P_UNSHARE_LEADER, NR_UNSHARE, 0)


@scenario(id="AC-013", title="Answer 65534 to setfsuid(-1) after capset() emptied the "
          "effective set and setfsuid(65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ac_fsuid_nocap(adv: Adversary) -> None:
    """1. A root fork child's E (answered 0); it calls setfsuid(65534) (answered 0, the
    old fs uid), then setfsuid(-1) (the probe: the current fs uid) and exits 7 for 65534.
    2. The kernel answers the probe 65534: the program logs bytes 0..7 of the secret.
    __sys_setfsuid(): `old_fsuid = from_kuid_munged(old->user_ns, old->fsuid); ... if
    (uid_eq(kuid, old->uid) || uid_eq(kuid, old->euid) || uid_eq(kuid, old->suid) ||
    uid_eq(kuid, old->fsuid) || ns_capable_setid(old->user_ns, CAP_SETUID)) { ...
    new->fsuid = kuid; ...}`: 65534 is none of root's ids and CAP_SETUID left the
    effective set: the fs uid stays 0, the probe answers 0 (qemu: `setfsuid(65534) = 0`,
    `setfsuid(4294967295) = 0`)."""
    _answers(adv, P_FSUID_NOCAP, NR_CAPSET, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SETFSUID, during=P_FSUID_NOCAP,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fs"] = a.reg("x0") & 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETFSUID, during=P_FSUID_NOCAP,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 65534 if a.memo.get("fs") == 0xFFFF_FFFF else 0)


# --- Linux's own answers (tests/test_redteam_r82c_claims.py) ---------------------------


def claim_thread_caps(adv: Adversary) -> None:
    """Step 12 as Linux answers: a second thread's E, then the first thread's
    setuid(65534) 0: capset() commits the calling thread's cred alone (commit_creds() of
    current), the first thread keeps CAP_SETUID."""
    _answers(adv, P_CLAIM_THREAD_CAPS, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_THREAD_CAPS, NR_SETUID, 0)


def claim_capset_dump(adv: Adversary) -> None:
    """Step 13 as Linux answers: capset() of empty sets 0, PR_GET_DUMPABLE 1:
    commit_creds() resets the mode only where an id changed or the permitted set grew."""
    _answers(adv, P_CLAIM_CAPSET_DUMP, NR_CAPSET, 0)
    prctl_by_option(adv, P_CLAIM_CAPSET_DUMP, {PR_GET_DUMPABLE: 1})


def claim_exec_eff(adv: Adversary) -> None:
    """Step 14 as Linux answers: E, then the exec'd image's PR_GET_DUMPABLE 1
    (cred_cap_issubset() compares the permitted sets: root's stays full)."""
    _answers(adv, P_CLAIM_EXEC_EFF, NR_CAPSET, 0)
    prctl_by_option(adv, P_CLAIM_EXEC_EFF, {PR_GET_DUMPABLE: 1})


def claim_keepcaps(adv: Adversary) -> None:
    """Step 15 as Linux answers: PR_SET_KEEPCAPS(1), setuid(65534) 0 (cap_emulate_setxuid()
    keeps the permitted set under SECURE_KEEP_CAPS, clears the effective one), capset()
    of the effective set the permitted one 0, setuid(0) 0 (CAP_SETUID effective again)."""
    _answers(adv, P_CLAIM_KEEPCAPS, NR_SETUID, 0)
    _answers(adv, P_CLAIM_KEEPCAPS, NR_CAPSET, 0)
    prctl_by_option(adv, P_CLAIM_KEEPCAPS, {PR_SET_KEEPCAPS: 0})


def claim_bset_read(adv: Adversary) -> None:
    """Steps 7 and 8 as Linux answers: PR_CAPBSET_READ 0 after the drop,
    PR_CAP_AMBIENT_IS_SET 0 after CLEAR_ALL."""
    prctl_by_option(adv, P_BSET_DROP_READ, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 0})
    _answers(adv, P_AMBIENT_CLEAR_ALL, NR_CAPSET, 0)
    prctl_by_option(adv, P_AMBIENT_CLEAR_ALL, {PR_CAP_AMBIENT: 0})
