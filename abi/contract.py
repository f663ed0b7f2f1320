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
    CLEAR_PT_RANGE = 0xCA6  # clear consecutive entries of one table (munmap), each as SET_PT
    CREATE_DOMAIN = 0xCB0   # exec of a confidential image: its tree becomes a new domain
    FORK_DOMAIN = 0xCB1     # clone/fork of a confidential thread: the child's context
    RESUME = 0xCB2          # return to a confidential thread (only the result comes from the kernel)
    USER_READ = 0xCB3       # copy_from_user for a confidential thread (capability-checked)
    USER_WRITE = 0xCB4      # copy_to_user for a confidential thread (capability-checked)
    COPY_PAGE = 0xCB5       # CoW/migration copy of a frame the kernel cannot read
    SIGNAL = 0xCB6          # deliver a signal with the handler the user registered
    USER_STRING = 0xCB7     # strncpy_from_user for a confidential thread (capability-checked)
    # Secure memory management for confidential address spaces: the kernel decides
    # policy (which page, when, where to); the Guardian performs the mechanism.
    SWAP_OUT = 0xCC0        # seal a page for the swap device and scrub its frame
    SWAP_IN = 0xCC1         # verify and unseal a page into a frame the kernel supplies
    SWAP_SHARE = 0xCC2      # fork: the child's tree may also swap in a sealed page
    SWAP_DISCARD = 0xCC3    # a tree gives up a sealed page without swapping it in
    MIGRATE_PAGE = 0xCC4    # copy a page to another frame and remap it, atomically
    PAGE_DIGEST = 0xCC5     # keyed digest of a page or a run (KSM candidate matching in a domain)
    KSM_MERGE = 0xCC6       # map two identical pages of one domain to one read-only frame
    THP_COLLAPSE = 0xCC7    # replace a table of 512 contiguous pages by a 2 MiB block
    THP_SPLIT = 0xCC8       # replace a 2 MiB block by a table of 512 pages
    COMPRESS_PAGE = 0xCC9   # compress a page for zswap: always refused (see SPECS)
    RECLAIM_PAGE = 0xCCA    # take back a share page the Guardian held between mappings
    EXIT_DOMAIN = 0xCB8     # a confidential address space is torn down (exit, kill, exec)


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
    ERR_AUTH = 10           # a sealed page fails authentication (tampered or transplanted)
    ERR_STALE = 11          # a sealed page is not an outstanding version (replayed or used up)
    ERR_UNSUPPORTED = 12    # the design cannot serve the request at all (compression)


@dataclass(frozen=True, eq=False, repr=False)
class CallSpec:
    call: Call
    args: tuple[str, ...]
    preconditions: tuple[tuple[str, Status], ...]   # (rule, status when it fails), in order
    effects: tuple[str, ...]
    #: Arguments the call reads as a narrower signed C type, sign-extended from the 64-bit
    #: register: (name, lowest, highest).  A value outside is refused (ERR_RANGE) where the
    #: call is unpacked, before any handler sees it.
    narrow_args: tuple[tuple[str, int, int], ...] = ()

    @property
    def name(self) -> str:
        return self.call.name


#: The precondition a call with `narrow_args` checks first.
ARG_RANGE_RULE = "every argument read as a narrower C type is in its range (CallSpec.narrow_args)"
NSIG = 64                                   # signals 1..64 (arm64 Linux _NSIG)
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1

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
        Call.SET_PT, ("table_pa", "index", "descriptor", "zero_fill"),
        (("table_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("table_pa is in RAM and index < 512", Status.ERR_RANGE),
         ("table_pa is a PAGE_TABLE frame", Status.ERR_KIND),
         ("a table descriptor names a PAGE_TABLE frame one level down with no parent",
          Status.ERR_STATE),
         ("a leaf names RAM that is not GUARDIAN or PAGE_TABLE memory, and a CONFIDENTIAL "
          "frame only in its owner's tree; the last mapping of a confidential page goes only "
          "through the program's own munmap/madvise/brk/mremap/exit/execve or after "
          "EXIT_DOMAIN", Status.ERR_DENIED)),
        ("the old entry's references are dropped (child table loses its parent, leaf frame "
         "loses a mapping)", "the entry is written", "the new entry's references are taken",
         "the translation for that entry is invalidated",
         "zero_fill non-zero, for a page entering a confidential tree where it must hold "
         "zeros (no image, signal or admitted-file page, whatever input a file mapping "
         "may carry there): the Guardian zero-fills the frame as it is written, in place of "
         "reading it to check that it holds zeros; anywhere else zero_fill changes nothing"),
    ),
    Call.CLEAR_PT_RANGE: CallSpec(
        Call.CLEAR_PT_RANGE, ("table_pa", "index", "count"),
        (("table_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("table_pa is in RAM, count > 0 and index + count <= 512", Status.ERR_RANGE),
         ("table_pa is a PAGE_TABLE frame", Status.ERR_KIND),
         ("every entry in the range may be cleared as SET_PT of 0 may: the last mapping of a "
          "confidential page goes only through the program's own munmap/madvise/brk/mremap/"
          "exit/execve or after EXIT_DOMAIN", Status.ERR_DENIED)),
        ("nothing changes unless every entry in the range passes",
         "each entry is cleared as SET_PT(table_pa, i, 0) clears it, in index order: its "
         "references are dropped and its translation is invalidated"),
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
        Call.CREATE_DOMAIN, ("root_pa", "entry", "sp", "exec_slot"),
        (("root_pa is a level-0 table with no parent", Status.ERR_KIND),
         ("the tree is not already confidential", Status.ERR_STATE),
         ("the payload is the sha256 of an image the user admitted, and entry is its "
          "entry point (plus a page-aligned bias for position-independent images)",
          Status.ERR_DENIED),
         ("exec_slot is 0 (the user's launch) or the slot of a confidential program's "
          "execve in progress, and the initial stack's argv and envp strings are the ones "
          "that program passed", Status.ERR_DENIED)),
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
         ("the live tree is the slot's own address space (or the fork child whose "
          "CLONE_CHILD_SETTID word the clone writes)", Status.ERR_DENIED),
         ("a capability of the syscall (or a long-lived one) covers the range for reading",
          Status.ERR_DENIED),
         ("every page is present (else: fault it in and retry)", Status.FAULT_IN)),
        ("the bytes are returned",),
    ),
    Call.USER_WRITE: CallSpec(
        Call.USER_WRITE, ("slot", "va", "length"),
        (("the slot is a syscall in progress of the live domain", Status.ERR_STATE),
         ("the live tree is the slot's own address space (or the fork child whose "
          "CLONE_CHILD_SETTID word the clone writes)", Status.ERR_DENIED),
         ("a capability covers the range for writing", Status.ERR_DENIED),
         ("every page is present and writable (else: fault in and retry)", Status.FAULT_IN)),
        ("the bytes are written",),
    ),
    Call.USER_STRING: CallSpec(
        Call.USER_STRING, ("slot", "va", "max_length"),
        (("the slot is a syscall in progress of the live domain", Status.ERR_STATE),
         ("the live tree is the slot's own address space (or the fork child whose "
          "CLONE_CHILD_SETTID word the clone writes)", Status.ERR_DENIED),
         ("a capability covers the string and its terminating NUL", Status.ERR_DENIED),
         ("every page is present (else: fault it in and retry)", Status.FAULT_IN)),
        ("the bytes before the NUL are returned",),
    ),
    Call.EXIT_DOMAIN: CallSpec(
        Call.EXIT_DOMAIN, ("root_pa",),
        (("root_pa is a confidential address space's root", Status.ERR_KIND),),
        ("no saved context of that address space can be resumed any more",
         "its confidential pages may then be unmapped (and are scrubbed as they go)"),
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
        ((ARG_RANGE_RULE, Status.ERR_RANGE),
         ("the slot is a saved context of the live domain", Status.ERR_STATE),
         ("the user registered a handler for signo (and the trampoline is intact)",
          Status.ERR_DENIED),
         ("the frame's pages are present and writable (else: fault in and retry)",
          Status.FAULT_IN)),
        ("the frame is written from the saved context", "the context enters the handler",
         "the handler address is returned"),
        (("signo", 1, NSIG), ("ss_flags", INT32_MIN, INT32_MAX)),
    ),
    Call.SET_SYSREG: CallSpec(
        Call.SET_SYSREG, ("register", "value"),
        (("register is TTBR0/TTBR1/TCR/SCTLR/VBAR/MAIR of EL1", Status.ERR_RANGE),
         ("the value keeps the Guardian's guarantees (same TTBR1 root, MMU on, WXN unchanged, "
          "VBAR a registered table)", Status.ERR_REFUSED_SYSREG)),
        ("the register holds the value",),
    ),
}

_CONF_ROOT = "root_pa is the root of a confidential address space"
_PAGE_MAPPED = "va is mapped by a 4 KiB page entry of that tree"
_OWNED = "the frame is a CONFIDENTIAL frame of the tree's domain"
_ALONE = "no other entry maps the frame"
_FRESH_FRAME = "frame is a FREE or KERNEL frame with no user mappings"

SPECS.update({
    Call.SWAP_OUT: CallSpec(
        Call.SWAP_OUT, ("root_pa", "va", "swap_descriptor"),
        (("va is 4 KiB aligned", Status.ERR_ALIGN),
         ("va is a user address and swap_descriptor is non-zero with bit 0 clear",
          Status.ERR_RANGE),
         (_CONF_ROOT, Status.ERR_KIND),
         (_PAGE_MAPPED, Status.ERR_STATE),
         (_OWNED, Status.ERR_OWNER),
         (_ALONE, Status.ERR_STATE)),
        ("the page is sealed with AES-GCM under the domain's key, bound to (domain, va, "
         "version), and the sealed bytes are returned; the version is the value",
         "the version is outstanding for this tree", "the entry becomes swap_descriptor",
         "the frame is scrubbed, becomes FREE and is back in the kernel's linear map"),
    ),
    Call.SWAP_IN: CallSpec(
        Call.SWAP_IN, ("root_pa", "va", "frame_pa", "descriptor"),
        (("va and frame_pa are 4 KiB aligned", Status.ERR_ALIGN),
         ("va is a user address and frame_pa is RAM", Status.ERR_RANGE),
         (_CONF_ROOT, Status.ERR_KIND),
         (_FRESH_FRAME, Status.ERR_KIND),
         ("the tree has a level-3 table for va and the entry is not valid", Status.ERR_STATE),
         ("descriptor is a valid 4 KiB page descriptor naming frame_pa", Status.ERR_DENIED),
         ("the payload's version is outstanding for this tree (not replayed, not already "
          "swapped in)", Status.ERR_STALE),
         ("the payload was sealed for this va and authenticates under the domain's key (not "
          "tampered, not transplanted)", Status.ERR_AUTH)),
        ("frame_pa holds the plaintext, becomes a CONFIDENTIAL frame of the domain and leaves "
         "the linear map", "the entry becomes descriptor",
         "this tree's claim on the version is used up"),
    ),
    Call.SWAP_SHARE: CallSpec(
        Call.SWAP_SHARE, ("src_root_pa", "dst_root_pa", "va", "version"),
        (("va is 4 KiB aligned", Status.ERR_ALIGN),
         ("both roots are roots of confidential address spaces", Status.ERR_KIND),
         ("both trees belong to the same protection domain", Status.ERR_OWNER),
         ("version is outstanding for src_root_pa at va", Status.ERR_STALE),
         ("dst_root_pa is a fork child being copied from src_root_pa (no user code of either "
          "has run since FORK_DOMAIN)", Status.ERR_DENIED)),
        ("dst_root_pa may also swap the sealed page in, once",),
    ),
    Call.SWAP_DISCARD: CallSpec(
        Call.SWAP_DISCARD, ("root_pa", "va", "version"),
        (("va is 4 KiB aligned", Status.ERR_ALIGN),
         (_CONF_ROOT, Status.ERR_KIND),
         ("version is outstanding for this tree at va", Status.ERR_STALE),
         ("the program's own unmapping (or its exit) covers va", Status.ERR_DENIED)),
        ("this tree's claim on the version is dropped (the record goes with the last claim)",),
    ),
    Call.MIGRATE_PAGE: CallSpec(
        Call.MIGRATE_PAGE, ("root_pa", "va", "new_frame_pa"),
        (("va and new_frame_pa are 4 KiB aligned", Status.ERR_ALIGN),
         ("va is a user address and new_frame_pa is RAM", Status.ERR_RANGE),
         (_CONF_ROOT, Status.ERR_KIND),
         ("new frame is a FREE or KERNEL frame with no user mappings", Status.ERR_KIND),
         (_PAGE_MAPPED, Status.ERR_STATE),
         (_OWNED, Status.ERR_OWNER),
         (_ALONE, Status.ERR_STATE)),
        ("new_frame_pa holds a copy and becomes a CONFIDENTIAL frame of the domain",
         "the entry names new_frame_pa with its old attributes (one step)",
         "the old frame is scrubbed, becomes FREE and is back in the linear map"),
    ),
    Call.PAGE_DIGEST: CallSpec(
        Call.PAGE_DIGEST, ("root_pa", "va", "count"),
        (("va is 4 KiB aligned", Status.ERR_ALIGN),
         (_CONF_ROOT, Status.ERR_KIND),
         (_PAGE_MAPPED, Status.ERR_STATE),
         (_OWNED, Status.ERR_OWNER)),
        ("a 64-bit digest keyed by the domain's key is returned: equal pages of one domain "
         "have equal digests, nothing else about the contents is revealed",
         "count 2 or more: the digests of the run of pages from va (at most 64, ending before "
         "the first page the preconditions would refuse or the end of the user half) are "
         "copied out, 8 bytes each, least significant byte first, and their number is "
         "returned instead"),
    ),
    Call.KSM_MERGE: CallSpec(
        Call.KSM_MERGE, ("root_a", "va_a", "root_b", "va_b", "software_bits"),
        (("va_a and va_b are 4 KiB aligned", Status.ERR_ALIGN),
         ("both roots are roots of confidential address spaces", Status.ERR_KIND),
         ("both trees belong to the same protection domain", Status.ERR_DENIED),
         ("both va are mapped by 4 KiB page entries naming different frames", Status.ERR_STATE),
         ("both frames are CONFIDENTIAL frames of the domain", Status.ERR_OWNER),
         ("the two pages are byte for byte identical", Status.ERR_DENIED)),
        ("both entries name frame a, read-only, with the kernel's software bits set to "
         "software_bits (its copy-on-write mark)",
         "frame b loses the mapping (scrubbed and FREE if it was the last)"),
    ),
    Call.THP_COLLAPSE: CallSpec(
        Call.THP_COLLAPSE, ("root_pa", "va"),
        (("va is 2 MiB aligned", Status.ERR_ALIGN),
         ("va is a user address", Status.ERR_RANGE),
         (_CONF_ROOT, Status.ERR_KIND),
         ("the level-2 entry for va names a level-3 table whose 512 entries map 512 "
          "contiguous frames from a 2 MiB-aligned base with identical attributes",
          Status.ERR_STATE),
         ("every frame is a CONFIDENTIAL frame of the domain mapped only there",
          Status.ERR_OWNER)),
        ("the level-2 entry becomes a 2 MiB block with the pages' attributes",
         "the level-3 table is scrubbed, becomes FREE and writable; its PA is the value"),
    ),
    Call.THP_SPLIT: CallSpec(
        Call.THP_SPLIT, ("root_pa", "va", "table_pa"),
        (("va is 2 MiB aligned and table_pa 4 KiB aligned", Status.ERR_ALIGN),
         ("va is a user address and table_pa is RAM", Status.ERR_RANGE),
         (_CONF_ROOT, Status.ERR_KIND),
         ("table frame is a FREE or KERNEL frame with no user mappings", Status.ERR_KIND),
         ("the level-2 entry for va is a block mapping", Status.ERR_STATE)),
        ("table_pa becomes a level-3 PAGE_TABLE (read-only to the kernel) with 512 page "
         "entries carrying the block's attributes", "the level-2 entry names that table"),
    ),
    Call.COMPRESS_PAGE: CallSpec(
        Call.COMPRESS_PAGE, ("root_pa", "va"),
        (("never satisfied: the kernel may not see a confidential page's plaintext and "
          "ciphertext does not compress", Status.ERR_UNSUPPORTED),),
        ("none: the kernel falls back to sealed swap",),
    ),
    Call.RECLAIM_PAGE: CallSpec(
        Call.RECLAIM_PAGE, ("frame_pa",),
        (("frame_pa is 4 KiB aligned", Status.ERR_ALIGN),
         ("frame_pa is in RAM", Status.ERR_RANGE),
         ("the frame is a page of a MAP_SHARED share the Guardian holds with no mapping "
          "(its last mapping went while the share's pages stay, as a memfd's do)",
          Status.ERR_STATE)),
        ("the frame is scrubbed", "frame kind becomes FREE",
         "the linear-map entry becomes writable again"),
    ),
})

