"""What may enter a domain: the images and files the user admitted, and the check
every frame passes before it joins a domain at an address.

A page entering a domain holds exactly what the program is owed there: its
measured image page, the signal page, the page of an admitted file its own mmap
placed there, zeros, or -- never executable -- input data of a file it mapped
without measurement.
"""

from __future__ import annotations

import hashlib
import posixpath
from typing import TYPE_CHECKING

from abi import Status
from abi.sigframe import SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.clean_pages import CleanPages
from guardian.confidential_registry import Registry
from guardian.cut_movers import file_movers, leaves, shared_frame
from guardian.file_pages import Leaves, Shared
from guardian.file_pages import check_page as check_file_page
from guardian.lone_thread import asleep_since, gone_threads, held_still, lone
from guardian.measure import MeasuredFile, MeasuredImage, measure, measure_file
from guardian.page_tables import ZERO_PAGE
from guardian.slots import PAGE, Space
from guardian.state import MonitorState

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

_NR_IOCTL = NUMBERS["ioctl"]
_IOCTL = frozenset({_NR_IOCTL})


class Admission:
    def __init__(self, state: MonitorState, registry: Registry) -> None:
        self.s = state
        self.registry = registry
        self.images: dict[bytes, MeasuredImage] = {}
        self.files: dict[str, MeasuredFile] = {}   # admitted files the program may map
        #: path -> the bytes of each admitted file (what a read of it returns).
        self.file_data: dict[str, bytes] = {}
        #: Where the user's launch path found each admitted image (its guest path): a file
        #: that begins with the ELF magic, never a script.
        self.image_paths: dict[str, bytes] = {}
        #: digest -> the bytes of an image admitted with its path (what reads of it return).
        self.image_data: dict[bytes, bytes] = {}
        #: Frames holding unmeasured data of a file the program mapped (never executable).
        self.input_frames: set[int] = set()
        #: the program's descriptors (confidential.py sets them): which file a call
        #: in flight writes through
        self.descriptors: Descriptors | None = None
        #: frames that entered a MAP_PRIVATE view of a file only the program holds
        self.clean = CleanPages()

    def admit_image(self, data: bytes, path: str | None = None) -> bytes:
        """The user names a program that may run confidentially (found at guest `path`,
        when the launch path says); returns its digest."""
        image = measure(data)
        self.images[image.digest] = image
        if path is not None:
            self.image_paths[posixpath.normpath(path)] = image.digest
            self.image_data[image.digest] = data
        return image.digest

    def names_elf_image(self, path: bytes) -> bool:
        """Does an absolute `path` name a file the user admitted as an ELF image?"""
        return self.image_at(path) is not None

    def image_at(self, path: bytes) -> bytes | None:
        """The digest of the image the user admitted at an absolute `path` (None: none, or
        a relative path, which only the kernel can resolve)."""
        if not path.startswith(b"/"):
            return None
        return self.image_paths.get(posixpath.normpath(path.decode(errors="surrogateescape")))

    def admit_file(self, path: str, data: bytes) -> bytes:
        """The user (or the sysroot it named) admits a file the program may map: a
        library, its interpreter, a data file; its pages are measured at (path, offset)."""
        measured = measure_file(posixpath.normpath(path), data)
        self.files[measured.path] = measured
        self.file_data[measured.path] = bytes(data)
        return measured.digest

    def file_digest(self, path: str, offset: int) -> bytes:
        """The digest the page at `offset` of the admitted file `path` must have."""
        return self.files[path].page_digest(offset)

    def _movers(self, domain: int, space: Space | None = None, va: int = 0) -> frozenset[int]:
        """The calls of SIZE_MOVERS the domain has in flight that may change the file only
        the program holds mapped at va (cut_movers.py), and an ioctl (a UFFDIO_COPY fills
        a registered private page with bytes of its own)."""
        slots = [s for s in self.registry.slots.values() if s.domain == domain]
        found = space.sole_view(va) if space is not None else None
        mem = getattr(found[0], "file", None) if found is not None else None
        return file_movers(self.descriptors, slots, mem) | frozenset(
            s.nr for s in slots if s.nr == _NR_IOCTL)

    def _leaves(self, domain: int, space: Space | None, va: int
                ) -> tuple[Leaves | None, Shared | None]:
        """What the calls in flight on the file only the program holds mapped at va may
        leave at a page of it (cut_movers.leaves), and the bytes of its MAP_SHARED frame
        (cut_movers.shared_frame)."""
        found = space.sole_view(va) if space is not None and space.sole_views else None
        mem = getattr(found[0], "file", None) if found is not None else None
        dom = self.registry.domains.get(domain)
        files = self.descriptors
        if mem is None or dom is None or files is None:
            return None, None
        reg = self.registry
        slots = [s for s in reg.slots.values() if s.domain == domain]
        shares = self.s.shares
        # one thread can store: one ever made, or one tree left whose clones sharing it
        # are gone (guardian/lone_thread.py); asked only where a shared view's frame is
        # wanted
        spaces, clones = dom.spaces, dom.tree_clones

        def frame(at: int) -> bytes | None:
            gone = gone_threads(reg)
            live = [s for s in slots if (s.root, s.thread) not in gone]
            alone = lone(reg, spaces, clones, gone) or held_still(
                reg, spaces, clones, gone, slots)
            if not alone and asleep_since(reg, spaces, clones, gone, slots):
                # the others asleep in calls they entered before the fault: none
                # stored since, their calls are not the faulting one
                alone, live = True, [s for s in live if s.thread == reg.running]
            return shared_frame(files, shares, domain, alone, live, mem, at)
        return (lambda at: leaves(files, dom, slots, reg.user_runs, mem, at), frame)

    def drops_clean(self, root: int, va: int, pa: int) -> bool:
        """May the frame `pa` leave va as a clean page of a private view (clean_pages.py)?"""
        dom = self.registry.domain_of_root(root)
        space = dom.spaces.get(root) if dom is not None else None
        return self.clean.may_drop(space, root, va, pa)

    def admit_page(self, domain: int, root: int, va: int, pa: int,
                   executable: bool = True, zero_fill: bool = False) -> bool:
        """Before a frame joins a domain at va: it holds exactly what the program is owed
        there (its measured image page, the signal page, an admitted file's page, zeros,
        or -- never executable -- input data of a file it mapped without measurement).

        True: zeros are owed there and the kernel asked for them (SET_PT's zero_fill):
        the caller zero-fills the frame as it commits, and nothing of it is read."""
        dom = self.registry.domains.get(domain)
        if dom is None:
            return False
        self.input_frames.discard(pa)
        expected = dom.image.pages.get(va - dom.bias) if dom.image is not None else None
        if expected is None and dom.program is not None:
            expected = dom.program.pages.get(va - dom.program_bias)
        space = dom.spaces.get(root)
        if zero_fill and expected is None and va != SIGRETURN_TRAMPOLINE and (
                space is None or space.file_page(va) is None):
            # (`settled` counts only at a page of a file only the program holds: asked
            # where the space has such views, not at every demand fault)
            views = space is not None and bool(space.sole_views)
            movers = self._movers(domain, space, va) if views else None
            check_file_page(space, va, None, views and not (movers or _IOCTL) - _IOCTL, movers,
                            *self._leaves(domain, space, va))
            self.clean.note(space, root, va, pa)
            return True         # zeros by construction (what an input page may hold too)
        data = self.s.ram.read(pa, PAGE)
        if expected is not None:
            if hashlib.sha256(data).digest() != expected:
                refuse("set_pt.measured", Status.ERR_DENIED,
                       f"image page at {va:#x} does not match its measurement")
            self.s.stats.inc("guardian.pages_measured")
            return False
        if va == SIGRETURN_TRAMPOLINE:
            if data != SIGPAGE_CONTENT:
                refuse("set_pt.measured", Status.ERR_DENIED,
                       "the signal page does not hold the signal-return trampoline")
            return False
        views = space is not None and bool(space.sole_views)
        movers = self._movers(domain, space, va) if views else None
        check_file_page(space, va, data, views and not (movers or _IOCTL) - _IOCTL, movers,
                        *self._leaves(domain, space, va))
        self.clean.note(space, root, va, pa)
        placed = space.file_page(va) if space is not None else None
        if placed is not None:
            path, offset = placed
            if hashlib.sha256(data).digest() != self.file_digest(path, offset):
                refuse("set_pt.measured_file", Status.ERR_DENIED,
                       f"the page at {va:#x} is not offset {offset:#x} of the admitted file "
                       f"{path} the program mapped there")
            self.s.stats.inc("guardian.file_pages_measured")
            return False
        if data != ZERO_PAGE and space is not None and space.input_page(va):
            # The program asked for this file's bytes, as it would with read(): data it
            # treats as input. Unmeasured, so it must never run as code.
            if executable:
                refuse("set_pt.input_not_exec", Status.ERR_DENIED,
                       f"the page at {va:#x} holds unmeasured file data; it cannot be "
                       "executable")
            self.input_frames.add(pa)
            self.s.stats.inc("guardian.input_pages")
            return False
        if data != ZERO_PAGE:
            refuse("set_pt.zero_fill", Status.ERR_DENIED,
                   f"the page entering the domain at {va:#x} is not zero-filled (only image "
                   "pages carry data in)")
        return False
