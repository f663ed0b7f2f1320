"""`return.perf_event_args`: perf_event_open() arguments no 6.x kernel takes.

kernel/events/core.c, in the order Linux tests them (any one fails the call):
- SYSCALL_DEFINE5(perf_event_open): flags & ~PERF_FLAG_ALL, -EINVAL;
- perf_copy_attr(): attr.size above PAGE_SIZE, or not 0 (PERF_ATTR_SIZE_VER0's stand-in)
  and below PERF_ATTR_SIZE_VER0 (64), -E2BIG; copy_struct_from_user() ->
  check_zeroed_user(): a non-zero byte past the kernel's own struct, up to attr.size,
  -E2BIG (no 6.1..6.18 struct reaches _STRUCT_MAX; only bytes past it are judged);
- perf_copy_attr(): a bit of the flag word's __reserved_1, -EINVAL (judged: bits 48..63,
  past every flag 6.1..6.18 define -- sigtrap is bit 37 -- and any a later one may add);
- SYSCALL_DEFINE5(perf_event_open): !attr.freq and attr.sample_period bit 63, -EINVAL;
- PERF_FLAG_PID_CGROUP with cpu -1 (a cgroup event needs a cpu), -EINVAL;
  perf_cgroup_connect() -> css_tryget_online_from_dir(): pid's file no directory of a
  cgroup fs, -EBADF -- judged for a file the program's own openat() opened for writing
  (may_open(): a directory opened with MAY_WRITE is -EISDIR, so it is none) and for one
  a call of `_NO_DIR` made (a pipe end, a socket, a memfd ...: none is a cgroup fs dentry);
- perf_event_alloc(): (unsigned)cpu >= nr_cpu_ids but cpu -1, -EINVAL (nr_cpu_ids is at
  most the machine's CPU count: arm64's smp_init_cpus() marks only its CPUs possible);
- perf_copy_attr()'s other fixed field tests, the sample_freq and clockid tests
  (guardian/perf_attr.py).
The attr is judged only where it lay as the kernel copied it (quiet through the call),
the cgroup descriptor only where its number named one file through the call.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.syscalls import NUMBERS
from guardian import perf_attr
from guardian.checks import refuse
from guardian.open_files import OpenFile
from guardian.slots import PAGE, Slot

PERF_FLAG_PID_CGROUP = 1 << 2
#: PERF_FLAG_FD_NO_GROUP | FD_OUTPUT | PID_CGROUP | FD_CLOEXEC
PERF_FLAG_ALL = 0xF
PERF_ATTR_SIZE_VER0 = 64
#: past every 6.1..6.18 struct perf_event_attr (VER8: 136; VER9, config4: 144)
_STRUCT_MAX = 256
_CPU_NONE = 0xFFFF_FFFF         # cpu -1, as the int the syscall takes
_WRITES = (1, 2, 3)  # O_WRONLY, O_RDWR, 3: ACC_MODE() has MAY_WRITE
#: calls whose new descriptors name pseudo files (pipefs, sockfs, shmem, anon inodes,
#: pidfs), never a cgroup directory; signalfd4 only ever answers a signalfd
_NO_DIR = frozenset(NUMBERS[n] for n in (
    "pipe2", "socket", "socketpair", "memfd_create", "eventfd2", "epoll_create1",
    "pidfd_open", "perf_event_open", "timerfd_create", "inotify_init1", "signalfd4"))
#: struct perf_event_attr: sample_period at 16, the flag word at 40 (freq its bit 10)
_PERIOD_AT, _FLAGS_AT, _FREQ = 16, 40, 1 << 10
#: __reserved_1 bits no 6.1..6.18 layout (nor a near later one) gives a flag
_RESERVED = 0xFFFF << 48


def _attr(a: tuple[int, ...], read: Callable[[int, int], bytes | None]) -> str:
    """Why perf_copy_attr() fails the attr at a[0] ('': it may not)."""
    raw = read(a[0] + 4, 4)             # struct perf_event_attr: __u32 type, size
    if raw is None:
        return ""
    size = int.from_bytes(raw, "little")
    if size > PAGE:
        return f"attr.size {size} (perf_copy_attr(): above PAGE_SIZE, -E2BIG)"
    if 0 < size < PERF_ATTR_SIZE_VER0:
        return f"attr.size {size} (perf_copy_attr(): below PERF_ATTR_SIZE_VER0, -E2BIG)"
    if size > _STRUCT_MAX:
        tail = read(a[0] + _STRUCT_MAX, size - _STRUCT_MAX)
        if tail is not None and any(tail):
            at = _STRUCT_MAX + next(i for i, b in enumerate(tail) if b)
            return (f"attr byte {at} non-zero, past the kernel's struct (check_zeroed_user(): "
                    "-E2BIG)")
    head = read(a[0], perf_attr.span(size))
    return (perf_attr.why(head) if head is not None else "") or _fields(a[0], read)


def _fields(at: int, read: Callable[[int, int], bytes | None]) -> str:
    """Why the attr's flag word or sample_period fails the call ('': it may not)."""
    raw = read(at + _PERIOD_AT, _FLAGS_AT + 8 - _PERIOD_AT)
    if raw is None:
        return ""
    period = int.from_bytes(raw[:8], "little")
    flags = int.from_bytes(raw[_FLAGS_AT - _PERIOD_AT:], "little")
    if flags & _RESERVED:
        return (f"attr flag word {flags:#x}: a __reserved_1 bit (perf_copy_attr(): "
                "-EINVAL)")
    if not flags & _FREQ and period >> 63:
        return (f"attr.sample_period {period:#x} without freq: bit 63 "
                "(SYSCALL_DEFINE5(perf_event_open): -EINVAL)")
    return ""


def _no_cgroup(f: OpenFile | None) -> bool:
    """Is `f` an open the program's own openat() made for writing (no directory), or a
    pseudo file a call of `_NO_DIR` made?"""
    if f is not None and f.maker in _NO_DIR:
        return True
    return f is not None and f.maker is None and f.path is not None and not f.path_only \
        and f.access in _WRITES


def check(slot: Slot, ret: int, read: Callable[[int, int], bytes | None],
          cpus: int | None = None,
          file_of: Callable[[int], OpenFile | None] | None = None) -> None:
    """perf_event_open in `slot` answered `ret` (not an error); `read(addr, n)`: the
    bytes at addr as the kernel read them (None: unknown, or not quiet); `cpus`: the
    machine's CPU count (None: not known); `file_of(fd)`: the open file the caller's
    number fd named through the call (None: not known, or not steady)."""
    a = slot.args
    cpu = a[2] & 0xFFFF_FFFF
    why = ""
    if a[4] & ~PERF_FLAG_ALL:
        why = f"flags {a[4]:#x} outside PERF_FLAG_ALL (-EINVAL)"
    elif a[4] & PERF_FLAG_PID_CGROUP and cpu == _CPU_NONE:
        why = "PERF_FLAG_PID_CGROUP with cpu -1 (-EINVAL)"
    if not why:
        why = _attr(a, read)
    if not why and a[4] & PERF_FLAG_PID_CGROUP and file_of is not None \
            and _no_cgroup(file_of(a[1])):
        why = (f"cgroup descriptor {a[1] & 0xFFFF_FFFF}, a file opened for writing or a "
               "pseudo file, no cgroup directory (css_tryget_online_from_dir(): -EBADF)")
    if not why and cpus is not None and cpu != _CPU_NONE and cpu >= cpus:
        why = f"cpu {cpu}, past nr_cpu_ids <= {cpus} (perf_event_alloc(): -EINVAL)"
    if why:
        refuse("return.perf_event_args", Status.ERR_DENIED,
               f"perf_event_open answered {ret:#x} for {why}")
