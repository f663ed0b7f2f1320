"""Round 90b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r90b.py (secret_r90_mm's steps), with the Guardian on: no
decision, the program finishes intact, every step labels 0.  Each is one run over every
step (the suite is near its time budget):

- every attack step untouched (the kernel model's answers: each fails first as Linux
  does, nothing stored at page 2);
- every attack step served Linux's answer as getpid() (nothing stored; the function
  that decides each is in the family's docstring), with and without page 2's clean
  entry dropped as the step's call enters (reclaim: shrink_folio_list() ->
  try_to_unmap()): the read refaults the folio read-only (do_read_fault()), 'y';
- the store steps -p and -y (each with and without page 2's clean entry dropped as the
  call enters: do_cow_fault() or wp_page_copy() copies it at the store) --
  the store step -p, waitid(P_ALL, 0, page 2, 0, NULL), served as Linux serves it:
  kernel_waitid() answers -EINVAL (no WEXITED|WSTOPPED|WCONTINUED) and
  SYSCALL_DEFINE5(waitid) still stores the siginfo -- `if (!infop) return err;` then
  unsafe_put_user()s of si_signo, si_errno, si_code (bytes 0..11) and si_pid, si_uid,
  si_status (16..27), zeros -- so page 2 becomes a private copy (do_wp_page() ->
  wp_page_copy()) keeping 'x' past those bytes after pwrite64() of 'y'.  The host's
  Linux (6.18, x86_64, the same generic code), a native C probe:
  `waitid(P_ALL,0,buf,0,NULL) = -1 errno=22; buf[0..32]: 00 00 00 00 00 00 00 00 00 00
  00 00 78 78 78 78 00 00 00 00 00 00 00 00 00 00 00 00 78 78 78 78`.

- the store step -y, timer_create(0x80000002 -- the CPU clock MAKE_PROCESS_CPUCLOCK(
  0x0fffffff, CPUCLOCK_SCHED) --, NULL, page 2), served as Linux serves it:
  do_timer_create() copies the new timer's id (0 for the first) to page 2, then
  kc->timer_create() -> posix_cpu_timer_create() finds no task: -EINVAL.  The native
  probe: `timer_create(0x80000002, NULL, &id) = -1 errno=22 id=0` (id was 0x78787878).

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r90_mm
-abcefghijklmrsvx`, `-tuwznoy`, `-qA`, `-BCDE` and `-FGH`: the family's docstring (every step the errno above;
"secret: intact").

Found on the way (kernel_model/, not the Guardian; the untouched runs leave these steps
out, m.MODEL_DIFFERS): the kernel model's sys_newfstatat (kernel_model/syscalls/fs.py)
tests no flag: newfstatat(AT_FDCWD, "/", page 2, 1) stores a stat there and answers 0
(-b labels -4 under the model; Linux's vfs_statx(): -EINVAL first); its sys_waitid (kernel_model/syscalls/proc.py)
answers waitid() of no wait option -EINVAL storing nothing at infop (Linux stores the
zeroed siginfo on every answer: -p labels -4 under the model, 'y' reaching the uncopied
page); its sys_preadv (kernel_model/syscalls/fileio.py) takes preadv()'s offset -2 on to
the file's pread, and the run ends with "OverflowError: Python int too large to convert
to C long" in every mode (Linux: do_preadv() `if (pos < 0) return -EINVAL;` first;
pwritev's sys_pwritev has no such test either); sys_timer_create stores no id for a CPU
clock of no task (-y); sys_setitimer stores the old value before it tests the new one
(-w: Linux's get_itimerval() fails first); sys_sched_getaffinity ignores the pid and
stores a mask for pid -1 (-n: Linux -ESRCH).

False refusals found: none.
"""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as _N
from attacks.families import redteam_r90b as m
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as

_PHASES = list(m.LETTER90)
ALONE_ARGS = b"-" + m.ALONE90.encode()
ALONE = [m.PHASE90[c] for c in m.ALONE90]
#: si_signo, si_errno, si_code; si_pid, si_uid, si_status: the words waitid() stores
_SIGINFO_WORDS = (0, 4, 8, 16, 20, 24)


def _run90(steps, args: bytes = b"-" + m.LETTERS90.encode()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-990", title="round 90b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM90, args=(args,))
    return run_one(sc, "on").outcome


def _honest90(out, phases: list[int], note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P90_FIRST, m.P90_LAST) == dict.fromkeys(phases, 0)


def _linux_all(drop: bool):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        for phase in _PHASES:
            if drop:
                _drop_as(phase, m.NRP90[phase])(adv)
            serve_as_getpid(adv, m.NRP90[phase], phase, m.LINUX90[phase])
    return steps


def _stores_then_einval(nr: int, phase: int, arg: int, words: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """The call as Linux serves it: the 32-bit words at `words` offsets of the buffer
    argument `arg` points at stored (zeros) through the call's grant, then -EINVAL."""
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        at: list[int] = []

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
        def _(a, **_):  # type: ignore[no-untyped-def]
            at.append(a.el1.syscall_args()[arg])

        def _stored(a) -> int:  # type: ignore[no-untyped-def]
            for off in words:
                a.kernel.uaccess.write_u32(at[-1] + off, 0)
            return m.MINUS_EINVAL
        serve_as_getpid(adv, nr, phase, _stored)
    return steps


def test_r90b_untouched() -> None:
    _honest90(_run90(lambda adv: None, ALONE_ARGS), ALONE)


@pytest.mark.parametrize("drop", [False, True], ids=["served", "dropped"])
def test_r90b_served_as_linux(drop: bool) -> None:
    _honest90(_run90(_linux_all(drop)), _PHASES, "dropped" if drop else "")


#: (the step, its call, its phase, the words stored): Linux's stores on an -EINVAL
_STORE_STEPS = {"waitid": (b"-p", _N["waitid"], m.STORE, _SIGINFO_WORDS),
                "timer_create": (b"-y", _N["timer_create"], m.STORE_TIMER, (0,))}


@pytest.mark.parametrize("drop", [False, True], ids=["served", "dropped"])
@pytest.mark.parametrize("call", list(_STORE_STEPS))
def test_r90b_stores_on_einval(call: str, drop: bool) -> None:
    """waitid() and timer_create() store, then answer -EINVAL (the page dropped as the
    call enters, or not: do_cow_fault() or wp_page_copy() copies it on the store)."""
    args, nr, phase, words = _STORE_STEPS[call]

    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        if drop:
            _drop_as(phase, nr)(adv)
        _stores_then_einval(nr, phase, 2, words)(adv)
    _honest90(_run90(steps, args), [phase], "dropped" if drop else "")
