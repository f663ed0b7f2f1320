"""Every named check the Guardian makes, and the one way a check refuses.

A check is a rule the trusted code enforces (a precondition of a call, a step of
a return path, a mechanism such as scrubbing).  Each has a name here, with one
line saying what it guards; the code refers to it only through `refuse` (a
failed precondition) or `enabled` (a protective step).  A build with one check
removed is made by naming it in ``BLINDFOLD_MUTATE`` (or ``blindfold run
--mutate NAME``): `refuse` then lets the request through and `enabled` says no,
so mutation testing can show that some scenario or invariant catches its loss.
"""

from __future__ import annotations

import os

from abi import Status

CHECKS: dict[str, str] = {
    "call.known": "only the calls of the contract are served",
    "cpu.secondary_off": "every core but the boot core stays powered off: the contract has no CPU_ON, and a core out of reset runs with its MMU off, where every address is physical",
    "call.arg_range": "an argument a call reads as a narrower C type (a signal number, a C int) is in that type's range, refused where the call is unpacked",
    "call.sysreg_via_trap": "system-register writes arrive through the trap, never as a call",
    # --- frames named by a call ---------------------------------------------------
    "frame.aligned": "a frame or table address named by a call is 4 KiB aligned",
    "frame.in_ram": "a frame or table address named by a call is RAM",
    # --- page-table calls ------------------------------------------------------------
    "register_pt.level": "a table is registered at level 0..3",
    "register_pt.kind": "only a FREE or KERNEL frame becomes a table",
    "register_pt.unmapped": "a frame some user table maps cannot become a table",
    "release_pt.kind": "only a table frame is released",
    "release_pt.unused": "a linked or live table is not released",
    "release_pt.empty": "a table with valid entries is not released",
    "set_pt.index": "an entry index is below 512",
    "set_pt.table_kind": "SET_PT writes only into a registered table",
    "clear_pt.range": "CLEAR_PT_RANGE clears a non-empty range of one table's 512 entries, never entries of the frame after it",
    "set_pt.child_table": "a table descriptor names a table one level down",
    "set_pt.child_one_parent": "a table has at most one parent entry",
    "set_pt.child_not_root": "a live root is never linked below another table",
    "set_pt.encoding": "reserved descriptor encodings (level-0 blocks, level-3 non-pages) are refused",
    "set_pt.leaf_ram": "user tables map RAM only",
    "set_pt.leaf_kind": "a leaf never maps a GUARDIAN or PAGE_TABLE frame",
    "set_pt.subtree_owner": "only empty tables move between trees",
    "set_pt.conf_owner": "a confidential frame is mapped only in its own domain's trees",
    "set_pt.no_conf_import": "a frame mapped by another address space cannot become confidential",
    "set_pt.one_mapping": "a confidential frame has one mapping, except fork shares (the same address of an area the child inherited), KSM shares at the recorded address and the same page of a share the program made (MAP_SHARED)",
    "set_pt.fork_share": "a frame mapped in another tree at the same address joins a tree only as a fork child's copy of its parent's page while the fork copy lasts (no user code of either has run), or as a rewrite of an entry that maps it already, or as the same page of a MAP_SHARED share",
    "set_pt.shared_readonly": "a confidential frame with more than one mapping is mapped read-only",
    "set_pt.shared_writable": "a frame mapped in several places (fork share, KSM merge) is read-only in every one until a copy separates them, except where every place is the same page of a share the program made (MAP_SHARED)",
    "set_pt.copy_binding": "a confidential copy (COPY_PAGE) only takes the place of its source, which the entry maps now with the same bytes",
    "set_pt.measured": "an image (or signal) page entering a domain, by SET_PT or already in the tree at CREATE_DOMAIN, matches its measurement",
    "set_pt.measured_file": "a page of an admitted file the program mmapped holds that file's bytes at that offset",
    "set_pt.file_end": "no page of a mapping of a memfd or an O_TMPFILE file only the program holds that lies wholly past the file's end (as the program's own calls sized it, none of them in flight) enters the domain: Linux raises SIGBUS there",
    "set_pt.file_bytes": "a page of a file only the program holds (a memfd or an O_TMPFILE file it made), entering the domain through its own mmap while the file's bytes are judged (through a writable MAP_SHARED mapping: on the page's first entry), holds what the program's own calls left at that offset: what its writes put there, zeros in a hole, in the part a cut dropped and past the end",
    "set_pt.memfd_elsewhere": "a page of a memfd an image was handed by an execve, whose exec'ing program had mapped it MAP_SHARED and lives on in another domain, never enters the new image's domain (its pages are that domain's: a fresh page or a copy would be another file)",
    "set_pt.zero_fill": "a page entering a domain outside the image and the initial stack is zero-filled",
    "set_pt.input_not_exec": "a page of a file the program mapped without measurement (input data) is never executable",
    "set_pt.discard_leaf": "a mapping of a confidential page (shared or not) goes or changes frame only when the program asks, or for a copy with the same bytes",
    "set_pt.discard_subtree": "a table descriptor over confidential pages goes only when the program asks",
    "set_pt.share_one_frame": "every place of a page of a MAP_SHARED share maps the same frame: no copy, fresh page or other frame takes one place while another maps the page or holds it swapped out",
    "set_pt.wipe_on_fork": "where the program's MADV_WIPEONFORK left a range empty in a fork child, no page from before the fork (the parent's frame, shared or a COPY_PAGE copy) is mapped: only a fresh, zero-filled page",
    "set_pt.dont_fork": "where the program's MADV_DONTFORK left a range out of a fork child, no page from before the fork (the parent's frame, shared or a COPY_PAGE copy) is mapped",
    "set_pt.sealed_slot": "a swapped-out page comes back by SWAP_IN only, never as a new frame, unless the program unmaps it",
    "remap.moved_only": "once an mremap has moved a page, a page of its old range leaves only as the move of that page (its frame mapped at its place in the new range) or as the cut tail of a shrink: a page not yet moved keeps its place",
    "discard.linux_accepts": "a munmap, madvise, mremap, mmap(MAP_FIXED) or brk opens a window for pages to leave the program's view only where Linux accepts its arguments (aligned, nonzero, not wrapping, inside the user range, a break above the image, advice that applies to the area)",
    "discard.not_locked": "madvise(MADV_DONTNEED, MADV_FREE or MADV_REMOVE) opens no window for a page of a range the program's own mlock, mlock2 or mlockall(MCL_CURRENT) locked and did not unlock since: Linux refuses that advice on a VM_LOCKED area (EINVAL)",
    "return.discard_succeeded": "a call that took pages out of the program's view (a memfd cut that unmapped or gave back its pages past the new end included) returns success (brk: the break asked for); madvise may answer ENOMEM only for a range with a hole",
    "share.anon_kept": "a page of an anonymous MAP_SHARED share outlives its mappings while an area of the share lives on (its shmem object holds it): held when its last mapping goes, mapped again only as that page, never reclaimed meanwhile",
    "swap_in.protection": "a page SWAP_IN brings back gives EL0 no more than the protection the program's own mmap or mprotect set there (do_swap_page rebuilds the entry from the area's protection), beyond what a call of it in progress asks",
    "set_pt.protection": "a leaf gives EL0 no more than the protection the program's own mmap or mprotect set there (no access to PROT_NONE, no store without PROT_WRITE, no execution without PROT_EXEC), beyond what a call of it in progress asks",
    "return.pipe_room": "a write of the program's own pipe, with no reader, mover or resize in flight or since its entry, answers no more than its ring's room: the head that merges into the last buffer and a page per free slot, of at most 16 slots (or what F_SETPIPE_SZ answered); at most PIPE_BUF whole or nothing (pipe_write())",
    "return.fd_mode": "a call that succeeds reads only through an open file opened for reading and writes, cuts or allocates (write, ftruncate, fallocate) only through one opened for writing -- access mode 3 does neither -- splice, tee (with a length) and sendfile take their input opened for reading and their output for writing, and none goes through an O_PATH handle (vfs_read()/vfs_write()/vfs_fallocate()/do_splice()/do_tee()/do_sendfile(): EBADF without FMODE_READ/FMODE_WRITE; do_sys_ftruncate(): EINVAL; fdget(): EBADF for FMODE_PATH), where the Guardian knows the open file's access mode and no call changed the table during the call",
    "return.move_args": "copy_file_range succeeds only with flags 0, regular files at both ends, offsets that do not wrap with the count, never over ranges of one file that overlap once the count is cut to the source's end nor into an open file that was O_APPEND for the whole call (generic_copy_file_checks(): EINVAL, EOVERFLOW, EBADF), and copies no more than lies past its position in a memfd whose size the Guardian follows; pread64/pwrite64/preadv/pwritev never at a negative offset, preadv2/pwritev2 never below -1 (EINVAL), none of them at an offset of a pipe, a socket or an anon-inode file (ESPIPE), and a move of bytes by preadv2/pwritev2 only with flags Linux knows (RWF_NOSIGNAL since 6.15), RWF_ATOMIC and RWF_DONTCACHE never on a memfd, a pipe or a socket (kiocb_set_rw_flags(): EOPNOTSUPP); splice with a length never with flags past SPLICE_F_ALL, an offset for a pipe end or a pipe into itself (do_splice(): EINVAL, ESPIPE); tee never with flags past SPLICE_F_ALL (sys_tee(): EINVAL), and with a length only from one pipe into another (do_tee(): EINVAL); fallocate never at a negative offset, with a length not above 0 (vfs_fallocate(): EINVAL) or past the largest loff_t (EFBIG)",
    "return.reopen_flags": "an open of /proc/self/fd/N naming one of the program's own open files succeeds only with flags and a name Linux accepts for a magic link to a non-directory: no O_DIRECTORY and nothing after the link's name ('/', '/.': link_path_walk(), do_open(): ENOTDIR), no O_CREAT|O_EXCL without O_PATH (build_open_how() keeps O_PATH_FLAGS only; EEXIST), no O_NOFOLLOW without O_PATH (ELOOP), and for openat2 a struct of at least 24 bytes with nothing set past the kernel's (E2BIG), no flags past VALID_OPEN_FLAGS (bits 2..5 none), no mode without O_CREAT or O_TMPFILE nor past S_IALLUGO, no O_PATH with other flags, no unknown resolve bit, not RESOLVE_BENEATH with RESOLVE_IN_ROOT (build_open_flags(): EINVAL), no RESOLVE_CACHED (tid_fd_revalidate() refuses the RCU walk: EAGAIN), no RESOLVE_NO_MAGICLINKS or RESOLVE_NO_SYMLINKS through the link and no RESOLVE_NO_SYMLINKS through /proc/self, /proc/thread-self or /dev/fd (pick_link(): ELOOP), no RESOLVE_BENEATH or RESOLVE_NO_XDEV from '/' nor RESOLVE_BENEATH, RESOLVE_IN_ROOT or RESOLVE_NO_XDEV through the link (nd_jump_root(), nd_jump_link(): EXDEV), no '..' out of the start under RESOLVE_BENEATH (follow_dotdot(): EXDEV), no step into or out of /proc under RESOLVE_NO_XDEV (traverse_mounts(): EXDEV), no __O_TMPFILE without O_DIRECTORY nor O_CREAT with O_DIRECTORY (build_open_flags(): EINVAL), no open but O_PATH's of a socket or an anon-inode file such as an eventfd (do_dentry_open(): sock_no_open(), no_open(): ENXIO); and no open succeeds whose name, read lexically (a '..' only where it leaves a known real directory, fdinfo and task directories included; /dev/fd as /proc/self/fd; a link to a /proc directory the program opened followed there; under RESOLVE_IN_ROOT none out of the root), goes on past a /proc/<pid>/fd/N or /proc/<pid>/task/<tid>/fd/N link to a memfd, a pipe, a socket or an anon-inode file ('N/../N': link_path_walk(), ENOTDIR; a directory opened or entered as /dev/fd is /proc/self/fd) or looks up in a /proc/<pid>/fd directory a name that is no descriptor number ('0N', 'fd': proc_lookupfd_common() -> name_to_int(), ENOENT)",
    "return.file_type": "fallocate succeeds only on a file that is no pipe, made by pipe2 or one of its ends opened again by name through /proc/self/fd (vfs_fallocate(): ESPIPE), no character device, socket or anon-inode file (ENODEV), no pidfd (pidfs has no fallocate: EOPNOTSUPP); ftruncate never to a negative length (do_sys_ftruncate(): EINVAL) and only on a regular file, never a pidfd (do_ftruncate(): EINVAL; pidfs_setattr(): EOPNOTSUPP); a preadv2 that moves bytes never with RWF_ATOMIC, a pwritev2 never with RWF_ATOMIC or RWF_DONTCACHE into a character device (kiocb_set_rw_flags(): EOPNOTSUPP) nor with a flag but RWF_HIPRI into a file with no write_iter, an eventfd or /dev/full (do_loop_readv_writev(): EOPNOTSUPP), where the Guardian saw the file made and no call changed the table during the call",
    "return.move_ends": "splice (with a length), tee (with a length), sendfile and copy_file_range succeed only through ends Linux moves between: tee between pipes only, no device the program opened by name (do_tee(): EINVAL), splice with a pipe at one end (do_splice(): EINVAL), an offset only for an end with a position (a socket or an anon-inode file: EINVAL; sendfile's input ESPIPE), no O_APPEND memfd as splice's or sendfile's output where it appended for the whole call (do_splice(), do_splice_direct_actor(): EINVAL), no negative offset of a memfd (rw_verify_area(): EINVAL), copy_file_range between regular files only (no device, pipe, socket or anon-inode file: generic_file_rw_checks(): EINVAL), no byte through a pidfd and nothing between a pidfd and a file of another super block (generic_copy_file_checks(): EXDEV); no anon-inode file (an eventfd ...) nor pidfd (pidfs_file_operations) at either end of a splice with a length, as sendfile's input with a count, nor as the output of a sendfile that moved bytes: it has no splice_read nor splice_write (do_splice_read(), do_splice_from(): EINVAL)",
    "return.link_loop": "an openat, openat2 (without RESOLVE_IN_ROOT) or chdir whose absolute name, quiet through the call, follows more than MAXSYMLINKS (40) links the Guardian knows before its last component (/proc/self, /proc/thread-self, /proc links followed where their target is known) never succeeds: pick_link() counts nd->total_link_count and answers ELOOP",
    "return.name_too_long": "an openat, openat2 or chdir whose name has no NUL within its first PATH_MAX (4096) bytes, read whole from memory the program left alone during the call, never succeeds: getname() -> strncpy_from_user() answers ENAMETOOLONG before any lookup",
    "return.open_name_fault": "an openat or openat2 fails with EFAULT only where its name (NUL within PATH_MAX) or openat2's struct does not lie whole in present, EL0-readable memory the program left alone during the call: getname()'s strncpy_from_user() and copy_struct_from_user() are an open's only copies from user memory; a pointer with its top byte set is no such memory (arm64's access_ok() untags only under TIF_TAGGED_ADDR)",
    "return.open_flags_first": "an openat or openat2 fails with EFAULT only where its flags pass build_open_flags() as every 6.x kernel has it (O_CREAT with O_DIRECTORY, refused from 6.4 on, is read first before: both answers pass; __O_TMPFILE only with O_DIRECTORY, without O_CREAT and for writing; for openat2 a struct of 24 to PAGE_SIZE bytes with nothing set past the kernel's, flags within VALID_OPEN_FLAGS, ...), which do_sys_openat2() runs before getname() reads the name (EINVAL, E2BIG, EAGAIN), openat2's struct read where the program left it quiet from an untagged pointer",
    "signal.altstack_size": "a sigaltstack() that sets a stack smaller than arm64's MINSIGSTKSZ (5120 bytes) never succeeds (do_sigaltstack(): ENOMEM)",
    "signal.pending_order": "where a send of the program's of a standard signal is known pending for its one thread (blocked, handled, nothing since that takes or flushes it), a delivery of that signal carries the first such send's siginfo, the thread's own queue before the shared one (legacy_queue() drops a later send; dequeue_signal()), and no other signal goes before a known one that ranks first (next_signal()); an rt_sigtimedwait or a signalfd read takes the signals of its set in that same order, and never answers -EAGAIN (nor rt_sigtimedwait -EINTR) while one of its set is known pending (do_sigtimedwait() and signalfd_dequeue() call dequeue_signal() first); a blocked signal whose action is SIG_DFL or never set is known pending too (sig_ignored() queues a blocked signal), for a wait only where the action may be SIG_IGN; another process's kill() of the program's pid, or kill(0, ...) of a process group it shares with the program's same real uid, that returned 0 is known pending (__kill_pgrp_info()); a fork child starts with nothing pending (copy_process(): init_sigpending()); a poll whose mask unblocks such a signal never answers 0 where Linux looks at signal_pending() before its timeout ends it (ppoll and pselect6 with a zero timeout: do_poll(), core_sys_select(); epoll_pwait and epoll_pwait2 with none: ep_poll())",
    "return.no_aio": "an aio or io_uring call of a confidential program (io_setup, io_destroy, io_submit, io_cancel, io_getevents, io_pgetevents, io_uring_setup, io_uring_enter, io_uring_register), shown to the kernel as the unassigned number 244 with no argument, is answered -ENOSYS (sys_ni_syscall(), as a kernel without CONFIG_AIO and CONFIG_IO_URING answers): the kernel never makes a ring it writes inside the domain; and the program's own call at a number arm64 leaves unassigned (244..259) is answered -ENOSYS unless a seccomp filter of its own may answer it (sys_ni_syscall(): no other errno, no sleep, no restart)",
    "set_pt.unmapped": "a leaf gives EL0 no access inside a range the program's own munmap, mremap, brk shrink or shmdt left without a mapping and no call of its own mapped since (the stack's growth, a MAP_GROWSDOWN area and calls in flight that may map excepted)",
    "space.holes_bound": "every hole the program's own unmapping left stays judged: a space with more separate holes than a process's vmas could separate (vm.max_map_count, DEFAULT_MAX_MAP_COUNT) is refused, never judged with holes forgotten",
    "return.protection_applied": "an mprotect that answers success leaves no page of its range that EL0 may access beyond the protection asked",
    "return.mincore_resident": "a mincore that answers success reports every page the program's tree maps in its range resident",
    "return.mincore_byte": "a mincore that answers success writes each page's vector byte as 0 or 1 (mm/mincore.c sets no other bit)",
    "return.remap_shared": "a remap_file_pages that answers success starts in an area the program holds and asked to be shared: Linux remaps only a VM_SHARED mapping (-EINVAL)",
    "return.remap_done": "a remap_file_pages that answers success over one share leaves each present page of its range the share's page at the file offset asked for, the frame the program maps that offset at elsewhere",
    "return.uffd_copied": "a UFFDIO_COPY on the program's userfaultfd that answers 0 reports its whole length copied, and the bytes it reports copied hold the source's where nothing else could store there meanwhile",
    "return.uffd_zeroed": "a UFFDIO_ZEROPAGE on the program's userfaultfd that answers 0 reports its whole length zeroed, and the bytes it reports zeroed read as zeros where nothing else could store there meanwhile",
    "return.uffd_event": "a read of a userfaultfd the program made returns a UFFD_EVENT_PAGEFAULT message only for an address inside a range its own UFFDIO_REGISTER on that open file registered (or an mremap carried on): handle_userfault() queues one only for a fault in an area registered with that context",
    "return.vm_written": "a process_vm_writev into the program's own fork child that answers n bytes written leaves the first n bytes of the local iovecs in the child's memory at the remote iovecs (at most what they hold), where nothing else could store there meanwhile",
    "return.mincore_mapped": "a mincore that answers success covers only pages inside areas the program holds: Linux answers -ENOMEM at the first page no area covers",
    "remap.in_place": "an mremap without MREMAP_MAYMOVE resizes the area where it is: no page of it moves, and success answers the old address",
    "set_ptbr.kernel_view": "SET_PTBR of a confidential tree sets EPD0 as a trapped TTBR0 write does",
    "set_ptbr.aligned": "a TTBR0 value has no reserved low bits",
    "set_ptbr.root": "TTBR0 names a registered root table",
    "free_pgd.root": "FREE_PGD names a registered root table",
    "free_pgd.not_live": "the live address space is not torn down",
    # --- trapped EL1 system-register writes --------------------------------------
    "sysreg.ttbr1": "TTBR1 stays the Guardian-built linear map",
    "sysreg.ttbr0_reserved": "a TTBR0 write has no reserved bits",
    "sysreg.ttbr0_root": "a TTBR0 write names a registered root table",
    "sysreg.sctlr_mmu": "the MMU cannot be turned off",
    "sysreg.sctlr_wxn": "SCTLR.WXN is fixed once the MMU is on",
    "sysreg.tcr_ttbr1": "the TTBR1 half of TCR (T1SZ, TG1, EPD1) is fixed",
    "sysreg.tcr_ttbr0": "the TTBR0 geometry of TCR (T0SZ, TG0) is fixed",
    "sysreg.tcr_epd0": "EPD0 stays set while a confidential address space is live",
    "sysreg.vbar_registered": "VBAR names a registered vector table",
    "sysreg.vbar_guardian": "the kernel cannot point VBAR at the Guardian's table",
    "el0_sysregs.tpidrro_zero": "TPIDRRO_EL0 reads 0 whenever a confidential (64-bit) thread runs, as Linux zeroes it at every switch to one",
    "el0_sysregs.guardian_view": "SCTLR/TCR/MAIR bits that change EL0 semantics are the Guardian's while user code runs",
    # --- domain lifecycle ----------------------------------------------------------
    "create.at_random_placed": "AT_RANDOM names 16 bytes exec wrote on the initial stack above sp, present in the new tree, so the Guardian's own bytes land there",
    "create.root": "CREATE_DOMAIN names a registered root table",
    "create.fresh": "a tree becomes confidential once",
    "create.admitted": "only an image the user admitted runs confidentially",
    "create.entry": "the entry point is the measured one (plus a page bias for PIE)",
    "create.exclusive": "no frame of the new domain's tree is mapped elsewhere",
    "create.initial_stack": "argc, argv and envp of the initial stack are well formed and point into it",
    "create.auxv": "the auxiliary vector agrees with the measured images, the CPU, Linux's tick (AT_CLKTCK is arm64's USER_HZ, 100), the CPU's signal frame size (AT_MINSIGSTKSZ) and the stated identity, names no unmeasured vDSO, and points into the stack",
    "create.exec_args": "the image a confidential program execs starts with exactly the argv and envp strings that program passed to execve, and is the image the user admitted at the path it passed, where the user admitted one there",
    "create.exec_filename": "AT_EXECFN of an image a confidential program execs names the path string that program passed to execve",
    "create.exec_real_ids": "execve keeps the real uid and gid: an exec'd confidential image's AT_UID and AT_GID are the ids the exec'ing thread is known to hold",
    "create.exec_elf_argv": "an exec of a path the user admitted as an ELF image is no script exec: the image starts with exactly the argv passed, with no interpreter or interpreter argument in front",
    "create.launch_args": "the user's launch starts once, running the program the user named, with the command line and environment the user gave; any later image names the execve it serves",
    "create.at_random": "AT_RANDOM bytes come from the Guardian's entropy",
    "create.at_random_apart": "AT_RANDOM's 16 bytes lie between the end of the auxiliary vector and the first string of the initial stack, so writing them changes nothing that was checked",
    "create.exec_dispositions": "a confidential program's execve carries its process's own signal dispositions (a vfork child's copy is its own) into the new image as flush_signal_handlers leaves them (an ignored signal stays SIG_IGN, every other one it set is SIG_DFL, with no flags, restorer or mask), so the old action a later rt_sigaction reports is judged against them",
    "create.exec_task": "a confidential program's execve carries the exec'ing thread's persona (less READ_IMPLIES_EXEC, which arm64 clears at exec) into the new image and names its task after the last component of the path execve was given (at most 15 bytes), so personality(), PR_GET_NAME and /proc/self/comm are judged against them",
    "fork.clone_args_read": "FORK_DOMAIN of a clone3 acts on the clone_args the program passed: a page of them swapped out since the call's entry is faulted back in first, never read as zeros",
    "fork.clone_in_progress": "FORK_DOMAIN needs a clone/clone3 in progress",
    "fork.one_child": "one clone slot yields exactly one child context",
    "fork.child_root": "a forked address space is a fresh, empty root table",
    "fork.child_inherits": "when a fork copy window closes (the child or its parent runs), the child holds every page of its parent's private areas from the fork (the same frame, a copy with its bytes, or a claim on the sealed page), except where the program's MADV_WIPEONFORK or MADV_DONTFORK left the range empty or out",
    "fork.vm_flags": "a child shares the address space exactly when the program asked for CLONE_VM",
    "fork.child_id_bound": "a clone child's id is fixed when it is created: at its first run, while its creator's clone is in progress, the TID words the clone's flags name (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID) already hold one id, which then binds the child's gettid/getpid and the clone's return",
    "fork.flags_asked": "the clone the kernel serves has the VM/VFORK/THREAD flags the program asked for",
    "return.clone_efault": "a clone or clone3 fails with EFAULT only where copy_clone_args_from_user() may fault on clone3's struct or set_tid array (not present, a tagged pointer of a thread without TIF_TAGGED_ADDR) or copy_process()'s put_user() of the CLONE_PIDFD word may (not known writable, nor a page of the initial stack's reserve expand_stack_locked() grows to, no other area within stack_guard_gap below it, under the process's own RLIMIT_STACK known to cover the reserve: do_prlimit() success, copied at fork): kernel_clone() ignores put_user() of CLONE_PARENT_SETTID, schedule_tail() and mm_release() store CLONE_CHILD_SETTID/CLEARTID in the child",
    "fork.clone_valid": "no child is made for a clone or clone3 Linux refuses by its arguments alone (copy_clone_args_from_user(): size, exit_signal; clone3_args_valid(): flags, CLONE_SIGHAND with CLONE_CLEAR_SIGHAND, exit_signal with CLONE_THREAD/CLONE_PARENT; clone3_stack_valid(); kernel_clone(): CLONE_PIDFD with CLONE_PARENT_SETTID; copy_process(): CLONE_NEWNS or CLONE_NEWUSER with CLONE_FS, CLONE_THREAD without CLONE_SIGHAND, CLONE_SIGHAND without CLONE_VM; copy_namespaces(): CLONE_NEWIPC with CLONE_SYSVSEM) or by the clone_args it reads at entry (copy_struct_from_user(): a non-zero tail; copy_clone_args_from_user(): set_tid and set_tid_size out of step or past MAX_PID_NS_LEVEL, a set_tid array nothing is mapped at, CLONE_INTO_CGROUP past INT_MAX or shorter than CLONE_ARGS_SIZE_VER2; clone3_stack_valid(): access_ok(); alloc_pid(): a set_tid entry outside [1, pid_max); cgroup_css_set_fork(): a CLONE_INTO_CGROUP descriptor known to be no directory or closed; copy_process(): a CLONE_PIDFD word in no area of the program, put_user() -EFAULT)",
    "return.clone_set_tid": "a clone3 with a set_tid array (no CLONE_NEWPID, the creator in no pid namespace of its own) that made a child returns set_tid[0]: alloc_pid() gives the child that id in its creator's namespace or fails",
    "exit.root": "EXIT_DOMAIN names a confidential address space",
    # --- the return path to user code (RESUME, SIGNAL, sigreturn, fork child, exec) -
    "return.slot": "a return names a saved context of the live address space",
    "return.elr": "the kernel's ELR is the saved one (or the SVC of a restart)",
    "return.rseq_abort": "a thread with a registered rseq area returns after an interrupt or into a signal handler as kernel/rseq.c rseq_ip_fixup() returns it, the Guardian doing it from the program's memory: inside its rseq_cs section it resumes at abort_ip (rseq_cs cleared), outside it where it stopped; a descriptor or signature Linux's rseq_get_rseq_cs() rejects ends the process (force_sigsegv())",
    "return.restart_svc": "a restart re-runs exactly the SVC instruction of a restartable syscall",
    "return.no_exit": "exit and exit_group never return to user code",
    "return.restart_untouched": "a read/write-family syscall that already moved bytes is never restarted",
    "return.clone_zero": "clone never returns 0 to the parent",
    "return.clone_child_id": "a clone that yielded a child returns that child's id to the parent, never an error",
    "return.exec_failed_only": "execve/execveat return to the image that made them only with a negative errno: a success starts the new image (CREATE_DOMAIN of the exec)",
    "return.layout": "mmap/munmap/brk/mremap results agree with the Guardian's own layout",
    "return.fd_fresh": "a descriptor a call makes (openat, dup, fcntl F_DUPFD, socket, pipe2, a CLONE_PIDFD pidfd ...) is a non-negative int the program does not hold open already, nor one below a descriptor an earlier call made as the lowest free one with none closed since (alloc_fd(): find_next_fd())",
    "return.pipe_fifo": "a read of a pipe the program made, whose every write it saw (write/writev by the program, a vmsplice of its own pages, or a splice or sendfile from a memfd whose bytes it keeps; no other splice, tee, vmsplice, io_uring, SCM_RIGHTS of the write end or exec keeping it), returns the next bytes the program wrote, no more than it wrote",
    "return.pipe_count": "FIONREAD on either end of a pipe only the program holds (sole_held: made by its pipe2, never passed on, no unfollowed mover) reports the bytes its writes put in and its reads did not take, and a tee() or splice() out of its read end moves no more than those bytes",
    "pipe.reopened": "the program's own open of /proc/self/fd/N (or /proc/<its pid>/fd/N, /dev/fd/N) that names an end of a pipe only it holds is another reader or writer (by its O_ACCMODE) of that same pipe (proc_fd_link, fifo_open on the pipe's inode), whose reads return.pipe_fifo judges as the pipe's own",
    "memfd.reopened": "the program's own open of /proc/self/fd/N (or /proc/<its pid>/fd/N, /dev/fd/N) that names a memfd only it holds is a second open file of that memfd (proc_fd_link reaches its inode), at offset 0 with an O_APPEND of its own (an appending one writes at the end), and with O_TRUNC it cut the memfd to 0 bytes (handle_truncate; refused under F_SEAL_SHRINK, unmapping every mapped page): its bytes, size and seals stay judged (return.memfd_bytes, return.memfd_size, return.memfd_count), each open file's offset too; its F_GETFL flags and locks no longer",
    "pipe.vmspliced": "a vmsplice() of the program's own pages into the write end of a pipe only it holds (iovecs and pages read at a quiet return) keeps the pipe followed: the bytes it linked in are the pipe's next, judged by return.pipe_fifo where a read's quiet return finds the same frames holding the same bytes (vmsplice_to_pipe links the pages, pipe_read copies from them)",
    "return.memfd_size": "fstat (and newfstatat or statx of the descriptor itself) of a memfd or an O_TMPFILE file only the program holds reports the size its own writes, ftruncate and fallocate gave it",
    "return.memfd_seals": "a memfd's seals, as memfd_create and the F_ADD_SEALS calls that succeeded before a call entered left them, refuse what they forbid: F_ADD_SEALS under F_SEAL_SEAL, a write or a punched hole under F_SEAL_WRITE or F_SEAL_FUTURE_WRITE, and (a memfd only the program holds) growth under F_SEAL_GROW or a cut under F_SEAL_SHRINK; and an open with O_TRUNC of a memfd only the program holds fails with EPERM only under F_SEAL_SHRINK with bytes to cut (shmem_setattr(): a cut to the same size, or under F_SEAL_WRITE, is no refused size change)",
    "return.seek_hole": "lseek(SEEK_HOLE or SEEK_DATA) of a memfd or an O_TMPFILE file only the program holds answers within the file (ENXIO from its end on), never a hole on a page the program's own writes filled, nor data past such a page, nor (where no mapping, fallocate, hole or cut may have filled its page cache otherwise) data where no folio holding such a page may begin",
    "return.memfd_bytes": "a read of a memfd or an O_TMPFILE file only the program holds (but on a page a writable MAP_SHARED mapping of it brought into the domain) returns the bytes its own writes put at that position (zeros where none did) and never reads past the end",
    "return.memfd_mapped": "a read or write of a memfd only the program holds moves, on each page of it that is a confidential frame of the domain (mapped MAP_SHARED or held between mappings), that page's bytes: the Guardian copies them between the page and the program's buffer, as Linux's page cache is one page behind read(), write() and the mapping",
    "return.file_offset": "lseek(SEEK_SET, SEEK_CUR, SEEK_END) of a memfd only the program holds answers where its offset lands: moved only by the program's own reads, writes and seeks",
    "return.eventfd_sum": "a read of an eventfd only the program holds hands out a count only while its counter is not 0, and (not EFD_SEMAPHORE) the whole counter: the initial value plus what the program's writes added, less what its reads took",
    "return.fd_limit": "a descriptor a call makes is below the process's soft RLIMIT_NOFILE, as the program's own setrlimit/prlimit64 set it or its getrlimit/prlimit64 read it (Linux fails with EMFILE instead)",
    "return.device_count": "a read (read, pread64, and readv, preadv, preadv2 whose iovec array nothing changed since the entry) of a descriptor the program opened as /dev/zero, /dev/full, /dev/urandom or /dev/random answers the whole count, or a page multiple below it (a signal), or less only where a copy could fault, never 0 for a non-empty buffer; a read of /dev/null answers 0; a write to /dev/null or /dev/zero answers the whole count (at most MAX_RW_COUNT), one to /dev/full never succeeds",
    "return.counter_size": "a read (read, pread64) of an eventfd or timerfd the program made, and a write (write, pwrite64) of such an eventfd, answers exactly 8 (one count); a write to a timerfd never succeeds",
    "return.admitted_seek": "an lseek of an admitted file or /proc/self/exe whose open the Guardian followed lands at the offset from the start, from the known position, or from the file's size (SEEK_SET, SEEK_CUR, SEEK_END)",
    "return.pipe_atomic": "a write (write, writev, pwritev2) of at most PIPE_BUF (4096) bytes into a pipe the program made answers the whole count: pipe_write moves such a write all at once or fails it",
    "return.pipe_read_count": "a read of a pipe only the program holds that entered with bytes it wrote waiting (none added since, no other read in flight, not a packet pipe) answers min(count, waiting), less only where a copy could fault, never 0",
    "return.memfd_count": "a read of a memfd only the program holds at a known offset answers min(count, size - offset), less only where a copy could fault (shmem_file_read_iter); a write of any bytes to it never answers 0 (generic_perform_write)",
    "return.pair_glue": "a stream receive on an end of a socketpair only the program holds with SO_PASSCRED or SO_PASSPIDFD surely set returns bytes of one sending process: where two processes' bytes wait, each sent while the option was surely set on an end, it stops at the first's end (unix_stream_read_generic: never glue messages from different writers)",
    "return.memfd_fallocate": "fallocate of a memfd the program made and alone holds succeeds only in a mode shmem_fallocate takes: plain allocation, KEEP_SIZE, or KEEP_SIZE with PUNCH_HOLE (every other mode fails with EOPNOTSUPP)",
    "return.fifo_direct": "an open with O_DIRECT and without O_PATH (build_open_how() keeps O_PATH_FLAGS only) of /proc/self/fd/N (or /proc/<its pid>/fd/N, /dev/fd/N, /proc/self/task/<its own tid>/fd/N, a live fork child's /proc/<child>/fd/N) naming an end of a pipe the program made never succeeds: do_dentry_open refuses O_DIRECT on a FIFO (EINVAL)",
    "return.fd_dir_reaped": "an open (any flags) of a name relative to another process's /proc/self, /proc/thread-self, /proc/self/task/<tid> or /proc/<its told pid> directory or fd directory (a descriptor it opened, a working directory set by fchdir() to one), that process reaped before the open entered (a wait report of it or of an orphan it took in, or -ECHILD for a wait on it), never succeeds: proc_pid_permission() (ESRCH), proc_lookupfd_common() -> get_proc_task() finds no task (ENOENT)",
    "return.proc_entry_absent": "an open (any flags) of /proc/<name>/... with <name> of ASCII digits that name_to_int() takes for no number (a leading zero, past UINT_MAX), or of /proc/<pid>/fdinfo/<name>/... (/proc/self, /proc/thread-self, a task's) with <name> no descriptor number to name_to_int(), the name read lexically (/proc/self/cwd, and /proc/<pid>/task/<tid>/cwd and root for the leader's or the caller's tid, followed to a /proc directory or the root the program entered, the leader's for /proc/self; /proc/self/root, a descriptor of the root followed to the root where no call that may change the root was seen (a chroot elsewhere, a mount, setns, unshare(CLONE_NEWNS), a rename not directly in /tmp: unshare_fs() copies the root, chroot() of \"/\" -> set_fs_root() to the same path); /dev/fd/.. and /proc/net/.. read as /proc/self), never succeeds: proc_root_lookup() has no such entry and proc_pid_lookup(), proc_fdinfo_lookup() -> proc_lookupfd_common() -> name_to_int() find none (ENOENT)",
    "return.fd_dir_closed": "an open (any flags) of fd/N relative to a working directory /proc/<pid> (or N relative to /proc/<pid>/fd) another process (a fork child's parent, a CLONE_FS relative: copy_fs() shares the fs_struct) entered by chdir() to /proc/self (/proc/self/fd), or through /proc/thread-self/cwd (/proc/self/cwd of a process of one thread) to it, N a descriptor that process closed before the call (none made since, its table known unchanged through the call), never succeeds: copy_fs() gave the child that dentry, proc_lookupfd_common() looks N up in that process's table (ENOENT)",
    "return.task_foreign": "an open (any flags) of /proc/self/task/<tid>/... (or /proc/<its pid>/task/<tid>/...), <tid> the told id of a live thread of another process (a call of it in flight through the open) or no number to name_to_int() (a sign, a leading zero, past UINT_MAX, digits other than '0'..'9'; /proc/thread-self/.. is the caller's task directory), or of \"<own tid>/...\" relative to another process's /proc/self/task, never succeeds: proc_task_lookup finds no such thread in the directory's thread group (ENOENT)",
    "return.admitted_count": "a read of an admitted file or /proc/self/exe at a known position answers min(count, size - position), less only where a copy could fault (a buffer not mapped writable, or a call that may unmap one in flight)",
    "return.fd_open": "a read, write, seek and the like succeeds only on an open descriptor: never on a negative number, on one the program closed before the call (none made since) nor on one it opened with O_PATH",
    "return.fd_lowest": "a call that makes a descriptor (openat, socket, eventfd2, pipe2, dup, accept ...; fcntl F_DUPFD at least its argument) answers the lowest free one: never one above a descriptor the program closed before the call began, none made since",
    "return.fd_asked": "dup3 returns the descriptor asked for, fcntl F_DUPFD one at least the one asked for",
    "return.cut_unmapped": "when ftruncate (or an open with O_TRUNC through /proc/self/fd) of a memfd or an O_TMPFILE file only the program holds cuts it, no mapping of it in the program still maps a page wholly past the new end, nor keeps a swapped-out copy's entry there (truncate_pagecache unmaps them, even_cows: zap_pte_range frees the swap entries; the Guardian's record of such a copy ends with the cut)",
    "return.given_back": "when munmap, a brk shrink, a shrinking or moving mremap or madvise(MADV_DONTNEED) on private memory returns success, the range it gave back holds no page of the program",
    "return.mmap_fresh": "the range an mmap returns holds no old page: each present page is zero, the admitted file's bytes or input data that entered as such",
    "return.count_bound": "a result that counts what the kernel moved is at most the room the program gave: bytes (read, write, readv/writev by their iovecs, recvmsg/sendmsg, vmsplice, splice, tee, copy_file_range, process_vm_readv, process_madvise, getrandom ...) and records (getgroups, epoll_pwait, ppoll, recvmmsg's vlen, the xattr lists, msgrcv ...), or a negative errno",
    "return.read_within_count": "read, pread64, readv, preadv and preadv2 write nothing into the program's memory past the n bytes they return (the first n across the iovecs): Linux copies exactly the bytes it returns",
    "return.count_written": "a read-family result n (read, pread64, recvfrom, readlinkat, getdents64, getcwd; readv/preadv/recvmsg and vmsplice from a pipe's read end across their iovecs) covers only bytes the kernel wrote into the buffer during the call",
    "return.rseq_answer": "rseq() answers what kernel/rseq.c sys_rseq() answers for its arguments and the thread's registration the Guardian recorded (fork children keep it, threads, vfork children and exec'd images start with none): the errno of its checks (-EINVAL, -EPERM, -EBUSY, -EFAULT), -ENOSYS only before any rseq() of the domain succeeded, 0 only where it accepts; an unregistration -EFAULT only where rseq_reset_rseq_cpu_node_id()'s put_user() faults (the area not on a mapping the Guardian knows writable: the program's protections, the image's writable PT_LOADs, its .bss and heap) and 0 never where it does (a page the program made read-only); the ids it stores (rseq_update_cpu_node_id()) are the Guardian's to store",
    "return.output_written": "every output the output contract (abi/outputs) says a result means was written by the kernel during the call, whole: fixed structs (uname, fstat, statfs, timerfd_gettime, capget, getresuid, waitid's siginfo fields and, when it reports a child, its rusage, a taken signal's siginfo, ioctl/fcntl/prctl outputs by command, an interrupted sleep's remaining time ...), counted records, value-result length words and the bytes they report, recvmsg's header fields; a NULL optional output is exempt",
    "return.record_layout": "a result made of named records is whole inside its count: getdents64's linux_dirent64 records tile the count, each d_reclen a multiple of 8 of at least 20 with d_name NUL-terminated inside it; an inotify read's events tile the count (readv: each piece), each name NUL-padded inside its len",
    "return.inotify_wd": "each event an inotify read returns names a watch inotify_add_watch gave on that descriptor and whose IN_IGNORED (its last event) was not read before the read began; wd -1 only for IN_Q_OVERFLOW",
    "return.timer_live": "timer_gettime, timer_settime, timer_getoverrun and timer_delete succeed only on a live POSIX timer of the caller's process, where the Guardian knows them all: one its own timer_create made and no timer_delete ended (a process starts with none, exec deletes them all)",
    "return.timer_id": "the id a successful timer_create writes is a non-negative int no live timer of the process holds and, for a process the Guardian saw start (launch, fork), at most the number of timer_create calls it made before (Linux's per-process counter starts at 0)",
    "return.cpu_number": "the cpu and node a successful getcpu() writes are the machine's: cpu below its count of CPUs, node below its count of memory nodes (one where the machine has no node tables)",
    "return.value_length": "a length the kernel writes back is within the contract: getsockopt's optlen and recvmsg's msg_controllen at most the one the program passed, an address length (msg_namelen too) at most a sockaddr_storage (128), recvmmsg's msg_len at most its record's buffers",
    "return.time_normal": "every time value a call writes as an output (clock_gettime, clock_getres, gettimeofday, an interrupted sleep's remaining time, timerfd/timer/itimer values, sched_rr_get_interval, a rusage's times, stat/statx timestamps) is normalised: tv_nsec in [0, 10^9), tv_usec in [0, 10^6)",
    "return.cpu_mask": "the mask sched_getaffinity writes names only the machine's CPUs",
    "return.ready_sets": "pselect6's fd_sets written back hold only bits below nfds that were set on entry and the result is the count of bits set; ppoll's revents stay within the events asked (plus POLLERR/POLLHUP/POLLNVAL), none for a negative fd, fd and events untouched, and the result counts the entries with revents",
    "return.clock_monotonic": "clock_gettime of CLOCK_MONOTONIC, _RAW, _COARSE or CLOCK_BOOTTIME (_ALARM) never answers below the latest reading of that clock the domain's processes were given, CLOCK_BOOTTIME never below CLOCK_MONOTONIC's, and an absolute clock_nanosleep that returned 0, or a read counting an expiration of a timerfd armed with TFD_TIMER_ABSTIME, raises its clock's floor to the deadline; a process's CPU time never goes back: CLOCK_PROCESS_CPUTIME_ID per process, CLOCK_THREAD_CPUTIME_ID per thread, each field of times() per process; getrusage's times and counts (ru_utime, ru_stime, ru_maxrss, faults, blocks, context switches) never go back per process (RUSAGE_SELF, RUSAGE_CHILDREN) and per thread (RUSAGE_THREAD), and RUSAGE_SELF's counts and user plus system time are never below a RUSAGE_THREAD reading of one of its threads",
    "return.id_range": "getpid, gettid (and set_tid_address, which answers the same id) and a clone's child id are in 1..PID_MAX_LIMIT (getppid, getpgid, getsid in 0..PID_MAX_LIMIT); getpid is one value per process, and setsid answers it (the new session's id is the caller's pid); getpgid of the caller answers the group its own setpgid or setsid made it lead or join, while no setpgid named another process since; a fork child's getpid is the id its parent's clone returned and never its parent's own; gettid is one value per thread, the id its creator's clone returned, never another live thread's",
    "return.value_range": "getpriority answers 1..40; a read of 8 bytes from a timerfd or eventfd (or a readv into a first iovec of 8 bytes) holds a nonzero counter; an interrupted nanosleep/relative clock_nanosleep leaves at most the time asked, pselect6 at most its timeout; sysinfo counts at least one process, an uptime >= 0 and mem_unit >= 1; getrlimit/prlimit64 report rlim_cur <= rlim_max; sched_getparam a priority of 0..99, sched_getscheduler a policy Linux has; umask an old mask of 0..0777; clock_getres a resolution >= 0; fcntl(F_GETFD) 0 or FD_CLOEXEC; PR_GET_PDEATHSIG 0..64; FIONREAD on a pipe or socket a count >= 0; lseek(SEEK_SET) on a memfd the offset asked; every timer's time left and interval (getitimer, timer_gettime, timerfd_gettime, each setter's old value) at most the value or interval last set (ITIMER_REAL exactly; ITIMER_VIRTUAL/PROF, POSIX timers and timerfds within a tick), an absolute setting leaving no bound",
    "return.range_table": "a successful call's answer lies in the range Linux keeps it in, as abi/value_ranges states per call and command: its result's range (F_GETPIPE_SZ a power-of-two number of pages, F_GETSIG 0..64, PR_GET_DUMPABLE 0..2, the prctl flags 0 or 1, the SVE, SME and pointer-authentication prctls failing and PR_*_TAGGED_ADDR_CTRL holding no MTE bit where the program's AT_HWCAP/AT_HWCAP2 lack that capability, a success only with the arguments Linux accepts (set_robust_list's length, remap_file_pages' prot, process_madvise's flags, PR_SET_THP_DISABLE's unused arguments, a valid PR_SET_VMA name), personality an unsigned int and the persona last set, PR_GET_THP_DISABLE the flag last set, rseq registering only where the thread has no area and unregistering only its own, membarrier's commands and REGISTER_* bits, getcwd at least 2, sched_getaffinity whole longs), each output field's (F_GETLK's l_type a lock type, PR_GET_CHILD_SUBREAPER 0 or 1, getdents64's d_type a DT_* value), its relations to the call's arguments and to what the program holds (a wait for one child reports that child, a wait for a process group a child of that group where the Guardian knows both groups, FUTEX_WAKE at most the count allowed, a requeue at most nr_wake + nr_requeue, F_GETFL the access mode the descriptor was opened with, a PI lock taken only with the caller's tid in its word, sysinfo's free memory at most its total, an affinity mask never empty); no signal set a call reports (rt_sigprocmask's old mask, rt_sigpending's set, an old action's sa_mask) holds SIGKILL or SIGSTOP, an old ss_flags is 0/SS_ONSTACK/SS_DISABLE (SS_AUTODISARM aside), rt_sigtimedwait returns 1..64 with a siginfo naming that signal, waitid reports no negative si_utime or si_stime, timer_getoverrun answers 0..INT_MAX, no timer value (POSIX timer, timerfd, itimer) has negative seconds, no rusage or times() field is negative (rusage's fields Linux never fills are 0)",
    "return.credentials": "a thread's credentials change only by its own set*id or setgroups call: getuid, geteuid, getgid and getegid never fail and answer a 32-bit id, and every id getuid .. getresgid reports, and getgroups' count and list, is the one exec's auxiliary vector (AT_UID, AT_EUID, AT_GID, AT_EGID; the saved ids the effective ones) or the thread's own earlier answer gave, while it made no such call since",
    "return.counter_read": "an eventfd or timerfd answers as the program set it up: a read of an EFD_SEMAPHORE eventfd returns 1, a read of a one-shot timerfd (no interval) counts 1 expiration, and timerfd_gettime of a timer last armed with a relative time reports at most that time left (at most its interval once it repeats) and the interval it was set with",
    "return.umask_kept": "umask answers the mask the process's previous umask set (its threads share it; nothing else changes it), unless two of its umask calls race or it shares its fs_struct with another process (CLONE_FS without CLONE_THREAD)",
    "return.cmsg_layout": "the control messages recvmsg writes back tile the msg_controllen it writes back: each header inside it, each cmsg_len at least a header and inside it, the next message at the 8-byte-aligned length",
    "return.string_nul": "a name Linux NUL-terminates (getcwd's path within its count, each utsname field, PR_GET_NAME's 16 bytes) holds its NUL",
    "return.no_contract": "a call, or a command of a multiplexed call (ioctl request, fcntl command, prctl option, IPC/keyctl/quotactl/ptrace/syslog/seccomp command), with no row in the output contract (abi/outputs), or one whose success it cannot judge, answers only an error: the contract is an allow-list",
    "return.offload_error": "pulse_submit for a confidential program answers only an error: no device may read its nodes or write its scratchpad, so a count of iterations is outside the contract",
    "return.exit_status": "a report of a confidential child's end (wait4's status, waitid's siginfo, the SIGCHLD siginfo SIGNAL enters, rt_sigtimedwait takes or a signalfd read returns) says 'exited with c' only where a thread of the child's current image (fork or vfork child, exec'd or not) asked exit/exit_group with c (low 8 bits), and 'killed by a signal' only where none asked exit_group; a SIGCHLD siginfo names a child of the program, and none names a child whose SIGCHLD is past; a wait report names no child reported reaped already, never the waiter, one of the waiter's children where the Guardian knows them all, and a stop or continue only where the wait asked for it; no SIGCHLD says a child a wait reported reaped stopped or continued, nor reports the end of a child whose clone named another exit signal (0: none)",
    "return.reaped_child": "a fork child a wait4/waitid report reaped has ended: its descriptors are released and none of its threads returns to user code",
    "return.getrandom": "getrandom bytes for a confidential program come from the Guardian",
    "return.machine_fact": "what the system tells a program about the machine agrees with the machine and with itself: the CPU lists, kernel_max, /proc/stat's and /proc/cpuinfo's CPUs name only the machine's CPUs (possible and present CPU 0, online and present within possible, possible within kernel_max, kernel_max NR_CPUS - 1 in 1..4095), /proc/meminfo's MemFree is at most its MemTotal, MemTotal and sysinfo()'s totalram * mem_unit are at most the machine's RAM and agree, osrelease is uname()'s release, ngroups_max is NGROUPS_MAX, overcommit_memory is 0..2, THP enabled brackets one choice, and the hrtimer clocks' clock_getres() is one value",
    "return.self_report": "a read of a /proc/self file from its start agrees with what the Guardian knows of the caller: status's Tgid and Pid lines name the pid getpid gave, cmdline and environ copy the argument and environment areas exec placed, comm is the name PR_SET_NAME gave and a newline, limits' soft open-file limit is the one the program knows, maps read whole lists every area the process holds, fdinfo's pos is a sole-held memfd's offset, task listed to its end names the calling thread, status's VmSize and statm's size agree while no area changed between them, fd/N of a pipe links to pipe:[the inode fstat reported], and /proc/cpuinfo's Features line names exactly the capabilities of the program's AT_HWCAP and AT_HWCAP2",
    "return.admitted_bytes": "a read of a descriptor the program opened by an admitted file's path, or by /proc/self/exe (the running executable: no one writes it) (read and readv at the open file's position, followed from the open through its own reads and lseeks; pread64 and preadv at the offset asked) answers that file's bytes and never runs past its end: ld.so lays a library out from the header it read",
    "return.pair_bytes": "a receive on an AF_UNIX socketpair only the program holds returns what its peer end sent (a stream's next bytes; a datagram or seqpacket pair's first record, cut to the buffer, whole with MSG_TRUNC, with the SCM_CREDENTIALS its sender passed), and FIONREAD there counts what waits (every byte; a SOCK_DGRAM pair's first record)",
    "return.record_whole": "a send of a record on a SOCK_DGRAM or SOCK_SEQPACKET socketpair only the program holds answers the record's whole length or an error: a record is never cut",
    "return.move_offset": "splice, sendfile and copy_file_range given an offset pointer write it back moved on by exactly the bytes they answer having moved (against the value the program passed, read at the call's entry)",
    "return.fd_cloexec": "fcntl(F_GETFD) answers the close-on-exec flag the call that made the descriptor set (O_CLOEXEC, SOCK_CLOEXEC, MSG_CMSG_CLOEXEC ...) as the program's own F_SETFD, FIOCLEX, FIONCLEX or close_range(CLOSE_RANGE_CLOEXEC) left it, where the Guardian knows it and no other call on the same descriptor table is in flight",
    "return.rcvbuf_set": "after the program's own setsockopt(SO_RCVBUF or SO_RCVBUFFORCE, v) on an end of a socketpair it alone holds, getsockopt(SO_RCVBUF) there reads back a size of at most max(2 v, SOCK_MIN_RCVBUF) (Linux stores max(min(v, rmem_max) * 2, SOCK_MIN_RCVBUF) and locks it)",
    "return.fd_nonblock": "fcntl(F_GETFL) of a pipe or socket the program made reports O_NONBLOCK exactly when its making call (O_NONBLOCK, SOCK_NONBLOCK) and the program's own F_SETFL or FIONBIO left it set, where no other call on the same descriptor table is in flight and no F_SETFL, ioctl or sendmsg of any table overlapped it (an SCM_RIGHTS send or an exec keeping it ends the judging)",
    "return.memfd_flags": "fcntl(F_GETFL) of a memfd or an O_TMPFILE file only the program holds reports O_APPEND and O_NONBLOCK as its making call and the program's own F_SETFL and FIONBIO left its one open file (in whichever process, a fork child included, made them), where no call that may change them overlapped it",
    "return.memfd_lock": "an fcntl record lock on a memfd only the program holds answers as the program's own lock calls left its locks (an OFD lock owned by its one open file, a POSIX one by a descriptor table, released by that table's close of any descriptor of it): a SETLK refused with EAGAIN only where a lock of another owner that conflicts may be held, a POSIX SETLK granted and F_GETLK answering F_UNLCK only where no OFD lock that conflicts is held",
    "return.running_image": "pread64 and fstat of the executable file the calling program runs from (its admitted path) answer that file's bytes and size: no one writes a running executable",
    "return.dev_zero": "bytes a confidential program reads (read, pread64, readv, preadv, preadv2) from a descriptor it opened as /dev/zero are zeros, written by the Guardian (read_zero clears the buffer)",
    "return.urandom": "bytes a confidential program reads (read, pread64, readv, preadv, preadv2) from a descriptor it opened as /dev/urandom or /dev/random come from the Guardian",
    "return.urandom_moved": "splice, sendfile, copy_file_range or tee out of a descriptor a confidential program opened as /dev/urandom or /dev/random never succeeds: the bytes would reach it as the kernel's entropy, which the Guardian cannot replace",
    "return.epoll_data": "an epoll wait reports at most maxevents events, each carrying the data of a registration the program holds on that epoll instance (epoll_ctl ADD/MOD, not since DEL), with event bits within the registered ones plus EPOLLERR/EPOLLHUP; an instance the program did not make reports none",
    "return.epoll_released": "an epoll event never carries the data of a registration whose target file was released (its last descriptor closed, replaced by dup3, dropped at exec by FD_CLOEXEC or gone with its process): Linux drops the registration with the file; a dup of the target keeps it",
    "return.epoll_oneshot": "an epoll wait never reports an EPOLLONESHOT registration that already fired since ADD or MOD armed it (for a wait that began after that arming, no epoll_ctl in flight): Linux disarms it until EPOLL_CTL_MOD",
    "return.signalfd_mask": "a read (read, readv) of a signalfd returns whole signalfd_siginfo records, each naming a signal of the mask the program made or last set the descriptor with",
    "return.after_exit_group": "once a thread called exit_group, no thread of its thread group returns to user code (RESUME, SIGNAL, a new thread's first run)",
    "return.sigwait_set": "rt_sigtimedwait returns a signal of the set the program passed (SIGKILL and SIGSTOP aside) or an errno",
    "return.pending_blocked": "rt_sigpending reports only signals the thread blocks (pending & blocked), on the bits of its mask the Guardian knows",
    "return.restart_code": "no syscall's answer reaching user code is a kernel-internal restart code (-ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK): Linux turns each into a restart or -EINTR first",
    "return.errno_set": "a call whose errors Linux's code fixes fails only with one of them (sched_yield and the getpid family never fail, uname only with EFAULT, clock_gettime of a known clock only with EFAULT, rt_sigaction/rt_sigprocmask with EINVAL only for a bad signal, how or sigsetsize, close_range with EINVAL only for unknown flags or fd > max_fd, getrandom with EAGAIN only under GRND_NONBLOCK), unless a seccomp filter or syscall user dispatch may be in place",
    "return.epipe_reader": "a write or writev on a pipe the program made answers -EPIPE only once no reader is left: never while the caller's own table holds the pipe's read end open (and no close of the program's is in flight)",
    "return.pipe_read_waiting": "a read of a pipe only the program holds that entered with bytes it wrote waiting fails only with EFAULT, EINVAL or ENOMEM: pipe_read copies buffered bytes before it would ever wait, so never EAGAIN nor EINTR",
    "return.ready_uninterrupted": "ppoll and pselect6 asked to report readable an end of a pipe or socketpair only the program holds, where bytes went in before the call entered and none left until it returned, never answer -EINTR: do_poll() and do_select() count it on their first pass and turn a pending signal into -ERESTARTNOHAND only with nothing ready (a mask unblocking a pending signal included)",
    "return.signalfd_copied": "a read of a signalfd the program made that wrote a whole first 128-byte record at the buffer's start answers at least that record, never an error: signalfd_read_iter() returns total ? total : ret (a later record's fault or an empty queue ends the loop with what was copied)",
    "return.pending_known": "rt_sigpending reports every standard signal known pending for the space's one thread (pending_order.py: the program sent it itself while blocking and handling it, and nothing since took or flushed it -- a poll that installs no mask takes nothing) that the thread blocks: do_sigpending() reports (pending | shared_pending) & blocked",
    "return.eintr_handler": "a wait Linux restarts unless a handler runs (rt_sigsuspend; ppoll and pselect6 without a timeout; nanosleep, clock_nanosleep) answers -EINTR only with a handler entered at that return, and one that -ERESTARTSYS ends (wait4, waitid, read/readv/write/writev on a pipe) only with a handler without SA_RESTART; epoll_pwait with a zero timeout and epoll_pwait2 with a zero timespec never answer -EINTR (ep_poll returns 0 first)",
    "return.pidfd_ended": "pidfd_send_signal through a pidfd whose process a wait of the program reaped never succeeds (Linux answers -ESRCH: a pidfd never names a later process with the same id)",
    "return.pollnval_open": "ppoll reports POLLNVAL only for a descriptor the program does not hold open (unless a close of its table is in flight on another thread)",
    "return.pollhup_writer": "ppoll (POLLHUP) and an epoll wait (EPOLLHUP) report a hang-up on a pipe's read end only once no writer is left: never while a table of the program holds its write end (no close in flight on another thread)",
    "return.self_signal": "a signal the program sends itself, unblocked and with a handler, is delivered before kill() returns",
    "return.vfork_held": "a vfork child never returns to user code in the borrowed address space after its parent has: the two never run interleaved",
    "return.lock_el1": "after a return to user code the El1 face refuses to touch the core",
    "signal.handler": "a signal enters only a handler the program registered",
    "signal.uncatchable": "SIGKILL and SIGSTOP never reach a handler: rt_sigaction never succeeds in setting an action for them (Linux answers -EINVAL) and SIGNAL never enters one for them",
    "signal.reset_hand": "delivering a SA_RESETHAND signal sets the Guardian's record of its action back to SIG_DFL, so the handler is not entered again unless the program registers it again",
    "signal.queued_value": "a signal reaching the program (handler, rt_sigtimedwait, signalfd) with si_code SI_QUEUE from one of its processes carries the si_value a pending rt_sigqueueinfo/rt_tgsigqueueinfo of the program passed, and a real-time signal's instances come in the order they were queued, in each queue: one sending thread's in its order, and any that a send surely queued for the receiver and that returned before another send entered before that one (list_add_tail(), collect_signal()); a send that answered an error queued nothing",
    "signal.timer_value": "a signal reaching the program (handler, rt_sigtimedwait, signalfd) with si_code SI_TIMER naming a live POSIX timer of the receiving process carries the si_value that timer's timer_create gave it (sigev_value; the id for a NULL sigevent)",
    "signal.sender_witnessed": "a queued signal whose siginfo names a process of the program as its sender (SI_USER, SI_QUEUE, SI_TKILL) reaches a thread (delivered, taken by rt_sigtimedwait or read from a signalfd) only after that process sent it there (its kill/tgkill/sigqueue seen at entry, not yet delivered; a tgkill/tkill/rt_tgsigqueueinfo only to the thread whose known id it named); Linux's own SI_USER SIGPIPE or SIGXFSZ only after a call of that process answered -EPIPE (without MSG_NOSIGNAL) or -EFBIG; such a siginfo's si_uid is the sender's uid as getuid told the program; a kill() of another process of the program that found the signal unblocked and ignored there (SIG_IGN, or SIG_DFL of SIGCHLD, SIGURG, SIGWINCH), that process's mask and actions steady while it ran, reaches it never (prepare_signal(): sig_ignored()); a child the receiver forked never sends its parent-death signal",
    "signal.sync_witnessed": "a fault signal (SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP with a fault si_code) follows the thread's matching exception, with the Guardian's siginfo",
    "signal.sigio_fd": "an I/O notification (si_code POLL_*, delivered, waited for or read from a signalfd) names in si_fd a descriptor of the program with a fasync entry (O_ASYNC, FIOASYNC, F_SETLEASE, F_NOTIFY) whose open file F_SETSIG gave that signal, unless the program queued the signal to itself",
    "signal.seccomp_trapped": "a SIGSYS with SYS_SECCOMP is delivered at the return of the call it names in si_syscall (AArch64), in a process whose program installed a seccomp filter; it is never waited for or read from a signalfd",
    "signal.alarm_armed": "a SIGALRM with SI_KERNEL (an ITIMER_REAL expiry) comes while the process's real timer is armed, or once for an arming that may have expired before setitimer changed it",
    "signal.fault_code": "a SIGSEGV says SEGV_MAPERR (no mapping) only for an address outside every area the program mapped and still holds (the stack's reserve aside, or while a call of the process may be unmapping): inside one the fault is SEGV_ACCERR",
    "signal.resolved_fault": "no SIGSEGV or SIGBUS reports a load or store fault in the brk heap, a load where an anonymous area the program mapped (private, or shared without MAP_NORESERVE) is readable or a store where it is writable, as its own mmap, mprotect and mremap left it, which Linux resolves (unless the program changed that mapping otherwise, or a call that may is in flight), and no SIGBUS with BUS_ADRERR one on a page of a MAP_SHARED memfd mapping that starts below the size the program's own calls gave the memfd (no ftruncate of the program in flight)",
    "signal.siginfo": "a queued signal's siginfo names the signal delivered (si_signo) and carries a sender's code, SI_KERNEL or a notification's (CLD_*, POLL_*), never a fault code for a fault the thread did not take; a notification's si_utime and si_stime are not negative",
    "signal.blocked": "a signal the thread's mask blocks (its own, a handler's, or a wait's temporary one) is never delivered, and a handler is never re-entered unless the mask is known to allow it",
    "signal.frame_mask": "a signal frame saves the thread's own mask (the one from before a sigsuspend-style wait), so rt_sigreturn restores it, and never a mask holding SIGKILL or SIGSTOP, which no thread blocks",
    "signal.altstack_busy": "a sigaltstack() that sets a stack never succeeds while the thread runs on its alternate stack (do_sigaltstack: EPERM while on_sig_stack)",
    "signal.frame_stack": "a signal frame's uc_stack.ss_flags is one Linux saves: 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM aside)",
    "signal.altstack": "an alternate signal stack is one the program set",
    "signal.altstack_owner": "a signal uses the alternate stack of the thread it is delivered to, as that thread's own sigaltstack set it (the kernel's SS_DISABLE is not taken on trust)",
    "signal.altstack_fit": "a signal frame on an alternate stack fits inside it, nested frames included",
    "signal.trampoline": "the signal-return trampoline is the expected code",
    "sigreturn.frame": "rt_sigreturn restores only a well-formed frame (EL0, aligned PC and SP)",
    # --- exception entry -----------------------------------------------------------
    "entry.scrub_registers": "the kernel gets only the syscall number and arguments, never the rest of the registers",
    "entry.syscall_arity": "the kernel gets only the argument registers the syscall takes (its Linux arity, abi.syscalls SYSCALL_ARITY), none for a number it does not know",
    "entry.hide_irq_pc": "the kernel does not learn the user PC at an interrupt",
    "entry.hide_fault_pc": "the kernel does not learn the user PC of a data abort (address and syndrome only)",
    "entry.hide_fault_offset": "at a data or instruction abort the kernel learns the fault address's page only (FAR_EL1 untagged -- bit 55 sign-extended over a tagged pointer's top byte, as do_page_fault()'s untagged_addr() -- with its page offset cleared, and no ELR at an instruction abort, whose ELR is that address): handle_mm_fault() works on the page, and a fault signal's exact si_addr comes from the Guardian's record",
    "entry.counter_read": "a confidential program's EL0 read of the timer's counter (CNTVCT_EL0, CNTVCTSS_EL0, CNTFRQ_EL0) is answered by the Guardian from the machine's counter, never by the kernel",
    # --- user access (capabilities) ------------------------------------------------
    "uaccess.slot": "user access names a syscall in progress of the live domain",
    "uaccess.slot_tree": "a call's user access goes to the address space of the thread that made it (the loaded tree is the slot's), except the CLONE_CHILD_SETTID word of the fork child that clone yielded",
    "return.args_resident": "a call returns only with the user memory it works on (its capabilities, what it stored) resident: a page swapped out before the return is faulted back in first, so the Guardian's checks read the bytes the call read and stored",
    "uaccess.syscall_in_progress": "the kernel copies to or from a program's memory only for a system call in progress: never for a fault, an interrupt, or a thread that has not yet run (exec builds the initial stack before the domain exists)",
    "uaccess.capability": "the kernel touches user memory only under a capability of the syscall",
    "uaccess.tid_word": "the kernel stores into a TID word only as Linux does: at a clone, the child's TID at the words its flags name (ptid in the caller's tree, ctid in the child's), and at a thread's exit 0 into that thread's own registered word (its group's at exit_group), in its own tree; a word a clone stored holds the TID the clone returns",
    "return.sleep_rem_unwritten": "a sleep writes its remaining time only when a signal cut a relative sleep short (-EINTR): one that completed, and an absolute clock_nanosleep, leave the remainder as the program had it",
    "clock.timeout_elapsed": "a wait that timed out (FUTEX_WAIT's -ETIMEDOUT; ppoll, pselect6, epoll_pwait, epoll_pwait2 answering 0) and a relative sleep that completed lasted at least their timeout (Linux's timers never expire early): the clock they run on has reached its floor at their first entry (a restart continues the same wait) plus the timeout (an absolute wait's deadline), and no later reading is below it",
    "uaccess.futex_command": "futex touches only the user memory its command uses: the waits read the word they compare and their timeout, the wakes (FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_REQUEUE) touch none, FUTEX_WAKE_OP only its second word, the PI commands their lock word",
    "return.shared_futex_waiters": "a shared futex wake (no FUTEX_PRIVATE_FLAG) whose words lie in memory only the program's processes can map (a private anonymous area its own mmap made, or a MAP_SHARED anonymous area, a shmem object only fork hands on) counts at most the threads of the program's processes that were in a futex wait at its entry or began one since",
    "return.rights_kept": "an object only the program holds (pipe, memfd, eventfd, socketpair) that one of its processes sends with SCM_RIGHTS over an end of a socketpair only the program holds is still held by the program alone: the message waits at the peer end, and recvmsg there installs the very open file sent, so what the object answers stays judged",
    "return.named_pair": "an AF_UNIX connection between the program's own socket and its own listener bound to an abstract name it holds is followed as a socketpair only the program holds (every socketpair rule judges it) where the accept() is known to return the program's connection: the listener's last listen() was given backlog 0 (Linux then queues a connection only onto an empty queue, unix_recvq_full()), the program's connect() returned first and its accept() there began after, no other accept() between",
    "return.stream_whole": "a receive on an AF_UNIX stream connection only the program holds, with bytes its peer end sent waiting (one run from one process, no control data) and the whole buffer mapped writable, takes as many as fit: unix_stream_read_generic() copies skb after skb while room is left",
    "return.record_flags": "recvmsg of a record on an AF_UNIX SOCK_SEQPACKET or SOCK_DGRAM end only the program holds sets MSG_TRUNC in msg_flags exactly when the record its peer end sent was longer than the buffer",
    "return.rights_trunc": "recvmsg that takes the first bytes of a message the program's own peer end sent with N descriptors (SCM_RIGHTS) and installs fewer sets MSG_CTRUNC (scm_detach_fds())",
    "return.pair_unnamed": "on a socketpair only the program holds whose ends were never bound, connected or given SO_PASSCRED/SO_PASSPIDFD, getsockname and getpeername write back length sizeof(sa_family_t) and recvfrom's addrlen and recvmsg's msg_namelen come back 0 (unix_getname(), unix_copy_addr())",
    "return.pair_waiting": "ppoll and pselect6 that return report an end of an AF_UNIX socketpair or connection only the program holds readable when bytes or a record waited there for the whole call, and a stream end writable when nothing it sent waits at its peer (unix_poll(), unix_writable()); an epoll wait with such an end registered level-triggered for EPOLLIN reports at least one event",
    "return.pair_ready": "ppoll and epoll report POLLIN on an end of an AF_UNIX socketpair or connection only the program holds only with something waiting there, a shut-down reading side or a released peer (unix_poll())",
    "return.pair_mmsg": "recvmmsg on an end of a SOCK_DGRAM or SOCK_SEQPACKET socketpair or connection only the program holds receives no more records than its peer end sent (sendmsg, sendmmsg ...) and no receive took: each message is one record",
    "return.shut_send": "a send on an AF_UNIX stream socket after its own shutdown(SHUT_WR) or its peer's shutdown(SHUT_RD) moves no byte (a seqpacket socket: after such a shutdown made while connected to a peer the program alone holds): Linux fails it with EPIPE",
    "return.exec_kept": "execve keeps a descriptor without FD_CLOEXEC and the object it reaches as it was: a pipe, memfd, eventfd or socketpair only the exec'ing process of the program holds goes on into the new image as its own calls left it, and what it answers there stays judged",
    "return.unix_name": "getpeername of an AF_UNIX socket the program connected to the abstract name its own listener holds, and getsockname of a socket it bound to an abstract name or that its listener accepted, report that name whole (its length and bytes): a bound name never changes, an abstract name reaches only the socket bound to exactly it, and an accepted socket carries its listener's address (unix_getname()); accept() on a listener with backlog 0 whose queued connection is the program's own reports that socket's address (sizeof(sa_family_t) for one never bound)",
    "return.unix_peercred": "SO_PEERCRED of an AF_UNIX socket the program connected to its own listener names the process that last called listen() on that listener before the connect (init_peercred(), copy_peercred()), and of a socket its listener with backlog 0 accepted from the program's own connect() the process that connected: where that is the reader's own process, the pid it is told, where a fork child of the reader's, the pid its fork returned",
    "return.unix_creds": "SCM_CREDENTIALS that recvmsg reports on an AF_UNIX stream connection or socketpair only the program holds, for bytes the reader's own process sent with SO_PASSCRED or SO_PASSPIDFD surely set on an end, are that process's pid as it was told, its real uid and real gid (maybe_add_creds(), scm_recv())",
    "return.unix_listening": "SO_ACCEPTCONN of an AF_UNIX socket the program made and never passed on is 1 once its own listen() on it succeeded and 0 while none did (sk_state == TCP_LISTEN, which only listen() sets and only the socket's release ends)",
    "return.unix_error": "SO_ERROR of an AF_UNIX stream socket the program connected to its own listener is 0 while every socket that may be its peer (the listener, the sockets it accepted since) is held open by the caller's own descriptor table: only the release of its peer sets its error (unix_release_sock())",
    "return.futex_wait_value": "FUTEX_WAIT and FUTEX_WAIT_BITSET answer 0 only after queuing the caller, which Linux does only while the word holds the expected value: a wait whose word differed at its entry, while nothing could change it until the return (no other thread of the address space in the kernel at the entry or running user code since, the word in none of the program's shared or file mappings), never answers 0",
    "uaccess.futex_wake_op": "FUTEX_WAKE_OP stores into its second word once, the whole word, exactly its operation's result on the value the word held",
    "return.futex_pi_word": "a PI futex call is judged on the lock word it found, where nothing else could change it until the return: FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI on a word the caller owns answer -EDEADLK, a trylock of a word another TID owns never succeeds, a free private lock nobody is queued on becomes exactly the caller's TID with the FUTEX_OWNER_DIED it held (no FUTEX_WAITERS); FUTEX_UNLOCK_PI of a word the caller does not own answers -EPERM and, with nobody queued on the private lock, leaves the word 0",
    "return.futex_requeue_value": "FUTEX_CMP_REQUEUE and FUTEX_CMP_REQUEUE_PI whose first word differed from val3 at the entry, while nothing could change it until the return, answer -EAGAIN, never a count",
    "return.futex_requeue_pi": "FUTEX_CMP_REQUEUE_PI with nr_wake other than 1, or with the same word as source and target, answers -EINVAL, never a count",
    "return.futex_timespec": "a futex command with a timeout whose timespec is invalid (tv_sec below 0, tv_nsec not below 10^9), while nothing could change it until the return, answers -EINVAL before it waits: never a success or -ETIMEDOUT",
    "return.futex_waitv_index": "futex_waitv answers an index only below the first of its words that differed from its expected value at the entry, while nothing could change the words until the return: Linux never queues a word from that one on",
    "uaccess.long_lived_exit": "the robust-list head a thread last registered is the kernel's only at that thread's exit (its group's at exit_group), never at another call or another thread's exit",
    "exit.tid_once": "a thread's exit clears its CLEARTID word once (the join's signal that it is gone, after its robust-list walk): once that clear was granted, no access on the thread's behalf follows (no second clear, no robust-list read or write) and it never returns to user code",
    "exit.after_reaped": "once a wait4/waitid report reaped a process (a CLONE_VM child sharing the parent's memory included), no user access on behalf of its threads follows: its exit, CLEARTID clear and robust-list walk included, is over",
    "uaccess.old_sigaction": "the previous action rt_sigaction reports is the one the program installed (or SIG_DFL/SIG_IGN for a signal it never set)",
    "uaccess.old_sigmask": "the previous mask rt_sigprocmask reports is the thread's mask before the call, on every bit the Guardian knows",
    "uaccess.old_altstack": "the previous alternate stack sigaltstack reports is the thread's own, as the program set it",
    "ustring.capability": "a user string lies inside a capability, NUL included",
    # --- frames --------------------------------------------------------------------
    "frame.unmap_confidential": "a confidential frame leaves the kernel's linear map",
    "frame.scrub_on_release": "a confidential frame is scrubbed when its last mapping goes",
    "copy_page.ram": "COPY_PAGE names RAM pages",
    "copy_page.dst_fresh": "COPY_PAGE writes only a FREE or KERNEL frame with no user mappings",
    "copy_page.src_protected": "COPY_PAGE never reads GUARDIAN or PAGE_TABLE memory",
    "reclaim.memfd_closed": "a memfd's held page goes back to the kernel (RECLAIM_PAGE) only once no descriptor of the memfd is open (or being closed by a syscall in progress) and no tree maps or holds sealed a page of it, or, wholly past the new end, while the program's own ftruncate or O_TRUNC open cutting that memfd is in progress",
    "reclaim.held": "RECLAIM_PAGE gives back only a share page the Guardian holds with no mapping",
    "dma.filter": "DMA never reaches CONFIDENTIAL, GUARDIAN or PAGE_TABLE frames",
    # --- secure memory management ---------------------------------------------------
    "smm.aligned": "secure-MM addresses are aligned as the call requires",
    "smm.user_range": "secure-MM addresses are user addresses and frames are RAM",
    "smm.confidential_root": "secure-MM calls name a confidential address space's root",
    "smm.fresh_frame": "a frame the Guardian fills is FREE or KERNEL with no user mappings",
    "smm.page_mapped": "the page is mapped by a 4 KiB entry of that tree",
    "smm.page_owned": "the page's frame is a confidential frame of the tree's domain",
    "smm.page_alone": "the page's frame has no other mapping",
    "swap_in.slot_empty": "swap-in fills an existing, empty level-3 entry",
    "swap_in.descriptor": "swap-in installs a page descriptor naming the given frame",
    "swap_in.well_formed": "a sealed page has the expected header",
    "swap_in.outstanding": "a sealed page is swapped in once, by a tree that holds it (no replay)",
    "swap_in.same_va": "a sealed page goes back at the address it was sealed for",
    "swap_in.authentic": "a sealed page authenticates under the domain's key",
    "swap_in.share_one_frame": "a swapped-out page of a MAP_SHARED share comes back as one frame for every place: never while another place maps the page, and once back, no other place swaps in its own copy",
    "swap_share.same_domain": "a sealed page is shared only within its domain",
    "swap_share.outstanding": "only an outstanding sealed page is shared",
    "swap_share.fork_advice": "a sealed page is never shared into a fork child where the program's MADV_WIPEONFORK or MADV_DONTFORK left the range empty or out",
    "swap_share.fork_copy": "a sealed page is shared only from a parent tree into the fork child being copied from it (no user code of either has run since the fork)",
    "swap_discard.outstanding": "only an outstanding sealed page is discarded",
    "swap_discard.program_asked": "a sealed page is discarded only inside the program's own unmapping, or its exit",
    "ksm.same_domain": "pages of different domains are never merged",
    "ksm.private_only": "KSM merges private pages only, never a page of a MAP_SHARED share",
    "ksm.distinct_present": "KSM merges two present pages in different frames",
    "ksm.identical": "KSM merges only byte-identical pages",
    "ksm.mergeable": "PAGE_DIGEST and KSM_MERGE only for pages the program itself made mergeable (madvise MADV_MERGEABLE, prctl PR_SET_MEMORY_MERGE) and did not unmerge, unmap or move away since: Linux's KSM compares no other page",
    "thp.contiguous": "THP collapse needs 512 contiguous, aligned, uniform pages",
    "thp.exclusive": "THP collapse takes only exclusive confidential frames of the domain",
    "thp.block": "THP split needs a block mapping",
    "compress.refused": "confidential pages are never compressed",
    "mprotect.pinned": "the predecessor design never moves, swaps or merges a confidential page",
    "return.futex_woken_by": "a futex wait answers 0 only once a wake that reaches it took it off its queue: a private wait only by a private wake of a thread of its address space naming its word with an intersecting bitset (FUTEX_WAKE_OP's second word only when its comparison held), a shared wait on a word no other address space can name only by a thread of its own",
}


class Refused(Exception):  # noqa: N818 - control flow: a precondition failed
    """A Guardian check failed: the call changes nothing and returns `status`."""

    def __init__(self, check: str, status: Status, reason: str, signo: int = 0) -> None:
        super().__init__(f"{check}: {reason}")
        self.check = check
        self.status = status
        self.reason = reason
        #: the fatal signal Linux itself ends the thread with here (the program's own
        #: fault, e.g. force_sigsegv()), returned with the refusal; 0: none
        self.signo = signo


class FaultIn(Exception):  # noqa: N818 - control flow: not an error
    """The request needs a user page that is not present: the kernel faults `va` in
    and calls again (status FAULT_IN, the address in the value).  `write`: a page the
    Guardian stores into for the kernel (a RESUME's rseq stores), which the kernel makes
    writable as a write fault would (a copy-on-write page copied); bit 0 of the value."""

    def __init__(self, va: int, write: bool = False) -> None:
        super().__init__(f"user page at {va:#x} is not present"
                         + (" and writable" if write else ""))
        self.va = va
        self.write = write


def _mutated_from_env() -> str:
    name = os.environ.get("BLINDFOLD_MUTATE", "")
    return name


#: The check this build runs without ('' for none).  Paths that run on every exception
#: compare a check's name with it directly (`checks.MUTATED != name` is `enabled(name)`
#: without the call); everything else asks `enabled`.
MUTATED = _mutated_from_env()


def mutated() -> str:
    """The check this build runs without ('' for none)."""
    return MUTATED


def set_mutation(name: str) -> None:
    """Run without check `name` from now on ('' restores every check)."""
    global MUTATED
    if name and name not in CHECKS:
        raise ValueError(f"no Guardian check is named {name!r}; "
                         "list them with python -c 'import guardian.checks as c; print(list(c.CHECKS))'")
    MUTATED = name


#: The checks a run reached, while a trusted harness records them (None: not recording):
#: each name `refuse` was called with and each `enabled` was asked about.  A build without
#: check X behaves as the intact one until X is reached, so mutation testing need not run a
#: scenario that never reaches X (`attacks.mutation`).
REACHED: set[str] | None = None


def enabled(name: str) -> bool:
    """Whether a protective step runs (False only in a build that removes it)."""
    if REACHED is not None:
        REACHED.add(name)
    return name != MUTATED


def refuse(name: str, status: Status, reason: str, signo: int = 0) -> None:
    """A check failed: raise Refused (in a mutated build the named check lets it pass).
    `signo`: the fatal signal Linux ends the thread with there (Refused.signo)."""
    assert name in CHECKS, f"unregistered check {name}"
    if REACHED is not None:
        REACHED.add(name)
    if name != MUTATED:
        raise Refused(name, status, reason, signo)


if MUTATED and MUTATED not in CHECKS:
    raise SystemExit(f"BLINDFOLD_MUTATE={MUTATED}: no such Guardian check "
                     f"(known: {', '.join(CHECKS)})")
