"""`blindfold llm`: the model, one Prompt Cache prompt, or a Prompt Cache server.

torch and transformers load only when a command runs, so `blindfold --help` stays fast and works
without the `llm` extra.

`serve` speaks JSON lines on stdin/stdout, or on a Unix socket with ``--socket``; one request per
line, one answer per line:

    {"schema": "<schema name=...>...</schema>"}        -> {"schema": name, "modules": n, ...}
    {"prompt": "<prompt schema=...>...</prompt>", "max_tokens": 32}
                                                        -> {"text": ..., "ttft_s": ..., ...}
    {"stats": true}                                     -> the cache's statistics
A bad request gets {"error": "..."} and the server goes on.
"""

from __future__ import annotations

import json
import signal
import socketserver
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from emulator.errors import BlindfoldError, UsageError, exit_code_of

if TYPE_CHECKING:
    from llm.promptcache.cache import PromptCache

_SEMANTICS = click.Choice(["paper", "artifact"])


def _fail(exc: BaseException, verbose: bool) -> None:
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    msg = str(exc) if isinstance(exc, BlindfoldError) else (
        f"internal error: {exc.__class__.__name__}: {exc}; rerun with -v and report it")
    click.echo(f"blindfold: error: {msg}", err=True)
    sys.exit(exit_code_of(exc))


def _make_cache(store: Path | None, semantics: str, placement: str,
                budget_mb: float | None) -> PromptCache:
    from llm.engine import Engine
    from llm.promptcache.cache import PromptCache
    from llm.promptcache.store import FileTier, HostMemoryTier, ModuleStore
    engine = Engine.shared()
    layout = {"layers": engine.layout.layers, "kv_heads": engine.layout.kv_heads,
              "head_dim": engine.layout.head_dim}
    tier = FileTier(store, engine.fingerprint, layout) if store else HostMemoryTier()
    budget = int(budget_mb * (1 << 20)) if budget_mb else None
    return PromptCache(engine, ModuleStore(tier, budget), semantics, placement)


def _read_text(value: str, what: str) -> tuple[str, str]:
    """Inline PML or a file name -> (text, source name for errors)."""
    if value.lstrip().startswith("<"):
        return value, f"<{what}>"
    path = Path(value)
    try:
        return path.read_text(), str(path)
    except OSError as exc:
        raise UsageError(f"cannot read {what} file {value}: {exc.strerror}",
                         f"give a {what} file or inline PML") from None


@click.group()
def llm() -> None:
    """The LLM room: the model, Prompt Cache and AsyncLM."""


@llm.command("info")
@click.option("--json", "as_json", is_flag=True)
@click.option("-v", "--verbose", is_flag=True)
def info(as_json: bool, verbose: bool) -> None:
    """Load the model (converting it once per machine) and describe it."""
    try:
        import torch

        from llm.engine import Engine
        engine = Engine.shared()
    except BlindfoldError as exc:
        _fail(exc, verbose)
        return
    data = {"model": engine.files.name, "fingerprint": engine.fingerprint,
            "gguf": str(engine.files.gguf), "converted": str(engine.files.directory),
            "layers": engine.layout.layers, "kv_heads": engine.layout.kv_heads,
            "head_dim": engine.layout.head_dim,
            "kv_bytes_per_token": engine.layout.bytes_per_token,
            "threads": torch.get_num_threads()}
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        for k, v in data.items():
            click.echo(f"{k:20} {v}")


@llm.command("prompt")
@click.argument("schema")
@click.argument("prompt")
@click.option("--semantics", type=_SEMANTICS, default="paper", show_default=True,
              help="paper: modules encoded in isolation; artifact: whole-schema passes.")
@click.option("--placement", type=_SEMANTICS, default="paper", show_default=True,
              help="paper: new text after the element before it; artifact: after the schema.")
@click.option("--store", type=click.Path(path_type=Path), metavar="DIR",
              help="Keep module states in files here (reused by later runs).")
@click.option("--max-tokens", type=click.IntRange(1, 4096), default=64, show_default=True)
@click.option("--no-generation-prompt", is_flag=True,
              help="Do not open an assistant turn after the prompt.")
@click.option("--json", "as_json", is_flag=True)
@click.option("-v", "--verbose", is_flag=True)
def prompt_cmd(schema: str, prompt: str, semantics: str, placement: str, store: Path | None,
               max_tokens: int, no_generation_prompt: bool, as_json: bool,
               verbose: bool) -> None:
    """Serve one PROMPT (file or inline PML) from the modules of SCHEMA (file or inline)."""
    try:
        from llm.promptcache.pml import parse_prompt, parse_schema
        schema_text, schema_src = _read_text(schema, "schema")
        prompt_text, prompt_src = _read_text(prompt, "prompt")
        parsed_schema = parse_schema(schema_text, schema_src)
        parsed_prompt = parse_prompt(prompt_text, prompt_src)
        pc = _make_cache(store, semantics, placement, None)
        pc.add_schema(parsed_schema)
        stream = not as_json

        def echo(tok: int) -> None:
            click.echo(pc.engine.detokenize([tok]), nl=False)
        served = pc.run(parsed_prompt, max_tokens, on_token=echo if stream else None,
                        add_generation_prompt=not no_generation_prompt)
    except BlindfoldError as exc:
        _fail(exc, verbose)
        return
    result = _result(served)
    if as_json:
        click.echo(json.dumps({**result, "statistics": pc.statistics()}, indent=2))
    else:
        click.echo()
        click.echo(f"ttft {result['ttft_s'] * 1e3:.1f} ms (fetch {result['fetch_s'] * 1e3:.1f}, "
                   f"prefill {result['prefill_s'] * 1e3:.1f}); {result['cached_tokens']} cached "
                   f"+ {result['new_tokens']} new tokens; encoded {pc.encoded_tokens} tokens "
                   f"in {pc.encode_s:.2f} s", err=True)


def _result(served: Any) -> dict[str, Any]:
    return {"text": served.text, "tokens": served.tokens, "first_token": served.first_token,
            "ttft_s": served.ttft_s, "fetch_s": served.fetch_s, "prefill_s": served.prefill_s,
            "cached_tokens": served.plan.cached_tokens, "new_tokens": len(served.plan.new_ids),
            "fetched_bytes": served.fetched_bytes}


def handle(pc: PromptCache, line: str) -> dict[str, Any]:
    """One request of the serve protocol -> its answer (errors included, never raised)."""
    from llm.promptcache.pml import parse_prompt, parse_schema
    try:
        req = json.loads(line)
        if not isinstance(req, dict):
            raise ValueError("a request is a JSON object")
        if "schema" in req:
            layout = pc.add_schema(parse_schema(str(req["schema"]), "<request>"))
            return {"schema": layout.name, "modules": len(layout.modules) - 1,
                    "tokens": layout.length}
        if "prompt" in req:
            served = pc.run(parse_prompt(str(req["prompt"]), "<request>"),
                            int(req.get("max_tokens", 64)))
            return _result(served)
        if req.get("stats"):
            return pc.statistics()
        return {"error": "unknown request; send {\"schema\": ...}, {\"prompt\": ...} or "
                         "{\"stats\": true}"}
    except BlindfoldError as exc:
        return {"error": str(exc)}
    except (ValueError, TypeError) as exc:
        return {"error": f"bad request: {exc}"}


def _serve_stream(pc: PromptCache, rfile: TextIO, wfile: TextIO) -> None:
    for line in rfile:
        if line.strip():
            wfile.write(json.dumps(handle(pc, line)) + "\n")
            wfile.flush()


@llm.command("serve")
@click.option("--schema", "schemas", multiple=True, metavar="FILE",
              help="Schema to load and encode at start (repeatable).")
@click.option("--semantics", type=_SEMANTICS, default="paper", show_default=True)
@click.option("--placement", type=_SEMANTICS, default="paper", show_default=True)
@click.option("--store", type=click.Path(path_type=Path), metavar="DIR",
              help="Module states in files here (else in memory).")
@click.option("--budget-mb", type=float, default=None, help="LRU byte budget of the store.")
@click.option("--socket", "socket_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Listen on this Unix socket instead of stdin/stdout.")
@click.option("-v", "--verbose", is_flag=True)
def serve(schemas: tuple[str, ...], semantics: str, placement: str, store: Path | None,
          budget_mb: float | None, socket_path: Path | None, verbose: bool) -> None:
    """Keep the model and the module cache warm; answer JSON-lines requests."""
    try:
        from llm.promptcache.pml import parse_schema
        pc = _make_cache(store, semantics, placement, budget_mb)
        for s in schemas:
            text, src = _read_text(s, "schema")
            pc.add_schema(parse_schema(text, src))
    except BlindfoldError as exc:
        _fail(exc, verbose)
        return
    click.echo(f"blindfold llm serve: ready ({len(pc.layouts)} schemas, {semantics} semantics)",
               err=True)
    if socket_path is None:
        _serve_stream(pc, sys.stdin, sys.stdout)
        return

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                line = raw.decode("utf-8", "replace")
                if line.strip():
                    self.wfile.write((json.dumps(handle(pc, line)) + "\n").encode())
                    self.wfile.flush()

    def stop(_sig: int, _frame: object) -> None:   # SIGTERM ends it like ^C: socket removed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    socket_path.unlink(missing_ok=True)
    with socketserver.UnixStreamServer(str(socket_path), Handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            socket_path.unlink(missing_ok=True)


def _add_asynclm() -> None:
    from cli.asynclm_cmd import asynclm
    llm.add_command(asynclm)


_add_asynclm()
