"""unshare(2) in the kernel model (kernel_model/syscalls/unshare.py): workloads/unshare_calls
answers as Linux does, natively, under the Guardian and confidential.

The reference is Linux itself: the answers below are what the program printed on an x86-64
Linux 6.18 host (the calls behave alike on every architecture), and where the host can
build and run the same source, `test_matches_the_host_kernel` compares with it directly.
qemu-user is no reference here: it refuses clone(CLONE_FILES) and clone(CLONE_FS) without
CLONE_VM and answers some unshare() flags itself (tests/test_differential.py leaves the
program out).
"""

from __future__ import annotations

import io
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.session import run_program
from workloads import WORKLOADS_DIR

#: What Linux 6.18 printed for `unshare_calls` (no argument).
LINUX = """\
unshare(0): 0
unshare(CSIGNAL bit 0x11): EINVAL
unshare(CLONE_PTRACE): EINVAL
unshare(1 << 32): EINVAL
unshare(CLONE_FILES), nothing shared: 0
unshare(CLONE_FS), nothing shared: 0
unshare(CLONE_SYSVSEM): 0
unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), one thread: 0
CLONE_FILES child opens fd 40: child 0, fd 40 in the parent open
CLONE_FILES child unshares, opens fd 40: child 0, fd 40 in the parent EBADF
CLONE_FS child chdir()s and sets umask 077: child 0, parent's directory moved, umask 077
CLONE_FS child unshares, chdir()s, sets umask 077: child 0, parent's directory kept, umask 022
unshare(CLONE_THREAD) with a second thread: EINVAL
unshare(CLONE_SIGHAND) with a second thread: EINVAL
unshare(CLONE_VM) with a second thread: EINVAL
unshare(CLONE_NEWUSER) with a second thread: EINVAL
unshare(CLONE_THREAD) once it ended: 0
unshare(CLONE_VM) in a vfork child: EINVAL
"""

#: This machine makes no namespaces (kernel_model/namespaces.py): each count fails
#: (-ENOSPC), after the CAP_SYS_ADMIN test of all but a user namespace (-EPERM).
NO_NAMESPACES = """\
unshare(CLONE_NEWUTS): ENOSPC
unshare(CLONE_NEWNS): ENOSPC
unshare(CLONE_NEWUSER): ENOSPC
unshare(CLONE_NEWPID | CLONE_NEWNET): ENOSPC
clone(CLONE_NEWPID): ENOSPC
unshare(CLONE_NEWUTS) as uid 1000: EPERM
unshare(CLONE_NEWUSER) as uid 1000: ENOSPC
"""

MODES = {"native": ("off", False), "guardian on": ("on", False), "confidential": ("on", True)}


def _run(tmp_path: Path, args: list[str], mode: str = "native") -> tuple[str, list[str]]:
    guardian, confidential = MODES[mode]
    out = io.BytesIO()
    result = run_program("unshare_calls", args, rootfs=tmp_path, stdout=out,
                         stderr=io.BytesIO(), guardian=guardian, confidential=confidential)
    assert result.exit_code == 0
    return out.getvalue().decode(), list(result.notes)


@pytest.mark.parametrize("mode", list(MODES))
def test_answers_as_linux(mode: str, tmp_path: Path) -> None:
    """Every answer Linux gives, the children's shared and unshared descriptor table,
    directory and umask among them, in each mode (the Guardian accepts each answer)."""
    assert _run(tmp_path, [], mode)[0] == LINUX


def test_namespaces_are_refused_as_the_machine_says(tmp_path: Path) -> None:
    """unshare() and clone() of new namespaces: -ENOSPC, or -EPERM without CAP_SYS_ADMIN."""
    assert _run(tmp_path, ["ns"])[0] == NO_NAMESPACES


def test_a_second_threads_unshare_is_a_note_not_a_silent_answer(tmp_path: Path) -> None:
    """Linux gives the calling thread its own table and fs_struct (0); the model keeps both
    per process, so it answers -ENOSYS and says why, as for an unsupported call."""
    out, notes = _run(tmp_path, ["thread"])
    assert out == ("unshare(CLONE_FILES) in a second thread: ENOSYS\n"
                   "unshare(CLONE_FS) in a second thread: ENOSYS\n")
    assert any("unshare(CLONE_FILES)" in n and "per process" in n for n in notes)
    assert any("unshare(CLONE_FS)" in n and "per process" in n for n in notes)


HOST_CC = shutil.which("cc") or shutil.which("gcc")


@pytest.mark.skipif(HOST_CC is None or platform.system() != "Linux",
                    reason="needs a C compiler and a Linux host to run the reference")
def test_matches_the_host_kernel(tmp_path: Path) -> None:
    """The same source built for the host and run on its kernel prints the same lines."""
    assert HOST_CC is not None
    exe = tmp_path / "unshare_calls_host"
    subprocess.run([HOST_CC, "-O2", "-pthread", "-o", str(exe),
                    str(WORKLOADS_DIR / "src" / "unshare_calls.c")], check=True, timeout=120)
    host_dir, guest_root = tmp_path / "host", tmp_path / "guest"
    host_dir.mkdir()
    guest_root.mkdir()
    host = subprocess.run([str(exe)], cwd=host_dir, capture_output=True, timeout=60, check=True)
    if not host.stdout.startswith(b"unshare(0): 0\n"):
        # (a container's seccomp profile refuses unshare() without CAP_SYS_ADMIN: -EPERM)
        pytest.skip("the host filters unshare(): its kernel's own answers are not to be seen")
    assert _run(guest_root, [])[0] == host.stdout.decode()
