"""`return.umask_kept`: umask() answers the mask the process's previous umask() set.

The file-creation mask lives in the process's fs_struct: its threads share it (CLONE_FS),
a fork child gets a copy, and nothing but a umask() call of a process sharing it changes
it.  So once a process set its mask, its next umask() answers that mask, unless another
umask() of it was in flight at the same time (two threads racing), or the process shares
its fs_struct with another process (a clone with CLONE_FS but not CLONE_THREAD), whose
calls the Guardian does not count here: then nothing is judged.  A fork child starts
with a copy of its parent's mask (copy_fs_struct), and execve keeps the mask: the new
image's process holds the one the exec'ing process held.
"""

from __future__ import annotations

from abi import Status
from abi.descriptors import CLONE_FS
from abi.layout import CLONE_THREAD
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_NR_UMASK, _NR_CLONE, _NR_CLONE3 = NUMBERS["umask"], NUMBERS["clone"], NUMBERS["clone3"]
#: The calls `UmaskKept` acts on.
CALLS = frozenset({_NR_UMASK, _NR_CLONE, _NR_CLONE3})
#: The mask a process holds while it shares its fs_struct with another process.
SHARED = -1
_WHOLE_SPACE = -1                   # the key that marks every process of a space as sharing


def process_mask(masks: dict[int, int], group: int) -> int | None:
    """The mask a process of `group` is known to hold (None: not known, or shared with
    another process's calls)."""
    if _WHOLE_SPACE in masks:
        return None
    mask = masks.get(group)
    return None if mask == SHARED else mask


class UmaskKept:
    """Each confidential process's last umask (on its address space, `Space.umasks`)."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def _masks(self, slot: Slot) -> dict[int, int] | None:
        space = self.registry.space_of(slot.domain, slot.root)
        return space.umasks if space is not None else None

    def check(self, slot: Slot, ret: int) -> None:
        masks = self._masks(slot)
        if slot.nr != _NR_UMASK or masks is None:
            return
        known = SHARED if _WHOLE_SPACE in masks else \
            masks.get(self.registry.group_of(slot.root, slot.thread))
        racing = any(s.id != slot.id and s.nr == _NR_UMASK and s.root == slot.root
                     for s in self.registry.slots.values())
        if known is not None and known != SHARED and not racing and ret != known:
            refuse("return.umask_kept", Status.ERR_DENIED,
                   f"umask answers old mask {ret:#o}, but the process's previous umask set "
                   f"{known:#o}: nothing else changes it")

    def commit(self, slot: Slot, ret: int) -> None:
        masks = self._masks(slot)
        if masks is None:
            return
        group = self.registry.group_of(slot.root, slot.thread)
        if slot.nr == _NR_UMASK:
            if masks.get(group) != SHARED:
                masks[group] = slot.args[0] & 0o777
        elif ret < 1 << 63 and self._shares_fs(slot):
            masks[group] = SHARED
            # The child shares it too, wherever it runs: nothing in its space is judged.
            child = self.registry.space_of(slot.domain, slot.child_root or slot.root)
            if child is not None:
                child.umasks[_WHOLE_SPACE] = SHARED

    def _shares_fs(self, slot: Slot) -> bool:
        """Does this clone make a process that shares the caller's fs_struct?  (A clone3
        whose arguments cannot be read counts as one.)"""
        if slot.nr == _NR_CLONE:
            flags = slot.args[0]
        else:
            raw = self.memory.read(slot.args[0], 8, slot.root) if slot.args[0] else None
            if raw is None:
                return True
            flags = int.from_bytes(raw, "little")
        return bool(flags & CLONE_FS) and not flags & CLONE_THREAD
