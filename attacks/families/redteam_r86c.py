"""Red-team round 86c: round 85c's inheritable-set rules (create.launch_inheritable,
return.capset_inheritable's capget() bound, cred_kept.keeps_inheritable()) at their
edges: a new user namespace made by unshare(), clone(), clone3() or setns()
(set_cred_user_ns(): `cred->cap_inheritable = CAP_EMPTY_SET;`), a capget() naming the
caller by its pid, a CLONE_THREAD sibling's capset() against the first thread's sets and
execs, a thread made before the first thread's capset(), a vfork child's capset(); and
the set*uid rules beside them (cred_kept.may_raise_effective(): a set*uid of a root euid
to 0, the permitted set a set*uid keeps) and AT_SECURE of a root exec.

On the victim `secret_r86_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (K is capget() then capset() adding CAP_KILL to the
inheritable set, answered 0 as Linux answers root; R is prctl(PR_CAP_AMBIENT,
PR_CAP_AMBIENT_RAISE, CAP_KILL); "pI CAP_KILL" is a capget() storing root's permitted
and effective sets with CAP_KILL in the inheritable one):

- AS-001: unshare(CLONE_NEWUSER) 0, then R 0 (set_cred_user_ns() empties pI;
  cap_task_prctl(): `!cap_raised(current_cred()->cap_inheritable, arg3)`: -EPERM);
- AS-002: clone(CLONE_NEWUSER | SIGCHLD), the child's capget() pI CAP_KILL
  (copy_creds() -> create_user_ns() -> set_cred_user_ns(): pI empty);
- AS-003: capget() of the header pid getpid() (the caller itself, single-threaded:
  cap_get_target_pid() compares `pid != task_pid_vnr(current)`), pI CAP_KILL (the
  launch's pI is empty and nothing added to it);
- AS-004: a thread's K, then the first thread's capget() (pid 0) pI CAP_KILL (the
  thread's capset() committed its own cred alone: cap_capget() copies the caller's);
- AS-005: a thread's K, then the first thread's exec and the image's R 0 (the exec'ing
  thread's pI is kept: `pI' = pI`, empty);
- AS-006: a vfork child's K, then the parent's R 0 (the vfork child's capset() commits
  the child's own cred: copy_creds() gave it its own);
- AS-007: a thread made, then the first thread's K, then the thread's exec and the
  image's R 0 (the thread's cred was copied at clone time, before the capset());
- AS-008: setns(open("/proc/self/ns/user"), CLONE_NEWUSER) 0, then capget() pI
  CAP_KILL (userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;`, and
  where it joins another, set_cred_user_ns(): pI empty);
- AS-009: clone3({CLONE_NEWUSER, SIGCHLD}), the child's capget() pI CAP_KILL (as
  AS-002: kernel_clone() -> copy_process() -> copy_creds());
- AS-010: setfsuid(65534) and setresuid(-1, 0, -1) of a root euid, then capget() with
  CAP_CHOWN effective (cap_emulate_setxuid() raises pE only where the euid goes from
  non-0 to 0; the fs set cap_task_fix_setfsuid() dropped stays dropped);
- AS-011: capget(), capset() of empty sets, setuid(0), then capget() of root's full sets
  (cap_emulate_setxuid() never adds to pP; its raise is pE = pP);
- AS-012: a root exec's auxv AT_SECURE 1 with every id 0 (cap_bprm_creds_from_file():
  no id changed and the real uid is root: secureexec 0; no LSM runs);
- AS-013: K, then a clone(CLONE_NEWUSER) child's R 0 (set_cred_user_ns() empties the
  child's pI);
- AS-014: K, setuid(65534), R 0 (cap_emulate_setxuid() cleared pP: cap_task_prctl()
  -EPERM);
- AS-015: a thread's capget() of the first thread (header pid getpid()) reporting
  CAP_KILL in pI (cap_capget() of the first thread's cred: the launch's empty pI).
- honest (tests/test_redteam_r86c_claims.py): a thread's K, then the first thread's
  capget() of the thread's tid reporting CAP_KILL in pI (step 4); a thread's K and exec,
  the image's capget() reporting pI CAP_KILL and R 0 (step 5); PR_CAPBSET_DROP(CAP_SETUID),
  then a clone(CLONE_NEWUSER) / clone3(CLONE_NEWUSER) child's capset() adding CAP_SETUID
  to pI 0 (steps 8, 9: set_cred_user_ns() `cred->cap_bset = CAP_FULL_SET;`); K,
  setuid(65534), capget() with empty permitted and effective sets and pI CAP_KILL (step
  12: cap_emulate_setxuid() never writes pI); unshare(CLONE_NEWUSER) 0 and R -EPERM
  (step 0); setns() -EINVAL (step 11); the vfork child's K and the parent's R -EPERM
  (step 7); setfsuid(65534), setresuid(-1, 0, -1), capget() without the fs set
  effective (step 14); Z, setuid(0), capget() of empty sets (step 15); a root exec's
  AT_SECURE 0 (step 16); K, PR_SET_KEEPCAPS(1), setuid(65534), R 0 (step 19); a
  thread's setuid(65534), then the first thread's K and R 0 (step 21); D, then a
  clone(CLONE_NEWUSER) child's PR_CAPBSET_READ(CAP_SETUID) 1 (step 22).
  False refusals: none found (all seventeen claims pass with the Guardian on).

Linux's answers, native (x86-64, host kernel 6.18.44, root; the same
security/commoncap.c, kernel/user_namespace.c): `setfsuid=0 setresuid=0 capget=0
eff=f6fffde0 perm=feffffff inh=0` (AS-010: CAP_CHOWN not effective; setuid(0) in place
of setresuid() the same); `capset=0 setuid=0 capget=0 eff=0 perm=0 inh=0` (AS-011);
`capset=0 unshare=0 capget=0 eff=ffffffff perm=ffffffff inh=0`, `raise=-1` (AS-001);
after K, the clone(CLONE_NEWUSER) child's `capget=0 eff=ffffffff perm=ffffffff inh=0`
and `raise=-1` (AS-002, AS-013); setns(open("/proc/self/ns/user"), CLONE_NEWUSER)
`-1 EINVAL` (AS-008).  Under qemu-aarch64-static -strace (host 6.18, the victim run
untouched): step 7 (AS-006) the vfork child's `capget(...) = 0`, `capset(...) = 0`,
the parent's `prctl(47,2,5,0,0,0) = -1 errno=1`; step 11 `setns(4,268435456,...) = -1
errno=22`; step 14 `setfsuid(65534) = 0`, `setresuid(4294967295,0,4294967295) = 0`,
`capget(...) = 0`, exit(0); step 15 `setuid(0,...) = 0`, `capget(...) = 0`, exit(0);
step 18 (AS-014) `setuid(65534,...) = 0`, `prctl(47,2,5,0,0,0) = -1 errno=1`; step 19
`prctl(8,1,...) = 0`, `setuid(65534,...) = 0`, `prctl(47,2,5,0,0,0) = 0`; step 20
(AS-015) the thread's `capget(...) = 0`, `exit_group(0)`; step 21 the thread's
`setuid(65534,...) = 0`, then `prctl(47,2,5,0,0,0) = 0` (claim_thread_setuid_raise).  qemu-user answers
unshare(CLONE_NEWUSER) EINVAL (its helper thread) and its execve() of the aarch64 image
ENOEXEC: those steps were run natively.

Through with the Guardian on when written (gaps, 9); refused since (7):
- AS-001, AS-008 (unshare(CLONE_NEWUSER) / setns() of a user namespace answered 0, then
  R 0 / capget() pI CAP_KILL): refused since by return.cap_needed /
  return.capset_inheritable with create.userns_caps: set_cred_user_ns() empties pI and
  pA, so a call that may make or join a user namespace keeps the known pI bound and the
  capabilities known out of pA (cred_kept.keeps_inheritable()), and an unshare(
  CLONE_NEWUSER) answered 0 with no filter leaves both known empty
  (cred_kept.note_user_ns(), guardian/result_creds.py).
- AS-002, AS-009, AS-013 (a clone(CLONE_NEWUSER) / clone3(CLONE_NEWUSER) child's capget()
  pI CAP_KILL, its R 0): refused since by return.capset_inheritable / return.cap_needed
  with create.userns_caps: prctl_state.note_clone() gives a CLONE_NEWUSER child its
  creator's pI and pA bounds, and empty ones where the flags are known (no filter;
  clone's register, clone3's clone_args quiet since its entry:
  Forks._flags_known()).
- AS-010 (setfsuid(65534), setresuid(-1, 0, -1) of a root euid, CAP_CHOWN effective):
  refused since by return.capset_effective with create.setuid_caps: a set*uid of a known
  euid 0 (no filter, the first user namespace) raises nothing, so the known pE bound and
  FS_DROPPED stay (cred_kept.unraised(), guardian/result_creds.py).
- AS-011 (Z, setuid(0), capget() of full sets): refused since by return.capset_permitted
  with create.setuid_caps: a set*uid or setfsuid() keeps the known pP and bounds pE by it
  (cred_kept.kept_through_raise(): cap_emulate_setxuid() never adds to pP, its raise is
  pE = pP).
Still open (2):
- AS-012 (a root exec's AT_SECURE 1, every id 0): Linux's own answer where no LSM runs
  too.  6.1..6.14's cap_bprm_creds_from_file() takes is_setid (`!uid_eq(new->euid,
  old->uid)`) before the downgrade, so an execve of a set-user-ID image owned by another
  uid under no_new_privs, a shared fs_struct (LSM_UNSAFE_SHARE) or a tracer without
  CAP_SYS_PTRACE comes out with AT_UID = AT_EUID = 0 and AT_SECURE 1 (round 85c's
  claim_nnp_ids_real is that answer).  To refuse it the Guardian would need to know the
  image carries no set-id bit and no such downgrade could apply (the file's mode and a
  tracer are outside its view).  The user's launch is judged strictly: AT_SECURE 1 with
  equal root ids is refused there unless the launch states an LSM (`--launch-secure-exec`).
- AS-015 (a thread's capget() of the first thread reporting pI CAP_KILL):
  capset_sets.judge() judges a capget() only of the caller; it would need each
  thread's known pI by tid (every thread's CAP_INHERITABLE is kept per thread, but the
  tid -> thread map as the program was told it, and the process id as the first
  thread's tid while it lives and has not exec'd from another thread: de_thread()
  gives the exec'ing thread the leader's pid), judged where the named thread's pI cannot
  change during the call (no capset() of it in flight).
Refused when written (6): AS-003 (return.capset_inheritable: a capget() of the caller's
own pid, the launch's empty pI), AS-004 (return.capset_inheritable: the first thread's
own pI after a thread's capset()), AS-005, AS-006, AS-007 (return.cap_needed: the
exec'ing first thread's, the vfork parent's and the early-made thread's pI lack
CAP_KILL), AS-014 (return.cap_needed: the permitted set setuid(65534) cleared).

Not done (the round's time): a capset() answered by a --launch-filter filter; setns()
of a pidfd; a second exec's and an interpreter's auxv; SECBIT_NOROOT execs; the
6.1 vs 6.18 AT_SECURE rule for a real uid not 0 (native 6.18: NOROOT,
setresuid(65534, -1, -1), exec: `AT_UID=65534 AT_EUID=0 AT_SECURE=1`).
"""

from __future__ import annotations

import struct

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_SECURE, _answers, _exec_auxv
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r86c"
CORE = "secret_r86_core"
# secret_r86_core: the marker before each step; the marker after its write is + 1.
(P_USERNS_RAISE, P_CLONE_USERNS, P_CAPGET_PID, P_THREAD_CAPSET_MAIN,
 P_CLAIM_CAPGET_TID, P_CLAIM_THREAD_EXEC, P_THREAD_CAPSET_MAIN_EXEC, P_VFORK_CAPSET,
 P_CLAIM_CLONE_USERNS_DROP, P_CLAIM_CLONE3_USERNS_DROP, P_MAIN_CAPSET_THREAD_EXEC,
 P_SETNS_USER, P_CLAIM_SETUID_INH, P_CLONE3_USERNS, P_FSDROP_SETRESUID, P_EMPTY_SETUID,
 P_ROOT_SECURE, P_INH_CLONE_USERNS_RAISE, P_INH_SETUID_RAISE, P_CLAIM_KEEPCAPS_RAISE,
 P_THREAD_CAPGET_FIRST, P_CLAIM_THREAD_SETUID_RAISE,
 P_CLAIM_CLONE_USERNS_BSET) = range(16600, 16646, 2)
#: the steps an untouched run takes
PHASES = tuple(range(16600, 16646, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
NR_CAPGET, NR_CAPSET, NR_UNSHARE, NR_SETNS, NR_CLONE, NR_CLONE3 = 90, 91, 97, 268, 220, 435
CLONE_NEWUSER, SIGCHLD = 0x1000_0000, 17
NR_OPENAT = 56
PR_CAP_AMBIENT, PR_CAPBSET_READ, PR_CAPBSET_DROP = 47, 23, 24
CAP_KILL = 5
NEVER_RUNS = ("where the kernel may not read execve()'s path and argv (--mode mprotect: "
              "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
              "nothing after it to answer")
PROPS = {
    "USERNS": ("A new user namespace, made by unshare(), clone(), clone3() or joined by "
               "setns(), starts its creds with every set full but the inheritable and "
               "ambient ones, which are empty (set_cred_user_ns())."),
    "SETUID": ("A set*uid call never adds to the permitted set, and raises the effective set "
               "(to the permitted one) only where the effective uid goes from non-0 to 0 "
               "(cap_emulate_setxuid()); the fs set a setfsuid() dropped stays dropped "
               "until the fs uid goes back to 0 by setfsuid() (cap_task_fix_setfsuid())."),
    "SECURE": ("An exec is secure (AT_SECURE 1) only where an id changed or a non-root "
               "real uid gained capabilities (cap_bprm_creds_from_file()) or an LSM says "
               "so; the launch runs no LSM."),
    "OWN": ("capset() changes the calling task's own cred alone (sys_capset(): `pid != 0 "
            "&& pid != task_pid_vnr(current)`: -EPERM); a thread, a vfork child and a fork "
            "child each hold their own, copied at clone time (copy_creds()), and an exec "
            "keeps the exec'ing thread's inheritable set (`pI' = pI`)."),
}


def _sets(inh: int, perm: int = 0x1FF_FFFF_FFFF) -> bytes:
    """A capget() v3 data block: effective = permitted = `perm`, inheritable `inh`."""
    lo = struct.pack("<III", perm & 0xFFFF_FFFF, perm & 0xFFFF_FFFF, inh & 0xFFFF_FFFF)
    return lo + struct.pack("<III", perm >> 32, perm >> 32, inh >> 32)


KILL_INH = _sets(1 << CAP_KILL)
#: root's sets with the fs set (CAP_CHOWN..CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD,
#: CAP_MAC_OVERRIDE: CAP_FS_SET) out of the effective one
_FS_SET = 0x1F | 1 << 9 | 1 << 27 | 1 << 32
FS_DROPPED_SETS = struct.pack("<III", 0xFFFF_FFFF & ~_FS_SET, 0xFFFF_FFFF, 0) + \
    struct.pack("<III", 0x1FF & ~(_FS_SET >> 32), 0x1FF, 0)


def _capget_stores(adv: Adversary, phase: int, data: bytes = KILL_INH,
                   which: tuple[int, ...] | None = None) -> None:
    """Store `data` at the capget() calls after `phase` (the n-th ones in `which`, from 0;
    all where None), answered 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("cgn", phase), 0)
        a.memo[("cgn", phase)] = n + 1
        a.memo[("cgp", phase)] = (a.reg("x1"), which is None or n in which)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        ptr, mine = a.memo.get(("cgp", phase), (0, False))
        if mine and ptr:
            a.kernel.uaccess.write(ptr, data)
            a.set_reg("x0", 0)
            a.note(f"capget() stores {data.hex()}")


def _plain_child(adv: Adversary, phase: int) -> None:
    """The kernel runs the phase's clone(CLONE_NEWUSER) as a plain fork and answers the
    child's pid: a Linux that makes user namespaces gives such a child, while the model's
    machine makes none (kernel_model/namespaces.py: -ENOSPC).  The Guardian sees a
    clone(CLONE_NEWUSER) answered with a child either way; the child's credentials are
    what the scenario's later answers say."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") & ~CLONE_NEWUSER)


def _plain_child3(adv: Adversary, phase: int) -> None:
    """As `_plain_child` for the phase's clone3({CLONE_NEWUSER, SIGCHLD}): the kernel runs
    it as clone(SIGCHLD), a plain fork (the flags lie in the program's clone_args, which
    the kernel reads but the scenario does not change)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE3, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_CLONE)
        for reg, value in (("x0", SIGCHLD), ("x1", 0), ("x2", 0), ("x3", 0), ("x4", 0)):
            a.set_reg(reg, value)


def _raise_zero(adv: Adversary, phase: int) -> None:
    """Answer PR_CAP_AMBIENT (R) after `phase` 0."""
    prctl_by_option(adv, phase, {PR_CAP_AMBIENT: 0})


@scenario(id="AS-001", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) after "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["USERNS"])
def as_userns_raise(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) answered 0 (Linux's, root in the
    initial namespace); it calls R and exits 7 for 0.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    unshare_userns() -> create_user_ns() -> set_cred_user_ns(): `cred->cap_inheritable =
    CAP_EMPTY_SET; cred->cap_permitted = CAP_FULL_SET; ... cred->cap_ambient =
    CAP_EMPTY_SET;`; cap_task_prctl(): `if (!cap_raised(current_cred()->cap_permitted,
    arg3) || !cap_raised(current_cred()->cap_inheritable, arg3) || ...) return -EPERM;`.
    Refused since (return.cap_needed): create.userns_caps knows pI empty after an
    unshare(CLONE_NEWUSER) answered 0 with no filter (cred_kept.note_user_ns())."""
    _answers(adv, P_USERNS_RAISE, NR_UNSHARE, 0)
    _raise_zero(adv, P_USERNS_RAISE)


@scenario(id="AS-002", title="Store CAP_KILL in the inheritable set for capget() in a "
          "clone(CLONE_NEWUSER) child", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["USERNS"])
def as_clone_userns(adv: Adversary) -> None:
    """1. A root fork child calls clone(CLONE_NEWUSER | SIGCHLD) (Linux: 0 in the child);
    the child's capget() exits 7 where pI is not empty, the step's child then 7.
    2. The kernel stores root's sets with CAP_KILL inheritable and answers 0: the program
    logs bytes 0..7 of the secret.
    copy_process() -> copy_creds(): `if (clone_flags & CLONE_NEWUSER) { ret =
    create_user_ns(new); ...}` -> set_cred_user_ns(): `cred->cap_inheritable =
    CAP_EMPTY_SET;`; cap_capget() copies it: 0.  Refused since
    (return.capset_inheritable): create.userns_caps gives a CLONE_NEWUSER child its
    creator's pI bound, empty where the flags are known (prctl_state.note_clone())."""
    _plain_child(adv, P_CLONE_USERNS)
    _capget_stores(adv, P_CLONE_USERNS)


@scenario(id="AS-003", title="Store CAP_KILL in the inheritable set for capget() of the "
          "header pid getpid() answered", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["OWN"])
def as_capget_pid(adv: Adversary) -> None:
    """1. A root fork child (one thread) calls capget() with the header's pid its
    getpid() answered and exits 7 where pI is not empty.
    2. The kernel stores root's sets with CAP_KILL inheritable and answers 0: the program
    logs bytes 0..7 of the secret.
    cap_get_target_pid(): `if (pid && (pid != task_pid_vnr(current))) {...}` else
    `security_capget(current, ...)`: the caller's own pI, the launch's empty set (no
    capset() added to it)."""
    _capget_stores(adv, P_CAPGET_PID)


@scenario(id="AS-004", title="Store CAP_KILL in the first thread's inheritable set for its "
          "capget() after a thread's capset() added it", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["OWN"])
def as_thread_capset_main(adv: Adversary) -> None:
    """1. A root fork child makes a thread whose K (capget(), then capset() adding
    CAP_KILL to pI) is answered 0, as Linux answers root; the first thread's capget()
    (pid 0) exits 7 where CAP_KILL is in pI.
    2. The kernel stores root's sets with CAP_KILL inheritable for the first thread's
    capget() and answers 0: the program logs bytes 0..7 of the secret.
    cap_capset() commits the calling thread's own cred (`commit_creds(new)`: current's);
    cap_capget() copies the caller's: the first thread's pI stays the launch's, empty."""
    _answers(adv, P_THREAD_CAPSET_MAIN, NR_CAPSET, 0)
    _capget_stores(adv, P_THREAD_CAPSET_MAIN, which=(1,))


@scenario(id="AS-005", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) in the image the "
          "first thread exec'd after a thread's capset() added CAP_KILL to its pI",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["OWN"], silent=NEVER_RUNS)
def as_thread_capset_main_exec(adv: Adversary) -> None:
    """1. A root fork child makes a thread whose K is answered 0; the first thread execs
    the program with -K, whose R exits 7 for 0.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies the exec'ing (first) thread's cred, pI empty;
    cap_bprm_creds_from_file(): `pI' = pI`; cap_task_prctl(): -EPERM."""
    _answers(adv, P_THREAD_CAPSET_MAIN_EXEC, NR_CAPSET, 0)
    _raise_zero(adv, P_THREAD_CAPSET_MAIN_EXEC)


@scenario(id="AS-006", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) in a parent after "
          "its vfork child's capset() added CAP_KILL to its pI", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["OWN"])
def as_vfork_capset(adv: Adversary) -> None:
    """1. A root fork child's vfork child's K answered 0 (its own cred), then the child
    exits; the parent calls R and exits 7 for 0.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    copy_process() -> copy_creds() gives a CLONE_VM | CLONE_VFORK child its own cred (only
    CLONE_THREAD without a keyring shares it); cap_capset() commits the child's: the
    parent's pI stays empty, cap_task_prctl(): -EPERM."""
    _answers(adv, P_VFORK_CAPSET, NR_CAPSET, 0)
    _raise_zero(adv, P_VFORK_CAPSET)


@scenario(id="AS-007", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) in the image a "
          "thread exec'd, made before the first thread's capset() added CAP_KILL to pI",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["OWN"], silent=NEVER_RUNS)
def as_main_capset_thread_exec(adv: Adversary) -> None:
    """1. A root fork child makes a thread; its first thread's K is answered 0; then the
    thread execs the program with -K, whose R exits 7 for 0.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    The thread's cred was copied at clone time (copy_creds()), before the first thread's
    capset() committed a new one of its own; prepare_exec_creds() copies the exec'ing
    thread's: pI empty, cap_task_prctl(): -EPERM."""
    _answers(adv, P_MAIN_CAPSET_THREAD_EXEC, NR_CAPSET, 0)
    _raise_zero(adv, P_MAIN_CAPSET_THREAD_EXEC)


@scenario(id="AS-008", title="Store CAP_KILL in the inheritable set for capget() after "
          "setns() of /proc/self/ns/user answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["USERNS"])
def as_setns_user(adv: Adversary) -> None:
    """1. A root fork child opens /proc/self/ns/user and calls setns(fd, CLONE_NEWUSER),
    answered 0; its capget() exits 7 where pI is not empty.
    2. The kernel stores root's sets with CAP_KILL inheritable and answers 0: the program
    logs bytes 0..7 of the secret.
    userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;` (its own
    namespace; where another: `set_cred_user_ns(cred, get_user_ns(user_ns));` empties
    pI): either way pI empty.  Refused since (return.capset_inheritable):
    create.userns_caps keeps the known pI bound (the launch's empty set) through a setns()
    (cred_kept.keeps_inheritable())."""
    _answers(adv, P_SETNS_USER, NR_OPENAT, 9)
    _answers(adv, P_SETNS_USER, NR_SETNS, 0)
    _capget_stores(adv, P_SETNS_USER)


@scenario(id="AS-009", title="Store CAP_KILL in the inheritable set for capget() in a "
          "clone3(CLONE_NEWUSER) child", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["USERNS"])
def as_clone3_userns(adv: Adversary) -> None:
    """1. A root fork child calls clone3() with flags CLONE_NEWUSER and exit_signal
    SIGCHLD; the child's capget() exits 7 where pI is not empty, the step's child then 7.
    2. The kernel stores root's sets with CAP_KILL inheritable and answers 0: the program
    logs bytes 0..7 of the secret.
    kernel_clone() -> copy_process() -> copy_creds() -> create_user_ns() ->
    set_cred_user_ns(): `cred->cap_inheritable = CAP_EMPTY_SET;`.  Refused since
    (return.capset_inheritable): create.userns_caps, as AS-002 (clone_args quiet)."""
    _plain_child3(adv, P_CLONE3_USERNS)
    _capget_stores(adv, P_CLONE3_USERNS)


@scenario(id="AS-010", title="Store CAP_CHOWN effective for capget() after setfsuid(65534) "
          "and setresuid(-1, 0, -1) of a root euid", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SETUID"])
def as_fsdrop_setresuid(adv: Adversary) -> None:
    """1. A root fork child's setfsuid(65534) (answered 0, the old fs uid) and
    setresuid(-1, 0, -1) (answered 0: the euid already 0) are Linux's; its capget() exits
    7 where CAP_CHOWN is effective.
    2. The kernel stores root's full sets and answers 0: the program logs bytes 0..7 of
    the secret.
    cap_task_fix_setfsuid() dropped the fs set (`new->cap_effective =
    cap_drop_fs_set(new->cap_effective);`); setresuid() goes through LSM_SETID_RES ->
    cap_emulate_setxuid(), which raises pE only `if (!uid_eq(old->euid, root_uid) &&
    uid_eq(new->euid, root_uid))`: the euid was 0, nothing is raised, the fs uid becomes 0
    without cap_raise_fs_set() (native x86-64, 6.18.44: `setfsuid=0 setresuid=0 capget=0
    eff=f6fffde0 perm=feffffff`).  Refused since (return.capset_effective):
    create.setuid_caps keeps FS_DROPPED and the pE bound through a set*uid of a known euid
    0 (cred_kept.unraised())."""
    _capget_stores(adv, P_FSDROP_SETRESUID, _sets(0))


@scenario(id="AS-011", title="Store root's full sets for capget() after capset() of empty "
          "sets and setuid(0)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["SETUID"])
def as_empty_setuid(adv: Adversary) -> None:
    """1. A root fork child's capget(), capset() of empty sets and setuid(0) are answered
    as Linux answers (0: the real uid is 0, __sys_setuid() needs no CAP_SETUID); its second
    capget() exits 7 where a set is not empty.
    2. The kernel stores root's full sets for that capget() and answers 0: the program
    logs bytes 0..7 of the secret.
    cap_emulate_setxuid() never adds to pP (only `cap_clear(new->cap_permitted)`), and
    its raise is `new->cap_effective = new->cap_permitted` (empty; and not even that: the
    euid was 0) (native 6.18.44: `capset=0 setuid=0 capget=0 eff=0 perm=0`).  Refused
    since (return.capset_permitted): create.setuid_caps keeps pP through a set*uid and
    bounds pE by it (cred_kept.kept_through_raise())."""
    _answers(adv, P_EMPTY_SETUID, NR_CAPSET, 0)
    _capget_stores(adv, P_EMPTY_SETUID, _sets(0), which=(1,))


@scenario(id="AS-012", title="AT_SECURE 1 in the auxv of the image a root process exec'd, "
          "every id 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["SECURE"], silent=NEVER_RUNS, gap="P5")
def as_root_secure(adv: Adversary) -> None:
    """1. A root fork child execs the program with -A, whose auxv AT_SECURE 1 with AT_UID,
    AT_EUID, AT_GID and AT_EGID 0 exits 7.
    2. The kernel writes AT_SECURE = 1 into the new image's auxv: the program logs bytes
    0..7 of the secret.
    cap_bprm_creds_from_file(): `if (id_changed || (!__is_real(root_uid, new) &&
    (effective || __cap_grew(permitted, ambient, new)))) bprm->secureexec = 1;`: no id
    changed and the real uid is root: 0; only an LSM's bprm_creds_for_exec hook sets it
    otherwise, and the launch runs none (README: no LSM) -- but 6.1..6.14 take is_setid
    before a downgrade, so a set-user-ID image exec'd under no_new_privs, a shared
    fs_struct or an unprivileged tracer is secure with the ids equal again: honest for an
    exec'd image whose file mode the Guardian cannot see."""
    _exec_auxv(adv, P_ROOT_SECURE, {AT_SECURE: 1})


@scenario(id="AS-013", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) in a "
          "clone(CLONE_NEWUSER) child of a parent whose capset() added CAP_KILL to pI",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["USERNS"])
def as_inh_clone_userns_raise(adv: Adversary) -> None:
    """1. A root fork child's K is answered 0 (Linux's); its clone(CLONE_NEWUSER |
    SIGCHLD) child calls R and exits 7 for 0, the step's child then 7.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    copy_creds() -> create_user_ns() -> set_cred_user_ns(): `cred->cap_inheritable =
    CAP_EMPTY_SET;`: the child's pI lacks CAP_KILL the parent's holds; cap_task_prctl():
    -EPERM (native 6.18.44: `E capset=0`, the child's `capget=0 ... inh=0`, `raise=-1`).
    Refused since (return.cap_needed): create.userns_caps knows the child's pI empty (the
    clone's flags register, no filter: prctl_state.note_clone())."""
    _answers(adv, P_INH_CLONE_USERNS_RAISE, NR_CAPSET, 0)
    _plain_child(adv, P_INH_CLONE_USERNS_RAISE)
    _raise_zero(adv, P_INH_CLONE_USERNS_RAISE)


@scenario(id="AS-014", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_KILL) after capset() "
          "added CAP_KILL to pI and setuid(65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["SETUID"])
def as_inh_setuid_raise(adv: Adversary) -> None:
    """1. A root fork child's K and setuid(65534) are answered 0 (Linux's); it calls R and
    exits 7 for 0.
    2. The kernel answers R 0: the program logs bytes 0..7 of the secret.
    cap_emulate_setxuid(): every uid leaves 0 without SECURE_KEEP_CAPS:
    `cap_clear(new->cap_permitted); cap_clear(new->cap_effective); ...
    cap_clear(new->cap_ambient);`; cap_task_prctl(): `!cap_raised(current_cred()->
    cap_permitted, arg3)`: -EPERM, though pI still holds CAP_KILL."""
    _answers(adv, P_INH_SETUID_RAISE, NR_CAPSET, 0)
    _raise_zero(adv, P_INH_SETUID_RAISE)


@scenario(id="AS-015", title="Store CAP_KILL in the inheritable set for a thread's capget() "
          "of the first thread", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["OWN"], gap="P5")
def as_thread_capget_first(adv: Adversary) -> None:
    """1. A root fork child makes a thread, whose capget() of the header pid getpid()
    answered (the first thread: its tid is the process's id) exits 7 where pI is not
    empty.
    2. The kernel stores root's sets with CAP_KILL inheritable and answers 0: the program
    logs bytes 0..7 of the secret.
    cap_get_target_pid(): `find_task_by_vpid(pid)` -> security_capget(target) ->
    cap_capget(): `*inheritable = cred->cap_inheritable;` of the first thread, the
    launch's empty set (no capset() anywhere).  The Guardian judges a capget() only of the
    caller; it would need each thread's known pI by tid (and the process id as the first
    thread's tid)."""
    _capget_stores(adv, P_THREAD_CAPGET_FIRST)


# --- Linux's own answers (tests/test_redteam_r86c_claims.py) ---------------------------


def claim_capget_tid(adv: Adversary) -> None:
    """Step 4 as Linux answers: a thread's K 0, then the first thread's capget() of the
    thread's tid storing root's sets with CAP_KILL inheritable (cap_get_target_pid():
    `find_task_by_vpid(pid)` -> security_capget(target): the thread's own cred)."""
    _answers(adv, P_CLAIM_CAPGET_TID, NR_CAPSET, 0)
    _capget_stores(adv, P_CLAIM_CAPGET_TID, which=(1,))


def claim_thread_exec(adv: Adversary) -> None:
    """Step 5 as Linux answers: a thread's K 0 and exec; the image's capget() storing
    root's sets with CAP_KILL inheritable and R 0 (the exec'ing thread's pI kept:
    `pI' = pI`; root's exec fills pP, so CAP_KILL is permitted and inheritable)."""
    _answers(adv, P_CLAIM_THREAD_EXEC, NR_CAPSET, 0)
    _capget_stores(adv, P_CLAIM_THREAD_EXEC, which=(1,))
    _raise_zero(adv, P_CLAIM_THREAD_EXEC)


def claim_clone_userns_drop(adv: Adversary) -> None:
    """Step 8 as Linux answers: PR_CAPBSET_DROP(CAP_SETUID) 0, clone(CLONE_NEWUSER |
    SIGCHLD), the child's capget() (root's full sets, pI empty: set_cred_user_ns()) and
    capset() adding CAP_SETUID to pI 0 (`cred->cap_bset = CAP_FULL_SET;`)."""
    _plain_child(adv, P_CLAIM_CLONE_USERNS_DROP)
    _capget_stores(adv, P_CLAIM_CLONE_USERNS_DROP, _sets(0))
    _answers(adv, P_CLAIM_CLONE_USERNS_DROP, NR_CAPSET, 0)


def claim_clone3_userns_drop(adv: Adversary) -> None:
    """Step 9 as Linux answers: as step 8 with clone3({CLONE_NEWUSER, SIGCHLD})."""
    _plain_child3(adv, P_CLAIM_CLONE3_USERNS_DROP)
    _capget_stores(adv, P_CLAIM_CLONE3_USERNS_DROP, _sets(0))
    _answers(adv, P_CLAIM_CLONE3_USERNS_DROP, NR_CAPSET, 0)


def claim_setuid_inh(adv: Adversary) -> None:
    """Step 12 as Linux answers: K 0, setuid(65534) 0, capget() storing empty effective and
    permitted sets with CAP_KILL inheritable (cap_emulate_setxuid() clears pP and pE, never
    pI)."""
    _answers(adv, P_CLAIM_SETUID_INH, NR_CAPSET, 0)
    _capget_stores(adv, P_CLAIM_SETUID_INH, _sets(1 << CAP_KILL, 0), which=(1,))


def claim_userns_raise_eperm(adv: Adversary) -> None:
    """Step 0 as Linux answers: unshare(CLONE_NEWUSER) 0, R -EPERM (pI empty)."""
    _answers(adv, P_USERNS_RAISE, NR_UNSHARE, 0)
    prctl_by_option(adv, P_USERNS_RAISE, {PR_CAP_AMBIENT: -1})


def claim_setns_einval(adv: Adversary) -> None:
    """Step 11 as Linux answers: setns() of its own user namespace -EINVAL
    (userns_install())."""
    _answers(adv, P_SETNS_USER, NR_OPENAT, 9)
    _answers(adv, P_SETNS_USER, NR_SETNS, -22)


def claim_vfork_raise_eperm(adv: Adversary) -> None:
    """Step 7 as Linux answers: the vfork child's K 0 (root's sets stored by capget()),
    the parent's R -EPERM."""
    _answers(adv, P_VFORK_CAPSET, NR_CAPSET, 0)
    prctl_by_option(adv, P_VFORK_CAPSET, {PR_CAP_AMBIENT: -1})


def claim_fsdrop_setresuid(adv: Adversary) -> None:
    """Step 14 as Linux answers: setfsuid(65534) 0, setresuid(-1, 0, -1) 0, capget()
    storing root's sets without the fs set in the effective one (native 6.18.44:
    `eff=f6fffde0 perm=feffffff`)."""
    _capget_stores(adv, P_FSDROP_SETRESUID, FS_DROPPED_SETS)


def claim_empty_setuid(adv: Adversary) -> None:
    """Step 15 as Linux answers: capset() of empty sets 0, setuid(0) 0, capget() storing
    empty sets."""
    _answers(adv, P_EMPTY_SETUID, NR_CAPSET, 0)
    _capget_stores(adv, P_EMPTY_SETUID, bytes(24), which=(1,))


def claim_root_not_secure(adv: Adversary) -> None:
    """Step 16 as Linux answers: the root exec's auxv AT_SECURE 0, every id 0."""
    _exec_auxv(adv, P_ROOT_SECURE, {AT_SECURE: 0})


def claim_keepcaps_raise(adv: Adversary) -> None:
    """Step 19 as Linux answers: K 0, PR_SET_KEEPCAPS(1) 0, setuid(65534) 0, R 0 (pP kept by
    SECURE_KEEP_CAPS, pI holds CAP_KILL; only the ambient set is cleared)."""
    _answers(adv, P_CLAIM_KEEPCAPS_RAISE, NR_CAPSET, 0)
    _raise_zero(adv, P_CLAIM_KEEPCAPS_RAISE)


def claim_thread_setuid_raise(adv: Adversary) -> None:
    """Step 21 as Linux answers: a thread's setuid(65534) 0 (the raw call changes its own
    cred alone: __sys_setuid() commit_creds() of current), then the first thread's K 0
    and R 0 (its sets are still root's)."""
    _answers(adv, P_CLAIM_THREAD_SETUID_RAISE, NR_CAPSET, 0)
    _raise_zero(adv, P_CLAIM_THREAD_SETUID_RAISE)


def claim_clone_userns_bset(adv: Adversary) -> None:
    """Step 22 as Linux answers: PR_CAPBSET_DROP(CAP_SETUID) 0, then a clone(CLONE_NEWUSER)
    child's PR_CAPBSET_READ(CAP_SETUID) 1 (set_cred_user_ns(): `cred->cap_bset =
    CAP_FULL_SET;`)."""
    prctl_by_option(adv, P_CLAIM_CLONE_USERNS_BSET, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})
