"""Round 88b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r88b.py (secret_r88_mm's steps), with the Guardian on: no
decision, the program finishes intact, every step labels 0.  Each is one run over every
step (the suite is near its time budget):

- every step untouched (the kernel model's answers), -c and -h included: the kernel
  model's statx(AT_FDCWD, "/", 0, STATX__RESERVED, page 2) and sched_getparam(-1, page 2)
  stored at page 2 where Linux fails first until the model was fixed (do_statx()'s STATX__RESERVED
  test, SYSCALL_DEFINE2(sched_getparam)'s `pid < 0` test); they now answer -EINVAL
  (kernel_model/syscalls/fs.py, misc.py; test_kernel_model_first_tests below);
- every step served Linux's answer as getpid() (nothing stored; the function that decides
  each is in the family's docstring);
- every step with page 2's clean entry dropped as the step's call enters (reclaim:
  shrink_folio_list() -> try_to_unmap()), the call served Linux's answer: the read
  refaults the folio read-only (do_read_fault()), 'y';
- capget(&{version 0, pid 0}, page 2) (-j) served as Linux serves it: SYSCALL_DEFINE2(capget)
  -> cap_validate_magic() `default: if (put_user((u32)_KERNEL_CAPABILITY_VERSION,
  &header->version)) return -EFAULT; return -EINVAL;` -- a store into the program's
  header (0x20080522), then -EINVAL; page 2 untouched.

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r88_mm
-abcefhijklmno`: `readlinkat(4,"",...,16) = -1 errno=2`, `recvfrom(4,...,16,64,0,0) = -1
errno=88`, `statx(AT_FDCWD,"/",0,0x80000000,...) = -1 errno=22`, `mincore(...) = -1
errno=14` (qemu's own: linux-user locks the unaligned range first; Linux:
SYSCALL_DEFINE3(mincore)'s alignment test, -EINVAL), `prlimit64(0,99,0,...) = -1
errno=22`, `sched_getparam(-1,...) = -1 errno=22`, `sched_rr_get_interval(-1,...) = -1
errno=22`, `capget(...) = -1 errno=22`, `waitid(0,0,(nil),0) = -1 errno=22`,
`epoll_pwait(4,...,1,0,0,8) = -1 errno=22`, `fgetxattr(4,"",...,16) = -1 errno=34`,
`read(5,...,4) = -1 errno=22` (eventfd), `read(5,...,64) = -1 errno=22` (signalfd);
"secret: intact", every label 0.

False refusals found: none.
"""

from __future__ import annotations

from attacks.families import redteam_r88b as m
from attacks.moves import serve_as_getpid, write_back
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as

_PHASES = list(m.LETTER88)
ALL_ARGS = b"-" + m.LETTERS88.encode()
#: the steps the kernel model answers as Linux does: all of them (-c and -h since the model was fixed:
#: the model's statx() and sched_getparam() stored at page 2 where Linux fails first)
ALONE = list(_PHASES)
ALONE_ARGS = b"-" + b"".join(m.LETTER88[p][1:] for p in ALONE)
#: the store steps (-q, -r, -s), run untouched: the kernel model stores as Linux does
STORE_ARGS = b"-" + "".join(m.STORES).encode()
_CAP_VERSION = 0x20080522           # _KERNEL_CAPABILITY_VERSION (_LINUX_CAPABILITY_VERSION_3)


def _run88(steps, args: bytes = ALL_ARGS):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-988", title="round 88b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM88, args=(args,))
    return run_one(sc, "on").outcome


def _honest88(out, phases: list[int], note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P88_FIRST, m.P88_LAST) == dict.fromkeys(phases, 0)


def _linux_all(drop: bool):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        for phase in _PHASES:
            if drop:
                _drop_as(phase, m.NRP88[phase])(adv)
            serve_as_getpid(adv, m.NRP88[phase], phase, m.LINUX88[phase])
    return steps


def test_r88b_untouched() -> None:
    _honest88(_run88(lambda adv: None, ALONE_ARGS), ALONE)


def test_r88b_stores_after_the_number_changed_meaning() -> None:
    _honest88(_run88(lambda adv: None, STORE_ARGS), list(m.STORES.values()))


def test_r88b_served_as_linux() -> None:
    _honest88(_run88(_linux_all(False)), _PHASES)


def test_r88b_clean_entry_dropped_as_call_enters() -> None:
    _honest88(_run88(_linux_all(True)), _PHASES, "dropped")


def test_r88b_capget_version_stored_then_einval() -> None:
    phase = m.PHASE88["j"]
    out = _run88(lambda adv: write_back(adv, m.NR88["j"], phase, 0, _CAP_VERSION,
                                        m.LINUX88[phase]), b"-j")
    _honest88(out, [phase])


def test_kernel_model_first_tests() -> None:
    """Kernel model: statx with STATX__RESERVED in the mask and
    sched_getparam(-1, ...) answer -EINVAL with nothing stored, as do_statx() and
    SYSCALL_DEFINE2(sched_getparam) fail first (qemu on the host's Linux: errno=22)."""
    from kernel_model.syscalls.fs import sys_statx
    from kernel_model.syscalls.misc import sys_sched_getparam

    class _U:
        def __init__(self) -> None:
            self.writes: list[int] = []

        def write(self, va: int, data: bytes) -> None:
            self.writes.append(va)

        def write_u32(self, va: int, v: int) -> None:
            self.writes.append(va)

    class _K:
        uaccess = _U()

    k = _K()
    assert sys_sched_getparam(k, None, (0xFFFF_FFFF, 0x1000)) == -22
    assert sys_sched_getparam(k, None, (0, 0)) == -22
    assert sys_sched_getparam(k, None, (0, 0x1000)) == 0
    assert k.uaccess.writes == [0x1000]
    import kernel_model.syscalls.fs as fs
    real = fs.guest_path
    fs.guest_path = lambda k, va: b"/"  # type: ignore[assignment]
    try:
        assert sys_statx(k, None, (-100 % (1 << 64), 0x2000, 0, 0x8000_0000, 0x1000)) == -22
        assert sys_statx(k, None, (-100 % (1 << 64), 0x2000, 0x6000, 0x7FF, 0x1000)) == -22
    finally:
        fs.guest_path = real
    assert k.uaccess.writes == [0x1000]
