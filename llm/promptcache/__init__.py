"""Prompt Cache (Gim et al., MLSys'24): modular attention reuse.

- :mod:`.pml` parses schemas and prompts; :mod:`.builder` builds them from Python;
- :mod:`.layout` fixes every module's positions; :mod:`.encode` computes module states in the
  paper's per-module isolation or the authors' whole-schema semantics;
- :mod:`.plan` turns a prompt into cached slots, new tokens, positions and a mask;
- :mod:`.cache` serves prompts (:class:`~llm.promptcache.cache.PromptCache`);
- :mod:`.store` keeps module states in tiers (memory, memory-mapped files) with statistics.

Only :mod:`.pml` and :mod:`.builder` are importable without torch.
"""
