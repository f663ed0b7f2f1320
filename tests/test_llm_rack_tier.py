"""The module store on the rack's memory blades: bytes live there and come back through the switch."""

from __future__ import annotations

import os

import pytest
import torch

pytest.importorskip("emulator.rack", reason="the rack (emulator.rack) is not in this checkout")

from emulator.rack.packets import make_fva  # noqa: E402
from llm.promptcache.cache import PromptCache  # noqa: E402
from llm.promptcache.pml import parse_prompt, parse_schema  # noqa: E402
from llm.promptcache.rack_tier import RackTier  # noqa: E402
from llm.promptcache.store import HostMemoryTier, ModuleStore  # noqa: E402
from tests.llm_support import engine  # noqa: E402, F401  (session fixture)


def test_bytes_are_on_the_memory_blades_and_read_through_the_switch() -> None:
    tier = RackTier()
    store = ModuleStore(tier)
    blob = os.urandom(3 * 4096 + 123)
    store.put("m", blob)
    area = tier.areas["m"]
    blades = tier.rack.memory_blades
    assert sum(mb.writes for mb in blades) == 4            # every page written back to a blade
    assert tier.rack.memory_page(make_fva(tier.pid, area.va)) == blob[:4096]
    assert not tier.agent.pages                             # nothing left in the blade's DRAM
    # Change a page on the memory blade itself: the next read must see it.
    blade_name, addr = tier.rack.switch.translate(make_fva(tier.pid, area.va + 4096))
    mb = next(b for b in blades if b.name == blade_name)
    mb.write_page(addr, b"\xab" * 4096)
    got = bytes(store.get("m") or b"")
    assert got[:4096] == blob[:4096] and got[4096:8192] == b"\xab" * 4096
    assert got[8192:] == blob[8192:]
    assert sum(b.reads for b in blades) >= 4 and store.stats.modelled_read_ns > 0
    store.tier.delete("m")
    assert "m" not in tier.areas


def test_prompt_served_from_the_rack_equals_memory_tier(engine) -> None:  # noqa: F811
    schema = parse_schema('<schema name="r"><user><module name="doc">Memory blades hold pages '
                          "behind a programmable switch.</module></user></schema>")
    prompt = parse_prompt('<prompt schema="r"><doc/><user>What holds pages?</user></prompt>')
    local = PromptCache(engine, ModuleStore(HostMemoryTier()))
    local.add_schema(schema)
    rack = PromptCache(engine, ModuleStore(RackTier()))
    rack.add_schema(schema)
    a, b = local.serve(prompt), rack.serve(prompt)
    assert torch.equal(a.logits, b.logits)                  # the same bytes, bit for bit
    assert b.modelled_fetch_s > 0 and a.modelled_fetch_s == 0
    assert rack.store.statistics()["tier.pages_read"] > 0
