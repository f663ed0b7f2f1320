"""AF_UNIX connections the program alone holds, followed like its socketpairs.

A listener the program made (socket), bound to an abstract name (bind: the name is its
while it lives, unix_bind() refuses a name in use) and listening, queues each connect()
to that name, and accept() hands the queued connections out in the order they came
(unix_stream_connect() appends to the listener's sk_receive_queue).  An abstract name is
visible to any process of the network namespace, without a permission check, and the
Guardian does not see another process's connect(): which connection an accept() returns
is known only where no other can be queued before the program's.  Linux's
unix_stream_connect() queues nothing on a listener whose queue is full
(unix_recvq_full(): more than sk_max_ack_backlog waiting; it blocks, or fails with
EAGAIN), checked and queued under the listener's state lock, and listen(fd, 0) sets
sk_max_ack_backlog to 0 (__sys_listen() caps only a backlog above somaxconn): a
connection is queued there only onto an empty queue.  So when the program's own fresh
socket's connect() to its own live listener returned 0, the last successful listen() of
that listener was given backlog 0 and returned before the connect began, and no listen()
or accept() on it was in flight then or returned while the connect ran, that connection
is the first queued; the first
accept() on the listener that begins after the connect returned -- no other accept() on
it having returned or being in flight -- returns it (a later listen() with a larger
backlog only queues others behind it).  The two sockets are then each other's only
peer: the connection is followed as a socketpair (pair_bytes.py, sole_held.py: when
that stops) -- unless a send or a shutdown on the connecting socket returned before the
accept (unix_stream_sendmsg() queues onto the embryo socket, unix_shutdown() sets its
bits, before any accept(): not kept) -- and its ends are entered as each other's peers
for SCM_RIGHTS (passed_fds.py); `Connect` keeps what the accepted socket's peer is (sole_sockets.py
judges accept()'s peer address and SO_PEERCRED by it).  A listener with a backlog above
0 is never followed so: another process's connection may be the one accepted.  A socket
bound to a filesystem path, connected to a name the program did not bind, or passed out
is never followed.  Once a process of the program may be in another network namespace
(setns, CLONE_NEWNET; one in flight), where the same name is another socket's, no new
connection is followed.  The address of a bind or connect is read at a quiet return
only (quiet_ranges.py: the kernel copied it at the entry); else it is not known.

On such a connection (and a socketpair) Linux fixes more than the bytes:

* `return.stream_whole`: a stream receive with bytes waiting takes as many as fit, not
  fewer: unix_stream_read_generic() copies skb after skb while room is left (MSG_WAITALL
  only waits for more), stopping early only at an skb carrying descriptors or one from
  another writer (SO_PASSCRED) -- judged where every waiting byte came in one run from
  one process without control data and before the receive entered, SO_PASSCRED and
  SO_PASSPIDFD are off, the whole buffer is mapped writable (nothing that may unmap it
  in flight), and no other call on the pair is in flight;
* `return.record_flags`: a record receive (SOCK_SEQPACKET, SOCK_DGRAM) sets MSG_TRUNC in
  msg_flags exactly when the record was longer than the buffer (__unix_dgram_recvmsg());
* `return.rights_trunc`: a receive that takes the first bytes of a message that carried
  N descriptors and installs fewer sets MSG_CTRUNC (scm_detach_fds());
* `return.pair_ready`: poll and epoll report POLLIN on an end only with something waiting,
  a shut-down reader or writer side, or a released peer (unix_poll()) -- judged where no
  receive took from the end while the call ran;
* `return.pair_waiting`: the converse -- ppoll and pselect6 that return (any timeout:
  do_poll() and do_select() poll every descriptor asked on their first pass, and an
  answer of 0 after a timeout follows that pass) report an end readable where something
  waited there from before the call entered until it returned (unix_poll() and
  unix_dgram_poll() report EPOLLIN for a non-empty sk_receive_queue), and a stream end
  writable where nothing it sent waits at its peer (unix_writable(): sk_wmem_alloc
  holds only the skbs the peer has not consumed, so it is back at its initial 1, far
  below any sk_sndbuf) -- judged where no other call on the pair, no receive or send
  on it returned while the call ran, and no close is in flight; an epoll wait answering
  0 with such a readable end registered level-triggered for EPOLLIN before it began
  (confidential_events.py);
* `return.pair_mmsg` (pair_bytes.py): recvmmsg on a record pair receives at most the
  records waiting; sendmmsg and recvmmsg on one are followed record by record;
* `return.shut_send`: a send on an AF_UNIX stream socket after shutdown(SHUT_WR) on it,
  or after its peer's shutdown(SHUT_RD), moves no byte: unix_stream_sendmsg() fails with
  EPIPE (judged for any stream socket the program made: a shutdown is never undone); a
  seqpacket send fails on its peer's RCV_SHUTDOWN instead (unix_dgram_sendmsg()), so
  there only a shutdown made while connected to a followed peer counts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR, MSG_TRUNC
from abi.syscalls import NUMBERS
from guardian import checks, pair_glue
from guardian import pair_bytes as pb
from guardian.checks import refuse
from guardian.fd_results import s32
from guardian.quiet_ranges import quiet as quiet_at
from guardian.read_counts import cannot_fault
from guardian.side_fds import rights

if TYPE_CHECKING:
    from guardian.open_files import Description
    from guardian.pair_bytes import Pair
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR = NUMBERS
_SOCKET, _BIND, _LISTEN, _CONNECT = _NR["socket"], _NR["bind"], _NR["listen"], _NR["connect"]
_ACCEPT, _ACCEPT4, _SHUTDOWN = _NR["accept"], _NR["accept4"], _NR["shutdown"]
ACCEPTS = frozenset({_ACCEPT, _ACCEPT4})
_SETSOCKOPT = _NR["setsockopt"]
_WRITE, _WRITEV, _SENDTO, _SENDMSG = _NR["write"], _NR["writev"], _NR["sendto"], _NR["sendmsg"]
_SENDMMSG, _PPOLL, _RECVMMSG = _NR["sendmmsg"], _NR["ppoll"], _NR["recvmmsg"]
PSELECT6 = _NR["pselect6"]
_SENDS = frozenset({_WRITE, _WRITEV, _SENDTO, _SENDMSG, _SENDMMSG})
_UNSHARE, _SETNS, _CLONE, _CLONE3 = _NR["unshare"], _NR["setns"], _NR["clone"], _NR["clone3"]
#: Calls that may move a process of the program into another network namespace, where
#: the abstract names are another set: no connection made after one is followed.
_NAMESPACES = frozenset({_UNSHARE, _SETNS, _CLONE, _CLONE3})
CLONE_NEWNET, CLONE_NEWUSER = 0x4000_0000, 0x1000_0000
#: The calls on connections this module acts on (beside pair_bytes.CALLS).
CALLS = frozenset({_SOCKET, _BIND, _LISTEN, _CONNECT, _ACCEPT, _ACCEPT4, _SHUTDOWN,
                   _SENDMMSG, *_NAMESPACES})
#: Linux's sk_shutdown bits.
RCV_SHUTDOWN, SEND_SHUTDOWN = 1, 2
POLLIN, POLLRDNORM = 0x1, 0x40
POLLOUT, POLLWRNORM = 0x4, 0x100
_MSG_FLAGS, _MSG_CONTROLLEN = 48, 40    # struct msghdr on AArch64
MSG_CTRUNC = 0x8
_POLLFD = struct.Struct("<ihh")
AF_UNIX, SOCK_STREAM, SOCK_SEQPACKET = 1, 1, 5
_MAX_NFDS = 1 << 20


@dataclass(frozen=True, eq=False)
class Connect:
    """The program's connect() whose connection is the first queued on its backlog-0
    listener: the end it connected, the first slot id that began after it returned,
    whether that end may have been autobound by the connect (SO_PASSCRED or
    SO_PASSPIDFD may have been set on it: unix_stream_connect() then binds it to a name
    of its choosing), and the process that connected (root, thread group)."""

    end: Description
    after: int
    autobound: bool
    process: tuple[int, int]


@dataclass(eq=False)
class Sock:
    """A stream or seqpacket AF_UNIX socket the program made, not yet connected: its
    abstract name once bound, whether it listens, and the program's own connect() whose
    connection is first in its queue (where that is known)."""

    kind: int
    name: bytes | None = None
    listening: bool = False
    pending: Connect | None = None
    #: the backlog the last successful listen() was given (None: not listening), and
    #: the first slot id that began after that listen returned
    backlog: int | None = None
    backlog_from: int = 0
    #: SO_PASSCRED or SO_PASSPIDFD may be set (an accepted socket inherits the listener's:
    #: unix_sock_inherit_flags())
    passcred: bool = False
    #: SO_PASSCRED surely set: the last setsockopt of it on this socket, value read, set it
    passcred_sure: bool = False
    #: a send or a shutdown on it returned before its connection was accepted: what it
    #: left at the embryo socket (unix_stream_sendmsg() queues there before any accept,
    #: unix_shutdown() sets its peer's bits) is not kept, so the connection is not paired
    touched: bool = False
    #: the first slot id that began after the last accept() on it (a listener) returned,
    #: successful or not: a connect that began before may have been taken by it
    accept_mark: int = 0


def _shut_bits(how: int) -> int:
    """unix_shutdown(): SHUT_RD, SHUT_WR, SHUT_RDWR (0, 1, 2) -> (how + 1) & 3."""
    return (how + 1) & (RCV_SHUTDOWN | SEND_SHUTDOWN)


def _mirror(bits: int) -> int:
    """The bits a shutdown sets on the peer (a reader's end is the writer's)."""
    return (SEND_SHUTDOWN if bits & RCV_SHUTDOWN else 0) | \
        (RCV_SHUTDOWN if bits & SEND_SHUTDOWN else 0)


def quiet_return(sole: SoleHeld, slot: Slot, ranges: list[tuple[int, int]]) -> bool:
    """Are the bytes of each (address, length) of the slot's process at this return the
    ones the call met (quiet_ranges.py: no thread of its address space ran and no call in
    flight wrote there since the entry)?  Linux copies a call's address and control data
    at the entry (move_addr_to_kernel(), ___sys_sendmsg()) and writes msg_flags and the
    control data it hands back before the return: a read at another time may see
    another thread's bytes."""
    reg = sole.files.admission.registry
    dom = reg.domains.get(slot.domain)
    return dom is not None and quiet_at(slot, dom, reg.slots.values(), reg.user_runs,
                                        [(slot.root, va, va + n) for va, n in ranges])


def _quiet_address(sole: SoleHeld, slot: Slot) -> bytes | None:
    """`_address`, where it is read at a quiet return (else not known)."""
    length = min(slot.args[2] & 0xFFFF_FFFF, 110)
    if not quiet_return(sole, slot, [(slot.args[1], length)]):
        return None
    return _address(sole, slot)


def _address(sole: SoleHeld, slot: Slot) -> bytes | None:
    """The abstract name bind/connect passes (None: not AF_UNIX, not abstract, unread)."""
    length = slot.args[2] & 0xFFFF_FFFF
    if not 3 <= length <= 110:
        return None
    raw = sole.memory.read(slot.args[1], length, slot.root)
    if raw is None or struct.unpack_from("<H", raw)[0] != AF_UNIX or raw[2] != 0:
        return None
    return raw[2:]


# --- what the program's calls did ----------------------------------------------------------

def record(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """A call of `CALLS` succeeded (`ret`): what it did to the program's sockets."""
    nr, a = slot.nr, slot.args
    if nr in _NAMESPACES:
        if _new_netns(sole, slot, CLONE_NEWNET):
            sole.netns_moved = True
        if _new_netns(sole, slot, CLONE_NEWUSER):
            sole.userns_moved = True
        return
    if nr == _SOCKET:
        kind = a[1] & 0xF
        if a[0] & 0xFFFF_FFFF == AF_UNIX and kind in (SOCK_STREAM, SOCK_SEQPACKET):
            made = sole.files.description_of(slot, ret)
            if made is not None and sole.room():
                sole.by_file[made] = Sock(kind)
        return
    if nr == _SHUTDOWN:
        _note_shutdown(sole, slot)
        return
    held = sole.of(slot, a[0])
    if held is None or not isinstance(held[1], Sock):
        return
    end, sock = held
    if nr == _BIND:
        name = _quiet_address(sole, slot)
        if name is None:
            sole.drop(sock)                     # a path (anyone may connect) or autobind
        else:
            sock.name = name
    elif nr == _LISTEN:
        if sock.name is None:
            sole.drop(sock)
        else:
            # __sys_listen(): a backlog above somaxconn (a negative one as unsigned)
            # is cut to somaxconn; 0 stays 0.
            sock.listening, sock.backlog = True, a[1] & 0xFFFF_FFFF
            sock.backlog_from = sole.files.admission.registry.next_slot_id()
    elif nr == _CONNECT:
        listener = _listener(sole, slot, _quiet_address(sole, slot), sock.kind)
        if listener is None or sock.listening:
            sole.drop(sock)                     # a peer the program may not hold
        else:
            _connected(sole, slot, end, sock, listener)
    elif nr in ACCEPTS:
        _accepted(sole, slot, ret, sock)


def failed(sole: SoleHeld, slot: Slot) -> None:
    """A call of `CALLS` failed: an accept() may still have taken a connection from the
    queue (do_accept() copies the peer's address after unix_accept() dequeued it, and
    fails with EFAULT there)."""
    if slot.nr in ACCEPTS and sole.by_file:
        held = sole.of(slot, slot.args[0])
        if held is not None and isinstance(held[1], Sock):
            held[1].pending = None
            held[1].accept_mark = sole.files.admission.registry.next_slot_id()


def _connected(sole: SoleHeld, slot: Slot, end: Description, sock: Sock,
               listener: Sock) -> None:
    """The program's connect() of `sock` to its own `listener` returned 0: where the
    listener's backlog was 0 the whole time (the listen that set it returned before this
    connect began, none in flight) and no accept() on it is in flight or returned while
    the connect ran (it may have taken this very connection: unix_stream_connect()
    wakes the acceptor before it returns), this connection was queued onto an empty
    queue (unix_recvq_full()) and is first in it."""
    reg = sole.files.admission.registry
    if listener.pending is not None or listener.backlog != 0 or \
            slot.id < listener.backlog_from or slot.id < listener.accept_mark or \
            sole.busy(slot, listener, frozenset({_LISTEN, *ACCEPTS})) or \
            sole.busy(slot, sock, frozenset({_BIND, _SETSOCKOPT})):
        listener.pending = None                 # which connection is first: not known
        return
    listener.pending = Connect(end, reg.next_slot_id(), sock.passcred,
                               (slot.root, reg.group_of(slot.root, slot.thread)))


def peer_address(sole: SoleHeld, slot: Slot, peer: Connect) -> bytes | None:
    """The address accept() in `slot` reports for `peer`'s socket (unix_getname() of the
    peer, read at the accept): the abstract name the program bound it to, before or after
    its connect, or sizeof(sa_family_t) for one never bound (unix_stream_connect()
    autobinds only a socket with SO_PASSCRED or SO_PASSPIDFD set); None where not known
    (it may have been autobound, a bind on it is in flight)."""
    sock = sole.by_file.get(peer.end)
    if peer.autobound or not isinstance(sock, Sock) or \
            sole.busy(slot, sock, frozenset({_BIND})):
        return None
    return struct.pack("<H", AF_UNIX) + (sock.name if sock.name is not None else b"")


def accepted_peer(sole: SoleHeld, slot: Slot) -> Connect | None:
    """The program's connect() whose connection the accept() in `slot` returned, where
    that is known (`_connected`): the accept began after that connect returned, and no
    other accept() on the listener is in flight (none returned since: it would have
    cleared `pending`)."""
    if not sole.by_file or slot.nr not in ACCEPTS:
        return None
    held = sole.of(slot, slot.args[0])
    listener = held[1] if held is not None else None
    if not isinstance(listener, Sock) or listener.pending is None:
        return None
    pending = listener.pending
    if slot.id < pending.after or sole.busy(slot, listener, ACCEPTS) or \
            not isinstance(sole.by_file.get(pending.end), Sock):
        return None
    return pending


def record_option(sole: SoleHeld, slot: Slot, sock: Sock) -> None:
    """A call on a socket not yet paired succeeded: a setsockopt, or a send (its bytes
    wait at the embryo socket of a connection not yet accepted: not kept)."""
    if slot.nr in _SENDS:
        sock.touched = True
        return
    passing = pb.passcred_set(sole, slot)
    if passing is not None:
        sock.passcred = passing
        raw = sole.memory.read(slot.args[3], 4, slot.root) if slot.args[3] and \
            slot.args[4] & 0xFFFF_FFFF >= 4 else None
        sock.passcred_sure = raw is not None and int.from_bytes(raw, "little") != 0 and \
            slot.args[2] & 0xFFFF_FFFF == pb.SO_PASSCRED


def _new_netns(sole: SoleHeld, slot: Slot, flag: int) -> bool:
    """Whether the call may have put a process of the program in another network (or,
    for CLONE_NEWUSER, user) namespace (setns of any kind; an unshare or clone with
    `flag`)."""
    if slot.nr == _SETNS:
        return True
    if slot.nr == _CLONE3:
        raw = sole.memory.read(slot.args[0], 8, slot.root)
        return raw is None or bool(struct.unpack("<Q", raw)[0] & flag)
    return bool(slot.args[0] & flag)


def netns_unsure(sole: SoleHeld, slot: Slot) -> bool:
    """May the slot's thread be in another network namespace than the program's
    listeners?  A process of the program moved (`SoleHeld.netns_moved`), or a call of the
    domain that may move one is in flight (a clone's child runs before its return)."""
    if sole.netns_moved:
        return True
    for other in sole.files.admission.registry.slots.values():
        if other.id != slot.id and other.domain == slot.domain and (
                other.nr in (_SETNS, _CLONE3) or
                (other.nr in _NAMESPACES and other.args[0] & CLONE_NEWNET)):
            return True
    return False


def _listener(sole: SoleHeld, slot: Slot, name: bytes | None, kind: int) -> Sock | None:
    """The program's own live listener bound to `name` (in the one network namespace)."""
    if name is None or netns_unsure(sole, slot):
        return None
    live = sole.files.live_descriptions()
    for d, obj in sole.by_file.items():
        if isinstance(obj, Sock) and obj.listening and obj.name == name and \
                obj.kind == kind and id(d) in live:
            return obj
    return None


def _accepted(sole: SoleHeld, slot: Slot, ret: int, listener: Sock) -> None:
    """accept() on the program's listener returned `ret`: where the connection it took is
    known to be the program's own (`accepted_peer`), this socket and the one that
    connected are each other's peer."""
    peer = accepted_peer(sole, slot)
    listener.pending = None                     # the first queued is taken
    listener.accept_mark = sole.files.admission.registry.next_slot_id()
    made = sole.files.description_of(slot, ret)
    if peer is None or made is None or not checks.enabled("return.named_pair"):
        return
    sole.note_accepted(made, peer)
    client = peer.end
    sock = sole.by_file.get(client)
    if not isinstance(sock, Sock) or sock.touched or not sole.room():
        return                                  # (bytes or a shutdown it did not keep)
    pair = pb.Pair((client, made), sock.kind)
    pair.passcred[0], pair.passcred[1] = sock.passcred, listener.passcred
    if listener.passcred_sure and not sole.busy(slot, listener, frozenset({_SETSOCKOPT})):
        # The accepted end has it from the accept on (unix_sock_inherit_flags()).
        pair.creds_on[1] = {pb.SO_PASSCRED}
        pair.creds_on_at[1] = sole.files.admission.registry.next_slot_id()
    sole.by_file[client] = sole.by_file[made] = pair
    sole.files.passed.note_pair(client, made)


def _note_shutdown(sole: SoleHeld, slot: Slot) -> None:
    """shutdown(fd, how) succeeded: the bits it set on the socket and its known peer."""
    bits = _shut_bits(slot.args[1] & 0xFFFF_FFFF)
    end = sole.files.description_of(slot, slot.args[0])
    if end is None or not bits:
        return
    after = sole.files.admission.registry.next_slot_id()
    held = sole.by_file.get(end)
    paired = isinstance(held, pb.Pair)
    if isinstance(held, Sock):
        held.touched = True                     # (its peer's bits are not kept)
    _shut(sole, end, bits, after, paired)
    if isinstance(held, pb.Pair):
        side = held.side(end)
        held.shut[side] = held.shut.get(side, 0) | bits
        held.shut[1 - side] = held.shut.get(1 - side, 0) | _mirror(bits)
        _shut(sole, held.ends[1 - side], _mirror(bits), after, True)


def _shut(sole: SoleHeld, end: Description, bits: int, after: int, paired: bool) -> None:
    """`end` holds `bits` from slot id `after` on (a send that began before a SEND_SHUTDOWN
    it did not hold yet is not judged); `paired`: set while connected to a peer the
    Guardian follows (that peer then holds the mirrored bits)."""
    shut = sole.shut.setdefault(end, [0, after, 0])
    if bits & ~shut[0] & SEND_SHUTDOWN:
        shut[1], shut[2] = after, int(paired)
    shut[0] |= bits


# --- the rules -------------------------------------------------------------------------------

def _kind(sole: SoleHeld, slot: Slot, end: Description) -> int | None:
    """The type of `end` where it is an AF_UNIX socket the Guardian knows."""
    held = sole.by_file.get(end)
    if isinstance(held, (pb.Pair, Sock)):
        return held.kind
    f = sole.files.table(slot.root, slot.thread).fds.get(s32(slot.args[0]))
    sock = getattr(f, "sock", None)
    return sock[1] if sock is not None and sock[0] == AF_UNIX else None


def check_shut_send(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """`return.shut_send`: a send after SEND_SHUTDOWN moves nothing.  unix_stream_sendmsg()
    checks sk->sk_shutdown & SEND_SHUTDOWN first (-EPIPE); a SOCK_SEQPACKET send goes
    through unix_dgram_sendmsg(), which fails on the peer's RCV_SHUTDOWN (or a dead peer)
    instead: judged there only for a shutdown made while connected to a peer the Guardian
    follows (unix_shutdown() set the mirrored bit on that peer, never cleared)."""
    if slot.nr not in _SENDS or not sole.shut or ret >= ERRNO_FLOOR or ret <= 0:
        return
    end = sole.files.description_of(slot, slot.args[0])
    shut = sole.shut.get(end) if end is not None else None
    if shut is None or not shut[0] & SEND_SHUTDOWN or slot.id < shut[1]:
        return
    kind = _kind(sole, slot, end)
    if kind != SOCK_STREAM and not (kind == SOCK_SEQPACKET and shut[2]):
        return
    refuse("return.shut_send", Status.ERR_DENIED,
           f"a send on descriptor {s32(slot.args[0])} answers {ret}, but the socket's sending "
           "side was shut down (its shutdown(SHUT_WR) or its peer's SHUT_RD) before the call: "
           "Linux fails every send there with EPIPE")


def _writable(sole: SoleHeld, slot: Slot, iovs: list[tuple[int, int]]) -> bool:
    """Whether the receive's buffers are mapped writable and stayed so (no other call of
    the program that may unmap or protect a page in flight): its copy cannot fault."""
    return cannot_fault(sole.memory, slot, sole.files.admission.registry.slots.values(), iovs)


def check_stream_whole(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int,
                       room: int | None, iovs: list[tuple[int, int]] | None) -> None:
    """`return.stream_whole`: a receive on a stream pair end where bytes wait takes
    min(room, waiting)."""
    waiting = len(pair.waiting.get(side, b""))
    if room is None or iovs is None or not waiting or pair.mixed.get(side) or \
            pair.sent_at.get(side, 0) > slot.id or ret >= min(room, waiting) or \
            ret in pair_glue.stops(sole, slot, pair, side) or not _writable(sole, slot, iovs):
        return
    refuse("return.stream_whole", Status.ERR_DENIED,
           f"a receive of {room} bytes on the program's own AF_UNIX stream connection answers "
           f"{ret} while {waiting} bytes its peer end sent wait: Linux copies skb after skb "
           "while room is left and stops short only at descriptors or, with SO_PASSCRED "
           "on the reading end, at bytes of other credentials")


def check_record_flags(sole: SoleHeld, slot: Slot, length: int, room: int) -> None:
    """`return.record_flags`: recvmsg's msg_flags has MSG_TRUNC exactly when the record
    was longer than the buffer."""
    raw = sole.memory.read(slot.args[1] + _MSG_FLAGS, 4, slot.root)
    if raw is None or not pb.quiet_msg(sole, slot):
        return
    flags = struct.unpack("<I", raw)[0]
    if bool(flags & MSG_TRUNC) != (length > room):
        refuse("return.record_flags", Status.ERR_DENIED,
               f"recvmsg of a {length}-byte record into {room} bytes on an AF_UNIX end only "
               f"the program holds reports msg_flags {flags:#x}: Linux sets MSG_TRUNC exactly when "
               "the record was longer than the buffer")


def check_rights_trunc(sole: SoleHeld, slot: Slot, ret: int, sent: int) -> None:
    """`return.rights_trunc`: a receive that took the first bytes of a message carrying
    `sent` descriptors and installed fewer sets MSG_CTRUNC (scm_detach_fds())."""
    if ret <= 0:
        return
    read = sole.memory.read
    raw = read(slot.args[1] + _MSG_FLAGS, 4, slot.root)
    if raw is None or not pb.quiet_msg(sole, slot):
        return
    got = len(rights(lambda va, n: read(va, n, slot.root), slot.args[1]))
    if got < sent and not struct.unpack("<I", raw)[0] & MSG_CTRUNC:
        refuse("return.rights_trunc", Status.ERR_DENIED,
               f"recvmsg on an AF_UNIX end only the program holds installs {got} of the {sent} "
               "descriptors its peer end sent with the bytes it took, without MSG_CTRUNC: "
               "Linux sets MSG_CTRUNC whenever it installs fewer than were sent")


def quiet(sole: SoleHeld, slot: Slot, end: Description) -> bool:
    """Whether `end` is an end of a pair only the program holds that unix_poll() cannot
    find readable: nothing waits, neither side of its reading was shut down, its peer's
    open file is live (no release, no sk_err), and no call on the pair is in flight."""
    pair = sole.by_file.get(end)
    if not isinstance(pair, pb.Pair) or sole.unsettled(slot):
        return False
    side = pair.side(end)
    waiting = pair.waiting.get(side) if pair.stream else pair.records.get(side)
    if waiting or pair.shut.get(side, 0) & RCV_SHUTDOWN or \
            pair.taken_at.get(side, 0) > slot.id:
        return False                            # (or it was taken while the call ran)
    live = sole.files.live_descriptions()
    if id(pair.ends[1 - side]) not in live:
        return False
    return not sole.busy(slot, pair, pb.CALLS | {_SHUTDOWN, _SENDMMSG}) and \
        not _closing(sole, slot)


def _closing(sole: SoleHeld, slot: Slot) -> bool:
    from guardian.poll_open import close_in_flight
    return close_in_flight(slot, sole.files.admission.registry.slots.values())


def check_poll(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """`return.pair_ready` for ppoll: no POLLIN on a quiet end."""
    base, nfds = slot.args[0], slot.args[1] & 0xFFFF_FFFF
    if not sole.by_file or ret >= ERRNO_FLOOR or not ret or not base or not nfds or \
            nfds > _MAX_NFDS:
        return
    raw = sole.memory.read(base, nfds * _POLLFD.size, slot.root)
    if raw is None:
        return
    for i in range(nfds):
        fd, _, revents = _POLLFD.unpack_from(raw, i * _POLLFD.size)
        if fd < 0 or not revents & (POLLIN | POLLRDNORM):
            continue
        end = sole.files.description_of(slot, fd)
        if end is not None and quiet(sole, slot, end):
            refuse_ready("ppoll", fd)


def refuse_ready(call: str, fd: int) -> None:
    refuse("return.pair_ready", Status.ERR_DENIED,
           f"{call} reports POLLIN for descriptor {fd}, an end of the program's own AF_UNIX "
           "connection with nothing waiting, neither side shut down and its peer open: "
           "unix_poll() reports EPOLLIN only for a queued skb, RCV_SHUTDOWN or an error")


def waiting_throughout(sole: SoleHeld, slot: Slot, end: Description) -> tuple[bool, bool]:
    """For `return.pair_waiting`: whether unix_poll() surely found `end` readable, and
    whether it surely found it writable, on every pass of the slot's wait.  Readable:
    something waits at the end, sent by a call that returned before the wait entered,
    and no receive from it returned since.  Writable (a stream pair only): nothing the
    end sent waits at its peer, and no send on it returned since the wait entered.
    Neither where another call on the pair, or a close, is in flight."""
    pair = sole.by_file.get(end)
    if not isinstance(pair, pb.Pair) or sole.unsettled(slot) or \
            sole.busy(slot, pair, pb.CALLS | {_SHUTDOWN, _SENDMMSG, _RECVMMSG}) or \
            _closing(sole, slot):
        return False, False
    side, peer = pair.side(end), 1 - pair.side(end)
    queue = pair.waiting.get(side) if pair.stream else pair.records.get(side)
    readable = bool(queue) and pair.sent_at.get(side, 0) <= slot.id and \
        pair.taken_at.get(side, 0) <= slot.id
    writable = pair.stream and not pair.held(peer) and pair.sent_at.get(peer, 0) <= slot.id
    return readable, writable


def _refuse_waiting(call: str, fd: int, what: str) -> None:
    refuse("return.pair_waiting", Status.ERR_DENIED,
           f"{call} does not report descriptor {fd} {what}, though it is an end of the "
           "program's own AF_UNIX socketpair or connection " + (
               "whose peer's bytes waited there for the whole call: unix_poll() reports "
               "EPOLLIN for a non-empty receive queue" if what == "readable" else
               "nothing it sent waits at: unix_writable() holds while sk_wmem_alloc is "
               "within a quarter of sk_sndbuf"))


def check_poll_waiting(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """`return.pair_waiting` for ppoll: POLLIN (POLLOUT) asked of an end with bytes
    waiting (a writable stream end) is reported."""
    base, nfds = slot.args[0], slot.args[1] & 0xFFFF_FFFF
    if ret >= ERRNO_FLOOR or not base or not nfds or nfds > _MAX_NFDS:
        return
    raw = sole.memory.read(base, nfds * _POLLFD.size, slot.root)
    if raw is None:
        return
    for i in range(nfds):
        fd, events, revents = _POLLFD.unpack_from(raw, i * _POLLFD.size)
        if fd < 0 or not events & (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM):
            continue
        end = sole.files.description_of(slot, fd)
        if end is None or end not in sole.by_file:
            continue
        readable, writable = waiting_throughout(sole, slot, end)
        if readable and events & (POLLIN | POLLRDNORM) and \
                not revents & events & (POLLIN | POLLRDNORM):
            _refuse_waiting("ppoll", fd, "readable")
        if writable and events & (POLLOUT | POLLWRNORM) and \
                not revents & events & (POLLOUT | POLLWRNORM):
            _refuse_waiting("ppoll", fd, "writable")


def check_select_waiting(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """`return.pair_waiting` for pselect6: a bit asked in the read (write) set for an
    end with bytes waiting (a writable stream end) stays set (do_select()'s POLLIN_SET,
    POLLOUT_SET).  The sets asked are the ones read at the call's entry."""
    nfds = slot.args[0] & 0xFFFF_FFFF
    if ret >= ERRNO_FLOOR or not nfds or nfds > _MAX_NFDS:
        return
    n = (nfds + 63) // 64 * 8
    for arg, what in ((1, "readable"), (2, "writable")):
        va = slot.args[arg]
        asked = slot.asked.get(va) if va else None
        if asked is None or len(asked) < n:
            continue
        now_raw = sole.memory.read(va, n, slot.root)
        if now_raw is None:
            continue
        wanted = int.from_bytes(asked[:n], "little") & ((1 << nfds) - 1)
        now = int.from_bytes(now_raw, "little")
        while wanted:
            fd = (wanted & -wanted).bit_length() - 1
            wanted &= wanted - 1
            if now >> fd & 1:
                continue
            end = sole.files.description_of(slot, fd)
            if end is None or end not in sole.by_file:
                continue
            readable, writable = waiting_throughout(sole, slot, end)
            if readable if arg == 1 else writable:
                _refuse_waiting("pselect6", fd, what)
