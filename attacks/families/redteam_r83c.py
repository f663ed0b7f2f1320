"""Red-team round 83c: the credential rules of round 82c's fixes (return.cap_needed over
every set*id call, return.capset_target, return.ambient_cleared, prctl_state.note_clone,
return.unshare_live_thread) at their edges: setgroups() (the other CAP_SETGID call), a
CLONE_THREAD thread and a vfork child made after capset() emptied the effective set,
setgid() after setresuid() moved only the effective uid off 0, the image exec'd after
PR_CAPBSET_DROP, capset() of version 1 (its upper words zero), capset() of an unknown
version, a second thread's capset() naming the group leader, a second thread's
unshare(CLONE_NEWUSER) after the leader's exit(), a vfork child's unshare(CLONE_VM),
capset() raising an inheritable bit outside the bounding set, the ambient set and
SECBIT_KEEP_CAPS across an exec, the effective set after a root setfsuid(),
unshare(CLONE_NEWUSER) after chroot(), unshare(CLONE_NEWUTS) without CAP_SYS_ADMIN,
unshare(CLONE_SIGHAND) beside a child sharing the handlers.

On the victim `secret_r83_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes), the kernel answers (Linux's answer and the function deciding it in each
scenario's steps; E is capget() then capset() of the same sets with an empty effective
set, both answered 0 as Linux answers them):

- AF-001: setgroups(0, NULL) 0 after E (may_setgroups(): ns_capable_setid(CAP_SETGID)
  fails: -EPERM);
- AF-002: the setuid(65534) of a CLONE_THREAD thread made after E, 0 (copy_creds():
  a CLONE_THREAD child shares its creator's cred: -EPERM);
- AF-003: the setuid(65534) of a vfork child made after E, 0 (copy_creds() copies the
  cred: -EPERM);
- AF-004: setgid(65534) 0 after setresuid(-1, 65534, -1) answered 0
  (cap_emulate_setxuid(): euid 0 -> 65534 clears the effective set: -EPERM);
- AF-005: the setuid(65534) of the image exec'd after PR_CAPBSET_DROP(CAP_SETUID), 0
  (handle_privileged_root(): the permitted set is bset | inheritable, no CAP_SETUID:
  -EPERM);
- AF-006: capget() (v3) storing a non-zero upper permitted word after capset() of
  version 1 (sys_capset(): kdata[1] stays zero: the upper words are 0);
- AF-007: capset() of a header of version 0x12345678 answered 0 (cap_validate_magic():
  -EINVAL);
- AF-008: a second thread's capset() of a header naming getpid() (the group leader's
  tid), 0 (sys_capset(): pid != task_pid_vnr(current): -EPERM);
- AF-009: a second thread's unshare(CLONE_NEWUSER) 0 after the group leader's exit()
  (check_unshare_flags(): thread_group_empty() false, the leader a zombie in the group
  till the group ends: -EINVAL);
- AF-010: a vfork child's unshare(CLONE_VM) 0 (check_unshare_flags():
  current_is_single_threaded() false, the parent shares the mm: -EINVAL);
- AF-011: capset() adding CAP_SETUID to the inheritable set after
  PR_CAPBSET_DROP(CAP_SETUID), 0 (cap_capset(): no new inheritable bit outside the
  bounding set: -EPERM);
- AF-012: PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 in the image exec'd after
  PR_CAP_AMBIENT_CLEAR_ALL (cap_bprm_creds_from_file() keeps or clears the ambient set,
  never adds to it: 0);
- AF-013: capget() storing CAP_CHOWN in the effective set after a root setfsuid(65534)
  (cap_task_fix_setfsuid(): cap_drop_fs_set() of the effective set);
- AF-014: unshare(CLONE_NEWUSER) 0 after chroot("/tmp") (create_user_ns():
  current_chrooted(): -EPERM);
- AF-015: unshare(CLONE_NEWUTS) 0 after E (unshare_nsproxy_namespaces(): no
  CAP_SYS_ADMIN: -EPERM);
- AF-016: unshare(CLONE_SIGHAND) 0 while a CLONE_VM | CLONE_SIGHAND child (a process)
  lives (check_unshare_flags(): sighand->count > 1: -EINVAL);
- AF-017: PR_GET_KEEPCAPS 1 in the image exec'd after PR_SET_KEEPCAPS(1)
  (prepare_exec_creds() clears SECURE_KEEP_CAPS: 0);
- AF-018: getgroups(0, NULL) 0 after setgroups(1, {65534}) answered 0 (sys_getgroups():
  the count, 1);
- AF-019: the setuid(65534) of the image exec'd after PR_SET_SECUREBITS(SECBIT_NOROOT),
  0 (handle_privileged_root(): !root_privileged(), no set widened: -EPERM);
- AF-020: PR_SET_KEEPCAPS(0) 0 after PR_SET_SECUREBITS(SECBIT_KEEP_CAPS |
  SECBIT_KEEP_CAPS_LOCKED) (cap_task_prctl(): -EPERM);
- AF-021: the setuid(0) of the image exec'd after a root setuid(65534), 0 (a non-root
  exec's permitted set is the ambient one, empty: -EPERM);
- AF-022: setfsuid(-1) 0 after setresuid(-1, 65534, -1) (__sys_setresuid(): the fs
  uid follows the euid: 65534).
- honest (tests/test_redteam_r83c_claims.py): setresuid(-1, 65534, -1),
  setresuid(-1, 0, -1), setgid(65534) 0 each (cap_emulate_setxuid(): euid back to 0
  gives the effective set the permitted one); a vfork child's E, then the parent's
  setuid(65534) 0 (the child's cred is its own); a second thread's capset() naming its
  own tid 0; unshare(CLONE_NEWUSER) 0 in the image exec'd beside a spinning second
  thread (de_thread() ended it); PR_CAP_AMBIENT_IS_SET 1 in the image exec'd after
  PR_CAP_AMBIENT_RAISE (a root exec of a file without set-id bits keeps the ambient
  set); setreuid(12345, 65534), setreuid(-1, 12345), setresuid(65534, -1, -1) 0 each
  (__sys_setreuid() keeps the saved uid 65534 where the new euid is the old real uid);
  E, then setresuid(-1, -1, -1), setreuid(-1, -1), setresgid(0, 0, 0), setfsuid(0) 0
  each (no new id); a root setgid(65534), setgid(0) 0 each (no gid change touches the
  sets); a vfork child's unshare(CLONE_NEWUSER) 0 (its own group's only thread);
  setresuid(-1, 65534, -1), capset() of the effective set the permitted one,
  setgid(65534) 0 each; PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setuid(65534),
  setgid(65534) 0 each (cap_task_fix_setuid() skips cap_emulate_setxuid()); E, then the
  exec'd image's setgid(65534) 0 (root's exec fills the effective set); a second thread
  made, then the first thread's E and its capget() naming the second thread storing
  root's full sets (cap_capget() reads the target's own cred).  False refusals: none found (the claims module's docstring).
- steps 24 and 25 of the victim (setuid(0), getuid() after unshare(CLONE_NEWUSER) with
  no uid_map: -EINVAL and 65534 on Linux) carry no scenario: another root process may
  write the new namespace's /proc/<pid>/uid_map (map_write()) at any time, after which
  0 is Linux's answer to both, and the Guardian cannot see that no one did.

Linux's answers under qemu-aarch64-static -strace (host kernel 6.18, root; the victim
run untouched, each step in a fork child): AF-001 `setgroups(0,0,0,0,0,0) = -1 errno=1
(Operation not permitted)`; AF-002 the thread's `setuid(65534,0,0,0,0,0) = -1 errno=1`;
AF-003 the child's `setuid(65534,0,0,0,0,0) = -1 errno=1`; AF-004
`setresuid(4294967295,65534,4294967295) = 0`, `setgid(65534) = -1 errno=1`; AF-006 the
second capget() stores an upper permitted word 0 (the step exits 0); AF-007
`capset(...) = -1 errno=22 (Invalid argument)`; AF-008 `getpid() = 32641`, `capset(...)
= -1 errno=1`; AF-011 `prctl(24,7,0,0,0,0) = 0`, `capset(...) = -1 errno=1`; AF-013
`setfsuid(65534) = 0`, the step's capget() finds no CAP_CHOWN; AF-015
`unshare(CLONE_NEWUTS) = -1 errno=1`; the claims: `setresuid(4294967295,0,4294967295)
= 0`, `setgid(65534) = 0`; the vfork child's `capset(...) = 0`, the parent's
`setuid(65534,0,0,0,0,0) = 0`; `gettid() = 32663`, `capset(...) = 0`;
`setreuid(12345,65534) = 0`, `setreuid(4294967295,12345) = 0`,
`setresuid(65534,4294967295,4294967295) = 0`; after E
`setresuid(4294967295,4294967295,4294967295) = 0`, `setreuid(4294967295,4294967295) =
0`, `setresgid(0,0,0) = 0`, `setfsuid(0) = 0`; AF-018 `setgroups(1,4849744,0,0,0,0) = 0`, `getgroups(0,0,0,0,0,0) =
1`; AF-020 `prctl(28,48,0,0,0,0) = 0`, `prctl(8,0,0,0,0,0) = -1 errno=1`; the claims
`setgid(65534) = 0`, `setgid(0) = 0`; `setresuid(4294967295,65534,4294967295) = 0`,
`capset(...) = 0`, `setgid(65534) = 0`; `prctl(28,4,0,0,0,0) = 0`,
`setuid(65534,0,0,0,0,0) = 0`, `setgid(65534) = 0`; AF-022
`setresuid(4294967295,65534,4294967295) = 0`, `setfsuid(4294967295) = 65534`.
qemu-user's execve() of the aarch64
image answers ENOEXEC (no binfmt_misc on the host), it runs a vfork as a fork, refuses
clone(CLONE_VM | CLONE_SIGHAND) without CLONE_THREAD, and its own helper thread makes
every unshare(CLONE_NEWUSER) -EINVAL; so a native host probe (/tmp, x86-64, the same
kernel/fork.c, kernel/user_namespace.c, fs/exec.c and security/commoncap.c, host kernel
6.18.44, root, each in a fork child) printed: `AF-009 after leader exit():
unshare(CLONE_NEWUSER) = -22`; `AF-010 vfork child: unshare(CLONE_VM) = -22`; `AF-016
CLONE_VM|CLONE_SIGHAND child alive: unshare(CLONE_SIGHAND) = -22`; `AF-014 chroot(/tmp)
= 0, unshare(CLONE_NEWUSER) = -1` (-EPERM); `AF-005 PR_CAPBSET_DROP(CAP_SETUID) = 0`,
`AF-005 exec'd image: setuid(65534) = -1` (-EPERM); `AF-012 PR_CAP_AMBIENT_CLEAR_ALL =
0`, `AF-012 exec'd image: IS_SET(CAP_SETUID) = 0`; `AF-017 exec'd image:
PR_GET_KEEPCAPS = 0`; `AF-013 setfsuid(65534) = 0, capget effective = 0x1fef6fffde0
(permitted 0x1fffeffffff)` (CAP_CHOWN..CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD,
CAP_MAC_OVERRIDE gone; the host's container lacks CAP_SYS_RESOURCE); the claims:
`capset(inh = perm) = 0, PR_CAP_AMBIENT_RAISE(7) = 0`, `exec'd image:
IS_SET(CAP_SETUID) = 1`; `exec'd image beside a thread: unshare(CLONE_NEWUSER) = 0`; `AF-020
PR_SET_SECUREBITS(SECBIT_NOROOT) = 0`, `exec'd image under SECBIT_NOROOT: setuid(65534)
= -1` (AF-019); `vfork child: unshare(CLONE_NEWUSER) = 0` (the claim vfork_userns); `AF-021
setuid(65534) = 0`, `exec'd image after setuid(65534): setuid(0) = -1`; `claim E:
capset = 0`, `exec'd image after E: setgid(65534) = 0` (the claim exec_refill).

Not done (the round's time): step 37 of the victim (E, then a second thread made, the
first thread's capget() naming it: Linux's effective set empty, cap_capget() of the
shared cred; qemu: the step exits 0) carries no scenario: with capset() answered 0 and
root's sets stored at the capget() naming the thread, the unguarded run ran out of its
instruction budget (not looked into); --launch-securebits and --launch-no-new-privs runs, the
auxiliary vector's AT_UID/AT_EUID after an exec, a filter-answered set*id call,
setgroups() of a list then getgroups(), capset() of version 2 naming another task.

Through with the Guardian on when written (gaps, 13); 8 closed by round 83c's fixes:
- AF-001 (setgroups() without CAP_SETGID): refused by return.cap_needed
  (guardian/cap_needed.py check_cap_call(): may_setgroups()).
- AF-015 (unshare(CLONE_NEWUTS) without CAP_SYS_ADMIN): refused by return.cap_needed
  (check_cap_call(): a namespace flag without CLONE_NEWUSER needs CAP_SYS_ADMIN in the
  known effective set, unshare_nsproxy_namespaces()).
- AF-004 (setgid() after setresuid() moved only the euid off 0): refused by
  return.cap_needed: the known ids lost the gids at the setresuid() (a set*uid keeps
  them: guardian/credentials.py), and guardian/setuid_fixup.py note_setxuid() is now the
  one model of cap_emulate_setxuid() (effective cleared where the euid leaves 0, given the
  permitted set where it comes back, ambient and, without SECURE_KEEP_CAPS, permitted
  cleared where no uid stays 0).
- AF-009 (the second thread's unshare(CLONE_NEWUSER) after the leader's exit()): refused
  by return.unshare_live_thread: a thread a clone(CLONE_THREAD) made is never its group's
  leader, which stays a zombie in the group while it lives (delay_group_leader()).
- AF-011 (capset() of an inheritable bit outside the bounding set): refused by
  return.capset_inheritable (guardian/capset_inheritable.py: the old inheritable set
  capget() reported or capset() stored | the bounding set PR_CAPBSET_DROP left).
- AF-013 (capget()'s effective set after a root setfsuid()): refused by
  return.capset_effective (guardian/setuid_fixup.py note_setfsuid():
  cap_task_fix_setfsuid(); with CAP_SETUID effective the fs uid moved, so CAP_SETUID and
  an fs capability are never reported together).
- AF-012 (IS_SET 1 in the image exec'd after CLEAR_ALL): refused by return.ambient_cleared
  on what create.exec_caps carries (guardian/exec_caps.py: AMBIENT_OUT through the exec).
- AF-021 (the exec'd image's setuid(0) after a root setuid(65534)): refused by
  return.cap_needed on what create.exec_caps carries: AT_UID and AT_EUID not 0 and
  AT_SECURE 0 leave pP' = pE' = pA' (no set-id file, no file capability raising a set:
  it would have made the exec secure), within the known ambient set.
Refused since round 85c's fixes: AF-005 (the exec'd image's setuid() after
PR_CAPBSET_DROP): create.launch_inheritable (guardian/launch_facts.py start(): the
launch's inheritable set is the launcher's, empty by default as init_cred's, stated with
`--launch-inheritable N` for a `capsh --inh` launcher), which create.exec_caps carries:
a root exec's permitted and effective sets within the bounding set | pI
(handle_privileged_root(), bprm_caps_from_vfs_caps()), then return.cap_needed.
Still open (4), and what the Guardian would need:
- AF-019 (the exec'd image's setuid() under SECBIT_NOROOT): a root exec of a file with
  file capabilities (security.capability, which the kernel's file system holds and the
  Guardian never sees) gets (fP & bset) | (fI & pI) without AT_SECURE (a real root's
  exec is secure only for a set-id file): the Guardian would need to know the exec'd file
  carries no file capabilities (the launch's inheritable set, now known, bounds only fI &
  pI; fP & bset, the bounding set full, may hold CAP_SETUID).
- AF-014 (unshare(CLONE_NEWUSER) after chroot()): chroot("/tmp") leaves the thread
  chrooted only where /tmp does not resolve to the namespace's root (a symlink to "/"
  does; current_chrooted() compares the paths), and a CLONE_FS sibling's chroot() moves
  it too: the Guardian would need the new root's identity against the namespace root's
  (a stat of both known quiet) and the fs_struct's sharers.
- AF-010 (a vfork child's unshare(CLONE_VM)): the parent waits killably
  (wait_for_vfork_done(): TASK_KILLABLE): another process's SIGKILL ends it, exit_mm()
  drops mm_users, and the child's unshare(CLONE_VM) is then 0 on Linux; the Guardian
  sees that death only later: it would need to know the parent alive across the call.
- AF-016 (unshare(CLONE_SIGHAND) beside a CLONE_SIGHAND child): the child holds the
  shared sighand until it is released (__exit_signal() at its reap, at once where
  SIGCHLD is ignored or SA_NOCLDWAIT) or its exec unshares it (de_thread()); another
  process's SIGKILL may end it at any time: the Guardian would need to follow that child
  till its reap (its wait4()/waitid() records), the SIGCHLD disposition across its life
  and its execs.
Refused when written (9): AF-002 (a thread's setuid() after its creator's E), AF-003 (a vfork
child's setuid() after its parent's E): return.cap_needed (prctl_state.note_clone);
AF-006 (capget()'s upper permitted word after capset() of version 1), AF-007 (capset()
of an unknown version), AF-008 (a second thread's capset() naming the leader): the
capset rules (the refusal's text names each); AF-017 (PR_GET_KEEPCAPS 1 after an
exec): prctl_state's securebits across the exec; AF-018 (getgroups()'s count after
setgroups()): the known ngroups; AF-020 (PR_SET_KEEPCAPS(0) under
SECBIT_KEEP_CAPS_LOCKED): prctl_state's securebits lock; AF-022 (setfsuid(-1) after
setresuid() moved the euid): return.credentials (the fs uid follows the euid).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers, _stores
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r83c"
CORE = "secret_r83_core"
# secret_r83_core: the marker before each step; the marker after its write is + 1.
(P_SETGROUPS_NOCAP, P_THREAD_NOCAP, P_VFORK_NOCAP, P_EUID_OFF, P_BSET_EXEC,
 P_CAPSET_V1, P_CAPSET_BADVER, P_THREAD_CAPSET_LEADER, P_UNSHARE_LEADER_EXIT,
 P_VFORK_UNSHARE_VM, P_INH_OUTSIDE_BSET, P_AMBIENT_EXEC, P_CLAIM_EUID_BACK,
 P_CLAIM_VFORK_PARENT, P_CLAIM_THREAD_TID, P_CLAIM_EXEC_UNSHARE,
 P_CLAIM_AMBIENT_EXEC, P_FSUID_EFFECTIVE, P_CHROOT_USERNS, P_NEWUTS_NOCAP,
 P_SIGHAND_SHARED, P_KEEPCAPS_EXEC, P_CLAIM_SAVED_UID, P_CLAIM_NOOP_IDS,
 P_USERNS_SETUID0, P_USERNS_GETUID, P_GETGROUPS_COUNT, P_NOROOT_EXEC,
 P_KEEPCAPS_LOCKED, P_CLAIM_GID_BACK, P_CLAIM_VFORK_USERNS,
 P_CLAIM_EUID_OFF_CAPSET, P_NONROOT_EXEC, P_FSUID_FOLLOWS, P_CLAIM_NO_FIXUP,
 P_CLAIM_EXEC_REFILL, P_CLAIM_CAPGET_OTHER, P_CAPGET_THREAD) = range(14000, 14076, 2)
#: the steps an untouched run takes
PHASES = tuple(range(14000, 14076, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NR_PRCTL = 24, 47, 1, 167
PR_GET_KEEPCAPS, PR_SET_KEEPCAPS = 7, 8
NR_CAPGET, NR_CAPSET, NR_SETGID, NR_SETUID, NR_SETRESUID, NR_SETGROUPS, NR_UNSHARE = \
    90, 91, 144, 146, 147, 159, 97
NR_SETFSUID, NR_CHROOT, NR_SETREUID, NR_SETRESGID = 151, 51, 145, 149
NR_GETGROUPS, PR_SET_SECUREBITS = 158, 28
#: the upper words of root's sets as capget() (version 3) stores them on a 6.x kernel
#: (caps 32..40): effective, permitted, inheritable (empty)
ROOT_UPPER = b"\xff\x01\x00\x00" * 2 + bytes(4)
#: root's whole sets so
ROOT_SETS = b"\xff\xff\xff\xff" * 2 + bytes(4) + ROOT_UPPER
PROPS = {
    "CAPS": ("A call that needs a capability (setgroups(), set*id to an id not the "
             "caller's, unshare() of a namespace) fails where the caller's own effective "
             "set lacks it; a thread or a vfork child starts with its creator's sets "
             "(copy_creds()); the effective set empties where the effective uid leaves 0 "
             "(cap_emulate_setxuid()) and loses the file-system capabilities where the fs "
             "uid does (cap_task_fix_setfsuid()); an exec's permitted set is within the "
             "bounding set (handle_privileged_root())."),
    "CAPSET": ("capset() of version 1 leaves the upper words zero; capset() of an unknown "
               "version fails -EINVAL; it may name the calling thread alone; no "
               "inheritable bit outside the bounding set (sys_capset(), cap_capset()); "
               "an exec never adds to the ambient set and clears SECBIT_KEEP_CAPS."),
    "ALONE": ("unshare(CLONE_NEWUSER) fails -EINVAL while the caller's group holds "
              "another thread, a zombie leader included, and -EPERM in a chroot; "
              "unshare(CLONE_VM) while another process shares the mm, "
              "unshare(CLONE_SIGHAND) while another shares the handlers "
              "(check_unshare_flags())."),
}


@scenario(id="AF-001", title="Answer 0 to setgroups(0, NULL) after capset() emptied the "
          "effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def af_setgroups_nocap(adv: Adversary) -> None:
    """1. A root fork child's capget() and capset() of the same sets with an empty
    effective set answered 0 (Linux's answers); it calls setgroups(0, NULL) and exits 7
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setgroups() -> may_setgroups(): `return ns_capable_setid(user_ns, CAP_SETGID)
    && userns_may_setgroups(user_ns);`: CAP_SETGID left the effective set: -EPERM (qemu:
    `setgroups(0,0,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_SETGROUPS_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_SETGROUPS_NOCAP, NR_SETGROUPS, 0)


@scenario(id="AF-002", title="Answer 0 to the setuid(65534) of a thread made after "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def af_thread_nocap(adv: Adversary) -> None:
    """1. A root fork child's E (answered 0); it makes a thread (clone(CLONE_THREAD |
    CLONE_VM | ...)) whose setuid(65534) makes the child exit 7 for 0.
    2. The kernel answers the thread's setuid() 0: the program logs bytes 0..7 of the
    secret.
    copy_creds(): `if (... clone_flags & CLONE_THREAD) { p->real_cred = get_cred(
    p->cred); ...}`: the thread shares its creator's cred, the effective set empty;
    __sys_setuid(): no CAP_SETUID, 65534 neither the real nor the saved uid: -EPERM
    (qemu: the thread's `setuid(65534,0,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_THREAD_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_THREAD_NOCAP, NR_SETUID, 0)


@scenario(id="AF-003", title="Answer 0 to the setuid(65534) of a vfork child made after "
          "capset() emptied the effective set", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def af_vfork_nocap(adv: Adversary) -> None:
    """1. A root fork child's E (answered 0); its vfork child (clone(CLONE_VM |
    CLONE_VFORK | SIGCHLD)) calls setuid(65534) and exits 7 for 0, the fork child then
    7 for that status.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    copy_creds() -> prepare_creds(): the vfork child's cred is a copy of the parent's,
    the effective set empty; __sys_setuid(): -EPERM (qemu: the child's
    `setuid(65534,0,0,0,0,0) = -1 errno=1`)."""
    _answers(adv, P_VFORK_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_VFORK_NOCAP, NR_SETUID, 0)


@scenario(id="AF-004", title="Answer 0 to setgid(65534) after setresuid(-1, 65534, -1) "
          "moved the effective uid off 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def af_euid_off(adv: Adversary) -> None:
    """1. A root fork child's setresuid(-1, 65534, -1) answered 0 (Linux's: ruid and suid
    stay 0, euid 65534); it calls setgid(65534) and exits 7 for 0.
    2. The kernel answers setgid() 0: the program logs bytes 0..7 of the secret.
    cap_task_fix_setuid() -> cap_emulate_setxuid(): `if (uid_eq(old->euid, root_uid) &&
    !uid_eq(new->euid, root_uid)) cap_clear(new->cap_effective);` (the permitted set
    stays: ruid and suid are 0); __sys_setgid(): no CAP_SETGID, 65534 none of the gids:
    -EPERM (qemu: `setresuid(4294967295,65534,4294967295) = 0`, `setgid(65534) = -1
    errno=1`)."""
    _answers(adv, P_EUID_OFF, NR_SETRESUID, 0)
    _answers(adv, P_EUID_OFF, NR_SETGID, 0)


@scenario(id="AF-005", title="Answer 0 to setuid(65534) in the image exec'd after "
          "PR_CAPBSET_DROP(CAP_SETUID)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no setuid() to answer")
def af_bset_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_CAPBSET_DROP, CAP_SETUID) answered 0 (Linux's); it
    execs the program with -S (no set-id file), whose setuid(65534) exits 7 for 0.
    2. The kernel answers setuid() 0: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file() -> handle_privileged_root(): `new->cap_permitted =
    cap_combine(old->cap_bset, old->cap_inheritable);` (root's inheritable set is
    empty), the effective set the permitted one: no CAP_SETUID; __sys_setuid(): 65534
    is neither the real nor the saved uid (0): -EPERM (native probe: `exec'd image:
    setuid(65534) = -1`)."""
    prctl_by_option(adv, P_BSET_EXEC, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_BSET_EXEC, NR_SETUID, 0)


@scenario(id="AF-006", title="Store an upper permitted word at capget() (version 3) "
          "after capset() of version 1", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPSET"])
def af_capset_v1(adv: Adversary) -> None:
    """1. A root fork child's capget() (version 3) answered with root's sets (caps
    0..40, Linux's; the kernel stores the upper words); it calls capset() of version 1
    with the lower words (answered 0, Linux's), then capget() (version 3), and exits 7
    where the upper permitted word is not 0.
    2. The kernel stores the upper words of root's sets again: the program logs bytes
    0..7 of the secret.
    sys_capset(): `struct __user_cap_data_struct kdata[_LINUX_CAPABILITY_U32S_3] = {};
    ... copy_from_user(&kdata, data, tocopy * sizeof(kdata[0]))` (tocopy 1 for version
    1), `permitted = mk_kernel_cap(kdata[0].permitted, kdata[1].permitted);`: caps
    32..40 leave the permitted set (6.3+; the loop `while (i < _KERNEL_CAPABILITY_U32S)
    { ... = 0; }` in 6.1 and 6.2); capget() stores 0 there (qemu: the step exits 0)."""
    _answers(adv, P_CAPSET_V1, NR_CAPSET, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=P_CAPSET_V1,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["capdata"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=P_CAPSET_V1,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["capdata"] + 12, ROOT_UPPER)


@scenario(id="AF-007", title="Answer 0 to capset() of a header of an unknown version",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPSET"])
def af_capset_badver(adv: Adversary) -> None:
    """1. A fork child's capget() answered 0; it calls capset() of the same sets with
    the header's version 0x12345678 and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_capset(): `ret = cap_validate_magic(header, &tocopy); if (ret != 0) return
    ret;`: cap_validate_magic(): `default: if (put_user((u32)_KERNEL_CAPABILITY_VERSION,
    &header->version)) return -EFAULT; return -EINVAL;` (qemu: `capset(...) = -1
    errno=22 (Invalid argument)`)."""
    _answers(adv, P_CAPSET_BADVER, NR_CAPSET, 0)


@scenario(id="AF-008", title="Answer 0 to a second thread's capset() of a header naming "
          "the group leader", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPSET"])
def af_thread_capset_leader(adv: Adversary) -> None:
    """1. A fork child makes a second thread; the thread's getpid() (the leader's tid)
    and capget() answered as Linux answers, it calls capset() of the same sets with the
    header's pid that getpid() and the child exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_capset(): `if (pid != 0 && pid != task_pid_vnr(current)) return -EPERM;`:
    task_pid_vnr() is the calling thread's own id, not its group's (qemu: `getpid() =
    32641`, `capset(...) = -1 errno=1`)."""
    _answers(adv, P_THREAD_CAPSET_LEADER, NR_CAPSET, 0)


@scenario(id="AF-009", title="Answer 0 to a second thread's unshare(CLONE_NEWUSER) after "
          "the group leader's exit()", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["ALONE"])
def af_unshare_leader_exit(adv: Adversary) -> None:
    """1. A fork child makes a second thread and calls exit() (the thread's own, not
    exit_group()); the second thread then calls unshare(CLONE_NEWUSER) and exit_group(7)
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    do_exit() of a group leader with live threads leaves it a zombie on the group's
    list (release_task() of a leader waits for the group: delay_group_leader());
    ksys_unshare(): CLONE_NEWUSER adds CLONE_THREAD; check_unshare_flags(): `if
    (!thread_group_empty(current)) return -EINVAL;` (6.7+: `thread_group_leader(p) &&
    ...`, false for a thread that is not the leader; 6.1: `list_empty(&p->thread_group)`,
    the zombie leader still on it) (native probe: `after leader exit():
    unshare(CLONE_NEWUSER) = -22`)."""
    _answers(adv, P_UNSHARE_LEADER_EXIT, NR_UNSHARE, 0)


@scenario(id="AF-010", title="Answer 0 to a vfork child's unshare(CLONE_VM)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["ALONE"],
          gap="P5")
def af_vfork_unshare_vm(adv: Adversary) -> None:
    """1. A fork child's vfork child (clone(CLONE_VM | CLONE_VFORK | SIGCHLD)) calls
    unshare(CLONE_VM) and exits 7 for 0, the fork child then 7 for that status.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): CLONE_VM adds CLONE_SIGHAND and CLONE_THREAD; check_unshare_flags():
    `if (unshare_flags & CLONE_VM) { if (!current_is_single_threaded()) return -EINVAL;
    }`: current_is_single_threaded() finds the parent (blocked in the vfork) using the
    same mm: -EINVAL (native probe: `vfork child: unshare(CLONE_VM) = -22`)."""
    _answers(adv, P_VFORK_UNSHARE_VM, NR_UNSHARE, 0)


@scenario(id="AF-011", title="Answer 0 to capset() adding CAP_SETUID to the inheritable "
          "set after PR_CAPBSET_DROP(CAP_SETUID)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPSET"])
def af_inh_outside_bset(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_CAPBSET_DROP, CAP_SETUID) and capget() answered as
    Linux answers (0); it calls capset() of the same sets with CAP_SETUID added to the
    inheritable set and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_capset(): `/* no new pI capabilities outside bounding set */ if
    (!cap_issubset(*inheritable, cap_combine(old->cap_inheritable, old->cap_bset)))
    return -EPERM;` (CAP_SETPCAP does not lift it) (qemu: `prctl(24,7,0,0,0,0) = 0`,
    `capset(...) = -1 errno=1`)."""
    prctl_by_option(adv, P_INH_OUTSIDE_BSET, {PR_CAPBSET_DROP: 0})
    _answers(adv, P_INH_OUTSIDE_BSET, NR_CAPSET, 0)


def _ambient_is_set(adv: Adversary, phase: int, value: int) -> None:
    """Answer every PR_CAP_AMBIENT after `phase` 0, PR_CAP_AMBIENT_IS_SET `value`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("amb", phase)] = (a.reg("x0") & 0xFFFF_FFFF, a.reg("x1") & 0xFFFF_FFFF)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        opt, sub = a.memo.get(("amb", phase), (0, 0))
        if opt == PR_CAP_AMBIENT:
            a.set_reg("x0", value if sub == PR_CAP_AMBIENT_IS_SET else 0)


@scenario(id="AF-012", title="Answer 1 to PR_CAP_AMBIENT_IS_SET in the image exec'd after "
          "PR_CAP_AMBIENT_CLEAR_ALL", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPSET"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no PR_CAP_AMBIENT_IS_SET to answer")
def af_ambient_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) answered 0
    (Linux's); it execs the program with -A, whose PR_CAP_AMBIENT_IS_SET(CAP_SETUID)
    exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): the new cred is prepare_exec_creds() of the old (ambient
    empty); `if (has_fcap || is_setid) cap_clear(new->cap_ambient);` -- an exec keeps or
    clears the ambient set, never raises a bit: IS_SET 0 (native probe: `exec'd image:
    IS_SET(CAP_SETUID) = 0`)."""
    _ambient_is_set(adv, P_AMBIENT_EXEC, 1)


@scenario(id="AF-013", title="Store CAP_CHOWN in the effective set at capget() after a "
          "root setfsuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def af_fsuid_effective(adv: Adversary) -> None:
    """1. A root fork child's setfsuid(65534) answered 0 (Linux's: the old fs uid); it
    calls capget() and exits 7 where CAP_CHOWN (0) is in the effective set.
    2. The kernel stores root's full sets: the program logs bytes 0..7 of the secret.
    __sys_setfsuid() -> security_task_fix_setfsuid() -> cap_task_fix_setfsuid(): `if
    (uid_eq(old->fsuid, root_uid) && !uid_eq(new->fsuid, root_uid)) new->cap_effective =
    cap_drop_fs_set(new->cap_effective);` (CAP_CHOWN, CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD,
    CAP_MAC_OVERRIDE leave it) (qemu: `setfsuid(65534) = 0`, the step's capget() finds no
    CAP_CHOWN; native probe: `capget effective = 0x1fef6fffde0`)."""
    _answers(adv, P_FSUID_EFFECTIVE, NR_SETFSUID, 0)
    _stores(adv, P_FSUID_EFFECTIVE, NR_CAPGET, (1,), ROOT_SETS)


@scenario(id="AF-014", title="Answer 0 to unshare(CLONE_NEWUSER) after chroot(\"/tmp\")",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["ALONE"], gap="P5")
def af_chroot_userns(adv: Adversary) -> None:
    """1. A root fork child's chroot("/tmp") answered 0 (Linux's: root holds
    CAP_SYS_CHROOT, the directory exists); it calls unshare(CLONE_NEWUSER) and exits 7
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    unshare_userns() -> create_user_ns(): `/* Verify that we can not violate the policy
    of which files may be accessed that is specified by the root directory, ... */ if
    (current_chrooted()) goto fail_dec;` (-EPERM): the fs root is no longer the mount
    namespace's root (native probe: `chroot(/tmp) = 0, unshare(CLONE_NEWUSER) = -1`)."""
    _answers(adv, P_CHROOT_USERNS, NR_CHROOT, 0)
    _answers(adv, P_CHROOT_USERNS, NR_UNSHARE, 0)


@scenario(id="AF-015", title="Answer 0 to unshare(CLONE_NEWUTS) after capset() emptied "
          "the effective set", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def af_newuts_nocap(adv: Adversary) -> None:
    """1. A root fork child's E (answered 0); it calls unshare(CLONE_NEWUTS) and exits 7
    for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare() -> unshare_nsproxy_namespaces(): `if ((unshare_flags & CLONE_NEWUSER)
    == 0 && !ns_capable(current_user_ns(), CAP_SYS_ADMIN)) return -EPERM;`: CAP_SYS_ADMIN
    left the effective set (qemu: `unshare(CLONE_NEWUTS) = -1 errno=1 (Operation not
    permitted)`)."""
    _answers(adv, P_NEWUTS_NOCAP, NR_CAPSET, 0)
    _answers(adv, P_NEWUTS_NOCAP, NR_UNSHARE, 0)


@scenario(id="AF-016", title="Answer 0 to unshare(CLONE_SIGHAND) while a CLONE_VM | "
          "CLONE_SIGHAND child shares the handlers", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["ALONE"], gap="P5")
def af_sighand_shared(adv: Adversary) -> None:
    """1. A fork child makes a child of its own with clone(CLONE_VM | CLONE_SIGHAND |
    SIGCHLD) (a process, not a thread) that spins; it calls unshare(CLONE_SIGHAND) and
    exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): CLONE_SIGHAND adds CLONE_THREAD; check_unshare_flags(): `if
    (unshare_flags & (CLONE_SIGHAND | CLONE_VM)) { if (refcount_read(&current->sighand->
    count) > 1) return -EINVAL; }`: the child holds the same sighand_struct (its
    copy_sighand(): `if (clone_flags & CLONE_SIGHAND) { refcount_inc(&current->sighand->
    count); return 0; }`) (native probe: `CLONE_VM|CLONE_SIGHAND child alive:
    unshare(CLONE_SIGHAND) = -22`)."""
    _answers(adv, P_SIGHAND_SHARED, NR_UNSHARE, 0)


@scenario(id="AF-017", title="Answer 1 to PR_GET_KEEPCAPS in the image exec'd after "
          "PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPSET"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no PR_GET_KEEPCAPS to answer")
def af_keepcaps_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_KEEPCAPS, 1) answered 0 (Linux's); it execs
    the program with -K, whose prctl(PR_GET_KEEPCAPS) exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    prepare_bprm_creds() -> prepare_exec_creds(): `new->securebits &=
    ~issecure_mask(SECURE_KEEP_CAPS);` (SECBIT_KEEP_CAPS is no lock: an exec clears it);
    cap_task_prctl() PR_GET_KEEPCAPS: `return !!issecure(SECURE_KEEP_CAPS);`: 0 (native
    probe: `exec'd image: PR_GET_KEEPCAPS = 0`)."""
    prctl_by_option(adv, P_KEEPCAPS_EXEC, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})


@scenario(id="AF-018", title="Answer 0 to getgroups(0, NULL) after setgroups(1, {65534})",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def af_getgroups_count(adv: Adversary) -> None:
    """1. A root fork child's setgroups(1, {65534}) answered 0 (Linux's: CAP_SETGID); it
    calls getgroups(0, NULL) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    set_current_groups() -> commit_creds(): the group_info holds one gid;
    sys_getgroups(): `i = group_info->ngroups; if (gidsetsize) {...} out: return i;`: a
    size of 0 asks the count alone: 1 (qemu: `setgroups(1,...) = 0`,
    `getgroups(0,0,0,0,0,0) = 1`)."""
    _answers(adv, P_GETGROUPS_COUNT, NR_SETGROUPS, 0)
    _answers(adv, P_GETGROUPS_COUNT, NR_GETGROUPS, 0)


@scenario(id="AF-019", title="Answer 0 to setuid(65534) in the image a root program "
          "exec'd under SECBIT_NOROOT", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"], gap="P5",
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no setuid() to answer")
def af_noroot_exec(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_SECUREBITS, SECBIT_NOROOT) answered 0 (Linux's:
    CAP_SETPCAP, no lock); it execs the program with -N (no set-id file, no file
    capabilities), whose setuid(65534) exits 7 for 0.
    2. The kernel answers setuid() 0: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file() -> handle_privileged_root(): `if (!root_privileged())
    return;` (issecure(SECURE_NOROOT)): no set is widened; the new permitted set is
    (pI & fI) | (fP & bset) | pA, all empty, the effective set empty; the securebits
    survive the exec (only SECURE_KEEP_CAPS is cleared); __sys_setuid(): no CAP_SETUID,
    65534 none of root's uids: -EPERM (native probe: `exec'd image under SECBIT_NOROOT:
    setuid(65534) = -1`)."""
    prctl_by_option(adv, P_NOROOT_EXEC, {PR_SET_SECUREBITS: 0})
    _answers(adv, P_NOROOT_EXEC, NR_SETUID, 0)


@scenario(id="AF-020", title="Answer 0 to PR_SET_KEEPCAPS(0) after "
          "PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPSET"])
def af_keepcaps_locked(adv: Adversary) -> None:
    """1. A root fork child's prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS |
    SECBIT_KEEP_CAPS_LOCKED) answered 0 (Linux's); it calls prctl(PR_SET_KEEPCAPS, 0)
    and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_KEEPCAPS: if (arg2 > 1) return -EINVAL; if
    (issecure(SECURE_KEEP_CAPS_LOCKED)) return -EPERM;` (qemu: `prctl(28,48,0,0,0,0) =
    0`, `prctl(8,0,0,0,0,0) = -1 errno=1`)."""
    prctl_by_option(adv, P_KEEPCAPS_LOCKED, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="AF-021", title="Answer 0 to setuid(0) in the image exec'd after a root "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"],
          silent="where the kernel may not read execve()'s path and argv (--mode mprotect: "
                 "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
                 "no setuid() to answer")
def af_nonroot_exec(adv: Adversary) -> None:
    """1. A root fork child's setuid(65534) answered 0 (Linux's: every uid 65534); it
    execs the program with -R, whose setuid(0) exits 7 for 0.
    2. The kernel answers setuid() 0: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): no uid is 0, handle_privileged_root() grants nothing;
    without file capabilities the new permitted set is the ambient one (empty:
    cap_emulate_setxuid() cleared it) and the effective set empty; __sys_setuid(): 0 is
    neither the real nor the saved uid: -EPERM (native probe: `exec'd image after
    setuid(65534): setuid(0) = -1`)."""
    _answers(adv, P_NONROOT_EXEC, NR_SETUID, 0)


@scenario(id="AF-022", title="Answer 0 to setfsuid(-1) after setresuid(-1, 65534, -1)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def af_fsuid_follows(adv: Adversary) -> None:
    """1. A root fork child's setresuid(-1, 65534, -1) answered 0 (Linux's); it calls
    setfsuid(-1) (the probe: the current fs uid) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    __sys_setresuid(): `if (euid != (uid_t) -1) new->euid = keuid; ... new->fsuid =
    new->euid;`: the fs uid follows the new euid, 65534; __sys_setfsuid() answers the
    old fs uid (qemu: `setresuid(4294967295,65534,4294967295) = 0`,
    `setfsuid(4294967295) = 65534`)."""
    _answers(adv, P_FSUID_FOLLOWS, NR_SETRESUID, 0)
    _answers(adv, P_FSUID_FOLLOWS, NR_SETFSUID, 0)


def _second_capget(adv: Adversary, phase: int) -> None:
    """Answer the calls capset() after `phase` 0 and store root's sets at the second
    capget() of each process (the one naming the other thread)."""
    _answers(adv, phase, NR_CAPSET, 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("cg", phase)] = a.memo.get(("cg", phase), 0) + 1
        a.memo[("cgdata", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get(("cg", phase)) == 2:
            a.kernel.uaccess.write(a.memo[("cgdata", phase)], ROOT_SETS)


# --- Linux's own answers (tests/test_redteam_r83c_claims.py) ---------------------------


def claim_euid_back(adv: Adversary) -> None:
    """Step 12 as Linux answers: setresuid(-1, 65534, -1), setresuid(-1, 0, -1),
    setgid(65534) 0 each: cap_emulate_setxuid(): `if (!uid_eq(old->euid, root_uid) &&
    uid_eq(new->euid, root_uid)) new->cap_effective = new->cap_permitted;` (the
    permitted set stayed: ruid 0), CAP_SETGID effective again."""
    _answers(adv, P_CLAIM_EUID_BACK, NR_SETRESUID, 0)
    _answers(adv, P_CLAIM_EUID_BACK, NR_SETGID, 0)


def claim_vfork_parent(adv: Adversary) -> None:
    """Step 13 as Linux answers: a vfork child's E 0, then the parent's setuid(65534) 0:
    the child's capset() commits its own copy of the cred (copy_creds())."""
    _answers(adv, P_CLAIM_VFORK_PARENT, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_VFORK_PARENT, NR_SETUID, 0)


def claim_thread_tid(adv: Adversary) -> None:
    """Step 14 as Linux answers: a second thread's capset() of a header naming its own
    tid (gettid()) 0 (sys_capset(): pid == task_pid_vnr(current))."""
    _answers(adv, P_CLAIM_THREAD_TID, NR_CAPSET, 0)


def claim_exec_unshare(adv: Adversary) -> None:
    """Step 15 as Linux answers: the image exec'd beside a spinning second thread calls
    unshare(CLONE_NEWUSER), 0: begin_new_exec() -> de_thread() killed and reaped every
    other thread, thread_group_empty() holds."""
    _answers(adv, P_CLAIM_EXEC_UNSHARE, NR_UNSHARE, 0)


def claim_ambient_exec(adv: Adversary) -> None:
    """Step 16 as Linux answers: capset() of the inheritable set the permitted one 0,
    PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0, then the exec'd image's
    PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 (cap_bprm_creds_from_file(): a file without
    set-id bits or file capabilities keeps the ambient set)."""
    _answers(adv, P_CLAIM_AMBIENT_EXEC, NR_CAPSET, 0)
    _ambient_is_set(adv, P_CLAIM_AMBIENT_EXEC, 1)


def claim_saved_uid(adv: Adversary) -> None:
    """Step 22 as Linux answers: setreuid(12345, 65534) 0 (root: every uid changes, the
    saved one to the new euid 65534; cap_emulate_setxuid() clears the sets), setreuid(-1,
    12345) 0 (12345 is the real uid; __sys_setreuid() keeps the saved uid: the euid is
    the old real uid and no ruid is given), setresuid(65534, -1, -1) 0 (65534 the saved
    uid)."""
    _answers(adv, P_CLAIM_SAVED_UID, NR_SETREUID, 0)
    _answers(adv, P_CLAIM_SAVED_UID, NR_SETRESUID, 0)


def claim_noop_ids(adv: Adversary) -> None:
    """Step 23 as Linux answers: E, then setresuid(-1, -1, -1), setreuid(-1, -1),
    setresgid(0, 0, 0) 0 each (no new id: no capability needed), setfsuid(0) 0 (the old
    fs uid)."""
    _answers(adv, P_CLAIM_NOOP_IDS, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_NOOP_IDS, NR_SETRESUID, 0)
    _answers(adv, P_CLAIM_NOOP_IDS, NR_SETREUID, 0)
    _answers(adv, P_CLAIM_NOOP_IDS, NR_SETRESGID, 0)
    _answers(adv, P_CLAIM_NOOP_IDS, NR_SETFSUID, 0)


def claim_gid_back(adv: Adversary) -> None:
    """Step 29 as Linux answers: a root setgid(65534), then setgid(0), 0 each: no gid
    change touches the capability sets (cap_task_fix_setuid() is for uids alone)."""
    _answers(adv, P_CLAIM_GID_BACK, NR_SETGID, 0)


def claim_vfork_userns(adv: Adversary) -> None:
    """Step 30 as Linux answers: a vfork child's unshare(CLONE_NEWUSER) 0: the child is
    its own thread group's only thread (thread_group_empty()), CLONE_VM is not asked
    (native probe: `vfork child: unshare(CLONE_NEWUSER) = 0`)."""
    _answers(adv, P_CLAIM_VFORK_USERNS, NR_UNSHARE, 0)


def claim_euid_off_capset(adv: Adversary) -> None:
    """Step 31 as Linux answers: setresuid(-1, 65534, -1) 0 (the effective set empties,
    the permitted set stays: ruid 0), capset() of the effective set the permitted one 0
    (cap_capset(): effective within permitted), setgid(65534) 0 (CAP_SETGID effective
    again)."""
    _answers(adv, P_CLAIM_EUID_OFF_CAPSET, NR_SETRESUID, 0)
    _answers(adv, P_CLAIM_EUID_OFF_CAPSET, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_EUID_OFF_CAPSET, NR_SETGID, 0)


def claim_no_fixup(adv: Adversary) -> None:
    """Step 34 as Linux answers: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP) 0,
    setuid(65534) 0, setgid(65534) 0 (cap_task_fix_setuid(): `if
    (!issecure(SECURE_NO_SETUID_FIXUP)) cap_emulate_setxuid(new, old);`: the sets stay,
    CAP_SETGID effective)."""
    prctl_by_option(adv, P_CLAIM_NO_FIXUP, {PR_SET_SECUREBITS: 0})
    _answers(adv, P_CLAIM_NO_FIXUP, NR_SETUID, 0)
    _answers(adv, P_CLAIM_NO_FIXUP, NR_SETGID, 0)


def claim_exec_refill(adv: Adversary) -> None:
    """Step 35 as Linux answers: E, then the exec'd image's setgid(65534) 0 (root's exec:
    handle_privileged_root() gives the effective set the permitted one, bset-wide)."""
    _answers(adv, P_CLAIM_EXEC_REFILL, NR_CAPSET, 0)
    _answers(adv, P_CLAIM_EXEC_REFILL, NR_SETGID, 0)


def claim_capget_other(adv: Adversary) -> None:
    """Step 36 as Linux answers: a second thread made, then the first thread's E and its
    capget() of a header naming the second thread storing root's full sets (cap_capget()
    reads the target's own cred, made before the E)."""
    _second_capget(adv, P_CLAIM_CAPGET_OTHER)
