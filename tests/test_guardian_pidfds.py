"""A pidfd names one process (guardian/pidfds.py): a send through it aims at that
process only (`signal.sender_witnessed`), and once a wait of the program reaped it a
send never succeeds (`return.pidfd_ended`)."""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from guardian.confidential_selfsignal import SelfSignals
from guardian.open_files import Description
from guardian.pidfds import PidfdTargets
from tests.test_guardian_signal_senders import (
    CHILD,
    CHILD_PID,
    PARENT,
    PARENT_PID,
    SIGUSR1,
    _deliver,
    _info,
    _refused,
    _slot,
    sigs,  # noqa: F401  (the fixture)
)
from tests.test_guardian_signal_senders import SI_USER as USER

ESRCH = (1 << 64) - 3


def test_a_pidfd_send_reaches_the_process_it_names(sigs: SelfSignals) -> None:  # noqa: F811
    sigs.sends.note(_slot(PARENT, 1, "pidfd_send_signal", 5, SIGUSR1), CHILD_PID)
    info = _info(SIGUSR1, USER, PARENT_PID)
    _refused(sigs, PARENT, 1, SIGUSR1, info)          # not the sender itself
    _deliver(sigs, CHILD, 2, SIGUSR1, info)


def test_a_reaped_process_takes_no_more_signals() -> None:
    pidfds, old, new = PidfdTargets(), Description(), Description()
    pidfds.opened(1, old, 77)
    pidfds.check_send(old, 424, 0)                    # alive (or a zombie): success
    pidfds.ended(2, 77)                               # another program's pid 77
    pidfds.check_send(old, 424, 0)
    pidfds.ended(1, 77)
    with pytest.raises(Refused) as e:
        pidfds.check_send(old, 424, 0)
    assert e.value.check == "return.pidfd_ended"
    pidfds.check_send(old, 424, ESRCH)
    pidfds.opened(1, new, 77)                         # a later process with that id
    pidfds.check_send(new, 424, 0)
    assert pidfds.target(new) == 77 and pidfds.target(Description()) is None


def test_a_reopen_of_a_pidfd_names_the_same_process() -> None:
    # pidfs: an open of /proc/self/fd/P reaches P's inode and its struct pid; a reap
    # before or after the reopen ends both (kill_pid_info(): -ESRCH).
    pidfds, pidfd, again, late = PidfdTargets(), Description(), Description(), Description()
    pidfds.opened(1, pidfd, 77)
    pidfds.reopened(pidfd, again)
    pidfds.check_send(again, 424, 0)
    assert pidfds.target(again) == 77
    pidfds.ended(1, 77)
    pidfds.reopened(pidfd, late)
    for d in (again, late):
        with pytest.raises(Refused):
            pidfds.check_send(d, 424, 0)
    pidfds.reopened(Description(), Description())     # no pidfd: nothing kept
