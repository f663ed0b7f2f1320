"""The opens of /proc/self/fd/N that Linux refuses by their flags or their names.

A name /proc/self/fd/N is a magic link to one of the program's own open files (a memfd,
a pipe, a socket, an eventfd: never a directory).  An open of it fails, whatever the kernel answers, when:

- its flags fail build_open_flags() (`flag_error`, before getname() reads the name):
  openat2's struct is smaller than its first version (usize < 24: EINVAL) or longer
  with bytes set past it (E2BIG), gives flags beyond VALID_OPEN_FLAGS, a mode without
  O_CREAT or O_TMPFILE, O_PATH with flags it does not take, unknown resolve bits, or
  RESOLVE_BENEATH with RESOLVE_IN_ROOT (EINVAL), RESOLVE_CACHED with O_TRUNC, O_CREAT
  or O_TMPFILE (EAGAIN); for either call __O_TMPFILE without O_DIRECTORY, with O_CREAT
  or read-only, and for either O_CREAT with O_DIRECTORY (EINVAL);
- openat2 asks RESOLVE_CACHED (tid_fd_revalidate() refuses the RCU walk and
  LOOKUP_CACHED refuses the other: EAGAIN), resolves with RESOLVE_NO_MAGICLINKS or
  RESOLVE_NO_SYMLINKS through the link, or RESOLVE_NO_SYMLINKS through /proc/self,
  /proc/thread-self or /dev/fd (nd_jump_link(), pick_link(): ELOOP), or with
  RESOLVE_BENEATH or RESOLVE_NO_XDEV from "/" or through the link (nd_jump_root(),
  traverse_mounts(), nd_jump_link(): EXDEV), a ".." out of its start under
  RESOLVE_BENEATH or a step into or out of /proc under RESOLVE_NO_XDEV (EXDEV);
- it asks O_DIRECTORY, or the name goes on past the link ("/", "/.", "/../N": the link
  followed and asked as a directory) (do_open(), link_path_walk(): ENOTDIR);
- it asks O_CREAT|O_EXCL (open_last_lookups(): the name exists, EEXIST);
- it asks O_NOFOLLOW without O_PATH (pick_link(): the last component is a link, ELOOP);
- it reopens, without O_PATH, a socket (sock_no_open()) or an anon-inode file such as an
  eventfd (no_open()): do_dentry_open(), ENXIO.

And any open fails whose name looks up in a /proc/<pid>/fd directory a name that is no
descriptor number ("0N"; "fd" where RESOLVE_IN_ROOT keeps ".." at the dirfd:
name_to_int(), ENOENT), or goes on past such a link to a memfd, a pipe, a socket or an
anon-inode file (ENOTDIR).

openat() takes only the flags O_PATH takes along with O_PATH (build_open_how()).  Names
are read lexically (reopen_walks.py, fd_names.py): a relative name is judged from its
directory's name.

`refused` says which (None: none of them); `check` refuses an open that succeeded
anyway (`return.reopen_flags`), and a cut's window (cut_windows.py) never opens for one.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import AT_FDCWD
from abi.layout import NR_OPENAT
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import read_name
from guardian.quiet_ranges import quiet
from guardian.reopen_walks import Walk, walk

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.open_files import OpenFile
    from guardian.slots import Slot

_NR_OPENAT2, _NR_PIPE2 = NUMBERS["openat2"], NUMBERS["pipe2"]
#: makers of open files whose inode takes no open: sockets (socket_file_ops' .open,
#: sock_no_open()) and anon-inode files (alloc_anon_inode() keeps inode_init_always()'s
#: no_open_fops): do_dentry_open() answers -ENXIO for any open of them but O_PATH's
_NO_OPEN = frozenset(NUMBERS[n] for n in (
    "socket", "socketpair", "accept", "accept4", "eventfd2", "timerfd_create", "signalfd4",
    "epoll_create1", "inotify_init1"))
# (arm64 values: O_DIRECTORY and O_NOFOLLOW differ from x86's)
_O_CREAT, _O_EXCL, _O_DIRECTORY, _O_NOFOLLOW = 0o100, 0o200, 0o40000, 0o100000
_O_PATH, _O_TMPFILE = 0o10000000, 0o20000000
_RESOLVE_NO_MAGIC = 0x02 | 0x04           # RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS
_RESOLVE_NO_SYMLINKS = 0x04
_RESOLVE_NO_XDEV, _RESOLVE_BENEATH, _RESOLVE_IN_ROOT, _RESOLVE_CACHED = 0x01, 0x08, 0x10, 0x20
_RESOLVE_KNOWN = 0x3F
_O_TRUNC, _O_ACCMODE = 0o1000, 0o3
#: build_open_flags()'s O_TMPFILE_MASK (__O_TMPFILE | O_DIRECTORY | O_CREAT)
_O_TMPFILE_MASK = _O_TMPFILE | _O_DIRECTORY | _O_CREAT
#: the largest arm64 PAGE_SIZE (64 KiB pages): sys_openat2() `usize > PAGE_SIZE` -E2BIG;
#: a 16 or 64 KiB-page kernel takes a longer struct of zeros
_PAGE = 65536
#: build_open_flags()'s VALID_OPEN_FLAGS (arm64: every bit up to __O_TMPFILE but bits 2..5,
#: which no open flag has), and the flags O_PATH takes (O_PATH_FLAGS)
_VALID_OPEN_FLAGS = 0o37777703
_O_PATH_FLAGS = 0o40000 | 0o100000 | 0o10000000 | 0o2000000
_OPEN_HOW_SIZE_VER0 = 24
#: __FMODE_NONOTIFY (bit 26): build_open_flags() strips it before its VALID_OPEN_FLAGS
#: test up to 6.13 (`strip = __FMODE_NONOTIFY | O_CLOEXEC`), so only 6.14+ refuses it
_FMODE_NONOTIFY = 1 << 26


Opened = tuple[int, int, int, int]    # (flags, mode, resolve, usize)
#: openat2's usize where the struct's bytes past its first version are not all zero
_NONZERO_TAIL = -1


def how(files: Descriptors, registry: Registry, slot: Slot) -> Opened | None:
    """(flags, mode, resolve, usize) of the open in `slot` as the program passed them
    (openat2's struct read where the program left it quiet since the entry; usize
    _NONZERO_TAIL where it is longer than the first version with a byte past it set);
    None: not an open, or not known."""
    a = slot.args
    if slot.nr == NR_OPENAT:
        return a[2], a[3], 0, _OPEN_HOW_SIZE_VER0
    if slot.nr != _NR_OPENAT2:
        return None
    if a[3] < _OPEN_HOW_SIZE_VER0 or a[3] > _PAGE:
        return 0, 0, 0, a[3]
    dom = registry.domains.get(slot.domain)
    raw = files.memory.read(a[2], a[3], slot.root)
    if raw is None or dom is None or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, a[2], a[2] + a[3])]):
        return None
    flags, mode, resolve = struct.unpack_from("<QQQ", raw)
    # copy_struct_from_user(): a longer struct's bytes past what the kernel knows are 0
    return flags, mode, resolve, a[3] if not any(raw[_OPEN_HOW_SIZE_VER0:]) else _NONZERO_TAIL


def flag_error(opened: Opened, openat2: bool, every_version: bool = False) -> str | None:
    """Why Linux refuses an open by its flags alone, before getname() reads its name:
    sys_openat2()'s struct size and copy_struct_from_user(), build_open_flags() (None:
    it does not).  `every_version`: only what every 6.x kernel refuses (O_CREAT with
    O_DIRECTORY is refused from 6.4 on; before, the name is read first)."""
    flags, mode, resolve, usize = opened
    if openat2:
        if usize == _NONZERO_TAIL or usize > _PAGE:
            return "openat2's struct is longer than the kernel's with bytes set past it (E2BIG)"
        if usize < _OPEN_HOW_SIZE_VER0:
            return f"openat2's struct of {usize} bytes is smaller than its first version (EINVAL)"
        if flags & ~(_VALID_OPEN_FLAGS | _FMODE_NONOTIFY):
            return f"openat2 gives flags {flags:#x} beyond VALID_OPEN_FLAGS (EINVAL)"
        if mode and not flags & (_O_CREAT | _O_TMPFILE):
            return "openat2 gives a mode without O_CREAT or O_TMPFILE (EINVAL)"
        if mode & ~0o7777:
            return f"openat2 gives mode {mode:#o} past S_IALLUGO (EINVAL)"
        if flags & _O_PATH and flags & ~(_O_PATH_FLAGS | _FMODE_NONOTIFY):
            return "openat2 gives O_PATH with flags O_PATH does not take (EINVAL)"
        if resolve & ~_RESOLVE_KNOWN:
            return f"openat2 resolves with unknown bits {resolve:#x} (EINVAL)"
        if resolve & _RESOLVE_BENEATH and resolve & _RESOLVE_IN_ROOT:
            return "openat2 asks RESOLVE_BENEATH with RESOLVE_IN_ROOT (EINVAL)"
        if resolve & _RESOLVE_CACHED and flags & (_O_TRUNC | _O_CREAT | _O_TMPFILE):
            return "openat2 asks RESOLVE_CACHED with O_TRUNC, O_CREAT or O_TMPFILE (EAGAIN)"
    else:
        flags &= _VALID_OPEN_FLAGS      # build_open_how()
        if flags & _O_PATH:
            flags &= _O_PATH_FLAGS      # "O_PATH beats everything else"
    # build_open_flags() (6.4 on): "if ((flags & (O_DIRECTORY | O_CREAT)) ==
    # (O_DIRECTORY | O_CREAT)) return -EINVAL;" (before __O_TMPFILE's test)
    if flags & (_O_DIRECTORY | _O_CREAT) == _O_DIRECTORY | _O_CREAT and not every_version:
        return "O_CREAT with O_DIRECTORY (EINVAL)"
    # build_open_flags(): "if ((flags & O_TMPFILE_MASK) != O_TMPFILE) return -EINVAL;"
    # and O_TMPFILE asks MAY_WRITE
    if flags & _O_TMPFILE and ((flags & _O_TMPFILE_MASK) != _O_TMPFILE | _O_DIRECTORY
                               or not flags & _O_ACCMODE):
        return "__O_TMPFILE without O_DIRECTORY, with O_CREAT or read-only (EINVAL)"
    return None


def refusal(opened: Opened, openat2: bool, walked: Walk, no_open: bool = False
            ) -> str | None:
    """Why Linux refuses an open of a magic link to a non-directory with these
    arguments, by a name walked so (`no_open`: the file's inode takes no open; None:
    it does not, by them)."""
    why = flag_error(opened, openat2)
    if why is not None:
        return why
    flags, mode, resolve, usize = opened
    # (O_PATH|O_NOFOLLOW opens the link itself: no jump through it, but a name going on
    # past it follows it)
    beyond = walked.directory or walked.past is not None
    if openat2:
        if resolve & _RESOLVE_CACHED:
            # tid_fd_revalidate(): "if (flags & LOOKUP_RCU) return -ECHILD"; leaving RCU
            # mode fails under LOOKUP_CACHED, path_init() then answers -EAGAIN
            return "openat2 asks RESOLVE_CACHED of a magic link's name (EAGAIN)"
        jumps = not (flags & _O_PATH and flags & _O_NOFOLLOW) or beyond
        if resolve & _RESOLVE_NO_MAGIC and jumps:
            return "openat2 resolves a magic link under RESOLVE_NO_MAGICLINKS (ELOOP)"
        if resolve & _RESOLVE_NO_SYMLINKS and walked.symlink:
            return "openat2 meets a symlink (/proc/self) under RESOLVE_NO_SYMLINKS (ELOOP)"
        if resolve & _RESOLVE_IN_ROOT and jumps:
            return "openat2 jumps through a magic link in a scoped lookup (nd_jump_link(): EXDEV)"
        if resolve & (_RESOLVE_BENEATH | _RESOLVE_NO_XDEV) and (walked.absolute or jumps):
            # an absolute name: nd_jump_root() under RESOLVE_BENEATH, /proc a mount of its
            # own under RESOLVE_NO_XDEV; a jump: nd_jump_link() (scoped, another mount)
            return "openat2 leaves its start under RESOLVE_BENEATH or RESOLVE_NO_XDEV (EXDEV)"
        if resolve & _RESOLVE_BENEATH and walked.escapes:
            return "openat2's \"..\" leaves its start under RESOLVE_BENEATH (follow_dotdot(): EXDEV)"
        if resolve & _RESOLVE_NO_XDEV and walked.crosses:
            return "openat2 steps into or out of /proc under RESOLVE_NO_XDEV (traverse_mounts(): EXDEV)"
    elif flags & _O_PATH:
        flags &= _O_PATH_FLAGS          # build_open_how(): "O_PATH beats everything else"
    if flags & _O_DIRECTORY or beyond:
        return "the name asks a directory of an open file that is no directory (ENOTDIR)"
    if flags & _O_CREAT and flags & _O_EXCL:
        return "O_CREAT|O_EXCL names a name that exists (EEXIST)"
    if flags & _O_NOFOLLOW and not flags & _O_PATH:
        return "O_NOFOLLOW meets a link as the last component (ELOOP)"
    if no_open and not flags & _O_PATH:
        # do_dentry_open(): O_PATH calls no .open; else sock_no_open() or no_open()
        return "it opens again a socket or an anon-inode file, which takes no open (ENXIO)"
    return None


def no_directory(f: OpenFile) -> bool:
    """Is `f` an open file surely no directory: a memfd, a pipe's end, a socket or an
    anon-inode file the program made?"""
    return bool(f.memfd) or f.maker == _NR_PIPE2 or takes_no_open(f)


def takes_no_open(f: OpenFile) -> bool:
    """Is `f` a socket or an anon-inode file the program made (no open of its inode)?"""
    return f.maker in _NO_OPEN or f.sock is not None


def lookup_refusal(files: Descriptors, slot: Slot, walked: Walk) -> str | None:
    """Why Linux refuses an open whose name walks so in a /proc/<pid>/fd directory,
    whatever file it ends at (None: it does not, by that)."""
    if walked.entry is not None:
        return (f"the name looks up {walked.entry!r} in a /proc fd directory, no descriptor "
                f"number (proc_lookupfd_common() -> name_to_int(): ENOENT)")
    if walked.past is not None:
        f = files.reopened(slot, AT_FDCWD, walked.past)
        if f is not None and no_directory(f):
            return (f"the name goes on past {walked.past}, a link to an open file that is "
                    f"no directory (link_path_walk(): ENOTDIR)")
    return None


def refused(files: Descriptors, slot: Slot, opened: Opened, walked: Walk) -> str | None:
    """Why Linux refuses the open in `slot` by its arguments and its name's walk, where
    it reopens a memfd, a pipe's end, a socket or an anon-inode file or walks a /proc fd
    directory (None: it does not,
    by them)."""
    why = lookup_refusal(files, slot, walked)
    if why is None:
        again, _ = files.reopen_of(slot)
        # (only an open file surely no directory: a memfd, a pipe's end, a socket, an
        # anon-inode file)
        if again is not None and no_directory(again):
            why = refusal(opened, slot.nr == _NR_OPENAT2, walked, takes_no_open(again))
    return why


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.reopen_flags`: an open of /proc/self/fd/N, or through a /proc fd directory,
    (read where the program left the name quiet) that succeeded asked nothing Linux
    refuses by its flags or its name."""
    opened = how(files, registry, slot)
    dom = registry.domains.get(slot.domain)
    if opened is None or dom is None:
        return
    walked = walk(files, slot, opened[2])
    why = refused(files, slot, opened, walked) if walked is not None else None
    # (the name read where the program left it alone since the entry)
    name = read_name(files.memory, slot, slot.args[1]) if why is not None else None
    if name is not None and quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, slot.args[1], slot.args[1] + len(name.encode()) + 1)]):
        refuse("return.reopen_flags", Status.ERR_DENIED,
               f"an open by /proc/self/fd or a /proc fd directory answered a descriptor, "
               f"but {why}")
