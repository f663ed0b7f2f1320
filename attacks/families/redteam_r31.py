"""Red-team round thirty-one: memory a program shares with the kernel by design.

Some interfaces make the kernel look at, fill or keep a program's memory on its behalf:
mincore()'s residency vector (QO-001, QO-002), advice that keeps a page's bytes (MADV_FREE
followed by a new write, MADV_COLD, MADV_POPULATE_READ, mlock2's MLOCK_ONFAULT,
process_madvise's MADV_DONTNEED: QO-003..QO-006, QO-027), a thread's persona (QO-007,
QO-008), membarrier's command mask and registrations (QO-009, QO-029), rseq registrations
(QO-010..QO-012), set_tid_address()'s answer (QO-013), prctl()'s THP, VMA-name and
PR_SET_MM options (QO-014..QO-016, QO-024), remap_file_pages() (QO-017, QO-025, QO-030),
set_robust_list()'s length (QO-018), process_madvise()'s count and flags (QO-019, QO-026),
userfaultfd's UFFDIO_COPY, UFFDIO_ZEROPAGE and events (QO-020, QO-028, QO-032, QO-040),
MADV_DONTNEED and MADV_FREE of an mlock()ed page and MADV_DONTNEED_LOCKED
(QO-033..QO-035, QO-041), vmsplice() into a pipe the program reads back (QO-036),
process_vm_writev() between the program's own processes (QO-021, QO-022), an SQPOLL
io_uring whose rings the kernel maps (QO-023) and the robust-futex walk at a fork child's
exit (QO-031); and, in the victim's -l steps, membarrier without its registration and
mlock2/mlockall flags (QO-037..QO-039). For each,
Linux either refuses the call or holds itself to a result the program can rely on.

The victim is `secret_r31_shared` (workloads/src/secret_r31_shared.c): each step
announces itself with a marker and turns what it observed into the index of a public
label in a log buffer that begins with a copy of the secret, then writes that label to
/dev/null.  Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families import redteam_r66b as r66b
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario

RT = "redteam_r31"
SHARED = "secret_r31_shared"
PAGE = 4096
MASK64 = (1 << 64) - 1
# secret_r31_shared: the marker before each step; the marker after its write is + 1.
P_MINCORE_BITS, P_MINCORE_HOLE, P_FREE_REDIRTY, P_COLD = 3100, 3102, 3104, 3106
P_POPULATE_READ, P_MLOCK_ONFAULT, P_PERSONA, P_PERSONA_WIDE = 3108, 3110, 3112, 3114
P_MEMBARRIER, P_RSEQ_TWICE, P_RSEQ_UNREG, P_RSEQ_ALIGN = 3116, 3118, 3120, 3122
P_TID_ADDRESS, P_THP_KEEP, P_THP_ARGS, P_VMA_NAME = 3124, 3126, 3128, 3130
P_REMAP_PROT, P_ROBUST_LEN, P_PROC_MADVISE, P_UFFD_COPY = 3132, 3134, 3136, 3138
P_VM_WRITEV = 3140
NR = NUMBERS
UFFDIO_API, UFFDIO_REGISTER, UFFDIO_COPY = 0xC018AA3F, 0xC020AA00, 0xC028AA03
UFFDIO_ZEROPAGE = 0xC020AA04


def _answer(a: Adversary, value: int) -> None:
    a.set_reg("x0", value & MASK64)


def _answers(adv: Adversary, nr: int, during: int, values: list[int | None]) -> None:
    """Answer the program's calls `nr` after marker `during` with `values` in turn (None:
    what the kernel returned)."""
    left = list(values)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if not left:
            return
        value = left.pop(0)
        if value is not None:
            _answer(a, value)
            a.note(f"call {nr} answered {value:#x}")


def _must_fail(adv: Adversary, nr: int, during: int) -> None:
    """Answer the step's call, one Linux refuses, with success."""
    _answers(adv, nr, during, [0])


def _drop_record_page(a: Adversary) -> None:
    va = a.memo["page"]
    a.mm.discard(va, va + PAGE)
    a.note(f"the record's page {va:#x} dropped")


def _keep_page(adv: Adversary, phase: int) -> None:
    @adv.on(Point.MARKER, phase=phase)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[1]


# --- mincore(): the vector the kernel writes -------------------------------------------------
@scenario(id="QO-001", title="Write residency bytes other than 0 and 1 into mincore()'s vector",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="mincore() writes one byte per page, 0 or 1: the bits above bit 0 are clear.")
def qo_mincore_bits(adv: Adversary) -> None:
    """1. The program writes a page, calls mincore() on it and takes the vector byte's bits
    above bit 0 (reserved) as a count to subtract, as code that tests `vec[i] != 0`
    or `vec[i] == 1` would rely on.
    2. The kernel writes 0x05 (resident, bit 2 set) into the vector and answers 0.
    3. The program computes -4 and logs bytes 0..7 of the secret.
    mm/mincore.c writes only 0 or 1 (mincore_page(), mincore_pte_range(): `*vec = 1`
    or the page's folio_test_uptodate()), so a byte of 5 is something Linux never
    writes."""
    @adv.on(Point.MARKER, phase=P_MINCORE_BITS)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["vec"] = args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mincore"], during=P_MINCORE_BITS)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["vec"], b"\x05")
        _answer(a, 0)
        a.note("mincore() vector byte 0x05")


@scenario(id="QO-002", title="Answer mincore() over a range with an unmapped page with success",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="mincore() over a range holding an unmapped page fails with ENOMEM.")
def qo_mincore_hole(adv: Adversary) -> None:
    """1. The program maps three pages, unmaps the middle one, and calls mincore() over
    all three (as code probing whether a range is mapped does).
    2. The kernel writes three resident bytes into the vector and answers 0.
    3. The program takes the range as mapped (index -4) and logs bytes 0..7 of the secret.
    do_mincore() looks each address up with vma_lookup() and returns -ENOMEM at the first
    address no area covers: a success over a hole the program itself made is something
    Linux never answers."""
    @adv.on(Point.MARKER, phase=P_MINCORE_HOLE)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["vec"] = args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mincore"], during=P_MINCORE_HOLE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["vec"], b"\x01\x01\x01")
        _answer(a, 0)
        a.note("mincore() over a hole answered 0")


# --- advice that keeps a page's bytes ----------------------------------------------------------
@scenario(id="QO-003", title="Drop a MADV_FREE page the program has written again",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY"),
          program=SHARED,
          prop="A page marked MADV_FREE and written afterwards keeps the bytes written: only a "
               "clean lazily-freed page may be discarded.")
def qo_free_redirty(adv: Adversary) -> None:
    """1. The program sets its record (cursor 2), marks the record's private page
    MADV_FREE, writes the cursor 2 again and makes a call (the marker).
    2. While serving the marker the kernel discards the page, as reclaim does a lazily
    freed page.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    MADV_FREE clears the page's dirty bit (madvise_free_pte_range()); a store after it
    dirties it again, and reclaim discards a lazy-free folio only while it is clean
    (try_to_unmap_one(): a dirty one is set swap-backed again and kept).  The write
    after the advice can never be lost."""
    _keep_page(adv, P_FREE_REDIRTY)

    @adv.on(Point.MARKER, phase=P_FREE_REDIRTY)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[1]
        _drop_record_page(a)


def _drop_while_serving(adv: Adversary, nr: int, phase: int) -> None:
    _keep_page(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _drop_record_page(a)


@scenario(id="QO-004", title="Drop a page while serving MADV_COLD of it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=SHARED,
          prop="MADV_COLD only deactivates a page: its bytes stay.")
def qo_cold(adv: Adversary) -> None:
    """1. The program sets its record (cursor 2) and calls madvise(MADV_COLD) on its page.
    2. While serving the call the kernel discards the page.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    madvise_cold_or_pageout_pte_range() (pageout = false) only moves the folio to the
    inactive list; it never discards an anonymous page's bytes."""
    _drop_while_serving(adv, NR["madvise"], P_COLD)


@scenario(id="QO-005", title="Drop a page while serving MADV_POPULATE_READ of it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=SHARED,
          prop="MADV_POPULATE_READ faults pages in: a present page keeps its bytes.")
def qo_populate_read(adv: Adversary) -> None:
    """1. The program sets its record (cursor 2) and calls madvise(MADV_POPULATE_READ).
    2. While serving the call the kernel discards the page.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    madvise_populate() only faults pages in (faultin_page_range()); a page already
    present is left as it is."""
    _drop_while_serving(adv, NR["madvise"], P_POPULATE_READ)


@scenario(id="QO-006", title="Drop a page while serving mlock2(MLOCK_ONFAULT) of it", family=RT,
          goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=SHARED,
          prop="mlock2() keeps a range's pages resident; it never discards one.")
def qo_mlock_onfault(adv: Adversary) -> None:
    """1. The program sets its record (cursor 2) and calls mlock2(MLOCK_ONFAULT) on its page.
    2. While serving the call the kernel discards the page.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    apply_vma_lock_flags() only sets VM_LOCKED|VM_LOCKONFAULT on the area; present
    pages are mlocked in place, never dropped."""
    _drop_while_serving(adv, NR["mlock2"], P_MLOCK_ONFAULT)


# --- personality(), membarrier() ----------------------------------------------------------------
@scenario(id="QO-007", title="Report a persona the program never set", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="personality(0xffffffff) reports the persona the thread last set.")
def qo_persona_keep(adv: Adversary) -> None:
    """1. The program sets personality(ADDR_NO_RANDOMIZE), then asks
    personality(0xffffffff).
    2. The kernel answers the first with 0 and the query with READ_IMPLIES_EXEC.
    3. The persona is neither what the program set nor 0: index -4, the program logs
    bytes 0..7 of the secret.
    kernel/exec_domain.c's personality() stores the value in current->personality and
    returns the old one; nothing else in the thread changed it in between."""
    _answers(adv, NR["personality"], P_PERSONA, [0, 0x0400000])


@scenario(id="QO-008", title="Answer personality() with a value wider than 32 bits",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="personality() answers an unsigned int: 0..0xffffffff.")
def qo_persona_wide(adv: Adversary) -> None:
    """1. The program asks personality(0xffffffff) and takes the bits above 32 as a
    count to subtract (code that keeps the answer in an unsigned long).
    2. The kernel answers 4 << 32.
    3. The program computes -4 and logs bytes 0..7 of the secret.
    personality() returns `unsigned int old` (kernel/exec_domain.c): its answer is
    never above 0xffffffff."""
    _answers(adv, NR["personality"], P_PERSONA_WIDE, [4 << 32])


@scenario(id="QO-009", title="Answer MEMBARRIER_CMD_QUERY with commands Linux has not",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="membarrier(MEMBARRIER_CMD_QUERY) answers a subset of MEMBARRIER_CMD_BITMASK "
               "(bits 0..9).")
def qo_membarrier(adv: Adversary) -> None:
    """1. The program asks membarrier(MEMBARRIER_CMD_QUERY, 0, 0) and counts the bits
    above the commands Linux defines.
    2. The kernel answers 0xF001.
    3. The program counts 4 and logs bytes 0..7 of the secret.
    kernel/sched/membarrier.c answers QUERY with MEMBARRIER_CMD_BITMASK less the commands
    the configuration lacks: no bit above MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)."""
    _answers(adv, NR["membarrier"], P_MEMBARRIER, [0xF001])


# --- rseq() registrations -----------------------------------------------------------------------
def _rseq_success(adv: Adversary, phase: int, n: int) -> None:
    """Answer the step's first `n` rseq() calls with success, filling in the area's ids
    as a registration does."""
    left = [n]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rseq"], during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["rseq"] = (int(args[0]), int(args[2]))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rseq"], during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if left[0] <= 0:
            return
        left[0] -= 1
        area, flags = a.memo["rseq"]
        if not flags & 1:
            # cpu_id_start, cpu_id, then node_id and mm_cid
            a.kernel.uaccess.write(area, struct.pack("<II", 0, 0))
            a.kernel.uaccess.write(area + 20, struct.pack("<II", 0, 0))
        _answer(a, 0)
        a.note(f"rseq({area:#x}, flags {flags}) answered 0")


@scenario(id="QO-010", title="Accept the same rseq() registration twice", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="A second rseq() registration of the thread's registered area fails (EBUSY).")
def qo_rseq_twice(adv: Adversary) -> None:
    """1. The program registers a 32-byte rseq area, then registers the same area again.
    2. The kernel answers both with success (filling the area's ids each time).
    3. Two successes: index -4, the program logs bytes 0..7 of the secret.
    kernel/rseq.c: once current->rseq is set, a registration of the same area, length
    and signature returns -EBUSY (another area -EINVAL, another signature -EPERM); a
    second 0 is something Linux never answers."""
    _rseq_success(adv, P_RSEQ_TWICE, 2)


@scenario(id="QO-011", title="Accept rseq(RSEQ_FLAG_UNREGISTER) of an area never registered",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="rseq(RSEQ_FLAG_UNREGISTER) of an area the thread has not registered fails "
               "(EINVAL).")
def qo_rseq_unreg(adv: Adversary) -> None:
    """1. The program unregisters an rseq area it never registered.
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/rseq.c: `if (current->rseq != rseq || !current->rseq) return -EINVAL;`."""
    _rseq_success(adv, P_RSEQ_UNREG, 1)


@scenario(id="QO-012", title="Accept rseq() of an area that is not 32-byte aligned", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="rseq() of an area not aligned to __alignof__(struct rseq) (32) fails (EINVAL).")
def qo_rseq_align(adv: Adversary) -> None:
    """1. The program registers an rseq area at an address 8 bytes past a 32-byte
    boundary.
    2. The kernel answers 0 (and fills in the ids).
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/rseq.c: `!IS_ALIGNED((unsigned long)rseq, __alignof__(*rseq))` -> -EINVAL, before
    any registration."""
    _rseq_success(adv, P_RSEQ_ALIGN, 1)


# --- set_tid_address(), prctl() ----------------------------------------------------------------
@scenario(id="QO-013", title="Answer set_tid_address() with another thread id", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="set_tid_address() answers the caller's thread id.")
def qo_tid_address(adv: Adversary) -> None:
    """1. The program reads gettid(), then calls set_tid_address() and subtracts the two.
    2. The kernel answers the thread id - 4.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/fork.c: set_tid_address() returns task_pid_vnr(current), the very id gettid()
    returns."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["set_tid_address"], during=P_TID_ADDRESS)  # type: ignore[arg-type]
    def _(a: Adversary, thread, **_: object) -> None:  # type: ignore[no-untyped-def]
        _answer(a, thread.tid - 4)
        a.note(f"set_tid_address() answered {thread.tid - 4}")


@scenario(id="QO-014", title="Report THP enabled after PR_SET_THP_DISABLE succeeded", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="prctl(PR_GET_THP_DISABLE) reports 1 after the process's PR_SET_THP_DISABLE(1) "
               "succeeded.")
def qo_thp_keep(adv: Adversary) -> None:
    """1. The program sets prctl(PR_SET_THP_DISABLE, 1), then asks PR_GET_THP_DISABLE.
    2. The kernel answers both with 0.
    3. A set that succeeded and reads back 0: index -4, the program logs bytes 0..7 of
    the secret.
    kernel/sys.c sets MMF_DISABLE_THP in mm->flags on success, and PR_GET_THP_DISABLE
    reports !!test_bit(MMF_DISABLE_THP); only another PR_SET_THP_DISABLE clears it."""
    _answers(adv, NR["prctl"], P_THP_KEEP, [0, 0, 0])


@scenario(id="QO-015", title="Accept PR_SET_THP_DISABLE with a non-zero arg3", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="prctl(PR_SET_THP_DISABLE) fails (EINVAL) when arg3, arg4 or arg5 is not 0.")
def qo_thp_args(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_THP_DISABLE, 1, 1, 0, 0).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sys.c: `if (arg3 || arg4 || arg5) return -EINVAL;` before anything else."""
    _must_fail(adv, NR["prctl"], P_THP_ARGS)


@scenario(id="QO-016", title="Accept PR_SET_VMA_ANON_NAME with a name holding '$'", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) refuses a name with a character "
               "outside is_valid_name_char() (EINVAL).")
def qo_vma_name(adv: Adversary) -> None:
    """1. The program names its anonymous area "bad$name" with prctl(PR_SET_VMA).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl_set_vma(): a name with '\\\\', '`', '$', '[' or ']' (or a
    non-printable byte) is -EINVAL; a kernel without CONFIG_ANON_VMA_NAME answers
    -EINVAL too."""
    _must_fail(adv, NR["prctl"], P_VMA_NAME)


@scenario(id="QO-017", title="Accept remap_file_pages() with a non-zero prot", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="remap_file_pages() with prot != 0 fails (EINVAL).")
def qo_remap_prot(adv: Adversary) -> None:
    """1. The program calls remap_file_pages(area, 4096, PROT_READ, 0, 0).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/mmap.c's remap_file_pages(): `if (prot) return ret;` with ret = -EINVAL (the
    emulation only accepts prot 0)."""
    _must_fail(adv, NR["remap_file_pages"], P_REMAP_PROT)


@scenario(id="QO-018", title="Accept set_robust_list() with a length other than 24", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="set_robust_list() fails (EINVAL) unless len is sizeof(struct robust_list_head).")
def qo_robust_len(adv: Adversary) -> None:
    """1. The program calls set_robust_list(head, 16).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/futex/syscalls.c: `if (unlikely(len != sizeof(*head))) return -EINVAL;`."""
    _must_fail(adv, NR["set_robust_list"], P_ROBUST_LEN)


@scenario(id="QO-019", title="Answer process_madvise() with more bytes than its iovec holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=SHARED,
          prop="process_madvise() answers at most the total length of its iovecs.")
def qo_proc_madvise(adv: Adversary) -> None:
    """1. The program opens a pidfd of itself and calls process_madvise(MADV_COLD) with
    one 4096-byte iovec.
    2. The kernel answers 8192.
    3. (4096 - 8192) / 1024 = -4: the program logs bytes 0..7 of the secret.
    mm/madvise.c vector_madvise() returns the bytes advised, at most iov_iter_count() of
    the iovecs the program passed."""
    _answers(adv, NR["process_madvise"], P_PROC_MADVISE, [2 * PAGE])


# --- userfaultfd ---------------------------------------------------------------------------------
def _serve_uffd(adv: Adversary, phase: int) -> None:
    """Answer the step's userfaultfd() with the lowest free descriptor and its ioctls
    with success: UFFDIO_API and UFFDIO_REGISTER with their masks written, UFFDIO_COPY
    and UFFDIO_ZEROPAGE with the whole length reported done, without touching the page."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["userfaultfd"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _answer(a, 4)
        a.note("userfaultfd() answered 4")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ioctl"], during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["ioctl"] = (int(args[1]) & 0xFFFFFFFF, int(args[2]))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["ioctl"], during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        req, arg = a.memo["ioctl"]
        if req == UFFDIO_API:
            a.kernel.uaccess.write(arg, struct.pack("<QQQ", 0xAA, 0, (1 << 63) | 0b111))
        elif req == UFFDIO_REGISTER:
            # the struct back whole (the _IOWR size): the range and mode as passed, then
            # the ioctls the range allows (WAKE, COPY, ZEROPAGE)
            head = a.kernel.uaccess.read(arg, 24)
            a.kernel.uaccess.write(arg, head + struct.pack("<Q", 0b11100))
        elif req == UFFDIO_COPY:
            head = a.kernel.uaccess.read(arg, 32)
            a.kernel.uaccess.write(arg, head + struct.pack("<q", PAGE))
        elif req == UFFDIO_ZEROPAGE:
            head = a.kernel.uaccess.read(arg, 24)
            a.kernel.uaccess.write(arg, head + struct.pack("<q", PAGE))
        else:
            return
        _answer(a, 0)
        a.note(f"ioctl {req:#x} answered 0")


@scenario(id="QO-020", title="Report a UFFDIO_COPY done without copying the source", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="After UFFDIO_COPY reports the whole length copied, the destination holds the "
               "source's bytes.")
def qo_uffd_copy(adv: Adversary) -> None:
    """1. The program makes a userfaultfd, registers a fresh page for missing faults and
    fills it with UFFDIO_COPY from a page of public labels; once copy == 4096 it
    compares the page with its source.
    2. The kernel answers userfaultfd with the lowest free descriptor, UFFDIO_API and
    UFFDIO_REGISTER with success (their ioctls masks written), and UFFDIO_COPY with
    copy = 4096 without filling the page.
    3. The page reads as zeros: index -4, the program logs bytes 0..7 of the secret.
    mm/userfaultfd.c mfill_atomic_pte_copy() copies the source into the new page before
    it is mapped, and UFFDIO_COPY reports in `copy` only what was copied."""
    _serve_uffd(adv, P_UFFD_COPY)


# --- process_vm_writev() into the program's own child ------------------------------------------
@scenario(id="QO-021", title="Report a process_vm_writev() into the program's child done "
          "without writing", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"),
          program=SHARED,
          prop="After process_vm_writev() reports n bytes written, the target process's "
               "memory holds those n bytes of the local iovecs.")
def qo_vm_writev(adv: Adversary) -> None:
    """1. The program sets a word to -4 and forks; the child waits on a pipe while the
    parent writes 2 into the child's copy of the word with process_vm_writev() and sends
    the child the call's result.
    2. The kernel answers the parent's call with 8 without writing the child's memory.
    3. The child, told 8 bytes were written, reads its word -4 and logs bytes 0..7 of
    the secret.
    mm/process_vm_access.c process_vm_rw_core() counts only bytes copied into the target's
    pages (process_vm_rw_pages(), copy_page_from_iter()); a count of 8 means the child's
    word holds the parent's 2 by the time the pipe wakes the child.  (The kernel cannot
    even read the call's iovecs under the Guardian, QO-022, so no honest kernel could
    have done the copy: a success should never pass.)"""
    _answers(adv, NR["process_vm_writev"], P_VM_WRITEV, [8])


@scenario(id="QO-022", title="Read the local iovec of a process_vm_writev() between the "
          "program's own processes", family=RT, goal=Goal.LEAK,
          rules=("G-ENTRY-OWED", "G-UACCESS-CAP"), program=SHARED,
          prop="Bytes a program moves between its own processes with process_vm_writev() "
               "are the program's: the kernel is not owed them.")
def qo_vm_writev_read(adv: Adversary) -> None:
    """1. After QO-021's step the parent hands its child the secret's first 8 bytes with
    process_vm_writev(child, {logbuf, 8}, {logbuf, 8}).
    2. While serving the call the kernel reads the local iovec through the user access
    the call gives it.
    3. The kernel holds 8 bytes of the secret.
    Under Linux the kernel copies the bytes itself (process_vm_rw_core()), but the
    memory is passed between two processes of the same confidential program: a monitor
    that lets the kernel read it hands the kernel what the program only gave itself."""
    seen = [0]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["process_vm_writev"], during=P_VM_WRITEV,
            once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        seen[0] += 1
        if seen[0] != 2:
            return
        args = a.el1.syscall_args()
        base, length = struct.unpack("<QQ", a.kernel.uaccess.read(int(args[1]), 16))
        a.observe(a.kernel.uaccess.read(base, length), "process_vm_writev's local iovec")
        a.note(f"read {length} bytes at {base:#x}")


# --- io_uring: rings the kernel maps into the program ---------------------------------------------
P_URING = 3142
IORING_OFF_CQ_RING, IORING_OFF_SQES = 0x8000000, 0x10000000
# The ring layout the kernel announces: SQ ring (head, tail, mask, entries, flags, dropped,
# array at 64), CQ ring (head, tail, mask, entries, overflow, cqes at 64, flags at 20).
_SQ_OFF = (0, 4, 8, 12, 16, 20, 64, 0)
_CQ_OFF = (0, 4, 8, 12, 16, 64, 20, 0)


def _ring_file(a: Adversary, cqe_user_data: int) -> int:
    """Make the ring's descriptor: a kernel file of three pages (SQ ring, CQ ring, SQEs),
    its CQ ring already holding one completion; answer its number."""
    import os
    import tempfile
    from pathlib import Path

    from kernel_model.openfile import HostFile
    fd, path = tempfile.mkstemp(prefix="rt31-uring-")
    os.unlink(path)
    sq = struct.pack("<IIII", 0, 0, 3, 4).ljust(PAGE, b"\0")
    cq = bytearray(struct.pack("<IIII", 0, 1, 7, 8).ljust(PAGE, b"\0"))
    cq[64:80] = struct.pack("<QiI", cqe_user_data, 0, 0)
    os.pwrite(fd, sq + bytes(cq) + bytes(PAGE), 0)
    f = HostFile(fd, os.O_RDWR, "anon_inode:[io_uring]", Path("/"))
    return a.thread.process.fds.install(f, cloexec=True)


@scenario(id="QO-023", title="Hand an SQPOLL io_uring a completion queue already holding a "
          "completion the program never submitted", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT", "G-IAGO-MMAP"), program=SHARED,
          prop="Each io_uring completion carries the user_data of a submission the program "
               "made; nothing completes before it is submitted.")
def qo_uring_cqe(adv: Adversary) -> None:
    """1. The program sets up an io_uring with IORING_SETUP_SQPOLL (a kernel thread polls
    its submission queue, no io_uring_enter() needed), maps the SQ ring, the CQ ring and
    the SQEs from the ring's descriptor, submits one IORING_OP_NOP with user_data 7 and
    polls the CQ ring.
    2. The kernel answers io_uring_setup() with a descriptor of its own file whose CQ ring
    page already holds a completion (tail 1, user_data 3), fills in the params, and
    serves each mmap() of the descriptor from that file (at its own page offsets).
    3. The program finds a completion with user_data 3: index -4, it logs bytes 0..7 of
    the secret.
    io_uring posts a CQE only for a request it took from the SQ ring and copies the SQE's
    user_data into it (io_init_req(): req->cqe.user_data = READ_ONCE(sqe->user_data);
    io_fill_cqe_req()); a new ring's CQ ring is empty (io_allocate_scq_urings()), so a
    completion with a user_data never submitted is something Linux never shows.
    With the Guardian on the kernel sees io_uring_setup() as the unassigned number 244 (a
    confidential program has no io_uring: guardian/no_aio.py): answered with a descriptor
    as well, refused."""
    r66b.answer_shown(adv, P_URING, 3)
    ring = {}

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["io_uring_setup"], during=P_URING)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        ring["params"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["io_uring_setup"], during=P_URING)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        fd = _ring_file(a, 3)
        ring["fd"] = fd
        # (the kernel gets no read of the params under the Guardian: it writes them
        # whole, with the flags and idle time the program is known to pass)
        body = struct.pack("<7I3I", 4, 8, 2, 0, 1000, 0, 0, 0, 0, 0)
        body += struct.pack("<8IQ", *_SQ_OFF, 0) + struct.pack("<8IQ", *_CQ_OFF, 0)
        a.kernel.uaccess.write(ring["params"], body)
        _answer(a, fd)
        a.note(f"io_uring_setup() answered descriptor {fd}, its CQ ring holding a CQE")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["mmap"], during=P_URING, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if "fd" not in ring or a.reg("x4") != ring["fd"]:
            return
        where = {0: 0, IORING_OFF_CQ_RING: PAGE, IORING_OFF_SQES: 2 * PAGE}.get(a.reg("x5"))
        if where is not None:
            a.set_reg("x5", where)
            a.note(f"mmap of the ring served from file offset {where:#x}")


# --- more calls Linux refuses ------------------------------------------------------------------
P_PR_SET_MM, P_REMAP_PRIVATE, P_PMADV_FLAGS, P_PMADV_DONTNEED = 3144, 3146, 3148, 3150


@scenario(id="QO-024", title="Accept prctl(PR_SET_MM) of a field Linux does not have",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="prctl(PR_SET_MM, opt) fails for an opt that names no PR_SET_MM_* field.")
def qo_pr_set_mm(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_MM, 99, 0, 0, 0).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sys.c prctl_set_mm(): -EPERM without CAP_SYS_RESOURCE, else `opt` 99 falls to
    the switch's default in prctl_set_mm() (and validate_prctl_map_addr() is never
    reached): -EINVAL."""
    _must_fail(adv, NR["prctl"], P_PR_SET_MM)


@scenario(id="QO-025", title="Accept remap_file_pages() of a private anonymous area", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="remap_file_pages() of an area without VM_SHARED fails (EINVAL).")
def qo_remap_private(adv: Adversary) -> None:
    """1. The program calls remap_file_pages(area, 4096, 0, 0, 0) on its private
    anonymous area.
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/mmap.c remap_file_pages(): `if (!vma || !(vma->vm_flags & VM_SHARED)) goto out;`
    with ret -EINVAL."""
    _must_fail(adv, NR["remap_file_pages"], P_REMAP_PRIVATE)


@scenario(id="QO-026", title="Accept process_madvise() with flags 1", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="process_madvise() fails (EINVAL) when flags is not 0.")
def qo_pmadv_flags(adv: Adversary) -> None:
    """1. The program calls process_madvise(pidfd, {page, 4096}, 1, MADV_COLD, 1).
    2. The kernel answers 0 (no bytes advised, no error).
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/madvise.c process_madvise: `if (flags != 0) { ret = -EINVAL; goto out; }` before
    the pidfd is looked at."""
    _answers(adv, NR["process_madvise"], P_PMADV_FLAGS, [0])


@scenario(id="QO-027", title="Drop a page while serving process_madvise(MADV_DONTNEED), answer "
          "the whole length", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=SHARED,
          prop="process_madvise() takes only MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED and "
               "MADV_COLLAPSE: MADV_DONTNEED fails with EINVAL and discards nothing.")
def qo_pmadv_dontneed(adv: Adversary) -> None:
    """1. The program sets its record (cursor 2) and calls
    process_madvise(pidfd-of-itself, {record's page, 4096}, 1, MADV_DONTNEED, 0).
    2. While serving the call the kernel discards the page and answers 4096.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    mm/madvise.c process_madvise_behavior_valid() accepts only COLD, PAGEOUT, WILLNEED and
    COLLAPSE; any other advice is -EINVAL before a page is looked at."""
    _keep_page(adv, P_PMADV_DONTNEED)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["process_madvise"], during=P_PMADV_DONTNEED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _drop_record_page(a)
        _answer(a, PAGE)


P_UFFD_ZEROPAGE, P_MEMBARRIER_REGS = 3152, 3154


@scenario(id="QO-028", title="Report a UFFDIO_ZEROPAGE done over a page already present",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="UFFDIO_ZEROPAGE fails with EEXIST over a page already present; once it "
               "reports the range zeroed, the range reads as zeros.")
def qo_uffd_zeropage(adv: Adversary) -> None:
    """1. The program writes -4 into a fresh page, makes a userfaultfd, registers the page
    for missing faults and asks UFFDIO_ZEROPAGE over it; once zeropage == 4096 it takes
    the page's first word as the label's index.
    2. The kernel answers userfaultfd, UFFDIO_API and UFFDIO_REGISTER with success and
    UFFDIO_ZEROPAGE with zeropage = 4096, leaving the page as it is.
    3. The word still reads -4: the program logs bytes 0..7 of the secret.
    mm/userfaultfd.c mfill_atomic_pte_zeropage() fails with -EEXIST when the PTE is not
    none (the page the program wrote is present), and a success maps the zero page: a
    range reported zeroed that still holds the program's bytes is something Linux never
    leaves."""
    _serve_uffd(adv, P_UFFD_ZEROPAGE)


@scenario(id="QO-029", title="Report membarrier registrations the process never made",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS) reports only the registrations "
               "the process's mm made.")
def qo_membarrier_regs(adv: Adversary) -> None:
    """1. The program, which never registered for any membarrier command, asks
    membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS) and counts the registrations.
    2. The kernel answers 0xF0 (four REGISTER_* bits).
    3. The program counts 4 and logs bytes 0..7 of the secret.
    kernel/sched/membarrier.c membarrier_get_registrations() reports the bits of
    mm->membarrier_state, which only the REGISTER_* commands of this mm set; exec starts
    a new mm with none (and kernels before 6.3 answer -EINVAL)."""
    _answers(adv, NR["membarrier"], P_MEMBARRIER_REGS, [0xF0])


P_REMAP_SHARED = 3156


@scenario(id="QO-030", title="Report remap_file_pages() of a shared memfd page done without "
          "remapping it", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="After remap_file_pages(addr, len, 0, pgoff) succeeds on a shared file mapping, "
               "addr shows the file's page pgoff.")
def qo_remap_shared(adv: Adversary) -> None:
    """1. The program maps a two-page memfd MAP_SHARED, writes -4 into its first page and
    2 into its second, then calls remap_file_pages(first page, 4096, 0, 1, 0) and reads
    the first page's word.
    2. The kernel answers 0 and leaves the mapping as it is.
    3. The word reads -4: the program logs bytes 0..7 of the secret.
    mm/mmap.c remap_file_pages() emulates the remap with do_mmap(MAP_FIXED | MAP_SHARED
    | MAP_POPULATE) of the same file at pgoff 1 over [addr, addr + 4096) and answers 0
    only when that mapping stands: the page then shows the file's second page (2)."""
    _answers(adv, NR["remap_file_pages"], P_REMAP_SHARED, [0])


P_ROBUST_DEATH = 3158
FUTEX_OWNER_DIED, FUTEX_WAITERS = 0x40000000, 0x80000000


@scenario(id="QO-031", title="Mark OWNER_DIED, at a fork child's exit, in a robust lock its "
          "parent holds", family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=SHARED,
          prop="An exit's robust-list walk marks FUTEX_OWNER_DIED only in futex words whose "
               "TID is the exiting thread's.")
def qo_robust_death(adv: Adversary) -> None:
    """1. The program puts a lock word holding its own TID in MAP_SHARED memory, builds a
    robust-futex list with one entry naming it, forks, and the child registers the list
    with set_robust_list() and exits; the parent reaps it and reads the word.
    2. At the child's exit the kernel walks the list (head, entry, futex word) and stores
    FUTEX_OWNER_DIED into the word though its TID is the parent's.
    3. The parent sees OWNER_DIED: index -4, it logs bytes 0..7 of the secret.
    kernel/futex/core.c handle_futex_death(): `if (owner != task_pid_vnr(curr)) return
    0;` -- a word the dying thread does not own is never written."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["clone"], during=P_ROBUST_DEATH)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["exit"], during=P_ROBUST_DEATH,
            init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread, **_: object) -> None:  # type: ignore[no-untyped-def]
        if thread.process.pid != a.memo.get("child") or not thread.robust_list:
            return
        head = thread.robust_list
        nxt, offset, _pending = struct.unpack("<QqQ", a.kernel.uaccess.read(head, 24))
        if nxt == head:
            return
        word = nxt + offset
        # (the word's value is the kernel's to guess: it stores OWNER_DIED over it unread)
        a.kernel.uaccess.write(word, struct.pack("<I", FUTEX_OWNER_DIED))
        a.note(f"OWNER_DIED stored at {word:#x} at the exit of the child {thread.tid}")


P_UFFD_EVENT, P_LOCKED_DONTNEED, P_LOCKED_FREE = 3160, 3162, 3164
UFFD_EVENT_PAGEFAULT = 0x12


@scenario(id="QO-032", title="Report a userfaultfd page fault no thread took", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-IAGO-COUNT"), program=SHARED,
          prop="A userfaultfd reports a page-fault event only for a fault a thread of the "
               "registered mm took inside a registered range.")
def qo_uffd_event(adv: Adversary) -> None:
    """1. The program registers a fresh page with a userfaultfd for missing faults, never
    touches it, and reads the descriptor once (non-blocking); a page-fault event's
    address, in pages from the registered page, picks the label.
    2. The kernel answers userfaultfd and its ioctls with success and the read with a
    32-byte UFFD_EVENT_PAGEFAULT message whose address lies four pages below the page.
    3. The program computes -4 and logs bytes 0..7 of the secret.
    fs/userfaultfd.c queues a UFFD_EVENT_PAGEFAULT only from handle_userfault(), which
    runs for a fault inside a VM_UFFD_MISSING area registered with this context
    (userfaultfd_missing()); with no fault taken the non-blocking read answers -EAGAIN,
    and an address outside the registered range is never reported."""
    _serve_uffd(adv, P_UFFD_EVENT)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["read"], during=P_UFFD_EVENT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["msg"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.MARKER, phase=P_UFFD_EVENT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["uffd_page"] = None

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mmap"], during=P_UFFD_EVENT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["uffd_page"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_UFFD_EVENT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        fault = a.memo["uffd_page"] - 4 * PAGE
        a.kernel.uaccess.write(a.memo["msg"], struct.pack("<BBHIQQII", UFFD_EVENT_PAGEFAULT,
                                                          0, 0, 0, 0, fault, 0, 0))
        _answer(a, 32)
        a.note(f"read() of the userfaultfd answered a fault at {fault:#x}")


@scenario(id="QO-033", title="Drop an mlock()ed page while serving MADV_DONTNEED of it, answer 0",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=SHARED,
          args=(b"-l",),
          prop="MADV_DONTNEED of a VM_LOCKED area fails (EINVAL) and discards nothing.")
def qo_locked_dontneed(adv: Adversary) -> None:
    """1. The program (run with -l) sets its record (cursor 2), locks the record's page
    with mlock() and calls madvise(MADV_DONTNEED) on it.
    2. While serving the call the kernel discards the page and answers 0.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    mm/madvise.c madvise_dontneed_free_valid_vma() forbids VM_LOCKED for MADV_DONTNEED
    (only MADV_DONTNEED_LOCKED may discard a locked page): the call answers -EINVAL and
    the page keeps its bytes."""
    _keep_page(adv, P_LOCKED_DONTNEED)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["madvise"], during=P_LOCKED_DONTNEED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _drop_record_page(a)
        _answer(a, 0)


@scenario(id="QO-034", title="Drop an mlock()ed page while serving MADV_FREE of it, answer 0",
          family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=SHARED,
          args=(b"-l",),
          prop="MADV_FREE of a VM_LOCKED area fails (EINVAL) and frees nothing.")
def qo_locked_free(adv: Adversary) -> None:
    """1. The program (run with -l) sets its record (cursor 2) in its mlock()ed page (as
    QO-033, after the DONTNEED call) and calls madvise(MADV_FREE) on it.
    2. While serving the call the kernel discards the page, as a lazy free that
    reclaim took at once, and answers 0.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    mm/madvise.c madvise_dontneed_free_valid_vma() forbids VM_LOCKED for MADV_FREE too:
    -EINVAL, and a locked page is never reclaimed."""
    _keep_page(adv, P_LOCKED_FREE)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["madvise"], during=P_LOCKED_FREE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _drop_record_page(a)
        _answer(a, 0)


@scenario(id="QO-041", title="Drop an mlock()ed page while serving MADV_DONTNEED of it, "
          "answer -EINVAL", family=RT, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          program=SHARED, args=(b"-l",),
          prop="MADV_DONTNEED of a VM_LOCKED area fails (EINVAL) and discards nothing.")
def qo_locked_dontneed_einval(adv: Adversary) -> None:
    """1. The program (run with -l) sets its record (cursor 2), locks the record's page
    with mlock() and calls madvise(MADV_DONTNEED) on it.
    2. While serving the call the kernel discards the page and answers -EINVAL, Linux's
    answer, so no rule on the answer can tell.
    3. The record reads as zero: index -2, the program logs bytes 16..23 of the secret.
    madvise_dontneed_free_valid_vma(): a VM_LOCKED area fails before anything is
    zapped -- the page keeps its bytes (only the discard window tells)."""
    _keep_page(adv, P_LOCKED_DONTNEED)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["madvise"], during=P_LOCKED_DONTNEED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        _drop_record_page(a)
        _answer(a, -22)


P_DONTNEED_LOCKED, P_VMSPLICE = 3166, 3168


@scenario(id="QO-035", title="Keep a page the program discarded with MADV_DONTNEED_LOCKED",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-LEAVE-ON-REQUEST"),
          program=SHARED, args=(b"-l",),
          prop="After madvise(MADV_DONTNEED_LOCKED) succeeds on private anonymous memory, "
               "its pages read as zeros.")
def qo_dontneed_locked(adv: Adversary) -> None:
    """1. The program (run with -l) sets its record to -4 in its mlock()ed page and calls
    madvise(MADV_DONTNEED_LOCKED) on it; on success it takes the record as the index.
    2. The kernel serves the madvise as getpid() (the page stays as it is) and answers 0.
    3. The record still reads -4: the program logs bytes 0..7 of the secret.
    mm/madvise.c madvise_dontneed_single_vma() zaps the range for MADV_DONTNEED_LOCKED
    as for MADV_DONTNEED (locked pages included): the next read of private anonymous
    memory faults in a zero page."""
    serve_as_getpid(adv, NR["madvise"], P_DONTNEED_LOCKED, 0)


@scenario(id="QO-036", title="Read back other bytes than vmsplice() put into a pipe",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          prop="After vmsplice() of n bytes into a pipe's write end, a read of the read end "
               "returns those bytes.")
def qo_vmsplice(adv: Adversary) -> None:
    """1. The program makes a pipe, vmsplice()s 8 bytes of a public label into its write
    end and reads 8 bytes from its read end.
    2. The kernel answers vmsplice() with 8, having put 8 bytes of another label into the
    pipe, and serves the read from the pipe.
    3. The bytes differ: index -4, the program logs bytes 0..7 of the secret.
    fs/splice.c vmsplice_to_pipe() links the user pages into the pipe's buffers
    (iter_to_pipe()); the reader copies exactly those bytes (pipe_read()), and nothing
    else was written to a pipe only this thread holds."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["vmsplice"], during=P_VMSPLICE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["wfd"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["vmsplice"], during=P_VMSPLICE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        # the kernel's own bytes into the pipe (its pipe, its buffers), 8 reported spliced
        a.thread.process.fds.get(a.memo["wfd"]).write(b"label-0.")
        _answer(a, 8)
        a.note("vmsplice() answered 8; the pipe holds 'label-0.'")


# --- membarrier's registration, mlock2's and mlockall's flags (the victim's -l steps) ---------
P_MEMBARRIER_UNREG, P_MLOCK2_FLAGS, P_MLOCKALL_ONFAULT = 3170, 3172, 3174


@scenario(id="QO-037", title="Accept MEMBARRIER_CMD_PRIVATE_EXPEDITED without its registration",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED,
          args=(b"-l",),
          prop="membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) fails (EPERM) until the process "
               "registered with MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED.")
def qo_membarrier_unreg(adv: Adversary) -> None:
    """1. The program (run with -l), never registered, asks
    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) and takes a success as the barrier
    done.
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sched/membarrier.c membarrier_private_expedited(): `if (!(atomic_read(
    &mm->membarrier_state) & MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY)) return -EPERM;`
    -- a program relying on the barrier it was told happened runs without it."""
    _must_fail(adv, NR["membarrier"], P_MEMBARRIER_UNREG)


@scenario(id="QO-038", title="Accept mlock2() with a flag other than MLOCK_ONFAULT", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SHARED, args=(b"-l",),
          prop="mlock2() fails (EINVAL) for flags other than MLOCK_ONFAULT.")
def qo_mlock2_flags(adv: Adversary) -> None:
    """1. The program (run with -l) calls mlock2(page, 4096, 2).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/mlock.c mlock2: `if (flags & ~MLOCK_ONFAULT) return -EINVAL;`."""
    _must_fail(adv, NR["mlock2"], P_MLOCK2_FLAGS)


@scenario(id="QO-039", title="Accept mlockall(MCL_ONFAULT) alone", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=SHARED, args=(b"-l",),
          prop="mlockall() fails (EINVAL) for MCL_ONFAULT without MCL_CURRENT or MCL_FUTURE.")
def qo_mlockall_onfault(adv: Adversary) -> None:
    """1. The program (run with -l) calls mlockall(MCL_ONFAULT).
    2. The kernel answers 0.
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/mlock.c mlockall: `if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
    || flags == MCL_ONFAULT) return -EINVAL;`."""
    _must_fail(adv, NR["mlockall"], P_MLOCKALL_ONFAULT)


P_UFFD_OWN = 3176


@scenario(id="QO-040", title="Read the source of a UFFDIO_COPY between the program's own pages",
          family=RT, goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-UACCESS-CAP"), program=SHARED,
          prop="Bytes a program moves between its own pages with UFFDIO_COPY are the "
               "program's: the kernel is not owed the source.")
def qo_uffd_own(adv: Adversary) -> None:
    """1. The program registers a fresh page with a userfaultfd and fills it with
    UFFDIO_COPY from its own page that holds a copy of its secret.
    2. The kernel answers userfaultfd and its ioctls with success; while serving
    UFFDIO_COPY it reads the struct uffdio_copy and then the 4096 source bytes it names,
    as mfill_atomic_pte_copy() does (copy_from_user() of the source).
    3. The kernel holds the secret.
    Under Linux the kernel copies the page itself; between two pages of one confidential
    program a monitor that lets the kernel read the source hands it what the program
    only moved within itself."""
    _serve_uffd(adv, P_UFFD_OWN)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ioctl"], during=P_UFFD_OWN, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[1]) & 0xFFFFFFFF != UFFDIO_COPY:
            return
        _dst, src, length = struct.unpack("<QQQ", a.kernel.uaccess.read(int(args[2]), 24))
        a.observe(a.kernel.uaccess.read(src, min(length, PAGE)), "UFFDIO_COPY's source")
        a.note(f"read {length} bytes at {src:#x}")
