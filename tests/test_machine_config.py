"""Machine descriptions: the bundled files, the value objects, and one test per kind of mistake."""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest
from unicorn import arm64_const

from emulator.devices import DEVICE_TYPES
from emulator.errors import (
    EXIT_CODES,
    ConfigError,
    MachineConfigError,
    exit_code_for_signal,
    exit_code_of,
)
from emulator.machine_config import (
    DEFAULT_COSTS,
    bundled_machines,
    format_size,
    load_machine,
    load_machine_text,
    parse_size,
)
from emulator.mmio import MmioDevice, Register

SRC = "machines/x.toml"
BASE = '[machine]\nname = "x"\n[memory]\nram_size = "24MiB"\n'


def error_for(text: str) -> str:
    with pytest.raises(MachineConfigError) as info:
        load_machine_text(text, SRC)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{SRC}: ")
    assert info.value.exit_code == 3 and isinstance(info.value, ConfigError)
    return message


# --- bundled machines -------------------------------------------------------------------


def test_default_machine() -> None:
    m = load_machine()
    assert m.name == "virt-a72"
    assert m.cpu.model == "cortex-a72" and m.cpu.count == 1
    assert m.cpu.uc_model == arm64_const.UC_CPU_ARM64_A72
    assert (m.ram_base, m.ram_size, m.ram_end) == (0x4000_0000, 256 << 20, 0x5000_0000)
    assert [(n.id, n.base, n.size) for n in m.nodes] == [(0, 0x4000_0000, 256 << 20)]
    assert m.swap_size == 512 << 20
    assert [(d.name, d.type, d.base, d.size) for d in m.devices] == [
        ("uart0", "uart", 0x0900_0000, 0x1000), ("doorbell0", "doorbell", 0x0901_0000, 0x1000)]
    assert m.clock_hz == 1_000_000_000
    assert dict(m.costs) == dict(DEFAULT_COSTS)
    assert (m.seed, m.quantum_insns) == (1, 100_000)
    assert m.source.endswith("default.toml")


def test_bundled_machines_all_load() -> None:
    bundled = bundled_machines()
    assert {"default", "small", "two-nodes"} <= set(bundled)
    for name, path in bundled.items():
        assert load_machine(name).source == str(path)


def test_small_machine_has_two_nodes() -> None:
    m = load_machine("small")
    assert m.ram_size == 24 << 20
    assert [(n.id, n.size) for n in m.nodes] == [(0, 12 << 20), (1, 12 << 20)]
    assert m.node_of(m.ram_base).id == 0 and m.node_of(m.ram_end - 1).id == 1
    assert m.node_of(m.ram_end) is None


def test_address_map_is_sorted() -> None:
    regions = load_machine("small").address_map()
    assert [(r.kind, r.name) for r in regions] == [
        ("device", "uart0"), ("device", "doorbell0"), ("ram", "ram"), ("node", "node0"), ("node", "node1")]
    assert all(a.base <= b.base for a, b in pairwise(regions))
    assert regions[-1].end == 0x4180_0000


def test_config_is_frozen() -> None:
    m = load_machine()
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.seed = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.costs["tlb_flush"] = 1  # type: ignore[index]


def test_digest_ignores_spelling_but_not_content(tmp_path: Path) -> None:
    a = load_machine_text(BASE, "a.toml")
    b = load_machine_text('[memory]\nram_size = 25165824\n# same machine\n[machine]\nname = "x"\n', "b.toml")
    c = load_machine_text(BASE + "[kernel]\nseed = 2\n", "c.toml")
    assert a.digest() == b.digest() != c.digest()
    assert len(a.digest()) == 64 and "source" not in a.as_dict()


def test_defaults_and_overrides() -> None:
    m = load_machine_text(BASE + '[costs]\ntlb_flush = 7\n[cpu]\nmodel = "max"\ncount = 4\n', SRC)
    assert m.costs["tlb_flush"] == 7 and m.costs["page_copy"] == DEFAULT_COSTS["page_copy"]
    assert m.cpu.uc_model == arm64_const.UC_CPU_ARM64_MAX and m.cpu.count == 4
    assert m.devices == () and m.swap_size == 0 and len(m.nodes) == 1


def test_device_params_reach_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    class Blade(MmioDevice):
        PARAMS: ClassVar = {"latency_ns": int}
        registers = (Register("X", 0),)

    monkeypatch.setitem(DEVICE_TYPES, "blade", Blade)
    text = BASE + '[[device]]\nname = "blade0"\ntype = "blade"\nbase = 0x1000_0000\nlatency_ns = 900\n'
    assert dict(load_machine_text(text, SRC).device("blade0").params) == {"latency_ns": 900}
    bad = error_for(text.replace("900", '"fast"'))
    assert 'device[0].latency_ns: "fast" is a string' in bad
    assert "device[0].latncy_ns: unknown key; did you mean `latency_ns`?" in error_for(
        text.replace("latency_ns", "latncy_ns"))


@pytest.mark.parametrize("text, n", [("24MiB", 24 << 20), ("4 KiB", 4096), ("1_024", 1024),
                                     ("2GiB", 2 << 30), ("512B", 512)])
def test_parse_size(text: str, n: int) -> None:
    assert parse_size(text) == n


def test_format_size() -> None:
    assert [format_size(n) for n in (24 << 20, 4096, 4097, 0, 3 << 30)] == ["24MiB", "4KiB", "4097B", "0B", "3GiB"]


# --- every kind of mistake -------------------------------------------------------------


def test_size_that_is_not_a_size() -> None:
    assert error_for('[machine]\nname = "x"\n[memory]\nram_size = "12MB"\n') == (
        'machines/x.toml: memory.ram_size: "12MB" is not a size; write e.g. "256MiB" or 268435456')


def test_unaligned_sizes_and_addresses() -> None:
    msg = error_for('[machine]\nname = "x"\n[memory]\nram_size = 12345\n')
    assert "memory.ram_size: 12345B is not a multiple of the 4KiB page size; round it to 12KiB" in msg
    msg = error_for(BASE.replace("[memory]", "[memory]\nram_base = 0x4000_0100"))
    assert "memory.ram_base: 0x40000100 is not 4KiB-aligned; use 0x40000000" in msg
    assert "swap.size:" in error_for(BASE + '[swap]\nsize = "6KiB"\n')


@pytest.mark.parametrize("text, expected", [
    (BASE + "[cosst]\ntlb_flush = 3\n", "cosst: unknown key; did you mean `costs`?"),
    ('[machine]\nname = "x"\n[memory]\nram_sise = "24MiB"\n', "memory.ram_sise: unknown key; did you mean `ram_size`?"),
    (BASE + "[costs]\ntlb_flsh = 3\n", "costs.tlb_flsh: unknown key; did you mean `tlb_flush`?"),
    (BASE + "[kernel]\nzzz = 3\n", "kernel.zzz: unknown key; known keys here: quantum_insns, seed"),
])
def test_unknown_keys_suggest_the_closest(text: str, expected: str) -> None:
    assert expected in error_for(text)


@pytest.mark.parametrize("text, expected", [
    (BASE + '[costs]\ntlb_flush = "3"\n', 'costs.tlb_flush: "3" is a string, not an integer'),
    (BASE + "[kernel]\nseed = true\n", "kernel.seed: true is a boolean, not an integer"),
    (BASE + "[kernel]\nquantum_insns = 1.5\n", "kernel.quantum_insns: 1.5 is a float, not an integer"),
    (BASE.replace('"x"', "5"), "machine.name: 5 is an integer, not a string"),
    (BASE + "[cpu]\ncount = 0\n", "cpu.count: 0 is out of range; use a value between 1 and 64"),
    (BASE + "[costs]\npage_copy = -1\n", "costs.page_copy: -1 is out of range"),
    (BASE + "clock = 3\n", "memory.clock: unknown key"),
    ("clock = 3\n" + BASE, "clock: expected a table, found an integer; write it as [clock]"),
    (BASE + '[device]\nname = "u"\n', "device: expected an array of tables, found a table; write each entry under its own [[device]] header"),
    ('[memory]\nram_size = "24MiB"\n', "machine.name: missing; add `name = ...` to [machine]"),
])
def test_wrong_types_and_missing_keys(text: str, expected: str) -> None:
    assert expected in error_for(text)


def test_unknown_cpu_model_lists_the_valid_ones() -> None:
    assert error_for(BASE + '[cpu]\nmodel = "cortex-a76"\n').endswith(
        'cpu.model: unknown CPU model "cortex-a76"; did you mean "cortex-a72"? '
        "use one of: cortex-a53, cortex-a57, cortex-a72, max")


def test_unknown_device_type() -> None:
    msg = error_for(BASE + '[[device]]\nname = "u"\ntype = "uartt"\nbase = 0x0900_0000\n')
    assert 'device[0].type: unknown device type "uartt"; did you mean "uart"? known types: doorbell, uart' in msg


def test_bad_device_names() -> None:
    dev = '[[device]]\nname = "{}"\ntype = "uart"\nbase = {}\n'
    assert "is not a valid device name" in error_for(BASE + dev.format("Uart 0", "0x0900_0000"))
    msg = error_for(BASE + dev.format("u", "0x0900_0000") + dev.format("u", "0x0901_0000"))
    assert 'device[1].name: device name "u" is already used by device[0]' in msg


def test_overlapping_regions() -> None:
    dev = '[[device]]\nname = "{}"\ntype = "uart"\nbase = {}\n'
    msg = error_for(BASE + dev.format("a", "0x0900_0000") + dev.format("b", "0x0900_0000"))
    assert 'device[1].base: device "b" [0x9000000, 0x9001000) overlaps device "a"' in msg
    assert msg.endswith("move one of them so their address ranges are disjoint")
    msg = error_for(BASE + dev.format("a", "0x4000_1000"))
    assert 'device[0].base: device "a" [0x40001000, 0x40002000) overlaps RAM [0x40000000, 0x41800000)' in msg
    msg = error_for(BASE + dev.format("a", "0x3fff_f000") + 'size = "8KiB"\n')
    assert "memory.ram_size: RAM [0x40000000, 0x41800000) overlaps device" in msg


NODE = "[[memory.node]]\nid = {}\nbase = {}\nsize = {}\n"


@pytest.mark.parametrize("nodes, expected", [
    (NODE.format(0, "0x4000_0000", '"8MiB"') + NODE.format(1, "0x4100_0000", '"16MiB"'),
     "memory.node[1].base: node 1 starts at 0x41000000 but the previous node ends at 0x40800000"),
    (NODE.format(0, "0x4000_0000", '"8MiB"'),
     "memory.node[0].size: nodes end at 0x40800000 but RAM ends at 0x41800000"),
    (NODE.format(0, "0x4010_0000", '"23MiB"'),
     "memory.node[0].base: node 0 starts at 0x40100000 but RAM starts at 0x40000000"),
    (NODE.format(0, "0x4000_0000", '"16MiB"') + NODE.format(1, "0x4080_0000", '"8MiB"'),
     "memory.node[1].base: node 1 starts at 0x40800000 but the previous node ends at 0x41000000"),
    (NODE.format(0, "0x4000_0000", '"8MiB"') + NODE.format(0, "0x4080_0000", '"16MiB"'),
     "memory.node[1].id: node id 0 is used twice"),
    (NODE.format(0, "0x4000_0000", "0") + NODE.format(1, "0x4000_0000", '"24MiB"'),
     "memory.node[0].size: a memory node cannot be empty"),
])
def test_nodes_must_tile_ram(nodes: str, expected: str) -> None:
    assert expected in error_for(BASE + nodes)


def test_nodes_may_be_listed_in_any_order() -> None:
    m = load_machine_text(BASE + NODE.format(1, "0x40C0_0000", '"12MiB"') + NODE.format(0, "0x4000_0000", '"12MiB"'), SRC)
    assert [n.id for n in m.nodes] == [0, 1]


@pytest.mark.parametrize("text, where", [
    (BASE + "[swap]\nsize = 256MiB\n", "line 6, column 11"),
    (BASE + "swap = \n", "line 5, column 8"),
    (BASE + "[machine]\n", "line 5, column"),
])
def test_toml_syntax_errors_carry_line_and_column(text: str, where: str) -> None:
    msg = error_for(text)
    assert msg.startswith(f"{SRC}: {where}") and "invalid TOML" in msg


def test_file_problems(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(MachineConfigError, match="no such file; give a path .* default, rack, small"):
        load_machine(missing)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(MachineConfigError, match="not UTF-8"):
        load_machine(binary)
    good = tmp_path / "good.toml"
    good.write_text(BASE)
    assert load_machine(good).source == str(good)


# --- the exit-code table ---------------------------------------------------------------


def test_exit_code_table() -> None:
    codes = [row.code for row in EXIT_CODES]
    assert len(set(codes)) == len(codes) and codes[0] == 0
    assert {row.name for row in EXIT_CODES} >= {"usage", "config", "elf", "budget", "emulator-fault"}
    assert exit_code_of(MachineConfigError("f", "k", "p")) == 3
    assert exit_code_of(RuntimeError()) == 7
    assert exit_code_of(KeyboardInterrupt()) == 130
    assert exit_code_for_signal(11) == 139
    assert str(MachineConfigError("f.toml", "", "no such file", "fix it")) == "f.toml: no such file; fix it"


def test_configs_are_hashable() -> None:
    a, b = load_machine("small"), load_machine("small")
    assert a == b and hash(a) == hash(b) and len({a, b, load_machine()}) == 2
    assert hash(a.devices[0]) == hash(b.devices[0])
