"""POSIX's lowest-free rule for a descriptor a call makes.

Every call that makes a descriptor (openat, socket, pipe2, eventfd2, epoll_create1,
dup, accept ...) answers the lowest-numbered one not open (fcntl F_DUPFD: the lowest
at least its argument), so a program may index a table by descriptor, sized by those
it holds.  The Guardian cannot know every open descriptor (those inherited at launch
or exec, one an SCM_RIGHTS message installs), but it knows some that are *free*: one
the program closed (close, close_range, FD_CLOEXEC at exec) and no call made since.
An answer above such a descriptor skipped a free one, which an honest kernel never
does.

So that the rule never refuses an honest kernel:
- a descriptor counts as free for a call only if it was freed before the call entered
  (slot ids are handed out in order: `freed_at` is the id the next slot would get);
- while another thread sharing the table is in a syscall, nothing counts (its call may
  hold a lower descriptor the kernel already gave it);
- a call that may install descriptors the Guardian does not follow (recvmsg's
  SCM_RIGHTS, io_uring, bpf, seccomp's listener, an ioctl, a read of a fanotify
  descriptor or of one the Guardian does not know) forgets every free one; a clone's
  CLONE_PIDFD pidfd is followed (the number it stores in the program's word).
"""

from __future__ import annotations

from abi import Status
from abi.layout import CLONE_PIDFD, NR_FANOTIFY_INIT
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import Slot

#: Calls that may install descriptors the Guardian does not follow, whatever their result.
UNSEEN_MAKERS = frozenset(NUMBERS[n] for n in (
    "recvmsg", "recvmmsg", "io_uring_enter", "io_uring_register", "bpf", "seccomp") if n in NUMBERS)
#: Reads: a read of a fanotify descriptor installs one per event it returns.
READS = frozenset(NUMBERS[n] for n in ("read", "readv", "pread64", "preadv", "preadv2")
                  if n in NUMBERS)
__all__ = ["CLONE_PIDFD", "NR_FANOTIFY_INIT", "READS", "UNSEEN_MAKERS", "check_lowest"]


def check_lowest(free: dict[int, int], slot: Slot, new: list[int], floor: int = 0) -> None:
    """The descriptors `new` a call made (in the order Linux picks them) skip no
    descriptor known free at or above `floor` (F_DUPFD's argument).  The caller asks
    only while no other thread sharing the table is in a syscall."""
    for fd in new:
        skipped = [d for d, freed_at in free.items()
                   if floor <= d < fd and d not in new and freed_at <= slot.id]
        if skipped:
            refuse("return.fd_lowest", Status.ERR_DENIED,
                   f"syscall {slot.nr} returned descriptor {fd} as a new one, but "
                   f"descriptor {min(skipped)} is free (the program closed it) and "
                   "a new descriptor is the lowest free one")
