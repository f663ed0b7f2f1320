"""The aio ring io_setup() maps, as fs/aio.c makes it.

io_setup(nr_events, ctxp) refuses nr_events 0 (-EINVAL) and more than
0x10000000 / num_possible_cpus() (ioctx_alloc(): -EINVAL); otherwise ioctx_alloc() makes
its ring max(nr_events, num_possible_cpus() * 4) * 2 events and aio_setup_ring() maps
PFN_UP(32 + 32 * (events + 2)) bytes with do_mmap(NULL, ...): a range
get_unmapped_area() found free, below TASK_SIZE, never over an area or another ring.  It
fills the ring's first page before io_setup() returns: the aio_ring header (id ~0U, nr,
magic AIO_RING_MAGIC, compat_features 1, incompat_features 0, header_length 32) and
writes ctx->user_id (ctx->mmap_base) to *ctxp.  io_destroy() of that context unmaps the
ring (kill_ioctx(): vm_munmap(ctx->mmap_base, ctx->mmap_size)) before it returns.

The Guardian knows num_possible_cpus(): the machine it brought up (machine_facts: the
possible CPUs are the machine's).  A success outside those limits, or a context over a
recorded area, is refused (`return.aio_ring`); the ring is a recorded area while it
lives (`Space.aio_rings`), so io_destroy() leaves its span a hole again; a page entering
at its first page without the header is refused (`set_pt.aio_ring`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import USER_TOP
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.slots import Slot, Space
    from guardian.user_memory import UserMemory

PAGE = 4096
_ERRNO_FLOOR = (1 << 64) - 4095
#: sizeof(struct aio_ring), sizeof(struct io_event), AIO_RING_MAGIC
_HEADER, _IO_EVENT, AIO_RING_MAGIC = 32, 32, 0xA10A10A1
#: ioctx_alloc()'s limit: nr_events above 0x10000000 / num_possible_cpus() is -EINVAL.
_MOST_EVENTS = 0x10000000


def ring_bytes(nr_events: int, cpus: int) -> int:
    """The bytes io_setup(nr_events)'s ring takes with `cpus` possible CPUs: ioctx_alloc()
    makes max(nr_events, num_possible_cpus() * 4) * 2 events, aio_setup_ring() adds 2 and
    the header, PFN_UP."""
    events = max(nr_events & 0xFFFF_FFFF, cpus * 4) * 2 + 2
    return (_HEADER + _IO_EVENT * events + PAGE - 1) & ~(PAGE - 1)


def context_of(slot: Slot, memory: UserMemory | None) -> int | None:
    """The context io_setup() wrote back to *ctxp (None: unreadable)."""
    raw = memory.read(slot.args[1], 8, slot.root) if memory is not None else None
    return None if raw is None else int.from_bytes(raw, "little")


def check_setup(space: Space, slot: Slot, ret: int, memory: UserMemory | None,
                cpus: int) -> None:
    """`return.aio_ring`: io_setup() succeeds only for 1..0x10000000 / cpus events
    (sys_io_setup(), ioctx_alloc(): -EINVAL), with a ring at a page-aligned user address
    over no area of the space (do_mmap(NULL, ...): get_unmapped_area())."""
    if ret >= _ERRNO_FLOOR:
        return
    nr = slot.args[0] & 0xFFFF_FFFF
    if nr == 0 or nr > _MOST_EVENTS // max(cpus, 1):
        refuse("return.aio_ring", Status.ERR_DENIED,
               f"io_setup({nr}) answered success: Linux refuses nr_events 0 and more than "
               f"{_MOST_EVENTS:#x} / num_possible_cpus() ({cpus}) with -EINVAL "
               "(sys_io_setup(), ioctx_alloc())")
    ctx = context_of(slot, memory)
    if ctx is None:
        return
    end = ctx + ring_bytes(nr, cpus)
    if ctx % PAGE or not ctx or end > USER_TOP:
        refuse("return.aio_ring", Status.ERR_DENIED,
               f"io_setup() wrote back the context {ctx:#x}: ctx->user_id is the ring's "
               "do_mmap() address, a page-aligned user address (aio_setup_ring())")
    over = next(((s, e) for s, e in space.areas if s < end and ctx < e), None)
    if over is not None:
        refuse("return.aio_ring", Status.ERR_DENIED,
               f"io_setup()'s ring [{ctx:#x}, {end:#x}) lies over the area "
               f"[{over[0]:#x}, {over[1]:#x}): aio_setup_ring()'s do_mmap(NULL, ...) takes a "
               "range get_unmapped_area() found free")


def note_setup(space: Space, slot: Slot, ctx: int, cpus: int, origin: int) -> None:
    """An accepted io_setup(): its ring is an area of the space while it lives."""
    end = ctx + ring_bytes(slot.args[0], cpus)
    space.add_area(ctx, end, origin)
    space.aio_rings.append((ctx, end))


def note_destroy(space: Space, slot: Slot, ret: int) -> None:
    """An accepted io_destroy(ctx): kill_ioctx() unmapped the ring (vm_munmap()), its span
    is a hole again."""
    if ret >= _ERRNO_FLOOR:
        return
    ring = next((r for r in space.aio_rings if r[0] == slot.args[0]), None)
    if ring is not None:
        space.aio_rings.remove(ring)
        space.remove_area(*ring)


def first_page_of(space: Space, va: int) -> bool:
    """Is va in the first page of a live ring?"""
    page = va & ~(PAGE - 1)
    return any(s == page for s, _ in space.aio_rings)


def check_first_page(space: Space, va: int, head: bytes | None) -> None:
    """`set_pt.aio_ring`: a page entering at a live ring's first page holds the aio_ring
    header aio_setup_ring() wrote before io_setup() returned (`head`: its first 32 bytes,
    None where the Guardian zero-fills it)."""
    if not first_page_of(space, va):
        return
    words = [int.from_bytes(head[i:i + 4], "little") for i in range(0, 32, 4)] \
        if head is not None and len(head) >= 32 else None
    if words is not None and words[4] == AIO_RING_MAGIC and words[5] == 1 and \
            words[6] == 0 and words[7] == _HEADER:
        return
    refuse("set_pt.aio_ring", Status.ERR_DENIED,
           f"the page entering at {va:#x}, the first page of an aio ring io_setup() placed "
           "there, lacks the aio_ring header aio_setup_ring() wrote before io_setup() "
           "returned (magic AIO_RING_MAGIC, header_length 32)")
