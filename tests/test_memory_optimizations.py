"""Memory optimizations under pressure: swap, zswap, KSM, NUMA migration, compaction, THP.

`memhog 40` touches 40 MiB on the 24 MiB `small` machine (two 12 MiB nodes,
64 MiB of swap), then forks a child that rewrites part of it.  Natively, with
the Guardian on, and as a confidential process it must print exactly the same
thing and exit 0, and every optimization must actually have happened; for the
confidential run each one must have gone through the secure ABI.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from abi.syscalls import NUMBERS as SYSCALL_NUMBERS
from cli.session import RunResult, run_program
from emulator import descriptors as D
from emulator.el1 import El1Fault
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian.monitor import Guardian
from kernel_model import reclaim
from kernel_model.elf_loader import parse_elf
from kernel_model.frames import PAGE, FrameAllocator, OutOfMemory
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.mm import AddressSpace
from kernel_model.pagetable import lm
from kernel_model.swap import (
    SWP_DEVICE,
    SWP_SEALED,
    SWP_ZPOOL,
    CompressedPool,
    SwapDevice,
    SwapFull,
    make_swap_entry,
    swap_entry,
)
from kernel_model.vma import PROT_READ, PROT_WRITE, Vma

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"
MODES = {"native": ("off", False), "guardian": ("on", False), "confidential": ("on", True)}
EVERYWHERE = ("kernel.swap.out", "kernel.swap.in", "kernel.ksm.merged", "kernel.ksm.scanned",
              "kernel.compaction.moved", "kernel.thp.collapsed", "kernel.thp.split",
              "kernel.migrate.pages", "kernel.reclaim.scanned")
SECURE_ABI = ("guardian.abi.swap_out", "guardian.abi.swap_in", "guardian.abi.swap_share",
              "guardian.abi.swap_discard", "guardian.abi.migrate_page",
              "guardian.abi.page_digest", "guardian.abi.ksm_merge", "guardian.abi.thp_collapse",
              "guardian.abi.thp_split")


def run(mode: str, mb: int = 40) -> tuple[RunResult, bytes]:
    guardian, confidential = MODES[mode]
    out = io.BytesIO()
    result = run_program("memhog", [str(mb)], machine="small", guardian=guardian,
                         confidential=confidential, stdout=out)
    return result, out.getvalue()


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, tuple[RunResult, bytes, int]]]:
    """The three runs; the confidential one checks every swapped-in frame on the way."""
    checked = 0
    original = reclaim.MemoryManager.swap_in

    def checking_swap_in(self, mm, vma, va, desc, perms):  # noqa: ANN001, ANN202
        nonlocal checked
        original(self, mm, vma, va, desc, perms)
        if swap_entry(desc)[0] == SWP_SEALED:
            pa = mm.tables.lookup(va) & D.ADDR_MASK
            with pytest.raises(El1Fault):
                self.ctx.el1.read(lm(pa), 8)        # the kernel's own face of the CPU
            checked += 1

    out = {}
    for mode in ("native", "guardian"):
        out[mode] = (*run(mode), 0)
    reclaim.MemoryManager.swap_in = checking_swap_in
    try:
        out["confidential"] = (*run("confidential"), 0)
    finally:
        reclaim.MemoryManager.swap_in = original
    out["confidential"] = out["confidential"][:2] + (checked,)
    yield out


def test_memhog_beyond_ram_gives_identical_output_in_every_mode(runs) -> None:  # noqa: ANN001
    outputs = {mode: stdout for mode, (_, stdout, _) in runs.items()}
    for mode, (result, stdout, _) in runs.items():
        assert result.exit_code == 0, (mode, result.summary, result.warnings, stdout)
        assert b"memhog: ok, 40 MiB touched" in stdout, mode
    assert outputs["native"] == outputs["guardian"] == outputs["confidential"]


@pytest.mark.parametrize("mode", list(MODES))
def test_every_optimization_happened(runs, mode: str) -> None:  # noqa: ANN001
    stats = runs[mode][0].stats
    missing = [k for k in EVERYWHERE if stats.get(k, 0) <= 0]
    assert not missing, (mode, {k: stats.get(k, 0) for k in EVERYWHERE})
    if mode == "confidential":
        missing = [k for k in SECURE_ABI if stats.get(k, 0) <= 0]
        assert not missing, {k: stats.get(k, 0) for k in SECURE_ABI}
        assert stats["kernel.swap.in"] == stats["guardian.abi.swap_in"]
        assert stats["kernel.compress.refused"] == stats["kernel.swap.out"]
        assert stats.get("kernel.compress.stored", 0) == 0
    else:
        assert stats["kernel.compress.attempts"] > 0
        assert not any(k.startswith("guardian.abi.") for k in stats)


def test_confidential_frames_stay_out_of_the_linear_map_after_swap_in(runs) -> None:  # noqa: ANN001
    assert runs["confidential"][2] == runs["confidential"][0].stats["kernel.swap.in"] > 1000


def test_tampered_swap_device_kills_the_process_not_the_machine() -> None:
    """The kernel (or a disk) flips a bit of one sealed page: its swap-in is refused."""
    original = reclaim.MemoryManager.swap_in
    seen = 0

    def tampering_swap_in(self, mm, vma, va, desc, perms):  # noqa: ANN001, ANN202
        nonlocal seen
        kind, slot = swap_entry(desc)
        seen += 1
        if kind == SWP_SEALED and seen == 200:
            data = bytearray(self.swap.get_bytes(slot))
            data[1000] ^= 1
            self.swap.fill(slot, bytes(data))
        return original(self, mm, vma, va, desc, perms)

    reclaim.MemoryManager.swap_in = tampering_swap_in
    try:
        result, stdout = run("confidential", 28)
    finally:
        reclaim.MemoryManager.swap_in = original
    assert result.signal == 9 and b"memhog: ok" not in stdout
    assert result.stats["guardian.refused"] >= 1


# --- the pieces ---------------------------------------------------------------------------

def test_swap_entries_are_invalid_descriptors_naming_a_slot() -> None:
    for kind in (SWP_DEVICE, SWP_ZPOOL, SWP_SEALED):
        for slot in (0, 1, 12345, (1 << 36) - 1):
            desc = make_swap_entry(kind, slot)
            assert desc and not desc & D.VALID
            assert swap_entry(desc) == (kind, slot)
    assert swap_entry(0) is None
    assert swap_entry(D.leaf_descriptor(0x4000_0000, D.PagePerms())) is None


def test_swap_device_slots_are_counted_and_lowest_first() -> None:
    dev = SwapDevice(3 * PAGE)
    slots = [dev.put_bytes(bytes([i]) * 8, tag=i) for i in range(3)]
    assert slots == [0, 1, 2] and dev.tag(2) == 2
    with pytest.raises(SwapFull):
        dev.put_bytes(b"x")
    dev.dup(1)
    assert not dev.release(1) and dev.release(1)
    assert dev.release(0)
    assert dev.put_bytes(b"y") == 0 and dev.get_bytes(2) == bytes([2]) * 8


def test_compressed_pool_takes_its_ram_from_the_allocator() -> None:
    fa = FrameAllocator(0x4000_0000, 16 * PAGE)
    fa.add_free_range(0x4000_0000, 0x4000_0000 + 16 * PAGE)
    pool = CompressedPool(fa, max_bytes=4 * PAGE)
    noise = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(PAGE // 32))
    assert pool.try_store(noise) is None                    # incompressible: swap instead
    slots = [pool.try_store(bytes([i]) * PAGE) for i in range(50)]
    assert all(s is not None for s in slots)
    assert fa.allocated == -(-pool.bytes_used // PAGE) >= 1
    assert pool.load(slots[7]) == bytes([7]) * PAGE
    for s in slots:
        pool.release(s)
    assert pool.bytes_used == 0 and fa.allocated == 0


def test_frame_nodes_strict_allocation_take_and_avoid() -> None:
    base = 0x4000_0000
    fa = FrameAllocator(base, 8 * PAGE)
    fa.add_free_range(base, base + 8 * PAGE)
    fa.set_nodes([(0, base, base + 4 * PAGE), (1, base + 4 * PAGE, base + 8 * PAGE)])
    assert fa.alloc() == base and fa.node_of(base) == 0
    assert fa.alloc(1, strict=True) == base + 4 * PAGE
    assert fa.free_in(0) == 3 and fa.free_in(1) == 3 and fa.free_frames == 6
    assert fa.take(base + 2 * PAGE) and not fa.take(base + 2 * PAGE)
    assert fa.alloc(avoid=range(base, base + 2 * PAGE)) == base + 3 * PAGE
    assert fa.alloc() == base + PAGE                         # the avoided frame is still there
    for _ in range(3):
        fa.alloc(1, strict=True)
    with pytest.raises(OutOfMemory):
        fa.alloc(1, strict=True)
    assert fa.free_frames == 0
    fa.put(base + 2 * PAGE)
    assert fa.alloc(1) == base + 2 * PAGE                    # falls back to node 0


# --- address-space operations on swapped pages ------------------------------------------

def _kernel(mode: str, tmp_path: Path) -> tuple[Kernel, Guardian | None]:
    """A kernel on the small machine with hello loaded (not yet run) in `mode`."""
    guardian, confidential = MODES[mode]
    hw = Machine(load_machine("small"))
    g = None
    if guardian == "on":
        g = Guardian(hw)
        hw.install_monitor(g)
    image = parse_elf(HELLO.read_bytes(), "/bin/hello")
    if confidential:
        g.conf.admit_image(image.data)
    (tmp_path / "bin").mkdir(exist_ok=True)
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    k.spawn_init(image, "/bin/hello", [b"/bin/hello"], confidential=confidential)
    return k, g


@contextmanager
def _serving(k: Kernel, g: Guardian | None, call: str, args: tuple[int, ...]) -> Iterator[None]:
    """The test's copies to and from a confidential program's memory stand for its own
    `call` in progress: Linux copies user memory only for a system call, and the Guardian
    holds the kernel to that (uaccess.syscall_in_progress)."""
    slot = g.conf.slots.get(k.current.slot) if g is not None and k.current.slot else None
    if slot is None:
        yield
        return
    saved = slot.nr, slot.args, slot.caps
    slot.nr, slot.args, slot.caps = SYSCALL_NUMBERS[call], (*args, 0, 0, 0, 0, 0, 0)[:6], None
    try:
        yield
    finally:
        slot.nr, slot.args, slot.caps = saved


def _join_domain(g: Guardian | None, parent: AddressSpace) -> Callable[[AddressSpace], None]:
    """fork's before_copy: admit the child's tree to the parent's domain, as FORK_DOMAIN
    does for a clone in progress (there is no running thread here to make one)."""
    def join(child: AddressSpace) -> None:
        dom = g.conf.domain_of_root(parent.tables.root) if g is not None else None
        if dom is not None:
            root = child.tables.root
            dom.roots.add(root)
            dom.spaces[root] = dom.spaces[parent.tables.root].copy()
            g.conf.root_domain[root] = dom.id
            g.frames.owner[g.frames.index(root)] = dom.id
            g.state.fork_copy.open(parent.tables.root, root)
    return join


@pytest.mark.parametrize("mode", list(MODES))
def test_swapped_pages_survive_fork_munmap_and_mremap(mode: str, tmp_path: Path) -> None:
    """Swap entries are shared by fork, released by munmap and carried by mremap
    (`movable_entries`; a sealed page is swapped in first, being bound to its VA)."""
    k, g = _kernel(mode, tmp_path)
    mm = k.init.mm
    mem = k.mmctx.memory
    old, new, n = 0x1000_0000, 0x2000_0000, 8
    mm.map_area(Vma(old, old + n * PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
    pages = [b"".join(hashlib.sha256(bytes([i, j])).digest() for j in range(PAGE // 32))
             for i in range(n)]                         # incompressible: the swap device
    with _serving(k, g, "read", (0, old, n * PAGE)):
        for i in range(n):
            k.uaccess.write(old + i * PAGE, pages[i])
    for i in (2, 5, 6):
        mem.swap_out(mm, old + i * PAGE, mm.tables.lookup(old + i * PAGE))
    k.el1.tlbi_all()
    kinds = {swap_entry(mm.tables.lookup(old + i * PAGE))[0] for i in (2, 5, 6)}
    assert kinds == ({SWP_SEALED} if mode == "confidential" else {SWP_DEVICE})
    used = mem.swap.used
    child = mm.fork(k.alloc_asid(), _join_domain(g, mm))  # the child shares the slots
    assert mem.swap.used == used and mem.swap.refs(swap_entry(
        child.tables.lookup(old + 2 * PAGE))[1]) == 2
    child.destroy()                                     # ... and gives them back
    mm.unmap_range(old + 6 * PAGE, old + 7 * PAGE)      # munmap of a swapped page
    assert mem.swap.used == used - 1
    # mremap, with the new entry written before the old one is cleared.  The Guardian lets
    # confidential pages move only inside the program's own mremap: one is in progress.
    if g is not None and mode == "confidential":
        from abi.layout import NR_MREMAP
        from emulator.fastuc import UserContext
        from guardian.slots import Slot
        dom = g.conf.domain_of_root(mm.tables.root)
        g.conf.slots[999] = Slot(999, dom.id, UserContext(), 0, NR_MREMAP,
                                 (old, 6 * PAGE, 6 * PAGE, 3, new, 0), root=mm.tables.root)
    entries = mm.movable_entries(old, old + 6 * PAGE)
    assert mode != "confidential" or all(d & D.VALID for _, d in entries)
    vma = mm.vmas.find(old)
    mm.vmas.remove_range(old, old + 6 * PAGE)
    mm.vmas.insert(replace(vma, start=new, end=new + 6 * PAGE))
    for va, desc in entries:
        mm.tables.set(va - old + new, desc)
        mm.tables.clear(va)
    if g is not None:
        g.conf.slots.pop(999, None)
    k.el1.tlbi_all()
    with _serving(k, g, "write", (1, new, 6 * PAGE)):
        for i in range(6):
            assert k.uaccess.read(new + i * PAGE, PAGE) == pages[i], i
    with _serving(k, g, "write", (1, old + 7 * PAGE, PAGE)):
        assert k.uaccess.read(old + 7 * PAGE, PAGE) == pages[7]
