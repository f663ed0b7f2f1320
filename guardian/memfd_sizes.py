"""How large each memfd the program made is, as its own calls sized it.

A memfd starts empty (memfd_create), ftruncate sets its size and fallocate without
FALLOC_FL_KEEP_SIZE grows it to cover the range (shmem supports no other size change:
collapse and insert ranges are refused; a punched hole keeps the size and refaults as
zeros).  A write may grow it further, never shrink it, so the size recorded here is a
floor the file keeps until the program's own next ftruncate or open with O_TRUNC of it
through /proc/self/fd (which cuts it to 0) -- while neither is in flight, and as long as
the program truncated nothing else that may be a memfd reached through /proc (then every
size is forgotten).

`signal.resolved_fault` uses it (guardian/heap_faults.py `check_shared_file`): Linux's
shmem fault maps any page that starts below the file's size, so a SIGBUS with BUS_ADRERR
(an access past the end of a mapped file) never reports a page inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.fd_results import s32
from guardian.slots import Domain, Slot, Space
from guardian.sole_reopens import may_truncate

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

_NR_FTRUNCATE, _NR_FALLOCATE = NUMBERS["ftruncate"], NUMBERS["fallocate"]
_NR_TRUNCATE = NUMBERS["truncate"]
#: The calls that size a memfd (`note_size`).
SIZE_CALLS = frozenset({_NR_FTRUNCATE, _NR_FALLOCATE, _NR_TRUNCATE})
FALLOC_FL_KEEP_SIZE = 0x01
PAGE = 4096


def note_size(files: Descriptors, slot: Slot, ret: int) -> None:
    """After an accepted return of ftruncate, fallocate or truncate: the size it gave a
    memfd the program made.  A truncate by path, or an ftruncate through a descriptor the
    Guardian cannot name (not opened by a path it resolved), may name a memfd through
    /proc: every size is forgotten (those memfds are no longer judged)."""
    if ret >= ERRNO_FLOOR:
        return
    if slot.nr == _NR_TRUNCATE:
        files.memfd_sizes.clear()
        return
    memfd = files.memfd(slot, slot.args[0])
    if not memfd:
        f = files.table(slot.root, slot.thread).fds.get(s32(slot.args[0]))
        if slot.nr == _NR_FTRUNCATE and (f is None or f.path is None
                                         or f.path.startswith("/proc/")):
            files.memfd_sizes.clear()
        return
    if memfd not in files.memfd_sizes:
        return
    a = slot.args
    if slot.nr == _NR_FTRUNCATE:
        files.memfd_sizes[memfd] = a[1]
    elif not a[1] & FALLOC_FL_KEEP_SIZE:
        files.memfd_sizes[memfd] = max(files.memfd_sizes[memfd], a[2] + a[3])


def inside_memfd(files: Descriptors, dom: Domain, space: Space, va: int,
                 slots: Iterable[Slot]) -> tuple[int, int] | None:
    """(file offset, size) where va lies in a MAP_SHARED mapping of a memfd the program
    made, on a page that starts below the size its calls gave it; None elsewhere, and
    while an ftruncate or an open that may truncate of the domain is in flight (it may be
    shrinking the file)."""
    at = space.share_at(va)
    if at is None:
        return None
    share, offset = at
    memfd = next((m for m, sh in dom.memfd_shares.items() if sh == share), 0)
    size = files.memfd_sizes.get(memfd) if memfd else None
    if size is None or offset & ~(PAGE - 1) >= size:
        return None
    if any(s.domain == dom.id and may_truncate(s) for s in slots):
        return None
    return offset, size
