"""Secure memory management for confidential address spaces (the secure ABI's mechanism side).

The kernel keeps every policy decision (which page to swap, where to migrate,
what to merge, when to collapse a huge page); the Guardian performs each
mechanism as one checked, atomic step, because the kernel can neither read a
confidential frame nor write a table entry that maps one.  The mechanisms
live in two components sharing one set of checks:

- `secure_swap.py`: sealed swap-out, swap-in, sharing and discarding of sealed pages;
- `secure_remap.py`: migration/compaction, page digests, KSM merges, THP
  collapse/split, and the refusal of compression;
- `secure_mm_checks.py`: the argument and page checks both use.

Every refusal leaves the frame table and memory unchanged and is recorded as a
Guardian decision.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Call
from guardian.secure_mm_checks import PageChecks
from guardian.secure_remap import SecureRemap
from guardian.secure_swap import SEAL_HEADER, SEALED_SIZE, SealRecord, SecureSwap, seal_version
from guardian.state import MonitorState

__all__ = ["SEALED_SIZE", "SEAL_HEADER", "SECURE_MM_CALLS", "SealRecord", "SecureMM",
           "seal_version", "secure_mm_for"]

SECURE_MM_CALLS = frozenset({
    Call.SWAP_OUT, Call.SWAP_IN, Call.SWAP_SHARE, Call.SWAP_DISCARD, Call.MIGRATE_PAGE,
    Call.PAGE_DIGEST, Call.KSM_MERGE, Call.THP_COLLAPSE, Call.THP_SPLIT, Call.COMPRESS_PAGE,
})


def secure_mm_for(g: object) -> SecureMM:
    """The Guardian's SecureMM component (kept for callers that hold the Guardian)."""
    return g.secure_mm  # type: ignore[attr-defined,no-any-return]


class SecureMM:
    def __init__(self, state: MonitorState) -> None:
        self.s = state
        page_checks = PageChecks(state)
        self.swap = SecureSwap(state, page_checks)
        self.remap = SecureRemap(state, page_checks)
        sw, rm = self.swap, self.remap
        self._handlers: dict[Call, Callable[..., tuple[int, bytes]]] = {
            Call.SWAP_OUT: sw.swap_out, Call.SWAP_SHARE: sw.swap_share,
            Call.SWAP_DISCARD: sw.swap_discard,
            Call.MIGRATE_PAGE: rm.migrate_page, Call.PAGE_DIGEST: rm.page_digest,
            Call.KSM_MERGE: rm.ksm_merge, Call.THP_COLLAPSE: rm.thp_collapse,
            Call.THP_SPLIT: rm.thp_split, Call.COMPRESS_PAGE: rm.compress_page,
        }
        self._counters = {c: f"guardian.abi.{c.name.lower()}" for c in SECURE_MM_CALLS}

    @property
    def seals(self) -> dict[int, dict[int, SealRecord]]:
        """domain -> version -> the outstanding sealed pages (read by the invariants)."""
        return self.swap.seals

    @property
    def last_version(self) -> dict[int, int]:
        return self.swap.last_version

    # --- the calls (each: root, va, ... -> (value, bytes out)) ---------------------------
    def call(self, call: Call, args: tuple[int, ...], payload: bytes) -> tuple[int, bytes]:
        if call == Call.SWAP_IN:
            value, data = self.swap.swap_in(*args, payload=payload)
        else:
            value, data = self._handlers[call](*args)
        counters = self.s.stats.counters     # (Stats.inc, inline: a digest per page scanned)
        key = self._counters[call]
        counters[key] = counters.get(key, 0) + 1
        return value, data
