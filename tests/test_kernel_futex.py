"""The kernel model's futex follows Linux where a program can tell: private and shared
futexes are keyed apart, the timeout is checked before the word, FUTEX_CLOCK_REALTIME
only with the waits, and FUTEX_WAKE_OP's fields are signed 12-bit values on 32-bit words."""

from __future__ import annotations

import errno
import io
import struct
import tempfile
from pathlib import Path

import pytest

from abi.syscalls import NUMBERS
from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.process import Thread, ThreadState
from kernel_model.scheduler import Block
from kernel_model.syscalls import SYSCALLS
from kernel_model.syscalls.futex import futex_key
from workloads import find

WAIT, WAKE, WAKE_OP, LOCK_PI, WAIT_BITSET, WAKE_BITSET = 0, 1, 5, 6, 9, 10
PRIV, REALTIME = 128, 256
U64 = (1 << 64) - 1
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 1, 2, 0x20


@pytest.fixture(scope="module")
def kernel() -> Kernel:
    root = Path(tempfile.mkdtemp(prefix="blindfold-futex-"))
    (root / "bin").mkdir()
    hw = Machine(load_machine("small"))
    opts = KernelOptions(rootfs=root, stdout=io.BytesIO(), stderr=io.BytesIO(),
                         stdin=io.BytesIO())
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    w = find("hello")
    assert w is not None
    k.spawn_init(parse_elf(w.binary.read_bytes()), "/bin/hello", [b"/bin/hello"])
    return k


def _call(k: Kernel, name: str, *args: int) -> int:
    t = k.current
    assert t is not None
    regs = [a & U64 for a in args] + [0] * (6 - len(args)) + [0, 0, NUMBERS[name], 0]
    try:
        r = SYSCALLS[NUMBERS[name]](k, t, regs)
    except KernelError as e:
        return -e.errno
    return r if r is None or r < 1 << 63 else r - (1 << 64)


def _map(k: Kernel, flags: int) -> int:
    va = _call(k, "mmap", 0, 4096, 3, flags | MAP_ANONYMOUS, U64, 0)
    assert va > 0
    return va


def _thread(k: Kernel) -> Thread:
    t = k.current
    assert t is not None
    return t


def _queue(k: Kernel, va: int, op: int, bitset: int = 0) -> Thread:
    """Run the current thread's wait on va until it blocks, and queue it there."""
    t = _thread(k)
    k.uaccess.write_u32(va, 0)
    with pytest.raises(Block) as blocked:
        _call(k, "futex", va, op, 0, 0, 0, bitset)
    k.sched.block(t, blocked.value.reason)
    return t


def _release(k: Kernel, t: Thread) -> None:
    if t.state == ThreadState.BLOCKED:
        k.sched.unblock(t)
    t.wait = None


def test_private_and_shared_futexes_are_keyed_apart(kernel: Kernel) -> None:
    k, t = kernel, _thread(kernel)
    for flags in (MAP_PRIVATE, MAP_SHARED):
        va = _map(k, flags)
        assert futex_key(k, t, va, True) != futex_key(k, t, va, False)
        waiter = _queue(k, va, WAIT | PRIV)
        assert _call(k, "futex", va, WAKE, 1) == 0              # a shared wake misses it
        assert _call(k, "futex", va, WAKE | PRIV, 1) == 1
        _release(k, waiter)
        waiter = _queue(k, va, WAIT)
        assert _call(k, "futex", va, WAKE | PRIV, 1) == 0       # and the other way round
        assert _call(k, "futex", va, WAKE, 1) == 1
        _release(k, waiter)


def test_a_shared_key_follows_the_shared_page_not_the_address(kernel: Kernel) -> None:
    k, t = kernel, _thread(kernel)
    va = _map(k, MAP_SHARED)
    assert futex_key(k, t, va, False)[0] == "futex-shared"
    assert futex_key(k, t, _map(k, MAP_PRIVATE), False)[0] == "futex-mm"
    with pytest.raises(KernelError) as fault:
        futex_key(k, t, 0x10, False)                            # nothing mapped there
    assert fault.value.errno == errno.EFAULT


def test_wake_bitset_skips_a_waiter_whose_bitset_does_not_intersect(kernel: Kernel) -> None:
    k = kernel
    va = _map(k, MAP_PRIVATE)
    waiter = _queue(k, va, WAIT_BITSET | PRIV, bitset=1)
    assert _call(k, "futex", va, WAKE_BITSET | PRIV, 1, 0, 0, 2) == 0
    assert _call(k, "futex", va, WAKE_BITSET | PRIV, 1, 0, 0, 3) == 1
    _release(k, waiter)


def test_the_timeout_is_checked_before_the_word(kernel: Kernel) -> None:
    k = kernel
    va = _map(k, MAP_PRIVATE)
    ts = va + 64
    k.uaccess.write(ts, struct.pack("<qq", 0, 1_000_000_000))   # tv_nsec out of range
    k.uaccess.write_u32(va, 1)                                  # differs from val 0
    assert _call(k, "futex", va, WAIT | PRIV, 0, ts) == -errno.EINVAL
    k.uaccess.write(ts, struct.pack("<qq", 0, 1000))
    assert _call(k, "futex", va, WAIT | PRIV, 0, ts) == -errno.EAGAIN
    # a misaligned word is refused after the timeout too
    k.uaccess.write(ts, struct.pack("<qq", -1, 0))
    assert _call(k, "futex", va + 1, WAIT | PRIV, 0, ts) == -errno.EINVAL


def test_clock_realtime_only_with_the_waits(kernel: Kernel) -> None:
    k = kernel
    va = _map(k, MAP_PRIVATE)
    k.uaccess.write_u32(va, 1)
    assert _call(k, "futex", va, WAKE | PRIV | REALTIME, 1) == -errno.ENOSYS
    assert _call(k, "futex", va, WAKE_OP | PRIV | REALTIME, 1, 0, va + 4, 0) == -errno.ENOSYS
    assert _call(k, "futex", va, WAIT | PRIV | REALTIME, 0) == -errno.EAGAIN
    assert _call(k, "futex", va, WAIT_BITSET | PRIV | REALTIME, 0, 0, 0, 1) == -errno.EAGAIN


def _fop(op: int, arg: int, cmp: int, cmparg: int) -> int:
    return (op & 15) << 28 | (cmp & 15) << 24 | (arg & 0xFFF) << 12 | cmparg & 0xFFF


@pytest.mark.parametrize("old, encoded, new, held", [
    (10, _fop(1, 4, 0, 10), 14, True),                     # ADD 4, old == 10
    (5, _fop(1, -1, 0, 0), 4, False),                      # oparg sign-extended: ADD -1
    (0xFFFF_FFFF, _fop(1, 1, 0, 0), 0, False),              # 32-bit wrap
    (0, _fop(8, 3, 0, 0), 8, True),                        # SET | OPARG_SHIFT: 1 << 3
    (0xFFFF_FFFF, _fop(0, 0, 2, 0), 0, True),               # -1 < 0: signed
    (0xFFFF_FFFE, _fop(0, 0, 4, -3), 0, True),              # -2 > -3: cmparg sign-extended
    (7, _fop(4, 1, 1, 7), 6, False),                       # XOR 1, old != 7 is false
])
def test_wake_op_operation_and_comparison(kernel: Kernel, old: int, encoded: int, new: int,
                                          held: bool) -> None:
    k = kernel
    va = _map(k, MAP_PRIVATE)
    k.uaccess.write_u32(va + 4, old)
    waiter = _queue(k, va + 4, WAIT | PRIV)
    k.uaccess.write_u32(va + 4, old)
    assert _call(k, "futex", va, WAKE_OP | PRIV, 1, 1, va + 4, encoded) == int(held)
    assert k.uaccess.read_u32(va + 4) == new
    _release(k, waiter)


def test_wake_op_unknown_operation_or_comparison_is_enosys(kernel: Kernel) -> None:
    k = kernel
    va = _map(k, MAP_PRIVATE)
    waiter = _queue(k, va, WAIT | PRIV)
    k.uaccess.write_u32(va + 4, 9)
    assert _call(k, "futex", va, WAKE_OP | PRIV, 1, 1, va + 4, _fop(6, 1, 0, 0)) \
        == -errno.ENOSYS
    assert k.uaccess.read_u32(va + 4) == 9                  # nothing stored ...
    assert waiter.state == ThreadState.BLOCKED              # ... and nobody woken
    # an unknown comparison: the operation was applied, then -ENOSYS
    assert _call(k, "futex", va, WAKE_OP | PRIV, 1, 1, va + 4, _fop(0, 3, 9, 0)) \
        == -errno.ENOSYS
    assert k.uaccess.read_u32(va + 4) == 3
    assert waiter.state == ThreadState.BLOCKED
    _release(k, waiter)


UNLOCK_PI, TRYLOCK_PI = 7, 8
WAITERS, OWNER_DIED = 0x8000_0000, 0x4000_0000


def _word(k: Kernel, value: int) -> int:
    va = _map(k, MAP_PRIVATE)
    k.uaccess.write_u32(va, value)
    return va


def test_pi_lock_and_trylock_of_the_callers_own_lock_is_edeadlk(kernel: Kernel) -> None:
    k, tid = kernel, _thread(kernel).tid
    for op in (LOCK_PI, TRYLOCK_PI):
        va = _word(k, tid | WAITERS)
        assert _call(k, "futex", va, op | PRIV) == -errno.EDEADLK
        assert k.uaccess.read_u32(va) == tid | WAITERS


def test_pi_lock_takes_a_free_word_keeping_owner_died(kernel: Kernel) -> None:
    k, tid = kernel, _thread(kernel).tid
    for old, new in ((0, tid), (OWNER_DIED, OWNER_DIED | tid)):
        for op in (LOCK_PI, TRYLOCK_PI):
            va = _word(k, old)
            assert _call(k, "futex", va, op | PRIV) == 0
            assert k.uaccess.read_u32(va) == new              # no FUTEX_WAITERS: nobody queued


def test_pi_unlock_needs_the_owner_and_clears_the_word(kernel: Kernel) -> None:
    k, tid = kernel, _thread(kernel).tid
    va = _word(k, tid + 1)
    assert _call(k, "futex", va, UNLOCK_PI | PRIV) == -errno.EPERM
    assert k.uaccess.read_u32(va) == tid + 1
    va = _word(k, tid | WAITERS | OWNER_DIED)
    assert _call(k, "futex", va, UNLOCK_PI | PRIV) == 0
    assert k.uaccess.read_u32(va) == 0


def _owner(k: Kernel) -> Thread:
    t = _thread(k)
    other = Thread(tid=t.tid + 100, process=t.process)
    k.threads[other.tid] = other
    return other


def test_pi_trylock_of_another_owners_lock(kernel: Kernel) -> None:
    k, tid = kernel, _thread(kernel).tid
    va = _word(k, tid + 50)                                   # no such thread
    assert _call(k, "futex", va, TRYLOCK_PI | PRIV) == -errno.ESRCH
    owner = _owner(k)
    va = _word(k, owner.tid)
    assert _call(k, "futex", va, TRYLOCK_PI | PRIV) == -errno.EWOULDBLOCK
    assert k.uaccess.read_u32(va) == owner.tid | WAITERS      # never the caller's
    k.threads.pop(owner.tid)


def test_pi_unlock_hands_the_lock_to_the_queued_waiter(kernel: Kernel) -> None:
    k, t = kernel, _thread(kernel)
    owner = _owner(k)
    va = _word(k, owner.tid)
    with pytest.raises(Block) as blocked:
        _call(k, "futex", va, LOCK_PI | PRIV)
    assert k.uaccess.read_u32(va) == owner.tid | WAITERS
    k.sched.block(t, blocked.value.reason)
    assert _call(k, "futex", va, WAKE | PRIV, 1) == -errno.EINVAL   # no plain waiter
    regs = [va, UNLOCK_PI | PRIV, 0, 0, 0, 0, 0, 0, NUMBERS["futex"], 0]
    assert SYSCALLS[NUMBERS["futex"]](k, owner, regs) == 0
    assert k.uaccess.read_u32(va) == WAITERS | t.tid
    assert t.state != ThreadState.BLOCKED
    k.threads.pop(owner.tid)
    _release(k, t)
