"""The Guardian's copy of a confidential program's descriptor table and working
directory: every way of reaching the admitted file names it, a descriptor the table
holds is never handed out again, and copies, inheritance and closing are followed."""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.descriptors import (
    AT_FDCWD,
    CLONE_FILES,
    CLOSE_RANGE_CLOEXEC,
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_SETFD,
    FIOCLEX,
    O_CLOEXEC,
)
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.confidential_admission import Admission
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

ADMITTED = "/bin/prog"
NAME_VA = 0x1000            # where the fake memory keeps the name a call passes
ROOT, CHILD_ROOT = 0x10000, 0x20000
ENOENT = (1 << 64) - 2


class _Names:
    """The program's memory as far as these calls read it: one NUL-terminated name."""

    def __init__(self) -> None:
        self.data = b""

    def read(self, va: int, n: int, root: int) -> bytes | None:
        if va < NAME_VA:
            return None
        off = va - NAME_VA
        return (self.data + bytes(4096))[off:off + n]

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return None


class _Program:
    """Syscalls of one thread, completed with the kernel's results."""

    def __init__(self, files: Descriptors, memory: _Names, root: int = ROOT,
                 thread: int = 1) -> None:
        self.files, self.memory, self.root, self.thread = files, memory, root, thread

    def call(self, name: str, *args: int, ret: int, path: str | None = None) -> None:
        if path is not None:
            self.memory.data = path.encode() + b"\0"
        registry = self.files.admission.registry
        slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name],
                                 args + (0,) * (6 - len(args)), root=self.root,
                                 thread=self.thread)
        try:
            self.files.check(slot, ret)
            self.files.record(slot, ret)
        finally:
            del registry.slots[slot.id]

    def open(self, name: str, ret: int, dirfd: int = AT_FDCWD, flags: int = 0) -> None:
        self.call("openat", dirfd & (1 << 64) - 1, NAME_VA, flags, ret=ret, path=name)

    def admitted(self, fd: int) -> str | None:
        slot = Slot(0, 1, UserContext(), 0, None, root=self.root, thread=self.thread)
        return self.files.admitted(slot, fd)


@pytest.fixture
def prog() -> _Program:
    admission = Admission(None, Registry(None))  # type: ignore[arg-type]  # its files, slots
    admission.admit_file(ADMITTED, b"\x7fELF" + bytes(8188))
    files = Descriptors(_Names(), admission)    # type: ignore[arg-type]
    files.start(ROOT, 1)
    return _Program(files, files.memory)        # type: ignore[arg-type]


@pytest.mark.parametrize("name", [ADMITTED, "/bin/./prog", "//bin//prog", "/usr/../bin/prog"])
def test_every_spelling_of_the_absolute_name_is_the_admitted_file(prog: _Program,
                                                                  name: str) -> None:
    prog.open(name, ret=3)
    assert prog.admitted(3) == ADMITTED


def test_names_relative_to_a_directory_descriptor_or_the_working_directory(prog) -> None:
    prog.open("prog", ret=3)
    assert prog.admitted(3) is None                 # the launch's directory is not known
    prog.open("/bin", ret=4)
    prog.open("prog", ret=5, dirfd=4)
    prog.open("./sub/../prog", ret=6, dirfd=4)
    assert prog.admitted(5) == prog.admitted(6) == ADMITTED
    prog.call("chdir", NAME_VA, ret=0, path="/usr")
    prog.call("chdir", NAME_VA, ret=0, path="../bin")
    prog.open("prog", ret=7)
    assert prog.admitted(7) == ADMITTED
    prog.call("chdir", NAME_VA, ret=ENOENT, path="/nowhere")   # failed: nothing changes
    prog.open("prog", ret=8)
    assert prog.admitted(8) == ADMITTED
    prog.call("chdir", NAME_VA, ret=0, path="/")
    prog.call("fchdir", 4, ret=0)
    prog.open("prog", ret=9)
    assert prog.admitted(9) == ADMITTED


def test_proc_self_fd_names_the_descriptors_file(prog: _Program) -> None:
    prog.open(ADMITTED, ret=3)
    prog.open("/proc/self/fd/3", ret=4)
    prog.open("/dev/fd/3", ret=5)
    prog.open("/proc/77/fd/3", ret=6)                # not a pid the program was told
    assert prog.admitted(4) == prog.admitted(5) == ADMITTED and prog.admitted(6) is None
    prog.call("getpid", ret=77)
    prog.open("/proc/77/fd/3", ret=7)
    assert prog.admitted(7) == ADMITTED


def test_copies_follow_the_file_and_closing_forgets_it(prog: _Program) -> None:
    prog.open(ADMITTED, ret=3)
    prog.call("dup", 3, ret=4)
    prog.call("fcntl", 3, F_DUPFD_CLOEXEC, 10, ret=10)
    prog.call("fcntl", 3, F_DUPFD, 0, ret=5)
    prog.call("dup3", 3, 20, O_CLOEXEC, ret=20)
    assert {prog.admitted(fd) for fd in (4, 5, 10, 20)} == {ADMITTED}
    prog.open("/etc/other", ret=6)
    prog.call("dup3", 6, 4, 0, ret=4)                # dup3 onto a copy replaces it
    prog.call("close", 3, ret=0)
    prog.call("close_range", 5, 10, 0, ret=0)
    assert [prog.admitted(fd) for fd in (3, 4, 5, 10, 20)] == [None, None, None, None, ADMITTED]


def test_a_descriptor_held_open_is_never_a_new_one(prog: _Program) -> None:
    prog.open(ADMITTED, ret=3)
    with pytest.raises(Refused, match="holds it open"):
        prog.open("/dev/null", ret=3)
    with pytest.raises(Refused, match="holds it open"):
        prog.call("socket", 1, 1, 0, ret=3)
    with pytest.raises(Refused, match="no descriptor is"):
        prog.open("/dev/null", ret=(1 << 32) + 3)     # an int the program would read as 3
    with pytest.raises(Refused, match="not the descriptor asked for"):
        prog.call("dup3", 3, 9, 0, ret=8)
    with pytest.raises(Refused, match="below the one asked for"):
        prog.call("fcntl", 3, F_DUPFD, 10, ret=4)
    prog.memory.data = (3).to_bytes(4, "little") + (4).to_bytes(4, "little")
    with pytest.raises(Refused, match="holds it open"):
        prog.call("pipe2", NAME_VA, 0, ret=0)
    prog.call("close", 3, ret=0)
    prog.open("/dev/null", ret=3)                    # closed: the number is free again
    prog.call("openat", 0, NAME_VA, 0, ret=ERRNO_FLOOR + 1)   # a failure makes nothing


def test_exec_keeps_what_cloexec_does_not_close(prog: _Program) -> None:
    prog.open(ADMITTED, ret=3)
    prog.open(ADMITTED, ret=4, flags=O_CLOEXEC)
    prog.open(ADMITTED, ret=5)
    prog.open(ADMITTED, ret=6)
    prog.open(ADMITTED, ret=7)
    prog.call("fcntl", 5, F_SETFD, 1, ret=0)
    prog.call("ioctl", 6, FIOCLEX, 0, ret=0)
    prog.call("close_range", 7, 7, CLOSE_RANGE_CLOEXEC, ret=0)
    prog.call("chdir", NAME_VA, ret=0, path="/bin")
    slot = Slot(0, 1, UserContext(), 0, NUMBERS["execve"], root=ROOT, thread=1)
    prog.files.note_exec(slot)
    prog.files.forget(ROOT)
    prog.files.start(CHILD_ROOT, 1)
    image = _Program(prog.files, prog.memory, CHILD_ROOT, 1)
    assert [image.admitted(fd) for fd in (3, 4, 5, 6, 7)] == [ADMITTED, None, None, None, None]
    image.open("prog", ret=4)
    assert image.admitted(4) == ADMITTED             # the working directory goes on too
    with pytest.raises(Refused):
        image.open("/dev/null", ret=3)


def test_a_fork_child_copies_the_table_a_clone_files_thread_shares_it(prog: _Program) -> None:
    prog.open(ADMITTED, ret=3)
    prog.files.note_clone(ROOT, 1, CHILD_ROOT, 2, 0)             # fork
    prog.files.note_clone(ROOT, 1, 0, 3, CLONE_FILES | 0x100)    # a thread
    child = _Program(prog.files, prog.memory, CHILD_ROOT, 2)
    thread = _Program(prog.files, prog.memory, ROOT, 3)
    child.call("close", 3, ret=0)
    assert prog.admitted(3) == thread.admitted(3) == ADMITTED and child.admitted(3) is None
    thread.call("close", 3, ret=0)
    assert prog.admitted(3) is None
    prog.open(ADMITTED, ret=3)                       # the lowest free descriptor
    prog.files.note_clone(ROOT, 1, 0, 4, 0x100 | 0x4000)         # vfork: memory, not files
    vfork_child = _Program(prog.files, prog.memory, ROOT, 4)
    vfork_child.call("dup3", 3, 9, 0, ret=9)
    assert vfork_child.admitted(9) == ADMITTED and prog.admitted(9) is None
    prog.open("/dev/null", ret=9)                    # the parent's 9 is free


def test_a_new_descriptor_is_the_lowest_free_one(prog: _Program) -> None:
    for fd in (3, 4, 5, 6):
        prog.open("/dev/null", ret=fd)
    prog.call("close", 4, ret=0)
    prog.call("close_range", 6, 6, 0, ret=0)
    with pytest.raises(Refused, match="descriptor 4 is free"):
        prog.call("eventfd2", 0, 0, ret=8)            # unknown 7 may be open; 4 is not
    with pytest.raises(Refused, match="descriptor 6 is free"):
        prog.call("fcntl", 3, F_DUPFD, 5, ret=7)      # at least 5: 6 is the lowest
    prog.memory.data = (4).to_bytes(4, "little") + (7).to_bytes(4, "little")
    with pytest.raises(Refused, match="descriptor 6 is free"):
        prog.call("pipe2", NAME_VA, 0, ret=0)         # the second end skipped 6
    prog.memory.data = (4).to_bytes(4, "little") + (6).to_bytes(4, "little")
    prog.call("pipe2", NAME_VA, 0, ret=0)
    prog.call("eventfd2", 0, 0, ret=9)                # none known free: 7, 8 may be open


def test_the_lowest_free_rule_never_refuses_an_honest_kernel(prog: _Program) -> None:
    registry = prog.files.admission.registry
    prog.open("/dev/null", ret=3)
    prog.open("/dev/null", ret=4)
    # An open in flight when the close returned may have got 4's successor honestly.
    slow = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"], (0, NAME_VA, 0, 0, 0, 0),
                             root=ROOT, thread=1)
    prog.call("close", 3, ret=0)
    prog.files.check(slow, 5)
    del registry.slots[slow.id]
    prog.files.record(slow, 5)
    # Another thread sharing the table in a syscall may hold a lower one unseen.
    prog.files.note_clone(ROOT, 1, 0, 3, CLONE_FILES | 0x100)
    busy = registry.add_slot(1, UserContext(), 0, NUMBERS["accept"], (4, 0, 0, 0, 0, 0),
                             root=ROOT, thread=3)
    prog.call("socket", 1, 1, 0, ret=6)
    del registry.slots[busy.id]
    # ... but one blocked in a call that makes none (a read of a descriptor it knows) is not.
    blocked = registry.add_slot(1, UserContext(), 0, NUMBERS["read"], (4, 0, 1, 0, 0, 0),
                                root=ROOT, thread=3)
    with pytest.raises(Refused, match="descriptor 3 is free"):
        prog.call("socket", 1, 1, 0, ret=7)
    del registry.slots[blocked.id]
    # Calls that may install descriptors the Guardian does not follow forget the free ones.
    prog.call("close", 6, ret=0)
    prog.call("recvmsg", 5, 0, 0, ret=1)             # SCM_RIGHTS may have put one at 3
    prog.call("eventfd2", 0, 0, ret=7)
    prog.call("close", 7, ret=0)
    prog.call("read", 30, 0, 1, ret=ERRNO_FLOOR + 1) # a descriptor it did not see: fanotify?
    prog.call("eventfd2", 0, 0, ret=8)


# --- through the Guardian's RESUME -----------------------------------------------------------

@pytest.fixture(scope="module")
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    scene.hw.ram.write(scene.b + PAGES_A, b"/dev/null\0")
    return scene


def _resume(s: Scene, name: str, args: tuple[int, ...], ret: int) -> int:
    sid = 900 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, NUMBERS[name],
                               args + (0,) * (6 - len(args)), root=s.b + ROOT_A, thread=1)
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def test_resume_refuses_a_second_open_answered_with_an_open_descriptor(s: Scene) -> None:
    at = (1 << 64) + AT_FDCWD
    assert _resume(s, "openat", (at, VA, 0), 5) == Status.OK
    assert _resume(s, "openat", (at, VA, 0), 5) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.fd_fresh"
    assert _resume(s, "close", (5,), 0) == Status.OK
    assert _resume(s, "openat", (at, VA, 0), 5) == Status.OK


@pytest.mark.parametrize("child_leaves", ["exec", "exit"])
def test_a_vfork_childs_exec_or_end_releases_its_copy(prog: _Program, child_leaves: str) -> None:
    """The vfork child's table is a copy: once the child has left the parent's space (its
    exec drops the close-on-exec copy, its end every copy), the parent's close is the
    file's last; a copy without the mark goes on in the child's new image."""
    prog.call("eventfd2", 0, 0, ret=3)
    prog.call("eventfd2", 0, 0, ret=4)
    prog.call("ioctl", 3, FIOCLEX, 0, ret=0)
    table = prog.files.table(ROOT, 1)
    marked, plain = table.fds[3].description, table.fds[4].description
    prog.files.note_clone(ROOT, 1, 0, 2, 0x100 | 0x4000)         # vfork: memory, not files
    registry = prog.files.admission.registry
    if child_leaves == "exec":
        registry.add_slot(1, UserContext(), 0, NUMBERS["execve"], (0,) * 6, root=ROOT,
                          thread=2)
    prog.files.note_vfork_left(ROOT, 2, registry.slots.values())
    assert (ROOT, 2) not in prog.files.tables
    prog.call("close", 3, ret=0)
    prog.call("close", 4, ret=0)
    live = prog.files.live_descriptions()
    assert id(marked) not in live
    assert (id(plain) in live) == (child_leaves == "exec")     # the new image holds it


def test_a_clone_pidfd_and_a_seccomp_listener_are_close_on_exec(prog: _Program) -> None:
    """Made beside the call's result, always close-on-exec: an exec drops them."""
    prog.memory.data = (5).to_bytes(4, "little")         # where clone writes the pidfd
    prog.call("clone", 0x1000 | 17, 0, NAME_VA, 0, 0, ret=100)      # CLONE_PIDFD | SIGCHLD
    prog.call("seccomp", 1, 1 << 3, 0, ret=6)            # SECCOMP_FILTER_FLAG_NEW_LISTENER
    prog.call("seccomp", 1, 0, 0, ret=0)                 # no listener: nothing made
    table = prog.files.table(ROOT, 1)
    assert {fd: f.cloexec for fd, f in table.fds.items()} == {5: True, 6: True}


def test_a_name_from_a_working_directory_changed_during_the_call_is_not_known(
        prog: _Program) -> None:
    """path_init() takes fs->pwd once: an open("0123") from /tmp while a CLONE_FS
    sibling's chdir("/proc") entered and returned made /tmp/0123, not /proc/0123."""
    from abi.descriptors import CLONE_FS
    from guardian.foreign_tasks import opened_name

    prog.call("chdir", NAME_VA, ret=0, path="/proc")
    prog.call("chdir", NAME_VA, ret=0, path="/tmp")
    prog.files.note_clone(ROOT, 1, 0, 3, CLONE_FILES | CLONE_FS | 0x100)
    registry = prog.files.admission.registry
    slow = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"],
                             (AT_FDCWD & (1 << 64) - 1, NAME_VA, 0o100, 0, 0, 0),
                             root=ROOT, thread=1)
    _Program(prog.files, prog.memory, ROOT, 3).call("chdir", NAME_VA, ret=0, path="/proc")
    prog.memory.data = b"0123\0"
    assert opened_name(prog.files.sole, slow) is None
    assert prog.files.reach(slow).thread_cwd is None
    del registry.slots[slow.id]
    later = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"],
                              (AT_FDCWD & (1 << 64) - 1, NAME_VA, 0, 0, 0, 0),
                              root=ROOT, thread=1)
    assert opened_name(prog.files.sole, later) == ("/proc/0123", 5)
    assert prog.files.reach(later).thread_cwd == "/proc"


def test_a_fork_during_a_close_may_copy_its_number_free(prog: _Program) -> None:
    """close() frees the number at its entry (file_close_fd()); a fork by another thread
    meanwhile copies it free (dup_fd()): the child's open may get it."""
    for fd in (0, 1, 2, 3, 4, 5):
        prog.open("/dev/null", ret=fd)
    registry = prog.files.admission.registry
    prog.files.note_clone(ROOT, 1, 0, 3, CLONE_FILES | 0x100)
    closing = registry.add_slot(1, UserContext(), 0, NUMBERS["close"], (4, 0, 0, 0, 0, 0),
                                root=ROOT, thread=3)
    prog.files.note_clone(ROOT, 1, CHILD_ROOT, 2, 0)             # fork
    del registry.slots[closing.id]
    _Program(prog.files, prog.memory, CHILD_ROOT, 2).open("/dev/null", ret=4)


@pytest.mark.parametrize("how", ["absent"])
def test_a_pidfd_number_not_read_reliably_is_an_unseen_maker(prog: _Program, how: str) -> None:
    """copy_process() put the pidfd (3, the lowest free) into the program's word; the
    word is not present at the return: the free 3 is forgotten, a later open's 6 is not
    refused."""
    for fd in (3, 4, 5):
        prog.open("/dev/null", ret=fd)
    prog.call("close", 3, ret=0)
    prog.memory.data = (9).to_bytes(4, "little")
    if how == "absent":
        prog.call("clone", 0x1000 | 17, 0, 0x800, 0, 0, ret=100)    # CLONE_PIDFD, no page
    else:
        prog.call("clone", 0x1000 | 0x100 | 17, 0, NAME_VA, 0, 0, ret=100)   # | CLONE_VM
    prog.open("/dev/null", ret=6)


def test_a_descriptor_made_while_another_call_closed_one_proves_nothing_below_it(
        prog: _Program) -> None:
    """alloc_fd() proves 0..N-1 open only if the table held still through the call: here
    an open got 3 while a close(1) by another thread of the table entered and returned
    (the open found 1 still open), so a later open's 1 is the lowest free one."""
    for fd in (0, 1, 2):
        prog.open(ADMITTED, fd)
    registry = prog.files.admission.registry
    slow = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"],
                             (AT_FDCWD & (1 << 64) - 1, NAME_VA, 0, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.call("close", 1, ret=0)
    prog.files.check(slow, 3)
    prog.files.record(slow, 3)
    del registry.slots[slow.id]
    prog.open(ADMITTED, 1)                      # (return.fd_fresh would refuse it)
