"""prctl's user memory: which bytes the kernel may touch depends on the option.

prctl(option, arg2, arg3, arg4, arg5) passes pointers in different arguments, with
different sizes and directions, per option; a single rule for the call (say, 16
bytes at arg2, read and write) would let the kernel read past a name's NUL or write
an input.  Each option Linux serves with a pointer has its own grant here; any
other option gets none (the kernel's access is refused, as EFAULT).

A name the kernel copies with strncpy_from_user (PR_SET_NAME, PR_SET_VMA's anonymous
VMA name) is granted up to its NUL and never more than the bytes Linux copies:
the program's bytes behind the NUL stay its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from guardian.capabilities import NotPresent, R, ReadUser, W

PR_GET_PDEATHSIG = 2
PR_SET_NAME, PR_GET_NAME = 15, 16
PR_GET_CHILD_SUBREAPER = 37
PR_GET_TID_ADDRESS = 40
PR_SET_VMA, PR_SET_VMA_ANON_NAME = 0x53564D41, 0
PR_GET_AUXV = 0x41555856
PR_SCHED_CORE, PR_SCHED_CORE_GET = 62, 0
PR_GET_SHADOW_STACK_STATUS = 74
TASK_COMM_LEN = 16               # PR_SET_NAME copies at most this much, NUL included
ANON_VMA_NAME_MAX = 80           # PR_SET_VMA_ANON_NAME's limit, NUL included

Range = tuple[int, int, int]


def _name(read: ReadUser, va: int, limit: int) -> list[Range]:
    """[va, NUL] of a name Linux copies with a `limit`-byte strncpy_from_user (the whole
    `limit` when no NUL comes first), read page by page up to the limit only."""
    n = 0
    while n < limit:
        chunk = read(va + n, min(limit - n, 4096 - ((va + n) & 4095)))
        if chunk is None:
            raise NotPresent(va + n)
        nul = chunk.find(b"\0")
        if nul >= 0:
            return [(va, va + n + nul + 1, R)]
        n += len(chunk)
    return [(va, va + limit, R)]


def prctl_ranges(args: Sequence[int], read: ReadUser) -> list[Range]:
    """The (start, end, access) ranges prctl with these arguments lets the kernel touch.

    Raises NotPresent when a name's page is not paged in."""
    option, arg2 = args[0] & 0xFFFF_FFFF, args[1]
    if option == PR_SET_NAME and arg2:
        return _name(read, arg2, TASK_COMM_LEN)
    if option == PR_SET_VMA and arg2 == PR_SET_VMA_ANON_NAME and args[4]:
        return _name(read, args[4], ANON_VMA_NAME_MAX)
    size = {PR_GET_NAME: TASK_COMM_LEN, PR_GET_PDEATHSIG: 4, PR_GET_CHILD_SUBREAPER: 4,
            PR_GET_TID_ADDRESS: 8}.get(option)
    if size is not None and arg2:
        return [(arg2, arg2 + size, W)]
    if option == PR_GET_SHADOW_STACK_STATUS and arg2:
        # arch_get_shadow_stack_status() -> gcs_get_status(): put_user() of a u64 (6.13+)
        return [(arg2, arg2 + 8, W)]
    if option == PR_SCHED_CORE and arg2 == PR_SCHED_CORE_GET and args[4]:
        # sched_core_share_pid(): put_user() of the u64 cookie id at arg5 (uaddr)
        return [(args[4], args[4] + 8, W)]
    if option == PR_GET_AUXV and arg2 and args[2]:
        return [(arg2, arg2 + min(args[2], 4096), W)]
    return []
