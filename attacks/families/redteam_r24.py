"""Red-team round twenty-four: what a program is started with, and what it reads back.

The initial stack is the kernel's to build, and the Guardian's to check before the
program runs; it then writes AT_RANDOM's 16 bytes itself wherever AT_RANDOM points.
Linux keeps those bytes in their own place below the strings, so no argument or
environment string, no auxv value and not AT_NULL's key changes after the check
(QG-001, QG-002, QG-016, QG-023); AT_MINSIGSTKSZ is this CPU's signal frame size
(QG-003).  Two MAP_SHARED mappings of one file through one descriptor map the same
page-cache page (QG-004); a file cut by ftruncate loses its bytes past the new end, so the
part grown back is a hole of zeros (QG-005) and the last page reads zeros past the end
(QG-006).  A memfd is one file in every process and through every open of it (QG-010, a
guard; QG-012, QG-018).  The running executable reads back, and stats, as the file the
Guardian measured (QG-011, QG-022); /dev/zero reads and maps as zeros (QG-019, QG-020).
An ELF image a confidential program execs starts with the argv that program passed: only
a script (#!) is run with its interpreter's name and optional argument in front, never an
ELF file (QG-007, QG-008); AT_EXECFN names the path it was exec'd by (QG-009); and exec
keeps the real uid, the working directory and the umask (QG-017, QG-021, QG-024).

The victim is `secret_r24_loader` (workloads/src/secret_r24_loader.c), whose steps each
announce themselves with a marker and most turn one value into the index of a public
label in a log buffer that begins with a copy of the secret, then write that label to
/dev/null; its fork child execs the program itself as a worker that reports what it was
started with (QG-016 attacks secret_r23_state's AT_CLKTCK step).  The dynamically linked
victim's scenarios are in redteam_r24_dynamic.py.  Each scenario holds only the kernel's
powers (the initial stack it builds, the arguments and results of the calls it serves).
Where an attack still gets through with the Guardian on, it names the property it breaks
(`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import file_as_zero_page
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator.el1 import El1Fault
from kernel_model.process import Thread
from workloads import find as find_workload

RT = "redteam_r24"
LOADER = "secret_r24_loader"
SELF = b"/bin/secret_r24_loader"
# secret_r24_loader: the marker before each step; the marker after it is + 1.
P_ARGV0, P_SECURE, P_MINSIG, P_TWICE, P_REGROW, P_TAIL = 2400, 2402, 2404, 2406, 2408, 2410
P_CLKTCK = 2338             # secret_r23_state's sysconf(_SC_CLK_TCK) step (redteam_r23)
STATE = "secret_r23_state"
P_EXEC, P_WORKER, P_MEMFD_CHILD, P_OWN_FILE = 2412, 2414, 2416, 2418
P_WORKER_KEY = 2421          # the worker's report of its memfd's first word
P_MEMFD_REOPEN = 2422        # a reader child maps the memfd opened again via /proc/self/fd
P_ZERO_READ, P_ZERO_MAP = 2424, 2426   # 8 bytes read from /dev/zero; /dev/zero mapped
P_WORKER_CWD = 2429          # the worker's report: 1 when getcwd() is not /bin
P_OWN_SIZE = 2440            # fstat() of its own executable: st_size against its headers' end
ST_SIZE = 48                 # offset of st_size in arm64's struct stat
P_WORKER_UMASK = 2443        # the worker's report of the mask its first umask() replaced
PARENT_UMASK = 0o77          # the mask its parent set before the exec
KEEP_FD = 9                  # where the fork child hands the worker its memfd
KEY_WORD = 3                 # the memfd's first word, stored by the parent
AT_NULL, AT_BASE, AT_FLAGS, AT_PLATFORM, AT_CLKTCK = 0, 7, 8, 15, 17
AT_UID, AT_EUID, AT_SECURE, AT_RANDOM, AT_EXECFN = 11, 12, 23, 25, 31
AT_MINSIGSTKSZ = 51
NR_MMAP, NR_FTRUNCATE, NR_PREAD64 = NUMBERS["mmap"], NUMBERS["ftruncate"], NUMBERS["pread64"]
NR_READ = NUMBERS["read"]
MAP_ANONYMOUS = 0x20
NO_FD = (1 << 64) - 1
PAGE = 4096
WORD = struct.Struct("<Q")
# The worker's applets and options (secret_r24_loader.c's worker()).
APPLET_WORKER, OPT_PRINT = 1, 1
#: The predecessor design grants no read of a confidential program's execve strings: the
#: fork child's execve fails there and the worker never starts.
NO_WORKER = ("the predecessor design refuses the fork child's execve (it grants no read of "
             "the argument strings), so the worker never starts")


# --- the initial stack as the kernel built it ---------------------------------------------
@dataclass
class InitialStack:
    """argc/argv/envp/auxv and the strings of an initial stack, as read back."""

    sp: int
    argv: list[bytes]
    envp: list[bytes]
    argv_at: list[int]
    envp_at: list[int] = field(default_factory=list)
    auxv: list[tuple[int, int]] = field(default_factory=list)   # AT_NULL's included
    auxv_at: dict[int, int] = field(default_factory=dict)       # key -> its value word's VA

    def value(self, key: int) -> int:
        return dict(self.auxv)[key]


def _cstring(a: Adversary, va: int, limit: int = PAGE) -> bytes:
    out = b""
    while len(out) < limit:
        chunk = a.el1.read(va + len(out), min(64, PAGE - ((va + len(out)) & (PAGE - 1))))
        end = chunk.find(b"\0")
        if end >= 0:
            return out + chunk[:end]
        out += chunk
    return out


def _read_stack(a: Adversary, sp: int) -> InitialStack:
    argc = a.el1.read_u64(sp)
    argv_at = [a.el1.read_u64(sp + 8 * (1 + i)) for i in range(argc)]
    pos = sp + 8 * (argc + 2)
    envp_at: list[int] = []
    while (word := a.el1.read_u64(pos)) != 0:
        envp_at.append(word)
        pos += 8
    pos += 8
    st = InitialStack(sp, [_cstring(a, p) for p in argv_at], [_cstring(a, p) for p in envp_at],
                      argv_at, envp_at)
    while True:
        key, value = a.el1.read_u64(pos), a.el1.read_u64(pos + 8)
        st.auxv.append((key, value))
        st.auxv_at[key] = pos + 8
        pos += 16
        if key == AT_NULL:
            return st


def _write_stack(a: Adversary, st: InitialStack, argv: list[bytes],
                 after: tuple[int, ...] = ()) -> int:
    """Lay the stack out again as Linux's create_elf_tables() does, from the same top (the
    filename string exec copies first), with `argv` for its arguments and the words `after`
    right after the auxiliary vector's AT_NULL; returns the new sp."""
    execfn_at = st.value(AT_EXECFN)
    execfn = _cstring(a, execfn_at)
    top = execfn_at + len(execfn) + 1
    random16 = a.el1.read(st.value(AT_RANDOM), 16)
    sp = top
    blobs: list[tuple[int, bytes]] = []

    def push(data: bytes) -> int:
        nonlocal sp
        sp -= len(data)
        blobs.append((sp, data))
        return sp

    new = {AT_EXECFN: push(execfn + b"\0")}
    env_at = [push(e + b"\0") for e in reversed(st.envp)][::-1]
    arg_at = [push(s + b"\0") for s in reversed(argv)][::-1]
    new[AT_PLATFORM] = push(_cstring(a, st.value(AT_PLATFORM)) + b"\0")
    sp &= ~15
    new[AT_RANDOM] = push(random16)
    words = [len(argv), *arg_at, 0, *env_at, 0]
    for key, value in st.auxv:
        words += [key, new.get(key, value)]
    words += after
    sp = (sp - 8 * len(words)) & ~15
    blobs.append((sp, struct.pack(f"<{len(words)}Q", *words)))
    for where, data in blobs:
        a.el1.write(where, data)
    return sp


StackMove = Callable[[Adversary, int], "int | None"]


def _at_start(adv: Adversary, move: StackMove, which: int = 0) -> None:
    """Run `move(adv, sp)` on the initial stack of the program's `which`-th image (0: the
    user's launch, 1: the image its fork child execs) just before CREATE_DOMAIN (without a
    Guardian: right after exec); a new sp it returns is the one the image starts with."""
    def count(a: Adversary) -> bool:
        seen = a.memo.get("images", 0)
        a.memo["images"] = seen + 1
        return seen == which

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes
          ) -> tuple[tuple[int, ...], bytes] | None:
        if call != Call.CREATE_DOMAIN or not count(a):
            return None
        try:
            sp = move(a, args[2])
        except El1Fault as exc:
            a.note(f"the initial stack could not be rewritten: {exc}")
            return None
        if sp is None:
            return None
        return (args[0], args[1], sp, *args[3:]), payload

    @adv.on(Point.PRE_DOMAIN, once=False, init_only=False)
    def _(a: Adversary, thread: Thread | None = None, **_: object) -> None:
        if a.guarded or thread is None or not count(a):
            return
        sp = move(a, a.reg("sp"))
        if sp is not None:
            # The thread starts from its saved context (the first program is scheduled
            # later; an exec returns through the CPU's registers): both get the new sp.
            a.set_reg("sp", sp)
            a.el1.save_context(thread.context)


def _random_into(a: Adversary, st: InitialStack, where: int) -> None:
    """Point AT_RANDOM at `where`; without a Guardian the kernel writes its 16 bytes there
    itself (with one, the Guardian writes its own there after its checks)."""
    if not a.guarded:
        a.el1.write(where, a.el1.read(st.value(AT_RANDOM), 16))
    a.el1.write_u64(st.auxv_at[AT_RANDOM], where)
    a.note(f"AT_RANDOM now points at {where:#x}")


# --- AT_RANDOM's bytes over what the Guardian checked -----------------------------------------
@scenario(id="QG-001", title="Point AT_RANDOM at argv[0]'s string",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK", "G-KEYS-PRIVATE"),
          program=LOADER,
          prop="AT_RANDOM's 16 bytes have their own place on the initial stack: writing them "
               "changes no argument string.")
def qg_random_over_argv0(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) seeds the first 16 bytes of its secret from
    AT_RANDOM and prints the name it was run as (argv[0]) in its banner.
    2. Build the initial stack as Linux does, but with AT_RANDOM pointing at the first byte
    of argv[0]'s string (inside the stack; the string reads as the user's command line when
    the initial stack is checked).
    3. The 16 random bytes are written over argv[0]'s string after the check: the program
    seeds its key from them and prints them in its banner.  Linux's create_elf_tables()
    copies the 16 bytes below the platform string, apart from every argument string."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        _random_into(a, st, st.argv_at[0])

    _at_start(adv, move)


def _secure_on(out: Outcome) -> list[str]:
    return [f"the program started in secure mode (AT_SECURE {m.args[0]:#x}) with getuid() "
            f"{m.args[1]} equal to geteuid() {m.args[2]}"
            for m in out.markers if m.phase == P_SECURE + 1 and m.pid == out.init_pid
            and m.args[0] and m.args[1] == m.args[2]]


@scenario(id="QG-002", title="Point AT_RANDOM at AT_SECURE's value in the auxiliary vector",
          family=RT, goal=Goal.TAMPER, rules=("G-INITIAL-STACK",), program=LOADER,
          oracle=_secure_on,
          prop="AT_SECURE is 0 for a program started with equal real and effective ids, and "
               "the auxiliary vector's values do not change after exec built it.")
def qg_random_over_secure(adv: Adversary) -> None:
    """1. The program (secret_r24_loader), started with uid == euid, reads
    getauxval(AT_SECURE) and, in secure mode, ignores its environment (as secure_getenv()
    does); it reports the flag with getuid() and geteuid().
    2. Build the initial stack with the auxv pairs in another order, AT_SECURE's (value 0,
    as the Guardian requires) right before AT_FLAGS's, and AT_RANDOM pointing at
    AT_SECURE's value word (inside the stack).
    3. The 16 random bytes are written over AT_SECURE's value and AT_FLAGS's key after the
    check: the program starts in secure mode though no id differs.  Linux's
    create_elf_tables() writes AT_SECURE as bprm->secureexec and the random bytes apart."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        keys = [k for k, _ in st.auxv]
        i, j = keys.index(AT_BASE), keys.index(AT_SECURE)
        # Swap the two pairs in place: AT_SECURE's now stands before AT_FLAGS's.
        base_pair, secure_pair = st.auxv[i], st.auxv[j]
        first = st.auxv_at[AT_BASE] - 8
        a.el1.write(first, struct.pack("<QQ", *secure_pair))
        a.el1.write(first + 16 * (j - i), struct.pack("<QQ", *base_pair))
        st.auxv_at[AT_RANDOM] = first + 16 * (keys.index(AT_RANDOM) - i) + 8
        _random_into(a, st, first + 8)

    _at_start(adv, move)


@scenario(id="QG-003", title="Start the program with AT_MINSIGSTKSZ six pages",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=LOADER,
          prop="AT_MINSIGSTKSZ is the size of this CPU's signal frame (5120 bytes without SVE "
               "or SME): the kernel computes it once at boot from the CPU's features.")
def qg_minsigstksz(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) sizes its alternate signal stack from
    getauxval(AT_MINSIGSTKSZ) in pages, out of two reserved pages, and logs the label its
    spare pages (2 - pages) name from a log buffer that begins with a copy of the secret.
    2. Just before CREATE_DOMAIN (without a Guardian: right after exec) rewrite the initial
    stack's AT_MINSIGSTKSZ to 6 pages.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    ARCH_DLINFO stores signal_minsigstksz, set at boot from the largest signal frame this
    CPU's features need (no SVE, no SME here: one frame with its FPSIMD record)."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        a.el1.write_u64(st.auxv_at[AT_MINSIGSTKSZ], 6 * PAGE)
        a.note("AT_MINSIGSTKSZ set to 6 pages")

    _at_start(adv, move)


@scenario(id="QG-016", title="Point AT_RANDOM at AT_NULL's key: auxv entries past it reach the "
                             "C library unchecked (AT_CLKTCK 200)",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=STATE,
          prop="The auxiliary vector ends at its AT_NULL, and what the C library reads of it "
               "is what was checked: AT_CLKTCK is USER_HZ (100).")
def qg_auxv_past_null(adv: Adversary) -> None:
    """1. The program (secret_r23_state, as in QE-015) takes sysconf(_SC_CLK_TCK) from the
    C library, which took it from AT_CLKTCK while walking the auxiliary vector up to its
    AT_NULL; its tick table holds at most 100 ticks a second and it logs the label
    (100 - hz) / 25 names from a log buffer that begins with a copy of the secret.
    2. Build the initial stack without AT_CLKTCK (the Guardian checks it only where
    present), with AT_FLAGS's pair last before AT_NULL, the pairs (AT_CLKTCK, 200) and
    (AT_NULL, 0) right after the auxiliary vector, and AT_RANDOM pointing at AT_FLAGS's
    value word: its 16 bytes cover AT_NULL's key.
    3. The random bytes are written over AT_NULL's key after the check: the C library walks
    on into the kernel's pairs, takes AT_CLKTCK 200, and the program logs bytes 0..7 of the
    secret's copy (QE-015's leak, past the AT_CLKTCK check).  Linux's create_elf_tables()
    ends the vector with AT_NULL and keeps the random bytes below the strings."""
    def move(a: Adversary, sp: int) -> int:
        st = _read_stack(a, sp)
        rest = [(k, v) for k, v in st.auxv if k not in (AT_CLKTCK, AT_FLAGS, AT_NULL)]
        st.auxv = [*rest, (AT_FLAGS, 0), (AT_NULL, 0)]
        new_sp = _write_stack(a, st, st.argv, after=(AT_CLKTCK, 200, AT_NULL, 0))
        moved = _read_stack(a, new_sp)
        _random_into(a, moved, moved.auxv_at[AT_FLAGS])
        a.note("AT_CLKTCK 200 placed after AT_NULL, whose key AT_RANDOM's bytes cover")
        return new_sp

    _at_start(adv, move)


# --- a file only the program holds ---------------------------------------------------------
def _change_call(adv: Adversary, nr: int, during: int, nth: int, reg: str, value: int) -> None:
    """Serve the program's `nth` call `nr` (from 0) after marker `during` with its register
    `reg` set to `value`; put the program's own value back at the call's exit (without a
    Guardian the kernel's own entry code would)."""
    key = ("calls", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)
    def _(a: Adversary, **_: object) -> None:
        seen = a.memo.get(key, 0)
        a.memo[key] = seen + 1
        if seen == nth:
            a.memo[("saved", key)] = a.reg(reg)
            a.set_reg(reg, value)
            a.note(f"call {nr} served with {reg} = {value:#x}")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)
    def _(a: Adversary, **_: object) -> None:
        saved = a.memo.pop(("saved", key), None)
        if saved is not None and reg != "x0":
            a.set_reg(reg, saved)


@scenario(id="QG-004", title="Map the second MAP_SHARED mapping of one descriptor at another "
                             "file offset",
          family=RT, goal=Goal.LEAK, rules=("G-SHARE-ONE-PAGE", "G-MEASURE-ALL"),
          program=LOADER,
          prop="Two MAP_SHARED mappings of the same offset of one file map the same page: "
               "they read the same bytes.")
def qg_twice_mapped(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) maps page 0 of a file it alone holds (O_TMPFILE;
    page 0 begins with 3, page 1 with 0) twice, MAP_SHARED through the same descriptor (a
    ring buffer mapped twice), and logs the label (second word - first word) names from a
    log buffer that begins with a copy of the secret.
    2. Serve the second mmap with offset 4096: its page holds the file's page 1 (input
    data, unmeasured, as any file's bytes).
    3. The index is -3: the program logs bytes 8..15 of the secret's copy.  Linux maps one
    page-cache page per (file, offset): both mappings read the same word, whoever else
    writes the file."""
    _change_call(adv, NR_MMAP, P_TWICE, 1, "x5", PAGE)


@scenario(id="QG-005", title="Ignore the ftruncate() that cut a file's second page, then let "
                             "it grow back",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=LOADER,
          prop="ftruncate() to a smaller size discards the bytes past it: grown again, that "
               "part of the file reads as zeros (a hole).")
def qg_truncate_regrow(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) writes -3 at offset 4096 of a file it alone holds
    (O_TMPFILE), cuts the file to 4096 bytes, grows it back to 8192, maps it and logs the
    label the first word of page 1 names from a log buffer that begins with a copy of the
    secret.
    2. Serve the cut as ftruncate(fd, 8192) (the file keeps its page) and answer 0.
    3. Page 1 still begins with -3: the program logs bytes 8..15 of the secret's copy.
    Linux's truncate_pagecache() drops the pages past the new size; the grown part is a
    hole that reads zeros."""
    _change_call(adv, NR_FTRUNCATE, P_REGROW, 0, "x1", 2 * PAGE)


@scenario(id="QG-006", title="Ignore the ftruncate() that cut a file to one record: the bytes "
                             "past its end stay in the mapped page",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=LOADER,
          prop="A mapped file's last page reads zeros past the file's end.")
def qg_truncate_tail(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) writes two 8-byte records (1, then -3) into a file
    it alone holds (O_TMPFILE), cuts it to 8 bytes, maps its page MAP_PRIVATE, counts the
    non-zero words up to a zero one (the part past the file's end reads zeros) and logs
    the label 1 - count names from a log buffer that begins with a copy of the secret.
    2. Serve the cut as ftruncate(fd, 16) (the second record stays) and answer 0.
    3. The count is 2... and the records walk on into the -3: the index is -1 or less, and
    the program logs bytes of the secret's copy.  Linux zeroes the part of the last page
    past i_size (truncate_inode_pages_range() clears the partial page; a page read in is
    zero-filled past the end)."""
    _change_call(adv, NR_FTRUNCATE, P_TAIL, 0, "x1", 16)


@scenario(id="QG-010", title="Serve a fork child's new mapping of its parent's memfd as a "
                             "fresh zero page",
          family=RT, goal=Goal.LEAK, rules=("G-SHARE-ONE-PAGE",), program=LOADER,
          prop="Every MAP_SHARED mapping of a memfd, in any process that holds it, maps the "
               "memfd's one page: a fork child that maps it again reads what its parent "
               "stored.")
def qg_memfd_child_map(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) keeps its key state in a one-page memfd (first
    word 3), maps it MAP_SHARED and reads it, and forks; the child maps the memfd again
    through the descriptor it inherited and logs the label (word - 3) names from a log
    buffer that begins with a copy of the secret.
    2. Serve the child's mmap as MAP_SHARED | MAP_ANONYMOUS: a fresh page of zeros.
    3. The child reads 0: the index is -3 and it logs bytes 8..15 of the secret's copy.
    Linux's shmem_fault() finds the memfd's page in its page cache: every mapping of the
    file, in any process, maps that page."""
    file_as_zero_page(adv, P_MEMFD_CHILD, init_only=False)


@scenario(id="QG-018", title="Serve a mapping of the memfd opened again through "
                             "/proc/self/fd/N as a fresh zero page",
          family=RT, goal=Goal.LEAK, rules=("G-SHARE-ONE-PAGE",), program=LOADER,
          prop="A memfd opened again through /proc/self/fd/N is the same file: its MAP_SHARED "
               "mapping maps the memfd's one page.")
def qg_memfd_reopened(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) keeps its key state in a memfd (first word 3, the
    page mapped MAP_SHARED); a reader child opens it again read-only through
    /proc/self/fd/N (a new open file of the same memfd, as a program hands out a read-only
    view), maps that MAP_SHARED and logs the label (word - 3) names from a log buffer that
    begins with a copy of the secret.
    2. Serve the reader's mmap as MAP_SHARED | MAP_ANONYMOUS: a fresh page of zeros.
    3. The reader reads 0: the index is -3 and it logs bytes 8..15 of the secret's copy.
    Linux's proc_fd_link() opens the memfd's own inode: its mapping is the memfd's page."""
    file_as_zero_page(adv, P_MEMFD_REOPEN, init_only=False)


@scenario(id="QG-019", title="Answer a read() of /dev/zero with the word -3",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=LOADER,
          prop="/dev/zero reads as zeros: read() fills the buffer with zero bytes.")
def qg_dev_zero_read(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) reads 8 bytes from /dev/zero and logs the label
    the word names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then store -3 into the buffer and answer 8.
    3. The index is -3: the program logs bytes 8..15 of the secret's copy.  Linux's
    read_zero() clears the user buffer, always."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_ZERO_READ)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), struct.pack("<q", -3))
        a.set_reg("x0", 8)
        a.note("the read of /dev/zero answered with the word -3")


@scenario(id="QG-020", title="Serve a MAP_PRIVATE mapping of /dev/zero with another file's "
                             "page",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=LOADER,
          prop="A mapping of /dev/zero is zero-filled memory: its pages read as zeros.")
def qg_dev_zero_map(adv: Adversary) -> None:
    """1. The program (secret_r24_loader), with a spill file open (its first word -3), maps
    /dev/zero MAP_PRIVATE for a zero-filled arena (as allocators did before MAP_ANONYMOUS)
    and logs the label the arena's first word names from a log buffer that begins with a
    copy of the secret.
    2. Serve the mmap with the spill file's descriptor: the page holds the spill file's
    bytes (file data the program mapped, unmeasured, as any file's).
    3. The index is -3: the program logs bytes 8..15 of the secret's copy.  Linux's
    mmap_zero() makes a private mapping of /dev/zero anonymous memory: zeros."""
    @adv.on(Point.MARKER, phase=P_ZERO_MAP)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["spill"] = int(args[1])

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=P_ZERO_MAP)
    def _(a: Adversary, **_: object) -> None:
        a.memo["fd"] = a.reg("x4")
        a.set_reg("x4", a.memo["spill"])
        a.note("the mmap of /dev/zero served from the spill file")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_ZERO_MAP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x4", a.memo.pop("fd", a.reg("x4")))


@scenario(id="QG-011", title="Answer pread() of the program's own executable with another "
                             "e_phnum",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED",), program=LOADER,
          prop="A read of the admitted file a program runs from returns the file's bytes: "
               "the ones the Guardian measured and the loader mapped.")
def qg_own_file_read(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) reads the ELF header of the file it runs from
    (/bin/secret_r24_loader, admitted and measured) with pread() and logs the label
    e_phnum - getauxval(AT_PHNUM) names from a log buffer that begins with a copy of the
    secret (the file's header against the one exec loaded, as a program that reads data
    appended to its own executable checks it first).
    2. Let the call run, then store e_phnum - 4 into the buffer's e_phnum field.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  The file is the
    running executable (deny_write_access() keeps writers out while it runs): Linux reads
    the bytes exec loaded."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PREAD64, during=P_OWN_FILE)
    def _(a: Adversary, **_: object) -> None:
        workload = find_workload(LOADER)
        if workload is None:
            a.note("the victim's file is not here")
            return
        phnum = struct.unpack_from("<H", workload.binary.read_bytes(), 0x38)[0]
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 0x38,
                               struct.pack("<H", phnum - 4))
        a.note(f"e_phnum {phnum} served as {phnum - 4}")


@scenario(id="QG-022", title="Answer fstat() of the program's own executable with a size 32 "
                             "bytes short",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED", "G-IAGO-OUTPUT"),
          program=LOADER,
          prop="fstat() of the admitted file a program runs from reports that file's size, "
               "the one the Guardian measured.")
def qg_own_file_size(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) reads its own executable's ELF header, fstat()s
    the file and logs the label (st_size - the end of its section headers) / 8 names (the
    data appended to the executable, as a self-extracting program finds its payload) from
    a log buffer that begins with a copy of the secret.
    2. Let the call run, then store st_size - 32 into the struct stat.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  The file is the
    running executable, which no one may write while it runs (deny_write_access()): Linux
    reports its i_size, the size exec loaded and the Guardian measured."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["fstat"], during=P_OWN_SIZE)
    def _(a: Adversary, **_: object) -> None:
        workload = find_workload(LOADER)
        if workload is None:
            a.note("the victim's file is not here")
            return
        size = workload.binary.stat().st_size
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + ST_SIZE,
                               struct.pack("<q", size - 32))
        a.note(f"st_size {size} answered as {size - 32}")


# --- the image a fork child execs -------------------------------------------------------------
def _worker_reports(out: Outcome, phase: int = P_WORKER + 1) -> list[tuple[int, ...]]:
    return [m.args for m in out.markers if m.phase == phase and m.pid != out.init_pid]


def _other_applet(out: Outcome) -> list[str]:
    return [f"the exec'd worker ran applet {applet} (its argv[0] named another program than "
            "the one its parent passed)" for applet, _, _, _ in _worker_reports(out)
            if applet != APPLET_WORKER]


def _injected_option(out: Outcome) -> list[str]:
    return [f"the exec'd worker parsed option -p (options {options:#x}), which its parent "
            "never passed" for _, options, _, _ in _worker_reports(out) if options & OPT_PRINT]


def _other_execfn(out: Outcome) -> list[str]:
    return ["the exec'd worker's AT_EXECFN named another path than the one it was exec'd by"
            for _, _, differs, _ in _worker_reports(out) if differs]


def _other_key(out: Outcome) -> list[str]:
    return [f"the exec'd worker read {word:#x} from the memfd its parent handed it, not the "
            f"{KEY_WORD} the file holds" for word, *_ in _worker_reports(out, P_WORKER_KEY)
            if word != KEY_WORD]


def _worker_argv(argv: Callable[[list[bytes]], list[bytes]]) -> StackMove:
    def move(a: Adversary, sp: int) -> int:
        st = _read_stack(a, sp)
        new = argv(st.argv)
        a.note(f"the worker's {len(st.argv)} arguments laid out as {len(new)}, the first "
               f"{new[0].decode(errors='replace')}")
        return _write_stack(a, st, new)
    return move


@scenario(id="QG-007", title="Start the exec'd worker as if its ELF file were a script: "
                             "argv[0] the kernel's",
          family=RT, goal=Goal.TAMPER, rules=("G-EXEC-ARGS",), program=LOADER,
          oracle=_other_applet, silent=NO_WORKER,
          prop="An ELF image a confidential program execs starts with exactly the argv it "
               "passed; only a #! script has its interpreter's name put in front.")
def qg_script_argv0(adv: Adversary) -> None:
    """1. A fork child of the program (secret_r24_loader) execs /bin/secret_r24_loader (its
    own admitted ELF file) with argv ["r24-worker", "-q"]; the image, a multi-call program,
    runs the applet basename(argv[0]) names.
    2. Start the image as Linux starts a script's interpreter: argv ["r24-keydump",
    "/bin/secret_r24_loader", "-q"] (the 'interpreter', the path, then argv[1:]).
    3. The worker runs applet "r24-keydump", which its parent never named.  Linux's
    load_script() rewrites argv only for a file that begins with "#!"; the admitted file
    begins with the ELF magic, and load_elf_binary() keeps the argv execve was given."""
    _at_start(adv, _worker_argv(lambda argv: [b"r24-keydump", SELF, *argv[1:]]), which=1)


@scenario(id="QG-008", title="Start the exec'd worker as if its ELF file were a script with "
                             "an interpreter argument: an option the kernel's",
          family=RT, goal=Goal.TAMPER, rules=("G-EXEC-ARGS",), program=LOADER,
          oracle=_injected_option, silent=NO_WORKER,
          prop="An ELF image a confidential program execs starts with exactly the argv it "
               "passed: no argument is added in front of its own.")
def qg_script_option(adv: Adversary) -> None:
    """1. A fork child of the program (secret_r24_loader) execs /bin/secret_r24_loader (its
    own admitted ELF file) with argv ["r24-worker", "-q"]; the worker parses its options
    (-p prints its key, a debugging option).
    2. Start the image as Linux starts a script's interpreter with its one optional
    argument: argv ["r24-worker", "-p", "/bin/secret_r24_loader", "-q"].
    3. The worker parses -p, which its parent never passed.  Only load_script() puts the
    '#!' line's interpreter and argument in front, for a file that begins with "#!"."""
    _at_start(adv, _worker_argv(lambda argv: [argv[0], b"-p", SELF, *argv[1:]]), which=1)


@scenario(id="QG-009", title="Name another file in the exec'd worker's AT_EXECFN",
          family=RT, goal=Goal.TAMPER, rules=("G-INITIAL-STACK",), program=LOADER,
          oracle=_other_execfn, silent=NO_WORKER,
          prop="AT_EXECFN names the filename the exec'ing program passed to execve.")
def qg_execfn_name(adv: Adversary) -> None:
    """1. A fork child of the program (secret_r24_loader) execs /bin/secret_r24_loader; the
    worker compares the file AT_EXECFN names with R24_PATH from its environment (the path
    it was exec'd by).
    2. Rewrite the filename string at the top of the worker's initial stack (same length,
    same place): "/bin/secret_r24_loadex".
    3. The worker finds AT_EXECFN naming another file.  Linux's create_elf_tables() points
    AT_EXECFN at bprm->filename, the string execve was given, copied first to the top of
    the stack."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        where = st.value(AT_EXECFN)
        name = _cstring(a, where)
        a.el1.write(where + len(name) - 1, b"x")
        a.note(f"AT_EXECFN's string {name!r} now ends in 'x'")

    _at_start(adv, move, which=1)


@scenario(id="QG-012", title="Serve the exec'd worker's mapping of the memfd it was handed as "
                             "a fresh zero page",
          family=RT, goal=Goal.TAMPER, rules=("G-SHARE-ONE-PAGE",), program=LOADER,
          oracle=_other_key, silent=NO_WORKER,
          prop="A memfd handed to an exec'd image is the same file: its MAP_SHARED mapping "
               "there maps the page the parent stored into.")
def qg_memfd_exec_map(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) holds its key state (first word 3) in a memfd it
    has mapped MAP_SHARED; a fork child hands the memfd to descriptor 9 and execs the
    program itself as a worker, which maps descriptor 9 MAP_SHARED and reports the word.
    2. Serve the worker's mmap of descriptor 9 as MAP_SHARED | MAP_ANONYMOUS: a fresh page
    of zeros.
    3. The worker reads 0, not the key state the memfd holds.  The descriptor names the
    parent's memfd across fork and execve; Linux maps that file's one page-cache page."""
    @adv.on(Point.MARKER, phase=P_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.note("the fork child hands the memfd on and execs the worker next")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=P_WORKER_CWD, init_only=False, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x4") != KEEP_FD or "served" in a.memo:
            return
        a.memo["served"] = a.reg("x3")
        a.set_reg("x3", a.reg("x3") | MAP_ANONYMOUS)
        a.set_reg("x4", NO_FD)
        a.note("the worker's mmap of descriptor 9 served as an anonymous shared page")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_WORKER_CWD, init_only=False, once=False)
    def _(a: Adversary, **_: object) -> None:
        flags = a.memo.pop("served", None)
        if flags is not None:
            a.set_reg("x3", flags)
            a.set_reg("x4", KEEP_FD)


def _other_uid(out: Outcome) -> list[str]:
    parent = {m.args[1] for m in out.markers if m.phase == P_SECURE + 1
              and m.pid == out.init_pid}
    return [f"the exec'd worker's getuid() answered {uid}, its parent's {sorted(parent)}"
            for _, _, _, uid in _worker_reports(out) if parent and uid not in parent]


@scenario(id="QG-017", title="Start the exec'd worker with another real uid (AT_UID and "
                             "AT_EUID 1000)",
          family=RT, goal=Goal.TAMPER, rules=("G-INITIAL-STACK",), program=LOADER,
          oracle=_other_uid, silent=NO_WORKER,
          prop="execve keeps the real uid: the exec'd image's AT_UID (and the getuid() that "
               "follows it) is the exec'ing process's.")
def qg_exec_uid(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) reports getuid() (0), and a fork child execs the
    program itself as a worker, which reports its getuid().
    2. Build the worker's initial stack with AT_UID and AT_EUID 1000 (equal: AT_SECURE 0
    stays consistent), and answer the worker's getuid() with 1000, as the vector says.
    3. The worker runs as uid 1000 though no set*id call was made.  Linux's execve changes
    the effective (and saved) ids only for a set-user-ID file, never the real uid:
    create_elf_tables() stores cred->uid, the exec'ing process's."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        for key in (AT_UID, AT_EUID):
            a.el1.write_u64(st.auxv_at[key], 1000)
        a.note("the worker's AT_UID and AT_EUID set to 1000")

    _at_start(adv, move, which=1)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getuid"], during=P_WORKER_UMASK, init_only=False,
            once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is not a.init:
            a.set_reg("x0", 1000)


def _other_cwd(out: Outcome) -> list[str]:
    """No hit: the kernel's claim.  getcwd() names the working directory as the file system
    names it now (d_path): chdir resolves symbolic links, and any process may rename a
    directory on the path or mount over it after the chdir, so the name the exec'd worker
    is told is the file system's, not a value the program wrote or the Guardian can know
    (the directory itself is kept across execve; which name it has is not)."""
    out.claims += ["the exec'd worker's getcwd() named another directory than /bin, where "
                   "its parent exec'd it: a directory's name is the file system's (symbolic "
                   "links, renames and mounts by any process), the kernel's claim"
                   for flag, *_ in _worker_reports(out, P_WORKER_CWD) if flag]
    return []


@scenario(id="QG-021", title="Answer the exec'd worker's getcwd() with another directory than "
                             "its parent's",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-OUTPUT",), program=LOADER,
          oracle=_other_cwd, silent=NO_WORKER,
          prop="execve keeps the working directory: the exec'd image's getcwd() names the one "
               "its exec'ing process had (chdir'd to /bin).")
def qg_exec_cwd(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) calls chdir("/bin"), and a fork child execs the
    program itself as a worker, which checks that getcwd() names /bin (it opens its data by
    relative names).
    2. Answer the worker's getcwd() with "/tmp" (a directory, the same length).
    3. The worker finds itself in another directory than the one it was exec'd in.
    Linux's execve changes no fs_struct: the new image keeps the exec'ing process's working
    directory, the one its chdir() set.  But the name getcwd() gives it is the file
    system's now (links resolved, and any process may rename or mount over a directory on
    the path): the run is the kernel's claim, not a value the Guardian can hold."""
    @adv.on(Point.MARKER, phase=P_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.note("the fork child execs the worker next, in /bin")

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getcwd"], during=P_WORKER + 1, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["cwd"], b"/tmp\0")
        a.set_reg("x0", 5)
        a.note("the worker's getcwd() answered /tmp")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["getcwd"], during=P_WORKER + 1, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["cwd"] = int(a.el1.syscall_args()[0])


def _second_copy(out: Outcome) -> list[str]:
    return [f"the exec'd worker (pid {m.pid}) ran the program's own steps instead of the "
            "worker's" for m in out.markers if m.phase == P_ARGV0 and m.pid != out.init_pid]


@scenario(id="QG-023", title="Point the exec'd worker's AT_RANDOM at its first environment "
                             "string",
          family=RT, goal=Goal.TAMPER, rules=("G-INITIAL-STACK", "G-EXEC-ARGS"),
          program=LOADER, oracle=_second_copy, silent=NO_WORKER,
          prop="An exec'd image's environment strings are the ones its exec'ing program "
               "passed, also after AT_RANDOM's bytes are written.")
def qg_random_over_envp(adv: Adversary) -> None:
    """1. A fork child of the program (secret_r24_loader) execs the program itself with the
    environment R24_STAGE=worker, R24_PATH=...; the image runs as a worker only when
    getenv("R24_STAGE") says so, else it runs the program's own steps.
    2. Build the worker's initial stack with AT_RANDOM pointing at the first byte of its
    first environment string (inside the stack; it reads "R24_STAGE=worker" when the stack
    is checked against what the parent passed).
    3. The random bytes are written over "R24_STAGE=wo": the image finds no R24_STAGE and
    runs the program's steps (a second copy of the program, forking and exec'ing itself)
    instead of the worker its parent started.  Linux copies the random bytes apart from
    the environment strings, which it copies as execve was given them."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        _random_into(a, st, st.envp_at[0])

    _at_start(adv, move, which=1)


def _other_umask(out: Outcome) -> list[str]:
    return [f"the exec'd worker's first umask() replaced {old:#o}, not the {PARENT_UMASK:#o} "
            "its parent set" for old, *_ in _worker_reports(out, P_WORKER_UMASK)
            if old != PARENT_UMASK]


@scenario(id="QG-024", title="Answer the exec'd worker's first umask() with a mask of 0",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-OUTPUT",), program=LOADER,
          oracle=_other_umask, silent=NO_WORKER,
          prop="execve keeps the file-creation mask: the exec'd image's first umask() "
               "answers the mask its exec'ing process set.")
def qg_exec_umask(adv: Adversary) -> None:
    """1. The program (secret_r24_loader) sets umask 077 and a fork child execs the program
    itself as a worker, which sets umask 022 for its own files and keeps the mask umask()
    answers, to restore it when done.
    2. Answer the worker's umask() with 0.
    3. The worker takes 0 for the mask it was started with (and would restore a mask that
    makes its files readable and writable by all).  Linux's execve keeps fs_struct: the
    image's first umask() returns the 077 its parent set."""
    @adv.on(Point.MARKER, phase=P_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.note("the fork child execs the worker next, with umask 077")

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["umask"], during=P_EXEC, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)
        a.note("the worker's umask() answered 0")
