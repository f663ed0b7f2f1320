"""Where READ_IMPLIES_EXEC makes a readable mprotect() or file mmap() executable
(`return.range_table`'s MDWE terms, guardian/prctl_state.py's write_exec_denied()).

Linux: do_mprotect_pkey(): `if (rier && (vma->vm_flags & VM_MAYEXEC)) prot |= PROT_EXEC;`
-- an anonymous area (mmap(MAP_ANONYMOUS), the brk heap, an image's bss) is always
VM_MAYEXEC; do_mmap(): `if (!(file && path_noexec(&file->f_path))) prot |= PROT_EXEC;`
-- a memfd lives on the internal shmem mount, never noexec.  Judged only where the area
at the start is one of the program's own anonymous areas (`anon_areas`) while no other
thread of the space is in a call that may replace it (nor returned one since the entry),
or the descriptor is a memfd.
The same record tells map_deny_write_exec()'s exec gain: an mprotect asking PROT_EXEC of
an area with no VM_EXEC, where no personality() of the space ever set READ_IMPLIES_EXEC
(arm64 clears it at every exec; `RIE_EVER`, guardian/prctl_state.py).
"""

from __future__ import annotations

from typing import Protocol

from abi.syscalls import NUMBERS
from guardian.confidential_registry import Registry
from guardian.slots import Slot

_NR_MEMFD_CREATE = NUMBERS["memfd_create"]
_MAP_ANONYMOUS = 0x20
#: the calls that may replace an area under another thread's mprotect()
_REMAPPERS = frozenset(NUMBERS[n] for n in ("mmap", "mremap", "munmap", "shmat", "brk",
                                             "remap_file_pages", "mprotect", "pkey_mprotect",
                                             "personality"))


class _Makers(Protocol):
    def maker_of(self, slot: Slot, fd: int) -> int | None: ...


def may_exec(reg: Registry, files: _Makers, slot: Slot, name: str) -> int | None:
    """The mapping this mmap makes, or the area this mprotect starts in, where known to be
    VM_MAYEXEC: the anonymous area's protection as the program's own calls left it (0 for
    a memfd's mmap); None: not known."""
    a = slot.args
    if name == "mmap":
        memfd = not a[3] & _MAP_ANONYMOUS and \
            files.maker_of(slot, a[4] & 0xFFFF_FFFF) == _NR_MEMFD_CREATE
        return 0 if memfd else None
    space = reg.space_of(slot.domain, slot.root)
    # (an area call of the space that returned since the entry may have acted after it:
    # `Space.area_mark`)
    if space is None or slot.id < space.area_mark or any(
            o is not slot and o.root == slot.root and o.nr in _REMAPPERS
            for o in reg.slots.values()):
        return None
    return next((prot for s, e, prot in reversed(space.anon_areas) if s <= a[0] < e), None)
