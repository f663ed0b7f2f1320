"""Round 57's honest answers: what Linux does on the edges of the rules added after round
56 (the opens of /proc/self/fd/N by openat() and openat2(), splice(), tee() and sendfile()
through ends whose access mode Linux refuses, reopened pipe ends, fallocate() of a memfd
and a copy whose count wraps), which a monitor could mistake for forged.

Each test runs the round-57 victim (secret_r57_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r57.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.  Each answer is what a 6.18 host gives natively (and qemu-user,
where it passes the call on: it answers openat2() -ENOSYS).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r57 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def test_honest_default_steps_are_not_refused() -> None:
    # do_splice(): -EBADF from a pipe's write end and into an O_RDONLY reopen; do_tee():
    # -EINVAL for a pipe into itself; do_sendfile(): -EBADF from an O_WRONLY reopen;
    # stream_open(): -ESPIPE for pread64() of a reopened pipe end; splice_pipe_to_pipe():
    # -EINVAL into a reopen of the same pipe; shmem_fallocate()/vfs_fallocate():
    # -EOPNOTSUPP for COLLAPSE_RANGE, ZERO_RANGE and a punch without KEEP_SIZE, -EINVAL
    # for a zero length; generic_copy_file_checks(): -EOVERFLOW for a count that wraps;
    # do_open() -> handle_truncate(): an O_RDONLY|O_TRUNC reopen cuts the memfd to 0;
    # ksys_pread64(): -ESPIPE for a socket and an eventfd; kiocb_set_rw_flags():
    # -EOPNOTSUPP for RWF_ATOMIC on a socket.  openat2() is -ENOSYS in the kernel model,
    # pwritev2() with RWF_NOSIGNAL -EOPNOTSUPP (index 1 each, as a kernel before 6.15).
    _claim_run(honest, (), {r.P_O2FLAG: 1, r.P_O2CACHEDRW: 1, r.P_O2NOSYM: 1,
                            r.P_RELBENEATH: 1, r.P_RELNOXDEV: 1, r.P_SPLWEND: 0,
                            r.P_TEESAME: 0, r.P_SENDWO: 0, r.P_SPLRO: 0, r.P_RPREAD: 0,
                            r.P_RSPLSAME: 0, r.P_FCOLLAPSE: 0, r.P_FPUNCHNK: 0,
                            r.P_FLEN0: 0, r.P_FZERO: 0, r.P_CFRWRAP: 0,
                            r.P_ROTRUNC: 0, r.P_NOSIGPIPE: 1, r.P_NOSIGMEMFD: 1,
                            r.P_SOCKPREAD: 0, r.P_SOCKPWV2AT: 0, r.P_EVPREAD: 0})


def test_openat2_errors_are_not_refused() -> None:
    # build_open_flags(): -EINVAL for a flag bit past VALID_OPEN_FLAGS; path_init():
    # -EAGAIN under RESOLVE_CACHED (a magic link needs the walk out of RCU mode);
    # pick_link(): -ELOOP under RESOLVE_NO_SYMLINKS (/proc/self).  A 6.18 host natively.
    _claim_run(r.claim_o2errors, (), {r.P_O2FLAG: 0, r.P_O2CACHEDRW: 0, r.P_O2NOSYM: 0})


@pytest.mark.parametrize("mode", ["off", "on"])
@pytest.mark.parametrize(("steps", "switch", "expect"), [
    # -l: a trailing slash and "/." after the magic link, -ENOTDIR (the model opens)
    ("claim_slash", r.SLASH, {r.P_SLASH: 0, r.P_DOTSLASH: 0}),
    # -w: do_tee() refuses an input without FMODE_READ, -EBADF (the model copies)
    ("claim_teewend", r.TEEWEND, {r.P_TEEWEND: 0}),
    # -g: sys_tee() refuses flags past SPLICE_F_ALL, -EINVAL (the model copies)
    ("claim_teeflags", r.TEEFLAGS, {r.P_TEEFLAGS: 0}),
])
def test_linux_errors_the_model_does_not_give_are_not_refused(
        steps: str, switch: bytes, expect: dict[int, int], mode: str) -> None:
    _claim_run(getattr(r, steps), (switch,), expect, mode=mode)


@pytest.mark.parametrize("steps", ["claim_pathexcl", "claim_relbeneath", "claim_relnoxdev"])
def test_o_path_claims_hold_without_the_guardian(steps: str) -> None:
    phase = {"claim_pathexcl": r.P_PATHEXCL, "claim_relbeneath": r.P_RELBENEATH,
             "claim_relnoxdev": r.P_RELNOXDEV}[steps]
    _claim_run(getattr(r, steps), (r.PATHEXCL,), {phase: 0}, mode="off")


@pytest.mark.parametrize("steps", ["claim_pathexcl", "honest"])
def test_openat_o_path_with_o_creat_o_excl_is_not_refused(steps: str) -> None:
    # -x: openat(path, O_PATH|O_CREAT|O_EXCL) opens an O_PATH handle (a 6.18 host natively
    # and qemu-user: a descriptor; the kernel model too, build_open_how()'s O_PATH_FLAGS).
    _claim_run(getattr(r, steps, honest), (r.PATHEXCL,), {r.P_PATHEXCL: 0})


def test_trailing_slash_and_dot_are_enotdir_in_the_model() -> None:
    # -l: "/proc/self/fd/N/" and "/proc/self/fd/N/." are -ENOTDIR (link_path_walk(),
    # do_open(); qemu-user too): the kernel model answers so itself.
    _claim_run(honest, (r.SLASH,), {r.P_SLASH: 0, r.P_DOTSLASH: 0})


@pytest.mark.parametrize("steps", ["claim_relbeneath", "claim_relnoxdev"])
def test_relative_o_path_nofollow_of_the_link_is_not_refused(steps: str) -> None:
    # openat2(dirfd of /proc/self/fd, "N", {O_PATH|O_NOFOLLOW, RESOLVE_BENEATH or
    # RESOLVE_NO_XDEV}) opens the link itself: no jump, no mount crossed (a 6.18 host
    # natively: a descriptor).  The kernel model answers openat2() -ENOSYS.
    phase = r.P_RELBENEATH if steps == "claim_relbeneath" else r.P_RELNOXDEV
    _claim_run(getattr(r, steps), (), {phase: 0})


@pytest.mark.parametrize(("switch", "phase"), [(r.TEEWEND, r.P_TEEWEND),
                                               (r.TEEFLAGS, r.P_TEEFLAGS)])
def test_honest_tee_errors_are_not_refused(switch: bytes, phase: int) -> None:
    # The kernel model answers tee() as Linux (and qemu-user) does: -EBADF from a write
    # end (do_tee()), -EINVAL with flags past SPLICE_F_ALL (sys_tee()).
    _claim_run(honest, (switch,), {phase: 0})


def test_nosignal_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_nosignal, (), {r.P_NOSIGPIPE: 0, r.P_NOSIGMEMFD: 0}, mode="off")


def test_pwritev2_with_rwf_nosignal_is_not_refused() -> None:
    # pwritev2(a pipe, 10, -1, RWF_NOSIGNAL) and pwritev2(a memfd, 10, 0, RWF_NOSIGNAL)
    # write 10 (a 6.18 host natively; qemu-user answers -EOPNOTSUPP, as a kernel before
    # 6.15).  The kernel model answers -EOPNOTSUPP.
    _claim_run(r.claim_nosignal, (), {r.P_NOSIGPIPE: 0, r.P_NOSIGMEMFD: 0})
