"""Red-team round forty-five: the counts reads, writes and seeks report where Linux fixes
them.

Round 44 found the counts of reads on the program's own special files unjudged; the
Guardian now holds the count a read of /dev/zero, /dev/urandom, /dev/random or an admitted
file reports to Linux's.  Here the same question is asked of every other file whose count
Linux fixes: a pipe and a socketpair only the program holds, a memfd it made (read and
lseek), /dev/null (read, write, writev), /dev/zero (pwrite64, pread64, readv, a buffer whose
tail is unmapped), /dev/full (read and write), an eventfd and a timerfd read of 16 bytes,
getdents64 of a directory, a read answered EFAULT into a mapped writable buffer, and
/proc/self/exe's lseek to its end and pread64 at and before it.

The victim is `secret_r45_counts` (workloads/src/secret_r45_counts.c): each step announces
itself with a marker just before the call it checks and turns what it observed into the
index of a public label in a log buffer that begins with a copy of the secret, then writes
that label to /dev/null.  Where an attack gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never produce what the
program saw.  Honest answers the Guardian refuses (false refusals) are in
tests/test_redteam_r45_claims.py.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState

RT = "redteam_r45"
COUNTS = "secret_r45_counts"
# secret_r45_counts: the marker before each step's checked call; the one after its write
# is + 1.
(P_PIPE, P_PIPEW, P_MEMFD, P_MEMSEEK, P_NULLR, P_NULLW, P_NULLWV, P_ZEROPW, P_FULLW,
 P_FULLR, P_EVENTFD, P_TIMERFD, P_DENTS, P_EFAULT, P_ZEROV, P_SOCK, P_URANDOM, P_EXESEEK,
 P_EXETAIL, P_EXEEOF, P_ZEROPR, P_ZEROEDGE, P_ZEROBIG, P_URANDBIG) = range(4500, 4548, 2)
P_FIRST, P_LAST = P_PIPE, P_URANDBIG
# Only with -m: writes past MAX_RW_COUNT; only with -c: memfd answers (claims).
(P_HUGEW, P_HUGEWV, P_MEMGROW, P_MEMMAP, P_MEMHOLE, P_FORKPIPE, P_FORKEFD, P_FORKMEM,
 P_REOPENPIPE, P_REOPENMEM, P_ZERONONE, P_ZEROSIGBUS, P_PASSCRED, P_NOWAIT) = range(4548, 4576, 2)
MAX_RW_COUNT = 0x7FFF_F000
NR = NUMBERS
MASK64 = (1 << 64) - 1
EFAULT = 14


def _fill(adv: Adversary, during: int, nr: int, make, result=None) -> None:  # type: ignore[no-untyped-def]
    """Let the program's first call `nr` (buffer x1, count x2) after marker `during` run
    with count 0, then write `make` (bytes, or a function of the adversary) into its
    buffer and answer `result` (None: the length written)."""
    key = ("fill", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if key in a.memo or thread.process is not a.init:
            return
        a.memo[key] = int(a.el1.syscall_args()[1])
        a.memo[(key, "count")] = a.reg("x2")
        a.set_reg("x2", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED or thread.process is not a.init:
            return
        a.memo[key] = 0
        a.set_reg("x2", a.memo.pop((key, "count")))
        data = make(a) if callable(make) else make
        if data:
            a.kernel.uaccess.write(where, data)
        a.set_reg("x0", (len(data) if result is None else result) & MASK64)
        a.note(f"system call {nr} answered {a.reg('x0'):#x}, its output {data[:80]!r}")


def _answer(adv: Adversary, during: int, nr: int, value, ) -> None:  # type: ignore[no-untyped-def]
    """Answer the program's first call `nr` after marker `during` with `value` (or
    value(what the kernel's own call returned))."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        was = a.reg("x0") - (1 << 64) if a.reg("x0") >> 63 else a.reg("x0")
        v = value(was) if callable(value) else value
        a.note(f"system call {nr} answered {v} instead of {was}")
        a.set_reg("x0", v & MASK64)


def _fill_iov(adv: Adversary, during: int, nr: int, data: bytes, result: int) -> None:
    """Let the program's next vector call `nr` after marker `during` run with no iovec,
    then write `data` across the buffers its iovec array names and answer `result`."""
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
        a.note(f"vector call {nr} answered {result}, its buffers {data.hex()}")


def _S(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-IAGO-COUNT",),
       **kw):  # type: ignore[no-untyped-def]
    return scenario(id=id_, title=title, family=RT, goal=Goal.LEAK, rules=rules,
                    program=COUNTS, prop=prop, **kw)


# --- pipes, sockets and memfds the program alone holds -------------------------------------
@_S("XC-001", "Answer a read of the program's own pipe holding 8 bytes with 4 of them",
    "A read of a pipe holding n bytes, asking for more, returns all n.")
def xc_pipe_short(adv: Adversary) -> None:
    """1. The program makes a pipe, writes "abcdefgh" into it and reads 16 bytes.
    2. The kernel answers 4 bytes "abcd".
    3. Fewer than the 8 bytes the pipe held: index -4, the program logs bytes 0..7 of the
    secret.
    pipe_read() (fs/pipe.c) copies from every non-empty buffer until the request or the
    pipe is exhausted; nobody else holds either end, so the 8 bytes one write() queued
    are all there and all returned.
    Linux could never answer 4: the pipe's one buffer held 8 bytes, and a fault part-way
    makes pipe_read() answer EFAULT (ret was 0), not a short count."""
    _fill(adv, P_PIPE, NR["read"], b"abcd")


@_S("XC-002", "Answer an 8-byte write into the program's own empty pipe with 4",
    "A blocking write of n <= PIPE_BUF bytes into a pipe with room writes all n.")
def xc_pipe_write_short(adv: Adversary) -> None:
    """1. The program makes a pipe and writes 8 bytes into it (empty, 16 pages of room).
    2. The kernel answers 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c): a write of at most PIPE_BUF bytes is atomic: it merges
    whole into the last buffer or fills one new buffer whole, or fails before any byte
    counts (a fault, a full non-blocking pipe, a signal while it waits, no reader).
    Linux could never answer 4: a copy fault in pipe_write() answers EFAULT when nothing
    was written, and an empty pipe never makes it wait for a signal."""
    _answer(adv, P_PIPEW, NR["write"], 4)


@_S("XC-003", "Answer a read of the program's own 16-byte memfd with 12 bytes",
    "A read of a memfd from offset 0 asking for more than its size returns its size.")
def xc_memfd_short(adv: Adversary) -> None:
    """1. The program makes a memfd, writes 16 bytes, seeks to 0 and reads 32.
    2. The kernel answers the first 12 bytes.
    3. Index -4: the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) copies up to i_size (16); nobody else holds the
    memfd, so nothing truncated it.
    Linux could never answer 12: the read is short only when the copy faults, and 12
    bytes into a 32-byte stack buffer is not a page boundary."""
    _fill(adv, P_MEMFD, NR["read"], b"0123456789ab")


@_S("XC-004", "Answer lseek(SEEK_END) of the program's own 16-byte memfd with 4096",
    "lseek(SEEK_END, 0) of a memfd returns its size.")
def xc_memfd_seek(adv: Adversary) -> None:
    """1. The program makes a memfd, writes 16 bytes, then lseek(fd, 0, SEEK_END).
    2. The kernel answers 4096.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_llseek() -> generic_file_llseek_size() (fs/read_write.c) returns i_size +
    0 = 16 for SEEK_END; only the program holds the memfd."""
    _answer(adv, P_MEMSEEK, NR["lseek"], 4096)


# --- /dev/null, /dev/zero, /dev/full -------------------------------------------------------
@_S("XC-005", "Answer a read of /dev/null with 8 bytes",
    "A read of /dev/null returns 0 (end of file).")
def xc_null_read(adv: Adversary) -> None:
    """1. The program opens /dev/null read-only and reads 8 bytes.
    2. The kernel answers 8 (its buffer 8 zero bytes).
    3. A positive count: index -4, the program logs bytes 0..7 of the secret.
    read_null() / read_iter_null() (drivers/char/mem.c) return 0 always.
    Linux could never answer a positive count: /dev/null's read has no data to give."""
    _fill(adv, P_NULLR, NR["read"], bytes(8))


@_S("XC-006", "Answer an 8-byte write to /dev/null with 4",
    "A write to /dev/null reports every byte written.")
def xc_null_write(adv: Adversary) -> None:
    """1. The program writes 8 bytes to /dev/null.
    2. The kernel answers 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    write_null() (drivers/char/mem.c) returns count.
    Linux could never answer 4: write_null() neither copies nor waits, so nothing can
    cut it short."""
    _answer(adv, P_NULLW, NR["write"], 4)


@_S("XC-007", "Answer a writev of 8 + 8 bytes to /dev/null with 8",
    "A writev to /dev/null reports the sum of its iovecs' lengths.")
def xc_null_writev(adv: Adversary) -> None:
    """1. The program writev()s two 8-byte iovecs to /dev/null.
    2. The kernel answers 8.
    3. Index -4: the program logs bytes 0..7 of the secret.
    write_iter_null() (drivers/char/mem.c) returns iov_iter_count(from), 16.
    Linux could never answer 8: write_iter_null() neither copies nor waits; only
    import_iovec() can fail, and that is an error."""
    _answer(adv, P_NULLWV, NR["writev"], 8)


@_S("XC-008", "Answer an 8-byte pwrite64 to /dev/zero with 4",
    "A write to /dev/zero reports every byte written.")
def xc_zero_pwrite(adv: Adversary) -> None:
    """1. The program opens /dev/zero write-only and pwrite64()s 8 bytes at offset 0.
    2. The kernel answers 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    /dev/zero's write is write_zero -> write_null() / write_iter_zero (drivers/char/mem.c):
    it returns count (the device has FMODE_PWRITE, so pwrite64 reaches it).
    Linux could never answer 4: /dev/zero's write neither copies nor waits."""
    _answer(adv, P_ZEROPW, NR["pwrite64"], 4)


@_S("XC-009", "Answer a write to /dev/full with 8 (success)",
    "A write to /dev/full fails with ENOSPC.")
def xc_full_write(adv: Adversary) -> None:
    """1. The program opens /dev/full and writes 8 bytes.
    2. The kernel answers 8.
    3. A count: index -4, the program logs bytes 0..7 of the secret.
    write_full() (drivers/char/mem.c) returns -ENOSPC always.
    Linux could never answer a count: every write to /dev/full fails."""
    _answer(adv, P_FULLW, NR["write"], 8)


@_S("XC-010", "Answer an 8-byte read of /dev/full with 4 zero bytes",
    "A read of /dev/full fills the whole buffer with zero bytes.")
def xc_full_read(adv: Adversary) -> None:
    """1. The program opens /dev/full and reads 8 bytes.
    2. The kernel answers 4 zero bytes.
    3. Fewer than 8: index -4, the program logs bytes 0..7 of the secret.
    /dev/full reads with read_iter_zero() (drivers/char/mem.c, full_fops), the same whole
    count as /dev/zero.
    Linux could never answer 4: /dev/full reads as /dev/zero does, short only at a page
    multiple or a fault, and the 8-byte buffer is mapped."""
    _fill(adv, P_FULLR, NR["read"], bytes(4))


# --- eventfd, timerfd, getdents64 ----------------------------------------------------------
@_S("XC-011", "Answer a 16-byte read of eventfd(3) with 16",
    "An eventfd read returns 8 (one u64) whatever the count asked, when it is >= 8.")
def xc_eventfd_16(adv: Adversary) -> None:
    """1. The program makes an eventfd with counter 3 and reads 16 bytes.
    2. The kernel answers 16: the value 3, then 8 zero bytes.
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    eventfd_read() (fs/eventfd.c) copies one u64 and returns sizeof(ucnt).
    Linux could never answer 16: every successful eventfd read is exactly 8 bytes."""
    _fill(adv, P_EVENTFD, NR["read"], struct.pack("<QQ", 3, 0))


@_S("XC-012", "Answer a 16-byte read of a one-shot timerfd with 4",
    "A timerfd read returns 8 (one u64) or an error, never fewer bytes.")
def xc_timerfd_4(adv: Adversary) -> None:
    """1. The program arms a one-shot timerfd (1 ms) and reads 16 bytes.
    2. The kernel answers 4 bytes (1, 0, 0, 0).
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    timerfd_read() (fs/timerfd.c) refuses counts below 8 with EINVAL and otherwise
    put_user()s one u64 and returns sizeof(ticks).
    Linux could never answer 4: every successful timerfd read is exactly 8 bytes."""
    _fill(adv, P_TIMERFD, NR["read"], b"\x01\x00\x00\x00")


@_S("XC-013", "Answer getdents64 of / with one 20-byte record",
    "getdents64 returns the sum of whole records, each a multiple of 8 bytes long.")
def xc_getdents_odd(adv: Adversary) -> None:
    """1. The program opens / as a directory and calls getdents64 with 4096 bytes.
    2. The kernel answers 20: one record whose d_reclen is 20 ("." with no padding).
    3. A record length not a multiple of 8: index -4, the program logs bytes 0..7 of the
    secret.
    filldir64() (fs/readdir.c) makes every record ALIGN(offsetof(d_name) + namlen + 1,
    sizeof(u64)) long and getdents64 returns the sum of the records it wrote."""
    rec = struct.pack("<QqHB", 2, 1, 20, 4) + b"."
    _fill(adv, P_DENTS, NR["getdents64"], rec)


# --- /dev/zero and /dev/urandom ------------------------------------------------------------
@_S("XC-014", "Answer an 8-byte read of the program's own eventfd(3) with the value 5",
    "An eventfd read returns the counter the program's own writes made.",
    rules=("G-IAGO-OUTPUT",))
def xc_eventfd_value(adv: Adversary) -> None:
    """1. The program makes an eventfd with counter 3 (no EFD_SEMAPHORE) and reads 16 bytes.
    2. The kernel answers 8: the value 5.
    3. Not 3: index -4, the program logs bytes 0..7 of the secret.
    eventfd_read() (fs/eventfd.c, eventfd_ctx_do_read) returns the whole counter, which
    only eventfd_write() through this descriptor (or an in-kernel eventfd_signal() on a
    context the program handed to io_uring/aio/KVM, none here) can raise from its initial
    3; only the program holds the descriptor and it wrote nothing."""
    _fill(adv, P_EVENTFD, NR["read"], struct.pack("<Q", 5))


@_S("XC-015", "Answer a readv of /dev/zero into three 8-byte iovecs with 16",
    "A readv of /dev/zero fills all its iovecs.")
def xc_zero_readv(adv: Adversary) -> None:
    """1. The program readv()s /dev/zero into three 8-byte iovecs.
    2. The kernel zeroes the first two and answers 16.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    read_iter_zero() (drivers/char/mem.c) zeroes iov_iter_count() bytes (24) across the
    iovecs: with no fault and no signal before a page is done it returns all of them."""
    _fill_iov(adv, P_ZEROV, NR["readv"], bytes(16), 16)


@_S("XC-016", "Answer a read of the program's own socketpair holding 8 bytes with 4",
    "A stream socket read returns every byte queued, up to the count.")
def xc_sock_short(adv: Adversary) -> None:
    """1. The program makes an AF_UNIX stream socketpair, writes 8 bytes into one end and
    reads 16 from the other.
    2. The kernel answers 4 bytes "stre".
    3. Index -4: the program logs bytes 0..7 of the secret.
    unix_stream_read_generic() (net/unix/af_unix.c) copies from queued skbs until the
    count or the queue runs out; the one skb holds all 8 bytes and nobody else holds the
    sockets."""
    _fill(adv, P_SOCK, NR["read"], b"stre")


@_S("XC-017", "Answer a 100-byte read of /dev/urandom with 50 bytes",
    "A read of /dev/urandom of less than a page returns the whole count.")
def xc_urandom_short(adv: Adversary) -> None:
    """1. The program reads 100 bytes of /dev/urandom.
    2. The kernel answers 50 bytes.
    3. Index -4: the program logs bytes 0..7 of the secret.
    get_random_bytes_user() (drivers/char/random.c) stops early only at a signal when the
    count so far is a page multiple, or at a fault: neither for 100 bytes into a mapped
    buffer."""
    _fill(adv, P_URANDOM, NR["read"], b"\x42" * 50)


# --- the program's own image ---------------------------------------------------------------
@_S("XC-018", "Answer lseek(SEEK_END) of /proc/self/exe with its size plus a page",
    "lseek(SEEK_END, 0) of the program's own image returns its size (fstat's st_size).",
    rules=("G-IAGO-OUTPUT",))
def xc_exe_seek(adv: Adversary) -> None:
    """1. The program opens /proc/self/exe, fstat()s it and lseek(fd, 0, SEEK_END)s.
    2. The kernel answers the size plus 4096.
    3. Not st_size: index -4, the program logs bytes 0..7 of the secret.
    generic_file_llseek() (fs/read_write.c) returns i_size for SEEK_END, the st_size
    vfs_getattr() just reported; the image cannot change while it is mapped for exec
    (deny_write_access, ETXTBSY).
    Linux could never answer more than st_size: the image is the program's own admitted
    file, which nobody can write while it runs."""
    _answer(adv, P_EXESEEK, NR["lseek"], lambda was: was + 4096)


@_S("XC-019", "Answer pread64 of 16 bytes at size - 4 of /proc/self/exe with 16",
    "A read of a regular file never returns bytes past its end.")
def xc_exe_tail(adv: Adversary) -> None:
    """1. The program preads 16 bytes of /proc/self/exe at its size - 4.
    2. The kernel answers 16 bytes.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    filemap_read() (mm/filemap.c) clamps every copy to i_size: 4 bytes remain."""
    _fill(adv, P_EXETAIL, NR["pread64"], b"\x00" * 16)


@_S("XC-020", "Answer pread64 of 8 bytes at the end of /proc/self/exe with 8",
    "A read of a regular file at its end returns 0.")
def xc_exe_eof(adv: Adversary) -> None:
    """1. The program preads 8 bytes of /proc/self/exe at its size.
    2. The kernel answers 8 bytes.
    3. A positive count: index -4, the program logs bytes 0..7 of the secret.
    filemap_read() (mm/filemap.c) returns 0 when iocb->ki_pos >= i_size."""
    _fill(adv, P_EXEEOF, NR["pread64"], b"\x00" * 8)


@_S("XC-021", "Answer pread64 of 8 bytes of /dev/zero at offset 4096 with 4",
    "A positioned read of /dev/zero fills the whole buffer.")
def xc_zero_pread(adv: Adversary) -> None:
    """1. The program preads 8 bytes of /dev/zero at offset 4096.
    2. The kernel answers 4 zero bytes.
    3. Index -4: the program logs bytes 0..7 of the secret.
    The offset means nothing to read_iter_zero() (drivers/char/mem.c): the count is whole."""
    _fill(adv, P_ZEROPR, NR["pread64"], bytes(4))


@_S("XC-022", "Answer a 16-byte /dev/zero read whose last 8 bytes are unmapped with 16",
    "A read never reports bytes copied into an address that is not mapped.")
def xc_zero_edge(adv: Adversary) -> None:
    """1. The program maps two pages, unmaps the second and reads 16 bytes of /dev/zero
    at 8 bytes before the hole.
    2. The kernel zeroes the 8 mapped bytes and answers 16.
    3. More than 8: index -4, the program logs bytes 0..7 of the secret.
    iov_iter_zero() (lib/iov_iter.c) stops at the fault; read_iter_zero() returns the 8
    bytes written."""
    _fill(adv, P_ZEROEDGE, NR["read"], bytes(8), result=16)


@_S("XC-023", "Answer an 8192-byte read of /dev/zero with 4100",
    "A /dev/zero read stops short only at a page multiple (a signal) or a fault.")
def xc_zero_big(adv: Adversary) -> None:
    """1. The program reads 8192 bytes of /dev/zero into a mapped, writable buffer.
    2. The kernel zeroes 4100 bytes and answers 4100.
    3. Neither 8192 nor 4096: index -4, the program logs bytes 0..7 of the secret.
    read_iter_zero() (drivers/char/mem.c) checks signal_pending() only after each whole
    page (chunk = PAGE_SIZE); the buffer cannot fault."""
    _fill(adv, P_ZEROBIG, NR["read"], bytes(4100))


@_S("XC-024", "Answer an 8192-byte read of /dev/urandom with 4160",
    "A /dev/urandom read stops short only at a page multiple (a signal) or a fault.")
def xc_urandom_big(adv: Adversary) -> None:
    """1. The program reads 8192 bytes of /dev/urandom.
    2. The kernel answers 4160 bytes (65 ChaCha blocks).
    3. Neither 8192 nor 4096: index -4, the program logs bytes 0..7 of the secret.
    get_random_bytes_user() (drivers/char/random.c) tests signal_pending() only when
    ret % PAGE_SIZE == 0."""
    _fill(adv, P_URANDBIG, NR["read"], b"\x42" * 4160)


# --- contents and counts beyond the data ---------------------------------------------------
@_S("XC-025", "Answer a read of the program's own pipe with 8 bytes it never wrote",
    "A read of a pipe only the program holds returns the bytes it wrote, in order.",
    rules=("G-IAGO-OUTPUT",))
def xc_pipe_forged(adv: Adversary) -> None:
    """1. The program writes "abcdefgh" into its own pipe and reads 16 bytes.
    2. The kernel answers 8 bytes "abcdefgX".
    3. Not what it wrote: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) copies the pipe_buffer pipe_write() filled; nobody else
    holds an end of the pipe."""
    _fill(adv, P_PIPE, NR["read"], b"abcdefgX")


@_S("XC-026", "Answer a read of the program's own socketpair with 8 bytes it never sent",
    "A stream socket read, the peer the program's own, returns the bytes it sent.",
    rules=("G-IAGO-OUTPUT",))
def xc_sock_forged(adv: Adversary) -> None:
    """1. The program writes "stream!!" into one end of its socketpair and reads 16 from
    the other.
    2. The kernel answers 8 bytes "streamXX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    unix_stream_read_generic() (net/unix/af_unix.c) copies the skb unix_stream_sendmsg()
    queued from the program's own buffer."""
    _fill(adv, P_SOCK, NR["read"], b"streamXX")


@_S("XC-027", "Answer a read of the program's own memfd with 16 bytes it never wrote",
    "A read of a memfd only the program holds returns the bytes it wrote.",
    rules=("G-IAGO-OUTPUT",))
def xc_memfd_forged(adv: Adversary) -> None:
    """1. The program writes "0123456789abcdef" into its memfd, seeks to 0 and reads 32.
    2. The kernel answers 16 bytes "0123456789abcdeX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) copies the page cache shmem_write_begin() filled;
    nobody else holds the memfd or maps it."""
    _fill(adv, P_MEMFD, NR["read"], b"0123456789abcdeX")


@_S("XC-028", "Answer a read of the program's own 16-byte memfd with 32 bytes",
    "A read of a memfd never returns bytes past its size.")
def xc_memfd_long(adv: Adversary) -> None:
    """1. As XC-003: the program reads 32 bytes of its own 16-byte memfd from offset 0.
    2. The kernel answers 32: the 16 bytes, then 16 bytes of 'X'.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) stops at i_size (16)."""
    _fill(adv, P_MEMFD, NR["read"], b"0123456789abcdef" + b"X" * 16)


@_S("XC-029", "Answer a read of an expired one-shot timerfd with 0 expirations",
    "A blocking timerfd read returns a count of at least 1.", rules=("G-IAGO-OUTPUT",))
def xc_timerfd_zero(adv: Adversary) -> None:
    """1. The program arms a one-shot timerfd (1 ms) and reads 16 bytes (blocking).
    2. The kernel answers 8 bytes: the count 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    timerfd_read() (fs/timerfd.c) waits until ctx->ticks is non-zero and returns it; it
    never returns 0 expirations to a blocking reader (the one exception, a clock
    change cancelling a TFD_TIMER_CANCEL_ON_SET timer, answers ECANCELED and the program
    did not set it)."""
    _fill(adv, P_TIMERFD, NR["read"], struct.pack("<Q", 0))


@_S("XC-030", "Answer lseek(SEEK_END) of /proc/self/exe with its size less a page",
    "lseek(SEEK_END, 0) of the program's own image returns its size (fstat's st_size).",
    rules=("G-IAGO-OUTPUT",))
def xc_exe_seek_less(adv: Adversary) -> None:
    """1. As XC-018: the program fstat()s /proc/self/exe and lseek(fd, 0, SEEK_END)s.
    2. The kernel answers the size less 4096.
    3. Not st_size: index -4, the program logs bytes 0..7 of the secret.
    generic_file_llseek() (fs/read_write.c) returns i_size; the running image cannot be
    truncated (ETXTBSY).
    Linux could never answer less than st_size: nobody can truncate the running image.
    """
    _answer(adv, P_EXESEEK, NR["lseek"], lambda was: was - 4096)


# --- past MAX_RW_COUNT (the victim's -m switch) --------------------------------------------
@_S("XC-031", "Answer write(/dev/null, 0x80001000 bytes) with 0x80001000",
    "A write never reports more than MAX_RW_COUNT (0x7ffff000) bytes.", args=(b"-m",))
def xc_huge_write(adv: Adversary) -> None:
    """1. With -m the program writes 0x80001000 bytes from a 32-byte label to /dev/null
    (Linux never reads the buffer: access_ok() only checks the range).
    2. The kernel lets its own write run with 8 bytes and answers 0x80001000.
    3. More than MAX_RW_COUNT: index -4, the program logs bytes 0..7 of the secret.
    vfs_write() (fs/read_write.c) cuts count to MAX_RW_COUNT (INT_MAX & PAGE_MASK) before
    write_null() returns it: Linux answers 0x7ffff000.
    Linux could never answer more than 0x7ffff000 for any single write.
    """
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["write"], during=P_HUGEW)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", 8)
    _answer(adv, P_HUGEW, NR["write"], 0x8000_1000)


@_S("XC-032", "Answer writev(/dev/null) of 0x40000000 + 0x40001000 bytes with 0x80001000",
    "A writev never reports more than MAX_RW_COUNT (0x7ffff000) bytes.", args=(b"-m",))
def xc_huge_writev(adv: Adversary) -> None:
    """1. With -m the program writev()s two iovecs of 0x40000000 and 0x40001000 bytes
    (both from a 32-byte label) to /dev/null.
    2. The kernel lets its own writev run with no iovec and answers 0x80001000.
    3. More than MAX_RW_COUNT: index -4, the program logs bytes 0..7 of the secret.
    import_iovec() -> iovec_from_user()/__import_iovec() (lib/iov_iter.c) shortens the
    iovecs so their sum is at most MAX_RW_COUNT; write_iter_null() returns that sum.
    Linux could never answer more than 0x7ffff000 for any single writev.
    """
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["writev"], during=P_HUGEWV)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", 0)
    _answer(adv, P_HUGEWV, NR["writev"], 0x8000_1000)


# --- the -c steps: memfds grown, holed, written by a child or through a reopen -------------
@_S("XC-033", "Glue a fork child's and the parent's bytes in one read of a SO_PASSCRED "
    "socketpair", "With credentials passing, a stream read never returns two writers' bytes "
    "together.", rules=("G-IAGO-COUNT",), args=(b"-c",))
def xc_passcred_glue(adv: Adversary) -> None:
    """1. With -c the program sets SO_PASSCRED on one end of its socketpair; a fork child
    sends "abcd" on the other and exits, then the parent sends "efgh"; it reads 16.
    2. The kernel answers 8 bytes "abcdefgh".
    3. Not 4 "abcd": index -4, the program logs bytes 0..7 of the secret.
    unix_stream_read_generic() (net/unix/af_unix.c): once credentials pass
    (unix_may_passcred), "Never glue messages from different writers": the second skb's
    pid (the parent's) differs from the first's (the child's), so the read stops at 4.
    Linux could never answer 8 (qemu-user on a real kernel answers 4)."""
    _fill(adv, P_PASSCRED, NR["read"], b"abcdefgh")


@_S("XC-034", "Answer a read of a memfd's hole with non-zero bytes",
    "A memfd's hole reads as zero bytes.", rules=("G-IAGO-OUTPUT",), args=(b"-c",))
def xc_memfd_hole(adv: Adversary) -> None:
    """1. With -c the program pwrite64s "z" at offset 100 of a fresh memfd and pread64s
    200 bytes at 0.
    2. The kernel answers 101 bytes: 100 of 'X', then "z".
    3. Index -4: the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) copies ZERO_PAGE for an index with no folio:
    offsets 0..99 were never written."""
    _fill(adv, P_MEMHOLE, NR["pread64"], b"X" * 100 + b"z")


@_S("XC-035", "Answer a read of a memfd grown by ftruncate with non-zero bytes past its data",
    "Bytes ftruncate adds to a memfd read as zero.", rules=("G-IAGO-OUTPUT",),
    args=(b"-c",))
def xc_memfd_grown(adv: Adversary) -> None:
    """1. With -c the program writes 16 bytes into a memfd, ftruncate()s it to 32, seeks
    to 0 and reads 64.
    2. The kernel answers 32: the 16 bytes, then 16 of 'X'.
    3. Index -4: the program logs bytes 0..7 of the secret.
    shmem_setattr() -> i_size_write() only moves the size; the new range has no folio
    and reads as zeros (shmem_file_read_iter)."""
    _fill(adv, P_MEMGROW, NR["read"], b"0123456789abcdef" + b"X" * 16)


@_S("XC-036", "Answer a read of a memfd a fork child wrote with other bytes",
    "A memfd written by the program's own fork child reads back what the child wrote.",
    rules=("G-IAGO-OUTPUT",), args=(b"-c",))
def xc_fork_memfd(adv: Adversary) -> None:
    """1. With -c a fork child pwrite64s "childmem" at 0 of the parent's one-page memfd
    and exits; the parent reaps it and pread64s 8 at 0.
    2. The kernel answers "childmeX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    The child's descriptor is the same struct file (dup_fd at fork); shmem_file_read_iter
    returns the page the child's shmem_write_end() dirtied."""
    _fill(adv, P_FORKMEM, NR["pread64"], b"childmeX")


@_S("XC-037", "Answer a read of a memfd written through /proc/self/fd/N with other bytes",
    "A memfd written through a reopen of /proc/self/fd/N reads back those bytes.",
    rules=("G-IAGO-OUTPUT",), args=(b"-c",))
def xc_reopen_memfd(adv: Adversary) -> None:
    """1. With -c the program reopens its memfd through /proc/self/fd/N (O_RDWR),
    pwrite64s "reopened" at 0 through the new descriptor and pread64s 8 through the first.
    2. The kernel answers "reopeneX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    proc_fd_link()/nd_jump_link() reach the memfd's own inode: both descriptors read and
    write the same page cache.
    Linux could never answer "reopeneX": the only writes the memfd saw are the program's
    own, through either descriptor.
    """
    _fill(adv, P_REOPENMEM, NR["pread64"], b"reopeneX")


@_S("XC-038", "Answer a read of an eventfd a fork child wrote 7 into with 9",
    "An eventfd's counter is the sum of what the program and its children wrote.",
    rules=("G-IAGO-OUTPUT",), args=(b"-c",))
def xc_fork_eventfd(adv: Adversary) -> None:
    """1. With -c a fork child writes 7 into the parent's eventfd(0) and exits; the parent
    reaps it and reads 8 bytes.
    2. The kernel answers 9.
    3. Index -4: the program logs bytes 0..7 of the secret.
    eventfd_write() (fs/eventfd.c) adds 7 to the one counter both share; nobody else
    holds it."""
    _fill(adv, P_FORKEFD, NR["read"], struct.pack("<Q", 9))


@_S("XC-039", "Answer a read of the program's own pipe holding 8 bytes with 0 (end of file)",
    "A pipe read with bytes waiting never answers end of file.", args=(b"-c",))
def xc_pipe_eof(adv: Adversary) -> None:
    """1. As XC-001: the program reads 16 bytes of its own pipe, 8 bytes waiting and its
    write end open.
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) returns 0 only when the pipe is empty and has no writer.
    Linux could never answer 0: the program still holds the write end.
    """
    _fill(adv, P_PIPE, NR["read"], b"")


@_S("XC-040", "Answer a read of a pipe a fork child wrote 8 bytes into with 4 of them",
    "A read of a pipe holding n bytes, asking for more, returns all n.", args=(b"-c",))
def xc_fork_pipe_short(adv: Adversary) -> None:
    """1. With -c a fork child writes "childpip" into the parent's pipe and exits; the
    parent reaps it and reads 16.
    2. The kernel answers 4 bytes "chil".
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) copies every byte waiting up to the count.
    Linux could never answer 4: the child's 8 bytes are in one pipe buffer, and a fault
    answers EFAULT, not a short count.
    """
    _fill(adv, P_FORKPIPE, NR["read"], b"chil")


@_S("XC-041", "Answer a read of a pipe written through /proc/self/fd/W with other bytes",
    "A pipe written through a reopen of /proc/self/fd/W returns those bytes.",
    rules=("G-IAGO-OUTPUT",), args=(b"-c",))
def xc_reopen_pipe(adv: Adversary) -> None:
    """1. With -c the program reopens its pipe's write end through /proc/self/fd/W
    (O_WRONLY), writes "reopen!!" through the new descriptor and reads 16 from the read
    end.
    2. The kernel answers 8 bytes "reopenXX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    fifo_open() (fs/pipe.c) attaches the new descriptor to the same pipe_inode_info, so
    pipe_read() returns the bytes pipe_write() queued through it."""
    _fill(adv, P_REOPENPIPE, NR["read"], b"reopenXX")


@_S("XC-042", "Answer a read of a memfd the program wrote through a shared mapping with "
    "other bytes", "A memfd read returns what the program stored through its MAP_SHARED "
    "mapping.", rules=("G-IAGO-OUTPUT",), args=(b"-c",),
    silent="the Guardian copies a mapped page of the program's own memfd into the buffer "
    "itself (return.memfd_mapped): the kernel's bytes never reach the program")
def xc_memfd_mapped(adv: Adversary) -> None:
    """1. With -c the program ftruncate()s a memfd to a page, maps it MAP_SHARED, stores
    "mapped!!" through the mapping and pread64s 8 at 0.
    2. The kernel answers "mappedXX".
    3. Index -4: the program logs bytes 0..7 of the secret.
    The mapping and the read share one page-cache folio (shmem_fault,
    shmem_file_read_iter): the read returns the stored bytes.
    Linux could never answer "mappedXX": the folio the read copies is the one the
    program's store wrote, and nothing else maps or holds the memfd.  The page is the
    domain's confidential frame: the Guardian moves its bytes into the buffer itself.
    """
    _fill(adv, P_MEMMAP, NR["pread64"], b"mappedXX")
