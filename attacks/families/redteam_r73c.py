"""Red-team round 73c: MDWE, SECURE_KEEP_CAPS, the child subreaper bit, MMF_DISABLE_THP
and the parent-death signal across fork, execve() and a credential change, and the calls
MDWE refuses beyond a writable, executable mapping.

Linux: prctl_set_mdwe() answers -EPERM where the mm already holds other bits than the
ones asked (`current_bits && current_bits != bits`: never cleared, never widened);
map_deny_write_exec() refuses an exec gain (PROT_EXEC on an area that was not
VM_EXEC) as well as write with exec, and do_mmap() adds PROT_EXEC to a readable mapping
under READ_IMPLIES_EXEC.  mm_init() -> mmf_init_flags() carries MMF_HAS_MDWE and
MMF_DISABLE_THP into a fork child's and an exec's new mm, and clears both MDWE bits
where PR_MDWE_NO_INHERIT was set.  cap_bprm_creds_from_file() clears SECURE_KEEP_CAPS at
every execve(); copy_signal() starts a fork child's is_child_subreaper at 0;
commit_creds() clears pdeath_signal where the egid changes.

On the victim `secret_r73_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes):

- ZB-001: prctl(PR_SET_MDWE, 1) answered 0, then prctl(PR_SET_MDWE, 0) answered 0;
- ZB-002: prctl(PR_SET_MDWE, 1) answered 0, then prctl(PR_SET_MDWE, 3) answered 0;
- ZB-003: prctl(PR_SET_MDWE, 1) answered 0, then mprotect(PROT_READ | PROT_EXEC) of an
  anonymous read-write page answered 0;
- ZB-004: personality(READ_IMPLIES_EXEC), prctl(PR_SET_MDWE, 1) answered 0, then an
  anonymous mmap(PROT_READ | PROT_WRITE) made;
- ZB-005: a writable, executable mapping made and unmapped, prctl(PR_SET_MDWE, 1)
  answered 0, then mmap(NULL, PROT_READ | PROT_WRITE | PROT_EXEC) made;
- ZB-006: prctl(PR_SET_MDWE, 1) answered 0, a fork grandchild's PR_GET_MDWE answered 0;
- ZB-007: prctl(PR_SET_MDWE, 3) answered 0, a fork grandchild's PR_GET_MDWE answered 3;
- ZB-008: prctl(PR_SET_MDWE, 1) answered 0, the exec'd image's PR_GET_MDWE answered 0;
- ZB-009: prctl(PR_SET_MDWE, 3) answered 0, the exec'd image's PR_GET_MDWE answered 3;
- ZB-010: prctl(PR_SET_KEEPCAPS, 1) answered 0, the exec'd image's PR_GET_KEEPCAPS
  answered 1;
- ZB-011: prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0, a fork grandchild's
  PR_GET_CHILD_SUBREAPER stored 1;
- ZB-012: prctl(PR_SET_THP_DISABLE, 1) answered 0, the exec'd image's PR_GET_THP_DISABLE
  answered 0;
- ZB-013: prctl(PR_SET_PDEATHSIG, SIGUSR1) answered 0, setresgid(-1, 65534, -1) answered
  0 and getresgid() reported the egid 65534, then PR_GET_PDEATHSIG stored 10;
- ZB-014: prctl(PR_SET_MDWE, 3) answered 0, then PR_GET_MDWE answered 1;
- ZB-015: PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE) answered 0, then
  PR_GET_SPECULATION_CTRL answered PR_SPEC_PRCTL | PR_SPEC_ENABLE;
- ZB-016: PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_FORCE_DISABLE) answered 0,
  then PR_SPEC_ENABLE answered 0;
- ZB-017..ZB-019: PR_SET_KEEPCAPS(1), PR_SET_CHILD_SUBREAPER(1), PR_SET_MDWE(1) answered
  0, then a new thread's (CLONE_THREAD) PR_GET_KEEPCAPS 0, PR_GET_CHILD_SUBREAPER word 0,
  PR_GET_MDWE 0;
- ZB-020: PR_SET_PDEATHSIG(SIGUSR1) answered 0, then PR_GET_PDEATHSIG stored 12;
- ZB-021: PR_CAPBSET_DROP(5) answered 0, then PR_CAPBSET_READ(5) answered 1;
- ZB-022: PR_CAP_AMBIENT_RAISE(5) answered 0, then PR_CAP_AMBIENT_IS_SET(5) answered 0;
- honest (tests/test_redteam_r73c_claims.py): a fork grandchild's PR_GET_MDWE answering 0
  and its writable, executable mmap after PR_SET_MDWE(3) (claim_noinherit_fork_zero),
  the exec'd image's PR_GET_MDWE answering 1 (claim_mdwe_exec_one), 0 with its writable,
  executable mmap after NO_INHERIT (claim_noinherit_exec_zero), PR_GET_KEEPCAPS 0
  (claim_keepcaps_exec_zero), PR_GET_THP_DISABLE 1 (claim_thp_exec_one), the grandchild's
  subreaper word 0 (claim_subreaper_fork_zero), PR_GET_MDWE 3 after the set of both bits
  (claim_noinherit_get_three), a new thread's PR_GET_KEEPCAPS 1, subreaper word 1 and
  PR_GET_MDWE 1 (claim_keepcaps_thread_one, claim_subreaper_thread_one,
  claim_mdwe_thread_one); under READ_IMPLIES_EXEC, a writable, executable mmap the
  kernel places just below a PROT_READ | PROT_WRITE one (writable and executable: do_mmap()
  adds PROT_EXEC) made before PR_SET_MDWE, merged into it by 6.3..6.11's mmap_region()
  (claim_rie_merge_map).  The kernel model has no MDWE (its prctl answers -EINVAL):
  the claim_* steps answer the prctls as Linux does.

qemu-aarch64-static (host 6.18) runs every step to label 0: the second PR_SET_MDWE is
-EPERM, the exec gain and READ_IMPLIES_EXEC's mmap -EACCES, the exec'd image's MDWE 1
(0 after NO_INHERIT), its KEEPCAPS 0, THP_DISABLE 1, the grandchild's subreaper word 0.

Through with the Guardian on (gap P5): ZB-005 -- prctl_state.py keeps "a writable,
executable area was made" after it is unmapped.  Since round 76c (return.range_table,
guardian/rie_areas.py): ZB-003 (map_deny_write_exec()'s exec gain, judged on an
anonymous area whose protection the program's own calls set, where no personality() of
the space set READ_IMPLIES_EXEC).
Refused: ZB-006, ZB-007, ZB-014, ZB-019 (return.range_table: the MDWE bits followed
into a fork child, a thread and after the set); since round 75c (return.range_table,
guardian/prctl_state.py): ZB-001, ZB-002 (prctl_set_mdwe()'s -EPERM), ZB-004
(READ_IMPLIES_EXEC's PROT_EXEC), ZB-008, ZB-009, ZB-012 (exec_kept.py:
mmf_init_flags(); an exec'd image keeps its former image's want of seccomp filters),
ZB-010 (cap_bprm_creds_from_file()), ZB-011 (copy_signal()), ZB-017, ZB-018
(copy_creds(), CLONE_THREAD's signal_struct), ZB-013 (commit_creds(): an egid known
before setresgid() and changed by it), ZB-020 (PR_SET_PDEATHSIG's signal), ZB-021
(PR_CAPBSET_DROP), ZB-022 (PR_CAP_AMBIENT_RAISE), ZB-015, ZB-016 (ssbd_prctl_get() and
ssbd_prctl_set(): the thread's store-bypass control).
False refusal, fixed in round 75c: claim_rie_merge_map (READ_IMPLIES_EXEC's R|W mapping
counts as writable and executable).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option, prctl_word
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r73c"
CORE = "secret_r73_core"
# secret_r73_core: the marker before each step; the marker after its write is + 1.
P_MDWE_DROP, P_MDWE_WIDEN, P_MDWE_EXEC_GAIN, P_MDWE_RIE = 9600, 9602, 9604, 9606
P_MDWE_WX_GONE, P_MDWE_FORK, P_MDWE_NOINH_FORK, P_MDWE_EXEC = 9608, 9610, 9612, 9614
P_MDWE_NOINH_EXEC, P_KEEPCAPS_EXEC, P_SUBREAPER_FORK, P_THP_EXEC = 9616, 9618, 9620, 9622
P_PDEATH_SETUID, P_MDWE_GET_NOINH, P_MDWE_RIE_MERGE, P_SPEC_DISABLE_GET = 9624, 9626, 9628, 9630
P_SPEC_FORCE_ENABLE, P_KEEPCAPS_THREAD, P_SUBREAPER_THREAD, P_MDWE_THREAD = 9632, 9634, 9636, 9638
P_PDEATH_OTHER, P_CAPBSET_DROP_READ, P_AMBIENT_RAISE_IS_SET = 9640, 9642, 9644
#: the steps an untouched run takes
PHASES = (P_MDWE_DROP, P_MDWE_WIDEN, P_MDWE_EXEC_GAIN, P_MDWE_RIE, P_MDWE_WX_GONE,
          P_MDWE_FORK, P_MDWE_NOINH_FORK, P_MDWE_EXEC, P_MDWE_NOINH_EXEC, P_KEEPCAPS_EXEC,
          P_SUBREAPER_FORK, P_THP_EXEC, P_PDEATH_SETUID, P_MDWE_GET_NOINH, P_MDWE_RIE_MERGE,
          P_SPEC_DISABLE_GET, P_SPEC_FORCE_ENABLE, P_KEEPCAPS_THREAD, P_SUBREAPER_THREAD,
          P_MDWE_THREAD, P_PDEATH_OTHER, P_CAPBSET_DROP_READ, P_AMBIENT_RAISE_IS_SET)
P_FIRST, P_VICTIM_LAST = P_MDWE_DROP, max(PHASES)
NR_SETRESGID, NR_GETRESGID = 149, 150
PR_SET_MDWE, PR_GET_MDWE = 65, 66
PROP_MDWE = ("prctl_set_mdwe() never clears nor changes the bits an mm holds (-EPERM), "
             "and map_deny_write_exec() refuses an exec gain and any writable, executable "
             "area under MMF_HAS_MDWE (-EACCES).")
PROP_KEPT = ("What fork and execve() keep of a process's prctl state is what "
             "mmf_init_flags(), copy_signal() and cap_bprm_creds_from_file() leave.")


@scenario(id="ZB-001", title="Answer 0 to a second prctl(PR_SET_MDWE, 0) after "
          "PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_MDWE)
def zb_mdwe_drop(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 1) answered 0; it calls prctl(PR_SET_MDWE, 0)
    and exits 7 for 0; the parent chooses -4 for 7.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_set_mdwe(): `if (current_bits && current_bits != bits) return -EPERM;`."""
    prctl_by_option(adv, P_MDWE_DROP, {PR_SET_MDWE: 0})


@scenario(id="ZB-002", title="Answer 0 to prctl(PR_SET_MDWE, 3) after "
          "PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_MDWE)
def zb_mdwe_widen(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 1) answered 0; it calls prctl(PR_SET_MDWE,
    PR_MDWE_REFUSE_EXEC_GAIN | PR_MDWE_NO_INHERIT) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prctl_set_mdwe(): the mm holds 1, not 3: -EPERM."""
    prctl_by_option(adv, P_MDWE_WIDEN, {PR_SET_MDWE: 0})


@scenario(id="ZB-003", title="Answer 0 to mprotect(PROT_READ | PROT_EXEC) of a read-write "
          "page under MDWE", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_MDWE)
def zb_mdwe_exec_gain(adv: Adversary) -> None:
    """1. A fork child maps an anonymous PROT_READ | PROT_WRITE page; prctl(PR_SET_MDWE, 1)
    answered 0; it calls mprotect(page, PROT_READ | PROT_EXEC) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    do_mprotect_pkey(): `if (map_deny_write_exec(vma, newflags))` -EACCES:
    map_deny_write_exec() refuses VM_EXEC where the vma had no VM_EXEC (an exec gain)."""
    prctl_by_option(adv, P_MDWE_EXEC_GAIN, {PR_SET_MDWE: 0})


@scenario(id="ZB-004", title="Make an anonymous PROT_READ | PROT_WRITE mapping under MDWE "
          "and READ_IMPLIES_EXEC", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROP_MDWE)
def zb_mdwe_rie(adv: Adversary) -> None:
    """1. A fork child's personality(READ_IMPLIES_EXEC) and prctl(PR_SET_MDWE, 1) answered
    0; it calls mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) and
    exits 7 for a mapping.
    2. The kernel makes the mapping: the program logs bytes 0..7 of the secret.
    do_mmap(): `if ((prot & PROT_READ) && (current->personality & READ_IMPLIES_EXEC))
    prot |= PROT_EXEC;` then mmap_region(): map_deny_write_exec() -EACCES."""
    prctl_by_option(adv, P_MDWE_RIE, {PR_SET_MDWE: 0})


@scenario(id="ZB-005", title="Make a writable, executable mapping under MDWE after the only "
          "such area made before the set was unmapped", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, gap="P5", prop=PROP_MDWE)
def zb_mdwe_wx_gone(adv: Adversary) -> None:
    """1. A fork child maps and unmaps a PROT_READ | PROT_WRITE | PROT_EXEC page; its
    prctl(PR_SET_MDWE, 1) answered 0; it calls mmap(NULL, 4096, PROT_READ | PROT_WRITE |
    PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS) and exits 7 for a mapping.
    2. The kernel makes the mapping: the program logs bytes 0..7 of the secret.
    mmap_region(): no writable, executable vma is left to merge with, the new vma meets
    map_deny_write_exec(): -EACCES."""
    prctl_by_option(adv, P_MDWE_WX_GONE, {PR_SET_MDWE: 0})


@scenario(id="ZB-006", title="Answer 0 to a fork child's prctl(PR_GET_MDWE) after "
          "PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_mdwe_fork_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 1) answered 0; its fork child calls
    prctl(PR_GET_MDWE) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    dup_mm() -> mm_init() -> mmf_init_flags() keeps MMF_HAS_MDWE: 1."""
    prctl_by_option(adv, P_MDWE_FORK, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


@scenario(id="ZB-007", title="Answer 3 to a fork child's prctl(PR_GET_MDWE) after "
          "PR_SET_MDWE(REFUSE_EXEC_GAIN | NO_INHERIT)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_noinherit_fork_three(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 3) answered 0; its fork child calls
    prctl(PR_GET_MDWE) and exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    mmf_init_flags(): `if (flags & (1UL << MMF_HAS_MDWE_NO_INHERIT)) flags &=
    ~((1UL << MMF_HAS_MDWE) | (1UL << MMF_HAS_MDWE_NO_INHERIT));`: 0."""
    prctl_by_option(adv, P_MDWE_NOINH_FORK, {PR_SET_MDWE: 0, PR_GET_MDWE: 3})


def claim_noinherit_fork_zero(adv: Adversary) -> None:
    """Step 6 as Linux answers: the set 0, the grandchild's get 0 and its writable,
    executable mmap a mapping (the kernel model has no MDWE)."""
    prctl_by_option(adv, P_MDWE_NOINH_FORK, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


@scenario(id="ZB-008", title="Answer 0 to prctl(PR_GET_MDWE) in the image an execve() of a "
          "process under MDWE started", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_mdwe_exec_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 1) answered 0; it execs the program with -m,
    whose PR_GET_MDWE exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    bprm_mm_init() -> mm_alloc() -> mm_init(): `mm->flags =
    mmf_init_flags(current->mm->flags)`: MMF_HAS_MDWE survives the exec, 1."""
    prctl_by_option(adv, P_MDWE_EXEC, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


def claim_mdwe_exec_one(adv: Adversary) -> None:
    """Step 7 as Linux answers: the set 0, the new image's get 1."""
    prctl_by_option(adv, P_MDWE_EXEC, {PR_SET_MDWE: 0, PR_GET_MDWE: 1})


@scenario(id="ZB-009", title="Answer 3 to prctl(PR_GET_MDWE) in the image an execve() "
          "started after PR_SET_MDWE(REFUSE_EXEC_GAIN | NO_INHERIT)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_noinherit_exec_three(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 3) answered 0; it execs the program with -w,
    whose PR_GET_MDWE exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    mm_init() -> mmf_init_flags() clears both bits under NO_INHERIT: 0."""
    prctl_by_option(adv, P_MDWE_NOINH_EXEC, {PR_SET_MDWE: 0, PR_GET_MDWE: 3})


def claim_noinherit_exec_zero(adv: Adversary) -> None:
    """Step 8 as Linux answers: the set 0, the new image's get 0 and its writable,
    executable mmap a mapping."""
    prctl_by_option(adv, P_MDWE_NOINH_EXEC, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


@scenario(id="ZB-010", title="Answer 1 to prctl(PR_GET_KEEPCAPS) in the image an execve() "
          "started after PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_keepcaps_exec_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 0) and prctl(PR_SET_KEEPCAPS, 1) answered 0
    (the first gates the step to kernels with MDWE); it execs the program with -k, whose PR_GET_KEEPCAPS exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`
    at every execve(): 0."""
    prctl_by_option(adv, P_KEEPCAPS_EXEC, {PR_SET_MDWE: 0, 8: 0, 7: 1})


def claim_keepcaps_exec_zero(adv: Adversary) -> None:
    """Step 9 as Linux answers: the set 0, the new image's get 0."""
    prctl_by_option(adv, P_KEEPCAPS_EXEC, {PR_SET_MDWE: 0, 8: 0, 7: 0})


@scenario(id="ZB-011", title="Store 1 for a fork child's prctl(PR_GET_CHILD_SUBREAPER, "
          "&word) after its parent's PR_SET_CHILD_SUBREAPER(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_subreaper_fork_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0; its fork child calls
    prctl(PR_GET_CHILD_SUBREAPER, &word) and exits 7 for a word of 1.
    2. The kernel answers 0 and stores 1: the program logs bytes 0..7 of the secret.
    copy_signal(): a zeroed signal_struct (only has_child_subreaper is inherited): 0."""
    prctl_word(adv, P_SUBREAPER_FORK, {36: 0, 37: 0}, 37, 1)


def claim_subreaper_fork_zero(adv: Adversary) -> None:
    """Step 10 as Linux answers: the set 0, the grandchild's word 0."""
    prctl_word(adv, P_SUBREAPER_FORK, {36: 0, 37: 0}, 37, 0)


@scenario(id="ZB-012", title="Answer 0 to prctl(PR_GET_THP_DISABLE) in the image an execve() "
          "started after PR_SET_THP_DISABLE(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_thp_exec_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 0) and prctl(PR_SET_THP_DISABLE, 1) answered
    0; it execs the program with -t, whose PR_GET_THP_DISABLE exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    mm_init(): MMF_DISABLE_THP is in MMF_INIT_MASK, the exec's new mm keeps it: 1."""
    prctl_by_option(adv, P_THP_EXEC, {PR_SET_MDWE: 0, 41: 0, 42: 0})


def claim_thp_exec_one(adv: Adversary) -> None:
    """Step 11 as Linux answers: the set 0, the new image's get 1."""
    prctl_by_option(adv, P_THP_EXEC, {PR_SET_MDWE: 0, 41: 0, 42: 1})


def _setresgid_zero(adv: Adversary, phase: int) -> None:
    """Answer 0 to setresgid() after marker `phase` in any process, and report the egid
    65534 from getresgid() (the kernel model has neither: every id stays 0)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETRESGID, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRESGID, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.el1.syscall_args()[1], 65534)
        a.set_reg("x0", 0)


@scenario(id="ZB-013", title="Store SIGUSR1 for prctl(PR_GET_PDEATHSIG, &word) after "
          "setresgid() changed the egid", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="commit_creds() clears pdeath_signal where the egid changes.")
def zb_pdeath_setuid_ten(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) and setresgid(-1, 65534, -1)
    answered 0; it calls prctl(PR_GET_PDEATHSIG, &word) and exits 7 for a word of 10.
    2. The kernel answers 0 and stores 10: the program logs bytes 0..7 of the secret.
    commit_creds(): `if (... || !gid_eq(old->egid, new->egid) || ...) { ...
    task->pdeath_signal = 0; }`: 0 (the kernel model has no setresgid: the step answers
    it)."""
    _setresgid_zero(adv, P_PDEATH_SETUID)
    prctl_word(adv, P_PDEATH_SETUID, {1: 0, 2: 0}, 2, 10)


@scenario(id="ZB-014", title="Answer 1 to prctl(PR_GET_MDWE) after PR_SET_MDWE("
          "REFUSE_EXEC_GAIN | NO_INHERIT)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_noinherit_get_one(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 3) answered 0; it calls prctl(PR_GET_MDWE) and
    exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    prctl_get_mdwe() reports both bits the set left: 3."""
    prctl_by_option(adv, P_MDWE_GET_NOINH, {PR_SET_MDWE: 0, PR_GET_MDWE: 1})


def claim_noinherit_get_three(adv: Adversary) -> None:
    """Step 13 as Linux answers: the set 0, the get 3."""
    prctl_by_option(adv, P_MDWE_GET_NOINH, {PR_SET_MDWE: 0, PR_GET_MDWE: 3})


def claim_rie_merge_map(adv: Adversary) -> None:
    """Step 14 as Linux 6.3..6.11 answers: under READ_IMPLIES_EXEC the read-write mmap is
    writable and executable (do_mmap() adds PROT_EXEC), the set 0, and the writable,
    executable mmap the kernel places just below it merges into it (mmap_region():
    vma_expand() of the next vma, `goto expanded`, before the map_deny_write_exec() check
    of a new vma): a mapping.  The kernel model has no MDWE: the step answers the set."""
    prctl_by_option(adv, P_MDWE_RIE_MERGE, {PR_SET_MDWE: 0})


@scenario(id="ZB-015", title="Answer PR_SPEC_PRCTL | PR_SPEC_ENABLE to "
          "PR_GET_SPECULATION_CTRL after PR_SET_SPECULATION_CTRL(PR_SPEC_DISABLE) answered 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="ssbd_prctl_get() reports the task's own PR_SPEC_DISABLE once set.")
def zb_spec_disable_get_enable(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS,
    PR_SPEC_DISABLE) answered 0; it calls PR_GET_SPECULATION_CTRL and exits 7 for 3.
    2. The kernel answers 3: the program logs bytes 0..7 of the secret.
    ssbd_prctl_set(): ssbd_prctl_enable_mitigation() sets the task's ssb_disable; then
    ssbd_prctl_get() answers PR_SPEC_NOT_AFFECTED (mitigated, or not affected),
    PR_SPEC_ENABLE (vulnerable) or PR_SPEC_PRCTL | PR_SPEC_DISABLE (dynamic): never
    PR_SPEC_PRCTL | PR_SPEC_ENABLE."""
    prctl_by_option(adv, P_SPEC_DISABLE_GET, {53: 0, 52: 3})


@scenario(id="ZB-016", title="Answer 0 to PR_SET_SPECULATION_CTRL(PR_SPEC_ENABLE) after "
          "PR_SPEC_FORCE_DISABLE answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="ssbd_prctl_set() refuses PR_SPEC_ENABLE after PR_SPEC_FORCE_DISABLE.")
def zb_spec_force_enable(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS,
    PR_SPEC_FORCE_DISABLE) answered 0; it sets PR_SPEC_ENABLE and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ssbd_prctl_set(): `case PR_SPEC_ENABLE: if (task_spec_ssb_force_disable(task))
    return -EPERM;`."""
    prctl_by_option(adv, P_SPEC_FORCE_ENABLE, {53: 0})


@scenario(id="ZB-017", title="Answer 0 to a new thread's prctl(PR_GET_KEEPCAPS) after its "
          "creator's PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="A CLONE_THREAD child shares its creator's cred (copy_creds()).")
def zb_keepcaps_thread_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0; its new thread
    (CLONE_THREAD) calls prctl(PR_GET_KEEPCAPS) and the child exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds(): `if (clone_flags & CLONE_THREAD) { p->real_cred = get_cred(p->cred);
    ...}`: the thread's securebits are its creator's, SECURE_KEEP_CAPS set: 1."""
    prctl_by_option(adv, P_KEEPCAPS_THREAD, {8: 0, 7: 0})


def claim_keepcaps_thread_one(adv: Adversary) -> None:
    """Step 17 as Linux answers: the set 0, the thread's get 1."""
    prctl_by_option(adv, P_KEEPCAPS_THREAD, {PR_SET_MDWE: 0, 8: 0, 7: 1})


@scenario(id="ZB-018", title="Store 0 for a new thread's prctl(PR_GET_CHILD_SUBREAPER, "
          "&word) after its creator's PR_SET_CHILD_SUBREAPER(1)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="is_child_subreaper is in the signal_struct every thread of a process shares.")
def zb_subreaper_thread_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_CHILD_SUBREAPER, 1) answered 0; its new thread calls
    prctl(PR_GET_CHILD_SUBREAPER, &word) and the child exits 7 for a word of 0.
    2. The kernel answers 0 and stores 0: the program logs bytes 0..7 of the secret.
    copy_signal() is skipped for CLONE_THREAD: `me->signal->is_child_subreaper` is the
    one the set wrote, 1."""
    prctl_word(adv, P_SUBREAPER_THREAD, {36: 0, 37: 0}, 37, 0)


def claim_subreaper_thread_one(adv: Adversary) -> None:
    """Step 18 as Linux answers: the set 0, the thread's word 1."""
    prctl_word(adv, P_SUBREAPER_THREAD, {36: 0, 37: 0}, 37, 1)


@scenario(id="ZB-019", title="Answer 0 to a new thread's prctl(PR_GET_MDWE) after its "
          "creator's PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROP_KEPT)
def zb_mdwe_thread_zero(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_MDWE, 1) answered 0; its new thread calls
    prctl(PR_GET_MDWE) and the child exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    CLONE_VM: one mm, MMF_HAS_MDWE set: 1."""
    prctl_by_option(adv, P_MDWE_THREAD, {PR_SET_MDWE: 0, PR_GET_MDWE: 0})


def claim_mdwe_thread_one(adv: Adversary) -> None:
    """Step 19 as Linux answers: the set 0, the thread's get 1."""
    prctl_by_option(adv, P_MDWE_THREAD, {PR_SET_MDWE: 0, PR_GET_MDWE: 1})


@scenario(id="ZB-020", title="Store 12 for prctl(PR_GET_PDEATHSIG, &word) after "
          "PR_SET_PDEATHSIG(SIGUSR1) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="PR_GET_PDEATHSIG stores the thread's pdeath_signal: what its set wrote, or 0 "
               "after a credential change.")
def zb_pdeath_other(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_PDEATHSIG, SIGUSR1) answered 0; it calls
    prctl(PR_GET_PDEATHSIG, &word) and exits 7 for a word of 12.
    2. The kernel answers 0 and stores 12: the program logs bytes 0..7 of the secret.
    prctl(): `current->pdeath_signal = arg2;` then `put_user(current->pdeath_signal,
    ...)`: 10 (0 only where commit_creds() cleared it; no credential changed here)."""
    prctl_word(adv, P_PDEATH_OTHER, {1: 0, 2: 0}, 2, 12)


@scenario(id="ZB-021", title="Answer 1 to prctl(PR_CAPBSET_READ, 5) after PR_CAPBSET_DROP(5) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop="cap_prctl_drop() lowers the bit in cap_bset; nothing raises it.")
def zb_capbset_drop_read(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAPBSET_DROP, CAP_KILL) answered 0; it calls
    prctl(PR_CAPBSET_READ, CAP_KILL) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_prctl_drop(): `cap_lower(new->cap_bset, cap)`; PR_CAPBSET_READ answers
    `!!cap_raised(current_cred()->cap_bset, arg2)`: 0 (the kernel model has no
    PR_CAPBSET_DROP: the step answers it)."""
    prctl_by_option(adv, P_CAPBSET_DROP_READ, {24: 0, 23: 1})


@scenario(id="ZB-022", title="Answer 0 to PR_CAP_AMBIENT_IS_SET(5) after "
          "PR_CAP_AMBIENT_RAISE(5) answered 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE,
          prop="PR_CAP_AMBIENT_RAISE raises the bit PR_CAP_AMBIENT_IS_SET reports.")
def zb_ambient_raise_is_set(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL) answered 0;
    it calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): RAISE `cap_raise(new->cap_ambient, arg3)` and commit_creds(); IS_SET
    answers `!!cap_raised(current_cred()->cap_ambient, arg3)`: 1."""
    prctl_by_option(adv, P_AMBIENT_RAISE_IS_SET, {47: 0})
