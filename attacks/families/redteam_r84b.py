"""Red-team round 84b: the memory ground after round 83b's fixes -- `cut.answer_stores`
(guardian/answer_stores.py: a clean page of a private file view that one call's output
grant alone opened must lie within what that call's answer says it stored) and
`cut.lock_answers` (guardian/lock_state.py: the lock record follows the answers) --
against this round's victim `secret_r84_mm` (on the kits, markers from 14400: P before
the step, x3 the view; P + 4 after page 2 is read and the step's call, before pwrite64()
of 'y'; see workloads/src/secret_r84_mm.c).

Every attack: page 2 of the step's MAP_PRIVATE view of the memfd (3 pages of 'x') is a
clean page -- the page cache folio under Linux --; as a call whose output pointer points
into the view enters (or the read-write mprotect() of the lock steps), the kernel drops
page 2 and maps it WRITABLE on a fresh copy of 'x'; pwrite64() of 'y' misses the copy,
the step reads 'x' and indexes its log buffer at -4, writing the secret's bytes to
/dev/null.  Linux: a read fault maps the folio read-only (do_read_fault() ->
finish_fault()); only a store or a FOLL_WRITE gup copies it (do_cow_fault(),
wp_page_copy()).  The victim does not look at the call's answer (as many programs ignore
an error): what it sees is page 2.

An answer the rule accepts that no Linux gives (the kernel serves the call as getpid()
and answers the forged value; Linux's own answer in brackets, with the function that
decides it):

- AH-001 (-a) clock_gettime(24, page 2) answered -EFAULT [-EINVAL:
  SYSCALL_DEFINE2(clock_gettime) -> clockid_to_kclock() is NULL for an id past
  CLOCK_AUX_LAST (23; 16..23 are 6.17's auxiliary clocks), before put_timespec64(); no
  -EFAULT can come before it]: the rule leaves
  every -EFAULT open (a partial copy may precede it), even where the call's first check
  fails without touching the buffer.
- AH-002 (-b) pipe2(page 2, O_WRONLY) answered 0 [-EINVAL: do_pipe2() ->
  __do_pipe_flags() refuses a flag outside O_CLOEXEC | O_NONBLOCK | O_DIRECT |
  O_NOTIFICATION_PIPE]: a success of an _ERR_NOTHING call outside _RET_BYTES is
  "anywhere" (stored() returns None), though the arguments make success impossible.
- AH-003 (-c) getrandom(page 2, 16, 0x100) answered 16 [-EINVAL: SYSCALL_DEFINE3
  (getrandom) flag check first]: the count is taken as the bytes stored.
- AH-004 (-e) sched_getaffinity(0, 4096, page 2 - 256) answered 264 [32 (NR_CPUS 256,
  6.1) or 64 (NR_CPUS 512): SYSCALL_DEFINE3(sched_getaffinity) copies retlen =
  min(len, cpumask_size()); cpumask_size() is at most BITS_TO_LONGS(NR_CPUS) longs]: a
  count larger than any cpumask reaches page 2.
- AH-005 (-f) epoll_pwait(a new epoll with nothing added, page 2, 8, 0) answered 1 [0:
  ep_poll() finds no ready item on an epoll that was never given one (ep_events_available()
  false), ep_send_events() stores nothing]: `ret` events are taken as stored.
- AH-006 (-g) wait4(-1, page 2, WNOHANG, NULL) answered 4242 with no child ever made
  [-ECHILD: kernel_wait4() -> do_wait() finds no child]: ret > 0 is "anywhere", though
  the Guardian saw every clone of the program (none).
- AH-007 (-h) read(/dev/null opened O_WRONLY, page 2, 16) answered 16 [-EBADF: vfs_read()
  `if (!(file->f_mode & FMODE_READ)) return -EBADF;`]: a count for a non-shmem descriptor
  is "anywhere" (btrfs/gfs2 fault-in), though this descriptor cannot be read at all.
- AH-008 (-i) pread64(memfd, page 2, 1 << 47, 0) answered 4096 [-EFAULT: vfs_read() `if
  (unlikely(!access_ok(buf, count))) return -EFAULT;` -- the range passes TASK_SIZE --
  before rw_verify_area()]: a shmem read's count is taken as stored bytes.
- AH-009 (-j) readlinkat(AT_FDCWD, "/", page 2, 64) answered 8 [-EINVAL:
  do_readlinkat(): "/" is a directory with no ->get_link]: the count is taken as stored.
- AH-010 (-k) getdents64(memfd, page 2, 4096) answered 24 [-ENOTDIR: iterate_dir(): a
  shmem regular file has no ->iterate_shared]: the count is taken as stored.
- AH-011 (-l) futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, op 5) answered 0
  [-ENOSYS: futex_atomic_op_inuser() -> arch_futex_atomic_op_inuser() knows no op 5]: only
  an error of a private WAKE_OP is judged; a success is "anywhere".
- AH-012 (-m) mincore(view + 1, PAGE, page 2) answered 0 [-EINVAL: SYSCALL_DEFINE3
  (mincore) `if (start & ~PAGE_MASK) return -EINVAL;`]: only -EINVAL is judged.
- AH-013 (-n) rt_sigaction(SIGUSR1, NULL, page 2, 4) answered 0 [-EINVAL:
  SYSCALL_DEFINE4(rt_sigaction) `if (sigsetsize != sizeof(sigset_t)) return -EINVAL;`].

Calls the rule never judges (not in answer_stores.CALLS; the capability table grants
their output buffer, granted_stores.store_ranges()), answered as Linux answers them:

- AH-014 (-o) newfstatat(AT_FDCWD, "/nonexistent-r84", page 2, 0): -ENOENT from
  vfs_statx() -> filename_lookup() before cp_new_stat()'s copy_to_user().
- AH-015 (-p) getitimer(5, page 2): -EINVAL: do_getitimer()'s `default: return(-EINVAL);`
  before put_itimerval().
- AH-016 (-q) timerfd_gettime(memfd, page 2): -EINVAL: do_timerfd_gettime() ->
  timerfd_fget(): the file's f_op is not timerfd_fops; SYSCALL_DEFINE2(timerfd_gettime)
  `if (ret) return ret;` before put_itimerspec64().
- AH-019 (-t) rt_sigpending(page 2, 16): -EINVAL: SYSCALL_DEFINE2(rt_sigpending) `if
  (sigsetsize > sizeof(*uset)) return -EINVAL;` before copy_to_user().

`cut.lock_answers`: munlock and mlock2(MLOCK_ONFAULT) take their range off the record
only when answered 0; Linux changes the areas it walked before it finds a hole
(apply_vma_lock_flags(): mlock_fixup() of each area in turn, then -ENOMEM at the gap):

- AH-017 (-r) the PROT_READ view mlock()ed (3 pages, a hole after it), then munlock(view,
  4 pages) answered -ENOMEM [Linux: the view's area loses VM_LOCKED (mlock_fixup() with
  newflags 0), then -ENOMEM at the hole]; the record keeps the hard lock, and the
  read-write mprotect() of the view is let populate (write-fault) page 2.
- AH-018 (-s) the same, then mlock2(view, 4 pages, MLOCK_ONFAULT) answered -ENOMEM
  [Linux: the view's area becomes VM_LOCKED | VM_LOCKONFAULT (mlock_fixup()), then
  -ENOMEM; populate_vma_page_range() returns at once for VM_LOCKONFAULT]: the record
  keeps the hard lock.

qemu-aarch64-static (the host's Linux answers; cwd /tmp):
`qemu-aarch64-static -strace workloads/bin/secret_r84_mm -abcefghijklmnopqrst` prints
"secret: intact" with `clock_gettime(0x18,0x0000005500805000) = -1 errno=22 (Invalid
argument)`, `pipe2(365080641536,1,0,0,0,0) = -1 errno=22`, `getrandom(0x550080b000,16,256)
= -1 errno=22`, `sched_getaffinity(0,4096,365080665856,0,0,0) = 32`, `epoll_create1(0) = 5`,
`epoll_pwait(5,365080678400,8,0,0,8) = 0`, `wait4(-1,365080690688,1,0,0,0) = -1 errno=10
(No child processes)`, `read(3,0x817000,16) = -1 errno=9 (Bad file descriptor)`,
`pread64(4,365080715264,140737488355328,0,0,0) = -1 errno=14 (Bad address)`,
`readlinkat(AT_FDCWD,"/",0x000000550081d000,64) = -1 errno=22`,
`getdents64(4,0x5500820000,4096) = -1 errno=20 (Not a directory)`,
`futex(...,FUTEX_PRIVATE_FLAG|FUTEX_WAKE_OP,1,...) = -1 errno=38`,
`mincore(365080756225,4096,365080764416,0,0,0) = -1 errno=14` (qemu's own vec check
first; Linux's order is the alignment test: -EINVAL), `rt_sigaction(SIGUSR1,NULL,...) = -1
errno=22`, `newfstatat(AT_FDCWD,"/nonexistent-r84",0x000000550082c000,0) = -1 errno=2 (No
such file or directory)`, `getitimer(0x5,0x000000550082f000) = -1 errno=22`,
`timerfd_gettime(4,365080813568,0,0,0,0) = -1 errno=22`, `mlock(0x5500836000,12288) = 0`,
`munlock(0x5500836000,16384) = -1 errno=12 (Cannot allocate memory)`,
`mprotect(0x0000005500836000,12288,PROT_READ|PROT_WRITE) = 0`,
`rt_sigpending(365080883200,16,0,0,0,0) = -1 errno=22`; every step labels 0
(`write(3,0x492090,8) = 8`) but two, for qemu's own reasons: -s (qemu passes no mlock2:
`mlock2(365080858624,16384,1,0,0,0) = -1 errno=38`, so the view stays hard-locked and
mprotect() populates it; Linux's answer is mlock_fixup()'s, cited) and -q (qemu's
timerfd_gettime copies its itimerspec out whatever the host answered; Linux returns
before put_itimerspec64()) label -4 (`write(3,0x492070,8)`).

Honest answers (tests/test_redteam_r84b_claims.py): every step untouched (the kernel
model's answers; -i's pread64() served as Linux answers it, -EFAULT: the kernel model
copies without access_ok(); -t's rt_sigpending() served -EINVAL, as in AH-019: the
kernel model answers 0 -- LINUX_ANSWER; -r's munlock() answered -ENOMEM as Linux does,
as in AH-017: the kernel model answers 0 over the hole; -s left out: the kernel model's
mlock2(MLOCK_ONFAULT) keeps the hard lock and its own mprotect() populates page 2, the
population AH-018 shows the Guardian lets through), and page 2's clean entry dropped as the
step's call enters (reclaim), the read refaulting the folio read-only: label 0, no
decision.  False refusals found: none.

Through with the Guardian on when written (gaps; --mode mprotect too): AH-001, AH-003,
AH-011 (P5: forged answers `cut.answer_stores` accepted -- -EFAULT was always "a partial
copy may precede it"; getrandom's count was taken as stored; a private FUTEX_WAKE_OP's
success was "anywhere"), AH-014, AH-015, AH-016, AH-019 (P2: calls with a write grant
that answer_stores.CALLS left out), AH-017, AH-018 (P2: munlock/mlock2(MLOCK_ONFAULT)
answered -ENOMEM took nothing off the lock record).
Refused since round 84b's fixes: AH-001, AH-003, AH-011 by `cut.answer_stores` widened: where the
registers fail Linux's first test (guardian/first_failures.py: clockid_to_kclock() NULL
for an id past CLOCK_AUX_LAST, getrandom's unknown flag, arch_futex_atomic_op_inuser()'s
-ENOSYS for an op past XOR), no answer -- -EFAULT, a count, success -- stored anything;
AH-014, AH-015, AH-016, AH-019 by `cut.answer_stores` widened: "an error but -EFAULT
means nothing stored" is the default for every call the capability table grants an
output fixed by its registers, but an explicit list of calls that store and then fail
(answer_stores._STORE_THEN_FAIL); AH-017 by `cut.lock_answers` widened: munlock answered
-ENOMEM whose start begins a live area takes off the areas up to the first gap the
Guardian's area list shows (apply_vma_lock_flags(); guardian/lock_walk.py), so the
read-write mprotect() of the view opens nothing (`cut.lock_state`).
Left open: AH-018.  do_mlock() answers -ENOMEM with nothing changed where the range's
new pages pass RLIMIT_MEMLOCK without CAP_IPC_LOCK (`int error = -ENOMEM; ... if
((locked <= lock_limit) || capable(CAP_IPC_LOCK)) error = apply_vma_lock_flags(...)`;
count_mm_mlocked_page_nr() subtracts only the range's locked pages, so the hole's page
needs one page of headroom), and the view then keeps its hard lock: the population
the read-write mprotect() makes is Linux's.  Another process of the same user may lower
the limit at any time (prlimit64()), so the Guardian cannot tell that -ENOMEM from the
gap's.  What the Guardian would need to know: the task's RLIMIT_MEMLOCK and
mm->locked_vm at the call (both changeable from outside the program), or that
CAP_IPC_LOCK is held.
Refused (the forged success needs the kernel to have written the buffer, and a store of
the kernel's EL1 face into the writable copy does not count as the call's write):
AH-002, AH-004, AH-005, AH-006, AH-013 by `return.output_written`
(guardian/result_reads.py); AH-007..AH-010 by `return.count_written`
(guardian/result_bounds.py); AH-012 by `return.mm_args_refused` (mincore's unaligned
start answered 0, guardian/refused_args.py).

Not tried (left for a later round): a second thread's munmap()/madvise() racing the
lock calls, fork and vfork children, shmat(SHM_REMAP) and brk() over a locked area,
mremap of part of a locked area, mlockall after munlockall; an honest kernel that
stored and then failed (false refusals) for the _ERR_NOTHING calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r79b import writable_as
from attacks.families.redteam_r83b import writable_at_protect
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r84b"
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM84 = "secret_r84_mm"
PAGE = 4096

(P_CLKFAULT, P_PIPEOK, P_RANDCNT, P_AFFLONG, P_EPEMPTY, P_WAITPID, P_RDWRCNT, P_PRHUGE,
 P_LINKCNT, P_DENTCNT, P_WAKEOP, P_MINCOK, P_SIGOK, P_STATNONE, P_ITIMER, P_TFDGET,
 P_UNLOCKHOLE, P_ONFHOLE, P_SIGPEND) = range(14400, 14552, 8)
P_FIRST, P_LAST = P_CLKFAULT, P_SIGPEND
LETTER84 = dict(zip(range(14400, 14552, 8), (b"-" + bytes([c]) for c in b"abcefghijklmnopqrst"),
                    strict=True))
#: the call each output step makes (its number)
NR84 = {P_CLKFAULT: 113, P_PIPEOK: 59, P_RANDCNT: 278, P_AFFLONG: 123, P_EPEMPTY: 22,
        P_WAITPID: 260, P_RDWRCNT: 63, P_PRHUGE: 67, P_LINKCNT: 78, P_DENTCNT: 61,
        P_WAKEOP: 98, P_MINCOK: 232, P_SIGOK: 134, P_STATNONE: 79, P_ITIMER: 102,
        P_TFDGET: 87, P_SIGPEND: 136}
#: steps whose call the kernel model answers otherwise than Linux (it copies without
#: access_ok() for -i; it answers -t's rt_sigpending() of 16 bytes 0, storing 8): the
#: adversary serves Linux's answer (as getpid(): nothing stored) in the honest claims and
#: in AH-019
LINUX_ANSWER = {P_PRHUGE: -14, P_SIGPEND: -22}

#: the scenarios still through with the Guardian on (AH-018: see the docstring)
GAPS = {"AH-018": "P2"}

WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")


def _ah(sid: str, title: str, prop: str, args: bytes):  # type: ignore[no-untyped-def]
    return explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM84,
        prop=prop, gap=GAPS.get(sid, ""), args=(args,),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))


def forged(phase: int, answer: int, store: tuple[int, int] = (0, 0)):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (its output pointer in the view) enters, the kernel drops
        page 2 and maps it writable on a fresh copy of 'x'; it serves the call as getpid()
        and answers a value no Linux gives for these arguments (for a success answer it
        first stores the copy's own bytes, 'x', through its EL1 face where the answer says
        the call stored).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, NR84[phase])(adv)
        serve_as_getpid(adv, NR84[phase], phase, answer)
        if store[1]:
            @adv.on(Point.SYSCALL_EXIT, nr=NR84[phase], during=phase)
            def _(a: Adversary, **_: object) -> None:
                at = a.memo.get("view", 0) + 2 * PAGE + store[0]
                try:
                    a.el1.write(at, b"x" * store[1])
                    a.note(f"stored {store[1]} bytes of 'x' at {at:#x}")
                except Exception as exc:
                    a.refused(f"the store at {at:#x}: {exc!r}")
    return steps


def linux_own(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view has its page 2 read (the file's folio, read-only).
        2. As the step's call (its output pointer in the view) enters, the kernel drops
        page 2 and maps it writable on a fresh copy of 'x'; the call answers as Linux does
        (an error before any store).
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y',
        and indexes its log buffer at -4."""
        writable_as(phase, NR84[phase])(adv)
        if phase in LINUX_ANSWER:
            serve_as_getpid(adv, NR84[phase], phase, LINUX_ANSWER[phase])
    return steps


NO_STORE = "The call's output pointer is in the view; "
_M = 1 << 64
#: (id, step, the call, the forged answer (unsigned), its text, Linux's answer and why)
_FORGED = (
    ("AH-001", P_CLKFAULT, "clock_gettime(24, page 2)", _M - 14, "-EFAULT",
     "Linux answers -EINVAL: SYSCALL_DEFINE2(clock_gettime) -> clockid_to_kclock() is NULL "
     "for an id past CLOCK_AUX_LAST (23), before put_timespec64(); no -EFAULT can precede "
     "it."),
    ("AH-002", P_PIPEOK, "pipe2(page 2, O_WRONLY)", 0, "0",
     "Linux answers -EINVAL: do_pipe2() -> __do_pipe_flags() refuses a flag outside "
     "O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE before any file is made."),
    ("AH-003", P_RANDCNT, "getrandom(page 2, 16, 0x100)", 16, "16",
     "Linux answers -EINVAL: SYSCALL_DEFINE3(getrandom) refuses a flag outside "
     "GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE first."),
    ("AH-004", P_AFFLONG, "sched_getaffinity(0, 4096, page 2 - 256)", 264, "264",
     "Linux answers retlen = min(len, cpumask_size()): 32 (arm64 NR_CPUS 256) or 64 (512), "
     "never more than BITS_TO_LONGS(NR_CPUS) longs (SYSCALL_DEFINE3(sched_getaffinity))."),
    ("AH-005", P_EPEMPTY, "epoll_pwait(a new epoll with nothing added, page 2, 8, 0)", 1, "1",
     "Linux answers 0: ep_poll() on an epoll never given an item finds none ready "
     "(ep_events_available()), ep_send_events() stores no event."),
    ("AH-006", P_WAITPID, "wait4(-1, page 2, WNOHANG, NULL), no child ever made", 4242,
     "4242", "Linux answers -ECHILD: kernel_wait4() -> do_wait() finds no child of the "
     "program (it never cloned)."),
    ("AH-007", P_RDWRCNT, "read(/dev/null opened O_WRONLY, page 2, 16)", 16, "16",
     "Linux answers -EBADF: vfs_read() `if (!(file->f_mode & FMODE_READ)) return -EBADF;`."),
    ("AH-008", P_PRHUGE, "pread64(memfd, page 2, 1 << 47, 0)", 4096, "4096",
     "Linux answers -EFAULT: vfs_read() `if (unlikely(!access_ok(buf, count))) return "
     "-EFAULT;` (the range passes TASK_SIZE) before rw_verify_area() and any copy."),
    ("AH-009", P_LINKCNT, "readlinkat(AT_FDCWD, \"/\", page 2, 64)", 8, "8",
     "Linux answers -EINVAL: do_readlinkat(): \"/\" is a directory with no ->get_link."),
    ("AH-010", P_DENTCNT, "getdents64(memfd, page 2, 4096)", 24, "24",
     "Linux answers -ENOTDIR: iterate_dir(): a shmem regular file has no ->iterate_shared."),
    ("AH-011", P_WAKEOP, "futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, op 5)", 0, "0",
     "Linux answers -ENOSYS: futex_wake_op() -> futex_atomic_op_inuser() -> "
     "arch_futex_atomic_op_inuser() knows no op past FUTEX_OP_XOR."),
    ("AH-012", P_MINCOK, "mincore(view + 1, PAGE, page 2)", 0, "0",
     "Linux answers -EINVAL: SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return "
     "-EINVAL;` before do_mincore()."),
    ("AH-013", P_SIGOK, "rt_sigaction(SIGUSR1, NULL, page 2, 4)", 0, "0",
     "Linux answers -EINVAL: SYSCALL_DEFINE4(rt_sigaction) `if (sigsetsize != "
     "sizeof(sigset_t)) return -EINVAL;` first."),
)
#: where a success answer says the call stored: (offset from page 2, bytes)
STORES = {"AH-002": (0, 8), "AH-003": (0, 16), "AH-004": (0, 8), "AH-005": (0, 16),
          "AH-006": (0, 4), "AH-007": (0, 16), "AH-008": (0, 4096), "AH-009": (0, 8),
          "AH-010": (0, 24), "AH-012": (0, 1), "AH-013": (0, 32)}
for sid, phase, what, value, text, why in _FORGED:
    _t = (f"(secret_r84_mm {LETTER84[phase].decode()}) As {what} enters, page 2 dropped and "
          f"mapped writable on a copy of 'x'; the call answered {text}, no store")
    _ah(sid, _t, WRITABLE + NO_STORE + why + LINUX_Y, LETTER84[phase])(
        forged(phase, value, STORES.get(sid, (0, 0))))

#: (id, step, the call, why Linux stores nothing) -- calls cut.answer_stores never judges
_UNJUDGED = (
    ("AH-014", P_STATNONE, "newfstatat(AT_FDCWD, \"/nonexistent-r84\", page 2, 0)",
     "vfs_fstatat() -> vfs_statx() -> filename_lookup(): -ENOENT before cp_new_stat()'s "
     "copy_to_user()."),
    ("AH-015", P_ITIMER, "getitimer(5, page 2)",
     "do_getitimer(): `default: return(-EINVAL);` for a which past ITIMER_PROF, before "
     "put_itimerval()."),
    ("AH-016", P_TFDGET, "timerfd_gettime(memfd, page 2)",
     "do_timerfd_gettime() -> timerfd_fget(): the file is not a timerfd, -EINVAL; "
     "SYSCALL_DEFINE2(timerfd_gettime) `if (ret) return ret;` before put_itimerspec64()."),
    ("AH-019", P_SIGPEND, "rt_sigpending(page 2, 16)",
     "SYSCALL_DEFINE2(rt_sigpending): `if (sigsetsize > sizeof(*uset)) return -EINVAL;` "
     "before do_sigpending() and copy_to_user()."),
)
for sid, phase, what, why in _UNJUDGED:
    _t = (f"(secret_r84_mm {LETTER84[phase].decode()}) As {what} enters (answered as Linux "
          "does), page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _ah(sid, _t, WRITABLE + NO_STORE + "Linux stores nothing: " + why + LINUX_Y,
        LETTER84[phase])(linux_own(phase))

NOT_LOCKED = ("mprotect_fixup() populates (populate_vma_page_range(), FOLL_WRITE) only when "
              "(oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED and the area "
              "is not VM_LOCKONFAULT: ")
_LOCKS = (
    ("AH-017", P_UNLOCKHOLE, "the PROT_READ view (a hole after it) mlock()ed, then "
     "munlock(view, 4 pages) answered -ENOMEM", "apply_vma_lock_flags() runs mlock_fixup() "
     "on the view's area first (VM_LOCKED cleared), then finds the hole: -ENOMEM; the view "
     "is unlocked."),
    ("AH-018", P_ONFHOLE, "the PROT_READ view (a hole after it) mlock()ed, then "
     "mlock2(view, 4 pages, MLOCK_ONFAULT) answered -ENOMEM", "apply_vma_lock_flags() runs "
     "mlock_fixup() on the view's area first (VM_LOCKED | VM_LOCKONFAULT), then finds the "
     "hole: -ENOMEM; populate_vma_page_range() returns at once for VM_LOCKONFAULT."),
)
def linux_unlock(phase: int, steps):  # type: ignore[no-untyped-def]
    """`steps`, with -r's munlock() (the kernel model answers 0 over the hole) answered as
    Linux answers it: -ENOMEM, after it did its work (apply_vma_lock_flags())."""
    if phase != P_UNLOCKHOLE:
        return steps

    def served(adv: Adversary) -> None:
        steps(adv)

        @adv.on(Point.SYSCALL_EXIT, nr=NR_MUNLOCK, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x0", (1 << 64) - 12)
    return served


NR_MUNLOCK = 229
for sid, phase, what, why in _LOCKS:
    _t = (f"(secret_r84_mm {LETTER84[phase].decode()}) {what}; as mprotect(PROT_READ | "
          "PROT_WRITE) of the view enters, page 2 dropped and mapped writable on a copy of "
          "'x', before pwrite64() of 'y'")
    _ah(sid, _t, WRITABLE + NOT_LOCKED + why + LINUX_Y, LETTER84[phase])(
        linux_unlock(phase, writable_at_protect(phase, 1)))
