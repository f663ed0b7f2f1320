"""pselect6: readiness of descriptor sets, on the same waiting machinery as ppoll."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.process import Thread
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.fileio import wait_for_files
from kernel_model.syscalls.waits import (
    restore_sigmask,
    signal_pending,
    swap_sigmask,
    wait_deadline,
)
from kernel_model.waitq import Waitable

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

#: What counts as ready in each set (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET).
IN_SET = ls.POLLIN | ls.POLLRDNORM | 0x80 | ls.POLLHUP | ls.POLLERR
OUT_SET = ls.POLLOUT | ls.POLLWRNORM | 0x200 | ls.POLLERR
EX_SET = ls.POLLPRI
NS = 1_000_000_000


@syscall("pselect6")
def sys_pselect6(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    nfds = s32(a[0])
    if nfds < 0:
        return -errno.EINVAL
    nfds = min(nfds, t.process.fds.limit)
    nbytes = (nfds + 63) // 64 * 8
    sets = [bytearray(k.uaccess.read(ptr, nbytes)) if ptr and nbytes else None
            for ptr in (a[1], a[2], a[3])]
    timeout_ns = None
    if a[4]:
        sec, nsec = ls.unpack_timespec(k.uaccess.read(a[4], 16))
        if sec < 0 or not 0 <= nsec < NS:
            return -errno.EINVAL
        timeout_ns = sec * NS + nsec
    out = [bytearray(nbytes) if s is not None else None for s in sets]
    ready = 0
    queues: list[Waitable] = []
    unwatched = False
    for fd in range(nfds):
        byte, bit = fd // 8, 1 << (fd % 8)
        wanted = [s is not None and bool(s[byte] & bit) for s in sets]
        if not any(wanted):
            continue
        if fd not in t.process.fds:
            return -errno.EBADF
        f = t.process.fds.get(fd)
        mask = f.poll_mask()
        for i, want_set in enumerate((IN_SET, OUT_SET, EX_SET)):
            target = out[i]
            if wanted[i] and mask & want_set and target is not None:
                target[byte] |= bit
                ready += 1
        q = f.wait_queue()
        if q is None:
            unwatched = True
        elif all(q is not other for other in queues):
            queues.append(q)
    marker = t.rerun_wait.key if t.rerun_wait is not None and t.rerun_wait.what == "poll" else None
    deadline = wait_deadline(k, t, "poll", marker, timeout_ns)
    now = k.clock.cycles
    mask_ptr = mask_size = 0
    if a[5]:
        mask_ptr, mask_size = struct.unpack("<QQ", k.uaccess.read(a[5], 16))
    if ready or timeout_ns == 0 or (deadline is not None and deadline <= now):
        interrupted = False
        if not ready:
            # set_user_sigmask() ran first (where a mask was given); core_sys_select() answers -ERESTARTNOHAND
            # (-EINTR for a handler) where nothing was ready and a signal is pending,
            # copying no fd set back (poll_select_finish() still writes the timeout).
            swap_sigmask(k, t, mask_ptr, mask_size)
            interrupted = signal_pending(t)
        for ptr, bits in zip((a[1], a[2], a[3]), out, strict=True):
            if ptr and bits is not None and nbytes and not interrupted:
                k.uaccess.write(ptr, bytes(bits))
        if a[4] and deadline is not None:
            left = max(deadline - now, 0) * NS // k.clock.frequency_hz
            k.uaccess.write(a[4], ls.pack_timespec(left // NS, left % NS))
        if interrupted:
            return -errno.EINTR
        restore_sigmask(t)
        return ready
    return wait_for_files(k, t, queues, unwatched, deadline, mask_ptr, mask_size)
