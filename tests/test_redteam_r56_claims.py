"""Round 56's honest answers: what Linux does on the edges of the rules added after round
55 (the opens of /proc/self/fd/N by openat2(), the flags and positions the reads and
writes of a pipe or a memfd refuse, a copy within one memfd, fallocate() through a
reopen, cuts of a mapped memfd to its own size, splices between pipes, and signals
flushed by SIG_IGN or kept pending across other calls), which a monitor could mistake
for forged.

Each test runs the round-56 victim (secret_r56_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r56.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.  Each answer is what a 6.18 host gives natively.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r56 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def test_honest_default_steps_are_not_refused() -> None:
    # kiocb_set_rw_flags(): -EOPNOTSUPP for preadv2() of a pipe with RWF_ATOMIC and
    # pwritev2() into it with RWF_DONTCACHE or RWF_ATOMIC; ksys_pread64(),
    # ksys_pwrite64(), do_preadv(): -ESPIPE for a pipe at an offset; vfs_fallocate():
    # -EBADF through a read-only reopen; shmem_setattr(): a cut to the size a sealed
    # memfd has is 0 and zeroes its last page past the end, and so through a reopen;
    # do_splice(): -ESPIPE for an offset with a pipe end; do_sigaction(): SIG_IGN
    # flushes a pending SIGUSR1 (the wait -EAGAIN, rt_sigpending() without it), SIG_DFL
    # a pending SIGURG (sig_handler_ignored()); generic_write_checks_count(): pwrite64()
    # through an O_APPEND reopen appends; a
    # blocked SIG_IGN SIGUSR2 stays pending across a pipe's write, read and close, an
    # fstat() and a getppid().  openat2() is -ENOSYS in the kernel model (index 1);
    # qemu-user answers preadv2()/pwritev2()/openat2() -ENOSYS.
    _claim_run(honest, (), {r.P_O2CACHED: 1, r.P_O2MODE: 1, r.P_O2BIG: 1, r.P_O2INROOT: 1,
                            r.P_O2NOMAGIC: 1, r.P_PRV2ATPIPE: 0, r.P_PWV2DCPIPE: 0,
                            r.P_PWV2ATPIPE: 0, r.P_PRPIPE: 0, r.P_PWPIPE: 0,
                            r.P_PRV2PIPE0: 0, r.P_FALLOCRO: 0, r.P_SEALCUT: 0,
                            r.P_REOPENCUT: 0, r.P_SPLOFF: 0, r.P_IGNFLUSH: 0,
                            r.P_IGNFLUSHPEND: 0, r.P_IGNCALLS: 0, r.P_APPPWRITE: 0,
                            r.P_URGFLUSH: 0})


def test_openat2_errors_are_not_refused() -> None:
    # build_open_flags(): -EAGAIN for O_TRUNC under RESOLVE_CACHED, -EINVAL for a mode
    # beyond S_IALLUGO; copy_struct_from_user(): -E2BIG; nd_jump_link(): -EXDEV under
    # RESOLVE_IN_ROOT (a 6.18 host natively: the same four).
    _claim_run(r.claim_o2errors, (), {r.P_O2CACHED: 0, r.P_O2MODE: 0, r.P_O2BIG: 0,
                                      r.P_O2INROOT: 0})


def test_nomagic_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_nomagic, (), {r.P_O2NOMAGIC: 0}, mode="off")


def test_o_path_nofollow_under_resolve_no_magiclinks_is_not_refused() -> None:
    # A 6.18 host natively: a descriptor.  The kernel model answers openat2() -ENOSYS
    # (served as openat(path, O_PATH)).
    _claim_run(r.claim_nomagic, (), {r.P_O2NOMAGIC: 0})


def test_cfrshort_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_cfrshort, (r.CFRSHORT,), {r.P_CFRSHORT: 0}, mode="off")


def test_copy_within_one_memfd_shortened_to_its_end_is_not_refused() -> None:
    # -s: copy_file_range(fd, &50, fd, &100, 100, 0) of a 100-byte memfd is 50, the size
    # 150 (a 6.18 host natively and qemu-user: the same).  The kernel model answers
    # -EINVAL.
    _claim_run(r.claim_cfrshort, (r.CFRSHORT,), {r.P_CFRSHORT: 0})


@pytest.mark.parametrize("mode", ["off", "on"])
@pytest.mark.parametrize(("steps", "switch", "phase"), [
    # -n: kiocb_set_rw_flags(): no FMODE_NOWAIT on a memfd, -EOPNOTSUPP (the model writes)
    ("claim_nowait", r.NOWAIT, r.P_PWV2NOWAIT),
    # -p: fdget() refuses FMODE_PATH, fallocate() -EBADF (the model punches)
    ("claim_fallocpath", r.FALLOCPATH, r.P_FALLOCPATH),
    # -u: a dup3() of an O_PATH handle shares FMODE_PATH, read() -EBADF (the model reads)
    ("claim_duppath", r.DUPPATH, r.P_DUPPATHR),
    # -a: splice_pipe_to_pipe(): ipipe == opipe, -EINVAL (the model moves)
    ("claim_splsame", r.SPLSAME, r.P_SPLSAME),
    # -f: do_splice(): flags & ~SPLICE_F_ALL, -EINVAL (the model moves)
    ("claim_splflags", r.SPLFLAGS, r.P_SPLFLAGS),
])
def test_linux_errors_the_model_does_not_give_are_not_refused(steps: str, switch: bytes,
                                                              phase: int, mode: str) -> None:
    _claim_run(getattr(r, steps), (switch,), {phase: 0}, mode=mode)
