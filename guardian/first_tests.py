"""`cut.first_tests`: calls whose first test, failed, leaves their output untouched.

Round 88b (AR-003 .. AR-008, AR-011, AR-015, AR-016): a page that one call's output
grant alone opened to a writable refault (`slot.opened`, guardian/cut_writable.py) must
lie within what the call stored.  For these calls Linux tests the registers -- or a
small struct of the program's own, read where no one else could change it -- before
anything that could store to the output, and fails with an errno; then no answer the
kernel gives (a success, a count, -EFAULT: the store-then-fault answer_stores.py reads
-EFAULT as) stored anything there:

- statx: do_statx() (and do_statx_fd() from 6.11) `if (mask & STATX__RESERVED) return
  -EINVAL; if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -EINVAL;`
  first, before vfs_statx() and cp_statx().  (Unknown AT_* flags are not judged: where
  6.x tests them differs with the path's form.)
- mincore: SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return -EINVAL;` first
  (a start unaligned to 4K is unaligned to every arm64 page size).
- prlimit64: SYSCALL_DEFINE4(prlimit64) -> find_task_by_vpid() finds no task for a
  negative pid or one at or past PID_MAX_LIMIT (-ESRCH), do_prlimit() `if (resource >=
  RLIM_NLIMITS) return -EINVAL;`; the old limit is copied only `if (!ret && old_rlim)`.
- sched_getparam: `if (!param || pid < 0) return -EINVAL;` first; find_process_by_pid()
  finds no task past PID_MAX_LIMIT (-ESRCH) before copy_to_user().
- sched_rr_get_interval: sched_rr_get_interval() `if (pid < 0) return -EINVAL;`, no
  task past PID_MAX_LIMIT (-ESRCH); the timespec is stored only `if (retval == 0)`.
- get_robust_list: find_task_by_vpid() of a negative pid or one at or past
  PID_MAX_LIMIT: -ESRCH before both put_user()s.  (A pid the program was told may be any
  below the limit: only pids no task can hold are judged.)
- capget: SYSCALL_DEFINE2(capget) -> cap_validate_magic(): a version not _1/_2/_3 puts
  _KERNEL_CAPABILITY_VERSION into the header's first word and answers -EINVAL (0 for a
  NULL dataptr) before the data's copy_to_user(): at most the header's version word is
  stored.  The header as passed at entry (capset_sets.note_entry), quiet through the call.
- fgetxattr: getxattr() (6.1; import_xattr_name() from 6.13) `if (error == 0 || error ==
  sizeof(kname)) error = -ERANGE;` -- an empty name or none within XATTR_NAME_MAX + 1
  (256) bytes -- before vfs_getxattr() and the value's copy_to_user().  The name as
  passed at entry (`note_entry`), quiet through the call.

Cheap: a call not in `CALLS` pays nothing; those in it pay a few integer tests (the two
read at entry: one dictionary look-up, and a quiet test only where the bytes fail).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import PAGE, Slot

_N = NUMBERS
_NR_STATX, _NR_MINCORE, _NR_PRLIMIT = _N["statx"], _N["mincore"], _N["prlimit64"]
_NR_GETPARAM, _NR_RR_INTERVAL = _N["sched_getparam"], _N["sched_rr_get_interval"]
_NR_ROBUST, _NR_CAPGET, _NR_FGETXATTR = _N["get_robust_list"], _N["capget"], _N["fgetxattr"]
#: calls judged by their registers alone
REGISTER_CALLS = frozenset({_NR_STATX, _NR_MINCORE, _NR_PRLIMIT, _NR_GETPARAM,
                            _NR_RR_INTERVAL, _NR_ROBUST})
#: calls judged by program memory read at entry (and quiet through the call)
MEMORY_CALLS = frozenset({_NR_CAPGET, _NR_FGETXATTR})
#: every call `check` judges (the caller tests `nr in CALLS` first)
CALLS = REGISTER_CALLS | MEMORY_CALLS
#: the calls whose entry `note_entry` reads (capget's header: capset_sets.note_entry)
ENTRY_CALLS = frozenset({_NR_FGETXATTR})

_STATX_RESERVED = 0x8000_0000          # STATX__RESERVED
_AT_STATX_SYNC_TYPE = 0x6000           # AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC
_RLIM_NLIMITS = 16
#: PID_MAX_LIMIT on 64-bit (include/linux/threads.h): no pid reaches it
_PID_MAX_LIMIT = 4 * 1024 * 1024
#: _LINUX_CAPABILITY_VERSION_1, _2, _3
_CAP_VERSIONS = frozenset({0x1998_0330, 0x2007_1026, 0x2008_0522})
_KNAME = 256                           # XATTR_NAME_MAX + 1: getxattr()'s kname[]
_UNTAG = (1 << 56) - 1


class _Memory(Protocol):
    def read(self, va: int, n: int, root: int) -> bytes | None: ...


def _int(v: int) -> int:
    """The register as the C `int` (pid_t) Linux takes (low 32 bits, signed)."""
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def _no_task(pid: int) -> bool:
    """find_task_by_vpid() finds nothing: a negative pid, or one no pid reaches."""
    return pid < 0 or pid >= _PID_MAX_LIMIT


def registers_fail(nr: int, args: Sequence[int]) -> bool:
    """Do the registers of `nr` fail Linux's first test (see the module)?"""
    if nr == _NR_STATX:
        flags = args[2] & 0xFFFF_FFFF
        return bool(args[3] & _STATX_RESERVED) or \
            flags & _AT_STATX_SYNC_TYPE == _AT_STATX_SYNC_TYPE
    if nr == _NR_MINCORE:
        return bool(args[0] & 0xFFF)
    if nr == _NR_PRLIMIT:
        pid = _int(args[0])
        return pid != 0 and _no_task(pid) or args[1] & 0xFFFF_FFFF >= _RLIM_NLIMITS
    if nr == _NR_GETPARAM:
        return not args[1] or _no_task(_int(args[0]))
    if nr in (_NR_RR_INTERVAL, _NR_ROBUST):
        return _no_task(_int(args[0]))
    return False


def note_entry(memory: _Memory, slot: Slot) -> None:
    """At fgetxattr's entry: the name's first 256 bytes (or up to its page's end) as the
    program passed them, which getxattr()'s strncpy_from_user() copies."""
    va = slot.args[1]
    if not va or va in slot.asked:
        return
    raw = memory.read(va, _KNAME, slot.root)
    if raw is None:
        raw = memory.read(va, PAGE - (va & (PAGE - 1)), slot.root)
    if raw is not None:
        slot.asked[va] = raw


def stored_by_memory(slot: Slot, quiet: Callable[[int, int], bool]) -> list[tuple[int, int]] | None:
    """capget's, fgetxattr's stores where their first test failed on bytes kept at entry
    and quiet through the call (`quiet(va, n)`: only the call stored there); None: not
    known to fail."""
    a = slot.args
    if slot.nr == _NR_CAPGET:
        head = slot.asked.get(a[0]) if a[0] else None
        if head is None or len(head) < 4 or \
                int.from_bytes(head[:4], "little") in _CAP_VERSIONS or not quiet(a[0], 4):
            return None
        return [(a[0], a[0] + 4)]       # (cap_validate_magic()'s put_user() alone)
    name = slot.asked.get(a[1]) if a[1] else None
    if name is None:
        return None
    end = name.find(b"\0")
    if end == 0 or end < 0 and len(name) >= _KNAME:
        return [] if quiet(a[1], 1 if end == 0 else _KNAME) else None
    return None


def check(slot: Slot, ret: int, quiet: Callable[[int, int], bool]) -> None:
    """The call in `slot` (nr in CALLS, pages in `slot.opened`) answered `ret`: refuse it
    where a page only its grant opened lies outside what its failed first test let it
    store."""
    nr = slot.nr or 0
    if nr in REGISTER_CALLS:
        if not registers_fail(nr, tuple(slot.args) + (0,) * 6):
            return
        ranges: list[tuple[int, int]] = []
    else:
        got = stored_by_memory(slot, quiet)
        if got is None:
            return
        ranges = got
    for page in slot.opened:
        if any((s & _UNTAG) < page + PAGE and (s & _UNTAG) + (e - s) > page
               for s, e in ranges):
            continue
        refuse("cut.first_tests", Status.ERR_DENIED,
               f"syscall {nr} write-faulted the empty page at {page:#x} of a private file "
               f"view under its output grant alone, then answered {ret:#x}: its arguments "
               "fail Linux's first test, which returns before any copy_to_user() or "
               "put_user() to that output -- do_cow_fault() copies the page only on a store")
