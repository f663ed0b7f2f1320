"""Job control in the kernel model (kernel_model/job_control.py, syscalls/child_wait.py):
workloads/job_control stops and continues children and prints what wait4(), waitid(),
SIGCHLD's siginfo, sigpending() and /proc/PID/stat tell, as Linux does, natively, under the
Guardian and confidential.

The reference is Linux itself: LINUX is what the program printed on an x86-64 Linux 6.x
host (job control is alike on every architecture), and where the host can build and run
the same source, `test_matches_the_host_kernel` compares with it directly.  qemu-user runs
on the host's kernel and agrees on every line but one: it installs its own host SIGCHLD
handler without SA_NOCLDSTOP, so a stop is signalled to the guest that asked not to hear
of it.
"""

from __future__ import annotations

import io
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.session import run_program
from emulator.errors import GuestCrash
from workloads import WORKLOADS_DIR

LINUX = """SIGSTOP, wait4(WUNTRACED): stopped by 19
SIGCHLD: code 5 status 19 from the child 1
again, wait4(WNOHANG|WUNTRACED): 0
/proc/PID/stat state: T
wait4(WNOHANG|WCONTINUED) while stopped: 0
SIGCONT, wait4(WCONTINUED): continued
SIGCHLD: code 6 status 18 from the child 1
again, wait4(WNOHANG|WCONTINUED): 0
after the pipe's byte, wait4(0): exited 7
SIGCHLD: code 1 status 7 from the child 1
waitid(WSTOPPED|WNOWAIT): 0 code 5 status 19 pid ok 1
waitid(WSTOPPED) again: 0 code 5 status 19
waitid(WSTOPPED|WNOHANG) once told: 0 signo 0 code 0 pid 0
waitid(WEXITED|WNOHANG) while stopped: 0 signo 0 pid 0
waitid(WNOHANG) alone: -1 errno 22
waitid(P_PID, 0): -1 errno 22
wait4 with an unknown option: -1 errno 22
SIGCONT, waitid(WCONTINUED): 0 code 6 status 18
waitid(P_ALL, WEXITED): 0 code 1 status 9 pid ok 1
no child left, waitid: -1 errno 10
own group, raise(SIGTSTP): wait4(WUNTRACED): stopped by 20
SIGCONT, wait4(WUNTRACED): exited 3
own session (an orphaned group), raise(SIGTSTP/TTOU/TTIN): wait4(WUNTRACED): exited 4
own session, raise(SIGSTOP): wait4(WUNTRACED): stopped by 19
SIGCONT, wait4(0): exited 5
child: after SIGTSTP then SIGCONT, pending TSTP 0 CONT 1
child: after SIGCONT then SIGTSTP, pending TSTP 1 CONT 0
flushes child: wait4(0): exited 0
SIGSTOP: wait4(WUNTRACED): stopped by 19
SIGTERM to the stopped child: wait4(WNOHANG): 0
/proc/PID/stat state: T
SIGCONT: wait4(0): killed by 15
SIGSTOP: wait4(WUNTRACED): stopped by 19
SIGKILL to the stopped child: wait4(0): killed by 9
SA_NOCLDSTOP, SIGSTOP: wait4(WUNTRACED): stopped by 19
SIGCHLD pending after the stop: 0
SIGCONT: wait4(WCONTINUED): continued
wait4(0): exited 2
SIGCHLD pending after the end: 1
two threads, SIGSTOP: wait4(WUNTRACED): stopped by 19
SIGCONT: wait4(WCONTINUED): continued
the second thread's byte: wait4(0): exited 6
a sleeping child, SIGSTOP: wait4(WUNTRACED): stopped by 19
SIGCONT past its deadline: wait4(0): exited 8
done
"""

#: the line qemu-user gets wrong (its SIGCHLD handler has no SA_NOCLDSTOP)
QEMU_DIFFERS = "SIGCHLD pending after the stop: 0\n"

MODES = {"native": ("off", False), "guardian on": ("on", False), "confidential": ("on", True),
         "mprotect confidential": ("mprotect", True)}
QEMU = shutil.which("qemu-aarch64-static")
HOST_CC = shutil.which("cc") or shutil.which("gcc")
BUSYBOX = Path(__file__).resolve().parents[1] / "workloads" / ".cache" / "busybox"


def _run(tmp_path: Path, mode: str = "native") -> str:
    guardian, confidential = MODES[mode]
    out = io.BytesIO()
    result = run_program("job_control", [], rootfs=tmp_path, stdout=out, stderr=io.BytesIO(),
                         guardian=guardian, confidential=confidential)
    assert result.exit_code == 0
    return out.getvalue().decode()


@pytest.mark.parametrize("mode", list(MODES))
def test_answers_as_linux(mode: str, tmp_path: Path) -> None:
    """Stops and continues reported once each, SIGCHLD's CLD_STOPPED/CLD_CONTINUED,
    waitid's WNOWAIT and its zeroed siginfo, the orphaned group's ignored SIGTSTP, the
    flushes of pending stop signals and SIGCONT, a SIGTERM kept pending by a stopped
    process, SIGKILL, SA_NOCLDSTOP, a two-thread process and a sleep restarted past its deadline, in each mode (the Guardian
    accepts every report)."""
    assert _run(tmp_path, mode) == LINUX


@pytest.mark.skipif(QEMU is None, reason="qemu-aarch64-static is not installed")
def test_matches_qemu_user(tmp_path: Path) -> None:
    """qemu-user, on the host's kernel, prints the same lines but its SA_NOCLDSTOP one."""
    assert QEMU is not None
    ref = subprocess.run([QEMU, str(WORKLOADS_DIR / "bin" / "job_control")], cwd=tmp_path,
                         capture_output=True, timeout=60, check=True).stdout.decode()
    assert ref.replace("SIGCHLD pending after the stop: 1\n", QEMU_DIFFERS) == LINUX
    assert _run(tmp_path) == LINUX


@pytest.mark.skipif(HOST_CC is None or platform.system() != "Linux",
                    reason="needs a C compiler and a Linux host to run the reference")
def test_matches_the_host_kernel(tmp_path: Path) -> None:
    """The same source built for the host and run on its kernel prints the same lines."""
    assert HOST_CC is not None
    exe = tmp_path / "job_control_host"
    subprocess.run([HOST_CC, "-O2", "-pthread", "-o", str(exe),
                    str(WORKLOADS_DIR / "src" / "job_control.c")], check=True, timeout=120)
    host = subprocess.run([str(exe)], cwd=tmp_path, capture_output=True, timeout=60, check=True)
    assert host.stdout.decode() == LINUX


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_a_shell_stops_and_continues_its_jobs(tmp_path: Path) -> None:
    """BusyBox sh: a stopped background job continued runs to its end, and one sent
    SIGTERM while stopped dies of it only once continued (143)."""
    script = ("sleep 1 & p=$!; kill -STOP $p; kill -CONT $p; wait $p; echo waited $?; "
              "sleep 2 & p=$!; kill -STOP $p; kill -TERM $p; kill -CONT $p; wait $p; "
              "echo term $?")
    out = io.BytesIO()
    result = run_program(str(BUSYBOX), ["sh", "-c", script], stdout=out, stderr=io.BytesIO())
    assert result.exit_code == 0
    assert out.getvalue() == b"waited 0\nterm 143\n"


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_a_stopped_first_program_is_a_clear_error() -> None:
    """Nothing in the run can continue the first program once it stops itself: the run
    ends with an error naming the stop and what would end it, not a hang."""
    with pytest.raises(GuestCrash) as caught:
        run_program(str(BUSYBOX), ["sh", "-c", "kill -STOP $$; echo after"],
                    stdout=io.BytesIO(), stderr=io.BytesIO())
    assert "pid 1 stopped by SIGSTOP" in str(caught.value)
    assert "SIGCONT" in caught.value.hint
