"""Prompt Cache measured side by side in one run: TTFT, accuracy, memory per cached token.

- **TTFT**: one document module of 0.5K-6K tokens plus a question. Full prefill (the whole
  prompt through the model) against cached serving (fetch the stored states, prefill only the
  question) from each store tier. Encoding time is reported apart, as in the paper.
- **Accuracy**: prompts that import two of six documents and ask about one of them; greedy answers
  served from the cache are compared with the full-prefill answers of the same prompt text
  (first-token agreement, exact match, token F1), and both against the document's opening
  sentence, for each encoding semantics and text placement.
- **Memory**: stored bytes per cached token against the paper's Table 2 formula.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from llm.promptcache.builder import PromptBuilder, SchemaBuilder
from llm.promptcache.cache import PromptCache
from llm.promptcache.documents import f1, normalize, topics
from llm.promptcache.layout import lay_out
from llm.promptcache.plan import Plan, plan_prompt
from llm.promptcache.store import FileTier, HostMemoryTier, ModuleStore

if TYPE_CHECKING:
    from llm.engine import Engine

__all__ = ["AccuracyRow", "TTFTRow", "run"]

SIZES = (512, 1024, 2048, 4096, 6144)
MODES = (("paper", "paper"), ("artifact", "artifact"), ("paper", "artifact"),
         ("artifact", "paper"))
SYSTEM = "Answer the question using the documents."

Progress = Callable[[str], None]


@dataclass
class CachedTiming:
    ttft_s: float
    fetch_s: float
    prefill_s: float
    fetched_bytes: int
    first_token_agrees: bool
    modelled_fetch_s: float = 0.0     # rack tier: the fetch as charged on the modelled network


@dataclass
class TTFTRow:
    tokens: int               # prompt tokens in total
    cached_tokens: int        # of which come from the store
    full_s: float
    encode_s: float
    tiers: dict[str, CachedTiming] = field(default_factory=dict)


@dataclass
class AccuracyRow:
    semantics: str
    placement: str
    prompts: int
    first_token_agreement: float
    exact_match: float        # cached answer == full-prefill answer (normalized)
    f1_vs_full: float
    f1_gold_full: float       # full-prefill answer vs the document's opening sentence
    f1_gold_cached: float
    bytes_per_cached_token: float


def _document(engine: Engine, n_tokens: int, offset: int) -> str:
    """About ``n_tokens`` of reference-manual prose starting at topic ``offset``."""
    all_topics = topics()
    ids: list[int] = []
    i = offset
    while len(ids) < n_tokens:
        t = all_topics[i % len(all_topics)]
        ids += engine.tokenize(f"{t.title}\n{t.body}\n\n")
        i += 1
    return engine.detokenize(ids[:n_tokens])


def _full_tokens(plan: Plan) -> list[int]:
    """The same prompt as one ordinary token sequence (what runs without Prompt Cache)."""
    return [t for e in plan.entries for t in e.tokens]


def _timed_full_prefill(engine: Engine, ids: list[int]) -> tuple[float, int]:
    cache = engine.new_cache()
    start = time.perf_counter()
    logits = engine.prefill(ids, range(len(ids)), cache)
    first = int(torch.argmax(logits))
    return time.perf_counter() - start, first


def _tiers(workdir: Path, engine: Engine) -> dict[str, Callable[[], ModuleStore]]:
    layout = {"layers": engine.layout.layers, "kv_heads": engine.layout.kv_heads,
              "head_dim": engine.layout.head_dim}
    tiers: dict[str, Callable[[], ModuleStore]] = {
        "memory": lambda: ModuleStore(HostMemoryTier()),
        "file": lambda: ModuleStore(FileTier(workdir / "store", engine.fingerprint, layout)),
    }
    if rack_available():
        from llm.promptcache.rack_tier import RackTier
        tiers["rack"] = lambda: ModuleStore(RackTier())
    return tiers


def rack_available() -> bool:
    """Whether this checkout has the rack (emulator.rack) for the memory-blade tier."""
    import importlib.util
    return importlib.util.find_spec("emulator.rack") is not None


def run_ttft(engine: Engine, sizes: tuple[int, ...] = SIZES, repeats: int = 3,
             progress: Progress | None = None, workdir: Path | None = None) -> list[TTFTRow]:
    rows: list[TTFTRow] = []
    with tempfile.TemporaryDirectory(prefix="promptcache-") as tmp:
        tiers = _tiers(Path(workdir or tmp), engine)
        for n in sizes:
            b = SchemaBuilder(f"doc{n}")
            with b.role("system"):
                b.text(SYSTEM)
            with b.role("user"):
                with b.module("document"):
                    b.text(_document(engine, n, offset=n % 79))
            schema = b.build()
            prompt = PromptBuilder(schema.name).use("document").user(
                "What is the first statement described in the document?").build()
            row: TTFTRow | None = None
            first_store: ModuleStore | None = None
            for tier_name, make in tiers.items():
                store = make()
                if first_store is not None:   # encode once; the other tiers get copies
                    for key in list(first_store.tier.sizes()):
                        store.put(key, bytes(first_store.tier.read(key) or b""))
                first_store = first_store or store
                pc = PromptCache(engine, store, "paper", "paper")
                pc.add_schema(schema)
                if row is None:
                    plan = plan_prompt(pc.layouts[schema.name], prompt, engine)
                    ids = _full_tokens(plan)
                    if progress:
                        progress(f"TTFT {n}: full prefill of {len(ids)} tokens")
                    full_runs = [_timed_full_prefill(engine, ids)
                                 for _ in range(1 if n > 1024 else repeats)]
                    full_first = full_runs[0][1]
                    row = TTFTRow(len(ids), plan.cached_tokens,
                                  statistics.median(r[0] for r in full_runs), pc.encode_s)
                if progress:
                    progress(f"TTFT {n}: cached from {tier_name}")
                # The rack tier's reads are simulated packet by packet: one is enough there.
                reps = 1 if tier_name == "rack" and n > 1024 else repeats
                served = [pc.serve(prompt) for _ in range(reps)]
                best = sorted(served, key=lambda s: s.ttft_s)[len(served) // 2]
                row.tiers[tier_name] = CachedTiming(best.ttft_s, best.fetch_s, best.prefill_s,
                                                    best.fetched_bytes,
                                                    best.first_token == full_first,
                                                    best.modelled_fetch_s)
            assert row is not None
            rows.append(row)
    return rows


def _qa_schema(engine: Engine, n_docs: int, doc_tokens: int) -> tuple[Any, list[Any]]:
    picked = topics()[::max(1, 79 // n_docs)][:n_docs]
    b = SchemaBuilder("qa")
    with b.role("system"):
        b.text(SYSTEM)
    with b.role("user"):
        for t in picked:
            with b.module(f"doc-{t.key}"):
                ids = engine.tokenize(f"Document: {t.title}\n{t.body}")[:doc_tokens]
                b.text(engine.detokenize(ids) + "\n\n")
    return b.build(), picked


def _answer(engine: Engine, cache: Any, logits: torch.Tensor, next_position: int,
            max_new_tokens: int) -> tuple[int, str]:
    out: list[int] = []
    for tok in engine.decode(cache, logits, max_new_tokens, next_position=next_position):
        if tok in engine.eos_ids:
            break
        out.append(tok)
    first = out[0] if out else int(torch.argmax(logits))
    return first, engine.detokenize(out, skip_special=True).strip()


def run_accuracy(engine: Engine, n_prompts: int = 12, n_docs: int = 6, doc_tokens: int = 320,
                 max_new_tokens: int = 24, modes: tuple[tuple[str, str], ...] = MODES,
                 progress: Progress | None = None) -> list[AccuracyRow]:
    schema, picked = _qa_schema(engine, n_docs, doc_tokens)
    pairs = [(i, j) for i in range(n_docs) for j in range(i + 1, n_docs)]
    prompts = []
    for k in range(n_prompts):
        i, j = pairs[(k * 7) % len(pairs)]
        asked = picked[i if k % 2 == 0 else j]
        question = (f'What does the document titled "{asked.title}" say first? '
                    "Answer with one sentence.")
        p = PromptBuilder("qa").use(f"doc-{picked[i].key}").use(f"doc-{picked[j].key}")
        prompts.append((p.user(question).build(), asked.first_sentence))
    # Full-prefill answers once: the same prompt text as an ordinary contiguous sequence.
    layout = lay_out(schema, engine)
    full: list[tuple[int, str]] = []
    for n, (prompt, _) in enumerate(prompts):
        if progress:
            progress(f"accuracy: full prefill {n + 1}/{len(prompts)}")
        ids = _full_tokens(plan_prompt(layout, prompt, engine))
        cache = engine.new_cache()
        logits = engine.prefill(ids, range(len(ids)), cache)
        full.append(_answer(engine, cache, logits, len(ids), max_new_tokens))
    rows: list[AccuracyRow] = []
    for semantics, placement in modes:
        pc = PromptCache(engine, ModuleStore(HostMemoryTier()), semantics, placement)
        pc.add_schema(schema)
        agree = em = 0
        f1s: list[float] = []
        gold_full: list[float] = []
        gold_cached: list[float] = []
        cached_tokens = 0
        for n, (prompt, gold) in enumerate(prompts):
            if progress:
                progress(f"accuracy: {semantics}/{placement} {n + 1}/{len(prompts)}")
            s = pc.serve(prompt)
            cached_tokens = max(cached_tokens, s.plan.cached_tokens)
            first, text = _answer(engine, s.cache, s.logits, s.plan.next_position,
                                  max_new_tokens)
            agree += first == full[n][0]
            em += normalize(text) == normalize(full[n][1])
            f1s.append(f1(text, full[n][1]))
            gold_full.append(f1(full[n][1], gold))
            gold_cached.append(f1(text, gold))
        stats = pc.store.stats
        total_tokens = sum(len(p.tokens) for p in pc.layouts["qa"].pieces)
        rows.append(AccuracyRow(semantics, placement, len(prompts), agree / len(prompts),
                                em / len(prompts), statistics.mean(f1s),
                                statistics.mean(gold_full), statistics.mean(gold_cached),
                                stats.resident_bytes / max(1, total_tokens)))
    return rows


def memory_formula(engine: Engine) -> dict[str, float]:
    """The paper's Table 2 formula and the GQA-aware forms, bytes per token."""
    cfg = engine.config
    layers, hidden = cfg.num_hidden_layers, cfg.hidden_size
    kv = engine.layout.kv_heads * engine.layout.head_dim
    return {"paper_formula_fp16": 2 * layers * hidden * 2,      # 2 (K,V) x layers x hidden x 2 B
            "gqa_fp16": 2 * layers * kv * 2,
            "stored_fp32_gqa": float(engine.layout.bytes_per_token)}


def run(engine: Engine, sizes: tuple[int, ...] = SIZES, repeats: int = 3, n_prompts: int = 12,
        modes: tuple[tuple[str, str], ...] = MODES, max_new_tokens: int = 24,
        progress: Progress | None = None, doc_tokens: int = 320) -> dict[str, Any]:
    ttft = run_ttft(engine, sizes, repeats, progress)
    acc = run_accuracy(engine, n_prompts=n_prompts, doc_tokens=doc_tokens, modes=modes,
                       max_new_tokens=max_new_tokens, progress=progress) if n_prompts else []
    return {"model": engine.fingerprint, "threads": torch.get_num_threads(),
            "ttft": [asdict(r) for r in ttft], "accuracy": [asdict(r) for r in acc],
            "memory": memory_formula(engine)}
