"""The Guardian's rules, named so that scenarios and docs/traceability.md can cite them.

Each rule is one protection the Guardian (or, for DMA, the filter it
provides) promises, with the place that enforces it.  `validated` follows
the Arm ACS tables: YES (scenarios exercise it), or why not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    where: str
    validated: str = "YES"


RULES: tuple[Rule, ...] = (
    Rule("G-LM-OWN", "The kernel's linear map and the tables behind TTBR1 are Guardian "
         "memory, absent from the map they build.", "guardian/monitor.py _build_linear_map"),
    Rule("G-LM-UNMAP", "A frame that joins a confidential domain leaves the kernel's linear "
         "map.", "guardian/confidential.py protect_frame"),
    Rule("G-TLB-FLUSH", "Every change to the kernel's view (linear map, EPD0) invalidates "
         "cached translations, the EL1 face's included.", "guardian/monitor.py _flush"),
    Rule("G-PT-RO", "A registered table page is read-only in the linear map; translations "
         "change only through SET_PT.", "abi SPECS REGISTER_PT; guardian/monitor.py"),
    Rule("G-SETPT-NO-PT-LEAF", "A leaf never maps a PAGE_TABLE frame.", "abi SPECS SET_PT"),
    Rule("G-SETPT-NO-GUARDIAN", "A leaf never maps a GUARDIAN frame.", "abi SPECS SET_PT"),
    Rule("G-SETPT-ONE-PARENT", "A table descriptor names a table with no other parent.",
         "abi SPECS SET_PT"),
    Rule("G-SETPT-CONF-OWNER", "A CONFIDENTIAL frame is mapped only by its own domain's "
         "trees.", "abi SPECS SET_PT"),
    Rule("G-CONF-EXCLUSIVE", "A frame becomes confidential only if no other address space "
         "maps it (at SET_PT and at CREATE_DOMAIN).", "guardian/monitor.py, confidential.py"),
    Rule("G-RELEASE-UNUSED", "RELEASE_PT takes back only a table with no parent and no "
         "entries.", "abi SPECS RELEASE_PT"),
    Rule("G-FREEPGD-NOT-LIVE", "FREE_PGD refuses the live TTBR0 tree.", "abi SPECS FREE_PGD"),
    Rule("G-RELEASE-SCRUB", "A confidential frame is scrubbed before it returns to the "
         "kernel.", "guardian/confidential.py release_frame"),
    Rule("G-COPY-SRC", "COPY_PAGE never reads the Guardian's memory or a table page.",
         "abi SPECS COPY_PAGE"),
    Rule("G-COPY-CONF-DST", "A copy of a confidential frame joins its domain.",
         "abi SPECS COPY_PAGE"),
    Rule("G-COPY-DST-UNMAPPED", "COPY_PAGE writes only into a FREE/KERNEL frame no user table "
         "maps.", "abi SPECS COPY_PAGE"),
    Rule("G-EPD0", "While the kernel runs with a confidential TTBR0, TCR_EL1.EPD0 is set.",
         "guardian/confidential.py _set_kernel_view"),
    Rule("G-EPD0-ON-SWITCH", "A TTBR0 write that names a confidential root sets EPD0 again.",
         "guardian/confidential.py on_ttbr0"),
    Rule("G-SYSREG-TCR-EPD0", "TCR_EL1 writes keep EPD0 while a confidential space is live.",
         "guardian/monitor.py check_sysreg"),
    Rule("G-SYSREG-TTBR1", "TTBR1_EL1 stays the Guardian-built linear map.",
         "guardian/monitor.py check_sysreg"),
    Rule("G-SYSREG-TTBR0", "TTBR0_EL1 names only registered root tables.",
         "guardian/monitor.py check_sysreg"),
    Rule("G-SYSREG-SCTLR", "The MMU stays on and WXN fixed.", "guardian/monitor.py check_sysreg"),
    Rule("G-SYSREG-VBAR", "VBAR_EL1 names a registered table, never the Guardian's.",
         "guardian/monitor.py check_sysreg",
         "out of scope: tests/test_guardian_kernel.py (a VBAR write while the kernel runs "
         "gains it nothing; SR-004 covers the one that would)"),
    Rule("G-ENTRY-SCRUB", "At entry from a confidential thread the register file is saved "
         "and cleared; only x0-x5/x8 of a syscall and the fault address go to the kernel.",
         "guardian/confidential.py _entry"),
    Rule("G-ENTRY-ARGS", "A syscall entry forwards only the argument registers that syscall "
         "takes.", "guardian/confidential.py _entry"),
    Rule("G-RESUME-ELR", "RESUME accepts only the saved ELR or a syscall restart.",
         "abi SPECS RESUME"),
    Rule("G-RESUME-CONTEXT", "RESUME restores the saved context; only x0 comes from the "
         "kernel.", "guardian/confidential.py resume"),
    Rule("G-RESUME-DOMAIN", "RESUME takes a slot of the live address space's domain.",
         "abi SPECS RESUME"),
    Rule("G-RESUME-ONCE", "A slot is consumed by the RESUME that uses it.", "abi SPECS RESUME"),
    Rule("G-ENTRY-VECTOR", "While a confidential thread runs, VBAR_EL1 names the Guardian's "
         "vector table (RESUME sets it), so every exception enters the Guardian first.",
         "guardian/confidential.py resume"),
    Rule("G-RESUME-EXIT", "An accepted RESUME is the exception return: the kernel does not "
         "run again before the next exception.", "guardian/confidential.py resume"),
    Rule("G-IAGO-MMAP", "mmap results lie inside the user range, never over a live area, "
         "and MAP_FIXED lands where asked.", "guardian/confidential.py _check_layout"),
    Rule("G-IAGO-BRK", "brk returns the break the program asked for, or the current one.",
         "guardian/confidential.py _check_layout"),
    Rule("G-IAGO-MREMAP", "mremap never moves an area onto another live area.",
         "guardian/confidential.py _check_layout"),
    Rule("G-IAGO-CLONE", "The parent of a fork never sees 0.", "guardian/confidential.py"),
    Rule("G-SIGNAL-HANDLER", "SIGNAL enters only a handler the program registered.",
         "abi SPECS SIGNAL"),
    Rule("G-SIGNAL-FAULT", "A fault signal follows the exception it reports, with the "
         "Guardian's siginfo.", "guardian/confidential_signals.py _fault_report"),
    Rule("G-SIGNAL-MASK", "SIGNAL never delivers a signal the thread's mask blocks (its "
         "own, a running handler's, or a sigsuspend-style wait's temporary one), and the "
         "frame saves the mask rt_sigreturn must restore.",
         "guardian/confidential_sigmask.py SignalMasks.check"),
    Rule("G-SIGNAL-FRAME", "A signal frame is written where the program's stack or its own "
         "alternate stack is.", "guardian/confidential.py signal"),
    Rule("G-SIGRETURN", "rt_sigreturn restores the context the Guardian reads from the frame.",
         "guardian/confidential.py _sigreturn"),
    Rule("G-FORK-IN-CLONE", "FORK_DOMAIN needs a clone in progress.", "abi SPECS FORK_DOMAIN"),
    Rule("G-FORK-CONTEXT", "A child context resumes only in the child's address space.",
         "abi SPECS FORK_DOMAIN"),
    Rule("G-UACCESS-CAP", "copy_from/to_user is allowed only inside a capability of the "
         "syscall being served (or a long-lived one).", "guardian/capabilities.py"),
    Rule("G-UACCESS-LIVE-SLOT", "User access names a syscall in progress of the live domain.",
         "abi SPECS USER_READ"),
    Rule("G-UACCESS-STRING", "A string read stays inside its capability, NUL included.",
         "abi SPECS USER_STRING"),
    Rule("G-CONF-INTEGRITY", "The kernel cannot replace a confidential page's contents "
         "(pages leave and return only through the secure swap ABI).",
         "guardian/secure_mm.py"),
    Rule("G-MEASURE-ADMITTED", "Only an image the user admitted becomes confidential.",
         "abi SPECS CREATE_DOMAIN"),
    Rule("G-MEASURE-ENTRY", "A confidential image starts at its measured entry point.",
         "abi SPECS CREATE_DOMAIN"),
    Rule("G-MEASURE-PAGE", "Every image page matches its measurement when first mapped.",
         "guardian/confidential.py admit_leaf"),
    Rule("G-DMA-FILTER", "Devices cannot read or write CONFIDENTIAL, GUARDIAN or PAGE_TABLE "
         "frames.", "emulator/bus_filter.py, programmed by guardian/state.py"),
    Rule("G-SWAP-SEAL", "SWAP_OUT hands the kernel the page sealed (AES-GCM under the domain's "
         "key) and scrubs the frame.", "guardian/secure_mm.py _swap_out"),
    Rule("G-SWAP-AUTH", "SWAP_IN accepts only a sealed page that authenticates.",
         "abi SPECS SWAP_IN"),
    Rule("G-SWAP-FRESH", "SWAP_IN accepts only an outstanding version (no replay).",
         "abi SPECS SWAP_IN"),
    Rule("G-SWAP-BIND", "A sealed page comes back only at the address it was sealed for.",
         "abi SPECS SWAP_IN"),
    Rule("G-MIGRATE", "MIGRATE_PAGE copies, remaps and scrubs in one step; the new frame "
         "joins the domain.", "abi SPECS MIGRATE_PAGE"),
    Rule("G-SMM-ARGS", "Secure-MM calls take only well-formed arguments: aligned user "
         "addresses and frames, a swap entry that is no valid descriptor, a destination "
         "frame that is free and mapped nowhere.", "guardian/secure_mm.py (smm.*)"),
    Rule("G-ABI-ARGS", "A frame or index a table call names stays inside the page it names "
         "(aligned, RAM, index below 512): no call writes into the next frame.",
         "guardian/page_tables.py (frame.*, set_pt.index)"),
    Rule("G-INITIAL-STACK", "A confidential program starts from an initial stack whose argv/"
         "envp point into it and whose auxv agrees with the measured images, the CPU and the "
         "stated identity, with no unmeasured vDSO and AT_RANDOM the Guardian's.",
         "guardian/initial_stack.py (create.auxv, create.initial_stack)"),
    Rule("G-KSM-DOMAIN", "KSM merges pages of one protection domain only.",
         "abi SPECS KSM_MERGE"),
    Rule("G-COMPRESS-REFUSED", "Compression of a confidential page is refused.",
         "abi SPECS COMPRESS_PAGE"),
    # The properties of the monitor as a whole (P1-P9); a scenario that still gets
    # through names its property as a gap (attacks.scenario.PROPERTIES).
    Rule("G-ONE-MAPPING", "A confidential frame is mapped at exactly one user address of its "
         "domain, except shares the Guardian itself made (KSM, CoW) and records.",
         "abi SPECS SET_PT"),
    Rule("G-MEASURE-ALL", "Every frame that becomes confidential, by any path (frames already "
         "in the tree at CREATE_DOMAIN included), is zero-filled or matches the measurement "
         "for the address the program's own request placed it at.",
         "abi SPECS CREATE_DOMAIN, SET_PT", "YES"),
    Rule("G-LEAVE-ON-REQUEST", "Pages leave the program's view only by its own munmap/madvise/"
         "brk/mremap (exactly their range), its exit or the secure swap ABI; table "
         "descriptors included.", "abi SPECS SET_PT", "YES"),
    Rule("G-KEYS-PRIVATE", "Sealing and digest keys, and the entropy a confidential program "
         "asks for, come from Guardian-private entropy the kernel cannot derive.",
         "guardian/entropy.py; guardian/confidential.py (getrandom)"),
    Rule("G-RETURN-PATHS", "RESUME, signal delivery, rt_sigreturn, a child's first run and "
         "exec share one return path; a restart only at the SVC of a restartable syscall.",
         "abi SPECS RESUME, SIGNAL", "NO: open gaps (P5)"),
    Rule("G-CLONE-ONCE", "A clone slot yields exactly one child context.",
         "abi SPECS FORK_DOMAIN", "YES"),
    Rule("G-ENTRY-OWED", "At every exception the kernel sees what it is owed and no more "
         "(no user PC at an interrupt).", "guardian/confidential.py _entry",
         "NO: open gaps (P7)"),
    Rule("G-EL0-SYSREGS", "Every SCTLR/TCR/MAIR bit that changes EL0 semantics is trapped "
         "and validated, or saved and restored around confidential execution.",
         "guardian/el0_view.py"),
    Rule("G-FACE-LOCKED", "After RESUME every operation of the EL1 face is refused until the "
         "next exception.", "emulator/el1.py", "YES"),
    Rule("G-ABI-ALIGN-RANGE", "Unaligned and out-of-RAM arguments are refused with no effect.",
         "abi SPECS (every call)", "out of scope: tests/test_guardian_abi.py"),
)


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in RULES}


#: Which of the monitor's properties (attacks.scenario.PROPERTIES) each rule serves; a
#: scenario belongs to the family of every property one of its rules serves.
PROPERTY_RULES: dict[str, tuple[str, ...]] = {
    "P1": ("G-ONE-MAPPING", "G-SETPT-CONF-OWNER", "G-CONF-EXCLUSIVE", "G-SETPT-ONE-PARENT",
           "G-COPY-CONF-DST", "G-COPY-DST-UNMAPPED", "G-KSM-DOMAIN"),
    "P2": ("G-MEASURE-ALL", "G-MEASURE-PAGE", "G-MEASURE-ADMITTED", "G-MEASURE-ENTRY"),
    "P3": ("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY"),
    "P4": ("G-KEYS-PRIVATE", "G-SWAP-SEAL", "G-SWAP-AUTH"),
    "P5": ("G-RETURN-PATHS", "G-RESUME-ELR", "G-RESUME-CONTEXT", "G-RESUME-DOMAIN",
           "G-SIGNAL-HANDLER", "G-SIGNAL-FAULT", "G-SIGNAL-MASK", "G-SIGRETURN", "G-IAGO-CLONE",
           "G-FORK-CONTEXT"),
    "P6": ("G-CLONE-ONCE", "G-RESUME-ONCE", "G-FORK-IN-CLONE"),
    "P7": ("G-ENTRY-OWED", "G-ENTRY-SCRUB", "G-ENTRY-ARGS", "G-ENTRY-VECTOR", "G-COPY-SRC"),
    "P8": ("G-EL0-SYSREGS",),
    "P9": ("G-FACE-LOCKED", "G-RESUME-EXIT"),
}
