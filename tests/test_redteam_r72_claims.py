"""Round 72's honest answers: what Linux does on the edges of return.name_too_long after
an mprotect() that failed or named its range through a tagged pointer, which a monitor
could mistake for forged.

Each test runs the round-72 victim (secret_r72_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r72 as r
from tests.honest_runs import claim_run, honest


def test_honest_mprotect_errors_before_any_area() -> None:
    # mprotect() with bit 0x100 (arch_validate_prot()): -EINVAL; one whose range starts in
    # a hole and one whose length wraps: -ENOMEM; pkey_mprotect() with a key never
    # allocated: -EINVAL; each before any area, P2 still PROT_NONE: the open of a name
    # running into it -EFAULT; an mprotect(P2, 2 pages) whose second page is a hole makes
    # P2 read-write before its -ENOMEM (mprotect_fixup() area by area): the name opens M;
    # statx() and newfstatat() of NULL under AT_EMPTY_PATH with dfd -1: -EFAULT (6.11) or
    # -EBADF (6.12 on); utimensat(-1, NULL, NULL, 0): -EBADF (do_utimes_fd()); statx(M,
    # NULL, AT_EMPTY_PATH with both sync types): -EINVAL (do_statx_fd());
    # utimensat(-1, NULL, {UTIME_OMIT, UTIME_OMIT}, 0x8000): 0 (SYSCALL_DEFINE4(utimensat)
    # answers before the descriptor, the name or the flags); mprotect() whose first area
    # is a shared view of M opened read-only: -EACCES, nothing changed, the open -EFAULT
    # (index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_BADPROT, r.P_HOLESTART, r.P_WRAPLEN, r.P_PKEYBAD, r.P_PARTOPEN,
         r.P_STATXBADFD, r.P_FSTATBADFD, r.P_UTIMEBADFD, r.P_STATXSYNC, r.P_UTIMEOMIT,
         r.P_ACCESFIRST), 0))


def test_honest_grows_on_a_plain_area() -> None:
    # mprotect() with PROT_GROWSUP (no VM_GROWSUP on arm64) or PROT_GROWSDOWN on an area
    # without VM_GROWSDOWN: -EINVAL, nothing changed, the open -EFAULT (qemu-user gives
    # the same; claim_grows: the kernel model answers 0; index 0 each).
    claim_run(r, r.claim_grows, (), {r.P_GROWSUP: 0, r.P_GROWSDOWN: 0})


def test_honest_pkey_zero_is_mprotect() -> None:
    # pkey_mprotect(P2, PROT_NONE, 0): key 0 is always allocated, as mprotect(): the open
    # of a name running into P2 is -EFAULT (claim_key0: the kernel model answers -EINVAL;
    # index 0).
    claim_run(r, r.claim_key0, (), {r.P_PKEYZERO: 0})


def test_honest_tagged_mprotect() -> None:
    # mprotect(P2 | 1 << 56, PROT_NONE) makes P2 PROT_NONE (the open -EFAULT) and
    # mprotect(P2 | 1 << 56, read-write) after PROT_NONE makes it a zero page again (the
    # name opens M): do_mprotect_pkey() -> untagged_addr() (claim_tagged: the kernel model
    # does not untag; index 0 each).
    claim_run(r, r.claim_tagged, (), {r.P_TAGNONE: 0, r.P_TAGOPEN: 0})


def test_honest_tagged_munmap_and_mremap() -> None:
    # munmap(P2 | 1 << 56) and mremap(P2 | 1 << 56, ..., MREMAP_FIXED, Q) of a PROT_NONE
    # P2 leave a hole there (SYSCALL_DEFINE2(munmap), SYSCALL_DEFINE5(mremap):
    # untagged_addr()); P2 mapped again read-write with MAP_FIXED_NOREPLACE is a zero page
    # and the name opens M (claim_tag_gone: the kernel model does not untag; index 0
    # each).
    claim_run(r, r.claim_tag_gone, (), {r.P_TAGUNMAP: 0, r.P_TAGMREMAP: 0})


def test_honest_tagged_munmap_leaves_a_hole() -> None:
    # munmap(P2 | 1 << 56) of a read-write P2 leaves a hole (untagged_addr()): mincore(P2)
    # answers -ENOMEM and the open of a name running into P2 -EFAULT (claim_tag_hole: the
    # kernel model does not untag; index 0).
    claim_run(r, r.claim_tag_hole, (), {r.P_TAGHOLE: 0})


def test_honest_tagged_madvise_dontneed() -> None:
    # madvise(P | 1 << 56, 4096, MADV_DONTNEED) of a private anonymous page written "zap":
    # 0, P reads as zeros (do_madvise() -> untagged_addr_remote(); claim_tag_zap: the
    # kernel model does not untag; index 0).
    claim_run(r, r.claim_tag_zap, (), {r.P_TAGZAP: 0})


def test_honest_fstatat_null_with_nofollow() -> None:
    # newfstatat(M, NULL, buf, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW): 0 with M's attributes
    # from 6.12 (claim_fstat_flags: the kernel model copies NULL, -EFAULT; index 0).
    claim_run(r, r.claim_fstat_flags, (), {r.P_FSTATFLAGS: 0})


def test_honest_tagged_mremap_in_place() -> None:
    # mremap(P2 | 1 << 56, 4096, 8192, 0) with a hole after P2: P2, the new page written
    # and read back (claim_tag_grow: the kernel model does not untag; index 0).
    claim_run(r, r.claim_tag_grow, (), {r.P_TAGGROW: 0})
