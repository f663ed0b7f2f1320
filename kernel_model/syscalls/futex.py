"""futex: the wait queues glibc builds mutexes, condition variables and joins on."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model.errors import KernelError
from kernel_model.process import Thread, ThreadState, WaitReason
from kernel_model.syscalls import syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI = 6, 7, 8
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2 = 9, 10, 11, 13
FUTEX_PRIVATE_FLAG = 128
FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK = 0x8000_0000, 0x4000_0000, 0x3FFF_FFFF
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


# --- priority-inheritance futexes --------------------------------------------------------------
# The lock word holds its owner's TID (0: free), FUTEX_WAITERS while someone is queued in
# the kernel, FUTEX_OWNER_DIED after a robust owner died.  The model queues PI waiters in
# arrival order (Linux's rt_mutex orders them by priority, FIFO among equals) and hands the
# lock to the first at FUTEX_UNLOCK_PI.  Not modelled: an owner that exits holding the
# lock (Linux's exit_pi_state_list() hands it to the top waiter), the requeue-PI pair
# (FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI answer -ENOSYS) and priority boosting.
def _queued(k: Kernel, what: str, key: tuple[str, int, int]) -> list[Thread]:
    return list(k.sched.waiting(lambda w: w.what == what and w.key == key))


def _lock_pi(k: Kernel, t: Thread, uaddr: int, key: tuple[str, int, int],
             deadline: int | None, trylock: bool) -> int:
    """futex_lock_pi() over futex_lock_pi_atomic(): -EDEADLK for the caller's own lock; a
    word with no owner TID is taken (keeping FUTEX_OWNER_DIED); otherwise the owner must
    exist (attach_to_pi_owner(): -ESRCH), FUTEX_WAITERS is set and the caller waits for
    the owner's unlock (a trylock answers -EWOULDBLOCK instead)."""
    if _queued(k, "futex", key):
        return -errno.EINVAL               # a non-PI waiter holds the key (no pi_state)
    uval = k.uaccess.read_u32(uaddr)
    if uval & FUTEX_TID_MASK == t.tid & FUTEX_TID_MASK:
        return -errno.EDEADLK
    if not uval & FUTEX_TID_MASK:
        if _queued(k, "futex-pi", key):
            return -errno.EINVAL           # attach_to_pi_state(): the word lost its owner
        k.uaccess.write_u32(uaddr, (uval & FUTEX_OWNER_DIED) | t.tid)
        return 0
    owner = k.threads.get(uval & FUTEX_TID_MASK)
    if owner is None or owner.state in (ThreadState.DEAD, ThreadState.ZOMBIE):
        return -errno.ESRCH                # handle_exit_race()
    if not uval & FUTEX_WAITERS:
        k.uaccess.write_u32(uaddr, uval | FUTEX_WAITERS)
    if trylock:
        return -errno.EWOULDBLOCK          # rt_mutex_futex_trylock() failed
    # -EINTR becomes -ERESTARTNOINTR in Linux: a signal never ends the wait early
    k.block(WaitReason("futex-pi", key=key, deadline=deadline,
                       timeout_result=-errno.ETIMEDOUT, interruptible=False))
    return 0                               # (not reached: the caller sleeps)


def _unlock_pi(k: Kernel, t: Thread, uaddr: int, key: tuple[str, int, int]) -> int:
    """futex_unlock_pi(): -EPERM unless the caller owns the word; the first queued waiter
    becomes the owner (word FUTEX_WAITERS | its TID, its FUTEX_LOCK_PI answers 0), or with
    nobody queued the word becomes 0."""
    uval = k.uaccess.read_u32(uaddr)
    if uval & FUTEX_TID_MASK != t.tid & FUTEX_TID_MASK:
        return -errno.EPERM
    if _queued(k, "futex", key):
        return -errno.EINVAL               # the top waiter is no PI waiter
    waiters = _queued(k, "futex-pi", key)
    if waiters:
        k.uaccess.write_u32(uaddr, FUTEX_WAITERS | waiters[0].tid)
        k.wake(waiters[0], 0)
        return 0
    k.uaccess.write_u32(uaddr, 0)
    return 0


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
        key = futex_key(k, t, uaddr, private)
        if _queued(k, "futex-pi", key):
            return -errno.EINVAL               # futex_wake(): a PI waiter is no plain one
        return wake(k, key, val, bitset)
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
    if op in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI):
        return _lock_pi(k, t, uaddr, futex_key(k, t, uaddr, private), deadline,
                        op == FUTEX_TRYLOCK_PI)
    if op == FUTEX_UNLOCK_PI:
        return _unlock_pi(k, t, uaddr, futex_key(k, t, uaddr, private))
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
