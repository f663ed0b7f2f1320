"""Prompt Cache on the real model: served logits equal a full prefill with the equivalent mask.

The reference in each test is built here from first principles — every token of the prompt (and,
where the semantics needs it, the hidden context the modules were encoded with) at its position,
in one forward with an explicit mask written from the semantics' definition — and compared with
what the cache serves by concatenating stored states and prefilling only the new tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

from llm.errors import PromptError
from llm.promptcache.cache import PromptCache
from llm.promptcache.pml import parse_prompt, parse_schema
from llm.promptcache.store import HostMemoryTier, ModuleStore
from tests.llm_support import engine  # noqa: F401  (session fixture)

ATOL = 1e-3

SCHEMA = """<schema name="trips">
  <system>You plan trips.</system>
  <user>
    <module name="plan">Plan a trip of <param name="days" len="4"/> for a family.</module>
    <union>
      <module name="tokyo">Tokyo has temples, sushi and fast trains.</module>
      <module name="miami">Miami has beaches, surfing and warm weather all year.</module>
    </union>
    <module name="budget">Keep the budget under two thousand dollars.</module>
    <module name="pets">The family travels with a dog.</module>
  </user>
</schema>"""


@dataclass
class Tok:
    """One token of a reference sequence."""

    id: int
    pos: int
    group: str          # "root", a module name, "arg", "new"
    order: int          # place in the prompt's flattened order


def served_all_logits(pc: PromptCache, prompt_text: str) -> tuple[torch.Tensor, object]:
    prompt = parse_prompt(prompt_text)
    layout = pc.layout_for(prompt)
    from llm.promptcache.plan import plan_prompt
    plan = plan_prompt(layout, prompt, pc.engine, pc.placement)
    cache, _ = pc.gather(layout, plan)
    logits = pc.engine.prefill(plan.new_ids, plan.new_positions, cache, mask=plan.mask(),
                               logits="all")
    assert int(torch.argmax(logits[-1])) == pc.serve(prompt).first_token
    return logits, plan


def reference(engine, toks: list[Tok], sees: Callable[[Tok, Tok], bool]) -> torch.Tensor:  # noqa: F811
    n = len(toks)
    mask = torch.zeros(n, n, dtype=torch.bool)
    for i, a in enumerate(toks):
        for j, b in enumerate(toks):
            mask[i, j] = i == j or sees(a, b)
    return engine.prefill([t.id for t in toks], [t.pos for t in toks], None, mask=mask,
                          logits="all")


def pieces_of(pc: PromptCache, name: str) -> list[tuple[str, list[int], int]]:
    """(group, tokens, start) of every piece, group = the owning module's name or 'root'."""
    layout = pc.layouts[name]
    return [(p.owner[-1] if p.owner else "root", list(p.tokens), p.start)
            for p in layout.pieces]


def new_rows(toks: list[Tok]) -> list[int]:
    return [i for i, t in enumerate(toks) if t.group in ("arg", "new")]


def test_all_modules_in_order_paper_equals_masked_full_prefill(engine) -> None:  # noqa: F811
    schema = """<schema name="docs"><system>Answer from the documents.</system><user>
      <module name="a">Lists are mutable sequences.</module>
      <module name="b">Tuples are immutable sequences.</module>
      <module name="c">Dictionaries map keys to values.</module></user></schema>"""
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "paper", "paper")
    pc.add_schema(parse_schema(schema))
    served, plan = served_all_logits(
        pc, '<prompt schema="docs"><a/><b/><c/><user>Which type is immutable?</user></prompt>')
    toks: list[Tok] = []
    for group, ids, start in pieces_of(pc, "docs"):
        toks += [Tok(t, start + i, group, len(toks) + i) for i, t in enumerate(ids)]
    end = toks[-1].pos + 1
    new = engine.tokenize(engine.chat.wrap("user", "Which type is immutable?")
                          ) + engine.tokenize(engine.chat.generation_prompt)
    assert plan.new_ids == new
    toks += [Tok(t, end + i, "new", len(toks) + i) for i, t in enumerate(new)]

    def sees(a: Tok, b: Tok) -> bool:
        if a.group == "new":                      # new text sees everything before it
            return b.order < a.order
        if a.group == "root":                     # the root sees earlier root text only
            return b.group == "root" and b.pos < a.pos
        return b.pos < a.pos and b.group in ("root", a.group)   # a module: itself + root before
    ref = reference(engine, toks, sees)[new_rows(toks)]
    assert torch.allclose(served, ref, atol=ATOL)


def test_all_modules_in_order_artifact_equals_plain_causal_prefill(engine) -> None:  # noqa: F811
    schema = """<schema name="docs2"><user>
      <module name="a">Sets hold unique items.</module>
      <module name="b">Strings are immutable text.</module></user></schema>"""
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "artifact", "artifact")
    pc.add_schema(parse_schema(schema))
    served, plan = served_all_logits(
        pc, '<prompt schema="docs2"><a/><b/><user>What is unique?</user></prompt>')
    ids = [t for _, piece, _ in pieces_of(pc, "docs2") for t in piece] + plan.new_ids
    # Whole-schema encoding with everything imported is exactly an ordinary causal prefill.
    plain = engine.prefill(ids, range(len(ids)), logits="all")[-len(plan.new_ids):]
    assert torch.allclose(served, plain, atol=ATOL)


def _trip_tokens(pc: PromptCache, engine, include: set[str], arg: str) -> list[Tok]:  # noqa: F811
    """Cached pieces of the included groups (placeholders kept), the argument, then new text."""
    layout = pc.layouts["trips"]
    toks: list[Tok] = []
    order = 0
    arg_ids = engine.tokenize(arg)
    for p in layout.pieces:
        group = p.owner[-1] if p.owner else "root"
        if group not in include:
            continue
        for i, t in enumerate(p.tokens):
            toks.append(Tok(t, p.start + i, "placeholder" if p.param else group, order))
            order += 1
        if p.param:   # the argument sits where its parameter is in the prompt's order
            toks += [Tok(t, p.start + i, "arg", order + i) for i, t in enumerate(arg_ids)]
            order += len(arg_ids)
    return toks


def test_omitted_modules_union_and_parameter_paper(engine) -> None:  # noqa: F811
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "paper", "paper")
    pc.add_schema(parse_schema(SCHEMA))
    prompt = ('<prompt schema="trips"><plan days="five days"/><miami/><pets/>'
              "<user>What should we pack?</user></prompt>")
    served, plan = served_all_logits(pc, prompt)
    toks = _trip_tokens(pc, engine, {"root", "plan", "miami", "pets"}, "five days")
    cached_end = max(t.pos for t in toks if t.group not in ("arg",)) + 1
    new = engine.tokenize(engine.chat.wrap("user", "What should we pack?")) + \
        engine.tokenize(engine.chat.generation_prompt)
    # Paper placement: trailing text right after the last element (no hole for 'budget').
    assert plan.new_positions[-len(new):] == list(range(cached_end, cached_end + len(new)))
    toks += [Tok(t, cached_end + i, "new", 10_000 + i) for i, t in enumerate(new)]
    module_of_placeholder = "plan"

    def sees(a: Tok, b: Tok) -> bool:
        if a.group in ("arg", "new"):   # fresh tokens: what precedes them, never placeholders
            return b.group != "placeholder" and b.order < a.order
        group = module_of_placeholder if a.group == "placeholder" else a.group
        if group == "root":
            return b.group == "root" and b.pos < a.pos
        own = {group, "placeholder"} if group == "plan" else {group}
        return b.pos < a.pos and (b.group == "root" or b.group in own)
    ref = reference(engine, toks, sees)[new_rows(toks)]
    assert torch.allclose(served, ref, atol=ATOL)


def test_omitted_modules_union_and_parameter_artifact(engine) -> None:  # noqa: F811
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "artifact", "artifact")
    pc.add_schema(parse_schema(SCHEMA))
    prompt = ('<prompt schema="trips"><plan days="a week"/><miami/><pets/>'
              "<user>Any advice?</user></prompt>")
    served, plan = served_all_logits(pc, prompt)
    # Hidden context: the default union member and the omitted module, seen by cached rows only.
    toks = _trip_tokens(pc, engine, {"root", "plan", "tokyo", "miami", "budget", "pets"},
                        "a week")
    length = pc.layouts["trips"].length
    new = engine.tokenize(engine.chat.wrap("user", "Any advice?")) + \
        engine.tokenize(engine.chat.generation_prompt)
    assert plan.new_positions[-len(new):] == list(range(length, length + len(new)))  # after all
    toks += [Tok(t, length + i, "new", 10_000 + i) for i, t in enumerate(new)]
    prompt_groups = {"root", "plan", "miami", "pets"}
    default_pass = {"root", "plan", "placeholder", "tokyo", "budget", "pets"}

    def sees(a: Tok, b: Tok) -> bool:
        if a.group in ("arg", "new"):
            return b.group in prompt_groups | {"arg", "new"} and b.order < a.order
        if a.group == "miami":           # encoded in the pass that selects miami
            return b.pos < a.pos and b.group in {"root", "plan", "placeholder", "miami"}
        return b.pos < a.pos and b.group in default_pass
    ref = reference(engine, toks, sees)[new_rows(toks)]
    assert torch.allclose(served, ref, atol=ATOL)


def test_union_members_share_start_and_params_take_their_slots(engine) -> None:  # noqa: F811
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "paper", "paper")
    layout = pc.add_schema(parse_schema(SCHEMA))
    tokyo, miami = layout.modules[("tokyo",)], layout.modules[("miami",)]
    assert tokyo.start == miami.start
    assert layout.modules[("budget",)].start == max(tokyo.end, miami.end)   # longest member
    plan_info = layout.modules[("plan",)]
    slot = layout.pieces[plan_info.params["days"]]
    assert len(slot.tokens) == 4 and set(slot.tokens) == {engine.unk_id}
    served = pc.serve(parse_prompt('<prompt schema="trips"><plan days="two days"/>'
                                   '<tokyo/></prompt>'))
    arg = [e for e in served.plan.entries if e.kind == "argument"][0]
    n = len(engine.tokenize("two days"))
    assert arg.positions == list(range(slot.start, slot.start + n))


@pytest.mark.parametrize("prompt, message", [
    ('<prompt schema="trips"><paris/></prompt>', r"<prompt>:1: unknown module 'paris' in schema 'trips'"),
    ('<prompt schema="trips"><tokyo/><miami/></prompt>', "members of one union"),
    ('<prompt schema="trips"><plan days="a very long holiday of many many days"/></prompt>',
     "longer than its 4-token slot"),
    ('<prompt schema="trips"><plan/></prompt>', "needs an argument 'days'"),
    ('<prompt schema="trips"><plan nights="2"/></prompt>', "has no parameter 'nights'"),
    ('<prompt schema="trips">\n<budget/>\n<plan days="2"/></prompt>', r":3: .*out of schema order"),
    ('<prompt schema="other"><plan/></prompt>', "unknown schema 'other'"),
])
def test_prompt_errors(engine, prompt: str, message: str) -> None:  # noqa: F811
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "paper", "paper")
    pc.add_schema(parse_schema(SCHEMA))
    with pytest.raises(PromptError, match=message):
        pc.serve(parse_prompt(prompt))


def test_evicted_module_is_reencoded_and_counted(engine) -> None:  # noqa: F811
    store = ModuleStore(HostMemoryTier(), budget_bytes=None)
    pc = PromptCache(engine, store, "paper", "paper")
    pc.add_schema(parse_schema(SCHEMA))
    prompt = parse_prompt('<prompt schema="trips"><tokyo/><user>Go?</user></prompt>')
    before = pc.serve(prompt)
    assert store.stats.hits == 2 and store.stats.misses == 0       # root + tokyo
    key = pc.key(pc.layouts["trips"], ("tokyo",))
    store.tier.delete(key)
    store._lru.pop(key)
    again = pc.serve(prompt)
    assert store.stats.misses == 1 and torch.allclose(before.logits, again.logits, atol=ATOL)


def test_nested_module_sees_its_parent_not_its_siblings_paper(engine) -> None:  # noqa: F811
    schema = """<schema name="nest"><user><module name="guide">Travel guide.
      <module name="food">Eat ramen.</module>
      <module name="sights">See temples.</module> End of guide.</module></user></schema>"""
    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), "paper", "paper")
    pc.add_schema(parse_schema(schema))
    served, plan = served_all_logits(
        pc, '<prompt schema="nest"><guide><sights/></guide><user>What to see?</user></prompt>')
    toks: list[Tok] = []
    for group, ids, start in pieces_of(pc, "nest"):
        if group != "food":
            toks += [Tok(t, start + i, group, len(toks) + i) for i, t in enumerate(ids)]
    new = plan.new_ids
    end = max(t.pos for t in toks) + 1
    assert plan.new_positions == list(range(end, end + len(new)))
    toks += [Tok(t, end + i, "new", 10_000 + i) for i, t in enumerate(new)]
    ancestors = {"root": set(), "guide": {"root"}, "sights": {"root", "guide"}}

    def sees(a: Tok, b: Tok) -> bool:
        if a.group == "new":
            return b.order < a.order
        return b.pos < a.pos and (b.group == a.group or b.group in ancestors[a.group])
    ref = reference(engine, toks, sees)[new_rows(toks)]
    assert torch.allclose(served, ref, atol=ATOL)
