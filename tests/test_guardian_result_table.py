"""Answers Linux keeps in a range, by the table in abi/value_ranges (guardian/result_table.py,
`return.range_table`), judged through RESUME as the kernel answers them."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

import pytest

from abi import Status
from abi.hwcaps import (
    AT_HWCAP,
    AT_HWCAP2,
    HWCAP2_MTE,
    HWCAP2_SME,
    HWCAP_PACA,
    HWCAP_PACG,
    HWCAP_SVE,
)
from abi.outputs import ALL_NUMBERS
from abi.value_ranges import AT_EMPTY_PATH, BY_COMMAND, CALLS, DT_TYPES
from guardian.result_rules import RESULT_ONLY
from guardian.result_table import CALLS as TABLE_CALLS
from tests.test_guardian_result_outputs import OUT, VA, _refused_by
from tests.test_guardian_result_values import PAGES_A, _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build_translating

F_GETFL, F_GETLK, F_GETOWN, F_GETSIG, F_GETPIPE_SZ = 3, 5, 9, 11, 1032
PR_GET_DUMPABLE, PR_GET_CHILD_SUBREAPER, PR_GET_NO_NEW_PRIVS = 3, 37, 39
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG = 1, 2
FUTEX_WAKE_PRIVATE, FUTEX_CMP_REQUEUE_PRIVATE, FUTEX_LOCK_PI_PRIVATE = 129, 132, 134


def _fresh() -> Scene:
    return build_translating()


@pytest.fixture(scope="module")
def s() -> Scene:
    return _fresh()


def _judged(s: Scene, name: str, args: tuple[int, ...], ret: int, out: bytes | None = None,
            at: int = OUT) -> bool:
    """Is the return (with `out` written at `at` first) let through?"""
    written = []
    if out is not None:
        _put(s, at, out)
        written = [(at, at + len(out))]
    status = _resume(s, name, args, ret, written)
    if status != Status.OK:
        assert _refused_by(s, "return.range_table")
    return status == Status.OK


def test_every_call_the_table_names_is_judged() -> None:
    names = set(CALLS) | set(BY_COMMAND)
    assert {ALL_NUMBERS[n] for n in names} == TABLE_CALLS
    assert not TABLE_CALLS & RESULT_ONLY


def test_fcntl_answers_keep_their_ranges(s: Scene) -> None:
    for size, ok in ((4096, True), (65536, True), (1 << 20, True), (2048, False),
                     (12288, False), (0, False)):
        assert _judged(s, "fcntl", (3, F_GETPIPE_SZ), size) is ok, size
    for sig, ok in ((0, True), (64, True), (65, False), (100, False)):
        assert _judged(s, "fcntl", (3, F_GETSIG), sig) is ok, sig
    for owner, ok in ((0, True), (77, True), ((1 << 64) - 5000, True), (1 << 40, False)):
        assert _judged(s, "fcntl", (3, F_GETOWN), owner) is ok, owner
    for l_type, ok in ((0, True), (1, True), (2, True), (3, False), (5, False)):
        flock = struct.pack("<hh4xqqi4x", l_type, 0, 0, 0, 0)
        assert _judged(s, "fcntl", (3, F_GETLK, OUT), 0, flock) is ok, l_type
    assert _judged(s, "fcntl", (3, F_GETLK, OUT), (1 << 64) - 9)        # -EBADF passes


def test_f_getfl_reports_the_access_mode_the_descriptor_was_opened_with(s: Scene) -> None:
    fd = 21
    name = VA + 2048
    _put(s, name, b"/dev/null\0")
    assert _resume(s, "openat", ((1 << 64) - 100, name, 1, 0), fd, []) == Status.OK  # O_WRONLY
    assert _judged(s, "fcntl", (fd, F_GETFL), 0x8001)
    assert not _judged(s, "fcntl", (fd, F_GETFL), 0x8000)              # O_RDONLY
    assert not _judged(s, "fcntl", (fd, F_GETFL), 0x8002)              # O_RDWR
    assert _judged(s, "fcntl", (fd + 1, F_GETFL), 0x8000)              # not one it holds
    assert _resume(s, "close", (fd,), 0, []) == Status.OK


def test_prctl_flags_keep_their_ranges(s: Scene) -> None:
    for value, ok in ((0, True), (2, True), (3, False), (5, False)):
        assert _judged(s, "prctl", (PR_GET_DUMPABLE,), value) is ok, value
    for value, ok in ((0, True), (1, True), (2, False), (7, False)):
        assert _judged(s, "prctl", (PR_GET_NO_NEW_PRIVS,), value) is ok, value
    for value, ok in ((0, True), (1, True), (6, False), (-1, False)):
        assert _judged(s, "prctl", (PR_GET_CHILD_SUBREAPER, OUT), 0,
                       struct.pack("<i", value)) is ok, value


def test_futex_counts_are_at_most_what_the_arguments_allow(s: Scene) -> None:
    word = VA + 512
    for woken, ok in ((0, True), (1, True), (2, False), (5, False)):
        assert _judged(s, "futex", (word, FUTEX_WAKE_PRIVATE, 1), woken) is ok, woken
    assert _judged(s, "futex", (word, FUTEX_WAKE_PRIVATE, 0), 1)       # wakes one anyway
    assert _judged(s, "futex", (word, FUTEX_WAKE_PRIVATE, 0x7FFF_FFFF), 40)
    for moved, ok in ((1, True), (3, True), (4, False), (6, False)):
        assert _judged(s, "futex", (word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, VA), moved) is ok
    assert not _judged(s, "futex", (word, 128, 0), 3)                  # FUTEX_WAIT: 0 only


def test_robust_list_length_and_waitv_index_are_linuxs(s: Scene) -> None:
    # get_robust_list stores sizeof(struct robust_list_head), the only length Linux takes.
    head = VA + 1024
    _put(s, head, struct.pack("<Q", VA))
    for length, ok in ((24, True), (8, False), (0, False)):
        _put(s, OUT, struct.pack("<Q", length))
        status = _resume(s, "get_robust_list", (0, head, OUT), 0,
                         [(head, head + 8), (OUT, OUT + 8)])
        assert (status == Status.OK) is ok, length
        assert ok or _refused_by(s, "return.range_table")
    # futex_waitv answers the index of the word that woke it: below nr_futexes.
    for index, ok in ((0, True), (3, True), (4, False)):
        assert _judged(s, "futex_waitv", (VA, 4, 0, 0, 1), index) is ok, index


def test_a_pi_lock_is_taken_only_by_its_owner(s: Scene) -> None:
    word = VA + 768
    assert _resume(s, "gettid", (), 41, []) == Status.OK               # thread 1 is 41
    _put(s, word, struct.pack("<I", 40))                                # another owner
    assert not _judged(s, "futex", (word, FUTEX_LOCK_PI_PRIVATE), 0)
    _put(s, word, struct.pack("<I", 41 | 0x8000_0000))                  # the caller, waiters
    assert _judged(s, "futex", (word, FUTEX_LOCK_PI_PRIVATE), 0)
    _put(s, word, struct.pack("<I", 40))
    assert _judged(s, "futex", (word, FUTEX_LOCK_PI_PRIVATE), (1 << 64) - 11)   # -EAGAIN


def test_machine_and_directory_answers_keep_their_ranges(s: Scene) -> None:
    info = bytearray(112)
    struct.pack_into("<q", info, 0, 5)
    struct.pack_into("<QQ", info, 32, 1000, 400)                       # total, free
    struct.pack_into("<H", info, 80, 1)
    struct.pack_into("<I", info, 104, 1)
    assert _judged(s, "sysinfo", (OUT,), 0, bytes(info))
    struct.pack_into("<QQ", info, 32, 1000, 2000)
    assert not _judged(s, "sysinfo", (OUT,), 0, bytes(info))
    assert _judged(s, "sched_getaffinity", (0, 8, OUT), 8, struct.pack("<Q", 1))
    assert not _judged(s, "sched_getaffinity", (0, 8, OUT), 8, bytes(8))
    assert not _judged(s, "sched_getaffinity", (0, 8, OUT), 4, struct.pack("<I", 1))
    assert _judged(s, "getcwd", (OUT, 64), 2, b"/\0")
    assert not _judged(s, "getcwd", (OUT, 64), 1, b"\0")
    assert not _judged(s, "getcwd", (OUT, 64), 3, b"a\0\0")


@pytest.mark.parametrize("d_type", range(20))
def test_a_directory_entry_has_a_dt_type(s: Scene, d_type: int) -> None:
    rec = struct.pack("<QqHB", 1, 1, 24, d_type) + b"a\0" + bytes(3)
    assert _judged(s, "getdents64", (3, OUT, 256), 24, rec) is (d_type in DT_TYPES)


def test_uname_names_an_arm64_machine(s: Scene) -> None:
    uts = bytearray(390)
    uts[:65] = b"Linux".ljust(65, b"\0")
    for machine, ok in ((b"aarch64", True), (b"armv8l", True), (b"arm", False),
                        (b"x86_64", False)):
        uts[4 * 65:5 * 65] = machine.ljust(65, b"\0")
        assert _judged(s, "uname", (OUT,), 0, bytes(uts)) is ok, machine


def test_fstat_of_a_pipe_is_a_fifo(s: Scene) -> None:
    pipe = VA + 1536
    _put(s, pipe, struct.pack("<ii", 21, 22))   # the lowest free (21 closed above)
    assert _resume(s, "pipe2", (pipe, 0), 0, [(pipe, pipe + 8)]) == Status.OK
    stat = bytearray(128)
    for mode, ok in ((0o010600, True), (0o100600, False), (0o140777, False)):
        struct.pack_into("<I", stat, 16, mode)
        assert _judged(s, "fstat", (21, OUT), 0, bytes(stat)) is ok, oct(mode)
    struct.pack_into("<I", stat, 16, 0o100600)
    assert _judged(s, "fstat", (30, OUT), 0, bytes(stat))              # origin unknown


def test_uname_names_linux(s: Scene) -> None:
    uts = bytearray(390)
    uts[4 * 65:5 * 65] = b"aarch64".ljust(65, b"\0")
    for sysname, ok in ((b"Linux", True), (b"Lin", False), (b"", False), (b"FreeBSD", False)):
        uts[:65] = sysname.ljust(65, b"\0")
        assert _judged(s, "uname", (OUT,), 0, bytes(uts)) is ok, sysname


@pytest.mark.parametrize(("name", "ok"), [(b"a", True), (b"..", True), (b"", False),
                                          (b"a/b", False), (b"/", False)])
def test_a_directory_entry_has_a_name_without_a_slash(s: Scene, name: bytes, ok: bool) -> None:
    reclen = (19 + len(name) + 1 + 7) & ~7
    rec = (struct.pack("<QqHB", 1, 1, reclen, 4) + name).ljust(reclen, b"\0")
    assert _judged(s, "getdents64", (3, OUT, 256), reclen, rec) is ok


def test_a_link_target_holds_no_nul(s: Scene) -> None:
    assert _judged(s, "readlinkat", (3, VA, OUT, 64), 6, b"/bin/x")
    assert not _judged(s, "readlinkat", (3, VA, OUT, 64), 9, b"/bin/x\0yz")


def test_statx_and_fstatat_of_a_pipe_itself_are_a_fifo(s: Scene) -> None:
    pipe, path = VA + 1536, VA + 1600
    _put(s, pipe, struct.pack("<ii", 21, 22))
    _put(s, path, b"\0")
    stx = bytearray(256)
    stat = bytearray(128)
    for mode, ok in ((0o010600, True), (0o100600, False), (0o600, False)):
        struct.pack_into("<H", stx, 28, mode)
        struct.pack_into("<I", stat, 16, mode)
        assert _judged(s, "statx", (21, path, AT_EMPTY_PATH, 0x7FF, OUT), 0, bytes(stx)) is ok
        assert _judged(s, "newfstatat", (21, path, OUT, AT_EMPTY_PATH), 0, bytes(stat)) is ok
        # A path (or no AT_EMPTY_PATH) names another file: not the descriptor's type.
        assert _judged(s, "newfstatat", (21, path, OUT, 0), 0, bytes(stat))
    _put(s, path, b"x\0")
    assert _judged(s, "statx", (21, path, AT_EMPTY_PATH, 0x7FF, OUT), 0, bytes(stx))


def test_a_wait_for_one_child_reports_that_child(s: Scene) -> None:
    assert _judged(s, "wait4", (42, 0, 1, 0), 0)                        # WNOHANG: none yet
    assert not _judged(s, "wait4", (42, 0, 0, 0), 43)
    info = bytearray(128)
    struct.pack_into("<iii4xii", info, 0, 17, 0, 1, 43, 0)             # SIGCHLD, pid 43
    assert not _judged(s, "waitid", (1, 42, OUT, 4), 0, bytes(info))
    assert _judged(s, "waitid", (0, 42, OUT, 4), 0, bytes(info))        # P_ALL: any child


@pytest.fixture
def told_caps(s: Scene) -> Iterator[Callable[[int, int], None]]:
    """Set the AT_HWCAP/AT_HWCAP2 the scene's program was told (its auxiliary vector)."""
    space = s.g.conf.registry.space_of(1, s.b + ROOT_A)          # domain 1, tree A
    assert space is not None
    kept = space.auxv

    def tell(hwcap: int, hwcap2: int) -> None:
        space.auxv = ((AT_HWCAP, hwcap), (AT_HWCAP2, hwcap2))

    yield tell
    space.auxv = kept


def test_vector_lengths_are_whole_quadwords(s: Scene,
                                            told_caps: Callable[[int, int], None]) -> None:
    told_caps(HWCAP_SVE, 0)
    for vl, ok in ((16, True), (256, True), (256 | 1 << 17, True), (4, False), (24, False),
                   (16 | 1 << 18, False)):
        assert _judged(s, "prctl", (51,), vl) is ok, vl


def test_feature_prctls_fail_without_their_capability(
        s: Scene, told_caps: Callable[[int, int], None]) -> None:
    """A vector length, PAC keys or MTE bits only where AT_HWCAP/AT_HWCAP2 has the feature
    (Linux's system_supports_*() is the fact those bits report)."""
    cases = [((50, 32), 32, HWCAP_SVE, 0), ((51,), 32, HWCAP_SVE, 0),
             ((63, 32), 32, 0, HWCAP2_SME), ((64,), 64, 0, HWCAP2_SME),
             ((61,), 0xF, HWCAP_PACA, 0), ((60, 1, 1), 0, HWCAP_PACA, 0),
             ((54, 0), 0, HWCAP_PACG, 0)]
    for args, ret, hwcap, hwcap2 in cases:
        told_caps(0, 0)
        assert not _judged(s, "prctl", args, ret), args
        assert _judged(s, "prctl", args, (1 << 64) - 22), args         # -EINVAL passes
        told_caps(hwcap, hwcap2)
        assert _judged(s, "prctl", args, ret), args
    told_caps(HWCAP_PACA, 0)
    assert not _judged(s, "prctl", (61,), 0x1F)                           # no fifth key
    # MTE's bits of the tagged-address control: answered and accepted only with MTE (the
    # flag set first: PR_GET_TAGGED_ADDR_CTRL answers the thread's own, return.tagged_ctrl).
    told_caps(0, 0)
    assert _judged(s, "prctl", (55, 1), 0) and not _judged(s, "prctl", (55, 3), 0)
    assert _judged(s, "prctl", (56,), 1) and not _judged(s, "prctl", (56,), 3)
    told_caps(0, HWCAP2_MTE)
    assert _judged(s, "prctl", (56,), 3 | 0xFFFF << 3) and not _judged(s, "prctl", (56,), 1 | 1 << 19)
    assert _judged(s, "prctl", (55, 3), 0) and not _judged(s, "prctl", (55, 1 << 20), 0)
    # PR_GET_SPECULATION_CTRL: one of the answers arm64's ssbd_prctl_get() gives.
    for value, ok in ((0, True), (3, True), (9, True), (0x1F, False), (0x20, False),
                      (0x80, False)):
        assert _judged(s, "prctl", (52, 0), value) is ok, value


def test_seals_are_never_removed(s: Scene) -> None:
    fd = 23                                   # the lowest free after the pipe's 21 and 22
    assert _resume(s, "memfd_create", (VA, 2), fd, []) == Status.OK     # MFD_ALLOW_SEALING
    assert _judged(s, "fcntl", (fd, 1034), 0)                            # F_GET_SEALS: none
    assert _resume(s, "fcntl", (fd, 1033, 6), 0, []) == Status.OK        # SHRINK | GROW
    assert _judged(s, "fcntl", (fd, 1034), 6)
    assert _judged(s, "fcntl", (fd, 1034), 7)                            # and SEAL since
    assert not _judged(s, "fcntl", (fd, 1034), 2)
    assert not _judged(s, "fcntl", (fd, 1034), 0x46)                     # no such seal
    assert _resume(s, "memfd_create", (VA, 0), fd + 1, []) == Status.OK  # not sealable
    assert not _judged(s, "fcntl", (fd + 1, 1034), 0)                    # F_SEAL_SEAL


def test_a_pidfd_wait_reports_the_pidfd_s_child(s: Scene) -> None:
    fd = 25
    assert _resume(s, "pidfd_open", (42, 0), fd, []) == Status.OK
    info = bytearray(128)
    struct.pack_into("<iii4xii", info, 0, 17, 0, 1, 43, 0)             # SIGCHLD, pid 43
    assert not _judged(s, "waitid", (3, fd, OUT, 4), 0, bytes(info))   # P_PIDFD
    struct.pack_into("<i", info, 16, 42)
    assert _judged(s, "waitid", (3, fd, OUT, 4), 0, bytes(info))


def test_a_socket_reports_how_it_was_made(s: Scene) -> None:
    pair = VA + 1600
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    _put(s, pair, struct.pack("<ii", 26, 27))
    assert _resume(s, "socketpair", (1, 1, 0, pair), 0, [(pair, pair + 8)]) == Status.OK
    for opt, value, ok in ((3, 1, True), (3, 7, False), (39, 1, True), (39, 2, False),
                           (17, 77, True), (17, 82, False), (7, 9999, True)):   # SO_SNDBUF
        _put(s, OUT + 64, struct.pack("<I", 12 if opt == 17 else 4))
        _put(s, OUT, struct.pack("<iII", value, 0, 0))
        status = _resume(s, "getsockopt", (26, 1, opt, OUT, OUT + 64), 0,
                         [(OUT, OUT + 12), (OUT + 64, OUT + 68)])
        assert (status == Status.OK) is ok, (opt, value, _refused_by(s, "return.range_table"))


def test_an_owner_nobody_set_is_zero(s: Scene) -> None:
    pipe = VA + 1700
    _put(s, pipe, struct.pack("<ii", 28, 29))
    assert _resume(s, "pipe2", (pipe, 0), 0, [(pipe, pipe + 8)]) == Status.OK
    assert _judged(s, "fcntl", (28, F_GETOWN), 0)
    assert not _judged(s, "fcntl", (28, F_GETOWN), 6)
    assert _resume(s, "fcntl", (29, 8, 77), 0, []) == Status.OK          # F_SETOWN, other end
    assert not _judged(s, "fcntl", (28, F_GETOWN), 6)                    # (its own file)
    assert _resume(s, "fcntl", (28, 8, 77), 0, []) == Status.OK
    assert _judged(s, "fcntl", (28, F_GETOWN), 77)
    assert _judged(s, "fcntl", (40, F_GETOWN), 6)                        # not made here


WEXITED_NOWAIT = 4 | 0x0100_0000


def test_a_waitid_report_is_judged_on_the_six_fields_linux_writes() -> None:
    """waitid's unsafe_put_user()s write si_signo, si_errno, si_code, si_pid, si_uid and
    si_status, never si_utime/si_stime: the bytes there are the program's own, whatever
    they hold (an uninitialised siginfo on the stack), and no answer is refused for them."""
    s = _fresh()                            # (no child of the shared scene's is known)
    info = bytearray(b"\xff" * 128)       # (WNOWAIT: the child is not reaped)
    struct.pack_into("<iii", info, 0, 17, 0, 1)                         # SIGCHLD, CLD_EXITED
    struct.pack_into("<iIi", info, 16, 77, 0, 0)                        # pid 77, uid 0
    assert _judged(s, "waitid", (1, 77, OUT, WEXITED_NOWAIT), 0, bytes(info))


def test_waitid_grants_the_kernel_the_six_fields_alone() -> None:
    """The kernel may store si_signo/si_errno/si_code (bytes 0..11) and si_pid/si_uid/
    si_status (16..27) of waitid's siginfo, and the rusage; not the padding nor the times
    (a forged si_utime is a write outside the grant)."""
    from guardian.capabilities import CAP_TABLE
    spans = [(r.arg, r.offset, r.size) for r in CAP_TABLE["waitid"]]
    assert spans == [(2, 0, 12), (2, 16, 12), (4, 0, 144)]


def test_a_thread_s_set_facts_are_reported_back(s: Scene) -> None:
    head, name = VA + 1700, VA + 1800
    assert _judged(s, "set_robust_list", (head, 24), 0)
    robust = (0, OUT, OUT + 8)
    assert _judged(s, "get_robust_list", robust, 0, struct.pack("<QQ", head, 24))
    assert not _judged(s, "get_robust_list", robust, 0, struct.pack("<QQ", head - 16, 24))
    assert not _judged(s, "get_robust_list", robust, 0, struct.pack("<QQ", head, 8))
    # (the name on a scene of its own: this module's earlier write-open of a name, made
    # without an entry snapshot, may have opened /proc/self/comm, so names go unjudged)
    fresh = build_translating()
    _put(fresh, name, b"r22w\0")
    assert _judged(fresh, "prctl", (15, name), 0)                           # PR_SET_NAME
    assert _judged(fresh, "prctl", (16, OUT), 0, b"r22w".ljust(16, b"\0"))   # PR_GET_NAME
    assert not _judged(fresh, "prctl", (16, OUT), 0, b"w".ljust(16, b"\0"))
    assert _judged(s, "prctl", (38, 1), 0)                              # PR_SET_NO_NEW_PRIVS
    assert _judged(s, "prctl", (39,), 1)
    assert not _judged(s, "prctl", (39,), 0)
    told = s.g.conf.registry.space_of(1, s.b + ROOT_A).tids.get(1, 1)   # (thread 1's id)
    assert _judged(s, "set_tid_address", (head,), told)     # its id, as gettid answers
    assert _judged(s, "prctl", (40, OUT), 0, struct.pack("<Q", head))   # PR_GET_TID_ADDRESS
    assert not _judged(s, "prctl", (40, OUT), 0, struct.pack("<Q", head - 24))


def test_an_open_file_keeps_its_inode_and_a_pipe_its_capacity(s: Scene) -> None:
    path = VA + 1600
    _put(s, path, b"\0")
    stat = bytearray(128)
    struct.pack_into("<QQI", stat, 0, 0x805, 77, 0o010600)             # dev 8:5
    # (fd 21 is the pipe2 read end above; its first fstat there reported inode 0)
    first = _judged(s, "fstat", (22, OUT), 0, bytes(stat))             # the write end
    assert not first                    # one pipe, one inode: the read end's inode 0 holds
    struct.pack_into("<QQ", stat, 0, 0, 0)
    assert _judged(s, "fstat", (22, OUT), 0, bytes(stat))
    stx = bytearray(256)
    struct.pack_into("<H", stx, 28, 0o010600)
    assert _judged(s, "statx", (21, path, AT_EMPTY_PATH, 0x7FF, OUT), 0, bytes(stx))
    struct.pack_into("<Q", stx, 32, 5)
    assert not _judged(s, "statx", (21, path, AT_EMPTY_PATH, 0x7FF, OUT), 0, bytes(stx))
    assert _judged(s, "fcntl", (22, 1031, 8192), 8192)                 # F_SETPIPE_SZ
    assert _judged(s, "fcntl", (21, F_GETPIPE_SZ), 8192)
    assert not _judged(s, "fcntl", (21, F_GETPIPE_SZ), 4096)


def test_an_af_unix_socket_s_name_is_af_unix(s: Scene) -> None:
    # (fds 26 and 27 are the AF_UNIX pair made above)
    for size, family, ok in ((2, 1, True), (110, 1, True), (0, 1, False), (2, 0, False),
                             (111, 1, False)):
        _put(s, OUT + 112, struct.pack("<I", size))
        _put(s, OUT, struct.pack("<H", family))
        status = _resume(s, "getsockname", (26, OUT, OUT + 112), 0,
                         [(OUT, OUT + 112), (OUT + 112, OUT + 116)])
        assert (status == Status.OK) is ok, (size, family)


def test_msg_trunc_only_when_the_message_filled_the_buffer(s: Scene) -> None:
    msg, iov, buf = OUT, OUT + 64, OUT + 128
    _put(s, iov, struct.pack("<QQ", buf, 32))
    for ret, flags, asked, ok in ((32, 0x20, 0, True), (8, 0x20, 0, False), (8, 0, 0, True),
                                  (40, 0x20, 0x20, True)):      # MSG_TRUNC asked: real length
        _put(s, msg, struct.pack("<QQQQQQi", 0, 0, iov, 1, 0, 0, flags))
        # (the pair's other end sends what the receive reports: it delivers what was sent)
        assert _resume(s, "write", (27, buf, ret), ret, []) == Status.OK
        status = _resume(s, "recvmsg", (26, msg, asked), ret,
                         [(buf, buf + min(ret, 32)), (msg + 8, msg + 12), (msg + 40, msg + 52)])
        assert (status == Status.OK) is ok, (ret, flags, asked)
        if not ok:
            assert _refused_by(s, "return.range_table")
            # the refused receive consumed nothing: take its bytes honestly, so the pair
            # holds only what the next round sends (a stream receive takes all that waits)
            _put(s, msg, struct.pack("<QQQQQQi", 0, 0, iov, 1, 0, 0, 0))
            assert _resume(s, "recvmsg", (26, msg, 0), ret,
                           [(buf, buf + ret), (msg + 8, msg + 12), (msg + 40, msg + 52)]) \
                == Status.OK


def test_a_reason_never_quotes_a_value_from_program_memory(s: Scene) -> None:
    """The reason goes into the trace: it names offsets and ranges, not what the memory
    held (the kernel's answer there may be the program's own bytes)."""
    marked = 0x5EC2E7
    word = VA + 768
    assert _resume(s, "gettid", (), 41, []) == Status.OK
    _put(s, word, struct.pack("<I", marked))
    assert not _judged(s, "futex", (word, FUTEX_LOCK_PI_PRIVATE), 0)
    flock = struct.pack("<hh4xqqi4x", 0x5EC, 0, 0, 0, 0)
    assert not _judged(s, "fcntl", (3, F_GETLK, OUT), 0, flock)
    rec = struct.pack("<QqHB", 1, 1, 24, 0xE7) + b"a\0" + bytes(3)
    assert not _judged(s, "getdents64", (3, OUT, 256), 24, rec)
    reasons = [d.reason for d in s.g.decisions[-3:]]
    for shown in (f"{marked}", f"{marked:#x}", f"{0x5EC}", f"{0x5EC:#x}", "231", "0xe7"):
        assert not any(shown in r for r in reasons), (shown, reasons)


def test_arguments_linux_refuses_never_succeed(s: Scene) -> None:
    """set_robust_list's length, process_madvise's flags, PR_SET_THP_DISABLE's unused
    arguments: -EINVAL in Linux, so a success is not its answer (remap_file_pages' prot and
    flags, in the same table, need a shared area: tests/test_guardian_shared_by_design.py)."""
    head = VA + 1024
    assert _judged(s, "set_robust_list", (head, 24), 0)
    assert not _judged(s, "set_robust_list", (head, 16), 0)
    assert _judged(s, "set_robust_list", (head, 16), (1 << 64) - 22)       # -EINVAL
    assert _judged(s, "process_madvise", (3, VA, 1, 20, 0), 0)
    assert not _judged(s, "process_madvise", (3, VA, 1, 20, 1), 0)
    assert not _judged(s, "prctl", (41, 1, 1, 0, 0), 0)                     # PR_SET_THP_DISABLE
    assert _judged(s, "prctl", (41, 0, 0, 0, 0), 0)


@pytest.mark.parametrize(("name", "ok"), [
    (b"heap\0", True), (b"a b-c_d.e:f\0", True), (b"bad$name\0", False), (b"x[1]\0", False),
    (b"tab\there\0", False), (b"back`tick\0", False), (b"n" * 79 + b"\0", True),
    (b"n" * 80 + b"\0", False)])
def test_an_anonymous_area_name_is_one_linux_takes(s: Scene, name: bytes, ok: bool) -> None:
    where = VA + 3072
    _put(s, where, name)
    assert _judged(s, "prctl", (0x53564D41, 0, VA, 4096, where), 0) is ok, name
    assert _judged(s, "prctl", (0x53564D41, 0, VA, 4096, 0), 0)            # no name: cleared
    assert not _judged(s, "prctl", (0x53564D41, 1, VA, 4096, 0), 0)         # no such sub-option


def test_a_persona_and_the_thp_flag_read_back_as_set(s: Scene) -> None:
    """personality() answers the old persona (an unsigned int); PR_GET_THP_DISABLE the flag
    PR_SET_THP_DISABLE last set: only the program's own calls change them."""
    assert not _judged(s, "personality", (0xFFFF_FFFF,), 4 << 32)
    assert _judged(s, "personality", (0x0040000,), 0)                       # ADDR_NO_RANDOMIZE
    assert not _judged(s, "personality", (0xFFFF_FFFF,), 0x0400000)         # READ_IMPLIES_EXEC
    assert _judged(s, "personality", (0xFFFF_FFFF,), 0x0040000)             # a query sets none
    assert _judged(s, "personality", (0,), 0x0040000)
    assert _judged(s, "personality", (0xFFFF_FFFF,), 0)
    assert _judged(s, "prctl", (41, 1, 0, 0, 0), 0)
    assert not _judged(s, "prctl", (42, 0, 0, 0, 0), 0)
    assert _judged(s, "prctl", (42, 0, 0, 0, 0), 1)
    assert _judged(s, "prctl", (41, 0, 0, 0, 0), 0)
    assert _judged(s, "prctl", (42, 0, 0, 0, 0), 0)


def _rseq(s: Scene, args: tuple[int, ...], ret: int) -> bool:
    status = _resume(s, "rseq", args, ret, [])
    if status != Status.OK:
        assert _refused_by(s, "return.rseq_answer")
    return status == Status.OK


def test_a_thread_unregisters_only_the_rseq_area_it_registered(s: Scene) -> None:
    area, other, sig = VA + 1536, VA + 1600, 0x53053053
    neg = (1 << 64) - 1
    einval, eperm, ebusy = neg - 21, neg - 0, neg - 15

    def register(va: int) -> bool:      # (the Guardian stores cpu_id_start, cpu_id itself)
        return _rseq(s, (va, 32, 0, sig), 0)

    assert not _rseq(s, (area, 32, 1, sig), 0)                    # none registered
    assert _rseq(s, (area, 32, 1, sig), einval)
    _put(s, area, b"\xff" * 8)
    assert register(area)
    assert s.hw.ram.read(s.b + PAGES_A + (area - VA), 8) == bytes(8)   # cpu 0 stored
    assert not register(other)                                    # it has one
    assert _rseq(s, (other, 32, 0, sig), einval)
    assert _rseq(s, (area, 32, 0, sig), ebusy)                    # the same one again
    assert not _rseq(s, (area, 32, 0, sig), einval)
    assert _rseq(s, (area, 32, 0, sig + 1), eperm)
    assert not _rseq(s, (other, 32, 1, sig), 0)                   # not that one
    assert _rseq(s, (area, 32, 1, sig + 1), eperm)                # another signature
    assert _rseq(s, (area, 32, 1, sig), 0)
    assert s.hw.ram.read(s.b + PAGES_A + (area - VA), 8) == bytes(4) + b"\xff" * 4
    assert register(other)
    assert _rseq(s, (other, 32, 1, sig), 0)


def test_rseq_registration_answers_sys_rseqs_errors(s: Scene) -> None:
    sig, neg = 0x53053053, (1 << 64) - 1
    einval, efault = neg - 21, neg - 13
    for args in ((VA + 8, 32, 0, sig), (VA, 16, 0, sig), (VA, 32, 2, sig),
                 (VA + 16, 64, 0, sig), (VA, 32, 3, sig)):
        assert not _rseq(s, args, 0), args                        # misaligned, short, flags
        assert _rseq(s, args, einval), args
    assert not _rseq(s, (VA, 32, 0, sig), einval)                 # Linux accepts these
    assert _rseq(s, ((1 << 48) - 32, 64, 0, sig), efault)         # beyond access_ok()
    assert not _rseq(s, ((1 << 48) - 32, 64, 0, sig), 0)


def test_membarrier_answers_only_its_commands(s: Scene) -> None:
    assert _judged(s, "membarrier", (0, 0, 0), 0x1FF)                       # CMD_QUERY
    assert not _judged(s, "membarrier", (0, 0, 0), 0xF001)
    assert _judged(s, "membarrier", (1 << 9, 0, 0), 0x10)                   # GET_REGISTRATIONS
    assert not _judged(s, "membarrier", (1 << 9, 0, 0), 0xF0)               # not REGISTER_* bits


def test_a_clone_child_starts_with_its_creators_persona_and_no_new_privs() -> None:
    """dup_task_struct() copies task->personality and PFA_NO_NEW_PRIVS; copy_process()
    clears pdeath_signal: a child's answers are judged against those (an unknown creator's
    leaves them unjudged)."""
    s = _fresh()
    stated, root = s.g.conf.descriptors.stated, s.b + ROOT_A
    stated.threads[(root, 2)] = {"persona": 0x0040000, "no_new_privs": 1}
    stated.threads.pop((root, 1), None)
    stated.note_clone(root, 2, 0, 1)                    # thread 1 is the new child
    assert not _judged(s, "personality", (0xFFFF_FFFF,), 0)
    assert _judged(s, "personality", (0xFFFF_FFFF,), 0x0040000)
    assert not _judged(s, "prctl", (PR_GET_NO_NEW_PRIVS,), 0)
    assert _judged(s, "prctl", (PR_GET_NO_NEW_PRIVS,), 1)
    stated.threads.pop((root, 1), None)
    stated.note_clone(root, 3, 0, 1)                    # a creator the Guardian knows nothing of
    assert _judged(s, "personality", (0xFFFF_FFFF,), 0)
    assert _judged(s, "prctl", (PR_GET_NO_NEW_PRIVS,), 0)


def test_a_clone_child_has_no_parent_death_signal_until_it_sets_one() -> None:
    s = _fresh()
    stated, root = s.g.conf.descriptors.stated, s.b + ROOT_A
    stated.threads[(root, 2)] = {}
    assert _judged(s, "prctl", (PR_GET_PDEATHSIG, OUT), 0, struct.pack("<i", 12))  # unknown
    stated.threads.pop((root, 1), None)
    stated.note_clone(root, 2, 0, 1)
    assert not _judged(s, "prctl", (PR_GET_PDEATHSIG, OUT), 0, struct.pack("<i", 12))
    assert _judged(s, "prctl", (PR_GET_PDEATHSIG, OUT), 0, struct.pack("<i", 0))
    assert _judged(s, "prctl", (PR_SET_PDEATHSIG, 12), 0)
    assert _judged(s, "prctl", (PR_GET_PDEATHSIG, OUT), 0, struct.pack("<i", 12))


def test_a_fork_child_gets_its_facts_in_its_own_space() -> None:
    s = _fresh()
    stated, root = s.g.conf.descriptors.stated, s.b + ROOT_A
    stated.threads[(root, 2)] = {"persona": 8, "persona_clearable": True}
    stated.note_clone(root, 2, 0xABC000, 9)
    assert stated.threads[(0xABC000, 9)] == {"persona": 8, "persona_clearable": True,
                                             "pdeath_signal": 0}


def test_a_no_new_privs_set_a_filter_may_have_answered_is_not_kept() -> None:
    """A seccomp filter's SECCOMP_RET_ERRNO with 0 answers PR_SET_NO_NEW_PRIVS without
    task_set_no_new_privs(): PR_GET_NO_NEW_PRIVS (and status's NoNewPrivs) may say 0."""
    s = _fresh()
    s.g.conf.returns.results.facts.filter_domains.add(1)          # the program installed a filter
    assert _judged(s, "prctl", (38, 1), 0)                  # PR_SET_NO_NEW_PRIVS
    assert "no_new_privs" not in s.g.conf.descriptors.stated.threads.get((s.b + ROOT_A, 1), {})
    assert _judged(s, "prctl", (PR_GET_NO_NEW_PRIVS,), 0)
