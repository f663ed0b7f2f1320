"""Red-team round fifty-four: the rules added after round 53, both ways.

Since round 53 the Guardian lets the kernel clear and take back (RECLAIM_PAGE) the pages
of a memfd wholly past the end the program's own cut (ftruncate, or an open of
/proc/self/fd/N with O_TRUNC) puts it at, in every tree of the program, while the call is
in progress; the call must then succeed, and the Guardian zeroes the tail of the page
holding the new end (guardian/cut_windows.py).  It also follows copy_file_range() between
two memfds and pwritev2() with RWF_APPEND, and a failed splice/sendfile/copy_file_range
no longer ends the judging of the program's files.  This round asks those rules the
shapes Linux refuses before it cuts or copies anything, and a few honest cuts:

- a cut Linux refuses: ftruncate() under F_SEAL_SHRINK (XL-001), through an O_RDONLY
  reopen (XL-002) or an O_PATH one (XL-006), an openat2() whose open_how has a mode
  without O_CREAT (XL-003), O_TRUNC with O_DIRECTORY (XL-004) or O_CREAT|O_EXCL (XL-005);
- pages a cut may not clear: another memfd's (XL-007), the page holding the new end
  (XL-008), the parent's page before the end at a fork child's cut (XL-009); a cut that
  cleared its pages answered -EINTR (XL-010); an openat2() with O_TRUNC answered without
  the cut (XL-011);
- copy_file_range() Linux refuses: flags (XL-012), overlapping ranges of one memfd
  (XL-013), an O_APPEND output (XL-014), an O_WRONLY input (XL-015), an O_RDONLY output
  (XL-016);
- pwritev2(RWF_APPEND) Linux refuses: a negative offset (XL-017), an unknown flag
  (XL-018), an O_RDONLY descriptor (XL-019), a memfd sealed F_SEAL_GROW (XL-020);
- the tail the Guardian zeroes after a cut Linux refuses (ftruncate() of a mapped memfd
  through an O_RDONLY reopen, XL-021), O_TRUNC with O_NOFOLLOW (XL-022), openat2() with
  RESOLVE_NO_MAGICLINKS (XL-023) or a 16-byte open_how (XL-024);
- a copy_file_range() within one memfd (XL-025) and from past the input's end (XL-028),
  a page past 0 taken during an O_TRUNC reopen under F_SEAL_SHRINK (XL-026), page 0 of
  an unmapped memfd taken during its cut to 4096 (XL-027), the file position after
  pwritev2(offset -1, RWF_APPEND) (XL-029).

Refused when written: XL-001, XL-006 (the kernel model's own answer is refused the same
way), XL-007..XL-011, XL-020, XL-026, XL-027, XL-029.  Through with the Guardian on when
written, refused since: XL-002..XL-005, XL-021..XL-024 (the cut window and the reopen
rules took an ftruncate() or an O_TRUNC open Linux refuses -- a read-only descriptor,
O_DIRECTORY, O_CREAT|O_EXCL, O_NOFOLLOW, an openat2() whose mode, resolve or size Linux
rejects -- as a cut, and accepted its success; after XL-021's forged 0 the Guardian
zeroed the mapped page's tail itself: now no window opens for them, and their success is
refused by return.fd_mode and return.reopen_flags), XL-012..XL-019 (copy_file_range()
and pwritev2() Linux refuses before moving a byte -- flags, overlap, O_APPEND, access
modes, a negative offset, an unknown flag -- answered as moves: return.move_args and
return.fd_mode), XL-028 (a copy from past the input's end answered 10:
return.move_args).  Still through (open P5 gap): XL-025 (a copy within one memfd is
followed now, but the read after it answered short is taken as one whose copy faulted).

Honest answers: a cut to the size the memfd has zeroes the bytes past the end in its
last page (shmem_setattr(): newsize <= oldsize -> shmem_truncate_range()); neither the
Guardian nor the kernel model did when written, so the program kept bytes Linux would
have zeroed; both do now (tests/test_redteam_r54_claims.py).

The claim_* step functions answer exactly as Linux does where the kernel model did not
when written: an O_TRUNC|O_CREAT|O_EXCL open of /proc/self/fd/N (the model opened and cut
the memfd; Linux's open_last_lookups() answers -EEXIST, as the model does now), and
openat2() (the model answers -ENOSYS).

The victim is `secret_r54_rules` (workloads/src/secret_r54_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import os

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import REFUSALS, Adversary
from attacks.families.redteam_r45 import _fill
from attacks.families.redteam_r51 import _answer_nth
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid, serve_with
from attacks.scenario import iago_scenarios
from kernel_model.files import HostFile
from kernel_model.pagetable import lm
from kernel_model.process import Thread

RT = "redteam_r54"
RULES = "secret_r54_rules"
(P_SHRSEAL, P_ROTR, P_O2MODE, P_TRDIR, P_EXCL, P_OPATH, P_CUTOTHER, P_CUTBEFORE,
 P_TAILSAME, P_TAILGROW, P_FORKCUT, P_O2TRUNC, P_DUPCUT, P_CFRFLAGS, P_CFRSAME, P_CFRAPP,
 P_CFRWRO, P_CFRRO, P_PWV2NEG, P_PWV2BAD, P_PWV2RO, P_PWV2GROW, P_TAILPRIV, P_ROTAIL,
 P_TRNOFOL, P_O2MAGIC, P_O2SIZE, P_SEALTR, P_HELDCUT, P_CFRSELF, P_CFREOF,
 P_APPCUR) = range(5400, 5464, 2)
P_FIRST, P_LAST = P_SHRSEAL, P_APPCUR
NR = NUMBERS
PAGE = 4096
O_RDWR, O_TRUNC = 0o2, 0o1000
RWF_APPEND = 0x10
EINTR, EEXIST = 4, 17
MASK64 = (1 << 64) - 1
EBADF = 9
# the victim's switches
EXCL, OPATH = b"-e", b"-p"


_iago = iago_scenarios(RT, RULES)


def _keep(adv: Adversary, phase: int) -> None:
    """Keep the step's marker values (descriptors, addresses) under ("args", phase)."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo[("args", phase)] = args


def _arg(phase: int, i: int):  # type: ignore[no-untyped-def]
    return lambda a: a.memo[("args", phase)][i]


def _serve(adv: Adversary, nr: int, phase: int, change: dict) -> None:  # type: ignore[type-arg]
    _keep(adv, phase)
    serve_with(adv, nr, phase, change)


def _take_page(a: Adversary, va: int) -> None:
    """Clear the program's mapping of the memfd page at va and take the page back
    (RECLAIM_PAGE), as a cut does for a page past its new end."""
    mm = a.mm
    vma = mm.vmas.find(va)
    sp = vma.shared_pages if vma is not None else None
    pa = a.pa_of(va, mm.tables.root)
    if not a.guarded:
        # (No monitor: a page the kernel can write; losing its bytes is the same harm.)
        if pa is not None:
            a.el1.write(lm(pa), bytes(PAGE))
            a.note(f"the page at {va:#x} (frame {pa:#x}) zeroed")
        return
    try:
        mm.zap(va, va + PAGE)
        a.el1.tlbi_all()
        if sp is None or pa is None:
            return
        idx = next((i for i, f in sp.frames.items() if f == pa), None)
        if idx is None:
            return
        status, _ = a.el1.hvc(Call.RECLAIM_PAGE, pa)
        if status:
            a.refused(f"RECLAIM_PAGE of {pa:#x}: status {status}")
            return
        sp.frames.pop(idx)
        mm.ctx.frames.put(pa)
        a.note(f"the page at {va:#x} (frame {pa:#x}) cleared and taken back")
    except REFUSALS as exc:
        a.refused(repr(exc))


def _take_during(adv: Adversary, nr: int, phase: int, which: int, page: int) -> None:
    """While the program's call `nr` after marker `phase` is in progress, clear and take
    back page `page` of the mapping whose address is the marker's value `which`."""
    _keep(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get(("took", phase)):
            return
        a.memo[("took", phase)] = True
        _take_page(a, a.memo[("args", phase)][which] + page * PAGE)


# --- cuts Linux refuses -----------------------------------------------------------------------
@_iago("XL-001", "Answer 0 to ftruncate() shrinking a memfd sealed F_SEAL_SHRINK",
       "A memfd sealed F_SEAL_SHRINK cannot be cut: ftruncate() to a smaller size is -EPERM.")
def xl_shrink_seal(adv: Adversary) -> None:
    """1. The program maps a two-page memfd (sealing allowed) MAP_SHARED, seals it
    F_SEAL_SHRINK and ftruncate()s it to 4096.
    2. The kernel (its own -EPERM) answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_setattr(): "if ((newsize < oldsize && (info->seals & F_SEAL_SHRINK)) ...
    return -EPERM", before i_size or a page changes."""
    answer(adv, NR["ftruncate"], P_SHRSEAL, 0)


@_iago("XL-002", "Cut a memfd through its O_RDONLY reopen and answer ftruncate() 0",
       "ftruncate() of a descriptor opened read-only is -EINVAL: the memfd keeps its 100 "
       "bytes.")
def xl_rdonly_cut(adv: Adversary) -> None:
    """1. The program reopens a memfd of 100 'm' O_RDONLY through /proc/self/fd (fd2) and
    ftruncate()s fd2 to 0.
    2. The kernel serves the call on the memfd's first (writable) descriptor: it cuts the
    memfd to 0 and answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_sys_ftruncate(): "if (!(fd_file(f)->f_mode & FMODE_WRITE)) return -EINVAL"
    (ksys_ftruncate() -> do_ftruncate() in 6.x), before do_truncate()."""
    _serve(adv, NR["ftruncate"], P_ROTR, {"x0": _arg(P_ROTR, 0)})


@_iago("XL-003", "Serve openat2() whose open_how has a mode without O_CREAT as an O_TRUNC "
       "open", "openat2() refuses a mode without O_CREAT or O_TMPFILE: -EINVAL, nothing "
       "opened or cut.")
def xl_openat2_mode(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's /proc/self/fd path with {O_RDWR|O_TRUNC, mode
    0600}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): the memfd is cut to 0 and a
    descriptor answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (!(flags & (O_CREAT | __O_TMPFILE))) { if (how->mode
    != 0) return -EINVAL; }" -- before the path walk."""
    _serve(adv, NR["openat2"], P_O2MODE, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                          "x3": 0})


@_iago("XL-004", "Open a memfd's path with O_TRUNC|O_DIRECTORY and cut it",
       "A memfd is no directory: O_DIRECTORY gives -ENOTDIR before any truncation.")
def xl_trunc_dir(adv: Adversary) -> None:
    """1. The program opens its memfd's /proc/self/fd path O_RDWR|O_TRUNC|O_DIRECTORY.
    2. The kernel opens it without O_DIRECTORY: the memfd is cut to 0, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_open(): "if ((nd->flags & LOOKUP_DIRECTORY) && !d_can_lookup(nd->path.dentry))
    return -ENOTDIR;" comes before handle_truncate()."""
    _serve(adv, NR["openat"], P_TRDIR, {"x2": O_RDWR | O_TRUNC})


@_iago("XL-005", "Open a memfd's path with O_TRUNC|O_CREAT|O_EXCL and cut it",
       "The /proc/self/fd link exists: O_CREAT|O_EXCL gives -EEXIST, nothing cut.", args=(EXCL,))
def xl_trunc_excl(adv: Adversary) -> None:
    """1. The program opens its memfd's /proc/self/fd path O_RDWR|O_TRUNC|O_CREAT|O_EXCL.
    2. The kernel opens it without O_CREAT|O_EXCL: the memfd is cut to 0, a descriptor
    answered (the kernel model does so itself).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's open_last_lookups() -> lookup_open(): the dentry is positive, so "if
    ((open_flag & O_EXCL) && (open_flag & O_CREAT)) ... return -EEXIST" (do_open():
    "if ((open_flag & (O_EXCL | O_CREAT)) == (O_EXCL | O_CREAT) && d_is_positive(...))
    return -EEXIST"); the Guardian's cut window (cut_of) and its reopen check take the
    O_EXCL open as a cut."""
    _serve(adv, NR["openat"], P_EXCL, {"x2": O_RDWR | O_TRUNC})


@_iago("XL-006", "Cut a memfd through its O_PATH reopen and answer ftruncate() 0",
       "An O_PATH descriptor names no open file for I/O: ftruncate() is -EBADF.",
       args=(OPATH,), silent="the kernel model's own answer to this step (0: its O_PATH "
       "reopen shares the memfd's open file) meets the same refusal (the Guardian knows "
       "the descriptor is O_PATH), so the runner counts it as the workload's own")
def xl_opath_cut(adv: Adversary) -> None:
    """1. The program reopens its memfd O_PATH (fd2) and ftruncate()s fd2 to 0.
    2. The kernel serves the call as getpid() and answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_sys_ftruncate(): fdget() skips FMODE_PATH files (__fget_light(fd,
    FMODE_PATH)): -EBADF."""
    serve_as_getpid(adv, NR["ftruncate"], P_OPATH, 0)


@_iago("XL-021", "Answer 0 to ftruncate() through an O_RDONLY reopen of a mapped memfd, "
       "so the Guardian zeroes the page's tail", "ftruncate() of a read-only descriptor is "
       "-EINVAL: the mapped page keeps its 200 'm'.", rules=("G-IAGO-COUNT",
                                                             "G-IAGO-OUTPUT"))
def xl_rdonly_tail(adv: Adversary) -> None:
    """1. The program maps a memfd of 200 'm' MAP_SHARED, reopens it O_RDONLY (fd2) and
    ftruncate()s fd2 to 50.
    2. The kernel serves the call as getpid() and answers 0 (nothing cut); the Guardian,
    taking the answer for the program's cut, zeroes bytes 50.. of the mapped page
    (cut_windows.zero_tail).
    3. The program reads 0 at byte 60: index -4, secret bytes 0..7.
    Linux's do_sys_ftruncate(): no FMODE_WRITE -> -EINVAL before do_truncate(); no byte of
    the page changes."""
    serve_as_getpid(adv, NR["ftruncate"], P_ROTAIL, 0)


@_iago("XL-022", "Open a memfd's path with O_TRUNC|O_NOFOLLOW and cut it",
       "/proc/self/fd/N is a (magic) symlink: O_NOFOLLOW gives -ELOOP, nothing cut.")
def xl_trunc_nofollow(adv: Adversary) -> None:
    """1. The program opens its memfd's /proc/self/fd path O_RDWR|O_TRUNC|O_NOFOLLOW.
    2. The kernel opens it without O_NOFOLLOW: cut to 0, a descriptor answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's open_last_lookups() -> step_into() -> pick_link(): a symlink as the last
    component without LOOKUP_FOLLOW ends the walk with -ELOOP (O_NOFOLLOW clears it in
    build_open_flags()); do_open() and handle_truncate() never run."""
    _serve(adv, NR["openat"], P_TRNOFOL, {"x2": O_RDWR | O_TRUNC})


@_iago("XL-023", "Serve openat2() with RESOLVE_NO_MAGICLINKS as an O_TRUNC open of the "
       "magic link", "RESOLVE_NO_MAGICLINKS refuses /proc/self/fd/N: -ELOOP, nothing cut.")
def xl_openat2_magic(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's /proc/self/fd path with {O_RDWR|O_TRUNC,
    resolve RESOLVE_NO_MAGICLINKS}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): cut to 0, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's nd_jump_link(): "if (unlikely(nd->flags & LOOKUP_NO_MAGICLINKS)) return
    -ELOOP" -- the open never reaches do_open()."""
    _serve(adv, NR["openat2"], P_O2MAGIC, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                           "x3": 0})


@_iago("XL-024", "Serve openat2() with a 16-byte open_how as an O_TRUNC open",
       "openat2() with usize below OPEN_HOW_SIZE_VER0 (24) is -EINVAL.")
def xl_openat2_size(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with {O_RDWR|O_TRUNC} and size 16.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): cut to 0, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's SYSCALL_DEFINE4(openat2): "if (unlikely(usize < OPEN_HOW_SIZE_VER0)) return
    -EINVAL" before copy_struct_from_user()."""
    _serve(adv, NR["openat2"], P_O2SIZE, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                          "x3": 0})


# --- pages a cut may not take -----------------------------------------------------------------
@_iago("XL-007", "Take another memfd's page during the program's cut of one",
       "A cut drops only its own memfd's pages: Y's page 1 still reads 'd'.",
       rules=("G-PROTECTION",))
def xl_cut_other(adv: Adversary) -> None:
    """1. The program maps memfds X ('a', 'b') and Y ('c', 'd') MAP_SHARED and
    ftruncate()s X to 0.
    2. During the call the kernel clears Y's page 1 from the program's tree and takes it
    back (RECLAIM_PAGE); Y's next touch there faults in a fresh zero page.
    3. The program reads 0 there: index -4, secret bytes 0..7.
    Linux's truncate_pagecache(X's inode) -> unmap_mapping_range(X's mapping) touches X's
    pages only."""
    _take_during(adv, NR["ftruncate"], P_CUTOTHER, 3, 1)


@_iago("XL-008", "Take the page holding the new end during a cut inside it",
       "ftruncate(fd, 100) keeps page 0 (its first 100 bytes are the file's).",
       rules=("G-PROTECTION",))
def xl_cut_before(adv: Adversary) -> None:
    """1. The program maps a two-page memfd ('a', 'b') MAP_SHARED and ftruncate()s it to
    100.
    2. During the call the kernel clears page 0 and takes it back.
    3. The program reads zeros: index -4, secret bytes 0..7.
    Linux's shmem_setattr(): holebegin = round_up(100, PAGE_SIZE) = 4096;
    unmap_mapping_range() from 4096; truncate_inode_partial_folio() only zeroes page 0
    past byte 100."""
    _take_during(adv, NR["ftruncate"], P_CUTBEFORE, 1, 0)


@_iago("XL-009", "Take the parent's page before the end during a fork child's cut",
       "A fork child's ftruncate(fd, 4096) leaves page 0 in every mapping: the parent "
       "still reads 'a'.", rules=("G-PROTECTION",))
def xl_fork_cut(adv: Adversary) -> None:
    """1. The program maps a two-page memfd ('a', 'b') MAP_SHARED; a fork child
    ftruncate()s it to 4096 and exits.
    2. During the child's call the kernel clears the parent's page 0 and takes it back.
    3. The parent reads zeros: index -4, secret bytes 0..7.
    Linux's truncate_pagecache(inode, 4096) unmaps pages from 4096 on, in every mm."""
    _keep(adv, P_FORKCUT)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ftruncate"], during=P_FORKCUT,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init or a.memo.get("took"):
            return
        a.memo["took"] = True
        _take_page(a, a.memo[("args", P_FORKCUT)][1])


@_iago("XL-010", "Answer -EINTR to a cut that cleared the memfd's pages past its end",
       "A cut that took pages out of view has succeeded: ftruncate() of the dup is 0.",
       rules=("G-IAGO-COUNT", "G-PROTECTION"))
def xl_cut_eintr(adv: Adversary) -> None:
    """1. The program maps a two-page memfd MAP_SHARED, dup()s it and ftruncate()s the dup
    to 4096.
    2. The kernel cuts it (page 1 cleared and taken back) and answers -EINTR.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's do_truncate() -> notify_change() -> shmem_setattr() cannot be interrupted
    once it unmaps: it returns 0."""
    answer(adv, NR["ftruncate"], P_DUPCUT, -EINTR & MASK64)


@_iago("XL-011", "Answer openat2() with O_TRUNC with a descriptor, the memfd left whole",
       "openat2() with O_TRUNC cuts the memfd it opens: its size is 0.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_openat2_nocut(adv: Adversary) -> None:
    """1. The program openat2()s its mapped two-page memfd's path with {O_RDWR|O_TRUNC}.
    2. The kernel opens it O_RDWR without O_TRUNC (served as openat()) and answers the
    descriptor.
    3. The program sees the size 8192: index -4, secret bytes 0..7.
    Linux's do_open(): O_TRUNC -> handle_truncate() -> do_truncate(0)."""
    _serve(adv, NR["openat2"], P_O2TRUNC, {"x8": NR["openat"], "x2": O_RDWR, "x3": 0})


def claim_o2trunc(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s its mapped memfd's path with {O_RDWR|O_TRUNC}.
    2. The kernel opens it as Linux does (served as openat(path, O_RDWR|O_TRUNC); the
    kernel model answers openat2() -ENOSYS): the memfd is cut to 0, its pages past 0
    cleared and taken back.  3. Index 0: a descriptor, size 0."""
    _serve(adv, NR["openat2"], P_O2TRUNC, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                           "x3": 0})


def claim_excl(adv: Adversary) -> None:
    """(claim) 1. The program opens its memfd's path O_RDWR|O_TRUNC|O_CREAT|O_EXCL.
    2. The kernel answers -EEXIST without opening it, as open_last_lookups() does (the
    kernel model opens the memfd and cuts it).  3. Index 0: -EEXIST, size 100."""
    serve_as_getpid(adv, NR["openat"], P_EXCL, -EEXIST & MASK64)


def claim_opath(adv: Adversary) -> None:
    """(claim) 1. The program reopens its memfd O_PATH and ftruncate()s that descriptor.
    2. The kernel answers -EBADF without cutting, as fdget() does for an FMODE_PATH file
    (the kernel model's O_PATH reopen shares the memfd's open file, so its ftruncate
    cuts).  3. Index 0: -EBADF, size 100."""
    serve_as_getpid(adv, NR["ftruncate"], P_OPATH, -EBADF & MASK64)


# --- copy_file_range() Linux refuses ----------------------------------------------------------
@_iago("XL-012", "Answer copy_file_range() with flags 1 as a copy of 10 bytes",
       "copy_file_range() with flags other than 0 is -EINVAL.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_flags(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from memfd M1 into memfd M2, flags 1.
    2. The kernel copies them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's SYSCALL_DEFINE6(copy_file_range) -> vfs_copy_file_range(): "if (flags != 0)
    return -EINVAL"."""
    _serve(adv, NR["copy_file_range"], P_CFRFLAGS, {"x5": 0})


@_iago("XL-013", "Answer copy_file_range() within one memfd over overlapping ranges",
       "Overlapping ranges of one file are refused: -EINVAL.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_same(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of memfd M1 from *off_in 0 to *off_out 5.
    2. The kernel copies 5 bytes (served with len 5: non-overlapping) and answers 5.
    3. The program sees 5: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "if (inode_in == inode_out && pos_out + count >
    pos_in && pos_out < pos_in + count) return -EINVAL" -- for the count asked, 10."""
    _serve(adv, NR["copy_file_range"], P_CFRSAME, {"x4": 5})


@_iago("XL-014", "Answer copy_file_range() into an O_APPEND reopen as a copy",
       "copy_file_range() into an O_APPEND file is -EBADF.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_append(adv: Adversary) -> None:
    """1. The program reopens memfd M2 O_RDWR|O_APPEND (fd2) and copy_file_range()s 10
    bytes of M1 into fd2.
    2. The kernel copies them into M2 through its first descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (file_out->f_flags & O_APPEND) return -EBADF"."""
    _serve(adv, NR["copy_file_range"], P_CFRAPP, {"x2": _arg(P_CFRAPP, 1)})


@_iago("XL-015", "Answer copy_file_range() from an O_WRONLY reopen as a copy",
       "copy_file_range() from a file not open for reading is -EBADF.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_wronly(adv: Adversary) -> None:
    """1. The program reopens memfd M1 O_WRONLY (fd2) and copy_file_range()s 10 bytes from
    fd2 into M2.
    2. The kernel copies them from M1's first descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (!(file_in->f_mode & FMODE_READ) ||
    !(file_out->f_mode & FMODE_WRITE)) return -EBADF"."""
    _serve(adv, NR["copy_file_range"], P_CFRWRO, {"x0": _arg(P_CFRWRO, 0)})


@_iago("XL-016", "Answer copy_file_range() into an O_RDONLY reopen as a copy",
       "copy_file_range() into a file not open for writing is -EBADF.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_rdonly(adv: Adversary) -> None:
    """1. The program reopens memfd M2 O_RDONLY (fd2) and copy_file_range()s 10 bytes of
    M1 into fd2.
    2. The kernel copies them into M2's first descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): no FMODE_WRITE on file_out: -EBADF."""
    _serve(adv, NR["copy_file_range"], P_CFRRO, {"x2": _arg(P_CFRRO, 1)})


# --- pwritev2(RWF_APPEND) Linux refuses -------------------------------------------------------
@_iago("XL-017", "Answer pwritev2() with RWF_APPEND at offset -2 as an append",
       "pwritev2() with an offset below -1 is -EINVAL, RWF_APPEND or not.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_pwv2_negative(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into a memfd of 100 'm' at offset -2 with
    RWF_APPEND.
    2. The kernel appends them (served at offset 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's SYSCALL_DEFINE6(pwritev2): "if (pos == -1) return do_writev(...); return
    do_pwritev(...)", and do_pwritev(): "if (pos < 0) return -EINVAL"."""
    _serve(adv, NR["pwritev2"], P_PWV2NEG, {"x3": 0})


@_iago("XL-018", "Answer pwritev2() with RWF_APPEND and an unknown flag as an append",
       "An unknown RWF_ flag is -EOPNOTSUPP: nothing written.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_pwv2_badflag(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into a memfd of 100 'm' with flags
    RWF_APPEND|0x40000000.
    2. The kernel appends them (served with RWF_APPEND alone) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (unlikely(flags & ~RWF_SUPPORTED)) return
    -EOPNOTSUPP"."""
    _serve(adv, NR["pwritev2"], P_PWV2BAD, {"x5": RWF_APPEND})


@_iago("XL-019", "Answer pwritev2() with RWF_APPEND through an O_RDONLY reopen as an append",
       "A write through a descriptor opened read-only is -EBADF.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), silent="the mprotect design answers pwritev2() on a memfd -EFAULT (no "
       "iovec reaches a memfd write there): the step logs index 2")
def xl_pwv2_rdonly(adv: Adversary) -> None:
    """1. The program reopens a memfd of 100 'm' O_RDONLY (fd2) and pwritev2()s 10 'q'
    through fd2 with RWF_APPEND.
    2. The kernel appends them through the memfd's first descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_writev(): "if (!(file->f_mode & FMODE_WRITE)) return -EBADF"."""
    _serve(adv, NR["pwritev2"], P_PWV2RO, {"x0": _arg(P_PWV2RO, 0)})


@_iago("XL-020", "Answer pwritev2() with RWF_APPEND into a memfd sealed F_SEAL_GROW as 10",
       "An append grows the file: under F_SEAL_GROW it is -EPERM.",
       rules=("G-IAGO-COUNT",))
def xl_pwv2_grow(adv: Adversary) -> None:
    """1. The program seals a memfd of 100 'm' F_SEAL_GROW and pwritev2()s 10 'q' with
    RWF_APPEND.
    2. The kernel serves it as getpid() (nothing written) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's shmem_write_begin(): "if (unlikely(info->seals & (F_SEAL_GROW | F_SEAL_WRITE |
    F_SEAL_FUTURE_WRITE))) { ... if ((info->seals & F_SEAL_GROW) && pos + len >
    inode->i_size) return -EPERM; }"."""
    serve_as_getpid(adv, NR["pwritev2"], P_PWV2GROW, 10)


# --- a cut under a seal, a held page, a copy within one memfd, an append at f_pos -----------
@_iago("XL-026", "Take a sealed memfd's page past 0 during its O_TRUNC reopen and answer "
       "-EPERM", "F_SEAL_SHRINK stops an O_TRUNC open before any page goes: page 1 still "
       "reads 'b'.", rules=("G-PROTECTION", "G-IAGO-COUNT"))
def xl_seal_trunc_take(adv: Adversary) -> None:
    """1. The program maps a two-page memfd ('a', 'b') sealed F_SEAL_SHRINK and reopens
    it O_RDWR|O_TRUNC.
    2. During the open the kernel clears page 1 and takes it back (the cut window opens
    for an O_TRUNC open of the memfd, seals or not), then answers its own -EPERM.
    3. The program reads page 1 as zeros: index -4, secret bytes 0..7.
    Linux's shmem_setattr(): "if ((newsize < oldsize && (info->seals & F_SEAL_SHRINK))
    ... return -EPERM" before unmap_mapping_range()."""
    _take_during(adv, NR["openat"], P_SEALTR, 1, 1)


@_iago("XL-027", "Take back page 0 of an unmapped memfd during its cut to 4096",
       "A cut to 4096 keeps page 0: mapped again it still reads 'a'.",
       rules=("G-PROTECTION",))
def xl_held_cut(adv: Adversary) -> None:
    """1. The program maps a two-page memfd ('a', 'b'), reads it, unmaps it and
    ftruncate()s it to 4096, then maps page 0 again.
    2. During the cut the kernel takes back page 0, held by the Guardian since its
    mapping went (RECLAIM_PAGE), and drops it from the memfd's pages: the next mapping
    faults in a fresh zero page.
    3. The program reads 0: index -4, secret bytes 0..7.
    Linux's shmem_truncate_range(inode, 4096, -1) drops pages from index 1 on only."""
    _keep(adv, P_HELDCUT)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["ftruncate"], during=P_HELDCUT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        f = a.init.fds.get(a.memo[("args", P_HELDCUT)][0])
        mp = f.memfd_pages if isinstance(f, HostFile) else None
        sp = mp.pages if mp is not None else None
        if not a.guarded or sp is None or 0 not in sp.frames:
            # (No monitor: the page is the host file's; losing its bytes is the same harm.)
            os.pwrite(f.fd, bytes(PAGE), 0)
            a.note("page 0 of the memfd zeroed")
            return
        pa = sp.frames[0]
        try:
            status, _ = a.el1.hvc(Call.RECLAIM_PAGE, pa)
        except REFUSALS as exc:
            a.refused(repr(exc))
            return
        if status:
            a.refused(f"RECLAIM_PAGE of {pa:#x}: status {status}")
            return
        sp.frames.pop(0)
        a.mm.ctx.frames.put(pa)
        a.note(f"page 0 of the memfd (frame {pa:#x}) taken back")


@_iago("XL-025", "Answer a pread of a memfd after copy_file_range() within it as if "
       "nothing had been copied", "copy_file_range() within one memfd to a range apart "
       "copies: the file is 210 bytes, m*100, 100 zeros, m*10.", gap="P5")
def xl_cfr_self(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of memfd M1 (100 'm') from *off_in 0 to
    *off_out 200 of M1 itself, then pread()s M1.
    2. The kernel copies as Linux does, then answers the pread with 100 'm'.
    3. The program sees 100 bytes: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks() allows one inode's ranges apart (0..10, 200..210);
    splice_copy_file_range() copies; shmem_file_read_iter() reads 210 bytes.  The
    Guardian follows copy_file_range() only between two memfds (sole_moves.into_memfd():
    "obj is not mem"), so after it the memfd's bytes and size go unjudged."""
    _fill(adv, P_CFRSELF, NR["pread64"], b"m" * 100)


@_iago("XL-028", "Answer copy_file_range() from past the source's end with 10",
       "copy_file_range() from past the input's end copies nothing: 0.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xl_cfr_eof(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of memfd M1 (100 bytes) from *off_in 300
    into memfd M2.
    2. The kernel serves it as getpid(), writes *off_in back as 310 and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "if (pos_in >= size_in) count = 0" -- the copy
    returns 0."""
    serve_as_getpid(adv, NR["copy_file_range"], P_CFREOF, 10)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["copy_file_range"], during=P_CFREOF)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        try:
            a.kernel.uaccess.write(a.reg("x1"), (310).to_bytes(8, "little"))
        except REFUSALS as exc:
            a.refused(repr(exc))


@_iago("XL-029", "Answer the file position after pwritev2(offset -1, RWF_APPEND) as if the "
       "append had not moved it", "An append at the file's position (offset -1) leaves "
       "f_pos at the new end: 110.", rules=("G-IAGO-COUNT",))
def xl_append_cur(adv: Adversary) -> None:
    """1. The program lseek()s a memfd of 100 'm' to 20, pwritev2()s 10 'q' with offset -1
    and RWF_APPEND, then asks lseek(fd, 0, SEEK_CUR).
    2. The kernel appends as Linux does, then answers 20.
    3. The program sees 20: index -4, secret bytes 0..7.
    Linux's do_writev(): ppos = file_ppos(file); vfs_writev() -> generic_write_checks()
    sets ki_pos = i_size (100); the write advances it to 110, written back to f_pos."""
    _answer_nth(adv, P_APPCUR, NR["lseek"], 1, 20)
