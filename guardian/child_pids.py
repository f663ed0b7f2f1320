"""What a clone's parent is told names its child: the pid recorded against the child
process (or CLONE_VM child) it made, who forked it, and the signal it raises at its end
(what the wait and exit rules judge later: wait_reaped.py, child_exits.py)."""

from __future__ import annotations

import struct

from abi.layout import NR_CLONE
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_ERRNO_FLOOR = (1 << 64) - 4095
_CLONE_PARENT, _CLONE_THREAD = 0x8000, 0x10000


def note_child_pid(registry: Registry, memory: UserMemory, slot: Slot, ret: int) -> None:
    """The pid a fork's (or a CLONE_VM child's) parent is told names that child (a
    reaped child's is forgotten by `end_child`)."""
    if not 0 < ret < _ERRNO_FLOOR:
        return
    if slot.child_process:
        registry.child_pids[(slot.root, ret)] = slot.child_process
        registry.exits.pids[ret] = slot.child_process
        registry.exits.new_pid(slot.root, ret)
    registry.forked_by[(slot.root, ret)] = registry.group_of(slot.root, slot.thread)
    exit_signal = _exit_signal(memory, slot)
    if exit_signal is not None:
        registry.exits.exit_signals[(slot.root, ret)] = exit_signal
    if slot.child_thread:           # a CLONE_VM child: its threads end when reaped
        registry.vm_children[(slot.root, ret)] = slot.child_thread


def _exit_signal(memory: UserMemory, slot: Slot) -> int | None:
    """The signal the clone's child raises when it ends (None: not known, or a
    thread, or CLONE_PARENT's child, which is not the caller's)."""
    if slot.nr == NR_CLONE:
        flags, signal = slot.args[0], slot.args[0] & 0xFF
    else:
        raw = memory.read(slot.args[0], 40, slot.root) if slot.args[0] else None
        if raw is None:
            return None
        flags, _, _, _, signal = struct.unpack("<5Q", raw)
    return None if flags & (_CLONE_THREAD | _CLONE_PARENT) else signal
