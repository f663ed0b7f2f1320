"""Red-team round 80c: the securebits locks (return.securebits_locked) and capget() after
capset() (return.capset_effective) around the calls that leave a thread's cred alone
(unshare() without CLONE_NEWUSER, setgid(), a failed execve(), another thread's
setuid(), setresuid(-1, -1, -1)), across an exec, a new thread, a fork child and a vfork
child; capget() whose header names the caller by its tid; PR_SET_SECUREBITS without
CAP_SETPCAP and of a bit no kernel knows.

On the victim `secret_r80_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (Linux's answer and the function deciding it in each
scenario's steps; L is PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
answered 0, E capget() then capset() of the same sets with an empty effective set
answered 0):

- ZW-001: PR_SET_KEEPCAPS(0) 0 after L and unshare(CLONE_FS) (ksys_unshare() makes a
  new cred only for CLONE_NEWUSER, unshare_userns(); cap_task_prctl(): -EPERM);
- ZW-002: PR_SET_KEEPCAPS(0) 0 in the image exec'd after L (cap_bprm_creds_from_file()
  clears SECURE_KEEP_CAPS alone, the lock stays: -EPERM);
- ZW-003: PR_SET_KEEPCAPS(0) 0 after L and an execve() that failed with -ENOENT
  (do_execveat_common() fails in do_open_execat() before any cred is prepared: -EPERM);
- ZW-004: PR_SET_KEEPCAPS(0) 0 in a thread made after L (copy_creds(): -EPERM);
- ZW-005: PR_SET_SECUREBITS(SECBIT_NOROOT_LOCKED) 0 after
  PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) (cap_task_prctl(): -EPERM, a
  locked bit changed);
- ZW-006: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) 0 after a root setuid(65534)
  (cap_emulate_setxuid() clears the permitted and effective sets; cap_task_prctl()'s
  cap_capable(CAP_SETPCAP): -EPERM);
- ZW-007: PR_SET_SECUREBITS(1 << 12) 0 (cap_task_prctl(): `arg2 & ~(SECURE_ALL_LOCKS |
  SECURE_ALL_BITS)`: -EPERM in 6.1..6.18, 6.14's bits end at 11);
- ZW-008: capget() of a header naming the caller's tid after E: a full effective set
  (cap_get_target_pid(): `pid == task_pid_vnr(current)` reads current's cred: 0);
- ZW-009: capget() after E and setgid(0): a full effective set (__sys_setgid() has no
  capability fixup, only cap_task_fix_setuid() for uids: 0);
- ZW-010: capget() after E and unshare(CLONE_FS): a full effective set (no new cred: 0);
- ZW-011: capget() in a thread made after E: a full set (copy_creds(): 0);
- ZW-012: capget() in a fork child after E: a full set (copy_creds(): 0);
- ZW-013: capget() after E and a second thread's own setuid(65534): a full set
  (commit_creds() replaces the second thread's cred alone: 0);
- ZW-014: capget() after E and setresuid(-1, -1, -1): a full set (__sys_setresuid()
  returns before prepare_creds(): 0);
- ZW-015: capget() (pid 0) after E whose capset() header named the caller's tid: a full
  set (sys_capset(): `pid != 0 && pid != task_pid_vnr(current)` is false, cap_capset()
  stores the empty set: 0);
- ZW-016: capget() after E and an execve() that failed with -ENOENT: a full set (the
  prepared cred is dropped: 0);
- ZW-017: setns() of a /dev/null descriptor 0, then PR_SET_KEEPCAPS(0) 0 after L
  (sys_setns(): -EINVAL; and no setns() but a user namespace's changes the cred);
- ZW-018: PR_SET_KEEPCAPS(0) 0 in a clone3() child made after L (copy_creds(): -EPERM);
- ZW-019: PR_SET_KEEPCAPS(0) 0 in the image a second thread exec'd after its own L
  (prepare_exec_creds() copies the exec'ing thread's cred: -EPERM);
- ZW-020: PR_SET_KEEPCAPS(0) 0 after L and setuid(65534) (cap_task_fix_setuid() keeps
  the securebits: -EPERM);
- ZW-021: capget() after E and setfsuid(0) of an fs uid already 0: a full set
  (__sys_setfsuid() commits nothing: 0);
- ZW-022: unshare(CLONE_NEWUSER) 0 with a second thread alive, then PR_SET_KEEPCAPS(0)
  0 after L (check_unshare_flags(): -EINVAL before any new cred; the lock stays:
  -EPERM);
- ZW-023: capget() after E and a vfork child's own setuid(65534): a full set (the vfork
  child's cred is its own: 0);
- ZW-024: capset() 0 of an effective set outside the new, empty permitted set
  (cap_capset(): `!cap_issubset(*effective, *permitted)`: -EPERM);
- ZW-025: capget() after E and a capset() whose header names the parent process: a full
  set (sys_capset(): `pid != 0 && pid != task_pid_vnr(current)`: -EPERM, nothing
  stored: 0);
- ZW-026: PR_GET_KEEPCAPS 1 after PR_SET_KEEPCAPS(1 << 32 | 1) answered 0
  (cap_task_prctl(): `if (arg2 > 1) return -EINVAL;` on all 64 bits: 0);
- ZW-027: PR_SET_KEEPCAPS(0) 0 in the fork child of a second thread that made L itself
  (copy_creds() copies the forking thread's cred: -EPERM).
- honest (tests/test_redteam_r80c_claims.py, all pass with the Guardian on): a second
  thread's L, then the first thread's PR_SET_KEEPCAPS(0) 0 (securebits are the second
  thread's cred's); L, unshare(CLONE_NEWUSER), PR_SET_KEEPCAPS(0) 0
  (set_cred_user_ns(): securebits SECUREBITS_DEFAULT); E, then the exec'd image's
  capget() a full effective set (cap_bprm_creds_from_file() -> handle_privileged_root():
  a root exec); E, then a clone(CLONE_NEWUSER) child's capget() a full set
  (set_cred_user_ns(): CAP_FULL_SET); a vfork child's L, then the parent's
  PR_SET_KEEPCAPS(0) 0; a second thread made before the first thread's L execs: the new
  image's PR_SET_KEEPCAPS(0) 0 (its cred is the exec'ing thread's); L, then
  PR_SET_SECUREBITS of the same bits and with SECBIT_NOROOT added, 0 each; L, then a
  clone3(CLONE_NEWUSER) child's PR_SET_KEEPCAPS(0) 0 (set_cred_user_ns()); a second
  thread made before the first thread's L (or E) forks: the child's PR_SET_KEEPCAPS(0)
  0, its capget() a full set (copy_creds() copies the forking thread's cred).  False
  refusals: none found.

Linux's answers under qemu-aarch64-static (host kernel 6.18, root; /tmp probe, each in
a fork child): after L and unshare(CLONE_FS) PR_SET_KEEPCAPS(0) = -EPERM (ZW-001);
setuid(65534) = 0 then PR_SET_SECUREBITS(0x10) = -EPERM (ZW-006); PR_SET_SECUREBITS(1 <<
12) = -EPERM (ZW-007); after E, capget() of the tid header "eff 0 0" (ZW-008); E,
setgid(0) = 0, capget() "eff 0 0" (ZW-009); E, unshare(CLONE_FS) = 0, capget() "eff 0
0" (ZW-010); capset() with the tid header = 0, capget(pid 0) "eff 0 0" (ZW-015);
setns(/dev/null, 0) = -EINVAL (ZW-017); E, setfsuid(0) = 0, capget() "eff 0 0"
(ZW-021); with a second thread alive unshare(CLONE_NEWUSER) = -EINVAL, then
PR_SET_KEEPCAPS(0) = -EPERM (ZW-022); capset(effective = old permitted, permitted 0) =
-EPERM (ZW-024); capset() naming the parent = -EPERM, then capget() "eff 0 0" (ZW-025);
PR_SET_KEEPCAPS(1 << 32 | 1) = -EINVAL, PR_GET_KEEPCAPS = 0 (ZW-026).  qemu-user has no
clone3() (-ENOSYS), so the clone3 claim stands on the source.  The other steps stand on
the kernel source.

Not done: setns() into the caller's own (non-user) namespaces, which succeeds and keeps
the cred (the same edge as ZW-001, ZW-010); capset() with a version-1 header (one word
per set); capget() while another thread may rewrite the header (the pid it names may
become another task's: Linux then reports that task's sets, so nothing is refusable
there and it was left out).

Through with the Guardian on when written (P5 gaps), and what the Guardian would need:
- ZW-001, ZW-010 (unshare(CLONE_FS)), ZW-017 (setns() answered 0), ZW-022
  (unshare(CLONE_NEWUSER) answered 0 with a second thread alive): prctl_state's
  SECUREBITS_RESET and CRED_CHANGE forgot the securebits and the capset() effective set
  at every unshare() and setns() answered 0.  Refused since ZW-001
  (return.securebits_locked), ZW-010 (return.capset_effective): guardian/cred_kept.py
  forgets them only where the call may make a new user namespace (unshare() with
  CLONE_NEWUSER; setns() of nstype 0 or with CLONE_NEWUSER).
  Still open: ZW-017: setns(fd, 0) of a descriptor opened by name: the name alone does
  not tell an nsfs file (a bind mount of one, as `ip netns add` makes under /run/netns,
  may lie at any path, /dev/null too) from a device; the Guardian would need the
  descriptor known as no namespace file and no pidfd (one made by pipe2, eventfd2,
  socket, memfd_create ...: a fixed kind; sys_setns() -EINVAL), which /dev/null opened by
  name is not.
  ZW-022 refused since: return.unshare_threads (guardian/unshare_alone.py: an
  unshare() with CLONE_NEWUSER, CLONE_THREAD, CLONE_SIGHAND or CLONE_VM answered 0 while
  another thread of the caller's group was in a call, not exit(), from before its entry
  to its return: check_unshare_flags() -EINVAL).  A second thread that is in user code
  at that moment is not known alive (the Guardian keeps no record of which threads
  entered exit()): such an unshare() passes.
- ZW-006: PR_SET_SECUREBITS answered 0 after a root setuid(65534) emptied the permitted
  and effective sets (cap_emulate_setxuid()): the launcher's securebits were not known
  (a launcher's `capsh --secbits` is kept through exec).  Refused since:
  return.securebits_setpcap (guardian/setuid_fixup.py): the launch's securebits are a
  launch fact (0 under the README's launch, `blindfold run --launch-securebits N` states
  another: guardian/launch_facts.py), followed per thread with its own PR_SET_SECUREBITS
  (kept across clone and exec but SECBIT_KEEP_CAPS); a set*uid answered 0 that moved the
  known euid from 0 to another with SECBIT_NO_SETUID_FIXUP known clear leaves the
  effective set known empty (capset_sets' CAP_EFFECTIVE, forgotten by any call that may
  raise it: guardian/cred_kept.py may_raise_effective(), capset(), an exec), and
  PR_SET_SECUREBITS answered 0 while it lacks CAP_SETPCAP is refused (cap_task_prctl():
  -EPERM).
- ZW-007: PR_SET_SECUREBITS of a bit past SECURE_ALL_BITS | SECURE_ALL_LOCKS answered 0.
  Refused since: return.range_table (abi/value_ranges.py PRCTL's PR_SET_SECUREBITS row
  holds ArgBits(1, 0xFFF): -EPERM in every 6.x, 6.14's bits end at 11).
- ZW-008, ZW-015: capset_effective judged only headers whose pid is 0.  Refused since:
  return.capset_effective takes a pid equal to the caller's tid as the program knows it
  (its gettid, its clone's TID word, or a fork child's pid the fork returned) as the
  caller (cap_get_target_pid(), sys_capset()).
- ZW-009 (setgid(0)), ZW-021 (setfsuid(0) of an fs uid already 0): CRED_CHANGE forgot
  the effective set at every set*id call.  Refused since: return.capset_effective keeps
  it through set*gid calls, set*uid calls not asking euid 0 and a setfsuid() that
  cannot move the fs uid from non-0 to 0 (guardian/cred_kept.py:
  cap_task_fix_setuid()).
- ZW-025: capset_effective forgot the known set at any capset() answered 0.  Refused
  since: return.capset_effective keeps it through a capset() whose quiet header names a
  pid neither 0 nor the caller's known tid (sys_capset(): -EPERM, nothing stored).
- ZW-024: capset() answered 0 was never judged against its own data.  Refused since:
  return.capset_subset (guardian/capset_sets.py: `effective & ~permitted` over
  capabilities 0..40 where header and data lay quiet, cap_capset() -EPERM).
Refused: ZW-002 (the lock through an exec), ZW-003 (after a failed exec), ZW-004 (a new
thread), ZW-005 (a locked SECBIT_NOROOT changed), ZW-018 (a clone3() child), ZW-019 (an
exec by the thread that locked), ZW-020 (after setuid()), ZW-027 (a second thread's own
lock, its fork child), ZW-001 (after unshare(CLONE_FS)): return.securebits_locked;
ZW-022 (unshare(CLONE_NEWUSER) with a second thread in a call): return.unshare_threads;
ZW-011 (a new thread), ZW-012 (a fork child), ZW-013 (another thread's setuid()),
ZW-014 (setresuid(-1, -1, -1)), ZW-016 (a failed exec), ZW-023 (a vfork child's
setuid()), ZW-008, ZW-015 (the caller's tid), ZW-009 (setgid(0)), ZW-010
(unshare(CLONE_FS)), ZW-021 (setfsuid(0) of fs uid 0), ZW-025 (a capset() naming the
parent): return.capset_effective; ZW-024: return.capset_subset; ZW-026
(PR_SET_KEEPCAPS of a 64-bit argument), ZW-007 (PR_SET_SECUREBITS(1 << 12)):
return.range_table (abi/value_ranges); ZW-006 (PR_SET_SECUREBITS after a root
setuid(65534)): return.securebits_setpcap.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers, _stores
from attacks.scenario import Goal, scenario

RT = "redteam_r80c"
CORE = "secret_r80_core"
# secret_r80_core: the marker before each step; the marker after its write is + 1.
(P_LOCK_UNSHARE, P_LOCK_EXEC, P_LOCK_BADEXEC, P_LOCK_THREAD, P_NOROOT_LOCK, P_SECBITS_NOCAP,
 P_SECBITS_BAD, P_CAP_TID, P_CAP_SETGID, P_CAP_UNSHARE, P_CAP_THREAD, P_CAP_FORK,
 P_CAP_OTHER_SETUID, P_CAP_SETRES_NOP, P_CLAIM_LOCK_THREAD, P_CLAIM_LOCK_USERNS,
 P_CLAIM_CAP_EXEC, P_CLAIM_CAP_USERNS, P_CLAIM_LOCK_VFORK, P_CAPSET_TID, P_CAP_BADEXEC,
 P_LOCK_SETNS, P_LOCK_CLONE3, P_LOCK_THREAD_EXEC, P_CLAIM_LEADER_LOCK_EXEC, P_LOCK_SETUID,
 P_CAP_SETFSUID, P_CLAIM_SECBITS_SAME, P_LOCK_USERNS_THREADS, P_CAP_VFORK_SETUID,
 P_CAPSET_NOT_SUBSET, P_CAPSET_OTHER, P_KEEPCAPS_HIGH, P_CLAIM_LOCK_CLONE3_USERNS,
 P_CLAIM_LOCK_THREAD_FORK, P_CLAIM_CAP_THREAD_FORK, P_LOCK_THREAD_FORK) = range(12200, 12274, 2)
#: the steps an untouched run takes
PHASES = tuple(range(12200, 12274, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
PR_GET_KEEPCAPS, PR_SET_KEEPCAPS, PR_SET_SECUREBITS = 7, 8, 28
NR_CAPGET, NR_CAPSET, NR_UNSHARE, NR_SETGID, NR_SETUID, NR_SETRESUID = 90, 91, 97, 144, 146, 147
NR_SETNS = 268
#: root's sets as Linux reports them: effective and permitted CAP_FULL_SET, bits 0..40
#: (CAP_VALID_MASK; bits past CAP_LAST_CAP are never set: return.cap_valid_mask), and the
#: inheritable set empty (the launch's, which every exec keeps; set_cred_user_ns() empties
#: it too: create.launch_inheritable)
FULL = b"\xff" * 8 + b"\x00" * 4 + b"\xff\x01\x00\x00" * 2 + b"\x00" * 4
PROPS = {
    "LOCK": ("A securebit lock the thread's own PR_SET_SECUREBITS set stays through every "
             "call but a new user namespace (set_cred_user_ns()): exec keeps it "
             "(cap_bprm_creds_from_file() clears SECURE_KEEP_CAPS alone), a new task "
             "inherits it (copy_creds()); under SECBIT_KEEP_CAPS_LOCKED no PR_SET_KEEPCAPS "
             "succeeds, and no PR_SET_SECUREBITS changes a locked bit (cap_task_prctl())."),
    "SETPCAP": ("PR_SET_SECUREBITS succeeds only with CAP_SETPCAP in the effective set and "
                "known bits (cap_task_prctl())."),
    "EFF": ("capget() of the caller reports the effective set its own capset() stored until "
            "a call of its own replaces its cred in a way that changes that set "
            "(cap_emulate_setxuid(), set_cred_user_ns(), an exec); a new task starts with "
            "its creator's (copy_creds())."),
}


def _capset_then(adv: Adversary, phase: int, nr: int | None = None) -> None:
    """capset() (and call `nr`) answered 0; each capget() stores a full effective set."""
    _answers(adv, phase, NR_CAPSET, 0)
    if nr is not None:
        _answers(adv, phase, nr, 0)
    _stores(adv, phase, NR_CAPGET, (1,), FULL)


@scenario(id="ZW-001", title="Answer 0 to PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED "
          "after unshare(CLONE_FS)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_lock_unshare(adv: Adversary) -> None:
    """1. A fork child's prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS |
    SECBIT_KEEP_CAPS_LOCKED) and unshare(CLONE_FS) answered 0; it calls
    prctl(PR_SET_KEEPCAPS, 0) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare() calls unshare_userns() -> create_user_ns()/set_cred_user_ns() only for
    CLONE_NEWUSER; with CLONE_FS alone it copies the fs_struct and the cred (securebits
    0x30) stays; cap_task_prctl(): `if (issecure(SECURE_KEEP_CAPS_LOCKED)) return
    -EPERM;`: -EPERM."""
    _answers(adv, P_LOCK_UNSHARE, NR_UNSHARE, 0)
    prctl_by_option(adv, P_LOCK_UNSHARE, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-002", title="Answer 0 to PR_SET_KEEPCAPS(0) in the image exec'd under "
          "SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_lock_exec(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; it execs the program with -l, whose prctl(PR_SET_KEEPCAPS, 0) exits 7
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`
    leaves SECBIT_KEEP_CAPS_LOCKED (0x20); cap_task_prctl(): -EPERM."""
    prctl_by_option(adv, P_LOCK_EXEC, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-003", title="Answer 0 to PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED "
          "after an execve() that failed", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["LOCK"])
def zw_lock_badexec(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; its execve("/nonexistent/r80") fails (-ENOENT); it calls
    prctl(PR_SET_KEEPCAPS, 0) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    do_execveat_common() -> bprm_execve() fails in do_open_execat() and abort_creds()
    drops the prepared cred: the thread's securebits stay 0x30; cap_task_prctl():
    -EPERM."""
    prctl_by_option(adv, P_LOCK_BADEXEC, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-004", title="Answer 0 to PR_SET_KEEPCAPS(0) in a thread made under "
          "SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_lock_thread(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; a thread made after it calls prctl(PR_SET_KEEPCAPS, 0) and the child
    exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds(): `if (clone_flags & CLONE_THREAD) { p->real_cred = get_cred(p->cred);
    ...}`: the thread shares the locked cred; cap_task_prctl(): -EPERM."""
    prctl_by_option(adv, P_LOCK_THREAD, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-005", title="Answer 0 to PR_SET_SECUREBITS clearing SECBIT_NOROOT under "
          "SECBIT_NOROOT_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_noroot_lock(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) answered
    0; it calls PR_SET_SECUREBITS(SECBIT_NOROOT_LOCKED) and exits 7 for 0.
    2. The kernel answers both 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if ((((old->securebits & SECURE_ALL_LOCKS) >> 1) &
    (old->securebits ^ arg2)) ...) return -EPERM;`: bit 0 is locked and changes:
    -EPERM."""
    prctl_by_option(adv, P_NOROOT_LOCK, {PR_SET_SECUREBITS: 0})


@scenario(id="ZW-006", title="Answer 0 to PR_SET_SECUREBITS after a root setuid(65534) "
          "emptied the capability sets", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["SETPCAP"])
def zw_secbits_nocap(adv: Adversary) -> None:
    """1. A fork child's setuid(65534) answered 0; it calls
    PR_SET_SECUREBITS(SECBIT_KEEP_CAPS) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setuid() -> cap_task_fix_setuid() -> cap_emulate_setxuid(): every uid left 0
    without SECURE_KEEP_CAPS: `cap_clear(new->cap_permitted); cap_clear(new->cap_effective);`;
    cap_task_prctl(): `|| (cap_capable(current_cred(), current_cred()->user_ns,
    CAP_SETPCAP, CAP_OPT_NONE) != 0)) return -EPERM;`: -EPERM."""
    _answers(adv, P_SECBITS_NOCAP, NR_SETUID, 0)
    prctl_by_option(adv, P_SECBITS_NOCAP, {PR_SET_SECUREBITS: 0})


@scenario(id="ZW-007", title="Answer 0 to PR_SET_SECUREBITS(1 << 12), a bit no kernel knows",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["SETPCAP"])
def zw_secbits_bad(adv: Adversary) -> None:
    """1. A fork child calls PR_SET_SECUREBITS(1 << 12) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `|| (arg2 & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS))` returns -EPERM;
    SECURE_ALL_BITS ends at bit 6 in 6.1..6.13, at bit 10 (SECBIT_EXEC_DENY_INTERACTIVE,
    lock at 11) from 6.14: -EPERM in every version."""
    prctl_by_option(adv, P_SECBITS_BAD, {PR_SET_SECUREBITS: 0})


@scenario(id="ZW-008", title="Store a full effective set for capget() naming the caller by "
          "its tid after capset() of an empty one", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_tid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; it calls capget()
    with the header's pid its own gettid() and exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    sys_capget() -> cap_get_target_pid(): `if (pid && (pid != task_pid_vnr(current)))`
    looks another task up, else `security_capget(current, ...)`: the caller's own
    cred->cap_effective, empty."""
    _capset_then(adv, P_CAP_TID)


@scenario(id="ZW-009", title="Store a full effective set for capget() after capset() of an "
          "empty one and setgid(0)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["EFF"])
def zw_cap_setgid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set and setgid(0) (its own gid,
    allowed without CAP_SETGID) answered 0; its capget() exits 7 for an effective set not
    empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    __sys_setgid(): `else if (gid_eq(kgid, old->gid) || gid_eq(kgid, old->sgid))
    new->egid = new->fsgid = kgid;` then commit_creds(); security_task_fix_setgid() has no
    capability hook (cap_task_fix_setuid() is for uids): cap_effective stays empty
    (qemu-aarch64-static on 6.18: capget() eff 0 0).  (setgid(65534) would itself fail:
    -EPERM, CAP_SETGID is not in the empty effective set.)"""
    _capset_then(adv, P_CAP_SETGID, NR_SETGID)


@scenario(id="ZW-010", title="Store a full effective set for capget() after capset() of an "
          "empty one and unshare(CLONE_FS)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_unshare(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set and unshare(CLONE_FS) answered
    0; its capget() exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    ksys_unshare(): `if (unshare_flags & CLONE_NEWUSER) ... unshare_userns(...,
    &new_cred)`: without it no cred is made: empty."""
    _capset_then(adv, P_CAP_UNSHARE, NR_UNSHARE)


@scenario(id="ZW-011", title="Store a full effective set for capget() in a thread made after "
          "capset() of an empty one", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["EFF"])
def zw_cap_thread(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; a thread made
    after it calls capget() and the child exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    copy_creds(): the thread shares its maker's cred: empty."""
    _capset_then(adv, P_CAP_THREAD)


@scenario(id="ZW-012", title="Store a full effective set for capget() in a fork child made "
          "after capset() of an empty one", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_fork(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; its own fork
    child calls capget() and exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    copy_creds() -> prepare_creds(): the child's cred copies its parent's: empty."""
    _capset_then(adv, P_CAP_FORK)


@scenario(id="ZW-013", title="Store a full effective set for capget() after capset() of an "
          "empty one and a second thread's own setuid(65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_other_setuid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; a second thread
    calls setuid(65534) itself (raw, answered 0) and exits; the first thread's capget()
    exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    commit_creds() replaces the second thread's cred alone: the first thread's stays
    empty."""
    _capset_then(adv, P_CAP_OTHER_SETUID, NR_SETUID)


@scenario(id="ZW-014", title="Store a full effective set for capget() after capset() of an "
          "empty one and setresuid(-1, -1, -1)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_setres_nop(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set and setresuid(-1, -1, -1)
    answered 0; its capget() exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    __sys_setresuid(): `if ((ruid == (uid_t) -1 || ...) && ...) return 0;` before
    prepare_creds(): empty."""
    _capset_then(adv, P_CAP_SETRES_NOP, NR_SETRESUID)


@scenario(id="ZW-015", title="Store a full effective set for capget() after capset() of an "
          "empty one whose header names the caller by its tid", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_capset_tid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set, its header's pid its own
    gettid(), answered 0; its capget() (pid 0) exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    sys_capset(): `if (pid != 0 && pid != task_pid_vnr(current)) return -EPERM;`: the
    caller's own tid passes and cap_capset() stores the empty set in its cred; capget():
    empty."""
    _capset_then(adv, P_CAPSET_TID)


@scenario(id="ZW-016", title="Store a full effective set for capget() after capset() of an "
          "empty one and an execve() that failed", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_badexec(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; its
    execve("/nonexistent/r80") fails (-ENOENT); its capget() exits 7 for an effective
    set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    do_execveat_common(): the open fails before begin_new_exec(); the prepared bprm->cred
    is dropped (abort_creds()): the thread's cred and its empty set stay."""
    _capset_then(adv, P_CAP_BADEXEC)


@scenario(id="ZW-017", title="Answer 0 to setns() of a /dev/null descriptor, then to "
          "PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["LOCK"], gap="P5")
def zw_lock_setns(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; it calls setns() of its /dev/null descriptor, nstype 0, then
    prctl(PR_SET_KEEPCAPS, 0), and exits 7 where both answered 0.
    2. The kernel answers both 0: the program logs bytes 0..7 of the secret.
    sys_setns(): neither proc_ns_file() nor pidfd_pid() holds for /dev/null: -EINVAL; even
    a setns() that succeeds changes the cred only for a user namespace (userns_install()
    -> set_cred_user_ns()); the lock stays: cap_task_prctl() -EPERM."""
    _answers(adv, P_LOCK_SETNS, NR_SETNS, 0)
    prctl_by_option(adv, P_LOCK_SETNS, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-018", title="Answer 0 to PR_SET_KEEPCAPS(0) in a clone3() child made under "
          "SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_lock_clone3(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; its clone3() child (flags 0, exit signal SIGCHLD) calls
    prctl(PR_SET_KEEPCAPS, 0) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel_clone() -> copy_process() -> copy_creds() -> prepare_creds(): the child's
    cred copies the securebits 0x30 (no CLONE_NEWUSER); cap_task_prctl(): -EPERM."""
    prctl_by_option(adv, P_LOCK_CLONE3, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-019", title="Answer 0 to PR_SET_KEEPCAPS(0) in the image a second thread "
          "exec'd under its own SECBIT_KEEP_CAPS_LOCKED", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["LOCK"])
def zw_lock_thread_exec(adv: Adversary) -> None:
    """1. A fork child's second thread calls PR_SET_SECUREBITS(SECBIT_KEEP_CAPS |
    SECBIT_KEEP_CAPS_LOCKED) itself (answered 0), then execs the program with -l, whose
    prctl(PR_SET_KEEPCAPS, 0) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    bprm_execve() prepares the new cred from the exec'ing thread's (prepare_exec_creds());
    de_thread() makes that thread the leader; cap_bprm_creds_from_file() clears
    SECURE_KEEP_CAPS alone: the lock stays, -EPERM."""
    prctl_by_option(adv, P_LOCK_THREAD_EXEC, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-020", title="Answer 0 to PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED "
          "after setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCK"])
def zw_lock_setuid(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED) and
    setuid(65534) answered 0; it calls prctl(PR_SET_KEEPCAPS, 0) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setuid() -> prepare_creds() copies the securebits and cap_task_fix_setuid()
    touches none of them: the lock stays, cap_task_prctl() -EPERM."""
    _answers(adv, P_LOCK_SETUID, NR_SETUID, 0)
    prctl_by_option(adv, P_LOCK_SETUID, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-021", title="Store a full effective set for capget() after capset() of an "
          "empty one and setfsuid(0) of an fs uid already 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_setfsuid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; it calls
    setfsuid(0) (its fs uid is 0) and capget(), and exits 7 for an effective set not
    empty.
    2. The kernel answers capget() 0 and stores every bit set: the program logs bytes
    0..7 of the secret.
    __sys_setfsuid(): `if (!uid_eq(kuid, old->fsuid)) { ... goto change_okay; }`, else
    abort_creds(): no new cred; even a change runs cap_task_fix_setuid(LSM_SETID_FS),
    which raises the fs set only for an fs uid going to 0 from another: empty."""
    _capset_then(adv, P_CAP_SETFSUID)


@scenario(id="ZW-022", title="Answer 0 to unshare(CLONE_NEWUSER) of a process with a second "
          "thread, then to PR_SET_KEEPCAPS(0) under SECBIT_KEEP_CAPS_LOCKED",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["LOCK"])
def zw_lock_userns_threads(adv: Adversary) -> None:
    """1. A fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)
    answered 0; it makes a second thread that stays alive, calls unshare(CLONE_NEWUSER),
    then prctl(PR_SET_KEEPCAPS, 0), and exits 7 where both answered 0.
    2. The kernel answers both 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): `if (unshare_flags & CLONE_NEWUSER) unshare_flags |= CLONE_THREAD |
    CLONE_FS;` and check_unshare_flags(): `if (unshare_flags & (CLONE_THREAD | CLONE_SIGHAND
    | CLONE_VM)) { if (!thread_group_empty(current)) return -EINVAL; }` before
    set_cred_user_ns(): the lock stays, cap_task_prctl() -EPERM."""
    _answers(adv, P_LOCK_USERNS_THREADS, NR_UNSHARE, 0)
    prctl_by_option(adv, P_LOCK_USERNS_THREADS, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="ZW-023", title="Store a full effective set for capget() after capset() of an "
          "empty one and a vfork child's own setuid(65534)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_cap_vfork_setuid(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; its vfork child
    calls setuid(65534) and exits 0; the parent's capget() exits 7 for an effective set
    not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    copy_creds() gives the vfork child its own cred (CLONE_VM shares no cred); its
    commit_creds() replaces that one: the parent's stays empty."""
    _capset_then(adv, P_CAP_VFORK_SETUID, NR_SETUID)


@scenario(id="ZW-024", title="Answer 0 to capset() of an effective set outside an empty "
          "permitted one", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["EFF"])
def zw_capset_not_subset(adv: Adversary) -> None:
    """1. A fork child's capget() answered 0; it calls capset() with an empty permitted
    set and the old permitted set as the effective one, and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_capset(): `/* verify the _new_Effective_ is a subset of the _new_Permitted_ */ if
    (!cap_issubset(*effective, *permitted)) return -EPERM;`: -EPERM."""
    _answers(adv, P_CAPSET_NOT_SUBSET, NR_CAPSET, 0)


@scenario(id="ZW-025", title="Store a full effective set for capget() after capset() of an "
          "empty one and a capset() naming the parent process", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EFF"])
def zw_capset_other(adv: Adversary) -> None:
    """1. A fork child's capset() of an empty effective set answered 0; it calls capset()
    of its permitted set as the effective one with the header's pid its parent's
    (getppid()), then capget() (pid 0), and exits 7 for an effective set not empty.
    2. The kernel answers both capset() calls 0, and capget() 0 storing every bit set:
    the program logs bytes 0..7 of the secret.
    sys_capset(): `/* may only affect current now */ if (pid != 0 && pid !=
    task_pid_vnr(current)) return -EPERM;` before any cred is prepared: the caller's set
    stays empty."""
    _capset_then(adv, P_CAPSET_OTHER)


@scenario(id="ZW-026", title="Answer 1 to PR_GET_KEEPCAPS after PR_SET_KEEPCAPS(1 << 32 | 1) "
          "answered 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["LOCK"])
def zw_keepcaps_high(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_SET_KEEPCAPS, 1 << 32 | 1), then
    prctl(PR_GET_KEEPCAPS), and exits 7 where the set answered 0 and the get 1.
    2. The kernel answers 0 and 1: the program logs bytes 0..7 of the secret.
    cap_task_prctl(int option, unsigned long arg2, ...): `case PR_SET_KEEPCAPS: if (arg2 >
    1) return -EINVAL;` compares all 64 bits of arg2: -EINVAL, SECURE_KEEP_CAPS stays
    clear and PR_GET_KEEPCAPS answers 0."""
    prctl_by_option(adv, P_KEEPCAPS_HIGH, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})


@scenario(id="ZW-027", title="Answer 0 to PR_SET_KEEPCAPS(0) in the fork child of a second "
          "thread that set SECBIT_KEEP_CAPS_LOCKED itself", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["LOCK"])
def zw_lock_thread_fork(adv: Adversary) -> None:
    """1. A fork child's second thread calls PR_SET_SECUREBITS(SECBIT_KEEP_CAPS |
    SECBIT_KEEP_CAPS_LOCKED) itself (answered 0), then forks; the grandchild's
    prctl(PR_SET_KEEPCAPS, 0) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_process() -> copy_creds() copies `current`'s cred, the forking thread's, whose
    securebits hold the lock: cap_task_prctl() -EPERM."""
    prctl_by_option(adv, P_LOCK_THREAD_FORK, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_lock_thread_fork(adv: Adversary) -> None:
    """Step 34 as Linux answers: a second thread made before the first thread's L forks;
    the grandchild's PR_SET_KEEPCAPS(0) 0 (copy_creds() copies the forking thread's
    cred, which holds no lock)."""
    prctl_by_option(adv, P_CLAIM_LOCK_THREAD_FORK, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_cap_thread_fork(adv: Adversary) -> None:
    """Step 35 as Linux answers: a second thread made before the first thread's E forks;
    the grandchild's capget() a full effective set (the forking thread's cred: root's)."""
    _capset_then(adv, P_CLAIM_CAP_THREAD_FORK)


def claim_lock_clone3_userns(adv: Adversary) -> None:
    """Step 33 as Linux answers: L, then a clone3(CLONE_NEWUSER) child's
    PR_SET_KEEPCAPS(0) 0: copy_creds() -> create_user_ns() -> set_cred_user_ns():
    `cred->securebits = SECUREBITS_DEFAULT;`."""
    prctl_by_option(adv, P_CLAIM_LOCK_CLONE3_USERNS, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_secbits_same(adv: Adversary) -> None:
    """Step 27 as Linux answers: L, PR_SET_SECUREBITS(L) again and PR_SET_SECUREBITS(L |
    SECBIT_NOROOT) 0 each: cap_task_prctl()'s lock tests look only at locked bits that
    change or locks cleared; root holds CAP_SETPCAP."""
    prctl_by_option(adv, P_CLAIM_SECBITS_SAME, {PR_SET_SECUREBITS: 0})


def claim_leader_lock_exec(adv: Adversary) -> None:
    """Step 24 as Linux answers: a second thread made first waits while the first thread
    makes L, then the second thread's execve()
    with -k: the new image's PR_SET_KEEPCAPS(0) 0 (bprm_execve() prepares the cred from
    the exec'ing thread's, whose securebits hold no lock)."""
    prctl_by_option(adv, P_CLAIM_LEADER_LOCK_EXEC, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_lock_thread(adv: Adversary) -> None:
    """Step 14 as Linux answers: a second thread's L, then the first thread's
    PR_SET_KEEPCAPS(0) 0: the lock is in the second thread's cred alone
    (commit_creds() replaces `current`'s)."""
    prctl_by_option(adv, P_CLAIM_LOCK_THREAD, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_lock_userns(adv: Adversary) -> None:
    """Step 15 as Linux answers: L, unshare(CLONE_NEWUSER) 0, PR_SET_KEEPCAPS(0) 0:
    set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;`."""
    _answers(adv, P_CLAIM_LOCK_USERNS, NR_UNSHARE, 0)
    prctl_by_option(adv, P_CLAIM_LOCK_USERNS, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


def claim_cap_exec(adv: Adversary) -> None:
    """Step 16 as Linux answers: E, then the exec'd image's capget() a full effective
    set: cap_bprm_creds_from_file() -> handle_privileged_root(): root's exec sets the
    permitted set to the bounding set and raises the effective set."""
    _capset_then(adv, P_CLAIM_CAP_EXEC)


def claim_cap_userns(adv: Adversary) -> None:
    """Step 17 as Linux answers: E, then a clone(CLONE_NEWUSER) child's capget() a full
    effective set: copy_creds() -> create_user_ns() -> set_cred_user_ns():
    `cred->cap_effective = CAP_FULL_SET;`."""
    _capset_then(adv, P_CLAIM_CAP_USERNS)


def claim_lock_vfork(adv: Adversary) -> None:
    """Step 18 as Linux answers: a vfork child's L, then the parent's PR_SET_KEEPCAPS(0)
    0: the vfork child commits its own cred (copy_creds() gave it its own)."""
    prctl_by_option(adv, P_CLAIM_LOCK_VFORK, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})
