"""Red-team round 83b: the memory ground after round 82b's fixes -- `cut.output_stores`
(guardian/granted_stores.py: a call in flight may store, so write-fault, only at its
write grants in the capability table, fixed by the registers it entered with) and
`cut.lock_state` (guardian/lock_state.py: the areas that may be VM_LOCKED without
VM_LOCKONFAULT) -- against this round's victim `secret_r83_mm` (on the kits, markers from
13800: P before the step, x3 the view; P + 4 after page 2 is read and the step's calls,
before pwrite64() of 'y'; see workloads/src/secret_r83_mm.c).

Every attack: page 2 of the step's MAP_PRIVATE view of the memfd (3 pages of 'x') is a
clean page -- the page cache folio under Linux --; as a call of the program that Linux
answers without storing at page 2 or write-faulting it enters, the kernel drops page 2
and maps it WRITABLE on a fresh copy of 'x'; the file's later change ('y', pwrite64())
misses the copy, the step reads 'x' and indexes its log buffer at -4, writing the
secret's bytes to /dev/null.  Linux: a read fault maps the folio read-only
(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies it
(do_cow_fault(), wp_page_copy()).

A write grant is not a store.  The table grants a call its output buffer whole, from
the registers, whatever the call then answers; Linux stores only on the way to a
success, and only what it has.  Here the output pointer points INTO the view (page 2,
or page 1 with a length reaching past page 2's start):

- AE-001 (-a) clock_gettime(16, page 2): SYSCALL_DEFINE2(clock_gettime) ->
  clockid_to_kclock() is NULL for an id at or past MAX_CLOCKS: -EINVAL before
  put_timespec64().
- AE-002 (-b) read(/dev/null opened O_WRONLY, page 2, 16): ksys_read() -> vfs_read():
  `if (!(file->f_mode & FMODE_READ)) return -EBADF;` before anything is copied.
- AE-003 (-c) pread64(memfd, page 2 - 8, 16, 3 pages - 8): the file ends 8 bytes on;
  shmem_file_read_iter() copies (copy_page_to_iter()) only up to i_size: 8 bytes, all in
  page 1 -- the grant is 16 bytes, the last 8 of them page 2's.
- AE-004 (-e) pread64(memfd, page 2, 1 << 47, 0): vfs_read() `if
  (unlikely(!access_ok(buf, count))) return -EFAULT;` (the range passes TASK_SIZE) before
  rw_verify_area() and any copy.
- AE-005 (-f) getcwd(page 2 - 256, 4096): SYSCALL_DEFINE2(getcwd) copy_to_user(buf, cwd,
  len) of the path and its NUL only (a few bytes, in page 1); the grant is 4096 bytes.
- AE-006 (-g) sched_getaffinity(0, 4096, page 2 - 256): SYSCALL_DEFINE3
  (sched_getaffinity) copies retlen = min(len, cpumask_size()) bytes -- 32 with arm64's
  NR_CPUS 256 (64 with 512) -- in page 1; the grant is 4096.
- AE-007 (-h) sched_getaffinity(0, 12, page 2): `if (len & (sizeof(unsigned long)-1))
  return -EINVAL;` before the call looks at the mask.
- AE-008 (-i) pipe2(page 2, O_WRONLY): do_pipe2() -> __do_pipe_flags(): `if (flags &
  ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE)) return -EINVAL;` before
  copy_to_user(fildes, fd, sizeof(fd)).
- AE-009 (-j) rt_sigaction(SIGUSR1, NULL, page 2, 4): SYSCALL_DEFINE4(rt_sigaction) `if
  (sigsetsize != sizeof(sigset_t)) return -EINVAL;` first.
- AE-010 (-k) prlimit64(0, 16, NULL, page 2): SYSCALL_DEFINE4(prlimit64) `if (resource
  >= RLIM_NLIMITS) return -EINVAL;` first.
- AE-011 (-l) getrusage(2, page 2): SYSCALL_DEFINE2(getrusage) `if (who != RUSAGE_SELF &&
  who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -EINVAL;` first.
- AE-012 (-m) wait4(-1, page 2, WNOHANG, NULL) with no child ever made: kernel_wait4()
  -> do_wait() finds no child: -ECHILD; put_user(status, stat_addr) only where a child
  was reaped (`if (ret > 0 && stat_addr && put_user(...))`).
- AE-013 (-n) getrandom(page 2, 16, 0x100): SYSCALL_DEFINE3(getrandom) `if (flags &
  ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;` first.
- AE-014 (-o) mincore(view + 1, PAGE, page 2): SYSCALL_DEFINE3(mincore) `if (start &
  ~PAGE_MASK) return -EINVAL;` before do_mincore() and the copy_to_user() of vec.
- AE-015 (-p) readlinkat(AT_FDCWD, "/", page 2, 64): do_readlinkat(): "/" is a directory
  with no ->get_link/->readlink: -EINVAL, vfs_readlink() never runs.
- AE-016 (-q) getdents64(memfd, page 2, 4096): iterate_dir(): a shmem file has no
  ->iterate_shared: -ENOTDIR before filldir64() stores a byte.

State, not the registers, decides that these store nothing (secret_r83_mm N -z: the
call picked by the further argument N):

- AE-025 (1 -z) futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, op 5): futex_wake_op()
  keys a private uaddr2 with no gup (get_futex_key() returns for !fshared), then
  futex_atomic_op_inuser() -> arch_futex_atomic_op_inuser() answers -ENOSYS for an op
  past FUTEX_OP_XOR before its LDXR/STLXR loop (fault_in_user_writeable() only after
  -EFAULT); futex_caps grants uaddr2 4 bytes W for every FUTEX_WAKE_OP.
- AE-026 (2 -z) read(an empty O_NONBLOCK pipe, page 2, 16): pipe_read() answers -EAGAIN
  before copy_page_to_iter().
- AE-027 (3 -z) clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &{0, 0}, page 2):
  SYSCALL_DEFINE4(clock_nanosleep) sets `rmtp = NULL` for TIMER_ABSTIME -- an absolute
  sleep never stores rem, interrupted or not; the time is past: 0 at once.
- AE-028 (4 -z) rt_sigtimedwait({SIGUSR2}, page 2, &{0, 0}, 8) with nothing pending:
  do_sigtimedwait() answers -EAGAIN; copy_siginfo_to_user() only after a dequeue.
- AE-029 (5 -z) epoll_pwait(a new epoll, page 2, 8, 0, NULL): ep_poll() with nothing ready
  and a zero timeout answers 0; ep_send_events() stores only ready events.

`cut.lock_state`'s record grows at every lock call's return whatever the answer, by the
range as the registers give it, and shrinks only at munlock/munmap: it keeps areas no
Linux left VM_LOCKED, so a later mprotect(PROT_READ | PROT_WRITE) of the PROT_READ view
there opens its page 2 (mprotect_fixup() populates only when `(oldflags & (VM_WRITE |
VM_SHARED | VM_LOCKED)) == VM_LOCKED`, and these areas are not VM_LOCKED):

- AE-017 (-r) mlock2(view, 3 pages, 2): SYSCALL_DEFINE3(mlock2) `if (flags &
  ~MLOCK_ONFAULT) return -EINVAL;` first -- nothing locked.
- AE-018 (-s) mlock(view, -PAGE): do_mlock() -> apply_vma_lock_flags(): `end = start +
  len; if (end < start) return -EINVAL;` (as root; -ENOMEM from the RLIMIT_MEMLOCK check
  otherwise) -- nothing locked; lock_range() takes [view, view + 2^64 - PAGE).
- AE-019 (-t) the view one page above a hole, mlock(hole, 4 pages): apply_vma_lock_flags()
  finds no area at the start (6.1: mas_walk(); 6.18: vma_iter_load()): -ENOMEM before
  mlock_fixup() of any area.
- AE-020 (-u) an anonymous PROT_READ area mlock()ed, then a PROT_READ view of the memfd
  mapped MAP_FIXED over it: mmap_region() unmaps the locked area first (do_vmi_munmap();
  its VM_LOCKED goes with it), the new area takes only mm->def_flags, not VM_LOCKED --
  the record keeps the old lock (an mmap only adds).
- AE-021 (-v) an anonymous PROT_READ area mlock()ed, then the PROT_READ view moved onto
  it by mremap(MREMAP_MAYMOVE | MREMAP_FIXED): mremap_to() -> do_munmap() of the target
  first, move_vma() -> copy_vma() keeps the moved area's own vm_flags (not VM_LOCKED) --
  the record keeps the target's old lock (a mremap only adds where its source may be
  locked).
- AE-022 (-w) an anonymous PROT_READ area of 4 pages mlock()ed, shrunk by mremap() to
  its first page, a PROT_READ view mapped MAP_FIXED_NOREPLACE in the freed tail:
  do_mremap() shrinking -> do_vmi_munmap() of [addr + new_len, addr + old_len) removes
  the tail's area and its lock; the new area takes only def_flags -- the record keeps the
  tail (only munmap takes a range off).
- AE-023 (-x) the PROT_READ view mlock()ed (populated read-only: no FOLL_WRITE for a
  read-only area), then mlock2(view, MLOCK_ONFAULT): apply_vma_lock_flags() ->
  mlock_fixup() sets (vm_flags & ~VM_LOCKED_MASK) | VM_LOCKED | VM_LOCKONFAULT: the area
  is on-fault locked now and mprotect_fixup()'s populate_vma_page_range() returns at
  once -- the record keeps the hard lock (an on-fault mlock2 neither adds nor removes).
- AE-024 (-y) the PROT_READ view mlock()ed, then moved by mremap(MREMAP_MAYMOVE |
  MREMAP_DONTUNMAP) (the new range then unmapped), the OLD range's page 2 read (it
  refaults the file's folio): move_vma() keeps the old area but clears its
  VM_LOCKED_MASK ("We always clear VM_LOCKED[ONFAULT] on the old vma") -- the record
  keeps the old range.

qemu-aarch64-static (the host's Linux answers; cwd /tmp):
`qemu-aarch64-static -strace workloads/bin/secret_r83_mm -abcefghijklmnopq` prints
"secret: intact" with `clock_gettime(0x10,0x0000005500805000) = -1 errno=22 (Invalid
argument)`, `read(3,0x808000,16) = -1 errno=9 (Bad file descriptor)`,
`pread64(4,365080653816,16,12280,0,0) = 8`, `pread64(4,365080666112,140737488355328,0,0,0)
= -1 errno=14 (Bad address)`, `getcwd(0x5500810f00,4096) = 5`,
`sched_getaffinity(0,4096,365080690432,0,0,0) = 32`,
`sched_getaffinity(0,12,365080702976,0,0,0) = -1 errno=22`, `pipe2(365080715264,1,0,0,0,0)
= -1 errno=22`, `rt_sigaction(SIGUSR1,NULL,0x000000550081d000) = -1 errno=22`,
`prlimit64(0,16,0,365080739840,0,0) = -1 errno=22`, `getrusage(2,365080752128,0,0,0,0) =
-1 errno=22`, `wait4(-1,365080764416,1,0,0,0) = -1 errno=10 (No child processes)`,
`getrandom(0x5500829000,16,256) = -1 errno=22`, `readlinkat(AT_FDCWD,"/",
0x000000550082f000,64) = -1 errno=22`, `getdents64(4,0x5500832000,4096) = -1 errno=20 (Not
a directory)`, each step's label `write(3,0x492090,8) = 8` (label 0: page 2 'y') but -o's:
qemu answers `mincore(365080780801,4096,365080788992,0,0,0) = -1 errno=14 (Bad address)`
(its own check of vec first, not Linux's order: SYSCALL_DEFINE3(mincore) tests the
start's alignment before access_ok(vec, pages)), label -4 `write(3,0x492070,8)`.
`-strace secret_r83_mm -rstuv`: qemu passes no mlock2() (`mlock2(...,12288,2,0,0,0) = -1
errno=38`, -r's label -4 there; its Linux answer is the flag check cited);
`mlock(0x5500806000,18446744073709547520) = -1 errno=22 (Invalid argument)`, then
`mprotect(...,PROT_READ|PROT_WRITE) = 0`; `mlock(0x550080c000,16384) = -1 errno=12
(Cannot allocate memory)`; `mlock(0x5500813000,12288) = 0`,
`mmap(0x0000005500813000,12288,PROT_READ,MAP_PRIVATE|MAP_FIXED,4,0) = 0x0000005500813000`;
`mlock(0x5500819000,12288) = 0`, `mremap(365080698880,12288,12288,3,365080711168,0) =
365080711168`; -w: `mlock(0x5500806000,16384) = 0`,
`mremap(365080633344,16384,4096,0,0,0) = 365080633344`,
`mmap(0x0000005500807000,12288,PROT_READ,MAP_PRIVATE|0x100000,4,0) = 0x0000005500807000`;
-x: `mlock(0x550080a000,12288) = 0`, then qemu's `mlock2(...,12288,1,0,0,0) = -1 errno=38`
(label -4 there; Linux's answer is mlock_fixup()'s, cited); -y:
`mlock(0x550080d000,12288) = 0`, `mremap(365080662016,12288,12288,5,0,0) = 365080674304`,
`mprotect(0x000000550080d000,12288,PROT_READ|PROT_WRITE) = 0`; -s..-w and -y each label
`write(3,0x492090,8) = 8`, "secret: intact".

`-strace secret_r83_mm N -z`: `futex(0x00000000004920e0,FUTEX_PRIVATE_FLAG|FUTEX_WAKE_OP,1,
0x0000000000000001,0x0000005500805000,...) = -1 errno=38 (Function not implemented)`;
`pipe2(4792560,2048,0,0,0,0) = 0`, `read(5,0x805000,16) = -1 errno=11 (Resource
temporarily unavailable)`; `clock_nanosleep(CLOCK_MONOTONIC,1,{tv_sec = 0,tv_nsec = 0},
{tv_sec = 8680820740569200760,...}) = 0` (rem still 'xxxxxxxx'); `rt_sigtimedwait(...,8,0,0)
= -1 errno=11`; `epoll_create1(0) = 5`, `epoll_pwait(5,365080629248,8,0,0,8) = 0`; each
label `write(3,0x492090,8) = 8`.

Honest answers (tests/test_redteam_r83b_claims.py): the kernel model's own answers to
every step untouched, and as the attacked call enters, page 2's clean entry dropped
(reclaim: shrink_folio_list() -> try_to_unmap()), the read refaulting the folio
read-only: label 0, no decision (-e's pread64() and -l's getrusage() served as Linux
answers them, -EFAULT and -EINVAL: the kernel model copies without access_ok() and takes
any `who` -- LINUX_ANSWER).  False refusals found: none.

Through with the Guardian on when written (gaps, P2; --mode mprotect too): AE-001..AE-029.
Refused since (--mode mprotect too): AE-001..AE-016, AE-025, AE-026, AE-028, AE-029 by
`cut.answer_stores` (guardian/answer_stores.py, noted by
cut_writable.note_sole(), judged at the return from result_arguments.judge_arguments): a
private file view's empty page that one call's output grant ALONE opened to a writable
refault (no other call in flight, no store, signal frame or rseq area reaching it) must
lie within what the call's answer says it stored -- an -errno other than -EFAULT is no
store for the calls that fail before any copy (clock_gettime, pipe2, rt_sigaction,
prlimit64, getrusage, getrandom, getcwd, readlinkat, getdents64, sched_getaffinity,
epoll_pwait, rt_sigtimedwait, wait4, a private FUTEX_WAKE_OP, mincore's -EINVAL,
read/pread64's -EBADF/-EAGAIN/-EINVAL/-EISDIR); a read/pread64 of a shmem memfd (as
the call took its descriptor: files.lockable_memfd()) stores `ret` bytes and nothing for
any error, -EFAULT included (shmem_file_read_iter(): no fault-in ahead, an error only
where nothing was copied -- AE-003, AE-004); getcwd, readlinkat, getdents64,
getrandom and sched_getaffinity store `ret` bytes (AE-005, AE-006), epoll_pwait `ret`
events (AE-029), wait4 and rt_sigtimedwait nothing for 0.  -EFAULT stays open for every
other call (a partial copy stored before the fault), and so does another file's read
count (btrfs' and gfs2's reads fault the remaining buffer in: fault_in_iov_iter_writeable()
with FAULT_FLAG_WRITE, then may read less), and so do calls that store and fail
(nanosleep's rem on -EINTR, pselect6/ppoll's time left, waitid's infop, capget's version,
sendfile's offset, timer_create's id, mincore's -ENOMEM after a chunk, a shared futex's
FOLL_WRITE gup).
Refused since (--mode mprotect too): AE-027 by `cut.output_stores` (widened:
granted_stores.store_ranges() grants clock_nanosleep with TIMER_ABSTIME no rem:
SYSCALL_DEFINE4(clock_nanosleep) `rmtp = NULL`), set_pt.cut_writable refusing the page.
Refused since (--mode mprotect too): AE-017..AE-024 by `cut.lock_answers`
(guardian/lock_state.py, the record `cut.lock_state` trusts to open mprotect's
population): mlock2 with a flag past MLOCK_ONFAULT and an mlock whose aligned end wraps
add nothing, nor an mlock answered -ENOMEM whose start lies in a hole the program's own
munmap left (unmapped_holes.hole_at(); no area-changing call in flight or returned since
its entry: apply_vma_lock_flags() finds no area at the start -- AE-019); a successful
mmap takes its new range off (mmap_region()); a successful
mremap its destination (mremap_to()), its moved source (move_vma(), MREMAP_DONTUNMAP
included) and a shrink's tail (do_vmi_munmap()); mlock2(MLOCK_ONFAULT) answered 0 its
range (mlock_fixup()) -- each only where no other adding call is in flight or returned
since the call's entry (it may have locked the new area after).

Not tried (left for a later round): tagged output pointers without
PR_SET_TAGGED_ADDR_CTRL (6.1's arm64 access_ok() untags only under TIF_TAGGED_ADDR, so
-EFAULT there; later versions not checked), a second thread's munmap() racing an mmap(),
fork and exec children of a locked area (dup_mmap() drops VM_LOCKED_MASK; mm_init()
clears def_flags' lock), shmat(SHM_REMAP) and brk() shrinking over a locked area (as
AE-020/AE-022), a store Linux makes that the table lacks (the rows read for this round
-- capget, recvmmsg, pselect6, the timers, clock_nanosleep, the prctl getters -- grant
theirs; calls with no row, e.g. sched_getattr() or adjtimex(), not checked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families.redteam_r79b import refault_writable, writable_as
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r83b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
VICTIM83 = "secret_r83_mm"
NR = {"mprotect": 226}

(P_CLKBAD, P_RDWRONLY, P_PRSHORT, P_PRFAULT, P_CWD, P_AFFSHORT, P_AFFBAD, P_PIPEBAD,
 P_SIGBAD, P_RLIMBAD, P_RUSBAD, P_WAITNONE, P_RANDBAD, P_MINCBAD, P_LINKBAD, P_DENTBAD,
 P_LOCKFLAG, P_LOCKWRAP, P_LOCKHOLE, P_FIXEDOVER, P_MOVEONTO, P_SHRINKTAIL, P_ONFOVER,
 P_DONTUNMAP, P_NOSTORE) = range(13800, 14000, 8)
P_FIRST, P_LAST = P_CLKBAD, P_NOSTORE
ALL_ARGS83 = b"-abcefghijklmnopqrstuvwxyz"
LETTER83 = dict(zip(range(13800, 14000, 8), (b"-" + bytes([c]) for c in ALL_ARGS83[1:]),
                    strict=True))
#: the call each output step makes (its number)
NR83 = {P_CLKBAD: 113, P_RDWRONLY: 63, P_PRSHORT: 67, P_PRFAULT: 67, P_CWD: 17,
        P_AFFSHORT: 123, P_AFFBAD: 123, P_PIPEBAD: 59, P_SIGBAD: 134, P_RLIMBAD: 261,
        P_RUSBAD: 165, P_WAITNONE: 260, P_RANDBAD: 278, P_MINCBAD: 232, P_LINKBAD: 78,
        P_DENTBAD: 61}

#: the scenarios through with the Guardian on when written (P2: page 2 stops showing
#: its file where Linux keeps the folio)
#: steps whose call the kernel model answers otherwise than Linux (it copies without
#: access_ok() for -e; it takes any `who` for -l): the adversary serves Linux's answer
#: (as getpid(): nothing stored) in the attack and in the honest claims alike
LINUX_ANSWER = {P_PRFAULT: -14, P_RUSBAD: -22}

#: -z's calls, picked by a further argument: {argument: (call number, the call)}
NOSTORE = {b"1": (98, "futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, op 5)"),
           b"2": (63, "read(an empty O_NONBLOCK pipe, page 2, 16)"),
           b"3": (115, "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &{0, 0}, page 2)"),
           b"4": (137, "rt_sigtimedwait({SIGUSR2}, page 2, &{0, 0}, 8), nothing pending"),
           b"5": (22, "epoll_pwait(a new epoll, page 2, 8, 0, NULL), nothing ready")}

GAPS: dict[str, str] = {}
#: (every one refused since: see the docstring's "Refused since" lines)


def _ae(sid: str, title: str, prop: str, args: bytes):  # type: ignore[no-untyped-def]
    return explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM83,
        prop=prop, gap=GAPS.get(sid, ""), args=(args,),
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))


WRITABLE = ("A page a private view left clean comes back read-only on a read fault "
            "(do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE gup copies "
            "it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")
NO_STORE = ("The call's output pointer is in the view, but Linux answers it without a store "
            "at page 2: ")
#: (id, step, the call as the program makes it, why Linux stores nothing at page 2)
_OUT = (
    ("AE-001", P_CLKBAD, "clock_gettime(16, page 2)",
     "SYSCALL_DEFINE2(clock_gettime) -> clockid_to_kclock() is NULL for an id at or past "
     "MAX_CLOCKS: -EINVAL before put_timespec64()."),
    ("AE-002", P_RDWRONLY, "read(/dev/null opened O_WRONLY, page 2, 16)",
     "ksys_read() -> vfs_read(): no FMODE_READ, -EBADF before any copy."),
    ("AE-003", P_PRSHORT, "pread64(memfd, page 2 - 8, 16, 3 pages - 8)",
     "shmem_file_read_iter() copies only up to i_size: the file's last 8 bytes, all in "
     "page 1 (answer 8)."),
    ("AE-004", P_PRFAULT, "pread64(memfd, page 2, 1 << 47, 0)",
     "vfs_read(): !access_ok(buf, count) (the range passes TASK_SIZE): -EFAULT before "
     "rw_verify_area() and any copy."),
    ("AE-005", P_CWD, "getcwd(page 2 - 256, 4096)",
     "SYSCALL_DEFINE2(getcwd): copy_to_user(buf, cwd, len) of the path and its NUL only, "
     "a few bytes in page 1."),
    ("AE-006", P_AFFSHORT, "sched_getaffinity(0, 4096, page 2 - 256)",
     "SYSCALL_DEFINE3(sched_getaffinity): copy_to_user() of retlen = min(len, "
     "cpumask_size()) bytes (32 for NR_CPUS 256, 64 for 512), in page 1."),
    ("AE-007", P_AFFBAD, "sched_getaffinity(0, 12, page 2)",
     "SYSCALL_DEFINE3(sched_getaffinity): len not a multiple of sizeof(unsigned long): "
     "-EINVAL first."),
    ("AE-008", P_PIPEBAD, "pipe2(page 2, O_WRONLY)",
     "do_pipe2() -> __do_pipe_flags(): a flag outside O_CLOEXEC | O_NONBLOCK | O_DIRECT | "
     "O_NOTIFICATION_PIPE: -EINVAL before copy_to_user(fildes, ...)."),
    ("AE-009", P_SIGBAD, "rt_sigaction(SIGUSR1, NULL, page 2, 4)",
     "SYSCALL_DEFINE4(rt_sigaction): sigsetsize != sizeof(sigset_t): -EINVAL first."),
    ("AE-010", P_RLIMBAD, "prlimit64(0, 16, NULL, page 2)",
     "SYSCALL_DEFINE4(prlimit64): resource >= RLIM_NLIMITS: -EINVAL first."),
    ("AE-011", P_RUSBAD, "getrusage(2, page 2)",
     "SYSCALL_DEFINE2(getrusage): who not RUSAGE_SELF, RUSAGE_CHILDREN or RUSAGE_THREAD: "
     "-EINVAL first."),
    ("AE-012", P_WAITNONE, "wait4(-1, page 2, WNOHANG, NULL), no child ever made",
     "kernel_wait4() -> do_wait(): no child, -ECHILD; put_user(status, stat_addr) only "
     "after a child was reaped (ret > 0)."),
    ("AE-013", P_RANDBAD, "getrandom(page 2, 16, 0x100)",
     "SYSCALL_DEFINE3(getrandom): a flag outside GRND_NONBLOCK | GRND_RANDOM | "
     "GRND_INSECURE: -EINVAL first."),
    ("AE-014", P_MINCBAD, "mincore(view + 1, PAGE, page 2)",
     "SYSCALL_DEFINE3(mincore): start & ~PAGE_MASK: -EINVAL before do_mincore() and the "
     "copy_to_user() of vec."),
    ("AE-015", P_LINKBAD, "readlinkat(AT_FDCWD, \"/\", page 2, 64)",
     "do_readlinkat(): \"/\" is a directory, no ->get_link: -EINVAL, vfs_readlink() never "
     "runs."),
    ("AE-016", P_DENTBAD, "getdents64(memfd, page 2, 4096)",
     "iterate_dir(): a shmem file has no ->iterate_shared: -ENOTDIR before filldir64()."),
)


def linux_answer(phase: int, steps):  # type: ignore[no-untyped-def]
    """`steps`, with the step's call served as Linux answers it where the kernel model
    does not (LINUX_ANSWER)."""
    if phase not in LINUX_ANSWER:
        return steps

    def served(adv: Adversary) -> None:
        steps(adv)
        serve_as_getpid(adv, NR83[phase], phase, LINUX_ANSWER[phase])
    return served


for sid, phase, what, why in _OUT:
    _t = (f"(secret_r83_mm {LETTER83[phase].decode()}) Page 2 read (no store): as {what} "
          "enters, page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _ae(sid, _t, WRITABLE + NO_STORE + why + LINUX_Y, LETTER83[phase])(
        linux_answer(phase, writable_as(phase, NR83[phase])))


_STATE = (
    ("AE-025", b"1", "do_futex() -> futex_wake_op(): a private futex keys uaddr2 with no "
     "gup (get_futex_key() returns for !fshared); futex_atomic_op_inuser() -> "
     "arch_futex_atomic_op_inuser() answers -ENOSYS for op 5 (only SET, ADD, OR, ANDN, "
     "XOR) before its load/store loop; only -EFAULT would fault_in_user_writeable()."),
    ("AE-026", b"2", "pipe_read(): the pipe is empty and O_NONBLOCK: -EAGAIN before "
     "copy_page_to_iter()."),
    ("AE-027", b"3", "SYSCALL_DEFINE4(clock_nanosleep): `if (flags & TIMER_ABSTIME) "
     "rmtp = NULL;` -- an absolute sleep never stores rem (restart_block.nanosleep.type "
     "TT_NONE, nanosleep_copyout() not reached); the time is past, answer 0 at once."),
    ("AE-028", b"4", "SYSCALL_DEFINE4(rt_sigtimedwait) -> do_sigtimedwait(): nothing "
     "pending and a zero timeout: -EAGAIN; copy_siginfo_to_user() only when a signal was "
     "dequeued (ret > 0)."),
    ("AE-029", b"5", "do_epoll_pwait() -> do_epoll_wait() -> ep_poll(): nothing ready, "
     "zero timeout: 0; ep_send_events() stores only ready events (epoll_put_uevent())."),
)
for sid, arg, why in _STATE:
    _nr, _what = NOSTORE[arg]
    _t = (f"(secret_r83_mm {arg.decode()} -z) Page 2 read (no store): as {_what} enters, "
          "page 2 dropped and mapped writable on a copy of 'x', before pwrite64() of 'y'")
    scenario_args = (arg, b"-z")
    explained(_t, WRITABLE + NO_STORE + why + LINUX_Y, scenario(
        id=sid, title=_t, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=VICTIM83,
        prop=WRITABLE + NO_STORE + why + LINUX_Y, gap=GAPS.get(sid, ""), args=scenario_args,
        mprotect=Expect.SUCCEEDS if sid in GAPS else Expect.REFUSED))(
        writable_as(P_NOSTORE, _nr))


def writable_at_protect(phase: int, nth: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's PROT_READ view (where a lock call answered without locking it, or
        over or onto an area whose lock went with it) has its page 2 read.
        2. As mprotect(view, PROT_READ | PROT_WRITE) enters, the kernel drops page 2 of
        the view mprotect() names and maps it writable on a fresh copy of 'x'.
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y'
        (the area is not VM_LOCKED: mprotect_fixup() populates nothing), and indexes its
        log buffer at -4."""
        @adv.on(Point.SYSCALL_ENTRY, nr=NR["mprotect"], during=phase, once=False)
        def _(a: Adversary, **_: object) -> None:
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] == nth:
                refault_writable(a, a.init.mm, a.reg("x0") + 2 * PAGE)
    return steps


NOT_LOCKED = ("mprotect_fixup() populates (populate_vma_page_range(), FOLL_WRITE) only when "
              "(oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED and VM_WRITE is "
              "added; the view's area is not VM_LOCKED: ")
#: (id, step, nth mprotect of the step, what the step did, why no lock is there)
_LOCKS = (
    ("AE-017", P_LOCKFLAG, 2, "mlock2(view, 3 pages, 2) answered -EINVAL",
     "SYSCALL_DEFINE3(mlock2) refuses a flag outside MLOCK_ONFAULT (-EINVAL) before "
     "do_mlock(): nothing locked."),
    ("AE-018", P_LOCKWRAP, 2, "mlock(view, -PAGE) answered -EINVAL",
     "do_mlock() -> apply_vma_lock_flags(): end = start + len wraps, `if (end < start) "
     "return -EINVAL;` (-ENOMEM from the RLIMIT_MEMLOCK check without CAP_IPC_LOCK): "
     "nothing locked."),
    ("AE-019", P_LOCKHOLE, 1, "the view one page above a hole, mlock(hole, 4 pages) "
     "answered -ENOMEM", "apply_vma_lock_flags() finds no area at the start (6.1 "
     "mas_walk(), 6.18 vma_iter_load()): -ENOMEM before any mlock_fixup()."),
    ("AE-020", P_FIXEDOVER, 1, "an anonymous PROT_READ area mlock()ed, a PROT_READ view of "
     "the memfd mapped MAP_FIXED over it", "mmap_region() unmaps the locked area "
     "(do_vmi_munmap(), its VM_LOCKED with it); the new area takes only mm->def_flags."),
    ("AE-021", P_MOVEONTO, 2, "an anonymous PROT_READ area mlock()ed, the PROT_READ view "
     "moved onto it by mremap(MREMAP_MAYMOVE | MREMAP_FIXED)", "mremap_to() unmaps the "
     "target first (do_munmap()); move_vma() -> copy_vma() keeps the moved area's own "
     "vm_flags, not VM_LOCKED."),
    ("AE-022", P_SHRINKTAIL, 1, "an anonymous PROT_READ area of 4 pages mlock()ed and "
     "shrunk by mremap() to its first page, a PROT_READ view mapped MAP_FIXED_NOREPLACE "
     "in the freed tail", "do_mremap() shrinking unmaps the tail (do_vmi_munmap(), its "
     "VM_LOCKED with it); the new area there takes only mm->def_flags."),
    ("AE-023", P_ONFOVER, 2, "the PROT_READ view mlock()ed, then mlock2(view, "
     "MLOCK_ONFAULT)", "apply_vma_lock_flags() -> mlock_fixup() with newflags = "
     "(vm_flags & ~VM_LOCKED_MASK) | VM_LOCKED | VM_LOCKONFAULT: the hard lock became an "
     "on-fault one, and populate_vma_page_range() returns at once for VM_LOCKONFAULT."),
    ("AE-024", P_DONTUNMAP, 2, "the PROT_READ view mlock()ed, then moved by "
     "mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) (the new range unmapped), the OLD range's "
     "page 2 read", "move_vma() with MREMAP_DONTUNMAP keeps the old area but clears its "
     "VM_LOCKED_MASK (vm_flags_clear(vma, VM_LOCKED_MASK)): the old range is not locked."),
)
for sid, phase, nth, what, why in _LOCKS:
    _t = (f"(secret_r83_mm {LETTER83[phase].decode()}) {what}; page 2 of the PROT_READ view "
          "read; as mprotect(PROT_READ | PROT_WRITE) of it enters, page 2 dropped and mapped "
          "writable on a copy of 'x', before pwrite64() of 'y'")
    _ae(sid, _t, WRITABLE + NOT_LOCKED + why + LINUX_Y, LETTER83[phase])(
        writable_at_protect(phase, nth))
