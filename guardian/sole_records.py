"""What a call that passed the rules did to the objects only the program holds.

`SoleHeld` (sole_held.py) holds the objects and judges answers about them; this base of it
follows each call's effect after the descriptor table recorded it (`record`): the objects
made (pipe2, memfd_create, eventfd2, socketpair, timerfd_create, O_TMPFILE), the bytes
moved through them, the opens that may reach one again, the calls whose effect is not
followed (they drop what is known), MADV_REMOVE's holes and a memfd's writable views.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi.layout import ERRNO_FLOOR, PROT_WRITE
from emulator import descriptors as D
from guardian import (
    checks,
    pair_bytes,
    pipe_bytes,
    pipe_splices,
    sole_files,
    sole_moves,
    sole_reopens,
    sole_streams,
    timer_states,
)
from guardian.descriptor_kinds import is_table_desc
from guardian.fd_names import REOPENING
from guardian.inotify_watches import Watched
from guardian.linear_map import TABLE_ENTRIES
from guardian.pair_bytes import Pair
from guardian.pipe_bytes import Fifo
from guardian.quiet_ranges import quiet
from guardian.self_reports import is_report
from guardian.side_fds import rights
from guardian.slots import Slot
from guardian.sole_calls import (
    EAGAIN,
    EFAULT,
    EINTR,
    INOTIFY_INIT1,
    IOCTL,
    LINKS,
    MADV_REMOVE,
    MADVISE,
    MAKERS,
    MAP_SHARED_KINDS,
    MAP_TYPE,
    MEMFD_CREATE,
    MMAP,
    MMSGS,
    MSG_CONTROL,
    NAMING,
    O_TMPFILE,
    OPENAT2,
    OPENS,
    PAGE,
    PIPE2,
    PLAIN_IOCTLS,
    PPOLL,
    PROTECTS,
    RECVMMSG,
    REGISTERING,
    SENDMSG,
    SOCKETPAIR,
    SYMLINKS,
    TIMERFD_CREATE,
    TIMERFD_SETTIME,
    TRUNCATE,
    UNFOLLOWED,
    VMSPLICE,
    Sole,
)
from guardian.sole_files import Counter, MemFile
from guardian.sole_streams import Sock

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description
    from guardian.user_memory import UserMemory


class SoleRecords:
    """`SoleHeld`'s following of each call's effect (see the module)."""

    memory: UserMemory
    files: Descriptors
    by_file: dict[Description, Sole]

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that passed the rules did to the objects (after the descriptor
        table recorded it)."""
        nr = slot.nr
        if nr in (PPOLL, sole_streams.PSELECT6):
            return
        if nr == TIMERFD_SETTIME:
            # do_timerfd_settime() arms or disarms it: timer_states.py follows a success
            # it can order, and drops the rest (-EFAULT may follow the arming)
            held = self.of(slot, slot.args[0]) if self.by_file else None
            if held is not None and isinstance(held[1], Counter) and held[1].timer:
                timer_states.record_settime(self, slot, ret, held[1])  # type: ignore[arg-type]
            elif held is not None:
                self.drop(held[1])
            return
        if nr in NAMING and self.by_file:      # (failed too: what it did is not known)
            held = self.of(slot, slot.args[0])
            if held is not None and isinstance(held[1], Pair):
                pair_bytes.note_named(held[1], slot)
        if nr in sole_streams.CALLS and nr not in UNFOLLOWED:
            if ret < ERRNO_FLOOR:
                sole_streams.record(self, slot, ret)
            else:
                sole_streams.failed(self, slot)
            return
        if nr in UNFOLLOWED:
            if nr == VMSPLICE and ret < ERRNO_FLOOR and self.by_file:
                held = self.of(slot, slot.args[0])
                if held is not None and isinstance(held[1], Fifo) and \
                        pipe_splices.splice_in(self, slot, ret, *held):
                    return                      # the program's own pages into its pipe
            held = self.of(slot, slot.args[0]) if nr in MMSGS and self.by_file else None
            if held is not None and isinstance(held[1], Pair) and ret < ERRNO_FLOOR and \
                    pair_bytes.follow_mmsg(self, slot, ret, *held):  # type: ignore[arg-type]
                return                          # a record pair's messages, followed
            if (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE or
                    nr in sole_files.V2) and ret >= ERRNO_FLOOR:
                return          # a move or write that fails moved nothing (one that moved
                #                 some answers the count: do_splice(), do_sendfile(),
                #                 do_iter_readv_writev())
            if ret == 0 and (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE):
                return          # a move answered 0 moved nothing: SYSCALL_DEFINE6(splice)
                #                 `if (!len) return 0;`, a count of 0 from do_splice(),
                #                 do_sendfile(), vfs_copy_file_range()
            if nr == RECVMMSG and ret >= ERRNO_FLOOR and ret != EFAULT:
                return          # do_recvmmsg(): `if (datagrams == 0) datagrams = err;` --
                #                 an error but -EFAULT (which may follow scm_recv()'s
                #                 installed descriptors) received nothing and installed none
            if (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE) and \
                    ret < ERRNO_FLOOR and self.by_file and \
                    (sole_moves.follow(self, slot, ret) or sole_moves.splice_out(self, slot, ret)
                     or sole_moves.into_memfd(self, slot, ret)
                     or sole_moves.splice_pipes(self, slot, ret)):
                return          # memfd -> pipe, pipe -> elsewhere, into a memfd, pipe -> pipe
            held = self.of(slot, slot.args[0]) if nr in sole_files.V2 else None
            if held is not None and isinstance(held[1], MemFile) and \
                    sole_files.v2_followed(slot):
                if ret < ERRNO_FLOOR:           # a memfd's preadv2/pwritev2, followed
                    sole_files.record(self, slot, ret, held[1])
                return
            if held is not None and isinstance(held[1], Fifo) and \
                    pipe_bytes.as_plain(slot) is not None:
                if ret < ERRNO_FLOOR:           # a pipe's readv/writev by another name
                    pipe_bytes.record(self, slot, ret, *held)  # type: ignore[arg-type]
                return
            if nr == sole_moves.TEE and sole_moves.tee(self, slot, ret):
                return                          # a pipe's bytes linked into another
            self.drop_domain(slot)
            return
        if ret >= ERRNO_FLOOR and nr in pair_bytes.RECEIVES and self.by_file:
            self._failed_receive(slot, ret)
        if ret >= ERRNO_FLOOR and nr == MADVISE and \
                slot.args[2] & 0xFFFF_FFFF == MADV_REMOVE and self.by_file:
            # (madvise_walk_vmas(): the areas before an error, or all of them before a
            # hole's -ENOMEM, were punched already)
            self._removed(slot, punched=False)
        if ret >= ERRNO_FLOOR or (not self.by_file and nr not in MAKERS and nr not in OPENS
                                  and nr not in PROTECTS):
            return
        if nr in MAKERS:
            self._made(slot, ret)
        elif nr in OPENS:
            f = self.files.table(slot.root, slot.thread).fds.get(ret & 0xFFFF_FFFF)
            flags = self.settled_flags(slot)
            if flags is None:
                self.drop_domain(slot)          # (which file it opened is not known)
                return
            # (do_tmpfile() makes a new file in the directory the name reaches, whatever
            # the name: a memfd or a pipe there is ENOTDIR -- path_openat())
            tmpfile = flags & O_TMPFILE == O_TMPFILE
            if f is None or (not tmpfile and (f.path is None or (
                    f.path.startswith(REOPENING) and not is_report(f.path)))):
                if f is None:
                    self.drop_domain(slot)      # it may be one of them, reopened
                elif f.path_only:
                    pass    # (an O_PATH handle reads, writes and cuts nothing: fd_modes.py)
                elif sole_reopens.directory(slot):
                    pass    # (a directory: do_open() refuses any other, ENOTDIR)
                elif not (sole_reopens.pipe(self, slot, f) or sole_reopens.memfd(self, slot, f)):
                    known, reached = sole_reopens.unfollowed(self, slot)
                    if not known:
                        self.drop_domain(slot)  # it may be one of them, reopened
                    elif reached is not None:
                        self.drop(reached)      # (that one only: the name says which)
            elif tmpfile and self.room():
                self.by_file[f.description] = MemFile(      # unnamed: only this open
                    append=bool(flags & sole_files.O_APPEND),
                    nonblock=bool(flags & sole_files.O_NONBLOCK))
        elif nr in LINKS:
            self.drop_domain(slot, MemFile)     # an O_TMPFILE file may get a name
        elif nr in SYMLINKS:
            self.drop_domain(slot)              # a name that may reopen any of them
        elif nr == TRUNCATE:
            self.drop_domain(slot, MemFile)     # by a name: which file is not followed
        elif nr == SENDMSG:
            self._sent(slot)
            held = self.of(slot, slot.args[0])
            if held is not None and isinstance(held[1], Pair):
                pair_bytes.record(self, slot, ret, *held)  # type: ignore[arg-type]
            elif held is not None and isinstance(held[1], Sock):
                sole_streams.record_option(self, slot, held[1])
        elif nr in REGISTERING or (nr == IOCTL and
                                    slot.args[1] & 0xFFFF_FFFF not in PLAIN_IOCTLS):
            self.drop_domain(slot, Counter)
            held = self.of(slot, slot.args[0]) if nr == IOCTL else None
            if held is not None and isinstance(held[1], MemFile):
                held[1].flagged = True          # (FS_IOC_SETFLAGS: sole_reopens.py)
        elif nr == MMAP:
            held = self.of(slot, slot.args[4])
            if held is not None and isinstance(held[1], MemFile) and \
                    slot.args[3] & MAP_TYPE in MAP_SHARED_KINDS and \
                    slot.args[2] & PROT_WRITE and slot.args[5] % PAGE:
                held[1].data = None             # no view follows it (file_pages.py)
        elif nr == MADVISE:
            if slot.args[2] & 0xFFFF_FFFF == MADV_REMOVE:
                self._removed(slot)
        elif nr in PROTECTS:
            if slot.args[2] & PROT_WRITE:
                self._made_writable(slot)
        else:
            held = self.of(slot, slot.args[0])
            if held is None:
                return
            end, obj = held
            if isinstance(obj, Fifo):
                pipe_bytes.record(self, slot, ret, end, obj)
            elif isinstance(obj, Pair):
                pair_bytes.record(self, slot, ret, end, obj)
                if obj.self_sent and nr == pair_bytes.RECVMSG:
                    self._self_received(slot, obj)
            elif isinstance(obj, Sock):
                sole_streams.record_option(self, slot, obj)
            else:
                sole_files.record(self, slot, ret, obj)

    def _failed_receive(self, slot: Slot, ret: int) -> None:
        """A receive on a pair end failed: it may still have taken what it found.
        __unix_dgram_recvmsg() takes the record off the queue before it copies it (an
        EFAULT there frees it), and ___sys_recvmsg() and __sys_recvfrom() fail with EFAULT
        when writing back the address or msg_flags after bytes were taken.  Only -EAGAIN
        (nothing waited) and -EINTR (a signal ended the wait) surely took nothing; after
        any other failure (but for MSG_PEEK) the pair is not judged any more."""
        held = self.of(slot, slot.args[0])
        if held is None or not isinstance(held[1], Pair) or \
                pair_bytes.peeks(slot) or ret in (EAGAIN, EINTR):
            return
        self.drop(held[1])

    def settled_flags(self, slot: Slot) -> int | None:
        """The open's flags as do_sys_openat2() took them: openat2()'s struct open_how
        only where it lay quiet through the call (copy_struct_from_user() copied it at the
        entry: another thread may have rewritten it since); None: not known."""
        if slot.nr != OPENAT2:
            return slot.args[2]
        reg = self.files.admission.registry
        dom = reg.domains.get(slot.domain)
        how = slot.args[2]
        if dom is None or not quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                    [(slot.root, how, how + 8)]):
            return None
        return self.open_flags(slot)

    def open_flags(self, slot: Slot) -> int:
        """The flags of an openat (args[2]) or openat2 (struct open_how's first word)."""
        if slot.nr != OPENAT2:
            return slot.args[2]
        raw = self.memory.read(slot.args[2], 8, slot.root)
        return struct.unpack("<Q", raw)[0] if raw is not None else 0

    def _made_writable(self, slot: Slot) -> None:
        """An mprotect with PROT_WRITE succeeded: a MAP_SHARED view in its range of a
        file only the program holds may store into the file now."""
        space = self.files.admission.registry.space_of(slot.domain, slot.root)
        if space is None or not space.sole_views:
            return
        start, end = slot.args[0], slot.args[0] + slot.args[1]
        for s, e, view, _ in space.sole_views:
            if s < end and start < e and getattr(view, "private_at", 0) is None:
                view.file.data = None           # type: ignore[attr-defined]

    def _removed(self, slot: Slot, punched: bool = True) -> None:
        """madvise(MADV_REMOVE) succeeded: through a writable MAP_SHARED view it punches a
        hole in the file (Linux's madvise_remove() -> vfs_fallocate()): the pages it
        covers read zeros and are judged again where no tree maps them through a
        writable MAP_SHARED view any more (unmap_mapping_range() took them); else loose
        (file_pages.py).  Not `punched`: it failed, and may have punched them or not."""
        space = self.files.admission.registry.space_of(slot.domain, slot.root)
        if space is None or not space.sole_views:
            return
        # (madvise(): len = PAGE_ALIGN(len_in), whole pages punched)
        start = slot.args[0]
        end = start + ((slot.args[1] + PAGE - 1) & ~(PAGE - 1))
        for s, e, view, off in space.sole_views:
            lo, hi = max(s, start), min(e, end)
            if lo < hi and getattr(view, "writable", False):
                first, last = off + lo - s, off + hi - s
                mem = view.file                                # type: ignore[attr-defined]
                pages = range(first // PAGE, (last + PAGE - 1) // PAGE)
                mem.forget_pages(first, last)
                if not punched:
                    _loosen(mem, pages)
                    continue
                if mem.data is not None and (slot.id < mem.changed_from or self.unsettled(
                        slot) or self.busy(slot, mem, sole_files.ORDERED)):
                    # (a write, fallocate ... of the file in flight with the madvise, or
                    # back from it since the madvise began: whether it came before or
                    # after the hole is not known; the file's bytes stop being judged)
                    mem.data = None
                if mem.data is not None and not self._still_mapped(slot, mem, pages):
                    # shmem_fallocate(PUNCH_HOLE): every mapping's page there unmapped
                    # (unmap_mapping_range()) and dropped: the hole reads zeros, and a
                    # store can reach it only after a fault brings a page in anew
                    stop = min(last, mem.size)
                    if first < stop:
                        mem.data[first:stop] = bytes(stop - first)
                    mem.loose = {p for p in mem.loose if p not in pages}
                    mem.version += 1
                else:
                    _loosen(mem, pages)

    def _still_mapped(self, slot: Slot, mem: object, pages: range) -> bool:
        """Does a tree of the slot's domain map a page of `pages` of `mem` through a
        writable MAP_SHARED view (or may it: the domain not known)?"""
        admission = self.files.admission
        dom = admission.registry.domains.get(slot.domain)
        if dom is None:
            return True
        for root, space in dom.spaces.items():
            for s, e, view, off in space.sole_views:
                if getattr(view, "file", None) is not mem or not getattr(view, "writable", 0):
                    continue
                lo = max(s, s + pages.start * PAGE - off)
                hi = min(e, s + pages.stop * PAGE - off)
                if lo < hi and _any_leaf(admission.s.shares.s.ram, root, 0, 0, lo, hi):
                    return True
        return False

    def _made(self, slot: Slot, ret: int) -> None:
        a = slot.args
        if slot.nr == PIPE2:
            raw = self.memory.read(a[0], 8, slot.root)
            if raw is None or a[1] & ~(pipe_bytes.FOLLOWED_FLAGS | pipe_bytes.O_DIRECT):
                return                          # (a notification pipe)
            rd, wr = struct.unpack("<ii", raw)
            read_end = self.files.description_of(slot, rd)
            write_end = self.files.description_of(slot, wr)
            if read_end is not None and write_end is not None and self.room():
                fifo = Fifo(read_end, write_end)
                if a[1] & pipe_bytes.O_DIRECT:
                    fifo.packet_ends.append(write_end)      # (a packet pipe)
                self.by_file[read_end] = self.by_file[write_end] = fifo
            return
        if slot.nr == SOCKETPAIR:
            self._paired(slot)
            return
        made = self.files.description_of(slot, ret)
        if made is None or not self.room():
            return
        if slot.nr == INOTIFY_INIT1:
            # (inotify_watches.py: its watches are judged while it stays here; a seccomp
            # filter's SECCOMP_IOCTL_NOTIF_ADDFD may install a group of its own)
            if not self.filtered(slot):
                self.by_file[made] = Watched()
            return
        if slot.nr == TIMERFD_CREATE:
            # timerfd_create(): ctx->ticks 0; only timerfd_settime() (the timer's expiry)
            # or TFD_IOC_SET_TICKS (an ioctl: drop_domain) adds to it -- unless a seccomp
            # filter answered: a user-notification supervisor's SECCOMP_IOCTL_NOTIF_ADDFD
            # (SECCOMP_ADDFD_FLAG_SEND) installs a file of its own, armed or not
            if not self.filtered(slot):
                self.by_file[made] = Counter(0, False, timer=True)
            return
        self.by_file[made] = MemFile(shmem=True, hugetlb=bool(a[1] & sole_files.MFD_HUGETLB)) \
            if slot.nr == MEMFD_CREATE else \
            Counter(a[0] & 0xFFFF_FFFF, bool(a[1] & sole_files.EFD_SEMAPHORE))

    def _paired(self, slot: Slot) -> None:
        """socketpair succeeded: an AF_UNIX pair of a type whose data it follows."""
        a = slot.args
        kind = a[1] & 0xF
        if a[0] & 0xFFFF_FFFF != pair_bytes.AF_UNIX or kind not in (
                pair_bytes.SOCK_STREAM, pair_bytes.SOCK_DGRAM, pair_bytes.SOCK_SEQPACKET):
            return
        raw = self.memory.read(a[3], 8, slot.root)
        if raw is None:
            return
        one, other = struct.unpack("<ii", raw)
        ends = self.files.description_of(slot, one), self.files.description_of(slot, other)
        if ends[0] is not None and ends[1] is not None and self.room():
            pair = Pair((ends[0], ends[1]), kind, unnamed=True)
            self.by_file[ends[0]] = self.by_file[ends[1]] = pair

    def _sent(self, slot: Slot) -> None:
        """sendmsg succeeded: an object a descriptor of its SCM_RIGHTS message reaches
        may have another holder now (one it cannot read, or not at a quiet return: any)
        -- but for a message sent on an end of a socketpair only the program holds: it waits at the peer end, which
        only the program's processes can receive it from, and recvmsg installs the very
        open file sent (passed_fds.py), so the object stays the program's alone.  It is
        dropped with the pair (`drop`), should the pair get another holder."""
        read = self.memory.read
        if read(slot.args[1] + MSG_CONTROL, 16, slot.root) is None or \
                not pair_bytes.quiet_msg(self, slot):
            self.drop_domain(slot)              # (what it passed: not known)
            return
        via = self.of(slot, slot.args[0])
        pair = via[1] if via is not None and isinstance(via[1], Pair) else None
        table = self.files.table(slot.root, slot.thread)
        for fd in rights(lambda va, n: read(va, n, slot.root), slot.args[1]):
            f = table.fds.get(fd)
            obj = self.by_file.get(f.description) if f is not None else None
            if obj is None:
                continue
            if pair is not None and obj is pair and checks.enabled("return.rights_kept"):
                pair.self_sent = True           # waits at its own peer end
            elif pair is not None and obj is not pair and checks.enabled("return.rights_kept"):
                if not any(c is obj for c in pair.carried):
                    pair.carried.append(obj)
            else:
                self.drop(obj)

    def _self_received(self, slot: Slot, pair: Pair) -> None:
        """recvmsg on an end of a pair one of whose ends was sent over it: a descriptor it
        installed that the Guardian could not map to the open file sent (passed_fds.py:
        one it knows nothing of) may be that end, reached unseen: the pair goes."""
        read = self.memory.read
        if not pair_bytes.quiet_msg(self, slot):
            self.drop(pair)                     # (what it installed: not known)
            return
        table = self.files.table(slot.root, slot.thread)
        for fd in rights(lambda va, n: read(va, n, slot.root), slot.args[1]):
            f = table.fds.get(fd)
            if f is None or (f.description not in self.by_file and f.path is None
                             and f.maker is None and f.sock is None):
                self.drop(pair)
                return


#: The most pages one MADV_REMOVE marks loose one by one (1 GiB); past it the file's
#: bytes stop being judged instead.
_MOST_LOOSE = 1 << 18


def _loosen(mem: MemFile, pages: range) -> None:
    """The pages may hold bytes the Guardian does not know (MemFile.loose)."""
    if len(pages) > _MOST_LOOSE:
        mem.data = None
    else:
        mem.loose.update(pages)


def _any_leaf(ram: object, table: int, level: int, base: int, start: int, end: int) -> bool:
    """Does the tree map any page (or block) in [start, end)?  Walks only the tables
    there, skipping each entry not valid (its whole span)."""
    span = 1 << D.LEVEL_SHIFT[level]
    first, last = max(0, (start - base) // span), min(511, (end - 1 - base) // span)
    entries = TABLE_ENTRIES.unpack(ram.read(table, PAGE))     # type: ignore[attr-defined]
    for i in range(first, last + 1):
        desc = entries[i]
        if not desc & D.VALID:
            continue
        if is_table_desc(level, desc):
            if _any_leaf(ram, desc & D.ADDR_MASK, level + 1, base + i * span, start, end):
                return True
        elif level:
            return True
    return False
