"""Red-team round 88c: round 87c's user-namespace rules (create.userns_full,
return.userns_caps_full, return.userns_depth, return.credentials_mapped) at their edges:
the cred a setns() into another process's user namespace gives, the depth a thread keeps
through an exec and takes from a namespace it joins, the id a uid_map the program wrote
or read itself gives (and setgroups() after its own "deny"), the sets and ids an exec in a
moved namespace gives, the calls that need a capability in a namespace the moved thread
left (clone3()'s set_tid, sethostname()), setns() of a pidfd of the parent (same or
ancestor namespace) and capget() of a CLONE_NEWUSER child's pid.

On the victim `secret_r88_core` (each step runs in a fork child that exits 7 where it
saw what Linux never answers; the parent's label is then -4, the secret's first 8 bytes;
the peer is a fork child that made a new user namespace, J the step's
setns(pidfd_open(peer), CLONE_NEWUSER), answered 0 as Linux does: root owns the peer's
namespace), the kernel answers:

- AZ-001: J, then capget() of empty sets (userns_install(): `set_cred_user_ns(cred,
  get_user_ns(user_ns));` -> set_cred_user_ns(): pP = pE = CAP_FULL_SET);
- AZ-002: PR_CAPBSET_DROP(CAP_SETUID) 0, J, PR_CAPBSET_READ(CAP_SETUID) 0
  (set_cred_user_ns(): `cred->cap_bset = CAP_FULL_SET;`: 1);
- AZ-003: PR_SET_SECUREBITS(SECBIT_NOROOT) 0, J, PR_GET_SECUREBITS 1 (set_cred_user_ns():
  `cred->securebits = SECUREBITS_DEFAULT;`: 0);
- AZ-004: PR_SET_KEEPCAPS(1) 0, J, PR_GET_KEEPCAPS 1 (the same: SECURE_KEEP_CAPS cleared);
- AZ-005: 33 unshare(CLONE_NEWUSER) 0 (the maps written after each), an exec, the image's
  unshare(CLONE_NEWUSER) 0 (prepare_exec_creds() keeps the cred's namespace;
  create_user_ns(): `if (parent_ns->level > 32) goto fail;` -ENOSPC);
- AZ-006: a peer's 33 unshare(CLONE_NEWUSER) 0, J, the step's unshare(CLONE_NEWUSER) 0
  (userns_install() puts the caller at the peer's level 33: -ENOSPC);
- AZ-007: unshare(CLONE_NEWUSER) 0, the program's own write of "0 0 1" to its uid_map
  answered 5, getuid() 5 (map_write() answers the count only where it installed the map,
  once; the kuid is the launch's 0: from_kuid_munged() gives 0);
- AZ-008: PR_SET_KEEPCAPS(1) 0, unshare(CLONE_NEWUSER) 0, PR_GET_KEEPCAPS 1
  (set_cred_user_ns(): 0);
- AZ-009: unshare(CLONE_NEWUSER) 0 (no map), an exec, the image's capget() of the full
  sets (cap_bprm_creds_from_file(): `root_uid = make_kuid(new->user_ns, 0);` invalid,
  handle_privileged_root() raises nothing: pP' = pA' = empty);
- AZ-010: unshare(CLONE_NEWUSER) 0, clone3() with set_tid answered that pid
  (alloc_pid(): `if (!checkpoint_restore_ns_capable(tmp->user_ns)) goto out_free;`
  -EPERM: the launch's pid namespace belongs to an ancestor now);
- AZ-011: unshare(CLONE_NEWUSER) 0, capset() of empty sets 0, PR_CAPBSET_DROP(CAP_SETUID)
  0 (cap_prctl_drop(): `if (!ns_capable(current_user_ns(), CAP_SETPCAP)) return
  -EPERM;`);
- AZ-012: unshare(CLONE_NEWUSER) 0, a read of /proc/self/uid_map showing "0 0 1"
  (uid_m_show()), getuid() 5 (the kuid 0 through that map: 0);
- AZ-013: unshare(CLONE_NEWUSER) 0, sethostname() 0 (sys_sethostname(): `if
  (!ns_capable(current->nsproxy->uts_ns->user_ns, CAP_SYS_ADMIN)) return -EPERM;`: the
  UTS namespace is the launch's, owned by an ancestor);
- AZ-014: unshare(CLONE_NEWUSER) 0, the program's own write of "deny" to
  /proc/self/setgroups answered 4, setgroups(0, NULL) 0 (userns_may_setgroups(): `allowed
  = allowed && (ns->flags & USERNS_SETGROUPS_ALLOWED);` -EPERM);
- AZ-015: unshare(CLONE_NEWUSER) 0, the uid_map written, PR_SET_SECUREBITS(SECBIT_NOROOT)
  0, an exec, the image's capget() of the full sets (handle_privileged_root(): `if
  (!root_privileged()) return;`: pP' = pA' = empty);
- AZ-016: setns(pidfd_open(getppid()), CLONE_NEWUSER) 0, the parent never moved
  (validate_nsset() takes the parent's user namespace, the caller's own:
  userns_install() -EINVAL);
- AZ-017: unshare(CLONE_NEWUSER) 0, an exec, the image's PR_CAPBSET_READ(CAP_SETUID) 0
  (set_cred_user_ns() filled cap_bset; execve() keeps it: 1);
- AZ-018: a clone(CLONE_NEWUSER) child's setns(pidfd_open(getppid()), CLONE_NEWUSER) 0
  (userns_install(): `if (!ns_capable(user_ns, CAP_SYS_ADMIN)) return -EPERM;`: the
  parent's namespace is an ancestor of the child's);
- AZ-019: unshare(CLONE_NEWUSER) 0, the uid_map written, getuid() 0, an exec whose
  auxiliary vector says AT_UID = AT_EUID = 5, the image's getuid() 5
  (create_elf_tables(): `from_kuid_munged(cred->user_ns, cred->uid)` of the kept kuid
  through the map written once: 0);
- AZ-020: a live clone(CLONE_NEWUSER) child, capget() of its pid storing empty sets
  (cap_get_target_pid() reads the child's cred: set_cred_user_ns() made pP = pE full).
- honest (tests/test_redteam_r88c_claims.py, all 30 pass with the Guardian on): J and
  capget() of the full sets (step 0); PR_CAPBSET_DROP, J, PR_CAPBSET_READ 1 (step 1);
  PR_SET_SECUREBITS(SECBIT_NOROOT), J, PR_GET_SECUREBITS 0 (step 2); PR_SET_KEEPCAPS(1),
  J, PR_GET_KEEPCAPS 0 (step 3); 33 moves, an exec, the image's -ENOSPC (step 4); a peer's
  33 moves, J, -ENOSPC (step 5); the own map write 5 and getuid() 0 (step 6);
  PR_SET_KEEPCAPS(1), unshare(CLONE_NEWUSER), PR_GET_KEEPCAPS 0 (step 7); the image's
  empty sets after an exec in an unmapped namespace (step 8) and full ones in a mapped one
  (step 9); capset() lowering the full sets to empty after the move, capget() empty (step
  10); PR_CAPBSET_DROP 0 and PR_CAPBSET_READ 0 in the new namespace (step 11);
  PR_SET_SECUREBITS(SECBIT_NOROOT) 0 and PR_GET_SECUREBITS 1 there (step 12); a
  clone(CLONE_NEWUSER) child's own unshare(CLONE_NEWUSER) 0 and full sets (step 13);
  getresuid() 5 5 5 after J into a namespace mapping uid 5 (step 14); clone3() with
  set_tid -EPERM, PR_CAPBSET_DROP -EPERM after capset() of empty sets, getuid() 0 after a
  map read showing "0 0 1", sethostname() -EPERM, each after the move (steps 15..18);
  getuid() 0 after the move, then 5 after J into a peer's namespace made from the new one
  (step 19); setgroups() -EPERM after "deny" (step 20); the image's empty sets under
  SECBIT_NOROOT (step 21); setns() of the parent's pidfd -EINVAL (step 22); the exec'd image's PR_CAPBSET_READ 1
  after the move (step 23); a CLONE_NEWUSER child's setns() of its parent's pidfd -EPERM
  (step 24); the image's AT_UID 0 and getuid() 0 after the move and the map (step 25); capget() of a live CLONE_NEWUSER child's pid: the full sets (step 26).

Linux's answers, native (x86-64, host kernel 6.18.44, root; the same kernel/nsproxy.c,
kernel/user_namespace.c, kernel/pid.c, security/commoncap.c): J from a root process
`setns=0 errno=0; after join capget=0 eff=ffffffff,1ff perm=ffffffff inh=0` (AZ-001),
`drop=0; ... setns=0 errno=0; read=1;` (AZ-002), `set=0; ... setns=0 errno=0; get=0;`
(AZ-003), `keep=0; ... setns=0 errno=0; getkeep=0;` (AZ-004); `nested 33;` then the
exec'd image's `unshare=-1 errno=28` (AZ-005); `peer nested 33; setns=0 errno=0;
unshare=-1 errno=28;` (AZ-006); `uid=65534; map write=5 uid=0;` (AZ-007);
`keep=0; getkeep0=1; unshare=0; getkeep=0;` (AZ-008); `unshare=0;` then the image's
`capget=0 eff=0,0 perm=0 inh=0` (AZ-009), with the map written `map=5` and the image's
`eff=ffffffff,1ff perm=ffffffff` (step 9); `clone3 set_tid=16442 -> 16442` from the
initial namespace, `unshare=0 clone3 set_tid=16443 -> -1 errno=1` after the move
(AZ-010); `unshare=0 capset=0 drop=-1 errno=1` (AZ-011); `map read=0 []` before any
write, `map read=33 [         0          0          1` after one (AZ-012); `unshare=0
sethostname=-1 errno=1` (AZ-013); `unshare=0 deny=4 gidmap=5 setgroups=-1 errno=1`
(AZ-014); `unshare=0 map=5 noroot=0` and the image's `capget=0 eff=0,0 perm=0` (AZ-015);
`fork child: pidfd=3 setns(parent)=-1 errno=22`, `vfork child: setns(parent)=-1
errno=22` (AZ-016); `unshare=0`, the image's `capbset_read(SETUID)=1` (AZ-017);
`newuser child: setns(parent pidfd)=-1 errno=1` (AZ-018); `unshare=0 map=5 getuid=0`,
the image's `AT_UID=0 AT_EUID=0 getuid=0` (AZ-019); `capget(child 20282)=0
eff=ffffffff,1ff perm=ffffffff inh=0` (AZ-020); `unshare=0 capset=0; after capget=0 eff=0,0 perm=0` (step 10),
`unshare=0 drop=0 read=0` (step 11), `unshare=0 set=0 get=1` (step 12), `child
unshare=0; child capget=0 eff=ffffffff,1ff` (step 13), `peer nested 1; setns=0 errno=0;
res=5 5 5;` (step 14), `unshare=0 map=5 uid=0; peer ok=1; setns=0 errno=0 uid=5`
(step 19).  qemu-aarch64-static answers unshare(CLONE_NEWUSER) EINVAL (its helper
thread; round 87c), so these steps were run natively.

Through with the Guardian on when written (gaps, 18):
- AZ-001, AZ-002, AZ-003, AZ-004 (a setns() of a user namespace answered 0): result_creds
  calls cred_kept.note_user_ns() only for unshare(CLONE_NEWUSER); it would need the same
  for a setns() whose nstype holds CLONE_NEWUSER answered 0 with no filter (sys_setns()
  reaches userns_install() -> set_cred_user_ns() for any such fd): pP, pE and the
  bounding set known full, the drop forgotten, securebits and KEEPCAPS known 0.  (The
  honest answers pass: the Guardian forgets those facts at such a setns().)
- AZ-005 (an exec after the move): userns_depth.DEPTH is forgotten at the exec; it would
  need carrying into the image (the cred and its namespace survive execve():
  prepare_exec_creds()).
- AZ-017 (an exec after the move): create.userns_full's CAPBSET_FULL is forgotten at the
  exec; it would need carrying into the image (the cred, its namespace and its bounding
  set survive execve(): prepare_exec_creds(), cap_bprm_creds_from_file() leaves
  cap_bset).
- AZ-006 (setns() into a peer's namespace 33 deep): it would need the joined
  namespace's depth -- the peer's own count, where the pidfd names a process it follows
  and that process made no move since.
- AZ-007, AZ-012, AZ-014 (the map or setgroups state the program itself wrote or read):
  it would need the open file known to be the thread's own /proc/self/uid_map (or
  setgroups) -- a procfs it knows, a name free of links -- and the write answered in full
  (or the read's text) taken as the map, with the kuid the launch's: the uid then shows
  as the map gives it (0), setgroups() after "deny" -EPERM.
- AZ-020 (capget() of another task): it would need a capget() whose header names a pid it
  knows as a live task it follows (a child its clone answered, not reaped) judged
  against that task's known sets (CAPS_FULL in a known CLONE_NEWUSER child).
- AZ-019 (the ids an exec in a moved namespace states): credentials.settled() drops every
  id of a moved thread at the exec, so create.exec_real_ids holds AT_UID to nothing; it
  would need settled() to keep the ids shown there other than the overflow one (final:
  map_write() maps once, as may_map() has it).  Without the forged auxv the image's
  getuid() 5 is refused (return.credentials_mapped against AT_UID 0).
- AZ-009, AZ-015 (an exec in a moved namespace with uid 0 unmapped, or under
  SECBIT_NOROOT): left open, not soundly refusable as run.  AZ-009: the image
  is told AT_UID 0 (the model's), which Linux gives wherever the namespace's uid_map
  holds 0, and another process may write that map at any time (a root of the parent
  namespace: new_idmap_permitted(), /proc/<pid>/uid_map), so a map "not holding 0"
  is known only from the program's own write answered in full (return.userns_own_maps)
  of a map without 0 -- AZ-009 writes none; with AT_UID and AT_EUID not 0 create.exec_caps
  already bounds the sets by pA.  AZ-015: SECBIT_NOROOT stops handle_privileged_root(),
  but not file capabilities: with the real uid root in the namespace (AT_UID 0, the map
  "0 0 1") get_file_caps() of an image whose security.capability applies there
  (rootid_owns_currentns()) gives pP' = (cap_bset & fP) | (pI & fI), full after the
  move, and `!__is_real(root_uid, new)` leaves AT_SECURE 0
  (cap_bprm_creds_from_file()); the Guardian would need the image's file known to carry
  no file capabilities, which it does not measure (with AT_UID not 0 the existing
  create.exec_caps rule bounds it).
- AZ-010, AZ-013 (a privileged call after the move): the Guardian would need that a
  thread whose cred it saw move holds no capability in a namespace the launch's user
  namespace owns (cap_capable(): a child namespace's cred finds none in an ancestor):
  clone3()'s set_tid in the launch's pid namespace and sethostname() of the launch's
  UTS namespace (none unshared, cloned or joined since) answer -EPERM.
  SECBIT_NOROOT): create.exec_caps would need the exec's root privilege known absent (a
  map known not to hold 0 -- AZ-007's knowledge --, or SECBIT_NOROOT known set by the
  thread's own PR_SET_SECUREBITS) to bound pP' and pE' by pA (known empty after the
  move: create.userns_caps).
- AZ-016, AZ-018 (setns() of the parent's pidfd): return.setns_own_userns would need the
  pidfd known to name the caller's parent (pidfd_open() of the pid getppid() told, the
  parent a process it follows, alive or validate_nsset() fails) and its namespace known
  against the caller's: the same one (no move by either since a plain fork: -EINVAL) or
  its parent one (a CLONE_NEWUSER child, no move of the parent since: -EPERM).
  Still open: getppid()'s answer is the kernel's word, and the victim's
  first process never calls getpid(), so the Guardian knows no pid of the parent to
  match the pidfd against (own_pid.py knows the caller's own; opener_tables.parent_table
  needs the parent's getpid() answer).  Sound refusal would need: the pidfd's pid equal
  to the parent's own getpid() answer (or the pid its own parent's fork told, where the
  Guardian follows that one); the parent not reaped, nor able to be unseen (a parent
  killed from outside and reaped by the launcher frees its pid; the child's getppid() then
  names its reaper, whose namespace may be a descendant of the child's); no
  unshare(CLONE_NEWUSER) or setns() of a user namespace by the parent since the fork (a
  parent that joined a descendant namespace is a valid target: cap_capable()), noted
  before the setns() entered (userns_depth.DEPTH_AT's stamp); and for AZ-018 the child's
  CLONE_NEWUSER flags known (confidential_fork's flags_known).
Refused since round 88c's namespace fixes: AZ-001, AZ-002, AZ-003, AZ-004 (create.userns_full widened:
result_creds.commit_creds() calls cred_kept.note_setns_user() for a setns() whose nstype
holds CLONE_NEWUSER answered 0 with no filter -- commit_nsset() -> userns_install() ->
set_cred_user_ns() -- so return.userns_caps_full, return.range_table's PR_CAPBSET_READ,
PR_GET_SECUREBITS and PR_GET_KEEPCAPS judge against the full sets, securebits 0 and
KEEPCAPS 0, as after unshare(CLONE_NEWUSER)); AZ-005 (return.userns_depth: the count
carried into an exec's image, guardian/exec_kept.py: prepare_exec_creds() keeps the
cred's namespace; a setns() of a user namespace counts one move too: userns_install()
joins only a strict descendant, cap_capable()); AZ-006 (return.userns_depth: a setns()
of a user namespace answered 0 takes the count of the pidfd's process where it names a
fork child the Guardian follows, unreaped, its count noted before the setns() entered:
userns_depth.peer_depth()).  AZ-010, AZ-013 (return.userns_ancestor, guardian/ns_owner.py: after an unfiltered
unshare(CLONE_NEWUSER) 0 the namespaces the thread kept -- its pid namespace for
children, its UTS namespace -- are owned outside its new namespace's subtree, where
cap_capable() finds no capability, until an unshare()/setns() naming that kind or a
setns() of nstype 0: clone3()'s set_tid without CLONE_NEWPID makes no child, alloc_pid()
-EPERM; sethostname() -EPERM); AZ-020 (return.userns_caps_full,
guardian/capget_child.py: capget() of a live, unreaped fork child's pid its fork told,
none of the child's calls in flight or returned since the capget()'s entry, against the
child's known full sets: cap_get_target_pid() reads its cred).
Refused when written (2): AZ-008 (return.range_table: KEEPCAPS known 0 after the move,
create.userns_full), AZ-011 (return.cap_needed: PR_CAPBSET_DROP with the effective set
the thread's own capset() emptied, in the moved namespace too).
False refusals: none found (all 30 claims pass with the Guardian on).
Refused since round 88c's exec and id fixes: AZ-017 (create.exec_task_state, widened: the bounding set known
full since the move, create.userns_full's CAPBSET_FULL, is carried through the exec --
prepare_exec_creds() copies cap_bset, cap_bprm_creds_from_file() leaves it -- so the
image's PR_CAPBSET_READ 0 is refused by return.range_table); AZ-019
(create.exec_real_ids, widened: credentials.settled() keeps the ids shown in a moved
namespace other than the overflow one, final as may_map() has it, so AT_UID 5 against the
getuid() 0 shown before the exec is refused); AZ-007, AZ-012 (return.userns_own_maps:
the thread's own write of its /proc/self/uid_map answered in full, or a read of it
showing whole uid_m_show() lines, opened by its process in its namespace, gives the ids
it held before its unshare(CLONE_NEWUSER) as the map shows them -- 0 --, held by
return.credentials_mapped); AZ-014 (return.userns_own_maps: its own "deny" to
/proc/self/setgroups answered in full makes setgroups() -EPERM).

Not done (the round's time): a move answered by a seccomp filter (--launch-filter: no
scenario option for the launch here); a clone whose child the kernel reports for another
thread; setns() of a pidfd of a child that made no move (the same rule as AZ-016);
clone3(CLONE_NEWUSER) with set_tid from the initial namespace (the model refuses set_tid
outright); a launch already nested (the depth counted from it); the AT_SECURE launch
options (--launch-secure-exec, --launch-no-new-privs) with an exec in a moved namespace.
"""

from __future__ import annotations

import struct

from abi.contract import Call
from attacks.adversary import Adversary
from attacks.families.redteam_r23 import _auxv_value_slot
from attacks.families.redteam_r72c import prctl_by_option
from attacks.families.redteam_r75c import _answers
from attacks.families.redteam_r87c import (
    EMPTY_SETS,
    NEVER_RUNS,
    USERNS_SETS,
    _capget_stores,
    _nth,
    _plain_child,
    _resuid,
)
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r88c"
CORE = "secret_r88_core"
# secret_r88_core: the marker before each step; the marker after its write is + 1.
(P_SETNS_CAPS, P_SETNS_BSET, P_SETNS_SECUREBITS, P_SETNS_KEEPCAPS, P_EXEC_DEPTH,
 P_SETNS_DEPTH, P_OWN_MAP, P_UNSHARE_KEEPCAPS, P_EXEC_UNMAPPED, P_CLAIM_EXEC_MAPPED,
 P_CLAIM_CAPSET_LOWER, P_CLAIM_USERNS_DROP, P_CLAIM_USERNS_NOROOT, P_CLAIM_CHILD_UNSHARE,
 P_CLAIM_SETNS_RESUID, P_SET_TID, P_EMPTY_DROP, P_MAP_READ, P_SETHOSTNAME,
 P_CLAIM_REJOIN_UID, P_DENY_SETGROUPS, P_NOROOT_EXEC, P_PARENT_SETNS, P_EXEC_BSET,
 P_CHILD_PARENT_SETNS, P_EXEC_UID, P_CHILD_CAPGET) = range(17800, 17854, 2)
#: the steps an untouched run takes
PHASES = tuple(range(17800, 17854, 2))
P_FIRST, P_VICTIM_LAST = PHASES[0], PHASES[-1]
NR_UNSHARE, NR_SETNS, NR_GETUID, NR_OPENAT, NR_WRITE, NR_CAPSET = 97, 268, 174, 56, 64, 91
NR_READ, NR_SETHOSTNAME, NR_CLONE3, NR_SETGROUPS = 63, 161, 435, 159
PR_CAPBSET_READ, PR_CAPBSET_DROP = 23, 24
PR_GET_SECUREBITS, PR_SET_SECUREBITS, PR_SET_KEEPCAPS, PR_GET_KEEPCAPS = 27, 28, 8, 7
ENOSPC = -28
#: an unused descriptor the kernel answers open() of /proc/self/uid_map with
MAP_FD = 9
PROPS = {
    "JOIN": ("setns() of a user namespace answered 0 ran userns_install(), which gives the "
             "cred set_cred_user_ns()'s: the permitted, effective and bounding sets full, "
             "the securebits (SECURE_KEEP_CAPS among them) SECUREBITS_DEFAULT."),
    "DEPTH": ("A thread's user namespace is at most 33 levels below the initial one "
              "(create_user_ns(): `parent_ns->level > 32` -ENOSPC); an exec keeps the "
              "cred's namespace and a setns() moves the thread to the joined one's level."),
    "MAP": ("A uid_map is written once (map_write()); the program's own write answered in "
            "full is the map, so its kuid shows as the id that map gives."),
    "OWN": ("setns() of a user namespace answers 0 only for one other than the caller's "
            "(userns_install(): `user_ns == current_user_ns()` -EINVAL): a pidfd of a "
            "process sharing the caller's names its own."),
    "ANCESTOR": ("After a move to a new user namespace the thread holds no capability in "
                 "the namespaces its old one owns (cap_capable(): a cred in a child "
                 "namespace finds none in an ancestor): clone3()'s set_tid, sethostname() "
                 "of the old UTS namespace answer -EPERM; with its effective set emptied "
                 "it holds none in the new one either."),
    "EXEC": ("An exec in a user namespace whose map does not hold uid 0 gives a root "
             "thread no capabilities (cap_bprm_creds_from_file(): root_uid = "
             "make_kuid(ns, 0) is invalid, handle_privileged_root() raises nothing)."),
}


def _peer_join(adv: Adversary, phase: int) -> None:
    """The kernel answers the step's setns(pidfd, CLONE_NEWUSER) into the peer's user
    namespace 0 (Linux's: root owns the peer's new namespace, a child of its own)."""
    _answers(adv, phase, NR_SETNS, 0)


def _map_write(adv: Adversary, phase: int, value: int | None) -> None:
    """open("/proc/self/uid_map") answered MAP_FD, the write() to it answered `value`
    (None: its count) (the model's machine has no such file)."""
    _answers(adv, phase, NR_OPENAT, MAP_FD)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("mw", phase)] = a.reg("x2") if a.reg("x0") == MAP_FD else None

    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        count = a.memo.pop(("mw", phase), None)
        if count is not None:
            a.set_reg("x0", count if value is None else value)


MAP_TEXT = b"         0          0          1\n"


def _map_read(adv: Adversary, phase: int) -> None:
    """open("/proc/self/uid_map") answered MAP_FD, the read() of it answered with
    MAP_TEXT (uid_m_show()'s "%10u %10u %10u\\n" of a map "0 0 1")."""
    _answers(adv, phase, NR_OPENAT, MAP_FD)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("mr", phase)] = a.reg("x1") if a.reg("x0") == MAP_FD else 0

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        ptr = a.memo.pop(("mr", phase), 0)
        if ptr:
            a.kernel.uaccess.write(ptr, MAP_TEXT)
            a.set_reg("x0", len(MAP_TEXT))


def _capget_nth(adv: Adversary, phase: int, blocks: tuple[bytes, ...]) -> None:
    """Store blocks[n] at the n-th capget() after `phase`, answered 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=90, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("cgn", phase)] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=90, during=phase,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        ptr = a.memo.pop(("cgn", phase), 0)
        n = a.memo.get(("cgi", phase), 0)
        a.memo[("cgi", phase)] = n + 1
        if ptr and n < len(blocks):
            a.kernel.uaccess.write(ptr, blocks[n])
            a.set_reg("x0", 0)


@scenario(id="AZ-001", title="Store empty sets for capget() after setns() into another "
          "process's user namespace", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["JOIN"])
def az_setns_caps(adv: Adversary) -> None:
    """1. A root fork child's peer (a fork child) makes a new user namespace; the step
    calls setns(pidfd_open(peer), CLONE_NEWUSER), answered 0 (Linux's), then capget(),
    and exits 7 where CAP_SYS_ADMIN is not effective.
    2. The kernel stores empty sets: the program logs bytes 0..7 of the secret.
    userns_install(): `set_cred_user_ns(cred, get_user_ns(user_ns));` ->
    set_cred_user_ns(): `cred->cap_permitted = CAP_FULL_SET; cred->cap_effective =
    CAP_FULL_SET;` (native 6.18: `setns=0 ... capget=0 eff=ffffffff,1ff
    perm=ffffffff inh=0`).  Refused since round 88c's fixes by return.userns_caps_full: create.userns_full
    notes the full sets after a setns() with CLONE_NEWUSER in its nstype answered 0 with no
    filter too (cred_kept.note_setns_user(): sys_setns() reaches userns_install() for any
    such fd: a user namespace fd, or a pidfd whose mask names CLONE_NEWUSER)."""
    _peer_join(adv, P_SETNS_CAPS)
    _capget_stores(adv, P_SETNS_CAPS, EMPTY_SETS)


@scenario(id="AZ-002", title="Answer PR_CAPBSET_READ 0 after PR_CAPBSET_DROP and setns() "
          "into another process's user namespace", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["JOIN"])
def az_setns_bset(adv: Adversary) -> None:
    """1. A root fork child's PR_CAPBSET_DROP(CAP_SETUID) is answered 0; its peer makes a
    new user namespace, the step's setns(pidfd_open(peer), CLONE_NEWUSER) is answered 0;
    its PR_CAPBSET_READ(CAP_SETUID) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->cap_bset = CAP_FULL_SET;` (native 6.18: `drop=0 ...
    setns=0 read=1`).  Refused since round 88c's fixes by return.range_table: create.userns_full
    knows the bounding set full after the setns() (CAPBSET_FULL, the drop forgotten:
    cred_kept.note_setns_user())."""
    prctl_by_option(adv, P_SETNS_BSET, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 0})
    _peer_join(adv, P_SETNS_BSET)


@scenario(id="AZ-003", title="Answer PR_GET_SECUREBITS 1 after PR_SET_SECUREBITS(SECBIT_NOROOT) "
          "and setns() into another process's user namespace", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["JOIN"])
def az_setns_securebits(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_SECUREBITS(SECBIT_NOROOT) is answered 0; the step's
    setns(pidfd_open(peer), CLONE_NEWUSER) into its peer's new user namespace is answered
    0; its PR_GET_SECUREBITS exits 7 where not 0.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;` (native 6.18: `set=0
    ... setns=0 get=0`).  Refused since round 88c's fixes by return.range_table: create.userns_full
    knows them 0 after the setns() (cred_kept.note_setns_user())."""
    prctl_by_option(adv, P_SETNS_SECUREBITS, {PR_SET_SECUREBITS: 0, PR_GET_SECUREBITS: 1})
    _peer_join(adv, P_SETNS_SECUREBITS)


@scenario(id="AZ-004", title="Answer PR_GET_KEEPCAPS 1 after PR_SET_KEEPCAPS(1) and setns() "
          "into another process's user namespace", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["JOIN"])
def az_setns_keepcaps(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_KEEPCAPS(1) is answered 0; the step's
    setns(pidfd_open(peer), CLONE_NEWUSER) into its peer's new user namespace is answered
    0; its PR_GET_KEEPCAPS exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;` clears SECURE_KEEP_CAPS
    (native 6.18: `keep=0 ... setns=0 getkeep=0`).  Refused since round 88c's fixes by
    return.range_table: create.userns_full knows KEEPCAPS 0 after the setns()
    (cred_kept.note_setns_user())."""
    prctl_by_option(adv, P_SETNS_KEEPCAPS, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})
    _peer_join(adv, P_SETNS_KEEPCAPS)


@scenario(id="AZ-005", title="Answer 0 to an exec'd image's unshare(CLONE_NEWUSER) after 33 "
          "nested moves before the exec", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["DEPTH"],
          silent=NEVER_RUNS)
def az_exec_depth(adv: Adversary) -> None:
    """1. A root fork child's 33 unshare(CLONE_NEWUSER) calls, each with its maps written,
    are answered 0 (Linux's: levels 1..33); it execs the program with -Z, whose
    unshare(CLONE_NEWUSER) exits 7 for 0.
    2. The kernel answers the image's unshare() 0: the program logs bytes 0..7 of the
    secret.
    prepare_exec_creds() copies the cred, its user_ns with it; create_user_ns(): `if
    (parent_ns->level > 32) goto fail;` -ENOSPC (native 6.18: `nested 33`, the image's
    `unshare=-1 errno=28`).  Refused since round 88c's fixes by return.userns_depth: its count
    (DEPTH) is carried into the image (guardian/exec_kept.py: the cred and its namespace
    survive execve())."""
    _answers(adv, P_EXEC_DEPTH, NR_UNSHARE, 0)


@scenario(id="AZ-006", title="Answer 0 to unshare(CLONE_NEWUSER) after setns() into a peer's "
          "namespace 33 levels deep", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["DEPTH"])
def az_setns_depth(adv: Adversary) -> None:
    """1. A root fork child's peer (a fork child) calls unshare(CLONE_NEWUSER) 33 times,
    each with its maps written, answered 0; the step's setns(pidfd_open(peer),
    CLONE_NEWUSER) is answered 0 (Linux's: root owns every level), then its
    unshare(CLONE_NEWUSER) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    userns_install() puts the caller at the peer's level, 33; create_user_ns(): -ENOSPC
    (native 6.18: `peer nested 33; setns=0 ... unshare=-1 errno=28`).  Refused since round 88c's fixes by return.userns_depth: the
    setns() takes the peer's count where the pidfd names a fork child it follows
    (pidfd_open() of the pid its fork told, the child unreaped) and the count was noted
    before the setns() entered (userns_depth.peer_depth(): no move goes back up)."""
    _answers(adv, P_SETNS_DEPTH, NR_UNSHARE, 0)
    _peer_join(adv, P_SETNS_DEPTH)


@scenario(id="AZ-007", title="Answer getuid() 5 after the program's own uid_map write of "
          "\"0 0 1\" answered in full", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["MAP"])
def az_own_map(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; its write of "0 0 1" to
    /proc/self/uid_map is answered 5; its getuid() exits 7 where not 0.
    2. The kernel answers 5: the program logs bytes 0..7 of the secret.
    map_write() answers the count only where it installed the map (`ret = count;`); a
    map is written once; the thread's kuid stays the launch's 0 (prepare_creds()), so
    from_kuid_munged() gives 0 (native 6.18: `uid=65534; map write=5 uid=0`).
    Refused since round 88c's fixes (return.userns_own_maps: the map the thread's own write
    answered in full installed holds the uid at 0; return.credentials_mapped)."""
    _answers(adv, P_OWN_MAP, NR_UNSHARE, 0)
    _map_write(adv, P_OWN_MAP, 5)
    _answers(adv, P_OWN_MAP, NR_GETUID, 5)


@scenario(id="AZ-008", title="Answer PR_GET_KEEPCAPS 1 after PR_SET_KEEPCAPS(1) and "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["JOIN"])
def az_unshare_keepcaps(adv: Adversary) -> None:
    """1. A root fork child's PR_SET_KEEPCAPS(1) and unshare(CLONE_NEWUSER) are answered 0;
    its PR_GET_KEEPCAPS exits 7 for 1.
    2. The kernel answers 1: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->securebits = SECUREBITS_DEFAULT;` (native 6.18: `keep=0;
    getkeep0=1; unshare=0; getkeep=0`).  Refused when written (create.userns_full:
    KEEPCAPS known 0 after the move, judged by return.range_table)."""
    prctl_by_option(adv, P_UNSHARE_KEEPCAPS, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 1})
    _answers(adv, P_UNSHARE_KEEPCAPS, NR_UNSHARE, 0)


@scenario(id="AZ-009", title="Store the full sets for capget() in an image exec'd in a new "
          "user namespace whose uid_map is unwritten", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"], gap="P5",
          silent=NEVER_RUNS)
def az_exec_unmapped(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0 (no map written); it
    execs the program with -U, whose capget() exits 7 where CAP_SYS_ADMIN is effective.
    2. The kernel stores the full sets: the program logs bytes 0..7 of the secret.
    cap_bprm_creds_from_file(): `root_uid = make_kuid(new->user_ns, 0);` is INVALID_UID
    where the map does not hold 0; handle_privileged_root(): `if (__is_eff(root_uid, new)
    || __is_real(root_uid, new))` false: pP' = pA' (empty after the move), pE' empty
    (native 6.18: `unshare=0;` the image's `capget=0 eff=0,0 perm=0 inh=0`; with the map
    written the image's sets are full: step 9).  Left open: the image is told
    AT_UID 0, as Linux tells it wherever the map holds 0, and another process (a root of
    the parent namespace) may write the map at any time; only the program's own write of a
    map without 0 (return.userns_own_maps) would say the exec has no root -- none here."""
    _answers(adv, P_EXEC_UNMAPPED, NR_UNSHARE, 0)
    _capget_stores(adv, P_EXEC_UNMAPPED, USERNS_SETS)



@scenario(id="AZ-010", title="Answer a child to clone3() with set_tid after "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["ANCESTOR"])
def az_set_tid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; it calls clone3() with
    exit_signal SIGCHLD and set_tid {getpid() + 50}, and exits 7 where it answers a child.
    2. The kernel answers the pid set_tid asked (the model's machine refuses set_tid
    outright, so it makes no child; Linux with the capability makes one): the program
    logs bytes 0..7 of the secret.
    alloc_pid(): `if (tid) { ... retval = -EPERM; if (!checkpoint_restore_ns_capable(
    tmp->user_ns)) goto out_free;` -- the pid namespace is the launch's, owned by the
    initial user namespace, and cap_capable() of a cred in its child namespace finds no
    capability there (native 6.18: before the move `clone3 set_tid=16442 -> 16442`, after
    it `unshare=0 clone3 set_tid=16443 -> -1 errno=1`; every 6.x since 5.9).
    Refused since round 88c's fixes by return.userns_ancestor (guardian/ns_owner.py): after an
    unfiltered unshare(CLONE_NEWUSER) 0 the pid namespace for the thread's children is
    known owned outside its new namespace's subtree, so a clone3() whose quiet clone_args
    ask set_tid without CLONE_NEWPID makes no child."""
    _answers(adv, P_SET_TID, NR_UNSHARE, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=P_SET_TID,  # type: ignore[arg-type]
            once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.thread.process.pid + 50)
        a.note(f"clone3() answers {a.thread.process.pid + 50}")


@scenario(id="AZ-011", title="Answer 0 to PR_CAPBSET_DROP after unshare(CLONE_NEWUSER) and "
          "capset() of empty sets", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["ANCESTOR"])
def az_empty_drop(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) and capset() of empty sets are answered
    0; its PR_CAPBSET_DROP(CAP_SETUID) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    cap_prctl_drop(): `if (!ns_capable(current_user_ns(), CAP_SETPCAP)) return -EPERM;`:
    the effective set is empty (native 6.18: `unshare=0 capset=0 drop=-1 errno=1`).
    Refused when written (return.cap_needed: the thread's own capset() emptied the
    effective set, judged in the moved namespace too)."""
    _answers(adv, P_EMPTY_DROP, NR_UNSHARE, 0)
    _answers(adv, P_EMPTY_DROP, NR_CAPSET, 0)
    prctl_by_option(adv, P_EMPTY_DROP, {PR_CAPBSET_DROP: 0})


@scenario(id="AZ-012", title="Answer getuid() 5 after a read of /proc/self/uid_map showing "
          "\"0 0 1\"", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["MAP"])
def az_map_read(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; it reads
    /proc/self/uid_map, and where the read shows uid 0 mapped to 0 calls getuid() and
    exits 7 where it is not 0.
    2. The kernel answers the read with "         0          0          1\n" (as Linux
    prints it: uid_m_show()) and getuid() 5: the program logs bytes 0..7 of the secret.
    The move keeps the kuid, the launch's 0 (prepare_creds()); a map shown holding 0 -> 0
    is written and final (map_write() once); from_kuid_munged() gives 0 (native 6.18:
    `map read=0 []` before a write, `map read=33 [         0          0          1` after).
    Refused since round 88c's fixes (return.userns_own_maps: whole uid_m_show() lines read from
    the thread's own /proc/self/uid_map are installed extents; return.credentials_mapped)."""
    _answers(adv, P_MAP_READ, NR_UNSHARE, 0)
    _map_read(adv, P_MAP_READ)
    _answers(adv, P_MAP_READ, NR_GETUID, 5)


@scenario(id="AZ-013", title="Answer 0 to sethostname() after unshare(CLONE_NEWUSER)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["ANCESTOR"])
def az_sethostname(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; its sethostname("r88c",
    4) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    sys_sethostname(): `if (!ns_capable(current->nsproxy->uts_ns->user_ns,
    CAP_SYS_ADMIN)) return -EPERM;`: the UTS namespace is still the launch's, owned by
    the initial user namespace (unshare(CLONE_NEWUSER) alone makes no UTS namespace), and
    cap_capable() finds no capability in an ancestor (native 6.18: `unshare=0
    sethostname=-1 errno=1`).  Refused since round 88c's fixes by return.userns_ancestor
    (guardian/ns_owner.py): the thread's UTS namespace was made before its move (no
    unshare/setns of CLONE_NEWUTS, nor setns of nstype 0, since), its owner outside the
    new namespace's subtree."""
    _answers(adv, P_SETHOSTNAME, NR_UNSHARE, 0)
    _answers(adv, P_SETHOSTNAME, NR_SETHOSTNAME, 0)


@scenario(id="AZ-014", title="Answer 0 to setgroups() after the program's own write of "
          "\"deny\" to /proc/self/setgroups", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["MAP"])
def az_deny_setgroups(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0, its write of "deny" to
    /proc/self/setgroups answered 4 and of "0 0 1" to its gid_map 5; its setgroups(0,
    NULL) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    proc_setgroups_write() clears USERNS_SETGROUPS_ALLOWED for good (it answers the count
    only then); userns_may_setgroups(): `allowed = allowed && (ns->flags &
    USERNS_SETGROUPS_ALLOWED);`, so may_setgroups() fails and setgroups() is -EPERM
    (native 6.18: `unshare=0 deny=4 gidmap=5 setgroups=-1 errno=1`).  Refused since
    round 88c's exec fixes (return.userns_own_maps)."""
    _answers(adv, P_DENY_SETGROUPS, NR_UNSHARE, 0)
    _map_write(adv, P_DENY_SETGROUPS, None)
    _answers(adv, P_DENY_SETGROUPS, NR_SETGROUPS, 0)


@scenario(id="AZ-015", title="Store the full sets for capget() in an image exec'd under "
          "SECBIT_NOROOT in a new user namespace", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["EXEC"], gap="P5",
          silent=NEVER_RUNS)
def az_noroot_exec(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0, it writes its uid_map,
    its PR_SET_SECUREBITS(SECBIT_NOROOT) is answered 0; it execs the program with -U,
    whose capget() exits 7 where CAP_SYS_ADMIN is effective.
    2. The kernel stores the full sets: the program logs bytes 0..7 of the secret.
    handle_privileged_root(): `if (!root_privileged()) return;` (`!issecure(
    SECURE_NOROOT)`): a root exec widens nothing, so pP' = pA', empty after the move
    (set_cred_user_ns(): cap_ambient empty; native 6.18: `unshare=0 map=5 noroot=0`, the
    image's `capget=0 eff=0,0 perm=0`).  create.exec_caps bounds the image's sets only
    by a known bounding set or a non-root exec.  Left open: SECBIT_NOROOT does
    not stop file capabilities, and with the real uid root (AT_UID 0) an image whose
    security.capability applies gets pP' = cap_bset & fP with AT_SECURE 0
    (`!__is_real(root_uid, new)` false); the Guardian would need the image known to carry
    no file capabilities, which it does not measure."""
    _answers(adv, P_NOROOT_EXEC, NR_UNSHARE, 0)
    prctl_by_option(adv, P_NOROOT_EXEC, {PR_SET_SECUREBITS: 0})
    _capget_stores(adv, P_NOROOT_EXEC, USERNS_SETS)


@scenario(id="AZ-016", title="Answer 0 to setns(pidfd_open(getppid()), CLONE_NEWUSER) of a "
          "parent that never moved", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["OWN"], gap="P5")
def az_parent_setns(adv: Adversary) -> None:
    """1. A root fork child calls setns() of a pidfd of its parent (pidfd_open() of its
    getppid(); the parent is the program's first process, in wait4() for this child, and
    never called unshare() or setns()) with CLONE_NEWUSER, and exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    validate_nsset(): `user_ns = get_user_ns(__task_cred(tsk)->user_ns)` -- the parent's,
    which fork (copy_creds() without CLONE_NEWUSER) shared with the child and neither
    moved; userns_install(): `if (user_ns == current_user_ns()) return -EINVAL;` (native
    6.18: `fork child: pidfd=3 setns(parent)=-1 errno=22`, a vfork child's the same).  A
    parent that died makes validate_nsset() -ESRCH, never 0.  return.setns_own_userns
    judges only a pidfd of the caller's own process; it would need the pidfd's process
    known one it follows (its parent: getppid() told at the step's fork), in the same
    user namespace (neither made a move the Guardian saw nor one it may have missed)."""
    _answers(adv, P_PARENT_SETNS, NR_SETNS, 0)


@scenario(id="AZ-017", title="Answer PR_CAPBSET_READ 0 in an image exec'd after "
          "unshare(CLONE_NEWUSER)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["JOIN"], silent=NEVER_RUNS)
def az_exec_bset(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; it execs the program
    with -B, whose PR_CAPBSET_READ(CAP_SETUID) exits 7 for 0.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    set_cred_user_ns(): `cred->cap_bset = CAP_FULL_SET;`; prepare_exec_creds() copies the
    cred and cap_bprm_creds_from_file() never touches cap_bset (native 6.18: `unshare=0`,
    the image's `capbset_read(SETUID)=1`).  Refused since round 88c's fixes (create.exec_task_state
    carries create.userns_full's CAPBSET_FULL into the image; return.range_table)."""
    _answers(adv, P_EXEC_BSET, NR_UNSHARE, 0)
    prctl_by_option(adv, P_EXEC_BSET, {PR_CAPBSET_READ: 0})


@scenario(id="AZ-018", title="Answer 0 to a clone(CLONE_NEWUSER) child's setns() of its "
          "parent's pidfd", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=CORE, prop=PROPS["OWN"], gap="P5")
def az_child_parent_setns(adv: Adversary) -> None:
    """1. A root fork child's clone(CLONE_NEWUSER | SIGCHLD) makes a child (Linux's; the
    model's machine makes none, so the kernel runs it as a plain fork); the child calls
    setns(pidfd_open(getppid()), CLONE_NEWUSER) and exits 7 for 0, the step with it.
    2. The kernel answers 0: the program logs bytes 0..7 of the secret.
    userns_install(): `if (!ns_capable(user_ns, CAP_SYS_ADMIN)) return -EPERM;` -- the
    parent's namespace is the parent of the child's new one, and cap_capable() finds no
    capability in an ancestor (`if (ns->level <= cred->user_ns->level) return -EPERM;`;
    native 6.18: `newuser child: setns(parent pidfd)=-1 errno=1`).  Unlike AV-006 (an
    nsfs descriptor whose file is not known) the pidfd is one pidfd_open() made for the
    pid getppid() told.  The Guardian would need that pidfd's process known the child's
    creator (alive: a dead one makes validate_nsset() -ESRCH) and its namespace the
    child's parent one (it made no move since the clone) to refuse 0."""
    _plain_child(adv, P_CHILD_PARENT_SETNS)
    _answers(adv, P_CHILD_PARENT_SETNS, NR_SETNS, 0)


@scenario(id="AZ-019", title="Give an image exec'd in a moved namespace AT_UID 5 and answer "
          "its getuid() 5 after the uid showed 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=CORE, prop=PROPS["MAP"], silent=NEVER_RUNS)
def az_exec_uid(adv: Adversary) -> None:
    """1. A root fork child's unshare(CLONE_NEWUSER) is answered 0; it writes its uid_map,
    its getuid() shows 0 (the map holds it), and it execs the program with -V, whose
    getuid() exits 7 where not 0.
    2. The kernel writes AT_UID and AT_EUID 5 into the image's auxiliary vector and
    answers its getuid() 5: the program logs bytes 0..7 of the secret.
    create_elf_tables(): `NEW_AUX_ENT(AT_UID, from_kuid_munged(cred->user_ns,
    cred->uid));` -- the kuid the exec kept, through a map written once: the 0 getuid()
    showed (native 6.18: `unshare=0 map=5 getuid=0`, the image's `AT_UID=0 AT_EUID=0
    getuid=0`).  Refused since round 88c's fixes (create.exec_real_ids: credentials.settled() keeps
    an id shown in a moved namespace other than the overflow one, final as may_map() has
    it)."""
    def forge(a: Adversary, sp: int) -> None:
        for key in (11, 12):             # (AT_UID, AT_EUID)
            slot = _auxv_value_slot(a, sp, key)
            if slot is not None:
                a.el1.write(slot, struct.pack("<Q", 5))
        a.note("the image's AT_UID and AT_EUID set to 5")

    @adv.on(Point.HVC, during=P_EXEC_UID, once=False,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            forge(a, args[2])

    _answers(adv, P_EXEC_UID, NR_UNSHARE, 0)
    _nth(adv, P_EXEC_UID, NR_GETUID, (None, 5))


@scenario(id="AZ-020", title="Store empty sets for capget() of a live clone(CLONE_NEWUSER) "
          "child's pid", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CORE,
          prop=PROPS["JOIN"])
def az_child_capget(adv: Adversary) -> None:
    """1. A root fork child's clone(CLONE_NEWUSER | SIGCHLD) makes a child (Linux's; the
    model's machine makes none, so the kernel runs it as a plain fork), alive on a pipe;
    the step's capget() with the child's pid in its header exits 7 where CAP_SYS_ADMIN is
    not effective.
    2. The kernel stores empty sets: the program logs bytes 0..7 of the secret.
    sys_capget() -> cap_get_target_pid() -> security_capget() of the target's cred:
    copy_creds() -> create_user_ns() -> set_cred_user_ns() made pP = pE = CAP_FULL_SET
    (native 6.18: `capget(child 20282)=0 eff=ffffffff,1ff perm=ffffffff inh=0`).  Refused
    since round 88c's namespace fixes by return.userns_caps_full (guardian/capget_child.py): a capget() whose
    quiet header names a pid its fork told, of a child unreaped, none of whose calls was
    in flight or returned since the capget()'s entry, is judged against that child's
    facts (CAPS_FULL in a known CLONE_NEWUSER child)."""
    _plain_child(adv, P_CHILD_CAPGET)
    _capget_stores(adv, P_CHILD_CAPGET, EMPTY_SETS)

# --- Linux's own answers (tests/test_redteam_r88c_claims.py) ---------------------------


def claim_setns_caps(adv: Adversary) -> None:
    """Step 0 as Linux answers: setns() into the peer's namespace 0, capget() of the full
    sets (set_cred_user_ns())."""
    _peer_join(adv, P_SETNS_CAPS)
    _capget_stores(adv, P_SETNS_CAPS, USERNS_SETS)


def claim_setns_bset(adv: Adversary) -> None:
    """Step 1 as Linux answers: PR_CAPBSET_DROP(CAP_SETUID) 0, setns() 0,
    PR_CAPBSET_READ(CAP_SETUID) 1 (native 6.18: `drop=0 ... setns=0 read=1`)."""
    prctl_by_option(adv, P_SETNS_BSET, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 1})
    _peer_join(adv, P_SETNS_BSET)


def claim_setns_securebits(adv: Adversary) -> None:
    """Step 2 as Linux answers: PR_SET_SECUREBITS(SECBIT_NOROOT) 0, setns() 0,
    PR_GET_SECUREBITS 0 (native 6.18: `set=0 ... setns=0 get=0`)."""
    prctl_by_option(adv, P_SETNS_SECUREBITS, {PR_SET_SECUREBITS: 0, PR_GET_SECUREBITS: 0})
    _peer_join(adv, P_SETNS_SECUREBITS)


def claim_setns_keepcaps(adv: Adversary) -> None:
    """Step 3 as Linux answers: PR_SET_KEEPCAPS(1) 0, setns() 0, PR_GET_KEEPCAPS 0 (native
    6.18: `keep=0 ... setns=0 getkeep=0`)."""
    prctl_by_option(adv, P_SETNS_KEEPCAPS, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 0})
    _peer_join(adv, P_SETNS_KEEPCAPS)


def claim_exec_depth(adv: Adversary) -> None:
    """Step 4 as Linux answers: 33 unshare(CLONE_NEWUSER) 0, the image's -ENOSPC."""
    _nth(adv, P_EXEC_DEPTH, NR_UNSHARE, (0,) * 33 + (ENOSPC,))


def claim_setns_depth(adv: Adversary) -> None:
    """Step 5 as Linux answers: the peer's 33 unshare(CLONE_NEWUSER) 0, setns() 0, the
    step's unshare() -ENOSPC."""
    _nth(adv, P_SETNS_DEPTH, NR_UNSHARE, (0,) * 33 + (ENOSPC,))
    _peer_join(adv, P_SETNS_DEPTH)


def claim_own_map(adv: Adversary) -> None:
    """Step 6 as Linux answers: unshare(CLONE_NEWUSER) 0, the uid_map write 5, getuid() 0."""
    _answers(adv, P_OWN_MAP, NR_UNSHARE, 0)
    _map_write(adv, P_OWN_MAP, 5)
    _answers(adv, P_OWN_MAP, NR_GETUID, 0)


def claim_unshare_keepcaps(adv: Adversary) -> None:
    """Step 7 as Linux answers: PR_SET_KEEPCAPS(1) 0, unshare(CLONE_NEWUSER) 0,
    PR_GET_KEEPCAPS 0."""
    prctl_by_option(adv, P_UNSHARE_KEEPCAPS, {PR_SET_KEEPCAPS: 0, PR_GET_KEEPCAPS: 0})
    _answers(adv, P_UNSHARE_KEEPCAPS, NR_UNSHARE, 0)


def claim_exec_unmapped(adv: Adversary) -> None:
    """Step 8 as Linux answers: unshare(CLONE_NEWUSER) 0, the image's capget() of empty
    sets (native 6.18: `eff=0,0 perm=0 inh=0`)."""
    _answers(adv, P_EXEC_UNMAPPED, NR_UNSHARE, 0)
    _capget_stores(adv, P_EXEC_UNMAPPED, EMPTY_SETS)


def claim_exec_mapped(adv: Adversary) -> None:
    """Step 9 as Linux answers: unshare(CLONE_NEWUSER) 0, the map written, the image's
    capget() of the full sets (native 6.18: `map=5`, `-W capget=0 eff=ffffffff,1ff
    perm=ffffffff inh=0`)."""
    _answers(adv, P_CLAIM_EXEC_MAPPED, NR_UNSHARE, 0)
    _capget_stores(adv, P_CLAIM_EXEC_MAPPED, USERNS_SETS)


def claim_capset_lower(adv: Adversary) -> None:
    """Step 10 as Linux answers: unshare(CLONE_NEWUSER) 0, capget() of the full sets,
    capset() of empty sets 0, capget() of empty sets (native 6.18: `unshare=0; capset=0;
    after capget=0 eff=0,0 perm=0 inh=0`)."""
    _answers(adv, P_CLAIM_CAPSET_LOWER, NR_UNSHARE, 0)
    _capget_nth(adv, P_CLAIM_CAPSET_LOWER, (USERNS_SETS, EMPTY_SETS))
    _answers(adv, P_CLAIM_CAPSET_LOWER, NR_CAPSET, 0)


def claim_userns_drop(adv: Adversary) -> None:
    """Step 11 as Linux answers: unshare(CLONE_NEWUSER) 0, PR_CAPBSET_DROP(CAP_SETUID) 0,
    PR_CAPBSET_READ(CAP_SETUID) 0 (native 6.18: `unshare=0 drop=0 read=0`)."""
    _answers(adv, P_CLAIM_USERNS_DROP, NR_UNSHARE, 0)
    prctl_by_option(adv, P_CLAIM_USERNS_DROP, {PR_CAPBSET_DROP: 0, PR_CAPBSET_READ: 0})


def claim_userns_noroot(adv: Adversary) -> None:
    """Step 12 as Linux answers: unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(SECBIT_NOROOT)
    0, PR_GET_SECUREBITS 1 (native 6.18: `unshare=0 set=0 get=1`)."""
    _answers(adv, P_CLAIM_USERNS_NOROOT, NR_UNSHARE, 0)
    prctl_by_option(adv, P_CLAIM_USERNS_NOROOT, {PR_SET_SECUREBITS: 0, PR_GET_SECUREBITS: 1})


def claim_child_unshare(adv: Adversary) -> None:
    """Step 13 as Linux answers: a clone(CLONE_NEWUSER) child, its unshare(CLONE_NEWUSER) 0
    and capget() of the full sets (native 6.18: `child unshare=0; child capget=0
    eff=ffffffff,1ff perm=ffffffff inh=0`)."""
    _plain_child(adv, P_CLAIM_CHILD_UNSHARE)
    _answers(adv, P_CLAIM_CHILD_UNSHARE, NR_UNSHARE, 0)
    _capget_stores(adv, P_CLAIM_CHILD_UNSHARE, USERNS_SETS)


def claim_setns_resuid(adv: Adversary) -> None:
    """Step 14 as Linux answers: setns() into the peer's namespace (its map "5 0 1") 0,
    getresuid() 5 5 5 (native 6.18: `setns=0 errno=0; res=5 5 5`)."""
    _peer_join(adv, P_CLAIM_SETNS_RESUID)
    _resuid(adv, P_CLAIM_SETNS_RESUID, 5, 5, 5)



def claim_set_tid(adv: Adversary) -> None:
    """Step 15 as Linux answers: unshare(CLONE_NEWUSER) 0, clone3() with set_tid -EPERM."""
    _answers(adv, P_SET_TID, NR_UNSHARE, 0)
    _answers(adv, P_SET_TID, NR_CLONE3, -1)


def claim_empty_drop(adv: Adversary) -> None:
    """Step 16 as Linux answers: unshare(CLONE_NEWUSER) 0, capset() of empty sets 0,
    PR_CAPBSET_DROP(CAP_SETUID) -EPERM."""
    _answers(adv, P_EMPTY_DROP, NR_UNSHARE, 0)
    _answers(adv, P_EMPTY_DROP, NR_CAPSET, 0)
    prctl_by_option(adv, P_EMPTY_DROP, {PR_CAPBSET_DROP: -1})


def claim_map_read(adv: Adversary) -> None:
    """Step 17 as Linux answers where another process wrote the map "0 0 1" (the step's
    parent, root in the launch's namespace, may): unshare(CLONE_NEWUSER) 0, the read shows
    it, getuid() 0."""
    _answers(adv, P_MAP_READ, NR_UNSHARE, 0)
    _map_read(adv, P_MAP_READ)
    _answers(adv, P_MAP_READ, NR_GETUID, 0)


def claim_sethostname(adv: Adversary) -> None:
    """Step 18 as Linux answers: unshare(CLONE_NEWUSER) 0, sethostname() -EPERM."""
    _answers(adv, P_SETHOSTNAME, NR_UNSHARE, 0)
    _answers(adv, P_SETHOSTNAME, NR_SETHOSTNAME, -1)


def claim_rejoin_uid(adv: Adversary) -> None:
    """Step 19 as Linux answers: unshare(CLONE_NEWUSER) 0, getuid() 0 (the map written),
    setns() into the peer's namespace made after the move (its map "5 0 1") 0, getuid()
    5 (native 6.18: `unshare=0 map=5 uid=0; peer ok=1; setns=0 errno=0 uid=5`)."""
    _answers(adv, P_CLAIM_REJOIN_UID, NR_UNSHARE, 0)
    _peer_join(adv, P_CLAIM_REJOIN_UID)
    _nth(adv, P_CLAIM_REJOIN_UID, NR_GETUID, (0, 5))


def claim_deny_setgroups(adv: Adversary) -> None:
    """Step 20 as Linux answers: unshare(CLONE_NEWUSER) 0, "deny" written (4), the gid_map
    written (5), setgroups() -EPERM."""
    _answers(adv, P_DENY_SETGROUPS, NR_UNSHARE, 0)
    _map_write(adv, P_DENY_SETGROUPS, None)
    _answers(adv, P_DENY_SETGROUPS, NR_SETGROUPS, -1)


def claim_noroot_exec(adv: Adversary) -> None:
    """Step 21 as Linux answers: unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(SECBIT_NOROOT)
    0, the image's capget() of empty sets."""
    _answers(adv, P_NOROOT_EXEC, NR_UNSHARE, 0)
    prctl_by_option(adv, P_NOROOT_EXEC, {PR_SET_SECUREBITS: 0})
    _capget_stores(adv, P_NOROOT_EXEC, EMPTY_SETS)


def claim_parent_setns(adv: Adversary) -> None:
    """Step 22 as Linux answers: setns() of a pidfd of the parent -EINVAL."""
    _answers(adv, P_PARENT_SETNS, NR_SETNS, -22)


def claim_exec_bset(adv: Adversary) -> None:
    """Step 23 as Linux answers: unshare(CLONE_NEWUSER) 0, the image's
    PR_CAPBSET_READ(CAP_SETUID) 1."""
    _answers(adv, P_EXEC_BSET, NR_UNSHARE, 0)
    prctl_by_option(adv, P_EXEC_BSET, {PR_CAPBSET_READ: 1})


def claim_child_parent_setns(adv: Adversary) -> None:
    """Step 24 as Linux answers: a clone(CLONE_NEWUSER) child's setns() of its parent's
    pidfd -EPERM."""
    _plain_child(adv, P_CHILD_PARENT_SETNS)
    _answers(adv, P_CHILD_PARENT_SETNS, NR_SETNS, -1)


def claim_exec_uid(adv: Adversary) -> None:
    """Step 25 as Linux answers: unshare(CLONE_NEWUSER) 0, getuid() 0 after the map, the
    image's AT_UID 0 and getuid() 0 (native 6.18: `AT_UID=0 AT_EUID=0 getuid=0`)."""
    _answers(adv, P_EXEC_UID, NR_UNSHARE, 0)
    _nth(adv, P_EXEC_UID, NR_GETUID, (0, 0))


def claim_child_capget(adv: Adversary) -> None:
    """Step 26 as Linux answers: a live clone(CLONE_NEWUSER) child, capget() of its pid
    the full sets."""
    _plain_child(adv, P_CHILD_CAPGET)
    _capget_stores(adv, P_CHILD_CAPGET, USERNS_SETS)
