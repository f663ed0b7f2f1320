"""Compatibility: every workload and BusyBox applets give the same results native and
confidential (the comparison the Blindfold artifact makes with LTP, in our terms)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from cli.session import run_program
from workloads import all_workloads

ROOT = Path(__file__).resolve().parents[1]
BUSYBOX = ROOT / "workloads" / ".cache" / "busybox"
SMALL_ARGS = {
    "sha256": ["-n", "1"], "matmul": ["24"], "memhog": ["8"], "nullsys": ["500"],
    "busyloop": ["20000"], "faulty": ["segv"], "lmbench": ["sigcatch", "20"],
}


def _run(program: str, args: list[str], rootfs: Path, **kw: object) -> tuple[int, bytes]:
    out = io.BytesIO()
    r = run_program(program, args, rootfs=rootfs, stdout=out, stderr=io.BytesIO(),
                    stdin=io.BytesIO(), **kw)  # type: ignore[arg-type]
    return r.exit_code, out.getvalue()


@pytest.mark.parametrize("name", [w.name for w in all_workloads()
                                  if not w.dynamic and w.runs_confidential])
def test_workload_is_identical_confidential(name: str, tmp_path: Path) -> None:
    args = SMALL_ARGS.get(name, [])
    (tmp_path / "n").mkdir()
    (tmp_path / "c").mkdir()
    native = _run(name, args, tmp_path / "n")
    conf = _run(name, args, tmp_path / "c", guardian="on", confidential=True)
    assert conf == native


@pytest.mark.parametrize("name", [w.name for w in all_workloads() if not w.runs_confidential])
def test_workload_the_guardian_refuses_by_design_is_stopped(name: str, tmp_path: Path) -> None:
    """A program that runs code it wrote to a file runs natively and is stopped (SIGKILL)
    under --confidential before that unmeasured code runs."""
    (tmp_path / "n").mkdir()
    (tmp_path / "c").mkdir()
    code, out = _run(name, [], tmp_path / "n")
    assert code == 0 and out == b"plugin answered 42\n"
    code, out = _run(name, [], tmp_path / "c", guardian="on", confidential=True)
    assert code == 128 + 9 and b"answered" not in out


BUSYBOX_CASES = [
    ["echo", "hello", "world"],
    ["seq", "1", "20"],
    ["sh", "-c", "for i in 1 2 3; do echo $i; done; exit 3"],
    ["sh", "-c", "echo a | cat; (exit 4); echo $?"],
    ["sh", "-c", "printf 'b\\na\\nc\\n' | sort | head -2"],
    ["sh", "-c", "echo data > f.txt; cat f.txt; wc -c f.txt; sha256sum f.txt; rm f.txt"],
    ["expr", "6", "*", "7"],
]


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
@pytest.mark.parametrize("argv", BUSYBOX_CASES, ids=[" ".join(a)[:30] for a in BUSYBOX_CASES])
def test_busybox_is_identical_confidential(argv: list[str], tmp_path: Path) -> None:
    results = []
    for mode in ("native", "confidential"):
        root = tmp_path / mode
        (root / "bin").mkdir(parents=True)
        shutil.copyfile(BUSYBOX, root / "bin" / "busybox")
        kw = {"guardian": "on", "confidential": True} if mode == "confidential" else {}
        results.append(_run(str(root / "bin" / "busybox"), argv, root, **kw))
    assert results[1] == results[0]


def test_kernel_sees_only_the_trampoline_for_handlers(tmp_path: Path) -> None:
    """A confidential program's handler addresses stay with the Guardian."""
    import kernel_model.kernel as kernel_module
    from abi.sigframe import SIGRETURN_TRAMPOLINE

    seen: list[int] = []
    original = kernel_module.Kernel.exit_process

    def spy(self: kernel_module.Kernel, proc: object, status: int) -> None:
        for act in proc.sigactions.actions.values():  # type: ignore[attr-defined]
            seen.append(act.handler)
        original(self, proc, status)

    kernel_module.Kernel.exit_process = spy  # type: ignore[method-assign]
    try:
        code, out = _run("signals", [], tmp_path, guardian="on", confidential=True)
    finally:
        kernel_module.Kernel.exit_process = original  # type: ignore[method-assign]
    assert code == 0 and b"signals: ok" in out
    handlers = [h for h in seen if h not in (0, 1)]
    assert handlers and set(handlers) == {SIGRETURN_TRAMPOLINE}


def test_mprotect_mode_pins_what_blindfold_swaps(tmp_path: Path) -> None:
    """The comparison the issue asks the stats to show: under memory pressure Blindfold
    swaps confidential pages through the secure ABI; the predecessor design cannot."""
    stats = {}
    for mode in ("on", "mprotect"):
        root = tmp_path / mode
        root.mkdir()
        r = run_program("memhog", ["20"], machine="small", rootfs=root, guardian=mode,
                        confidential=True, stdout=io.BytesIO(), stderr=io.BytesIO(),
                        stdin=io.BytesIO())
        stats[mode] = r.stats
    assert stats["on"].get("guardian.abi.swap_out", 0) > 0
    assert stats["on"].get("guardian.mprotect.pinned_refusals", 0) == 0
    assert stats["mprotect"].get("guardian.mprotect.pinned_refusals", 0) > 0
