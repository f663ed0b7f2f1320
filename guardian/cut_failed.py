"""What a cut of a file only the program holds may answer.

Linux's do_ftruncate() (and do_open() -> handle_truncate() for an O_TRUNC open) checks
the descriptor, the length and the seals, then do_truncate() -> notify_change() ->
shmem_setattr() cuts: it sets the size, and truncate_pagecache() ->
unmap_mapping_range(..., even_cows = 1) frees every private copy's swap entry wholly past
the new end (zap_pte_range(): free_swap_and_cache()).  Nothing after that fails, so a cut
that dropped a swapped-out copy returned success (`return.cut_failed_kept`).

And shmem_setattr() takes no killable lock and waits for nothing a signal ends
(inode_lock(), sb_start_write() and the page walks sleep uninterruptibly): ftruncate of
a memfd only the program holds never answers -EINTR (`return.ftruncate_no_eintr`), unless
a seccomp filter the program may have installed answers it (SECCOMP_RET_ERRNO).  An
O_TMPFILE file lies on some other file system (FUSE's setattr answers what its server
says): not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import EINTR_RESULT
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_domains import UNMAPPING_CALLS
from guardian.cut_swapped import leaf_entry, swapped_past_cut
from guardian.cut_windows import CUT_CALLS, copy_cut
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot, Space
    from guardian.state import MonitorState

_NR_FTRUNCATE = NUMBERS["ftruncate"]


def check_failed_cut(state: MonitorState, files: Descriptors, registry: Registry,
                     slot: Slot, ret: int, spaces: dict[int, Space], filtered: bool) -> None:
    """The cut the program asked for in `slot` failed: no swapped-out copy of a page of
    the file wholly past the end it asked for lost its entry (do_truncate() fails before
    shmem_setattr() touches a page), and a memfd's ftruncate did not answer -EINTR."""
    if slot.nr not in CUT_CALLS:
        return
    cut = copy_cut(files, registry, slot)
    if cut is None or not isinstance(cut[0], MemFile):
        return
    mem, size = cut
    # (Another unmapping or cut of the domain in flight may have freed an entry: its
    # record ends only at its return.)
    racing = any(s is not slot and s.domain == slot.domain and
                 (s.nr in UNMAPPING_CALLS or s.nr in CUT_CALLS)
                 for s in registry.slots.values())
    for root, va in (() if racing else swapped_past_cut(state, mem, size, spaces)):
        if not leaf_entry(state, root, va):
            refuse("return.cut_failed_kept", Status.ERR_DENIED,
                   f"a cut of a file only the program holds to {size} bytes failed, "
                   f"but the swapped-out copy at {va:#x} lost its entry: Linux's "
                   "do_truncate() fails before shmem_setattr() -> "
                   "truncate_pagecache() frees a swap entry, and succeeds after")
    if slot.nr == _NR_FTRUNCATE and ret == EINTR_RESULT and mem.shmem \
            and not filtered and files.steady(slot):
        refuse("return.ftruncate_no_eintr", Status.ERR_DENIED,
               "ftruncate of a memfd only the program holds answered -EINTR: "
               "do_sys_ftruncate() -> do_truncate() -> shmem_setattr() waits for nothing "
               "a signal ends")
