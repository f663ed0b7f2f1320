"""The CPU models a machine description may name, and their Unicorn identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from unicorn import arm64_const

CPU_MODELS: Mapping[str, int] = MappingProxyType({
    "cortex-a53": arm64_const.UC_CPU_ARM64_A53,
    "cortex-a57": arm64_const.UC_CPU_ARM64_A57,
    "cortex-a72": arm64_const.UC_CPU_ARM64_A72,
    "max": arm64_const.UC_CPU_ARM64_MAX,
})

