"""Honest ways a program reaches its own memfd through another open file, or an exec'd path
through another file, that the Guardian must not refuse.

* open("/dev/stdin") of a memfd dup'd onto fd 0 makes a new open file of it (proc_fd_link):
  its OFD lock is another owner's, so the memfd is no longer the program's one open file;
* pidfd_getfd() installs another process's very open file (fget_task());
* an admitted path the program rewrote holds what it wrote: an exec of it runs that.
"""
from __future__ import annotations

import pytest

from guardian import memfd_locks
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401
from tests.test_guardian_memfd_flags import _call, _memfd_and_child
from tests.test_guardian_memfd_locks import (
    EAGAIN,
    F_OFD_SETLK,
    F_SETLK,
    F_WRLCK,
    _lock,
)
from tests.test_guardian_sole_held import MFD, _put

AT_FDCWD = -100 & (1 << 64) - 1
O_RDWR = 2


@pytest.fixture(autouse=True)
def _met(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memfd_locks, "flock_met", lambda sole, slot: True)


def _open(prog: _Program, path: str, ret: int, child: bool = False) -> None:
    _put(prog, NAME_VA + 512, path.encode() + b"\0")
    _call(prog, "openat", AT_FDCWD, NAME_VA + 512, O_RDWR, ret=ret, child=child)


@pytest.mark.parametrize("path", ["/dev/stdin", "/proc/self/fd/3"])
def test_reopen_via_dev_stdin(prog: _Program, path: str) -> None:
    """fd 0 is the memfd (dup3); open("/dev/stdin") -> proc_fd_link -> a NEW struct file
    on the memfd's inode: its OFD lock is another owner's (fl_owner = that filp)."""
    _memfd_and_child(prog)
    _call(prog, "dup3", MFD, 0, 0, ret=0)
    _open(prog, path, ret=5)
    _lock(prog, F_OFD_SETLK, F_WRLCK, fd=5)          # the new open file's OFD lock
    # Linux: EAGAIN (posix_locks_conflict: owners filp5 != filp3)
    _lock(prog, F_OFD_SETLK, F_WRLCK, ret=EAGAIN)


from abi import Call  # noqa: E402
from guardian.exec_args import ExecArgs  # noqa: E402
from tests.test_secure_mm import HELLO, ROOT_N, build  # noqa: E402


def test_exec_of_an_admitted_path_the_program_rewrote() -> None:
    """--admit /bin/hello --admit /bin/nullsys (both programs, so admit_file + admit_image).
    The program opens /bin/hello O_WRONLY|O_TRUNC and writes nullsys's bytes into it
    (admitted_reads.py records it in `written`: reads of that path are no longer judged),
    closes it, then execve("/bin/hello").  Linux runs the bytes the path now holds:
    nullsys, an admitted image.  create.exec_args refuses."""
    s = build()
    hello_bytes = HELLO.read_bytes()
    other_bytes = (HELLO.parent / "nullsys").read_bytes()
    s.g.conf.admit_file("/bin/hello", hello_bytes)
    s.g.conf.admit_image(hello_bytes, "/bin/hello")
    s.g.conf.admit_file("/bin/nullsys", other_bytes)
    other = s.g.conf.admit_image(other_bytes, "/bin/nullsys")
    s.g.conf.descriptors.admitted_reads.written.add("/bin/hello")   # the program rewrote it
    s.g.conf.lifecycle.exec_passed[4242] = ExecArgs(b"/bin/hello", (b"/bin/hello",), ())
    n = len(s.g.decisions)
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, s.g.conf.images[other].entry,
                          0x7FFF_FFFF_F000, 4242, payload=other)
    assert "another admitted image" not in " ".join(d.reason for d in s.g.decisions[n:])


def test_parent_takes_childs_memfd_with_pidfd_getfd(prog: _Program) -> None:
    """The child makes a memfd after the fork; the parent takes it with
    pidfd_getfd(pidfd_open(child), 3) -- the very same struct file (pidfd_getfd ->
    __pidfd_fget -> fget_task), and POSIX-locks it (owner: the parent's files_struct).
    The child's F_SETLK then meets that lock: EAGAIN."""
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = registry.root_domain[prog.root + 0x1000] = 1
    table = prog.files.table(prog.root, prog.thread)
    prog.files.tables[(prog.root + 0x1000, prog.thread + 1)] = table.copy()   # fork child
    _put(prog, NAME_VA, b"m\0")
    _call(prog, "memfd_create", NAME_VA, 1, ret=MFD, child=True)
    _call(prog, "pidfd_open", 77, 0, ret=MFD)               # parent: pidfd of the child (fd 3)
    _call(prog, "pidfd_getfd", MFD, MFD, 0, ret=MFD + 1)    # parent: the child's memfd, fd 4
    _lock(prog, F_SETLK, F_WRLCK, fd=MFD + 1)               # parent's POSIX lock
    _lock(prog, F_SETLK, F_WRLCK, ret=EAGAIN, child=True)   # Linux: EAGAIN


def test_parent_sets_o_append_through_pidfd_getfd(prog: _Program) -> None:
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = registry.root_domain[prog.root + 0x1000] = 1
    table = prog.files.table(prog.root, prog.thread)
    prog.files.tables[(prog.root + 0x1000, prog.thread + 1)] = table.copy()   # fork child
    _put(prog, NAME_VA, b"m\0")
    _call(prog, "memfd_create", NAME_VA, 1, ret=MFD, child=True)
    _call(prog, "pidfd_open", 77, 0, ret=MFD)
    _call(prog, "pidfd_getfd", MFD, MFD, 0, ret=MFD + 1)
    _call(prog, "fcntl", MFD + 1, 4, 0o2000, ret=0)          # F_SETFL O_APPEND (same filp)
    _call(prog, "fcntl", MFD, 3, ret=0o2 | 0o400000 | 0o2000, child=True)   # F_GETFL
