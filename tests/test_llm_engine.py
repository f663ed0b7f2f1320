"""The engine on the real model: positions, masks, caches, bytes, decoding, injection."""

from __future__ import annotations

import pytest
import torch

from llm.errors import LLMError
from llm.kv import KVCache, KVLayout
from tests.llm_support import engine  # noqa: F401  (session fixture)

ATOL = 1e-3  # fp32 logits of magnitude ~20: different summation orders differ by ~3e-5


def test_tokenize_roundtrip_and_specials(engine) -> None:  # noqa: F811
    text = "Prompt modules are reused."
    ids = engine.tokenize(text)
    assert engine.detokenize(ids) == text
    assert engine.tokenize("<|im_start|>") == [1]  # ChatML markers stay single tokens
    assert engine.chat.prefix["user"] == "<|im_start|>user\n"
    assert engine.chat.suffix["user"] == "<|im_end|>\n"


def test_greedy_answer(engine) -> None:  # noqa: F811
    prompt = engine.chat.render([{"role": "user", "content": "What is the capital of France?"}])
    assert "Paris" in engine.generate(prompt, max_new_tokens=8)


def test_concatenated_caches_equal_one_masked_prefill(engine) -> None:  # noqa: F811
    a = engine.tokenize("The quick brown fox jumps over the lazy dog. " * 3)
    b = engine.tokenize("Pack my box with five dozen liquor jugs. " * 2)
    q = engine.tokenize(" Which animal jumps?")
    ca, cb = engine.new_cache(), engine.new_cache()
    engine.prefill(a, range(len(a)), ca)
    engine.prefill(b, range(len(a), len(a) + len(b)), cb)   # b encoded alone, at its positions
    joined = KVCache.concat([ca, cb])
    end = len(a) + len(b)
    cached = engine.prefill(q, range(end, end + len(q)), joined, logits="all")
    n = end + len(q)
    mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
    mask[len(a):end, :len(a)] = False                      # b never saw a
    full = engine.prefill(a + b + q, range(n), None, mask=mask, logits="all")[-len(q):]
    assert torch.allclose(cached, full, atol=ATOL)
    causal = engine.prefill(a + b + q, range(n), logits="all")[-len(q):]
    assert not torch.allclose(cached, causal, atol=ATOL)   # the mask really mattered


def test_bytes_roundtrip_per_layer_and_layout_check(engine) -> None:  # noqa: F811
    ids = engine.tokenize("Grouped-query attention keeps three KV heads.")
    cache = engine.new_cache()
    engine.prefill(ids, range(5, 5 + len(ids)), cache)
    assert cache.keys[0].shape == (3, len(ids), 64)
    assert cache.nbytes == len(ids) * 2 * 30 * 3 * 64 * 4
    k0, v0 = cache.layer_bytes(0)
    assert len(k0) == len(v0) == 3 * len(ids) * 64 * 4
    back, meta = KVCache.from_bytes(cache.to_bytes({"module": "m"}), expect=engine.layout)
    assert meta == {"module": "m"} and back.positions.tolist() == list(range(5, 5 + len(ids)))
    assert all(torch.equal(x, y) for x, y in zip(cache.values, back.values, strict=True))
    with pytest.raises(ValueError, match="does not match"):
        KVCache.from_bytes(cache.to_bytes(), expect=KVLayout(30, 9, 64))
    part = cache.select(slice(2, 4))
    assert part.positions.tolist() == [7, 8] and torch.equal(part.keys[3], cache.keys[3][:, 2:4])


def test_injection_equals_reprefill(engine) -> None:  # noqa: F811
    ids = engine.tokenize(engine.chat.render([{"role": "user", "content": "Count: one, two,"}]))
    cache = engine.new_cache()
    logits = engine.prefill(ids, range(len(ids)), cache)
    dec = engine.decode(cache, logits, max_new_tokens=3)
    first = next(dec)
    injected = engine.tokenize(" [INTR] job1 [HEAD] 42 [END]")
    dec.inject(injected)
    second = next(dec)
    ref = engine.prefill(ids + [first] + injected, range(len(ids) + 1 + len(injected)))
    assert second == int(torch.argmax(ref))
    assert torch.allclose(dec.logits, ref, atol=ATOL)
    assert len(dec.cache) == len(ids) + 1 + len(injected)   # never rewound


def test_logits_hook_and_bad_input(engine) -> None:  # noqa: F811
    ids = engine.tokenize("Hello")
    cache = engine.new_cache()
    logits = engine.prefill(ids, [0], cache)
    banned = int(torch.argmax(logits))

    def ban(lg: torch.Tensor, _gen: object) -> torch.Tensor:
        lg = lg.clone()
        lg[banned] = float("-inf")
        return lg
    assert next(engine.decode(cache, logits, logits_hook=ban)) != banned
    with pytest.raises(LLMError, match="position ids"):
        engine.prefill(ids, [0, 1], engine.new_cache())
    with pytest.raises(LLMError, match="mask shape"):
        engine.prefill(ids, [0], engine.new_cache(), mask=torch.ones(2, 2, dtype=torch.bool))


def test_chunked_prefill_equals_one_forward(engine) -> None:  # noqa: F811
    ids = engine.tokenize("Chunks bound the attention matrix while encoding long modules.")
    whole = engine.prefill(ids, range(len(ids)), logits="all")
    cache = engine.new_cache()
    chunked = engine.prefill(ids, range(len(ids)), cache, logits="all", chunk=4)
    assert torch.allclose(whole, chunked, atol=ATOL) and len(cache) == len(ids)
    n = len(ids)
    with pytest.raises(LLMError, match="later chunk"):
        engine.prefill(ids, range(n), mask=torch.ones(n, n, dtype=torch.bool), chunk=4)
