"""Whether a confidential program still holds a memfd open.

A memfd keeps its pages while any descriptor of it is open (the Guardian holds the
frames of pages no mapping shows): the kernel may take one back (RECLAIM_PAGE) only
after the last descriptor went.  The Guardian's descriptor tables record a close when
it returns, so a descriptor that a syscall in progress is closing (close, close_range,
dup3 over it, the thread's exit, a FD_CLOEXEC one at execve) already counts as gone:
the kernel drops the memfd's pages inside that very call.  A table of an address space
torn down (EXIT_DOMAIN: the process exited, or exec left it) holds nothing any more, though
its record waits for FREE_PGD: exit closed every descriptor in it (what execve kept lives
on in the exec tables).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.open_files import OpenFile
from guardian.slots import Slot

_CLOSE, _CLOSE_RANGE, _DUP3 = NUMBERS["close"], NUMBERS["close_range"], NUMBERS["dup3"]
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})
_EXECS = frozenset({NUMBERS["execve"], NUMBERS["execveat"]})
_U32 = 0xFFFF_FFFF


def _closing(slot: Slot, fd: int, f: OpenFile) -> bool:
    """Does the syscall in progress in `slot` close descriptor fd (if it succeeds)?"""
    nr, a = slot.nr, slot.args
    if nr in _EXITS:
        return True
    if nr in _EXECS:
        return f.cloexec
    if nr == _CLOSE:
        return len(a) > 0 and a[0] & _U32 == fd
    if nr == _CLOSE_RANGE:
        return len(a) > 1 and a[0] & _U32 <= fd <= a[1] & _U32
    if nr == _DUP3:
        return len(a) > 1 and a[1] & _U32 == fd and a[0] & _U32 != fd
    return False


def open_memfd_descriptor(registry: Registry, files: Descriptors, memfd: int) -> str:
    """A descriptor the program holds open on memfd `memfd` ('' if none), in words."""
    busy: dict[int, list[Slot]] = {}        # a table (by identity) -> syscalls in progress
    for slot in registry.slots.values():
        table = files.tables.get((slot.root, slot.thread))
        if slot.nr is not None and table is not None:
            busy.setdefault(id(table), []).append(slot)
    for (root, thread), table in files.tables.items():
        if root in files.retired:
            continue                        # its process's exit closed them all
        for fd, f in table.fds.items():
            if f.memfd == memfd and not any(_closing(sl, fd, f)
                                             for sl in busy.get(id(table), ())):
                return f"{fd} of thread {thread} (tree {root:#x})"
    for table, _ in files.exec_tables:
        if any(f.memfd == memfd for f in table.fds.values()):
            return "kept across an execve"
    return ""
