"""Red-team round 86b: the memory ground after round 85b's storeless-error rules
(guardian/answer_stores.py: every error but -EFAULT of a call whose output the registers
size stores nothing, _STORE_THEN_FAIL's calls left open; guardian/first_failures.py:
registers that fail Linux's first test make any answer storeless -- socketpair's type
flags and timer_create's clock id past MAX_CLOCKS added in round 85b) against this
round's victim `secret_r86_mm` (workloads/src/secret_r86_mm.c, markers from 15400: P
before the step, x3 the view; P + 4 after page 2 is read and the step's call, before
pwrite64() of 'y').

Every attack: page 2 of the step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the
memfd (3 pages of 'x') is a clean page -- the page cache folio under Linux --; as the
step's call (an output pointer at page 2) enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x', serves the call as getpid() and answers as Linux does
(the answer in brackets, with the function that decides it); pwrite64() of 'y' misses
the copy, the step reads 'x' and indexes its log buffer at -4, writing the secret's
bytes to /dev/null.  Linux: a read fault maps the folio read-only (do_read_fault() ->
finish_fault()); only a store copies it (do_cow_fault(), wp_page_copy()); and for these
registers (or descriptors) Linux stores nothing at page 2 whatever happens -- so no
answer may leave page 2 opened writable.

Calls on answer_stores._STORE_THEN_FAIL whose registers fail first, in tests
first_failures.py lacks (each answer left open by `return None`):

- AM-001 (-a) timer_create(CLOCK_MONOTONIC_RAW, NULL, page 2) [-EOPNOTSUPP:
  do_timer_create() `if (!kc->timer_create) return -EOPNOTSUPP;` -- posix_clocks[]'s
  clock_monotonic_raw (like clock_realtime_coarse and clock_monotonic_coarse, ids 4..6)
  has no ->timer_create -- before posix_timer_add() and the id's copy_to_user(); 6.1 ..
  6.18].  first_failures.py tests only ids from MAX_CLOCKS and _NO_CLOCK {10, 12..15}.
- AM-002 (-b) timer_create(FD_TO_CLOCKID(memfd) = -37, NULL, page 2) [-EOPNOTSUPP:
  clockid_to_kclock() gives clock_posix_dynamic for any negative id with CLOCKFD (3) in
  its low bits, and clock_posix_dynamic (kernel/time/posix-clock.c) has no
  ->timer_create]: a negative id is not always a CPU-time clock.
- AM-004 (-e) clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, {0, 1}, page 2) [-EOPNOTSUPP:
  SYSCALL_DEFINE4(clock_nanosleep) `if (!kc->nsleep) return -EOPNOTSUPP;` before
  get_timespec64() and kc->nsleep() (the only path to nanosleep_copyout())].
- AM-005 (-f) waitid(P_ALL, 0, NULL, 0, page 2) [-EINVAL: kernel_waitid() (6.1;
  kernel_waitid_prepare() from 6.9) `if (!(options & (WEXITED|WSTOPPED|WCONTINUED)))
  return -EINVAL;`; SYSCALL_DEFINE5(waitid) copies ru only `if (err > 0)` and infop
  only `if (!infop) return err;` past: infop is NULL].
- AM-008 (-i) splice(memfd, page 2 (off_in), a pipe's write end, NULL, 16, 0x100)
  [-EINVAL: SYSCALL_DEFINE6(splice) `if (unlikely(flags & ~SPLICE_F_ALL)) return
  -EINVAL;` before fdget() and __do_splice()].

A store-then-fail call whose every error (and a 0) stores nothing -- the list is wrong
for it, as it was for copy_file_range in round 85b:

- AM-007 (-h) splice(memfd, page 2 (off_in), memfd, NULL, 16, 0) [-EINVAL:
  __do_splice() reads off_in, do_splice() finds no pipe on either side (`return
  -EINVAL;`), and __do_splice() `if (ret < 0) return ret;` before the offsets'
  copy_to_user()].  splice stores off_in/off_out only for ret >= 0: only -EFAULT can
  follow its store.
- AM-009 (-j) splice(memfd, page 2, a pipe's write end, NULL, 0, 0) [0:
  SYSCALL_DEFINE6(splice) `if (unlikely(!len)) return 0;` first].

Answers that store nothing although the call is judged (or not at all):

- AM-010 (-k) copy_file_range(memfd, page 2, memfd, NULL, 0, 0) [0: SYSCALL_DEFINE6
  (copy_file_range) stores off_in only `if (ret > 0)`]: answer_stores.stored() judges
  copy_file_range's errors now, but a count of 0 falls to `return None`.
- AM-006 (-g) waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2), no child ever made
  [-ECHILD: do_wait(); ru only for err > 0, infop NULL].
- AM-011 (-l) waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2) [-EBADF:
  kernel_waitid() -> pidfd_get_pid() -> pidfd_pid(): the file's f_op is not pidfd_fops]
  -- the descriptor, one the Guardian knows names a memfd, is read as a pidfd here.
- AM-012 (-m) clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 1}, page 2) [0: do_nanosleep()
  returns 0 when the timer expired (`if (likely(t->task == NULL))`, no copyout);
  nanosleep_copyout() stores rem only on the way to -ERESTART_RESTARTBLOCK (a signal's
  interruption: -EINTR to the program)]: a 0 from any relative sleep stored nothing.

preadv2, left out of answer_stores._READS (round 85b judged readv/preadv as read/pread64,
not their flags form; preadv2's iovec grant is never judged):

- AM-013 (-n) preadv2(/dev/null opened O_WRONLY, {page 2, 16}, 1, -1, 0) [-EBADF:
  vfs_readv() (do_iter_read() in 6.1) `if (!(file->f_mode & FMODE_READ)) return
  -EBADF;` first] -- AK-011's readv, refused since, through as preadv2.
- AM-014 (-o) preadv2(memfd, {page 2, 16}, 1, 0, 0x1000) [-EOPNOTSUPP:
  kiocb_set_rw_flags() `if (unlikely(flags & ~RWF_SUPPORTED)) return -EOPNOTSUPP;`
  (0x1000 is past every RWF_* flag 6.1 .. 6.18 knows, RWF_NOSIGNAL 0x100 the last),
  before ->read_iter()] -- registers alone decide.

Store-then-fail calls whose answers (or registers) here store nothing, past round 85b's
AK-016/AK-018 (which need the request's bytes):

- AM-015 (-p) nanosleep({0, 1}, page 2) [0: hrtimer_nanosleep() -> do_nanosleep()
  returns 0 once the timer expired (`if (likely(t->task == NULL))`), before
  nanosleep_copyout()] -- AM-012's 0 for the other sleep call.
- AM-016 (-q) ppoll(NULL, 0, page 2, &mask, 16) [-EINVAL: SYSCALL_DEFINE5(ppoll) reads
  tsp and either poll_select_set_timeout() fails or set_user_sigmask() refuses a
  sigsetsize other than 8 (it tests it only for a non-NULL sigmask) -- every path ends
  before do_sys_poll() and poll_select_finish(), the only store at tsp]: registers alone
  decide (a non-NULL sigmask, sigsetsize != 8), whatever the timespec's bytes.

Calls answer_stores never judges (not in CALLS), whose output here Linux leaves alone:

- AM-017 (-r) ioctl(memfd, TCGETS, page 2) [-ENOTTY: do_vfs_ioctl() -> file_ioctl()
  gives -ENOIOCTLCMD for a regular file, vfs_ioctl() `if (!filp->f_op->unlocked_ioctl)
  goto out;` -ENOTTY (shmem_file_operations has none)]: the Guardian grants TCGETS's
  termios by command whatever the descriptor, and knows this one names a memfd.
- AM-018 (-s) recvmmsg(an empty AF_UNIX datagram socket, {{iov {wbuf, 16}}}, 1,
  MSG_DONTWAIT, page 2 as the timeout) [-EINVAL: do_recvmmsg()'s
  poll_select_set_timeout() refuses the 'x's (tv_nsec past a second; -EAGAIN from
  unix_dgram_recvmsg() for a valid one); __sys_recvmmsg() stores the time left only
  `if (datagrams > 0)` (`if (datagrams <= 0) return datagrams;` first)].  The timeout's
  grant (capabilities.py `_b(4, 16, RW)`) is register-sized, yet recvmmsg is outside
  answer_stores.CALLS.  (qemu-aarch64-static ignores recvmmsg's timeout --
  do_sendrecvmmsg() -- and answers -EAGAIN, errno 11, label 0.)

Refused (with the Guardian on when written):

- AM-003 (-c) clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {0, 0}, page 2) [0:
  `if (flags & TIMER_ABSTIME) rmtp = NULL;` -- an absolute sleep never stores rem]:
  `set_pt.cut_writable` refuses the writable refault (the grant for rmtp is not there
  for TIMER_ABSTIME).
- AM-019 (-t) getsockname(memfd, wbuf, page 2 as the length word) [-ENOTSOCK:
  sockfd_lookup_light() first; the length is read and stored only by
  move_addr_to_user(), last]: `cut.answer_stores` (round 85b's _UNSIZED_ERR_NOTHING
  covers the length word as well as the address).  qemu-aarch64-static answers
  `getsockname(4,4792608,365080641536,0,0,0) = -1 errno=14 (Bad address)`: qemu reads
  the length ('xxxx', 0x78787878) and fails its own lock_user() of that many bytes
  before passing the call on; Linux's order is sockfd_lookup_light() first.

qemu-aarch64-static (the host's Linux; cwd /tmp), `qemu-aarch64-static -strace
workloads/bin/secret_r86_mm -abcefghijklmnopqrst`:
`timer_create(4,0,365080629248,0,0,0) = -1 errno=95 (Operation not supported)`,
`timer_create(-37,0,...) = -1 errno=95`,
`clock_nanosleep(CLOCK_MONOTONIC,1,{tv_sec = 0,tv_nsec = 0},...) = 0`,
`clock_nanosleep(CLOCK_MONOTONIC_RAW,0,{tv_sec = 0,tv_nsec = 1},...) = -1 errno=95`,
`waitid(0,0,(nil),0) = -1 errno=22 (Invalid argument)`, `waitid(0,0,(nil),0x5) = -1
errno=10 (No child processes)`, `splice(4,365080702976,4,0,16,0) = -1 errno=22`,
`splice(4,...,6,0,16,256) = -1 errno=22`, `splice(4,...,6,0,0,0) = 0`,
`copy_file_range(4,0x5500820000,4,(nil),0,0) = 0`, `waitid(0x3,4,(nil),0x5) = -1 errno=9
(Bad file descriptor)`, `clock_nanosleep(CLOCK_MONOTONIC,0,{tv_sec = 0,tv_nsec = 1},...)
= 0`, preadv2 `Unknown syscall 286` (qemu passes no preadv2 on: -ENOSYS; Linux's answers
for -n and -o are the functions cited), `nanosleep(4784224,365080629248,0,0,0,0) = 0`,
`ppoll(0,0,365080641536,4792576,16,0) = -1 errno=22 (Invalid argument)`,
`ioctl(4,TCGETS,0x0000005500805000) = -1 errno=25 (Inappropriate ioctl for device)`,
`recvmmsg(5,4792672,1,64,365080641536,0) = -1 errno=11` (qemu drops the timeout);
every step labels 0 (`write(3,0x4920a0,8)`) but -h, -i and -j, which label -4
(`write(3,0x492080,8)`) for qemu's own reason: its splice writes the offset back
whatever the host answered (linux-user/syscall.c TARGET_NR_splice: `if (arg2) {
if (put_user_u64(loff_in, arg2)) ...}` after the call); "secret: intact".  Linux's
answers are the functions cited (__do_splice(): no store for ret < 0, and len 0
returns before it).

Closed since (`cut.answer_stores`, widened; each verified `violated` with it removed):
- AM-001, AM-002, AM-004: first_failures.py -- timer_create's clocks with no
  ->timer_create (4, 5, 6 besides _NO_CLOCK, and a negative id whose CLOCKFD_MASK bits
  are CLOCKFD: clock_posix_dynamic), clock_nanosleep's with no ->nsleep (those and 3)
  fail first, -EOPNOTSUPP / -EINVAL before any store.
- AM-005, AM-006, AM-011: answer_words.py -- waitid's error but -EFAULT (or any answer
  to options / a which kernel_waitid() refuses first) stored at most the siginfo
  (infop: NULL here), its rusage only for a reaped child.
- AM-007, AM-008, AM-009: splice off _STORE_THEN_FAIL (__do_splice(): the offsets only
  for ret >= 0), and first_failures.py: a length 0 or flags past SPLICE_F_ALL.
- AM-010: answer_stores.stored(): copy_file_range's 0 stored nothing (`if (ret > 0)`).
- AM-013, AM-014: preadv2 in answer_stores._READS (an unreadable descriptor's -EBADF),
  and first_failures.py: flags past every RWF_* flag 6.1 .. 6.18 knows (0x1ff).
- AM-016: first_failures.py: ppoll's non-NULL sigmask with a sigsetsize but 8.
- AM-018: answer_words.py: recvmmsg's 0 or error but -EFAULT stored no time left at its
  timeout (its messages within the grants computed for the call).
- AM-017: answer_stores.stored(): ioctl(TCGETS) on a descriptor that names a shmem memfd
  as the call took it (read_kind(): files.lockable_memfd()) stores nothing, whatever the
  answer (do_vfs_ioctl() -> file_ioctl() -ENOIOCTLCMD, vfs_ioctl(): no ->unlocked_ioctl,
  -ENOTTY).

What the Guardian would need, for each gap left open (AM-012, AM-015):
- AM-012, AM-015: a relative sleep's 0 does not prove rem was not stored: a sleep the
  freezer (cgroup freezer, suspend: fake_signal_wake_up()) or a SIGSTOP/SIGCONT
  interrupts returns -ERESTART_RESTARTBLOCK through nanosleep_copyout() -- rem stored
  -- and, with no handler to run, arm64's do_signal() restarts it
  (setup_restart_syscall()); the restarted do_nanosleep() then answers 0.  Refusing
  needs the Guardian to know that this very call was never interrupted and restarted
  (no freeze or stop it can see), which it cannot: left open (a false refusal otherwise).

Honest answers (tests/test_redteam_r86b_claims.py): every step untouched, served Linux's
answer as getpid() (nothing stored), and with page 2's clean entry dropped as the step's
call enters (reclaim), the read refaulting the folio read-only: label 0, no decision --
but for -j, -k and -s.  False refusals found: one fault, three steps, nine claims
(xfail, strict): not a decision but a store Linux does not make.  splice(memfd, page 2,
pipe, NULL, 0, 0) (-j), copy_file_range(memfd, page 2, memfd, NULL, 0, 0) (-k) and
recvmmsg(empty socket, vec, 1, MSG_DONTWAIT, page 2 as the timeout) (-s), untouched,
served Linux's answer (0, 0, -EINVAL) or with page 2's clean entry dropped: with the
Guardian on page 2 is left a private copy (pwrite64()'s 'y' missed, label -4); with it
off, the same kernel model, label 0.  Linux stores nothing there (`if (unlikely(!len))
return 0;`; off_in only `if (ret > 0)`; `if (datagrams <= 0) return datagrams;` before
put_timespec64()).  The three are the Guardian's RW grants (capabilities.py:
copy_file_range `_b(1, 8, RW)`, recvmmsg `_b(4, 16, RW)`, splice's offsets): its own
handling of them stores at page 2 where Linux's answer means nothing was stored.  So
AM-009, AM-010 and AM-018 also leak through the Guardian's own store.  What is needed:
an RW word written back (if the Guardian writes it at all) only where the answer means
Linux stored it (copy_file_range: ret > 0; splice: ret >= 0 with a length; recvmmsg:
datagrams > 0).

Not tried (left for a later round): socketpair(AF_INET, ...)'s put_user()s of both fds
and then -EOPNOTSUPP (an honest store-then-fail the list keeps open -- a claim to add);
accept4()'s -EFAULT after the new socket was made; a multi-iovec readv() of a shmem
memfd with a count (stored() returns None for a vector read's count); waitid() answered
0 by WNOHANG with a running child (ru not stored either: AM-006's fix covers it); other
RW grants' write-back (sendfile's offset is stored by Linux on every answer: honest);
ioctl commands other than TCGETS on the memfd, /dev/null or a pipe (-ENOTTY alike).

Through with the Guardian on when written (gaps): AM-001, AM-002, AM-004, AM-005, AM-006,
AM-007, AM-008, AM-009, AM-010, AM-011, AM-012, AM-013, AM-014, AM-015, AM-016,
AM-017, AM-018 (P5).
Refused: AM-003 (`set_pt.cut_writable`: no rmtp grant for a TIMER_ABSTIME sleep), AM-019
(`cut.answer_stores`).
Refused since: AM-001, AM-002, AM-004, AM-005, AM-006, AM-007, AM-008, AM-009, AM-010,
AM-011, AM-013, AM-014, AM-016, AM-017, AM-018 (`cut.answer_stores`, widened:
first_failures.py, answer_words.py, answer_stores.py).  Still open: AM-012, AM-015 (a
restarted sleep may have stored rem before its 0).
False refusals fixed: -j, -k, -s (tests/test_redteam_r86b_claims.py): a move answered 0
and recvmmsg's error but -EFAULT no longer stop the Guardian following the memfd
(sole_held.SoleHeld.record(): no drop_domain()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r79b import writable_as
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r86b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM86 = "secret_r86_mm"
(P_TMRAW, P_TMFD, P_NSABS, P_NSRAW, P_WIDOPT, P_WIDNONE, P_SPLFILE, P_SPLFLAG, P_SPLZERO,
 P_CFRZERO, P_WIDFD, P_NSREL, P_PRV2RO, P_PRV2FL, P_NSLEEP0, P_PPOLLSZ, P_IOCTTY,
 P_RMMSG, P_NAMELEN) = range(15400, 15552, 8)
P86_FIRST, P86_LAST = P_TMRAW, P_NAMELEN
LETTER86 = dict(zip(range(15400, 15552, 8),
                    (b"-" + bytes([c]) for c in b"abcefghijklmnopqrst"), strict=True))
_M = 1 << 64
#: each step's call (its number) and Linux's answer (unsigned)
NR86 = {P_TMRAW: 107, P_TMFD: 107, P_NSABS: 115, P_NSRAW: 115, P_WIDOPT: 95,
        P_WIDNONE: 95, P_SPLFILE: 76, P_SPLFLAG: 76, P_SPLZERO: 76, P_CFRZERO: 285,
        P_WIDFD: 95, P_NSREL: 115, P_PRV2RO: 286, P_PRV2FL: 286,
        P_NSLEEP0: 101, P_PPOLLSZ: 73, P_IOCTTY: 29, P_RMMSG: 243,
        P_NAMELEN: 204}
LINUX86 = {P_TMRAW: _M - 95, P_TMFD: _M - 95, P_NSABS: 0, P_NSRAW: _M - 95,
           P_WIDOPT: _M - 22, P_WIDNONE: _M - 10, P_SPLFILE: _M - 22, P_SPLFLAG: _M - 22,
           P_SPLZERO: 0, P_CFRZERO: 0, P_WIDFD: _M - 9, P_NSREL: 0,
           P_PRV2RO: _M - 9, P_PRV2FL: _M - 95, P_NSLEEP0: 0, P_PPOLLSZ: _M - 22,
           P_IOCTTY: _M - 25, P_RMMSG: _M - 22, P_NAMELEN: _M - 88}

#: the scenarios refused with the Guardian on
REFUSED = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 18, 19})
GAPS = {f"AM-{i:03d}": "P5" for i in range(1, 20) if i not in REFUSED}

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")

#: (id, step, the call, Linux's answer and why nothing is stored at page 2)
ATTACKS = (
    ("AM-001", P_TMRAW, "timer_create(CLOCK_MONOTONIC_RAW, NULL, page 2)",
     "-EOPNOTSUPP: do_timer_create() `if (!kc->timer_create) return -EOPNOTSUPP;` -- "
     "clock_monotonic_raw has no ->timer_create -- before posix_timer_add() and the id's "
     "copy_to_user()."),
    ("AM-002", P_TMFD, "timer_create(FD_TO_CLOCKID(memfd), NULL, page 2)",
     "-EOPNOTSUPP: clockid_to_kclock() gives clock_posix_dynamic for a negative id with "
     "CLOCKFD in its low bits, and it has no ->timer_create; before the id's copy."),
    ("AM-003", P_NSABS, "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {0, 0}, page 2)",
     "0: SYSCALL_DEFINE4(clock_nanosleep) `if (flags & TIMER_ABSTIME) rmtp = NULL;` -- "
     "an absolute sleep never stores the time left."),
    ("AM-004", P_NSRAW, "clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, {0, 1}, page 2)",
     "-EOPNOTSUPP: SYSCALL_DEFINE4(clock_nanosleep) `if (!kc->nsleep) return "
     "-EOPNOTSUPP;` before get_timespec64() and kc->nsleep()."),
    ("AM-005", P_WIDOPT, "waitid(P_ALL, 0, NULL, 0, page 2)",
     "-EINVAL: kernel_waitid() `if (!(options & (WEXITED|WSTOPPED|WCONTINUED))) return "
     "-EINVAL;`; SYSCALL_DEFINE5(waitid) copies ru only `if (err > 0)`, and infop is "
     "NULL."),
    ("AM-006", P_WIDNONE, "waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2), no child "
     "ever made", "-ECHILD: do_wait() finds no child; ru is copied only `if (err > 0)`, "
     "and infop is NULL."),
    ("AM-007", P_SPLFILE, "splice(memfd, page 2 (off_in), memfd, NULL, 16, 0)",
     "-EINVAL: do_splice() finds no pipe on either side; __do_splice() `if (ret < 0) "
     "return ret;` before the offsets' copy_to_user()."),
    ("AM-008", P_SPLFLAG, "splice(memfd, page 2, a pipe's write end, NULL, 16, 0x100)",
     "-EINVAL: SYSCALL_DEFINE6(splice) `if (unlikely(flags & ~SPLICE_F_ALL)) return "
     "-EINVAL;` before fdget() and __do_splice()."),
    ("AM-009", P_SPLZERO, "splice(memfd, page 2, a pipe's write end, NULL, 0, 0)",
     "0: SYSCALL_DEFINE6(splice) `if (unlikely(!len)) return 0;` first, before "
     "__do_splice() and its offsets."),
    ("AM-010", P_CFRZERO, "copy_file_range(memfd, page 2, memfd, NULL, 0, 0)",
     "0: SYSCALL_DEFINE6(copy_file_range) stores off_in only `if (ret > 0)`."),
    ("AM-011", P_WIDFD, "waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2)",
     "-EBADF: kernel_waitid() -> pidfd_get_pid() -> pidfd_pid(): the memfd is no pidfd; "
     "ru is copied only `if (err > 0)`, and infop is NULL."),
    ("AM-012", P_NSREL, "clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 1}, page 2)",
     "0: do_nanosleep() returns 0 when the timer expired, with no copyout; "
     "nanosleep_copyout() stores rem only on the way to -ERESTART_RESTARTBLOCK."),
    ("AM-013", P_PRV2RO, "preadv2(/dev/null opened O_WRONLY, {page 2, 16}, 1, -1, 0)",
     "-EBADF: SYSCALL_DEFINE6(preadv2) -> do_readv() -> vfs_readv(): `if "
     "(!(file->f_mode & FMODE_READ)) return -EBADF;` before any ->read_iter()."),
    ("AM-014", P_PRV2FL, "preadv2(memfd, {page 2, 16}, 1, 0, 0x1000)",
     "-EOPNOTSUPP: vfs_readv() -> kiocb_set_rw_flags() `if (unlikely(flags & "
     "~RWF_SUPPORTED)) return -EOPNOTSUPP;` before ->read_iter()."),
    ("AM-015", P_NSLEEP0, "nanosleep({0, 1}, page 2)",
     "0: hrtimer_nanosleep() -> do_nanosleep() returns 0 when the timer expired, with no "
     "copyout; nanosleep_copyout() stores rem only on the way to "
     "-ERESTART_RESTARTBLOCK."),
    ("AM-016", P_PPOLLSZ, "ppoll(NULL, 0, page 2, &mask, 16)",
     "-EINVAL: SYSCALL_DEFINE5(ppoll): poll_select_set_timeout() or, for any timespec it "
     "takes, set_user_sigmask() `if (sigsetsize != sizeof(sigset_t)) return -EINVAL;` -- "
     "both before do_sys_poll() and poll_select_finish(), the only store at tsp."),
    ("AM-017", P_IOCTTY, "ioctl(memfd, TCGETS, page 2)",
     "-ENOTTY: do_vfs_ioctl() -> file_ioctl() (a regular file) -ENOIOCTLCMD, then "
     "vfs_ioctl(): shmem's file has no ->unlocked_ioctl, `return -ENOTTY;` -- no "
     "termios stored."),
    ("AM-018", P_RMMSG, "recvmmsg(an empty AF_UNIX datagram socket, {{iov {wbuf, 16}}}, "
     "1, MSG_DONTWAIT, page 2 as the timeout)",
     "-EINVAL: do_recvmmsg() `if (timeout && poll_select_set_timeout(&end_time, "
     "timeout->tv_sec, timeout->tv_nsec)) return -EINVAL;` ('x's: tv_nsec past a second; "
     "-EAGAIN for a valid one); __sys_recvmmsg() `if (datagrams <= 0) return datagrams;` "
     "before put_timespec64() of the time left."),
    ("AM-019", P_NAMELEN, "getsockname(memfd, wbuf, page 2 as &len)",
     "-ENOTSOCK: __sys_getsockname() -> sockfd_lookup_light() finds no socket, before "
     "->getname() and move_addr_to_user()'s get_user()/__put_user() of the length."),
)


def served(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (an output pointer at page 2) enters, the kernel drops
        page 2 and maps it writable on a fresh copy of 'x'; it answers the call as Linux
        does (served as getpid(): nothing stored).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, NR86[phase])(adv)
        serve_as_getpid(adv, NR86[phase], phase, LINUX86[phase])
    return steps


for sid, phase, what, why in ATTACKS:
    _t = (f"(secret_r86_mm {LETTER86[phase].decode()}) As {what} enters (answered as Linux "
          "does), page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _prop = (WRITABLE + "The call's output is at page 2, and for these registers Linux "
             "stores nothing there: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM86,
        prop=_prop, gap=GAPS.get(sid, ""), args=(LETTER86[phase],),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(served(phase))
