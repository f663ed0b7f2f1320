"""A signal to a task sleeping for a lock: -EINTR, or the call again under SA_RESTART.

Found by the Debian differential set (perl-errnos): a child sleeping in flock(LOCK_EX)
or fcntl(F_SETLKW) took a SIGUSR1 whose handler was installed with SA_RESTART; on Linux
the lock call went on waiting and took the lock once the parent let it go, under
blindfold it failed with EINTR.  fs/locks.c sleeps in wait_event_interruptible()
(flock's locks_lock_inode_wait(), F_SETLKW's do_lock_file_wait()): the -ERESTARTSYS it
answers is restarted where the handler has SA_RESTART, and is -EINTR otherwise.
"""

from __future__ import annotations

import errno
from types import SimpleNamespace

import pytest

from kernel_model import signals as sig
from kernel_model.process import ThreadState, WaitReason
from kernel_model.signal_delivery import SignalDelivery


@pytest.mark.parametrize("what", ["flock", "record-lock"])
@pytest.mark.parametrize(("flags", "result"), [(sig.SA_RESTART, None), (0, -errno.EINTR)])
def test_a_lock_wait_restarts_under_sa_restart(what: str, flags: int, result: int | None
                                               ) -> None:
    woken: list[int | None] = []
    k = SimpleNamespace(wake=lambda t, r: woken.append(r))
    act = SimpleNamespace(flags=flags, handler=0x400000)     # (a handler the program set)
    t = SimpleNamespace(state=ThreadState.BLOCKED, wait=WaitReason(what, key=(1, 2)),
                        process=SimpleNamespace(sigactions=SimpleNamespace(get=lambda s: act)))
    SignalDelivery(k)._interrupt(t, sig.SIGUSR1)
    assert woken == [result]


@pytest.mark.parametrize("what", ["flock", "record-lock", "pipe-read", "nanosleep"])
def test_a_stop_signal_restarts_the_wait_after_the_group_stop(what: str) -> None:
    """A stop signal under its default action cuts the sleep for the group stop, and the
    call runs again once SIGCONT resumes the process (no handler ran: -ERESTARTSYS and its
    kin come back as a restart), never -EINTR."""
    woken: list[int | None] = []
    k = SimpleNamespace(wake=lambda t, r: woken.append(r))
    act = SimpleNamespace(flags=0, handler=sig.SIG_DFL)
    t = SimpleNamespace(state=ThreadState.BLOCKED, wait=WaitReason(what, key=(1, 2)),
                        process=SimpleNamespace(sigactions=SimpleNamespace(get=lambda s: act)))
    SignalDelivery(k)._interrupt(t, sig.SIGTSTP)
    assert woken == [None]
