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

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
from llm.asynclm.cml import Interrupt
from llm.asynclm.prompt import build_prompt
from llm.asynclm.runtime import Mode, RunConfig, TaskRun, run_task
from llm.asynclm.simulate import ScriptedCall, ScriptedEngine
from llm.asynclm.train import _chains, user_task_messages

__all__ = ["run", "MODES", "LATENCY_TASKS", "latency_sets"]

MODES = (Mode.SYNC, Mode.SYNC_PARALLEL, Mode.ASYNC_NAIVE, Mode.ASYNC)
# Requests per dataset in the real-engine latency table: 8 BFCL parallel requests and 8 of the
# paper's multi-step-parallel composites (three first-round multi_turn_base tasks each).
LATENCY_TASKS = 8
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


def latency_sets(n: int) -> dict[str, list[BfclTask]]:
    """The first ``n`` held-out requests of each dataset, narrowed as the model is served."""
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


def run(engine: Any, finetuned: Any | None, tasks: int = LATENCY_TASKS,
        accuracy_tasks: int = 8, user_tasks: int = 1, multi_step_tasks: int | None = None,
        progress: Callable[[str], None] = lambda _m: None,
        tables: tuple[str, ...] = ("real", "model", "user", "accuracy")) -> list[Row]:
    data = latency_sets(max(tasks, accuracy_tasks, multi_step_tasks or 0))
    serving = finetuned or engine
    serving_name = "fine-tuned" if finetuned else "base"
    rows: list[Row] = []

    if "real" in tables:
        for name, ts in data.items():
            runs: dict[Mode, list[TaskRun]] = {m: [] for m in MODES}
            count = tasks if name == "parallel" or multi_step_tasks is None else multi_step_tasks
            ts = ts[:count]
            for i, task in enumerate(ts):
                for mode in MODES:
                    progress(f"real engine: {name} task {i + 1}/{count} {mode.value}")
                    box = task.toolbox()
                    prompt = build_prompt(serving.chat, task, box, cheat_sheet=True,
                                          few_shot=finetuned is None)
                    runs[mode].append(run_task(serving, box, prompt,
                                               RunConfig(mode=mode, clock="wall")))
            measured = [r for rs in runs.values() for r in rs]
            tpot = (sum(r.decode_s for r in measured)
                    / max(1, sum(r.decode_forwards for r in measured)))
            predicted = _model_runs(ts, tpot)
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
            # Only the first task is in the request (with its own cheat sheet); the others
            # arrive later as user interrupts, each with its own calls to make.
            first, added = user_task_messages(task, with_calls=True)
            events = [(0.2 * (k + 1), Interrupt("user", text)) for k, text in enumerate(added)]
            for mode in MODES:
                progress(f"user-triggered interrupts {i + 1}/{len(ts)} {mode.value}")
                box = task.toolbox()
                prompt = build_prompt(serving.chat, first, box, cheat_sheet=True,
                                      few_shot=finetuned is None)
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
        from llm.asynclm.evaluate import accuracy_records, heldout_tasks, summarize
        models = [("base few-shot", engine, True)]
        if finetuned is not None:
            models.append(("fine-tuned", finetuned, False))
        held = heldout_tasks(accuracy_tasks, accuracy_tasks)
        for label, eng, few in models:
            records = accuracy_records(eng, held, few, progress=lambda m, _l=label: progress(
                f"{_l}: {m}"))
            for summary in summarize(records):
                mode = Mode(summary["mode"])
                rs = [r for r in records if r["dataset"] == summary["dataset"]
                      and r["mode"] == mode.value]
                rows.append(Row("accuracy (no cheat sheet; simulated clock)",
                                summary["dataset"], label, mode.value, summary["tasks"], 0.0,
                                0.0, {"tokens": round(statistics.mean(r["tokens"] for r in rs), 1),
                                      "interrupts": "", "traps": "",
                                      "exact_match": round(summary["exact"] / summary["tasks"], 3),
                                      "calls_per_task": summary["calls"],
                                      "expected_calls": summary["needed"],
                                      "call_recall": summary["found"]}))
    return rows
