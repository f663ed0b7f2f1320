"""The program's own open of /proc/self/fd/N (or /proc/<its pid>/fd/N, /dev/fd/N) that
names an object only it holds: another open file of that very object, which stays
followed (sole_held.py).

proc_fd_link() reaches the object's inode and do_dentry_open() makes a new struct file:
for a pipe, fifo_open() joins its pipe_inode_info as a reader, a writer or both (by the
open's O_ACCMODE); for a memfd, a second open file of the same shmem inode, whose bytes,
size and seals are the memfd's and whose offset and status flags are its own.  Opening a
FIFO with O_DIRECT fails (EINVAL).  Each is judged only where the name the Guardian reads
at the return is the one the kernel was given: no thread of the domain ran and no call in
flight wrote there since the entry (quiet_ranges.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian import checks, pipe_bytes, sole_files
from guardian.checks import refuse
from guardian.memfd_seals import F_SEAL_SHRINK
from guardian.pipe_bytes import Fifo
from guardian.quiet_ranges import quiet
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.open_files import OpenFile
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

O_RDONLY, O_WRONLY, O_RDWR, O_TRUNC, O_NOATIME = 0, 1, 2, 0o1000, 0o1000000
O_DIRECTORY, __O_TMPFILE = 0o40000, 0o20000000    # (arm64)
_EPERM_RESULT = (-1) & 0xFFFF_FFFF_FFFF_FFFF
_NR_PIPE2 = NUMBERS["pipe2"]
_NR_OPENAT, _NR_OPENAT2, _NR_FTRUNCATE = NUMBERS["openat"], NUMBERS["openat2"], NUMBERS["ftruncate"]
OPENS = frozenset({_NR_OPENAT, _NR_OPENAT2})


def name_quiet(sole: SoleHeld, slot: Slot, length: int) -> bool:
    """Is the name the open passed (args[1], `length` bytes) at this return the one the
    kernel was given?"""
    reg = sole.files.admission.registry
    dom = reg.domains.get(slot.domain)
    return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                     [(slot.root, slot.args[1], slot.args[1] + length)])


def directory(slot: Slot) -> bool:
    """Did the openat in `slot`, as it succeeded, open a directory?  With O_DIRECTORY
    (not as part of O_TMPFILE) do_open() refuses whatever the walk reached that is no
    directory (ENOTDIR), so the open reached no memfd and no pipe.  (openat2's flags live
    in memory: not judged.)"""
    flags = slot.args[2]
    return slot.nr == _NR_OPENAT and bool(flags & O_DIRECTORY) and not flags & __O_TMPFILE


def pipe(sole: SoleHeld, slot: Slot, f: OpenFile) -> bool:
    """An open that succeeded as `f`: is it an end of a pipe only the program holds
    opened again, read or written (not O_PATH, not a packet writer)?  Then `f` reads,
    writes or both that very pipe (`pipe.reopened`)."""
    if f.path_only or f.access not in (O_RDONLY, O_WRONLY, O_RDWR) or \
            not checks.enabled("pipe.reopened") or \
            (f.access != O_RDONLY and sole.open_flags(slot) & pipe_bytes.O_DIRECT):
        return False
    again, length = sole.files.reopen_of(slot)
    obj = sole.by_file.get(again.description) if again is not None else None
    if not isinstance(obj, Fifo) or again is f or not name_quiet(sole, slot, length):
        return False
    sole.by_file[f.description] = obj
    if f.access in (O_RDONLY, O_RDWR):
        obj.more_readers.append(f.description)
    if f.access in (O_WRONLY, O_RDWR):
        obj.more_writers.append(f.description)
    return True


def memfd(sole: SoleHeld, slot: Slot, f: OpenFile) -> bool:
    """An open that succeeded as `f`: is it a memfd only the program holds opened again
    (not O_PATH)?  Then it stays followed, the new open file at offset 0 with an offset
    and an O_APPEND of its own (do_dentry_open() makes a new struct file), and its record
    locks and F_GETFL flags are not judged (`MemFile.shared_open`, `memfd.reopened`).
    With O_TRUNC the open cut the memfd to 0 bytes (do_open() -> handle_truncate(), the
    open's O_TRUNC asking MAY_WRITE whatever its access mode), which shmem_setattr()
    refuses (EPERM) under F_SEAL_SHRINK where it held bytes (`return.memfd_seals`)."""
    if f.path_only or f.access not in (O_RDONLY, O_WRONLY, O_RDWR) or \
            not checks.enabled("memfd.reopened"):
        return False
    again, length = sole.files.reopen_of(slot)
    obj = sole.by_file.get(again.description) if again is not None else None
    if not isinstance(obj, MemFile) or again is f or not obj.followed or \
            not name_quiet(sole, slot, length):
        return False
    flags = sole.open_flags(slot)
    if flags & O_TRUNC:
        if sole.busy(slot, obj, sole_files.ORDERED):
            return False                        # which came first is not known
        sole_files.cut(sole, obj, 0)
    sole.by_file[f.description] = obj
    obj.shared_open, obj.locks, obj.nonblock = True, None, None
    obj.reopens[f.description] = 0
    obj.set_append(f.description, bool(flags & sole_files.O_APPEND))
    return True


def truncated(sole: SoleHeld, slot: Slot) -> tuple[MemFile, OpenFile] | None:
    """For an open with O_TRUNC (that succeeded, or failed: `check_trunc_refused`): the
    memfd only the program holds it opened again, and the open file it named, where
    what the Guardian keeps of the memfd is what the open met (None: another open, or
    not judged)."""
    flags = sole.open_flags(slot) if slot.nr in OPENS else 0
    # (O_PATH: build_open_how() keeps only O_PATH's own flags -- no cut)
    if slot.nr not in OPENS or not sole.by_file or not flags & O_TRUNC or \
            flags & 0o10000000 or not checks.enabled("memfd.reopened"):
        return None
    again, length = sole.files.reopen_of(slot)
    obj = sole.by_file.get(again.description) if again is not None else None
    if not isinstance(obj, MemFile) or not obj.followed or sole.unsettled(slot) or \
            sole.busy(slot, obj, sole_files.ORDERED) or not name_quiet(sole, slot, length):
        return None
    return obj, again  # type: ignore[return-value]


def check_truncated(sole: SoleHeld, slot: Slot, mem: MemFile, again: OpenFile) -> None:
    """`return.memfd_seals`: an open with O_TRUNC of the program's own memfd that holds
    bytes succeeds only without F_SEAL_SHRINK (handle_truncate() -> shmem_setattr()
    fails it with EPERM)."""
    if mem.size and sole.files.seals_of_file(slot, again) & F_SEAL_SHRINK:
        refuse("return.memfd_seals", Status.ERR_DENIED,
               f"an open with O_TRUNC of the program's own {mem.size}-byte memfd, sealed "
               "with F_SEAL_SHRINK, succeeds: do_open() -> handle_truncate() -> "
               "shmem_setattr() fails it with EPERM")


def check_trunc_refused(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """`return.memfd_seals`, the converse: an open with O_TRUNC of the program's own memfd
    fails with EPERM only where its seals forbid the cut -- F_SEAL_SHRINK while it holds
    bytes.  handle_truncate() -> do_truncate() -> shmem_setattr() (hugetlbfs_setattr()
    alike) refuses a size change only for newsize < oldsize under F_SEAL_SHRINK or
    newsize > oldsize under F_SEAL_GROW: cutting an empty memfd to 0 changes nothing, and
    F_SEAL_WRITE never refuses a cut.  Not judged where another EPERM may come: an open
    with O_NOATIME (may_open(): a file the caller does not own), a memfd an ioctl other
    than the plain ones reached (FS_IOC_SETFLAGS may make it append-only or immutable,
    which may_open() and inode_permission() refuse), a process a seccomp filter may
    answer for."""
    if ret != _EPERM_RESULT or sole.open_flags(slot) & O_NOATIME or sole.filtered(slot):
        return
    reopen = truncated(sole, slot)
    if reopen is None:
        return
    mem, again = reopen
    if not mem.shmem or mem.flagged:
        return
    # (seals only grow, and under F_SEAL_SHRINK the size never falls: where neither the
    # seals nor the size now allow the refusal, neither did they when the open cut)
    seals = sole.files.seals.get(again.memfd, 0) if again.memfd else 0
    if not (mem.size and seals & F_SEAL_SHRINK):
        refuse("return.memfd_seals", Status.ERR_DENIED,
               f"an open with O_TRUNC of the program's own {mem.size}-byte memfd, sealed "
               f"{seals:#x}, fails with EPERM: shmem_setattr() refuses a cut only under "
               "F_SEAL_SHRINK and only where it shrinks the file")


def may_truncate(slot: Slot) -> bool:
    """May the call in `slot` cut a memfd the program holds (ftruncate; an open with
    O_TRUNC, which may name one through /proc; openat2, whose flags live in memory)?"""
    return slot.nr == _NR_FTRUNCATE or slot.nr == _NR_OPENAT2 or \
        (slot.nr == _NR_OPENAT and bool(slot.args[2] & O_TRUNC))


def unfollowed(sole: SoleHeld, slot: Slot) -> tuple[bool, object | None]:
    """An open by a name that may reopen a followed object succeeded, and `pipe` and
    `memfd` did not follow it: (known, the object).  Known: the name, as the kernel was
    given it, is /proc/self/fd/N of a descriptor of the thread's own table, so the open
    reaches that descriptor's file and nothing else (proc_fd_link()) -- its object, or
    None where the Guardian follows none there.  Not known: any object may be reached."""
    again, length = sole.files.reopen_of(slot)
    if again is None or not name_quiet(sole, slot, length):
        return False, None
    return True, sole.by_file.get(again.description)


def check_direct(sole: SoleHeld, slot: Slot) -> None:
    """`return.fifo_direct`: an open with O_DIRECT of /proc/self/fd/N (or of a live fork
    child's /proc/<child>/fd/N: its table holds the files it inherited, dup_fd(); in a
    fork child, of N relative to its parent's /proc/self/fd or of /proc/<parent>/fd/N:
    the parent's table, opener_tables.py) naming
    an end of a pipe the program made never succeeds: do_dentry_open() refuses O_DIRECT
    without FMODE_CAN_ODIRECT, which no FIFO has (before 6.0: no a_ops->direct_IO)."""
    again, length = sole.files.reopen_of(slot, children=True)
    if again is None or again.maker != _NR_PIPE2 or not name_quiet(sole, slot, length):
        return
    refuse("return.fifo_direct", Status.ERR_DENIED,
           "an open with O_DIRECT of an end of the program's own pipe succeeds: Linux "
           "refuses O_DIRECT on a FIFO's open (EINVAL); only pipe2 and F_SETFL set it")
