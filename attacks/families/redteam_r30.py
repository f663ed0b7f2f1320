"""Red-team round thirty: what a program believes about files it writes and maps itself.

A memfd the program made and never passed on is written only by the program: its seals
hold (F_SEAL_WRITE, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_FUTURE_WRITE refuse the calls they
forbid, and F_ADD_SEALS on a memfd made without MFD_ALLOW_SEALING fails: QN-001..QN-007,
QN-029), a punched hole and a cut read back as zeros (QN-008, QN-009, QN-018), fallocate,
ftruncate and the file offset give the sizes and positions the program's own calls left
(QN-010..QN-013, QN-019), every read and write flavour moves the file's bytes (QN-014..
QN-017, QN-020, QN-027, QN-028), a mapping maps the bytes it wrote at its offset (QN-021,
QN-024..QN-026), copy_file_range() and sendfile() between its own memfds move the bytes
they report (QN-022, QN-023), a load past the file's end, before or after a cut under
the mapping, raises SIGBUS (QN-030, QN-031) and a file mapping grown by mremap() maps the
file's next page (QN-032) and a write into a mapped memfd shows through the mapping
(QN-033) (the last four with the victim's -b switch, each step in a child process of its
own: this kernel model itself serves them otherwise than Linux, and a refused answer
kills the process that got it).

The victim is `secret_r30_files` (workloads/src/secret_r30_files.c): each step announces
itself with a marker and turns one value into the index of a public label in a log buffer
that begins with a copy of the secret, then writes that label to /dev/null.  Where an
attack still gets through with the Guardian on, it names the property it breaks (`gap`)
and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import PAGE, REFUSALS, USER_RW, Adversary
from attacks.families.redteam_r18 import _fill
from attacks.hooks import Point
from attacks.moves import answer, file_as_zero_page, serve_as_getpid, serve_with
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator.exceptions import ExceptionInfo
from kernel_model.pagetable import PageTableRefused
from kernel_model.process import Thread
from kernel_model.vma import Vma

RT = "redteam_r30"
FILES = "secret_r30_files"
# secret_r30_files: the marker before each step's judged call; the marker after its write
# is + 1.
P_SEAL_WRITE, P_SEALED_BYTES, P_SEAL_SHRINK, P_SEAL_GROW = 3000, 3002, 3004, 3006
P_SEAL_FUTURE, P_NO_SEALING, P_PUNCH, P_PUNCH_MAP = 3008, 3010, 3012, 3014
P_FALLOC_GROW, P_SEEK_END, P_SEEK_CUR, P_SEEK_HOLE = 3016, 3018, 3020, 3022
P_READ_POS, P_PREADV2, P_PREADV, P_PWRITEV = 3024, 3026, 3028, 3030
P_CUT_GROW, P_CUT_SIZE, P_EOF_PREAD, P_MAP_SHARED = 3032, 3034, 3036, 3038
P_COPY_RANGE, P_SENDFILE, P_MAP_OFFSET, P_MAP_PRIVATE = 3040, 3042, 3044, 3046
P_TMPFILE_MAP, P_READV, P_PWRITEV2, P_SEAL_PUNCH = 3048, 3050, 3052, 3054
P_PAST_EOF, P_CUT_MAPPED, P_MREMAP_FILE, P_PWRITE_MAPPED = 3056, 3058, 3060, 3062
#: secret_r30_files: also run steps 29-32, file mappings this kernel model itself serves
#: otherwise than Linux (two loads Linux answers with SIGBUS, a mapping grown by mremap, a
#: pwrite into a mapped memfd).
BUS = b"-b"
NR = {n: NUMBERS[n] for n in ("pwrite64", "pread64", "ftruncate", "fstat", "write", "fcntl",
                               "fallocate", "lseek", "read", "preadv2", "preadv", "pwritev",
                               "sendfile", "readv", "pwritev2", "mmap")}
NR_COPY_FILE_RANGE = 285        # not served by the kernel model (ENOSYS): the call's number
VALUES = "P5"                   # a value reached the program that Linux never returns
MEASURED = "P2"                 # bytes entered the domain that its own calls never left
KEPT = "P3"                     # a page stayed in the program's view after it asked it gone
ST_SIZE = 48                    # struct stat's st_size on arm64


def _word(value: int) -> bytes:
    return (value & (1 << 64) - 1).to_bytes(8, "little")


def _fill_iov(adv: Adversary, during: int, nr: int, data: bytes, result: int) -> None:
    """Let the program's next vector read `nr` after marker `during` run, then write `data`
    across the buffers its iovec array (argument 1) names and answer `result`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo[("iov", nr)] = (int(args[1]), int(args[2]))

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        iov, count = a.memo.pop(("iov", nr), (0, 0))
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


# --- seals ------------------------------------------------------------------------------------
@scenario(id="QN-001", title="Answer a pwrite() into a memfd sealed with F_SEAL_WRITE with a "
          "count", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A write into a memfd the program sealed with F_SEAL_WRITE fails with EPERM.")
def qn_seal_write(adv: Adversary) -> None:
    """1. The program (secret_r30_files) makes a sealable memfd, writes a word, adds
    F_SEAL_WRITE, pwrite()s -4 over the word and logs label -4 if the write reports a
    count (0 on an error).
    2. Let the pwrite run (the seal refuses it), then answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Linux's shmem_file_write_iter() -> generic_write_checks() / shmem_write_begin() refuse
    every write to a file with F_SEAL_WRITE (EPERM); the program alone holds the memfd
    and added the seal itself.  A seal is never removed, so a count for a write that
    entered after the seal was added is one Linux never returns."""
    answer(adv, NR["pwrite64"], P_SEAL_WRITE, 8)


@scenario(id="QN-002", title="Answer the read of a memfd sealed with F_SEAL_WRITE with a word "
          "the refused write carried", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="A memfd sealed with F_SEAL_WRITE keeps the bytes it held when it was sealed.")
def qn_sealed_bytes(adv: Adversary) -> None:
    """1. As QN-001; the refused pwrite carried -4.  The program pread()s the word back and
    logs the label it names.
    2. Let the pread run, then write -4 (what the refused write carried) and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    The seal froze the file's contents (memfd_add_seals()); the program wrote 0 before it
    and the only later write failed: Linux's page cache holds the 0."""
    _fill(adv, P_SEALED_BYTES, NR["pread64"], 1, _word(-4), 8)


@scenario(id="QN-003", title="Answer ftruncate() of a memfd sealed with F_SEAL_SHRINK with "
          "success", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="ftruncate() to a smaller size of a memfd sealed with F_SEAL_SHRINK fails with "
               "EPERM.")
def qn_seal_shrink(adv: Adversary) -> None:
    """1. The program makes a 16-byte sealable memfd, adds F_SEAL_SHRINK, calls
    ftruncate(fd, 8) and fstat() and logs label -4 if the cut succeeded or the size is
    not 16.
    2. Let the ftruncate run (the seal refuses it), then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Linux's shmem_setattr() returns EPERM for a smaller size under F_SEAL_SHRINK."""
    answer(adv, NR["ftruncate"], P_SEAL_SHRINK, 0)


@scenario(id="QN-004", title="Report the size a refused F_SEAL_SHRINK cut asked for in fstat()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A memfd sealed with F_SEAL_SHRINK never becomes smaller: fstat() reports the "
               "size it had.")
def qn_seal_shrink_size(adv: Adversary) -> None:
    """1. As QN-003: the refused ftruncate(fd, 8) is followed by fstat().
    2. Let the ftruncate fail; let the fstat run, then write st_size = 8.
    3. The size is not 16: the program logs bytes 0..7 of the secret's copy.
    The memfd is the program's alone, 16 bytes written, and the only cut was refused by
    the seal: Linux's shmem inode keeps i_size 16."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["fstat"], during=P_SEAL_SHRINK)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.el1.syscall_args()[1] + ST_SIZE, 8)
        a.note("fstat's st_size written 8")


@scenario(id="QN-005", title="Answer a growing pwrite() into a memfd sealed with F_SEAL_GROW "
          "with a count", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A write past the end of a memfd sealed with F_SEAL_GROW fails with EPERM.")
def qn_seal_grow(adv: Adversary) -> None:
    """1. The program makes a 16-byte sealable memfd, adds F_SEAL_GROW, pwrite()s 8 bytes
    at offset 16 and logs label -4 if the write reports a count.
    2. Let the pwrite run (refused), then answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Linux's shmem_write_begin() returns EPERM for a write past i_size under
    F_SEAL_GROW (a chunk with pos + len > i_size): no count for a write ending past the
    16 bytes comes back."""
    answer(adv, NR["pwrite64"], P_SEAL_GROW, 8)


@scenario(id="QN-006", title="Answer a write() into a memfd sealed with F_SEAL_FUTURE_WRITE "
          "with a count", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A write into a memfd sealed with F_SEAL_FUTURE_WRITE fails with EPERM.")
def qn_seal_future(adv: Adversary) -> None:
    """1. The program makes a sealable memfd, adds F_SEAL_FUTURE_WRITE, write()s a word
    and logs label -4 if the write reports a count.
    2. Let the write run (refused), then answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Linux's shmem_file_write_iter() refuses writes under F_SEAL_WRITE or
    F_SEAL_FUTURE_WRITE (EPERM) from any descriptor."""
    answer(adv, NR["write"], P_SEAL_FUTURE, 8)


@scenario(id="QN-007", title="Answer F_ADD_SEALS on a memfd made without MFD_ALLOW_SEALING with "
          "success", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="A memfd made without MFD_ALLOW_SEALING carries F_SEAL_SEAL: F_ADD_SEALS fails "
               "with EPERM.")
def qn_no_sealing(adv: Adversary) -> None:
    """1. The program makes a memfd without MFD_ALLOW_SEALING, calls
    fcntl(F_ADD_SEALS, F_SEAL_WRITE) and logs label -4 if it succeeds.
    2. Let the fcntl run (refused), then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    memfd_create() without MFD_ALLOW_SEALING sets F_SEAL_SEAL, and memfd_add_seals()
    returns EPERM once F_SEAL_SEAL is set (no call removes a seal)."""
    answer(adv, NR["fcntl"], P_NO_SEALING, 0)


# --- holes, cuts and sizes --------------------------------------------------------------------
@scenario(id="QN-008", title="Ignore a hole punched in the program's memfd", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-MEASURE-ALL"), program=FILES,
          prop="A hole punched with FALLOC_FL_PUNCH_HOLE reads back as zeros.")
def qn_punch_ignored(adv: Adversary) -> None:
    """1. The program writes -4, -4 into its own memfd, punches a hole over both words
    (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), pread()s the first word, then maps the
    page MAP_PRIVATE and reads the second, logging the label each names.
    2. Serve the fallocate as getpid() (nothing punched) and answer 0.
    3. The pread (and the mapping) read -4: the program logs bytes 0..7 of the secret's
    copy.  Linux's shmem_fallocate() -> shmem_truncate_range() zeroes the punched range
    (partial pages are cleared): the file reads 0 there."""
    serve_as_getpid(adv, NR["fallocate"], P_PUNCH, 0)


@scenario(id="QN-009", title="Put back the bytes a punched hole dropped before the program maps "
          "the page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=FILES,
          prop="A page of a memfd only the program holds maps the bytes its own calls left: "
               "zeros where a hole was punched.")
def qn_punch_map(adv: Adversary) -> None:
    """1. As QN-008; the punch runs and the pread reads 0.  The program then maps the page
    MAP_PRIVATE and reads the second punched word.
    2. Between the pread and the mmap (at the marker before it) the kernel writes -4 into
    the memfd's second word itself (its page cache, the file's bytes).
    3. The mapping reads -4: the program logs bytes 0..7 of the secret's copy.
    Nobody but the program holds the memfd, and its last call on that word punched it:
    Linux's shmem_fault() maps a page reading 0 there."""
    @adv.on(Point.MARKER, phase=P_PUNCH_MAP)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        f = a.init.fds.get(args[1])
        f.pwrite(_word(-4), 8)
        a.note(f"wrote -4 at offset 8 of descriptor {args[1]}")


@scenario(id="QN-010", title="Ignore fallocate() growing the program's memfd", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="fallocate() with mode 0 past a file's end grows it: lseek(SEEK_END) reports "
               "the new size.")
def qn_falloc_grow(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its own memfd, calls fallocate(fd, 0, 0, 64),
    then lseek(fd, 0, SEEK_END) and logs label (end - 64) / 14.
    2. Serve the fallocate as getpid() (the file stays 8 bytes) and answer 0.
    3. lseek reports 8 (true of the file the kernel kept): index -4, the program logs
    bytes 0..7 of the secret's copy.  Linux's shmem_fallocate() sets i_size to offset +
    len when mode lacks FALLOC_FL_KEEP_SIZE: the end is 64."""
    serve_as_getpid(adv, NR["fallocate"], P_FALLOC_GROW, 0)


@scenario(id="QN-011", title="Answer lseek(SEEK_END) of the program's memfd with another size",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="lseek(fd, 0, SEEK_END) on a memfd only the program holds returns the size its "
               "own writes gave it.")
def qn_seek_end(adv: Adversary) -> None:
    """1. The program writes 24 bytes into its own memfd, calls lseek(fd, 0, SEEK_END) and
    logs label (end - 24) / 4.
    2. Let the lseek run, then answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    shmem's llseek (generic_file_llseek_size) returns i_size for SEEK_END: 24."""
    answer(adv, NR["lseek"], P_SEEK_END, 8)


@scenario(id="QN-012", title="Answer lseek(SEEK_CUR) of the program's memfd with another "
          "position", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="lseek(fd, -8, SEEK_CUR) returns the position the program's own calls left, "
               "less 8.")
def qn_seek_cur(adv: Adversary) -> None:
    """1. The program write()s 24 bytes into its own new memfd (position 24), calls
    lseek(fd, -8, SEEK_CUR) and logs label (pos - 16) / 4.
    2. Let the lseek run, then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    The descriptor's f_pos is 24 after the write; generic_file_llseek_size() returns
    f_pos - 8 = 16."""
    answer(adv, NR["lseek"], P_SEEK_CUR, 0)


@scenario(id="QN-013", title="Answer lseek(SEEK_HOLE) of the program's memfd with a hole at "
          "data it wrote", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="lseek(fd, 0, SEEK_HOLE) never reports a hole where the program wrote data.")
def qn_seek_hole(adv: Adversary) -> None:
    """1. The program writes a page into its own memfd, grows it to two pages, calls
    lseek(fd, 0, SEEK_HOLE) and logs label (hole - 4096) / 1024.
    2. Let the lseek run, then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    shmem_file_llseek() -> mapping_seek_hole_data() finds page 0 in the page cache (or
    swap): the first hole at or after 0 is 4096 (or the end, 8192); never 0, where the
    program wrote (no hole punched, no cut since)."""
    answer(adv, NR["lseek"], P_SEEK_HOLE, 0)


# --- read and write flavours ------------------------------------------------------------------
@scenario(id="QN-014", title="Answer read() at a memfd's position 0 with the word at offset 8",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="read() of a memfd only the program holds returns the bytes at the position "
               "its lseek set.")
def qn_read_pos(adv: Adversary) -> None:
    """1. The program writes {2, -2} into its own memfd, lseek()s to 0, read()s a word and
    logs label word - 2.
    2. Let the read run, then write -2 (the word at offset 8) and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    The read starts at f_pos 0: Linux's page cache hands back the 2 the program wrote."""
    _fill(adv, P_READ_POS, NR["read"], 1, _word(-2), 8)


@scenario(id="QN-015", title="Answer preadv2() at the file position with a word the memfd does "
          "not hold there", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="preadv2(offset -1) of a memfd only the program holds reads its bytes at the "
               "file position.")
def qn_preadv2(adv: Adversary) -> None:
    """1. The program writes {1, -3} into its own memfd, lseek()s to 0, preadv2()s one word
    at offset -1 (the file position) and logs label word - 1.
    2. Let the call run, then write -3 into the iovec's buffer and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    preadv2 with offset -1 is readv at f_pos 0 (do_preadv2 -> do_readv): the word 1."""
    _fill_iov(adv, P_PREADV2, NR["preadv2"], _word(-3), 8)


@scenario(id="QN-016", title="Answer preadv() into two iovecs with a word the memfd does not "
          "hold at the offset", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="preadv() of a memfd only the program holds scatters its bytes at the offset "
               "across the iovecs in order.")
def qn_preadv(adv: Adversary) -> None:
    """1. The program writes {9, 3, -1} into its own memfd, preadv()s offset 8 into two
    4-byte iovecs forming one word and logs label word - 3.
    2. Let the call run, then write -1 across both buffers and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    The 8 bytes at offset 8 are the 3 the program wrote."""
    _fill_iov(adv, P_PREADV, NR["preadv"], _word(-1), 8)


@scenario(id="QN-017", title="Drop a pwritev() into the program's memfd and answer its count",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="After pwritev() reports 8 bytes written, the file holds them.")
def qn_pwritev(adv: Adversary) -> None:
    """1. The program writes -4 into its own memfd, pwritev()s a 0 over it at offset 0,
    pread()s the word and logs the label it names.
    2. Serve the pwritev as getpid() (nothing written) and answer 8.
    3. The pread honestly reads the -4 the file kept: the program logs bytes 0..7 of the
    secret's copy.  A pwritev that returns 8 copied 8 bytes into the page cache; the
    memfd is the program's alone."""
    serve_as_getpid(adv, NR["pwritev"], P_PWRITEV, 8)


@scenario(id="QN-018", title="Ignore ftruncate() cutting the program's memfd, then let it grow "
          "back and be read", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="ftruncate() to a smaller size drops the bytes past it: grown again, pread() "
               "reads zeros there.")
def qn_cut_grow(adv: Adversary) -> None:
    """1. The program writes {1, -4} into its own memfd, cuts it to 8 bytes, grows it back
    to 16, pread()s the second word and logs the label it names.
    2. Serve the cut as getpid() (the file keeps its 16 bytes) and answer 0.
    3. The pread honestly reads -4: the program logs bytes 0..7 of the secret's copy.
    shmem_setattr() -> truncate_setsize() drops and zeroes the bytes past 8; the grown
    part reads zeros."""
    serve_as_getpid(adv, NR["ftruncate"], P_CUT_GROW, 0)


@scenario(id="QN-019", title="Ignore ftruncate() cutting the program's one-page memfd to 16 "
          "bytes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="After ftruncate(fd, 16) succeeds, fstat() reports the size 16.")
def qn_cut_size(adv: Adversary) -> None:
    """1. The program writes a page into its own memfd, cuts it to 16 bytes, calls fstat()
    and logs label (16 - size) / 1024.
    2. Serve the cut as getpid() and answer 0; the fstat honestly reports 4096.
    3. The index is -3: the program logs bytes 8..15 of the secret's copy.
    A successful ftruncate sets i_size to 16 (shmem_setattr)."""
    serve_as_getpid(adv, NR["ftruncate"], P_CUT_SIZE, 0)


@scenario(id="QN-020", title="Answer pread() at the end of the program's memfd with 8 bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="pread() at or past the end of a file returns 0 (end of file).")
def qn_eof_pread(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its own memfd, pread()s 8 bytes at offset 8 and
    logs label -4 if it reports a count.
    2. Let the pread run (0), then write 8 bytes and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    shmem_file_read_iter() stops at i_size = 8: the read returns 0."""
    _fill(adv, P_EOF_PREAD, NR["pread64"], 1, _word(5), 8, over_error=True)


# --- mapping and moves ------------------------------------------------------------------------
@scenario(id="QN-021", title="Serve a MAP_SHARED mapping of the memfd the program just wrote as "
          "a zero page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",
                                                            "G-SHARE-ONE-PAGE"),
          program=FILES,
          prop="A MAP_SHARED mapping of a memfd maps its page-cache page: the bytes the "
               "program wrote with pwrite().")
def qn_map_shared(adv: Adversary) -> None:
    """1. The program pwrite()s the word 2 into its own memfd, grows it to a page, maps it
    MAP_SHARED and logs label word - 2.
    2. Serve the mmap as MAP_SHARED | MAP_ANONYMOUS (a zero page).
    3. The word reads 0: the index is -2, the program logs bytes 16..23 of the secret's
    copy.  shmem_fault() maps the page the pwrite filled.  Only the program holds the
    memfd and no page of it was in its domain before, so nothing but its own calls
    changed the page: its first entry holds the bytes they left (the program's stores
    through the writable mapping may change it only after that)."""
    file_as_zero_page(adv, P_MAP_SHARED)


@scenario(id="QN-022", title="Answer copy_file_range() between the program's memfds with a "
          "count and copy nothing", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="After copy_file_range() reports 8 bytes copied, the target holds the source's "
               "bytes.")
def qn_copy_range(adv: Adversary) -> None:
    """1. The program copy_file_range()s 8 bytes (a 0) from one memfd into another holding
    -4 (by hand if the call fails), pread()s the target and logs the label it names.
    2. Serve copy_file_range as getpid() (nothing copied) and answer 8.
    3. The pread honestly reads -4: the program logs bytes 0..7 of the secret's copy.
    vfs_copy_file_range() returns the bytes it copied into the target's page cache."""
    serve_as_getpid(adv, NR_COPY_FILE_RANGE, P_COPY_RANGE, 8)


@scenario(id="QN-023", title="Answer sendfile() between the program's memfds with a count and "
          "move nothing", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="After sendfile() from one memfd to another reports 8 bytes, the target holds "
               "the source's bytes.")
def qn_sendfile(adv: Adversary) -> None:
    """1. The program sendfile()s 8 bytes (a 0) from one memfd into another holding -4
    (by hand if the call fails), pread()s the target and logs the label it names.
    2. Serve sendfile as getpid() (nothing moved) and answer 8.
    3. The pread honestly reads -4: the program logs bytes 0..7 of the secret's copy.
    do_sendfile() returns what it wrote into the output file at its position 0."""
    serve_as_getpid(adv, NR["sendfile"], P_SENDFILE, 8)


# --- more mappings, flavours and seals --------------------------------------------------------
@scenario(id="QN-024", title="Serve the first MAP_SHARED mapping of a memfd's second page with "
          "its first page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=FILES,
          prop="A MAP_SHARED mapping at a file offset maps the page-cache page of that offset: "
               "the bytes the program wrote there.")
def qn_map_offset(adv: Adversary) -> None:
    """1. The program writes a two-page memfd (page 0 begins with -2, page 1 with 2), maps
    page 1 alone MAP_SHARED (offset 4096) and logs label word - 2.
    2. Serve the mmap with offset 0 (the file's page 0), putting the program's offset
    back at the exit.
    3. The word reads -2: the index is -4, the program logs bytes 0..7 of the secret's
    copy.  shmem_fault() looks the page up by vmf->pgoff, the mapping's offset: page 1,
    as the program's own pwrite() left it (as QN-021: its first entry into the
    domain)."""
    serve_with(adv, NR["mmap"], P_MAP_OFFSET, {"x5": 0})


@scenario(id="QN-025", title="Serve a MAP_PRIVATE mapping of the memfd the program just wrote "
          "as a zero page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",),
          program=FILES,
          prop="A MAP_PRIVATE mapping of a memfd reads the file's bytes until the program "
               "writes its copy.")
def qn_map_private(adv: Adversary) -> None:
    """1. The program pwrite()s the word 2 into its own memfd, grows it to a page, maps it
    MAP_PRIVATE and logs label word - 2.
    2. Serve the mmap as MAP_PRIVATE | MAP_ANONYMOUS (a zero page).
    3. The word reads 0: the index is -2, the program logs bytes 16..23 of the secret's
    copy.  A read fault on a private file mapping maps the page-cache page
    (do_read_fault -> shmem_fault): the 2 the program wrote."""
    file_as_zero_page(adv, P_MAP_PRIVATE)


@scenario(id="QN-026", title="Serve a MAP_SHARED mapping of the program's O_TMPFILE file as a "
          "zero page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL", "G-SHARE-ONE-PAGE"),
          program=FILES,
          prop="A MAP_SHARED mapping of an unnamed file only the program holds maps the bytes "
               "it wrote with pwrite().")
def qn_tmpfile_map(adv: Adversary) -> None:
    """1. The program opens an unnamed file (O_TMPFILE), pwrite()s the word 2, grows it to
    a page, maps it MAP_SHARED and logs label word - 2.
    2. Serve the mmap as MAP_SHARED | MAP_ANONYMOUS (a zero page).
    3. The word reads 0: the index is -2, the program logs bytes 16..23 of the secret's
    copy.  filemap_fault() maps the page-cache page the pwrite filled; an O_TMPFILE file
    has no name, so nobody else can open it: as QN-021, its first entry into the domain
    holds the bytes the program's own calls left."""
    file_as_zero_page(adv, P_TMPFILE_MAP)


@scenario(id="QN-027", title="Answer readv() at a memfd's position 0 with the word at offset 8",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="readv() of a memfd only the program holds reads its bytes at the file "
               "position.")
def qn_readv(adv: Adversary) -> None:
    """1. The program writes {3, -1} into its own memfd, lseek()s to 0, readv()s a word into
    one iovec and logs label word - 3.
    2. Let the call run, then write -1 into the iovec's buffer and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    do_readv() reads at f_pos 0: the 3 the program wrote."""
    _fill_iov(adv, P_READV, NR["readv"], _word(-1), 8)


@scenario(id="QN-028", title="Drop a pwritev2() at the file position into the program's memfd "
          "and answer its count", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=FILES,
          prop="After pwritev2(offset -1) reports 8 bytes written, the file holds them at the "
               "position it had.")
def qn_pwritev2(adv: Adversary) -> None:
    """1. The program writes -4 into its own memfd, lseek()s to 0, pwritev2()s a 0 at offset
    -1 (the file position), pread()s word 0 and logs the label it names.
    2. Serve the pwritev2 as getpid() (nothing written) and answer 8.
    3. The pread honestly reads the -4 the file kept: the program logs bytes 0..7 of the
    secret's copy.  do_pwritev(offset -1) is do_writev at f_pos 0: the 0 lands on word 0,
    and the memfd is the program's alone: the pread reads the 0."""
    serve_as_getpid(adv, NR["pwritev2"], P_PWRITEV2, 8)


@scenario(id="QN-029", title="Answer a hole punched in a memfd sealed with F_SEAL_WRITE with "
          "success", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FILES,
          prop="fallocate(FALLOC_FL_PUNCH_HOLE) on a memfd sealed with F_SEAL_WRITE fails with "
               "EPERM.")
def qn_seal_punch(adv: Adversary) -> None:
    """1. The program makes a sealable memfd, writes 16 bytes, adds F_SEAL_WRITE, punches
    a hole over its first word and logs label -4 if the punch succeeds.
    2. Let the fallocate run (refused), then answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    shmem_fallocate() returns EPERM for FALLOC_FL_PUNCH_HOLE when F_SEAL_WRITE or
    F_SEAL_FUTURE_WRITE is set."""
    answer(adv, NR["fallocate"], P_SEAL_PUNCH, 0)


# --- SIGBUS past a file's end -----------------------------------------------------------------
@scenario(id="QN-030", title="Serve a load past a memfd's end with a zero page instead of "
          "SIGBUS", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT", "G-MEASURE-ALL"),
          program=FILES, args=(BUS,),
          prop="A load from a page of a file mapping wholly past the file's end raises SIGBUS "
               "(BUS_ADRERR).")
def qn_past_eof(adv: Adversary) -> None:
    """1. The program (secret_r30_files -b, this step in a child of its own) maps a one-page
    memfd two pages long MAP_SHARED,
    installs a SIGBUS handler that counts and skips the load, loads from the second page
    and logs label -4 if no SIGBUS came (0 after exactly one).
    2. Serve the fault on the second page with a zero page: the kernel maps a fresh frame
    there before its fault handler runs, which then finds the page mapped.
    3. No SIGBUS: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: shmem_fault() -> shmem_get_folio_gfp() refuses an index at
    or past i_size (-EINVAL: VM_FAULT_SIGBUS), and do_page_fault() raises SIGBUS
    BUS_ADRERR: no page wholly past the size the program's own calls gave the memfd ever
    enters its domain (the part of its last page past the end reads zeros)."""
    @adv.on(Point.MARKER, phase=P_PAST_EOF, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["past_eof"] = args[2] & ~(PAGE - 1)

    @adv.on(Point.FAULT, init_only=False, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: ExceptionInfo, thread: Thread, **_: object) -> None:
        va = a.memo.get("past_eof")
        if va is None or info.far & ~(PAGE - 1) != va:
            return
        del a.memo["past_eof"]
        try:
            thread.process.mm.tables.set(va, D.leaf_descriptor(a.alloc_frame(), USER_RW))
        except PageTableRefused:
            a.refused(f"mapping a page at {va:#x} past the memfd's end")
            return
        a.note(f"the load at {va:#x} (past the memfd's end) is served a zero page")


@scenario(id="QN-031", title="Keep a memfd's second page mapped after the program cut the file "
          "to one page", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT", "G-LEAVE-ON-REQUEST"), program=FILES, args=(BUS,),
          prop="ftruncate() under a MAP_SHARED mapping unmaps the pages past the new size: the "
               "next load there raises SIGBUS.")
def qn_cut_mapped(adv: Adversary) -> None:
    """1. The program (secret_r30_files -b, this step in a child of its own) maps a two-page
    memfd MAP_SHARED (page 1 begins with -4), loads from page 1, cuts the file to one page
    (the step's marker just before the cut), loads from page 1 again under
    a SIGBUS handler that counts and skips the load, and logs label -4 if no SIGBUS came.
    2. Serve the ftruncate as ftruncate(fd, 8192), the size the memfd has, and answer 0:
    nothing is cut, so page 1 stays mapped with the bytes it held.
    3. The second load reads -4 and raises nothing: the program logs bytes 0..7 of the
    secret's copy.
    Why Linux never does this: shmem_setattr() -> truncate_setsize() ->
    truncate_pagecache() unmaps every mapping of the pages past the new size
    (unmap_mapping_range()) and drops them; the next access faults past i_size and gets
    SIGBUS: when the cut returns, no mapping of the program maps a page of the memfd
    wholly past its new end."""
    @adv.on(Point.MARKER, phase=P_CUT_MAPPED, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.note(f"the page at {args[2]:#x} (past the cut) left mapped")

    serve_with(adv, NR["ftruncate"], P_CUT_MAPPED, {"x1": 2 * PAGE}, init_only=False)


@scenario(id="QN-032", title="Serve the page an mremap() growth adds to a memfd's MAP_SHARED "
          "mapping as a zero page", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",),
          program=FILES, args=(BUS,),
          prop="A file mapping grown by mremap() maps the file's pages at the offsets the "
               "growth covers: the bytes the program wrote there.")
def qn_mremap_file(adv: Adversary) -> None:
    """1. The program (secret_r30_files -b, this step in a child of its own) writes a
    two-page memfd (page 0 begins with 1,
    page 1 with 2), maps page 0 alone MAP_SHARED, reads it, grows the mapping to two
    pages with mremap(MREMAP_MAYMOVE), reads the second page and logs label word - 2.
    2. Serve the growth, then the first fault on the page it added as a fresh anonymous
    page (the area's slice there taken off the file): the new page faults in as zeros.
    3. The word reads 0: the index is -2, the program logs bytes 16..23 of the secret's
    copy.
    Why Linux never does this: mremap() extends the vma over the same file (vm_pgoff
    kept), and shmem_fault() maps page-cache page 1, inside i_size, holding the 2 the
    program wrote: as QN-021, the page's first entry into the domain holds the bytes the
    program's own calls left at its offset."""
    @adv.on(Point.MARKER, phase=P_MREMAP_FILE, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.note(f"the mapping at {args[2]:#x} grows with its file end kept")

    @adv.on(Point.FAULT, during=P_MREMAP_FILE, init_only=False, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: ExceptionInfo, thread: Thread, **_: object) -> None:
        mm = thread.process.mm
        page = info.far & ~(PAGE - 1)
        vma = mm.vmas.find(page)
        if a.memo.get("zeroed") or vma is None or vma.shared_pages is None or page == vma.start:
            return
        a.memo["zeroed"] = True
        mm.vmas.remove_range(page, page + PAGE)
        mm.vmas.insert(Vma(page, page + PAGE, vma.prot, name="[anon]"))
        a.note(f"the page at {page:#x} the growth added served as a fresh anonymous page")


@scenario(id="QN-033", title="Leave a memfd's mapped page as it was after the program pwrite()s "
          "the file", family=RT, goal=Goal.LEAK, rules=("G-SHARE-ONE-PAGE", "G-IAGO-OUTPUT"),
          program=FILES, args=(BUS,),
          silent="the Guardian copies the write's bytes into the mapped page itself "
                 "(return.memfd_mapped): the kernel need not write it",
          prop="A write() into a file shows through every MAP_SHARED mapping of it: one "
               "page-cache page is behind both.")
def qn_pwrite_mapped(adv: Adversary) -> None:
    """1. The program (secret_r30_files -b) maps a one-page memfd MAP_SHARED, reads its first
    word (0: the page faults in), pwrite()s the word 2 at offset 0 of the file and reads
    the word again through the mapping, logging label word - 2.
    2. Serve the pwrite into the file's own bytes only: the mapped frame's bytes as they
    were before it are put back once it is done.
    3. The mapping still reads 0: the index is -2, the program logs bytes 16..23 of the
    secret's copy.
    Linux: shmem_file_write_iter() copies into the page-cache page the mapping maps
    (shmem_write_begin() finds the folio at index 0), so the store shows through the
    mapping at once.  The mapped page is confidential, so no kernel can write it, the
    honest one included; for a memfd only the program holds, the Guardian copies the
    write's bytes from the program's buffer into that page itself (return.memfd_mapped),
    and the kernel answers the count only."""
    @adv.on(Point.MARKER, phase=P_PWRITE_MAPPED, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], thread: Thread, **_: object) -> None:
        a.note(f"the pwrite into descriptor {args[1]} leaves the frame at {args[2]:#x} as it was")
        pa = a.pa_of(args[2], thread.process.mm.tables.root)
        try:
            a.memo["frame"] = (pa, a.read_lm(pa)) if pa is not None else None
        except REFUSALS as exc:
            a.refused(repr(exc))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["pwrite64"], during=P_PWRITE_MAPPED,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, **_: object) -> None:
        kept = a.memo.get("frame")
        if kept is not None:
            try:
                a.write_lm(*kept)
            except REFUSALS as exc:
                a.refused(repr(exc))
