"""Red-team round twelve: outputs chosen by a command argument.

The scenarios attack `secret_commands` (workloads/src/secret_commands.c): the secret kept
as in `secret`, then fcntl commands, ioctl requests and prctl options whose success means
Linux filled a structure in a scratch area that held copies of the secret, which the
program then logs to /dev/null.  The output contract (abi/outputs.py) names a few such
commands; these are ones it does not: a command the table leaves out has no completeness
rule, so an answer of success that wrote nothing passes the buffer's old bytes off as the
kernel's answer.  Each scenario holds only the kernel's powers (its own syscall dispatch
and the result it returns).  Where an attack still gets through with the Guardian on, it
names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, documented, scenario
from kernel_model.devfiles import RandomFile

RT = "rt12"
COMMANDS = "secret_commands"
NR_GETPID = NUMBERS["getpid"]

P_RWHINT, P_FILEHINT, P_QSIZE, P_IFADDR = 500, 502, 504, 506
P_SERIAL, P_CORE, P_AUXV, P_TERMIO = 508, 510, 512, 514
P_MSGSTAT, P_SHMSTAT, P_SEMSTAT, P_MQATTR = 516, 518, 520, 522
P_CACHESTAT, P_SYSLOG, P_KEYREAD, P_QUOTA = 524, 526, 528, 530
P_EPDEL, P_EPMOD, P_EPCLOSE = 532, 534, 536
P_SFDMOD, P_SFDCLOSE = 538, 540
P_SHMAT, P_PEEK, P_DCOOKIE, P_HANDLE = 542, 544, 546, 548
P_DENTS, P_XLIST, P_INOTIFY, P_GCSSTATUS, P_QUOTAFD = 550, 552, 554, 556, 558
P_GETCPU, P_RSEQCPU, P_EPNEW = 560, 562, 564
SIGUSR1 = 10
SIGNALFD_SIGINFO = 128                     # struct signalfd_siginfo
EPOLLOUT = 0x004
EPOLL_EVENT = struct.Struct("<IIQ")       # struct epoll_event on arm64: 16 bytes


def _serve_as_getpid(adv: Adversary, nr: int, phase: int, result: int = 0) -> None:
    """Serve the program's next call `nr` after marker `phase` as getpid() (a call that
    writes nothing to user memory) and answer `result`, the call's success; put the
    program's x8 back at the exit (without a Guardian the kernel's own entry code would)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", nr)] = a.reg("x8")
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", a.memo.pop(("x8", nr), nr))
        a.set_reg("x0", result)
        a.note(f"call {nr} after marker {phase} answered {result} with nothing written")


def _unfilled(*, id: str, call: str, what: str, size: int, phase: int,  # noqa: A002
              result: int = 0, gap: str = "") -> None:
    """Register one scenario: `call` with command `what` answered `result`, unwritten."""
    nr = NUMBERS[call]

    def steps(adv: Adversary) -> None:
        _serve_as_getpid(adv, nr, phase, result)

    doc = (f"1. The program's scratch area holds copies of the secret; it calls "
                     f"{call}({what}) with the output there and sends the {size} bytes the "
                     f"call fills in to /dev/null.\n"
                     f"2. Serve the call as getpid() (nothing is written) and answer {result}.\n"
                     f"3. The record the program sends is the secret's copies left in its "
                     f"buffer.")
    scenario(id=id, title=f"Answer {call}({what}) with success and write nothing",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=COMMANDS, gap=gap,
             prop=f"After {call}({what}) succeeds, its {size}-byte output holds what the "
                  f"kernel wrote there, not the bytes the program's buffer held before.")(documented(steps, doc))


# --- RH-001..RH-008: a command's output reported filled, never written --------------------

_unfilled(id="RH-001", call="fcntl", what="F_GET_RW_HINT", size=8, phase=P_RWHINT)
_unfilled(id="RH-002", call="fcntl", what="F_GET_FILE_RW_HINT", size=8, phase=P_FILEHINT)
_unfilled(id="RH-003", call="ioctl", what="FIOQSIZE", size=8, phase=P_QSIZE)
_unfilled(id="RH-004", call="ioctl", what="SIOCGIFADDR", size=16, phase=P_IFADDR)
_unfilled(id="RH-005", call="ioctl", what="TIOCGSERIAL", size=72, phase=P_SERIAL)
_unfilled(id="RH-006", call="prctl", what="PR_SCHED_CORE, PR_SCHED_CORE_GET", size=8,
          phase=P_CORE)
_unfilled(id="RH-007", call="prctl", what="PR_GET_AUXV", size=64, phase=P_AUXV, result=64)
_unfilled(id="RH-008", call="ioctl", what="TCGETA", size=18, phase=P_TERMIO)


# --- RH-009..RH-016: calls the output contract has no row for ------------------------------

_unfilled(id="RH-009", call="msgctl", what="IPC_STAT", size=120, phase=P_MSGSTAT)
_unfilled(id="RH-010", call="shmctl", what="IPC_STAT", size=112, phase=P_SHMSTAT)
_unfilled(id="RH-011", call="semctl", what="IPC_STAT", size=104, phase=P_SEMSTAT)
_unfilled(id="RH-012", call="mq_getsetattr", what="NULL, &old", size=64, phase=P_MQATTR)
_unfilled(id="RH-013", call="cachestat", what="/dev/null", size=40, phase=P_CACHESTAT)
_unfilled(id="RH-014", call="syslog", what="SYSLOG_ACTION_READ_ALL", size=64, phase=P_SYSLOG,
          result=64)
_unfilled(id="RH-015", call="keyctl", what="KEYCTL_READ", size=64, phase=P_KEYREAD, result=64)
_unfilled(id="RH-016", call="quotactl", what="Q_GETQUOTA", size=72, phase=P_QUOTA)


# --- RH-017: a count within the buffer, nothing written (a call with no completeness rule) --

LENGTHS = "secret_lengths"
P_LENGTHS_VMSPLICE = 218        # secret_lengths' counted step for vmsplice (P_COUNTED + 2)


@scenario(id="RH-017", title="Answer vmsplice() from a pipe's read end with 8 and write nothing",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-IAGO-COUNT"), program=LENGTHS,
          prop="After vmsplice() of a pipe's read end into the program's iovecs answers n, the "
               "n bytes at the iovecs are what the kernel wrote there, as read()'s are.")
def rh_vmsplice_count_unwritten(adv: Adversary) -> None:
    """1. The program writes 8 public bytes into a pipe, then vmsplice()s the pipe's read
    end into one 8-byte iovec in its scratch area (which holds copies of the secret) and
    sends as many bytes as the call reports to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 8: a count within the
    iovec, so no count bound is crossed.
    3. The record the program sends is the secret's copy left in its iovec."""
    _serve_as_getpid(adv, NUMBERS["vmsplice"], P_LENGTHS_VMSPLICE, 8)


# --- RH-018..RH-020: an epoll cookie the program has retired -------------------------------


def _retired_cookie(*, id: str, how: str, phase: int, gap: str = "") -> None:  # noqa: A002
    """Register one scenario: epoll_pwait2 reports the record `how` retired."""
    nr = NUMBERS["epoll_pwait2"]

    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            a.memo["events"], a.memo["retired"] = args[0], args[1]

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.kernel.uaccess.write(a.memo["events"],
                                   EPOLL_EVENT.pack(EPOLLOUT, 0, a.memo["retired"]))
            a.set_reg("x0", 1)
            a.note(f"one EPOLLOUT event reported with the retired record {a.memo['retired']:#x}")

    doc = (f"1. The program registers an eventfd with epoll, its event's data a "
                     f"pointer to a connection record, then retires that record ({how}), "
                     f"reuses the record's memory for a copy of the secret and registers a "
                     f"second record instead.\n"
                     f"2. Serve its epoll_pwait2() with one EPOLLOUT event whose data is the "
                     f"retired record's pointer (a cookie the program did register, once).\n"
                     f"3. The program logs the 16-byte name of the record the event names: "
                     f"the secret's bytes now in the retired record's memory.")
    scenario(id=id, title=f"Report an epoll event with a cookie retired by {how}",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=COMMANDS, gap=gap,
             prop=f"An epoll event carries the data the program registered for that file and "
                  f"still holds: after {how}, never the retired one.")(documented(steps, doc))


_retired_cookie(id="RH-018", how="EPOLL_CTL_DEL and a new EPOLL_CTL_ADD", phase=P_EPDEL)
_retired_cookie(id="RH-019", how="EPOLL_CTL_MOD", phase=P_EPMOD)
# The closed eventfd was the file's only descriptor: Linux drops its registration with it.
_retired_cookie(id="RH-020", how="close() of the eventfd and EPOLL_CTL_ADD of a new one",
                phase=P_EPCLOSE)


# --- RH-021..RH-022: a signalfd record for a signal the descriptor no longer takes ---------


def _moved_signalfd(*, id: str, how: str, phase: int, gap: str = "") -> None:  # noqa: A002
    """Register one scenario: a signalfd read reports SIGUSR1 after `how` moved it off."""
    nr = NUMBERS["read"]

    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            a.memo["record"] = args[0]

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            record = struct.pack("<I", SIGUSR1).ljust(SIGNALFD_SIGINFO, b"\0")
            a.kernel.uaccess.write(a.memo["record"], record)
            a.set_reg("x0", SIGNALFD_SIGINFO)
            a.note("the signalfd read answered with a SIGUSR1 record")

    doc = (f"1. The program makes a signalfd for SIGUSR1 (its \"drop the key\" "
                     f"signal: it zeroes the heap copy of the secret), then moves it to "
                     f"SIGUSR2 only ({how}), raises SIGUSR2 and reads one record.\n"
                     f"2. Serve the read with a SIGUSR1 record (a signal the descriptor once "
                     f"took) and answer 128.\n"
                     f"3. The program acts on ssi_signo and zeroes its heap copy of the secret.")
    scenario(id=id, title=f"Read a SIGUSR1 record from a signalfd moved to SIGUSR2 by {how}",
             family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=COMMANDS, gap=gap,
             prop=f"A signalfd read reports only signals in the descriptor's mask as it is now: "
                  f"after {how}, never one it no longer takes.")(documented(steps, doc))


_moved_signalfd(id="RH-021", how="signalfd4() on the same descriptor", phase=P_SFDMOD)
_moved_signalfd(id="RH-022", how="close() and a new signalfd4(-1)", phase=P_SFDCLOSE)


# --- RH-023..RH-026: more calls the output contract has no row for -------------------------


@scenario(id="RH-023", title="Answer shmat() with the address of the program's heap page",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP",), program=COMMANDS,
          prop="shmat() answers an address where a segment was attached during the call, never "
               "memory the program already holds (the Iago rule mmap's answers obey).")
def rh_shmat_over_heap(adv: Adversary) -> None:
    """1. The program attaches a System V shared-memory segment with shmat(id, NULL, 0) and
    logs the segment's first 128 bytes to /dev/null.
    2. Serve the call as getpid() (nothing is attached) and answer the address of the
    program's heap page, which holds a copy of the secret 64 bytes in.
    3. The program logs its own heap page, secret and all."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["shmat"], during=P_SHMAT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["shmat"], during=P_SHMAT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NUMBERS["shmat"])
        a.set_reg("x0", a.layout.heap & ~0xFFF)
        a.note(f"shmat() answered with the heap page {a.layout.heap & ~0xFFF:#x}")


_unfilled(id="RH-024", call="ptrace", what="PTRACE_PEEKDATA", size=8, phase=P_PEEK)
_unfilled(id="RH-025", call="lookup_dcookie", what="0, buf, 64", size=64, phase=P_DCOOKIE,
          result=64)
_unfilled(id="RH-026", call="name_to_handle_at", what='AT_FDCWD, "/"', size=72,
          phase=P_HANDLE)


# --- RH-027: restart_syscall standing in for a call with an output contract -----------------

RESULTS = "secret_results"
P_RESULTS_RUSAGE = 200          # secret_results' getrusage step
ERESTART_RESTARTBLOCK = 516
NR_RESTART = NUMBERS["restart_syscall"]


def _through_restart_block(adv: Adversary, nr: int, phase: int, final: int) -> None:
    """Serve call `nr` after marker `phase` as getpid() and answer -ERESTART_RESTARTBLOCK
    (back on the SVC, x8 = restart_syscall); serve restart_syscall as getpid() and answer
    `final` with nothing written.  Without a Guardian, answer `final` at once."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            a.set_reg("x8", nr)
            a.set_reg("x0", final & (2**64 - 1))
            return
        a.set_reg("x0", (-ERESTART_RESTARTBLOCK) & (2**64 - 1))
        a.set_reg("pc", a.reg("pc") - 4)
        a.set_reg("x8", NR_RESTART)
        a.note(f"call {nr} answered -ERESTART_RESTARTBLOCK")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RESTART, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)
        a.note("restart_syscall entered")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RESTART, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.set_reg("x0", final & (2**64 - 1))


@scenario(id="RH-027", title="Answer getrusage() with -ERESTART_RESTARTBLOCK, then serve "
                             "restart_syscall with 0 and nothing written",
          family=RT, goal=Goal.LEAK, rules=("G-RETURN-PATHS", "G-IAGO-OUTPUT"), program=RESULTS,
          prop="A call restarted through restart_syscall is held to the contract of the call "
               "it restarts (and only calls with a restart block restart that way): "
               "getrusage() answered 0 has its struct rusage written.")
def rh_restart_block_getrusage(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls getrusage() with
    struct rusage there and sends the 144 bytes the call fills in to /dev/null.
    2. Serve the call as getpid() and answer -ERESTART_RESTARTBLOCK with the return address
    back on the SVC and x8 = restart_syscall, as Linux does for an interrupted sleep.
    3. The program enters restart_syscall; serve it as getpid() (nothing written) and
    answer 0: the program takes it as getrusage()'s success and logs its scratch area.
    (Without a Guardian, step 2 answers 0 directly.)"""
    _through_restart_block(adv, NUMBERS["getrusage"], P_RESULTS_RUSAGE, 0)


P_RESULTS_NANOSLEEP = 266       # secret_results' nanosleep step
EINTR = 4


@scenario(id="RH-028", title="Answer nanosleep() with -ERESTART_RESTARTBLOCK, then serve "
                             "restart_syscall with -EINTR and no remaining time written",
          family=RT, goal=Goal.LEAK, rules=("G-RETURN-PATHS", "G-IAGO-OUTPUT"), program=RESULTS,
          prop="A sleep restarted through restart_syscall is held to the contract of the sleep "
               "it restarts: an -EINTR answer has the remaining time written.")
def rh_restart_block_nanosleep(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls nanosleep() with
    its remaining-time timespec there and, on -EINTR, sends those 16 bytes to /dev/null.
    2. Serve the call as getpid() and answer -ERESTART_RESTARTBLOCK with the return address
    back on the SVC and x8 = restart_syscall (nanosleep is a call Linux restarts so).
    3. The program enters restart_syscall; serve it as getpid() (nothing written) and
    answer -EINTR: the program logs its scratch area as the remaining time.
    (Without a Guardian, step 2 answers -EINTR directly.)"""
    _through_restart_block(adv, NUMBERS["nanosleep"], P_RESULTS_NANOSLEEP, -EINTR)


# --- RH-029: a directory record whose name has no NUL inside the count ---------------------

DIRENT_HEAD = struct.Struct("<QQHB")       # d_ino, d_off, d_reclen, d_type (19 bytes)


@scenario(id="RH-029", title="Answer getdents64() with one record whose d_name has no NUL "
                             "within the bytes reported",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=COMMANDS,
          prop="getdents64() reports whole records: each lies inside the count, its d_reclen "
               "steps to the next, its d_name ends with a NUL inside the record.")
def rh_dirent_name_without_nul(adv: Adversary) -> None:
    """1. The program reads the directory "/" with getdents64() into its scratch area
    (which holds copies of the secret), walks the records by d_reclen and logs each d_name
    up to its NUL.
    2. Serve the call as getpid() and write one 32-byte record, d_reclen 32, whose 13-byte name "abcdefghijklm" has no
    NUL, and answer 32 (every byte reported was written).
    3. The program's strlen() runs on past the count into the secret's copies behind it,
    and the name it logs carries them."""
    nr = NUMBERS["getdents64"]

    @adv.on(Point.MARKER, phase=P_DENTS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["dents"] = args[0]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_DENTS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_DENTS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.kernel.uaccess.write(a.memo["dents"], DIRENT_HEAD.pack(1, 1, 32, 4) + b"abcdefghijklm")
        a.set_reg("x0", 32)
        a.note("getdents64 answered 32: one record, its name without a NUL")


# --- RH-030..RH-031: more name lists whose last name has no NUL inside the count -----------


def _serve_records(adv: Adversary, nr: int, phase: int, payload: bytes,
                   as_getpid: bool = True) -> None:
    """Serve call `nr` after marker `phase` as getpid(), write `payload` at the buffer the
    marker announced and answer its length (every byte reported was written)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["records"] = args[0]

    if as_getpid:
        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.kernel.uaccess.write(a.memo["records"], payload)
        a.set_reg("x0", len(payload))
        a.note(f"call {nr} answered {len(payload)}: its last name without a NUL")


XATTR_NAME = b"user.abcdefghijklmnopqrstuvwxyz0"           # 32 bytes, no NUL
INOTIFY_HEAD = struct.Struct("<iIII")                       # wd, mask, cookie, len
IN_CREATE = 0x100


@scenario(id="RH-030", title="Answer flistxattr() with a name list whose name has no NUL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=COMMANDS,
          prop="flistxattr()'s list is names each ended by a NUL inside the count it reports.")
def rh_xattr_list_without_nul(adv: Adversary) -> None:
    """1. The program lists /dev/null's extended attributes with flistxattr() into 64 bytes
    of its scratch area (which holds copies of the secret) and logs each name up to its
    NUL.
    2. Serve the call (the kernel model's /dev/null has no attributes), then write one
    32-byte name with no NUL and answer 32.
    3. strlen() runs past the count into the secret's copy behind it; the name logged
    carries it."""
    _serve_records(adv, NUMBERS["flistxattr"], P_XLIST, XATTR_NAME, as_getpid=False)


@scenario(id="RH-031", title="Answer an inotify read with an event whose name has no NUL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=COMMANDS,
          prop="An inotify read reports whole events: each name NUL-padded inside its len, "
               "every event inside the count.")
def rh_inotify_name_without_nul(adv: Adversary) -> None:
    """1. The program makes an inotify descriptor, watches "/" and reads events from it
    into 256 bytes of its scratch area (which holds copies of the secret), walks them by
    their len and logs each event's name up to its NUL.
    2. Serve inotify_init1() with a new descriptor (an eventfd of the kernel's: the
    kernel model has no inotify, Linux would give one), then serve the read as getpid(),
    write one IN_CREATE event with len 16 and a 16-byte name without a NUL, and answer 32.
    3. strlen() runs past the count into the secret's copy behind it; the name logged
    carries it."""
    nr_init = NUMBERS["inotify_init1"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr_init, during=P_XLIST + 1)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NUMBERS["eventfd2"])

    @adv.on(Point.SYSCALL_EXIT, nr=nr_init, during=P_XLIST + 1)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr_init)
        a.note(f"inotify_init1() answered with descriptor {a.reg('x0')}")

    _serve_records(adv, NUMBERS["read"], P_INOTIFY,
                   INOTIFY_HEAD.pack(1, IN_CREATE, 0, 16) + b"abcdefghijklmnop")


# --- RH-032..RH-033: a prctl option and a call the output contract leaves out --------------

_unfilled(id="RH-032", call="prctl", what="PR_GET_SHADOW_STACK_STATUS", size=8,
          phase=P_GCSSTATUS)
_unfilled(id="RH-033", call="quotactl_fd", what="Q_GETQUOTA", size=72, phase=P_QUOTAFD)


# --- RH-034..RH-035: /dev/urandom's bytes moved through a pipe ---------------------------

KNOWN_BYTES = bytes(range(0x61, 0x61 + 32))     # the "random" bytes the kernel picks
NR_OPENAT = NUMBERS["openat"]


def _urandom_moved(*, id: str, how: str, what: str, gap: str = "",  # noqa: A002
                   nth: int = 1, silent: str = "the Guardian serves reads of the entropy "
                                                "device from its own entropy: nothing to "
                                                "refuse") -> None:
    """Register one scenario: /dev/urandom served with known bytes, moved by `how`; the
    descriptor replaced is the one the program's `nth` openat() returns."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=0, once=False)
        def _(a: Adversary, **_: object) -> None:
            a.memo["opens"] = a.memo.get("opens", 0) + 1
            if a.memo["opens"] != nth:
                return
            fd = a.reg("x0")
            fds = a.init.fds
            fds.close(fd)
            fds.install(RandomFile(0, "/dev/urandom", lambda n: KNOWN_BYTES[:n]), lowest=fd)
            a.observe(KNOWN_BYTES, "the bytes the kernel served as /dev/urandom")

    doc = (f"1. The program opens /dev/urandom and takes its 32-byte secret from it "
                     f"{what} (instead of getrandom()).\n"
                     f"2. When openat() returns the descriptor, put a random device of the "
                     f"kernel's own behind it whose source is 32 bytes the kernel chose.\n"
                     f"3. The program's secret is those bytes.")
    scenario(id=id, title=f"Serve /dev/urandom with bytes the kernel chose, moved by {how}",
             family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",), program=COMMANDS, gap=gap,
             args=(b"-s", how.encode()),
             silent=silent,
             prop="Entropy a confidential program takes from /dev/urandom is not known to "
                  f"the kernel, however it moves the bytes ({what}).")(documented(steps, doc))


# Moved inside the kernel, the bytes never pass a buffer the Guardian could serve: the move
# itself is refused, in every run (the program's own request, attacked or not).
_MOVE_REFUSED = ("the Guardian refuses the program's own {how}() out of /dev/urandom in every "
                 "run, attacked or not (decision return.urandom_moved, in the run with no "
                 "adversary too): the kernel's bytes never reach it")
_urandom_moved(id="RH-034", how="splice", what="by splice() into a pipe and read() from it",
               silent=_MOVE_REFUSED.format(how="splice"))
_urandom_moved(id="RH-035", how="sendfile", what="by sendfile() into a pipe and read() from it",
               silent=_MOVE_REFUSED.format(how="sendfile"))


# --- RH-036..RH-038: /dev/urandom by other names ----------------------------------------------

_urandom_moved(id="RH-036", how="dirfd", what='opened as "urandom" relative to a descriptor of '
                                            '/dev, then read()', nth=2)
_urandom_moved(id="RH-037", how="chdir", what='opened as "urandom" after chdir("/dev"), then '
                                            'read()')
_urandom_moved(id="RH-038", how="reopen", what="reopened through /proc/self/fd/N of a "
                                             "/dev/urandom descriptor, then read()", nth=2)


# --- RH-039: a CPU number the machine does not have -----------------------------------------

NR_SLOTS = 8                    # secret_commands' per-CPU slots (more than the machine's CPUs)


@scenario(id="RH-039", title="Answer getcpu() with a CPU number past the machine's CPUs",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=COMMANDS,
          prop="getcpu() names a CPU of the machine: a number below its count of CPUs, as "
               "Linux's contract (cpu < nr_cpu_ids) says.")
def rh_getcpu_past_the_cpus(adv: Adversary) -> None:
    """1. The program keeps per-CPU statistics in 8 slots of 32 bytes (more than the
    machine has CPUs), its session key (a copy of the secret) right behind them; it asks
    getcpu() which CPU it runs on and logs that CPU's slot to /dev/null.
    2. Serve the call and write 8 as the CPU number (the machine has fewer CPUs).
    3. The slot the program logs is its session key."""
    nr = NUMBERS["getcpu"]

    @adv.on(Point.MARKER, phase=P_GETCPU)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["cpu"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_GETCPU)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["cpu"], NR_SLOTS.to_bytes(4, "little"))
        a.set_reg("x0", 0)
        a.note(f"getcpu() answered CPU {NR_SLOTS}")


@scenario(id="RH-040", title="Register the program's rseq area with a cpu_id past the machine's "
                             "CPUs",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=COMMANDS,
          prop="The cpu_id an rseq area holds names a CPU of the machine, as getcpu()'s does.")
def rh_rseq_cpu_past_the_cpus(adv: Adversary) -> None:
    """1. The program registers an rseq area, reads the CPU it runs on from the area's
    cpu_id and logs that CPU's 32-byte statistics slot (8 slots, its session key - a copy
    of the secret - right behind them).
    2. Serve the registration and write 8 as cpu_id_start and cpu_id (the machine has
    fewer CPUs).
    3. The slot the program logs is its session key."""
    nr = NUMBERS["rseq"]

    @adv.on(Point.MARKER, phase=P_RSEQCPU)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["area"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RSEQCPU)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["area"], struct.pack("<II", NR_SLOTS, NR_SLOTS))
        a.set_reg("x0", 0)
        a.note(f"rseq area registered with cpu_id {NR_SLOTS}")


_retired_cookie(id="RH-041", how="close() of the epoll instance and a new instance (the same "
                                 "descriptor number)", phase=P_EPNEW)
