"""The machine description's value objects compare, hash and print as the frozen
dataclasses they were generated as (their methods are written once by hand)."""

from __future__ import annotations

import dataclasses

import pytest

from emulator import machine_types as mt
from emulator.machine_config import bundled_machines, load_machine


def _generated_twin(obj: object) -> object:
    """The same values in a class whose methods @dataclass(frozen=True) generates."""
    cls = type(obj)
    twin = dataclasses.make_dataclass(cls.__qualname__, [f.name for f in dataclasses.fields(cls)],
                                      frozen=True)
    return twin(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})


def _values(config: mt.MachineConfig) -> list[object]:
    return [config, config.cpu, *config.nodes, *config.devices, *config.address_map(),
            *([config.rack] if config.rack else [])]


@pytest.mark.parametrize("name", sorted(bundled_machines()))
def test_repr_eq_and_hash_agree_with_generated_ones(name: str) -> None:
    config = load_machine(name)
    for obj in _values(config):
        twin = _generated_twin(obj)
        assert repr(obj) == repr(twin)
        copy = dataclasses.replace(obj)           # type: ignore[type-var]
        assert copy == obj and not copy != obj and hash(copy) == hash(obj)
        assert (obj == twin) is False             # another class is never equal
        if "__hash__" not in type(obj).__dict__:  # (classes with mappings hash their own way)
            assert hash(obj) == hash(twin)
    changed = dataclasses.replace(config, seed=config.seed + 1)
    assert changed != config and hash(changed) != hash(config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1                           # type: ignore[misc]
