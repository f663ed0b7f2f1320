"""What Linux's execve leaves of the exec'ing process (guardian/exec_kept.py), and the
answers after exec judged against it: the dispositions flush_signal_handlers leaves
(`create.exec_dispositions`), the persona exec keeps and the name it gives the task
(`create.exec_task`), and POSIX timers, which exec deletes (`return.timer_live`, in
tests/test_guardian_event_results.py).  The round-34 scenarios are the end-to-end form."""

from __future__ import annotations

import pytest

from abi.value_ranges import COMM, PERSONA
from attacks.runner import boot, run_one, run_session
from attacks.scenario import get
from attacks.sysroot import cannot_run
from emulator.fastuc import UserContext
from guardian import checks, exec_kept
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot, Space
from guardian.stated_facts import StatedFacts

ROOT, NEW_ROOT = 0x10000, 0x20000
SA_RESTORER, SA_SIGINFO = 0x0400_0000, 4
SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH = 1, 10, 12, 28
PER_LINUX32, ADDR_NO_RANDOMIZE = 0x0008, 0x0040000
NR_EXECVE = 221
EXEC = "secret_r34_exec"
P_POSIX_TIMER, P_NAME = 3426, 3424


def test_flush_signal_handlers_keeps_only_ignored_and_clears_the_rest() -> None:
    """kernel/signal.c flush_signal_handlers(t, 0): SIG_IGN stays, any other action is
    SIG_DFL, and sa_flags, sa_restorer and sa_mask go for every one."""
    before = {SIGHUP: (1, SA_RESTORER, 0x400100, 1 << 9),
              SIGUSR2: (0x400200, SA_RESTORER | SA_SIGINFO, 0x400100, 1 << 11),
              SIGUSR1: (0, SA_RESTORER, 0x400100, 0)}
    assert exec_kept.after_exec(before) == {SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0),
                                            SIGUSR1: (0, 0, 0, 0)}


@pytest.mark.parametrize(("path", "name"), [
    (b"/bin/secret_r34_exec", b"secret_r34_exec"),
    (b"prog", b"prog"),
    (b"./a/b/c", b"c"),
    (b"/proc/self/exe", b"exe"),                    # bprm->filename, as given
    (b"/bin/a_very_long_program_name", b"a_very_long_pro"),     # TASK_COMM_LEN - 1
])
def test_the_task_is_named_after_the_path_execve_was_given(path: bytes, name: bytes) -> None:
    assert exec_kept.task_name(path) == name


def _scene() -> tuple[Registry, StatedFacts, Slot]:
    """A confidential process (domain 1, thread 5) in execve of /bin/prog: it ignored
    SIGHUP, handled SIGUSR2 and set persona ADDR_NO_RANDOMIZE."""
    reg = Registry(None)        # type: ignore[arg-type]  (no CPU is consulted)
    dom = Domain(1, key=b"k" * 32)
    space = Space()
    space.handlers = {SIGHUP: (1, SA_RESTORER, 0x400100, 0),
                      SIGUSR2: (0x400200, SA_RESTORER, 0x400100, 0)}
    reg.add_domain(dom, ROOT, space)
    stated = StatedFacts(lambda slot, fd: None, dict)
    stated.threads[(ROOT, 5)] = {PERSONA: ADDR_NO_RANDOMIZE, COMM: b"before"}
    slot = Slot(40, 1, UserContext(), 0x400104, NR_EXECVE, (0x1000, 0x2000, 0x3000, 0, 0, 0),
                root=ROOT, thread=5)
    return reg, stated, slot


def test_exec_carries_dispositions_persona_and_name_into_the_new_image() -> None:
    reg, stated, slot = _scene()
    kept = exec_kept.collect(reg, stated, slot, b"/bin/prog")
    new = Space()
    exec_kept.apply(kept, new, stated, NEW_ROOT, 9)
    assert new.handlers == {SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0)}
    assert SIGWINCH not in new.handlers         # never set: unknown, as before
    assert stated.threads[(NEW_ROOT, 9)] == {PERSONA: ADDR_NO_RANDOMIZE, COMM: b"prog"}


def test_only_what_the_guardian_knows_is_carried() -> None:
    reg, stated, slot = _scene()
    del stated.threads[(ROOT, 5)][PERSONA]      # no personality() seen
    kept = exec_kept.collect(reg, stated, slot, None)       # the path was not read
    assert kept.persona is None and kept.name is None
    assert kept.handlers                        # (the dispositions are known)
    new = Space()
    exec_kept.apply(kept, new, stated, NEW_ROOT, 9)
    assert stated.threads[(NEW_ROOT, 9)] == {}
    # Another process (a CLONE_VM child without CLONE_SIGHAND, say) uses the same space:
    # the space's record may hold its actions, not this process's.
    reg.thread_groups[(ROOT, 7)] = 7
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").handlers == {}
    # A vfork parent waiting for this very thread's exec does not run meanwhile.
    reg.thread_groups = {(ROOT, 5): 5}
    reg.vfork_waiting[(ROOT, 1)] = 5
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").handlers == {
        SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0)}


@pytest.mark.parametrize("gate", ["create.exec_dispositions", "create.exec_task"])
def test_each_carry_is_a_step_a_mutated_build_removes(gate: str) -> None:
    reg, stated, slot = _scene()
    before = checks.mutated()
    checks.set_mutation(gate)
    try:
        kept = exec_kept.collect(reg, stated, slot, b"/bin/prog")
    finally:
        checks.set_mutation(before)
    if gate == "create.exec_dispositions":
        assert kept.handlers == {} and kept.persona == ADDR_NO_RANDOMIZE
    else:
        assert kept.handlers and kept.persona is None and kept.name is None


# --- end to end: the round-34 victim, honest and lied to ---------------------------------
def _runnable() -> None:
    why = cannot_run(EXEC)
    if why:
        pytest.skip(why)


@pytest.mark.parametrize("mode", ["off", "on"])
def test_the_honest_kernel_deletes_posix_timers_and_names_the_task_at_exec(mode: str) -> None:
    """kernel_model's execve follows begin_new_exec: exit_itimers() (timer_gettime of stage
    one's timer fails in the exec'd image, label 0) and __set_task_comm(kbasename(path))
    (PR_GET_NAME never "r34-before", label 3); the Guardian lets every answer through."""
    _runnable()
    s = boot(mode, program=EXEC)
    out = run_session(s, mode, (b"-t",))
    assert out.exit_status == 0 and out.stdout.endswith(b"secret: intact\n")
    used = {m.phase - 1: m.args[0] for m in out.markers if m.phase % 2 == 1}
    assert used[P_POSIX_TIMER] == 0 and used[P_NAME] == 3, used
    if s.guardian is not None:
        assert not s.guardian.decisions, s.guardian.decisions      # type: ignore[attr-defined]


@pytest.mark.parametrize(("sid", "check"), [
    ("QR-002", "uaccess.old_sigaction"), ("QR-015", "uaccess.old_sigaction"),
    ("QR-025", "uaccess.old_sigaction"), ("QR-007", "return.range_table"),
    ("QR-018", "return.range_table"), ("QR-008", "return.range_table"),
    ("QR-022", "return.range_table"), ("QR-009", "return.timer_live"),
])
def test_answers_after_exec_are_judged_against_what_exec_left(sid: str, check: str) -> None:
    _runnable()
    res = run_one(get(sid), "on")
    assert res.status in ("pass", "closed"), res.message
    assert any(d.startswith(check) or check in d for d in res.outcome.decided_by), \
        res.outcome.decided_by
