"""What Linux's execve leaves of the exec'ing process (guardian/exec_kept.py), and the
answers after exec judged against it: the dispositions flush_signal_handlers leaves
(`create.exec_dispositions`), the persona exec keeps and the name it gives the task
(`create.exec_task`), and POSIX timers, which exec deletes (`return.timer_live`, in
tests/test_guardian_event_results.py).  The round-34 scenarios are the end-to-end form."""

from __future__ import annotations

import pytest

from abi.value_ranges import COMM, KEEPCAPS, MDWE, PERSONA, PERSONA_CLEARABLE, THP_DISABLE
from attacks.runner import boot, run_one, run_session
from attacks.scenario import get
from attacks.sysroot import cannot_run
from emulator.fastuc import UserContext
from guardian import checks, exec_kept
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot, Space
from guardian.stated_facts import COMM_WRITTEN, StatedFacts

ROOT, NEW_ROOT = 0x10000, 0x20000
READ_IMPLIES_EXEC = 0x0400000
NR_RT_SIGACTION = 134
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
    slot.runs_at_entry = {ROOT: 0}      # (the entry noted: no thread returned to user since)
    return reg, stated, slot


def test_exec_carries_dispositions_persona_and_name_into_the_new_image() -> None:
    reg, stated, slot = _scene()
    kept = exec_kept.collect(reg, stated, slot, b"/bin/prog")
    new = Space()
    exec_kept.apply(kept, new, stated, NEW_ROOT, 9)
    assert new.handlers == {SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0)}
    assert SIGWINCH not in new.handlers         # never set: unknown, as before
    assert stated.threads[(NEW_ROOT, 9)] == {PERSONA: ADDR_NO_RANDOMIZE, COMM: b"prog",
                                             PERSONA_CLEARABLE: True,   # (per_clear may take it)
                                             KEEPCAPS: 0}   # (cap_bprm_creds_from_file())


def test_exec_carries_mdwe_and_thp_disable_as_mmf_init_flags_leaves_them() -> None:
    reg, stated, slot = _scene()
    stated.threads[(ROOT, -1)] = {MDWE: 1, THP_DISABLE: 1}
    kept = exec_kept.collect(reg, stated, slot, None, filtered=False)
    assert (kept.mdwe, kept.thp_disable, kept.filtered) == (1, 1, False)
    exec_kept.apply(kept, Space(), stated, NEW_ROOT, 9)
    assert stated.threads[(NEW_ROOT, -1)] == {MDWE: 1, THP_DISABLE: 1}
    stated.threads[(ROOT, -1)] = {MDWE: 3}          # PR_MDWE_NO_INHERIT clears both bits
    kept = exec_kept.collect(reg, stated, slot, None)
    assert (kept.mdwe, kept.thp_disable, kept.filtered) == (0, None, True)
    exec_kept.apply(kept, Space(), stated, NEW_ROOT, 9)
    assert stated.threads[(NEW_ROOT, -1)] == {MDWE: 0}


def test_only_what_the_guardian_knows_is_carried() -> None:
    reg, stated, slot = _scene()
    del stated.threads[(ROOT, 5)][PERSONA]      # no personality() seen
    kept = exec_kept.collect(reg, stated, slot, None)       # the path was not read
    assert kept.persona is None and kept.name is None
    assert kept.handlers                        # (the dispositions are known)
    new = Space()
    exec_kept.apply(kept, new, stated, NEW_ROOT, 9)
    assert stated.threads[(NEW_ROOT, 9)] == {KEEPCAPS: 0}     # (cleared at every exec)



def _vfork_child(reg: Registry) -> Space:
    """Thread 7 is a vfork child of thread 5 (its own process, group 7) in the same space:
    its table is a copy of its parent's (copy_sighand), and it changed it as glibc's
    posix_spawn does (SIGUSR2 back to SIG_DFL, SIGWINCH ignored)."""
    space = reg.space_of(1, ROOT)
    assert space is not None
    reg.thread_groups[(ROOT, 7)] = 7
    reg.vfork_waiting[(ROOT, 5)] = 7
    child = dict(space.handlers)
    child[SIGUSR2] = (0, SA_RESTORER, 0x400100, 0)
    child[SIGWINCH] = (1, SA_RESTORER, 0x400100, 0)
    space.group_handlers[7] = child
    return space


def test_each_process_of_a_space_execs_with_its_own_dispositions() -> None:
    """A vfork child's sigactions change its copy, not its parent's table (review item 3):
    the child's exec carries the child's, a later exec of the parent (or a thread of it
    that ran while the child was vforked) carries the parent's."""
    reg, stated, slot = _scene()
    space = _vfork_child(reg)
    child = Slot(41, 1, UserContext(), 0x400104, NR_EXECVE, slot.args, root=ROOT, thread=7)
    child.runs_at_entry = {ROOT: 0}
    assert exec_kept.collect(reg, stated, child, b"/bin/prog").handlers == {
        SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0), SIGWINCH: (1, 0, 0, 0)}
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").handlers == {
        SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0)}
    assert space.handlers_of(0)[SIGUSR2][0] == 0x400200     # the parent still handles it
    assert space.handlers_of(7)[SIGUSR2][0] == 0


def test_a_signal_an_rt_sigaction_in_progress_names_is_left_unknown() -> None:
    """de_thread may end a thread inside rt_sigaction after its change took effect: the
    signal it names is not carried (another process's call, on another table, does not
    matter)."""
    reg, stated, slot = _scene()
    _vfork_child(reg)
    for sid, thread, signo in ((50, 7, SIGHUP), (51, 6, SIGUSR2)):
        reg.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, NR_RT_SIGACTION,
                              (signo, 0x5000, 0, 8, 0, 0), root=ROOT, thread=thread)
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").handlers == {
        SIGHUP: (1, 0, 0, 0)}
    reg.slots[51].args = (SIGUSR2, 0, 0x5000, 8, 0, 0)      # a query only: changes nothing
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").handlers == {
        SIGHUP: (1, 0, 0, 0), SIGUSR2: (0, 0, 0, 0)}


def test_the_persona_loses_read_implies_exec() -> None:
    """arm64's SET_PERSONALITY: current->personality &= ~READ_IMPLIES_EXEC (review item 4)."""
    reg, stated, slot = _scene()
    stated.threads[(ROOT, 5)][PERSONA] = ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").persona == ADDR_NO_RANDOMIZE


def test_the_name_is_carried_only_from_a_quiet_path_and_without_a_comm_writer() -> None:
    """getname() copied the path at the entry: read later, it is what the call took only
    while no thread returned to user code since; and a descriptor that may write
    /proc/self/comm may rename the task after the exec too (review item 5)."""
    reg, stated, slot = _scene()
    reg.user_runs[ROOT] = 1                 # another thread ran since the entry
    assert exec_kept.collect(reg, stated, slot, b"/bin/prog").name is None
    reg.user_runs[ROOT] = 0
    stated.threads[(ROOT, -1)] = {COMM_WRITTEN: True}
    kept = exec_kept.collect(reg, stated, slot, b"/bin/prog")
    assert kept.name is None and kept.comm_written
    exec_kept.apply(kept, Space(), stated, NEW_ROOT, 9)
    assert COMM not in stated.threads[(NEW_ROOT, 9)]
    assert stated.threads[(NEW_ROOT, -1)] == {COMM_WRITTEN: True}


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


def test_a_secure_exec_carries_no_persona() -> None:
    """AT_SECURE: the exec raised privilege, and bprm->per_clear took PER_CLEAR_ON_SETID
    bits off the persona (begin_new_exec): the persona is not known there."""
    reg, stated, slot = _scene()
    kept = exec_kept.collect(reg, stated, slot, b"/bin/prog")
    exec_kept.apply(kept, Space(), stated, NEW_ROOT, 9, secure=True)
    assert PERSONA not in stated.threads[(NEW_ROOT, 9)]
