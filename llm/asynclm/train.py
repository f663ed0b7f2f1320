"""Fine-tuning data and LoRA training for AsyncLM on SmolLM2-135M (CPU).

The data follow the paper's recipe: each sample's calls form a DAG (a multi-step task is a chain,
parallel calls are branches, several tasks are several chains); every function gets a random
estimated time of 1 ms-1 s, which the prompt shows and the simulated executor uses; a TPOT of
5-30 ms per token is drawn per sample; the interaction is then *run* under LPT on the real runtime
with a scripted model (:mod:`llm.asynclm.simulate`), so interrupts land where the timeline puts
them and traps where nothing is callable; results come from BFCL's real simulated backends.
The target is the assistant's whole CML stream; injected interrupt blocks are inputs, not targets.

Training is LoRA (peft) on attention and MLP projections, no new embeddings: the CML markers are
spare single-token specials that already exist (see :mod:`llm.asynclm.cml`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
from llm.asynclm.cml import CmlCodec, Marker
from llm.asynclm.prompt import build_prompt
from llm.asynclm.runtime import EngineTokenizer, Mode, RunConfig, run_task
from llm.asynclm.simulate import ScriptedCall, ScriptedEngine
from llm.asynclm.tools import Toolbox

log = logging.getLogger(__name__)

__all__ = ["TrainingSample", "build_samples", "train_lora", "ADAPTER_DIR", "load_finetuned"]

ADAPTER_DIR = Path(__file__).resolve().parent / "adapter"
CHARS_PER_TOKEN = 3.5     # the scripted model writes characters; BPE tokens are ~3.5 of them
MAX_TOKENS = 1400         # a three-task request with its calls and results fits


@dataclass(frozen=True)
class TrainingSample:
    task_id: str
    prompt: str          # chat text up to the assistant's turn
    target: str          # the assistant's CML stream (interrupts included)


def _chains(task: BfclTask) -> list[list[ScriptedCall]]:
    chains: list[list[ScriptedCall]] = []
    for t, calls in enumerate(task.ground_truth):
        letter = chr(ord("a") + t)
        if task.category == "multi_step_parallel":
            chains.append([ScriptedCall(f"{letter}{i + 1}", c, 0.0) for i, c in enumerate(calls)])
        else:   # independent calls: one branch each
            chains.extend([ScriptedCall(f"{letter}{i + 1}", c, 0.0)] for i, c in enumerate(calls))
    return chains


def _simulate(task: BfclTask, chat: Any, rng: random.Random, policy: str = "async") -> TrainingSample:
    box: Toolbox = task.toolbox(latency="draw", seed=rng.randrange(1 << 30))
    for tool in box.tools.values():        # the paper: random 1 ms - 1 s per function per run
        tool.latency_ms = tool.estimate_ms = math.exp(rng.uniform(math.log(1.0), math.log(1000.0)))
    chains = [[ScriptedCall(c.call_id, c.body, box.estimate_ms(c.body.split("(", 1)[0]))
               for c in chain] for chain in _chains(task)]
    tpot = rng.uniform(0.005, 0.030) / CHARS_PER_TOKEN
    mode = Mode.SYNC if policy == "sync" else Mode.ASYNC
    # The scripted model writes one character per token: a call block may be far longer in
    # characters than the monitor's limit in BPE tokens, and must never be cut short here.
    run = run_task(ScriptedEngine(chains, policy), box, "", RunConfig(  # type: ignore[arg-type]
        mode=mode, tpot_s=tpot, max_new_tokens=8000, max_call_tokens=4000))
    prompt = build_prompt(chat, task, box, few_shot=False)
    return TrainingSample(task.task_id, prompt, run.text)


def build_samples(chat: Any, count: int, seed: int = 0) -> list[TrainingSample]:
    """Training samples from the *train* split only (evaluation draws on the rest).

    The mix leans towards what is evaluated (three-task multi-step-parallel requests and BFCL
    parallel), keeps one- and two-task requests for variety, and runs one sample in four under
    the Sync discipline, so the model also sees each result arriving right after its call.
    """
    rng = random.Random(seed)
    msp = [load_multi_step_parallel(count, seed + k, "train", k) for k in (1, 2, 3)]
    parallel = load_parallel(split="train")
    pools: list[list[BfclTask]] = [msp[2], parallel, msp[1], msp[2], parallel, msp[0]]
    samples = []
    for i in range(count):
        pool = pools[i % len(pools)]
        task = pool[rng.randrange(len(pool))].narrowed(seed=rng.randrange(1000))
        policy = "sync" if rng.random() < 0.25 else "async"
        samples.append(_simulate(task, chat, rng, policy))
    return samples


def _encode(codec: CmlCodec, sample: TrainingSample, eos: int) -> tuple[list[int], list[int]]:
    """Token ids and labels: only the model's own tokens are targets (not prompt, not [INTR])."""
    prompt_ids = codec.encode(sample.prompt)
    target_ids = codec.encode(sample.target) + [eos]
    labels = [-100] * len(prompt_ids)
    intr, end = codec.ids[Marker.INTR], codec.ids[Marker.END]
    inside = False
    for tid in target_ids:
        if tid == intr:
            inside = True
        labels.append(-100 if inside else tid)
        if inside and tid == end:
            inside = False
    return prompt_ids + target_ids, labels


def data_digest(samples: list[TrainingSample]) -> str:
    h = hashlib.sha256()
    for s in samples:
        h.update(json.dumps([s.task_id, s.prompt, s.target]).encode())
    return h.hexdigest()


def train_lora(engine: Any, samples: list[TrainingSample], out_dir: Path = ADAPTER_DIR,
               budget_s: float = 3600.0, lr: float = 1e-3, rank: int = 8,
               seed: int = 0, save_every: int = 25, steps: int | None = None) -> dict[str, Any]:
    """LoRA-fine-tune a copy of ``engine.model``; save adapter and log every ``save_every`` steps.

    ``steps`` fixes the schedule (warm-up, then cosine decay to a tenth of ``lr``); the time
    budget only stops a run early, and the last checkpoint is then the adapter. The prompt is
    run without gradients and only the assistant's turn is back-propagated: the loss is on the
    turn alone, and the backward pass over a ~600-token prompt would cost more than the rest.
    """
    import copy

    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    codec = CmlCodec(EngineTokenizer(engine))
    eos = engine.tokenizer.convert_tokens_to_ids("<|im_end|>")
    data = [_encode(codec, s, eos) for s in samples]
    data = [(ids, lab) for ids, lab in data if len(ids) <= MAX_TOKENS]
    total = steps or len(data)
    model = copy.deepcopy(engine.model)
    model.train()
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05, task_type="CAUSAL_LM",
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj",
                                        "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(model, config)
    params = [p for p in peft_model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    losses: list[float] = []
    start = time.perf_counter()
    step = 0
    while time.perf_counter() - start < budget_s and step < total:
        ids, lab = data[order[step % len(order)]]
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, total, lr)
        loss = _turn_loss(peft_model, ids, lab)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        losses.append(float(loss.detach()))
        step += 1
        if step % 10 == 0:
            log.info("step %d loss %.4f (%.0f s)", step, sum(losses[-10:]) / 10,
                     time.perf_counter() - start)
        if step % save_every == 0:      # a usable adapter at any time, should the budget end it
            _save(peft_model, out_dir, _report(engine, samples, data, step, total, rank, lr,
                                               start, losses))
    report = _report(engine, samples, data, step, total, rank, lr, start, losses)
    _save(peft_model, out_dir, report)
    return report


def _lr_at(step: int, total: int, peak: float, warmup: int = 10) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac))))


def _turn_loss(model: Any, ids: list[int], labels: list[int]) -> Any:
    """Cross-entropy over the labelled tokens, with the unlabelled prompt run without gradients.

    The prompt's last token stays in the differentiated part, since it predicts the first
    token of the turn.
    """
    import torch
    split = max(1, next((i for i, v in enumerate(labels) if v != -100), len(labels)) - 1)
    with torch.no_grad():
        past = model(input_ids=torch.tensor([ids[:split]]), use_cache=True).past_key_values
    out = model(input_ids=torch.tensor([ids[split:]]), cache=past,
                position_ids=torch.arange(split, len(ids)).unsqueeze(0),
                labels=torch.tensor([labels[split:]]))
    return out.loss


def _save(peft_model: Any, out_dir: Path, report: dict[str, Any]) -> None:
    import torch
    out_dir.mkdir(parents=True, exist_ok=True)
    half = {k: v.detach().to(torch.float16) for k, v in peft_model.state_dict().items()
            if "lora_" in k}
    peft_model.save_pretrained(str(out_dir), state_dict=half)
    (out_dir / "training_log.json").write_text(json.dumps(report, indent=1) + "\n")


def _report(engine: Any, samples: list[TrainingSample], data: list[Any], step: int,
            planned: int, rank: int, lr: float, start: float,
            losses: list[float]) -> dict[str, Any]:
    return {"base_model": engine.fingerprint, "samples": len(samples),
              "samples_used": len(data), "data_sha256": data_digest(samples), "steps": step,
              "steps_planned": planned, "schedule": "10 warm-up steps, cosine to lr/10",
              "epochs": round(step / max(1, len(data)), 2), "rank": rank, "lr": lr,
              "seconds": round(time.perf_counter() - start, 1),
              "seconds_per_step": round((time.perf_counter() - start) / max(1, step), 2),
              "loss_first10": round(sum(losses[:10]) / max(1, len(losses[:10])), 4),
              "loss_last10": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4),
              "loss_curve": [round(sum(losses[i:i + 10]) / len(losses[i:i + 10]), 4)
                             for i in range(0, len(losses), 10)]}


_finetuned: dict[str, Any] = {}


def load_finetuned(engine: Any, adapter: Path = ADAPTER_DIR) -> Any:
    """An engine whose model is the base with the committed LoRA adapter merged (a copy)."""
    key = str(adapter.resolve())
    if key not in _finetuned:
        import copy

        import torch
        from peft import PeftModel

        from llm.engine import Engine
        from llm.errors import ModelUnavailable
        if not (adapter / "adapter_config.json").is_file():
            raise ModelUnavailable(f"no AsyncLM adapter in {adapter}",
                                   "train one with `blindfold llm asynclm train`")
        base = copy.deepcopy(engine.model)
        merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
        merged = merged.to(torch.float32).eval()
        _finetuned[key] = Engine(merged, engine.tokenizer, engine.files)
    return _finetuned[key]
