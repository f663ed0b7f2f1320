"""The secure memory-management ABI (swap, migration, KSM, THP, compression) as a state machine.

A scene builds real confidential trees through the Guardian's own calls: tree A
(domain 1) maps four pages (two of them identical), tree B (domain 2) maps one,
and tree C is a second tree of domain 1 (what FORK_DOMAIN makes of a child).
Each call is made in the state where it must succeed, and once per SPECS
precondition in a state where exactly that precondition fails: the status is
the one SPECS gives, the decision is recorded, and the frame table, all of RAM
and the Guardian's seal records are unchanged.  Sealed pages that are tampered
with, replayed or transplanted are refused the same way.
"""

from __future__ import annotations

import copy
import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from abi import SPECS, Call, FrameKind, Status
from abi.layout import NR_MUNMAP
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian.monitor import Guardian
from guardian.secure_mm import SEAL_HEADER, SEALED_SIZE, SECURE_MM_CALLS, secure_mm_for
from guardian.slots import Slot

PAGE = 4096
HUGE = 2 << 20
HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"
USER_RW = D.PagePerms(user=True, write=True)
VA = 0x0000_7000_0000_0000            # tree A's (and C's) pages: far from the image
VA_H = 0x0000_7000_0020_0000          # a 2 MiB-aligned range (huge-page scenes)
SWP = (1 << 12) | (1 << 2)            # a swap descriptor: invalid, non-zero
# Frame offsets from the RAM base.
ROOT_A, ROOT_B, ROOT_C, ROOT_N = 0x10000, 0x20000, 0x30000, 0x38000
PAGES_A, PAGE_B = 0x40000, 0x50000
FREE, FREE2, TABLE_FREE = 0x60000, 0x61000, 0x62000
HUGE_RUN = 4 << 20                    # 512 frames, 2 MiB aligned
CONTENT = [bytes([0x11]) * PAGE, bytes([0x22]) * PAGE, bytes([0x33]) * PAGE,
           bytes([0x33]) * PAGE]     # pages 2 and 3 are identical


@dataclass
class Scene:
    hw: Machine
    g: Guardian
    tables: dict[int, list[int]] = field(default_factory=dict)   # root -> its tables

    @property
    def b(self) -> int:
        return self.hw.ram.base

    def call(self, call: Call, *args: int, payload: bytes = b"") -> tuple[int, int, bytes]:
        return self.g.hvc_data(call, args, payload)

    def ok(self, call: Call, *args: int, payload: bytes = b"") -> tuple[int, bytes]:
        status, value, data = self.call(call, *args, payload=payload)
        assert status == Status.OK, (call.name, Status(status).name, self.g.decisions[-1:])
        return value, data

    def entry(self, root: int, va: int, level: int = 3) -> int:
        table = root
        for lvl in range(level):
            table = self.hw.ram.read_u64(table + 8 * D.level_index(va, lvl)) & D.ADDR_MASK
        return self.hw.ram.read_u64(table + 8 * D.level_index(va, level))

    def in_linear_map(self, pa: int) -> bool:
        return bool(self.g.state.linear.entry(pa) & D.VALID)

    def rec(self, pa: int):  # noqa: ANN201
        return self.g.frames.record(pa)


def _tree(s: Scene, root: int, va: int) -> int:
    """Root -> L1 -> L2 -> L3 for va, tables right after the root; returns the L3 table."""
    tables = [root + i * PAGE for i in range(4)]
    for level, pa in enumerate(tables):
        s.ok(Call.REGISTER_PT, pa, level)
    for level in range(3):
        s.ok(Call.SET_PT, tables[level], D.level_index(va, level),
             D.table_descriptor(tables[level + 1]))
    s.tables[root] = tables
    return tables[3]


def _map(s: Scene, l3: int, va: int, pa: int, data: bytes | None = None) -> None:
    if data is not None:
        s.hw.ram.write(pa, data)
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(pa, USER_RW))


def _create(s: Scene, root: int) -> int:
    digest = s.g.conf.admit_image(HELLO.read_bytes())
    entry = s.g.conf.images[digest].entry
    slot, _ = s.ok(Call.CREATE_DOMAIN, root, entry, 0x7FFF_FFFF_F000, payload=digest)
    return s.g.conf.root_domain[root]


def build(huge: bool = False) -> Scene:
    hw = Machine(load_machine("small"))
    g = Guardian(hw)
    hw.install_monitor(g)
    s = Scene(hw, g)
    b = s.b
    l3a = _tree(s, b + ROOT_A, VA)
    # Pages enter a domain zero-filled; the program (here: the test, with physical
    # powers) writes its data once they are confidential.
    later: list[tuple[int, bytes]] = []
    for i, data in enumerate(CONTENT):
        _map(s, l3a, VA + i * PAGE, b + PAGES_A + i * PAGE, bytes(PAGE))
        later.append((b + PAGES_A + i * PAGE, data))
    if huge:
        l3h = b + ROOT_A + 4 * PAGE
        s.ok(Call.REGISTER_PT, l3h, 3)
        s.ok(Call.SET_PT, b + ROOT_A + 2 * PAGE, D.level_index(VA_H, 2), D.table_descriptor(l3h))
        for i in range(512):
            _map(s, l3h, VA_H + i * PAGE, b + HUGE_RUN + i * PAGE, bytes(PAGE))
            later.append((b + HUGE_RUN + i * PAGE, struct.pack("<Q", i) * 512))
    l3b = _tree(s, b + ROOT_B, VA)
    _map(s, l3b, VA, b + PAGE_B, bytes(PAGE))
    later.append((b + PAGE_B, CONTENT[0]))
    assert _create(s, b + ROOT_A) == 1
    assert _create(s, b + ROOT_B) == 2
    for pa, data in later:
        s.hw.ram.write(pa, data)
    # Tree C joins domain 1 as FORK_DOMAIN would admit a child's tree (no clone slot here).
    for level, pa in enumerate(b + ROOT_C + i * PAGE for i in range(4)):
        s.ok(Call.REGISTER_PT, pa, level)
    g.conf.domains[1].roots.add(b + ROOT_C)
    g.conf.root_domain[b + ROOT_C] = 1
    g.frames.owner[g.frames.index(b + ROOT_C)] = 1
    g.state.fork_copy.open(b + ROOT_A, b + ROOT_C)   # the fork copy of A into C is under way
    for level in range(3):
        s.ok(Call.SET_PT, b + ROOT_C + level * PAGE, D.level_index(VA, level),
             D.table_descriptor(b + ROOT_C + (level + 1) * PAGE))
    s.ok(Call.REGISTER_PT, b + ROOT_N, 0)        # an ordinary (non-confidential) root
    # Each program let KSM compare its memory (prctl PR_SET_MEMORY_MERGE): KSM's calls
    # are about no other pages (ksm.mergeable).
    reg = g.conf.registry
    for root, dom in ((ROOT_A, 1), (ROOT_B, 2), (ROOT_C, 1)):
        reg.space(reg.domains[dom], b + root).merge_any = True
    return s


def build_translating() -> Scene:
    """`build()` with the core translating through tree A, as when its program runs: the
    Guardian's result checks read the program's memory through it."""
    built = build()
    cpu = built.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, built.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return built


@pytest.fixture
def s() -> Scene:
    return build()


def snapshot(s: Scene) -> tuple[object, ...]:
    return (s.g.frames.snapshot(), s.hw.ram.read(s.b, s.hw.ram.size),
            copy.deepcopy(secure_mm_for(s.g).seals), dict(secure_mm_for(s.g).last_version))


def refuse(s: Scene, status: Status, call: Call, *args: int, payload: bytes = b"") -> None:
    """The call fails with `status`, records a decision and changes nothing."""
    before = snapshot(s)
    n = len(s.g.decisions)
    got, value, data = s.call(call, *args, payload=payload)
    assert Status(got) == status, (call.name, Status(got).name, s.g.decisions[n:])
    assert value == 0 and data == b""
    assert [d.status for d in s.g.decisions[n:]] == [status]
    assert snapshot(s) == before, f"{call.name} changed state although refused"


def swap_out(s: Scene, root: int, va: int, desc: int = SWP) -> tuple[int, bytes]:
    return s.ok(Call.SWAP_OUT, root, va, desc)


def swap_in(s: Scene, root: int, va: int, frame: int, sealed: bytes) -> int:
    status, _, _ = s.call(Call.SWAP_IN, root, va, frame, D.leaf_descriptor(frame, USER_RW),
                          payload=sealed)
    return status


# --- swap -------------------------------------------------------------------------------

def test_swap_out_seals_scrubs_and_installs_the_swap_entry(s: Scene) -> None:
    b = s.b
    pa = b + PAGES_A
    version, sealed = swap_out(s, b + ROOT_A, VA)
    assert version == 1 and len(sealed) == SEALED_SIZE
    assert CONTENT[0][:64] not in sealed                     # encrypted, not copied
    assert s.entry(b + ROOT_A, VA) == SWP
    rec = s.rec(pa)
    assert rec.kind == FrameKind.FREE and rec.user_maps == 0
    assert s.hw.ram.read(pa, PAGE) == bytes(PAGE)            # scrubbed
    assert s.in_linear_map(pa)                               # the kernel's again
    assert s.hw.stats.get("guardian.abi.swap_out") == 1


def test_swap_in_restores_into_the_kernels_frame_hidden_from_the_kernel(s: Scene) -> None:
    b = s.b
    _, sealed = swap_out(s, b + ROOT_A, VA + PAGE)
    frame = b + FREE
    assert s.in_linear_map(frame)
    assert swap_in(s, b + ROOT_A, VA + PAGE, frame, sealed) == Status.OK
    assert s.hw.ram.read(frame, PAGE) == CONTENT[1]
    rec = s.rec(frame)
    assert rec.kind == FrameKind.CONFIDENTIAL and rec.owner == 1 and rec.user_maps == 1
    assert not s.in_linear_map(frame)
    assert s.entry(b + ROOT_A, VA + PAGE) == D.leaf_descriptor(frame, USER_RW)
    assert not secure_mm_for(s.g).seals[1]                   # the version is used up
    assert not s.g.frames.violations()


def test_replayed_sealed_pages_are_refused(s: Scene) -> None:
    b = s.b
    _, old = swap_out(s, b + ROOT_A, VA)
    assert swap_in(s, b + ROOT_A, VA, b + FREE, old) == Status.OK
    _, new = swap_out(s, b + ROOT_A, VA)                     # version 2
    desc = D.leaf_descriptor(b + FREE2, USER_RW)
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_A, VA, b + FREE2, desc, payload=old)
    assert swap_in(s, b + ROOT_A, VA, b + FREE2, new) == Status.OK
    _, _ = swap_out(s, b + ROOT_A, VA)                       # version 3 outstanding
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_A, VA, b + FREE2, desc, payload=new)


@pytest.mark.parametrize("where", ["ciphertext", "tag", "header_magic", "truncated"])
def test_tampered_sealed_pages_are_refused(s: Scene, where: str) -> None:
    b = s.b
    _, sealed = swap_out(s, b + ROOT_A, VA)
    bad = bytearray(sealed)
    if where == "ciphertext":
        bad[SEAL_HEADER.size + 100] ^= 1
    elif where == "tag":
        bad[-1] ^= 0x80
    elif where == "header_magic":
        bad[0] ^= 1
    else:
        bad = bad[:-1]
    desc = D.leaf_descriptor(b + FREE, USER_RW)
    refuse(s, Status.ERR_AUTH, Call.SWAP_IN, b + ROOT_A, VA, b + FREE, desc, payload=bytes(bad))
    assert swap_in(s, b + ROOT_A, VA, b + FREE, sealed) == Status.OK


def test_relabelled_version_is_refused(s: Scene) -> None:
    """A sealed page whose header claims another outstanding version fails the AEAD."""
    b = s.b
    v1, blob1 = swap_out(s, b + ROOT_A, VA)
    s.ok(Call.SWAP_SHARE, b + ROOT_A, b + ROOT_C, VA, v1)    # C may swap v1 in later
    assert swap_in(s, b + ROOT_A, VA, b + FREE, blob1) == Status.OK
    v2, blob2 = swap_out(s, b + ROOT_A, VA)
    forged = SEAL_HEADER.pack(b"BFS1", 0, v1) + blob2[SEAL_HEADER.size:]
    desc = D.leaf_descriptor(b + FREE2, USER_RW)
    refuse(s, Status.ERR_AUTH, Call.SWAP_IN, b + ROOT_C, VA, b + FREE2, desc, payload=forged)
    assert swap_in(s, b + ROOT_C, VA, b + FREE2, blob1) == Status.OK   # the genuine one


def test_transplanted_sealed_pages_are_refused(s: Scene) -> None:
    b = s.b
    _, page0 = swap_out(s, b + ROOT_A, VA)
    _, page1 = swap_out(s, b + ROOT_A, VA + PAGE)
    _, other = swap_out(s, b + ROOT_B, VA)                   # domain 2, same VA
    desc = D.leaf_descriptor(b + FREE, USER_RW)
    # Another page's ciphertext at this VA.
    refuse(s, Status.ERR_AUTH, Call.SWAP_IN, b + ROOT_A, VA, b + FREE, desc, payload=page1)
    # Another domain's ciphertext for the same VA (its version 1 is outstanding here too).
    refuse(s, Status.ERR_AUTH, Call.SWAP_IN, b + ROOT_A, VA, b + FREE, desc, payload=other)
    # Another address space of the same domain that never held it.
    s.ok(Call.SET_PT, b + ROOT_C + 3 * PAGE, D.level_index(VA, 3), SWP)
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_C, VA, b + FREE, desc, payload=page0)
    assert swap_in(s, b + ROOT_A, VA, b + FREE, page0) == Status.OK
    assert swap_in(s, b + ROOT_B, VA, b + FREE2, other) == Status.OK
    assert s.hw.ram.read(b + FREE, PAGE) == s.hw.ram.read(b + FREE2, PAGE) == CONTENT[0]


def test_swap_share_lets_each_tree_swap_in_once(s: Scene) -> None:
    b = s.b
    version, sealed = swap_out(s, b + ROOT_A, VA + 2 * PAGE)
    s.ok(Call.SET_PT, b + ROOT_C + 3 * PAGE, D.level_index(VA + 2 * PAGE, 3), SWP)
    s.ok(Call.SWAP_SHARE, b + ROOT_A, b + ROOT_C, VA + 2 * PAGE, version)
    assert swap_in(s, b + ROOT_C, VA + 2 * PAGE, b + FREE, sealed) == Status.OK
    assert swap_in(s, b + ROOT_A, VA + 2 * PAGE, b + FREE2, sealed) == Status.OK
    assert s.hw.ram.read(b + FREE, PAGE) == s.hw.ram.read(b + FREE2, PAGE) == CONTENT[2]
    assert not secure_mm_for(s.g).seals[1]


def test_a_fork_child_takes_its_parents_pages_only_while_the_copy_lasts(s: Scene) -> None:
    """FORK_DOMAIN opens the copy; once user code of either tree runs, a page the parent
    holds (mapped or sealed) is the parent's alone, while an entry the child already maps
    may still be rewritten."""
    b = s.b
    ro = D.PagePerms(user=True, write=False)
    l3a, l3c = s.tables[b + ROOT_A][3], b + ROOT_C + 3 * PAGE
    page0, page1 = D.leaf_descriptor(b + PAGES_A, ro), D.leaf_descriptor(b + PAGES_A + PAGE, ro)
    s.ok(Call.SET_PT, l3a, D.level_index(VA, 3), page0)
    s.ok(Call.SET_PT, l3c, D.level_index(VA, 3), page0)             # the fork copy
    version, _ = swap_out(s, b + ROOT_A, VA + 2 * PAGE)
    s.g.state.fork_copy.ran(b + ROOT_C)                             # the child runs
    s.ok(Call.SET_PT, l3a, D.level_index(VA + PAGE, 3), page1)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3c, D.level_index(VA + PAGE, 3), page1)
    assert s.g.decisions[-1].check == "set_pt.fork_share"
    refuse(s, Status.ERR_DENIED, Call.SWAP_SHARE, b + ROOT_A, b + ROOT_C, VA + 2 * PAGE, version)
    assert s.g.decisions[-1].check == "swap_share.fork_copy"
    s.ok(Call.SET_PT, l3c, D.level_index(VA, 3), page0 | D.AF)      # a rewrite of its own entry


def _munmap_window(s: Scene, root: int, va: int) -> None:
    """The program of domain 1 is in munmap(va, one page) in `root`."""
    s.g.conf.slots[999] = Slot(id=999, domain=1, saved=None, elr=0,  # type: ignore[arg-type]
                               nr=NR_MUNMAP, args=(va, PAGE, 0, 0, 0, 0), root=root)


def test_swap_discard_ends_a_trees_claim(s: Scene) -> None:
    b = s.b
    version, sealed = swap_out(s, b + ROOT_A, VA)
    _munmap_window(s, b + ROOT_A, VA)
    s.ok(Call.SWAP_DISCARD, b + ROOT_A, VA, version)
    desc = D.leaf_descriptor(b + FREE, USER_RW)
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_A, VA, b + FREE, desc, payload=sealed)


# --- migration, digest, KSM, compression ------------------------------------------------

def test_migrate_copies_remaps_and_scrubs(s: Scene) -> None:
    b = s.b
    old, new = b + PAGES_A + PAGE, b + FREE
    before = s.entry(b + ROOT_A, VA + PAGE)
    s.ok(Call.MIGRATE_PAGE, b + ROOT_A, VA + PAGE, new)
    assert s.entry(b + ROOT_A, VA + PAGE) == (before & ~D.ADDR_MASK) | new
    assert s.hw.ram.read(new, PAGE) == CONTENT[1] and not s.in_linear_map(new)
    assert s.rec(new).kind == FrameKind.CONFIDENTIAL and s.rec(new).owner == 1
    assert s.rec(old).kind == FrameKind.FREE and s.in_linear_map(old)
    assert s.hw.ram.read(old, PAGE) == bytes(PAGE)
    assert not s.g.frames.violations()


def test_page_digest_reveals_equality_only_within_a_domain(s: Scene) -> None:
    b = s.b
    d = [s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + i * PAGE)[0] for i in range(4)]
    assert d[2] == d[3] and len({d[0], d[1], d[2]}) == 3
    other, _ = s.ok(Call.PAGE_DIGEST, b + ROOT_B, VA)       # same bytes as A's page 0
    assert other != d[0]


def test_page_digest_is_the_domains_keyed_hash_of_the_bytes_now(s: Scene) -> None:
    """Each digest is computed afresh from the page as it is (the keyed state set up once
    per domain is copied, never updated in place): a changed page digests differently,
    the old bytes back digest as before, and each domain has its own key."""
    b = s.b
    pa = b + PAGES_A + PAGE

    def expected(data: bytes, dom: int) -> int:
        key = s.g.conf.registry.domains[dom].key[:32]
        h = hashlib.blake2b(data, digest_size=8, key=key, person=b"bf-ksm")
        return int.from_bytes(h.digest(), "little")

    first = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + PAGE)[0]
    assert first == expected(CONTENT[1], 1)
    s.hw.ram.write(pa, b"\x5a" * PAGE)
    assert s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + PAGE)[0] == expected(b"\x5a" * PAGE, 1)
    s.hw.ram.write(pa, CONTENT[1])
    assert s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + PAGE)[0] == first
    assert s.ok(Call.PAGE_DIGEST, b + ROOT_B, VA)[0] == expected(CONTENT[0], 2)


def test_set_pt_zero_fill_fills_a_fresh_page_as_it_enters_and_nothing_else(s: Scene) -> None:
    """SET_PT's zero_fill: a page entering the domain where zeros are owed is filled by the
    Guardian (whatever the kernel left in the frame); without it the same dirty frame is
    refused as ever; a page of the domain already is never filled."""
    b = s.b
    l3a = s.tables[b + ROOT_A][3]
    s.hw.ram.write(b + FREE, b"\xee" * PAGE)
    desc = D.leaf_descriptor(b + FREE, USER_RW)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3a, 4, desc)
    s.ok(Call.SET_PT, l3a, 4, desc, 1)
    assert s.hw.ram.read(b + FREE, PAGE) == bytes(PAGE) and not s.in_linear_map(b + FREE)
    assert s.rec(b + FREE).kind == FrameKind.CONFIDENTIAL and s.rec(b + FREE).owner == 1
    read_only = D.leaf_descriptor(b + PAGES_A + PAGE, D.PagePerms(user=True, write=False))
    s.ok(Call.SET_PT, l3a, 1, read_only, 1)
    assert s.hw.ram.read(b + PAGES_A + PAGE, PAGE) == CONTENT[1]
    assert not s.g.frames.violations()


def test_page_digest_of_a_run_gives_each_pages_digest_up_to_the_first_refused(
        s: Scene) -> None:
    """KSM's one call per run: the same digests as one call per page, in order; the run
    ends before a page a single call would refuse (here: the unmapped fifth), and a
    refused first page refuses the call as before."""
    b = s.b
    singles = [s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + i * PAGE)[0] for i in range(4)]
    n, data = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA, 64)
    assert n == 4 and list(struct.unpack("<4Q", data)) == singles
    n, data = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA + PAGE, 2)
    assert n == 2 and list(struct.unpack("<2Q", data)) == singles[1:3]
    n, data = s.ok(Call.PAGE_DIGEST, b + ROOT_B, VA, 8)       # domain B's key, one page
    assert n == 1 and struct.unpack("<Q", data)[0] == s.ok(Call.PAGE_DIGEST, b + ROOT_B, VA)[0]
    refuse(s, Status.ERR_STATE, Call.PAGE_DIGEST, b + ROOT_A, VA + 4 * PAGE, 8)
    # Another domain's frame in the run ends it: B's page mapped into A's tree at VA + 4
    # pages is not a frame of domain 1.
    l3a = s.tables[b + ROOT_A][3]
    s.hw.ram.write_u64(l3a + 8 * 4, D.leaf_descriptor(b + PAGE_B, USER_RW))
    n, _ = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA, 64)
    assert n == 4


def test_page_digest_run_stops_at_sixty_four_pages_and_the_table_end() -> None:
    s = build(huge=True)
    b = s.b
    n, data = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA_H, 1000)
    assert n == 64 and len(data) == 64 * 8
    assert struct.unpack_from("<Q", data, 63 * 8)[0] == \
        s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA_H + 63 * PAGE)[0]
    n, _ = s.ok(Call.PAGE_DIGEST, b + ROOT_A, VA_H + 510 * PAGE, 8)
    assert n == 2                       # the next table maps nothing at VA_H + 2 MiB


def test_ksm_merge_shares_one_read_only_frame(s: Scene) -> None:
    b = s.b
    keep, dup = b + PAGES_A + 2 * PAGE, b + PAGES_A + 3 * PAGE
    s.ok(Call.KSM_MERGE, b + ROOT_A, VA + 2 * PAGE, b + ROOT_A, VA + 3 * PAGE, 1)
    for va in (VA + 2 * PAGE, VA + 3 * PAGE):
        e = s.entry(b + ROOT_A, va)
        assert e & D.ADDR_MASK == keep and e & D.AP_RO and D.software_bits(e) == 1
    assert s.rec(keep).user_maps == 2
    assert s.rec(dup).kind == FrameKind.FREE and s.hw.ram.read(dup, PAGE) == bytes(PAGE)
    assert not s.g.frames.violations()


def test_a_shared_frame_leaves_an_address_only_when_the_program_asks(s: Scene) -> None:
    """One of two mappings of a merged frame is no licence to drop or swap the other's page."""
    b = s.b
    l3 = s.tables[b + ROOT_A][3]
    keep = b + PAGES_A + 2 * PAGE
    s.ok(Call.KSM_MERGE, b + ROOT_A, VA + 2 * PAGE, b + ROOT_A, VA + 3 * PAGE, 1)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3, D.level_index(VA + 3 * PAGE, 3), 0)
    assert s.g.decisions[-1].check == "set_pt.discard_leaf"
    # A snapshot taken before the program's last store cannot take its place either.
    s.ok(Call.COPY_PAGE, b + FREE, keep)
    s.hw.ram.write(keep, b"stored later")
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3, D.level_index(VA + 3 * PAGE, 3),
           D.leaf_descriptor(b + FREE, USER_RW))
    assert s.g.decisions[-1].check == "set_pt.copy_binding"
    # A copy with the same bytes may (copy-on-write), and so may the program's munmap.
    s.ok(Call.COPY_PAGE, b + FREE2, keep)
    s.ok(Call.SET_PT, l3, D.level_index(VA + 3 * PAGE, 3), D.leaf_descriptor(b + FREE2, USER_RW))
    _munmap_window(s, b + ROOT_A, VA + 2 * PAGE)
    s.ok(Call.SET_PT, l3, D.level_index(VA + 2 * PAGE, 3), 0)
    assert not s.g.frames.violations()


def test_compression_is_refused_with_a_reason(s: Scene) -> None:
    refuse(s, Status.ERR_UNSUPPORTED, Call.COMPRESS_PAGE, s.b + ROOT_A, VA)
    assert "compression" in s.g.decisions[-1].reason


# --- huge pages -------------------------------------------------------------------------

def test_thp_collapse_and_split_end_lazy_free_records() -> None:
    """collapse_huge_page() copies the pages into a new folio, never a lazyfree one: a
    record of a page that goes into (or out of) a block ends."""
    s = build(huge=True)
    b = s.b
    lazy = s.g.state.lifecycle.lazy_free
    lazy.pages[(b + ROOT_A, VA_H + PAGE)] = b + HUGE_RUN + PAGE
    lazy.pages[(b + ROOT_A, VA)] = b + PAGES_A                  # outside the block: kept
    s.ok(Call.THP_COLLAPSE, b + ROOT_A, VA_H)
    assert lazy.pages == {(b + ROOT_A, VA): b + PAGES_A}
    lazy.pages[(b + ROOT_A, VA_H + PAGE)] = b + HUGE_RUN + PAGE
    s.ok(Call.THP_SPLIT, b + ROOT_A, VA_H, b + FREE)
    assert lazy.pages == {(b + ROOT_A, VA): b + PAGES_A}


def test_thp_collapse_and_split_round_trip() -> None:
    s = build(huge=True)
    b = s.b
    l3 = b + ROOT_A + 4 * PAGE
    pages = [s.entry(b + ROOT_A, VA_H + i * PAGE) for i in range(512)]
    table, _ = s.ok(Call.THP_COLLAPSE, b + ROOT_A, VA_H)
    assert table == l3
    block = s.entry(b + ROOT_A, VA_H, level=2)
    assert block & D.VALID and not block & D.TABLE and D.output_address(block, 2) == b + HUGE_RUN
    assert s.rec(l3).kind == FrameKind.FREE and s.in_linear_map(l3)
    assert all(s.rec(b + HUGE_RUN + i * PAGE).user_maps == 1 for i in range(512))
    s.ok(Call.THP_SPLIT, b + ROOT_A, VA_H, b + FREE)
    assert s.rec(b + FREE).kind == FrameKind.PAGE_TABLE and s.rec(b + FREE).owner == 1
    assert [s.entry(b + ROOT_A, VA_H + i * PAGE) for i in range(512)] == pages
    assert all(s.rec(b + HUGE_RUN + i * PAGE).user_maps == 1 for i in range(512))
    assert not s.g.frames.violations()
    # The split table is the domain's: the kernel may keep using it.
    s.ok(Call.SET_PT, b + FREE, 0, pages[0] | D.AP_RO)


# --- every precondition of every call ---------------------------------------------------

def _own(s: Scene, pa: int, owner: int) -> None:
    """Defence in depth: put a frame into a state no legal call sequence produces."""
    s.g.frames.owner[s.g.frames.index(pa)] = owner


def _double_map(s: Scene) -> None:
    """The page is shared with tree C at the same address, as after a fork (read-only in
    both trees: the parent's entry is downgraded first)."""
    ro = D.leaf_descriptor(s.b + PAGES_A, D.PagePerms(user=True, write=False))
    s.ok(Call.SET_PT, s.tables[s.b + ROOT_A][3], D.level_index(VA, 3), ro)
    s.ok(Call.SET_PT, s.b + ROOT_C + 3 * PAGE, D.level_index(VA, 3), ro)


def _swapped(s: Scene) -> None:
    swap_out(s, s.b + ROOT_A, VA)


def _swapped_after_the_copy(s: Scene) -> None:
    swap_out(s, s.b + ROOT_A, VA)
    s.g.state.fork_copy.ran(s.b + ROOT_A)      # the parent ran: the fork copy is over


def _sealed(s: Scene) -> bytes:
    return secure_mm_for(s.g).swap.seal(s.g.conf.domains[1], VA, 1, bytes(PAGE))


def _collapsed(s: Scene) -> None:
    s.ok(Call.THP_COLLAPSE, s.b + ROOT_A, VA_H)


@dataclass(frozen=True)
class Case:
    call: Call
    rule: str                                   # SPECS precondition (prefix)
    args: Callable[[Scene], tuple[int, ...]]
    setup: Callable[[Scene], None] | None = None
    payload: Callable[[Scene], bytes] | None = None
    huge: bool = False


def _in(frame: int = FREE, va: int = VA) -> Callable[[Scene], tuple[int, ...]]:
    return lambda s: (s.b + ROOT_A, va, s.b + frame, D.leaf_descriptor(s.b + frame, USER_RW))


A = ROOT_A
CASES = [
    Case(Call.SWAP_OUT, "va is 4 KiB aligned", lambda s: (s.b + A, VA + 8, SWP)),
    Case(Call.SWAP_OUT, "va is a user address", lambda s: (s.b + A, VA, SWP | 1)),
    Case(Call.SWAP_OUT, "root_pa is the root", lambda s: (s.b + ROOT_N, VA, SWP)),
    Case(Call.SWAP_OUT, "va is mapped by", lambda s: (s.b + A, VA + 6 * PAGE, SWP)),
    Case(Call.SWAP_OUT, "the frame is a CONFIDENTIAL", lambda s: (s.b + A, VA, SWP),
         setup=lambda s: _own(s, s.b + PAGES_A, 2)),
    Case(Call.SWAP_OUT, "no other entry", lambda s: (s.b + A, VA, SWP), setup=_double_map),
    Case(Call.SWAP_IN, "va and frame_pa are 4 KiB", _in(FREE + 8), setup=_swapped,
         payload=_sealed),
    Case(Call.SWAP_IN, "va is a user address", lambda s: (s.b + A, VA, s.hw.ram.end, 3),
         setup=_swapped, payload=_sealed),
    Case(Call.SWAP_IN, "root_pa is the root", lambda s: (s.b + ROOT_N,) + _in()(s)[1:],
         setup=_swapped, payload=_sealed),
    Case(Call.SWAP_IN, "frame is a FREE or KERNEL", _in(PAGES_A + PAGE), setup=_swapped,
         payload=_sealed),
    Case(Call.SWAP_IN, "the tree has a level-3 table", _in(), payload=_sealed),
    Case(Call.SWAP_IN, "descriptor is a valid", lambda s: _in()(s)[:3] + (s.b + FREE2 | 3,),
         setup=_swapped, payload=_sealed),
    Case(Call.SWAP_IN, "the payload's version", _in(), setup=_swapped,
         payload=lambda s: _sealed(s)[:8] + struct.pack("<Q", 7) + _sealed(s)[16:]),
    Case(Call.SWAP_IN, "the payload was sealed", _in(), setup=_swapped,
         payload=lambda s: _sealed(s)[:-1] + b"\0"),
    Case(Call.SWAP_SHARE, "va is 4 KiB", lambda s: (s.b + A, s.b + ROOT_C, VA + 1, 1),
         setup=_swapped),
    Case(Call.SWAP_SHARE, "both roots are", lambda s: (s.b + A, s.b + ROOT_N, VA, 1),
         setup=_swapped),
    Case(Call.SWAP_SHARE, "both trees belong", lambda s: (s.b + A, s.b + ROOT_B, VA, 1),
         setup=_swapped),
    Case(Call.SWAP_SHARE, "version is outstanding", lambda s: (s.b + A, s.b + ROOT_C, VA, 2),
         setup=_swapped),
    Case(Call.SWAP_SHARE, "dst_root_pa is a fork child", lambda s: (s.b + A, s.b + ROOT_C, VA, 1),
         setup=_swapped_after_the_copy),
    Case(Call.SWAP_DISCARD, "va is 4 KiB", lambda s: (s.b + A, VA + 1, 1), setup=_swapped),
    Case(Call.SWAP_DISCARD, "root_pa is the root", lambda s: (s.b + ROOT_N, VA, 1),
         setup=_swapped),
    Case(Call.SWAP_DISCARD, "version is outstanding", lambda s: (s.b + A, VA + PAGE, 1),
         setup=_swapped),
    Case(Call.SWAP_DISCARD, "the program's own unmapping", lambda s: (s.b + A, VA, 1),
         setup=_swapped),
    Case(Call.MIGRATE_PAGE, "va and new_frame_pa", lambda s: (s.b + A, VA, s.b + FREE + 8)),
    Case(Call.MIGRATE_PAGE, "va is a user address", lambda s: (s.b + A, 1 << 48, s.b + FREE)),
    Case(Call.MIGRATE_PAGE, "root_pa is the root", lambda s: (s.b + ROOT_N, VA, s.b + FREE)),
    Case(Call.MIGRATE_PAGE, "new frame is", lambda s: (s.b + A, VA, s.b + ROOT_C)),
    Case(Call.MIGRATE_PAGE, "va is mapped by", lambda s: (s.b + A, VA + 7 * PAGE, s.b + FREE)),
    Case(Call.MIGRATE_PAGE, "the frame is a CONFIDENTIAL", lambda s: (s.b + A, VA, s.b + FREE),
         setup=lambda s: _own(s, s.b + PAGES_A, 2)),
    Case(Call.MIGRATE_PAGE, "no other entry", lambda s: (s.b + A, VA, s.b + FREE),
         setup=_double_map),
    Case(Call.PAGE_DIGEST, "va is 4 KiB", lambda s: (s.b + A, VA + 4)),
    Case(Call.PAGE_DIGEST, "root_pa is the root", lambda s: (s.b + ROOT_N, VA)),
    Case(Call.PAGE_DIGEST, "va is mapped by", lambda s: (s.b + A, VA), setup=_swapped),
    Case(Call.PAGE_DIGEST, "the frame is a CONFIDENTIAL", lambda s: (s.b + A, VA),
         setup=lambda s: _own(s, s.b + PAGES_A, 3)),
    Case(Call.KSM_MERGE, "va_a and va_b", lambda s: (s.b + A, VA + 2 * PAGE, s.b + A, VA + 1, 1)),
    Case(Call.KSM_MERGE, "both roots are", lambda s: (s.b + A, VA, s.b + ROOT_N, VA, 1)),
    Case(Call.KSM_MERGE, "both trees belong", lambda s: (s.b + A, VA, s.b + ROOT_B, VA, 1)),
    Case(Call.KSM_MERGE, "both va are mapped", lambda s: (s.b + A, VA, s.b + A, VA, 1)),
    Case(Call.KSM_MERGE, "both frames are", lambda s: (s.b + A, VA + 2 * PAGE, s.b + A,
                                                       VA + 3 * PAGE, 1),
         setup=lambda s: _own(s, s.b + PAGES_A + 3 * PAGE, 2)),
    Case(Call.KSM_MERGE, "the two pages are", lambda s: (s.b + A, VA, s.b + A, VA + PAGE, 1)),
    Case(Call.THP_COLLAPSE, "va is 2 MiB", lambda s: (s.b + A, VA_H + PAGE), huge=True),
    Case(Call.THP_COLLAPSE, "va is a user address", lambda s: (s.b + A, 1 << 48), huge=True),
    Case(Call.THP_COLLAPSE, "root_pa is the root", lambda s: (s.b + ROOT_N, VA_H), huge=True),
    Case(Call.THP_COLLAPSE, "the level-2 entry", lambda s: (s.b + A, VA), huge=True),
    Case(Call.THP_COLLAPSE, "every frame", lambda s: (s.b + A, VA_H), huge=True,
         setup=lambda s: _own(s, s.b + HUGE_RUN + 5 * PAGE, 2)),
    Case(Call.THP_SPLIT, "va is 2 MiB", lambda s: (s.b + A, VA_H, s.b + FREE + 8), huge=True,
         setup=_collapsed),
    Case(Call.THP_SPLIT, "va is a user address", lambda s: (s.b + A, VA_H, s.hw.ram.end),
         huge=True, setup=_collapsed),
    Case(Call.THP_SPLIT, "root_pa is the root", lambda s: (s.b + ROOT_N, VA_H, s.b + FREE),
         huge=True, setup=_collapsed),
    Case(Call.THP_SPLIT, "table frame is", lambda s: (s.b + A, VA_H, s.b + PAGES_A), huge=True,
         setup=_collapsed),
    Case(Call.THP_SPLIT, "the level-2 entry", lambda s: (s.b + A, VA_H, s.b + FREE), huge=True),
    Case(Call.COMPRESS_PAGE, "never satisfied", lambda s: (s.b + A, VA)),
]


def _spec_status(case: Case) -> Status:
    (status,) = [st for rule, st in SPECS[case.call].preconditions if rule.startswith(case.rule)]
    return status


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.call.name}:{c.rule}")
def test_each_precondition_fails_with_its_status_and_changes_nothing(case: Case) -> None:
    s = build(huge=case.huge)
    if case.setup is not None:
        case.setup(s)
    payload = case.payload(s) if case.payload is not None else b""
    refuse(s, _spec_status(case), case.call, *case.args(s), payload=payload)


def test_every_secure_mm_precondition_has_a_case() -> None:
    specs = {(c, rule) for c in SECURE_MM_CALLS for rule, _ in SPECS[c].preconditions}
    covered = {(case.call, rule) for case in CASES for rule, _ in SPECS[case.call].preconditions
               if rule.startswith(case.rule)}
    assert covered == specs
    assert all(SPECS[c].effects for c in SECURE_MM_CALLS)


# --- a tree that goes ------------------------------------------------------------------------

def _join_domain_1(s: Scene, root: int) -> int:
    """A fresh tree of domain 1 at `root` (as the fixture's tree C); its level-3 table."""
    g = s.g
    for level, pa in enumerate(root + i * PAGE for i in range(4)):
        s.ok(Call.REGISTER_PT, pa, level)
    g.conf.domains[1].roots.add(root)
    g.conf.root_domain[root] = 1
    g.frames.owner[g.frames.index(root)] = 1
    for level in range(3):
        s.ok(Call.SET_PT, root + level * PAGE, D.level_index(VA, level),
             D.table_descriptor(root + (level + 1) * PAGE))
    return root + 3 * PAGE


def test_a_freed_trees_sealed_pages_go_with_it(s: Scene) -> None:
    """Tree C (a fork child) holds A's sealed page; A swaps its own copy in and C is freed
    (its process exited): no seal record names C any more, and a new tree of the same
    domain at C's root address cannot swap the dead tree's page in."""
    b = s.b
    c, va = b + ROOT_C, VA + 2 * PAGE
    seals = secure_mm_for(s.g).seals
    version, sealed = swap_out(s, b + ROOT_A, va)
    s.ok(Call.SET_PT, c + 3 * PAGE, D.level_index(va, 3), SWP)
    s.ok(Call.SWAP_SHARE, b + ROOT_A, c, va, version)
    assert swap_in(s, b + ROOT_A, va, b + FREE, sealed) == Status.OK
    assert seals[1][version].holders == {c}          # the child's claim alone is left
    s.ok(Call.FREE_PGD, c)
    assert version not in seals[1]
    assert not any(c in r.holders for recs in seals.values() for r in recs.values())
    assert s.g.invariants.violations() == []
    l3c = _join_domain_1(s, c)
    s.ok(Call.SET_PT, l3c, D.level_index(va, 3), SWP)
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, c, va, b + FREE2,
           D.leaf_descriptor(b + FREE2, USER_RW), payload=sealed)
    assert s.g.decisions[-1].check == "swap_in.outstanding"


def test_a_domain_whose_last_tree_goes_keeps_no_seal_state(s: Scene) -> None:
    b = s.b
    swap_out(s, b + ROOT_B, VA)
    mm = secure_mm_for(s.g)
    assert mm.seals[2] and mm.last_version[2] == 1
    s.ok(Call.FREE_PGD, b + ROOT_B)                   # domain 2's only tree: the domain goes
    assert 2 not in s.g.conf.domains
    assert 2 not in mm.seals and 2 not in mm.last_version
    assert s.g.invariants.violations() == []


def test_without_the_clean_up_a_dead_trees_page_comes_back_in_a_new_tree(s: Scene) -> None:
    """The control: with the freed tree's claims kept (the clean-up skipped), the
    invariant names the stale claim and the new tree at the same root PA swaps the dead
    tree's page in -- the hole the clean-up closes."""
    b = s.b
    c, va = b + ROOT_C, VA + 2 * PAGE
    s.g.state.on_tree_freed = lambda root: None
    version, sealed = swap_out(s, b + ROOT_A, va)
    s.ok(Call.SET_PT, c + 3 * PAGE, D.level_index(va, 3), SWP)
    s.ok(Call.SWAP_SHARE, b + ROOT_A, c, va, version)
    assert swap_in(s, b + ROOT_A, va, b + FREE, sealed) == Status.OK
    s.ok(Call.FREE_PGD, c)
    assert any("no live tree" in v for v in s.g.invariants.violations())
    l3c = _join_domain_1(s, c)
    s.ok(Call.SET_PT, l3c, D.level_index(va, 3), SWP)
    assert swap_in(s, c, va, b + FREE2, sealed) == Status.OK
