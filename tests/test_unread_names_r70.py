"""Round 70's unread names (guardian/unread_names.py): which NULL names are the
descriptor, which addresses access_ok() refuses, which utimensat() reads no name, and
which pages fault before a NUL."""

from __future__ import annotations

from types import SimpleNamespace

from abi.layout import USER_TOP
from abi.syscalls import NUMBERS
from guardian import long_names, unread_names
from guardian.path_names import NAME_ARGS
from guardian.slots import Slot, Space
from guardian.tagged_abi import TaggedAbi

PAGE = 4096
AT_FDCWD = (1 << 64) - 100
UTIME_OMIT = (1 << 30) - 2


def _slot(nr: str, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS[nr], args=args, root=7)


def test_the_mount_calls_take_their_names() -> None:
    for name, args in (("open_tree", (1,)), ("move_mount", (1, 3)), ("fspick", (1,)),
                       ("mount", (1,)), ("umount2", (0,)), ("pivot_root", (0, 1)),
                       ("swapon", (0,)), ("swapoff", (0,)), ("acct", (0,)),
                       ("quotactl", (1,))):
        assert NAME_ARGS[NUMBERS[name]] == args
    # (mount_setattr() answers 0 for an empty mount_attr before it reads its name)
    assert NUMBERS["mount_setattr"] not in NAME_ARGS


def test_null_is_the_descriptor_only_where_the_call_takes_it_so() -> None:
    assert unread_names.null_read(_slot("openat", AT_FDCWD, 0, 2, 0), 1)
    assert unread_names.null_read(_slot("utimensat", AT_FDCWD, 0, 0, 0), 1)
    assert not unread_names.null_read(_slot("utimensat", 3, 0, 0, 0), 1)
    # (do_utimes(): NULL is the descriptor past AT_FDCWD only, and there flags -EINVAL)
    assert unread_names.null_read(_slot("utimensat", AT_FDCWD, 0, 0, 0x1000), 1)
    assert unread_names.null_read(_slot("utimensat", 3, 0, 0, 0x1000), 1)
    assert unread_names.null_read(_slot("newfstatat", 3, 0, 0x1000, 0), 1)
    assert not unread_names.null_read(_slot("newfstatat", 3, 0, 0x1000, 0x1000), 1)
    assert not unread_names.null_read(_slot("statx", 3, 0, 0x1000, 0, 0), 1)
    # (getname_uflags() / getname_flags(): LOOKUP_EMPTY lets "" through, not NULL)
    assert unread_names.null_read(_slot("linkat", 3, 0, AT_FDCWD, 0x1000, 0x1000), 1)
    for name, args in (("readlinkat", (3, 0, 0x1000, 64)),
                       ("faccessat2", (3, 0, 0, 0x1000)),
                       ("fchownat", (3, 0, 0, 0, 0x1000)),
                       ("fchmodat2", (3, 0, 0, 0x1000)),
                       ("name_to_handle_at", (3, 0, 0x1000, 0x2000, 0x1000)),
                       ("open_tree", (3, 0, 0x1000)), ("fspick", (3, 0, 8))):
        assert unread_names.null_read(_slot(name, *args), 1), name
    assert unread_names.null_read(_slot("linkat", 3, 0x1000, AT_FDCWD, 0, 0x1000), 3)
    assert not unread_names.null_read(_slot("acct", 0), 0)
    # QCMD(Q_SYNC, type) = Q_SYNC << 8 | type (SYSCALL_DEFINE4(quotactl): type >=
    # MAXQUOTAS -EINVAL, a NULL special other than Q_SYNC's -ENODEV)
    assert not unread_names.null_read(_slot("quotactl", 0x8000_0100, 0, 0, 0), 1)
    assert not unread_names.null_read(_slot("quotactl", 0x8000_0102, 0, 0, 0), 1)
    assert unread_names.null_read(_slot("quotactl", 0x8000_0300, 0, 0, 0), 1)
    assert unread_names.null_read(_slot("quotactl", 0x8000_0105, 0, 0, 0), 1)
    assert unread_names.null_read(_slot("quotactl", 0x800001, 0, 0, 0), 1)
    assert not unread_names.null_read(_slot("move_mount", 3, 0, AT_FDCWD, 0x1000, 4), 1)


def test_access_ok_untags_only_under_the_threads_tagged_abi() -> None:
    slot = _slot("openat", AT_FDCWD, 0, 2, 0)
    tagged = (0x01 << 56) | 0x10000
    abi = TaggedAbi()
    assert unread_names.out_of_reach(slot, tagged, abi)
    assert not unread_names.out_of_reach(slot, USER_TOP - PAGE, abi)
    abi.note_prctl(_slot("prctl", 55, 1, 0, 0, 0), 0)       # PR_TAGGED_ADDR_ENABLE
    assert not unread_names.out_of_reach(slot, tagged, abi)
    assert unread_names.out_of_reach(slot, USER_TOP, abi)
    assert unread_names.out_of_reach(slot, (1 << 55) | 0x10000, abi)
    abi.note_prctl(_slot("prctl", 55, 0, 0, 0, 0), 0)       # off again
    assert unread_names.out_of_reach(slot, tagged, abi)


class _Registry:
    def __init__(self) -> None:
        self.domains: dict[int, object] = {}
        self.slots: dict[int, Slot] = {}
        self.user_runs: dict[int, int] = {}


def test_utimensat_reads_no_name_under_utime_omit_or_unread_times() -> None:
    times = 0x10000
    omit = (b"\0" * 8 + UTIME_OMIT.to_bytes(8, "little")) * 2

    class _Mem:
        def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
            return omit[:n] if va == times else None

    files, reg = SimpleNamespace(memory=_Mem()), _Registry()
    assert unread_names.names_read(files, reg, _slot("utimensat", AT_FDCWD, 0x20000, 0, 0))
    assert not unread_names.names_read(files, reg, _slot("utimensat", AT_FDCWD, 0x20000,
                                                         times + PAGE, 0))
    # (the times read but the domain unknown: not quiet, so no name judged)
    assert not unread_names.names_read(files, reg, _slot("utimensat", AT_FDCWD, 0x20000,
                                                         times, 0))
    assert unread_names.names_read(files, reg, _slot("openat", AT_FDCWD, 0x20000, 2, 0))


def test_a_prot_none_page_faults_before_the_nul() -> None:
    base = 0x10000

    class _Mem:
        def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
            if base <= va < base + PAGE:
                return b"/" * n
            return b"\0" * n if base + PAGE <= va < base + 2 * PAGE else None

    files = SimpleNamespace(memory=_Mem())
    space = Space()
    slot = _slot("openat", AT_FDCWD, base + PAGE - 200, 2, 0)
    va = base + PAGE - 200
    assert long_names._uncopied(files, space, slot, va) is None
    space.set_protection(base + PAGE, base + 2 * PAGE, 0)
    assert long_names._uncopied(files, space, slot, va) == base + PAGE
    space.set_protection(base + PAGE, base + 2 * PAGE, None)
    assert long_names._uncopied(files, space, slot, va) is None


def test_a_memfd_page_past_the_size_its_ftruncate_gave_does_not_fault() -> None:
    """memfd_sizes is a floor: a write() grows the file past it unseen, and shmem_fault()
    maps every page below the real size, so a name there may be read whole."""
    space = SimpleNamespace(protections=[], share_at=lambda va: (object(), 0))
    assert not unread_names.faults_at(space, 0x10000)  # type: ignore[arg-type]


def test_a_null_name_is_judged_only_where_page_zero_stayed_unmapped() -> None:
    """Another thread may have mapped page 0 (MAP_FIXED, CAP_SYS_RAWIO) before the copy
    and unmapped it since: only where no thread of the tree ran user code since the
    entry is the NULL name known unreadable at the copy."""
    from guardian.tagged_abi import TaggedAbi
    files = SimpleNamespace(memory=SimpleNamespace(read=lambda va, n, root=None: None))
    slot = _slot("openat", AT_FDCWD, 0, 2, 0)
    dom = SimpleNamespace(spaces={slot.root: Space()})
    reg = SimpleNamespace(domains={slot.domain: dom}, slots={slot.id: slot},
                          user_runs={slot.root: 5})
    slot.runs_at_entry = {slot.root: 5}
    assert long_names._unreadable(files, reg, slot, 0, 1, TaggedAbi())
    reg.user_runs[slot.root] = 6
    assert not long_names._unreadable(files, reg, slot, 0, 1, TaggedAbi())


def test_null_under_a_negative_dfd_other_than_at_fdcwd_fails() -> None:
    # (getname_maybe_null() gives NULL, the descriptor only where dfd >= 0; dfd -1: -EBADF,
    # -EFAULT before 6.12; do_utimes_fd(-1): -EBADF)
    minus1 = (1 << 64) - 1
    assert unread_names.null_read(_slot("statx", minus1, 0, 0x1000, 0x7FF, 0), 1)
    assert unread_names.null_read(_slot("newfstatat", minus1, 0, 0, 0x1000), 1)
    assert unread_names.null_read(_slot("utimensat", minus1, 0, 0, 0), 1)
    assert unread_names.null_read(_slot("move_mount", minus1, 0, AT_FDCWD, 0, 4), 1)
    assert unread_names.null_read(_slot("move_mount", 3, 0, minus1, 0, 0x40), 3)
    assert not unread_names.null_read(_slot("move_mount", 3, 0, AT_FDCWD, 0, 0x44), 3)
    # (AT_FDCWD looks "" up at the working directory from 6.12: a success may be honest)
    assert not unread_names.null_read(_slot("statx", AT_FDCWD, 0, 0x1000, 0x7FF, 0), 1)
    assert not unread_names.null_read(_slot("newfstatat", AT_FDCWD, 0, 0, 0x1000), 1)
