"""File mappings in the kernel model: a private mapping mremap grows shows more of the
file (not zeros), and a shared read-only mapping of a file opened O_RDONLY is never
written back (its process may be killed with pages present) nor made writable."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from abi.syscalls import NUMBERS
from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.syscalls import SYSCALLS
from kernel_model.vma import PAGE, PROT_READ, PROT_WRITE, Vma

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"
SCRATCH = 0x1000_0000
AT_FDCWD = (1 << 64) - 100
MAP_SHARED, MAP_PRIVATE, MREMAP_MAYMOVE, O_RDONLY, MADV_REMOVE = 1, 2, 1, 0, 9
FILE = b"".join(bytes([0x41 + i]) * PAGE for i in range(4))     # four distinct pages


def _kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "bin").mkdir(exist_ok=True)
    (tmp_path / "data.bin").write_bytes(FILE)
    hw = Machine(load_machine("small"))
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    k.spawn_init(parse_elf(HELLO.read_bytes(), "/bin/hello"), "/bin/hello", [b"/bin/hello"])
    k.init.mm.map_area(Vma(SCRATCH, SCRATCH + PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
    k.uaccess.write(SCRATCH, b"/data.bin\0")
    return k


def _call(k: Kernel, name: str, *args: int) -> int:
    ret = SYSCALLS[NUMBERS[name]](k, k.init.threads[0], args + (0,) * (6 - len(args)))
    return ret - (1 << 64) if ret >= 1 << 63 else ret


def test_a_private_file_mapping_grown_by_mremap_shows_the_files_next_pages(tmp_path) -> None:
    k = _kernel(tmp_path)
    fd = _call(k, "openat", AT_FDCWD, SCRATCH, O_RDONLY)
    addr = _call(k, "mmap", 0, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE)
    assert k.uaccess.read(addr, PAGE) == FILE[PAGE:2 * PAGE]
    grown = _call(k, "mremap", addr, PAGE, 3 * PAGE, MREMAP_MAYMOVE)
    assert grown > 0
    assert k.uaccess.read(grown, 3 * PAGE) == FILE[PAGE:]
    # Past the file's end there is no page to map (a touch raises SIGBUS, as Linux's
    # filemap_fault()): the kernel's own access fails with EFAULT.
    more = _call(k, "mremap", grown, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE)
    with pytest.raises(KernelError) as exc:
        k.uaccess.read(more + 3 * PAGE, PAGE)
    assert exc.value.errno == errno.EFAULT


def test_a_shared_mapping_of_a_read_only_file_is_dropped_without_writing(tmp_path) -> None:
    k = _kernel(tmp_path)
    fd = _call(k, "openat", AT_FDCWD, SCRATCH, O_RDONLY)
    addr = _call(k, "mmap", 0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0)
    assert k.uaccess.read(addr, 2 * PAGE) == FILE[:2 * PAGE]      # pages present
    assert _call(k, "mprotect", addr, PAGE, PROT_READ | PROT_WRITE) == -errno.EACCES
    assert _call(k, "msync", addr, 2 * PAGE, 0) == 0
    k.init.mm.destroy()                                            # as at a fatal signal
    assert (tmp_path / "data.bin").read_bytes() == FILE


def test_a_process_killed_while_it_maps_its_file_shared_read_only_ends_cleanly() -> None:
    """secret_calls keeps a read-only MAP_SHARED mapping of its own file (opened O_RDONLY)
    when a SIGTERM ends it at marker 88: the exit drops the mapping without writing."""
    from attacks.hooks import Point
    from attacks.runner import boot, run_session

    s = boot("off", program="secret_calls")

    @s.adversary.on(Point.MARKER, phase=88)
    def _(a, **_: object) -> None:  # noqa: ANN001
        s.kernel.signals.send_process(a.init, 15, b"")

    out = run_session(s, "off")
    assert out.exit_status == 15 and not out.error, (out.ended, out.error)


def _host_fds() -> int:
    import os
    return len(os.listdir("/proc/self/fd"))


def test_a_file_mapping_holds_its_host_file_only_while_mapped(tmp_path) -> None:
    # The mapping keeps the file open after close(), and lets it go at the last munmap
    # (a program that maps and unmaps files in a loop must not run out of host fds).
    k = _kernel(tmp_path)
    before = _host_fds()
    for flags in (MAP_PRIVATE, MAP_SHARED):
        for _ in range(3):
            fd = _call(k, "openat", AT_FDCWD, SCRATCH, O_RDONLY)
            addr = _call(k, "mmap", 0, 2 * PAGE, PROT_READ, flags, fd, 0)
            assert _call(k, "close", fd) == 0
            assert _host_fds() == before + 1                    # held by the mapping
            assert k.uaccess.read(addr, PAGE) == FILE[:PAGE]
            assert _call(k, "munmap", addr, PAGE) == 0           # split: still mapped
            assert k.uaccess.read(addr + PAGE, PAGE) == FILE[PAGE:2 * PAGE]
            assert _host_fds() == before + 1
            assert _call(k, "munmap", addr + PAGE, PAGE) == 0
            assert _host_fds() == before


def test_a_private_view_of_a_memfd_shows_a_store_through_its_shared_view(tmp_path) -> None:
    # Linux: the private view's read fault maps the memfd's folio (do_read_fault()), the
    # shared view's store writes that folio, and a private store copies it (wp_page_copy()).
    k = _kernel(tmp_path)
    fd = _call(k, "memfd_create", SCRATCH, 0)
    assert fd >= 0 and _call(k, "ftruncate", fd, 2 * PAGE) == 0
    shared = _call(k, "mmap", 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
    private = _call(k, "mmap", 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
    assert k.uaccess.read(private, 4) == bytes(4)
    k.uaccess.write(shared, b"seen")
    assert k.uaccess.read(private, 4) == b"seen"
    frames = k.init.mm.ctx.frames
    free = frames.free_frames
    k.uaccess.write(private, b"mine")                   # the private view's own copy now
    k.uaccess.write(shared, b"gone")
    assert k.uaccess.read(private, 4) == b"mine"
    assert k.uaccess.read(shared, 4) == b"gone"
    assert frames.free_frames == free - 1
    assert _call(k, "munmap", shared, 2 * PAGE) == 0
    assert _call(k, "close", fd) == 0
    assert _call(k, "munmap", private, 2 * PAGE) == 0


def test_a_memfds_folio_goes_from_private_views_at_a_hole_and_frames_come_back(tmp_path) -> None:
    # shmem_fallocate(PUNCH_HOLE) (here madvise(MADV_REMOVE)) unmaps the folio from every
    # view, private ones too (unmap_mapping_range(), even_cows = 0: a private copy stays);
    # the refault reads the hole.  Once everything is unmapped and closed, every frame
    # the folios and copies took is free again (the page cache's and the mappings'
    # references each put once).
    k = _kernel(tmp_path)
    frames = k.init.mm.ctx.frames
    fd = _call(k, "memfd_create", SCRATCH, 0)
    assert _call(k, "ftruncate", fd, 2 * PAGE) == 0
    assert _call(k, "pwrite64", fd, SCRATCH, 4, PAGE) == 4         # "/dat" at page 1
    # (the range's page table, made once and kept, out of the count)
    anon = _call(k, "mmap", 0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | 0x20, -1, 0)
    k.uaccess.write(anon, b"t")
    assert _call(k, "munmap", anon, 4 * PAGE) == 0
    before = frames.free_frames
    shared = _call(k, "mmap", 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
    private = _call(k, "mmap", 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
    assert k.uaccess.read(private + PAGE, 4) == b"/dat"
    k.uaccess.write(private, b"mine")                   # page 0: the view's own copy
    assert _call(k, "madvise", shared, 2 * PAGE, MADV_REMOVE) == 0
    assert k.uaccess.read(private, 4) == b"mine"
    assert k.uaccess.read(private + PAGE, 4) == bytes(4)
    assert _call(k, "pwrite64", fd, SCRATCH, 4, PAGE) == 4
    assert k.uaccess.read(private + PAGE, 4) == b"/dat"            # the new folio
    assert _call(k, "munmap", shared, 2 * PAGE) == 0
    assert _call(k, "close", fd) == 0
    assert _call(k, "munmap", private, 2 * PAGE) == 0
    assert frames.free_frames == before
    assert min(private, shared) >= anon and max(private, shared) < anon + 4 * PAGE


def test_a_locked_view_under_mcl_onfault_def_flags_keeps_the_folio(tmp_path) -> None:
    # mlockall(MCL_FUTURE | MCL_ONFAULT): mm->def_flags hold VM_LOCKED | VM_LOCKONFAULT,
    # which do_mmap() ORs into a MAP_LOCKED view's vm_flags, so populate_vma_page_range()
    # returns at once: the private view's read fault maps the folio and a later pwrite64()
    # shows there.  With MCL_FUTURE alone the view is populated writable (copies).
    for flags, seen in ((2 | 4, b"yyyy"), (2, b"xxxx")):
        k = _kernel(tmp_path)
        k.uaccess.write(SCRATCH, b"xxxx")
        fd = _call(k, "memfd_create", SCRATCH + 64, 0)
        assert _call(k, "pwrite64", fd, SCRATCH, 4, 0) == 4
        assert _call(k, "mlockall", flags) == 0
        view = _call(k, "mmap", 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | 0x2000, fd, 0)
        assert k.uaccess.read(view, 4) == b"xxxx"
        k.uaccess.write(SCRATCH, b"yyyy")
        assert _call(k, "pwrite64", fd, SCRATCH, 4, 0) == 4
        assert k.uaccess.read(view, 4) == seen


def test_a_redundant_mprotect_of_a_locked_writable_view_keeps_the_folio(tmp_path) -> None:
    # mprotect_fixup() populates only ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) ==
    # VM_LOCKED): a page of a locked read-write private view that read-faults after the
    # lock (here: after a cut zapped the lock's copy, truncate_pagecache() with even_cows)
    # maps the folio, and an mprotect(PROT_READ | PROT_WRITE) of the view, writable
    # already, leaves it so.
    k = _kernel(tmp_path)
    fd = _call(k, "memfd_create", SCRATCH + 64, 0)
    assert _call(k, "ftruncate", fd, PAGE) == 0
    view = _call(k, "mmap", 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
    assert _call(k, "mlock", view, PAGE) == 0
    assert _call(k, "ftruncate", fd, 0) == 0 and _call(k, "ftruncate", fd, PAGE) == 0
    k.uaccess.write(SCRATCH, b"xxxx")
    assert _call(k, "pwrite64", fd, SCRATCH, 4, 0) == 4
    assert k.uaccess.read(view, 4) == b"xxxx"
    assert _call(k, "mprotect", view, PAGE, PROT_READ | PROT_WRITE) == 0
    k.uaccess.write(SCRATCH, b"yyyy")
    assert _call(k, "pwrite64", fd, SCRATCH, 4, 0) == 4
    assert k.uaccess.read(view, 4) == b"yyyy"
