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
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
from llm.asynclm.cml import TRAP_TEXT, CmlCodec, Interrupt
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
    kind: str = "async"  # async, sync, late-results (closing sentence first) or user-tasks


def _chains(task: BfclTask) -> list[list[ScriptedCall]]:
    chains: list[list[ScriptedCall]] = []
    for t, calls in enumerate(task.ground_truth):
        letter = chr(ord("a") + t)
        if task.category == "multi_step_parallel":
            chains.append([ScriptedCall(f"{letter}{i + 1}", c, 0.0) for i, c in enumerate(calls)])
        else:   # independent calls: one branch each
            chains.extend([ScriptedCall(f"{letter}{i + 1}", c, 0.0)] for i, c in enumerate(calls))
    return chains


_TASK_SPLIT = re.compile(r"\n(?=Task \d+: )")


def user_task_messages(task: BfclTask, with_calls: bool) -> tuple[BfclTask, list[str]]:
    """A multi-task request cut into its first task (the request) and the tasks the user adds
    later by interrupts; ``with_calls`` appends each added task's calls (the cheat sheet)."""
    questions = _TASK_SPLIT.split(task.question)
    first = BfclTask(task.task_id, task.category, questions[0], task.functions,
                     task.ground_truth[:1], task.ast_truth, task.configs,
                     task.subtask_functions[:1])
    added = [q + (" The calls to make: " + "; ".join(task.ground_truth[k + 1]) if with_calls
                  else "") for k, q in enumerate(questions[1:])]
    return first, added


def _simulate(task: BfclTask, chat: Any, rng: random.Random, kind: str = "async") -> TrainingSample:
    box: Toolbox = task.toolbox(latency="draw", seed=rng.randrange(1 << 30))
    for tool in box.tools.values():        # the paper: random 1 ms - 1 s per function per run
        tool.latency_ms = tool.estimate_ms = math.exp(rng.uniform(math.log(1.0), math.log(1000.0)))
    chains = [[ScriptedCall(c.call_id, c.body, box.estimate_ms(c.body.split("(", 1)[0]))
               for c in chain] for chain in _chains(task)]
    tpot = rng.uniform(0.005, 0.030) / CHARS_PER_TOKEN
    mode = Mode.SYNC if kind == "sync" else Mode.ASYNC
    request, unlocks, events = task, [None] * len(chains), []
    if kind == "user-tasks":
        request, added = user_task_messages(task, with_calls=rng.random() < 0.3)
        # The added tasks arrive while the first is under way or after it ended.
        at = 0.0
        for k, text in enumerate(added):
            at += rng.uniform(0.05, 1.5)
            events.append((at, Interrupt("user", text)))
            letter = chr(ord("a") + k + 1)
            unlocks = [text if c[0].call_id.startswith(letter) else u
                       for c, u in zip(chains, unlocks, strict=True)]
    engine = ScriptedEngine(chains, "sync" if kind == "sync" else "async", unlocks=unlocks,
                            answer_early=kind == "late-results")
    # The scripted model writes one character per token: a call block may be far longer in
    # characters than the monitor's limit in BPE tokens, and must never be cut short here.
    run = run_task(engine, box, "", RunConfig(  # type: ignore[arg-type]
        mode=mode, tpot_s=tpot, max_new_tokens=8000, max_call_tokens=4000, user_events=events))
    prompt = build_prompt(chat, request, box, few_shot=False)
    return TrainingSample(task.task_id, prompt, run.text, kind)


# (pool, kind) cycled through: what is evaluated (BFCL parallel requests, 5 in 12, and
# three-task multi-step-parallel ones), two-task requests for variety, Sync interactions (each
# result right after its call), results that arrive after the closing sentence (the model must
# then end its turn, not repeat it), and tasks the user adds by interrupts.
_MIX: tuple[tuple[str, str], ...] = (
    ("msp3", "async"), ("parallel", "async"), ("msp3", "user-tasks"), ("parallel", "sync"),
    ("msp3", "late-results"), ("parallel", "async"), ("msp2", "user-tasks"), ("msp3", "sync"),
    ("parallel", "late-results"), ("msp2", "async"), ("parallel", "async"), ("msp3", "user-tasks"))


def build_samples(chat: Any, count: int, seed: int = 0) -> list[TrainingSample]:
    """Training samples from the *train* split only (evaluation draws on the rest); seeded."""
    rng = random.Random(seed)
    pools: dict[str, list[BfclTask]] = {
        f"msp{k}": load_multi_step_parallel(count, seed + k, "train", k) for k in (2, 3)}
    pools["parallel"] = load_parallel(split="train")
    samples = []
    for i in range(count):
        pool, kind = _MIX[i % len(_MIX)]
        task = pools[pool][rng.randrange(len(pools[pool]))].narrowed(seed=rng.randrange(1000))
        samples.append(_simulate(task, chat, rng, kind))
    return samples


_SEGMENT_RE = re.compile(r"(\[(?:CALL|INTR)\].*?\[END\]|\[TRAP\]\[END\])", re.S)


def _encode(codec: CmlCodec, sample: TrainingSample, eos: int) -> tuple[list[int], list[int]]:
    """Token ids and labels: only the model's own choices are targets.

    Not targets: the prompt, injected [INTR] blocks, and a closing sentence written while
    results were still due (a late-results sample shows it so that the model learns to end the
    turn after those results, not to write it early). A [TRAP][END] right after the closing
    sentence is the runtime's stand-in for the end of turn the model wrote there: its target
    is the end-of-turn token.
    """
    prompt_ids = codec.encode(sample.prompt)
    parts = [p for p in _SEGMENT_RE.split(sample.target) if p]
    ids, labels = list(prompt_ids), [-100] * len(prompt_ids)
    for k, part in enumerate(parts):
        part_ids = codec.encode(part)
        if part.startswith("[INTR]"):
            part_labels = [-100] * len(part_ids)
        elif part == TRAP_TEXT and k and not parts[k - 1].startswith("["):
            part_labels = [eos, -100]
        elif not part.startswith("[") and _results_follow(parts[k + 1:]):
            part_labels = [-100] * len(part_ids)
        else:
            part_labels = list(part_ids)
        ids += part_ids
        labels += part_labels
    return ids + [eos], labels + [eos]


def _results_follow(rest: list[str]) -> bool:
    """Whether a call's result comes after this point, before the user speaks again."""
    for part in rest:
        if part.startswith("[INTR] user [HEAD]"):
            return False
        if part.startswith("[INTR]"):
            return True
    return False


def data_digest(samples: list[TrainingSample]) -> str:
    h = hashlib.sha256()
    for s in samples:
        h.update(json.dumps([s.task_id, s.prompt, s.target, s.kind]).encode())
    return h.hexdigest()


def train_lora(engine: Any, samples: list[TrainingSample], out_dir: Path = ADAPTER_DIR,
               budget_s: float = 3600.0, lr: float = 1e-3, rank: int = 8,
               seed: int = 0, save_every: int = 25, steps: int | None = None,
               stop_after: int | None = None, bf16: bool = True) -> dict[str, Any]:
    """LoRA-fine-tune a copy of ``engine.model``; save adapter and log every ``save_every`` steps.

    ``steps`` fixes the schedule (warm-up, then cosine decay to a tenth of ``lr``); the time
    budget only stops a run early, and the last checkpoint is then the adapter. ``stop_after``
    stops at that step of the same schedule: it repeats a run the budget ended, exactly. The prompt is
    run without gradients and only the assistant's turn is back-propagated: the loss is on the
    turn alone, and the backward pass over a ~600-token prompt would cost more than the rest.
    ``bf16`` runs the forward and backward passes under bfloat16 autocast (the LoRA weights and
    the optimizer stay float32): on a CPU with AVX-512 BF16 its matrix products are ~4x faster,
    and a step ~2.5x; the saved adapter is served in float32 either way.
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
    # The markers' embedding rows (tied to the output layer) are trained as well: untrained,
    # they equal the rows of look-alike tokens and give the same logits (see marker_twins).
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05, task_type="CAUSAL_LM",
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj",
                                        "gate_proj", "up_proj", "down_proj"],
                        trainable_token_indices={"embed_tokens": sorted(codec.ids.values())})
    peft_model = get_peft_model(model, config)
    params = [p for p in peft_model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    losses: list[float] = []
    start = time.perf_counter()
    step = 0
    last = min(total, stop_after or total)
    while time.perf_counter() - start < budget_s and step < last:
        ids, lab = data[order[step % len(order)]]
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, total, lr)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
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
                                               start, losses, bf16))
    report = _report(engine, samples, data, step, total, rank, lr, start, losses, bf16)
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
    token of the turn. The output layer (a fifth of the model's work per token) runs only where
    a label is predicted: not over the prompt, nor over injected results.
    """
    import torch
    split = max(1, next((i for i, v in enumerate(labels) if v != -100), len(labels)) - 1)
    with torch.no_grad():
        past = model(input_ids=torch.tensor([ids[:split]]), use_cache=True,
                     logits_to_keep=1).cache
    # position i of the turn predicts token split + i + 1
    targets = torch.tensor(labels[split + 1:] + [-100])
    keep = torch.nonzero(targets != -100).flatten()
    out = model(input_ids=torch.tensor([ids[split:]]), cache=past,
                position_ids=torch.arange(split, len(ids)).unsqueeze(0), logits_to_keep=keep)
    return torch.nn.functional.cross_entropy(out.logits[0].float(), targets[keep])


def _save(peft_model: Any, out_dir: Path, report: dict[str, Any]) -> None:
    import torch
    out_dir.mkdir(parents=True, exist_ok=True)
    half = {k: v.detach().to(torch.float16) for k, v in peft_model.state_dict().items()
            if "lora_" in k or "trainable_tokens_" in k}
    peft_model.save_pretrained(str(out_dir), state_dict=half)
    (out_dir / "training_log.json").write_text(json.dumps(report, indent=1) + "\n")


def _report(engine: Any, samples: list[TrainingSample], data: list[Any], step: int,
            planned: int, rank: int, lr: float, start: float,
            losses: list[float], bf16: bool = False) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for s in samples:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    return {"base_model": engine.fingerprint, "samples": len(samples), "kinds": kinds,
              "marker_rows_trained": True,
              "samples_used": len(data), "data_sha256": data_digest(samples), "steps": step,
              "steps_planned": planned, "schedule": "10 warm-up steps, cosine to lr/10",
              "epochs": round(step / max(1, len(data)), 2), "rank": rank, "lr": lr,
              "precision": "bfloat16 autocast" if bf16 else "float32",
              "torch_threads": _threads(),   # a float reduction's order depends on it
              "seconds": round(time.perf_counter() - start, 1),
              "seconds_per_step": round((time.perf_counter() - start) / max(1, step), 2),
              "loss_first10": round(sum(losses[:10]) / max(1, len(losses[:10])), 4),
              "loss_last10": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4),
              "loss_curve": [round(sum(losses[i:i + 10]) / len(losses[i:i + 10]), 4)
                             for i in range(0, len(losses), 10)]}


def _threads() -> int:
    import torch
    return int(torch.get_num_threads())


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
