"""close_range(..., CLOSE_RANGE_UNSHARE) in the kernel model: __close_range() ->
unshare_fd(CLONE_FILES) gives the caller a table of its own before it closes, so the
other process of a clone(CLONE_FILES) table keeps its descriptors.  The model closed
them in the shared table; the line below is what the same program printed on an
x86-64 Linux 6.18 host (qemu-user refuses CLONE_FILES without CLONE_VM)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from tests.model_diff import GCC, compile_c

SOURCE = r"""
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
static char stk[65536] __attribute__((aligned(16)));
static int child(void *a) {
  (void)a;
  long r = syscall(SYS_close_range, 3, ~0U, 2 /* CLOSE_RANGE_UNSHARE */);
  return r == 0 && fcntl(40, F_GETFD) < 0 ? 0 : 1;
}
int main(void) {
  dup2(1, 40);
  pid_t c = clone(child, stk + sizeof stk, CLONE_FILES | SIGCHLD, 0);
  int st;
  waitpid(c, &st, 0);
  printf("child %d, fd 40 in the parent %s\n", WEXITSTATUS(st),
         fcntl(40, F_GETFD) < 0 ? "EBADF" : "open");
  return 0;
}
"""

#: What Linux 6.18 printed.
LINUX = "child 0, fd 40 in the parent open\n"


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
@pytest.mark.parametrize("confidential", [False, True])
def test_the_other_process_keeps_its_descriptors(tmp_path: Path, confidential: bool) -> None:
    exe = compile_c(tmp_path, "close_range_unshare", SOURCE)
    root = tmp_path / "root"
    root.mkdir()
    out = io.BytesIO()
    result = run_program(str(exe), [], rootfs=root, stdout=out, stderr=io.BytesIO(),
                         guardian="on" if confidential else "off", confidential=confidential)
    assert result.exit_code == 0
    assert out.getvalue().decode() == LINUX
