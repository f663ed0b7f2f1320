"""KSM: merge identical private pages into one read-only frame (copy-on-write breaks them).

Like ksmd, the scanner walks a batch of resident private anonymous pages each
time it runs (every few page faults), round-robin over every address space, in the
areas the program opted in only: those its madvise(MADV_MERGEABLE) marked, or all of
them once its prctl(PR_SET_MEMORY_MERGE) asked (mm/ksm.c; elsewhere pages are never
compared).
Only a page whose digest did not change since the scanner's previous visit is
a candidate (pages being written are left alone).  Its digest is looked up first among pages already merged (the stable
set), then among pages seen this round (the unstable set); a match is merged
after a full byte comparison.  For an ordinary process the kernel hashes and
compares through its linear map.  For a confidential one it cannot read the
page: the Guardian returns digests keyed by the domain's key (PAGE_DIGEST, one call
per run of consecutive pages) and compares and remaps itself (KSM_MERGE), only
within one protection domain.  Merged entries are read-only with the kernel's CoW mark, so the
first write copies the page back out (the existing CoW fault path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import descriptors as D
from kernel_model.memops import GuardianMemOps, MemOpRefused, MemOps, ops_for

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace
    from kernel_model.reclaim import MemoryManager

PAGES_PER_SCAN = 64
DIGEST_RUN = 64            # pages one PAGE_DIGEST call digests at most
PAGE = 4096
SW_COW = 1
_Entry = tuple["AddressSpace", int, int]      # (address space, va, frame)


class KsmScanner:
    def __init__(self, mem: MemoryManager) -> None:
        self.mem = mem
        self.stable: dict[int, _Entry] = {}
        self.unstable: dict[int, _Entry] = {}
        self._checksum: dict[tuple[int, int], int] = {}   # digest at the previous visit
        self._space = 0          # index into mem.spaces
        self._va = 0             # next va to look at in that space

    def _next_batch(self) -> list[tuple[AddressSpace, int, int]]:
        """Up to PAGES_PER_SCAN (mm, va, desc) present pages after the cursor.

        A batch never wraps past the end of a round, so no page is visited twice
        in one scan (its digest must survive until the next round).
        """
        from kernel_model.reclaim import ksm_eligible
        spaces = self.mem.spaces
        out: list[tuple[AddressSpace, int, int]] = []
        if self._space >= len(spaces):
            self._space, self._va = 0, 0
            self.unstable.clear()                # a new round
        while len(out) < PAGES_PER_SCAN and self._space < len(spaces):
            mm = spaces[self._space]
            # Only the areas the program opted in are walked (ksmd's scan list holds only
            # those): a space that offered none costs one pass over its area list.
            areas = [] if mm.busy else [v for v in mm.vmas if v.end > self._va
                                        and ksm_eligible(v, mm.merge_any)]
            for vma in areas:
                for va, desc in mm.tables.leaves(max(self._va, vma.start), vma.end):
                    out.append((mm, va, desc))
                    self._va = va + 4096
                    if len(out) >= PAGES_PER_SCAN:
                        return out
                self._va = max(self._va, vma.end)
            self._space += 1
            self._va = 0
        return out

    def scan(self) -> None:
        refcount = self.mem.frames.refcount
        checksum = self._checksum
        scanned = 0
        addr = D.ADDR_MASK
        guarded = self.mem.guardian_on
        ops_mm: AddressSpace | None = None      # whose mechanisms `ops` are
        ops: MemOps | None = None
        pages: list[tuple[AddressSpace, int, int, MemOps]] = []
        for mm, va, desc in self._next_batch():
            if not mm.alive or mm.tables.block_at(va):
                continue
            pa = desc & addr
            if refcount(pa) != 1:
                continue                        # already shared (CoW or merged)
            if mm is not ops_mm or (guarded and mm.confidential is None):
                # Without the Guardian, or once an address space is known to be
                # confidential or not, every page of it gets the same answer.
                ops = ops_for(mm, pa)
                ops_mm = mm
            assert ops is not None
            pages.append((mm, va, pa, ops))
        try:
            # Digests first (a run of a confidential space's pages is one call), then the
            # matches: a merge changes no page's bytes, only which frames are shared.
            for (mm, va, pa, ops), digest in zip(pages, self._digests(pages), strict=True):
                if digest is None or refcount(pa) != 1:
                    continue                    # refused, or shared by a merge just made
                scanned += 1
                key = (mm.serial, va)
                if checksum.get(key) != digest:
                    checksum[key] = digest          # changed since the last visit: not yet
                    continue
                self._match(mm, va, pa, ops, digest)
        finally:
            if scanned:                             # counted once per batch
                self.mem.stats.inc("kernel.ksm.scanned", scanned)

    @staticmethod
    def _digests(pages: list[tuple[AddressSpace, int, int, MemOps]]) -> list[int | None]:
        """Each page's digest (None: the mechanism refused it), in order."""
        out: list[int | None] = []
        i, total = 0, len(pages)
        while i < total:
            mm, va, pa, ops = pages[i]
            if isinstance(ops, GuardianMemOps):
                # The run of consecutive pages of this space that starts here.
                j = i + 1
                while j < total and j - i < DIGEST_RUN and pages[j][0] is mm \
                        and pages[j][1] == va + (j - i) * PAGE:
                    j += 1
                want = j - i
                if want > 1:
                    try:
                        got = ops.digest_run(mm, va, want)
                    except MemOpRefused:
                        got = []
                    out += got
                    i += len(got)
                    if len(got) < want:
                        out.append(None)            # the page that ended the run: refused
                        i += 1
                    continue
            try:
                out.append(ops.digest(mm, va, pa))
            except MemOpRefused:
                out.append(None)
            i += 1
        return out

    def _match(self, mm: AddressSpace, va: int, pa: int, ops: MemOps, digest: int) -> None:
        """A page unchanged since the last visit: merge it with an identical one, or
        remember it for the rest of the round."""
        conf = isinstance(ops, GuardianMemOps)
        for table in (self.stable, self.unstable):
            cand = table.get(digest)
            if cand is None or not self._still_mapped(cand) or cand[2] == pa:
                continue
            if isinstance(ops_for(cand[0], cand[2]), GuardianMemOps) != conf:
                continue
            if self._merge(cand, (mm, va, pa)):
                if table is self.unstable:
                    del self.unstable[digest]
                    self.stable[digest] = cand
                break
        else:
            self.unstable[digest] = (mm, va, pa)

    def merge_pair(self, keep: _Entry, dup: _Entry) -> bool:
        """Merge two pages now, as a scan that found them equal does: dup's entry moves
        onto keep's frame, read-only with the CoW mark in both (False: not merged)."""
        return self._merge(keep, dup)

    @staticmethod
    def _still_mapped(e: _Entry) -> bool:
        mm, va, pa = e
        if not mm.alive:
            return False
        desc = mm.tables.lookup(va)
        return bool(desc & D.VALID) and desc & D.ADDR_MASK == pa

    def _merge(self, keep: _Entry, dup: _Entry) -> bool:
        mem = self.mem
        mm_a, va_a, pa_a = keep
        mm_b, va_b, pa_b = dup
        desc_a, desc_b = mm_a.tables.lookup(va_a), mm_b.tables.lookup(va_b)
        try:
            ok = ops_for(mm_b, pa_b).merge((mm_a, va_a, desc_a), (mm_b, va_b, desc_b), SW_COW)
        except MemOpRefused:
            return False
        if not ok:
            return False
        mem.frames.get(pa_a)
        mem.frames.put(pa_b)
        mem.stats.inc("kernel.ksm.merged")
        return True
