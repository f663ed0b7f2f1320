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
"""

from __future__ import annotations


class ForkCopy:
    def __init__(self) -> None:
        #: child tree -> the parent tree it is being copied from (open windows only).
        self.windows: dict[int, int] = {}

    def open(self, parent: int, child: int) -> None:
        """FORK_DOMAIN made `child` from `parent`: the copy may begin."""
        self.windows[child] = parent

    def copying(self, child: int, parent: int) -> bool:
        """Is `child` being copied from `parent` (no user code of either has run since)?"""
        return self.windows.get(child) == parent

    def ran(self, root: int) -> None:
        """User code of tree `root` runs: every copy window it is a side of closes."""
        if self.windows:
            self.windows = {c: p for c, p in self.windows.items() if root not in (c, p)}

    forget = ran     # a tree torn down (its root may be reused) is no side of any window
