"""Red-team round sixteen: descriptors that go a less common way, and a child's exit told
other ways than wait4.

The Guardian retires an epoll registration when the file it watches is released.  Besides
close(), dup3() over it and a reaped fork child, Linux releases a descriptor through
close_range() (with or without CLOSE_RANGE_UNSHARE), through a close in another process
sharing the table (CLONE_FILES), at execve() for each descriptor marked close-on-exec,
whichever way the mark was set (ioctl FIOCLEX, fcntl F_SETFD, close_range's
CLOSE_RANGE_CLOEXEC, dup3's O_CLOEXEC, fcntl F_DUPFD_CLOEXEC, or the creating call's own
flag: EFD_CLOEXEC, TFD_CLOEXEC, SFD_CLOEXEC, O_CLOEXEC of pipe2, SOCK_CLOEXEC, EPOLL_CLOEXEC,
a pidfd), and at a fork child's execve() or in the image it runs.  These scenarios release
the watched file one of those ways, let the program reuse the registered record's memory
for a copy of the secret, then report the retired registration's data.  A second group
asks whether the status of a child that called exit_group(7) holds wherever the program
reads it (wait4 for an exec'd child, waitid, SIGCHLD through rt_sigtimedwait, a signalfd
or an SA_SIGINFO handler), and whether ppoll and a new memfd's page keep their contracts.
The victim is `secret_r16_fds` (workloads/src/secret_r16_fds.c).  Each scenario holds only
the kernel's powers (its dispatch, scheduler and signal queue, the result it returns, the
user access the call being served grants, its own records of files).  Where an attack
still gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import program_markers
from attacks.runner import Outcome
from attacks.scenario import Goal, documented, scenario, steps_doc
from kernel_model.signals import pack_siginfo

RT = "rt16"
FDS = "secret_r16_fds"
P_CR_ONE, P_CR_OPEN_END, P_CR_UNSHARE, P_FILES_CHILD = 700, 702, 704, 706
P_EXEC_BEFORE, P_EXEC_AFTER, P_RENEW_BEFORE, P_RENEW_AFTER = 708, 710, 712, 714
P_VFORK_EXEC, P_VFORK_EXEC_CHILD, P_VFORK_CLOSE, P_POLL_SLOTS = 716, 718, 720, 722
P_VFORK_IMAGE_CLOSE, P_EXEC_STATUS, P_EXEC_WAITID, P_FORK_WAITID = 724, 726, 728, 730
P_SIGCHLD_WAIT, P_SIGCHLD_FD, P_MEMFD_OTHER, P_SIGCHLD_HANDLER = 732, 734, 736, 738
P_EXEC_REAPED = 740
EPOLL_EVENT = struct.Struct("<IIQ")      # struct epoll_event on arm64: 16 bytes
EPOLLOUT = 0x004
POLLOUT, POLLERR, POLLHUP, POLLNVAL = 0x004, 0x008, 0x010, 0x020
POLLFD = struct.Struct("<ihh")           # struct pollfd: fd, events, revents
EXEC_STEP = b"-e"                        # secret_r16_fds' switch: step 5 (the exec) alone
RENEW_STEP = b"-E"                       # its switch for step 6 (the instance renewed)
THREAD_EXEC_STEP = b"-T"                 # step 5 with a second thread calling execve()
VFORK_STEP = b"-V"                       # its switch for step 7 (a vfork child's exec)
RECORD = 16                              # secret_r16_fds' connection records
RULES = ("G-IAGO-COOKIE",)


def _report(adv: Adversary, phase: int, record: int = 0) -> None:
    """Answer the epoll_pwait2() after marker `phase` with one EPOLLOUT event carrying
    the retired record's pointer (the `record`-th of those the marker names)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["events"], a.memo["retired"] = args[0], args[1] + RECORD * record

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait2"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"],
                               EPOLL_EVENT.pack(EPOLLOUT, 0, a.memo["retired"]))
        a.set_reg("x0", 1)
        a.note(f"the retired record {a.memo['retired']:#x} reported")


@scenario(id="RC-001", title="close_range() the registered eventfd, then report its "
                             "registration",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS,
          prop="close_range(fd, fd, 0) releases the descriptor as close() does: an epoll "
               "registration whose file's only descriptor it closed is never reported "
               "again.")
def rc_close_range_one(adv: Adversary) -> None:
    """1. The program (secret_r16_fds, step 1) registers an eventfd with epoll (its data a
    pointer to a connection record), closes it with close_range(efd, efd, 0), reuses the
    record's memory for a copy of the secret and registers a second record.
    2. Serve everything honestly.
    3. Answer epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer: the program logs its 16 bytes, the secret."""
    _report(adv, P_CR_ONE)


@scenario(id="RC-002", title="close_range() to the end of the table, then report the "
                             "registration of a descriptor it closed",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS,
          prop="close_range(first, ~0U, 0) closes every descriptor from first on: an epoll "
               "registration of a file whose descriptor lay in that range is never "
               "reported again.")
def rc_close_range_open_end(adv: Adversary) -> None:
    """1. As RC-001 (step 2), but the eventfd (the highest descriptor open) is closed with
    close_range(efd, ~0U, 0).
    2. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _report(adv, P_CR_OPEN_END)


@scenario(id="RC-003", title="close_range(CLOSE_RANGE_UNSHARE) the registered eventfd, then "
                             "report its registration",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS,
          prop="close_range with CLOSE_RANGE_UNSHARE closes the range in the caller's own "
               "(unshared) table: with no other holder the file is released and its "
               "registration never reported again.")
def rc_close_range_unshare(adv: Adversary) -> None:
    """1. As RC-001 (step 3), but the eventfd is closed with close_range(efd, efd,
    CLOSE_RANGE_UNSHARE) (the table is not shared with anyone, so the close is the
    program's own).
    2. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _report(adv, P_CR_UNSHARE)


@scenario(id="RC-004", title="A CLONE_FILES child closes the registered eventfd, then "
                             "report its registration",
          family=RT, goal=Goal.LEAK, rules=RULES + ("G-WAIT-REAPED",), program=FDS,
          prop="A close in a process that shares the descriptor table (CLONE_FILES) closes "
               "the descriptor for every sharer: the registration of a file whose only "
               "descriptor it closed is never reported again.")
def rc_files_child(adv: Adversary) -> None:
    """1. The program (step 4) registers an eventfd with epoll, makes a child with
    clone(CLONE_FILES | SIGCHLD) that closes the eventfd in the shared table and exits,
    reaps it, then reuses the record's memory for a copy of the secret and registers a
    second record.
    2. Serve everything honestly (the child's close() is real, its exit leaves the shared
    table to the parent).
    3. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _report(adv, P_FILES_CHILD)


# Step 5: eighteen descriptors registered on one epoll instance that survives the exec, each
# made close-on-exec its own way; after the exec the same image holds the secret in all
# eighteen records (same static addresses) and waits on the inherited instance.
_EXEC_WAYS = (
    ("ioctl(FIOCLEX)", "ioctl(efd, FIOCLEX)"),
    ("fcntl(F_SETFD)", "fcntl(efd, F_SETFD, FD_CLOEXEC)"),
    ("EFD_CLOEXEC", "eventfd2(0, EFD_CLOEXEC) at creation"),
    ("close_range(CLOSE_RANGE_CLOEXEC)", "close_range(efd, efd, CLOSE_RANGE_CLOEXEC)"),
    ("dup3(O_CLOEXEC)", "dup3(efd, 40, O_CLOEXEC), the original closed"),
    ("fcntl(F_DUPFD_CLOEXEC)", "fcntl(efd, F_DUPFD_CLOEXEC, 50), the original closed"),
    ("TFD_CLOEXEC", "timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) (a timerfd, not an eventfd)"),
    ("SFD_CLOEXEC", "signalfd4(-1, {SIGUSR2}, 8, SFD_CLOEXEC) (a signalfd)"),
    ("pipe2(O_CLOEXEC)", "pipe2(O_CLOEXEC) (the pipe's write end is the one registered)"),
    ("socketpair(SOCK_CLOEXEC)", "socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC) (its first "
                                 "end registered)"),
    ("socket(SOCK_CLOEXEC)", "socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC)"),
    ("EPOLL_CLOEXEC", "epoll_create1(EPOLL_CLOEXEC) (a nested epoll instance)"),
    ("pidfd_open()", "pidfd_open(getpid(), 0) (a pidfd is always close-on-exec)"),
    ("fcntl(F_SETFD, FD_CLOEXEC | 2)", "fcntl(efd, F_SETFD, 3) (Linux takes bit 0, FD_CLOEXEC)"),
    ("close_range(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)",
     "close_range(efd, efd, CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)"),
    ("close_range(efd, ~0U, CLOSE_RANGE_CLOEXEC)",
     "close_range(efd, ~0U, CLOSE_RANGE_CLOEXEC) (efd the highest descriptor open)"),
    ("accept4(SOCK_CLOEXEC)", "accept4(SOCK_CLOEXEC) of a connection to an AF_UNIX listener"),
    ("openat(O_CLOEXEC)", "openat(\"/dev/random\", O_RDONLY | O_CLOEXEC) (a device Linux polls)"),
)


def _exec_scenario(index: int, way: str, how: str) -> None:
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=P_EXEC_BEFORE)
        def _(a: Adversary, **_: object) -> None:
            a.note("the program is about to exec itself with its registrations")

        _report(adv, P_EXEC_AFTER, index)

    doc = steps_doc(
        f"1. The program (secret_r16_fds, step 5) registers eighteen descriptors with an epoll "
        f"instance it keeps across an exec, each with a pointer to its own connection "
        f"record; record {index}'s descriptor is made close-on-exec by {how}.",
        "2. Serve its execve() of itself honestly: Linux closes the eighteen descriptors (and drops "
        "their registrations); the new image places a new secret, copies it into the eighteen "
        "records (the same static addresses) and registers a record of its own on the "
        "inherited instance.",
        f"3. Answer its epoll_pwait2() with one EPOLLOUT event carrying record {index}'s "
        "pointer (a registration made before the exec): the program logs the secret.")
    # RC-021..028 were taken when records 16 and 17 came
    scenario(id=f"RC-{5 + index:03d}" if index < 16 else ("RC-029", "RC-039")[index - 16],
             title=f"Report after exec the registration of a descriptor closed at the exec "
                   f"by {way}",
             family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(EXEC_STEP,),
             silent="where the exec'd image never runs (the predecessor design refuses a "
                    "confidential execve) there is no wait to answer",
             prop=f"A descriptor marked close-on-exec by {way} is closed by execve(): the "
                  "registration of a file it alone held is never reported to the new "
                  "image.")(documented(steps, doc))


for _i, (_way, _how) in enumerate(_EXEC_WAYS):
    _exec_scenario(_i, _way, _how)


@scenario(id="RC-021", title="Exec drops a close-on-exec epoll instance; report its registration "
                             "on the new instance that takes its number",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(RENEW_STEP,),
          silent="where the exec'd image never runs (the predecessor design refuses a "
                 "confidential execve) there is no wait to answer; with the Guardian on the "
                 "honest run already stops at the new instance (return.fd_fresh takes the "
                 "EPOLL_CLOEXEC instance as still open after the exec)",
          prop="An epoll instance made with EPOLL_CLOEXEC goes at execve() with all its "
               "registrations: a new instance the new image makes (at the same number) "
               "reports only what the new image registered.")
def rc_epoll_renewed(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -E, step 6) makes an epoll instance with
    EPOLL_CLOEXEC, registers an eventfd (not close-on-exec) with a pointer to a record,
    and runs itself again through execve().
    2. Serve the exec honestly (the instance closes; the eventfd stays open): the new image
    makes a new epoll instance first (the lowest free descriptor, the old one's number),
    places the secret, copies it into the old record and registers a record of its own.
    3. Answer its epoll_pwait2() with one EPOLLOUT event carrying the old record's
    pointer: the program logs the secret."""
    @adv.on(Point.MARKER, phase=P_RENEW_BEFORE)
    def _(a: Adversary, **_: object) -> None:
        a.note("the program is about to exec itself with a close-on-exec epoll instance")

    _report(adv, P_RENEW_AFTER)


def _vfork_exec(*, id: str, phase: int, who: str) -> None:  # noqa: A002
    def steps(adv: Adversary) -> None:
        _report(adv, phase)

    doc = steps_doc(
        f"1. The program (secret_r16_fds -V, step 7) registers an eventfd with epoll (its "
        f"data a pointer to a record), marks it close-on-exec with ioctl(FIOCLEX) ({who}), "
        "and makes a vfork() child that runs the program again through execve() (an image "
        "that writes a byte down a pipe, then waits until it is killed).",
        "2. Serve the exec honestly: it closes the child's copy of the eventfd; the parent "
        "reads the new image's byte (so the exec is done), closes its own copy (the file's "
        "last descriptor), reuses the record's memory for a copy of the secret and "
        "registers a second record.",
        "3. Answer its epoll_pwait2() with one EPOLLOUT event carrying the retired record's "
        "pointer (the child, still alive, held the file until its exec): the program logs "
        "the secret.")
    scenario(id=id, title=f"A vfork child's exec drops a close-on-exec copy ({who}); report "
                          "the registration after the parent closes its own",
             family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(VFORK_STEP,),
             silent="where the exec'd image never runs (the predecessor design refuses a "
                    "confidential execve) the child still holds the file",
             prop="A fork child's execve() closes its close-on-exec descriptors: once the "
                  "parent closes its own copy too, the file is released and its "
                  "registration never reported again, though the child lives on.")(
                      documented(steps, doc))


_vfork_exec(id="RC-022", phase=P_VFORK_EXEC, who="set by the parent before the vfork")
_vfork_exec(id="RC-023", phase=P_VFORK_EXEC_CHILD, who="set by the vfork child itself")


@scenario(id="RC-024", title="A vfork child closes its copy and execs; report the registration "
                             "after the parent closes its own",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(VFORK_STEP,),
          silent="where the exec'd image never runs (the predecessor design refuses a "
                 "confidential execve) the child exits instead",
          prop="A close() in a fork child closes the child's copy: once the parent closes its "
               "own too, the file is released and its registration never reported again, "
               "though the child lives on.")
def rc_vfork_child_closes(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -V, step 7's last part) registers an eventfd with
    epoll (not close-on-exec) and makes a vfork() child that closes its copy with close()
    and runs the program again through execve() (an image that writes a byte down a pipe,
    then waits until it is killed).
    2. Serve everything honestly: the parent reads the new image's byte, closes its own
    copy (the file's last descriptor), reuses the record's memory for a copy of the secret
    and registers a second record.
    3. Answer its epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer: the program logs the secret."""
    _report(adv, P_VFORK_CLOSE)


def _poll_slots(*, id: str, result: int, slot0: int, slot1: int, what: str) -> None:  # noqa: A002
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=P_POLL_SLOTS)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            a.memo["slots"] = args[0]

        nr = NUMBERS["ppoll"]

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_POLL_SLOTS)
        def _(a: Adversary, **_: object) -> None:
            slots = a.memo["slots"]
            efd = POLLFD.unpack(a.kernel.uaccess.read(slots, POLLFD.size))[0]
            a.kernel.uaccess.write(slots, POLLFD.pack(efd, POLLOUT, slot0)
                                   + POLLFD.pack(-1, 0, slot1))
            a.set_reg("x0", result)
            a.note(f"ppoll answered {result}, revents {slot0:#x} and {slot1:#x} (fd -1)")

    doc = steps_doc(
        "1. The program (secret_r16_fds, step 8) polls two connection slots with ppoll(): "
        "slot 0 an eventfd for POLLOUT, slot 1 freed (fd -1, events 0) and its record's "
        "memory reused for a copy of the secret; it logs the record of each slot whose "
        "revents is not zero.",
        f"2. Answer ppoll() {result} with {what}: the program logs slot 1's record, the "
        "secret.")
    scenario(id=id, title=f"Answer ppoll() with {what}",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=FDS,
             prop="ppoll() reports nothing for a pollfd whose fd is negative (its revents "
                  "is 0), and its result counts the entries whose revents is not 0.")(
                      documented(steps, doc))


_poll_slots(id="RC-025", result=1, slot0=0, slot1=POLLHUP,
            what="POLLHUP on the freed slot (fd -1)")
_poll_slots(id="RC-026", result=0, slot0=0, slot1=POLLHUP,
            what="0 but POLLHUP in the freed slot's revents")
_poll_slots(id="RC-027", result=1, slot0=0, slot1=POLLNVAL,
            what="POLLNVAL on the freed slot (fd -1)")
_poll_slots(id="RC-028", result=2, slot0=POLLOUT, slot1=POLLERR,
            what="POLLOUT on the eventfd and POLLERR on the freed slot (fd -1)")


@scenario(id="RC-030", title="A vfork child's new image closes the descriptor it inherited; "
                             "report the registration after the parent closes its own",
          family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(VFORK_STEP,),
          silent="where the exec'd image never runs (the predecessor design refuses a "
                 "confidential execve) the child exits instead",
          prop="A descriptor a fork child's exec'd image inherited is the same open file: "
               "once that image and the parent have both closed theirs, the file is "
               "released and its registration never reported again.")
def rc_vfork_image_closes(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -V, step 7's last part) registers an eventfd with
    epoll (not close-on-exec) and makes a vfork() child that runs the program again
    through execve() with "-c M": the new image closes the eventfd it inherited (M), then
    writes a byte down a pipe and waits until it is killed.
    2. Serve everything honestly: the parent reads that byte, closes its own copy (the
    file's last descriptor), reuses the record's memory for a copy of the secret and
    registers a second record.
    3. Answer its epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer: the program logs the secret."""
    _report(adv, P_VFORK_IMAGE_CLOSE)


EXITED_7 = 7 << 8                        # the wait status of a child that called exit_group(7)


def _status_forged(out: Outcome) -> list[str]:
    return [f"the program took wait status {m.args[0]:#x} for its exec'd child, which exited "
            "with status 7"
            for m in program_markers(out, P_EXEC_STATUS + 1) if m.args[0] != EXITED_7][:1]


@scenario(id="RC-031", title="Report a vfork child's exec'd image, which exited 7, as exited 0",
          family=RT, goal=Goal.TAMPER, rules=("G-WAIT-STATUS",), program=FDS,
          args=(VFORK_STEP,), oracle=_status_forged,
          silent="where the exec'd image never runs (the predecessor design refuses a "
                 "confidential execve) the child exits 127 instead",
          prop="The status wait4 reports for a fork child whose exec'd image called "
               "exit_group(7) says it exited with 7.")
def rc_exec_child_status(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -V, step 9) makes a vfork() child that runs the
    program through execve() with "-q": that image calls exit_group(7) at once; the parent
    reaps it with wait4() and acts on the status.
    2. Serve everything honestly, then rewrite wait4()'s status as 0 (exited, code 0) before
    the parent runs again: the parent takes the job for a success."""
    nr = NUMBERS["wait4"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_EXEC_STATUS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["status"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_EXEC_STATUS)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["status"], 0)
        a.note("wait4's status for the exec'd child rewritten as 0")


CLD_EXITED = 1
SI_STATUS = 24                           # siginfo_t's si_status offset (after si_pid, si_uid)


def _waitid_forged(phase: int, source: str = "waitid's") -> Callable[[Outcome], list[str]]:
    def oracle(out: Outcome) -> list[str]:
        return [f"the program took {source} code {m.args[0]}, status {m.args[1]} for "
                "a child that exited with status 7"
                for m in program_markers(out, phase + 1)
                if (m.args[0], m.args[1]) != (CLD_EXITED, 7)][:1]
    return oracle


def _waitid_status(*, id: str, phase: int, who: str, gap: str = "") -> None:  # noqa: A002
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            a.memo["info"] = args[0]

        # Not once: the parent's waitid() may block first (the child has not exited yet).
        @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["waitid"], during=phase, once=False)
        def _(a: Adversary, **_: object) -> None:
            if a.memo.get("done") or a.reg("x0") != 0:
                return
            a.memo["done"] = True
            a.kernel.uaccess.write_u32(a.memo["info"] + SI_STATUS, 0)
            a.note("waitid's si_status rewritten as 0")

    doc = steps_doc(
        f"1. The program (secret_r16_fds -V, step 9) makes {who} that exits with status 7; "
        "the parent reaps it with waitid(P_PID, WEXITED) and acts on si_code and "
        "si_status.",
        "2. Serve everything honestly, then rewrite si_status as 0 before the parent runs "
        "again: the parent takes the job for a success.")
    scenario(id=id, title=f"Report {who}, which exited 7, as exited 0 through waitid()",
             family=RT, goal=Goal.TAMPER, rules=("G-WAIT-STATUS",), program=FDS,
             args=(VFORK_STEP,), oracle=_waitid_forged(phase), gap=gap,
             silent="where the exec'd image never runs (the predecessor design refuses a "
                    "confidential execve) the child exits 127 instead",
             prop="The status waitid reports (CLD_EXITED, si_status) for a fork child that "
                  "called exit_group(7) says it exited with 7.")(documented(steps, doc))


_waitid_status(id="RC-032", phase=P_EXEC_WAITID,
               who="a vfork child whose exec'd image")
_waitid_status(id="RC-033", phase=P_FORK_WAITID, who="a fork child (no exec)")


SSI_STATUS = 40                          # struct signalfd_siginfo's ssi_status offset


def _sigchld_status(*, id: str, phase: int, call: str, offset: int, size: int,  # noqa: A002
                    gap: str = "") -> None:
    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            a.memo["info"] = args[0]

        # Not once: the call may block first (the child has not exited yet).
        @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS[call], during=phase, once=False)
        def _(a: Adversary, **_: object) -> None:
            if a.memo.get("done") or a.reg("x0") != size:
                return
            a.memo["done"] = True
            a.kernel.uaccess.write_u32(a.memo["info"] + offset, 0)
            a.note(f"{call}'s SIGCHLD status rewritten as 0")

    what = "rt_sigtimedwait()" if call == "rt_sigtimedwait" else "a signalfd read()"
    doc = steps_doc(
        "1. The program (secret_r16_fds -V, step 10) blocks SIGCHLD and makes a vfork() "
        f"child that exits with status 7; it takes the SIGCHLD with {what} and acts on its code and "
        "status (CLD_EXITED, 7), then reaps the child.",
        "2. Serve everything honestly, then rewrite the status in the record as 0 before the "
        "parent runs again: the parent takes the job for a success.")
    scenario(id=id, title=f"Report a vfork child that exited 7 as exited 0 in the SIGCHLD "
                          f"{what} gives",
             family=RT, goal=Goal.TAMPER, rules=("G-WAIT-STATUS",), program=FDS,
             args=(VFORK_STEP,), oracle=_waitid_forged(phase, f"the SIGCHLD {what} gave:"),
             gap=gap,
             prop="The SIGCHLD a fork child's exit_group(7) raises says CLD_EXITED with "
                  "status 7, wherever the program takes it.")(documented(steps, doc))


_sigchld_status(id="RC-034", phase=P_SIGCHLD_WAIT, call="rt_sigtimedwait",
                offset=SI_STATUS, size=17)
_sigchld_status(id="RC-035", phase=P_SIGCHLD_FD, call="read", offset=SSI_STATUS, size=128)


@scenario(id="RC-036", title="Serve a new memfd's page with the page another open memfd holds",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=FDS,
          prop="A memfd's pages are its own: a new memfd's page reads as zeros, never as the "
               "page another memfd of the program holds.")
def rc_memfd_other(adv: Adversary) -> None:
    """1. The program (secret_r16_fds, step 11) fills memfd A's page (mapped MAP_SHARED)
    with a copy of the secret and unmaps it, A still open (the Guardian holds the frame
    for A); it then maps a new memfd B MAP_SHARED and writes out its 64-byte header.
    2. Before B's mmap, make B's page cache A's: the kernel's record of B's pages is A's
    (without a Guardian: B's file holds A's bytes).
    3. B's fault maps A's held frame: the program writes out the secret."""
    @adv.on(Point.MARKER, phase=P_MEMFD_OTHER)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        fa, fb = a.init.fds.get(args[0]), a.init.fds.get(args[1])
        if not a.guarded or fa.memfd_pages is None or fa.memfd_pages.pages is None:
            fb.pwrite(fa.pread(4096, 0), 0)
            a.note("memfd B's file given A's bytes")
            return
        fb.memfd_pages = fa.memfd_pages
        a.note("memfd B's page cache is A's (its held frame)")


SIGCHLD = 17


@scenario(id="RC-037", title="Deliver a child's SIGCHLD to its SA_SIGINFO handler as exited 0, "
                             "the child having exited 7",
          family=RT, goal=Goal.TAMPER, rules=("G-WAIT-STATUS",), program=FDS,
          args=(VFORK_STEP,), oracle=_waitid_forged(P_SIGCHLD_HANDLER, "the SIGCHLD handler's"),
          prop="The siginfo a SIGCHLD handler receives for a fork child's exit_group(7) says "
               "CLD_EXITED with status 7.")
def rc_sigchld_handler(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -V, step 12) installs a SIGCHLD handler with
    SA_SIGINFO that notes si_code and si_status, makes a vfork() child that exits with
    status 7 and reaps it; it acts on what the handler noted.
    2. When the parent's vfork returns (the SIGCHLD is pending), replace the queued siginfo
    with one saying CLD_EXITED, status 0, the child's pid: the handler notes a success."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_SIGCHLD_HANDLER)
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        a.init.pending.discard(SIGCHLD)
        a.init.pending.add(SIGCHLD, pack_siginfo(SIGCHLD, CLD_EXITED, pid=child, status=0))
        a.note(f"the SIGCHLD queued for child {child} says exited 0")


@scenario(id="RC-038", title="Report the registration of a file whose other copy went with an "
                             "exec'd child that was reaped",
          family=RT, goal=Goal.LEAK, rules=RULES + ("G-WAIT-REAPED",), program=FDS,
          args=(VFORK_STEP,),
          silent="where the exec'd image never runs (the predecessor design refuses a "
                 "confidential execve) the child exits 127 instead",
          prop="A fork child wait4 reported reaped holds no descriptor, whether or not it "
               "exec'd: once the parent closes its own copy, the file is released and its "
               "registration never reported again.")
def rc_exec_child_reaped(adv: Adversary) -> None:
    """1. The program (secret_r16_fds -V, step 13) registers an eventfd with epoll (not
    close-on-exec) and makes a vfork() child that runs the program through execve() with
    "-q" (the image exits 7 at once, its inherited eventfd with it); the parent reaps it
    with wait4(), closes its own copy (the last), reuses the record's memory for a copy of
    the secret and registers a second record.
    2. Serve everything honestly.
    3. Answer its epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer: the program logs the secret."""
    _report(adv, P_EXEC_REAPED)


def _thread_exec(*, id: str, index: int) -> None:  # noqa: A002
    way, how = _EXEC_WAYS[index]

    def steps(adv: Adversary) -> None:
        @adv.on(Point.MARKER, phase=P_EXEC_BEFORE)
        def _(a: Adversary, **_: object) -> None:
            a.note("a second thread of the program is about to exec it")

        _report(adv, P_EXEC_AFTER, index)

    doc = steps_doc(
        "1. As step 5 (secret_r16_fds -T): the program registers eighteen descriptors, each "
        f"made close-on-exec another way (record {index}'s by {how}), but a second thread "
        "of the program makes the execve() call (Linux ends the main thread first).",
        "2. Serve the exec honestly: the close-on-exec descriptors go; the new image puts "
        "the secret in the records and registers its own on the inherited instance.",
        f"3. Answer its epoll_pwait2() with one EPOLLOUT event carrying record {index}'s "
        "pointer: the program logs the secret.")
    scenario(id=id, title=f"Report after a second thread's exec the registration of a "
                          f"descriptor closed at the exec by {way}",
             family=RT, goal=Goal.LEAK, rules=RULES, program=FDS, args=(THREAD_EXEC_STEP,),
             silent="where the exec'd image never runs (the predecessor design refuses a "
                    "confidential execve) there is no wait to answer",
             prop=f"execve() closes the descriptors marked close-on-exec (here by {way}) "
                  "whichever thread calls it: their registrations never reach the new "
                  "image.")(documented(steps, doc))


_thread_exec(id="RC-040", index=0)
_thread_exec(id="RC-041", index=4)
