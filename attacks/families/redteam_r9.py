"""Red-team round nine: results a program takes as a length, a count, a filled structure,
a string, a cookie or a descriptor's identity, and entropy read by other means.

The scenarios attack `secret_lengths` (workloads/src/secret_lengths.c): the secret kept as
in `secret`, then, over a scratch area that held copies of the secret and each followed by
a write() of what the call reported: value-result lengths (getsockname, recvfrom's
addrlen, recvmsg's msg_controllen, recvmmsg's msg_len), counts (epoll_pwait, fgetxattr,
getgroups, epoll_pwait2, flistxattr, vmsplice, process_vm_readv, msgrcv), 26 calls that
fill a structure answered with nothing (or part of it) written, waits that fill a siginfo
or rusage, strings returned without their NUL (getcwd, uname), an epoll event loop that
calls the handler an event's cookie names, a signalfd read dispatched on ssi_signo and a
MREMAP_DONTUNMAP old range taken for a fresh buffer; its own admitted file mapped after
close_range(CLOSE_RANGE_CLOEXEC / CLOSE_RANGE_UNSHARE), unshare(CLONE_FILES), dup3() to
a number of its choice, fcntl(F_DUPFD) and through a descriptor a CLONE_FILES child
opened; and, behind its switches, the secret drawn from an entropy device by other names
and other reads (-r DEV -m HOW) or from getrandom() with flags (-g N).  Its markers
(phases 160 and up) are mirrored by the P_* constants here.
Each scenario holds only the kernel's powers (its EL1 face, its own syscall dispatch and
file descriptors, the user-access capabilities a call grants).  Where an attack still gets
through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import (
    NO_FD,
    NR_MMAP,
    admitted_file_as_zero_page,
    answer,
    file_as_zero_page,
    keep_marker_arg,
    known_random_behind,
    program_markers,
    serve_as_getpid,
    write_back,
)
from attacks.runner import Outcome
from attacks.scenario import Goal, documented, scenario

RT = "rt9"
RESULTS = "secret_lengths"
NR_GETSOCKNAME = NUMBERS["getsockname"]
NR_RECVFROM = NUMBERS["recvfrom"]
NR_RECVMSG = NUMBERS["recvmsg"]
NR_EPOLL_PWAIT = NUMBERS["epoll_pwait"]
NR_FGETXATTR = NUMBERS["fgetxattr"]
NR_DUP3 = NUMBERS["dup3"]
NR_UNSHARE = NUMBERS["unshare"]
PAGE = 4096

P_SOCKNAME, P_RECVFROM, P_RECVMSG, P_EPOLL, P_XATTR = 160, 162, 164, 166, 168
P_CR_ABOVE, P_CR_CLOEXEC, P_CR_UNSHARE, P_UNSHARE, P_DUP3_NUM, P_FDUPFD = \
    170, 171, 172, 173, 174, 175
SCRATCH = 512                   # secret_lengths' scratch area: copies of the secret
RAISED = SCRATCH // 2           # the length the kernel reports instead
EPOLL_EVENT = 16                # sizeof(struct epoll_event) on AArch64 (not packed)
MSG_CONTROLLEN = 40             # offsetof(struct msghdr, msg_controllen) on LP64
DUP3_TARGET = 30                # the number secret_lengths asks dup3() for


# --- RK-001..RK-005: lengths and counts a call reports, over a buffer that held the secret --

@scenario(id="RK-001", title="getsockname() reports an addrlen larger than the program gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The addrlen getsockname() writes back is at most the addrlen the program "
               "passed in.")
def rk_sockname_len(adv: Adversary) -> None:
    """1. The program calls getsockname() of its bound AF_UNIX socket with a 16-byte
    address and addrlen 16, both in its scratch area (which holds copies of the secret),
    then sends addrlen bytes of the address to /dev/null.
    2. Serve the call, then write 256 into addrlen (the call's own value-result word)
       and answer 0: the write carries 256 bytes of the scratch area."""
    write_back(adv, NR_GETSOCKNAME, P_SOCKNAME, 2, RAISED)   # `addrlen`


@scenario(id="RK-002", title="recvfrom() reports a source addrlen larger than the program gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The addrlen recvfrom() writes back is at most the addrlen the program "
               "passed in.")
def rk_recvfrom_addrlen(adv: Adversary) -> None:
    """1. The program receives an 8-byte datagram with recvfrom(), its 16-byte source
    address and addrlen 16 in its scratch area (which holds copies of the secret), then
    sends addrlen bytes of the address to /dev/null.
    2. Serve the call (8 bytes, within the count), then write 256 into addrlen: the
       write carries 256 bytes of the scratch area."""
    write_back(adv, NR_RECVFROM, P_RECVFROM, 5, RAISED, None)   # `addrlen`


@scenario(id="RK-003", title="recvmsg() reports a msg_controllen larger than the program gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The msg_controllen recvmsg() writes back into the msghdr is at most the "
               "control buffer's size the program passed in.")
def rk_recvmsg_controllen(adv: Adversary) -> None:
    """1. The program receives an 8-byte datagram with recvmsg(), a 16-byte control
    buffer in its scratch area (which holds copies of the secret), then sends the
    msg_controllen bytes the call reports of the control buffer to /dev/null (as a
    program walking its control messages reads them).
    2. Serve the call, then write 256 into the msghdr's msg_controllen (a field the call
       writes back): the write carries 256 bytes of the scratch area."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMSG, during=P_RECVMSG)
    def _(a: Adversary, **_: object) -> None:
        msg = a.el1.syscall_args()[1]
        a.kernel.uaccess.write_u64(msg + MSG_CONTROLLEN, RAISED)


@scenario(id="RK-004", title="epoll_pwait() reports more events than maxevents",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="epoll_pwait's result is at most the maxevents the program passed.")
def rk_epoll_count(adv: Adversary) -> None:
    """1. The program waits with epoll_pwait(maxevents 1) into its scratch area (which
    holds copies of the secret) and sends the events the call reports (16 bytes each) to
    /dev/null.
    2. Serve the call (one event written), then answer 16: the write carries 256
       bytes of the scratch area."""
    answer(adv, NR_EPOLL_PWAIT, P_EPOLL, RAISED // EPOLL_EVENT)


@scenario(id="RK-005", title="fgetxattr() reports a value larger than the buffer, nothing "
          "written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"),
          program=RESULTS,
          prop="fgetxattr's result is at most the size the program passed, and the bytes "
               "it counts are ones the kernel wrote.")
def rk_xattr_len(adv: Adversary) -> None:
    """1. The program calls fgetxattr(/dev/null, "user.tag") into an 8-byte value in its
    scratch area (which holds copies of the secret) and sends the bytes the call reports
    to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 256: the write carries
       256 bytes of the scratch area."""
    serve_as_getpid(adv, NR_FGETXATTR, P_XATTR, RAISED)


# --- RK-006..RK-011: table changes that keep the admitted file's descriptor -----------------

admitted_file_as_zero_page(
    id="RK-006", family=RT, program=RESULTS, phase=P_CR_ABOVE,
    title="Serve the admitted file with other bytes after a close_range(CLOEXEC) above its "
          "descriptor",
    prop="close_range(CLOSE_RANGE_CLOEXEC) closes nothing: a descriptor of an admitted file still "
         "names it and its pages are measured.",
    opens=("1. The program opens its own admitted file, calls close_range(fd + 1, ~0,",
           "CLOSE_RANGE_CLOEXEC) and maps the first page through fd."))


admitted_file_as_zero_page(
    id="RK-007", family=RT, program=RESULTS, phase=P_CR_CLOEXEC,
    title="Serve the admitted file with other bytes after close_range(CLOEXEC) over its descriptor",
    prop="A descriptor close_range(CLOSE_RANGE_CLOEXEC) marks close-on-exec stays open and names "
         "the admitted file: its pages are measured.",
    opens=("1. The program opens its own admitted file, calls close_range(fd, ~0,",
           "CLOSE_RANGE_CLOEXEC) (fd only marked close-on-exec) and maps the first page through",
           "fd."))


admitted_file_as_zero_page(
    id="RK-008", family=RT, program=RESULTS, phase=P_CR_UNSHARE,
    title="Serve the admitted file with other bytes after close_range(UNSHARE) above its "
          "descriptor",
    prop="close_range(CLOSE_RANGE_UNSHARE) copies the table and closes only the range: a "
         "descriptor below it still names the admitted file.",
    opens=("1. The program opens its own admitted file, calls close_range(fd + 1, ~0,",
           "CLOSE_RANGE_UNSHARE) and maps the first page through fd."))


@scenario(id="RK-009", title="Serve the admitted file with other bytes after unshare("
          "CLONE_FILES)",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=RESULTS,
          prop="unshare(CLONE_FILES) copies the descriptor table whole: a descriptor of an "
               "admitted file still names it.")
def rk_unshare_files(adv: Adversary) -> None:
    """1. The program opens its own admitted file, calls unshare(CLONE_FILES) and maps the
    first page through fd.
    2. Answer the unshare with 0 (for a process with one thread the copy changes nothing
       the program can see, so the kernel need not make it).
    3. Serve the mapping as a zero-filled anonymous page; the program compares the page
       with its loaded ELF header page."""
    serve_as_getpid(adv, NR_UNSHARE, P_UNSHARE)
    file_as_zero_page(adv, P_UNSHARE)


@scenario(id="RK-010", title="Answer dup3(fd, 30) with 31, then serve descriptor 30 with other "
          "bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=RESULTS,
          prop="dup3() succeeds only with the number the program asked for: the descriptor "
               "the program then uses names the admitted file and its pages are measured.")
def rk_dup3_number(adv: Adversary) -> None:
    """1. The program opens its own admitted file, calls dup3(fd, 30, 0), closes fd and
    maps the first page through descriptor 30 (it checks only that dup3 did not fail).
    2. Make the copy at 31 instead and answer 31.
    3. Serve the mapping of 30 as a zero-filled anonymous page; the program compares the
       page with its loaded ELF header page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_DUP3, during=P_DUP3_NUM)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", DUP3_TARGET + 1)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_DUP3, during=P_DUP3_NUM)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", DUP3_TARGET)
    file_as_zero_page(adv, P_DUP3_NUM)


admitted_file_as_zero_page(
    id="RK-011", family=RT, program=RESULTS, phase=P_FDUPFD,
    title="Serve the admitted file mapped through an fcntl(F_DUPFD) copy with other bytes",
    prop="A descriptor plain fcntl(F_DUPFD) makes of an admitted file's descriptor still names the"
         " admitted file: its pages are measured.",
    opens=("1. The program opens its own admitted file, copies the descriptor with",
           "fcntl(F_DUPFD, 40), closes the original and maps the first page through the copy."))


# --- RK-012..RK-013: a vector's message length and a list's count ---------------------------

P_MMSG, P_GROUPS = 177, 178
NR_RECVMMSG = NUMBERS["recvmmsg"]
NR_GETGROUPS = NUMBERS["getgroups"]
MMSG_LEN = 56                   # offsetof(struct mmsghdr, msg_len) on LP64


@scenario(id="RK-012", title="recvmmsg() reports a msg_len larger than the message's buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="The msg_len recvmmsg() writes back for a message is at most the total of "
               "that message's iovecs.")
def rk_recvmmsg_len(adv: Adversary) -> None:
    """1. The program receives one 8-byte datagram with recvmmsg(vlen 1) into an 8-byte
    buffer in its scratch area (which holds copies of the secret), then sends the
    msg_len bytes the call reports of the buffer to /dev/null.
    2. Serve the call, then write 256 into the first mmsghdr's msg_len: the write
       carries 256 bytes of the scratch area."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RECVMMSG, during=P_MMSG)
    def _(a: Adversary, **_: object) -> None:
        vec = a.el1.syscall_args()[1]
        a.kernel.uaccess.write_u32(vec + MMSG_LEN, RAISED)


@scenario(id="RK-013", title="getgroups() reports more groups than the list holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="getgroups(size, list) returns at most size groups.")
def rk_getgroups_count(adv: Adversary) -> None:
    """1. The program asks getgroups(2, list) for a two-entry list in its scratch area
    (which holds copies of the secret) and sends the groups the call reports (4 bytes
    each) to /dev/null.
    2. Answer 64: the write carries 256 bytes of the scratch area."""
    answer(adv, NR_GETGROUPS, P_GROUPS, RAISED // 4)


# --- RK-014..: structures reported filled, never written -------------------------------------

P_OUT = 180
#: secret_lengths' OUTPUTS table, in order: (call, what it fills, its size in bytes, the
#: property the attack still breaks with the Guardian on, if it does).
OUTPUTS = (
    ("getrusage", "struct rusage", 144, ""),
    ("times", "struct tms", 32, ""),
    ("prlimit64", "the old struct rlimit64", 16, ""),
    ("getitimer", "struct itimerval", 32, ""),
    ("clock_getres", "the resolution's timespec", 16, ""),
    ("statfs", "struct statfs", 120, ""),
    ("fstatfs", "struct statfs", 120, ""),
    ("newfstatat", "struct stat", 128, ""),
    ("statx", "struct statx", 256, ""),
    ("rt_sigpending", "the pending set", 8, ""),
    ("gettimeofday", "struct timeval", 16, ""),
    ("sched_rr_get_interval", "the quantum's timespec", 16, ""),
    ("timerfd_gettime", "struct itimerspec", 32, ""),
    ("getpeername", "the peer's address (addrlen left at 16)", 16, ""),
    ("sched_getattr", "struct sched_attr", 56, ""),
    ("get_robust_list", "the head pointer and its length", 16, ""),
    ("getresuid", "the three uids", 12, ""),
    ("adjtimex", "struct timex", 208, ""),
    ("ioctl", "TIOCGWINSZ's struct winsize", 8, ""),
    ("ioctl", "TCGETS's struct termios", 60, ""),
    ("capget", "two struct __user_cap_data_struct", 24, ""),
    ("prctl", "PR_GET_NAME's 16-byte name", 16, ""),
    ("get_mempolicy", "the policy and its node mask", 16, ""),
    ("getcpu", "the cpu and node numbers", 8, ""),
    ("pipe2", "the two descriptors", 8, ""),
    ("socketpair", "the two descriptors", 8, ""),
)
#: Their scenario ids: RK-014..RK-034 for the first 21, RK-045.. for the rest.
OUTPUT_IDS = (*range(14, 35), *range(45, 45 + len(OUTPUTS) - 21))


def _unwritten(index: int, call: str, what: str, size: int, gap: str) -> None:
    """Register the scenario answering OUTPUTS[index] with success and nothing written."""
    nr, phase = NUMBERS[call], P_OUT + index

    def steps(adv: Adversary) -> None:
        serve_as_getpid(adv, nr, phase)
    doc = (
        f"1. The program's scratch area holds copies of the secret; it calls {call}() "
        f"into it ({what}) and sends the {size} bytes to /dev/null.\n"
        "2. Serve the call as getpid() (nothing is written) and answer 0.\n"
        f"3. The {size} bytes the program sends are the secret's copies left in its buffer.")
    scenario(id=f"RK-{OUTPUT_IDS[index]:03d}",
             title=f"Answer {call}() with success, {what} never written",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS, gap=gap,
             prop=f"After {call}() succeeds, the bytes of {what} are ones the kernel wrote "
                  "there, not those the program's buffer held before the call.")(documented(steps, doc))


for _i, (_call, _what, _size, _gap) in enumerate(OUTPUTS):
    _unwritten(_i, _call, _what, _size, _gap)


# --- RK-035..RK-037: a structure written in part -------------------------------------------

def _written_in_part(adv: Adversary, index: int, length: int) -> None:
    """Serve OUTPUTS[index] as getpid(), but first write `length` zero bytes at the start
    of its structure (through the capability the call grants), and answer 0."""
    call = OUTPUTS[index][0]
    nr, phase = NUMBERS[call], P_OUT + index

    keep_marker_arg(adv, phase, "structure")
    serve_as_getpid(adv, nr, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["structure"], bytes(length))


@scenario(id="RK-035", title="Answer getrusage() with success, the struct rusage written in "
          "its first 16 bytes only",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After getrusage() succeeds, every byte of the struct rusage is one the kernel "
               "wrote, not the bytes the program's buffer held before the call.")
def rk_rusage_partly(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls getrusage()
    into it and sends the 144-byte struct rusage to /dev/null.
    2. Serve the call as getpid(), write 16 zero bytes (ru_utime) at the start of the
       structure and answer 0.
    3. The other 128 bytes the program sends are the secret's copies."""
    _written_in_part(adv, 0, 16)


@scenario(id="RK-036", title="Answer statx() with success, the struct statx written in its "
          "first 8 bytes only",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After statx() succeeds, every byte of the struct statx is one the kernel "
               "wrote, not the bytes the program's buffer held before the call.")
def rk_statx_partly(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls statx() into it
    and sends the 256-byte struct statx to /dev/null.
    2. Serve the call as getpid(), write 8 zero bytes (stx_mask, stx_blksize) at the
       start of the structure and answer 0.
    3. The other 248 bytes the program sends are the secret's copies."""
    _written_in_part(adv, 8, 8)


@scenario(id="RK-037", title="Answer newfstatat() with success, the struct stat written in "
          "its first byte only",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After newfstatat() succeeds, every byte of the struct stat is one the kernel "
               "wrote, not the bytes the program's buffer held before the call.")
def rk_fstatat_partly(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls newfstatat() of
    /dev/null into it and sends the 128-byte struct stat to /dev/null.
    2. Serve the call as getpid(), write one zero byte at the start of the structure and
       answer 0.
    3. The other 127 bytes the program sends are the secret's copies."""
    _written_in_part(adv, 7, 1)


# --- RK-038: the old range of mremap(MREMAP_DONTUNMAP) left with its page -------------------

P_DONTUNMAP = 211
NR_MREMAP = NUMBERS["mremap"]
PROT_RW, MAP_PRIVATE_ANON = 0x3, 0x22


@scenario(id="RK-038", title="Answer mremap(MREMAP_DONTUNMAP) with a new page, the old range "
          "left holding its bytes",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=RESULTS,
          prop="After mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) succeeds, the old range of "
               "private anonymous memory reads as zero, never the bytes it had.")
def rk_dontunmap_kept(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page and moves it with
    mremap(page, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP): the old range stays
    mapped, empty.
    2. Serve the call as mmap(NULL, 4096, RW, MAP_PRIVATE | MAP_ANONYMOUS) (a new zero
       page at another address) and answer that address; the old page stays as it was.
    3. The program takes the old range for a zero-filled buffer, writes 8 public bytes at
       its start and sends all 4096 bytes to /dev/null: the secret goes with them."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_DONTUNMAP)
    def _(a: Adversary, **_: object) -> None:
        a.memo["mremap"] = [a.reg(r) for r in ("x0", "x1", "x2", "x3", "x4", "x5", "x8")]
        for r, v in (("x0", 0), ("x1", PAGE), ("x2", PROT_RW), ("x3", MAP_PRIVATE_ANON),
                     ("x4", NO_FD), ("x5", 0), ("x8", NR_MMAP)):
            a.set_reg(r, v)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_DONTUNMAP)
    def _(a: Adversary, **_: object) -> None:
        saved = a.memo.pop("mremap")
        for r, v in zip(("x1", "x2", "x3", "x4", "x5", "x8"), saved[1:], strict=True):
            a.set_reg(r, v)


# --- RK-039: a descriptor another process of the program put in a shared table ---------------

P_SHARED_FILES = 213


@scenario(id="RK-039", title="Serve the admitted file a clone(CLONE_VM | CLONE_FILES) child "
          "opened, mapped by the parent, with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=RESULTS,
          prop="A descriptor of the admitted file that a process sharing the program's "
               "descriptor table (CLONE_FILES without CLONE_THREAD) opened names the "
               "admitted file for every process sharing that table.")
def rk_shared_table(adv: Adversary) -> None:
    """1. In a forked process, the program starts a child with clone(CLONE_VM |
    CLONE_FILES | SIGCHLD): a process of its own, sharing memory and the descriptor
    table.  The child opens the program's admitted file and waits; its parent maps the
    first page through the child's descriptor.
    2. Serve that mapping as a zero-filled anonymous page.
    3. The parent compares the page with its loaded ELF header page and reports the
       difference to the program in its exit status."""
    file_as_zero_page(adv, P_SHARED_FILES, init_only=False)


# --- RK-040..RK-044: counts of less common calls that fill a buffer --------------------------

P_COUNTED = 216
#: secret_lengths' COUNTED table, in order: (call, what it fills, the size of one counted
#: item, the buffer's size in bytes, whether the kernel model serves the call itself, the
#: property the attack still breaks with the Guardian on, if it does).
COUNTED = (
    ("epoll_pwait2", "16-byte events (maxevents 1)", 16, 16, True, ""),
    ("flistxattr", "an 8-byte name list", 1, 8, False, ""),
    ("vmsplice", "an 8-byte iovec from a pipe", 1, 8, False, ""),
    ("process_vm_readv", "an 8-byte local iovec", 1, 8, False, ""),
    ("msgrcv", "an 8-byte mtext", 1, 8, False, ""),
)
FIRST_COUNTED_ID = 40


def _counted(index: int, call: str, what: str, unit: int, size: int, served: bool,
             gap: str) -> None:
    """Register the scenario answering COUNTED[index] with a count past its buffer."""
    nr, phase = NUMBERS[call], P_COUNTED + index

    def steps(adv: Adversary) -> None:
        keep_marker_arg(adv, phase, "buffer")
        if served:
            answer(adv, nr, phase, RAISED // unit)
            return
        serve_as_getpid(adv, nr, phase, RAISED // unit)

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            # what an honest call would have filled, then the lie
            a.kernel.uaccess.write(a.memo["buffer"], bytes(size))
    how = "Serve the call" if served else \
        f"Serve the call as getpid(), write {size} zero bytes into the buffer (all it holds)"
    doc = (
        f"1. The program calls {call}() into its scratch area ({what}; the area holds "
        "copies of the secret) and sends as many bytes as the call reports to /dev/null.\n"
        f"2. {how} and report {RAISED // unit} (that is {RAISED} bytes): the write carries "
        "the scratch area.")
    scenario(id=f"RK-{FIRST_COUNTED_ID + index:03d}",
             title=f"{call}() reports more than its buffer holds",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS, gap=gap,
             prop=f"{call}'s result counts at most what fits the buffer the program gave "
                  f"({what}).")(documented(steps, doc))


for _i, (_call, _what, _unit, _size, _served, _gap) in enumerate(COUNTED):
    _counted(_i, _call, _what, _unit, _size, _served, _gap)


# --- RK-050..RK-052: waits that fill a structure, answered with nothing written --------------

P_SIGINFO, P_WAITID, P_WAIT4 = 222, 223, 224
NR_RT_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
NR_WAITID = NUMBERS["waitid"]
NR_WAIT4 = NUMBERS["wait4"]
SIGUSR1 = 10


@scenario(id="RK-050", title="Answer rt_sigtimedwait({SIGUSR1}) with SIGUSR1 and write no "
          "siginfo",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="When rt_sigtimedwait() returns a signal and the program passed a siginfo, "
               "the siginfo holds what the kernel wrote, not the buffer's old bytes.")
def rk_siginfo_unwritten(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, sends it to itself and takes it with
    rt_sigtimedwait({SIGUSR1}, info) into its scratch area (which holds copies of the
    secret), then sends the 128-byte siginfo to /dev/null.
    2. Serve the call as getpid() (nothing is written, the signal stays pending) and
       answer 10 (SIGUSR1, a signal of the set).
    3. The 'siginfo' the program sends is the secret's copies."""
    serve_as_getpid(adv, NR_RT_SIGTIMEDWAIT, P_SIGINFO, SIGUSR1)


@scenario(id="RK-051", title="Answer waitid(P_PID) with success and write no siginfo",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After waitid() succeeds, the siginfo holds what the kernel wrote, not the "
               "buffer's old bytes.")
def rk_waitid_unwritten(adv: Adversary) -> None:
    """1. The program forks a child that exits and waits for it with waitid(P_PID, child,
    info, WEXITED) into its scratch area (which holds copies of the secret), then sends
    the 128-byte siginfo to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 0.
    3. The 'siginfo' the program sends is the secret's copies."""
    serve_as_getpid(adv, NR_WAITID, P_WAITID)


@scenario(id="RK-052", title="Answer wait4() with the child's pid and write no rusage",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After wait4() reports a child and the program passed a struct rusage, the "
               "rusage holds what the kernel wrote, not the buffer's old bytes.")
def rk_wait4_unwritten(adv: Adversary) -> None:
    """1. The program forks a child that exits and waits for it with wait4(child, &status,
    0, rusage), the rusage in its scratch area (which holds copies of the secret), then
    sends the 144-byte rusage to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer the child's pid.
    3. The 'rusage' the program sends is the secret's copies."""
    keep_marker_arg(adv, P_WAIT4, "child", 1)
    serve_as_getpid(adv, NR_WAIT4, P_WAIT4, lambda a: a.memo["child"])


# --- RK-053..RK-056: the secret drawn from an entropy device by another name ----------------

KNOWN_BYTES = bytes(range(0x61, 0x61 + 32))     # the "random" bytes the kernel picks
NR_OPENAT = NUMBERS["openat"]
#: (scenario id, the name the program opens, how it differs from /dev/urandom)
DEVICES = (
    (53, b"/dev/random", "the blocking device (the same pool since Linux 5.6)"),
    (54, b"/dev/./urandom", "'/./' names the same directory"),
    (55, b"/dev//urandom", "'//' inside a path is one '/'"),
    (56, b"/dev/../dev/urandom", "'..' of /dev is /"),
    (57, b"/dev/urandom", "read with readv()"),
    (58, b"/dev/urandom", "read with pread64()"),
    (59, b"/dev/urandom", "read through a dup() of the descriptor, the original closed"),
    (63, b"/dev/urandom", "read with preadv()"),
)
HOW = {57: b"readv", 58: b"pread", 59: b"dup", 63: b"preadv"}   # secret_lengths' -m
OPEN_DEVICES: dict[int, str] = {}       # the attacks that still get through with the Guardian on


def _device_secret(sid: int, device: bytes, how: str) -> None:
    """Register the scenario serving the entropy device `device` with known bytes."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=0)
        def _(a: Adversary, **_: object) -> None:
            known_random_behind(a, device.decode(), KNOWN_BYTES)
    name = device.decode()
    doc = (
        f"1. The program opens {name} ({how}) and reads its 32-byte secret from it "
        "(instead of getrandom()).\n"
        "2. When openat() returns the descriptor, put a random device of the kernel's own "
        "behind it whose source is 32 bytes the kernel chose (and keeps).\n"
        "3. The program's secret is those bytes.")
    title = f"Serve {name} with bytes the kernel chose" + (f", {how}" if sid in HOW else "")
    scenario(id=f"RK-{sid:03d}", title=title,
             family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",), program=RESULTS,
             gap=OPEN_DEVICES.get(sid, ""),
             args=(b"-r", device, *((b"-m", HOW[sid]) if sid in HOW else ())),
             silent="the Guardian serves reads of the entropy device from its own entropy: "
                    "nothing to refuse",
             prop=f"Entropy a confidential program reads from {name} is not known to the "
                  "kernel.")(documented(steps, doc))


for _sid, _device, _how in DEVICES:
    _device_secret(_sid, _device, _how)


# --- RK-060..RK-062: getrandom() with flags --------------------------------------------------

NR_GETRANDOM = NUMBERS["getrandom"]
#: (scenario id, getrandom's flags, their name)
GETRANDOM_FLAGS = ((60, 1, "GRND_NONBLOCK"), (61, 2, "GRND_RANDOM"), (62, 4, "GRND_INSECURE"))


def _getrandom_flags(sid: int, flags: int, name: str) -> None:
    """Register the scenario answering getrandom(flags) with the kernel's own bytes."""
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETRANDOM, during=0)
        def _(a: Adversary, **_: object) -> None:
            a.memo["getrandom"] = a.el1.syscall_args()[:2]

        @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRANDOM, during=0)
        def _(a: Adversary, **_: object) -> None:
            buf, count = a.memo["getrandom"]
            a.set_reg("x0", min(count, len(KNOWN_BYTES)))
            a.kernel.uaccess.write(buf, KNOWN_BYTES[:count])
            a.observe(KNOWN_BYTES, f"the bytes the kernel served for getrandom({name})")
    doc = (
        f"1. The program draws its 32-byte secret with getrandom(buf, 32, {name}).\n"
        "2. Serve the call with 32 bytes the kernel chose (and keeps), written into the "
        "buffer.\n"
        "3. The program's secret is those bytes.")
    scenario(id=f"RK-{sid:03d}", title=f"Answer getrandom({name}) with bytes the kernel chose",
             family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",), program=RESULTS,
             args=(b"-g", str(flags).encode()),
             silent="the Guardian answers getrandom from its own entropy: nothing to refuse",
             prop=f"Entropy a confidential program asks getrandom() for with {name} is not "
                  "known to the kernel.")(documented(steps, doc))


for _sid, _flags, _name in GETRANDOM_FLAGS:
    _getrandom_flags(_sid, _flags, _name)


# --- RK-064: an epoll cookie the program never registered (or removed) -----------------------

P_COOKIE = 226
EPOLL_DATA = 8                  # offsetof(struct epoll_event, data) on AArch64


@scenario(id="RK-064", title="Answer epoll_pwait() with the cookie of a registration the "
          "program removed",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-COOKIE",), program=RESULTS,
          prop="An event epoll_pwait() reports carries the data cookie of a registration the "
               "program holds on that epoll instance, never one it removed or never made.")
def rk_epoll_cookie(adv: Adversary) -> None:
    """1. The program's event loop registers a pipe with a cookie naming its "admin"
    handler, removes it with EPOLL_CTL_DEL, registers a socket with a cookie naming its
    "ready" handler, waits for one event with epoll_pwait() and calls the handler the
    event's cookie names.
    2. Serve the call (one event for the socket), then write the removed registration's
       cookie (the admin handler's address, public: no ASLR) into the event's data.
    3. The program runs the admin handler (win()) for an event it never asked for."""
    @adv.on(Point.MARKER, phase=P_COOKIE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["cookie"] = args[:2]       # the events array, the removed cookie

    @adv.on(Point.SYSCALL_EXIT, nr=NR_EPOLL_PWAIT, during=P_COOKIE)
    def _(a: Adversary, **_: object) -> None:
        events, removed = a.memo["cookie"]
        a.set_reg("x0", 1)
        a.kernel.uaccess.write_u32(events, 0x4)                 # EPOLLOUT
        a.kernel.uaccess.write_u64(events + EPOLL_DATA, removed)


# --- RK-065..RK-066: strings returned without their terminating NUL -------------------------

P_CWD, P_UTS = 228, 229
NR_GETCWD = NUMBERS["getcwd"]
NR_UNAME = NUMBERS["uname"]
CWD_BUF, UTSNAME = 64, 390      # secret_lengths' getcwd buffer; sizeof(struct utsname)


def _unterminated(adv: Adversary, nr: int, phase: int, size: int, result: int) -> None:
    """Serve the call `nr` after marker `phase`, then fill its whole `size`-byte output
    with '/' and letters (no NUL anywhere) and answer `result`."""
    keep_marker_arg(adv, phase, "string")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        text = (b"/" + b"a" * 63) * (size // 64 + 1)
        a.set_reg("x0", result)
        a.kernel.uaccess.write(a.memo["string"], text[:size])


@scenario(id="RK-065", title="getcwd() fills its buffer with a path and no terminating NUL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The path getcwd() returns is NUL-terminated within the count it reports, so "
               "a program reading it as a string stays inside the buffer.")
def rk_cwd_unterminated(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls getcwd() into
    its first 64 bytes and sends the path, up to its NUL, to /dev/null.
    2. Serve the call, then write 64 bytes of path with no NUL into the buffer and
       answer 64 (the whole buffer, within the count).
    3. The program's strlen() runs past the buffer: the write carries the secret's
       copies that follow it."""
    _unterminated(adv, NR_GETCWD, P_CWD, CWD_BUF, CWD_BUF)


@scenario(id="RK-066", title="uname() fills struct utsname with no NUL in any field",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="Each field uname() fills is NUL-terminated within its 65 bytes, so a program "
               "reading one as a string stays inside the structure.")
def rk_uname_unterminated(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls uname() into its
    start and sends the nodename, up to its NUL, to /dev/null.
    2. Serve the call, then write all 390 bytes of the structure with no NUL and answer
       0.
    3. The program's strlen() runs past the structure: the write carries the secret's
       copies that follow it."""
    _unterminated(adv, NR_UNAME, P_UTS, UTSNAME, 0)


# --- RK-067: a signalfd read reporting a signal outside the descriptor's mask -----------------

P_SIGFD_DONE = 231
P_SIGFD = 230
NR_READ = NUMBERS["read"]
SIGUSR2, SIGTERM = 12, 15
SIGINFO_SIZE = 128              # sizeof(struct signalfd_siginfo)


def _signalfd_outside_mask(out: Outcome) -> list[str]:
    """The signalfd read reported a signal the descriptor's mask does not hold."""
    got = [m.args[1] for m in program_markers(out, P_SIGFD_DONE)]
    return [f"a read of the signalfd for {{SIGUSR2}} reported signal {got[0]}, which the "
            "descriptor does not accept"] if got and 0 < got[0] < 65 and got[0] != SIGUSR2 \
        else []


@scenario(id="RK-067", title="Answer a read of a signalfd for SIGUSR2 with SIGTERM",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=RESULTS,
          oracle=_signalfd_outside_mask,
          prop="A signalfd reports only signals of the mask it was made with (as "
               "rt_sigtimedwait answers only a signal of its set).")
def rk_signalfd_outside_mask(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2, makes a signalfd for {SIGUSR2}, sends itself SIGUSR2
    and reads one signalfd_siginfo; it dispatches on ssi_signo.
    2. Serve the read (one 128-byte record), then write 15 (SIGTERM) into ssi_signo:
       the program takes the path for a signal the descriptor never accepts."""
    keep_marker_arg(adv, P_SIGFD, "siginfo")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_SIGFD)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", SIGINFO_SIZE)       # one whole signalfd_siginfo, as served
        a.kernel.uaccess.write_u32(a.memo["siginfo"], SIGTERM)
