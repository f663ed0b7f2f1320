"""`blindfold bench asynclm`: latency and accuracy of the four calling modes.

Tables (every row measured in this run):

- **latency, real engine**: BFCL tasks with the paper's cheat sheet (the ground truth in the
  prompt, so every mode makes the same calls), decoded by SmolLM2 (the fine-tuned adapter when
  present) on the wall clock, calls executed concurrently by the threaded executor;
- **latency model**: the same tasks' call DAGs run by the scripted model through the same runtime
  on the simulated timeline, for TPOT 5, 15 and 30 ms (the paper's model, dependencies included);
- **user-triggered interrupts**: three tasks, the second and third arriving as interrupts at 200
  and 400 ms;
- **accuracy**: exact AST match and order, no cheat sheet, Sync vs Async, base model (few-shot)
  vs fine-tuned.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llm.asynclm.ast_match import match_parallel, match_sequences, matched_calls
from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
from llm.asynclm.cml import Interrupt
from llm.asynclm.prompt import build_prompt
from llm.asynclm.runtime import Mode, RunConfig, TaskRun, run_task
from llm.asynclm.simulate import ScriptedCall, ScriptedEngine
from llm.asynclm.train import _chains

__all__ = ["run", "MODES"]

MODES = (Mode.SYNC, Mode.SYNC_PARALLEL, Mode.ASYNC_NAIVE, Mode.ASYNC)
_POLICY = {Mode.SYNC: "sync", Mode.SYNC_PARALLEL: "sync-parallel", Mode.ASYNC_NAIVE: "async",
           Mode.ASYNC: "async"}


@dataclass
class Row:
    table: str
    dataset: str
    model: str
    mode: str
    tasks: int
    latency_s: float
    speedup_vs_sync: float
    extra: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "dataset": self.dataset, "model": self.model,
                "mode": self.mode, "tasks": self.tasks, "latency_s": round(self.latency_s, 4),
                "speedup_vs_sync": round(self.speedup_vs_sync, 3), **self.extra}


def _param_order(task: BfclTask) -> dict[str, list[str]]:
    return {f["name"]: list((f.get("parameters") or {}).get("properties", {}) or {})
            for f in task.functions}


def correct(task: BfclTask, run: TaskRun) -> bool:
    bodies = [c.body for c in run.calls]
    order = _param_order(task)
    if task.ast_truth:
        return match_parallel(bodies, task.ast_truth, order)
    return match_sequences(bodies, task.ground_truth, task.subtask_functions, order)


def expected_hits(task: BfclTask, run: TaskRun) -> tuple[int, int]:
    """(expected calls that some made call matches, expected calls)."""
    bodies = [c.body for c in run.calls]
    order = _param_order(task)
    if task.ast_truth:
        return matched_calls(bodies, truth_ast=task.ast_truth, param_order=order), len(
            task.ast_truth)
    flat = [c for chain in task.ground_truth for c in chain]
    return matched_calls(bodies, truth_calls=flat, param_order=order), len(flat)


def _datasets(n: int) -> dict[str, list[BfclTask]]:
    return {"parallel": [t.narrowed() for t in load_parallel(split="eval")[:n]],
            "multi-step-parallel": [t.narrowed() for t in load_multi_step_parallel(n)]}


def _rows(table: str, dataset: str, model: str, runs: dict[Mode, list[TaskRun]],
          extra: Callable[[list[TaskRun]], dict[str, Any]] | None = None) -> list[Row]:
    sync = statistics.mean(r.latency_s for r in runs[Mode.SYNC]) if runs.get(Mode.SYNC) else 0.0
    out = []
    for mode, rs in runs.items():
        lat = statistics.mean(r.latency_s for r in rs)
        info = {"tokens": round(statistics.mean(r.generated_tokens for r in rs), 1),
                "interrupts": round(statistics.mean(r.interrupts for r in rs), 2),
                "traps": round(statistics.mean(r.traps for r in rs), 2)}
        if extra:
            info.update(extra(rs))
        out.append(Row(table, dataset, model, mode.value, len(rs), lat,
                       sync / lat if lat > 0 else 0.0, info))
    return out


def _model_runs(tasks: list[BfclTask], tpot_s: float) -> dict[Mode, list[TaskRun]]:
    """The tasks' call DAGs run by the scripted model on the simulated timeline at ``tpot_s``
    per BPE token (the scripted model writes characters, ~3.5 to a token)."""
    runs: dict[Mode, list[TaskRun]] = {m: [] for m in MODES}
    for task in tasks:
        for mode in MODES:
            box = task.toolbox()
            chains = [[ScriptedCall(c.call_id, c.body, box.estimate_ms(c.body.split("(", 1)[0]))
                       for c in chain] for chain in _chains(task)]
            runs[mode].append(run_task(
                ScriptedEngine(chains, _POLICY[mode]), box, "",  # type: ignore[arg-type]
                RunConfig(mode=mode, tpot_s=tpot_s / 3.5, naive_ttft_s=0.059,
                          max_new_tokens=8000, max_call_tokens=4000)))
    return runs


def run(engine: Any, finetuned: Any | None, tasks: int = 4, accuracy_tasks: int = 8,
        user_tasks: int = 1,
        progress: Callable[[str], None] = lambda _m: None,
        tables: tuple[str, ...] = ("real", "model", "user", "accuracy")) -> list[Row]:
    data = _datasets(max(tasks, accuracy_tasks))
    serving = finetuned or engine
    serving_name = "fine-tuned" if finetuned else "base"
    rows: list[Row] = []

    if "real" in tables:
        for name, ts in data.items():
            runs: dict[Mode, list[TaskRun]] = {m: [] for m in MODES}
            for i, task in enumerate(ts[:tasks]):
                for mode in MODES:
                    progress(f"real engine: {name} task {i + 1}/{tasks} {mode.value}")
                    box = task.toolbox()
                    prompt = build_prompt(serving.chat, task, box, cheat_sheet=True,
                                          few_shot=finetuned is None)
                    runs[mode].append(run_task(serving, box, prompt,
                                               RunConfig(mode=mode, clock="wall")))
            measured = [r for rs in runs.values() for r in rs]
            tpot = (sum(r.decode_s for r in measured)
                    / max(1, sum(r.decode_forwards for r in measured)))
            predicted = _model_runs(ts[:tasks], tpot)
            real_rows = _rows("latency, real engine (wall clock)", name, serving_name, runs)
            for row in real_rows:
                mode = Mode(row.mode)
                pred = statistics.mean(r.latency_s for r in predicted[mode])
                pred_sync = statistics.mean(r.latency_s for r in predicted[Mode.SYNC])
                row.extra.update({"tpot_ms": round(1000 * tpot, 1),
                                  "model_at_tpot_s": round(pred, 4),
                                  "model_vs_sync": round(pred_sync / pred, 3) if pred else 0.0,
                                  "calls": round(statistics.mean(len(r.calls)
                                                                 for r in runs[mode]), 2)})
            rows += real_rows

    if "model" in tables:
        for name, ts in data.items():
            for tpot_ms in (5, 15, 30):
                rows += _rows(f"latency model (TPOT {tpot_ms} ms)", name, "scripted",
                              _model_runs(ts[:max(tasks, accuracy_tasks)], tpot_ms / 1000))

    if "user" in tables:
        ts = data["multi-step-parallel"][:user_tasks]
        runs = {m: [] for m in MODES}
        for i, task in enumerate(ts):
            questions = re.split(r"\n(?=Task \d+: )", task.question)   # a task may span lines
            for mode in MODES:
                progress(f"user-triggered interrupts {i + 1}/{len(ts)} {mode.value}")
                box = task.toolbox()
                # Only the first task is in the request (with its own cheat sheet); the others
                # arrive later as user interrupts, each with its own calls to make.
                first = BfclTask(task.task_id, task.category, questions[0], task.functions,
                                 task.ground_truth[:1], task.ast_truth, task.configs,
                                 task.subtask_functions[:1])
                prompt = build_prompt(serving.chat, first, box, cheat_sheet=True,
                                      few_shot=finetuned is None)
                events = [(0.2 * (k + 1), Interrupt("user", f"{q} The calls to make: "
                                                    + "; ".join(task.ground_truth[k + 1])))
                          for k, q in enumerate(questions[1:])]
                runs[mode].append(run_task(serving, box, prompt, RunConfig(
                    mode=mode, clock="wall", user_events=events)))
        user_rows = _rows("user-triggered interrupts (tasks at 0/200/400 ms)",
                          "multi-step-parallel", serving_name, runs)
        for row in user_rows:
            row.extra["calls"] = round(statistics.mean(len(r.calls)
                                                       for r in runs[Mode(row.mode)]), 2)
            row.extra["expected_calls"] = round(statistics.mean(
                sum(map(len, t.ground_truth)) for t in ts), 2)
        rows += user_rows

    if "accuracy" in tables:
        models = [("base few-shot", engine, True)]
        if finetuned is not None:
            models.append(("fine-tuned", finetuned, False))
        for label, eng, few in models:
            for name, ts in data.items():
                runs = {m: [] for m in (Mode.SYNC, Mode.ASYNC)}
                oks: dict[Mode, list[bool]] = {m: [] for m in runs}
                hits: dict[Mode, list[tuple[int, int]]] = {m: [] for m in runs}
                for i, task in enumerate(ts[:accuracy_tasks]):
                    for mode in runs:
                        progress(f"accuracy: {label} {name} {i + 1}/{accuracy_tasks} {mode.value}")
                        box = task.toolbox()
                        prompt = build_prompt(eng.chat, task, box, few_shot=few)
                        r = run_task(eng, box, prompt, RunConfig(mode=mode, tpot_s=0.02))
                        runs[mode].append(r)
                        oks[mode].append(correct(task, r))
                        hits[mode].append(expected_hits(task, r))
                for row in _rows("accuracy (no cheat sheet; simulated clock)", name, label, runs):
                    mode = Mode(row.mode)
                    row.extra["exact_match"] = round(sum(oks[mode]) / len(oks[mode]), 3)
                    row.extra["calls_per_task"] = round(statistics.mean(
                        len(r.calls) for r in runs[mode]), 2)
                    row.extra["expected_calls"] = round(statistics.mean(
                        want for _, want in hits[mode]), 2)
                    row.extra["call_recall"] = round(sum(h for h, _ in hits[mode]) / max(
                        1, sum(want for _, want in hits[mode])), 3)
                    rows.append(row)
    return rows
