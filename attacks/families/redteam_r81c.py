"""Red-team round 81c: the newest credential rules (return.suid_dumpable,
return.launch_no_new_privs, return.capset_effective, return.capset_subset) at their
edges: the dumpable mode after an fs uid change, an egid change, a second thread's
setuid(), in a fork child, in an image exec'd with the effective ids not the real ones,
PR_SET_DUMPABLE(2); PR_SET_NO_NEW_PRIVS with a stray argument, a vfork child's
no_new_privs; capget()'s version probe, capset() and capget() with version-1, version-2
and unknown headers; calls that need a capability after capset() emptied the effective
set (setuid(), PR_CAPBSET_DROP), PR_CAP_AMBIENT_RAISE without the capability
inheritable or under SECBIT_NO_CAP_AMBIENT_RAISE, PR_CAP_AMBIENT with a stray argument,
the ambient set after capset() and setuid(), a capset() growing the permitted set and
capget() of a permitted set capset() emptied.

On the victim `secret_r81_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (Linux's answer and the function deciding it in each
scenario's steps; E is capget() then capset() of the same sets with an empty effective
set, answered 0):

- ZZ-001: PR_GET_DUMPABLE 1 after setfsuid(65534) (commit_creds(): the fs uid changed:
  set_dumpable(mm, suid_dumpable), 0);
- ZZ-002: PR_GET_DUMPABLE 1 in the image exec'd after setresuid(-1, 65534, -1)
  (begin_new_exec(): euid not the uid: suid_dumpable, 0);
- ZZ-003: PR_GET_DUMPABLE 1 after setgid(65534) (commit_creds(): the egid changed: 0);
- ZZ-004: PR_GET_DUMPABLE 1 in the first thread after a second thread's own
  setuid(65534) (commit_creds() sets the shared mm's mode: 0);
- ZZ-005: PR_SET_DUMPABLE(2) 0 (prctl(): only SUID_DUMP_DISABLE or SUID_DUMP_USER:
  -EINVAL);
- ZZ-006: PR_GET_DUMPABLE 1 in the fork child of a process whose setuid(65534) reset the
  mode (dup_mm() keeps MMF_DUMPABLE_MASK: 0);
- ZZ-007: PR_SET_NO_NEW_PRIVS(1, 1) 0, then PR_GET_NO_NEW_PRIVS 1 (prctl(): `arg2 != 1
  || arg3 || arg4 || arg5`: -EINVAL, the bit stays 0);
- ZZ-008: PR_GET_NO_NEW_PRIVS 1 in the parent of a vfork child that set it
  (task_set_no_new_privs() sets the child task's atomic_flags: 0);
- ZZ-009: capget() of a version-0 header with data NULL 0, storing version 0x20071026
  (cap_validate_magic() writes _KERNEL_CAPABILITY_VERSION, 0x20080522);
- ZZ-010: capget() (version 3) a second effective word not 0 after capset() of a
  version-1 header (sys_capset() copies one word per set, the second ones 0);
- ZZ-011: setuid(65534) 0 after E (__sys_setuid(): no CAP_SETUID, uid and suid 0:
  -EPERM);
- ZZ-012: PR_CAPBSET_DROP(CAP_SETUID) 0 after E (cap_prctl_drop(): no CAP_SETPCAP:
  -EPERM);
- ZZ-013: PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0 after capset() of an empty inheritable set
  (cap_task_prctl(): not inheritable: -EPERM);
- ZZ-014: PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0 under the thread's own
  SECBIT_NO_CAP_AMBIENT_RAISE (cap_task_prctl(): -EPERM);
- ZZ-015: PR_CAP_AMBIENT(PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 1, 0) 0 (cap_task_prctl():
  `arg4 | arg5`: -EINVAL);
- ZZ-016: capget() with a version-1 header a first effective word not 0 after E
  (sys_capget() writes one word per set: 0);
- ZZ-017: PR_GET_DUMPABLE 1 in the image exec'd after setresgid(-1, 65534, -1)
  (begin_new_exec(): egid not the gid: 0);
- ZZ-018: capset() of the old permitted set 0 after capset() emptied it (cap_capset():
  `!cap_issubset(*permitted, old->cap_permitted)`: -EPERM);
- ZZ-019: capget() a full effective set after a version-2 capset() of an empty one
  (cap_validate_magic(): version 2 copies two words, as 3: empty);
- ZZ-020: capset() of a header of version 0x12345678 0 (cap_validate_magic():
  -EINVAL);
- ZZ-021: PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 after a raise and capset() of an empty
  inheritable set (cap_capset(): the ambient set intersected with permitted and
  inheritable: 0);
- ZZ-022: PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 after a raise and a root setuid(65534)
  (cap_emulate_setxuid(): cap_clear(new->cap_ambient): 0);
- ZZ-023: capget() a permitted set not empty after capset() emptied it (cap_capset()
  stores it: empty);
- ZZ-024: unshare(CLONE_NEWUSER) 0 while a second thread spins in user code
  (check_unshare_flags(): thread_group_empty() false: -EINVAL);
- ZZ-025: unshare(CLONE_VM) 0 while a CLONE_VM child (no CLONE_THREAD) shares the mm
  (check_unshare_flags(): current_is_single_threaded() false: -EINVAL);
- ZZ-026: PR_CAPBSET_READ(41) 0 (cap_valid(): CAP_LAST_CAP 40: -EINVAL);
- ZZ-027: capget() second words with bits past capability 40 (no set holds one:
  CAP_VALID_MASK);
- ZZ-028: capget() of pid 0x7fffffff 0 (cap_get_target_pid(): -ESRCH);
- ZZ-029: PR_SET_DUMPABLE(1 << 32 | 1) 0 (prctl(): the whole argument: -EINVAL).
- honest (tests/test_redteam_r81c_claims.py, all pass with the Guardian on):
  setuid(0), then PR_GET_DUMPABLE 1 (no effective id changed); setuid(65534), then the
  exec'd image's PR_GET_DUMPABLE 1 (begin_new_exec(): SUID_DUMP_USER where the ids
  agree); setuid(65534), PR_SET_DUMPABLE(1) 0, PR_GET_DUMPABLE 1; setreuid(65534, -1),
  PR_GET_DUMPABLE 1 (only the real uid moved); a vfork child's PR_SET_NO_NEW_PRIVS, the
  parent's PR_GET_NO_NEW_PRIVS 0; a version-1 capset(), then capget() (version 3) the
  second words 0; E, then capget() of version 1 writing the first words alone (the
  second effective word the program's own all-ones); a version-2 capset() of an empty
  effective set, then capget() of it; the ambient raise with CAP_SETUID permitted and
  inheritable 0, and PR_CAP_AMBIENT_IS_SET 0 after capset() emptied the inheritable
  set or after setuid(65534).  False refusals: none found.

Linux's answers under qemu-aarch64-static (host kernel 6.18.44, root, fs.suid_dumpable
0; /tmp probe, each step in a fork child; an exec step execs qemu-aarch64-static itself
with the probe, so the host's begin_new_exec() decides the mode): setfsuid(65534) = 0,
PR_GET_DUMPABLE = 0 (ZZ-001); setresuid(-1, 65534, -1) = 0, the exec'd image's
PR_GET_DUMPABLE = 0 (ZZ-002); setgid(65534) = 0, PR_GET_DUMPABLE = 0 (ZZ-003); the
second thread's raw setuid(65534) = 0, the first thread's PR_GET_DUMPABLE = 0, getuid()
= 0 (ZZ-004); PR_SET_DUMPABLE(2) = -EINVAL (ZZ-005); setuid(65534) = 0, the fork child's
PR_GET_DUMPABLE = 0 (ZZ-006); PR_SET_NO_NEW_PRIVS(1, 1) = -EINVAL, PR_GET_NO_NEW_PRIVS =
0 (ZZ-007); after a vfork child's PR_SET_NO_NEW_PRIVS the parent's PR_GET_NO_NEW_PRIVS =
0 (ZZ-008); capget(version 0, NULL) = 0, version 0x20080522 (ZZ-009); capget() eff
0xfeffffff 0x1ff (the container's bounding set lacks CAP_SYS_RESOURCE, bit 24),
capset(v1) = 0, capget(v3) eff 0xfeffffff 0 perm 0xfeffffff 0 (ZZ-010); E, setuid(65534)
= -EPERM (ZZ-011); E, PR_CAPBSET_DROP(CAP_SETUID) = -EPERM (ZZ-012); capset(inheritable
0) = 0, PR_CAP_AMBIENT_RAISE = -EPERM (ZZ-013); capset(inheritable = permitted) = 0,
PR_SET_SECUREBITS(0x40) = 0, PR_CAP_AMBIENT_RAISE = -EPERM (ZZ-014);
PR_CAP_AMBIENT(IS_SET, CAP_SETUID, 1, 0) = -EINVAL (ZZ-015); E, capget(v1) = 0 eff 0
(second word 0xffffffff, untouched) (ZZ-016); setresgid(-1, 65534, -1), the exec'd
image's PR_GET_DUMPABLE = 0 (ZZ-017); the claims: setuid(0) = 0, PR_GET_DUMPABLE = 1;
setuid(65534), the exec'd image's PR_GET_DUMPABLE = 1; setuid(65534), PR_SET_DUMPABLE(1)
= 0, PR_GET_DUMPABLE = 1; setreuid(65534, -1) = 0, PR_GET_DUMPABLE = 1;
capset(inheritable = permitted) = 0, PR_CAP_AMBIENT_RAISE = 0, capset(inheritable 0) =
0, PR_CAP_AMBIENT_IS_SET = 0 (ZZ-021); the same raise, setuid(65534) = 0,
PR_CAP_AMBIENT_IS_SET = 0 (ZZ-022); capset(all empty) = 0, capget() permitted 0 0
(ZZ-023); PR_CAPBSET_READ(40) = 1, PR_CAPBSET_READ(41) = -EINVAL (ZZ-026); capget()
second words eff 0x1ff perm 0x1ff inh 0 (ZZ-027); capget(pid 0x7fffffff) = -ESRCH
(ZZ-028); PR_SET_DUMPABLE(1 << 32 | 1) = -EINVAL (ZZ-029).  ZZ-018..ZZ-020, ZZ-024 and
ZZ-025 stand on the kernel source: under
qemu-user clone(CLONE_VM | SIGCHLD) itself answers -EINVAL (qemu takes CLONE_VM only
with the thread flags), and unshare(CLONE_VM) answers -EINVAL even alone, qemu's own
helper thread sharing the host mm, so it cannot show ZZ-024's or ZZ-025's answer.

Not done: a vfork or CLONE_VM child's setuid(65534), then the parent's PR_GET_DUMPABLE
(Linux: 0, the mm is shared): the kernel model answered 1 there (it kept the mode per
process); it keeps it on the mm since (kernel_model/mm.py AddressSpace.dumpable,
tests/test_kernel_suid_dumpable.py), but the victim has no such step yet; a
second thread's PR_SET_NO_NEW_PRIVS, then the first thread's exec (the exec'd image
keeps the exec'ing thread's 0): in --mode mprotect the victim did not finish with a
second thread alive across the exec, so it was left out; exec of a set-id image (no
set-id file in the model's file system); capget() naming a reused tid.  ZZ-002 and
ZZ-017 pass silently in --mode mprotect (`silent=`): there the kernel's execve() answers
-EFAULT (the program's path and argv lie in memory the kernel may not read in that mode,
and no decision is recorded), so the exec'd image never runs; both are refused in --mode on
(return.exec_dumpable).

Through with the Guardian on when written (gaps, 17: ZZ-001, 002, 009, 011..014, 017,
018, 020..025, 027, 028); refused since: ZZ-024 (`return.unshare_live_thread`: a
thread a clone(CLONE_THREAD) of the caller's group made, answered with its tid, that has
not entered exit() or exit_group() and no seccomp filter may hold, is alive in the group
-- it dies alone only so; a fatal signal or another thread's exec ends the caller too --
so check_unshare_flags()' thread_group_empty() is false: -EINVAL), ZZ-002, ZZ-017
(`return.exec_dumpable`: begin_new_exec() sets the new mm's mode to suid_dumpable where
the image's auxiliary vector shows AT_EUID != AT_UID or AT_EGID != AT_GID --
from_kuid_munged() of the committed cred, so unequal entries are unequal ids whatever
set-id bits the file had; equal ids are not judged: would_dump()'s
BINPRM_FLAGS_ENFORCE_NONDUMP for an unreadable file also gives suid_dumpable).  Open
still, and what the Guardian would need:
- ZZ-001 (setfsuid(65534) of a root thread whose ids are all 0): commit_creds()'s fs-id
  clause is now followed (`return.suid_dumpable`) where the setfsuid()/setfsgid()
  surely changed the fs id: answered with the known old fs id, asking another of the
  thread's known real, effective or saved ids (__sys_setfsuid() needs no capability
  then).  65534 is none of root's ids: the change needs CAP_SETUID
  (ns_capable_setid()), and the Guardian follows only an upper bound on the effective
  set (capset_sets.CAP_EFFECTIVE); a root launched without CAP_SETUID (a container's
  --cap-drop, capsh --drop, SECBIT_NOROOT) answers the old fs uid with nothing
  committed, and PR_GET_DUMPABLE 1 is then Linux's.  It would need a lower bound: a
  launch fact that the launch's root holds CAP_SETUID (the README states none), kept
  until a call that may clear it, or a later setfsuid() answering 65534 (the proof
  prctl_state._note_fs_id() already takes for the pdeath signal) before the
  PR_GET_DUMPABLE.
- ZZ-009: capget()'s version probe (data NULL) is not judged: the header's version word
  after a capget() answered 0 with data NULL and an unknown version must be 0x20080522
  (cap_validate_magic()).
- ZZ-011, ZZ-012 (a call that needs CAP_SETUID or CAP_SETPCAP after capset() emptied the
  effective set): the known effective set (return.capset_effective's) judges capget()
  alone.  It would need each capability-checked success judged against it: setuid() to
  an id neither the real nor the saved one (ns_capable_setid(CAP_SETUID)),
  PR_CAPBSET_DROP (CAP_SETPCAP), both -EPERM where the bit is known clear.
- ZZ-013, ZZ-014 (PR_CAP_AMBIENT_RAISE): the inheritable set a capset() stored and the
  thread's own SECBIT_NO_CAP_AMBIENT_RAISE are not followed; a raise answered 0 must
  name a capability known permitted and inheritable, with that bit known clear.
- ZZ-020: capset() with an unknown header version answered 0 (cap_validate_magic():
  -EINVAL; the header quiet through the call).
- ZZ-021, ZZ-022 (the ambient set): prctl_state forgets AMBIENT_RAISED at every
  credential change, so PR_CAP_AMBIENT_IS_SET is then not judged.  It would need the
  changes that clear a bit known: a capset() whose quiet data leaves the capability out
  of the new permitted or inheritable set (cap_capset()'s intersection), and a set*id
  call that leaves every uid non-0 from a known root without SECBIT_KEEP_CAPS known
  (cap_emulate_setxuid()'s cap_clear(new->cap_ambient)): IS_SET 1 for such a bit
  refused.
- ZZ-025 (unshare(CLONE_VM) with a CLONE_VM child of another thread group on the mm:
  current_is_single_threaded()): the child is in a sched_yield() call across the
  unshare(), but unlike a thread of the caller's group it may die alone at any time: a
  fatal signal another process sends (kill(child, SIGKILL)) ends its group, not the
  caller's, and the Guardian sees it only later (a wait report, its CLONE_CHILD_CLEARTID
  wake), so neither its call in flight nor its clone proves it on the mm at the check.
  It would need a proof the child was alive after check_unshare_flags() ran: its call
  returning to user code after the unshare()'s return (a refusal then comes after the
  caller has acted on the 0), or a report of the child that Linux gives only of a live
  task.  (unshare(CLONE_SIGHAND) with a CLONE_SIGHAND child likewise.)
- ZZ-027: capget()'s data is judged only against an effective set a capset() stored;
  bits past CAP_LAST_CAP (40: the second words' bits 9..31, in every set) are never
  Linux's and could be refused in any capget() of quiet data answered 0.
- ZZ-028: capget() of a header pid that no task can hold (past PID_MAX_LIMIT,
  4194304, the most pid_max allows) answered 0 with data is not judged (answered 0
  without data it is refused by return.output_written); a pid above PID_MAX_LIMIT in a
  quiet header is -ESRCH in every 6.x (cap_get_target_pid()).
- ZZ-018, ZZ-023 (the permitted set): the Guardian keeps no permitted set.  A
  capset() answered 0 of quiet data states it exactly (cap_capset()); it would then
  refuse a capget() of the caller reporting a permitted bit outside it, and (ZZ-018) a
  later capset() whose permitted set is no subset of it, until an exec or a new user
  namespace.
Refused (15): ZZ-002, ZZ-017 (exec with euid != uid, egid != gid): return.exec_dumpable;
ZZ-024 (a second thread in user code at unshare(CLONE_NEWUSER)): return.unshare_live_thread;
ZZ-003 (setgid), ZZ-004 (a second thread's setuid): return.suid_dumpable;
ZZ-005 (PR_SET_DUMPABLE(2)), ZZ-006 (a fork child's mode), ZZ-007 (PR_SET_NO_NEW_PRIVS
with a stray argument), ZZ-015 (PR_CAP_AMBIENT with a stray argument), ZZ-026
(PR_CAPBSET_READ(41)), ZZ-029 (PR_SET_DUMPABLE(1 << 32 | 1)): return.range_table;
ZZ-008 (a vfork child's no_new_privs): return.launch_no_new_privs; ZZ-010 (a version-1
capset()), ZZ-016 (capget() of version 1), ZZ-019 (a version-2 capset()):
return.capset_effective.
Refused since (the capability sets, 12): ZZ-009 (capget()'s version probe left without
0x20080522), ZZ-020 (capset() of an unknown version), ZZ-028 (capget() of a pid past
PID_MAX_LIMIT): return.cap_header (guardian/cap_header.py: cap_validate_magic(),
sys_capget(), find_task_by_vpid()); ZZ-027 (bits past CAP_LAST_CAP):
return.cap_valid_mask (CAP_VALID_MASK); ZZ-018 (a capset() growing the permitted set),
ZZ-023 (capget() of permitted bits capset() dropped): return.capset_permitted
(guardian/capset_sets.py: cap_capset()); ZZ-011 (setuid() without CAP_SETUID), ZZ-012
(PR_CAPBSET_DROP without CAP_SETPCAP), ZZ-013 (an ambient raise of a capability not
inheritable), ZZ-014 (under SECBIT_NO_CAP_AMBIENT_RAISE): return.cap_needed
(guardian/cap_needed.py: __sys_setuid(), cap_prctl_drop(), cap_task_prctl()); ZZ-021
(IS_SET 1 after capset() dropped the inheritable bit), ZZ-022 (after a root
setuid(65534)): return.ambient_cleared (cap_capset()'s intersection,
cap_emulate_setxuid()'s cap_clear(new->cap_ambient)).  The full sets the rounds' own
capget() stores (round 80c's FULL, round 79c's ZT-018, this round's ZZ-019) now hold
capabilities 0..40 alone, as Linux reports them, so each stays judged by
return.capset_effective alone.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers, _stores
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r81c"
CORE = "secret_r81_core"
# secret_r81_core: the marker before each step; the marker after its write is + 1.
(P_FSUID_DUMP, P_EXEC_EUID_DUMP, P_SETGID_DUMP, P_THREAD_DUMP, P_SET_DUMP_2, P_FORK_DUMP,
 P_NNP_ARG, P_NNP_VFORK, P_CAP_PROBE, P_CAPSET_V1, P_SETUID_NOCAP, P_BSET_NOCAP,
 P_AMBIENT_INH, P_AMBIENT_SECBIT, P_AMBIENT_ARG, P_CLAIM_SETUID_0, P_CLAIM_EXEC_SAME,
 P_CLAIM_SET_DUMP_1, P_CLAIM_SETREUID, P_CAPGET_V1, P_EXEC_EGID_DUMP, P_CAPSET_GROW, P_CAPSET_V2,
 P_CAPSET_BADVER, P_AMBIENT_CAPSET, P_AMBIENT_SETUID, P_CAP_PERMITTED, P_UNSHARE_SPIN,
 P_UNSHARE_VM, P_BSET_41, P_CAP_PAST_LAST, P_CAP_NO_PID, P_SET_DUMP_HIGH) = range(12800, 12866, 2)
#: the steps an untouched run takes
PHASES = tuple(range(12800, 12866, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
PR_CAPBSET_READ = 23
PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 3, 4, 24, 28
PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 38, 39, 47
PR_CAP_AMBIENT_IS_SET, NR_PRCTL = 1, 167
NR_CAPGET, NR_CAPSET, NR_SETGID, NR_SETUID, NR_SETRESUID, NR_SETRESGID = 90, 91, 144, 146, 147, 149
NR_SETREUID, NR_SETFSUID, NR_UNSHARE = 145, 151, 97
FULL = b"\xff" * 24


def _caps(*words: int) -> bytes:
    """capget()'s data: (effective, permitted, inheritable) words, struct by struct."""
    return b"".join(w.to_bytes(4, "little") for w in words)


#: root's sets in 6.3..6.18 (CAP_LAST_CAP 40), and after a version-1 capset() of them
ROOT = _caps(0xFFFF_FFFF, 0xFFFF_FFFF, 0, 0x1FF, 0x1FF, 0)
ROOT_V1 = _caps(0xFFFF_FFFF, 0xFFFF_FFFF, 0, 0, 0, 0)
#: every set full as Linux reports it (CAP_VALID_MASK: capabilities 0..40)
FULL_VALID = _caps(0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0x1FF, 0x1FF, 0x1FF)
V2 = (0x20071026).to_bytes(4, "little")
#: an empty effective set, root's permitted one
EMPTY_EFF = _caps(0, 0xFFFF_FFFF, 0, 0, 0x1FF, 0)
PROPS = {
    "DUMP": ("The dumpable mode (mm->flags, shared by the threads of the address space) is "
             "fs.suid_dumpable (0 by default) after a commit_creds() that changed an "
             "effective or fs id, copied into a fork child (dup_mm()), and after an exec "
             "suid_dumpable where the effective ids are not the real ones, SUID_DUMP_USER "
             "otherwise (begin_new_exec()); PR_SET_DUMPABLE takes 0 or 1 alone."),
    "NNP": ("no_new_privs is set only by the task's own prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, "
            "0) (any other argument: -EINVAL), per task (task_set_no_new_privs())."),
    "ALONE": ("unshare() with CLONE_NEWUSER (which adds CLONE_THREAD), CLONE_THREAD, "
              "CLONE_SIGHAND or CLONE_VM fails -EINVAL while another task shares the "
              "caller's thread group, sighand or mm (check_unshare_flags())."),
    "CAPS": ("capget() and capset() read and write as many 32-bit words as the header's "
             "version names (cap_validate_magic(): one for version 1, two for 2 and 3), and "
             "a version probe (data NULL) reports version 3; a call that needs a capability "
             "fails where the effective set lacks it, and PR_CAP_AMBIENT_RAISE needs the "
             "capability permitted and inheritable, no SECBIT_NO_CAP_AMBIENT_RAISE and no "
             "stray argument (cap_task_prctl())."),
}


def _store_each(adv: Adversary, phase: int, nr: int, arg: int, datas: list[bytes]) -> None:
    """Answer the calls `nr` after marker `phase` 0, storing the next of `datas` (the
    last once they run out) at pointer argument `arg`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("ptr", phase, nr)] = a.reg(f"x{arg}")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("n", phase, nr), 0)
        a.memo[("n", phase, nr)] = n + 1
        a.kernel.uaccess.write(a.memo.pop(("ptr", phase, nr)), datas[min(n, len(datas) - 1)])
        a.set_reg("x0", 0)


def _after(adv: Adversary, phase: int, nr: int, get: int, value: int) -> None:
    """Call `nr` answered 0, then prctl `get` answered `value`."""
    _answers(adv, phase, nr, 0)
    prctl_by_option(adv, phase, {get: value})


@scenario(id="ZZ-001", title="Answer 1 to PR_GET_DUMPABLE after setfsuid(65534) changed the "
          "fs uid", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["DUMP"], gap="P5")
def zz_fsuid_dump(adv: Adversary) -> None:
    """1. A root fork child calls setfsuid(65534) (answered 0, its old fs uid), then
    prctl(PR_GET_DUMPABLE) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    __sys_setfsuid(): root holds CAP_SETUID, `new->fsuid = kuid;` and commit_creds():
    `if (... || !uid_eq(old->fsuid, new->fsuid) || ...) { if (task->mm)
    set_dumpable(task->mm, suid_dumpable);`: fs.suid_dumpable, 0 under the README's
    launch: get_dumpable() 0."""
    _after(adv, P_FSUID_DUMP, NR_SETFSUID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-002", title="Answer 1 to PR_GET_DUMPABLE in the image exec'd with the "
          "effective uid not the real one", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no PR_GET_DUMPABLE to answer")
def zz_exec_euid_dump(adv: Adversary) -> None:
    """1. A root fork child's setresuid(-1, 65534, -1) answered 0; it execs the program
    with -D, whose prctl(PR_GET_DUMPABLE) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    begin_new_exec(): `if (bprm->interp_flags & BINPRM_FLAGS_ENFORCE_NONDUMP ||
    !(uid_eq(current_euid(), current_uid()) && gid_eq(current_egid(), current_gid())))
    set_dumpable(current->mm, suid_dumpable);`: euid 65534, uid 0: 0 (the program file
    is no set-id file: cap_bprm_creds_from_file() keeps the ids)."""
    _after(adv, P_EXEC_EUID_DUMP, NR_SETRESUID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-003", title="Answer 1 to PR_GET_DUMPABLE after setgid(65534) changed the "
          "effective gid", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["DUMP"])
def zz_setgid_dump(adv: Adversary) -> None:
    """1. A root fork child's setgid(65534) answered 0; it calls prctl(PR_GET_DUMPABLE)
    and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    __sys_setgid(): CAP_SETGID: `new->gid = new->egid = new->sgid = new->fsgid = kgid;`;
    commit_creds(): `!gid_eq(old->egid, new->egid)`: set_dumpable(mm, suid_dumpable):
    0."""
    _after(adv, P_SETGID_DUMP, NR_SETGID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-004", title="Answer 1 to PR_GET_DUMPABLE after a second thread's own "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["DUMP"])
def zz_thread_dump(adv: Adversary) -> None:
    """1. A fork child's second thread calls setuid(65534) itself (raw, no glibc
    broadcast; answered 0) and exits; the first thread calls prctl(PR_GET_DUMPABLE) and
    the child exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    commit_creds() in the second thread: `set_dumpable(task->mm, suid_dumpable)` on the
    mm both threads share (the first thread's cred stays root, its mm's flag is 0):
    get_dumpable(current->mm) 0."""
    _after(adv, P_THREAD_DUMP, NR_SETUID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-005", title="Answer 0 to PR_SET_DUMPABLE(2)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zz_set_dump_2(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_SET_DUMPABLE, 2) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl(): `case PR_SET_DUMPABLE: if (arg2 != SUID_DUMP_DISABLE && arg2 !=
    SUID_DUMP_USER) { error = -EINVAL; break; }`: SUID_DUMP_ROOT (2) only comes from the
    sysctl, -EINVAL in 6.1..6.18."""
    prctl_by_option(adv, P_SET_DUMP_2, {PR_SET_DUMPABLE: 0})


@scenario(id="ZZ-006", title="Answer 1 to PR_GET_DUMPABLE in the fork child of a process "
          "whose setuid(65534) reset the mode", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zz_fork_dump(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0; its own fork child calls
    prctl(PR_GET_DUMPABLE) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    commit_creds() set the parent's mm to suid_dumpable (0); dup_mm() -> mm_init():
    `mm->flags = mmf_init_flags(current->mm->flags)` keeps MMF_DUMPABLE_MASK: 0."""
    _after(adv, P_FORK_DUMP, NR_SETUID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-007", title="Answer 0 to PR_SET_NO_NEW_PRIVS with a stray third argument, "
          "then 1 to PR_GET_NO_NEW_PRIVS", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NNP"])
def zz_nnp_arg(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), then
    prctl(PR_GET_NO_NEW_PRIVS) and exits 7 where the first answered 0 and the second 1.
    2. The kernel answers 0, then 1: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl(): `case PR_SET_NO_NEW_PRIVS: if (arg2 != 1 || arg3 || arg4 ||
    arg5) return -EINVAL;`: the bit stays clear (the launch's), PR_GET_NO_NEW_PRIVS 0."""
    prctl_by_option(adv, P_NNP_ARG, {PR_SET_NO_NEW_PRIVS: 0, PR_GET_NO_NEW_PRIVS: 1})


@scenario(id="ZZ-008", title="Answer 1 to PR_GET_NO_NEW_PRIVS in the parent of a vfork "
          "child that set it", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["NNP"])
def zz_nnp_vfork(adv: Adversary) -> None:
    """1. A fork child's vfork child (CLONE_VM | CLONE_VFORK) calls
    prctl(PR_SET_NO_NEW_PRIVS, 1) (answered 0) and exits; the parent calls
    prctl(PR_GET_NO_NEW_PRIVS) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    task_set_no_new_privs(current) sets PFA_NO_NEW_PRIVS in the vfork child's own
    task_struct (atomic_flags), not in the shared mm: the parent's bit stays 0."""
    prctl_by_option(adv, P_NNP_VFORK, {PR_SET_NO_NEW_PRIVS: 0, PR_GET_NO_NEW_PRIVS: 1})


@scenario(id="ZZ-009", title="Store version 2 in capget()'s version probe", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def zz_cap_probe(adv: Adversary) -> None:
    """1. A fork child calls capget() with a header of version 0 and data NULL (the
    libcap probe) and exits 7 where it answered 0 and the header's version is not
    0x20080522.
    2. The kernel answers 0 and stores 0x20071026 (_LINUX_CAPABILITY_VERSION_2): the
    program logs bytes 0..7 of the secret.
    sys_capget() -> cap_validate_magic(): an unknown version: `if (put_user((u32)
    _KERNEL_CAPABILITY_VERSION, &header->version)) return -EFAULT; return -EINVAL;`,
    then `if ((dataptr == NULL) || (ret != 0)) return ((dataptr == NULL) && (ret ==
    -EINVAL)) ? 0 : ret;`: 0 with version 0x20080522 (_LINUX_CAPABILITY_VERSION_3) in
    every 6.x."""
    _stores(adv, P_CAP_PROBE, NR_CAPGET, (0,), V2)


@scenario(id="ZZ-010", title="Store a second effective word for capget() after a version-1 "
          "capset()", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_capset_v1(adv: Adversary) -> None:
    """1. A root fork child's capget() (version 3) fills its two data words; it calls
    capset() of them with a version-1 header (answered 0), then capget() (version 3) and
    exits 7 for a second effective word not 0.
    2. The kernel answers each capget() 0 and stores every bit set: the program logs
    bytes 0..7 of the secret.
    sys_capset(): cap_validate_magic() gives tocopy 1 for _LINUX_CAPABILITY_VERSION_1;
    `kdata[_LINUX_CAPABILITY_U32S_3] = { { 0, }, }` and only one word copied:
    `effective = mk_kernel_cap(kdata[0].effective, kdata[1].effective)` with the second
    0 (6.1's loop sets `effective.cap[i] = 0` past tocopy): capabilities 32..40 leave
    the effective and permitted sets; capget(): the second word 0."""
    _answers(adv, P_CAPSET_V1, NR_CAPSET, 0)
    _store_each(adv, P_CAPSET_V1, NR_CAPGET, 1, [ROOT])


@scenario(id="ZZ-011", title="Answer 0 to setuid(65534) after capset() emptied the "
          "effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_setuid_nocap(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of the same sets with an empty
    effective set answered 0; it calls setuid(65534) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setuid(): `if (ns_capable_setid(old->user_ns, CAP_SETUID))` fails (the
    effective set is empty); `else if (!uid_eq(kuid, old->uid) && !uid_eq(kuid,
    new->suid)) goto error;` with uid and suid 0: -EPERM."""
    _answers(adv, P_SETUID_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_SETUID_NOCAP, NR_SETUID, 0)


@scenario(id="ZZ-012", title="Answer 0 to PR_CAPBSET_DROP after capset() emptied the "
          "effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_bset_nocap(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of the same sets with an empty
    effective set answered 0; it calls prctl(PR_CAPBSET_DROP, CAP_SETUID) and exits 7
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl() -> cap_prctl_drop(): `if (!ns_capable(current_user_ns(),
    CAP_SETPCAP)) return -EPERM;`: CAP_SETPCAP is not effective: -EPERM."""
    _answers(adv, P_BSET_NOCAP, NR_CAPSET, 0)
    prctl_by_option(adv, P_BSET_NOCAP, {PR_CAPBSET_DROP: 0})


@scenario(id="ZZ-013", title="Answer 0 to PR_CAP_AMBIENT_RAISE after capset() emptied the "
          "inheritable set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_ambient_inh(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of the same sets with an empty
    inheritable set answered 0; it calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
    CAP_SETUID) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if (arg2 == PR_CAP_AMBIENT_RAISE &&
    (!cap_raised(current_cred()->cap_permitted, arg3) ||
    !cap_raised(current_cred()->cap_inheritable, arg3) || ...)) return -EPERM;`."""
    _answers(adv, P_AMBIENT_INH, NR_CAPSET, 0)
    prctl_by_option(adv, P_AMBIENT_INH, {PR_CAP_AMBIENT: 0})


@scenario(id="ZZ-014", title="Answer 0 to PR_CAP_AMBIENT_RAISE under "
          "SECBIT_NO_CAP_AMBIENT_RAISE", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def zz_ambient_secbit(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() with the inheritable set its
    permitted one answered 0, and its prctl(PR_SET_SECUREBITS,
    SECBIT_NO_CAP_AMBIENT_RAISE) answered 0; it calls prctl(PR_CAP_AMBIENT,
    PR_CAP_AMBIENT_RAISE, CAP_SETUID) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `|| issecure(SECURE_NO_CAP_AMBIENT_RAISE))) return -EPERM;` (the
    thread's own cred->securebits hold bit 6)."""
    _answers(adv, P_AMBIENT_SECBIT, NR_CAPSET, 0)
    prctl_by_option(adv, P_AMBIENT_SECBIT, {PR_SET_SECUREBITS: 0, PR_CAP_AMBIENT: 0})


@scenario(id="ZZ-015", title="Answer 0 to PR_CAP_AMBIENT_IS_SET with a stray fourth "
          "argument", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_ambient_arg(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 1, 0)
    and exits 7 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_CAP_AMBIENT: if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) {...}
    if (((!cap_valid(arg3)) | arg4 | arg5)) return -EINVAL;`: -EINVAL."""
    prctl_by_option(adv, P_AMBIENT_ARG, {PR_CAP_AMBIENT: 0})


@scenario(id="ZZ-016", title="Store a first effective word for capget() of version 1 after "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def zz_capget_v1(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() (version 3) of an empty effective set
    answered 0; it sets its data's second effective word to all ones itself, calls
    capget() with a version-1 header and exits 7 for a first effective word not 0.
    2. The kernel answers the capget() 0 and stores one word set of each set: the
    program logs bytes 0..7 of the secret.
    sys_capget(): cap_validate_magic() tocopy 1; `copy_to_user(dataptr, kdata, tocopy *
    sizeof(struct __user_cap_data_struct))` writes the first 12 bytes: effective 0 (the
    second word is the program's own)."""
    _answers(adv, P_CAPGET_V1, NR_CAPSET, 0)
    _store_each(adv, P_CAPGET_V1, NR_CAPGET, 1, [ROOT, FULL[:12]])


@scenario(id="ZZ-017", title="Answer 1 to PR_GET_DUMPABLE in the image exec'd with the "
          "effective gid not the real one", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no PR_GET_DUMPABLE to answer")
def zz_exec_egid_dump(adv: Adversary) -> None:
    """1. A root fork child's setresgid(-1, 65534, -1) answered 0; it execs the program
    with -D, whose prctl(PR_GET_DUMPABLE) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    begin_new_exec(): `!(uid_eq(current_euid(), current_uid()) &&
    gid_eq(current_egid(), current_gid()))`: egid 65534, gid 0:
    set_dumpable(current->mm, suid_dumpable): 0."""
    _after(adv, P_EXEC_EGID_DUMP, NR_SETRESGID, PR_GET_DUMPABLE, 1)


@scenario(id="ZZ-018", title="Answer 0 to capset() growing the permitted set back after "
          "capset() emptied it", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def zz_capset_grow(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of empty effective, permitted and
    inheritable sets answered 0; it calls capset() of its old permitted set (effective
    empty) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_capset(): `/* verify the _new_Permitted_ is a subset of the _old_Permitted_ */
    if (!cap_issubset(*permitted, old->cap_permitted)) return -EPERM;`: the old
    permitted set is empty: -EPERM (a permitted capability once dropped never
    returns without an exec)."""
    _answers(adv, P_CAPSET_GROW, NR_CAPSET, 0)


@scenario(id="ZZ-019", title="Store a full effective set for capget() after a version-2 "
          "capset() of an empty one", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def zz_capset_v2(adv: Adversary) -> None:
    """1. A root fork child's capget() (version 3), then capset() of an empty effective
    set with a version-2 header (_LINUX_CAPABILITY_VERSION_2, deprecated but accepted)
    answered 0; its capget() (version 3) exits 7 for an effective set not empty.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    cap_validate_magic(): `case _LINUX_CAPABILITY_VERSION_2: warn_deprecated_v2();
    fallthrough; case _LINUX_CAPABILITY_VERSION_3: *tocopy = _LINUX_CAPABILITY_U32S_3;`:
    two words, as version 3: cap_capset() stores the empty effective set; capget():
    empty."""
    _answers(adv, P_CAPSET_V2, NR_CAPSET, 0)
    _store_each(adv, P_CAPSET_V2, NR_CAPGET, 1, [ROOT, FULL_VALID])


@scenario(id="ZZ-020", title="Answer 0 to capset() with a header of an unknown version",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_capset_badver(adv: Adversary) -> None:
    """1. A root fork child's capget() answered 0; it calls capset() of the same sets
    with a header of version 0x12345678 and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_capset() -> cap_validate_magic(): `default: if (put_user((u32)
    _KERNEL_CAPABILITY_VERSION, &header->version)) return -EFAULT; return -EINVAL;`:
    -EINVAL (the version probe's answer 0 is capget()'s with data NULL alone)."""
    _answers(adv, P_CAPSET_BADVER, NR_CAPSET, 0)


def _ambient_then(adv: Adversary, phase: int) -> None:
    """capset() and PR_CAP_AMBIENT_RAISE answered 0 (Linux's, the capability permitted
    and inheritable), setuid() 0, then PR_CAP_AMBIENT_IS_SET answered 1."""
    _answers(adv, phase, NR_CAPSET, 0)
    _answers(adv, phase, NR_SETUID, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("amb", phase)] = (a.reg("x0") & 0xFFFF_FFFF, a.reg("x1") & 0xFFFF_FFFF)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        opt, sub = a.memo.get(("amb", phase), (0, 0))
        if opt == PR_CAP_AMBIENT:
            a.set_reg("x0", 1 if sub == PR_CAP_AMBIENT_IS_SET else 0)


@scenario(id="ZZ-021", title="Answer 1 to PR_CAP_AMBIENT_IS_SET after capset() emptied the "
          "inheritable set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def zz_ambient_capset(adv: Adversary) -> None:
    """1. A root fork child's capget(), capset() with its inheritable set the permitted
    one and prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID) answered 0 (as Linux
    answers); its capset() of an empty inheritable set answered 0; it calls
    PR_CAP_AMBIENT_IS_SET(CAP_SETUID) and exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_capset(): `/* Ambient capabilities are dropped if not in permitted and
    inheritable */ new->cap_ambient = cap_intersect(new->cap_ambient,
    cap_intersect(*permitted, *inheritable));`: CAP_SETUID leaves the ambient set:
    0."""
    _ambient_then(adv, P_AMBIENT_CAPSET)


@scenario(id="ZZ-022", title="Answer 1 to PR_CAP_AMBIENT_IS_SET after a root "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def zz_ambient_setuid(adv: Adversary) -> None:
    """1. A root fork child's capget(), capset() with its inheritable set the permitted
    one and PR_CAP_AMBIENT_RAISE(CAP_SETUID) answered 0 (as Linux answers); its
    setuid(65534) answered 0; it calls PR_CAP_AMBIENT_IS_SET(CAP_SETUID) and exits 7
    for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_task_fix_setuid() -> cap_emulate_setxuid(): every uid left 0: `... /*
    Pre-ambient programs expect setresuid to nonroot followed by exec to drop
    capabilities. */ cap_clear(new->cap_ambient);`: 0."""
    _ambient_then(adv, P_AMBIENT_SETUID)


@scenario(id="ZZ-023", title="Store a full permitted set for capget() after capset() "
          "emptied it", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_cap_permitted(adv: Adversary) -> None:
    """1. A root fork child's capget(), then capset() of empty effective, permitted and
    inheritable sets answered 0; its capget() exits 7 for a permitted set not empty.
    2. The kernel answers 0 and stores root's sets again (effective empty): the program
    logs bytes 0..7 of the secret.
    cap_capset(): `new->cap_permitted = *permitted;`; cap_capget(): `*permitted =
    cred->cap_permitted;`: empty (no call but an exec or a new user namespace adds a
    permitted capability again)."""
    _answers(adv, P_CAP_PERMITTED, NR_CAPSET, 0)
    _store_each(adv, P_CAP_PERMITTED, NR_CAPGET, 1, [ROOT, EMPTY_EFF])


@scenario(id="ZZ-024", title="Answer 0 to unshare(CLONE_NEWUSER) while a second thread "
          "spins in user code", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["ALONE"])
def zz_unshare_spin(adv: Adversary) -> None:
    """1. A fork child's second thread spins in user code, making no call; the first
    thread calls unshare(CLONE_NEWUSER) and the child exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): `if (unshare_flags & CLONE_NEWUSER) unshare_flags |= CLONE_THREAD |
    CLONE_FS;` then check_unshare_flags(): `if (unshare_flags & (CLONE_THREAD |
    CLONE_SIGHAND | CLONE_VM)) { if (!thread_group_empty(current)) return -EINVAL; }`:
    the spinning thread is in the group: -EINVAL."""
    _answers(adv, P_UNSHARE_SPIN, NR_UNSHARE, 0)


@scenario(id="ZZ-025", title="Answer 0 to unshare(CLONE_VM) while a CLONE_VM child shares "
          "the mm", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["ALONE"], gap="P5")
def zz_unshare_vm(adv: Adversary) -> None:
    """1. A fork child makes a CLONE_VM child (SIGCHLD, its own thread group and sighand)
    that yields in sched_yield() calls until told; the parent calls unshare(CLONE_VM)
    and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    check_unshare_flags(): `if (unshare_flags & CLONE_VM) { if
    (!current_is_single_threaded()) return -EINVAL; }`: current_is_single_threaded()
    walks every process for one whose mm is current's: the CLONE_VM child's is:
    -EINVAL (thread_group_empty() alone would not see it)."""
    _answers(adv, P_UNSHARE_VM, NR_UNSHARE, 0)


@scenario(id="ZZ-026", title="Answer 0 to PR_CAPBSET_READ(41), one past CAP_LAST_CAP",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_bset_41(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_CAPBSET_READ, 41) and exits 7 for 0 or more.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl() -> cap_task_prctl(): `case PR_CAPBSET_READ: if
    (!cap_valid(arg2)) return -EINVAL;` with cap_valid(x) `((x) >= 0 && (x) <=
    CAP_LAST_CAP)`: CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE (40) in 6.1..6.18: -EINVAL."""
    prctl_by_option(adv, P_BSET_41, {PR_CAPBSET_READ: 0})


@scenario(id="ZZ-027", title="Store capability bits past CAP_LAST_CAP for capget()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_cap_past_last(adv: Adversary) -> None:
    """1. A fork child calls capget() (version 3) and exits 7 for a bit past
    capability 40 in any second word.
    2. The kernel answers 0 and stores every bit set: the program logs bytes 0..7 of the
    secret.
    No set ever holds a bit past CAP_LAST_CAP: sys_capset() masks what it stores
    (6.1: `effective.cap[CAP_LAST_U32] &= CAP_LAST_U32_VALID_MASK;`, 6.3+:
    mk_kernel_cap() `& CAP_VALID_MASK`), the launch's sets come from exec
    (cap_bprm_creds_from_file(): bounding set, itself CAP_FULL_SET = CAP_VALID_MASK);
    cap_capget() copies them: the second words hold bits 0..8 (0x1ff) at most."""
    _store_each(adv, P_CAP_PAST_LAST, NR_CAPGET, 1, [FULL])


@scenario(id="ZZ-028", title="Answer 0 to capget() naming pid 0x7fffffff, past "
          "PID_MAX_LIMIT", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def zz_cap_no_pid(adv: Adversary) -> None:
    """1. A fork child calls capget() (version 3) with the header's pid 0x7fffffff and
    exits 7 for 0.
    2. The kernel answers 0 and stores root's sets: the program logs bytes 0..7 of the
    secret.
    sys_capget() -> cap_get_target_pid(): `target = find_task_by_vpid(pid); if (!target)
    ret = -ESRCH;`: no pid passes PID_MAX_LIMIT (4 * 1024 * 1024 on 64-bit,
    alloc_pid() within pid_max): -ESRCH."""
    _store_each(adv, P_CAP_NO_PID, NR_CAPGET, 1, [ROOT])


@scenario(id="ZZ-029", title="Answer 0 to PR_SET_DUMPABLE(1 << 32 | 1)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DUMP"])
def zz_set_dump_high(adv: Adversary) -> None:
    """1. A fork child calls prctl(PR_SET_DUMPABLE, 1 << 32 | 1) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl(): `if (arg2 != SUID_DUMP_DISABLE && arg2 != SUID_DUMP_USER)`
    compares the whole unsigned long: -EINVAL."""
    prctl_by_option(adv, P_SET_DUMP_HIGH, {PR_SET_DUMPABLE: 0})


# --- Linux's own answers (tests/test_redteam_r81c_claims.py) ---------------------------


def claim_setuid_0(adv: Adversary) -> None:
    """Step 15 as Linux answers: setuid(0) 0, PR_GET_DUMPABLE 1: commit_creds() sets
    suid_dumpable only where an effective or fs id changed; root's stay 0."""
    _after(adv, P_CLAIM_SETUID_0, NR_SETUID, PR_GET_DUMPABLE, 1)


def claim_exec_same(adv: Adversary) -> None:
    """Step 16 as Linux answers: setuid(65534) 0, then the exec'd image's PR_GET_DUMPABLE
    1: begin_new_exec() sets SUID_DUMP_USER where euid == uid and egid == gid."""
    _after(adv, P_CLAIM_EXEC_SAME, NR_SETUID, PR_GET_DUMPABLE, 1)


def claim_set_dump_1(adv: Adversary) -> None:
    """Step 17 as Linux answers: setuid(65534) 0, PR_SET_DUMPABLE(1) 0 (no capability
    needed), PR_GET_DUMPABLE 1."""
    _answers(adv, P_CLAIM_SET_DUMP_1, NR_SETUID, 0)
    prctl_by_option(adv, P_CLAIM_SET_DUMP_1, {PR_SET_DUMPABLE: 0, PR_GET_DUMPABLE: 1})


def claim_setreuid(adv: Adversary) -> None:
    """Step 18 as Linux answers: setreuid(65534, -1) 0, PR_GET_DUMPABLE 1: only the real
    uid moves (the euid and fs uid stay 0; `new->suid = new->euid` keeps 0), and
    commit_creds() tests the effective and fs ids alone."""
    _after(adv, P_CLAIM_SETREUID, NR_SETREUID, PR_GET_DUMPABLE, 1)


def claim_nnp_vfork(adv: Adversary) -> None:
    """Step 7 as Linux answers: the vfork child's PR_SET_NO_NEW_PRIVS 0, the parent's
    PR_GET_NO_NEW_PRIVS 0 (the bit is the child task's)."""
    prctl_by_option(adv, P_NNP_VFORK, {PR_SET_NO_NEW_PRIVS: 0, PR_GET_NO_NEW_PRIVS: 0})


def claim_capset_v1(adv: Adversary) -> None:
    """Step 9 as Linux answers: capget() root's sets, the version-1 capset() 0, capget()
    the first words alone (the second ones 0: capabilities 32..40 dropped)."""
    _answers(adv, P_CAPSET_V1, NR_CAPSET, 0)
    _store_each(adv, P_CAPSET_V1, NR_CAPGET, 1, [ROOT, ROOT_V1])


def claim_capset_v2(adv: Adversary) -> None:
    """Step 22 as Linux answers: capget() root's sets, capset() (version 2) of an empty
    effective set 0, capget() the empty effective set and root's permitted one."""
    _answers(adv, P_CAPSET_V2, NR_CAPSET, 0)
    _store_each(adv, P_CAPSET_V2, NR_CAPGET, 1, [ROOT, EMPTY_EFF])


def claim_ambient(adv: Adversary) -> None:
    """Steps 24 and 25 as Linux answers: capset() with the inheritable set the permitted
    one, PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0, then capset() of an empty inheritable set
    (or setuid(65534)) 0, PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 0."""
    for phase in (P_AMBIENT_CAPSET, P_AMBIENT_SETUID):
        _answers(adv, phase, NR_CAPSET, 0)
        _answers(adv, phase, NR_SETUID, 0)
        prctl_by_option(adv, phase, {PR_CAP_AMBIENT: 0})


def claim_capget_v1(adv: Adversary) -> None:
    """Step 19 as Linux answers: capget() of version 1 after the empty effective set
    writes one word per set, effective 0; the second word stays the program's."""
    _answers(adv, P_CAPGET_V1, NR_CAPSET, 0)
    _store_each(adv, P_CAPGET_V1, NR_CAPGET, 1, [ROOT, _caps(0, 0xFFFF_FFFF, 0)])
