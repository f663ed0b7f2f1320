"""Red-team round 78b: the Guardian's memory-management ABI for the clean private pages of
a followed memfd (guardian/clean_pages.py, guardian/set_pt_checks.py) after round 77b's
fixes: a clean page's leaf made writable only on a copy (set_pt.clean_writable), a
cleanness that ends only when the Guardian accepts the writable leaf (commit_clean), a
sealed clean page counted as dropped and its refault judged against the file's bytes.

The victims are round 76b's `secret_r76_mm` and round 77b's `secret_r77_mm` (their steps
and markers: attacks/families/redteam_r76b.py, attacks/families/redteam_r77b.py).

Linux keeps one page cache folio per file page: a private view's read fault maps it
read-only (do_read_fault() -> finish_fault()), a MAP_SHARED view's fault maps the same
folio writable (do_shared_fault()), a second private view maps it too; reclaim drops a
clean entry (shrink_folio_list()), and the refault maps the folio again (shmem_fault()),
which every later write to the file reaches.

- ZP-001..ZP-004 (secret_r77_mm -a, -e, -f, -g): page 2 (clean, 'x') dropped and
  refaulted read-only on a new frame of the file's 'x' after it was read, before the file
  changes: the refault is a clean page of the file again, the change is shown: refused.
- ZP-005 (secret_r76_mm -x), ZP-006 (-f), ZP-011..ZP-021 (-a, -F, -G, -r, -s, -p, -q,
  -t, -u, -c, -g): page 2 refaulted read-only on a new frame of 'x' as the call that
  changes the file enters (write(), an O_APPEND write() or pwrite64(), a pwrite64()
  through a /proc/self/fd reopened description or a dup()'d one, pwritev(),
  copy_file_range(), sendfile(), splice(), fallocate(PUNCH_HOLE), a fork or vfork
  child's pwrite64()): refused (the change is shown in the refault; O_APPEND's write
  lands at i_size, page 2 stays 'x').
- ZP-007 (-a): page 2 migrated, then made writable in place: refused
  (set_pt.clean_writable follows the migrated frame).  ZP-008: swapped out before the
  write, its sealed 'x' swapped back in after it: refused.  ZP-009: refaulted read-only,
  then made writable in place: refused.
- ZP-010 (secret_r76_mm -x): the second view's page 2 mapped on the first view's frame,
  the first given a stale 'x': refused (set_pt.one_mapping).
- ZP-022 (secret_r77_mm -c): page 2 swapped out before the memfd's last descriptor is
  closed, forged bytes mapped as its refault after the close: refused
  (set_pt.cut_refault: the file's bytes are kept after the close).  ZP-023 (-a): the
  stale 'x' as the refault after pwrite64() of 'y': refused.
- ZP-024 (-e copy_file_range()), ZP-025 (round 76b's -f, the parent's page as the fork
  child's pwrite64() enters), ZP-026 (-r, a /proc/self/fd reopened description),
  ZP-028..ZP-032 (round 76b's -g, -p, -t, -u, -c: a vfork child's pwrite64(), pwritev(),
  sendfile(), splice(), fallocate(PUNCH_HOLE)): page 2 (no store) dropped and refaulted
  WRITABLE on a copy of 'x' -- the file's bytes then -- before the file changes: through
  in round 78b (ZM-027's kind), refused since (set_pt.cut_writable: a page a private
  view left empty comes back writable only while a write fault at it -- ESR.WnR -- or a
  call that may write user memory there is in flight; a read refault is read-only,
  do_read_fault(), only a write fault copies, do_cow_fault()).  ZP-029 under the
  predecessor design (--mode mprotect) is ZP-016's kind.  ZP-027 (-G, O_APPEND): the
  same, refused (page 2 stays 'x' under Linux too; set_pt.cut_writable).
- Honest (tests/test_redteam_r78b_claims.py): the read-only refaults and a migration
  after the read, label 0; the closed memfd's sealed page refaulted with the file's 'x'.
  False refusal (xfail, open): a clean page a fork child maps too reclaimed right after
  fork() (shrink_folio_list() -> try_to_unmap() unmaps it from every mm; SWAP_OUT
  refuses a frame with two mappings, smm.page_alone).
  It stays open: SWAP_OUT seals one (tree, va) and the fork child's entry is the
  kernel's; answering it needs SWAP_OUT of a clean frame whose every place is that file
  page (clean_pages.shared_places, as MIGRATE_PAGE uses) to clear each other tree's entry
  at once and mark the page empty in each view (`FileView.cut`), with the kernel model's
  child entry and frame count following.

Answered since: two private views of the file mapping the same folio (the second view's
page read-only on the first view's clean frame: set_pt.one_mapping lets the same page of
another private view of the file map a clean frame read-only, do_read_fault()); the
private view's read-only refault on the frame its MAP_SHARED view maps at that memfd page
(set_pt.one_mapping and set_pt.share_one_frame let it through: shmem_fault() finds the
one folio, guardian/folio_alias.py); the MAP_SHARED view's writable leaf on the private
view's clean frame where the share page has no frame yet (set_pt.clean_writable and
set_pt.one_mapping let it through: do_shared_fault() maps the folio do_read_fault()
mapped).

qemu-aarch64-static: secret_r76_mm and secret_r77_mm run label 0 for these steps (as
rounds 76b and 77b checked); the kernel model's private read fault copies the page
(not Linux), which these scenarios and claims stand in for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r77b as r77
from attacks.families.redteam_r66b import migrate
from attacks.families.redteam_r70b import copy_read_faults
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r78b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
NR_PWRITE64 = 68
X = ord("x")
GAPS: dict[str, str] = {}
#: the predecessor design (--mode mprotect) judges no file page after pwritev() (as
#: ZJ-015) and no refault of a swapped-out clean page
OLD_DESIGN = ("ZP-016", "ZP-023", "ZP-029")




#: the scenarios whose kernel keeps a stale private page by copying at the read fault
#: where Linux (and the kernel model) maps the memfd's folio
COPY_READS = ("ZP-007",)


def _zp(sid: str, title: str, prop: str, program: str, args: tuple[bytes, ...]):  # type: ignore[no-untyped-def]
    register = explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=program,
        prop=prop, gap=GAPS.get(sid, ""), args=args,
        mprotect=Expect.SUCCEEDS if sid in OLD_DESIGN else Expect.REFUSED))
    return (lambda steps: register(copy_read_faults(steps))) if sid in COPY_READS else register


def refault_ro(a: Adversary, va: int, writable: bool = False) -> None:
    """Page `va` of the program dropped and mapped again on a new frame of the file's 'x'
    (read-only, as a read refault does; `writable`: at EL0 too)."""
    mm = a.init.mm
    desc = mm.tables.lookup(va)
    try:
        mm.zap(va, va + PAGE)
        frame = a.alloc_frame()
        a.write_lm(frame, bytes([X]) * PAGE)
        bits = desc & ~D.ADDR_MASK
        mm.tables.set(va, (bits & ~D.AP_RO if writable else bits | D.AP_RO) | frame)
        a.el1.tlbi_all()
        a.note(f"page {va:#x} refaulted on {frame:#x}")
    except Exception as exc:
        a.refused(f"the refault at {va:#x}: {exc!r}")


def refault_at(phase: int, writable: bool = False):  # type: ignore[no-untyped-def]
    """(secret_r77_mm) At the step's marker P + 4 (pages read, the file not yet
    changed), page 2 dropped and refaulted read-only on a new frame of 'x'."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            refault_ro(a, (args[0] if args else 0) + 2 * PAGE, writable)
    return steps


def refault_at_write(phase: int, init_only: bool = True, nr: int = NR_PWRITE64,  # type: ignore[no-untyped-def]
                     writable: bool = False):
    """(secret_r76_mm) As the call `nr` enters (in the program, or a child where
    init_only is False), the program's page 2 refaulted read-only on a new frame of 'x'."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=init_only)
        def _(a: Adversary, **_: object) -> None:
            if "done" in a.memo:
                return
            a.memo["done"] = True
            refault_ro(a, a.memo.get("view", 0) + 2 * PAGE, writable)
    return steps


def migrate_writable(phase: int):  # type: ignore[no-untyped-def]
    """At P + 4, page 2 migrated to a new frame, then its entry made writable at EL0."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            if not migrate(a, va):
                a.refused(f"MIGRATE_PAGE of {va:#x}")
                return
            mm = a.init.mm
            try:
                mm.tables.set(va, mm.tables.lookup(va) & ~D.AP_RO)
                a.el1.tlbi_all()
                a.note(f"page {va:#x} migrated and made writable")
            except Exception as exc:
                a.refused(f"the writable entry at {va:#x}: {exc!r}")
    return steps


def swap_over_write(phase: int):  # type: ignore[no-untyped-def]
    """At P + 4 page 2 swapped out; at P + 2 (after the write) its sealed 'x' swapped in."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            a.memo["va"] = va
            blob = swap_out(a, va)
            if blob is None:
                a.refused(f"SWAP_OUT of {va:#x}")
            else:
                a.memo["blob"] = blob

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            if "blob" in a.memo:
                va = a.memo["va"]
                if swap_in(a, va, a.memo.pop("blob")):
                    a.note(f"page {va:#x} swapped back in")
                else:
                    a.refused(f"SWAP_IN of {va:#x}")
    return steps


def refault_then_writable(phase: int):  # type: ignore[no-untyped-def]
    """At P + 4 page 2 refaulted read-only on a new frame of 'x'; as pwrite64() enters,
    that frame's entry made writable at EL0 in place."""
    def steps(adv: Adversary) -> None:
        refault_at(phase)(adv)

        @adv.on(Point.SYSCALL_ENTRY, nr=NR_PWRITE64, during=phase)
        def _(a: Adversary, **_: object) -> None:
            mm = a.init.mm
            va = a.memo.get("va", 0)
            if not va:
                return
            try:
                mm.tables.set(va, mm.tables.lookup(va) & ~D.AP_RO)
                a.el1.tlbi_all()
                a.note(f"page {va:#x} made writable")
            except Exception as exc:
                a.refused(f"the writable entry at {va:#x}: {exc!r}")

        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["va"] = (args[0] if args else 0) + 2 * PAGE
    return steps


def second_view_alias(phase: int):  # type: ignore[no-untyped-def]
    """(secret_r76_mm -x) At P + 2 (x2 the first view, x3 the second), the second view's
    page 2 mapped onto the first view's page 2 frame, and the first view's page 2 given
    a new frame of the stale 'x'."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            v1, v2 = args[0] + 2 * PAGE, args[1] + 2 * PAGE
            mm = a.init.mm
            pa = mm.tables.lookup(v1) & D.ADDR_MASK
            desc = mm.tables.lookup(v2)
            try:
                mm.zap(v2, v2 + PAGE)
                mm.tables.set(v2, (desc & ~D.ADDR_MASK) | pa)
                a.el1.tlbi_all()
                a.note(f"the second view's page 2 mapped on {pa:#x}")
            except Exception as exc:
                a.refused(f"the second view's alias: {exc!r}")
                return
            refault_ro(a, v1)
    return steps


L76, L77 = r76.LETTER, r77.LETTER77
DROPPED = ("Reclaim drops the clean entry (shrink_folio_list()) and the refault maps the "
           "page cache folio again (shmem_fault()), which the write reaches: ")
for sid, phase, linux in (("ZP-001", r77.P_KSMREAD, "pwrite64() of 'y': 'y'"),
                          ("ZP-002", r77.P_COPYSELF, "copy_file_range() of 'w': 'w'"),
                          ("ZP-003", r77.P_COPYOVER, "the -EINVAL copy, pwrite64() of 'y': 'y'"),
                          ("ZP-004", r77.P_ZERORANGE, "the -EOPNOTSUPP fallocate(), "
                           "pwrite64() of 'y': 'y'")):
    _zp(sid, f"({L77[phase].decode()}) Page 2 read, dropped and refaulted read-only on a new "
        "frame of the file's 'x' before the file changes: the change misses the new frame",
        DROPPED + linux + ".", r77.VICTIM77, (L77[phase],))(refault_at(phase))
_zp("ZP-005", "(round 76b's -x) Two private views, page 2 read in both: the first view's page "
    "2 refaulted read-only on a new frame of 'x' as pwrite64() of 'y' enters",
    DROPPED + "both views read 'y'.", r76.VICTIM, (L76[r76.P_TWOVIEWS],))(
    refault_at_write(r76.P_TWOVIEWS))
_zp("ZP-006", "(round 76b's -f) Page 2 read: the parent's page 2 refaulted read-only on a new "
    "frame of 'x' as the fork child's pwrite64() of 'y' enters",
    DROPPED + "the child writes the same folio, the parent's page 2 reads 'y'.", r76.VICTIM,
    (L76[r76.P_FORKW],))(refault_at_write(r76.P_FORKW, init_only=False))
_zp("ZP-007", "(-a) Page 2 read (clean, no store): migrated, then the new frame made writable "
    "in place before pwrite64() of 'y'", "migrate_folio() moves the folio, still mapped "
    "read-only (remove_migration_pte() keeps the entry's permissions); no store, no copy: "
    "'y'.", r77.VICTIM77, (L77[r77.P_KSMREAD],))(migrate_writable(r77.P_KSMREAD))
_zp("ZP-008", "(-a) Page 2 read: swapped out before pwrite64() of 'y', the sealed 'x' swapped "
    "back in after it", DROPPED + "'y'.", r77.VICTIM77, (L77[r77.P_KSMREAD],))(
    swap_over_write(r77.P_KSMREAD))
_zp("ZP-009", "(-a) Page 2 read: refaulted read-only on a new frame of 'x', that frame made "
    "writable in place as pwrite64() of 'y' enters", DROPPED + "a read refault's entry stays "
    "read-only until a store copies it (wp_page_copy()): 'y'.", r77.VICTIM77,
    (L77[r77.P_KSMREAD],))(refault_then_writable(r77.P_KSMREAD))
_zp("ZP-010", "(round 76b's -x) After pwrite64() of 'y': the second view's page 2 mapped on "
    "the first view's frame, the first view's page 2 given a stale frame of 'x'",
    "Both views map the one folio of page 2 (do_read_fault()): both read 'y'.", r76.VICTIM,
    (L76[r76.P_TWOVIEWS],))(second_view_alias(r76.P_TWOVIEWS))


#: (id, round 76b's step, the call, init_only, what changes the file, what Linux shows)
CHANGES = (
    ("ZP-011", r76.P_WRITE, 64, True, "lseek() and write() of 'y'", "'y'"),
    ("ZP-012", r76.P_APPENDW, 64, True, "write() of 'y' through an O_APPEND descriptor "
     "reopened by /proc/self/fd (appended at page 4: generic_write_checks() sets the "
     "position to i_size)", "'x'"),
    ("ZP-013", r76.P_APPENDPW, 68, True, "pwrite64() of 'y' at page 2 through an O_APPEND "
     "descriptor (appended at page 4: O_APPEND wins over the offset)", "'x'"),
    ("ZP-014", r76.P_REOPEN, 68, True, "pwrite64() of 'y' through a second description "
     "reopened by /proc/self/fd", "'y'"),
    ("ZP-015", r76.P_DUPW, 68, True, "pwrite64() of 'y' through a dup()'d descriptor", "'y'"),
    ("ZP-016", r76.P_PWRITEV, 70, True, "pwritev() of 'y'", "'y'"),
    ("ZP-017", r76.P_COPYFR, 285, True, "copy_file_range() of 'y' from another memfd", "'y'"),
    ("ZP-018", r76.P_SENDF, 71, True, "sendfile() of 'y'", "'y'"),
    ("ZP-019", r76.P_SPLICE, 76, True, "splice() of 'y' from a pipe", "'y'"),
    ("ZP-020", r76.P_PUNCH, 47, True, "fallocate(PUNCH_HOLE) of page 2", "zeros"),
    ("ZP-021", r76.P_VFORKW, 68, False, "a vfork child's pwrite64() of 'y'", "'y'"),
)
for sid, phase, nr, init_only, change, linux in CHANGES:
    _zp(sid, f"(round 76b's {L76[phase].decode()}) Page 2 read: refaulted read-only on a new "
        f"frame of 'x' as {change} enters", DROPPED + linux + ".", r76.VICTIM,
        (L76[phase],))(refault_at_write(phase, init_only, nr))


def swap_then_forge(phase: int, byte: int):  # type: ignore[no-untyped-def]
    """At P + 4 page 2 swapped out (the sealed clean page counts as dropped); at P + 2
    (after the calls) a page of `byte`s mapped there as its refault."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase + 4)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            va = (args[0] if args else 0) + 2 * PAGE
            a.memo["va"] = va
            if swap_out(a, va) is None:
                a.refused(f"SWAP_OUT of {va:#x}")

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, **_: object) -> None:
            va = a.memo.get("va", 0)
            if not va:
                return
            frame = a.alloc_frame()
            a.write_lm(frame, bytes([byte]) * PAGE)
            try:
                a.init.mm.tables.set(va, (a.memo["desc"][va] & ~D.ADDR_MASK) | D.AP_RO | frame)
                a.el1.tlbi_all()
                a.note(f"a page of {byte:#x} mapped at {va:#x}")
            except Exception as exc:
                a.refused(f"the page at {va:#x}: {exc!r}")
    return steps


FORGED = 0x51
_zp("ZP-022", "(-c) Page 2 read, swapped out before the memfd's last descriptor is closed: a "
    "page of forged bytes mapped there after the close", "The view holds the file "
    "(vma->vm_file); reclaim drops the clean entry and the refault reads the file's 'x' "
    "(shmem_fault()).", r77.VICTIM77, (L77[r77.P_CLOSED],))(
    swap_then_forge(r77.P_CLOSED, FORGED))
_zp("ZP-023", "(-a) Page 2 read, swapped out: a page of the stale 'x' mapped there after "
    "pwrite64() of 'y'", DROPPED + "'y'.", r77.VICTIM77, (L77[r77.P_KSMREAD],))(
    swap_then_forge(r77.P_KSMREAD, X))


WRITABLE = ("A read refault maps the folio read-only (do_read_fault()); only a store's write "
            "fault copies it (wp_page_copy()), and there is none: ")
_zp("ZP-024", "(-e) Page 2 read (no store): dropped and refaulted writable on a copy of 'x' "
    "before copy_file_range() of 'w' into page 2", WRITABLE + "'w'.", r77.VICTIM77,
    (L77[r77.P_COPYSELF],))(refault_at(r77.P_COPYSELF, writable=True))
_zp("ZP-025", "(round 76b's -f) Page 2 read (no store): the parent's page 2 refaulted writable "
    "on a copy of 'x' as the fork child's pwrite64() of 'y' enters", WRITABLE + "the "
    "parent's page 2 reads 'y'.", r76.VICTIM, (L76[r76.P_FORKW],))(
    refault_at_write(r76.P_FORKW, False, NR_PWRITE64, writable=True))
_zp("ZP-026", "(round 76b's -r) Page 2 read (no store): refaulted writable on a copy of 'x' as "
    "pwrite64() of 'y' through a /proc/self/fd reopened description enters",
    WRITABLE + "'y'.", r76.VICTIM, (L76[r76.P_REOPEN],))(
    refault_at_write(r76.P_REOPEN, True, NR_PWRITE64, writable=True))
_zp("ZP-027", "(round 76b's -G) Page 2 read (no store): refaulted writable on a copy of 'x' as "
    "pwrite64() of 'y' through an O_APPEND descriptor enters (appended at page 4)",
    WRITABLE + "page 2 stays 'x' (the write lands at i_size).", r76.VICTIM,
    (L76[r76.P_APPENDPW],))(refault_at_write(r76.P_APPENDPW, True, NR_PWRITE64,
                                             writable=True))

#: (id, round 76b's step, the call, init_only, what changes the file, what Linux shows)
WRITABLE_CHANGES = (
    ("ZP-028", r76.P_VFORKW, 68, False, "a vfork child's pwrite64() of 'y'", "'y'"),
    ("ZP-029", r76.P_PWRITEV, 70, True, "pwritev() of 'y'", "'y'"),
    ("ZP-030", r76.P_SENDF, 71, True, "sendfile() of 'y'", "'y'"),
    ("ZP-031", r76.P_SPLICE, 76, True, "splice() of 'y' from a pipe", "'y'"),
    ("ZP-032", r76.P_PUNCH, 47, True, "fallocate(PUNCH_HOLE) of page 2 (which keeps a "
     "private copy: unmap_mapping_range() without even_cows)", "zeros (no copy was made)"),
)
for sid, phase, nr, init_only, change, linux in WRITABLE_CHANGES:
    _zp(sid, f"(round 76b's {L76[phase].decode()}) Page 2 read (no store): refaulted writable "
        f"on a copy of 'x' as {change} enters", WRITABLE + linux + ".", r76.VICTIM,
        (L76[phase],))(refault_at_write(phase, init_only, nr, writable=True))
