"""What process_vm_writev() into the program's own child leaves in the child's memory.

mm/process_vm_access.c process_vm_rw_core() walks the remote iovecs in order, pins each
page of the target's and copies into it from the local iovecs, in order
(process_vm_rw_pages(): copy_page_from_iter()); the count it answers is the bytes so
copied.  So once process_vm_writev(pid, local, liovcnt, remote, riovcnt, 0) answers n,
the first n bytes of the remote iovecs, in the target's memory, hold the first n bytes
of the local iovecs -- and n is at most what the remote iovecs hold.

The Guardian knows the target's tree where the pid is one a fork of the caller's tree
returned (`Registry.child_pids`, the child's first thread) and that process's tree is of
the same domain (`Registry.process_of_root`): it reads both sides at the return and
refuses a count the bytes do not bear out (`return.vm_written`).  Any other pid (a
sibling, a grandchild, a thread id, a process of another program) names a tree the
Guardian cannot tie to it, and is not judged; nor are bytes of a page not present in the
child's tree (the kernel faults pages in only for the calling thread), nor ranges
something else could store into meanwhile (guardian/quiet_ranges.py).  A refusal names
lengths and offsets only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

from abi import Status
from abi.layout import ERRNO_FLOOR, UIO_MAXIOV
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.quiet_ranges import quiet
from guardian.result_reads import read_or_fault
from guardian.slots import PAGE, Domain, Slot
from guardian.user_memory import UserMemory

_NR_VM_WRITEV = NUMBERS["process_vm_writev"]
CALLS = frozenset({_NR_VM_WRITEV})



def _iovecs(memory: UserMemory, slot: Slot, iov: int, count: int) -> list[tuple[int, int]]:
    if count == 0:
        return []
    raw = read_or_fault(memory, slot, iov, 16 * count)
    return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]


def _first(spans: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """[start, end) of the first n bytes across the iovecs, in order."""
    out = []
    for base, length in spans:
        if n <= 0:
            break
        take = min(n, length)
        if take:
            out.append((base, base + take))
        n -= take
    return out


def child_root(reg: Registry, slot: Slot, pid: int) -> int | None:
    """The tree of the caller's fork child told `pid`, where it is of the same domain."""
    process = reg.child_pids.get((slot.root, pid))
    if process is None:
        return None
    roots = [r for r, p in reg.process_of_root.items()
             if p == process and reg.root_domain.get(r) == slot.domain]
    return roots[0] if len(roots) == 1 else None


def check(memory: UserMemory, reg: Registry, dom: Domain, slot: Slot, ret: int,
          others: Iterable[Slot], runs: Mapping[int, int]) -> None:
    """process_vm_writev() into the caller's own child answered n: the child's first n
    bytes of the remote iovecs are the caller's first n bytes of the local ones."""
    a = slot.args
    pid = a[0] & 0xFFFF_FFFF
    if slot.nr != _NR_VM_WRITEV or ret >= ERRNO_FLOOR or ret == 0 or a[5] \
            or not 0 < pid < 1 << 31 or a[2] > UIO_MAXIOV or a[4] > UIO_MAXIOV:
        return
    target = child_root(reg, slot, pid)
    if target is None or target == slot.root:
        return
    remote_all = _iovecs(memory, slot, a[3], a[4])
    room = sum(length for _, length in remote_all)
    if ret > room:
        refuse("return.vm_written", Status.ERR_DENIED,
               f"process_vm_writev answered {ret} bytes written, more than the {room} its "
               "remote iovecs hold")
    local = _first(_iovecs(memory, slot, a[1], a[2]), ret)
    remote = _first(remote_all, ret)
    if sum(e - s for s, e in local) != ret:
        return                  # (more than the local iovecs hold: return.count_bound's)
    if not quiet(slot, dom, others, runs,
                 [(slot.root, s, e) for s, e in local] + [(target, s, e) for s, e in remote]):
        return
    sent = b"".join(read_or_fault(memory, slot, s, e - s) for s, e in local)
    pos = 0
    for start, end in remote:
        va = start
        while va < end:
            take = min(end, (va & ~(PAGE - 1)) + PAGE) - va
            got = memory.read(va, take, target)
            if got is not None and got != sent[pos:pos + take]:
                refuse("return.vm_written", Status.ERR_DENIED,
                       f"process_vm_writev answered {ret} bytes written into the program's "
                       f"child, but the {take} bytes at {va:#x} in the child (offset {pos} "
                       "of the write) are not the caller's: Linux counts only bytes it "
                       "copied into the target's pages")
            pos += take
            va += take
