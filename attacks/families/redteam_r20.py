"""Red-team round twenty: memory the kernel manages for a program, through the secure ABI.

A call Linux refuses changes nothing: madvise(), munmap() and mremap() at an address that
is not page aligned, brk() below the program's image, mmap(MAP_FIXED) at an unaligned file
offset, MADV_REMOVE on private memory and MADV_FREE on shared memory, mremap() onto an
overlapping target or to length 0, munmap() past the end of the address space: each
answers EINVAL (brk the current break) before touching a page, and a failed MADV_DONTNEED
of a fully mapped range discarded nothing (QB-001..QB-007, QB-018..QB-021, QB-026; QB-019
discards the page's sealed copy instead).  Advice that keeps a page's bytes keeps them:
mprotect(), MADV_POPULATE_WRITE, msync(), a failed in-place mremap() growth, MADV_DONTNEED
of shared memory, MADV_PAGEOUT (QB-012, QB-013, QB-015..QB-017, QB-024); a private file
page dropped reads the file again (QB-014).  Protections hold: a PROT_NONE page faults at
every access, a PROT_READ page at every store, and no call copies a PROT_NONE page or
writes into one (QB-008, QB-009, QB-022, QB-023).  A huge page never carries a
MADV_WIPEONFORK page into a fork child (QB-025).  What mincore() and process_vm_readv()
write is what the memory is (QB-010, QB-011).  Those last, the protections, mincore(),
process_vm_readv() and the huge page, are in redteam_r20_views.py; the victim, the
constants and the kernel moves both modules use are here.

The victim is `secret_r20_memory` (workloads/src/secret_r20_memory.c): most steps keep a
record whose cursor is 2, make one memory call, then write the label cursor - 2 names
from a log buffer that begins with a copy of the secret to /dev/null.  A record Linux
could not have lost, read back as zero, sends bytes 16..23 of the secret instead.  Each
scenario holds only the kernel's powers (its own dispatch and areas, the page tables it
edits through the Guardian's calls, the result it returns, the user access of the call it
serves).  Where an attack still gets through with the Guardian on, it names the property
it breaks (`gap`) and its docstring says why Linux could never do what the program saw.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.secure_mm import SWAP_DESC
from attacks.hooks import Point
from attacks.moves import serve_with
from attacks.scenario import Goal, scenario

RT = "redteam_r20"
MEMORY = "secret_r20_memory"
VAULT = b"-v"                # secret_r20_memory's switch for the PROT_NONE vault step
PAGE = 4096
MASK64 = (1 << 64) - 1
EINVAL, ENOMEM = 22, 12
NR_MADVISE, NR_MUNMAP, NR_MREMAP = NUMBERS["madvise"], NUMBERS["munmap"], NUMBERS["mremap"]
NR_BRK, NR_MMAP, NR_MPROTECT = NUMBERS["brk"], NUMBERS["mmap"], NUMBERS["mprotect"]
NR_MSYNC, NR_MINCORE = NUMBERS["msync"], NUMBERS["mincore"]
NR_PROCESS_VM_READV = NUMBERS["process_vm_readv"]
MADV_NORMAL = 0
# secret_r20_memory: the marker before each step (x3 the record or page it acts on); the
# marker after its write is + 1.
P_MADV_UNALIGNED, P_MUNMAP_UNALIGNED, P_MREMAP_UNALIGNED, P_BRK_LOW = 1100, 1102, 1104, 1106
P_FIXED_OFFSET, P_REMOVE_PRIVATE, P_FREE_SHARED, P_LAZY = 1108, 1110, 1112, 1114
P_VAULT, P_MINCORE, P_VM_READV, P_PROTECT = 1116, 1118, 1120, 1122
P_POPULATE, P_PRIVATE_REVERT, P_MSYNC, P_SHARED_DONTNEED = 1124, 1126, 1128, 1130
P_GROW_FAIL, P_DONTNEED_ERROR, P_REMAP_OVERLAP, P_REMAP_ZERO = 1132, 1134, 1136, 1138
P_WRITE_TRACK, P_QUARANTINE, P_PAGEOUT, P_THP_WIPE = 1140, 1142, 1144, 1146
P_MUNMAP_LENGTH = 1148
BLOCK = 2 << 20
# The properties the open attacks break (scenario.PROPERTIES).
LEAVES = "P3"                # a page left the program's view though its call changed nothing
OWED = "P7"                  # the kernel obtained memory Linux never hands it
VALUES = "P5"                # a value reached the program that Linux never returns


def _record(adv: Adversary, phase: int) -> None:
    """Keep the record's address the program announces at marker `phase` (its x3)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["record"] = args[1]


def answer_result(a: Adversary, result: int) -> None:
    """Answer `result` (a negative errno as the kernel returns it)."""
    a.set_reg("x0", result & MASK64)


def _drop_private(a: Adversary) -> None:
    """Drop the record's private page as MADV_DONTNEED would: the next access maps a
    fresh zero page."""
    va = a.memo["record"]
    a.mm.discard(va, va + PAGE)
    a.note(f"the record's page {va:#x} dropped")


def _drop_shared(a: Adversary) -> None:
    """Drop the record's MAP_SHARED page for good: clear the entry, take the frame back
    from the share (RECLAIM_PAGE under the Guardian) and forget it, so that the next
    access maps a fresh page (or, for a file, the file's bytes)."""
    va = a.memo["record"]
    area = next((v for v in a.mm.vmas if v.contains(va)), None)
    sp = area.shared_pages if area is not None else None
    pa = a.pa_of(va)
    if pa is not None:
        a.mm.tables.set(va, 0)
        a.el1.tlbi_all()
    if sp is None or area is None:
        return
    idx = (area.offset + va - area.start) // PAGE
    frame = sp.frames.get(idx)
    if frame is None:
        return
    if a.guarded:
        status = a.hvc(Call.RECLAIM_PAGE, frame)[0]
        a.note(f"RECLAIM_PAGE of the shared frame {frame:#x}: status {status}")
    del sp.frames[idx]
    a.note(f"the shared page at {va:#x} forgotten")


def _drop_then_answer(adv: Adversary, nr: int, phase: int, drop: Callable[[Adversary], None],
                      result: int | None) -> None:
    """While serving the program's next call `nr` after marker `phase`, drop the record's
    page, then answer `result` (None: what the call returned)."""
    _record(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        drop(a)
        if result is not None:
            answer_result(a, result)


# --- QB-001..QB-007: calls Linux refuses before touching a page --------------------------

@scenario(id="QB-001", title="Drop the page after an unaligned madvise(MADV_DONTNEED) and "
                             "answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="madvise() at a start that is not page aligned fails with EINVAL and discards "
               "nothing: the page after the start keeps its bytes.")
def qb_madvise_unaligned(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls madvise(object + 64, 4096, MADV_DONTNEED)
    on a two-page area whose second page holds its record (cursor 2), ignores the result
    (a hint) and logs the label cursor - 2 names.
    2. While serving the call, drop the second page (inside [start, start + 4096) as the
    program passed it), then answer -EINVAL, as Linux does for an unaligned start.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: madvise() checks PAGE_ALIGNED(start) before it looks at a
    single area, so an EINVAL answer means nothing was discarded.  The Guardian opens its
    discard window over [start, start + len) with start as passed, so the page-aligned
    address start - 64 + 4096 lies inside it, and it never asks whether the call failed."""
    _drop_then_answer(adv, NR_MADVISE, P_MADV_UNALIGNED, _drop_private, -EINVAL)


@scenario(id="QB-002", title="Drop the page after an unaligned munmap() and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="munmap() at an address that is not page aligned fails with EINVAL and "
               "unmaps nothing.")
def qb_munmap_unaligned(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls munmap(object + 64, 4096) on a two-page
    area whose second page holds its record (cursor 2), and logs the label cursor - 2
    names.
    2. While serving the call, drop the second page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: munmap() refuses an unaligned address (EINVAL) before it
    splits or unmaps anything.  The Guardian's munmap window is [addr, addr + len) as
    passed, which holds the next page's aligned address, whatever the call answers."""
    _drop_then_answer(adv, NR_MUNMAP, P_MUNMAP_UNALIGNED, _drop_private, -EINVAL)


@scenario(id="QB-003", title="Drop a page an unaligned mremap() shrink 'cuts' and answer "
                             "EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=MEMORY,
          prop="mremap() of an old address that is not page aligned fails with EINVAL and "
               "changes nothing.")
def qb_mremap_unaligned(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls mremap(area + 64, 8192, 4096, 0) on a
    three-page area whose third page holds its record (cursor 2), and logs the label
    cursor - 2 names.
    2. While serving the call, drop the third page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: mremap() checks offset_in_page(addr) first and answers
    EINVAL with no area touched.  The Guardian's shrink window is [addr + new_len,
    addr + old_len) with the unaligned addr as passed: the third page's address lies in
    it, and a failed call is not told apart from a shrink that happened."""
    _drop_then_answer(adv, NR_MREMAP, P_MREMAP_UNALIGNED, _drop_private, -EINVAL)


@scenario(id="QB-004", title="Drop a .bss page while serving brk() below the image, answer "
                             "the current break",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-BRK"),
          program=MEMORY,
          prop="brk() below the end of the program's data fails (it answers the current "
               "break) and changes nothing: its .bss keeps its bytes.")
def qb_brk_below_image(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a page of its .bss,
    calls brk(current - 1 MiB), below its own image (a size that underflowed), and logs
    the label cursor - 2 names.
    2. While serving the call, drop the .bss page, then answer the current break (what
    Linux answers for a refused brk).
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: brk() below the heap's start (end of data, for a kernel
    with CONFIG_COMPAT_BRK) goes straight to 'out' and returns the old break; nothing is
    unmapped.  The Guardian's brk window is [page_up(asked), page_up(break)) with no floor
    at the heap's start, so it covers the whole image, .data and .bss included."""
    _record(adv, P_BRK_LOW)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, during=P_BRK_LOW)
    def _(a: Adversary, **_: object) -> None:
        a.memo["break"] = a.mm.brk

    @adv.on(Point.SYSCALL_EXIT, nr=NR_BRK, during=P_BRK_LOW)
    def _(a: Adversary, **_: object) -> None:
        _drop_private(a)
        answer_result(a, a.memo["break"])


@scenario(id="QB-005", title="Drop the page under an mmap(MAP_FIXED) at an unaligned offset "
                             "and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MMAP"),
          program=MEMORY,
          prop="mmap(MAP_FIXED) with a file offset that is not page aligned fails with EINVAL "
               "before anything is unmapped: the page at the address keeps its bytes.")
def qb_fixed_unaligned_offset(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in an anonymous page,
    calls mmap(record, 4096, MAP_PRIVATE | MAP_FIXED, memfd, 100) and logs the label
    cursor - 2 names.
    2. While serving the call, drop the record's page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: arm64's mmap() answers EINVAL for offset_in_page(off)
    before do_mmap() runs, so the old mapping stays.  The Guardian opens the MAP_FIXED
    window over [addr, addr + len) for any MAP_FIXED call and does not look at the
    answer."""
    _drop_then_answer(adv, NR_MMAP, P_FIXED_OFFSET, _drop_private, -EINVAL)


@scenario(id="QB-006", title="Drop a private page while serving MADV_REMOVE and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="MADV_REMOVE on private anonymous memory fails (EINVAL): only a shared mapping "
               "of a file or shmem can punch a hole, so the page keeps its bytes.")
def qb_remove_private(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a private anonymous
    page, calls madvise(record, 4096, MADV_REMOVE) and logs the label cursor - 2 names.
    2. While serving the call, drop the page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: madvise_remove() returns EINVAL for an area with no file
    (private anonymous memory) and EACCES for one not shared writable, before any page
    goes.  The Guardian counts MADV_REMOVE among the discarding advice on any area, and
    whatever the answer."""
    _drop_then_answer(adv, NR_MADVISE, P_REMOVE_PRIVATE, _drop_private, -EINVAL)


@scenario(id="QB-007", title="Take a MAP_SHARED anonymous page back while serving MADV_FREE "
                             "and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SHARE-ONE-PAGE"),
          program=MEMORY,
          prop="MADV_FREE on a MAP_SHARED mapping fails (EINVAL): lazy freeing is for "
               "private anonymous memory, and the shared page keeps its bytes.")
def qb_free_shared(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a MAP_SHARED
    anonymous page, calls madvise(record, 4096, MADV_FREE) and logs the label cursor - 2
    names.
    2. While serving the call, clear the page's entry (the Guardian lets the last mapping
    go: MADV_FREE opens a discard window), try to take the frame back from the share
    (RECLAIM_PAGE: refused, the Guardian holds no anonymous share page, and the frame is
    scrubbed as its last mapping went) and forget it, then answer -EINVAL.
    3. The next access maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy.
    Why Linux never does this: MADV_FREE on an area that is not private anonymous memory
    is EINVAL before any page is looked at; and even a MAP_SHARED anonymous page whose
    mapping goes stays in its shmem object, so the next access maps the same bytes.  The
    Guardian keeps a memfd's pages when their last mapping goes, but not an anonymous
    share's: with no other place mapping it, share_one_frame lets a fresh page in."""
    _drop_then_answer(adv, NR_MADVISE, P_FREE_SHARED, _drop_shared, -EINVAL)


# --- QB-012..QB-026: calls that keep a page's bytes, more calls Linux refuses -----------

@scenario(id="QB-012", title="Drop a page while serving mprotect(PROT_READ) of it",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="mprotect() changes a page's protection, never its bytes.")
def qb_drop_in_mprotect(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in an anonymous page,
    makes it read-only with mprotect(PROT_READ) and logs the label cursor - 2 names.
    2. While serving the call, drop the page; answer what the call returned (0).
    3. The next read maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy."""
    _drop_then_answer(adv, NR_MPROTECT, P_PROTECT, _drop_private, None)


@scenario(id="QB-013", title="Drop a page while serving MADV_POPULATE_WRITE of it",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="MADV_POPULATE_WRITE faults pages in; a present page keeps its bytes.")
def qb_drop_in_populate(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in an anonymous page,
    calls madvise(MADV_POPULATE_WRITE) on it and logs the label cursor - 2 names.
    2. While serving the call, drop the page; answer what the call returned.
    3. The next read maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy."""
    _drop_then_answer(adv, NR_MADVISE, P_POPULATE, _drop_private, None)


@scenario(id="QB-014", title="Answer MADV_DONTNEED of a private memfd page with success and "
                             "keep the program's private copy",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="After MADV_DONTNEED on a MAP_PRIVATE file mapping succeeds, the page reads "
               "the file's bytes again, not the private copy the program wrote.")
def qb_private_file_revert(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) maps its memfd MAP_PRIVATE (the file's record
    says cursor 2), takes the record by writing 0 in its private copy, reverts the page
    with madvise(MADV_DONTNEED) and logs the label cursor - 2 names.
    2. Serve the call as MADV_NORMAL (nothing discarded) and answer 0.
    3. The private copy stays: the program logs bytes 16..23 of the secret's copy."""
    serve_with(adv, NR_MADVISE, P_PRIVATE_REVERT, {"x2": MADV_NORMAL})


@scenario(id="QB-015", title="Take a shared memfd page back while serving msync(MS_INVALIDATE)",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SHARE-ONE-PAGE"),
          program=MEMORY,
          prop="msync() writes a shared page back; it never discards the bytes the program "
               "wrote through the mapping.")
def qb_drop_in_msync(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) maps its memfd's second page MAP_SHARED (the file
    holds a record not yet set up: cursor 0), writes its record (cursor 2) through the
    mapping, calls msync(MS_SYNC | MS_INVALIDATE) and logs the label cursor - 2 names.
    2. At the call's entry, before anything is written back, clear the page's entry, take
    its frame back from the share (RECLAIM_PAGE) and forget it.
    3. The next access maps the file's stale page (cursor 0): the program logs bytes
    16..23 of the secret's copy."""
    _record(adv, P_MSYNC)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MSYNC, during=P_MSYNC)
    def _(a: Adversary, **_: object) -> None:
        _drop_shared(a)


@scenario(id="QB-016", title="Take a MAP_SHARED anonymous page back after MADV_DONTNEED of it",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SHARE-ONE-PAGE"),
          program=MEMORY,
          prop="MADV_DONTNEED on a MAP_SHARED anonymous mapping drops only the mapping: the "
               "shared page keeps its bytes and the next access maps it again.")
def qb_shared_anon_dontneed(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a MAP_SHARED
    anonymous page, calls madvise(MADV_DONTNEED) on it and logs the label cursor - 2 names.
    2. While serving the call, clear the entry (allowed: DONTNEED opens a discard
    window), try to take the frame back from the share (RECLAIM_PAGE: refused, the
    Guardian holds no anonymous share page; the frame was scrubbed as its last mapping
    went) and forget it; answer what the call returned (0).
    3. The next access maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy.
    Why Linux never does this: MAP_SHARED anonymous memory is a shmem object;
    MADV_DONTNEED zaps only the page-table entries and the page stays in the object, so
    the next access maps the same bytes (the memfd case, RB-018, is refused).  The
    Guardian's given_back check rightly skips shares, but nothing keeps an anonymous
    share's page once its last mapping goes: share_one_frame accepts a fresh frame when
    no other place maps the page."""
    _drop_then_answer(adv, NR_MADVISE, P_SHARED_DONTNEED, _drop_shared, None)


@scenario(id="QB-017", title="Drop a page while serving its failed in-place mremap() growth",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=MEMORY,
          prop="mremap() without MREMAP_MAYMOVE that cannot grow in place fails (ENOMEM) and "
               "leaves the area, and its bytes, as they were.")
def qb_drop_in_grow_fail(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a one-page area
    followed by another area, calls mremap(record, 4096, 8192, 0) and logs the label
    cursor - 2 names.
    2. While serving the call, drop the record's page; answer what the call returned
    (ENOMEM).
    3. The next read maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy."""
    _drop_then_answer(adv, NR_MREMAP, P_GROW_FAIL, _drop_private, None)


@scenario(id="QB-018", title="Drop a page while serving MADV_DONTNEED of it, then answer "
                             "ENOMEM",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="MADV_DONTNEED of a fully mapped private range either discards it and answers "
               "0, or fails having discarded nothing: an error never comes with the page "
               "gone.")
def qb_dontneed_error(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a private anonymous
    page and calls madvise(MADV_DONTNEED) on it; on success it sets the record up again
    (the page is zero now), on failure it keeps it; then it logs the label cursor - 2
    names.
    2. Let the call discard the page, then answer -ENOMEM.
    3. The program keeps the record it believes intact: it logs bytes 16..23 of the
    secret's copy.
    Why Linux never does this: madvise() answers ENOMEM after discarding only where the
    range has a hole (an unmapped page), and EINVAL (a locked or special area) before
    discarding anything; a one-page range inside one private area has no hole.  The
    Guardian knows the range is fully mapped, but opens the window whatever the answer
    and checks the range is empty only on success."""
    _drop_then_answer(adv, NR_MADVISE, P_DONTNEED_ERROR, _drop_private, -ENOMEM)


@scenario(id="QB-019", title="Swap the page out, then discard its sealed copy inside an "
                             "unaligned madvise() and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-FRESH"),
          program=MEMORY,
          prop="A swapped-out page keeps its bytes through a call Linux refuses: madvise() "
               "at an unaligned start discards nothing, sealed or present.")
def qb_swap_discard_unaligned(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls madvise(object + 64, 4096, MADV_DONTNEED)
    on a two-page area whose second page holds its record (cursor 2), ignores the result
    and logs the label cursor - 2 names.
    2. At the call's entry, swap the record's page out (SWAP_OUT: the Guardian seals it).
    3. At its exit, SWAP_DISCARD that version, clear the swap entry and answer -EINVAL.
    4. The next access maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy.
    Why Linux never does this: as QB-001, the call fails before it looks at a page, so a
    swapped-out page stays in swap and comes back with its bytes.  The Guardian's
    swap_discard.program_asked takes the same window as a present page's discard: the
    unaligned range as passed, whatever the call answers."""
    _record(adv, P_MADV_UNALIGNED)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_MADV_UNALIGNED)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo["record"]
        pa = a.pa_of(va)
        if pa is None:
            return
        if a.guarded:
            status, version, _sealed = a.hvc_data(Call.SWAP_OUT,
                                                  (a.mm.tables.root, va, SWAP_DESC))
            if status:
                return
            a.memo["version"] = version
        else:
            a.mm.tables.set(va, SWAP_DESC)
            a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        a.note(f"the record's page {va:#x} swapped out")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MADVISE, during=P_MADV_UNALIGNED)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo["record"]
        if a.guarded and "version" not in a.memo:
            return                      # the page was never swapped out
        if a.guarded:
            status, _ = a.hvc(Call.SWAP_DISCARD, a.mm.tables.root, va, a.memo["version"])
            a.note(f"SWAP_DISCARD of the record's sealed page: status {status}")
            if status:
                return
        a.mm.tables.set(va, 0)
        a.el1.tlbi_all()
        answer_result(a, -EINVAL)


@scenario(id="QB-020", title="Drop the page after an overlapping mremap(MREMAP_FIXED) target "
                             "and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=MEMORY,
          prop="mremap(MREMAP_FIXED) onto a target that overlaps the old range fails with "
               "EINVAL before the target is unmapped: the target's pages keep their bytes.")
def qb_remap_overlap(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls mremap(area, 8192, 8192, MREMAP_MAYMOVE |
    MREMAP_FIXED, area + 4096) on a three-page area whose third page holds its record
    (cursor 2), and logs the label cursor - 2 names.
    2. While serving the call, drop the third page (inside the target), then answer
    -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: mremap_to() refuses a target overlapping the old range
    (EINVAL) before its do_munmap() of the target.  The Guardian opens the target's window
    (fixed_target) for every MAYMOVE | FIXED call until a page moves, without the checks
    Linux makes first (overlap, alignment, an old range that is mapped) and without
    looking at the answer."""
    _drop_then_answer(adv, NR_MREMAP, P_REMAP_OVERLAP, _drop_private, -EINVAL)


@scenario(id="QB-021", title="Drop the page an mremap() to length 0 'cuts' and answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=MEMORY,
          prop="mremap() to a new length of 0 fails with EINVAL and cuts nothing.")
def qb_remap_zero(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls mremap(record, 4096, 0, 0) on the page that
    holds its record (cursor 2), and logs the label cursor - 2 names.
    2. While serving the call, drop the page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: mremap() answers EINVAL for a new length of 0 ('a zero
    new-len is nonsensical') before it looks at an area.  The Guardian's shrink window is
    [addr + new_len, addr + old_len): with new_len 0 that is the whole area."""
    _drop_then_answer(adv, NR_MREMAP, P_REMAP_ZERO, _drop_private, -EINVAL)


@scenario(id="QB-024", title="Drop a page while serving MADV_PAGEOUT of it",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-SWAP-SEAL"),
          program=MEMORY,
          prop="MADV_PAGEOUT reclaims a page to swap; it comes back with its bytes.")
def qb_drop_in_pageout(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in an anonymous page,
    calls madvise(MADV_PAGEOUT) on it and logs the label cursor - 2 names.
    2. While serving the call, drop the page instead of sealing it for swap; answer what
    the call returned (0).
    3. The next read maps a fresh zero page: the program logs bytes 16..23 of the
    secret's copy."""
    _drop_then_answer(adv, NR_MADVISE, P_PAGEOUT, _drop_private, None)


@scenario(id="QB-026", title="Drop the page after a munmap() with an underflowed length and "
                             "answer EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="munmap() of a range that runs past the end of the address space fails with "
               "EINVAL and unmaps nothing.")
def qb_munmap_huge_length(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) calls munmap(area, end - start) with an end one
    page below the start (a length of 2^64 - 4096) on a two-page area whose second page
    holds its record (cursor 2), and logs the label cursor - 2 names.
    2. While serving the call, drop the second page, then answer -EINVAL.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: do_vmi_munmap() answers EINVAL when len > TASK_SIZE -
    start, before it looks at an area.  The Guardian's munmap window [addr, addr +
    page_up(len)) has no bound: it covers every page above addr, the stack included, for
    as long as the call is in progress, whatever it answers."""
    _drop_then_answer(adv, NR_MUNMAP, P_MUNMAP_LENGTH, _drop_private, -EINVAL)
