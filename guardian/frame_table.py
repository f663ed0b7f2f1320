"""The Guardian's per-frame table and the only transitions that change it.

One record per 4 KiB frame of RAM: its kind, owner (a protection domain, or 0),
how many user leaf entries map it, and for table pages their level and their
single parent entry.  For frames of a domain's trees it also keeps where each
mapping is (root, user VA, entry), which the one-mapping rule needs.

Every change is a named transition below; callers check first and commit
through these, so a refused call changes nothing.  An observer (the DMA bus
filter) hears every change of kind.  `violations` lists broken invariants.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass

from abi import FrameKind

PAGE = 4096
NO_PARENT = 0
#: FrameKind by value (the enum's own call costs a microsecond on every lookup).
_KINDS: dict[int, FrameKind] = {int(k): k for k in FrameKind}

#: (root PA, user VA, entry PA) of one leaf mapping in a domain's tree.
Mapping = tuple[int, int, int]


@dataclass(frozen=True)
class FrameRecord:
    pa: int
    kind: FrameKind
    owner: int
    user_maps: int
    level: int
    parent: int          # PA of the parent entry (table_pa + 8*index), 0 when none


class FrameTable:
    def __init__(self, ram_base: int, ram_size: int) -> None:
        self.base = ram_base
        self.nframes = ram_size // PAGE
        n = self.nframes
        self.kind = bytearray(n)                       # FrameKind values
        self.owner = array("Q", bytes(8 * n))
        self.user_maps = array("I", bytes(4 * n))
        self.level = bytearray(n)
        self.parent = array("Q", bytes(8 * n))
        #: Where each frame mapped in a domain's tree is mapped.
        self.where: dict[int, set[Mapping]] = {}
        #: Extra (root, va) positions the Guardian itself shared a frame to (KSM).
        self.shares: dict[int, set[tuple[int, int]]] = {}
        #: A confidential copy not yet mapped -> the frame it was copied from (COPY_PAGE).
        self.copy_binding: dict[int, int] = {}
        #: A confidential share page no mapping holds, kept for the share (a memfd's
        #: pages outlive their mappings) -> the share page it is: (share, offset, origin).
        self.held: dict[int, tuple[int, int, int]] = {}
        #: The same, by (domain, share page) -> frame.
        self.held_at: dict[tuple[int, tuple[int, int, int]], int] = {}
        #: A memfd share page's frame a private view maps read-only (its folio,
        #: folio_alias.py) -> that share page: held for it when its last mapping goes.
        self.folio_key: dict[int, tuple[int, int, int]] = {}
        #: The same, by share page -> its frames (memfd_mapped.page_frame looks it up on
        #: each read or write of the memfd: no walk of every such frame).
        self.folio_at: dict[tuple[int, int, int], set[int]] = {}
        #: Whether a frame's places are all one page of a share the program itself made
        #: (MAP_SHARED); the Guardian's record of shares answers it.
        self.program_share: Callable[[int, set[Mapping]], bool] = lambda pa, places: False
        #: Called as (pa, old kind, new kind) on every change of kind into or out of
        #: one of `kind_watch` (every kind unless the watcher says fewer).
        self.on_kind: Callable[[int, FrameKind, FrameKind], None] | None = None
        self.kind_watch: frozenset[int] = frozenset(int(k) for k in FrameKind)

    # --- reading ------------------------------------------------------------------
    def index(self, pa: int) -> int | None:
        n = (pa - self.base) // PAGE
        return n if 0 <= n < self.nframes and pa >= self.base else None

    def contains(self, pa: int) -> bool:
        return self.index(pa) is not None

    def kind_of(self, pa: int) -> FrameKind:
        n = self.index(pa)
        return _KINDS[self.kind[n]] if n is not None else FrameKind.FREE

    def _index_of_frame(self, pa: int) -> int:
        n = self.index(pa)
        if n is None:
            raise ValueError(f"{pa:#x} is not a RAM frame")
        return n

    def level_of(self, pa: int) -> int:
        """record(pa).level, without building the record (hot: every table write)."""
        return self.level[self._index_of_frame(pa)]

    def parent_of(self, pa: int) -> int:
        """record(pa).parent, without building the record."""
        return self.parent[self._index_of_frame(pa)]

    def record(self, pa: int) -> FrameRecord:
        n = self.index(pa)
        if n is None:
            raise ValueError(f"{pa:#x} is not a RAM frame")
        return FrameRecord(pa=self.base + n * PAGE, kind=_KINDS[self.kind[n]],
                           owner=self.owner[n], user_maps=self.user_maps[n],
                           level=self.level[n], parent=self.parent[n])

    def frames_of(self, kind: FrameKind) -> list[int]:
        k = int(kind)
        return [self.base + i * PAGE for i, v in enumerate(self.kind) if v == k]

    def mappings(self, pa: int) -> set[Mapping]:
        return self.where.get(pa, set())

    def snapshot(self) -> tuple[bytes, ...]:
        """The whole table as bytes (for 'a refused call changes nothing' checks)."""
        where = repr(sorted((k, sorted(v)) for k, v in self.where.items() if v)).encode()
        return (bytes(self.kind), self.owner.tobytes(), self.user_maps.tobytes(),
                bytes(self.level), self.parent.tobytes(), where,
                repr(sorted(self.copy_binding.items())).encode(),
                repr(sorted(self.held.items())).encode())

    # --- transitions ----------------------------------------------------------------
    def _set_kind(self, n: int, kind: FrameKind) -> None:
        old = self.kind[n]
        self.kind[n] = kind
        if old != kind and self.on_kind is not None \
                and (old in self.kind_watch or kind in self.kind_watch):
            self.on_kind(self.base + n * PAGE, _KINDS[old], kind)

    def set_kind(self, pa: int, kind: FrameKind, *, owner: int = 0, level: int = 0) -> None:
        """Boot-time (and test) assignment of a frame's kind; calls use the transitions."""
        n = self.index(pa)
        assert n is not None
        self._set_kind(n, kind)
        self.owner[n] = owner
        self.level[n] = level
        if kind != FrameKind.PAGE_TABLE:
            self.parent[n] = NO_PARENT

    def claim_for_guardian(self, pa: int) -> None:
        """Boot: a frame becomes the Guardian's own memory."""
        self.set_kind(pa, FrameKind.GUARDIAN)

    def make_table(self, pa: int, level: int) -> None:
        """REGISTER_PT: a FREE/KERNEL frame becomes a kernel-owned table."""
        self.set_kind(pa, FrameKind.PAGE_TABLE, level=level)

    def make_domain_table(self, pa: int, level: int, domain: int) -> None:
        """THP split: the Guardian turns a free frame into a domain's table."""
        self.set_kind(pa, FrameKind.PAGE_TABLE, owner=domain, level=level)

    def free_table(self, pa: int) -> None:
        """RELEASE_PT, FREE_PGD, THP collapse: a table frame is FREE again."""
        self.set_kind(pa, FrameKind.FREE)

    def link_table(self, child: int, entry_pa: int, domain: int) -> None:
        """A table descriptor at entry_pa now names child; the child joins that tree's domain."""
        n = self.index(child)
        assert n is not None
        self.parent[n] = entry_pa
        self.owner[n] = domain

    def unlink_table(self, child: int) -> None:
        n = self.index(child)
        if n is not None:
            self.parent[n] = NO_PARENT

    def adopt_table(self, pa: int, domain: int) -> None:
        """CREATE_DOMAIN / FORK_DOMAIN: a table of the new domain's tree."""
        n = self.index(pa)
        assert n is not None
        self.owner[n] = domain

    def map_leaf(self, pa: int, where: Mapping | None = None) -> None:
        """A leaf entry now maps pa (where: its position, for a domain's tree)."""
        n = (pa - self.base) // PAGE         # (index, inline: every demand fault)
        if not 0 <= n < self.nframes or pa < self.base:
            return
        self.user_maps[n] += 1
        kind = self.kind[n]
        if kind == FrameKind.FREE or kind == FrameKind.KERNEL:
            self.kind[n] = FrameKind.USER       # (_set_kind, inline: every demand fault)
            watch = self.kind_watch
            if self.on_kind is not None and (kind in watch or FrameKind.USER in watch):
                self.on_kind(pa, _KINDS[kind], FrameKind.USER)
        if where is not None:
            self.where.setdefault(pa, set()).add(where)
            self.copy_binding.pop(pa, None)
            if pa in self.held:
                self._unhold(pa)

    def record_place(self, pa: int, where: Mapping) -> None:
        """CREATE_DOMAIN: an existing mapping's place, now that its tree is a domain's."""
        self.where.setdefault(pa, set()).add(where)

    def unmap_leaf(self, pa: int, where: Mapping | None = None) -> int:
        """A leaf entry no longer maps pa; returns how many mappings remain.

        A USER frame with none left is FREE again; a CONFIDENTIAL one must be
        released by the caller (scrubbed first)."""
        n = (pa - self.base) // PAGE         # (index, inline: every page unmapped)
        if not 0 <= n < self.nframes or pa < self.base or not self.user_maps[n]:
            return 0
        self.user_maps[n] -= 1
        if where is not None:
            places = self.where.get(pa)
            if places is not None:
                places.discard(where)
                if not places:
                    del self.where[pa]
        left = self.user_maps[n]
        if not left:
            self.where.pop(pa, None)
            self.shares.pop(pa, None)
            if self.kind[n] == FrameKind.USER:
                self.kind[n] = FrameKind.FREE   # (_set_kind, inline: every page unmapped)
                watch = self.kind_watch
                if self.on_kind is not None and (FrameKind.USER in watch or FrameKind.FREE in watch):
                    self.on_kind(pa, FrameKind.USER, FrameKind.FREE)
        return left

    def make_confidential(self, pa: int, domain: int) -> bool:
        """A frame joins a domain; False if it already was confidential."""
        n = (pa - self.base) // PAGE         # (index and _set_kind, inline: every fault)
        if not 0 <= n < self.nframes or pa < self.base:
            return False
        old = self.kind[n]
        if old == FrameKind.CONFIDENTIAL:
            return False
        self.kind[n] = FrameKind.CONFIDENTIAL
        if self.on_kind is not None:
            self.on_kind(self.base + n * PAGE, _KINDS[old], FrameKind.CONFIDENTIAL)
        self.owner[n] = domain
        return True

    def bind_copy(self, pa: int, source: int) -> None:
        """COPY_PAGE of a confidential frame: the copy may only take its source's place."""
        self.copy_binding[pa] = source

    def record_share(self, pa: int, root: int, va: int) -> None:
        """KSM: the Guardian itself maps pa at (root, va) as well."""
        self.shares.setdefault(pa, set()).add((root, va))

    def note_folio(self, pa: int, key: tuple[int, int, int]) -> None:
        """The frame `pa` is the folio of the share page `key` a private view maps."""
        self.drop_folio(pa)
        self.folio_key[pa] = key
        self.folio_at.setdefault(key, set()).add(pa)

    def drop_folio(self, pa: int) -> None:
        key = self.folio_key.pop(pa, None)
        if key is None:
            return
        frames = self.folio_at[key]
        frames.discard(pa)
        if not frames:
            del self.folio_at[key]

    def hold(self, pa: int, key: tuple[int, int, int]) -> None:
        """The last mapping of a confidential share page went while the share keeps its
        pages: the frame stays the domain's, mappable again only as that share page."""
        n = self.index(pa)
        assert n is not None and self.kind[n] == FrameKind.CONFIDENTIAL
        self.drop_folio(pa)
        self.held[pa] = key
        self.held_at[(self.owner[n], key)] = pa

    def pass_held(self, pa: int, owner: int, key: tuple[int, int, int]) -> None:
        """A held share page passes, still unmapped and confidential, to another domain as
        its share page `key` (a memfd a program kept open across its own execve)."""
        n = self.index(pa)
        assert n is not None and pa in self.held and not self.user_maps[n]
        self._unhold(pa)
        self.owner[n] = owner
        self.hold(pa, key)

    def _unhold(self, pa: int) -> None:
        key = self.held.pop(pa, None)
        if key is not None:
            n = self.index(pa)
            assert n is not None
            self.held_at.pop((self.owner[n], key), None)

    def release_confidential(self, pa: int) -> None:
        """The last mapping of a (scrubbed) confidential frame went, or a held one was
        reclaimed: FREE again."""
        n = self.index(pa)
        assert n is not None
        self.where.pop(pa, None)
        self.shares.pop(pa, None)
        self.copy_binding.pop(pa, None)
        self.drop_folio(pa)
        if pa in self.held:
            self._unhold(pa)
        # (set_kind(pa, FREE) on the index found above)
        self._set_kind(n, FrameKind.FREE)
        self.owner[n] = 0
        self.level[n] = 0
        self.parent[n] = NO_PARENT

    # --- invariants -------------------------------------------------------------------
    def violations(self) -> list[str]:
        """Invariant breaches of the table on its own (empty when consistent)."""
        out = []
        kinds = self.kind
        for i in range(self.nframes):
            kind = kinds[i]
            if not kind and not self.parent[i]:
                continue
            pa = self.base + i * PAGE
            if kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE) and self.user_maps[i]:
                out.append(f"{FrameKind(kind).name} frame {pa:#x} is mapped by a user table")
            if kind != FrameKind.PAGE_TABLE and self.parent[i]:
                out.append(f"non-table frame {pa:#x} has a parent entry")
            if kind == FrameKind.USER and not self.user_maps[i]:
                out.append(f"USER frame {pa:#x} has no mappings")
            if kind == FrameKind.CONFIDENTIAL:
                if not self.owner[i]:
                    out.append(f"CONFIDENTIAL frame {pa:#x} has no domain")
                if not self.user_maps[i] and pa not in self.copy_binding \
                        and pa not in self.held:
                    out.append(f"CONFIDENTIAL frame {pa:#x} has no mapping and is no pending "
                               "copy or held share page")
                if pa in self.held and self.user_maps[i]:
                    out.append(f"held share page {pa:#x} is mapped")
                places = self.where.get(pa, set())
                vas = {va for _, va, _ in places}
                if len(vas - {v for _, v in self.shares.get(pa, set())}) > 1 \
                        and not self.program_share(pa, places):
                    out.append(f"CONFIDENTIAL frame {pa:#x} is mapped at several addresses "
                               f"{sorted(hex(v) for v in vas)} without a recorded share")
        for pa, places in self.where.items():
            n = self.index(pa)
            if n is not None and len(places) > self.user_maps[n]:
                out.append(f"frame {pa:#x} has {len(places)} recorded places but "
                           f"{self.user_maps[n]} mappings")
        return out
