"""The guest's GCS interface on a rack: gcs_rlock, gcs_wlock and gcs_unlock as system calls.

Three private system call numbers (above Linux's AArch64 table, so no real call is shadowed)
take (addr, len) in x0/x1.  A lock call sends the blade's acquire to the switch and runs the
rack until the grant comes; when the region is held elsewhere the thread sleeps and the grant,
which arrives while another thread's unlock runs the rack, wakes it and the call completes.
The grant's bytes are compared with what the blade's memory shows (`gcs_data_mismatches`
counts differences; the blade's coherent bytes win, since a grant read from a memory blade can
predate a dirty page some blade still caches).  gcs_unlock reads the region
from the blade's memory and sends it back with a write lock's release.

Memory ordering (documented for workloads/src/gcs.h): a lock call is an acquire and an unlock a
release.  The library puts `dmb ish` before the SVC and a compiler barrier around it; the SVC is
context-synchronizing, and the kernel finishes the grant before returning.  So every load and
store the previous holder made before its gcs_unlock is visible after gcs_rlock/gcs_wlock
returns, and no access inside the critical section moves out of it.  Accesses outside the
region are ordered by the same barriers but are not carried by the grant.

Errors: -EINVAL for a zero, oversized or overlapping range or an unlock of a lock not held,
-EFAULT for memory the process has not mapped, -ENOSYS on a machine without a rack.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from kernel_model.process import Thread, WaitReason
from kernel_model.syscalls import SYSCALLS

if TYPE_CHECKING:
    # (The rack is imported when a rack exists: a plain run never loads it.)
    from emulator.rack.gcs import Gcs, HeldLock
    from kernel_model.blade import RackRuntime
    from kernel_model.kernel import Kernel

GCS_RLOCK, GCS_WLOCK, GCS_UNLOCK = 0x4700, 0x4701, 0x4702


class GuestLocks:
    """The kernel's bookkeeping of guest lock calls on a rack."""

    def __init__(self, rt: RackRuntime) -> None:
        from emulator.rack.gcs import enable_gcs
        self.rt = rt
        self.gcs: Gcs = enable_gcs(rt.rack)
        self.held: dict[tuple[int, int, int], HeldLock] = {}       # (tid, fva, len)
        self.waiting: dict[tuple[int, int, int], bool] = {}        # sent, not yet granted
        self.refused: set[tuple[int, int, int]] = set()

    def _granted(self, k: Kernel, key: tuple[int, int, int], held: HeldLock | None) -> None:
        self.waiting.pop(key, None)
        if held is None:
            self.refused.add(key)
        else:
            self.held[key] = held
        k.wake_where(lambda w: w.what == "gcs-lock" and w.key == key, None)

    def lock(self, k: Kernel, t: Thread, addr: int, length: int, write: bool) -> int:
        rt = self.rt
        mm = t.process.mm
        from emulator.rack.gcs import MAX_LOCK_BYTES
        if not 0 < length <= MAX_LOCK_BYTES:
            return -errno.EINVAL
        if mm.vmas.find(addr) is None or mm.vmas.find(addr + length - 1) is None:
            return -errno.EFAULT
        key = (t.tid, mm.fva(addr), length)
        if key in self.refused:
            self.refused.discard(key)
            return -errno.EINVAL
        if key not in self.held:
            if key not in self.waiting:
                self.waiting[key] = write
                start = rt._sync()
                blade = rt.blade_of(t)
                self.gcs.clients[blade].acquire(key[1], length, write,
                                                lambda h: self._granted(k, key, h))
                rt.rack.loop.run(until=lambda: key not in self.waiting)
                rt._charge(start, rt.rack.loop.now)
            if key in self.waiting:
                rt.counters["gcs_waits"] += 1
                k.block(WaitReason("gcs-lock", key=key, interruptible=False))
            if key in self.refused:
                self.refused.discard(key)
                return -errno.EINVAL
        held = self.held[key]
        # Under the blade kernel the page directory keeps guest memory coherent, and a grant
        # read from a memory blade can be older than a dirty page a blade still caches: the
        # blade's bytes win, and a difference is only counted.
        local = k.uaccess.read(addr, length)
        if local != bytes(held.data):
            rt.counters["gcs_data_mismatches"] += 1
            held.data[:] = local
        rt.counters["gcs_write_locks" if write else "gcs_read_locks"] += 1
        return 0

    def unlock(self, k: Kernel, t: Thread, addr: int, length: int) -> int:
        rt = self.rt
        key = (t.tid, t.process.mm.fva(addr), length)
        held = self.held.pop(key, None)
        if held is None:
            return -errno.EINVAL
        if held.write:
            held.data[:] = k.uaccess.read(addr, length)
        start = rt._sync()
        self.gcs.clients[rt.blade_of(t)].release(held)
        rt.rack.loop.run()          # the release reaches the switch; grants go out and land
        rt._charge(start, rt.rack.loop.now)
        rt.counters["gcs_unlocks"] += 1
        return 0


def _locks(k: Kernel) -> GuestLocks | None:
    rt = getattr(k, "rack_rt", None)
    if rt is None:
        return None
    locks = getattr(rt, "guest_locks", None)
    if locks is None:
        locks = rt.guest_locks = GuestLocks(rt)
    return locks


def _lock_call(write: bool) -> Any:
    def handler(k: Kernel, t: Thread, a: Any) -> int:
        locks = _locks(k)
        if locks is None:
            return -errno.ENOSYS
        return locks.lock(k, t, a[0], a[1], write)
    return handler


def _unlock_call(k: Kernel, t: Thread, a: Any) -> int:
    locks = _locks(k)
    if locks is None:
        return -errno.ENOSYS
    return locks.unlock(k, t, a[0], a[1])


SYSCALLS.setdefault(GCS_RLOCK, _lock_call(False))
SYSCALLS.setdefault(GCS_WLOCK, _lock_call(True))
SYSCALLS.setdefault(GCS_UNLOCK, _unlock_call)
