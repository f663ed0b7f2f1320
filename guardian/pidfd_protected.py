"""A clone's CLONE_PIDFD word in a page the program left without PROT_WRITE (check
`return.clone_pidfd_prot`).

copy_process() stores the pidfd with put_user(pidfd, args->pidfd) after copy_mm(); on a
page whose area lacks VM_WRITE arm64's do_page_fault() finds access_error() true and the
uaccess fixup answers -EFAULT (bad_fork_put_pidfd): no child.  The Guardian knows the
protection the program's own mmap, mprotect and pkey_mprotect left (guardian/
protections.py).  At the clone's FORK_DOMAIN (after copy_mm() began, before put_user())
it notes a word whose page has such a protection where no other call of the tree that may
change a protection is in flight, with the tree's returns to user code then; at the
clone's return with a child, that protection still recorded, no such call in flight and
no thread of the tree having returned to user code since (none could have begun one),
the child is one Linux never makes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from abi import Status
from abi.layout import PROT_WRITE
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.protections import protection_at
from guardian.slots import PAGE, Slot, Space

#: Calls that may change a protection of their tree (or the layout under it).
LAYOUT_CALLS = frozenset(NUMBERS[n] for n in (
    "mmap", "munmap", "mremap", "mprotect", "pkey_mprotect", "brk", "shmat", "shmdt",
    "madvise", "remap_file_pages", "userfaultfd", "ioctl", "execve", "execveat")
    if n in NUMBERS)


def _unwritable(space: Space, word: int) -> bool:
    """Is a byte of the 4-byte word in a page the program left without PROT_WRITE?"""
    for page in {word & ~(PAGE - 1), (word + 3) & ~(PAGE - 1)}:
        prot = protection_at(space, page)
        if prot is not None and not prot & PROT_WRITE:
            return True
    return False


def _layout_in_flight(slot: Slot, slots: Iterable[Slot]) -> bool:
    return any(o is not slot and o.root == slot.root and o.nr in LAYOUT_CALLS for o in slots)


class PidfdProtected:
    """slot id -> (the untagged pidfd word, the tree's returns to user code) noted."""

    def __init__(self) -> None:
        self.words: dict[int, tuple[int, int]] = {}

    def note(self, slot: Slot, space: Space | None, word: int, slots: Collection[Slot],
             runs: Mapping[int, int]) -> None:
        """At the clone's FORK_DOMAIN (`word` untagged, CLONE_PIDFD asked)."""
        if self.words:
            # (a clone that never returned: its thread torn down, or refused at the fork)
            live = {s.id for s in slots}
            self.words = {k: v for k, v in self.words.items() if k in live}
        if space is None or not _unwritable(space, word) or _layout_in_flight(slot, slots):
            return
        self.words[slot.id] = (word, runs.get(slot.root, 0))

    def check(self, slot: Slot, space: Space | None, slots: Iterable[Slot],
              runs: Mapping[int, int]) -> None:
        """At the clone's return with a child."""
        noted = self.words.pop(slot.id, None)
        if noted is None or space is None:
            return
        word, at_fork = noted
        if runs.get(slot.root, 0) != at_fork or _layout_in_flight(slot, slots) \
                or not _unwritable(space, word):
            return
        refuse("return.clone_pidfd_prot", Status.ERR_DENIED,
               f"the clone made a child, yet its CLONE_PIDFD word {word:#x} lies in a page "
               "the program left without PROT_WRITE: put_user() faults (access_error()), "
               "-EFAULT, no child")

    def drop(self, slot: Slot) -> None:
        self.words.pop(slot.id, None)
