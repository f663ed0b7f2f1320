"""Names getname() never reads, and names it cannot read at all.

utimensat() with both times UTIME_OMIT answers 0 before it looks at its name
(SYSCALL_DEFINE4(utimensat): "Nothing to do, we must not even check the path"), so its
name is judged only where the times are NULL or were read quiet and are not both
UTIME_OMIT.  A NULL name is the descriptor itself for utimensat() where dfd is not
AT_FDCWD and flags are 0 (do_utimes() -> do_utimes_fd()), for acct() (accounting off)
and quotactl()'s Q_SYNC of a type below MAXQUOTAS (quota_sync_all()), and may be the
descriptor for statx(), newfstatat() and move_mount() under AT_EMPTY_PATH
(getname_maybe_null() on newer kernels) where dfd is not negative (AT_FDCWD aside: the
working directory): never judged there.  Under a negative dfd other than AT_FDCWD every
6.x fails (-EFAULT, -EINVAL or -EBADF).

Elsewhere strncpy_from_user() refuses an address access_ok() refuses: NULL (no page is
mapped at 0 where the Guardian can read none there), and an address at or above
TASK_SIZE (1 << 48) once untagged -- arm64's untagged_addr() clears the top byte only
under TIF_TAGGED_ADDR, which a thread gets by prctl(PR_SET_TAGGED_ADDR_CTRL) or inherits
(guardian/tagged_abi.py follows it per thread).

A name with no NUL also faults, before PATH_MAX, where it runs into a page the program's
own mprotect(PROT_NONE) (or mmap) left without access (guardian/protections.py:
access_error() refuses every access).  A page of a MAP_SHARED mapping of a memfd past
the size its ftruncate or fallocate gave it is no such page: that size is a floor
(guardian/memfd_sizes.py), which a write() or pwrite64() grows past unseen, and
shmem_fault() maps every page below the file's real size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.layout import USER_TOP
from abi.syscalls import NUMBERS
from guardian.protections import PROT_MASK, protection_at
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot, Space
    from guardian.tagged_abi import TaggedAbi

_NR_UTIMENSAT = NUMBERS["utimensat"]
_UTIME_OMIT = (1 << 30) - 2
_AT_FDCWD = 0xFFFF_FF9C
_AT_EMPTY_PATH = 0x1000
_PAGE = 4096
#: (call, name argument) -> (flags argument, the flag under which NULL may be the dfd):
#: getname_maybe_null() (statx and newfstatat from 6.10, move_mount from 6.15; older
#: kernels -EFAULT, so never judged).  Every other *at() call copies NULL through
#: getname_flags() / getname_uflags(), whose LOOKUP_EMPTY lets the name be "", not NULL
#: (fchownat, fchmodat2, faccessat2, linkat, readlinkat, name_to_handle_at, open_tree,
#: fspick: user_path_at(): -EFAULT).
_NULL_OK: dict[tuple[str, int], tuple[int, int]] = {
    ("newfstatat", 1): (3, _AT_EMPTY_PATH), ("statx", 1): (2, _AT_EMPTY_PATH),
    ("move_mount", 1): (4, 0x4), ("move_mount", 3): (4, 0x40), ("acct", 0): (0, 0),
}
#: the directory descriptor of move_mount()'s to_pathname (others: argument 0)
_DFD_OF = {(NUMBERS["move_mount"], 3): 2} if "move_mount" in NUMBERS else {}
_NULL_BY_NR = {(NUMBERS[c], a): v for (c, a), v in _NULL_OK.items() if c in NUMBERS}
_NR_QUOTACTL = NUMBERS["quotactl"]
_Q_SYNC, _MAXQUOTAS = 0x800001, 3


def names_read(files: Descriptors, registry: Registry, slot: Slot) -> bool:
    """Did a success need its names read?  Not a utimensat() whose times are both
    UTIME_OMIT, or whose times the Guardian cannot read quiet."""
    if slot.nr != _NR_UTIMENSAT or slot.args[2] == 0:
        return True
    times = slot.args[2]
    raw = files.memory.read(times, 32, slot.root)
    dom = registry.domains.get(slot.domain)
    if raw is None or dom is None or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, times, times + 32)]):
        return False
    return not (int.from_bytes(raw[8:16], "little") == _UTIME_OMIT
                and int.from_bytes(raw[24:32], "little") == _UTIME_OMIT)


def null_read(slot: Slot, arg: int) -> bool:
    """Does a NULL name at `arg` make the call fail (getname(): -EFAULT; quotactl() other
    than Q_SYNC: -ENODEV or -EINVAL; utimensat() of the descriptor with flags: -EINVAL)?"""
    a = slot.args
    if slot.nr == _NR_UTIMENSAT and arg == 1 and a[0] & 0xFFFF_FFFF != _AT_FDCWD:
        # (do_utimes() -> do_utimes_fd(): flags -EINVAL, then fdget() of a negative dfd
        # finds no file: -EBADF)
        return a[3] & 0xFFFF_FFFF != 0 or _bad_dfd(a[0])
    if slot.nr == _NR_QUOTACTL and arg == 1:
        # (SYSCALL_DEFINE4(quotactl): type >= MAXQUOTAS -EINVAL, then a NULL special
        # is Q_SYNC's only (quota_sync_all()), any other command -ENODEV)
        cmd = a[0] & 0xFFFF_FFFF
        return cmd >> 8 != _Q_SYNC or cmd & 0xFF >= _MAXQUOTAS
    rule = _NULL_BY_NR.get((slot.nr, arg))
    if rule is None:
        return True
    flags_arg, flag = rule
    if not flag:
        return False
    # (getname_maybe_null() gives NULL; it is the descriptor only where dfd >= 0
    # (vfs_fstatat(), SYSCALL_DEFINE5(statx), move_mount()), AT_FDCWD looks up "" at the
    # working directory, any other negative dfd finds no file: -EBADF; before,
    # vfs_empty_path() is false for dfd < 0 and the copy faults: -EFAULT)
    return not a[flags_arg] & flag or _bad_dfd(a[_DFD_OF.get((slot.nr, arg), 0)])


def _bad_dfd(dfd: int) -> bool:
    """A negative directory descriptor other than AT_FDCWD (fdget(): no file)."""
    dfd &= 0xFFFF_FFFF
    return dfd >= 1 << 31 and dfd != _AT_FDCWD


def out_of_reach(slot: Slot, va: int, tagged: TaggedAbi) -> bool:
    """Does access_ok() refuse `va` for the slot's thread (at or above TASK_SIZE once
    untagged; untagged only under the thread's TIF_TAGGED_ADDR)?"""
    return tagged.untag(slot, va) >= USER_TOP


def faults_at(space: Space, va: int) -> bool:
    """Does the program's own mapping make a read at `va` fault (PROT_NONE)?"""
    prot = protection_at(space, va)
    return prot is not None and not prot & PROT_MASK     # (access_error())
