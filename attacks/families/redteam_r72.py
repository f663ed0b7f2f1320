"""Red-team round seventy-two: return.name_too_long after an mprotect() or
pkey_mprotect() that failed, or that named its range through a tagged pointer.

guardian/protections.py keeps the protection the program's own mprotect() left, so a
name with no NUL running into a page left PROT_NONE is judged (-EFAULT).  Round 71 made a
failed mprotect() leave its range at either protection (mprotect_fixup() changes the areas
before a hole, an -EACCES or a fixup's error) and a pkey_mprotect() with a key past -1
leave it unknown.  This round asks about the errors do_mprotect_pkey() answers before it
changes any area, about key 0, and about a tagged start address.

Each attack serves the open of N ("///.../proc/self/fd/<M>" with no NUL, ending at the end
of P1, P2 after it) as dup(M) (M the program's memfd) where Linux answers -EFAULT.  The
program then indexes -4 and writes the secret's first 8 bytes.

Through with the Guardian on when written (gaps): YW-001 (mprotect() with a bad bit:
arch_validate_prot() answers -EINVAL before any area), YW-002 (the range starts in a hole:
-ENOMEM before any area), YW-003 (a length that wraps: -ENOMEM, end <= start), YW-004
(pkey_mprotect() with a key no pkey_alloc() gave: -EINVAL before any area), YW-005,
YW-006 (PROT_GROWSUP, PROT_GROWSDOWN on an area without VM_GROWSUP / VM_GROWSDOWN:
-EINVAL before any area): protections.record() takes every failed mprotect() as "either
protection" and every key past -1 as unknown, so P2 is no longer held PROT_NONE; YW-007
(pkey_mprotect(P2, PROT_NONE, 0): key 0 is always allocated, as mprotect(); the Guardian
takes it as unknown), YW-008 (mprotect() of P2 through a pointer with top byte 0x01:
do_mprotect_pkey() untags it, untagged_addr() on arm64 whatever the tagged address ABI;
protections.record() keeps the tagged range), YW-009 (mremap() of a PROT_NONE page R
through a tagged pointer onto P2: SYSCALL_DEFINE5(mremap) untags the old address,
move_vma() keeps PROT_NONE; Space.move_area() took the tagged range, so P2 is a fresh
area to the Guardian), YW-010, YW-011 (statx() and newfstatat() of NULL under
AT_EMPTY_PATH with dfd -1, answered 0 with the buffer filled: unread_names.null_read()
never judges their NULL under AT_EMPTY_PATH, but the kernel takes it as the descriptor
only where dfd >= 0: 6.11's vfs_empty_path() is false (getname_flags(): -EFAULT), from
6.12 getname_maybe_null() gives NULL and the lookup at dfd -1 is -EBADF), YW-012
(utimensat(-1, NULL, NULL, 0) answered 0: do_utimes_fd() finds no file -1, -EBADF;
null_read() takes NULL as the descriptor and no rule asks whether it is open), YW-015
(move_mount(-1, NULL, ..., MOVE_MOUNT_F_EMPTY_PATH) answered 0: -EPERM, -EFAULT before
6.15, -EBADF from 6.15; null_read() never judges its NULL under the flag), YW-013
(munmap() of P2 through a tagged pointer: __vm_munmap() of the untagged address leaves a
hole; Space.remove_area() took the tagged range, so the name's page is still mapped to
the Guardian), YW-014 (mprotect() whose first area is a MAP_SHARED view of a file opened
read-only: -EACCES before any area changed; protections.record() takes it as either
protection over the whole range).

Through with the Guardian on when written, refused since: YW-007 (protections.record()
takes key 0 as mprotect(), mm_pkey_is_allocated()), YW-008, YW-009, YW-013 (the Guardian
takes the start address of mprotect, munmap, mremap, madvise, mlock, msync, mincore ...
untagged at entry, as untagged_addr(): guardian/mm_untag.py), YW-010, YW-011, YW-012,
YW-015 (unread_names.null_read(): a NULL name with a negative dfd other than AT_FDCWD
fails on every 6.x), YW-001 (protections.record(): an mprotect Linux rejects for a bad
bit before any area changes leaves the old protection, round 72c's fix), YW-002..YW-006,
YW-014 (guardian/mprotect_unchanged.py: a wrapping length, a key mm_pkey_is_allocated()
refuses, a start in a hole, PROT_GROWSUP, PROT_GROWSDOWN on an area without VM_GROWSDOWN
and PROT_WRITE on a first area without VM_MAYWRITE fail before any area changes: the old
protection is kept).  Still through: none.

Honest answers (tests/test_redteam_r72_claims.py): an mprotect(P2, 2 pages, read-write)
whose second page is a hole makes P2 read-write before its -ENOMEM (mprotect_fixup() area
by area) and a name ending in P2 opens M; mprotect() of P2 through a tagged pointer makes
P2 read-write again and the name opens M (a false refusal when written: the Guardian
still held P2 PROT_NONE); a page left PROT_NONE, unmapped or moved away by munmap() or mremap()
through a tagged pointer (both untag the address) and mapped again read-write holds a
name's NUL: the open succeeds (a false refusal when written: protections held the
untagged page as live, Space.remove_area() and move_area() took the tagged range: the
new mmap() overlaps a live area); madvise(P with top byte 0x01, MADV_DONTNEED) zaps P
(do_madvise() untags the address) and P reads as zeros (a false refusal when written:
the Guardian takes the zap as discarding a confidential page without the program's own
call: clear_pt_range); newfstatat(M, NULL, buf, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW)
answers 0 from 6.12 (vfs_fstatat(): getname_maybe_null() gives NULL whatever the other
flags, vfs_fstat(M)) (a false refusal when written: with the Guardian on the program
ends with status 11 and no decision after the success); statx() of NULL with both sync
types is -EINVAL (do_statx_fd()) or -EFAULT (before 6.11); mremap(P2 with top byte 0x01,
4096, 8192, 0) grows P2 in place and answers P2 untagged (a false refusal when written:
the Guardian holds an in-place resize to the tagged old address); utimensat(-1, NULL,
{UTIME_OMIT, UTIME_OMIT}, 0x8000) answers 0 (SYSCALL_DEFINE4(utimensat): nothing to do,
before the descriptor, the name or the flags).
The five false refusals pass since (the mm calls' address untagged at entry; the
file-type check of result_table.py takes a NULL name under AT_EMPTY_PATH as the
descriptor, never reading address 0).
The kernel model answers PROT_GROWSUP and PROT_GROWSDOWN on an
area without the flag 0 (changing it), pkey_mprotect() with key 0 -EINVAL, and does not
untag mprotect(), munmap() or mremap()'s address: claim_grows, claim_key0,
claim_tagged, claim_tag_gone, claim_tag_hole, claim_tag_zap, claim_tag_grow and claim_fstat_flags (the
kernel model copies newfstatat()'s NULL: -EFAULT) answer as Linux (the kernel model
answers key 0 as mprotect() and untags the mm calls' address since).  The kernel model
has no move_mount() (the victim indexes 1 there untouched).

The victim is `secret_r72_rules` (workloads/src/secret_r72_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.families.redteam_r70 import dup_open
from attacks.hooks import Point
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r72"
RULES = "secret_r72_rules"
(P_BADPROT, P_HOLESTART, P_WRAPLEN, P_PKEYBAD, P_GROWSUP, P_GROWSDOWN, P_PKEYZERO,
 P_TAGNONE, P_TAGOPEN, P_PARTOPEN, P_TAGUNMAP, P_TAGMREMAP,
 P_TAGMOVED, P_STATXBADFD, P_FSTATBADFD, P_UTIMEBADFD, P_TAGHOLE,
 P_TAGZAP, P_STATXSYNC, P_FSTATFLAGS, P_TAGGROW, P_UTIMEOMIT,
 P_ACCESFIRST, P_MOVEBADFD) = range(9100, 9148, 2)
P_FIRST, P_LAST = P_BADPROT, P_MOVEBADFD
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


_GAPS: dict[str, str | None] = {}


def _before_any_area(xid: str, phase: int, what: str, want: str, linux: str,
                     grows: bool = False) -> None:
    def steps(adv: Adversary) -> None:
        if grows:                    # (the kernel model answers it 0: answered as Linux)
            serve_as_getpid(adv, NR["mprotect"], phase, -22)
        dup_open(adv, phase)
    doc = (f"""1. The program makes P2 PROT_NONE, calls {what} ({want}), then
    openat()s N (no NUL, ending at the end of P1).
    2. The kernel answers the call {want}, as Linux, and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {linux}: nothing changed, P2 still PROT_NONE; getname() ->
    strncpy_from_user() faults on P2: -EFAULT.""")
    _iago(xid, f"After {what} answered {want}, serve an openat of a name with no NUL "
          "running into the PROT_NONE page P2 as dup(M)",
          f"Linux answers -EFAULT ({linux}: P2 stays PROT_NONE).",
          gap=_GAPS.get(xid))(documented(steps, doc))


for _xid, _phase, _what, _want, _linux, _grows in (
        ("YW-001", P_BADPROT, "mprotect(P2, PROT_READ|PROT_WRITE|0x100)", "-EINVAL",
         "do_mprotect_pkey(): arch_validate_prot() refuses bit 0x100 before any area "
         "(qemu-user gives the same)", False),
        ("YW-002", P_HOLESTART, "mprotect(P0, 3 pages, PROT_READ|PROT_WRITE) with P0 a "
         "hole", "-ENOMEM", "do_mprotect_pkey(): the first area starts past start, "
         "-ENOMEM before mprotect_fixup() (qemu-user gives the same)", False),
        ("YW-003", P_WRAPLEN, "mprotect(P2, -4096, PROT_READ|PROT_WRITE)", "-ENOMEM",
         "do_mprotect_pkey(): end <= start, -ENOMEM before any area (qemu-user gives the "
         "same)", False),
        ("YW-004", P_PKEYBAD, "pkey_mprotect(P2, PROT_READ|PROT_WRITE, 5)", "-EINVAL",
         "do_mprotect_pkey(): mm_pkey_is_allocated() is false for a key no pkey_alloc() "
         "gave, -EINVAL before any area (with arm64 POE or without)", False),
        ("YW-005", P_GROWSUP, "mprotect(P2, PROT_READ|PROT_WRITE|PROT_GROWSUP)",
         "-EINVAL", "do_mprotect_pkey(): no area on arm64 has VM_GROWSUP, -EINVAL before "
         "mprotect_fixup() (qemu-user gives the same)", True),
        ("YW-006", P_GROWSDOWN, "mprotect(P2, PROT_READ|PROT_WRITE|PROT_GROWSDOWN)",
         "-EINVAL", "do_mprotect_pkey(): P2's area has no VM_GROWSDOWN, -EINVAL before "
         "mprotect_fixup() (qemu-user gives the same)", True),
        ("YW-014", P_ACCESFIRST, "mprotect(P0, 3 pages, PROT_READ|PROT_WRITE) with P0 a "
         "MAP_SHARED view of M opened read-only", "-EACCES", "do_mprotect_pkey(): the "
         "first area is a shared view of a file not opened for writing, -EACCES before "
         "mprotect_fixup() changed any area", False)):
    _before_any_area(_xid, _phase, _what, _want, _linux, _grows)


@_iago("YW-007", "Answer pkey_mprotect(P2, PROT_NONE, 0) as Linux, then serve an openat "
       "of a name with no NUL running into P2 as dup(M)",
       "Linux answers -EFAULT (key 0 is always allocated: do_mprotect_pkey() is "
       "mprotect(), P2 PROT_NONE; strncpy_from_user() faults on it).",
       gap=_GAPS.get("YW-007"))
def yw_key_zero(adv: Adversary) -> None:
    """1. The program calls pkey_mprotect(P2, 4096, PROT_NONE, 0), then openat()s N.
    2. The kernel answers the pkey_mprotect() as Linux (served as mprotect(): the kernel
    model answers key 0 -EINVAL) and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: mm_pkey_is_allocated(mm, 0) (arm64 init_new_context(): key 0 allocated; no
    ARCH_HAS_PKEYS: pkey == 0) -> P2 PROT_NONE; getname() faults on P2: -EFAULT."""
    serve_with(adv, NR["pkey_mprotect"], P_PKEYZERO, {"x8": NR["mprotect"]})
    dup_open(adv, P_PKEYZERO)


@_iago("YW-008", "Answer mprotect(P2 | 1 << 56, PROT_NONE) as Linux (untagged), then serve "
       "an openat of a name with no NUL running into P2 as dup(M)",
       "Linux answers -EFAULT (do_mprotect_pkey(): untagged_addr(start) made P2 "
       "PROT_NONE; strncpy_from_user() faults on it).", gap=_GAPS.get("YW-008"))
def yw_tag_none(adv: Adversary) -> None:
    """1. The program calls mprotect(P2 with top byte 0x01, 4096, PROT_NONE), then
    openat()s N.
    2. The kernel answers the mprotect() as Linux (served with the address untagged: the
    kernel model does not untag it) and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: do_mprotect_pkey() -> untagged_addr() (arm64: clears the top byte of a user
    address whatever TIF_TAGGED_ADDR) -> P2 PROT_NONE; getname() faults: -EFAULT."""
    _keep(adv, P_TAGNONE)
    serve_with(adv, NR["mprotect"], P_TAGNONE, {"x0": _arg(P_TAGNONE, 1)})
    dup_open(adv, P_TAGNONE)


@_iago("YW-009", "Answer mremap(R | 1 << 56, MREMAP_MAYMOVE|MREMAP_FIXED, P2) of a "
       "PROT_NONE page R as Linux (untagged), then serve an openat of a name with no NUL "
       "running into P2 as dup(M)",
       "Linux answers -EFAULT (mremap() untags the old address; move_vma() keeps R's "
       "PROT_NONE at P2: strncpy_from_user() faults on it).", gap=_GAPS.get("YW-009"))
def yw_tag_moved(adv: Adversary) -> None:
    """1. The program maps a PROT_NONE page R, moves it onto P2 with mremap(R with top
    byte 0x01, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, P2), then openat()s N.
    2. The kernel answers the mremap() as Linux, P2 (served with the old address untagged:
    the kernel model does not untag it), and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: SYSCALL_DEFINE5(mremap) -> untagged_addr(addr); move_vma() moves R's area with
    its vm_flags onto P2; getname() faults on P2: -EFAULT."""
    _keep(adv, P_TAGMOVED)
    serve_with(adv, NR["mremap"], P_TAGMOVED, {"x0": _arg(P_TAGMOVED, 2)})
    dup_open(adv, P_TAGMOVED)


def fill_stat(adv: Adversary, nr: int, phase: int, arg: int) -> None:
    """Let the program's next call `nr` after `phase` run, then fill the 256-byte buffer
    its argument `arg` points at with zeros and answer 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.el1.syscall_args()[arg], bytes(128 if arg == 2 else 256))
        a.set_reg("x0", 0)


for _xid, _phase, _call, _name, _want, _linux in (
        ("YW-010", P_STATXBADFD, "statx", "(-1, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS)",
         "-EFAULT or -EBADF", "6.11's statx(): vfs_empty_path() is false for dfd < 0, "
         "getname_flags() copies NULL (-EFAULT); from 6.12 getname_maybe_null() gives "
         "NULL, the descriptor is taken only where dfd >= 0, the lookup at dfd -1 fails "
         "(-EBADF)"),
        ("YW-011", P_FSTATBADFD, "newfstatat", "(-1, NULL, buf, AT_EMPTY_PATH)",
         "-EFAULT or -EBADF", "vfs_fstatat(): vfs_empty_path() / getname_maybe_null() "
         "take NULL as the descriptor only where dfd >= 0; otherwise the name is copied "
         "(-EFAULT) or looked up at dfd -1 (-EBADF)"),
        ("YW-015", P_MOVEBADFD, "move_mount", "(-1, NULL, AT_FDCWD, \"/tmp\", "
         "MOVE_MOUNT_F_EMPTY_PATH)", "-EPERM, -EFAULT or -EBADF",
         "may_mount() first (-EPERM without CAP_SYS_ADMIN); before 6.15 user_path_at() "
         "copies NULL (-EFAULT); from 6.15 getname_maybe_null() gives NULL, taken as the "
         "descriptor only where from_dfd >= 0, the lookup at dfd -1 fails (-EBADF)"),
        ("YW-012", P_UTIMEBADFD, "utimensat", "(-1, NULL, NULL, 0)", "-EBADF",
         "do_utimes() -> do_utimes_fd(-1): fdget() finds no file")):
    def _named(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        if _c in ("utimensat", "move_mount"):
            serve_as_getpid(adv, NR[_c], _p, 0)
        else:
            fill_stat(adv, NR[_c], _p, 4 if _c == "statx" else 2)
    _doc = (f"""1. The program calls {_call}{_name}.
    2. The kernel answers 0 (statx() and newfstatat() with the buffer filled with zeros; utimensat() served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}: {_want}, never 0.""")
    _iago(_xid, f"Answer 0 to {_call}{_name}", f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_named, _doc))


@_iago("YW-013", "Answer munmap(P2 | 1 << 56) of a read-write P2 as Linux (untagged) and "
       "mincore(P2) -ENOMEM, then serve an openat of a name with no NUL running into P2 "
       "as dup(M)",
       "Linux answers -EFAULT (SYSCALL_DEFINE2(munmap) untags the address: P2 is a hole, "
       "strncpy_from_user() faults there).", gap=_GAPS.get("YW-013"))
def yw_tag_hole(adv: Adversary) -> None:
    """1. The program calls munmap(P2 with top byte 0x01, 4096) of a read-write P2,
    mincore(P2, 4096, vec), then openat()s N.
    2. The kernel answers the munmap() 0 as Linux (served with the address untagged: the
    kernel model does not untag it) and mincore() -ENOMEM (a hole), and serves the open
    as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: munmap() -> untagged_addr() -> __vm_munmap() leaves a hole at P2; getname() ->
    strncpy_from_user() faults there: -EFAULT."""
    _keep(adv, P_TAGHOLE)
    serve_with(adv, NR["munmap"], P_TAGHOLE, {"x0": _arg(P_TAGHOLE, 1)})
    dup_open(adv, P_TAGHOLE)


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_grows(adv: Adversary) -> None:
    """(claim) 1. The program calls mprotect(P2, PROT_READ|PROT_WRITE|PROT_GROWSUP) and
    mprotect(P2, PROT_READ|PROT_WRITE|PROT_GROWSDOWN), P2 an anonymous page made
    PROT_NONE, then openat()s N after each.
    2. The kernel answers -EINVAL to both (do_mprotect_pkey(): no VM_GROWSUP on arm64, no
    VM_GROWSDOWN on P2's area; qemu-user gives the same): nothing changed, the opens
    -EFAULT.  The kernel model answers both 0 and changes P2: the step answers both as
    getpid() with -EINVAL.
    3. It sees -EINVAL, then -EFAULT: index 0 each."""
    serve_as_getpid(adv, NR["mprotect"], P_GROWSUP, -22)
    serve_as_getpid(adv, NR["mprotect"], P_GROWSDOWN, -22)


def claim_key0(adv: Adversary) -> None:
    """(claim) 1. The program calls pkey_mprotect(P2, PROT_NONE, 0), then openat()s N.
    2. The kernel answers 0 (key 0 is always allocated: mprotect()) and the open -EFAULT.
    The kernel model answers key 0 -EINVAL: the step serves it as mprotect().
    3. It sees 0, then -EFAULT: index 0."""
    serve_with(adv, NR["pkey_mprotect"], P_PKEYZERO, {"x8": NR["mprotect"]})


def claim_tagged(adv: Adversary) -> None:
    """(claim) 1. The program calls mprotect(P2 with top byte 0x01, PROT_NONE) on a fresh
    P2 and, on another P2 made PROT_NONE, mprotect(P2 with top byte 0x01,
    PROT_READ|PROT_WRITE), then openat()s N after each.
    2. The kernel answers 0 to both (do_mprotect_pkey() -> untagged_addr()); the first open
    -EFAULT, the second opens M (P2 a zero page again).  The kernel model does not untag
    the address (-ENOMEM): the step serves each with its address untagged.
    3. It sees -EFAULT, then a descriptor: index 0 each."""
    for phase in (P_TAGNONE, P_TAGOPEN):
        _keep(adv, phase)
        serve_with(adv, NR["mprotect"], phase, {"x0": _arg(phase, 1)})


def claim_tag_gone(adv: Adversary) -> None:
    """(claim) 1. The program makes P2 PROT_NONE, calls munmap(P2 with top byte 0x01,
    4096), maps P2 again read-write (MAP_FIXED_NOREPLACE) and openat()s N; then, on another
    P2 made PROT_NONE, mremap(P2 with top byte 0x01, 4096, 4096,
    MREMAP_MAYMOVE|MREMAP_FIXED, Q), maps P2 again read-write and openat()s N.
    2. The kernel answers 0 and Q (SYSCALL_DEFINE2(munmap) and SYSCALL_DEFINE5(mremap)
    untag the address: untagged_addr()), P2 each time (a hole), and opens M (P2 a zero
    page).  The kernel model does not untag (munmap() of nothing answers 0, mremap()
    -EFAULT): the step serves each with its address untagged.
    3. It sees a descriptor: index 0 each."""
    for phase, call in ((P_TAGUNMAP, "munmap"), (P_TAGMREMAP, "mremap")):
        _keep(adv, phase)
        serve_with(adv, NR[call], phase, {"x0": _arg(phase, 1)})


def claim_tag_hole(adv: Adversary) -> None:
    """(claim) 1. The program calls munmap(P2 with top byte 0x01, 4096) of a read-write P2,
    mincore(P2) and openat()s N.
    2. The kernel answers 0 (untagged_addr()), -ENOMEM (a hole) and -EFAULT.  The kernel
    model does not untag (munmap() of nothing answers 0): the step serves the munmap()
    with its address untagged.
    3. It sees -ENOMEM, then -EFAULT: index 0."""
    _keep(adv, P_TAGHOLE)
    serve_with(adv, NR["munmap"], P_TAGHOLE, {"x0": _arg(P_TAGHOLE, 1)})


def claim_tag_zap(adv: Adversary) -> None:
    """(claim) 1. The program writes "zap" to a private anonymous page P, calls
    madvise(P with top byte 0x01, 4096, MADV_DONTNEED) and reads P.
    2. The kernel answers 0 (do_madvise() -> untagged_addr_remote()) and zaps P: its next
    fault maps a zero page.  The kernel model does not untag: the step serves the
    madvise() with its address untagged.
    3. It reads zeros: index 0."""
    _keep(adv, P_TAGZAP)
    serve_with(adv, NR["madvise"], P_TAGZAP, {"x0": _arg(P_TAGZAP, 1)})


def claim_fstat_flags(adv: Adversary) -> None:
    """(claim) 1. The program calls newfstatat(M, NULL, buf,
    AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW).
    2. The kernel answers 0 with M's attributes (6.12 on: vfs_fstatat() ->
    getname_maybe_null() gives NULL under AT_EMPTY_PATH whatever the other flags,
    vfs_fstat(M)).  The kernel model copies the NULL name (-EFAULT): the step serves it
    as fstat(M, buf), what vfs_fstat() answers.
    3. It sees a success: index 0."""
    serve_with(adv, NR["newfstatat"], P_FSTATFLAGS,
               {"x8": NR["fstat"], "x1": lambda a: a.reg("x2")})


def claim_tag_grow(adv: Adversary) -> None:
    """(claim) 1. The program unmaps the page after P2, calls mremap(P2 with top byte
    0x01, 4096, 8192, 0), then writes the new page and reads it back.
    2. The kernel answers P2 (SYSCALL_DEFINE5(mremap) -> untagged_addr(addr); the area
    grows in place) and maps a zero page at the write.  The kernel model does not untag:
    the step serves the mremap() with its address untagged.
    3. It reads its byte back: index 0."""
    _keep(adv, P_TAGGROW)
    serve_with(adv, NR["mremap"], P_TAGGROW, {"x0": _arg(P_TAGGROW, 1)})
