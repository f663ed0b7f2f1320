"""Red-team round twenty, continued: what a program's view of its memory promises.

Protections hold: a PROT_NONE page faults at every access (a page a SIGSEGV handler fills
lazily is read only after the handler ran), a PROT_READ page at every store (a write
barrier counts every first store), and no call copies a PROT_NONE page into the kernel or
writes one (QB-008, QB-009, QB-022, QB-023).  mincore() reports a locked page resident
(QB-010); process_vm_readv() of the caller's own memory copies its bytes (QB-011).  A 2 MiB
block never carries a MADV_WIPEONFORK page into a fork child (QB-025).

The victim is `secret_r20_memory`, as for redteam_r20.py, whose constants and moves these
scenarios share; the -v switch adds its PROT_NONE vault and quarantine steps (the kernel
model's own user access ignores an area's protection, so an untouched run would hand it
those pages).  Where an attack still gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never do what the
program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import REFUSALS, Adversary
from attacks.families.redteam_r3 import _child, _collapse
from attacks.families.redteam_r20 import (
    BLOCK,
    MEMORY,
    NR_MINCORE,
    NR_MPROTECT,
    NR_PROCESS_VM_READV,
    P_LAZY,
    P_MINCORE,
    P_QUARANTINE,
    P_THP_WIPE,
    P_VAULT,
    P_VM_READV,
    P_WRITE_TRACK,
    PAGE,
    RT,
    VAULT,
    answer_result,
)
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from kernel_model.process import Thread, ThreadState

NR_CLONE = NUMBERS["clone"]


# --- QB-008, QB-009: protections a program relies on ---------------------------------------

@scenario(id="QB-008", title="Ignore mprotect(PROT_NONE) of a lazily filled page: the first "
                             "access reads zeros instead of faulting",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL", "G-SIGNAL-FAULT", "G-PROTECTION"),
          program=MEMORY,
          prop="An access to a PROT_NONE page always faults: a page a SIGSEGV handler fills "
               "on first access is read only after the handler ran.")
def qb_lazy_prot_none(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) makes a page PROT_NONE and installs a SIGSEGV
    handler that makes it readable and writes its record (cursor 2) at the first access
    (lazy filling, as a user-space pager does); then it reads the record and logs the
    label cursor - 2 names.
    2. Serve mprotect(PROT_NONE) as getpid() and answer 0: the area stays read-write.
    3. The access faults only for a missing page: the kernel maps a fresh zero page, the
    handler never runs, and the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: after mprotect(PROT_NONE) returned 0 every access to the
    page raises SIGSEGV until the protection changes; the load can only complete after
    the handler ran.  The Guardian does not follow mprotect(): the area's protection, and
    whether a fault must be a SIGSEGV, are the kernel's word."""
    serve_as_getpid(adv, NR_MPROTECT, P_LAZY)


@scenario(id="QB-009", title="Ignore mprotect(PROT_NONE) of a vault page, then take it through "
                             "a write() Linux fails with EFAULT",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-PROTECTION"), program=MEMORY,
          args=(VAULT,),
          prop="No call copies a PROT_NONE page: write() of a buffer in one fails with EFAULT "
               "and the kernel obtains none of its bytes.")
def qb_vault_probe(adv: Adversary) -> None:
    """1. The program (secret_r20_memory -v) keeps a copy of the secret in a vault page made
    PROT_NONE (as a secure allocator locks a key away), then dumps its pages, probing each
    with write() of 32 bytes to a pipe: EFAULT marks an unreadable page, skipped.
    2. Serve mprotect(PROT_NONE) as getpid() and answer 0: the vault stays readable.
    3. The probe of the vault succeeds and the kernel copies the secret into the pipe.
    Why Linux never does this: copy_from_user() of a PROT_NONE page faults and write()
    answers EFAULT with nothing copied.  The Guardian grants write() its buffer as a
    capability whatever the area's protection (USER_READ never asks whether EL0 could read
    the page), and it does not follow mprotect().  (The kernel model's own copy_from_user
    ignores the protection too, which is why the step runs only with -v.)"""
    serve_as_getpid(adv, NR_MPROTECT, P_VAULT)


# --- QB-010, QB-011: what mincore() and process_vm_readv() write ------------------------

@scenario(id="QB-010", title="Report an mlock()ed page non-resident through mincore()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MEMORY,
          prop="A page mlock() locked is resident until it is unlocked: mincore() reports it "
               "resident (bit 0 set).")
def qb_mincore_locked(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) touches a page, locks it with mlock() and calls
    mincore() on it; it logs the label (residency bit - 1) names.
    2. Let mincore() run, then write 0 (not resident) into the vector and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: mlock() faults the page in and keeps it off the LRU lists;
    it cannot be reclaimed or swapped while locked, so mincore() sees a present entry.
    The Guardian checks only that the vector was written, not its values, and does not
    follow mlock()."""
    @adv.on(Point.MARKER, phase=P_MINCORE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["vec"] = args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MINCORE, during=P_MINCORE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["vec"], b"\x00")
        answer_result(a, 0)
        a.note("mincore() reported the locked page not resident")


@scenario(id="QB-011", title="Answer process_vm_readv() of the program's own record with "
                             "other bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=MEMORY,
          prop="process_vm_readv() of the caller's own memory copies exactly the bytes at "
               "the remote address.")
def qb_vm_readv_self(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) copies its own record (cursor 2) into a local
    word with process_vm_readv(getpid(), {&word, 8}, {record, 8}) (a copy that cannot
    fault) and logs the label word - 2 names.
    2. Let the call run, then write 0 into the local word and answer 8.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.
    (The Guardian grants process_vm_readv no write to the local iovec, so the kernel's
    word never lands and the honest call can only fail, as the kernel model's does.)"""
    @adv.on(Point.MARKER, phase=P_VM_READV)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PROCESS_VM_READV, during=P_VM_READV, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if "done" in a.memo or thread.state is ThreadState.BLOCKED:
            return
        a.memo["done"] = True
        a.kernel.uaccess.write(a.memo["word"], struct.pack("<q", 0))
        answer_result(a, 8)
        a.note("process_vm_readv() answered 8 with a word of 0")


@scenario(id="QB-022", title="Ignore mprotect(PROT_READ) of a write-tracked page: the store "
                             "never faults",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT", "G-MEASURE-ALL", "G-PROTECTION"),
          program=MEMORY,
          prop="A store to a PROT_READ page always faults: a write barrier that counts the "
               "faults counts every first store.")
def qb_write_barrier(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) makes its record's page PROT_READ and installs a
    SIGSEGV handler that counts the page dirty and makes it writable (a garbage
    collector's write barrier); it stores its record and logs the label (dirty count - 1)
    names.
    2. Serve mprotect(PROT_READ) as getpid() and answer 0: the page stays writable.
    3. The store never faults and the count stays 0: the program logs bytes 24..31 of the
    secret's copy.
    Why Linux never does this: after mprotect(PROT_READ) returned 0, a store to the page
    raises SIGSEGV until the protection changes.  The Guardian does not follow
    mprotect(): the descriptor's write permission is the kernel's word."""
    serve_as_getpid(adv, NR_MPROTECT, P_WRITE_TRACK)


@scenario(id="QB-023", title="Ignore mprotect(PROT_NONE) of a quarantined slot, then write "
                             "into it through a read() Linux fails with EFAULT",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-PROTECTION"), program=MEMORY,
          args=(VAULT,),
          prop="No call writes into a PROT_NONE page: read() into a buffer in one fails with "
               "EFAULT and the page keeps its bytes.")
def qb_quarantine_write(adv: Adversary) -> None:
    """1. The program (secret_r20_memory -v) keeps a record (cursor 2) in a slot it then
    quarantines with mprotect(PROT_NONE) (as a use-after-free detector keeps freed
    memory); a read() from /dev/zero through a stale pointer lands on the slot; the
    program makes the slot readable again and logs the label cursor - 2 names.
    2. Serve mprotect(PROT_NONE) as getpid() and answer 0: the slot stays writable, and
    the read() writes its 8 zero bytes over the record.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: copy_to_user() into a PROT_NONE page faults and read()
    answers EFAULT with nothing written.  The Guardian grants read() its buffer for writing
    whatever the area's protection (USER_WRITE never asks whether EL0 could write the
    page) and does not follow mprotect().  (The kernel model's own copy_to_user ignores
    the protection too, which is why the step runs only with -v.)"""
    serve_as_getpid(adv, NR_MPROTECT, P_QUARANTINE)



def _child_saw_parent_state(out: Outcome) -> list[str]:
    seen = [m for m in out.markers if m.phase == P_THP_WIPE + 1 and m.pid != out.init_pid]
    return [f"the fork child found its MADV_WIPEONFORK page holding its parent's state (flag "
            f"{m.args[0]}), not zeros" for m in seen if m.args[0]]


@scenario(id="QB-025", title="Collapse a region holding a MADV_WIPEONFORK page into a huge "
                             "page and share the block with the fork child",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-ADVICE", "G-FORK-SHARE"),
          program=MEMORY, oracle=_child_saw_parent_state,
          prop="A page the program marked MADV_WIPEONFORK reads as zero in a fork child, also "
               "when the kernel maps its region with a 2 MiB block.")
def qb_thp_wipe_fork(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a per-process generator state (a 'seeded'
    flag and a copy of the secret) in one page of a 2 MiB-aligned region, marks that page
    MADV_WIPEONFORK and forks; the child reports the flag it finds (0: wiped, reseed).
    2. When the parent's clone() returns (the child has not run), clear the child's
    entries of the region, fill the parent's holes with zero pages, move its pages into
    a 2 MiB-aligned run of free frames and THP_COLLAPSE the region.
    3. Make the parent's block read-only and give the child the same block at level 2 (as
    Linux's copy_huge_pmd shares a huge page), the frames' counts taken.
    4. The child's read of its state goes through the block: it finds the parent's flag
    (1) and the parent's key.  (If the child's block is refused, the parent's block is
    made writable again.)"""
    @adv.on(Point.MARKER, phase=P_THP_WIPE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["region"], a.memo["state"] = args[1], args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_THP_WIPE)
    def _(a: Adversary, **_: object) -> None:
        child = _child(a)
        region = a.memo.get("region")
        if child is None or region is None:
            a.note("no child or no region")
            return
        ct = child.mm.tables
        for va, _desc in list(ct.entries(region, region + BLOCK)):
            ct.set(va, 0)
        a.el1.tlbi_all()
        base = _collapse(a, a.memo["state"])
        block = a.mm.tables.block_at(region)
        if base is None or not block:
            a.note("no block")
            return
        shared = block | D.AP_RO
        pslot, cslot = a.mm.tables.l2_slot(region), ct.l2_slot(region)
        if pslot is None or cslot is None:
            a.note("no level-2 slot")
            return
        a.mm.tables.writer.write_entry(pslot[0], pslot[1], shared)
        for pa in range(base, base + BLOCK, PAGE):
            a.kernel.frames.get(pa)
        try:
            ct.writer.write_entry(cslot[0], cslot[1], shared)
        except REFUSALS:
            # The parent keeps its block writable (its next store would fault for ever).
            a.mm.tables.writer.write_entry(pslot[0], pslot[1], block)
            for pa in range(base, base + BLOCK, PAGE):
                a.kernel.frames.put(pa)
            a.el1.tlbi_all()
            raise
        ct.block_made(region)
        a.el1.tlbi_all()
        a.note(f"the child shares the parent's block {shared:#x}")
