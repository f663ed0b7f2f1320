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
  unshare() or setns() (set_cred_user_ns() resets the securebits) or an exec (a new
  space, where nothing is known); a new thread's is not followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.layout import MAP_FIXED, PROT_EXEC, PROT_WRITE
from abi.syscalls import NUMBERS
from abi.value_ranges import (
    CRED_CHANGE,
    DUMPABLE,
    KEEPCAPS,
    MDWE,
    PR_MDWE_NO_INHERIT,
    SECUREBITS_RESET,
    SUBREAPER,
    THP_DISABLE,
)
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.stated_facts import StatedFacts

#: The facts this module notes and checks.
FACTS = frozenset({MDWE, KEEPCAPS, SECUREBITS_RESET, SUBREAPER, DUMPABLE, CRED_CHANGE})
#: The calls that may replace a thread's credentials (commit_creds()): one in flight in
#: the space may change its dumpable mode before the answer being judged.
CRED_CALLS = frozenset(NUMBERS[n] for n in (
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
    "setfsgid", "capset", "unshare", "setns"))
#: The facts of the address space (mm->flags), not of one thread.
_OF_SPACE = frozenset({MDWE, DUMPABLE})


def note_set(stated: StatedFacts, slot: Slot, fact: str) -> None:
    """A successful call set `fact`."""
    a = slot.args
    if fact in _OF_SPACE:
        stated.of_space(slot)[fact] = a[1] & 0xFFFF_FFFF
    elif fact == CRED_CHANGE:
        stated.of_space(slot).pop(DUMPABLE, None)       # (commit_creds())
    elif fact == KEEPCAPS:
        stated.of_thread(slot)[KEEPCAPS] = a[1] & 1
    elif fact == SUBREAPER:
        # Any thread of the process (or a vfork child sharing the space, with its own
        # signal_struct) may set it: each set forgets what the others' sets left.
        for key, facts in stated.threads.items():
            if key[0] == slot.root:
                facts.pop(SUBREAPER, None)
        stated.of_thread(slot)[SUBREAPER] = int(bool(a[1]))
    else:                                   # SECUREBITS_RESET
        stated.of_thread(slot).pop(KEEPCAPS, None)


def kept(stated: StatedFacts, slot: Slot, fact: str) -> int | None:
    """What the Guardian knows `fact` to be for the caller (None: not known)."""
    facts = stated.of_space(slot) if fact in _OF_SPACE else stated.of_thread(slot)
    want = facts.get(fact)
    return want if isinstance(want, int) else None


PR_MDWE_REFUSE_EXEC_GAIN = 1


#: (of a space) a mapping both writable and executable was made there, where MDWE let it
WX_MADE = "wx_made"
#: MAP_GROWSDOWN | MAP_FIXED_NOREPLACE
_PLACED = 0x100 | 0x100000


def write_exec_denied(stated: StatedFacts, slot: Slot, name: str) -> bool:
    """Whether MDWE, as the Guardian saw it set, refuses this successful mmap, mprotect or
    pkey_mprotect of a writable, executable mapping (noted when it does not)."""
    a = slot.args
    space = stated.of_space(slot)
    bits = space.get(MDWE)
    on = isinstance(bits, int) and bool(bits & PR_MDWE_REFUSE_EXEC_GAIN)
    if not on or a[2] & (PROT_WRITE | PROT_EXEC) != PROT_WRITE | PROT_EXEC:
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


def note_write_exec(stated: StatedFacts, slot: Slot) -> None:
    """A successful call made a writable, executable mapping (mmap, mprotect)."""
    if slot.args[2] & (PROT_WRITE | PROT_EXEC) == PROT_WRITE | PROT_EXEC:
        stated.of_space(slot)[WX_MADE] = True


def note_fork(stated: StatedFacts, root: int, child_root: int) -> None:
    """dup_mm() -> mm_init(): the child's mm flags are mmf_init_flags() of its parent's."""
    parent = stated.threads.get((root, -1), {})
    child = stated.threads.setdefault((child_root, -1), {})
    if THP_DISABLE in parent:
        child[THP_DISABLE] = parent[THP_DISABLE]
    if DUMPABLE in parent:
        child[DUMPABLE] = parent[DUMPABLE]
    if parent.get(WX_MADE):
        child[WX_MADE] = True           # (dup_mmap() copies the areas)
    bits = parent.get(MDWE)
    if isinstance(bits, int):
        child[MDWE] = 0 if bits & PR_MDWE_NO_INHERIT else bits
