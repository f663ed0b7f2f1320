"""Red-team round seven: calls a program trusts to have changed its memory, its admitted
file reached through other descriptors, result lengths, stale argument registers, a rack
offload, and signal state the kernel reports.

The scenarios attack `secret_calls` (workloads/src/secret_calls.c; RU-026 attacks
`secret_threads`): the secret kept as in `secret`, then madvise(MADV_DONTNEED), brk,
munmap/mremap/MAP_FIXED(_NOREPLACE) steps whose pages must come back zero, its own admitted
file mapped at an offset, by other spellings of its path, through dup()/dup3()/fcntl()
copies, a directory descriptor, a fork or exec inheritance, MAP_SHARED and at its end,
readlinkat/getcwd/recvfrom/getdents64/read lengths, socket() with the secret in x3-x5,
pulse_submit(), one-shot and optional signal handlers, alternate stacks given up, the mask
a signal frame restores, and a clone3() thread.  Its markers (phases 60 and up) are
mirrored by the P_* constants here.
Each scenario holds only the kernel's powers (its EL1 face, its own syscall dispatch, page
tables, signal tables and file descriptors, the Guardian's calls).  Where an attack still
gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import (
    MAP_ANONYMOUS,
    NO_FD,
    NR_MMAP,
    admitted_file_as_zero_page,
    answer,
    file_as_zero_page,
    keep_marker_arg,
    program_markers,
    serve_with,
)
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN

RT = "rt7"
CALLS = "secret_calls"
PAGE = 4096
NR_MADVISE = NUMBERS["madvise"]
NR_BRK = NUMBERS["brk"]
NR_MUNMAP = NUMBERS["munmap"]
NR_OPENAT = NUMBERS["openat"]
NR_READLINKAT = NUMBERS["readlinkat"]
NR_GETCWD = NUMBERS["getcwd"]
NR_SOCKET = NUMBERS["socket"]
MADV_NORMAL = 0
MAP_FIXED_NOREPLACE = 0x100000
NOWHERE = 0x10000               # a page-aligned user address nothing maps
LINK_BUF = 64                   # secret_calls' link_frame: link[64], cwd[64], copy[32]

P_DONTNEED, P_DONTNEED_DONE, P_BRK, P_BRK_DONE = 60, 61, 62, 63
P_UNMAP, P_UNMAP_DONE, P_NOREPLACE, P_NOREPLACE_DONE = 64, 65, 66, 67
P_FILE, P_FILE_DONE, P_LINK, P_LINK_DONE, P_STALE, P_STALE_DONE = 68, 69, 70, 71, 72, 73


# --- RU-001..RU-004: calls that must take pages away, answered without doing it ------------

@scenario(id="RU-001", title="Answer madvise(MADV_DONTNEED) with success and keep the page",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-MEASURE-ALL"),
          program=CALLS,
          prop="After madvise(MADV_DONTNEED) succeeds on private anonymous memory, the "
               "program reads zeros there, never the bytes it had.")
def ru_dontneed_kept(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page and calls
    madvise(page, 4096, MADV_DONTNEED).
    2. Serve it as MADV_NORMAL (nothing is discarded) and answer 0.
    3. The program takes the page for a zero-filled buffer, writes 8 public bytes at its
       start and sends all 4096 bytes to /dev/null: the secret goes with them."""
    serve_with(adv, NR_MADVISE, P_DONTNEED, {"x2": MADV_NORMAL})


@scenario(id="RU-002", title="Answer a brk shrink with success and keep the page for the regrow",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-BRK", "G-MEASURE-ALL"),
          program=CALLS,
          prop="Heap memory a brk shrink gave back comes back zero-filled when brk grows "
               "over it again.")
def ru_brk_kept(adv: Adversary) -> None:
    """1. The program grows the heap by a page, puts a copy of the secret in it, then
    calls brk(top) to give the page back and brk(top + 4096) to take a page again.
    2. Serve the shrink as brk(0) (a query: nothing is unmapped) and answer `top`, the
       break the program asked for.
    3. The regrow is then a no-op for the kernel: the page still holds the secret; the
       program fills 8 bytes of it and sends it whole to /dev/null."""
    keep_marker_arg(adv, P_BRK, P_BRK)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, during=P_BRK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)

    answer(adv, NR_BRK, P_BRK, lambda a: a.memo[P_BRK])


@scenario(id="RU-003", title="Skip munmap, then hand the same page out as a new mmap",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MMAP"),
          program=CALLS,
          prop="A page munmap() took away never comes back with its old bytes from a "
               "later mmap().")
def ru_munmap_kept(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page and unmaps it.
    2. Serve munmap on an address nothing maps (nothing happens) and answer 0.
    3. Answer the program's next mmap(NULL, 4096) with the old page's address: the
       program fills 8 bytes of its 'fresh' page and sends it whole to /dev/null."""
    keep_marker_arg(adv, P_UNMAP, P_UNMAP)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_UNMAP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", NOWHERE)

    answer(adv, NR_MMAP, P_UNMAP, lambda a: a.memo[P_UNMAP])


@scenario(id="RU-004", title="Answer MAP_FIXED_NOREPLACE over a live page with its address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP",), program=CALLS,
          prop="mmap(MAP_FIXED_NOREPLACE) over a live area fails (EEXIST); it never "
               "'succeeds' with the live area's address.")
def ru_noreplace(adv: Adversary) -> None:
    """1. The program asks mmap(live, 4096, MAP_FIXED_NOREPLACE) at the address of a live
    page holding a copy of the secret (Linux answers EEXIST).
    2. Answer with that address instead: the program takes it for a fresh buffer, fills
       8 bytes and sends it whole to /dev/null."""
    keep_marker_arg(adv, P_NOREPLACE, P_NOREPLACE)

    answer(adv, NR_MMAP, P_NOREPLACE, lambda a: a.memo[P_NOREPLACE])


# --- RU-005..RU-006: the admitted file, mapped at an offset ---------------------------------

@scenario(id="RU-005", title="Serve the admitted file's page at offset 0 for offset 4096",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL", "G-MEASURE-PAGE"), program=CALLS,
          prop="A page of an admitted file enters the program only at the offset the "
               "program asked for, not as another (equally genuine) page of that file.")
def ru_file_offset(adv: Adversary) -> None:
    """1. The program opens its own admitted file and maps one page at file offset 4096.
    2. Serve the mmap from file offset 0: a page of the same admitted file, with other
       bytes than the program asked for.
    3. The program compares the page with its loaded image's second page."""
    serve_with(adv, NR_MMAP, P_FILE, {"x5": 0})


@scenario(id="RU-006", title="Serve the admitted file's page as an anonymous zero page",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="A file mapping of an admitted file holds the file's bytes, not a zero "
               "page the kernel put there instead.")
def ru_file_as_anon(adv: Adversary) -> None:
    """1. The program opens its own admitted file and maps one page at file offset 4096.
    2. Serve the mmap as an anonymous private mapping (fd -1): a zero-filled page.
    3. The program compares the page with its loaded image's second page."""
    serve_with(adv, NR_MMAP, P_FILE, {"x3": lambda a: a.reg("x3") | MAP_ANONYMOUS,
                                        "x4": NO_FD, "x5": 0})


# --- RU-007..RU-008: lengths of less common calls ------------------------------------------

@scenario(id="RU-007", title="readlinkat() reports more bytes than the buffer holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CALLS,
          prop="readlinkat's result is at most the buffer size the program gave.")
def ru_readlink_len(adv: Adversary) -> None:
    """1. The program reads /proc/self/exe's link into a 64-byte stack buffer that lies
    128 bytes below a stack copy of the secret, then writes out as many bytes as
    readlinkat() reported.
    2. Report 160: the write carries the secret's copy."""
    answer(adv, NR_READLINKAT, P_LINK, 2 * LINK_BUF + SECRET_LEN)


@scenario(id="RU-008", title="getcwd() reports a longer path than the buffer holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CALLS,
          prop="getcwd's result is at most the buffer size the program gave.")
def ru_getcwd_len(adv: Adversary) -> None:
    """1. The program asks getcwd() for a 64-byte stack buffer right below a stack copy of
    the secret, then writes out as many bytes as getcwd() reported.
    2. Report 96: the write carries the copy's first 32 bytes."""
    answer(adv, NR_GETCWD, P_LINK, LINK_BUF + SECRET_LEN)


# --- RU-009: registers a call does not take -----------------------------------------------

@scenario(id="RU-009", title="Read x3-x5 at socket(), a call of three arguments",
          family=RT, goal=Goal.LEAK, rules=("G-ENTRY-ARGS",), program=CALLS,
          silent="the Guardian forwards only the argument registers a call takes (its Linux "
                 "arity, abi.syscalls SYSCALL_ARITY, complete for every number the kernel "
                 "knows; none for an unknown one): socket()'s x3-x5 reach the kernel cleared",
          prop="At a system call the kernel sees only the argument registers that call "
               "takes (socket: x0-x2).")
def ru_stale_socket(adv: Adversary) -> None:
    """1. The program calls socket(AF_UNIX, SOCK_DGRAM, 0) with the secret's words left
    in x3-x5 (stale registers the call does not read).
    2. Read the six argument registers as the syscall entry shows them."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SOCKET, during=P_STALE)
    def _(a: Adversary, **_: object) -> None:
        regs = a.el1.syscall_args()
        a.observe(b"".join(int(regs[i]).to_bytes(8, "little") for i in range(6)),
                  "socket()'s argument registers")


# --- RU-010..RU-012: growth over a page that was never given back; discards out of range --

P_REGROW, P_REGROW_DONE = 74, 75
NR_MREMAP = NUMBERS["mremap"]


@scenario(id="RU-010", title="Skip munmap of a page, then grow the page below over it in place",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=CALLS,
          prop="Memory an in-place mremap() growth adds is fresh (zero), never a page the "
               "program gave back with its old bytes.")
def ru_regrow_kept(adv: Adversary) -> None:
    """1. The program maps two anonymous pages, puts a copy of the secret in the second,
    unmaps the second and grows the first from one page to two in place (no
    MREMAP_MAYMOVE): the added page must read as zero.
    2. Serve the munmap on an address nothing maps (nothing happens) and answer 0.
    3. Answer the mremap with the first page's address (grown in place): the 'new' page
       is the old one; the program sends both pages whole to /dev/null."""
    keep_marker_arg(adv, P_REGROW, P_REGROW)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_REGROW)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", NOWHERE)

    answer(adv, NR_MREMAP, P_REGROW, lambda a: a.memo[P_REGROW])


@scenario(id="RU-011", title="Serve madvise(MADV_DONTNEED) on the heap page instead",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          prop="madvise(MADV_DONTNEED) discards exactly the range the program named.")
def ru_dontneed_elsewhere(adv: Adversary) -> None:
    """1. The program calls madvise(page, 4096, MADV_DONTNEED) on a page of its own.
    2. Serve it on the heap page that holds a copy of the secret: that page reads as
       zero from now on (and the page the program named keeps its bytes)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_DONTNEED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.layout.heap)


@scenario(id="RU-012", title="Serve a one-page brk shrink as a shrink over the heap's secret page",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-BRK"),
          program=CALLS,
          prop="A brk shrink takes away exactly the pages between the new and the old "
               "break.")
def ru_brk_overshrink(adv: Adversary) -> None:
    """1. The program grows the heap by a page, then calls brk(top) to give that page back.
    2. Serve it as brk(heap page), one more page down (the page holding a copy of the
       secret goes), and answer `top`, the break the program asked for.
    3. The program's regrow brk(top + 4096) then maps fresh memory from the heap page
       up: the heap copy of the secret reads as zero."""
    keep_marker_arg(adv, P_BRK, P_BRK)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, during=P_BRK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.layout.heap)

    answer(adv, NR_BRK, P_BRK, lambda a: a.memo[P_BRK])


# --- RU-013..RU-014: the admitted file under another spelling of its path -------------------

P_SPELL_DOT, P_SPELL_SLASH, P_SPELL_DONE = 76, 77, 78


@scenario(id="RU-013", title="Serve the admitted file opened as '/bin/./NAME' with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="A file the user admitted is measured whatever spelling of its absolute path "
               "the program opens it by ('/./' names the same directory).")
def ru_spelled_dot(adv: Adversary) -> None:
    """1. The program opens its own admitted file as /bin/./NAME and maps its first page.
    2. Serve the mapping as a zero-filled anonymous page instead of the file's bytes.
    3. The program compares the page with its loaded ELF header page."""
    file_as_zero_page(adv, P_SPELL_DOT)


@scenario(id="RU-014", title="Serve the admitted file opened as '/bin//NAME' with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="A file the user admitted is measured whatever spelling of its absolute path "
               "the program opens it by ('//' inside a path is one '/').")
def ru_spelled_slash(adv: Adversary) -> None:
    """1. The program opens its own admitted file as /bin//NAME and maps its first page.
    2. Serve the mapping as a zero-filled anonymous page instead of the file's bytes.
    3. The program compares the page with its loaded ELF header page."""
    file_as_zero_page(adv, P_SPELL_SLASH)


# --- RU-015..RU-016: the admitted file through a descriptor made another way ---------------

P_DUP, P_DIRFD, P_FD_DONE = 79, 80, 81


admitted_file_as_zero_page(
    id="RU-015", family=RT, program=CALLS, phase=P_DUP,
    title="Serve the admitted file mapped through a dup()ed descriptor with other bytes",
    prop="A descriptor dup() makes of an admitted file's descriptor still names the admitted file:"
         " its pages are measured.",
    opens=("1. The program opens its own admitted file, dup()s the descriptor, closes the",
           "original and maps the first page through the copy."))


admitted_file_as_zero_page(
    id="RU-016", family=RT, program=CALLS, phase=P_DIRFD,
    title="Serve the admitted file opened relative to a directory descriptor with other bytes",
    prop="openat(dirfd, NAME) with dirfd the admitted file's directory names the admitted file: "
         "its pages are measured.",
    opens=("1. The program opens its file's directory (O_DIRECTORY), opens NAME relative to",
           "that descriptor and maps the first page."))


# --- RU-017..RU-019: the admitted file in a child, shared, and at its end -------------------

P_INHERIT, P_INHERIT_CHILD, P_INHERIT_DONE, P_SHARED_MAP, P_EOF, P_EOF_DONE = \
    82, 83, 84, 85, 86, 87


@scenario(id="RU-017", title="Serve the admitted file a forked child maps through an inherited "
          "descriptor with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="A descriptor of an admitted file that a child inherits across fork still "
               "names the admitted file in the child: its pages are measured.")
def ru_inherited_fd(adv: Adversary) -> None:
    """1. The program opens its own admitted file and forks; the child maps the first page
    through the inherited descriptor and exits with status 7 if it differs from its
    loaded ELF header page.
    2. Serve the child's mapping as a zero-filled anonymous page."""
    file_as_zero_page(adv, P_INHERIT_CHILD, init_only=False)


@scenario(id="RU-018", title="Serve a MAP_SHARED mapping of the admitted file with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="A shared (read-only) mapping of an admitted file holds the file's bytes.")
def ru_shared_file(adv: Adversary) -> None:
    """1. The program maps the first page of its own admitted file MAP_SHARED, read-only.
    2. Serve it as a zero-filled shared anonymous page.
    3. The program compares the page with its loaded ELF header page."""
    file_as_zero_page(adv, P_SHARED_MAP)


@scenario(id="RU-019", title="Serve the admitted file's last page with bytes past its end",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="The part of a file mapping's last page past the end of the admitted file "
               "reads as zero.")
def ru_file_tail(adv: Adversary) -> None:
    """1. The program maps the page of its own admitted file that holds the end of the
    file; the bytes past the end must read as zero.
    2. Keep the file's genuine bytes in that page but fill the rest with 0xAA: the
       kernel's page cache holds what it likes past the end of a file."""
    from dataclasses import replace

    from kernel_model.vma import BytesBacking

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_EOF)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")
        vma = a.mm.vmas.find(va)
        if vma is None or vma.backing is None:
            a.note(f"no file area at {va:#x}")
            return
        head = vma.backing.read_page(vma.offset + (va - vma.start))
        page = head + b"\xaa" * (PAGE - len(head))
        a.mm.vmas.replace(vma, replace(vma, backing=BytesBacking(page, vma.name),
                                       offset=0, file_end=vma.end))


# --- RU-020: a rack offload answered as done -------------------------------------------------

P_PULSE, P_PULSE_DONE = 88, 89
PULSE_SUBMIT = 0x4710               # workloads/src/pulse.h


def _pulse_wrong(out: Outcome) -> list[str]:
    return [f"the program took pulse_submit()'s {m.args[1]} iterations for a traversal "
            "that never ran: its list sum is wrong"
            for m in program_markers(out, P_PULSE_DONE)
            if m.args[0]][:1]


@scenario(id="RU-020", title="Answer pulse_submit() with an iteration count, the traversal "
          "never run",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-OFFLOAD",), program=CALLS,
          oracle=_pulse_wrong,
          prop="A PULSE offload the kernel could not have run (it may not read the nodes or "
               "write the scratchpad) never reports success to a confidential program.")
def ru_pulse_fake(adv: Adversary) -> None:
    """1. The program sums a four-node list with pulse_submit(iter, start, scratchpad): an
    offload on a rack, else (a negative result) the same iterator on the CPU.
    2. Answer 4 iterations without running anything (the kernel has no capability to read
       the nodes or to write the scratchpad back).
    3. The program skips its CPU run and takes the untouched scratchpad for the sum."""
    answer(adv, PULSE_SUBMIT, P_PULSE, 4)


# --- RU-021..RU-022: more result lengths ---------------------------------------------------

P_RECV, P_DENTS, P_LEN_DONE = 90, 91, 92
NR_RECVFROM = NUMBERS["recvfrom"]
NR_GETDENTS64 = NUMBERS["getdents64"]
RECV_BUF, DENTS_BUF = 64, 256       # secret_calls' recv_frame and dents_frame buffers


@scenario(id="RU-021", title="recvfrom() reports more bytes than the buffer holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CALLS,
          prop="recvfrom's result is at most the buffer size the program gave.")
def ru_recvfrom_len(adv: Adversary) -> None:
    """1. The program receives an 8-byte datagram into a 64-byte stack buffer right below a
    stack copy of the secret, then writes out as many bytes as recvfrom() reported.
    2. Report 96: the write carries the copy."""
    answer(adv, NR_RECVFROM, P_RECV, RECV_BUF + SECRET_LEN)


@scenario(id="RU-022", title="getdents64() reports more bytes than the buffer holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CALLS,
          prop="getdents64's result is at most the buffer size the program gave.")
def ru_getdents_len(adv: Adversary) -> None:
    """1. The program lists "/" into a 256-byte stack buffer right below a stack copy of the
    secret, then writes out as many bytes as getdents64() reported.
    2. Report 288: the write carries the copy."""
    answer(adv, NR_GETDENTS64, P_DENTS, DENTS_BUF + SECRET_LEN)


# --- RU-023..RU-024: a kept page re-served through MAP_FIXED, or a shrink and regrow -------

P_REFIX, P_REFIX_DONE, P_SHRINK, P_SHRINK_DONE = 93, 94, 95, 96
MAP_FIXED = 0x10


@scenario(id="RU-023", title="Skip munmap, then answer MAP_FIXED at the same address without "
          "replacing the page",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MMAP"), program=CALLS,
          prop="A MAP_FIXED mapping over an address the program unmapped holds new (zero) "
               "memory, never the old page.")
def ru_refix_kept(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, unmaps it and maps a
    new page at the same address with MAP_FIXED.
    2. Serve the munmap on an address nothing maps (nothing happens) and answer 0.
    3. Serve the mmap without MAP_FIXED (somewhere else) and answer the address asked
       for: the 'new' page there is the old one; the program sends it whole."""
    keep_marker_arg(adv, P_REFIX, P_REFIX)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_REFIX)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", NOWHERE)

    serve_with(adv, NR_MMAP, P_REFIX, {"x0": 0, "x3": lambda a: a.reg("x3") & ~MAP_FIXED})

    answer(adv, NR_MMAP, P_REFIX, lambda a: a.memo[P_REFIX])


@scenario(id="RU-024", title="Answer an mremap shrink without unmapping, then the regrow in "
          "place",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MREMAP"),
          program=CALLS,
          prop="The page an mremap shrink gave back comes back zero when the area grows in "
               "place again.")
def ru_shrink_kept(adv: Adversary) -> None:
    """1. The program maps two anonymous pages, the second holding a copy of the secret;
    mremap() shrinks the area to one page, then grows it back to two in place.
    2. Serve the shrink as a no-op (new length = old length) and answer the area's
       address.
    3. Answer the regrow with the same address: the second page still holds the secret;
       the program sends both pages whole."""
    keep_marker_arg(adv, P_SHRINK, P_SHRINK)

    serve_with(adv, NR_MREMAP, P_SHRINK, {"x2": lambda a: a.reg("x1")})

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_SHRINK, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo[P_SHRINK])


# --- RU-025: a one-shot handler run twice -----------------------------------------------------

P_ONESHOT, P_ONESHOT_RAN, P_ONESHOT_DONE = 97, 98, 99
SIGUSR2 = 12


def _oneshot_twice(out: Outcome) -> list[str]:
    return [f"the program's SA_RESETHAND handler for SIGUSR2 ran {m.args[0]} times (a "
            "second SIGUSR2 must find the default action)"
            for m in program_markers(out, P_ONESHOT_DONE)
            if m.args[0] > 1][:1]


@scenario(id="RU-025", title="Run a one-shot (SA_RESETHAND) handler a second time",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",), program=CALLS,
          oracle=_oneshot_twice,
          prop="After a SA_RESETHAND handler ran once, SIGNAL never enters it again unless "
               "the program registers it again.")
def ru_oneshot_twice(adv: Adversary) -> None:
    """1. The program registers a SIGUSR2 handler with SA_RESETHAND and sends itself
    SIGUSR2 once: the handler runs and the action goes back to the default.
    2. While serving the next marker, put the handler back in the kernel's table of
       actions and send the process SIGUSR2 (any process may send one).
    3. The handler runs a second time instead of the default action."""
    @adv.on(Point.MARKER, phase=P_ONESHOT)
    def _(a: Adversary, **_: object) -> None:
        a.memo["oneshot"] = a.init.sigactions.get(SIGUSR2)

    @adv.on(Point.MARKER, phase=P_ONESHOT_RAN)
    def _(a: Adversary, **_: object) -> None:
        a.init.sigactions.set(SIGUSR2, a.memo["oneshot"])
        a.kernel.signals.send_process(a.init, SIGUSR2, b"")


# --- RU-026: a handler of the image before exec, entered in the image after it -------------

THREADS = "secret_threads"
P_HANDLER, P_EXEC, P_EXEC_CHILD = 32, 56, 57     # workloads/src/secret_threads.c
SIGUSR1 = 10


def _handler_after_exec(out: Outcome) -> list[str]:
    execd = {m.pid for m in out.markers if m.phase == P_EXEC_CHILD}
    return [f"the exec'd image (pid {m.pid}) ran the SIGUSR1 handler its predecessor "
            "registered (exec resets every handled signal to the default)"
            for m in out.markers if m.phase == P_HANDLER and m.pid in execd][:1]


@scenario(id="RU-026", title="Enter the SIGUSR1 handler of the image before exec in the image "
          "after it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",), program=THREADS,
          oracle=_handler_after_exec,
          silent="where the exec'd image never runs (the predecessor design), there is no "
                 "handler to enter",
          prop="execve resets every handled signal to the default action: SIGNAL never "
               "enters a handler the new image did not register.")
def ru_handler_across_exec(adv: Adversary) -> None:
    """1. The program (with a SIGUSR1 handler) runs itself with -x through vfork and
    execve; the new image registers no handler and only announces itself.
    2. While serving that announcement, put the old image's SIGUSR1 action back in the
       exec'd process's table (the same binary: the handler's address is code there
       too) and send it SIGUSR1 (any process may send one).
    3. The new image enters a handler it never registered instead of dying."""
    @adv.on(Point.MARKER, phase=P_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.note("the program is about to exec its vfork child")

    @adv.on(Point.MARKER, phase=P_EXEC_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        proc.sigactions.set(SIGUSR1, a.init.sigactions.get(SIGUSR1))
        a.kernel.signals.send_process(proc, SIGUSR1, b"")


# --- RU-027: a handler whose registration was reported failed --------------------------------

P_OPTIONAL, P_OPTIONAL_DONE = 100, 101
NR_RT_SIGACTION = NUMBERS["rt_sigaction"]
EINVAL = 22
SIGALRM = 14


def _failed_handler_ran(out: Outcome) -> list[str]:
    return [f"the SIGALRM handler ran {m.args[1]} time(s) though rt_sigaction() told the "
            f"program it was not installed ({m.args[0] - (1 << 64) if m.args[0] >> 63 else m.args[0]})"
            for m in program_markers(out, P_OPTIONAL_DONE)
            if m.args[0] and m.args[1]][:1]


@scenario(id="RU-027", title="Report rt_sigaction() failed, then enter the handler it installed",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",), program=CALLS,
          oracle=_failed_handler_ran,
          prop="A handler whose rt_sigaction() the kernel reported as failed is not "
               "registered: SIGNAL never enters it.")
def ru_failed_sigaction(adv: Adversary) -> None:
    """1. The program registers an optional SIGALRM handler and goes on without it if
    rt_sigaction() fails.
    2. Install it in the kernel's table as asked but answer -EINVAL, and send the process
       SIGALRM (any process may send one) before the call returns.
    3. The handler the program was told is not installed runs."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGACTION, during=P_OPTIONAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", (-EINVAL) & ((1 << 64) - 1))
        a.kernel.signals.send_process(a.init, SIGALRM, b"")


# --- RU-028..RU-029: an alternate signal stack the program gave up --------------------------

P_ALT_OFF, P_ALT_OFF_DONE, P_ALT_NEW, P_ALT_NEW_DONE = 102, 103, 104, 105
ALT_SIZE = 16384


def _alt_copy_changed(done: int, what: str):  # noqa: ANN202 - an oracle
    def oracle(out: Outcome) -> list[str]:
        return [f"a signal frame overwrote the copies of the secret the program keeps in the "
                f"alternate stack it {what}"
                for m in program_markers(out, done)
                if m.args[0]][:1]
    return oracle


def _old_altstack(adv: Adversary, phase: int) -> None:
    """While serving `phase`, put the program's first alternate stack back in the thread's
    record: the SIGUSR1 the program sends next is delivered onto it."""
    @adv.on(Point.MARKER, phase=P_OPTIONAL_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.note("the program reached its alternate-stack step")

    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        thread.altstack = (args[0], 0, ALT_SIZE)  # type: ignore[attr-defined]


@scenario(id="RU-028", title="Deliver a signal onto an alternate stack the program disabled",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",), program=CALLS,
          oracle=_alt_copy_changed(P_ALT_OFF_DONE, "disabled (SS_DISABLE)"),
          silent="where sigaltstack() is not served (the predecessor design) the step never "
                 "runs",
          prop="After sigaltstack(SS_DISABLE) no signal frame goes to the old alternate "
               "stack, whose memory the program may use for anything.")
def ru_altstack_disabled(adv: Adversary) -> None:
    """1. The program registers an alternate stack, disables it (SS_DISABLE), fills its
    buffer with copies of the secret and sends itself SIGUSR1 (an SA_ONSTACK handler).
    2. Deliver the signal with the old alternate stack as the thread's.
    3. The frame overwrites the copies the program keeps there."""
    _old_altstack(adv, P_ALT_OFF)


@scenario(id="RU-029", title="Deliver a signal onto an alternate stack the program replaced",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",), program=CALLS,
          oracle=_alt_copy_changed(P_ALT_NEW_DONE, "replaced by another"),
          silent="where sigaltstack() is not served (the predecessor design) the step never "
                 "runs",
          prop="After sigaltstack() names a new alternate stack no signal frame goes to the "
               "old one.")
def ru_altstack_replaced(adv: Adversary) -> None:
    """1. The program registers an alternate stack, replaces it by another, fills the old
    buffer with copies of the secret and sends itself SIGUSR1 (an SA_ONSTACK handler).
    2. Deliver the signal with the old alternate stack as the thread's.
    3. The frame overwrites the copies the program keeps there."""
    _old_altstack(adv, P_ALT_NEW)


# --- RU-030: openat() answering with a descriptor already open ------------------------------

P_TWO_OPENS, P_TWO_OPENS_DONE = 106, 107


@scenario(id="RU-030", title="Answer a second openat() with the admitted file's descriptor, then "
          "serve that file with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          prop="openat() never returns a descriptor that is already open, so a descriptor "
               "of the admitted file keeps naming it: its pages are measured.")
def ru_open_reuses_fd(adv: Adversary) -> None:
    """1. The program opens its own admitted file, then /dev/null, then maps the first page
    of its file through the first descriptor.
    2. Answer the second openat() with the first descriptor's number (already open).
    3. Serve the mapping through that descriptor as a zero-filled anonymous page."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=P_TWO_OPENS, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "first_fd" not in a.memo:
            a.memo["first_fd"] = a.reg("x0")
        else:
            a.set_reg("x0", a.memo["first_fd"])

    file_as_zero_page(adv, P_TWO_OPENS)


# --- RU-031: the admitted file through a descriptor inherited across execve ------------------

P_EXEC_MAP, P_EXEC_MAPPED, P_EXEC_MAP_DONE = 108, 109, 110


@scenario(id="RU-031", title="Serve the admitted file an exec'd image maps through an inherited "
          "descriptor with other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          silent="where the exec'd image never runs (the predecessor design) there is no "
                 "mapping to serve",
          prop="A descriptor of an admitted file that an exec'd image inherits still names "
               "the admitted file there: its pages are measured.")
def ru_exec_inherited_fd(adv: Adversary) -> None:
    """1. The program opens its own admitted file and runs itself again in a forked child
    through execve() with -m FD; the new image maps the first page through the inherited
    descriptor and exits with status 7 if it differs from its loaded ELF header page.
    2. Serve that mapping as a zero-filled anonymous page."""
    @adv.on(Point.MARKER, phase=P_EXEC_MAP)
    def _(a: Adversary, **_: object) -> None:
        a.note("the program is about to exec a child that maps an inherited descriptor")

    file_as_zero_page(adv, P_EXEC_MAPPED, init_only=False)


# --- RU-032..RU-033: the admitted file through fcntl(F_DUPFD_CLOEXEC) and dup3() copies ------

P_FCNTL_DUP, P_DUP3 = 111, 112


admitted_file_as_zero_page(
    id="RU-032", family=RT, program=CALLS, phase=P_FCNTL_DUP,
    title="Serve the admitted file mapped through an fcntl(F_DUPFD_CLOEXEC) copy with other bytes",
    prop="A descriptor fcntl(F_DUPFD/F_DUPFD_CLOEXEC) makes of an admitted file's descriptor still"
         " names the admitted file: its pages are measured.",
    opens=("1. The program opens its own admitted file, copies the descriptor with",
           "fcntl(F_DUPFD_CLOEXEC), closes the original and maps the first page through the copy."))


admitted_file_as_zero_page(
    id="RU-033", family=RT, program=CALLS, phase=P_DUP3,
    title="Serve the admitted file mapped through a dup3() copy with other bytes",
    prop="A descriptor dup3() makes of an admitted file's descriptor still names the admitted "
         "file: its pages are measured.",
    opens=("1. The program opens its own admitted file, copies the descriptor to 20 with dup3(),",
           "closes the original and maps the first page through the copy."))


# --- RU-034: clone3's clear_child_tid --------------------------------------------------------

P_CLONE3, P_CLONE3_DONE = 114, 115
NR_CLONE3 = NUMBERS["clone3"]


@scenario(id="RU-034", title="Aim a clone3() thread's clear_child_tid at the heap secret",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), program=CALLS,
          prop="At a thread's exit the kernel may clear only the TID word the program named "
               "in clone3's clone_args (or set_tid_address), nothing else.")
def ru_clone3_cleartid(adv: Adversary) -> None:
    """1. The program starts a thread with clone3(CLONE_CHILD_CLEARTID) on its own stack; the
    thread stores a flag and exits.
    2. After the clone, point the new thread's clear_child_tid at the heap copy of the
       secret: at its exit the kernel writes 0 there (and wakes a futex)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=P_CLONE3)
    def _(a: Adversary, **_: object) -> None:
        threads = [t for t in a.init.threads if t is not a.thread]
        if not threads:
            a.note("no new thread after clone3()")
            return
        newest = max(threads, key=lambda t: t.tid)
        newest.clear_child_tid = a.layout.heap_secret


# --- RU-035: read() reporting bytes it never wrote -------------------------------------------

P_REUSE, P_REUSE_DONE = 116, 117
NR_READ = NUMBERS["read"]


@scenario(id="RU-035", title="read() reports the whole buffer read while writing 8 bytes of it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=CALLS,
          prop="A read() result counts only bytes the kernel wrote into the buffer: a buffer "
               "the program reuses never passes its earlier contents off as data read.")
def ru_read_unwritten(adv: Adversary) -> None:
    """1. The program reuses a 32-byte stack buffer that held a copy of the secret: it
    reads an 8-byte message from its own pipe into it (asking for up to 32 bytes) and
    sends as many bytes as read() reported to /dev/null.
    2. Serve the read honestly (8 bytes written) but report 32, no more than asked.
    3. The program sends the 24 bytes the kernel never wrote: its secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_REUSE)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") == 8:
            a.set_reg("x0", SECRET_LEN)
        else:
            a.note(f"read() gave {a.reg('x0'):#x}, not the 8-byte message")


# --- RU-036: the mask a signal frame restores ------------------------------------------------

P_MASKED, P_MASK_CHECK = 118, 119
SIGTERM = 15
NR_KILL = NUMBERS["kill"]


def _blocked_ran(out: Outcome) -> list[str]:
    return [f"the program's SIGTERM handler ran {m.args[0]} time(s) while the program kept "
            "SIGTERM blocked"
            for m in program_markers(out, P_MASK_CHECK)
            if m.args[0]][:1]


@scenario(id="RU-036", title="Hand SIGNAL an old mask without a signal the program blocks, then "
          "deliver that signal after the handler",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=CALLS,
          oracle=_blocked_ran,
          prop="The mask a signal frame restores is the one the interrupted code ran with: "
               "after the handler returns, a signal the program blocked stays blocked.")
def ru_frame_mask(adv: Adversary) -> None:
    """1. The program blocks SIGTERM (it has a handler for it) and sends itself SIGUSR1.
    2. When its kill() returns, drop SIGTERM from the kernel's own record of the thread's
       mask and queue SIGTERM: the SIGUSR1 frame is built with that mask as the one to
       restore (with a Guardian: SIGNAL's old-mask argument).
    3. SIGTERM is then delivered (in or after the SIGUSR1 handler): its handler runs while
       the program keeps SIGTERM blocked."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=P_MASKED)
    def _(a: Adversary, thread: object, **_: object) -> None:
        thread.sigmask &= ~(1 << (SIGTERM - 1))  # type: ignore[attr-defined]
        a.kernel.signals.send_process(a.init, SIGTERM, b"")


# --- RU-037..RU-038: the admitted file by a relative path after chdir, or /proc/self/fd/N ----

P_CWD, P_PROCFD = 121, 122


@scenario(id="RU-037", title="Serve the admitted file opened by its bare name after chdir() with "
          "other bytes",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=CALLS,
          silent="where chdir() is not served (the predecessor design) the program opens "
                 "nothing by a relative name",
          prop="After chdir() to the admitted file's directory, opening it by its bare name "
               "names the admitted file: its pages are measured.")
def ru_cwd_relative(adv: Adversary) -> None:
    """1. The program changes its working directory to its file's directory, opens the file
    by its bare name and maps the first page.
    2. Serve the mapping as a zero-filled anonymous page.
    3. The program compares the page with its loaded ELF header page."""
    @adv.on(Point.MARKER, phase=P_CWD)
    def _(a: Adversary, **_: object) -> None:
        a.note("the program is about to chdir() to its file's directory")

    file_as_zero_page(adv, P_CWD)


admitted_file_as_zero_page(
    id="RU-038", family=RT, program=CALLS, phase=P_PROCFD,
    title="Serve the admitted file reopened through /proc/self/fd/N with other bytes",
    prop="Reopening a descriptor of the admitted file through /proc/self/fd/N names the admitted "
         "file: its pages are measured.",
    opens=("1. The program opens its own admitted file, reopens it through /proc/self/fd/N,",
           "closes the first descriptor and maps the first page through the second."))
