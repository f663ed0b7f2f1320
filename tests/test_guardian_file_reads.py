"""Bytes a program reads back from files, held to what Linux guarantees.

Each new check is shown twice: the red-team scenario that breaks the guarantee is refused
by that check, and the honest run of the same victim (no adversary) is never refused by it.
"""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from attacks.sysroot import sysroot_root
from tests.honest_runs import honest_outcome

LOADER, DYNAMIC, IPC = "secret_r24_loader", "secret_r24_dynamic", "secret_r26_ipc"


def _decided_honestly(program: str) -> list[str]:
    out = honest_outcome(program)
    # (secret_r26_ipc's own steps move its secret's copies: the referee's generic
    # tampering notes hold with the Guardian off as on; what matters is no refusal.)
    assert not out.leaks and not out.decided_by, out.decided_by
    return out.decided_by


@pytest.fixture(scope="module")
def honest_checks() -> dict[str, list[str]]:
    out = {LOADER: _decided_honestly(LOADER), IPC: _decided_honestly(IPC)}
    if (sysroot_root() / "lib" / "ld-linux-aarch64.so.1").is_file():
        out[DYNAMIC] = _decided_honestly(DYNAMIC)
    return out


CASES = [("QG-004", "set_pt.file_bytes", LOADER), ("QG-005", "set_pt.file_bytes", LOADER),
         # (QG-006's page is the first fault of a private view after the cut: the wider
         # set_pt.cut_refault decides it first; with it removed, set_pt.file_bytes does)
         ("QG-006", "set_pt.cut_refault", LOADER), ("QG-012", "set_pt.memfd_elsewhere", LOADER),
         ("QG-014", "return.admitted_bytes", DYNAMIC),
         ("QG-015", "return.admitted_bytes", DYNAMIC),
         ("QI-015", "return.admitted_bytes", IPC), ("QI-016", "return.admitted_bytes", IPC),
         ("QI-025", "set_pt.measured_file", IPC)]


@pytest.mark.parametrize(("scenario_id", "check", "program"), CASES,
                         ids=[i for i, _, _ in CASES])
def test_the_break_is_refused_by_its_check(scenario_id: str, check: str, program: str,
                                           honest_checks: dict[str, list[str]]) -> None:
    if program not in honest_checks:
        pytest.skip("no arm64 C library to run the dynamic victim with")
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert check not in honest_checks[program]


def test_two_shared_mappings_of_one_open_file_map_one_page() -> None:
    """Without the bytes check, QG-004's second mapping is still refused: every MAP_SHARED
    mmap through one open file in one address space maps one share, whose page is one
    frame (the kernel model keeps one page per file offset for them, as Linux does)."""
    from guardian import checks

    sc = get("QG-004")
    assert sc is not None
    checks.set_mutation("set_pt.file_bytes")
    try:
        out = run_one(sc, "on").outcome
    finally:
        checks.set_mutation("")
    assert "set_pt.share_one_frame" in out.decided_by, out.decided_by
    assert not out.leaks
