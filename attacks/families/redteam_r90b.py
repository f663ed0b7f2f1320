"""Red-team round 90b: the memory ground after round 89b's first tests and answer stores
(guardian/first_failures.py `_fails_first_r89()`, guardian/first_tests.py, guardian/
kind_stores.py) against this round's victim `secret_r90_mm` (workloads/src/
secret_r90_mm.c, markers from 17600, 6 apart: P before the step, x3 the view; P + 4 after page 2 is
read and the step's call, before pwrite64() of 'y').

Every attack is round 89b's shape on a call or a test no rule names yet: page 2 of the
step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the memfd (3 pages of 'x') is a clean
page -- the page cache folio under Linux --; as the step's call (an output at page 2)
enters, the kernel drops page 2 and maps it WRITABLE on a fresh copy of 'x', serves the
call as getpid() and answers -EFAULT; pwrite64() of 'y' misses the copy, the step reads
'x' and indexes its log buffer at -4, writing the secret's bytes to /dev/null.  Linux: a
read fault maps the folio read-only (do_read_fault() -> finish_fault()); only a store
copies it (do_cow_fault(), wp_page_copy()); for these registers, descriptors or program
bytes Linux fails a first test and stores nothing at page 2 -- so no answer may leave
page 2 opened writable.  The Guardian reads -EFAULT as "a partial copy, then the fault"
(answer_stores) unless first_failures.py, first_tests.py or kind_stores.py names the
call's first test.  (The letter d is the kits' digest flag.)

Registers that fail Linux's first test:

- AY-001 (-a) epoll_pwait(an epoll fd, page 2, -1, 0, NULL, 8) [-EINVAL only:
  do_epoll_pwait() -> do_epoll_wait() `if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
  return -EINVAL;` first, before access_ok(), fdget() and ep_send_events(); the grant
  ('arg*' maxevents x 16) takes the register unsigned: 0xffffffff... events, page 2
  inside; first_failures judges epoll_pwait's mask size alone].
- AY-002 (-b) newfstatat(AT_FDCWD, "/", page 2, 1) [-EINVAL only: SYSCALL_DEFINE4(
  newfstatat) -> vfs_fstatat() (6.10+: the AT_EMPTY_PATH short cut only for flags ==
  AT_EMPTY_PATH) -> vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
  AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;` before cp_new_stat(); statx's
  unknown flag is judged (AU-006), newfstatat's not].
- AY-003 (-c) read(-1, page 2, 16) [-EBADF only: ksys_read() -> fdget_pos(-1): no file
  table holds 0xffffffff (max_fds never reaches it: sysctl_nr_open_max) -> -EBADF
  before vfs_read(); every call that takes a descriptor fails so on -1 (no rule names
  a descriptor no table can hold)].
- AY-011 (-l) preadv(memfd, &{page 2, 16}, 1, -2, 0) [-EINVAL only: SYSCALL_DEFINE5(
  preadv) -> do_preadv() `if (pos < 0) return -EINVAL;` first (pos_from_hilo() is pos_l
  on 64-bit), before fdget() and import_iovec(); pread64's -1 was refused in round 88b
  (AR-023: a read of a memfd), preadv's iovec grant is not bounded].

- AY-017 (-t) wait4(INT_MIN, page 2, 0, NULL) [-ESRCH only: kernel_wait4() `/* -INT_MIN
  is not defined */ if (upid == INT_MIN) return -ESRCH;` right after the options' test,
  before do_wait(); first_failures judges wait4's options alone].
- AY-018 (-u) timer_settime(0, 0, NULL, page 2) [-EINVAL only: SYSCALL_DEFINE4(
  timer_settime) `if (!new_setting) return -EINVAL;` first; the old value stored only
  `if (!error && old_setting)`; first_failures judges a negative timer id alone].
- AY-021 (-n) sched_getaffinity(-1, 8, page 2) [-ESRCH only (-EINVAL first where
  nr_cpu_ids > 64): sched_getaffinity() -> find_process_by_pid(-1): find_task_by_vpid()
  finds no negative pid, before the mask's copy_to_user(); first_failures judges the
  length's alignment alone].

A descriptor whose kind has no such operation (the program made it; kind_stores names no
such kind, or not with this call):

- AY-005 (-f) read(a timerfd, page 2, 7) [-EINVAL only: timerfd_read() (timerfd_read_iter()
  from 6.12) `if (count < sizeof(ticks)) return -EINVAL;` first; finer_kind() names an
  eventfd's and a signalfd's least count, no TIMERFD].
- AY-006 (-g) read(an epoll fd, page 2, 16) [-EINVAL only: vfs_read() `if (!(file->f_mode &
  FMODE_CAN_READ)) return -EINVAL;` -- eventpoll_fops has no ->read nor ->read_iter, so
  alloc_file() never sets FMODE_CAN_READ -- before any store].
- AY-007 (-h) pread64(a pipe2() read end, page 2, 16, 0) [-ESPIPE only: ksys_pread64()
  `ret = -ESPIPE; if (fd_file(f)->f_mode & FMODE_PREAD) ret = vfs_read(...)`:
  create_pipe_files() -> stream_open() clears FMODE_PREAD; kind_stores judges a pipe's
  write end (-EBADF) alone].
- AY-008 (-i) recvfrom(/dev/null opened O_WRONLY, page 2, 16, 0, NULL, NULL) [-ENOTSOCK
  only: __sys_recvfrom() -> sockfd_lookup_light() before sock_recvmsg() and
  move_addr_to_user(); NO_OPERATION[recvfrom] is FILES | {PATH}: a file opened by a path
  (UNREADABLE) is judged for getsockname/getpeername alone (AU-018), though no open() of
  a path makes a socket (sock_no_open(): -ENXIO)].
- AY-009 (-j) getdents64(/dev/null opened O_WRONLY, page 2, 4096) [-ENOTDIR only:
  iterate_dir() `if (!file->f_op->iterate_shared) goto out;` (res -ENOTDIR) -- a file
  opened O_WRONLY is never a directory (do_open() -> may_open(): -EISDIR) --
  NO_OPERATION[getdents64] lacks UNREADABLE].
- AY-012 (-m) getsockopt(/dev/null opened O_WRONLY, SOL_SOCKET, SO_TYPE, page 2, &4)
  [-ENOTSOCK only: __sys_getsockopt() -> sockfd_lookup_light() (sock_from_file()) before
  the option's copy and the length's put_user(); NO_OPERATION[getsockopt] lacks
  UNREADABLE].

Program memory that fails Linux's first test (the program's .bss, quiet through the
call; first_tests reads nanosleep's request, not these):

- AY-004 (-e) clock_nanosleep(CLOCK_MONOTONIC, 0, &{0, 2000000000}, page 2) [-EINVAL
  only: SYSCALL_DEFINE4(clock_nanosleep) `if (get_timespec64(&t, rqtp)) return -EFAULT;
  if (!timespec64_valid(&t)) return -EINVAL;` before kc->nsleep() (the only path to
  nanosleep_copyout()); first_failures judges the clock alone].
- AY-010 (-k) timerfd_settime(a timerfd, 0, &{{0, 0}, {0, 2000000000}}, page 2)
  [-EINVAL only: do_timerfd_settime() `if ((flags & ~TFD_SETTIME_FLAGS) ||
  !itimerspec64_valid(new)) return -EINVAL;`; the old value stored only `if (!ret &&
  otmr)`; the flags are judged (AU-010), the new value is not].
- AY-013 (-r) pselect6(1, page 2, NULL, NULL, &{0, 2000000000}, NULL) [-EINVAL only:
  do_pselect() `if (tsp) { if (get_timespec64(&ts, tsp)) return -EFAULT; to =
  &end_time; if (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec)) return -EINVAL; }`
  (timespec64_valid()) before core_sys_select(); poll_select_finish() not reached].
- AY-014 (-s) ppoll(page 2, 1, &{0, 2000000000}, NULL, 8) [-EINVAL only:
  SYSCALL_DEFINE5(ppoll): the same poll_select_set_timeout() test before
  set_user_sigmask() and do_sys_poll(): no revents stored].
- AY-015 (-v) epoll_pwait2(an epoll fd, page 2, 1, &{0, 2000000000}, NULL, 8) [-EINVAL
  only: SYSCALL_DEFINE6(epoll_pwait2) `if (timeout) { ... if (poll_select_set_timeout(to,
  ts.tv_sec, ts.tv_nsec)) return -EINVAL; }` before do_epoll_pwait()].
- AY-016 (-x) rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 2000000000}, 8) [-EINVAL only:
  do_sigtimedwait() `if (ts) { if (!timespec64_valid(ts)) return -EINVAL; ...}` first,
  before dequeue_signal(); the siginfo copied only `if (ret > 0 && uinfo)`].

- AY-019 (-w) setitimer(ITIMER_REAL, &{{0, 0}, {0, 2000000}}, page 2) [-EINVAL only:
  SYSCALL_DEFINE3(setitimer) -> get_itimerval() `if (!timeval_valid(&v.it_value) ||
  !timeval_valid(&v.it_interval)) return -EINVAL;` before do_setitimer() and
  put_itimerval(); first_failures judges `which` alone].
- AY-020 (-z) getsockopt(an AF_UNIX socket, SOL_SOCKET, SO_TYPE, page 2, &-1) [-EINVAL
  only: do_sock_getsockopt() (6.9+; __sys_getsockopt() before) -> sk_getsockopt() `if
  (copy_from_sockptr(&len, optlen, sizeof(int))) return -EFAULT; if (len < 0) return
  -EINVAL;` before the option's copy; the cgroup BPF getsockopt hook stores only with a
  program attached (none by default); the grant ('deref32' of the length) is the
  program's own -1].
- AY-022 (-o) capget(&{_LINUX_CAPABILITY_VERSION_3, 0x7fffffff}, page 2) [-ESRCH only:
  cap_get_target_pid() `target = find_task_by_vpid(pid); if (!target) ret = -ESRCH;`
  (no pid reaches PID_MAX_LIMIT) before the data's copy_to_user(); first_tests judges
  the header's negative pid alone (AU-005)].

- AY-023 (-q) clock_gettime(0x80000002, page 2) [-EINVAL only: the CPU clock
  (MAKE_PROCESS_CPUCLOCK(0x0fffffff, CPUCLOCK_SCHED)) of no task: posix_cpu_clock_get()
  -> __get_task_for_clock() -> lookup_task(): NULL, -EINVAL before put_timespec64();
  first_failures judges non-negative clock ids and (timer_create, clock_nanosleep) the
  CLOCKFD form alone].
- AY-024 (-A) clock_gettime(FD_TO_CLOCKID(memfd), page 2) [-EINVAL only:
  pc_clock_gettime() -> get_clock_desc(): the file is no posix clock (f_op->open !=
  posix_clock_open), -EINVAL before put_timespec64(); a memfd (SHMEM) is never one].

- AY-025 (-B) recvmsg(an AF_UNIX datagram socket, &{iov {page 2, 16}}, MSG_CMSG_COMPAT
  | MSG_DONTWAIT) [-EINVAL only: __sys_recvmsg() `if (forbid_cmsg_compat && (flags &
  MSG_CMSG_COMPAT)) return -EINVAL;` first (CONFIG_COMPAT, arm64's defconfig), before
  the socket's lookup and the msghdr's copy; a datagram queued or not].
- AY-026 (-C) getsockname(an AF_UNIX socket, page 2, &-1) [-EINVAL only:
  move_addr_to_user() `if (len < 0) return -EINVAL;` before the address' copy; the
  length is the program's .bss].
- AY-027 (-D) readlinkat(AT_FDCWD, "/" in the program's .bss, page 2, 16) [-EINVAL only:
  the task's root is a directory, no symlink, no ->readlink: do_readlinkat()'s error
  stays -EINVAL before vfs_readlink()].
- AY-028 (-E) fcntl(memfd, F_OFD_GETLK, page 2) [-EINVAL only: as AU-015's F_GETLK
  (fcntl_getlk(): l_type 0x7878; F_OFD_GETLK's l_pid != 0 too), the flock copied back
  only `if (!err)`; first_tests reads F_GETLK's flock alone].

- AY-029 (-F) timer_create(CLOCK_MONOTONIC, &{sigev_notify 99}, page 2) [-EINVAL only:
  do_timer_create() -> good_sigevent() rejects the notify type before the id's
  copy_to_user(); the sigevent is the program's .bss].
- AY-030 (-G) recvfrom(an AF_UNIX datagram socket, page 2, 16, MSG_OOB | MSG_DONTWAIT,
  NULL, NULL) [-EOPNOTSUPP only: __unix_dgram_recvmsg() `if (flags&MSG_OOB) goto out;`
  before any copy, a datagram queued or not].
- AY-031 (-H) fgetxattr(memfd, "foo" in the program's .bss, page 2, 16) [-EOPNOTSUPP
  only: xattr_resolve_name() finds no handler for a name without a namespace prefix,
  before ->get() and the value's copy].

The host's Linux (6.18, x86_64; the same generic code), a native C probe with a buffer
of 'x' in place of page 2: `timer_create(CLOCK_MONOTONIC, &{sigev_notify 99}, &id) = -1
errno=22 id=0x78787878`, `recvfrom(AF_UNIX dgram, a datagram queued, buf, 16,
MSG_OOB|MSG_DONTWAIT) = -1 errno=95 buf0=78`, `fgetxattr(memfd, "foo", buf, 16) = -1
errno=95 buf0=78`, `recvmsg(AF_UNIX dgram with a datagram queued, {iov buf,16},
MSG_CMSG_COMPAT|MSG_DONTWAIT) = -1 errno=22 buf0=78`, `getsockname(AF_UNIX, buf, &-1) =
-1 errno=22 buf0=78 len=-1`, `readlinkat(AT_FDCWD, "/", buf, 16) = -1 errno=22 buf0=78`,
`fcntl(memfd, F_OFD_GETLK, buf of 'x') = -1 errno=22 buf0=78`, `clock_gettime(0x80000002, buf) = -1 errno=22 buf0=78`,
`clock_gettime(FD_TO_CLOCKID(memfd 3) = 0xffffffe3, buf) = -1 errno=22 buf0=78`, `setitimer(ITIMER_REAL, &{{0,0},{0,2000000}}, buf) = -1
errno=22 buf0=78`, `wait4(INT_MIN, buf, 0, NULL) = -1 errno=3 buf0=78`,
`timer_settime(0, 0, NULL, buf) = -1 errno=22 buf0=78`, `sched_getaffinity(-1, 8, buf) =
-1 errno=3 buf0=78`, `capget(&{V3, 0x7fffffff}, buf) = -1 errno=3 buf0=78`,
`getsockopt(AF_UNIX, SOL_SOCKET, SO_TYPE, buf, &-1) = -1 errno=22 buf0=78 len=-1`.

Honest answers (tests/test_redteam_r90b_claims.py): every step served Linux's answer
(with and without page 2's clean entry dropped as the call enters), every step
untouched, and a store step -p: waitid(P_ALL, 0, page 2, 0, NULL) -- Linux answers
-EINVAL (kernel_waitid(): no WEXITED|WSTOPPED|WCONTINUED) AND stores the siginfo:
SYSCALL_DEFINE5(waitid) `if (!infop) return err;` then user_write_access_begin() and
unsafe_put_user()s of si_signo, si_errno, si_code, si_pid, si_uid, si_status (zeros),
whatever kernel_waitid() answered; and a store step -y: timer_create(the CPU clock
0x80000002 -- MAKE_PROCESS_CPUCLOCK(0x0fffffff, CPUCLOCK_SCHED) --, NULL, page 2): Linux
answers -EINVAL (posix_cpu_timer_create() -> lookup_task() finds no task) AFTER
do_timer_create() copied the new timer's id out (`if (copy_to_user(created_timer_id,
&new_timer_id, sizeof (new_timer_id)))` comes before `error = kc->timer_create(new_timer)`;
first_failures' timer_create rule rightly leaves a CPU clock alone); the native probe:
`timer_create(0x80000002, NULL, &id) = -1 errno=22 id=0` (id was 0x78787878).  The host's Linux (6.18, x86_64, the same generic
code) shows it: `waitid(P_ALL,0,buf,0,NULL) = -1 errno=22; buf[0..32]: 00 00 00 00 00 00
00 00 00 00 00 00 78 78 78 78 00 00 ... 00 78 78 78 78` (a native C probe; qemu-user's
waitid copies the siginfo only on success: not Linux there).
False refusals found: none (both store steps pass with the Guardian on).

qemu-aarch64-static (the host's Linux; cwd /tmp), `qemu-aarch64-static -strace
workloads/bin/secret_r90_mm -abcefghijklmrsvx`: `epoll_pwait(5,...,-1,0,0,8) = -1
errno=22`, `newfstatat(AT_FDCWD,"/",...,0x1) = -1 errno=22`, `read(-1,...,16) = -1
errno=9`, `clock_nanosleep(CLOCK_MONOTONIC,0,{tv_sec = 0,tv_nsec = 2000000000},...) = -1
errno=22`, `read(5,...,7) = -1 errno=22` (timerfd), `read(5,...,16) = -1 errno=22`
(epoll), `pread64(5,...,16,0,0,0) = -1 errno=29`, `recvfrom(3,...,16,0,0,0) = -1
errno=88`, `getdents64(3,...,4096) = -1 errno=20`, `timerfd_settime(5,0,...) = -1
errno=22` (qemu's own linux-user then stores the old value on the error, labelling the
step -4 under qemu: Linux stores it only `if (!ret && otmr)`), `preadv(4,...,1,-2,0,0) =
-1 errno=22`, `getsockopt(3,1,3,...) = -1 errno=88`, `pselect6(1,...,0,0,...,0) = -1
errno=22`, `ppoll(...,1,...,0,8,0) = -1 errno=22`, epoll_pwait2: `Unknown syscall 441`
(qemu 8's linux-user lacks it; Linux: above), `rt_sigtimedwait(...,8,0,0) = -1 errno=22`;
`-tuwznoy`: `wait4(-2147483648,...,0,0,0,0) = -1 errno=3`, `timer_settime(0,0,(nil),...)
= -1 errno=22`, `setitimer(ITIMER_REAL,{...,it_value={tv_sec = 0,tv_usec = 2000000},},...)
= -1 errno=22`, `getsockopt(5,1,3,...) = -1 errno=22`, `sched_getaffinity(-1,8,...) = -1
errno=3`, `capget(...) = -1 errno=3` (qemu's linux-user copies the data back even on the
error, labelling -o -4 under qemu: Linux does not, the native probe above),
`timer_create(-2147483646,0,...) = -1 errno=22` (qemu emulates the id and stores none on
an error: Linux stores it, the native probe); `-qA`: `clock_gettime(0x80000002,...) =
-1 errno=22`, `clock_gettime(0xffffffdb,...) = -1 errno=22`; `-BCDE`:
`recvmsg(5,...,0x80000040) = -1 errno=22`, `getsockname(5,...) = -1 errno=22`,
`readlinkat(AT_FDCWD,"/",...,16) = -1 errno=22`, `fcntl(4,F_OFD_GETLK,...) = -1
errno=22`; `-FGH`: `timer_create(1,...) = -1 errno=22`, `recvfrom(5,...,16,65,0,0) = -1
errno=95`, `fgetxattr(4,"foo",...,16) = -1 errno=95`.

Found on the way (kernel_model/, not the Guardian; the untouched runs leave -b, -l, -p,
-y, -w, -n out, MODEL_DIFFERS): sys_newfstatat tests no flag (newfstatat() of flag 1
stores a stat and answers 0; Linux -EINVAL), sys_preadv takes a negative offset on and
the run ends with an OverflowError (Linux's do_preadv(): -EINVAL; sys_pwritev alike),
sys_waitid stores no siginfo on its -EINVAL (Linux stores it on every answer),
sys_timer_create stores no id for a CPU clock of no task (Linux stores it, then fails),
sys_setitimer stores the old value before it tests the new one (Linux: get_itimerval()
first, put_itimerval() only on success), sys_sched_getaffinity ignores the pid (Linux:
-ESRCH for -1).

What the Guardian would need, for each gap (each a test Linux makes before any store,
in every 6.1..6.18):
- AY-001: epoll_pwait's (epoll_pwait2's) maxevents as an int <= 0 or > EP_MAX_EVENTS
  (INT_MAX / 16): -EINVAL first.
- AY-002: newfstatat's flags with a bit outside 0x7900 (as statx's, first_failures).
- AY-003: a descriptor register no file table can hold (as an unsigned int at or past
  sysctl_nr_open_max: -1 above all) for the calls that fdget() it first: -EBADF.
- AY-004: refused since (cut.first_tests): clock_nanosleep's request failing
  timespec64_valid(), kept at entry and quiet through the call.
- AY-005: a TIMERFD kind (timerfd_create() made it): read/pread64 of fewer than 8 bytes.
- AY-006: an EPOLL kind (epoll_create1() made it): every read (no ->read/->read_iter:
  -EINVAL), as the unreadable kinds.
- AY-007: pread64/preadv/preadv2 (offset not -1) of a pipe2() read end: -ESPIPE
  (stream_open()), before any store.
- AY-008, AY-009, AY-012: UNREADABLE (a file the program opened by a path) in
  NO_OPERATION for recvfrom/recvmsg/recvmmsg, getsockopt (-ENOTSOCK), getdents64 of one
  opened O_WRONLY (-ENOTDIR), as for getsockname since round 89b.
- AY-010: refused since (cut.first_tests): timerfd_settime's new value failing
  itimerspec64_valid(), read at entry and quiet through the call.
- AY-015: refused since (cut.first_tests): epoll_pwait2's timeout failing
  timespec64_valid(), read at entry.
- AY-016: refused since (cut.first_tests): rt_sigtimedwait's timeout failing
  timespec64_valid(), read at entry.
- AY-017: wait4's upid == INT_MIN (as an int): -ESRCH.
- AY-018: timer_settime's new value NULL: -EINVAL.
- AY-019: refused since (cut.first_tests): setitimer's new value failing timeval_valid()
  (tv_usec outside 0..999999 or tv_sec < 0), read at entry and quiet through the call.
- AY-020: refused since (cut.first_tests): getsockopt(SOL_SOCKET)'s length (the int its
  x4 points at) negative, read at entry and quiet (other levels: a protocol's own test).
- AY-021: sched_getaffinity's pid negative (or at or past PID_MAX_LIMIT): -ESRCH, as
  first_tests judges sched_getparam's.
- AY-022: refused since (cut.first_tests): capget's header pid at or past
  PID_MAX_LIMIT (no task): -ESRCH, beside the negative pid.
- AY-023: clock_gettime's (clock_getres') CPU clock id whose pid no task holds
  (CPUCLOCK_PID() at or past PID_MAX_LIMIT): -EINVAL.
- AY-024: clock_gettime's (clock_getres', clock_adjtime's) CLOCKFD id of a descriptor
  whose known kind is no posix clock (a memfd, a pipe, an eventfd, ...): -EINVAL.
- AY-025: recvmsg's (recvmmsg's) flags with MSG_CMSG_COMPAT (bit 31): -EINVAL first.
- AY-026: refused since (cut.first_tests): getsockname's length negative, read at entry
  and quiet through the call (getpeername's and the recv* address' not yet judged).
- AY-027: readlinkat of a path that resolves to a directory ("/" alone, read at entry,
  quiet): -EINVAL -- or, simpler, readlinkat's stores bounded by a symlink's target
  only where Linux could reach one.
- AY-028: refused since (cut.first_tests): fcntl(F_OFD_GETLK)'s flock -- an l_type
  past F_UNLCK (F_UNLCK is allowed from 6.7), or l_pid != 0.
- AY-029: refused since (cut.first_tests): timer_create's sigevent (read at entry,
  quiet) with a sigev_notify good_sigevent() refuses (not SIGEV_SIGNAL, SIGEV_NONE,
  SIGEV_THREAD, SIGEV_SIGNAL | SIGEV_THREAD_ID) or a signal number outside 1..SIGRTMAX
  (SIGEV_NONE aside): -EINVAL before the id (SIGEV_THREAD_ID's thread not judged).
- AY-030: recvfrom/recvmsg/recvmmsg of an AF_UNIX datagram socket (UNIX_DGRAM) with
  MSG_OOB: -EOPNOTSUPP first -- and that the socket is in no sockmap (round 90b's register fixes: a
  privileged process may put it there, and unix_bpf_recvmsg() copies whatever the flags).
- AY-031: the xattr gets' name (read at entry, quiet) with no known namespace prefix
  (security., system., trusted., user.): -EOPNOTSUPP before any store.

False refusals looked for (none found): round 89b's register tests read against
6.1 .. 6.18 (wait4's __WNOTHREAD/__WALL/__WCLONE allowed, statx's AT_STATX_* allowed,
accept4's SOCK_* flags, RLIM_NLIMITS 16 in every version, ppoll's bound at
sysctl_nr_open_max above any RLIMIT_NOFILE another process could set), first_tests'
structs (sigaltstack's SS_AUTODISARM masked off, prlimit64's rlim64_to_rlim() an identity
on 64-bit, nanosleep's tv_nsec unmasked outside compat, F_GETLK alone judged), and two
stores Linux makes on an error answer (waitid's siginfo, -p; timer_create's id before a
CPU clock's -EINVAL, -y): both let through.

Not tried (the round being short; the victim's phases are used up to 17796):
timer_settime's invalid new value (with a live timer); io_getevents, mq_getsetattr,
move_pages, msgctl (no capability row: not granted); a second thread rewriting a
request between the Guardian's entry read and Linux's copy (first_tests' "quiet"
assumption: a false-refusal race); the kernel model's CONFIG_COMPAT assumption behind
AY-025 (MSG_CMSG_COMPAT is 0 without it).

Through with the Guardian on when written (gaps): AY-001, AY-002, AY-003, AY-004, AY-005,
AY-006, AY-007, AY-008, AY-009, AY-010, AY-012, AY-015, AY-016, AY-017, AY-018, AY-019,
AY-020, AY-021, AY-022, AY-023, AY-024, AY-025, AY-026, AY-027, AY-028, AY-029, AY-030,
AY-031 (P5).
Refused: AY-011 (preadv at -2), AY-013 (pselect6's invalid timespec), AY-014 (ppoll's
invalid timespec): "write-faulted the empty page ... under its output grant alone, then
answered -EFAULT: Linux stores only what that answer counts, and nothing for this error"
(answer_stores reads -EFAULT from these calls as no store).
Refused since (the bytes read at entry, guardian/first_tests.py `_round90_fails`, capget's
pid): AY-004, AY-010, AY-015, AY-016, AY-019, AY-020, AY-022, AY-026, AY-028, AY-029, by
`cut.first_tests` -- "write-faulted the empty page ... under its output grant alone ...
its arguments fail Linux's first test"; the kernel model's setitimer (the new value
tested before the old one is stored) and timer_create (a CPU clock of no task: the id
stored, then -EINVAL) now answer as Linux, so the untouched runs take -w and -y.
Refused since round 90b's register fixes (registers and kinds, cut.answer_stores widened): AY-001
(first_failures.py: epoll_pwait(2)'s maxevents <= 0 or past EP_MAX_EVENTS), AY-002
(newfstatat's flags outside 0x7900 without AT_EMPTY_PATH), AY-017 (wait4's INT_MIN),
AY-018 (timer_settime's NULL new value), AY-021 (sched_getaffinity's negative pid or one
past PID_MAX_LIMIT), AY-023 (a CPU clock id of no task: _no_cpu_clock()); AY-003
(kind_stores.py: NO_TABLE, a descriptor register at or past sysctl_nr_open_max), AY-005
(TIMERFD read below 8 bytes), AY-006 (EPOLL: any read), AY-007 (a pipe's pread64/preadv:
-ESPIPE), AY-008, AY-009, AY-012 (UNREADABLE given recvfrom/recvmsg/recvmmsg, getsockopt,
getdents64), AY-024 (a CLOCKFD id of a file known to be no posix clock), AY-025
(recvmsg's MSG_CMSG_COMPAT).  Left open there: AY-030 cannot be refused soundly -- a
privileged process may put the socket in a sockmap (sock_replace_proto()), and then
unix_bpf_recvmsg() -> sk_msg_recvmsg() copies a redirected message whatever the flags
(no MSG_OOB test in any 6.1 .. 6.18): the Guardian would need to know the socket is in
no sockmap; AY-027 and AY-031 need the path or name read at entry and quiet through the call (first_tests.py's
ground, not the registers' or the descriptor's kind): readlinkat's path resolving to a
directory ("/" alone) and an xattr get's name with no security./system./trusted./user.
prefix.  The kernel model now answers -b, -l and -n as Linux does (sys_newfstatat's
flags, sys_preadv/sys_pwritev's negative offset, sys_sched_getaffinity's pid).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.families.redteam_r89b import served_at
from attacks.scenario import Expect, Goal, explained, scenario

RT = "redteam_r90b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM90 = "secret_r90_mm"
_M = 1 << 64
_N = NUMBERS
#: every step, in phase order (-p and -y are the store steps)
ALL90 = "abcefghijklmrsvxptuwznoyqABCDEFGH"
LETTERS90 = "abcefghijklmrsvxtuwznoqABCDEFGH"
#: each step's phase P (P + 1 its label, P + 2 and P + 4 its other markers)
PHASE90 = {c: 17600 + 6 * ALL90.index(c) for c in ALL90}
#: the store steps: waitid(P_ALL, 0, page 2, 0, NULL), -EINVAL with the siginfo stored;
#: timer_create(a CPU clock of no task, NULL, page 2), -EINVAL with the new id stored
STORE = PHASE90["p"]
STORE_TIMER = PHASE90["y"]
MINUS_EINVAL = _M - 22
#: the steps the kernel model does not answer as Linux does (the untouched runs leave them
#: out): -b, newfstatat() of flag 1 (kernel_model/syscalls/fs.py sys_newfstatat tests
#: no flag and stores the stat at page 2, 0; Linux's vfs_statx(): -EINVAL first), -l,
#: preadv() at offset -2 (kernel_model/syscalls/fileio.py sys_preadv passes the
#: negative offset on, and the run ends with an OverflowError; Linux's do_preadv(): `if
#: (pos < 0) return -EINVAL;`), -p, waitid() of no wait option (sys_waitid stores no
#: siginfo on its -EINVAL; Linux's SYSCALL_DEFINE5(waitid) stores it on every answer), -y,
#: timer_create() of a CPU clock of no task (the kernel model stores no id: Linux's
#: do_timer_create() copies the id out before kc->timer_create() fails), -w, setitimer()
#: of an invalid new value (signal.py sys_setitimer stores the old value before it tests
#: the new one; Linux's get_itimerval() fails first, put_itimerval() only on success),
#: -n, sched_getaffinity() of pid -1 (misc.py sys_sched_getaffinity ignores the pid and
#: stores a mask, 8; Linux's find_process_by_pid(): -ESRCH)
#: (all taken back: the kernel model answers them as Linux since round 90b's fixes --
#: -y and -w tests/test_model_r90b_order.py, -b, -l and -n tests/test_kernel_model_r90b.py,
#: -p the do_wait() rewrite, kernel_model/syscalls/child_wait.py)
MODEL_DIFFERS = ""
#: the steps the untouched runs take
ALONE90 = "".join(c for c in ALL90 if c not in MODEL_DIFFERS)
P90_FIRST, P90_LAST = 17600, max(PHASE90.values())
LETTER90 = {PHASE90[c]: b"-" + c.encode() for c in LETTERS90}
#: each step's call (its number) and Linux's answer (-errno)
NR90 = dict(zip(LETTERS90, (_N["epoll_pwait"], _N["newfstatat"], _N["read"],
                            _N["clock_nanosleep"], _N["read"], _N["read"], _N["pread64"],
                            _N["recvfrom"], _N["getdents64"], _N["timerfd_settime"],
                            _N["preadv"], _N["getsockopt"], _N["pselect6"], _N["ppoll"],
                            _N["epoll_pwait2"], _N["rt_sigtimedwait"], _N["wait4"],
                            _N["timer_settime"], _N["setitimer"], _N["getsockopt"],
                            _N["sched_getaffinity"], _N["capget"], _N["clock_gettime"],
                            _N["clock_gettime"], _N["recvmsg"], _N["getsockname"],
                            _N["readlinkat"], _N["fcntl"], _N["timer_create"],
                            _N["recvfrom"], _N["fgetxattr"]),
                strict=True))
ERR90 = dict(zip(LETTERS90, (22, 22, 9, 22, 22, 22, 29, 88, 20, 22, 22, 88, 22, 22, 22, 22,
                             3, 22, 22, 22, 3, 3, 22, 22, 22, 22, 22, 22, 22, 95, 95),
                 strict=True))
LINUX90 = {PHASE90[c]: _M - ERR90[c] for c in LETTERS90}
NRP90 = {PHASE90[c]: NR90[c] for c in LETTERS90}
#: through with the Guardian on when written
GAPS = {f"AY-{i:03d}": "P5" for i in range(1, 32)}
#: refused when written: preadv's pos (AY-011: the memfd read's own rule) and pselect6's and
#: ppoll's timespec (AY-013, AY-014: the timeout is judged as passed)
REFUSED = frozenset({"AY-011", "AY-013", "AY-014"})
for _sid in REFUSED:
    del GAPS[_sid]
#: refused since the fix of the bytes read at entry (cut.first_tests, guardian/first_tests.py)
REFUSED_FIRST_TESTS = frozenset({"AY-004", "AY-010", "AY-015", "AY-016", "AY-019", "AY-020",
                                 "AY-022", "AY-026", "AY-028", "AY-029"})
for _sid in REFUSED_FIRST_TESTS:
    del GAPS[_sid]
#: refused since round 90b's register fixes: cut.answer_stores (first_failures.py, kind_stores.py)
REFUSED_REGISTERS = frozenset({"AY-001", "AY-002", "AY-003", "AY-005", "AY-006", "AY-007",
                           "AY-008", "AY-009", "AY-012", "AY-017", "AY-018", "AY-021",
                           "AY-023", "AY-024", "AY-025"})
for _sid in REFUSED_REGISTERS:
    del GAPS[_sid]

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")

#: (id, letter, the call, Linux's answer and why); each served -EFAULT
ATTACKS = (
    ("AY-001", "a", "epoll_pwait(an epoll fd, page 2, -1, 0, NULL, 8)",
     "-EINVAL only: do_epoll_pwait() -> do_epoll_wait() `if (maxevents <= 0 || maxevents "
     "> EP_MAX_EVENTS) return -EINVAL;` first, before access_ok(), fdget() and "
     "ep_send_events() (the mask's size is judged, the count is not)."),
    ("AY-002", "b", "newfstatat(AT_FDCWD, \"/\", page 2, 1)",
     "-EINVAL only: vfs_fstatat() (its 6.10+ AT_EMPTY_PATH short cut only for flags == "
     "AT_EMPTY_PATH) -> vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | "
     "AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;` before cp_new_stat()."),
    ("AY-003", "c", "read(-1, page 2, 16)",
     "-EBADF only: ksys_read() -> fdget_pos(-1): no file table reaches descriptor "
     "0xffffffff (max_fds stays below sysctl_nr_open_max), so -EBADF before vfs_read()."),
    ("AY-004", "e", "clock_nanosleep(CLOCK_MONOTONIC, 0, &{0, 2000000000}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE4(clock_nanosleep) `if (!timespec64_valid(&t)) return "
     "-EINVAL;` after get_timespec64(), before kc->nsleep() and nanosleep_copyout() -- "
     "the request is the program's .bss, quiet through the call."),
    ("AY-005", "f", "read(a timerfd, page 2, 7)",
     "-EINVAL only: timerfd_read() (timerfd_read_iter() from 6.12) `if (count < "
     "sizeof(ticks)) return -EINVAL;` first, before any wait or put_user()."),
    ("AY-006", "g", "read(an epoll fd, page 2, 16)",
     "-EINVAL only: vfs_read() `if (!(file->f_mode & FMODE_CAN_READ)) return -EINVAL;` "
     "-- eventpoll_fops has no ->read nor ->read_iter, so the file never has "
     "FMODE_CAN_READ."),
    ("AY-007", "h", "pread64(a pipe2() read end, page 2, 16, 0)",
     "-ESPIPE only: ksys_pread64() stores only through vfs_read() `if (fd_file(f)->f_mode "
     "& FMODE_PREAD)`; create_pipe_files() -> stream_open() clears FMODE_PREAD."),
    ("AY-008", "i", "recvfrom(/dev/null opened O_WRONLY, page 2, 16, 0, NULL, NULL)",
     "-ENOTSOCK only: __sys_recvfrom() -> sockfd_lookup_light() (sock_from_file()) before "
     "sock_recvmsg() and move_addr_to_user(); no open() of a path makes a socket file "
     "(sock_no_open(): -ENXIO)."),
    ("AY-009", "j", "getdents64(/dev/null opened O_WRONLY, page 2, 4096)",
     "-ENOTDIR only: iterate_dir() `if (!file->f_op->iterate_shared) goto out;` (res "
     "-ENOTDIR) before filldir64(); a file opened O_WRONLY is never a directory "
     "(may_open(): -EISDIR)."),
    ("AY-010", "k", "timerfd_settime(a timerfd, 0, &{{0, 0}, {0, 2000000000}}, page 2)",
     "-EINVAL only: do_timerfd_settime() `if ((flags & ~TFD_SETTIME_FLAGS) || "
     "!itimerspec64_valid(new)) return -EINVAL;` first; SYSCALL_DEFINE4(timerfd_settime) "
     "stores the old value only `if (!ret && otmr)` -- the new value is the program's "
     ".bss."),
    ("AY-011", "l", "preadv(memfd, &{page 2, 16}, 1, -2, 0)",
     "-EINVAL only: SYSCALL_DEFINE5(preadv) -> do_preadv() `if (pos < 0) return "
     "-EINVAL;` first (pos_from_hilo() is pos_l on 64-bit), before fdget() and "
     "import_iovec()."),
    ("AY-012", "m", "getsockopt(/dev/null opened O_WRONLY, SOL_SOCKET, SO_TYPE, page 2, &4)",
     "-ENOTSOCK only: __sys_getsockopt() -> sockfd_lookup_light() before the option's "
     "copy and the length's put_user(); no open() of a path makes a socket file."),
    ("AY-013", "r", "pselect6(1, page 2, NULL, NULL, &{0, 2000000000}, NULL)",
     "-EINVAL only: do_pselect() `if (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec)) "
     "return -EINVAL;` (timespec64_valid()) before core_sys_select() and "
     "poll_select_finish() -- the timespec is the program's .bss."),
    ("AY-014", "s", "ppoll(page 2, 1, &{0, 2000000000}, NULL, 8)",
     "-EINVAL only: SYSCALL_DEFINE5(ppoll) `if (poll_select_set_timeout(to, ts.tv_sec, "
     "ts.tv_nsec)) return -EINVAL;` before set_user_sigmask() and do_sys_poll()."),
    ("AY-015", "v", "epoll_pwait2(an epoll fd, page 2, 1, &{0, 2000000000}, NULL, 8)",
     "-EINVAL only: SYSCALL_DEFINE6(epoll_pwait2) `if (poll_select_set_timeout(to, "
     "ts.tv_sec, ts.tv_nsec)) return -EINVAL;` before do_epoll_pwait()."),
    ("AY-016", "x", "rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 2000000000}, 8)",
     "-EINVAL only: do_sigtimedwait() `if (ts) { if (!timespec64_valid(ts)) return "
     "-EINVAL; ...}` first, before dequeue_signal(); the siginfo is copied only `if (ret > "
     "0 && uinfo)`."),
    ("AY-017", "t", "wait4(INT_MIN, page 2, 0, NULL)",
     "-ESRCH only: kernel_wait4() `/* -INT_MIN is not defined */ if (upid == INT_MIN) "
     "return -ESRCH;` right after the options' test, before do_wait() and the status' "
     "put_user()."),
    ("AY-018", "u", "timer_settime(0, 0, NULL, page 2)",
     "-EINVAL only: SYSCALL_DEFINE4(timer_settime) `if (!new_setting) return -EINVAL;` "
     "first, before do_timer_settime(); the old value stored only `if (!error && "
     "old_setting)`."),
    ("AY-019", "w", "setitimer(ITIMER_REAL, &{{0, 0}, {0, 2000000}}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE3(setitimer) -> get_itimerval() `if "
     "(!timeval_valid(&v.it_value) || !timeval_valid(&v.it_interval)) return -EINVAL;` "
     "(tv_usec 2000000) before do_setitimer() and put_itimerval() -- the new value is "
     "the program's .bss."),
    ("AY-020", "z", "getsockopt(an AF_UNIX socket, SOL_SOCKET, SO_TYPE, page 2, &-1)",
     "-EINVAL only: do_sock_getsockopt() (6.9+; __sys_getsockopt() before) -> "
     "sk_getsockopt() `if (copy_from_sockptr(&len, optlen, sizeof(int))) return -EFAULT; "
     "if (len < 0) return -EINVAL;` before the option's copy_to_sockptr(); the cgroup "
     "BPF getsockopt hook runs only with a program attached (none by default) -- the "
     "length is the program's .bss."),
    ("AY-021", "n", "sched_getaffinity(-1, 8, page 2)",
     "-ESRCH only (or -EINVAL where nr_cpu_ids > 64): SYSCALL_DEFINE3(sched_getaffinity) "
     "-> sched_getaffinity() -> find_process_by_pid(-1): find_task_by_vpid() finds no "
     "task -1 (-ESRCH) before the mask's copy_to_user() (first_failures judges the "
     "length alone)."),
    ("AY-022", "o", "capget(&{_LINUX_CAPABILITY_VERSION_3, 0x7fffffff}, page 2)",
     "-ESRCH only: SYSCALL_DEFINE2(capget) -> cap_get_target_pid() `target = "
     "find_task_by_vpid(pid); if (!target) ret = -ESRCH;` (no pid reaches PID_MAX_LIMIT) "
     "before the data's copy_to_user() -- first_tests judges the header's negative pid "
     "alone."),
    ("AY-023", "q", "clock_gettime(0x80000002, page 2) (the CPU clock of pid 0x0fffffff)",
     "-EINVAL only: clockid_to_kclock() gives clock_posix_cpu for a negative id not "
     "CLOCKFD, posix_cpu_clock_get() -> __get_task_for_clock() -> lookup_task() finds "
     "no task (pids stop at PID_MAX_LIMIT): -EINVAL before put_timespec64() "
     "(first_failures judges the non-negative ids alone)."),
    ("AY-024", "A", "clock_gettime(FD_TO_CLOCKID(the view's memfd), page 2)",
     "-EINVAL only: clockid_to_kclock() gives clock_posix_dynamic for a CLOCKFD id, "
     "pc_clock_gettime() -> get_clock_desc() `if (fp->f_op->open != posix_clock_open || "
     "!fp->private_data) goto out;` (-EINVAL) before put_timespec64() -- a memfd is no "
     "posix clock (/dev/ptp* is)."),
    ("AY-025", "B", "recvmsg(an AF_UNIX datagram socket, &{iov {page 2, 16}}, MSG_CMSG_COMPAT | "
     "MSG_DONTWAIT)",
     "-EINVAL only: SYSCALL_DEFINE3(recvmsg) -> __sys_recvmsg(fd, msg, flags, true) `if "
     "(forbid_cmsg_compat && (flags & MSG_CMSG_COMPAT)) return -EINVAL;` first, before "
     "sockfd_lookup_light(), copy_msghdr_from_user() and sock_recvmsg() -- with a "
     "datagram queued too (MSG_CMSG_COMPAT is 0x80000000 with CONFIG_COMPAT, arm64's "
     "defconfig)."),
    ("AY-026", "C", "getsockname(an AF_UNIX socket, page 2, &-1)",
     "-EINVAL only: __sys_getsockname() -> ->getname(), then move_addr_to_user() `if "
     "(get_user(len, ulen)) return err; if (len > klen) len = klen; if (len < 0) return "
     "-EINVAL;` before the address' copy_to_user() -- the length is the program's .bss "
     "(first_tests judges no socket length)."),
    ("AY-027", "D", "readlinkat(AT_FDCWD, \"/\" (the program's .bss), page 2, 16)",
     "-EINVAL only: do_readlinkat() -> user_path_at() resolves \"/\" to the task's root, "
     "a directory, never a symlink: `if (d_is_symlink(path.dentry) || "
     "inode->i_op->readlink)` fails (a directory has no ->readlink) and error stays "
     "-EINVAL, before vfs_readlink()."),
    ("AY-028", "E", "fcntl(memfd, F_OFD_GETLK, page 2) (page 2 reads 'x')",
     "-EINVAL only: do_fcntl() F_OFD_GETLK copies the flock in from page 2 (a read), "
     "fcntl_getlk() refuses l_type 0x7878 (and, for F_OFD_GETLK, an l_pid not 0: "
     "0x78787878) with -EINVAL, and the flock is copied back only `if (!err)` -- "
     "first_tests judges F_GETLK (5) alone, not F_OFD_GETLK (36)."),
    ("AY-029", "F", "timer_create(CLOCK_MONOTONIC, &{sigev_notify 99}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE3(timer_create) copies the sigevent in, "
     "do_timer_create() -> good_sigevent() `default: return NULL;` for an unknown "
     "sigev_notify -> `if (!new_timer->it_pid) { error = -EINVAL; goto out; }` before the "
     "id's copy_to_user() (the same call's CPU clock of no task stores the id first: "
     "-y) -- the sigevent is the program's .bss; first_failures judges the clock alone."),
    ("AY-030", "G", "recvfrom(an AF_UNIX datagram socket, page 2, 16, MSG_OOB | MSG_DONTWAIT, "
     "NULL, NULL)",
     "-EOPNOTSUPP only: sock_recvmsg() -> unix_dgram_recvmsg() -> "
     "__unix_dgram_recvmsg() `err = -EOPNOTSUPP; if (flags&MSG_OOB) goto out;` before "
     "any skb is taken or copied -- with a datagram queued too; the Guardian knows the "
     "kind (UNIX_DGRAM), and no rule reads recvfrom's flags."),
    ("AY-031", "H", "fgetxattr(memfd, \"foo\" (the program's .bss), page 2, 16)",
     "-EOPNOTSUPP only: a name with no namespace prefix: vfs_getxattr() -> "
     "xattr_permission() (inode_permission() at worst), then __vfs_getxattr() -> "
     "xattr_resolve_name() finds no handler (-EOPNOTSUPP) before ->get() and the value's "
     "copy_to_user() -- on every filesystem; first_tests reads the name only for an "
     "empty or unterminated one."),
)


def served(letter: str, answer: int):  # type: ignore[no-untyped-def]
    return served_at(PHASE90[letter], NR90[letter], answer)


for sid, letter, call, why in ATTACKS:
    _t = (f"({VICTIM90} -{letter}) As {call} enters (the forged answer -EFAULT), page 2 "
          "dropped and mapped writable on a copy of 'x', before pwrite64() of 'y'")
    _prop = (WRITABLE + "The call's output is at page 2, and here Linux stores nothing "
             "there: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM90,
        prop=_prop, gap=GAPS.get(sid, ""), args=(b"-" + letter.encode(),),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(served(letter, -14))
