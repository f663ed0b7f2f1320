"""Red-team round 80b: the page cache folio a private view maps (round 79b's second look:
kernel_model/page_faults.py `_clean_folio`, guardian/folio_alias.py `folio_places`,
`kept_folio`, set_pt.one_folio, swap_in.clean_known, return.memfd_mapped) against round
76b's victim `secret_r76_mm` (its steps and markers: attacks/families/redteam_r76b.py),
round 79b's `secret_r79_mm` (locked views) and this round's `secret_r80_mm` (built on
the kits: a shared view's store on the folio a private view maps, then pread64()).

Linux: a private view's read fault of a memfd page maps the page cache folio itself,
read-only (do_read_fault() -> __do_fault() -> shmem_fault() -> finish_fault()); the same
folio is what a MAP_SHARED view of the page maps (shmem_fault()), what a fork child's
entry names (copy_present_pte()), what migration moves as one (migrate_pages() ->
try_to_migrate() replaces EVERY mapping of the folio through the rmap walk,
remove_migration_ptes() maps all of them on the new folio), and what reclaim drops
rather than swaps (shrink_folio_list() -> try_to_unmap() of every mapping; a clean
shmem folio is written to swap only as a whole, each mapping's entry becoming the same
swap entry through the page cache, never one private mapping's own copy).  So a clean
private entry of a memfd page never names a frame other than the page cache folio, and
no event leaves one mapping of the folio on another frame than the rest.

Each attack below makes one mapping of the folio part ways with the others (a private
copy of the same bytes, a migration of one entry only, a swap of one entry only) just
before the file changes by another mapping or call, so that the program's private view
keeps the stale 'x' and the step indexes its log buffer at -4, writing the secret's bytes
to /dev/null.

ZU ids, the step (round 76b's letter), the kernel's event and the call in flight:

- ZU-001 (-b): as the MAP_SHARED mmap() enters, the private page 2 (the clean folio)
  migrated ALONE (MIGRATE_PAGE of the private entry); the shared view's fault maps the
  old folio and its store of 'y' misses the private copy.  Linux: migration moves the
  folio with all its mappings (try_to_migrate(), remove_migration_ptes()): 'y'.
- ZU-002 (-b): as the shared mmap() enters, the private page 2 dropped and refaulted
  read-only on a fresh COPY of 'x' (the file's bytes then); the shared fault maps the
  page cache folio elsewhere.  Linux: do_read_fault() maps the folio itself: 'y'.
- ZU-003 (-b): as the shared mmap() returns, the same read-only copy.
- ZU-004 (-b): as the shared mmap() enters, the private page 2 swapped out (SWAP_OUT of
  the one private entry), swapped back in at the marker after the store.  Linux: a clean
  folio is reclaimed by dropping the entry (shrink_folio_list()); the refault maps the
  folio: 'y'.
- ZU-005 (-v): as the fork's clone() enters (the shared view mapped, not touched), the
  parent's private page 2 refaulted read-only on a copy of 'x'; the child inherits the
  copy, its shared store of 'y' reaches the folio only.  Linux: 'y' in both.
- ZU-006 (-n): as the fork's clone() enters (after pwrite64() of 'y'), page 2 migrated
  alone; the child and parent both read the folio.  Linux: 'y'.
- ZU-007 (-c): as fallocate(PUNCH_HOLE) enters, page 2 migrated alone: the hole's zeros
  must reach the migrated frame too (return.memfd_mapped).  Linux: the punch unmaps the
  clean entry (unmap_mapping_range()), the refault reads zeros.
- ZU-008 (-c): as fallocate(PUNCH_HOLE) enters, page 2 swapped out, swapped back in at
  the marker after the call.  Linux: zeros.
- ZU-009 (-e): as the first ftruncate() enters, page 2 swapped out, back in after the
  calls.  Linux: zeros.
- ZU-010 (-A): as the fork child's read() of the pipe enters, the CHILD's page 2
  migrated alone (its own tree); the parent's pwrite64() of 'y' reaches the folio the
  child no longer maps.  Linux: the folio moves with every mapping, the child reads 'y'.
- ZU-011 (-A): as the child's read() enters, the child's page 2 refaulted read-only on a
  copy of 'x' (the file's bytes then).  Linux: the folio itself, 'y'.
- ZU-012 (-x): two private views, page 2 read in both; as pwrite64() of 'y' enters,
  the SECOND view's page 2 refaulted read-only on a copy of 'x'.  Linux: both map the
  folio: 'y'.
- ZU-013 (-x): the same, the second view's page 2 migrated alone.
- ZU-014 (-w): a view at file offset 1 page; as the first pwrite64() (of 'w' at page 1)
  enters, the offset view's page 0 (file page 1) refaulted read-only on a copy of 'x'.
  Linux: linear_page_index() names file page 1's folio: 'w'.
- ZU-015 (-D): a PROT_READ view mapped MAP_POPULATE (read faults: the folio); as
  pwrite64() of 'y' enters page 2 refaulted read-only on a copy of 'x'.  Linux: 'y'.
- ZU-016 (-b): as the shared mmap() enters, page 2 dropped and refaulted read-only on a
  copy, then the copy migrated: the clean copy moves with its record.  Linux: 'y'.

- ZU-017 (-b): after the shared view's store of 'y' (the folio the private view maps
  read-only), the SHARED page 2 swapped out alone (SWAP_OUT of the share page), the
  private view's entry left on the frame (scrubbed by the swap-out, or reused).  Linux:
  reclaim unmaps every mapping of the folio (try_to_unmap()), the private refault reads
  it back (shmem_swapin_folio()): 'y'.
- ZU-018 (-x): two private views, page 2 read in both, pwrite64() of 'y': after it the
  second view's page 2 mapped read-only on the first view's page 1 frame ('x', file
  page 1's folio).  Linux: a read fault maps its own file page's folio
  (linear_page_index()): 'y'.
- ZU-019 (secret_r79_mm -k), ZU-020 (-j), ZU-021 (-h): page 2 of a locked writable
  private view (MAP_LOCKED, mlockall(MCL_CURRENT), an mlock()ed view made writable)
  read, then dropped and refaulted read-only on the file's 'x' as if it were a clean
  page of the file, before pwrite64() of 'y'; ZU-022 (-k): swapped out and back in.
  Linux: the population copied page 2 (populate_vma_page_range() with FOLL_WRITE), an
  mlocked page is never reclaimed (folio_evictable()): 'x'.  `qemu-aarch64-static
  -strace workloads/bin/secret_r79_mm -hjk`: `mlock(0x5500803000,12288) = 0`,
  `mlockall(MCL_CURRENT) = 0`, `mmap(NULL,12288,PROT_READ|PROT_WRITE,MAP_PRIVATE|
  MAP_LOCKED,4,0) = 0x000000550080c000`, each label `write(3,0x492090,8) = 8` (label
  0), "secret: intact".
- ZU-023 (-v): after the fork child's shared store of 'y' and its exit, the parent's
  private page 2 (the folio, now held for the memfd's page 2) swapped out alone and back
  in.  Linux: reclaim keeps the folio in the page cache or swaps it whole; the refault
  maps it: 'y'.  Refused when written (reclaim_page ERR_STATE, reclaim.held: the
  kernel's give-back of the frame is refused; the program reads the sealed 'y' back).
  Unfinished, to look at: the swap-out scrubbed that frame ("frame ... was scrubbed by
  the swap-out"), the frame the child's shared fault took as the memfd's page 2; whether
  the memfd's page 2 still reads 'y' afterwards (a pread64() or a new MAP_SHARED view of
  it) was not checked: no secret_r76_mm step reads the file again after such a swap.
  Settled by ZU-024: that swap-out is refused now (swap_out.folio), before any scrub.
- ZU-024 (secret_r80_mm -a), ZU-025 (-b): this round's victim (built on the kits,
  markers from 11800): page 2 of a MAP_PRIVATE view read (the clean folio), a MAP_SHARED
  view of the memfd stores 'y' at page 2 -- (-a) in a fork child that then exits, (-b)
  in the program, which then munmap()s the shared view -- so the folio's only mapping
  left is the private view's read-only entry; at the marker P + 4 that entry is swapped
  out alone (SWAP_OUT) and at once back in; then pread64() of file page 2.  Linux:
  reclaim never swaps one private mapping of a shmem folio (try_to_unmap() of every
  mapping; the folio stays in the page cache or is swapped whole, shmem_writepage(),
  and read back, shmem_swapin_folio()): pread64() reads 'y'.  THROUGH when written
  (P3): SWAP_OUT takes the frame as the private page alone and scrubs it ("frame ... was
  scrubbed by the swap-out"), though it is also the memfd's page 2 (the share page's
  folio, folio_alias.kept_folio would hold it at its last unmap): the memfd's page
  reads zeros afterwards, the label -4.  Refused since: swap_out.folio
  (guardian/folio_moves.py: SWAP_OUT of a private entry of a memfd page's folio).
  `qemu-aarch64-static -strace
  workloads/bin/secret_r80_mm -ab`: `clone(0x11,...) = 12715`, `pread64(4,4792528,4096,
  8192,0,0) = 4096`, `munmap(0x0000005500806000,12288) = 0`, each label
  `write(3,0x492090,8) = 8` (label 0), "secret: intact".
- ZU-026 (secret_r80_mm -a), ZU-027 (-b): the same shape, the private read-only entry
  (the folio's last mapping) MIGRATED alone (MIGRATE_PAGE) at P + 4.  Linux:
  migrate_folio() moves the folio in the page cache too (folio_migrate_mapping()):
  pread64() reads 'y'.  THROUGH when written (P3): the Guardian moves the private page
  to the new frame but the memfd's page 2 stays the old frame, which it lets go: the
  pread64() reads the memfd's page elsewhere than 'y', label -4.  Refused since:
  migrate.folio_moves (guardian/folio_moves.py: the memfd page's folio record, folio_key,
  follows the moved frame, so pread64() is served 'y' from it; the kernel's later
  give-back of the old frame, which its page cache still names, is refused,
  reclaim.held).

Not registered: as the parent's wait4() enters in -v (the child's shared store pending),
the parent's private page 2 migrated alone: the Guardian follows the move, the child's
shared fault is then refused as a fresh frame beside the clean page (set_pt.one_folio)
in the CHILD's tree only, and the parent reads its 'x' -- the same open end as ZJ-029
(the refusal ends only the child), not resubmitted.  KSM_MERGE of the view's pages is
refused before any folio question (ksm.mergeable: secret_r76_mm never madvises
MADV_MERGEABLE; round 77b's ZM-017 covers a mergeable view).

qemu-aarch64-static (host Linux answers): `qemu-aarch64-static
workloads/bin/secret_r76_mm -bcenvwxAD` prints "secret: intact"; under `-strace`, -b
shows `mmap(NULL,12288,PROT_READ|PROT_WRITE,MAP_PRIVATE,4,0) = 0x0000005500803000`,
`mmap(NULL,12288,PROT_READ|PROT_WRITE,MAP_SHARED,4,0) = 0x0000005500806000` and the
label `write(3,0x4920b0,8) = 8` (logbuf + 32: label 0, the private page 2 shows the
shared store's 'y').  The kernel's events above (reclaim, migration, swap of one
mapping) a user-mode run cannot order; their Linux answers are the kernel functions
cited.

Honest answers (tests/test_redteam_r80b_claims.py): the kernel model's own answers to
-b, -v, -c, -x, -A, -n, and a clean entry dropped (reclaim) as the shared mmap(), the
punch, the pwrite64(), the fork child's read() or the fork enters: label 0, no decision.
secret_r80_mm -a, -b untouched: label 0.  False refusals: the private read-only entry
of the folio (its last mapping after the shared view's store and end) dropped as
reclaim does (try_to_unmap()): was refused, clear_pt_range ("would discard its
contents"); passes since (guardian/folio_moves.py drops_folio: a read-only entry of the
folio the Guardian then holds for the memfd's page discards nothing; the refault
owes that folio, set_pt.cut_refault: a fresh frame of the stale 'x' there is refused) --
tests/test_redteam_r80b_claims.py::test_secret_r80_mm_private_entry_dropped.

Through with the Guardian on when written (gaps, P3): ZU-024, ZU-025, ZU-026, ZU-027.
Refused since: ZU-024, ZU-025 (swap_out.folio: at SWAP_OUT the frame is a memfd page's
folio, frames.folio_key, mapped by a private view's read-only entry: Linux swaps a shmem
folio only whole, from the page cache, try_to_unmap_one() giving a file folio's entry no
swap entry), ZU-026, ZU-027 (migrate.folio_moves: MIGRATE_PAGE moves the memfd page's
folio record with the entry, as folio_migrate_mapping() moves the page cache's entry).
Refused: ZU-001 (set_pt: the shared fault's frame is not the migrated clean page),
ZU-002, ZU-003, ZU-005, ZU-012, ZU-014, ZU-015 (the file's write or the stored bytes
are shown in the clean copy: clean_pages.show_write follows every clean frame of the
file page), ZU-004 (swap_in.clean_known), ZU-006, ZU-007, ZU-010, ZU-013 (the migrated
clean frame stays clean and is shown the change: clean_pages.moved,
return.memfd_mapped), ZU-008, ZU-009 (swap_in: the sealed clean page comes back as the
file's page or is refused stale), ZU-011, ZU-016 (set_pt: a refault that is not the
file's page / set_pt.one_folio), ZU-017 (swap_out: a frame with two mappings), ZU-018
(set_pt: a second address of a confidential frame that is not its file page's folio),
ZU-019..ZU-021 (clear_pt_range: the locked view's copy is the program's contents, not a
clean page), ZU-022 (the sealed copy comes back as it was: 'x'), ZU-023 (reclaim.held
when written; swap_out.folio since: the swap-out itself is refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r79b as r79
from attacks.families.redteam_r66b import migrate
from attacks.families.redteam_r79b import refault_writable
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary
    from kernel_model.process import Thread

RT = "redteam_r80b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
X = ord("x")
NR = {"mmap": 222, "clone": 220, "wait4": 260, "fallocate": 47, "ftruncate": 46,
      "read": 63, "pwrite64": 68}
#: (through with the Guardian on now: none; ZU-024..027 were, when written)
GAPS: dict[str, str] = {}


def act(a: Adversary, mm: object, va: int, kind: str) -> None:
    """The kernel's event at page `va` of `mm`: 'migrate' (that entry alone moved),
    'copy' (dropped and refaulted read-only on a fresh frame of 'x'), 'swap' (swapped
    out; back in at the step's marker after its calls), 'copymove' (copy, then moved), 'drop'
    (the entry dropped: the honest reclaim of a clean file page)."""
    if kind == "migrate" and not a.guarded:
        # (the kernel's own migration moves the folio whole: without a Guardian the
        # parting is a copy of the same bytes, as 'copy')
        refault_writable(a, mm, va, X, ro=True)
    elif kind == "migrate":
        if not migrate(a, va):
            a.refused(f"MIGRATE_PAGE of {va:#x}")
    elif kind in ("copy", "copymove"):
        refault_writable(a, mm, va, X, ro=True)
        if kind == "copymove" and not migrate(a, va):
            a.refused(f"MIGRATE_PAGE of {va:#x}")
    elif kind == "drop":
        mm.zap(va, va + PAGE)  # type: ignore[attr-defined]
        a.el1.tlbi_all()
        a.note(f"page {va:#x} dropped (reclaim of a clean entry)")
    elif kind == "swap":
        blob = swap_out(a, va)
        if blob is None:
            a.refused(f"SWAP_OUT of {va:#x}")
            return
        a.memo["blob"], a.memo["swapped"] = blob, va
        a.note(f"page {va:#x} swapped out")


def event_at(phase: int, nr: int, kind: str, *, child: bool = False, nth: int = 1,
             at_exit: bool = False, view: int = 1, page: int = 2):  # type: ignore[no-untyped-def]
    """As the `nth` call `nr` of the step enters (returns, `at_exit`; in a fork child
    where `child`), the kernel's `kind` event at page `page` of the step's view (x3,
    `view` 1; x5, the second view, `view` 2)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["view"] = args[view] if view == 1 and len(args) > 1 else (
                args[3] if len(args) > 3 else 0)
            a.memo["bits"] = a.init.mm.tables.lookup(args[0]) & ~D.ADDR_MASK

        point = Point.SYSCALL_EXIT if at_exit else Point.SYSCALL_ENTRY

        @adv.on(point, nr=nr, during=phase, init_only=not child, once=False)
        def _(a: Adversary, thread: Thread | None = None, **_: object) -> None:
            proc = thread.process if thread is not None else None
            if child and (proc is None or proc is a.init):
                return
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] != nth or not a.memo.get("view"):
                return
            mm = proc.mm if child and proc is not None else a.init.mm
            act(a, mm, a.memo["view"] + page * PAGE, kind)

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("swapped")
            if va is None:
                return
            if swap_in(a, va, a.memo["blob"]):
                a.note(f"page {va:#x} swapped back in")
            else:
                a.refused(f"SWAP_IN of {va:#x}")
    return steps


FOLIO = ("A private view's read fault maps the memfd's page cache folio itself "
         "(do_read_fault() -> finish_fault()); migration moves a folio with every "
         "mapping of it (try_to_migrate(), remove_migration_ptes()) and reclaim drops a "
         "clean file folio's entries rather than swapping one mapping "
         "(shrink_folio_list()).  No mapping of the folio parts from the others: ")
#: (id, step, call, kind, options, title, Linux's answer)
ATTACKS = (
    ("ZU-001", r76.P_SHSTORE, "mmap", "migrate", {}, "as the MAP_SHARED mmap() enters, the "
     "private page 2 (the clean folio) migrated alone; the shared store of 'y' misses it",
     "the shared view's store reaches the folio the private view maps: 'y'."),
    ("ZU-002", r76.P_SHSTORE, "mmap", "copy", {}, "as the MAP_SHARED mmap() enters, the "
     "private page 2 refaulted read-only on a fresh copy of 'x'; the shared fault maps "
     "the folio", "the refault maps the folio itself, the shared store reaches it: 'y'."),
    ("ZU-003", r76.P_SHSTORE, "mmap", "copy", {"at_exit": True}, "as the MAP_SHARED mmap() "
     "returns, the private page 2 refaulted read-only on a fresh copy of 'x'",
     "the refault maps the folio itself: 'y'."),
    ("ZU-004", r76.P_SHSTORE, "mmap", "swap", {}, "as the MAP_SHARED mmap() enters, the "
     "private page 2 swapped out alone, swapped back in after the shared store",
     "reclaim drops the clean entry, the refault maps the folio: 'y'."),
    ("ZU-005", r76.P_CHILDSH, "clone", "copy", {}, "as the fork's clone() enters, the "
     "parent's private page 2 refaulted read-only on a copy of 'x'; the child's shared "
     "store of 'y' reaches the folio only", "the parent's and the child's page 2 are the "
     "folio (copy_present_pte()): 'y'."),
    ("ZU-006", r76.P_CHILDSEES, "clone", "migrate", {}, "after pwrite64() of 'y', as the "
     "fork's clone() enters, page 2 migrated alone", "the folio moves whole: 'y'."),
    ("ZU-007", r76.P_PUNCH, "fallocate", "migrate", {}, "as fallocate(PUNCH_HOLE) enters, "
     "page 2 migrated alone; the hole's zeros must reach the new frame",
     "shmem_fallocate() -> unmap_mapping_range() drops the clean entry, the refault reads "
     "the hole: zeros."),
    ("ZU-008", r76.P_PUNCH, "fallocate", "swap", {}, "as fallocate(PUNCH_HOLE) enters, "
     "page 2 swapped out, back in after the call", "the clean entry is dropped, the "
     "refault reads the hole: zeros."),
    ("ZU-009", r76.P_TRUNC, "ftruncate", "swap", {}, "as the first ftruncate() enters, "
     "page 2 swapped out, back in after the calls", "truncate_pagecache() unmaps page 2 "
     "and the swap entry with it: zeros."),
    ("ZU-010", r76.P_CHILDCLEAN, "read", "migrate", {"child": True}, "as the fork child's "
     "read() of the pipe enters, the CHILD's page 2 migrated alone (its own tree)",
     "the folio moves with every mapping, the parent's pwrite64() of 'y' reaches it: the "
     "child reads 'y'."),
    ("ZU-011", r76.P_CHILDCLEAN, "read", "copy", {"child": True}, "as the fork child's "
     "read() enters, the CHILD's page 2 refaulted read-only on a copy of 'x'",
     "the child's refault maps the folio itself: 'y'."),
    ("ZU-012", r76.P_TWOVIEWS, "pwrite64", "copy", {"view": 2}, "two private views, page 2 "
     "read in both; as pwrite64() of 'y' enters, the SECOND view's page 2 refaulted "
     "read-only on a copy of 'x'", "both views map the folio: 'y'."),
    ("ZU-013", r76.P_TWOVIEWS, "pwrite64", "migrate", {"view": 2}, "two private views; as "
     "pwrite64() of 'y' enters, the SECOND view's page 2 migrated alone",
     "the folio moves with both mappings: 'y'."),
    ("ZU-014", r76.P_OFFVIEW, "pwrite64", "copy", {"view": 2, "page": 0}, "a view at file "
     "offset 1 page; as pwrite64() of 'w' at page 1 enters, the offset view's page 0 "
     "refaulted read-only on a copy of 'x'", "linear_page_index() names file page 1's "
     "folio: 'w'."),
    ("ZU-015", r76.P_POPRO, "pwrite64", "copy", {}, "a PROT_READ view mapped MAP_POPULATE; "
     "as pwrite64() of 'y' enters, page 2 refaulted read-only on a copy of 'x'",
     "populate read-faults the folio (do_read_fault()): 'y'."),
    ("ZU-016", r76.P_SHSTORE, "mmap", "copymove", {}, "as the MAP_SHARED mmap() enters, "
     "page 2 refaulted read-only on a copy of 'x', the copy then migrated",
     "the refault maps the folio itself: 'y'."),
)
for sid, phase, call, kind, opts, tail, why in ATTACKS:
    _t = f"({r76.LETTER[phase].decode()}) Page 2 read (the clean folio): {tail}"
    explained(_t, FOLIO + why, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=r76.VICTIM,
        prop=FOLIO + why, gap=GAPS.get(sid, ""), args=(r76.LETTER[phase],),
        mprotect=Expect.REFUSED))(event_at(phase, NR[call], kind, **opts))  # type: ignore[arg-type]


def swap_share_after_store(adv: Adversary) -> None:
    """1. (-b) Page 2 of the private view read (the clean folio), a MAP_SHARED view of the
    memfd mapped (its address noted as mmap() returns) and 'y' stored at its page 2: the
    shared fault takes the folio the private view maps read-only.
    2. At the marker after the store (before the program reads the private view), the
    SHARED view's page 2 swapped out (SWAP_OUT of the share page) and its frame handed
    back; the private view's read-only entry of the same frame is left in place.
    3. The program reads the private page 2 from a frame that is no longer the file's
    page (scrubbed by the swap-out, or reused by the kernel: without a Guardian it writes
    zeros there) where Linux shows 'y': label -4."""
    @adv.on(Point.MARKER, phase=r76.P_SHSTORE)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["view"] = args[1] if len(args) > 1 else 0

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mmap"], during=r76.P_SHSTORE, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["shared"] = a.reg("x0")

    @adv.on(Point.MARKER, phase=r76.P_SHSTORE + 2)
    def _(a: Adversary, **_: object) -> None:
        sh = a.memo.get("shared", 0)
        if not sh:
            return
        va = sh + 2 * PAGE
        pa = a.pa_of(va, a.init.mm.tables.root)
        blob = swap_out(a, va)
        if blob is None:
            a.refused(f"SWAP_OUT of the shared page {va:#x}")
            return
        if not a.guarded and pa is not None:
            a.write_lm(pa, bytes(PAGE))
        a.note(f"shared page {va:#x} swapped out, the private entry left on {pa}")


SWAPSHARE = ("Reclaim of a shmem folio unmaps EVERY mapping of it before it is written to "
             "swap (shrink_folio_list() -> try_to_unmap() walks the rmap of the private "
             "views' read-only entries too, shmem_writepage() then swaps the folio); the "
             "private view's next read fault reads it back from the page cache or swap "
             "(shmem_swapin_folio()): 'y'.")
_t17 = ("(-b) After the shared view's store of 'y' (the folio the private view maps "
        "read-only), the SHARED page 2 swapped out alone, the private view's entry left on "
        "the frame")
explained(_t17, SWAPSHARE, scenario(
    id="ZU-017", title=_t17, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=r76.VICTIM,
    prop=SWAPSHARE, gap=GAPS.get("ZU-017", ""), args=(r76.LETTER[r76.P_SHSTORE],),
    mprotect=Expect.REFUSED))(swap_share_after_store)


def alias_after(phase: int, src: str, src_page: int, dst: str, dst_page: int):  # type: ignore[no-untyped-def]
    """At the step's marker after its calls, the entry of view `dst`'s page `dst_page`
    pointed read-only at the frame of view `src`'s page `src_page` ('priv': the step's
    private view, x3; 'second': the second view, x5; 'shared': the MAP_SHARED view, as
    its mmap() returned)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["priv"] = args[1] if len(args) > 1 else 0
            a.memo["second"] = args[3] if len(args) > 3 else 0

        @adv.on(Point.SYSCALL_EXIT, nr=NR["mmap"], during=phase, once=False)
        def _(a: Adversary, **_: object) -> None:
            a.memo["shared"] = a.reg("x0")

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            tables = a.init.mm.tables
            s_va = a.memo.get(src, 0) + src_page * PAGE
            d_va = a.memo.get(dst, 0) + dst_page * PAGE
            pa, desc = a.pa_of(s_va, tables.root), tables.lookup(d_va)
            if pa is None or not desc:
                a.note("nothing to alias")
                return
            tables.set(d_va, (desc & ~D.ADDR_MASK) | D.AP_RO | pa)
            a.el1.tlbi_all()
            a.note(f"{d_va:#x} mapped read-only on {s_va:#x}'s frame {pa:#x}")
    return steps


ALIAS = ("A private view's read fault maps the folio of ITS file page (do_read_fault(): "
         "linear_page_index() of the faulting address), never another page's: ")
_ALIASES = (
    ("ZU-018", r76.P_TWOVIEWS, ("priv", 1, "second", 2), "after pwrite64() of 'y', the "
     "second private view's page 2 mapped read-only on the first view's page 1 frame "
     "('x', file page 1's folio)", "the second view's page 2 is file page 2's folio, "
     "'y'."),
)
for sid, phase, (s_v, s_p, d_v, d_p), tail, why in _ALIASES:
    _t = f"({r76.LETTER[phase].decode()}) {tail}"
    explained(_t, ALIAS + why, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=r76.VICTIM,
        prop=ALIAS + why, gap=GAPS.get(sid, ""), args=(r76.LETTER[phase],),
        mprotect=Expect.REFUSED))(alias_after(phase, s_v, s_p, d_v, d_p))


# --- round 79b's victim secret_r79_mm: the locked views whose pages Linux copies ---------

def locked_refault(phase: int, swap: bool = False):  # type: ignore[no-untyped-def]
    """(secret_r79_mm) At the step's marker P + 4 (page 2 of the locked writable view read:
    under Linux a private copy, mm_populate() with FOLL_WRITE), page 2 dropped and
    refaulted read-only on a fresh frame of the file's 'x' (or swapped out and back in
    read-only), as if it were a clean page of the file; pwrite64() of 'y' follows.
    (Without a Guardian the kernel model keeps its copy: at the marker P + 2 the kernel
    writes 'y' into page 2's frame, as the folio would hold.)"""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            a.memo["bits"] = a.init.mm.tables.lookup(va) & ~D.ADDR_MASK
            if swap:
                blob = swap_out(a, va)
                if blob is None or not swap_in(a, va, blob):
                    a.refused(f"SWAP of {va:#x}")
                    return
                a.note(f"page {va:#x} swapped out and back in")
            else:
                refault_writable(a, a.init.mm, va, X, ro=True)

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            if a.guarded:
                return
            pa = a.init.mm.tables.lookup(args[0] + 2 * PAGE) & D.ADDR_MASK
            a.write_lm(pa, b"y" * PAGE)
    return steps


LOCKEDR = ("A VM_LOCKED writable private view's pages are private copies from the "
           "population on (populate_vma_page_range() with FOLL_WRITE: do_cow_fault()), and "
           "an mlocked folio is never reclaimed (folio_evictable(), the unevictable LRU) "
           "nor is an anonymous copy dropped: page 2 keeps its 'x' across pwrite64() of "
           "'y'.  qemu-aarch64-static on the host's Linux (`secret_r79_mm -hjk`): label 0 "
           "each, page 2 'x'. ")
_LOCKED = (
    ("ZU-019", r79.P_MAPLOCKED, False, "a MAP_PRIVATE | MAP_LOCKED read-write view"),
    ("ZU-020", r79.P_MLOCKALL, False, "a read-write view under mlockall(MCL_CURRENT)"),
    ("ZU-021", r79.P_LOCKEDRW, False, "an mlock()ed view made read-write by mprotect()"),
    ("ZU-022", r79.P_MAPLOCKED, True, "a MAP_PRIVATE | MAP_LOCKED read-write view (swapped "
     "out and back in)"),
)
for sid, phase, swap, what in _LOCKED:
    _t = (f"({r79.LETTER79[phase].decode()}) Page 2 of {what} read: dropped and refaulted "
          "read-only on the file's 'x' as a clean page, before pwrite64() of 'y'" if not swap
          else f"({r79.LETTER79[phase].decode()}) Page 2 of {what} read: before pwrite64() "
          "of 'y'")
    explained(_t, LOCKEDR, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=r79.VICTIM79,
        prop=LOCKEDR, gap=GAPS.get(sid, ""), args=(r79.LETTER79[phase],),
        mprotect=Expect.REFUSED))(locked_refault(phase, swap))


def swap_after(phase: int, forged: int = X):  # type: ignore[no-untyped-def]
    """At the step's marker after its calls, the private page 2 swapped out and at once
    back in (without a Guardian the kernel puts back a page of `forged` bytes)."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            blob = swap_out(a, va)
            if blob is None:
                a.refused(f"SWAP_OUT of {va:#x}")
                return
            if not swap_in(a, va, blob if a.guarded else bytes([forged]) * PAGE):
                a.refused(f"SWAP_IN of {va:#x}")
                return
            a.note(f"page {va:#x} swapped out and back in")
    return steps


SWAPHELD = ("After the fork child's shared store and exit the page cache folio is mapped "
            "only by the parent's private read-only entry; reclaim unmaps it and keeps the "
            "folio in the page cache or swaps the folio whole (shrink_folio_list(), "
            "shmem_writepage()), and the refault maps it again (do_read_fault()): 'y'.")
_t23 = ("(-v) After the fork child's shared store of 'y' and its exit, the parent's private "
        "page 2 (the folio, held for the memfd's page) swapped out alone and back in")
explained(_t23, SWAPHELD, scenario(
    id="ZU-023", title=_t23, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=r76.VICTIM,
    prop=SWAPHELD, gap=GAPS.get("ZU-023", ""), args=(r76.LETTER[r76.P_CHILDSH],),
    mprotect=Expect.REFUSED))(swap_after(r76.P_CHILDSH))


# --- the round's own victim, secret_r80_mm (markers from 11800: P before the step's
# calls, x3 the private view; P + 4 after the shared view's store and its end, before
# pread64() of file page 2, x2 the private view; P + 2 after pread64()) ----------------

VICTIM80 = "secret_r80_mm"
P_CHILDSTORE, P_OWNSTORE = 11800, 11808
LETTER80 = {P_CHILDSTORE: b"-a", P_OWNSTORE: b"-b"}
ALL_ARGS80 = b"-ab"


def swap_alias(phase: int):  # type: ignore[no-untyped-def]
    """1. Page 2 of the private view read (the clean folio); a MAP_SHARED view's store of
    'y' at page 2 (the same frame) and the shared view gone (the fork child's exit, or
    munmap()): the folio is mapped only by the private view's read-only entry.
    2. At the marker P + 4, that private entry swapped out alone (SWAP_OUT: the Guardian
    scrubs the frame) and at once back in.
    3. pread64() of file page 2 reads the memfd's page -- the scrubbed frame -- where
    Linux's page cache folio holds 'y': label -4 (without a Guardian the kernel puts back
    a page of 'x')."""
    return swap_after(phase + 2)


SWAPALIAS = ("Reclaim never swaps one private mapping of a shmem folio: it unmaps every "
             "mapping (try_to_unmap()) and keeps the folio in the page cache, or writes the "
             "whole folio to swap (shmem_writepage()) and reads it back on the next access "
             "(shmem_swapin_folio()); pread64() of file page 2 (shmem_file_read_iter()) "
             "and the private view's refault (do_read_fault()) read 'y'.  qemu-aarch64-static "
             "(`-strace secret_r80_mm -ab`): `pread64(4,4792528,4096,8192,0,0) = 4096`, "
             "label `write(3,0x492090,8) = 8` (label 0) each, \"secret: intact\".")
for sid, phase, what in (("ZU-024", P_CHILDSTORE, "a fork child's store of 'y' through a "
                          "MAP_SHARED view and its exit"),
                         ("ZU-025", P_OWNSTORE, "the program's own store of 'y' through a "
                          "MAP_SHARED view and its munmap()")):
    _t = (f"(secret_r80_mm {LETTER80[phase].decode()}) Page 2 read, {what}: the private "
          "view's read-only entry, the folio's last mapping, swapped out alone and back in; "
          "pread64() of file page 2 follows")
    explained(_t, SWAPALIAS, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM80,
        prop=SWAPALIAS, gap=GAPS.get(sid, ""), args=(LETTER80[phase],),
        mprotect=Expect.REFUSED))(swap_alias(phase))


def migrate_alias(phase: int):  # type: ignore[no-untyped-def]
    """1. Page 2 of the private view read (the clean folio); a MAP_SHARED view's store of
    'y' at page 2 (the same frame) and the shared view gone: the folio is mapped only by
    the private view's read-only entry.
    2. At the marker P + 4, that private entry migrated alone (MIGRATE_PAGE) to a new
    frame (without a Guardian: refaulted on a copy of 'x').
    3. pread64() of file page 2 reads the memfd's page, which the migration left behind
    where Linux's migrate_folio() moved the page cache folio itself ('y'): label -4."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            act(a, a.init.mm, (args[0] if args else 0) + 2 * PAGE, "migrate")
    return steps


MIGALIAS = ("Migration moves a shmem folio as one: migrate_folio() -> "
            "folio_migrate_mapping() replaces the page cache's entry with the new folio "
            "and remove_migration_ptes() maps every mapping on it; pread64() of file page 2 "
            "(shmem_file_read_iter()) reads the moved folio, 'y'.  qemu-aarch64-static "
            "(`-strace secret_r80_mm -ab`): `pread64(4,4792528,4096,8192,0,0) = 4096`, "
            "label 0 each.")
for sid, phase in (("ZU-026", P_CHILDSTORE), ("ZU-027", P_OWNSTORE)):
    _t = (f"(secret_r80_mm {LETTER80[phase].decode()}) Page 2 read, a shared view's store "
          "of 'y' and the shared view gone: the private view's read-only entry, the "
          "folio's last mapping, migrated alone; pread64() of file page 2 follows")
    explained(_t, MIGALIAS, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM80,
        prop=MIGALIAS, gap=GAPS.get(sid, ""), args=(LETTER80[phase],),
        mprotect=Expect.REFUSED))(migrate_alias(phase))
