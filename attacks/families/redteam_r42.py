"""Red-team round forty-two: the Guardian's core, a second look -- what the kernel sees at an
exception and in the answers of the secure memory-management calls.

- The tag byte of a faulting address (arm64's top-byte-ignore): the page the kernel is owed
  is the untagged one (QZ-001), on the victim `secret_r42_core2`.
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
          args=(b"-t",), gap="P7",
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
    @adv.on(Point.MARKER, phase=P_FAULTS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["slots"] = args[0]
        a.memo["got"] = {}

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, **_: object) -> None:
        base = a.memo.get("slots")
        far = a.el1.mrs(S.FAR_EL1)          # what the kernel's fault handler reads
        page = far & ((1 << 56) - 1)
        if base is None or not base <= page < base + TABLE_PAGES * PAGE:
            return
        a.memo["got"][(page - base) // PAGE] = far >> 56
        info.far = page  # type: ignore[attr-defined]  # untagged_addr(), as Linux
        a.note(f"fault at {far:#x}")
        if len(a.memo["got"]) == TABLE_PAGES:
            got = bytes(a.memo["got"][i] for i in range(TABLE_PAGES))
            a.observe(got, "tag bytes of the program's page faults")
