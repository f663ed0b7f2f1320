"""What a store-then-fail call stored for its answer, where Linux's order says.

answer_stores.py keeps waitid and recvmmsg open for most answers: waitid stores its
siginfo on every answer, recvmmsg's messages are reached through a header read from
user memory.  Yet for their other output words Linux's own order is plain, and an
answer alone says whether the word was stored (`cut.answer_stores`):

- waitid's rusage (argument 4) is copied only for a reaped child:
  SYSCALL_DEFINE5(waitid) `if (err > 0) { err = 0; if (ru && copy_to_user(ru, ...))
  return -EFAULT; }` -- an error other than -EFAULT stored none; where the options
  fail kernel_waitid()'s first tests (kernel_waitid_prepare() from 6.9: a bit past
  the known ones, none of WEXITED | WSTOPPED | WCONTINUED, a `which` past P_PIDFD) no
  answer did.  The siginfo (argument 2) is stored on every answer `if (infop)` (its
  unsafe_put_user()s): its 128 bytes stay within what was stored;
- recvmmsg's timeout (argument 4) is written back only for datagrams received:
  __sys_recvmmsg() `if (datagrams <= 0) return datagrams;` before put_timespec64() --
  an answer of 0 or an error other than -EFAULT stored no time left there; its
  messages' stores (the mmsghdr's msg_len, the buffers, names and control data) stay
  within the grants the Guardian computed for the call (slot.caps: every store the
  kernel made went through them; None: it reached no user memory at all).
"""

from __future__ import annotations

from collections.abc import Sequence

from abi.syscalls import NUMBERS

_WAITID, _RECVMMSG = NUMBERS["waitid"], NUMBERS["recvmmsg"]
#: the calls `stored` judges
CALLS = frozenset({_WAITID, _RECVMMSG})
_ERRNO_FLOOR = (1 << 64) - 4095
_EFAULT = (1 << 64) - 14
_UNTAG = (1 << 56) - 1
_SIGINFO, _TIMESPEC, _RW = 128, 16, 3
#: WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE
_W_KNOWN = 0x1 | 0x2 | 0x4 | 0x8 | 0x0100_0000 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000
_W_WAITS = 0x2 | 0x4 | 0x8              # WSTOPPED | WEXITED | WCONTINUED
_P_PIDFD = 3                            # the last `which` (P_ALL 0, P_PID 1, P_PGID 2)


def _waitid_fails_first(args: Sequence[int]) -> bool:
    """Do waitid's registers fail kernel_waitid()'s first tests (-EINVAL before
    do_wait() and any rusage)?"""
    options = args[3] & 0xFFFF_FFFF
    return bool(options & ~_W_KNOWN) or not options & _W_WAITS \
        or not 0 <= args[0] & 0xFFFF_FFFF <= _P_PIDFD


def stored(nr: int, args: Sequence[int], ret: int,
           caps: Sequence[tuple[int, int, int]] | None) -> list[tuple[int, int]] | None:
    """[start, end) ranges waitid/recvmmsg with `args` may have stored to, answered `ret`
    (unsigned); None: anywhere its grants reach.  `caps`: the call's grants as the
    Guardian computed them (slot.caps; None: the kernel reached no user memory)."""
    failed = ret >= _ERRNO_FLOOR and ret != _EFAULT
    if nr == _WAITID:
        if not failed and not _waitid_fails_first(args):
            return None                 # (a reaped child's rusage, or a partial copy)
        infop = args[2]
        return [(infop, infop + _SIGINFO)] if infop else []
    if nr == _RECVMMSG:
        if not failed and ret != 0:
            return None                 # (datagrams: the time left written back)
        at = args[4] & _UNTAG
        return [(s, e) for s, e, acc in caps or ()
                if not (s & _UNTAG == at and e - s == _TIMESPEC and acc == _RW)]
    return None
