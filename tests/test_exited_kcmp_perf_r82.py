"""Round 82's gaps closed here: `return.exited_table` widened to kcmp's KCMP_VM,
KCMP_FILES and KCMP_FS of the caller and an exited, unreaped child (exit_mm(),
exit_files(), exit_fs(): AB-005, AB-011, AB-018); `return.perf_event_args` for a software
event past PERF_COUNT_SW_MAX (perf_init_event(): AB-019); `return.range_table` for a
close_range() of fd > max_fd answered 0 (SYSCALL_DEFINE3(close_range): AB-020).  The
answers Linux gives pass."""

from __future__ import annotations

import pytest

from abi import Status
from abi.syscalls import NUMBERS as N
from guardian.checks import Refused
from guardian.exited_tables import ExitedChildren
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN, _Files
from tests.test_guardian_errno_set import PR_SET_SECCOMP, SECCOMP_MODE_FILTER
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _resume
from tests.test_kcmp_pidfd_r81 import _noted
from tests.test_perf_attr_r81 import _attr, _judge
from tests.test_secure_mm import Scene, build_translating

KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND = 1, 2, 3, 4
WEXITED_WNOWAIT = 4 | 0x0100_0000


def _kcmp(ex: ExitedChildren, reg: object, args: tuple[int, ...], ret: int = 0,
          own: int | None = OWN) -> None:
    ex.check(_Files(), reg, Slot(6, 1, None, 0, N["kcmp"], args, 1, 2), ret,  # type: ignore[arg-type]
             own)


@pytest.mark.parametrize("kind", [KCMP_VM, KCMP_FILES, KCMP_FS])
def test_kcmp_of_an_exited_childs_cleared_pointer(kind: int) -> None:  # AB-005, 011, 018
    ex, reg = _noted(WEXITED_WNOWAIT)
    for args in ((OWN, 8, kind, 0, 0), (8, OWN, kind, 0, 0)):
        with pytest.raises(Refused, match="exited_table"):
            _kcmp(ex, reg, args)
    _kcmp(ex, reg, (OWN, 8, kind, 0, 0), ret=1)          # NULL and a pointer: an order
    _kcmp(ex, reg, (OWN, 8, kind, 0, 0), ret=2)
    _kcmp(ex, reg, (8, 8, kind, 0, 0))                   # NULL and NULL: 0
    _kcmp(ex, reg, (OWN, 8, kind, 0, 0), own=None)       # the caller not known the leader
    _kcmp(ex, reg, (OWN, 7, kind, 0, 0))                 # no report of pid 7: living
    reg.slots = {7: Slot(7, 1, None, 0, N["wait4"], (8, 0, 0, 0), 1, 3)}
    _kcmp(ex, reg, (OWN, 8, kind, 0, 0))                 # a wait may reap it


def test_kcmp_of_what_exit_leaves_is_not_judged() -> None:
    ex, reg = _noted(WEXITED_WNOWAIT)
    _kcmp(ex, reg, (OWN, 8, KCMP_SIGHAND, 0, 0))         # __exit_signal() at release_task()
    ex, reg = _noted(4)                                  # reaped: its pid may be another's
    _kcmp(ex, reg, (OWN, 8, KCMP_FS, 0, 0))


@pytest.mark.parametrize("config", [12, 1000, 1 << 63])
def test_software_event_past_sw_max(config: int) -> None:          # AB-019
    mem = bytearray(_attr())
    mem[0:4] = (1).to_bytes(4, "little")
    mem[8:16] = config.to_bytes(8, "little")
    with pytest.raises(Refused, match="perf_event_args"):
        _judge(bytes(mem))


@pytest.mark.parametrize(("kind", "config"), [(1, 11), (1, 9), (1, 0), (0, 1000), (4, 1000)])
def test_events_some_pmu_may_take(kind: int, config: int) -> None:
    mem = bytearray(_attr())
    mem[0:4] = kind.to_bytes(4, "little")
    mem[8:16] = config.to_bytes(8, "little")
    _judge(bytes(mem))          # CGROUP_SWITCHES, DUMMY, CPU_CLOCK; hardware, raw: let through


@pytest.fixture()
def s() -> Scene:
    return build_translating()


@pytest.mark.parametrize(("args", "ok"), [
    ((77, 10, 0), False),                                # AB-020: fd > max_fd
    ((6, 5, 4), False),
    (((1 << 32) - 1, 5, 0), False),                      # unsigned: ~0U above 5
    ((10, 77, 0), True),
    ((5, 5, 0), True),
    ((3, (1 << 32) - 1, 0), True),                       # ~0U: the last descriptor
])
def test_close_range_succeeds_only_up_to_max_fd(s: Scene, args: tuple[int, ...],
                                                ok: bool) -> None:
    status = _resume(s, "close_range", args, 0, [])
    assert (status == Status.OK) is ok
    if not ok:
        assert _refused_by(s, "return.range_table")


def test_close_range_after_a_seccomp_filter(s: Scene) -> None:
    _resume(s, "prctl", (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, OUT), 0, [])
    assert _resume(s, "close_range", (77, 10, 0), 0, []) == Status.OK  # SECCOMP_RET_ERRNO 0
