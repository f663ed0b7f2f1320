"""Which page faults a userfaultfd the program made may report.

fs/userfaultfd.c queues a UFFD_EVENT_PAGEFAULT message only from handle_userfault(),
which runs for a fault inside an area registered with that context
(userfaultfd_missing(), userfaultfd_wp(), userfaultfd_minor(): VM_UFFD_* set by
UFFDIO_REGISTER of that very context); the message's address is the fault's (rounded
down to its page, UFFD_FEATURE_EXACT_ADDRESS aside), so it lies in a range registered
with the descriptor read.  `return.uffd_event`: a read of a userfaultfd the program made
returns no page-fault message for an address outside every range its own
UFFDIO_REGISTER on that open file registered.

What the Guardian takes as registered is never less than Linux registered:

* UFFDIO_REGISTER answered 0 adds the range it was given, read from the struct at a
  quiet return (quiet_ranges.py: the struct the Guardian reads is the one the kernel
  read); a register answered with an error (it may have registered a part) or not read
  quietly ends the judging of that open file for good;
* nothing is ever taken away (UFFDIO_UNREGISTER, munmap: taken as still registered);
* an mremap that succeeded adds its whole new range to every open file one of whose
  ranges the old range meets (a registered area moved or grown keeps its
  registration, with UFFD_FEATURE_EVENT_REMAP);
* a registration whose start lies in an area that may grow down (the initial stack's
  reserve, an mmap with MAP_GROWSDOWN) also covers every address below it: Linux's
  expand_downwards() grows the lowest area of the stack down on a fault below it, and
  the grown area keeps its VM_UFFD_* flags;
* a read is not judged while a register, an mremap, a sendmsg or sendmmsg, or an execve
  of the domain is in flight, nor a readv (no message is read by iovec here), nor a
  descriptor the program did not make with userfaultfd() (one passed in,
  /dev/userfaultfd's, a fork event's new one); and once a UFFDIO_REGISTER goes through
  such a descriptor (it may reach one the program made), no read of the domain is
  judged;
* any process that holds a descriptor of the userfaultfd may register ranges of the
  maker's mm (userfaultfd_register() acts on ctx->mm): once the domain sent a message
  that may carry descriptors (any sendmsg or sendmmsg) no read of the domain is judged,
  nor one of a userfaultfd a descriptor of which went on into an exec'd image (the new
  image may be one the Guardian does not see);
* the messages are judged only where the Guardian reads what the kernel wrote: at a
  quiet return (quiet_ranges.py), no other thread able to store into the buffer since
  the read's entry.

A refusal names the message's index, never the address.

UFFD_FEATURE_EXACT_ADDRESS is not something a confidential program gets: at its thread's
fault the kernel is shown only the page (`entry.hide_fault_offset`), so a kernel serving
its userfaultfd reports the page, as Linux does without the feature, and offers no exact
address (UFFDIO_API answers -EINVAL to a request for a feature the kernel lacks, as Linux
before 5.18 did for this one).  The Guardian does not write the exact address into the
message either: the message is read by another thread at a time of its choosing, and
which fault it reports is the kernel's word; a page-aligned address is what every
userfaultfd program handles.  (The kernel model implements no userfaultfd: it answers
-ENOSYS.)
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.quiet_ranges import UFFDIO_REGISTER, quiet
from guardian.result_reads import read_or_fault
from guardian.slots import PAGE, Domain, Slot, Space, page_up

if TYPE_CHECKING:
    from guardian.open_files import Description
    from guardian.user_memory import UserMemory

_NR_IOCTL, _NR_READ, _NR_MREMAP = NUMBERS["ioctl"], NUMBERS["read"], NUMBERS["mremap"]
_NR_USERFAULTFD, _NR_MMAP = NUMBERS["userfaultfd"], NUMBERS["mmap"]
#: Calls that may hand a descriptor to another process: sendmsg and sendmmsg.
_SENDS = frozenset({NUMBERS["sendmsg"], NUMBERS["sendmmsg"]})
_EXECS = frozenset({NUMBERS["execve"], NUMBERS["execveat"]})
#: The calls whose returns `UffdRanges` follows or judges.
CALLS = frozenset({_NR_IOCTL, _NR_READ, _NR_MREMAP, _NR_MMAP}) | _SENDS
_MAP_GROWSDOWN = 0x100
_MOST_GROWSDOWN = 256                   # MAP_GROWSDOWN areas kept per domain (past: any)
UFFD_EVENT_PAGEFAULT = 0x12
MSG = 32                                # sizeof(struct uffd_msg)
_MOST_MSGS = 64                         # messages judged per read (the rest: not judged)


class UffdRanges:
    """The ranges registered with each userfaultfd open file the program made."""

    def __init__(self) -> None:
        #: [start, end) of each registration, and whether an area that may grow down
        #: holds its start (then every address below it is covered too)
        self.ranges: dict[Description, list[tuple[int, int, bool]]] = {}
        #: per domain, [start, end) of each mmap it made with MAP_GROWSDOWN (None: too
        #: many to keep -- any area may grow down)
        self.growsdown: dict[int, list[tuple[int, int]] | None] = {}
        #: open files whose registrations are not known (an error, a struct not read)
        self.unknown: set[Description] = set()
        #: domains where a UFFDIO_REGISTER went through a descriptor the Guardian does not
        #: know as a userfaultfd (passed in, say): it may be one of theirs -- none judged
        self.blind: set[int] = set()

    def record(self, memory: UserMemory, dom: Domain, slot: Slot, ret: int,
               uffd: Description | None, made_by: int | None, others: Iterable[Slot],
               runs: Mapping[int, int]) -> None:
        """What a call that passed the rules did to the registrations."""
        a = slot.args
        if slot.nr in _SENDS:
            self.blind.add(slot.domain)         # it may carry a userfaultfd out
            return
        if slot.nr == _NR_MMAP:
            if ret < ERRNO_FLOOR and a[3] & _MAP_GROWSDOWN:
                kept = self.growsdown.setdefault(slot.domain, [])
                if kept is not None:
                    kept.append((ret, ret + page_up(a[1])))
                    if len(kept) > _MOST_GROWSDOWN:
                        self.growsdown[slot.domain] = None
            return
        if slot.nr == _NR_MREMAP:
            if ret >= ERRNO_FLOOR or not self.ranges:
                return
            old, old_len, new_len = a[0], page_up(a[1]), page_up(a[2])
            for ranges in self.ranges.values():
                met = [g for s, e, g in ranges if s < old + max(old_len, PAGE) and old < e]
                if met:
                    ranges.append((ret, ret + new_len, any(met)))
            return
        if slot.nr != _NR_IOCTL or a[1] & 0xFFFF_FFFF != UFFDIO_REGISTER:
            return
        if made_by != _NR_USERFAULTFD or uffd is None:
            self.blind.add(slot.domain)
            return
        if ret != 0 or not quiet(slot, dom, others, runs, [(slot.root, a[2], a[2] + 16)]):
            self.unknown.add(uffd)
            return
        raw = memory.read(a[2], 16, slot.root)
        if raw is None:
            self.unknown.add(uffd)
            return
        start, length = struct.unpack("<QQ", raw)
        grows = self._may_grow_down(slot.domain, dom.spaces.get(slot.root), start)
        self.ranges.setdefault(uffd, []).append((start, start + length, grows))

    def _may_grow_down(self, domain: int, space: Space | None, va: int) -> bool:
        """Does va lie in an area that may grow down (expand_downwards(): the stack's
        reserve, a MAP_GROWSDOWN mmap of the domain's)?  Not known: yes."""
        if space is None:
            return True
        if space.stack != (0, 0) and space.stack[0] <= va <= space.stack[1]:
            return True
        kept = self.growsdown.get(domain, [])
        return kept is None or any(s <= va <= e for s, e in kept)

    def check(self, memory: UserMemory, dom: Domain, slot: Slot, ret: int,
              uffd: Description | None, made_by: int | None, others: Iterable[Slot],
              runs: Mapping[int, int], kept_over_exec: bool = False) -> None:
        """`return.uffd_event`: a read of the userfaultfd reports page faults only at
        addresses inside a range registered with it.  `kept_over_exec`: a descriptor of
        it went on into an exec'd image."""
        if slot.nr != _NR_READ or made_by != _NR_USERFAULTFD or uffd is None \
                or uffd in self.unknown or slot.domain in self.blind or not ret \
                or ret >= ERRNO_FLOOR or kept_over_exec:
            return
        others = list(others)
        for other in others:
            if other.id != slot.id and other.domain == slot.domain and (
                    other.nr in (_NR_MREMAP, *_SENDS, *_EXECS) or (
                        other.nr == _NR_IOCTL
                        and other.args[1] & 0xFFFF_FFFF == UFFDIO_REGISTER)):
                return                          # a registration may be changing
        count = min(ret // MSG, _MOST_MSGS)
        if not count or not quiet(slot, dom, others, runs,
                                  [(slot.root, slot.args[1], slot.args[1] + count * MSG)]):
            return                              # another thread may have stored there
        ranges = self.ranges.get(uffd, [])
        for i in range(count):
            raw = read_or_fault(memory, slot, slot.args[1] + i * MSG, MSG)
            if raw[0] != UFFD_EVENT_PAGEFAULT:
                continue
            address = struct.unpack_from("<Q", raw, 16)[0]
            if not any(s <= address < e or (grows and address < s)
                       for s, e, grows in ranges):
                refuse("return.uffd_event", Status.ERR_DENIED,
                       f"a read of the program's userfaultfd returned, in message {i}, a "
                       f"page fault outside the {len(ranges)} range(s) registered with it: "
                       "handle_userfault() queues UFFD_EVENT_PAGEFAULT only for a fault in "
                       "an area registered with that context")
