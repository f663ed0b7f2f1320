"""Unit tests of the kernel model's building blocks.

Frame allocator, VMA list, ELF loader checks, the rt_sigframe layout and
pending-signal queues, the virtual clock, and the initial user stack of exec.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.clock import DEFAULT_COSTS, Stats, VirtualClock
from kernel_model import signals as sig
from kernel_model.elf_loader import STATIC_PIE_BASE, ElfError, ElfImage, parse_elf
from kernel_model.exec import (
    AT_ENTRY,
    AT_EXECFN,
    AT_HWCAP,
    AT_HWCAP2,
    AT_NULL,
    AT_PAGESZ,
    AT_PHDR,
    AT_PHENT,
    AT_PHNUM,
    AT_PLATFORM,
    AT_RANDOM,
    build_stack,
)
from kernel_model.frames import PAGE, FrameAllocator, OutOfMemory
from kernel_model.mm import STACK_TOP
from kernel_model.vma import PROT_READ, PROT_WRITE, BytesBacking, Vma, VmaList

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"


# --- frames ---------------------------------------------------------------------------------------

def make_frames(nframes: int = 16, base: int = 0x4000_0000) -> FrameAllocator:
    fa = FrameAllocator(base, nframes * PAGE)
    fa.add_free_range(base, base + nframes * PAGE)
    return fa


def test_frames_are_handed_out_lowest_first() -> None:
    fa = make_frames()
    got = [fa.alloc() for _ in range(4)]
    assert got == [0x4000_0000 + i * PAGE for i in range(4)]
    assert fa.put(got[2]) and fa.put(got[1])
    # The lowest free frame comes back first, whatever the order of frees.
    assert fa.alloc() == got[1]
    assert fa.alloc() == got[2]
    assert fa.alloc() == 0x4000_0000 + 4 * PAGE


def test_frame_allocation_is_deterministic() -> None:
    def history() -> list[int]:
        fa = make_frames(128)
        out, live = [], []
        for i in range(200):
            if i % 3 == 2 and live:
                fa.put(live.pop((i * 7) % len(live)))
            else:
                pa = fa.alloc()
                out.append(pa)
                live.append(pa)
        return out

    assert history() == history()


def test_frame_refcounts() -> None:
    fa = make_frames()
    pa = fa.alloc()
    assert fa.refcount(pa) == 1 and fa.allocated == 1
    fa.get(pa)
    fa.get(pa)
    assert fa.refcount(pa) == 3
    assert fa.put(pa) is False and fa.put(pa) is False
    assert fa.allocated == 1 and fa.free_frames == 15
    assert fa.put(pa) is True
    assert fa.refcount(pa) == 0 and fa.allocated == 0 and fa.free_frames == 16
    assert fa.peak == 1


def test_frame_double_free_and_get_of_free_frame_raise() -> None:
    fa = make_frames()
    pa = fa.alloc()
    fa.put(pa)
    with pytest.raises(ValueError, match="double free"):
        fa.put(pa)
    with pytest.raises(ValueError, match="not allocated"):
        fa.get(pa)
    with pytest.raises(ValueError, match="double free"):
        fa.put(0x4000_0000 + 5 * PAGE)          # never allocated


def test_frames_reserved_and_exhausted() -> None:
    fa = make_frames(4)
    fa.reserve(0x4000_0000)
    fa.reserve(0x4000_0000 + 2 * PAGE)
    assert [fa.alloc(), fa.alloc()] == [0x4000_0000 + PAGE, 0x4000_0000 + 3 * PAGE]
    with pytest.raises(OutOfMemory):
        fa.alloc()
    assert fa.owns(0x4000_0000) and fa.owns(0x4000_0000 + 4 * PAGE - 1)
    assert not fa.owns(0x4000_0000 + 4 * PAGE) and not fa.owns(0x3FFF_F000)


# --- VMAs -----------------------------------------------------------------------------------------

def vma(start_page: int, end_page: int, **kw: object) -> Vma:
    return Vma(start_page * PAGE, end_page * PAGE, PROT_READ | PROT_WRITE, **kw)  # type: ignore[arg-type]


def spans(vl: VmaList) -> list[tuple[int, int]]:
    return [(v.start // PAGE, v.end // PAGE) for v in vl]


def test_vma_validation() -> None:
    with pytest.raises(ValueError):
        Vma(0x1001, 0x2000, PROT_READ)
    with pytest.raises(ValueError):
        Vma(0x2000, 0x2000, PROT_READ)
    with pytest.raises(ValueError):
        Vma(0x3000, 0x2000, PROT_READ)
    assert vma(1, 3).describe() == "000000001000-000000003000 rw-p "


def test_vma_insert_keeps_order_and_rejects_overlap() -> None:
    vl = VmaList()
    for a, b in ((10, 20), (0, 5), (30, 31), (20, 25)):   # touching areas are fine
        vl.insert(vma(a, b))
    assert spans(vl) == [(0, 5), (10, 20), (20, 25), (30, 31)]
    for a, b in ((4, 6), (19, 21), (0, 40), (24, 30), (12, 13)):
        with pytest.raises(ValueError, match="overlaps"):
            vl.insert(vma(a, b))
    assert len(vl) == 4


def test_vma_find() -> None:
    vl = VmaList()
    vl.insert(vma(10, 20))
    vl.insert(vma(30, 31))
    assert vl.find(10 * PAGE).start == 10 * PAGE
    assert vl.find(20 * PAGE - 1).start == 10 * PAGE
    assert vl.find(20 * PAGE) is None and vl.find(9 * PAGE + 4095) is None
    assert vl.find(30 * PAGE + 5).start == 30 * PAGE
    assert vl.find(31 * PAGE) is None
    assert vl.is_free(20 * PAGE, 30 * PAGE) and not vl.is_free(19 * PAGE, 21 * PAGE)


def test_vma_remove_range_splits_and_keeps_offsets() -> None:
    vl = VmaList()
    backing = BytesBacking(b"x" * (40 * PAGE), "file")
    vl.insert(vma(10, 20, backing=backing, offset=3 * PAGE, name="f"))
    removed = vl.remove_range(12 * PAGE, 15 * PAGE)
    assert spans(vl) == [(10, 12), (15, 20)]
    left, right = list(vl)
    assert left.offset == 3 * PAGE and right.offset == 8 * PAGE
    assert right.backing is backing and right.name == "f"
    assert [(r.start // PAGE, r.end // PAGE, r.offset) for r in removed] == [(12, 15, 5 * PAGE)]


def test_vma_remove_range_across_several_areas() -> None:
    vl = VmaList()
    for a, b in ((0, 4), (4, 8), (10, 12), (14, 20)):
        vl.insert(vma(a, b))
    removed = vl.remove_range(2 * PAGE, 16 * PAGE)
    assert spans(vl) == [(0, 2), (16, 20)]
    assert [(r.start // PAGE, r.end // PAGE) for r in removed] == [(2, 4), (4, 8), (10, 12),
                                                                   (14, 16)]
    assert vl.remove_range(8 * PAGE, 10 * PAGE) == []
    assert spans(vl) == [(0, 2), (16, 20)]


def test_find_gap_topdown() -> None:
    vl = VmaList()
    assert vl.find_gap_topdown(4 * PAGE, below=100 * PAGE, above=0) == 96 * PAGE
    vl.insert(vma(90, 100))
    vl.insert(vma(80, 85))
    assert vl.find_gap_topdown(4 * PAGE, below=100 * PAGE, above=0) == 86 * PAGE
    assert vl.find_gap_topdown(5 * PAGE, below=100 * PAGE, above=0) == 85 * PAGE
    assert vl.find_gap_topdown(6 * PAGE, below=100 * PAGE, above=0) == 74 * PAGE
    assert vl.find_gap_topdown(6 * PAGE, below=100 * PAGE, above=75 * PAGE) is None
    assert vl.find_gap_topdown(80 * PAGE, below=100 * PAGE, above=0) == 0
    assert vl.find_gap_topdown(81 * PAGE, below=100 * PAGE, above=0) is None
    # `below` inside an area: the area's start is the ceiling.
    assert vl.find_gap_topdown(PAGE, below=95 * PAGE, above=0) == 89 * PAGE


def _brute_gap(pages: set[int], length: int, below: int, above: int) -> int | None:
    for start in range(below - length, above - 1, -1):
        if all(p not in pages for p in range(start, start + length)):
            return start
    return None


@settings(max_examples=150, derandomize=True, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 60), st.integers(1, 12)),
                    max_size=25),
       gap=st.tuples(st.integers(1, 20), st.integers(0, 70), st.integers(0, 70)))
def test_vma_list_matches_a_page_set_model(ops: list[tuple[bool, int, int]],
                                           gap: tuple[int, int, int]) -> None:
    """Random inserts and removals agree with a set-of-pages model; so does the gap search."""
    vl = VmaList()
    pages: dict[int, int] = {}      # page -> backing offset (in pages) it must map
    for is_insert, start, n in ops:
        if is_insert:
            if any(p in pages for p in range(start, start + n)):
                with pytest.raises(ValueError):
                    vl.insert(vma(start, start + n))
                continue
            # Backing offset (in pages) of the area: 2 * start; page p maps offset 2*start + (p-start).
            vl.insert(vma(start, start + n, offset=start * 2 * PAGE))
            for p in range(start, start + n):
                pages[p] = start * 2 + (p - start)
        else:
            vl.remove_range(start * PAGE, (start + n) * PAGE)
            for p in range(start, start + n):
                pages.pop(p, None)
    areas = list(vl)
    assert all(a.end <= b.start for a, b in zip(areas, areas[1:], strict=False))
    covered = {}
    for a in areas:
        for p in range(a.start // PAGE, a.end // PAGE):
            covered[p] = a.offset // PAGE + (p - a.start // PAGE)
    assert covered == pages
    for p in range(0, 75):
        found = vl.find(p * PAGE + 123)
        assert (found is not None) == (p in pages)
    length, below, above = gap
    below = max(below, above)
    got = vl.find_gap_topdown(length * PAGE, below * PAGE, above * PAGE)
    want = _brute_gap(set(pages), length, below, above)
    assert got == (None if want is None else want * PAGE)


# --- ELF loader -------------------------------------------------------------------------------------

PHOFF = 64
PHENT = 56


def hello() -> bytes:
    return HELLO.read_bytes()


def patch(data: bytes, off: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, off, value)
    return bytes(out)


def phdr_field(index: int, name: str) -> tuple[int, str]:
    offs = {"type": (0, "<I"), "flags": (4, "<I"), "offset": (8, "<Q"), "vaddr": (16, "<Q"),
            "filesz": (32, "<Q"), "memsz": (40, "<Q")}
    rel, fmt = offs[name]
    return PHOFF + index * PHENT + rel, fmt


def set_phdr(data: bytes, index: int, name: str, value: int) -> bytes:
    off, fmt = phdr_field(index, name)
    return patch(data, off, fmt, value)


def get_phdr(data: bytes, index: int, name: str) -> int:
    off, fmt = phdr_field(index, name)
    return struct.unpack_from(fmt, data, off)[0]


def test_hello_parses() -> None:
    img = parse_elf(hello(), "hello")
    assert isinstance(img, ElfImage) and img.bias == 0
    assert img.entry == 0x4005C0 and img.phdr_addr == 0x400040
    assert (img.phent, img.phnum) == (56, 6)
    assert [(s.vaddr, s.flags) for s in img.segments] == [(0x400000, 5), (0x48C810, 6)]
    assert not img.exec_stack


def test_static_pie_gets_the_load_bias() -> None:
    img = parse_elf(patch(hello(), 16, "<H", 3), "pie")        # e_type = ET_DYN
    assert img.bias == STATIC_PIE_BASE
    assert img.entry == STATIC_PIE_BASE + 0x4005C0
    assert img.segments[0].vaddr == STATIC_PIE_BASE + 0x400000


def _elf_cases() -> list[tuple[str, Callable[[bytes], bytes], str]]:
    def load_index(d: bytes, n: int) -> int:
        loads = [i for i in range(6) if get_phdr(d, i, "type") == 1]
        return loads[n]

    def overlap(d: bytes) -> bytes:
        i = load_index(d, 1)
        return set_phdr(d, i, "vaddr", get_phdr(d, i, "vaddr") - 0x1C000)

    def no_loads(d: bytes) -> bytes:
        for i in range(6):
            if get_phdr(d, i, "type") == 1:
                d = set_phdr(d, i, "type", 0)
        return d

    def interp(d: bytes) -> bytes:
        i = next(i for i in range(6) if get_phdr(d, i, "type") == 4)   # PT_NOTE
        return set_phdr(d, i, "type", 3)

    return [
        ("empty", lambda d: b"", "not an ELF executable"),
        ("not-elf", lambda d: b"MZ" + d[2:], "not an ELF executable"),
        ("short-header", lambda d: d[:40], "truncated ELF file"),
        ("32-bit", lambda d: patch(d, 4, "<B", 1), "32-bit"),
        ("big-endian", lambda d: patch(d, 5, "<B", 2), "big-endian"),
        ("phdrs-cut", lambda d: d[:100], "malformed or truncated"),
        ("phoff-past-end", lambda d: patch(d, 32, "<Q", 10**9), "malformed or truncated"),
        ("x86-64", lambda d: patch(d, 18, "<H", 62), "not AArch64"),
        ("relocatable", lambda d: patch(d, 16, "<H", 1), "ET_REL, not an executable"),
        ("interp", interp, "dynamically linked"),
        ("filesz>memsz", lambda d: set_phdr(d, load_index(d, 1), "filesz",
                                            get_phdr(d, load_index(d, 1), "memsz") + 1),
         "filesz > memsz"),
        ("segment-cut", lambda d: d[:0x8C810 + 100], "is truncated: a segment needs"),
        ("not-congruent", lambda d: set_phdr(d, load_index(d, 1), "vaddr", 0x48C818),
         "not page-congruent"),
        ("below-first-page", lambda d: set_phdr(d, load_index(d, 0), "vaddr", 0),
         "outside the user address space"),
        ("above-user-top", lambda d: set_phdr(d, load_index(d, 1), "vaddr",
                                              (1 << 48) - 0x1000 + 0x810),
         "outside the user address space"),
        ("no-loads", no_loads, "no loadable segments"),
        ("overlap", overlap, "overlap"),
        ("entry-not-exec", lambda d: patch(d, 24, "<Q", 0x48C900), "not in an executable"),
    ]


@pytest.mark.parametrize(("mutate", "message"), [(m, msg) for _, m, msg in _elf_cases()],
                         ids=[name for name, _, _ in _elf_cases()])
def test_elf_errors(mutate: Callable[[bytes], bytes], message: str) -> None:
    with pytest.raises(ElfError, match=message) as info:
        parse_elf(mutate(hello()), "prog")
    assert info.value.errno == errno.ENOEXEC
    assert "prog" in str(info.value)


# --- signals ------------------------------------------------------------------------------------------

# Linux arm64 user ABI values (arch/arm64/include/uapi/asm/sigcontext.h, ucontext.h).
SC_RESERVED_OFF = 288            # offsetof(struct sigcontext, __reserved)
FPSIMD_MAGIC = 0x46508001
FPSIMD_SIZE = 528                # sizeof(struct fpsimd_context)
ESR_MAGIC = 0x45535201


def test_frame_layout_sizes() -> None:
    assert sig.SIGINFO_SIZE == 128
    assert sig.UC_MCONTEXT_OFF == 176
    assert sig.UCONTEXT_SIZE == 4560                 # sizeof(struct ucontext) on arm64
    assert sig.FRAME_SIZE == 128 + 4560
    assert sig.FPSIMD_MAGIC == FPSIMD_MAGIC
    assert len(sig.pack_siginfo(sig.SIGSEGV, sig.SEGV_MAPERR, addr=0x1234)) == 128


u64 = st.integers(0, (1 << 64) - 1)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(x=st.lists(u64, min_size=31, max_size=31), sp=u64, pc=u64, pstate=u64,
       q=st.lists(st.integers(0, (1 << 128) - 1), min_size=32, max_size=32),
       fpsr=st.integers(0, (1 << 32) - 1), fpcr=st.integers(0, (1 << 32) - 1),
       mask=u64, fault=u64, esr=st.integers(0, (1 << 32) - 1))
def test_signal_frame_round_trip(x: list[int], sp: int, pc: int, pstate: int, q: list[int],
                                 fpsr: int, fpcr: int, mask: int, fault: int, esr: int) -> None:
    regs = sig.UserRegs(x=x, sp=sp, pc=pc, pstate=pstate, q=q, fpsr=fpsr, fpcr=fpcr)
    info = sig.pack_siginfo(sig.SIGSEGV, sig.SEGV_ACCERR, addr=fault)
    frame = sig.build_frame(info, regs, mask, (0x7000, sig.SS_ONSTACK, 0x2000),
                            fault_address=fault, esr=esr)
    assert len(frame) == sig.FRAME_SIZE
    assert frame[:128] == info
    uc = frame[128:]
    back, back_mask = sig.parse_frame(uc)
    assert back == regs and back_mask == mask
    mc = sig.UC_MCONTEXT_OFF
    assert struct.unpack_from("<Q", uc, 40)[0] == mask                      # uc_sigmask
    assert struct.unpack_from("<Q", uc, mc)[0] == fault                     # fault_address
    assert struct.unpack_from("<31Q", uc, mc + 8) == tuple(x)               # regs[31]
    assert struct.unpack_from("<QQQ", uc, mc + 256) == (sp, pc, pstate)
    assert struct.unpack_from("<QiiQ", uc, 16) == (0x7000, sig.SS_ONSTACK, 0, 0x2000)
    res = mc + SC_RESERVED_OFF
    assert struct.unpack_from("<IIII", uc, res) == (FPSIMD_MAGIC, FPSIMD_SIZE, fpsr, fpcr)
    nxt = res + FPSIMD_SIZE
    if esr:
        assert struct.unpack_from("<IIQ", uc, nxt) == (ESR_MAGIC, 16, esr)
        nxt += 16
    assert struct.unpack_from("<II", uc, nxt) == (0, 0)                     # terminator


def test_siginfo_fields() -> None:
    info = sig.pack_siginfo(sig.SIGSEGV, sig.SEGV_MAPERR, addr=0xDEAD_BEEF)
    assert struct.unpack_from("<iiiiQ", info) == (sig.SIGSEGV, 0, sig.SEGV_MAPERR, 0, 0xDEAD_BEEF)
    kill = sig.pack_siginfo(sig.SIGTERM, sig.SI_USER, pid=42, uid=1000)
    assert struct.unpack_from("<iiiiiI", kill) == (sig.SIGTERM, 0, 0, 0, 42, 1000)


def test_standard_signals_coalesce() -> None:
    p = sig.PendingSignals()
    p.add(sig.SIGUSR1, b"first")
    p.add(sig.SIGUSR1, b"second")
    assert p.mask == sig.bit(sig.SIGUSR1)
    assert p.take(sig.SIGUSR1) == b"first"
    assert p.mask == 0
    assert p.take(sig.SIGUSR1) == b""


def test_realtime_signals_queue_in_order() -> None:
    p = sig.PendingSignals()
    rt = 40
    for i in range(3):
        p.add(rt, bytes([i]))
    p.add(sig.SIGUSR2, b"u")
    assert p.mask == sig.bit(rt) | sig.bit(sig.SIGUSR2)
    assert [p.take(rt) for _ in range(2)] == [b"\x00", b"\x01"]
    assert p.mask & sig.bit(rt)
    assert p.take(rt) == b"\x02"
    assert p.mask == sig.bit(sig.SIGUSR2)
    p.add(rt, b"a")
    p.add(rt, b"b")
    p.discard(rt)
    assert p.mask == sig.bit(sig.SIGUSR2) and p.take(rt) == b""


def test_sigaction_and_dispositions() -> None:
    act = sig.SigAction(handler=0x401000, flags=sig.SA_SIGINFO | sig.SA_RESTORER,
                        mask=sig.bit(sig.SIGINT), restorer=0x402000)
    assert len(act.pack()) == 32
    assert sig.SigAction.unpack(act.pack()) == act
    assert sig.default_action(sig.SIGSEGV) == "core"
    assert sig.default_action(sig.SIGCHLD) == "ign"
    assert sig.default_action(sig.SIGTSTP) == "stop"
    assert sig.default_action(sig.SIGCONT) == "cont"
    assert sig.default_action(sig.SIGTERM) == "term"
    assert sig.signame(sig.SIGKILL) == "SIGKILL" and sig.signame(35) == "SIGRT1"
    acts = sig.SignalActions()
    acts.set(sig.SIGINT, sig.SigAction(handler=sig.SIG_IGN))
    acts.set(sig.SIGTERM, act)
    acts.reset_on_exec()
    assert acts.get(sig.SIGINT).handler == sig.SIG_IGN
    assert acts.get(sig.SIGTERM) == sig.SigAction()


# --- clock ----------------------------------------------------------------------------------------------

def test_clock_charge_and_advance() -> None:
    clk = VirtualClock()
    clk.charge("instruction", 1000)
    clk.charge("exception_entry")
    assert clk.cycles == 1000 + DEFAULT_COSTS["exception_entry"]
    assert clk.charged == {"instruction": 1000, "exception_entry": DEFAULT_COSTS["exception_entry"]}
    clk.advance(500)
    clk.advance(0)
    clk.advance(-7)
    assert clk.cycles == 1500 + DEFAULT_COSTS["exception_entry"]
    assert clk.charged["idle"] == 500
    with pytest.raises(KeyError):
        clk.charge("no-such-event")


def test_clock_cost_overrides_and_ns_conversion() -> None:
    clk = VirtualClock(frequency_hz=2_000_000_000, costs={"page_copy": 7})
    assert clk.costs["page_copy"] == 7 and DEFAULT_COSTS["page_copy"] == 1000
    clk.charge("page_copy", 3)
    assert clk.cycles == 21 and clk.nanoseconds == 10           # floor(21 / 2)
    assert clk.cycles_for_ns(10) == 20 and clk.cycles_for_ns(1) == 2
    slow = VirtualClock(frequency_hz=1_500_000_000)
    assert slow.cycles_for_ns(1) == 2                           # ceil(1.5)
    assert slow.cycles_for_ns(2) == 3
    assert VirtualClock().nanoseconds == 0
    with pytest.raises(ValueError):
        VirtualClock(frequency_hz=0)


def test_stats() -> None:
    s = Stats()
    s.inc("b.x")
    s.inc("b.x", 4)
    s.set("a.y", 9)
    assert s.get("b.x") == 5 and s.get("missing") == 0
    assert list(s.snapshot().items()) == [("a.y", 9), ("b.x", 5)]


# --- exec: the initial stack -------------------------------------------------------------------------

class RecordingUaccess:
    """A stand-in for UserAccess that records every write into a sparse byte map."""

    def __init__(self) -> None:
        self.mem: dict[int, int] = {}
        self.writes: list[tuple[int, int]] = []

    def write(self, va: int, data: bytes) -> None:
        self.writes.append((va, len(data)))
        for i, b in enumerate(data):
            assert va + i not in self.mem, f"byte {va + i:#x} written twice"
            self.mem[va + i] = b

    def u64(self, va: int) -> int:
        return int.from_bytes(bytes(self.mem[va + i] for i in range(8)), "little")

    def cstring(self, va: int) -> bytes:
        out = bytearray()
        while self.mem[va] != 0:
            out.append(self.mem[va])
            va += 1
        return bytes(out)


def test_exec_stack_layout() -> None:
    image = parse_elf(hello(), "hello")
    ua = RecordingUaccess()
    argv = [b"/bin/hello", b"one", b""]
    envp = [b"PATH=/bin", b"HOME=/"]
    random16 = bytes(range(0xA0, 0xB0))
    start = build_stack(ua, image, argv, envp, b"/bin/hello", random16,  # type: ignore[arg-type]
                        hwcap=0x1234_5678, hwcap2=0x9)
    sp = start.sp
    assert start.entry == image.entry
    assert sp % 16 == 0
    assert all(sp <= va and va + n <= STACK_TOP for va, n in ua.writes)
    # argc, argv[], NULL, envp[], NULL, auxv pairs up to AT_NULL.
    assert ua.u64(sp) == len(argv)
    pos = sp + 8
    got_argv = []
    while (ptr := ua.u64(pos)) != 0:
        got_argv.append(ua.cstring(ptr))
        pos += 8
    assert got_argv == argv
    pos += 8
    got_env = []
    while (ptr := ua.u64(pos)) != 0:
        got_env.append(ua.cstring(ptr))
        pos += 8
    assert got_env == envp
    pos += 8
    auxv: dict[int, int] = {}
    keys = []
    while True:
        key, value = ua.u64(pos), ua.u64(pos + 8)
        pos += 16
        keys.append(key)
        if key == AT_NULL:
            break
        auxv[key] = value
    assert len(keys) == len(set(keys)), "an auxv key appears twice"
    assert auxv[AT_HWCAP] == 0x1234_5678 and auxv[AT_HWCAP2] == 0x9
    assert auxv[AT_PAGESZ] == 4096
    assert auxv[AT_PHDR] == image.phdr_addr and auxv[AT_PHENT] == 56 and auxv[AT_PHNUM] == 6
    assert auxv[AT_ENTRY] == image.entry
    rnd = auxv[AT_RANDOM]
    assert bytes(ua.mem[rnd + i] for i in range(16)) == random16
    assert ua.cstring(auxv[AT_EXECFN]) == b"/bin/hello"
    assert ua.cstring(auxv[AT_PLATFORM]) == b"aarch64"
    # Strings and AT_RANDOM live above the pointer block.
    assert min(rnd, auxv[AT_EXECFN], auxv[AT_PLATFORM]) >= pos


def test_exec_stack_with_no_arguments() -> None:
    image = parse_elf(hello(), "hello")
    ua = RecordingUaccess()
    start = build_stack(ua, image, [], [], b"x", bytes(16), 0, 0)  # type: ignore[arg-type]
    assert start.sp % 16 == 0
    assert ua.u64(start.sp) == 0 and ua.u64(start.sp + 8) == 0 and ua.u64(start.sp + 16) == 0


def test_procfs_task_dirs_render_each_task_s_own_comm() -> None:
    """/proc/<pid>/comm is the leader's name; /proc/<pid>/task/<tid>/comm, its status Name
    and its stat comm field are that thread's own (comm_show(), proc_task_name())."""
    from kernel_model import procfs
    from kernel_model.process import Process, Thread

    p = Process(pid=7, parent=None, mm=None, fds={}, sigactions=None,  # type: ignore[arg-type]
                exe="/bin/prog")
    leader, other = Thread(tid=7, process=p, comm=b"main-name"), Thread(tid=8, process=p)
    p.threads = [leader, other]
    top = procfs.process_dir(None, p, leader).entries()          # type: ignore[arg-type]
    assert top["comm"].content() == b"main-name\n"
    task = top["task"].entries()
    assert task["7"].entries()["comm"].content() == b"main-name\n"
    assert task["8"].entries()["comm"].content() == b"prog\n"     # never named: the image's
    other.comm = b"thrd"
    assert task["8"].entries()["comm"].content() == b"thrd\n"
    assert top["comm"].content() == b"main-name\n"
