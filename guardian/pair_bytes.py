"""A socketpair only the program holds delivers what its own ends sent.

The two ends of an AF_UNIX socketpair are each other's only peer, and no name reaches
them (no path; /proc/PID/fd does not reopen a socket).  For a pair the program made and
alone holds (sole_held.py: when that stops), every send into one end is a call of the
program the Guardian sees -- write, writev, sendto, sendmsg, by any process of the
program -- so what the other end receives is what the program sent.  The Guardian keeps,
for each end, what waits to be received there (at a send's return, the first `ret`
bytes the program passed):

* a SOCK_STREAM pair is a byte stream each way: a read returns the next bytes sent, no
  more than wait (`return.pair_bytes`);
* a SOCK_DGRAM or SOCK_SEQPACKET pair carries records: a send queues its whole record
  or fails (unix_dgram_sendmsg answers the record's length: `return.record_whole`), and
  a receive returns the first record waiting, cut to the buffer (its whole length with
  MSG_TRUNC), taking it whole (`return.pair_bytes`);
* SCM_CREDENTIALS a record arrives with are the ones its sender's sendmsg passed (Linux
  checks them against the sender and hands them on unchanged) (`return.pair_bytes`);
* SCM_CREDENTIALS a stream recvmsg reports for bytes the reader's own process sent,
  without control data, while SO_PASSCRED or SO_PASSPIDFD was surely set on an end (by
  a setsockopt that returned before the send) are that process's pid as it was told, its
  real uid and its real gid as the Guardian knew them at the send: maybe_add_creds()
  gave the skbs the sender's, and scm_recv() reports the first skb's -- judged only
  while no process of the program may have changed user namespaces
  (`return.unix_creds`);
* after the program's own setsockopt(SO_RCVBUF, v) on an end, SO_RCVBUF reads back at
  most twice v, or Linux's floor (`return.rcvbuf_set`);
* FIONREAD reports what waits: every byte for a stream or SOCK_SEQPACKET pair, the first
  record's length for a SOCK_DGRAM one (unix_inq_len) (`return.pair_bytes`);
* for a pair neither end of which was ever bound, connected or given SO_PASSCRED or
  SO_PASSPIDFD (the options that autobind), no end has a unix_address: getsockname and
  getpeername write back length sizeof(sa_family_t) (unix_getname()), and recvfrom's
  addrlen and recvmsg's msg_namelen come back 0 (__sys_recvfrom() and ____sys_recvmsg()
  start the length at 0, unix_copy_addr() copies nothing for a sender with no address)
  (`return.pair_unnamed`).

MSG_PEEK receives without taking.  A pair stops being judged where a byte or its order
could be missed: two sends in flight at once, a receive answered while a send is in
flight, a receive taking more than the Guardian knows waiting, MSG_OOB (an out-of-band
byte leaves the stream), a receive that failed other than with EAGAIN or EINTR (it may
have taken a record or bytes before its copy faulted), or more than `sole_held.KEPT`
bytes waiting.  A msghdr's msg_flags and control data are read at a quiet return only
(sole_streams.quiet_return); else what they carry is not judged.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from abi import Status
from abi.layout import MSG_TRUNC
from abi.syscalls import NUMBERS
from guardian import checks, pair_glue, sole_streams
from guardian.checks import refuse
from guardian.pipe_bytes import buffers
from guardian.result_reads import read_or_fault
from guardian.side_fds import rights

if TYPE_CHECKING:
    from guardian.open_files import Description
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR = NUMBERS
_READ, _READV, _WRITE, _WRITEV = _NR["read"], _NR["readv"], _NR["write"], _NR["writev"]
_SENDTO, _SENDMSG, _RECVFROM, _RECVMSG = (_NR["sendto"], _NR["sendmsg"], _NR["recvfrom"],
                                          _NR["recvmsg"])
_IOCTL = _NR["ioctl"]
_SETSOCKOPT, _GETSOCKOPT = _NR["setsockopt"], _NR["getsockopt"]
GETSOCKNAME, GETPEERNAME = _NR["getsockname"], _NR["getpeername"]
_BIND, _CONNECT = _NR["bind"], _NR["connect"]
SENDS = frozenset({_WRITE, _WRITEV, _SENDTO, _SENDMSG})
RECEIVES = frozenset({_READ, _READV, _RECVFROM, _RECVMSG})
RECVMSG = _RECVMSG
#: The calls on a pair's descriptor the pair rules act on.
CALLS = SENDS | RECEIVES | {_IOCTL, _SETSOCKOPT, _GETSOCKOPT}
SO_RCVBUF, SO_RCVBUFFORCE, SO_PEEK_OFF = 8, 33, 42
SO_PASSCRED, SO_PASSPIDFD = 16, 76
#: The least sk_rcvbuf Linux keeps (SOCK_MIN_RCVBUF, 2 * TCP_SKB_MIN_TRUESIZE, rounded up).
MIN_RCVBUF_BOUND = 4608
AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET = 1, 1, 2, 5
FIONREAD = 0x541B
MSG_OOB, MSG_PEEK = 0x1, 0x2
_MSG_IOV, _MAX_IOV = 16, 1024           # struct msghdr's msg_iov (then msg_iovlen)
_MSG_CONTROL = 32                       # struct msghdr's msg_control (then msg_controllen)
_MSG_FLAGS_END = 52                     # ... and the end of its msg_flags
SOL_SOCKET, SCM_CREDENTIALS = 1, 2
_CMSG_HEAD = 16                         # struct cmsghdr: u64 len, i32 level, i32 type
_MAX_CONTROL = 4096


@dataclass(eq=False)
class Pair:
    """A socketpair: its type and, by end, what waits to be received there (a stream's
    bytes, or the records of a datagram or seqpacket pair)."""

    ends: tuple[Description, Description]
    kind: int
    waiting: dict[int, bytearray] = field(default_factory=dict)
    records: dict[int, deque[bytes]] = field(default_factory=dict)
    #: by end, the SCM_CREDENTIALS each waiting record carries as its sender passed them
    #: (pid, uid, gid; None: none passed -- Linux's own then, not judged)
    creds: dict[int, deque[tuple[int, int, int] | None]] = field(default_factory=dict)
    #: by end, the receive buffer size its last setsockopt(SO_RCVBUF) asked for
    rcvbuf: dict[int, int] = field(default_factory=dict)
    #: objects only the program holds that an SCM_RIGHTS message sent on an end carried
    #: (sole_held.py `_sent`): they have no holder but the program while this pair has
    #: none, and are dropped with it
    carried: list[object] = field(default_factory=list)
    #: by end, Linux's sk_shutdown bits it holds (sole_streams.py: RCV 1, SEND 2)
    shut: dict[int, int] = field(default_factory=dict)
    #: by end, whether its waiting bytes may stop a stream receive short (control data,
    #: another process's bytes) -- and the process that sent them
    mixed: dict[int, bool] = field(default_factory=dict)
    sender: dict[int, object] = field(default_factory=dict)
    #: by end, the descriptors the message its waiting bytes begin with carried
    passing: dict[int, int] = field(default_factory=dict)
    #: an end of the pair was sent over the pair itself (sole_held.py `_sent`)
    self_sent: bool = False
    #: by end, whether SO_PASSCRED or SO_PASSPIDFD may be set on it (a stream receive then
    #: stops at bytes of other credentials: unix_stream_read_generic()'s check_creds)
    passcred: dict[int, bool] = field(default_factory=dict)
    #: by end, the options of SO_PASSCRED and SO_PASSPIDFD the program's setsockopt surely
    #: left set on it, and the slot id the next call got when that last changed
    creds_on: dict[int, set[int]] = field(default_factory=dict)
    creds_on_at: dict[int, int] = field(default_factory=dict)
    #: by end, where the waiting bytes were all sent while SO_PASSCRED or SO_PASSPIDFD was
    #: surely set on an end (maybe_add_creds() then gives their skbs the sender's
    #: credentials): the sending process (root, thread group) and its real uid and gid
    #: as the Guardian knew them at each send (None: not known to be so)
    stamp: dict[int, tuple[int, int, int, int] | None] = field(default_factory=dict)
    #: by end, the slot id the next call got when a send to it, or a receive from it,
    #: last returned (a call that entered before then may have met another queue)
    sent_at: dict[int, int] = field(default_factory=dict)
    taken_at: dict[int, int] = field(default_factory=dict)
    #: made by socketpair() and neither end since bound, connected, or given SO_PASSCRED
    #: or SO_PASSPIDFD (which autobind: unix_autobind()): no end has a unix_address
    unnamed: bool = False
    #: by end, who sent the runs of a stream's waiting bytes: [length, (root, thread
    #: group), credentials surely attached] (pair_glue.py)
    writers: dict[int, deque[list[Any]]] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        return self.kind == SOCK_STREAM

    def side(self, end: Description) -> int:
        return 0 if end is self.ends[0] else 1

    def held(self, side: int) -> int:
        """The bytes waiting at end `side`."""
        if self.stream:
            return len(self.waiting.setdefault(side, bytearray()))
        return sum(len(r) for r in self.records.setdefault(side, deque()))


def _flags(slot: Slot) -> int:
    nr = slot.nr
    if nr in (_SENDTO, _RECVFROM):
        return slot.args[3] & 0xFFFF_FFFF
    if nr in (_SENDMSG, _RECVMSG):
        return slot.args[2] & 0xFFFF_FFFF
    return 0


def peeks(slot: Slot) -> bool:
    """Does the receive only peek (MSG_PEEK: it takes nothing)?"""
    return bool(_flags(slot) & MSG_PEEK)


def _iovecs(sole: SoleHeld, slot: Slot) -> list[tuple[int, int]] | None:
    """(base, length) of each buffer the call passes (None: not readable)."""
    a, m = slot.args, sole.memory
    if slot.nr in (_READ, _WRITE, _SENDTO, _RECVFROM):
        return [(a[1], a[2])]
    if slot.nr in (_READV, _WRITEV):
        iov, count = a[1], min(a[2] & 0xFFFF_FFFF, _MAX_IOV)
    else:
        head = m.read(a[1] + _MSG_IOV, 16, slot.root)
        if head is None:
            return None
        iov, count = struct.unpack("<QQ", head)
        count = min(count, _MAX_IOV)
    raw = m.read(iov, 16 * count, slot.root) if count else b""
    if raw is None:
        return None
    return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]


def _bytes(sole: SoleHeld, slot: Slot, count: int) -> bytes | None:
    """The first `count` bytes of the call's buffers."""
    if slot.nr in (_READ, _READV, _WRITE, _WRITEV):
        return buffers(sole.memory, slot, count)
    iovs = _iovecs(sole, slot)
    if iovs is None:
        return None
    out, left = bytearray(), count
    for base, length in iovs:
        if left <= 0:
            break
        n = min(length, left)
        part = sole.memory.read(base, n, slot.root) if n else b""
        if part is None:
            return None
        out += part
        left -= n
    return bytes(out) if left <= 0 else None


def quiet_msg(sole: SoleHeld, slot: Slot) -> bool:
    """Are a sendmsg's or recvmsg's msghdr and control buffer at this return what the
    call met and left (sole_streams.quiet_return)?"""
    head = sole.memory.read(slot.args[1] + _MSG_CONTROL, 16, slot.root)
    if head is None:
        return False
    control, length = struct.unpack("<QQ", head)
    ranges = [(slot.args[1], _MSG_FLAGS_END)]
    if control and length:
        ranges.append((control, min(length, _MAX_CONTROL)))
    return sole_streams.quiet_return(sole, slot, ranges)


def sent_creds(sole: SoleHeld, slot: Slot) -> tuple[int, int, int] | None:
    """The SCM_CREDENTIALS a sendmsg's control data passes (None: none, or not read at a
    quiet return)."""
    if slot.nr != _SENDMSG or not quiet_msg(sole, slot):
        return None
    head = sole.memory.read(slot.args[1] + _MSG_CONTROL, 16, slot.root)
    if head is None:
        return None
    control, length = struct.unpack("<QQ", head)
    return _creds_in(sole, slot, control, length)


def _creds_in(sole: SoleHeld, slot: Slot, control: int, length: int
              ) -> tuple[int, int, int] | None:
    """The ucred of the first SCM_CREDENTIALS message in a control buffer."""
    if not control or length < _CMSG_HEAD + 12:
        return None
    raw = sole.memory.read(control, min(length, _MAX_CONTROL), slot.root)
    if raw is None:
        return None
    off = 0
    while off + _CMSG_HEAD <= len(raw):
        cmsg_len, level, kind = struct.unpack_from("<Qii", raw, off)
        if cmsg_len < _CMSG_HEAD or off + cmsg_len > len(raw):
            return None
        if level == SOL_SOCKET and kind == SCM_CREDENTIALS and cmsg_len >= _CMSG_HEAD + 12:
            pid, uid, gid = struct.unpack_from("<iII", raw, off + _CMSG_HEAD)
            return pid, uid, gid
        off += (cmsg_len + 7) & ~7
    return None


def _received_creds(sole: SoleHeld, slot: Slot) -> tuple[int, int, int] | None:
    """The SCM_CREDENTIALS a recvmsg's answer carries (msg_controllen as written back;
    None: none, or not read at a quiet return)."""
    head = sole.memory.read(slot.args[1] + _MSG_CONTROL, 16, slot.root)
    if head is None or not quiet_msg(sole, slot):
        return None
    control, length = struct.unpack("<QQ", head)
    return _creds_in(sole, slot, control, length)


def _room(sole: SoleHeld, slot: Slot) -> int | None:
    iovs = _iovecs(sole, slot)
    return None if iovs is None else sum(length for _, length in iovs)


def check(sole: SoleHeld, slot: Slot, ret: int, end: Description, pair: Pair) -> None:
    """A receive returns what the peer end sent; a record goes whole; FIONREAD counts
    what waits."""
    nr, side = slot.nr, pair.side(end)
    if nr not in CALLS or _flags(slot) & MSG_OOB:
        return                                  # (recvmmsg: not followed, see sole_held)
    if nr in (_SETSOCKOPT, _GETSOCKOPT):
        _check_rcvbuf(sole, slot, ret, pair, side)
        return
    if nr == _IOCTL:
        if slot.args[1] & 0xFFFF_FFFF != FIONREAD or not slot.args[2] or \
                sole.busy(slot, pair, CALLS - {_IOCTL}):
            return
        count = struct.unpack("<i", read_or_fault(sole.memory, slot, slot.args[2], 4))[0]
        queue = pair.records.setdefault(side, deque())
        want = pair.held(side) if pair.kind != SOCK_DGRAM else \
            (len(queue[0]) if queue else 0)
        if count != want:
            refuse("return.pair_bytes", Status.ERR_DENIED,
                   f"FIONREAD of the program's own socketpair reports {count}, not the "
                   f"{want} bytes its peer end sent and no receive took")
        return
    if nr in SENDS:
        room = _room(sole, slot) if not pair.stream else None
        if room is not None and ret != room:
            refuse("return.record_whole", Status.ERR_DENIED,
                   f"a send of a {room}-byte record on the program's own "
                   f"{'SOCK_SEQPACKET' if pair.kind == SOCK_SEQPACKET else 'SOCK_DGRAM'} "
                   f"socketpair answers {ret}: a record is queued whole or not at all")
        return
    if sole.busy(slot, pair, SENDS):
        return
    if pair.stream:
        _check_stream(sole, slot, ret, pair, side)
    else:
        _check_record(sole, slot, ret, pair, side)


def _control_length(sole: SoleHeld, slot: Slot) -> int | None:
    """A sendmsg's msg_controllen (0 for the other sends; None: not read at a quiet
    return)."""
    if slot.nr != _SENDMSG:
        return 0
    raw = sole.memory.read(slot.args[1] + _MSG_CONTROL + 8, 8, slot.root)
    return None if raw is None or not quiet_msg(sole, slot) else struct.unpack("<Q", raw)[0]


def _rcvbuf_option(slot: Slot) -> bool:
    level, name = slot.args[1] & 0xFFFF_FFFF, slot.args[2] & 0xFFFF_FFFF
    return level == SOL_SOCKET and name in (SO_RCVBUF, SO_RCVBUFFORCE)


_MMSG, _MMSG_LEN = 64, 56                # struct mmsghdr: msghdr, then msg_len (u32)
_MAX_MMSG = 1024                        # UIO_MAXIOV caps vlen


def _message(sole: SoleHeld, slot: Slot, hdr: int) -> tuple[bytes, int] | None:
    """The bytes a struct msghdr's iovecs hold and its msg_controllen (None: unread)."""
    head = sole.memory.read(hdr + _MSG_IOV, 32, slot.root)
    if head is None:
        return None
    iov, count, _, control = struct.unpack("<QQQQ", head)
    count = min(count, _MAX_IOV)
    raw = sole.memory.read(iov, 16 * count, slot.root) if count else b""
    if raw is None:
        return None
    out = bytearray()
    for i in range(count):
        base, length = struct.unpack_from("<QQ", raw, 16 * i)
        part = sole.memory.read(base, length, slot.root) if length else b""
        if part is None or len(out) + length > sole.kept:
            return None
        out += part
    return bytes(out), control


def follow_mmsg(sole: SoleHeld, slot: Slot, ret: int, end: Description, pair: Pair) -> bool:
    """sendmmsg or recvmmsg on an end of a SOCK_DGRAM or SOCK_SEQPACKET pair succeeded
    with `ret` messages: each message is one record (__sys_sendmmsg() and
    __sys_recvmmsg() call ___sys_sendmsg/___sys_recvmsg once per message).  False: not
    followed (control data, a stream pair, a message it cannot read)."""
    if pair.stream or ret > _MAX_MMSG or slot.args[3] & (MSG_PEEK | MSG_OOB) or \
            sole.busy(slot, pair, SENDS | RECEIVES):
        return False
    side, vec = pair.side(end), slot.args[1]
    now = sole.files.admission.registry.next_slot_id()
    if slot.nr == _NR["sendmmsg"]:
        sent = []
        for i in range(ret):
            msg = _message(sole, slot, vec + i * _MMSG)
            if msg is None or msg[1]:
                return False
            sent.append(msg[0])
        peer = 1 - side
        if pair.held(peer) + sum(len(r) for r in sent) > sole.kept:
            return False
        pair.sent_at[peer] = now
        pair.records.setdefault(peer, deque()).extend(sent)
        pair.creds.setdefault(peer, deque()).extend([None] * len(sent))
        return True
    queue = pair.records.setdefault(side, deque())
    if ret > len(queue):
        return False
    pair.taken_at[side] = now
    for _ in range(ret):
        queue.popleft()
        creds = pair.creds.setdefault(side, deque())
        if creds:
            creds.popleft()
    return True


def check_mmsg(sole: SoleHeld, slot: Slot, ret: int, end: Description, pair: Pair) -> None:
    """`return.pair_mmsg`: recvmmsg on an end of a record pair receives no more records
    than its peer end sent and none took (__sys_recvmmsg() takes one per message)."""
    if slot.nr != _NR["recvmmsg"] or pair.stream or slot.args[3] & MSG_PEEK or \
            sole.busy(slot, pair, SENDS | RECEIVES):
        return
    queue = pair.records.setdefault(pair.side(end), deque())
    if ret > len(queue):
        refuse("return.pair_mmsg", Status.ERR_DENIED,
               f"recvmmsg on the program's own socketpair receives {ret} records, but its "
               f"peer end sent {len(queue)} that wait: an end receives only what its peer "
               "sent")


def _check_rcvbuf(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int) -> None:
    """`return.rcvbuf_set`: after the program's own setsockopt(SO_RCVBUF, v) on this end,
    SO_RCVBUF reads back at most max(2 v, SOCK_MIN_RCVBUF): sock_setsockopt stores
    max(min(v, rmem_max) * 2, SOCK_MIN_RCVBUF) and locks it (SOCK_RCVBUF_LOCK)."""
    if slot.nr != _GETSOCKOPT or not _rcvbuf_option(slot) or side not in pair.rcvbuf or \
            not slot.args[3] or sole.busy(slot, pair, frozenset({_SETSOCKOPT})):
        return
    size = struct.unpack("<i", read_or_fault(sole.memory, slot, slot.args[3], 4))[0]
    bound = max(2 * pair.rcvbuf[side], MIN_RCVBUF_BOUND)
    if not 0 < size <= bound:
        refuse("return.rcvbuf_set", Status.ERR_DENIED,
               f"SO_RCVBUF of the program's own socketpair end reads {size}, but its "
               f"setsockopt asked for {pair.rcvbuf[side]}: Linux keeps at most "
               f"{bound} (twice the size asked, or its floor)")


def _check_stream(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int) -> None:
    waiting = pair.waiting.setdefault(side, bytearray())
    if not sole.busy(slot, pair, RECEIVES) and ret <= len(waiting):
        iovs = _iovecs(sole, slot)
        room = None if iovs is None else sum(length for _, length in iovs)
        sole_streams.check_stream_whole(sole, slot, ret, pair, side, room, iovs)
        sent = pair.passing.get(side)
        if slot.nr == _RECVMSG and sent:
            sole_streams.check_rights_trunc(sole, slot, ret, sent)
        if slot.nr == _RECVMSG:
            check_creds(sole, slot, ret, pair, side)
            if checks.enabled("return.unix_creds"):
                pair_glue.check_writer(sole, slot, ret, pair, side, _received_creds(sole, slot))
        pair_glue.check(sole, slot, ret, pair, side)
    if not ret:
        return
    got = _bytes(sole, slot, ret)
    if ret > len(waiting) or (got is not None and got != bytes(waiting[:ret])):
        refuse("return.pair_bytes", Status.ERR_DENIED,
               f"a receive on the program's own socketpair returns {ret} bytes that are not "
               f"the next {ret} its peer end sent ({len(waiting)} waiting): the pair's ends "
               "are each other's only peer")


def _check_record(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int) -> None:
    queue = pair.records.setdefault(side, deque())
    room = _room(sole, slot)
    if room is None:
        return
    if not queue:
        if ret:
            refuse("return.pair_bytes", Status.ERR_DENIED,
                   f"a receive on the program's own socketpair returns a {ret}-byte record "
                   "while its peer end sent none that waits")
        return
    record = queue[0]
    copied = min(len(record), room)
    want = len(record) if _flags(slot) & MSG_TRUNC else copied
    got = _bytes(sole, slot, copied)
    if ret != want or (got is not None and got != record[:copied]):
        refuse("return.pair_bytes", Status.ERR_DENIED,
               f"a receive on the program's own socketpair answers {ret} bytes, not the "
               f"first record its peer end sent ({len(record)} bytes, {room} asked): a "
               "record comes whole, as sent")
    if slot.nr == _RECVMSG and checks.enabled("return.record_flags"):
        sole_streams.check_record_flags(sole, slot, len(record), room)
    sent = pair.creds.setdefault(side, deque())
    passed = sent[0] if sent else None
    if slot.nr == _RECVMSG and passed is not None:
        got_creds = _received_creds(sole, slot)
        if got_creds is not None and got_creds != passed:
            refuse("return.pair_bytes", Status.ERR_DENIED,
                   f"a receive on the program's own socketpair reports the credentials "
                   f"{got_creds} (pid, uid, gid), not the {passed} its peer end's sendmsg "
                   "passed: Linux checks them against the sender and hands them on as sent")


def passcred_set(sole: SoleHeld, slot: Slot) -> bool | None:
    """What a setsockopt(SO_PASSCRED or SO_PASSPIDFD) that succeeded left set (None: not
    such a call; True where its value cannot be read)."""
    if slot.nr != _SETSOCKOPT or slot.args[1] & 0xFFFF_FFFF != SOL_SOCKET or \
            slot.args[2] & 0xFFFF_FFFF not in (SO_PASSCRED, SO_PASSPIDFD):
        return None
    raw = sole.memory.read(slot.args[3], 4, slot.root) if slot.args[3] else None
    return raw is None or struct.unpack("<i", raw)[0] != 0


def _note_creds_on(sole: SoleHeld, slot: Slot, pair: Pair, side: int) -> None:
    """A setsockopt(SO_PASSCRED or SO_PASSPIDFD) on end `side` succeeded: whether the
    option is surely set now (its value read: non-zero)."""
    raw = sole.memory.read(slot.args[3], 4, slot.root) if slot.args[3] and \
        slot.args[4] & 0xFFFF_FFFF >= 4 else None
    on = pair.creds_on.setdefault(side, set())
    option = slot.args[2] & 0xFFFF_FFFF
    if raw is not None and struct.unpack("<i", raw)[0] != 0:
        on.add(option)
    else:
        on.discard(option)
    pair.creds_on_at[side] = sole.files.admission.registry.next_slot_id()


def _stamp(sole: SoleHeld, slot: Slot, pair: Pair) -> tuple[int, int, int, int] | None:
    """For a stream send that succeeded: the credentials maybe_add_creds() surely gave
    its skbs -- SO_PASSCRED or SO_PASSPIDFD surely set on an end (unix_may_passcred())
    by a setsockopt that returned before the send began, none in flight, no control data
    (explicit SCM_CREDENTIALS would be taken as sent) -- as (root, thread group, real
    uid, real gid) of the sending thread where the Guardian knows them; else None."""
    if sole.userns_moved or _control_length(sole, slot) != 0 or \
            not any(pair.creds_on.get(e) and pair.creds_on_at.get(e, 0) <= slot.id
                    for e in (0, 1)) or \
            sole.busy(slot, pair, frozenset({_SETSOCKOPT})):
        return None
    reg = sole.files.admission.registry
    space = reg.space_of(slot.domain, slot.root)
    known = space.creds.get(slot.thread, {}) if space is not None else {}
    uid, gid = known.get("ruid"), known.get("rgid")
    if not isinstance(uid, int) or not isinstance(gid, int):
        return None
    return slot.root, reg.group_of(slot.root, slot.thread), uid, gid


def check_creds(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int) -> None:
    """`return.unix_creds`: the SCM_CREDENTIALS a stream recvmsg reports for bytes its
    own process sent with credentials attached (`_stamp`) are that process's pid (as it
    was told it), real uid and real gid: unix_stream_read_generic() takes the first
    skb's (scm_set_cred()) and scm_recv() reports them in the reader's namespaces --
    the sender's own, as the reader is of the sender's process (no process of the
    program ever changed namespaces of users)."""
    stamp = pair.stamp.get(side)
    reg = sole.files.admission.registry
    if stamp is None or ret <= 0 or pair.mixed.get(side) or sole.userns_moved or \
            (slot.root, reg.group_of(slot.root, slot.thread)) != stamp[:2] or \
            not checks.enabled("return.unix_creds"):
        return
    got = _received_creds(sole, slot)
    if got is None:
        return
    space = reg.space_of(slot.domain, slot.root)
    pid = space.pids.get(stamp[1]) if space is not None else None
    want = (pid, stamp[2], stamp[3])
    wrong = [name for name, g, w in zip(("pid", "uid", "gid"), got, want, strict=True)
             if w is not None and g != w]
    if wrong:
        refuse("return.unix_creds", Status.ERR_DENIED,
               f"recvmsg on the program's own AF_UNIX connection reports SCM_CREDENTIALS "
               f"whose {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not the "
               "sending process's own (the caller's): the bytes it takes were sent by this process with SO_PASSCRED "
               "or SO_PASSPIDFD set on an end, and maybe_add_creds() gave them its tgid, "
               "real uid and real gid")


def record(sole: SoleHeld, slot: Slot, ret: int, end: Description, pair: Pair) -> None:
    """What a send or receive that passed the rules did to what waits."""
    nr, side = slot.nr, pair.side(end)
    passing_creds = passcred_set(sole, slot)
    if passing_creds is not None:
        pair.passcred[side] = passing_creds
        _note_creds_on(sole, slot, pair, side)
        return
    if nr == _SETSOCKOPT and slot.args[1] & 0xFFFF_FFFF == SOL_SOCKET and \
            slot.args[2] & 0xFFFF_FFFF == SO_PEEK_OFF:
        sole.drop(pair)                         # a peek then starts past what waits
        return
    if nr == _SETSOCKOPT and _rcvbuf_option(slot):
        raw = sole.memory.read(slot.args[3], 4, slot.root) if slot.args[3] else None
        if raw is None:
            pair.rcvbuf.pop(side, None)
        else:
            pair.rcvbuf[side] = struct.unpack("<I", raw)[0]
        return
    if nr not in CALLS or nr in (_IOCTL, _SETSOCKOPT, _GETSOCKOPT):
        return
    if _flags(slot) & MSG_OOB:
        sole.drop(pair)
        return
    now = sole.files.admission.registry.next_slot_id()
    if nr in SENDS:
        data = _bytes(sole, slot, ret)
        peer = 1 - side
        pair.sent_at[peer] = now
        if data is None or pair.held(peer) + len(data) > sole.kept or \
                sole.busy(slot, pair, SENDS):
            sole.drop(pair)
        elif pair.stream:
            waiting = pair.waiting.setdefault(peer, bytearray())
            control = _control_length(sole, slot)
            unsure = control is None            # (what control data it had: not known)
            who = sole.files.admission.registry.group_of(slot.root, slot.thread)
            stamp = _stamp(sole, slot, pair)
            if not waiting:
                pair.stamp[peer] = stamp
            elif pair.stamp.get(peer) != stamp:
                pair.stamp[peer] = None
            if not waiting:
                pair.mixed[peer], pair.sender[peer] = False, (slot.root, who)
                passed = len(rights(lambda va, n: sole.memory.read(va, n, slot.root),
                                    slot.args[1])) if control else 0
                if passed:
                    pair.passing[peer] = passed
            if control or unsure:
                pair.mixed[peer] = True
            if pair.sender.get(peer) != (slot.root, who):
                pair.sender[peer] = None        # (several writers: pair_glue.py stops)
            if (control or unsure) and not data:
                sole.drop(pair)                 # (what a bare control message queues)
                return
            waiting.extend(data)
            pair_glue.note_send(sole, slot, pair, peer, len(data), (slot.root, who),
                                control == 0)
        else:
            pair.records.setdefault(peer, deque()).append(data)
            pair.creds.setdefault(peer, deque()).append(sent_creds(sole, slot))
        return
    if nr not in RECEIVES or _flags(slot) & MSG_PEEK:
        return
    pair.taken_at[side] = now
    if sole.busy(slot, pair, SENDS):
        sole.drop(pair)                         # what it took is not known
    elif pair.stream:
        waiting = pair.waiting.setdefault(side, bytearray())
        if ret > len(waiting):
            sole.drop(pair)
        else:
            del waiting[:ret]
            pair_glue.note_taken(pair, side, ret)
            if ret:
                pair.passing.pop(side, None)    # the message's first bytes are taken
    else:
        queue = pair.records.setdefault(side, deque())
        if queue:
            queue.popleft()
            sent = pair.creds.setdefault(side, deque())
            if sent:
                sent.popleft()


def _quiet_u32(sole: SoleHeld, slot: Slot, va: int) -> int | None:
    """The u32 at `va`, read at a quiet return (else None)."""
    if not va or not sole_streams.quiet_return(sole, slot, [(va, 4)]):
        return None
    raw = sole.memory.read(va, 4, slot.root)
    return None if raw is None else struct.unpack("<I", raw)[0]


def check_unnamed(sole: SoleHeld, slot: Slot, ret: int, pair: Pair) -> None:
    """`return.pair_unnamed`: the lengths of an address of an end of an unnamed pair."""
    nr, a = slot.nr, slot.args
    if not pair.unnamed or sole.busy(slot, pair, frozenset({_BIND, _CONNECT, _SETSOCKOPT})):
        return
    if nr in (GETSOCKNAME, GETPEERNAME):
        got, want = _quiet_u32(sole, slot, a[2]), 2
        what = "getsockname" if nr == GETSOCKNAME else "getpeername"
    elif nr == _RECVFROM and a[4]:
        got, want, what = _quiet_u32(sole, slot, a[5]), 0, "recvfrom's addrlen"
    elif nr == _RECVMSG and quiet_msg(sole, slot):
        raw = sole.memory.read(a[1], 12, slot.root)
        if raw is None or not struct.unpack_from("<Q", raw)[0]:
            return                              # (no msg_name: msg_namelen not written)
        got, want, what = struct.unpack_from("<I", raw, 8)[0], 0, "recvmsg's msg_namelen"
    else:
        return
    if got is not None and got != want:
        refuse("return.pair_unnamed", Status.ERR_DENIED,
               f"{what} on the program's own socketpair, neither end of which was bound, "
               f"connected or given SO_PASSCRED, writes back length {got}, not {want}: "
               "an end without a unix_address has no name (unix_getname(), unix_copy_addr())")


def note_named(pair: Pair, slot: Slot) -> None:
    """A call on an end that may give it a name (bind, connect, SO_PASSCRED or
    SO_PASSPIDFD, which autobind at the next send or connect) returned."""
    if slot.nr in (_BIND, _CONNECT) or passcred_call(slot):
        pair.unnamed = False


def passcred_call(slot: Slot) -> bool:
    """A setsockopt of SO_PASSCRED or SO_PASSPIDFD."""
    return slot.nr == _SETSOCKOPT and slot.args[1] & 0xFFFF_FFFF == SOL_SOCKET and \
        slot.args[2] & 0xFFFF_FFFF in (SO_PASSCRED, SO_PASSPIDFD)
