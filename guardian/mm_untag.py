"""The address the memory-management calls work on, untagged at entry as Linux does.

On arm64 untagged_addr() sign-extends a user pointer from bit 55 whatever the thread's
TIF_TAGGED_ADDR (Documentation/arch/arm64/tagged-address-abi.rst): mprotect and
pkey_mprotect (do_mprotect_pkey()), munmap (SYSCALL_DEFINE2(munmap)), mremap's old address
(SYSCALL_DEFINE5(mremap); its new address is not untagged), madvise (do_madvise():
untagged_addr_remote()), mlock, mlock2, munlock (do_mlock(), SYSCALL_DEFINE2(munlock)),
msync, mincore, mbind (kernel_mbind()) and set_mempolicy_home_node take the untagged start
and nothing after looks at the tag.  The Guardian's copy of x0 for those calls is taken
untagged, so every record of the call (protections, holes, moves, discards, the address
an in-place mremap answers) names the range Linux works on.  brk, mmap and mremap's new
address are left as given.
"""

from __future__ import annotations

from abi.layout import untagged_addr
from abi.syscalls import NUMBERS

#: calls whose first argument Linux untags before any use (arm64 untagged_addr())
UNTAGGED_FIRST: frozenset[int] = frozenset(
    NUMBERS[n] for n in ("mprotect", "pkey_mprotect", "munmap", "mremap", "madvise",
                         "mlock", "mlock2", "munlock", "msync", "mincore", "mbind",
                         "set_mempolicy_home_node") if n in NUMBERS)


def untag_first(nr: int | None, args: tuple[int, ...]) -> tuple[int, ...]:
    """args with x0 untagged where the call `nr` untags it (untagged_addr())."""
    if nr in UNTAGGED_FIRST and args and (first := untagged_addr(args[0])) != args[0]:
        return (first, *args[1:])
    return args
