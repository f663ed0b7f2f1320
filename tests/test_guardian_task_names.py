"""A task's name, as the Guardian follows it into new threads and children and judges it in
/proc (round 38: QV-007, QV-017, QV-018, QV-028, QV-039).

Linux's copy_process() -> dup_task_struct() copies the creating task's comm, so a new
thread, fork child or vfork child starts with its creator's name; /proc/<pid>/stat's comm
field and /proc/<pid>/task/<tid>/{comm,stat} (/proc/thread-self/... included) print the
named task's own name (proc_task_name()).  Each forged answer is refused, and the honest
victim -- with -t, its step reading another thread's /proc/self/task/<tid>/comm -- is not.
"""

from __future__ import annotations

import pytest

from abi.value_ranges import COMM
from attacks.families.redteam_r38 import P_TASK_COMM, PATHS
from attacks.runner import boot, find_leaks, run_one, run_session
from attacks.scenario import get
from guardian.self_reports import SelfReports
from guardian.stated_facts import COMM_WRITTEN, StatedFacts


@pytest.mark.parametrize(("scenario_id", "check"), [
    ("QV-007", "return.range_table"), ("QV-018", "return.range_table"),
    ("QV-028", "return.range_table"), ("QV-017", "return.self_report"),
    ("QV-039", "return.self_report")])
def test_a_forged_task_name_is_refused(scenario_id: str, check: str) -> None:
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks


@pytest.mark.parametrize("mode", ["on", "mprotect"])
def test_the_honest_task_comm_step_reads_the_thread_s_own_name(mode: str) -> None:
    s = boot(mode, program=PATHS)
    out = run_session(s, mode, (b"-t",))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not out.decided_by, out.decided_by
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    after = [m.args[0] for m in out.markers if m.phase == P_TASK_COMM + 1]
    assert after == [0], after


def test_a_clone_carries_its_creator_s_name_unless_a_comm_writer_is_open() -> None:
    stated = StatedFacts(lambda slot, fd: None, dict)
    stated.threads[(1, 10)] = {COMM: b"r38-name"}
    stated.note_clone(1, 10, 0, 11)                # a new thread (or vfork child)
    stated.note_clone(1, 10, 2, 12)                # a fork child, in its own space
    assert stated.threads[(1, 11)][COMM] == b"r38-name"
    assert stated.threads[(2, 12)][COMM] == b"r38-name"
    stated.note_clone(1, 99, 0, 13)                # a creator whose name is not known
    assert COMM not in stated.threads.get((1, 13), {})
    stated.threads[(1, -1)] = {COMM_WRITTEN: True}
    stated.note_clone(1, 10, 3, 14)
    assert COMM not in stated.threads.get((3, 14), {})
    assert stated.threads[(3, -1)][COMM_WRITTEN]   # the child's table holds the writer too


class _Registry:
    def __init__(self) -> None:
        self.slots: dict[int, object] = {}

    def group_of(self, root: int, thread: int) -> int:
        return 0


class _Files:
    def __init__(self, stated: StatedFacts) -> None:
        self.stated = stated


def test_stat_s_comm_field_is_the_task_s_name() -> None:
    stated = StatedFacts(lambda slot, fd: None, dict)
    stated.threads[(1, 10)] = {COMM: b"r38-name"}
    reports = SelfReports(None, _Files(stated), _Registry(), lambda s: (0, 0))  # type: ignore[arg-type]

    class Slot:
        root, thread = 1, 10

    def judged(text: bytes) -> str:
        return reports._stat_comm(Slot, text, 10)           # type: ignore[arg-type]

    assert judged(b"42 (r38-name) S 1 42 42 0") == ""
    assert judged(b"42 (r38-na") == ""                       # cut short by the count
    assert "comm field" in judged(b"42 (r38-namf) S 1")
    assert "comm field" in judged(b"42 (r38-name)S 1")
    assert "comm field" in judged(b"42 (r38-name-longer) S")
    assert reports._stat_comm(Slot, b"42 (other) S", 11) == ""    # type: ignore[arg-type]
