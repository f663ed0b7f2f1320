"""Restartable sequences (kernel/rseq.c, include/uapi/linux/rseq.h).

A thread registers one area (struct rseq: cpu_id_start, cpu_id, rseq_cs, flags, node_id,
mm_cid).  On the way back to user code after the registration, a switch back onto the
CPU (rseq_preempt()) or a signal's delivery (rseq_signal_deliver()) the kernel moves a
thread interrupted inside the critical section rseq_cs names to its abort_ip
(rseq_ip_fixup()) and stores the CPU ids into the area (rseq_update_cpu_node_id()).

The model is Linux 6.13's (and the 6.12.y, 6.6.y, 6.1.y backports of "rseq: Fix segfault
on registration when rseq_cs is non-zero"): sys_rseq() reads rseq_cs after access_ok()
and clears a non-zero one (-EFAULT where it cannot), so a stale rseq_cs at registration
is no SIGSEGV; the fixup at an interrupt or a signal still force_sigsegv()s a bad one.

The kernel stores them only for threads it may touch: a confidential thread's area is
the Guardian's to update (guardian/rseq_areas.py), as it is the one to move its pc.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.regs import CTX_PC_REG

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

ORIG_RSEQ_SIZE = 32                 # the original struct rseq (and its alignment)
RSEQ_FEATURE_SIZE = 28              # offsetof(struct rseq, end): through mm_cid
RSEQ_ALIGN = 32                     # __alignof__(struct rseq)
RSEQ_FLAG_UNREGISTER = 1
RSEQ_CPU_ID_UNINITIALIZED = 0xFFFF_FFFF
TASK_SIZE = 1 << 48                 # TASK_SIZE_64 with 48-bit VAs (access_ok())
RSEQ_CS_OFF, FLAGS_OFF, NODE_ID_OFF = 8, 16, 20
SI_KERNEL = 0x80
MASK64 = (1 << 64) - 1
_ZERO8 = bytes(8)


@dataclass(eq=False)
class Rseq:
    """A thread's registration (t->rseq, t->rseq_len, t->rseq_sig)."""

    area: int
    length: int
    sig: int
    notify: bool = True             # TIF_NOTIFY_RESUME: the ids are due at the return
    event: bool = False             # t->rseq_event_mask: preempted or signalled since


def register_errno(cur: Rseq | None, area: int, length: int, flags: int, signature: int) -> int:
    """The errno sys_rseq() answers for these arguments (0: it accepts them)."""
    if flags & RSEQ_FLAG_UNREGISTER:
        if flags & ~RSEQ_FLAG_UNREGISTER or cur is None or cur.area != area \
                or cur.length != length:
            return errno.EINVAL
        return errno.EPERM if cur.sig != signature else 0
    if flags:
        return errno.EINVAL
    if cur is not None:
        if cur.area != area or cur.length != length:
            return errno.EINVAL
        return errno.EPERM if cur.sig != signature else errno.EBUSY
    if length < ORIG_RSEQ_SIZE or \
            (length == ORIG_RSEQ_SIZE and area % ORIG_RSEQ_SIZE) or \
            (length != ORIG_RSEQ_SIZE and (area % RSEQ_ALIGN or length < RSEQ_FEATURE_SIZE)):
        return errno.EINVAL
    if area + length > TASK_SIZE:   # access_ok()
        return errno.EFAULT
    return 0


def ids(cpu: int, node: int = 0, mm_cid: int = 0) -> tuple[bytes, bytes]:
    """rseq_update_cpu_node_id()'s stores: (cpu_id_start, cpu_id) at 0, (node_id, mm_cid)
    at 20."""
    return struct.pack("<II", cpu, cpu), struct.pack("<II", node, mm_cid)


def reset_ids() -> tuple[bytes, bytes]:
    """rseq_reset_rseq_cpu_node_id() at unregistration."""
    return struct.pack("<II", 0, RSEQ_CPU_ID_UNINITIALIZED), struct.pack("<II", 0, 0)


def fixup_target(read, area: int, signature: int, pc: int) -> int | None:  # noqa: ANN001
    """rseq_ip_fixup() for an interrupted `pc`: the abort_ip to resume at, -1 where rseq_cs
    is only cleared, None where nothing is written; raises ValueError where Linux answers
    an error (force_sigsegv()).  `read(va, n)` reads user memory (KernelError/ValueError on
    a fault)."""
    ptr = struct.unpack("<Q", read(area + RSEQ_CS_OFF, 8))[0]
    if not ptr:
        return -1                   # clear_rseq_cs() over a zero rseq_cs
    if ptr >= TASK_SIZE:
        raise ValueError("rseq_cs beyond TASK_SIZE")
    version, cs_flags, start, off, abort = struct.unpack("<IIQQQ", read(ptr, 32))
    end = start + off
    if start >= TASK_SIZE or end >= TASK_SIZE or abort >= TASK_SIZE or version > 0:
        raise ValueError("rseq_cs out of range or version")
    if (abort - start) & MASK64 < off:
        raise ValueError("abort_ip inside the section")
    if abort < 4 or struct.unpack("<I", read(abort - 4, 4))[0] != signature:
        raise ValueError("signature mismatch")  # rseq_get_rseq_cs(): "Possible attack"
    if not (pc - start) & MASK64 < off:         # in_rseq_cs()
        return -1
    # rseq_need_restart(): deprecated or unknown flags (rseq_warn_flags()) in either
    # structure fail; the thread's own flags are read too.
    if cs_flags or struct.unpack("<I", read(area + FLAGS_OFF, 4))[0]:
        raise ValueError("rseq flags")
    return abort


def notify_resume(k: Kernel, t: Thread, r: Rseq) -> None:
    """__rseq_handle_notify_resume() for a thread the kernel may touch (t is on the CPU):
    the fixup (the abort only where an event came), then the id stores (one read of the
    area, and a write
    only where a word changes: the ids of a one-CPU machine seldom do)."""
    uaccess = k.uaccess
    try:
        raw = uaccess.read(r.area, RSEQ_FEATURE_SIZE)
        new = bytearray(raw)
        # rseq_ip_fixup() at every notify-resume (the registration's return too): a pc
        # outside the section clears rseq_cs; inside, only an event (rseq_need_restart())
        # moves it to abort_ip
        event, r.event = r.event, False
        if raw[RSEQ_CS_OFF:RSEQ_CS_OFF + 8] != _ZERO8:
            el1 = k.el1
            target = fixup_target(uaccess.read, r.area, r.sig, el1.reg(CTX_PC_REG))
            if target is None or target < 0 or event:
                new[RSEQ_CS_OFF:RSEQ_CS_OFF + 8] = _ZERO8          # clear_rseq_cs()
            if target is not None and target >= 0 and event:
                el1.set_reg(CTX_PC_REG, target)                      # instruction_pointer_set()
        cpu = k.el1.cpu_index
        struct.pack_into("<II", new, 0, cpu, cpu)                    # rseq_update_cpu_node_id()
        struct.pack_into("<II", new, NODE_ID_OFF, 0, 0)
        if new != raw:
            uaccess.write(r.area, bytes(new))
    except (KernelError, ValueError):
        k.signals.force(t, sig.SIGSEGV, sig.pack_siginfo(sig.SIGSEGV, SI_KERNEL))
    r.notify = False
