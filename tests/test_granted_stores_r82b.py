"""Round 82b's output-pointer calls (AA-006..AA-025): a call with a row in the capability
table stores only at its write grants as fixed by the registers it entered with
(guardian/granted_stores.py, `cut.output_stores`, for set_pt.cut_writable): NULL outputs
store nothing, each output call its own buffer, prctl per option, futex per command; a
grant read from user memory, ioctl and execve stay "may store anywhere".  Each family
with the honest neighbour: the call that really stores at the page opens it."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian import checks, granted_stores
from guardian.capabilities import CAP_TABLE
from guardian.checks import Refused
from guardian.cut_writable import _writes_page, check
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, PAGE_VA = 0x4000_0000, 0x7000_2000
OTHER = 0x4920D0                      # a static buffer elsewhere (the victim's `out`)


def _slot(nr: int, args: tuple[int, ...], root: int = ROOT) -> Slot:
    args = tuple(args) + (0,) * (6 - len(args))
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=root, thread=0)


def _space() -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(0)
    return Space(sole_views=[(PAGE_VA, PAGE_VA + PAGE, view, 0)])  # type: ignore[arg-type]


def _opens(slot: Slot) -> bool:
    return _writes_page(slot, ROOT, PAGE_VA)


def test_null_outputs_store_nothing() -> None:
    """AA-006..AA-008: SYSCALL_DEFINE4(rt_sigaction) stores only at oact,
    rt_sigprocmask only at oset (`if (oset) copy_to_user()`); NULL here.  Neighbour: the
    old action or set asked for at the page."""
    sa, sp = N["rt_sigaction"], N["rt_sigprocmask"]
    assert not _opens(_slot(sa, (10, PAGE_VA, 0, 8)))           # act read at the page
    assert not _opens(_slot(sp, (0, PAGE_VA, 0, 8)))
    assert _opens(_slot(sa, (10, 0, PAGE_VA + 8, 8)))
    assert _opens(_slot(sp, (0, 0, PAGE_VA - 4, 8)))            # 8 bytes across
    assert not _opens(_slot(sp, (0, 0, PAGE_VA - 8, 8)))        # ends below the page


def test_fixed_size_outputs_store_only_their_struct() -> None:
    """AA-009..AA-012, AA-014, AA-015, AA-017, AA-018, AA-020..AA-023, AA-025: each call's
    copy_to_user()/put_user() of its struct (put_timespec64(), newuname(), do_sysinfo(),
    do_sys_times(), getrusage(), cp_new_stat(), cp_statx(), prlimit64's old_rlim,
    getresuid's three words, do_sigaltstack()'s uoss, gettimeofday's tv and tz)."""
    calls = {  # name: (args with the output elsewhere, args with it at the page)
        "clock_gettime": ((1, OTHER), (1, PAGE_VA)),
        "clock_getres": ((1, OTHER), (1, PAGE_VA + PAGE - 1)),
        "uname": ((OTHER,), (PAGE_VA - 389,)),                  # 390 bytes: its last one
        "sysinfo": ((OTHER,), (PAGE_VA,)),
        "times": ((OTHER,), (PAGE_VA,)),
        "gettimeofday": ((OTHER, 0), (OTHER, PAGE_VA)),         # tz asked for at the page
        "getrusage": ((0, OTHER), (0, PAGE_VA)),
        "fstat": ((4, OTHER), (4, PAGE_VA)),
        "statx": ((4, PAGE_VA, 0x1000, 0x7FF, OTHER), (4, OTHER, 0x1000, 0x7FF, PAGE_VA)),
        "prlimit64": ((0, 3, PAGE_VA, OTHER), (0, 3, 0, PAGE_VA)),   # new_rlim only read
        "getresuid": ((OTHER, OTHER + 4, OTHER + 8), (OTHER, PAGE_VA, OTHER + 8)),
        "sigaltstack": ((PAGE_VA, OTHER), (0, PAGE_VA)),        # ss only read
    }
    for name, (elsewhere, at) in calls.items():
        assert not _opens(_slot(N[name], elsewhere)), name
        assert _opens(_slot(N[name], at)), name
    assert not _opens(_slot(N["uname"], (PAGE_VA - 390,)))
    # another tree's call stores in its own (uaccess.slot_tree)
    assert not _writes_page(_slot(N["sysinfo"], (PAGE_VA,), root=ROOT + 1), ROOT, PAGE_VA)


def test_register_lengths_bound_the_output() -> None:
    """AA-013 getcwd(buf, size): copy_to_user(buf, cwd, len) with len <= size; AA-019
    sched_getaffinity(pid, len, mask): copy_to_user(mask, ..., min(len, ...)); a tagged
    pointer stores at its untagged address (TBI)."""
    getcwd, aff = N["getcwd"], N["sched_getaffinity"]
    assert not _opens(_slot(getcwd, (PAGE_VA - 256, 256)))
    assert _opens(_slot(getcwd, (PAGE_VA - 256, 257)))
    assert not _opens(_slot(aff, (0, 128, OTHER)))
    assert _opens(_slot(aff, (0, 128, PAGE_VA + 64)))
    assert _opens(_slot(N["clock_gettime"], (1, 0x2A << 56 | PAGE_VA)))


def test_prctl_per_option_and_futex_per_command() -> None:
    """AA-016 prctl(PR_GET_NAME, name): copy_to_user(arg2, comm, 16); PR_SET_NAME only
    reads; AA-024 futex_wake() stores nothing, FUTEX_WAKE_OP stores at uaddr2 only
    (futex_atomic_op_inuser()), FUTEX_LOCK_PI at uaddr."""
    prctl, futex = N["prctl"], N["futex"]
    assert not _opens(_slot(prctl, (16, OTHER)))
    assert _opens(_slot(prctl, (16, PAGE_VA + 4090)))
    assert not _opens(_slot(prctl, (15, PAGE_VA)))              # PR_SET_NAME reads
    assert not _opens(_slot(futex, (PAGE_VA, 129, 1)))          # FUTEX_WAKE_PRIVATE
    # (private: a shared one keys uaddr with get_user_pages_fast(FOLL_WRITE): rv82b)
    assert not _opens(_slot(futex, (PAGE_VA, 133, 1, 1, OTHER)))  # WAKE_OP: uaddr2 only
    assert _opens(_slot(futex, (OTHER, 5, 1, 1, PAGE_VA)))
    assert _opens(_slot(futex, (PAGE_VA, 6)))                   # FUTEX_LOCK_PI


def test_unbounded_grants_still_open_every_page() -> None:
    """A grant whose extent is read from user memory (getsockopt's socklen_t, readv's
    iovecs, recvmsg's header) may change under another thread; ioctl (UFFDIO_COPY:
    mfill_atomic()) and execve are not bounded by their grants; a call with no row
    (process_vm_readv) neither: each stays "may store anywhere"."""
    for name, args in (("getsockopt", (3, 1, 2, OTHER, OTHER + 64)),
                       ("readv", (3, OTHER, 1)), ("recvmsg", (3, OTHER, 0)),
                       ("ioctl", (3, 0xC028AA03, OTHER)), ("execve", (OTHER, 0, 0)),
                       ("process_vm_readv", (1, OTHER, 1, OTHER, 1, 0))):
        assert _opens(_slot(N[name], args)), name
    assert granted_stores.store_ranges(N["recvfrom"], (3, OTHER, 8, 0, 0, 0)) is None


def test_table_is_the_source() -> None:
    """Every CAP_TABLE call is bounded by its row or named as not bounded: a call
    nobody listed in cut_writable is covered by the table."""
    for name, rules in CAP_TABLE.items():
        if name not in N:
            continue
        bounded = N[name] in granted_stores.BOUNDED
        # ("mmsghdr" and "clone_args" grant stores whatever their access: rv82b)
        register_only = all(r.kind not in ("mmsghdr", "clone_args") and (
            not r.access & 2 or r.kind == "buf" and (
                isinstance(r.size, int) or r.size[0] != "deref32")) for r in rules)
        assert bounded == (register_only and name not in ("ioctl", "execve", "clone")), name


def test_refused_at_set_pt_and_mutation_reopens() -> None:
    """End to end: a writable refault at the view's empty page while clock_gettime()
    stores elsewhere is refused (set_pt.cut_writable); the honest neighbour storing at
    the page passes; with cut.output_stores removed the call opens every page again."""
    space = _space()
    slot = _slot(N["clock_gettime"], (1, OTHER))
    with pytest.raises(Refused):
        check(space, [slot], 1, ROOT, PAGE_VA)
    check(space, [_slot(N["clock_gettime"], (1, PAGE_VA + 16))], 1, ROOT, PAGE_VA)
    old = checks.MUTATED
    checks.MUTATED = "cut.output_stores"
    try:
        check(space, [slot], 1, ROOT, PAGE_VA)
    finally:
        checks.MUTATED = old
