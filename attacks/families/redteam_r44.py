"""Red-team round forty-four: what a read of the program's own special files returns when the
descriptor it reads was obtained otherwise than by a plain open.

Earlier rounds forged the answers of reads on descriptors the program opened plainly: the
machine files (round 32), /proc/self (round 26), counter files (rounds 21, 25), memfds
(round 30) and descriptor bookkeeping on pipes and memfds (round 33).  Here the same files
are reached through dup, dup3, fcntl F_DUPFD(_CLOEXEC), /proc/self/fd/N reopened, openat()
with a /proc dirfd, openat2(), SCM_RIGHTS over the program's own socketpair, pidfd_getfd(), a
fork child's copy and a clone(CLONE_FILES) child's open, the lowest free number after
close(0), and read(AT_FDCWD); with read, pread64 and preadv2; and with the offset a dup or a
fork child shares and the fresh one a reopen gets.

The victim is `secret_r44_files` (workloads/src/secret_r44_files.c): each step announces
itself with a marker just before the read it checks and turns what it observed into the
index of a public label in a log buffer that begins with a copy of the secret, then writes
that label to /dev/null.  Where an attack gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never produce what the
program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState

RT = "redteam_r44"
FILES = "secret_r44_files"
# secret_r44_files: the marker before each step's checked read; the one after its write is
# + 1.
(P_DUP, P_DUP3, P_DUPFD, P_REOPEN, P_DIRFD, P_OPENAT2, P_SCM, P_GETFD, P_FORK, P_FORKOFF,
 P_TIMERFD, P_EXEOFF, P_EXEREOPEN, P_URANDOM, P_PREADV2, P_LOWEST, P_NEGFD, P_CLONEFILES,
 P_COMM, P_EXESHORT) = range(4400, 4440, 2)
P_FORKTABLE, P_VFORKTABLE, P_EXEPREADV, P_EXESEEK = 4440, 4442, 4444, 4446
P_UNSHARE, P_DUP3OVER, P_CLOSERANGE = 4448, 4450, 4452
P_FIRST, P_LAST = P_DUP, P_CLOSERANGE
P_EXECKEEP = 4454           # only with -e: the exec'd image's one step
NR = NUMBERS
MASK64 = (1 << 64) - 1
# A descriptor number the program never holds at the steps that use it.
FREE_FD = 9
ELF_HEAD = b"\x7fELF\x02\x01\x01\x03"


def _fill(adv: Adversary, during: int, nr: int, make, result=None,  # type: ignore[no-untyped-def]
          child: bool = False) -> None:
    """Let the program's first call `nr` (a read: buffer x1, count x2) after marker `during`
    run with count 0, then write `make(a)` into its buffer and answer `result` (None: the
    length written).  `child`: the call of a child process, not the program's first."""
    key = ("fill", during, nr)

    def mine(a: Adversary, thread: Thread) -> bool:
        return (thread.process is not a.init) if child else thread.process is a.init

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False,  # type: ignore[arg-type]
            init_only=not child)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if key in a.memo or not mine(a, thread):
            return
        a.memo[key] = int(a.el1.syscall_args()[1])
        a.memo[(key, "count")] = a.reg("x2")
        a.set_reg("x2", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False,  # type: ignore[arg-type]
            init_only=not child)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED or not mine(a, thread):
            return
        a.memo[key] = 0
        a.set_reg("x2", a.memo.pop((key, "count")))
        data = make(a) if callable(make) else make
        a.kernel.uaccess.write(where, data)
        a.set_reg("x0", (len(data) if result is None else result) & MASK64)
        a.note(f"system call {nr} answered {a.reg('x0'):#x}, its output {data[:80]!r}")


def _answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    """Answer the program's first call `nr` after marker `during` with `value`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        was = a.reg("x0") - (1 << 64) if a.reg("x0") >> 63 else a.reg("x0")
        a.note(f"system call {nr} answered {value} instead of {was}")
        a.set_reg("x0", value & MASK64)


def _fill_iov(adv: Adversary, during: int, nr: int, data: bytes, result: int) -> None:
    """Let the program's next vector read `nr` after marker `during` run with no iovec
    (count 0: the kernel's own read copies nothing), then write `data` across the buffers
    its iovec array (argument 1) names and answer `result`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo[("iov", nr)] = (int(args[1]), int(args[2]))
        a.set_reg("x2", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        iov, count = a.memo.pop(("iov", nr), (0, 0))
        a.set_reg("x2", count)
        pos = 0
        for i in range(count):
            base = a.kernel.uaccess.read_u64(iov + 16 * i)
            n = a.kernel.uaccess.read_u64(iov + 16 * i + 8)
            chunk = data[pos:pos + n]
            if chunk:
                a.kernel.uaccess.write(base, chunk)
            pos += len(chunk)
        a.set_reg("x0", result)
        a.note(f"vector read {nr} answered {result}, its buffers {data.hex()}")


def _note_sendmsg(adv: Adversary) -> None:
    """Note what the program's sendmsg() of the SCM_RIGHTS step answered (the predecessor
    design answers EFAULT: the step then reads nothing)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["sendmsg"], during=P_SCM)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"sendmsg answered {a.reg('x0') - (1 << 64) if a.reg('x0') >> 63 else a.reg('x0')}")


ONES = b"\x01" * 8


# --- machine and /proc files through copies ------------------------------------------------
@scenario(id="XB-001", title="Serve /dev/zero read through its dup() with non-zero bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A read of /dev/zero through any copy of its descriptor fills the buffer with "
               "zero bytes.")
def xb_dup_zero(adv: Adversary) -> None:
    """1. The program opens /dev/zero, dup()s it and reads 8 bytes through the copy.
    2. The kernel answers 8 bytes of 0x01.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    dup() installs the same struct file (fs/file.c, ksys_dup -> fd_install); its read is
    read_iter_zero() (drivers/char/mem.c), which only clears the user buffer."""
    _fill(adv, P_DUP, NR["read"], ONES)


@scenario(id="XB-002", title="List an online CPU that is not possible, read through dup3() "
          "copy 77", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="/sys/devices/system/cpu/online, through any copy of its descriptor, names only "
               "possible CPUs.")
def xb_dup3_online(adv: Adversary) -> None:
    """1. The program reads possible ("0"), opens online, dup3()s it to 77 (O_CLOEXEC),
    closes the original and reads through 77.
    2. The kernel answers "0-1\\n".
    3. CPU 1 is online but not possible: index -4, the program logs bytes 0..7 of the
    secret.
    print_cpus_online() (drivers/base/cpu.c) prints cpu_online_mask, a subset of
    cpu_possible_mask; dup3() changes only the number (do_dup2)."""
    _fill(adv, P_DUP3, NR["read"], b"0-1\n")


@scenario(id="XB-003", title="Give /proc/cpuinfo read through an F_DUPFD_CLOEXEC copy two "
          "processors", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="/proc/cpuinfo, through any copy of its descriptor, has one processor entry per "
               "online CPU.")
def xb_dupfd_cpuinfo(adv: Adversary) -> None:
    """1. The program reads online ("0"), opens /proc/cpuinfo, copies it with
    fcntl(F_DUPFD_CLOEXEC, 40) and reads through the copy.
    2. The kernel serves processors 0 and 1.
    3. One entry too many: index -4, the program logs bytes 0..7 of the secret.
    c_show() (arch/arm64/kernel/cpuinfo.c) prints one entry for_each_online_cpu(); the
    copy is the same struct file (f_dupfd)."""
    _fill(adv, P_DUPFD, NR["read"], b"processor\t: 0\nBogoMIPS\t: 48.00\n\n"
                                    b"processor\t: 1\nBogoMIPS\t: 48.00\n\n")


@scenario(id="XB-004", title="Give /proc/meminfo reopened through /proc/self/fd/N more free "
          "memory than memory", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="/proc/meminfo opened again through /proc/self/fd/N is /proc/meminfo: "
               "MemFree <= MemTotal.")
def xb_reopen_meminfo(adv: Adversary) -> None:
    """1. The program opens /proc/meminfo as N, opens /proc/self/fd/N and reads the new
    descriptor.
    2. The kernel serves MemTotal 1000 kB, MemFree 2000 kB.
    3. Index -4: the program logs bytes 0..7 of the secret.
    /proc/self/fd/N is a magic link to N's path (proc_fd_link, nd_jump_link): the open
    reaches the meminfo inode, whose meminfo_proc_show() prints freeram <= totalram."""
    _fill(adv, P_REOPEN, NR["read"], b"MemTotal:           1000 kB\n"
                                     b"MemFree:            2000 kB\n")


@scenario(id="XB-005", title="Give \"stat\" opened with openat(dirfd of /proc) two cpuN lines",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="openat(dirfd of /proc, \"stat\") opens /proc/stat: one cpuN line per online "
               "CPU.")
def xb_dirfd_stat(adv: Adversary) -> None:
    """1. The program reads online ("0"), opens /proc as a directory, openat()s "stat"
    relative to it and reads it.
    2. The kernel serves cpu0 and cpu1 lines.
    3. One line too many: index -4, the program logs bytes 0..7 of the secret.
    path_init() starts the walk at the dirfd's path, /proc (the program opened it with
    O_DIRECTORY itself), so the file is /proc/stat, whose show_stat() prints a cpuN line
    for_each_online_cpu()."""
    _fill(adv, P_DIRFD, NR["read"],
          b"cpu  1 0 0 1 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n"
          b"cpu1 0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 1\nbtime 0\nprocesses 1\n")


@scenario(id="XB-006", title="Answer openat2(\"/dev/zero\") with a number, then serve its read "
          "with non-zero bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="A descriptor openat2() returns for /dev/zero reads zero bytes.")
def xb_openat2_zero(adv: Adversary) -> None:
    """1. The program opens /dev/zero with openat2() (the model has no openat2: it answers
    ENOSYS and the program falls back on openat) and reads 8 bytes.
    2. The kernel answers openat2 with descriptor 9 (a free number) and read(9) with 8
    bytes of 0x01.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    do_sys_openat2() opens the same /dev/zero inode openat would (its how.flags O_RDONLY,
    no resolve flags); its read is read_iter_zero()."""
    _answer(adv, P_OPENAT2, NR["openat2"], FREE_FD)
    _fill(adv, P_OPENAT2, NR["read"], ONES)


@scenario(id="XB-007", title="Serve /dev/zero received by SCM_RIGHTS over the program's own "
          "socketpair with non-zero bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A descriptor the program receives by SCM_RIGHTS from itself is the file it "
               "sent: /dev/zero reads zero bytes.")
def xb_scm_zero(adv: Adversary) -> None:
    """1. The program opens /dev/zero, sends it over its own socketpair with SCM_RIGHTS,
    closes it, receives the descriptor on the other end and reads 8 bytes through it.
    2. The kernel answers the read with 8 bytes of 0x01.
    3. Index -4: the program logs bytes 0..7 of the secret.
    unix_attach_fds()/scm_detach_fds() (net/unix/af_unix.c, net/core/scm.c) install the
    struct file that was sent; nobody else holds the socketpair, so the one file queued is
    the program's /dev/zero."""
    _note_sendmsg(adv)
    _fill(adv, P_SCM, NR["read"], ONES)


@scenario(id="XB-008", title="Answer pidfd_getfd() on the program's own EFD_SEMAPHORE eventfd "
          "and serve the copy's read the whole counter", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A read of an EFD_SEMAPHORE eventfd, through any copy, returns 1.")
def xb_getfd_semaphore(adv: Adversary) -> None:
    """1. The program makes an EFD_SEMAPHORE eventfd with counter 5, pidfd_open()s itself,
    takes a copy of the eventfd with pidfd_getfd() (dup() when ENOSYS, as here) and reads
    8 bytes.
    2. The kernel answers pidfd_getfd with descriptor 9 and read(9) with 5.
    3. The value is not 1: index -4, the program logs bytes 0..7 of the secret.
    pidfd_getfd() installs the target's own struct file (__pidfd_fget, receive_fd);
    eventfd_read() of an EFD_SEMAPHORE eventfd (fs/eventfd.c, eventfd_ctx_do_read) takes
    and returns exactly 1."""
    _answer(adv, P_GETFD, NR["pidfd_getfd"], FREE_FD)
    _fill(adv, P_GETFD, NR["read"], struct.pack("<Q", 5))


@scenario(id="XB-009", title="Serve an EFD_SEMAPHORE eventfd's dup() the whole counter",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A read of an EFD_SEMAPHORE eventfd, through any copy, returns 1.")
def xb_dup_semaphore(adv: Adversary) -> None:
    """1. As XB-008, but the kernel lets pidfd_getfd fail (ENOSYS): the program dup()s the
    eventfd and reads the copy.
    2. The kernel answers the read with 5, the whole counter.
    3. Index -4: the program logs bytes 0..7 of the secret.
    eventfd_ctx_do_read() takes 1 when EFD_SEMAPHORE is set; the dup is the same file."""
    _fill(adv, P_GETFD, NR["read"], struct.pack("<Q", 5))


# --- /proc/self/exe: the admitted file, its shared and fresh offsets ------------------------
@scenario(id="XB-010", title="Serve a fork child's read of /proc/self/exe through its copy of "
          "the parent's descriptor with another header", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="/proc/self/exe, read through a fork child's copy of the descriptor at offset "
               "0, holds the admitted file's first bytes.")
def xb_fork_exe(adv: Adversary) -> None:
    """1. The program opens /proc/self/exe and forks; the child reads 4 bytes through its
    copy and exits 1 unless they are "\\x7fELF"; the parent logs -4 for exit status 1.
    2. The kernel answers the child's read with "\\x7fXLF".
    3. The child exits 1: the parent logs bytes 0..7 of the secret.
    The child's table is a copy (dup_fd) of the parent's: the same struct file of the
    admitted file at f_pos 0, whose first bytes are the ELF magic."""
    _fill(adv, P_FORK, NR["read"], b"\x7fXLF", child=True)


@scenario(id="XB-011", title="Give the fork parent's read of /proc/self/exe the bytes at "
          "offset 0 after the child read them (offset not shared)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A fork child and its parent share the open file's offset: after the child "
               "read 4 bytes, the parent's read starts at offset 4.")
def xb_fork_offset(adv: Adversary) -> None:
    """1. After XB-010's child read the first 4 bytes of /proc/self/exe through its copy,
    the parent reads 4 bytes through its own descriptor.
    2. The kernel answers "\\x7fELF" (the bytes at offset 0, as if each process had its
    own offset).
    3. They are not the header's bytes 4..7: index -4, the program logs bytes 0..7 of the
    secret.
    dup_fd() copies pointers to the same struct file; f_pos lives in the file, so the
    child's read moved the parent's offset to 4 (ksys_read, file_pos_write)."""
    _fill(adv, P_FORKOFF, NR["read"], ELF_HEAD[:4])


@scenario(id="XB-012", title="Count three expiries of a one-shot timerfd read through its dup()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A one-shot timerfd's first read, through any copy, counts exactly 1 expiry.")
def xb_dup_timerfd(adv: Adversary) -> None:
    """1. The program arms a one-shot timerfd (1 ms, no interval), dup()s it and reads 8
    bytes through the copy.
    2. The kernel answers 3.
    3. The count is not 1: index -4, the program logs bytes 0..7 of the secret.
    timerfd_tmrproc() adds 1 per expiry and a timer without it_interval expires once
    (fs/timerfd.c, timerfd_read_iter: ticks = ctx->ticks)."""
    _fill(adv, P_TIMERFD, NR["read"], struct.pack("<Q", 3))


@scenario(id="XB-013", title="Give /proc/self/exe read through a dup() the bytes at offset 0 "
          "again (offset not shared)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A dup() shares the file offset: after 4 bytes read through the original, the "
               "copy reads from offset 4.")
def xb_dup_offset(adv: Adversary) -> None:
    """1. The program opens /proc/self/exe, reads 4 bytes, dup()s the descriptor and reads
    4 bytes through the copy.
    2. The kernel answers "\\x7fELF" (offset 0 again).
    3. They are not bytes 4..7: index -4, the program logs bytes 0..7 of the secret.
    dup() installs the same struct file: one f_pos (ksys_read reads file->f_pos)."""
    _fill(adv, P_EXEOFF, NR["read"], ELF_HEAD[:4])


@scenario(id="XB-014", title="Give /proc/self/exe reopened through /proc/self/fd/N the "
          "original's offset", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A reopen through /proc/self/fd/N is a new open file at offset 0: its first "
               "read returns the file's first bytes.")
def xb_reopen_exe(adv: Adversary) -> None:
    """1. The program's /proc/self/exe descriptor N stands at offset 8; it opens
    /proc/self/fd/N and reads 4 bytes.
    2. The kernel answers the file's bytes at offset 8 (zeros), as if the reopen shared
    N's offset.
    3. They are not "\\x7fELF": index -4, the program logs bytes 0..7 of the secret.
    The open through the magic link runs do_dentry_open() on a new struct file with
    f_pos 0 (alloc_empty_file); nothing moves it before the read."""
    _fill(adv, P_EXEREOPEN, NR["read"], bytes(4))


@scenario(id="XB-015", title="Answer a 32-byte /dev/urandom read through an F_DUPFD copy with "
          "16 bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=FILES,
          prop="A read of at most 256 bytes of /dev/urandom returns every byte asked for.")
def xb_urandom_short(adv: Adversary) -> None:
    """1. The program opens /dev/urandom, copies it with fcntl(F_DUPFD, 30) and reads 32
    bytes through the copy.
    2. The kernel answers 16 (16 bytes written).
    3. Short: index -4, the program logs bytes 0..7 of the secret.
    urandom_read_iter() -> get_random_bytes_user() (drivers/char/random.c) copies a
    request of at most CHACHA_KEY_SIZE (32) bytes in one copy_to_iter() of a
    kernel-stack block and returns it whole; only a fault on the buffer shortens it, and
    the buffer is the program's own writable stack."""
    _fill(adv, P_URANDOM, NR["read"], b"\x5a" * 16)


@scenario(id="XB-016", title="Serve preadv2(offset -1) of /dev/zero through a dup() with "
          "non-zero bytes in its second iovec", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A vector read of /dev/zero through any copy fills every iovec with zeros.")
def xb_preadv2_zero(adv: Adversary) -> None:
    """1. The program dup()s its /dev/zero descriptor and preadv2()s 16 bytes (offset -1)
    into two 8-byte iovecs.
    2. The kernel answers 16: zeros in the first iovec, 0x01 bytes in the second.
    3. Index -4: the program logs bytes 0..7 of the secret.
    read_iter_zero() clears every segment of the iov_iter (iov_iter_zero).
    In the predecessor design (mprotect) the kernel's copy into the buffers is refused
    (EFAULT) and the read's answer, 0 of 16 bytes, is refused by return.device_count."""
    _fill_iov(adv, P_PREADV2, NR["preadv2"], bytes(8) + ONES, 16)


# --- numbers: the lowest free one, and no descriptor at all ---------------------------------
@scenario(id="XB-017", title="After close(0), answer the open of /dev/zero with 9 and serve "
          "read(0) with non-zero bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="open() returns the lowest free descriptor number: after close(0), the next "
               "open is descriptor 0.")
def xb_lowest_free(adv: Adversary) -> None:
    """1. The program closes 0, opens /dev/zero (not using its number: the shell's
    redirection idiom) and reads 8 bytes from descriptor 0.
    2. The kernel answers the open with 9 and read(0) with 8 bytes of 0x01.
    3. Index -4: the program logs bytes 0..7 of the secret.
    do_sys_openat2() -> get_unused_fd_flags() -> alloc_fd(0, ...) takes the first zero
    bit of open_fds from next_fd, and close(0) set next_fd to 0: the open is 0, so read(0)
    is a read of /dev/zero (read_iter_zero)."""
    _answer(adv, P_LOWEST, NR["openat"], FREE_FD)
    _fill(adv, P_LOWEST, NR["read"], ONES)


@scenario(id="XB-018", title="Answer read(AT_FDCWD) with 8 bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=FILES,
          prop="read() of a negative descriptor number fails with EBADF.")
def xb_negative_fd(adv: Adversary) -> None:
    """1. The program calls read(-100, buf, 8) (AT_FDCWD, no descriptor).
    2. The kernel answers 8 and writes 8 bytes.
    3. Index -4: the program logs bytes 0..7 of the secret.
    ksys_read() -> fdget_pos(-100) -> files_lookup_fd_raw() rejects any fd >=
    fdt->max_fds as an unsigned number: -EBADF.
    Refused by return.fd_open (a negative number is never open)."""
    _fill(adv, P_NEGFD, NR["read"], ONES)


@scenario(id="XB-019", title="Serve the descriptor a clone(CLONE_FILES) child opened on "
          "/dev/zero with non-zero bytes in the parent", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A descriptor a CLONE_FILES child opens is in its parent's table: the parent's "
               "read of it is the child's /dev/zero.")
def xb_clone_files(adv: Adversary) -> None:
    """1. The program clone(CLONE_FILES | SIGCHLD)s a child that opens /dev/zero and exits
    with the number; the parent reads 8 bytes from that number.
    2. The kernel answers the parent's read with 8 bytes of 0x01.
    3. Index -4: the program logs bytes 0..7 of the secret.
    copy_files() with CLONE_FILES shares the files_struct (atomic_inc(&oldf->count)): the
    child's fd_install() put /dev/zero in the parent's table, and the child's exit does not
    close it while the parent holds the table (put_files_struct)."""
    _fill(adv, P_CLONEFILES, NR["read"], ONES)


@scenario(id="XB-020", title="Give /proc/self/comm read by pread64 through an F_DUPFD copy "
          "another name", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="/proc/self/comm read through any copy, by pread64 at 0, is the name "
               "PR_SET_NAME set.")
def xb_comm_pread(adv: Adversary) -> None:
    """1. The program sets its name to "xb44" (PR_SET_NAME), opens /proc/self/comm, copies
    it with fcntl(F_DUPFD, 20) and pread64()s it at offset 0.
    2. The kernel answers "evil\\n".
    3. Index -4: the program logs bytes 0..7 of the secret.
    comm_show() (fs/proc/base.c) prints proc_task_name() of the one thread, the name
    __set_task_comm() just stored."""
    _fill(adv, P_COMM, NR["pread64"], b"evil\n")


@scenario(id="XB-021", title="Answer pread64(offset 0, 4 bytes) of /proc/self/exe through a "
          "dup() with 2", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=FILES,
          prop="A pread of a regular file within its size returns every byte asked for.")
def xb_exe_short(adv: Adversary) -> None:
    """1. The program opens /proc/self/exe, dup()s it and pread64()s 4 bytes at offset 0.
    2. The kernel answers 2 ("\\x7fE").
    3. Short: index -4, the program logs bytes 0..7 of the secret.
    filemap_read() (mm/filemap.c) stops early only at i_size, on a fault in the user
    buffer or a fatal signal (which kills the reader): 4 bytes inside a file of many
    kilobytes come whole.
    Refused by return.admitted_count (2 correct bytes of 4 within the file)."""
    _fill(adv, P_EXESHORT, NR["pread64"], ELF_HEAD[:2])


# --- the descriptor calls the kernel model lacks, answered with the lowest free number -------
def _answer_lowest(adv: Adversary, during: int, nr: int) -> None:
    """Answer the program's first call `nr` after marker `during` with the lowest number
    free in its table (the number Linux's alloc_fd() would pick), as if it had installed a
    file there."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        fds = a.init.fds
        fd = next(n for n in range(1 << 20) if n not in fds)
        a.note(f"system call {nr} answered descriptor {fd} (the lowest free)")
        a.set_reg("x0", fd)


@scenario(id="XB-022", title="Answer openat2(\"/dev/zero\") with the lowest free number, then "
          "serve its read with non-zero bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A descriptor openat2() returns for /dev/zero reads zero bytes.")
def xb_openat2_lowest(adv: Adversary) -> None:
    """1. As XB-006: the program opens /dev/zero with openat2() and reads 8 bytes.
    2. The kernel answers openat2 with the lowest free number (4, the one XB-006's refusal
    names) and the read of it with 8 bytes of 0x01.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    do_sys_openat2() opens /dev/zero (how.flags O_RDONLY, no resolve flags) as openat()
    would; read_iter_zero() only clears the buffer."""
    _answer_lowest(adv, P_OPENAT2, NR["openat2"])
    _fill(adv, P_OPENAT2, NR["read"], ONES)


@scenario(id="XB-023", title="Answer pidfd_getfd() on the program's own EFD_SEMAPHORE eventfd "
          "with the lowest free number and serve its read the whole counter", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A read of an EFD_SEMAPHORE eventfd, through a pidfd_getfd() copy, returns 1.")
def xb_getfd_lowest(adv: Adversary) -> None:
    """1. As XB-008: the program takes a copy of its EFD_SEMAPHORE eventfd (counter 5)
    with pidfd_getfd() on a pidfd of itself and reads 8 bytes through it.
    2. The kernel answers pidfd_getfd with the lowest free number and the read with 5.
    3. The value is not 1: index -4, the program logs bytes 0..7 of the secret.
    pidfd_getfd() (kernel/pid.c) installs the target's own struct file for the eventfd
    (pidfd_getfd -> __pidfd_fget -> receive_fd); eventfd_ctx_do_read() of an
    EFD_SEMAPHORE eventfd takes and returns exactly 1."""
    _answer_lowest(adv, P_GETFD, NR["pidfd_getfd"])
    _fill(adv, P_GETFD, NR["read"], struct.pack("<Q", 5))


@scenario(id="XB-024", title="Answer a 32-byte /dev/urandom read through an F_DUPFD copy with "
          "0 (end of file)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=FILES,
          prop="/dev/urandom has no end: a read of 1..256 bytes returns every byte asked for.")
def xb_urandom_eof(adv: Adversary) -> None:
    """1. As XB-015: the program reads 32 bytes of /dev/urandom through an F_DUPFD copy.
    2. The kernel answers 0.
    3. Not 32: index -4, the program logs bytes 0..7 of the secret.
    get_random_bytes_user() returns 0 only for an empty request (iov_iter_count == 0);
    a 32-byte one is copied whole (see XB-015).
    Refused by return.device_count."""
    _fill(adv, P_URANDOM, NR["read"], b"")


@scenario(id="XB-025", title="Answer pread64(offset 0, 4 bytes) of /proc/self/exe through a "
          "dup() with 0 (end of file)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=FILES,
          prop="A pread of a regular file at an offset inside it never reports end of file.")
def xb_exe_eof(adv: Adversary) -> None:
    """1. As XB-021: the program pread64()s 4 bytes at offset 0 of /proc/self/exe
    through a dup().
    2. The kernel answers 0.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    filemap_read() returns 0 only at or past i_size; the admitted file the program runs
    from is many kilobytes long (the Guardian measured it).
    Refused by return.admitted_count."""
    _fill(adv, P_EXESHORT, NR["pread64"], b"")


# --- counts Linux fixes: short and empty answers ---------------------------------------------
@scenario(id="XB-026", title="Answer an 8-byte read of /dev/zero through its dup() with 4 zero "
          "bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=FILES,
          prop="A read of /dev/zero of at most a page returns every byte asked for.")
def xb_zero_short(adv: Adversary) -> None:
    """1. The program reads 8 bytes of /dev/zero through a dup() (XB-001's step).
    2. The kernel answers 4 (4 zero bytes).
    3. Short without an error: index -4, the program logs bytes 0..7 of the secret.
    read_iter_zero() (drivers/char/mem.c) zeroes the whole chunk (up to PAGE_SIZE) with
    iov_iter_zero() before it looks at signal_pending() or need_resched(): an 8-byte read
    into the program's own writable stack returns 8.
    Refused by return.device_count."""
    _fill(adv, P_DUP, NR["read"], bytes(4))


@scenario(id="XB-027", title="Answer the read of /dev/zero received by SCM_RIGHTS with 0 (end "
          "of file)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=FILES,
          prop="/dev/zero has no end: a read of it never returns 0 for a non-empty buffer.")
def xb_scm_zero_eof(adv: Adversary) -> None:
    """1. The program reads 8 bytes of /dev/zero through the descriptor it received from
    itself by SCM_RIGHTS (XB-007's step).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    read_iter_zero() returns 0 only when iov_iter_count() is 0 (see XB-026).
    Refused by return.device_count."""
    _note_sendmsg(adv)
    _fill(adv, P_SCM, NR["read"], b"")


@scenario(id="XB-028", title="Answer preadv2() of /dev/zero through a dup() with 8 of 16 "
          "bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=FILES,
          prop="A vector read of /dev/zero fills every iovec: 16 bytes asked, 16 returned.")
def xb_preadv2_short(adv: Adversary) -> None:
    """1. The program preadv2()s 16 bytes of /dev/zero (offset -1) into two 8-byte iovecs
    through a dup() (XB-016's step).
    2. The kernel answers 8 (zeros in the first iovec only).
    3. Short: index -4, the program logs bytes 0..7 of the secret.
    read_iter_zero() loops while iov_iter_count() is not 0, zeroing every segment.
    Refused by return.device_count (the iovec array unchanged since the entry)."""
    _fill_iov(adv, P_PREADV2, NR["preadv2"], bytes(8), 8)


@scenario(id="XB-029", title="Count no expiry in a one-shot timerfd's read through its dup()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A timerfd read that returns 8 bytes counts at least one expiry.")
def xb_timerfd_zero(adv: Adversary) -> None:
    """1. The program reads its armed one-shot timerfd through a dup() (XB-012's step).
    2. The kernel answers 8 bytes holding 0.
    3. Not 1: index -4, the program logs bytes 0..7 of the secret.
    timerfd_read_iter() waits while ctx->ticks is 0 and returns the 8 bytes only with
    ticks >= 1 (fs/timerfd.c)."""
    _fill(adv, P_TIMERFD, NR["read"], bytes(8))


@scenario(id="XB-030", title="Answer /proc/self/comm read by pread64 through an F_DUPFD copy "
          "with the name cut short", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=FILES,
          prop="pread64 of /proc/self/comm at 0 into a buffer of 15 bytes returns the whole "
               "name and its newline.")
def xb_comm_short(adv: Adversary) -> None:
    """1. The program pread64()s /proc/self/comm (name "xb44") at offset 0 into 15 bytes
    through an F_DUPFD copy (XB-020's step).
    2. The kernel answers 3 ("xb4").
    3. Not "xb44\\n": index -4, the program logs bytes 0..7 of the secret.
    seq_read_iter() copies the whole record comm_show() printed (5 bytes) into a buffer
    that holds it."""
    _fill(adv, P_COMM, NR["pread64"], b"xb4")


@scenario(id="XB-031", title="Answer an 8-byte read of /dev/zero opened plainly (openat2's "
          "fallback) with 4 zero bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=FILES,
          prop="A read of /dev/zero of at most a page returns every byte asked for.")
def xb_zero_short_plain(adv: Adversary) -> None:
    """1. The program's openat2() of /dev/zero fails (ENOSYS in the model) and it opens
    the file with openat(), then reads 8 bytes (XB-006's step): a plain open.
    2. The kernel answers 4 (4 zero bytes).
    3. Short without an error: index -4, the program logs bytes 0..7 of the secret.
    As XB-026: read_iter_zero() returns the whole 8 bytes.  This control shows the short
    count gets through on a plain open too, not only through a copy.
    Refused by return.device_count, as XB-026."""
    _fill(adv, P_OPENAT2, NR["read"], bytes(4))


# --- a child's own table ---------------------------------------------------------------------
@scenario(id="XB-032", title="After a fork child put /dev/urandom at the number of the parent's "
          "/dev/zero in its own table, serve the parent's read of it random bytes", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A fork child's opens and closes change only its own copy of the descriptor "
               "table: the parent's /dev/zero stays /dev/zero.")
def xb_fork_table(adv: Adversary) -> None:
    """1. The program opens /dev/zero as Z and forks; the child closes Z, opens
    /dev/urandom (its own lowest free number: Z) and exits; the parent reads 8 bytes of Z.
    2. The kernel answers the parent's read with 8 random-looking bytes (what a read of
    the child's Z, /dev/urandom, could give).
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    copy_process() without CLONE_FILES gives the child a copy of the table (copy_files ->
    dup_fd): the child's close_fd() and fd_install() touch only that copy, so the parent's
    Z is still its /dev/zero (read_iter_zero)."""
    _fill(adv, P_FORKTABLE, NR["read"], bytes.fromhex("5be1c0a87e31f2d9"))


@scenario(id="XB-033", title="After a vfork child put /dev/urandom at the number of the "
          "parent's /dev/zero in its own table, serve the parent's read of it random bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A vfork child shares the parent's memory, not its descriptor table: the "
               "parent's /dev/zero stays /dev/zero.")
def xb_vfork_table(adv: Adversary) -> None:
    """1. As XB-032 with vfork() (CLONE_VM | CLONE_VFORK, no CLONE_FILES): the child
    closes Z, opens /dev/urandom at Z and exits; the parent reads 8 bytes of Z.
    2. The kernel answers the parent's read with 8 random-looking bytes.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    vfork() shares the mm (CLONE_VM) but copy_files() copies the table all the same:
    the parent's Z is still /dev/zero."""
    _fill(adv, P_VFORKTABLE, NR["read"], bytes.fromhex("5be1c0a87e31f2d9"))


# --- the admitted file by the vector forms -----------------------------------------------------
@scenario(id="XB-034", title="Serve preadv(offset 0) of /proc/self/exe through a dup() with "
          "another ELF class in the second iovec", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A vector read of the admitted file at an offset returns the file's bytes there, "
               "across the iovecs in order.")
def xb_exe_preadv(adv: Adversary) -> None:
    """1. The program dup()s a /proc/self/exe descriptor and preadv()s 8 bytes at offset 0
    into two 4-byte iovecs.
    2. The kernel answers 8: "\x7fELF" in the first iovec, 01 01 01 03 (ELFCLASS32) in
    the second.
    3. Not the header: index -4, the program logs bytes 0..7 of the secret.
    do_preadv() -> vfs_iter_read() -> filemap_read() copies the file's bytes 0..7 in order;
    byte 4 of this AArch64 ELF64 file is 2."""
    _fill_iov(adv, P_EXEPREADV, NR["preadv"], b"\x7fELF\x01\x01\x01\x03", 8)


@scenario(id="XB-035", title="Serve readv() of /proc/self/exe through an F_DUPFD copy after "
          "lseek(4) with the bytes at offset 0", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A read through a copy starts at the offset lseek() set on the original (one "
               "open file, one f_pos).")
def xb_exe_seek_readv(adv: Adversary) -> None:
    """1. The program lseek()s its /proc/self/exe descriptor to 4, copies it with
    fcntl(F_DUPFD, 50) and readv()s 4 bytes through the copy.
    2. The kernel answers 4: "\x7fELF" (offset 0, as if the copy had its own offset).
    3. Not bytes 4..7: index -4, the program logs bytes 0..7 of the secret.
    vfs_llseek() set file->f_pos = 4 on the struct file both numbers name; do_readv()
    reads from that f_pos."""
    _fill_iov(adv, P_EXESEEK, NR["readv"], ELF_HEAD[:4], 4)


# --- table changes: unshare, dup3 over an open number, close_range ----------------------------
RANDOM8 = bytes.fromhex("5be1c0a87e31f2d9")


@scenario(id="XB-036", title="Answer unshare(CLONE_FILES) 0, then serve the program's "
          "/dev/zero read with non-zero bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="unshare(CLONE_FILES) copies the descriptor table: every number names the file "
               "it named, /dev/zero stays /dev/zero.")
def xb_unshare_files(adv: Adversary) -> None:
    """1. The program opens /dev/zero, calls unshare(CLONE_FILES) (ENOSYS in the model)
    and reads 8 bytes.
    2. The kernel answers unshare 0 and the read with 8 random-looking bytes.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    ksys_unshare() -> unshare_fd() -> dup_fd() gives the caller a copy of its table with
    the same struct files at the same numbers."""
    _answer(adv, P_UNSHARE, NR["unshare"], 0)
    _fill(adv, P_UNSHARE, NR["read"], RANDOM8)


@scenario(id="XB-037", title="After dup3(/dev/zero, the number of /dev/urandom), serve that "
          "number's read random bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="dup3(old, new) makes new name old's file: the number that held /dev/urandom "
               "now reads /dev/zero.")
def xb_dup3_over(adv: Adversary) -> None:
    """1. The program opens /dev/urandom as U and /dev/zero as Z, dup3(Z, U, 0)s and reads
    8 bytes of U.
    2. The kernel answers the read with 8 random-looking bytes (what U's old file, the
    urandom, would give).
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    do_dup2() installs Z's struct file at U and closes the old one (filp_close):
    U is /dev/zero."""
    _fill(adv, P_DUP3OVER, NR["read"], RANDOM8)


@scenario(id="XB-038", title="After close_range() closed /dev/urandom and /dev/zero took its "
          "number, serve that number's read random bytes", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="close_range() closes the numbers it covers: the next open takes the lowest "
               "of them, and it names the file just opened.")
def xb_close_range_reuse(adv: Adversary) -> None:
    """1. The program opens /dev/urandom as U, close_range(U, U, 0)s it, opens /dev/zero
    (the lowest free number: U) and reads 8 bytes of U.
    2. The kernel answers the read with 8 random-looking bytes.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    __close_range() -> file_close_fd_locked() frees U; alloc_fd() gives the /dev/zero
    open U (its lowest free number), so U reads zeros."""
    _fill(adv, P_CLOSERANGE, NR["read"], RANDOM8)


@scenario(id="XB-039", title="Serve the /dev/zero descriptor an exec'd image kept across "
          "execve with random bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES, args=(b"-e",),
          prop="A descriptor without FD_CLOEXEC survives execve naming the same file: the "
               "exec'd image's read of the kept /dev/zero gives zeros.")
def xb_exec_kept(adv: Adversary) -> None:
    """1. With -e the program opens /dev/zero as Z (no O_CLOEXEC) and execs itself
    (/bin/secret_r44_files --stage2 Z); the new image places its secret and reads 8 bytes
    of Z.
    2. The kernel answers the new image's read with 8 random-looking bytes.
    3. A byte is not zero: index -4, the program logs bytes 0..7 of the secret.
    begin_new_exec() -> do_close_on_exec() closes only the FD_CLOEXEC numbers: Z is the
    same struct file, /dev/zero (read_iter_zero).  (The predecessor design refuses the
    execve: the program then runs its default steps and the attack has nothing to do.)"""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["execve"])  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"execve answered {a.reg('x0') - (1 << 64) if a.reg('x0') >> 63 else a.reg('x0')}")
    _fill(adv, P_EXECKEEP, NR["read"], RANDOM8)
