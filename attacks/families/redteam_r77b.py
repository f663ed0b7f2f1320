"""Red-team round 77b: the clean private pages of a followed memfd (guardian/clean_pages.py)
across SWAP_OUT / SWAP_IN and MIGRATE_PAGE at the moment the file changes by a way other
than the program's own pwrite64(): ftruncate(), fallocate(PUNCH_HOLE), copy_file_range(),
sendfile(), splice(), pwritev(), a fork or vfork child's pwrite64(), a shared view's store.

The victim is round 76b's `secret_r76_mm` (its steps and markers, see
attacks/families/redteam_r76b.py): P before the step's calls (x3 the private view), P + 2
after them, before the pages are read; page 2 of the view was read (clean) first.

Linux never swaps a clean page cache folio: reclaim drops its entry
(shrink_folio_list() -> try_to_unmap()), the next fault reads the file as it is then
(shmem_fault()); migrate_folio() moves the folio itself, which every later write to the
file reaches.  The hostile kernel swaps the clean page out as the change enters and
swaps its sealed 'x' back in after it, or migrates it and hopes the change misses the
new frame: the program reads the stale page where Linux shows the file's new bytes.

The round's own victim `secret_r77_mm` (markers from 10700, steps 8 apart: P before
the step's calls, x3 the view; P + 4 after its pages are read or stored, before the
file changes, x2 the view; P + 2 after the calls; P + 1 after the label): (-a) a
MADV_MERGEABLE view, pages 1 and 2 read, pwrite64() of 'y'; (-b) the same, pages 1 and
2 stored 'z'; (-c) page 2 read, the memfd closed; (-e) copy_file_range() of page 0 ('w')
to page 2 of the same memfd; (-f) an overlapping one (-EINVAL), pwrite64() of 'y';
(-g) fallocate(ZERO_RANGE) (-EOPNOTSUPP on shmem), pwrite64() of 'y'; (-h) pwrite64() at
page 2 of 2 pages whose second is PROT_NONE (Linux: one page, a short write; the kernel
model and qemu-user: -EFAULT, claim_short_write answers as Linux).

- ZM-001..ZM-009 (secret_r76_mm): page 2 swapped out as the change enters, its sealed
  'x' swapped back in after it: refused or shown the file's page
  (clean_pages.swapped_in), except ZM-009 (-b, a shared view's store: the file's bytes
  are not known, as ZJ-022; page 2 swapped out as the shared view's mmap() enters,
  after the program read it): THROUGH when written, refused since (a sealed clean page
  of a file page whose bytes are not known never comes back by SWAP_IN,
  swap_in.clean_known: Linux never swaps a clean file folio).
- ZM-010..ZM-016, ZM-025: migrated as the change enters (and swapped after): the
  change reaches the new frame (clean_pages.moved): refused.
- ZM-017 (-a): KSM_MERGE of the view's clean pages 1 and 2 (both 'x'; Linux's KSM merges
  anonymous pages only): the merged frame is no file page's clean page any more
  (clean_pages.show_write drops it), pwrite64() of 'y' is not shown: THROUGH (P2).
- ZM-018 (-a): page 2's clean frame mapped read-only at page 1 too: refused (set_pt).
- ZM-019 (-b): the stored copies KSM-merged (honest), the file's 'y' mapped over them:
  refused.
- ZM-020..ZM-023, ZM-030, ZM-031, ZM-035 (-c, -e, -f, -g, -h): forged or stale pages,
  fallocate(ZERO_RANGE) answered 0: refused.
- ZM-024 (secret_r76_mm -f): the fork child's shared clean entry set writable: set_pt
  refuses the writable alias, but has already ended the frame's cleanness
  (set_pt_checks: `clean.written(pa)` before the sharing checks), so the child's
  pwrite64() of 'y' is not shown in the parent's page: THROUGH (P2).
- ZM-026, ZM-027, ZM-029 (-a): page 2 (clean, never stored) made writable at EL0 -- in
  place, on a dropped-and-refaulted copy of 'x', or swapped back in writable -- before
  pwrite64() of 'y': the Guardian takes a writable leaf as the end of cleanness
  (the program's store's copy), though no store happened: THROUGH (P2).
- ZM-032, ZM-033 (secret_r76_mm -m, a PROT_READ view): the same writable entry: refused
  (set_pt: the area's protection), before its cleanness ends.  ZM-034 (secret_r76_mm
  -i): page 2 made writable in place as pwrite64() enters: THROUGH (P2), as ZM-026.
- ZM-028 (-a): page 2's clean frame mapped writable at page 1 (refused as an alias,
  its cleanness ended all the same): THROUGH (P2).
- Honest (tests/test_redteam_r77b_claims.py): each step's Linux page let through; two
  stored copies KSM-merged; the closed memfd's clean page dropped and refaulted; the
  clean page swapped or migrated across the change (label 0).  False refusal (xfail):
  a clean page a fork child shares migrated (migrate_pages() moves a folio every mm
  maps; MIGRATE_PAGE refuses, smm.page_alone); the clean page reclaimed by SWAP_OUT as
  fallocate(PUNCH_HOLE) or copy_file_range() enters, then refaulted by the kernel
  model as a new page (claim_reclaimed_across; set_pt.sealed_slot refuses it).
Through with the Guardian on when written, refused since: ZM-017 (ksm.clean_file: KSM
never merges a clean file page), ZM-024, ZM-026, ZM-028, ZM-034 (set_pt.clean_writable:
no leaf writable at EL0 maps a clean page's own frame; only a leaf the Guardian accepts
ends a page's cleanness; the kernel model's write fault on a private file page copies
it, wp_page_copy(), as Linux's), ZM-027, ZM-029 (since round 78b's fixes:
set_pt.cut_writable, swap_in.clean_writable -- a writable refault or swap-in of a
dropped clean page only while a write fault at it, ESR.WnR, or a call that may write
user memory there is in flight, do_cow_fault()), ZM-009 (swap_in.clean_known).  The
false refusals are answered since: a clean page a fork
child shares migrates in every tree (MIGRATE_PAGE), and a clean page SWAP_OUT sealed
may refault as a new page of the file's bytes (set_pt.cut_refault judges it).

qemu-aarch64-static: secret_r77_mm -abcefgh label 0 (fallocate(ZERO_RANGE) -EOPNOTSUPP;
the short pwrite64() -EFAULT: qemu-user checks the whole buffer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r76b as r76
from attacks.families.redteam_r66b import migrate
from attacks.families.redteam_r70b import copy_read_faults
from attacks.families.redteam_r75b import fill_after
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.moves import answer
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary
    from kernel_model.process import Thread

RT = "redteam_r77b"
VICTIM = r76.VICTIM
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
NR_FTRUNCATE, NR_FALLOCATE, NR_SENDFILE, NR_SPLICE = 46, 47, 71, 76
NR_PWRITEV, NR_PWRITE64, NR_COPYFR, NR_CLONE = 70, 68, 285, 220
NR_WAIT4, NR_MMAP = 260, 222




#: the scenarios whose kernel keeps a stale private page by copying at the read fault
#: where Linux (and the kernel model) maps the memfd's folio
COPY_READS = ("ZM-009", "ZM-010", "ZM-011", "ZM-012", "ZM-013", "ZM-014", "ZM-015",
              "ZM-016", "ZM-024", "ZM-025", "ZM-026", "ZM-032", "ZM-034")


def _zm(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        silent: str = "", mprotect: Expect = Expect.REFUSED):
    register = explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM,
        prop=prop, gap=gap, args=args, silent=silent, mprotect=mprotect))
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


def _note_view(adv: Adversary, phase: int) -> None:
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["view"] = args[1] if len(args) > 1 else 0


def _page2_out(a: Adversary, noted: bool = False) -> None:
    """Page 2 of the noted view swapped out, its sealed blob kept in the memo."""
    va = a.memo.get("view", 0) + 2 * PAGE
    blob = swap_out(a, va)
    if blob is None:
        a.refused(f"SWAP_OUT of {va:#x}")
        return
    a.memo["blob"] = blob
    if noted:
        a.note(f"page {va:#x} swapped out")


def _page2_back(a: Adversary, **_: object) -> None:
    """The kept blob swapped back in at page 2 of the noted view (where one was kept)."""
    if "blob" not in a.memo:
        return
    va = a.memo["view"] + 2 * PAGE
    if swap_in(a, va, a.memo.pop("blob")):
        a.note(f"page {va:#x} swapped back in")
    else:
        a.refused(f"SWAP_IN of {va:#x}")


def swap_across(phase: int, nr: int, init_only: bool = True):  # type: ignore[no-untyped-def]
    """1. The step's first marker: its view noted.  2. As the first call `nr` enters
    (in the program, or a child where init_only is False), page 2 of the program's view
    (clean, 'x') swapped out.  3. At the marker after the calls, the sealed blob swapped
    back in: the stale 'x' unless the Guardian shows the file's page as it is then."""
    def steps(adv: Adversary) -> None:
        _note_view(adv, phase)

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=init_only)
        def _(a: Adversary, **_: object) -> None:
            if "blob" in a.memo or "out" in a.memo:
                return
            a.memo["out"] = True
            _page2_out(a, noted=True)

        adv.on(Point.MARKER, phase=phase + 2)(_page2_back)  # type: ignore[arg-type]
    return steps


def migrate_across(phase: int, nr: int, init_only: bool = True):  # type: ignore[no-untyped-def]
    """1. The step's first marker: its view noted.  2. As the first call `nr` enters,
    page 2 (clean, 'x') migrated to a new frame: the change must still reach it."""
    def steps(adv: Adversary) -> None:
        _note_view(adv, phase)

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=init_only)
        def _(a: Adversary, **_: object) -> None:
            if "moved" in a.memo:
                return
            a.memo["moved"] = True
            va = a.memo.get("view", 0) + 2 * PAGE
            if not migrate(a, va):
                a.refused(f"MIGRATE_PAGE of {va:#x}")
    return steps


def migrate_then_swap(phase: int, nr: int):  # type: ignore[no-untyped-def]
    """Migrated as the call `nr` enters, then swapped out and back in after it."""
    def steps(adv: Adversary) -> None:
        migrate_across(phase, nr)(adv)

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            if "out" in a.memo:
                return
            a.memo["out"] = True
            _page2_out(a)

        adv.on(Point.MARKER, phase=phase + 2)(_page2_back)  # type: ignore[arg-type]
    return steps


DROP = ("Reclaim never swaps a clean page cache folio: it drops the entry "
        "(shrink_folio_list() -> try_to_unmap()) and the refault reads the file as it is "
        "then (shmem_fault()): ")
MOVE = "migrate_folio() moves the page cache folio itself, which the change reaches: "
L = r76.LETTER
X, F = ord("x"), 0x51

#: (id, phase, the call, init_only, what changes the file, what Linux shows)
SWAPS = (
    ("ZM-001", r76.P_TRUNC, NR_FTRUNCATE, True, "ftruncate() to 2 pages and back to 3",
     "zeros (shmem_setattr() -> truncate_pagecache())"),
    ("ZM-002", r76.P_PUNCH, NR_FALLOCATE, True, "fallocate(PUNCH_HOLE) of page 2",
     "zeros (shmem_fallocate() -> shmem_truncate_range())"),
    ("ZM-003", r76.P_COPYFR, NR_COPYFR, True, "copy_file_range() of 'y' into page 2",
     "'y' (splice into shmem_file_write_iter())"),
    ("ZM-004", r76.P_SENDF, NR_SENDFILE, True, "sendfile() of 'y' into page 2",
     "'y' (do_splice_direct())"),
    ("ZM-005", r76.P_SPLICE, NR_SPLICE, True, "splice() of 'y' from a pipe into page 2",
     "'y' (iter_file_splice_write())"),
    ("ZM-006", r76.P_PWRITEV, NR_PWRITEV, True, "pwritev() of 'y' at page 2",
     "'y' (shmem_file_write_iter())"),
    ("ZM-007", r76.P_FORKW, NR_PWRITE64, False, "a fork child's pwrite64() of 'y'",
     "'y' (the child writes the same folio)"),
    ("ZM-008", r76.P_VFORKW, NR_PWRITE64, False, "a vfork child's pwrite64() of 'y'",
     "'y' (the child writes the same folio)"),
    ("ZM-009", r76.P_SHSTORE, NR_MMAP, True, "a MAP_SHARED view's store of 'y' (its "
     "mmap() after page 2 is read)", "'y' (the shared view maps the folio)"),
)
MIGRATES = (
    ("ZM-010", r76.P_PUNCH, NR_FALLOCATE, True, "fallocate(PUNCH_HOLE) of page 2", "zeros"),
    ("ZM-011", r76.P_COPYFR, NR_COPYFR, True, "copy_file_range() of 'y' into page 2", "'y'"),
    ("ZM-012", r76.P_SENDF, NR_SENDFILE, True, "sendfile() of 'y' into page 2", "'y'"),
    ("ZM-013", r76.P_SPLICE, NR_SPLICE, True, "splice() of 'y' into page 2", "'y'"),
    ("ZM-014", r76.P_FORKW, NR_PWRITE64, False, "a fork child's pwrite64() of 'y'", "'y'"),
)
BOTH = (
    ("ZM-015", r76.P_COPYFR, NR_COPYFR, "copy_file_range() of 'y' into page 2", "'y'"),
    ("ZM-016", r76.P_PUNCH, NR_FALLOCATE, "fallocate(PUNCH_HOLE) of page 2", "zeros"),
)


GAPS: dict[str, str] = {}

for sid, phase, nr, init_only, change, linux in SWAPS:
    _zm(sid, f"({L[phase].decode()}) Page 2 read, swapped out as {change} enters, the sealed "
        "'x' swapped back in after it", DROP + linux + ".", (L[phase],), gap=GAPS.get(sid, ""),
        # (the predecessor design judges no file page after pwritev(), as ZJ-015)
        mprotect=Expect.SUCCEEDS if phase == r76.P_PWRITEV else Expect.REFUSED)(
        swap_across(phase, nr, init_only))
for sid, phase, nr, init_only, change, linux in MIGRATES:
    _zm(sid, f"({L[phase].decode()}) Page 2 read, migrated as {change} enters: the change "
        "misses the new frame", MOVE + linux + ".", (L[phase],), gap=GAPS.get(sid, ""))(
        migrate_across(phase, nr, init_only))
for sid, phase, nr, change, linux in BOTH:
    _zm(sid, f"({L[phase].decode()}) Page 2 read, migrated as {change} enters, then swapped "
        "out and back in: the sealed 'x'", MOVE + DROP + linux + ".", (L[phase],),
        gap=GAPS.get(sid, ""))(migrate_then_swap(phase, nr))


# --- the round's own victim, secret_r77_mm (markers from 10700: P before the step's
# calls, x3 the private view; P + 4 after its pages are read or stored, before the
# file changes, x2 the view; P + 2 after the calls, x2 the view) ---------------------

VICTIM77 = "secret_r77_mm"
P_KSMREAD, P_KSMCOPY, P_CLOSED, P_COPYSELF, P_COPYOVER = 10700, 10708, 10716, 10724, 10732
P_ZERORANGE, P_SHORTW = 10740, 10748
P_FIRST, P_LAST = 10700, 10748
LETTER77 = {P_KSMREAD: b"-a", P_KSMCOPY: b"-b", P_CLOSED: b"-c", P_COPYSELF: b"-e",
            P_COPYOVER: b"-f", P_ZERORANGE: b"-g",
            P_SHORTW: b"-h"}
#: the bytes Linux shows at page 2 after each step's calls
LINUX77 = {P_KSMREAD: "y", P_KSMCOPY: "z", P_CLOSED: "x", P_COPYSELF: "w", P_COPYOVER: "y",
           P_ZERORANGE: "y", P_SHORTW: "y"}
ALL_ARGS77 = b"-abcefgh"


def _zm77(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
          silent: str = ""):
    register = explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM77,
        prop=prop, gap=gap, args=args, silent=silent))
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


def ksm_at(phase: int, va_a: int, va_b: int):  # type: ignore[no-untyped-def]
    """At the step's marker P + 4 (x2: the view), KSM_MERGE of the view's pages `va_a`
    and `va_b` (page numbers)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            at = args[0] if args else 0
            a.memo["at"] = at
            mm = a.init.mm
            keep, dup = at + va_a * PAGE, at + va_b * PAGE
            pa_a, pa_b = a.pa_of(keep, mm.tables.root), a.pa_of(dup, mm.tables.root)
            if pa_a is None or pa_b is None:
                a.note("no pages to merge")
                return
            ksm = mm.ctx.memory.ksm
            if ksm.merge_pair((mm, keep, pa_a), (mm, dup, pa_b)):
                a.note(f"pages {va_a} and {va_b} merged")
            else:
                a.refused(f"KSM merge of pages {va_a} and {va_b}")
    return steps


def alias_at(phase: int, src: int, dst: int, writable: bool = False):  # type: ignore[no-untyped-def]
    """At the step's marker P + 4, the frame of the view's page `src` mapped at page
    `dst` too (read-only, as a read fault's entry, or `writable` at EL0), in place of
    `dst`'s own frame."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            at = args[0] if args else 0
            mm = a.init.mm
            pa = mm.tables.lookup(at + src * PAGE) & D.ADDR_MASK
            desc = mm.tables.lookup(at + dst * PAGE)
            try:
                mm.zap(at + dst * PAGE, at + (dst + 1) * PAGE)
                bits = desc & ~(D.ADDR_MASK | D.AP_RO) if writable else desc & ~D.ADDR_MASK
                mm.tables.set(at + dst * PAGE, bits | pa)
                a.el1.tlbi_all()
                a.note(f"page {src}'s frame {pa:#x} mapped at page {dst} too")
            except Exception as exc:
                a.refused(f"the alias at page {dst}: {exc!r}")
    return steps


def child_writable(phase: int):  # type: ignore[no-untyped-def]
    """(round 76b's -f) As the fork child's pwrite64() enters, the child's entry for
    page 2 (the frame it shares with the parent, the file's clean page) made writable
    at EL0."""
    def steps(adv: Adversary) -> None:
        _note_view(adv, phase)

        @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=phase, init_only=False)
        def _(a: Adversary, thread: Thread | None = None, **_: object) -> None:
            proc = thread.process if thread is not None else None
            va = a.memo.get("view", 0) + 2 * PAGE
            if proc is None or proc is a.init or "made" in a.memo:
                return
            a.memo["made"] = True
            desc = proc.mm.tables.lookup(va)
            try:
                proc.mm.tables.set(va, desc & ~D.AP_RO)
                a.el1.tlbi_all()
                a.note(f"the child's page 2 at {va:#x} made writable")
            except Exception as exc:
                a.refused(f"the child's writable entry at {va:#x}: {exc!r}")
    return steps


_zm77("ZM-017", "(-a) Pages 1 and 2 of a MADV_MERGEABLE private view read (the file's clean "
      "pages): KSM_MERGE them, then pwrite64() of 'y' at page 2 misses the merged frame",
      "KSM merges anonymous pages only (scan_get_next_rmap_item() skips a page that is not "
      "folio_test_anon()): pages 1 and 2 stay the file's page cache folios, page 2 reads "
      "'y'.", (LETTER77[P_KSMREAD],), gap=GAPS.get("ZM-017", ""))(ksm_at(P_KSMREAD, 1, 2))
_zm77("ZM-018", "(-a) Page 2's clean frame mapped at page 1 too (both 'x'), then pwrite64() "
      "of 'y' at page 2 misses it", "Each entry of a private view maps its own file page's "
      "folio (linear_page_index()): page 2 reads 'y'.", (LETTER77[P_KSMREAD],),
      gap=GAPS.get("ZM-018", ""))(alias_at(P_KSMREAD, 2, 1))
def merge_then_fill(adv: Adversary) -> None:
    """(-b) The stored copies of pages 1 and 2 merged at P + 4; after the calls, a page
    of the file's 'y' mapped at page 2 over the merged copy."""
    ksm_at(P_KSMCOPY, 1, 2)(adv)
    fill_after(adv, P_KSMCOPY, 2, ord("y"))


def _fill77(phase: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """At the step's marker after its calls, a page of `byte`s at page 2."""
        fill_after(adv, phase, 2, byte)
    return steps


_zm77("ZM-019", "(-b) Pages 1 and 2 stored 'z' (anonymous copies), KSM-merged, then map the "
      "file's 'y' at page 2", "The merged page is the program's anonymous copy (a KSM page, "
      "write-protected): pwrite64() does not reach it, page 2 reads 'z'.",
      (LETTER77[P_KSMCOPY],))(merge_then_fill)
_zm77("ZM-020", "(-c) Page 2 read, the memfd's last descriptor closed: map a page of forged "
      "bytes at page 2", "The view holds the file (vma->vm_file): a refault reads the file's "
      "'x' (shmem_fault()).", (LETTER77[P_CLOSED],), gap=GAPS.get("ZM-020", ""))(
      _fill77(P_CLOSED, F))
_zm77("ZM-021", "(-e) copy_file_range() of page 0 ('w') to page 2 of the same memfd: keep the "
      "stale 'x' at page 2", "generic_copy_file_range() -> splice into "
      "shmem_file_write_iter(): the folio of page 2 reads 'w'.", (LETTER77[P_COPYSELF],),
      gap=GAPS.get("ZM-021", ""))(_fill77(P_COPYSELF, X))
_zm77("ZM-022", "(-e) copy_file_range() inside the memfd: map a page of forged bytes at page 2",
      "Page 2 reads 'w'.", (LETTER77[P_COPYSELF],), gap=GAPS.get("ZM-022", ""))(
      _fill77(P_COPYSELF, F))
_zm77("ZM-023", "(-f) An overlapping copy_file_range() inside the memfd (-EINVAL), pwrite64() "
      "of 'y': keep the stale 'x' at page 2", "generic_copy_file_checks() refuses an "
      "overlapping range of one file (-EINVAL), nothing copied; pwrite64() reaches the folio: "
      "'y'.", (LETTER77[P_COPYOVER],), gap=GAPS.get("ZM-023", ""))(_fill77(P_COPYOVER, X))
_zm("ZM-024", "(round 76b's -f) The fork child's entry of page 2 (the frame it shares with "
    "the parent, the file's clean page) made writable before its pwrite64() of 'y'",
    "copy_present_pte() maps the folio read-only in both (a private view's entry is never "
    "writable before a write fault copies it, do_wp_page()): the parent's page 2 reads 'y'.",
    (L[r76.P_FORKW],), gap=GAPS.get("ZM-024", ""))(child_writable(r76.P_FORKW))
_zm("ZM-025", "(round 76b's -x) Two private views, page 2 read in both: the first view's page "
    "2 migrated as pwrite64() of 'y' enters", MOVE + "both views read 'y'.",
    (L[r76.P_TWOVIEWS],), gap=GAPS.get("ZM-025", ""))(migrate_across(r76.P_TWOVIEWS,
                                                                        NR_PWRITE64))


def writable_at(phase: int, copy: bool):  # type: ignore[no-untyped-def]
    """At the step's marker P + 4 (the pages read, no store), page 2's entry made
    writable at EL0: in place (`copy` False), or dropped and refaulted writable on a new
    frame of the file's bytes as they are then, 'x' (`copy` True), as a write fault does."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            mm = a.init.mm
            desc = mm.tables.lookup(va)
            try:
                if copy:
                    content = bytes([X]) * PAGE      # (the file's bytes, which it wrote)
                    mm.zap(va, va + PAGE)
                    frame = a.alloc_frame()
                    a.write_lm(frame, content)
                    mm.tables.set(va, (desc & ~(D.ADDR_MASK | D.AP_RO)) | frame)
                else:
                    mm.tables.set(va, desc & ~D.AP_RO)
                a.el1.tlbi_all()
                a.note(f"page 2 at {va:#x} made writable ({'a copy' if copy else 'in place'})")
            except Exception as exc:
                a.refused(f"the writable entry at {va:#x}: {exc!r}")
    return steps


_zm77("ZM-026", "(-a) Page 2 read (clean, no store): its entry made writable in place before "
      "pwrite64() of 'y'", "Only a write fault makes a private view's entry writable, and "
      "it copies first (do_wp_page() -> wp_page_copy()); with no store page 2 stays the "
      "page cache folio: 'y'.", (LETTER77[P_KSMREAD],), gap=GAPS.get("ZM-026", ""))(
      writable_at(P_KSMREAD, False))
_zm77("ZM-027", "(-a) Page 2 read (clean, no store): dropped and refaulted writable on a copy "
      "of 'x' before pwrite64() of 'y'", "A read refault maps the folio read-only "
      "(do_read_fault()); a copy is made only by a store's write fault, and there is none: "
      "'y'.", (LETTER77[P_KSMREAD],), gap=GAPS.get("ZM-027", ""))(
      writable_at(P_KSMREAD, True))


def swap_writable(phase: int):  # type: ignore[no-untyped-def]
    """At the step's marker P + 4, page 2 (clean, no store) swapped out and at once
    back in with an entry writable at EL0."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            blob = swap_out(a, va)
            if blob is None:
                a.refused(f"SWAP_OUT of {va:#x}")
                return
            a.memo["desc"][va] &= ~D.AP_RO
            if swap_in(a, va, blob):
                a.note(f"page {va:#x} swapped back in writable")
            else:
                a.refused(f"SWAP_IN of {va:#x}")
    return steps


_zm77("ZM-028", "(-a) Page 2's clean frame mapped writable at page 1 too (refused: an alias), "
      "then pwrite64() of 'y' at page 2", "Each entry maps its own file page's folio, "
      "read-only until a store copies it: page 2 reads 'y'.", (LETTER77[P_KSMREAD],),
      gap=GAPS.get("ZM-028", ""))(alias_at(P_KSMREAD, 2, 1, writable=True))
_zm77("ZM-029", "(-a) Page 2 read (clean, no store): swapped out and back in with a writable "
      "entry before pwrite64() of 'y'", DROP + "a read refault maps the folio read-only "
      "(do_read_fault()), and pwrite64() reaches it: 'y'.", (LETTER77[P_KSMREAD],),
      gap=GAPS.get("ZM-029", ""))(swap_writable(P_KSMREAD))


def forged_zero_range(adv: Adversary) -> None:
    """(-g) fallocate(ZERO_RANGE) answered 0 (the range 'zeroed', not done), then, after
    pwrite64() of 'y', a page of forged bytes mapped at page 2."""
    answer(adv, NR_FALLOCATE, P_ZERORANGE + 4, 0)    # (after the marker P + 4)
    fill_after(adv, P_ZERORANGE, 2, F)


_zm77("ZM-030", "(-g) fallocate(ZERO_RANGE) of page 2 (-EOPNOTSUPP), pwrite64() of 'y': keep "
      "the stale 'x' at page 2", "shmem_fallocate() refuses every mode but KEEP_SIZE and "
      "PUNCH_HOLE (-EOPNOTSUPP), nothing changes; pwrite64() reaches the folio: 'y'.",
      (LETTER77[P_ZERORANGE],), gap=GAPS.get("ZM-030", ""))(_fill77(P_ZERORANGE, X))
_zm77("ZM-031", "(-g) fallocate(ZERO_RANGE) answered 0, then a page of forged bytes mapped at "
      "page 2 after pwrite64() of 'y'", "shmem_fallocate() answers -EOPNOTSUPP for "
      "FALLOC_FL_ZERO_RANGE; page 2 is the file's 'y'.", (LETTER77[P_ZERORANGE],),
      gap=GAPS.get("ZM-031", ""))(forged_zero_range)


def claim_reclaimed_across(phase: int, nr: int):  # type: ignore[no-untyped-def]
    """Reclaim as the call `nr` enters: page 2 (clean, 'x') swapped out (SWAP_OUT, as the
    kernel model's reclaim does) and left to the kernel model's own fault after the
    change.  Linux drops the clean entry instead (shrink_folio_list()); either way the
    next access reads the file's page as it is then."""
    def steps(adv: Adversary) -> None:
        _note_view(adv, phase)

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("view", 0) + 2 * PAGE
            if swap_out(a, va) is None:
                a.refused(f"SWAP_OUT of {va:#x}")
            else:
                a.note(f"page {va:#x} reclaimed")
    return steps


def writable_at_write(phase: int, copy: bool):  # type: ignore[no-untyped-def]
    """(round 76b's steps) As the program's pwrite64() enters (page 2 read, no store),
    page 2's entry made writable at EL0, in place or on a new frame of 'x'."""
    def steps(adv: Adversary) -> None:
        _note_view(adv, phase)

        @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=phase)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("view", 0) + 2 * PAGE
            mm = a.init.mm
            desc = mm.tables.lookup(va)
            try:
                if copy:
                    mm.zap(va, va + PAGE)
                    frame = a.alloc_frame()
                    a.write_lm(frame, bytes([X]) * PAGE)
                    mm.tables.set(va, (desc & ~(D.ADDR_MASK | D.AP_RO)) | frame)
                else:
                    mm.tables.set(va, desc & ~D.AP_RO)
                a.el1.tlbi_all()
                a.note(f"page 2 at {va:#x} made writable")
            except Exception as exc:
                a.refused(f"the writable entry at {va:#x}: {exc!r}")
    return steps


_zm("ZM-032", "(round 76b's -m) A PROT_READ view's page 2 read and mlock()ed: its entry made "
    "writable in place as pwrite64() of 'y' enters", "A PROT_READ area's entries are never "
    "writable (vm_get_page_prot()); page 2 is the page cache folio: 'y'.",
    (L[r76.P_ROLOCKW],), gap=GAPS.get("ZM-032", ""))(writable_at_write(r76.P_ROLOCKW, False))
_zm("ZM-033", "(round 76b's -m) A PROT_READ view's page 2 read and mlock()ed: dropped and "
    "refaulted writable on a copy of 'x' as pwrite64() of 'y' enters",
    "An mlocked page is not reclaimed and a PROT_READ area never write-faults: 'y'.",
    (L[r76.P_ROLOCKW],), gap=GAPS.get("ZM-033", ""))(writable_at_write(r76.P_ROLOCKW, True))
_zm("ZM-034", "(round 76b's -i) Page 2 read, a failed mremap(): page 2 made writable in place "
    "as pwrite64() of 'y' enters", "Only the program's store write-faults, copying "
    "(wp_page_copy()); there is none: 'y'.", (L[r76.P_BADREMAP],),
    gap=GAPS.get("ZM-034", ""))(writable_at_write(r76.P_BADREMAP, False))
def claim_short_write(adv: Adversary) -> None:
    """(-h) Linux's answer to the pwrite64() whose buffer's second page is PROT_NONE: one
    page (generic_perform_write() returns what it wrote before the fault); the kernel
    model (not Linux), like qemu-user, answers -EFAULT."""
    answer(adv, NR_PWRITE64, P_SHORTW + 4, PAGE)     # (after the marker P + 4)


def short_then_stale(adv: Adversary) -> None:
    """(-h) The short write answered as Linux does (one page), then the stale 'x' kept
    at page 2."""
    claim_short_write(adv)
    fill_after(adv, P_SHORTW, 2, X)


_zm77("ZM-035", "(-h) A short pwrite64() (its buffer's second page PROT_NONE, one page "
      "written at page 2): keep the stale 'x' at page 2", "generic_perform_write() copies "
      "the first page into the folio and stops at the fault, answering one page: 'y'.",
      (LETTER77[P_SHORTW],), gap=GAPS.get("ZM-035", ""))(short_then_stale)
