"""The kernel-Guardian contract: call numbers, frame kinds, return codes, specs.

Pure data.  Both the kernel model (caller) and the Guardian (callee) import
it; neither imports the other.  Each call carries a machine-readable
specification in the style of TF-RMM's command tables: the arguments (as
they travel in x1..x5), the preconditions checked in order (the first that
fails decides the return code), and the effects on success.  Tests generate
call sequences and expected outcomes from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Call(IntEnum):
    """Guardian call numbers (x0 of an HVC #0 from EL1)."""

    SET_PT = 0xCA0          # write one translation-table entry
    SET_PTBR = 0xCA1        # switch the user address space (TTBR0)
    FREE_PGD = 0xCA2        # tear down an address space's table tree
    REGISTER_PT = 0xCA3     # turn a free kernel frame into a table page
    RELEASE_PT = 0xCA4      # return an unreferenced table page to the kernel
    SET_SYSREG = 0xCA5      # a trapped EL1 system-register write (HCR_EL2.TVM)
    CREATE_DOMAIN = 0xCB0   # exec of a confidential image: its tree becomes a new domain
    FORK_DOMAIN = 0xCB1     # clone/fork of a confidential thread: the child's context
    RESUME = 0xCB2          # return to a confidential thread (only the result comes from the kernel)
    USER_READ = 0xCB3       # copy_from_user for a confidential thread (capability-checked)
    USER_WRITE = 0xCB4      # copy_to_user for a confidential thread (capability-checked)
    COPY_PAGE = 0xCB5       # CoW/migration copy of a frame the kernel cannot read
    SIGNAL = 0xCB6          # deliver a signal with the handler the user registered
    USER_STRING = 0xCB7     # strncpy_from_user for a confidential thread (capability-checked)


class FrameKind(IntEnum):
    """What a physical frame is, in the Guardian's per-frame table."""

    FREE = 0                # owned by the kernel's allocator, unmapped anywhere but the linear map
    KERNEL = 1              # kernel data
    USER = 2                # mapped by some user address space
    CONFIDENTIAL = 3        # a confidential process's page: only its owner may map it
    PAGE_TABLE = 4          # a translation-table page: read-only to the kernel
    GUARDIAN = 5            # the Guardian's own memory: never mapped for the kernel


class Status(IntEnum):
    """Return codes (x0 after the call).  Every refusal leaves Guardian state unchanged."""

    OK = 0
    ERR_ALIGN = 1           # an address is not aligned as the call requires
    ERR_RANGE = 2           # an address or index is outside what the call accepts
    ERR_KIND = 3            # a frame is not of the kind the call requires
    ERR_STATE = 4           # the frame or entry is in the wrong state (e.g. has a parent)
    ERR_OWNER = 5           # the frame belongs to someone else
    ERR_DENIED = 6          # the request is well-formed but breaks a protection rule
    ERR_UNKNOWN_CALL = 7    # no such call
    ERR_REFUSED_SYSREG = 8  # the system-register value is not allowed
    FAULT_IN = 9            # not an error: page the user address in x1 in, then call again


@dataclass(frozen=True)
class CallSpec:
    call: Call
    args: tuple[str, ...]
    preconditions: tuple[tuple[str, Status], ...]   # (rule, status when it fails), in order
    effects: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.call.name


SPECS: dict[Call, CallSpec] = {
    Call.REGISTER_PT: CallSpec(
        Call.REGISTER_PT, ("frame_pa", "level"),
        (("frame_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("frame_pa is in RAM and level is 0..3", Status.ERR_RANGE),
         ("frame is FREE or KERNEL", Status.ERR_KIND),
         ("frame is not mapped by any user table", Status.ERR_STATE)),
        ("frame is zeroed", "frame kind becomes PAGE_TABLE with the given level and no parent",
         "the kernel's linear-map entry for the frame becomes read-only"),
    ),
    Call.SET_PT: CallSpec(
        Call.SET_PT, ("table_pa", "index", "descriptor"),
        (("table_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("table_pa is in RAM and index < 512", Status.ERR_RANGE),
         ("table_pa is a PAGE_TABLE frame", Status.ERR_KIND),
         ("a table descriptor names a PAGE_TABLE frame one level down with no parent",
          Status.ERR_STATE),
         ("a leaf names RAM that is not GUARDIAN or PAGE_TABLE memory, and a CONFIDENTIAL "
          "frame only in its owner's tree", Status.ERR_DENIED)),
        ("the old entry's references are dropped (child table loses its parent, leaf frame "
         "loses a mapping)", "the entry is written", "the new entry's references are taken",
         "the translation for that entry is invalidated"),
    ),
    Call.SET_PTBR: CallSpec(
        Call.SET_PTBR, ("ttbr0",),
        (("the base is 4 KiB aligned", Status.ERR_ALIGN),
         ("the base is a level-0 PAGE_TABLE frame with no parent", Status.ERR_KIND)),
        ("TTBR0_EL1 holds the value", "the TLB is invalidated"),
    ),
    Call.FREE_PGD: CallSpec(
        Call.FREE_PGD, ("root_pa",),
        (("root_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("root_pa is a level-0 PAGE_TABLE frame with no parent", Status.ERR_KIND),
         ("root_pa is not the live TTBR0", Status.ERR_STATE)),
        ("every table of the tree becomes FREE and writable to the kernel again",
         "every leaf mapping of the tree is dropped"),
    ),
    Call.RELEASE_PT: CallSpec(
        Call.RELEASE_PT, ("frame_pa",),
        (("frame_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("frame_pa is a PAGE_TABLE frame", Status.ERR_KIND),
         ("the table has no parent and no valid entries", Status.ERR_STATE)),
        ("frame kind becomes FREE", "the linear-map entry becomes writable again"),
    ),
    Call.CREATE_DOMAIN: CallSpec(
        Call.CREATE_DOMAIN, ("root_pa", "entry", "sp"),
        (("root_pa is a level-0 table with no parent", Status.ERR_KIND),
         ("the tree is not already confidential", Status.ERR_STATE),
         ("the payload is the sha256 of an image the user admitted, and entry is its "
          "entry point (plus a page-aligned bias for position-independent images)",
          Status.ERR_DENIED)),
        ("a new protection domain owns the tree; frames it maps leave the linear map",
         "every image page is checked against its measurement when first mapped",
         "a saved context (entry, sp) is created; its slot id is returned"),
    ),
    Call.FORK_DOMAIN: CallSpec(
        Call.FORK_DOMAIN, ("child_root_pa", "parent_slot", "flags"),
        (("the parent slot is a clone/clone3 in progress", Status.ERR_STATE),
         ("child_root_pa is 0 (same address space) or a fresh root table", Status.ERR_KIND)),
        ("the child tree joins the parent's domain",
         "the child context is the parent's with x0 = 0 (stack/TLS from the saved args)"),
    ),
    Call.RESUME: CallSpec(
        Call.RESUME, ("slot", "result", "elr"),
        (("the slot is a saved context of the live address space's domain", Status.ERR_STATE),
         ("elr is the saved ELR, or ELR-4 for a syscall restart", Status.ERR_DENIED)),
        ("the saved context is restored with x0 = result (syscalls)",
         "EPD0 is cleared and VBAR names the Guardian's vector table", "the slot is consumed"),
    ),
    Call.USER_READ: CallSpec(
        Call.USER_READ, ("slot", "va", "length"),
        (("the slot is a syscall in progress of the live domain", Status.ERR_STATE),
         ("a capability of the syscall (or a long-lived one) covers the range for reading",
          Status.ERR_DENIED),
         ("every page is present (else: fault it in and retry)", Status.FAULT_IN)),
        ("the bytes are returned",),
    ),
    Call.USER_WRITE: CallSpec(
        Call.USER_WRITE, ("slot", "va", "length"),
        (("the slot is a syscall in progress of the live domain", Status.ERR_STATE),
         ("a capability covers the range for writing", Status.ERR_DENIED),
         ("every page is present and writable (else: fault in and retry)", Status.FAULT_IN)),
        ("the bytes are written",),
    ),
    Call.USER_STRING: CallSpec(
        Call.USER_STRING, ("slot", "va", "max_length"),
        (("the slot is a syscall in progress of the live domain", Status.ERR_STATE),
         ("a capability covers the string and its terminating NUL", Status.ERR_DENIED),
         ("every page is present (else: fault it in and retry)", Status.FAULT_IN)),
        ("the bytes before the NUL are returned",),
    ),
    Call.COPY_PAGE: CallSpec(
        Call.COPY_PAGE, ("dst_pa", "src_pa"),
        (("both are RAM pages", Status.ERR_RANGE),
         ("dst is a FREE/KERNEL frame with no user mappings", Status.ERR_KIND),
         ("src is not GUARDIAN or PAGE_TABLE memory", Status.ERR_DENIED)),
        ("dst holds a copy of src", "dst joins src's domain if src is confidential"),
    ),
    Call.SIGNAL: CallSpec(
        Call.SIGNAL, ("slot", "signo", "mask", "ss_sp", "ss_flags", "ss_size", "result", "elr"),
        (("the slot is a saved context of the live domain", Status.ERR_STATE),
         ("the user registered a handler for signo (and the trampoline is intact)",
          Status.ERR_DENIED),
         ("the frame's pages are present and writable (else: fault in and retry)",
          Status.FAULT_IN)),
        ("the frame is written from the saved context", "the context enters the handler",
         "the handler address is returned"),
    ),
    Call.SET_SYSREG: CallSpec(
        Call.SET_SYSREG, ("register", "value"),
        (("register is TTBR0/TTBR1/TCR/SCTLR/VBAR/MAIR of EL1", Status.ERR_RANGE),
         ("the value keeps the Guardian's guarantees (same TTBR1 root, MMU on, WXN unchanged, "
          "VBAR a registered table)", Status.ERR_REFUSED_SYSREG)),
        ("the register holds the value",),
    ),
}
