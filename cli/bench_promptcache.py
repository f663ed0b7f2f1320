"""`blindfold bench promptcache`: TTFT, accuracy and memory of Prompt Cache, measured in one run.

torch loads only when the command runs.
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from emulator.errors import BlindfoldError, UsageError, exit_code_of


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise UsageError(f"--sizes {value!r} is not a comma-separated list of token counts",
                         "e.g. --sizes 512,2048") from None
    if not sizes or min(sizes) < 16:
        raise UsageError("--sizes needs token counts of at least 16")
    return sizes


@click.command("promptcache")
@click.option("--sizes", default="512,1024,2048,4096,6144", show_default=True,
              help="Document sizes in tokens for the TTFT table.")
@click.option("--repeats", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--prompts", "n_prompts", type=click.IntRange(0, 15), default=12,
              show_default=True, help="QA prompts for the accuracy table (0: skip it).")
@click.option("--max-new-tokens", type=click.IntRange(1, 256), default=24, show_default=True)
@click.option("--quick", is_flag=True,
              help="A small run (one 128-token document, one short prompt, two modes) "
                   "to check the set-up.")
@click.option("--json", "as_json", is_flag=True)
def promptcache(sizes: str, repeats: int, n_prompts: int, max_new_tokens: int, quick: bool,
                as_json: bool) -> None:
    """Prompt Cache vs full prefill on SmolLM2-135M: TTFT per store tier, accuracy per
    encoding semantics, memory per cached token."""
    try:
        from llm.engine import Engine
        from llm.promptcache import bench
        size_list = (128,) if quick else _sizes(sizes)
        modes = bench.MODES[:2] if quick else bench.MODES
        engine = Engine.shared()
        console = Console(stderr=True)
        with console.status("") as status:
            data = bench.run(engine, size_list, 1 if quick else repeats,
                             1 if quick else n_prompts, modes,
                             4 if quick else max_new_tokens,
                             progress=lambda msg: status.update(msg),
                             doc_tokens=64 if quick else 320)
    except BlindfoldError as exc:
        click.echo(f"blindfold: error: {exc}", err=True)
        sys.exit(exit_code_of(exc))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    render(data, Console())


def render(data: dict, console: Console) -> None:  # type: ignore[type-arg]
    tiers = list(data["ttft"][0]["tiers"]) if data["ttft"] else []
    t = Table(title=f"TTFT: full prefill vs Prompt Cache ({data['threads']} thread(s), CPU)",
              show_edge=False)
    for col in ("prompt tokens", "cached", "full prefill", "encode (once)"):
        t.add_column(col, justify="right")
    for tier in tiers:
        t.add_column(f"cached: {tier}", justify="right")
        t.add_column("speed-up", justify="right")
    for row in data["ttft"]:
        cells = [str(row["tokens"]), str(row["cached_tokens"]), f"{row['full_s'] * 1e3:,.0f} ms",
                 f"{row['encode_s'] * 1e3:,.0f} ms"]
        for tier in tiers:
            c = row["tiers"][tier]
            mark = "" if c["first_token_agrees"] else " *"
            fetch = (f"modelled fetch {c['modelled_fetch_s'] * 1e3:.2f}"
                     if c.get("modelled_fetch_s") else f"fetch {c['fetch_s'] * 1e3:.1f}")
            cells += [f"{c['ttft_s'] * 1e3:,.1f} ms ({fetch}){mark}",
                      f"{row['full_s'] / c['ttft_s']:.1f}x"]
        t.add_row(*cells)
    console.print(t)
    if data["accuracy"]:
        a = Table(title="accuracy: cached greedy answers vs full prefill (same prompt text)",
                  show_edge=False)
        for col in ("semantics", "placement", "prompts", "first token", "exact match",
                    "F1 vs full", "F1 gold: full", "F1 gold: cached", "bytes/token"):
            a.add_column(col, justify="right" if col not in ("semantics", "placement") else "left")
        for r in data["accuracy"]:
            a.add_row(r["semantics"], r["placement"], str(r["prompts"]),
                      f"{r['first_token_agreement']:.0%}", f"{r['exact_match']:.0%}",
                      f"{r['f1_vs_full']:.2f}", f"{r['f1_gold_full']:.2f}",
                      f"{r['f1_gold_cached']:.2f}", f"{r['bytes_per_cached_token']:,.0f}")
        console.print(a)
    m = data["memory"]
    console.print(f"memory per cached token: stored {m['stored_fp32_gqa']:,.0f} B (fp32, GQA); "
                  f"paper's Table 2 formula 2·layers·hidden·2 B = {m['paper_formula_fp16']:,} B; "
                  f"GQA-aware fp16 {m['gqa_fp16']:,} B")
