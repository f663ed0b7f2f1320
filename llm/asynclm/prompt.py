"""The request an AsyncLM model sees: CML rules, the functions with estimated times, the task.

Function definitions are rendered compactly (signature, estimated time, first sentence of the
description) so that a request with three backends' functions stays around two thousand tokens.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from llm.asynclm.tools import Toolbox

if TYPE_CHECKING:
    from llm.asynclm.bfcl import BfclTask
    from llm.chat import ChatTemplate

__all__ = ["SYSTEM_RULES", "EXAMPLE", "render_functions", "build_prompt"]

SYSTEM_RULES = (
    "You are an assistant that calls functions asynchronously. To call a function write "
    "[CALL] id [HEAD] name(arg=value) [END], with a fresh short id. Calls run in the background "
    "while you keep writing; each result arrives later as [INTR] id [HEAD] result [END]. Issue "
    "every call whose inputs you already have, the one with the longest estimated time first. "
    "When you can do nothing until a result arrives, write [TRAP][END]. When all tasks are done, "
    "answer in one short sentence.")

EXAMPLE = (
    "Example.\nUser: Task 1: What is 3 plus 4? Task 2: Show the files here, then read notes.txt.\n"
    "Assistant: [CALL] a1 [HEAD] add(a=3, b=4) [END][CALL] b1 [HEAD] ls() [END][TRAP][END]"
    "[INTR] b1 [HEAD] {\"current_directory_content\": [\"notes.txt\"]} [END]"
    "[CALL] b2 [HEAD] cat(file_name='notes.txt') [END][TRAP][END]"
    "[INTR] a1 [HEAD] {\"result\": 7} [END][INTR] b2 [HEAD] {\"file_content\": \"hi\"} [END]"
    "3 plus 4 is 7, and notes.txt says hi.")

_TYPE = {"string": "str", "integer": "int", "float": "float", "number": "float",
         "boolean": "bool", "array": "list", "dict": "dict", "object": "dict", "any": "any"}


def _first_sentence(text: str) -> str:
    text = text.split("Tool description:", 1)[-1].strip()
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return (m.group(1) if m else text)[:90]


def render_functions(toolbox: Toolbox) -> str:
    lines = []
    for tool in toolbox.tools.values():
        props: dict[str, Any] = tool.parameters.get("properties", {}) or {}
        required = set(tool.parameters.get("required", []) or [])
        args = ", ".join(f"{k}: {_TYPE.get(str(v.get('type')), v.get('type'))}"
                         + ("" if k in required else "=None")
                         for k, v in props.items())
        est = tool.estimate_ms if tool.estimate_ms is not None else tool.latency_ms
        lines.append(f"- {tool.name}({args}) ~{round(est)} ms: {_first_sentence(tool.description)}")
    return "\n".join(lines)


def build_prompt(chat: ChatTemplate, task: BfclTask, toolbox: Toolbox, *,
                 cheat_sheet: bool = False, few_shot: bool = True) -> str:
    """The whole request as chat-template text, ending where the assistant's turn begins."""
    system = SYSTEM_RULES + "\n\nFunctions:\n" + render_functions(toolbox)
    if few_shot:
        system += "\n\n" + EXAMPLE
    user = task.question
    if cheat_sheet:
        # The paper's latency runs put the ground truth in the prompt so that every mode makes
        # the same calls; dependent calls of one task are listed in their order.
        sheet = "\n".join(f"Task {i + 1}: " + "; ".join(calls)
                          for i, calls in enumerate(task.ground_truth))
        user += "\n\nThe calls to make (each task's calls in order):\n" + sheet
    return chat.render([{"role": "system", "content": system}, {"role": "user", "content": user}])
