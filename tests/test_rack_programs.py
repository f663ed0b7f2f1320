"""Real AArch64 programs on the rack: the same output on 1 blade and on 8, deterministic, and a
deliberately broken protocol row that makes a program print a wrong result (data really moves
between the blades' DRAM, so a coherence bug is visible)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from emulator.errors import UsageError
from emulator.rack import load_transitions


def run_on_rack(program: str, blades: int, **kw: object) -> tuple[bytes, dict[str, int], int]:
    out, err = io.BytesIO(), io.BytesIO()
    r = run_program(program, [], machine="rack", blades=blades, stdout=out, stderr=err,
                    stdin=io.BytesIO(), **kw)   # type: ignore[arg-type]
    return out.getvalue(), r.stats, r.exit_code


def test_threads_same_output_on_one_and_eight_blades() -> None:
    one, stats1, code1 = run_on_rack("threads", 1)
    eight, stats8, code8 = run_on_rack("threads", 8)
    assert code1 == code8 == 0
    assert one == eight and b"threads: ok" in eight
    # On eight blades the threads really are apart and pages really move.
    assert sum(1 for k in stats8 if k.startswith("rack.kernel.threads_on_blade")) >= 4
    assert stats8["rack.net.packets.invalidation"] > 0
    assert stats8["rack.kernel.remote_syscalls"] > 0
    assert stats1.get("rack.net.packets.invalidation", 0) == 0


@pytest.mark.parametrize("program,args", [(["kvstore"], ["A", "4", "600", "1024"]),
                                          (["pagerank"], ["4", "1024", "3"])])
def test_shared_memory_workloads_same_on_one_and_eight_blades(program: list[str],
                                                              args: list[str]) -> None:
    outs = []
    for blades in (1, 8):
        out = io.BytesIO()
        r = run_program(program[0], args, machine="rack", blades=blades, stdout=out,
                        stderr=io.BytesIO(), stdin=io.BytesIO())
        assert r.exit_code == 0
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    assert r.stats["rack.net.packets.invalidation"] > 0


def test_rack_runs_are_deterministic() -> None:
    a = run_on_rack("threads", 8)
    b = run_on_rack("threads", 8)
    assert a == b


def test_a_broken_protocol_row_prints_a_wrong_result() -> None:
    """S + W granted without invalidating the other readers: they keep reading their stale
    copies, and the program reports wrong values (it does not merely crash)."""
    base = load_transitions()
    broken = base.with_row(base.find("S", "W"), next="M", sharers="reset", action="none",
                           ack="ack")
    out, _, code = run_on_rack("threads", 8, rack_options={"transitions": broken},
                               max_insns=300_000_000)
    assert code == 1
    assert b"WRONG" in out or b"(expected" in out and b"FAILED" in out


def test_blades_need_a_rack_machine() -> None:
    with pytest.raises(UsageError, match="need a machine with a \\[rack\\] section"):
        run_program("hello", [], blades=2)
    with pytest.raises(UsageError, match="has 8 compute blades"):
        run_program("hello", [], machine="rack", blades=12)
    with pytest.raises(UsageError, match="the Guardian does not run on a rack machine"):
        run_program("secret", [], machine="rack", blades=2, guardian="on", confidential=True)


def test_fork_and_exec_on_the_rack() -> None:
    """fork copies a process's pages on the memory blades; exec and wait work across blades."""
    one, _, code1 = run_on_rack("forkexec", 1)
    eight, stats, code8 = run_on_rack("forkexec", 8)
    assert code1 == code8 == 0 and one == eight
    assert stats["rack.kernel.fork_pages_copied"] > 0


BUSYBOX = Path(__file__).resolve().parent.parent / "workloads" / ".cache" / "busybox"


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_pipeline_same_on_one_and_eight_blades() -> None:
    script = "echo hello rack | wc -c; seq 1 50 | sha256sum; for i in 1 2 3; do echo $i; done"
    outs = []
    for blades in (1, 8):
        out = io.BytesIO()
        r = run_program(str(BUSYBOX), ["sh", "-c", script], machine="rack", blades=blades,
                        stdout=out, stderr=io.BytesIO(), stdin=io.BytesIO())
        assert r.exit_code == 0
        outs.append(out.getvalue())
    assert outs[0] == outs[1] and outs[0].startswith(b"11\n")


def test_go_program_same_on_one_and_eight_blades() -> None:
    """The Go runtime's threads and futexes spread over the blades."""
    one, _, code1 = run_on_rack("gothreads", 1)
    eight, stats, code8 = run_on_rack("gothreads", 8)
    assert code1 == code8 == 0 and one == eight and b"gothreads: ok" in eight
    assert sum(1 for k in stats if k.startswith("rack.kernel.threads_on_blade")) >= 4
