"""preadv2/pwritev2 for a confidential program: the kernel may touch the iovec array and
the buffers it names (as for preadv/pwritev), so an honest call is served."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from abi import Status
from cli.session import run_program
from guardian import capabilities
from guardian.monitor import Guardian

VECTOR_CHECKS = ["vectors: pwritev2, preadv2 at an offset",
                 "vectors: preadv2 at the file position (offset -1) moves it",
                 "vectors: an unknown flag is EOPNOTSUPP, a negative offset EINVAL"]


def _run(tmp_path: Path, guardian: str, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[list[str], int, list[Guardian]]:
    made: list[Guardian] = []
    init = Guardian.__init__

    def keep(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", keep)
    out = io.BytesIO()
    res = run_program("memfd_calls", ["vectors"], rootfs=tmp_path, stdout=out,
                      stderr=io.BytesIO(), stdin=io.BytesIO(), guardian=guardian,
                      confidential=guardian != "off")
    return out.getvalue().decode().splitlines(), res.exit_code, made


@pytest.mark.parametrize("guardian", ["off", "on"])
def test_preadv2_and_pwritev2_are_served(tmp_path: Path, guardian: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lines, code, made = _run(tmp_path, guardian, monkeypatch)
    assert lines == [f"ok {c}" for c in VECTOR_CHECKS] and code == 0, lines
    if made:
        assert not [d for d in made[-1].decisions if d.status != Status.OK]


def test_without_their_capabilities_the_calls_fail(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: with no table entry the kernel may not read the iovecs."""
    table = {k: v for k, v in capabilities.CAP_TABLE.items() if k not in ("preadv2", "pwritev2")}
    monkeypatch.setattr("guardian.confidential_uaccess.CAP_TABLE", table)
    lines, code, made = _run(tmp_path, "on", monkeypatch)
    assert code != 0 and lines[0].startswith("FAIL")
    assert "uaccess.capability" in {d.check for d in made[-1].decisions if d.status}
