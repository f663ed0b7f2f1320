"""Held-out accuracy of an AsyncLM model, and whether it reacts to tasks the user adds.

Every run here is on the simulated clock (a fixed TPOT, the simulated executor), so the same
model gives the same records twice. Tasks come from the *eval* split only (training draws on the
other quarter of BFCL's samples): BFCL ``parallel`` and ``live_parallel`` requests alternately,
and three-task multi-step-parallel composites. No cheat sheet: the model must find the calls.

Per run we record exact match (BFCL's AST rules, order within each task), calls made against
calls needed, and the expected calls that some made call matches (each counted once).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
from llm.asynclm.cml import Interrupt
from llm.asynclm.prompt import build_prompt
from llm.asynclm.runtime import Mode, RunConfig, TaskRun, run_task

__all__ = ["heldout_tasks", "score", "accuracy_records", "user_interrupt_records", "summarize"]


def heldout_tasks(parallel: int, multi_step: int) -> list[tuple[str, BfclTask]]:
    """(dataset, task) pairs: ``parallel`` BFCL parallel requests (``parallel`` and
    ``live_parallel`` alternately) and ``multi_step`` three-task composites, narrowed."""
    pool = load_parallel(split="eval")
    by_cat = [[t for t in pool if t.category == c] for c in ("parallel", "live_parallel")]
    picked: list[BfclTask] = []
    for i in range(parallel):
        source = by_cat[i % 2] if by_cat[i % 2] else by_cat[(i + 1) % 2]
        picked.append(source[i // 2])
    out = [("parallel", t.narrowed()) for t in picked]
    out += [("multi-step-parallel", t.narrowed()) for t in load_multi_step_parallel(multi_step)]
    return out


def _param_order(task: BfclTask) -> dict[str, list[str]]:
    return {f["name"]: list((f.get("parameters") or {}).get("properties", {}) or {})
            for f in task.functions}


def score(task: BfclTask, run: TaskRun) -> dict[str, Any]:
    """Exact match and partial credit of one run's calls."""
    from llm.asynclm.ast_match import match_parallel, match_sequences, matched_calls
    bodies = [c.body for c in run.calls]
    order = _param_order(task)
    if task.ast_truth:
        exact = match_parallel(bodies, task.ast_truth, order)
        found = matched_calls(bodies, truth_ast=task.ast_truth, param_order=order)
        needed = len(task.ast_truth)
    else:
        exact = match_sequences(bodies, task.ground_truth, task.subtask_functions, order)
        flat = [c for chain in task.ground_truth for c in chain]
        found = matched_calls(bodies, truth_calls=flat, param_order=order)
        needed = len(flat)
    return {"exact": bool(exact), "calls": len(bodies), "needed": needed, "found": found,
            "tokens": run.generated_tokens, "stopped_by": run.stopped_by}


def _config(mode: Mode, max_new_tokens: int, events: list[tuple[float, Interrupt]] | None = None
            ) -> RunConfig:
    return RunConfig(mode=mode, tpot_s=0.02, max_new_tokens=max_new_tokens,
                     user_events=events or [])


def accuracy_records(engine: Any, tasks: Sequence[tuple[str, BfclTask]], few_shot: bool,
                     modes: Sequence[Mode] = (Mode.SYNC, Mode.ASYNC),
                     progress: Callable[[str], None] = lambda _m: None) -> list[dict[str, Any]]:
    """One record per (task, mode): the run's score, its calls and its CML text."""
    records = []
    for i, (dataset, task) in enumerate(tasks):
        budget = 160 if dataset == "parallel" else 320
        for mode in modes:
            progress(f"accuracy {i + 1}/{len(tasks)} {dataset} {mode.value}")
            box = task.toolbox()
            prompt = build_prompt(engine.chat, task, box, few_shot=few_shot)
            run = run_task(engine, box, prompt, _config(mode, budget))
            records.append({"task": task.task_id, "dataset": dataset, "mode": mode.value,
                            **score(task, run), "made": [c.body for c in run.calls],
                            "text": run.text})
    return records


def user_interrupt_records(engine: Any, tasks: Sequence[BfclTask], few_shot: bool,
                           with_calls: bool = False, at_s: Sequence[float] = (0.2, 0.4),
                           deliver: bool = True,
                           progress: Callable[[str], None] = lambda _m: None
                           ) -> list[dict[str, Any]]:
    """Only the first task is in the request; the others arrive as user interrupts at
    ``at_s`` (simulated seconds). Does the model then call the added tasks' functions?

    With ``deliver=False`` the interrupts never come: the control, since the request lists
    every task's functions and a model may call them unasked."""
    from llm.asynclm.train import user_task_messages
    records = []
    for i, task in enumerate(tasks):
        progress(f"user interrupts {i + 1}/{len(tasks)}")
        first, added = user_task_messages(task, with_calls)
        events = [(at, Interrupt("user", text))
                  for at, text in zip(at_s, added, strict=False)] if deliver else []
        box = task.toolbox()
        prompt = build_prompt(engine.chat, first, box, few_shot=few_shot)
        run = run_task(engine, box, prompt, _config(Mode.ASYNC, 320, events))
        records.append({"task": task.task_id, **user_task_score(task, len(added), run.text),
                        "stopped_by": run.stopped_by, "text": run.text})
    return records


def user_task_score(task: BfclTask, added: int, text: str) -> dict[str, Any]:
    """Calls to the added tasks' functions before the user first spoke (unasked) and after
    (a reaction), and the added tasks' expected calls that the calls after it match."""
    from llm.asynclm.ast_match import matched_calls
    from llm.asynclm.cml import parse_calls
    spoke = text.find("[INTR] user [HEAD]")
    before, after = (text, "") if spoke < 0 else (text[:spoke], text[spoke:])
    added_funcs = set().union(*task.subtask_functions[1:1 + added])
    added_truth = [c for chain in task.ground_truth[1:1 + added] for c in chain]

    def to_added(part: str) -> list[str]:
        return [c.body for c in parse_calls(part) if c.body.split("(", 1)[0].strip() in added_funcs]

    after_calls = to_added(after)
    return {"delivered": text.count("[INTR] user [HEAD]"), "calls": len(parse_calls(text)),
            "to_added_unasked": len(to_added(before)), "to_added_after": len(after_calls),
            "added_needed": len(added_truth),
            "added_found": matched_calls(after_calls, truth_calls=added_truth,
                                         param_order=_param_order(task)),
            "reacted": bool(after_calls)}


def summarize(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (dataset, mode): tasks, exact-match rate, mean calls made and needed, recall."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["dataset"], r["mode"]), []).append(r)
    out = []
    for (dataset, mode), rs in groups.items():
        out.append({"dataset": dataset, "mode": mode, "tasks": len(rs),
                    "exact": sum(r["exact"] for r in rs),
                    "calls": round(statistics.mean(r["calls"] for r in rs), 2),
                    "needed": round(statistics.mean(r["needed"] for r in rs), 2),
                    "found": round(sum(r["found"] for r in rs) / max(1, sum(
                        r["needed"] for r in rs)), 3),
                    "stopped_at_length": sum(r["stopped_by"] == "length" for r in rs)})
    return out
