"""Domain lifecycle of confidential processes: admitting a measured image,
creating a domain from an exec'd tree, forking a confidential thread (and its
address space), and retiring roots and domains at exit.  The Guardian records
which roots, slots and frames belong to which domain; a page may only be
discarded when the program asked for it or its address space is being torn down.
"""

from __future__ import annotations

import hashlib
import struct

from abi import FrameKind, Status
from emulator import descriptors as D
from emulator.fastuc import (
    CTX_PC,
    CTX_SP,
    CTX_TPIDR,
    UserContext,
)
from guardian.capabilities import (
    R,
    W,
)
from guardian.measure import measure
from guardian.slots import (
    CLONE_CHILD_CLEARTID,
    NR_BRK,
    NR_EXECVE,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_MADVISE,
    NR_MREMAP,
    NR_MUNMAP,
    PAGE,
    STACK_ABOVE,
    STACK_RESERVE,
    Domain,
    Slot,
)


class DomainMixin:
    """CREATE_DOMAIN, fork, exit and teardown of confidential domains."""

    def admit_image(self, data: bytes) -> bytes:
        """The user names a program that may run confidentially; returns its digest."""
        image = measure(data)
        self.images[image.digest] = image
        return image.digest

    def create(self, root: int, entry: int, sp: int, digest: bytes) -> tuple[Status, int]:
        """exec of a confidential image: the tree becomes a new domain; the first slot."""
        if not self.g._is_root(root):
            return self.g._decide("create_domain", Status.ERR_KIND, f"{root:#x} is no root"), 0
        if root in self.root_domain:
            return self.g._decide("create_domain", Status.ERR_STATE, "already confidential"), 0
        image = self.images.get(digest)
        if image is None:
            return self.g._decide("create_domain", Status.ERR_DENIED,
                                  "the image was not admitted by the user (no measurement)"), 0
        bias = entry - image.entry
        if (bias and not image.dynamic) or bias % PAGE:
            return self.g._decide("create_domain", Status.ERR_DENIED,
                                  f"entry {entry:#x} is not the measured entry point"), 0
        dom = Domain(self._next_domain, key=hashlib.sha256(
            b"blindfold-domain" + struct.pack("<QQ", self.g.machine.config.seed,
                                              self._next_domain)).digest())
        self._next_domain += 1
        dom.image, dom.bias = image, bias
        dom.areas = [(a + bias, b + bias) for a, b in image.areas]
        dom.areas.append(((sp & ~(PAGE - 1)) - STACK_RESERVE, (sp & ~(PAGE - 1)) + STACK_ABOVE))
        dom.brk_start = dom.brk = max(b for _, b in dom.areas[:-1])
        shared = self._shared_leaves(root)
        if shared is not None:
            return self.g._decide("create_domain", Status.ERR_STATE,
                                  f"frame {shared:#x} is also mapped elsewhere"), 0
        dom.roots.add(root)
        self.domains[dom.id] = dom
        self.root_domain[root] = dom.id
        self._adopt_tree(root, dom.id)
        ctx = UserContext()
        ctx.set(CTX_PC, entry)
        ctx.set(CTX_SP, sp)
        slot = Slot(self._next_slot, dom.id, ctx, entry, None, root=root)
        self._next_slot += 1
        self.slots[slot.id] = slot
        if self.cpu.ttbr0 & D.ADDR_MASK == root:
            self._set_kernel_view(True)
        return Status.OK, slot.id

    def _shared_leaves(self, root: int) -> int | None:
        """A frame the tree maps that some other mapping also uses (None if none)."""
        fr = self.g.frames
        for table, level in self._tables(root, 0):
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and (level == 3 or not desc & D.TABLE):
                    for pa in self.g._leaf_frames(level, desc):
                        if not fr.contains(pa):
                            return pa
                        rec = fr.record(pa)
                        if rec.user_maps != 1 or rec.kind == FrameKind.CONFIDENTIAL:
                            return pa
        return None

    def _adopt_tree(self, root: int, domain: int) -> None:
        """A new domain's tree: its tables and the frames it maps become the domain's."""
        for table, level in self._tables(root, 0):
            self.g.frames.owner[self.g.frames.index(table)] = domain
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and (level == 3 or not desc & D.TABLE):
                    for pa in self.g._leaf_frames(level, desc):
                        self.protect_frame(pa, domain)

    def _tables(self, table: int, level: int) -> list[tuple[int, int]]:
        out = [(table, level)]
        if level < 3:
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and desc & D.TABLE:
                    out += self._tables(desc & D.ADDR_MASK, level + 1)
        return out

    def exit_root(self, root: int) -> Status:
        """The kernel tears an address space down: nothing of it runs again."""
        if root not in self.root_domain:
            return self.g._decide("exit_domain", Status.ERR_KIND,
                                  f"{root:#x} is not a confidential address space")
        self.dying.add(root)
        for sid in [s.id for s in self.slots.values() if s.root == root]:
            del self.slots[sid]
        return Status.OK

    def may_discard(self, root: int, va: int) -> bool:
        """May the last mapping of the confidential page at va go (and the page with it)?

        Only when the program asked for it (munmap, madvise, a smaller brk or mremap,
        exit, execve, in a syscall it is making now) or its address space is being torn
        down; anything else would silently replace its data with zeros."""
        if root in self.dying:
            return True
        for slot in self.slots.values():
            if slot.root != root or slot.nr is None:
                continue
            a = slot.args
            if slot.nr in (NR_EXIT, NR_EXIT_GROUP, NR_EXECVE):
                return True
            if slot.nr in (NR_MUNMAP, NR_MADVISE) and a[0] <= va < a[0] + a[1]:
                return True
            if slot.nr == NR_MREMAP and a[0] <= va < a[0] + a[1]:
                return True
            if slot.nr == NR_BRK and a[0] and va >= a[0] - PAGE:
                return True
        return False

    def fork(self, child_root: int, parent_slot: int, flags: int) -> tuple[Status, int]:
        """clone/fork of a confidential thread: the child's context comes from the
        parent's saved one (x0 = 0, stack and TLS from the Guardian's copy of the args)."""
        slot = self.slots.get(parent_slot)
        if slot is None or slot.nr not in (220, 435):
            return self.g._decide("fork", Status.ERR_STATE, "no clone in progress"), 0
        dom = self.domains[slot.domain]
        if child_root:
            if not self.g._is_root(child_root) or child_root in self.root_domain:
                return self.g._decide("fork", Status.ERR_KIND, "bad child root"), 0
            if any(d & D.VALID for d in struct.unpack("<512Q", self.g.ram.read(child_root, PAGE))):
                return self.g._decide("fork", Status.ERR_STATE, "the child tree is not empty"), 0
            dom.roots.add(child_root)
            self.root_domain[child_root] = dom.id
            self.g.frames.owner[self.g.frames.index(child_root)] = dom.id
        ctx = slot.ctx.copy()
        ctx.set(0, 0)
        ctx.set(CTX_PC, slot.elr)
        if slot.nr == 220:
            stack, tls, set_tls = slot.args[1], slot.args[3], bool(slot.args[0] & 0x80000)
        else:
            raw = self.read_user(slot.args[0], 64) or bytes(64)
            cflags, _, _, _, _, stk, stk_size, tls = struct.unpack("<8Q", raw)
            stack, set_tls = (stk + stk_size if stk else 0), bool(cflags & 0x80000)
        if stack:
            ctx.set(CTX_SP, stack)
        if set_tls:
            ctx.set(CTX_TPIDR, tls)
        child_tid = slot.args[4] if slot.nr == 220 else (
            struct.unpack_from("<Q", self.read_user(slot.args[0], 24) or bytes(24), 16)[0])
        if flags & CLONE_CHILD_CLEARTID and child_tid:
            # The kernel clears this word when the child exits (pthread_join waits on it).
            dom.long_lived.append((child_tid, child_tid + 4, R | W))
        child = Slot(self._next_slot, dom.id, ctx, slot.elr, None,
                     root=child_root or slot.root)
        self._next_slot += 1
        self.slots[child.id] = child
        return Status.OK, child.id

    def forget_root(self, root: int) -> None:
        self.dying.discard(root)
        dom_id = self.root_domain.pop(root, None)
        if dom_id is None:
            return
        dom = self.domains[dom_id]
        dom.roots.discard(root)
        if not dom.roots:
            del self.domains[dom_id]
            for sid in [s.id for s in self.slots.values() if s.domain == dom_id]:
                del self.slots[sid]
