"""BFCL tasks from the ``bfcl-eval`` wheel (installed with ``--no-deps``), read offline.

- ``parallel`` + ``live_parallel``: one user turn, independent calls, AST-style ground truth.
  These functions have documentation only; their calls are executed as *simulated* functions that
  return a deterministic acknowledgement after their latency.
- ``multi_turn_base``: stateful tasks over BFCL's executable simulated backends
  (GorillaFileSystem, VehicleControlAPI, ...). AsyncLM's *multi-step-parallel* composite puts the
  first rounds of three of them into one request: three independent chains of dependent calls.
"""

from __future__ import annotations

import importlib
import json
import random
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from llm.asynclm.tools import Tool, Toolbox, hash_latency_ms
from llm.errors import ModelUnavailable

__all__ = ["BfclTask", "load_parallel", "load_multi_step_parallel", "bfcl_available", "split_of",
           "BACKENDS"]

BFCL_HINT = "install the data with `pip install --no-deps bfcl-eval mpmath==1.3.0` (see README)"

# class name -> (module under func_source_code, documentation file)
BACKENDS: dict[str, tuple[str, str]] = {
    "GorillaFileSystem": ("gorilla_file_system", "gorilla_file_system.json"),
    "MathAPI": ("math_api", "math_api.json"),
    "MessageAPI": ("message_api", "message_api.json"),
    "TwitterAPI": ("posting_api", "posting_api.json"),
    "TicketAPI": ("ticket_api", "ticket_api.json"),
    "TradingBot": ("trading_bot", "trading_bot.json"),
    "TravelAPI": ("travel_booking", "travel_booking.json"),
    "VehicleControlAPI": ("vehicle_control", "vehicle_control.json"),
}


@dataclass
class BfclTask:
    """One request: its user text, the functions it may call, and the expected calls.

    ``ground_truth`` holds, per independent sub-task, the expected calls in order, as Python call
    strings; ``ast_truth`` (parallel categories) holds BFCL's allowed values per parameter.
    """

    task_id: str
    category: str
    question: str
    functions: list[dict[str, Any]]
    ground_truth: list[list[str]]
    ast_truth: list[dict[str, dict[str, list[Any]]]] = field(default_factory=list)
    configs: dict[str, Any] = field(default_factory=dict)    # backend class -> initial state
    subtask_functions: list[set[str]] = field(default_factory=list)

    def narrowed(self, distractors: int = 2, seed: int = 0) -> BfclTask:
        """The task with only the functions its ground truth uses plus a few others per sub-task.

        Listing ~15 functions instead of ~75 keeps a request near 600 tokens, which a 135M model
        on two CPU cores can serve and be fine-tuned on (sequences of at most 1K tokens); base and
        fine-tuned models see the same narrowed list.
        """
        rng = random.Random(f"{self.task_id}:{seed}")
        used = {n.split("(", 1)[0].strip() for chain in self.ground_truth for n in chain}
        keep: set[str] = set(used)
        for funcs in self.subtask_functions:
            others = sorted(funcs - used)
            keep.update(rng.sample(others, min(distractors, len(others))))
        functions = [f for f in self.functions if f["name"] in keep]
        return BfclTask(self.task_id, self.category, self.question, functions,
                        self.ground_truth, self.ast_truth, self.configs,
                        [funcs & keep for funcs in self.subtask_functions])

    def toolbox(self, latency: str = "draw", seed: int = 0) -> Toolbox:
        """Fresh tools for one run (backends re-initialised from the task's state)."""
        return build_toolbox(self, latency, seed)


def _data_dir() -> Path:
    try:
        root = resources.files("bfcl_eval")
    except ModuleNotFoundError as exc:
        raise ModelUnavailable("the BFCL data package bfcl-eval is not installed", BFCL_HINT) from exc
    return Path(str(root)) / "data"


def bfcl_available() -> bool:
    try:
        return (_data_dir() / "BFCL_v4_parallel.json").is_file()
    except ModelUnavailable:
        return False


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@cache
def _answers(category: str) -> dict[str, Any]:
    return {e["id"]: e["ground_truth"]
            for e in _lines(_data_dir() / "possible_answer" / f"BFCL_v4_{category}.json")}


@cache
def _docs(doc_file: str) -> tuple[dict[str, Any], ...]:
    return tuple(_lines(_data_dir() / "multi_turn_func_doc" / doc_file))


def _gt_call(entry: dict[str, dict[str, list[Any]]]) -> str:
    """The first allowed value of each parameter, as a call string (a cheat-sheet line)."""
    (name, params), = entry.items()
    args = [f"{k}={v[0]!r}" for k, v in params.items() if v and v[0] != ""]
    return f"{name}({', '.join(args)})"


def load_parallel(limit: int | None = None, split: str | None = None) -> list[BfclTask]:
    """``parallel`` + ``live_parallel`` (BFCL v4), in file order."""
    tasks: list[BfclTask] = []
    for category in ("parallel", "live_parallel"):
        answers = _answers(category)
        for e in _lines(_data_dir() / f"BFCL_v4_{category}.json"):
            turn = e["question"][0]
            text = "\n".join(m["content"] for m in turn if m["role"] == "user")
            truth = answers[e["id"]]
            if split is not None and split_of(e["id"]) != split:
                continue
            tasks.append(BfclTask(e["id"], category, text, e["function"],
                                  [[_gt_call(t) for t in truth]], truth,
                                  subtask_functions=[{f["name"] for f in e["function"]}]))
    return tasks[:limit] if limit else tasks


def _first_rounds() -> list[dict[str, Any]]:
    answers = _answers("multi_turn_base")
    out = []
    for e in _lines(_data_dir() / "BFCL_v4_multi_turn_base.json"):
        classes = [c for c in e["involved_classes"] if c in BACKENDS]
        if len(classes) != len(e["involved_classes"]):
            continue
        first = answers[e["id"]][0]
        if not first:
            continue
        excluded = set(e.get("excluded_function", []))
        funcs = [f for c in classes for f in _docs(BACKENDS[c][1]) if f["name"] not in excluded]
        text = "\n".join(m["content"] for m in e["question"][0] if m["role"] == "user")
        out.append({"id": e["id"], "text": text, "truth": list(first), "functions": funcs,
                    "classes": classes, "config": e.get("initial_config", {})})
    return out


def split_of(task_id: str) -> str:
    """"train" for one source sample in four, else "eval" (the paper: 200 of 800 for training)."""
    h = 0
    for b in task_id.encode():
        h = (h * 131 + b) & 0xFFFFFFFF
    return "train" if h % 4 == 0 else "eval"


def load_multi_step_parallel(count: int = 200, seed: int = 0, split: str | None = "eval",
                             tasks_per_request: int = 3) -> list[BfclTask]:
    """AsyncLM's composite: three first-round tasks of ``multi_turn_base`` per request.

    The three draw on disjoint backend classes and function names, so their calls cannot
    interfere: three independent chains (1-5 dependent calls each).
    """
    pool = [p for p in _first_rounds() if split is None or split_of(p["id"]) == split]
    rng = random.Random(seed)
    tasks: list[BfclTask] = []
    attempts = 0
    while len(tasks) < count and attempts < count * 200:
        attempts += 1
        picked = rng.sample(pool, tasks_per_request)
        classes = [c for p in picked for c in p["classes"]]
        names = [f["name"] for p in picked for f in p["functions"]]
        if len(set(classes)) != len(classes) or len(set(names)) != len(names):
            continue
        question = "\n".join(f"Task {i + 1}: {p['text']}" for i, p in enumerate(picked))
        configs: dict[str, Any] = {}
        for p in picked:
            for c in p["classes"]:
                configs[c] = p["config"].get(c, {})
        tasks.append(BfclTask("+".join(p["id"] for p in picked), "multi_step_parallel",
                              question, [f for p in picked for f in p["functions"]],
                              [p["truth"] for p in picked], configs=configs,
                              subtask_functions=[{f["name"] for f in p["functions"]}
                                                 for p in picked]))
    return tasks


def _latency(name: str, mode: str, rng: random.Random) -> float:
    if mode == "hash":
        return hash_latency_ms(name)
    # "draw": the paper's range and mean (30-500 ms, mean ~110 ms) from a seeded lognormal.
    while True:
        v = rng.lognormvariate(4.55, 0.55)
        if 30.0 <= v <= 500.0:
            return v


def _backend(cls_name: str, config: dict[str, Any]) -> Any:
    module, _ = BACKENDS[cls_name]
    mod = importlib.import_module(f"bfcl_eval.eval_checker.multi_turn_eval.func_source_code.{module}")
    obj = getattr(mod, cls_name)()
    if hasattr(obj, "_load_scenario"):     # MathAPI is stateless
        obj._load_scenario(json.loads(json.dumps(config)))   # deep copy: runs never share state
    return obj


def build_toolbox(task: BfclTask, latency: str = "draw", seed: int = 0) -> Toolbox:
    rng = random.Random(seed)
    box = Toolbox()
    instances = {c: _backend(c, cfg) for c, cfg in task.configs.items()}
    for f in task.functions:
        name = f["name"]
        run = None
        for obj in instances.values():
            if callable(getattr(obj, name, None)):
                run = getattr(obj, name)
                break
        if run is None:
            run = _acknowledge(name)
        box.add(Tool(name, f.get("description", ""), f.get("parameters", {}), run,
                     _latency(name, latency, rng)))
    return box


def _acknowledge(name: str) -> Any:
    """A documentation-only function: a deterministic acknowledgement of what was asked."""
    def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"function": name, "status": "done", "arguments": kwargs or list(args)}
    return run
