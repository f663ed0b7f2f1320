"""What every call that waits shares (ppoll, pselect6, epoll_pwait, accept, ...): the
deadline kept across re-runs, the temporary signal mask and whether a signal ends it.

Kept apart from the event files so that ppoll does not import them.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from kernel_model import signals as sig
from kernel_model.errors import KernelError

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread


def wait_deadline(k: Kernel, t: Thread, what: str, key: object, timeout_ns: int | None) -> int | None:
    """The deadline (cycles) of this wait: a re-run after a wake-up keeps the first one."""
    prev, t.rerun_wait = t.rerun_wait, None
    if prev is not None and prev.what == what and prev.key is key:
        return prev.until
    if timeout_ns is None:
        return None
    return k.clock.cycles + k.clock.cycles_for_ns(timeout_ns)


def swap_sigmask(k: Kernel, t: Thread, ptr: int, size: int) -> bool:
    """epoll_pwait/ppoll's temporary signal mask; True if one was installed."""
    if not ptr:
        return False
    if size != 8:
        raise KernelError(errno.EINVAL)
    new = k.uaccess.read_u64(ptr) & ~sig.UNBLOCKABLE
    if t.saved_sigmask is None:
        t.saved_sigmask = t.sigmask
    t.sigmask = new
    return True


def restore_sigmask(t: Thread) -> None:
    """The wait ended without a signal: the caller's own mask comes back."""
    if t.saved_sigmask is not None:
        t.sigmask = t.saved_sigmask
        t.saved_sigmask = None


def signal_pending(t: Thread) -> bool:
    """Whether a pending signal would be acted on now (blocked or ignored ones would not)."""
    pending = (t.pending.mask | t.process.pending.mask) & ~t.sigmask
    while pending:
        signo = (pending & -pending).bit_length()
        act = t.process.sigactions.get(signo)
        if act.handler != sig.SIG_IGN and not (
                act.handler == sig.SIG_DFL and sig.default_action(signo) in ("ign", "cont")):
            return True
        pending &= pending - 1
    return False
