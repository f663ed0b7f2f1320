"""Round 89b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r89b.py (secret_r89_mm's steps), with the Guardian on: no
decision, the program finishes intact, every step labels 0.  Each is one run over every
step (the suite is near its time budget):

- every step untouched (the kernel model's answers; -b, -f and -q too since the kernel
  model fails them first as Linux does -- the family's docstring, "Found on the way"),
  the store steps -t (read() of 8
  bytes from an eventfd counting 3: eventfd_read() stores the count, 8) and -u (fstat()
  of an O_PATH descriptor: vfs_fstat() -> fdget_raw() takes an FMODE_PATH file, 0, a
  struct stat stored) included -- kind_stores.finer_kind() names both descriptors
  (EVENTFD, PATH), and neither rule refuses these calls; and the probe -z,
  flistxattr(memfd, page 2, 16): 0, nothing stored (an empty list: shmem's
  simple_xattr_list() with no xattr, no ACL, no LSM), which NulEnded does not refuse;
- every step served Linux's answer as getpid() (nothing stored; the function that
  decides each is in the family's docstring), the probe -z served 0;
- every step with page 2's clean entry dropped as the step's call enters (reclaim:
  shrink_folio_list() -> try_to_unmap()), the call served Linux's answer: the read
  refaults the folio read-only (do_read_fault()), 'y'.

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r89_mm
-abcvefghijklmnopqrstuwxyz`: `getdents64(5,...,16) = -1 errno=22`,
`readlinkat(AT_FDCWD,"/proc/self/exe",...,2147483648) = -1 errno=14` (qemu's own:
linux-user locks the 2 GiB buffer first; Linux's do_readlinkat(): `bufsiz <= 0`,
-EINVAL), `rt_sigtimedwait(...,16,0,0) = -1 errno=22`, `wait4(-1,...,4,0,0,0) = -1
errno=22`, `capget(...) = -1 errno=22`, `statx(AT_FDCWD,"/",0x1,STATX_BASIC_STATS,...) =
-1 errno=22`, `lgetxattr("/","",...,16) = -1 errno=34`, `timer_gettime(-1,...) = -1
errno=22`, `setitimer(0x5,NULL,...) = -1 errno=22`, `timerfd_settime(5,4,...) = -1
errno=22`, `epoll_pwait(5,...,1,0,...,4) = -1 errno=22`, `nanosleep(...) = -1 errno=22`,
`copy_file_range(4,...,5,(nil),16,1) = -1 errno=22`, `getrlimit(99,...) = -1 errno=22`,
`fcntl(4,F_GETLK,...) = -1 errno=22`, `prlimit64(0,7,...) = -1 errno=22`,
`sigaltstack(...) = -1 errno=22`, `getsockname(3,...) = -1 errno=88`, `accept4(3,...,1)
= -1 errno=22`, `read(5,...,8) = 8`, `fstat(5,...) = 0`,
`pselect6(4294967295,...) = -1 errno=22`, `pselect6(1,...) = -1 errno=22`,
`ppoll(...,2147483648,...) = -1 errno=22`, `flistxattr(4,...,16) = 0 (list = )`;
"secret: intact".

False refusals found: none.
"""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as _N
from attacks.families import redteam_r89b as m
from attacks.moves import serve_as_getpid
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as

_PHASES = list(m.LETTER89)
ALL_ARGS = b"-" + m.LETTERS89.encode() + b"z"
#: the steps the kernel model answers as Linux does: all but MODEL_STORES (none since
#: round 89b's kernel-model fixes), the store steps too
ALONE = [p for p in _PHASES if p not in m.MODEL_STORES] + list(m.STORES.values()) + [m.PROBE]
ALONE_ARGS = b"-" + "".join(c for c in m.ALL89 if m.PHASE89[c] in ALONE).encode()


def _run89(steps, args: bytes = ALL_ARGS):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-989", title="round 89b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM89, args=(args,))
    return run_one(sc, "on").outcome


def _honest89(out, phases: list[int], note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P89_FIRST, m.P89_LAST) == dict.fromkeys(phases, 0)


def _linux_all(drop: bool):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        for phase in _PHASES:
            if drop:
                _drop_as(phase, m.NRP89[phase])(adv)
            serve_as_getpid(adv, m.NRP89[phase], phase, m.LINUX89[phase])
        if drop:
            _drop_as(m.PROBE, _N["flistxattr"])(adv)
        serve_as_getpid(adv, _N["flistxattr"], m.PROBE, 0)
    return steps


def test_r89b_untouched() -> None:
    _honest89(_run89(lambda adv: None, ALONE_ARGS), ALONE)


@pytest.mark.parametrize("drop", [False, True], ids=["served", "dropped"])
def test_r89b_served_as_linux(drop: bool) -> None:
    _honest89(_run89(_linux_all(drop)), _PHASES + [m.PROBE], "dropped" if drop else "")
