"""A program (root in a container with its own /dev) may unlink /dev/null and make a FIFO
there with mknodat(): its open then gives a FIFO, fifo_poll() is a ->poll, and Linux's
do_epoll_ctl() adds it, answering 0.  The mknodat() moves /dev's names (root_moves.py),
so return.kind_needed's /dev/null rule no longer judges; one directly in /tmp does not."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian.admitted_reads import AdmittedReads
from guardian.cut_movers import boot_names
from guardian.root_moves import moves_root
from guardian.slots import Slot

PAGE = 4096


class _Memory:
    def __init__(self, names: dict[int, str]) -> None:
        self.names = names

    def read(self, va: int, n: int, root: int) -> bytes:
        base = va & ~(PAGE - 1)
        page = self.names[base].encode().ljust(PAGE, b"\0")
        return page[va % PAGE:va % PAGE + n]


def _mknod(name: str) -> tuple[_Memory, Slot]:
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS["mknodat"],
                args=(-100 & (1 << 64) - 1, 0x10000, 0o10644, 0, 0, 0), root=7)
    return _Memory({0x10000: name}), slot


@pytest.mark.parametrize(("name", "moves"), [
    ("/dev/null", True), ("dev/null", True), ("/tmp/fifo", False), ("/tmp/a/fifo", True),
])
def test_mknodat_moves_dev_names_but_directly_in_tmp(name: str, moves: bool) -> None:
    memory, slot = _mknod(name)
    assert moves_root(memory, slot, lambda spans: True) is moves  # type: ignore[arg-type]
    assert moves_root(memory, slot, lambda spans: False)          # type: ignore[arg-type]


def test_a_fifo_made_at_dev_null_ends_the_boot_names() -> None:
    """The program's own mknodat() of /dev/null is recorded: boot_names() is then False,
    and kind_needed.py leaves epoll_ctl() of the FIFO it opens there to Linux."""
    memory, slot = _mknod("/dev/null")
    registry = SimpleNamespace(slots={}, domains={}, user_runs={})
    admission = SimpleNamespace(registry=registry, files=set())
    reads = AdmittedReads(memory, None, admission)  # type: ignore[arg-type]
    reads._settled = lambda slot, spans: True      # type: ignore[method-assign]
    files = SimpleNamespace(admitted_reads=reads, admission=admission)
    assert boot_names(files)                        # type: ignore[arg-type]
    reads.record(slot, 0)
    assert not boot_names(files)                    # type: ignore[arg-type]
    assert not reads.names_moved                    # (no admitted file's name moved)
