"""Red-team round 75c: what an exec'd image keeps of the parent-death signal after the
program gave up root and after it took a new effective uid only (a secure exec); a
thread's groups, ids, capabilities and fs uid after set*id and setgroups calls; an exec'd
image's real uid and persona; the parent-death signal and the dumpable mode after set*id
calls of a root program that change no id.

Linux: begin_new_exec() keeps task->pdeath_signal but for a secure exec
(`if (bprm->secureexec) me->pdeath_signal = 0;`); cap_bprm_creds_from_file() makes an
exec secure where the new euid is not the old real uid (`is_setid`) or a non-root
caller's file capabilities raise its sets; execve() never changes the real uid.
set_groups() makes the list the call gave; __sys_setresuid() sets the three ids it was
given and cap_emulate_setxuid() clears the permitted and effective sets of a thread that
leaves uid 0 without SECURE_KEEP_CAPS; __sys_setfsuid() answers the old fsuid (the euid
since the last set*id call or exec); commit_creds() clears pdeath_signal and calls
set_dumpable() only where the euid, egid, fsuid or fsgid change or the permitted set
does not stay a subset.

On the victim `secret_r75_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZH-001: setresuid(65534, 65534, 65534) and PR_SET_PDEATHSIG(SIGUSR1) answered 0, the
  exec'd image's auxv AT_UID = AT_EUID = 0, its PR_GET_PDEATHSIG stored 12;
- ZH-002: setresuid(-1, 65534, -1) and PR_SET_PDEATHSIG(SIGUSR1) answered 0 (a secure
  exec follows), the exec'd image's PR_GET_PDEATHSIG stored 12;
- ZH-003: setgroups(0, NULL) answered 0, getgroups(0, NULL) answered 1;
- ZH-004: setresuid(65534, 65534, 65534) answered 0, getresuid() stored 0, 0, 0;
- ZH-005: setfsuid(-1) of a root program answered 65534;
- ZH-007: setresuid(65534, 65534, 65534) answered 0, the exec'd image's auxv AT_UID =
  AT_EUID = 0, its getuid() answered 0;
- ZH-008: personality(ADDR_NO_RANDOMIZE) answered, the exec'd image's personality(
  0xffffffff) answered 0;
- ZH-009: PR_SET_PDEATHSIG(SIGUSR1) and setresuid(0, 0, 0) of a root program answered 0,
  PR_GET_PDEATHSIG stored 12;
- ZH-010: PR_SET_DUMPABLE(0) and setuid(0) of a root program answered 0,
  PR_GET_DUMPABLE answered 1;
- ZH-011: PR_SET_SPECULATION_CTRL(PR_SPEC_DISABLE_NOEXEC) answered 0, the exec'd image's
  PR_GET_SPECULATION_CTRL answered PR_SPEC_PRCTL | PR_SPEC_DISABLE_NOEXEC (17);
- ZH-012: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) answered 0, PR_GET_SPECULATION_CTRL
  answered PR_SPEC_PRCTL | PR_SPEC_ENABLE (3);
- ZH-014: PR_SET_KEEPCAPS(1) and setresuid(65534, 65534, 65534) answered 0,
  PR_GET_KEEPCAPS answered 0;
- ZH-015: PR_CAPBSET_DROP(5) and setresuid(65534, 65534, 65534) answered 0,
  PR_CAPBSET_READ(5) answered 1;
- ZH-017: a memfd mapped MAP_SHARED read-write and read-exec under MDWE (PR_SET_MDWE(1)
  answered 0), then an anonymous PROT_READ | PROT_WRITE | PROT_EXEC mmap made;
- ZH-018: as ZH-015 in a fork child started after another fork child's
  prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) (step 11's, which exited): PR_CAPBSET_DROP(5)
  and setresuid(65534, 65534, 65534) answered 0, PR_CAPBSET_READ(5) answered 1;
- ZH-019: PR_SET_SECUREBITS(SECBIT_NOROOT) answered 0, PR_GET_SECUREBITS answered 0;
- ZH-020: PR_SET_SECUREBITS(SECBIT_NOROOT) answered 0, the exec'd image's
  PR_GET_SECUREBITS answered 0;
- honest (tests/test_redteam_r75c_claims.py): each step's Linux answers (claim_*), and
  claim_file_caps_secure: step 6's exec of a file with file capabilities by a uid 65534
  program, whose AT_SECURE is 1 with AT_UID = AT_EUID (cap_bprm_creds_from_file():
  `!__is_real(root_uid, new) && (effective || __cap_grew(...))`), and
  claim_setuid_root_exec: its exec of a set-user-ID root file (AT_EUID 0, AT_SECURE 1).
  The kernel model has no file capabilities and ignores set-id bits: the claim steps
  write those auxv entries.

qemu-aarch64-static (host 6.18, run as root) answers getgroups(0, NULL) 0 after
setgroups(0, NULL), getresuid()'s real uid 65534 and capget()'s effective set 0 after
setresuid(65534, 65534, 65534), setfsuid(-1) 0, PR_GET_PDEATHSIG 10 after
setresuid(0, 0, 0), PR_GET_DUMPABLE 0 after setuid(0), setuid(0) -1 (EPERM) after the
drop, PR_GET_KEEPCAPS 1 and PR_CAPBSET_READ(5) 0 after the drop, PR_SET_SECUREBITS(1) 0
and PR_GET_SECUREBITS 1.

Refused when written: ZH-014, ZH-015, ZH-017 (each through while it ran after step 11's
child, see ZH-018).  Refused since: ZH-001, ZH-007 (create.exec_real_ids: setresuid()
answered 0 sets the real uid the Guardian follows), ZH-003, ZH-004, ZH-005
(return.credentials follows setresuid, setgroups(0, ...) and answers setfsuid the old fs
id), ZH-009, ZH-010 (a set*id call answered 0 whose ids are the known ones keeps the
parent-death signal and the dumpable mode: credentials.changes_nothing()), ZH-019,
ZH-020 (PR_GET_SECUREBITS answers what the thread's PR_SET_SECUREBITS set, an exec
clearing only SECURE_KEEP_CAPS: prctl_state's SECUREBITS), ZH-002
(create.exec_task_state: an image with AT_SECURE 1 starts with parent-death signal 0),
ZH-011 (return.range_table: an exec ends a PR_SPEC_DISABLE_NOEXEC, the image's
control answers PR_SPEC_PRCTL | PR_SPEC_ENABLE), ZH-018 (a call that may put a filter in
place marks only its own space and, through raised_signals, its later fork children:
copy_seccomp() is per task).
Through with the Guardian on (open P5 gaps): ZH-008 (an SELinux domain transition sets bprm->per_clear with AT_SECURE 0 where
noatsecure is allowed, selinux_bprm_creds_for_exec(), and a root thread's exec regains a
permitted set lowered since: the persona's PER_CLEAR_ON_SETID bits may go),
ZH-012 (a seccomp filter's forced store-bypass disable is not modelled, and every call
after a PR_SET_SECCOMP answered 0 is judged as one a filter may answer, though the
Guardian could read the allow-everything program).
Withdrawn as Linux's answers, now claims (tests/test_redteam_r75c_claims.py): ZH-006
and ZH-013 (claim_capget_no_fixup, claim_setuid_regain_no_fixup: where the launcher left
SECBIT_NO_SETUID_FIXUP set, which an exec keeps: honest under a launch stated with
`--launch-securebits 4`, cap_task_fix_setuid() clears no capability; since round 80c
the README's launch starts with securebits 0, where capget()'s full set after the drop
is refused: guardian/setuid_fixup.py), ZH-016 (claim_persona_secure_kept: a
real-root thread's secure exec keeps ADDR_NO_RANDOMIZE).

False refusal when written (fixed since: create.auxv lets AT_SECURE 1 with equal ids
through for a non-root real uid): claim_file_caps_secure.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from attacks.adversary import Adversary
from attacks.families.initial_stack import _auxv_slot, _stack_words
from attacks.families.redteam_r72c import prctl_by_option, prctl_word
from attacks.hooks import Point
from attacks.moves import at_each_new_stack
from attacks.scenario import Goal, scenario

RT = "redteam_r75c"
CORE = "secret_r75_core"
# secret_r75_core: the marker before each step; the marker after its write is + 1.
P_PDEATH_DROP_EXEC, P_PDEATH_SECURE_EXEC, P_GROUPS_EMPTY, P_RESUID_DROP = 10200, 10202, 10204, 10206
P_FSUID_ROOT, P_CAPGET_DROP, P_UID_DROP_EXEC, P_PERSONA_EXEC = 10208, 10210, 10212, 10214
P_PDEATH_SAME, P_DUMP_SAME, P_SPEC_NOEXEC_EXEC, P_SPEC_SECCOMP = 10216, 10218, 10220, 10222
P_SETUID_REGAIN, P_KEEPCAPS_DROP, P_CAPBSET_DROP, P_PERSONA_SECURE = 10224, 10226, 10228, 10230
P_MDWE_DUAL, P_CAPBSET_AFTER, P_SECUREBITS, P_SECUREBITS_EXEC = 10232, 10234, 10236, 10238
#: the steps an untouched run takes (P_PERSONA_SECURE only with --secure)
PHASES = (P_PDEATH_DROP_EXEC, P_PDEATH_SECURE_EXEC, P_GROUPS_EMPTY, P_RESUID_DROP,
          P_FSUID_ROOT, P_CAPGET_DROP, P_UID_DROP_EXEC, P_PERSONA_EXEC, P_PDEATH_SAME,
          P_DUMP_SAME, P_SPEC_NOEXEC_EXEC, P_SPEC_SECCOMP, P_SETUID_REGAIN, P_KEEPCAPS_DROP,
          P_CAPBSET_DROP, P_MDWE_DUAL, P_CAPBSET_AFTER, P_SECUREBITS, P_SECUREBITS_EXEC)
P_FIRST, P_VICTIM_LAST = P_PDEATH_DROP_EXEC, P_SECUREBITS_EXEC
NR_GETGROUPS, NR_SETFSUID, NR_GETRESUID, NR_CAPGET = 158, 151, 148, 90
NR_PERSONALITY, NR_GETUID, NR_SETUID = 92, 174, 146
PR_GET_SPEC, PR_SET_SPEC, PR_SET_SECCOMP = 52, 53, 22
AT_UID, AT_EUID, AT_SECURE = 11, 12, 23
NEVER_RUNS = ("where the exec'd image never runs (the predecessor design), the step never "
              "reaches the new image's call")
PROP_EXEC = ("execve() keeps the real uid, and the parent-death signal but for a secure "
             "exec, which clears it (begin_new_exec()).")
PROP_CREDS = ("A thread's ids, groups and capabilities are what its own set*id and "
              "setgroups calls made them (commit_creds()).")
PROP_SAME = ("commit_creds() clears the parent-death signal and the dumpable mode only "
             "where an id or the capabilities change.")


def _answers(adv: Adversary, phase: int, nr: int, value: int) -> None:
    """Answer the calls `nr` after marker `phase`, in any process, with `value`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value & 0xFFFF_FFFF_FFFF_FFFF)


def _stores(adv: Adversary, phase: int, nr: int, args: tuple[int, ...], data: bytes,
            value: int = 0) -> None:
    """Answer the calls `nr` after marker `phase` `value`, and store `data` at each
    pointer argument in `args` (an index per argument)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("ptrs", phase, nr)] = [a.reg(f"x{i}") for i in args]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        for where in a.memo.pop(("ptrs", phase, nr), []):
            a.kernel.uaccess.write(where, data)
        a.set_reg("x0", value)


def _exec_auxv(adv: Adversary, phase: int, values: dict[int, int]) -> None:
    """Rewrite auxv entries of the image an exec after marker `phase` starts, just before
    its CREATE_DOMAIN (without a Guardian: where its first call enters)."""
    def forge(a: Adversary, sp: int) -> None:
        words = _stack_words(a, sp)
        for key, value in values.items():
            i = _auxv_slot(words, key) if words else None
            if i is not None:
                a.el1.write(sp + 8 * (i + 1), struct.pack("<Q", value))
                a.note(f"auxv entry {key} forged to {value:#x}")

    at_each_new_stack(adv, phase, forge)


@scenario(id="ZH-001", title="Store 12 for PR_GET_PDEATHSIG in the image a uid 65534 "
          "program exec'd after PR_SET_PDEATHSIG(SIGUSR1), its auxv claiming uid 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          silent=NEVER_RUNS, prop=PROP_EXEC)
def zh_pdeath_drop_exec(adv: Adversary) -> None:
    """1. A fork child's setresuid(65534, 65534, 65534) and prctl(PR_SET_PDEATHSIG,
    SIGUSR1) answered 0; it execs the program with -p, whose PR_GET_PDEATHSIG exits 7
    for a word of 12.
    2. The kernel writes AT_UID = AT_EUID = 0 into the new image's auxv (AT_SECURE 0), and
    stores 12: the program logs bytes 0..7 of the secret.
    execve() keeps the real uid (65534: AT_UID is from_kuid(cred->uid)); the exec is not
    secure, begin_new_exec() keeps pdeath_signal: 10, never 12."""
    _exec_auxv(adv, P_PDEATH_DROP_EXEC, {AT_UID: 0, AT_EUID: 0})
    prctl_word(adv, P_PDEATH_DROP_EXEC, {1: 0, 2: 0}, 2, 12)


def claim_pdeath_drop_exec_kept(adv: Adversary) -> None:
    """Step 0 as Linux answers: the set 0, the new image's word 10."""
    prctl_word(adv, P_PDEATH_DROP_EXEC, {1: 0, 2: 0}, 2, 10)


@scenario(id="ZH-002", title="Store 12 for PR_GET_PDEATHSIG in the image a secure exec "
          "started (real uid 0, euid 65534) after PR_SET_PDEATHSIG(SIGUSR1)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS,
          prop=PROP_EXEC)
def zh_pdeath_secure_exec(adv: Adversary) -> None:
    """1. A fork child's setresuid(-1, 65534, -1) and prctl(PR_SET_PDEATHSIG, SIGUSR1)
    answered 0; it execs the program with -p, whose PR_GET_PDEATHSIG exits 7 for a word
    of 12.
    2. The kernel stores 12: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `is_setid = __is_setuid(new, old)` (the euid 65534 is not
    the real uid 0) -> `bprm->secureexec = 1`; begin_new_exec(): `if
    (bprm->secureexec) { me->pdeath_signal = 0; ...}`: 0."""
    prctl_word(adv, P_PDEATH_SECURE_EXEC, {1: 0, 2: 0}, 2, 12)


def claim_pdeath_secure_exec_zero(adv: Adversary) -> None:
    """Step 1 as Linux answers: the set 0, the new image's word 0."""
    prctl_word(adv, P_PDEATH_SECURE_EXEC, {1: 0, 2: 0}, 2, 0)


@scenario(id="ZH-003", title="Answer 1 to getgroups(0, NULL) after setgroups(0, NULL) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROP_CREDS)
def zh_groups_empty(adv: Adversary) -> None:
    """1. A fork child's setgroups(0, NULL) answered 0; it calls getgroups(0, NULL) and
    exits 7 for another count than 0.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    __sys_setgroups() -> set_current_groups(): the group list is the empty one it gave;
    getgroups(0, ...) answers `group_info->ngroups`: 0."""
    _answers(adv, P_GROUPS_EMPTY, NR_GETGROUPS, 1)


@scenario(id="ZH-004", title="Store 0, 0, 0 for getresuid() after setresuid(65534, 65534, "
          "65534) answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zh_resuid_drop(adv: Adversary) -> None:
    """1. A fork child's setresuid(65534, 65534, 65534) answered 0; it calls getresuid()
    and exits 7 for a real uid 0.
    2. The kernel answers 0 and stores 0, 0, 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `new->uid = kruid; new->euid = keuid; new->suid = ksuid`,
    commit_creds(): getresuid() answers 65534, 65534, 65534."""
    _stores(adv, P_RESUID_DROP, NR_GETRESUID, (0, 1, 2), bytes(4))


@scenario(id="ZH-005", title="Answer 65534 to setfsuid(-1) of a root program that never "
          "changed an id", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_CREDS)
def zh_fsuid_root(adv: Adversary) -> None:
    """1. A fork child of the root program calls setfsuid(-1) and exits 7 for another
    answer than 0.
    2. The kernel answers 65534: the program logs bytes 0..7 of the secret.
    __sys_setfsuid(): `old_fsuid = from_kuid_munged(old->user_ns, old->fsuid)` is what it
    answers; exec set the fsuid to the euid (AT_EUID 0) and no call changed it: 0."""
    _answers(adv, P_FSUID_ROOT, NR_SETFSUID, 65534)


def claim_capget_no_fixup(adv: Adversary) -> None:
    """Step 5 as Linux answers where the launcher left SECBIT_NO_SETUID_FIXUP set (an exec
    keeps it; the user states it with `--launch-securebits 4`: under the README's
    launch, securebits 0, return.capset_effective refuses it): capget() 0 with the full effective set after
    setresuid(65534, 65534, 65534).  cap_task_fix_setuid(): `if
    (issecure(SECURE_NO_SETUID_FIXUP)) return 0;` -- no capability is cleared.  Once
    round 75c's ZH-006; the victim's step, which takes that for a forgery, logs -4."""
    # struct __user_cap_data_struct[2] {effective, permitted, inheritable}: capabilities
    # 0..40 (CAP_LAST_CAP) effective and permitted, none inheritable.
    full = struct.pack("<6I", 0xFFFF_FFFF, 0xFFFF_FFFF, 0, 0x1FF, 0x1FF, 0)
    _stores(adv, P_CAPGET_DROP, NR_CAPGET, (1,), full)


@scenario(id="ZH-007", title="Answer 0 to getuid() in the image a uid 65534 program exec'd, "
          "its auxv claiming uid 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, silent=NEVER_RUNS, prop=PROP_EXEC)
def zh_uid_drop_exec(adv: Adversary) -> None:
    """1. A fork child's setresuid(65534, 65534, 65534) answered 0; it execs the program
    with -u, whose getuid() exits 7 for 0.
    2. The kernel writes AT_UID = AT_EUID = 0 into the new image's auxv and answers
    getuid() 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies the cred; only a set-user-ID file changes the euid, never
    the real uid: 65534."""
    _exec_auxv(adv, P_UID_DROP_EXEC, {AT_UID: 0, AT_EUID: 0})
    _answers(adv, P_UID_DROP_EXEC, NR_GETUID, 0)


def claim_file_caps_secure(adv: Adversary) -> None:
    """Step 6 as Linux answers for a file with file capabilities (setcap cap_kill+ep): the
    uid 65534 program's exec is secure, AT_SECURE 1 with AT_UID = AT_EUID = 65534
    (cap_bprm_creds_from_file(): `!__is_real(root_uid, new) && (effective ||
    __cap_grew(permitted, ambient, new))` -> `bprm->secureexec = 1`)."""
    _exec_auxv(adv, P_UID_DROP_EXEC, {AT_SECURE: 1})


@scenario(id="ZH-008", title="Answer 0 to personality(0xffffffff) in the image an exec "
          "started after personality(ADDR_NO_RANDOMIZE)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, gap="P5", silent=NEVER_RUNS, prop=PROP_EXEC)
def zh_persona_exec(adv: Adversary) -> None:
    """1. A fork child's personality(ADDR_NO_RANDOMIZE) answered; it execs the program
    with -a, whose personality(0xffffffff) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    begin_new_exec() takes only bprm->per_clear (0 for a plain exec) off
    current->personality; ADDR_NO_RANDOMIZE stays: 0x0040000."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PERSONALITY, during=P_PERSONA_EXEC,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["query"] = a.reg("x0") & 0xFFFF_FFFF == 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PERSONALITY, during=P_PERSONA_EXEC,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("query"):
            a.set_reg("x0", 0)


@scenario(id="ZH-009", title="Store 12 for PR_GET_PDEATHSIG after PR_SET_PDEATHSIG(SIGUSR1) "
          "and a root program's setresuid(0, 0, 0)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_SAME)
def zh_pdeath_same(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) and setresuid(0, 0, 0) answered
    0; it calls PR_GET_PDEATHSIG and exits 7 for a word of 12.
    2. The kernel stores 12: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): every id equals the old one (`return 0` before commit_creds());
    commit_creds() only ever clears the signal: 10 (or 0), never 12."""
    prctl_word(adv, P_PDEATH_SAME, {1: 0, 2: 0}, 2, 12)


def claim_pdeath_same_kept(adv: Adversary) -> None:
    """Step 8 as Linux answers: the set 0, setresuid 0, the word 10."""
    prctl_word(adv, P_PDEATH_SAME, {1: 0, 2: 0}, 2, 10)


@scenario(id="ZH-010", title="Answer 1 to PR_GET_DUMPABLE after PR_SET_DUMPABLE(0) and a "
          "root program's setuid(0)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_SAME)
def zh_dump_same(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) and setuid(0)
    answered 0; it calls PR_GET_DUMPABLE and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    __sys_setuid() of a root thread sets every uid to 0, as they were; commit_creds():
    `if (!uid_eq(old->euid, new->euid) || ... || !cred_cap_issubset(old, new))
    set_dumpable(...)`: nothing changed, the mode stays 0."""
    prctl_by_option(adv, P_DUMP_SAME, {4: 0, 3: 1})


def claim_dump_same_zero(adv: Adversary) -> None:
    """Step 9 as Linux answers: the set 0, setuid 0, the get 0."""
    prctl_by_option(adv, P_DUMP_SAME, {4: 0, 3: 0})


@scenario(id="ZH-011", title="Answer PR_SPEC_PRCTL | PR_SPEC_DISABLE_NOEXEC to "
          "PR_GET_SPECULATION_CTRL in the image an exec started after "
          "PR_SPEC_DISABLE_NOEXEC", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, silent=NEVER_RUNS,
          prop="execve() ends a PR_SPEC_DISABLE_NOEXEC (arch_setup_new_exec()).")
def zh_spec_noexec_exec(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS,
    PR_SPEC_DISABLE_NOEXEC) answered 0; it execs the program with -x, whose
    PR_GET_SPECULATION_CTRL exits 7 for 17.
    2. The kernel answers 17: the program logs bytes 0..7 of the secret.
    arm64's arch_setup_new_exec(): `if (task_spec_ssb_noexec(current)) {
    task_clear_spec_ssb_noexec(current); ssbd_prctl_enable_mitigation(current, false);
    ...}`; ssbd_prctl_get() then answers PRCTL | ENABLE (or NOT_AFFECTED, or a mode
    without PRCTL), never PR_SPEC_DISABLE_NOEXEC."""
    prctl_by_option(adv, P_SPEC_NOEXEC_EXEC, {PR_SET_SPEC: 0, PR_GET_SPEC: 17})


def claim_spec_noexec_exec_enable(adv: Adversary) -> None:
    """Step 10 as Linux answers on an affected CPU: the set 0, the new image's get PRCTL |
    ENABLE (3)."""
    prctl_by_option(adv, P_SPEC_NOEXEC_EXEC, {PR_SET_SPEC: 0, PR_GET_SPEC: 3})


@scenario(id="ZH-012", title="Answer PR_SPEC_PRCTL | PR_SPEC_ENABLE to "
          "PR_GET_SPECULATION_CTRL after a seccomp filter was installed", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, gap="P5",
          prop="A seccomp filter without SECCOMP_FILTER_FLAG_SPEC_ALLOW forces the "
               "store-bypass disable (arch_seccomp_spec_mitigate()).")
def zh_spec_seccomp(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, allow-everything)
    answered 0; it calls PR_GET_SPECULATION_CTRL and exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    seccomp_attach_filter() -> seccomp_assign_mode(): `if (!(flags &
    SECCOMP_FILTER_FLAG_SPEC_ALLOW)) arch_seccomp_spec_mitigate(task);` -> arm64's
    ssbd_prctl_set(task, PR_SPEC_FORCE_DISABLE): PRCTL | FORCE_DISABLE (9), or a mode
    without PRCTL, or NOT_AFFECTED: never PRCTL | ENABLE."""
    prctl_by_option(adv, P_SPEC_SECCOMP, {PR_SET_SECCOMP: 0, PR_GET_SPEC: 3})


def claim_spec_seccomp_forced(adv: Adversary) -> None:
    """Step 11 as Linux answers on an affected CPU (the kernel model has no seccomp): the
    filter 0, the get PRCTL | FORCE_DISABLE (9)."""
    prctl_by_option(adv, P_SPEC_SECCOMP, {PR_SET_SECCOMP: 0, PR_GET_SPEC: 9})


def claim_setuid_regain_no_fixup(adv: Adversary) -> None:
    """Step 12 as Linux answers where the launcher left SECBIT_NO_SETUID_FIXUP set: the
    thread kept CAP_SETUID through setresuid(65534, 65534, 65534) (cap_task_fix_setuid()
    returns early), so __sys_setuid()'s `ns_capable_setid(old->user_ns, CAP_SETUID)`
    holds and setuid(0) answers 0.  Once round 75c's ZH-013; the victim's step logs -4."""
    _answers(adv, P_SETUID_REGAIN, NR_SETUID, 0)


@scenario(id="ZH-014", title="Answer 0 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(1) and "
          "setresuid(65534, 65534, 65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="set*id calls keep the securebits and the bounding set (only exec clears "
               "SECURE_KEEP_CAPS).")
def zh_keepcaps_drop(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) and setresuid(65534, 65534, 65534)
    answered 0; it calls PR_GET_KEEPCAPS and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid() -> prepare_creds() copies securebits; cap_task_fix_setuid() reads
    SECURE_KEEP_CAPS but never clears it (cap_bprm_creds_from_file() does, at exec): 1."""
    prctl_by_option(adv, P_KEEPCAPS_DROP, {8: 0, 7: 0})


def claim_keepcaps_drop_one(adv: Adversary) -> None:
    """Step 13 as Linux answers: the set 0, setresuid 0, the get 1."""
    prctl_by_option(adv, P_KEEPCAPS_DROP, {8: 0, 7: 1})


@scenario(id="ZH-015", title="Answer 1 to PR_CAPBSET_READ(5) after PR_CAPBSET_DROP(5) and "
          "setresuid(65534, 65534, 65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="set*id calls keep the securebits and the bounding set (only exec clears "
               "SECURE_KEEP_CAPS).")
def zh_capbset_drop(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAPBSET_DROP, CAP_KILL) and setresuid(65534, 65534,
    65534) answered 0; it calls PR_CAPBSET_READ(CAP_KILL) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    prepare_creds() copies cap_bset; cap_emulate_setxuid() clears only the permitted,
    effective and ambient sets; nothing but a new user namespace raises cap_bset: 0."""
    prctl_by_option(adv, P_CAPBSET_DROP, {24: 0, 23: 1})


def claim_capbset_drop_zero(adv: Adversary) -> None:
    """Step 14 (both runs of it) as Linux answers: the drop 0, setresuid 0, the read 0."""
    prctl_by_option(adv, P_CAPBSET_DROP, {24: 0, 23: 0})
    prctl_by_option(adv, P_CAPBSET_AFTER, {24: 0, 23: 0})


def claim_persona_secure_kept(adv: Adversary) -> None:
    """Step 15 (--secure) as Linux answers for a real-root thread: its
    setresuid(-1, 65534, -1) kept the permitted set (cap_emulate_setxuid() clears it
    only where no uid stays 0), its exec of a file without set-id bits or file
    capabilities gains none (handle_privileged_root()), so `if (__cap_gained(permitted,
    new, old)) bprm->per_clear |= PER_CLEAR_ON_SETID;` does not fire and the new image's
    personality(0xffffffff) answers ADDR_NO_RANDOMIZE (0x0040000), though the exec is
    secure.  The kernel model answers that itself.  Once round 75c's ZH-016; the victim's
    step logs -4."""
    _persona_query(adv, 0x0040000)


def claim_persona_secure_zero(adv: Adversary) -> None:
    """Step 15 (--secure) as Linux answers where the permitted set was lowered before the
    exec (the exec regains it: per_clear) or an LSM set bprm->per_clear: the new image's
    personality(0xffffffff) 0."""
    _persona_query(adv, 0)


def _persona_query(adv: Adversary, value: int) -> None:
    """Answer personality(0xffffffff) after marker P_PERSONA_SECURE `value`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PERSONALITY, during=P_PERSONA_SECURE,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["query"] = a.reg("x0") & 0xFFFF_FFFF == 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PERSONALITY, during=P_PERSONA_SECURE,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("query"):
            a.set_reg("x0", value)


@scenario(id="ZH-017", title="Make an anonymous PROT_READ | PROT_WRITE | PROT_EXEC mapping "
          "under MDWE after a memfd's read-write and read-exec views", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="MDWE refuses every mapping both writable and executable "
               "(map_deny_write_exec()).")
def zh_mdwe_dual(adv: Adversary) -> None:
    """1. A fork child's memfd_create() and ftruncate(4096) answered, prctl(PR_SET_MDWE,
    1) answered 0; it maps the memfd MAP_SHARED read-write, stores into it, maps it again
    read-exec (as a JIT does), then calls mmap(NULL, 4096, PROT_READ | PROT_WRITE |
    PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS) and exits 7 for a mapping.
    2. The kernel makes the mapping: the program logs bytes 0..7 of the secret.
    mmap_region() -> map_deny_write_exec(): `if ((vm_flags & VM_EXEC) && (vm_flags &
    VM_WRITE)) return true;` -> -EACCES."""
    prctl_by_option(adv, P_MDWE_DUAL, {65: 0})


def claim_mdwe_dual_views(adv: Adversary) -> None:
    """Step 16 as Linux answers: PR_SET_MDWE 0, both memfd views made (neither is both
    writable and executable), the writable, executable anonymous mmap -EACCES."""
    prctl_by_option(adv, P_MDWE_DUAL, {65: 0})

    @adv.on(Point.SYSCALL_EXIT, nr=222, during=P_MDWE_DUAL, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("rwx"):
            a.set_reg("x0", -13 & 0xFFFF_FFFF_FFFF_FFFF)

    @adv.on(Point.SYSCALL_ENTRY, nr=222, during=P_MDWE_DUAL, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["rwx"] = a.reg("x2") & 7 == 7


@scenario(id="ZH-018", title="Answer 1 to PR_CAPBSET_READ(5) after PR_CAPBSET_DROP(5) in a "
          "fork child started after another child's seccomp filter", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="A seccomp filter is the installing thread's (and its later children's): a "
               "process forked from a parent that installed none runs unfiltered.")
def zh_capbset_after_seccomp(adv: Adversary) -> None:
    """1. Step 11's fork child called prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) and
    exited; a new fork child of the parent (which never installed a filter) has
    prctl(PR_CAPBSET_DROP, CAP_KILL) and setresuid(65534, 65534, 65534) answered 0; it
    calls PR_CAPBSET_READ(CAP_KILL) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    seccomp_assign_mode() sets the filter on the calling task only; copy_process() ->
    copy_seccomp() copies the parent's (none): no filter answers the child's calls, and
    cap_bset stays without CAP_KILL (ZH-015 is refused): 0."""
    prctl_by_option(adv, P_CAPBSET_AFTER, {24: 0, 23: 1})


PROP_SECBITS = ("PR_GET_SECUREBITS answers the securebits PR_SET_SECUREBITS set; an exec "
                "clears only SECURE_KEEP_CAPS (cap_bprm_creds_from_file()).")


@scenario(id="ZH-019", title="Answer 0 to PR_GET_SECUREBITS after "
          "PR_SET_SECUREBITS(SECBIT_NOROOT) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_SECBITS)
def zh_securebits(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECUREBITS, SECBIT_NOROOT) answered 0; it calls
    PR_GET_SECUREBITS and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `new->securebits = arg2; return commit_creds(new);`, then
    PR_GET_SECUREBITS answers `old->securebits`: 1."""
    prctl_by_option(adv, P_SECUREBITS, {28: 0, 27: 0})


def claim_securebits_one(adv: Adversary) -> None:
    """Steps 18 and 19 as Linux answers: the set 0, the get 1 (the kernel model has no
    securebits)."""
    prctl_by_option(adv, P_SECUREBITS, {28: 0, 27: 1})
    prctl_by_option(adv, P_SECUREBITS_EXEC, {28: 0, 27: 1})


@scenario(id="ZH-020", title="Answer 0 to PR_GET_SECUREBITS in the image an exec started "
          "after PR_SET_SECUREBITS(SECBIT_NOROOT)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, silent=NEVER_RUNS, prop=PROP_SECBITS)
def zh_securebits_exec(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECUREBITS, SECBIT_NOROOT) answered 0; it execs the
    program with -z, whose PR_GET_SECUREBITS exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prepare_exec_creds() copies securebits; cap_bprm_creds_from_file(): `new->securebits
    &= ~issecure_mask(SECURE_KEEP_CAPS);` only: 1."""
    prctl_by_option(adv, P_SECUREBITS_EXEC, {28: 0, 27: 0})


def claim_setuid_root_exec(adv: Adversary) -> None:
    """Step 6 as Linux answers for a set-user-ID root file: the uid 65534 program's exec
    gives AT_UID 65534, AT_EUID 0 and AT_SECURE 1 (cap_bprm_creds_from_file(): `is_setid`
    -> `bprm->secureexec = 1`); the image's getuid() 65534.  The kernel model ignores
    set-id bits: the claim step writes that auxv."""
    _exec_auxv(adv, P_UID_DROP_EXEC, {AT_EUID: 0, AT_SECURE: 1})
