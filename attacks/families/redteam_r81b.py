"""Red-team round 81b: the memory ABI against the newest memory rules -- the calls
guardian/cut_writable.py counts as storing anywhere, and the locked populations
guardian/locked_copies.py (clean.locked_populate) takes from the kernel or stops following
-- against round 79b's victim `secret_r79_mm` and this round's `secret_r81_mm` (built on
the kits, markers from 12400: a memfd view's page 2 read, one memory call, pwrite64() of
'y'; see workloads/src/secret_r81_mm.c).

ZX-001..ZX-011: page 2 of the step's MAP_PRIVATE view of the memfd (3 pages of 'x') read
-- a clean page, the page cache folio under Linux -- then, as a memory call of the
program that stores nothing at the view enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of the file's 'x' (ZX-010, ZX-011: swaps it out and back in
writable); the file's later change ('y') misses the copy, the step reads 'x' and indexes
its log buffer at -4, writing the secret's bytes to /dev/null.  Linux: a read fault maps
the folio read-only (do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE
gup copies it, and none of these calls stores at the view:

- ZX-001 (-a): mlock2(view, MLOCK_ONFAULT): apply_vma_lock_flags() sets VM_LOCKED |
  VM_LOCKONFAULT, and __mm_populate() -> populate_vma_page_range() returns at once for
  VM_LOCKONFAULT: no fault at all.
- ZX-002 (-b): munlock() of the unlocked view: apply_vma_lock_flags() with no flag,
  mlock_fixup() clears VM_LOCKED (munlock_vma_folio() of present pages): no store.
- ZX-003 (-c): mlockall(MCL_CURRENT | MCL_ONFAULT): apply_mlockall_flags() sets
  VM_LOCKONFAULT on every area; mm_populate() faults none (populate_vma_page_range()).
- ZX-004 (-e): mlockall(MCL_FUTURE): only mm->def_flags (apply_mlockall_flags()); no
  MCL_CURRENT, no mm_populate().
- ZX-005 (-f): munlockall(): apply_mlockall_flags(0) clears VM_LOCKED_MASK: no store.
- ZX-006 (-g): mincore(view, 3 pages, vec): do_mincore() stores only at vec
  (copy_to_user(vec, tmp, ...)), on the stack.
- ZX-007 (-h): msync(view, MS_SYNC): vfs_fsync_range() of the shmem file (noop_fsync):
  no store.
- ZX-008 (-i): pkey_mprotect(view, PROT_READ | PROT_WRITE, -1) of the unlocked
  read-write view: do_mprotect_pkey() -> mprotect_fixup() finds newflags == oldflags and
  returns; it populates only a VM_LOCKED area made writable.
- ZX-009 (-j): getrandom(buf, 16, 0): stores at buf only (get_random_bytes_user()), a
  static buffer of the program.
- ZX-010 (-h), ZX-011 (-b): the same as a writable swap-in (swap_in.clean_writable).
  Linux never swaps a clean file folio (shrink_folio_list() drops it) and the refault is
  read-only.

ZX-017..ZX-021: the same writable refault as calls enter that DO fault or re-protect
pages, but not the view's (cut_writable counts mremap growth anywhere, mmap and brk as
storing anywhere, mprotect adding PROT_WRITE over its whole range whether locked or not):

- ZX-017 (-p): mlock() of an unrelated anonymous page: do_mlock() -> __mm_populate()
  faults only its own range.
- ZX-018 (-r): mremap() growing an unrelated, unlocked anonymous page to two: do_mremap()
  populates only the grown part of a VM_LOCKED area (mm_populate(new_addr + old_len,
  ...) with *locked).
- ZX-019 (-u): the UNLOCKED view made PROT_READ, page 2 read, mprotect(PROT_READ |
  PROT_WRITE): mprotect_fixup() populates only a VM_LOCKED private area made writable;
  here change_protection() alone, the read-only folio entry stays.
- ZX-020 (-y): mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE) of a new page:
  vm_mmap_pgoff() -> mm_populate() of the new area only.
- ZX-021 (-z): brk() growing the heap by a page: do_brk_flags(); brk() populates only
  under def_flags' VM_LOCKED, and only the new page.

ZX-012..ZX-016, ZX-022: where Linux ITSELF copies page 2 (a VM_LOCKED writable private view is
populated with FOLL_WRITE: populate_vma_page_range() -> wp_page_copy()), the kernel does
not, and the Guardian -- which takes those copies from the kernel's writable leaves or
stops following them -- keeps page 2 the file's clean page: pwrite64()'s 'y' reaches it
and the program reads 'y' where Linux shows 'x':

- ZX-012 (secret_r79_mm -i): mlock() of the read-write view answered 0, served as
  getpid(): nothing populated.  Linux: do_mlock() -> __mm_populate() ->
  populate_vma_page_range() with FOLL_WRITE copies every page.  `qemu-aarch64-static
  -strace workloads/bin/secret_r79_mm -i`: `mlock(0x5500803000,12288) = 0`, label 0.
- ZX-013 (secret_r81_mm -k): mlock2(view, 0) answered 0, served as getpid().  Linux:
  mlock2() with no flag is mlock() (do_mlock(..., VM_LOCKED)), the same population.
- ZX-014 (-l): the view made PROT_READ, page 2 read, mlock(), then pkey_mprotect(PROT_READ
  | PROT_WRITE, -1); the kernel does not populate.  Linux: do_mprotect_pkey() ->
  mprotect_fixup() populates a VM_LOCKED private area made writable, the same code as
  mprotect() (`(oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED`).
- ZX-015 (-m): an unrelated anonymous page mlock2(MLOCK_ONFAULT)ed first; then the view
  made PROT_READ, page 2 read, mlock() (VM_LOCKED only: the view's own area is not
  on-fault) and mprotect(PROT_READ | PROT_WRITE); the kernel does not populate.  Linux:
  VM_LOCKONFAULT is per area (mlock_fixup()), the view's population copies.
- ZX-016 (-n): mlockall(MCL_FUTURE | MCL_ONFAULT), munlockall(), then a second read-write
  view mapped MAP_PRIVATE | MAP_LOCKED; the kernel does not populate it.  Linux:
  munlockall() clears mm->def_flags' VM_LOCKED_MASK (apply_mlockall_flags(0)), so the
  view is VM_LOCKED alone (calc_vm_flag_bits(MAP_LOCKED)) and vm_mmap_pgoff() ->
  mm_populate() write-faults it.
- ZX-022 (-q): the read-write view's page 2 never touched, mlockall(MCL_CURRENT) (the
  kernel does not populate), then page 2 read: a read fault on the folio.  Linux:
  mm_populate(0, TASK_SIZE) write-faults every page of the writable private view,
  present or not (do_cow_fault() for an empty entry): page 2's first read finds a
  private copy, 'x'.  qemu-aarch64-static (`-strace secret_r81_mm -q`):
  `mlockall(MCL_CURRENT) = 0`, label `write(3,0x492090,8) = 8` (label 0).

qemu-aarch64-static (host Linux answers): `qemu-aarch64-static -strace
workloads/bin/secret_r81_mm -abcefghijklmnopruyzq` prints "secret: intact" with
`mlockall(MCL_CURRENT|MCL_ONFAULT) = 0`, `mlockall(MCL_FUTURE) = 0`, `munlockall() = 0`,
`munlock(0x5500806000,12288) = 0`, `mincore(365080682496,12288,365080609880,0,0,0) = 0`,
`msync(365080694784,12288,4,0,0,0) = 0`, `getrandom(0x4920b0,16,0) = 16`,
`mlockall(MCL_FUTURE|MCL_ONFAULT) = 0`,
`mmap(NULL,12288,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_LOCKED,4,0) = 0x000000550082b000`,
and each of those steps' label `write(3,0x492090,8) = 8` (logbuf + 32: label 0, page 2
'y' for -c, -e, -f, -g, -h, -j, -o, 'x' for -n; -o's
`mremap(365080633344,12288,12288,5,0,0) = 365080645632`).  `-strace -pruyz`:
`mlock(0x5500806000,4096) = 0`, `mremap(365080649728,4096,8192,1,0,0) = 365080653824`,
`mprotect(0x000000550080d000,12288,PROT_READ|PROT_WRITE) = 0`,
`mmap(NULL,4096,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE,-1,0) =
0x0000005500813000`, `brk(0x00000000004bc000) = 0x00000000004bc000`, each label
`write(3,0x492090,8) = 8` (label 0, 'y').  qemu does not pass mlock2() nor
pkey_mprotect() through (`mlock2(...) = -1 errno=38`), so -a, -i, -k, -l, -m show
nothing there (their labels -4 under qemu are its ENOSYS, not Linux's answer); their
Linux answers are the kernel functions cited.  -b: `munlock(...) = 0`, label 0.

Honest answers (tests/test_redteam_r81b_claims.py): the kernel model's own answers to
secret_r81_mm -a, -b, -c, -e, -f, -g, -h, -i, -j, -k, -l, -m, -p, -q, -r, -u, -y, -z and, as each step's call enters,
page 2's clean entry dropped (reclaim: shrink_folio_list() -> try_to_unmap()), the
program's read refaulting the folio: label 0, no decision.  False refusals found (xfail,
strict when written, fixed since): -n (mlockall(MCL_FUTURE | MCL_ONFAULT), munlockall(), then a MAP_PRIVATE |
MAP_LOCKED view: Linux populates it, label 0 off) and -o (a MAP_LOCKED view moved by
mremap(MREMAP_DONTUNMAP), the old range read again: label 0 off, 'y' under
qemu-aarch64-static on the host's Linux) -- with the Guardian on (and in --mode mprotect)
the untouched program was killed (exit status 9, set_pt.cut_writable at the page fault)
as it read the new view's page 2 (-n) or the old range's page 2 (-o) --
test_n_future_onfault_reset, test_o_dontunmap_old_range.  -n: the Guardian's
`space.lock_onfault` was sticky, so the MAP_LOCKED view was not taken as populated while
the kernel model (rightly) populated it; fixed by following VM_LOCKONFAULT per area and
in def_flags (locked_copies.py, Space.onfault / future_onfault).  -o: a kernel-model
bug -- the old vma mremap(MREMAP_DONTUNMAP) leaves kept the mmap's owed population
(Vma.populate_write), so the model served its read fault as a write fault (a writable
copy); move_vma() leaves it empty and unlocked, a read fault maps the folio read-only
(kernel_model/syscalls/mem.py now clears populate_write there).  The -a step had no honest
claim: the kernel model populated (copied) a range mlock2(MLOCK_ONFAULT) locks, where
populate_vma_page_range() returns at once for VM_LOCKONFAULT -- a kernel-model difference
from Linux, fixed (sys_mlock2 -> _mlock(onfault), Vma.onfault: mlockall(MCL_ONFAULT)'s
areas and def_flags' too are not populated by a later mprotect() or mmap()); -a's
untouched run is a claim now.
Not registered: an attack on -o's old range (refaulted on a copy of 'x' before the
pwrite64()) -- the untouched program is killed there with the Guardian on, so no
scenario can reach the marker until that false refusal is fixed.

Not finished (left for a later round): a MAP_PRIVATE | MAP_LOCKED view longer than the
memfd (its page past the end not populated: the fault fails, mm_populate() ignores it),
the file then grown by ftruncate() and the page read (a read fault of the new folio, so
the file's later pwrite64() shows there) while the Guardian takes the whole view as
copies (FileView.copied): tried as a step, but qemu-aarch64-static's run of it did not
read zeros at the grown page (a qemu mapping of a page past EOF, not looked into), so
Linux's answer was not shown and no scenario was written.  Nor tried: two threads, one
in a lock call while the other's munlock/mprotect races the population (the Guardian
then relies on the kernel's leaves: locked_copies._settled()); a fork child of a
locked view.

Through with the Guardian on when written (gaps, P2): ZX-001..ZX-022.
Refused since: ZX-002..ZX-011 and ZX-017..ZX-021 by `cut.call_ranges`
(guardian/call_stores.py, for set_pt.cut_writable and swap_in.clean_writable): a memory
call in flight opens to a writable refault only what Linux may store to or write-fault
-- nothing for munlock, munlockall, msync and mlockall without MCL_CURRENT; mlock's and
mlock2's [start, start + len) (__mm_populate()), nothing for mlock2(MLOCK_ONFAULT) and
mlockall(MCL_CURRENT | MCL_ONFAULT) while no lock or area call acted beside them
(populate_vma_page_range() returns for VM_LOCKONFAULT; another thread's munlock between
apply_vma_lock_flags() and __mm_populate() would make it populate: then its range, every
page for mlockall); mincore's [vec, vec + pages), getrandom's [buf, buf + count);
mprotect and pkey_mprotect adding PROT_WRITE, a growing mremap, brk, and a populating
mmap only where an area of the tree may be VM_LOCKED (`Space.lock_seen`: an mlock,
mlock2, mlockall or MAP_LOCKED mmap returned or in flight; mprotect_fixup(),
do_mremap(), do_brk_flags()), and an mmap otherwise only its MAP_FIXED range (a new
area elsewhere is a hole, never the view's page, unless another call of the tree that
may unmap it is in flight).  (ZX-006 strikes as mincore() returns: the kernel model's
mincore() reads page entries only -- Linux's mincore_page() finds the page cache folio
of an empty entry of a file area -- so a refault refused at its entry left page 2
reported absent and the step failing on its own.)
Refused since, once the kernel model's mlock2(MLOCK_ONFAULT) stopped copying its range
(populate_vma_page_range() returns at once for VM_LOCKONFAULT; it copied before): ZX-001 by
cut.call_ranges as well.  What the Guardian needed when written: for ZX-012, ZX-013: mlock() and mlock2() without MLOCK_ONFAULT answered 0
end the cleanness of the writable private views' present pages in their range as
mlockall(MCL_CURRENT) does (locked_copies.follow(), whatever leaves the kernel set).
For ZX-014: pkey_mprotect() belongs in locked_copies.CALLS with mprotect().  For
ZX-015, ZX-016: `space.lock_onfault` was sticky for the whole space; Linux's
VM_LOCKONFAULT is per area (mlock2(MLOCK_ONFAULT) of one range) and def_flags' on-fault
bit ends at munlockall() or a later mlockall() (apply_mlockall_flags()): follow the
on-fault ranges as locked_ranges follows the locked ones.  For ZX-022:
locked_copies.follow() ends the cleanness of the PRESENT pages only (pages_in()); after
mlockall(MCL_CURRENT) (and mprotect's, MAP_LOCKED's population) every page of the view's
locked writable range is a copy, so a later read fault of a page that was empty must not
be a clean page of the file (FileView.copied for the range, as for MAP_LOCKED).
Refused since: ZX-012, ZX-013 by clean.locked_populate widened (locked_copies.follow():
mlock() and mlock2() without MLOCK_ONFAULT answered 0 end the cleanness of the writable
private views' present pages in [start, start + len), do_mlock() -> __mm_populate());
ZX-014 by clean.locked_populate (pkey_mprotect() in locked_copies.CALLS, as mprotect());
ZX-015, ZX-016 by clean.locked_populate (VM_LOCKONFAULT followed per area, Space.onfault,
and in def_flags, Space.future_onfault, which munlockall() and a later mlockall() clear:
apply_vma_lock_flags(), apply_mlockall_flags()); ZX-022 by clean.locked_populate (a
population covering a whole writable view -- mlockall(MCL_CURRENT), an mlock() of all of
it -- makes the view FileView.copied: its empty pages were do_cow_fault() copies).  Left
for later: a population of part of a view (mlock() or mprotect() of some of its pages)
still takes only the PRESENT pages as copies -- an empty page there read later is taken
as the file's clean page; the Guardian would need a per-page copied set of the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r79b as r79
from attacks.families.redteam_r79b import writable_as
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r81b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM81 = "secret_r81_mm"
(P_ONFAULT, P_MUNLOCK, P_ALLONF, P_FUTURE, P_MUNLALL, P_MINCORE, P_MSYNC, P_PKEYSAME,
 P_RANDOM, P_MLOCK2, P_PKEYLOCK, P_ONFOTHER, P_FUTRESET, P_DONTUNMAP, P_MLOCKOTHER,
 P_GROWOTHER, P_PROTRW, P_MMAPPOP, P_BRK, P_ALLUNTOUCHED) = range(12400, 12560, 8)
P_FIRST, P_LAST = P_ONFAULT, P_ALLUNTOUCHED
LETTER81 = dict(zip(range(12400, 12560, 8), (b"-" + c.encode() for c in "abcefghijklmnopruyzq"),
                    strict=True))
ALL_ARGS81 = b"-abcefghijklmnopruyzq"
NR = {"mlock": 228, "munlock": 229, "mlockall": 230, "munlockall": 231, "mincore": 232,
      "msync": 227, "pkey_mprotect": 288, "getrandom": 278, "mlock2": 284, "mremap": 216,
      "mprotect": 226, "mmap": 222, "brk": 214}
#: the scenarios through with the Guardian on when written (P2: the program's page no
#: longer shows its file, or shows it where Linux copied)
GAPS: dict[str, str] = {}
#: refused since the fixes (cut.call_ranges: guardian/call_stores.py; clean.locked_populate:
#: guardian/locked_copies.py)
REFUSED = frozenset(f"ZX-{n:03d}" for n in range(1, 23))
#: the predecessor design (--mode mprotect) pins confidential memory (no swap): ZX-010 and
#: ZX-011 never reached it; every other attack got through it when written and is refused
#: there too since the fixes (its set_pt judges the cut page's refault as --mode on)
OLD_DESIGN: tuple[str, ...] = ()


def _zx(sid: str, title: str, prop: str, phase: int, program: str = VICTIM81,
        letters: dict[int, bytes] = LETTER81):  # type: ignore[no-untyped-def]
    return explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=program,
        prop=prop, gap=GAPS.get(sid, ""), args=(letters[phase],),
        mprotect=Expect.SUCCEEDS if sid in OLD_DESIGN else Expect.REFUSED))


WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")
_CUT = (
    ("ZX-001", P_ONFAULT, "mlock2", False, "mlock2(view, MLOCK_ONFAULT)",
     "apply_vma_lock_flags() sets VM_LOCKED | VM_LOCKONFAULT; __mm_populate() -> "
     "populate_vma_page_range() returns at once for VM_LOCKONFAULT: no fault."),
    ("ZX-002", P_MUNLOCK, "munlock", False, "munlock() of the unlocked view",
     "apply_vma_lock_flags() -> mlock_fixup() clears VM_LOCKED; no page is faulted."),
    ("ZX-003", P_ALLONF, "mlockall", False, "mlockall(MCL_CURRENT | MCL_ONFAULT)",
     "apply_mlockall_flags() sets VM_LOCKONFAULT on every area; mm_populate() faults none "
     "(populate_vma_page_range())."),
    ("ZX-004", P_FUTURE, "mlockall", False, "mlockall(MCL_FUTURE)",
     "apply_mlockall_flags() sets mm->def_flags only; without MCL_CURRENT sys_mlockall() "
     "calls no mm_populate()."),
    ("ZX-005", P_MUNLALL, "munlockall", False, "munlockall()",
     "apply_mlockall_flags(0) clears VM_LOCKED_MASK of every area: no fault."),
    ("ZX-006", P_MINCORE, "mincore", False, "mincore(view, 3 pages, vec on the stack)",
     "do_mincore() stores only at vec (copy_to_user(vec, tmp, ...))."),
    ("ZX-007", P_MSYNC, "msync", False, "msync(view, MS_SYNC)",
     "vfs_fsync_range() of the shmem file (noop_fsync()): no store."),
    ("ZX-008", P_PKEYSAME, "pkey_mprotect", False,
     "pkey_mprotect(view, PROT_READ | PROT_WRITE, -1) of the unlocked read-write view",
     "do_mprotect_pkey() -> mprotect_fixup() returns at newflags == oldflags; it "
     "populates only a VM_LOCKED area made writable."),
    ("ZX-009", P_RANDOM, "getrandom", False, "getrandom(buf, 16, 0) into a static buffer",
     "get_random_bytes_user() stores only at buf."),
    ("ZX-010", P_MSYNC, "msync", True, "msync(view, MS_SYNC)",
     "noop_fsync(); and reclaim drops a clean file folio, never swaps it "
     "(shrink_folio_list()), the refault is read-only."),
    ("ZX-011", P_MUNLOCK, "munlock", True, "munlock() of the unlocked view",
     "mlock_fixup(); and reclaim drops a clean file folio, never swaps it "
     "(shrink_folio_list()), the refault is read-only."),
)
_CUT2 = (
    ("ZX-017", P_MLOCKOTHER, "mlock", 1, "mlock() of an unrelated anonymous page",
     "do_mlock() -> __mm_populate(start, len) faults only [start, start + len): the view is "
     "outside it."),
    ("ZX-018", P_GROWOTHER, "mremap", 1, "mremap() growing an unrelated unlocked "
     "anonymous page to two", "do_mremap() populates (mm_populate()) only the grown part "
     "of a VM_LOCKED area (vma_expandable() / move_vma() with *locked); this one is not "
     "locked, and the view is elsewhere."),
    ("ZX-019", P_PROTRW, "mprotect", 2, "mprotect(PROT_READ | PROT_WRITE) of the UNLOCKED "
     "PROT_READ view", "mprotect_fixup() populates only when (oldflags & (VM_WRITE | "
     "VM_SHARED | VM_LOCKED)) == VM_LOCKED; an unlocked area made writable is only "
     "re-protected (change_protection()), its read-only folio entries stay."),
    ("ZX-020", P_MMAPPOP, "mmap", 1, "mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE) of a "
     "new page", "vm_mmap_pgoff() -> mm_populate(ret, populate) faults only the new area."),
    ("ZX-021", P_BRK, "brk", 2, "brk() growing the heap by a page", "do_brk_flags() makes "
     "the area; brk() populates it (mm_populate()) only under mm->def_flags VM_LOCKED, "
     "and only the new heap page."),
)
#: (mincore() reports page 2 resident only while its entry is there -- the kernel model
#: reads the entries only, where Linux's mincore_page() also finds the page cache folio
#: -- so ZX-006 strikes as mincore() returns, its store at vec done, the call in flight)
_AT_EXIT = frozenset({"ZX-006"})
for sid, phase, call, swap, what, why in _CUT:
    _when = "returns" if sid in _AT_EXIT else "enters"
    _t = (f"({LETTER81[phase].decode()}) Page 2 read (no store): as {what} {_when}, page 2 " +
          ("swapped out and at once back in WRITABLE" if swap else
           "dropped and mapped writable on a copy of 'x'") + ", before pwrite64() of 'y'")
    _zx(sid, _t, WRITABLE + why + LINUX_Y, phase)(
        writable_as(phase, NR[call], swap=swap, at_exit=sid in _AT_EXIT))
for sid, phase, call, nth, what, why in _CUT2:
    _t = (f"({LETTER81[phase].decode()}) Page 2 read (no store): as {what} enters, page 2 "
          "dropped and mapped writable on a copy of 'x', before pwrite64() of 'y'")
    _zx(sid, _t, WRITABLE + why + LINUX_Y, phase)(writable_as(phase, NR[call], nth=nth))


def _y_unguarded(adv: Adversary, phase: int) -> None:
    """(Without a Guardian the kernel model's read fault already copied page 2: at the
    marker P + 2 the kernel writes 'y' into that frame, as the shared folio would hold.)"""
    @adv.on(Point.MARKER, phase=phase + 2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if a.guarded:
            a.note("page 2 left the file's clean page across the locking call")
            return
        pa = a.init.mm.tables.lookup(args[0] + 2 * PAGE) & D.ADDR_MASK
        a.write_lm(pa, b"y" * PAGE)
        a.note(f"page 2's frame {pa:#x} holds the file's 'y'")


def lock_answered(nr: int, phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The read-write view's page 2 read (clean); the program locks the view.
        2. The kernel serves the lock call as getpid() and answers 0: nothing populated,
        page 2 stays the file's clean page.
        3. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its
        private copy 'x' (the lock's population with FOLL_WRITE), and indexes its log
        buffer at -4."""
        serve_as_getpid(adv, nr, phase, 0)
        _y_unguarded(adv, phase)
    return steps


def no_population(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step makes a locked writable private view of the memfd (page 2 read):
        Linux write-faults every page of it (populate_vma_page_range() with FOLL_WRITE).
        2. The kernel does NOT populate it (MemoryManager.skip_locked_population from the
        first marker on), so page 2 stays the file's clean page.
        3. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its
        private copy 'x', and indexes its log buffer at -4."""
        @adv.on(Point.MARKER)
        def _(a: Adversary, **_: object) -> None:
            a.init.mm.ctx.memory.skip_locked_population = True
        _y_unguarded(adv, phase)
    return steps


COPIES = ("A VM_LOCKED writable private view is populated with FOLL_WRITE "
          "(populate_vma_page_range() -> wp_page_copy(), do_cow_fault()): page 2 is a "
          "private copy of 'x' before pwrite64() of 'y', label 0 with 'x'.  ")
_t12 = ("(secret_r79_mm -i) The read-write view's page 2 read, mlock() of the view answered "
        "0 by a kernel that populates nothing: page 2 stays the file's and shows 'y'")
_zx("ZX-012", _t12, COPIES + "do_mlock() -> __mm_populate().  qemu-aarch64-static "
    "(`-strace secret_r79_mm -i`): `mlock(0x5500803000,12288) = 0`, label 0.",
    r79.P_MLOCKRW, r79.VICTIM79, r79.LETTER79)(lock_answered(NR["mlock"], r79.P_MLOCKRW))
_t13 = ("(-k) The read-write view's page 2 read, mlock2(view, 0) answered 0 by a kernel "
        "that populates nothing: page 2 stays the file's and shows 'y'")
_zx("ZX-013", _t13, COPIES + "mlock2() without a flag is do_mlock(..., VM_LOCKED) -> "
    "__mm_populate(), as mlock().", P_MLOCK2)(lock_answered(NR["mlock2"], P_MLOCK2))
_POP = (
    ("ZX-014", P_PKEYLOCK, "A PROT_READ view's page 2 read, mlock(), then pkey_mprotect("
     "PROT_READ | PROT_WRITE, -1)", "do_mprotect_pkey() -> mprotect_fixup() populates a "
     "VM_LOCKED private area made writable, the same code for pkey_mprotect() as for "
     "mprotect()."),
    ("ZX-015", P_ONFOTHER, "An unrelated page mlock2(MLOCK_ONFAULT)ed, then a PROT_READ "
     "view's page 2 read, mlock() of the view and mprotect(PROT_READ | PROT_WRITE)",
     "VM_LOCKONFAULT is a flag of each area (mlock_fixup()): the view's area is VM_LOCKED "
     "alone and mprotect_fixup() populates it."),
    ("ZX-016", P_FUTRESET, "mlockall(MCL_FUTURE | MCL_ONFAULT), munlockall(), then a "
     "MAP_PRIVATE | MAP_LOCKED read-write view's page 2 read", "munlockall() cleared "
     "mm->def_flags (apply_mlockall_flags(0)); MAP_LOCKED alone gives VM_LOCKED "
     "(calc_vm_flag_bits()) and vm_mmap_pgoff() -> mm_populate() write-faults the view."),
    ("ZX-022", P_ALLUNTOUCHED, "The read-write view's page 2 NEVER touched, "
     "mlockall(MCL_CURRENT), then page 2 read", "sys_mlockall() -> mm_populate(0, "
     "TASK_SIZE) write-faults every page of the writable private view, present or not "
     "(populate_vma_page_range() with FOLL_WRITE: do_cow_fault() for an empty entry), so "
     "page 2's first read finds a private copy.  qemu-aarch64-static (`-strace "
     "secret_r81_mm -q`): `mlockall(MCL_CURRENT) = 0`, label `write(3,0x492090,8) = 8` "
     "(label 0, 'x')."),
)
for sid, phase, what, why in _POP:
    _t = (f"({LETTER81[phase].decode()}) {what}: the kernel does not populate the locked "
          "view, page 2 stays the file's and shows pwrite64()'s 'y'")
    _zx(sid, _t, COPIES + why, phase)(no_population(phase))

