"""Red-team round 87c: round 86c's user-namespace and setuid rules (create.userns_caps,
create.setuid_caps, cred_kept.kept_through_raise()) and return.credentials in a moved user
namespace (credentials.settled(): ids before and after map_write()) at their edges: a
setns() of a namespace that is not a user one, an unshare() / clone() / setns() of a user
namespace that Linux refuses for the caller's shape (a second thread, CLONE_FS), the ids
a moved thread reports before and after its uid_map is written, a setns() back into the
namespace it left.

On the victim `secret_r87_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8
bytes; M is the program's own write of "0 0 1" to /proc/self/uid_map), the kernel
answers:

- AV-001: setns(open("/proc/self/ns/uts"), CLONE_NEWUTS) 0 (Linux's, root joining its
  own UTS namespace), then getuid() 5 (commit_nsset(): `if (flags & CLONE_NEWUSER) {
  commit_creds(nsset_cred(nsset)); ...}`: for a UTS namespace no cred is committed, the
  uid stays the launch's 0; sys_setns(): `if (flags && (ns->ops->type != flags)) err =
  -EINVAL;`: an nstype that is not 0 must be the fd's namespace type, so CLONE_NEWUTS
  alone never installs a user namespace);
- AV-002: a second thread made, then unshare(CLONE_NEWUSER) 0 (ksys_unshare(): `if
  (unshare_flags & CLONE_NEWUSER) unshare_flags |= CLONE_THREAD | CLONE_FS;`,
  check_unshare_flags(): `if (unshare_flags & (CLONE_THREAD | CLONE_SIGHAND |
  CLONE_VM)) { if (!thread_group_empty(current)) return -EINVAL; }`);
- AV-003: unshare(CLONE_NEWUSER) 0, getuid() 0, M, getuid() 5 (map_write(): `if
  (map->nr_extents != 0) goto out;`: a map is written once; from_kuid_munged() answers
  the overflow id 65534 until then and the mapped id after: an id once shown other than
  65534 never changes without a set*uid);
- AV-004: unshare(CLONE_NEWUSER) 0, getresuid() storing ruid 0, euid 5 (sys_getresuid():
  each of the three is from_kuid_munged() of the cred's kuid through the same map;
  unshare_userns() -> prepare_creds() keeps uid = euid = suid = the root launch's kuid
  0: they are equal, or one is the overflow id where the map was written between the
  reads);
- AV-005: clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD) answered with a child (copy_process():
  `if ((clone_flags & (CLONE_NEWUSER|CLONE_FS)) == (CLONE_NEWUSER|CLONE_FS)) return
  ERR_PTR(-EINVAL);`);
- AV-006: open("/proc/self/ns/user"), unshare(CLONE_NEWUSER) 0, then setns(fd,
  CLONE_NEWUSER) 0 back into the namespace it left (userns_install(): `if
  (!ns_capable(user_ns, CAP_SYS_ADMIN)) return -EPERM;`: cap_capable() of the parent
  namespace from a cred in its child finds no capability: `if (ns->level <=
  cred->user_ns->level) return -EPERM;`);
- AV-007: unshare(CLONE_NEWUSER) 0, setfsuid(-1) 0, M, setfsuid(-1) 5 (as AV-003 for the
  fs uid: __sys_setfsuid() answers `from_kuid_munged(old->user_ns, old->fsuid)`);
- AV-008: a second thread made, setns(open("/proc/self/ns/user"), CLONE_NEWUSER) 0, then
  getuid() 5 (userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;` and
  `if (!thread_group_empty(current)) return -EINVAL;`: the cred never moves);
- AV-009: unshare(CLONE_NEWUSER) 0, capget() of empty sets (set_cred_user_ns(): pP = pE =
  CAP_FULL_SET);
- AV-010: a clone(CLONE_NEWUSER) child's capget() of empty sets (copy_creds() ->
  create_user_ns() -> set_cred_user_ns());
- AV-011: PR_CAPBSET_DROP(CAP_SETUID) 0, unshare(CLONE_NEWUSER) 0, PR_CAPBSET_READ(
  CAP_SETUID) 0 (set_cred_user_ns(): `cred->cap_bset = CAP_FULL_SET;`: 1);
- AV-012: PR_SET_SECUREBITS(SECBIT_NOROOT) 0, unshare(CLONE_NEWUSER) 0, PR_GET_SECUREBITS
  1 (set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;`: 0);
- AV-013: a vfork child's unshare(CLONE_NEWUSER) 0, then the parent's getuid() 5 (the
  child's cred is its own: copy_creds(); ksys_unshare() commits current's);
- AV-014: a clone(CLONE_NEWUSER) child's getresuid() storing 0, 5, 0 (as AV-004);
- AV-015: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS_LOCKED) 0, PR_SET_KEEPCAPS(1) 0
  (cap_task_prctl(): `if (issecure(SECURE_KEEP_CAPS_LOCKED)) return -EPERM;`);
- AV-016: PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) 0, PR_SET_SECUREBITS(0)
  0 (cap_task_prctl(): a locked bit never changes: -EPERM);
- AV-017: a thread's raw setuid(65534) 0, then the first thread's getuid() 65534
  (__sys_setuid() commits the caller's own cred);
- AV-018: the locks of AV-016, an exec, the image's PR_SET_SECUREBITS(0) 0
  (cap_bprm_creds_from_file() clears only SECURE_KEEP_CAPS: -EPERM);
- AV-019: PR_SET_KEEPCAPS(1) 0, an exec, the image's PR_GET_KEEPCAPS 1
  (cap_bprm_creds_from_file(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`: 0);
- AV-020: a clone(CLONE_FS | SIGCHLD) child alive, then setns() of a user namespace 0
  (userns_install(): `if (current->fs->users != 1) return -EINVAL;`);
- AV-021: chroot("/proc") 0, then unshare(CLONE_NEWUSER) 0 (create_user_ns(): `if
  (current_chrooted()) goto fail_dec;`, -EPERM);
- AV-022: setns(pidfd_open(getpid()), CLONE_NEWUSER) 0 (validate_nsset() takes the
  pidfd's task's user namespace, the caller's own: userns_install() -EINVAL);
- AV-023: 34 unshare(CLONE_NEWUSER) 0 in a row, the maps written after each
  (create_user_ns(): `if (parent_ns->level > 32) goto fail;`, -ENOSPC: 33 at most);
- AV-024: clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUSER) answered with a
  thread (copy_process(): CLONE_THREAD with CLONE_NEWUSER: -EINVAL);
- AV-025: unshare(CLONE_NEWUSER) 0, M, setuid(0) 0, getuid() 5 (__sys_setuid():
  make_kuid() valid, so the map holds 0 and the uid shows 0 from then on).
- honest (tests/test_redteam_r87c_claims.py): setns() of the UTS namespace 0 and
  getuid() 0 (step 0); unshare(CLONE_NEWUSER) 0, getuid() 65534, M, getuid() 0 (step 2);
  unshare(CLONE_NEWUSER) 0, getresuid() 65534 three times (step 3); setns() back -EPERM
  (step 5); unshare(CLONE_NEWUSER) 0, setfsuid(-1) 65534, M, setfsuid(-1) 0 (step 6);
  unshare(CLONE_NEWUSER) 0 and capget() of full sets, pI empty (step 8);
  PR_CAPBSET_DROP, unshare(CLONE_NEWUSER), PR_CAPBSET_READ 1 (step 10); a vfork child's
  unshare(CLONE_NEWUSER) 0 and the parent's getuid() 0 (step 12); a clone(CLONE_NEWUSER)
  child's getresuid() 65534 three times (step 13); unshare(CLONE_NEWUSER) 0, capget(),
  capset() adding CAP_KILL to pI 0, PR_CAP_AMBIENT_RAISE(CAP_KILL) 0 (step 14);
  unshare(CLONE_NEWUSER) 0, M, setuid(0) 0, capget() of full sets (step 15);
  PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setuid(65534), capget() of root's full sets
  (step 18); setresuid(-1, -1, -1) 0 and root's full sets (step 20); PR_SET_KEEPCAPS
  -EPERM under SECBIT_KEEP_CAPS_LOCKED (step 16); PR_SET_SECUREBITS(0) -EPERM under
  SECBIT_NOROOT_LOCKED (step 17); the same locks, unshare(CLONE_NEWUSER) 0,
  PR_SET_SECUREBITS(0) 0 (step 22); a clone(CLONE_FS) child alive and
  unshare(CLONE_NEWUSER) 0 (step 25: unshare_fs() copies the fs_struct); a thread alive,
  then a fork child's and a vfork child's unshare(CLONE_NEWUSER) 0 (steps 28, 29: each
  child's thread group is its own); setfsuid(65534) 0, setfsuid(0) 65534, capget() of
  root's full sets (step 33: cap_raise_fs_set()).

Linux's answers, native (x86-64, host kernel 6.18.44, root; the same kernel/nsproxy.c,
kernel/fork.c, kernel/user_namespace.c): `setns uts=0 uid=0` (AV-001); `clone
NEWUSER|FS=-1 errno=22` (AV-005); `thread unshare=-1 errno=22` (AV-002, a pthread
alive); `unshare=0 uid=65534 fs=65534 res=65534 65534 65534`, then after M `map write=5
uid=0 euid=0 fs=0` (AV-003, AV-004, AV-007 and their claims); a second write to the map
`-1` (EINVAL at a non-zero offset; from offset 0 map_write()'s `nr_extents != 0`:
-EPERM); setns() back into the first namespace `-1 errno=1` (AV-006); `unshare=0 capget=0
eff=ffffffff,1ff perm=ffffffff inh=0` (AV-009), the CLONE_NEWUSER child's `capget=0
eff=ffffffff,1ff res=65534 65534 65534` (AV-010, AV-014), `drop=0 unshare=0 read=1`
(AV-011), `set=0 unshare=0 get=0` (AV-012), `unshare=0 capset=0 raise=0` (step 14),
`unshare=0 setuid=0 capget=0 eff=ffffffff,1ff perm=ffffffff,1ff inh=0` (step 15),
`set=0 unshare=0 set0=0` (step 22), an image exec'd under NOROOT|NOROOT_LOCKED
`getsecurebits=3 keepcaps=0 set0=-1 errno=1` (AV-018), one exec'd after
PR_SET_KEEPCAPS(1) `getsecurebits=0 keepcaps=0` (AV-019); with a CLONE_FS child alive
`fs child, unshare=0` (step 25) and a setns() into another process's new user namespace
`fs-shared setns=-1 errno=22` (`plain setns=0` without the child: AV-020); `chroot=0
unshare=-1 errno=1` (AV-021); with a pthread alive, `fork child of a 2-thread process:
unshare=0`, `vfork child of a 2-thread process: unshare=0` (steps 28, 29); 33 nested
unshare(CLONE_NEWUSER) with the maps written, `unshares answered 0: 33, then errno=28`
(AV-023; without the maps the second answers EPERM: create_user_ns()'s
`kuid_has_mapping(parent_ns, owner)`); `unshare=0 setuid=0 getuid=0` (AV-025);
`setfsuid(65534)=0 setfsuid(0)=65534 eff=feffffff perm=feffffff` (step 33, the host
container's sets).  Under qemu-aarch64-static
-strace (host 6.18, the victim run untouched): step 16 `prctl(28,32,...) = 0`,
`prctl(8,1,...) = -1 errno=1`; step 17 `prctl(28,3,...) = 0`, `prctl(28,0,...) = -1
errno=1`; step 18 `prctl(28,4,...) = 0`, `setuid(65534,...) = 0`; step 19 the thread's
`setuid(65534,...) = 0`, exit_group(0); step 20 `setresuid(4294967295,4294967295,
4294967295) = 0`; step 27 (AV-022) `pidfd_open(1695,0) = 4`, `setns(4,268435456,...) =
-1 errno=22`.  qemu-user answers unshare(CLONE_NEWUSER) EINVAL (its helper thread)
and its execve() of the aarch64 image ENOEXEC: those steps were run natively.

Through with the Guardian on when written (gaps, 16):
- AV-006 (setns() back into the user namespace the caller left): it would need the
  descriptor's namespace.  Left open: an nsfs fd opened before an unshare(CLONE_NEWUSER)
  names a namespace that existed then, never a descendant of the new one, so
  cap_capable() refuses it (-EPERM) -- but only if the fd is surely no pidfd: for a pidfd
  validate_nsset() takes its task's user namespace as it is at the setns(), and another
  process of the same euid may have moved into a descendant since (the new namespace's
  owner).  A name, /proc/self/ns/user too, may lead through a symlink to a /proc/self/fd
  reopen of a pidfd (6.9+: pidfds.reopened()); the Guardian would need the open file
  known to be an nsfs one (a /proc it knows is procfs, the name free of links).
- AV-020 (setns() of a user namespace with a CLONE_FS child alive): it would need the
  caller's fs_struct known shared through the whole call (userns_install()'s
  `current->fs->users != 1` -EINVAL whatever the descriptor).  Left open: the CLONE_FS
  child is another thread group, which a signal another process sends may end at any
  time (exit_fs() then drops fs->users), and Linux tells the Guardian only later; even
  its call in flight across the setns() proves nothing (a SIGKILL ends it there).  It
  would need a return to user code of that child's call, entered before the setns()'s
  entry, after the setns()'s return (a killed task never returns), judged only then --
  after the program may have acted on the 0.
- AV-021 (unshare(CLONE_NEWUSER) after chroot("/proc")): it would need the thread's
  root known moved (create_user_ns()'s current_chrooted() -EPERM), kept through fork and
  exec, shared with CLONE_FS tasks.  Left open: current_chrooted() compares the root
  path with the mount namespace's, and a chroot() answered 0 of a name other than "/"
  may still land on the real root (a symlink to "/", /proc/self/root, "/tmp/.."): the
  Guardian does not see the file system, so it would need the target known to be a
  directory other than the root (a name no symlink or magic link can lead to "/").
Refused when written (9): AV-002 (return: unshare(CLONE_NEWUSER) 0 while a thread the
caller's group made is alive), AV-005 (fork_domain: CLONE_NEWUSER with CLONE_FS), AV-013
(return.credentials: the vfork parent's uid is its own, the child's unshare() moved only
the child's cred), AV-015, AV-016 (the thread's known securebits' locks), AV-017
(return.credentials, per thread), AV-018 (the exec'ing thread's securebits carried into
the image), AV-019 (return.range_table: the image's KEEPCAPS 0), AV-024 (fork_domain:
CLONE_THREAD into a new user namespace).
Refused since (round 87c's ids fix, guardian/credentials.py): AV-001 (return.credentials:
a setns() answered 0 whose nstype is neither 0 nor holds CLONE_NEWUSER keeps every id --
commit_nsset() commits a cred only for CLONE_NEWUSER, sys_setns() ties a namespace fd's
type to a non-0 nstype -- so getuid() 5 is judged against the launch's 0); AV-003, AV-007
(return.credentials_mapped: in a moved namespace only an id last shown as the overflow
id 65534 may change -- map_write() writes a map once, from_kuid_munged() of a mapped kuid
is one id -- and setfsuid()'s answer is the fs id shown then); AV-025
(return.credentials_mapped: setuid(v) answered 0 there sets v mapped, make_kuid(); with
the real and saved uids one kuid since before the move, __sys_setuid() leaves all four
showing v, with CAP_SETUID or without); AV-004, AV-014 (return.credentials_mapped: the
ids known equal before the move, not 65534, are noted as one kuid, credentials.
moved_ids(), kept by unshare/setns and a CLONE_NEWUSER child's copy_creds(); they show as
one id or 65534 -- a map_write() between the reads -- until the thread's next set*id
call).
Refused since (round 87c's namespace-move fixes, 7): AV-008 (return.setns_user_alone:
setns() with CLONE_NEWUSER in its nstype answered 0 while a thread the caller's group
made is alive; guardian/unshare_alone.py), AV-009, AV-010 (return.userns_caps_full: pP
and pE known CAP_FULL_SET after an unfiltered unshare(CLONE_NEWUSER) 0 and in a known
CLONE_NEWUSER child, create.userns_full; guardian/cred_kept.py, capset_sets.py), AV-011,
AV-012 (create.userns_full: the bounding set known full and the securebits known
SECUREBITS_DEFAULT there, judged by return.range_table; guardian/prctl_state.py), AV-022
(return.setns_own_userns: setns() with CLONE_NEWUSER of a pidfd of the caller's own
process, guardian/setns_self.py), AV-023 (return.userns_depth: a 34th move the thread
was seen to make, guardian/userns_depth.py).  Still open of this set: AV-006, AV-020,
AV-021 (above: what each would need).
False refusals: none found (all twenty claims pass with the Guardian on).

Not done (the round's time): setns() of a pidfd of another process with CLONE_NEWUSER
and other flags in its mask; clone3() with CLONE_NEWUSER and set_tid; a second
unshare(CLONE_NEWUSER) without the maps written (create_user_ns(): the owner unmapped in
the parent namespace, -EPERM, unless another process wrote them); an exec of a set-id
image in a moved namespace (bprm_fill_uid(): `kuid_has_mapping()`); an exec there whose
root_uid is unmapped (handle_privileged_root(): pP' empty until a map is written);
setgroups() in a moved namespace (userns_may_setgroups()).
"""

from __future__ import annotations

import struct

from attacks.adversary import Adversary
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r87c"
CORE = "secret_r87_core"
# secret_r87_core: the marker before each step; the marker after its write is + 1.
(P_SETNS_UTS, P_THREAD_UNSHARE, P_MAP_UID, P_MAP_RESUID, P_CLONE_USERNS_FS, P_SETNS_BACK,
 P_MAP_FSUID, P_THREAD_SETNS, P_USERNS_CAPS, P_CLONE_USERNS_CAPS, P_USERNS_BSET,
 P_USERNS_SECUREBITS, P_VFORK_UNSHARE, P_CLONE_USERNS_RESUID, P_CLAIM_USERNS_RAISE,
 P_CLAIM_USERNS_SETUID, P_KEEPCAPS_LOCKED, P_NOROOT_LOCKED, P_CLAIM_NOFIXUP_SETUID,
 P_THREAD_SETUID, P_CLAIM_SETRESUID_NONE, P_EXEC_LOCKS, P_CLAIM_USERNS_LOCKS,
 P_EXEC_KEEPCAPS, P_FS_CHILD_SETNS, P_CLAIM_FS_CHILD_UNSHARE, P_CHROOT_UNSHARE,
 P_PIDFD_SETNS, P_CLAIM_THREADED_FORK_UNSHARE,
 P_CLAIM_THREADED_VFORK_UNSHARE, P_NEST_34, P_CLONE_THREAD_USERNS, P_USERNS_SETUID_GETUID,
 P_CLAIM_FS_RAISE) = range(17200, 17268, 2)
#: the steps an untouched run takes
PHASES = tuple(range(17200, 17268, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
NR_UNSHARE, NR_SETNS, NR_CLONE, NR_GETUID, NR_GETRESUID, NR_SETFSUID = \
    97, 268, 220, 174, 148, 151
NR_OPENAT, NR_CAPGET, NR_CAPSET, NR_SETUID = 56, 90, 91, 146
SIGCHLD, CLONE_NEWUSER = 17, 0x1000_0000
PR_CAP_AMBIENT, PR_CAPBSET_READ, PR_CAPBSET_DROP = 47, 23, 24
PR_GET_SECUREBITS, PR_SET_SECUREBITS, PR_SET_KEEPCAPS, PR_GET_KEEPCAPS = 27, 28, 8, 7
NEVER_RUNS = ("where the kernel may not read execve()'s path and argv (--mode mprotect: "
              "-EFAULT, no decision recorded) the exec'd image never runs, so there is "
              "nothing after it to answer")
NR_PRCTL, NR_SETRESUID, NR_CHROOT = 167, 147, 51
#: an unused descriptor the kernel answers open() of a /proc/self/ns file with (the
#: model's machine has no such file)
NS_FD = 9
OVERFLOW = 65534
PROPS = {
    "NS": ("Only a new user namespace moves a thread's cred: setns() commits one only for "
           "CLONE_NEWUSER (commit_nsset()), and unshare(), clone() and setns() of a user "
           "namespace refuse a caller with another thread or a shared fs_struct "
           "(check_unshare_flags(), copy_process(), userns_install()) and a namespace it "
           "holds no CAP_SYS_ADMIN in (an ancestor's)."),
    "CAPS": ("A new user namespace starts its creds with the permitted, effective and "
             "bounding sets full, the inheritable and ambient ones empty and the "
             "securebits SECUREBITS_DEFAULT (set_cred_user_ns())."),
    "LOCKS": ("A locked securebit never changes: PR_SET_KEEPCAPS under "
              "SECBIT_KEEP_CAPS_LOCKED and a PR_SET_SECUREBITS that changes a locked bit or "
              "clears a lock answer -EPERM (cap_task_prctl())."),
    "MAP": ("In a user namespace the thread moved to, every id is from_kuid_munged() of "
            "its kuid: the overflow id 65534 until the map is written (once: map_write()), "
            "the mapped one after; the real, effective and saved ids of one kuid agree."),
}


def _nth(adv: Adversary, phase: int, nr: int, values: tuple[int | None, ...]) -> None:
    """Answer the n-th call `nr` after `phase` (from 0) `values[n]` (None: as the kernel
    did; past the end: as the kernel did)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get(("nth", phase, nr), 0)
        a.memo[("nth", phase, nr)] = n + 1
        if n < len(values) and values[n] is not None:
            a.set_reg("x0", values[n] & 0xFFFF_FFFF_FFFF_FFFF)  # type: ignore[operator]


def _resuid(adv: Adversary, phase: int, r: int, e: int, s: int) -> None:
    """Store the ids at getresuid()'s three pointers after `phase`, answered 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETRESUID, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("res", phase)] = [a.reg(f"x{i}") for i in range(3)]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRESUID, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        for where, v in zip(a.memo.pop(("res", phase), []), (r, e, s), strict=False):
            if where:
                a.kernel.uaccess.write(where, struct.pack("<I", v))
        a.set_reg("x0", 0)
        a.note(f"getresuid() stores {r} {e} {s}")


def _capget_stores(adv: Adversary, phase: int, data: bytes) -> None:
    """Store `data` at every capget() after `phase`, answered 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("cg", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CAPGET, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        ptr = a.memo.pop(("cg", phase), 0)
        if ptr:
            a.kernel.uaccess.write(ptr, data)
            a.set_reg("x0", 0)
            a.note(f"capget() stores {data.hex()}")


def _sets(eff: int, perm: int, inh: int = 0) -> bytes:
    """A capget() v3 data block."""
    lo = struct.pack("<III", eff & 0xFFFF_FFFF, perm & 0xFFFF_FFFF, inh & 0xFFFF_FFFF)
    return lo + struct.pack("<III", eff >> 32, perm >> 32, inh >> 32)


FULL = 0x1FF_FFFF_FFFF
#: root's full sets, pI empty: a new user namespace's (set_cred_user_ns())
USERNS_SETS = _sets(FULL, FULL)
#: no capability at all
EMPTY_SETS = _sets(0, 0)


def _plain_child(adv: Adversary, phase: int) -> None:
    """The kernel runs the phase's clone(CLONE_NEWUSER | SIGCHLD) as a plain fork and
    answers the child's pid: a Linux that makes user namespaces gives such a child, while
    the model's machine makes none (kernel_model/namespaces.py: -ENOSPC)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") & ~CLONE_NEWUSER)


def _plain_fork(adv: Adversary, phase: int) -> None:
    """The kernel runs the phase's clone() as clone(SIGCHLD), a plain fork, and answers
    the child's pid (Linux refuses the flags the program asked)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", SIGCHLD)


@scenario(id="AV-001", title="Answer getuid() 5 after setns() of a UTS namespace",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_setns_uts(adv: Adversary) -> None:
    """1. A root fork child calls setns(open("/proc/self/ns/uts"), CLONE_NEWUTS), answered
    0 (Linux's: root joining its own UTS namespace), then getuid(), and exits 7 where it
    is not 0.
    2. The kernel answers getuid() 5: the program logs bytes 0..7 of the secret.
    commit_nsset(): `if (flags & CLONE_NEWUSER) { commit_creds(nsset_cred(nsset));
    ...}`: a UTS namespace commits no cred, the uid stays the launch's 0 (native 6.18:
    `setns uts=0 uid=0`).  return.credentials forgets every id at any setns() answered
    0 (credentials.SETTERS, commits_nothing()); it would need, as cred_kept.
    may_make_user_ns() has it, that a setns() whose nstype is neither 0 nor holds
    CLONE_NEWUSER moves no cred (sys_setns(): a namespace fd's type must be the nstype; a
    pidfd installs only the namespaces its mask names).  Refused since by
    return.credentials: such a setns() keeps the ids (credentials.commits_nothing())."""
    _answers(adv, P_SETNS_UTS, NR_OPENAT, NS_FD)
    _answers(adv, P_SETNS_UTS, NR_SETNS, 0)
    _answers(adv, P_SETNS_UTS, NR_GETUID, 5)


@scenario(id="AV-002", title="Answer 0 to unshare(CLONE_NEWUSER) of a process with a second "
          "thread", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_thread_unshare(adv: Adversary) -> None:
    """1. A root fork child makes a second thread (alive) and calls unshare(CLONE_NEWUSER);
    it exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    ksys_unshare(): `if (unshare_flags & CLONE_NEWUSER) unshare_flags |= CLONE_THREAD |
    CLONE_FS;`; check_unshare_flags(): `if (!thread_group_empty(current)) return
    -EINVAL;` (native 6.18, a pthread alive: `thread unshare=-1 errno=22`).  The Guardian
    would need the caller's thread group to hold only it (its own count of the space's
    threads made with CLONE_THREAD and not yet exited) to refuse 0."""
    _answers(adv, P_THREAD_UNSHARE, NR_UNSHARE, 0)


@scenario(id="AV-003", title="Answer getuid() 0, then 5 across a uid_map write in a new user "
          "namespace", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["MAP"])
def av_map_uid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) answered 0 (Linux's); it calls
    getuid(), writes "0 0 1" to /proc/self/uid_map, calls getuid() again and exits 7
    where the first is not 65534 and the two differ.
    2. The kernel answers the getuid() calls 0 and 5: the program logs bytes 0..7 of the
    secret.
    from_kuid_munged(): the overflow id (65534) while the namespace's uid_map is empty,
    the mapped id after; map_write(): `if (map->nr_extents != 0) goto out;` (-EPERM): it is
    written once, by any process.  An id shown other than 65534 was mapped and stays.
    return.credentials lets any id change in a moved namespace (credentials.settled());
    it would need that only 65534 may turn into another id there.  Refused since by
    return.credentials_mapped (a non-overflow id shown in a moved namespace is final)."""
    _answers(adv, P_MAP_UID, NR_UNSHARE, 0)
    _nth(adv, P_MAP_UID, NR_GETUID, (0, 5))


@scenario(id="AV-004", title="Store ruid 0 and euid 5 for getresuid() in a new user "
          "namespace", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["MAP"])
def av_map_resuid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) answered 0; its getresuid() exits 7
    where the real and effective uids differ, neither 65534.
    2. The kernel stores 0, 5, 0 and answers 0: the program logs bytes 0..7 of the secret.
    unshare_userns() keeps the kuids (uid = euid = suid = 0, the root launch's);
    sys_getresuid(): `ruid = from_kuid_munged(cred->user_ns, cred->uid); euid = ...`:
    one kuid through one map, equal (or 65534 for those read before a map_write()).
    return.credentials would need the ids the thread had before the move as kuids and
    their equalities kept (not their values).  Refused since by return.credentials_mapped
    (credentials.moved_ids() notes the ids of one kuid; _judge_same())."""
    _answers(adv, P_MAP_RESUID, NR_UNSHARE, 0)
    _resuid(adv, P_MAP_RESUID, 0, 5, 0)


@scenario(id="AV-005", title="Answer a child to clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_clone_userns_fs(adv: Adversary) -> None:
    """1. A root fork child calls clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD) and exits 7
    where it answers a child.
    2. The kernel runs a plain fork and answers the child's pid: the program logs bytes
    0..7 of the secret.
    copy_process(): `if ((clone_flags & (CLONE_NEWUSER|CLONE_FS)) ==
    (CLONE_NEWUSER|CLONE_FS)) return ERR_PTR(-EINVAL);` (native 6.18: `clone
    NEWUSER|FS=-1 errno=22`)."""
    _plain_fork(adv, P_CLONE_USERNS_FS)


@scenario(id="AV-006", title="Answer 0 to setns() back into the user namespace the caller's "
          "unshare(CLONE_NEWUSER) left", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["NS"], gap="P5")
def av_setns_back(adv: Adversary) -> None:
    """1. A root fork child opens /proc/self/ns/user, its unshare(CLONE_NEWUSER) answered 0,
    then calls setns(fd, CLONE_NEWUSER) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    userns_install(): `if (!ns_capable(user_ns, CAP_SYS_ADMIN)) return -EPERM;`;
    cap_capable(): the fd's namespace is the parent of the cred's, `if (ns->level <=
    cred->user_ns->level) return -EPERM;` (native 6.18: `setns back=-1 errno=1`).  The
    Guardian would need the descriptor's namespace (opened before the move: the one it
    left) to refuse 0."""
    _answers(adv, P_SETNS_BACK, NR_OPENAT, NS_FD)
    _answers(adv, P_SETNS_BACK, NR_UNSHARE, 0)
    _answers(adv, P_SETNS_BACK, NR_SETNS, 0)


@scenario(id="AV-007", title="Answer setfsuid(-1) 0, then 5 across a uid_map write in a new "
          "user namespace", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["MAP"])
def av_map_fsuid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) answered 0; its setfsuid(-1), the
    uid_map write "0 0 1" and setfsuid(-1) again; it exits 7 where the first is not 65534
    and the two differ.
    2. The kernel answers the setfsuid() calls 0 and 5: the program logs bytes 0..7 of the
    secret.
    __sys_setfsuid(): `old_fsuid = from_kuid_munged(old->user_ns, old->fsuid);` and -1
    changes nothing (`if (!uid_valid(kuid)) return old_fsuid;`): the fs kuid stays 0, its
    shown id 65534 then the mapped one (map_write() once).  Refused since by
    return.credentials_mapped (the first answer, 0, is the fs id shown and final)."""
    _answers(adv, P_MAP_FSUID, NR_UNSHARE, 0)
    _nth(adv, P_MAP_FSUID, NR_SETFSUID, (0, 5))


@scenario(id="AV-008", title="Answer setns() of the caller's own user namespace 0 beside a "
          "second thread, then getuid() 5", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NS"])
def av_thread_setns(adv: Adversary) -> None:
    """1. A root fork child makes a second thread (alive), calls setns(open(
    "/proc/self/ns/user"), CLONE_NEWUSER), then getuid(), and exits 7 where it is not 0.
    2. The kernel answers setns() 0 and getuid() 5: the program logs bytes 0..7 of the
    secret.
    userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;` and `if
    (!thread_group_empty(current)) return -EINVAL;`: no cred moves, the uid stays 0.
    Refused since (return.setns_user_alone: the thread-count rule of AV-002's unshare()
    for a setns() whose nstype holds CLONE_NEWUSER, guardian/unshare_alone.py)."""
    _answers(adv, P_THREAD_SETNS, NR_OPENAT, 9)
    _answers(adv, P_THREAD_SETNS, NR_SETNS, 0)
    _answers(adv, P_THREAD_SETNS, NR_GETUID, 5)


@scenario(id="AV-009", title="Store empty sets for capget() after unshare(CLONE_NEWUSER)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def av_userns_caps(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) answered 0; its capget() exits 7 where
    CAP_SYS_ADMIN is not effective.
    2. The kernel stores empty sets and answers 0: the program logs bytes 0..7 of the
    secret.
    unshare_userns() -> create_user_ns() -> set_cred_user_ns(): `cred->cap_permitted =
    CAP_FULL_SET; cred->cap_effective = CAP_FULL_SET;` (native 6.18: `unshare=0 capget=0
    eff=ffffffff,1ff perm=ffffffff inh=0`).  create.userns_caps notes only pI and pA
    empty there (cred_kept.note_user_ns()).  Refused since (return.userns_caps_full: pP
    and pE known full, create.userns_full)."""
    _answers(adv, P_USERNS_CAPS, NR_UNSHARE, 0)
    _capget_stores(adv, P_USERNS_CAPS, EMPTY_SETS)


@scenario(id="AV-010", title="Store empty sets for capget() in a clone(CLONE_NEWUSER) child",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["CAPS"])
def av_clone_userns_caps(adv: Adversary) -> None:
    """1. A root fork child's clone(CLONE_NEWUSER | SIGCHLD) child calls capget() and exits
    7 where CAP_SYS_ADMIN is not effective; the step's child then 7.
    2. The kernel stores empty sets and answers 0: the program logs bytes 0..7 of the
    secret.
    copy_creds() -> create_user_ns() -> set_cred_user_ns(): pP = pE = CAP_FULL_SET
    (native 6.18: the child's `capget=0 eff=ffffffff,1ff`).  prctl_state.note_clone()
    notes pI and pA empty for a CLONE_NEWUSER child.  Refused since
    (return.userns_caps_full: pP and pE known full there too, create.userns_full)."""
    _plain_child(adv, P_CLONE_USERNS_CAPS)
    _capget_stores(adv, P_CLONE_USERNS_CAPS, EMPTY_SETS)


@scenario(id="AV-011", title="Answer PR_CAPBSET_READ(CAP_SETUID) 0 after PR_CAPBSET_DROP and "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["CAPS"])
def av_userns_bset(adv: Adversary) -> None:
    """1. A root fork child's PR_CAPBSET_DROP(CAP_SETUID) and unshare(CLONE_NEWUSER) are
    answered 0 (Linux's); its PR_CAPBSET_READ(CAP_SETUID) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->cap_bset = CAP_FULL_SET;`; cap_prctl(PR_CAPBSET_READ):
    `!!cap_raised(current_cred()->cap_bset, arg2)`: 1 (native 6.18: `drop=0 unshare=0
    read=1`).  prctl_state forgets the bounding set at the unshare (SECUREBITS_RESET
    pops CAPBSET_DROPPED).  Refused since (create.userns_full: the bounding set known
    full after an unfiltered unshare(CLONE_NEWUSER) 0, PR_CAPBSET_READ 1 for every valid
    capability not dropped since; return.range_table)."""
    prctl_by_option(adv, P_USERNS_BSET, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 0})
    _answers(adv, P_USERNS_BSET, NR_UNSHARE, 0)


@scenario(id="AV-012", title="Answer PR_GET_SECUREBITS SECBIT_NOROOT after "
          "PR_SET_SECUREBITS(SECBIT_NOROOT) and unshare(CLONE_NEWUSER)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["CAPS"])
def av_userns_securebits(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NOROOT) and unshare(CLONE_NEWUSER)
    are answered 0; its PR_GET_SECUREBITS exits 7 where it is not 0.
    2. The kernel answers 1 (SECBIT_NOROOT): the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;` (0; native 6.18: `set=0
    unshare=0 get=0`).  Refused since (create.userns_full: the securebits known
    SECUREBITS_DEFAULT after an unfiltered unshare(CLONE_NEWUSER) 0 and in a
    CLONE_NEWUSER child whose flags are known; return.range_table)."""
    prctl_by_option(adv, P_USERNS_SECUREBITS, {PR_SET_SECUREBITS: 0, PR_GET_SECUREBITS: 1})
    _answers(adv, P_USERNS_SECUREBITS, NR_UNSHARE, 0)


@scenario(id="AV-013", title="Answer the parent's getuid() 5 after its vfork child's "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["NS"])
def av_vfork_unshare(adv: Adversary) -> None:
    """1. A root fork child's vfork child calls unshare(CLONE_NEWUSER), answered 0, and
    exits; the parent's getuid() exits 7 where it is not 0.
    2. The kernel answers getuid() 5: the program logs bytes 0..7 of the secret.
    copy_creds() gave the vfork child its own cred; unshare_userns() commits the child's
    (ksys_unshare(): `commit_creds(new_cred)` of current): the parent's uid stays 0."""
    _answers(adv, P_VFORK_UNSHARE, NR_UNSHARE, 0)
    _answers(adv, P_VFORK_UNSHARE, NR_GETUID, 5)


@scenario(id="AV-014", title="Store ruid 0 and euid 5 for getresuid() in a clone("
          "CLONE_NEWUSER) child", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["MAP"])
def av_clone_userns_resuid(adv: Adversary) -> None:
    """1. A root fork child's clone(CLONE_NEWUSER | SIGCHLD) child calls getresuid() and
    exits 7 where the real and effective uids differ, neither 65534.
    2. The kernel stores 0, 5, 0 and answers 0: the program logs bytes 0..7 of the secret.
    copy_creds() -> prepare_creds() copies the kuids (all 0) before create_user_ns();
    sys_getresuid() maps each through the child's namespace: equal (native 6.18: the
    child's `res=65534 65534 65534`).  As AV-004 for a CLONE_NEWUSER child.  Refused
    since by return.credentials_mapped (the child's cred is credentials.moved_ids() of its
    creator's)."""
    _plain_child(adv, P_CLONE_USERNS_RESUID)
    _resuid(adv, P_CLONE_USERNS_RESUID, 0, 5, 0)


def _nth_prctl(adv: Adversary, phase: int, option: int, values: tuple[int, ...]) -> None:
    """Answer the n-th prctl(`option`, ...) after `phase` (from 0) `values[n]`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("popt", phase)] = a.reg("x0") & 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=phase, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get(("popt", phase)) != option:
            return
        n = a.memo.get(("pn", phase), 0)
        a.memo[("pn", phase)] = n + 1
        if n < len(values):
            a.set_reg("x0", values[n] & 0xFFFF_FFFF_FFFF_FFFF)


@scenario(id="AV-015", title="Answer 0 to PR_SET_KEEPCAPS(1) under SECBIT_KEEP_CAPS_LOCKED",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["LOCKS"])
def av_keepcaps_locked(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_KEEP_CAPS_LOCKED) is answered 0
    (Linux's: root holds CAP_SETPCAP); its PR_SET_KEEPCAPS(1) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `case PR_SET_KEEPCAPS: if (arg2 > 1) return -EINVAL; if
    (issecure(SECURE_KEEP_CAPS_LOCKED)) return -EPERM;` (native 6.18: `set=0 keepcaps=-1
    errno=1`).  The Guardian knows the thread's securebits after its PR_SET_SECUREBITS
    (prctl_state's SECUREBITS) but judges no PR_SET_KEEPCAPS by them; it would need
    set_refused() to refuse 0 where SECBIT_KEEP_CAPS_LOCKED is known set.  Refused when
    written (return: the thread's securebits hold SECBIT_KEEP_CAPS_LOCKED)."""
    prctl_by_option(adv, P_KEEPCAPS_LOCKED, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: 0})


@scenario(id="AV-016", title="Answer 0 to PR_SET_SECUREBITS(0) after SECBIT_NOROOT | "
          "SECBIT_NOROOT_LOCKED", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCKS"])
def av_noroot_locked(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) is
    answered 0; its PR_SET_SECUREBITS(0) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_task_prctl(): `if ((((old_securebits & SECURE_ALL_LOCKS) >> 1) & (old_securebits ^
    arg2)) || ((old_securebits & SECURE_ALL_LOCKS & ~arg2)) || ...) return -EPERM;`: a
    locked bit never changes and a lock is never cleared (native 6.18: `set=0 set0=-1
    errno=1`).  Refused when written (return: the thread's securebits 0x3 lock the bit it
    changes)."""
    _nth_prctl(adv, P_NOROOT_LOCKED, PR_SET_SECUREBITS, (0, 0))


@scenario(id="AV-017", title="Answer the first thread's getuid() 65534 after a thread's "
          "setuid(65534)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_thread_setuid(adv: Adversary) -> None:
    """1. A root fork child makes a thread whose raw setuid(65534) is answered 0 (its own
    cred: __sys_setuid() commits current's alone); the first thread's getuid() exits 7
    where it is not 0.
    2. The kernel answers the first thread's getuid() 65534: the program logs bytes 0..7
    of the secret.
    The first thread's cred stays the launch's (copy_creds() gave the thread its own at
    clone time; glibc's setuid() reaches every thread by a signal, the raw call does
    not).  Refused (return.credentials: per thread)."""
    _answers(adv, P_THREAD_SETUID, NR_GETUID, 65534)


@scenario(id="AV-018", title="Answer 0 to PR_SET_SECUREBITS(0) in an image exec'd under "
          "SECBIT_NOROOT | SECBIT_NOROOT_LOCKED", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["LOCKS"], silent=NEVER_RUNS)
def av_exec_locks(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) is
    answered 0; it execs the program with -S, whose PR_SET_SECUREBITS(0) exits 7 for 0.
    2. The kernel answers the image's PR_SET_SECUREBITS(0) 0: the program logs bytes 0..7
    of the secret.
    prepare_exec_creds() copies the cred, securebits and all; cap_bprm_creds_from_file()
    clears only SECURE_KEEP_CAPS (`new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`):
    NOROOT and its lock stay, cap_task_prctl(): -EPERM (native 6.18, the image:
    `getsecurebits=3 ... set0=-1 errno=1`).  Refused when written (return: the exec'ing
    thread's securebits 0x3 carried into the image)."""
    _nth_prctl(adv, P_EXEC_LOCKS, PR_SET_SECUREBITS, (0, 0))


@scenario(id="AV-019", title="Answer PR_GET_KEEPCAPS 1 in an image exec'd after "
          "PR_SET_KEEPCAPS(1)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["LOCKS"], silent=NEVER_RUNS)
def av_exec_keepcaps(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_KEEPCAPS(1) is answered 0; it execs the program with
    -P, whose PR_GET_KEEPCAPS exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `new->securebits &= ~issecure_mask(SECURE_KEEP_CAPS);`;
    cap_task_prctl(PR_GET_KEEPCAPS): `issecure(SECURE_KEEP_CAPS)`: 0 (native 6.18, the
    image: `keepcaps=0`).  Refused when written (return.range_table: the exec'd image's
    KEEPCAPS known 0)."""
    prctl_by_option(adv, P_EXEC_KEEPCAPS, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})


@scenario(id="AV-020", title="Answer 0 to setns() of a user namespace while a "
          "clone(CLONE_FS) child shares the caller's fs_struct", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NS"], gap="P5")
def av_fs_child_setns(adv: Adversary) -> None:
    """1. A root fork child makes a clone(CLONE_FS | SIGCHLD) child (alive: it reads a
    pipe), then calls setns(open("/proc/self/ns/user"), CLONE_NEWUSER) and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    userns_install(): `if (current->fs->users != 1) return -EINVAL;` (native 6.18: a
    setns() into another process's new user namespace `plain setns=0`, the same with a
    CLONE_FS child alive `fs-shared setns=-1 errno=22`).  The Guardian would need to know
    the caller's fs_struct shared (a task it made with CLONE_FS, not yet exited) to
    refuse 0 whatever the descriptor names."""
    _answers(adv, P_FS_CHILD_SETNS, NR_OPENAT, NS_FD)
    _answers(adv, P_FS_CHILD_SETNS, NR_SETNS, 0)


@scenario(id="AV-021", title="Answer 0 to unshare(CLONE_NEWUSER) after chroot(\"/proc\")",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"], gap="P5")
def av_chroot_unshare(adv: Adversary) -> None:
    """1. A root fork child's chroot("/proc") is answered 0 (Linux's: root holds
    CAP_SYS_CHROOT); its unshare(CLONE_NEWUSER) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    create_user_ns(): `if (current_chrooted()) goto fail_dec;` with `ret = -EPERM`
    (current_chrooted(): the task's root is not its mount namespace's root; native 6.18:
    `chroot=0 unshare=-1 errno=1`).  The Guardian would need the thread's root moved by a
    chroot() answered 0 to a path other than "/" (and no chroot() back since) to refuse
    0."""
    _answers(adv, P_CHROOT_UNSHARE, NR_CHROOT, 0)
    _answers(adv, P_CHROOT_UNSHARE, NR_UNSHARE, 0)


@scenario(id="AV-022", title="Answer 0 to setns(pidfd_open(getpid()), CLONE_NEWUSER)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_pidfd_setns(adv: Adversary) -> None:
    """1. A root fork child calls setns() of a pidfd of itself (pidfd_open() of its
    getpid()) with CLONE_NEWUSER and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    prepare_nsset() / validate_nsset(): the pidfd's task's user namespace is the caller's
    own; userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;` (native
    6.18 and qemu-aarch64-static: `setns(4,268435456,...) = -1 errno=22`).  Refused
    since (return.setns_own_userns: a pidfd pidfd_open() made for the caller's own pid,
    guardian/setns_self.py)."""
    _answers(adv, P_PIDFD_SETNS, NR_SETNS, 0)


@scenario(id="AV-023", title="Answer 0 to 34 unshare(CLONE_NEWUSER) calls in a row",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["NS"])
def av_nest_34(adv: Adversary) -> None:
    """1. A root fork child calls unshare(CLONE_NEWUSER) 34 times, each followed by its own
    writes of "0 0 1" to uid_map, "deny" to setgroups and "0 0 1" to gid_map (so that the
    next one's owner is mapped); it exits 7 where all 34 answered 0.
    2. The kernel answers every unshare() 0: the program logs bytes 0..7 of the secret.
    create_user_ns(): `ret = -ENOSPC; if (parent_ns->level > 32) goto fail;`: from the
    initial namespace (level 0) 33 nest, from a deeper launch fewer (native 6.18 with the
    maps written each time: `unshares answered 0: 33, then errno=28`).  The Guardian
    counts the thread's moves (credentials' USERNS).  Refused since
    (return.userns_depth: a 34th move the Guardian saw the thread make,
    guardian/userns_depth.py)."""
    _answers(adv, P_NEST_34, NR_UNSHARE, 0)


@scenario(id="AV-024", title="Answer a thread to clone(CLONE_VM | CLONE_SIGHAND | "
          "CLONE_THREAD | CLONE_NEWUSER)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["NS"])
def av_clone_thread_userns(adv: Adversary) -> None:
    """1. A root fork child calls clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD |
    CLONE_NEWUSER) (no CLONE_FS) and exits 7 where it answers a thread.
    2. The kernel drops CLONE_NEWUSER, makes the thread and answers its tid: the program
    logs bytes 0..7 of the secret.
    copy_process(): `if (clone_flags & CLONE_THREAD) { if ((clone_flags & (CLONE_NEWUSER |
    CLONE_NEWPID)) || ...) return ERR_PTR(-EINVAL); }` (qemu-aarch64-static on 6.18:
    `clone(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWUSER,...) = -1 errno=22`).
    Refused when written (fork_domain: CLONE_THREAD into a new user namespace)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_CLONE_THREAD_USERNS,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") & ~CLONE_NEWUSER)


@scenario(id="AV-025", title="Answer getuid() 5 after setuid(0) answered 0 in a new user "
          "namespace", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["MAP"])
def av_userns_setuid_getuid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) and setuid(0) (after its uid_map
    write) are answered 0; its getuid() exits 7 where it is not 0.
    2. The kernel answers getuid() 5: the program logs bytes 0..7 of the secret.
    __sys_setuid(): `kuid = make_kuid(ns, uid); if (!uid_valid(kuid)) return -EINVAL;`: an
    answer 0 means the map holds uid 0, written once (map_write()), so every id the call
    set is shown as 0 from then on (from_kuid_munged() of the kuid make_kuid() gave;
    native 6.18: `unshare=0 setuid=0 getuid=0`).  credentials.commit() notes the ids a
    set*uid answered 0 sets, but check() lets any id change in a moved namespace; it
    would need the ids a set*id call answered 0 set there held as final (the map that
    made them valid cannot change).  Refused since by return.credentials_mapped (the real
    and saved uids one kuid since before the move: all four show 0)."""
    _answers(adv, P_USERNS_SETUID_GETUID, NR_UNSHARE, 0)
    _answers(adv, P_USERNS_SETUID_GETUID, NR_SETUID, 0)
    _answers(adv, P_USERNS_SETUID_GETUID, NR_GETUID, 5)


# --- Linux's own answers (tests/test_redteam_r87c_claims.py) ---------------------------


def claim_setns_uts(adv: Adversary) -> None:
    """Step 0 as Linux answers: setns() of its own UTS namespace 0, getuid() 0."""
    _answers(adv, P_SETNS_UTS, NR_OPENAT, NS_FD)
    _answers(adv, P_SETNS_UTS, NR_SETNS, 0)
    _answers(adv, P_SETNS_UTS, NR_GETUID, 0)


def claim_map_uid(adv: Adversary) -> None:
    """Step 2 as Linux answers: unshare(CLONE_NEWUSER) 0, getuid() 65534, the map written,
    getuid() 0 (from_kuid_munged() before and after map_write())."""
    _answers(adv, P_MAP_UID, NR_UNSHARE, 0)
    _nth(adv, P_MAP_UID, NR_GETUID, (OVERFLOW, 0))


def claim_map_resuid(adv: Adversary) -> None:
    """Step 3 as Linux answers: unshare(CLONE_NEWUSER) 0, getresuid() 65534 three times."""
    _answers(adv, P_MAP_RESUID, NR_UNSHARE, 0)
    _resuid(adv, P_MAP_RESUID, OVERFLOW, OVERFLOW, OVERFLOW)


def claim_setns_back_eperm(adv: Adversary) -> None:
    """Step 5 as Linux answers: unshare(CLONE_NEWUSER) 0, setns() back -EPERM."""
    _answers(adv, P_SETNS_BACK, NR_OPENAT, NS_FD)
    _answers(adv, P_SETNS_BACK, NR_UNSHARE, 0)
    _answers(adv, P_SETNS_BACK, NR_SETNS, -1)


def claim_map_fsuid(adv: Adversary) -> None:
    """Step 6 as Linux answers: unshare(CLONE_NEWUSER) 0, setfsuid(-1) 65534, the map
    written, setfsuid(-1) 0."""
    _answers(adv, P_MAP_FSUID, NR_UNSHARE, 0)
    _nth(adv, P_MAP_FSUID, NR_SETFSUID, (OVERFLOW, 0))


def claim_userns_raise(adv: Adversary) -> None:
    """Step 14 as Linux answers: unshare(CLONE_NEWUSER) 0, capget() of the full sets, capset()
    adding CAP_KILL to pI 0, PR_CAP_AMBIENT_RAISE(CAP_KILL) 0 (native 6.18: `unshare=0
    capset=0 raise=0`)."""
    _answers(adv, P_CLAIM_USERNS_RAISE, NR_UNSHARE, 0)
    _capget_stores(adv, P_CLAIM_USERNS_RAISE, USERNS_SETS)
    _answers(adv, P_CLAIM_USERNS_RAISE, NR_CAPSET, 0)
    prctl_by_option(adv, P_CLAIM_USERNS_RAISE, {PR_CAP_AMBIENT: 0})


def claim_userns_setuid(adv: Adversary) -> None:
    """Step 15 as Linux answers: unshare(CLONE_NEWUSER) 0, the map written, setuid(0) 0,
    capget() of the full sets (native 6.18: `setuid=0 capget=0 eff=ffffffff,1ff
    perm=ffffffff,1ff inh=0`)."""
    _answers(adv, P_CLAIM_USERNS_SETUID, NR_UNSHARE, 0)
    _answers(adv, P_CLAIM_USERNS_SETUID, NR_SETUID, 0)
    _capget_stores(adv, P_CLAIM_USERNS_SETUID, USERNS_SETS)


def claim_userns_caps(adv: Adversary) -> None:
    """Step 8 as Linux answers: unshare(CLONE_NEWUSER) 0, capget() of the full sets, pI
    empty."""
    _answers(adv, P_USERNS_CAPS, NR_UNSHARE, 0)
    _capget_stores(adv, P_USERNS_CAPS, USERNS_SETS)


def claim_userns_bset(adv: Adversary) -> None:
    """Step 10 as Linux answers: PR_CAPBSET_DROP(CAP_SETUID) 0, unshare(CLONE_NEWUSER) 0,
    PR_CAPBSET_READ(CAP_SETUID) 1."""
    prctl_by_option(adv, P_USERNS_BSET, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})
    _answers(adv, P_USERNS_BSET, NR_UNSHARE, 0)


def claim_vfork_unshare(adv: Adversary) -> None:
    """Step 12 as Linux answers: the vfork child's unshare(CLONE_NEWUSER) 0, the parent's
    getuid() 0."""
    _answers(adv, P_VFORK_UNSHARE, NR_UNSHARE, 0)
    _answers(adv, P_VFORK_UNSHARE, NR_GETUID, 0)


def claim_clone_userns_resuid(adv: Adversary) -> None:
    """Step 13 as Linux answers: the clone(CLONE_NEWUSER) child's getresuid() 65534 three
    times."""
    _plain_child(adv, P_CLONE_USERNS_RESUID)
    _resuid(adv, P_CLONE_USERNS_RESUID, OVERFLOW, OVERFLOW, OVERFLOW)


def claim_nofixup_setuid(adv: Adversary) -> None:
    """Step 18 as Linux answers: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP) 0, setuid(65534)
    0, capget() of root's full sets (cap_task_fix_setuid(): `if
    (!issecure(SECURE_NO_SETUID_FIXUP)) cap_emulate_setxuid(new, old);`)."""
    prctl_by_option(adv, P_CLAIM_NOFIXUP_SETUID, {PR_SET_SECUREBITS: 0})
    _answers(adv, P_CLAIM_NOFIXUP_SETUID, NR_SETUID, 0)
    _capget_stores(adv, P_CLAIM_NOFIXUP_SETUID, USERNS_SETS)


def claim_setresuid_none(adv: Adversary) -> None:
    """Step 20 as Linux answers: setresuid(-1, -1, -1) 0 (no change: the early return),
    capget() of root's full sets."""
    _answers(adv, P_CLAIM_SETRESUID_NONE, NR_SETRESUID, 0)
    _capget_stores(adv, P_CLAIM_SETRESUID_NONE, USERNS_SETS)


def claim_keepcaps_locked(adv: Adversary) -> None:
    """Step 16 as Linux answers: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS_LOCKED) 0,
    PR_SET_KEEPCAPS(1) -EPERM."""
    prctl_by_option(adv, P_KEEPCAPS_LOCKED, {PR_SET_SECUREBITS: 0, PR_SET_KEEPCAPS: -1})


def claim_userns_locks(adv: Adversary) -> None:
    """Step 22 as Linux answers: PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) 0,
    unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(0) 0 (set_cred_user_ns(): `cred->securebits
    = SECUREBITS_DEFAULT;`; native 6.18: `set=0 unshare=0 set0=0`)."""
    _answers(adv, P_CLAIM_USERNS_LOCKS, NR_UNSHARE, 0)
    _nth_prctl(adv, P_CLAIM_USERNS_LOCKS, PR_SET_SECUREBITS, (0, 0))


def claim_noroot_locked(adv: Adversary) -> None:
    """Step 17 as Linux answers: PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) 0,
    PR_SET_SECUREBITS(0) -EPERM."""
    _nth_prctl(adv, P_NOROOT_LOCKED, PR_SET_SECUREBITS, (0, -1))


def claim_fs_raise(adv: Adversary) -> None:
    """Step 33 as Linux answers: setfsuid(65534) 0, setfsuid(0) 65534 (the old fs uid: root
    holds CAP_SETUID), capget() of root's full sets (cap_task_fix_setfsuid():
    `if (!uid_eq(old->fsuid, root_uid) && uid_eq(new->fsuid, root_uid)) new->cap_effective
    = cap_raise_fs_set(new->cap_effective, new->cap_permitted);`; native 6.18:
    `setfsuid(65534)=0 setfsuid(0)=65534 eff=feffffff perm=feffffff`, the container's sets)."""
    _nth(adv, P_CLAIM_FS_RAISE, NR_SETFSUID, (0, 65534))
    _capget_stores(adv, P_CLAIM_FS_RAISE, USERNS_SETS)


def claim_fs_child_unshare(adv: Adversary) -> None:
    """Step 25 as Linux answers: a clone(CLONE_FS) child alive, unshare(CLONE_NEWUSER) 0
    (ksys_unshare() adds CLONE_FS, unshare_fs() copies the shared fs_struct; native 6.18:
    `fs child, unshare=0`)."""
    _answers(adv, P_CLAIM_FS_CHILD_UNSHARE, NR_UNSHARE, 0)


def claim_threaded_fork_unshare(adv: Adversary) -> None:
    """Step 28 as Linux answers: a thread alive, then a fork child's unshare(CLONE_NEWUSER)
    0 (check_unshare_flags(): thread_group_empty() of the child's own group; native 6.18:
    `fork child of a 2-thread process: unshare=0`)."""
    _answers(adv, P_CLAIM_THREADED_FORK_UNSHARE, NR_UNSHARE, 0)


def claim_threaded_vfork_unshare(adv: Adversary) -> None:
    """Step 29 as Linux answers: a thread alive, then a vfork child's unshare(CLONE_NEWUSER)
    0 (the vfork child's thread group is its own; ksys_unshare() does not add CLONE_VM;
    native 6.18: `vfork child of a 2-thread process: unshare=0`)."""
    _answers(adv, P_CLAIM_THREADED_VFORK_UNSHARE, NR_UNSHARE, 0)
