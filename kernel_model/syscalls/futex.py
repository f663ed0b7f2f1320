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
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI = 6, 7, 8
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2 = 9, 10, 11, 13
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
BITSET_ANY = 0xFFFF_FFFF


def futex_key(k: Kernel, t: Thread, uaddr: int, private: bool = True) -> tuple[str, int, int]:
    """The key waiters and wakers meet on, as Linux's get_futex_key() makes it.

    A private futex (FUTEX_PRIVATE_FLAG) is keyed (mm, address).  A shared one is keyed
    apart from every private key (FUT_OFF_MMSHARED, FUT_OFF_INODE): a MAP_SHARED page by
    its shared object and offset (any process mapping it, at any address, meets there), a
    private page by (mm, address).  An address space may name its words globally instead
    (a rack's processes span blades); its shared keys stay apart from its private ones."""
    mm = t.process.mm
    own = getattr(mm, "futex_key", None)
    if own is not None:
        kind, space, addr = own(uaddr)
        return (kind if private else kind + "-shared", space, addr)
    if private:
        return ("futex", id(mm), uaddr)
    vma = mm.vmas.find(uaddr)
    if vma is None:
        raise KernelError(errno.EFAULT)         # get_user_pages_fast() finds no page
    if vma.shared and vma.shared_pages is not None:
        return ("futex-shared", id(vma.shared_pages), uaddr - vma.start + vma.offset)
    if vma.shared and vma.backing is not None:
        return ("futex-inode", id(vma.backing), uaddr - vma.start + vma.offset)
    return ("futex-mm", id(mm), uaddr)


def wake(k: Kernel, key: tuple[str, int, int], count: int, bitset: int = BITSET_ANY) -> int:
    return k.wake_where(lambda w: w.what == "futex" and w.key == key and w.bitset & bitset,
                        0, count)


def _timeout_deadline(k: Kernel, ptr: int, absolute: bool, realtime: bool) -> int | None:
    """sys_futex() copies and checks the timeout before anything else: -EFAULT where it
    cannot be read, -EINVAL for an invalid timespec (futex_init_timeout())."""
    if not ptr:
        return None
    sec, nsec = struct.unpack("<qq", k.uaccess.read(ptr, 16))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise KernelError(errno.EINVAL)
    ns = sec * 1_000_000_000 + nsec
    if absolute:
        ns -= (k.options.epoch_ns if realtime else 0) + k.now_ns()
    return k.clock.cycles + k.clock.cycles_for_ns(max(ns, 0))


def _s12(field: int) -> int:
    """A 12-bit field of FUTEX_WAKE_OP's encoding, sign-extended (sign_extend32(x, 11))."""
    return field - 0x1000 if field & 0x800 else field


def _s32(value: int) -> int:
    return value - (1 << 32) if value & 0x8000_0000 else value


def _wake_op(k: Kernel, t: Thread, uaddr2: int, encoded: int) -> bool:
    """futex_atomic_op_inuser(): apply FUTEX_WAKE_OP's operation to *uaddr2 once (32-bit,
    oparg sign-extended from 12 bits, shifted into a bit with FUTEX_OP_OPARG_SHIFT), then
    compare the old value, as a signed int, with the sign-extended cmparg.  An unknown
    operation is -ENOSYS before the store, an unknown comparison -ENOSYS after it."""
    op = (encoded >> 28) & 7
    cmp = (encoded >> 24) & 15
    oparg = _s12((encoded >> 12) & 0xFFF)
    cmparg = _s12(encoded & 0xFFF)
    if (encoded >> 31) & 1:                     # FUTEX_OP_OPARG_SHIFT
        oparg = 1 << (oparg & 31)
    if op not in _OPS:
        raise KernelError(errno.ENOSYS)
    old = k.uaccess.read_u32(uaddr2)
    k.uaccess.write_u32(uaddr2, _OPS[op](old, oparg) & 0xFFFF_FFFF)
    if cmp not in _CMPS:
        raise KernelError(errno.ENOSYS)
    return _CMPS[cmp](_s32(old), cmparg)


_OPS = {0: lambda old, arg: arg, 1: lambda old, arg: old + arg, 2: lambda old, arg: old | arg,
        3: lambda old, arg: old & ~arg, 4: lambda old, arg: old ^ arg}
_CMPS = {0: lambda a, b: a == b, 1: lambda a, b: a != b, 2: lambda a, b: a < b,
         3: lambda a, b: a <= b, 4: lambda a, b: a > b, 5: lambda a, b: a >= b}
#: futex_cmd_has_timeout(): the commands whose x3 is a timeout (the others' x3 is val2).
_TIMED = frozenset({FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_BITSET,
                    FUTEX_WAIT_REQUEUE_PI})
#: do_futex(): FUTEX_CLOCK_REALTIME only with these, -ENOSYS otherwise.
_REALTIME_OK = frozenset({FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2})


@syscall("futex")
def sys_futex(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    uaddr, op_full, val, timeout, uaddr2, val3 = a[0], a[1], a[2] & 0xFFFF_FFFF, a[3], a[4], a[5]
    op = op_full & 0x7F
    realtime = bool(op_full & FUTEX_CLOCK_REALTIME)
    private = bool(op_full & FUTEX_PRIVATE_FLAG)
    # sys_futex(): the timeout is copied and validated first, then do_futex() checks the
    # clock flag; each command's get_futex_key() then refuses a misaligned word.
    deadline = None
    if timeout and op in _TIMED:
        # FUTEX_WAIT's is relative, the others' absolute (FUTEX_LOCK_PI's on CLOCK_REALTIME)
        deadline = _timeout_deadline(k, timeout, op != FUTEX_WAIT,
                                     realtime or op == FUTEX_LOCK_PI)
    if realtime and op not in _REALTIME_OK:
        return -errno.ENOSYS
    if op in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        bitset = val3 & 0xFFFF_FFFF if op == FUTEX_WAIT_BITSET else BITSET_ANY
        if bitset == 0:
            return -errno.EINVAL
        if uaddr & 3:
            return -errno.EINVAL
        key = futex_key(k, t, uaddr, private)
        if k.uaccess.read_u32(uaddr) != val:
            return -errno.EAGAIN
        k.block(WaitReason("futex", key=key, deadline=deadline, bitset=bitset,
                           timeout_result=-errno.ETIMEDOUT))
    if uaddr & 3:
        return -errno.EINVAL
    if op in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = val3 & 0xFFFF_FFFF if op == FUTEX_WAKE_BITSET else BITSET_ANY
        if bitset == 0:
            return -errno.EINVAL
        return wake(k, futex_key(k, t, uaddr, private), val, bitset)
    if op in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        if uaddr2 & 3:
            return -errno.EINVAL
        key, key2 = futex_key(k, t, uaddr, private), futex_key(k, t, uaddr2, private)
        if op == FUTEX_CMP_REQUEUE and k.uaccess.read_u32(uaddr) != val3 & 0xFFFF_FFFF:
            return -errno.EAGAIN
        woken = wake(k, key, val)
        limit = timeout & 0xFFFF_FFFF        # val2 travels in the timeout slot
        moved = 0
        for th in k.sched.waiting(lambda w: w.what == "futex" and w.key == key):
            if moved >= limit:
                break
            assert th.wait is not None
            th.wait.key = key2
            moved += 1
        return woken + moved
    if op == FUTEX_WAKE_OP:
        # futex_wake_op(): the operation first; on success the first word's waiters are
        # woken, and the second word's only when the comparison held.
        if uaddr2 & 3:
            return -errno.EINVAL
        key, key2 = futex_key(k, t, uaddr, private), futex_key(k, t, uaddr2, private)
        held = _wake_op(k, t, uaddr2, val3)
        woken = wake(k, key, val)
        if held:
            woken += wake(k, key2, timeout & 0xFFFF_FFFF)
        return woken
    return -errno.ENOSYS
