"""Red-team round forty-seven: the counts reads and writes report on the program's own pipes
and memfds, both ways.

The Guardian holds to Linux's the count of a read of the program's own pipe with bytes
waiting, of a write of at most PIPE_BUF into its pipe and of a read of its own memfd
(round 45's XC-001..003, 039, 040).  Here the same counts are asked of the shapes round 45
did not try: readv with several iovecs, pwritev2 at offset -1, writes of exactly PIPE_BUF
and of PIPE_BUF + 1, a pipe read through dup, F_DUPFD and a /proc/self/fd reopen, with a
clone(CLONE_FILES) child or a second thread alive, two pipe buffers, FIONREAD, a read or a
write whose buffer faults part-way, O_DIRECT (packet mode) set where Linux makes no packets,
and memfds after ftruncate, fallocate, O_APPEND and lseek, read with readv, preadv and
preadv2 across their end.

The victim is `secret_r47_pipes` (workloads/src/secret_r47_pipes.c): each step announces
itself with a marker just before the call it checks and turns what it observed into the
index of a public label in a log buffer that begins with a copy of the secret, then writes
that label to /dev/null.  Where an attack gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never produce what the
program saw.  Honest answers the Guardian refuses (false refusals) are in
tests/test_redteam_r47_claims.py.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r45 import _answer, _fill, _fill_iov
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r47"
PIPES = "secret_r47_pipes"
# secret_r47_pipes: the marker before each step's checked call; the one after its write
# is + 1.
(P_READV, P_PWV2, P_BUFW, P_BUFW1, P_DUP, P_FDUP, P_PROCRD, P_CLFILES, P_TWOBUF,
 P_FIONREAD, P_PFAULT, P_WFAULT, P_MEMTRUNC, P_MEMFALLOC, P_MEMAPP, P_MEMSEEK,
 P_MEMPREADV, P_MEMPV2, P_MEMREADV, P_THREAD, P_PKTREOPEN, P_PKTREAD, P_PKTCLEAR,
 P_PKTONE) = range(4700, 4748, 2)
P_FIRST, P_LAST = P_READV, P_PKTONE
# Only with -c[letters] (claims: honest answers; see tests/test_redteam_r47_claims.py).
(P_C_ZERO, P_C_PKT, P_C_PKTSETFL, _P_UNUSED, P_C_PKTCUT, P_C_SIGW, P_C_FORKRD, P_C_FAULT2,
 P_C_FAULTRO, P_C_SPLICE, P_C_SENDFILE, P_C_THRACE, P_C_HUGEMEM, P_C_HUGEPIPE,
 P_C_PUNCH) = range(4760, 4790, 2)
NR = NUMBERS
FIONREAD = 0x541B


def _S(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-IAGO-COUNT",),
       **kw):  # type: ignore[no-untyped-def]
    return scenario(id=id_, title=title, family=RT, goal=Goal.LEAK, rules=rules,
                    program=PIPES, prop=prop, **kw)


# --- pipes: vector calls and PIPE_BUF ------------------------------------------------------
@_S("XE-001", "Answer a readv of the program's own pipe (8 bytes waiting) into iovecs of "
    "3, 3 and 10 with 6", "A readv of a pipe holding n bytes, asking for more, returns all n.")
def xe_pipe_readv(adv: Adversary) -> None:
    """1. The program writes "abcdefgh" into its own pipe and readv()s it into three
    iovecs of 3, 3 and 10 bytes.
    2. The kernel fills the first two iovecs ("abc", "def") and answers 6.
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) copies min(buf->len, total_len) of the one buffer with
    copy_page_to_iter(), which walks every iovec; the iovec boundaries never stop it.
    Linux could never answer 6: a copy fault answers EFAULT (ret was 0), not a count."""
    _fill_iov(adv, P_READV, NR["readv"], b"abcdef", 6)


@_S("XE-002", "Answer pwritev2(offset -1) of 4 + 4 bytes into the program's own empty pipe "
    "with 4", "A pwritev2 at offset -1 of n <= PIPE_BUF bytes into a pipe with room writes "
    "all n.")
def xe_pipe_pwritev2(adv: Adversary) -> None:
    """1. The program makes a pipe and pwritev2()s two 4-byte iovecs into its write end at
    offset -1 (the file position: do_pwritev() -> do_writev()), flags 0.
    2. The kernel answers 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c) gets the 8 bytes as one iov_iter: a write of at most PIPE_BUF
    merges or fills one buffer whole, or fails before any byte counts.
    Linux could never answer 4: the pipe is empty (16 slots free) and a fault answers
    EFAULT."""
    _answer(adv, P_PWV2, NR["pwritev2"], 4)


@_S("XE-003", "Answer a write of exactly PIPE_BUF (4096) bytes into the program's own empty "
    "pipe with 2048", "A write of n <= PIPE_BUF bytes into a pipe with room writes all n.")
def xe_pipe_bufw(adv: Adversary) -> None:
    """1. The program writes 4096 bytes into its own empty pipe.
    2. The kernel answers 2048.
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c): 4096 & (PAGE_SIZE - 1) is 0, so it takes a fresh buffer and
    copies the whole page; PIPE_BUF writes are atomic.
    Linux could never answer 2048."""
    _answer(adv, P_BUFW, NR["write"], 2048)


@_S("XE-004", "Answer a write of PIPE_BUF + 1 (4097) bytes into the program's own empty "
    "pipe with 4096", "A blocking write into a pipe with room for all of it writes all of "
    "it.", gap="P5")
def xe_pipe_bufw1(adv: Adversary) -> None:
    """1. The program writes 4097 bytes into its own empty pipe (blocking, nobody else
    holds either end).
    2. The kernel answers 4096.
    3. Not 4097: index -4, the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c) loops until iov_iter_count(from) is 0: it fills one page
    (4096), then a second slot with the last byte; it only stops early at a fault
    (EFAULT, or the bytes before it), for O_NONBLOCK or a signal, and both of those are
    tested only when pipe_full(); the pipe is empty with at least 2 slots
    (PIPE_MIN_DEF_BUFFERS even past pipe-user-pages-soft), so it never waits.
    Linux could never answer 4096: only a fault could cut this write short, and the
    source is one mapped, readable 8192-byte array."""
    _answer(adv, P_BUFW1, NR["write"], 4096)


# --- pipes reached otherwise -----------------------------------------------------------------
@_S("XE-005", "Answer a read through a dup of the program's pipe (8 bytes waiting) with 4",
    "A read of a pipe holding n bytes, asking for more, returns all n.")
def xe_pipe_dup(adv: Adversary) -> None:
    """1. The program dup()s its pipe's read end, writes "abcdefgh" and reads 16 through
    the dup.
    2. The kernel answers 4 bytes "abcd".
    3. Index -4: the program logs bytes 0..7 of the secret.
    dup() installs the same struct file (fs/file.c): pipe_read() on the same
    pipe_inode_info returns the 8 bytes.
    Linux could never answer 4: one buffer of 8 bytes, no other reader."""
    _fill(adv, P_DUP, NR["read"], b"abcd")


@_S("XE-006", "Answer a read through F_DUPFD(100) of the program's pipe with 4",
    "A read of a pipe holding n bytes, asking for more, returns all n.")
def xe_pipe_dupfd(adv: Adversary) -> None:
    """1. The program fcntl(F_DUPFD, 100)s its pipe's read end (descriptor 100), writes
    "abcdefgh" and reads 16 through descriptor 100.
    2. The kernel answers 4 bytes "abcd".
    3. Index -4: the program logs bytes 0..7 of the secret.
    f_dupfd() (fs/file.c) installs the same struct file; pipe_read() returns all 8.
    Linux could never answer 4."""
    _fill(adv, P_FDUP, NR["read"], b"abcd")


@_S("XE-007", "Answer a read through a /proc/self/fd/R reopen of the program's pipe with 4",
    "A read of a pipe holding n bytes, asking for more, returns all n.")
def xe_pipe_reopen_read(adv: Adversary) -> None:
    """1. The program reopens its pipe's read end through /proc/self/fd/R (O_RDONLY),
    writes "abcdefgh" into the write end and reads 16 through the new descriptor.
    2. The kernel answers 4 bytes "abcd".
    3. Index -4: the program logs bytes 0..7 of the secret.
    fifo_open() (fs/pipe.c) attaches the new file to the same pipe_inode_info; the only
    readers are the program's two descriptors, and it reads through one.
    Linux could never answer 4."""
    _fill(adv, P_PROCRD, NR["read"], b"abcd")


@_S("XE-008", "Answer a read of the program's pipe with 4 while a CLONE_FILES child is "
    "blocked reading another pipe", "A read of a pipe holding n bytes, asking for more, "
    "returns all n, whatever a child blocked elsewhere shares.", gap="P5")
def xe_pipe_clone_files(adv: Adversary) -> None:
    """1. The program makes two pipes and a clone(CLONE_FILES) child that blocks reading
    one byte of the second; it writes "abcdefgh" into the first and reads 16.
    2. The kernel answers 4 bytes "abcd".
    3. Index -4: the program logs bytes 0..7 of the secret.
    The child shares the descriptor table (copy_files(): CLONE_FILES), but it sits in
    pipe_read() of the second pipe, empty until the parent writes it after this step: it
    can neither read the first pipe nor close or reuse a descriptor meanwhile.
    Linux could never answer 4: the first pipe's one reader took one 8-byte buffer."""
    _fill(adv, P_CLFILES, NR["read"], b"abcd")


@_S("XE-009", "Answer a read of the program's pipe holding two buffers (4096 + 8 bytes) with "
    "the first only", "A read of a pipe holding n bytes, asking for more, returns all n.")
def xe_pipe_twobuf(adv: Adversary) -> None:
    """1. The program writes 4096 bytes of 'p' then "abcdefgh" into its own pipe (two pipe
    buffers) and reads 8192.
    2. The kernel answers 4096 bytes of 'p'.
    3. Not 4104: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) goes on to the next buffer while total_len is left and tail
    != head ("continue"); it breaks only when the pipe is empty.
    Linux could never answer 4096: the buffer is 8192 mapped, writable bytes."""
    _fill(adv, P_TWOBUF, NR["read"], b"p" * 4096)


@_S("XE-010", "Answer FIONREAD of the program's pipe (8 bytes waiting) with 4",
    "FIONREAD of a pipe reports the bytes waiting in it.", rules=("G-IAGO-OUTPUT",),
    gap="P5")
def xe_pipe_fionread(adv: Adversary) -> None:
    """1. The program writes "abcdefgh" into its own pipe and asks ioctl(FIONREAD).
    2. The kernel writes 4 into the int and answers 0.
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    pipe_ioctl() (fs/pipe.c) sums buf->len over head..tail under the pipe mutex and
    put_user()s it: 8.
    Linux could never answer 4: nobody else holds either end."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["ioctl"], during=P_FIONREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[1]) & 0xFFFFFFFF != FIONREAD:
            return
        a.kernel.uaccess.write(int(args[2]), struct.pack("<i", 4))
        a.set_reg("x0", 0)
        a.note("FIONREAD answered 4 bytes waiting")


# --- faults part-way -------------------------------------------------------------------------
@_S("XE-011", "Answer a pipe read into a buffer 4 bytes before an unmapped page with 4",
    "A pipe read never returns part of a pipe buffer because of a fault.", gap="P5")
def xe_pipe_fault_read(adv: Adversary) -> None:
    """1. The program writes "abcdefgh" into its own pipe and reads 16 into a buffer whose
    first 4 bytes end a mapped page (the next page is unmapped).
    2. The kernel copies "abcd" and answers 4.
    3. A count: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c): written = copy_page_to_iter(buf->page, ..., chars = 8);
    written < chars makes it answer -EFAULT while ret is 0 and break, and ret only grows by
    whole chars: the short copy is never counted (nor consumed).
    Linux could never answer 4: with one 8-byte buffer the answer is 8 or EFAULT (qemu-user
    on a real kernel answers EFAULT)."""
    _fill(adv, P_PFAULT, NR["read"], b"abcd")


@_S("XE-012", "Answer an 8-byte pipe write from a buffer 4 bytes before an unmapped page "
    "with 4", "A write of n <= PIPE_BUF bytes into a pipe is whole or an error, even when its "
    "source faults.", gap="P5")
def xe_pipe_fault_write(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its own empty pipe from a buffer whose first 4
    bytes end a mapped page (the next page is unmapped).
    2. The kernel answers 4.
    3. A count: index -4, the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c): in a fresh buffer, copied = copy_page_from_iter() < PAGE_SIZE
    with iov_iter_count(from) left answers -EFAULT while ret is 0 (the merge path does the
    same: ret < chars -> -EFAULT); buf->len stays 0.
    Linux could never answer 4: a PIPE_BUF write that faults answers EFAULT."""
    _answer(adv, P_WFAULT, NR["write"], 4)


# --- memfds ----------------------------------------------------------------------------------
@_S("XE-013", "Answer a read of a memfd truncated from 16 to 8 bytes with all 16",
    "A memfd read stops at its size, as the program's ftruncate set it.")
def xe_memfd_trunc(adv: Adversary) -> None:
    """1. The program writes "0123456789abcdef" into a memfd, ftruncate()s it to 8, seeks
    to 0 and reads 32.
    2. The kernel answers the 16 bytes written before the truncate.
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    shmem_setattr() -> shmem_truncate_range() drops the bytes past 8 and i_size is 8;
    shmem_file_read_iter() (mm/shmem.c) stops at i_size.
    Linux could never answer 16: nobody else holds the memfd."""
    _fill(adv, P_MEMTRUNC, NR["read"], b"0123456789abcdef")


@_S("XE-014", "Answer a read of a memfd grown by fallocate(0, 0, 64) with its 4 written "
    "bytes only", "A memfd read returns every byte up to its size, fallocate's included.")
def xe_memfd_falloc(adv: Adversary) -> None:
    """1. The program fallocate()s a fresh memfd to 64 bytes (mode 0), pwrite64s "abcd" at
    0 and pread64s 128 at 0.
    2. The kernel answers 4 bytes "abcd".
    3. Not 64: index -4, the program logs bytes 0..7 of the secret.
    shmem_fallocate() (mm/shmem.c) without FALLOC_FL_KEEP_SIZE sets i_size to 64; the read
    copies zeroes past "abcd" up to it.
    Linux could never answer 4: the buffer is mapped and writable."""
    _fill(adv, P_MEMFALLOC, NR["pread64"], b"abcd")


@_S("XE-015", "Answer a read of a memfd after an O_APPEND write as if the write went to "
    "offset 0", "A write through an O_APPEND descriptor lands at the end of the file.",
    rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xe_memfd_append(adv: Adversary) -> None:
    """1. The program writes "0123456789abcdef" into a memfd, sets O_APPEND (F_SETFL),
    seeks to 0, writes "appended" and pread64s 64 at 0.
    2. The kernel answers 16 bytes "appended89abcdef" (the write put at offset 0).
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    generic_write_checks_count() (mm/filemap.c) moves iocb->ki_pos to i_size for
    IOCB_APPEND before shmem's write: the file is 24 bytes, "appended" at 16.
    Linux could never answer 16."""
    _fill(adv, P_MEMAPP, NR["pread64"], b"appended89abcdef")


@_S("XE-016", "Answer a read of a 16-byte memfd at offset 10 with 4 bytes",
    "A memfd read from offset o returns min(count, size - o) bytes.")
def xe_memfd_seek(adv: Adversary) -> None:
    """1. The program writes 16 bytes into a memfd, lseek()s to 10 and reads 32.
    2. The kernel answers 4 bytes "abcd".
    3. Not 6: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) copies i_size - pos = 6 bytes."""
    _fill(adv, P_MEMSEEK, NR["read"], b"abcd")


@_S("XE-017", "Answer preadv(offset 12) of a 16-byte memfd into iovecs 2, 2, 10 with 2",
    "A memfd preadv returns min(sum of iovecs, size - offset) bytes.")
def xe_memfd_preadv(adv: Adversary) -> None:
    """1. The program preadv()s its 16-byte memfd at offset 12 into iovecs of 2, 2 and 10.
    2. The kernel fills the first iovec with "cd" and answers 2.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() copies the 4 bytes to i_size through the iov_iter; iovec
    boundaries never stop copy_page_to_iter()."""
    _fill_iov(adv, P_MEMPREADV, NR["preadv"], b"cd", 2)


@_S("XE-018", "Answer preadv2(offset -1) of a 16-byte memfd at position 4 with 8",
    "A memfd preadv2 at offset -1 returns min(sum of iovecs, size - position) bytes.")
def xe_memfd_preadv2(adv: Adversary) -> None:
    """1. The program lseek()s its 16-byte memfd to 4 and preadv2()s it at offset -1 (the
    file position) into iovecs of 4 and 20.
    2. The kernel answers 8 bytes "456789ab".
    3. Not 12: index -4, the program logs bytes 0..7 of the secret.
    do_preadv() with pos -1 -> do_readv() -> shmem_file_read_iter() copies 12 bytes."""
    _fill_iov(adv, P_MEMPV2, NR["preadv2"], b"456789ab", 8)


@_S("XE-019", "Answer a readv of a 16-byte memfd into iovecs 5, 5, 30 with 10",
    "A memfd readv returns min(sum of iovecs, size - position) bytes.")
def xe_memfd_readv(adv: Adversary) -> None:
    """1. The program readv()s its 16-byte memfd from 0 into iovecs of 5, 5 and 30.
    2. The kernel fills the first two and answers 10.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() copies 16 bytes across the iovecs."""
    _fill_iov(adv, P_MEMREADV, NR["readv"], b"0123456789", 10)


# --- threads -------------------------------------------------------------------------------
@_S("XE-020", "Answer a read of the program's pipe with 4 while a second thread only yields",
    "A read of a pipe holding n bytes, asking for more, returns all n, whatever a thread "
    "that never touches it does.", gap="P5")
def xe_pipe_thread(adv: Adversary) -> None:
    """1. The program starts a thread that only calls sched_yield() until told to stop,
    writes "abcdefgh" into its pipe and reads 16.
    2. The kernel answers 4 bytes "abcd".
    3. Index -4: the program logs bytes 0..7 of the secret.
    The thread shares the descriptor table, but its code calls nothing but sched_yield():
    it neither reads the pipe nor closes or reuses a descriptor, so pipe_read() (fs/pipe.c)
    sees one 8-byte buffer and one reader.
    Linux could never answer 4."""
    _fill(adv, P_THREAD, NR["read"], b"abcd")


# --- O_DIRECT where Linux makes no packets ----------------------------------------------------
@_S("XE-021", "Answer a read of a pipe written through an O_DIRECT reopen of /proc/self/fd/W "
    "as a packet (4 of 8)", "Opening a pipe with O_DIRECT fails: its bytes are never "
    "packets.", gap="P5")
def xe_pkt_reopen(adv: Adversary) -> None:
    """1. The program reopens its pipe's write end through /proc/self/fd/W with
    O_WRONLY|O_DIRECT (the kernel model opens it), writes "abcd" and "efgh" through it and
    reads 16.
    2. The kernel answers 4 bytes "abcd" (one "packet").
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    do_dentry_open() (fs/open.c) answers EINVAL for O_DIRECT without FMODE_CAN_ODIRECT,
    which a FIFO never has (before 6.0: no a_ops->direct_IO); qemu-user on a real kernel
    answers EINVAL.  The descriptor cannot exist, so no write is packetized and the
    read's answer is the 8 bytes.
    Linux could never answer 4 after this reopen succeeded, and it never succeeds."""
    _fill(adv, P_PKTREOPEN, NR["read"], b"abcd")


@_S("XE-022", "Answer a read of a pipe whose read end alone has O_DIRECT as a packet (4 of 8)",
    "Packets come only from writes through an O_DIRECT write end.", gap="P5")
def xe_pkt_read_end(adv: Adversary) -> None:
    """1. The program sets O_DIRECT on its pipe's read end (F_SETFL), writes "abcd" and
    "efgh" through the plain write end and reads 16.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c) marks a buffer PIPE_BUF_FLAG_PACKET only when
    is_packetized(filp), the writer's file; the second write merged into the first buffer,
    and pipe_read() returns all 8.
    Linux could never answer 4."""
    _fill(adv, P_PKTREAD, NR["read"], b"abcd")


@_S("XE-023", "Answer a read of a pipe2(O_DIRECT) pipe whose write end cleared O_DIRECT "
    "as a packet (4 of 8)", "Writes after O_DIRECT is cleared are not packets.", gap="P5")
def xe_pkt_cleared(adv: Adversary) -> None:
    """1. The program makes a pipe2(O_DIRECT) pipe, clears O_DIRECT on the write end
    (F_SETFL 0), writes "abcd" and "efgh" and reads 16.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    setfl() (fs/fcntl.c) takes O_DIRECT out of f_flags; is_packetized() reads f_flags at
    each pipe_write(), so the second write merges into the first buffer.
    Linux could never answer 4."""
    _fill(adv, P_PKTCLEAR, NR["read"], b"abcd")


@_S("XE-024", "Answer a 16-byte read of a packet pipe holding one 8-byte packet with 4",
    "A packet read returns the whole packet when the count allows.", gap="P5")
def xe_pkt_one(adv: Adversary) -> None:
    """1. The program makes a pipe2(O_DIRECT) pipe, writes one packet "abcdefgh" and reads
    16.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c): chars = min(buf->len, total_len) = 8, then the packet rule
    ends the read after that buffer: the whole packet.
    Linux could never answer 4: the count allows the whole packet and a fault answers
    EFAULT."""
    _fill(adv, P_PKTONE, NR["read"], b"abcd")
