"""A confidential program's memfd keeps its MAP_SHARED pages between mappings.

The kernel cannot write a confidential page back to the memfd when its last mapping
goes, so the pages stay (the kernel's page cache for the memfd, the Guardian holding
each frame no mapping holds) until the memfd is closed, and every mmap of the memfd
maps the same frames -- across the program's own execve too, when it keeps the memfd.  Held, a frame is still the domain's: it maps again only as the
same page of the same share, no other frame takes that page, and the kernel takes it
back (scrubbed) only by RECLAIM_PAGE.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from abi import Call, FrameKind, Status
from cli.session import run_program
from emulator import descriptors as D
from guardian.checks import Refused
from guardian.confidential_shares import Shares
from guardian.frame_table import FrameTable
from guardian.linear_map import TABLE_ENTRIES
from guardian.monitor import Entry, Guardian
from guardian.slots import Domain

MEMFD_CHECKS = ["memfd: create, ftruncate", "memfd: pwrite", "memfd: mmap sees pwrite",
                "memfd: pwrite data survives mmap and munmap",
                "memfd: stores survive munmap and mmap again",
                "memfd: a page mapped again at its offset"]


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_hold=None,  # noqa: ANN001
         guardian: str = "on", invariants: bool = False
         ) -> tuple[list[str], int, Guardian, list[int]]:
    made: list[Guardian] = []
    held: list[int] = []
    init, hold = Guardian.__init__, FrameTable.hold

    def checked(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        self.check_invariants_after_every_call(invariants)
        made.append(self)

    def holding(self: FrameTable, pa: int, key: tuple[int, int, int]) -> None:
        hold(self, pa, key)
        held.append(pa)
        if on_hold is not None:
            on_hold(made[-1], pa, key)

    monkeypatch.setattr(Guardian, "__init__", checked)
    monkeypatch.setattr(FrameTable, "hold", holding)
    out = io.BytesIO()
    res = run_program("memfd_calls", ["memfd"], rootfs=tmp_path, stdout=out,
                      stderr=io.BytesIO(), stdin=io.BytesIO(), guardian=guardian,
                      confidential=True)
    return out.getvalue().decode().splitlines(), res.exit_code, made[-1], held


@pytest.mark.parametrize("guardian", ["on", "mprotect"])
def test_stores_survive_munmap_and_a_second_mmap(tmp_path: Path, guardian: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lines, code, g, held = _run(tmp_path, monkeypatch, guardian=guardian,
                                invariants=guardian == "on")
    assert lines == [f"ok {c}" for c in MEMFD_CHECKS] and code == 0, lines
    assert len(held) >= 2                           # both pages waited between mmaps
    assert not g.frames.held                        # closed: every one reclaimed ...
    assert all(g.frames.kind_of(pa) == FrameKind.FREE for pa in held)
    assert g.stats.get("guardian.calls.reclaim_page") >= 2
    # ... with no refusal, but in mprotect mode the design's own: no KSM (pinned memory)
    # and no clear_child_tid at exit (no long-lived capabilities).
    own = {"mprotect.pinned", "uaccess.capability", "uaccess.tid_word"} \
        if guardian == "mprotect" else set()
    assert not [d for d in g.decisions if d.status != Status.OK and d.check not in own]
    assert g.invariants.violations() == []


def test_a_held_page_is_the_domains_and_only_reclaim_gives_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def probe(g: Guardian, pa: int, key: tuple[int, int, int]) -> None:
        if seen:
            return
        fr = g.frames
        assert fr.kind_of(pa) == FrameKind.CONFIDENTIAL and fr.record(pa).user_maps == 0
        assert fr.held_at[(fr.record(pa).owner, key)] == pa
        reclaim = g.calls[Call.RECLAIM_PAGE].handler
        for bad, status in ((pa + 8, Status.ERR_ALIGN), (1 << 60, Status.ERR_RANGE)):
            with pytest.raises(Refused) as exc:
                reclaim((bad,), b"")
            assert exc.value.status == status
        # A frame no share holds (the kernel's own, or a mapped confidential one) is not
        # the kernel's to take back this way.
        mapped = next(p for p, w in fr.where.items()
                      if w and fr.kind_of(p) == FrameKind.CONFIDENTIAL)
        for other in (mapped, *fr.frames_of(FrameKind.KERNEL)[:1], *fr.frames_of(FrameKind.FREE)[:1]):
            with pytest.raises(Refused) as exc:
                reclaim((other,), b"")
            assert exc.value.status == Status.ERR_STATE
        seen.append("probed")

    lines, code, g, _ = _run(tmp_path, monkeypatch, probe)
    assert seen and code == 0, lines


def test_a_held_page_maps_back_only_as_its_share_page(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """When the kernel maps a held frame back (the second mmap's fault), it could instead
    map a fresh frame at that share page (the stores lost), or the held frame at another
    address (the page at two places): both are refused, and change nothing."""
    refusals: list[str] = []
    init = Guardian.__init__

    def probing(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        g = self
        real = g.calls[Call.SET_PT]

        def set_pt(args: tuple[int, ...], payload: bytes) -> tuple[int, bytes]:
            table, index, desc = args[:3]
            pa = desc & D.ADDR_MASK
            if desc & D.VALID and pa in g.frames.held and not refusals:
                fresh = g.frames.frames_of(FrameKind.FREE)[0]
                entries = TABLE_ENTRIES.unpack(g.ram.read(table, 4096))
                other = next(i for i, e in enumerate(entries) if not e & D.VALID and i != index)
                for attempt in ((table, index, (desc & ~D.ADDR_MASK) | fresh),
                                (table, other, desc)):
                    before = g.frames.snapshot()
                    with pytest.raises(Refused) as exc:
                        real.handler(attempt, b"")
                    assert g.frames.snapshot() == before
                    refusals.append(exc.value.check)
            return real.handler(args, payload)

        g.calls[Call.SET_PT] = Entry(set_pt, real.nargs)

    monkeypatch.setattr(Guardian, "__init__", probing)
    out = io.BytesIO()
    res = run_program("memfd_calls", ["memfd"], rootfs=tmp_path, stdout=out,
                      stderr=io.BytesIO(), stdin=io.BytesIO(), guardian="on",
                      confidential=True)
    assert res.exit_code == 0, out.getvalue().decode()
    assert refusals == ["set_pt.share_one_frame"] * 2


EXEC_CHECKS = ["exec: the new image maps the memfd's stores again",
               "exec: stores after execve survive munmap and mmap again"]


def _run_exec(tmp_path: Path) -> tuple[list[str], int, Guardian]:
    made: list[Guardian] = []
    init = Guardian.__init__

    def keep(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        made.append(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Guardian, "__init__", keep)
        out = io.BytesIO()
        res = run_program("memfd_calls", ["exec"], rootfs=tmp_path, stdout=out,
                          stderr=io.BytesIO(), stdin=io.BytesIO(), guardian="on",
                          confidential=True)
    return out.getvalue().decode().splitlines(), res.exit_code, made[-1]


def test_a_memfd_kept_across_execve_passes_its_held_pages_to_the_new_image(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The program stores through a memfd's mapping and execs itself keeping the memfd
    open (no MFD_CLOEXEC; a second memfd with it closes at the exec): the new image maps
    the memfd again and finds the stores.  At the new image's CREATE_DOMAIN the pages the
    Guardian held for the old image, whose domain is gone, are the new domain's, still
    confidential; none is left with the dead domain, and the closed memfd's page was
    reclaimed at the exec."""
    at_create: list[tuple[int, dict[int, int], int]] = []
    passing = Shares.pass_exec_memfds

    def probe(self: Shares, exec_slot: int, dom: Domain) -> None:
        reclaimed = self.s.stats.get("guardian.calls.reclaim_page")
        passing(self, exec_slot, dom)
        fr = self.s.frames
        at_create.append((dom.id, {pa: fr.record(pa).owner for pa in fr.held}, reclaimed))
        assert all(fr.kind_of(pa) == FrameKind.CONFIDENTIAL for pa in fr.held)

    monkeypatch.setattr(Shares, "pass_exec_memfds", probe)
    lines, code, g = _run_exec(tmp_path)
    assert lines == [f"ok {c}" for c in EXEC_CHECKS] and code == 0, lines
    assert not [d for d in g.decisions if d.status != Status.OK]
    (new_domain, owners, reclaimed_by_then), = at_create
    assert len(owners) == 2 and set(owners.values()) == {new_domain}
    assert reclaimed_by_then >= 1                  # the MFD_CLOEXEC memfd's page
    assert g.stats.get("guardian.exec.memfd_pages_passed") == 2
    assert not g.frames.held and g.stats.get("guardian.calls.reclaim_page") >= 3
    assert all(g.frames.kind_of(pa) == FrameKind.FREE for pa in owners)
    assert g.invariants.violations() == []


def test_without_the_hand_over_the_new_image_is_refused_its_memfd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: held pages left with the exec'ing program's dead domain cannot be
    mapped by the new image's domain (the run the previous test makes pass fails)."""
    monkeypatch.setattr(Shares, "pass_exec_memfds", lambda self, slot, dom: None)
    lines, code, g = _run_exec(tmp_path)
    assert code != 0 and lines != [f"ok {c}" for c in EXEC_CHECKS]
    assert "set_pt.conf_owner" in {d.check for d in g.decisions if d.status != Status.OK}
