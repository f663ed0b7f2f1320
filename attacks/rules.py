"""The Guardian's rules, named so that scenarios and docs/traceability.md can cite them.

Each rule is one protection the Guardian (or, for DMA, the filter it
provides) promises, with the named checks (`guardian.checks.CHECKS`) that
enforce it and, for a mechanism no check names, the function that carries
it.  Where that is in the source is derived from the code
(`attacks.rule_sites`), never written down, so it cannot go stale.
`validated` follows the Arm ACS tables: YES (scenarios exercise it), or why not.
"""

from __future__ import annotations

from dataclasses import dataclass

from attacks.rule_sites import where as _where


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    checks: tuple[str, ...] = ()       # the Guardian checks that enforce it
    code: tuple[str, ...] = ()         # "module:Qual.name" of a mechanism no check names
    validated: str = "YES"

    @property
    def where(self) -> str:
        """The places in the source that enforce the rule ("path Class.method; ...")."""
        return _where(self.checks, self.code)


RULES: tuple[Rule, ...] = (
    Rule("G-LM-OWN", "The kernel's linear map and the tables behind TTBR1 are Guardian memory, "
         "absent from the map they build.",
         code=("guardian.linear_map:LinearMap._build",)),
    Rule("G-LM-UNMAP", "A frame that joins a confidential domain leaves the kernel's linear map.",
         checks=("frame.unmap_confidential",), code=("guardian.state:MonitorState.protect_frame",)),
    Rule("G-TLB-FLUSH", "Every change to the kernel's view (linear map, EPD0) invalidates cached "
         "translations, the EL1 face's included.",
         code=("guardian.state:MonitorState.flush",)),
    Rule("G-PT-RO", "A registered table page is read-only in the linear map; translations change "
         "only through SET_PT.",
         checks=("register_pt.kind", "register_pt.level"),
         code=("guardian.state:MonitorState.linear_readonly",)),
    Rule("G-SETPT-NO-PT-LEAF", "A leaf never maps a PAGE_TABLE frame.",
         checks=("set_pt.leaf_kind",)),
    Rule("G-SETPT-NO-GUARDIAN", "A leaf never maps a GUARDIAN frame.",
         checks=("set_pt.leaf_kind",)),
    Rule("G-SETPT-RAM", "A leaf maps RAM only, never a device's MMIO window.",
         checks=("set_pt.leaf_ram",)),
    Rule("G-SETPT-ONE-PARENT", "A table descriptor names a table with no other parent.",
         checks=("set_pt.child_one_parent",)),
    Rule("G-SETPT-CONF-OWNER", "A CONFIDENTIAL frame is mapped only by its own domain's trees.",
         checks=("set_pt.conf_owner",)),
    Rule("G-CONF-EXCLUSIVE", "A frame becomes confidential only if no other address space maps it "
         "(at SET_PT and at CREATE_DOMAIN).",
         checks=("set_pt.no_conf_import", "create.exclusive")),
    Rule("G-RELEASE-UNUSED", "RELEASE_PT takes back only a table with no parent and no entries.",
         checks=("release_pt.unused", "release_pt.empty")),
    Rule("G-FREEPGD-NOT-LIVE", "FREE_PGD refuses the live TTBR0 tree.",
         checks=("free_pgd.not_live",)),
    Rule("G-RELEASE-SCRUB", "A confidential frame is scrubbed before it returns to the kernel.",
         checks=("frame.scrub_on_release",)),
    Rule("G-COPY-SRC", "COPY_PAGE never reads the Guardian's memory or a table page.",
         checks=("copy_page.src_protected",)),
    Rule("G-COPY-CONF-DST", "A copy of a confidential frame joins its domain.",
         checks=("set_pt.copy_binding",)),
    Rule("G-COPY-DST-UNMAPPED", "COPY_PAGE writes only into a FREE/KERNEL frame no user table "
         "maps.",
         checks=("copy_page.dst_fresh",)),
    Rule("G-EPD0", "While the kernel runs with a confidential TTBR0, TCR_EL1.EPD0 is set.",
         code=("guardian.kernel_view:KernelView.set",)),
    Rule("G-EPD0-ON-SWITCH", "A TTBR0 write that names a confidential root sets EPD0 again.",
         checks=("set_ptbr.kernel_view",), code=("guardian.kernel_view:KernelView.on_ttbr0",)),
    Rule("G-SYSREG-TCR-EPD0", "TCR_EL1 writes keep EPD0 while a confidential space is live.",
         checks=("sysreg.tcr_epd0",)),
    Rule("G-SYSREG-TTBR1", "TTBR1_EL1 stays the Guardian-built linear map.",
         checks=("sysreg.ttbr1",)),
    Rule("G-SYSREG-TTBR0", "TTBR0_EL1 names only registered root tables.",
         checks=("sysreg.ttbr0_root", "sysreg.ttbr0_reserved")),
    Rule("G-SYSREG-SCTLR", "The MMU stays on and WXN fixed.",
         checks=("sysreg.sctlr_mmu", "sysreg.sctlr_wxn")),
    Rule("G-CORES-OFF", "Only the boot core runs the kernel: every other core stays powered "
         "off (the contract has no CPU_ON), so no core runs EL1 with its MMU off, where every "
         "address is physical, or with a translation regime the Guardian did not set.",
         checks=("cpu.secondary_off",)),
    Rule("G-SYSREG-VBAR", "VBAR_EL1 names a registered table, never the Guardian's.",
         checks=("sysreg.vbar_registered", "sysreg.vbar_guardian"),
         validated="out of scope: tests/test_guardian_kernel.py (a VBAR write while the kernel "
                   "runs gains it nothing; SR-004 covers the one that would)"),
    Rule("G-ENTRY-SCRUB", "At entry from a confidential thread the register file is saved and "
         "cleared; only x0-x5/x8 of a syscall and the fault address's page go to the kernel.",
         checks=("entry.scrub_registers", "entry.syscall_arity")),
    Rule("G-ENTRY-ARGS", "A syscall entry forwards only the argument registers that syscall takes.",
         checks=("entry.scrub_registers",)),
    Rule("G-RESUME-ELR", "RESUME accepts only the saved ELR or a syscall restart.",
         checks=("return.elr", "return.restart_svc", "return.rseq_abort")),
    Rule("G-RESUME-CONTEXT", "RESUME restores the saved context; only x0 comes from the kernel.",
         code=("guardian.confidential_return:ReturnPath.enter_user",)),
    Rule("G-RESUME-DOMAIN", "RESUME takes a slot of the live address space's domain.",
         checks=("return.slot",)),
    Rule("G-RESUME-ONCE", "A slot is consumed by the RESUME that uses it.",
         code=("guardian.confidential_return:ReturnPath.resume",)),
    Rule("G-ENTRY-VECTOR", "While a confidential thread runs, VBAR_EL1 names the Guardian's vector "
         "table (RESUME sets it), so every exception enters the Guardian first.",
         code=("guardian.confidential_return:ReturnPath.enter_user",)),
    Rule("G-RESUME-EXIT", "An accepted RESUME is the exception return: the kernel does not run "
         "again before the next exception.",
         checks=("return.lock_el1",)),
    Rule("G-IAGO-MMAP", "mmap results lie inside the user range, never over a live area, and "
         "MAP_FIXED lands where asked; shmat's likewise, at the address asked for and of the "
         "size the program's shmget gave the segment (one it never sized is refused).",
         checks=("return.layout", "return.mmap_fresh")),
    Rule("G-IAGO-BRK", "brk returns the break the program asked for, or the current one.",
         checks=("return.layout",)),
    Rule("G-IAGO-MREMAP", "mremap never moves an area onto another live area (an "
         "mremap(MREMAP_FIXED) empties its own target first) and MREMAP_FIXED lands where asked; "
         "without MREMAP_MAYMOVE the area is resized where it is: no page moves, and success "
         "answers the old address.",
         checks=("return.layout", "remap.in_place")),
    Rule("G-IAGO-CLONE", "The parent of a fork never sees 0; a fork child's getpid is the id "
         "its parent's fork returned, never its parent's own; a thread's gettid is the id its "
         "creator's clone returned, constant, and never another live thread's; a clone "
         "child's id is fixed when it first runs: the TID words its clone named hold it "
         "already, and it binds the child's ids and the clone's return, whichever comes first.",
         checks=("return.clone_zero", "return.clone_child_id", "fork.flags_asked",
                 "return.id_range", "fork.child_id_bound", "return.clone_efault",
                 "return.clone_pidfd_prot")),
    Rule("G-IAGO-COUNT", "A result that counts what the kernel moved is at most the room the "
         "program gave (a read/write-family count argument or its iovecs' total; records: "
         "getgroups, epoll_pwait, ppoll, recvmmsg's vlen ...), or a negative errno; a "
         "read-family count covers only bytes the kernel wrote into the buffer, and a plain "
         "read writes nothing past it; a count of "
         "named records (getdents64, an inotify read) covers whole records, each name "
         "NUL-ended inside its record; the ready descriptors pselect6 and ppoll report are "
         "ones the program asked about, and the count they answer is the number reported; "
         "a record sent on a datagram or seqpacket socketpair goes whole; a stream "
         "receive on a connection only the program holds takes every waiting byte that "
         "fits, and recvmmsg there no more records than wait; a write on a pipe the program "
         "made fails with EPIPE only once no reader is left, never while the caller holds "
         "its read end; a read of a pipe only the program holds that entered with bytes "
         "waiting never fails with EAGAIN or EINTR; a read of /dev/zero, /dev/full, "
         "/dev/urandom or an admitted file is whole but where a copy could fault (or, for a "
         "device, a signal after a whole page), /dev/null reads nothing and takes every "
         "byte written, /dev/full takes none, an eventfd or timerfd moves one 8-byte count, "
         "a signalfd read that copied its first record answers the records copied, and "
         "a read of a negative descriptor never succeeds.  No call succeeds that Linux "
         "refuses by the descriptor or the arguments alone: a read through an open file "
         "not opened for reading, a write or cut through one not opened for writing, any "
         "of them through an O_PATH handle; copy_file_range with flags, over overlapping "
         "ranges of one file, into an appending file or past the input's end; pwritev2 "
         "with a flag Linux does not know or an offset below -1, preadv2 or pwritev2 "
         "with a flag the file refuses; fallocate or ftruncate of a file that is no "
         "regular file, ftruncate to a negative length; an open of "
         "/proc/self/fd/N with flags or a name that refuse a magic link to a "
         "non-directory; an open fails with EFAULT only where what it reads of the "
         "program is not there to read, nor where its flags are refused before that.",
         checks=("return.count_bound", "return.count_written", "return.read_within_count",
                 "return.record_layout", "return.ready_sets", "return.record_whole",
                 "return.stream_whole", "return.pair_mmsg", "return.epipe_reader",
                 "return.pipe_read_waiting", "return.device_count", "return.admitted_count",
                 "return.counter_size", "return.admitted_seek", "return.pipe_atomic",
                 "return.pipe_room",
                 "return.pipe_read_count", "return.memfd_count", "return.pair_glue",
                 "return.signalfd_copied", "return.fd_mode", "return.move_args",
                 "return.reopen_flags", "return.open_name_fault", "return.name_too_long", "return.link_loop", "return.file_type",
                 "return.move_ends", "return.open_flags_first", "return.ftruncate_no_eintr")),
    Rule("G-IAGO-OUTPUT", "Every output the output contract (abi/outputs) says a result means "
         "(uname, fstat, statfs, capget, waitid's siginfo, ioctl/fcntl/prctl outputs by "
         "command, an interrupted sleep's remaining time, a value-result length's bytes ...) "
         "was written by the kernel during the call; a length written back stays within the "
         "contract (getsockopt's optlen, recvmsg's msg_controllen at most the one passed; the "
         "msghdr's pointers are not the kernel's to write); a name Linux NUL-terminates holds "
         "its NUL; the CPU and node getcpu() names are the machine's; a descriptor a call "
         "makes is the lowest free one; an inotify event names a watch add_watch gave; a "
         "timer id is one the process's counter may give, and a call on a POSIX timer "
         "succeeds only for a live one of the process's (none survives exec); a call or "
         "command the contract has "
         "no row for answers only an error, and a call whose errors Linux's code fixes "
         "(sched_yield, the getpid family, uname, clock_gettime of a known clock, "
         "rt_sigaction, rt_sigprocmask, close_range, getrandom) fails only with one of them "
         "unless a seccomp filter may be in place; the values written keep Linux's ranges: time "
         "values normalised, an affinity mask of the machine's CPUs, control messages inside "
         "the msg_controllen written back; CLOCK_MONOTONIC and CLOCK_BOOTTIME never go back "
         "(BOOTTIME never behind MONOTONIC; an absolute sleep that returned 0 has reached its "
         "deadline), nor do a process's and a thread's CPU-time clocks and times()' "
         "fields, nor getrusage's times and counts (a process's never below a thread's); process and thread ids in 1..PID_MAX_LIMIT, getpid one value per process; getpriority in 1..40, a timerfd or eventfd counter read nonzero (by read "
         "or readv), an interrupted sleep's remaining time at most the request (pselect6's "
         "and ppoll's at most their timeout), sysinfo's procs at least "
         "1; a soft limit at most its hard limit, a scheduling priority of 0..99 and a "
         "policy Linux has, an old umask of 0..0777, a clock resolution not negative, "
         "F_GETFD's flags 0 or FD_CLOEXEC, a parent-death signal of 0..64, FIONREAD's count "
         "on a pipe or socket not negative, lseek(SEEK_SET) on a memfd at the offset asked, every timer's time left "
         "(interval timers, POSIX timers, timerfds) at most what it was last set to; every answer abi/value_ranges states a range for "
         "within it (fcntl, prctl and futex answers by command, output fields such as "
         "l_type and d_type, counts at most what the arguments allow, F_GETFL the access "
         "mode the descriptor was opened with, a PI lock taken only by its owner, PR_GET_AUXV the "
         "vector exec built, personality() the persona execve kept, PR_GET_NAME the "
         "name execve gave (the last component of the path it was given); no signal set a call reports holds SIGKILL or SIGSTOP, an "
         "old ss_flags is one Linux reports, rt_sigtimedwait's siginfo names the signal it "
         "returns, an overrun count is 0..INT_MAX, timer values and resource usage are not "
         "negative); ppoll's POLLNVAL only for a descriptor that is not open, POLLHUP on a "
         "pipe's read end only once no writer is left; a thread's ids and group list the ones exec's auxiliary vector "
         "or its earlier answers gave until its own set*id or setgroups call; a semaphore eventfd "
         "read 1, a one-shot timerfd read 1 expiration, a relative timerfd's time left at "
         "most what it was armed for; umask the mask the process's previous umask set; a "
         "clock read after a wait timed out is at least where it stood at the wait's entry "
         "plus the timeout; a sleep writes its remaining time only when a signal cut a "
         "relative sleep short; FUTEX_WAIT answers 0 only after it could queue the caller "
         "while its word held the value expected; an object only the program holds (a "
         "pipe, memfd or eventfd it made, never passed on, reopened or kept across exec) "
         "answers as its own calls left it: a pipe's bytes and FIONREAD count, what waits at "
         "an end of a socketpair it made (its peer end's sends) or of a connection "
         "between its own socket and its own abstract-named listener (a record's MSG_TRUNC, "
         "MSG_CTRUNC for descriptors dropped, POLLIN only with something waiting, a send "
         "after SHUT_WR failing), a memfd's "
         "seals (what they forbid), size, bytes and offset, an eventfd's counter; an AF_UNIX "
         "socket of its own answers SO_ACCEPTCONN as its listen() left it, its abstract name "
         "(an accepted one its listener's), and one it connected to its own listener's "
         "abstract name that name, that listener's credentials and no error while its "
         "possible peers stay open; a "
         "memfd's read and write move the bytes of the page its MAP_SHARED mappings map (the Guardian "
         "copies them where that page is the domain's); a read of /dev/zero reads zeros; what /proc/self says of the caller "
         "(its pid, argument and environment strings, name, open-file limit, areas, a memfd's "
         "position, its own thread, a pipe's inode) agrees with what the Guardian knows.  "
         "Every such check reads the bytes the call read and stored: a page of them swapped "
         "out before the return is faulted back in first.",
         checks=("return.args_resident", "return.mincore_resident", "return.mincore_byte",
                 "return.mincore_mapped", "return.remap_shared", "return.remap_done",
                 "return.uffd_copied", "return.uffd_zeroed", "return.uffd_event",
                 "return.vm_written",
                 "return.output_written",
                 "return.rseq_answer",
                 "return.value_length",
                 "return.string_nul", "return.cpu_number", "return.fd_lowest", "return.fd_open",
                 "return.fd_limit",
                 "return.pipe_fifo", "pipe.reopened", "memfd.reopened", "return.memfd_fallocate",
                 "return.fifo_direct",
                 "return.task_foreign",
                 "return.proc_entry_absent",
                 "return.fd_dir_reaped",
                 "return.fd_dir_closed",
                 "pipe.vmspliced", "return.pipe_count",
                 "return.memfd_size",
                 "return.timerfd_idle",
                 "return.memfd_seals", "return.memfd_bytes", "return.memfd_mapped",
                 "return.file_offset",
                 "return.seek_hole", "return.eventfd_sum",
                 "return.inotify_wd", "return.inotify_event", "return.inotify_value",
                 "return.inotify_watch",
                 "return.timer_id", "return.timer_live", "create.exec_task",
                 "create.exec_task_state", "create.exec_caps", "create.exec_no_new_privs",
                 "create.launch_inheritable", "create.setuid_caps", "create.userns_caps",
                 "return.no_contract", "return.time_normal",
                 "return.cpu_mask", "return.cmsg_layout", "return.clock_monotonic",
                 "return.id_range", "return.value_range", "return.range_table",
                 "return.tagged_ctrl",
                 "return.mm_args_refused", "return.mm_area_refused",
                 "return.process_madvise_locked", "return.mrelease_live", "return.kcmp_answer",
                 "return.kcmp_distinct", "return.kcmp_slot_file",
                 "return.descriptor_kind", "return.fd_never_opened", "return.early_error",
                 "return.scm_control",
                 "return.handle_size",
                 "return.perf_event_args", "return.pidfd_args",
                 "return.maker_args", "return.kind_needed",
                 "return.maker_kind", "return.counter_value", "return.epoll_item",
                 "return.fcntl_kind",
                 "return.securebits_locked", "return.securebits_setpcap",
                 "return.capset_effective", "return.capset_subset", "return.capset_target",
                 "return.capset_permitted", "return.capset_inheritable",
                 "return.cap_header", "return.cap_valid_mask",
                 "return.cap_needed", "return.ambient_cleared",
                 "return.unshare_threads", "return.unshare_live_thread", "return.suid_dumpable",
                 "return.setns_user_alone", "create.userns_full", "return.userns_caps_full",
                 "return.userns_depth", "return.setns_own_userns",
                 "return.userns_ancestor",
                 "return.exec_dumpable", "return.launch_no_new_privs",
                 "return.process_madvise_iovec",
                 "return.negative_descriptor",
                 "return.errno_set",
                 "return.pollnval_open", "return.pollhup_writer",
                 "return.credentials", "return.credentials_mapped", "return.counter_read", "return.umask_kept",
                 "return.userns_own_maps",
                 "clock.timeout_elapsed", "return.sleep_rem_unwritten",
                 "return.futex_wait_value", "return.dev_zero", "return.pair_bytes",
                 "return.futex_pi_word", "return.futex_requeue_value",
                 "return.futex_requeue_pi", "return.futex_timespec",
                 "return.futex_waitv_index",
                 "return.move_offset", "return.fd_cloexec", "return.rcvbuf_set",
                 "return.fd_nonblock", "return.memfd_flags", "return.memfd_lock", "return.self_report", "return.machine_fact",
                 "return.shared_futex_waiters", "return.rights_kept",
                 "return.exec_kept", "return.futex_woken_by",
                 "return.named_pair", "return.record_flags", "return.rights_trunc",
                 "return.pair_ready", "return.pair_waiting", "return.pair_unnamed",
                 "return.shut_send",
                 "return.unix_name", "return.unix_peercred", "return.unix_listening",
                 "return.unix_error", "return.unix_creds")),
    Rule("G-IAGO-OFFLOAD", "A rack offload (pulse_submit) for a confidential program answers only "
         "an error: no device may read its nodes or write its scratchpad.",
         checks=("return.offload_error",)),
    Rule("G-IAGO-COOKIE", "An epoll wait reports at most maxevents events, each carrying the "
         "data the program registered for a descriptor on that instance (epoll_ctl ADD/MOD, "
         "not since removed by DEL or by the release of the target's open file: its last "
         "descriptor closed, replaced by dup3, dropped at exec or with its process; a dup "
         "keeps it), with events within those registered plus EPOLLERR/EPOLLHUP; an "
         "EPOLLONESHOT registration reports once until EPOLL_CTL_MOD re-arms it.",
         checks=("return.epoll_data", "return.epoll_released", "return.epoll_oneshot")),
    Rule("G-WAIT-STATUS", "Whatever path reports a confidential child's end to the program "
         "(wait4's status, waitid's siginfo, the SIGCHLD siginfo SIGNAL enters, "
         "rt_sigtimedwait takes or a signalfd read returns), 'exited with code c' needs the "
         "child (a fork or vfork child, whatever image it runs after exec) to have asked "
         "exit/exit_group with c (low 8 bits), and 'killed by signal s' needs it not to have "
         "asked exit_group; a SIGCHLD siginfo names a child of the program whose SIGCHLD is "
         "not past; a wait report never names the waiter or a child reported reaped already, "
         "names one of its children where the Guardian knows them all, and reports a stop or "
         "continue only to a wait that asked for it (WUNTRACED/WSTOPPED, WCONTINUED).",
         checks=("return.exit_status",)),
    Rule("G-WAIT-REAPED", "A child a wait4/waitid report reaped (a fork child, or a CLONE_VM "
         "child sharing its parent's memory) has ended: its descriptors are released (a table "
         "it shares through CLONE_FILES lives on), none of its threads returns to user code, "
         "and no user access is made on their behalf (its exit is over); a pidfd of it "
         "takes no more signals (-ESRCH).",
         checks=("return.reaped_child", "exit.after_reaped", "return.pidfd_ended",
                 "return.exited_table")),
    Rule("G-EXIT-GROUP", "Once a thread of a confidential program calls exit_group(), no thread "
         "of its thread group returns to user code.",
         checks=("return.after_exit_group",)),
    Rule("G-SIGNAL-OLD-STATE", "The previous action, alternate stack and mask the kernel "
         "reports (rt_sigaction's oldact, sigaltstack's old_ss, rt_sigprocmask's oldset) are the "
         "ones the program set, or the defaults exec leaves: an ignored signal stays "
         "SIG_IGN across execve, every other action the program set is SIG_DFL there.",
         checks=("uaccess.old_sigaction", "uaccess.old_altstack", "uaccess.old_sigmask",
                 "create.exec_dispositions")),
    Rule("G-SIGNAL-HANDLER", "SIGNAL enters only a handler the program registered (a one-shot "
         "SA_RESETHAND handler once), never one for SIGKILL or SIGSTOP, which no action of "
         "rt_sigaction may catch; a siginfo that names a process of the program as its "
         "sender (SI_USER, SI_QUEUE, SI_TKILL), delivered or answered by rt_sigtimedwait or a "
         "signalfd read, follows a send of that signal to this thread the process made (for "
         "Linux's own SIGPIPE and SIGXFSZ: a call of the process that answered -EPIPE, "
         "without MSG_NOSIGNAL, or -EFBIG); a code only Linux raises follows its cause: an "
         "F_SETSIG notification names the O_ASYNC descriptor it came from, a SYS_SECCOMP "
         "SIGSYS the trapped call of a filtered process, an SI_KERNEL SIGALRM an armed (or "
         "expired) ITIMER_REAL; a SI_QUEUE siginfo from the program carries the si_value its "
         "sigqueue passed, a real-time signal's instances in the order its sender queued them, "
         "and a POSIX timer's expiry the sigev_value its timer_create gave it; where a send "
         "of a standard signal is known pending, a delivery carries the first one's siginfo, "
         "the thread's own queue before its process's.",
         checks=("signal.handler", "signal.reset_hand", "signal.sender_witnessed",
                 "signal.uncatchable", "signal.sigio_fd", "signal.seccomp_trapped",
                 "signal.alarm_armed", "signal.queued_value", "signal.timer_value",
                 "signal.pending_order")),
    Rule("G-SIGNAL-FAULT", "A fault signal follows the exception it reports, with the Guardian's "
         "siginfo; a SIGSEGV says SEGV_MAPERR only where no area of the program is, and no "
         "signal reports a fault Linux resolves (a load or store in the brk heap, a load "
         "where an anonymous area the program mapped is readable or a store where it is "
         "writable, as its own mmap, mprotect and mremap left it, a SIGBUS BUS_ADRERR on a "
         "page inside the size the program gave a memfd it maps shared).",
         checks=("signal.sync_witnessed", "signal.siginfo", "signal.fault_code",
                 "signal.resolved_fault")),
    Rule("G-SIGNAL-MASK", "SIGNAL never delivers a signal the thread's mask blocks (its own, a "
         "running handler's, or a sigsuspend-style wait's temporary one), and the frame saves the "
         "mask rt_sigreturn must restore; rt_sigpending reports only blocked signals; a wait "
         "Linux restarts unless a handler runs answers -EINTR only with one (without "
         "SA_RESTART for -ERESTARTSYS), and no answer is a kernel-internal restart code "
         "(-ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK); "
         "ppoll and pselect6 asked about a descriptor surely readable answer its count, "
         "never -EINTR; rt_sigpending reports every signal known pending that the thread "
         "blocks; "
         "rt_sigtimedwait answers only a signal of the set the "
         "program passed, a signalfd read only signals of the descriptor's mask; a signal "
         "number outside its C type is refused before any mask is asked about it.",
         checks=("signal.blocked", "signal.frame_mask", "return.sigwait_set",
                 "return.signalfd_mask", "call.arg_range", "return.pending_blocked",
                 "return.eintr_handler", "return.restart_code",
                 "return.ready_uninterrupted", "return.pending_known")),
    Rule("G-SIGNAL-FRAME", "A signal frame is written where the program's stack or its own "
         "alternate stack is, and saves an alternate stack's flags as Linux does; an "
         "alternate stack below MINSIGSTKSZ is never set.",
         checks=("signal.altstack", "signal.altstack_owner", "signal.altstack_fit",
                 "signal.trampoline", "signal.frame_stack", "signal.altstack_busy",
                 "signal.altstack_size")),
    Rule("G-SIGRETURN", "rt_sigreturn restores the context the Guardian reads from the frame.",
         checks=("sigreturn.frame",)),
    Rule("G-FORK-IN-CLONE", "FORK_DOMAIN needs a clone in progress.",
         checks=("fork.clone_in_progress",)),
    Rule("G-FORK-CONTEXT", "A child context resumes only in the child's address space "
         "(a clone3's flags read from the clone_args the program passed, never zeros for a "
         "page swapped out since).",
         checks=("fork.child_root", "fork.vm_flags", "fork.clone_args_read")),
    Rule("G-UACCESS-CAP", "copy_from/to_user is allowed only inside a capability of the syscall "
         "being served (or a long-lived one: the robust list and the CLEARTID word at the "
         "thread's exit, the word cleared once, nothing after it; futex's words as its command "
         "uses them).",
         checks=("uaccess.capability", "uaccess.long_lived_exit", "uaccess.tid_word",
                 "exit.tid_once", "uaccess.futex_command", "uaccess.futex_wake_op",
                 "uaccess.ioctl_command")),
    Rule("G-UACCESS-LIVE-SLOT", "User access names a syscall in progress of the live domain "
         "(never a fault, an interrupt or a thread that has not yet run).",
         checks=("uaccess.slot", "uaccess.syscall_in_progress")),
    Rule("G-UACCESS-OWN-TREE", "A call's user access reaches only the address space of the "
         "thread that made it, whatever tree the kernel has loaded (the TID word a fork's "
         "CLONE_CHILD_SETTID names in the child it yielded excepted).",
         checks=("uaccess.slot_tree",)),
    Rule("G-FORK-SHARE", "Two trees of a domain share a page only where it was the same page "
         "in both at the fork (the child takes its parent's frames and sealed pages while the "
         "fork copy lasts) or the same page of a MAP_SHARED share; a page that diverged is "
         "its tree's alone.",
         checks=("set_pt.fork_share", "swap_share.fork_copy")),
    Rule("G-UACCESS-STRING", "A string read stays inside its capability, NUL included.",
         checks=("ustring.capability",)),
    Rule("G-CONF-INTEGRITY", "The kernel cannot replace a confidential page's contents (pages "
         "leave and return only through the secure swap ABI).",
         checks=("set_pt.discard_leaf", "smm.page_owned")),
    Rule("G-MEASURE-ADMITTED", "Only an image the user admitted becomes confidential, "
         "the executable file it runs from reads (pread64) and stats (fstat) as the file "
         "the user admitted, and every read of a file the user admitted (ld.so's read of a "
         "library's header among them) answers that file's bytes at the position read.",
         checks=("create.admitted", "return.running_image", "return.admitted_bytes")),
    Rule("G-MEASURE-ENTRY", "A confidential image starts at its measured entry point.",
         checks=("create.entry",)),
    Rule("G-MEASURE-PAGE", "Every image page matches its measurement when first mapped.",
         checks=("set_pt.measured",)),
    Rule("G-DMA-FILTER", "Devices cannot read or write CONFIDENTIAL, GUARDIAN or PAGE_TABLE "
         "frames.",
         checks=("dma.filter",), code=("emulator.bus_filter:BusFilter.deny",)),
    Rule("G-SWAP-SEAL", "SWAP_OUT hands the kernel the page sealed (AES-GCM under the domain's "
         "key) and scrubs the frame.",
         code=("guardian.secure_swap:SecureSwap.swap_out",)),
    Rule("G-SWAP-AUTH", "SWAP_IN accepts only a sealed page that authenticates.",
         checks=("swap_in.authentic",)),
    Rule("G-SWAP-FRESH", "SWAP_IN accepts only an outstanding version (no replay).",
         checks=("swap_in.outstanding",)),
    Rule("G-SWAP-BIND", "A sealed page comes back only at the address it was sealed for.",
         checks=("swap_in.same_va",)),
    Rule("G-MIGRATE", "MIGRATE_PAGE copies, remaps and scrubs in one step; the new frame joins the "
         "domain.",
         checks=("smm.fresh_frame",), code=("guardian.secure_remap:SecureRemap.migrate_page",)),
    Rule("G-SMM-ARGS", "Secure-MM calls take only well-formed arguments: aligned user addresses "
         "and frames, a swap entry that is no valid descriptor, a destination frame that is free "
         "and mapped nowhere.",
         checks=("smm.aligned", "smm.user_range", "smm.fresh_frame")),
    Rule("G-ABI-ARGS", "A frame or index a table call names stays inside the page it names "
         "(aligned, RAM, index below 512): no call writes into the next frame.",
         checks=("frame.aligned", "frame.in_ram", "set_pt.index", "clear_pt.range")),
    Rule("G-INITIAL-STACK", "A confidential program starts from an initial stack whose argv/envp "
         "point into it and whose auxv agrees with the measured images, the CPU and the stated "
         "identity, with no unmeasured vDSO and AT_RANDOM the Guardian's.",
         checks=("create.auxv", "create.initial_stack", "create.at_random",
                 "create.at_random_apart", "create.at_random_placed",
                 "create.exec_real_ids")),
    Rule("G-EXEC-ARGS", "An image a confidential program execs starts with exactly the argv "
         "and envp strings that program passed to execve, its AT_EXECFN naming the path it "
         "passed; the first program starts once, with the command line the user gave.",
         checks=("create.exec_args", "create.exec_filename", "create.exec_elf_argv",
                 "create.launch_args")),
    Rule("G-KSM-DOMAIN", "KSM merges pages of one protection domain only, and compares "
         "(digests, merges) only pages the program itself made mergeable.",
         checks=("ksm.same_domain", "ksm.mergeable", "ksm.clean_file")),
    Rule("G-SHARE-ONE-PAGE", "A page of a MAP_SHARED share is one page: every place of it, in "
         "every tree of the domain, maps the same frame. A copy, a fresh page, a KSM merge or "
         "a second swap-in never gives one side a page of its own; a memfd an exec'd image "
         "was handed while the exec'ing program, which mapped it, lives on in another domain "
         "gives the new image none of its pages.",
         checks=("set_pt.share_one_frame", "swap_in.share_one_frame", "ksm.private_only",
                 "share.anon_kept", "set_pt.memfd_elsewhere")),
    Rule("G-FORK-ADVICE", "Where the program's MADV_WIPEONFORK left a range empty, or its "
         "MADV_DONTFORK left it out, in a fork child, no page from before the fork (the "
         "parent's frame, shared or copied) is mapped; the advice follows the program's later "
         "madvise, munmap, mremap and exec, and a child's area keeps it for its own forks. "
         "Everywhere else the child holds every page of its parent's private areas by the "
         "time either runs.",
         checks=("set_pt.wipe_on_fork", "set_pt.dont_fork", "swap_share.fork_advice",
                 "fork.child_inherits")),
    Rule("G-COMPRESS-REFUSED", "Compression of a confidential page is refused.",
         checks=("compress.refused",)),
    # The properties of the monitor as a whole (P1-P9); a scenario that still gets
    # through names its property as a gap (attacks.scenario.PROPERTIES).
    Rule("G-ONE-MAPPING", "A confidential frame is mapped at exactly one user address of its "
         "domain, except shares the Guardian itself made (KSM, CoW) and records.",
         checks=("set_pt.one_mapping", "set_pt.shared_readonly", "set_pt.shared_writable")),
    Rule("G-MEASURE-ALL", "Every frame that becomes confidential, by any path (frames already in "
         "the tree at CREATE_DOMAIN included), is zero-filled or matches the measurement for the "
         "address the program's own request placed it at; a page of a file only the program "
         "holds (a memfd, an O_TMPFILE file) holds the bytes its own calls left there, zeros "
         "where a cut dropped them and past the end (no page wholly past the end: Linux raises "
         "SIGBUS there); a page of a file that was not admitted is input "
         "data, never executable.",
         checks=("set_pt.measured", "set_pt.zero_fill", "set_pt.measured_file",
                 "set_pt.file_bytes", "set_pt.file_end", "set_pt.input_not_exec",
                 "set_pt.cut_refault", "set_pt.clean_writable",
                 "set_pt.cut_writable", "swap_in.clean_writable", "cut.call_ranges",
                 "cut.output_stores", "cut.answer_stores",
                 "cut.first_tests",
                 "cut.lock_state", "cut.lock_answers",
                 "clean.locked_populate", "set_pt.one_folio", "swap_in.clean_known")),
    Rule("G-LEAVE-ON-REQUEST", "Pages leave the program's view only by its own "
         "munmap/madvise/brk/mremap (exactly their range), its exit or the secure swap ABI; table "
         "descriptors included.  Its ftruncate of a file only it holds takes every mapped page "
         "of the file wholly past the new end out of its view; its ftruncate or O_TRUNC open "
         "of a memfd lets exactly the memfd's pages wholly past the new end leave every tree "
         "and go back to the kernel while it is in progress, and must then succeed.",
         checks=("set_pt.discard_leaf", "set_pt.discard_subtree", "swap_discard.program_asked",
                 "return.given_back", "return.cut_unmapped", "reclaim.memfd_closed",
                 "reclaim.held", "swap_out.folio", "migrate.folio_moves",
                 "remap.moved_only", "discard.linux_accepts", "discard.not_locked",
                 "return.discard_succeeded", "return.cut_failed_kept")),
    Rule("G-PROTECTION", "The protection the program's own mmap or mprotect set holds: no "
         "leaf gives EL0 more (no access to a PROT_NONE page, no store to one without "
         "PROT_WRITE; a page swapped back in included), an mprotect that answers success has "
         "narrowed every page of its range, the Guardian's own copies of user memory "
         "fault where EL0 would, and no page appears where the program's own munmap left "
         "nothing (its stack's growth excepted).",
         checks=("set_pt.protection", "swap_in.protection", "return.protection_applied",
                 "set_pt.unmapped", "space.holes_bound", "return.no_aio")),
    Rule("G-KEYS-PRIVATE", "Sealing and digest keys, and the entropy a confidential program asks "
         "for (getrandom, or a read of /dev/urandom or /dev/random), come from Guardian-private "
         "entropy the kernel cannot derive (without an operator's seed, fresh boot entropy: "
         "never a constant of the monitor's source); the device's bytes never reach the program moved "
         "inside the kernel (splice, sendfile, copy_file_range, tee out of it fail).",
         checks=("return.getrandom", "return.urandom", "return.urandom_moved",
                 "create.at_random"),
         code=("guardian.entropy:GuardianEntropy.domain_key", "guardian.entropy:boot_seed")),
    Rule("G-RETURN-PATHS", "RESUME, signal delivery, rt_sigreturn, a child's first run and exec "
         "share one return path; a restart only at the SVC of a restartable syscall; "
         "execve returns to the image that made it only with a negative errno.",
         checks=("return.elr", "return.restart_svc", "return.restart_untouched",
                 "return.vfork_held", "return.exec_failed_only"),
         validated="NO: open gaps (P5)"),
    Rule("G-CLONE-ONCE", "A clone slot yields exactly one child context, none for a clone "
         "Linux refuses.",
         checks=("fork.one_child", "fork.clone_valid", "return.clone_set_tid")),
    Rule("G-ENTRY-OWED", "At every exception the kernel sees what it is owed and no more (no user "
         "PC at an interrupt or an abort, only the page of a fault address).",
         checks=("entry.hide_irq_pc", "entry.hide_fault_pc", "entry.hide_fault_offset"),
         validated="NO: open gaps (P7)"),
    Rule("G-EL0-COUNTER", "A confidential program's EL0 read of the timer's counter or its "
         "frequency (CNTVCT_EL0, CNTVCTSS_EL0, CNTFRQ_EL0) is answered by the Guardian from "
         "the machine's counter; the kernel never sees it, so it can neither choose the value "
         "nor make the count go backwards.",
         checks=("entry.counter_read",)),
    Rule("G-EL0-SYSREGS", "Every SCTLR/TCR/MAIR bit that changes EL0 semantics is trapped and "
         "validated, or saved and restored around confidential execution; TPIDRRO_EL0 reads 0 "
         "in a confidential thread.",
         checks=("el0_sysregs.guardian_view", "el0_sysregs.tpidrro_zero")),
    Rule("G-FACE-LOCKED", "After RESUME every operation of the EL1 face is refused until the next "
         "exception.",
         checks=("return.lock_el1",), code=("emulator.el1_lock:_locked_class",)),
    Rule("G-ABI-ALIGN-RANGE", "Unaligned and out-of-RAM arguments are refused with no effect.",
         checks=("frame.aligned", "frame.in_ram", "smm.aligned"),
         validated="out of scope: tests/test_guardian_abi.py"),
)


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in RULES}


#: Which of the monitor's properties (attacks.scenario.PROPERTIES) each rule serves; a
#: scenario belongs to the family of every property one of its rules serves.
PROPERTY_RULES: dict[str, tuple[str, ...]] = {
    "P1": ("G-ONE-MAPPING", "G-SETPT-CONF-OWNER", "G-CONF-EXCLUSIVE", "G-SETPT-ONE-PARENT",
           "G-COPY-CONF-DST", "G-COPY-DST-UNMAPPED", "G-KSM-DOMAIN"),
    "P2": ("G-MEASURE-ALL", "G-MEASURE-PAGE", "G-MEASURE-ADMITTED", "G-MEASURE-ENTRY",
           "G-EXEC-ARGS", "G-FORK-ADVICE"),
    "P3": ("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY", "G-SHARE-ONE-PAGE", "G-PROTECTION"),
    "P4": ("G-KEYS-PRIVATE", "G-SWAP-SEAL", "G-SWAP-AUTH"),
    "P5": ("G-RETURN-PATHS", "G-RESUME-ELR", "G-RESUME-CONTEXT", "G-RESUME-DOMAIN",
           "G-SIGNAL-HANDLER", "G-SIGNAL-FAULT", "G-SIGNAL-MASK", "G-SIGRETURN", "G-IAGO-CLONE", "G-IAGO-COUNT",
           "G-IAGO-OUTPUT",
           "G-IAGO-OFFLOAD",
           "G-IAGO-COOKIE",
           "G-SIGNAL-OLD-STATE", "G-WAIT-STATUS", "G-EXIT-GROUP",
           "G-FORK-CONTEXT"),
    "P6": ("G-CLONE-ONCE", "G-RESUME-ONCE", "G-FORK-IN-CLONE"),
    "P7": ("G-ENTRY-OWED", "G-ENTRY-SCRUB", "G-ENTRY-ARGS", "G-ENTRY-VECTOR", "G-COPY-SRC"),
    "P8": ("G-EL0-SYSREGS",),
    "P9": ("G-FACE-LOCKED", "G-RESUME-EXIT"),
}
