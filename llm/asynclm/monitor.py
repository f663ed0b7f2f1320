"""The token monitor: a finite-state machine in the sampling step that keeps CML well formed.

It constrains *syntax only*: which markers may come next. It never chooses a function, an
argument or an identifier for the model. It also

- masks ``[INTR]`` everywhere, so the model cannot invent a result;
- reports the critical section (inside a ``[CALL]`` block or a ``[TRAP]``), during which the
  interrupt manager must not inject anything;
- hands back each completed call the moment its ``[END]`` is sampled.

States::

    TEXT --[CALL]--> CALL_OPEN --text--> CALL_OPEN --[HEAD]--> CALL_BODY --[END]--> TEXT
                              \\--[END] (anonymous call)----------------------------/
    TEXT --[TRAP]--> TRAP_OPEN --[END]--> TEXT (and the runtime pauses decoding)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum, auto

import torch

from llm.asynclm.cml import CallBlock, CmlCodec, Marker, valid_identifier

__all__ = ["MonitorState", "Event", "EventKind", "TokenMonitor"]


class MonitorState(Enum):
    TEXT = auto()
    CALL_OPEN = auto()     # after [CALL]: an identifier (then [HEAD]) or an anonymous call body
    CALL_BODY = auto()     # after [HEAD]: the call
    TRAP_OPEN = auto()     # after [TRAP]: only [END]
    DONE = auto()          # an end-of-sequence token was sampled


class EventKind(Enum):
    CALL = auto()
    TRAP = auto()
    EOS = auto()


@dataclass(frozen=True)
class Event:
    kind: EventKind
    call: CallBlock | None = None


@dataclass
class TokenMonitor:
    """Observe every sampled token; mask the logits of the next choice."""

    codec: CmlCodec
    eos_ids: frozenset[int]
    max_call_tokens: int = 160      # a call longer than this is closed by force (counted)
    enforce: bool = True            # False: the naive baseline (parse only, no masking)
    other_specials: frozenset[int] = frozenset()   # chat-template tokens: never inside a turn
    state: MonitorState = MonitorState.TEXT
    used_ids: set[str] = field(default_factory=set)
    forced_ends: int = 0
    masked_choices: int = 0
    _open_tokens: list[int] = field(default_factory=list)
    _head_tokens: list[int] | None = None

    @property
    def critical(self) -> bool:
        """True while a block is open: interrupts must wait."""
        return self.state in (MonitorState.CALL_OPEN, MonitorState.CALL_BODY,
                              MonitorState.TRAP_OPEN)

    def _ids(self, *markers: Marker) -> list[int]:
        return [self.codec.ids[m] for m in markers]

    def banned(self) -> list[int]:
        """Token ids the model may not choose next."""
        ids = self.codec.ids
        others = sorted(self.other_specials)
        if self.state is MonitorState.TEXT:
            return self._ids(Marker.INTR, Marker.HEAD, Marker.END) + others
        if self.state is MonitorState.TRAP_OPEN:
            return []   # handled as "only [END]" in mask()
        block = self._ids(Marker.INTR, Marker.CALL, Marker.TRAP) + sorted(self.eos_ids) + others
        if self.state is MonitorState.CALL_OPEN:
            text = self.codec.decode(self._open_tokens).strip()
            if not (valid_identifier(text) and text not in self.used_ids):
                block.append(ids[Marker.HEAD])
            if not text:
                block.append(ids[Marker.END])
            return block
        # CALL_BODY
        block.append(ids[Marker.HEAD])
        if not self.codec.decode(self._open_tokens).strip():
            block.append(ids[Marker.END])
        return block

    def forced(self) -> int | None:
        """The only token allowed next, if syntax leaves just one."""
        if self.state is MonitorState.TRAP_OPEN:
            return self.codec.ids[Marker.END]
        if self.state in (MonitorState.CALL_OPEN, MonitorState.CALL_BODY) and \
                len(self._open_tokens) >= self.max_call_tokens:
            return self.codec.ids[Marker.END]
        return None

    def mask(self, logits: torch.Tensor, generated: Sequence[int] = ()) -> torch.Tensor:
        """The decoder's logits hook: syntax constraints on the next token."""
        if not self.enforce:
            # Even the naive baseline may not forge results.
            out = logits.clone()
            out[self.codec.ids[Marker.INTR]] = float("-inf")
            return out
        only = self.forced()
        if only is not None:
            out = torch.full_like(logits, float("-inf"))
            out[only] = 0.0
            if int(torch.argmax(logits)) != only:
                self.masked_choices += 1
                if self.state is not MonitorState.TRAP_OPEN:
                    self.forced_ends += 1
            return out
        banned = self.banned()
        out = logits.clone()
        if banned:
            if int(torch.argmax(logits)) in banned:
                self.masked_choices += 1
            out[banned] = float("-inf")
        return out

    def observe(self, token: int) -> Event | None:
        """Advance on a sampled token; return what the runtime must act on now."""
        marker = self.codec.marker_of.get(int(token))
        state = self.state
        if state is MonitorState.DONE:
            return None
        if int(token) in self.eos_ids and state is MonitorState.TEXT:
            self.state = MonitorState.DONE
            return Event(EventKind.EOS)
        if state is MonitorState.TEXT:
            if marker is Marker.CALL:
                self.state, self._open_tokens, self._head_tokens = MonitorState.CALL_OPEN, [], None
            elif marker is Marker.TRAP:
                self.state = MonitorState.TRAP_OPEN
            return None
        if state is MonitorState.TRAP_OPEN:
            if marker is Marker.END:
                self.state = MonitorState.TEXT
                return Event(EventKind.TRAP)
            return None     # only reachable without enforcement: wait for [END]
        # inside a call block
        if marker is Marker.HEAD and state is MonitorState.CALL_OPEN:
            self._head_tokens = self._open_tokens
            self._open_tokens = []
            self.state = MonitorState.CALL_BODY
            return None
        if marker is Marker.END:
            body = self.codec.decode(self._open_tokens).strip()
            call_id = (self.codec.decode(self._head_tokens).strip()
                       if self._head_tokens is not None else "")
            if call_id:
                self.used_ids.add(call_id)
            self.state = MonitorState.TEXT
            self._open_tokens, self._head_tokens = [], None
            return Event(EventKind.CALL, CallBlock(call_id, body))
        if marker is None:
            self._open_tokens.append(int(token))
        return None

    def reopen(self) -> None:
        """After an end-of-sequence that the runtime turned into a wait, decoding goes on."""
        if self.state is MonitorState.DONE:
            self.state = MonitorState.TEXT

    def feed(self, tokens: Iterable[int]) -> list[Event]:
        """Observe several tokens (tests, replays)."""
        return [e for e in (self.observe(t) for t in tokens) if e is not None]
