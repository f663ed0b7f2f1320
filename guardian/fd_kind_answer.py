"""`return.descriptor_kind`: calls that look a descriptor up and need a given kind of file.

Linux (every 6.x version) fails each before any effect where the descriptor names no file
or a file of another kind:
- kcmp (kernel/kcmp.c): KCMP_FILE's get_file_raw_ptr(task1, idx1) and (task2, idx2) of a
  free number, -EBADF; two numbers naming one struct file (dup(), fork's copy) are equal
  pointers, kcmp_ptr() answers 0; two opens by name are two struct files
  (path_openat() -> alloc_empty_file()), never 0.  KCMP_EPOLL_TFD: get_file_raw_ptr(task1, idx1), -EBADF;
  kcmp_epoll_target() copies the kcmp_epoll_slot (copy_from_user(): -EFAULT where it is
  not readable), fget_task(efd) (-EBADF), get_epoll_tfile_raw_ptr(): !is_file_epoll(),
  -EINVAL; ep_find_tfd() counts toff over the items whose number is tfd, none past
  them -ENOENT (an item goes with EPOLL_CTL_DEL or its file's __fput():
  eventpoll_release_file()).  An item whose target no descriptor names by its identity
  is counted still where a live descriptor of another identity may be that very file
  (confidential_events.may_live: received, pidfd_getfd()'d or met in use since the target
  was made -- the Guardian cannot tie such a copy to the original, and Linux keeps the
  item while it holds the file); one open before the target was made is not it.  A fork child's mm (dup_mmap()), sighand (copy_sighand():
  CLONE_SIGHAND needs CLONE_VM) and table (dup_fd()) are its own: KCMP_VM, KCMP_SIGHAND
  and KCMP_FILES of the caller and a living fork child never answer 0, nor KCMP_FILES
  of a parent (a vfork's: no CLONE_FILES) with another table; KCMP_FILE of a number the
  child inherited (dup_fd(): get_file()) and neither table changed answers 0.
- pidfd_getfd: pidfd_get_pid() -> fdget(): a free number or a file that is no pidfd,
  -EBADF; __pidfd_fget() ->
  fget_task() of a free number in the target, -EBADF.
- process_mrelease: pidfd_get_task() -> pidfd_get_pid(): no file or no pidfd, -EBADF.
- perf_event_open: perf_fget_light(group_fd): no file or one that is no perf event, -EBADF.
- signalfd4: do_signalfd4() with ufd != -1 only updates a signalfd: a file of another kind
  (fd_file(f)->f_op != &signalfd_fops), -EINVAL.
A file's kind is sure where it was opened by a name outside /proc and /dev/fd, or made by
a call of `FIXED_KIND_MAKERS` (epoll_create1 an epoll, memfd_create a memfd, pidfd_open a pidfd ...);
a signalfd4() answer is a signalfd (no pidfd, no perf event: `_signalfd`).

Judged only for the caller's own tables (own_pid.py: kcmp's pids, pidfd_getfd's target;
numbers only where the caller's table is its leader's, Known.leaders()),
where each number named one file through the call (Descriptors.steady()) -- an epoll's
registrations where no epoll_ctl is in flight and no call returned since the entry --
and a file the program opened
by a name outside /proc and /dev/fd (no pidfd, epoll or perf event: those have no name
to open), or a number the program closed (FileTable.free).  A number nothing ever
opened (launch_fds.py: the launch's table and the program's own calls) is
`return.fd_never_opened`'s (`_never`).
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_events import EpollInstance, may_live
from guardian.confidential_files import Descriptors
from guardian.fd_never_args import child_never
from guardian.launch_fds import never_opened
from guardian.open_files import FileTable, OpenFile
from guardian.opener_tables import parent_table
from guardian.slots import Slot

KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_SIGHAND, KCMP_EPOLL_TFD = 0, 1, 2, 4, 7
_NR_KCMP = NUMBERS["kcmp"]
_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
_NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
_NR_PERF_EVENT_OPEN = NUMBERS["perf_event_open"]
_NR_EPOLL_CREATE1 = NUMBERS["epoll_create1"]
_NR_PIDFD_OPEN = NUMBERS["pidfd_open"]
_NR_SIGNALFD4 = NUMBERS["signalfd4"]
#: calls each of whose descriptors is a new open file of one fixed kind (an epoll, a
#: memfd, a pipe end, an eventfd, a socket, a pidfd -- clone's CLONE_PIDFD and a pidfs
#: reopen are marked pidfd_open --, a perf event); a pidfd_getfd copy of another process's
#: file, a received one or signalfd4 (which may answer an old file) are not among them
FIXED_KIND_MAKERS = frozenset(NUMBERS[n] for n in (
    "epoll_create1", "memfd_create", "pipe2", "eventfd2", "socket", "socketpair",
    "pidfd_open", "perf_event_open", "timerfd_create", "inotify_init1"))
CALLS = frozenset((_NR_KCMP, _NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE, _NR_PERF_EVENT_OPEN,
                   _NR_SIGNALFD4))
#: names whose open may give back an open file of any kind (a magic link)
_MAGIC = ("/proc", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr")


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def named(f: OpenFile | None) -> bool:
    """Is `f` a file opened by a name that gives no pidfd, epoll or perf event?"""
    return f is not None and f.path is not None and f.maker is None \
        and not f.path.startswith(_MAGIC)


def named_or_fixed(f: OpenFile | None) -> bool:
    """Is `f` of a kind the Guardian is sure of: opened by a name that gives no pidfd,
    epoll, perf event or BPF object (`named`), or made by a call of FIXED_KIND_MAKERS?"""
    return named(f) or (f is not None and f.maker in FIXED_KIND_MAKERS)


def other_kind(f: OpenFile | None, maker: int) -> bool:
    """Is `f` surely no file `maker` makes: one opened by name (`named`) or one a call of
    `FIXED_KIND_MAKERS` other than `maker` made (its kind is the call's: eventpoll_fops, shmem,
    pipefifo_fops, ...)?"""
    return named(f) or (f is not None and f.maker in FIXED_KIND_MAKERS and f.maker != maker)


def _signalfd(f: OpenFile | None) -> bool:
    """Is `f` a signalfd: a signalfd4() answer (do_signalfd4(): ufd -1 makes a new
    signalfd_fops file, any other ufd must already name one or it is -EINVAL), neither a
    pidfd nor a perf event?"""
    return f is not None and f.maker == _NR_SIGNALFD4


class Known:
    """What the caller's table says of its numbers, as of the call's entry."""

    def __init__(self, files: Descriptors, slot: Slot) -> None:
        self.files, self.slot = files, slot
        self.table = files.tables.get((slot.root, slot.thread))

    def leaders(self) -> bool:
        """Is the caller's table its thread group leader's, the one a pid's numbers name
        (kcmp's get_file_raw_ptr() and pidfd_getfd's fget_task() look in the task the
        pid finds: find_task_by_vpid(), PIDTYPE_TGID -- the leader, whose table another
        thread's unshare(CLONE_FILES) left)?"""
        return self.files.reach(self.slot).leader

    def file(self, fd: int) -> OpenFile | None:
        return self.files.open_file(self.slot, fd)

    def closed(self, fd: int) -> bool:
        """Did the program close number fd before the call, none made since?"""
        at = self.table.free.get(_s32(fd)) if self.table is not None else None
        return at is not None and at <= self.slot.id and self.file(fd) is None

    def never(self, fd: int) -> bool:
        """Is number fd one nothing ever put a file at: outside the launch's numbers,
        made by no call of the program's, in a table no unfollowed call touched
        (launch_fds.py)?"""
        return self.table is not None and self.table.fresh \
            and never_opened(self.table, self.files.stated.launch, _s32(fd))


def _kcmp(k: Known, a: tuple[int, ...], ret: int, own: int | None,
          read: Callable[[int, int], bytes | None], alone: bool) -> str:
    kind = _s32(a[2])
    if own is not None and _s32(a[0]) == own and _s32(a[1]) != own and k.leaders():
        why = _relative(k, a, _s32(a[1]), kind, ret)
        if why:
            return why
    if own is not None and _s32(a[0]) == own and _s32(a[1]) != own and ret == 0:
        return _fork_child(k, _s32(a[1]), kind, own)
    # kcmp_ptr() is 0 only for one object: the order of the pids is no matter (AD-020)
    if own is not None and _s32(a[1]) == own and _s32(a[0]) != own and ret == 0:
        return _fork_child(k, _s32(a[0]), kind, own)
    if own is not None and ret == 0 and kind == KCMP_FILES and own not in (
            _s32(a[0]), _s32(a[1])) and _s32(a[0]) != _s32(a[1]):
        return _two_children(k, _s32(a[0]), _s32(a[1]))
    if own is None or not _s32(a[0]) == _s32(a[1]) == own or not k.leaders():
        return ""
    if kind == KCMP_FILE:
        for fd in (a[3], a[4]):
            if k.closed(fd):
                return f"KCMP_FILE of descriptor {_s32(fd)}, which the program closed (-EBADF)"
        f1, f2 = k.file(a[3]), k.file(a[4])
        if ret != 0 and f1 is not None and f2 is not None and f1.description is f2.description:
            return f"KCMP_FILE of descriptors {_s32(a[3])} and {_s32(a[4])}, one open file (0)"
        # each open by name makes its own struct file (path_openat() -> alloc_empty_file())
        if ret == 0 and named(f1) and named(f2) and f1.description is not f2.description:
            return (f"KCMP_FILE of descriptors {_s32(a[3])} and {_s32(a[4])}, two opens by "
                    "name: two struct files (1 or 2)")
    elif kind == KCMP_EPOLL_TFD:
        if k.closed(a[3]):
            return f"KCMP_EPOLL_TFD of descriptor {_s32(a[3])}, which the program closed (-EBADF)"
        raw = read(a[4], 16)        # struct kcmp_epoll_slot {u32 efd, tfd; u64 toff}
        if raw is None:
            return ""
        efd = int.from_bytes(raw[:4], "little")
        tfd, toff = _s32(int.from_bytes(raw[4:8], "little")), int.from_bytes(raw[8:], "little")
        ep = k.file(efd)
        if other_kind(ep, _NR_EPOLL_CREATE1):
            return f"KCMP_EPOLL_TFD of slot efd {_s32(efd)}, no epoll (-EINVAL)"
        # The epoll's items are the program's own epoll_ctl()s only where no process
        # the Guardian does not follow may reach the epoll file: none it sent (an
        # SCM_RIGHTS message, `may_pass`) and none an exec kept for an image it may not
        # see (`exec_kept`); another process's EPOLL_CTL_ADD makes an item of its own fd.
        if alone and ep is not None and ep.maker == _NR_EPOLL_CREATE1 \
                and isinstance(ep.events, EpollInstance) and not ep.events.unsure \
                and not k.files.may_pass and ep.description not in k.files.exec_kept \
                and ep.description not in k.files.sent_files:
            # ep_find_tfd() walks the items, counting toff over those whose ffd.fd is
            # tfd; an item lives until EPOLL_CTL_DEL or its file's __fput()
            # (eventpoll_release_file()).  One whose open file no descriptor names is
            # gone only where nothing else may hold that file: no mmap (`fd_only`), no
            # SCM_RIGHTS message (`may_pass`: a send whose files are not known; or the
            # file among `sent_files`), no call in flight (fdget()),
            # no address space torn down whose tree is not yet freed: do_exit() runs
            # exit_mm() before exit_files(), and the pgd goes only at the dying task's
            # last switch (mmdrop_lazy_tlb()), so its table may hold the file until then;
            # no exec whose new image has not started (`exec_tables`): exec_mmap() frees
            # the old tree before do_close_on_exec(), whose fput()s wait for the exec's
            # return to user (__fput() as task_work).
            # Nor where a live open file of another identity (received, pidfd_getfd()'d,
            # met in use since the target was made) may be that very file (`may_live`).
            reg = k.files.admission.registry
            live = k.files.live_descriptions()
            held, released = ep.events.split(live)
            idle = not k.files.may_pass and not reg.dying and not k.files.exec_tables \
                and not any(o.id != k.slot.id for o in reg.slots.values())
            items = sum(1 for r in held if r.fd == tfd) + sum(
                1 for r in released if r.fd == tfd and not (
                    idle and r.fd_only and r.target not in k.files.sent_files
                    and not may_live(r, live)))
            if toff >= items:
                return (f"KCMP_EPOLL_TFD of slot {{{_s32(efd)}, {tfd}, {toff}}}: the epoll "
                        f"holds no item {toff} for {tfd} (ep_find_tfd(): -ENOENT)")
    return ""


def _relative(k: Known, a: tuple[int, ...], pid: int, kind: int, ret: int) -> str:
    """kcmp(own, pid, ...) of a living fork child or parent `pid` whose table is known
    unchanged since the entry: KCMP_FILE of a number the child inherited, naming the
    caller's open file still (dup_fd() copies the pointers: get_file(), kcmp_ptr() 0);
    KCMP_FILES of a parent (a vfork's too: CLONE_VFORK without CLONE_FILES, copy_files()
    -> dup_fd()) holding another table (never 0)."""
    if kind == KCMP_FILE:
        # the child's own close() freed its own table's slot (dup_fd() gave it one):
        # get_file_raw_ptr(task2, idx2) finds no file, -EBADF
        child = k.files.child_table(k.slot, pid)
        at = child.free.get(_s32(a[4])) if child is not None else None
        if child is not None and at is not None and at <= k.slot.id \
                and child.fds.get(_s32(a[4])) is None:
            return f"KCMP_FILE of fork child {pid}'s {_s32(a[4])}, which the child closed (-EBADF)"
    if kind == KCMP_FILE and ret != 0:
        child = k.files.child_table(k.slot, pid)
        f1 = k.file(a[3])
        f2 = child.fds.get(_s32(a[4])) if child is not None else None
        if f1 is not None and f2 is not None and f1.description is f2.description:
            return (f"KCMP_FILE of descriptor {_s32(a[3])} and fork child {pid}'s "
                    f"{_s32(a[4])}, one open file dup_fd() shared (0)")
    if kind == KCMP_FILES and ret == 0:
        parent = parent_table(k.files, k.slot, pid)
        if parent is not None and k.table is not None and parent is not k.table \
                and not _split_since(k, parent, k.table):
            return f"KCMP_FILES of parent {pid}, whose table is another (never 0)"
    return ""


def _living_child(k: Known, pid: int) -> list[int]:
    """The one tree of living, unreaped fork child `pid` the caller's process was told
    ([] where not known so)."""
    reg = k.files.admission.registry
    proc = reg.child_pids.get((k.slot.root, pid))
    if not proc:
        return []
    roots = [r for r, p in reg.process_of_root.items() if p == proc
             and r not in k.files.retired]
    if len(roots) != 1 or reg.group_exited(roots[0], proc) or reg.was_reaped(roots[0], proc):
        return []
    return roots


def _split_since(k: Known, *tables: FileTable) -> bool:
    """Was one of `tables` split from another since the call's entry (FileTable.unshared)?
    kcmp may have read both task->files before ksys_unshare() or __close_range() swapped
    one (unshare_fd()): one table then, kcmp_ptr() 0."""
    return any(t.unshared > k.slot.id for t in tables)


def _two_children(k: Known, pid1: int, pid2: int) -> str:
    """kcmp(c1, c2, KCMP_FILES) answered 0 for two living fork children: each
    copy_files() -> dup_fd() made a files_struct of its own (an exited one's is NULL
    after exit_files(): not judged)."""
    if not _living_child(k, pid1) or not _living_child(k, pid2):
        return ""
    t1, t2 = k.files.child_table(k.slot, pid1), k.files.child_table(k.slot, pid2)
    if t1 is None or t2 is None or t1 is t2 or _split_since(k, t1, t2):
        return ""
    return (f"KCMP_FILES of fork children {pid1} and {pid2}, whose tables dup_fd() made "
            "each (1 or 2, never 0)")


def _fork_child(k: Known, pid: int, kind: int, own: int) -> str:
    """kcmp(own, pid, KCMP_VM / KCMP_FILES) answered 0 for a living fork child `pid` the
    caller's process was told: copy_mm() -> dup_mmap() (no CLONE_VM: another tree) and
    copy_files() -> dup_fd() (no CLONE_FILES: another table) gave it objects of its own."""
    reg = k.files.admission.registry
    if kind not in (KCMP_VM, KCMP_FILES, KCMP_SIGHAND):
        return ""
    roots = _living_child(k, pid)
    if not roots:
        return ""
    if kind == KCMP_VM and roots[0] != k.slot.root and (k.slot.root, pid) not in reg.vm_children:
        return f"KCMP_VM of fork child {pid}, whose mm dup_mmap() made (1 or 2, never 0)"
    # CLONE_SIGHAND needs CLONE_VM (copy_process(): -EINVAL): a child in another tree got a
    # sighand_struct of its own (copy_sighand()), and no exec shares one again
    if kind == KCMP_SIGHAND and roots[0] != k.slot.root \
            and (k.slot.root, pid) not in reg.vm_children:
        return f"KCMP_SIGHAND of fork child {pid}, whose sighand copy_sighand() made (never 0)"
    table = k.files.child_table(k.slot, pid)
    held = [t for t in k.files.tables.values() if own in t.pids] if kind == KCMP_FILES else []
    if kind == KCMP_FILES and table is not None and not any(t is table for t in held) \
            and not _split_since(k, table, *held):
        return f"KCMP_FILES of fork child {pid}, whose table dup_fd() made (1 or 2, never 0)"
    return ""


def check(files: Descriptors, slot: Slot, ret: int, own: int | None, alone: bool,
          read: Callable[[int, int], bytes | None]) -> None:
    """The program's call in `slot` answered `ret` (not an error); `alone`: no epoll_ctl
    of the program in flight and no call returned since the entry; `read(addr, n)`: the
    bytes at addr as the kernel read them (None: unknown, or not quiet)."""
    if not files.steady(slot):
        return
    k, a, nr = Known(files, slot), slot.args, slot.nr
    why = ""
    if nr == _NR_KCMP:
        why = _kcmp(k, a, ret, own, read, alone)
    elif nr in (_NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE) and (
            other_kind(k.file(a[0]), _NR_PIDFD_OPEN) or _signalfd(k.file(a[0]))):
        why = f"descriptor {_s32(a[0])}, no pidfd (pidfd_get_pid(): -EBADF)"
    elif nr in (_NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE) and k.closed(a[0]):
        why = f"pidfd {_s32(a[0])}, which the program closed (pidfd_get_pid() -> fdget(): -EBADF)"
    elif nr == _NR_PIDFD_GETFD and own is not None and files.pidfd_pid(slot, a[0]) == own \
            and k.closed(a[1]) and k.leaders():
        why = f"target descriptor {_s32(a[1])}, which the program closed (fget_task(): -EBADF)"
    elif nr == _NR_PERF_EVENT_OPEN and _s32(a[3]) != -1 and (
            other_kind(k.file(a[3]), nr) or _signalfd(k.file(a[3]))):
        why = f"group descriptor {_s32(a[3])}, no perf event (perf_fget_light(): -EBADF)"
    elif nr == _NR_PERF_EVENT_OPEN and _s32(a[3]) != -1 and k.closed(a[3]):
        why = f"group descriptor {_s32(a[3])}, which the program closed (perf_fget_light(): -EBADF)"
    elif nr == _NR_SIGNALFD4 and _s32(a[0]) != -1 and other_kind(k.file(a[0]), nr):
        # do_signalfd4(): ufd != -1 only updates a file signalfd4() made; any other f_op
        # (a pidfd, a pipe end, a memfd, a named file) is -EINVAL
        why = f"ufd {_s32(a[0])}, no signalfd (do_signalfd4(): f_op != &signalfd_fops, -EINVAL)"
    if why:
        refuse("return.descriptor_kind", Status.ERR_DENIED,
               f"{NUMBERS_BY_NR.get(nr, nr)} answered {ret:#x} for {why}")
    why = _never(k, a, nr, own, files, slot) or child_never(files, slot, own, read)
    if why:
        refuse("return.fd_never_opened", Status.ERR_DENIED,
               f"{NUMBERS_BY_NR.get(nr, nr)} answered {ret:#x} for {why}, a number that "
               "names no file: the launch holds 0..2 and the numbers --launch-fds states, "
               "and no call of the program's left one there (fget_task() / "
               "perf_fget_light(): -EBADF)")


def _never(k: Known, a: tuple[int, ...], nr: int, own: int | None, files: Descriptors,
           slot: Slot) -> str:
    """The number of the call's that names no file because nothing ever opened it
    (launch_fds.py): kcmp's idx1/idx2 (KCMP_FILE) or idx1 (KCMP_EPOLL_TFD) in the
    caller's own table (get_file_raw_ptr()), pidfd_getfd's and process_mrelease's pidfd
    (pidfd_get_pid() -> fdget()) and pidfd_getfd's target number in a pidfd of the
    caller's own process (__pidfd_fget() -> fget_task()), perf_event_open's group_fd
    (perf_fget_light())."""
    if k.table is None or not k.table.fresh:
        return ""
    if nr == _NR_KCMP:
        if own is None or not k.leaders():
            return ""
        # get_file_raw_ptr(task1, idx1), get_file_raw_ptr(task2, idx2): an index of the
        # caller's own pid is looked up in its table whatever the other pid is (a fork
        # child's: child_never())
        kind, pairs = _s32(a[2]), ((a[0], a[3]), (a[1], a[4]))
        fds = pairs if kind == KCMP_FILE else pairs[:1] if kind == KCMP_EPOLL_TFD else ()
        return next((f"descriptor {_s32(fd)}" for pid, fd in fds
                     if _s32(pid) == own and k.never(fd)), "")
    if nr in (_NR_PIDFD_GETFD, _NR_PROCESS_MRELEASE) and k.never(a[0]):
        return f"pidfd {_s32(a[0])}"
    if nr == _NR_PIDFD_GETFD and own is not None and files.pidfd_pid(slot, a[0]) == own \
            and k.never(a[1]) and k.leaders():
        return f"target descriptor {_s32(a[1])}"
    if nr == _NR_PERF_EVENT_OPEN and _s32(a[3]) != -1 and k.never(a[3]):
        return f"group descriptor {_s32(a[3])}"
    return ""


NUMBERS_BY_NR = {v: k for k, v in NUMBERS.items()}
