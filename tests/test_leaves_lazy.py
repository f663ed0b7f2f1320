"""What a page of a view of a file only the program holds is judged against is built at
each SET_PT (confidential_admission `Admission._leaves`): the count of the threads gone
is taken only where a shared view's frame is asked for, not at every such SET_PT."""

from __future__ import annotations

from types import SimpleNamespace

from guardian.confidential_admission import Admission
from guardian.file_pages import FileView
from guardian.slots import Space
from guardian.sole_files import MemFile


class _Untouchable(set):   # type: ignore[type-arg]
    def __iter__(self):    # type: ignore[no-untyped-def]
        raise AssertionError("tid_cleared walked")


def test_the_threads_gone_are_not_walked_at_every_set_pt() -> None:
    mem = MemFile(size=4096)
    space = Space(areas=[(0x10000, 0x11000)])
    space.sole_views = [(0x10000, 0x11000, FileView(mem, None, True), 0)]
    dom = SimpleNamespace(spaces={5: space}, tree_clones=1)
    reg = SimpleNamespace(slots={}, domains={1: dom}, threads_made=lambda: 2,
                          tid_cleared=_Untouchable({(5, 3)}), user_runs={})
    stub = SimpleNamespace(registry=reg, descriptors=object(),
                           s=SimpleNamespace(shares=object()))
    leaves, shared = Admission._leaves(stub, 1, space, 0x10000)  # type: ignore[arg-type]
    assert leaves is not None and shared is not None
