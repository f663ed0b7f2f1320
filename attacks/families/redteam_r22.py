"""Red-team round twenty-two: what the kernel writes into a program's buffers.

Earlier rounds held each output to its extent (written whole, within the room given, NUL
where Linux puts one) and a few values to their range.  What the bytes say is more: a
program concludes from them because Linux could not have written anything else there.
An open file's type and identity never change under its descriptor, and a pipe is a
FIFO (fstat twice, statx against fstat; statx and newfstatat of the pipe: QD-041,
QD-042); a file only the program holds has the size and
bytes it wrote, and so has a pipe only it holds (memfd fstat and pread, a word read back
from its own pipe, FIONREAD after a write); a fresh eventfd holds what was written into
it; a directory record's d_type is a 4-bit file type and its name is non-empty and has no
'/'; a symbolic link's target has no NUL; the working directory is never an empty path;
uname's sysname is "Linux"; sysinfo's free memory and swap are at most the totals; a
socket keeps the type it was made with and an AF_UNIX socket's name says AF_UNIX in at
least its two bytes of family; a datagram marked MSG_TRUNC filled the buffer;
sched_getaffinity answers at least one long; the comm reads back what was set; a pipe
end's access mode is its direction; a read moves the offset by what it returned; and
getgroups answers the same count twice (QD-001..QD-026).  The auxiliary vector, the
pointers a thread registered and the later steps are redteam_r22_process.py's
(QD-027..QD-040).

"Only the program holds it" means: made by the program, close-on-exec, never sent, no
child; another process could reach it only through /proc/<pid>/fd, which takes the
ptrace access to the program that a confidential program rules out anyway.

The victim is `secret_r22_contents` (workloads/src/secret_r22_contents.c), whose steps each
announce themselves with a marker and most turn one value into the index of a public label
in a log buffer between two copies of the secret, then write that label to /dev/null.
Each scenario holds only the kernel's powers (the result it returns, the user access of
the call being served, the initial stack it builds).  Where an attack still gets through
with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState

RT = "redteam_r22"
CONTENTS = "secret_r22_contents"
# secret_r22_contents: the marker before each step; the marker after its write is + 1.
P_FSTAT_PIPE, P_FSTAT_TWICE, P_STATX, P_MEMFD_SIZE, P_MEMFD_READ = 2200, 2202, 2204, 2206, 2208
P_PIPE_BACK, P_FIONREAD, P_EVENTFD, P_DENTS_KIND = 2210, 2212, 2214, 2216
P_READLINK, P_GETCWD, P_UNAME, P_SWAP = 2222, 2224, 2226, 2228
P_SO_TYPE, P_NAMELEN, P_TRUNC, P_AFFINITY = 2232, 2234, 2238, 2240
P_COMM, P_ACCMODE, P_SEEK_CUR, P_GROUPS = 2242, 2244, 2246, 2248
P_EXECFN, P_ROBUST_HEAD, P_ROBUST_LEN, P_TID_ADDRESS = 2256, 2258, 2260, 2262
P_PIPE_SIZE, P_READ_TAIL, P_PEERCRED, P_UPTIME = 2264, 2266, 2268, 2270
P_NO_NEW_PRIVS, P_STATX_PIPE, P_FSTATAT_PIPE = 2272, 2274, 2276
MASK64 = (1 << 64) - 1
# arm64 struct stat: st_dev, st_ino, st_mode, st_nlink, st_uid, st_gid, st_rdev, pad,
# st_size ...; struct statx: stx_ino at 32; struct sysinfo: totalram at 32, freeram at 40,
# totalswap at 64, freeswap at 72.
ST_INO, ST_MODE, ST_SIZE, STX_MODE, STX_INO = 8, 16, 48, 28, 32
SI_TOTALRAM, SI_FREERAM, SI_TOTALSWAP, SI_FREESWAP = 32, 40, 64, 72
S_IFREG, S_IFIFO = 0o100000, 0o010000
SOCK_STREAM, MSG_TRUNC, O_ACCMODE = 1, 0x20, 3
MSGHDR_FLAGS = 48                    # struct msghdr's msg_flags on arm64
DIRENT = struct.Struct("<QqHB")      # d_ino, d_off, d_reclen, d_type; d_name follows
DT_DIR = 4
INO = 1000                           # the inode number the kernel gives /dev/null


def as_word(value: int) -> int:
    """A value as the 64-bit register word the program reads."""
    return value & MASK64


def answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    """Let the program's next call `nr` after marker `during` run, then answer `value`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", as_word(value))
        a.note(f"system call {nr} answered {value:#x}")


def patch_output(adv: Adversary, during: int, nr: int, arg: int, offset: int, data: bytes,
           result: int | None = None, nth: int = 1) -> None:
    """Let the program's `nth` call `nr` after marker `during` run to its end, then write
    `data` at `offset` into the output its argument `arg` pointed at (bytes the kernel
    writes while serving the call) and answer `result` (None: what the call returned)."""
    key = ("patch", during, nr, nth)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)
    def _(a: Adversary, **_: object) -> None:
        seen = a.memo.get((key, "seen"), 0) + 1
        a.memo[(key, "seen")] = seen
        if seen == nth:
            a.memo[key] = int(a.el1.syscall_args()[arg])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED:
            return
        if a.reg("x0") >= 1 << 63:
            a.memo[key] = 0
            a.note(f"system call {nr} failed ({a.reg('x0') - (1 << 64)}): nothing to rewrite")
            return
        a.memo[key] = 0
        a.kernel.uaccess.write(where + offset, data)
        if result is not None:
            a.set_reg("x0", as_word(result))
        a.note(f"system call {nr} wrote {data.hex()} at +{offset}, answered {a.reg('x0'):#x}")


def _dirent(name: bytes, d_type: int, off: int, ino: int = 2) -> bytes:
    """One linux_dirent64 record as filldir64 lays it out (8-byte aligned, NUL-ended)."""
    reclen = (DIRENT.size + len(name) + 1 + 7) & ~7
    head = DIRENT.pack(ino, off, reclen, d_type)
    return (head + name).ljust(reclen, b"\0")


def root_listing(last: bytes, last_type: int = DT_DIR) -> bytes:
    """The root directory as the kernel lists it: ".", "..", then one record of its own."""
    return (_dirent(b".", DT_DIR, 1) + _dirent(b"..", DT_DIR, 2) +
            _dirent(last, last_type, 3, ino=7))


def _serve_listing(adv: Adversary, records: bytes) -> None:
    patch_output(adv, P_DENTS_KIND, NUMBERS["getdents64"], 1, 0, records, result=len(records))


# --- stat and statx: the type and identity of an open file ---------------------------------
@scenario(id="QD-001", title="Answer fstat() of the program's own pipe with no file type",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="fstat() reports a file type (S_IFMT) Linux has: a pipe's is S_IFIFO.")
def qd_fstat_no_type(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes a pipe with pipe2(), calls fstat() on its
    read end and looks up the kind (S_IFMT >> 12) - 1 (a FIFO: 0) in its table of four
    labels, which lies between two copies of the secret.
    2. Let the call run, then write st_mode 0600 (no S_IFMT bits at all) and answer 0.
    3. The kind is -1: the program logs bytes 24..31 of the first copy. Linux's fstat()
    always sets S_IFMT from the inode (pipefs: S_IFIFO); 0 is no file type."""
    patch_output(adv, P_FSTAT_PIPE, NUMBERS["fstat"], 1, ST_MODE, struct.pack("<I", 0o600))


@scenario(id="QD-002", title="Answer fstat() of the program's own pipe as a regular file",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="fstat() of a descriptor pipe2() made reports S_IFIFO.")
def qd_fstat_pipe_regular(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes a pipe with pipe2(), calls fstat() on its
    read end and looks up the kind (S_IFMT >> 12) - 1 (a FIFO: 0) in its table of labels.
    2. Let the call run, then write st_mode S_IFREG | 0600 and answer 0.
    3. The kind is 7: the program logs bytes 24..31 of the second copy. The descriptor's
    open file is the pipe pipe2() made (the Guardian saw it made); its inode is pipefs's
    and its type can only be S_IFIFO."""
    patch_output(adv, P_FSTAT_PIPE, NUMBERS["fstat"], 1, ST_MODE, struct.pack("<I", S_IFREG | 0o600))


@scenario(id="QD-003", title="Answer a second fstat() of the same descriptor with another "
                             "inode number",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="fstat() of one open descriptor reports the same st_ino every time.")
def qd_fstat_ino_changes(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls fstat(/dev/null) twice and logs the label
    st_ino second - first names (0; when under 4).
    2. Let both calls run, then write st_ino 1000 into the first (any number is the
    kernel's to give) and 998 into the second, and answer 0.
    3. The difference is -2: the program logs bytes 16..23 of the first copy. An open
    file's inode never changes under its descriptor: the same fd's st_ino (and st_dev)
    are the same on every call, which programs rely on to tell whether two names are one
    file."""
    patch_output(adv, P_FSTAT_TWICE, NUMBERS["fstat"], 1, ST_INO, struct.pack("<Q", INO), nth=1)
    patch_output(adv, P_FSTAT_TWICE, NUMBERS["fstat"], 1, ST_INO, struct.pack("<Q", INO - 2), nth=2)


@scenario(id="QD-004", title="Answer statx() of a descriptor with an inode number fstat() "
                             "never gave it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="statx(fd, \"\", AT_EMPTY_PATH) reports the st_ino fstat(fd) reported.")
def qd_statx_ino(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls statx(/dev/null's fd, "", AT_EMPTY_PATH)
    and logs the label stx_ino - fstat's st_ino names (0; when under 4).
    2. Write st_ino 1000 into both fstat() answers, then stx_ino 997 into statx()'s.
    3. The difference is -3: the program logs bytes 8..15 of the first copy. statx and
    fstat of one descriptor read one inode (vfs_getattr both): the numbers agree."""
    patch_output(adv, P_FSTAT_TWICE, NUMBERS["fstat"], 1, ST_INO, struct.pack("<Q", INO), nth=1)
    patch_output(adv, P_FSTAT_TWICE, NUMBERS["fstat"], 1, ST_INO, struct.pack("<Q", INO), nth=2)
    patch_output(adv, P_STATX, NUMBERS["statx"], 4, STX_INO, struct.pack("<Q", INO - 3))


# --- a file and a pipe only the program holds ----------------------------------------------
@scenario(id="QD-005", title="Answer fstat() of the program's own memfd with half the size "
                             "it wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="A memfd only the program holds has the size its own writes gave it.")
def qd_memfd_size(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes a memfd (close-on-exec, never passed on,
    no child), writes 32 bytes into it, calls fstat() and logs the label st_size / 8 - 4
    names (0; when under 4).
    2. Let the call run, then write st_size 16 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. A shmem file
    nobody else holds changes size only by the program's own write/ftruncate: Linux
    reports the 32 bytes written."""
    patch_output(adv, P_MEMFD_SIZE, NUMBERS["fstat"], 1, ST_SIZE, struct.pack("<q", 16))


@scenario(id="QD-006", title="Answer pread() of the program's own memfd with a word it never "
                             "wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="A file only the program holds reads back the bytes it wrote.")
def qd_memfd_bytes(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) wrote 32 bytes into its own memfd, the first
    word 0, reads that word back with pread(fd, &w, 8, 0) and looks up label w.
    2. Let the call run, then write the word -4 and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the first copy. The file's only
    writer is the program: Linux's page cache hands back the 0 it wrote."""
    patch_output(adv, P_MEMFD_READ, NUMBERS["pread64"], 1, 0, struct.pack("<q", -4))


@scenario(id="QD-007", title="Answer a read of the program's own pipe with a word it never "
                             "wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="A pipe whose both ends only the program holds delivers the bytes it wrote.")
def qd_pipe_bytes(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) writes the word 0 into the pipe it made with
    pipe2() (both ends its own, close-on-exec, no child), reads 8 bytes back and looks up
    the label the word names (a self-pipe carrying work items).
    2. Let the read run, then write the word -4 into its buffer and answer 8.
    3. The index is -4: the program logs bytes 0..7 of the first copy. A pipe is a FIFO
    of the bytes written into it; with no other writer, Linux returns the 0."""
    patch_output(adv, P_PIPE_BACK, NUMBERS["read"], 1, 0, struct.pack("<q", -4))


@scenario(id="QD-008", title="Answer FIONREAD with 0 after the program wrote 16 bytes into its "
                             "own pipe",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="FIONREAD on a pipe only the program holds counts the bytes it wrote and did "
               "not read.")
def qd_fionread_pipe(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) writes 16 bytes into its own empty pipe, calls
    ioctl(read end, FIONREAD) and logs the label bytes / 8 - 2 names (0; when under 4).
    2. Let the call run, then store 0 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. The 16 bytes are
    in the pipe (the write returned 16, nobody else reads it): Linux reports 16."""
    patch_output(adv, P_FIONREAD, NUMBERS["ioctl"], 2, 0, struct.pack("<i", 0))


@scenario(id="QD-009", title="Answer a fresh eventfd's read with a counter near 2^64 after the "
                             "program wrote 1",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="An eventfd only the program holds reads the sum of what it wrote.")
def qd_eventfd_sum(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes an eventfd with counter 0, writes 1 and
    reads the counter; value - 1 names the label (0; when under 4).
    2. Let the read run, then write 0xfffffffffffffffe (the largest counter) and answer 8.
    3. The index is -3: the program logs bytes 8..15 of the first copy. The counter is
    not zero, so a nonzero check passes; but the only write added 1 to 0, and Linux
    reads back 1."""
    patch_output(adv, P_EVENTFD, NUMBERS["read"], 1, 0, struct.pack("<Q", 0xFFFF_FFFF_FFFF_FFFE))


# --- directory records -------------------------------------------------------------------------
@scenario(id="QD-010", title="List a directory record with a d_type of 16",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getdents64() records carry a d_type of 0..15 (the file type >> 12).")
def qd_dents_type(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) lists "/" with getdents64() and, for each
    record, looks up the kind d_type >> 2 in its table of four labels.
    2. Let the call run, then write ".", ".." and a record "bin" with d_type 16 (records
    tiling the count, each name NUL-ended) and answer their length.
    3. The kind is 4: the program logs bytes 0..7 of the second copy. Linux's d_type is
    fs_umode_to_dtype(mode) = (mode >> 12) & 15, or DT_UNKNOWN: never above 15."""
    _serve_listing(adv, root_listing(b"bin", 16))


@scenario(id="QD-011", title="List a directory record with an empty name",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getdents64() records name a non-empty entry.")
def qd_dents_empty(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) lists "/" with getdents64() and, for each
    record, logs the label strlen(d_name) - 1 names (when under 4), as code looking at a
    name's last character does.
    2. Let the call run, then write ".", ".." and a record whose d_name is "" and answer
    their length.
    3. The index is -1: the program logs bytes 24..31 of the first copy. No file system
    Linux mounts has an entry with an empty name (the VFS refuses one), and filldir64
    copies the name it is given."""
    _serve_listing(adv, root_listing(b""))


@scenario(id="QD-012", title="List a directory record whose name holds a '/'",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getdents64() names hold no '/'.")
def qd_dents_slash(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) lists "/" with getdents64() and, for each
    record, logs the label the offset of the first '/' in d_name less its length names
    (0: no '/'), as code joining a directory and an entry name relies on.
    2. Let the call run, then write ".", ".." and a record "a/b" and answer their length.
    3. The index is -2: the program logs bytes 16..23 of the first copy. A directory
    entry's name is one path component: Linux never lists one with a '/'."""
    _serve_listing(adv, root_listing(b"a/b"))


# --- names the kernel hands back ----------------------------------------------------------------
@scenario(id="QD-013", title="Answer readlinkat() with a target holding a NUL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="readlinkat() returns a target with no NUL in the count it returns.")
def qd_readlink_nul(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls readlinkat("/proc/self/exe") into 64
    bytes and logs the label strnlen(buf, n) - n names (0).
    2. Let the call run, then write "/bin/x\\0yz" and answer 9.
    3. The index is -3: the program logs bytes 8..15 of the first copy. A symbolic link's
    target is a C string (symlink() takes one; d_path builds one): Linux never returns a
    NUL inside it."""
    patch_output(adv, P_READLINK, NUMBERS["readlinkat"], 2, 0, b"/bin/x\0yz", result=9)


@scenario(id="QD-014", title="Answer getcwd() with an empty path",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getcwd() returns a path of at least one character (\"/\").")
def qd_getcwd_empty(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls getcwd() into 64 bytes and logs the
    label strlen(path) - 1 names (when under 4), as code checking for a trailing '/'
    does.
    2. Let the call run, then write the lone NUL and answer 1 (the count with its NUL).
    3. The index is -1: the program logs bytes 24..31 of the first copy. Linux's getcwd
    returns at least "/" (2 with its NUL), or a path it marks unreachable: never ""."""
    patch_output(adv, P_GETCWD, NUMBERS["getcwd"], 0, 0, b"\0", result=1)


@scenario(id="QD-015", title="Answer uname() with a sysname other than \"Linux\"",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="uname()'s sysname is \"Linux\".")
def qd_uname_sysname(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls uname() and logs the label
    strlen(sysname) - 5 names (0 for "Linux").
    2. Let the call run, then write sysname "Lin" (NUL-ended inside its 65 bytes), answer
    0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. sysname is
    UTS_SYSNAME, a constant no namespace or call changes (sethostname and setdomainname
    reach only nodename and domainname)."""
    patch_output(adv, P_UNAME, NUMBERS["uname"], 0, 0, b"Lin\0")


@scenario(id="QD-016", title="Answer sysinfo() with more free swap than there is swap",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="sysinfo()'s freeswap is at most its totalswap.")
def qd_sysinfo_swap(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls sysinfo() and logs the label the swap in
    use (totalswap - freeswap) names (when under 4).
    2. Let the call run, then write totalswap 0 and freeswap 2 and answer 0.
    3. The swap in use is -2: the program logs bytes 16..23 of the first copy. Linux's
    free swap is counted out of the total (si_swapinfo): never above it."""
    patch_output(adv, P_SWAP, NUMBERS["sysinfo"], 0, SI_TOTALSWAP, struct.pack("<QQ", 0, 2))


@scenario(id="QD-017", title="Answer sysinfo() with more free RAM than there is RAM",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="sysinfo()'s freeram is at most its totalram.")
def qd_sysinfo_ram(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls sysinfo() and logs the label the RAM in
    use (totalram - freeram) names (when under 4).
    2. Let the call run, then write totalram 64 MiB and freeram 64 MiB + 2, answer 0.
    3. The RAM in use is -2: the program logs bytes 16..23 of the first copy. Free pages
    are a part of all pages (si_meminfo): Linux never reports more free than total."""
    patch_output(adv, P_SWAP, NUMBERS["sysinfo"], 0, SI_TOTALRAM,
           struct.pack("<QQ", 64 << 20, (64 << 20) + 2))


# --- sockets ---------------------------------------------------------------------------------------
@scenario(id="QD-018", title="Answer getsockopt(SO_TYPE) of a datagram socket with "
                             "SOCK_STREAM",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getsockopt(SO_TYPE) reports the type the socket was made with.")
def qd_so_type(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes socketpair(AF_UNIX, SOCK_DGRAM), calls
    getsockopt(SOL_SOCKET, SO_TYPE) and logs the label type - SOCK_DGRAM names (0).
    2. Let the call run, then store SOCK_STREAM (1) and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the first copy. A socket's type
    is fixed when it is made (sk->sk_type): the pair was made SOCK_DGRAM."""
    patch_output(adv, P_SO_TYPE, NUMBERS["getsockopt"], 3, 0, struct.pack("<i", SOCK_STREAM))


@scenario(id="QD-019", title="Answer getsockname() of an AF_UNIX socket with an address "
                             "length of 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getsockname() of an AF_UNIX socket reports at least its two bytes of "
               "family.")
def qd_sockname_len(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls getsockname() on one end of its
    socketpair with room for a sockaddr_storage and logs the label addrlen - 2 names (0).
    2. Let the call run, then write addrlen 0 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. unix_getname
    always reports sun_family: an unbound socket's length is sizeof(sa_family_t), 2."""
    patch_output(adv, P_NAMELEN, NUMBERS["getsockname"], 2, 0, struct.pack("<I", 0))


@scenario(id="QD-020", title="Answer getsockname() of an AF_UNIX socket with family "
                             "AF_UNSPEC",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getsockname() reports the socket's own address family.")
def qd_sockname_family(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls getsockname() on one end of its AF_UNIX
    socketpair and logs the label sa_family - AF_UNIX names (0).
    2. Let the call run, then write sa_family 0 (AF_UNSPEC) and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the first copy. The address a
    socket reports is its own family's (unix_getname writes AF_UNIX)."""
    patch_output(adv, P_NAMELEN, NUMBERS["getsockname"], 1, 0, struct.pack("<H", 0))


@scenario(id="QD-021", title="Mark an 8-byte datagram MSG_TRUNC when it fit in the buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="recvmsg() sets MSG_TRUNC only when the datagram was longer than the buffer, "
               "and then returns the buffer's length.")
def qd_msg_trunc(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) sends itself an 8-byte datagram over its
    socketpair and receives it with recvmsg() into a 32-byte scratch buffer that held a
    copy of the secret; with MSG_TRUNC in msg_flags it takes the buffer as full and logs
    all 32 bytes, else the count received.
    2. Let the call run (8 bytes), then set MSG_TRUNC in msg_flags.
    3. The program logs 32 bytes: 24 of them the secret's. Linux's unix_dgram_recvmsg
    sets MSG_TRUNC only when the datagram exceeds the iovecs, and then copies (and
    returns) the iovecs' whole length, never fewer bytes."""
    patch_output(adv, P_TRUNC, NUMBERS["recvmsg"], 1, MSGHDR_FLAGS, struct.pack("<i", MSG_TRUNC))


# --- the process's own settings --------------------------------------------------------------------
@scenario(id="QD-022", title="Answer sched_getaffinity() with a mask of 0 bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="sched_getaffinity() returns the mask's size: at least one long.")
def qd_affinity_empty(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls sched_getaffinity(0, 128, mask) and logs
    the label bytes / 8 - 1 names (when under 4).
    2. Let the call run and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the first copy. Linux returns
    min(len, cpumask_size()), a whole number of longs (8 at least), or EINVAL."""
    answer(adv, P_AFFINITY, NUMBERS["sched_getaffinity"], 0)


@scenario(id="QD-023", title="Answer PR_GET_NAME with a name other than the one the program "
                             "set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="PR_GET_NAME reads back the comm PR_SET_NAME set (single-threaded program).")
def qd_comm_back(adv: Adversary) -> None:
    """1. The program (secret_r22_contents, one thread) sets its comm to "r22w" with
    prctl(PR_SET_NAME), reads it with PR_GET_NAME and logs the label strlen(name) - 4
    names (0).
    2. Let the call run, then write "w" (NUL-ended) and answer 0.
    3. The index is -3: the program logs bytes 8..15 of the first copy. Only the thread
    itself (PR_SET_NAME) or a thread of its group (/proc/self/task/*/comm) changes its
    comm: Linux returns "r22w"."""
    patch_output(adv, P_COMM, NUMBERS["prctl"], 1, 0, b"w\0")


@scenario(id="QD-024", title="Answer F_GETFL of a pipe's write end with access mode 3",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="F_GETFL reports a pipe end's access mode: O_WRONLY for the write end.")
def qd_getfl_accmode(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls fcntl(F_GETFL) on its pipe's write end and
    logs the label 1 - (flags & O_ACCMODE) names (0 for O_WRONLY).
    2. Let the call run and answer O_ACCMODE (3).
    3. The index is -2: the program logs bytes 16..23 of the first copy. pipe2() opens
    the write end O_WRONLY, and no call changes an open file's access mode (F_SETFL
    ignores it)."""
    answer(adv, P_ACCMODE, NUMBERS["fcntl"], O_ACCMODE)


@scenario(id="QD-025", title="Answer lseek(SEEK_CUR) after an 8-byte read with offset 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="A read that returned n moved the offset of a regular file by n.")
def qd_seek_cur(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) seeks its own memfd to 0, reads 8 bytes (8
    returned), calls lseek(fd, 0, SEEK_CUR) and logs the label pos / 8 - 1 names (0).
    2. Let the call run and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the first copy. The file's
    only user is the program: Linux's read advanced f_pos to 8."""
    answer(adv, P_SEEK_CUR, NUMBERS["lseek"], 0)


@scenario(id="QD-026", title="Answer getgroups(0) with two more groups than getgroups(32) "
                             "then fills",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getgroups() reports the same supplementary groups until the process changes "
               "them.")
def qd_groups_count(adv: Adversary) -> None:
    """1. The program (secret_r22_contents, one thread) asks getgroups(0, NULL) for the
    number of groups, then getgroups(32, list), and logs the label second - first names
    (0).
    2. Let the first call run and answer its count plus 2.
    3. The index is -2: the program logs bytes 16..23 of the first copy. A task's
    credentials change only by its own calls (setgroups): both counts are the same."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getgroups"], during=P_GROUPS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") + 2)
        a.note("getgroups(0) answered two groups more")


@scenario(id="QD-041", title="Answer statx() of the program's own pipe as a regular file",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="statx() of a descriptor pipe2() made reports S_IFIFO in stx_mode.")
def qd_statx_pipe_regular(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls statx(pipe read end, "", AT_EMPTY_PATH,
    STATX_TYPE) and looks up the kind (S_IFMT >> 12) - 1 (a FIFO: 0) in its table of
    labels.
    2. Let the call run, then write stx_mode S_IFREG | 0600 and answer 0.
    3. The kind is 7: the program logs bytes 24..31 of the second copy. QD-002 on the
    other stat call: the pipe's inode is pipefs's, whatever call reads it."""
    patch_output(adv, P_STATX_PIPE, NUMBERS["statx"], 4, STX_MODE,
                 struct.pack("<H", S_IFREG | 0o600))


@scenario(id="QD-042", title="Answer newfstatat(AT_EMPTY_PATH) of the program's own pipe "
                             "with no file type",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="newfstatat(fd, \"\", AT_EMPTY_PATH) of a pipe reports S_IFIFO.")
def qd_fstatat_pipe_untyped(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls newfstatat(pipe read end, "",
    AT_EMPTY_PATH) and looks up the kind (S_IFMT >> 12) - 1 (a FIFO: 0).
    2. Let the call run, then write st_mode 0600 (no S_IFMT bits) and answer 0.
    3. The kind is -1: the program logs bytes 24..31 of the first copy. QD-001 on the
    other stat call: Linux always sets the inode's type, the pipe's S_IFIFO."""
    patch_output(adv, P_FSTATAT_PIPE, NUMBERS["newfstatat"], 2, ST_MODE,
                 struct.pack("<I", 0o600))
