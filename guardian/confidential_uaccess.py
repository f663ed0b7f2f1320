"""The kernel's capability-checked access to a confidential thread's memory."""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    CLONE_CHILD_SETTID,
    NR_CLONE,
    NR_CLONE3,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_RT_SIGACTION,
)
from abi.sigframe import (
    SIGRETURN_TRAMPOLINE,
)
from abi.syscalls import NUMBERS, SYSCALL_NAMES
from emulator.descriptors import ADDR_MASK
from emulator.mmu import TranslationFault
from guardian import checks, thread_exit
from guardian.capabilities import (
    CAP_TABLE,
    MPROTECT_TABLE,
    NotPresent,
    R,
    W,
    covered,
    expand,
)
from guardian.checks import FaultIn, refuse
from guardian.confidential_old_state import OLD_STATE_CALLS, OldSignalState
from guardian.confidential_registry import Registry
from guardian.futex_caps import futex_ranges, wake_op_store_ok
from guardian.futex_values import note_wake_op_store
from guardian.handle_caps import handle_ranges
from guardian.ioctl_caps import ioctl_ranges
from guardian.prctl_caps import prctl_ranges
from guardian.rseq_areas import RseqAreas
from guardian.slots import PAGE, Domain, Slot
from guardian.state import MonitorState
from guardian.tagged_abi import TaggedAbi
from guardian.tid_words import TID_WORD_CALLS, TidWords
from guardian.user_memory import UserMemory

_NR_PRCTL = NUMBERS["prctl"]
_NR_NAME_TO_HANDLE_AT = NUMBERS["name_to_handle_at"]
_NR_FUTEX = NUMBERS["futex"]
_NR_IOCTL = NUMBERS["ioctl"]
_EXIT_CALLS = frozenset({NR_EXIT, NR_EXIT_GROUP})


class UserAccess:
    """copy_from_user / copy_to_user / strncpy_from_user for the Guardian."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 mode: str) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.mode = mode          # "blindfold", or "mprotect" for the predecessor design
        self.old_state: OldSignalState | None = None   # the reported previous signal state
        self.tid_words = TidWords(registry, memory)
        #: threads' rseq areas (guardian/rseq_areas.py): a gone thread's is dropped
        self.rseq: RseqAreas | None = None
        #: threads' TIF_TAGGED_ADDR (guardian/tagged_abi.py): a gone thread's is dropped
        self.tagged: TaggedAbi | None = None

    @staticmethod
    def syscall_name(nr: int) -> str:
        return SYSCALL_NAMES.get(nr, "")

    def _caps(self, slot: Slot) -> list[tuple[int, int, int]]:
        if slot.caps is None:
            if slot.nr == _NR_PRCTL:
                # What prctl lets the kernel touch depends on its option (in both designs:
                # each option's buffer is a fixed one).
                caps = prctl_ranges(slot.args, self.memory.read)
            elif slot.nr == _NR_FUTEX and self.mode != "mprotect":
                # futex's words and timeout depend on its command (the predecessor design
                # keeps one rule for the call).
                caps = futex_ranges(slot.args, checks.enabled("uaccess.futex_command"))
            elif slot.nr == _NR_IOCTL and self.mode != "mprotect" \
                    and checks.enabled("uaccess.ioctl_command") \
                    and (narrowed := ioctl_ranges(slot.args)) is not None:
                # (FICLONERANGE: do_vfs_ioctl() reads its struct, writes nothing)
                caps = narrowed
            else:
                table = MPROTECT_TABLE if self.mode == "mprotect" else CAP_TABLE
                rules = table.get(SYSCALL_NAMES.get(slot.nr, ""), ()) \
                    if slot.nr is not None else ()
                caps = expand(rules, slot.args, self.memory.read)
                if slot.nr == _NR_NAME_TO_HANDLE_AT:
                    # (the handle's header, its handle_bytes and the mount id: a fixed
                    # struct the handle names, in the predecessor design too -- round 87)
                    caps += handle_ranges(slot.args, self.memory.read)
            slot.caps = self._untagged_too(slot, caps)
        return slot.caps

    def _untagged_too(self, slot: Slot, caps: list[tuple[int, int, int]]
                      ) -> list[tuple[int, int, int]]:
        """Under the thread's TIF_TAGGED_ADDR each buffer is reached through its untagged
        address too: arm64's access_ok() takes untagged_addr() of the pointer and
        copy_{from,to}_user() go through the same page (top-byte-ignore).  Without the
        ABI a tagged pointer fails access_ok() (-EFAULT): no such copy."""
        tagged = self.tagged
        if tagged is None or (slot.domain, slot.thread) not in tagged.tagged:
            return caps
        extra = [(u, u + stop - start, acc) for start, stop, acc in caps
                 if (u := tagged.untag(slot, start)) != start]
        return caps + extra if extra else caps

    def _long_lived(self, slot: Slot, dom: Domain, write: bool, data: bytes
                    ) -> list[tuple[int, int, int]]:
        """The capabilities set_robust_list leaves behind, usable only at the exit of the
        thread that registered them (the TID words are `TidWords`' grants)."""
        if self.mode == "mprotect":
            return []
        space = self.registry.space(dom, slot.root)
        if not checks.enabled("uaccess.long_lived_exit"):
            return [cap for caps in space.robust_lists.values() for cap in caps]
        if slot.nr not in (NR_EXIT, NR_EXIT_GROUP) or (write and any(data)):
            return []
        return thread_exit.robust_caps(self.registry, space, slot)

    def _tid_grants(self, slot: Slot, dom: Domain, write: bool, data: bytes
                    ) -> list[tuple[int, int, int]]:
        """The TID word this store may go to: the call's own, in the right tree, with the
        right value (all the words the call could name, once the check is removed)."""
        if self.mode == "mprotect" and slot.nr not in (NR_CLONE, NR_CLONE3):
            return []      # the predecessor grants no long-lived word, the exit's included
        if not checks.enabled("uaccess.tid_word"):
            return self.tid_words.broad(slot, dom)
        return self.tid_words.grants(slot, dom, self.registry.live_root(), write, data)

    def _child_settid_word(self, slot: Slot, live: int) -> tuple[int, int] | None:
        """(address, 4) of the TID word a clone asked written into the fork child it
        yielded (CLONE_CHILD_SETTID), when `live` is that child's tree; else None."""
        if slot.nr not in (NR_CLONE, NR_CLONE3) or not slot.child_process \
                or self.registry.process_of_root.get(live) != slot.child_process:
            return None
        if slot.nr == NR_CLONE:
            flags, child_tid = slot.args[0], slot.args[4]
        else:
            raw = self.memory.read(slot.args[0], 24, slot.root)
            if raw is None:
                return None
            flags, _, child_tid = struct.unpack("<3Q", raw)
        return (child_tid, 4) if flags & CLONE_CHILD_SETTID and child_tid else None

    def _check_slot_tree(self, slot: Slot, va: int, n: int, write: bool) -> None:
        """A call's user access reaches the memory of the thread that made it, whatever
        tree the kernel has loaded: another address space of the same domain (a fork
        child's, its parent's) is refused.  The one exception is the word a fork's
        CLONE_CHILD_SETTID writes into the child the clone yielded."""
        live = self.registry.live_root()
        if live == slot.root:
            return
        if write and self._child_settid_word(slot, live) == (va, n):
            return
        refuse("uaccess.slot_tree", Status.ERR_DENIED,
               f"slot {slot.id} is a call of address space {slot.root:#x}, the loaded tree is "
               f"{live:#x}: a call reaches only its own thread's memory")

    def call_ranges(self, slot: Slot) -> list[tuple[int, int, int]]:
        """The user memory the call in `slot` may touch (its capabilities)."""
        try:
            return self._caps(slot)
        except NotPresent as np_:
            raise FaultIn(np_.va) from None

    @staticmethod
    def _no_call(slot: Slot, va: int, n: int, write: bool) -> None:
        """Linux copies to or from user memory only for a system call in progress: a slot
        that is a fault, an interrupt or a thread that has not yet run (the one
        CREATE_DOMAIN returns: exec built the initial stack before the domain existed)
        has no call to serve."""
        refuse("uaccess.syscall_in_progress", Status.ERR_DENIED,
               f"slot {slot.id} (thread {slot.thread}) is no system call in progress: no "
               f"copy {'to' if write else 'from'} user memory serves it ({n} bytes at "
               f"{va:#x}); nothing between exec and a program's first instruction, and no "
               "fault or interrupt, copies user memory")

    def _check_caps(self, slot: Slot, dom: Domain, va: int, n: int, write: bool,
                    data: bytes) -> None:
        """The call in `slot` may touch [va, va+n): a capability of the call (a
        long-lived one at an exit, a TID word at a clone or an exit) covers it."""
        reg = self.registry
        nr = slot.nr
        caps = slot.caps
        if caps is None:
            try:
                caps = self._caps(slot)
            except NotPresent as np_:
                raise FaultIn(np_.va) from None
        # Long-lived capabilities serve an exit only, TID words a clone or an exit
        # (in a build without one of those checks, the helpers decide every time).
        mutated = bool(checks.MUTATED)
        extra = self._long_lived(slot, dom, write, data[:n]) \
            if mutated or nr in _EXIT_CALLS else []
        tid = self._tid_grants(slot, dom, write, data[:n]) \
            if mutated or nr in TID_WORD_CALLS else []
        allowed = covered(caps + extra + tid if extra or tid else caps, va, n,
                          W if write else R)
        if self.s.tracer.enabled:
            self.s.tracer.emit("capability", addr=va, size=n, write=write,
                               allowed=allowed == n, syscall=slot.nr)
        if allowed < n and write and reg.tid_cleared and nr in _EXIT_CALLS:
            thread_exit.check_cleared_word(reg, reg.space(dom, slot.root), slot, va, n)
        if allowed < n and covered(self.tid_words.broad(slot, dom), va, n, W) == n:
            refuse("uaccess.tid_word", Status.ERR_DENIED,
                   f"syscall {slot.nr} of thread {slot.thread} may not store "
                   f"{data[:n].hex()} into the TID word at {va:#x} under tree "
                   f"{self.registry.live_root():#x}: a clone stores the child's TID at "
                   "the words its flags name (ctid in the child's memory), and an exit "
                   "clears the exiting thread's own word only")
        if allowed < n:
            if self.mode == "mprotect":
                self.s.stats.inc("guardian.mprotect.uaccess_refused")
            refuse("uaccess.capability", Status.ERR_DENIED,
                   f"no capability for {n} bytes at {va:#x} "
                   f"({'write' if write else 'read'}) in syscall {slot.nr}")

    def user_access(self, slot_id: int, va: int, n: int, write: bool,
                    data: bytes = b"") -> tuple[int, bytes]:
        """copy_from_user / copy_to_user for a confidential thread, capability-checked.

        (bytes done, data) on success; FaultIn asks the kernel to fault the page in
        and retry; a refusal (ERR_DENIED) when no capability covers the range (the
        kernel treats it as EFAULT)."""
        # Several per syscall: the registry's lookups and the helpers' common cases are
        # written out here.
        reg = self.registry
        slot = reg.slots.get(slot_id)
        live = reg.cpu.ttbr0 & ADDR_MASK
        domain_id = reg.root_domain.get(live)
        dom = reg.domains.get(domain_id) if domain_id else None
        if slot is None or dom is None or slot.domain != dom.id:
            slot, dom = reg.syscall_slot(slot_id)       # refused, with the reason
        counters = self.s.stats.counters
        counters["guardian.uaccess"] = counters.get("guardian.uaccess", 0) + 1
        if live != slot.root:
            self._check_slot_tree(slot, va, n, write)
        if reg.tid_cleared or reg.reaped:      # (no thread gone yet: nothing to look up)
            thread_exit.check_access(reg, reg.space(dom, slot.root), slot, va, n, write, data)
        nr = slot.nr
        if nr is None:                         # (capabilities are a call's: none to look up)
            self._no_call(slot, va, n, write)
        else:
            self._check_caps(slot, dom, va, n, write, data)
        # Every page checked (and walked once) before anything is copied.
        spans = self.memory.spans(va, n, write) if n > 0 else []
        if isinstance(spans, int):
            raise FaultIn(spans)
        if n <= 0:
            missing = self.memory.first_missing(va, n, write)
            if missing is not None:
                raise FaultIn(missing)
        if write:
            if nr == NR_RT_SIGACTION:
                data = self._sigaction_out(slot, dom, va, data[:n])
            if self.old_state is not None and nr in OLD_STATE_CALLS:
                self.old_state.check_write(slot, dom, va, data[:n])
            if nr == _NR_FUTEX and note_wake_op_store(slot, va, n,
                                                      self.memory.read(va, n, slot.root)) \
                    and self.mode != "mprotect":
                refuse("uaccess.futex_wake_op", Status.ERR_DENIED,
                       f"FUTEX_WAKE_OP stores {n} bytes at {va:#x} into its second word at "
                       f"{slot.args[4]:#x} after its operation's store or into part of it: "
                       "Linux applies the operation once, to the whole word")
            if nr == _NR_FUTEX and self.mode != "mprotect" \
                    and not wake_op_store_ok(slot.args, va, data[:n],
                                             self.memory.read(va, n, slot.root)):
                refuse("uaccess.futex_wake_op", Status.ERR_DENIED,
                       f"FUTEX_WAKE_OP stores {data[:n].hex()} at {va:#x}, not the result of "
                       f"its operation {slot.args[5] & 0xFFFF_FFFF:#x} on the word there: "
                       "Linux stores exactly that result")
            slot.touched += n
            slot.written.append((va, va + n))
            if nr in TID_WORD_CALLS:
                self.tid_words.note_store(slot, va, data[:n])
                if nr in _EXIT_CALLS:
                    for t in thread_exit.note_clear(reg, reg.space(dom, slot.root), slot, va,
                                                    data[:n]):
                        if self.rseq is not None:
                            self.rseq.drop(slot.root, t)        # the thread is gone
                        if self.tagged is not None:
                            self.tagged.drop(dom.id, t)
            self.memory.write_spans(spans, data[:n])
            return n, b""
        slot.touched += n
        out = self.memory.read_spans(spans)
        if slot.nr == NR_RT_SIGACTION:
            out = self._sigaction_in(slot, va, out)
        return n, out

    # The kernel never learns where a confidential program's signal handlers are:
    # it sees the trampoline address in their place, and the Guardian enters the
    # handler it recorded itself (SIGNAL).  SIG_DFL and SIG_IGN pass unchanged.
    def _sigaction_in(self, slot: Slot, va: int, out: bytes) -> bytes:
        base = slot.args[1]
        if not base or not (va <= base and base + 8 <= va + len(out)):
            return out
        off = base - va
        handler = struct.unpack_from("<Q", out, off)[0]
        if handler in (0, 1):
            return out
        buf = bytearray(out)
        struct.pack_into("<Q", buf, off, SIGRETURN_TRAMPOLINE)
        if base + 24 <= va + len(out):
            struct.pack_into("<Q", buf, off + 16, SIGRETURN_TRAMPOLINE)   # sa_restorer
        return bytes(buf)

    def _sigaction_out(self, slot: Slot, dom: Domain, va: int, data: bytes) -> bytes:
        base = slot.args[2]
        if not base or not (va <= base and base + 8 <= va + len(data)):
            return data
        off = base - va
        if struct.unpack_from("<Q", data, off)[0] != SIGRETURN_TRAMPOLINE:
            return data
        real = self.registry.space(dom, slot.root).handlers_of(
            self.registry.group_of(slot.root, slot.thread)).get(slot.args[0] & 0xFFFF_FFFF)
        if real is None:
            return data
        buf = bytearray(data)
        struct.pack_into("<Q", buf, off, real[0])
        if base + 24 <= va + len(data):
            struct.pack_into("<Q", buf, off + 16, real[2])
        return bytes(buf)

    def user_string(self, slot_id: int, va: int, limit: int) -> tuple[int, bytes]:
        """strncpy_from_user: the string must lie inside a capability, NUL included."""
        slot, dom = self.registry.syscall_slot(slot_id)
        self.s.stats.inc("guardian.uaccess")
        self._check_slot_tree(slot, va, limit, False)
        reg = self.registry
        if reg.tid_cleared or reg.reaped:
            thread_exit.check_access(reg, reg.space(dom, slot.root), slot, va, limit, False, b"")
        allowed = limit
        if slot.nr is None:
            self._no_call(slot, va, limit, False)
        else:
            try:
                extra = self._long_lived(slot, dom, False, b"")
                allowed = min(covered(self._caps(slot) + extra, va, limit, R), limit)
            except NotPresent as np_:
                raise FaultIn(np_.va) from None
        out = bytearray()
        pos = va
        while pos < va + allowed:
            chunk = min(va + allowed - pos, PAGE - (pos & (PAGE - 1)))
            pa = self.memory.translate(pos, False)
            if isinstance(pa, TranslationFault):
                raise FaultIn(pos)
            data = self.s.ram.read(pa, chunk)
            nul = data.find(b"\0")
            if nul >= 0:
                return len(out) + nul, bytes(out + data[:nul])
            out += data
            pos += chunk
        if allowed < limit:
            refuse("ustring.capability", Status.ERR_DENIED,
                   f"string at {va:#x} runs past its capability (syscall {slot.nr})")
        return len(out), bytes(out)   # no NUL within the limit
