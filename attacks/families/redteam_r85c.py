"""Red-team round 85c: round 84c's capability fixes (capset_sets' inheritable set from any
quiet capget(), create.exec_no_new_privs) and the rules beside them at their edges:
no_new_privs a fork child, a thread and a vfork child carry into their execs, an
execveat() of an O_PATH descriptor under no_new_privs, the effective uid and gid an exec
under no_new_privs leaves when both differ from the real ones, the inheritable set a
capget() reported against PR_CAP_AMBIENT_RAISE, a root exec after capset() emptied the
permitted set, the fs capabilities a fork child inherits after setfsuid(), the bounding
set a thread's exec keeps, SECBIT_NO_CAP_AMBIENT_RAISE, a securebits lock, setfsgid()
without CAP_SETGID.

On the victim `secret_r85_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (N is prctl(PR_SET_NO_NEW_PRIVS, 1), D is
prctl(PR_CAPBSET_DROP, CAP_SETUID), Z is capget() then capset() of empty sets, each
answered 0):

- AN-001: setuid(65534), N, then a fork child's exec'd image's auxv AT_EUID 0, AT_SECURE 1
  and its geteuid() 0 (dup_task_struct() and copy_seccomp() carry PFA_NO_NEW_PRIVS into
  the child; bprm_fill_uid(): `if (task_no_new_privs(current)) return;`: 65534);
- AN-002: N, then a thread made; its setuid(65534) and exec: the same answers (the thread
  inherits the flag at clone: 65534);
- AN-003: a vfork child's setuid(65534), N and exec: the same answers (check_unsafe_exec()
  reads the exec'ing task's own flag: 65534);
- AN-004 (on secret_r84_core's step 5: setuid(65534), N, exec with -E): the auxv's AT_UID
  entry turned into AT_IGNORE, AT_EUID 0, AT_SECURE 1, geteuid() 0 (create_elf_tables()
  always writes AT_UID, AT_EUID, AT_GID, AT_EGID; bprm_fill_uid() under no_new_privs:
  65534);
- AN-005: setresgid(-1, 65534, -1), setresuid(-1, 65534, -1), N, then the exec'd image's
  auxv AT_EUID 0 with AT_EGID 65534, geteuid() 0 and getegid() 65534
  (cap_bprm_creds_from_file(): the downgrade sets `new->euid = new->uid; new->egid =
  new->gid;` together, or neither: (0, 0) before 6.15, (65534, 65534) since);
- AN-006: capget() (the inheritable set empty), then PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0
  (cap_task_prctl(): `!cap_raised(current_cred()->cap_inheritable, arg3)`: -EPERM);
- AN-007: PR_SET_KEEPCAPS(1), setuid(65534), N, then the image's setuid(0) 0 with AT_SECURE
  0 (no file capability, no set-id bit: pP' = pA', cleared by cap_emulate_setxuid():
  -EPERM);
- AN-008: Z, N, then the exec'd image's capset() of root's full sets 0 (root's exec fills
  pP' but __cap_gained() under no_new_privs intersects it with the old, empty one:
  cap_capset() -EPERM);
- AN-009: setfsuid(65534), then a fork child's capget() with CAP_CHOWN effective
  (cap_task_fix_setuid(LSM_SETID_FS) dropped it; copy_creds() copies the cred);
- AN-010: a thread made, its D and exec, then the image's PR_CAPBSET_READ(CAP_SETUID) 1
  (the exec'ing thread's own cred keeps the drop through prepare_exec_creds(): 0);
- AN-011: PR_SET_SECUREBITS(SECBIT_NO_CAP_AMBIENT_RAISE), capget(), capset() of the
  inheritable set the permitted one, then PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0
  (cap_task_prctl(): `|| issecure(SECURE_NO_CAP_AMBIENT_RAISE)) return -EPERM;`);
- AN-012: PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED), then
  PR_SET_SECUREBITS(0) 0 (cap_task_prctl(): `((old->securebits & SECURE_ALL_LOCKS & ~arg2)
  ...` a locked bit never changes: -EPERM);
- AN-013: Z, setfsgid(65534) 0, then setfsgid(-1) 65534 (__sys_setfsgid(): 65534 none of
  the old gids and no CAP_SETGID: the fs gid stays 0);
- AN-014 (secret_r84_core's step 5 again): the auxv's AT_EUID entry turned into AT_IGNORE,
  AT_SECURE 1, geteuid() 0 (create_elf_tables() always writes AT_EUID: 65534);
- AN-015: setuid(65534), N, then the exec'd image's auxv with its AT_FLAGS entry turned
  into a second AT_EUID, 0, before the true one (getauxval() reads the first): each key
  once (create_elf_tables()), the euid 65534;
- AN-016: D, unshare(CLONE_NEWUSER) -ENOSPC (Linux's at user.max_user_namespaces), then
  capset() adding CAP_SETUID to the inheritable set 0 (a failed unshare_userns() commits
  no cred: the bounding set still lacks it: -EPERM);
- AN-017: setuid(65534), N, then the exec'd image's auxv AT_UID = AT_EUID = 0 (the real
  uid create.exec_no_new_privs allows is the auxv's own AT_UID; execve() keeps 65534).
- honest (tests/test_redteam_r85c_claims.py): step 4's exec keeping both effective ids
  (6.15+) or giving both real ones (6.1-6.14); another thread's N, then the first
  thread's setuid(65534) and exec of a set-user-id root file (AT_EUID 0, geteuid() 0);
  PR_SET_KEEPCAPS(1), setuid(65534), N, the image of a file holding cap_setuid+ep
  (AT_SECURE 1) and its setuid(0) 0; D, unshare(CLONE_NEWUSER), capset() adding
  CAP_SETUID to the inheritable set 0; Z, then the exec'd image's capset() of root's full
  sets 0; setfsuid(65534), then a fork child's setfsuid(0) and capget() with root's
  sets; a thread made, the first thread's D, then the thread's exec and the image's
  PR_CAPBSET_READ(CAP_SETUID) 1; setresuid(65534, -1, -1), N, the exec'd image's AT_EUID 0
  (6.15+) or 65534 (6.1-6.14), AT_SECURE 1, its setuid(0) 0; setfsuid(65534), then the
  exec'd image's capget() with root's full sets (FS_DROPPED not carried past the exec).
  False refusals: none found (all eleven claims pass with the Guardian on).

Linux's answers under qemu-aarch64-static -strace (host kernel 6.18, root; the victim run
untouched, each step in a fork child; qemu-user's execve() of the aarch64 image answers
ENOEXEC, its execveat() ENOSYS): AN-006 `capget(...) = 0`, `prctl(47,2,7,0,0,0) = -1
errno=1`; AN-011 `prctl(28,64,0,0,0,0) = 0`, `capset(...) = 0`, `prctl(47,2,7,0,0,0) =
-1 errno=1`; AN-012 `prctl(28,3,0,0,0,0) = 0`, `prctl(28,0,0,0,0,0) = -1 errno=1`;
AN-013 `setfsgid(65534) = 0`, `setfsgid(4294967295) = 0`; AN-009 `setfsuid(65534) = 0`,
the child's `capget(...) = 0` and exit 0 (CAP_CHOWN not effective); claim_fsuid_back_fork
the child's `setfsuid(0) = 65534`; AN-010 the thread's `prctl(24,7,0,0,0,0) = 0` (qemu's
exec of itself by the thread); claim_userns_drop_inh `prctl(24,7,...) = 0`,
`unshare(CLONE_NEWUSER) = -1 errno=22` (qemu-user's helper thread: a native probe needed).
Native x86-64 probe (/tmp, host kernel 6.18.44, root, the same security/commoncap.c and
fs/exec.c; the image prints its auxv, capget() and setuid(0)): step 4
(setresgid(-1, 65534, -1), setresuid(-1, 65534, -1), N) `AT_UID=0 AT_EUID=65534 AT_GID=0
AT_EGID=65534 AT_SECURE=1` (claim_nnp_ids_kept; AN-005's (0, 65534) is neither that nor
6.1's (0, 0)); step 18 (setresuid(65534, -1, -1), N) `AT_UID=65534 AT_EUID=0 ...
AT_SECURE=1 eff=feffffff perm=feffffff setuid(0) = 0` (claim_ruid_nnp_exec_kept).

Through with the Guardian on when written (gaps, 3), refused since (round 85c's fixes):
- AN-004 (no AT_UID in the auxv of an image exec'd under no_new_privs, AT_EUID 0):
  create.exec_no_new_privs' check_ids() and create.exec_real_ids skipped an auxv without
  AT_UID.  Refused since: create.auxv (AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE
  required in every exec'd and launched image's auxv: create_elf_tables() writes all
  five, always; guardian/initial_stack.py).
- AN-014 (no AT_EUID in that auxv, geteuid() 0): the new image's euid was then not known.
  Refused since: create.auxv (the same presence rule).
- AN-005 (euid 0 with egid 65534 after an exec under no_new_privs, the real ids 0 and the
  effective ones 65534): create.exec_no_new_privs judged AT_EUID and AT_EGID apart.
  Refused since: create.exec_no_new_privs (widened: the pair (AT_EUID, AT_EGID) is the
  old effective pair or the real one, cap_bprm_creds_from_file()'s downgrade setting
  both or neither; guardian/exec_no_new_privs.py `_check_pair`); the image's
  geteuid()/getegid() then follow the auxv (return.credentials).
Refused when written (14): AN-001, AN-002, AN-003 (create.exec_no_new_privs: no_new_privs
carried into a fork child, a thread made after it and a vfork child's own), AN-006
(PR_CAP_AMBIENT_RAISE against the inheritable set a capget() reported), AN-007
(return.cap_needed: setuid(0) after the exec, the permitted set empty), AN-008
(return.capset_permitted: create.exec_no_new_privs bounds the new permitted set by the
old, empty one), AN-009 (return.capset_effective: FS_DROPPED carried into a fork child),
AN-010 (the bounding set a thread's exec keeps), AN-011 (SECBIT_NO_CAP_AMBIENT_RAISE),
AN-012 (a securebits lock), AN-013 (return.credentials: the known fs gid), AN-015
(create.auxv: "auxv entry 12 appears twice"), AN-016 (return.capset_inheritable: a
failed unshare(CLONE_NEWUSER) keeps the drop known), AN-017 (create.exec_real_ids: the
known ruid).

Not done (the round's time): the victim's step 3 (execveat() of an O_PATH descriptor
with AT_EMPTY_PATH under no_new_privs) has no scenario: it cannot be shown without a
Guardian, the kernel model having no execveat(); TSYNC seccomp filters setting another
thread's no_new_privs; --launch-no-new-privs and --launch-filter runs (a filter's
answer to PR_SET_NO_NEW_PRIVS or PR_CAPBSET_DROP); claims run natively for the
userns/set-id/file-capability exec steps.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r84c as r84
from attacks.families.initial_stack import _auxv_slot, _stack_words
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_EUID, AT_SECURE, AT_UID, _answers, _exec_auxv
from attacks.families.redteam_r84c import _capget_root
from attacks.hooks import Point
from attacks.moves import at_each_new_stack
from attacks.scenario import Goal, scenario

RT = "redteam_r85c"
CORE = "secret_r85_core"
# secret_r85_core: the marker before each step; the marker after its write is + 1.
(P_NNP_FORK_EXEC, P_NNP_THREAD_EXEC, P_NNP_VFORK_EXEC, P_NNP_EXECVEAT, P_NNP_MIXED_IDS,
 P_CLAIM_THREAD_NNP_MAIN_EXEC, P_CAPGET_AMBIENT, P_KEEPCAPS_NNP_EXEC,
 P_CLAIM_USERNS_DROP_INH, P_EMPTY_NNP_EXEC, P_CLAIM_EMPTY_EXEC, P_FSDROP_FORK,
 P_CLAIM_FSUID_BACK_FORK, P_THREAD_DROP_EXEC, P_CLAIM_MAIN_DROP_THREAD_EXEC,
 P_NO_AMBIENT_RAISE, P_SECBIT_LOCKED, P_FSGID_NOCAP,
 P_CLAIM_RUID_NNP_EXEC, P_NNP_AUXV_EUID, P_USERNS_FAILED_INH,
 P_CLAIM_FSDROP_EXEC) = range(15600, 15644, 2)
#: the steps an untouched run takes
PHASES = tuple(range(15600, 15644, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
NR_CAPSET, NR_SETUID, NR_GETEUID, NR_GETEGID, NR_SETFSGID, NR_UNSHARE = \
    91, 146, 175, 177, 152, 97
AT_EGID, AT_IGNORE, AT_FLAGS = 14, 1, 8
PR_CAP_AMBIENT, PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 47, 23, 24, 28
NEVER_RUNS = ("where the kernel may not read execve()'s path and argv (--mode mprotect: "
              "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
              "nothing after it to answer")
PROPS = {
    "NNP": ("An exec under no_new_privs never gains an effective uid or gid or a "
            "capability (bprm_fill_uid(), cap_bprm_creds_from_file()), and no_new_privs "
            "is the exec'ing task's own flag, which a fork child, a thread and a vfork "
            "child inherit (dup_task_struct(), copy_seccomp()) and nothing clears; the "
            "downgrade sets the effective uid and gid to the real ones together."),
    "CAPS": ("A capability call fails where the caller's own sets or securebits forbid it: "
             "PR_CAP_AMBIENT_RAISE needs the bit permitted and inheritable and no "
             "SECBIT_NO_CAP_AMBIENT_RAISE; a locked securebit never changes; setfsgid() "
             "moves the fs gid only to an old gid or with CAP_SETGID; a fork child starts "
             "with its parent's sets (copy_creds()), the fs capabilities dropped."),
    "EXEC": ("An exec keeps the exec'ing thread's own bounding set and, under "
             "no_new_privs, a permitted set within the old one (cap_bprm_creds_from_file())."),
}


def _sequence(adv: Adversary, phase: int, nr: int, values: tuple[int, ...]) -> None:
    """Answer the calls `nr` after `phase`, in turn, `values` (then leave them)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("seq", phase, nr), 0)
        a.memo[("seq", phase, nr)] = n + 1
        if n < len(values):
            a.set_reg("x0", values[n])


def _retag_auxv(adv: Adversary, phase: int, key: int, new_key: int = AT_IGNORE,
                value: int | None = None) -> None:
    """Turn the auxv entry `key` of the image an exec after `phase` starts into `new_key`
    (AT_IGNORE unless named; its value kept, or `value`), just before its CREATE_DOMAIN
    (without a Guardian: where its first call enters)."""
    def forge(a: Adversary, sp: int) -> None:
        words = _stack_words(a, sp)
        i = _auxv_slot(words, key) if words else None
        if i is not None:
            a.el1.write(sp + 8 * i, new_key.to_bytes(8, "little"))
            if value is not None:
                a.el1.write(sp + 8 * (i + 1), value.to_bytes(8, "little"))
            a.note(f"auxv entry {key} turned into {new_key}")

    at_each_new_stack(adv, phase, forge)


def _euid_zero(adv: Adversary, phase: int) -> None:
    """The exec'd image's auxv AT_EUID 0 and AT_SECURE 1 (as for a set-user-id root file),
    its geteuid() answered 0."""
    _answers(adv, phase, NR_GETEUID, 0)
    _exec_auxv(adv, phase, {AT_EUID: 0, AT_SECURE: 1})


@scenario(id="AN-001", title="Answer 0 to geteuid() in the image a fork child exec'd, its "
          "parent having called setuid(65534) and PR_SET_NO_NEW_PRIVS", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"],
          silent=NEVER_RUNS)
def an_nnp_fork_exec(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) and N answered 0 (Linux's); its own fork child
    execs the program with -E, whose geteuid() exits 7 for 0, the step's child then 7.
    2. The kernel writes AT_EUID = 0 and AT_SECURE = 1 into the new image's auxv (as for a
    set-user-id root file) and answers geteuid() 0: the program logs bytes 0..7 of the
    secret.
    dup_task_struct() copies atomic_flags and copy_seccomp(): `if
    (task_no_new_privs(current)) task_set_no_new_privs(p);`; bprm_fill_uid(): `if
    (task_no_new_privs(current)) return;` (6.8+; before, the downgrade in
    cap_bprm_creds_from_file(): `new->euid = new->uid`): the euid stays 65534."""
    _euid_zero(adv, P_NNP_FORK_EXEC)


@scenario(id="AN-002", title="Answer 0 to geteuid() in the image a thread exec'd after "
          "setuid(65534), the thread made after PR_SET_NO_NEW_PRIVS", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"],
          silent=NEVER_RUNS)
def an_nnp_thread_exec(adv: Adversary) -> None:
    """1. A root fork child's N answered 0; it makes a CLONE_THREAD thread whose
    setuid(65534) (answered 0: its own cred) and exec of the program with -E follow; the
    image's geteuid() exits 7 for 0 (de_thread() makes the exec'ing thread the leader, so
    the step's child exits with the image's status).
    2. The kernel writes AT_EUID = 0 and AT_SECURE = 1 into the auxv and answers
    geteuid() 0: the program logs bytes 0..7 of the secret.
    copy_process(): the thread's atomic_flags are its creator's (PFA_NO_NEW_PRIVS);
    check_unsafe_exec(): `if (task_no_new_privs(current)) bprm->unsafe |=
    LSM_UNSAFE_NO_NEW_PRIVS;`; bprm_fill_uid() ignores the set-user-id bit: 65534."""
    _euid_zero(adv, P_NNP_THREAD_EXEC)


@scenario(id="AN-003", title="Answer 0 to geteuid() in the image a vfork child exec'd after "
          "its own setuid(65534) and PR_SET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"], silent=NEVER_RUNS)
def an_nnp_vfork_exec(adv: Adversary) -> None:
    """1. A root fork child's vfork child calls setuid(65534) and N (answered 0: its own
    cred and flag) and execs the program with -E, whose geteuid() exits 7 for 0, the
    step's child then 7.
    2. The kernel writes AT_EUID = 0 and AT_SECURE = 1 into the auxv and answers
    geteuid() 0: the program logs bytes 0..7 of the secret.
    task_set_no_new_privs() sets the calling task's flag (the vfork child's);
    bprm_fill_uid(): `if (task_no_new_privs(current)) return;`: 65534."""
    _euid_zero(adv, P_NNP_VFORK_EXEC)


@scenario(id="AN-005", title="Answer euid 0 with egid 65534 in the image exec'd under "
          "PR_SET_NO_NEW_PRIVS after setresgid(-1, 65534, -1) and setresuid(-1, 65534, -1)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NNP"], silent=NEVER_RUNS)
def an_nnp_mixed_ids(adv: Adversary) -> None:
    """1. A root fork child's setresgid(-1, 65534, -1), setresuid(-1, 65534, -1) and N
    answered 0 (Linux's: the real ids stay 0); it execs the program with -G, whose
    geteuid() and getegid() exit 7 for 0 and 65534.
    2. The kernel writes AT_EUID = 0, AT_EGID = 65534 and AT_SECURE = 1 into the auxv and
    answers geteuid() 0 and getegid() 65534: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `if ((is_setid || __cap_gained(permitted, new, old)) &&
    ((bprm->unsafe & ~LSM_UNSAFE_PTRACE) || ...)) { if (!ns_capable(new->user_ns,
    CAP_SETUID) || (bprm->unsafe & LSM_UNSAFE_NO_NEW_PRIVS)) { new->euid = new->uid;
    new->egid = new->gid; } ...}`: both ids become the real ones (6.1-6.14, is_setid
    compares the new euid with the old real uid) or both stay (6.15+); euid 0 with egid
    65534 is neither."""
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEUID, 0)
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEGID, 65534)
    _exec_auxv(adv, P_NNP_MIXED_IDS, {AT_EUID: 0, AT_EGID: 65534, AT_SECURE: 1})


@scenario(id="AN-006", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_SETUID) after capget() "
          "reported an empty inheritable set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def an_capget_ambient(adv: Adversary) -> None:
    """1. A root fork child's capget() answered as Linux answers (0, the inheritable set
    empty: the launch's); it calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
    CAP_SETUID) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if (!cap_raised(current_cred()->cap_permitted, arg3) ||
    !cap_raised(current_cred()->cap_inheritable, arg3) || issecure(
    SECURE_NO_CAP_AMBIENT_RAISE)) return -EPERM;`: only the thread's own capset() adds to
    the inheritable set capget() read (qemu: `capget(...) = 0`, `prctl(47,2,7,0,0,0) = -1
    errno=1`)."""
    prctl_by_option(adv, P_CAPGET_AMBIENT, {PR_CAP_AMBIENT: 0})


@scenario(id="AN-007", title="Answer 0 to setuid(0) in the image exec'd, AT_SECURE 0, after "
          "PR_SET_KEEPCAPS(1), setuid(65534) and PR_SET_NO_NEW_PRIVS", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"],
          silent=NEVER_RUNS)
def an_keepcaps_nnp_exec(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_KEEPCAPS(1), setuid(65534) and N answered 0; it execs
    the program with -S, whose setuid(0) exits 7 for 0 where its auxv AT_SECURE is 0.
    2. The kernel leaves AT_SECURE 0 (no file capability, no set-id bit) and answers
    setuid(0) 0: the program logs bytes 0..7 of the secret.
    cap_emulate_setxuid() kept the permitted set (SECURE_KEEP_CAPS) but `cap_clear(
    new->cap_ambient)`; cap_bprm_creds_from_file() of a file without capabilities and a
    uid not 0: pP' = pA' = empty, `bprm->secureexec` 0; __sys_setuid(): -EPERM."""
    _answers(adv, P_KEEPCAPS_NNP_EXEC, NR_SETUID, 0)


@scenario(id="AN-008", title="Answer 0 to capset() of root's full sets in the image exec'd "
          "after capset() of empty sets and PR_SET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"], silent=NEVER_RUNS)
def an_empty_nnp_exec(adv: Adversary) -> None:
    """1. A root fork child's Z and N answered 0 (Linux's); it execs the program with -P,
    whose capset() of root's full permitted and effective sets exits 7 for 0.
    2. The kernel answers capset() 0: the program logs bytes 0..7 of the secret.
    handle_privileged_root() gives root pP' = bset | pI, but `__cap_gained(permitted,
    new, old)` under LSM_UNSAFE_NO_NEW_PRIVS: `new->cap_permitted = cap_intersect(
    new->cap_permitted, old->cap_permitted);`: empty; cap_capset(): -EPERM."""
    _answers(adv, P_EMPTY_NNP_EXEC, NR_CAPSET, 0)


@scenario(id="AN-009", title="Store root's sets for a fork child's capget() after its "
          "parent's setfsuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def an_fsdrop_fork(adv: Adversary) -> None:
    """1. A root fork child's setfsuid(65534) answered 0 (Linux's); its own fork child's
    capget() exits 7 where CAP_CHOWN is effective, the step's child then 7.
    2. The kernel stores root's full sets and answers 0: the program logs bytes 0..7 of
    the secret.
    cap_task_fix_setuid(LSM_SETID_FS): `if (uid_eq(old->fsuid, root_uid) &&
    !uid_eq(new->fsuid, root_uid)) new->cap_effective = cap_drop_fs_set(
    new->cap_effective);`; copy_creds() gives the child that cred (qemu: the child's
    `capget(...) = 0`, exit 0)."""
    _capget_root(adv, P_FSDROP_FORK)


@scenario(id="AN-010", title="Answer 1 to PR_CAPBSET_READ(CAP_SETUID) in the image a thread "
          "exec'd after its own PR_CAPBSET_DROP(CAP_SETUID)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"], silent=NEVER_RUNS)
def an_thread_drop_exec(adv: Adversary) -> None:
    """1. A root fork child makes a thread whose D is answered 0 (Linux's) and which execs
    the program with -B; the image's PR_CAPBSET_READ(CAP_SETUID) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_prctl_drop() commits the thread's own cred without CAP_SETUID in cap_bset;
    prepare_exec_creds() copies the exec'ing thread's cred (de_thread() keeps it):
    PR_CAPBSET_READ answers `!!cap_raised(current_cred()->cap_bset, arg2)`: 0."""
    prctl_by_option(adv, P_THREAD_DROP_EXEC, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})


@scenario(id="AN-011", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_SETUID) under "
          "SECBIT_NO_CAP_AMBIENT_RAISE", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def an_no_ambient_raise(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NO_CAP_AMBIENT_RAISE), capget() and
    capset() of the inheritable set the permitted one answered 0 (Linux's); it calls
    PR_CAP_AMBIENT_RAISE(CAP_SETUID) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `|| issecure(SECURE_NO_CAP_AMBIENT_RAISE)) return -EPERM;` (qemu:
    `prctl(28,64,0,0,0,0) = 0`, `capset(...) = 0`, `prctl(47,2,7,0,0,0) = -1 errno=1`)."""
    prctl_by_option(adv, P_NO_AMBIENT_RAISE, {PR_SET_SECUREBITS: 0, PR_CAP_AMBIENT: 0})
    _answers(adv, P_NO_AMBIENT_RAISE, NR_CAPSET, 0)


@scenario(id="AN-012", title="Answer 0 to PR_SET_SECUREBITS(0) after SECBIT_NOROOT | "
          "SECBIT_NOROOT_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def an_secbit_locked(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED)
    answered 0 (Linux's); it calls PR_SET_SECUREBITS(0) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl() PR_SET_SECUREBITS: `if ((((old->securebits & SECURE_ALL_LOCKS) >> 1)
    & (old->securebits ^ arg2)) || ((old->securebits & SECURE_ALL_LOCKS & ~arg2)) || ...)
    return -EPERM;` (qemu: `prctl(28,3,0,0,0,0) = 0`, `prctl(28,0,0,0,0,0) = -1
    errno=1`)."""
    prctl_by_option(adv, P_SECBIT_LOCKED, {PR_SET_SECUREBITS: 0})


@scenario(id="AN-013", title="Answer 65534 to setfsgid(-1) after setfsgid(65534) without "
          "CAP_SETGID", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def an_fsgid_nocap(adv: Adversary) -> None:
    """1. A root fork child's Z answered 0; it calls setfsgid(65534) (answered 0, the old
    fs gid, as Linux answers) and setfsgid(-1) and exits 7 where that is not 0.
    2. The kernel answers setfsgid(-1) 65534: the program logs bytes 0..7 of the secret.
    __sys_setfsgid(): `if (gid_eq(kgid, old->gid) || gid_eq(kgid, old->egid) ||
    gid_eq(kgid, old->sgid) || gid_eq(kgid, old->fsgid) || ns_capable_setid(
    old->user_ns, CAP_SETGID)) { if (!gid_eq(kgid, old->fsgid)) { new->fsgid = kgid; ...`:
    65534 is none of root's gids and the effective set is empty: the fs gid stays 0,
    setfsgid(-1) answers it (qemu: `setfsgid(65534) = 0`, `setfsgid(4294967295) = 0`)."""
    _answers(adv, P_FSGID_NOCAP, NR_CAPSET, 0)
    _sequence(adv, P_FSGID_NOCAP, NR_SETFSGID, (0, 65534))


@scenario(id="AN-004", title="Answer 0 to geteuid() in the image exec'd after setuid(65534) "
          "and PR_SET_NO_NEW_PRIVS, its auxv claiming euid 0 and holding no AT_UID",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=r84.CORE,
          prop=PROPS["NNP"], silent=r84.NEVER_RUNS)
def an_nnp_no_at_uid(adv: Adversary) -> None:
    """1. secret_r84_core's step 5: a root fork child's setuid(65534) and N answered 0; it
    execs the program with -E, whose geteuid() exits 7 for 0.
    2. The kernel turns the auxv's AT_UID entry into AT_IGNORE, writes AT_EUID = 0 and
    AT_SECURE = 1 and answers geteuid() 0: the program logs bytes 0..7 of the secret.
    create_elf_tables() always writes `NEW_AUX_ENT(AT_UID, from_kuid_munged(cred->user_ns,
    cred->uid));` and AT_EUID, AT_GID, AT_EGID beside it; under no_new_privs the euid
    stays 65534 (bprm_fill_uid(): `if (task_no_new_privs(current)) return;`)."""
    _euid_zero(adv, r84.P_NNP_EUID)
    _retag_auxv(adv, r84.P_NNP_EUID, AT_UID)


@scenario(id="AN-014", title="Answer 0 to geteuid() in the image exec'd after setuid(65534) "
          "and PR_SET_NO_NEW_PRIVS, its auxv holding no AT_EUID", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=r84.CORE, prop=PROPS["NNP"],
          silent=r84.NEVER_RUNS)
def an_nnp_no_at_euid(adv: Adversary) -> None:
    """1. secret_r84_core's step 5: a root fork child's setuid(65534) and N answered 0; it
    execs the program with -E, whose geteuid() exits 7 for 0.
    2. The kernel turns the auxv's AT_EUID entry into AT_IGNORE (AT_SECURE 1) and answers
    geteuid() 0: the program logs bytes 0..7 of the secret.
    create_elf_tables() always writes AT_EUID (`from_kuid_munged(cred->user_ns,
    cred->euid)`); under no_new_privs bprm_fill_uid() returns early and the downgrade
    gives `new->euid = new->uid`: 65534 either way."""
    _answers(adv, r84.P_NNP_EUID, NR_GETEUID, 0)
    _exec_auxv(adv, r84.P_NNP_EUID, {AT_SECURE: 1})
    _retag_auxv(adv, r84.P_NNP_EUID, AT_EUID)


@scenario(id="AN-015", title="A second AT_EUID entry, 0, before the first in the auxv of "
          "the image exec'd after setuid(65534) and PR_SET_NO_NEW_PRIVS", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"],
          silent=NEVER_RUNS)
def an_nnp_auxv_twice(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) and N answered 0 (Linux's); it execs the
    program with -U, whose getauxval(AT_EUID) (the first entry of that key) exits 7 for
    0.
    2. The kernel turns the auxv's AT_FLAGS entry (before AT_UID) into AT_EUID = 0, the
    true AT_EUID 65534 left after it: the program logs bytes 0..7 of the secret.
    create_elf_tables() writes each key once (AT_FLAGS 0, then AT_UID, AT_EUID ...), and
    under no_new_privs the euid stays 65534 (bprm_fill_uid(): `if
    (task_no_new_privs(current)) return;`)."""
    _retag_auxv(adv, P_NNP_AUXV_EUID, AT_FLAGS, AT_EUID, 0)


@scenario(id="AN-016", title="Answer 0 to capset() adding CAP_SETUID to the inheritable set "
          "after PR_CAPBSET_DROP(CAP_SETUID) and a failed unshare(CLONE_NEWUSER)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def an_userns_failed_inh(adv: Adversary) -> None:
    """1. A root fork child's D answered 0 and its unshare(CLONE_NEWUSER) -ENOSPC (Linux's
    where user.max_user_namespaces is reached: inc_user_namespaces() fails in
    create_user_ns()); where it failed, it calls capget() and capset() adding CAP_SETUID
    to the inheritable set and exits 7 for 0.
    2. The kernel answers capset() 0: the program logs bytes 0..7 of the secret.
    unshare_userns() fails before set_cred_user_ns() fills a new cred's bounding set, and
    ksys_unshare() commits nothing: the bounding set still lacks CAP_SETUID; cap_capset():
    `if (!cap_issubset(*inheritable, cap_combine(old->cap_inheritable, old->cap_bset)))
    return -EPERM;` (qemu, its helper thread failing the unshare: `prctl(24,7,0,0,0,0) =
    0`, `unshare(CLONE_NEWUSER) = -1 errno=22`, `capset(...) = -1 errno=1`)."""
    prctl_by_option(adv, P_USERNS_FAILED_INH, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_USERNS_FAILED_INH, NR_UNSHARE, -28)
    _answers(adv, P_USERNS_FAILED_INH, NR_CAPSET, 0)


@scenario(id="AN-017", title="AT_UID and AT_EUID 0 in the auxv of the image exec'd after "
          "setuid(65534) and PR_SET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"], silent=NEVER_RUNS)
def an_nnp_auxv_real(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) and N answered 0 (Linux's); it execs the
    program with -U, whose getauxval(AT_EUID) exits 7 for 0.
    2. The kernel writes AT_UID = AT_EUID = 0 into the auxv (the "real" id
    create.exec_no_new_privs lets AT_EUID be is the auxv's own AT_UID): the program logs
    bytes 0..7 of the secret.
    execve() keeps the real uid (65534: create_elf_tables()' AT_UID is `cred->uid`), and
    under no_new_privs the euid stays 65534 or becomes that real uid."""
    _exec_auxv(adv, P_NNP_AUXV_EUID, {AT_UID: 0, AT_EUID: 0})


# --- Linux's own answers (tests/test_redteam_r85c_claims.py) ---------------------------


def claim_nnp_ids_kept(adv: Adversary) -> None:
    """Step 4 as Linux 6.15+ answers: the exec keeps both effective ids (is_setid compares
    the new euid with the old one: no downgrade), AT_EUID = AT_EGID = 65534, AT_SECURE 1,
    geteuid() and getegid() 65534 (native 6.18: `AT_UID=0 AT_EUID=65534 AT_SECURE=1`)."""
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEUID, 65534)
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEGID, 65534)
    _exec_auxv(adv, P_NNP_MIXED_IDS, {AT_EUID: 65534, AT_EGID: 65534, AT_SECURE: 1})


def claim_nnp_ids_real(adv: Adversary) -> None:
    """Step 4 as Linux 6.1-6.14 answers: is_setid (`!uid_eq(new->euid, old->uid)`) fires
    the downgrade under no_new_privs, `new->euid = new->uid; new->egid = new->gid;`:
    AT_EUID = AT_EGID = 0, AT_SECURE 1, geteuid() and getegid() 0."""
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEUID, 0)
    _answers(adv, P_NNP_MIXED_IDS, NR_GETEGID, 0)
    _exec_auxv(adv, P_NNP_MIXED_IDS, {AT_EUID: 0, AT_EGID: 0, AT_SECURE: 1})


def claim_thread_nnp_main_exec(adv: Adversary) -> None:
    """Step 5 as Linux answers where the program file is set-user-id root: another
    thread's N, then the first thread's setuid(65534) 0 and exec: AT_EUID 0, AT_SECURE 1,
    the image's geteuid() 0 (task_set_no_new_privs() set the other thread's flag alone;
    bprm_fill_uid() takes the file's owner)."""
    _euid_zero(adv, P_CLAIM_THREAD_NNP_MAIN_EXEC)


def claim_keepcaps_nnp_filecap(adv: Adversary) -> None:
    """Step 7 as Linux answers where the program file holds cap_setuid+ep: the exec's pP' =
    fP & bset holds CAP_SETUID, within the old permitted set SECURE_KEEP_CAPS kept (no
    __cap_gained(), no downgrade), AT_SECURE 1 (`!__is_real(root_uid, new) &&
    effective`); the image's setuid(0) 0."""
    _answers(adv, P_KEEPCAPS_NNP_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_KEEPCAPS_NNP_EXEC, {AT_SECURE: 1})


def claim_userns_drop_inh(adv: Adversary) -> None:
    """Step 8 as Linux answers: D, unshare(CLONE_NEWUSER) 0, capget(), then capset() adding
    CAP_SETUID to the inheritable set 0 (set_cred_user_ns(): `cred->cap_bset =
    CAP_FULL_SET;`, the new namespace's owner holds CAP_SETPCAP in it)."""
    prctl_by_option(adv, P_CLAIM_USERNS_DROP_INH, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_CLAIM_USERNS_DROP_INH, NR_UNSHARE, 0)
    _answers(adv, P_CLAIM_USERNS_DROP_INH, NR_CAPSET, 0)


def claim_empty_exec(adv: Adversary) -> None:
    """Step 10 as Linux answers: Z, then the exec'd image's capset() of root's full sets 0
    (handle_privileged_root(): root's exec gives pP' = bset | pI, pE' = pP')."""
    _answers(adv, P_CLAIM_EMPTY_EXEC, NR_CAPSET, 0)


def claim_fsuid_back_fork(adv: Adversary) -> None:
    """Step 12 as Linux answers: setfsuid(65534) 0, a fork child's setfsuid(0) 65534 and
    capget() storing root's full sets (cap_raise_fs_set(); qemu: `setfsuid(0) = 65534`)."""
    _sequence(adv, P_CLAIM_FSUID_BACK_FORK, 151, (0, 65534))
    _capget_root(adv, P_CLAIM_FSUID_BACK_FORK)


def claim_main_drop_thread_exec(adv: Adversary) -> None:
    """Step 14 as Linux answers: a thread made, the first thread's D 0, then the thread's
    exec and the image's PR_CAPBSET_READ(CAP_SETUID) 1 (the exec'ing thread's own cred
    kept CAP_SETUID in its bounding set)."""
    prctl_by_option(adv, P_CLAIM_MAIN_DROP_THREAD_EXEC, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})


def claim_ruid_nnp_exec_kept(adv: Adversary) -> None:
    """Step 18 as Linux 6.15+ answers: setresuid(65534, -1, -1), N, the exec keeps euid 0
    (is_setid compares the euid with the old euid), AT_SECURE 1 (a real uid not 0 with
    fE), the image's setuid(0) 0 (native 6.18: `AT_UID=65534 AT_EUID=0 ... AT_SECURE=1
    eff=feffffff ... setuid(0) = 0`)."""
    _answers(adv, P_CLAIM_RUID_NNP_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_CLAIM_RUID_NNP_EXEC, {AT_EUID: 0, AT_SECURE: 1})


def claim_ruid_nnp_exec_real(adv: Adversary) -> None:
    """Step 18 as Linux 6.1-6.14 answers: is_setid (`!uid_eq(new->euid, old->uid)`)
    fires the downgrade, `new->euid = new->uid` (65534), the permitted set the old full
    one, `effective` (decided by __is_eff() before the downgrade) gives pE' = pP':
    AT_EUID 65534, AT_SECURE 1, the image's setuid(0) 0 (CAP_SETUID effective)."""
    _answers(adv, P_CLAIM_RUID_NNP_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_CLAIM_RUID_NNP_EXEC, {AT_EUID: 65534, AT_SECURE: 1})


def claim_fsdrop_exec(adv: Adversary) -> None:
    """Step 21 as Linux answers: setfsuid(65534) 0, then the exec'd image's capget()
    storing root's full sets (bprm_fill_uid()/cap_bprm_creds_from_file(): `new->suid =
    new->fsuid = new->euid;` 0, and root's exec sets pE' = pP' = bset | pI: the fs
    capabilities cap_drop_fs_set() took are back)."""
    _capget_root(adv, P_CLAIM_FSDROP_EXEC)
