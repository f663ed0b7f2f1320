"""Restartable sequences of confidential threads (kernel/rseq.c, include/uapi/linux/rseq.h).

The kernel may not read or write a confidential program's memory at a return to user
code, so what Linux does there to a thread with a registered rseq area the Guardian
does itself, from its own record of the registration:

- rseq(): the answer is judged against sys_rseq()'s checks for the arguments and the
  thread's registration (`return.rseq_answer`): an errno Linux gives for them (-ENOSYS
  too, a kernel without CONFIG_RSEQ, until one succeeded in the domain), or 0 only where
  Linux accepts (flags: only RSEQ_FLAG_UNREGISTER, all 6.x defines: a later kernel's new
  flag would be refused); a registration's -EFAULT where the Guardian cannot prove the
  area writable (Linux 6.13, and 6.12.y, 6.6.y, 6.1.y: sys_rseq() reads rseq_cs and
  clears a non-zero one, "rseq: Fix segfault on registration when rseq_cs is non-zero");
  an unregistration's -EFAULT (rseq_reset_rseq_cpu_node_id()'s put_user()
  faults) only where the area is not on a mapping the Guardian knows writable (anonymous
  memory or a present page: a file page not present may lie past a truncated end), or
  while another thread's call that changes the space's mappings (`LAYOUT_CALLS`) is in
  flight, and never 0 where the program made it read-only or it lies wholly past the
  end of a file only the program holds, or where its own munmap or mremap left no
  mapping (`Space.holes`);
- the id stores (rseq_update_cpu_node_id(): cpu_id_start, cpu_id, node_id, mm_cid) at
  the registration's return and at a return after a switch to the thread, the CPU the
  Guardian resumes it on; rseq_reset_rseq_cpu_node_id() at unregistration;
- the registration's clear of a non-zero rseq_cs at its commit (that Linux version's
  behaviour, the one the Guardian stores for: no fixup, no SIGSEGV at that return);
- the abort (rseq_ip_fixup()) at a return after an interrupt or with a signal's
  delivery: rseq_cs and the descriptor it names read from the program's memory, the
  signature before abort_ip checked, a pc inside [start_ip, start_ip +
  post_commit_offset) moved to abort_ip and rseq_cs cleared.  Where Linux would
  force_sigsegv() (a bad descriptor or signature) the return is refused
  (`return.rseq_abort`) naming SIGSEGV (Refused.signo, the refusal's value): the kernel
  ends the process by SIGSEGV, as force_sigsegv() does.

A fork child's thread keeps its creator's registration (rseq_fork()); a thread or a
vfork child (CLONE_VM) starts with none, as does the image an exec starts.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from abi import Status
from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_PC
from guardian.checks import FaultIn, refuse
from guardian.file_pages import FileView
from guardian.protections import protection_at
from guardian.slots import PAGE, Domain, Slot, Space
from guardian.unmapped_holes import hole_at
from guardian.user_memory import UserMemory

ORIG_RSEQ_SIZE = 32                 # the original struct rseq, and its alignment
RSEQ_FEATURE_SIZE = 28              # offsetof(struct rseq, end)
RSEQ_ALIGN = 32                     # __alignof__(struct rseq)
RSEQ_FLAG_UNREGISTER = 1
TASK_SIZE = 1 << 48                 # access_ok()'s limit (48-bit VAs)
RSEQ_CS_OFF, FLAGS_OFF, NODE_ID_OFF = 8, 16, 20
_ERRNO_FLOOR = (1 << 64) - 4095
_M64 = (1 << 64) - 1
_ZERO8 = bytes(8)
_CLONE_VM = 0x100
_PROT_WRITE = 2
_SIGSEGV = 11
#: calls that change a space's mappings or protections: one in flight in another thread
#: may make the area's pages writable or not before the reset's put_user()s run
LAYOUT_CALLS = frozenset(NUMBERS[n] for n in (
    "mmap", "munmap", "mremap", "mprotect", "pkey_mprotect", "brk", "shmat", "shmdt",
    "remap_file_pages", "madvise", "execve", "execveat"))


@dataclass(frozen=True)
class Area:
    va: int
    length: int
    sig: int


@dataclass(frozen=True)
class Plan:
    """What a return owes a registered thread: its area's words as read and as they are to
    be (rseq_cs cleared), the abort_ip to resume at (None: where it stopped)."""

    area: Area
    raw: bytes
    new: bytearray
    abort: int | None


def linux_errno(cur: Area | None, va: int, length: int, flags: int, sig: int) -> int:
    """sys_rseq()'s errno for these arguments and the thread's registration (0: accepted)."""
    if flags & RSEQ_FLAG_UNREGISTER:
        if flags & ~RSEQ_FLAG_UNREGISTER or cur is None or cur.va != va or cur.length != length:
            return errno.EINVAL
        return errno.EPERM if cur.sig != sig else 0
    if flags:
        return errno.EINVAL
    if cur is not None:
        if cur.va != va or cur.length != length:
            return errno.EINVAL
        return errno.EPERM if cur.sig != sig else errno.EBUSY
    if length < ORIG_RSEQ_SIZE or (length == ORIG_RSEQ_SIZE and va % ORIG_RSEQ_SIZE) or \
            (length != ORIG_RSEQ_SIZE and (va % RSEQ_ALIGN or length < RSEQ_FEATURE_SIZE)):
        return errno.EINVAL
    return errno.EFAULT if va + length > TASK_SIZE else 0


def _args(slot: Slot) -> tuple[int, int, int, int]:
    a = slot.args
    flags = a[2] & 0xFFFF_FFFF
    return a[0], a[1] & 0xFFFF_FFFF, flags - (1 << 32) if flags >> 31 else flags, \
        a[3] & 0xFFFF_FFFF


class RseqAreas:
    """(root, thread) -> the thread's registered area, and the stores owed to it."""

    def __init__(self, memory: UserMemory) -> None:
        self.memory = memory
        self.areas: dict[tuple[int, int], Area] = {}
        #: domains where an rseq() succeeded: -ENOSYS is no longer an answer there
        self.enabled: set[int] = set()
        #: slots whose registration's return clears rseq_cs (rseq_ip_fixup())
        self.clear_at_commit: set[int] = set()

    # --- the call --------------------------------------------------------------------
    def writable(self, dom: Domain, space: Space | None, va: int) -> bool | None:
        """Can put_user() store at `va` (a not-present or copy-on-write page is faulted in
        and written where its mapping is writable)?  None: the Guardian cannot tell."""
        if space is None:
            return None
        if hole_at(space, va) is not None:
            return False                # the program's own munmap or mremap left no VMA
        found = space.sole_view(va) if space.sole_views else None
        if found is not None and isinstance(found[0], FileView) and found[0].file.followed \
                and found[1] & ~(PAGE - 1) >= found[0].file.size:
            # a page wholly past the end of a file only the program holds: the fault
            # (shmem_fault()/filemap_fault()) is VM_FAULT_SIGBUS, truncate_pagecache()
            # having zapped any private copy (even_cows)
            return False
        prot = protection_at(space, va)
        if prot is not None and not prot & _PROT_WRITE:
            return False                # the program's own mmap or mprotect protection
        if self.memory.first_missing(va, 1, True) is None:
            return True                 # present and writable in the tables
        if prot is not None:
            # writable: anonymous memory faults in; a page of a file mapping, shared or
            # private, not present writable may lie past the file's end, whose size the
            # Guardian knows a lower bound of at best (write() grows a memfd unseen,
            # another holder may cut it): shmem_fault()/filemap_fault() VM_FAULT_SIGBUS
            return True if any(a <= va < b for a, b, _ in space.anon_areas) else None
        if not any(a <= va < b for a, b in space.areas):
            return None
        images = ((dom.image, dom.bias), (dom.program, dom.program_bias))
        return True if any(a + bias <= va < b + bias for image, bias in images
                           if image is not None for a, b in image.writable) \
            or any(a <= va < b and p & _PROT_WRITE for a, b, p in space.anon_areas) \
            or space.brk_start <= va < space.brk else None

    def reset_errno(self, dom: Domain, space: Space | None, va: int) -> int | None:
        """rseq_reset_rseq_cpu_node_id()'s outcome: EFAULT where a put_user() into the
        area faults, 0 where none can, None where the Guardian cannot tell."""
        seen = [self.writable(dom, space, p) for p in
                sorted({va & ~(PAGE - 1), (va + NODE_ID_OFF + 7) & ~(PAGE - 1)})]
        if False in seen:
            return errno.EFAULT
        return 0 if all(seen) else None

    def check(self, slot: Slot, ret: int, dom: Domain, space: Space | None,
              others: Iterable[Slot] = ()) -> None:
        """The kernel's answer to rseq() is sys_rseq()'s for these arguments; a success
        that stores needs the area's pages present (else the kernel faults them in).
        `others`: the calls in flight (one that may map memory may fill a hole)."""
        self.clear_at_commit.discard(slot.id)
        va, length, flags, sig = _args(slot)
        want = linux_errno(self.areas.get((slot.root, slot.thread)), va, length, flags, sig)
        reset = None
        if not want and (flags or ret >= _ERRNO_FLOOR):
            # The put_user()s into the area: rseq_reset_rseq_cpu_node_id()'s at
            # unregistration, the registration's get_user() and clear of a non-zero
            # rseq_cs (Linux 6.13, 6.12.y, 6.6.y, 6.1.y): -EFAULT only where one faults
            # (another thread's mapping call in flight: the Guardian cannot tell)
            reset = None if any(o.root == slot.root and o.nr in LAYOUT_CALLS and o is not slot
                                for o in others) else self.reset_errno(dom, space, va)
            if flags & RSEQ_FLAG_UNREGISTER:
                want = reset or 0
        if ret >= _ERRNO_FLOOR:
            got = (1 << 64) - ret
            if got == want or got == errno.ENOSYS and slot.domain not in self.enabled or \
                    got == errno.EFAULT and reset != 0 and not want:
                return                      # (the area's stores may fault: -EFAULT)
            refuse("return.rseq_answer", Status.ERR_DENIED,
                   f"rseq() answers -{got}, where Linux's sys_rseq() answers "
                   + (f"-{want}" if want else "0") + " for these arguments and the thread's "
                   "registration")
        if ret or want:
            refuse("return.rseq_answer", Status.ERR_DENIED,
                   f"rseq() answers {ret:#x}, where Linux's sys_rseq() answers "
                   + (f"-{want}" if want else "0") + " for these arguments and the thread's "
                   "registration")
        self._writable_now(slot, va)
        if not flags & RSEQ_FLAG_UNREGISTER and \
                self._read(slot, va + RSEQ_CS_OFF, 8) != _ZERO8:
            # sys_rseq() clears a non-zero rseq_cs (Linux 6.13 and its stable backports):
            # the return's rseq_ip_fixup() finds none, judges nothing, sends no SIGSEGV
            self.clear_at_commit.add(slot.id)

    def commit(self, slot: Slot, ret: int, cpu: int) -> None:
        """Record a successful (un)registration and store what Linux stores."""
        if ret:
            return
        va, length, flags, sig = _args(slot)
        key = (slot.root, slot.thread)
        self.enabled.add(slot.domain)
        if flags & RSEQ_FLAG_UNREGISTER:
            del self.areas[key]
            # rseq_reset_rseq_cpu_node_id(): cpu_id RSEQ_CPU_ID_UNINITIALIZED
            self._store(slot.root, va, struct.pack("<II", 0, 0xFFFF_FFFF))
            return
        self.areas[key] = Area(va, length, sig)
        self._store(slot.root, va, struct.pack("<II", cpu, cpu))
        if slot.id in self.clear_at_commit:
            self.clear_at_commit.discard(slot.id)
            self._write(va + RSEQ_CS_OFF, _ZERO8, slot.root)         # clear_rseq_cs()

    def _writable_now(self, slot: Slot, va: int) -> None:
        """put_user() into the area's words: a page not present or not writable in the
        tables (copy-on-write after a fork) the kernel makes writable first, as its write
        fault would (FaultIn, write)."""
        missing = self.memory.first_missing(va, ORIG_RSEQ_SIZE, True)   # (one page: aligned)
        if missing is not None:
            raise FaultIn(missing, write=True)

    def _store(self, root: int, va: int, first: bytes, node: int = 0, mm_cid: int = 0) -> None:
        self._write(va, first, root)
        self._write(va + NODE_ID_OFF, struct.pack("<II", node, mm_cid), root)

    def _write(self, va: int, data: bytes, root: int) -> None:
        """A store the checks made writable; one that still fails is counted, never silent."""
        if self.memory.write(va, data, root) is not None:
            self.memory.s.stats.inc("guardian.rseq.store_failed")

    # --- the return to user code ------------------------------------------------------
    def plan(self, slot: Slot, event: bool, switched: bool) -> Plan | None:
        """__rseq_handle_notify_resume() for a registered thread, before anything of the
        return is committed: the fixup where it was switched in, interrupted or enters a
        signal handler (rseq_preempt(), rseq_signal_deliver()), and the ids.  Reads only
        (FaultIn: the kernel faults a page in and asks again); None where nothing is owed."""
        area = self.areas.get((slot.root, slot.thread))
        if area is None:
            return None
        raw = self._read(slot, area.va, RSEQ_FEATURE_SIZE)
        # (rseq_update_cpu_node_id() stores every time; `apply` stores only what changed,
        # and the ids change only where the thread moved to another core: a page a fork
        # left copy-on-write is faulted in as a write at an (un)registration, not here)
        abort = None
        new = bytearray(raw)
        if (event or switched) and raw[RSEQ_CS_OFF:RSEQ_CS_OFF + 8] != _ZERO8:
            abort = self._fixup(slot, area, struct.unpack_from("<Q", raw, RSEQ_CS_OFF)[0])
            new[RSEQ_CS_OFF:RSEQ_CS_OFF + 8] = _ZERO8                # clear_rseq_cs()
        return Plan(area, raw, new, abort)

    def apply(self, slot: Slot, plan: Plan, cpu: int) -> None:
        """The stores and the pc `plan` holds (the last of the return): one write of the
        area, only where a word changes."""
        new = plan.new
        struct.pack_into("<II", new, 0, cpu, cpu)                    # rseq_update_cpu_node_id()
        struct.pack_into("<II", new, NODE_ID_OFF, 0, 0)              # node 0, mm_cid 0
        if new != plan.raw:
            self._write(plan.area.va, bytes(new), slot.root)
        if plan.abort is not None:
            slot.ctx.set(CTX_PC, plan.abort)        # instruction_pointer_set()
            slot.elr = plan.abort

    def _read(self, slot: Slot, va: int, n: int) -> bytes:
        raw = self.memory.read(va, n, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, n, False)
            raise FaultIn(va if missing is None else missing)
        return raw

    def _fixup(self, slot: Slot, area: Area, ptr: int) -> int | None:
        """rseq_ip_fixup() for a non-zero rseq_cs `ptr`: rseq_get_rseq_cs(), in_rseq_cs(),
        rseq_need_restart(); the abort_ip to resume at (None: outside the section)."""
        if ptr >= TASK_SIZE:
            self._sigsegv(slot, f"rseq_cs {ptr:#x} lies beyond the user half")
        version, cs_flags, start, off, abort = struct.unpack("<IIQQQ", self._read(slot, ptr, 32))
        if start >= TASK_SIZE or start + off >= TASK_SIZE or abort >= TASK_SIZE or version:
            self._sigsegv(slot, "the rseq_cs descriptor is out of range or of a later version")
        if (abort - start) & _M64 < off:
            self._sigsegv(slot, f"abort_ip {abort:#x} lies inside the critical section")
        if abort < 4 or struct.unpack("<I", self._read(slot, abort - 4, 4))[0] != area.sig:
            self._sigsegv(slot, f"the word before abort_ip {abort:#x} is not the signature "
                                f"{area.sig:#x} the thread registered")
        if (slot.ctx.get(CTX_PC) - start) & _M64 >= off:
            return None                         # not in the section: rseq_cs cleared
        if cs_flags or struct.unpack("<I", self._read(slot, area.va + FLAGS_OFF, 4))[0]:
            self._sigsegv(slot, "rseq flags (deprecated RSEQ_CS_FLAG_NO_RESTART_ON_*) set")
        return abort

    @staticmethod
    def _sigsegv(slot: Slot, why: str) -> None:
        refuse("return.rseq_abort", Status.ERR_DENIED,
               f"thread {slot.thread}'s rseq area fails rseq_ip_fixup(): {why} (Linux: "
               "force_sigsegv())", signo=_SIGSEGV)

    # --- threads and images -------------------------------------------------------------
    def note_clone(self, root: int, thread: int, child_root: int, child_thread: int,
                   cflags: int) -> None:
        """rseq_fork(): a CLONE_VM child starts unregistered, a fork child keeps it."""
        area = self.areas.get((root, thread))
        key = (child_root or root, child_thread)
        if area is not None and not cflags & _CLONE_VM and child_root:
            self.areas[key] = area
        else:
            self.areas.pop(key, None)

    def drop(self, root: int, thread: int) -> None:
        """The thread's end (its CLEARTID word cleared, confidential_uaccess)."""
        self.areas.pop((root, thread), None)

    def forget(self, root: int) -> None:
        for key in [k for k in self.areas if k[0] == root]:
            del self.areas[key]
