"""Round 58's honest answers: what Linux does on the edges of the rules added after round
57 (opens of /proc/self/fd/N by names that leave or come back to the link, openat2()'s
scoped lookups, splice(), tee(), sendfile(), fallocate(), ftruncate() and
copy_file_range() of files that are no pipes or no regular files, positions Linux
refuses, RWF flags, and the result rules compiled per syscall number), which a monitor
could mistake for forged.

Each test runs the round-58 victim (secret_r58_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r58.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.  Each answer is what a 6.18 host gives natively (and qemu-user,
where it passes the call on: it answers openat2() -ENOSYS).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r58 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def test_honest_default_steps_are_not_refused() -> None:
    # do_tee(): -EINVAL into /dev/null; do_splice(): -EINVAL between two files that are
    # no pipes; do_sendfile(): -ESPIPE from a socket at an offset; vfs_fallocate(): -ESPIPE
    # for a pipe, -ENODEV for /dev/null; do_ftruncate(): -EINVAL for a pipe;
    # generic_file_rw_checks(): -EINVAL into /dev/null; rw_verify_area(): -EINVAL from
    # offset -100; name_to_int(): -ENOENT for /proc/self/fd/0N; do_sys_ftruncate(): -EINVAL for a length of -1; kiocb_set_rw_flags(): -EOPNOTSUPP for RWF_ATOMIC on /dev/null; tee(),
    # splice() and sendfile() that move 10, fallocate(KEEP_SIZE) 0, copy_file_range() at
    # the end 0; do_splice(): -EINVAL into a socket at an offset; build_open_flags():
    # -EINVAL for __O_TMPFILE alone.  openat2() is -ENOSYS in the kernel model, preadv2()
    # with RWF_NOSIGNAL -EOPNOTSUPP (index 1 each).
    _claim_run(honest, (), {r.P_TMPFILE: 0, r.P_NOXDEVREL: 1, r.P_NOSYMDOT: 1,
                            r.P_BENEATHDOT: 1, r.P_INROOTDOT: 1, r.P_INROOTREL: 1,
                            r.P_TEENULL: 0, r.P_SPLNOPIPE: 0, r.P_SPLSOCKOFF: 0,
                            r.P_SENDSOCK: 0, r.P_FPIPE: 0, r.P_FNULL: 0, r.P_FTRPIPE: 0,
                            r.P_HTEE: 0, r.P_HSPLFILE: 0, r.P_HSENDFILE: 0,
                            r.P_CFRNULL: 0, r.P_CFRNEG: 0, r.P_PRV2NOSIG: 1,
                            r.P_PWV2NULLAT: 0, r.P_HFKEEP: 0, r.P_HCFREOF: 0,
                            r.P_FTRNEG: 0, r.P_O2NULL: 1, r.P_O2NULLOK: 1,
                            r.P_BENEATHROOT: 1, r.P_LEADZERO: 0})


@pytest.mark.parametrize("switch", [r.APPEND, r.NEGOFF])
def test_honest_appending_and_negative_moves_are_not_refused(switch: bytes) -> None:
    # -a: splice() and sendfile() into an O_APPEND memfd, -EINVAL (do_splice(),
    # do_splice_direct_actor()); -g: splice() and sendfile() at a negative offset of a
    # memfd, -EINVAL (rw_verify_area()).  The kernel model answers so itself (a 6.18 host
    # natively), and return.move_ends judges none of them.
    expect = {r.P_SPLAPPEND: 0, r.P_SENDAPPEND: 0} if switch == r.APPEND else \
        {r.P_SPLNEGOFF: 0, r.P_SENDNEG: 0}
    _claim_run(honest, (switch,), expect)


@pytest.mark.parametrize("mode", ["off", "on"])
def test_honest_dotdot_past_the_link_is_not_refused(mode: str) -> None:
    # -u: link_path_walk() follows N, then -ENOTDIR before ".." (the kernel model too)
    _claim_run(honest, (r.DOTDOT,), {r.P_DOTDOT: 0}, mode=mode)


def test_openat2_errors_are_not_refused() -> None:
    # traverse_mounts(): -EXDEV into /proc under RESOLVE_NO_XDEV; pick_link(): -ELOOP at
    # /proc/self under RESOLVE_NO_SYMLINKS; follow_dotdot(): -EXDEV under RESOLVE_BENEATH,
    # -ENOENT under RESOLVE_IN_ROOT ("fd/N" in the dirfd).  A 6.18 host natively.
    _claim_run(r.claim_o2errors, (), {r.P_NOXDEVREL: 0, r.P_NOSYMDOT: 0, r.P_BENEATHDOT: 0,
                                      r.P_INROOTDOT: 0})


@pytest.mark.parametrize("mode", ["off", "on"])
@pytest.mark.parametrize(("steps", "switch", "expect"), [
    # -u: "/proc/self/fd/N/../N" is -ENOTDIR (the model too, now)
    ("claim_dotdot", r.DOTDOT, {r.P_DOTDOT: 0}),
    # -a: splice() and sendfile() into an O_APPEND memfd, -EINVAL (the model moves)
    ("claim_append", r.APPEND, {r.P_SPLAPPEND: 0, r.P_SENDAPPEND: 0}),
    # -g: splice() and sendfile() at a negative offset, -EINVAL (the model fails)
    ("claim_negoff", r.NEGOFF, {r.P_SPLNEGOFF: 0, r.P_SENDNEG: 0}),
    # -e: pwritev2() into an eventfd with RWF_DSYNC, -EOPNOTSUPP (the model wrote; it
    # answers so now too)
    ("claim_evpwv2", r.EVFD, {r.P_EVPWV2: 0}),
    # __O_TMPFILE alone and splice() into a socket at an offset, -EINVAL (the model
    # answers another error for the splice(); -d: the digest only)
    ("claim_model_errors", b"-d", {r.P_TMPFILE: 0, r.P_SPLSOCKOFF: 0}),
])
def test_linux_errors_the_model_does_not_give_are_not_refused(
        steps: str, switch: bytes, expect: dict[int, int], mode: str) -> None:
    _claim_run(getattr(r, steps), (switch,), expect, mode=mode)


def test_honest_pwritev2_into_an_eventfd_with_rwf_dsync_is_not_refused() -> None:
    # -e: the kernel model answers -EOPNOTSUPP itself now (do_loop_readv_writev(): an
    # eventfd has no write_iter; a 6.18 host natively)
    _claim_run(honest, (r.EVFD,), {r.P_EVPWV2: 0})


def test_openat2_of_a_null_name_is_not_refused() -> None:
    # openat2(NULL, {O_RDWR|0x10}) is -EINVAL (build_open_flags() before getname()),
    # openat2(NULL, {O_RDWR}) -EFAULT (getname()): a 6.18 host natively.  The model
    # answers -ENOSYS.
    _claim_run(r.claim_o2null, (), {r.P_O2NULL: 0, r.P_O2NULLOK: 0})


def test_relative_o_path_nofollow_from_root_under_beneath_is_not_refused() -> None:
    # openat2(dirfd of "/", "proc/self/fd/N", {O_PATH|O_NOFOLLOW, RESOLVE_BENEATH}) opens
    # the link itself (a 6.18 host natively: a descriptor; RESOLVE_BENEATH does not
    # refuse a mount crossed, and /proc/self's target is relative).
    _claim_run(r.claim_beneathroot, (), {r.P_BENEATHROOT: 0})


def test_relative_o_path_nofollow_under_in_root_is_not_refused() -> None:
    # openat2(dirfd of /proc/self/fd, "N", {O_PATH|O_NOFOLLOW, RESOLVE_IN_ROOT}) opens the
    # link itself (a 6.18 host natively: a descriptor).  The model answers -ENOSYS.
    _claim_run(r.claim_inrootrel, (), {r.P_INROOTREL: 0})


def test_preadv2_with_rwf_nosignal_is_not_refused() -> None:
    # preadv2(a memfd, 10, 0, RWF_NOSIGNAL) reads 10 on a 6.18 host natively (the model
    # answers -EOPNOTSUPP, as a kernel before 6.15).
    _claim_run(r.claim_nosigread, (), {r.P_PRV2NOSIG: 0})


def test_tee_of_a_pipe_into_itself_after_the_rules_are_compiled() -> None:
    # -n: 1,100 tee() calls with flags 0x100 (each -EINVAL: sys_tee()), then tee() of a
    # pipe into itself, -EINVAL (do_tee()): the rules compiled for tee()'s number let the
    # honest answers through as the rules as written do.
    _claim_run(honest, (r.FOLD,), {r.P_FOLDTEE: 0})


def test_tee_of_length_zero_claim_holds_without_the_guardian() -> None:
    _claim_run(honest, (r.TEEZERO,), {r.P_TEEZERO: 0}, mode="off")


def test_tee_of_length_zero_into_an_empty_pipe_is_not_refused() -> None:
    # tee(A, B, 0, 0) answers 0 (sys_tee(): "if (unlikely(!len)) return 0"; a 6.18 host and
    # qemu-user: 0): nothing linked, B stays empty.
    _claim_run(honest, (r.TEEZERO,), {r.P_TEEZERO: 0})


def test_tagged_name_claim_holds_without_the_guardian() -> None:
    # -t: openat(AT_FDCWD, a pointer to "/dev/null" with top byte 0x5a, O_RDONLY) is
    # -EFAULT (the kernel model answers so itself, as qemu-user does).
    _claim_run(honest, (r.TAGGED,), {r.P_TAGNAME: 0}, mode="off")


def test_openat_of_a_tagged_name_answered_efault_is_not_refused() -> None:
    # access_ok() untags only under TIF_TAGGED_ADDR: -EFAULT though the MMU reads it
    _claim_run(honest, (r.TAGGED,), {r.P_TAGNAME: 0})


def test_openat2_of_a_tagged_struct_answered_efault_is_not_refused() -> None:
    # copy_struct_from_user() -> copy_from_user() -> access_ok(): -EFAULT
    _claim_run(r.claim_taghow, (r.TAGHOW,), {r.P_TAGHOW: 0})


def test_tagged_struct_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_taghow, (r.TAGHOW,), {r.P_TAGHOW: 0}, mode="off")
