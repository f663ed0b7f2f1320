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
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r18 import _fill
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid, write_back
from attacks.scenario import Goal, scenario
from kernel_model.openfile import HostFile
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


def _maker_arg(adv: Adversary, phase: int, index: int = 1) -> None:
    """Keep argument `index` of marker `phase` (x2 is index 0) as memo[phase]."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo[phase] = args[index]


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
    _maker_arg(adv, P_SEQPACKET)
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
    _maker_arg(adv, P_CREDS)

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
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
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


# --- QI-015, QI-016: the program's own executable file --------------------------------------

def _elf_header(phentsize: int) -> bytes:
    """An AArch64 ELF64 header whose e_phentsize is `phentsize`."""
    head = bytearray(64)
    head[:8] = b"\x7fELF\x02\x01\x01\x00"
    struct.pack_into("<HHI", head, 16, 2, 183, 1)       # ET_EXEC, EM_AARCH64, EV_CURRENT
    struct.pack_into("<HHHHHH", head, 52, 64, phentsize, 1, 64, 0, 0)
    return bytes(head)


@scenario(id="QI-015", title="Answer pread64() of /proc/self/exe with an ELF header the "
                             "running image does not have",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED",), program=IPC,
          prop="/proc/self/exe reads as the file the process runs from.")
def qi_proc_exe_pread(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens /proc/self/exe, pread64()s its 64-byte ELF
    header and logs the label (e_phentsize - 56) / 8 names from a log buffer that begins
    with a copy of the secret.
    2. Let the pread64 run, then write a header with e_phentsize 24 and answer 64.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/self/exe is the running executable itself
    (proc_exe_link: mm->exe_file), which no one may write while it runs (ETXTBSY); its
    e_phentsize is 56.  The Guardian's return.running_image judges a descriptor opened by
    the image's admitted path only, not one opened through /proc/self/exe."""
    _fill(adv, P_EXE_PREAD, NR_PREAD64, 1, _elf_header(24), 64)


@scenario(id="QI-016", title="Answer read() of the program's own executable file with an ELF "
                             "header the running image does not have",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED",), program=IPC,
          prop="The executable file a program runs from reads as the file exec loaded, "
               "through read() as through pread64().")
def qi_exe_read(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens argv[0] (its admitted path), read()s its
    64-byte ELF header and logs the label (e_phentsize - 56) / 8 names from a log buffer
    that begins with a copy of the secret.
    2. Let the read run, then write a header with e_phentsize 24 and answer 64.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the running executable cannot be written (ETXTBSY) and a
    read at offset 0 returns its first bytes.  return.running_image judges pread64 and
    fstat of the admitted path, not read()."""
    _fill(adv, P_EXE_READ, NR_READ, 1, _elf_header(24), 64)


# --- QI-017..QI-021: /proc files about the program itself ----------------------------------

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


@scenario(id="QI-017", title="Answer /proc/self/status with a Pid line other than getpid()'s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/status names the caller's own process id.")
def qi_status_pid(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads /proc/self/status and logs the label its Pid
    line less getpid() names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write over it a status text whose Pid line is 4 below the
    pid (0 at the least), padded to the count read, and answer that count.
    3. The index is negative: the program logs 8 bytes of the secret's copy.
    Why Linux never does this: proc_pid_status prints the task's tgid in the reader's pid
    namespace, the same number getpid() returns in the same process.  The Guardian does
    not look into what a /proc/self read returns."""
    _maker_arg(adv, P_STATUS_PID)

    def text(a: Adversary) -> bytes:
        pid = a.memo[P_STATUS_PID]
        return (f"Name:\tsecret_r26_ipc\nState:\tR (running)\nTgid:\t{pid}\n"
                f"Pid:\t{max(pid - 4, 0)}\nPPid:\t0\n").encode()
    _fill_computed(adv, P_STATUS_PID, text)


@scenario(id="QI-018", title="Answer /proc/self/cmdline with more strings than the program's "
                             "argv",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/cmdline holds the argument strings the program started with "
               "(while it has not rewritten them).")
def qi_cmdline(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads /proc/self/cmdline and logs the label argc
    less the strings it holds names from a log buffer that begins with a copy of the
    secret.
    2. Let the read run, then write over it argc + 4 strings, padded to the count read,
    and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: proc_pid_cmdline_read copies the process's own argument
    area (mm->arg_start..arg_end) from its memory; the program never wrote it, and the
    Guardian checked that area's strings at CREATE_DOMAIN (create.launch_args), yet does
    not hold a read of cmdline to them."""
    _maker_arg(adv, P_CMDLINE)
    _fill_computed(adv, P_CMDLINE, lambda a: b"x\0" * (a.memo[P_CMDLINE] + 4), pad=b"y")


@scenario(id="QI-019", title="Answer /proc/self/environ with more strings than the program's "
                             "environment",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/environ holds the environment strings the program started with.")
def qi_environ(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) counts its envp, reads /proc/self/environ and logs
    the label that count less the strings the file holds names from a log buffer that
    begins with a copy of the secret.
    2. Let the read run, then write over it count + 4 strings, padded to the count read,
    and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: environ_read copies mm->env_start..env_end from the
    process's memory, the strings exec placed there (checked by the Guardian at
    CREATE_DOMAIN); the program never rewrote them."""
    _maker_arg(adv, P_ENVIRON)
    _fill_computed(adv, P_ENVIRON, lambda a: b"X=1\0" * (a.memo[P_ENVIRON] + 4), pad=b"y")


@scenario(id="QI-020", title="Answer /proc/self/maps without the page the program just mapped",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/maps lists every area the program holds.")
def qi_maps(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) mmap()s a fresh page, reads /proc/self/maps and
    logs the label (lines starting at that page) - 1 names from a log buffer that begins
    with a copy of the secret.
    2. Let the read run, then write over it a maps text with one unrelated line, padded
    to the count read, and answer that count.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: show_map walks the process's own VMAs; an area mmap just
    returned, not unmapped since, is among them.  The Guardian holds that very list of
    areas (return.layout) and does not compare it with what maps says."""
    _fill_computed(adv, P_MAPS, lambda a: b"00400000-00401000 r-xp 00000000 00:00 0\n")


@scenario(id="QI-021", title="Answer /proc/self/fdinfo of the program's memfd with a position "
                             "its write never left",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/fdinfo/N reports the descriptor's file position.")
def qi_fdinfo_pos(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes 16 bytes into its own memfd, reads
    /proc/self/fdinfo/N of it and logs the label (pos - 16) / 8 names from a log buffer
    that begins with a copy of the secret.
    2. Let the read run, then write over it an fdinfo text with pos 0, padded to the
    count read, and answer that count.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: seq_show prints f_pos of the descriptor's file, 16 after
    the program's one write.  The Guardian keeps that offset (return.file_offset, for
    lseek) but no open of /proc/self/fdinfo is held to it."""
    _fill_computed(adv, P_FDINFO, lambda a: b"pos:\t0\nflags:\t02\nmnt_id:\t0\nino:\t1\n")


# --- QI-022, QI-023: bytes moved inside the kernel into the program's own pipe --------------

@scenario(id="QI-022", title="Answer a read of the pipe the program spliced its own memfd "
                             "into with a byte the memfd never held",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program holds reads the bytes spliced into it from its own "
               "memfd.")
def qi_splice_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes the index byte 0 into its own memfd,
    splice()s it into its own pipe, reads the pipe and logs the label the signed byte
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: splice from a file into a pipe fills the pipe with the
    file's page at that offset; memfd and pipe are the program's alone.  The Guardian
    knows both (it keeps the memfd's bytes) but a splice stops every object of the domain
    being judged (sole_held) instead of moving the bytes it knows."""
    _fill(adv, P_SPLICE, NR_READ, 1, MINUS_FOUR, 1)


@scenario(id="QI-023", title="Answer a read of the pipe the program sendfile()d its own memfd "
                             "into with a byte the memfd never held",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program holds reads the bytes sendfile moved into it from "
               "its own memfd.")
def qi_sendfile_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes the index byte 0 into its own memfd,
    sendfile()s it into its own pipe, reads the pipe and logs the label the signed byte
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sendfile copies the memfd's bytes at the offset given into
    the pipe; both are the program's alone, so the pipe holds the byte 0.  As with
    splice, the Guardian stops judging instead of following the move."""
    _fill(adv, P_SENDFILE, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-024: a descriptor a fork child passed with SCM_RIGHTS -------------------------------

@scenario(id="QI-024", title="Answer a read of the eventfd a fork child passed its parent "
                             "with SCM_RIGHTS with a count the child never set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
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
    _maker_arg(adv, P_RIGHTS_CHILD)
    _fill(adv, P_RIGHTS_CHILD, NR_READ, 1, struct.pack("<Q", 9), 8)


# --- QI-025: the running image mapped through /proc/self/exe --------------------------------

def _serve_exe_copy(a: Adversary, phentsize: int) -> None:
    """Put, behind the descriptor the openat being served returns, a file of the kernel's
    own holding the running executable's bytes with e_phentsize changed."""
    fd = int(a.reg("x0"))
    fds = a.init.fds
    real = fds.get(fd)
    image = bytearray(real.pread(1 << 20, 0) or b"")
    struct.pack_into("<H", image, 54, phentsize)
    host = os.memfd_create("kernel-exe-copy", os.MFD_CLOEXEC)
    os.write(host, bytes(image))
    os.lseek(host, 0, os.SEEK_SET)
    fds.close(fd)
    fds.install(HostFile(host, 0, "/bin/secret_r26_ipc", Path("/")), lowest=fd)
    a.note(f"descriptor {fd} now names a copy of the executable, e_phentsize {phentsize}")


@scenario(id="QI-025", title="Map /proc/self/exe from a copy of the running image with another "
                             "ELF header",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=IPC,
          prop="A page of the running executable the program maps through /proc/self/exe "
               "holds that file's bytes.")
def qi_proc_exe_mmap(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens /proc/self/exe, mmap()s its first page
    PROT_READ and logs the label (e_phentsize - 56) / 8 names from a log buffer that
    begins with a copy of the secret.
    2. Serving the openat, put behind its descriptor a file of the kernel's own: the
    executable's bytes with e_phentsize 24.  The mmap maps that file's first page.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/self/exe opens mm->exe_file, the running executable,
    which no one may write (ETXTBSY); its first page holds e_phentsize 56.  The Guardian
    measures a mapped page of an admitted file by the path the program named
    (set_pt.measured_file); /proc/self/exe is not that path, so the page enters as
    unmeasured input data, whatever it holds."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=P_EXE_MMAP)
    def _(a: Adversary, **_: object) -> None:
        _serve_exe_copy(a, 24)


# --- QI-026..QI-029: more of what /proc/self says -------------------------------------------

def _dirent(name: bytes, reclen: int, off: int) -> bytes:
    """One linux_dirent64 record of `reclen` bytes (a directory: d_type DT_DIR)."""
    head = struct.pack("<QqHB", 1, off, reclen, 4) + name + b"\0"
    return head.ljust(reclen, b"\0")


@scenario(id="QI-026", title="List /proc/self/task without the calling thread",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/task lists every thread of the caller's process, the caller's "
               "own among them.")
def qi_tasks_listing(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc), with one thread, lists /proc/self/task with
    getdents64() and logs the label (entries naming a thread) - 1 names from a log buffer
    that begins with a copy of the secret.
    2. Let the call run, then write over the listing only "." and ".." (the second record
    long enough to tile the count the call returned) and answer that count.
    3. No thread is listed: the index is -1 and the program logs bytes 24..31 of the
    secret's copy.
    Why Linux never does this: proc_task_readdir walks the thread group of the process,
    which holds the caller.  The records are well formed (return.record_layout holds);
    their names are not compared with the threads the Guardian knows."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETDENTS64, during=P_TASKS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["dirents"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETDENTS64, during=P_TASKS)
    def _(a: Adversary, **_: object) -> None:
        n = int(a.reg("x0"))
        listing = _dirent(b".", 24, 1) + _dirent(b"..", n - 24, 2)
        a.kernel.uaccess.write(a.memo["dirents"], listing)
        a.note(f"getdents64 answered {n} bytes listing only . and ..")


@scenario(id="QI-027", title="Answer readlinkat() of /proc/self/fd/N for the program's pipe "
                             "with another inode than fstat's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/fd/N of a pipe names the inode fstat() reports for it.")
def qi_fd_link_inode(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) fstat()s the read end of its own pipe, reads the
    link /proc/self/fd/N of it and logs the label (the inode in "pipe:[inode]") -
    st_ino names from a log buffer that begins with a copy of the secret.
    2. Let the readlinkat run, then write "pipe:[st_ino - 4]" (zero-padded to the
    length it read) and answer that length.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: pipefs_dname prints the pipe inode's i_ino, the st_ino
    fstat gives for the same descriptor.  The Guardian holds the link's length and its
    lack of NULs, not what it names."""
    _maker_arg(adv, P_FD_LINK)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READLINKAT, during=P_FD_LINK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["link"] = int(a.el1.syscall_args()[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READLINKAT, during=P_FD_LINK)
    def _(a: Adversary, **_: object) -> None:
        n = int(a.reg("x0"))
        digits = max(n - len("pipe:[]"), 1)
        link = f"pipe:[{a.memo[P_FD_LINK] - 4:0{digits}d}]".encode()
        a.kernel.uaccess.write(a.memo["link"], link)
        a.set_reg("x0", len(link))


@scenario(id="QI-028", title="Answer /proc/self/limits with a soft RLIMIT_NOFILE below "
                             "getrlimit()'s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/limits shows the limits getrlimit() reports.")
def qi_limits(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads getrlimit(RLIMIT_NOFILE), then
    /proc/self/limits, and logs the label (its "Max open files" soft limit) - rlim_cur
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write over it a limits text whose soft limit is rlim_cur - 4,
    padded to the count read, and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: proc_pid_limits prints the process's signal->rlim, the
    same limits getrlimit() read an instant before, and nothing changed them between.
    The Guardian keeps the soft RLIMIT_NOFILE (return.fd_limit) but not against this
    file."""
    _maker_arg(adv, P_LIMITS)

    def text(a: Adversary) -> bytes:
        cur = a.memo[P_LIMITS]
        return (f"Limit                     Soft Limit           Hard Limit           Units\n"
                f"Max open files            {cur - 4:<21}{cur:<21}files\n").encode()
    _fill_computed(adv, P_LIMITS, text)


@scenario(id="QI-029", title="Answer /proc/self/comm with another name than PR_SET_NAME set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="/proc/self/comm reads the name the thread last set with PR_SET_NAME.")
def qi_comm(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) names itself "r26worker" with prctl(PR_SET_NAME),
    reads /proc/self/comm and logs the label (bytes read - 10) / 2 names from a log buffer
    that begins with a copy of the secret.
    2. Serve the read as getpid() (it writes nothing), then write "r\n" and answer 2.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: comm_show prints the task's comm, the 9 characters
    PR_SET_NAME just stored, and a newline.  The Guardian checks PR_GET_NAME's string
    (return.string_nul), not this file."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_COMM)
    def _(a: Adversary, **_: object) -> None:
        a.memo["comm"] = int(a.el1.syscall_args()[1])

    serve_as_getpid(adv, NR_READ, P_COMM, result=2)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_COMM)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["comm"], b"r\n")


# --- QI-030: a pipe kept across an exec -----------------------------------------------------

@scenario(id="QI-030", title="Answer the exec'd image's read of a pipe the old image filled "
                             "with a byte the old image never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          args=(EXEC_TOO,),
          silent="the predecessor design cannot serve the execve (its arguments are EFAULT "
                 "to the kernel), so no new image ever reads the pipe",
          prop="A pipe kept open across execve() holds the bytes written into it before.")
def qi_exec_pipe(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc -x) writes the index byte 0 into its own pipe and
    execve()s itself with "-r FD", keeping the read end; the new image (with a secret of
    its own) reads the byte and logs the label it names from a log buffer that begins
    with a copy of its secret.
    2. Let the new image's read run, then write 0xfc and answer 1.
    3. The index is -4: the new image logs bytes 0..7 of its secret's copy.
    Why Linux never does this: execve keeps descriptors without FD_CLOEXEC and the pipe's
    buffer with them; only the program ever held the pipe, and it wrote the byte 0.  The
    Guardian follows a pipe the program made until an exec keeps it, then stops judging
    it, though both images are the program's and it sees every call of each."""
    _maker_arg(adv, P_COMM)                 # the old image's last step before the exec
    _fill(adv, P_EXEC_PIPE, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-031: a memfd one process maps MAP_SHARED and another reads --------------------------

@scenario(id="QI-031", title="Answer pread() of a memfd a fork child stored into through a "
                             "MAP_SHARED mapping with a byte it never stored",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
          prop="A read of a memfd returns what the stores through its shared mappings left "
               "in its pages.")
def qi_memfd_shared_pread(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a one-page memfd and forks; the child maps it
    MAP_SHARED, stores 7 into its first byte and exits; the parent reaps it, pread()s
    that byte and logs the label byte - 7 names from a log buffer that begins with a copy
    of the secret.
    2. Let the pread run, then write 3 and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: a memfd's MAP_SHARED mapping and its read() share one page
    cache page: the parent reads the child's 7.  The Guardian stops judging a memfd's
    bytes once it is mapped MAP_SHARED (sole_held), though the page is one of the
    domain's shares whose frame it holds and could read the answer from."""
    _fill(adv, P_MEMFD_SHARED, NR_PREAD64, 1, b"\x03", 1)


# --- QI-032: the value a POSIX timer's signal carries ---------------------------------------

@scenario(id="QI-032", title="Answer rt_sigtimedwait() for a POSIX timer's signal with "
                             "another si_value than sigev_value",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IPC, gap=VALUES,
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


# --- QI-033, QI-034: the file offset a move writes back -------------------------------------

@scenario(id="QI-033", title="Write back sendfile()'s offset unmoved after it moved 8 bytes of "
                             "the program's memfd",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="sendfile() with an offset writes back that offset moved on by the count it "
               "returns.")
def qi_sendfile_offset(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sendfile()s 8 bytes of its own memfd, from offset
    0, to /dev/null and logs the label (offset - count) / 8 names from a log buffer that
    begins with a copy of the secret.
    2. Let the call run (it answers 8), then write the offset back as 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: do_sendfile reads from *offset and stores pos back, pos
    having advanced by exactly the bytes it moved.  The Guardian holds the count to the
    room asked (return.count_bound) but not the offset to the count."""
    write_back(adv, NR_SENDFILE, P_SENDFILE_OFF, 2, 0, result=None, size=8)


@scenario(id="QI-034", title="Write back splice()'s input offset unmoved after it moved a byte "
                             "of the program's memfd",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="splice() with an input offset writes back that offset moved on by the count "
               "it returns.")
def qi_splice_offset(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) splice()s 1 byte of its own memfd, from offset 0,
    into its own pipe and logs the label offset - count names from a log buffer that
    begins with a copy of the secret.
    2. Let the call run (it answers 1), then write the offset back as 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: splice_file_to_pipe advances the offset it read from by
    the bytes spliced and copies it back to off_in."""
    write_back(adv, NR_SPLICE, P_SPLICE_OFF, 1, 0, result=None, size=8)


# --- QI-035: a pipe a vfork child wrote into ------------------------------------------------

@scenario(id="QI-035", title="Answer the parent's read of a pipe a vfork child wrote into with "
                             "a byte the child never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program's processes hold reads what they wrote, a vfork "
               "child's writes included.")
def qi_vfork_pipe(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a pipe and vfork()s; the child writes the
    index byte 0 into it and exits; the parent reads the byte and logs the label it names
    from a log buffer that begins with a copy of the secret.
    2. Let the parent's read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  The pipe's
    only writer was the vfork child (a process of the program whose write the Guardian
    saw), which wrote 0."""
    _fill(adv, P_VFORK_PIPE, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-036: waiters on a shared futex only the program maps -------------------------------

@scenario(id="QI-036", title="Answer a shared FUTEX_WAKE on a page no other process maps with "
                             "4 waiters woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
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
    _maker_arg(adv, P_FUTEX_WAKE)           # the step before, which every design reaches
    answer(adv, NR_FCNTL, P_CMSG_CLOEXEC, 0)


@scenario(id="QI-038", title="Answer F_GETFL of a SOCK_NONBLOCK socketpair end without "
                             "O_NONBLOCK",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC, gap=VALUES,
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
