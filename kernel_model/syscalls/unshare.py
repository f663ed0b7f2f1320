"""unshare(2), as ksys_unshare() runs it.

What the model keeps per process and Linux per task, it unshares: a descriptor table
shared through CLONE_FILES (unshare_fd() -> dup_fd(): the caller gets a copy, the others
keep the old table), a working directory, root and umask shared through CLONE_FS
(unshare_fs() -> copy_fs_struct()).  A part nobody else holds is left as it is and the
call still answers 0, as Linux does.  CLONE_THREAD, CLONE_SIGHAND and CLONE_VM are never
really unshared by Linux either: check_unshare_flags() answers -EINVAL unless there is
nothing to unshare.  CLONE_SYSVSEM detaches the semaphore undo list, which is empty here
(the model has no System V semaphores).  New namespaces fail as kernel_model/namespaces.py
says (this machine makes none).

Not modelled: a thread of a multi-threaded process unsharing the descriptor table or the
fs_struct it shares with its sibling threads (the model keeps both per process).  That
call answers -ENOSYS with a note, as an unsupported call does, instead of an answer that
would leave the threads sharing what Linux split.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from kernel_model.namespaces import CLONE_NEWNS, CLONE_NEWUSER, NSPROXY_FLAGS, namespace_error
from kernel_model.process import Process, Thread, ThreadState
from kernel_model.syscalls import syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_THREAD, CLONE_SYSVSEM = 0x10000, 0x40000
#: check_unshare_flags(): every other bit is -EINVAL.
UNSHARE_FLAGS = (CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES
                 | CLONE_SYSVSEM | CLONE_NEWUSER | NSPROXY_FLAGS)


def _others_alive(peers: list[Process] | None, proc: Process) -> list[Process]:
    return [p for p in peers or () if p is not proc and p.exit_status is None]


def files_shared(k: Kernel, proc: Process) -> bool:
    """Does another living process use `proc`'s descriptor table (files->count > 1 in
    unshare_fd(); a process's exit_files() dropped its hold)?"""
    return any(p is not proc and p.fds is proc.fds and p.exit_status is None
               for p in k.processes.values())


def _unsupported(k: Kernel, flag: str, kept: str) -> int:
    k.stats.inc("kernel.syscalls.unsupported.unshare")
    msg = f"unshare({flag}) in a process with other threads returns ENOSYS: the model " \
          f"keeps {kept} per process, not per thread"
    if msg not in k.options.notes:
        k.options.notes.append(msg)
    return -errno.ENOSYS


@syscall("unshare")
def sys_unshare(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = a[0]
    # ksys_unshare(): what each flag brings with it
    if flags & CLONE_NEWUSER:
        flags |= CLONE_THREAD | CLONE_FS
    if flags & CLONE_VM:
        flags |= CLONE_SIGHAND
    if flags & CLONE_SIGHAND:
        flags |= CLONE_THREAD
    if flags & CLONE_NEWNS:
        flags |= CLONE_FS
    # check_unshare_flags()
    if flags & ~UNSHARE_FLAGS:
        return -errno.EINVAL
    proc = t.process
    siblings = [th for th in proc.threads if th is not t and th.state is not ThreadState.DEAD]
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) and \
            (siblings or proc.threads[0] is not t):     # thread_group_empty()
        return -errno.EINVAL
    if flags & (CLONE_SIGHAND | CLONE_VM) and any(
            p is not proc and p.sigactions is proc.sigactions for p in k.processes.values()):
        return -errno.EINVAL            # sighand->count > 1 (held until the task is reaped)
    if flags & CLONE_VM and proc.mm.users > 1:
        return -errno.EINVAL            # !current_is_single_threaded()
    failed = namespace_error(flags, t.cred)   # unshare_userns(), unshare_nsproxy_namespaces()
    if failed:
        return -failed                  # (the copies unshare_fs()/unshare_fd() made are dropped)
    # unshare_fs(), unshare_fd(): a copy only where another task holds the old one
    fs_peers = _others_alive(proc.fs_peers, proc) if flags & CLONE_FS else []
    files = bool(flags & CLONE_FILES) and files_shared(k, proc)
    if flags & CLONE_FS and siblings:
        return _unsupported(k, "CLONE_FS", "the working directory, root and umask")
    if flags & CLONE_FILES and siblings:
        return _unsupported(k, "CLONE_FILES", "the descriptor table")
    if fs_peers:
        assert proc.fs_peers is not None
        proc.fs_peers.remove(proc)
        proc.fs_peers = None
    if files:
        proc.fds = proc.fds.fork()         # dup_fd(): the same descriptions and close-on-exec bits
    return 0
