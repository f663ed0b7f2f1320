"""copy_from_user / copy_to_user: the kernel's semantic access to user memory.

Goes through the EL1 face under the current TTBR0, faulting pages in (or
breaking copy-on-write) on the way, exactly as Linux's uaccess routines fault
and retry.  Kernel addresses are never accepted as user pointers.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable

from abi import Call, Status
from emulator.el1 import El1, El1Fault
from emulator.mmu import Access
from kernel_model.errors import KernelError
from kernel_model.mm import USER_TOP, AddressSpace, FaultResult

PAGE = 4096
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")




class UserAccess:
    """Byte-level access to the current process's memory on its behalf.

    For a confidential process the kernel cannot walk the user half (EPD0):
    every access is a Guardian call checked against the capabilities of the
    syscall being served (`guardian_slot` names it).
    """

    def __init__(self, el1: El1, current_mm: Callable[[], AddressSpace],
                 guardian_slot: Callable[[], int] | None = None) -> None:
        self.el1 = el1
        self._current_mm = current_mm
        self._guardian_slot = guardian_slot or (lambda: 0)

    def _mediated(self, va: int, n: int, data: bytes | None, slot: int) -> bytes:
        """A copy through the Guardian, which copies all of [va, va+n) or nothing and names
        the first page it could not reach (FAULT_IN).  As copy_to_user() /
        copy_from_user() go on page by page, the pages before that one are copied at once
        and the copy goes on from it: the page is faulted in with every page after it the
        copy will reach (up to the first that cannot be), so a large copy into pages not
        yet touched takes a few Guardian calls, not one per page over the whole buffer."""
        write = data is not None
        call = Call.USER_WRITE if write else Call.USER_READ
        rest: bytes | memoryview | None = data     # what is left to copy in (bytes as given: no copy)
        parts: list[bytes] = []
        end = va + n
        for _ in range(2 * (n // PAGE) + 4):
            size = end - va
            status, value, out = self.el1.hvc_data(
                call, (slot, va, size), b"" if rest is None else
                rest if isinstance(rest, bytes) else bytes(rest))
            if status == 0:
                if parts:
                    parts.append(out)
                    return b"".join(parts)
                return out
            if status != Status.FAULT_IN:
                raise KernelError(errno.EFAULT)
            mm = self._current_mm()
            if not va <= value < end:
                # a page the Guardian reads to know the call's reach (an iovec array, a
                # message header): faulted in, and the copy asked again
                if mm.handle_fault(value, write, False) != FaultResult.OK:
                    raise KernelError(errno.EFAULT)
                continue
            if value > va:      # every page before it is there: copy them now
                k = value - va
                status, _, out = self.el1.hvc_data(
                    call, (slot, va, k), bytes(memoryview(rest)[:k]) if rest is not None else b"")
                if status == 0:
                    if rest is not None:
                        rest = memoryview(rest)[k:]
                    else:
                        parts.append(out)
                    va = value
            if mm.handle_fault(value, write, False) != FaultResult.OK:
                raise KernelError(errno.EFAULT)
            for page in range((value & ~(PAGE - 1)) + PAGE, end, PAGE):
                if mm.handle_fault(page, write, False) != FaultResult.OK:
                    break       # (the copy stops there: the next call names it again)
        raise KernelError(errno.EFAULT)

    @staticmethod
    def _check_range(va: int, n: int) -> None:
        if n < 0 or va < 0 or va + n > USER_TOP:
            raise KernelError(errno.EFAULT)

    def _readable(self, va: int, n: int) -> None:
        """EL1 may read a page EL0 may not touch: copy_from_user of a PROT_NONE page
        faults all the same (EFAULT), as the user's own access would."""
        vmas = self._current_mm().vmas
        for page in range(va & ~(PAGE - 1), va + n, PAGE):
            vma = vmas.find(page)
            if vma is not None and not vma.prot & 7:
                raise KernelError(errno.EFAULT)

    def _fix(self, fault: El1Fault) -> None:
        mm = self._current_mm()
        if fault.va >= USER_TOP:
            raise KernelError(errno.EFAULT)
        res = mm.handle_fault(fault.va, fault.access == Access.WRITE, False)
        if res != FaultResult.OK:
            raise KernelError(errno.EFAULT)

    def read(self, va: int, n: int) -> bytes:
        if n < 0 or va < 0 or va + n > USER_TOP:       # _check_range, inline
            raise KernelError(errno.EFAULT)
        if n == 0:
            return b""
        slot = self._guardian_slot()
        if slot:
            return self._mediated(va, n, None, slot)
        self._readable(va, n)
        for _ in range(n // PAGE + 3):
            try:
                return self.el1.read(va, n)
            except El1Fault as f:
                self._fix(f)
        raise KernelError(errno.EFAULT)

    def write(self, va: int, data: bytes | bytearray | memoryview) -> None:
        n = len(data)
        if n < 0 or va < 0 or va + n > USER_TOP:       # _check_range, inline
            raise KernelError(errno.EFAULT)
        if n == 0:
            return
        slot = self._guardian_slot()
        if slot:
            self._mediated(va, n, data, slot)
            return
        # A fault stops the copy at the page it names, every byte before it written (as
        # copy_to_user() goes on from where raw_copy_to_user() faulted): the copy resumes
        # there, not from the start -- a 7 MB read() into pages never touched took 1792
        # faults and, restarted each time, 1.6 million page copies.
        rest = data if isinstance(data, memoryview) else memoryview(data)
        for _ in range(n // PAGE + 3):
            try:
                self.el1.write(va, rest)
                return
            except El1Fault as f:
                self._fix(f)
                done = f.va - va
                if 0 < done < len(rest):
                    va += done
                    rest = rest[done:]
        raise KernelError(errno.EFAULT)

    def read_u64(self, va: int) -> int:
        return _U64.unpack(self.read(va, 8))[0]

    def write_u64(self, va: int, value: int) -> None:
        self.write(va, _U64.pack(value & 0xFFFF_FFFF_FFFF_FFFF))

    def read_u32(self, va: int) -> int:
        return _U32.unpack(self.read(va, 4))[0]

    def write_u32(self, va: int, value: int) -> None:
        self.write(va, _U32.pack(value & 0xFFFF_FFFF))

    def read_cstring(self, va: int, limit: int = 4096) -> bytes:
        """A NUL-terminated string; ENAMETOOLONG past `limit` bytes."""
        slot = self._guardian_slot()
        if slot:
            self._check_range(va, 1)
            for _ in range(limit // PAGE + 3):
                status, value, data = self.el1.hvc_data(Call.USER_STRING, (slot, va, limit))
                if status == 0:
                    if value >= limit:
                        raise KernelError(errno.ENAMETOOLONG)
                    return data
                if status != Status.FAULT_IN:
                    raise KernelError(errno.EFAULT)
                if self._current_mm().handle_fault(value, False, False) != FaultResult.OK:
                    raise KernelError(errno.EFAULT)
            raise KernelError(errno.EFAULT)
        out = bytearray()
        while len(out) < limit:
            chunk = min(PAGE - (va & (PAGE - 1)), limit - len(out))
            data = self.read(va, chunk)
            nul = data.find(b"\0")
            if nul >= 0:
                out += data[:nul]
                return bytes(out)
            out += data
            va += chunk
        raise KernelError(errno.ENAMETOOLONG)

    def read_string_array(self, va: int, limit: int = 65536) -> list[bytes]:
        """argv/envp style NULL-terminated array of string pointers."""
        out: list[bytes] = []
        if va == 0:
            return out
        while len(out) < limit:
            ptr = self.read_u64(va + 8 * len(out))
            if ptr == 0:
                return out
            out.append(self.read_cstring(ptr, 131072))
        raise KernelError(errno.E2BIG)

    def clear(self, va: int, n: int) -> None:
        self.write(va, bytes(n))
