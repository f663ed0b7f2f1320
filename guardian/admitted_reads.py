"""`return.admitted_bytes`: a read of an admitted file answers that file's bytes.

The user admits the files a confidential program may map (its interpreter, its
libraries, its data): the admission fixes what each admitted path holds, and the pages
the program maps from it are measured against those bytes.  ld.so does not decide from
the mapped pages, though: it read()s a library's ELF header and program headers into a
buffer first and maps and lays out the library (its segments, its TLS block, RELRO) from
what that read returned.  Linux's read() of a file returns the file's bytes at the open
file's position, so the Guardian holds every read of a descriptor the program opened by
an admitted path, or by /proc/self/exe (the executable it runs, admitted with its path:
Linux denies writers to a running executable), to those bytes:

* pread64 and preadv read at the offset the program passed;
* read and readv read at the open file's position, which the Guardian follows from the
  open (0) through the program's own reads (each moves it by what it returned) and
  lseeks (SEEK_SET, SEEK_CUR, SEEK_END against the admitted size); where a step cannot
  be followed (another call on the open file in flight, a mover it does not follow, the
  open file handed to an image or a process whose calls it does not see) the position
  is no longer known and only the positioned reads are judged;
* no read runs past the file's end (a short count is Linux's to give; its bytes are not).

A program that opens an admitted file for writing, or truncates it by name, may change
what it holds: from then on no read of that path is judged.  One that renames, links or
symlinks, mounts, changes its root or enters new namespaces may change which file any path
names: from then on no read of an admitted path is judged (`may_differ`).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import O_ACCMODE, O_RDONLY
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import read_counts
from guardian.checks import refuse
from guardian.exec_args import cstring
from guardian.pipe_bytes import buffers
from guardian.quiet_ranges import quiet
from guardian.root_moves import moves_root

if TYPE_CHECKING:
    from guardian.confidential_admission import Admission
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, FileTable
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

_NR = NUMBERS
_READ, _READV, _PREAD, _PREADV = _NR["read"], _NR["readv"], _NR["pread64"], _NR["preadv"]
_LSEEK, _OPENAT, _OPENAT2 = _NR["lseek"], _NR["openat"], _NR["openat2"]
_TRUNCATE = _NR["truncate"]
#: may make a node (a FIFO) where a device's name was unlinked: moves /dev's names only
#: (root_moves.py), no admitted file's
_MKNODAT = _NR["mknodat"]
AT_FDCWD = -100
_WRITES = frozenset(_NR[n] for n in ("write", "writev", "pwrite64", "pwritev", "pwritev2",
                                     "ftruncate", "fallocate"))
_READS = frozenset({_READ, _READV, _PREAD, _PREADV})
_POSITIONED = frozenset({_PREAD, _PREADV})
#: Calls that may move an open file's position in ways not followed here (in_fd of
#: sendfile, splice, copy_file_range; the -1 offset of preadv2 and pwritev2; io_uring),
#: or hand the open file to a process whose calls the Guardian does not see.
_MOVERS = frozenset(_NR[n] for n in (
    "sendfile", "splice", "copy_file_range", "preadv2", "pwritev2", "io_uring_enter",
    "io_uring_setup", "sendmsg", "sendmmsg") if n in _NR)
#: Calls that may change which file a path names: a rename or link over it, a symlink on
#: its way, a mount, a new root, a new mount namespace.
_MOVES_NAMES = frozenset(_NR[n] for n in (
    "renameat", "renameat2", "linkat", "symlinkat", "mount", "umount2", "chroot",
    "pivot_root", "unshare", "setns", "move_mount", "open_tree", "fsmount",
    "mount_setattr") if n in _NR)
#: Every call this module acts on.
CALLS = frozenset({*_READS, *_WRITES, *_MOVERS, *_MOVES_NAMES, _MKNODAT, _LSEEK, _OPENAT,
                   _OPENAT2, _TRUNCATE})
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2
#: Names that open the executable the calling process runs (proc_exe_link: mm->exe_file,
#: which no one writes while it runs).
RUNNING_LINKS = frozenset({"/proc/self/exe"})
_ON_DESCRIPTOR = _READS | _WRITES | {_LSEEK}


def _s64(v: int) -> int:
    return v - (1 << 64) if v & (1 << 63) else v


class AdmittedReads:
    """The position of each open file the program opened by an admitted path."""

    def __init__(self, memory: UserMemory, files: Descriptors, admission: Admission) -> None:
        self.memory = memory
        self.files = files
        self.admission = admission
        #: open file -> its position (None: not known)
        self.positions: dict[Description, int | None] = {}
        #: admitted paths the program opened for writing and wrote or truncated
        self.written: set[str] = set()
        #: the program made a call that may change which file a path names
        self.names_moved = False
        #: the program made a call that may change what "/" names (root_moves.py)
        self.root_moved = False

    def may_differ(self, path: bytes) -> bool:
        """May the absolute `path` name another file than the one the user admitted at it:
        the program wrote it, or moved names about, or the path is not in its plain form
        (".." after a linked directory goes where Linux's walk goes, not the string)?"""
        text = path.decode(errors="surrogateescape")
        return self.names_moved or text in self.written or \
            posixpath.normpath(text) != text or "//" in text

    def _data(self, slot: Slot, fd: int) -> tuple[str, bytes] | None:
        path = self.files.path_of(slot, fd)
        if path in RUNNING_LINKS:
            data = self._running(slot)
            return None if data is None else (path, data)
        path = self.files.admitted(slot, fd)
        if path is None or path in self.written:
            return None
        data = self.admission.file_data.get(path)
        return None if data is None else (path, data)

    def _running(self, slot: Slot) -> bytes | None:
        """The bytes of the executable the caller's domain runs (a dynamic program's
        own, not its interpreter's), where the user admitted it with its path."""
        dom = self.admission.registry.domains.get(slot.domain)
        image = None if dom is None else dom.program or dom.image
        return None if image is None else self.admission.image_data.get(image.digest)

    def _racing(self, slot: Slot, desc: Description) -> bool:
        """Is another call on the same open file in flight (their order is not known)?"""
        for other in self.files.admission.registry.slots.values():
            if other.id != slot.id and other.nr in _ON_DESCRIPTOR and \
                    self.files.description_of(other, other.args[0]) is desc:
                return True
        return False

    def check(self, slot: Slot, ret: int) -> None:
        if slot.nr == _LSEEK:
            self._check_seek(slot, ret)
            return
        if slot.nr not in _READS or ret >= ERRNO_FLOOR:
            return
        if slot.nr not in _POSITIONED and not self.positions:
            return                      # (no admitted file open whose position is known)
        found = self._data(slot, slot.args[0])
        desc = self.files.description_of(slot, slot.args[0])
        if found is None or desc is None:
            return
        path, data = found
        if slot.nr in _POSITIONED:
            pos: int | None = slot.args[3]
        else:
            pos = None if self._racing(slot, desc) else self.positions.get(desc)
        if pos is None:
            return
        if ret > len(data) - pos:
            refuse("return.admitted_bytes", Status.ERR_DENIED,
                   f"a read of {ret} bytes at offset {pos} of the admitted file {path} runs "
                   f"past its end ({len(data)} bytes): Linux reads up to the end only")
        reg = self.files.admission.registry
        dom = reg.domains.get(slot.domain)
        if dom is not None:
            read_counts.check_file(self.memory, slot, dom, reg.slots.values(), reg.user_runs,
                                   ret, path, len(data), pos)
        if not ret:
            return
        got = buffers(self.memory, slot, ret)
        if got is not None and got != data[pos:pos + ret]:
            refuse("return.admitted_bytes", Status.ERR_DENIED,
                   f"a read of {ret} bytes at offset {pos} of the admitted file {path} "
                   "returns other bytes than the file holds (the ones its mapped pages are "
                   "measured against)")

    def _settled(self, slot: Slot, spans: list[tuple[int, int]]) -> bool:
        """Did the bytes of each [start, end) of the slot's space lie quiet through its
        call (quiet_ranges.quiet)?"""
        reg = self.admission.registry
        dom = reg.domains.get(slot.domain)
        return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                         [(slot.root, s, e) for s, e in spans])

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that passed the rules did to the positions (after the descriptor
        table recorded it)."""
        nr, a = slot.nr, slot.args
        if nr in _MOVERS:
            if self.positions:
                self.positions = dict.fromkeys(self.positions)
            return
        if ret >= ERRNO_FLOOR:
            return
        if nr in _MOVES_NAMES:
            self.names_moved = True
            self.root_moved = self.root_moved or moves_root(
                self.memory, slot, lambda spans: self._settled(slot, spans))
            self.written.update(self.admission.files)
            return
        if nr == _MKNODAT:
            self.root_moved = self.root_moved or moves_root(
                self.memory, slot, lambda spans: self._settled(slot, spans))
            return
        if nr in (_OPENAT, _OPENAT2):
            self._opened(slot, ret)
            return
        if nr == _TRUNCATE:
            self._truncated(slot)
            return
        if nr not in _WRITES and not self.positions:
            return                      # (a read or seek moves a known position only)
        desc = self.files.description_of(slot, a[0])
        if desc is None:
            return
        if nr in _WRITES:
            path = self.files.admitted(slot, a[0])
            if path is not None:
                self.written.add(path)
            return
        if desc not in self.positions:
            return
        pos = None if self._racing(slot, desc) else self.positions[desc]
        if nr in (_READ, _READV):
            self.positions[desc] = None if pos is None else pos + ret
        elif nr == _LSEEK:
            self.positions[desc] = self._seek(slot, pos)

    def _check_seek(self, slot: Slot, ret: int) -> None:
        """`return.admitted_seek`: an lseek of an admitted file (or /proc/self/exe) that
        succeeded lands where generic_file_llseek() puts it: the offset from the start,
        the position known, or the file's size (SEEK_DATA and SEEK_HOLE: not judged)."""
        if ret >= ERRNO_FLOOR or not self.positions:
            return
        desc = self.files.description_of(slot, slot.args[0])
        if desc is None or desc not in self.positions or self._data(slot, slot.args[0]) is None:
            return
        target = self._seek(slot, None if self._racing(slot, desc) else self.positions[desc])
        if target is not None and ret != target:
            refuse("return.admitted_seek", Status.ERR_DENIED,
                   f"an lseek of an admitted file answers {ret:#x}, but it lands at "
                   f"{target:#x}: the file's size and the open file's position are known, "
                   "and vfs_setpos() sets exactly the offset asked")

    def _seek(self, slot: Slot, pos: int | None) -> int | None:
        """Where an lseek that succeeded leaves the position (the program's own request;
        its answer is the kernel's)."""
        found = self._data(slot, slot.args[0])
        whence, off = slot.args[2] & 0xFFFF_FFFF, _s64(slot.args[1])
        size = len(found[1]) if found is not None else None
        base = {SEEK_SET: 0, SEEK_CUR: pos, SEEK_END: size}.get(whence)
        return None if base is None or base + off < 0 else base + off

    def _opened(self, slot: Slot, ret: int) -> None:
        table = self.files.table(slot.root, slot.thread)
        f = table.fds.get(ret & 0xFFFF_FFFF)
        if f is None or f.path is None or (f.path not in self.admission.files
                                           and f.path not in RUNNING_LINKS):
            return
        if f.access is None or f.access & O_ACCMODE != O_RDONLY:
            self.written.add(f.path)    # a writer may change it (O_TRUNC at once)
            return
        self._forget_released()
        self.positions[f.description] = 0

    def _truncated(self, slot: Slot) -> None:
        """truncate(path) succeeded: the admitted file it names (any, where the name
        cannot be resolved) no longer holds what was admitted."""
        raw = cstring(lambda va, n: self.memory.read(va, n, slot.root), slot.args[0])
        path = self.files.resolve(slot, AT_FDCWD, raw.decode(errors="surrogateescape")) \
            if raw is not None else None
        if path is None:
            self.written.update(self.admission.files)
        elif path in self.admission.files:
            self.written.add(path)

    def _forget_released(self) -> None:
        live = self.files.live_descriptions()
        self.positions = {d: p for d, p in self.positions.items() if id(d) in live}

    def note_exec(self, table: FileTable) -> None:
        """A process execs with this table: an open file it keeps goes on in an image
        whose calls the Guardian may not see."""
        for f in table.fds.values():
            if not f.cloexec and f.description in self.positions:
                self.positions[f.description] = None
