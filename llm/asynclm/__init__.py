"""AsyncLM: interruptible, asynchronous function calling on the engine (arXiv 2412.07017).

- :mod:`~llm.asynclm.cml` the markup; :mod:`~llm.asynclm.monitor` the token monitor;
- :mod:`~llm.asynclm.executor` concurrent calls; :mod:`~llm.asynclm.interrupts` the interrupt
  manager and trap handler; :mod:`~llm.asynclm.runtime` the decoding loop in four modes;
- :mod:`~llm.asynclm.bfcl` tasks and backends; :mod:`~llm.asynclm.ast_match` the checker;
- :mod:`~llm.asynclm.latency_model`, :mod:`~llm.asynclm.simulate` the paper's model and a scripted
  model for it; :mod:`~llm.asynclm.train` fine-tuning; :mod:`~llm.asynclm.guest_tools` tools that
  are AArch64 programs run by Blindfold.
"""
