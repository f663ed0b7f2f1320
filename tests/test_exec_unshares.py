"""execve in the kernel model by a process that shares its handler table (CLONE_SIGHAND) and
descriptor table (CLONE_FILES) with its parent: begin_new_exec() -> de_thread() ->
unshare_sighand() and unshare_files() give it its own before flush_signal_handlers() and
do_close_on_exec(), so the parent keeps its SIGUSR1 handler and its close-on-exec
descriptor.  The model reset and closed them in the shared tables; the line below is what
the same program printed on an x86-64 Linux 6.18 host (qemu-user refuses CLONE_FILES)."""

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
static char stk[65536] __attribute__((aligned(16)));
static char *self;
static void h(int s){ (void)s; }
static int child(void *a){ (void)a; char *argv[] = {self, "child", 0}; execv(self, argv); return 9; }
int main(int argc, char **argv){
  if (argc > 1) return 0;
  self = argv[0];
  signal(SIGUSR1, h);
  dup3(1, 40, O_CLOEXEC);
  pid_t c = clone(child, stk + sizeof stk, CLONE_VM | CLONE_SIGHAND | CLONE_FILES | SIGCHLD, 0);
  int st; waitpid(c, &st, 0);
  struct sigaction sa; sigaction(SIGUSR1, 0, &sa);
  printf("child %d, cloexec fd 40 in the parent %s, SIGUSR1 handler %s\n", WEXITSTATUS(st),
         fcntl(40, F_GETFD) < 0 ? "EBADF" : "open", sa.sa_handler == h ? "kept" : "reset");
  return 0;
}
"""

#: What Linux 6.18 printed.
LINUX = "child 0, cloexec fd 40 in the parent open, SIGUSR1 handler kept\n"


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
@pytest.mark.parametrize("confidential", [False, True])
def test_the_parent_keeps_its_handler_and_descriptor(tmp_path: Path, confidential: bool) -> None:
    root = tmp_path / "root"
    root.mkdir()
    exe = compile_c(root, "exec_unshares", SOURCE)
    out = io.BytesIO()
    result = run_program(str(exe), [], rootfs=root, stdout=out, stderr=io.BytesIO(),
                         guardian="on" if confidential else "off", confidential=confidential)
    assert result.exit_code == 0
    assert out.getvalue().decode() == LINUX
