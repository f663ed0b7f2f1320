"""Red-team round 83's rules: `return.fd_never_opened` widened to the descriptors a call
takes from a command's argument, a NULL or empty name, an absolute name under openat2's
scoped resolution (guardian/fd_never_args.py) and from memory (guardian/fd_never_memory.py),
the early returns Linux makes before any look-up (descriptor_args.no_lookup()), a fork
child's KCMP_EPOLL_TFD efd; `return.range_table` on close_range's and dup3's flags;
`return.descriptor_kind` on kcmp of a fork child either pid first and of two children."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS as N
from guardian import fd_never_memory as fnm
from guardian.checks import Refused
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN
from tests.test_fd_never_args import CHILD, NEVER, _child, _kind, _own
from tests.test_guardian_result_table import _judged, s  # noqa: F401 (fixture)
from tests.test_launch_fds import _Launch

M = (1 << 64) - 1
AT_EMPTY_PATH, FICLONE, F_DUPFD_QUERY, RESOLVE_IN_ROOT = 0x1000, 0x40049409, 1027, 0x10
OMIT = (1 << 30) - 2


def test_zero_length_splice_and_tee_and_omitted_times_pass() -> None:
    files = _Launch()
    # SYSCALL_DEFINE6(splice), SYSCALL_DEFINE4(tee): len 0 answers 0 before fdget()
    assert not _own(files, "splice", (NEVER, 0, NEVER + 1, 0, 0, 0), {})
    assert not _own(files, "tee", (NEVER, NEVER + 1, 0, 0), {})
    assert "77" in _own(files, "splice", (NEVER, 0, NEVER + 1, 0, 1, 0), {})
    assert "77" in _own(files, "tee", (NEVER, NEVER + 1, 1, 0), {})
    # SYSCALL_DEFINE4(utimensat): both UTIME_OMIT answers 0 before do_utimes()
    omit = struct.pack("<qqqq", 0, OMIT, 0, OMIT)
    one = struct.pack("<qqqq", 0, OMIT, 0, 5)
    assert not _own(files, "utimensat", (NEVER, 0x1000, 0x2000, 0), {0x1000: b"x",
                                                                     0x2000: omit})
    assert "77" in _own(files, "utimensat", (NEVER, 0x1000, 0x2000, 0), {0x1000: b"x",
                                                                        0x2000: one})


def test_descriptors_of_a_commands_argument_and_names() -> None:
    files = _Launch()
    assert "77" in _own(files, "ioctl", (3, FICLONE, NEVER), {})      # AD-007
    assert not _own(files, "ioctl", (3, FICLONE, 3), {})              # an open source
    assert not _own(files, "ioctl", (3, 0x5401, NEVER), {})           # another command
    assert "77" in _own(files, "fcntl", (3, F_DUPFD_QUERY, NEVER), {})  # AD-013
    assert not _own(files, "fcntl", (3, F_DUPFD_QUERY, 3), {})
    assert "77" in _own(files, "utimensat", (NEVER, 0, 0, 0), {})     # AD-002
    assert not _own(files, "utimensat", (AT_FDCWD_, 0, 0, 0), {})
    # an empty name: AT_EMPTY_PATH's fdget_raw(dfd), else -ENOENT (AD-001)
    assert "77" in _own(files, "faccessat2", (NEVER, 0x1000, 0, AT_EMPTY_PATH), {0x1000: b"\0"})
    assert not _own(files, "newfstatat", (3, 0x1000, 0x2000, AT_EMPTY_PATH), {0x1000: b"\0"})


AT_FDCWD_ = -100 % (1 << 64)


def test_an_absolute_name_under_a_scoped_openat2() -> None:
    files = _Launch()
    scoped = struct.pack("<QQQ", 0, 0, RESOLVE_IN_ROOT)
    plain = struct.pack("<QQQ", 0, 0, 0)
    names = {0x1000: b"/", 0x2010: scoped[16:]}
    assert "77" in _own(files, "openat2", (NEVER, 0x1000, 0x2000, 24), names)  # AD-012
    names[0x2010] = plain[16:]
    assert not _own(files, "openat2", (NEVER, 0x1000, 0x2000, 24), names)


def _mem(files: _Launch, nr: str, args: tuple[int, ...], mem: dict[int, bytes]) -> str:
    slot = Slot(9, 1, None, 0, N[nr], tuple(a % (1 << 64) for a in args), 1, 2)
    assert slot.nr in fnm.CALLS
    return fnm.memory_never(files, slot, lambda addr, n: (  # type: ignore[arg-type]
        mem[addr][:n] if addr in mem else None))


def test_descriptors_read_from_memory() -> None:
    files = _Launch()
    # AD-017: SO_ATTACH_BPF's value
    assert "77" in _mem(files, "setsockopt", (3, 1, 50, 0x1000, 4), {0x1000: b"M\0\0\0"})
    assert not _mem(files, "setsockopt", (3, 1, 50, 0x1000, 4), {0x1000: b"\3\0\0\0"})
    assert not _mem(files, "setsockopt", (3, 1, 7, 0x1000, 4), {0x1000: b"M\0\0\0"})
    # AD-011: ppoll's revents of a number no file is at is POLLNVAL, never POLLIN
    nval, pollin = struct.pack("<ihh", NEVER, 1, 0x20), struct.pack("<ihh", NEVER, 1, 1)
    assert not _mem(files, "ppoll", (0x1000, 1, 0, 0, 8), {0x1000: nval})
    assert "77" in _mem(files, "ppoll", (0x1000, 1, 0, 0, 8), {0x1000: pollin})
    # AD-006: a set bit of pselect6's result
    assert "60" in _mem(files, "pselect6", (61, 0x1000, 0, 0, 0, 0),
                        {0x1000: (1 << 60).to_bytes(8, "little")})
    assert not _mem(files, "pselect6", (61, 0x1000, 0, 0, 0, 0),
                    {0x1000: (1 << 3).to_bytes(8, "little")})
    # AD-016: SCM_RIGHTS on an AF_UNIX socket the program made
    files.table.fds[6] = OpenFile(maker=N["socketpair"], sock=(1, 1, 0))
    files.table.fds[7] = OpenFile(maker=N["socket"], sock=(2, 1, 0))
    hdr = struct.pack("<QI4xQQQQi4x", 0, 0, 0x3000, 1, 0x4000, 20, 0)
    cmsg = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", NEVER)
    mem = {0x2000: hdr, 0x2020: hdr[32:], 0x4000: cmsg}     # (msg_control at +32)
    assert "77" in _mem(files, "sendmsg", (6, 0x2000, 0), mem)
    assert not _mem(files, "sendmsg", (7, 0x2000, 0), mem)             # AF_INET: not judged
    mem[0x4000] = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", 3)
    assert not _mem(files, "sendmsg", (6, 0x2000, 0), mem)
    assert not _mem(_Launch(steady=False), "setsockopt", (3, 1, 50, 0x1000, 4),
                    {0x1000: b"M\0\0\0"})


def test_a_fork_childs_epoll_slot() -> None:
    # AD-014: kcmp_epoll_target() -> fget_task(task2, slot.efd) in the child's copy
    files = _Launch()
    slot = Slot(9, 1, None, 0, N["kcmp"], (OWN, CHILD, 7, 3, 0x1000), 1, 2)
    with pytest.raises(Refused) as e:
        from guardian import fd_kind_answer as fk
        fk.check(_child(files, files.table.copy()), slot, 0, OWN, True,  # type: ignore[arg-type]
                 lambda _a, _n: struct.pack("<IIQ", NEVER, 3, 0)[:_n])
    assert e.value.check == "return.fd_never_opened"
    files = _Launch()
    copy = files.table.copy()
    copy.fds[NEVER] = OpenFile(maker=N["epoll_create1"])         # the child's own epoll
    _kind(_child(files, copy), "kcmp", (OWN, CHILD, 7, 3, 0x1000), 1)


def test_close_range_and_dup3_flags(s) -> None:  # noqa: F811
    assert _judged(s, "close_range", (77, 77, 4), 0)                 # CLOSE_RANGE_CLOEXEC
    assert not _judged(s, "close_range", (77, 77, 1 << 5), 0)        # AD-008
    assert _judged(s, "dup3", (3, 78, 0o2000000), 78)                # O_CLOEXEC
    assert not _judged(s, "dup3", (3, 78, 0o4000), 78)               # AD-018: O_NONBLOCK
    assert _judged(s, "dup3", (3, 78, 0o4000), (1 << 64) - 22)       # -EINVAL passes


def test_kcmp_of_fork_children_either_order_and_two_children() -> None:
    from guardian.open_files import FileTable
    from tests.test_descriptor_kind_r79 import _Files, _slot
    from tests.test_descriptor_kind_r79 import _judge as _judge_kind
    files = _Files()
    reg = files.admission.registry
    for pid, proc, root in ((200, 5, 3), (201, 6, 4)):
        reg.child_pids[(1, pid)] = proc
        reg.process_of_root[root] = proc
        files.children[pid] = FileTable()
    # AD-020: KCMP_VM with the child's pid first (dup_mm(): never 0 in either order)
    _judge_kind(files, _slot("kcmp", (200, OWN, 1, 0, 0)), 1)
    with pytest.raises(Refused) as e:
        _judge_kind(files, _slot("kcmp", (200, OWN, 1, 0, 0)), 0)
    assert e.value.check == "return.descriptor_kind"
    # AD-019: KCMP_FILES of two children, two tables dup_fd() made
    _judge_kind(files, _slot("kcmp", (200, 201, 2, 0, 0)), 2)
    with pytest.raises(Refused) as e:
        _judge_kind(files, _slot("kcmp", (200, 201, 2, 0, 0)), 0)
    assert e.value.check == "return.descriptor_kind"
    files.children[201] = files.children[200]          # one table (not known as two): 0
    _judge_kind(files, _slot("kcmp", (200, 201, 2, 0, 0)), 0)
    files.children[201] = FileTable()
    reg.group_exited = lambda _r, p: p == 6             # an exited child's files: NULL
    _judge_kind(files, _slot("kcmp", (200, 201, 2, 0, 0)), 0)


def test_pselect6_bits_past_the_smallest_table_are_left_alone() -> None:
    # core_sys_select() clamps n to fdt->max_fds (64 at least): bit 100 is not written back
    files = _Launch()
    sets = {0x1000: (1 << 100).to_bytes(16, "little")}
    assert not _mem(files, "pselect6", (101, 0x1000, 0, 0, 0, 0), sets)


def test_ppoll_reads_only_the_entries_its_unsigned_int_nfds_names() -> None:
    # SYSCALL_DEFINE5(ppoll, ..., unsigned int, nfds, ...): a register of 1 | 1 << 32
    # polls one entry; the second, the program's own (fd 77, revents 0), is never written
    files = _Launch()
    entries = struct.pack("<ihh", 3, 4, 4) + struct.pack("<ihh", NEVER, 1, 0)
    entries += bytes(8 * 254)
    assert not _mem(files, "ppoll", (0x1000, 1 | 1 << 32, 0, 0, 8), {0x1000: entries})
    assert "77" in _mem(files, "ppoll", (0x1000, 2, 0, 0, 8), {0x1000: entries})


@pytest.mark.parametrize("args", [(OWN, CHILD, 0, NEVER, 3), (CHILD, OWN, 0, 3, NEVER),
                                  (OWN, CHILD, 7, NEVER, 0x1000)])
def test_kcmp_of_the_own_pid_and_a_childs_looks_the_own_index_up(args) -> None:
    # SYSCALL_DEFINE5(kcmp): get_file_raw_ptr(task1, idx1) and (task2, idx2) -- and
    # kcmp_epoll_target()'s idx1 -- each in its own task's table: the caller's own
    # index is -EBADF whichever pid the child's is
    files = _Launch()
    with pytest.raises(Refused) as e:
        _kind(_child(files, files.table.copy()), "kcmp", args, 0)
    assert e.value.check == "return.fd_never_opened"
    made = _Launch()
    made.table.fds[NEVER] = OpenFile(path="/dev/null")
    copy = made.table.copy()
    copy.fds[NEVER] = OpenFile(path="/dev/null")
    _kind(_child(made, copy), "kcmp", args, 1)


def test_only_so_attach_bpf_of_the_setsockopts_notes_its_entry() -> None:
    # quiet_ranges.note() walks every slot at each noted entry: fd_never_memory reads the
    # value of SO_ATTACH_BPF alone, so no other setsockopt pays for it
    from guardian.quiet_ranges import noted
    assert noted(N["setsockopt"], (3, 1, 50, 0x1000, 4))
    assert not noted(N["setsockopt"], (3, 1, 7, 0x1000, 4))       # SO_SNDBUF
    assert not noted(N["setsockopt"], (3, 6, 50, 0x1000, 4))      # another level
    assert noted(N["ppoll"], (0x1000, 1, 0, 0, 8))


@pytest.mark.xfail(strict=True, raises=Refused, reason=(
    "open: kcmp(c1, c2, KCMP_FILES) of two fork children that a "
    "SIGKILL (the program's, the user's, the OOM killer's) ended without an exit_group "
    "the Guardian saw, unreaped, their trees not yet freed (mmdrop_lazy_tlb()): "
    "exit_files() left each task->files NULL and kcmp_ptr(NULL, NULL) is 0 -- Linux's "
    "answer, refused by _two_children(); the Guardian would need to know one child's "
    "leader still held its table at the call (e.g. seen in user code after it)"))
def test_kcmp_files_of_two_killed_children_is_linuxs_zero() -> None:
    from guardian.open_files import FileTable
    from tests.test_descriptor_kind_r79 import _Files, _slot
    from tests.test_descriptor_kind_r79 import _judge as _judge_kind
    files = _Files()
    reg = files.admission.registry
    for pid, proc, root in ((200, 5, 3), (201, 6, 4)):
        reg.child_pids[(1, pid)] = proc
        reg.process_of_root[root] = proc
        files.children[pid] = FileTable()
    # (kill(200, SIGKILL); kill(201, SIGKILL): no exit_group, no reap, no teardown yet)
    _judge_kind(files, _slot("kcmp", (200, 201, 2, 0, 0)), 0)
