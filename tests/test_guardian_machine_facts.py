"""What the system tells a program about the machine, held to the machine and to itself
(return.machine_fact, and sysinfo()'s mem_unit row of abi/value_ranges.py).

Each forged answer of round 32's machine scenarios is refused by its check, and the honest
run of the same victim, which reads every one of those files and makes every one of those
calls, is never refused by it.
"""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from guardian.machine_facts import MachineFacts, cpu_list
from tests.honest_runs import honest_outcome

MACHINE = "secret_r32_machine"
CHECK = "return.machine_fact"
SCENARIOS = ("QP-001", "QP-004", "QP-005", "QP-006", "QP-007", "QP-008", "QP-010", "QP-012",
             "QP-013", "QP-014", "QP-015", "QP-016", "QP-022", "QP-023")


@pytest.fixture(scope="module")
def honest_decisions() -> list[str]:
    out = honest_outcome(MACHINE)
    assert not out.leaks and not out.decided_by, out.decided_by
    return out.decided_by


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_a_forged_machine_fact_is_refused(scenario_id: str,
                                          honest_decisions: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert CHECK in out.decided_by, out.decided_by
    assert not out.leaks
    assert CHECK not in honest_decisions


def test_sysinfo_mem_unit_is_one() -> None:
    sc = get("QP-009")
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert out.decided_by and not out.leaks


def test_cpu_lists_parse_as_linux_prints_them() -> None:
    assert cpu_list(b"0\n") == [0]
    assert cpu_list(b"0-3,5\n") == [0, 1, 2, 3, 5]
    assert cpu_list(b"\n") == []
    assert cpu_list(b"0-1") is None and cpu_list(b"x\n") is None and cpu_list(b"3-1\n") is None


class _Slot(SimpleNamespace):
    pass


def _facts(cpus: int = 2, ram: int | None = 1 << 30) -> MachineFacts:
    return MachineFacts(None, None, lambda: cpus, lambda: ram)  # type: ignore[arg-type]


def _judge(facts: MachineFacts, entry: str, text: bytes, whole: bool = True) -> str:
    return facts._judge(_Slot(domain=1, root=1), entry, text, whole)  # type: ignore[arg-type]


def test_cpu_files_name_only_the_machines_cpus() -> None:
    f = _facts(cpus=2)
    for entry in ("online", "possible", "present"):
        assert _judge(f, entry, b"0-1\n") == ""
        assert "CPU 2" in _judge(f, entry, b"0-2\n")
    assert "CPU 0" in _judge(f, "possible", b"1\n")
    assert _judge(f, "online", b"1\n") == ""          # the boot CPU may go offline
    assert _judge(f, "online", b"0-2\n", whole=False) == ""   # not read whole: unjudged
    assert _judge(f, "kernel_max", b"511\n") == ""
    assert "NR_CPUS" in _judge(f, "kernel_max", b"0\n")
    assert "NR_CPUS" in _judge(f, "kernel_max", b"99999999999999\n")
    assert "CPU 2" in _judge(f, "stat", b"cpu  1 0\ncpu0 1 0\ncpu2 0 0\n")
    assert _judge(f, "stat", b"cpu  1 0\ncpu0 1 0\ncpu1 0 0\n") == ""
    assert "CPU 5" in _judge(f, "cpuinfo", b"processor\t: 0\n\nprocessor\t: 5\n\n")
    assert _judge(f, "cpuinfo", b"processor\t: 1\n\n") == ""


def test_memory_agrees_with_the_machine_and_with_sysinfo() -> None:
    f = _facts(ram=1 << 30)
    assert "MemFree" in _judge(f, "meminfo", b"MemTotal: 1000 kB\nMemFree: 2000 kB\n")
    assert "more than the machine" in _judge(f, "meminfo", b"MemTotal: 2097152 kB\n")
    assert _judge(f, "meminfo", b"MemTotal: 1024 kB\nMemFree: 512 kB\n") == ""
    assert _judge(f, "meminfo", b"MemTotal: 1024 kB\n") == ""
    assert "not the 1048576 bytes" in _judge(f, "meminfo", b"MemTotal: 2048 kB\n")
    # sysinfo() after the read: totalram * mem_unit is MemTotal in bytes
    g = _facts(ram=1 << 30)
    slot = _Slot(domain=1, root=1)
    assert g._ram("totalram", 1 << 20, slot) == ""    # type: ignore[arg-type]
    assert "not the" in g._ram("totalram", 1 << 19, slot)  # type: ignore[arg-type]


def test_kernel_tunables_hold_linux_ranges() -> None:
    f = _facts()
    assert _judge(f, "ngroups_max", b"65536\n") == ""
    assert "NGROUPS_MAX" in _judge(f, "ngroups_max", b"32\n")
    assert _judge(f, "overcommit_memory", b"2\n") == ""
    assert "0, 1 or 2" in _judge(f, "overcommit_memory", b"6\n")
    assert _judge(f, "thp_enabled", b"always [madvise] never\n") == ""
    assert "2 bracketed" in _judge(f, "thp_enabled", b"[always] [madvise] never\n")
    assert "0 bracketed" in _judge(f, "thp_enabled", b"always madvise never\n")
    # osrelease against the release uname() gave, either order
    assert _judge(f, "osrelease", b"6.1.0\n") == ""
    assert "release" in _judge(f, "osrelease", b"2.6.32\n")


def test_hrtimer_clocks_share_one_resolution() -> None:
    mem = {0x100: struct.pack("<qq", 0, 1), 0x200: struct.pack("<qq", 0, 4_000_000)}
    memory = SimpleNamespace(read=lambda va, n, root: mem.get(va))
    f = MachineFacts(memory, None, lambda: 1, lambda: None)  # type: ignore[arg-type]

    def res(clock: int, where: int) -> str:
        return f._getres(_Slot(domain=1, root=1, args=(clock, where)))  # type: ignore[arg-type]

    assert res(1, 0x100) == ""
    assert res(2, 0x200) == ""                 # CLOCK_PROCESS_CPUTIME_ID: not an hrtimer clock
    assert "4000000 ns" in res(0, 0x200)
    assert res(7, 0x100) == ""


@pytest.mark.parametrize("scenario_id", ("QP-011", "QP-021"))
def test_statm_and_status_print_one_total_vm(scenario_id: str,
                                             honest_decisions: list[str]) -> None:
    """status's VmSize and statm's size both print mm->total_vm (return.self_report)."""
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert "return.self_report" in out.decided_by, out.decided_by
    assert "return.self_report" not in honest_decisions


def test_online_and_present_lie_within_possible_within_kernel_max() -> None:
    f = _facts(cpus=4)
    assert _judge(f, "possible", b"0-1\n") == ""
    assert _judge(f, "online", b"0-1\n") == ""
    assert "CPU 2" in _judge(f, "online", b"0-2\n")
    assert "CPU 3" in _judge(f, "present", b"0,3\n")
    g = _facts(cpus=4)
    assert _judge(g, "online", b"0-3\n") == ""          # online first, possible after
    assert "CPU 2" in _judge(g, "possible", b"0-1\n")
    h = _facts(cpus=4)
    assert _judge(h, "possible", b"0-3\n") == ""
    assert "CPU 3" in _judge(h, "kernel_max", b"2\n") + _judge(h, "possible", b"0-3\n")
