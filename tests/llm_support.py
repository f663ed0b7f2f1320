"""Shared helpers for the LLM tests: one engine per test process, on one thread.

The engine is process-wide (:meth:`llm.engine.Engine.shared`), so every LLM test module that asks
for it gets the same loaded model; only the first pays the load.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLINDFOLD_LLM_THREADS", "1")  # the suite shares two cores


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    from llm.engine import Engine
    return Engine.shared(threads=1)
