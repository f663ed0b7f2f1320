"""`blindfold bench asynclm`: latency and accuracy of Sync, Sync-Parallel, Async-Naive, Async."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from emulator.errors import BlindfoldError, exit_code_of


@click.command("asynclm")
@click.option("--tasks", type=click.IntRange(1, 200), default=8, show_default=True,
              help="Requests per dataset for the latency tables (multi-step-parallel: the "
                   "paper's composites of three first-round multi_turn_base tasks).")
@click.option("--multi-step-tasks", type=click.IntRange(1, 200), default=None,
              help="Multi-step-parallel requests for the real-engine latency table "
                   "(default: --tasks).")
@click.option("--accuracy-tasks", type=click.IntRange(0, 200), default=8, show_default=True,
              help="Held-out requests per dataset for the accuracy table.")
@click.option("--user-tasks", type=click.IntRange(1, 200), default=1, show_default=True,
              help="Requests for the user-triggered interrupt table.")
@click.option("--tables", default="real,model,user,accuracy", show_default=True,
              help="Which tables to measure (comma-separated).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row.")
def asynclm_bench(tasks: int, multi_step_tasks: int | None, accuracy_tasks: int,
                  user_tasks: int, tables: str, as_json: bool) -> None:
    """AsyncLM's four calling modes on BFCL tasks: real-engine and latency-model latency,
    user-triggered interrupts, and accuracy (base few-shot vs fine-tuned)."""
    try:
        from llm.asynclm import bench
        from llm.asynclm.train import load_finetuned
        from llm.engine import Engine
        from llm.errors import ModelUnavailable
        engine = Engine.shared()
        try:
            finetuned = load_finetuned(engine)
        except ModelUnavailable as exc:
            click.echo(f"blindfold: note: {exc}; the base model serves every table", err=True)
            finetuned = None
        chosen = tuple(t.strip() for t in tables.split(",") if t.strip())
        console = Console(stderr=True)
        with console.status("") as status:
            rows = bench.run(engine, finetuned, tasks, accuracy_tasks, user_tasks, multi_step_tasks,
                             progress=lambda m: status.update(m), tables=chosen)
    except BlindfoldError as exc:
        click.echo(f"blindfold: error: {exc}", err=True)
        sys.exit(exit_code_of(exc))
    if as_json:
        for row in rows:
            click.echo(json.dumps(row.as_dict()))
        return
    console = Console()
    for title in dict.fromkeys(r.table for r in rows):
        table = Table(title=title)
        for col in ("dataset", "model", "mode", "tasks", "latency (s)", "vs sync", "tokens",
                    "calls", "interrupts", "traps", "TPOT (ms)", "model at TPOT (s)",
                    "model vs sync", "exact match", "call recall"):
            table.add_column(col)
        for r in (r for r in rows if r.table == title):
            table.add_row(r.dataset, r.model, r.mode, str(r.tasks), f"{r.latency_s:.3f}",
                          f"{r.speedup_vs_sync:.2f}x", str(r.extra["tokens"]),
                          _cell(r.extra.get("calls", r.extra.get("calls_per_task"))),
                          str(r.extra["interrupts"]), str(r.extra["traps"]),
                          _cell(r.extra.get("tpot_ms")), _cell(r.extra.get("model_at_tpot_s")),
                          _cell(r.extra.get("model_vs_sync"), "{:.2f}x"),
                          _cell(r.extra.get("exact_match"), "{:.0%}"),
                          _cell(r.extra.get("call_recall"), "{:.0%}"))
        console.print(table)


def _cell(value: object, fmt: str = "{}") -> str:
    return "" if value is None else fmt.format(value)
