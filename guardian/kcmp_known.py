"""`return.kcmp_distinct` and `return.kcmp_slot_file`: kcmp() answers about objects the
Guardian knows are two, or a kcmp_epoll_slot whose efd it knows is no epoll.

kernel/kcmp.c, every 6.x version:
- KCMP_FILE compares get_file_raw_ptr(task1, idx1) and (task2, idx2) with kcmp_ptr(): 0
  only for one struct file.  Each successful open makes a struct file of its own
  (path_openat() -> alloc_empty_file(), a /proc/self/fd magic link too: the link is
  followed, the new file opened on its path), and so does each call of a fixed kind
  (pipe2's create_pipe_files() -> alloc_file_pseudo(), memfd_create, epoll_create1 ...).
  Two such files the program made apart, each still named by its number, are two
  pointers: never 0.  A fork child's table is its own (dup_fd()): the child's dup3()
  over an inherited number changes that table alone.
- KCMP_FS compares task->fs: copy_fs() without CLONE_FS gives the child a new fs_struct
  (copy_fs_struct()); nothing ever shares an fs_struct again (unshare(CLONE_FS) makes
  another; exit_fs() leaves NULL), so a fork child's is never the caller's: never 0.
- KCMP_EPOLL_TFD: kcmp_epoll_target() -> fget_task(task2, slot.efd) of a number the
  program closed, -EBADF; get_epoll_tfile_raw_ptr() of a file signalfd4(-1, ...) made
  (signalfd_fops, not eventpoll: !is_file_epoll()), -EINVAL.

Judged only where the caller's table lay steady through the call and is its thread group
leader's (fd_kind_answer.Known), the pids the caller's own (own_pid.py) or a living,
unreaped fork child's whose table lay unchanged (Descriptors.child_table()), either pid
first (kcmp_ptr()'s 0 is symmetric), or the child's twice; a vfork child's KCMP_FS of its
parent (vfork is CLONE_VM | CLONE_VFORK without CLONE_FS: copy_fs_struct()); not judged
where a seccomp filter may answer (the caller tests that).
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_files import Descriptors
from guardian.fd_kind_answer import FIXED_KIND_MAKERS, Known
from guardian.fd_results import s32
from guardian.open_files import OpenFile, WorkDir
from guardian.slots import Slot

KCMP_FILE, KCMP_FS, KCMP_EPOLL_TFD = 0, 3, 7
_NR_SIGNALFD4 = NUMBERS["signalfd4"]



def _fresh(f: OpenFile | None) -> bool:
    """Was `f` made as a struct file of its own: by an open of a name (any name, a /proc
    reopen too) or a call of a fixed kind?  (A received, pidfd_getfd'd, inherited or
    unseen file has none of these: it may be any other.)"""
    # (openat() of /proc/self/fd/N records no path: a reopen of a memfd or a pipe is
    # marked by what it reached, memfd or fifo, with no maker -- no other call sets them)
    return f is not None and (f.path is not None or f.maker in FIXED_KIND_MAKERS or (
        f.maker is None and (bool(f.memfd) or f.fifo)))


def _two(f1: OpenFile | None, f2: OpenFile | None) -> bool:
    return _fresh(f1) and _fresh(f2) and f1 is not None and f2 is not None \
        and f1.description is not f2.description


def _distinct(k: Known, a: tuple[int, ...], ret: int, own: int) -> str:
    kind, pid2 = s32(a[2]), s32(a[1])
    if ret != 0 or kind not in (KCMP_FILE, KCMP_FS):
        return ""
    if kind == KCMP_FILE and pid2 == own:
        if _two(k.file(a[3]), k.file(a[4])):
            return (f"KCMP_FILE of descriptors {s32(a[3])} and {s32(a[4])}, two struct "
                    "files each made apart (1 or 2, never 0)")
        return ""
    reg = k.files.admission.registry
    proc = reg.child_pids.get((k.slot.root, pid2))
    if not proc and kind == KCMP_FS:
        return _vfork_parent_fs(k, pid2)
    roots = [r for r, p in reg.process_of_root.items() if p == proc
             and r not in k.files.retired]
    if not proc or len(roots) != 1 or reg.was_reaped(roots[0], proc):
        return ""
    if kind == KCMP_FILE:
        child = k.files.child_table(k.slot, pid2)
        if child is not None and _two(k.file(a[3]), child.fds.get(s32(a[4]))):
            return (f"KCMP_FILE of descriptor {s32(a[3])} and fork child {pid2}'s "
                    f"{s32(a[4])}, two struct files (never 0)")
        return ""
    # KCMP_FS: the child's WorkDir is the caller's object only where CLONE_FS shared it
    # (judged only for a child in another tree: the key names its own leader thread)
    if roots[0] == k.slot.root:
        return ""
    mine = _leader_fs(k)
    theirs = k.files.workdirs.get((roots[0], proc))
    # (one of the two made by an unshare(CLONE_FS) -- or moved by a chdir -- while the
    # kcmp was in flight: kcmp_ptr() may have read task->fs before unshare_fs() swapped it)
    if mine is not None and theirs is not None and theirs is not mine \
            and max(mine.changed, theirs.changed) <= k.slot.id:
        return f"KCMP_FS of fork child {pid2}, whose fs_struct copy_fs_struct() made (never 0)"
    return ""


def _leader_fs(k: Known) -> WorkDir | None:
    """The caller's working directory where it is its thread group leader's -- the
    fs_struct kcmp() compares: find_task_by_vpid(getpid()) finds the leader -- that is
    where every thread of the caller's group holds the very same one (a thread cloned
    without CLONE_FS or one that unshare(CLONE_FS)'d has its own: copy_fs(),
    unshare_fs()); None: not known."""
    files, reg = k.files, k.files.admission.registry
    root = k.slot.root
    mine = files.workdirs.get((root, k.slot.thread))
    group = reg.group_of(root, k.slot.thread)
    if mine is None or any(wd is not mine for (r, th), wd in files.workdirs.items()
                           if r == root and reg.group_of(r, th) == group):
        return None
    return mine


def _slot_file(k: Known, a: tuple[int, ...], read: Callable[[int, int], bytes | None]
               ) -> tuple[bool, str]:
    """(never opened, why) for a slot efd that is no epoll; (False, "") where none."""
    raw = read(a[4], 4)             # struct kcmp_epoll_slot's efd
    if raw is None:
        return False, ""
    efd = int.from_bytes(raw[:4], "little")
    if k.closed(efd):
        return False, f"KCMP_EPOLL_TFD of slot efd {s32(efd)}, which the program closed (-EBADF)"
    if k.never(efd):        # (launch_fds.py: fget_task() finds no file)
        return True, f"KCMP_EPOLL_TFD of slot efd {s32(efd)}, a number nothing ever opened (-EBADF)"
    f = k.file(efd)
    if f is not None and f.maker == _NR_SIGNALFD4:
        return False, f"KCMP_EPOLL_TFD of slot efd {s32(efd)}, a signalfd (!is_file_epoll(): -EINVAL)"
    return False, ""


def _child_twice(k: Known, a: tuple[int, ...], ret: int) -> str:
    """kcmp(child, child, KCMP_FILE, i, j) answered 0: two numbers of a living fork child's
    unchanged table (dup_fd() copied the caller's pointers) naming two struct files each
    made apart -- never one pointer."""
    pid = s32(a[0])
    if ret != 0 or s32(a[2]) != KCMP_FILE:
        return ""
    child = k.files.child_table(k.slot, pid)
    if child is not None and _two(child.fds.get(s32(a[3])), child.fds.get(s32(a[4]))):
        return (f"KCMP_FILE of fork child {pid}'s descriptors {s32(a[3])} and {s32(a[4])}, "
                "two struct files (never 0)")
    return ""


def _vfork_parent_fs(k: Known, pid2: int) -> str:
    """KCMP_FS of a vfork child (the caller) and its parent `pid2` answered 0: vfork is
    CLONE_VM | CLONE_VFORK without CLONE_FS, copy_fs() -> copy_fs_struct() gave the child
    an fs_struct of its own, which no thread of the parent holds (the Guardian's WorkDir
    of the child is another than every one of the parent's threads')."""
    reg = k.files.admission.registry
    if not reg.vfork_waiting:
        return ""
    me = reg.group_of(k.slot.root, k.slot.thread)
    parents = [th for (r, th), child in reg.vfork_waiting.items()
               if r == k.slot.root and child == me and me]
    if len(parents) != 1:
        return ""
    group = reg.group_of(k.slot.root, parents[0])
    domain = reg.root_domain.get(k.slot.root)
    space = reg.space_of(domain, k.slot.root) if domain else None
    if space is None or space.pids.get(group) != pid2:
        return ""
    mine = k.files.workdirs.get((k.slot.root, me))
    theirs = [wd for (r, th), wd in k.files.workdirs.items()
              if r == k.slot.root and reg.group_of(r, th) == group]
    if mine is None or not theirs or any(wd is mine for wd in theirs):
        return ""
    return f"KCMP_FS of vfork parent {pid2}: the child's fs_struct copy_fs_struct() made (never 0)"


def check(files: Descriptors, slot: Slot, ret: int, own: int | None,
          read: Callable[[int, int], bytes | None]) -> None:
    """kcmp in `slot` answered `ret` (not an error); `own`: the caller's pid (None: not
    known); `read(addr, n)`: the bytes at addr as the kernel read them (None: unknown)."""
    a = slot.args
    if own is None or not files.steady(slot):
        return
    if s32(a[0]) != own:
        # kcmp_ptr()'s 0 is the same whichever pid comes first: kcmp(child, own, ...) is
        # judged as kcmp(own, child, ...) with the indexes swapped; kcmp(child, child,
        # KCMP_FILE) by the child's table alone
        if s32(a[1]) == own:
            a = (a[1], a[0], a[2], a[4], a[3], *a[5:])
        elif s32(a[0]) == s32(a[1]):
            why = _child_twice(Known(files, slot), a, ret)
            if why:
                refuse("return.kcmp_distinct", Status.ERR_DENIED, f"kcmp answered {ret:#x} for {why}")
            return
        else:
            return
    k = Known(files, slot)
    if not k.leaders():
        return
    if s32(a[2]) == KCMP_EPOLL_TFD:
        if s32(a[1]) == own:
            never, why = _slot_file(k, a, read)
            if never:
                refuse("return.fd_never_opened", Status.ERR_DENIED,
                       f"kcmp answered {ret:#x} for {why} (a launch that passes it: "
                       "--launch-fds N)")
            elif why:
                refuse("return.kcmp_slot_file", Status.ERR_DENIED, f"kcmp answered {ret:#x} for {why}")
        return
    why = _distinct(k, a, ret, own)
    if why:
        refuse("return.kcmp_distinct", Status.ERR_DENIED, f"kcmp answered {ret:#x} for {why}")
