"""Red-team round forty-two: the Guardian's core, a second look -- what the kernel sees at an
exception and in the answers of the secure memory-management calls.

- The tag byte of a faulting address (arm64's top-byte-ignore): the page the kernel is owed
  is the untagged one, at a first touch (QZ-001), at a copy-on-write break (QZ-002), at an
  access-flag fault (QZ-003) and at the swap-in of a page the kernel swapped out (QZ-004),
  on the victim `secret_r42_core2 -t`.
- A sealed swap page's length and cleartext header as an oracle on the page's contents,
  against candidate pages the kernel wrote into the program's input (QZ-007), on the
  victim `secret_r40_core`.
- What MIGRATE_PAGE answers, and whether it is refused, as an oracle on a page's contents
  (QZ-008), on the same victim.
- The exact address of a signal frame on the program's own stack, in the FAULT_IN a
  SIGNAL call answers (QZ-005) and the FAULT_IN a RESUME from rt_sigreturn answers
  (QZ-006): the program's stack pointer, at a depth its data picks.
- Sealed swap pages as an oracle on their contents: the length and header of a seal
  (QZ-002), and the other values the secure memory-management calls answer (QZ-003), on the
  victim `secret_r40_core` (eight low-entropy pages, one secret byte each, and 256 pages of
  candidate contents the kernel writes into the program's input).

Where an attack gets through with the Guardian on, it names the property it breaks (`gap`)
and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator import sysregs as S

RT = "redteam_r42"
CORE = "secret_r40_core"
CORE2 = "secret_r42_core2"
# The markers both victims share: after the input is read (x2 table, x3 input, x4 bytes
# read), and before the first touches of eight fresh pages (x2 the pages).
P_INPUT = 4000
P_FAULTS = 4004
# secret_r42_core2 only: before a tagged store to each of the same eight pages (tags: secret
# bytes 16..23), and before one more tagged load from each (tags: secret bytes 24..31).
P_STORES = 4006
P_REREAD = 4008
P_SIGNALS = 4012                 # next: nine SIGUSR1s, at a public depth, then secret bytes 0..7
NR_KILL = 129
NR_RT_SIGRETURN = 139
SW_COW = 1                       # the kernel model's copy-on-write software bit
TABLE_PAGES, INPUT_PAGES = 8, 256
NR_READ = 63
SWAP_DESC = 0x5A << 12           # a swap entry of the kernel's choosing (not a valid descriptor)
ADDR = D.ADDR_MASK


def _candidates(adv: Adversary) -> None:
    """Answer the program's first read() of standard input with 256 pages: page v holds the
    byte v at offset 0 and zeros after it (bytes a pipe could carry: the kernel's claim)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["read"] = (args[0], args[1], args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ)
    def _(a: Adversary, **_: object) -> None:
        fd, buf, count = a.memo["read"]
        if fd != 0 or count < INPUT_PAGES * PAGE:
            a.note(f"read({fd}, {buf:#x}, {count}) is not the input read")
            return
        data = b"".join(bytes([v]) + bytes(PAGE - 1) for v in range(INPUT_PAGES))
        a.kernel.uaccess.write(buf, data)
        a.set_reg("x0", len(data))


def _at_input(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    @adv.on(Point.MARKER, phase=P_INPUT)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        table, inp, got = args[0], args[1], args[2]
        if got != INPUT_PAGES * PAGE:
            a.note(f"the program read {got} bytes, not the candidates")
            return
        fn(a, table, inp)


def _plain_table(a: Adversary, table: int) -> None:
    """Without a Guardian: the table pages' bytes through the linear map."""
    got = bytes(a.read_lm(a.pa_of(table + i * PAGE), 1)[0] for i in range(TABLE_PAGES))
    a.observe(got, "the table pages through the linear map")


def _match(a: Adversary, table_keys: list[object], cand_keys: list[object], what: str) -> None:
    """Name each table page by the candidate whose answer equals its answer, where exactly
    one candidate does."""
    found = bytearray()
    hits = 0
    for key in table_keys:
        same = [v for v, c in enumerate(cand_keys) if c == key]
        hits += len(same) == 1
        found.append(same[0] if len(same) == 1 else 0)
    a.note(f"{what}: {hits} of {len(table_keys)} table pages matched one candidate")
    if hits:
        a.observe(bytes(found), f"secret bytes matched through {what}")


# --- the tag byte of a faulting address ----------------------------------------------------
@scenario(id="QZ-001", title="Read secret bytes from the tag byte (bits 63:56) of the program's "
          "first touches through tagged pointers (FAR at a page fault)", family=RT,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-ENTRY-SCRUB"), program=CORE2,
          args=(b"-t",),
          prop="At a page fault the kernel learns which page to fault in, not the tag "
               "(ignored top byte) of the pointer the program used.")
def qz_fault_tag(adv: Adversary) -> None:
    """1. After its input step the program maps eight untouched pages and loads one byte from
    each through a pointer whose top byte is secret byte 8 + i (arm64's top-byte-ignore:
    the MMU ignores bits 63:56 of a user address, and arm64 Linux lets user space keep
    data there; a tagged-pointer scheme or a hardened allocator's random tag does).
    2. Each first load is a translation fault; the kernel reads FAR_EL1 at each, keeps bits
    63:56 and then handles the fault at the untagged address (as arm64 Linux does: the
    kernel model itself does not strip the tag, see the victim's -t).
    3. The kernel holds secret bytes 8..15; the program finishes intact.
    The kernel is owed the page only: arm64's do_page_fault() strips the tag
    (untagged_addr()) before handle_mm_fault(); the tag reaches nobody but the thread's own
    signal handler, and there only with SA_EXPOSE_TAGBITS (arm64_notify_segfault(),
    set_thread_esr()/si_addr untagged otherwise)."""
    _collect_tags(adv, P_FAULTS, 8)


def _collect_tags(adv: Adversary, phase: int, first: int) -> None:
    """From the marker `phase` on, read FAR_EL1 at every fault in the eight pages the
    program touches after P_FAULTS and keep its top byte (the tag: secret byte `first` + i
    for page i); at every such fault hand the kernel's fault handler the untagged address
    (arm64 Linux's untagged_addr(): the kernel model does not strip the tag itself)."""
    @adv.on(Point.MARKER, phase=P_FAULTS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["slots"] = args[0]

    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["got"] = {}

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, **_: object) -> None:
        base = a.memo.get("slots")
        far = a.el1.mrs(S.FAR_EL1)          # what the kernel's fault handler reads
        page = far & ((1 << 56) - 1)
        if base is None or not base <= page < base + TABLE_PAGES * PAGE:
            return
        info.far = page  # type: ignore[attr-defined]  # untagged_addr(), as Linux
        got = a.memo.get("got")
        if got is None or (page - base) // PAGE in got:
            return
        got[(page - base) // PAGE] = far >> 56
        a.note(f"fault at {far:#x}")
        if len(got) == TABLE_PAGES:
            a.observe(bytes(got[i] for i in range(TABLE_PAGES)),
                      f"tag bytes of the program's faults (secret bytes {first}..{first + 7})")


def _each_slot(a: Adversary, base: int, fn) -> None:  # type: ignore[no-untyped-def]
    """`fn(a, va, desc)` for each of the eight pages from `base` that is mapped."""
    for i in range(TABLE_PAGES):
        va = base + i * PAGE
        desc = a.mm.tables.lookup(va)
        if not desc & D.VALID:
            a.note(f"{va:#x} is not mapped")
            continue
        fn(a, va, desc)


@scenario(id="QZ-002", title="Write-protect the pages the program touched, then read the tag "
          "byte of its stores from FAR at the copy-on-write faults", family=RT,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-ENTRY-SCRUB"), program=CORE2,
          args=(b"-t",),
          prop="At a permission fault the kernel learns which page the program wrote, not the "
               "tag of the pointer it wrote through.")
def qz_cow_tag(adv: Adversary) -> None:
    """1. After the program's first loads from its eight fresh pages, the kernel makes each
    page read-only with its copy-on-write mark (as Linux leaves a page after a read fault
    maps the zero page, or after fork or a KSM merge).
    2. The program stores one byte to each page through a pointer whose top byte is secret
    byte 16 + i: each store takes a permission fault; the kernel keeps bits 63:56 of
    FAR_EL1 and breaks the copy-on-write at the untagged address.
    3. The kernel holds secret bytes 16..23; the program finishes intact.
    As QZ-001: arm64's do_page_fault() strips the tag (untagged_addr()) before
    handle_mm_fault(); the kernel is owed the page only."""
    _collect_tags(adv, P_STORES, 16)

    @adv.on(Point.MARKER, phase=P_STORES)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        def protect(a: Adversary, va: int, desc: int) -> None:
            a.mm.tables.set(va, desc | D.AP_RO | (SW_COW << 55))
        _each_slot(a, args[0], protect)
        a.el1.tlbi_all()


@scenario(id="QZ-003", title="Clear the access flag of the pages the program touched, then read "
          "the tag byte of its next loads from FAR at the access-flag faults", family=RT,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-ENTRY-SCRUB"), program=CORE2,
          args=(b"-t",),
          prop="At an access-flag fault the kernel learns which page the program touched, not "
               "the tag of the pointer it used.")
def qz_af_tag(adv: Adversary) -> None:
    """1. Before the program's last loads from its eight pages, the kernel clears the access
    flag of each page's entry (as Linux's reclaim clock, page_referenced(), ages pages).
    2. The program loads one byte from each page through a pointer whose top byte is secret
    byte 24 + i: each load takes an access-flag fault; the kernel keeps bits 63:56 of
    FAR_EL1 and sets the flag again.
    3. The kernel holds secret bytes 24..31; the program finishes intact.
    As QZ-001: the kernel is owed the page only (arm64's do_page_fault() works on
    untagged_addr(far))."""
    _collect_tags(adv, P_REREAD, 24)

    @adv.on(Point.MARKER, phase=P_REREAD)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        _each_slot(a, args[0], lambda a, va, desc: a.mm.tables.set(va, desc & ~D.AF))
        a.el1.tlbi_all()


@scenario(id="QZ-004", title="Swap out the pages the program touched, then read the tag byte of "
          "its next loads from FAR at the swap-in faults", family=RT,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-ENTRY-SCRUB", "G-SWAP-SEAL"),
          program=CORE2, args=(b"-t",),
          prop="At the fault that brings a swapped-out page back the kernel learns which page "
               "to swap in, not the tag of the pointer the program used.")
def qz_swap_tag(adv: Adversary) -> None:
    """1. Before the program's last loads from its eight pages, the kernel swaps each page
    out (SWAP_OUT under the Guardian: sealed, the entry a swap entry).
    2. The program loads one byte from each page through a pointer whose top byte is secret
    byte 24 + i: each load takes a translation fault on a swap entry; the kernel keeps
    bits 63:56 of FAR_EL1 and swaps the page back in (SWAP_IN) at the untagged address.
    3. The kernel holds secret bytes 24..31; the program finishes intact.
    As QZ-001: do_swap_page() is reached from do_page_fault() with the untagged address."""
    _collect_tags(adv, P_REREAD, 24)

    @adv.on(Point.MARKER, phase=P_REREAD)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        _each_slot(a, args[0], lambda a, va, desc: a.mm.ctx.memory.swap_out(a.mm, va, desc))
        a.el1.tlbi_all()



def _swap_stack(a: Adversary) -> int:
    """Swap out every present page of the program's stack; returns how many."""
    n = 0
    for vma in a.mm.vmas:
        if not vma.growsdown:
            continue
        for va in range(vma.start, vma.end, PAGE):
            desc = a.mm.tables.lookup(va)
            if desc & D.VALID:
                a.mm.ctx.memory.swap_out(a.mm, va, desc)
                n += 1
    a.el1.tlbi_all()
    return n


def _frame_at(a: Adversary, va: int, what: str) -> None:
    frames = a.memo["frames"]
    frames.append(va)
    a.note(f"{what}: {va:#x}")
    if len(frames) == 9:
        got = bytes(((frames[0] - f) // 16) & 0xFF for f in frames[1:])
        a.observe(got, "signal frame addresses (secret bytes 0..7)")


@scenario(id="QZ-005", title="Read the program's stack pointer from the FAULT_IN of a SIGNAL "
          "call: the exact address of a signal frame sent from a data-sized stack frame",
          family=RT, goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-SIGNAL-FAULT", "G-SIGNAL-FRAME"),
          program=CORE2,
          prop="Delivering a signal on the program's own stack, the kernel learns which pages "
               "of the stack to fault in, not where in them the frame (the stack pointer) "
               "lies.")
def qz_signal_frame_address(adv: Adversary) -> None:
    """1. The program sends itself SIGUSR1 nine times (a handler on its normal stack), each
    from a function whose stack buffer is 16 * d + 16 bytes: d = 0 the first time, then
    secret byte i (a variable-length array sized by data, as alloca() or a recursion depth
    is).
    2. As each kill() enters, the kernel swaps out every present page of the stack; the
    Guardian's SIGNAL call then answers FAULT_IN with the first absent address of the frame
    it is about to write, which is the frame's start: the program's stack pointer less the
    frame's size.
    3. The kernel keeps the first FAULT_IN address of each delivery; secret byte i is
    (first - address i) / 16. It holds secret bytes 0..7; the program finishes intact.
    Linux's kernel is owed the page to fault in, not the user's SP: under the Guardian the
    stack pointer is one of the registers the kernel never sees (as the page offset of a
    fault address, QX-014), and an answer at page granularity would do for the fault-in."""
    @adv.on(Point.MARKER, phase=P_SIGNALS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["frames"] = []
        mm = a.mm
        honest = mm.handle_fault

        def recording(va: int, write: bool, execute: bool) -> int:
            if a.memo.pop("signal", False):
                _frame_at(a, va, "first FAULT_IN of a SIGNAL call")
            return honest(va, write, execute)
        mm.handle_fault = recording  # type: ignore[method-assign]  # the kernel's own code

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_KILL, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "frames" not in a.memo:
            return
        if not a.guarded:
            # Without a Guardian the kernel writes the frame itself, below the SP it holds.
            _frame_at(a, a.reg("sp"), "SP at kill()")
            return
        a.memo["swapped"] = _swap_stack(a)
        a.memo["signal"] = False

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, **_: object) -> None:
        if call == Call.SIGNAL and a.memo.pop("swapped", 0):
            a.memo["signal"] = True



@scenario(id="QZ-006", title="Read the program's stack pointer from the FAULT_IN of the RESUME "
          "that ends rt_sigreturn: the exact address of the frame the Guardian reads back",
          family=RT, goal=Goal.LEAK, rules=("G-ENTRY-OWED", "G-SIGRETURN", "G-RESUME-CONTEXT"),
          program=CORE2,
          silent="the RESUME's FAULT_IN names the page of the frame only: nothing to refuse",
          prop="Returning from a signal handler, the kernel learns which pages of the stack "
               "to fault in, not where in them the frame (the stack pointer) lies.")
def qz_sigreturn_frame_address(adv: Adversary) -> None:
    """1. The program handles nine SIGUSR1s on its normal stack, each sent from a stack frame
    of 16 * d + 16 bytes: d = 0 the first time, then secret byte i (as QZ-005).
    2. As each handler's rt_sigreturn() enters, the kernel swaps out every present page of
    the stack; the RESUME that ends the call answers FAULT_IN with the first absent address
    of the frame the Guardian must read back: the program's stack pointer.
    3. The kernel keeps that address at each return; secret byte i is (first - address i)
    / 16. It holds secret bytes 0..7; the program finishes intact.
    As QZ-005: the kernel is owed the page to bring back, not the user's SP, which the
    Guardian otherwise keeps from it. (Refused: this FAULT_IN names the page only.)"""
    @adv.on(Point.MARKER, phase=P_SIGNALS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["frames"] = []
        mm = a.mm
        honest = mm.handle_fault

        def recording(va: int, write: bool, execute: bool) -> int:
            if a.memo.pop("sigreturn", False):
                _frame_at(a, va, "first FAULT_IN of the RESUME after rt_sigreturn")
            return honest(va, write, execute)
        mm.handle_fault = recording  # type: ignore[method-assign]  # the kernel's own code

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGRETURN, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "frames" not in a.memo:
            return
        if not a.guarded:
            _frame_at(a, a.reg("sp"), "SP at rt_sigreturn()")
            return
        _swap_stack(a)
        a.memo["sigreturn"] = True


SEAL_HEADER = 16                 # bytes of cleartext header before the ciphertext


@scenario(id="QZ-007", title="Match each low-entropy page's sealed swap copy (its length and "
          "cleartext header) against the seals of 256 candidate pages the kernel wrote", family=RT,
          goal=Goal.LEAK, rules=("G-SWAP-SEAL", "G-KEYS-PRIVATE", "G-ENTRY-OWED"), program=CORE,
          silent="every seal has the same length and a header that holds only the version, "
                 "so no candidate's seal matches a table page's: nothing to refuse",
          prop="A page's sealed swap copy reveals nothing of its contents: not its length, "
               "not a header, not whether it is all zeros or low-entropy.")
def qz_seal_shape(adv: Adversary) -> None:
    """1. The program keeps eight pages each holding one secret byte at offset 0 (zeros
    elsewhere); the kernel answers its read() of standard input with 256 candidate pages
    (byte v, then zeros), as QX-009 does.
    2. At the marker after the read the kernel swaps out each table page and each candidate
    page (SWAP_OUT under the Guardian), keeps the seal's length and its cleartext header
    with the version field cleared, and swaps each page straight back in.
    3. Were seals compressed, or their headers to carry anything of the plaintext (a zero
    page flag, a length, a checksum), the one candidate whose seal has a table page's shape
    would name that page's secret byte.
    Linux writes a page to swap as it is (or compressed by zswap): under the Guardian the
    kernel holds only the sealed copy, which must not tell it more than the page's address
    and version."""
    _candidates(adv)

    def shape(a: Adversary, va: int) -> object:
        blob = _swap_round_trip(a, va)
        if blob is None:
            return None
        if not a.guarded:
            return blob                      # the page itself: the kernel's own swap
        return (len(blob), blob[:8], blob[12:SEAL_HEADER])   # the version (bytes 8..11) left out

    def go(a: Adversary, table: int, inp: int) -> None:
        cand = [shape(a, inp + v * PAGE) for v in range(INPUT_PAGES)]
        keys = [shape(a, table + i * PAGE) for i in range(TABLE_PAGES)]
        _match(a, keys, cand, "seal shapes")
    _at_input(adv, go)


def _swap_round_trip(a: Adversary, va: int) -> bytes | None:
    """Swap the page at `va` out and straight back in; returns what the kernel held."""
    desc = a.mm.tables.lookup(va)
    if not desc & D.VALID:
        return None
    pa = desc & ADDR
    if a.guarded:
        st, _, blob = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, SWAP_DESC))
        if st:
            return None
        a.kernel.frames.put(pa)
        frame = a.alloc_frame()
        st, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame,
                                             (desc & ~ADDR) | frame), blob)
        if st:
            a.note(f"SWAP_IN {va:#x}: {Status(st).name}")
        return blob
    return a.read_lm(pa)



@scenario(id="QZ-008", title="Match each low-entropy page's MIGRATE_PAGE answer (status and value) "
          "against those of 256 candidate pages the kernel wrote", family=RT,
          goal=Goal.LEAK, rules=("G-MIGRATE", "G-KEYS-PRIVATE", "G-ENTRY-OWED"), program=CORE,
          silent="MIGRATE_PAGE answers OK and the same value for every page whatever it "
                 "holds: nothing to refuse",
          prop="Whether MIGRATE_PAGE succeeds, and what it answers, reveals nothing of the "
               "page's contents.")
def qz_migrate_answers(adv: Adversary) -> None:
    """1. As QZ-007: eight table pages with one secret byte each; the kernel answers the
    program's read() of standard input with 256 candidate pages (byte v, then zeros).
    2. At the marker after the read the kernel migrates each table page and each candidate
    page to a fresh frame (MIGRATE_PAGE under the Guardian) and keeps the status and value
    of each answer.
    3. Were an answer to depend on the contents (a zero page refused or deduplicated, a
    checksum returned), the one candidate whose answer equals a table page's would name its
    secret byte.
    Linux's migrate_pages() copies the page in the kernel that already reads it; under the
    Guardian the kernel must learn nothing of the contents from the call's answer."""
    _candidates(adv)

    def answer(a: Adversary, va: int) -> object:
        desc = a.mm.tables.lookup(va)
        if not desc & D.VALID:
            return None
        frame = a.alloc_frame()
        if not a.guarded:
            data = a.read_lm(desc & ADDR)
            a.write_lm(frame, data)
            a.mm.tables.set(va, (desc & ~ADDR) | frame)
            a.el1.tlbi_all()
            return data
        st, value = a.el1.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, frame)
        if st:
            a.kernel.frames.put(frame)
        return (st, value)

    def go(a: Adversary, table: int, inp: int) -> None:
        cand = [answer(a, inp + v * PAGE) for v in range(INPUT_PAGES)]
        keys = [answer(a, table + i * PAGE) for i in range(TABLE_PAGES)]
        a.note(f"answers: {sorted({repr(k) for k in keys})[:3]}")
        _match(a, keys, cand, "MIGRATE_PAGE answers")
    _at_input(adv, go)
