"""Red-team round twenty-six: what a program's processes tell each other, and what the
system tells it about itself.

A confidential program's processes and threads talk through objects only they hold
(socketpairs made by the program, queued signals between its own processes, pipes and
memfds it made), and it asks the system about itself (its /proc files, its own
executable).  Linux fixes each answer: a socketpair delivers what its peer sent, whole
records and all; a queued signal carries the value its sender gave, in the order sent;
/proc/self says what the process is; a running executable cannot change.  The kernel
serving those calls is the adversary.

The victim is `secret_r26_ipc` (workloads/src/secret_r26_ipc.c), whose steps each
announce themselves with a marker and turn one value into the index of a public label
in a log buffer that begins with a copy of the secret, then write that label to
/dev/null.  Each scenario holds only the kernel's powers: the result it returns, the user
access of the call being served, its own signal queue.  Where an attack still gets
through with the Guardian on, it names the property it breaks (`gap`) and its docstring
says why Linux could never produce what the program saw.

This module holds the attacks on the program's processes talking (socketpairs, passed
descriptors, queued signals, shared futexes); `redteam_r26_proc` those on what /proc/self
and its own executable say; `redteam_r26_moves` those on bytes moved inside the kernel and
objects kept across fork, vfork and exec.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r18 import _fill
from attacks.hooks import Point
from attacks.moves import answer, write_back
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState
from kernel_model.signals import PendingSignals

RT = "redteam_r26"
IPC = "secret_r26_ipc"
VALUES = "P5"               # a value reached the program that Linux never returns
# secret_r26_ipc: the marker before each step; the marker after its write is + 1.
P_EFD_FORK, P_STREAM, P_DGRAM, P_SEQPACKET, P_CHILD_STREAM = 2600, 2602, 2604, 2606, 2608
P_CREDS, P_FIONREAD, P_SEQ_SENT, P_RCVBUF = 2610, 2612, 2614, 2616
P_SIGQUEUE_CHILD, P_SIGWAIT_VALUE, P_TGSIGQUEUE, P_RT_ORDER = 2618, 2620, 2622, 2624
P_SIGNALFD_VALUE, P_EXE_PREAD, P_EXE_READ, P_STATUS_PID = 2626, 2628, 2630, 2632
P_CMDLINE, P_ENVIRON, P_MAPS, P_FDINFO, P_SPLICE, P_SENDFILE = (
    2634, 2636, 2638, 2640, 2642, 2644)
P_RIGHTS_CHILD, P_EXE_MMAP, P_TASKS, P_FD_LINK, P_LIMITS, P_COMM, P_EXEC_PIPE = (
    2646, 2648, 2650, 2652, 2654, 2656, 2658)
P_MEMFD_SHARED, P_TIMER_VALUE, P_SENDFILE_OFF, P_SPLICE_OFF, P_VFORK_PIPE = (
    2660, 2662, 2664, 2666, 2668)
P_FUTEX_WAKE, P_CMSG_CLOEXEC, P_NONBLOCK = 2670, 2672, 2674
EXEC_TOO = b"-x"              # secret_r26_ipc: end with the exec of step 30
NR_READ, NR_RECVFROM, NR_RECVMSG = NUMBERS["read"], NUMBERS["recvfrom"], NUMBERS["recvmsg"]
NR_SENDMSG, NR_IOCTL, NR_GETSOCKOPT = NUMBERS["sendmsg"], NUMBERS["ioctl"], NUMBERS["getsockopt"]
NR_PREAD64, NR_OPENAT = NUMBERS["pread64"], NUMBERS["openat"]
NR_GETDENTS64, NR_READLINKAT = NUMBERS["getdents64"], NUMBERS["readlinkat"]
NR_SIGQUEUE, NR_TGSIGQUEUE = NUMBERS["rt_sigqueueinfo"], NUMBERS["rt_tgsigqueueinfo"]
NR_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
NR_SENDFILE, NR_SPLICE = NUMBERS["sendfile"], NUMBERS["splice"]
NR_FUTEX, NR_FCNTL = NUMBERS["futex"], NUMBERS["fcntl"]
MINUS_FOUR = b"\xfc"          # the signed index byte -4: label -4 is the secret's bytes 0..7
SOL_SOCKET, SCM_CREDENTIALS = 1, 2
SI_VALUE = 24                 # siginfo_t's si_value (the _rt member) on a 64-bit ABI


def _marker_arg(adv: Adversary, phase: int, index: int = 1) -> None:
    """Keep argument `index` of marker `phase` (x2 is index 0) as memo[phase]."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo[phase] = args[index]


def _fill_computed(adv: Adversary, phase: int, make: Callable[[Adversary], bytes],
                   pad: bytes = b"\n") -> None:
    """Let the program's next read after `phase` run, then write what `make` gives over
    what it read (padded with `pad` to the count it read, so that every byte the read
    wrote is inside the count) and answer that length."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("buf", phase)] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase)
    def _(a: Adversary, **_: object) -> None:
        data = make(a)
        data += pad * max(0, int(a.reg("x0")) - len(data))
        a.kernel.uaccess.write(a.memo[("buf", phase)], data)
        a.set_reg("x0", len(data))
        a.note(f"read answered {len(data)} bytes of the kernel's own text")


# --- QI-001: a counter two processes of the program share ----------------------------------

@scenario(id="QI-001", title="Answer a read of an eventfd a fork child added 5 to with 9",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="An eventfd only the program's processes hold counts exactly what their "
               "writes added.")
def qi_eventfd_fork(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes an eventfd, forks; the child writes 5 (the
    records it handled) and exits; the parent reaps it, reads the counter and logs the
    label 5 - count names from a log buffer that begins with a copy of the secret.
    2. Let the parent's read run, then write 9 and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Only the
    program's two processes ever held the eventfd; its counter is the 5 the child added."""
    _fill(adv, P_EFD_FORK, NR_READ, 1, struct.pack("<Q", 9), 8)


# --- QI-002..QI-005: bytes through the program's own socketpairs --------------------------

@scenario(id="QI-002", title="Answer read() of the program's own SOCK_STREAM socketpair with "
                             "a byte it never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A socketpair end reads the bytes its peer wrote, in order.")
def qi_stream_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes the index byte 0 into one end of its own
    SOCK_STREAM socketpair, read()s it from the other and logs the label the signed byte
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: a socketpair's two ends are each other's only peer and no
    name reaches them (no path, no /proc/PID/fd reopen of a socket): what one end
    receives is exactly what the other sent.  The Guardian follows the bytes of a pipe
    the program made (return.pipe_fifo) but no socketpair's."""
    _fill(adv, P_STREAM, NR_READ, 1, MINUS_FOUR, 1)


@scenario(id="QI-003", title="Answer recvfrom() of the program's own SOCK_DGRAM socketpair "
                             "with a datagram it never sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A datagram socketpair end receives the datagrams its peer sent.")
def qi_dgram_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sendto()s the one-byte datagram 0 on one end of its
    own SOCK_DGRAM socketpair, recvfrom()s it on the other and logs the label the signed
    byte names from a log buffer that begins with a copy of the secret.
    2. Let the recvfrom run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the socketpair's ends are each other's only peer (an
    unnamed AF_UNIX datagram socket can be sent to only through its peer), so the one
    datagram queued is the one sent.  No rule follows a socketpair's data."""
    _fill(adv, P_DGRAM, NR_RECVFROM, 1, MINUS_FOUR, 1)


def _recvmsg_payload(adv: Adversary, phase: int, data: bytes) -> None:
    """Let the program's next recvmsg after `phase` run, then write `data` into its first
    iovec and answer len(data)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RECVMSG, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("msg", phase)] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=phase)
    def _(a: Adversary, **_: object) -> None:
        msg = a.memo[("msg", phase)]
        iov = a.kernel.uaccess.read_u64(msg + 16)
        base = a.kernel.uaccess.read_u64(iov)
        a.kernel.uaccess.write(base, data)
        a.set_reg("x0", len(data))


@scenario(id="QI-004", title="Answer recvmsg() of the program's own SOCK_SEQPACKET "
                             "socketpair with a record it never sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          silent="the predecessor design cannot serve sendmsg (its message header is "
                 "EFAULT to the kernel), so no record is ever queued to forge",
          prop="A SOCK_SEQPACKET socketpair end receives the records its peer sent.")
def qi_seqpacket_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sendmsg()s the one-byte record 0 on one end of its
    own SOCK_SEQPACKET socketpair, recvmsg()s it on the other and logs the label the
    signed byte names from a log buffer that begins with a copy of the secret.
    2. Let the recvmsg run, then write 0xfc into its iovec and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the record a socketpair end receives is one its only peer
    sent, whole.  The Guardian checks recvmsg's header fields and control layout, never
    the bytes against what the program's own sendmsg queued."""
    _marker_arg(adv, P_SEQPACKET)
    _recvmsg_payload(adv, P_SEQPACKET, MINUS_FOUR)


@scenario(id="QI-005", title="Answer the parent's read() of a socketpair a fork child wrote "
                             "into with a byte the child never sent",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="What a parent reads from a socketpair its fork child writes into is what the "
               "child wrote.")
def qi_child_stream_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a SOCK_STREAM socketpair and forks; the child
    writes the index byte 0 into one end and exits; the parent read()s the byte from the
    other end, reaps the child and logs the label the signed byte names from a log buffer
    that begins with a copy of the secret.
    2. Let the parent's read run (it may sleep until the child wrote), then write 0xfc and
    answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: only the program's two processes hold the socketpair (fork
    copied the descriptors; nothing passed them on), so the parent reads the child's
    byte.  The Guardian sees both processes' calls but keeps no socketpair's bytes."""
    _fill(adv, P_CHILD_STREAM, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-006: credentials a fork child sent --------------------------------------------------

@scenario(id="QI-006", title="Answer SCM_CREDENTIALS a fork child sent over the program's own "
                             "socketpair with another pid",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="SCM_CREDENTIALS a receiver gets name the pid its sender sent (its own).")
def qi_creds_pid(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a SOCK_DGRAM socketpair, sets SO_PASSCRED on
    one end and forks; the child sends one byte with SCM_CREDENTIALS naming its own pid,
    uid and gid.  The parent recvmsg()s it with room for control data and logs the label
    ucred.pid - child names from a log buffer that begins with a copy of the secret.
    2. Let the recvmsg run, then write one SCM_CREDENTIALS message naming pid child - 4
    into its control buffer, msg_controllen 32, and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the only sender on the pair is the child, whose
    SCM_CREDENTIALS Linux checks against the sender (an unprivileged process may name only
    its own pid) and passes on unchanged; with SO_PASSCRED and no explicit credentials
    Linux attaches the sender's own.  The Guardian checks that the control messages tile
    msg_controllen (return.cmsg_layout), not what they say."""
    _marker_arg(adv, P_CREDS)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RECVMSG, during=P_CREDS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["msg"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_CREDS, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.state is ThreadState.BLOCKED or "msg" not in a.memo:
            return
        msg = a.memo.pop("msg")
        control = a.kernel.uaccess.read_u64(msg + 32)
        ucred = struct.pack("<iII", a.memo[P_CREDS] - 4, 0, 0)
        a.kernel.uaccess.write(control, struct.pack("<Qii", 16 + len(ucred), SOL_SOCKET,
                                                    SCM_CREDENTIALS) + ucred + bytes(4))
        a.kernel.uaccess.write(msg + 40, struct.pack("<Q", 32))
        a.set_reg("x0", 1)


# --- QI-007..QI-009: counts and sizes of the program's own socketpairs ---------------------

@scenario(id="QI-007", title="Answer FIONREAD on the program's own socketpair with more bytes "
                             "than its peer wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="FIONREAD on a socketpair end reports the bytes its peer wrote and no read "
               "took.")
def qi_socket_fionread(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes 8 bytes into one end of its own SOCK_STREAM
    socketpair, asks FIONREAD on the other and logs the label (8 - waiting) / 8 names
    from a log buffer that begins with a copy of the secret.
    2. Let the ioctl run, then write 40 and answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_ioctl(SIOCINQ) sums the receive queue, which holds
    the 8 bytes the only peer wrote.  The Guardian's return.pipe_count keeps FIONREAD of
    a pipe only the program holds; a socketpair's is held only to not being negative."""
    write_back(adv, NR_IOCTL, P_FIONREAD, 2, 40, result=0)


@scenario(id="QI-008", title="Answer sendmsg() of a 16-byte SOCK_SEQPACKET record with 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=IPC,
          prop="A record on a SOCK_SEQPACKET (or datagram) socket goes whole or not at all: "
               "sendmsg answers its length or an error.")
def qi_seqpacket_partial(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sendmsg()s a 16-byte record on its own
    SOCK_SEQPACKET socketpair and logs the label (sent - 16) / 4 names from a log buffer
    that begins with a copy of the secret.
    2. Let the call run, then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_seqpacket_sendmsg (unix_dgram_sendmsg) queues the
    record as one skb and answers its length, or fails with an errno (EMSGSIZE, EAGAIN,
    EPIPE ...): a record is never cut, so 0 for 16 bytes is impossible.  The Guardian
    only bounds the count by the iovecs (return.count_bound)."""
    answer(adv, NR_SENDMSG, P_SEQ_SENT, 0)


@scenario(id="QI-009", title="Answer getsockopt(SO_RCVBUF) after setting 4096 with 16384",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="SO_RCVBUF reads back at most twice the size the program set.")
def qi_rcvbuf(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sets SO_RCVBUF to 4096 on its own socketpair end,
    reads it back and logs the label (8192 - size) / 2048 names from a log buffer that
    begins with a copy of the secret.
    2. Let the getsockopt run, then write 16384 and answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sock_setsockopt(SO_RCVBUF) stores
    max(min(val, rmem_max) * 2, SOCK_MIN_RCVBUF), at most 8192 for 4096 (SOCK_MIN_RCVBUF
    is far below it), and nothing else grows sk_rcvbuf of an AF_UNIX socket once the
    program set it (SOCK_RCVBUF_LOCK)."""
    write_back(adv, NR_GETSOCKOPT, P_RCVBUF, 3, 16384, result=0)


# --- QI-010..QI-014: values queued signals carry --------------------------------------------

def _requeue(pending: PendingSignals, signo: int,
             edit: Callable[[list[bytes]], list[bytes]]) -> None:
    """Take every queued instance of `signo` from the kernel's own queue and put back what
    `edit` makes of them (in its order)."""
    infos: list[bytes] = []
    while pending.mask & (1 << (signo - 1)):
        infos.append(pending.take(signo))
    for info in edit(infos):
        pending.add(signo, info)


def _value(info: bytes, value: int) -> bytes:
    raw = bytearray(info)
    struct.pack_into("<i", raw, SI_VALUE, value)
    return bytes(raw)


def _forge_value(adv: Adversary, phase: int, nr: int, signo: int, *, child: bool = False,
                 own_thread: bool = False) -> None:
    """Once the program's next `nr` (a sigqueue) after `phase` queued `signo`, rewrite the
    si_value of what it queued to -4 (the queue of the first process, or with `own_thread`
    of the calling thread)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, init_only=not child)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        pending = thread.pending if own_thread else a.init.pending
        _requeue(pending, signo, lambda infos: [_value(i, -4) for i in infos])
        a.note(f"signal {signo} queued with si_value -4")


@scenario(id="QI-010", title="Deliver the signal a fork child sigqueue()d to its parent with "
                             "another si_value",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="A queued signal reaches its target with the si_value its sender passed.")
def qi_sigqueue_child_value(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) blocks signal 40 (SA_SIGINFO handler), forks; the
    child sigqueue()s 40 with value 0 to its parent and exits; the parent reaps it,
    unblocks 40, and its handler records si_value; the parent logs the label the value
    names from a log buffer that begins with a copy of the secret.
    2. When the child's rt_sigqueueinfo has queued the signal, rewrite si_value in the
    parent's pending queue to -4.
    3. The handler sees -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: rt_sigqueueinfo copies the sender's siginfo into the queue
    and delivery copies it out unchanged.  The Guardian witnesses the send
    (signal.sender_witnessed: si_pid, si_uid, the signal) but never compares si_value
    with the one the child passed, although it saw the child's call."""
    _forge_value(adv, P_SIGQUEUE_CHILD, NR_SIGQUEUE, 40, child=True)


@scenario(id="QI-011", title="Answer rt_sigtimedwait() for a signal the program sigqueue()d "
                             "itself with another si_value",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="rt_sigtimedwait returns the siginfo the signal's sender queued.")
def qi_sigwait_value(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) blocks signal 41, sigqueue()s it to itself with
    value 0, takes it with rt_sigtimedwait() and logs the label si_value names from a log
    buffer that begins with a copy of the secret.
    2. When rt_sigqueueinfo has queued the signal, rewrite its si_value to -4.
    3. rt_sigtimedwait answers 41 with si_value -4: the program logs bytes 0..7 of the
    secret's copy.
    Why Linux never does this: the program is the only sender and passed 0; the queued
    siginfo is its own, copied out whole.  The Guardian checks the waited signal's number
    (return.sigwait_set) and its sender, not its value."""
    _forge_value(adv, P_SIGWAIT_VALUE, NR_SIGQUEUE, 41)


@scenario(id="QI-012", title="Deliver the signal a thread sent itself with rt_tgsigqueueinfo() "
                             "with another si_value",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="A signal a thread queues to itself reaches its handler with the siginfo it "
               "passed.")
def qi_tgsigqueue_value(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) installs a SA_SIGINFO handler for signal 42 and
    sends it to its own thread with rt_tgsigqueueinfo() and a siginfo of value 0; the
    handler runs before the call returns and records si_value, which chooses the label
    logged from a log buffer that begins with a copy of the secret.
    2. When rt_tgsigqueueinfo has queued the signal, rewrite its si_value to -4.
    3. The handler sees -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the siginfo a thread passes rt_tgsigqueueinfo is what its
    handler gets (only si_signo is Linux's).  The Guardian read the caller's siginfo at
    the call's entry and lets any si_value through at the delivery."""
    _forge_value(adv, P_TGSIGQUEUE, NR_TGSIGQUEUE, 42, own_thread=True)


@scenario(id="QI-013", title="Hand out two queued real-time signals in the reverse order of "
                             "their sigqueue()s",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="Instances of one real-time signal are taken in the order they were queued.")
def qi_rt_order(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) blocks signal 43, sigqueue()s it to itself twice
    with sequence numbers 5 then 6, takes both with rt_sigtimedwait() and logs the label
    the gap second - first - 1 names (0) from a log buffer that begins with a copy of the
    secret.
    2. When the second rt_sigqueueinfo has queued, swap the two queued instances (each
    siginfo is the program's own, unchanged).
    3. The program takes 6, then 5: the gap is -2 and it logs bytes 16..23 of the
    secret's copy.
    Why Linux never does this: real-time signals of one number queue FIFO
    (__sigqueue_alloc appends; collect_signal takes the first).  Each value is one the
    program sent, so a check of values alone would pass it; the order is unguarded."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGQUEUE, during=P_RT_ORDER, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["queued"] = a.memo.get("queued", 0) + 1
        if a.memo["queued"] == 2:
            _requeue(a.init.pending, 43, lambda infos: infos[::-1])
            a.note("signal 43's two instances swapped")


@scenario(id="QI-014", title="Answer a signalfd read of a signal the program sigqueue()d "
                             "itself with another ssi_int",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="A signalfd record carries the value the signal's sender queued.")
def qi_signalfd_value(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) blocks signal 44, makes a signalfd for it,
    sigqueue()s 44 to itself with value 0, reads the record and logs the label ssi_int
    names from a log buffer that begins with a copy of the secret.
    2. When rt_sigqueueinfo has queued the signal, rewrite its si_value to -4.
    3. The record's ssi_int is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: signalfd_copyinfo copies si_int and si_ptr of the queued
    siginfo, which is the program's own.  The Guardian checks the record's signal against
    the signalfd's mask (return.signalfd_mask) and its sender, not its value."""
    _forge_value(adv, P_SIGNALFD_VALUE, NR_SIGQUEUE, 44)


# --- QI-024: a descriptor a fork child passed with SCM_RIGHTS -------------------------------

@scenario(id="QI-024", title="Answer a read of the eventfd a fork child passed its parent "
                             "with SCM_RIGHTS with a count the child never set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          silent="the predecessor design cannot serve sendmsg or recvmsg (their message "
                 "headers are EFAULT to the kernel), so no descriptor is ever passed",
          prop="An eventfd one process of the program made and passed another over their own "
               "socketpair counts what the program's calls put in it.")
def qi_rights_child_eventfd(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a SOCK_STREAM socketpair and forks; the child
    makes an eventfd holding 5 and sends it with SCM_RIGHTS; the parent receives it,
    reaps the child, reads the counter and logs the label 5 - count names from a log
    buffer that begins with a copy of the secret.
    2. Let the parent's read run, then write 9 and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the eventfd was made by the child with the value 5 and
    reached no one else (the socketpair's ends are the two processes' only; SCM_RIGHTS
    installs the very file the sender named).  The Guardian follows a descriptor a
    process passes itself over its own socketpair (passed_fds) and counts an eventfd
    only the program holds (return.eventfd_sum), but it stops following the eventfd once
    it is passed in a message, even between two processes of the program."""
    _marker_arg(adv, P_RIGHTS_CHILD)
    _fill(adv, P_RIGHTS_CHILD, NR_READ, 1, struct.pack("<Q", 9), 8)


# --- QI-032: the value a POSIX timer's signal carries ---------------------------------------

@scenario(id="QI-032", title="Answer rt_sigtimedwait() for a POSIX timer's signal with "
                             "another si_value than sigev_value",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC,
          prop="A POSIX timer's signal carries the sigev_value the program gave "
               "timer_create.")
def qi_timer_value(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a POSIX timer (SIGEV_SIGNAL 45, sigev_value
    0), arms it for 1 ms with 45 blocked, takes the signal with rt_sigtimedwait() and
    logs the label si_value names from a log buffer that begins with a copy of the
    secret.
    2. Let the wait run, then write si_value -4 into the siginfo it returned.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: posix_timer_event queues the timer's preallocated sigqueue,
    whose si_value is the sigev_value timer_create stored (si_code SI_TIMER).  The
    Guardian saw that sigev_value at timer_create and checks timer ids
    (return.timer_id), but not the value an expiry carries."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGTIMEDWAIT, during=P_TIMER_VALUE, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.state is ThreadState.BLOCKED or int(a.reg("x0")) != 45 or "done" in a.memo:
            return
        a.memo["done"] = True
        info = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(info + SI_VALUE, struct.pack("<i", -4))
        a.note("the timer's siginfo answered with si_value -4")


# --- QI-036: waiters on a shared futex only the program maps -------------------------------

@scenario(id="QI-036", title="Answer a shared FUTEX_WAKE on a page no other process maps with "
                             "4 waiters woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A futex wake wakes only tasks waiting on that word: on a MAP_SHARED "
               "anonymous page only the program's processes can wait.")
def qi_shared_futex_wake(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc), with no other process or thread, wakes every
    waiter on a word of its own MAP_SHARED anonymous page (FUTEX_WAKE without
    FUTEX_PRIVATE_FLAG, nr_wake INT_MAX) and logs the label the helpers it started (none)
    less the waiters woken names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then answer 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: a shared futex is keyed by the page's shmem inode and
    offset; an anonymous MAP_SHARED page is reachable only through mappings fork handed
    down, and the program has no other process or thread, so no task waits on it and the
    wake answers 0.  The Guardian counts waiters for a private futex only ("a shared
    futex's waiters may be anywhere"), though it knows this page is one of the program's
    own shares."""
    answer(adv, NR_FUTEX, P_FUTEX_WAKE, 4)


# --- QI-037, QI-038: descriptor flags the program asked for -----------------------------------

@scenario(id="QI-037", title="Answer F_GETFD of a descriptor received with MSG_CMSG_CLOEXEC "
                             "with 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          silent="the predecessor design cannot serve sendmsg or recvmsg (their message "
                 "headers are EFAULT to the kernel), so no descriptor is ever received",
          prop="A descriptor recvmsg installs with MSG_CMSG_CLOEXEC has FD_CLOEXEC set.")
def qi_cmsg_cloexec(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) passes /dev/null to itself with SCM_RIGHTS over its
    own socketpair, receives it with recvmsg(MSG_CMSG_CLOEXEC), asks fcntl(F_GETFD) of
    the new descriptor and logs the label flags - FD_CLOEXEC names from a log buffer that
    begins with a copy of the secret.
    2. Let the fcntl run, then answer 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: scm_detach_fds installs each descriptor with O_CLOEXEC when
    MSG_CMSG_CLOEXEC is given, and nothing cleared the flag.  The Guardian holds F_GETFD
    to the close-on-exec flag the creating call asked for (openat, dup3, pipe2 ...), but
    not for a descriptor recvmsg installs."""
    _marker_arg(adv, P_FUTEX_WAKE)           # the step before, which every design reaches
    answer(adv, NR_FCNTL, P_CMSG_CLOEXEC, 0)


@scenario(id="QI-038", title="Answer F_GETFL of a SOCK_NONBLOCK socketpair end without "
                             "O_NONBLOCK",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A socket made with SOCK_NONBLOCK reports O_NONBLOCK in its status flags.")
def qi_nonblock_flag(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a socketpair with SOCK_NONBLOCK, asks
    fcntl(F_GETFL) of one end and logs the label (O_NONBLOCK set ? 1 : 0) - 1 names from a
    log buffer that begins with a copy of the secret.
    2. Let the fcntl run, then answer O_RDWR (2).
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: socketpair(SOCK_NONBLOCK) sets O_NONBLOCK on both ends'
    files, and only fcntl(F_SETFL) clears it, which the program never called.  The
    Guardian checks F_GETFL's access mode (O_RDWR for a socket), not its status flags."""
    answer(adv, NR_FCNTL, P_NONBLOCK, 2)
