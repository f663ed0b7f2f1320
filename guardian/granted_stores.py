"""Where a call in flight may store user memory, derived from the capability table.

The kernel writes a confidential program's memory only through the capabilities the
Guardian grants per call (guardian/capabilities.py CAP_TABLE, prctl_caps.py per option,
futex_caps.py per command; `uaccess.capability` refuses any other store), and Linux's
copy_to_user()/put_user() of such a call write-fault only the pages they store to.  So
a call with a row there stores only at its write grants: a NULL pointer stores nothing,
a call whose grants are all reads stores nothing (cut_writable.py, `cut.output_stores`).

Bounded only where the grant is fixed by the registers the call entered with (slot.args,
the Guardian's copy): a grant whose extent is read from user memory (a socklen_t, an
iovec array, a message header, clone_args) may change under another thread, so such a
call stays "may store anywhere"; so does ioctl (userfaultfd's UFFDIO_COPY installs pages
outside any copy_to_user(): mfill_atomic()) and execve (it replaces the mm).  Calls with
no row here are the caller's to judge (population: mprotect, madvise, mremap, clone's
TID words).
"""

from __future__ import annotations

from collections.abc import Sequence

from abi.syscalls import NUMBERS
from guardian.capabilities import CAP_TABLE, CapRule, Size, W, register_size
from guardian.futex_caps import (
    FUTEX_CMD_MASK,
    FUTEX_CMP_REQUEUE,
    FUTEX_CMP_REQUEUE_PI,
    FUTEX_PRIVATE_FLAG,
    FUTEX_REQUEUE,
    FUTEX_WAIT_REQUEUE_PI,
    FUTEX_WAKE_OP,
    futex_ranges,
)
from guardian.prctl_caps import prctl_ranges

#: (argument, size spec, offset in the struct) of one write grant
Grant = tuple[int, Size, int]

#: size specs computed from the registers alone (capabilities.register_size())
_REGISTER_SIZES = frozenset({"arg", "arg*", "ints", "pages", "fdset"})
#: calls whose grants do not bound what Linux may write-fault (module docstring)
_NOT_BOUNDED = frozenset({"ioctl", "execve", "clone"})
#: rule kinds that grant nothing to write unless their own access has W (capabilities
#: .expand()); the others store at words they read from user memory whatever their
#: access: "mmsghdr" each msg_len (__sys_sendmmsg(): put_user(err, &entry->msg_len)),
#: "clone_args" the CLONE_PIDFD word (copy_process()) -- and clone3's TID words are
#: guardian.tid_words' grants (kernel_clone(): put_user(nr, args->parent_tid))
_READ_ONLY_KINDS = frozenset({"buf", "cstr", "strlist", "sigmask_arg", "msghdr", "iov"})
#: futex commands that key their second word too (futex_requeue(), futex_wake_op(),
#: futex_wait_requeue_pi(): get_futex_key(uaddr2, ...))
_TWO_WORDS = frozenset({FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP,
                        FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI})
_NR_PRCTL, _NR_FUTEX = NUMBERS["prctl"], NUMBERS["futex"]
_NR_CLOCK_NANOSLEEP, _TIMER_ABSTIME = NUMBERS["clock_nanosleep"], 1


def _write_grants(rules: Sequence[CapRule]) -> tuple[Grant, ...] | None:
    """The write grants of a CAP_TABLE row, or None where one is not fixed by the
    registers (a nested structure, a length read from user memory)."""
    out: list[Grant] = []
    for rule in rules:
        if rule.kind not in _READ_ONLY_KINDS:
            return None
        if not rule.access & W:
            continue
        if rule.kind != "buf" or not (isinstance(rule.size, int)
                                      or rule.size[0] in _REGISTER_SIZES):
            return None
        out.append((rule.arg, rule.size, rule.offset))
    return tuple(out)


#: syscall number -> its write grants (only calls the table bounds)
BOUNDED: dict[int, tuple[Grant, ...]] = {
    NUMBERS[name]: grants for name, rules in CAP_TABLE.items()
    if name in NUMBERS and name not in _NOT_BOUNDED
    and (grants := _write_grants(rules)) is not None
}


def _no_read(va: int, n: int) -> bytes:
    """prctl's name options only read their name (strncpy_from_user()): any bytes give
    the same (no) write grant."""
    return b"\0" * n


def store_ranges(nr: int, args: Sequence[int]) -> list[tuple[int, int]] | None:
    """[start, end) ranges the call `nr` entered with `args` may store to (tagged as
    passed), or None: not bounded by the table."""
    if nr == _NR_PRCTL:
        # SYSCALL_DEFINE5(prctl): each option's output is its own (PR_GET_NAME's
        # copy_to_user(arg2, comm, 16), ...): prctl_caps' grant per option
        return [(s, e) for s, e, acc in prctl_ranges(args, _no_read) if acc & W]
    if nr == _NR_FUTEX:
        # do_futex(): only FUTEX_WAKE_OP and the PI commands store (futex_caps' grants);
        # a private futex_wake() stores nothing.  A shared futex (no FUTEX_PRIVATE_FLAG)
        # write-faults its words all the same: get_futex_key() pins them with
        # get_user_pages_fast(FOLL_WRITE) first, read-only only after -EFAULT (a COW
        # break of a writable MAP_PRIVATE view), uaddr2 too where the command keys it
        out = [(s, e) for s, e, acc in futex_ranges(args) if acc & W]
        if not args[1] & FUTEX_PRIVATE_FLAG:
            keyed = (0, 4) if args[1] & FUTEX_CMD_MASK in _TWO_WORDS else (0,)
            out += [(args[i], args[i] + 4) for i in keyed if args[i]]
        return out
    if nr == _NR_CLOCK_NANOSLEEP and len(args) > 1 and args[1] & _TIMER_ABSTIME:
        # SYSCALL_DEFINE4(clock_nanosleep): `if (flags & TIMER_ABSTIME) rmtp = NULL;` --
        # an absolute sleep never stores rem, interrupted or not
        return []
    grants = BOUNDED.get(nr)
    if grants is None:
        return None
    out: list[tuple[int, int]] = []
    for arg, spec, offset in grants:
        if arg >= len(args) or not args[arg]:
            continue                    # (NULL: the output was not asked for)
        n = register_size(spec, args)
        if n > 0:
            out.append((args[arg] + offset, args[arg] + offset + n))
    return out
