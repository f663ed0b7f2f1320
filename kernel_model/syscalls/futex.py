"""futex: the wait queues glibc builds mutexes, condition variables and joins on."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model.errors import KernelError
from kernel_model.process import Thread, WaitReason
from kernel_model.syscalls import syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 9, 10
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
BITSET_ANY = 0xFFFF_FFFF


def futex_key(k: Kernel, t: Thread, uaddr: int) -> tuple[str, int, int]:
    """Threads of one address space meet on (mm, address); an address space may name its
    words globally instead (a rack's processes span blades)."""
    own = getattr(t.process.mm, "futex_key", None)
    return own(uaddr) if own is not None else ("futex", id(t.process.mm), uaddr)


def wake(k: Kernel, key: tuple[str, int, int], count: int, bitset: int = BITSET_ANY) -> int:
    return k.wake_where(lambda w: w.what == "futex" and w.key == key and w.bitset & bitset,
                        0, count)


def _timeout_deadline(k: Kernel, ptr: int, absolute: bool, realtime: bool) -> int | None:
    if not ptr:
        return None
    sec, nsec = struct.unpack("<qq", k.uaccess.read(ptr, 16))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise KernelError(errno.EINVAL)
    ns = sec * 1_000_000_000 + nsec
    if absolute:
        ns -= (k.options.epoch_ns if realtime else 0) + k.now_ns()
    return k.clock.cycles + k.clock.cycles_for_ns(max(ns, 0))


def _wake_op(k: Kernel, t: Thread, uaddr2: int, encoded: int) -> bool:
    """Apply FUTEX_WAKE_OP's operation to *uaddr2 and evaluate its comparison."""
    op = (encoded >> 28) & 7
    cmp = (encoded >> 24) & 15
    oparg = (encoded >> 12) & 0xFFF
    cmparg = encoded & 0xFFF
    if (encoded >> 31) & 1:
        oparg = 1 << oparg
    old = k.uaccess.read_u32(uaddr2)
    new = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg, 4: old ^ oparg}.get(op)
    if new is None:
        raise KernelError(errno.ENOSYS)
    k.uaccess.write_u32(uaddr2, new)
    return {0: old == cmparg, 1: old != cmparg, 2: old < cmparg, 3: old <= cmparg,
            4: old > cmparg, 5: old >= cmparg}.get(cmp, False)


@syscall("futex")
def sys_futex(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    uaddr, op_full, val, timeout, uaddr2, val3 = a[0], a[1], a[2] & 0xFFFF_FFFF, a[3], a[4], a[5]
    op = op_full & 0x7F
    realtime = bool(op_full & FUTEX_CLOCK_REALTIME)
    if uaddr & 3:
        return -errno.EINVAL
    key = futex_key(k, t, uaddr)
    if op in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        bitset = val3 & 0xFFFF_FFFF if op == FUTEX_WAIT_BITSET else BITSET_ANY
        if bitset == 0:
            return -errno.EINVAL
        if k.uaccess.read_u32(uaddr) != val:
            return -errno.EAGAIN
        deadline = _timeout_deadline(k, timeout, op == FUTEX_WAIT_BITSET, realtime)
        k.block(WaitReason("futex", key=key, deadline=deadline, bitset=bitset,
                           timeout_result=-errno.ETIMEDOUT))
    if op in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = val3 & 0xFFFF_FFFF if op == FUTEX_WAKE_BITSET else BITSET_ANY
        if bitset == 0:
            return -errno.EINVAL
        return wake(k, key, val, bitset)
    if op in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        if op == FUTEX_CMP_REQUEUE and k.uaccess.read_u32(uaddr) != val3 & 0xFFFF_FFFF:
            return -errno.EAGAIN
        woken = wake(k, key, val)
        limit = timeout & 0xFFFF_FFFF        # val2 travels in the timeout slot
        key2 = futex_key(k, t, uaddr2)
        moved = 0
        for th in k.sched.waiting(lambda w: w.what == "futex" and w.key == key):
            if moved >= limit:
                break
            assert th.wait is not None
            th.wait.key = key2
            moved += 1
        return woken + moved
    if op == FUTEX_WAKE_OP:
        woken = wake(k, key, val)
        if _wake_op(k, t, uaddr2, val3):
            woken += wake(k, futex_key(k, t, uaddr2), timeout & 0xFFFF_FFFF)
        return woken
    return -errno.ENOSYS
