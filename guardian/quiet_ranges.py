"""When the bytes of a range at a call's return are the ones the call left there.

Some calls answer that they filled a range of the program's memory (userfaultfd's
UFFDIO_COPY and UFFDIO_ZEROPAGE, process_vm_writev() into the program's own child); the
Guardian can read that range when the result comes back.  What it reads is what the
call left only while nothing else could store there meanwhile -- as for
`return.futex_wait_value` (guardian/futex_values.py):

* at the call's entry no other thread of the domain was in an exit that may store (its
  TID word or robust list): `note` keeps, per tree of the domain, how many times a
  thread returned to user code then (`Slot.runs_at_entry`);
* at the return no thread of a tree the range lies in has returned to user code since
  (that count did not move), and no other call in progress there has written into the
  range (`Slot.written`);
* the range lies in none of the program's MAP_SHARED areas (another process may store
  there), file mappings or input areas (whose pages may come from a file others write).

`quiet` answers whether all of that holds; a check judges the bytes only then.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from abi.descriptors import FICLONERANGE
from abi.layout import untagged_addr
from abi.output_commands import F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_SETLKW
from abi.syscalls import NUMBERS
from guardian.first_tests import MEMORY_CALLS as FIRST_TEST_MEMORY
from guardian.futex_values import may_store
from guardian.path_names import CALLS as PATH_CALLS
from guardian.slots import PAGE, Domain, Slot, Space

_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})
_NR_IOCTL = NUMBERS["ioctl"]
#: The ioctls whose filled range is judged (guardian/uffd_fills.py): UFFDIO_COPY and
#: UFFDIO_ZEROPAGE.
UFFDIO_COPY, UFFDIO_ZEROPAGE = 0xC028AA03, 0xC020AA04
#: ... and the one whose range the Guardian reads at its return (guardian/uffd_events.py).
UFFDIO_REGISTER = 0xC020AA00
#: openat and openat2, whose name the Guardian reads at the return to tell whether it
#: opened one of the program's pipes again (guardian/sole_held.py).
OPENS = frozenset({NUMBERS["openat"], NUMBERS["openat2"]})
#: vmsplice, and the reads that may take what it spliced into a pipe, whose bytes the
#: Guardian reads at their returns (guardian/pipe_bytes.py).
SPLICED = frozenset(NUMBERS[n] for n in ("vmsplice", "read", "readv"))
#: execve's path (the task's name it gives: guardian/exec_kept.py) and timer_create's id
#: and sigevent (guardian/timer_ids.py), which the Guardian reads after the call's entry.
READ_AFTER = frozenset(NUMBERS[n] for n in ("execve", "timer_create"))
#: bind and connect, whose address, sendmsg and recvmsg, whose msghdr and control
#: data, and recvfrom, getsockname and getpeername, whose address length the Guardian
#: reads at their returns (guardian/sole_streams.py, sole_sockets.py, pair_bytes.py).
SOCKET_READS = frozenset(NUMBERS[n] for n in ("bind", "connect", "sendmsg", "recvmsg",
                                              "recvfrom", "getsockname", "getpeername"))
#: fcntl, whose struct flock of a record lock the Guardian reads at its return
#: (guardian/memfd_locks.py).
_NR_FCNTL = NUMBERS["fcntl"]
_LOCK_COMMANDS = frozenset({F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
#: preadv, preadv2 and the vector writes, whose iovec array the Guardian reads at the
#: return to count what they asked for (guardian/read_counts.py; readv is among SPLICED).
VECTOR_READS = frozenset(NUMBERS[n] for n in ("preadv", "preadv2", "writev", "pwritev",
                                              "pwritev2"))
#: PATH_CALLS (guardian/path_names.py): the names getname() copies, read at the return
#: (guardian/long_names.py).
#: The calls `note` is asked about at their entry.
#: pwrite64 and write, whose buffer a page of a file only the program holds may show
#: while it is in flight, and sendfile and copy_file_range, whose offsets' words say
#: what they copy there (guardian/cut_movers.py).
FILE_WRITES = frozenset(NUMBERS[n] for n in ("pwrite64", "write", "sendfile", "copy_file_range",
                                              "splice"))
#: process_madvise, whose iovec array import_iovec() copied (guardian/locked_vector.py);
#: kcmp, whose kcmp_epoll_slot kcmp_epoll_target() copied (guardian/kcmp_answer.py);
#: capset and capget, whose header and sets sys_capset() copies and sys_capget() fills
#: (guardian/capset_sets.py).
#: setsockopt's value (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF, and the sock_fprog of
#: SO_ATTACH_FILTER and SO_ATTACH_REUSEPORT_CBPF: guardian/early_errors.py), ppoll's pollfd
#: array, pselect6's sets and sendmmsg's messages, whose descriptor numbers the Guardian
#: reads at the return (guardian/fd_never_memory.py).
FD_READS = frozenset(NUMBERS[n] for n in ("setsockopt", "ppoll", "pselect6", "sendmmsg"))
_NR_SETSOCKOPT, _SOL_SOCKET, _SO_ATTACH_BPFS = NUMBERS["setsockopt"], 1, (50, 52, 26, 51)
#: getsockopt, whose length cut.first_tests reads at entry for SOL_SOCKET alone
_NR_GETSOCKOPT = NUMBERS["getsockopt"]
#: epoll_pwait2, whose timeout the Guardian reads at the return (guardian/early_errors.py;
#: round 87: clock_nanosleep's, nanosleep's timespec, the timers' itimerspec too;
#: ppoll's and pselect6's are among FD_READS).
TIMEOUT_READS = frozenset({NUMBERS["epoll_pwait2"]}) | frozenset(
    NUMBERS[n] for n in ("clock_nanosleep", "nanosleep", "timerfd_settime", "timer_settime"))
#: memfd_create's name, open_by_handle_at's handle_bytes and epoll_ctl's event, read at
#: the return
#: (guardian/maker_flags.py).
MAKER_READS = frozenset(NUMBERS[n] for n in ("memfd_create", "open_by_handle_at",
                                              "epoll_ctl"))   # (round 88: its event)
CALLS = frozenset({_NR_IOCTL, NUMBERS["process_vm_writev"], _NR_FCNTL,
                   NUMBERS["process_madvise"], NUMBERS["kcmp"],
                   NUMBERS["perf_event_open"], NUMBERS["capset"], NUMBERS["capget"]}) | OPENS | SPLICED \
    | READ_AFTER | SOCKET_READS | VECTOR_READS | PATH_CALLS | FILE_WRITES | FD_READS \
    | MAKER_READS | TIMEOUT_READS
#: every call cut.first_tests judges by bytes kept at entry (guardian/first_tests.py:
#: fgetxattr's name, prlimit64's new limit, sigaltstack's new stack ...): quiet() holds
#: nothing quiet for a call not noted here, so its first test would never be judged
CALLS = CALLS | FIRST_TEST_MEMORY
#: clone3's clone_args, as copy_clone_args_from_user() took them (guardian/ns_owner.py
#: check_set_tid, confidential_fork's flags)
CALLS = CALLS | {NUMBERS["clone3"]}


def noted(nr: int | None, args: tuple[int, ...]) -> bool:
    """Is the call one whose filled range (an open's name) a check reads at its return?"""
    return nr in CALLS and (nr != _NR_IOCTL or (args[1] & 0xFFFF_FFFF) in (
        UFFDIO_COPY, UFFDIO_ZEROPAGE, UFFDIO_REGISTER, FICLONERANGE)) and \
        (nr != _NR_FCNTL or (args[1] & 0xFFFF_FFFF) in _LOCK_COMMANDS) and \
        (nr != _NR_SETSOCKOPT or (args[1] & 0xFFFF_FFFF == _SOL_SOCKET
                                  and args[2] & 0xFFFF_FFFF in _SO_ATTACH_BPFS)) and \
        (nr != _NR_GETSOCKOPT or args[1] & 0xFFFF_FFFF == _SOL_SOCKET)   # (round 90b)


def note(slot: Slot, dom: Domain, others: Iterable[Slot], runs: Mapping[int, int],
         cleared: Container[tuple[int, int]]) -> None:
    """At the entry: each tree's returns to user code, unless another thread of the
    domain is in an exit that may store."""
    for o in others:
        if o is not slot and o.domain == slot.domain and o.nr in _EXITS:
            space = dom.spaces.get(o.root)
            if space is None or may_store(space, o, cleared):
                return
    slot.runs_at_entry = {root: runs.get(root, 0) for root in dom.spaces}


def _private(space: Space, start: int, end: int) -> bool:
    """Does only the tree's own threads store into [start, end)?"""
    if any(s < end and start < e for s, e, _, _ in space.file_areas) or \
            any(s < end and start < e for s, e in space.input_areas):
        return False
    return all(space.share_at(va) is None for va in range(start & ~(PAGE - 1), end, PAGE))


def quiet(slot: Slot, dom: Domain, others: Iterable[Slot], runs: Mapping[int, int],
          ranges: Iterable[tuple[int, int, int]]) -> bool:
    """Are the bytes of each (root, start, end) at the return the ones the call left?"""
    at_entry = slot.runs_at_entry
    if at_entry is None:
        return False
    # A call's raw pointer may carry a TBI tag (the tagged address ABI): Linux copies from
    # the page untagged_addr() names; the areas are untagged, another call's stores may
    # carry any tag -- a tag must not hide a MAP_SHARED or file area, or such a store
    ranges = [(root, untagged_addr(start), untagged_addr(start) + (end - start))
              for root, start, end in ranges]
    for root, start, end in ranges:
        space = dom.spaces.get(root)
        if space is None or root not in at_entry or runs.get(root, 0) != at_entry[root] \
                or not _private(space, start, end):
            return False
    for o in others:
        if o is slot:
            continue
        for root, start, end in ranges:
            if o.root == root and any(untagged_addr(s) < end and start < untagged_addr(s) + (e - s)
                                      for s, e in o.written):     # (a store's va may be tagged)
                return False
    return True
