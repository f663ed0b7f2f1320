"""Whether the program still holds a memfd open (memfd_open.py): a descriptor in a live
table keeps it, one closed or in a table whose address space exit tore down does not."""

from __future__ import annotations

from guardian.memfd_open import open_memfd_descriptor
from tests.test_guardian_descriptors import ROOT, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)


def _made_memfd(prog: _Program) -> int:
    prog.call("memfd_create", 0x1000, 0, ret=3, path="m")
    return prog.files.table(ROOT, 1).fds[3].memfd


def test_an_open_descriptor_holds_the_memfd(prog: _Program) -> None:
    memfd = _made_memfd(prog)
    registry = prog.files.admission.registry
    assert open_memfd_descriptor(registry, prog.files, memfd).startswith("3 of thread 1")
    prog.call("close", 3, ret=0)
    assert open_memfd_descriptor(registry, prog.files, memfd) == ""


def test_a_descriptor_of_an_exited_space_holds_nothing(prog: _Program) -> None:
    """exit_group closed every descriptor: once EXIT_DOMAIN retired the space, a page of
    the memfd may go back to the kernel though FREE_PGD has not dropped the table yet."""
    memfd = _made_memfd(prog)
    registry = prog.files.admission.registry
    prog.files.retire(ROOT)
    assert open_memfd_descriptor(registry, prog.files, memfd) == ""
