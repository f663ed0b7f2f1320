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
preadv2 across their end (XE-001..024, the victim's default steps); then, with the
victim's -c steps, bytes and sizes that came by other paths: sendfile and splice into or
out of a pipe or memfd, a fork child's reads, writes, ftruncate and lseek, a reopen's
writes and offset, O_APPEND pwrite64, FALLOC_FL_KEEP_SIZE and ZERO_RANGE, seals,
SEEK_DATA/SEEK_HOLE, preadv2 of a pipe and FIONREAD after each (XE-025..058).

The victim is `secret_r47_pipes` (workloads/src/secret_r47_pipes.c): each step announces
itself with a marker just before the call it checks and turns what it observed into the
index of a public label in a log buffer that begins with a copy of the secret, then writes
that label to /dev/null.  Where an attack gets through with the Guardian on, it names the
property it breaks (`gap`) and its docstring says why Linux could never produce what the
program saw.  Honest answers the Guardian refuses (false refusals) are in
tests/test_redteam_r47_claims.py.

Left out as the kernel's claim: lseek(SEEK_DATA) answered inside a page the program
punched out of its memfd (the victim's -cV step).  With shmem huge pages
(/sys/kernel/mm/transparent_hugepage/shmem_enabled), the write put the page in a huge
folio; shmem_truncate_range() zeroes a range it cannot split off and keeps the folio, so
mapping_seek_hole_data() finds data there.  Linux can answer it.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r44 import _fill as _fill_any
from attacks.families.redteam_r45 import _answer, _fill, _fill_iov
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario

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
# 4766 is unused (the reopen with O_DIRECT became the default step P_PKTREOPEN).
(P_C_ZERO, P_C_PKT, P_C_PKTSETFL, _P_UNUSED, P_C_PKTCUT, P_C_SIGW, P_C_FORKRD, P_C_FAULT2,
 P_C_FAULTRO, P_C_SPLICE, P_C_SENDFILE, P_C_THRACE, P_C_HUGEMEM, P_C_HUGEPIPE,
 P_C_PUNCH, P_C_CHTRUNC, P_C_REOPENGROW, P_C_SPLICEGROW, P_C_CHILDRD,
 P_C_SENDGROW, P_C_WVGROW, P_C_PWVGROW, P_C_CHGROW, P_C_KEEPSIZE,
 P_C_APPPWRITE, P_C_PKTWRITE, P_C_FORKBLOCKED, P_C_MEMEDGE, P_C_FIOSPLICE, P_C_FIOPKT,
 P_C_FIOFORK, P_C_FIOSEND, P_C_MEMPAST, P_C_PIPEPV2, P_C_MEMHIPRI) = range(4760, 4830, 2)
P_Z_ZERORANGE = 4830        # only with -cZ: the kernel model answers it otherwise than Linux
(P_C_FDREUSE, P_C_SEALS, P_C_FSIZE, P_C_SIGREAD, P_C_SEEKDATA, P_C_DUPSEEK, P_C_FORKSEEK,
 P_C_REOPENSEEK, P_C_SEEKDATA0, P_C_SEEKHOLE0, P_C_SEEKPUNCH, P_C_SEEKHOLE2, P_C_MEMSIGBUS,
 P_C_PIPESIGBUS, P_C_MUNMAP, P_C_SPLICEPOS, P_C_SENDPOS) = range(4832, 4866, 2)
# K, R, V, Y and 1 run only when named (-cK ...): the kernel model answers them otherwise
# than Linux.
NR = NUMBERS
FIONREAD = 0x541B
# Why XE-031/032 see no refusal in mprotect mode.
MPROTECT_VECTOR = ("the predecessor design answers the program's writev/pwritev into its "
                   "memfd EFAULT, so the program judges no count after it")


def _fionread(adv: Adversary, during: int, value: int) -> None:
    """Answer the program's FIONREAD after marker `during` with `value` bytes waiting."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["ioctl"], during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[2]), struct.pack("<i", value))
        a.set_reg("x0", 0)
        a.note(f"FIONREAD answered {value} bytes waiting")


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
    "pipe with 2048", "A pipe write's count is whole pages copied (or all of it): never part "
    "of a page without a fault.")
def xe_pipe_bufw1(adv: Adversary) -> None:
    """1. The program writes 4097 bytes into its own empty pipe (blocking, nobody else
    holds either end).
    2. The kernel answers 2048.
    3. Not 4097: index -4, the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c) on an empty pipe copies into a fresh page with
    copy_page_from_iter(page, 0, PAGE_SIZE, from): a copy shorter than the page with bytes
    left answers EFAULT (ret 0), so ret grows by 4096, then by the last byte; it stops
    early only when alloc_page() fails (ENOMEM, or the 4096 already counted), for
    O_NONBLOCK or a signal only when pipe_full(), and the pipe has at least 2 slots
    (PIPE_MIN_DEF_BUFFERS even past pipe-user-pages-soft).
    Linux could never answer 2048: the only counts are 4097 and 4096 (a failed second
    page under memory pressure: a claim, which is why the scenario does not answer it)."""
    _answer(adv, P_BUFW1, NR["write"], 2048)


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
    "returns all n, whatever a child blocked elsewhere shares.")
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
    "FIONREAD of a pipe reports the bytes waiting in it.", rules=("G-IAGO-OUTPUT",))
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
    "A pipe read never returns part of a pipe buffer because of a fault.")
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
    "source faults.")
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
    "that never touches it does.")
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
    "packets.", known={"mprotect": "B6"})
def xe_pkt_reopen(adv: Adversary) -> None:
    """1. The program reopens its pipe's write end through /proc/self/fd/W with
    O_WRONLY|O_DIRECT, writes "abcd" and "efgh" through it and reads 16.
    2. The kernel opens it all the same (without O_DIRECT, the flags restored at the
    return), and answers the read with 4 bytes "abcd" (one "packet").
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    do_dentry_open() (fs/open.c) answers EINVAL for O_DIRECT without FMODE_CAN_ODIRECT,
    which a FIFO never has (before 6.0: no a_ops->direct_IO); qemu-user on a real kernel
    answers EINVAL.  The descriptor cannot exist, so no write is packetized and the
    read's answer is the 8 bytes.
    Linux could never answer 4 after this reopen succeeded, and it never succeeds."""
    o_direct = 0o200000

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["openat"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x2") & o_direct and "direct_open" not in a.memo:
            a.memo["direct_open"] = a.reg("x2")
            a.set_reg("x2", a.reg("x2") & ~o_direct)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["openat"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        flags = a.memo.pop("direct_open", None)
        if flags is not None:
            a.memo["direct_open"] = 0           # (once)
            a.set_reg("x2", flags)
            a.note(f"the O_DIRECT open of the pipe's end answered {a.reg('x0')}")
    _fill(adv, P_PKTREOPEN, NR["read"], b"abcd")


@_S("XE-022", "Answer a read of a pipe whose read end alone has O_DIRECT as a packet (4 of 8)",
    "Packets come only from writes through an O_DIRECT write end.")
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
    "as a packet (4 of 8)", "Writes after O_DIRECT is cleared are not packets.")
def xe_pkt_cleared(adv: Adversary) -> None:
    """1. The program makes a pipe2(O_DIRECT) pipe, clears O_DIRECT on the write end
    (F_SETFL 0), writes "abcd" and "efgh" and reads 16.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    setfl() (fs/fcntl.c) takes O_DIRECT out of f_flags; is_packetized() reads f_flags at
    each pipe_write(), so the second write merges into the first buffer.
    Linux could never answer 4.  Refused: the Guardian follows each write end's packet
    mode and where the packets are (pipe_packets.py)."""
    _fill(adv, P_PKTCLEAR, NR["read"], b"abcd")


@_S("XE-024", "Answer a 16-byte read of a packet pipe holding one 8-byte packet with 4",
    "A packet read returns the whole packet when the count allows.")
def xe_pkt_one(adv: Adversary) -> None:
    """1. The program makes a pipe2(O_DIRECT) pipe, writes one packet "abcdefgh" and reads
    16.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c): chars = min(buf->len, total_len) = 8, then the packet rule
    ends the read after that buffer: the whole packet.
    Linux could never answer 4: the count allows the whole packet and a fault answers
    EFAULT.  Refused by return.pipe_read_count with the packet's count (pipe_packets.py)."""
    _fill(adv, P_PKTONE, NR["read"], b"abcd")


# --- bytes and sizes that came by other paths (the victim's -c steps) -------------------------
@_S("XE-025", "Answer a read of a pipe that sendfile() also filled with the write()'s 8 bytes "
    "only", "A pipe read returns every byte waiting, sendfile()'s included.", args=(b"-ck",))
def xe_pipe_sendfile(adv: Adversary) -> None:
    """1. With -ck the program writes "abcdefgh" into its pipe, sendfile()s 8 bytes
    "ijklmnop" of its memfd into the pipe and reads 32.
    2. The kernel answers 8 bytes "abcdefgh".
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    sendfile() into a pipe (do_sendfile() -> splice_file_to_pipe(), fs/splice.c) queues
    the 8 bytes behind the write's; pipe_read() (fs/pipe.c) returns all 16.
    Linux could never answer 8: nobody else holds the pipe."""
    _fill(adv, P_C_SENDFILE, NR["read"], b"abcdefgh")


@_S("XE-026", "Answer a read of a memfd a fork child truncated to 4 bytes with the 16 it "
    "held before", "A memfd read stops at its size, as the program's child's ftruncate "
    "set it.", args=(b"-cp",))
def xe_memfd_child_trunc(adv: Adversary) -> None:
    """1. With -cp the program writes 16 bytes into a memfd; a fork child ftruncate()s it
    to 4 and exits; the parent reaps it and pread64s 32 at 0.
    2. The kernel answers the 16 bytes.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    The child's descriptor is the same struct file (dup_fd at fork): shmem_setattr() sets
    i_size to 4 and shmem_file_read_iter() (mm/shmem.c) stops there.
    Linux could never answer 16."""
    _fill(adv, P_C_CHTRUNC, NR["pread64"], b"0123456789abcdef")


@_S("XE-027", "Answer a read of a memfd grown through a /proc/self/fd/N reopen with its "
    "old 16 bytes", "A memfd read returns every byte up to its size, a reopen's writes "
    "included.", args=(b"-cq",), known={"mprotect": "B6"})
def xe_memfd_reopen_grow(adv: Adversary) -> None:
    """1. With -cq the program reopens its 16-byte memfd through /proc/self/fd/N (O_RDWR),
    pwrite64s "ABCDEFGH" at 16 through the reopen and pread64s 64 at 0 through the first.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    Both descriptors reach the memfd's one inode (proc_fd_link()); the write moved i_size
    to 24, and shmem_file_read_iter() copies up to it.
    Linux could never answer 16: the only writes the memfd saw are the program's own, and
    they made it 24 bytes.  (The honest 24 is not refused either: after the reopen's
    write the Guardian judges no count of this memfd.)"""
    _fill(adv, P_C_REOPENGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-028", "Answer a read of a memfd grown by splice() from a pipe with its old 16 bytes",
    "A memfd read returns every byte up to its size, splice()'s included.", args=(b"-cr",))
def xe_memfd_splice_grow(adv: Adversary) -> None:
    """1. With -cr the program splice()s "ABCDEFGH" from its pipe into its 16-byte memfd at
    offset 16 (answered 8) and pread64s 64 at 0.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    do_splice() -> iter_file_splice_write() writes the 8 bytes through shmem's write_iter
    at 16: i_size is 24.
    Linux could never answer 16: the splice into the memfd is the program's own, answered
    8."""
    _fill(adv, P_C_SPLICEGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-029", "Answer a read of a memfd grown by sendfile() with its old 16 bytes",
    "A memfd read returns every byte up to its size, sendfile()'s included.", args=(b"-ct",))
def xe_memfd_sendfile_grow(adv: Adversary) -> None:
    """1. With -ct the program sendfile()s 8 bytes "ABCDEFGH" of a second memfd into its
    16-byte memfd (position 16, answered 8) and pread64s 64 at 0.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    do_sendfile() -> do_splice_direct() writes through shmem's write_iter at the file
    position 16: i_size is 24.
    Linux could never answer 16: the sendfile into the memfd is the program's own,
    answered 8."""
    _fill(adv, P_C_SENDGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-030", "Answer a fork child's read of the parent's pipe (8 bytes waiting) with 4",
    "A read of a pipe holding n bytes, asking for more, returns all n, in a child too.",
    args=(b"-cs",))
def xe_pipe_child_read(adv: Adversary) -> None:
    """1. With -cs the program writes "abcdefgh" into its pipe and forks; the child reads
    16 and logs its own label; the parent only waits for it.
    2. The kernel answers the child 4 bytes "abcd".
    3. Index -4: the child logs bytes 0..7 of the secret (its copy of the log buffer).
    The child's descriptors are the parent's struct files (dup_fd); the parent reads
    nothing, so pipe_read() (fs/pipe.c) gives the child the one 8-byte buffer whole.
    Linux could never answer 4."""
    _fill_any(adv, P_C_CHILDRD, NR["read"], b"abcd", child=True)


@_S("XE-031", "Answer a read of a memfd grown by writev() with its old 16 bytes",
    "A memfd read returns every byte up to its size, writev()'s included.", args=(b"-cu",),
    silent=MPROTECT_VECTOR)
def xe_memfd_writev_grow(adv: Adversary) -> None:
    """1. With -cu the program writev()s "ABCD" + "EFGH" at its 16-byte memfd's position 16
    (answered 8) and pread64s 64 at 0.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    do_writev() -> shmem's write_iter moves i_size to 24; shmem_file_read_iter() copies it.
    Linux could never answer 16."""
    _fill(adv, P_C_WVGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-032", "Answer a read of a memfd grown by pwritev() at 16 with its old 16 bytes",
    "A memfd read returns every byte up to its size, pwritev()'s included.", args=(b"-cv",),
    silent=MPROTECT_VECTOR)
def xe_memfd_pwritev_grow(adv: Adversary) -> None:
    """1. With -cv the program pwritev()s "ABCD" + "EFGH" at offset 16 of its 16-byte memfd
    (answered 8) and pread64s 64 at 0.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    do_pwritev() -> shmem's write_iter at 16 moves i_size to 24.
    Linux could never answer 16."""
    _fill(adv, P_C_PWVGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-033", "Answer a read of a memfd a fork child grew to 24 bytes with its old 16",
    "A memfd read returns every byte up to its size, the program's child's writes "
    "included.", args=(b"-cw",))
def xe_memfd_child_grow(adv: Adversary) -> None:
    """1. With -cw a fork child pwrite64s "ABCDEFGH" at 16 of the parent's 16-byte memfd and
    exits; the parent reaps it and pread64s 64 at 0.
    2. The kernel answers the first 16 bytes.
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    The child's descriptor is the same struct file (dup_fd): its write moved i_size to 24.
    Linux could never answer 16."""
    _fill(adv, P_C_CHGROW, NR["pread64"], b"0123456789abcdef")


@_S("XE-034", "Answer a read of a 16-byte memfd after fallocate(KEEP_SIZE, 0, 64) with 64 "
    "bytes", "fallocate with FALLOC_FL_KEEP_SIZE never changes a memfd's size.",
    args=(b"-cx",))
def xe_memfd_keepsize(adv: Adversary) -> None:
    """1. With -cx the program fallocate()s its 16-byte memfd with FALLOC_FL_KEEP_SIZE over
    0..64 and pread64s 64 at 0.
    2. The kernel answers 64: the 16 bytes, then 48 zero bytes.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_fallocate() (mm/shmem.c) leaves i_size alone under FALLOC_FL_KEEP_SIZE: the
    read stops at 16.
    Linux could never answer 64."""
    _fill(adv, P_C_KEEPSIZE, NR["pread64"], b"0123456789abcdef" + bytes(48))


@_S("XE-035", "Answer a read of a memfd after an O_APPEND pwrite64 at 0 as if the pwrite "
    "overwrote offset 0", "pwrite64 through an O_APPEND descriptor appends, whatever its "
    "offset.", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), args=(b"-cy",))
def xe_memfd_append_pwrite(adv: Adversary) -> None:
    """1. With -cy the program sets O_APPEND on its 16-byte memfd, pwrite64s "ABCDEFGH" at
    offset 0 (answered 8) and pread64s 64 at 0.
    2. The kernel answers 16 bytes "ABCDEFGH89abcdef" (the pwrite put at 0).
    3. Not 24: index -4, the program logs bytes 0..7 of the secret.
    ksys_pwrite64() -> vfs_write() with a position, but generic_write_checks_count()
    (mm/filemap.c) sets ki_pos to i_size for IOCB_APPEND: the bytes land at 16 (the
    BUGS section of pwrite(2)); the file is 24 bytes.
    Linux could never answer 16."""
    _fill(adv, P_C_APPPWRITE, NR["pread64"], b"ABCDEFGH89abcdef")


@_S("XE-036", "Answer a read of a pipe that splice() drained of 4 of its 8 bytes with 2",
    "A pipe read returns every byte still waiting after a splice took some.",
    args=(b"-cj",))
def xe_pipe_splice_out(adv: Adversary) -> None:
    """1. With -cj the program writes "abcdefgh" into its pipe, splice()s 4 bytes of it to
    /dev/null (answered 4) and reads 16.
    2. The kernel answers 2 bytes "ef".
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    do_splice() -> iter_file_splice_write() (fs/splice.c) consumed "abcd" from the pipe;
    pipe_read() returns the 4 left.
    Linux could never answer 2: the splice answered 4 and nobody else holds the pipe."""
    _fill(adv, P_C_SPLICE, NR["read"], b"ef")


@_S("XE-037", "Answer a read of a pipe a fork child read 4 of 8 bytes from with 2",
    "A pipe read returns every byte a child's read left.", args=(b"-cg",))
def xe_pipe_child_took(adv: Adversary) -> None:
    """1. With -cg the program writes "abcdefgh" into its pipe; a fork child reads 4 and
    exits; the parent reaps it and reads 16.
    2. The kernel answers 2 bytes "ef".
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    The child took "abcd"; pipe_read() (fs/pipe.c) returns the 4 left in the buffer.
    Linux could never answer 2: the child is reaped, nobody else holds the pipe."""
    _fill(adv, P_C_FORKRD, NR["read"], b"ef")


@_S("XE-038", "Answer a read of a pipe with 2 while another thread is blocked reading 4 of it",
    "A pipe read with another reader waiting returns all 8 or the 4 that reader left.",
    args=(b"-cl",))
def xe_pipe_thread_race(adv: Adversary) -> None:
    """1. With -cl a thread blocks reading 4 bytes of the program's empty pipe; the program
    writes "abcdefgh" and reads 16.
    2. The kernel answers 2 bytes "ef".
    3. Neither 8 "abcdefgh" nor 4 "efgh": index -4, the program logs bytes 0..7 of the
    secret.
    pipe_read() (fs/pipe.c) runs under pipe->mutex: whichever reader takes it first gets
    min(count, waiting); the thread takes 4, or the program all 8.
    Linux could never answer 2."""
    _fill(adv, P_C_THRACE, NR["read"], b"ef")


# --- more paths: packet writes, preadv2, FIONREAD after other paths, past the end -----------
@_S("XE-039", "Let a memfd's fallocate(FALLOC_FL_ZERO_RANGE) grow it and answer a read with "
    "64 bytes", "shmem has no FALLOC_FL_ZERO_RANGE: the memfd keeps its 16 bytes.",
    args=(b"-cZ",))
def xe_memfd_zero_range(adv: Adversary) -> None:
    """1. With -cZ the program fallocate()s its 16-byte memfd with FALLOC_FL_ZERO_RANGE over
    0..64 and pread64s 64 at 0.
    2. The kernel answers the fallocate 0, as if it had zeroed and grown the file, and the
    read 64: the 16 bytes, then 48 zero bytes.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_fallocate() (mm/shmem.c) answers EOPNOTSUPP for any mode bit but KEEP_SIZE and
    PUNCH_HOLE (qemu-user on a real kernel answers EOPNOTSUPP): i_size stays 16 and
    shmem_file_read_iter() stops there.
    Linux could never answer 0 to the fallocate (nor 64 to the read)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["fallocate"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x1") & 0xFFFF_FFFF == 0x10 and "zero_range" not in a.memo:
            a.memo["zero_range"] = True
            a.set_reg("x0", 0)
            a.note("fallocate(FALLOC_FL_ZERO_RANGE) of the memfd answered 0")
    _fill(adv, P_Z_ZERORANGE, NR["pread64"], b"0123456789abcdef" + bytes(48))


@_S("XE-040", "Answer preadv2(offset -1) of the program's own pipe (8 bytes waiting) with 4",
    "A read of a pipe holding n bytes, asking for more, returns all n, by preadv2 too.",
    args=(b"-cI",), known={"mprotect": "B6"})
def xe_pipe_preadv2(adv: Adversary) -> None:
    """1. With -cI the program writes "abcdefgh" into its pipe and preadv2()s it with one
    16-byte iovec at offset -1, flags 0.
    2. The kernel answers 4 bytes "abcd".
    3. Not 8: index -4, the program logs bytes 0..7 of the secret.
    do_preadv() with pos -1 is do_readv() (fs/read_write.c): pipe_read() returns the 8.
    Linux could never answer 4 (the same read as readv, XE-001)."""
    _fill_iov(adv, P_C_PIPEPV2, NR["preadv2"], b"abcd", 4)


@_S("XE-041", "Answer preadv2(RWF_HIPRI) of a 16-byte memfd with 8",
    "A memfd read returns min(count, size - offset) bytes, whatever the RWF_ hint.",
    args=(b"-cJ",), mprotect=Expect.SUCCEEDS)
def xe_memfd_hipri(adv: Adversary) -> None:
    """1. With -cJ the program preadv2()s its 16-byte memfd at 0 into one 32-byte iovec with
    RWF_HIPRI.
    2. The kernel answers 8 bytes "01234567".
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    kiocb_set_rw_flags() sets IOCB_HIPRI, which only direct I/O polls on;
    shmem_file_read_iter() copies 16 bytes.
    Linux could never answer 8."""
    _fill_iov(adv, P_C_MEMHIPRI, NR["preadv2"], b"01234567", 8)


@_S("XE-042", "Answer an 8-byte write into a packet-mode (O_DIRECT) pipe with 4",
    "A write of n <= PIPE_BUF bytes into a packet pipe with room writes all n.",
    args=(b"-cz",))
def xe_pkt_write(adv: Adversary) -> None:
    """1. With -cz the program makes a pipe2(O_DIRECT) pipe and writes "abcdefgh".
    2. The kernel answers 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    pipe_write() (fs/pipe.c) copies a packet write as it copies any other, into a fresh
    page whole (copy_page_from_iter, EFAULT when short), then flags it
    PIPE_BUF_FLAG_PACKET: packet mode changes reads, not write counts.
    Linux could never answer 4."""
    _answer(adv, P_C_PKTWRITE, NR["write"], 4)


@_S("XE-043", "Answer pread64 of a 16-byte memfd at offset 100 with 8 bytes",
    "A memfd read at or past its end returns 0.", args=(b"-cH",))
def xe_memfd_past(adv: Adversary) -> None:
    """1. With -cH the program pread64s 8 bytes at offset 100 of its 16-byte memfd.
    2. The kernel answers 8 bytes of 'X'.
    3. A count: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter() (mm/shmem.c) returns 0 at pos >= i_size."""
    _fill(adv, P_C_MEMPAST, NR["pread64"], b"X" * 8)


@_S("XE-044", "Answer a memfd read into a buffer 8 bytes before an unmapped page with 16",
    "A read never counts bytes past a fault.", args=(b"-cB",))
def xe_memfd_edge(adv: Adversary) -> None:
    """1. With -cB the program reads 16 bytes of its 16-byte memfd into a buffer whose last
    8 bytes lie on an unmapped page.
    2. The kernel writes 8 bytes and answers 16.
    3. More than 8: index -4, the program logs bytes 0..7 of the secret.
    shmem_file_read_iter(): copy_page_to_iter() stops at the fault and the count is what
    it copied: at most 8."""
    _fill(adv, P_C_MEMEDGE, NR["read"], b"01234567", result=16)


@_S("XE-045", "Answer FIONREAD of a pipe that splice() drained of 4 bytes with 8",
    "FIONREAD reports the bytes still waiting after a splice took some.",
    rules=("G-IAGO-OUTPUT",), args=(b"-cD",))
def xe_fionread_splice(adv: Adversary) -> None:
    """1. With -cD the program writes "abcdefgh" into its pipe, splice()s 4 bytes to
    /dev/null (answered 4) and asks FIONREAD.
    2. The kernel answers 8.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    pipe_ioctl() (fs/pipe.c) sums the buffers: the splice consumed 4 of the 8.
    Linux could never answer 8: the splice took 4 of the 8 bytes."""
    _fionread(adv, P_C_FIOSPLICE, 8)


@_S("XE-046", "Answer FIONREAD of a pipe a fork child read 4 of 8 bytes from with 8",
    "FIONREAD reports the bytes a child's read left.", rules=("G-IAGO-OUTPUT",),
    args=(b"-cF",))
def xe_fionread_fork(adv: Adversary) -> None:
    """1. With -cF the program writes "abcdefgh" into its pipe; a fork child reads 4 and
    exits; the parent reaps it and asks FIONREAD.
    2. The kernel answers 8.
    3. Not 4: index -4, the program logs bytes 0..7 of the secret.
    pipe_ioctl() (fs/pipe.c) sums what is left: 4."""
    _fionread(adv, P_C_FIOFORK, 8)


@_S("XE-047", "Answer FIONREAD of a pipe sendfile() added 8 bytes to with 8",
    "FIONREAD counts what sendfile() queued.", rules=("G-IAGO-OUTPUT",), args=(b"-cG",))
def xe_fionread_sendfile(adv: Adversary) -> None:
    """1. With -cG the program writes "abcdefgh" into its pipe, sendfile()s 8 bytes of a
    memfd into it (answered 8) and asks FIONREAD.
    2. The kernel answers 8.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    pipe_ioctl() (fs/pipe.c) sums both buffers: 16."""
    _fionread(adv, P_C_FIOSEND, 8)


# --- offsets and sizes the program set otherwise -------------------------------------------
@_S("XE-048", "Let a /proc/self/fd reopen's lseek move the first descriptor's offset of a "
    "memfd", "A reopen through /proc/self/fd/N is a new open file with its own offset.",
    args=(b"-cR",), known={"mprotect": "B6"})
def xe_memfd_reopen_offset(adv: Adversary) -> None:
    """1. With -cR the program writes 16 bytes into a memfd (its offset 16), reopens it
    through /proc/self/fd/N (O_RDWR), lseek()s the reopen to 10 and reads 32 through the
    first descriptor, then 32 through the reopen.
    2. The kernel answers the first read with 6 bytes "abcdef" (its model's reopen shares
    the first descriptor's open file, so that is what it holds) and the reopen's with 6
    "abcdef".
    3. The first read is not 0: index -4, the program logs bytes 0..7 of the secret.
    proc_fd_link() -> do_dentry_open() (fs/open.c) makes a new struct file for the
    memfd's inode with f_pos 0: the lseek moves only the reopen's offset; the first
    descriptor's offset is 16 = i_size, and shmem_file_read_iter() returns 0 there.
    Linux could never answer 6 to the first read (qemu-user on a real kernel answers 0,
    then 6).  Refused by return.memfd_bytes: each open file keeps its own offset
    (`MemFile.reopens`).  In mprotect mode the reopen is not followed (B6: its name is not
    quiet), so the first descriptor's read is not judged there."""
    _fill(adv, P_C_REOPENSEEK, NR["read"], b"abcdef")


@_S("XE-049", "Answer a memfd read after a dup's lseek(10) as if the offset were the "
    "descriptor's own (0 bytes)", "Two dups share one offset: an lseek through either "
    "moves both.", args=(b"-cP",))
def xe_memfd_dup_offset(adv: Adversary) -> None:
    """1. With -cP the program writes 16 bytes into a memfd (offset 16), dup()s it,
    lseek()s the dup to 10 and reads 32 through the first descriptor.
    2. The kernel answers 0 (as if the first descriptor's offset were still 16).
    3. Not 6: index -4, the program logs bytes 0..7 of the secret.
    dup() shares the struct file and its f_pos (fs/file.c): the read starts at 10 and
    shmem_file_read_iter() returns 6."""
    _fill(adv, P_C_DUPSEEK, NR["read"], b"")


@_S("XE-050", "Answer a memfd read after a fork child's lseek(10) with 0 bytes",
    "A fork child's lseek moves the offset its parent reads at.", args=(b"-cQ",))
def xe_memfd_fork_offset(adv: Adversary) -> None:
    """1. With -cQ the program writes 16 bytes into a memfd; a fork child lseek()s it to 10
    and exits; the parent reaps it and reads 32.
    2. The kernel answers 0.
    3. Not 6: index -4, the program logs bytes 0..7 of the secret.
    The child's descriptor is the same struct file (dup_fd at fork), f_pos included."""
    _fill(adv, P_C_FORKSEEK, NR["read"], b"")


@_S("XE-051", "Answer a read of a sealed memfd as if a refused ftruncate(8) had shrunk it",
    "A memfd keeps its size when ftruncate fails (F_SEAL_SHRINK).", args=(b"-cL",))
def xe_memfd_sealed(adv: Adversary) -> None:
    """1. With -cL the program seals its 16-byte memfd with F_SEAL_SHRINK; ftruncate(8)
    answers EPERM and ftruncate(-1) EINVAL; it pread64s 32 at 0.
    2. The kernel answers 8 bytes "01234567".
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    shmem_setattr() (mm/shmem.c) refuses to shrink a memfd sealed F_SEAL_SHRINK; i_size
    stays 16."""
    _fill(adv, P_C_SEALS, NR["pread64"], b"01234567")


@_S("XE-052", "Answer a read of a pipe holding the 65536 bytes a signal-cut write left with "
    "61440", "A read of a pipe holding n bytes, asking for more, returns all n.",
    args=(b"-cN",))
def xe_pipe_after_sigwrite(adv: Adversary) -> None:
    """1. With -cN the program writes 69632 bytes into its empty pipe with SIGALRM armed
    (answered 65536: sixteen full buffers) and reads 69632.
    2. The kernel answers 61440 bytes.
    3. Not 65536: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) takes all sixteen buffers."""
    _fill(adv, P_C_SIGREAD, NR["read"], bytes(61440))


@_S("XE-054", "Answer lseek(0, SEEK_HOLE) of a 16-byte memfd with 8",
    "SEEK_HOLE of a file with no hole answers its size.", rules=("G-IAGO-OUTPUT",),
    args=(b"-cT",))
def xe_memfd_seek_hole_inside(adv: Adversary) -> None:
    """1. With -cT the program writes 16 bytes into a memfd and asks lseek(0, SEEK_HOLE).
    2. The kernel answers 8.
    3. Not 16: index -4, the program logs bytes 0..7 of the secret.
    mapping_seek_hole_data() (mm/filemap.c) finds the written first page and caps the
    answer at i_size: 16, the implicit hole at the end."""
    _answer(adv, P_C_SEEKHOLE0, NR["lseek"], 8)


@_S("XE-055", "Answer FIONREAD of a packet pipe after a cut packet with 8",
    "FIONREAD never reports more bytes than were written and not read.",
    rules=("G-IAGO-OUTPUT",), args=(b"-cE",))
def xe_fionread_packet(adv: Adversary) -> None:
    """1. With -cE the program makes a pipe2(O_DIRECT|O_NONBLOCK) pipe, writes "abcdefgh"
    (one packet), reads 4 and asks FIONREAD.
    2. The kernel answers 8.
    3. Neither 0 (Linux) nor 4: index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) cut the packet (buf->len = 0: the rest dropped);
    pipe_ioctl() sums 0.
    Linux could never answer 8, packets or not: only 8 bytes were ever written and 4
    were read.  Refused by return.pipe_count: the Guardian drops the cut packet's rest
    as pipe_read() does (pipe_packets.py)."""
    _fionread(adv, P_C_FIOPKT, 8)


@_S("XE-056", "Answer a read of a packet pipe with 4 bytes the program never wrote",
    "A packet read returns the bytes of the packet the program wrote.",
    rules=("G-IAGO-OUTPUT",), args=(b"-cb",))
def xe_pkt_forged(adv: Adversary) -> None:
    """1. With -cb the program makes a pipe2(O_DIRECT) pipe, writes "abcd" and "efgh" (two
    packets) and reads 16.
    2. The kernel answers 4 bytes "zzzz" (a count a packet read may have, bytes nobody
    wrote).
    3. Not "abcd": index -4, the program logs bytes 0..7 of the secret.
    pipe_read() (fs/pipe.c) copies the first packet's buffer, the one pipe_write() filled
    from "abcd"; nobody else holds the pipe.
    Linux could never answer "zzzz".  Refused by return.pipe_fifo: a packet pipe's bytes
    are held to what the program wrote, as a plain pipe's (XE-038)."""
    _fill(adv, P_C_PKT, NR["read"], b"zzzz")


@_S("XE-057", "Answer a memfd read after splice() took 10 bytes at its position as if the "
    "position were still 0", "A splice out of a file with no offset moves its position.",
    args=(b"-c3",))
def xe_memfd_splice_pos(adv: Adversary) -> None:
    """1. With -c3 the program seeks its 16-byte memfd to 0, splice()s 10 bytes of it (no
    offset argument) into a pipe (answered 10) and reads 32.
    2. The kernel answers all 16 bytes.
    3. Not 6: index -4, the program logs bytes 0..7 of the secret.
    do_splice() with off_in NULL reads at and moves in->f_pos (fs/splice.c): the read
    starts at 10 and shmem_file_read_iter() returns 6."""
    _fill(adv, P_C_SPLICEPOS, NR["read"], b"0123456789abcdef")


@_S("XE-058", "Answer a memfd read after sendfile() took 10 bytes at its position as if the "
    "position were still 0", "sendfile with no offset moves the input file's position.",
    args=(b"-c4",))
def xe_memfd_sendfile_pos(adv: Adversary) -> None:
    """1. With -c4 the program seeks its 16-byte memfd to 0, sendfile()s 10 bytes of it
    (offset NULL) into a pipe (answered 10) and reads 32.
    2. The kernel answers all 16 bytes.
    3. Not 6: index -4, the program logs bytes 0..7 of the secret.
    do_sendfile() with a NULL offset uses and moves in.file->f_pos (fs/read_write.c)."""
    _fill(adv, P_C_SENDPOS, NR["read"], b"0123456789abcdef")
