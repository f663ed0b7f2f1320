"""Clones Linux refuses before any child exists.

sys_clone3() copies and checks its clone_args (copy_clone_args_from_user(), then
clone3_args_valid() and clone3_stack_valid()), kernel_clone() checks CLONE_PIDFD against
CLONE_PARENT_SETTID, and copy_process() checks the flags among themselves: each refusal
is -EINVAL (or -E2BIG for a clone_args size past a page) and makes no child.  A
FORK_DOMAIN for such a call is a child Linux never makes (fork.clone_valid).  Only tests
of the arguments alone are made here: none that depends on the caller's namespaces,
capabilities or signal state.
"""

from __future__ import annotations

from abi.layout import (
    CLONE_ARGS_V0,
    CLONE_ARGS_V2,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VM,
    NR_CLONE3,
)

PAGE = 4096
CSIGNAL = 0xFF
CLONE_NEWTIME = 0x80
CLONE_FS = 0x200
CLONE_PARENT = 0x8000
CLONE_NEWNS = 0x20000
CLONE_DETACHED = 0x400000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_SYSVSEM = 0x40000
CLONE_NEWIPC = 0x0800_0000
CLONE_LEGACY_FLAGS = 0xFFFF_FFFF
CLONE_CLEAR_SIGHAND = 0x1_0000_0000
CLONE_INTO_CGROUP = 0x2_0000_0000
NSIG = 64
MAX_PID_NS_LEVEL = 32
INT_MAX = 0x7FFF_FFFF
PID_MAX_LIMIT = 4 * 1024 * 1024     # pid_max is at most this (alloc_pid(): tid < pid_max)
TASK_SIZE_MAX = 1 << 52             # arm64's largest user range (VA_BITS 52)


def _access_ok(addr: int, size: int) -> bool:
    """arm64 access_ok() (untagged_addr(), then __access_ok() against TASK_SIZE_MAX)."""
    addr &= (1 << 56) - 1
    return size <= TASK_SIZE_MAX and addr <= TASK_SIZE_MAX - size


def clone3_struct_refusal(usize: int, tail: bytes | None, flags: int, set_tid: int,
                          set_tid_size: int, cgroup: int, tids: list[int] | None,
                          stack: int, stack_size: int) -> str | None:
    """Why Linux refuses the clone3 for its clone_args past the first 64 bytes (`tail`:
    the bytes past CLONE_ARGS_SIZE_VER2 up to `usize`; `tids`: the set_tid array, None
    if nothing is mapped there), or None."""
    # copy_clone_args_from_user() -> copy_struct_from_user(): a longer tail is zero
    if tail is not None and any(tail):
        return "clone_args' bytes past CLONE_ARGS_SIZE_VER2 not zero (-E2BIG)"
    if set_tid_size > MAX_PID_NS_LEVEL:
        return f"set_tid_size {set_tid_size} past MAX_PID_NS_LEVEL"
    if not set_tid and set_tid_size > 0:
        return "set_tid_size without a set_tid array"
    if set_tid and set_tid_size == 0:
        return "a set_tid array with set_tid_size 0"
    if flags & CLONE_INTO_CGROUP and (cgroup > INT_MAX or usize < CLONE_ARGS_V2):
        return "CLONE_INTO_CGROUP past INT_MAX or without the cgroup field"
    if set_tid and tids is None:
        return "a set_tid array nothing is mapped at (-EFAULT)"
    # clone3_stack_valid(): access_ok(stack, stack_size)
    if stack and not _access_ok(stack, stack_size):
        return "a stack access_ok() refuses"
    # copy_process() -> alloc_pid(): each entry used is in [1, pid_max)
    for tid in tids or []:
        if not 1 <= tid < PID_MAX_LIMIT:
            return f"set_tid entry {tid} below 1 or past pid_max"
    return None


def clone_refusal(nr: int, flags: int, usize: int = CLONE_ARGS_V0, exit_signal: int = 0,
                  stack: int = 0, stack_size: int = 0, pidfd: int = 0,
                  parent_tid: int = 0) -> str | None:
    """Why Linux refuses the clone (nr NR_CLONE: `flags` its first argument, whose low
    32 bits sys_clone() takes; NR_CLONE3: the clone_args fields), or None, in Linux's
    order."""
    if nr == NR_CLONE3:
        # copy_clone_args_from_user()
        if usize > PAGE:
            return "clone_args larger than a page (-E2BIG)"
        if usize < CLONE_ARGS_V0:
            return "clone_args smaller than CLONE_ARGS_SIZE_VER0"
        if exit_signal & ~CSIGNAL or exit_signal > NSIG:
            return f"exit_signal {exit_signal} is no signal (valid_signal())"
        # clone3_args_valid()
        if flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP):
            return f"unknown clone3 flags {flags:#x}"
        if flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)):
            return "CLONE_DETACHED or CSIGNAL bits in clone3's flags"
        if flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) == CLONE_SIGHAND | CLONE_CLEAR_SIGHAND:
            return "CLONE_SIGHAND with CLONE_CLEAR_SIGHAND"
        if flags & (CLONE_THREAD | CLONE_PARENT) and exit_signal:
            return "an exit_signal with CLONE_THREAD or CLONE_PARENT"
        # clone3_stack_valid()
        if (stack_size > 0) if stack == 0 else (stack_size == 0):
            return "a stack without its size, or a size without a stack"
    else:
        # sys_clone(): .flags = lower_32_bits(clone_flags) & ~CSIGNAL, .pidfd = parent_tidptr
        flags = flags & CLONE_LEGACY_FLAGS & ~CSIGNAL
        pidfd = parent_tid
    # kernel_clone()
    if flags & CLONE_PIDFD and flags & CLONE_PARENT_SETTID and pidfd == parent_tid:
        return "CLONE_PIDFD and CLONE_PARENT_SETTID at one address"
    # copy_process()
    if flags & (CLONE_NEWNS | CLONE_FS) == CLONE_NEWNS | CLONE_FS:
        return "CLONE_NEWNS with CLONE_FS"
    if flags & (CLONE_NEWUSER | CLONE_FS) == CLONE_NEWUSER | CLONE_FS:
        return "CLONE_NEWUSER with CLONE_FS"
    if flags & CLONE_THREAD and not flags & CLONE_SIGHAND:
        return "CLONE_THREAD without CLONE_SIGHAND"
    if flags & CLONE_SIGHAND and not flags & CLONE_VM:
        return "CLONE_SIGHAND without CLONE_VM"
    if flags & CLONE_THREAD and flags & (CLONE_NEWUSER | CLONE_NEWPID):
        return "CLONE_THREAD into a new user or pid namespace"
    if flags & CLONE_PIDFD and flags & CLONE_DETACHED:
        return "CLONE_PIDFD with CLONE_DETACHED"
    # copy_namespaces(): -EPERM without CAP_SYS_ADMIN, else -EINVAL
    if flags & (CLONE_NEWIPC | CLONE_SYSVSEM) == CLONE_NEWIPC | CLONE_SYSVSEM:
        return "CLONE_NEWIPC with CLONE_SYSVSEM"
    return None
