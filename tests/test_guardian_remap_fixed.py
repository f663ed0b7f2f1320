"""mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto live memory, for a confidential program.

Linux unmaps the target range first and then moves the area there, so the target's old
pages leave the program's view at its own request, bounded by the call's own arguments
([new, new + new_len)); the moved pages keep their contents and stay the domain's.  The
kernel's abuses of that window are the MF- attack scenarios (attacks/families/remap_fixed.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from abi import Status
from cli.session import run_program
from guardian.monitor import Guardian

REMAP_CHECKS = ["remap: fixed move onto a live page",
                "remap: live pages around the target keep their data",
                "remap: the old place is free",
                "remap: a growing fixed move, the added page zero",
                "remap: a shrinking fixed move",
                "remap: fixed without MREMAP_MAYMOVE, or onto itself, is EINVAL",
                "remap: a memfd page moved onto a live page stays the memfd's"]


@pytest.mark.parametrize("guardian", ["on", "mprotect", "off"])
def test_fixed_mremap_onto_live_pages_is_honest(tmp_path: Path, guardian: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Guardian] = []
    init = Guardian.__init__

    def checked(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", checked)
    out = io.BytesIO()
    res = run_program("memfd_calls", ["remap"], rootfs=tmp_path, stdout=out,
                      stderr=io.BytesIO(), stdin=io.BytesIO(), guardian=guardian,
                      confidential=guardian != "off")
    lines = out.getvalue().decode().splitlines()
    assert lines == [f"ok {c}" for c in REMAP_CHECKS] and res.exit_code == 0, lines
    if guardian != "off":
        g = made[-1]
        own = {"mprotect.pinned", "uaccess.capability", "uaccess.tid_word"} \
            if guardian == "mprotect" else set()
        assert not [d for d in g.decisions if d.status != Status.OK and d.check not in own]
        assert g.invariants.violations() == []
        assert g.stats.get("guardian.calls.set_pt") > 0


def test_the_attack_target_moves_onto_live_pages_unrefused(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """secret_calls' step 29 (the MF- scenarios' victim) runs clean with the Guardian on:
    its fixed move reports no copy lost and a zero added page."""
    made: list[Guardian] = []
    init = Guardian.__init__

    def keep(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", keep)
    out = io.BytesIO()
    res = run_program("secret_calls", [], rootfs=tmp_path, stdout=out, stderr=io.BytesIO(),
                      stdin=io.BytesIO(), guardian="on", confidential=True)
    assert res.exit_code == 0 and out.getvalue().endswith(b"secret: intact\n"), out.getvalue()
    assert not [d for d in made[-1].decisions if d.status != Status.OK]
