"""Red-team round twenty-five: the Guardian's own calls, at every phase of a program's life.

Each scenario holds only the kernel's powers (its EL1 face: HVC calls with any arguments
and payloads, its page-table writer, frame allocator, reclaim and TLB maintenance, the
result it returns) and aims at the monitor's interface itself rather than at one system
call's result:

- the descriptor SWAP_IN installs (QH-001: writable in a PROT_READ area);
- the window between CREATE_DOMAIN and the program's first instruction, where a slot of
  the loading domain reaches its memory without a capability (QH-002 .bss, QH-003
  AT_RANDOM, QH-004 the checked auxiliary vector);
- the Guardian's entropy without an operator's seed (QH-005), and entropy it writes into
  a page that is not there, the write's failure ignored: AT_RANDOM (QH-014), getrandom()'s
  buffer (QH-015);
- program memory the Guardian reads back only when a later call or the return comes, from
  a page the kernel's reclaim has just swapped out: clone3's clone_args at FORK_DOMAIN
  (QH-006), the struct rlimit of prlimit64 (QH-009), a timerfd's itimerspec (QH-010,
  QH-011), a self-pipe read's buffer (QH-012), mincore()'s vector (QH-013);
- numeric edges and results of the calls themselves (QH-007 CLEAR_PT_RANGE, QH-008 the
  result of a fork child's first RESUME).

Where an attack still gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import hashlib
import struct

from abi import Call, Status
from abi.syscalls import NUMBERS
from attacks.adversary import PAGE, Adversary
from attacks.families.measurement import symbol_address
from attacks.families.redteam_r11 import (
    DISPATCH,
    NR_CLONE3,
    P_TLS3_THREAD,
    SIGCHLD,
    _serve_clone3_as_clone,
    _thread_in_other_process,
)
from attacks.families.redteam_r20 import MEMORY, NR_MINCORE, P_MINCORE, P_WRITE_TRACK
from attacks.families.redteam_r21 import (
    NR_FCNTL,
    P_DUPFD_LIMIT,
    P_ONESHOT,
    P_PIDFD_GETFD,
    P_SELF_PIPE,
    P_SEMAPHORE,
    P_TFD_LEFT,
    PROCS,
    _answer,
    _fill,
)
from attacks.families.redteam_r22 import CONTENTS
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D
from kernel_model.elf_loader import ElfImage
from kernel_model.process import Thread

RT = "redteam_r25"
NR_RT_SIGACTION = NUMBERS["rt_sigaction"]
SWAP_DESC = 0x5A << 12            # a swap entry of the kernel's choosing (not a valid descriptor)
RETRIES = 8                       # FAULT_IN answers a mediated access may take
# The properties the open attacks break (scenario.PROPERTIES).
MEASURED = "P2"                   # something entered the domain unmeasured
LEAVES = "P3"                     # the program's view of its memory changed unasked
CLONES = "P6"                     # a clone made another kind of child
VALUES = "P5"                     # a value reached the program that Linux never returns
KEYS = "P4"                       # the kernel learnt entropy it may never know


def _swap_round_trip(a: Adversary, va: int, change: int = 0, clear: int = 0) -> bool:
    """Swap the page at va out and straight back in, the entry coming back with the bits
    `change` set and `clear` cleared (without the Guardian: the entry rewritten so)."""
    last = a.walk(va)[-1]
    old = last.desc
    if not old & D.VALID:
        a.note(f"{va:#x} is not present")
        return False
    frame = a.alloc_frame()
    new = ((old & ~D.ADDR_MASK & ~clear) | change) | frame
    if not a.guarded:
        a.write_lm(frame, a.read_lm(old & D.ADDR_MASK))
        a.mm.tables.set(va, new)
        a.el1.tlbi_all()
        return True
    status, _, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, SWAP_DESC))
    if status:
        a.kernel.frames.put(frame)
        return False
    a.kernel.frames.put(old & D.ADDR_MASK)
    status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, new), sealed)
    a.note(f"SWAP_IN of {va:#x} with descriptor {new:#x}: {Status(status).name}")
    return status == Status.OK


# --- QH-001: the descriptor SWAP_IN installs -----------------------------------------------

@scenario(id="QH-001", title="Swap a PROT_READ page out and back in writable: a write barrier "
                             "never fires",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SWAP-BIND"), program=MEMORY,
          prop="A store to a PROT_READ page always faults, however the kernel pages it: a "
               "page swapped back in keeps the protection the program gave it.")
def qh_swap_in_writable(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) makes its record's page PROT_READ (mprotect
    answers 0, honestly), installs a SIGSEGV handler that counts the page dirty and makes
    it writable (a write barrier), stores its record and logs the label (dirty count - 1)
    names from a log buffer that begins with a copy of the secret.
    2. Serving the rt_sigaction() that follows, swap the page out (SWAP_OUT) and back in
    (SWAP_IN) with a descriptor whose AP bits make it writable at EL0.
    3. The store never faults, the count stays 0: the program logs bytes 24..31 of the
    secret's copy.
    Why Linux never does this: do_swap_page() rebuilds the entry from the area's
    vm_page_prot, so a page of a PROT_READ area comes back read-only and a store to it
    faults.  SWAP_IN checks only that the descriptor is a valid page entry naming the
    frame; the protection the Guardian holds for the area (set_pt.protection) is checked
    on SET_PT alone."""
    @adv.on(Point.MARKER, phase=P_WRITE_TRACK)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["record"] = args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGACTION, during=P_WRITE_TRACK)
    def _(a: Adversary, **_: object) -> None:
        _swap_round_trip(a, a.memo["record"], clear=D.AP_RO)


# --- QH-002: the window between CREATE_DOMAIN and the first instruction ----------------------

def _mediated_write(a: Adversary, slot: int, va: int, data: bytes) -> int:
    """USER_WRITE of `data` at va with `slot`, faulting pages in as the Guardian asks."""
    status = Status.FAULT_IN
    for _ in range(RETRIES):
        status, value, _ = a.hvc_data(Call.USER_WRITE, (slot, va, len(data)), data)
        if status != Status.FAULT_IN:
            break
        a.mm.handle_fault(value, True, False)
    return status


@scenario(id="QH-002", title="Write the program's .bss with the CREATE_DOMAIN slot before its "
                             "first instruction",
          family=RT, goal=Goal.TAMPER,
          rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT", "G-MEASURE-ALL"),
          prop="Between exec and the program's first instruction the kernel writes nothing "
               "into a confidential image but the initial stack it built before the domain "
               "existed.")
def qh_write_while_loading(adv: Adversary) -> None:
    """1. At exec, look up the program's `tampered` flag (.bss, zero in the image).
    2. Once the domain exists, before the program first runs, USER_WRITE 1 into the flag
    with the slot CREATE_DOMAIN returned (no system call is in progress: the thread has
    never run), faulting the page in as the Guardian asks.
    3. The program starts with its flag set: it reports its secret's copies tampered.
    Why Linux never does this: a fresh image's .bss is zero at its first instruction; exec
    writes only the initial stack (argv, envp, auxv), and nothing between exec and the
    first instruction writes the program's memory.  While the domain is loading, the
    Guardian's user access skips the capability check for every slot of the domain."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["flag"] = symbol_address(image.data, "tampered")

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            a.kernel.uaccess.write(a.memo["flag"], (1).to_bytes(4, "little"))

    @adv.on(Point.BEFORE_RESUME, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.guarded:
            status = _mediated_write(a, thread.slot, a.memo["flag"], (1).to_bytes(4, "little"))
            a.note(f"USER_WRITE before the first instruction: {Status(status).name}")


# --- QH-003, QH-004: the initial stack after CREATE_DOMAIN checked it ------------------------

AT_NULL, AT_CLKTCK, AT_RANDOM = 0, 17, 25


def _auxv(a: Adversary, sp: int) -> dict[int, tuple[int, int]]:
    """The initial stack's auxiliary vector: type -> (value, address of the value)."""
    read = a.kernel.uaccess.read_u64
    argc = read(sp)
    at = sp + 8 * (argc + 2)                 # argc, argv[argc], NULL
    while read(at):                          # envp up to its NULL
        at += 8
    at += 8
    out: dict[int, tuple[int, int]] = {}
    while True:
        kind, value = read(at), read(at + 8)
        if kind == AT_NULL:
            return out
        out[kind] = (value, at + 8)
        at += 16


def _learn_stack(adv: Adversary) -> None:
    """Keep the initial stack pointer exec built and, before the domain exists, the
    auxiliary vector on it (the kernel built that stack itself)."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], **_: object) -> None:
        if call == Call.CREATE_DOMAIN and "sp" not in a.memo:
            a.memo["sp"] = args[2]

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        sp = a.memo.get("sp") if a.guarded else a.reg("sp")
        a.memo["auxv"] = _auxv(a, sp)


def _mediated_read(a: Adversary, slot: int, va: int, n: int) -> bytes:
    """USER_READ of n bytes at va with `slot`, faulting pages in as the Guardian asks."""
    for _ in range(RETRIES):
        status, value, data = a.hvc_data(Call.USER_READ, (slot, va, n))
        if status != Status.FAULT_IN:
            a.note(f"USER_READ of {n} bytes at {va:#x}: {Status(status).name}")
            return data if status == Status.OK else b""
        a.mm.handle_fault(value, False, False)
    return b""


@scenario(id="QH-003", title="Read the AT_RANDOM bytes the Guardian wrote with the "
                             "CREATE_DOMAIN slot before the program runs",
          family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT", "G-KEYS-PRIVATE"), program=CONTENTS,
          prop="AT_RANDOM's 16 bytes are the program's entropy: the kernel never learns them.")
def qh_read_at_random(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) seeds the first 16 bytes of its secret from
    AT_RANDOM, as a program seeds a key or a canary from them.
    2. Before the domain exists, read the auxiliary vector from the initial stack the
    kernel built: AT_RANDOM's address.  The Guardian then writes 16 bytes of its own
    there (CREATE_DOMAIN).
    3. Before the program's first instruction, USER_READ the 16 bytes with the slot
    CREATE_DOMAIN returned: the kernel holds the first half of the secret.
    Why this breaks the design: the Guardian writes AT_RANDOM itself so that the kernel
    cannot know it, but while the domain is loading its user access checks no capability
    for any slot of the domain, so a read of the whole new image, AT_RANDOM included, is
    granted."""
    _learn_stack(adv)

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            va = a.memo["auxv"][AT_RANDOM][0]
            a.observe(a.kernel.uaccess.read(va, 16), "AT_RANDOM's bytes on the initial stack")

    @adv.on(Point.BEFORE_RESUME, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.guarded:
            _mediated_read(a, thread.slot, a.memo["auxv"][AT_RANDOM][0], 16)


@scenario(id="QH-004", title="Rewrite AT_CLKTCK on the initial stack after CREATE_DOMAIN "
                             "checked it",
          family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT", "G-INITIAL-STACK"), program=CONTENTS,
          prop="The auxiliary vector a confidential program starts with is the one the "
               "Guardian checked: AT_CLKTCK is arm64's USER_HZ, 100.")
def qh_rewrite_clktck(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) reads getauxval(AT_CLKTCK) and logs the label
    100 / ticks - 1 names from a log buffer between two copies of the secret.
    2. Before the program's first instruction (CREATE_DOMAIN has checked the initial
    stack, AT_CLKTCK 100 among it), USER_WRITE 200 over AT_CLKTCK's value with the slot
    CREATE_DOMAIN returned.
    3. The program computes 100 / 200 - 1 = -1 and logs bytes 24..31 of the secret's
    first copy.
    Why Linux never does this: exec writes AT_CLKTCK = USER_HZ (100 on arm64) and nothing
    writes the auxiliary vector afterwards.  The Guardian checks the initial stack once, at
    CREATE_DOMAIN, then lets every slot of the loading domain write anywhere."""
    _learn_stack(adv)
    ticks = (200).to_bytes(8, "little")

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            a.kernel.uaccess.write(a.memo["auxv"][AT_CLKTCK][1], ticks)

    @adv.on(Point.BEFORE_RESUME, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.guarded:
            status = _mediated_write(a, thread.slot, a.memo["auxv"][AT_CLKTCK][1], ticks)
            a.note(f"USER_WRITE of AT_CLKTCK: {Status(status).name}")



# --- QH-005: the Guardian's entropy when no seed was given -----------------------------------

#: The seed a Guardian draws from when its operator passes no --guardian-seed: a constant
#: of the open-source monitor (guardian/entropy.py), so public knowledge.
PUBLISHED_SEED = 0x5EC2E7_6A2D1A
NR_GETRANDOM = NUMBERS["getrandom"]
DRAWS_TRIED = 16                  # the Guardian's first draws (AT_RANDOM, then getrandom)


def _published_stream(purpose: bytes, n: int) -> list[bytes]:
    """The first DRAWS_TRIED draws of `n` bytes a Guardian booted with PUBLISHED_SEED
    hands out for `purpose`, computed from the monitor's published algorithm."""
    secret = hashlib.sha256(b"blindfold-guardian-boot"
                            + PUBLISHED_SEED.to_bytes(32, "little")).digest()
    return [hashlib.shake_256(secret + purpose + struct.pack("<Q", k)).digest(n)
            for k in range(1, DRAWS_TRIED + 1)]


@scenario(id="QH-005", title="Recompute the program's getrandom() from the Guardian's "
                             "default seed",
          family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          silent="the Guardian's seed is fresh boot entropy unless the operator gives one: "
                 "the published stream is not the one it draws from",
          prop="The bytes the Guardian serves a program's getrandom() (and its AT_RANDOM and "
               "domain keys) are ones the kernel cannot compute.")
def qh_default_seed(adv: Adversary) -> None:
    """1. The program (secret) draws its 32-byte secret with getrandom(), which the
    Guardian answers from its own entropy.
    2. The kernel computes the stream a Guardian booted without --guardian-seed hands out:
    that seed is a constant of the open-source monitor and the generator (SHAKE-256 over
    a hash of the seed, the purpose and a counter) is published with it.
    3. One of the first draws for b"getrandom" is the secret.  (Without a Guardian the
    kernel serves getrandom() itself and keeps the bytes it wrote.)
    Why this breaks the design: the Guardian's keys and served entropy are only as private
    as its seed, and `blindfold run --guardian on` (like the Guardian's constructor) falls
    back to the published constant when the operator gives none; every domain key is then
    computable too."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETRANDOM, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["buf"] = (int(args[0]), int(args[1]))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRANDOM, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded:
            n = a.memo["buf"][1]
            for draw in _published_stream(b"getrandom", n):
                a.observe(draw, "a draw of the Guardian's published default stream")
        else:
            a.observe(a.kernel.uaccess.read(*a.memo["buf"]), "the bytes getrandom() served")


# --- QH-006: what FORK_DOMAIN reads of a clone3() when the page is away ----------------------

@scenario(id="QH-006", title="Swap out a clone3()'s clone_args page while serving it as a "
                             "fork: FORK_DOMAIN reads the flags as 0",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_thread_in_other_process,
          prop="A clone3() whose clone_args ask for CLONE_VM | CLONE_THREAD makes a thread of "
               "the caller's address space, however the kernel pages the clone_args.")
def qh_clone3_args_away(adv: Adversary) -> None:
    """1. The program (secret_dispatch) makes a thread with clone3(CLONE_VM | CLONE_THREAD
    | CLONE_SETTLS ...), its clone_args on its stack.
    2. The kernel dispatches the call through its clone() path as clone(SIGCHLD), a fork.
    Just before that path's FORK_DOMAIN (fresh child tree, fork's flags declared), its
    reclaim swaps out the stack page holding the clone_args (SWAP_OUT: the page is the
    program's own, mapped once); the fork shares the sealed page, and the parent's next
    touch swaps it back in.
    3. FORK_DOMAIN reads the clone_args from the program's memory, finds the page absent
    and takes flags 0: fork's flags and a fresh tree agree with that, so the 'thread' runs
    as a separate process in a copy; its stores never reach its creator.
    Why Linux never does this: clone3() copies clone_args in at entry (copy_struct_from_user)
    and a thread asked with CLONE_VM shares its creator's memory.  The Guardian reads them
    when FORK_DOMAIN comes, and an unreadable struct counts as zeros (`or bytes(64)`)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE3, during=P_TLS3_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["args_page"] = a.reg("x0") & ~(PAGE - 1)

    _serve_clone3_as_clone(adv, lambda asked: SIGCHLD)

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, **_: object) -> None:
        if a.guarded and call == Call.FORK_DOMAIN and "args_page" in a.memo \
                and "away" not in a.memo:
            page = a.memo["away"] = a.memo["args_page"]
            # The kernel's own reclaim path: SWAP_OUT, the sealed page in its swap slot
            # (its fork shares the slot, the parent's next touch swaps it back in).
            a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
            a.note(f"clone_args page {page:#x} swapped out before FORK_DOMAIN")


# --- QH-007: CLEAR_PT_RANGE's numeric edges ------------------------------------------------

MASK64 = (1 << 64) - 1


@scenario(id="QH-007", title="Clear the heap page's table with CLEAR_PT_RANGE ranges that wrap "
                             "or span the whole table",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-ABI-ARGS"),
          prop="A confidential page leaves the program's view only when the program asks: no "
               "range of CLEAR_PT_RANGE, wrapping or whole, removes one unasked.")
def qh_clear_range_edges(adv: Adversary) -> None:
    """1. At PLACED, find the level-3 table and index of the program's heap page (the one
    holding a copy of the secret).
    2. CLEAR_PT_RANGE(table, index + 1, 2**64 - 1): a count whose sum with the index wraps
    to index (64-bit arithmetic); then CLEAR_PT_RANGE(table, 0, 512), the whole table,
    as munmap() of a large range would ask.
    3. The heap page is gone: its next touch maps a zero page and the secret's heap copy
    is lost (without a Guardian the kernel clears the entry itself)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.layout.heap
        leaf = a.walk(va)[-1]
        if not a.guarded:
            a.mm.tables.set(va, 0)
            a.el1.tlbi_all()
            a.note(f"heap entry at {va:#x} cleared")
            return
        for index, count in ((leaf.index + 1, MASK64), (0, 512)):
            status, _ = a.hvc(Call.CLEAR_PT_RANGE, leaf.table, index, count)
            a.note(f"CLEAR_PT_RANGE({leaf.table:#x}, {index}, {count:#x}): "
                   f"{Status(status).name}")


# --- QH-008: the result RESUME carries into a fork child's first return ---------------------

NR_CLONE = NUMBERS["clone"]
FORGED_PID = 77                    # a pid Linux could return to a parent, never to a child


@scenario(id="QH-008", title="Resume a fork child for the first time with a pid as its "
                             "clone() result",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-CLONE", "G-FORK-CONTEXT"),
          silent="FORK_DOMAIN gives the child's context x0 = 0, and a RESUME of a slot that "
                 "is no system call takes no result from the kernel",
          prop="A fork child's clone() returns 0: the child never takes its parent's side.")
def qh_child_first_result(adv: Adversary) -> None:
    """1. The program (secret) forks at FORK; the child announces CHILD, the parent
    PARENT.
    2. When the parent's clone() returns, the kernel sets x0 of the child's saved context
    to 77, so that the child's first return (RESUME of the slot FORK_DOMAIN gave it)
    carries 77 as the call's result.
    3. The child takes the parent's side: a second process runs the parent's steps."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        thread = a.kernel.threads.get(child)
        if thread is None or thread.context is None:
            a.note(f"no thread {child}")
            return
        thread.context.set(0, FORGED_PID)
        a.note(f"child {child}'s saved x0 set to {FORGED_PID}")


# --- QH-009: a limit the Guardian reads back at the return, from a page that is away ----------

NR_PRLIMIT64 = NUMBERS["prlimit64"]
RLIMIT_NOFILE = 7


@scenario(id="QH-009", title="Swap out the struct rlimit before prlimit64(RLIMIT_NOFILE) "
                             "returns, then answer F_DUPFD at the limit",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A new descriptor is below the soft RLIMIT_NOFILE the program set, however the "
               "kernel pages the struct it set it from.")
def qh_limit_page_away(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) sets its soft RLIMIT_NOFILE to 64 with
    prlimit64(0, RLIMIT_NOFILE, &low, NULL) (a table of 64 descriptor slots), calls
    fcntl(F_DUPFD, 60) and logs the label fd - 60 names.
    2. The kernel applies the limit, and before the call returns its reclaim swaps out the
    stack page holding `low` (SWAP_OUT; the program's next touch swaps it back in).
    3. It answers the F_DUPFD with 64: the index is 4, the program logs bytes 0..7 of the
    secret's second copy.
    Why Linux never does this: alloc_fd fails with EMFILE rather than hand out a descriptor
    at or past rlimit(RLIMIT_NOFILE).  The Guardian learns the limit by reading `low` back
    when prlimit64 returns; a page that is not present reads as "no limit known"
    (fd_made._soft), so the bound return.fd_limit keeps is dropped."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRLIMIT64, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if args[1] == RLIMIT_NOFILE and args[2] and not args[3] and "low" not in a.memo:
            a.memo["low"] = int(args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRLIMIT64, once=False)
    def _(a: Adversary, **_: object) -> None:
        low = a.memo.get("low")
        if not low or "away" in a.memo or not a.guarded:
            return
        page = a.memo["away"] = low & ~(PAGE - 1)
        a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
        a.note(f"the page of the struct rlimit ({page:#x}) swapped out before the return")

    _answer(adv, P_DUPFD_LIMIT, NR_FCNTL, 64)


# --- QH-010, QH-011: a timerfd's new value, away when timerfd_settime returns ----------------

NR_TIMERFD_SETTIME, NR_READ = NUMBERS["timerfd_settime"], NUMBERS["read"]


def _away_at_return(adv: Adversary, nr: int, during: int, arg: int) -> None:
    """Let the program's next call `nr` after marker `during` run; before it returns, the
    kernel's reclaim swaps out the page its argument `arg` points at (SWAP_OUT; the
    program's next touch of the page swaps it back in)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("away", nr)] = int(a.el1.syscall_args()[arg]) & ~(PAGE - 1)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        page = a.memo.get(("away", nr))
        if not page or not a.guarded:
            return
        a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
        a.note(f"the page {page:#x} call {nr} read its input from swapped out before the "
               "return")


@scenario(id="QH-010", title="Swap out a one-shot timerfd's itimerspec before "
                             "timerfd_settime returns, then read 6 expirations",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A one-shot timerfd read after its one expiry reports 1, however the kernel "
               "pages the struct it was armed from.")
def qh_oneshot_page_away(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) arms a timerfd once (1 ms, it_interval 0) from a
    struct itimerspec on its stack, reads 8 bytes through a dup3() copy and logs the label
    count - 1 names.
    2. Before timerfd_settime() returns, the kernel's reclaim swaps out the stack page
    holding the itimerspec; later it answers the read with a count of 6.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    Why Linux never does this: a timer with no interval expires once per arming, so the
    count is 1.  The Guardian learns how the timer was armed by reading the itimerspec
    back at the return; an absent page makes it forget the arming (counter_files: `armed`
    popped), and the read is then not judged."""
    _away_at_return(adv, NR_TIMERFD_SETTIME, P_SEMAPHORE + 1, 2)
    _fill(adv, P_ONESHOT, NR_READ, 1, struct.pack("<Q", 6), result=8)


@scenario(id="QH-011", title="Swap out a timerfd's itimerspec before timerfd_settime "
                             "returns, then report more time left than was set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="timerfd_gettime() reports at most the time the timer was armed for, however "
               "the kernel pages the struct it was armed from.")
def qh_timerfd_left_page_away(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) arms a timerfd for 3 s (one-shot) from a struct
    itimerspec on its stack, calls timerfd_gettime() and logs the label 3 - whole seconds
    left names.
    2. Before timerfd_settime() returns, the kernel's reclaim swaps out the stack page
    holding the itimerspec; timerfd_gettime() is answered with 5 s left.
    3. The index is -2: the program logs bytes 16..23 of the secret's first copy.
    Why Linux never does this: the time left counts down from the 3 s the program set.
    (The same page trick as QH-010 against another check of the same arming; this one
    holds: the bound on the time left does not rest on the return-time read.)"""
    _away_at_return(adv, NR_TIMERFD_SETTIME, P_PIDFD_GETFD, 2)
    _fill(adv, P_TFD_LEFT, NUMBERS["timerfd_gettime"], 1, struct.pack("<qqqq", 0, 0, 5, 0))


# --- QH-012: a read's buffer, away when the read of the program's own pipe returns ----------

@scenario(id="QH-012", title="Swap out the buffer of a read of the program's own pipe before "
                             "it returns forged bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A pipe only the program writes to returns its writes, in order, however the "
               "kernel pages the buffer the read fills.")
def qh_pipe_read_page_away(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) writes an event number (2) into a pipe it made,
    reads one byte back into a stack variable and logs the label that byte names (the
    self-pipe trick).
    2. Serving the read, the kernel stores 6 into the buffer (the read grants it) and
    answers 1; before the call returns, its reclaim swaps out the stack page holding the
    buffer (SWAP_OUT).
    3. The program touches the page, the sealed page comes back with the 6 in it: the
    index is 6, the program logs bytes 16..23 of the secret's second copy.
    Why Linux never does this: a pipe only the program writes to returns the bytes it
    wrote (2).  The Guardian compares the read's bytes with the pipe's at the return
    (return.pipe_fifo) by reading the buffer back; an absent page skips the comparison
    (pipe_bytes: `_buffers` None)."""
    _fill(adv, P_SELF_PIPE, NR_READ, 1, bytes([6]), result=1)
    _away_at_return(adv, NR_READ, P_SELF_PIPE, 1)


# --- QH-013: mincore()'s vector, away when the call returns ----------------------------------

@scenario(id="QH-013", title="Swap out mincore()'s vector before it returns a locked page "
                             "non-resident",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MEMORY,
          prop="A page present in the caller's tables is reported resident by mincore(), "
               "however the kernel pages the vector it fills.")
def qh_mincore_vector_away(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) touches a page, locks it with mlock() and calls
    mincore() on it with a one-byte vector on its stack; it logs the label (residency bit
    - 1) names.
    2. Let mincore() run, then store 0 (not resident) into the vector and answer 0; before
    the call returns, the kernel's reclaim swaps out the stack page holding the vector.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: a page the caller's tables map (and mlock() keeps) is
    resident.  The Guardian reads the vector back at the return (return.mincore_resident)
    and skips the check when the vector's page is absent (resident_pages.check_resident)."""
    @adv.on(Point.MARKER, phase=P_MINCORE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["vec"] = args[2]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MINCORE, during=P_MINCORE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["vec"], b"\x00")
        a.set_reg("x0", 0)
        a.note("mincore() reported the locked page not resident")

    _away_at_return(adv, NR_MINCORE, P_MINCORE, 2)


# --- QH-014: an AT_RANDOM the Guardian cannot write ------------------------------------------

@scenario(id="QH-014", title="Point AT_RANDOM at an absent page of the stack reserve: the "
                             "Guardian's bytes never land, the program reads zeros",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK", "G-KEYS-PRIVATE"),
          program=CONTENTS,
          prop="AT_RANDOM names 16 bytes of the Guardian's entropy: the kernel never knows "
               "them.")
def qh_at_random_absent(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) seeds the first 16 bytes of its secret from
    AT_RANDOM.
    2. Just before CREATE_DOMAIN (the kernel still owns the stack it built), rewrite
    AT_RANDOM's value in the auxiliary vector to an address in the page below the stack
    pointer's page: inside the stack's range (its reserve) but not mapped.
    3. CREATE_DOMAIN accepts the pointer (it lies inside the initial stack) and writes its
    16 bytes there; the page is absent, so nothing is written and nothing is refused.  The
    program's first touch maps a zero-filled page: AT_RANDOM reads 16 zero bytes, which
    the kernel predicted.  (Without a Guardian the kernel drew the bytes itself.)
    Why this breaks the design: the Guardian fills AT_RANDOM so that the kernel cannot
    know it, but it ignores whether its write landed (UserMemory.write returns the
    first page it could not write)."""
    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], **_: object) -> None:
        if call != Call.CREATE_DOMAIN or "moved" in a.memo:
            return
        sp = args[2]
        value, where = _auxv(a, sp)[AT_RANDOM]
        absent = (sp & ~(PAGE - 1)) - PAGE + 0x100
        a.kernel.uaccess.write(where, absent.to_bytes(8, "little"))
        a.memo["moved"] = absent
        a.observe(bytes(16), "the AT_RANDOM bytes the kernel predicts (an absent page)")
        a.note(f"AT_RANDOM moved from {value:#x} to {absent:#x}")

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            va = _auxv(a, a.reg("sp"))[AT_RANDOM][0]
            a.observe(a.kernel.uaccess.read(va, 16), "AT_RANDOM's bytes the kernel drew")


# --- QH-015: the Guardian's getrandom() bytes, into a page that is away ----------------------

KNOWN = bytes(range(0x41, 0x61))   # 32 bytes of the kernel's choosing


@scenario(id="QH-015", title="Swap out getrandom()'s buffer before the return: the Guardian's "
                             "bytes never land, the program keeps the kernel's",
          family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          prop="The bytes a confidential program's getrandom() returns are the Guardian's, "
               "however the kernel pages the buffer.")
def qh_getrandom_page_away(adv: Adversary) -> None:
    """1. The program (secret) draws its 32-byte secret with getrandom() into a static
    array.
    2. Serving the call, the kernel stores 32 bytes of its own choosing into the buffer
    (the call grants it) and answers 32; before the call returns, its reclaim swaps out the
    page holding the array (SWAP_OUT).
    3. At the return the Guardian writes its own draw over the buffer, but the page is
    absent: nothing is written and nothing is refused.  The program's next touch swaps the
    sealed page back in, holding the kernel's bytes: its secret is the kernel's.
    (Without a Guardian the kernel's getrandom() bytes are its own anyway.)
    Why this breaks the design: the Guardian serves a confidential program's entropy so
    that the kernel cannot know it, but ignores whether its write landed
    (result_rules._serve_random drops UserMemory.write's answer)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETRANDOM, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["buf"] = int(args[0]) if int(args[1]) == len(KNOWN) else 0

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRANDOM, once=False)
    def _(a: Adversary, **_: object) -> None:
        buf = a.memo.pop("buf", 0)
        if not buf or "done" in a.memo:
            return
        a.memo["done"] = True
        if not a.guarded:
            a.observe(a.kernel.uaccess.read(buf, 32), "the bytes getrandom() served")
            return
        a.kernel.uaccess.write(buf, KNOWN)
        a.set_reg("x0", len(KNOWN))
        page = buf & ~(PAGE - 1)
        a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
        a.observe(KNOWN, "the bytes the kernel stored into getrandom()'s buffer")
        a.note(f"getrandom()'s buffer page {page:#x} swapped out before the return")
