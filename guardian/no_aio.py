"""A confidential program runs as on a kernel built without CONFIG_AIO and CONFIG_IO_URING.

An aio ring (fs/aio.c: aio_setup_ring()) and an io_uring's rings (io_uring/io_uring.c:
io_allocate_scq_urings()) are memory of the program's that the kernel writes while the
program runs (aio_complete(), io_cqring_fill_event()), and every lookup_ioctx() reads
the ring's id back from user memory: pages of the kernel's bytes inside a confidential
domain, and events the program reads from them that the Guardian never sees come back
(an unmediated channel from the kernel).  So the Guardian shows the kernel these calls
as the unassigned number 244 (arm64's __NR_arch_specific_syscall: no call there), with
no argument: Linux answers it from sys_ni_syscall(), -ENOSYS, as a kernel without
CONFIG_AIO (kernel/sys_ni.c: COND_SYSCALL(io_setup) ...) or CONFIG_IO_URING answers the
calls themselves.  Every aio user copes (libaio returns -ENOSYS, glibc's POSIX aio uses
threads, liburing reports it).  Any other answer is refused (`return.no_aio`), and the
kernel holds no capability on the program's memory during them (capabilities.py has no
row).  Programs outside a confidential domain are untouched.

The program's own calls at 244..259 are judged alike: arm64 assigns nothing there
(asm-generic/unistd.h: __NR_arch_specific_syscall up to __NR_wait4's 260; arm64 adds
none), so its sys_call_table holds sys_ni_syscall(), which answers -ENOSYS at once:
never another errno, never a sleep (-EINTR) or a restart.  Numbers past the Guardian's
table are not judged so: a newer kernel may have assigned them.  A seccomp filter (or
syscall user dispatch) may answer any number -- the 244 a hidden call is shown as
included (a container's default action answers unknown numbers -EPERM) -- so a program
that may have one is not judged at these numbers; the kernel still holds no capability
on its memory during a hidden call.
"""

from __future__ import annotations

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

#: The calls a kernel without CONFIG_AIO and CONFIG_IO_URING answers -ENOSYS.
CALLS = frozenset(NUMBERS[n] for n in (
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    "io_uring_setup", "io_uring_enter", "io_uring_register") if n in NUMBERS)
#: What the kernel is shown instead: arm64 assigns nothing at 244..259.
SHOWN_NR = 244
#: The numbers arm64 leaves unassigned (244..259): sys_ni_syscall() in its table.
UNASSIGNED = frozenset(range(SHOWN_NR, 260))
_ENOSYS = (1 << 64) - 38


def check(nr: int, ret: int) -> None:
    """`return.no_aio`: the call shown as number 244, or the program's own call at an
    unassigned number, is answered -ENOSYS (sys_ni_syscall())."""
    if ret == _ENOSYS:
        return
    if nr in UNASSIGNED:
        refuse("return.no_aio", Status.ERR_DENIED,
               f"call {nr}, a number arm64 leaves unassigned (244..259), answered "
               f"{ret:#x}: its sys_call_table holds sys_ni_syscall(), which answers "
               "-ENOSYS at once (no other errno, no sleep, no restart)")
        return
    refuse("return.no_aio", Status.ERR_DENIED,
           f"call {nr}, shown to the kernel as the unassigned number {SHOWN_NR}, "
           f"answered {ret:#x}: Linux answers a number it has no call for with -ENOSYS "
           "(sys_ni_syscall()); a confidential program has no aio or io_uring")
