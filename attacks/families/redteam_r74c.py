"""Red-team round 74c: what a fork child, a vfork child and an exec'd image keep of
MMF_DISABLE_THP, the dumpable mode, the parent-death signal, the bounding and ambient
sets, SECURE_KEEP_CAPS, the child subreaper bit and the store-bypass control; the
parent-death signal after setfsuid() and after a set*id call that changes no id; and
mprotect() and a file mmap() under MDWE and READ_IMPLIES_EXEC.

Linux: dup_mm() -> mm_init() -> mmf_init_flags() carries MMF_DISABLE_THP and the
dumpable bits (MMF_INIT_MASK) into a fork child's mm; begin_new_exec() keeps the task's
pdeath_signal (cleared only for a secure exec), its signal_struct (is_child_subreaper)
and its atomic_flags (PFA_SPEC_SSB_DISABLE; only _NOEXEC is cleared, arm64's
arch_setup_new_exec()); cap_bprm_creds_from_file() never raises cap_bset; copy_creds()
gives a fork child its creator's securebits and capability sets; dup_task_struct()
copies atomic_flags.  commit_creds() clears pdeath_signal where the euid, egid, fsuid or
fsgid changes (setfsuid() changes the fsuid), and __sys_setresuid(-1, -1, -1) returns 0
without a commit_creds().  do_mprotect_pkey() adds PROT_EXEC to a readable mprotect
under READ_IMPLIES_EXEC (`rier && (vma->vm_flags & VM_MAYEXEC)`), do_mmap() to a
readable file mapping not on a noexec mount: under MDWE, map_deny_write_exec() refuses
either with PROT_WRITE (-EACCES).

On the victim `secret_r74_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZE-001: PR_SET_THP_DISABLE(1) answered 0, a fork grandchild's PR_GET_THP_DISABLE 0;
- ZE-002: PR_SET_DUMPABLE(0) answered 0, a fork grandchild's PR_GET_DUMPABLE 1;
- ZE-003: PR_SET_PDEATHSIG(SIGUSR1) answered 0, the exec'd image's PR_GET_PDEATHSIG
  stored 12;
- ZE-004: PR_CAPBSET_DROP(5) answered 0, the exec'd image's PR_CAPBSET_READ(5) 1;
- ZE-005: PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE) answered 0, the
  exec'd image's PR_GET_SPECULATION_CTRL PR_SPEC_PRCTL | PR_SPEC_ENABLE;
- ZE-006: PR_SET_CHILD_SUBREAPER(1) answered 0, the exec'd image's word 0;
- ZE-007: PR_SET_PDEATHSIG(SIGUSR1) answered 0, setfsuid(65534) answered 0 and
  setfsuid(-1) 65534, then PR_GET_PDEATHSIG stored 10;
- ZE-008: PR_SET_KEEPCAPS(1) answered 0, a fork grandchild's PR_GET_KEEPCAPS 0;
- ZE-009: PR_SPEC_DISABLE answered 0, a fork grandchild's PR_GET_SPECULATION_CTRL 3;
- ZE-010: PR_CAP_AMBIENT_RAISE(5) answered 0, a fork grandchild's IS_SET(5) 0;
- ZE-011: a vfork child's PR_SET_MDWE(1) answered 0, the parent's PR_GET_MDWE 0;
- ZE-012: PR_SET_PDEATHSIG(SIGUSR1) answered 0, setresuid(-1, -1, -1) answered 0, then
  PR_GET_PDEATHSIG stored 12;
- ZE-013: personality(READ_IMPLIES_EXEC), PR_SET_MDWE(1) answered 0, then
  mprotect(PROT_READ | PROT_WRITE) of an anonymous PROT_READ page answered 0;
- ZE-014: personality(READ_IMPLIES_EXEC), PR_SET_MDWE(1) answered 0, then a MAP_SHARED
  mmap(PROT_READ | PROT_WRITE) of a memfd made;
- ZE-015: PR_SET_NO_NEW_PRIVS(1) answered 0, the exec'd image's PR_GET_NO_NEW_PRIVS 0;
- ZE-016: PR_SET_DUMPABLE(0) answered 0, setresgid(-1, -1, -1) answered 0, then
  PR_GET_DUMPABLE 1;
- ZE-017: PR_CAP_AMBIENT_RAISE(5) answered 0, setresuid(-1, -1, -1) answered 0, then
  PR_CAP_AMBIENT_IS_SET(5) 0;
- ZE-018: PR_SPEC_DISABLE answered 0, a new thread's (CLONE_THREAD)
  PR_GET_SPECULATION_CTRL PR_SPEC_PRCTL | PR_SPEC_ENABLE;
- honest (tests/test_redteam_r74c_claims.py): each step's Linux answers (claim_*), and
  with --drop PR_GET_PDEATHSIG's 0 after setresuid(65534, 65534, 65534) answered 0
  (claim_priv_drop_zero).  When written, the kernel model answered set*id 0 without
  changing an id, so the untouched program with --drop was refused (PR_GET_PDEATHSIG
  stored 10); since its credentials are real (kernel_model/credentials.py), its
  commit_creds() clears the signal and the untouched run passes.  The kernel model has
  no MDWE, no PR_CAPBSET_DROP, no PR_CAP_AMBIENT and no speculation control: the claim_*
  steps answer those as Linux does.

qemu-aarch64-static (host 6.18) answers setfsuid(65534) 0 (the old fsuid), then
setfsuid(-1) 65534, setresuid(-1, -1, -1) 0, PR_SET_DUMPABLE(0) 0 and after
setresgid(-1, -1, -1) PR_GET_DUMPABLE 0, PR_SET_NO_NEW_PRIVS(1) 0 and a fork child's
PR_GET_DUMPABLE 0, PR_SET_KEEPCAPS(1) 0 and a fork child's PR_GET_KEEPCAPS 1; it runs
every step to label 0 (its own prctl refuses MDWE, THP, the subreaper and speculation
control, its execve of the relative path fails).

Refused when written: ZE-001, ZE-002, ZE-008, ZE-010, ZE-011.  Through with the Guardian
on when written, refused since: ZE-004, ZE-005, ZE-006, ZE-015 (the bounding set, the
store-bypass disable, the subreaper bit and no_new_privs carried into the exec'd image:
create.exec_task_state), ZE-007 (a setfsuid() change the next setfsuid() shows clears the
parent-death signal), ZE-012, ZE-016, ZE-017 (setresuid/setresgid(-1, -1, -1) commit no
cred), ZE-009, ZE-018 (a new task copies the store-bypass control), ZE-013, ZE-014
(READ_IMPLIES_EXEC under MDWE for mprotect of an anonymous area and a memfd mmap:
return.range_table).  Still through (open P5 gap): ZE-003 (the victim runs with real uid 0:
a root exec may widen its permitted set, whose commit_creds() clears the parent-death
signal without AT_SECURE, and the Guardian does not know the permitted set).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option, prctl_word
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r74c"
CORE = "secret_r74_core"
# secret_r74_core: the marker before each step; the marker after its write is + 1.
P_THP_FORK, P_DUMP_FORK, P_PDEATH_EXEC, P_CAPBSET_EXEC = 9900, 9902, 9904, 9906
P_SPEC_EXEC, P_SUBREAPER_EXEC, P_PDEATH_FSUID, P_KEEPCAPS_FORK = 9908, 9910, 9912, 9914
P_SPEC_FORK, P_AMBIENT_FORK, P_MDWE_VFORK, P_PDEATH_NOCHANGE = 9916, 9918, 9920, 9922
P_RIE_MPROTECT, P_RIE_MEMFD, P_PRIV_DROP = 9924, 9926, 9928
P_NNP_EXEC, P_DUMP_NOCHANGE, P_AMBIENT_NOCHANGE, P_SPEC_THREAD = 9930, 9932, 9934, 9936
#: the steps an untouched run takes (P_PRIV_DROP only with --drop)
PHASES = (P_THP_FORK, P_DUMP_FORK, P_PDEATH_EXEC, P_CAPBSET_EXEC, P_SPEC_EXEC,
          P_SUBREAPER_EXEC, P_PDEATH_FSUID, P_KEEPCAPS_FORK, P_SPEC_FORK, P_AMBIENT_FORK,
          P_MDWE_VFORK, P_PDEATH_NOCHANGE, P_RIE_MPROTECT, P_RIE_MEMFD, P_NNP_EXEC,
          P_DUMP_NOCHANGE, P_AMBIENT_NOCHANGE, P_SPEC_THREAD)
P_FIRST, P_VICTIM_LAST = P_THP_FORK, P_SPEC_THREAD
NR_SETRESUID, NR_SETFSUID = 147, 151
PR_SET_MDWE, PR_GET_MDWE = 65, 66
PR_GET_SPEC, PR_SET_SPEC = 52, 53
PROP_FORK = ("A fork child's mm flags are mmf_init_flags() of its parent's, its cred its "
             "creator's (copy_creds()), its atomic_flags its creator's (dup_task_struct()).")
PROP_EXEC = ("execve() keeps the task's pdeath_signal (but for a secure exec), its "
             "signal_struct, its atomic_flags and its bounding set.")
#: the exec'd image never runs under the predecessor design (mode mprotect)
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROP_PDEATH = ("commit_creds() clears pdeath_signal exactly where the euid, egid, fsuid or "
               "fsgid changes (or the permitted set widens).")
PROP_RIE = ("Under READ_IMPLIES_EXEC a readable mprotect, and a readable file mmap, are "
            "executable: MDWE refuses them with PROT_WRITE (map_deny_write_exec()).")


def _answers(adv: Adversary, phase: int, nr: int, values: tuple[int, ...]) -> None:
    """Answer the calls `nr` after marker `phase`, in any process, with `values` in turn
    (the last one from then on)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("n", phase, nr), 0)
        a.memo[("n", phase, nr)] = n + 1
        a.set_reg("x0", values[min(n, len(values) - 1)] & 0xFFFF_FFFF_FFFF_FFFF)


@scenario(id="ZE-001", title="Answer 0 to a fork child's prctl(PR_GET_THP_DISABLE) after "
          "its parent's PR_SET_THP_DISABLE(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_thp_fork_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_THP_DISABLE, 1) answered 0; its fork child calls
    prctl(PR_GET_THP_DISABLE) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    dup_mm() -> mm_init(): `mm->flags = mmf_init_flags(current->mm->flags)`;
    MMF_DISABLE_THP_MASK is in MMF_INIT_MASK: 1."""
    prctl_by_option(adv, P_THP_FORK, {41: 0, 42: 0})


def claim_thp_fork_one(adv: Adversary) -> None:
    """Step 0 as Linux answers: the set 0, the grandchild's get 1."""
    prctl_by_option(adv, P_THP_FORK, {41: 0, 42: 1})


@scenario(id="ZE-002", title="Answer 1 to a fork child's prctl(PR_GET_DUMPABLE) after its "
          "parent's PR_SET_DUMPABLE(0)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_dump_fork_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) answered 0; its fork
    child calls prctl(PR_GET_DUMPABLE) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    mm_init() -> mmf_init_flags(): MMF_DUMPABLE_MASK is in MMF_INIT_MASK, the child's
    get_dumpable() is its parent's 0."""
    prctl_by_option(adv, P_DUMP_FORK, {4: 0, 3: 1})


def claim_dump_fork_zero(adv: Adversary) -> None:
    """Step 1 as Linux answers: the set 0, the grandchild's get 0."""
    prctl_by_option(adv, P_DUMP_FORK, {4: 0, 3: 0})


@scenario(id="ZE-003", title="Store 12 for prctl(PR_GET_PDEATHSIG, &word) in the image an "
          "execve() started after PR_SET_PDEATHSIG(SIGUSR1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, gap="P5", silent=NEVER_RUNS, prop=PROP_EXEC)
def ze_pdeath_exec_other(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) answered 0; it execs the program
    with -p, whose PR_GET_PDEATHSIG exits 7 for a word of 12.
    2. The kernel answers 0 and stores 12: the program logs bytes 0..7 of the secret.
    begin_new_exec(): `if (bprm->secureexec) { me->pdeath_signal = 0; ...}`, else the
    task's pdeath_signal goes on: 10 (or 0): never 12."""
    prctl_word(adv, P_PDEATH_EXEC, {1: 0, 2: 0}, 2, 12)


def claim_pdeath_exec_kept(adv: Adversary) -> None:
    """Step 2 as Linux answers (AT_SECURE 0): the set 0, the new image's word 10."""
    prctl_word(adv, P_PDEATH_EXEC, {1: 0, 2: 0}, 2, 10)


@scenario(id="ZE-004", title="Answer 1 to prctl(PR_CAPBSET_READ, 5) in the image an execve() "
          "started after PR_CAPBSET_DROP(5)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_EXEC)
def ze_capbset_exec_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAPBSET_DROP, CAP_KILL) answered 0; it execs the program
    with -c, whose PR_CAPBSET_READ(CAP_KILL) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies cap_bset; cap_bprm_creds_from_file() never raises it (only
    a new user namespace does): 0."""
    prctl_by_option(adv, P_CAPBSET_EXEC, {24: 0, 23: 1})


def claim_capbset_exec_zero(adv: Adversary) -> None:
    """Step 3 as Linux answers: the drop 0, the new image's read 0."""
    prctl_by_option(adv, P_CAPBSET_EXEC, {24: 0, 23: 0})


@scenario(id="ZE-005", title="Answer PR_SPEC_PRCTL | PR_SPEC_ENABLE to PR_GET_SPECULATION_CTRL "
          "in the image an execve() started after PR_SPEC_DISABLE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_EXEC)
def ze_spec_exec_enable(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE)
    answered 0; it execs the program with -s, whose PR_GET_SPECULATION_CTRL exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    The task's PFA_SPEC_SSB_DISABLE survives execve() (arm64's arch_setup_new_exec()
    re-enables only under PFA_SPEC_SSB_NOEXEC): ssbd_prctl_get() answers PRCTL | DISABLE,
    NOT_AFFECTED or ENABLE, never PRCTL | ENABLE."""
    prctl_by_option(adv, P_SPEC_EXEC, {PR_SET_SPEC: 0, PR_GET_SPEC: 3})


def claim_spec_exec_disable(adv: Adversary) -> None:
    """Step 4 as Linux answers: the set 0, the new image's get PRCTL | DISABLE (5)."""
    prctl_by_option(adv, P_SPEC_EXEC, {PR_SET_SPEC: 0, PR_GET_SPEC: 5})


@scenario(id="ZE-006", title="Store 0 for prctl(PR_GET_CHILD_SUBREAPER, &word) in the image "
          "an execve() started after PR_SET_CHILD_SUBREAPER(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROP_EXEC)
def ze_subreaper_exec_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0; it execs the program
    with -r, whose PR_GET_CHILD_SUBREAPER exits 7 for a word of 0.
    2. The kernel answers 0 and stores 0: the program logs bytes 0..7 of the secret.
    execve() keeps the signal_struct (de_thread() makes the caller its only thread):
    is_child_subreaper stays 1."""
    prctl_word(adv, P_SUBREAPER_EXEC, {36: 0, 37: 0}, 37, 0)


def claim_subreaper_exec_one(adv: Adversary) -> None:
    """Step 5 as Linux answers: the set 0, the new image's word 1."""
    prctl_word(adv, P_SUBREAPER_EXEC, {36: 0, 37: 0}, 37, 1)


@scenario(id="ZE-007", title="Store SIGUSR1 for prctl(PR_GET_PDEATHSIG, &word) after "
          "setfsuid() changed the fsuid", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PDEATH)
def ze_pdeath_fsuid_kept(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) answered 0, setfsuid(65534)
    answered 0 (the old fsuid) and setfsuid(-1) 65534 (the fsuid now); it calls
    PR_GET_PDEATHSIG and exits 7 for a word of 10.
    2. The kernel answers 0 and stores 10: the program logs bytes 0..7 of the secret.
    __sys_setfsuid() -> commit_creds(): `!uid_eq(old->fsuid, new->fsuid)` ->
    `task->pdeath_signal = 0;`: 0 (the kernel model changes no id: the step answers)."""
    _answers(adv, P_PDEATH_FSUID, NR_SETFSUID, (0, 65534))
    prctl_word(adv, P_PDEATH_FSUID, {1: 0, 2: 0}, 2, 10)


def claim_pdeath_fsuid_zero(adv: Adversary) -> None:
    """Step 6 as Linux answers: the set 0, setfsuid 0 then 65534, the word 0."""
    _answers(adv, P_PDEATH_FSUID, NR_SETFSUID, (0, 65534))
    prctl_word(adv, P_PDEATH_FSUID, {1: 0, 2: 0}, 2, 0)


@scenario(id="ZE-008", title="Answer 0 to a fork child's prctl(PR_GET_KEEPCAPS) after its "
          "parent's PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_keepcaps_fork_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0; its fork child calls
    prctl(PR_GET_KEEPCAPS) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds() -> prepare_creds(): the child's securebits are its parent's: 1."""
    prctl_by_option(adv, P_KEEPCAPS_FORK, {8: 0, 7: 0})


def claim_keepcaps_fork_one(adv: Adversary) -> None:
    """Step 7 as Linux answers: the set 0, the grandchild's get 1."""
    prctl_by_option(adv, P_KEEPCAPS_FORK, {8: 0, 7: 1})


@scenario(id="ZE-009", title="Answer PR_SPEC_PRCTL | PR_SPEC_ENABLE to a fork child's "
          "PR_GET_SPECULATION_CTRL after its parent's PR_SPEC_DISABLE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_spec_fork_enable(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE)
    answered 0; its fork child calls PR_GET_SPECULATION_CTRL and exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    dup_task_struct() -> arch_dup_task_struct(): `*dst = *src`, atomic_flags with
    PFA_SPEC_SSB_DISABLE among them: never PRCTL | ENABLE."""
    prctl_by_option(adv, P_SPEC_FORK, {PR_SET_SPEC: 0, PR_GET_SPEC: 3})


def claim_spec_fork_disable(adv: Adversary) -> None:
    """Step 8 as Linux answers: the set 0, the grandchild's get PRCTL | DISABLE (5)."""
    prctl_by_option(adv, P_SPEC_FORK, {PR_SET_SPEC: 0, PR_GET_SPEC: 5})


@scenario(id="ZE-010", title="Answer 0 to a fork child's PR_CAP_AMBIENT_IS_SET(5) after its "
          "parent's PR_CAP_AMBIENT_RAISE(5)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_ambient_fork_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL) answered 0;
    its fork child calls PR_CAP_AMBIENT_IS_SET(CAP_KILL) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds(): the child's cap_ambient is its parent's: 1."""
    prctl_by_option(adv, P_AMBIENT_FORK, {47: 0})


def claim_ambient_fork_one(adv: Adversary) -> None:
    """Step 9 as Linux answers: the raise 0, the grandchild's IS_SET 1."""
    @adv.on(Point.SYSCALL_ENTRY, nr=167, during=P_AMBIENT_FORK, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["amb"] = a.reg("x1") & 0xFFFF_FFFF if a.reg("x0") & 0xFFFF_FFFF == 47 else 0

    @adv.on(Point.SYSCALL_EXIT, nr=167, during=P_AMBIENT_FORK, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("amb"):
            a.set_reg("x0", 1 if a.memo["amb"] == 1 else 0)


@scenario(id="ZE-011", title="Answer 0 to prctl(PR_GET_MDWE) after a vfork child's "
          "PR_SET_MDWE(1) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="A vfork child shares its parent's mm (CLONE_VM): its MDWE bits are the "
               "parent's.")
def ze_mdwe_vfork_zero(adv: Adversary) -> None:
    """1. A fork child's vfork child's prctl(PR_SET_MDWE, 1) answered 0 and it exits; the
    fork child calls prctl(PR_GET_MDWE) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_mm(): `if (clone_flags & CLONE_VM) { mmget(oldmm); mm = oldmm; }`: the set's
    MMF_HAS_MDWE is on the parent's mm: 1."""
    prctl_by_option(adv, P_MDWE_VFORK, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


def claim_mdwe_vfork_one(adv: Adversary) -> None:
    """Step 10 as Linux answers: the set 0, the parent's get 1."""
    prctl_by_option(adv, P_MDWE_VFORK, {PR_SET_MDWE: 0, PR_GET_MDWE: 1})


@scenario(id="ZE-012", title="Store 12 for prctl(PR_GET_PDEATHSIG, &word) after "
          "PR_SET_PDEATHSIG(SIGUSR1) and setresuid(-1, -1, -1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_PDEATH)
def ze_pdeath_nochange_other(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) and setresuid(-1, -1, -1)
    answered 0; it calls PR_GET_PDEATHSIG and exits 7 for a word of 12.
    2. The kernel answers 0 and stores 12: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): every id -1 equals the old one, `return 0` before any
    commit_creds(); and commit_creds() only ever clears the signal: 10 (or 0), never 12."""
    prctl_word(adv, P_PDEATH_NOCHANGE, {1: 0, 2: 0}, 2, 12)


def claim_pdeath_nochange_kept(adv: Adversary) -> None:
    """Step 11 as Linux answers: the set 0, setresuid 0, the word 10."""
    prctl_word(adv, P_PDEATH_NOCHANGE, {1: 0, 2: 0}, 2, 10)


@scenario(id="ZE-013", title="Answer 0 to mprotect(PROT_READ | PROT_WRITE) of an anonymous "
          "page under MDWE and READ_IMPLIES_EXEC", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_RIE)
def ze_rie_mprotect_rw(adv: Adversary) -> None:
    """1. A fork child maps an anonymous PROT_READ page; its personality(READ_IMPLIES_EXEC)
    answered, prctl(PR_SET_MDWE, 1) answered 0; it calls mprotect(page, PROT_READ |
    PROT_WRITE) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): `rier = (current->personality & READ_IMPLIES_EXEC) && (prot &
    PROT_READ)`; `if (rier && (vma->vm_flags & VM_MAYEXEC)) prot |= PROT_EXEC;` (an
    anonymous area is VM_MAYEXEC), then map_deny_write_exec(): writable and executable,
    -EACCES."""
    prctl_by_option(adv, P_RIE_MPROTECT, {PR_SET_MDWE: 0})


@scenario(id="ZE-014", title="Make a MAP_SHARED PROT_READ | PROT_WRITE mapping of a memfd "
          "under MDWE and READ_IMPLIES_EXEC", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_RIE)
def ze_rie_memfd_map(adv: Adversary) -> None:
    """1. A fork child's memfd_create() and ftruncate(4096) answered, its
    personality(READ_IMPLIES_EXEC) answered, prctl(PR_SET_MDWE, 1) answered 0; it calls
    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0) and exits 7 for a
    mapping.
    2. The kernel makes the mapping: the program logs bytes 0..7 of the secret.
    do_mmap(): `if ((prot & PROT_READ) && (current->personality & READ_IMPLIES_EXEC)) if
    (!(file && path_noexec(&file->f_path))) prot |= PROT_EXEC;` (a memfd is on the
    internal shmem mount, not noexec), then mmap_region(): map_deny_write_exec() -EACCES."""
    prctl_by_option(adv, P_RIE_MEMFD, {PR_SET_MDWE: 0})


def claim_priv_drop_zero(adv: Adversary) -> None:
    """Step 14 (--drop; the program exits 7 for a word of 10) as Linux answers: PR_SET_PDEATHSIG 0, setresuid(65534, 65534,
    65534) 0 (the euid changed), PR_GET_PDEATHSIG's word 0 (commit_creds())."""
    prctl_word(adv, P_PRIV_DROP, {1: 0, 2: 0}, 2, 0)


@scenario(id="ZE-015", title="Answer 0 to prctl(PR_GET_NO_NEW_PRIVS) in the image an execve() "
          "started after PR_SET_NO_NEW_PRIVS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROP_EXEC)
def ze_nnp_exec_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0; it execs the program
    with -n, whose PR_GET_NO_NEW_PRIVS exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    PFA_NO_NEW_PRIVS is in the task's atomic_flags, which nothing clears (execve() keeps
    it: "no_new_privs is preserved across fork, clone and execve"): 1."""
    prctl_by_option(adv, P_NNP_EXEC, {38: 0, 39: 0})


def claim_nnp_exec_one(adv: Adversary) -> None:
    """Step 15 as Linux answers: the set 0, the new image's get 1."""
    prctl_by_option(adv, P_NNP_EXEC, {38: 0, 39: 1})


@scenario(id="ZE-016", title="Answer 1 to prctl(PR_GET_DUMPABLE) after PR_SET_DUMPABLE(0) and "
          "setresgid(-1, -1, -1)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE,
          prop="A set*id call that changes no id commits no cred: the dumpable mode stays.")
def ze_dump_nochange_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) and setresgid(-1, -1,
    -1) answered 0; it calls prctl(PR_GET_DUMPABLE) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    __sys_setresgid(): every id -1 equals the old one, `return 0` before
    prepare_creds()/commit_creds(); set_dumpable() is only ever called by commit_creds()
    where an id changed: 0."""
    prctl_by_option(adv, P_DUMP_NOCHANGE, {4: 0, 3: 1})


def claim_dump_nochange_zero(adv: Adversary) -> None:
    """Step 16 as Linux answers: the set 0, setresgid 0, the get 0."""
    prctl_by_option(adv, P_DUMP_NOCHANGE, {4: 0, 3: 0})


@scenario(id="ZE-017", title="Answer 0 to PR_CAP_AMBIENT_IS_SET(5) after "
          "PR_CAP_AMBIENT_RAISE(5) and setresuid(-1, -1, -1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="A set*id call that changes no id commits no cred: the ambient set stays.")
def ze_ambient_nochange_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL) and
    setresuid(-1, -1, -1) answered 0; it calls PR_CAP_AMBIENT_IS_SET(CAP_KILL) and exits
    7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `return 0` before any cap_task_fix_setuid(); the ambient set is
    cleared only by cap_emulate_setxuid() where root is given up: 1."""
    prctl_by_option(adv, P_AMBIENT_NOCHANGE, {47: 0})


def claim_ambient_nochange_one(adv: Adversary) -> None:
    """Step 17 as Linux answers: the raise 0, setresuid 0, IS_SET 1."""
    @adv.on(Point.SYSCALL_ENTRY, nr=167, during=P_AMBIENT_NOCHANGE, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["amb"] = a.reg("x1") & 0xFFFF_FFFF if a.reg("x0") & 0xFFFF_FFFF == 47 else 0

    @adv.on(Point.SYSCALL_EXIT, nr=167, during=P_AMBIENT_NOCHANGE, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("amb"):
            a.set_reg("x0", 1 if a.memo["amb"] == 1 else 0)


@scenario(id="ZE-018", title="Answer PR_SPEC_PRCTL | PR_SPEC_ENABLE to a new thread's "
          "PR_GET_SPECULATION_CTRL after its creator's PR_SPEC_DISABLE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_FORK)
def ze_spec_thread_enable(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE)
    answered 0; its new thread (CLONE_THREAD) calls PR_GET_SPECULATION_CTRL and the child
    exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    copy_process() -> dup_task_struct() -> arch_dup_task_struct(): `*dst = *src`; the
    new task's atomic_flags hold PFA_SPEC_SSB_DISABLE: never PRCTL | ENABLE."""
    prctl_by_option(adv, P_SPEC_THREAD, {PR_SET_SPEC: 0, PR_GET_SPEC: 3})


def claim_spec_thread_disable(adv: Adversary) -> None:
    """Step 18 as Linux answers: the set 0, the thread's get PRCTL | DISABLE (5)."""
    prctl_by_option(adv, P_SPEC_THREAD, {PR_SET_SPEC: 0, PR_GET_SPEC: 5})
