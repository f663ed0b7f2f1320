"""The program's own named AF_UNIX sockets, held to what Linux guarantees.

A socket it bound to an abstract name keeps that name, a socket its listener accepted
carries the listener's, and a socket it connected to that name has the listener as its
peer: its name, the credentials of the process that called listen(), and no error while
every socket that may be its peer stays open.  SO_ACCEPTCONN is 1 exactly after the
program's own listen().  Each forged answer is refused by its check; what the Guardian
cannot know (a name the program did not bind, a socket passed on, a peer that may be
gone) is not judged.
"""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from attacks.runner import run_one
from attacks.scenario import get
from guardian.checks import Refused
from guardian.open_files import FileTable, OpenFile
from guardian.pair_bytes import Pair
from guardian.slots import Slot, Space
from guardian.sole_held import SoleHeld
from guardian.sole_sockets import SoleSockets
from tests.honest_runs import honest_outcome

VICTIM = "secret_r35_sockets"
CASES = [("QS-002", "return.unix_name"), ("QS-018", "return.unix_name"),
         ("QS-005", "return.unix_listening"), ("QS-006", "return.unix_error"),
         # the program learns its pid from SO_PEERCRED of c first: the accepted socket's
         # answer (its peer the program's own process: backlog 0) is held to it
         ("QS-003", "return.unix_peercred"),
         # the listeners listen with backlog 0: the connection accepted is the program's
         ("QS-001", "return.unix_name"), ("QS-023", "return.unix_peercred"),
         ("QS-009", "return.unix_creds")]
MINE = ("return.unix_name", "return.unix_peercred", "return.unix_listening",
        "return.unix_error", "return.unix_creds")


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.leaks
    return out.decided_by


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_a_forged_answer_is_refused(scenario_id: str, check: str,
                                    honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks
    assert not set(MINE) & set(honest_checks)


# --- the rules on their own, over a fake descriptor table -------------------------------

NR = NUMBERS
ROOT, OTHER_ROOT = 0x1000, 0x2000
LST, CLI, SRV, BUF, LEN, OPT = 3, 4, 5, 0x10000, 0x10100, 0x10200
NAME = struct.pack("<H", 1) + b"\0r35-listener"
SOL_SOCKET, SO_ERROR, SO_PEERCRED, SO_ACCEPTCONN = 1, 4, 17, 30


class Memory:
    """The program's memory: a few buffers, all readable."""

    def __init__(self) -> None:
        self.bytes: dict[int, int] = {}

    def write(self, va: int, data: bytes) -> None:
        for i, b in enumerate(data):
            self.bytes[va + i] = b

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        return bytes(self.bytes.get(va + i, 0) for i in range(n))

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return None


class World:
    """One process (thread 1 of ROOT: its thread group 0) and the Guardian's view of its
    descriptors, the sockets it follows (sole_sockets.py) and the connections it pairs
    (sole_held.py, sole_streams.py)."""

    def __init__(self) -> None:
        self.memory = Memory()
        self.table = FileTable()
        self.in_flight: dict[int, Slot] = {}
        self.ids = 100
        self.groups: dict[tuple[int, int], int] = {}
        #: each address space's returns to user code (quiet_ranges.py)
        self.runs: dict[int, int] = {ROOT: 0, OTHER_ROOT: 0}
        self.process_of_root: dict[int, int] = {}
        self.child_pids: dict[tuple[int, int], int] = {}
        registry = SimpleNamespace(
            slots=self.in_flight, root_domain={ROOT: 1, OTHER_ROOT: 1},
            group_of=lambda root, thread: self.groups.get((root, thread), 0),
            next_slot_id=lambda: self.ids + 1, thread_groups=self.groups,
            process_of_root=self.process_of_root, child_pids=self.child_pids,
            space_of=lambda domain, root: self.spaces.get(root),
            domains={1: SimpleNamespace(spaces={ROOT: Space(), OTHER_ROOT: Space()})},
            user_runs=self.runs)
        self.spaces = {ROOT: SimpleNamespace(creds={1: {"ruid": 1000, "rgid": 100}},
                                             pids={0: 42})}
        self.tables = {(ROOT, 1): self.table}
        self.files = SimpleNamespace(
            admission=SimpleNamespace(registry=registry), tables=self.tables,
            table=lambda root, thread: self.tables.setdefault((root, thread), FileTable()),
            live_descriptions=lambda: {id(f.description) for t in self.tables.values()
                                       for f in t.fds.values()},
            description_of=self._description_of,
            passed=SimpleNamespace(note_pair=lambda one, other: None))
        self.files.sole = SoleHeld(self.memory, self.files)  # type: ignore[arg-type]
        self.sockets = SoleSockets(self.memory, self.files)  # type: ignore[arg-type]
        self.told: dict[tuple[int, int], int] = {}

    def _description_of(self, slot: Slot, fd: int) -> object | None:
        f = self.files.table(slot.root, slot.thread).fds.get(fd)
        return f.description if f is not None else None

    def own_pid(self, slot: Slot, pid: int) -> int | None:
        return self.told.get((slot.root, slot.thread))

    def slot(self, name: str, *args: int, root: int = ROOT, thread: int = 1) -> Slot:
        self.ids += 1
        slot = Slot(self.ids, 1, None, 0, NR[name], tuple(args) + (0,) * (6 - len(args)),
                    root, thread)
        slot.runs_at_entry = dict(self.runs)    # (no exit in flight: quiet_ranges.note)
        return slot

    def call(self, name: str, *args: int, ret: int = 0, root: int = ROOT,
             thread: int = 1, slot: Slot | None = None) -> None:
        """The call `name` returns `ret` (in `slot`, one entered earlier, or a new one):
        the rules, then the table and the sockets record it (result_rules.py's order)."""
        slot = slot if slot is not None else self.slot(name, *args, root=root, thread=thread)
        self.files.sole.check(slot, ret)
        self.sockets.check(slot, ret, self.own_pid)
        table = self.files.table(slot.root, slot.thread)
        if name in ("socket", "accept", "accept4") and ret < ERRNO_FLOOR:
            table.fds[ret] = OpenFile(maker=NR[name])
        self.files.sole.record(slot, ret)
        self.sockets.record(slot, ret)

    def addr(self, name: bytes = NAME) -> tuple[int, int]:
        self.memory.write(BUF, name)
        return BUF, len(name)

    def connected(self, backlog: int = 4, accept: tuple[int, int] = (0, 0)) -> None:
        """A listener bound to NAME (listening with `backlog`), a client connected to it,
        the server end accepted (accept's address and length words: `accept`)."""
        self.call("socket", 1, 1, 0, ret=LST)
        self.call("socket", 1, 1, 0, ret=CLI)
        self.call("bind", LST, *self.addr())
        self.call("listen", LST, backlog)
        self.call("connect", CLI, *self.addr())
        self.call("accept", LST, *accept, ret=SRV)

    def name_call(self, name: str, fd: int, reported: bytes, size: int | None = None) -> None:
        """getsockname/getpeername(fd) reports `reported` (its length, or `size`)."""
        self.memory.write(LEN, struct.pack("<I", 110))
        slot_args = (fd, BUF + 0x400, LEN)
        self.memory.write(BUF + 0x400, reported)
        # the kernel writes the length back
        self.memory.write(LEN, struct.pack("<I", len(reported) if size is None else size))
        self.call(name, *slot_args)

    def option(self, fd: int, opt: int, value: int, in_flight: str | None = None,
               root: int = ROOT, thread: int = 1) -> None:
        self.memory.write(OPT, struct.pack("<iII", value, 0, 0))
        self.memory.write(OPT + 0x40, struct.pack("<I", 12 if opt == SO_PEERCRED else 4))
        if in_flight is not None:
            self.in_flight[999] = Slot(999, 1, None, 0, NR[in_flight], (0,) * 6, ROOT, 2)
        try:
            self.call("getsockopt", fd, SOL_SOCKET, opt, OPT, OPT + 0x40, root=root,
                      thread=thread)
        finally:
            self.in_flight.pop(999, None)


def _refused(check: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as exc:
        fn(*args, **kwargs)
    assert exc.value.check == check


def test_names_are_the_listeners() -> None:
    w = World()
    w.connected()
    w.name_call("getpeername", CLI, NAME)
    w.name_call("getsockname", SRV, NAME)
    w.name_call("getsockname", LST, NAME)
    forged = NAME[:-1] + b"s"
    _refused("return.unix_name", w.name_call, "getpeername", CLI, forged)
    _refused("return.unix_name", w.name_call, "getsockname", SRV, forged)
    _refused("return.unix_name", w.name_call, "getsockname", SRV, NAME, size=6)
    # the accepted socket's peer may be any process's: its name is not judged
    w.name_call("getpeername", SRV, forged)


def test_a_name_the_program_did_not_bind_is_not_judged() -> None:
    w = World()
    w.call("socket", 1, 1, 0, ret=CLI)
    w.call("connect", CLI, *w.addr())
    w.name_call("getpeername", CLI, NAME[:-1] + b"s")
    w.option(CLI, SO_ERROR, 104)
    # a path name is not followed either
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("bind", LST, *w.addr(struct.pack("<H", 1) + b"/tmp/sock\0"))
    w.name_call("getsockname", LST, struct.pack("<H", 1) + b"/tmp/sick\0")


def test_acceptconn_follows_listen() -> None:
    w = World()
    w.connected()
    w.option(LST, SO_ACCEPTCONN, 1)
    w.option(CLI, SO_ACCEPTCONN, 0)
    w.option(SRV, SO_ACCEPTCONN, 0)
    _refused("return.unix_listening", w.option, LST, SO_ACCEPTCONN, 0)
    _refused("return.unix_listening", w.option, CLI, SO_ACCEPTCONN, 1)
    # a listen() of another thread in flight may already have happened
    w.option(CLI, SO_ACCEPTCONN, 1, in_flight="listen")


def test_a_socket_passed_on_is_not_judged() -> None:
    w = World()
    w.connected()
    control = BUF + 0x800
    w.memory.write(BUF + 0x200 + 32, struct.pack("<QQ", control, 20))
    w.memory.write(control, struct.pack("<Qiii", 20, SOL_SOCKET, 1, CLI))
    w.call("sendmsg", SRV, BUF + 0x200, 0, ret=1)
    w.option(CLI, SO_ACCEPTCONN, 1)         # another process may have made it listen
    w.option(LST, SO_ACCEPTCONN, 1)
    _refused("return.unix_listening", w.option, LST, SO_ACCEPTCONN, 0)


def test_peercred_names_the_listening_process() -> None:
    w = World()
    w.connected()
    w.told[(ROOT, 1)] = 42
    w.option(CLI, SO_PEERCRED, 42)
    _refused("return.unix_peercred", w.option, CLI, SO_PEERCRED, 46)
    # the accepted end's peer may be any process: not judged
    w.option(SRV, SO_PEERCRED, 46)
    # another process reading it (a fork child) is told another pid: not judged here
    w.tables[(OTHER_ROOT, 1)] = w.table.copy()
    w.option(CLI, SO_PEERCRED, 46, root=OTHER_ROOT)


def test_so_error_while_the_peers_stay_open() -> None:
    w = World()
    w.connected()
    w.option(CLI, SO_ERROR, 0)
    _refused("return.unix_error", w.option, CLI, SO_ERROR, 4)
    # a close of another thread in flight may have released the peer
    w.option(CLI, SO_ERROR, 104, in_flight="close")
    # the accepted socket closed: its release sets ECONNRESET (unix_release_sock())
    del w.table.fds[SRV]
    w.option(CLI, SO_ERROR, 104)


def test_a_second_connect_is_not_followed() -> None:
    w = World()
    w.connected()
    w.call("connect", CLI, *w.addr())
    w.option(CLI, SO_ERROR, 104)
    w.name_call("getpeername", CLI, NAME[:-1] + b"s")


# --- which connection accept() returns: known only on a listener with backlog 0 ---------

ADDR, ALEN = 0x11000, 0x11100
UNBOUND = struct.pack("<H", 1)


def _accept_answer(w: World, address: bytes, size: int | None = None) -> None:
    """The kernel's accept(LST) answer: the peer address written, its length."""
    w.memory.write(ALEN, struct.pack("<I", 110))
    w.memory.write(ADDR, address)
    w.memory.write(ALEN, struct.pack("<I", len(address) if size is None else size))


def _paired(w: World) -> bool:
    srv = w.table.fds[SRV].description
    return isinstance(w.files.sole.by_file.get(srv), Pair) and srv in w.files.sole.accepted


def test_a_listener_with_a_backlog_is_not_followed() -> None:
    """listen(fd, 4): another process may have connected first (an abstract name needs
    no permission), so the accepted socket's peer is not known -- the honest kernel may
    answer with a third party's address and credentials, and is never refused."""
    w = World()
    w.told[(ROOT, 1)] = 42
    _accept_answer(w, struct.pack("<H", 1) + b"\0abc")
    w.connected(backlog=4, accept=(ADDR, ALEN))
    assert not _paired(w)
    w.option(SRV, SO_PEERCRED, 4242)


def test_accept_reports_the_programs_own_unbound_peer() -> None:
    """listen(fd, 0): the program's connect queued onto an empty queue, so its next
    accept returns that connection: the peer never bound, its address is
    sizeof(sa_family_t) (unix_getname())."""
    w = World()
    _accept_answer(w, UNBOUND)
    w.connected(backlog=0, accept=(ADDR, ALEN))
    assert _paired(w)
    w = World()
    _accept_answer(w, struct.pack("<H", 1) + b"\0abc")
    _refused("return.unix_name", w.connected, backlog=0, accept=(ADDR, ALEN))
    w = World()
    _accept_answer(w, struct.pack("<H", 2))
    _refused("return.unix_name", w.connected, backlog=0, accept=(ADDR, ALEN))


def test_accept_reports_a_name_the_peer_bound_after_its_connect() -> None:
    """unix_bind() binds a connected socket that has no address; accept's
    unix_getname() reads the peer's address then."""
    bound = struct.pack("<H", 1) + b"\0client"
    w = World()
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("socket", 1, 1, 0, ret=CLI)
    w.call("bind", LST, *w.addr())
    w.call("listen", LST, 0)
    w.call("connect", CLI, *w.addr())
    w.call("bind", CLI, *w.addr(bound))
    _accept_answer(w, bound)
    w.call("accept", LST, ADDR, ALEN, ret=SRV)
    assert _paired(w)
    # SO_PASSCRED on the client before its connect: it may have been autobound
    w = World()
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("socket", 1, 1, 0, ret=CLI)
    w.call("bind", LST, *w.addr())
    w.call("listen", LST, 0)
    w.memory.write(0x12400, struct.pack("<i", 1))
    w.call("setsockopt", CLI, SOL_SOCKET, 16, 0x12400, 4)
    w.call("connect", CLI, *w.addr())
    _accept_answer(w, struct.pack("<H", 1) + b"\x0012345")
    w.call("accept", LST, ADDR, ALEN, ret=SRV)
    assert _paired(w)


def test_an_accept_begun_before_the_connect_returned_is_not_judged() -> None:
    """It may have taken another process's connection before the program's was queued."""
    w = World()
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("socket", 1, 1, 0, ret=CLI)
    w.call("bind", LST, *w.addr())
    w.call("listen", LST, 0)
    early = w.slot("accept", LST, ADDR, ALEN, thread=1)
    w.call("connect", CLI, *w.addr(), thread=1)
    _accept_answer(w, struct.pack("<H", 1) + b"\0abc")
    w.call("accept", LST, ADDR, ALEN, ret=SRV, slot=early)
    assert not _paired(w)


def test_another_accept_or_listen_leaves_the_order_unknown() -> None:
    """An accept that returned (even failing: it may have dequeued before its copy
    faulted) or one in flight may have taken the program's connection; a listen that
    raised the backlog before the connect, or one in flight then, let others queue."""
    def setup(backlogs: tuple[int, ...]) -> World:
        w = World()
        w.call("socket", 1, 1, 0, ret=LST)
        w.call("socket", 1, 1, 0, ret=CLI)
        w.call("bind", LST, *w.addr())
        for backlog in backlogs:
            w.call("listen", LST, backlog)
        return w

    w = setup((0,))
    w.call("connect", CLI, *w.addr())
    w.call("accept", LST, ADDR, ALEN, ret=ERRNO_FLOOR + 4082)     # -EFAULT
    w.call("accept", LST, 0, 0, ret=SRV)
    assert not _paired(w)
    w = setup((0,))
    w.call("connect", CLI, *w.addr())
    w.in_flight[999] = Slot(999, 1, None, 0, NR["accept"], (LST, 0, 0, 0, 0, 0), ROOT, 1)
    w.call("accept", LST, 0, 0, ret=SRV)
    del w.in_flight[999]
    assert not _paired(w)
    w = setup((0, 4))
    w.call("connect", CLI, *w.addr())
    w.call("accept", LST, 0, 0, ret=SRV)
    assert not _paired(w)
    w = setup((4, 0))
    w.call("connect", CLI, *w.addr())
    w.call("accept", LST, 0, 0, ret=SRV)
    assert _paired(w)
    w = setup((0,))
    w.in_flight[999] = Slot(999, 1, None, 0, NR["listen"], (LST, 4, 0, 0, 0, 0), ROOT, 1)
    w.call("connect", CLI, *w.addr())
    del w.in_flight[999]
    w.call("accept", LST, 0, 0, ret=SRV)
    assert not _paired(w)


def test_peercred_of_the_accepted_socket_names_the_connecting_process() -> None:
    w = World()
    w.told[(ROOT, 1)] = 42
    w.connected(backlog=0)
    w.option(SRV, SO_PEERCRED, 42)
    _refused("return.unix_peercred", w.option, SRV, SO_PEERCRED, 46)


def test_peercred_of_a_fork_childs_connection_is_the_pid_fork_returned() -> None:
    w = World()
    w.process_of_root[OTHER_ROOT] = 7
    w.child_pids[(ROOT, 77)] = 7
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("bind", LST, *w.addr())
    w.call("listen", LST, 0)
    w.tables[(OTHER_ROOT, 1)] = w.table.copy()
    w.call("socket", 1, 1, 0, ret=CLI, root=OTHER_ROOT)
    w.call("connect", CLI, *w.addr(), root=OTHER_ROOT)
    w.call("accept", LST, 0, 0, ret=SRV)
    w.option(SRV, SO_PEERCRED, 77)
    _refused("return.unix_peercred", w.option, SRV, SO_PEERCRED, 81)
    # a CLONE_VM process shares the reader's address space: whose fork it was, unknown
    w.groups[(ROOT, 9)] = 9
    w.option(SRV, SO_PEERCRED, 81)


MSG, IOV, DATA, CTL, OPTV = 0x12000, 0x12100, 0x12200, 0x12300, 0x12400


def _passcred(w: World, fd: int, on: int) -> None:
    w.memory.write(OPTV, struct.pack("<i", on))
    w.call("setsockopt", fd, SOL_SOCKET, 16, OPTV, 4)


def _recv_creds(w: World, pid: int, uid: int, gid: int) -> None:
    """recvmsg(SRV) answers the byte sent with SCM_CREDENTIALS (pid, uid, gid)."""
    w.memory.write(MSG, struct.pack("<QQQQQQi", 0, 0, IOV, 1, CTL, 32, 0))
    w.memory.write(IOV, struct.pack("<QQ", DATA, 1))
    w.memory.write(CTL, struct.pack("<QiiiII", 28, SOL_SOCKET, 2, pid, uid, gid))
    w.call("recvmsg", SRV, MSG, 0, ret=1)


def test_scm_credentials_of_the_programs_own_bytes_are_its_own() -> None:
    """SO_PASSCRED set before the send: maybe_add_creds() gave the skb the sender's
    tgid, real uid and real gid, and scm_recv() reports them."""
    w = World()
    w.connected(backlog=0)
    _passcred(w, SRV, 1)
    w.memory.write(DATA, b"x")
    w.call("sendto", CLI, DATA, 1, 0, ret=1)
    _recv_creds(w, 42, 1000, 100)
    w.call("sendto", CLI, DATA, 1, 0, ret=1)
    _refused("return.unix_creds", _recv_creds, w, 42, 1004, 100)


def test_scm_credentials_are_not_judged_without_passcred_at_the_send() -> None:
    """Bytes sent before SO_PASSCRED was set carry no credentials (Linux reports zeros),
    and on a listener with a backlog the sender is not known."""
    w = World()
    w.connected(backlog=0)
    w.memory.write(DATA, b"x")
    w.call("sendto", CLI, DATA, 1, 0, ret=1)
    _passcred(w, SRV, 1)
    _recv_creds(w, 0, 0, 0)
    w = World()
    w.connected(backlog=4)
    _passcred(w, SRV, 1)
    w.call("sendto", CLI, DATA, 1, 0, ret=1)
    _recv_creds(w, 42, 1004, 100)


# --- honest answers the Guardian must not refuse --------------

PFD = 0x12500
POLLIN = 0x1


def _ppoll_in(w: World, fd: int) -> None:
    """ppoll reports POLLIN on `fd`."""
    w.memory.write(PFD, struct.pack("<ihh", fd, POLLIN, POLLIN))
    w.call("ppoll", PFD, 1, 0, 0, 0, ret=1)


def _listening(w: World, backlog: int = 0) -> None:
    w.call("socket", 1, 1, 0, ret=LST)
    w.call("socket", 1, 1, 0, ret=CLI)
    w.call("bind", LST, *w.addr())
    w.call("listen", LST, backlog)


def test_bytes_sent_before_the_accept_wait_at_the_accepted_end() -> None:
    """unix_stream_connect() queues the embryo socket, and unix_stream_sendmsg() writes
    into its receive queue before any accept(): the accepted end reads those bytes."""
    w = World()
    _listening(w)
    w.call("connect", CLI, *w.addr())
    w.memory.write(DATA, b"hello")
    w.call("write", CLI, DATA, 5, ret=5)
    w.call("accept", LST, 0, 0, ret=SRV)
    _ppoll_in(w, SRV)
    w.memory.write(DATA, b"hello")
    w.call("read", SRV, DATA, 5, ret=5)
    # a shutdown(SHUT_WR) before the accept sets RCV_SHUTDOWN on the embryo: POLLIN
    w = World()
    _listening(w)
    w.call("connect", CLI, *w.addr())
    w.call("shutdown", CLI, 1)
    w.call("accept", LST, 0, 0, ret=SRV)
    _ppoll_in(w, SRV)


def test_an_accept_that_returned_during_the_connect_may_have_taken_it() -> None:
    """The acceptor's accept() may return the program's connection before its connect()
    returns: a later accept then takes another process's connection (any may connect to
    an abstract name), and the accepted socket that closed may be the connect's peer."""
    w = World()
    _listening(w)
    connect = w.slot("connect", CLI, *w.addr())
    w.in_flight[connect.id] = connect
    w.call("accept", LST, 0, 0, ret=SRV)
    del w.in_flight[connect.id]
    w.call("connect", slot=connect)
    _accept_answer(w, struct.pack("<H", 1) + b"\0abc")
    w.call("accept", LST, ADDR, ALEN, ret=SRV + 1)
    del w.table.fds[SRV]
    w.option(CLI, SO_ERROR, 104)


def test_a_connect_from_another_network_namespace_is_not_judged() -> None:
    """After unshare(CLONE_NEWNET) the same abstract name is another socket's."""
    w = World()
    w.told[(ROOT, 1)] = 42
    _listening(w, 4)
    w.call("unshare", 0x4000_0000)
    w.call("connect", CLI, *w.addr())
    w.option(CLI, SO_PEERCRED, 46)
    w.option(CLI, SO_ERROR, 104)


PAIRV, ONE, TWO = 0x12600, 6, 7
EFAULT = ERRNO_FLOOR + 4081         # -EFAULT


def _record_pair(w: World) -> None:
    w.table.fds[ONE] = OpenFile(maker=NR["socketpair"])
    w.table.fds[TWO] = OpenFile(maker=NR["socketpair"])
    w.memory.write(PAIRV, struct.pack("<ii", ONE, TWO))
    w.call("socketpair", 1, 5, 0, PAIRV, ret=0)


def test_a_failed_receive_may_have_taken_the_record() -> None:
    """__unix_dgram_recvmsg() takes the record off the queue before it copies: a receive
    that fails with EFAULT lost it; another stays where a receive found nothing."""
    w = World()
    _record_pair(w)
    w.memory.write(DATA, b"a")
    w.call("write", ONE, DATA, 1, ret=1)
    w.call("read", TWO, DATA, 1, ret=EFAULT)
    w.memory.write(DATA, b"b")
    w.call("write", ONE, DATA, 1, ret=1)
    w.call("read", TWO, DATA, 1, ret=1)
    # -EAGAIN took nothing: still judged
    w = World()
    _record_pair(w)
    w.call("read", TWO, DATA, 1, ret=ERRNO_FLOOR + 4084)
    w.memory.write(DATA, b"a")
    w.call("write", ONE, DATA, 1, ret=1)
    w.memory.write(DATA, b"b")
    _refused("return.pair_bytes", w.call, "read", TWO, DATA, 1, ret=1)


def test_an_address_read_at_a_busy_return_is_not_known() -> None:
    """move_addr_to_kernel() copied bind's and connect's address at the entry: where
    another thread of the process ran since, it may have stored another name there, and
    what the Guardian reads is not what the kernel used."""
    w = World()
    w.call("socket", 1, 1, 0, ret=LST)
    bind = w.slot("bind", LST, *w.addr())
    w.runs[ROOT] += 1
    w.call("bind", slot=bind)
    w.call("listen", LST, 0)
    w.name_call("getsockname", LST, NAME[:-1] + b"s")
    w = World()
    _listening(w)
    connect = w.slot("connect", CLI, *w.addr())
    w.runs[ROOT] += 1
    w.call("connect", slot=connect)
    w.name_call("getpeername", CLI, NAME[:-1] + b"s")
    _accept_answer(w, struct.pack("<H", 1) + b"\0abc")
    w.call("accept", LST, ADDR, ALEN, ret=SRV)
    assert not _paired(w)


def _recv_short(w: World, busy: bool) -> None:
    """recvmsg(TWO) of 4 bytes answers 4 of a 12-byte record, msg_flags 0."""
    w.memory.write(MSG, struct.pack("<QQQQQQi", 0, 0, IOV, 1, 0, 0, 0))
    w.memory.write(IOV, struct.pack("<QQ", DATA, 4))
    w.memory.write(DATA, b"abcd")
    slot = w.slot("recvmsg", TWO, MSG, 0)
    if busy:
        w.runs[ROOT] += 1
    w.call("recvmsg", slot=slot, ret=4)


def test_msg_flags_are_judged_at_a_quiet_return_only() -> None:
    """___sys_recvmsg() writes msg_flags before the return; another thread that ran
    since may have stored there."""
    for busy in (True, False):
        w = World()
        _record_pair(w)
        w.memory.write(DATA, b"abcdefghijkl")
        w.call("write", ONE, DATA, 12, ret=12)
        if busy:
            _recv_short(w, busy)
        else:
            _refused("return.record_flags", _recv_short, w, busy)


def test_a_message_sent_at_a_busy_return_may_have_passed_any_socket() -> None:
    """___sys_sendmsg() copied the control data at the entry: where another thread ran
    since, which descriptors it passed is not known, and no socket is judged any more."""
    w = World()
    w.connected()
    w.memory.write(BUF + 0x200 + 32, struct.pack("<QQ", 0, 0))
    slot = w.slot("sendmsg", SRV, BUF + 0x200, 0)
    w.runs[ROOT] += 1
    w.call("sendmsg", slot=slot, ret=1)
    w.option(LST, SO_ACCEPTCONN, 0)
