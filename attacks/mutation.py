"""Mutation testing of the Guardian: remove one check, see whether anything notices.

For every check in `guardian.checks.CHECKS` the Guardian is run without it
(`guardian.checks.set_mutation`, the same switch as BLINDFOLD_MUTATE) and the
attack scenarios run in mode `on`.  The mutant is *caught* when a scenario
that holds in the intact build stops holding (its status changes from pass
or closed), when the Guardian's frame table reports an invariant breach the
intact build does not, or, failing those, when a short fuzz campaign finds a
leak or an invariant breach.  A check that survives is either redundant,
untested, or not consulted by the Guardian's code at all ("unwired": its
name appears nowhere in guardian/ except the registry).

This is the control run where "Guardian off" proves nothing: keys, return
paths and the El1 face are defended by code that, removed, must make some
attack succeed.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attacks.runner import baseline_decisions, run_one
from attacks.scenario import Scenario, all_scenarios, get

HOLDS = ("pass", "closed")
GUARDIAN_DIR = Path(__file__).resolve().parent.parent / "guardian"

#: A cheap subset for CI: checks and the scenarios that must catch their removal.
CI_SUBSET: dict[str, tuple[str, ...]] = {
    "return.elr": ("RT-001", "SG-004"),
    "return.read_within_count": ("QD-037",),
    "sysreg.ttbr1": ("SR-001",),
    "set_pt.conf_owner": ("RM-001",),
    "clear_pt.range": ("AP-021",),
    "uaccess.syscall_in_progress": ("QH-003", "QH-002"),
    "swap_in.protection": ("QH-001",),
    "return.args_resident": ("QH-009", "QH-012"),
    "fork.clone_args_read": ("QH-006",),
    "create.at_random_placed": ("QH-014",),
    "swap_in.authentic": ("SM-002",),
    "set_pt.one_mapping": ("RR-029", "MM-001"),
    "set_pt.shared_writable": ("RY-013",),
    "return.lock_el1": ("EF-002",),
    "fork.one_child": ("FC-001",),
    "el0_sysregs.guardian_view": ("SR-006",),
    "entry.hide_irq_pc": ("IP-001",),
    "entry.hide_fault_offset": ("QX-014", "QZ-001"),
    "return.getrandom": ("KY-003",),
    "release_pt.kind": ("PT-009",),
    "set_pt.sealed_slot": ("AP-007",),
    "set_ptbr.kernel_view": ("AP-002",),
    "return.mmap_fresh": ("RX-007",),
    "return.self_signal": ("RX-018",),
    "create.auxv": ("AX-001",),
    "create.at_random_apart": ("QG-001",),
    "set_pt.measured_file": ("MU-001",),
    "signal.sync_witnessed": ("MU-003",),
    "signal.sender_witnessed": ("RB-009", "QY-020"),
    "signal.pending_order": ("XF-005",),
    "signal.altstack_size": ("XG-016",),
    "signal.sigio_fd": ("QA-019",),
    "signal.seccomp_trapped": ("QA-031",),
    "signal.alarm_armed": ("QA-033",),
    "signal.fault_code": ("QA-032",),
    "set_pt.subtree_owner": ("MU-006",),
    "signal.blocked": ("RW-003",),
    "signal.frame_mask": ("MU-011",),
    "signal.altstack_fit": ("MU-010",),
    "return.vfork_held": ("MU-013",),
    "signal.altstack_owner": ("MU-032",),
    "set_pt.share_one_frame": ("RV-007", "QB-016"),
    "ksm.mergeable": ("QX-009", "QX-010"),
    "create.exec_args": ("RV-020",),
    "create.exec_filename": ("QG-009",),
    "create.exec_elf_argv": ("QG-007",),
    "create.exec_real_ids": ("QG-017",),
    "return.dev_zero": ("QG-019",),
    "return.device_count": ("XB-026", "XB-015"),
    "return.admitted_count": ("XB-021",),
    "return.counter_size": ("XC-011", "XC-012"),
    "return.admitted_seek": ("XC-018", "XC-030"),
    "return.pipe_atomic": ("XC-002",),
    "return.pipe_room": ("XG-002",),
    "return.pipe_read_count": ("XC-001", "XC-039", "XC-040"),
    "return.memfd_count": ("XC-003",),
    "return.pair_glue": ("XC-033",),
    "return.running_image": ("QG-011", "QG-022"),
    "return.admitted_bytes": ("QG-014", "QG-015", "QI-015"),
    "set_pt.file_bytes": ("QG-005", "QG-006"),
    "set_pt.memfd_elsewhere": ("QG-012",),
    "signal.queued_value": ("QI-011", "QI-013"),
    "signal.timer_value": ("QI-032",),
    "return.pair_bytes": ("QI-002", "QI-004"),
    "return.record_whole": ("QI-008",),
    "return.move_offset": ("QI-033", "QI-034"),
    "return.fd_cloexec": ("QI-037",),
    "return.self_report": ("QI-017", "QI-029", "QP-011"),
    "return.machine_fact": ("QP-001", "QP-008", "QP-016"),
    "return.rcvbuf_set": ("QI-009",),
    "return.fd_nonblock": ("QI-038",),
    "return.memfd_flags": ("QW-002",),
    "return.memfd_lock": ("QW-011",),
    "return.shared_futex_waiters": ("QI-036",),
    "return.rights_kept": ("QI-024",),
    "return.named_pair": ("QS-013", "QS-020"),
    "return.stream_whole": ("QS-007", "QS-008"),
    "return.record_flags": ("QS-022", "QS-017"),
    "return.rights_trunc": ("QS-010",),
    "return.pair_ready": ("QS-012", "QS-019"),
    "return.pair_unnamed": ("QV-022", "QV-023", "QV-026", "QV-027"),
    "return.pair_waiting": ("QV-001", "QV-016", "QV-030", "QV-036"),
    "return.shut_send": ("QS-014",),
    "return.pair_mmsg": ("QS-016",),
    "return.exec_kept": ("QI-030",),
    "return.unix_name": ("QS-002", "QS-018", "QS-001"),
    "return.unix_peercred": ("QS-003", "QS-023"),
    "return.unix_listening": ("QS-005",),
    "return.unix_error": ("QS-006",),
    "return.unix_creds": ("QS-009",),
    "create.launch_args": ("MU-016",),
    "return.fd_fresh": ("QQ-001",),
    "return.output_written": ("RQ-004", "RF-001"),
    "return.time_normal": ("RF-014",),
    "return.cpu_mask": ("RF-013",),
    "return.ready_sets": ("RF-015",),
    "return.cmsg_layout": ("RF-006",),
    "return.clock_monotonic": ("RB-001",),
    "return.id_range": ("RB-002",),
    "return.value_range": ("RB-004",),
    "return.range_table": ("QC-023", "QC-001", "QA-002", "QA-009"),
    "return.credentials": ("QC-019", "QC-027"),
    "return.credentials_mapped": ("AV-003", "AV-004"),
    "return.counter_read": ("QC-006", "QC-009"),
    "return.umask_kept": ("QC-031",),
    "return.value_length": ("RQ-009",),
    "set_pt.wipe_on_fork": ("RQ-005", "WF-003"),
    "swap_share.fork_advice": ("WF-006",),
    "return.no_exit": ("RJ-007",),
    "return.string_nul": ("RK-065",),
    "return.no_contract": ("OC-001",),
    "return.epoll_data": ("RK-064",),
    "return.epoll_released": ("RH-020",),
    "return.fd_lowest": ("RF-008", "QS-011"),
    "return.fd_open": ("QQ-021",),          # (QQ-020, QQ-006: fd_never_opened too)
    "return.pipe_fifo": ("QC-045",),
    "return.pipe_count": ("QD-008",),
    "pipe.reopened": ("QQ-018",),
    "memfd.reopened": ("XC-037",),
    "return.memfd_fallocate": ("XE-039",),
    "return.fifo_direct": ("XE-021",),
    "pipe.vmspliced": ("QO-036",),
    "return.memfd_size": ("QD-005",),
    "return.memfd_bytes": ("QD-006",),
    "return.memfd_mapped": ("QI-031", "QN-033"),
    "return.memfd_seals": ("QN-001", "QN-007"),
    "set_pt.file_end": ("QN-030",),
    "return.seek_hole": ("QN-013",),
    "return.cut_unmapped": ("QN-031",),
    "return.file_offset": ("QD-025",),
    "return.eventfd_sum": ("QD-009",),
    "return.epoll_oneshot": ("RF-019",),
    "call.arg_range": ("MU-033",),
    "return.inotify_wd": ("RF-020",),
    "return.timerfd_idle": ("AW-017", "AW-018"),
    "return.timer_id": ("RF-009",),
    "return.timer_live": ("QR-009",),
    "create.exec_dispositions": ("QR-002", "QR-025"),
    "create.exec_task": ("QR-007", "QR-008"),
    "return.record_layout": ("RH-029", "RH-031"),
    "return.urandom_moved": ("RH-034",),
    "return.cpu_number": ("RH-039",),
    "uaccess.slot_tree": ("RJ-012",),
    "set_pt.fork_share": ("RJ-015",),
    "uaccess.tid_word": ("RJ-009",),
    "signal.siginfo": ("RJ-001",),
    "fork.child_inherits": ("RF-021",),
    "reclaim.memfd_closed": ("RF-023",),
    "remap.moved_only": ("MF-009",),
    "return.discard_succeeded": ("QB-018",),
    "discard.linux_accepts": ("DW-001",),
    "share.anon_kept": ("QB-016",),
    "set_pt.protection": ("QB-008",),
    "set_pt.unmapped": ("XF-018",),
    "return.mincore_resident": ("QB-010",),
    "return.mincore_byte": ("QO-001",),
    "return.mincore_mapped": ("QO-002",),
    "return.remap_shared": ("QO-025",),
    "return.remap_done": ("QO-030",),
    "return.uffd_copied": ("QO-020",),
    "return.uffd_zeroed": ("QO-028",),
    "return.uffd_event": ("QO-032",),
    "return.vm_written": ("QO-021",),
    "return.protection_applied": ("QB-022", "QB-009"),
    "return.reaped_child": ("RE-005",),
    "return.exit_status": ("RC-031",),
    "exit.tid_once": ("RD-018",),
    "exit.after_reaped": ("RD-017",),
    "return.exec_failed_only": ("RB-019",),
    "signal.uncatchable": ("QA-018", "QA-027"),
    "signal.frame_stack": ("QA-005",),
    "signal.altstack_busy": ("XD-020",),
    "return.pending_blocked": ("QA-001",),
    "return.eintr_handler": ("QA-006", "QA-008"),
    "return.restart_code": ("QU-006", "QU-008"),
    "return.errno_set": ("QU-001", "QU-019"),
    "return.epipe_reader": ("QU-020",),
    "return.pipe_read_waiting": ("QU-004", "QU-026"),
    "return.pidfd_ended": ("QA-037",),
    "return.pollnval_open": ("QA-020",),
    "return.pollhup_writer": ("QA-022",),
    "uaccess.futex_command": ("QE-001", "QE-007"),
    "clock.timeout_elapsed": ("QE-033", "QE-027", "QE-028", "QE-034", "QE-035"),
    "return.sleep_rem_unwritten": ("QE-016", "QE-024"),
    "signal.resolved_fault": ("QE-014", "QE-032", "QE-026"),
    "el0_sysregs.tpidrro_zero": ("QE-017",),
    "uaccess.futex_wake_op": ("QE-003",),
    "fork.child_id_bound": ("QE-029", "QE-020"),
    "return.futex_wait_value": ("QE-021",),
    "return.futex_pi_word": ("QT-001", "QT-002", "QT-003", "QT-004", "QT-005", "QT-006",
                             "QT-019"),
    "return.futex_requeue_value": ("QT-007",),
    "return.futex_requeue_pi": ("QT-022",),
    "return.futex_timespec": ("QT-012",),
    "return.futex_waitv_index": ("QT-013",),
    "set_pt.input_not_exec": ("MU-035",),
    "swap_in.share_one_frame": ("RV-026",),
    "cpu.secondary_off": ("QK-001", "QK-005"),
    "return.futex_woken_by": ("QT-015", "QT-016", "QT-017", "QT-018", "QT-025"),
    "cut.answer_stores": ("AE-001",),
    "cut.lock_answers": ("AE-017",),
    "return.capset_inheritable": ("AF-011",),
    "create.exec_caps": ("AF-012",),
    "return.early_error": ("AG-010",),
    "return.scm_control": ("AJ-008",),
    "uaccess.ioctl_command": ("AJ-006",),
    "create.exec_no_new_privs": ("AI-004",),
    "return.maker_args": ("AL-015",),
    "return.kind_needed": ("AL-013",),
    "return.descriptor_kind": ("AL-037",),
    "create.launch_inheritable": ("AF-005",),
    "return.handle_size": ("AO-031",),
    "return.maker_kind": ("AQ-011",),
    "return.counter_value": ("AQ-007",),
    "return.epoll_item": ("AQ-017",),
    "create.userns_caps": ("AS-001",),
    "create.setuid_caps": ("AS-010",),
    "cut.first_tests": ("AR-003",),
    "return.setns_user_alone": ("AV-008",),
    "create.userns_full": ("AV-011",),
    "return.userns_caps_full": ("AV-009",),
    "return.setns_own_userns": ("AV-022",),
    "return.userns_depth": ("AV-023",),
    "return.userns_ancestor": ("AZ-013", "AZ-010"),
    "return.fcntl_kind": ("AT-016",),
    "return.inotify_event": ("AW-004",),
    "return.inotify_value": ("AW-001",),
    "return.inotify_watch": ("AW-003",),
    "return.userns_own_maps": ("AZ-007",),
}


#: Checks whose removal no scenario can notice, each with the reason.  "redundant with X":
#: another named check refuses in its place; "fail-closed": without the check the call's
#: next step has nothing to act on and the call is refused (recorded) all the same;
#: "equivalent": the mutant behaves like the intact build; "availability only": without the
#: check the kernel can only stop the program, which it always can; "fail-safe": the
#: mutant's state only ever refuses more; "outside the threat model".
EXPLAINED: dict[str, str] = {
    "discard.not_locked": "redundant with return.mm_area_refused and return.discard_succeeded "
                          "where the Guardian follows the locks: without it the window opens "
                          "and the page goes, but an answer 0 over a locked page is refused "
                          "(QO-033, QO-034) and an error after pages left is refused (QO-041); "
                          "it stays the one defence while another mapping call is in flight",
    "return.fd_asked": "no target ignores what dup3/fcntl(F_DUPFD) return: each maps through "
                       "the descriptor the call returned, which the table records as the copy "
                       "(and measures); the check keeps a program that uses the number it "
                       "asked for (dup2 style) from mapping a descriptor the table never saw",
    "space.holes_bound": "fail-safe: without the bound every hole is still kept and judged "
                         "(only the Guardian's memory grows); it caps what a program's "
                         "65,537th separate hole costs, which no scenario makes "
                         "(tests/test_hole_list.py holds it)",
    "return.rseq_abort": "the program's own fault, which no kernel can cause: it refuses a "
                         "return only where the program's rseq_cs descriptor or signature is "
                         "bad (memory the kernel cannot write), to end the thread with "
                         "SIGSEGV as force_sigsegv() does; the abort itself is the "
                         "Guardian's doing (tests/test_rseq.py holds both)",
    "call.known": "structural: an unknown call number has no row in the call table; the "
                  "refusal is the table lookup itself and cannot be switched off",
    "entry.counter_read": "fail-closed: without it a confidential program's counter read "
                          "reaches the kernel, whose emulation must move the PC past the MRS; "
                          "return.elr refuses that resume, so the kernel never chooses the "
                          "value and can only stop the program (QF-001)",
    "call.sysreg_via_trap": "equivalent: SET_SYSREG has no mechanism behind the check; "
                            "without it the call returns OK and changes nothing",
    "reclaim.held": "fail-closed: a frame the Guardian does not hold for a memfd has no "
                    "held record, so without the check the lookup fails and RECLAIM_PAGE is "
                    "refused (recorded) all the same (SM-008 tries the heap page)",
    "frame.in_ram": "fail-closed: a frame outside RAM has no frame-table record, so the "
                    "call's next step fails on the lookup and is refused all the same",
    "register_pt.level": "equivalent: a table registered above level 3 is never walked: "
                         "SET_PT into it fails on the level lookup and set_pt.child_table "
                         "links only a table one level down (at most 3)",
    "register_pt.unmapped": "redundant with register_pt.kind: a frame a user table maps is "
                            "of kind USER or CONFIDENTIAL, which register_pt.kind refuses "
                            "(AP-008)",
    "set_pt.child_not_root": "redundant with set_pt.child_table: a live root is a level-0 "
                             "table and no table descriptor links a level-0 table",
    "set_pt.encoding": "equivalent: the walker faults on a level-0 block or a level-3 block "
                       "encoding; at level 0 the 512 GiB range fails set_pt.leaf_ram, at "
                       "level 3 the frame is admitted like any leaf yet never reachable",
    "set_pt.leaf_ram": "fail-closed: a non-RAM frame has no record, so counting or admitting "
                       "it fails and the call is refused",
    "set_ptbr.aligned": "equivalent: TTBR0 bits [11:1] are RES0 for a 4 KiB level-0 table; "
                        "the walker ignores them and the Guardian reads TTBR0 through "
                        "ADDR_MASK everywhere",
    "sysreg.ttbr0_reserved": "equivalent: as set_ptbr.aligned, for the trapped TTBR0 write",
    "free_pgd.root": "fail-closed: FREE_PGD of an inner table walks data words as "
                     "descriptors and stops at the first one outside RAM before any store "
                     "(AP-018)",
    "create.fresh": "redundant with create.exclusive: a second CREATE_DOMAIN of a "
                    "confidential tree finds its frames CONFIDENTIAL, which create.exclusive "
                    "refuses",
    "create.admitted": "fail-closed: without an admitted image there is nothing to measure; "
                       "the call returns no slot and return.slot refuses every use of it",
    "fork.clone_in_progress": "fail-closed: with no clone in progress the call returns no "
                              "child slot, and return.slot refuses every use of it",
    "signal.trampoline": "redundant with set_pt.measured: the signal page is measured when "
                         "it enters the domain, so the trampoline cannot differ",
    "signal.altstack": "redundant with signal.altstack_owner: the Guardian knows every "
                       "thread's own alternate stack (none after CREATE_DOMAIN, exec or for "
                       "a new thread; the forking thread's for a fork or vfork child, MU-030; "
                       "the struct of its own sigaltstack(), which returns only once the "
                       "Guardian has read it back, MU-031, MU-032), so the owner check "
                       "refuses any other stack first. It stays for a thread the Guardian "
                       "holds no record of",
    "sigreturn.frame": "outside the threat model: the frame lies in confidential memory only "
                       "the program writes; the check guards against the program itself",
    "copy_page.ram": "fail-closed: a frame outside RAM has no record and the copy fails",
    "smm.confidential_root": "fail-closed: a tree of no domain leaves the call no domain to "
                             "act for; its next step fails and the call is refused",
    "smm.page_owned": "unreachable: every leaf of a confidential tree maps a frame of its "
                      "domain (a frame-table invariant), so the check never sees another",
    "smm.page_alone": "equivalent: moving one mapping of a shared frame gives that mapping "
                      "its own copy with the same bytes, as copy-on-write would",
    "set_pt.dont_fork": "redundant with set_pt.one_mapping: a MADV_DONTFORK range is no area "
                        "of the child, so the parent's frame at that address is another "
                        "area's there (not the same area inherited at fork)",
    "swap_in.slot_empty": "redundant with set_pt.sealed_slot: an address whose sealed page "
                          "is outstanding is mapped again only by SWAP_IN, which consumes it",
    "swap_in.well_formed": "redundant with swap_in.outstanding: a malformed page reads as "
                           "version 0, which is never outstanding",
    "swap_share.same_domain": "redundant with swap_in.outstanding: sealed pages are recorded "
                              "per domain, so a share into another domain's tree is never "
                              "found there",
    "swap_discard.outstanding": "equivalent: discarding a version this tree does not hold "
                                "removes no claim of any tree",
    "ksm.same_domain": "redundant with smm.page_owned: the second page is checked as a frame "
                       "of the first page's domain",
    "ksm.distinct_present": "redundant with smm.page_mapped for a missing page; merging a "
                            "page with itself changes no bytes",
    "ksm.private_only": "redundant with ksm.mergeable: a page of a MAP_SHARED share is in no "
                        "area the program made mergeable (ksm_madvise() and "
                        "PR_SET_MEMORY_MERGE skip shared areas), so merging one is refused "
                        "there (RV-010 is refused by ksm.private_only, which comes first)",
    "mprotect.pinned": "mode-specific: only the predecessor (mprotect) build consults it; "
                       "mutation runs the Guardian build",
    "sysreg.tcr_ttbr1": "equivalent in this model: MU-008 shrinks T1SZ so that the linear "
                        "map's level-2 table descriptor reads as a page naming its level-3 "
                        "table; without the check the store stops at an access-flag fault, "
                        "because the Guardian builds the linear map's table descriptors "
                        "without AF and the model's walker does no hardware AF update "
                        "(TCR.HA). On a core with FEAT_HAFDBS the walk would set AF in the "
                        "Guardian's table and MU-008 would succeed: the check stays. EPD1 "
                        "and TG1 only fault the kernel's own linear-map accesses; neither the "
                        "Guardian (it reads RAM physically) nor EL0 walks TTBR1",
    "sysreg.sctlr_wxn": "availability only: WXN is clear at boot and setting it only takes "
                        "execute permission away from EL0-writable pages (a W+X page faults "
                        "at its next fetch, a real fault the Guardian witnesses); it never "
                        "grants an access. The attack program, which has no W+X page, runs "
                        "intact with WXN flipped at PLACED",
    "sysreg.vbar_registered": "availability only: vector code is installed at boot only, so "
                              "an unregistered VBAR names no handler at all. The next "
                              "exception stops the machine ('VBAR_EL1 names no vector "
                              "table'); from a confidential program the Guardian's entry "
                              "finds no kernel table and the system call in flight returns "
                              "its own first argument before the machine stops at the next "
                              "exception. No kernel code runs with the program's registers",
    "sysreg.vbar_guardian": "availability only: with the Guardian's table as the kernel's, "
                            "the Guardian's entry forwards every exception to itself; the "
                            "run ends in unbounded recursion at the next exception, before "
                            "any kernel code runs",
    "release_pt.empty": "fail-safe: a table released with entries is zeroed on release, so "
                        "none of its mappings survives; its frames only keep a mapping "
                        "count that never drops again (a confidential frame stays "
                        "confidential and out of the linear map, a user frame stays "
                        "counted), which refuses more later (register_pt.unmapped, "
                        "set_pt.no_conf_import, create.exclusive), never grants access",
    "thp.exclusive": "equivalent: THP_COLLAPSE needs 512 contiguous entries with one set of "
                     "attributes, and a frame shared by fork or KSM is read-only in every "
                     "tree (set_pt.shared_writable), so a block over shared frames is "
                     "read-only and maps the same frames at the same addresses as the "
                     "pages did. (Tried: a region collapsed and split again before the "
                     "fork makes the kernel model's fork fail on set_pt.shared_writable, so "
                     "no run reaches a collapse over shared frames.)",
    "fork.flags_asked": "equivalent: the Guardian builds the child from the program's own "
                        "saved flags and the child root alone. The kernel's flags say what it "
                        "will do with its own state: share its mm (checked against the root "
                        "by fork.vm_flags, MU-005), hold the parent as for vfork, book a "
                        "thread or a process, which it controls whatever it declares. RX-015 "
                        "used the vfork wait as scheduling; MU-004 gets it by scheduling "
                        "alone and is refused by return.clone_child_id",
}

#: Survivors we know of, with why no scenario catches them yet (reported, not excused).
KNOWN_SURVIVORS: dict[str, str] = {}


@dataclass
class Mutant:
    check: str
    caught_by: list[str] = field(default_factory=list)
    wired: bool = True
    shadowed_by: list[str] = field(default_factory=list)   # checks that refused in its place
    seconds: float = 0.0
    runs: int = 0            # scenario runs made (those that never reach the check are skipped)

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)

    @property
    def verdict(self) -> str:
        """caught, redundant (another check refused instead), explained, or survived."""
        if self.caught:
            return "caught"
        if self.shadowed_by:
            return "redundant"
        if self.check in EXPLAINED:
            return "explained"
        return "survived"

    @property
    def why(self) -> str:
        if self.verdict == "redundant":
            return f"redundant: without it {', '.join(self.shadowed_by[:3])} refused instead"
        if self.verdict == "explained":
            return EXPLAINED[self.check]
        if not self.wired:
            return "not consulted by guardian/ (unwired)"
        return KNOWN_SURVIVORS.get(self.check,
                                   "no scenario, invariant or fuzz run noticed its removal")


@dataclass
class Score:
    mutants: list[Mutant]
    seconds: float

    @property
    def caught(self) -> int:
        return sum(m.caught for m in self.mutants)

    @property
    def survivors(self) -> list[Mutant]:
        """Mutants nothing caught and nothing explains (redundant ones are explained)."""
        return [m for m in self.mutants if m.verdict == "survived"]

    def count(self, verdict: str) -> int:
        return sum(m.verdict == verdict for m in self.mutants)

    def describe(self) -> str:
        n = len(self.mutants)
        held = n - len(self.survivors)
        lines = [f"mutation score: {self.caught}/{n} checks caught "
                 f"({100 * self.caught / max(n, 1):.0f} %), {self.count('redundant')} "
                 f"redundant, {self.count('explained')} explained: {held}/{n} caught or "
                 f"explained, {len(self.survivors)} survived, in {self.seconds:.0f} s "
                 f"({sum(m.runs for m in self.mutants)} scenario runs)"]
        for m in self.mutants:
            if m.caught:
                lines.append(f"  caught   {m.check:32} by {', '.join(m.caught_by[:3])}")
        for verdict in ("redundant", "explained", "survived"):
            for m in self.mutants:
                if m.verdict == verdict:
                    tag = "SURVIVED" if verdict == "survived" else verdict
                    lines.append(f"  {tag:8} {m.check:32} {m.why}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"caught": self.caught, "total": len(self.mutants), "seconds": self.seconds,
                "redundant": self.count("redundant"), "explained": self.count("explained"),
                "survived": len(self.survivors),
                "mutants": [{"check": m.check, "verdict": m.verdict, "why": "" if m.caught
                             else m.why, "caught_by": m.caught_by, "wired": m.wired,
                             "shadowed_by": m.shadowed_by, "runs": m.runs,
                             "seconds": round(m.seconds, 2)} for m in self.mutants]}


def checks() -> dict[str, str]:
    from guardian.checks import CHECKS
    return dict(CHECKS)


def is_wired(name: str) -> bool:
    """Whether guardian/ code names the check anywhere but the registry."""
    needle = f'"{name}"'
    for path in GUARDIAN_DIR.rglob("*.py"):
        if path.name != "checks.py" and needle in path.read_text():
            return True
    return False


def _status(sc: Scenario) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    r = run_one(sc, "on")
    return r.status, tuple(r.outcome.violations), tuple(r.outcome.decided_by)


def _set(name: str) -> None:
    from guardian.checks import set_mutation
    set_mutation(name)
    baseline_decisions.cache_clear()        # the workload's own refusals may change too


Base = dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]
#: scenario id -> the checks its run reached (refused with, or asked whether enabled).
Reach = dict[str, frozenset[str]]

#: The mutation that removes no check: the build takes each path a mutated build takes
#: where the Guardian asks whether it is mutated at all (`checks.mutated()`), so a build
#: without check X differs from it only where X is reached.
NO_CHECK_REMOVED = "(no check removed)"
_INLINE = re.compile(r"""MUTATED\s*[!=]=\s*["']([^"']+)["']""")


def baseline(scenarios: Sequence[Scenario]) -> Base:
    _set("")
    return {sc.id: _status(sc) for sc in scenarios}


def inline_checks() -> frozenset[str]:
    """Checks the per-exception paths compare with `checks.MUTATED` directly: they run on
    every exception without a call to `enabled`, so no run records reaching them."""
    return frozenset(name for path in GUARDIAN_DIR.rglob("*.py") if path.name != "checks.py"
                     for name in _INLINE.findall(path.read_text()))


def reach(scenarios: Sequence[Scenario]) -> Reach:
    """Which checks each scenario's run reaches, in the build that removes none.

    The runs are deterministic (the harness pins the Guardian's seed), and removing check
    X changes nothing until X's `refuse` or `enabled` is called: a scenario that never
    reaches X runs the same without it and cannot catch its removal."""
    import guardian.checks as registry
    out: Reach = {}
    registry.MUTATED = NO_CHECK_REMOVED
    baseline_decisions.cache_clear()
    try:
        for sc in scenarios:
            registry.REACHED = set()
            _status(sc)
            out[sc.id] = frozenset(registry.REACHED)
    finally:
        registry.REACHED = None
        _set("")
    return out


def fuzz_is_clean(fuzz_ops: int, seed: int = 0) -> bool:
    """Whether the intact build passes the fuzz campaign a mutant will face (if it does not,
    a failing campaign proves nothing about the mutant)."""
    if not fuzz_ops:
        return False
    from attacks import fuzz_search
    _set("")
    return fuzz_search.campaign(ops=fuzz_ops, seed=seed).failure is None


def mutate_one(name: str, scenarios: Sequence[Scenario],
               base: Base, fuzz_ops: int = 0,
               seed: int = 0, reached: Reach | None = None) -> Mutant:
    """Run without check `name` until something notices (scenarios first, then fuzz).
    `fuzz_ops` > 0 only where the intact build passes that campaign (`fuzz_is_clean`);
    with `reached` (see `reach`) only the scenarios that reach the check run."""
    start = time.perf_counter()
    m = Mutant(name, wired=is_wired(name))
    if reached is not None and name not in inline_checks():
        scenarios = [sc for sc in scenarios if name in reached.get(sc.id, ())]
    _set(name)
    # Scenarios whose intact run was refused by this very check go first: they are the
    # likeliest to notice its removal, so a caught mutant costs a run or two.
    ordered = sorted(scenarios, key=lambda sc: name not in base[sc.id][2])
    try:
        for sc in ordered:
            was, was_bad, was_by = base[sc.id]
            if was not in HOLDS:
                continue
            m.runs += 1
            now, bad, by = _status(sc)
            if name in was_by and now in HOLDS:
                m.shadowed_by += [c for c in by if c != name and c not in m.shadowed_by]
            if now not in HOLDS:
                m.caught_by.append(f"{sc.id} ({now})")
                break
            if set(bad) - set(was_bad):
                m.caught_by.append(f"{sc.id} (frame-table invariant)")
                break
        if not m.caught and fuzz_ops:
            from attacks import fuzz_search
            found = fuzz_search.campaign(ops=fuzz_ops, seed=seed)
            if found.failure is not None:
                m.caught_by.append(f"fuzz: {found.failure.failures[0][:80]}")
    finally:
        _set("")
    m.seconds = time.perf_counter() - start
    return m


_STATE: dict[str, object] = {}


def _init(ids: list[str], fuzz_ops: int, prune: bool = False) -> None:
    """A worker's intact baseline, computed once (scenario statuses, whether fuzz can judge,
    and with `prune` which checks each scenario reaches)."""
    scenarios = [s for s in (get(i) for i in ids) if s is not None]
    _STATE.update(scenarios=scenarios, base=baseline(scenarios),
                  reached=reach(scenarios) if prune else None,
                  fuzz_ops=fuzz_ops if fuzz_is_clean(fuzz_ops) else 0)


def _one(name: str) -> Mutant:
    scenarios: list[Scenario] = _STATE["scenarios"]  # type: ignore[assignment]
    m = mutate_one(name, scenarios, _STATE["base"], _STATE["fuzz_ops"],  # type: ignore[arg-type]
                   reached=_STATE["reached"])  # type: ignore[arg-type]
    if m.caught_by and not m.caught_by[0].startswith("fuzz"):
        # Checks come in families (set_pt.*, sysreg.*): try the last catcher first.
        sid = m.caught_by[0].split()[0]
        scenarios.sort(key=lambda sc: sc.id != sid)
    return m


def run(names: Iterable[str] | None = None, scenario_ids: Sequence[str] | None = None,
        jobs: int = 2, fuzz_ops: int = 0,
        progress: Callable[[Mutant], None] | None = None,
        prune: bool | None = None) -> Score:
    """Mutate each named check (default: all) over `jobs` processes; `progress` hears of
    each mutant as soon as it is judged.  `prune` (default: when every scenario runs) skips,
    for each mutant, the scenarios that never reach its check (see `reach`)."""
    if prune is None:
        prune = scenario_ids is None
    start = time.perf_counter()
    registry = checks()
    wanted = list(names) if names else list(registry)
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        raise ValueError(f"no Guardian check named {', '.join(unknown)}")
    ids = list(scenario_ids) if scenario_ids else [s.id for s in all_scenarios()]
    jobs = max(1, min(jobs, len(wanted)))
    mutants: list[Mutant] = []
    if jobs == 1:
        _init(ids, fuzz_ops, prune)
        results: Iterable[Mutant] = (_one(n) for n in wanted)
        for m in results:
            mutants.append(m)
            if progress is not None:
                progress(m)
    else:
        with multiprocessing.get_context("spawn").Pool(jobs, _init, (ids, fuzz_ops, prune)) as pool:
            for m in pool.imap_unordered(_one, wanted):
                mutants.append(m)
                if progress is not None:
                    progress(m)
    order = {n: i for i, n in enumerate(wanted)}
    mutants.sort(key=lambda m: order[m.check])
    return Score(mutants, time.perf_counter() - start)
