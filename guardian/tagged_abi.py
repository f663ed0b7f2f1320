"""Which threads have the tagged address ABI (TIF_TAGGED_ADDR), for `return.clone_efault`.

TIF_TAGGED_ADDR is a thread's own: set_tagged_addr_ctrl() (prctl(PR_SET_TAGGED_ADDR_CTRL))
sets it with PR_TAGGED_ADDR_ENABLE and clears it without; kernel/sys.c's prctl() answers
-EINVAL before it where arg3..arg5 are not 0 (return.range_table refuses a success
there).  Every clone child, fork, vfork or thread, inherits its creator's flag
(dup_task_struct() copies the thread flags), and execve() clears it (flush_thread() ->
flush_tagged_addr_state()): an exec'd image is a new domain, none of whose threads has
it.  Each of these the Guardian sees, so every thread's flag is known, but where a
seccomp filter may have answered a PR_SET_TAGGED_ADDR_CTRL (`maybe`).
"""

from __future__ import annotations

from collections.abc import Container

from guardian.slots import Slot

PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE = 55, 56, 1
_ERRNO_FLOOR = (1 << 64) - 4095
_TOP = (1 << 56) - 1


class TaggedAbi:
    """(domain, thread) of the threads with TIF_TAGGED_ADDR."""

    def __init__(self) -> None:
        self.tagged: set[tuple[int, int]] = set()
        #: threads whose flag is not known (kept in `tagged`, the lenient side for access_ok())
        self.maybe: set[tuple[int, int]] = set()

    def note_prctl(self, slot: Slot, ret: int, filtered: bool = False) -> None:
        """At a prctl's return: a successful PR_SET_TAGGED_ADDR_CTRL sets or clears the
        caller's flag (set_tagged_addr_ctrl() works on current only); one a seccomp filter
        may have answered 0 without running it (SECCOMP_RET_ERRNO with 0, a listener)
        leaves the flag unknown."""
        a = slot.args
        if ret != 0 or a[0] & 0xFFFF_FFFF != PR_SET_TAGGED_ADDR_CTRL or any(a[2:5]):
            return                  # (-EINVAL before set_tagged_addr_ctrl(): no change)
        key = (slot.domain, slot.thread)
        if filtered:
            self.tagged.add(key)
            self.maybe.add(key)
            return
        self.maybe.discard(key)
        if a[1] & PR_TAGGED_ADDR_ENABLE:
            self.tagged.add(key)
        else:
            self.tagged.discard(key)

    def ctrl_refused(self, slot: Slot, ret: int) -> str | None:
        """Why a successful PR_GET_TAGGED_ADDR_CTRL answer is not the caller's: its
        PR_TAGGED_ADDR_ENABLE is the thread's TIF_TAGGED_ADDR (get_tagged_addr_ctrl()
        works on current)."""
        a = slot.args
        if ret >= _ERRNO_FLOOR or a[0] & 0xFFFF_FFFF != PR_GET_TAGGED_ADDR_CTRL \
                or (slot.domain, slot.thread) in self.maybe:
            return None
        flag = (slot.domain, slot.thread) in self.tagged
        if bool(ret & PR_TAGGED_ADDR_ENABLE) == flag:
            return None
        return (f"PR_GET_TAGGED_ADDR_CTRL answered {ret:#x}, yet the thread "
                f"{'has' if flag else 'has no'} TIF_TAGGED_ADDR")

    def note_clone(self, domain: int, parent: int, child: int) -> None:
        """A clone child of any flavour inherits its creator's flag (dup_task_struct())."""
        if (domain, parent) in self.tagged:
            self.tagged.add((domain, child))
        if (domain, parent) in self.maybe:
            self.maybe.add((domain, child))

    def drop(self, domain: int, thread: int) -> None:
        """The thread's end (its CLEARTID word cleared, confidential_uaccess.py)."""
        self.tagged.discard((domain, thread))
        self.maybe.discard((domain, thread))

    def prune(self, live: Container[int]) -> None:
        """Forget the domains no longer held."""
        self.tagged = {k for k in self.tagged if k[0] in live}
        self.maybe = {k for k in self.maybe if k[0] in live}

    def untag(self, slot: Slot, va: int) -> int:
        """va as access_ok() takes it for the slot's thread (untagged_addr() under
        TIF_TAGGED_ADDR; bit 55 set is a kernel address either way)."""
        if (slot.domain, slot.thread) in self.tagged and not va & 1 << 55:
            return va & _TOP
        return va

    def pidfd_refused(self, slot: Slot, pidfd: int, word: int) -> str | None:
        """Why put_user() of CLONE_PIDFD's word faults for its top byte (access_ok():
        a tagged pointer without TIF_TAGGED_ADDR, or one bit 55 makes a kernel address)."""
        if not pidfd or not word >> 56 or self.untag(slot, word) == word & _TOP:
            return None
        return f"the CLONE_PIDFD word {word:#x} is a tagged pointer access_ok() refuses (-EFAULT)"
