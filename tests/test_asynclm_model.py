"""AsyncLM on the real model and on real programs: injection, parking, an end-to-end BFCL task,
and a tool that is a confidential AArch64 program."""

from __future__ import annotations

import hashlib

import pytest

torch = pytest.importorskip("torch")

from llm.asynclm.cml import CmlCodec, Interrupt, format_interrupt  # noqa: E402
from llm.asynclm.interrupts import HostMemorySwap, swap_in, swap_out  # noqa: E402
from llm.asynclm.runtime import EngineTokenizer, Mode, RunConfig, run_task  # noqa: E402
from tests.llm_support import engine  # noqa: E402,F401  (session fixture)

ATOL = 1e-3


def _context(engine) -> tuple[list[int], CmlCodec]:  # noqa: ANN001,F811
    codec = CmlCodec(EngineTokenizer(engine))
    prompt = engine.chat.render([{"role": "user", "content": "Check the weather in Oslo."}])
    return codec.encode(prompt + "[CALL] w1 [HEAD] get_weather(city='Oslo') [END]"), codec


def test_injected_interrupt_equals_reprefilling_the_whole_context(engine) -> None:  # noqa: F811
    ids, codec = _context(engine)
    cache = engine.new_cache()
    engine.prefill(ids, range(len(ids)), cache)
    block = codec.encode(format_interrupt(Interrupt("w1", '{"temp_c": 3}')))
    injected = engine.prefill(block, range(len(ids), len(ids) + len(block)), cache)  # one forward
    full = ids + block
    fresh = engine.prefill(full, range(len(full)), engine.new_cache())
    assert len(cache) == len(full)
    assert torch.allclose(injected, fresh, atol=ATOL)
    assert int(injected.argmax()) == int(fresh.argmax())


def test_a_parked_cache_resumes_with_the_same_logits(engine) -> None:  # noqa: F811
    ids, codec = _context(engine)
    cache = engine.new_cache()
    engine.prefill(ids, range(len(ids)), cache)
    nxt = codec.encode(" ok")
    kept = engine.prefill(nxt, range(len(ids), len(ids) + len(nxt)), cache.clone())
    target = HostMemorySwap()
    swap_out(cache, target, "k")
    restored = swap_in(target, "k", engine.layout)
    swapped = engine.prefill(nxt, range(len(ids), len(ids) + len(nxt)), restored)
    recomputed_cache = engine.new_cache()
    engine.prefill(ids, range(len(ids)), recomputed_cache)
    recomputed = engine.prefill(nxt, range(len(ids), len(ids) + len(nxt)), recomputed_cache)
    assert torch.equal(kept, swapped)                 # bytes round-trip exactly
    assert torch.allclose(kept, recomputed, atol=ATOL)
    assert target.bytes_out == target.bytes_in > len(ids) * engine.layout.bytes_per_token


def test_tokens_tied_to_a_marker_are_never_chosen(engine) -> None:  # noqa: F811
    from llm.asynclm.monitor import TokenMonitor
    from llm.asynclm.runtime import marker_twins
    codec = CmlCodec(EngineTokenizer(engine))
    twins = marker_twins(engine, codec)
    markers = set(codec.ids.values())
    weight = engine.model.get_input_embeddings().weight
    # SmolLM2's spare specials share never-trained rows with other tokens (a tied output layer
    # gives them the same logit); the runtime bans those twins, never the markers.
    assert twins and not twins & markers
    assert all(any(torch.equal(weight[t], weight[m]) for m in markers) for t in twins)
    assert engine.tokenizer.convert_tokens_to_ids("PlaneProtection") in twins
    monitor = TokenMonitor(codec, engine.eos_ids, other_specials=twins)
    logits = torch.zeros(engine.vocab_size)
    assert all(v == float("-inf") for v in monitor.mask(logits)[sorted(twins)].tolist())


def test_a_bfcl_multi_step_parallel_task_runs_with_interrupts(engine) -> None:  # noqa: F811
    from llm.asynclm.bfcl import bfcl_available, load_multi_step_parallel
    from llm.asynclm.evaluate import score
    from llm.asynclm.prompt import build_prompt
    from llm.asynclm.train import ADAPTER_DIR, load_finetuned
    if not bfcl_available():
        pytest.fail("bfcl-eval is not installed (the README's install command installs it)")
    assert (ADAPTER_DIR / "adapter_config.json").is_file(), "the AsyncLM adapter is not shipped"
    tuned = load_finetuned(engine)
    task = load_multi_step_parallel(1)[0].narrowed()
    box = task.toolbox()
    prompt = build_prompt(tuned.chat, task, box, cheat_sheet=True, few_shot=False)
    run = run_task(tuned, box, prompt, RunConfig(mode=Mode.ASYNC, tpot_s=0.02,
                                                 max_new_tokens=220))
    assert run.calls, run.text
    assert run.interrupts >= 1 and "[INTR]" in run.text
    # Every result the runtime injected answers a call the model made, by its identifier.
    issued = {c.call_id or c.body.split("(")[0] for c in run.calls}
    assert {c.call_id for c in run.completions} <= issued
    assert run.completions and all(c.done_at >= c.issued_at for c in run.completions)
    scored = score(task, run)    # scored in the benchmark; here it must only be computable
    assert scored["calls"] == len(run.calls) and scored["needed"] == 8


def test_a_tool_that_is_a_confidential_program() -> None:
    from llm.asynclm.guest_tools import guest_toolbox
    from llm.asynclm.simulate import ScriptedCall, ScriptedEngine
    box = guest_toolbox(confidential=True)
    chains = [[ScriptedCall("h1", "sha256_text(text='blindfold')", 200.0)]]
    run = run_task(ScriptedEngine(chains), box, "", RunConfig(mode=Mode.ASYNC))  # type: ignore[arg-type]
    [done] = run.completions
    assert hashlib.sha256(b"blindfold").hexdigest() in done.value
    assert '"confidential": true' in done.value
    assert f"[INTR] h1 [HEAD] {done.value} [END]" in run.text
    # The call took the program's modelled time on the simulated timeline.
    assert 0 < done.done_at - done.started_at < 0.2


def test_the_training_loss_equals_the_whole_sequence_loss(engine) -> None:  # noqa: F811
    # The prompt runs without gradients and the output layer only where a label is predicted;
    # the loss must still be the plain causal-LM loss over the labelled tokens.
    from llm.asynclm.train import TrainingSample, _encode, _turn_loss
    codec = CmlCodec(EngineTokenizer(engine))
    prompt = engine.chat.render([{"role": "user", "content": "Add 3 and 4."}])
    target = ("[CALL] a1 [HEAD] add(a=3, b=4) [END][TRAP][END][INTR] a1 [HEAD] 7 [END]"
              "3 plus 4 is 7.")
    eos = engine.tokenizer.convert_tokens_to_ids("<|im_end|>")
    ids, labels = _encode(codec, TrainingSample("t", prompt, target), eos)
    assert labels.count(-100) > len(codec.encode(prompt))     # the result is not a target
    with torch.no_grad():
        whole = engine.model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss
        split = _turn_loss(engine.model, ids, labels)
    assert abs(float(whole) - float(split)) < 1e-4
