"""The fork copy: while a fork child's tree may take its parent's pages.

Two trees of a domain share a page only where it was the same page in both at the
fork.  FORK_DOMAIN opens the child's copy window; the kernel then maps the parent's
frames at the same addresses in the child (SET_PT) and lets the child claim the
parent's sealed pages (SWAP_SHARE).  The window closes as soon as user code of
either tree runs again: until then neither side can have changed a page the two
share (the kernel never writes a confidential frame), so what the parent holds now
is what it held at the fork.  After that a page is that tree's alone; only a
rewrite of an entry that already maps the frame (a permission change), or a share
the program made (MAP_SHARED), keeps a frame in several trees.

The window also has a debt: every page of the parent's private areas at the fork
(present or sealed) must be in the child when the window closes, except where the
program's own MADV_WIPEONFORK (empty) or MADV_DONTFORK (out) said otherwise.  A page
left out would come back to the child as a fresh zero page: memory the program did
not give up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What the parent held at a va at the fork: a frame, or a sealed page (SEALED).
SEALED = -1


@dataclass
class Owed:
    """The child's debt: the parent's pages it must hold when the window closes."""

    parent: int
    pages: dict[int, int] = field(default_factory=dict)     # va -> frame PA or SEALED


class ForkCopy:
    def __init__(self) -> None:
        #: child tree -> the parent tree it is being copied from (open windows only).
        self.windows: dict[int, int] = {}
        #: child tree -> the pages its parent held at the fork (open windows only).
        self._owed: dict[int, Owed] = {}

    def open(self, parent: int, child: int, owed: dict[int, int] | None = None) -> None:
        """FORK_DOMAIN made `child` from `parent`: the copy may begin; `owed` (va -> frame
        or SEALED) is what the child must hold by the time either runs."""
        self.windows[child] = parent
        self._owed[child] = Owed(parent, dict(owed or {}))

    def copying(self, child: int, parent: int) -> bool:
        """Is `child` being copied from `parent` (no user code of either has run since)?"""
        return self.windows.get(child) == parent

    def copied(self, child: int, va: int, copy: int, source: int) -> None:
        """SET_PT mapped `copy`, a checked COPY_PAGE copy of `source`, at va of `child`
        in place of its source: where the child owed its parent's page, the copy pays it."""
        owed = self._owed.get(child)
        if owed is not None and owed.pages.get(va) == source:
            owed.pages[va] = copy

    def closing(self, root: int) -> list[tuple[int, Owed]]:
        """(child, its debt) of every window that user code of tree `root` would close."""
        return [(c, o) for c, o in self._owed.items() if root in (c, o.parent)]

    def ran(self, root: int) -> None:
        """User code of tree `root` runs: every copy window it is a side of closes."""
        if self.windows:
            self.windows = {c: p for c, p in self.windows.items() if root not in (c, p)}
            self._owed = {c: o for c, o in self._owed.items() if c in self.windows}

    forget = ran     # a tree torn down (its root may be reused) is no side of any window
