"""Errors of the LLM room, on the project's one error hierarchy (one line, a hint, an exit code)."""

from __future__ import annotations

from typing import ClassVar

from emulator.errors import BlindfoldError, ConfigError

__all__ = ["ModelUnavailable", "LLMError", "PMLError", "PromptError", "StoreMismatch"]


class LLMError(BlindfoldError):
    """Something the LLM room cannot do with the input it was given."""


class ModelUnavailable(LLMError):
    """The model's weights or its libraries are not installed."""

    exit_code: ClassVar[int] = 3


class PMLError(ConfigError):
    """Malformed or invalid PML: carries the file, the line and what is wrong."""

    def __init__(self, source: str, line: int | None, problem: str, hint: str = "") -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}", hint)


class PromptError(PMLError):
    """A prompt that does not fit its schema (unknown module, argument too long, ...)."""


class StoreMismatch(LLMError):
    """A module store written for another model, format or schema."""

    exit_code: ClassVar[int] = 3
