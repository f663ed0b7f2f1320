"""How Linux ends a wait a signal interrupts: when a program may see -EINTR.

Inside Linux an interrupted wait returns one of the restart codes, and the signal code
turns it into what the program sees as the signal is handled:

- -ERESTARTNOHAND (and -ERESTART_RESTARTBLOCK): -EINTR when a handler runs; with no
  handler (an ignored signal never wakes a wait; a stopped and continued thread has none
  to run) the call is restarted, so the program never sees -EINTR without a handler;
- -ERESTARTSYS: -EINTR only when a handler *without* SA_RESTART runs; a SA_RESTART
  handler, or none, restarts the call.

A call that returns -EINTR itself (epoll_wait, or any wait once a stop and a SIGCONT
interrupted it, as signal(7) lists) is not in this table: its -EINTR needs no handler.

Each row: the kind, and the argument that must be NULL for the row to hold (`null_arg`:
ppoll and pselect6 copy a remaining timeout back, and when that copy fails they answer
-EINTR themselves), or the descriptor argument whose file must be a pipe (`pipe_fd`:
pipe_read and pipe_write return -ERESTARTSYS; other files' drivers may return -EINTR).
"""

from __future__ import annotations

from dataclasses import dataclass

from abi.syscalls import NUMBERS

NOHAND = "a handler runs"                 # -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK
SYS = "a handler without SA_RESTART runs"  # -ERESTARTSYS
SA_RESTART = 0x1000_0000


@dataclass(frozen=True)
class Interruption:
    kind: str
    null_arg: int | None = None           # the row holds only when this argument is NULL
    pipe_fd: int | None = None            # ... or when this descriptor names a pipe


INTERRUPTIONS: dict[str, Interruption] = {
    "rt_sigsuspend": Interruption(NOHAND),     # it only ever ends interrupted
    "ppoll": Interruption(NOHAND, null_arg=2),
    "pselect6": Interruption(NOHAND, null_arg=4),
    "nanosleep": Interruption(NOHAND),         # -ERESTART_RESTARTBLOCK
    "clock_nanosleep": Interruption(NOHAND),   # the same, or -ERESTARTNOHAND (absolute)
    "wait4": Interruption(SYS),                # do_wait: -ERESTARTSYS
    "waitid": Interruption(SYS),
    "read": Interruption(SYS, pipe_fd=0), "readv": Interruption(SYS, pipe_fd=0),
    "write": Interruption(SYS, pipe_fd=0), "writev": Interruption(SYS, pipe_fd=0),
}

INTERRUPTIONS_BY_NR: dict[int, Interruption] = {NUMBERS[n]: row
                                                for n, row in INTERRUPTIONS.items()}


def eintr_allowed(row: Interruption, handler_flags: int | None) -> bool:
    """Whether Linux answers -EINTR for a call of this row when the signal delivered at
    its return enters a handler with `handler_flags` (None: no handler runs)."""
    if handler_flags is None:
        return False
    return row.kind == NOHAND or not handler_flags & SA_RESTART
