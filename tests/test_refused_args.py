"""guardian/refused_args.py: successes Linux never gives for the arguments alone, and
the arguments it can answer 0 to."""

from __future__ import annotations

from abi.hwcaps import AT_HWCAP2
from abi.syscalls import NUMBERS as NR
from guardian.descriptor_args import DFD_ARGS, DFD_CALLS, EXCEPTIONS, FD_ARGS, FD_CALLS
from guardian.refused_args import NEGATIVE_FD_CALLS, mm_refused
from guardian.slots import Space

P = 0x4000_0000
HIGH = 0xFF80_0000_4000_0000          # (bit 55 set: untagged_addr() keeps it a kernel address)


def _space(hwcap2: int | None = 0) -> Space:
    s = Space()
    s.auxv = () if hwcap2 is None else ((AT_HWCAP2, hwcap2),)
    return s


def test_mprotect_refused_before_any_area() -> None:
    s = _space()
    for args in ((P, 4096, 3 | 0x20), (P, 4096, 3 | 0x10), (P, 4096, 3 | 1 << 32),
                 (P, 4096, 0x0300_0003), (P + 8, 4096, 3), (P, -4096 % (1 << 64), 3),
                 (HIGH, 4096, 3), (P, 4096, 0x0200_0003)):
        assert mm_refused(s, NR["mprotect"], args), args
    assert mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 5))


def test_mprotect_linux_can_answer_0() -> None:
    s = _space()
    for args in ((P, 4096, 3 | 8), (P, 0, 3 | 0x100), (HIGH, 0, 3), (P, 4096, 0x0100_0003)):
        assert not mm_refused(s, NR["mprotect"], args), args
    assert not mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 0))
    assert not mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 0xFFFF_FFFF))
    # (a CPU whose auxiliary vector is not known: PROT_MTE and PROT_BTI may be valid)
    assert not mm_refused(_space(None), NR["mprotect"], (P, 4096, 3 | 0x30))


def test_other_memory_calls() -> None:
    s = _space()
    assert mm_refused(s, NR["munmap"], (P + 8, 4096))
    assert mm_refused(s, NR["munmap"], (HIGH, 4096))
    assert not mm_refused(s, NR["munmap"], (P, 4096))
    assert mm_refused(s, NR["madvise"], (HIGH, 4096, 4))
    assert not mm_refused(s, NR["madvise"], (HIGH, 0, 4))
    assert mm_refused(s, NR["mlock"], (HIGH, 4096))
    assert not mm_refused(s, NR["mlock"], (HIGH, 0))
    assert mm_refused(s, NR["msync"], (HIGH, 4096, 4))
    assert not mm_refused(s, NR["msync"], (HIGH, 0, 4))
    assert mm_refused(s, NR["mincore"], (HIGH, 0, P))
    assert not mm_refused(s, NR["mincore"], (P, 4096, P))


def test_wrapping_ranges_and_unknown_advice() -> None:
    s = _space()
    wrap = -8192 % (1 << 64)
    assert mm_refused(s, NR["madvise"], (P, 4096, 77))          # madvise_behavior_valid()
    assert mm_refused(s, NR["madvise"], (P, 0, 6))
    for name, args in (("madvise", (P, wrap, 0)), ("msync", (P, wrap, 4)),
                       ("mlock", (P, wrap)), ("munlock", (P, wrap)),
                       ("mlock2", (P, wrap, 0)), ("munmap", (P, wrap))):
        assert mm_refused(s, NR[name], args), name
    # advice every 6.x version knows, with bit 32 above the int; MLOCK_ONFAULT; a length
    # PAGE_ALIGN() wraps to 0 for msync() and mlock() (end == start: 0)
    for advice in (0, 3, 4, 8, 25, 100, 103, 1 << 32 | 3):
        assert not mm_refused(s, NR["madvise"], (P, 4096, advice)), advice
    assert not mm_refused(s, NR["msync"], (P, (1 << 64) - 1, 4))
    assert not mm_refused(s, NR["mlock"], (P, (1 << 64) - 1))
    assert not mm_refused(s, NR["mlock2"], (P, 4096, 1))
    assert not mm_refused(s, NR["msync"], (P, 4096, 1 << 32 | 4))


def test_descriptor_table_leaves_the_exceptions_out() -> None:
    # AT_FDCWD and absolute names (path_init()), mmap's MAP_ANONYMOUS, perf_event_open's
    # group -1, close_range's unsigned bounds, signalfd4's -1: never judged as descriptors
    for name in ("mmap", "perf_event_open", "close_range", "signalfd4", "openat",
                 "newfstatat", "faccessat"):
        if name in NR:
            assert NR[name] not in FD_CALLS, name
    assert FD_CALLS[NR["fanotify_mark"]] == (0,)            # (its dfd is not judged)
    assert not set(FD_ARGS) & set(EXCEPTIONS) and not set(DFD_ARGS) & set(EXCEPTIONS)
    assert not set(FD_ARGS) & set(DFD_ARGS)


#: every call of the asm-generic table with a descriptor argument (an `int fd`, `int dfd`,
#: `unsigned int fd`, `int sockfd`, `int pidfd`... in its SYSCALL_DEFINEn)
DESCRIPTOR_CALLS = (
    "io_uring_enter io_uring_register fsetxattr fgetxattr flistxattr fremovexattr "
    "epoll_ctl epoll_pwait epoll_pwait2 dup dup3 fcntl inotify_add_watch inotify_rm_watch "
    "ioctl flock mknodat mkdirat unlinkat symlinkat linkat renameat renameat2 fstatfs "
    "ftruncate fallocate faccessat faccessat2 fchdir fchmod fchmodat fchmodat2 fchownat "
    "fchown openat openat2 close close_range getdents64 lseek read write readv writev "
    "pread64 pwrite64 preadv pwritev preadv2 pwritev2 sendfile vmsplice splice tee "
    "copy_file_range readlinkat newfstatat fstat statx fsync fdatasync sync_file_range "
    "syncfs timerfd_settime timerfd_gettime utimensat signalfd4 mq_timedsend "
    "mq_timedreceive mq_notify mq_getsetattr bind listen accept accept4 connect "
    "getsockname getpeername sendto recvfrom setsockopt getsockopt shutdown sendmsg "
    "recvmsg sendmmsg recvmmsg readahead fadvise64 mmap perf_event_open fanotify_mark "
    "name_to_handle_at open_by_handle_at setns finit_module kexec_file_load kcmp waitid "
    "bpf execveat pidfd_send_signal pidfd_getfd process_madvise process_mrelease "
    "io_uring_setup open_tree move_mount fsconfig fsmount fspick mount_setattr "
    "landlock_add_rule landlock_restrict_self quotactl_fd cachestat").split()


def test_every_descriptor_call_is_judged_or_excepted() -> None:
    for name in DESCRIPTOR_CALLS:
        if name in NR:
            assert name in FD_ARGS or name in DFD_ARGS or EXCEPTIONS.get(name), name
    for name in (*FD_ARGS, *DFD_ARGS, *EXCEPTIONS):
        assert name in NR, name
    from guardian.descriptor_args import PARTIAL_CALLS
    assert set(FD_CALLS) | set(DFD_CALLS) | set(PARTIAL_CALLS) == NEGATIVE_FD_CALLS


def test_sentinel_descriptors_are_left_alone() -> None:
    """PIDFD_SELF_* only for the pidfd of the pidfd calls; fdget() knows no sentinel."""
    import pytest

    from guardian.checks import Refused
    from guardian.descriptor_args import SENTINELS
    from guardian.refused_args import _negative, check_fd
    from guardian.slots import Slot
    assert _negative(-1 % (1 << 64)) and _negative(-5 % (1 << 32))
    for fd in (-10000, -10001):                       # PIDFD_SELF_* (6.15's switch)
        assert not _negative(fd % (1 << 64), SENTINELS["pidfd_send_signal"][0]), fd
    for fd in (-10000, -10001, -20000):               # pidfd_get_task() (6.14: -20000)
        assert not _negative(fd % (1 << 64), SENTINELS["process_madvise"][0]), fd
    assert "pidfd_getfd" not in SENTINELS             # fdget() / pidfd_get_pid()
    assert _negative(-20000 % (1 << 64), SENTINELS["pidfd_send_signal"][0])
    for fd in (-10000, -10001, -10002, -10003, -20000):
        assert _negative(fd % (1 << 64)), fd
    assert not _negative(1 << 32 | 3)                 # (bit 32 above the int)
    me, root = -10000 % (1 << 32), -10002 % (1 << 32)
    for call, args in (("pidfd_send_signal", (me, 0, 0, 0, 0, 0)),
                       ("process_madvise", (me, 0x1000, 1, 0, 0, 0)),
                       ("process_mrelease", (-10001 % (1 << 32), 0, 0, 0, 0, 0))):
        check_fd(_Name(b"x"), Slot(1, 1, None, 0, NR[call], args, 1, 1), 0, lambda *_: True)
    for call, args in (("close", (me, 0, 0, 0, 0, 0)),
                       ("pidfd_send_signal", (root, 0, 0, 0, 0, 0)),
                       ("pidfd_getfd", (me, me, 0, 0, 0, 0)),
                       ("pidfd_getfd", (me, 3, 0, 0, 0, 0)),
                       ("pidfd_getfd", (-20000 % (1 << 32), 3, 0, 0, 0, 0)),
                       ("faccessat", (root, 0x1000, 0, 0, 0, 0))):
        with pytest.raises(Refused):
            check_fd(_Name(b"x"), Slot(1, 1, None, 0, NR[call], args, 1, 1), 0,
                     lambda *_: True)


def test_partial_descriptor_calls() -> None:
    """open_by_handle_at's mount_fd, kcmp's KCMP_FILE indices, perf_event_open's group_fd:
    their anchors and 'none' values pass, any other negative value is refused."""
    import pytest

    from guardian.checks import Refused
    from guardian.refused_args import check_fd
    from guardian.slots import Slot

    def judge(call: str, args: tuple[int, ...]) -> None:
        check_fd(_Name(b"x"), Slot(1, 1, None, 0, NR[call], args, 1, 1), 0, lambda *_: True)
    m = 1 << 64
    for call, args in (("open_by_handle_at", (-100 % m, 0x1000, 0, 0, 0, 0)),
                       ("open_by_handle_at", (-10002 % m, 0x1000, 0, 0, 0, 0)),
                       ("open_by_handle_at", (-10003 % m, 0x1000, 0, 0, 0, 0)),
                       ("open_by_handle_at", (3, 0x1000, 0, 0, 0, 0)),
                       ("kcmp", (1, 1, 0, 3, 4, 0)),
                       ("kcmp", (1, 1, 1, -10000 % m, -10000 % m, 0)),   # KCMP_VM
                       ("kcmp", (1, 1, 7, 3, -1 % m, 0)),              # idx2: a pointer
                       ("perf_event_open", (0x1000, 0, -1 % m, -1 % m, 0, 0)),
                       ("perf_event_open", (0x1000, 0, -1 % m, 4, 0, 0)),
                       ("perf_event_open", (0x1000, -1 % m, 0, -1 % m, 0, 0)),
                       ("perf_event_open", (0x1000, 3, 0, -1 % m, 4, 0))):    # a cgroup
        judge(call, args)
    for call, args in (("open_by_handle_at", (-10009 % m, 0x1000, 0, 0, 0, 0)),
                       ("open_by_handle_at", (-1 % m, 0x1000, 0, 0, 0, 0)),
                       ("kcmp", (1, 1, 0, -10000 % m, 3, 0)),
                       ("kcmp", (1, 1, 0, 3, -10000 % m, 0)),
                       ("kcmp", (1, 1, 7, -1 % m, 0, 0)),
                       ("perf_event_open", (0x1000, 0, -1 % m, -10000 % m, 0, 0)),
                       ("perf_event_open", (0x1000, -1 % m, -1 % m, -1 % m, 0, 0)),
                       ("perf_event_open", (0x1000, -5 % m, 0, -1 % m, 4, 0))):
        with pytest.raises(Refused):
            judge(call, args)


class _Name:
    """A name's first byte as read at the return."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def read(self, va: int, n: int, root: int) -> bytes:
        return self.first


def test_negative_dfd_name_rewritten_by_another_thread() -> None:
    """openat(-5, name) where another thread may have rewritten the name since getname()
    copied it ("/tmp/x" then "x"): the relative name read at the return is no proof."""
    import pytest

    from guardian.checks import Refused
    from guardian.refused_args import check_fd
    from guardian.slots import Slot
    slot = Slot(1, 1, None, 0, NR["openat"], (0xFFFF_FFFB, 0x1000, 0, 0, 0, 0), 1, 1)
    check_fd(_Name(b"x"), slot, 3, lambda *_: False)             # (not quiet: let through)
    with pytest.raises(Refused):
        check_fd(_Name(b"x"), slot, 3, lambda *_: True)
    check_fd(_Name(b"/"), slot, 3, lambda *_: True)


class _Times:
    """A relative name at 0x1000; at 0x2000 utimensat's times as read at the return."""

    def __init__(self, times: bytes) -> None:
        self.times = times

    def read(self, va: int, n: int, root: int) -> bytes:
        return self.times[:n] if va == 0x2000 else b"x"


def test_negative_dfd_utimensat_times_rewritten_by_another_thread() -> None:
    """utimensat(-5, "x", times, 0) that SYSCALL_DEFINE4(utimensat) copied as two
    UTIME_OMIT (0 before any look-up) while another thread rewrites them: the times read
    at the return are no proof unless they lay quiet through the call."""
    import struct

    import pytest

    from guardian.checks import Refused
    from guardian.refused_args import check_fd
    from guardian.slots import Slot
    slot = Slot(1, 1, None, 0, NR["utimensat"], (0xFFFF_FFFB, 0x1000, 0x2000, 0, 0, 0), 1, 1)
    now = _Times(struct.pack("<qqqq", 0, 5, 0, 5))
    check_fd(now, slot, 0, lambda addr, n: addr != 0x2000)     # (the times not quiet)
    with pytest.raises(Refused):
        check_fd(now, slot, 0, lambda *_: True)
    check_fd(_Times(struct.pack("<qqqq", 0, (1 << 30) - 2, 0, (1 << 30) - 2)), slot, 0,
             lambda *_: True)
