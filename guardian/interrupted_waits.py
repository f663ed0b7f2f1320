"""Check `return.eintr_handler`: a wait Linux restarts unless a handler runs answers
-EINTR only together with that handler's frame.

The table of such calls is abi/interruptions.py: rt_sigsuspend, ppoll and pselect6
without a timeout to copy back, the sleeps (-ERESTARTNOHAND, -ERESTART_RESTARTBLOCK:
-EINTR only when a handler runs), and wait4, waitid and the read and write calls on a
pipe (-ERESTARTSYS: -EINTR only when a handler without SA_RESTART runs).  A program
counts on it ("sigsuspend returned, so my handler ran"; "a SA_RESTART handler never
makes read fail"), so the kernel may not answer -EINTR through RESUME, with no handler,
nor through a SIGNAL whose handler has SA_RESTART where Linux would restart the call.
And epoll_pwait with a zero timeout, or epoll_pwait2 with a zero timespec (as the entry
read it: poll_masks.py), never answers -EINTR at all: ep_poll() sets timed_out and
returns 0 when no event waits, before any signal_pending() check (in every version;
do_epoll_pwait2() turns {0, 0} into a zero timespec64 as epoll_pwait's 0 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.interruptions import INTERRUPTIONS_BY_NR, eintr_allowed
from abi.layout import EINTR_RESULT
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.poll_masks import NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2, zero_epoll_timeout
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

_NR_PIPE2 = NUMBERS["pipe2"]
#: Every call `check_interrupted` acts on.
CALLS = frozenset({*INTERRUPTIONS_BY_NR, NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2})


def check_interrupted(files: Descriptors, slot: Slot, ret: int,
                      handler_flags: int | None) -> None:
    """Refuse -EINTR from a call of the table unless the handler entered at this return
    (`handler_flags`; None: none) is one Linux answers -EINTR for."""
    if ret != EINTR_RESULT or slot.nr not in CALLS:
        return
    if slot.nr in (NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2):
        if zero_epoll_timeout(slot):
            refuse("return.eintr_handler", Status.ERR_DENIED,
                   f"syscall {slot.nr} with a zero timeout answers -EINTR: ep_poll() returns "
                   "0 once a zero timeout finds no event, before it looks at any signal")
        return
    row = INTERRUPTIONS_BY_NR[slot.nr]
    if row.null_arg is not None and slot.args[row.null_arg]:
        return
    if row.pipe_fd is not None and files.maker_of(slot, slot.args[row.pipe_fd]) != _NR_PIPE2:
        return
    if eintr_allowed(row, handler_flags):
        return
    what = "no handler runs" if handler_flags is None else "its handler has SA_RESTART"
    refuse("return.eintr_handler", Status.ERR_DENIED,
           f"syscall {slot.nr} answers -EINTR, yet {what}: Linux ends it with -EINTR only "
           f"when {row.kind}, and restarts it otherwise")
