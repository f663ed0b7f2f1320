"""What the user's launch starts the program with that no call of its own shows: the
fs.suid_dumpable sysctl, the first thread's no_new_privs and securebits
(`return.suid_dumpable`, `return.launch_no_new_privs`; the securebits for
`return.securebits_locked` and `return.securebits_setpcap`).

The threat model fixes the launch as the README says: a default configuration, so
fs.suid_dumpable is 0 (fs/coredump.c: `int suid_dumpable = 0;`), no launcher set
no_new_privs before the first exec, the first thread's securebits are
SECUREBITS_DEFAULT, 0 (init_cred; no launcher's `capsh --secbits`), and its inheritable
set is empty (init_cred's CAP_EMPTY_SET, kept by every exec; no launcher's `capsh --inh`:
`create.launch_inheritable`).  A user whose launch
differs states it (`blindfold run --launch-suid-dumpable N`, `--launch-no-new-privs`,
`--launch-securebits N`, `--launch-inheritable N`: Confidential.state_launch_suid_dumpable(),
state_launch_no_new_privs(), state_launch_securebits(), state_launch_inheritable()).

- commit_creds(): `if (!uid_eq(old->euid, new->euid) || !gid_eq(old->egid, new->egid)
  || ...) { if (task->mm) set_dumpable(task->mm, suid_dumpable); ...}`: a set*id call
  the Guardian knows changed the effective uid or gid leaves the address space's dumpable
  mode at suid_dumpable, where no other call that may change the mm's flags (a prctl,
  another set*id) overlapped it (prctl_state.mm_flags_settled()) and the thread is in the
  user namespace it started in (in one it made, a uid_map another process writes may
  make the ids the Guardian knew stale: map_write()); PR_GET_DUMPABLE
  (get_dumpable()) then answers it until a PR_SET_DUMPABLE, a fork (carried: dup_mm()) or
  an exec.
- begin_new_exec() (every 6.x): `if (bprm->interp_flags & BINPRM_FLAGS_ENFORCE_NONDUMP
  || !(uid_eq(current_euid(), current_uid()) && gid_eq(current_egid(), current_gid())))
  set_dumpable(current->mm, suid_dumpable); else set_dumpable(current->mm,
  SUID_DUMP_USER);`, with the image's committed cred (`return.exec_dumpable`).  The image's
  AT_UID/AT_EUID and AT_GID/AT_EGID (create_elf_tables(): from_kuid_munged() of that
  cred; equal ids map equal, so unequal entries mean unequal ids, whatever set-id bits
  the file had) unequal: the new mm's mode is suid_dumpable.  Equal: SUID_DUMP_USER, or
  suid_dumpable where would_dump() found the file unreadable (ENFORCE_NONDUMP), which the
  Guardian does not know: not judged.  The new mm is the image's alone until it clones.
- commit_creds()'s fs-id clause (`!uid_eq(old->fsuid, new->fsuid) || !gid_eq(old->fsgid,
  new->fsgid)`): a setfsuid()/setfsgid() answered with the known old fs id whose id is
  the thread's known real, effective or saved one, and not the old fs id, surely changed
  it (__sys_setfsuid(): those need no capability; security_task_fix_setuid() with
  LSM_SETID_FS only adjusts the capability sets): the mode is suid_dumpable too.  Another
  id needs CAP_SETUID/CAP_SETGID, which the Guardian does not know the thread holds (it
  follows only an upper bound on the effective set): not judged.
- PFA_NO_NEW_PRIVS is set only by the task's own prctl(PR_SET_NO_NEW_PRIVS)
  (task_set_no_new_privs()), copied to a new task (copy_process()), kept by execve(),
  and put on the other threads by seccomp_sync_threads() (a TSYNC filter: the thread is
  then filtered, and nothing is judged).  The launch's first thread starts with the
  launcher's bit, 0 by default: a thread descending from it with the bit known clear
  never answers PR_GET_NO_NEW_PRIVS 1, nor shows "NoNewPrivs:\t1" in its status
  (task_seccomp()), where no seccomp filter or dispatch may answer for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from abi.value_ranges import DUMPABLE, NO_NEW_PRIVS, PR_SET_NO_NEW_PRIVS, SECUREBITS
from guardian import checks
from guardian.capset_sets import CAP_INHERITABLE
from guardian.checks import refuse
from guardian.raised_signals import filters_every_thread

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry
    from guardian.raised_signals import RaisedSignals
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

#: (of a space) the dumpable mode is the one commit_creds() or begin_new_exec() set from
#: fs.suid_dumpable: the check that judges it (`return.suid_dumpable`,
#: `return.exec_dumpable`)
FROM_SYSCTL = "dumpable_from_sysctl"
AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14
_ID_PAIRS = ((AT_UID, AT_EUID), (AT_GID, AT_EGID))
#: setfsuid, setfsgid: the thread's ids the fs id may move to without a capability
_FS_PEERS = {NUMBERS["setfsuid"]: ("fsuid", ("ruid", "euid", "suid")),
             NUMBERS["setfsgid"]: ("fsgid", ("rgid", "egid", "sgid"))}
SUID_DUMPABLE_VALUES = (0, 1, 2)        # SUID_DUMP_DISABLE, _USER, _ROOT
_NR_PRCTL = NUMBERS["prctl"]


class LaunchFacts:
    """The launch as the user stated it (class defaults: the README's launch)."""

    #: fs.suid_dumpable for the run (proc_dointvec_minmax: 0..2)
    suid_dumpable: int = 0
    #: the launcher set no_new_privs before the first exec (systemd's NoNewPrivileges=,
    #: `setpriv --no-new-privs`)
    no_new_privs: bool = False
    #: descriptors the launch passes past 0..2 (a shell's `900</dev/null`, systemd's
    #: LISTEN_FDS: `--launch-fds`); every other number starts free (launch_fds.py)
    fds: frozenset[int] = frozenset()
    #: the launcher's securebits at its exec of the program (`capsh --secbits`:
    #: `--launch-securebits`; 0 by default, SECUREBITS_DEFAULT)
    securebits: int = 0
    #: the launcher's inheritable set at its exec of the program (`capsh --inh=...`:
    #: `--launch-inheritable`; empty by default: init_cred's CAP_EMPTY_SET, which every
    #: exec keeps, cap_bprm_creds_from_file() `pI' = pI`)
    inheritable: int = 0
    #: an LSM's exec transitions may make an exec secure with unchanged ids (an SELinux
    #: domain transition without `process noatsecure`, AppArmor's or Smack's:
    #: `--launch-secure-exec`); by default none runs (the README's launch takes no LSM),
    #: so only cap_bprm_creds_from_file() sets AT_SECURE
    secure_exec: bool = False


#: securebits a 6.x kernel knows (SECURE_ALL_BITS | SECURE_ALL_LOCKS, 6.14's exec bits)
SECUREBITS_VALID = 0xFFF
_KEEP_CAPS = 1 << 4                     # (SECURE_KEEP_CAPS)


def parse_securebits(text: str) -> int:
    """`--launch-securebits N` (decimal or 0x hex, as `capsh --secbits` takes it)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not 0 <= value <= SECUREBITS_VALID:
        raise ValueError(f"securebits are 0..{SECUREBITS_VALID:#x}, not {text}")
    return value


def start(launch: LaunchFacts, stated: StatedFacts, root: int, thread: int) -> None:
    """The user's launch's first thread holds the launcher's no_new_privs, securebits
    (but SECURE_KEEP_CAPS, which the launcher's exec cleared: cap_bprm_creds_from_file())
    and inheritable set (`pI' = pI`)."""
    facts = stated.threads.setdefault((root, thread), {})
    if checks.enabled("return.launch_no_new_privs"):
        facts[NO_NEW_PRIVS] = int(launch.no_new_privs)
    facts[SECUREBITS] = launch.securebits & ~_KEEP_CAPS
    if checks.enabled("create.launch_inheritable"):
        # (an upper bound the thread's own capset()/capget() narrow: capset_sets.py; a
        # root exec's pP' is then within bset | pI: create.exec_caps)
        facts[CAP_INHERITABLE] = launch.inheritable


def note_cred_commit(launch: LaunchFacts, stated: StatedFacts, slot: Slot, settled: bool) -> None:
    """A set*id call answered 0 that changed the thread's known effective id:
    commit_creds() set the dumpable mode to suid_dumpable (`settled`: nothing else that
    may change the mm's flags overlapped it)."""
    if settled and checks.enabled("return.suid_dumpable"):
        space = stated.of_space(slot)
        space[DUMPABLE] = launch.suid_dumpable
        space[FROM_SYSCTL] = "return.suid_dumpable"


def fs_id_changed(slot: Slot, ret: int, known: dict[str, object] | None) -> bool:
    """setfsuid()/setfsgid() answered `ret` (the old fs id); `known`: the thread's ids
    before it.  True where __sys_setfsuid() surely committed a new fs id: the old one was
    known and answered, and the id asked is another the thread holds as its real,
    effective or saved id (allowed without CAP_SETUID; a valid id: not -1)."""
    peers = _FS_PEERS.get(slot.nr)
    if peers is None or known is None:
        return False
    name, others = peers
    asked, old = slot.args[0] & 0xFFFF_FFFF, known.get(name)
    return isinstance(old, int) and ret == old and asked not in (old, 0xFFFF_FFFF) and \
        any(known.get(o) == asked for o in others)


def note_exec(launch: LaunchFacts, stated: StatedFacts, root: int,
              auxv: dict[int, int]) -> None:
    """A confidential image starts in `root` (a new mm, no other task on it yet):
    begin_new_exec() set its dumpable mode to suid_dumpable where its ids differ."""
    if not checks.enabled("return.exec_dumpable"):
        return
    if any(a in auxv and e in auxv and auxv[a] & 0xFFFF_FFFF != auxv[e] & 0xFFFF_FFFF
           for a, e in _ID_PAIRS):
        space = stated.threads.setdefault((root, -1), {})
        space[DUMPABLE] = launch.suid_dumpable
        space[FROM_SYSCTL] = "return.exec_dumpable"


def check_dumpable(launch: LaunchFacts, stated: StatedFacts, slot: Slot, ret: int) -> bool:
    """PR_GET_DUMPABLE (not filtered, no other thread's call racing): judged here where
    the mode is commit_creds()'s; True where this rule judged it."""
    space = stated.of_space(slot)
    if not space.get(FROM_SYSCTL) or DUMPABLE not in space:
        return False
    if ret != space[DUMPABLE]:
        rule = space[FROM_SYSCTL]
        how = "the image started with its effective ids not its real ones and " \
            "begin_new_exec()" if rule == "return.exec_dumpable" else \
            "a set*id call changed the thread's effective or fs id and commit_creds()"
        refuse(rule if isinstance(rule, str) else "return.suid_dumpable", Status.ERR_DENIED,
               f"prctl(PR_GET_DUMPABLE) answers {ret}, but {how} set the dumpable mode to "
               f"fs.suid_dumpable, {space[DUMPABLE]} for this launch (0 by default; "
               "state another with --launch-suid-dumpable)")
    return True


def check_no_new_privs(slot: Slot, ret: int) -> None:
    """PR_GET_NO_NEW_PRIVS of a thread whose bit is known clear, no filter answering."""
    if ret != 0:
        refuse("return.launch_no_new_privs", Status.ERR_DENIED,
               f"prctl(PR_GET_NO_NEW_PRIVS) answers {ret}, but the thread never set "
               "no_new_privs, nor did its creators or the launch (task_no_new_privs(): "
               "only the task's own PR_SET_NO_NEW_PRIVS sets it; state a launch that sets "
               "it with --launch-no-new-privs)")


def check_status_read(reg: Registry, raised: RaisedSignals, slot: Slot, target: int,
                      got: bytes) -> None:
    """A /proc status read (`slot`) of thread `target`, whose bit is known clear: judged
    where no filter or dispatch may answer the read or have put the bit on `target`,
    and no call that may set it is in flight (`_setter_in_flight`)."""
    r = raised.spaces.get(slot.root)
    group = reg.group_of
    if r is None or r.holds(target, group(slot.root, target)) or \
            r.holds(slot.thread, group(slot.root, slot.thread)) or \
            _setter_in_flight(reg, slot, target):
        return
    check_status_line(slot, got)


def _setter_in_flight(reg: Registry, slot: Slot, target: int) -> bool:
    """Is a call in flight that may set `target`'s bit before task_seccomp() prints it:
    its own prctl(PR_SET_NO_NEW_PRIVS) (task_set_no_new_privs() runs before the return
    the Guardian notes it at), or a TSYNC filter call of the program
    (seccomp_sync_threads() sets the bit on every thread of the caller's group; the
    filter is noted only at its return)?"""
    return any(o is not slot and o.domain == slot.domain and (
        filters_every_thread(o.nr, o.args) or (
            o.root == slot.root and o.thread == target and o.nr == _NR_PRCTL
            and o.args[0] & 0xFFFF_FFFF == PR_SET_NO_NEW_PRIVS))
        for o in reg.slots.values())


def check_status_line(slot: Slot, got: bytes) -> None:
    """A /proc status read of a thread whose bit is known clear, no filter on it."""
    for line in got.split(b"\n")[:-1]:
        if line.startswith(b"NoNewPrivs:\t") and line != b"NoNewPrivs:\t0":
            refuse("return.launch_no_new_privs", Status.ERR_DENIED,
                   "a read of /proc/self/status answers a NoNewPrivs line other than 0, but "
                   "the thread it names never set no_new_privs, nor did its creators or "
                   "the launch (task_seccomp() prints task_no_new_privs())")
