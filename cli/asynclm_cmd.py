"""`blindfold llm asynclm`: run one task with asynchronous function calling, or fine-tune.

torch loads only when a command runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from emulator.errors import BlindfoldError, UsageError, exit_code_of

_MODES = click.Choice(["sync", "sync-parallel", "async-naive", "async"])


def _fail(exc: BlindfoldError) -> None:
    click.echo(f"blindfold: error: {exc}", err=True)
    sys.exit(exit_code_of(exc))


@click.group("asynclm")
def asynclm() -> None:
    """AsyncLM: interruptible, asynchronous function calling on SmolLM2-135M."""


@asynclm.command("run")
@click.option("--task", "task_id", default=None,
              help="A BFCL task id (e.g. parallel_3, or three multi_turn_base ids joined by +); "
                   "default: the first multi-step-parallel evaluation task.")
@click.option("--mode", type=_MODES, default="async", show_default=True)
@click.option("--clock", type=click.Choice(["simulated", "wall"]), default="wall",
              show_default=True, help="Simulated timeline (TPOT per token) or the wall clock.")
@click.option("--tpot-ms", type=click.FloatRange(1, 200), default=20.0, show_default=True)
@click.option("--cheat-sheet", is_flag=True, help="Put the ground-truth calls in the prompt.")
@click.option("--base", is_flag=True, help="Use the base model (few-shot), not the adapter.")
@click.option("--guest-tools", is_flag=True,
              help="Tools are AArch64 programs run by Blindfold; the question comes from --ask.")
@click.option("--confidential", is_flag=True,
              help="With --guest-tools: run them under the Guardian as confidential processes.")
@click.option("--ask", default=None, help="The question for --guest-tools.")
@click.option("--max-new-tokens", type=click.IntRange(8, 2000), default=320, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def run_cmd(task_id: str | None, mode: str, clock: str, tpot_ms: float, cheat_sheet: bool,
            base: bool, guest_tools: bool, confidential: bool, ask: str | None,
            max_new_tokens: int, as_json: bool) -> None:
    """Decode one task, running its calls concurrently; print the CML stream and the timing."""
    try:
        from llm.asynclm.bfcl import BfclTask, load_multi_step_parallel, load_parallel
        from llm.asynclm.prompt import build_prompt
        from llm.asynclm.runtime import Mode, RunConfig, run_task
        from llm.asynclm.train import load_finetuned
        from llm.engine import Engine
        if confidential and not guest_tools:
            raise UsageError("--confidential applies to --guest-tools", "add --guest-tools")
        engine = Engine.shared()
        serving = engine if base else load_finetuned(engine)
        if guest_tools:
            from llm.asynclm.guest_tools import guest_toolbox
            if not ask:
                raise UsageError("--guest-tools needs a question", "add --ask '...'")
            box = guest_toolbox(confidential)
            task = BfclTask("guest", "guest", ask, [t.definition() for t in box.tools.values()],
                            [])
        else:
            if task_id is None:
                task = load_multi_step_parallel(1)[0]
            elif "+" in task_id or task_id.startswith("multi_turn"):
                found = [t for t in load_multi_step_parallel(200, split=None) if t.task_id == task_id]
                if not found:
                    raise UsageError(f"no multi-step-parallel task {task_id}",
                                     "give three multi_turn_base ids joined by + as listed by "
                                     "`blindfold bench asynclm --json`")
                task = found[0]
            else:
                found = [t for t in load_parallel() if t.task_id == task_id]
                if not found:
                    raise UsageError(f"no BFCL parallel task {task_id}",
                                     "e.g. parallel_0 or live_parallel_0-0-0")
                task = found[0]
            task = task.narrowed()
            box = task.toolbox()
        prompt = build_prompt(serving.chat, task, box, cheat_sheet=cheat_sheet, few_shot=base)
        result = run_task(serving, box, prompt, RunConfig(
            mode=Mode(mode), clock=clock, tpot_s=tpot_ms / 1000, max_new_tokens=max_new_tokens))
    except BlindfoldError as exc:
        _fail(exc)
        return
    summary = {"task": task.task_id, "mode": mode, "clock": clock,
               "latency_s": round(result.latency_s, 4), "tokens": result.generated_tokens,
               "calls": [c.body for c in result.calls], "interrupts": result.interrupts,
               "traps": result.traps, "trap_decisions": result.trap_decisions,
               "stopped_by": result.stopped_by, "text": result.text}
    if as_json:
        click.echo(json.dumps(summary))
        return
    click.echo(result.text)
    click.echo(f"-- {mode}, {clock} clock: {result.latency_s:.3f} s, "
               f"{result.generated_tokens} tokens, {len(result.calls)} calls, "
               f"{result.interrupts} interrupts, {result.traps} traps", err=True)


@asynclm.command("train")
@click.option("--samples", type=click.IntRange(10, 100_000), default=400, show_default=True)
@click.option("--budget-min", type=click.FloatRange(1, 600), default=60.0, show_default=True,
              help="Stop training after this many minutes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Adapter directory (default: the one shipped with the package).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--steps", type=click.IntRange(1, 100_000), default=None,
              help="Optimizer steps of the schedule (default: one per sample).")
@click.option("--lr", type=click.FloatRange(1e-6, 1e-1), default=2e-3, show_default=True,
              help="Peak learning rate (warm-up, then cosine decay to a tenth).")
@click.option("--stop-after", type=click.IntRange(1, 100_000), default=None,
              help="Stop after this many steps of the schedule (repeats a run that its time "
                   "budget ended).")
@click.option("--precision", type=click.Choice(["bf16", "fp32"]), default="bf16",
              show_default=True, help="Forward/backward under bfloat16 autocast, or float32.")
def train_cmd(samples: int, budget_min: float, out: Path | None, seed: int, steps: int | None,
              lr: float, stop_after: int | None, precision: str) -> None:
    """Build the fine-tuning data from BFCL's training split and LoRA-fine-tune the model."""
    try:
        from llm.asynclm.train import ADAPTER_DIR, build_samples, train_lora
        from llm.engine import Engine
        engine = Engine.shared()
        data = build_samples(engine.chat, samples, seed)
        report = train_lora(engine, data, out or ADAPTER_DIR, budget_s=budget_min * 60,
                            seed=seed, steps=steps, lr=lr, save_every=10,
                            stop_after=stop_after, bf16=precision == "bf16")
    except BlindfoldError as exc:
        _fail(exc)
        return
    click.echo(json.dumps({k: v for k, v in report.items() if k != "loss_curve"}))


@asynclm.command("eval")
@click.option("--base", is_flag=True, help="The base model with the few-shot example.")
@click.option("--adapter", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="An adapter directory (default: the shipped one).")
@click.option("--parallel", "n_parallel", type=click.IntRange(0, 500), default=12,
              show_default=True, help="Held-out BFCL parallel/live_parallel requests.")
@click.option("--multi-step", "n_multi", type=click.IntRange(0, 200), default=10,
              show_default=True, help="Held-out three-task multi-step-parallel requests.")
@click.option("--user-tasks", type=click.IntRange(0, 200), default=0, show_default=True,
              help="Also run this many requests whose 2nd/3rd tasks arrive as user interrupts.")
@click.option("--records", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every run (calls, CML text) to this JSON-lines file.")
@click.option("--json", "as_json", is_flag=True)
def eval_cmd(base: bool, adapter: Path | None, n_parallel: int, n_multi: int, user_tasks: int,
             records: Path | None, as_json: bool) -> None:
    """Held-out accuracy without the cheat sheet (simulated clock: the same output every run)."""
    try:
        from llm.asynclm import evaluate
        from llm.asynclm.bfcl import load_multi_step_parallel
        from llm.asynclm.train import ADAPTER_DIR, load_finetuned
        from llm.engine import Engine
        if base and adapter is not None:
            raise UsageError("--base and --adapter exclude each other", "give one of them")
        engine = Engine.shared()
        serving = engine if base else load_finetuned(engine, adapter or ADAPTER_DIR)
        runs = evaluate.accuracy_records(serving, evaluate.heldout_tasks(n_parallel, n_multi),
                                         few_shot=base,
                                         progress=lambda m: click.echo(m, err=True))
        user_reqs = [t.narrowed() for t in load_multi_step_parallel(user_tasks)]
        user = evaluate.user_interrupt_records(serving, user_reqs, few_shot=base,
                                               progress=lambda m: click.echo(m, err=True))
        control = evaluate.user_interrupt_records(serving, user_reqs, few_shot=base,
                                                  deliver=False) if user_tasks else []
    except BlindfoldError as exc:
        _fail(exc)
        return
    if records is not None:
        with records.open("w") as fh:
            for r in runs + [{"table": "user", **u} for u in user] + [
                    {"table": "user-control", **u} for u in control]:
                fh.write(json.dumps(r) + "\n")
    rows = evaluate.summarize(runs)
    for name, us in (("user-interrupts", user), ("user-control (never delivered)", control)):
        if us:
            rows.append({"dataset": name, "mode": "async", "tasks": len(us),
                         "delivered": sum(u["delivered"] for u in us),
                         "reacted": sum(u["reacted"] for u in us),
                         "to_added_unasked": sum(u["to_added_unasked"] for u in us),
                         "to_added_after": sum(u["to_added_after"] for u in us),
                         "added_found": sum(u["added_found"] for u in us),
                         "added_needed": sum(u["added_needed"] for u in us)})
    for row in rows:
        click.echo(json.dumps(row) if as_json else "  ".join(f"{k}={v}" for k, v in row.items()))
