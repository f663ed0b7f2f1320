"""process_mrelease() through a pidfd whose process a wait of the program reaped
(guardian/pidfds.py check_task, `return.pidfd_ended`): pidfd_get_task() ->
pid_task(PIDTYPE_TGID) finds no task, -ESRCH (ZV-023); a living or zombie child's pidfd
and a later process with the same id pass."""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from guardian.open_files import Description
from guardian.pidfds import PidfdTargets

NR_MRELEASE = 448


def test_mrelease_of_a_reaped_child_refused() -> None:
    pidfds, old, new = PidfdTargets(), Description(), Description()
    pidfds.opened(1, old, 77)
    pidfds.check_task(old, NR_MRELEASE, 0)           # a dying child: task_will_free_mem()
    pidfds.ended(2, 77)                              # another program's pid 77
    pidfds.check_task(old, NR_MRELEASE, 0)
    pidfds.ended(1, 77)
    with pytest.raises(Refused) as e:
        pidfds.check_task(old, NR_MRELEASE, 0)
    assert e.value.check == "return.pidfd_ended"
    pidfds.opened(1, new, 77)                        # a later process with that id
    pidfds.check_task(new, NR_MRELEASE, 0)
    pidfds.check_task(None, NR_MRELEASE, 0)          # a number not steady, or not known
    pidfds.check_task(Description(), NR_MRELEASE, 0)
