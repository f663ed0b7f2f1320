"""Red-team round 85b: the memory ground after round 84b's fixes -- `cut.answer_stores`'
new default (guardian/answer_stores.py: for every call whose output the registers size,
an error other than -EFAULT stored nothing; guardian/first_failures.py: registers that
fail Linux's first test make any answer storeless) -- against round 84b's victim
`secret_r84_mm` (AK-001..010: its steps serve; P before the step, x3 the view; P + 4
after page 2 is read and the step's call, before pwrite64() of 'y'; see
workloads/src/secret_r84_mm.c) and this round's `secret_r85_mm` (AK-011..025 and the
false refusal; the same markers from 15000; workloads/src/secret_r85_mm.c).

Every attack: page 2 of the step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the
memfd (3 pages of 'x') is a clean page -- the page cache folio under Linux --; as the
step's call (its output pointer in the view) enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x', serves the call as getpid() and answers -EFAULT;
pwrite64() of 'y' misses the copy, the step reads 'x' and indexes its log buffer at -4,
writing the secret's bytes to /dev/null.  Linux: a read fault maps the folio read-only
(do_read_fault() -> finish_fault()); only a store copies it (do_cow_fault(),
wp_page_copy()).

The gap: `answer_stores.stored()` returns None ("anywhere") for every -EFAULT of a call
outside first_failures.py's tests (`if ret == _EFAULT: return None  # a partial copy,
then the fault`).  But a partial copy that stored into page 2 and then faulted needs a
LATER byte of the output to lie in a page that faults; where the call's whole output
(every copy_to_user()/put_user() it makes for these registers) lies inside page 2 and
the view's area is writable (VM_WRITE: a store to page 2 write-faults and COWs the
folio, do_wp_page() -> wp_page_copy(), it does not fail), -EFAULT can only mean the
fault came before page 2 was touched -- nothing stored there (under OOM the COW fails
and the copy faults at page 2's first byte: nothing stored either).  And each of these
calls answers, for these registers, an error that comes before any copy (Linux's answer
in brackets, with the function that decides it); -EFAULT is a value no Linux gives:

- AK-001 (-o) newfstatat(AT_FDCWD, "/nonexistent-r84", page 2, 0) answered -EFAULT
  [-ENOENT: vfs_fstatat() -> vfs_statx() -> filename_lookup() fails before cp_new_stat()'s
  one copy_to_user() of 128 bytes at page 2's start].
- AK-002 (-q) timerfd_gettime(memfd, page 2) answered -EFAULT [-EINVAL:
  do_timerfd_gettime() -> timerfd_fget(): f_op is not timerfd_fops; `if (ret) return
  ret;` before put_itimerspec64() of 32 bytes].
- AK-003 (-j) readlinkat(AT_FDCWD, "/", page 2, 64) answered -EFAULT [-EINVAL:
  do_readlinkat(): "/" has no ->get_link, before readlink_copy()].
- AK-004 (-k) getdents64(memfd, page 2, 4096) answered -EFAULT [-ENOTDIR: iterate_dir():
  a shmem regular file has no ->iterate_shared; no filldir64() ran].
- AK-005 (-b) pipe2(page 2, O_WRONLY) answered -EFAULT [-EINVAL: do_pipe2() ->
  __do_pipe_flags() refuses the flag before copy_to_user(fildes, fd, 8)].
- AK-006 (-g) wait4(-1, page 2, WNOHANG, NULL) answered -EFAULT, no child ever made
  [-ECHILD: kernel_wait4() -> do_wait(); put_user(status) only for ret > 0].
- AK-007 (-f) epoll_pwait(a new epoll with nothing added, page 2, 8, 0) answered -EFAULT
  [0: ep_poll() finds nothing ready; ep_send_events() -- the only copy, 8 events of 16
  bytes inside page 2 -- never runs].
- AK-008 (-h) read(/dev/null opened O_WRONLY, page 2, 16) answered -EFAULT [-EBADF:
  vfs_read() `if (!(file->f_mode & FMODE_READ)) return -EBADF;` first; the descriptor
  is one the Guardian knows (answer_stores.UNREADABLE), but its rule judges only -EBADF
  and returns None for -EFAULT before it looks].
- AK-009 (-m) mincore(view + 1, PAGE, page 2) answered -EFAULT [-EINVAL:
  SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return -EINVAL;` before
  do_mincore(); the vector is one byte inside page 2].
- AK-010 (-e) sched_getaffinity(0, 4096, page 2 - 256) answered -EFAULT [32 (or 64):
  SYSCALL_DEFINE3(sched_getaffinity) copies retlen = min(len, cpumask_size()) bytes, all
  in page 1 (page 2 starts 256 bytes in); page 1 and page 2 are one writable area, so
  no fault can stop that copy]: the registers say where the copy ends, and page 2 is
  past it.

qemu-aarch64-static (the host's Linux; cwd /tmp): `qemu-aarch64-static -strace
workloads/bin/secret_r84_mm -objkqgfhme` prints "secret: intact" with the answers of
round 84b's docstring (newfstatat -ENOENT, pipe2/readlinkat/timerfd_gettime -EINVAL,
getdents64 -ENOTDIR, wait4 -ECHILD, epoll_pwait 0, read -EBADF, sched_getaffinity 32;
mincore -EFAULT is qemu's own vector check, Linux's order is the alignment test) --
none of them -EFAULT: see tests/test_redteam_r85b_claims.py's docstring for the run.

Honest answers (tests/test_redteam_r85b_claims.py): every step untouched, and page 2's
clean entry dropped as the step's call enters (reclaim), the read refaulting the folio
read-only: label 0, no decision.  False refusals found: one, below.

Calls whose output no register sizes (answer_stores.CALLS leaves them out: stored()
returns None, so the page their grant opened is never judged), answered as Linux
answers them, against this round's victim `secret_r85_mm` (-c .. -h; page 2 read, the
call, then pwrite64() of 'y'):

- AK-011 (-c) readv(/dev/null opened O_WRONLY, {page 2, 16}, 1): -EBADF (vfs_readv():
  FMODE_READ first) -- the descriptor is one the Guardian knows unreadable, as for
  read(), but readv is not judged at all.
- AK-012 (-e) preadv(memfd, {page 2, 16}, 1, 3 pages): 0 (shmem_file_read_iter() at the
  file's end copies nothing): a count of 0 from a shmem file.
- AK-013 (-f) recvfrom(an empty AF_UNIX SOCK_DGRAM socket, page 2, 16, MSG_DONTWAIT, NULL,
  NULL): -EAGAIN (unix_dgram_recvmsg() -> __skb_recv_datagram()).
- AK-014 (-g) getsockopt(that socket, SOL_SOCKET, 9999, page 2, &len 4): -ENOPROTOOPT
  (sk_getsockopt()'s default, before copy_to_sockptr()).
- AK-015 (-h) recvmsg(that socket, {iov {page 2, 16}}, MSG_DONTWAIT): -EAGAIN.
qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r85_mm
-abcefgh`: `readv(3,4792536,1,0,0,0) = -1 errno=9 (Bad file descriptor)`,
`preadv(4,4792536,1,12288,0,0) = 0`, `recvfrom(5,365080678400,16,64,0,0) = -1 errno=11
(Resource temporarily unavailable)`, `getsockopt(5,1,9999,365080690688,4792552,0) = -1
errno=92 (Protocol not available)`, `recvmsg(5,0x4920f0,0x40) = -1 errno=11`; every
step labels 0 (`write(3,0x492090,8) = 8`), "secret: intact".
Refused since: AK-011, AK-012 (`cut.answer_stores`: readv/preadv judged as read).
Still open: AK-013 (recvfrom), AK-014 (getsockopt), AK-015 (recvmsg) -- a socket's
error may follow a store: recvfrom/recvmsg copy the data, then move_addr_to_user()
answers -EINVAL for a negative *addrlen (or audit_sockaddr() -ENOMEM), and a protocol's
->recvmsg() is not bound to answer an error only with nothing copied; getsockopt's
BPF_CGROUP_RUN_PROG_GETSOCKOPT() runs after the protocol stored optval and may set any
retval.  What the Guardian would need: the socket's family and type as the call took
its descriptor (AF_UNIX datagram: unix_dgram_recvmsg() -EAGAIN before any copy), no
address output, and no cgroup BPF program (which it cannot see); and, for a count, the
same answer test -- an iovec's ranges (read at entry: the grant already reads them), recvfrom's (buf, len), getsockopt's
optval with *optlen, recvmsg's msghdr iovecs and msg_name/msg_control: an error other
than -EFAULT stored nothing for readv/preadv of a shmem or unreadable descriptor and for
a socket's -EAGAIN/-ENOPROTOOPT; a count stored at most that many bytes, in iovec order.

Calls on answer_stores._STORE_THEN_FAIL (their every error left open), with registers
that fail Linux's first test, before any store (secret_r85_mm -i .. -o; each answered
-EINVAL, Linux's answer; first_failures.py has no test for them):

- AK-016 (-i) nanosleep({0, 2000000000}, page 2): timespec64_valid() before
  hrtimer_nanosleep() (rem stored only for an interrupted sleep).
- AK-017 (-j) capget({version 0, pid 0}, page 2): cap_validate_magic() stores the
  HEADER's version, then -EINVAL; the data is never copied: the list names the call, not
  its output.
- AK-018 (-k) ppoll(NULL, 0, page 2 holding 'x's as the timespec, NULL, 8):
  poll_select_set_timeout() -EINVAL before do_sys_poll() and poll_select_finish().
- AK-019 (-l) socketpair(AF_UNIX, SOCK_DGRAM | 0x10, 0, page 2): __sys_socketpair()'s
  flag test before the fds' put_user()s.
- AK-020 (-m) copy_file_range(memfd, page 2, memfd, NULL, 16, 1): -EINVAL for flags;
  SYSCALL_DEFINE6(copy_file_range) stores off_in only `if (ret > 0)`: the list is wrong
  for copy_file_range itself (only -EFAULT can follow its store).
- AK-021 (-n) timer_create(16, NULL, page 2): clockid_to_kclock() NULL, -EINVAL before
  posix_timer_add() and the id's copy_to_user().
- AK-022 (-o) pselect6(0, NULL, NULL, NULL, page 2 as -k's, NULL): do_pselect()'s
  poll_select_set_timeout() -EINVAL before core_sys_select().
qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r85_mm
-ijklmno`: `nanosleep(4784224,365080629248,0,0,0,0) = -1 errno=22`,
`capget(0x492138,0x5500808000) = -1 errno=22`, `ppoll(0,0,365080653824,0,8,0) = -1
errno=22`, `copy_file_range(4,0x5500811000,4,(nil),16,1) = -1 errno=22`,
`timer_create(16,0,365080690688,0,0,0) = -1 errno=22`, `pselect6(0,0,0,0,365080702976,0)
= -1 errno=22`, each of -k, -m, -n, -o labelling 0 (`write(3,0x4920a0,8)`), "secret:
intact".  -i, -j and -l label -4 (`write(3,0x492080,8)`) for qemu's own reasons: its
nanosleep copies rem out on any error (`if (is_error(ret) && arg2)
host_to_target_timespec(arg2, &rem)`), its capget copies the data array out whatever the
host answered, and its socketpair drops the unknown type bit 0x10 (target_to_host_sock_type())
so the host call succeeds (`socketpair(1,18,0,...) = 0`); Linux's answers are the
functions cited.
Refused since: AK-017, AK-019, AK-020, AK-021 (`cut.answer_stores`, above).
Refused since round 87b's rules: AK-018, AK-022 (`cut.answer_stores`: ppoll's and pselect6's
timeout kept as passed at the entry (slot.asked) failing timespec64_valid(), quiet
through the call -- quiet_ranges.quiet(), or memfd_eof.quiet_in_memfd() for a view of
a memfd only the program holds --: no answer stored anything; early_errors.
refused_as_passed(), result_arguments._timeout_refused()).
Refused since round 89b's rules: AK-016 (`cut.first_tests`: nanosleep's request, kept at
the entry and quiet through the call, failing timespec64_valid(): no answer stored
anything; guardian/first_tests.py).

More outputs no register sizes (secret_r85_mm -p .. -r), answered as Linux does:

- AK-023 (-p) getsockname(memfd, page 2, &len 16): -ENOTSOCK (sockfd_lookup_light()).
- AK-024 (-q) accept4(an AF_UNIX datagram socket, page 2, &len 16, 0): -EOPNOTSUPP
  (sock_no_accept(); the peer address is stored only for an accepted socket).
- AK-025 (-r) process_vm_readv(0x3fffffff, {page 2, 16}, 1, {logbuf, 16}, 1, 0): -ESRCH
  (process_vm_rw_core(): find_get_task_by_vpid()).
Refused since: AK-023, AK-024, AK-025 (`cut.answer_stores`: the default extended to
these unsized outputs, answer_stores._UNSIZED_ERR_NOTHING).
qemu-aarch64-static: `getsockname(4,365080641536,4792568,0,0,0) = -1 errno=88 (Socket
operation on non-socket)`, `accept4(5,365080653824,4792568,0,0,0) = -1 errno=95
(Operation not supported)`, both labelling 0; `process_vm_readv(1073741823,...) = -1
errno=38` (qemu does not pass process_vm_readv on; Linux's answer is the function cited).

Through with the Guardian on when written (gaps): AK-001..AK-025 (P5).  Refused since
(`cut.answer_stores` widened): AK-017 (answer_stores.stored(): a capget error stored
at most the header's version word, never the data), AK-019 (first_failures.py:
socketpair's type flags past SOCK_CLOEXEC | SOCK_NONBLOCK), AK-020 (copy_file_range off
answer_stores._STORE_THEN_FAIL: its errors but -EFAULT store nothing, the default),
AK-021 (first_failures.py: timer_create's clock id from MAX_CLOCKS, no ->timer_create),
AK-011 and AK-012 (readv/preadv judged as read/pread64: an unreadable descriptor's
-EBADF, a shmem memfd's error or 0 stored nothing), AK-023..025 (getsockname,
getpeername, accept, accept4 and process_vm_readv join the default: an error but -EFAULT
stored nothing -- move_addr_to_user() last; process_vm_rw_core() answers an error only
where it copied nothing).
AK-010 was refused with cpumask_size() taken as at most 64 (arm64's default NR_CPUS
512) -- a false refusal on a kernel built with NR_CPUS 4096 (arm64's Kconfig ceiling,
RHEL/Fedora aarch64): its 512-byte copy reaches page 2.  answer_stores.stored() now
bounds the -EFAULT by min(len, 512), so AK-010 is through again with AK-001..009's gap.
Refused since round 87b's rules (`cut.answer_stores` widened): AK-002 (guardian/kind_stores.py:
timerfd_gettime of a shmem memfd fails timerfd_fget() first, any answer storeless),
AK-005 (first_failures.py: pipe2's flag past O_CLOEXEC | O_NONBLOCK | O_DIRECT |
O_NOTIFICATION_PIPE), AK-008 (kind_stores.py: a read of a descriptor opened without
read access stores nothing whatever it answers, -EFAULT included).
Refused since round 88b's rules: AK-004 (`cut.answer_stores`, kind_stores.py: getdents64
of a memfd fails iterate_dir() first, -ENOTDIR, any answer storeless), AK-009
(`cut.first_tests`, guardian/first_tests.py: mincore of a start unaligned to 4K fails
first, -EINVAL).
Still through: AK-001, AK-003, AK-006, AK-007, AK-010, AK-013..016
(see each group's "would need"; AK-018 and AK-022 closed by round 87b's rules).
Still open: AK-001, AK-003, AK-006, AK-007 (AK-002, AK-005, AK-008 closed by round 87b's
rules, AK-004 and AK-009 by round 88b's).  A forged -EFAULT there is refused only where Linux cannot
fault at page 2 once it mapped it writable -- which holds only while the area stays
VM_WRITE and mapped: another thread's munmap/mprotect/madvise(MADV_DONTNEED)/mremap in
flight or returned since the call's entry (Space.area_mark, as area_state.py uses it),
reclaim of the fresh copy before the copy retried (a swap-in that fails under OOM or
on a poisoned page answers -EFAULT through do_page_fault()'s no_context fixup: the
Guardian would need to see page 2's writable entry unchanged from the refault to the
return), a memory error on the page, or another thread's UFFDIO_WRITEPROTECT /
KSM merge write-protecting it again (the re-COW may fail under OOM: -EFAULT).  What the
Guardian would need (not done in round 85b's fix): at a -EFAULT, the span of every store
the call makes for its registers (granted_stores.store_ranges(), sizes fixed by the
registers) wholly inside pages the call's grant alone opened (slot.opened), those pages'
writable entries unchanged from the refault to the return, the slot's tree settled
(slot.id >= Space.area_mark and no munmap, mprotect, madvise, mremap, mmap, brk, shmdt,
userfaultfd ioctl or KSM prctl of the tree in flight), no uffd-registered area there:
then -EFAULT means nothing stored at those pages.  (AK-010 needs it too: under NR_CPUS
4096 its copy does not end before page 2.)

False refusal found, and fixed (this round's victim `secret_r85_mm`,
workloads/src/secret_r85_mm.c, markers from 15000; tests/test_redteam_r85b_claims.py,
was xfail strict, now passes: answer_stores.stored() counts uaddr2's word stored for
a known op with a cmp past FUTEX_OP_CMP_GE): futex(&word,
FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, FUTEX_OP_ADD 0 with cmp 7) -- Linux's op faults on
the read-only folio, futex_wake_op() calls fault_in_user_writeable(uaddr2) (the COW of
page 2), retries, the op stores, and futex_atomic_op_inuser() then answers -ENOSYS for
the cmp past FUTEX_OP_CMP_GE (`default: return -ENOSYS;`, after
arch_futex_atomic_op_inuser(); 6.1 through 6.18).  qemu-aarch64-static shows it: `-a`'s
futex answers `-1 errno=38` and page 2 reads the copy's 'x' after pwrite64() of 'y'
(label 0).  `cut.answer_stores` read every error of a private WAKE_OP as nothing stored
and refused Linux's own answer.  What it needed (done): a private WAKE_OP's -ENOSYS is
storeless only for an op past FUTEX_OP_XOR; with a known op and a cmp past
FUTEX_OP_CMP_GE the op's word at uaddr2 was stored.

Not tried (left for a later round): clock_gettime() of CLOCK_AUX (16..23) on 6.17+
built with CONFIG_POSIX_AUX_CLOCKS (not checked whether a default configuration has it;
first_failures.py calls every id from 16 up storeless); get_mempolicy()'s put_user(policy) before
copy_nodes_to_user()'s -EINVAL for a maxnode past PAGE_SIZE * 8 (if it is ever granted);
rt_sigtimedwait's copy_siginfo_to_user() (48 bytes, then clear_user() of the rest) across
a page end; munlock() from inside an area (lock_walk.walked() takes nothing off: a
split_vma() past vm.max_map_count answers -ENOMEM with nothing changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r79b import writable_as
from attacks.families.redteam_r84b import (
    LETTER84,
    LINUX_Y,
    NO_STORE,
    P_AFFLONG,
    P_DENTCNT,
    P_EPEMPTY,
    P_LINKCNT,
    P_MINCOK,
    P_PIPEOK,
    P_RDWRCNT,
    P_STATNONE,
    P_TFDGET,
    P_WAITPID,
    VICTIM84,
    WRITABLE,
    forged,
)
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r85b"
OPEN = "G-LEAVE-ON-REQUEST"
EFAULT = (1 << 64) - 14
#: this round's victim (workloads/src/secret_r85_mm.c): the claims' FUTEX_WAKE_OP steps
VICTIM85 = "secret_r85_mm"
(P_WAKECMP, P_WAKEEQ, P_READV, P_PREADV, P_RECVFROM, P_GETSOCKOPT, P_RECVMSG, P_NSLEEP,
 P_CAPGET, P_PPOLL, P_SOCKPAIR, P_COPYRANGE, P_TIMERNEW, P_PSELECT, P_SOCKNAME, P_ACCEPT,
 P_VMREAD) = range(15000, 15136, 8)
P85_FIRST, P85_LAST = P_WAKECMP, P_VMREAD
LETTER85 = dict(zip(range(15000, 15136, 8),
                    (b"-" + bytes([c]) for c in b"abcefghijklmnopqr"), strict=True))
#: the call each unsized-output step makes (its number)
NR85 = {P_READV: 65, P_PREADV: 69, P_RECVFROM: 207, P_GETSOCKOPT: 209, P_RECVMSG: 212}
#: the store-then-fail steps' calls, each served as Linux answers it: -EINVAL
NR85_EARLY = {P_NSLEEP: 101, P_CAPGET: 90, P_PPOLL: 73, P_SOCKPAIR: 199, P_COPYRANGE: 285,
              P_TIMERNEW: 107, P_PSELECT: 72}
EINVAL = (1 << 64) - 22
#: more unsized-output steps, each served as Linux answers it: (call number, -errno)
NR85_SERVED = {P_SOCKNAME: (204, 88), P_ACCEPT: (242, 95), P_VMREAD: (270, 3)}

#: the scenarios still through with the Guardian on
#: the scenarios refused since (cut.answer_stores widened: guardian/first_failures.py,
#: guardian/answer_stores.py)
#: (AK-010 open again: a kernel built with arm64's NR_CPUS 4096 copies 512 bytes from
#: page 2 - 256, into page 2, so its -EFAULT is AK-001..009's P5 gap)
REFUSED = frozenset({2, 4, 5, 8, 9, 11, 12, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25})
GAPS = {f"AK-{i:03d}": "P5" for i in range(1, 26) if i not in REFUSED}

#: (id, step, the call, Linux's answer and why no copy ran)
EFAULTS = (
    ("AK-001", P_STATNONE, "newfstatat(AT_FDCWD, \"/nonexistent-r84\", page 2, 0)",
     "Linux answers -ENOENT: vfs_fstatat() -> vfs_statx() -> filename_lookup() fails "
     "before cp_new_stat()'s one copy_to_user() of 128 bytes at page 2's start."),
    ("AK-002", P_TFDGET, "timerfd_gettime(memfd, page 2)",
     "Linux answers -EINVAL: do_timerfd_gettime() -> timerfd_fget() (not a timerfd); "
     "SYSCALL_DEFINE2(timerfd_gettime) `if (ret) return ret;` before put_itimerspec64()."),
    ("AK-003", P_LINKCNT, "readlinkat(AT_FDCWD, \"/\", page 2, 64)",
     "Linux answers -EINVAL: do_readlinkat(): a directory has no ->get_link, before "
     "readlink_copy()."),
    ("AK-004", P_DENTCNT, "getdents64(memfd, page 2, 4096)",
     "Linux answers -ENOTDIR: iterate_dir(): a shmem regular file has no "
     "->iterate_shared; no filldir64() store ran."),
    ("AK-005", P_PIPEOK, "pipe2(page 2, O_WRONLY)",
     "Linux answers -EINVAL: do_pipe2() -> __do_pipe_flags() refuses O_WRONLY before "
     "copy_to_user(fildes, fd, 8)."),
    ("AK-006", P_WAITPID, "wait4(-1, page 2, WNOHANG, NULL), no child ever made",
     "Linux answers -ECHILD: kernel_wait4() -> do_wait() finds no child; put_user(status) "
     "runs only for ret > 0."),
    ("AK-007", P_EPEMPTY, "epoll_pwait(a new epoll with nothing added, page 2, 8, 0)",
     "Linux answers 0: ep_poll() finds no ready item (ep_events_available()); "
     "ep_send_events(), the only copy, never runs."),
    ("AK-008", P_RDWRCNT, "read(/dev/null opened O_WRONLY, page 2, 16)",
     "Linux answers -EBADF: vfs_read() `if (!(file->f_mode & FMODE_READ)) return "
     "-EBADF;` before ->read_iter()."),
    ("AK-009", P_MINCOK, "mincore(view + 1, PAGE, page 2)",
     "Linux answers -EINVAL: SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return "
     "-EINVAL;` before do_mincore() and the one-byte vector copy."),
    ("AK-010", P_AFFLONG, "sched_getaffinity(0, 4096, page 2 - 256)",
     "Linux answers 32 (NR_CPUS 256; 64 for 512): SYSCALL_DEFINE3(sched_getaffinity) "
     "copies retlen = min(len, cpumask_size()) bytes, all in page 1; page 1 and 2 are one "
     "writable area, so no fault can stop that copy."),
)
for sid, phase, what, why in EFAULTS:
    _t = (f"(secret_r84_mm {LETTER84[phase].decode()}) As {what} enters, page 2 dropped and "
          "mapped writable on a copy of 'x'; the call answered -EFAULT (its whole output "
          "inside a writable page), no store")
    _prop = (WRITABLE + NO_STORE + why + "  -EFAULT is no answer of Linux here: the "
             "output lies in a writable area, where no copy faults." + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM84,
        prop=_prop, gap=GAPS.get(sid, ""), args=(LETTER84[phase],),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(
        forged(phase, EFAULT))


#: (id, step, the call, why Linux stores nothing) -- outputs no register sizes, answered
#: as Linux answers them (the kernel model's own answer)
UNSIZED = (
    ("AK-011", P_READV, "readv(/dev/null opened O_WRONLY, {page 2, 16}, 1)",
     "vfs_readv(): `if (!(file->f_mode & FMODE_READ)) return -EBADF;` before "
     "import_iovec()'s use and any ->read_iter()."),
    ("AK-012", P_PREADV, "preadv(memfd, {page 2, 16}, 1, 3 pages)",
     "the offset is the file's end: shmem_file_read_iter() finds index past i_size and "
     "copies nothing, answer 0."),
    ("AK-013", P_RECVFROM, "recvfrom(an empty AF_UNIX datagram socket, page 2, 16, "
     "MSG_DONTWAIT, NULL, NULL)", "unix_dgram_recvmsg() -> __skb_recv_datagram(): "
     "nothing queued, -EAGAIN before skb_copy_datagram_msg()."),
    ("AK-014", P_GETSOCKOPT, "getsockopt(that socket, SOL_SOCKET, 9999, page 2, &len 4)",
     "do_sock_getsockopt() -> sk_getsockopt(): `default: return -ENOPROTOOPT;` before "
     "copy_to_sockptr(optval)."),
    ("AK-015", P_RECVMSG, "recvmsg(that socket, {iov {page 2, 16}}, MSG_DONTWAIT)",
     "____sys_recvmsg() -> unix_dgram_recvmsg(): nothing queued, -EAGAIN; no iovec "
     "copy and no msg_name."),
)
for sid, phase, what, why in UNSIZED:
    _t = (f"(secret_r85_mm {LETTER85[phase].decode()}) As {what} enters (answered as Linux "
          "does), page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _prop = (WRITABLE + "The call's output (an iovec, a socket buffer or optval: no "
             "register sizes it) is in the view; Linux stores nothing: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM85,
        prop=_prop, gap=GAPS.get(sid, ""), args=(LETTER85[phase],),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(
        writable_as(phase, NR85[phase]))


#: (id, step, the call, why Linux stores nothing before its -EINVAL)
EARLY = (
    ("AK-016", P_NSLEEP, "nanosleep({0, 2000000000}, page 2)",
     "SYSCALL_DEFINE2(nanosleep): `if (!timespec64_valid(&tu)) return -EINVAL;` before "
     "hrtimer_nanosleep(); rem is stored only by nanosleep_copyout() of an interrupted "
     "sleep."),
    ("AK-017", P_CAPGET, "capget({version 0, pid 0}, page 2)",
     "cap_validate_magic() stores _KERNEL_CAPABILITY_VERSION into the HEADER's version and "
     "answers -EINVAL; SYSCALL_DEFINE2(capget) `if ((dataptr == NULL) || (ret != 0)) "
     "return ...ret;` before the data's copy_to_user()."),
    ("AK-018", P_PPOLL, "ppoll(NULL, 0, page 2 (tv_nsec 0x7878787878787878), NULL, 8)",
     "SYSCALL_DEFINE5(ppoll): poll_select_set_timeout() refuses the timespec, -EINVAL, "
     "before do_sys_poll() and poll_select_finish() (the only store of the time left)."),
    ("AK-019", P_SOCKPAIR, "socketpair(AF_UNIX, SOCK_DGRAM | 0x10, 0, page 2)",
     "__sys_socketpair(): `if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;` "
     "before get_unused_fd_flags() and the two put_user()s."),
    ("AK-020", P_COPYRANGE, "copy_file_range(memfd, page 2, memfd, NULL, 16, 1)",
     "vfs_copy_file_range() -> generic_copy_file_checks()... `if (flags != 0) return "
     "-EINVAL;`; SYSCALL_DEFINE6(copy_file_range) stores off_in only `if (ret > 0)` -- "
     "no error of copy_file_range() follows a store but -EFAULT."),
    ("AK-021", P_TIMERNEW, "timer_create(16, NULL, page 2)",
     "do_timer_create(): `if (!kc) return -EINVAL;` (clockid_to_kclock() NULL past "
     "MAX_CLOCKS) before posix_timer_add() and the id's copy_to_user()."),
    ("AK-022", P_PSELECT, "pselect6(0, NULL, NULL, NULL, page 2 (as -k), NULL)",
     "do_pselect(): poll_select_set_timeout() refuses the timespec, -EINVAL, before "
     "core_sys_select() and poll_select_finish()."),
)


def early(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (an output pointer at page 2) enters, the kernel drops
        page 2 and maps it writable on a fresh copy of 'x'; it answers the call as Linux
        does, -EINVAL (served as getpid(): nothing stored).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, NR85_EARLY[phase])(adv)
        serve_as_getpid(adv, NR85_EARLY[phase], phase, EINVAL)
    return steps


for sid, phase, what, why in EARLY:
    _t = (f"(secret_r85_mm {LETTER85[phase].decode()}) As {what} enters (answered -EINVAL as "
          "Linux does), page 2 dropped and mapped writable on a copy of 'x', before "
          "pwrite64() of 'y'")
    _prop = (WRITABLE + "The call is on answer_stores._STORE_THEN_FAIL (its errors never "
             "judged), but its registers fail before any store: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM85,
        prop=_prop, gap=GAPS.get(sid, ""), args=(LETTER85[phase],),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(early(phase))


#: (id, step, the call, Linux's answer and why no store)
SERVED = (
    ("AK-023", P_SOCKNAME, "getsockname(memfd, page 2, &len 16)",
     "-ENOTSOCK: __sys_getsockname() -> sockfd_lookup_light() finds no socket behind the "
     "memfd, before ->getname() and move_addr_to_user()."),
    ("AK-024", P_ACCEPT, "accept4(an AF_UNIX datagram socket, page 2, &len 16, 0)",
     "-EOPNOTSUPP: do_accept() -> unix_dgram_ops' ->accept is sock_no_accept(), before "
     "move_addr_to_user() (the address is stored only for an accepted socket)."),
    ("AK-025", P_VMREAD, "process_vm_readv(0x3fffffff, {page 2, 16}, 1, {logbuf, 16}, 1, 0)",
     "-ESRCH: process_vm_rw_core() -> find_get_task_by_vpid() finds no task (pids stop "
     "below PID_MAX_LIMIT, 4194304), before any process_vm_rw_pages() copy into the "
     "local iovec."),
)


def served(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (an output at page 2 that no register sizes) enters, the
        kernel drops page 2 and maps it writable on a fresh copy of 'x'; it answers the
        call as Linux does (served as getpid(): nothing stored).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        nr, err = NR85_SERVED[phase]
        writable_as(phase, nr)(adv)
        serve_as_getpid(adv, nr, phase, (1 << 64) - err)
    return steps


for sid, phase, what, why in SERVED:
    _t = (f"(secret_r85_mm {LETTER85[phase].decode()}) As {what} enters (answered as Linux "
          "does), page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _prop = (WRITABLE + "The call's output (a sockaddr with a length word, a local "
             "iovec: no register sizes it) is in the view; Linux answers " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM85,
        prop=_prop, gap=GAPS.get(sid, ""), args=(LETTER85[phase],),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(served(phase))
