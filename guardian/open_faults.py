"""An open that fails with EFAULT though what it reads of the program lies readable.

openat() reads one thing of the program's memory: its name (getname() ->
strncpy_from_user(), at most PATH_MAX bytes, NUL included); openat2() also its struct
open_how (copy_struct_from_user() of usize bytes, read only where 24 <= usize <= PAGE_SIZE:
EINVAL and E2BIG come first).  Nothing else of an open copies from or to user memory, so
Linux answers -EFAULT only where one of those reads faults.  Where the Guardian reads the
whole name (its NUL within PATH_MAX) and the struct from pages the program holds present
and readable at EL0, left quiet since the entry (quiet_ranges.py) with no other call of
its address space in flight (a munmap() or mprotect() there may have gone before the
read), the reads could not fault (`return.open_name_fault`).  A pointer with a top byte set
is no such read: arm64's access_ok() untags it only for a task that enabled the tagged
address ABI (TIF_TAGGED_ADDR, PR_SET_TAGGED_ADDR_CTRL), else refuses it: -EFAULT, though
the MMU (top-byte-ignore) would read it.

Before getname() reads the name, sys_openat2() checks usize and copies the struct, and
do_sys_openat2() runs build_open_flags(): an open whose flags (openat2's struct read
from quiet, untagged memory) Linux refuses there never answers -EFAULT
(`return.open_flags_first`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian import reopen_flags
from guardian.checks import refuse
from guardian.fd_names import PATH_MAX
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

EFAULT_RESULT = (-14) & 0xFFFF_FFFF_FFFF_FFFF
_NR_OPENAT2 = NUMBERS["openat2"]
_OPEN_HOW_SIZE_VER0, _PAGE = 24, 4096
#: arm64's top byte: access_ok() untags it only under TIF_TAGGED_ADDR
_TAG_SHIFT = 56


def _read_ranges(files: Descriptors, slot: Slot) -> list[tuple[int, int, int]] | None:
    """The (root, start, end) ranges the open in `slot` reads of the program, each read
    now from present, EL0-readable pages; None where one is not (or the name has no NUL
    within PATH_MAX)."""
    a = slot.args
    if a[1] >> _TAG_SHIFT or slot.nr == _NR_OPENAT2 and a[2] >> _TAG_SHIFT:
        return None                  # (access_ok() refuses a tagged pointer: see above)
    raw, va = b"", a[1]
    while b"\0" not in raw and len(raw) < PATH_MAX:
        chunk = files.memory.read(va, _PAGE - va % _PAGE, slot.root)
        if chunk is None:
            return None
        raw, va = raw + chunk, va + len(chunk)
    length = raw.find(b"\0")
    if not 0 <= length < PATH_MAX:
        return None                  # (getname(): ENAMETOOLONG)
    ranges = [(slot.root, a[1], a[1] + length + 1)]
    if slot.nr == _NR_OPENAT2 and _OPEN_HOW_SIZE_VER0 <= a[3] <= _PAGE:
        if files.memory.read(a[2], a[3], slot.root) is None:
            return None
        ranges.append((slot.root, a[2], a[2] + a[3]))
    return ranges


def check_flags_first(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.open_flags_first`: an openat() or openat2() answered -EFAULT has flags
    build_open_flags() takes (and openat2 a struct size sys_openat2() takes)."""
    if slot.nr == _NR_OPENAT2 and slot.args[2] >> _TAG_SHIFT:
        return                       # (copy_struct_from_user() faults first)
    opened = reopen_flags.how(files, registry, slot)
    # (every_version: a kernel before 6.4 reads the name of an O_CREAT|O_DIRECTORY open,
    # and its -EFAULT is a Linux answer too)
    why = reopen_flags.flag_error(opened, slot.nr == _NR_OPENAT2, every_version=True) \
        if opened else None
    if why is not None:
        refuse("return.open_flags_first", Status.ERR_DENIED,
               f"an open answered -EFAULT, but {why}, before getname() reads the name")


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.open_name_fault`: an openat() or openat2() answered -EFAULT reads nothing
    of the program the Guardian finds readable and quiet."""
    check_flags_first(files, registry, slot)
    dom = registry.domains.get(slot.domain)
    if dom is None or any(o is not slot and o.nr is not None and o.root == slot.root
                          for o in registry.slots.values()):
        return
    ranges = _read_ranges(files, slot)
    if ranges is None or not quiet(slot, dom, registry.slots.values(), registry.user_runs,
                                   ranges):
        return
    refuse("return.open_name_fault", Status.ERR_DENIED,
           "an open answered -EFAULT, but its name (and openat2's struct) lie whole in "
           "readable memory the program left alone: getname() and copy_struct_from_user() "
           "fault nowhere there")
