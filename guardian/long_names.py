"""A call that takes a name and succeeds though getname() could not copy it.

getname() / getname_flags() -> strncpy_from_user() copies at most PATH_MAX (4096) bytes,
NUL included: a name with no NUL among its first PATH_MAX bytes is -ENAMETOOLONG, and one
whose bytes run into a page that faults before a NUL is -EFAULT, both before any lookup.
Every call that takes a name copies it so (guardian/path_names.py: openat, faccessat,
newfstatat, statx, mkdirat, renameat2's and linkat's two names ...), so none of them
succeeds then.  Where the Guardian reads those bytes from memory the program left alone
through the call (quiet_ranges.py) -- up to PATH_MAX bytes with no NUL, or up to a hole
the program's own munmap left (unmapped_holes.hole_at(): no fault maps a page there) with
no call that may map memory in flight, up to a page the program's own mprotect left
PROT_NONE, or up to a page of a memfd only it holds past the memfd's end
(guardian/memfd_eof.py) -- a success is refused (`return.name_too_long`).  Names never read, and names
access_ok() refuses (NULL, past TASK_SIZE, tagged): guardian/unread_names.py.

Other calls of the address space in flight are no bar where they cannot store into the
name: an exit with nothing left to store (futex_values.may_store()) and a read() into a
buffer apart from the name (it writes only its buffer: a blocked read() of a pipe stores
nothing at all).  Any other call in flight (it may store there, or unmap a page of the
name) leaves the name unjudged.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import PATH_MAX
from guardian.futex_values import may_store
from guardian.memfd_eof import past_eof, quiet_in_memfd
from guardian.path_names import CALLS as LONG_CALLS
from guardian.path_names import NAME_ARGS
from guardian.quiet_ranges import quiet
from guardian.unmapped_holes import MAPPING_CALLS, hole_at
from guardian.unread_names import faults_at, names_read, null_read, out_of_reach

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot, Space
    from guardian.tagged_abi import TaggedAbi

_PAGE = 4096
#: openat, openat2 and chdir: the calls return.link_loop judges too (guardian/link_loops.py)
CALLS = frozenset({NUMBERS["openat"], NUMBERS["openat2"], NUMBERS["chdir"]})
__all__ = ["CALLS", "LONG_CALLS", "check"]
_NR_READ = NUMBERS["read"]
_UNTAGGED = (1 << 56) - 1
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})


def _uncopied(files: Descriptors, space: Space, slot: Slot, va: int) -> int | None:
    """The end of the bytes at `va` strncpy_from_user() reads without meeting a NUL
    before it answers -ENAMETOOLONG (PATH_MAX bytes) or -EFAULT (a hole next); None where
    it may copy the name (a NUL, a page the Guardian cannot read or that may be mapped)."""
    if va >> 56:
        return None                  # (still tagged: access_ok()'s business)
    start = va
    while va - start < PATH_MAX:
        if faults_at(space, va):
            return va
        chunk = files.memory.read(va, _PAGE - va % _PAGE, slot.root)
        if chunk is None:
            return va if hole_at(space, va) is not None or \
                past_eof(files, space, slot, va) else None
        if b"\0" in chunk[:PATH_MAX - (va - start)]:
            return None
        va += len(chunk)
    return start + PATH_MAX


def _apart(o: Slot, space: Space, cleared: Container[tuple[int, int]],
           ranges: list[tuple[int, int, int]]) -> bool:
    """Can the call in flight in `o` neither store into the ranges nor map or unmap?"""
    if o.nr in _EXITS:
        return not may_store(space, o, cleared)
    if o.nr == _NR_READ:             # ksys_read(): stores only into its buffer
        s = o.args[1] & _UNTAGGED    # (the tagged address ABI may untag it)
        e = s + o.args[2]
        return all(e <= a or b <= s for _, a, b in ranges)
    return False


def _unreadable(files: Descriptors, registry: Registry, slot: Slot, va: int, arg: int,
                tagged: TaggedAbi) -> bool:
    """Does strncpy_from_user() fault at once on the name at `va` (unread_names.py)?  A
    tagged NULL is no NULL to getname_maybe_null(), do_utimes() or quotactl(): copied."""
    if tagged.untag(slot, va) != 0:
        return out_of_reach(slot, va, tagged)
    if va == 0 and not null_read(slot, arg) or files.memory.read(0, 1, slot.root) is not None:
        return False
    dom = registry.domains.get(slot.domain)
    # (page 0 unmapped now, and at the copy: no mapping call in flight, none returned
    # since the entry -- `quiet`: no thread of the tree ran user code to make one)
    return dom is not None and not any(
        o is not slot and o.nr in MAPPING_CALLS and o.root == slot.root
        for o in registry.slots.values()) and quiet(
        slot, dom, registry.slots.values(), registry.user_runs, [(slot.root, 0, 1)])


def check(files: Descriptors, registry: Registry, slot: Slot,
          tagged: TaggedAbi | None = None) -> None:
    """`return.name_too_long`: a call in LONG_CALLS that succeeded had each name copied
    whole by getname(), or a name not read quiet.  `tagged`: which threads have the
    tagged address ABI (None: unknown, no address judged out of reach)."""
    dom = registry.domains.get(slot.domain)
    space = dom.spaces.get(slot.root) if dom is not None else None
    if dom is None or space is None or not names_read(files, registry, slot):
        return
    for arg in NAME_ARGS[slot.nr]:
        va = slot.args[arg]
        if tagged is not None and _unreadable(files, registry, slot, va, arg, tagged):
            refuse("return.name_too_long", Status.ERR_DENIED,
                   f"a call succeeded on a name at {va:#x} that access_ok() refuses or that "
                   "it takes NULL for: getname() -> strncpy_from_user() answers -EFAULT")
        if tagged is not None:
            va = tagged.untag(slot, va)  # (untagged_addr() under TIF_TAGGED_ADDR)
        if va == 0:
            continue                 # (a NULL name read as the descriptor, or judged)
        end = _uncopied(files, space, slot, va)
        if end is None:
            continue
        ranges = [(slot.root, va, end)]
        faulted = end - va < PATH_MAX
        others = [o for o in registry.slots.values()
                  if o is not slot and o.nr is not None and o.root == slot.root]
        if faulted and any(o.nr in MAPPING_CALLS for o in others) or not all(
                _apart(o, space, registry.tid_cleared, ranges) for o in others):
            continue
        if not quiet(slot, dom, registry.slots.values(), registry.user_runs, ranges) and \
                not quiet_in_memfd(files, dom, slot, registry.slots.values(),
                                   registry.user_runs, ranges):
            continue
        why = "runs into a page that faults" if faulted else "has no NUL within PATH_MAX"
        refuse("return.name_too_long", Status.ERR_DENIED,
               f"a call succeeded on a name that {why}: getname() -> strncpy_from_user() "
               f"answers {'-EFAULT' if faulted else '-ENAMETOOLONG'} before any lookup")
