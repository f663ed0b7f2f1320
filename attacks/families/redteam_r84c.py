"""Red-team round 84c: the capability rules of round 83c's fixes (create.exec_caps,
return.capset_inheritable, setuid_fixup's note_setxuid()/note_setfsuid(),
return.cap_needed's setgroups/unshare, return.unshare_live_thread) at their edges: a
thread and a fork child made after PR_CAPBSET_DROP, a secure exec (AT_SECURE 1) after
PR_SET_NO_NEW_PRIVS, setgroups() after a SECBIT_KEEP_CAPS setuid(), setfsuid() without
CAP_SETUID, a fork child's namespace unshare() after an empty effective set, a vfork
child's exec after PR_CAP_AMBIENT_CLEAR_ALL, setuid(0) after a failed exec and in an
image execveat() started, a secure exec after PR_CAPBSET_DROP, SECBIT_KEEP_CAPS across an
exec, an ambient raise after setuid(65534).

On the victim `secret_r84_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (E is capget() then capset() of the same sets with an empty
effective set, both answered 0; D is prctl(PR_CAPBSET_DROP, CAP_SETUID) answered 0):

- AI-001: the capset() of a CLONE_THREAD thread made after capget() and D, adding
  CAP_SETUID to the inheritable set, 0 (copy_creds() shares the cred; cap_capset(): no
  new pI bit outside the bounding set: -EPERM);
- AI-002: the same capset() by a fork child made after D, 0 (copy_creds() copies
  cap_bset: -EPERM);
- AI-003: setuid(65534) and PR_SET_NO_NEW_PRIVS, then the exec'd image's auxv AT_SECURE
  1 and its setuid(0) 0 (cap_bprm_creds_from_file(): under no_new_privs the permitted set
  stays within the old one, empty: -EPERM);
- AI-004: setuid(65534) and PR_SET_NO_NEW_PRIVS, then the exec'd image's auxv AT_EUID 0,
  AT_SECURE 1 and its geteuid() 0 (cap_bprm_creds_from_file(): `new->euid = new->uid`
  under LSM_UNSAFE_NO_NEW_PRIVS: 65534);
- AI-005: PR_SET_KEEPCAPS(1), setuid(65534), then setgroups(0, NULL) 0
  (cap_emulate_setxuid() keeps the permitted set but empties the effective one:
  may_setgroups(): -EPERM);
- AI-006: E, setfsuid(65534) 0, then setfsuid(-1) 65534 (__sys_setfsuid(): 65534 none
  of the old ids, no CAP_SETUID: the fs uid stays 0);
- AI-007: E, then a fork child's unshare(CLONE_NEWIPC) 0 (copy_creds();
  unshare_nsproxy_namespaces(): -EPERM);
- AI-008: PR_CAP_AMBIENT_CLEAR_ALL, then PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 in the
  image a vfork child exec'd (the child's cred is a copy; an exec never adds ambient
  bits: 0);
- AI-009: setuid(65534), execve() of a missing path -ENOENT, then setuid(0) 0 (a failed
  exec abort_creds() its new cred: -EPERM);
- AI-010: setuid(65534), execveat() of the program answered 0 (it returned), then
  setuid(0) 0 (a successful exec never returns; either way -EPERM);
- AI-011: capget(), D, setuid(65534), then the exec'd image's auxv AT_SECURE 1 and its
  setuid(0) 0 (bprm_caps_from_vfs_caps(): pP' = (fP & bset) | (fI & pI), and a file
  with fE and a permitted bit the bounding set lacks fails the exec -EPERM: -EPERM);
- AI-012: PR_SET_KEEPCAPS(1), then the exec'd image's setuid(65534) and capset() of
  root's full sets 0 (prepare_exec_creds() cleared SECURE_KEEP_CAPS, the setuid() the
  permitted set; cap_capset(): -EPERM);
- AI-013: a thread made, then the first thread's D and capget(); the thread's capset()
  adding CAP_SETUID to its own inheritable set answered 0 (Linux's), then the first
  thread's capset() adding CAP_SETUID to its inheritable set 0 (the thread's capset()
  committed its own cred alone: -EPERM);
- AI-014: a root setfsuid(65534), then the exec'd image's setfsuid(-1) 65534 (the exec
  sets fsuid = euid = 0);
- AI-015: D, capget(), setuid(65534), then the exec'd image's auxv AT_SECURE 1 and its
  setuid(0) 0 (AI-011 with the inheritable set read after the drop: -EPERM);
- AI-016: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS), then the exec'd image's setuid(65534) and
  capset() of root's full sets 0 (prepare_exec_creds() clears the securebit itself:
  -EPERM);
- AI-017: setuid(65534), PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0, then the exec'd image's
  setuid(0) 0 (cap_task_prctl(): no permitted bit: -EPERM; pP' = pA' empty);
- AI-018: capget(), then D, then capset() adding CAP_SETUID to the inheritable set 0
  (cap_capset(): the old inheritable set capget() read, the bounding set without it:
  -EPERM).
- honest (tests/test_redteam_r84c_claims.py): a thread made before D adding CAP_SETUID
  to its inheritable set 0; setuid(65534), the exec'd image's AT_SECURE 1 and setuid(0) 0
  (a file holding cap_setuid+ep); PR_SET_KEEPCAPS(1), setuid(65534), capset() of the
  effective set the permitted one, setgroups(0, NULL) 0 each; setfsuid(65534),
  setfsuid(0) 65534, capget() with CAP_CHOWN back (cap_raise_fs_set()); a vfork child's
  D, then the parent's capset() adding CAP_SETUID to the inheritable set 0; a thread
  made, the first thread's E, the thread's setgroups(0, NULL) 0; a second thread's exec,
  the new image's unshare(CLONE_NEWUSER) 0 (de_thread()); SECBIT_NO_SETUID_FIXUP, then
  the exec'd image's setuid(65534), setgid(65534) 0 each; E, then
  unshare(CLONE_NEWUSER | CLONE_NEWUTS) 0; SECBIT_NO_SETUID_FIXUP, setfsuid(65534),
  capget() with CAP_CHOWN kept; a thread's setfsuid(65534), then the first thread's
  capget() with CAP_CHOWN; PR_SET_KEEPCAPS(1), setuid(65534), capset() of the
  inheritable and effective sets the permitted one, PR_CAP_AMBIENT_RAISE(CAP_SETUID),
  then the exec'd image's setuid(0) 0 (pP' = pA').  False refusals: none found (all
  twelve claims pass with the Guardian on).

Linux's answers under qemu-aarch64-static -strace (host kernel 6.18, root; the victim
run untouched, each step in a fork child): AI-001 `prctl(24,7,0,0,0,0) = 0`, the
thread's `capset(...) = -1 errno=1`; claim_thread_before_drop `prctl(24,7,0,0,0,0) =
0`, the thread's `capset(...) = 0`; AI-002 the grandchild's `capset(...) = -1 errno=1`;
AI-005 `prctl(8,1,0,0,0,0) = 0`, `setuid(65534,0,0,0,0,0) = 0`,
`setgroups(0,0,0,0,0,0) = -1 errno=1`; claim_keepcaps_raise `capset(...) = 0`,
`setgroups(0,0,0,0,0,0) = 0`; AI-006 `setfsuid(65534) = 0`, `setfsuid(4294967295) =
0`; claim_fsuid_back `setfsuid(65534) = 0`, `setfsuid(0) = 65534`; AI-007 the
grandchild's `unshare(CLONE_NEWIPC) = -1 errno=1`; AI-009 `execve("/nonexistent/r84",
...) = -1 errno=2`, `setuid(0,0,0,0,0,0) = -1 errno=1`; AI-010 `execveat(-100,...) = -1
errno=38` (qemu has none), then `setuid(0,...) = -1 errno=1`; claim_vfork_drop the
child's `prctl(24,7,0,0,0,0) = 0`, the parent's `capset(...) = 0`;
claim_thread_setgroups `capset(...) = 0`, the thread's `setgroups(0,0,0,0,0,0) = 0`;
AI-013 `prctl(24,7,0,0,0,0) = 0`, the thread's `capset(...) = 0`, the first thread's
`capset(...) = -1 errno=1`.  qemu-user's execve() of the aarch64 image answers ENOEXEC (no binfmt_misc
on the host) and its helper thread makes unshare(CLONE_NEWUSER) -EINVAL, so native
x86-64 probes (/tmp, host kernel 6.18.44, root, the same security/commoncap.c and
fs/exec.c) printed: AI-003 (a copy holding `cap_setuid=ep`, setcap): without
no_new_privs `AT_SECURE=1 ... setuid(0) = 0` (claim_filecap_exec), after
`PR_SET_NO_NEW_PRIVS = 0` `AT_UID=65534 AT_EUID=65534 AT_SECURE=1 ... setuid(0) = -1`;
AI-011 `PR_CAPBSET_DROP(CAP_SETUID) = 0`, `setuid(65534) = 0`, the exec of the
cap_setuid=ep copy `exec: Operation not permitted`; AI-004 (a set-user-id root copy):
without no_new_privs `AT_UID=65534 AT_EUID=0 AT_SECURE=1 geteuid()=0`, after
`PR_SET_NO_NEW_PRIVS = 0` `AT_UID=65534 AT_EUID=65534 AT_SECURE=0 geteuid()=65534`;
AI-012 `PR_SET_KEEPCAPS(1) = 0`, `image setuid(65534) = 0`, `image capset(full) = -1`;
AI-014 `setfsuid(65534) = 0`, `image setfsuid(-1) = 0`; claim_no_fixup_exec
`PR_SET_SECUREBITS(NO_SETUID_FIXUP) = 0`, `image setuid(65534) = 0`, `image
setgid(65534) = 0`; AI-013 (the thread's capset() before the drop) `thread capset(+CAP_SETUID inh) = 0`, `PR_CAPBSET_DROP = 0`,
`capset(+CAP_SETUID inh) = -1`; claim_userns_uts `capset(E) = 0`,
`unshare(CLONE_NEWUSER|CLONE_NEWUTS) = 0`; AI-016 `PR_SET_SECUREBITS(SECBIT_KEEP_CAPS)
= 0`, `image setuid(65534) = 0`, `image capset(full) = -1`; claim_no_fixup_fsuid
`PR_SET_SECUREBITS(NO_SETUID_FIXUP) = 0`, `setfsuid(65534) = 0`, `capget effective
CAP_CHOWN = 1`; claim_thread_fsuid `thread setfsuid(65534) = 0`, `capget effective
CAP_CHOWN = 1`; AI-017 `setuid(65534) = 0`, `PR_CAP_AMBIENT_RAISE(CAP_SETUID) = -1`,
`image setuid(0) = -1`; claim_ambient_keepcaps_exec `PR_SET_KEEPCAPS(1) = 0`,
`setuid(65534) = 0`, `capset(inh = eff = perm) = 0`, `PR_CAP_AMBIENT_RAISE(CAP_SETUID) =
0`, `image setuid(0) = 0`; a ruid 0 program's setresuid(-1, 65534, -1)
then exec (with or without no_new_privs): `AT_UID=0 AT_EUID=65534 AT_SECURE=1` (no
scenario: Linux keeps the euid).

Through with the Guardian on when written (gaps, 4); refused since:
- AI-003 (setuid(0) in the image exec'd under no_new_privs, AT_SECURE 1): refused since
  create.exec_no_new_privs (guardian/exec_no_new_privs.py): under known no_new_privs (the
  thread's PR_SET_NO_NEW_PRIVS answered 0, or --launch-no-new-privs) create.exec_caps
  carries pP' and pE' within the old known permitted set whatever AT_SECURE says
  (cap_bprm_creds_from_file()'s downgrade `cap_intersect(new->cap_permitted,
  old->cap_permitted)`): here empty after cap_emulate_setxuid(), so return.cap_needed
  refuses the setuid(0).
- AI-004 (AT_EUID 0 in the image exec'd under no_new_privs): refused since
  create.exec_no_new_privs: AT_EUID must be the old euid or the real uid (bprm_fill_uid()
  ignores set-id bits under no_new_privs; the downgrade's `new->euid = new->uid`), and
  AT_EGID the old egid or the real gid.
- AI-011 (setuid(0) in the secure image exec'd after D, the inheritable set read by a
  capget() before the drop): refused since capset_sets notes the inheritable set from any
  quiet capget() of the thread's own (not only after a known PR_CAPBSET_DROP) and keeps
  it through the drop: create.exec_caps bounds the new sets by bset | inheritable, and
  return.cap_needed refuses the setuid(0).
- AI-018 (capset() adding an inheritable bit after capget() then D): refused since by
  return.capset_inheritable, with the old inheritable set the capget() before the drop
  reported (the same capset_sets change).
Refused when written (14): AI-001, AI-002, AI-013 (return.capset_inheritable: the facts a thread and
a fork child inherit, and a thread's capset() touching its own facts alone), AI-005
(return.cap_needed: may_setgroups() after note_setxuid()), AI-006, AI-014
(return.credentials: the known fs uid), AI-007 (return.cap_needed: a namespace unshare()
without CAP_SYS_ADMIN), AI-008 (return.ambient_cleared on what a vfork child inherits and
create.exec_caps carries), AI-009 (return.cap_needed: a failed exec kept the facts),
AI-010 (an exec answered 0 to the image it replaces), AI-012, AI-016 (capset_sets: the
permitted set after the exec'd image's setuid()), AI-015 (return.cap_needed on
create.exec_caps' bset | inheritable bound), AI-017 (the ambient raise against the known
permitted set).

Not done (the round's time; 17:38 UTC): --launch-securebits / --launch-no-new-privs runs of the
same steps, setgroups() of a list beside another thread, execveat() with AT_EMPTY_PATH of
an O_PATH descriptor, PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) (not PR_SET_KEEPCAPS) across
an exec, the leader zombie counted by unshare_live_thread after a thread made by a
thread.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import AT_EUID, AT_SECURE, _answers, _exec_auxv
from attacks.families.redteam_r83c import ROOT_SETS, _ambient_is_set
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r84c"
CORE = "secret_r84_core"
# secret_r84_core: the marker before each step; the marker after its write is + 1.
(P_THREAD_BSET, P_CLAIM_THREAD_BEFORE_DROP, P_FORK_BSET, P_NNP_SECURE,
 P_CLAIM_FILECAP_EXEC, P_NNP_EUID, P_KEEPCAPS_SETGROUPS, P_CLAIM_KEEPCAPS_RAISE,
 P_FSUID_NOCAP, P_CLAIM_FSUID_BACK, P_FORK_NEWIPC, P_VFORK_AMBIENT_EXEC, P_FAILED_EXEC,
 P_EXECVEAT, P_CLAIM_VFORK_DROP, P_BSET_SECURE_EXEC, P_CLAIM_THREAD_SETGROUPS,
 P_CLAIM_THREAD_EXEC_USERNS, P_KEEPCAPS_EXEC_CAPSET, P_OTHER_THREAD_INH, P_FSUID_EXEC,
 P_CLAIM_NO_FIXUP_EXEC, P_CLAIM_USERNS_UTS, P_BSET_READ_SECURE_EXEC, P_SECBIT_KEEPCAPS_EXEC,
 P_CLAIM_NO_FIXUP_FSUID, P_CLAIM_THREAD_FSUID, P_AMBIENT_RAISE_EXEC,
 P_CLAIM_AMBIENT_KEEPCAPS_EXEC, P_CAPGET_BEFORE_DROP) = range(14600, 14660, 2)
#: the steps an untouched run takes
PHASES = tuple(range(14600, 14660, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
NR_CAPGET, NR_CAPSET, NR_SETUID, NR_SETGROUPS, NR_UNSHARE, NR_SETFSUID = \
    90, 91, 146, 159, 97, 151
NR_GETEUID, NR_EXECVEAT, NR_SETGID = 175, 281, 144
PR_CAPBSET_DROP, PR_SET_KEEPCAPS, PR_SET_SECUREBITS = 24, 8, 28
NEVER_RUNS = ("where the kernel may not read execve()'s path and argv (--mode mprotect: "
              "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
              "nothing after it to answer")
PROPS = {
    "BSET": ("The bounding set is each thread's own cred's: a thread or a fork child made "
             "after PR_CAPBSET_DROP lacks the capability, one made before keeps it; capset() "
             "adds no inheritable bit outside the old inheritable set | the bounding set "
             "(cap_capset()); an exec's permitted set is within the bounding set | the "
             "inheritable set whatever the file (bprm_caps_from_vfs_caps())."),
    "EXEC": ("An exec under no_new_privs never gains a capability or an effective uid "
             "(cap_bprm_creds_from_file(): the permitted set stays within the old one, euid "
             "= uid), AT_SECURE or not; a failed exec changes no cred; execveat() is an "
             "execve(); a vfork child's exec starts from the child's own cred."),
    "CAPS": ("A call that needs a capability fails where the caller's own effective set "
             "lacks it: a SECBIT_KEEP_CAPS setuid() from root keeps the permitted set but "
             "empties the effective one (cap_emulate_setxuid()); setfsuid() moves the fs "
             "uid only to an old id or with CAP_SETUID (__sys_setfsuid()); a fork child "
             "starts with its parent's sets (copy_creds())."),
}


def _setfsuid_answers(adv: Adversary, phase: int, values: tuple[int, ...]) -> None:
    """Answer the setfsuid() calls after `phase`, in turn, `values`."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETFSUID, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("fsuid", phase), 0)
        a.memo[("fsuid", phase)] = n + 1
        if n < len(values):
            a.set_reg("x0", values[n])


@scenario(id="AI-001", title="Answer 0 to the capset() of a thread made after "
          "PR_CAPBSET_DROP(CAP_SETUID) adding CAP_SETUID to the inheritable set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["BSET"])
def ai_thread_bset(adv: Adversary) -> None:
    """1. A root fork child's capget() and D answered as Linux answers (0); it makes a
    CLONE_THREAD thread whose capget() and capset() of the same sets with CAP_SETUID added
    to the inheritable set make the child exit 7 for 0.
    2. The kernel answers the thread's capset() 0: the program logs bytes 0..7 of the
    secret.
    copy_creds(): a CLONE_THREAD child shares its creator's cred (`p->real_cred =
    get_cred(p->cred)`), the bounding set without CAP_SETUID; cap_capset(): `if
    (!cap_issubset(*inheritable, cap_combine(old->cap_inheritable, old->cap_bset)))
    return -EPERM;` (qemu: `prctl(24,7,0,0,0,0) = 0`, the thread's `capset(...) = -1
    errno=1`)."""
    prctl_by_option(adv, P_THREAD_BSET, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_THREAD_BSET, NR_CAPSET, 0)


@scenario(id="AI-002", title="Answer 0 to the capset() of a fork child made after "
          "PR_CAPBSET_DROP(CAP_SETUID) adding CAP_SETUID to the inheritable set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["BSET"])
def ai_fork_bset(adv: Adversary) -> None:
    """1. A root fork child's D answered 0; its own fork child's capget() and capset()
    adding CAP_SETUID to the inheritable set make it exit 7 for 0, the step's child then
    7 for that status.
    2. The kernel answers capset() 0: the program logs bytes 0..7 of the secret.
    copy_creds() -> prepare_creds(): the child's cred copies `cap_bset`; cap_capset(): no
    new pI capabilities outside the bounding set: -EPERM (qemu: `prctl(24,7,0,0,0,0) =
    0`, the grandchild's `capset(...) = -1 errno=1`)."""
    prctl_by_option(adv, P_FORK_BSET, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_FORK_BSET, NR_CAPSET, 0)


@scenario(id="AI-003", title="Answer 0 to setuid(0) in the image exec'd after "
          "setuid(65534) and PR_SET_NO_NEW_PRIVS, its auxv claiming a secure exec",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["EXEC"], silent=NEVER_RUNS)
def ai_nnp_secure(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) and prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0
    (Linux's); it execs the program with -R, whose setuid(0) exits 7 for 0.
    2. The kernel writes AT_SECURE = 1 into the new image's auxv (as for a file holding
    cap_setuid+ep) and answers setuid(0) 0: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `if ((is_setid || __cap_gained(permitted, new, old)) &&
    ((bprm->unsafe & ~LSM_UNSAFE_PTRACE) || !ptracer_capable(current, new->user_ns))) {
    ... new->cap_permitted = cap_intersect(new->cap_permitted, old->cap_permitted); }`
    (bprm->unsafe holds LSM_UNSAFE_NO_NEW_PRIVS): the permitted set stays within the old
    one, empty after the setuid(65534) (cap_emulate_setxuid()); __sys_setuid(): 0 is none
    of the uids: -EPERM, whatever AT_SECURE says."""
    _answers(adv, P_NNP_SECURE, NR_SETUID, 0)
    _exec_auxv(adv, P_NNP_SECURE, {AT_SECURE: 1})


@scenario(id="AI-004", title="Answer 0 to geteuid() in the image exec'd after "
          "setuid(65534) and PR_SET_NO_NEW_PRIVS, its auxv claiming euid 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["EXEC"], silent=NEVER_RUNS)
def ai_nnp_euid(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) and prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0;
    it execs the program with -E, whose geteuid() exits 7 for 0.
    2. The kernel writes AT_EUID = 0 and AT_SECURE = 1 into the new image's auxv (as for a
    set-user-id root file) and answers geteuid() 0: the program logs bytes 0..7 of the
    secret.
    cap_bprm_creds_from_file(): under no_new_privs `if (!ns_capable(new->user_ns,
    CAP_SETUID) || (bprm->unsafe & LSM_UNSAFE_NO_NEW_PRIVS)) { new->euid = new->uid;
    new->egid = new->gid; }` (and bprm_fill_uid() of 6.8+: `if (task_no_new_privs(
    current)) return;` before it takes the file's owner): the euid stays 65534."""
    _answers(adv, P_NNP_EUID, NR_GETEUID, 0)
    _exec_auxv(adv, P_NNP_EUID, {AT_EUID: 0, AT_SECURE: 1})


@scenario(id="AI-005", title="Answer 0 to setgroups(0, NULL) after a SECBIT_KEEP_CAPS "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ai_keepcaps_setgroups(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_KEEPCAPS, 1) and setuid(65534) answered 0
    (Linux's); it calls setgroups(0, NULL) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_emulate_setxuid(): SECURE_KEEP_CAPS keeps the permitted set, but `if
    (uid_eq(old->euid, root_uid) && !uid_eq(new->euid, root_uid))
    cap_clear(new->cap_effective);`; may_setgroups(): no CAP_SETGID effective: -EPERM
    (qemu: `prctl(8,1,0,0,0,0) = 0`, `setuid(65534,0,0,0,0,0) = 0`,
    `setgroups(0,0,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_KEEPCAPS_SETGROUPS, NR_SETGROUPS, 0)


@scenario(id="AI-006", title="Answer 65534 to setfsuid(-1) after setfsuid(65534) "
          "without CAP_SETUID", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def ai_fsuid_nocap(adv: Adversary) -> None:
    """1. A root fork child's E answered 0; it calls setfsuid(65534) (answered 0, the old
    fs uid, as Linux answers) and setfsuid(-1) and exits 7 where that is not 0.
    2. The kernel answers setfsuid(-1) 65534: the program logs bytes 0..7 of the secret.
    __sys_setfsuid(): `if (uid_eq(kuid, old->uid) || uid_eq(kuid, old->euid) ||
    uid_eq(kuid, old->suid) || uid_eq(kuid, old->fsuid) || ns_capable_setid(
    old->user_ns, CAP_SETUID)) { if (!uid_eq(kuid, old->fsuid)) { new->fsuid = kuid; ...`:
    65534 is none of root's ids and CAP_SETUID left the effective set: the fs uid stays 0,
    setfsuid(-1) answers it (qemu: `setfsuid(65534) = 0`, `setfsuid(4294967295) = 0`)."""
    _answers(adv, P_FSUID_NOCAP, NR_CAPSET, 0)
    _setfsuid_answers(adv, P_FSUID_NOCAP, (0, 65534))


@scenario(id="AI-007", title="Answer 0 to a fork child's unshare(CLONE_NEWIPC) after "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def ai_fork_newipc(adv: Adversary) -> None:
    """1. A root fork child's E answered 0; its own fork child calls
    unshare(CLONE_NEWIPC) and exits 7 for 0, the step's child then 7.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds(): the fork child's cred is a copy, the effective set empty;
    unshare_nsproxy_namespaces(): `if ((unshare_flags & CLONE_NEWUSER) == 0 &&
    !ns_capable(current_user_ns(), CAP_SYS_ADMIN)) return -EPERM;` (qemu: the
    grandchild's `unshare(CLONE_NEWIPC) = -1 errno=1`)."""
    _answers(adv, P_FORK_NEWIPC, NR_CAPSET, 0)
    _answers(adv, P_FORK_NEWIPC, NR_UNSHARE, 0)


@scenario(id="AI-008", title="Answer 1 to PR_CAP_AMBIENT_IS_SET in the image a vfork "
          "child exec'd after PR_CAP_AMBIENT_CLEAR_ALL", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"], silent=NEVER_RUNS)
def ai_vfork_ambient_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) answered 0;
    its vfork child execs the program with -A, whose PR_CAP_AMBIENT_IS_SET(CAP_SETUID)
    exits 7 for 1, the step's child then 7.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    copy_creds(): the vfork child's cred copies the empty ambient set;
    cap_bprm_creds_from_file() keeps or clears it, never adds; cap_task_prctl()
    PR_CAP_AMBIENT_IS_SET: `return !!cap_raised(current_cred()->cap_ambient, arg3);`: 0."""
    _ambient_is_set(adv, P_VFORK_AMBIENT_EXEC, 1)


@scenario(id="AI-009", title="Answer 0 to setuid(0) after setuid(65534) and a failed "
          "execve()", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["EXEC"])
def ai_failed_exec(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0; its execve() of
    "/nonexistent/r84" answered -ENOENT (Linux's); it calls setuid(0) and exits 7 for 0.
    2. The kernel answers setuid(0) 0: the program logs bytes 0..7 of the secret.
    do_execveat_common() fails before begin_new_exec(): free_bprm() -> abort_creds() of
    the prepared cred, the old one stays (every uid 65534, the sets empty);
    __sys_setuid(): -EPERM (qemu: `execve("/nonexistent/r84",...) = -1 errno=2`,
    `setuid(0,0,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_FAILED_EXEC, NR_SETUID, 0)


@scenario(id="AI-010", title="Answer 0 to execveat() of the program and then to setuid(0) "
          "after setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["EXEC"])
def ai_execveat(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0; it calls execveat(AT_FDCWD, the
    program, {program, "-R"}, {}, 0); where that returns it calls setuid(0) and exits 7
    for 0.
    2. The kernel answers execveat() 0 (the caller goes on, no new image) and setuid(0)
    0: the program logs bytes 0..7 of the secret.
    sys_execveat() -> do_execveat_common(): a successful exec never returns to the old
    image (begin_new_exec() past the point of no return; a failure is an error and
    abort_creds() keeps the old cred: every uid 65534, the sets empty); __sys_setuid():
    -EPERM either way (qemu, which has no execveat(): `execveat(-100,...) = -1 errno=38`,
    then the program's setuid(0) -1 errno=1)."""
    _answers(adv, P_EXECVEAT, NR_EXECVEAT, 0)
    _answers(adv, P_EXECVEAT, NR_SETUID, 0)


@scenario(id="AI-011", title="Answer 0 to setuid(0) in the image exec'd after "
          "PR_CAPBSET_DROP(CAP_SETUID) and setuid(65534), its auxv claiming a secure exec",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["BSET"], silent=NEVER_RUNS)
def ai_bset_secure_exec(adv: Adversary) -> None:
    """1. A root fork child's capget() (inheritable set empty), D and setuid(65534)
    answered 0; it execs the program with -R, whose setuid(0) exits 7 for 0.
    2. The kernel writes AT_SECURE = 1 into the new image's auxv (as for a file holding
    cap_setuid+ep) and answers setuid(0) 0: the program logs bytes 0..7 of the secret.
    bprm_caps_from_vfs_caps(): `new->cap_permitted.val = (caps->permitted.val &
    new->cap_bset.val) | (caps->inheritable.val & new->cap_inheritable.val);`: neither
    the bounding set nor the inheritable set holds CAP_SETUID, the ambient set empty;
    __sys_setuid(): -EPERM."""
    prctl_by_option(adv, P_BSET_SECURE_EXEC, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_BSET_SECURE_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_BSET_SECURE_EXEC, {AT_SECURE: 1})


@scenario(id="AI-012", title="Answer 0 to capset() of root's sets after setuid(65534) in "
          "the image exec'd after PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"], silent=NEVER_RUNS)
def ai_keepcaps_exec_capset(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0; it execs the program
    with -K, whose setuid(65534) (answered 0, Linux's) and capset() of root's full
    permitted and effective sets exit 7 for 0.
    2. The kernel answers capset() 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`; the new
    image's setuid(65534) -> cap_emulate_setxuid(): `if (... !issecure(SECURE_KEEP_CAPS))
    { cap_clear(new->cap_permitted); cap_clear(new->cap_effective); }`; cap_capset(): `/*
    verify the _new_Permitted_ is a subset of the _old_Permitted_ */ if
    (!cap_issubset(*permitted, old->cap_permitted)) return -EPERM;`."""
    prctl_by_option(adv, P_KEEPCAPS_EXEC_CAPSET, {PR_SET_KEEPCAPS: 0})
    _answers(adv, P_KEEPCAPS_EXEC_CAPSET, NR_SETUID, 0)
    _answers(adv, P_KEEPCAPS_EXEC_CAPSET, NR_CAPSET, 0)


@scenario(id="AI-013", title="Answer 0 to capset() adding CAP_SETUID to the inheritable set "
          "after PR_CAPBSET_DROP, another thread having added it to its own", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["BSET"])
def ai_other_thread_inh(adv: Adversary) -> None:
    """1. A root fork child makes a thread, then its D and capget() are answered as Linux
    answers (0, the inheritable set empty); the thread's capget() and capset() adding
    CAP_SETUID to its inheritable set are answered 0 (Linux's: the thread's own bounding
    set holds it); then the first thread's capset() adding CAP_SETUID to its own
    inheritable set, and it exits 7 for 0.
    2. The kernel answers the last capset() 0: the program logs bytes 0..7 of the secret.
    cap_prctl_drop() and sys_capset() -> commit_creds() each change the calling thread's
    cred alone (the thread made before D kept a cred with CAP_SETUID in its bounding set);
    cap_capset(): the first thread's old inheritable set is empty, its bounding set lacks
    CAP_SETUID: -EPERM (qemu: the thread's `capset(...) = 0`, the first thread's
    `capset(...) = -1 errno=1`)."""
    prctl_by_option(adv, P_OTHER_THREAD_INH, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_OTHER_THREAD_INH, NR_CAPSET, 0)


@scenario(id="AI-014", title="Answer 65534 to setfsuid(-1) in the image exec'd after a root "
          "setfsuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"], silent=NEVER_RUNS)
def ai_fsuid_exec(adv: Adversary) -> None:
    """1. A root fork child's setfsuid(65534) answered 0 (Linux's: the old fs uid); it
    execs the program with -Z, whose setfsuid(-1) exits 7 where it is not 0.
    2. The kernel answers setfsuid(-1) 65534: the program logs bytes 0..7 of the secret.
    bprm_fill_uid() / cap_bprm_creds_from_file(): `new->suid = new->fsuid = new->euid;`:
    the exec sets the fs uid to the effective uid, 0; __sys_setfsuid() answers it."""
    _setfsuid_answers(adv, P_FSUID_EXEC, (0, 65534))


@scenario(id="AI-015", title="Answer 0 to setuid(0) in the image exec'd after "
          "PR_CAPBSET_DROP(CAP_SETUID), capget() and setuid(65534), its auxv claiming a "
          "secure exec", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["BSET"], silent=NEVER_RUNS)
def ai_bset_read_secure_exec(adv: Adversary) -> None:
    """1. A root fork child's D, capget() (the inheritable set empty, read after the drop)
    and setuid(65534) answered as Linux answers; it execs the program with -R, whose
    setuid(0) exits 7 for 0.
    2. The kernel writes AT_SECURE = 1 into the new image's auxv and answers setuid(0) 0:
    the program logs bytes 0..7 of the secret.
    bprm_caps_from_vfs_caps(): pP' = (fP & bset) | (fI & pI), neither holding
    CAP_SETUID (a file whose fE asks a permitted bit the bounding set lacks fails the exec:
    `if (caps->permitted.val & ~new->cap_permitted.val) ret = -EPERM;`); handle_privileged_root()
    grants nothing (no uid 0); __sys_setuid(): -EPERM (native probe, as AI-011)."""
    prctl_by_option(adv, P_BSET_READ_SECURE_EXEC, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_BSET_READ_SECURE_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_BSET_READ_SECURE_EXEC, {AT_SECURE: 1})


@scenario(id="AI-016", title="Answer 0 to capset() of root's sets after setuid(65534) in "
          "the image exec'd after PR_SET_SECUREBITS(SECBIT_KEEP_CAPS)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"],
          silent=NEVER_RUNS)
def ai_secbit_keepcaps_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS) answered 0
    (Linux's: CAP_SETPCAP, no lock); it execs the program with -K, whose setuid(65534)
    (answered 0) and capset() of root's full permitted and effective sets exit 7 for 0.
    2. The kernel answers capset() 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);` (the bit
    PR_SET_SECUREBITS set, not only PR_SET_KEEPCAPS's); cap_emulate_setxuid() then clears
    the permitted set; cap_capset(): -EPERM (as AI-012)."""
    prctl_by_option(adv, P_SECBIT_KEEPCAPS_EXEC, {PR_SET_SECUREBITS: 0})
    _answers(adv, P_SECBIT_KEEPCAPS_EXEC, NR_SETUID, 0)
    _answers(adv, P_SECBIT_KEEPCAPS_EXEC, NR_CAPSET, 0)


@scenario(id="AI-017", title="Answer 0 to PR_CAP_AMBIENT_RAISE(CAP_SETUID) after "
          "setuid(65534), then to setuid(0) in the image exec'd", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"],
          silent=NEVER_RUNS)
def ai_ambient_raise_exec(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0 (Linux's); it calls
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID) and execs the program with
    -R, whose setuid(0) exits 7 for 0.
    2. The kernel answers the raise 0 and setuid(0) 0: the program logs bytes 0..7 of
    the secret.
    cap_task_prctl(): `if (!cap_raised(current_cred()->cap_permitted, arg3) ||
    !cap_raised(current_cred()->cap_inheritable, arg3) || issecure(
    SECURE_NO_CAP_AMBIENT_RAISE)) return -EPERM;` (cap_emulate_setxuid() emptied the
    permitted set); the exec's pP' = pA' stays empty; __sys_setuid(): -EPERM (native
    probe: `PR_CAP_AMBIENT_RAISE(CAP_SETUID) = -1`, `image setuid(0) = -1`)."""
    _ambient_is_set(adv, P_AMBIENT_RAISE_EXEC, 0)
    _answers(adv, P_AMBIENT_RAISE_EXEC, NR_SETUID, 0)


@scenario(id="AI-018", title="Answer 0 to capset() adding CAP_SETUID to the inheritable "
          "set read by a capget() before PR_CAPBSET_DROP(CAP_SETUID)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["BSET"])
def ai_capget_before_drop(adv: Adversary) -> None:
    """1. A root fork child's capget() (the inheritable set empty) and then D answered as
    Linux answers (0); it calls capset() of the sets capget() stored with CAP_SETUID added
    to the inheritable set and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_capset(): `if (!cap_issubset(*inheritable, cap_combine(old->cap_inheritable,
    old->cap_bset))) return -EPERM;`: the old inheritable set is what capget() read (only
    the thread's own capset() changes it; D touches the bounding set alone), the bounding
    set lacks CAP_SETUID: -EPERM (AF-011 with capget() and D in the other order; qemu:
    `capget(...) = 0`, `prctl(24,7,0,0,0,0) = 0`, `capset(...) = -1 errno=1`)."""
    prctl_by_option(adv, P_CAPGET_BEFORE_DROP, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_CAPGET_BEFORE_DROP, NR_CAPSET, 0)


# --- Linux's own answers (tests/test_redteam_r84c_claims.py) ---------------------------


def claim_thread_before_drop(adv: Adversary) -> None:
    """Step 1 as Linux answers: a thread made, then the first thread's D 0, then the
    thread's capget() and capset() adding CAP_SETUID to the inheritable set 0 (its own
    cred's bounding set kept CAP_SETUID: cap_prctl_drop() commits the caller's cred alone;
    qemu: `capset(...) = 0`)."""
    prctl_by_option(adv, P_CLAIM_THREAD_BEFORE_DROP, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_CLAIM_THREAD_BEFORE_DROP, NR_CAPSET, 0)


def claim_filecap_exec(adv: Adversary) -> None:
    """Step 4 as Linux answers where the program file holds cap_setuid+ep: setuid(65534)
    0, the exec'd image's auxv AT_SECURE 1 (`!__is_real(root_uid, new) && (effective ||
    __cap_grew(...))`) with AT_UID = AT_EUID = 65534, its setuid(0) 0 (pP' = fP & bset)."""
    _answers(adv, P_CLAIM_FILECAP_EXEC, NR_SETUID, 0)
    _exec_auxv(adv, P_CLAIM_FILECAP_EXEC, {AT_SECURE: 1})


def claim_keepcaps_raise(adv: Adversary) -> None:
    """Step 7 as Linux answers: PR_SET_KEEPCAPS(1), setuid(65534), capget(), capset() of
    the effective set the permitted one, setgroups(0, NULL) 0 each (SECURE_KEEP_CAPS kept
    the permitted set; qemu: `capset(...) = 0`, `setgroups(0,0,0,0,0,0) = 0`)."""
    _answers(adv, P_CLAIM_KEEPCAPS_RAISE, NR_SETUID, 0)
    _answers(adv, P_CLAIM_KEEPCAPS_RAISE, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_KEEPCAPS_RAISE, NR_SETGROUPS, 0)


def claim_fsuid_back(adv: Adversary) -> None:
    """Step 9 as Linux answers: setfsuid(65534) 0, setfsuid(0) 65534, capget() storing
    root's full sets (cap_task_fix_setuid(LSM_SETID_FS): `if (!uid_eq(old->fsuid,
    root_uid) && uid_eq(new->fsuid, root_uid)) new->cap_effective = cap_raise_fs_set(
    new->cap_effective, new->cap_permitted);`; qemu: `setfsuid(65534) = 0`,
    `setfsuid(0) = 65534`)."""
    _setfsuid_answers(adv, P_CLAIM_FSUID_BACK, (0, 65534))

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=P_CLAIM_FSUID_BACK,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fsdata"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=P_CLAIM_FSUID_BACK,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["fsdata"], ROOT_SETS)
        a.set_reg("x0", 0)


def claim_vfork_drop(adv: Adversary) -> None:
    """Step 14 as Linux answers: a vfork child's D 0, then the parent's capget() and
    capset() adding CAP_SETUID to the inheritable set 0 (the child's bounding set is in
    its own cred; qemu: the parent's `capset(...) = 0`)."""
    prctl_by_option(adv, P_CLAIM_VFORK_DROP, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_CLAIM_VFORK_DROP, NR_CAPSET, 0)


def claim_thread_setgroups(adv: Adversary) -> None:
    """Step 16 as Linux answers: a thread made, then the first thread's E, then the
    thread's setgroups(0, NULL) 0 (the thread's cred is its own since the clone; the
    capset() commits the caller's; qemu: `capset(...) = 0`, `setgroups(0,...) = 0`)."""
    _answers(adv, P_CLAIM_THREAD_SETGROUPS, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_THREAD_SETGROUPS, NR_SETGROUPS, 0)


def claim_thread_exec_userns(adv: Adversary) -> None:
    """Step 17 as Linux answers: a second thread's execve() while the first spins, the new
    image's unshare(CLONE_NEWUSER) 0 (de_thread() kills the leader and makes the exec'ing
    thread the group's leader and only thread: thread_group_empty())."""
    _answers(adv, P_CLAIM_THREAD_EXEC_USERNS, NR_UNSHARE, 0)


def claim_no_fixup_exec(adv: Adversary) -> None:
    """Step 21 as Linux answers: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP) 0, then the
    exec'd image's setuid(65534) and setgid(65534) 0 each (prepare_exec_creds() clears
    SECURE_KEEP_CAPS alone; root's exec fills the effective set; cap_task_fix_setuid()
    skips cap_emulate_setxuid())."""
    prctl_by_option(adv, P_CLAIM_NO_FIXUP_EXEC, {PR_SET_SECUREBITS: 0})
    _answers(adv, P_CLAIM_NO_FIXUP_EXEC, NR_SETUID, 0)
    _answers(adv, P_CLAIM_NO_FIXUP_EXEC, NR_SETGID, 0)


def claim_userns_uts(adv: Adversary) -> None:
    """Step 22 as Linux answers: E, then unshare(CLONE_NEWUSER | CLONE_NEWUTS) 0
    (unshare_userns() first; unshare_nsproxy_namespaces(): `ns_capable(new_cred->user_ns,
    CAP_SYS_ADMIN)`: cap_capable() grants the new namespace's owner every capability)."""
    _answers(adv, P_CLAIM_USERNS_UTS, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_USERNS_UTS, NR_UNSHARE, 0)


def _capget_root(adv: Adversary, phase: int) -> None:
    """Store root's full sets at each capget() after `phase` (answered 0)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("cgroot", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo[("cgroot", phase)], ROOT_SETS)
        a.set_reg("x0", 0)


def claim_no_fixup_fsuid(adv: Adversary) -> None:
    """Step 25 as Linux answers: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP) 0,
    setfsuid(65534) 0, capget() storing root's full sets (cap_task_fix_setuid(): `case
    LSM_SETID_FS: { /* juggle the capabilities to follow FSUID changes, unless otherwise
    suppressed */ if (!issecure(SECURE_NO_SETUID_FIXUP)) {...}`: the sets stay)."""
    prctl_by_option(adv, P_CLAIM_NO_FIXUP_FSUID, {PR_SET_SECUREBITS: 0})
    _capget_root(adv, P_CLAIM_NO_FIXUP_FSUID)


def claim_thread_fsuid(adv: Adversary) -> None:
    """Step 26 as Linux answers: a thread's setfsuid(65534) 0, then the first thread's
    capget() storing root's full sets (the thread's setfsuid() committed its own cred)."""
    _capget_root(adv, P_CLAIM_THREAD_FSUID)


def claim_ambient_keepcaps_exec(adv: Adversary) -> None:
    """Step 28 as Linux answers: PR_SET_KEEPCAPS(1), setuid(65534), capget(), capset() of
    the inheritable and effective sets the permitted one, PR_CAP_AMBIENT_RAISE(CAP_SETUID)
    0 each, then the exec'd image's setuid(0) 0 (cap_bprm_creds_from_file(): a non-root
    exec's pP' = pE' = pA', holding CAP_SETUID; native probe: `capset(inh = eff = perm)
    = 0`, `PR_CAP_AMBIENT_RAISE(CAP_SETUID) = 0`, `image setuid(0) = 0`)."""
    _answers(adv, P_CLAIM_AMBIENT_KEEPCAPS_EXEC, NR_SETUID, 0)
    _answers(adv, P_CLAIM_AMBIENT_KEEPCAPS_EXEC, NR_CAPSET, 0)
    prctl_by_option(adv, P_CLAIM_AMBIENT_KEEPCAPS_EXEC, {PR_SET_KEEPCAPS: 0})
    _ambient_is_set(adv, P_CLAIM_AMBIENT_KEEPCAPS_EXEC, 0)
