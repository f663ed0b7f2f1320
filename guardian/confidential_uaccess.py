"""The kernel's capability-checked access to a confidential thread's memory."""

from __future__ import annotations

import struct

from abi import Status
from abi.sigframe import (
    SIGRETURN_TRAMPOLINE,
)
from abi.syscalls import SYSCALL_NAMES
from emulator.mmu import TranslationFault
from guardian.capabilities import (
    CAP_TABLE,
    MPROTECT_TABLE,
    NotPresent,
    R,
    W,
    covered,
    expand,
)
from guardian.slots import (
    NR_RT_SIGACTION,
    PAGE,
    Domain,
    Slot,
)


class UserAccessMixin:
    """copy_from_user / copy_to_user / strncpy_from_user for the Guardian."""

    def syscall_name(self, nr: int) -> str:
        return SYSCALL_NAMES.get(nr, "")

    def _caps(self, slot: Slot) -> list[tuple[int, int, int]]:
        if slot.caps is None:
            table = MPROTECT_TABLE if self.mode == "mprotect" else CAP_TABLE
            rules = table.get(self.syscall_name(slot.nr), ()) if slot.nr is not None else ()
            slot.caps = expand(rules, slot.args, self.read_user)
        return slot.caps

    def user_access(self, slot_id: int, va: int, n: int, write: bool,
                    data: bytes = b"") -> tuple[Status, int, bytes]:
        """copy_from_user / copy_to_user for a confidential thread, capability-checked.

        (OK, bytes done, data) on success; (ERR_STATE, fault va, b"") asks the
        kernel to fault the page in and retry; ERR_DENIED when no capability
        covers the range (the kernel treats it as EFAULT).
        """
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            return self.g._decide("uaccess", Status.ERR_STATE, "no syscall in progress"), 0, b""
        self.g.stats.inc("guardian.uaccess")
        if not dom.loading:
            try:
                caps = self._caps(slot)
            except NotPresent as np_:
                return Status.FAULT_IN, np_.va, b""
            allowed = covered(caps + (dom.long_lived if self.mode != "mprotect" else []),
                              va, n, W if write else R)
            if self.g.tracer.enabled:
                self.g.tracer.emit("capability", addr=va, size=n, write=write,
                                   allowed=allowed == n, syscall=slot.nr)
            if allowed < n:
                if self.mode == "mprotect":
                    self.g.stats.inc("guardian.mprotect.uaccess_refused")
                return self.g._decide("uaccess", Status.ERR_DENIED,
                                      f"no capability for {n} bytes at {va:#x} "
                                      f"({'write' if write else 'read'}) in syscall {slot.nr}"), \
                    allowed, b""
        missing = self._first_missing(va, n, write)
        if missing is not None:
            return Status.FAULT_IN, missing, b""
        if write:
            if slot.nr == NR_RT_SIGACTION:
                data = self._sigaction_out(slot, dom, va, data[:n])
            self._write_user(va, data[:n])
            return Status.OK, n, b""
        out = self.read_user(va, n) or b""
        if slot.nr == NR_RT_SIGACTION:
            out = self._sigaction_in(slot, va, out)
        return Status.OK, n, out

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
        real = dom.handlers.get(slot.args[0] & 0xFFFF_FFFF)
        if real is None:
            return data
        buf = bytearray(data)
        struct.pack_into("<Q", buf, off, real[0])
        if base + 24 <= va + len(data):
            struct.pack_into("<Q", buf, off + 16, real[2])
        return bytes(buf)

    def user_string(self, slot_id: int, va: int, limit: int) -> tuple[Status, int, bytes]:
        """strncpy_from_user: the string must lie inside a capability, NUL included."""
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            return self.g._decide("uaccess", Status.ERR_STATE, "no syscall in progress"), 0, b""
        self.g.stats.inc("guardian.uaccess")
        try:
            extra = dom.long_lived if self.mode != "mprotect" else []
            allowed = limit if dom.loading else min(
                covered(self._caps(slot) + extra, va, limit, R), limit)
        except NotPresent as np_:
            return Status.FAULT_IN, np_.va, b""
        out = bytearray()
        pos = va
        while pos < va + allowed:
            chunk = min(va + allowed - pos, PAGE - (pos & (PAGE - 1)))
            pa = self._translate(pos, False)
            if isinstance(pa, TranslationFault):
                return Status.FAULT_IN, pos, b""
            data = self.g.ram.read(pa, chunk)
            nul = data.find(b"\0")
            if nul >= 0:
                return Status.OK, len(out) + nul, bytes(out + data[:nul])
            out += data
            pos += chunk
        if allowed < limit:
            return self.g._decide("uaccess", Status.ERR_DENIED,
                                  f"string at {va:#x} runs past its capability "
                                  f"(syscall {slot.nr})"), allowed, b""
        return Status.OK, len(out), bytes(out)   # no NUL within the limit

