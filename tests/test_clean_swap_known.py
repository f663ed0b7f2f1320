"""swap_in.clean_known: a sealed clean page of a memfd page whose bytes the Guardian does
not know because a shared view may have stored there never comes back by SWAP_IN -- Linux
never swaps a clean file folio out (shrink_folio_list() drops its entry; the refault
maps the page cache folio as it is then) -- while one whose bytes it knows comes back as
those bytes (clean_pages.swapped_in)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from guardian.checks import Refused
from guardian.clean_pages import CleanPages
from guardian.secure_swap import SecureSwap

PAGE = 4096
VA = 0x7000_0000 + 2 * PAGE


def _clean(known: bytes | None, stored: bool = True) -> tuple[CleanPages, object]:
    # (bytes not known: a shared view stored to page 2, MemFile.loose, unless `stored`
    # is False -- a file past what the Guardian keeps of it)
    file = SimpleNamespace(known=lambda pos, n: known,
                           loose={2} if known is None and stored else set())
    clean = CleanPages()
    clean.sealed[(1, 7)] = (file, 2)
    clean.private_view = lambda space, va: (SimpleNamespace(file=file), 2 * PAGE) \
        if va == VA else None  # type: ignore[method-assign]
    return clean, file


def test_a_sealed_clean_page_of_unknown_bytes_is_refused() -> None:
    clean, _ = _clean(None)
    with pytest.raises(Refused) as got:
        SecureSwap._check_clean_known(clean, None, 1, 7, VA)
    assert got.value.check == "swap_in.clean_known"
    assert (1, 7) in clean.sealed           # (refused with no effect)


def test_known_bytes_another_page_or_version_pass() -> None:
    clean, _ = _clean(b"y" * PAGE)
    SecureSwap._check_clean_known(clean, None, 1, 7, VA)
    clean, _ = _clean(None)
    SecureSwap._check_clean_known(clean, None, 1, 7, VA + PAGE)    # another view's page
    SecureSwap._check_clean_known(clean, None, 1, 8, VA)           # no clean page sealed


def test_a_big_files_unkept_page_passes() -> None:
    """Bytes not kept (a file past sole_held.KEPT) but no shared view's store: the kernel
    model's reclaim swaps such a clean copy (an O_TMPFILE view's read fault) honestly."""
    clean, _ = _clean(None, stored=False)
    SecureSwap._check_clean_known(clean, None, 1, 7, VA)
