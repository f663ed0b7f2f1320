"""CML, AsyncLM's context markup: calls, interrupts and traps as blocks in the token stream.

    [CALL] id [HEAD] call [END]      the model asks for a call (``id [HEAD]`` optional)
    [INTR] id [HEAD] value [END]     the runtime delivers a result (the model never writes one)
    [TRAP][END]                      the model has nothing to do until a result arrives

Each marker is one token. SmolLM2's vocabulary has spare single-token specials that its chat
model never emits in conversation (``<repo_name>``, ``<file_sep>``, ...), so we give them the
marker roles instead of growing the embedding matrix: a LoRA adapter can then teach the markers
without new embeddings, and the token monitor reasons about whole tokens, never about BPE pieces.
The text form (``[CALL]`` ...) is what people read; :class:`CmlCodec` converts both ways.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

__all__ = ["Marker", "MARKER_TOKENS", "CmlCodec", "CallBlock", "Interrupt", "TokenizerLike",
           "format_interrupt", "format_call", "TRAP_TEXT", "parse_calls"]


class Marker(Enum):
    CALL = "[CALL]"
    HEAD = "[HEAD]"
    END = "[END]"
    INTR = "[INTR]"
    TRAP = "[TRAP]"


# The spare special token that plays each marker (single ids in SmolLM2's vocabulary).
MARKER_TOKENS: dict[Marker, str] = {
    Marker.CALL: "<repo_name>",
    Marker.HEAD: "<file_sep>",
    Marker.END: "<filename>",
    Marker.INTR: "<gh_stars>",
    Marker.TRAP: "<issue_start>",
}

TRAP_TEXT = "[TRAP][END]"
_MARKER_RE = re.compile("|".join(re.escape(m.value) for m in Marker))
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class TokenizerLike(Protocol):
    def tokenize(self, text: str) -> list[int]: ...
    def detokenize(self, ids: Sequence[int], skip_special: bool = False) -> str: ...
    def token_id(self, token: str) -> int: ...


@dataclass(frozen=True)
class CallBlock:
    """A completed ``[CALL]`` block: its identifier (may be empty) and its Python call text."""

    call_id: str
    body: str


@dataclass(frozen=True)
class Interrupt:
    """A value the runtime hands back: a call's result or an outside event (a user's new task)."""

    call_id: str
    value: str


def format_call(call_id: str, body: str) -> str:
    return f"[CALL] {call_id} [HEAD] {body} [END]" if call_id else f"[CALL] {body} [END]"


def format_interrupt(intr: Interrupt) -> str:
    return f"[INTR] {intr.call_id} [HEAD] {intr.value} [END]"


def parse_calls(text: str) -> list[CallBlock]:
    """Every complete ``[CALL]`` block in a text (for checking and for the naive baseline)."""
    out: list[CallBlock] = []
    for m in re.finditer(r"\[CALL\](.*?)\[END\]", text, flags=re.S):
        inner = m.group(1)
        if "[HEAD]" in inner:
            ident, _, body = inner.partition("[HEAD]")
            out.append(CallBlock(ident.strip(), body.strip()))
        else:
            out.append(CallBlock("", inner.strip()))
    return out


def valid_identifier(name: str) -> bool:
    return bool(_IDENT_RE.match(name))


class CmlCodec:
    """Text with CML markers <-> token ids with one id per marker."""

    def __init__(self, tokenizer: TokenizerLike) -> None:
        self.tokenizer = tokenizer
        self.ids: dict[Marker, int] = {}
        for marker, token in MARKER_TOKENS.items():
            tid = tokenizer.token_id(token)
            if tid < 0:
                raise ValueError(f"the tokenizer has no single token {token} for {marker.value}")
            self.ids[marker] = tid
        self.marker_of: dict[int, Marker] = {v: k for k, v in self.ids.items()}
        if len(self.marker_of) != len(Marker):
            raise ValueError("two CML markers map to one token")

    def encode(self, text: str) -> list[int]:
        """Tokenize ``text``, each marker becoming its single id (spaces around markers kept)."""
        ids: list[int] = []
        pos = 0
        for m in _MARKER_RE.finditer(text):
            if m.start() > pos:
                ids.extend(self.tokenizer.tokenize(text[pos:m.start()]))
            ids.append(self.ids[Marker(m.group(0))])
            pos = m.end()
        if pos < len(text):
            ids.extend(self.tokenizer.tokenize(text[pos:]))
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back to text, marker ids written as ``[CALL]`` etc."""
        parts: list[str] = []
        run: list[int] = []
        for tid in ids:
            marker = self.marker_of.get(int(tid))
            if marker is None:
                run.append(int(tid))
                continue
            if run:
                parts.append(self.tokenizer.detokenize(run))
                run = []
            parts.append(marker.value)
        if run:
            parts.append(self.tokenizer.detokenize(run))
        return "".join(parts)
