"""Red-team round thirty-five: AF_UNIX sockets between a program's own processes.

A confidential program that talks to itself through AF_UNIX sockets learns values Linux
fixes: the names and credentials of its own connected sockets (accept's address,
getpeername, SO_PEERCRED, SCM_CREDENTIALS), their options (SO_DOMAIN, SO_PROTOCOL,
SO_ACCEPTCONN, SO_ERROR), what a receive returns (MSG_WAITALL, MSG_PEEK, MSG_TRUNC,
recvmmsg's count, a record's MSG_TRUNC flag), the descriptors SCM_RIGHTS installs, poll
readiness and shutdown's EOF and EPIPE.  Round twenty-six tried the socketpairs' bytes;
this round the named (abstract) listener, its connection and the flags and counts around
the bytes.  The kernel serving those calls is the adversary.

The program's listeners listen with backlog 0 and each step makes exactly one connection
before it accepts.  Any process of the network namespace may connect to an abstract name,
but Linux queues a connection on a listener with backlog 0 only onto an empty queue
(unix_stream_connect(): unix_recvq_full() is more than sk_max_ack_backlog waiting), so the
connection the program's accept() returns is the program's own: its client c and the
accepted s are each other's only peer, which the scenarios on that connection rely on.

The victim is `secret_r35_sockets` (workloads/src/secret_r35_sockets.c): each step
announces itself with a marker and turns one value into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
Each scenario holds only the kernel's powers: the result it returns and the user access of
the call being served.  Where an attack gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never produce what the
program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import answer
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread

RT = "redteam_r35"
SOCKETS = "secret_r35_sockets"
VALUES = "P5"               # a value reached the program that Linux never returns
# The predecessor design (mode mprotect) grants no capability for sendmsg's, recvmsg's and
# sendmmsg's msghdr: those steps of the program fail before the value the attack changes.
MPROTECT_FAILED_RECEIVE = {"mprotect": "B7"}
MSGHDR = "the step's sendmsg/sendmmsg is refused its msghdr: no message passes to change"
# secret_r35_sockets: the marker before each step; the marker after its write is + 1.
P_ACCEPT, P_PEERNAME, P_PEERCRED, P_DOMAIN, P_ACCEPTCONN = 3500, 3502, 3504, 3506, 3508
P_SO_ERROR, P_WAITALL, P_PEEK, P_PASSCRED, P_CTRUNC = 3510, 3512, 3514, 3516, 3518
P_SELF_PASS, P_POLL, P_SHUT, P_TRUNC, P_MMSG, P_SEQ_TRUNC = 3520, 3522, 3524, 3526, 3528, 3530
P_SOCKNAME, P_EPOLL, P_FIONREAD, P_PAIR_READV, P_PAIR_SEQ_TRUNC = 3532, 3534, 3536, 3538, 3540
P_FORK_PEERCRED = 3542
NR_ACCEPT, NR_GETPEERNAME, NR_GETSOCKOPT = (NUMBERS["accept"], NUMBERS["getpeername"],
                                            NUMBERS["getsockopt"])
NR_RECVFROM, NR_RECVMSG, NR_RECVMMSG = NUMBERS["recvfrom"], NUMBERS["recvmsg"], NUMBERS["recvmmsg"]
NR_SENDTO, NR_PPOLL, NR_READ = NUMBERS["sendto"], NUMBERS["ppoll"], NUMBERS["read"]
NR_GETSOCKNAME, NR_EPOLL_PWAIT, NR_IOCTL = (NUMBERS["getsockname"], NUMBERS["epoll_pwait"],
                                           NUMBERS["ioctl"])
NR_READV = NUMBERS["readv"]
EPOLL_COOKIE = 0x35         # secret_r35_sockets: the epoll_event data it registers s with
SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS = 1, 1, 2
MSG_TRUNC = 0x20
POLLIN = 0x1
# struct msghdr (64-bit): msg_iov at 16, msg_control at 32, msg_controllen at 40,
# msg_flags at 48; struct mmsghdr is the msghdr (56 bytes) then msg_len (4, padded to 64).
MSG_IOV, MSG_CONTROL, MSG_CONTROLLEN, MSG_FLAGS, MMSG_SIZE, MMSG_LEN = 16, 32, 40, 48, 64, 56


def _keep_arg(adv: Adversary, nr: int, phase: int, arg: int, key: str) -> None:
    """Keep argument `arg` of the program's next call `nr` after `phase` as memo[key]."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[arg])


def _step_begins(adv: Adversary, phase: int) -> None:
    """Note the step's marker (the kernel sees every call, the marker's too)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("began", phase)] = True


def _optval(adv: Adversary, phase: int, value: bytes, nth: int = 1) -> None:
    """Let the program's `nth` getsockopt after `phase` run, then write `value` over the
    option value it wrote (its length unchanged) and answer 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKOPT, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["opts"] = a.memo.get("opts", 0) + 1
        if a.memo["opts"] != nth:
            return
        a.kernel.uaccess.write(int(a.el1.syscall_args()[3]), value)
        a.set_reg("x0", 0)
        a.note(f"getsockopt #{nth} answered {value.hex()}")


# --- QS-001..QS-006: the names, credentials and options of a connection it made ---------------

@scenario(id="QS-001", title="Give accept()'s unbound peer a 6-byte address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="accept() reports an unbound AF_UNIX peer's address as sizeof(sa_family_t).")
def qs_accept_addrlen(adv: Adversary) -> None:
    """1. The program binds a SOCK_STREAM listener to an abstract name, listens with
    backlog 0, connects an unbound socket to it and accept()s; 2 - addrlen chooses the
    label it logs.
    2. The kernel lets accept run, then writes addrlen 6 (a name "\\0abc").
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: any process of the network namespace may connect to an
    abstract name, but with backlog 0 unix_stream_connect() queues a connection only onto
    an empty queue (unix_recvq_full(): more than sk_max_ack_backlog waiting), so the
    program's connect() returning 0 left its connection the only one queued, and the
    accept() that followed returns it.  That peer never bound and had no SO_PASSCRED at
    connect (unix_stream_connect() autobinds only then), so unix_getname() reports
    sizeof(sa_family_t) and move_addr_to_user() writes that length; an autobound name
    would be 8 bytes ("\\0" + five hex digits)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_ACCEPT, during=P_ACCEPT)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[1]), struct.pack("<H", 1) + b"\0abc")
        a.kernel.uaccess.write_u32(int(args[2]), 6)


@scenario(id="QS-002", title="Name another listener in getpeername() of the program's own "
                             "connection",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="getpeername() of a connected AF_UNIX socket names the address its listener "
               "was bound to.")
def qs_peername(adv: Adversary) -> None:
    """1. The program's client c connected to its listener bound to "\\0r35-listener";
    getpeername(c) must name it (same length, same bytes) or the step chooses -4.
    2. The kernel lets getpeername run, then changes the name's last byte ('r' to 's').
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_getname(peer=1) copies the peer's unix_address, which
    is the listener's bound address (unix_stream_connect() gives the new server socket the
    listener's address); a bound name never changes and this one is the program's."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPEERNAME, during=P_PEERNAME)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[1]) + 2 + 12, b"s")


@scenario(id="QS-003", title="Name another pid in SO_PEERCRED of a connection to the "
                             "program's own listener",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="SO_PEERCRED of a socket connected to a listener names the process that "
               "called listen() (and the accepted end the one that called connect()).")
def qs_peercred(adv: Adversary) -> None:
    """1. The program, alone, listens, connects and accepts; getpid() - pid for SO_PEERCRED
    of both ends chooses the label.
    2. The kernel lets the first getsockopt run, then writes pid = getpid() + 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_connect() copies the listener's sk_peer_pid
    (set by listen()'s init_peercred()) to the client and the client's own to the new
    server socket: both are the program's single process.  (The client's answer is judged:
    it connected to the name the program's own listener holds, so its peer's credentials
    are that listener's; the program asks before it ever learnt its pid, so the answer
    tells it its pid, and the accepted socket's answer and its getpid are held to that.
    The accepted socket's peer is the program's own process: its listener listens with
    backlog 0, so the connection accepted is the program's own, unix_recvq_full().)"""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKOPT, during=P_PEERCRED)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[3]),
                               struct.pack("<i", thread.process.pid + 4))


@scenario(id="QS-004", title="Answer SO_DOMAIN of an AF_UNIX socket with AF_INET6's 10 less 5",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="getsockopt(SO_DOMAIN) reports the domain the socket was made in.")
def qs_domain(adv: Adversary) -> None:
    """1. The program asks SO_DOMAIN and SO_PROTOCOL of its AF_UNIX client; (1 - domain) -
    protocol chooses the label.
    2. The kernel lets SO_DOMAIN run, then writes 5.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sock_getsockopt() answers SO_DOMAIN with sk->sk_family,
    fixed at socket(): AF_UNIX (1)."""
    _optval(adv, P_DOMAIN, struct.pack("<i", 5))


@scenario(id="QS-005", title="Answer SO_ACCEPTCONN of a listening socket with 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="getsockopt(SO_ACCEPTCONN) is 1 on a socket that listen() succeeded on.")
def qs_acceptconn(adv: Adversary) -> None:
    """1. The program asks SO_ACCEPTCONN of its listener (then of its client); 4 * (lv - 1)
    - 4 * cv chooses the label.
    2. The kernel lets the listener's call run, then writes 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sock_getsockopt() answers sk->sk_state == TCP_LISTEN, which
    unix_listen() set and only close or shutdown would clear; the program did neither."""
    _optval(adv, P_ACCEPTCONN, struct.pack("<i", 0))


@scenario(id="QS-006", title="Answer SO_ERROR of a healthy connection with EINTR",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="getsockopt(SO_ERROR) of an AF_UNIX stream socket whose peer is open is 0.")
def qs_so_error(adv: Adversary) -> None:
    """1. The program asks SO_ERROR of its client; minus the value chooses the label.
    2. The kernel lets it run, then writes 4 (EINTR).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: an AF_UNIX stream socket's sk_err is set only by
    unix_release_sock() of its peer (ECONNRESET); the peer is the program's open socket,
    and EINTR is never a socket error."""
    _optval(adv, P_SO_ERROR, struct.pack("<i", 4))


# --- QS-007..QS-009: what a receive on the connection returns ---------------------------------

@scenario(id="QS-007", title="Answer recv(MSG_WAITALL) with 12 of the 16 bytes queued",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=SOCKETS,
          prop="recv(MSG_WAITALL) on a stream socket with the whole request queued returns it "
               "whole.")
def qs_waitall(adv: Adversary) -> None:
    """1. The program sends 8 bytes twice on c, then recv(s, 16, MSG_WAITALL); n - 16
    chooses the label.
    2. The kernel lets recv run, then answers 12.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_read_generic() copies while data is queued and
    waits (MSG_WAITALL sets the target to 16) only for more; 16 bytes were queued before
    the call, no signal is pending and nothing else holds s, so it returns 16 (s is c's
    peer: its listener's backlog is 0, so the connection accepted is c's)."""
    answer(adv, NR_RECVFROM, P_WAITALL, 12)


@scenario(id="QS-008", title="Answer the read after a MSG_PEEK with fewer bytes than the peek "
                             "saw",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=SOCKETS,
          prop="A read after recv(MSG_PEEK) returns at least what the peek saw (MSG_PEEK "
               "leaves the data queued).")
def qs_peek(adv: Adversary) -> None:
    """1. The program sends 8 bytes on c, peeks 8 on s, then reads 8; n2 - n1 chooses the
    label.
    2. The kernel lets the peek answer 8 and the read run, then answers the read with 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: MSG_PEEK leaves the skb queued (unix_stream_read_generic()
    does not consume it), only the program holds s (c's peer: the listener's backlog is
    0, so the connection accepted is c's), so the next read finds the same 8 bytes and
    copies all of them."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVFROM, during=P_PEEK, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["recvs"] = a.memo.get("recvs", 0) + 1
        if a.memo["recvs"] == 2:
            a.set_reg("x0", 4)
            a.note("the read after the peek answered 4")


@scenario(id="QS-009", title="Attach SCM_CREDENTIALS with another uid to a message on a "
                             "SO_PASSCRED connection",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="SCM_CREDENTIALS under SO_PASSCRED carries the sender's real uid and gid.")
def qs_passcred(adv: Adversary) -> None:
    """1. The program sets SO_PASSCRED on s, sends one byte on c and recvmsg()s it;
    (getuid() - uid) + (getgid() - gid) from SCM_CREDENTIALS chooses the label.
    2. The kernel lets recvmsg run, then writes one SCM_CREDENTIALS message (the program's
    pid, uid getuid() + 4, its gid), msg_controllen 32, and answers 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: s is the peer of the program's c -- its listener listens
    with backlog 0, so unix_stream_connect() queued c's connection onto an empty queue
    (unix_recvq_full()) and the accept() that followed returned it -- so the byte waiting
    on s is the one the program sent on c.  With SO_PASSCRED set on s before that send,
    unix_stream_sendmsg()'s maybe_add_creds() gave its skb the sender's tgid, real uid
    and real gid (no explicit SCM_CREDENTIALS was sent), and scm_recv() reports them as
    they were: the uid is the program's own."""
    _keep_arg(adv, NR_RECVMSG, P_PASSCRED, 1, "msg")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_PASSCRED)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        msg = a.memo["msg"]
        control = a.kernel.uaccess.read_u64(msg + MSG_CONTROL)
        ucred = struct.pack("<iII", thread.process.pid, 4, 0)
        a.kernel.uaccess.write(control, struct.pack("<Qii", 16 + len(ucred), SOL_SOCKET,
                                                    SCM_CREDENTIALS) + ucred + bytes(4))
        a.kernel.uaccess.write(msg + MSG_CONTROLLEN, struct.pack("<Q", 32))
        a.set_reg("x0", 1)


# --- QS-010, QS-011: descriptors SCM_RIGHTS installs --------------------------------------------

@scenario(id="QS-010", title="Report one descriptor where SCM_RIGHTS had room for two of the "
                             "three sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          silent=MSGHDR,
          prop="recvmsg() that installs fewer descriptors than were passed sets MSG_CTRUNC.")
def qs_ctrunc(adv: Adversary) -> None:
    """1. The program sends three descriptors on c and recvmsg()s on s with a control
    buffer of CMSG_SPACE(sizeof(int)) (room for two); any count but two chooses -4.
    2. The kernel lets recvmsg run, then rewrites the SCM_RIGHTS message's cmsg_len to
    CMSG_LEN(4) (one descriptor) and clears msg_flags (no MSG_CTRUNC).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: scm_detach_fds() installs at most min(room, sent) = 2
    descriptors (fewer when the table is full or an LSM refuses one) and sets MSG_CTRUNC
    whenever it installed fewer than the three sent: one descriptor without MSG_CTRUNC is
    no state of Linux's.  (The message is c's: s is c's peer, the listener's backlog
    being 0.)"""
    _step_begins(adv, P_CTRUNC)
    _keep_arg(adv, NR_RECVMSG, P_CTRUNC, 1, "msg")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_CTRUNC)
    def _(a: Adversary, **_: object) -> None:
        msg = a.memo["msg"]
        control = a.kernel.uaccess.read_u64(msg + MSG_CONTROL)
        a.kernel.uaccess.write(control, struct.pack("<Q", 20))
        a.kernel.uaccess.write_u32(msg + MSG_FLAGS, 0)
        a.note("cmsg_len rewritten to one descriptor, MSG_CTRUNC cleared")


@scenario(id="QS-011", title="Report a higher descriptor than the lowest free one for a socket "
                             "passed over itself",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          silent=MSGHDR,
          prop="A descriptor SCM_RIGHTS installs is the lowest free one.")
def qs_self_pass(adv: Adversary) -> None:
    """1. The program learns the lowest free descriptor (dup, close), sends c over itself
    with SCM_RIGHTS and recvmsg()s it on s; expected - got chooses the label.
    2. The kernel lets recvmsg run, then writes expected + 4 as the descriptor.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: scm_detach_fds() -> receive_fd() takes
    get_unused_fd_flags(), the lowest free descriptor, and the program opened nothing in
    between (the message is c's: s is c's peer, the listener's backlog being 0)."""
    _keep_arg(adv, NR_RECVMSG, P_SELF_PASS, 1, "msg")

    @adv.on(Point.MARKER, phase=P_SELF_PASS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["expected"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_SELF_PASS)
    def _(a: Adversary, **_: object) -> None:
        msg = a.memo["msg"]
        control = a.kernel.uaccess.read_u64(msg + MSG_CONTROL)
        a.kernel.uaccess.write(control + 16, struct.pack("<i", a.memo["expected"] + 4))


# --- QS-012..QS-014: readiness and shutdown -----------------------------------------------------

@scenario(id="QS-012", known=MPROTECT_FAILED_RECEIVE, title="Report POLLIN on a connected socket with nothing queued",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="poll() reports POLLIN on an AF_UNIX stream socket only with data queued, a "
               "shut-down peer or a pending error.")
def qs_poll(adv: Adversary) -> None:
    """1. The program polls s for POLLIN with a zero timeout after reading all queued
    data; -4 per ready descriptor chooses the label.
    2. The kernel lets ppoll run, then writes revents = POLLIN and answers 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_poll() sets EPOLLIN only for a non-empty receive
    queue, RCV_SHUTDOWN or sk_err; s's queue is empty (the program read everything), its
    peer c is open and not shut down and nothing else holds c (c is s's peer: the
    listener's backlog is 0, so the connection accepted is c's)."""
    _keep_arg(adv, NR_PPOLL, P_POLL, 0, "fds")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PPOLL, during=P_POLL)
    def _(a: Adversary, **_: object) -> None:
        fds = a.memo["fds"]
        a.kernel.uaccess.write(fds + 6, struct.pack("<h", POLLIN))
        a.set_reg("x0", 1)


@scenario(id="QS-013", known=MPROTECT_FAILED_RECEIVE, title="Answer a read after the peer's SHUT_WR with bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="After the peer's shutdown(SHUT_WR) and with nothing queued, read() returns 0 "
               "(EOF).")
def qs_shut_eof(adv: Adversary) -> None:
    """1. The program calls shutdown(c, SHUT_WR) with s's queue empty, then read(s, 8);
    minus the count chooses the label.
    2. The kernel lets read run, then writes 4 bytes and answers 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: after SHUT_WR, unix_stream_sendmsg() on c fails with EPIPE,
    so nothing more can be queued on s, and the queue was empty: unix_stream_read_generic()
    sees RCV_SHUTDOWN and returns 0 (c is s's only peer: the listener's backlog is 0, so
    the connection accepted is c's)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_SHUT)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), b"evil")
        a.set_reg("x0", 4)


@scenario(id="QS-014", title="Answer send(MSG_NOSIGNAL) after the program's own SHUT_WR with "
                             "success",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="send() on a socket after its own shutdown(SHUT_WR) fails with EPIPE.")
def qs_shut_epipe(adv: Adversary) -> None:
    """1. The program calls shutdown(c, SHUT_WR), reads EOF on s, then send(c, 1 byte,
    MSG_NOSIGNAL); anything but -1/EPIPE chooses -4.
    2. The kernel lets sendto run, then answers 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_sendmsg() checks sk->sk_shutdown &
    SEND_SHUTDOWN first and returns -EPIPE; SHUT_WR is never undone."""
    answer(adv, NR_SENDTO, P_SHUT, 1)


# --- QS-015..QS-017: datagram and record boundaries ---------------------------------------------

@scenario(id="QS-015", title="Answer recv(MSG_TRUNC) of a 12-byte datagram with 16",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=SOCKETS,
          prop="recv(MSG_TRUNC) on a datagram socket returns the real length of the datagram "
               "its peer sent.")
def qs_dgram_trunc(adv: Adversary) -> None:
    """1. The program sends a 12-byte datagram on its own SOCK_DGRAM socketpair and
    recv(4, MSG_TRUNC)s it; 12 - n chooses the label.
    2. The kernel lets recv run, then answers 16.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_dgram_recvmsg() with MSG_TRUNC returns skb->len, the
    datagram's length: the one datagram queued is the 12-byte one the peer end sent."""
    answer(adv, NR_RECVFROM, P_TRUNC, 16)


@scenario(id="QS-016", title="Answer recvmmsg() with three datagrams where two were sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=SOCKETS,
          silent=MSGHDR,
          prop="recvmmsg() on a datagram socketpair end returns the number of datagrams its "
               "peer sent (up to vlen).")
def qs_mmsg(adv: Adversary) -> None:
    """1. The program sendmmsg()s two datagrams on its own SOCK_DGRAM socketpair (answered
    2), then recvmmsg(vlen 4, MSG_DONTWAIT); 4 * (2 - n) chooses the label.
    2. The kernel lets recvmmsg run, then writes a third message (4 bytes, msg_len 4) and
    answers 3.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: only the peer end can send to an unnamed socketpair end;
    it sent two datagrams, so __sys_recvmmsg() finds two and then -EAGAIN (answered as 2)."""
    _step_begins(adv, P_MMSG)
    _keep_arg(adv, NR_RECVMMSG, P_MMSG, 1, "vec")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMMSG, during=P_MMSG)
    def _(a: Adversary, **_: object) -> None:
        third = a.memo["vec"] + 2 * MMSG_SIZE
        iov = a.kernel.uaccess.read_u64(third + MSG_IOV)
        base = a.kernel.uaccess.read_u64(iov)
        a.kernel.uaccess.write(base, b"six\0")
        a.kernel.uaccess.write_u32(third + MMSG_LEN, 4)
        a.kernel.uaccess.write(third + MSG_CONTROLLEN, bytes(8))
        a.kernel.uaccess.write_u32(third + MSG_FLAGS, 0)
        a.set_reg("x0", 3)


@scenario(id="QS-017", title="Clear MSG_TRUNC for a SOCK_SEQPACKET record cut short",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="recvmsg() on a SOCK_SEQPACKET socket sets MSG_TRUNC when the record was longer "
               "than the buffer.")
def qs_seq_trunc(adv: Adversary) -> None:
    """1. The program connects a SOCK_SEQPACKET socket to its own abstract listener, sends
    a 12-byte record and recvmsg()s it into 4 bytes; no MSG_TRUNC chooses -4.
    2. The kernel lets recvmsg run, then clears msg_flags.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_seqpacket_recvmsg() -> __unix_dgram_recvmsg() sets
    MSG_TRUNC when size < skb->len; the only record queued is the program's 12 bytes (the
    listener's backlog is 0, so the connection accepted is the program's own)."""
    _keep_arg(adv, NR_RECVMSG, P_SEQ_TRUNC, 1, "msg")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_SEQ_TRUNC)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["msg"] + MSG_FLAGS, 0)


# --- QS-018..QS-020: the accepted socket's name, epoll readiness, FIONREAD ----------------------

@scenario(id="QS-018", title="Report the accepted socket's own name as another listener's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="getsockname() of a socket accept() returned names the listener's bound "
               "address.")
def qs_sockname(adv: Adversary) -> None:
    """1. The program asks getsockname(s) of the socket its listener accepted; a name or
    length other than "\\0r35-listener" chooses -4.
    2. The kernel lets getsockname run, then changes the name's last byte ('r' to 's').
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_connect() gives the new server socket a
    reference to the listener's unix_address (smp_store_release(&newsk->addr, ...)) and
    unix_getname(peer=0) copies it: the listener's name, which the program bound."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKNAME, during=P_SOCKNAME)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 2 + 12, b"s")


@scenario(id="QS-019", known=MPROTECT_FAILED_RECEIVE, title="Report EPOLLIN for a connected socket with nothing queued",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=SOCKETS,
          prop="epoll reports EPOLLIN on an AF_UNIX stream socket only with data queued, a "
               "shut-down peer or a pending error.")
def qs_epoll(adv: Adversary) -> None:
    """1. The program registers s (drained, its peer c open) with EPOLLIN and the cookie
    0x35, then epoll_pwait()s with a zero timeout; -4 per event chooses the label.
    2. The kernel lets epoll_pwait run, then writes one event {EPOLLIN, 0x35} (the cookie
    the program registered) and answers 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: ep_item_poll() asks unix_poll(), which reports EPOLLIN only
    for a non-empty receive queue, RCV_SHUTDOWN or sk_err; s is empty, c is open and not
    shut down, and only the program holds c (s's peer: the listener's backlog is 0, so the
    connection accepted is c's)."""
    _keep_arg(adv, NR_EPOLL_PWAIT, P_EPOLL, 1, "events")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_EPOLL_PWAIT, during=P_EPOLL)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"], struct.pack("<IIQ", POLLIN, 0, EPOLL_COOKIE))
        a.set_reg("x0", 1)


@scenario(id="QS-020", known=MPROTECT_FAILED_RECEIVE, title="Answer FIONREAD on the accepted socket with more bytes than were "
                             "sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="FIONREAD on a connected AF_UNIX stream socket counts the bytes its peer sent "
               "and no read took.")
def qs_fionread(adv: Adversary) -> None:
    """1. The program drains s, sends 8 bytes on c and asks ioctl(s, FIONREAD); 8 - n
    chooses the label.
    2. The kernel lets the ioctl run, then writes 12.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_ioctl(SIOCINQ) -> unix_inq_len() sums the skbs queued
    on s: only c, the program's, can send to s (the listener's backlog is 0, so the
    connection accepted is c's), and it sent 8 bytes onto an empty queue."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_IOCTL, during=P_FIONREAD)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[2]), struct.pack("<i", 12))


# --- QS-021, QS-022: the program's own socketpair, through the calls round 26 did not use -------

@scenario(id="QS-021", title="Answer readv() of the program's own SOCK_STREAM socketpair with a "
                             "byte it never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="A socketpair end reads the bytes its peer wrote, whichever read call takes "
               "them.")
def qs_pair_readv(adv: Adversary) -> None:
    """1. The program writes the index byte 0 into one end of its own SOCK_STREAM
    socketpair and readv()s it from the other; the signed byte chooses the label.
    2. The kernel lets readv run, then writes 0xfc into its iovec and answers 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: a socketpair's ends are each other's only peer and no name
    reaches them; sock_read_iter() -> unix_stream_recvmsg() copies the byte the peer
    wrote.  (A regression test: the Guardian follows the bytes through readv as through
    read, QI-002.)"""
    _step_begins(adv, P_PAIR_READV)
    _keep_arg(adv, NR_READV, P_PAIR_READV, 1, "iov")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READV, during=P_PAIR_READV)
    def _(a: Adversary, **_: object) -> None:
        base = a.kernel.uaccess.read_u64(a.memo["iov"])
        a.kernel.uaccess.write(base, b"\xfc")
        a.set_reg("x0", 1)


@scenario(id="QS-022", title="Clear MSG_TRUNC for a record cut short on the program's own "
                             "SOCK_SEQPACKET socketpair",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          silent=MSGHDR,
          prop="recvmsg() on a SOCK_SEQPACKET socketpair end sets MSG_TRUNC when the record "
               "its peer sent was longer than the buffer.")
def qs_pair_seq_trunc(adv: Adversary) -> None:
    """1. The program sends a 12-byte record on its own SOCK_SEQPACKET socketpair and
    recvmsg()s it into 4 bytes on the other end; no MSG_TRUNC chooses -4.
    2. The kernel lets recvmsg run, then clears msg_flags.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: __unix_dgram_recvmsg() sets MSG_TRUNC when size < skb->len,
    and the socketpair's only record is the 12 bytes its peer sent."""
    _step_begins(adv, P_PAIR_SEQ_TRUNC)
    _keep_arg(adv, NR_RECVMSG, P_PAIR_SEQ_TRUNC, 1, "msg")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_PAIR_SEQ_TRUNC)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["msg"] + MSG_FLAGS, 0)


# --- QS-023: a connection from the program's fork child ----------------------------------------

@scenario(id="QS-023", title="Name another pid in SO_PEERCRED of a connection the program's "
                             "fork child made",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SOCKETS,
          prop="SO_PEERCRED of an accepted AF_UNIX socket names the process that connected.")
def qs_fork_peercred(adv: Adversary) -> None:
    """1. The program forks; the child connects a socket of its own to the program's
    listener (backlog 0), says so on a pipe and waits for a byte; the parent reads the
    pipe, accepts and asks SO_PEERCRED of the new socket; child - pid chooses the label.
    2. The kernel lets getsockopt run, then writes pid = child + 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: with backlog 0 unix_stream_connect() queues a connection
    only onto an empty queue (unix_recvq_full()), so the child's connect() returning 0
    left its connection the only one queued, and the parent's accept(), begun after, takes
    it -- whoever else in the network namespace may connect to the abstract name.
    unix_stream_connect() stores the connecting task's credentials (init_peercred() of
    the child) in the new server socket, and SO_PEERCRED reports sk_peer_pid as seen from
    the reader's pid namespace: the child's pid, the very one fork() returned to the
    parent."""
    @adv.on(Point.MARKER, phase=P_FORK_PEERCRED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["child"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKOPT, during=P_FORK_PEERCRED)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[3]),
                               struct.pack("<i", a.memo["child"] + 4))
