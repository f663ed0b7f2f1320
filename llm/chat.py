"""The model's chat template, reduced to the text that wraps each role.

PML's ``<system>``/``<user>``/``<assistant>`` elements compile into the model's own chat template.
We render the tokenizer's Jinja template with sentinel contents and cut it apart, so every model
that ships a template works and no format is hard-coded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant")
_SENTINEL = "\u2063BLINDFOLD-SENTINEL\u2063"


@dataclass(frozen=True)
class ChatTemplate:
    """Prefix and suffix text of each role, and the text that opens the model's turn."""

    prefix: dict[str, str]
    suffix: dict[str, str]
    generation_prompt: str

    def wrap(self, role: str, content: str, close: bool = True) -> str:
        return self.prefix[role] + content + (self.suffix[role] if close else "")

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        """Messages as the template would render them, without an implicit default system turn."""
        text = "".join(self.wrap(m["role"], m["content"]) for m in messages)
        return text + (self.generation_prompt if add_generation_prompt else "")

    @staticmethod
    def from_tokenizer(tokenizer: Any) -> ChatTemplate:
        def render(msgs: list[dict[str, str]], gen: bool = False) -> str:
            out = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
            return str(out)

        prefix: dict[str, str] = {}
        suffix: dict[str, str] = {}
        base_msgs = [{"role": "system", "content": "x"}]
        base = render(base_msgs)
        for role in ROLES:
            msgs = ([{"role": role, "content": _SENTINEL}] if role == "system"
                    else base_msgs + [{"role": role, "content": _SENTINEL}])
            text = render(msgs)
            if role != "system":
                if not text.startswith(base):
                    raise ValueError("chat template renders a turn differently with a successor")
                text = text[len(base):]
            before, _, after = text.partition(_SENTINEL)
            prefix[role], suffix[role] = before, after
        gen = render(base_msgs, gen=True)[len(base):]
        return ChatTemplate(prefix, suffix, gen)
