"""Red-team round thirteen: what a record's own fields mean, rows that say too little, and
pages that must persist.

The output contract (abi/outputs.py) says, per call, which bytes an answer must have
written.  These scenarios look for a row that names a length but not the bytes it
counts (recvmsg's msg_namelen and msg_controllen within the room the program gave), a
row that leaves an output out (waitid's struct rusage, rseq's node_id and mm_cid), and
lengths, ids, offsets and pointers *inside* what the kernel writes (a dirent's d_reclen,
an inotify event's len and wd, a control message's cmsg_len, an epoll cookie registered
on another instance, disarmed by EPOLLONESHOT or gone with its file, a descriptor, a
timer id, a CPU, a clock's nanoseconds, a pselect6 set, sched_attr.size, an old signal
action or altstack, an AIO completion's res) that the program trusts to size, index or
call what comes next.  A last group asks whether a page's bytes persist where Linux
keeps them: a fork child's copy of a page with no fork advice, a memfd's page between
two mmaps, a page mremap moves.  The victims are `secret_results` (round ten's) and
`secret_records` (workloads/src/secret_records.c).  Each scenario holds only the kernel's
powers (its own syscall dispatch and records, the result it returns, the user access the
call being served grants, its page tables and the Guardian's calls).  Where an attack
still gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from dataclasses import replace

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families import redteam_r66b as r66b
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator import descriptors as D

RT = "rt13"
RESULTS = "secret_results"
P_RECVMSG = 212                          # secret_results' recvmsg step
MSG_NAMELEN, MSG_CONTROLLEN = 8, 40      # offsets in a 64-bit struct msghdr
RESULTS_ROOM = 16                        # the name and control room secret_results gives
RECORDS = "secret_records"
NR_GETPID = NUMBERS["getpid"]

P_WAITID_RU, P_DENTS_RECLEN, P_INOTIFY_LEN, P_CMSG_LEN = 600, 602, 604, 606
P_EPOLL_NESTED, P_FD_INDEX, P_TIMER_INDEX, P_WRITE_LOOP = 608, 610, 612, 614
P_SCHED_ATTR, P_OLD_ACTION, P_AFFINITY = 616, 618, 620
P_CLOCK_BUCKET, P_SELECT_INDEX, P_ALTSTACK, P_AIO_RES = 622, 624, 626, 628
P_ONESHOT, P_INOTIFY_WD, P_FORK_COPY, P_FORK_COPY_CHILD = 630, 632, 634, 636
P_MEMFD_HELD, P_MREMAP_MOVED, P_RSEQ_IDS, P_EPOLL_FORKED = 638, 640, 642, 644
PROT_RW, MAP_PRIVATE_ANON, NO_FD = 0x3, 0x22, (1 << 64) - 1
IO_EVENT = struct.Struct("<QQqq")         # struct io_event: data, obj, res, res2
BUCKET_NS = 100_000_000                   # secret_records' latency buckets: 100 ms each
SECRET_OFF = 64                           # where the heap copy of the secret lies in its page
SCHED_ATTR = 56                           # struct sched_attr (SCHED_ATTR_SIZE_VER1)
CPU_SLOT = 32                             # secret_records' per-CPU statistics slot
RECORD = 16                               # secret_records' connection and timer records
DIRENT_HEAD = struct.Struct("<QQHB")      # d_ino, d_off, d_reclen, d_type (19 bytes)
INOTIFY_HEAD = struct.Struct("<iIII")     # wd, mask, cookie, len
CMSG_HEAD = struct.Struct("<Qii")         # cmsg_len, cmsg_level, cmsg_type
EPOLL_EVENT = struct.Struct("<IIQ")       # struct epoll_event on arm64: 16 bytes
SOL_SOCKET, SCM_CREDENTIALS, IN_CREATE, EPOLLIN, EPOLLOUT = 1, 2, 0x100, 0x001, 0x004


def _serve_as_getpid(adv: Adversary, nr: int, phase: int, result: int) -> None:
    """Serve the program's next call `nr` after marker `phase` as getpid() (a call that
    writes nothing to user memory) and answer `result`; put the program's x8 back at the
    exit (without a Guardian the kernel's own entry code would)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.set_reg("x0", result)


def _serve_as_eventfd(adv: Adversary, nr: int, phase: int) -> None:
    """Serve the program's next call `nr` after marker `phase` (one that makes a
    descriptor) as a non-blocking eventfd2(), so that its answer is the descriptor the
    kernel's own table hands out, the lowest free one; put x8 back at the exit."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NUMBERS["eventfd2"])
        a.set_reg("x0", 0)
        a.set_reg("x1", 0x800)                                  # EFD_NONBLOCK

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)


# --- RF-001..RF-002: a recvmsg length within the room, its bytes never written -------------


def _length_within_room(adv: Adversary, offset: int) -> None:
    """Serve recvmsg for real, then write back `offset`'s length as the whole room the
    program gave (never more), leaving the bytes that length counts unwritten."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmsg"], during=P_RECVMSG)
    def _(a: Adversary, **_: object) -> None:
        msg = a.el1.syscall_args()[1]
        a.set_reg("x0", 1)                 # one byte received
        if offset == MSG_CONTROLLEN:
            a.kernel.uaccess.write_u64(msg + offset, RESULTS_ROOM)
        else:
            a.kernel.uaccess.write_u32(msg + offset, RESULTS_ROOM)
        a.note(f"recvmsg's length at msghdr+{offset} written back as {RESULTS_ROOM}, "
               f"its bytes left as they were")


@scenario(id="RF-001", title="recvmsg() reports a full control buffer it never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After recvmsg() writes back msg_controllen n, the first n bytes of the "
               "control buffer are control messages the kernel wrote during the call.")
def rf_recvmsg_control_unwritten(adv: Adversary) -> None:
    """1. The program calls recvmsg() of one byte with a 16-byte control buffer in its
    scratch area (copies of the secret), then sends msg_controllen bytes of the control
    buffer to /dev/null.
    2. Serve the call, then write back msg_controllen = 16 (exactly the room given, so no
    length bound is crossed) and write nothing into the control buffer.
    3. The 16 bytes the program sends are the secret's copy left in its buffer."""
    _length_within_room(adv, MSG_CONTROLLEN)


@scenario(id="RF-002", title="recvmsg() reports a full peer address it never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After recvmsg() writes back msg_namelen n, the first min(n, room) bytes of "
               "the name buffer are the address the kernel wrote during the call.")
def rf_recvmsg_name_unwritten(adv: Adversary) -> None:
    """1. The program calls recvmsg() of one byte with a 16-byte name buffer in its
    scratch area (copies of the secret), then sends msg_namelen bytes of the name to
    /dev/null.
    2. Serve the call, then write back msg_namelen = 16 (exactly the room given) and
    write nothing into the name buffer.
    3. The 16 bytes the program sends are the secret's copy left in its buffer."""
    _length_within_room(adv, MSG_NAMELEN)


# --- RF-003: a row that leaves an output out ---------------------------------------------


@scenario(id="RF-003", title="Reap the child for waitid() and write no struct rusage",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="After waitid() reaps a child with a rusage pointer (its fifth argument), the "
               "144-byte struct rusage holds what the kernel wrote there.")
def rf_waitid_rusage(adv: Adversary) -> None:
    """1. The program forks a child that exits at once, then calls waitid(P_PID, child,
    &info, WEXITED, &ru) with the rusage in its scratch area (copies of the secret) and
    sends the 144-byte rusage to /dev/null.
    2. Serve waitid for real (the child is reaped, its siginfo written) with the rusage
    pointer replaced by NULL, and put the pointer back at the exit.
    3. The rusage the program sends is the secret's copies."""
    nr = NUMBERS["waitid"]

    # Not once: a wait that blocks is entered again when the child has exited.
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_WAITID_RU, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x4"):
            a.memo["ru"] = a.reg("x4")
        a.set_reg("x4", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_WAITID_RU, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x4", a.memo.get("ru", 0))
        a.note("waitid served with its rusage pointer dropped")


# --- RF-004..RF-006: a length inside a record past the count the call answered ------------


@scenario(id="RF-004", title="getdents64() answers one record whose d_reclen runs past the count",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=RECORDS,
          prop="The records getdents64() answers tile exactly the count it returns: no "
               "d_reclen reaches past it.")
def rf_dents_reclen(adv: Adversary) -> None:
    """1. The program reads "/" with getdents64() into 256 bytes of its scratch area
    (copies of the secret) and copies each record it reports, d_reclen bytes, to
    /dev/null.
    2. Serve the call with one well-formed 24-byte record (name "a", NUL-terminated) whose
    d_reclen says 256, and answer 24: every byte the count covers was written.
    3. The program copies 256 bytes: 232 of them the secret's copies past the count."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getdents64"], during=P_DENTS_RECLEN)
    def _(a: Adversary, **_: object) -> None:
        buf = a.el1.syscall_args()[1]
        record = DIRENT_HEAD.pack(1, 1, 256, 4) + b"a\0\0\0\0"
        a.kernel.uaccess.write(buf, record)
        a.set_reg("x0", len(record))
        a.note("getdents64 answered 24 with one record of d_reclen 256")


@scenario(id="RF-005", title="An inotify read answers one event whose len runs past the count",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=RECORDS,
          prop="The events a read() of an inotify descriptor answers tile exactly the count "
               "it returns: no event's len reaches past it.")
def rf_inotify_len(adv: Adversary) -> None:
    """1. The program makes a non-blocking inotify watch on "/", reads events into 256
    bytes of its scratch area (copies of the secret) and copies each event it reports
    (its 16-byte header and len name bytes) to /dev/null.
    2. Serve inotify_init1 as an eventfd (the lowest free descriptor) and
    inotify_add_watch as getpid() answered with watch 1 (a kernel without inotify
    answers them too), then the read with one
    32-byte event (name "x", NUL-terminated) whose len says 240, and answer 32.
    3. The program copies 256 bytes: 224 of them the secret's copies past the count."""
    _serve_as_eventfd(adv, NUMBERS["inotify_init1"], P_DENTS_RECLEN + 1)
    _serve_as_getpid(adv, NUMBERS["inotify_add_watch"], P_DENTS_RECLEN + 1, 1)
    nr = NUMBERS["read"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_INOTIFY_LEN)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_INOTIFY_LEN)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        event = INOTIFY_HEAD.pack(1, IN_CREATE, 0, 240) + b"x".ljust(16, b"\0")
        a.kernel.uaccess.write(a.el1.syscall_args()[1], event)
        a.set_reg("x0", len(event))
        a.note("inotify read answered 32 with one event of len 240")


@scenario(id="RF-006", title="recvmsg() answers a control message whose cmsg_len runs past "
                             "msg_controllen",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="Each control message recvmsg() writes back lies within the msg_controllen it "
               "writes back: no cmsg_len reaches past it.")
def rf_cmsg_len(adv: Adversary) -> None:
    """1. The program calls recvmsg() of one byte with a 64-byte control buffer in its
    scratch area (copies of the secret) and sends the first control message's data
    (cmsg_len - 16 bytes) to /dev/null.
    2. Serve the call, then write one 24-byte SCM_CREDENTIALS message whose cmsg_len says
    200 and write back msg_controllen = 24 (within the 64 given), answering 1.
    3. The program sends 184 bytes: 160 of them the secret's copies past msg_controllen."""
    @adv.on(Point.MARKER, phase=P_CMSG_LEN)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["control"] = args[1]                            # the program's msg_control

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmsg"], during=P_CMSG_LEN)
    def _(a: Adversary, **_: object) -> None:
        msg, control = a.el1.syscall_args()[1], a.memo["control"]
        a.kernel.uaccess.write(control, CMSG_HEAD.pack(200, SOL_SOCKET, SCM_CREDENTIALS)
                               + struct.pack("<II", 1, 0))
        a.kernel.uaccess.write_u64(msg + MSG_CONTROLLEN, 24)
        a.set_reg("x0", 1)
        a.note("recvmsg wrote one control message of cmsg_len 200 in a controllen of 24")


# --- RF-007: an epoll cookie registered, but on another instance ---------------------------


@scenario(id="RF-007", title="Report on the outer of two nested epoll instances the inner "
                             "one's cookie",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="An epoll wait reports only data registered on the instance waited on, never "
               "a cookie the program registered on another instance it nests.")
def rf_epoll_nested_cookie(adv: Adversary) -> None:
    """1. The program's outer epoll instance watches an inner one, its data a pointer to
    a connection record; the inner one watches an eventfd, its data a pointer to a
    session whose first 16 bytes are a key (a copy of the secret).  It waits on the
    outer instance and logs the 16-byte name of each record an event names.
    2. Serve the wait with one EPOLLIN event carrying the inner instance's cookie (the
    session: data the program did register, on the instance inside).
    3. The name the program logs is the session's key."""
    @adv.on(Point.MARKER, phase=P_EPOLL_NESTED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["events"], a.memo["session"] = args[0], args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait2"], during=P_EPOLL_NESTED)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"],
                               EPOLL_EVENT.pack(EPOLLIN, 0, a.memo["session"]))
        a.set_reg("x0", 1)
        a.note("the outer instance reported the inner instance's session cookie")


# --- RF-008..RF-009: an id a call returns, past what Linux would hand out ------------------


@scenario(id="RF-008", title="Answer eventfd2() with a descriptor past the lowest free one",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="A call that makes a descriptor answers the lowest free one (POSIX), so a "
               "program may index a table sized by the descriptors it holds.")
def rf_fd_past_lowest(adv: Adversary) -> None:
    """1. The program keeps 8 connection records indexed by descriptor (it holds 4, so
    any new one is below 8), the session key right behind the table; it makes an
    eventfd and logs the name of the record its number indexes.
    2. Serve eventfd2() and answer 8 (the lowest free descriptor is 4).
    3. The program logs record 8: the session key."""
    @adv.on(Point.MARKER, phase=P_FD_INDEX)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["index"] = (args[1] - args[0]) // RECORD

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["eventfd2"], during=P_FD_INDEX)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["index"])
        a.note(f"eventfd2 answered descriptor {a.memo['index']}")


@scenario(id="RF-009", title="Answer timer_create() with a timer id no first timer has",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="A process's first POSIX timer is id 0 (Linux hands ids out from 0 per "
               "process), so a program may index a table by it.")
def rf_timer_id(adv: Adversary) -> None:
    """1. The program keeps 4 timer records indexed by timer id, the session key right
    behind the table; it creates its first timer and logs the name of the record the id
    indexes.
    2. Serve timer_create() and write the id 4 (the word the call fills in).
    3. The program logs record 4: the session key."""
    @adv.on(Point.MARKER, phase=P_TIMER_INDEX)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["index"], a.memo["id"] = (args[1] - args[0]) // RECORD, args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["timer_create"], during=P_TIMER_INDEX)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["id"], a.memo["index"])
        a.set_reg("x0", 0)
        a.note(f"timer_create wrote the id {a.memo['index']}")


# --- RF-010: a write() count past the count asked ------------------------------------------


@scenario(id="RF-010", title="Answer write() with more bytes than it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RECORDS,
          prop="A write() result is at most the count the program asked to write.")
def rf_write_more(adv: Adversary) -> None:
    """1. The program writes a 16-byte public record from its scratch area (copies of
    the secret after it) to /dev/null in the usual loop that writes what is left (an
    unsigned count) until nothing is.
    2. Answer the first write() with 24: the count left wraps to nearly 2**64.
    3. The program's next write() hands the kernel its buffer from byte 24 on: the
    secret's copies, which the kernel reads as the call's contract allows."""
    nr = NUMBERS["write"]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_WRITE_LOOP)
    def _(a: Adversary, **_: object) -> None:
        a.memo["answered"] = True
        a.set_reg("x0", 24)
        a.note("the first write() of 16 bytes answered 24")

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_WRITE_LOOP, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.pop("answered", False):
            return
        buf, count = a.el1.syscall_args()[1], a.el1.syscall_args()[2]
        a.note(f"the next write() asks for {count:#x} bytes at {buf:#x}")
        a.observe(a.kernel.uaccess.read(buf, 64), "write() past the record")


# --- RF-011: a size field inside the struct a call fills in --------------------------------


@scenario(id="RF-011", title="sched_getattr() fills 56 bytes and says in attr->size it filled 128",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="The size sched_getattr() writes back in struct sched_attr is the number of "
               "bytes it filled in: min(the size passed, the kernel's struct).")
def rf_sched_attr_size(adv: Adversary) -> None:
    """1. The program calls sched_getattr(0, attr, 128, 0) with attr in its scratch area
    (copies of the secret) and logs as many bytes as attr->size says were filled in.
    2. Serve the call with a whole 56-byte struct sched_attr (all the call's output, so
    no byte it owes is missing) whose size field says 128, and answer 0.
    3. The program logs 128 bytes: 72 of them the secret's copies past the struct."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["sched_getattr"], during=P_SCHED_ATTR)
    def _(a: Adversary, **_: object) -> None:
        attr = struct.pack("<I", 128).ljust(SCHED_ATTR, b"\0")
        a.kernel.uaccess.write(a.el1.syscall_args()[1], attr)
        a.set_reg("x0", 0)
        a.note("sched_getattr wrote 56 bytes whose size field says 128")


# --- RF-012: a code pointer inside the struct a call fills in ------------------------------


@scenario(id="RF-012", title="rt_sigaction() reports as the action in place a handler the "
                             "program never registered",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="The old action rt_sigaction() writes back is the one the program installed "
               "last for that signal: its handler a pointer the program registered.")
def rf_old_action_handler(adv: Adversary) -> None:
    """1. The program installs a SIGUSR2 hook; later it asks rt_sigaction(SIGUSR2, NULL,
    &old) for the action in place and runs old.sa_handler by hand (it chains to the hook
    it registered).
    2. Serve the call and write, as the old action, a struct sigaction whose handler is
    the program's win() (an address in its own image) and answer 0.
    3. The program calls win(): its control flow is the kernel's."""
    @adv.on(Point.MARKER, phase=P_OLD_ACTION)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["old"], a.memo["win"] = args[0], args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["rt_sigaction"], during=P_OLD_ACTION)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["old"], struct.pack("<QQQQ", a.memo["win"], 0, 0, 0))
        a.set_reg("x0", 0)
        a.note(f"the old SIGUSR2 action written with handler {a.memo['win']:#x}")


# --- RF-013: a CPU the machine does not have, named by an affinity mask --------------------


@scenario(id="RF-013", title="sched_getaffinity() names a CPU the machine does not have",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="The mask sched_getaffinity() writes names only CPUs the machine has.")
def rf_affinity_cpu(adv: Adversary) -> None:
    """1. The program keeps 8 per-CPU statistics slots (more than the machine's CPUs), the
    session key right behind them; it calls sched_getaffinity(0, 16, mask) and logs the
    slot of every CPU the mask names.
    2. Serve the call with an 8-byte mask naming only CPU 8 (the slot one past the
    table) and answer 8.
    3. The program logs "slot 8": the session key."""
    @adv.on(Point.MARKER, phase=P_AFFINITY)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["cpu"], a.memo["mask"] = (args[1] - args[0]) // CPU_SLOT, args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["sched_getaffinity"], during=P_AFFINITY)
    def _(a: Adversary, **_: object) -> None:
        cpu = a.memo["cpu"]
        a.kernel.uaccess.write(a.memo["mask"], (1 << cpu).to_bytes(8, "little"))
        a.set_reg("x0", 8)
        a.note(f"the affinity mask names CPU {cpu} only")


# --- RF-014..RF-015: a value out of its range, used as an index -----------------------------


@scenario(id="RF-014", title="clock_gettime() answers a tv_nsec of a whole second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="The timespec clock_gettime() writes is normalised: tv_nsec lies in "
               "[0, 999999999].")
def rf_clock_nsec(adv: Adversary) -> None:
    """1. The program keeps a latency histogram of 10 buckets of 100 ms, the session key
    right behind it; it reads CLOCK_MONOTONIC and logs the bucket tv_nsec / 100000000
    names.
    2. Serve the call with a whole timespec whose tv_nsec is 1000000000 (a second) and
    answer 0.
    3. The program logs "bucket 10": the session key."""
    @adv.on(Point.MARKER, phase=P_CLOCK_BUCKET)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["bucket"], a.memo["ts"] = (args[1] - args[0]) // RECORD, args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clock_gettime"], during=P_CLOCK_BUCKET)
    def _(a: Adversary, **_: object) -> None:
        nsec = a.memo["bucket"] * BUCKET_NS
        a.kernel.uaccess.write(a.memo["ts"], struct.pack("<qq", 1, nsec))
        a.set_reg("x0", 0)
        a.note(f"clock_gettime answered tv_nsec = {nsec}")


@scenario(id="RF-015", title="pselect6() reports ready a descriptor past the nfds it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=RECORDS,
          prop="The fd_sets pselect6() writes back name only descriptors below nfds that the "
               "program put in them.")
def rf_select_past_nfds(adv: Adversary) -> None:
    """1. The program waits with pselect6(efd + 1, NULL, &wr, ...) on its eventfd (below
    8) and, for each descriptor the set reports ready, logs the record of a table of 8
    indexed by descriptor, the session key right behind it.
    2. Serve the call with the set's first word naming descriptor 8 only (a bit past
    nfds the program never set, inside the long Linux writes back) and answer 1.
    3. The program logs "record 8": the session key."""
    @adv.on(Point.MARKER, phase=P_SELECT_INDEX)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["fd"], a.memo["set"] = (args[1] - args[0]) // RECORD, args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["pselect6"], during=P_SELECT_INDEX)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["set"], 1 << a.memo["fd"])
        a.set_reg("x0", 1)
        a.note(f"pselect6 reported descriptor {a.memo['fd']} ready")


# --- RF-016: an old altstack the program never set, put back by the program ----------------


@scenario(id="RF-016", title="sigaltstack() reports as the old altstack one over the program's "
                             "heap secret",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="The old altstack sigaltstack() writes back is the one the program set last "
               "(or disabled): never one it did not set.")
def rf_old_altstack(adv: Adversary) -> None:
    """1. The program (as a library would) calls sigaltstack(&ours, &old), takes a
    SIGUSR2 on its own altstack, then puts back the saved one with sigaltstack(&old,
    NULL) and takes a second SIGUSR2 (its handler asks for SA_ONSTACK).
    2. Serve the first call and write back as the old altstack an enabled 8 KiB stack
    whose top lies just above the heap copy of the secret, and answer 0.
    3. The program itself installs that stack; the second signal's frame is written over
    its heap copy of the secret."""
    @adv.on(Point.MARKER, phase=P_ALTSTACK)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["old"], a.memo["heap"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["sigaltstack"], during=P_ALTSTACK)
    def _(a: Adversary, **_: object) -> None:
        size = 8192
        top = a.memo["heap"] + SECRET_OFF + 1024
        a.kernel.uaccess.write(a.memo["old"], struct.pack("<QiiQ", top - size, 0, 0, size))
        a.set_reg("x0", 0)
        a.note(f"the old altstack reported as {top - size:#x}, {size} bytes")


# --- RF-017: a restart whose first argument is the kernel's --------------------------------

P_RESULTS_PPOLL = 268                     # secret_results' ppoll step


@scenario(id="RF-017", title="Restart ppoll() with x0 pointing at the heap secret",
          family=RT, goal=Goal.LEAK, rules=("G-RETURN-PATHS",), program=RESULTS,
          silent="a restart resumes the saved context: the re-run ppoll has the program's "
                 "own x0, so nothing is refused and nothing leaks",
          prop="A restarted syscall runs with the arguments the program passed: x0 comes "
               "back as the program's first argument, never as the kernel's result.")
def rf_restart_x0(adv: Adversary) -> None:
    """1. The program calls ppoll(fds, 1, &zero, NULL, 8) (a call Linux restarts).
    2. Serve it and restart it: the return address back on its SVC, x0 (the result the
    kernel hands back, which Linux would replace by orig_x0) set to the address of the
    heap copy of the secret.
    3. The re-run ppoll reads its one pollfd from there: the kernel copies 8 bytes of
    the secret in."""
    nr = NUMBERS["ppoll"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_RESULTS_PPOLL, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"ppoll entered with x0 = {a.reg('x0'):#x}")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RESULTS_PPOLL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.layout.heap_secret)
        a.set_reg("pc", a.reg("pc") - 4)
        a.note(f"ppoll restarted with x0 = {a.layout.heap_secret:#x}")


# --- RF-018: an AIO completion's byte count, with no byte written ---------------------------


@scenario(id="RF-018", title="io_getevents() reports a 64-byte AIO read that wrote nothing",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=RECORDS,
          prop="An AIO read's completion (io_event.res = n) means n bytes arrived in the "
               "iocb's buffer, as a read() answering n does.")
def rf_aio_res(adv: Adversary) -> None:
    """1. The program submits one IOCB_CMD_PREAD of 64 bytes from /dev/zero into its
    scratch area (copies of the secret) and, for the completion io_getevents() reports
    for its iocb, logs as many bytes of the buffer as res says were read.
    2. Serve io_setup() and io_submit() as getpid() (answered 0 and 1: a kernel model
    without AIO answers them too), then io_getevents() with one whole io_event for the
    program's iocb whose res is 64, and answer 1.  Nothing is written to the buffer.
    3. The 64 bytes the program logs are the secret's copies.
    With the Guardian on the kernel sees the aio calls as the unassigned number 244
    (a confidential program has no aio): answered 0 and 1 as well, refused."""
    r66b.answer_shown(adv, P_AIO_RES)
    _serve_as_getpid(adv, NUMBERS["io_setup"], P_AIO_RES, 0)
    _serve_as_getpid(adv, NUMBERS["io_submit"], P_AIO_RES, 1)

    @adv.on(Point.MARKER, phase=P_AIO_RES)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["iocb"], a.memo["events"] = args[1], args[2]

    nr = NUMBERS["io_getevents"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_AIO_RES)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_AIO_RES)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.kernel.uaccess.write(a.memo["events"], IO_EVENT.pack(0x5EED, a.memo["iocb"], 64, 0))
        a.set_reg("x0", 1)
        a.note("io_getevents reported the iocb complete with res 64, its buffer unwritten")


# --- RF-019: a one-shot registration reported after it fired --------------------------------


@scenario(id="RF-019", title="Report an EPOLLONESHOT registration again after it fired",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="An EPOLLONESHOT registration reports at most one event until EPOLL_CTL_MOD "
               "re-arms it: after it fired, its data is never reported again.")
def rf_oneshot_again(adv: Adversary) -> None:
    """1. The program registers an eventfd with EPOLLONESHOT, its data a pointer to a
    connection record, and takes its one event; the registration is now disarmed, so
    the program retires the record without EPOLL_CTL_DEL (its memory reused for a copy
    of the secret) and registers a second record for another eventfd.
    2. Serve its next epoll_pwait2() with one EPOLLOUT event carrying the disarmed
    record's pointer (data the program registered, and never deleted).
    3. The program logs the 16-byte name of the record the event names: the secret's
    bytes now in the retired record's memory."""
    @adv.on(Point.MARKER, phase=P_ONESHOT)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["events"], a.memo["retired"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait2"], during=P_ONESHOT)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"],
                               EPOLL_EVENT.pack(EPOLLOUT, 0, a.memo["retired"]))
        a.set_reg("x0", 1)
        a.note(f"the disarmed one-shot record {a.memo['retired']:#x} reported again")


# --- RF-020: an id inside an event record, naming no watch the program holds ----------------


@scenario(id="RF-020", title="An inotify event names a watch descriptor add_watch never gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="An inotify event's wd is a watch descriptor inotify_add_watch() returned on "
               "that descriptor (and not since removed).")
def rf_inotify_wd(adv: Adversary) -> None:
    """1. The program keeps its inotify watches in a table of 4 records indexed by watch
    descriptor, the session key right behind it; it adds one watch on "/", reads events
    and logs the name of the watch record each event's wd indexes.
    2. Serve inotify_init1 as an eventfd (the lowest free descriptor) and
    inotify_add_watch as getpid() answered with watch 1 (a kernel without inotify
    answers them too), then the read with one
    well-formed 32-byte IN_CREATE event (name "x") whose wd is 4, and answer 32.
    3. The program logs "watch 4": the session key."""
    _serve_as_eventfd(adv, NUMBERS["inotify_init1"], P_ONESHOT + 1)
    _serve_as_getpid(adv, NUMBERS["inotify_add_watch"], P_ONESHOT + 1, 1)

    @adv.on(Point.MARKER, phase=P_INOTIFY_WD)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["wd"], a.memo["events"] = (args[1] - args[0]) // RECORD, args[2]

    nr = NUMBERS["read"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_INOTIFY_WD)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_INOTIFY_WD)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        # (a child's IN_CREATE with its name, as fsnotify_create() passes it: only the wd
        # is one no inotify_add_watch gave)
        event = INOTIFY_HEAD.pack(a.memo["wd"], IN_CREATE, 0, 16) + b"x".ljust(16, b"\0")
        a.kernel.uaccess.write(a.memo["events"], event)
        a.set_reg("x0", len(event))
        a.note(f"an inotify event for watch {a.memo['wd']} reported")


# --- RF-021: a page with no fork advice left out of the fork child --------------------------


def _child_lost_its_copy(out: Outcome) -> list[str]:
    """The child's own report: its copy of the page was not the parent's bytes."""
    return [f"the fork child (pid {m.pid}) found its copy of the page at {m.args[1]:#x} other "
            f"than the parent's bytes" for m in out.markers
            if m.phase == P_FORK_COPY_CHILD and m.args[0]]


@scenario(id="RF-021", title="Leave a page with no fork advice out of the fork child, as if it "
                             "were MADV_WIPEONFORK",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-ADVICE",), program=RECORDS,
          oracle=_child_lost_its_copy,
          prop="A fork child inherits every private page its parent gave no fork advice: the "
                "kernel cannot wipe one as if the program had asked MADV_WIPEONFORK.")
def rf_fork_wipe_unasked(adv: Adversary) -> None:
    """1. The program fills an anonymous page with a public pattern (no fork advice) and
    forks; the child compares its copy with the pattern and reports the result.
    2. Before the fork, mark the page's area wipe-on-fork in the kernel's own record: the
    fork leaves the page out of the child, whose first touch gets a fresh zero page.
    3. The child's copy of its parent's page is zeros: its memory is not the parent's."""
    @adv.on(Point.MARKER, phase=P_FORK_COPY)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[0]
        vma = a.mm.vmas.find(args[0])
        if vma is not None:
            a.mm.vmas.replace(vma, replace(vma, wipe_on_fork=True))
            a.note(f"the area at {args[0]:#x} marked wipe-on-fork in the kernel's record")


# --- RF-022: a fork child's page served as a copy of another page of its parent -------------


@scenario(id="RF-022", title="Give the fork child, for a page it inherits, a copy of the "
                             "parent's heap secret page",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-ADVICE",), program=RECORDS,
          prop="A fork child's page at an address is a copy of its parent's page at that "
                "address, never of a page from elsewhere in the parent.")
def rf_fork_other_page(adv: Adversary) -> None:
    """1. The program fills an anonymous page with a public pattern (no fork advice) and
    forks a child that checks its copy of the page and writes it out to /dev/null.
    2. Before the fork, mark the page's area wipe-on-fork in the kernel's own record (the
    fork leaves it out of the child); as the clone returns, copy the parent's heap page
    (the one holding the secret) with the kernel's frame copy (COPY_PAGE: the copy joins
    the domain) and map the copy at the pattern page's address in the child.
    3. The child writes out what it takes for the public page: the secret's copy."""
    rf_fork_wipe_unasked(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COPY)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.processes.get(a.reg("x0"))
        va, src = a.memo.get("page", 0), a.pa_of(a.layout.heap)
        if child is None or src is None:
            a.note("no child or no parent heap page")
            return
        copy = a.alloc_frame()
        a.kernel.mmctx.copy_frame(copy, src)
        child.mm.tables.set(va, D.leaf_descriptor(copy, D.PagePerms(user=True, write=True)))
        a.note(f"the child's page at {va:#x} is a copy of the parent's heap page {src:#x}")


# --- RF-023: a memfd's held page taken back while the memfd is open -------------------------


def _memfd_lost_its_page(out: Outcome) -> list[str]:
    """The program's own report: its memfd's page came back other than it left it."""
    return [f"the memfd's page came back changed after munmap and a second mmap (pid {m.pid})"
            for m in out.markers if m.phase == P_MEMFD_HELD + 1 and m.args[0] > 0]


@scenario(id="RF-023", title="RECLAIM_PAGE a memfd's held page while the memfd is open, then "
                             "map a fresh page at the next mmap",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=RECORDS,
          oracle=_memfd_lost_its_page,
          prop="A memfd keeps its pages while it is open: a second MAP_SHARED mmap of it maps "
                "the bytes the program left there, not a fresh page.")
def rf_memfd_reclaimed(adv: Adversary) -> None:
    """1. The program maps a one-page memfd MAP_SHARED, fills it with a public pattern,
    unmaps it (the memfd stays open), maps it again and compares the page with the
    pattern.
    2. Between the munmap and the second mmap, take the page back: RECLAIM_PAGE of the
    frame the Guardian holds for the memfd (its last mapping went), and drop it from
    the kernel's record of the memfd's pages (without a Guardian: zero the file's page).
    3. The second mmap faults in a fresh zero page: the program's memfd lost its bytes."""
    @adv.on(Point.MARKER, phase=P_MEMFD_HELD)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        f = a.init.fds.get(args[0])
        held = f.memfd_pages
        sp = held.pages if held is not None else None
        if not a.guarded or sp is None:
            f.pwrite(bytes(4096), 0)
            a.note("the memfd's page zeroed in the file")
            return
        for idx, pa in sorted(sp.frames.items()):
            status, _ = a.hvc(Call.RECLAIM_PAGE, pa)
            a.note(f"RECLAIM_PAGE {pa:#x}: status {status}")
            if status == 0:
                del sp.frames[idx]


# --- RF-024: mremap answered with a new area, the moved bytes left behind ------------------


def _mremap_lost_its_bytes(out: Outcome) -> list[str]:
    """The program's own report: the page mremap moved came out other than it went in."""
    return [f"the page mremap moved reads other than its bytes at {m.args[1]:#x}"
            for m in out.markers if m.phase == P_MREMAP_MOVED + 1 and m.args[0] > 0]


@scenario(id="RF-024", title="Answer a moving mremap() with a fresh area, the bytes left behind",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-MREMAP", "G-LEAVE-ON-REQUEST"),
          program=RECORDS,
          oracle=_mremap_lost_its_bytes,
          prop="After mremap(MREMAP_MAYMOVE) moves a private page, the new address holds that "
                "page's bytes, not a fresh zero page.")
def rf_mremap_fresh(adv: Adversary) -> None:
    """1. The program fills the first of two anonymous pages with a public pattern and
    grows it to two pages with mremap(MREMAP_MAYMOVE) (it must move), then compares the
    page at its new place with the pattern.
    2. Serve the call as mmap(NULL, 8192, RW, MAP_PRIVATE | MAP_ANONYMOUS) (fresh zero
    pages at another address), unmap the old page (the program's mremap gives it back)
    and answer the new address.
    3. The program's page at its new place is zeros: its bytes did not move with it."""
    nr = NUMBERS["mremap"]
    regs = ("x0", "x1", "x2", "x3", "x4", "x5", "x8")

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_MREMAP_MOVED)
    def _(a: Adversary, **_: object) -> None:
        a.memo["mremap"] = [a.reg(r) for r in regs]
        for r, v in zip(regs, (0, 2 * 4096, PROT_RW, MAP_PRIVATE_ANON, NO_FD, 0,
                               NUMBERS["mmap"]), strict=True):
            a.set_reg(r, v)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_MREMAP_MOVED)
    def _(a: Adversary, **_: object) -> None:
        fresh, saved = a.reg("x0"), a.memo.pop("mremap")
        for r, v in zip(regs[1:], saved[1:], strict=True):
            a.set_reg(r, v)
        a.mm.unmap_range(saved[0], saved[0] + saved[1])     # the old range goes, as it must
        a.note(f"mremap answered with fresh pages at {fresh:#x}, the old page unmapped")


# --- RF-025: the parent's side of a fork share replaced by a fresh page ---------------------


@scenario(id="RF-025", title="At fork, give the parent a fresh zero page for its heap page the "
                             "child still shares",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-FORK-SHARE"),
          program=RECORDS,
          prop="A page a fork shares stays the program's bytes on both sides: the kernel may "
               "give either side a copy of it, never a fresh page in its place.")
def rf_fork_parent_fresh(adv: Adversary) -> None:
    """1. The program forks (its heap page, holding a copy of the secret, shared
    copy-on-write with the child while the child lives).
    2. As the clone returns to the parent, point the parent's entry for the heap page at
    a fresh zero frame: the shared frame is not discarded (the child still maps it).
    3. The parent's heap copy of the secret reads as zeros."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COPY)
    def _(a: Adversary, **_: object) -> None:
        va = a.layout.heap
        fresh = a.alloc_frame()
        a.write_lm(fresh, bytes(4096))
        a.mm.tables.set(va, D.leaf_descriptor(fresh, D.PagePerms(user=True, write=True)))
        a.note(f"the parent's heap page {va:#x} now maps the fresh frame {fresh:#x}")


# --- RF-026: a fork child's page left out, then filled with the kernel's bytes --------------

KERNEL_BYTES = b"bytes the kernel chose, not zero"   # 32 bytes


def _child_took_kernel_bytes(out: Outcome) -> list[str]:
    """The child wrote out its copy of the page: the kernel's bytes were in it."""
    return ["the fork child's page held bytes the kernel wrote (neither its parent's nor "
            "zero)"] if out.hits.get("kernel_bytes") else []


@scenario(id="RF-026", title="Leave a page out of the fork child, then map a frame the kernel "
                             "filled there",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-ADVICE", "G-CONF-INTEGRITY"),
          program=RECORDS, oracle=_child_took_kernel_bytes,
          prop="A page that comes into a confidential address space is the program's (a "
                "copy of its parent's, for a fork child) or zero: never bytes the kernel "
                "wrote.")
def rf_fork_kernel_page(adv: Adversary) -> None:
    """1. The program fills an anonymous page with a public pattern and forks; the child
    checks its copy and writes the first 256 bytes out to /dev/null.
    2. Before the fork, mark the page's area wipe-on-fork in the kernel's own record (the
    fork leaves it out of the child); as the clone returns, fill a free frame with the
    kernel's own bytes and map it at that address in the child.
    3. The child takes the kernel's bytes for its parent's page."""
    rf_fork_wipe_unasked(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COPY)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.processes.get(a.reg("x0"))
        va = a.memo.get("page", 0)
        if child is None:
            return
        frame = a.alloc_frame()
        a.write_lm(frame, KERNEL_BYTES * (4096 // len(KERNEL_BYTES)))
        child.mm.tables.set(va, D.leaf_descriptor(frame, D.PagePerms(user=True, write=True)))
        a.note(f"the child's page at {va:#x} is the kernel-filled frame {frame:#x}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["write"], during=P_FORK_COPY_CHILD, once=False,
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if args[2] == 256 and KERNEL_BYTES in a.kernel.uaccess.read(args[1], 256):
            a.hit("kernel_bytes", 1)
            a.note("the child wrote out the kernel's bytes as its page")


# --- RF-027: rseq's row names two of the four ids Linux fills in ----------------------------


@scenario(id="RF-027", title="Answer rseq() registration with cpu_id_start and cpu_id only, "
                             "node_id and mm_cid never written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RECORDS,
          prop="After rseq() registers an area, the area's cpu_id_start, cpu_id, node_id and "
               "mm_cid hold what the kernel wrote (Linux fills all four before the program "
               "runs again).")
def rf_rseq_ids(adv: Adversary) -> None:
    """1. The program registers a 32-byte rseq area that held the secret at work (rseq_cs
    and flags zeroed) and logs its node_id and mm_cid (8 bytes).
    2. Serve the call as getpid(), write cpu_id_start and cpu_id (0, the first CPU: the
    8 bytes the output contract names) and answer 0.
    3. The node_id and mm_cid the program logs are the secret's bytes left in the area."""
    nr = NUMBERS["rseq"]

    @adv.on(Point.MARKER, phase=P_RSEQ_IDS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["area"] = args[0]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_RSEQ_IDS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RSEQ_IDS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.kernel.uaccess.write(a.memo["area"], bytes(8))
        a.set_reg("x0", 0)
        a.note("rseq registration answered 0, cpu_id_start and cpu_id written, node_id and "
               "mm_cid not")


# --- RF-028: a registration whose file's last descriptor went in a fork child --------------


@scenario(id="RF-028", title="Report an epoll registration after its file's last descriptor "
                             "went with a fork child's exit",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="An epoll registration lives while its file does: once the program closed its "
               "descriptor and the fork child holding the other one is reaped, its data is "
               "never reported again.")
def rf_epoll_forked(adv: Adversary) -> None:
    """1. The program registers an eventfd with epoll (its data a pointer to a connection
    record), forks a child that exits at once, closes its own eventfd and reaps the
    child: the file's last descriptor is gone, its registration with it.  It retires the
    record (its memory reused for a copy of the secret) and registers a second one.
    2. Serve its epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer.
    3. The program logs the 16-byte name of the record the event names: the secret."""
    @adv.on(Point.MARKER, phase=P_EPOLL_FORKED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["events"], a.memo["retired"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait2"], during=P_EPOLL_FORKED)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"],
                               EPOLL_EVENT.pack(EPOLLOUT, 0, a.memo["retired"]))
        a.set_reg("x0", 1)
        a.note(f"the record {a.memo['retired']:#x} of the closed file reported")
