"""Offline documents and questions for the benchmarks, from CPython's own ``pydoc_data.topics``.

LongBench cannot be installed here; the 79 topics of the Python reference manual that ship with
every CPython (about 750 KB of English prose) stand in for it: long documents of any length for
TTFT, and per-topic questions whose answer is the topic's opening sentence for accuracy.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pydoc_data.topics import topics as _TOPICS

__all__ = ["Topic", "f1", "normalize", "topic", "topics"]


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    body: str
    first_sentence: str


def _parse(key: str, text: str) -> Topic:
    lines = text.strip("\n").splitlines()
    title = lines[0].strip() if lines else key
    rest = "\n".join(line for line in lines[1:] if not set(line.strip()) <= {"*", "="})
    body = rest.strip()
    prose = " ".join(body.split())
    match = re.match(r"(.+?[.:])(\s|$)", prose)
    first = match.group(1) if match else prose[:200]
    return Topic(key, title, body, first)


def topics() -> list[Topic]:
    """Every topic in a fixed (sorted) order."""
    return [_parse(k, _TOPICS[k]) for k in sorted(_TOPICS)]


def topic(key: str) -> Topic:
    return _parse(key, _TOPICS[key])


def normalize(text: str) -> list[str]:
    """SQuAD-style answer normalization: lower case, no punctuation or articles, split words."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return [w for w in text.split() if w not in {"a", "an", "the"}]


def f1(prediction: str, reference: str) -> float:
    pred, ref = normalize(prediction), normalize(reference)
    if not pred and not ref:
        return 1.0
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)
