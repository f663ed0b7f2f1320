"""Module store tiers: LRU under a byte budget, statistics, files across processes, model check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from llm.errors import StoreMismatch
from llm.promptcache.cache import PromptCache
from llm.promptcache.pml import parse_prompt, parse_schema
from llm.promptcache.store import FileTier, HostMemoryTier, ModuleStore
from tests.llm_support import engine  # noqa: F401  (session fixture)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = """<schema name="faq"><system>Answer briefly.</system><user>
<module name="lists">A list is a mutable sequence of items.</module>
<module name="dicts">A dict maps keys to values.</module></user></schema>"""
PROMPT = '<prompt schema="faq"><dicts/><user>What does a dict map?</user></prompt>'
LAYOUT = {"layers": 30, "kv_heads": 3, "head_dim": 64}


@pytest.mark.parametrize("make", [lambda p: HostMemoryTier(),
                                  lambda p: FileTier(p, "model-A", LAYOUT)], ids=["memory", "file"])
def test_lru_eviction_under_a_byte_budget(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    store = ModuleStore(make(tmp_path), budget_bytes=250)
    store.put("a", b"x" * 100)
    store.put("b", b"y" * 100)
    assert bytes(store.get("a") or b"") == b"x" * 100       # a is now the most recent
    store.put("c", b"z" * 100)                              # evicts b, the least recent
    assert "b" not in store and store.get("b") is None
    s = store.stats
    assert (s.hits, s.misses, s.evictions, s.evicted_bytes) == (1, 1, 1, 100)
    assert (s.bytes_in, s.bytes_out, s.resident_bytes, s.modules) == (300, 100, 200, 2)
    with pytest.raises(StoreMismatch, match="does not fit"):
        store.put("huge", b"0" * 300)


def test_file_store_refuses_another_model(tmp_path: Path) -> None:
    FileTier(tmp_path, "model-A", LAYOUT).write("k", b"data")
    with pytest.raises(StoreMismatch, match="made for another model"):
        FileTier(tmp_path, "model-B", LAYOUT)
    with pytest.raises(StoreMismatch, match="another model"):
        FileTier(tmp_path, "model-A", {**LAYOUT, "kv_heads": 9})
    reopened = ModuleStore(FileTier(tmp_path, "model-A", LAYOUT))
    assert reopened.stats.modules == 1 and bytes(reopened.get("k") or b"") == b"data"


def test_engine_store_refused_for_a_tampered_module(engine, tmp_path: Path) -> None:  # noqa: F811
    tier = FileTier(tmp_path, engine.fingerprint, LAYOUT)
    pc = PromptCache(engine, ModuleStore(tier))
    pc.add_schema(parse_schema(SCHEMA))
    key = pc.key(pc.layouts["faq"], ("dicts",))
    from llm.kv import KVCache
    cache, meta = KVCache.from_bytes(bytes(tier.read(key) or b""))
    tier.write(key, cache.to_bytes({**meta, "model": "SmolLM2-135M:sha256:other"}))
    with pytest.raises(StoreMismatch, match="another model or schema"):
        pc.serve(parse_prompt(PROMPT))


def test_file_store_round_trips_across_processes(engine, tmp_path: Path) -> None:  # noqa: F811
    store_dir = tmp_path / "store"
    pc = PromptCache(engine, ModuleStore(FileTier(store_dir, engine.fingerprint, LAYOUT)))
    pc.add_schema(parse_schema(SCHEMA))
    here = pc.serve(parse_prompt(PROMPT))
    assert pc.encoded_tokens > 0
    script = textwrap.dedent(f"""
        import json
        from llm.engine import Engine
        from llm.promptcache.cache import PromptCache
        from llm.promptcache.pml import parse_prompt, parse_schema
        from llm.promptcache.store import FileTier, ModuleStore
        e = Engine.shared(threads=1)
        store = ModuleStore(FileTier({str(store_dir)!r}, e.fingerprint, {LAYOUT!r}))
        pc = PromptCache(e, store)
        pc.add_schema(parse_schema({SCHEMA!r}))
        s = pc.serve(parse_prompt({PROMPT!r}))
        print(json.dumps({{"encoded": pc.encoded_tokens, "first": s.first_token,
                          "logits": s.logits[:64].tolist(), "stats": store.statistics()}}))
    """)
    env = {**os.environ, "BLINDFOLD_LLM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    there = json.loads(out.stdout.strip().splitlines()[-1])
    assert there["encoded"] == 0                      # nothing re-encoded: all read from files
    assert there["stats"]["hits"] == 2 and there["stats"]["bytes_out"] > 0
    assert there["first"] == here.first_token
    assert torch.allclose(torch.tensor(there["logits"]), here.logits[:64], atol=1e-4)
