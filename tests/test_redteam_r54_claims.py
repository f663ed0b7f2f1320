"""Round 54's honest answers: what Linux does on the edges of the rules added after round
53 (a memfd cut by the program -- ftruncate or an open with O_TRUNC -- whose pages past
the new end leave every mapping, the tail of the page holding the new end,
copy_file_range() between two memfds, pwritev2() with RWF_APPEND), which a monitor could
mistake for forged.

Each test runs the round-54 victim (secret_r54_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r54.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r54 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def test_honest_default_steps_are_not_refused() -> None:
    # shmem_setattr(): -EPERM under F_SEAL_SHRINK; do_sys_ftruncate(): -EINVAL without
    # FMODE_WRITE (a read-only reopen, mapped or not); do_open(): -ENOTDIR for
    # O_DIRECTORY; pick_link(): -ELOOP for O_NOFOLLOW on the magic link; a cut of X
    # leaving Y's pages, and page 0 at a cut to 100 (truncate_pagecache() from
    # round_up(100, PAGE_SIZE)); a growth zeroing nothing; a MAP_PRIVATE copy keeping its
    # bytes past the new end (truncate_inode_partial_folio() zeroes the page cache's
    # folio only); a fork child's cut of the program's mapped memfd; a cut through a
    # dup; copy_file_range(): -EINVAL for flags and for overlapping ranges of one inode,
    # -EBADF for an O_APPEND or read-only output and a write-only input; pwritev2():
    # -EINVAL for offset -2, -EOPNOTSUPP for an unknown flag, -EBADF through a read-only
    # descriptor, -EPERM past the end under F_SEAL_GROW; an O_TRUNC reopen under
    # F_SEAL_SHRINK: -EPERM, both pages kept; a cut of an unmapped memfd keeping page 0
    # (shmem_truncate_range() from index 1); copy_file_range() within one memfd to a
    # range apart (10, the file 210 bytes) and from past the input's end (0); pwritev2()
    # at offset -1 with RWF_APPEND moving f_pos to the new end, 110 (qemu-user on a
    # 6.18 host: each the same, but openat2 and pwritev2: -ENOSYS).  openat2() is
    # -ENOSYS in the kernel model.
    _claim_run(honest, (), {p: 0 for p in (
        r.P_SHRSEAL, r.P_ROTR, r.P_TRDIR, r.P_CUTOTHER, r.P_CUTBEFORE, r.P_TAILGROW,
        r.P_TAILPRIV, r.P_ROTAIL, r.P_TRNOFOL, r.P_FORKCUT, r.P_DUPCUT, r.P_CFRFLAGS,
        r.P_CFRSAME, r.P_CFRAPP, r.P_CFRWRO, r.P_CFRRO, r.P_PWV2NEG, r.P_PWV2BAD,
        r.P_PWV2RO, r.P_PWV2GROW, r.P_SEALTR, r.P_HELDCUT, r.P_CFRSELF, r.P_CFREOF,
        r.P_APPCUR)})


def test_cut_to_the_same_size_zeroes_the_tail() -> None:
    # qemu-user on a 6.18 host: byte 200 reads 0 after ftruncate(fd, 100) of a 100-byte
    # memfd whose mapping stored 'Z' there.
    _claim_run(honest, (), {r.P_TAILSAME: 0})


def test_excl_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_excl, (r.EXCL,), {r.P_EXCL: 0}, mode="off")


def test_trunc_excl_open_refused_with_eexist_is_not_refused() -> None:
    # -e: open_last_lookups(): the /proc/self/fd link is there, O_CREAT|O_EXCL: -EEXIST,
    # nothing cut (qemu-user on a 6.18 host: the same).  The kernel model opens the
    # memfd and cuts it.
    _claim_run(r.claim_excl, (r.EXCL,), {r.P_EXCL: 0})


def test_opath_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_opath, (r.OPATH,), {r.P_OPATH: 0}, mode="off")


def test_ftruncate_of_an_opath_reopen_refused_with_ebadf_is_not_refused() -> None:
    # -p: fdget() skips FMODE_PATH files: -EBADF (qemu-user on a 6.18 host: the same).
    # The kernel model's O_PATH reopen shares the memfd's open file, so its ftruncate
    # cuts and answers 0.
    _claim_run(r.claim_opath, (r.OPATH,), {r.P_OPATH: 0})


def test_openat2_trunc_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_o2trunc, (), {r.P_O2TRUNC: 0}, mode="off")


def test_openat2_with_o_trunc_of_a_mapped_memfd_is_not_refused() -> None:
    # do_sys_openat2() -> do_open(): O_TRUNC -> handle_truncate() -> shmem_setattr() ->
    # truncate_pagecache(): the mapping's two pages cleared and dropped; the size 0.
    # The kernel model answers openat2() -ENOSYS (qemu-user: -ENOSYS too); the claim
    # opens as Linux does.
    _claim_run(r.claim_o2trunc, (), {r.P_O2TRUNC: 0})
