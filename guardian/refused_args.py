"""Successes Linux never gives for a call's arguments alone: memory calls it refuses before
any area, and calls on a negative descriptor.

`return.mm_args_refused`: each memory call below checks its range before it looks at any
area (x0 as untagged_addr() gives it, guardian/mm_untag.py), and every 6.x version fails
it (a start past TASK_SIZE_MAX -- at most 1 << 52 on arm64 -- holds no area):

- mprotect, pkey_mprotect (do_mprotect_pkey()): both grows bits, an unaligned start
  (-EINVAL); then a length of 0 succeeds; a range that wraps (-ENOMEM), a bit
  arm64's arch_validate_prot() refuses (READ, WRITE, EXEC, SEM, BTI and MTE only where
  the CPU has them: AT_HWCAP2), a key mm_pkey_is_allocated() refuses (-EINVAL), a start
  past TASK_SIZE_MAX (vma_find(): -ENOMEM), PROT_GROWSUP (no VM_GROWSUP on arm64);
- munmap (do_vmi_munmap()): an unaligned start, one past TASK_SIZE_MAX, a length of 0;
- madvise (do_madvise()): an unaligned start; a start past TASK_SIZE_MAX with a length
  (madvise_walk_vmas(): -ENOMEM, madvise_inject_error(): no page);
- mlock, mlock2, munlock (do_mlock(), SYSCALL_DEFINE2(munlock) -> apply_vma_lock_flags()):
  a start past TASK_SIZE_MAX with a page-aligned length not 0 (-ENOMEM, or -EINVAL wrapped);
- msync (SYSCALL_DEFINE3(msync)): an unknown flag, an unaligned start, MS_ASYNC with
  MS_SYNC, a start past TASK_SIZE_MAX with a length;
- mincore (SYSCALL_DEFINE3(mincore)): an unaligned start, a start past TASK_SIZE_MAX
  (access_ok(): -ENOMEM).

`return.negative_descriptor`: a descriptor argument is an int (the wrappers take its low
32 bits); a negative one is past any fdtable (NR_OPEN < 1 << 31), so fdget() finds no file
and the call answers -EBADF, where the call takes a descriptor there with no exception:
AT_FDCWD and absolute names (path_init()), mmap's MAP_ANONYMOUS, perf_event_open's group
-1, fanotify_mark's dfd and close_range's unsigned bounds are left out.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.layout import untagged_addr
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.mprotect_unchanged import key_unallocated, valid_prot
from guardian.slots import PAGE, Slot, Space
from guardian.user_memory import UserMemory

_U64 = 1 << 64
#: arm64's TASK_SIZE_MAX with 52-bit user addresses: no area starts past it
_TASK_MAX = 1 << 52
_GROWSDOWN, _GROWSUP = 0x0100_0000, 0x0200_0000
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4
AT_FDCWD = -100


def _nr(name: str) -> int:
    return NUMBERS.get(name, -1)


_MPROTECT, _PKEY_MPROTECT, _MUNMAP, _MADVISE = (
    _nr(n) for n in ("mprotect", "pkey_mprotect", "munmap", "madvise"))
_LOCKS = frozenset(_nr(n) for n in ("mlock", "mlock2", "munlock"))
_MSYNC, _MINCORE = _nr("msync"), _nr("mincore")
MM_CALLS = frozenset({_MPROTECT, _PKEY_MPROTECT, _MUNMAP, _MADVISE, _MSYNC, _MINCORE}
                     | _LOCKS) - {-1}


def _page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1) & (_U64 - 1)


def _mprotect(space: Space, a: tuple[int, ...], pkey: int | None) -> str:
    start, length, prot = a[0], a[1], a[2]
    if prot & (_GROWSDOWN | _GROWSUP) == _GROWSDOWN | _GROWSUP:
        return "both PROT_GROWSDOWN and PROT_GROWSUP (-EINVAL)"
    if start % PAGE:
        return "an unaligned start (-EINVAL)"
    if not length:
        return ""
    if (start + _page_up(length)) % _U64 <= start:
        return "a range that wraps (-ENOMEM)"
    if not valid_prot(space, prot):
        return f"prot {prot:#x}, a bit arch_validate_prot() refuses (-EINVAL)"
    if pkey is not None and pkey != -1 and key_unallocated(space, pkey):
        return f"key {pkey}, which mm_pkey_is_allocated() refuses (-EINVAL)"
    if start > _TASK_MAX:
        return "a start past TASK_SIZE (vma_find(): -ENOMEM)"
    if prot & _GROWSUP:
        return "PROT_GROWSUP (no VM_GROWSUP on arm64: -EINVAL)"
    return ""


def mm_refused(space: Space, nr: int, a: tuple[int, ...]) -> str:
    """Why Linux fails the memory call `nr` with arguments `a` whatever its areas ('')."""
    a = (untagged_addr(a[0]), *a[1:])               # (as the entry took it: mm_untag.py)
    start = a[0]
    if nr == _MPROTECT:
        return _mprotect(space, a, None)
    if nr == _PKEY_MPROTECT:
        key = a[3] & 0xFFFF_FFFF
        return _mprotect(space, a, key - (key >> 31 << 32))
    if nr == _MUNMAP:
        if start % PAGE or start > _TASK_MAX or not _page_up(a[1]):
            return "an unaligned start, one past TASK_SIZE or no length (-EINVAL)"
        return ""
    if nr == _MADVISE:
        if start % PAGE:
            return "an unaligned start (-EINVAL)"
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and a[1] else ""
    if nr in _LOCKS:
        length = _page_up(a[1] + start % PAGE)
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and length else ""
    if nr == _MSYNC:
        flags = a[2] & 0xFFFF_FFFF
        if flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) or start % PAGE or \
                flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC:
            return "an unknown flag, an unaligned start or MS_ASYNC with MS_SYNC (-EINVAL)"
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and \
            _page_up(a[1]) else ""
    if nr == _MINCORE:
        if start % PAGE:
            return "an unaligned start (-EINVAL)"
        return "a start past TASK_SIZE (access_ok(): -ENOMEM)" if start > _TASK_MAX else ""
    return ""


def check_mm(space: Space, slot: Slot, ret: int) -> None:
    """`return.mm_args_refused`: a success of a memory call Linux fails for its arguments."""
    why = mm_refused(space, slot.nr or 0, slot.args)
    if why:
        refuse("return.mm_args_refused", Status.ERR_DENIED,
               f"syscall {slot.nr} answered {ret:#x} for {why}: Linux fails it before it "
               "looks at any area")


#: call -> the arguments that are descriptors fdget() (or fdget_pos(), fdget_raw(),
#: sockfd_lookup_light()) must find, each with no negative exception.
_FD_ARGS: dict[str, tuple[int, ...]] = {
    # fs/open.c: SYSCALL_DEFINE1(close) -> close_fd(): pick_file() of an fd past max_fds
    "close": (0,),
    # fs/fcntl.c: SYSCALL_DEFINE3(fcntl): fdget_raw(); fs/ioctl.c: SYSCALL_DEFINE3(ioctl)
    "fcntl": (0,), "ioctl": (0,),
    # fs/file.c: SYSCALL_DEFINE1(dup): fget_raw(); ksys_dup3(): newfd >= RLIMIT_NOFILE
    "dup": (0,), "dup3": (0, 1),
    # fs/read_write.c: ksys_lseek(), ksys_read(), ksys_write(), ksys_pread64(), ...: fdget_pos()
    "lseek": (0,), "read": (0,), "write": (0,), "readv": (0,), "writev": (0,),
    "pread64": (0,), "pwrite64": (0,), "preadv": (0,), "pwritev": (0,),
    # fs/sync.c: do_fsync(), SYSCALL_DEFINE1(syncfs), ksys_sync_file_range(): fdget()
    "fsync": (0,), "fdatasync": (0,), "syncfs": (0,), "sync_file_range": (0,),
    # fs/open.c: do_ftruncate()'s caller, ksys_fallocate(), SYSCALL_DEFINE2(fchmod),
    # ksys_fchown(), SYSCALL_DEFINE1(fchdir): fdget()
    "ftruncate": (0,), "fallocate": (0,), "fchmod": (0,), "fchown": (0,), "fchdir": (0,),
    # fs/locks.c: SYSCALL_DEFINE2(flock); mm/fadvise.c: ksys_fadvise64_64();
    # mm/readahead.c: ksys_readahead(); fs/readdir.c: SYSCALL_DEFINE3(getdents64)
    "flock": (0,), "fadvise64": (0,), "readahead": (0,), "getdents64": (0,),
    # fs/xattr.c: SYSCALL_DEFINE5(fsetxattr), fgetxattr, flistxattr, fremovexattr: fdget()
    "fsetxattr": (0,), "fgetxattr": (0,), "flistxattr": (0,), "fremovexattr": (0,),
    # fs/stat.c: vfs_fstat(): fdget_raw(); fs/statfs.c: fd_statfs(): fdget()
    "fstat": (0,), "fstatfs": (0,),
    # fs/notify/inotify/inotify_user.c: inotify_add_watch, inotify_rm_watch: fdget()
    "inotify_add_watch": (0,), "inotify_rm_watch": (0,),
    # net/socket.c: __sys_shutdown(), __sys_listen(), ...: sockfd_lookup_light() -> fdget()
    "shutdown": (0,), "listen": (0,), "bind": (0,), "connect": (0,), "accept4": (0,),
    "getsockname": (0,), "getpeername": (0,), "sendto": (0,), "recvfrom": (0,),
    "setsockopt": (0,), "getsockopt": (0,), "sendmsg": (0,), "recvmsg": (0,),
}
FD_CALLS: dict[int, tuple[int, ...]] = {
    NUMBERS[n]: idx for n, idx in _FD_ARGS.items() if n in NUMBERS}
_OPENAT = _nr("openat")
#: the calls `check_fd` judges (openat: a relative name at a negative dfd)
NEGATIVE_FD_CALLS = frozenset(FD_CALLS) | ({_OPENAT} - {-1})


def _negative(v: int) -> bool:
    return bool(v & 0x8000_0000)


def check_fd(memory: UserMemory, slot: Slot, ret: int,
             name_quiet: Callable[[], bool]) -> None:
    """`return.negative_descriptor`: no success on a descriptor fdget() cannot find.
    `name_quiet`: openat's name lay as getname() copied it through the call
    (quiet_ranges.quiet(); another thread may rewrite an absolute name relative)."""
    nr, a = slot.nr, slot.args
    if nr == _OPENAT:
        dfd = (a[0] & 0xFFFF_FFFF) - (1 << 32)
        if not _negative(a[0]) or dfd == AT_FDCWD:
            return
        # (path_init(): an absolute name never looks at dfd, an empty one fails -ENOENT)
        first = memory.read(a[1], 1, slot.root)
        if first is None or first in (b"/", b"\0") or not name_quiet():
            return
        why = f"a relative name at dfd {dfd} (path_init(): fdget())"
    else:
        bad = [i for i in FD_CALLS.get(nr or -1, ()) if _negative(a[i])]
        if not bad:
            return
        why = f"descriptor {(a[bad[0]] & 0xFFFF_FFFF) - (1 << 32)}"
    refuse("return.negative_descriptor", Status.ERR_DENIED,
           f"syscall {nr} answered {ret:#x} for {why}: fdget() finds no file (-EBADF)")
