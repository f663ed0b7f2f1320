"""Red-team round 88b: the memory ground after round 87b's storeless answers
(guardian/first_failures.py, guardian/kind_stores.py, guardian/answer_stores.py) against
this round's victim `secret_r88_mm` (workloads/src/secret_r88_mm.c, markers from 16400: P
before the step, x3 the view; P + 4 after page 2 is read and the step's call, before
pwrite64() of 'y') and round 87b's `secret_r87_mm`.

Every attack: page 2 of the step's MAP_PRIVATE, PROT_READ | PROT_WRITE view of the
memfd (3 pages of 'x') is a clean page -- the page cache folio under Linux --; as the
step's call (an output pointer at page 2) enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x', serves the call as getpid() and answers it with the
forged answer named; pwrite64() of 'y' misses the copy, the step reads 'x' and indexes
its log buffer at -4, writing the secret's bytes to /dev/null.  Linux: a read fault maps
the folio read-only (do_read_fault() -> finish_fault()); only a store copies it
(do_cow_fault(), wp_page_copy()); for these registers (or descriptors) Linux stores
nothing at page 2 -- so no answer may leave page 2 opened writable.

A forged success or count is refused whatever the call (answer_stores: "the kernel
never wrote the program's buffer": AR-001 .. AR-012 and AR-014 .. AR-016, first written
served 0 or a count, were all refused, and so were AR-017 and AR-018, whose kernel also
stored 8 bytes of 'x' at page 2).  The way through is -EFAULT, which the Guardian reads as a
store-then-fault unless first_failures.py or kind_stores.py knows the call's first test:
round 87b's rules name a fixed list of calls, and each attack below is a call, a
register or a descriptor kind outside it.  Linux's only -EFAULT at a mapped, writable
page 2 is a kernel-mode fault that fails (a memcg charge refused), and that fault copies
nothing.

Registers that fail Linux's first test (first_failures.py had no entry for the call;
refused since by cut.first_tests, guardian/first_tests.py):

- AR-003 (-c) statx(AT_FDCWD, "/", 0, STATX__RESERVED, page 2) [-EINVAL only: do_statx()
  `if (mask & STATX__RESERVED) return -EINVAL;` first, before vfs_statx() and
  cp_statx()].
- AR-004 (-e) mincore(view + 1, 4096, page 2) [-EINVAL only: SYSCALL_DEFINE3(mincore)
  `if (start & ~PAGE_MASK) return -EINVAL;` first].
- AR-005 (-f) prlimit64(0, 99, NULL, page 2) [-EINVAL only: do_prlimit() `if (resource
  >= RLIM_NLIMITS) return -EINVAL;`; SYSCALL_DEFINE4(prlimit64) copies the old limit only
  `if (!ret && old_rlim)`].
- AR-006 (-h) sched_getparam(-1, page 2) [-EINVAL only: `if (!param || pid < 0) return
  -EINVAL;` first].
- AR-007 (-i) sched_rr_get_interval(-1, page 2) [-EINVAL only: sched_rr_get_interval()
  `if (pid < 0) return -EINVAL;`; the timespec is stored only `if (retval == 0)`].
- AR-016 (secret_r87_mm -b) prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2) [-ESRCH
  only: find_task_by_vpid(), pids stop at PID_MAX_LIMIT] -- AP-111 served -ESRCH.
- AR-015 (secret_r87_mm -a) get_robust_list(0x3fffffff, page 2, wbuf) [-ESRCH only] --
  AP-110 served -ESRCH.

Program memory that fails Linux's first test (the Guardian reads it at entry, as it
reads ppoll's timespec since round 87b; AR-008 refused since by cut.first_tests,
the header kept at entry by capset_sets.note_entry; AR-011 still through, see below):

- AR-008 (-j) capget(&{version 0, pid 0}, page 2) [-EINVAL only: SYSCALL_DEFINE2(capget)
  -> cap_validate_magic(): an unknown version stores _KERNEL_CAPABILITY_VERSION into the
  header (not page 2) and answers -EINVAL, before the data's copy_to_user()].
- AR-011 (-m) fgetxattr(memfd, "", page 2, 16) [-ERANGE only: import_xattr_name()
  (getxattr()'s strncpy_from_user() in 6.1) `if (error == 0 || error == sizeof(kname))
  error = -ERANGE;`, before vfs_getxattr()].

A descriptor whose kind (known to the Guardian, or knowable: the program made it) has no
such operation (kind_stores.NO_OPERATION lacked the call or the kind; all but AR-001
refused since, below):

- AR-001 (-a) readlinkat(memfd, "", page 2, 16) [-ENOENT only: do_readlinkat()
  `error = empty ? -ENOENT : -EINVAL;` -- shmem's file is no symlink, has no ->readlink].
- AR-002 (-b) recvfrom(memfd, page 2, 16, MSG_DONTWAIT, NULL, NULL) [-ENOTSOCK only:
  __sys_recvfrom() -> sockfd_lookup_light()] (getsockopt alone is judged).
- AR-010 (-l) epoll_pwait(memfd, page 2, 1, 0, NULL, 8) [-EINVAL only: do_epoll_wait()
  `if (!is_file_epoll(...)) goto error_fput;`] (AP-123's maxevents was 0).
- AR-012 (-n) read(an eventfd, page 2, 4) [-EINVAL only: eventfd_read() `if
  (iov_iter_count(to) < sizeof(ucnt)) return -EINVAL;`].
- AR-013 (-o) read(a signalfd, page 2, 64) [-EINVAL only: signalfd_read_iter()
  (signalfd_read() before 6.12) `count /= sizeof(struct signalfd_siginfo); if (!count)
  return -EINVAL;`].
- AR-014 (secret_r87_mm -t) getdents64(memfd, page 2, 16) [-ENOTDIR only: iterate_dir():
  shmem's regular file has no ->iterate_shared] -- AP-125 served -ENOTDIR.
- AR-020 (-t) read(a pipe2() write end, page 2, 16) [-EBADF only: vfs_read() tests
  FMODE_READ; create_pipe_files() opens the write end O_WRONLY]: the Guardian's read_kind
  names it "pipe", and reads judge only "unreadable".
- AR-021 (-u) getdents64(/ opened O_PATH | O_DIRECTORY, page 2, 16) [-EBADF only:
  fdget_pos() skips an FMODE_PATH file].
- AR-022 (-v) ioctl(/dev/null opened O_PATH, TCGETS, page 2) [-EBADF only:
  SYSCALL_DEFINE3(ioctl) -> fdget() skips an FMODE_PATH file, whatever the path names].

Refused (with the Guardian on when written):
- AR-009 (-k) waitid(P_ALL, 0, NULL, 0, page 2) answered -EFAULT [-EINVAL only:
  kernel_waitid() `if (!(options & (WEXITED|WSTOPPED|WCONTINUED))) return -EINVAL;`]:
  "write-faulted the empty page" (answer_stores).
- AR-017 (-a) readlinkat as AR-001 with 8 bytes of 'x' stored at page 2 by the kernel,
  answered 8; AR-018 (-c) statx as AR-003 with the same store, answered 0: "the kernel
  never wrote the program's buffer" (the store at the call's exit does not count).
- AR-019 (-p) read(/dev/null opened O_PATH | O_RDWR, page 2, 16) answered -EFAULT
  [-EBADF only: fdget_pos() skips FMODE_PATH; build_open_how() keeps only O_PATH_FLAGS].
- AR-023 (-w) pread64(memfd, page 2, 16, -1) answered -EFAULT [-EINVAL only:
  ksys_pread64() `if (pos < 0) return -EINVAL;`]; AR-024 (-x) readv(memfd, 1025 iovecs)
  answered -EFAULT [-EINVAL only: __import_iovec() `if (nr_segs > UIO_MAXIOV)`].
  AR-019, AR-023, AR-024 (the reads): "syscall N write-faulted the empty page at ... of a
  private file view under its output grant alone, then answered -EFAULT: Linux stores
  only what that answer counts, and nothing for this error" (answer_stores' rule for the
  read calls: a read's -EFAULT after a write fault of a page it never stored).

Honest answers (tests/test_redteam_r88b_claims.py, all passing with the Guardian on):
every step served Linux's answer (with and without page 2's clean entry dropped as the
call enters); capget's header store then -EINVAL (-j); and three store steps whose
descriptor number changed meaning before the call, by the program's own hand -- -q
(/dev/null O_WRONLY, dup3(memfd, that number), pread64(it, page 2, 16, 0): 16, 'x'
stored), -r (the write-only number closed, dup(memfd) takes it, pread64: 16), -s
(dup3(timerfd, a second memfd's number), timerfd_gettime(it, page 2): 0, an itimerspec of
zeros stored) -- the Guardian follows dup3()/dup() (no false refusal).

qemu-aarch64-static (the host's Linux; cwd /tmp), `qemu-aarch64-static -strace
workloads/bin/secret_r88_mm -abcefhijklmnopqrstuvwx`: `readlinkat(4,"",...,16) = -1
errno=2`, `recvfrom(4,...,16,64,0,0) = -1 errno=88`, `statx(AT_FDCWD,"/",0,0x80000000,
...) = -1 errno=22`, `mincore(...) = -1 errno=14` (qemu's own: linux-user locks the
unaligned range first; Linux's SYSCALL_DEFINE3(mincore) answers -EINVAL),
`prlimit64(0,99,0,...) = -1 errno=22`, `sched_getparam(-1,...) = -1 errno=22`,
`sched_rr_get_interval(-1,...) = -1 errno=22`, `capget(...) = -1 errno=22`,
`waitid(0,0,(nil),0) = -1 errno=22`, `epoll_pwait(4,...,1,0,0,8) = -1 errno=22`,
`fgetxattr(4,"",...,16) = -1 errno=34`, `read(5,...,4) = -1 errno=22` (eventfd),
`read(5,...,64) = -1 errno=22` (signalfd), `read(5,...,16) = -1 errno=9` (O_PATH),
`pread64(5,...,16,0) = 16` (-q, -r), `timerfd_gettime(5,...) = 0` (-s), `read(6,...,16)
= -1 errno=9` (pipe write end), `getdents64(5,...,16) = -1 errno=9`,
`ioctl(5,TCGETS,...) = -1 errno=9`, `pread64(4,...,16,-1) = -1 errno=22`,
`readv(4,...,1025) = -1 errno=22`; "secret: intact", every label 0.

Found on the way (kernel_model/, not the Guardian): the kernel model answers
statx(AT_FDCWD, "/", 0, STATX__RESERVED, page 2) (-c) and sched_getparam(-1, page 2) (-h)
with a store at page 2 where Linux fails first (do_statx()'s STATX__RESERVED test,
SYSCALL_DEFINE2(sched_getparam)'s `pid < 0`): the untouched runs left -c and -h out.
Fixed since (kernel_model/syscalls/fs.py sys_statx, misc.py sys_sched_getparam:
-EINVAL first; tests/test_redteam_r88b_claims.py test_kernel_model_first_tests): the
untouched runs take every step.

What the Guardian would need, for each gap:
- AR-003 .. AR-008, AR-015, AR-016: closed (cut.first_tests): statx's mask &
  STATX__RESERVED or both sync bits (unknown AT_* flags are not judged: where 6.x tests
  them differs with the path's form); mincore's start unaligned to 4K; prlimit64's
  resource >= RLIM_NLIMITS; sched_getparam's NULL param; sched_getparam's,
  sched_rr_get_interval's, get_robust_list's and prlimit64's pid negative or at or past
  PID_MAX_LIMIT; capget's header version (kept at entry, quiet through the call) not
  _LINUX_CAPABILITY_VERSION_1/2/3 (at most the header's version word stored).
- AR-002, AR-010, AR-012, AR-013, AR-014, AR-020, AR-021, AR-022: closed (cut.answer_stores
  widened, kind_stores.finer_kind()).
- AR-011 (open): first_tests.note_entry reads fgetxattr's name at entry and judges an
  empty name or none within 256 bytes (-ERANGE first) -- but only where the name's page
  is present at entry and quiet through the call: the victim's "" lies in a .rodata page
  not yet faulted in (the forged kernel never reads it), and quiet_ranges.quiet() does
  not hold those bytes quiet at the return either.  The Guardian would need to fault the
  name's page in at entry (FaultIn, only where it knows a readable area covers it: no
  PROT_NONE narrowing, no unmapping call in flight -- the kernel kills the thread on a
  fault-in it cannot serve, a false refusal of Linux's -EFAULT) and to know the image's
  read-only bytes unchanged through the call (no writer of the program's file view).
- AR-001 (open): readlinkat of a memfd stores nothing only for a name that is empty
  (-ENOENT) or relative (path_init(): a dirfd that is no directory, -ENOTDIR); an absolute
  name ignores the dirfd and may name any symlink.  The Guardian would need the name's
  first byte read at the call's entry where no other thread could change it (quiet_ranges,
  kept in slot.asked as capset_sets.py does) and a reader in answer_stores.check(); the
  descriptor's kind alone does not decide.  Tried: a rule reading the name at the return
  through quiet_ranges.quiet() found the memfd's kind (SHMEM) but not the name -- "" lies
  in the victim's image, a file view, which quiet_ranges never counts quiet (another may
  write the file).

Not tried (the round being short): another thread's dup2() racing a read between the
Guardian's entry and Linux's fdget_pos() (a false refusal to check: the kind is taken at
entry); preadv2's pos below -1; recvmsg/recvmmsg on the memfd; io_getevents' nr.

Through with the Guardian on when written (gaps): AR-001, AR-002, AR-003, AR-004,
AR-005, AR-006, AR-007, AR-008, AR-010, AR-011, AR-012, AR-013, AR-014, AR-015, AR-016,
AR-020, AR-021, AR-022 (P5).
Refused: AR-009, AR-017, AR-018, AR-019, AR-023, AR-024.
Refused since (cut.first_tests, guardian/first_tests.py): AR-003, AR-004, AR-005,
AR-006, AR-007, AR-008, AR-015, AR-016.
Refused since (cut.answer_stores widened: guardian/kind_stores.py finer_kind() names an
O_PATH descriptor, a pipe2() write end, an eventfd and a signalfd the program made, as
answer_stores.read_kind() takes it with the table steady; NO_OPERATION gains
recvfrom/recvmsg/recvmmsg, epoll_pwait(2) and getdents64 of those files and a memfd, every
judged call of an O_PATH descriptor, and the reads of a write end or below an eventfd's 8
or a signalfd's 128 bytes): AR-002, AR-010, AR-012, AR-013, AR-014, AR-020, AR-021,
AR-022.
Still open: AR-001, AR-011.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from attacks.families import redteam_r87b as r87
from attacks.families.redteam_r79b import writable_as
from attacks.moves import serve_as_getpid, write_back
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r88b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM88 = "secret_r88_mm"
_M = 1 << 64
_N = NUMBERS
#: every step, in phase order (-q, -r, -s are the store steps, STORES)
ALL88 = "abcefhijklmnopqrstuvwx"
LETTERS88 = "abcefhijklmnoptuvwx"
PHASE88 = {c: 16400 + 8 * ALL88.index(c) for c in LETTERS88}
#: the steps whose descriptor number changed meaning before the call (dup3(), a closed
#: number reused by dup()), Linux storing at page 2 (honest claims only): (letter, phase)
STORES = {"q": 16512, "r": 16520, "s": 16528}
P88_FIRST, P88_LAST = 16400, PHASE88["x"]
LETTER88 = {p: b"-" + c.encode() for c, p in PHASE88.items()}
#: each secret_r88_mm step's call (its number) and Linux's answer (-errno)
NR88 = dict(zip(LETTERS88, (_N["readlinkat"], _N["recvfrom"], _N["statx"], _N["mincore"],
                            _N["prlimit64"], _N["sched_getparam"],
                            _N["sched_rr_get_interval"], _N["capget"], _N["waitid"],
                            _N["epoll_pwait"], _N["fgetxattr"], _N["read"], _N["read"],
                            _N["read"], _N["read"], _N["getdents64"], _N["ioctl"],
                            _N["pread64"], _N["readv"]),
                strict=True))
ERR88 = dict(zip(LETTERS88, (2, 88, 22, 22, 22, 22, 22, 22, 22, 22, 34, 22, 22, 9, 9, 9, 9,
                             22, 22),
                 strict=True))
LINUX88 = {PHASE88[c]: _M - ERR88[c] for c in LETTERS88}
NRP88 = {PHASE88[c]: NR88[c] for c in LETTERS88}

#: through with the Guardian on when written
GAPS = {f"AR-{i:03d}": "P5" for i in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 20, 21,
                                      22)}
#: refused since by cut.first_tests (guardian/first_tests.py): registers, or capget's
#: header read at entry, that fail Linux's first test
FIRST_TESTS_REFUSED = ("AR-003", "AR-004", "AR-005", "AR-006", "AR-007", "AR-008", "AR-015",
                       "AR-016")
for _sid in FIRST_TESTS_REFUSED:
    GAPS.pop(_sid)
#: refused since round 88b's kind fixes (kind_stores.finer_kind(), cut.answer_stores)
KIND_REFUSED = frozenset(("AR-002", "AR-010", "AR-012", "AR-013", "AR-014", "AR-020",
                          "AR-021", "AR-022"))
GAPS = {sid: gap for sid, gap in GAPS.items() if sid not in KIND_REFUSED}
#: the attacks whose kernel also stores 8 bytes of 'x' at page 2 (the argument that
#: points there), a store Linux never makes for these registers
WRITTEN = {"AR-017": 2, "AR-018": 4}
_X8 = 0x7878787878787878

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")

#: (id, victim, letter, the answer served (None: Linux's), the call, Linux's answer and why)
ATTACKS = (
    ("AR-001", VICTIM88, "a", -14, "readlinkat(memfd, \"\", page 2, 16), answered -EFAULT",
     "-ENOENT only: do_readlinkat() -> user_path_at_empty() finds the memfd itself (an "
     "empty path), `error = empty ? -ENOENT : -EINVAL;` -- shmem's regular file is no "
     "symlink and has no ->readlink -- before vfs_readlink()'s copy."),
    ("AR-002", VICTIM88, "b", -14,
     "recvfrom(memfd, page 2, 16, MSG_DONTWAIT, NULL, NULL), answered -EFAULT",
     "-ENOTSOCK only: __sys_recvfrom() -> sockfd_lookup_light() (sock_from_file()) finds "
     "no socket, before sock_recvmsg()."),
    ("AR-003", VICTIM88, "c", -14,
     "statx(AT_FDCWD, \"/\", 0, STATX__RESERVED, page 2), answered -EFAULT",
     "-EINVAL only: do_statx() `if (mask & STATX__RESERVED) return -EINVAL;` first, "
     "before vfs_statx() and cp_statx()'s copy_to_user()."),
    ("AR-004", VICTIM88, "e", -14, "mincore(view + 1, 4096, page 2), answered -EFAULT",
     "-EINVAL only: SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return -EINVAL;` "
     "first, before do_mincore() and the vector's copy_to_user()."),
    ("AR-005", VICTIM88, "f", -14, "prlimit64(0, 99, NULL, page 2), answered -EFAULT",
     "-EINVAL only: do_prlimit() `if (resource >= RLIM_NLIMITS) return -EINVAL;` (the "
     "task is the caller's own, pid 0) before SYSCALL_DEFINE4(prlimit64)'s `if (!ret && "
     "old_rlim)` copy_to_user()."),
    ("AR-006", VICTIM88, "h", -14, "sched_getparam(-1, page 2), answered -EFAULT",
     "-EINVAL only: SYSCALL_DEFINE2(sched_getparam) `if (!param || pid < 0) return "
     "-EINVAL;` first, before copy_to_user() of the priority."),
    ("AR-007", VICTIM88, "i", -14, "sched_rr_get_interval(-1, page 2), answered -EFAULT",
     "-EINVAL only: sched_rr_get_interval() `if (pid < 0) return -EINVAL;` first; "
     "SYSCALL_DEFINE2(sched_rr_get_interval) stores the timespec only `if (retval == "
     "0)`."),
    ("AR-008", VICTIM88, "j", -14,
     "capget(&{version 0, pid 0}, page 2), answered -EFAULT",
     "-EINVAL only: SYSCALL_DEFINE2(capget) -> cap_validate_magic(): an unknown version "
     "puts _KERNEL_CAPABILITY_VERSION into the header (not page 2) and answers -EINVAL, "
     "before cap_get_target_pid() and the data's copy_to_user()."),
    ("AR-009", VICTIM88, "k", -14, "waitid(P_ALL, 0, NULL, 0, page 2), answered -EFAULT",
     "-EINVAL only: kernel_waitid() (kernel_waitid_prepare() from 6.9) `if (!(options & "
     "(WEXITED|WSTOPPED|WCONTINUED))) return -EINVAL;` first; SYSCALL_DEFINE5(waitid) "
     "copies the rusage only `if (err > 0)`."),
    ("AR-010", VICTIM88, "l", -14, "epoll_pwait(memfd, page 2, 1, 0, NULL, 8), answered -EFAULT",
     "-EINVAL only: do_epoll_wait() `if (!is_file_epoll(fd_file(f))) goto error_fput;` "
     "(error -EINVAL), before ep_poll()'s ep_send_events() (AP-123's maxevents is 0; "
     "here 1, and the descriptor's kind decides)."),
    ("AR-011", VICTIM88, "m", -14, "fgetxattr(memfd, \"\", page 2, 16), answered -EFAULT",
     "-ERANGE only: fgetxattr() -> import_xattr_name() (getxattr()'s strncpy_from_user() "
     "in 6.1) `if (error == 0 || error == sizeof(kname)) error = -ERANGE;` for the empty "
     "name, before vfs_getxattr() and the value's copy_to_user()."),
    ("AR-012", VICTIM88, "n", -14, "read(an eventfd, page 2, 4), answered -EFAULT",
     "-EINVAL only: eventfd_read() `if (iov_iter_count(to) < sizeof(ucnt)) return "
     "-EINVAL;` first, before the count's copy_to_iter()."),
    ("AR-013", VICTIM88, "o", -14, "read(a signalfd, page 2, 64), answered -EFAULT",
     "-EINVAL only: signalfd_read_iter() (signalfd_read() before 6.12) `count /= "
     "sizeof(struct signalfd_siginfo); if (!count) return -EINVAL;` first, before "
     "signalfd_dequeue() and signalfd_copyinfo()."),
    ("AR-019", VICTIM88, "p", -14,
     "read(/dev/null opened O_PATH | O_RDWR, page 2, 16), answered -EFAULT",
     "-EBADF only: ksys_read() -> fdget_pos() skips a file opened FMODE_PATH (O_PATH "
     "keeps only O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC: build_open_how(), the access mode "
     "dropped), before vfs_read()."),
    ("AR-020", VICTIM88, "t", -14, "read(a pipe2() write end, page 2, 16), answered -EFAULT",
     "-EBADF only: vfs_read() `if (!(file->f_mode & FMODE_READ)) return -EBADF;` (a "
     "pipe's write end is opened FMODE_WRITE alone: create_pipe_files()), before "
     "pipe_read()'s copy_page_to_iter()."),
    ("AR-021", VICTIM88, "u", -14,
     "getdents64(/ opened O_PATH | O_DIRECTORY, page 2, 16), answered -EFAULT",
     "-EBADF only: SYSCALL_DEFINE3(getdents64) -> fdget_pos() skips an FMODE_PATH file, "
     "before iterate_dir() and filldir64()."),
    ("AR-022", VICTIM88, "v", -14,
     "ioctl(/dev/null opened O_PATH, TCGETS, page 2), answered -EFAULT",
     "-EBADF only: SYSCALL_DEFINE3(ioctl) -> fdget() skips an FMODE_PATH file, before "
     "do_vfs_ioctl() and any driver's termios copy -- whatever the path names."),
    ("AR-023", VICTIM88, "w", -14, "pread64(memfd, page 2, 16, -1), answered -EFAULT",
     "-EINVAL only: ksys_pread64() `if (pos < 0) return -EINVAL;` before fdget() and "
     "vfs_read() (a readable memfd: the offset alone decides)."),
    ("AR-024", VICTIM88, "x", -14,
     "readv(memfd, {page 2, 16} and 1024 more, 1025), answered -EFAULT",
     "-EINVAL only: do_readv() -> vfs_readv() -> import_iovec() -> __import_iovec() `if "
     "(nr_segs > UIO_MAXIOV) return -EINVAL;` before the iovecs are read or any byte "
     "copied."),
    ("AR-014", r87.VICTIM87, "t", -14, "getdents64(memfd, page 2, 16), answered -EFAULT",
     "-ENOTDIR only: iterate_dir() `if (!file->f_op->iterate_shared) goto out;` (res "
     "-ENOTDIR): shmem's regular file has no ->iterate_shared, before filldir64()'s "
     "stores (AP-125 served -ENOTDIR itself)."),
    ("AR-017", VICTIM88, "a", 8,
     "readlinkat(memfd, \"\", page 2, 16) with 8 bytes of 'x' stored at page 2, answered 8",
     "-ENOENT only (as AR-001): no link's bytes are ever copied for an empty path of a "
     "file that is no symlink; the kernel's store makes the Guardian's 'the kernel never "
     "wrote the buffer' test (which refuses the same count served alone) pass."),
    ("AR-018", VICTIM88, "c", 0,
     "statx(AT_FDCWD, \"/\", 0, STATX__RESERVED, page 2) with 8 bytes of 'x' stored at "
     "page 2, answered 0",
     "-EINVAL only (as AR-003): do_statx()'s STATX__RESERVED test comes before cp_statx(); "
     "the kernel's store makes the 'never wrote' test pass."),
    ("AR-015", r87.VICTIM87, "a", -14, "get_robust_list(0x3fffffff, page 2, wbuf), answered -EFAULT",
     "-ESRCH only: find_task_by_vpid() finds no task (pids stop at PID_MAX_LIMIT), "
     "before both put_user()s (AP-110 served -ESRCH itself)."),
    ("AR-016", r87.VICTIM87, "b", -14,
     "prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2), answered -EFAULT",
     "-ESRCH only: find_task_by_vpid() finds no task past PID_MAX_LIMIT, before "
     "do_prlimit() and the old limit's copy_to_user() (AP-111 served -ESRCH itself)."),
)


def _where(victim: str, letter: str) -> tuple[int, int, int]:
    """(the step's phase, its call number, Linux's answer) in `victim`."""
    if victim == VICTIM88:
        return PHASE88[letter], NR88[letter], _M - ERR88[letter]
    return r87.PHASE87[letter], r87.NR87[letter], _M - r87.ERR87[letter]


def served(sid: str, victim: str, letter: str,  # type: ignore[no-untyped-def]
           answer: int | None):
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
        if sid in WRITTEN:
            write_back(adv, nr, phase, WRITTEN[sid], _X8, got, size=8)
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
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(
            served(sid, victim, letter, answer))
