"""Which calls in flight may change one file only the program holds.

A call of SIZE_MOVERS (file_pages.py) changes a file through the descriptor it names:
ksys_write() -> vfs_write() on fdget_pos(fd)'s file, vfs_fallocate(), do_ftruncate(),
do_splice() and vfs_copy_file_range() on their output file, do_sendfile() on out_fd.
One whose descriptor names an open file the Guardian knows to be another one (/dev/null,
a pipe, another memfd) cannot change the file; one it cannot resolve (a name, a ring, a
socket's message) may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.file_pages import SIZE_MOVERS
from guardian.foreign_tasks import MOUNTING
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from collections.abc import Mapping

    from guardian.confidential_files import Descriptors
    from guardian.confidential_shares import Shares
    from guardian.slots import Domain, Slot
    from guardian.sole_files import MemFile

_N = NUMBERS
#: Character devices by name: never a memfd's inode (/dev/stdout and /dev/fd/N are
#: links through /proc/self/fd, so not among them).
DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                     "/dev/tty"})
#: The argument that holds the descriptor a call writes through.
OUT_FD = {nr: i for names, i in (
    (("write", "writev", "pwrite64", "pwritev", "pwritev2", "ftruncate", "fallocate",
      "vmsplice", "sendfile"), 0),
    (("tee",), 1),
    (("splice", "copy_file_range"), 2)) for n in names if (nr := _N.get(n)) is not None}


def other_file(files: Descriptors, slot: Slot, mem: MemFile) -> bool:
    """Is the descriptor the call in `slot` writes through known to name an open file
    of another file than `mem`?  (Only where the table still maps each number as at the
    call's entry: fdget() took the file then, and a dup2() or close() by another thread
    since leaves the call on it.)"""
    i = OUT_FD.get(slot.nr)
    if i is None or not files.steady(slot):
        return False
    f = files.open_file(slot, slot.args[i] & 0xFFFF_FFFF)
    if f is None or f.path_only:
        return False
    held = files.sole.by_file.get(f.description)
    if held is not None:
        return held is not mem
    if f.memfd:
        return False            # (a memfd not followed: may be this one's other open)
    return f.path in DEVICES and boot_names(files)


def boot_names(files: Descriptors) -> bool:
    """Do /dev's names name the devices still: no chroot, mount, unshare(CLONE_NEWNS) or
    link or node made in /dev seen (moves_root(): Reach.root) nor in flight?  (In a chroot or a
    new mount namespace, one a user namespace lets any program make, "/dev/null" may be
    a link to /proc/self/fd/N or a bind mount of the memfd.)"""
    return not files.admitted_reads.root_moved and not any(
        s.nr in MOUNTING for s in files.admission.registry.slots.values())


def file_movers(files: Descriptors | None, slots: list[Slot],
                mem: MemFile | None) -> frozenset[int]:
    """The numbers of the calls of SIZE_MOVERS in `slots` that may change `mem` (all of
    them where `mem` or the descriptors are not known)."""
    return frozenset(s.nr for s in slots if s.nr in SIZE_MOVERS and not (
        files is not None and mem is not None and other_file(files, s, mem)))


_FTRUNCATE, _FALLOCATE, _PWRITE64 = _N["ftruncate"], _N["fallocate"], _N["pwrite64"]
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 0x01, 0x02
_SIGN = 1 << 63
_PAGE = 4096


def leaves(files: Descriptors, dom: Domain, slots: list[Slot], runs: Mapping[int, int],
           mem: MemFile, page_at: int) -> list[tuple[int, bytes]] | None:
    """What the calls in flight that may change `mem` may leave in its page at file
    offset `page_at`, beside what it holds now: (offset in the page, bytes) each; None
    where one may leave bytes the Guardian cannot tell.  ftruncate may cut and grow the
    page back as a hole (zeros); fallocate() keeps the bytes (shmem_fallocate(): mode 0
    and FALLOC_FL_KEEP_SIZE allocate zeroed folios only where none is) or punches a hole
    (zeros); pwrite64 writes the program's buffer at its offset (shmem_write_end()),
    where that buffer lay quiet through the call (quiet_ranges.quiet)."""
    out: list[tuple[int, bytes]] = []
    for s in slots:
        if s.nr not in SIZE_MOVERS or other_file(files, s, mem):
            continue
        a = s.args
        if s.nr == _FTRUNCATE:
            out.append((0, bytes(_PAGE)))
        elif s.nr == _FALLOCATE:
            if a[1] & 0xFFFF_FFFF & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE):
                return None     # (ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE of an O_TMPFILE
                #                  file elsewhere than shmem: bytes zeroed or shifted)
            if a[1] & FALLOC_FL_PUNCH_HOLE:
                lo, hi = max(a[2], page_at), min(a[2] + a[3], page_at + _PAGE)
                if a[2] & _SIGN or a[3] & _SIGN:
                    continue                    # vfs_fallocate(): EINVAL
                if lo < hi:
                    out.append((lo - page_at, bytes(hi - lo)))
        elif s.nr == _PWRITE64 and not mem.append:
            if a[3] & _SIGN:
                continue                        # ksys_pwrite64(): EINVAL
            lo, hi = max(a[3], page_at), min(a[3] + a[2], page_at + _PAGE)
            if lo >= hi:
                continue
            buf = a[1] + (lo - a[3])
            got = files.memory.read(buf, hi - lo, s.root)
            if got is None or not quiet(s, dom, slots, runs, [(s.root, buf, buf + hi - lo)]):
                return None
            out.append((lo - page_at, got))
        elif s.nr in _AT_POS or s.nr in _COPIES or s.nr == _SPLICE:
            got = (_written if s.nr in _AT_POS else _copied if s.nr in _COPIES else _spliced)(
                files, dom, slots, runs, mem, s, page_at)
            if got is None:
                return None
            out += got
        else:
            return None
    return out


_WRITE, _WRITEV, _PWRITEV = _N["write"], _N["writev"], _N["pwritev"]
_AT_POS = frozenset({_WRITE, _WRITEV, _PWRITEV})
_MAX_IOV = 64


def _written(files: Descriptors, dom: Domain, slots: list[Slot], runs: Mapping[int, int],
             mem: MemFile, s: Slot, page_at: int) -> list[tuple[int, bytes]] | None:
    """What write(), writev() or pwritev() in `s` may leave in `mem`'s page at `page_at`:
    its buffers' bytes from where it writes (ksys_write() at the open file's f_pos,
    generic_write_checks() at i_size for an O_APPEND one, ksys_pwritev() at its offset),
    where those buffers (and the iovec array) lay quiet through the call; None where
    that place or those bytes are not known (a second write of the file in flight: the
    order is not known)."""
    a = s.args
    if sum(1 for o in slots if o.nr in SIZE_MOVERS and not other_file(files, o, mem)) > 1:
        return None
    desc = files.description_of(s, a[0] & 0xFFFF_FFFF) if mem.reopens else None
    if mem.appends(desc):
        pos: int | None = mem.size
    elif s.nr == _PWRITEV:
        pos = None if a[3] & _SIGN else a[3]
    else:
        pos = None if _pos_moving(files, s, mem, slots) else mem.offset_of(desc)
    if pos is None:
        return None
    if s.nr == _WRITE:
        iov, ranges = [(a[1], a[2])], []
    else:
        n = a[2] & 0xFFFF_FFFF
        raw = files.memory.read(a[1], 16 * n, s.root) if 0 < n <= _MAX_IOV else None
        if raw is None:
            return None
        iov = [(int.from_bytes(raw[16 * i:16 * i + 8], "little"),
                int.from_bytes(raw[16 * i + 8:16 * i + 16], "little")) for i in range(n)]
        ranges = [(s.root, a[1], a[1] + 16 * n)]
    out: list[tuple[int, bytes]] = []
    for base, length in iov:
        if length & _SIGN:
            return None
        lo, hi = max(pos, page_at), min(pos + length, page_at + _PAGE)
        if lo < hi:
            buf = base + (lo - pos)
            got = files.memory.read(buf, hi - lo, s.root)
            if got is None:
                return None
            out.append((lo - page_at, got))
            ranges.append((s.root, buf, buf + hi - lo))
        pos += length
    if ranges and not quiet(s, dom, slots, runs, ranges):
        return None
    return out



#: Calls that store into no user memory (the faulting thread's own call, at most).
_STILL = frozenset(_N[n] for n in ("getppid", "getpid", "gettid", "sched_yield"))


def shared_frame(files: Descriptors, shares: Shares, domain: int, lone: bool,
                 slots: list[Slot], mem: MemFile, page_at: int) -> bytes | None:
    """The bytes of the program's MAP_SHARED frame of `mem`'s page at file offset
    `page_at` (the page cache folio: shmem_fault() finds it for every view), where no
    store to it can race the look (`lone`: one thread only can store -- a fork child that
    stored through its view and is gone counts no more; no call in flight but a fault or
    one that stores nothing).  The frame is the one a tree maps, or the one the memfd
    holds with no tree mapping it (the views that stored to it are gone: the memfd keeps
    its folio, shmem_fault() finds it); None: not known."""
    if not lone or any(s.nr is not None and s.nr not in _STILL for s in slots):
        return None
    dom = shares.registry.domains.get(domain)
    ids = {f.memfd for table in files.tables.values() for f in table.fds.values()
           if f.memfd and files.sole.by_file.get(f.description) is mem}
    share = dom.memfd_shares.get(next(iter(ids))) if dom is not None and len(ids) == 1 \
        else None
    if share is None:
        return None
    held = shares.s.frames.held_at.get((domain, (share, page_at, 0)))
    if held is not None:
        return bytes(shares.s.ram.read(held, _PAGE))
    for root, va in shares.places_of(domain, (share, page_at, 0)):
        pa = shares.frame_at(root, va)
        if pa is not None:
            return bytes(shares.s.ram.read(pa, _PAGE))
    return None


_SENDFILE, _COPY_RANGE = _N["sendfile"], _N["copy_file_range"]
_COPIES = frozenset({_SENDFILE, _COPY_RANGE})
#: Calls that may move an open file's f_pos (or its O_APPEND) through their first
#: descriptor: read, preadv2 at -1, lseek, fcntl ... (sole_files.py's ordered calls).
_POS_CALLS = frozenset(_N[n] for n in (
    "read", "readv", "preadv2", "write", "writev", "lseek", "fcntl", "ftruncate", "fallocate"))


def _pos_moving(files: Descriptors, s: Slot, mem: MemFile, slots: list[Slot]) -> bool:
    """Is another call in flight that may move the f_pos of an open file of `mem`
    (fdget_pos() orders it with `s`'s either way): read, lseek, fcntl(F_SETFL), or
    sendfile, copy_file_range or splice taking from it?  (A descriptor not known: may.)"""
    for o in slots:
        if o is s or o.nr is None:
            continue
        if o.nr in _POS_CALLS or o.nr == _COPY_RANGE or o.nr == _N["splice"]:
            fd = o.args[0]
        elif o.nr == _SENDFILE:
            fd = o.args[1]
        else:
            continue
        f = files.open_file(o, fd & 0xFFFF_FFFF)
        if f is None or files.sole.by_file.get(f.description) is mem:
            return True
    return False


def _at(files: Descriptors, s: Slot, ptr: int, desc: object, held: MemFile) -> int | None:
    """A copy's offset: the loff_t at `ptr` (its own) as the call's entry found it
    (sole_moves.note_entry: the call writes the moved-on one back), else the open file's
    f_pos."""
    if not ptr:
        return held.offset_of(desc if held.reopens else None)
    raw = s.asked.get(ptr)
    if raw is None:
        raw = files.memory.read(ptr, 8, s.root)
    at = int.from_bytes(raw, "little") if raw is not None else None
    return None if at is None or at & _SIGN else at


def _copied(files: Descriptors, dom: Domain, slots: list[Slot], runs: Mapping[int, int],
            mem: MemFile, s: Slot, page_at: int) -> list[tuple[int, bytes]] | None:
    """What sendfile() or copy_file_range() in `s` from another file only the program
    holds (or copy_file_range() from `mem` itself, its ranges apart: the source's bytes
    as they were before the call) may leave in `mem`'s page at `page_at`: the source's
    bytes from its offset
    (do_sendfile() -> do_splice_direct(), vfs_copy_file_range() -> splice_file_range())
    written at the target's (out_fd's f_pos; copy_file_range's off_out or f_pos), where
    both are known, the offsets' words lay quiet, and no other call in flight may change
    either file; None otherwise (a source the Guardian does not follow: not known)."""
    from guardian.sole_files import MemFile as _Mem
    a = s.args
    if sum(1 for o in slots if o.nr in SIZE_MOVERS and not other_file(files, o, mem)) > 1:
        return None
    fd_in, fd_out = (a[1], a[0]) if s.nr == _SENDFILE else (a[0], a[2])
    p_in, p_out = (a[2], 0) if s.nr == _SENDFILE else (a[1], a[3])
    count = a[3] if s.nr == _SENDFILE else a[4]
    f_in = files.open_file(s, fd_in & 0xFFFF_FFFF)
    src = files.sole.by_file.get(f_in.description) if f_in is not None else None
    # (copy_file_range() of the file to itself: its other movers counted above)
    self_copy = src is mem and s.nr == _COPY_RANGE
    if not isinstance(src, _Mem) or (src is mem and not self_copy) or not src.followed or \
            src.data is None or file_movers(files, [o for o in slots if o is not s], src) or \
            mem.appends(None if not mem.reopens else files.description_of(s, fd_out)):
        return None
    d_out = files.description_of(s, fd_out & 0xFFFF_FFFF)
    if (not p_in or not p_out) and (_pos_moving(files, s, mem, slots)
                                    or _pos_moving(files, s, src, slots)):
        return None
    pos_in, pos = _at(files, s, p_in, f_in.description, src), _at(files, s, p_out, d_out, mem)
    words = [(s.root, p, p + 8) for p in (p_in, p_out) if p]
    if pos_in is None or pos is None or count & _SIGN or \
            (words and not quiet(s, dom, slots, runs, words)):
        return None
    if self_copy and pos + count > pos_in and pos < pos_in + count:
        return None     # generic_copy_file_checks(): -EINVAL where count, clipped, overlaps
    lo, hi = max(pos, page_at), min(pos + count, page_at + _PAGE)
    if lo >= hi:
        return []
    got = src.known(pos_in + lo - pos, hi - lo)
    return None if got is None else [(lo - page_at, got)]


_SPLICE = _N["splice"]


def _spliced(files: Descriptors, dom: Domain, slots: list[Slot], runs: Mapping[int, int],
             mem: MemFile, s: Slot, page_at: int) -> list[tuple[int, bytes]] | None:
    """What splice() in `s` from a pipe only the program holds may leave in `mem`'s page
    at `page_at`: the pipe's next bytes (do_splice() -> iter_file_splice_write() takes
    them in order) at off_out or the open file's f_pos, where no other call but a fault
    or one that stores nothing is in flight (no other reader or writer of the pipe) and
    off_out's word lay quiet; None otherwise."""
    from guardian.pipe_bytes import Fifo
    a = s.args
    if any(o is not s and o.nr is not None and o.nr not in _STILL for o in slots):
        return None
    f_in = files.open_file(s, a[0] & 0xFFFF_FFFF)
    fifo = files.sole.by_file.get(f_in.description) if f_in is not None else None
    # (vmsplice() linked user pages in: their bytes are what the program's stores left
    # there since, not the ones kept: pipe_bytes.Fifo.spliced)
    if a[1] or not isinstance(fifo, Fifo) or not fifo.reads(f_in.description) or \
            fifo.in_packets() or fifo.spliced or mem.appends(
                files.description_of(s, a[2] & 0xFFFF_FFFF) if mem.reopens else None):
        return None
    d_out = files.description_of(s, a[2] & 0xFFFF_FFFF)
    pos = _at(files, s, a[3], d_out, mem)
    if pos is None or (a[3] and not quiet(s, dom, slots, runs, [(s.root, a[3], a[3] + 8)])):
        return None
    count = a[4]
    lo, hi = max(pos, page_at), min(pos + count, page_at + _PAGE)
    if lo >= hi:
        return []
    return [(lo - page_at, bytes(fifo.waiting[lo - pos:hi - pos]))]
