"""What /proc/self says of the caller, held to what the Guardian knows (return.self_report).

Each forged answer of round 26's /proc scenarios is refused by the check, and the honest run
of the same victim, which reads every one of those files, is never refused by it.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from types import SimpleNamespace

import pytest

from abi.hwcaps import HWCAP2_NAMES, HWCAP_NAMES, feature_names
from attacks.runner import run_one
from attacks.scenario import get
from cli.session import run_program
from guardian.self_reports import SelfReports, arg_env_areas, is_report
from tests.honest_runs import honest_outcome
from tests.model_diff import GCC, compile_c

IPC = "secret_r26_ipc"
CHECK = "return.self_report"
SCENARIOS = ("QI-017", "QI-018", "QI-019", "QI-020", "QI-021", "QI-026", "QI-027", "QI-028",
             "QI-029", "QL-012")


@pytest.fixture(scope="module")
def honest_decisions() -> list[str]:
    out = honest_outcome(IPC)
    assert not out.leaks and not out.decided_by, out.decided_by
    return out.decided_by


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_a_forged_self_report_is_refused(scenario_id: str,
                                         honest_decisions: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    out = run_one(sc, "on").outcome
    assert CHECK in out.decided_by, out.decided_by
    assert not out.leaks
    assert CHECK not in honest_decisions


def test_text_entries_are_not_ways_to_an_open_file() -> None:
    assert is_report("/proc/self/status") and is_report("/proc/self/fdinfo/4")
    assert is_report("/proc/12/task") and is_report("/proc/self/task/3/comm")
    assert not is_report("/proc/self/fd/4") and not is_report("/proc/self/map_files/1-2")
    assert not is_report("/proc/self/cwd/x") and not is_report("/proc/self/exe")


def test_arg_env_areas_span_the_strings_exec_placed() -> None:
    """argv's strings run from argv[0] to the last one's NUL; envp's likewise."""
    sp, strings = 0x1000, 0x2000
    blob = b"prog\0-v\0A=1\0"
    words = struct.pack("<QQQQQQ", 2, strings, strings + 5, 0, strings + 8, 0)
    memory = {sp: words, strings: blob}

    def read(va: int, n: int) -> bytes | None:
        for base, data in memory.items():
            if base <= va < base + len(data):
                return data[va - base:va - base + n]
        return None

    assert arg_env_areas(read, sp) == (strings, strings + 8, strings + 8, strings + 12)


def test_cpuinfo_features_name_exactly_the_told_capabilities() -> None:
    """Linux prints the Features line from the bits it put in AT_HWCAP/AT_HWCAP2: a name
    more or a name less than those is an answer it never gives."""
    hwcap, hwcap2 = 0b1_0000_1111, 1                # fp asimd evtstrm aes atomics; dcpodp
    reports = SelfReports(None, None, None, lambda slot: (hwcap, hwcap2))  # type: ignore[arg-type]
    assert feature_names(hwcap, hwcap2) == ["fp", "asimd", "evtstrm", "aes", "atomics", "dcpodp"]

    def judged(names: str) -> str:
        text = f"processor\t: 0\nFeatures\t: {names}\nCPU part\t: 0xd03\n\n".encode()
        return reports._cpuinfo(None, text)  # type: ignore[arg-type]

    assert judged("fp asimd evtstrm aes atomics dcpodp") == ""
    assert judged("dcpodp atomics aes evtstrm asimd fp") == ""    # the order is not judged
    assert "7 names" in judged("fp asimd evtstrm aes atomics dcpodp sve")
    assert "5 names" in judged("fp asimd evtstrm aes atomics")
    # A line cut short by the read's count is not judged; nor a bit the table cannot name.
    assert reports._cpuinfo(None, b"Features\t: fp") == ""  # type: ignore[arg-type]
    assert feature_names(0, 1 << len(HWCAP2_NAMES)) is None
    assert feature_names(1 << (len(HWCAP_NAMES) - 1), 0) == ["pacg"]


class _Reg:
    """The registry lookups `SelfReports._ids` makes: one space, thread 1 its leader."""

    def __init__(self, space: object) -> None:
        self.space = space
        self.process_of_root: dict[int, int] = {}
        self.slots: dict[int, object] = {}            # (no call in flight)

    def space_of(self, _domain: int, _root: int) -> object:
        return self.space

    def group_of(self, _root: int, _thread: int) -> int:
        return 1


def test_status_ids_judged_only_in_the_openers_user_namespace() -> None:
    """task_state() prints ids as the opener's namespace maps them (seq_user_ns()): a
    status file opened before unshare(CLONE_NEWUSER), or by a fork parent, may print
    ids getuid() no longer answers."""
    from abi.syscalls import NUMBERS
    from guardian.credentials import USERNS
    from guardian.slots import Slot, Space
    space = Space()
    reports = object.__new__(SelfReports)
    reports.registry = _Reg(space)  # type: ignore[assignment]
    reports.opened_by = {}
    reports.signals = None
    reports.files = SimpleNamespace(stated=SimpleNamespace(threads={}))  # type: ignore[assignment]
    slot = Slot(1, 1, None, 0, NUMBERS["pread64"], (3, 0, 4096, 0, 0, 0), 7, 1)
    desc = object()
    got = b"Uid:\t1000\t1000\t1000\t1000\n"
    space.creds[1] = {"ruid": 1000}
    reports.opened_by[desc] = reports._opener(slot)
    space.creds[1] = {"ruid": 65534, USERNS: 1}       # unshare(CLONE_NEWUSER), getuid()
    assert reports._ids(slot, got, None, desc) == ""
    reports.opened_by[desc] = reports._opener(slot)   # opened in the new namespace
    assert reports._ids(slot, got, None, desc) == ""   # (65534 may show mapped: map_write())
    space.creds[1] = {"ruid": 5, USERNS: 1}            # getuid() 5 after the map write
    assert reports._ids(slot, got, None, desc) != ""
    reports.opened_by[desc] = (8, 1, 1)                # a fork parent's file
    assert reports._ids(slot, got, None, desc) == ""


FORK_READS_PARENT_STATUS = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
int main(void) {
    int fd = open("/proc/self/status", O_RDONLY);
    pid_t pid = fork();
    if (pid == 0) {
        int s = setuid(1000);
        static char buf[8192];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n < 0) _exit(2);
        buf[n] = 0;
        char *l = strstr(buf, "Uid:");
        if (l) { char *e = strchr(l, '\n'); if (e) *e = 0; printf("%d %d %s\n", s, (int)getuid(), l); }
        fflush(stdout);
        _exit(0);
    }
    int st; waitpid(pid, &st, 0);
    printf("child %d\n", st);
    return 0;
}
"""


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
def test_a_fork_child_reads_its_parents_status_file(tmp_path: Path) -> None:
    """/proc/self resolves at the open (proc_self_get_link()): a fork child's inherited
    descriptor reads its parent's status, the parent's Pid and ids."""
    exe = compile_c(tmp_path, "fk", FORK_READS_PARENT_STATUS)
    out = io.BytesIO()
    result = run_program(str(exe), ["x"], stdout=out, stderr=io.BytesIO(),
                         stdin=io.BytesIO(b""), guardian="on", confidential=True,
                         guardian_seed=0)
    assert result.exit_code == 0
    assert out.getvalue() == b"0 1000 Uid:\t0\t0\t0\t0\nchild 0\n"
