"""Round 85b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r85b.py (secret_r84_mm's steps -o, -q, -j, -k, -b, -g, -f, -h,
-m, -e), served with the Guardian on: no decision, the program finishes intact, the step
labels 0.

- Every step untouched (the kernel model's answers: filename_lookup()'s -ENOENT,
  timerfd_fget()'s -EINVAL, do_readlinkat()'s -EINVAL, iterate_dir()'s -ENOTDIR,
  __do_pipe_flags()'s -EINVAL, do_wait()'s -ECHILD, an empty epoll's 0, vfs_read()'s
  -EBADF, mincore()'s alignment -EINVAL, sched_getaffinity()'s retlen in page 1).
- And, as the step's call enters, page 2's clean entry dropped (reclaim:
  shrink_folio_list() -> try_to_unmap()); the read refaults the folio read-only
  (do_read_fault()): 'y'.

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r84_mm
-objkqgfhme`: `newfstatat(AT_FDCWD,"/nonexistent-r84",0x0000005500805000,0) = -1 errno=2
(No such file or directory)`, `pipe2(365080641536,1,0,0,0,0) = -1 errno=22`,
`readlinkat(AT_FDCWD,"/",0x000000550080b000,64) = -1 errno=22`,
`getdents64(4,0x550080e000,4096) = -1 errno=20 (Not a directory)`,
`timerfd_gettime(4,365080678400,0,0,0,0) = -1 errno=22`, `wait4(-1,365080690688,1,0,0,0)
= -1 errno=10 (No child processes)`, `epoll_pwait(5,365080702976,8,0,0,8) = 0`,
`read(3,0x81a000,16) = -1 errno=9 (Bad file descriptor)`,
`mincore(365080719361,4096,365080727552,0,0,0) = -1 errno=14` (qemu's own vector check
first; Linux's order is the alignment test, -EINVAL), `sched_getaffinity(0,4096,
365080739584,0,0,0) = 32`; "secret: intact"; every step's label 0 (`write(3,0x492090,8)`)
but -q's (qemu copies its itimerspec out whatever the host answered, round 84b's
docstring).  No answer is -EFAULT.

- secret_r85_mm (this round's victim), untouched: -a's and -b's futex(FUTEX_WAKE_OP_PRIVATE)
  whose second word is at page 2 (the kernel model's op stores there: page 2 keeps
  'x').  And as the call enters, page 2 mapped writable on a copy of 'x' -- what Linux's
  futex_wake_op() does when the op first faults on the read-only folio:
  `if (op_ret == -EFAULT) { ret = fault_in_user_writeable(uaddr2); ... goto
  retry_private; }` (fixup_user_fault(FAULT_FLAG_WRITE) -> do_wp_page() ->
  wp_page_copy()) --, then the op stores and the call answers: -b 0 (FUTEX_OP_CMP_EQ
  held or not, no waiter), -a -ENOSYS (futex_atomic_op_inuser(): after
  arch_futex_atomic_op_inuser() stored, `switch (cmp) { ... default: return -ENOSYS; }`
  for a cmp past FUTEX_OP_CMP_GE; kernel/futex/waitwake.c, the same in 6.1 and 6.18).
  qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r85_mm
  -ab`: `futex(0x00000000004920d0,FUTEX_PRIVATE_FLAG|FUTEX_WAKE_OP,1,0x0000000000000001,
  0x0000005500805000,...) = -1 errno=38 (Function not implemented)` then
  `write(3,0x492090,8) = 8` (label 0: page 2 reads 'x' after pwrite64() of 'y' -- the
  host kernel's op stored and copied the page before the -ENOSYS), `futex(...) = 0`,
  `write(3,0x492090,8) = 8`, "secret: intact".

- secret_r85_mm -c .. -h (AK-011..015's calls: readv()'s -EBADF, preadv()'s 0 at the
  end, recvfrom()'s and recvmsg()'s -EAGAIN, getsockopt()'s -ENOPROTOOPT), untouched and
  with page 2's clean entry dropped as the call enters: 'y'.

- secret_r85_mm -i .. -o (AK-016..022's calls), untouched, served -EINVAL as Linux
  answers them (timespec64_valid(), cap_validate_magic(), poll_select_set_timeout(),
  __sys_socketpair()'s flags, copy_file_range()'s flags, clockid_to_kclock()), and so
  with page 2's clean entry dropped as the call enters: 'y'.

- secret_r85_mm -p .. -r (AK-023..025's calls), untouched, served as Linux answers
  them (-ENOTSOCK, -EOPNOTSUPP, -ESRCH), and so with page 2's clean entry dropped as the
  call enters: 'y'.

False refusals found: 1 -- test_r85_wake_op_unknown_cmp_stores_then_enosys (was xfail,
strict; fixed): `cut.answer_stores` read every error of a private FUTEX_WAKE_OP as nothing
stored, but futex_atomic_op_inuser() checks the comparison only after the op stored at
uaddr2.  answer_stores.stored() now counts uaddr2's word stored for an error where the
op is known (one past FUTEX_OP_XOR fails first) and the cmp (bits 24..27) is past
FUTEX_OP_CMP_GE: Linux's -ENOSYS passes.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r84b as r
from attacks.families import redteam_r85b as k
from attacks.families.redteam_r79b import writable_as
from attacks.moves import serve_as_getpid
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as, _honest, _linux, _run

PHASES = [phase for _sid, phase, _what, _why in k.EFAULTS]


@pytest.mark.parametrize("phase", PHASES)
def test_r85b_untouched(phase: int) -> None:
    _honest(_run(_linux(phase, lambda adv: None), r.LETTER84[phase]), phase)


@pytest.mark.parametrize("phase", PHASES)
def test_r85b_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest(_run(_linux(phase, _drop_as(phase, r.NR84[phase])), r.LETTER84[phase]),
            phase, "dropped")


NR_FUTEX = 98


def _run85(steps, args: bytes):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-985", title="round 85b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=k.VICTIM85, args=(args,))
    return run_one(sc, "on").outcome


def _honest85(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, k.P85_FIRST, k.P85_LAST) == {phase: 0}


@pytest.mark.parametrize("phase", list(k.LETTER85))
def test_r85_untouched(phase: int) -> None:
    _honest85(_run85(lambda adv: None, k.LETTER85[phase]), phase)


def test_r85_wake_op_cmp_eq_stores_after_fault_in() -> None:
    _honest85(_run85(writable_as(k.P_WAKEEQ, NR_FUTEX), k.LETTER85[k.P_WAKEEQ]),
              k.P_WAKEEQ, "refaulted writable")


def test_r85_wake_op_unknown_cmp_stores_then_enosys() -> None:
    _honest85(_run85(writable_as(k.P_WAKECMP, NR_FUTEX), k.LETTER85[k.P_WAKECMP]),
              k.P_WAKECMP, "refaulted writable")


@pytest.mark.parametrize("phase", list(k.NR85))
def test_r85_unsized_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest85(_run85(_drop_as(phase, k.NR85[phase]), k.LETTER85[phase]), phase, "dropped")


def _served(phase: int, steps):  # type: ignore[no-untyped-def]
    def run(adv) -> None:  # type: ignore[no-untyped-def]
        steps(adv)
        serve_as_getpid(adv, k.NR85_EARLY[phase], phase, k.EINVAL)
    return run


@pytest.mark.parametrize("phase", list(k.NR85_EARLY))
def test_r85_early_einval_served(phase: int) -> None:
    _honest85(_run85(_served(phase, lambda adv: None), k.LETTER85[phase]), phase)


@pytest.mark.parametrize("phase", list(k.NR85_EARLY))
def test_r85_early_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest85(_run85(_served(phase, _drop_as(phase, k.NR85_EARLY[phase])),
                     k.LETTER85[phase]), phase, "dropped")


def _served_unsized(phase: int, steps):  # type: ignore[no-untyped-def]
    def run(adv) -> None:  # type: ignore[no-untyped-def]
        steps(adv)
        nr, err = k.NR85_SERVED[phase]
        serve_as_getpid(adv, nr, phase, (1 << 64) - err)
    return run


@pytest.mark.parametrize("phase", list(k.NR85_SERVED))
def test_r85_unsized_served_as_linux(phase: int) -> None:
    _honest85(_run85(_served_unsized(phase, lambda adv: None), k.LETTER85[phase]), phase)


@pytest.mark.parametrize("phase", list(k.NR85_SERVED))
def test_r85_unsized_served_clean_entry_dropped(phase: int) -> None:
    _honest85(_run85(_served_unsized(phase, _drop_as(phase, k.NR85_SERVED[phase][0])),
                     k.LETTER85[phase]), phase, "dropped")
