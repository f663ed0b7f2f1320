"""`cut.output_stores` (guardian/granted_stores.py): a CAP_TABLE
rule whose kind is not a plain buffer may grant stores although its own access is R --
sendmmsg's "mmsghdr" grants each entry's msg_len (__sys_sendmmsg(): put_user(err,
&entry->msg_len)), clone3's "clone_args" the CLONE_PIDFD word (copy_process():
put_user(pidfd, args->pidfd)) and guardian.tid_words the CLONE_PARENT_SETTID word
(kernel_clone(): put_user(nr, args->parent_tid)).  Such a call may write-fault a page
the table's W buffers do not name: it must stay "may store anywhere"."""

from __future__ import annotations

from abi.syscalls import NUMBERS as N
from guardian import granted_stores
from guardian.capabilities import CAP_TABLE, W, expand
from guardian.cut_writable import _writes_page
from guardian.slots import Slot

ROOT, PAGE_VA = 0x4000_0000, 0x7000_2000
OTHER = 0x4920D0


def _slot(nr: int, args: tuple[int, ...]) -> Slot:
    args = tuple(args) + (0,) * (6 - len(args))
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)


def test_sendmmsg_msg_len_store_opens_its_page() -> None:
    """sendmmsg(fd, msgvec at the page, 1, 0): Linux reads the header (a read fault maps
    the file's page read-only) then put_user()s msg_len there (a write fault copies it)."""
    assert _writes_page(_slot(N["sendmmsg"], (3, PAGE_VA, 1, 0)), ROOT, PAGE_VA)


def test_clone3_tid_and_pidfd_words_open_their_page() -> None:
    """clone3 with CLONE_PARENT_SETTID or CLONE_PIDFD stores at a word its clone_args
    (user memory) name: the registers do not bound it."""
    assert _writes_page(_slot(N["clone3"], (OTHER, 88)), ROOT, PAGE_VA)


def test_every_bounded_row_covers_its_table_write_grants() -> None:
    """Whatever a bounded row's expansion grants for writing (capabilities.expand(), user
    memory read as zeros) lies inside granted_stores.store_ranges()."""
    args = (0x10000, 0x100, 0x20000, 0x100, 0x30000, 0x100)
    for name, rules in CAP_TABLE.items():
        if name not in N or N[name] not in granted_stores.BOUNDED \
                or name in ("prctl", "futex"):  # (their own tables, per option/command)
            continue
        stores = granted_stores.store_ranges(N[name], args) or []
        for s, e, acc in expand(rules, args, lambda va, n: b"\0" * n):
            if acc & W:
                assert any(a <= s and e <= b for a, b in stores), (name, hex(s), hex(e))


def test_shared_futex_keys_write_fault_their_words() -> None:
    """futex(FUTEX_WAKE) without FUTEX_PRIVATE_FLAG at a word of the page: get_futex_key()
    pins it with get_user_pages_fast(FOLL_WRITE) (a COW break of the private view) before
    it falls back to read-only; FUTEX_CMP_REQUEUE keys uaddr2 the same.  The private
    command stores nothing (round 82b's AA family stays closed)."""
    futex = N["futex"]
    assert _writes_page(_slot(futex, (PAGE_VA + 8, 1, 1)), ROOT, PAGE_VA)          # shared
    assert not _writes_page(_slot(futex, (PAGE_VA + 8, 129, 1)), ROOT, PAGE_VA)    # private
    assert _writes_page(_slot(futex, (OTHER, 4, 1, 1, PAGE_VA, 0)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(futex, (OTHER, 132, 1, 1, PAGE_VA, 0)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(futex, (OTHER, 1, 1, 0, PAGE_VA, 0)), ROOT, PAGE_VA)


def test_ppoll_writes_the_time_left_back() -> None:
    """SYSCALL_DEFINE5(ppoll) -> poll_select_finish(): put_timespec64() of the time left to
    tsp (man ppoll: 'The Linux ppoll() system call modifies its tmo_p argument'), as
    pselect6's timeout: granted for writing, and its page may be write-faulted."""
    ppoll = N["ppoll"]
    grants = expand(CAP_TABLE["ppoll"], (OTHER, 1, PAGE_VA, 0, 8, 0), lambda va, n: b"\0" * n)
    assert (PAGE_VA, PAGE_VA + 16, 3) in grants
    assert _writes_page(_slot(ppoll, (OTHER, 1, PAGE_VA, 0, 8)), ROOT, PAGE_VA)


def test_prctl_outputs_the_abi_table_names_are_granted() -> None:
    """abi/output_commands.PRCTL_OUTPUTS names two prctl stores prctl_caps granted none:
    PR_GET_SHADOW_STACK_STATUS's u64 at arg2 (gcs_get_status(): put_user()) and
    PR_SCHED_CORE_GET's u64 cookie at arg5 (sched_core_share_pid(): put_user()).  Their
    store was refused (EFAULT where Linux succeeds) and, since cut.output_stores, a write
    fault at their page."""
    from guardian.prctl_caps import prctl_ranges
    prctl = N["prctl"]
    none = lambda va, n: b"\0" * n  # noqa: E731
    assert prctl_ranges((74, PAGE_VA, 0, 0, 0), none) == [(PAGE_VA, PAGE_VA + 8, W)]
    assert prctl_ranges((62, 0, 0, 0, PAGE_VA), none) == [(PAGE_VA, PAGE_VA + 8, W)]
    assert prctl_ranges((62, 1, 0, 0, PAGE_VA), none) == []          # CREATE: no store
    assert _writes_page(_slot(prctl, (74, PAGE_VA + 8)), ROOT, PAGE_VA)
    assert _writes_page(_slot(prctl, (62, 0, 0, 0, PAGE_VA)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(prctl, (74, OTHER)), ROOT, PAGE_VA)
