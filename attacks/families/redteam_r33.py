"""Red-team round thirty-three: the monitor's own limits.

A monitor that judges what a kernel tells a confidential program keeps bookkeeping about
what the program holds: descriptors, pipes, memfds, eventfds, sockets, children,
mappings.  Each such table has a size, a lifetime and rules for when it stops following
something.  This round makes the program do ordinary things at scale or reuse an id --
900 descriptors and the lowest free number (QQ-001), a pipe and a dup2 target above
them (QQ-002, QQ-003), a number freed by close_range() and reused (QQ-004), a reused
eventfd number (QQ-005), an O_PATH descriptor (QQ-006), a memfd passed over SCM_RIGHTS
(QQ-007), 40 fork children (QQ-008), a reaped pid (QQ-009), a long getpid() loop
(QQ-010), dup3 over a followed memfd (QQ-011), a dup's shared offset (QQ-012), a pipe's
end of file through a dup'ed write end (QQ-013), 200 mappings and a hole (QQ-014), 100
eventfds (QQ-015), a socketpair's two ends in two processes (QQ-016), F_GETFD (QQ-017),
a pipe reopened through /proc/self/fd/N (QQ-018), fstat() through a dup (QQ-019), a
read after close (QQ-020, QQ-021), 100 pipes, memfds and 60 socketpairs (QQ-022..QQ-024)
and, with the victim's -n N, the counts where the Guardian once stopped following
eventfds, pipes and memfds (16; it follows up to 1024 now: QQ-025..QQ-028) -- and then
has the kernel lie about exactly that.

The victim is `secret_r33_limits` (workloads/src/secret_r33_limits.c): each step
announces itself with a marker and turns what it observed into the index of a public
label in a log buffer that begins with a copy of the secret (0 for an answer Linux could
give, -4 otherwise), then writes that label to /dev/null.  Each docstring says why Linux
could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r33"
LIMITS = "secret_r33_limits"
MASK64 = (1 << 64) - 1
# secret_r33_limits: the marker before each step; the marker after its write is + 1.
P_LOWEST_FD, P_PIPE_HIGH, P_DUP2_HIGH, P_CLOSE_RANGE = 3300, 3302, 3304, 3306
P_EVENTFD_REUSE, P_OPATH_READ, P_SCM_RIGHTS, P_FORK_MANY = 3308, 3310, 3312, 3314
P_PID_REUSE, P_GETPID_LOOP, P_DUP3_OVER, P_DUP_OFFSET = 3316, 3318, 3320, 3322
P_PIPE_EOF, P_MMAP_REUSE, P_EVENTFD_MANY, P_SOCK_FORK = 3324, 3326, 3328, 3330
P_GETFD, P_PROC_FD, P_FSTAT_DUP, P_CLOSED_READ = 3332, 3334, 3336, 3338
P_CLOSED_LOW, P_PIPES_MANY, P_MEMFDS_MANY, P_SOCKS_MANY = 3340, 3342, 3344, 3346
NR = NUMBERS
IAGO = ("G-IAGO-OUTPUT",)


def _nth(adv: Adversary, nr: int, during: int, n: int, act) -> None:  # type: ignore[no-untyped-def]
    """At the exit of the program's `n`-th call `nr` (1-based) after marker `during`, run
    `act(a)`."""
    seen = [0]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        seen[0] += 1
        if seen[0] == n:
            act(a)


def _answer(adv: Adversary, nr: int, during: int, value: int, n: int = 1) -> None:
    """Answer the `n`-th call `nr` after marker `during` with `value`."""
    def act(a: Adversary) -> None:
        a.set_reg("x0", value & MASK64)
        a.note(f"call {nr} answered {value:#x}")
    _nth(adv, nr, during, n, act)


def _shift(adv: Adversary, nr: int, during: int, by: int, n: int = 1) -> None:
    """Answer the `n`-th call `nr` after marker `during` with its result plus `by`."""
    def act(a: Adversary) -> None:
        value = (a.reg("x0") + by) & MASK64
        a.set_reg("x0", value)
        a.note(f"call {nr} answered {value:#x}")
    _nth(adv, nr, during, n, act)


def _fill_scaled(adv: Adversary, nr: int, during: int, width: int, n: int = 1) -> None:
    """Answer the `n`-th call `nr` after marker `during` with the value (marker's x3,
    the step's count) - 4 in `width` bytes."""
    @adv.on(Point.MARKER, phase=during)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo[("scale", during)] = args[1]

    def act(a: Adversary) -> None:
        buf = a.reg("x1")
        value = a.memo[("scale", during)] - 4
        a.kernel.uaccess.write(buf, value.to_bytes(width, "little"))
        a.set_reg("x0", width)
        a.note(f"call {nr} filled {value} at {buf:#x}")
    _nth(adv, nr, during, n, act)


def _fill(adv: Adversary, nr: int, during: int, data: bytes, n: int = 1,
          result: int | None = None) -> None:
    """Answer the `n`-th call `nr` (a read-like call, its buffer in x1) after marker
    `during`: write `data` into the buffer and answer len(data) (or `result`)."""
    def act(a: Adversary) -> None:
        buf = a.reg("x1")
        a.kernel.uaccess.write(buf, data)
        a.set_reg("x0", len(data) if result is None else result)
        a.note(f"call {nr} filled {data!r} at {buf:#x}")
    _nth(adv, nr, during, n, act)


# --- descriptors at scale -------------------------------------------------------------------
@scenario(id="QQ-001", title="Hand out an open descriptor's number after 900 descriptors",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="open() returns the lowest descriptor number not in use.")
def qq_lowest_fd(adv: Adversary) -> None:
    """1. The program opens /dev/null 900 times, closes the 450th-odd one (its marker names
    the number n) and opens /dev/null again.
    2. The kernel answers n - 4, a descriptor the program holds open.
    3. The program sees a number other than n and logs bytes 0..7 of the secret.
    Linux's alloc_fd() (fs/file.c) hands out the lowest free number, n; a number in use is
    never returned."""
    _shift(adv, NR["openat"], P_LOWEST_FD, -4)


@scenario(id="QQ-002", title="Change a pipe's byte above 900 descriptors", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A pipe returns the bytes written to it.")
def qq_pipe_high(adv: Adversary) -> None:
    """1. Above its 900 descriptors the program makes a pipe, writes the byte 2 and reads
    one byte back.
    2. The kernel's read writes 0 into the buffer and answers 1.
    3. The program reads 0 and logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) copies the bytes pipe_write() queued; nobody else holds the
    pipe."""
    _fill(adv, NR["read"], P_PIPE_HIGH, b"\x00")


@scenario(id="QQ-003", title="Change a memfd's byte read through its dup2() copy 1000",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A descriptor dup2()/dup3() makes names the same file: it reads the bytes "
               "the program wrote through the original.")
def qq_dup2_high(adv: Adversary) -> None:
    """1. The program writes 'E' into a new memfd, dup3()s it to descriptor 1000, closes
    the original and preads one byte through 1000.
    2. The kernel's pread writes 'A'.
    3. The program sees 'A' and logs bytes 0..7 of the secret.
    do_dup2() installs the same struct file; shmem_file_read_iter() reads 'E'."""
    _fill(adv, NR["pread64"], P_DUP2_HIGH, b"A")


@scenario(id="QQ-004", title="Serve a closed memfd's bytes through the number close_range() "
          "freed and a new memfd reused", family=RT, goal=Goal.LEAK, rules=IAGO,
          program=LIMITS,
          prop="A memfd is created empty; a descriptor number reused after close_range() "
               "names the new file, not the old one.")
def qq_close_range(adv: Adversary) -> None:
    """1. The program writes 8 bytes into memfd n, closes it with close_range(n, n, 0),
    creates a new memfd (number n again) and reads 8 bytes through n.
    2. The kernel answers the read with the old memfd's 8 bytes.
    3. The program reads 8 bytes from an empty file and logs bytes 0..7 of the secret.
    memfd_create() makes a new shmem file of size 0 (mm/shmem.c); a read at offset 0 of
    it returns 0."""
    _fill(adv, NR["read"], P_CLOSE_RANGE, b"public!!")


@scenario(id="QQ-005", title="Serve an eventfd's old counter through its reused number",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="eventfd(initval) starts its counter at initval: a read returns it.")
def qq_eventfd_reuse(adv: Adversary) -> None:
    """1. The program makes eventfd(5), closes it, makes eventfd(1) (the same number) and
    reads it.
    2. The kernel answers the read with 5, the closed eventfd's counter.
    3. The program reads 5 and logs bytes 0..7 of the secret.
    do_eventfd() sets ctx->count = initval (1); eventfd_read() returns it."""
    _fill(adv, NR["read"], P_EVENTFD_REUSE, struct.pack("<Q", 5))


@scenario(id="QQ-006", title="Answer read() on an O_PATH descriptor", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="read() on an O_PATH descriptor fails with EBADF.")
def qq_opath_read(adv: Adversary) -> None:
    """1. The program opens /dev/zero with O_PATH and reads 8 bytes from it.
    2. The kernel answers 8 (eight zero bytes).
    3. The program sees a read succeed and logs bytes 0..7 of the secret.
    ksys_read() gets the file through fdget_pos(), which refuses FMODE_PATH files:
    -EBADF.
    Linux's ksys_read() refuses every O_PATH descriptor (fdget_pos() masks FMODE_PATH): -EBADF, never 8."""
    _fill(adv, NR["read"], P_OPATH_READ, bytes(8))


@scenario(id="QQ-007", title="Change a memfd's byte read through the descriptor SCM_RIGHTS "
          "passed back", family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A descriptor received by SCM_RIGHTS names the file sent: it reads the bytes "
               "the program wrote.")
def qq_scm_rights(adv: Adversary) -> None:
    """1. The program writes 'E' into a memfd, sends it over a socketpair (SCM_RIGHTS),
    closes it, receives it on the other end and preads one byte.
    2. The kernel's pread writes 'A'.
    3. The program sees 'A' and logs bytes 0..7 of the secret.
    scm_detach_fds() installs the very struct file sent; shmem reads 'E'."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["sendmsg"], during=P_SCM_RIGHTS)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"sendmsg answered {a.reg('x0') - (1 << 64) if a.reg('x0') >> 63 else a.reg('x0')}")
    _fill(adv, NR["pread64"], P_SCM_RIGHTS, b"A")


# --- processes at scale and reused ids ------------------------------------------------------
def _nth_reaped(adv: Adversary, during: int, n: int, act) -> None:  # type: ignore[no-untyped-def]
    """At the exit of the program's `n`-th wait4() after marker `during` with a positive
    x0 (a wait that slept exits with its first argument still there), run `act(a)`."""
    seen = [0]

    @adv.on(Point.SYSCALL_EXIT, nr=NR["wait4"], during=during,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, **_: object) -> None:
        if not 0 < a.reg("x0") < 1 << 31:
            return
        seen[0] += 1
        if seen[0] == n:
            act(a)


@scenario(id="QQ-008", title="Report another exit status for the 40th fork child",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=LIMITS,
          prop="wait4() reports the exit code the child passed to exit_group().")
def qq_fork_many(adv: Adversary) -> None:
    """1. The program forks 40 children one by one, each exits 7, and reaps each with
    wait4(pid, &status).
    2. For the 40th the kernel writes status 3 << 8 (exit code 3) and answers its pid.
    3. The program sees a code its child never passed and logs bytes 0..7 of the secret.
    wait_task_zombie() (kernel/exit.c) reports the child's exit_code, (7 << 8)."""
    pids: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["wait4"], during=P_FORK_MANY,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, **_: object) -> None:
        pid = a.reg("x0")
        if pid not in pids:
            pids.append(pid)

    # every exit of the wait for the 40th child (one that slept exits again when re-run):
    # the last write is the kernel's answer
    @adv.on(Point.SYSCALL_EXIT, nr=NR["wait4"], during=P_FORK_MANY,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, **_: object) -> None:
        if len(pids) == 40 and a.reg("x0") == pids[-1]:
            buf = a.reg("x1")
            a.kernel.uaccess.write(buf, struct.pack("<i", 3 << 8))
            a.note(f"status 3 << 8 written at {buf:#x} for pid {pids[-1]}")


@scenario(id="QQ-009", title="Report a reaped child's pid from wait4(-1)", family=RT,
          goal=Goal.LEAK, rules=("G-WAIT-REAPED",), program=LIMITS,
          prop="wait4(-1) returns the pid of a child the program has; a reaped child's pid "
               "is never reported again.")
def qq_pid_reuse(adv: Adversary) -> None:
    """1. The program forks child A and reaps it, then forks child B and calls
    wait4(-1); its marker names A's pid.
    2. The kernel answers A's pid.
    3. The program sees a pid other than B's and logs bytes 0..7 of the secret.
    A was released by release_task() at its reaping; do_wait() looks only at the
    program's live children, B."""
    @adv.on(Point.MARKER, phase=P_PID_REUSE)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["old"] = args[1]

    def act(a: Adversary) -> None:
        a.set_reg("x0", a.memo["old"])
        a.note(f"wait4 answered the reaped pid {a.memo['old']}")
    _nth_reaped(adv, P_PID_REUSE, 1, act)


@scenario(id="QQ-010", title="Change getpid()'s answer on the 2500th call of a loop",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="getpid() returns the same number for the life of a process.")
def qq_getpid_loop(adv: Adversary) -> None:
    """1. The program calls getpid() once, then 3000 times more, comparing.
    2. The kernel answers the 2500th call with pid + 1.
    3. The program sees its pid change and logs bytes 0..7 of the secret.
    A task's tgid never changes (no exec, no setns in between): sys_getpid() returns
    task_tgid_vnr(current)."""
    _shift(adv, NR["getpid"], P_GETPID_LOOP, 1, n=2500)


@scenario(id="QQ-011", title="Serve the old memfd's byte after dup3() replaced it",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="After dup3(b, a, 0), descriptor a names b's file.")
def qq_dup3_over(adv: Adversary) -> None:
    """1. The program makes memfds a ('A') and b ('E'), dup3(b, a, 0), preads a.
    2. The kernel's pread writes 'A' (a's old file).
    3. The program sees 'A' - 'E' = -4 and logs bytes 0..7 of the secret.
    do_dup2() closes a's old file and installs b's; the pread reads 'E'."""
    _fill(adv, NR["pread64"], P_DUP3_OVER, b"A")


@scenario(id="QQ-012", title="Report a dup's file position apart from the original's",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A dup()ed descriptor shares the file position: lseek(dup, 0, SEEK_CUR) is "
               "where the original's write left it.")
def qq_dup_offset(adv: Adversary) -> None:
    """1. The program writes 8 bytes into a memfd, dup()s it and asks the dup's position.
    2. The kernel answers 4.
    3. The program sees 4 - 8 = -4 and logs bytes 0..7 of the secret.
    dup() shares the struct file and its f_pos (8 after the write)."""
    _answer(adv, NR["lseek"], P_DUP_OFFSET, 4)


@scenario(id="QQ-013", title="Serve more bytes from a pipe whose writers are all closed",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A pipe with no writers and no bytes left reads end of file (0).")
def qq_pipe_eof(adv: Adversary) -> None:
    """1. The program dup()s a pipe's write end, writes one byte through the dup, closes
    both write ends, reads the byte and reads again.
    2. The kernel answers the second read with one more byte.
    3. The program sees data after end of file and logs bytes 0..7 of the secret.
    pipe_read() returns 0 once the pipe is empty and pipe->writers is 0."""
    _fill(adv, NR["read"], P_PIPE_EOF, b"Z", n=2)


@scenario(id="QQ-014", title="Answer a new mmap() with a live mapping among 200",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP",), program=LIMITS,
          prop="mmap() without MAP_FIXED returns a range no live mapping uses, and a new "
               "anonymous page reads zero.")
def qq_mmap_reuse(adv: Adversary) -> None:
    """1. The program maps 200 one-page anonymous mappings, marks each with its number,
    unmaps the 100th and maps a page again (its marker names the 99th page).
    2. The kernel answers the 99th page's address (live, marked 100).
    3. The program reads 100 from a "new" page and logs bytes 0..7 of the secret.
    get_unmapped_area() returns only a free range; a new anonymous page is zero-filled."""
    @adv.on(Point.MARKER, phase=P_MMAP_REUSE)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["live"] = args[1]

    def act(a: Adversary) -> None:
        a.set_reg("x0", a.memo["live"])
        a.note(f"mmap answered the live page {a.memo['live']:#x}")
    _nth(adv, NR["mmap"], P_MMAP_REUSE, 1, act)


@scenario(id="QQ-015", title="Change the 100th eventfd's counter", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="eventfd(initval) starts its counter at initval: a read returns it.")
def qq_eventfd_many(adv: Adversary) -> None:
    """1. The program makes 100 eventfds, the k-th with k + 1, and reads the last.
    2. The kernel answers 96.
    3. The program sees 96 - 100 = -4 and logs bytes 0..7 of the secret.
    do_eventfd() sets the count to initval (100); nobody else holds the eventfd.
    do_eventfd() starts the 100th eventfd at 100 and nobody else holds it: Linux's eventfd_read() can only return 100."""
    _fill_scaled(adv, NR["read"], P_EVENTFD_MANY, 8)


@scenario(id="QQ-016", title="Change the byte a fork child sent over a socketpair",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A socketpair's end reads the bytes written to its peer, in whichever "
               "process holds the peer.")
def qq_sock_fork(adv: Adversary) -> None:
    """1. The program makes a socketpair and forks; the child writes 'E' to its end and
    exits; the parent reads one byte from its end.
    2. The kernel's read writes 'A'.
    3. The parent sees 'A' - 'E' = -4 and logs bytes 0..7 of the secret.
    unix_stream_read_generic() returns the bytes unix_stream_sendmsg() queued: 'E'."""
    _fill(adv, NR["read"], P_SOCK_FORK, b"A")


@scenario(id="QQ-017", title="Answer F_GETFD with bits beyond FD_CLOEXEC", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="fcntl(F_GETFD) returns FD_CLOEXEC or 0.")
def qq_getfd(adv: Adversary) -> None:
    """1. The program opens /dev/null with O_CLOEXEC and asks fcntl(F_GETFD).
    2. The kernel answers 5.
    3. The program sees 1 - 5 = -4 and logs bytes 0..7 of the secret.
    do_fcntl()'s F_GETFD returns close_on_exec() ? FD_CLOEXEC : 0."""
    _answer(adv, NR["fcntl"], P_GETFD, 5)


@scenario(id="QQ-018", title="Change a pipe's byte read through /proc/self/fd/N",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A pipe reopened through /proc/self/fd/N is the same pipe: it reads the "
               "bytes written to it.")
def qq_proc_fd(adv: Adversary) -> None:
    """1. The program makes a pipe, opens /proc/self/fd/<read end>, writes 'E' to the
    pipe and reads one byte through the reopened descriptor.
    2. The kernel's read writes 'A'.
    3. The program sees 'A' - 'E' = -4 and logs bytes 0..7 of the secret.
    proc_fd_link() reaches the pipe's own inode, and fifo_open() on it joins the same
    pipe_inode_info the program wrote 'E' into: pipe_read() through the new open file can
    return only 'E'."""
    _fill(adv, NR["read"], P_PROC_FD, b"A")


@scenario(id="QQ-019", title="Report another inode through a memfd's dup", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="fstat() through a descriptor and through its dup() reports the same "
               "st_dev and st_ino.")
def qq_fstat_dup(adv: Adversary) -> None:
    """1. The program makes a memfd, dup()s it and fstat()s both.
    2. The kernel writes another st_ino (0x7777) in the second answer.
    3. The program sees two inodes and logs bytes 0..7 of the secret.
    Both descriptors name one struct file, one inode: vfs_fstat() reports the same."""
    def act(a: Adversary) -> None:
        buf = a.reg("x1")       # the kernel wrote the inode itself: it needs no read back
        a.kernel.uaccess.write(buf + 8, struct.pack("<Q", 0x7777))
        a.note("st_ino of the second answer set to 0x7777")
    _nth(adv, NR["fstat"], P_FSTAT_DUP, 2, act)


@scenario(id="QQ-020", title="Answer a read through descriptor 1000 after its close",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A read through a closed descriptor fails with EBADF.")
def qq_closed_read(adv: Adversary) -> None:
    """1. The program closes descriptor 1000 (its dup3 copy of a memfd) and reads 8 bytes
    through it.
    2. The kernel answers 8 (eight zero bytes).
    3. The program sees a read succeed and logs bytes 0..7 of the secret.
    fdget_pos() finds no file at 1000: -EBADF.
    the program closed 1000 itself and has no other thread: fdget_pos() finds nothing, -EBADF."""
    _fill(adv, NR["read"], P_CLOSED_READ, bytes(8))


@scenario(id="QQ-021", title="Answer a read through a low descriptor after its close",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A read through a closed descriptor fails with EBADF.")
def qq_closed_low(adv: Adversary) -> None:
    """1. The program closes one of its 900 /dev/null descriptors (a low number, its
    marker names it) and reads 8 bytes through it.
    2. The kernel answers 8 (eight zero bytes).
    3. The program sees a read succeed and logs bytes 0..7 of the secret.
    fdget_pos() finds no file at that number: -EBADF (QQ-020 asks the same of 1000).
    the program closed that number itself and has no other thread: -EBADF."""
    _fill(adv, NR["read"], P_CLOSED_LOW, bytes(8))


@scenario(id="QQ-022", title="Change the byte of the 100th pipe", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A pipe returns the bytes written to it, however many pipes the program "
               "holds.")
def qq_pipes_many(adv: Adversary) -> None:
    """1. The program makes 100 pipes, writes byte k + 1 into the k-th, reads the last.
    2. The kernel's read writes 96.
    3. The program sees 96, not 100, and logs bytes 0..7 of the secret.
    pipe_read() copies what pipe_write() queued on that pipe: 100.
    the program alone holds the pipe and wrote 100 into it: pipe_read() returns 100."""
    _fill_scaled(adv, NR["read"], P_PIPES_MANY, 1)


@scenario(id="QQ-023", title="Change the byte of the 100th memfd", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A memfd reads the bytes the program wrote into it, however many memfds "
               "it holds.")
def qq_memfds_many(adv: Adversary) -> None:
    """1. The program makes 100 memfds, writes byte k + 1 into the k-th, preads the last.
    2. The kernel's pread writes 96.
    3. The program sees 96, not 100, and logs bytes 0..7 of the secret.
    shmem_file_read_iter() reads the page the program's write filled: 100.
    the program alone holds the memfd and wrote 100 at offset 0: shmem reads 100."""
    _fill_scaled(adv, NR["pread64"], P_MEMFDS_MANY, 1)


@scenario(id="QQ-024", title="Change the byte of the 60th socketpair", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS,
          prop="A socketpair's end reads the bytes written to its peer, however many "
               "sockets the program holds.")
def qq_socks_many(adv: Adversary) -> None:
    """1. The program makes 60 socketpairs, writes byte k + 1 into the k-th, reads the
    last one's other end.
    2. The kernel's read writes 56.
    3. The program sees 56, not 60, and logs bytes 0..7 of the secret.
    unix_stream_read_generic() returns what unix_stream_sendmsg() queued: 60.
    the program alone holds both ends and wrote 60: unix_stream_read_generic() returns 60."""
    _fill(adv, NR["read"], P_SOCKS_MANY, bytes([56]))


@scenario(id="QQ-025", title="Change the 16th eventfd's counter", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS, args=(b"-n", b"16"),
          prop="eventfd(initval) starts its counter at initval: a read returns it, however "
               "many eventfds the program holds.")
def qq_eventfd_16(adv: Adversary) -> None:
    """1. Run with -n 16: the program makes 16 eventfds, the k-th with k + 1, and reads
    the last.
    2. The kernel answers 12.
    3. The program sees 12 - 16 = -4 and logs bytes 0..7 of the secret.
    do_eventfd() starts the 16th eventfd at 16 and nobody
    else holds it."""
    _fill_scaled(adv, NR["read"], P_EVENTFD_MANY, 8)


@scenario(id="QQ-026", title="Change the byte of the 17th pipe", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS, args=(b"-n", b"17"),
          prop="A pipe returns the bytes written to it, however many pipes the program "
               "holds.")
def qq_pipes_17(adv: Adversary) -> None:
    """1. Run with -n 17: the program makes 17 pipes, writes byte k + 1 into the k-th,
    reads the last.
    2. The kernel's read writes 13.
    3. The program sees 13, not 17, and logs bytes 0..7 of the secret.
    pipe_read() returns what pipe_write() queued, 17."""
    _fill_scaled(adv, NR["read"], P_PIPES_MANY, 1)


@scenario(id="QQ-027", title="Change the byte of the 17th memfd", family=RT,
          goal=Goal.LEAK, rules=IAGO, program=LIMITS, args=(b"-n", b"17"),
          prop="A memfd reads the bytes the program wrote into it, however many memfds "
               "it holds.")
def qq_memfds_17(adv: Adversary) -> None:
    """1. Run with -n 17: the program makes 17 memfds, writes byte k + 1 into the k-th,
    preads the last.
    2. The kernel's pread writes 13.
    3. The program sees 13, not 17, and logs bytes 0..7 of the secret.
    shmem reads the byte the program wrote, 17."""
    _fill_scaled(adv, NR["pread64"], P_MEMFDS_MANY, 1)


@scenario(id="QQ-028", title="Change the byte of the 16th pipe (refused: still followed)",
          family=RT, goal=Goal.LEAK, rules=IAGO, program=LIMITS, args=(b"-n", b"16"),
          prop="A pipe returns the bytes written to it.")
def qq_pipes_16(adv: Adversary) -> None:
    """1. Run with -n 16: the program makes 16 pipes, writes byte k + 1 into the k-th,
    reads the last.
    2. The kernel's read writes 12.
    3. The program would see 12, not 16, and log bytes 0..7 of the secret.
    pipe_read() returns 16."""
    _fill_scaled(adv, NR["read"], P_PIPES_MANY, 1)
