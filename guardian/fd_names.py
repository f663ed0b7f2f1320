"""The file a name the program passes reaches, as the Guardian can tell it.

An openat, openat2 or chdir names a file by a string in the program's memory: absolute,
relative to the working directory or to a directory descriptor, or through
/proc/thread-self/fd/N, taken through the calling thread's own descriptor table, or
/proc/self/fd/N (/proc/<own pid>/fd/N, /dev/fd/N), taken through that table only where
it is the one those names reach: /proc/self is the thread group's leader
(proc_self_get_link() names the tgid) and proc_fd_link() reads the files of that task,
which a thread cloned without CLONE_FILES, or one that unshared its table, does not
hold.  Where the caller cannot tell (`Reach`), such a name reaches nothing it knows.  Names are resolved lexically ("." / ".." / "//"); what a symlink
or another hard link reaches stays the kernel's word: such a name is not an admitted
one, so its pages enter as unmeasured input (never executable), as for any file the
user did not admit.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from abi.descriptors import AT_FDCWD
from guardian.fd_results import s32
from guardian.open_files import FileTable, OpenFile, WorkDir
from guardian.proc_links import magic_link
from guardian.proc_numbers import name_to_int
from guardian.slots import PAGE, Slot
from guardian.user_memory import UserMemory

PATH_MAX = 4096
#: Where a name may open again a file the program already holds (/proc/self/fd/N, its
#: aliases, /dev/std*); a cut through one of them may reach any memfd.
REOPENING = ("/proc/", "/dev/fd/", "/dev/stdin", "/dev/stdout", "/dev/stderr")
#: (proc_pid_lookup(), proc_lookupfd_common() -> name_to_int(): ASCII digits, no leading
#: zero; `_match_fd` reads the numbers)
_PROC_FD = re.compile(r"^/(?:proc/(self|thread-self|[0-9]+)|dev)/fd/([0-9]+)(/.*)?\Z", re.DOTALL)
_TASK_FD = re.compile(r"^/proc/(self|[0-9]+)/task/([0-9]+)/fd(/.*)\Z", re.DOTALL)
#: the /proc directories a descriptor may hold whose ".." is their lexical parent
_PROC_DIR = re.compile(
    r"^/proc(?:/(?:self|[1-9][0-9]*)(?:/task(?:/[1-9][0-9]*(?:/fd|/fdinfo)?)?|/fd|/fdinfo)?)?/?\Z")


#: /proc's own symlinks
_SELF_LINKS = (["proc", "self"], ["proc", "thread-self"])
#: /proc's links to "self/net" (proc_net_init()) and "self/mounts" (proc_root_init()),
#: made by proc_symlink()
_SELF_BODY_LINKS = (["proc", "net"], ["proc", "mounts"])
#: the rootfs's links to /proc/self/fd/0, 1, 2 (the same as /dev/fd/0, 1, 2)
_DEV_LINKS = (["dev", "stdin"], ["dev", "stdout"], ["dev", "stderr"])


def _links_at(out: list[str]) -> int:
    """How many links pick_link() counts where a walk follows the name of components
    `out`: /proc/self and /proc/thread-self one (their bodies "<tgid>", "<tgid>/task/<tid>"
    hold none), /proc/net and /proc/mounts two (it and /proc/self), /dev/fd two (it and the /proc/self of its body "/proc/self/fd"),
    /dev/stdin, /dev/stdout, /dev/stderr three (it, /proc/self and fd/N of its body),
    each other /proc link (`proc_links.magic_link`, /dev/fd/N among them) one."""
    if out in _SELF_LINKS:
        return 1
    if out in _SELF_BODY_LINKS:
        return 2                            # (it and the "self" of its body)
    if out == ["dev", "fd"]:
        return 2
    if out in _DEV_LINKS:
        return 3
    return 1 if magic_link(out) else 0


@dataclass(frozen=True)
class Reach:
    """Which /proc names reach the calling thread's own table."""

    #: /proc/self/fd (and /dev/fd): the table is its thread group leader's
    leader: bool = True
    #: /proc/<pid>/fd for a pid of `FileTable.pids`: ... and no other process holds it
    own_pids: bool = True
    #: the calling process (root, thread group) and thread (root, -1 - thread), as
    #: `OpenFile.opener` names them; None: not known
    process: tuple[int, int] | None = None
    thread: tuple[int, int] | None = None
    #: the calling thread's id, as its gettid told it (/proc/self/task/<tid>); None: not told
    tid: int | None = None
    #: the table of the caller's live fork child a pid names (/proc/<child>/fd), where the
    #: Guardian knows it and no call of the child changed it since the call entered
    child: Callable[[int], FileTable | None] | None = None
    #: the working directories /proc/self/cwd (the leader's: proc_cwd_link()) and
    #: /proc/thread-self/cwd (the caller's) reach, as the caller reads them; None: not known
    self_cwd: str | None = None
    thread_cwd: str | None = None
    #: /proc/self/root and /proc/thread-self/root reach "/" (no chroot or mount seen:
    #: proc_root_link() -> fs->root, where an absolute name starts)
    root: bool = False


def opener_of(path: str | None, reach: Reach) -> tuple[int, int] | None:
    """Who a name through /proc/self or /proc/thread-self, opened now, names there."""
    if path is not None and path.split("/")[:3] == ["", "dev", "fd"]:
        return reach.process                # (/dev/fd -> /proc/self/fd)
    if path is None or not path.startswith(("/proc/self", "/proc/thread-self")):
        return None
    tail = path.split("/")[2]
    return reach.process if tail == "self" else reach.thread if tail == "thread-self" else None


def _dir_path(f: OpenFile | WorkDir, reach: Reach) -> str | None:
    """The name `f` (an open file, a working directory) was opened by, its "self" or
    "thread-self" read as the caller only where the caller opened it
    (proc_self_get_link() took the opener's pid at the open: a fork child's copy names
    its parent); "?" (no name known) where another did."""
    path = f.path
    if path is None or f.opener is None or opener_of(path, reach) == f.opener:
        return path
    if path.split("/")[:3] == ["", "dev", "fd"]:
        path = "/proc/self/fd" + path[7:]
    parts = path.split("/")
    return "/".join(parts[:2] + ["?"] + parts[3:])


def _through(table: FileTable, who: str | None, reach: Reach) -> bool:
    """Does /proc/<who>/fd (who None: /dev/fd) reach `table`?"""
    if who == "thread-self":
        return True
    if who is not None and who != "self":
        pid = name_to_int(who)
        return pid is not None and reach.leader and reach.own_pids and pid in table.pids
    return reach.leader


def workdir_path(wd: WorkDir, reach: Reach) -> str | None:
    """The working directory's name as the caller reads it (`_dir_path`)."""
    return _dir_path(wd, reach)


def reopened(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
             in_root: bool = False, reach: Reach = Reach()) -> OpenFile | None:
    """The open file of the thread's own table that `name` opens again, when it is
    /proc/thread-self/fd/N, or /proc/self/fd/N (/proc/<own pid>/fd/N, /dev/fd/N) where
    `reach` says that names this table: Linux's proc_fd_link() reaches that
    descriptor's file (for a memfd, its one inode and pages)."""
    path = _lexical(table, cwd, dirfd, name, in_root, reach)
    m = _match_fd(path) if path is not None else None
    if m is None or m.group(3):
        return None
    who, fd = m.group(1), int(m.group(2))
    if not _through(table, who, reach):
        # (proc_fd_link() -> get_files_struct() of that pid's task: a fork child's own)
        pid = name_to_int(who) if who and who != "self" else None
        other = reach.child(pid) if reach.child and pid is not None else None
        return other.fds.get(fd) if other is not None else None
    return table.fds.get(fd)


def _lexical(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
             in_root: bool, reach: Reach = Reach()) -> str | None:
    """`name` made absolute from dirfd and normalised lexically (None: cannot tell)."""
    if not name:
        return None
    if name.startswith("/") and not in_root:
        path = name
    else:
        if s32(dirfd) == AT_FDCWD:
            base = cwd()
        else:
            f = table.fds.get(s32(dirfd))
            base = _dir_path(f, reach) if f is not None else None
        if base is None:
            return None
        # (under RESOLVE_IN_ROOT ".." stays at the dirfd: follow_dotdot())
        path = base + "/" + (posixpath.normpath("/" + name) if in_root else name).lstrip("/")
    return _followed(table, path, reach)


def root_dir(f: OpenFile | None, reach: Reach) -> bool:
    """Is the open file `f` a directory known to be the real root: opened as "/" or as
    /proc/self/root, /proc/thread-self/root (proc_root_link(): fs->root) by the caller,
    where `reach` says the root is "/"?"""
    if f is None or f.path is None or f.memfd or f.maker is not None or f.fifo or \
            not reach.root:
        return False
    path = _dir_path(f, reach) or ""
    # (only a root link: a cwd link names the working directory of its open, which a
    # chdir since may have left -- proc_cwd_link() ran then, not now)
    parts = path.strip("/").split("/")
    return path == "/" or parts[-1] == "root" and _cwd_dir(FileTable(), parts, reach) == []


def _proc_dir(f: OpenFile | None, reach: Reach) -> list[str] | None:
    """The components of the /proc directory the open file `f` is (/dev/fd read as
    /proc/self/fd), or None: not one the Guardian knows as a directory."""
    if f is None or f.path is None or f.memfd or f.maker is not None or f.fifo:
        return None
    if f.path == "/" and reach.root:
        return []                           # (the root directory, opened by its name)
    path = _dir_path(f, reach) or ""
    path = "/proc/self/fd" + path[7:] if path in ("/dev/fd", "/dev/fd/") else path
    return path.strip("/").split("/") if _PROC_DIR.match(path) else None


def _followed(table: FileTable, path: str, reach: Reach,
              links: list[int] | None = None, last: bool = False) -> str | None:
    """`path` normalised lexically, a /proc/<pid>/fd/N (/dev/fd/N) link to a /proc
    directory the program opened followed where more of the name comes after it
    (link_path_walk() -> pick_link() -> nd_jump_link(): a ".." after it leaves that
    directory, not the fd directory); None where a ".." leaves another /proc link
    (cwd, root, fd/N...: `proc_links`), whose target is not known.  `links` (where
    given) counts the links known followed before the last component (`last`: and in
    it), /dev/stdin, /dev/stdout and /dev/stderr followed to /proc/self/fd/0, 1, 2."""
    comps = [p for p in path.split("/") if p]
    out: list[str] = []
    link = -1                               # the depth of the last such link passed
    for i, comp in enumerate(comps):
        if comp == ".":
            continue
        if comp == "..":
            if 0 <= link and len(out) <= link:
                return None
            out = _self_up(out)
            continue
        out.append(comp)
        if links is not None and (i < len(comps) - 1 or last):
            links[0] += _links_at(out)
        if i == len(comps) - 1:
            break
        if links is not None and out in _DEV_LINKS:
            out = ["proc", "self", "fd", str(_DEV_LINKS.index(out))]
        m = _match_fd("/" + "/".join(out))
        if m is not None and not m.group(3) and _through(table, m.group(1), reach):
            to = _proc_dir(table.fds.get(int(m.group(2))), reach)
            if to is not None:
                out, link = to, -1
                continue
        to = _cwd_dir(table, out, reach)
        if to is not None:
            out, link = to, -1
            continue
        if magic_link(out):
            link = len(out)
    return _own_task(table, "/" + "/".join(out), reach)


def _cwd_dir(table: FileTable, out: list[str], reach: Reach) -> list[str] | None:
    """The components of the /proc directory /proc/self/cwd (/proc/<own pid>/cwd,
    /proc/thread-self/cwd) of components `out` reaches, where the Guardian knows the working
    directory is one (the program's own chdir/fchdir): proc_cwd_link() -> nd_jump_link()
    puts the walk there; None: not such a link, or its target not known.
    /proc/<who>/task/<tid>/cwd and root are the same links of that task: read as
    /proc/<who>/... for the leader's tid, as /proc/thread-self/... for the caller's."""
    if len(out) == 5 and out[:1] == ["proc"] and out[2] == "task":
        out = _task_link(table, out, reach)
    if len(out) != 3 or out[0] != "proc" or out[2] not in ("cwd", "root"):
        return None
    who = out[1]
    if out[2] == "root":
        # (proc_root_link(): fs->root, "/" where no chroot or mount was seen)
        own = who in ("self", "thread-self") or reach.own_pids and name_to_int(who) in table.pids
        return [] if own and reach.root else None
    if who == "thread-self":
        path = reach.thread_cwd
    elif who == "self" or reach.own_pids and name_to_int(who) in table.pids:
        path = reach.self_cwd
    else:
        return None
    if path == "/" and reach.root:
        return []
    if path is None or not _PROC_DIR.match(path) or "?" in path:
        return None
    return path.strip("/").split("/")


def _task_link(table: FileTable, out: list[str], reach: Reach) -> list[str]:
    """/proc/<who>/task/<tid>/<link> read as /proc/<who>/<link> where tid is the leader
    /proc/<who> names (`_leader_task`), as /proc/thread-self/<link> where it is the
    calling thread of the caller's own process (proc_task_lookup(), then
    proc_cwd_link() / proc_root_link() of that task); [] where neither is known."""
    tid = name_to_int(out[3])
    if tid is None:
        return []
    if _leader_task(table, out[1], tid, reach):
        return ["proc", out[1], out[4]]
    own = out[1] == "self" or reach.own_pids and name_to_int(out[1]) in table.pids
    return ["proc", "thread-self", out[4]] if own and tid == reach.tid else []


def _self_up(out: list[str]) -> list[str]:
    """The components of ".." after `out`: /proc/thread-self is a link followed before it
    (proc_thread_self_get_link(): "<tgid>/task/<tid>", so its ".." is the caller's
    /proc/self/task), so are /dev/fd (to /proc/self/fd) and /proc/net (proc_net's
    "self/net"), whose ".." is /proc/self; else the lexical parent ("/" is its own)."""
    if out == ["proc", "thread-self"]:
        return ["proc", "self", "task"]
    if out in (["dev", "fd"], ["proc", "net"]):
        return ["proc", "self"]
    return out[:-1]


def _own_task(table: FileTable, path: str, reach: Reach) -> str:
    """/proc/self/task/<tid>/fd/... (or /proc/<own pid>/task/<tid>/...) with tid the
    calling thread's own id read as /proc/thread-self/fd/...: proc_task_lookup() finds
    the caller in its own thread group, proc_fd_link() reads its table."""
    m = _TASK_FD.match(path)
    # (proc_task_lookup() -> name_to_int(): "0<tid>", "<tid + 2^32>" are no task)
    tid = name_to_int(m.group(2)) if m is not None else None
    if m is None or tid is None:
        return path
    if _leader_task(table, m.group(1), tid, reach):
        return f"/proc/{m.group(1)}/fd" + m.group(3)
    if reach.tid is None or tid != reach.tid or \
            (m.group(1) != "self" and name_to_int(m.group(1)) not in table.pids):
        return path
    return "/proc/thread-self/fd" + m.group(3)


def _leader_task(table: FileTable, who: str, tid: int, reach: Reach) -> bool:
    """Is /proc/<who>/task/<tid>/fd the table /proc/<who>/fd reads?  /proc/<pid>/task/<pid>
    is the very task /proc/<pid> is (proc_pid_lookup(), proc_task_lookup(): a thread group
    leader's tid is its tgid); /proc/self/task/<own pid> is the leader /proc/self names
    (proc_self_get_link()), the pid known as the caller's own where no other process holds
    the table and getpid told it no other."""
    if who != "self":
        return name_to_int(who) == tid
    # (one pid: a table unshared by a CLONE_FILES child keeps its creator's too)
    return who == "self" and reach.own_pids and table.pids == {tid}


def followed_links(table: FileTable, name: str, reach: Reach, last: bool = False) -> int:
    """How many links the absolute `name` is known to follow before its last component
    (`last`: and in it, open_last_lookups() -> step_into() following it): /proc/self,
    /proc/thread-self (proc_self_get_link(), proc_thread_self_get_link()), /dev/fd,
    /dev/std* (`_links_at`) and the /proc links `proc_links` names, counted where the walk
    is known to meet them (pick_link() counts each in nd->total_link_count); none where
    "/" may not be the real root (Reach.root: a chroot may make /proc/self a directory)."""
    links = [0]
    if name.startswith("/") and reach.root:
        _followed(table, name, reach, links, last)
    return links[0]


def resolve_name(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
                 in_root: bool = False, reach: Reach = Reach()) -> str | None:
    """The absolute, normalised name `name` reaches from dirfd (AT_FDCWD: the working
    directory, `cwd()`, asked only then), with /proc/thread-self/fd/N, and
    /proc/self/fd/N (/proc/<own pid>/fd/N, /dev/fd/N) where `reach` says so, taken
    through `table`; None when the Guardian cannot tell."""
    path = _lexical(table, cwd, dirfd, name, in_root, reach)
    if path is None:
        return None
    m = _match_fd(path)
    if m is not None:
        who, fd, rest = m.groups()
        if not _through(table, who, reach):
            return None                     # another table, perhaps
        f = table.fds.get(int(fd))
        if f is None or f.path is None:
            return None
        path = posixpath.normpath(f.path + (rest or ""))
    return path


def _match_fd(path: str) -> re.Match[str] | None:
    """`_PROC_FD`'s match of `path` where /proc reads its pid and descriptor as numbers
    (proc_pid_lookup(), proc_lookupfd_common() -> name_to_int()); None: no such link."""
    m = _PROC_FD.match(path)
    if m is None or name_to_int(m.group(2)) is None or \
            m.group(1) not in (None, "self", "thread-self") and name_to_int(m.group(1)) is None:
        return None
    return m


def read_name(memory: UserMemory, slot: Slot, va: int) -> str | None:
    """The NUL-ended name at `va` in the slot's address space (at most PATH_MAX bytes
    read); None when a page of it is not there."""
    raw = b""
    while b"\0" not in raw and len(raw) < PATH_MAX:
        chunk = memory.read(va, PAGE - (va % PAGE), slot.root)
        if chunk is None:
            return None
        raw, va = raw + chunk, va + len(chunk)
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
