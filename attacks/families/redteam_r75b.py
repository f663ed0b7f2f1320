"""Red-team round 75b: MAP_PRIVATE views of a memfd only a confidential program holds
whose page 2 Linux keeps the file's clean folio although the view's protection,
placement or owner changed (mprotect() without a store, a fork, mremap(), MADV_PAGEOUT,
MADV_COLD, a store to another page), whose copy MADV_DONTNEED dropped, or whose pages a
populating call made the program's own copies (mlock(), MADV_POPULATE_WRITE,
MAP_POPULATE: populate_vma_page_range() faults a writable private view with FOLL_WRITE),
against guardian/clean_pages.py.

On the victim `secret_r75_mm` (markers from 10100: P before the step's calls, x2 the log
buffer, x3 the private mapping, x4 the memfd; P + 2 after its calls, before it reads
the pages, x2 the private mapping (the moved one for -e); P + 1 after its label; each
step runs when its letter is in the argument "-LETTERS"; every step ends with
pwrite64() of 'y' at the file's page 2):

- ZG-001, ZG-002: (-a) a PROT_READ view, page 2 read, mprotect(PROT_READ | PROT_WRITE),
  no store: the stale 'x', and forged bytes, at page 2 (Linux: 'y'; change_pte_range()
  leaves a private file page read-only, can_change_pte_writable() wants an exclusive
  anonymous page, so no copy was made).
- ZG-003: (-b) page 2 read, stored 'z', madvise(MADV_DONTNEED): the dropped copy 'z'
  mapped back (Linux: zap_page_range_single() freed the anonymous copy; the refault
  maps the file's 'y').
- ZG-004: (-c) page 2 read, a fork child that exits at once: the stale 'x' (Linux: 'y';
  copy_present_pte() shares the page cache folio read-only, nothing was copied).
- ZG-005, ZG-006: (-e) page 2 read, the view moved by mremap(MREMAP_FIXED): the stale
  'x', and forged bytes, at the moved view's page 2 (Linux: 'y'; move_ptes() moves the
  entry of the page cache folio).
- ZG-007: (-f) page 2 read, MADV_PAGEOUT: the stale 'x' (Linux: 'y').
- ZG-008: (-g) a PROT_READ view made read-write and read-only again: the stale 'x'
  (Linux: 'y').
- ZG-009: (-h) page 1 stored 'z', page 2 read: the stale 'x' at page 2 (Linux: 'y'; the
  store copied page 1 only).
- ZG-010: (-i) page 2 read, MADV_COLD then MADV_WILLNEED: the stale 'x' (Linux: 'y').
- ZG-011, ZG-012: (-j) page 2 read, mlock() and munlock() of the read-write view: page
  2 dropped and refaulted from the file, and the file's 'y' mapped there (Linux: 'x';
  mlock_fixup() -> __mm_populate() -> populate_vma_page_range() faults a writable
  private view with FOLL_WRITE: every page became an anonymous copy,
  wp_page_copy(); qemu-aarch64-static: label 0 with 'x').
- ZG-013, ZG-014: (-k) page 2 read, madvise(MADV_POPULATE_WRITE): page 2 dropped and
  refaulted, and the file's 'y' mapped (Linux: 'x'; madvise_populate() write-faults
  the page, a copy).
- ZG-015: (-l) a read-write view mapped MAP_POPULATE: the file's 'y' at page 2 (Linux:
  'x'; do_mmap() -> mm_populate() with FOLL_WRITE).
- ZG-020: (-m) a thread blocked in read() of an empty pipe into a shared view's page 2,
  the program writes a page of 's' into the pipe and reads its private view's page 2 at
  once: forged bytes at page 2 (Linux: 'x', or 's' where the woken reader's
  pipe_read() -> copy_page_to_iter() filled the shared folio first).
- ZG-021: (-n) a thread asleep in futex(FUTEX_WAIT) gets SIGUSR1 (tgkill()) whose
  handler stores 's' through a shared view's page 2: forged bytes at the private view's
  page 2 (Linux: 'x' until the thread leaves futex_wait() and its handler runs in user
  code, then 's'; the victim accepts either, so only other bytes leak).
- ZG-022, ZG-023: (-o) page 2 read, a fork child stores 'c' into its own view's page 2
  and exits, pwrite64() of 'y': the child's 'c' at the program's page 2, and the kernel
  model's own stale copy 'x' kept (Linux: 'y'; the child's store copied the folio into
  the child's mm only, wp_page_copy()).
- ZG-024: (-p) a PROT_READ view's page 2 read, mprotect() to read-write without a
  store, madvise(MADV_DONTNEED) of page 2, pwrite64() of 'y': the stale 'x' at page 2
  (Linux: 'y'; the zapped entry was the page cache folio's, the refault maps the file).
- ZG-025, ZG-026: (-q) a PROT_READ view's page 2 read, mlock() and munlock(),
  pwrite64() of 'y': the kernel model's own stale copy 'x' kept, and the stale 'x'
  mapped (Linux: 'y'; populate_vma_page_range() adds FOLL_WRITE only where the view is
  writable, so the page stays the page cache folio).
- ZG-016..019: (-c, -f, -h, -i) the kernel keeps its read fault's own private copy 'x'
  after pwrite64() of 'y' (Linux: 'y', do_read_fault() maps the page cache folio).
- Through with the Guardian on when written: ZG-001, 002, 005, 006, 008 (after
  mprotect() or mremap() of the view the page is not judged against the file: the
  kernel model's mprotect() made the leaf writable, so clean_pages counts it the
  program's copy, and after mremap() forged bytes pass too), ZG-013..015 (the populating
  calls of the kernel model make no copy: the page counts clean and the file's 'y' is
  owed), ZG-016..019, 023, 025 (the kernel model's own stale copy).
  Refused: ZG-003, 004, 007, 009..012, ZG-020..022, 024, 026.
- Refused since: ZG-001, 002, 005, 006, 008 (clean_pages knows a clean frame by the
  file page it entered as, so mremap() moves it, move_ptes(); the kernel model's
  mprotect() leaves a private file page read-only, change_pte_range(): the page is
  judged against the file, set_pt.cut_refault / set_pt.discard_leaf); ZG-013..015 (a
  writable private view mapped MAP_POPULATE, and the pages MADV_POPULATE_WRITE returned 0
  over, are the program's copies: their drop is set_pt.discard_leaf).
  ZG-016..019, 023, 025 (a write to the file shows in each clean private page of it
  still mapped where it entered: the Guardian writes the bytes in, as Linux's page
  cache folio shows them, clean_pages.show_write; no refusal, the program reads 'y').
- honest (tests/test_redteam_r75b_claims.py): the pages as Linux gives them.  Let
  through: -a, -b, -c, -e, -f, -g, -h, -i, -o, -p, -q 'y' (-a, -e, -g since ZG-001's
  fix: the kernel model's mprotect() keeps the page read-only, clean_pages follows a
  moved page); -k, -l: the kernel model populates with write faults since (a
  confidential space's MAP_POPULATE view at each page's first touch), 'x', label 0, and
  a drop of that copy is refused (set_pt.discard_leaf), as for -j.  Refused (false
  refusal, xfail): -m, page 2 holding 's' (set_pt.cut_refault: the reader is asleep in
  read(), entered before the program's fault, so lone_thread.asleep_since() judges the
  page against a shared frame still 'x', though on Linux the woken reader's
  copy_page_to_iter() may fill the folio before it returns to user code, while the
  program faults).
  Let through: -m 'x', -n 'x'.
  The kernel model itself (not Linux): -a, -c, -e, -f, -g, -h, -i, -o, -q keep the read
  fault's copy 'x' after pwrite64() of 'y', label -4 with the Guardian off (on: 'y', the
  Guardian writes the bytes into the clean page, label 0).
  qemu-aarch64-static: -abcefghijmnopq label 0; -k and -l label -4 (qemu-user passes neither
  MADV_POPULATE_WRITE nor MAP_POPULATE to the host).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r70b import copy_read_faults, map_page
from attacks.families.redteam_r71b import remember
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r75b"
VICTIM = "secret_r75_mm"
PAGE = 4096
P_PROTUP, P_DROPCOPY, P_FORKED, P_MOVED = 10100, 10104, 10108, 10112
P_PAGEOUT, P_PROTRT, P_NEIGHBOUR, P_COLD = 10116, 10120, 10124, 10128
P_LOCKED, P_POPWRITE, P_POPMAP, P_PIPEINTO = 10132, 10136, 10140, 10144
P_SIGSTORE, P_FORKSTORE, P_PROTDROP, P_ROLOCK = 10148, 10152, 10156, 10160
P_FIRST, P_LAST = 10100, 10160
#: the steps the kernel model serves as Linux does
DEFAULT_STEPS = (P_DROPCOPY, P_LOCKED, P_POPWRITE, P_POPMAP, P_PROTDROP)
DEFAULT_ARGS = b"-bjklp"
OPEN = "G-LEAVE-ON-REQUEST"
#: the bytes Linux shows at page 2 after each step's calls
LINUX = {P_PROTUP: "y", P_DROPCOPY: "y", P_FORKED: "y", P_MOVED: "y", P_PAGEOUT: "y",
         P_PROTRT: "y", P_NEIGHBOUR: "y", P_COLD: "y", P_LOCKED: "x", P_POPWRITE: "x",
         P_POPMAP: "x", P_PIPEINTO: "s", P_SIGSTORE: "x",
         P_FORKSTORE: "y", P_PROTDROP: "y", P_ROLOCK: "y"}
LETTER = {P_PROTUP: b"-a", P_DROPCOPY: b"-b", P_FORKED: b"-c", P_MOVED: b"-e",
          P_PAGEOUT: b"-f", P_PROTRT: b"-g", P_NEIGHBOUR: b"-h", P_COLD: b"-i",
          P_LOCKED: b"-j", P_POPWRITE: b"-k", P_POPMAP: b"-l", P_PIPEINTO: b"-m",
          P_SIGSTORE: b"-n", P_FORKSTORE: b"-o",
          P_PROTDROP: b"-p", P_ROLOCK: b"-q"}


def _zg(sid: str, title: str, prop: str, args: tuple[bytes, ...], gap: str = "",  # type: ignore[no-untyped-def]
        mprotect: Expect = Expect.REFUSED, silent: str = ""):
    register = scenario(id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,),
                        program=VICTIM, prop=prop, gap=gap, args=args, mprotect=mprotect,
                        silent=silent)
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


#: the scenarios whose kernel keeps its read fault's own copy, where Linux (and the kernel
#: model) maps the memfd's folio: they run a kernel that copies at the read fault
COPY_READS = ('ZG-016', 'ZG-017', 'ZG-018', 'ZG-019', 'ZG-023', 'ZG-025')


#: why a kept stale copy meets no refusal
SHOWN = ("the Guardian writes a write's bytes into each clean private page of the file "
         "(clean_pages.show_write): the page shows them, as the page cache folio does")


def fill_after(adv: Adversary, phase: int, page: int, byte: int) -> None:
    """At the step's marker after its calls (x2: the view, moved or not), map a page of
    `byte`s at page `page`, with the entry bits of the page's present entry where it has
    one (else those of the log buffer's page)."""
    remember(adv, phase)

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if args and args[0]:
            a.memo["at"] = args[0]
        at = a.memo.get("at", 0)
        cur = a.init.mm.tables.lookup(at + page * PAGE) if at else 0
        if cur:
            a.memo["desc"] = cur
        map_page(a, page, bytes([byte]) * PAGE)


def drop_after(adv: Adversary, phase: int, page: int) -> None:
    """At the step's marker after its calls, the page's entry cleared: the kernel
    model's refault maps the file's bytes as they are."""
    remember(adv, phase)

    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        at = (args[0] if args and args[0] else 0) or a.memo.get("at", 0)
        if not at:
            a.note("no mapping to drop")
            return
        try:
            a.init.mm.zap(at + page * PAGE, at + (page + 1) * PAGE)
            a.el1.tlbi_all()
            a.note(f"page {page} dropped at {at + page * PAGE:#x}")
        except Exception as exc:
            a.refused(f"the drop at {at + page * PAGE:#x}: {exc!r}")


def _fill(phase: int, byte: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, a page of bytes other than
        Linux's at page 2: label -4."""
        fill_after(adv, phase, 2, byte)
    return steps


def _drop(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls.  2. At its marker after them, page 2 dropped: the
        refault maps the file's 'y' where Linux keeps the program's copy 'x': label -4."""
        drop_after(adv, phase, 2)
    return steps


def claim_linux_bytes(phase: int):  # type: ignore[no-untyped-def]
    """The step's page 2 as Linux shows it after its calls (LINUX): label 0."""
    def steps(adv: Adversary) -> None:
        fill_after(adv, phase, 2, ord(LINUX[phase]))
    return steps


X, Y, Z, F = ord("x"), ord("y"), ord("z"), 0x51

_zg("ZG-001", "(-a) A PROT_READ view's page 2 read, mprotect() to read-write without a store, "
    "pwrite64() of 'y': keep the stale 'x' at page 2",
    "change_pte_range() leaves a private file page read-only (can_change_pte_writable() "
    "wants an exclusive anonymous page): no copy, page 2 reads 'y'.", (b"-a",))(
    _fill(P_PROTUP, X))
_zg("ZG-002", "(-a) After mprotect() to read-write without a store and pwrite64() of 'y', "
    "map a page of forged bytes at page 2", "Page 2 reads 'y'.", (b"-a",))(_fill(P_PROTUP, F))
_zg("ZG-003", "(-b) Page 2 read, stored 'z', madvise(MADV_DONTNEED), pwrite64() of 'y': map "
    "the dropped copy 'z' back", "zap_page_range_single() freed the anonymous copy; the "
    "refault maps the file's 'y'.", (b"-b",))(_fill(P_DROPCOPY, Z))
_zg("ZG-004", "(-c) Page 2 read, a fork child exits, pwrite64() of 'y': keep the stale 'x'",
    "copy_present_pte() shares the page cache folio read-only with the child; nothing was "
    "copied: page 2 reads 'y'.", (b"-c",))(_fill(P_FORKED, X))
_zg("ZG-005", "(-e) Page 2 read, the view moved by mremap(MREMAP_FIXED), pwrite64() of 'y': "
    "keep the stale 'x' at the moved view's page 2",
    "move_ptes() moves the entry of the page cache folio itself: page 2 reads 'y'.",
    (b"-e",))(_fill(P_MOVED, X))
_zg("ZG-006", "(-e) After the view moved and pwrite64() of 'y', map a page of forged bytes at "
    "the moved view's page 2", "Page 2 reads 'y'.", (b"-e",))(_fill(P_MOVED, F))
_zg("ZG-007", "(-f) Page 2 read, madvise(MADV_PAGEOUT), pwrite64() of 'y': keep the stale 'x'",
    "Reclaim unmaps the clean folio (reclaim_pages()); the refault maps the file's 'y'.",
    (b"-f",))(_fill(P_PAGEOUT, X))
_zg("ZG-008", "(-g) A PROT_READ view made read-write and read-only again, pwrite64() of 'y': "
    "keep the stale 'x'", "No store, no copy: page 2 reads 'y'.", (b"-g",))(
    _fill(P_PROTRT, X))
_zg("ZG-009", "(-h) Page 1 stored 'z', page 2 read, pwrite64() of 'y': keep the stale 'x' at "
    "page 2", "The store copied page 1 only (wp_page_copy()): page 2 reads 'y'.", (b"-h",))(
    _fill(P_NEIGHBOUR, X))
_zg("ZG-010", "(-i) Page 2 read, MADV_COLD then MADV_WILLNEED, pwrite64() of 'y': keep the "
    "stale 'x'", "Neither call copies a page: page 2 reads 'y'.", (b"-i",))(_fill(P_COLD, X))
_zg("ZG-011", "(-j) Page 2 read, mlock() and munlock() of the read-write view, pwrite64() of "
    "'y': drop page 2 and let the refault map the file's 'y'",
    "mlock_fixup() -> __mm_populate() -> populate_vma_page_range() faults a writable "
    "private view with FOLL_WRITE: page 2 is an anonymous copy, 'x'.", (b"-j",))(
    _drop(P_LOCKED))
_zg("ZG-012", "(-j) After mlock(), munlock() and pwrite64() of 'y', map the file's 'y' at "
    "page 2", "Page 2 reads 'x' (the copy the populating write fault made).", (b"-j",))(
    _fill(P_LOCKED, Y))
_zg("ZG-013", "(-k) Page 2 read, madvise(MADV_POPULATE_WRITE), pwrite64() of 'y': drop page 2 "
    "and let the refault map the file's 'y'",
    "madvise_populate() write-faults the page (FOLL_WRITE): an anonymous copy, 'x'.",
    (b"-k",))(_drop(P_POPWRITE))
_zg("ZG-014", "(-k) After MADV_POPULATE_WRITE and pwrite64() of 'y', map the file's 'y' at "
    "page 2", "Page 2 reads 'x'.", (b"-k",))(_fill(P_POPWRITE, Y))
_zg("ZG-015", "(-l) A read-write view mapped MAP_POPULATE, pwrite64() of 'y': map the file's "
    "'y' at page 2", "do_mmap() -> mm_populate() faults a writable private view with "
    "FOLL_WRITE: every page a copy, page 2 reads 'x'.", (b"-l",))(_fill(P_POPMAP, Y))


def _keep(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's calls; the kernel keeps the private copy its read fault made
        and serves pwrite64() to the file only.  2. The program reads 'x' where Linux
        shows 'y': label -4."""
        remember(adv, phase)
    return steps


_zg("ZG-016", "(-c) Page 2 read, a fork child exits, pwrite64() of 'y': keep the read fault's "
    "own stale copy 'x' at page 2",
    "The read fault mapped the page cache folio (do_read_fault() -> finish_fault()) and "
    "the fork shared it (copy_present_pte()): page 2 reads 'y'.", (b"-c",), silent=SHOWN)(
    _keep(P_FORKED))
_zg("ZG-017", "(-f) Page 2 read, MADV_PAGEOUT, pwrite64() of 'y': keep the read fault's own "
    "stale copy 'x'", "Page 2 reads 'y' (the folio, or a refault of the file).", (b"-f",),
    silent=SHOWN)(_keep(P_PAGEOUT))
_zg("ZG-018", "(-h) Page 1 stored, page 2 read, pwrite64() of 'y': keep the read fault's own "
    "stale copy 'x' at page 2", "Page 2 reads 'y'.", (b"-h",), silent=SHOWN)(
    _keep(P_NEIGHBOUR))
_zg("ZG-019", "(-i) Page 2 read, MADV_COLD and MADV_WILLNEED, pwrite64() of 'y': keep the "
    "read fault's own stale copy 'x'", "Page 2 reads 'y'.", (b"-i",), silent=SHOWN)(
    _keep(P_COLD))

_zg("ZG-020", "(-m) A thread blocked in read() of a pipe into a shared view's page 2, a page of "
    "'s' written into the pipe: map a page of forged bytes at the private view's page 2",
    "Page 2 reads 'x', or 's' once the woken reader's pipe_read() copied the page "
    "(copy_page_to_iter() into the shared folio); never other bytes.", (b"-m",))(
    _fill(P_PIPEINTO, F))
_zg("ZG-021", "(-n) A thread asleep in futex() sent SIGUSR1: map a page of forged bytes at "
    "the private view's page 2", "Page 2 reads 'x' (or 's' after the handler ran).",
    (b"-n",))(_fill(P_SIGSTORE, F))
_zg("ZG-022", "(-o) Page 2 read, a fork child stores 'c' into its own view and exits, "
    "pwrite64() of 'y': map the child's 'c' at the program's page 2",
    "The child's store copied the folio into the child's mm only (wp_page_copy()): the "
    "program's page 2 reads 'y'.", (b"-o",))(_fill(P_FORKSTORE, ord("c")))
_zg("ZG-023", "(-o) After the fork child's store and pwrite64() of 'y', keep the read fault's "
    "own stale copy 'x' at page 2", "Page 2 reads 'y' (do_read_fault() mapped the folio).",
    (b"-o",), silent=SHOWN)(_keep(P_FORKSTORE))
_zg("ZG-024", "(-p) A PROT_READ view's page 2 read, mprotect() to read-write without a store, "
    "MADV_DONTNEED, pwrite64() of 'y': map the stale 'x' at page 2",
    "zap_page_range_single() dropped the page cache folio's entry; the refault maps the "
    "file's 'y'.", (b"-p",))(_fill(P_PROTDROP, X))
_zg("ZG-025", "(-q) A PROT_READ view's page 2 read, mlock() and munlock(), pwrite64() of 'y': "
    "keep the read fault's own stale copy 'x'",
    "populate_vma_page_range() faults a read-only view without FOLL_WRITE: page 2 stays the "
    "page cache folio, 'y'.", (b"-q",), silent=SHOWN)(_keep(P_ROLOCK))
_zg("ZG-026", "(-q) After mlock() and munlock() of a PROT_READ view and pwrite64() of 'y', map "
    "the stale 'x' at page 2", "Page 2 reads 'y'.", (b"-q",))(_fill(P_ROLOCK, X))
