"""The inference engine: one small API over SmolLM2 in transformers, on torch's CPU build.

Everything Prompt Cache and AsyncLM need, and nothing hidden:

- :meth:`Engine.shared` loads the model once per process (converting the GGUF once per machine);
- :meth:`Engine.tokenize` / :meth:`Engine.detokenize` and :attr:`Engine.chat` (the chat template);
- :meth:`Engine.prefill` runs new tokens with **explicit** position ids and an **explicit**
  attention mask on top of a :class:`~llm.kv.KVCache`, extending it in place;
- :meth:`Engine.decode` is a greedy, step-by-step generator (:class:`~llm.decode.GreedyDecoder`)
  with a logits hook and token injection.

Why explicit masks always: transformers 5.x builds a block-diagonal "packed sequence" mask by
itself when position ids jump and no mask or cache is given, which would silently change what
attends to what. We therefore always pass a 4-D additive mask, which it uses as-is.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llm.errors import LLMError, ModelUnavailable
from llm.weights import INSTALL_HINT, ModelFiles, ensure_converted, offline

offline()
try:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache
except ImportError as exc:  # the extra is not installed: say how to get it
    raise ModelUnavailable(f"the LLM libraries are missing ({exc.name})", INSTALL_HINT) from exc

from llm.chat import ChatTemplate  # noqa: E402
from llm.decode import GreedyDecoder, LogitsHook  # noqa: E402
from llm.kv import KVCache, KVLayout  # noqa: E402

log = logging.getLogger(__name__)

__all__ = ["Engine", "default_threads"]

THREADS_ENV = "BLINDFOLD_LLM_THREADS"
_shared: dict[Path, Engine] = {}
_shared_lock = threading.Lock()


def default_threads() -> int:
    """$BLINDFOLD_LLM_THREADS, else 2 on an idle machine and 1 under load.

    On two shared cores, two OpenMP threads run 3-4x slower than one as soon as anything else is
    busy (barrier stalls), so we only take the second core when the machine is quiet.
    """
    env = os.environ.get(THREADS_ENV)
    if env:
        return max(1, int(env))
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return min(2, cpus) if load < 0.5 else 1


class Engine:
    """A loaded causal LM with its tokenizer; stateless apart from the weights."""

    def __init__(self, model: Any, tokenizer: Any, files: ModelFiles) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.files = files
        cfg = model.config
        self.config = cfg
        self.layout = KVLayout(cfg.num_hidden_layers, cfg.num_key_value_heads,
                               getattr(cfg, "head_dim", None)
                               or cfg.hidden_size // cfg.num_attention_heads, "float32")
        self.chat = ChatTemplate.from_tokenizer(tokenizer)
        self.eos_ids: frozenset[int] = frozenset(
            i for i in (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>"),
                        tokenizer.convert_tokens_to_ids("<|endoftext|>"))
            if isinstance(i, int) and i >= 0)
        self.unk_id: int = int(tokenizer.unk_token_id if tokenizer.unk_token_id is not None
                               else 0)
        self.vocab_size: int = int(cfg.vocab_size)

    # --- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, cache_dir: Path | None = None, threads: int | None = None) -> Engine:
        """Load a fresh engine (convert the GGUF first if this machine never did)."""
        torch.set_num_threads(threads or default_threads())
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()   # stderr is the user's: no loading bars on it
        files = ensure_converted(cache_dir)
        model = AutoModelForCausalLM.from_pretrained(str(files.directory), dtype=torch.float32,
                                                     attn_implementation="sdpa")
        model.eval()
        tokenizer = AutoTokenizer.from_pretrained(str(files.directory))
        log.info("loaded %s from %s", files.name, files.directory)
        return cls(model, tokenizer, files)

    @classmethod
    def shared(cls, cache_dir: Path | None = None, threads: int | None = None) -> Engine:
        """The process-wide engine for this cache directory (loaded on first use)."""
        from llm.weights import cache_root
        key = (cache_dir or cache_root()).resolve()
        with _shared_lock:
            if key not in _shared:
                _shared[key] = cls.load(cache_dir, threads)
            elif threads:
                torch.set_num_threads(threads)
            return _shared[key]

    @property
    def fingerprint(self) -> str:
        """Identity of the weights (GGUF SHA-256): module stores record it and check it."""
        return self.files.fingerprint

    # --- text ------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text``; special tokens written in it (``<|im_start|>``) stay single."""
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def detokenize(self, ids: Sequence[int], skip_special: bool = False) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=skip_special))

    # --- caches and masks ------------------------------------------------------------------
    def new_cache(self) -> KVCache:
        return KVCache(self.layout)

    @staticmethod
    def causal_mask(past: int, new: int) -> torch.Tensor:
        """The default visibility: every new token sees all of ``past`` and earlier new tokens."""
        mask = torch.ones(new, past + new, dtype=torch.bool)
        mask[:, past:] = torch.tril(torch.ones(new, new, dtype=torch.bool))
        return mask

    # --- forward ---------------------------------------------------------------------------
    @torch.inference_mode()
    def prefill(self, ids: Sequence[int] | torch.Tensor, positions: Sequence[int] | torch.Tensor,
                cache: KVCache | None = None, mask: torch.Tensor | None = None,
                logits: str | int = "last", chunk: int | None = None) -> torch.Tensor:
        """Run ``ids`` at ``positions`` on top of ``cache`` (extended in place); return logits.

        ``mask`` is boolean ``[len(ids), len(cache) + len(ids)]`` (True: may attend), over the
        cache's slots followed by the new tokens; None means :meth:`causal_mask`. ``logits`` is
        "last" (shape ``[vocab]``), "all" (``[n, vocab]``) or an int k (the last k rows).
        ``chunk`` bounds the tokens per forward (memory); the mask must then not let a token see
        a later chunk.
        """
        ids_t = torch.as_tensor(ids, dtype=torch.long).reshape(1, -1)
        pos_t = torch.as_tensor(positions, dtype=torch.long).reshape(1, -1)
        n = ids_t.shape[1]
        if n == 0:
            raise LLMError("prefill needs at least one token")
        if pos_t.shape[1] != n:
            raise LLMError(f"{n} tokens but {pos_t.shape[1]} position ids")
        if cache is None:
            cache = self.new_cache()
        past = len(cache)
        if mask is None:
            mask = self.causal_mask(past, n)
        if tuple(mask.shape) != (n, past + n):
            raise LLMError(f"mask shape {tuple(mask.shape)} is not ({n}, {past + n})")
        if not bool(mask.any(dim=1).all()):
            raise LLMError("a token in the mask attends to nothing")
        if chunk and n > chunk:
            parts = []
            for lo in range(0, n, chunk):
                hi = min(n, lo + chunk)
                if bool(mask[lo:hi, past + hi:].any()):
                    raise LLMError("a chunked prefill's mask lets a token see a later chunk")
                want = "last" if logits == "last" else "all"
                out = self.prefill(ids_t[0, lo:hi], pos_t[0, lo:hi], cache,
                                   mask[lo:hi, :past + hi], logits=want)
                parts.append(out)
            if logits == "last":
                return parts[-1]
            every = torch.cat(parts)
            return every if logits == "all" else every[-int(logits):]
        additive = torch.zeros(mask.shape, dtype=torch.float32)
        additive.masked_fill_(~mask.to(torch.bool), torch.finfo(torch.float32).min)
        hf_cache = self._to_hf(cache)
        keep = {"last": 1, "all": 0}.get(logits, logits) if isinstance(logits, str) else logits
        out = self.model(input_ids=ids_t, position_ids=pos_t, attention_mask=additive[None, None],
                         cache=hf_cache, use_cache=True, logits_to_keep=keep)
        cache.keys = [layer.keys[0] for layer in hf_cache.layers]
        cache.values = [layer.values[0] for layer in hf_cache.layers]
        cache.positions = torch.cat([cache.positions, pos_t[0]])
        result = out.logits[0].float()
        return result[-1] if logits == "last" else result

    def _to_hf(self, cache: KVCache) -> Any:
        """A transformers DynamicCache viewing our tensors (no copy)."""
        hf = DynamicCache(config=self.config)
        if len(cache):
            for layer, k, v in zip(hf.layers, cache.keys, cache.values, strict=True):
                layer.lazy_initialization(k[None], v[None])
                layer.keys, layer.values = k[None], v[None]
        return hf

    def decode(self, cache: KVCache, logits: torch.Tensor, max_new_tokens: int = 64,
               stop_ids: frozenset[int] | None = None, logits_hook: LogitsHook | None = None,
               next_position: int | None = None) -> GreedyDecoder:
        """A greedy decoder continuing from ``logits`` (the last prefill's) on ``cache``."""
        return GreedyDecoder(self, cache, logits, max_new_tokens,
                             self.eos_ids if stop_ids is None else stop_ids, logits_hook,
                             cache.next_position() if next_position is None else next_position)

    def generate(self, text: str, max_new_tokens: int = 64,
                 on_token: Callable[[int], None] | None = None) -> str:
        """Plain greedy completion of ``text`` from position 0 (a convenience)."""
        ids = self.tokenize(text)
        cache = self.new_cache()
        logits = self.prefill(ids, range(len(ids)), cache)
        out: list[int] = []
        for tok in self.decode(cache, logits, max_new_tokens):
            out.append(tok)
            if on_token:
                on_token(tok)
        return self.detokenize(out, skip_special=True)
