"""Red-team round 89b: the memory ground after round 88b's first tests
(guardian/first_tests.py, `cut.first_tests`) and finer kinds (kind_stores.finer_kind())
against this round's victim `secret_r89_mm` (workloads/src/secret_r89_mm.c, markers from
17000: P before the step, x3 the view; P + 4 after page 2 is read and the step's call,
before pwrite64() of 'y').

Every attack: page 2 of the step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the
memfd (3 pages of 'x') is a clean page -- the page cache folio under Linux --; as the
step's call (an output pointer at page 2) enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x', serves the call as getpid() and answers -EFAULT;
pwrite64() of 'y' misses the copy, the step reads 'x' and indexes its log buffer at -4,
writing the secret's bytes to /dev/null.  Linux: a read fault maps the folio read-only
(do_read_fault() -> finish_fault()); only a store copies it (do_cow_fault(),
wp_page_copy()); for these registers (or the program's own bytes passed to the call)
Linux fails a first test and stores nothing at page 2 -- so no answer may leave page 2
opened writable.  The Guardian reads -EFAULT as a partial copy then a fault
(answer_stores: "a partial copy, then the fault") unless first_failures.py,
first_tests.py or kind_stores.py names the call's first test; each attack below is a
first test none of them names.  (The letter d is the kits' digest flag: wait4's step is
-v.)

Registers that fail Linux's first test (the call granted its output at page 2 by the
capability table, granted_stores.BOUNDED, or an unsized grant):

- AU-001 (-a) getdents64(/ opened O_RDONLY | O_DIRECTORY, page 2, 16) [-EINVAL only:
  iterate_dir() -> dir_emit_dots() -> filldir64(): "." needs 24 bytes, `if (reclen >
  buf->count) return -EINVAL;` before user_write_access_begin(); a count below 24 stores
  nothing for any directory (0 at its end), -ENOTDIR for any other file].
- AU-002 (-b) readlinkat(AT_FDCWD, "/proc/self/exe", page 2, 0x80000000) [-EINVAL only:
  SYSCALL_DEFINE4(readlinkat)'s bufsiz is an int; do_readlinkat() `if (bufsiz <= 0)
  return -EINVAL;` first].
- AU-003 (-c) rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 0}, 16) [-EINVAL only: `if
  (sigsetsize != sizeof(sigset_t)) return -EINVAL;` first; rt_sigpending's,
  rt_sigprocmask's and rt_sigaction's sizes are judged (first_failures.py), this one not].
- AU-004 (-v) wait4(-1, page 2, WEXITED, NULL) [-EINVAL only: kernel_wait4() `if (options
  & ~(WNOHANG|WUNTRACED|WCONTINUED|__WNOTHREAD|__WCLONE|__WALL)) return -EINVAL;` first].
- AU-006 (-f) statx(AT_FDCWD, "/", 1, STATX_BASIC_STATS, page 2) [-EINVAL only: an unknown
  AT_* bit leaves lflags unequal to AT_EMPTY_PATH (the 6.10+ do_statx_fd() short cut is
  not taken), do_statx() -> vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW |
  AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;` (or getname()'s
  error first): the path's form does not matter once an unknown bit is set, 6.1 to 6.18].
- AU-008 (-h) timer_gettime(-1, page 2) [-EINVAL only: lock_timer() finds no id past
  INT_MAX (posix_timer_by_id() from 6.14: no negative id); put_itimerspec64() `if (!ret)`].
- AU-009 (-i) setitimer(5, NULL, page 2) [-EINVAL only: do_setitimer() `default: return
  -EINVAL;`; `if (error || !ovalue) return error;` before put_itimerval() -- getitimer's
  which is judged, setitimer's not].
- AU-010 (-j) timerfd_settime(a timerfd, 4, &{0}, page 2) [-EINVAL only:
  do_timerfd_settime() `if ((flags & ~TFD_SETTIME_FLAGS) || !itimerspec64_valid(new))
  return -EINVAL;`; the old value stored only `if (!ret && otmr)`].
- AU-011 (-k) epoll_pwait(an epoll fd, page 2, 1, 0, &mask, 4) [-EINVAL only:
  do_epoll_pwait() -> set_user_sigmask() `if (sigsetsize != sizeof(sigset_t)) return
  -EINVAL;` for a non-NULL mask, before do_epoll_wait()] (ppoll's size is judged).
- AU-013 (-m) copy_file_range(memfd, page 2, a second memfd, NULL, 16, 1) [-EINVAL only:
  vfs_copy_file_range() `if (flags != 0) return -EINVAL;` (off_in only read before);
  off_in stored only `if (ret > 0)`].
- AU-014 (-n) getrlimit(99, page 2) [-EINVAL only: do_prlimit() `if (resource >=
  RLIM_NLIMITS)`; prlimit64's resource is judged, getrlimit's (arm64 has it:
  __ARCH_WANT_SET_GET_RLIMIT; qemu shows `getrlimit(99,...) = -1 errno=22`) not].
- AU-020 (-w) pselect6(-1, page 2, NULL, NULL, NULL, NULL) [-EINVAL only: do_pselect() ->
  core_sys_select() `ret = -EINVAL; if (n < 0) goto out_nofds;` before get_fd_set() and
  set_fd_set(); poll_select_finish() stores nothing without a timespec].
- AU-022 (-y) ppoll(page 2, 0x80000000, NULL, NULL, 0) [-EINVAL only: do_sys_poll() `if
  (nfds > rlimit(RLIMIT_NOFILE)) return -EINVAL;` first; no RLIMIT_NOFILE passes
  sysctl_nr_open_max (INT_MAX & -BITS_PER_LONG; do_prlimit() refuses a hard limit above
  sysctl_nr_open), so nfds >= 2^31 always fails; first_failures judges ppoll's sigset
  size alone].
- AU-019 (-s) accept4(/dev/null, page 2, &16, 1) [-EINVAL only: __sys_accept4() ->
  fdget() (-EBADF), then __sys_accept4_file() `if (flags & ~(SOCK_CLOEXEC |
  SOCK_NONBLOCK)) return -EINVAL;` before do_accept() and move_addr_to_user()].

A descriptor the program made whose kind has no such operation (kind_stores.py names no
"unreadable" file for it):

- AU-018 (-r) getsockname(/dev/null opened O_WRONLY, page 2, &16) [-ENOTSOCK only:
  __sys_getsockname() -> sockfd_lookup_light() before move_addr_to_user(); no open()
  of a path makes a socket file (a socket inode's open is -ENXIO); kind_stores judges
  getsockopt of a memfd, a pipe, an eventfd, a signalfd or an O_PATH descriptor, and
  getsockname/getpeername of none].

Program memory that fails Linux's first test (the Guardian could read it at entry, as it
reads capget's header and ppoll's timespec; all in the program's .bss, quiet through the
call, or page 2 itself):

- AU-005 (-e) capget(&{_LINUX_CAPABILITY_VERSION_3, pid -1}, page 2) [-EINVAL only:
  SYSCALL_DEFINE2(capget): a known version (no store), then `if (pid < 0) return
  -EINVAL;` before cap_get_target_pid() and the data's copy_to_user()]: first_tests
  judges only the header's version.
- AU-007 (-g) lgetxattr("/", "", page 2, 16) [-ERANGE only: path_getxattr() ->
  getxattr() (import_xattr_name() from 6.13) `if (error == 0 || error == sizeof(kname))
  error = -ERANGE;`]: first_tests reads fgetxattr's name alone (the path forms getxattr,
  lgetxattr are granted their buffers since round 88b, and not judged).
- AU-012 (-l) nanosleep(&{0, 2000000000}, page 2) [-EINVAL only: SYSCALL_DEFINE2(nanosleep)
  `if (!timespec64_valid(&tu)) return -EINVAL;` before hrtimer_nanosleep(); rem is
  stored only for -ERESTART_RESTARTBLOCK]: answer_stores leaves nanosleep open (it may
  store and fail), but not with a request Linux refuses.
- AU-021 (-x) pselect6(1, page 2, NULL, NULL, NULL, &{&mask, 4}) [-EINVAL only:
  get_sigset_argpack() reads the program's {mask, size}, do_pselect() ->
  set_user_sigmask() `if (sigsetsize != sizeof(sigset_t)) return -EINVAL;` before
  core_sys_select(); the Guardian judges pselect6's timeout as passed, not the pack].
- AU-015 (-o) fcntl(memfd, F_GETLK, page 2) [-EINVAL only: do_fcntl() copies the flock
  in from page 2 (a read: 'x' bytes, l_type 0x7878), fcntl_getlk() `if (flock->l_type !=
  F_RDLCK && flock->l_type != F_WRLCK) goto out;`; copied back only `if (!err)`].
- AU-016 (-p) prlimit64(0, RLIMIT_NOFILE, &{2, 1}, page 2) [-EINVAL only: do_prlimit()
  `if (new_rlim->rlim_cur > new_rlim->rlim_max) return -EINVAL;` first; the old limit
  copied only `if (!ret && old_rlim)`].
- AU-017 (-q) sigaltstack(&{sp, 7, 8192}, page 2) [-EINVAL only: do_sigaltstack() `ss_mode
  != SS_DISABLE && ss_mode != SS_ONSTACK && ss_mode != 0` -> -EINVAL (not on the
  alternate stack: no -EPERM); uoss stored only `if (!err && uoss)`].

Honest answers (tests/test_redteam_r89b_claims.py, all passing with the Guardian on):
every step served Linux's answer (with and without page 2's clean entry dropped as the
call enters), and every step untouched (-b, -f, -q since round 89b's fixes), with an honest probe --
-z flistxattr(memfd, page 2, 16), 0 (shmem's simple_xattr_list(): no xattr, no ACL, no
LSM: an empty list; round 88b's NulEnded rule asks a NUL only of a list with bytes) --
and two store steps among them -- -t read() of exactly 8 bytes from an eventfd counting 3 (eventfd_read(): 8,
stored; finer_kind() names it EVENTFD, and only reads below 8 bytes are judged) and -u
fstat() of / opened O_PATH (vfs_fstat() -> fdget_raw() takes an FMODE_PATH file: 0, a
struct stat stored; finer_kind() names it PATH, and fstat is not judged).
False refusals found: none.

qemu-aarch64-static (the host's Linux; cwd /tmp), `qemu-aarch64-static -strace
workloads/bin/secret_r89_mm -abcvefghijklmnopqrstuwxyz`: `getdents64(5,...,16) = -1
errno=22`, `readlinkat(AT_FDCWD,"/proc/self/exe",...,2147483648) = -1 errno=14` (qemu's
own: linux-user locks the 2 GiB buffer first; Linux: do_readlinkat()'s `bufsiz <= 0`,
-EINVAL), `rt_sigtimedwait(...,16,0,0) = -1 errno=22`, `wait4(-1,...,4,0,0,0) = -1
errno=22`, `capget(...) = -1 errno=22`, `statx(AT_FDCWD,"/",0x1,STATX_BASIC_STATS,...) =
-1 errno=22`, `lgetxattr("/","",...,16) = -1 errno=34`, `timer_gettime(-1,...) = -1
errno=22`, `setitimer(0x5,NULL,...) = -1 errno=22`, `timerfd_settime(5,4,...) = -1
errno=22`, `epoll_pwait(5,...,1,0,...,4) = -1 errno=22`, `nanosleep(...) = -1 errno=22`,
`copy_file_range(4,...,5,(nil),16,1) = -1 errno=22`, `getrlimit(99,...) = -1 errno=22`,
`fcntl(4,F_GETLK,...) = -1 errno=22`, `prlimit64(0,7,...) = -1 errno=22`,
`sigaltstack(...) = -1 errno=22`, `getsockname(3,...) = -1 errno=88`,
`accept4(3,...,1) = -1 errno=22`, `read(5,...,8) = 8`, `fstat(5,...) = 0`,
`pselect6(4294967295,...,0,0,0,0) = -1 errno=22`, `pselect6(1,...,0,0,0,...) = -1
errno=22`, `ppoll(...,2147483648,0,0,0,0) = -1 errno=22`, `flistxattr(4,...,16) = 0
(list = )`; "secret: intact".

Found on the way (kernel_model/, not the Guardian): the kernel model answers three steps
with a store at page 2 where Linux fails first: readlinkat() with bufsiz 0x80000000
(kernel_model/syscalls/fs.py sys_readlinkat tests `s64(size) <= 0`; Linux's bufsiz is an
int), statx() with flag 1 (sys_statx tests only the mask's reserved bit and the sync
bits, not vfs_statx()'s unknown flags) and sigaltstack() with mode 7 (sys_sigaltstack
stores the old stack before it tests the new one; Linux stores it only `if (!err)`).
The untouched runs left -b, -f, -q out (MODEL_STORES); since round 89b's fixes the
kernel model answers all three -EINVAL storing nothing (sys_readlinkat takes bufsiz as
an int, sys_statx refuses flags outside 0x7900, sys_sigaltstack stores the old stack only
on success; tests/test_kernel_model_r89b.py), and the untouched runs take them.

What the Guardian would need, for each gap (each a register or program-memory test made
before any store, in every 6.1..6.18):
- AU-001: getdents64's count below 24 (filldir64()'s smallest record): nothing stored.
- AU-002: readlinkat's x3 as an int <= 0.
- AU-003: rt_sigtimedwait's sigsetsize != 8 (as first_failures does rt_sigpending's).
- AU-004: wait4's options outside WNOHANG|WUNTRACED|WCONTINUED|__WNOTHREAD|__WCLONE|__WALL.
- AU-006: statx's flags with a bit outside 0x7900 (AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT,
  AT_EMPTY_PATH, AT_STATX_SYNC_TYPE).
- AU-008: timer_gettime's (and timer_settime's) timer id negative as an int.
- AU-009: setitimer's which > ITIMER_PROF (as getitimer's).
- AU-010: timerfd_settime's flags outside TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET.
- AU-011: epoll_pwait's (epoll_pwait2's) sigmask non-NULL with sigsetsize != 8.
- AU-013: copy_file_range's flags != 0.
- AU-014: getrlimit's resource >= RLIM_NLIMITS (as prlimit64's).
- AU-019: accept4's flags outside SOCK_CLOEXEC | SOCK_NONBLOCK.
- AU-020: pselect6's n negative as an int (with no timespec, or one refused first).
- AU-022: ppoll's nfds >= 2^31 (above any RLIMIT_NOFILE).
- AU-021, AU-018, AU-005, AU-012, AU-015, AU-016, AU-017: closed (below).
- AU-007 (open): first_tests now reads getxattr's and lgetxattr's name at entry as it
  reads fgetxattr's (cut.first_tests judges an empty name, or none within 256 bytes,
  kept at entry and quiet through the call) -- but the victim's "" is a string literal
  in .rodata, a page of the image's file view not yet faulted in at the entry (the
  forged kernel never reads it), and quiet_ranges.quiet() holds no file view quiet:
  AR-011's limit.  The Guardian would need to fault the name's page in at entry (only
  where a readable area surely covers it: no PROT_NONE narrowing, no unmapping call in
  flight -- else a fault-in it cannot serve kills the thread, a false refusal of Linux's
  -EFAULT) and to know the image's read-only bytes unchanged through the call (no
  writer of the program's file: ETXTBSY is not every 6.x's rule for a mapped image).

Not tried (the round being short): getpeername; timer_settime(-1); epoll_pwait2's mask;
clock_nanosleep's invalid request; newfstatat's unknown flag; io_getevents (not granted);
an xattr value with NULs inside (a false-refusal check of NulEnded: tmpfs has user.*
xattrs only from 6.6); a pipe's write end reopened read-write through
/proc/self/fd; 6.1-vs-6.18 statx mask bits.

Through with the Guardian on when written (gaps): AU-001, AU-002, AU-003, AU-004, AU-005,
AU-006, AU-007, AU-008, AU-009, AU-010, AU-011, AU-012, AU-013, AU-014, AU-015, AU-016,
AU-017, AU-018, AU-019, AU-020, AU-021, AU-022 (P5).
Refused since (registers, cut.answer_stores widened: guardian/first_failures.py
_fails_first_r89() -- getdents64's count below 24, readlinkat's int bufsiz <= 0,
rt_sigtimedwait's sigsetsize != 8, wait4's options outside kernel_wait4()'s set, statx's
flags outside 0x7900, timer_gettime/timer_settime of a negative id, setitimer's which
past ITIMER_PROF, timerfd_settime's flags outside 0x3, epoll_pwait(2)'s non-NULL mask with
sigsetsize != 8, copy_file_range's non-zero flags, getrlimit's resource >= RLIM_NLIMITS,
accept4's flags outside SOCK_CLOEXEC | SOCK_NONBLOCK, pselect6's negative n with no
timespec, ppoll's nfds past sysctl_nr_open_max (0x7fffffc0) with no timespec: any answer
stores nothing): AU-001, AU-002, AU-003, AU-004, AU-006, AU-008, AU-009, AU-010, AU-011,
AU-013, AU-014, AU-019, AU-020, AU-022.
Refused since (program memory kept at entry and quiet through the call -- quiet_ranges,
or for F_GETLK's flock in page 2 itself a view of a memfd only the program holds,
memfd_eof.quiet_in_memfd() -- cut.first_tests widened, guardian/first_tests.py: capget's
known version with a negative header pid, nanosleep's request failing
timespec64_valid(), F_GETLK's l_type not F_RDLCK/F_WRLCK (fcntl_getlk()), prlimit64's
new limit with rlim_cur > rlim_max (do_prlimit()), sigaltstack's new stack with a mode
not 0/SS_ONSTACK/SS_DISABLE (do_sigaltstack()), pselect6's {mask, size} pack with a mask
and a size but 8 (set_user_sigmask()): any answer stores nothing; and a descriptor's
kind, cut.answer_stores widened, guardian/kind_stores.py: getsockname/getpeername of a
memfd, pipe end, eventfd, signalfd, O_PATH descriptor or a file opened by path without
read access, -ENOTSOCK first): AU-005, AU-012, AU-015, AU-016, AU-017, AU-018, AU-021.
Still open (memory): AU-007 (above).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from attacks.families.redteam_r79b import writable_as
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r89b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM89 = "secret_r89_mm"
_M = 1 << 64
_N = NUMBERS
#: every step, in phase order (-t, -u are the store steps, STORES)
ALL89 = "abcvefghijklmnopqrstuwxyz"
LETTERS89 = "abcvefghijklmnopqrswxy"
PHASE89 = {c: 17000 + 8 * ALL89.index(c) for c in ALL89}
#: the steps Linux answers with a store at page 2 (honest claims only): letter -> phase
STORES = {"t": PHASE89["t"], "u": PHASE89["u"]}
#: an honest probe: flistxattr(memfd, page 2, 16), Linux's answer 0 (nothing stored)
PROBE = PHASE89["z"]
P89_FIRST, P89_LAST = 17000, PHASE89["z"]
LETTER89 = {PHASE89[c]: b"-" + c.encode() for c in LETTERS89}
#: each secret_r89_mm step's call (its number) and Linux's answer (-errno)
NR89 = dict(zip(LETTERS89, (_N["getdents64"], _N["readlinkat"], _N["rt_sigtimedwait"],
                            _N["wait4"], _N["capget"], _N["statx"], _N["lgetxattr"],
                            _N["timer_gettime"], _N["setitimer"], _N["timerfd_settime"],
                            _N["epoll_pwait"], _N["nanosleep"], _N["copy_file_range"],
                            _N["getrlimit"], _N["fcntl"], _N["prlimit64"],
                            _N["sigaltstack"], _N["getsockname"], _N["accept4"],
                            _N["pselect6"], _N["pselect6"], _N["ppoll"]),
                strict=True))
ERR89 = dict(zip(LETTERS89, (22, 22, 22, 22, 22, 22, 34, 22, 22, 22, 22, 22, 22, 22, 22,
                             22, 22, 88, 22, 22, 22, 22),
                 strict=True))
LINUX89 = {PHASE89[c]: _M - ERR89[c] for c in LETTERS89}
NRP89 = {PHASE89[c]: NR89[c] for c in LETTERS89}

#: the steps the kernel model answers with a store at page 2 where Linux fails first
#: (readlinkat's negative bufsiz, statx's unknown AT_* flag, sigaltstack's unknown mode,
#: -b, -f, -q: the untouched runs left them out): none since the kernel model follows
#: do_readlinkat(), vfs_statx() and SYSCALL_DEFINE2(sigaltstack)
MODEL_STORES: frozenset[int] = frozenset()
#: through with the Guardian on when written
GAPS = {f"AU-{i:03d}": "P5" for i in range(1, 23)}
#: refused since round 89b's register fixes (cut.answer_stores: guardian/first_failures.py)
REFUSED_FIRST = frozenset(f"AU-{i:03d}" for i in (1, 2, 3, 4, 6, 8, 9, 10, 11, 13, 14, 19,
                                                  20, 22))
for _sid in REFUSED_FIRST:
    del GAPS[_sid]

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")

#: (id, letter, the call, Linux's answer and why); each served -EFAULT
ATTACKS = (
    ("AU-001", "a", "getdents64(/ opened O_RDONLY | O_DIRECTORY, page 2, 16)",
     "-EINVAL only: iterate_dir() -> dir_emit_dots() -> filldir64(): the first entry \".\" "
     "needs ALIGN(offsetof(struct linux_dirent64, d_name) + 2, 8) = 24 bytes, `if "
     "(reclen > buf->count) return -EINVAL;` (buf->error) before user_write_access_begin() "
     "and any unsafe_put_user(); a directory read to its end answers 0 -- a count below 24 "
     "stores nothing whatever the directory (a non-directory: -ENOTDIR)."),
    ("AU-002", "b", "readlinkat(AT_FDCWD, \"/proc/self/exe\", page 2, 0x80000000)",
     "-EINVAL only: SYSCALL_DEFINE4(readlinkat) takes bufsiz as an int; do_readlinkat() "
     "`if (bufsiz <= 0) return -EINVAL;` first, before user_path_at() and vfs_readlink()."),
    ("AU-003", "c", "rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 0}, 16)",
     "-EINVAL only: SYSCALL_DEFINE4(rt_sigtimedwait) `if (sigsetsize != sizeof(sigset_t)) "
     "return -EINVAL;` first, before do_sigtimedwait() and copy_siginfo_to_user()."),
    ("AU-004", "v", "wait4(-1, page 2, WEXITED, NULL)",
     "-EINVAL only: kernel_wait4() `if (options & ~(WNOHANG|WUNTRACED|WCONTINUED|"
     "__WNOTHREAD|__WCLONE|__WALL)) return -EINVAL;` first (WEXITED is waitid()'s), before "
     "do_wait() and the status' put_user()."),
    ("AU-005", "e", "capget(&{_LINUX_CAPABILITY_VERSION_3, pid -1}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE2(capget): cap_validate_magic() passes version 3 (no "
     "store), then `if (get_user(pid, &header->pid)) return -EFAULT; if (pid < 0) return "
     "-EINVAL;` before cap_get_target_pid() and the data's copy_to_user() -- the header "
     "is the program's .bss, quiet through the call."),
    ("AU-006", "f", "statx(AT_FDCWD, \"/\", 1, STATX_BASIC_STATS, page 2)",
     "-EINVAL only: an unknown AT_* bit leaves `lflags` unequal to AT_EMPTY_PATH (6.10+'s "
     "do_statx_fd() short cut not taken), so do_statx() -> vfs_statx() `if (flags & "
     "~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return "
     "-EINVAL;` (or getname()'s own error first) before cp_statx(), 6.1 to 6.18."),
    ("AU-007", "g", "lgetxattr(\"/\", \"\", page 2, 16)",
     "-ERANGE only: path_getxattr() -> getxattr()'s strncpy_from_user() (6.1; "
     "import_xattr_name() first from 6.13) `if (error == 0 || error == sizeof(kname)) "
     "error = -ERANGE;` for the empty name, before vfs_getxattr() and copy_to_user() -- "
     "the path form of AR-011 (fgetxattr), which cut.first_tests does not read at all."),
    ("AU-008", "h", "timer_gettime(-1, page 2)",
     "-EINVAL only: SYSCALL_DEFINE2(timer_gettime) -> do_timer_gettime() -> lock_timer(): "
     "`if ((unsigned long long)timer_id > INT_MAX) return NULL;` (posix_timer_by_id() from "
     "6.14 finds no negative id) -> -EINVAL; put_itimerspec64() only `if (!ret)`."),
    ("AU-009", "i", "setitimer(5, NULL, page 2)",
     "-EINVAL only: SYSCALL_DEFINE3(setitimer) -> do_setitimer() `default: return "
     "-EINVAL;` for which past ITIMER_PROF, and `if (error || !ovalue) return error;` "
     "before put_itimerval() (getitimer's which is judged; setitimer's is not)."),
    ("AU-010", "j", "timerfd_settime(a timerfd, 4, &{0}, page 2)",
     "-EINVAL only: do_timerfd_settime() `if ((flags & ~TFD_SETTIME_FLAGS) || "
     "!itimerspec64_valid(new)) return -EINVAL;` first; SYSCALL_DEFINE4(timerfd_settime) "
     "stores the old value only `if (!ret && otmr)`."),
    ("AU-011", "k", "epoll_pwait(an epoll fd, page 2, 1, 0, &mask, 4)",
     "-EINVAL only: do_epoll_pwait() -> set_user_sigmask() `if (sigsetsize != "
     "sizeof(sigset_t)) return -EINVAL;` for a non-NULL mask, before do_epoll_wait() and "
     "ep_send_events()."),
    ("AU-012", "l", "nanosleep(&{0, 2000000000}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE2(nanosleep) `if (!timespec64_valid(&tu)) return "
     "-EINVAL;` after get_timespec64(), before hrtimer_nanosleep(); rem is stored only "
     "on -ERESTART_RESTARTBLOCK (nanosleep_copyout()) -- the request is the program's "
     ".bss, quiet through the call."),
    ("AU-013", "m", "copy_file_range(memfd, page 2, a second memfd, NULL, 16, 1)",
     "-EINVAL only: SYSCALL_DEFINE6(copy_file_range) reads off_in (copy_from_user(), a "
     "read), then vfs_copy_file_range() `if (flags != 0) return -EINVAL;` first; off_in is "
     "stored only `if (ret > 0)`."),
    ("AU-014", "n", "getrlimit(99, page 2)",
     "-EINVAL only: SYSCALL_DEFINE2(getrlimit) -> do_prlimit() `if (resource >= "
     "RLIM_NLIMITS) return -EINVAL;`; the copy_to_user() only `if (!ret)` (prlimit64's "
     "resource is judged, getrlimit's is not)."),
    ("AU-015", "o", "fcntl(memfd, F_GETLK, page 2) (page 2 reads 'x')",
     "-EINVAL only: do_fcntl() F_GETLK: copy_from_user() of page 2 (a read: the folio, "
     "read-only) gives l_type 0x7878, fcntl_getlk() `if (flock->l_type != F_RDLCK && "
     "flock->l_type != F_WRLCK) goto out;` (error -EINVAL), and the flock is copied back "
     "only `if (!err)`."),
    ("AU-016", "p", "prlimit64(0, RLIMIT_NOFILE, &{2, 1}, page 2)",
     "-EINVAL only: SYSCALL_DEFINE4(prlimit64) copies the new limit in, do_prlimit() `if "
     "(new_rlim) { if (new_rlim->rlim_cur > new_rlim->rlim_max) return -EINVAL; ...}` "
     "first; the old limit is copied only `if (!ret && old_rlim)` -- the new limit is the "
     "program's .bss."),
    ("AU-017", "q", "sigaltstack(&{sp, 7, 8192}, page 2)",
     "-EINVAL only: do_sigaltstack() `if (unlikely(ss_mode != SS_DISABLE && ss_mode != "
     "SS_ONSTACK && ss_mode != 0)) return -EINVAL;` (not on the alternate stack: no "
     "-EPERM); SYSCALL_DEFINE2(sigaltstack) stores uoss only `if (!err && uoss)`."),
    ("AU-018", "r", "getsockname(/dev/null, page 2, &16)",
     "-ENOTSOCK only: __sys_getsockname() -> sockfd_lookup_light() (sock_from_file()) "
     "before ->getname() and move_addr_to_user() (/dev/null is the program's own "
     "openat() of O_WRONLY: no open() of a path makes a socket file)."),
    ("AU-019", "s", "accept4(/dev/null, page 2, &16, 1)",
     "-EINVAL only: __sys_accept4() -> fdget(), then __sys_accept4_file() `if (flags & "
     "~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;` before do_accept() and "
     "move_addr_to_user()."),
    ("AU-020", "w", "pselect6(-1, page 2, NULL, NULL, NULL, NULL)",
     "-EINVAL only: SYSCALL_DEFINE6(pselect6) -> do_pselect() -> core_sys_select() `ret "
     "= -EINVAL; if (n < 0) goto out_nofds;` (n is an int) before get_fd_set() and "
     "set_fd_set(); poll_select_finish() stores nothing with no timespec (`if (!p) return "
     "ret;`)."),
    ("AU-021", "x", "pselect6(1, page 2, NULL, NULL, NULL, &{&mask, 4})",
     "-EINVAL only: SYSCALL_DEFINE6(pselect6) -> get_sigset_argpack() reads the "
     "program's {mask, size} pair, do_pselect() -> set_user_sigmask() `if (sigsetsize "
     "!= sizeof(sigset_t)) return -EINVAL;` and returns before core_sys_select() and "
     "poll_select_finish() (ppoll's own size is judged: first_failures.py)."),
    ("AU-022", "y", "ppoll(page 2, 0x80000000, NULL, NULL, 0)",
     "-EINVAL only: SYSCALL_DEFINE5(ppoll) -> do_sys_poll() `if (nfds > "
     "rlimit(RLIMIT_NOFILE)) return -EINVAL;` first -- RLIMIT_NOFILE never passes "
     "sysctl_nr_open_max (INT_MAX & -BITS_PER_LONG), below 2^31 -- before the pollfds "
     "are read or any revents stored; no timespec, nothing for poll_select_finish()."),
)

#: refused since: program memory kept at entry (cut.first_tests: guardian/first_tests.py)
#: and getsockname of a file opened by path (cut.answer_stores: kind_stores.py)
REFUSED_MEMORY_KIND = frozenset({"AU-005", "AU-012", "AU-015", "AU-016", "AU-017", "AU-018",
                                 "AU-021"})
for _sid in REFUSED_MEMORY_KIND:
    del GAPS[_sid]


def served_at(phase: int, nr: int, answer: int):  # type: ignore[no-untyped-def]
    """The steps of a memory-ground attack on the call at `phase` (number `nr`): page 2
    made writable on a copy as the call enters, the call served as getpid() and answered
    `answer` (round 90b's scenarios take them too)."""

    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (an output at page 2) enters, the kernel drops page 2 and
        maps it writable on a fresh copy of 'x'; it serves the call as getpid() and
        answers it with the forged answer the title names.
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, nr)(adv)
        serve_as_getpid(adv, nr, phase, answer % _M)
    return steps


def served(letter: str, answer: int):  # type: ignore[no-untyped-def]
    return served_at(PHASE89[letter], NR89[letter], answer)


for sid, letter, call, why in ATTACKS:
    _t = (f"({VICTIM89} -{letter}) As {call} enters (the forged answer -EFAULT), page 2 "
          "dropped and mapped writable on a copy of 'x', before pwrite64() of 'y'")
    _prop = (WRITABLE + "The call's output is at page 2, and for these registers Linux "
             "stores nothing there: " + why + LINUX_Y)
    explained(_t, _prop, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM89,
        prop=_prop, gap=GAPS.get(sid, ""), args=(b"-" + letter.encode(),),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(served(letter, -14))
