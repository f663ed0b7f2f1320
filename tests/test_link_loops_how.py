"""return.link_loop reads openat2()'s struct open_how at the return: only where it lay
quiet through the call (guardian/link_loops.py)."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian import link_loops
from guardian.checks import Refused
from guardian.fd_names import Reach
from guardian.slots import Domain, Slot, Space

PAGE = 4096
NAME, HOW = 0x10000, 0x20000


class _Memory:
    def __init__(self, pages: dict[int, bytes]) -> None:
        self.pages = pages

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        page = self.pages.get(va & ~(PAGE - 1))
        return None if page is None else page[va % PAGE:va % PAGE + n]


def _judge(monkeypatch: pytest.MonkeyPatch, space: Space) -> bool:
    """Is an openat2() of a name following 41 links refused?"""
    monkeypatch.setattr(link_loops, "followed_links", lambda *a: 41)
    how = struct.pack("<QQQ", 0, 0, 0).ljust(PAGE, b"\0")
    memory = _Memory({NAME: b"/proc/self/x\0".ljust(PAGE, b"\0"), HOW: how})
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS["openat2"],
                args=(-100 & (1 << 64) - 1, NAME, HOW, 24, 0, 0), root=7)
    slot.runs_at_entry = {7: 0}
    files = SimpleNamespace(memory=memory, reach=lambda s: Reach(root=True, thread_cwd="/"),
                            base_steady=lambda s, d: True, steady=lambda s: True,
                            table=lambda r, t: SimpleNamespace(fds={}))
    registry = SimpleNamespace(domains={1: Domain(id=1, spaces={7: space})},
                               slots={1: slot}, user_runs={})
    try:
        link_loops.check(files, registry, slot)  # type: ignore[arg-type]
    except Refused as e:
        assert e.check == "return.link_loop"
        return True
    return False


def test_open_how_in_shared_memory_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process may clear O_NOFOLLOW in a MAP_SHARED open_how after
    copy_struct_from_user() copied it: the flags read at the return are not known."""
    assert _judge(monkeypatch, Space())
    shared = Space()
    shared.shared_areas = [(HOW, HOW + PAGE, 1, 0)]
    assert not _judge(monkeypatch, shared)
