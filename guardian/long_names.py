"""A call that takes a name of PATH_MAX bytes or more and succeeds.

getname() -> strncpy_from_user() copies at most PATH_MAX (4096) bytes, NUL included: a
name with no NUL among its first PATH_MAX bytes is -ENAMETOOLONG before any lookup
(getname_flags()), so an openat(), openat2() or chdir() given one never succeeds.  Where
the Guardian reads those PATH_MAX bytes whole from memory the program left alone through
the call (quiet_ranges.py, no other call of its address space in flight), a success is
refused (`return.name_too_long`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import PATH_MAX
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

_PAGE = 4096
#: the calls judged here -> the argument holding their name
_NAME_ARG = {NUMBERS["openat"]: 1, NUMBERS["openat2"]: 1, NUMBERS["chdir"]: 0}
CALLS = frozenset(_NAME_ARG)


def _no_nul(files: Descriptors, slot: Slot, va: int) -> bool:
    """Are the PATH_MAX bytes at `va` present, readable and free of NUL?"""
    if va >> 56:
        return False                 # (a tagged pointer: access_ok() refuses it, -EFAULT)
    raw = b""
    while len(raw) < PATH_MAX:
        chunk = files.memory.read(va, _PAGE - va % _PAGE, slot.root)
        if chunk is None:
            return False
        raw, va = raw + chunk, va + len(chunk)
    return b"\0" not in raw[:PATH_MAX]


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.name_too_long`: a call in CALLS that succeeded had a NUL within PATH_MAX
    bytes of its name, or its name was not read quiet."""
    va = slot.args[_NAME_ARG[slot.nr]]
    dom = registry.domains.get(slot.domain)
    if dom is None or any(o is not slot and o.nr is not None and o.root == slot.root
                          for o in registry.slots.values()):
        return
    if not _no_nul(files, slot, va) or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, va, va + PATH_MAX)]):
        return
    refuse("return.name_too_long", Status.ERR_DENIED,
           "a call succeeded on a name with no NUL within PATH_MAX (4096) bytes: getname() "
           "-> strncpy_from_user() answers -ENAMETOOLONG before any lookup")
