"""`return.memfd_seals`: a memfd's seals refuse the calls they forbid.

A memfd's seals only grow (memfd_add_seals() ORs them in; nothing removes one), and a
memfd made without MFD_ALLOW_SEALING (or MFD_NOEXEC_SEAL) starts with F_SEAL_SEAL
(memfd_create()).  The Guardian knows the seals each memfd the program made held when a
call on it entered (`Descriptors.seals_met`: those recorded before the call's slot was
made, so a seal added while the call was in the kernel is not held against it), and
holds a success to what Linux's shmem code lets through:

* F_ADD_SEALS once F_SEAL_SEAL is set fails with EPERM (memfd_add_seals());
* a write of any flavour under F_SEAL_WRITE or F_SEAL_FUTURE_WRITE moves no byte:
  shmem_write_begin() refuses every chunk (EPERM), so no count above 0 comes back;
* a punched hole under F_SEAL_WRITE or F_SEAL_FUTURE_WRITE fails with EPERM
  (shmem_fallocate());
* and, for a memfd only the program holds, whose exact size the Guardian keeps
  (sole_files.py; nothing else of the program's in flight on it): under F_SEAL_GROW a
  write never ends past the size (shmem_write_begin() refuses a chunk with pos + len >
  i_size, and only chunks before it count), nor does a fallocate (shmem_fallocate(),
  KEEP_SIZE or not); ftruncate() to a larger size under F_SEAL_GROW, or to a smaller one
  under F_SEAL_SHRINK, fails with EPERM (shmem_setattr()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.sole_files import MemFile, appends, opened, positioned, v2_followed

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_NR = NUMBERS
_WRITE, _WRITEV, _PWRITE, _PWRITEV = _NR["write"], _NR["writev"], _NR["pwrite64"], _NR["pwritev"]
_PWRITEV2 = _NR["pwritev2"]
_FCNTL, _FALLOCATE, _FTRUNCATE = _NR["fcntl"], _NR["fallocate"], _NR["ftruncate"]
_WRITES = frozenset({_WRITE, _WRITEV, _PWRITE, _PWRITEV, _PWRITEV2})
#: Every call this module judges.
CALLS = frozenset({*_WRITES, _FCNTL, _FALLOCATE, _FTRUNCATE})
F_ADD_SEALS = 1033
F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE = 1, 2, 4, 8, 16
NO_WRITES = F_SEAL_WRITE | F_SEAL_FUTURE_WRITE
FALLOC_FL_PUNCH_HOLE = 0x02


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    """The seals the memfd held when the call entered forbid the success it answers?"""
    if ret >= ERRNO_FLOOR:
        return
    nr, a = slot.nr, slot.args
    if nr == _FCNTL and a[1] & 0xFFFF_FFFF != F_ADD_SEALS:
        return
    seals = files.seals_met(slot, a[0])
    if not seals:
        return
    if nr == _FCNTL:
        if seals & F_SEAL_SEAL:
            _refused(f"F_ADD_SEALS succeeds on a memfd holding F_SEAL_SEAL ({seals:#x}): "
                     "memfd_add_seals() fails with EPERM once it is set")
        return
    if nr in _WRITES:
        if ret and seals & NO_WRITES:
            _refused(f"a write into a memfd sealed against writing ({seals:#x}) reports "
                     f"{ret} bytes: shmem refuses every write under F_SEAL_WRITE and "
                     "F_SEAL_FUTURE_WRITE (EPERM)")
        if ret and seals & F_SEAL_GROW and (nr != _PWRITEV2 or v2_followed(slot)):
            _check_grow_write(files, slot, ret)
        return
    if nr == _FALLOCATE:
        mode = a[1] & 0xFFFF_FFFF
        if mode & FALLOC_FL_PUNCH_HOLE and seals & NO_WRITES:
            _refused(f"a hole punched in a memfd sealed against writing ({seals:#x}) "
                     "succeeds: shmem_fallocate() fails with EPERM")
        elif not mode & FALLOC_FL_PUNCH_HOLE and seals & F_SEAL_GROW:
            mem = _sized(files, slot)
            if mem is not None and a[2] + a[3] > mem.size:
                _refused(f"fallocate() of {a[3]} bytes at offset {a[2]} succeeds past the "
                         f"end ({mem.size} bytes) of a memfd sealed with F_SEAL_GROW: "
                         "shmem_fallocate() fails with EPERM")
        return
    if nr == _FTRUNCATE and seals & (F_SEAL_GROW | F_SEAL_SHRINK):
        mem = _sized(files, slot)
        if mem is None:
            return
        if (a[1] > mem.size and seals & F_SEAL_GROW) or \
                (a[1] < mem.size and seals & F_SEAL_SHRINK):
            _refused(f"ftruncate() from {mem.size} to {a[1]} bytes succeeds on a memfd "
                     f"sealed with {seals:#x}: shmem_setattr() fails with EPERM for a size "
                     "change the seals forbid")


def _check_grow_write(files: Descriptors, slot: Slot, ret: int) -> None:
    mem = _sized(files, slot)
    if mem is None:
        return
    nr, a = slot.nr, slot.args
    desc = opened(files.sole, slot, mem)
    pos = mem.size if appends(mem, desc, slot) else a[3] if positioned(nr, a) else \
        mem.offset_of(desc)
    if pos is not None and pos + ret > mem.size:
        _refused(f"a write of {ret} bytes at offset {pos} of a memfd sealed with "
                 f"F_SEAL_GROW ends past its size ({mem.size} bytes): shmem_write_begin() "
                 "refuses each chunk that would grow it (EPERM)")


def _sized(files: Descriptors, slot: Slot) -> MemFile | None:
    """The memfd behind args[0], where only the program holds it and its size is known
    (no other call of the program on it, and nothing unfollowed, in flight)."""
    mem = files.sole.settled(slot, slot.args[0])
    return mem if isinstance(mem, MemFile) else None


def _refused(why: str) -> None:
    refuse("return.memfd_seals", Status.ERR_DENIED, why)
