"""The syscall table: number -> handler, filled by the modules of this package.

A handler is `handler(kernel, thread, args) -> int | None` where `args[0..5]`
are x0-x5 (and args[9] the PC after the SVC).  It returns the value for x0
(negative errno on failure), raises KernelError, or raises Block to sleep;
None leaves x0 untouched (rt_sigreturn, execve).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from kernel_model.syscalls.numbers import NUMBERS, SYSCALL_NAMES

Handler = Callable[[Any, Any, Any], "int | None"]

# The calls most programs never make (sockets, epoll and friends, POSIX timers,
# pselect6, moves without a user buffer, changes to the file tree) live in modules
# imported at their first call: every run pays for the modules it imports at start-up.  Each name is listed under the module that registers
# it (a test holds this table to the registrations).
LAZY_HOMES: dict[str, tuple[str, ...]] = {
    "kernel_model.syscalls.copy_range": ("copy_file_range",),
    "kernel_model.syscalls.moves": ("sendfile", "splice", "tee", "fallocate"),
    "kernel_model.syscalls.fs_tree": (
        "mkdirat", "mknodat", "unlinkat", "renameat", "renameat2", "symlinkat", "linkat", "fchmodat",
        "fchmod", "fchownat", "fchown", "utimensat", "truncate", "ftruncate", "fsync",
        "fdatasync", "sync", "fadvise64"),
    "kernel_model.syscalls.events": (
        "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "eventfd2",
        "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd4", "pidfd_open",
        "pidfd_send_signal", "inotify_init1", "inotify_add_watch", "inotify_rm_watch"),
    "kernel_model.syscalls.net": (
        "socket", "socketpair", "bind", "getsockname", "getpeername", "listen", "accept",
        "accept4", "connect", "shutdown", "setsockopt", "getsockopt"),
    "kernel_model.syscalls.netio": (
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg"),
    "kernel_model.syscalls.xattr": (
        "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
        "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr"),
    "kernel_model.syscalls.prctl": ("prctl",),
    "kernel_model.syscalls.unshare": ("unshare",),
    "kernel_model.syscalls.select": ("pselect6",),
    "kernel_model.syscalls.timers": (
        "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"),
}
# The private calls of workloads/src/gcs.h and pulse.h (numbers past Linux's).
PRIVATE_HOMES: dict[int, str] = {
    0x4700: "kernel_model.gcs_calls", 0x4701: "kernel_model.gcs_calls",
    0x4702: "kernel_model.gcs_calls",
    0x4710: "kernel_model.pulse_calls", 0x4711: "kernel_model.pulse_calls",
}
_HOME_OF: dict[int, str] = {**{NUMBERS[name]: module for module, names in LAZY_HOMES.items()
                               for name in names}, **PRIVATE_HOMES}


class SyscallTable(dict[int, Handler]):
    """number -> handler.  `get` finds the handlers imported so far (the hot path stays
    a plain dictionary look-up); `load` imports the module a missing one lives in."""

    def load(self, nr: int) -> Handler | None:
        """The handler of `nr`, importing its module first if need be (None: there is none)."""
        fn = dict.get(self, nr)
        if fn is None and nr in _HOME_OF:
            import_module(_HOME_OF[nr])
            fn = dict.get(self, nr)
        return fn

    def __missing__(self, nr: int) -> Handler:
        fn = self.load(nr)
        if fn is None:
            raise KeyError(nr)
        return fn

    def numbers(self) -> set[int]:
        """Every number with a handler, imported or not."""
        return set(self) | set(_HOME_OF)

    def load_all(self) -> SyscallTable:
        """Import every handler module (for whoever walks the whole table)."""
        for module in dict.fromkeys([*LAZY_HOMES, *PRIVATE_HOMES.values()]):
            import_module(module)
        return self


SYSCALLS = SyscallTable()


def syscall(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under the syscall's name (its number comes from the table)."""
    nr = NUMBERS[name]

    def register(fn: Handler) -> Handler:
        if nr in SYSCALLS:
            raise RuntimeError(f"syscall {name} registered twice")
        SYSCALLS[nr] = fn
        return fn

    return register


def syscall_name(nr: int) -> str:
    return SYSCALL_NAMES.get(nr, f"syscall_{nr}")


def s32(value: int) -> int:
    """An int argument (fd, pid, flags) as the signed 32-bit value the guest passed."""
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def s64(value: int) -> int:
    return value - (1 << 64) if value & (1 << 63) else value


# Importing the modules registers their handlers (the lazy ones register at first use).
from kernel_model.syscalls import (  # noqa: E402,F401
    child_wait,
    creds,
    fdtable,
    fileio,
    fs,
    futex,
    mem,
    misc,
    proc,
    signal,
)
