"""Red-team round 87b: the memory ground after round 86b's storeless answers
(guardian/answer_words.py, guardian/first_failures.py, guardian/answer_stores.py,
guardian/sole_held.py) against this round's victim `secret_r87_mm`
(workloads/src/secret_r87_mm.c, markers from 16000: P before the step, x3 the view; P + 4
after page 2 is read and the step's call, before pwrite64() of 'y') and the victims of
rounds 85b and 86b (`secret_r85_mm`, `secret_r86_mm`).

Ids: AP-001 .. AP-021 are taken (attacks/families/preconditions.py), so this round
numbers its attacks from AP-101.

Every attack: page 2 of the step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the
memfd (3 pages of 'x') is a clean page -- the page cache folio under Linux --; as the
step's call (an output pointer at page 2) enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x', serves the call as getpid() and answers it (Linux's
answer where it says so, else the forged one named); pwrite64() of 'y' misses the copy,
the step reads 'x' and indexes its log buffer at -4, writing the secret's bytes to
/dev/null.  Linux: a read fault maps the folio read-only (do_read_fault() ->
finish_fault()); only a store copies it (do_cow_fault(), wp_page_copy()); for these
registers (or descriptors) Linux stores nothing at page 2 -- so no answer may leave page
2 opened writable.

Calls whose output at page 2 a register sizes (or the call fixes), answered as Linux
answers them, that the Guardian lets through (secret_r87_mm):

- AP-101 (-c) sched_getattr(0, page 2, 16, 0) [-EINVAL: SYSCALL_DEFINE4(sched_getattr)
  `if (unlikely(!uattr || pid < 0 || usize > PAGE_SIZE || usize <
  SCHED_ATTR_SIZE_VER0 || flags)) return -EINVAL;` -- 16 < 48 -- first, before
  find_process_by_pid() and sched_attr_copy_to_user(); 6.1 .. 6.18].
- AP-102 (-s) mq_timedreceive(memfd, page 2, 16, NULL, NULL) [-EBADF:
  do_mq_timedreceive() `if (unlikely(f.file->f_op != &mqueue_file_operations)) { ret =
  -EBADF; goto out_fput; }` before the message's store_msg()]: the Guardian knows the
  descriptor names a memfd.
- AP-103 (-u) msgrcv(-1, page 2, 16, 0, IPC_NOWAIT) [-EINVAL: do_msgrcv() `if (msqid < 0
  || (long) bufsz < 0) return -EINVAL;` first; the message is stored only by
  do_msg_fill() after a message is found].
- AP-104 (-w) getsockopt(memfd, SOL_SOCKET, SO_TYPE, page 2, &len 4) [-ENOTSOCK:
  __sys_getsockopt() -> sockfd_lookup() (do_sock_getsockopt() from 6.8) finds no socket
  first, before sk_getsockopt()'s copy_to_sockptr()]: round 85b's AK-008 used a real
  socket; here the Guardian knows the descriptor is a memfd.
- AP-105 (-y) get_mempolicy(page 2, NULL, 0, 0, 0x100) [-EINVAL: kernel_get_mempolicy()
  `if (flags & ~(unsigned long)(MPOL_F_NODE|MPOL_F_ADDR|MPOL_F_MEMS_ALLOWED)) return
  -EINVAL;` -- do_get_mempolicy()'s check in 6.1 -- before the policy's put_user()].

Forged answers no Linux gives, to registers or descriptors that fix Linux's answer (the
victims of rounds 85b and 86b), that the Guardian lets through:

- AP-106 (secret_r86_mm -l) waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2)
  answered 0 [Linux: -EBADF only: kernel_waitid() (kernel_waitid_prepare() from 6.9)
  -> pidfd_get_pid() -> pidfd_pid(): the memfd's f_op is not pidfd_fops].  Round 86b's
  fix judged waitid's errors; a 0 here may mean a reaped child and its rusage stored at
  ru (SYSCALL_DEFINE5(waitid): `if (err > 0) { ... copy_to_user(ru, ...) }`), but no
  pid the memfd could name exists.
- AP-107 (secret_r86_mm -g) waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2) answered
  0 by a program that never made a child [Linux: -ECHILD: do_wait() finds no child;
  the program is the launch's first process (no child inherited across an exec) and
  never called fork/clone]: a 0 means a child was reaped and ru stored.
- AP-108 (secret_r85_mm -k) ppoll(NULL, 0, page 2 (tv_nsec 'xxxxxxxx', past a second),
  NULL, 8) answered 0 [Linux: -EINVAL only: SYSCALL_DEFINE5(ppoll) `if (tsp) { if
  (get_timespec64(&ts, tsp)) return -EFAULT; to = &end_time; if
  (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec)) return -EINVAL; }` first;
  poll_select_finish() (the time left stored at tsp) only after do_sys_poll()]: round
  85b's AK-019 was refused for Linux's -EINVAL; the forged 0 (a poll that timed out)
  stores the time left, and the Guardian does not test the timespec's bytes.
- AP-109 (secret_r85_mm -o) pselect6(0, NULL, NULL, NULL, page 2 (as -k), NULL)
  answered -EINTR [Linux: -EINVAL only: SYSCALL_DEFINE6(pselect6) -> do_pselect()
  `if (poll_select_set_timeout(to, ts.tv_sec, ts.tv_nsec)) return -EINVAL;` first;
  -ERESTARTNOHAND -> -EINTR only from core_sys_select(), whose poll_select_finish()
  stores the time left]: the interruption, with no signal delivered, is no answer
  Linux gives to an invalid timeout.

- AP-128 (secret_r87_mm -n) getgroups(-1, page 2) answered 0 [Linux: -EINVAL only:
  SYSCALL_DEFINE2(getgroups) `if (gidsetsize < 0) return -EINVAL;` first]: AP-120's
  Linux answer is refused, but the forged 0 (no supplementary group: groups_to_user() of
  none) is let through while page 2 is left writable.

Forged -EFAULT where Linux's order reaches no access of page 2 (registers, a
descriptor's kind or mode that fail first; or a call that touches page 2 by a single
store), that the Guardian lets through -- its rules judge every answer but -EFAULT, which
they take for a store-then-fault; the refault leaves page 2 writable on a copy.  Linux's
only -EFAULT at a mapped, writable page 2 is a kernel-mode fault that fails (a memcg
charge refused: VM_FAULT_OOM -> no_context -> the uaccess fixup), and that fault copies
nothing (the copy is what failed):

- AP-129 (secret_r87_mm -v) clock_gettime(16, page 2) [-EINVAL only: clockid_to_kclock()
  before put_timespec64()].
- AP-130 (secret_r87_mm -h) getrusage(5, page 2) [-EINVAL only: the who test first].
- AP-131 (secret_r87_mm -o) pipe2(page 2, 1) [-EINVAL only: __do_pipe_flags()].
- AP-132 (secret_r87_mm -j) sched_getaffinity(0, 4, page 2) [-EINVAL only: the length
  tests first].
- AP-133 (secret_r87_mm -z) getcwd(page 2, 1) [-ERANGE only: the copy_to_user() is
  reached only `if (len <= size)`].
- AP-134 (secret_r87_mm -r) timerfd_gettime(memfd, page 2) [-EINVAL only:
  timerfd_fget()].
- AP-135 (secret_r86_mm -l) waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2)
  [-EBADF only: pidfd_get_pid()].
- AP-136 (secret_r86_mm -n) preadv2(/dev/null opened O_WRONLY, {page 2, 16}, 1, -1, 0)
  [-EBADF (or -EFAULT for an unreadable iovec array, not page 2): vfs_readv() tests
  FMODE_READ before ->read_iter()].
- AP-137 (secret_r85_mm -q) accept4(an AF_UNIX datagram socket, page 2, &len 16, 0)
  [-EOPNOTSUPP only: do_accept() -> sock_no_accept(), before move_addr_to_user()].
- AP-138 (secret_r85_mm -r) process_vm_readv(0x3fffffff, {page 2, 16}, 1, {logbuf, 16},
  1, 0) answered 0 [-ESRCH only: process_vm_rw_core() -> find_get_task_by_vpid(), pids
  stop at PID_MAX_LIMIT].

Refused (with the Guardian on when written; `cut.answer_stores`, or
`set_pt.cut_writable`), each answered as Linux answers (secret_r87_mm):

- AP-110 (-a) get_robust_list(0x3fffffff, page 2, wbuf) [-ESRCH: find_task_by_vpid()
  (pids stop at PID_MAX_LIMIT) before both put_user()s].
- AP-111 (-b) prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2) [-ESRCH].
- AP-112 (-e) clock_getres(16, page 2) [-EINVAL: clockid_to_kclock() (16 = MAX_CLOCKS)].
- AP-113 (-f) timer_gettime(0x7fffffff, page 2) [-EINVAL: lock_timer() finds no timer].
- AP-114 (-h) getrusage(5, page 2) [-EINVAL: `if (who != RUSAGE_SELF && who !=
  RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -EINVAL;`].
- AP-115 (-i) fstatfs(999, page 2) [-EBADF: fd_statfs() -> fdget()].
- AP-116 (-j) sched_getaffinity(0, 4, page 2) [-EINVAL: `if ((len * BITS_PER_BYTE) <
  nr_cpu_ids) return -EINVAL; if (len & (sizeof(unsigned long)-1)) return -EINVAL;`].
- AP-117 (-k) rt_sigpending(page 2, 16) [-EINVAL: `if (sigsetsize > sizeof(sigset_t))
  return -EINVAL;`].
- AP-118 (-l) rt_sigprocmask(SIG_BLOCK, NULL, page 2, 16) [-EINVAL: `if (sigsetsize !=
  sizeof(sigset_t)) return -EINVAL;`].
- AP-119 (-m) rt_sigaction(65, NULL, page 2, 8) [-EINVAL: do_sigaction() `if
  (!valid_signal(sig) || sig < 1 ...)`].
- AP-120 (-n) getgroups(-1, page 2) [-EINVAL: `if (gidsetsize < 0) return -EINVAL;`].
- AP-121 (-o) pipe2(page 2, 1) [-EINVAL: __do_pipe_flags(): flags past O_CLOEXEC |
  O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE].
- AP-122 (-p) getrandom(page 2, 16, 0x100) [-EINVAL: `if (flags & ~(GRND_NONBLOCK |
  GRND_RANDOM | GRND_INSECURE)) return -EINVAL;`].
- AP-123 (-q) epoll_pwait(memfd, page 2, 0, 0, NULL, 8) [-EINVAL: do_epoll_wait() `if
  (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return -EINVAL;`]
  (`set_pt.cut_writable`: no grant for 0 events).
- AP-124 (-r) timerfd_gettime(memfd, page 2) [-EINVAL: timerfd_fget(): f_op is not
  timerfd_fops].
- AP-125 (-t) getdents64(memfd, page 2, 16) [-ENOTDIR: iterate_dir(): shmem's file has
  no ->iterate_shared].
- AP-126 (-v) clock_gettime(16, page 2) [-EINVAL: clockid_to_kclock()].
- AP-127 (-z) getcwd(page 2, 1) [-ERANGE: `if (len <= size)` fails: even "/" needs 2
  bytes].

Honest store-then-fail answers (tests/test_redteam_r87b_claims.py, no scenario), each
let through with the Guardian on when written:
- (-x) socketpair(AF_INET, SOCK_DGRAM, 0, page 2): __sys_socketpair() put_user()s both
  reserved descriptors (get_unused_fd_flags()) before sock_create() and
  sock1->ops->socketpair() -- inet_dgram_ops' sock_no_socketpair(): -EOPNOTSUPP --
  (6.1 .. 6.18): the store copies page 2, which keeps 'x' past the two words.
- (-A) timer_create(MAKE_PROCESS_CPUCLOCK(0x3ffffff, CPUCLOCK_SCHED) = 0xe0000002, NULL,
  page 2): do_timer_create() copy_to_user()s the new id, then kc->timer_create() --
  posix_cpu_timer_create(): pid_for_clock() finds no process: -EINVAL.
  qemu-aarch64-static: `socketpair(2,2,0,...) = -1 errno=95`,
  `timer_create(-536870910,0,...) = -1 errno=22`, both labelling -4 for qemu's own reason
  (linux-user writes the fds and the timer id back only on success); Linux's stores are
  the functions cited.  The kernel model stores neither (label -4 untouched, in every
  mode), so the claims serve Linux's store and answer.

Not written: io_getevents(0, 1, 1, page 2, NULL) (-g) [-EINVAL: lookup_ioctx() finds no
context]: with the Guardian on page 2 was not left writable (label 0, no decision).
Found on the way (kernel_model/, not the Guardian): the kernel model answered
getrusage(5, page 2) (-h) and rt_sigpending(page 2, 16) (-k) with a store at page 2 where
Linux refuses both first; fixed since round 87b (kernel_model/syscalls/misc.py, signal.py:
-EINVAL first, as SYSCALL_DEFINE2(getrusage) and SYSCALL_DEFINE2(rt_sigpending)), so the
claims and victim tests now run -h and -k untouched too.

qemu-aarch64-static (the host's Linux; cwd /tmp), `qemu-aarch64-static -strace
workloads/bin/secret_r87_mm -abcefghijklmnopqrstuvwyz`:
`get_robust_list(1073741823,...) = -1 errno=38` (qemu does not pass it on),
`prlimit64(1073741823,7,0,...) = -1 errno=3 (No such process)`,
`sched_getattr(0,...,16,0,0,0) = -1 errno=22`, `clock_getres(0x10,...) = 0` (qemu's
own; Linux: clockid_to_kclock() -EINVAL), `timer_gettime(2147483647,...) = -1
errno=22`, `io_getevents(0,1,1,...) = -1 errno=38`, `getrusage(5,...) = -1 errno=22`,
`fstatfs(999,...) = -1 errno=9`, `sched_getaffinity(0,4,...) = -1 errno=22`,
`rt_sigpending(...,16) = -1 errno=22`, `rt_sigprocmask(SIG_BLOCK,NULL,...) = -1
errno=22`, `rt_sigaction(65,NULL,...) = -1 errno=22`, `getgroups(-1,...) = -1
errno=22`, `pipe2(...,1) = -1 errno=22`, `getrandom(...,16,256) = -1 errno=22`,
`epoll_pwait(4,...,0,0,0,8) = -1 errno=22`, `timerfd_gettime(4,...) = -1 errno=22`,
`mq_timedreceive(4,...,16,0,(nil)) = -1 errno=9 (Bad file descriptor)`,
`getdents64(4,...,16) = -1 errno=20 (Not a directory)`, `msgrcv(-1,...,16,0,2048,0)
= -1 errno=22`, `clock_gettime(0x10,...) = -1 errno=22`, `getsockopt(4,1,3,...) = -1
errno=88 (Socket operation on non-socket)`, `get_mempolicy(...,256,0) = -1 errno=38`,
`getcwd(...,1) = -1 errno=34 (Numerical result out of range)`; "secret: intact"; every
step labels 0 but -e, -r and -u, which label -4 for qemu's own reasons (clock_getres
answered 0 with a resolution written; linux-user's timerfd_gettime and msgrcv write the
target buffer back whatever the host answered).  Linux's answers are the functions
cited.

What the Guardian would need, for each gap (all but AP-107 and AP-129 closed by round 87b's rules,
below):
- AP-101: sched_getattr's usize below SCHED_ATTR_SIZE_VER0 (48), above PAGE_SIZE, a
  negative pid or any flags fail first: any answer stores nothing.
- AP-102: mq_timedreceive on a descriptor known to name no mqueue: -EBADF, no store.
- AP-103: msgrcv with a negative msqid (or a negative size) fails first: no store.
- AP-104: getsockopt on a descriptor known to name no socket: -ENOTSOCK, no store.
- AP-105: get_mempolicy's flags past MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED fail
  first: no store (nor at nmask).
- AP-106: waitid(P_PIDFD) of a descriptor known to name no pidfd can only be -EBADF (or
  -EINVAL for bad options): a 0 is a forgery.
- AP-107: waitid's 0 (a reaped child, ru stored) is impossible while the program has
  made no child since its launch: only -ECHILD (or -EFAULT).
- AP-128: getgroups' negative gidsetsize allows only -EINVAL: a 0 (or a count) is forged;
  and any answer's writable refault of page 2 needs a store the answer counts.
- AP-129 .. AP-137: an -EFAULT is Linux's answer only where its order reaches a user
  access that can fault: registers, a descriptor's kind or mode that fail first allow
  only their own error; and where page 2 is the call's one output, stored by one
  copy_to_user(), an -EFAULT means that store failed: no page 2 copy may follow.
- AP-138: process_vm_readv of a pid past PID_MAX_LIMIT allows only -ESRCH.
- AP-108, AP-109: ppoll's and pselect6's timespec (the bytes the program holds at tsp)
  failing timespec64_valid() allows only -EINVAL (-EFAULT): any other answer is forged;
  the Guardian must read the timespec as the call enters, and only where no other
  thread or process could have written it before get_timespec64() (a quiet page):
  done since round 87b (`cut.answer_stores`).
- AP-107 (still open): the Guardian would need to know the program has no child: that
  the launch's first process inherited none (an exec keeps the exec'ing process's
  children) and made none since -- the launch's children are not known to it today.
- AP-129 (still open): clock 16 is CLOCK_AUX (6.17+, CONFIG_POSIX_AUX_CLOCKS):
  aux_get_timespec() stores an enabled auxiliary clock's time, so clock_gettime(16)'s
  -EFAULT may follow a store on 6.17+; only ids past CLOCK_AUX_LAST (24+) fail first on
  every 6.x (first_failures.py judges those).  The Guardian would need the kernel's
  version (or that no auxiliary clock is enabled).

Not tried (left for a later round, the round being short): the followed memfd's own
edges -- a copy_file_range(memfd, &0, memfd, &2 pages, 16, 0) answered 0 though the kernel
copied (a 0 is impossible with the offset inside the file it follows), a partial move
answered as a smaller count, a second process holding the memfd (SCM_RIGHTS, /proc/PID/fd)
while a move is answered 0, fallocate/ftruncate racing a move -- all need steps
secret_r87_mm lacks (its phases 16000..16198 are used up); and a descriptor that
changes meaning during the call: another thread's dup2() of a tty over the memfd's
number while ioctl(memfd, TCGETS, page 2) is in flight (answer_stores.stored() takes
the kind at entry; Linux's fdget() may see the tty and store termios: a false refusal
to check), and the same for AP-102/AP-104/AP-134's descriptor kinds (there the race
would make the Guardian's refusal of a store wrong, not let one through).

Through with the Guardian on when written (gaps): AP-101, AP-102, AP-103, AP-104, AP-105,
AP-106, AP-107, AP-108, AP-109, AP-128, AP-129, AP-130, AP-131, AP-132, AP-133, AP-134,
AP-135, AP-136, AP-137, AP-138 (P5).
Refused since round 87b's rules (`cut.answer_stores`, widened):
- by the registers that fail Linux's first test (guardian/first_failures.py): AP-101
  (sched_getattr's usize < 48, > 64K, pid < 0, flags), AP-103 (msgrcv's msqid < 0 or
  size < 0), AP-105 (get_mempolicy's flags past MPOL_F_*), AP-128 (getgroups(-1)),
  AP-130 (getrusage's who), AP-131 (pipe2's unknown flag), AP-132 (sched_getaffinity's
  length not a multiple of 8), AP-133 (getcwd's size < 2), AP-138 (process_vm_readv's
  pid past PID_MAX_LIMIT, or flags): any answer, -EFAULT and success included, stored
  nothing;
- by the descriptor's kind as the call took it (guardian/kind_stores.py): AP-102
  (mq_timedreceive of a memfd), AP-104 (getsockopt of a memfd), AP-106 and AP-135
  (waitid(P_PIDFD) of a memfd: at most the siginfo), AP-134 (timerfd_gettime of a
  memfd), AP-136 (preadv2 of a file opened O_WRONLY), AP-137 (accept4 on an AF_UNIX
  datagram socket);
- by the timeout as passed (early_errors.refused_as_passed(), result_arguments.
  _timeout_refused()): AP-108 (ppoll), AP-109 (pselect6): the timespec kept at the
  entry (slot.asked) fails timespec64_valid() and lay quiet through the call
  (quiet_ranges.quiet(), or memfd_eof.quiet_in_memfd() for a view of a memfd only the
  program holds): no answer stored anything at page 2.
Still open (P5): AP-107, AP-129 (what each needs: above).
Refused: AP-110 .. AP-127 (`cut.answer_stores`; AP-123 `set_pt.cut_writable`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r85b as r85
from attacks.families import redteam_r86b as r86
from attacks.families.redteam_r79b import writable_as
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r87b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM87 = "secret_r87_mm"
_M = 1 << 64
LETTERS87 = "abcefghijklmnopqrstuvwyz"
PHASE87 = {c: 16000 + 8 * i for i, c in enumerate(LETTERS87)}
#: the store-then-fail steps (honest claims only): socketpair(AF_INET) and timer_create()
#: of a CPU clock of no process
P_SOCKPAIR, P_TMCPU = 16188, 16194
STORE_THEN_FAIL = {P_SOCKPAIR: (b"-x", 199, 3, (6 << 32) | 5, 8, _M - 95),
                   P_TMCPU: (b"-A", 107, 2, 0, 4, _M - 22)}
P87_FIRST, P87_LAST = 16000, P_TMCPU
LETTER87 = {p: b"-" + c.encode() for c, p in PHASE87.items()}
#: each secret_r87_mm step's call (its number) and Linux's answer (-errno)
NR87 = dict(zip(LETTERS87, (100, 261, 275, 114, 108, 4, 165, 44, 123, 136, 135, 134, 158,
                            59, 278, 22, 87, 183, 61, 188, 113, 209, 236, 17), strict=True))
ERR87 = dict(zip(LETTERS87, (3, 3, 22, 22, 22, 22, 22, 9, 22, 22, 22, 22, 22, 22, 22, 22,
                             22, 9, 20, 22, 22, 88, 22, 34), strict=True))
LINUX87 = {PHASE87[c]: _M - ERR87[c] for c in LETTERS87}
NRP87 = {PHASE87[c]: NR87[c] for c in LETTERS87}

#: still through (round 87b's rules closed the rest: `cut.answer_stores`)
GAPS = {f"AP-{100 + i}": "P5" for i in (7, 29)}

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")

#: (id, victim, letter, call number, the answer served, the call, Linux's answer and why)
ATTACKS = (
    ("AP-101", VICTIM87, "c", None, "sched_getattr(0, page 2, 16, 0)",
     "-EINVAL: SYSCALL_DEFINE4(sched_getattr) refuses usize < SCHED_ATTR_SIZE_VER0 (48) "
     "first, before sched_attr_copy_to_user()."),
    ("AP-102", VICTIM87, "s", None, "mq_timedreceive(memfd, page 2, 16, NULL, NULL)",
     "-EBADF: do_mq_timedreceive(): the file's f_op is not mqueue_file_operations, before "
     "store_msg()."),
    ("AP-103", VICTIM87, "u", None, "msgrcv(-1, page 2, 16, 0, IPC_NOWAIT)",
     "-EINVAL: do_msgrcv() `if (msqid < 0 || (long) bufsz < 0) return -EINVAL;` first; "
     "the message is stored only by do_msg_fill()."),
    ("AP-104", VICTIM87, "w", None, "getsockopt(memfd, SOL_SOCKET, SO_TYPE, page 2, &len 4)",
     "-ENOTSOCK: __sys_getsockopt() -> sockfd_lookup() finds no socket, before "
     "sk_getsockopt()'s copy_to_sockptr()."),
    ("AP-105", VICTIM87, "y", None, "get_mempolicy(page 2, NULL, 0, 0, 0x100)",
     "-EINVAL: kernel_get_mempolicy() (do_get_mempolicy() in 6.1) refuses flags past "
     "MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED first, before put_user() of the "
     "policy."),
    ("AP-106", r86.VICTIM86, "l", 0,
     "waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2), answered 0",
     "-EBADF only: kernel_waitid() -> pidfd_get_pid() -> pidfd_pid(): the memfd is no "
     "pidfd; the forged 0 means a reaped child and its rusage stored at ru."),
    ("AP-107", r86.VICTIM86, "g", 0,
     "waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2) by a program that never made a "
     "child, answered 0",
     "-ECHILD only: do_wait() finds no child (the launch's first process, no fork or "
     "clone since); the forged 0 means a reaped child and its rusage stored at ru."),
    ("AP-108", r85.VICTIM85, "k", 0,
     "ppoll(NULL, 0, page 2 (tv_nsec 'xxxxxxxx'), NULL, 8), answered 0",
     "-EINVAL only: SYSCALL_DEFINE5(ppoll) poll_select_set_timeout() refuses the "
     "timespec first; the forged 0 (timed out) has poll_select_finish() store the time "
     "left at tsp."),
    ("AP-109", r85.VICTIM85, "o", _M - 4,
     "pselect6(0, NULL, NULL, NULL, page 2 (tv_nsec 'xxxxxxxx'), NULL), answered -EINTR",
     "-EINVAL only: do_pselect() poll_select_set_timeout() refuses the timespec first; "
     "the forged -EINTR (core_sys_select()'s -ERESTARTNOHAND) has poll_select_finish() "
     "store the time left at tsp."),
    ("AP-110", VICTIM87, "a", None, "get_robust_list(0x3fffffff, page 2, wbuf)",
     "-ESRCH: find_task_by_vpid() finds no task (pids stop at PID_MAX_LIMIT), before "
     "both put_user()s."),
    ("AP-111", VICTIM87, "b", None, "prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2)",
     "-ESRCH: find_task_by_vpid() finds no task, before do_prlimit() and the old "
     "limit's copy_to_user()."),
    ("AP-112", VICTIM87, "e", None, "clock_getres(16, page 2)",
     "-EINVAL: clockid_to_kclock() has no clock 16 (MAX_CLOCKS), before the "
     "resolution's put_timespec64()."),
    ("AP-113", VICTIM87, "f", None, "timer_gettime(0x7fffffff, page 2)",
     "-EINVAL: do_timer_gettime() -> lock_timer() finds no such timer."),
    ("AP-114", VICTIM87, "h", None, "getrusage(5, page 2)",
     "-EINVAL: SYSCALL_DEFINE2(getrusage) refuses a who other than RUSAGE_SELF, "
     "RUSAGE_CHILDREN and RUSAGE_THREAD first."),
    ("AP-115", VICTIM87, "i", None, "fstatfs(999, page 2)",
     "-EBADF: fd_statfs() -> fdget() finds no file."),
    ("AP-116", VICTIM87, "j", None, "sched_getaffinity(0, 4, page 2)",
     "-EINVAL: a length not a multiple of sizeof(unsigned long) fails first."),
    ("AP-117", VICTIM87, "k", None, "rt_sigpending(page 2, 16)",
     "-EINVAL: `if (sigsetsize > sizeof(sigset_t)) return -EINVAL;` first."),
    ("AP-118", VICTIM87, "l", None, "rt_sigprocmask(SIG_BLOCK, NULL, page 2, 16)",
     "-EINVAL: `if (sigsetsize != sizeof(sigset_t)) return -EINVAL;` first."),
    ("AP-119", VICTIM87, "m", None, "rt_sigaction(65, NULL, page 2, 8)",
     "-EINVAL: do_sigaction() `if (!valid_signal(sig) || sig < 1 ...)` before the old "
     "action's copy."),
    ("AP-120", VICTIM87, "n", None, "getgroups(-1, page 2)",
     "-EINVAL: `if (gidsetsize < 0) return -EINVAL;` first."),
    ("AP-121", VICTIM87, "o", None, "pipe2(page 2, 1)",
     "-EINVAL: __do_pipe_flags() refuses a flag past O_CLOEXEC | O_NONBLOCK | O_DIRECT | "
     "O_NOTIFICATION_PIPE first."),
    ("AP-122", VICTIM87, "p", None, "getrandom(page 2, 16, 0x100)",
     "-EINVAL: flags past GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE fail first."),
    ("AP-123", VICTIM87, "q", None, "epoll_pwait(memfd, page 2, 0, 0, NULL, 8)",
     "-EINVAL: do_epoll_wait() `if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return "
     "-EINVAL;` first."),
    ("AP-124", VICTIM87, "r", None, "timerfd_gettime(memfd, page 2)",
     "-EINVAL: timerfd_fget(): the file is no timerfd, before put_itimerspec64()."),
    ("AP-125", VICTIM87, "t", None, "getdents64(memfd, page 2, 16)",
     "-ENOTDIR: iterate_dir(): shmem's file has no ->iterate_shared."),
    ("AP-126", VICTIM87, "v", None, "clock_gettime(16, page 2)",
     "-EINVAL: clockid_to_kclock() has no clock 16 (MAX_CLOCKS)."),
    ("AP-127", VICTIM87, "z", None, "getcwd(page 2, 1)",
     "-ERANGE: even the path \"/\" needs 2 bytes (`if (len <= size)` fails) before "
     "copy_to_user()."),
    ("AP-128", VICTIM87, "n", 0, "getgroups(-1, page 2), answered 0",
     "-EINVAL only: SYSCALL_DEFINE2(getgroups) `if (gidsetsize < 0) return -EINVAL;` "
     "first; the forged 0 (no group) stores nothing either, so page 2 stays the folio."),
    ("AP-129", VICTIM87, "v", -14, "clock_gettime(16, page 2), answered -EFAULT",
     "-EINVAL only: clockid_to_kclock() has no clock 16, before put_timespec64()."),
    ("AP-130", VICTIM87, "h", -14, "getrusage(5, page 2), answered -EFAULT",
     "-EINVAL only: the who test comes first, before getrusage()'s copy_to_user()."),
    ("AP-131", VICTIM87, "o", -14, "pipe2(page 2, 1), answered -EFAULT",
     "-EINVAL only: __do_pipe_flags() refuses the flag before any descriptor or store."),
    ("AP-132", VICTIM87, "j", -14, "sched_getaffinity(0, 4, page 2), answered -EFAULT",
     "-EINVAL only: the length tests come first, before the mask's copy_to_user()."),
    ("AP-133", VICTIM87, "z", -14, "getcwd(page 2, 1), answered -EFAULT",
     "-ERANGE only: copy_to_user() is reached only `if (len <= size)`."),
    ("AP-134", VICTIM87, "r", -14, "timerfd_gettime(memfd, page 2), answered -EFAULT",
     "-EINVAL only: timerfd_fget() finds no timerfd, before put_itimerspec64()."),
    ("AP-135", r86.VICTIM86, "l", -14,
     "waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2), answered -EFAULT",
     "-EBADF only: pidfd_get_pid() -> pidfd_pid(): the memfd is no pidfd."),
    ("AP-136", r86.VICTIM86, "n", -14,
     "preadv2(/dev/null opened O_WRONLY, {page 2, 16}, 1, -1, 0), answered -EFAULT",
     "-EBADF only: vfs_readv() tests FMODE_READ before ->read_iter(); the iovec array "
     "the program holds reads."),
    ("AP-137", r85.VICTIM85, "q", -14,
     "accept4(an AF_UNIX datagram socket, page 2, &len 16, 0), answered -EFAULT",
     "-EOPNOTSUPP only: do_accept() -> sock_no_accept(), before move_addr_to_user()."),
    ("AP-138", r85.VICTIM85, "r", 0,
     "process_vm_readv(0x3fffffff, {page 2, 16}, 1, {logbuf, 16}, 1, 0), answered 0",
     "-ESRCH only: process_vm_rw_core() -> find_get_task_by_vpid() (pids stop at "
     "PID_MAX_LIMIT); no byte is read into page 2."),
)


def _where(victim: str, letter: str) -> tuple[int, int, int]:
    """(the step's phase, its call number, Linux's answer) in `victim`."""
    if victim == VICTIM87:
        return PHASE87[letter], NR87[letter], _M - ERR87[letter]
    if victim == r86.VICTIM86:
        phase = next(p for p, a in r86.LETTER86.items() if a == b"-" + letter.encode())
        return phase, r86.NR86[phase], r86.LINUX86[phase]
    phase = next(p for p, a in r85.LETTER85.items() if a == b"-" + letter.encode())
    if phase in r85.NR85_SERVED:
        nr, err = r85.NR85_SERVED[phase]
        return phase, nr, _M - err
    return phase, r85.NR85_EARLY[phase], r85.EINVAL


def served(victim: str, letter: str, answer: int | None):  # type: ignore[no-untyped-def]
    phase, nr, linux = _where(victim, letter)

    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (an output at page 2) enters, the kernel drops page 2 and
        maps it writable on a fresh copy of 'x'; it serves the call as getpid() and
        answers it (Linux's answer, or the forged one the title names).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, nr)(adv)
        got = linux if answer is None else answer % _M
        serve_as_getpid(adv, nr, phase, got)
    return steps


for sid, victim, letter, answer, what, why in ATTACKS:
    _call, _, _forged = what.partition(", answered ")
    _how = "answered as Linux does" if answer is None else f"the forged answer {_forged}"
    _t = (f"({victim} -{letter}) As {_call} enters ({_how}), page 2 dropped and mapped "
          "writable on a copy of 'x', before pwrite64() of 'y'")
    _prop = (WRITABLE + "The call's output is at page 2, and for these registers Linux "
             "stores nothing there: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=victim,
        prop=_prop, gap=GAPS.get(sid, ""), args=(b"-" + letter.encode(),),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(served(victim, letter,
                                                                              answer))
