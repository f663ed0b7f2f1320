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
MAX_TOKENS = 900


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


def _simulate(task: BfclTask, chat: Any, rng: random.Random) -> TrainingSample:
    box: Toolbox = task.toolbox(latency="draw", seed=rng.randrange(1 << 30))
    for tool in box.tools.values():        # the paper: random 1 ms - 1 s per function per run
        tool.latency_ms = tool.estimate_ms = math.exp(rng.uniform(math.log(1.0), math.log(1000.0)))
    chains = [[ScriptedCall(c.call_id, c.body, box.estimate_ms(c.body.split("(", 1)[0]))
               for c in chain] for chain in _chains(task)]
    tpot = rng.uniform(0.005, 0.030) / CHARS_PER_TOKEN
    run = run_task(ScriptedEngine(chains, "async"), box, "", RunConfig(  # type: ignore[arg-type]
        mode=Mode.ASYNC, tpot_s=tpot, max_new_tokens=4000))
    prompt = build_prompt(chat, task, box, few_shot=False)
    return TrainingSample(task.task_id, prompt, run.text)


def build_samples(chat: Any, count: int, seed: int = 0) -> list[TrainingSample]:
    """Training samples from the *train* split only (evaluation draws on the rest)."""
    rng = random.Random(seed)
    pools: list[list[BfclTask]] = [
        load_multi_step_parallel(count, seed, "train", 1),
        load_multi_step_parallel(count, seed + 1, "train", 2),
        load_multi_step_parallel(count, seed + 2, "train", 3),
        load_parallel(split="train"),
    ]
    samples = []
    for i in range(count):
        pool = pools[i % len(pools)]
        task = pool[rng.randrange(len(pool))].narrowed(seed=rng.randrange(1000))
        samples.append(_simulate(task, chat, rng))
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
               budget_s: float = 3600.0, lr: float = 5e-4, rank: int = 8,
               seed: int = 0, save_every: int = 25) -> dict[str, Any]:
    """LoRA-fine-tune a copy of ``engine.model`` within a time budget; save adapter and log."""
    import copy

    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    codec = CmlCodec(EngineTokenizer(engine))
    eos = engine.tokenizer.convert_tokens_to_ids("<|im_end|>")
    data = [_encode(codec, s, eos) for s in samples]
    data = [(ids, lab) for ids, lab in data if len(ids) <= MAX_TOKENS]
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
    while time.perf_counter() - start < budget_s and step < 10 * len(order):
        ids, lab = data[order[step % len(order)]]
        lr_now = lr * min(1.0, (step + 1) / 10)
        for g in opt.param_groups:
            g["lr"] = lr_now
        out = peft_model(input_ids=torch.tensor([ids]), labels=torch.tensor([lab]))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        losses.append(float(out.loss))
        step += 1
        if step % 10 == 0:
            log.info("step %d loss %.4f (%.0f s)", step, sum(losses[-10:]) / 10,
                     time.perf_counter() - start)
        if step % save_every == 0:      # a usable adapter at any time, should the budget end it
            _save(peft_model, out_dir, _report(engine, samples, data, step, rank, lr, start,
                                               losses))
    report = _report(engine, samples, data, step, rank, lr, start, losses)
    _save(peft_model, out_dir, report)
    return report


def _save(peft_model: Any, out_dir: Path, report: dict[str, Any]) -> None:
    import torch
    out_dir.mkdir(parents=True, exist_ok=True)
    half = {k: v.detach().to(torch.float16) for k, v in peft_model.state_dict().items()
            if "lora_" in k}
    peft_model.save_pretrained(str(out_dir), state_dict=half)
    (out_dir / "training_log.json").write_text(json.dumps(report, indent=1) + "\n")


def _report(engine: Any, samples: list[TrainingSample], data: list[Any], step: int, rank: int,
            lr: float, start: float, losses: list[float]) -> dict[str, Any]:
    return {"base_model": engine.fingerprint, "samples": len(samples),
              "samples_used": len(data), "data_sha256": data_digest(samples), "steps": step,
              "epochs": round(step / max(1, len(data)), 2), "rank": rank, "lr": lr,
              "seconds": round(time.perf_counter() - start, 1),
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
