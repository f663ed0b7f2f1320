"""Named AF_UNIX connections the program makes to its own listener.

A socketpair's ends are followed in pair_bytes.py; this module follows the program's own
named sockets: a SOCK_STREAM or SOCK_SEQPACKET socket it made (socket()), bound to an
abstract name (a sun_path starting with NUL: no file, no permission), put in listening
state by listen(), and the sockets its accept() returns and its connect() joins to that
name.  Linux fixes these answers (net/unix/af_unix.c):

* a bound name never changes (unix_bind() refuses a socket that has an address), and
  unix_find_abstract() matches an abstract name by its length and bytes: a connect to
  the name reaches the socket bound to exactly that address, and unix_stream_connect()
  gives the new server socket the listener's address.  So getpeername() of a socket the
  program connected to its listener's name, and getsockname() of a socket its listener
  accepted (or of a socket it bound), report that address: its length and its bytes
  (unix_getname(); move_addr_to_user() writes the whole length and copies what fits)
  (`return.unix_name`);
* unix_listen() sets sk_peer_pid to the caller's tgid (init_peercred()) and
  unix_stream_connect() copies the listener's to the connecting socket
  (copy_peercred()): SO_PEERCRED of a socket the program connected to its listener names
  the process that last called listen() on it before the connect -- where that is the
  reader's own process, the pid it is told (`return.unix_peercred`);
* SO_ACCEPTCONN answers sk_state == TCP_LISTEN: 1 once the program's listen() succeeded
  (only the release of the socket ends that state), 0 on a socket of its own no listen()
  succeeded on (`return.unix_listening`);
* an AF_UNIX stream socket's sk_err is set only when its peer is released
  (unix_release_sock(): ECONNRESET): SO_ERROR of a socket the program connected to its
  listener is 0 while every socket that may be its peer -- the listener (whose release
  frees a connection not yet accepted) and each socket the listener accepted since the
  connect -- is held open by the reader's own descriptor table (`return.unix_error`).

Which connection accept() returns is known only on a listener whose last listen() was
given backlog 0 (sole_streams.py: any process of the network namespace may connect to an
abstract name, and Linux queues a connection there only onto an empty queue): where the
program's own connect() returned first and its next accept() there began after, the
accepted socket's peer is that program's socket, and

* accept()'s peer address is that socket's as it is at the accept: sizeof(sa_family_t)
  for one never bound and not autobound (unix_getname(); unix_stream_connect()
  autobinds only a socket with SO_PASSCRED or SO_PASSPIDFD set), its abstract name for
  one the program bound (before or after its connect); the length written is the whole
  address's, the bytes what fits (move_addr_to_user()) (`return.unix_name`);
* SO_PEERCRED of the accepted socket names the process that called connect()
  (unix_stream_connect(): init_peercred(newsk) with the connecting task's credentials):
  the reader itself -- the pid it is told -- or a fork child of the reader's process,
  the pid its fork returned (`return.unix_peercred`).

On a listener with a larger backlog what the accepted socket's peer is (its address,
credentials, the bytes and credentials it sends) is not judged.

A socket stops being followed, for good, when a descriptor of it is passed in an
SCM_RIGHTS message (or a message the Guardian cannot read, a sendmmsg, io_uring), when
an execve keeps a descriptor of it (the new image may be one the Guardian does not see),
or when it connects a second time (what its first connection left, sk_err among it, is
not known).  A bind's or connect's address is read at a quiet return only (the kernel
copied it at the entry: sole_streams.quiet_return); and no connection is followed while
a process of the program may be in another network namespace.  A call on these sockets is not judged while another call of the domain
that may change them (listen, connect, accept, close, an SCM_RIGHTS send, exec ...) is
in flight.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import refuse
from guardian.fd_results import s32
from guardian.pair_bytes import quiet_msg
from guardian.result_reads import read_or_fault, room_passed
from guardian.side_fds import rights
from guardian.sole_streams import accepted_peer, netns_unsure, peer_address, quiet_return

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, FileTable
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

_NR = NUMBERS
_SOCKET, _BIND, _LISTEN, _CONNECT = _NR["socket"], _NR["bind"], _NR["listen"], _NR["connect"]
_ACCEPT, _ACCEPT4 = _NR["accept"], _NR["accept4"]
_GETSOCKNAME, _GETPEERNAME, _GETSOCKOPT = (_NR["getsockname"], _NR["getpeername"],
                                           _NR["getsockopt"])
_SENDMSG = _NR["sendmsg"]
#: Calls that may pass a descriptor on in ways not read here: every followed socket goes.
_LOSING = frozenset(_NR[n] for n in ("sendmmsg", "io_uring_enter", "io_uring_setup")
                    if n in _NR)
#: Calls that change what this module follows, or release a socket: while one of another
#: thread of the domain is in flight, no answer on these sockets is judged.
_CHANGING = frozenset({_BIND, _LISTEN, _CONNECT, _ACCEPT, _ACCEPT4, _SENDMSG, *_LOSING,
                       *(_NR[n] for n in ("close", "close_range", "dup3", "execve",
                                          "execveat", "exit", "exit_group", "shutdown")
                         if n in _NR)})
#: The calls `SoleSockets.check` judges and `record` follows.
CALLS = frozenset({_SOCKET, _BIND, _LISTEN, _CONNECT, _ACCEPT, _ACCEPT4, _GETSOCKNAME,
                   _GETPEERNAME, _GETSOCKOPT, _SENDMSG, *_LOSING})

AF_UNIX, SOCK_STREAM, SOCK_SEQPACKET, SOCK_TYPE_MASK = 1, 1, 5, 0xF
SA_FAMILY_SIZE, SOCKADDR_UN_SIZE = 2, 110
SOL_SOCKET, SO_ERROR, SO_PEERCRED, SO_ACCEPTCONN = 1, 4, 17, 30
MOST = 1024                     # sockets followed at once (released ones are forgotten)

#: (slot, pid) -> the pid the slot's process was told (None: never; `pid` is it from now).
OwnPid = Callable[["Slot", int], "int | None"]


@dataclass(eq=False)
class Named:
    """An AF_UNIX socket the program made, and what its own calls did with it."""

    kind: int
    #: its address (sun_family and the abstract sun_path, as long as bound): what the
    #: program bound it to, or for an accepted socket its listener's
    name: bytes | None = None
    listening: bool = False
    #: (address space, thread group) of the last listen() on it
    lister: tuple[int, int] | None = None
    #: the sockets its accept() returned, in order (a listener), and for each the first
    #: slot id that began after that accept returned
    accepted: list[Description] = field(default_factory=list)
    accepted_marks: list[int] = field(default_factory=list)
    #: a connected socket: the listener its connect() reached, and how many sockets that
    #: listener had accepted then (its peer is in the queue or accepted after)
    listener: Description | None = None
    accepted_at: int = 0
    #: ... and the process that had called listen() on it then (its SO_PEERCRED)
    peer_lister: tuple[int, int] | None = None
    #: ... and that listener's address (what getpeername reports)
    peer_name: bytes | None = None
    connected: bool = False


def _abstract(raw: bytes) -> bool:
    """An AF_UNIX address of an abstract name (family AF_UNIX, sun_path[0] == 0, a name
    after it)."""
    return len(raw) > SA_FAMILY_SIZE and struct.unpack_from("<H", raw)[0] == AF_UNIX and \
        raw[SA_FAMILY_SIZE] == 0


class SoleSockets:
    """The program's own AF_UNIX sockets, by open file."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        self.by_file: dict[Description, Named] = {}

    # --- lookups ---------------------------------------------------------------------
    def _table(self, slot: Slot) -> FileTable:
        return self.files.table(slot.root, slot.thread)

    def _of(self, slot: Slot, fd: int) -> tuple[Description, Named] | None:
        f = self._table(slot).fds.get(s32(fd))
        sock = self.by_file.get(f.description) if f is not None else None
        return None if sock is None or f is None else (f.description, sock)

    def _busy(self, slot: Slot) -> bool:
        """Is a call of another thread of the slot's domain in flight that may change a
        followed socket (or release one)?"""
        return any(other.id != slot.id and other.domain == slot.domain and
                   other.nr in _CHANGING
                   for other in self.files.admission.registry.slots.values())

    def _group(self, slot: Slot) -> tuple[int, int]:
        return slot.root, self.files.admission.registry.group_of(slot.root, slot.thread)

    def _address(self, slot: Slot, va: int, length: int) -> bytes | None:
        if not va or not SA_FAMILY_SIZE < length <= SOCKADDR_UN_SIZE or \
                not quiet_return(self.files.sole, slot, [(va, length)]):
            return None                         # (read at another time: not known)
        raw = self.memory.read(va, length, slot.root)
        return raw if raw is not None and _abstract(raw) else None

    # --- the rules -------------------------------------------------------------------
    def check(self, slot: Slot, ret: int, own_pid: OwnPid) -> None:
        """Every rule on an answer about a named socket the program follows."""
        if ret >= ERRNO_FLOOR:
            return
        if slot.nr in (_ACCEPT, _ACCEPT4):
            if self.files.sole.by_file and not self._busy(slot):
                self._check_accept(slot)
            return
        if not self.by_file or slot.nr not in (_GETSOCKNAME, _GETPEERNAME, _GETSOCKOPT):
            return
        held = self._of(slot, slot.args[0])
        if held is None or self._busy(slot):
            return
        if slot.nr == _GETSOCKOPT:
            self._check_option(slot, *held, own_pid)
            return
        sock = held[1]
        if slot.nr == _GETSOCKNAME:
            name = sock.name
        else:
            name = sock.peer_name
        if name is not None:
            self._check_name(slot, name)

    def _check_name(self, slot: Slot, name: bytes) -> None:
        """`return.unix_name`: the address reported is `name`, whole."""
        a = slot.args
        if not a[1] or not a[2]:
            return
        room = room_passed(self.memory, slot, a[1], a[2])
        size = struct.unpack("<I", read_or_fault(self.memory, slot, a[2], 4))[0]
        what = "getsockname" if slot.nr == _GETSOCKNAME else "getpeername"
        if size != len(name):
            refuse("return.unix_name", Status.ERR_DENIED,
                   f"{what} reports a {size}-byte address for a socket whose address is the "
                   f"{len(name)}-byte abstract name the program's own listener was bound to "
                   "(unix_getname(): a bound name never changes, and a connect or accept "
                   "through that name carries the listener's address)")
        copied = min(len(name), room)
        if copied and read_or_fault(self.memory, slot, a[1], copied) != name[:copied]:
            # (neither address is quoted: the name is the program's own)
            refuse("return.unix_name", Status.ERR_DENIED,
                   f"{what} reports another {copied}-byte address than the abstract name "
                   "the program's own listener was bound to (unix_getname() copies the "
                   "listener's address)")

    def _check_accept(self, slot: Slot) -> None:
        """`return.unix_name` for accept(): the peer address of a connection known to be
        the program's own (sole_streams.accepted_peer) is its connecting socket's."""
        peer = accepted_peer(self.files.sole, slot)
        a = slot.args
        name = peer_address(self.files.sole, slot, peer) if peer is not None else None
        if name is None or not a[1] or not a[2]:
            return
        room = room_passed(self.memory, slot, a[1], a[2])
        size = struct.unpack("<I", read_or_fault(self.memory, slot, a[2], 4))[0]
        kind = f"its {len(name) - SA_FAMILY_SIZE}-byte abstract name" \
            if len(name) > SA_FAMILY_SIZE else "unbound: sizeof(sa_family_t)"
        if size != len(name):
            refuse("return.unix_name", Status.ERR_DENIED,
                   f"accept reports a {size}-byte peer address for a connection whose peer "
                   f"is the program's own socket ({kind}, {len(name)} bytes), the only one "
                   "its listener with backlog 0 could have queued: unix_getname() reports "
                   "that socket's address and move_addr_to_user() its whole length")
        copied = min(len(name), room)
        if copied and read_or_fault(self.memory, slot, a[1], copied) != name[:copied]:
            refuse("return.unix_name", Status.ERR_DENIED,
                   f"accept reports another {copied}-byte peer address than that of the "
                   f"program's own socket ({kind}) its listener with backlog 0 queued "
                   "(unix_getname())")

    def _peer_pid(self, slot: Slot, desc: Description, got: int,
                  own_pid: OwnPid) -> tuple[bool, int | None, str]:
        """(judged, the pid the reader was told, what it names) for SO_PEERCRED of
        `desc`: a socket connected to the program's listener (the last lister), or one
        its listener accepted from the program's own connect() (the connecting process:
        the reader itself, or a fork child of the reader's process)."""
        sock = self.by_file[desc]
        if sock.peer_lister is not None:
            if sock.peer_lister != self._group(slot):
                return False, None, ""
            return True, own_pid(slot, got), "the caller's own, which called listen() on " \
                "the listener it connected to (init_peercred() at listen(), copied by " \
                "unix_stream_connect())"
        connect = self.files.sole.accepted.get(desc)
        if connect is None:
            return False, None, ""
        why = "the connecting process's (unix_stream_connect() gives the new socket the " \
            "connecting task's credentials: init_peercred()), and the only connection its " \
            "listener with backlog 0 could have queued was the program's own"
        if connect.process == self._group(slot):
            return True, own_pid(slot, got), why
        reg = self.files.admission.registry
        root, group = connect.process
        # A fork child of the reader's process (the reader the only process of its
        # address space: the pid its fork returned is in the reader's pid namespace).
        if group or root == slot.root or self._group(slot)[1] or any(
                r == slot.root and g for (r, _), g in reg.thread_groups.items()):
            return False, None, ""
        process = reg.process_of_root.get(root)
        told = {pid for (r, pid), proc in reg.child_pids.items()
                if r == slot.root and proc == process} if process else set()
        if len(told) != 1:
            return False, None, ""
        return True, told.pop(), why + "; here a fork child of the caller"

    def _check_option(self, slot: Slot, desc: Description, sock: Named,
                      own_pid: OwnPid) -> None:
        a = slot.args
        if a[1] & 0xFFFF_FFFF != SOL_SOCKET or not a[3] or not a[4]:
            return
        opt = a[2] & 0xFFFF_FFFF
        if opt not in (SO_ERROR, SO_PEERCRED, SO_ACCEPTCONN):
            return
        if room_passed(self.memory, slot, a[3], a[4]) < 4:
            return                      # no room for the int (Linux copies what fits)
        got = struct.unpack("<i", read_or_fault(self.memory, slot, a[3], 4))[0]
        if opt == SO_ACCEPTCONN:
            want = int(sock.listening)
            if got != want:
                refuse("return.unix_listening", Status.ERR_DENIED,
                       f"SO_ACCEPTCONN answers {got} for the program's own AF_UNIX socket, "
                       + ("on which its listen() succeeded (unix_listen() set TCP_LISTEN; "
                          "only its release ends it)" if want else
                          "on which no listen() of its succeeded (it is not TCP_LISTEN)"))
        elif opt == SO_PEERCRED:
            if not checks.enabled("return.unix_peercred"):
                return
            # Where the process was never told its pid, this answer tells it: a later
            # getpid is held to it (return.id_range).
            judged, told, whose = self._peer_pid(slot, desc, got, own_pid)
            if judged and (got < 1 or told is not None and told != got):
                refuse("return.unix_peercred", Status.ERR_DENIED,
                       "SO_PEERCRED reports another pid"
                       + (f" than {told}" if told is not None else " than any")
                       + f" for the program's own AF_UNIX socket, whose peer's pid is {whose}")
        elif got != 0 and self._peer_open(slot, sock):
            refuse("return.unix_error", Status.ERR_DENIED,
                   f"SO_ERROR answers {got} for a socket the program connected to its own "
                   "listener, whose possible peers (the listener and the sockets it "
                   "accepted since) the caller's own table holds open: an AF_UNIX stream "
                   "socket's error is set only when its peer is released "
                   "(unix_release_sock())")

    def _peer_open(self, slot: Slot, sock: Named) -> bool:
        """Is every socket that may be `sock`'s peer one the program still follows and the
        caller's own descriptor table holds open?"""
        if sock.listener is None or sock.listener not in self.by_file:
            return False
        listener = self.by_file[sock.listener]
        maybe = [sock.listener, *listener.accepted[sock.accepted_at:]]
        held = {id(f.description) for f in self._table(slot).fds.values()}
        return all(d in self.by_file and id(d) in held for d in maybe)

    # --- what a call that passed the rules did ---------------------------------------
    def record(self, slot: Slot, ret: int) -> None:
        """What a call did to the followed sockets (after the descriptor table recorded
        it)."""
        nr, a = slot.nr, slot.args
        if nr in _LOSING:
            self._drop_domain(slot)
            return
        if nr == _SENDMSG:
            self._sent(slot)
            return
        if ret >= ERRNO_FLOOR:
            return
        if nr == _SOCKET:
            kind = a[1] & SOCK_TYPE_MASK
            f = self._table(slot).fds.get(s32(ret))
            if a[0] & 0xFFFF_FFFF == AF_UNIX and f is not None and self._room():
                self.by_file[f.description] = Named(kind)
            return
        held = self._of(slot, a[0]) if self.by_file else None
        if held is None:
            return
        desc, sock = held
        if self._busy(slot):
            self._drop(desc)                    # what it met is not known
            return
        if nr == _BIND:
            sock.name = self._address(slot, a[1], a[2] & 0xFFFF_FFFF)
        elif nr == _LISTEN:
            sock.listening, sock.lister = True, self._group(slot)
        elif nr in (_ACCEPT, _ACCEPT4):
            made = self._table(slot).fds.get(s32(ret))
            if made is None or not sock.listening:
                return
            sock.accepted.append(made.description)
            sock.accepted_marks.append(self.files.admission.registry.next_slot_id())
            if len(sock.accepted) > MOST:
                self._drop(desc)                # (its connections' peers: not followed)
                return
            if self._room():
                self.by_file[made.description] = Named(sock.kind, sock.name, connected=True)
        elif nr == _CONNECT:
            self._connected(slot, desc, sock)

    def _connected(self, slot: Slot, desc: Description, sock: Named) -> None:
        """connect() succeeded: where the name is the one the program's own listener
        holds (bound, listening, held open by the caller's table), that listener is what
        it reached."""
        if sock.connected or sock.listening:
            self._drop(desc)                    # a second connection: not followed
            return
        sock.connected = True
        name = self._address(slot, slot.args[1], slot.args[2] & 0xFFFF_FFFF)
        if name is None or sock.kind not in (SOCK_STREAM, SOCK_SEQPACKET) or \
                netns_unsure(self.files.sole, slot):
            return                              # (in another namespace: another socket)
        held = {f.description for f in self._table(slot).fds.values()}
        for d, other in self.by_file.items():
            if other.name == name and other.listening and other.kind == sock.kind and \
                    d in held:
                # its peer: queued, or taken by an accept that returned after the
                # connect began (unix_stream_connect() wakes the acceptor first)
                sock.listener = d
                sock.accepted_at = sum(1 for m in other.accepted_marks if m <= slot.id)
                sock.peer_lister, sock.peer_name = other.lister, other.name
                return

    def _sent(self, slot: Slot) -> None:
        """sendmsg (successful or not: part of it may have gone): a socket one of its
        SCM_RIGHTS descriptors names may have another holder now."""
        if not self.by_file:
            return
        read = self.memory.read
        if read(slot.args[1] + 32, 16, slot.root) is None or \
                not quiet_msg(self.files.sole, slot):
            self._drop_domain(slot)             # (what it passed: not known)
            return
        table = self._table(slot)
        for fd in rights(lambda va, n: read(va, n, slot.root), slot.args[1]):
            f = table.fds.get(fd)
            if f is not None:
                self._drop(f.description)

    def note_exec(self, table: FileTable) -> None:
        """An execve keeps these descriptors: the new image may be one not seen."""
        for f in table.fds.values():
            if not f.cloexec:
                self._drop(f.description)

    def _drop(self, desc: Description) -> None:
        self.by_file.pop(desc, None)

    def _drop_domain(self, slot: Slot) -> None:
        if not self.by_file:
            return
        roots = {r for r, d in self.files.admission.registry.root_domain.items()
                 if d == slot.domain}
        for (root, _), table in self.files.tables.items():
            if root in roots:
                for f in table.fds.values():
                    self._drop(f.description)

    def _room(self) -> bool:
        """Past `MOST` sockets, released ones are forgotten first; then a new one is not
        followed."""
        if len(self.by_file) < MOST:
            return True
        live = self.files.live_descriptions()
        self.by_file = {d: s for d, s in self.by_file.items() if id(d) in live}
        return len(self.by_file) < MOST

