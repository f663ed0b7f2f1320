"""Where a clone or clone3 may fail with -EFAULT (check `return.clone_efault`).

Linux copies from the program's memory in a clone only in copy_clone_args_from_user()
(clone3's struct, copy_struct_from_user() of `usize` bytes, then the set_tid array), and
stores into it only where it may fail in copy_process()'s put_user() of CLONE_PIDFD's
pidfd (goto bad_fork_put_pidfd).  kernel_clone() ignores what put_user() of
CLONE_PARENT_SETTID reports; CLONE_CHILD_SETTID is stored by the child's schedule_tail()
and CLONE_CHILD_CLEARTID by mm_release() at its exit, each ignoring a fault.  So -EFAULT
is refused unless one of these may fault: a clone3 struct or set_tid array the Guardian
cannot read (not present, or a tagged pointer access_ok() refuses: the thread has no
TIF_TAGGED_ADDR, tagged_abi.py), or a CLONE_PIDFD word not known writable: only a page the
program's memory holds writable (RseqAreas.writable()) is.  A page only the stack's
growth would make writable is not: expand_stack_locked() -> acct_stack_growth() depends
on RLIMIT_STACK and RLIMIT_AS, which a process outside the program with its uid may
change at any instant (prlimit64(): do_prlimit() needs no privilege for that), on the
boot parameter stack_guard_gap= (expand_downwards()) and on memory pressure, none of
which the Guardian sees.  Not judged while another thread's call that may change the
layout is in flight, or where a seccomp filter may answer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Container, Iterable, Mapping

from abi import Status
from abi.layout import CLONE_ARGS_V0, CLONE_PIDFD, NR_CLONE, NR_CLONE3, USER_TOP
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.clone_valid import MAX_PID_NS_LEVEL
from guardian.pidfd_protected import PidfdProtected
from guardian.slots import Domain, Slot, Space
from guardian.tagged_abi import TaggedAbi
from guardian.user_memory import UserMemory

PAGE = 4096
EFAULT_RET = (1 << 64) - 14
_ERRNO_FLOOR = (1 << 64) - 4095
#: Calls that may set TIF_TAGGED_ADDR (tagged_abi.py).
TAGGED_CALLS = frozenset({NUMBERS["prctl"]})
#: Calls that may make a userfaultfd of the caller's mm: userfaultfd(), and
#: ioctl(USERFAULTFD_IOC_NEW) on /dev/userfaultfd (_IO(0xAA, 0x00)).
UFFD_CALLS = frozenset({NUMBERS["userfaultfd"], NUMBERS["ioctl"]})
_NR_USERFAULTFD, _USERFAULTFD_IOC_NEW = NUMBERS["userfaultfd"], 0xAA00
#: Calls of another thread that may make the pidfd word writable while the clone runs.
_LAYOUT_CALLS = frozenset(NUMBERS[n] for n in (
    "mmap", "munmap", "mremap", "mprotect", "pkey_mprotect", "brk", "shmat", "shmdt",
    "madvise", "userfaultfd", "ioctl", "execve", "execveat") if n in NUMBERS)

Writable = Callable[[Domain, "Space | None", int], "bool | None"]


class CloneFaults:
    """`return.clone_efault`, with each thread's TIF_TAGGED_ADDR."""

    def __init__(self, memory: UserMemory, writable: Writable) -> None:
        self.memory = memory
        self.writable = writable
        #: each thread's TIF_TAGGED_ADDR (clone children inherit it: confidential_fork.py)
        self.tagged = TaggedAbi()
        #: CLONE_PIDFD words noted at FORK_DOMAIN in pages without PROT_WRITE
        self.protected = PidfdProtected()
        #: domains that may have made a userfaultfd (note_uffd)
        self.uffd_domains: set[int] = set()

    def note(self, slot: Slot, dom: Domain, ret: int, live: Container[int] = (),
             filtered: Callable[[Slot], bool] | None = None) -> None:
        """At a prctl's return (`live`: the domains still held; `filtered`: whether a
        seccomp filter may answer the call)."""
        self.tagged.prune(live or {dom.id})
        self.uffd_domains.intersection_update(live or {dom.id})
        may = filtered is not None and filtered(slot)
        why = self.tagged.ctrl_refused(slot, ret)
        if why is not None and not may:
            refuse("return.tagged_ctrl", Status.ERR_DENIED, why)
        self.tagged.note_prctl(slot, ret, may)

    def check_child(self, slot: Slot, space: Space | None, slots: Iterable[Slot],
                    runs: Mapping[int, int], ret: int,
                    filtered: Callable[[Slot], bool]) -> None:
        """At a clone's return: a child for a CLONE_PIDFD word noted in a page without
        PROT_WRITE (`return.clone_pidfd_prot`)."""
        if slot.id not in self.protected.words:
            return
        if ret >= _ERRNO_FLOOR or not slot.children or filtered(slot):
            self.protected.drop(slot)
            return
        self.protected.check(slot, space, slots, runs)

    def note_uffd(self, slot: Slot) -> None:
        """At a return of a call in UFFD_CALLS: the domain may have registered a range
        with a userfaultfd from then on (handle_userfault() answers a kernel fault there
        VM_FAULT_SIGBUS under UFFD_FEATURE_SIGBUS or UFFD_USER_MODE_ONLY: put_user()
        fails even on a writable anonymous page not present)."""
        if slot.nr == _NR_USERFAULTFD or slot.args[1] & 0xFFFF_FFFF == _USERFAULTFD_IOC_NEW:
            self.uffd_domains.add(slot.domain)

    def check(self, slot: Slot, dom: Domain, space: Space | None,
              slots: Iterable[Slot]) -> None:
        """A clone answered -EFAULT: refused where nothing it reads or stores can fault."""
        others = [o for o in slots if o is not slot and o.domain == slot.domain]
        if slot.domain in self.uffd_domains or any(o.nr in UFFD_CALLS for o in others):
            return
        if (slot.domain, slot.thread) in self.tagged.maybe:
            return                   # (its TIF_TAGGED_ADDR not known: a tag may fault)
        if space is None or any(o.root == slot.root and o.nr in _LAYOUT_CALLS for o in others):
            return
        why = self._source(slot, dom, space)
        if why is None:
            refuse("return.clone_efault", Status.ERR_DENIED,
                   "clone answered -EFAULT, yet nothing it copies from or stores into the "
                   "program's memory can fault (kernel_clone() ignores put_user() of "
                   "CLONE_PARENT_SETTID; the child stores CLONE_CHILD_SETTID and "
                   "CLONE_CHILD_CLEARTID words itself)")

    def _source(self, slot: Slot, dom: Domain, space: Space) -> str | None:
        """What may fault in the clone (None: nothing)."""
        if slot.nr == NR_CLONE:
            flags, word = slot.args[0] & 0xFFFF_FFFF, slot.args[2]
        elif slot.nr == NR_CLONE3:
            base, usize = self.tagged.untag(slot, slot.args[0]), slot.args[1]
            if not CLONE_ARGS_V0 <= usize <= PAGE:
                return None          # -E2BIG or -EINVAL before any copy
            raw = self.memory.read(base, usize, slot.root) if base + usize <= USER_TOP else None
            if raw is None:
                return "clone_args not readable"
            flags, word = struct.unpack_from("<QQ", raw)
            set_tid, size = struct.unpack_from("<QQ", raw.ljust(80, b"\0"), 64)
            set_tid = self.tagged.untag(slot, set_tid)
            if set_tid and 0 < size <= MAX_PID_NS_LEVEL and (
                    set_tid + 4 * size > USER_TOP
                    or self.memory.read(set_tid, 4 * size, slot.root) is None):
                return "set_tid not readable"
        else:
            return "not a clone"
        if not flags & CLONE_PIDFD:
            return None
        word = self.tagged.untag(slot, word)
        if word + 4 > USER_TOP:
            return "pidfd word past TASK_SIZE"
        for page in sorted({word & ~(PAGE - 1), (word + 3) & ~(PAGE - 1)}):
            # (a page only the stack's growth reaches is not known writable: see above)
            if not self.writable(dom, space, page):
                return "pidfd word not known writable"
        return None
