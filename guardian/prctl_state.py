"""prctl state the Guardian follows where it saw every change (`return.range_table`, the
`Sets`/`Keeps` terms of abi/value_ranges.py's PRCTL rows):

- a process's MDWE bits (MMF_HAS_MDWE, MMF_HAS_MDWE_NO_INHERIT in mm->flags, a fact of
  the address space): prctl_set_mdwe() answers 0 only where the bits it asks are the
  ones the mm then holds (it never clears them: -EPERM), and prctl_get_mdwe() reports
  them.  A fork child's mm starts with its parent's unless PR_MDWE_NO_INHERIT was set
  (dup_mm() -> mm_init() -> mmf_init_flags() clears both bits then).  The launcher's
  MDWE is not known at the first exec: nothing is judged before a set the Guardian saw.
  Under MMF_HAS_MDWE no mmap(), mprotect() or pkey_mprotect() succeeds with PROT_WRITE
  and PROT_EXEC (map_deny_write_exec(): VM_WRITE and VM_EXEC together: -EACCES).
- a process's MMF_DISABLE_THP (guardian/stated_facts.py) is carried into a fork child's
  mm (MMF_INIT_MASK holds MMF_DISABLE_THP_MASK: mmf_init_flags()).
- a process's is_child_subreaper (signal_struct, shared by its threads) is what the last
  PR_SET_CHILD_SUBREAPER of one of them set (!!arg2): followed for the thread that set
  it, until another thread of the space sets it; a fork child's starts at 0
  (copy_signal()) but is not followed, nor is it after an exec.
- a process's dumpable mode (MMF_DUMPABLE in mm->flags, shared by the threads of the
  address space) is what its last PR_SET_DUMPABLE set (set_dumpable()), copied into a
  fork child's mm (MMF_INIT_MASK holds MMF_DUMPABLE_MASK), until a call that may change
  a thread's credentials there (commit_creds() sets suid_dumpable, a value the Guardian
  does not see) or an exec (a new space: begin_new_exec() sets SUID_DUMP_USER or, for a
  set-user-id image, suid_dumpable): not known then.
- a thread's SECURE_KEEP_CAPS (PR_SET_KEEPCAPS; cred->securebits, per thread) is what
  its last PR_SET_KEEPCAPS set, until a PR_SET_SECUREBITS (which sets the same bit), an
  unshare(CLONE_NEWUSER) or a setns() that may install a user namespace
  (set_cred_user_ns() resets the securebits; guardian/cred_kept.py) or an exec (a new
  space, where cap_bprm_creds_from_file() clears it); a new task's is its creator's
  (copy_creds()), but under CLONE_NEWUSER (set_cred_user_ns()).
- a thread's bounding set lacks each capability its PR_CAPBSET_DROP took (only a new
  user namespace fills it again: unshare(), setns(), clone(CLONE_NEWUSER)), and its
  ambient set holds each PR_CAP_AMBIENT_RAISE put there until a LOWER, a CLEAR_ALL, a
  call that may change its credentials (capset(), the set*id calls: cap_capset(),
  cap_emulate_setxuid()) or an exec; a new task's are its creator's (copy_creds()).
- a thread's parent-death signal is what its last PR_SET_PDEATHSIG set until a call
  that may change its credentials (commit_creds() clears it where they change): 0 after
  a set*id call that made its effective uid or gid another than the one known, or a
  setfsuid/setfsgid the next one shows changed the fs id; setresuid(-1, -1, -1) and
  setresgid(-1, -1, -1) change nothing (no commit_creds()).
- a thread's store-bypass control (PFA_SPEC_SSB_*, per task): once its
  PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS) set PR_SPEC_DISABLE, _FORCE_DISABLE or
  _DISABLE_NOEXEC, ssbd_prctl_get() never answers PR_SPEC_PRCTL | PR_SPEC_ENABLE (the
  task's ssb_disable is set: PRCTL | DISABLE, or NOT_AFFECTED, or ENABLE where the
  mitigation is off); after _FORCE_DISABLE, ssbd_prctl_set() refuses PR_SPEC_ENABLE and
  _DISABLE_NOEXEC (-EPERM).  Only the task itself sets it; a new task starts with its
  creator's (dup_task_struct() copies atomic_flags), an exec keeps it but after
  _DISABLE_NOEXEC (guardian/exec_task_kept.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.layout import CLONE_THREAD, MAP_FIXED, PROT_EXEC, PROT_READ, PROT_WRITE, READ_IMPLIES_EXEC
from abi.syscalls import NUMBERS
from abi.value_ranges import (
    AMBIENT_RAISED,
    CAPBSET_DROPPED,
    CRED_CHANGE,
    DUMPABLE,
    KEEPCAPS,
    MDWE,
    PDEATH_SIGNAL,
    PERSONA,
    PR_MDWE_NO_INHERIT,
    SECUREBITS,
    SECUREBITS_RESET,
    SPEC_SSB,
    SUBREAPER,
    THP_DISABLE,
)
from guardian import ns_owner
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAPS_FULL,
    FS_DROPPED,
    forget,
)
from guardian.checks import enabled
from guardian.cred_kept import (
    CAPBSET_FULL,
    kept_through_raise,
    may_make_user_ns,
    may_raise_effective,
    note_user_ns,
)
from guardian.launch_facts import FROM_SYSCTL
from guardian.slots import Slot
from guardian.userns_depth import DEPTH, DEPTH_AT

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry
    from guardian.stated_facts import StatedFacts

#: The facts this module notes and checks.
FACTS = frozenset({MDWE, KEEPCAPS, SECUREBITS, SECUREBITS_RESET, SUBREAPER, DUMPABLE, CRED_CHANGE,
                   CAPBSET_DROPPED, AMBIENT_RAISED, SPEC_SSB})
#: PR_CAP_AMBIENT's IS_SET, RAISE, LOWER, CLEAR_ALL
_IS_SET, _RAISE, _LOWER, _CLEAR_ALL = 1, 2, 3, 4
_KEEP_CAPS_BIT = 1 << 4                 # (SECURE_KEEP_CAPS)
CLONE_NEWUSER = 0x10000000
#: PR_SPEC_PRCTL, PR_SPEC_ENABLE, PR_SPEC_FORCE_DISABLE, PR_SPEC_DISABLE_NOEXEC
_PRCTL, _ENABLE, _FORCE_DISABLE, _DISABLE_NOEXEC = 1, 2, 8, 16
#: the control a SPEC_SSB fact records: disabled (DISABLE or DISABLE_NOEXEC), or forced
_SSB_DISABLED, _SSB_FORCED = 1, 2
#: (of a thread) its store-bypass disable was set with PR_SPEC_DISABLE_NOEXEC: an exec
#: clears it (arm64's arch_setup_new_exec())
SSB_NOEXEC = "spec_ssb_noexec"
#: (of a thread) an exec ended such a disable (ssbd_prctl_set(PR_SPEC_ENABLE)): while no
#: set since, the control answers PR_SPEC_PRCTL | PR_SPEC_ENABLE or no PR_SPEC_PRCTL
SSB_ENDED = "spec_ssb_ended"
#: (of a thread) a setfsuid/setfsgid may have set its fs id apart from its effective one:
#: an exec then changes it (cap_bprm_creds_from_file(): `new->fsuid = new->euid`), and
#: commit_creds() clears task->pdeath_signal.  A new task's creds are its creator's.
FS_SET = "fs_id_set"
#: The calls that may replace a thread's credentials (commit_creds()): one in flight in
#: the space may change its dumpable mode before the answer being judged.
CRED_CALLS = frozenset(NUMBERS[n] for n in (
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
    "setfsgid", "capset", "unshare", "setns"))
#: set*id calls whose success sets the effective id: (the id, the argument naming it)
_EFFECTIVE_SET = {NUMBERS["setuid"]: ("euid", 0), NUMBERS["setgid"]: ("egid", 0),
                  NUMBERS["setreuid"]: ("euid", 1), NUMBERS["setregid"]: ("egid", 1),
                  NUMBERS["setresuid"]: ("euid", 1), NUMBERS["setresgid"]: ("egid", 1)}
_SETRES = frozenset({NUMBERS["setresuid"], NUMBERS["setresgid"]})
#: (of a thread) the fs id its last setfsuid/setfsgid asked, where it answered another
_FS_KEY = {NUMBERS["setfsuid"]: "fsuid_asked", NUMBERS["setfsgid"]: "fsgid_asked"}
_FS_PENDING = {key: nr for nr, key in _FS_KEY.items()}
#: The facts of the address space (mm->flags), not of one thread.
_OF_SPACE = frozenset({MDWE, DUMPABLE})


def note_set(stated: StatedFacts, slot: Slot, fact: str, ret: int = 0) -> None:
    """A successful call (answered `ret`) set `fact`."""
    a = slot.args
    if fact in _OF_SPACE:
        stated.of_space(slot)[fact] = a[1] & 0xFFFF_FFFF
        if fact == DUMPABLE:            # (PR_SET_DUMPABLE's, not commit_creds()'s)
            stated.of_space(slot).pop(FROM_SYSCTL, None)
    elif fact == CRED_CHANGE:
        # (a set*id call may lower pP and pE, cap_emulate_setxuid(), whatever it asked)
        stated.of_thread(slot).pop(CAPS_FULL, None)
        if _changes_nothing(slot):
            return                      # (__sys_setresuid(): no commit_creds())
        _note_fs_call(stated.of_thread(slot), slot.nr)
        if slot.nr in _FS_KEY and a[0] & 0xFFFF_FFFF != 0xFFFF_FFFF:
            stated.of_thread(slot)[FS_SET] = True
        stated.of_space(slot).pop(DUMPABLE, None)       # (commit_creds())
        for gone in (PDEATH_SIGNAL, AMBIENT_RAISED):
            stated.of_thread(slot).pop(gone, None)
        # (capset(): capset_sets.judge(); the others: only an euid or fs uid going to 0
        # or a new user namespace may add an effective bit, guardian/cred_kept.py)
        if slot.nr != _NR_CAPSET and may_raise_effective(slot, ret):
            facts = stated.of_thread(slot)
            kept = kept_through_raise(facts, slot)  # (pI; a set*uid's pP, pE within it)
            forget(facts)
            facts.update(kept)
    elif fact == SPEC_SSB:
        facts, ctrl = stated.of_thread(slot), a[2] & 0xFFFF_FFFF
        if a[1] & 0xFFFF_FFFF:
            return                      # (another control than PR_SPEC_STORE_BYPASS)
        facts.pop(SSB_ENDED, None)
        # (arm64's ssbd_prctl_set(): only _DISABLE_NOEXEC leaves PFA_SPEC_SSB_NOEXEC set)
        if ctrl == _DISABLE_NOEXEC:
            facts[SSB_NOEXEC] = True
        else:
            facts.pop(SSB_NOEXEC, None)
        if ctrl == _FORCE_DISABLE:
            facts[SPEC_SSB] = _SSB_FORCED       # (task_set_spec_ssb_force_disable())
        elif ctrl != _ENABLE:
            facts[SPEC_SSB] = max(_SSB_DISABLED, int(facts.get(SPEC_SSB, 0)))  # type: ignore[call-overload]
        elif facts.get(SPEC_SSB) != _SSB_FORCED:
            facts.pop(SPEC_SSB, None)
    elif fact == CAPBSET_DROPPED:
        facts = stated.of_thread(slot)
        facts[CAPBSET_DROPPED] = _caps(facts, CAPBSET_DROPPED) | {a[1] & 0xFFFF_FFFF}
    elif fact == AMBIENT_RAISED:
        facts = stated.of_thread(slot)
        cap, held = a[2] & 0xFFFF_FFFF, _caps(facts, AMBIENT_RAISED)
        if a[1] & 0xFFFF_FFFF == _RAISE:
            facts[AMBIENT_RAISED] = held | {cap}
        elif a[1] & 0xFFFF_FFFF == _LOWER:
            facts[AMBIENT_RAISED] = held - {cap}
        elif a[1] & 0xFFFF_FFFF == _CLEAR_ALL:
            facts[AMBIENT_RAISED] = frozenset()
    elif fact == KEEPCAPS:
        facts = stated.of_thread(slot)
        facts[KEEPCAPS] = a[1] & 1
        bits = facts.get(SECUREBITS)            # (SECURE_KEEP_CAPS is securebits' bit 4)
        if isinstance(bits, int):
            facts[SECUREBITS] = bits & ~_KEEP_CAPS_BIT | (a[1] & 1) << 4
    elif fact == SUBREAPER:
        # Any thread of the process (or a vfork child sharing the space, with its own
        # signal_struct) may set it: each set forgets what the others' sets left.
        for key, facts in stated.threads.items():
            if key[0] == slot.root:
                facts.pop(SUBREAPER, None)
        stated.of_thread(slot)[SUBREAPER] = int(bool(a[1]))
    else:                                   # SECUREBITS_RESET
        if slot.nr != _NR_PRCTL and not may_make_user_ns(slot):
            return                      # (no new cred: ksys_unshare(), commit_nsset())
        for gone in (KEEPCAPS, CAPBSET_DROPPED, AMBIENT_RAISED, SECUREBITS, CAPBSET_FULL):
            stated.of_thread(slot).pop(gone, None)
        if slot.nr == _NR_PRCTL:        # (cap_task_prctl(): `new->securebits = arg2`)
            stated.of_thread(slot)[SECUREBITS] = a[1] & 0xFFFF_FFFF
            stated.of_thread(slot)[KEEPCAPS] = int(bool(a[1] & _KEEP_CAPS_BIT))


def answer_refused(stated: StatedFacts, slot: Slot, fact: str, ret: int) -> str | None:
    """Why Linux could not have given this answer to a get (None: it could)."""
    if fact == SPEC_SSB and not slot.args[1] & 0xFFFF_FFFF and \
            ret == _PRCTL | _ENABLE and stated.of_thread(slot).get(SPEC_SSB):
        # ssbd_prctl_get(): the task's ssb_disable (or force_disable) is set
        return ("answers PR_SPEC_PRCTL | PR_SPEC_ENABLE, but the thread's "
                "PR_SET_SPECULATION_CTRL disabled store-bypass speculation")
    if fact == SPEC_SSB and not slot.args[1] & 0xFFFF_FFFF and ret & _PRCTL and \
            ret != _PRCTL | _ENABLE and stated.of_thread(slot).get(SSB_ENDED):
        # arm64's arch_setup_new_exec(): a _DISABLE_NOEXEC ends at exec (PR_SPEC_ENABLE)
        return (f"answers {ret:#x}, but an exec ended the thread's "
                "PR_SPEC_DISABLE_NOEXEC (PR_SPEC_PRCTL | PR_SPEC_ENABLE)")
    return None


def _caps(facts: dict[str, object], fact: str) -> frozenset[int]:
    held = facts.get(fact)
    return held if isinstance(held, frozenset) else frozenset()


def set_refused(stated: StatedFacts, slot: Slot, fact: str) -> str | None:
    """Why Linux could not have answered 0 to this set (None: it could)."""
    a = slot.args
    if fact == SPEC_SSB and not a[1] & 0xFFFF_FFFF and a[2] & 0xFFFF_FFFF in (
            _ENABLE, _DISABLE_NOEXEC) and stated.of_thread(slot).get(SPEC_SSB) == _SSB_FORCED:
        # ssbd_prctl_set(): `if (task_spec_ssb_force_disable(task)) return -EPERM;`
        return (f"answers 0 to PR_SET_SPECULATION_CTRL {a[2] & 0xFFFF_FFFF}, but the "
                "thread's PR_SPEC_FORCE_DISABLE refuses it (-EPERM)")
    bits = stated.of_space(slot).get(MDWE) if fact == MDWE else None
    asked = a[1] & 0xFFFF_FFFF
    if isinstance(bits, int) and bits and bits != asked:
        # prctl_set_mdwe(): `if (current_bits && current_bits != bits) return -EPERM;`
        return (f"answers 0 to PR_SET_MDWE {asked}, but the mm holds MDWE bits {bits}, "
                "which prctl_set_mdwe() never clears nor changes (-EPERM)")
    return None


def kept(stated: StatedFacts, slot: Slot, fact: str) -> int | None:
    """What the Guardian knows `fact` to be for the caller (None: not known)."""
    facts = stated.of_space(slot) if fact in _OF_SPACE else stated.of_thread(slot)
    a = slot.args
    if fact == CAPBSET_DROPPED:                 # PR_CAPBSET_READ
        if a[1] & 0xFFFF_FFFF in _caps(facts, fact):
            return 0
        # (set_cred_user_ns()'s full set, cred_kept.py; cap_valid(): CAP_LAST_CAP 40)
        return 1 if facts.get(CAPBSET_FULL) and a[1] <= 40 else None
    if fact == SPEC_SSB:                        # (answer_refused() judges it)
        return None
    if fact == AMBIENT_RAISED:                  # PR_CAP_AMBIENT_IS_SET
        is_set = a[1] & 0xFFFF_FFFF == _IS_SET and a[2] & 0xFFFF_FFFF in _caps(facts, fact)
        return 1 if is_set else None
    want = facts.get(fact)
    return want if isinstance(want, int) else None


PR_MDWE_REFUSE_EXEC_GAIN = 1


#: (of a space) the id the next slot got at the last PR_SET_MDWE's return: MDWE judges
#: only the calls that entered from then on
MDWE_MARK = "mdwe_mark"
_SET_MDWE = 65
#: (of a space) a mapping both writable and executable was made there, where MDWE let it
WX_MADE = "wx_made"
#: (of a space) a personality() there set READ_IMPLIES_EXEC: an anonymous area's recorded
#: protection may lack the VM_EXEC it holds
RIE_EVER = "rie_ever"
#: MAP_GROWSDOWN | MAP_FIXED_NOREPLACE
_PLACED = 0x100 | 0x100000
_MAP_ANONYMOUS = 0x20


def write_exec_denied(stated: StatedFacts, slot: Slot, name: str,
                      area: int | None = None) -> bool:
    """Whether MDWE, as the Guardian saw it set, refuses this successful mmap, mprotect or
    pkey_mprotect of a writable, executable mapping, or an mprotect's exec gain (noted
    when it does not).  `area`: the file mapped, or the area changed, is known VM_MAYEXEC
    (an anonymous area: its protection; guardian/rie_areas.py)."""
    a = slot.args
    space = stated.of_space(slot)
    bits = space.get(MDWE)
    mark = space.get(MDWE_MARK)
    on = isinstance(bits, int) and bool(bits & PR_MDWE_REFUSE_EXEC_GAIN) and \
        not (isinstance(mark, int) and slot.id < mark)
    prot = a[2]
    anon = name == "mmap" and a[3] & _MAP_ANONYMOUS
    if (anon or area is not None) and _implies_exec(stated, slot):
        prot |= PROT_EXEC                   # (do_mmap(), do_mprotect_pkey(): READ_IMPLIES_EXEC)
    if on and name != "mmap" and a[1] and prot & PROT_EXEC and area is not None and \
            not area & PROT_EXEC and not space.get(RIE_EVER):
        return True     # (map_deny_write_exec(): `!(vma->vm_flags & VM_EXEC) && (vm_flags & VM_EXEC)`)
    if not on or prot & (PROT_WRITE | PROT_EXEC) != PROT_WRITE | PROT_EXEC:
        return False
    if name != "mmap":
        # do_mprotect_pkey(): a zero length answers 0 before any area is looked at.
        return a[1] != 0
    # mmap_region() of 6.3..6.11 checks only a new vma: one merged into an adjacent
    # writable, executable area (made before the set) is let through.  Judged only where
    # none was made and the kernel places the area itself.
    if a[0] or a[3] & (MAP_FIXED | _PLACED) or space.get(WX_MADE):
        return False
    return True


def _implies_exec(stated: StatedFacts, slot: Slot) -> bool:
    """do_mmap(), do_mprotect_pkey(): PROT_READ implies PROT_EXEC under READ_IMPLIES_EXEC
    (arm64's SET_PERSONALITY clears it at every exec: only a personality() sets it)."""
    persona = stated.of_thread(slot).get(PERSONA)
    return bool(slot.args[2] & PROT_READ) and isinstance(persona, int) and \
        bool(persona & READ_IMPLIES_EXEC)


def note_persona(stated: StatedFacts, slot: Slot) -> None:
    """A personality() that set READ_IMPLIES_EXEC: the space's areas may be VM_EXEC
    beyond their recorded protection from then on."""
    if slot.args[0] & 0xFFFF_FFFF != 0xFFFF_FFFF and slot.args[0] & READ_IMPLIES_EXEC:
        stated.of_space(slot)[RIE_EVER] = True


def note_write_exec(stated: StatedFacts, slot: Slot) -> None:
    """A successful call made a writable, executable mapping (mmap, mprotect), or one
    READ_IMPLIES_EXEC may have made executable."""
    prot = slot.args[2] | (PROT_EXEC if _implies_exec(stated, slot) else 0)
    if prot & (PROT_WRITE | PROT_EXEC) == PROT_WRITE | PROT_EXEC:
        stated.of_space(slot)[WX_MADE] = True


_NR_PRCTL, _NR_CAPSET = NUMBERS["prctl"], NUMBERS["capset"]


def mm_flags_settled(reg: Registry, slot: Slot) -> bool:
    """No other call that may change the mm's flags (a prctl, a set*id call) overlapped
    the fork or exec `slot` (dup_mm() and bprm_mm_init() copy them): none in flight in
    its tree, and no thread of it returned to user code since `slot` began."""
    return reg.user_runs.get(slot.root, 0) == slot.runs_at_start and not any(
        o is not slot and o.root == slot.root and (o.nr == _NR_PRCTL or o.nr in CRED_CALLS)
        for o in reg.slots.values())


#: PR_SET_DUMPABLE
_SET_DUMPABLE = 4


def settle_dumpable(stated: StatedFacts, reg: Registry, slot: Slot) -> None:
    """A PR_SET_DUMPABLE that another thread's prctl or set*id call overlapped (whose
    commit_creds() sets suid_dumpable) may have been undone after it: not known.  A
    PR_SET_MDWE's return marks the calls MDWE judges (`MDWE_MARK`)."""
    if slot.args[0] & 0xFFFF_FFFF == _SET_DUMPABLE and not mm_flags_settled(reg, slot):
        stated.of_space(slot).pop(DUMPABLE, None)
    if slot.args[0] & 0xFFFF_FFFF == _SET_MDWE:
        # a call that entered before this return may have run before MMF_HAS_MDWE was set
        stated.of_space(slot)[MDWE_MARK] = reg.next_slot_id()


def note_fork(stated: StatedFacts, root: int, child_root: int, settled: bool = True) -> None:
    """dup_mm() -> mm_init(): the child's mm flags are mmf_init_flags() of its parent's.
    Not `settled`: another thread's call that may change them (a prctl, a set*id call:
    commit_creds()) overlapped the fork, before or after dup_mm(): not known."""
    parent = stated.threads.get((root, -1), {})
    child = stated.threads.setdefault((child_root, -1), {})
    if not settled:
        parent = {WX_MADE: parent[WX_MADE]} if parent.get(WX_MADE) else {}
    if THP_DISABLE in parent:
        child[THP_DISABLE] = parent[THP_DISABLE]
    if DUMPABLE in parent:
        child[DUMPABLE] = parent[DUMPABLE]
    for fact in (WX_MADE, RIE_EVER):
        if parent.get(fact):
            child[fact] = True          # (dup_mmap() copies the areas)
    bits = parent.get(MDWE)
    if isinstance(bits, int):
        child[MDWE] = 0 if bits & PR_MDWE_NO_INHERIT else bits


def note_clone(parent: dict[str, object], child: dict[str, object], cflags: int,
               flags_known: bool = False) -> None:
    """copy_creds(): a new task's cred is its creator's (SECURE_KEEP_CAPS, the bounding
    and ambient sets, the effective, permitted and inheritable sets its capset() stored,
    the capabilities known outside its ambient set, a setfsuid()'s cap_drop_fs_set())
    but under CLONE_NEWUSER (create_user_ns() -> set_cred_user_ns() fills pP, pE and the
    bounding set, empties pI and pA: the creator's bounds on those two stay, and where
    `flags_known`, the flags read as the kernel took them with no filter, they are empty:
    cred_kept.note_user_ns()); dup_task_struct():
    its store-bypass control its creator's (atomic_flags); copy_signal(): its
    is_child_subreaper starts at 0 unless CLONE_THREAD shares its creator's."""
    for fact in (DEPTH, DEPTH_AT, CAPS_FULL, CAPBSET_FULL, ns_owner.FOREIGN):  # (no former task's)
        child.pop(fact, None)
    if DEPTH in parent:                 # (copy_creds(): at least its creator's level)
        child[DEPTH] = parent[DEPTH]
    if not cflags & CLONE_NEWUSER:
        for fact in (KEEPCAPS, CAPBSET_DROPPED, AMBIENT_RAISED, SECUREBITS, CAP_EFFECTIVE,
                     CAP_PERMITTED, CAP_INHERITABLE, AMBIENT_OUT, FS_DROPPED, CAPS_FULL,
                     CAPBSET_FULL):
            if fact in parent:
                child[fact] = parent[fact]
    elif enabled("create.userns_caps"):
        for fact in (CAP_INHERITABLE, AMBIENT_OUT):     # (the old set or empty)
            if fact in parent:
                child[fact] = parent[fact]
        if flags_known:
            note_user_ns(child)
    for fact in (SPEC_SSB, SSB_NOEXEC, SSB_ENDED):  # (dup_task_struct(): atomic_flags)
        if fact in parent:
            child[fact] = parent[fact]
    if FS_SET in parent:
        child[FS_SET] = True            # (copy_creds(): the fs ids too)
    if not cflags & CLONE_THREAD:
        child[SUBREAPER] = 0
    elif SUBREAPER in parent:
        child[SUBREAPER] = parent[SUBREAPER]


def _changes_nothing(slot: Slot) -> bool:
    """__sys_setresuid(), __sys_setresgid(): with every id -1 nothing changes (they return
    0 before prepare_creds())."""
    return slot.nr in _SETRES and all(x & 0xFFFF_FFFF == 0xFFFF_FFFF for x in slot.args[:3])


def _note_fs_call(facts: dict[str, object], nr: int) -> None:
    """A credential call before its answer: another set*id call may set the fs ids (the
    pending setfsuid/setfsgid proof is void), a PR_SET_PDEATHSIG since the last
    setfs*id call voids that call's proof."""
    for key, fs_nr in _FS_PENDING.items():
        if nr != fs_nr or PDEATH_SIGNAL in facts:
            facts.pop(key, None)


def _note_fs_id(stated: StatedFacts, slot: Slot, ret: int) -> None:
    """setfsuid(), setfsgid() answer the old fs id: where a call asked `x` of an fs id
    other than the one it answered, and the next one answers `x`, the first changed it,
    and commit_creds() cleared task->pdeath_signal (no PR_SET_PDEATHSIG since)."""
    facts = stated.of_thread(slot)
    key = _FS_KEY[slot.nr]
    pending = facts.pop(key, None)
    old = ret & 0xFFFF_FFFF
    if pending is not None and pending == old:
        facts[PDEATH_SIGNAL] = 0
    asked = slot.args[0] & 0xFFFF_FFFF
    if asked != 0xFFFF_FFFF and asked != old:
        facts[key] = asked


def note_id_change(stated: StatedFacts, slot: Slot, ret: int,
                   known: dict[str, object] | None) -> bool:
    """A set*id call answered `ret`; `known`: the thread's ids before it.  commit_creds():
    an effective id or fs id that changed clears task->pdeath_signal.  True where the
    call changed the known effective id (commit_creds() then set the dumpable mode:
    guardian/launch_facts.py)."""
    if slot.nr in _FS_KEY:
        _note_fs_id(stated, slot, ret)
        return False
    got = _EFFECTIVE_SET.get(slot.nr)
    if got is None or ret != 0 or known is None:
        return False
    name, arg = got
    new = slot.args[arg] & 0xFFFF_FFFF
    if new != 0xFFFF_FFFF and isinstance(known.get(name), int) and known[name] != new:
        stated.of_thread(slot)[PDEATH_SIGNAL] = 0
        return True
    return False
