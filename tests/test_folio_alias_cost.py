"""set_pt.one_folio's cost: the clean private page of a share page is looked up by file
and page (CleanPages.of_file, at_page), not by walking every clean page the program has
on each fresh frame a share page takes (folio_alias.clean_folio_in)."""

from __future__ import annotations

from types import SimpleNamespace

from guardian.clean_pages import CleanPages
from guardian.folio_alias import clean_folio_in

PAGE = 4096


class _NoWalk(dict):  # type: ignore[type-arg]
    def items(self):  # type: ignore[no-untyped-def]
        raise AssertionError("every clean page walked")

    __iter__ = items  # type: ignore[assignment]


def test_no_walk_of_every_clean_page() -> None:
    clean = CleanPages()
    file = object()
    clean.at_page = _NoWalk({(id(file), n): {0x4000_0000 + n * PAGE} for n in range(64)})
    clean.of_file = {id(file): set().union(*dict.values(clean.at_page))}
    state = SimpleNamespace(admission=SimpleNamespace(clean=clean))
    # (page 100 of the share: no clean page there)
    assert clean_folio_in(state, 1, 0x1000, (object(), 100 * PAGE, 0)) is None  # type: ignore[arg-type]
