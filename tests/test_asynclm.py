"""AsyncLM's runtime without the model: CML, the token monitor, the executor, the interrupt
manager, the trap rule, the latency model and Theorem 6.1 on the real runtime (scripted model)."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from llm.asynclm.ast_match import (  # noqa: E402
    calls_equal,
    match_parallel,
    match_sequences,
    matched_calls,
)
from llm.asynclm.cml import CallBlock, CmlCodec, Marker, parse_calls  # noqa: E402
from llm.asynclm.executor import SimulatedExecutor  # noqa: E402
from llm.asynclm.interrupts import HostMemorySwap, InterruptManager, TrapDecision, TrapPolicy  # noqa: E402
from llm.asynclm.latency_model import l_async, l_sync, l_sync_parallel  # noqa: E402
from llm.asynclm.monitor import EventKind, MonitorState, TokenMonitor  # noqa: E402
from llm.asynclm.runtime import EngineTokenizer, Mode, RunConfig, run_task  # noqa: E402
from llm.asynclm.simulate import ScriptedCall, ScriptedEngine  # noqa: E402
from llm.asynclm.tools import CallError, Tool, Toolbox, hash_latency_ms, parse_call  # noqa: E402

TPOT = 0.005


def _codec() -> tuple[ScriptedEngine, CmlCodec]:
    eng = ScriptedEngine([])
    return eng, CmlCodec(EngineTokenizer(eng))  # type: ignore[arg-type]


def _box(times: dict[str, float]) -> Toolbox:
    box = Toolbox()
    for name, ms in times.items():
        box.add(Tool(name, "", {}, lambda *a, _n=name, **k: f"{_n} done", ms))
    return box


# --- CML and the token monitor -------------------------------------------------------------
def test_codec_maps_each_marker_to_one_token_and_back() -> None:
    _, codec = _codec()
    text = "[CALL] a1 [HEAD] f(x=1) [END][TRAP][END]"
    ids = codec.encode(text)
    assert ids.count(codec.ids[Marker.CALL]) == 1 and ids.count(codec.ids[Marker.END]) == 2
    assert codec.decode(ids) == text
    assert parse_calls(text) == [CallBlock("a1", "f(x=1)")]


def test_monitor_enforces_syntax_and_reports_calls() -> None:
    eng, codec = _codec()
    mon = TokenMonitor(codec, eng.eos_ids)
    logits = torch.zeros(eng.vocab_size)
    ids = codec.ids
    # In text: [INTR], [HEAD], [END] are forbidden; [CALL], [TRAP], EOS allowed.
    masked = mon.mask(logits)
    assert masked[ids[Marker.INTR]] == float("-inf") and masked[ids[Marker.HEAD]] == float("-inf")
    assert masked[ids[Marker.CALL]] == 0 and masked[2] == 0
    assert mon.observe(ids[Marker.CALL]) is None and mon.critical
    # An empty block cannot close; an identifier can be followed by [HEAD].
    assert mon.mask(logits)[ids[Marker.END]] == float("-inf")
    mon.feed(codec.encode(" a1 "))
    assert mon.mask(logits)[ids[Marker.HEAD]] == 0
    assert mon.mask(logits)[2] == float("-inf")          # no end of turn inside a call
    mon.feed([ids[Marker.HEAD]] + codec.encode(" f(x=1) "))
    event = mon.observe(ids[Marker.END])
    assert event is not None and event.kind is EventKind.CALL
    assert event.call == CallBlock("a1", "f(x=1)") and not mon.critical
    # The same identifier cannot be used twice; a trap is [TRAP][END] and nothing else.
    mon.feed([ids[Marker.CALL]] + codec.encode(" a1 "))
    assert mon.mask(logits)[ids[Marker.HEAD]] == float("-inf")
    mon2 = TokenMonitor(codec, eng.eos_ids)
    mon2.observe(ids[Marker.TRAP])
    forced = mon2.mask(logits)
    assert int(torch.argmax(forced)) == ids[Marker.END] and forced.isinf().sum() == len(forced) - 1
    assert mon2.observe(ids[Marker.END]).kind is EventKind.TRAP  # type: ignore[union-attr]
    assert mon2.state is MonitorState.TEXT


def test_monitor_never_lets_the_model_write_an_interrupt() -> None:
    eng, codec = _codec()
    for enforce in (True, False):
        mon = TokenMonitor(codec, eng.eos_ids, enforce=enforce)
        logits = torch.zeros(eng.vocab_size)
        logits[codec.ids[Marker.INTR]] = 100.0
        assert int(torch.argmax(mon.mask(logits))) != codec.ids[Marker.INTR]


def test_monitor_closes_an_overlong_call() -> None:
    eng, codec = _codec()
    mon = TokenMonitor(codec, eng.eos_ids, max_call_tokens=4)
    mon.feed([codec.ids[Marker.CALL]] + codec.encode("abcd"))
    assert int(torch.argmax(mon.mask(torch.zeros(eng.vocab_size)))) == codec.ids[Marker.END]
    assert mon.forced_ends == 1


def test_interrupts_wait_for_the_critical_section() -> None:
    _, codec = _codec()
    from llm.asynclm.cml import Interrupt
    im = InterruptManager(codec)
    im.add([Interrupt("a1", "7")])
    assert im.drain(critical=True) == [] and im.deferred == 1
    assert codec.decode(im.drain(critical=False)) == "[INTR] a1 [HEAD] 7 [END]"
    assert im.drain(critical=False) == []


# --- calls, tools and the executor ---------------------------------------------------------
def test_call_parsing_never_evaluates() -> None:
    call = parse_call("mv(source='a', destination=['b', 2])")
    assert call.name == "mv" and call.kwargs == {"source": "a", "destination": ["b", 2]}
    for bad in ("__import__('os').system('x')", "f(x=open('/etc/passwd'))", "1+1", "f(**k)"):
        with pytest.raises(CallError):
            parse_call(bad)
    assert parse_call("f(x=a1)", frozenset({"a1"})).depends_on == {"a1"}


def test_hash_latency_is_stable_and_in_the_papers_range() -> None:
    values = [hash_latency_ms(f"f{i}") for i in range(200)]
    assert all(30.0 <= v <= 500.0 for v in values)
    assert hash_latency_ms("cd") == hash_latency_ms("cd")


def test_executor_runs_longest_first_and_holds_dependents() -> None:
    box = _box({"short": 100, "long": 300, "mid": 200})
    ex = SimulatedExecutor(box, workers=1)
    ex.submit(CallBlock("s", "short()"), 0.0)       # starts at once (a free worker)
    ex.submit(CallBlock("m", "mid()"), 0.0)
    ex.submit(CallBlock("l", "long()"), 0.0)
    ex.submit(CallBlock("d", "short(x=l)"), 0.0)   # needs l's result
    got = []
    now = 0.0
    while ex.outstanding:
        now = ex.wait(now)
        got += [i.call_id for i in ex.poll(now)]
    assert got == ["s", "l", "m", "d"]               # LPT among ready calls; d after l
    done = {c.call_id: c for c in ex.completions}
    assert done["d"].started_at >= done["l"].done_at


def test_a_malformed_call_comes_back_as_an_error_interrupt() -> None:
    ex = SimulatedExecutor(_box({"f": 50}))
    ex.submit(CallBlock("x", "f(("), 0.0)
    [intr] = ex.poll(ex.wait(0.0))
    assert intr.call_id == "x" and intr.value.startswith("Error:")


# --- the trap rule -------------------------------------------------------------------------
def test_trap_rule() -> None:
    p = TrapPolicy(alpha=1e-6, beta=1e-4)
    assert p.decide(100, 1.0) is TrapDecision.RECOMPUTE      # 0.01 s < 0.01 s swap; both < wait
    assert p.decide(1000, 0.05) is TrapDecision.KEEP         # both longer than the wait
    assert p.decide(1000, 10.0) is TrapDecision.SWAP         # 1 s recompute > 0.1 s swap


def test_swap_keeps_the_context_exactly() -> None:
    chains = [[ScriptedCall("a1", "f()", 300)], [ScriptedCall("b1", "g()", 100)]]
    config = RunConfig(mode=Mode.ASYNC, tpot_s=TPOT,
                       trap_policy=TrapPolicy(alpha=1.0, beta=1e-9))   # always swap
    swap = HostMemorySwap()
    config.swap_target = swap
    run = run_task(ScriptedEngine(chains), _box({"f": 300, "g": 100}), "go",  # type: ignore[arg-type]
                   config)
    assert run.trap_decisions["swap"] >= 1 and swap.bytes_out == swap.bytes_in > 0
    assert run.stopped_by == "stop" and run.interrupts == 2


# --- the latency model and the real runtime ------------------------------------------------
def test_latency_model_worked_example() -> None:
    e, g = [300, 200, 100], [50, 50, 50]
    assert (l_sync(e, g), l_sync_parallel(e, g), l_async(e, g)) == (750, 450, 350)


def _measure(e: list[float]) -> dict[Mode, float]:
    chains = [[ScriptedCall(f"c{i}", f"f{i}()", ms)] for i, ms in enumerate(e)]
    policies = {Mode.SYNC: "sync", Mode.SYNC_PARALLEL: "sync-parallel", Mode.ASYNC: "async"}
    out = {}
    for mode, policy in policies.items():
        box = _box({f"f{i}": ms for i, ms in enumerate(e)})
        run = run_task(ScriptedEngine(chains, policy, answer=""), box, "",  # type: ignore[arg-type]
                       RunConfig(mode=mode, tpot_s=TPOT, trap_policy=TrapPolicy(1e-12, 1e-12)))
        assert run.stopped_by == "stop" and run.interrupts == len(e)
        out[mode] = run.latency_s * 1000
    return out


def test_runtime_matches_the_latency_model_on_the_worked_example() -> None:
    e = [300.0, 200.0, 100.0]
    eng = ScriptedEngine([[ScriptedCall(f"c{i}", f"f{i}()", ms)] for i, ms in enumerate(e)])
    g = [len(eng._block(c[0])) * TPOT * 1000 for c in eng.chains]   # a call's tokens x TPOT
    got = _measure(e)
    slack = 4 * TPOT * 1000      # the trap's two tokens and the final step
    assert abs(got[Mode.SYNC] - l_sync(e, g)) <= slack
    assert abs(got[Mode.SYNC_PARALLEL] - l_sync_parallel(e, g)) <= slack
    assert abs(got[Mode.ASYNC] - l_async(e, g)) <= slack


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=30, max_value=500), min_size=2, max_size=6))
def test_theorem_6_1_holds_for_the_real_scheduler_and_executor(e: list[float]) -> None:
    got = _measure(e)
    assert got[Mode.ASYNC] <= got[Mode.SYNC_PARALLEL] + 1e-6
    assert got[Mode.SYNC_PARALLEL] < got[Mode.SYNC]


def test_dependent_chains_interleave_under_async() -> None:
    chains = [[ScriptedCall("a1", "f()", 300), ScriptedCall("a2", "g(x=a1)", 200)],
              [ScriptedCall("b1", "h()", 100)]]
    box = _box({"f": 300, "g": 200, "h": 100})
    run = run_task(ScriptedEngine(chains), box, "", RunConfig(tpot_s=TPOT))  # type: ignore[arg-type]
    order = [c.call_id for c in run.calls]
    assert order == ["a1", "b1", "a2"]
    done = {c.call_id: c for c in run.completions}
    assert done["a2"].issued_at >= done["a1"].done_at


def test_user_interrupts_arrive_as_new_tasks() -> None:
    from llm.asynclm.cml import Interrupt
    chains = [[ScriptedCall("a1", "f()", 300)]]
    config = RunConfig(tpot_s=TPOT, user_events=[(0.2, Interrupt("user", "also check g"))])
    run = run_task(ScriptedEngine(chains), _box({"f": 300}), "", config)  # type: ignore[arg-type]
    assert "[INTR] user [HEAD] also check g [END]" in run.text
    assert run.text.index("[INTR] user") < run.text.index("[INTR] a1")


def test_simulated_runs_are_deterministic() -> None:
    chains = [[ScriptedCall("a1", "f()", 300), ScriptedCall("a2", "g()", 50)],
              [ScriptedCall("b1", "h()", 120)]]
    runs = [run_task(ScriptedEngine(chains), _box({"f": 300, "g": 50, "h": 120}), "",  # type: ignore[arg-type]
                     RunConfig(tpot_s=TPOT)) for _ in range(2)]
    assert runs[0].text == runs[1].text and runs[0].latency_s == runs[1].latency_s


# --- the AST matcher -----------------------------------------------------------------------
def test_ast_matcher_follows_bfcl_rules() -> None:
    truth = [{"spotify.play": {"artist": ["Taylor Swift"], "duration": [20]}},
             {"spotify.play": {"artist": ["Maroon 5"], "duration": [15], "shuffle": ["", True]}}]
    ok = ["spotify.play(artist='maroon 5', duration=15)", "spotify.play(artist='Taylor Swift', duration=20.0)"]
    assert match_parallel(ok, truth)
    assert not match_parallel(ok[:1], truth)
    assert not match_parallel([ok[0], "spotify.play(artist='Adele', duration=20)"], truth)
    assert calls_equal("sort('a.txt')", "sort(file_name='a.txt')", {"sort": ["file_name"]})
    chains = [["cd(folder='a')", "ls()"], ["get_stock_info(symbol='Z')"]]
    funcs = [{"cd", "ls"}, {"get_stock_info"}]
    assert match_sequences(["cd(folder='a')", "get_stock_info(symbol='Z')", "ls()"], chains, funcs)
    assert not match_sequences(["ls()", "cd(folder='a')", "get_stock_info(symbol='Z')"],
                               chains, funcs)
    # The partial score: right calls in an incomplete or padded set, each counted once.
    assert matched_calls(["ls()", "ls()", "cd(folder='b')"], truth_calls=chains[0]) == 1
    assert matched_calls(ok[:1] + ["spotify.play(artist='Adele', duration=20)"],
                         truth_ast=truth) == 1


# --- fine-tuning data --------------------------------------------------------------------
def _plain_chat() -> object:
    return type("Chat", (), {"render": staticmethod(
        lambda msgs: "".join(f"<{m['role']}>{m['content']}" for m in msgs))})()


def test_training_samples_keep_every_call_whole() -> None:
    from llm.asynclm.bfcl import bfcl_available
    from llm.asynclm.train import build_samples, data_digest
    if not bfcl_available():
        pytest.skip("bfcl-eval is not installed")
    samples = build_samples(_plain_chat(), 12, seed=3)
    for s in samples:
        assert "Error: not a call" not in s.target, s.target   # no block cut short
        calls = parse_calls(s.target)
        assert calls and all(tools_parse_ok(c.body) for c in calls)
        # Outside the blocks only the closing sentence (an interrupt may split it), written
        # once, or once more after a task the user added.
        free = re.sub(r"\[(?:CALL|INTR)\].*?\[END\]|\[TRAP\]\[END\]", "", s.target, flags=re.S)
        assert 1 <= free.count("All tasks are done.") <= 1 + s.target.count("[INTR] user")
        assert not free.replace("All tasks are done.", "")
    # Traps appear where nothing is callable; three-task requests are in the mix, and so are
    # results after the closing sentence and tasks the user adds by interrupts.
    assert any("[TRAP][END]" in s.target for s in samples)
    assert any(s.task_id.count("+") == 2 for s in samples)
    late = [s for s in samples if s.kind == "late-results"]
    # (a result may land inside the sentence: interrupts wait only for call blocks and traps)
    assert late and all(re.search(r"\[END\]A.*\[INTR\] a", s.target, re.S) for s in late)
    user = [s for s in samples if s.kind == "user-tasks"]
    assert user and all("[INTR] user [HEAD] Task 2: " in s.target for s in user)
    for s in user:   # the added task's calls come only after the user asked for them
        asked = s.target.index("[INTR] user [HEAD] Task 2: ")
        assert all(s.target.index(f"[CALL] {c.call_id} ") > asked
                   for c in parse_calls(s.target) if c.call_id.startswith("b"))
        assert "Task 2" not in s.prompt
    # Seeded: the same data (and digest) every time.
    assert data_digest(build_samples(_plain_chat(), 4, seed=5)) == data_digest(
        build_samples(_plain_chat(), 4, seed=5))


def test_scripted_model_waits_for_the_user_to_add_a_task() -> None:
    from llm.asynclm.cml import Interrupt
    chains = [[ScriptedCall("a1", "f()", 100)], [ScriptedCall("b1", "g()", 50)]]
    config = RunConfig(tpot_s=TPOT, user_events=[(1.0, Interrupt("user", "Also run g."))])
    run = run_task(ScriptedEngine(chains, unlocks=[None, "Also run g."]),  # type: ignore[arg-type]
                   _box({"f": 100, "g": 50}), "", config)
    assert [c.call_id for c in run.calls] == ["a1", "b1"]
    assert run.text.index("[INTR] user") < run.text.index("[CALL] b1")
    # The first task was answered before the user spoke, and the added one after.
    assert run.text.count("All tasks are done.") == 2 and run.stopped_by == "stop"


def test_labels_skip_results_and_an_early_closing_sentence() -> None:
    from llm.asynclm.train import TrainingSample, _encode
    eng, codec = _codec()
    chains = [[ScriptedCall("a1", "f()", 300)]]
    run = run_task(ScriptedEngine(chains, answer_early=True), _box({"f": 300}), "",  # type: ignore[arg-type]
                   RunConfig(tpot_s=TPOT))
    # The sentence came before the result; the runtime stood in [TRAP][END] for the end of turn.
    assert run.text.startswith("[CALL] a1 [HEAD] f() [END]All tasks are done.[TRAP][END]")
    assert run.text.endswith("[INTR] a1 [HEAD] f done [END]") and run.stopped_by == "stop"
    eos = 2
    ids, labels = _encode(codec, TrainingSample("t", "<user>go", run.text, "late-results"), eos)
    prompt = len(codec.encode("<user>go"))
    call = codec.encode("[CALL] a1 [HEAD] f() [END]")
    assert labels[prompt:prompt + len(call)] == call          # the call is a target
    sentence = prompt + len(call)
    trap = ids.index(codec.ids[Marker.TRAP])
    assert set(labels[sentence:trap]) == {-100}                # the early sentence is not
    assert labels[trap] == eos and labels[trap + 1] == -100    # the end of turn is
    assert set(labels[trap + 2:-1]) == {-100} and labels[-1] == eos   # result: no; then stop
    assert labels[:prompt] == [-100] * prompt


def tools_parse_ok(body: str) -> bool:
    try:
        parse_call(body)
    except CallError:
        return False
    return True


def test_held_out_scoring_credits_the_ground_truth_and_nothing_else() -> None:
    from llm.asynclm.bfcl import bfcl_available
    from llm.asynclm.evaluate import heldout_tasks, score, summarize
    from llm.asynclm.train import _chains
    if not bfcl_available():
        pytest.skip("bfcl-eval is not installed")
    tasks = heldout_tasks(2, 1)
    assert [d for d, _ in tasks] == ["parallel", "parallel", "multi-step-parallel"]
    assert {t.category for _, t in tasks[:2]} == {"parallel", "live_parallel"}
    records = []
    for dataset, task in tasks:
        for drop in (False, True):      # the scripted model makes every expected call, or not
            chains = [[ScriptedCall(c.call_id, c.body, 100.0) for c in chain]
                      for chain in _chains(task)]
            chains = chains[:-1] if drop else chains
            run = run_task(ScriptedEngine(chains), task.toolbox(), "",  # type: ignore[arg-type]
                           RunConfig(tpot_s=TPOT, max_new_tokens=8000, max_call_tokens=4000))
            got = score(task, run)
            assert got["exact"] is not drop and got["needed"] == sum(map(len, task.ground_truth))
            assert got["found"] == got["calls"] == got["needed"] - (len(task.ground_truth[-1])
                                                                   if drop and task.ast_truth == []
                                                                   else int(drop))
            records.append({"dataset": dataset, "mode": "async", **got})
    rows = {r["dataset"]: r for r in summarize(records)}
    assert rows["parallel"]["tasks"] == 4 and rows["parallel"]["exact"] == 2


def test_a_reaction_to_a_user_added_task_is_scored_after_the_user_spoke() -> None:
    from llm.asynclm.bfcl import bfcl_available, load_multi_step_parallel
    from llm.asynclm.cml import Interrupt
    from llm.asynclm.evaluate import user_task_score
    from llm.asynclm.train import _chains, user_task_messages
    if not bfcl_available():
        pytest.skip("bfcl-eval is not installed")
    task = load_multi_step_parallel(1)[0].narrowed()
    _, added = user_task_messages(task, with_calls=False)
    chains = [[ScriptedCall(c.call_id, c.body, 100.0) for c in chain] for chain in _chains(task)]
    unlocks = [None] + added
    for deliver in (True, False):
        events = [(0.05 * (k + 1), Interrupt("user", t)) for k, t in enumerate(added)]
        run = run_task(ScriptedEngine(chains, unlocks=unlocks), task.toolbox(), "",  # type: ignore[arg-type]
                       RunConfig(tpot_s=TPOT, max_new_tokens=8000, max_call_tokens=4000,
                                 user_events=events if deliver else []))
        got = user_task_score(task, len(added), run.text)
        assert got["to_added_unasked"] == 0 and got["reacted"] is deliver
        assert got["added_found"] == (got["added_needed"] if deliver else 0)


def test_the_latency_sets_hold_eight_multi_step_parallel_composites() -> None:
    from llm.asynclm.bench import LATENCY_TASKS, latency_sets
    from llm.asynclm.bfcl import bfcl_available
    if not bfcl_available():
        pytest.skip("bfcl-eval is not installed")
    sets = latency_sets(LATENCY_TASKS)
    composites = sets["multi-step-parallel"]
    assert LATENCY_TASKS >= 8 and len(composites) == len(sets["parallel"]) == LATENCY_TASKS
    assert len({t.task_id for t in composites}) == LATENCY_TASKS
    for task in composites:
        # three independent first-round multi_turn_base tasks on disjoint functions
        parts = task.task_id.split("+")
        assert len(parts) == 3 and all(p.startswith("multi_turn_base_") for p in parts)
        assert len(task.ground_truth) == 3 and all(task.ground_truth)
        funcs = task.subtask_functions
        assert not (funcs[0] & funcs[1] or funcs[0] & funcs[2] or funcs[1] & funcs[2])
    # some chains are multi-step: a call that needs an earlier call's result
    assert any(len(chain) > 1 for task in composites for chain in task.ground_truth)
