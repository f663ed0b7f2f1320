"""Red-team round thirty-eight: the guarantees of rounds 34..36 by other paths.

Rounds 34..36 attacked what survives execve, AF_UNIX sockets between a program's own
processes and futexes, by the calls those rounds chose.  This round asks the same Linux
state through the other calls that report it: select() instead of poll/epoll, read() on
SOCK_DGRAM and SOCK_SEQPACKET socketpairs instead of recv/recvmsg, /proc/self/comm and a
new thread's PR_GET_NAME instead of PR_GET_NAME after exec, a new thread's sigaltstack
instead of one after exec, a fork child's blocked mask and handler, signalfd's record and
/proc/self/status's SigIgn/SigBlk instead of rt_sigaction and rt_sigprocmask.

The victim is `secret_r38_paths` (workloads/src/secret_r38_paths.c): each step announces
itself with a marker and turns one value into the index of a public label in a log buffer
that begins with a copy of the secret, then writes that label to /dev/null.  Each scenario
holds only the kernel's powers: the result it returns and the user access of the call being
served.  Where an attack gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model import procfs
from kernel_model.process import Thread

RT = "redteam_r38"
PATHS = "secret_r38_paths"
VALUES = "P5"               # a value reached the program that Linux never returns
#: The predecessor design counts an exited thread as one whose exit may still store into
#: the program's memory (B6): no return is quiet then, so an address length written back
#: is not read.
MPROTECT_EXITS_UNSEEN = {"mprotect": "B6"}
# secret_r38_paths: the marker before each step; the marker after its write is + 1.
P_SELECT, P_DGRAM_READ, P_SEQ_READ, P_COMM, P_THREAD_NAME = 3800, 3802, 3804, 3806, 3808
P_THREAD_ALTSTACK, P_FORK_MASK, P_FORK_HANDLER, P_SIGNALFD = 3810, 3812, 3814, 3816
P_STATUS, P_THREAD_SIGBLK = 3818, 3820
P_POLL_QUEUED, P_STAT_COMM, P_FORK_NAME, P_FORK_ALTSTACK = 3822, 3824, 3826, 3828
P_THREAD_HANDLER, P_THREAD_MASK, P_DGRAM_FROM, P_PAIR_SOCKNAME = 3830, 3832, 3834, 3836
P_SEQ_TYPE, P_SELF_NAME, P_DGRAM_MSGNAME, P_PAIR_PEERNAME = 3838, 3840, 3842, 3844
P_VFORK_NAME, P_STATUS_SIGCGT, P_EPOLL_QUEUED = 3846, 3848, 3850
P_OTHER_NAME, P_OTHER_COMM, P_PAIR_PEERCRED, P_FORK_PEERCRED = 3852, 3854, 3856, 3858
P_VFORK_ALTSTACK, P_SELECT_WRITE, P_SIGNALFD_READV, P_COMM_PREAD = 3860, 3862, 3864, 3866
P_TASK_COMM = 3868          # only with -t
NR_PSELECT6, NR_READ, NR_PRCTL = NUMBERS["pselect6"], NUMBERS["read"], NUMBERS["prctl"]
NR_SIGALTSTACK, NR_SIGPROCMASK = NUMBERS["sigaltstack"], NUMBERS["rt_sigprocmask"]
NR_SIGACTION, NR_PPOLL = NUMBERS["rt_sigaction"], NUMBERS["ppoll"]
NR_RECVFROM, NR_GETSOCKNAME = NUMBERS["recvfrom"], NUMBERS["getsockname"]
NR_GETSOCKOPT, NR_RECVMSG = NUMBERS["getsockopt"], NUMBERS["recvmsg"]
NR_GETPEERNAME, NR_EPOLL_PWAIT = NUMBERS["getpeername"], NUMBERS["epoll_pwait"]
NR_READV, NR_PREAD64 = NUMBERS["readv"], NUMBERS["pread64"]

SIGUSR2, SIGURG = 12, 23


def _nth_read(adv: Adversary, phase: int, nth: int, fn, init_only: bool = True) -> None:
    """Run fn(adv, buf, n) at the exit of the program's `nth` read() after `phase`."""
    key = ("reads", phase)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase, once=False, init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = a.memo.get(key, 0) + 1
        if a.memo[key] != nth:
            return
        args = a.el1.syscall_args()
        fn(a, int(args[1]), int(args[0]))


def _child_exit(adv: Adversary, nr: int, phase: int, fn) -> None:
    """Run fn(adv, args) at the exit of call `nr` made by a fork child after `phase`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init or a.memo.get(("child", phase)):
            return
        a.memo[("child", phase)] = True
        a.memo["child_pid"] = thread.process.pid
        fn(a, a.el1.syscall_args())


# --- QV-001..QV-004: a socketpair's readiness and records by select() and read() --------------

@scenario(id="QV-001", title="Answer select() on a socketpair end with a byte queued: nothing "
                             "ready",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="select() with timeout 0 on an AF_UNIX stream socket whose peer's bytes wait "
               "in its queue reports it readable (1, its bit set).")
def qv_select_ready(adv: Adversary) -> None:
    """1. The program makes a SOCK_STREAM socketpair (a, b), writes one byte on a, then
    select(b + 1, {b}, NULL, NULL, {0, 0}); 1 with b set chooses label 0, else -4.
    2. The kernel lets pselect6 run, then clears the read set and answers 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_sendmsg() queued the byte on b before write()
    returned; nobody else holds b (socketpair() made it, no fork or SCM_RIGHTS since), so
    do_select() calls unix_poll(), which reports EPOLLIN while sk_receive_queue is not
    empty, and sets b's bit: the answer is 1."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PSELECT6, during=P_SELECT)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), bytes(8))
        a.set_reg("x0", 0)


@scenario(id="QV-002", title="Answer select() with 2 for the one descriptor it watches",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=PATHS,
          prop="select() returns the number of bits it left set in its three sets.")
def qv_select_count(adv: Adversary) -> None:
    """1. As QV-001: one descriptor in the read set, a byte queued.
    2. The kernel lets pselect6 run (b's bit stays set) and answers 2.
    3. n != 1: the index is -4 and the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: do_select() counts retval once per bit it sets in the
    result sets; only b is asked, in the read set alone, so the count is at most 1."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PSELECT6, during=P_SELECT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 2)


@scenario(id="QV-003", title="Lengthen a SOCK_DGRAM socketpair's 12-byte datagram read() to 16",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=PATHS,
          prop="read() on a SOCK_DGRAM AF_UNIX socket returns exactly one datagram: at most "
               "its length.")
def qv_dgram_len(adv: Adversary) -> None:
    """1. The program sends a 12-byte datagram on one end of a SOCK_DGRAM socketpair and
    read()s the other with 64 bytes of room; (12 - n) + (signed) first byte chooses the
    label.
    2. The kernel lets read run, then answers 16 (the first byte stays 0).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: read() on a socket is sock_read_iter() -> unix_dgram_recvmsg(),
    which dequeues one skb and copies min(len, skb->len) bytes; the only datagram queued
    (the pair is the program's own) is 12 bytes long."""
    _nth_read(adv, P_DGRAM_READ, 1, lambda a, buf, n: a.set_reg("x0", 16))


@scenario(id="QV-004", title="Change the first byte of a SOCK_DGRAM socketpair's datagram read()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="read() on a SOCK_DGRAM AF_UNIX socketpair end returns the bytes its peer "
               "sent.")
def qv_dgram_bytes(adv: Adversary) -> None:
    """1. As QV-003; the datagram's first byte is 0.
    2. The kernel lets read run (12), then writes 0xfc (-4) over the first byte.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_dgram_recvmsg() copies the skb the peer's send queued
    (skb_copy_datagram_msg()); the pair is the program's own, no other process can send on
    it, and the program sent a 0 first."""
    _nth_read(adv, P_DGRAM_READ, 1, lambda a, buf, n: a.kernel.uaccess.write(buf, b"\xfc"))


@scenario(id="QV-005", title="Hand a SOCK_SEQPACKET read() the rest of the record a short "
                             "read truncated",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=PATHS,
          prop="A read() of a SOCK_SEQPACKET record too long for it discards the rest: the "
               "next read() returns the next record.")
def qv_seq_rest(adv: Adversary) -> None:
    """1. The program sends records of 12 and 4 bytes on a SOCK_SEQPACKET socketpair,
    read()s 4 bytes, then read()s again with 64 bytes of room; (4 - n2) + first byte (0
    in both the second record and the first record's rest) chooses the label.
    2. The kernel lets the second read run, then answers with the first record's last 8
    bytes ("\\0efghij\\0") and 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_seqpacket_recvmsg() -> unix_dgram_recvmsg() dequeues
    the whole skb of a record and frees it (skb_free_datagram()) whatever it copied: the
    truncated rest is gone and the next read returns the 4-byte record."""
    def fn(a: Adversary, buf: int, n: int) -> None:
        a.kernel.uaccess.write(buf, b"\0efghij\0")
        a.set_reg("x0", 8)
    _nth_read(adv, P_SEQ_READ, 2, fn)


# --- QV-006..QV-008: the task's name and alternate stack asked by other paths -----------------

@scenario(id="QV-006", title="Rename the task in /proc/self/comm after PR_SET_NAME",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="/proc/self/comm reads the name the thread's last PR_SET_NAME gave it.")
def qv_comm(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_NAME, "r38-name"), then reads /proc/self/comm:
    "r38-name\\n" chooses label 0, else -4.
    2. The kernel lets the read run, then changes the name's last byte ("r38-namf").
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: comm_show() prints proc_task_name(), the task's comm, that
    PR_SET_NAME's set_task_comm() just wrote; only the program's own threads may write its
    comm (comm_write() refuses any task outside the thread group) and it has one thread."""
    _nth_read(adv, P_COMM, 1, lambda a, buf, n: a.kernel.uaccess.write(buf + 7, b"f"))


@scenario(id="QV-007", title="Give a new thread a name other than its creator's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="A thread clone() creates inherits its creator's comm: its PR_GET_NAME names "
               "it.")
def qv_thread_name(adv: Adversary) -> None:
    """1. After PR_SET_NAME("r38-name") the program creates a pthread that asks
    prctl(PR_GET_NAME); "r38-name" chooses label 0, else -4.
    2. The kernel lets the thread's prctl run, then writes "r38-namf".
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() -> dup_task_struct() copies the creator's
    task_struct, comm included; only the program's own threads may change it (prctl,
    comm_write()'s same_thread_group()) and none did.  The Guardian carries the creator's
    known name to the new thread at the clone (guardian/stated_facts.py note_clone)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=P_THREAD_NAME)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 7, b"f")


@scenario(id="QV-008", title="Report the creator's alternate signal stack to a new thread",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="A thread created with CLONE_VM starts with no alternate signal stack "
               "(SS_DISABLE).")
def qv_thread_altstack(adv: Adversary) -> None:
    """1. The main thread installs a 16 KiB alternate stack, creates a pthread, and the
    thread asks sigaltstack(NULL, &old): SS_DISABLE chooses label 0, else -4.
    2. The kernel keeps the main thread's stack_t from its sigaltstack call and writes it
    (ss_flags 0) as the thread's old stack.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() calls sas_ss_reset() for a child that
    shares the VM without CLONE_VFORK (pthread_create's clone): its sas_ss_sp and
    sas_ss_size are 0 and do_sigaltstack() reports SS_DISABLE."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGALTSTACK, during=P_THREAD_NAME + 1)
    def _(a: Adversary, **_: object) -> None:
        a.memo["ss"] = a.kernel.uaccess.read(int(a.el1.syscall_args()[0]), 24)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, during=P_THREAD_ALTSTACK)
    def _(a: Adversary, **_: object) -> None:
        ss = a.memo.get("ss") or struct.pack("<QiiQ", 0x400000, 0, 0, 16384)
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), ss)


# --- QV-009..QV-010: what a fork child inherits ----------------------------------------------

@scenario(id="QV-009", title="Unblock SIGUSR2 in a fork child's reported mask",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="fork() copies the blocked mask: the child's rt_sigprocmask reports what its "
               "parent blocked.")
def qv_fork_mask(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2 and forks; the child asks rt_sigprocmask(SIG_BLOCK,
    NULL, &old): SIGUSR2 in it chooses label 0, else -4 (the child logs and _exits).
    2. The kernel lets the child's call run, then writes an empty mask.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() -> dup_task_struct() copies ->blocked; the
    child changed nothing before asking, and nobody else can change a task's mask."""
    _child_exit(adv, NR_SIGPROCMASK, P_FORK_MASK,
                lambda a, args: a.kernel.uaccess.write(int(args[2]), bytes(8)))


@scenario(id="QV-010", title="Report SIG_DFL for the handler a fork child inherited",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="fork() copies the signal handlers: the child's rt_sigaction names its "
               "parent's handler.")
def qv_fork_handler(adv: Adversary) -> None:
    """1. The program installs a SIGUSR1 handler and forks; the child asks
    rt_sigaction(SIGUSR1, NULL, &old): the handler chooses label 0, else -4.
    2. The kernel lets the child's call run, then writes sa_handler = SIG_DFL (0).
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_sighand() copies the parent's action table for a
    fork (no CLONE_SIGHAND); only exec (flush_signal_handlers()) or the child's own
    sigaction resets it, and it did neither."""
    _child_exit(adv, NR_SIGACTION, P_FORK_HANDLER,
                lambda a, args: a.kernel.uaccess.write(int(args[2]), bytes(8)))


# --- QV-011..QV-012: signalfd's record --------------------------------------------------------

@scenario(id="QV-011", title="Give signalfd's record for SIGUSR1 the number 14",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-MASK"), program=PATHS,
          prop="A signalfd read returns only signals of its mask: ssi_signo of the only one "
               "pending is its number.")
def qv_signalfd_signo(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, makes a signalfd for {SIGUSR1}, sends itself SIGUSR1
    and reads one record: (10 - ssi_signo) + (128 - n) chooses the label.
    2. The kernel lets read run, then writes ssi_signo = 14 (SIGALRM).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: signalfd_dequeue() dequeues only signals of ctx->sigmask
    ({SIGUSR1}) and signalfd_copyinfo() writes that signal's number."""
    _nth_read(adv, P_SIGNALFD, 1,
              lambda a, buf, n: a.kernel.uaccess.write(buf, struct.pack("<I", 14)))


@scenario(id="QV-012", title="Report SIGUSR2 (outside the signalfd's mask) from signalfd",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-MASK"), program=PATHS,
          prop="A signalfd read returns only signals of the mask it was made with.")
def qv_signalfd_other(adv: Adversary) -> None:
    """1. As QV-011.
    2. The kernel lets read run (128), then writes ssi_signo = 12 (SIGUSR2, not in the
    mask), so 10 - 12 gives -2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: signalfd_dequeue() -> dequeue_signal(&ctx->sigmask) takes
    only SIGUSR1; SIGUSR2 is neither in the mask nor pending."""
    _nth_read(adv, P_SIGNALFD, 1,
              lambda a, buf, n: a.kernel.uaccess.write(buf, struct.pack("<I", SIGUSR2)))


# --- QV-013..QV-015: /proc status lines ------------------------------------------------------

def _status_edit(adv: Adversary, phase: int, nth: int, key: bytes, value: int,
                 init_only: bool = True) -> None:
    """At the `nth` read after `phase`, rewrite the hex of the status line `key`.  The
    kernel made the text it copied out (procfs.status for the reading thread), so it knows
    where the line lies without reading the program's buffer."""
    key_ = ("reads", phase)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=phase, once=False, init_only=init_only)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.memo[key_] = a.memo.get(key_, 0) + 1
        if a.memo[key_] != nth:
            return
        args = a.el1.syscall_args()
        buf, n = int(args[1]), int(args[0])
        text = procfs.status(a.kernel, thread.process, thread).encode()
        at = text.find(key + b":\t")
        if n != len(text) or at < 0:
            a.note(f"read #{nth} answered {n}, the status text is {len(text)} bytes")
            return
        a.kernel.uaccess.write(buf + at + len(key) + 2, b"%016x" % value)


@scenario(id="QV-013", title="Clear SIGURG from /proc/self/status SigIgn after SIG_IGN",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-OLD-STATE"),
          program=PATHS,
          prop="/proc/self/status SigIgn lists every signal the program set to SIG_IGN.")
def qv_status_sigign(adv: Adversary) -> None:
    """1. The program sets SIGURG to SIG_IGN and blocks SIGUSR2, then reads
    /proc/self/status twice: SigIgn must have bit 22, SigBlk bit 11; else -4.
    2. The kernel lets the first read run, then writes SigIgn 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: task_sig() -> collect_sigign_sigcatch() sets a bit for
    every action whose handler is SIG_IGN; the program's rt_sigaction just made SIGURG's
    SIG_IGN and only its own threads share its sighand."""
    _status_edit(adv, P_STATUS, 1, b"SigIgn", 0)


@scenario(id="QV-014", title="Clear SIGUSR2 from /proc/self/status SigBlk after blocking it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-OLD-STATE"),
          program=PATHS,
          prop="/proc/self/status SigBlk is the task's blocked mask.")
def qv_status_sigblk(adv: Adversary) -> None:
    """1. As QV-013; the second read's SigBlk must have bit 11 (SIGUSR2).
    2. The kernel lets the second read run, then writes SigBlk 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: task_sig() renders p->blocked; rt_sigprocmask just added
    SIGUSR2 to the (single) thread's mask and no one else can change it."""
    _status_edit(adv, P_STATUS, 3, b"SigBlk", 0)   # read 2 is the first file's EOF


@scenario(id="QV-015", title="Report the main thread's blocked SIGUSR2 in another thread's own "
                             "status",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-OLD-STATE"),
          program=PATHS,
          prop="/proc/thread-self/status SigBlk is the reading thread's own mask, not its "
               "group's.")
def qv_thread_sigblk(adv: Adversary) -> None:
    """1. The main thread blocks SIGUSR2 and creates a pthread (which inherits it); the
    thread unblocks SIGUSR2 and reads /proc/thread-self/status: SigBlk without bit 11
    chooses label 0, with it -4.
    2. The kernel lets the read run, then writes SigBlk 0x800 (the main thread's mask).
    3. The index is -4: the thread logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/thread-self names the reading task's own
    /proc/<tgid>/task/<tid>; its status renders that task's ->blocked, from which its
    pthread_sigmask(SIG_UNBLOCK) just removed SIGUSR2."""
    _status_edit(adv, P_THREAD_SIGBLK, 1, b"SigBlk", 1 << (SIGUSR2 - 1))


# --- QV-016..QV-025: the same state by further paths -----------------------------------------

@scenario(id="QV-016", title="Answer poll() on a socketpair end with a byte queued: nothing ready",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="poll() with timeout 0 on an AF_UNIX stream socket whose peer's bytes wait in "
               "its queue reports POLLIN.")
def qv_poll_queued(adv: Adversary) -> None:
    """1. The program writes one byte on a of a fresh SOCK_STREAM socketpair (a, b), then
    poll({b, POLLIN}, 1, 0): 1 with POLLIN chooses label 0, else -4.
    2. The kernel lets ppoll run, then clears revents and answers 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the byte sits in b's sk_receive_queue (unix_stream_sendmsg()
    queued it before write() returned, nobody else holds b), and do_pollfd() -> unix_poll()
    reports EPOLLIN for a non-empty queue."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PPOLL, during=P_POLL_QUEUED)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fds"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PPOLL, during=P_POLL_QUEUED)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["fds"] + 6, bytes(2))    # struct pollfd's revents
        a.set_reg("x0", 0)


@scenario(id="QV-017", title="Rename the thread in /proc/thread-self/stat's comm field",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="/proc/<pid>/stat's second field is the task's comm in parentheses.")
def qv_stat_comm(adv: Adversary) -> None:
    """1. After PR_SET_NAME("r38-name") the program reads /proc/thread-self/stat: "(r38-name) "
    after the first '(' chooses label 0, else -4.
    2. The kernel lets the read run, then changes the name's last byte in the text it made
    ("(r38-namf)"); it knows where from its own stat_line.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: do_task_stat() prints proc_task_name() in parentheses, the
    comm PR_SET_NAME's set_task_comm() wrote; only the program's single thread may change
    it."""
    def fn(a: Adversary, buf: int, n: int) -> None:
        at = len(b"%d (" % a.init.pid) + 7
        a.kernel.uaccess.write(buf + at, b"f")
    _nth_read(adv, P_STAT_COMM, 1, fn)


@scenario(id="QV-018", title="Give a fork child a name other than its parent's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="fork() copies comm: the child's PR_GET_NAME names its parent's name.")
def qv_fork_name(adv: Adversary) -> None:
    """1. After PR_SET_NAME("r38-name") the program forks; the child's prctl(PR_GET_NAME)
    "r38-name" chooses label 0, else -4 (the child logs and _exits).
    2. The kernel lets the child's prctl run, then writes "r38-namf".
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: dup_task_struct() copies comm for the child; only the
    child's own PR_SET_NAME or /proc comm write (same_thread_group()) changes it."""
    _child_exit(adv, NR_PRCTL, P_FORK_NAME,
                lambda a, args: a.kernel.uaccess.write(int(args[1]) + 7, b"f"))


@scenario(id="QV-019", title="Report SS_DISABLE to a fork child whose parent had an alternate "
                             "stack",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="fork() keeps the alternate signal stack: the child's sigaltstack reports its "
               "parent's.")
def qv_fork_altstack(adv: Adversary) -> None:
    """1. The program sets a 16 KiB alternate stack and forks; the child asks
    sigaltstack(NULL, &old): the parent's stack, flags 0, chooses label 0, else -4.
    2. The kernel lets the child's call run, then writes {NULL, SS_DISABLE, 0}.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() resets sas_ss_sp only for CLONE_VM without
    CLONE_VFORK; fork() copies the parent's sas_ss_sp/size in dup_task_struct()."""
    _child_exit(adv, NR_SIGALTSTACK, P_FORK_ALTSTACK,
                lambda a, args: a.kernel.uaccess.write(int(args[1]),
                                                       struct.pack("<QiiQ", 0, 2, 0, 0)))


@scenario(id="QV-020", title="Report SIG_DFL to a thread for the handler its group installed",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="Threads share their signal actions: a thread's rt_sigaction names the handler "
               "another thread installed.")
def qv_thread_handler(adv: Adversary) -> None:
    """1. The main thread installs a SIGUSR1 handler and creates a pthread, which asks
    rt_sigaction(SIGUSR1, NULL, &old): the handler chooses label 0, else -4.
    2. The kernel lets the thread's call run, then writes sa_handler = SIG_DFL.
    3. The index is -4: the thread logs bytes 0..7 of the secret's copy.
    Why Linux never does this: CLONE_SIGHAND shares sighand_struct; the main thread is
    waiting and changes nothing; do_sigaction() reports the shared action."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGACTION, during=P_THREAD_HANDLER)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[2]), bytes(8))


@scenario(id="QV-021", title="Report an empty mask to a thread created with SIGUSR2 blocked",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="A new thread's blocked mask is its creator's (glibc restores it in the "
               "thread): rt_sigprocmask reports it.")
def qv_thread_mask(adv: Adversary) -> None:
    """1. The main thread blocks SIGUSR2 and creates a pthread, which asks
    rt_sigprocmask(SIG_BLOCK, NULL, &old): SIGUSR2 in it chooses label 0, else -4.
    2. The kernel lets the thread's raw call (its last before the label) run, then writes 0.
    3. The index is -4: the thread logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the new task copies ->blocked at clone (glibc's
    pthread_create blocks all around clone and the new thread sets the creator's saved
    mask, SIGUSR2 in it), and only the task itself changes it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGPROCMASK, during=P_THREAD_MASK, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[1]) != 0 or int(args[2]) == 0 or thread.tid == a.init.pid:
            return
        a.kernel.uaccess.write(int(args[2]), bytes(8))


@scenario(id="QV-022", title="Name an unbound socketpair sender in recvfrom()'s address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS, known=MPROTECT_EXITS_UNSEEN,
          prop="recvfrom() of a datagram whose sender has no address reports addrlen 0.")
def qv_dgram_from(adv: Adversary) -> None:
    """1. The program sends a datagram on one end of a SOCK_DGRAM socketpair (never bound)
    and recvfrom()s it with an address buffer: minus addrlen chooses the label.
    2. The kernel lets recvfrom run, then writes an abstract name "\\0ab" and addrlen 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_dgram_recvmsg() sets msg_namelen 0 and unix_copy_addr()
    copies only the sender's unix_address, which an unbound socketpair end lacks (no
    SO_PASSCRED, so no autobind); move_addr_to_user() writes length 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVFROM, during=P_DGRAM_FROM)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[4]), struct.pack("<H", 1) + b"\0a")
        a.kernel.uaccess.write_u32(int(args[5]), 4)


@scenario(id="QV-023", title="Give an unbound socketpair end an autobound name in getsockname()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS, known=MPROTECT_EXITS_UNSEEN,
          prop="getsockname() of an unbound AF_UNIX socket reports sizeof(sa_family_t).")
def qv_pair_sockname(adv: Adversary) -> None:
    """1. The program asks getsockname() of a fresh SOCK_STREAM socketpair end: 2 - len
    chooses the label.
    2. The kernel lets it run, then writes a name "\\0abc" and len 6.
    3. len 6: the index is -4 and the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_getname() reports sizeof(short) for a socket with no
    unix_address; socketpair() binds neither end and nothing since autobound it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKNAME, during=P_PAIR_SOCKNAME)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[1]), struct.pack("<H", 1) + b"\0abc")
        a.kernel.uaccess.write_u32(int(args[2]), 6)


@scenario(id="QV-024", title="Answer SO_TYPE of a SOCK_SEQPACKET socketpair end with 9",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="getsockopt(SO_TYPE) reports the type the socket was made with.")
def qv_seq_type(adv: Adversary) -> None:
    """1. The program asks SO_TYPE of a SOCK_SEQPACKET socketpair end: 5 - v chooses the
    label.
    2. The kernel lets it run, then writes 9.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sock_getsockopt() answers SO_TYPE with sk->sk_type, fixed
    at socketpair() (SOCK_SEQPACKET, 5)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKOPT, during=P_SEQ_TYPE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[3]), struct.pack("<i", 9))


@scenario(id="QV-025", title="Rename the task in its own PR_GET_NAME after PR_SET_NAME",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="PR_GET_NAME returns the name the thread's last PR_SET_NAME gave it.")
def qv_self_name(adv: Adversary) -> None:
    """1. Long after PR_SET_NAME("r38-name"), the main thread asks prctl(PR_GET_NAME):
    "r38-name" chooses label 0, else -4.
    2. The kernel lets it run, then writes "r38-namf".
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: PR_GET_NAME copies get_task_comm(current), which only the
    task's own PR_SET_NAME or a comm write from its thread group changes; none did."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=P_SELF_NAME)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 7, b"f")


@scenario(id="QV-026", title="Name an unbound socketpair sender in recvmsg()'s msg_name",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="recvmsg() of a datagram whose sender has no address sets msg_namelen 0.")
def qv_dgram_msgname(adv: Adversary) -> None:
    """1. The program sends a datagram on one end of a SOCK_DGRAM socketpair (never bound)
    and recvmsg()s it with a msg_name: minus msg_namelen chooses the label.
    2. The kernel lets recvmsg run, then writes msg_namelen 4 into the msghdr (and a name
    "\\0a" into msg_name).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: ____sys_recvmsg() sets msg_namelen 0 before
    unix_dgram_recvmsg(), whose unix_copy_addr() copies nothing for a sender with no
    unix_address; __put_user() writes back that 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RECVMSG, during=P_DGRAM_MSGNAME)
    def _(a: Adversary, **_: object) -> None:
        a.memo["mh"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_DGRAM_MSGNAME)
    def _(a: Adversary, **_: object) -> None:
        mh = a.memo["mh"]
        name = struct.unpack("<Q", a.kernel.uaccess.read(mh, 8))[0]
        a.kernel.uaccess.write(name, struct.pack("<H", 1) + b"\0a")
        a.kernel.uaccess.write_u32(mh + 8, 4)


@scenario(id="QV-027", title="Give a socketpair end's unbound peer a name in getpeername()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS, known=MPROTECT_EXITS_UNSEEN,
          prop="getpeername() of a socketpair end whose peer is unbound reports "
               "sizeof(sa_family_t).")
def qv_pair_peername(adv: Adversary) -> None:
    """1. The program asks getpeername() of a fresh SOCK_STREAM socketpair end: 2 - len
    chooses the label.
    2. The kernel lets it run, then writes a name "\\0abc" and len 6.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_getname(peer=1) reports the peer's unix_address, and
    the other end of a socketpair() has none until the program binds it (it did not):
    sizeof(short)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPEERNAME, during=P_PAIR_PEERNAME)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[1]), struct.pack("<H", 1) + b"\0abc")
        a.kernel.uaccess.write_u32(int(args[2]), 6)


@scenario(id="QV-028", title="Give a vfork child a name other than its parent's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="vfork() copies comm: the child's PR_GET_NAME names its parent's name.")
def qv_vfork_name(adv: Adversary) -> None:
    """1. After PR_SET_NAME("r38-name") the program vforks (raw clone CLONE_VM |
    CLONE_VFORK); the child's prctl(PR_GET_NAME) goes to the parent over a pipe:
    "r38-name" chooses label 0, else -4.
    2. The kernel lets the child's prctl run, then writes "r38-namf".
    3. The parent's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: dup_task_struct() copies comm for a vfork child as for any
    clone; only the child's own PR_SET_NAME or a comm write from its thread group changes
    it, and the child called nothing else before asking."""
    _child_exit(adv, NR_PRCTL, P_VFORK_NAME,
                lambda a, args: a.kernel.uaccess.write(int(args[1]) + 7, b"f"))


@scenario(id="QV-029", title="Clear SIGUSR1 from /proc/self/status SigCgt after a handler",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-OLD-STATE"),
          program=PATHS,
          prop="/proc/self/status SigCgt lists every signal with a handler.")
def qv_status_sigcgt(adv: Adversary) -> None:
    """1. The program installs a SIGUSR1 handler and reads /proc/self/status: SigCgt with
    bit 9 chooses label 0, else -4.
    2. The kernel lets the read run, then writes SigCgt 0 in the text it made.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: collect_sigign_sigcatch() sets a bit for every action whose
    handler is neither SIG_DFL nor SIG_IGN; rt_sigaction just installed one for SIGUSR1."""
    _status_edit(adv, P_STATUS_SIGCGT, 1, b"SigCgt", 0)


@scenario(id="QV-030", title="Answer epoll_wait() on a socketpair end with a byte queued: "
                             "nothing ready",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="epoll_wait() with timeout 0 reports EPOLLIN for a registered AF_UNIX stream "
               "socket whose queue holds bytes.")
def qv_epoll_queued(adv: Adversary) -> None:
    """1. The program registers b of a SOCK_STREAM socketpair (EPOLLIN), writes a byte on
    a, then epoll_wait(timeout 0): 1 event with EPOLLIN chooses label 0, else -4.
    2. The kernel lets epoll_pwait run, then answers 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_stream_sendmsg() queued the byte and woke b's wait
    queue, which ep_poll_callback() turned into a ready-list entry; ep_send_events()
    re-polls it (unix_poll(): EPOLLIN for a non-empty queue) and reports it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_EPOLL_PWAIT, during=P_EPOLL_QUEUED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)


# --- QV-031..QV-032: asked while another thread has renamed itself ---------------------------

@scenario(id="QV-031", title="Report a sibling thread's new name as the main thread's own",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="PR_SET_NAME renames only the calling thread: another thread's PR_GET_NAME "
               "keeps its own name.")
def qv_other_name(adv: Adversary) -> None:
    """1. A pthread calls PR_SET_NAME("r38-thrd"), tells the main thread, and stays alive
    (waiting) while the main thread asks prctl(PR_GET_NAME): "r38-name" chooses label 0,
    else -4.
    2. The kernel lets the main thread's prctl run, then writes "r38-thrd" (the name the
    program itself just set, in another thread).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this, even with the rename in flight: prctl(PR_SET_NAME) is
    set_task_comm(current, ...): it writes only the calling task's comm; the main
    thread's comm is still what its own PR_SET_NAME made it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=P_OTHER_NAME)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), b"r38-thrd\0")


@scenario(id="QV-032", title="Show a sibling thread's new name in /proc/self/comm",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="/proc/self/comm shows the thread-group leader's name, whatever another "
               "thread named itself.")
def qv_other_comm(adv: Adversary) -> None:
    """1. As QV-031; then the main thread (the leader) reads /proc/self/comm:
    "r38-name\\n" chooses label 0, else -4.
    2. The kernel lets the read run, then writes "r38-thrd\\n" (the renamed thread's).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/self is /proc/<tgid>, whose comm_show() prints the
    comm of the task with pid tgid, the leader; the other thread's set_task_comm() wrote
    its own task."""
    _nth_read(adv, P_OTHER_COMM, 1, lambda a, buf, n: a.kernel.uaccess.write(buf, b"r38-thrd\n"))


# --- QV-033..QV-034: SO_PEERCRED of a socketpair ---------------------------------------------

@scenario(id="QV-033", title="Name another pid in SO_PEERCRED of the program's own socketpair",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="SO_PEERCRED of a socketpair end names the process that called socketpair().")
def qv_pair_peercred(adv: Adversary) -> None:
    """1. The program makes a SOCK_STREAM socketpair and asks SO_PEERCRED of one end:
    getpid() - pid chooses the label.
    2. The kernel lets getsockopt run, then writes pid = getpid() + 4.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_socketpair() calls init_peercred() on both ends with
    the caller's tgid, and nothing changes sk_peer_pid afterwards."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETSOCKOPT, during=P_PAIR_PEERCRED)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[3]),
                               struct.pack("<i", thread.process.pid + 4))


@scenario(id="QV-034", title="Name the fork child itself in SO_PEERCRED of a socketpair its "
                             "parent made",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="SO_PEERCRED is fixed when the socketpair is made: a fork child that inherits "
               "an end sees its parent's pid.")
def qv_fork_peercred(adv: Adversary) -> None:
    """1. The program makes a socketpair and forks; the child asks SO_PEERCRED of an
    inherited end: parent - pid chooses the label (the child logs and _exits).
    2. The kernel lets the child's getsockopt run, then writes pid = parent + 4 (not the
    parent: as the child's own pid would be, but near enough to index the secret).
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sk_peer_pid was set by init_peercred() in unix_socketpair()
    (the parent) and fork() only duplicates the descriptor: the answer is the parent's
    tgid."""
    def fn(a: Adversary, args: list[int]) -> None:
        a.kernel.uaccess.write(int(args[3]), struct.pack("<i", a.init.pid + 4))
    _child_exit(adv, NR_GETSOCKOPT, P_FORK_PEERCRED, fn)


# --- QV-035..QV-036: a vfork child's alternate stack, write readiness -------------------------

@scenario(id="QV-035", title="Report SS_DISABLE to a vfork child whose parent had an alternate "
                             "stack",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=PATHS,
          prop="vfork() keeps the alternate signal stack (only CLONE_VM without CLONE_VFORK "
               "resets it).")
def qv_vfork_altstack(adv: Adversary) -> None:
    """1. The program sets a 16 KiB alternate stack and vforks (raw clone CLONE_VM |
    CLONE_VFORK); the child's sigaltstack(NULL, &old) goes to the parent over a pipe: the
    parent's stack, flags 0, chooses label 0, else -4.
    2. The kernel lets the child's sigaltstack run, then writes {NULL, SS_DISABLE, 0}.
    3. The parent's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() calls sas_ss_reset() only when
    (clone_flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM; a vfork child keeps the
    sas_ss_sp/size dup_task_struct() copied from its parent."""
    _child_exit(adv, NR_SIGALTSTACK, P_VFORK_ALTSTACK,
                lambda a, args: a.kernel.uaccess.write(int(args[1]),
                                                       struct.pack("<QiiQ", 0, 2, 0, 0)))


@scenario(id="QV-036", title="Answer select() for writing on a fresh socketpair end: not writable",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="select() with timeout 0 reports a fresh AF_UNIX stream socket writable.")
def qv_select_write(adv: Adversary) -> None:
    """1. The program makes a SOCK_STREAM socketpair and, having sent nothing, asks
    select(a + 1, NULL, {a}, NULL, {0, 0}): 1 with a set chooses label 0, else -4.
    2. The kernel lets pselect6 run, then clears the write set and answers 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: unix_poll() reports EPOLLOUT when unix_writable(sk), i.e.
    (sk_wmem_alloc << 2) <= sk_sndbuf; nothing was ever sent on a, so its sk_wmem_alloc
    holds only its initial 1 and the socket is writable."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PSELECT6, during=P_SELECT_WRITE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[2]), bytes(8))
        a.set_reg("x0", 0)


# --- QV-037..QV-038: the refused answers again, by readv and pread64 -------------------------

@scenario(id="QV-037", title="Give signalfd's record the number 14, read by readv()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-SIGNAL-MASK"), program=PATHS,
          prop="A signalfd read returns only signals of its mask, whatever the read call.")
def qv_signalfd_readv(adv: Adversary) -> None:
    """1. As QV-011, but the program reads the record with readv() into two iovecs (64 +
    64 bytes).
    2. The kernel lets readv run, then writes ssi_signo = 14 at the first iovec's base.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: readv() is signalfd_read_iter() like read(): it dequeues
    only signals of ctx->sigmask ({SIGUSR1}) and signalfd_copyinfo() writes that number."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READV, during=P_SIGNALFD_READV)
    def _(a: Adversary, **_: object) -> None:
        a.memo["iov"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READV, during=P_SIGNALFD_READV)
    def _(a: Adversary, **_: object) -> None:
        base = struct.unpack("<Q", a.kernel.uaccess.read(a.memo["iov"], 8))[0]
        a.kernel.uaccess.write(base, struct.pack("<I", 14))


@scenario(id="QV-038", title="Rename the task in /proc/self/comm read by pread64()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS,
          prop="/proc/self/comm reads the name the thread's last PR_SET_NAME gave it, whatever "
               "the read call.")
def qv_comm_pread(adv: Adversary) -> None:
    """1. As QV-006, but the program reads /proc/self/comm with pread64(fd, 64, 0).
    2. The kernel lets pread64 run, then changes the name's last byte ("r38-namf").
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: pread64 at offset 0 is comm_show() through seq_read_iter()
    like read(): the task's comm, which PR_SET_NAME set and nothing else changed."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PREAD64, during=P_COMM_PREAD)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 7, b"f")


@scenario(id="QV-039", title="Rename another thread in /proc/self/task/<tid>/comm",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PATHS, args=(b"-t",),
          prop="/proc/<pid>/task/<tid>/comm reads that task's own comm (what its last "
               "PR_SET_NAME gave it).")
def qv_task_comm(adv: Adversary) -> None:
    """1. With -t, a pthread renames itself "r38-thrd" (pthread_setname_np: PR_SET_NAME)
    and stays alive; the main thread asks pthread_getname_np() of it, which glibc answers
    by reading /proc/self/task/<tid>/comm: "r38-thrd" chooses label 0, else -4.
    2. The kernel lets the read run, then writes "r38-thrX\\n".
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/<pid>/task/<tid> is that task's directory and
    comm_show() prints its comm, which its own PR_SET_NAME just set; only the program's
    threads may write a comm (comm_write()'s same_thread_group()).  (The step is off by
    default: the kernel model once answered the leader's name there; it now renders each
    task directory from that task's own name, as Linux does.)"""
    _nth_read(adv, P_TASK_COMM, 1, lambda a, buf, n: a.kernel.uaccess.write(buf, b"r38-thrX\n"))
