"""Red-team round seventy-three: mprotect() with the bits arch_validate_prot() refuses on
a CPU without MTE and BTI, forged successes of memory calls Linux refuses before any
area, and the memory calls through tagged pointers.

The emulated CPU has neither MTE nor BTI (no ID_AA64PFR1_EL1 feature, no HWCAP2_MTE or
HWCAP2_BTI): arm64's arch_validate_prot() then refuses PROT_MTE (0x20) and PROT_BTI (0x10)
as it refuses bit 0x100, and do_mprotect_pkey()'s prot is an unsigned long, so a bit past
31 fails alike.  guardian/protections.py's _unchanged() knows every bit of 0x3F as valid
and reads the whole register: an mprotect() with PROT_MTE or PROT_BTI answered -EINVAL is
taken as "either protection" and the page it would have opened is no longer held
PROT_NONE.  YZ-001, YZ-002 serve the open of N ("///.../proc/self/fd/<M>" with no NUL,
ending at the end of P1, P2 after it PROT_NONE) as dup(M) after such an -EINVAL, where
Linux answers -EFAULT; YZ-003 does the same after a bit-32 -EINVAL, YZ-013 and YZ-014
after pkey_mprotect(P2, ..., 0) with PROT_MTE and with bit 32 (key 0 is mprotect()).

YZ-004..YZ-012 and YZ-015..YZ-019 answer 0 to a memory call Linux refuses before it
looks at any area
(the victim indexes -4 and writes the secret's first 8 bytes on a success): mprotect()
with bit 0x100, with both PROT_GROWSUP and PROT_GROWSDOWN, of an unaligned start, with a
length that wraps, pkey_mprotect() with a key no pkey_alloc() gave, mprotect(), munmap()
and madvise() of an address with bit 55 set (untagged_addr() sign-extends bit 55:
the address stays past TASK_SIZE), mprotect() with bit 32, pkey_mprotect() with key 0
and bit 0x100, munmap() of an unaligned start, and mlock(), msync() and mincore() of an
address with bit 55 set (mincore() with its vector written).  YZ-021..YZ-046 answer 0 to
close(), fcntl(F_GETFD), lseek(), fsync(), ftruncate(), dup(), fchmod(), flock(),
fchown(), fchdir(), fdatasync(), fadvise64(), syncfs(), fallocate(), getdents64(),
write(), readahead(), fremovexattr(), fgetxattr() and flistxattr() of size 0,
sync_file_range(), ioctl(FIONCLEX), shutdown(), listen(), inotify_add_watch() and
fsetxattr() of descriptor -1 (-EBADF on Linux: no file -1).

Through with the Guardian on when written (gaps): YZ-001, YZ-002, YZ-013 (protections._unchanged()
took PROT_MTE and PROT_BTI as valid bits: the -EINVAL was taken as "either protection"),
YZ-004..YZ-012, YZ-015..YZ-019 (no rule asked whether mprotect(), pkey_mprotect(), munmap(),
madvise(), mlock(), msync() or mincore() could have succeeded; the victim sees 0 and
indexes -4), YZ-020 (protections.record() took mprotect(PROT_GROWSDOWN) as changing the
range asked alone, not the area from its start), YZ-021, YZ-027..YZ-030, YZ-032, YZ-033,
YZ-037..YZ-041, YZ-043..YZ-046 (those calls of descriptor -1 answered 0: no rule asked
whether a descriptor below 0 is open), YZ-047 (openat(-5, "dev/null") served as dup(M):
Linux -EBADF, path_init() takes fdget(-5) for a relative name).  Refused when written:
YZ-022..YZ-026, YZ-031, YZ-034..YZ-036, YZ-042 (a negative descriptor never succeeds
there), YZ-003, YZ-014 (protections._unchanged() reads the whole prot register: bit 32 is
a bad bit, P2 stays PROT_NONE; return.name_too_long).  Refused since: YZ-001, YZ-002,
YZ-013 (guardian/mprotect_unchanged.py: arch_validate_prot() refuses PROT_MTE and PROT_BTI
where AT_HWCAP2 lacks MTE and BTI, before any area; return.name_too_long), YZ-020
(protections.record(): PROT_GROWSDOWN from the area's start; return.name_too_long),
YZ-004..YZ-012, YZ-015..YZ-019 (return.mm_args_refused, guardian/refused_args.py),
YZ-021, YZ-027..YZ-030, YZ-032, YZ-033, YZ-037..YZ-041, YZ-043..YZ-046, YZ-047
(return.negative_descriptor, guardian/refused_args.py).

Honest answers (tests/test_redteam_r73_claims.py): each step above answered as Linux;
openat(), newfstatat() and faccessat() of "/dev/null" with dfd -5 answer 0 (an absolute
name never looks at dfd; qemu-user gives the same);
mprotect(P2, read-write|PROT_SEM) after PROT_NONE answers 0 (PROT_SEM is valid on arm64)
and the name opens M; mincore(), msync(MS_SYNC), mlock2() and munlock() through a pointer
with top byte 0x01 answer 0 (untagged_addr() in each: SYSCALL_DEFINE3(mincore),
SYSCALL_DEFINE3(msync), do_mlock(), SYSCALL_DEFINE2(munlock)).  A false refusal when written (xfail): P2, P3 a MAP_GROWSDOWN area mapped PROT_NONE after
N's page, mprotect(P3, read-write|PROT_GROWSDOWN) changes the area from its start
(do_mprotect_pkey(): start = vma->vm_start), so P2 is a zero page and the name opens M;
protections.record() takes P3 alone and keeps P2 PROT_NONE: the leaf that maps P2 for the
name's read is refused and the open fails.  Another (xfail): under the tagged address ABI
mincore(P, 4096, vec with top byte 0x01) answers 0 with the vector written (copy_to_user():
access_ok() untags under TIF_TAGGED_ADDR); the Guardian gives the kernel no capability for
the vector's bytes (user_write) (claim_vec_abi: the kernel model has no tagged address
ABI).  Without the ABI the same call is -EFAULT.  The kernel model answered
PROT_SEM -EINVAL and truncated prot to 32 bits (mprotect(P, read-write|1 << 32) answered
0), madvise() and msync() past TASK_SIZE 0, and PROT_GROWSDOWN and PROT_GROWSUP 0 on
any area, changing the range asked alone; it answers them as Linux since
(PROT_GROWSDOWN from the start of a VM_GROWSDOWN area, -EINVAL otherwise).

The victim is `secret_r73_rules` (workloads/src/secret_r73_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r70 import dup_open
from attacks.hooks import Point
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r73"
RULES = "secret_r73_rules"
(P_MTEBIT, P_BTIBIT, P_BADOK, P_GROWSOK, P_UNALIGNOK, P_WRAPOK, P_PKEYOK, P_HIGHTAGOK,
 P_HIGHUNMAP, P_HIGHADVISE, P_WIDEBIT, P_WIDEOK, P_SEMOPEN, P_TAGMINCORE, P_TAGMSYNC,
 P_TAGMLOCK, P_PKEYMTE, P_PKEYWIDE, P_PKEYBADOK, P_UNALIGNUNMAP, P_HIGHMLOCK, P_HIGHMSYNC,
 P_HIGHMINCORE, P_GROWSDOWNOPEN, P_GROWSDOWNNONE, P_VECNOABI, P_VECABI, P_BADCLOSE,
 P_BADFCNTL, P_BADLSEEK, P_BADFSYNC, P_BADFTRUNC, P_BADDUP, P_BADFCHMOD,
 P_BADFLOCK, P_BADFCHOWN, P_BADFCHDIR, P_BADFDATASYNC, P_BADFADVISE, P_BADSYNCFS,
 P_BADFALLOC, P_BADGETDENTS, P_BADWRITE, P_BADREADAHEAD, P_BADFREMOVEXATTR,
 P_BADFGETXATTR, P_BADFLISTXATTR, P_BADSYNCRANGE, P_BADIOCTL, P_BADSHUTDOWN, P_BADLISTEN,
 P_BADINOTIFY, P_BADFSETXATTR, P_ABSOPEN, P_ABSSTAT, P_ABSACCESS, P_RELBADFD) = range(9400, 9514, 2)
P_FIRST, P_LAST = P_MTEBIT, P_RELBADFD
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)

#: the round's open gaps (none since all were closed)
_GAPS: dict[str, str | None] = {}


def _before_any_area(xid: str, phase: int, what: str, linux: str) -> None:
    def steps(adv: Adversary) -> None:
        dup_open(adv, phase)
    doc = (f"""1. The program makes P2 PROT_NONE, calls {what} (-EINVAL), then openat()s N
    (no NUL, ending at the end of P1).
    2. The kernel answers the call -EINVAL, as Linux, and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {linux}: nothing changed, P2 still PROT_NONE; getname() ->
    strncpy_from_user() faults on P2: -EFAULT.""")
    _iago(xid, f"After {what} answered -EINVAL, serve an openat of a name with no NUL "
          "running into the PROT_NONE page P2 as dup(M)",
          f"Linux answers -EFAULT ({linux}: P2 stays PROT_NONE).",
          gap=_GAPS.get(xid))(documented(steps, doc))


for _xid, _phase, _what, _linux in (
        ("YZ-001", P_MTEBIT, "mprotect(P2, PROT_READ|PROT_WRITE|PROT_MTE)",
         "do_mprotect_pkey(): arm64's arch_validate_prot() adds PROT_MTE to the bits it "
         "takes only where system_supports_mte(); the CPU has no MTE: -EINVAL before any "
         "area"),
        ("YZ-002", P_BTIBIT, "mprotect(P2, PROT_READ|PROT_WRITE|PROT_BTI)",
         "do_mprotect_pkey(): arch_validate_prot() takes PROT_BTI only where "
         "system_supports_bti(); the CPU has no BTI: -EINVAL before any area"),
        ("YZ-003", P_WIDEBIT, "mprotect(P2, PROT_READ|PROT_WRITE|1 << 32)",
         "do_mprotect_pkey()'s prot is an unsigned long: arch_validate_prot() refuses bit "
         "32, -EINVAL before any area"),
        ("YZ-013", P_PKEYMTE, "pkey_mprotect(P2, PROT_READ|PROT_WRITE|PROT_MTE, 0)",
         "key 0 is always allocated (mm_pkey_is_allocated()): do_mprotect_pkey() is "
         "mprotect(); arch_validate_prot() refuses PROT_MTE without MTE, -EINVAL before "
         "any area"),
        ("YZ-014", P_PKEYWIDE, "pkey_mprotect(P2, PROT_READ|PROT_WRITE|1 << 32, 0)",
         "key 0: do_mprotect_pkey() is mprotect(); its unsigned long prot has bit 32: "
         "arch_validate_prot() refuses it, -EINVAL before any area")):
    _before_any_area(_xid, _phase, _what, _linux)


def fill_vec(adv: Adversary, phase: int) -> None:
    """Let the program's next mincore() after `phase` run, then write 1 into the first
    byte of its vector and answer 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["mincore"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.el1.syscall_args()[2], b"\x01")
        a.set_reg("x0", 0)


for _xid, _phase, _call, _what, _want, _linux in (
        ("YZ-004", P_BADOK, "mprotect", "mprotect(P, 4096, PROT_READ|PROT_WRITE|0x100)",
         "-EINVAL", "do_mprotect_pkey(): arch_validate_prot() refuses bit 0x100 "
         "(qemu-user gives the same)"),
        ("YZ-005", P_GROWSOK, "mprotect",
         "mprotect(P, 4096, PROT_READ|PROT_WRITE|PROT_GROWSUP|PROT_GROWSDOWN)", "-EINVAL",
         "do_mprotect_pkey(): grows == (PROT_GROWSDOWN|PROT_GROWSUP) (qemu-user gives the "
         "same)"),
        ("YZ-006", P_UNALIGNOK, "mprotect", "mprotect(P + 8, 4096, PROT_READ|PROT_WRITE)",
         "-EINVAL", "do_mprotect_pkey(): start & ~PAGE_MASK (qemu-user gives the same)"),
        ("YZ-007", P_WRAPOK, "mprotect", "mprotect(P, -4096, PROT_READ|PROT_WRITE)",
         "-ENOMEM", "do_mprotect_pkey(): end <= start (qemu-user gives the same)"),
        ("YZ-008", P_PKEYOK, "pkey_mprotect", "pkey_mprotect(P, 4096, "
         "PROT_READ|PROT_WRITE, 5)", "-EINVAL", "do_mprotect_pkey(): "
         "mm_pkey_is_allocated() is false for a key no pkey_alloc() gave"),
        ("YZ-009", P_HIGHTAGOK, "mprotect", "mprotect(P with bit 55 set, 4096, "
         "PROT_READ|PROT_WRITE)", "-ENOMEM", "do_mprotect_pkey(): arm64's untagged_addr() "
         "is addr & sign_extend64(addr, 55): bit 55 set keeps the top byte, no area "
         "there (qemu-user gives the same)"),
        ("YZ-010", P_HIGHUNMAP, "munmap", "munmap(P with bit 55 set, 4096)", "-EINVAL",
         "SYSCALL_DEFINE2(munmap) -> untagged_addr() keeps the address -> "
         "do_vmi_munmap(): start > TASK_SIZE (qemu-user gives the same)"),
        ("YZ-011", P_HIGHADVISE, "madvise", "madvise(P with bit 55 set, 4096, "
         "MADV_DONTNEED)", "-ENOMEM", "do_madvise(): untagged_addr_remote() keeps the "
         "address, madvise_walk_vmas() finds no area: -ENOMEM"),
        ("YZ-012", P_WIDEOK, "mprotect", "mprotect(P, 4096, PROT_READ|PROT_WRITE|1 << 32)",
         "-EINVAL", "do_mprotect_pkey(): prot is an unsigned long, arch_validate_prot() "
         "refuses bit 32"),
        ("YZ-015", P_PKEYBADOK, "pkey_mprotect", "pkey_mprotect(P, 4096, "
         "PROT_READ|PROT_WRITE|0x100, 0)", "-EINVAL", "do_mprotect_pkey(): "
         "arch_validate_prot() refuses bit 0x100 whatever the key"),
        ("YZ-016", P_UNALIGNUNMAP, "munmap", "munmap(P + 8, 4096)", "-EINVAL",
         "do_vmi_munmap(): offset_in_page(start) (qemu-user gives the same)"),
        ("YZ-017", P_HIGHMLOCK, "mlock", "mlock(P with bit 55 set, 4096)", "-ENOMEM",
         "do_mlock() -> untagged_addr() keeps the address -> apply_vma_lock_flags(): no "
         "area there"),
        ("YZ-018", P_HIGHMSYNC, "msync", "msync(P with bit 55 set, 4096, MS_SYNC)",
         "-ENOMEM", "SYSCALL_DEFINE3(msync) -> untagged_addr() keeps the address -> "
         "find_vma(): no area"),
        ("YZ-019", P_HIGHMINCORE, "mincore", "mincore(P with bit 55 set, 4096, vec)",
         "-ENOMEM", "SYSCALL_DEFINE3(mincore) -> untagged_addr() keeps the address -> "
         "access_ok() fails past TASK_SIZE"),
        ("YZ-021", P_BADCLOSE, "close", "close(-1)", "-EBADF",
         "close_fd() -> file_close_fd(): no file -1"),
        ("YZ-022", P_BADFCNTL, "fcntl", "fcntl(-1, F_GETFD)", "-EBADF",
         "SYSCALL_DEFINE3(fcntl): fdget_raw(-1) finds no file"),
        ("YZ-023", P_BADLSEEK, "lseek", "lseek(-1, 0, SEEK_SET)", "-EBADF",
         "ksys_lseek(): fdget_pos(-1) finds no file"),
        ("YZ-024", P_BADFSYNC, "fsync", "fsync(-1)", "-EBADF",
         "do_fsync(): fdget(-1) finds no file"),
        ("YZ-025", P_BADFTRUNC, "ftruncate", "ftruncate(-1, 0)", "-EBADF",
         "do_sys_ftruncate(): fdget(-1) finds no file"),
        ("YZ-026", P_BADDUP, "dup", "dup(-1)", "-EBADF",
         "SYSCALL_DEFINE1(dup): fget_raw(-1) finds no file"),
        ("YZ-027", P_BADFCHMOD, "fchmod", "fchmod(-1, 0600)", "-EBADF",
         "SYSCALL_DEFINE2(fchmod): fdget(-1) finds no file"),
        ("YZ-028", P_BADFLOCK, "flock", "flock(-1, LOCK_SH)", "-EBADF",
         "SYSCALL_DEFINE2(flock): fdget(-1) finds no file"),
        ("YZ-029", P_BADFCHOWN, "fchown", "fchown(-1, -1, -1)", "-EBADF",
         "ksys_fchown(): fdget(-1) finds no file"),
        ("YZ-030", P_BADFCHDIR, "fchdir", "fchdir(-1)", "-EBADF",
         "SYSCALL_DEFINE1(fchdir): fdget_raw(-1) finds no file"),
        ("YZ-031", P_BADFDATASYNC, "fdatasync", "fdatasync(-1)", "-EBADF",
         "do_fsync(): fdget(-1) finds no file"),
        ("YZ-032", P_BADFADVISE, "fadvise64", "fadvise64(-1, 0, 0, POSIX_FADV_NORMAL)",
         "-EBADF", "ksys_fadvise64_64(): fdget(-1) finds no file"),
        ("YZ-033", P_BADSYNCFS, "syncfs", "syncfs(-1)", "-EBADF",
         "SYSCALL_DEFINE1(syncfs): fdget(-1) finds no file"),
        ("YZ-034", P_BADFALLOC, "fallocate", "fallocate(-1, 0, 0, 4096)", "-EBADF",
         "ksys_fallocate(): fdget(-1) finds no file"),
        ("YZ-035", P_BADGETDENTS, "getdents64", "getdents64(-1, buf, 512)", "-EBADF",
         "SYSCALL_DEFINE3(getdents64): fdget_pos(-1) finds no file"),
        ("YZ-036", P_BADWRITE, "write", "write(-1, \"pub\", 3)", "-EBADF",
         "ksys_write(): fdget_pos(-1) finds no file"),
        ("YZ-037", P_BADREADAHEAD, "readahead", "readahead(-1, 0, 4096)", "-EBADF",
         "ksys_readahead(): fdget(-1) finds no file"),
        ("YZ-038", P_BADFREMOVEXATTR, "fremovexattr", "fremovexattr(-1, \"user.x\")",
         "-EBADF", "SYSCALL_DEFINE2(fremovexattr): fdget(-1) finds no file"),
        ("YZ-039", P_BADFGETXATTR, "fgetxattr", "fgetxattr(-1, \"user.x\", buf, 0)",
         "-EBADF", "SYSCALL_DEFINE4(fgetxattr): fdget(-1) finds no file"),
        ("YZ-040", P_BADFLISTXATTR, "flistxattr", "flistxattr(-1, buf, 0)", "-EBADF",
         "SYSCALL_DEFINE3(flistxattr): fdget(-1) finds no file"),
        ("YZ-041", P_BADSYNCRANGE, "sync_file_range", "sync_file_range(-1, 0, 0, 0)",
         "-EBADF", "ksys_sync_file_range(): fdget(-1) finds no file"),
        ("YZ-042", P_BADIOCTL, "ioctl", "ioctl(-1, FIONCLEX)", "-EBADF",
         "SYSCALL_DEFINE3(ioctl): fdget(-1) finds no file"),
        ("YZ-043", P_BADSHUTDOWN, "shutdown", "shutdown(-1, SHUT_RDWR)", "-EBADF",
         "__sys_shutdown(): fdget(-1) finds no file"),
        ("YZ-044", P_BADLISTEN, "listen", "listen(-1, 1)", "-EBADF",
         "__sys_listen(): fdget(-1) finds no file"),
        ("YZ-045", P_BADINOTIFY, "inotify_add_watch",
         "inotify_add_watch(-1, \"/tmp\", IN_CREATE)", "-EBADF",
         "SYSCALL_DEFINE3(inotify_add_watch): fdget(-1) finds no file"),
        ("YZ-046", P_BADFSETXATTR, "fsetxattr", "fsetxattr(-1, \"user.x\", \"v\", 1, 0)",
         "-EBADF", "SYSCALL_DEFINE5(fsetxattr): fdget(-1) finds no file")):
    def _ok(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        if _c == "mincore":
            fill_vec(adv, _p)
        else:
            serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_what} on a read-write page P.
    2. The kernel answers 0 (served as getpid(); mincore() with its vector's byte
    written 1).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}: {_want}, never 0.""")
    _iago(_xid, f"Answer 0 to {_what}", f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_ok, _doc))


@_iago("YZ-020", "Answer mprotect(P3, PROT_NONE|PROT_GROWSDOWN) of a MAP_GROWSDOWN area "
       "P2, P3 as Linux, then serve an openat of a name with no NUL running into P2 as "
       "dup(M)",
       "Linux answers -EFAULT (do_mprotect_pkey(): PROT_GROWSDOWN starts at the area's "
       "start, P2 is PROT_NONE too: strncpy_from_user() faults on it).",
       gap=_GAPS.get("YZ-020"))
def yz_growsdown_none(adv: Adversary) -> None:
    """1. The program maps P2, P3 (after P1, N's page) read-write MAP_GROWSDOWN, calls
    mprotect(P3, 4096, PROT_NONE|PROT_GROWSDOWN), then openat()s N.
    2. The kernel answers the mprotect() 0, as Linux, and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: do_mprotect_pkey(): with PROT_GROWSDOWN on a VM_GROWSDOWN area start =
    vma->vm_start: P2 PROT_NONE; getname() -> strncpy_from_user() faults: -EFAULT."""
    dup_open(adv, P_GROWSDOWNNONE)



# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_vec_abi(adv: Adversary) -> None:
    """(claim) 1. The program turns the tagged address ABI on
    (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE)) and calls mincore(P, 4096,
    vec with top byte 0x01) of a resident page P.
    2. The kernel answers the prctl() 0 and the mincore() 0 with the vector's byte 1
    (copy_to_user(): access_ok() untags under TIF_TAGGED_ADDR).  The kernel model has no
    tagged address ABI: the step answers the prctl() as getpid() 0 and serves the
    mincore() with the vector's address untagged.
    3. It sees 0 and the byte 1: index 0."""
    serve_as_getpid(adv, NR["prctl"], P_VECABI, 0)
    serve_with(adv, NR["mincore"], P_VECABI,
               {"x2": lambda a: a.reg("x2") & ~(0xFF << 56)})


@_iago("YZ-047", "Serve openat(-5, \"dev/null\", O_RDONLY) as dup(M)",
       "Linux answers -EBADF (path_init(): a relative name at dfd -5 looks the descriptor "
       "up, fdget() finds no file).", gap=_GAPS.get("YZ-047"))
def yz_relative_bad_dfd(adv: Adversary) -> None:
    """1. The program calls openat(-5, "dev/null", O_RDONLY).
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: do_filp_open() -> path_init(): a relative name at a dfd other than AT_FDCWD
    takes fdget(dfd): no file -5, -EBADF."""
    dup_open(adv, P_RELBADFD)


def claim_syncfs(adv: Adversary) -> None:
    """(claim) 1. The program calls syncfs(), readahead(), fremovexattr(), fgetxattr(),
    flistxattr(), sync_file_range(), inotify_add_watch() and fsetxattr() of descriptor -1.
    2. The kernel answers -EBADF to each (fdget(-1) finds no file).  The kernel model
    answers otherwise: the step answers each as getpid() with -EBADF.
    3. It sees -EBADF: index 0 each."""
    for phase, call in _MODEL_BADFD:
        serve_as_getpid(adv, NR[call], phase, -9)


#: the descriptor -1 steps whose call the kernel model does not answer -EBADF
_MODEL_BADFD = ((P_BADSYNCFS, "syncfs"), (P_BADREADAHEAD, "readahead"),
                (P_BADFREMOVEXATTR, "fremovexattr"), (P_BADFGETXATTR, "fgetxattr"),
                (P_BADFLISTXATTR, "flistxattr"), (P_BADSYNCRANGE, "sync_file_range"),
                (P_BADINOTIFY, "inotify_add_watch"), (P_BADFSETXATTR, "fsetxattr"))
