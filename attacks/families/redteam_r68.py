"""Red-team round sixty-eight: the rules changed after round 67, both ways.

Since round 67 /proc/self/root, /proc/thread-self/root, /proc/<own pid>/root, a working
directory and a descriptor of "/" are followed to "/" where no chroot, mount or namespace call
was seen (Reach.root), /proc/self/cwd is the thread group leader's working directory, and the
rules that resolve a name judge only where the working directory and the dirfd held still
through the call (WorkDir.changed, Descriptors.wd_steady, base_steady).  This round asks
those rules of spellings not tried before and of a dirfd or working directory changed under
its number or by another process: /proc/self/task/<T>/cwd, /proc/<P>/task/<T>/root, "." and
"//" after /proc/self/root, a trailing "/" after a descriptor's fd link, a name of PATH_MAX
bytes, openat2() with RESOLVE_NO_MAGICLINKS, RESOLVE_BENEATH, RESOLVE_IN_ROOT and
RESOLVE_NO_SYMLINKS, 42 links, ".." at the root, O_NOFOLLOW and "/." on a memfd's fd link,
a relative name after fchdir() to a descriptor of /, a dirfd dup3()'d over and one closed and reopened at its number, and a
child cloned with CLONE_FS (no CLONE_THREAD) whose chdir() is the program's.

Each attack serves the open as dup(M) (M the program's memfd) where Linux answers an error;
the program then indexes -4 and writes the secret's first 8 bytes.  Every Linux answer is
what qemu-user gives natively on this host, but openat2()'s (qemu-user answers -ENOSYS: the
reference is nd_jump_link() and path_init()) and the CLONE_FS child's (qemu-user refuses the
clone: copy_fs() is the reference).

Through with the Guardian on when written (P5 gaps): YK-026 (/proc/self/cwd after the
leader exit()ed: Linux answers -ENOENT, exit_fs()), YK-027, YK-028 (/proc/self/fd/<M> and
/proc/self/fdinfo/<M> after it: -ENOENT on Linux, exit_files()).  They stay open: the kernel
model now answers -ENOENT there as Linux does, but exit_fs() and exit_files() run at an
instant of do_exit() the Guardian does not see, so an open that really raced the leader's
exit() may succeed on Linux and refusing on "exit() entered" would refuse it (as XX-009 and
XX-010's zombie fd directories).  Refused since: YK-001, YK-002, YK-023
(return.proc_entry_absent: /proc/<P>/task/<T>/cwd and root followed for the leader's and the
caller's tid), YK-005 (return.name_too_long: getname()'s -ENAMETOOLONG), YK-012, YK-024
(return.fd_dir_closed: "<M>" and /proc/self/cwd/<M> in the working directory /proc/<K>/fd a
CLONE_FS child K entered and closed M in, copy_fs()), YK-013..YK-015
(return.proc_entry_absent: Reach.root ends only at a call that may change the root,
root_moves.py), YK-016 (return.link_loop: pick_link()'s -ELOOP past MAXSYMLINKS).  Refused: YK-003, YK-004 (return.proc_entry_absent,
the fd link's trailing slash), YK-006, YK-007 (the dirfd's new file is followed), YK-008..
YK-011 (openat2's RESOLVE_* flags: nd_jump_link()), YK-017..YK-021 (".." at the root, O_NOFOLLOW
on a fd link, "/." after a memfd's fd link, a relative name from the working directory /), YK-022 (/proc/<P>/cwd), YK-025 (a dirfd a
CLONE_FILES child dup3()'d over), YK-029 (a fork child's "fd/W" in the pid directory of a
CLONE_FS child K1 that closed W: return.fd_dir_closed), YK-030..YK-034 (openat2(): a magic
link under RESOLVE_IN_ROOT, /proc crossed under RESOLVE_NO_XDEV, RESOLVE_CACHED with O_TRUNC,
an unknown resolve bit, an open_how of 16 bytes), YK-035 (an open_how of 32 bytes with a
non-zero tail).

Honest answers (tests/test_redteam_r68_claims.py): each name above with a number
name_to_int() takes opens, a name of PATH_MAX - 1 bytes opens, openat2() of
/proc/self/fdinfo/<M> with RESOLVE_NO_MAGICLINKS and of "/<M>" in a fdinfo dirfd with
RESOLVE_IN_ROOT and "<M>" in it with RESOLVE_NO_XDEV open, openat2() of /proc/self/fd/<M>
with an open_how of 24 and of 32 bytes reopens M, the CLONE_FS child's "<Y>" opens in the program, a fork child's "fd/X"
opens X in the pid directory of a CLONE_FS child K1 that keeps X, and a thread's
/proc/self/cwd, /proc/self/fd/<M> and /proc/self/fdinfo/<M> after its leader exit()ed are
-ENOENT (claim_leader_gone): no false refusal found.  The kernel model has no openat2() (and gave a CLONE_FS child a copy of the
fs_struct and kept an exited leader's working directory and table: it no longer does), so claim_openat2,
claim_fs_child, claim_fs_fork and claim_leader_gone serve those calls as Linux answers
them.

The victim is `secret_r68_rules` (workloads/src/secret_r68_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r68"
RULES = "secret_r68_rules"
(P_TASKCWDZ, P_PIDTASKROOT, P_ROOTDOT, P_FDSLASH, P_RNOMAGIC, P_RBENEATH, P_RINROOTFD, P_RNOSYM, P_LONGNAME, P_DUP3Z, P_REOPENZ, P_FSCHILDGONE, P_HTASKCWD, P_HPIDTASKROOT, P_HROOTDOT, P_HRNOMAGIC, P_HRINROOTINFO, P_HLONGNAME, P_HDUP3, P_HREOPEN, P_HFSCHILDNEW, P_HFDSLASHDIR, P_UNSHAREROOT, P_RENAMEROOT, P_CHROOTROOT, P_UNSHAREAT, P_RENAMEAT,
 P_CHROOTAT, P_LOOPS, P_HLOOPS, P_RTUP, P_HRTUP, P_ROOTUP, P_NOFOLLOW, P_FDDOT, P_FCHROOTREL,
 P_HFCHROOTREL, P_PIDCWDZ, P_TASKROOTZ, P_FSCWDLINK, P_HFSCWDLINK, P_FILESDUPZ,
 P_HFILESDUP, P_LEADGONE, P_LEADFD, P_LEADINFO, P_HLEADTS, P_HFSK2, P_FSK2GONE, P_RINROOTABS, P_RNOXDEV, P_HRNOXDEV, P_RCACHED, P_RBADBIT,
 P_RSMALL, P_HRPLAIN, P_HRBIG, P_RBIGTAIL) = range(7900, 8016, 2)
P_FIRST, P_LAST = P_TASKCWDZ, P_RBIGTAIL
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int, call: str = "openat") -> None:
    """Serve the next `call` after `phase` (in whichever process makes it) as dup() of the
    marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR[call], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_GAPS: dict[str, str | None] = dict.fromkeys(
    ("YK-026", "YK-027", "YK-028"), "P5")
for _xid, _phase, _call, _name, _flags, _want, _linux in (
        ("YK-001", P_TASKCWDZ, "openat", "/proc/self/task/<own tid>/cwd/0<M> after "
         "chdir(\"/proc/self/fdinfo\")", "O_RDONLY", "-ENOENT",
         "proc_cwd_link() of the task -> nd_jump_link() to /proc/<pid>/fdinfo; "
         "proc_fdinfo_lookup() -> name_to_int() takes no leading zero"),
        ("YK-002", P_PIDTASKROOT, "openat", "/proc/<own pid>/task/<own tid>/root/proc/"
         "0<own pid>/fd/M", "O_RDWR", "-ENOENT",
         "proc_root_link() of the task -> nd_jump_link() to /; proc_pid_lookup() -> "
         "name_to_int() takes no leading zero"),
        ("YK-003", P_ROOTDOT, "openat", "/proc/self/root/./proc//0<own pid>/fd/M", "O_RDWR",
         "-ENOENT", "proc_root_link() -> /, \".\" and \"//\" change nothing; "
         "proc_pid_lookup() -> name_to_int() takes no leading zero"),
        ("YK-004", P_FDSLASH, "openat", "/proc/self/fd/<M>/ (a trailing slash)", "O_RDWR",
         "-ENOTDIR", "proc_fd_link() -> nd_jump_link() to M's memfd; the trailing slash "
         "asks for a directory (LOOKUP_DIRECTORY), do_open() -> -ENOTDIR"),
        ("YK-005", P_LONGNAME, "openat", "/proc/self/fdinfo/././.../<M>, 4096 bytes before "
         "its NUL", "O_RDONLY", "-ENAMETOOLONG",
         "getname() -> strncpy_from_user() fills PATH_MAX bytes with no NUL"),
        ("YK-006", P_DUP3Z, "openat", "\"0<M>\" relative to I, a descriptor of "
         "/proc/self/fdinfo dup3()'d over by one of /proc/self/fd", "O_RDWR", "-ENOENT",
         "I is now /proc/<pid>/fd (do_dup2() replaces the file); proc_lookupfd_common() -> "
         "name_to_int() takes no leading zero"),
        ("YK-007", P_REOPENZ, "openat", "\"0<M>\" relative to I, closed and reopened as "
         "/proc/self/fdinfo at its number", "O_RDONLY", "-ENOENT",
         "proc_fdinfo_lookup() -> name_to_int() takes no leading zero"),
        ("YK-008", P_RNOMAGIC, "openat2", "/proc/self/fd/<M> with RESOLVE_NO_MAGICLINKS",
         "O_RDWR", "-ELOOP", "nd_jump_link(): LOOKUP_NO_MAGICLINKS"),
        ("YK-009", P_RBENEATH, "openat2", "\"proc/<own pid>/fd/<M>\" relative to a "
         "descriptor of / with RESOLVE_BENEATH", "O_RDWR", "-EXDEV",
         "nd_jump_link(): a magic link is refused to a scoped lookup (LOOKUP_IS_SCOPED)"),
        ("YK-010", P_RINROOTFD, "openat2", "\"/<M>\" relative to a descriptor of "
         "/proc/self/fd with RESOLVE_IN_ROOT", "O_RDWR", "-EXDEV",
         "path_init() starts at the dirfd; nd_jump_link(): LOOKUP_IS_SCOPED"),
        ("YK-011", P_RNOSYM, "openat2", "/dev/fd/<M> with RESOLVE_NO_SYMLINKS", "O_RDWR",
         "-ELOOP", "pick_link(): LOOKUP_NO_SYMLINKS refuses /dev/fd, an ordinary link"),
        ("YK-012", P_FSCHILDGONE, "openat", "\"<M>\" after a child K cloned with CLONE_FS "
         "chdir()s to /proc/self/fd and closes its copy of M", "O_RDWR", "-ENOENT",
         "copy_fs() shares the fs_struct: the program's working directory is /proc/<K>/fd, "
         "proc_lookupfd_common() finds no M in K's table"),
        ("YK-016", P_LOOPS, "openat", "\"/proc/self/root\" 20 times + /proc/self/fd/<M> "
         "(42 links)", "O_RDWR", "-ELOOP",
         "pick_link(): total_link_count reaches MAXSYMLINKS (40)"),
        ("YK-017", P_RTUP, "openat", "/proc/self/fd/<R>/../proc/0<own pid>/fd/M, R a "
         "descriptor of /", "O_RDWR", "-ENOENT", "proc_fd_link() -> /, follow_dotdot() "
         "stays at the root; proc_pid_lookup() -> name_to_int() takes no leading zero"),
        ("YK-018", P_ROOTUP, "openat", "/proc/self/root/../proc/0<own pid>/fd/M", "O_RDWR",
         "-ENOENT", "proc_root_link() -> /, follow_dotdot() stays at the root; "
         "proc_pid_lookup() -> name_to_int() takes no leading zero"),
        ("YK-019", P_NOFOLLOW, "openat", "/proc/self/fd/<M> with O_NOFOLLOW",
         "O_RDWR|O_NOFOLLOW", "-ELOOP",
         "the last component is a link and O_NOFOLLOW: open_last_lookups() -> "
         "step_into() does not follow, do_open() -> -ELOOP"),
        ("YK-020", P_FDDOT, "openat", "/proc/self/fd/<M>/.", "O_RDWR", "-ENOTDIR",
         "proc_fd_link() -> M's memfd, \".\" after a non-directory: link_path_walk() "
         "-> may_lookup()/d_can_lookup(), -ENOTDIR"),
        ("YK-021", P_FCHROOTREL, "openat", "\"proc/0<own pid>/fd/M\" after fchdir(R), R a "
         "descriptor of /", "O_RDWR", "-ENOENT",
         "the working directory is /; proc_pid_lookup() -> name_to_int() takes no leading "
         "zero"),
        ("YK-022", P_PIDCWDZ, "openat", "/proc/<own pid>/cwd/0<M> after "
         "chdir(\"/proc/self/fdinfo\")", "O_RDONLY", "-ENOENT",
         "proc_cwd_link() -> /proc/<pid>/fdinfo; proc_fdinfo_lookup() -> name_to_int() "
         "takes no leading zero"),
        ("YK-023", P_TASKROOTZ, "openat", "/proc/self/task/<own tid>/root/proc/0<own pid>/"
         "fd/M", "O_RDWR", "-ENOENT", "proc_root_link() of the task -> /; "
         "proc_pid_lookup() -> name_to_int() takes no leading zero"),
        ("YK-024", P_FSCWDLINK, "openat", "/proc/self/cwd/<M> after a child K cloned with "
         "CLONE_FS chdir()s to /proc/self/fd and closes its copy of M", "O_RDWR", "-ENOENT",
         "copy_fs() shares the fs_struct: proc_cwd_link() -> /proc/<K>/fd, "
         "proc_lookupfd_common() finds no M in K's table"),
        ("YK-025", P_FILESDUPZ, "openat", "\"0<M>\" relative to I, a descriptor of "
         "/proc/self/fdinfo a child cloned with CLONE_FILES dup3()'d over with one of "
         "/proc/self/fd", "O_RDWR", "-ENOENT",
         "copy_files() shares the table, do_dup2() replaced I's file: /proc/<pid>/fd; "
         "proc_lookupfd_common() -> name_to_int() takes no leading zero"),
        ("YK-030", P_RINROOTABS, "openat2", "\"/proc/<own pid>/fd/<M>\" relative to a "
         "descriptor of / with RESOLVE_IN_ROOT", "O_RDWR", "-EXDEV",
         "nd_jump_link(): a magic link is refused to a scoped lookup (LOOKUP_IS_SCOPED)"),
        ("YK-031", P_RNOXDEV, "openat2", "/proc/self/fd/<M> with RESOLVE_NO_XDEV", "O_RDWR",
         "-EXDEV", "/proc is a mount point: traverse_mounts() / handle_mounts() under "
         "LOOKUP_NO_XDEV"),
        ("YK-032", P_RCACHED, "openat2", "/proc/self/fd/<M> with RESOLVE_CACHED",
         "O_RDWR|O_TRUNC", "-EAGAIN",
         "build_open_flags(): RESOLVE_CACHED with O_TRUNC"),
        ("YK-033", P_RBADBIT, "openat2", "/proc/self/fd/<M> with resolve 0x40", "O_RDWR",
         "-EINVAL", "build_open_flags(): a resolve bit outside VALID_RESOLVE_FLAGS"),
        ("YK-034", P_RSMALL, "openat2", "/proc/self/fd/<M> with an open_how of 16 bytes",
         "O_RDWR", "-EINVAL", "sys_openat2(): usize < OPEN_HOW_SIZE_VER0 (24)"),
        ("YK-035", P_RBIGTAIL, "openat2", "/proc/self/fd/<M> with an open_how of 32 bytes "
         "whose tail is 1", "O_RDWR", "-E2BIG",
         "copy_struct_from_user(): a non-zero byte past the struct the kernel knows")):
    def _open(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        dup_open(adv, _p, _c)
    _doc = (f"""1. The program (its pid and tid told, M a memfd) calls {_call}() on {_name} {_flags}.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux}, {_want}.""")
    _iago(_xid, f"Serve an {_flags} {_call} of {_name} as dup(M)",
          f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_open, _doc))


for _xid, _phase, _at, _nr, _arg_, _call_txt, _linux in (
        ("YK-013", P_UNSHAREROOT, P_UNSHAREAT, "unshare", b"-u", "unshare(CLONE_FS)",
         "unshare_fs() gives the caller a copy of its own fs_struct (copy_fs_struct(): the "
         "same root and working directory)"),
        ("YK-014", P_RENAMEROOT, P_RENAMEAT, "renameat2", b"-r", "renameat2() of its own file /tmp/r68-<P>-a to "
         "/tmp/r68-<P>-b", "a rename in /tmp moves no root and no mount"),
        ("YK-015", P_CHROOTROOT, P_CHROOTAT, "chroot", b"-c", "chroot(\"/\")",
         "chroot() -> set_fs_root() to the root the caller had")):
    def _moved(adv: Adversary, _p: int = _phase, _a: int = _at, _n: str = _nr) -> None:
        serve_as_getpid(adv, NR[_n], _a, 0)
        dup_open(adv, _p)
    _doc = (f"""1. The program (its pid told, M a memfd) calls {_call_txt}, then openat()s
    /proc/self/root/proc/0<P>/fd/M O_RDWR.
    2. The kernel answers the first call 0, as Linux does (the kernel model has no
    unshare() and no /tmp, so it is served as Linux answers it), serves the open as dup(M)
    and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux}; proc_root_link() -> nd_jump_link() to /, proc_pid_lookup() ->
    name_to_int() takes no leading zero, -ENOENT (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_RDWR open of /proc/self/root/proc/0<P>/fd/M after "
          f"{_call_txt} as dup(M)",
          f"{_call_txt} moves no root ({_linux}): a leading zero names no /proc pid, "
          "-ENOENT.", gap=_GAPS.get(_xid), args=(_arg_,))(documented(_moved, _doc))


@_iago("YK-029", "Serve a fork child's open of \"fd/W\", its working directory /proc/<K1> "
       "of a CLONE_FS child K1 that closed W, as dup(W)",
       "K1's chdir(\"/proc/self\") is the program's (copy_fs() shares), the fork child's a "
       "copy: proc_lookupfd_common() finds no W in K1's table, -ENOENT.",
       gap=_GAPS.get("YK-029"))
def yk_fs_fork_gone(adv: Adversary) -> None:
    """1. A child K1 cloned with CLONE_FS closes its copy of W and chdir()s to /proc/self;
    the program forks K2, which openat()s "fd/W" O_RDWR.
    2. The kernel serves it as dup(W) (K2's own W) and answers the new descriptor.
    3. K2 sees a descriptor: index -4, secret bytes 0..7.
    Linux: the program's working directory is /proc/<K1> (copy_fs() shares the fs_struct
    with K1), K2's a copy of it; proc_lookupfd_common() looks W up in K1's table, where it
    is closed: -ENOENT (qemu-user refuses the CLONE_FS clone: copy_fs() is the
    reference)."""
    dup_open(adv, P_FSK2GONE)


@_iago("YK-026", "Serve a thread's open of /proc/self/cwd/<M> after the thread group's "
       "leader exit()ed as dup(M)",
       "/proc/self names the leader, whose task->fs exit_fs() cleared: proc_cwd_link() "
       "answers -ENOENT.", gap=_GAPS.get("YK-026"), args=(b"-l",))
def yk_leader_gone(adv: Adversary) -> None:
    """1. The program chdir()s to /proc/self/fdinfo, makes a thread T (CLONE_FS, its
    working directory the same) and its leader exit()s; T openat()s /proc/self/cwd/<M>
    O_RDONLY.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. T sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_self_get_link() names the thread group (the leader's pid); do_exit() ->
    exit_fs() set the leader's task->fs to NULL, so proc_cwd_link() answers -ENOENT
    (qemu-user on this host)."""
    dup_open(adv, P_LEADGONE)


for _xid, _phase, _name, _flags, _what in (
        ("YK-027", P_LEADFD, "/proc/self/fd/<M>", "O_RDWR", "task->files, exit_files()"),
        ("YK-028", P_LEADINFO, "/proc/self/fdinfo/<M>", "O_RDONLY",
         "task->files, exit_files()")):
    def _gone(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program makes a thread T (CLONE_FS, CLONE_FILES) and its leader exit()s;
    T openat()s {_name} {_flags}.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. T sees a descriptor: index -4, secret bytes 0..7.
    Linux: /proc/self names the thread group's leader (proc_self_get_link()), whose
    {_what} cleared: proc_lookupfd_common() / proc_fdinfo_lookup() find no table, -ENOENT
    (qemu-user on this host; /proc/thread-self/fd/<M> opens).""")
    _iago(_xid, f"Serve a thread's {_flags} open of {_name} after the thread group's "
          "leader exit()ed as dup(M)",
          f"/proc/self is the leader, whose {_what} cleared: -ENOENT.",
          gap=_GAPS.get(_xid), args=(b"-l",))(documented(_gone, _doc))


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_openat2(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s /proc/self/fdinfo/<M> O_RDONLY with
    RESOLVE_NO_MAGICLINKS, and "/<M>" O_RDONLY with RESOLVE_IN_ROOT relative to I, a
    descriptor of /proc/self/fdinfo, "<M>" O_RDONLY relative to I with RESOLVE_NO_XDEV, and
    /proc/self/fd/<M> O_RDWR with resolve 0 and an open_how of 24 and of 32 bytes (its tail
    zero).
    2. The kernel opens M's fdinfo entry each time: /proc/self is an ordinary link
    (proc_self_get_link()), no magic link is met, RESOLVE_IN_ROOT starts "/" at I
    (path_init(), nd_jump_root()) and no mount is crossed below I; the plain opens reopen M
    (proc_fd_link(); copy_struct_from_user() takes a zero tail) (the kernel model has no openat2 and answers -ENOSYS,
    qemu-user too, so the step serves each call as dup(M), a descriptor as Linux's).
    3. It sees a descriptor: index 0 each."""
    dup_open(adv, P_HRNOMAGIC, "openat2")
    dup_open(adv, P_HRINROOTINFO, "openat2")
    dup_open(adv, P_HRNOXDEV, "openat2")
    dup_open(adv, P_HRPLAIN, "openat2")
    dup_open(adv, P_HRBIG, "openat2")


def claim_fs_child(adv: Adversary) -> None:
    """(claim) 1. A child K cloned with CLONE_FS | SIGCHLD makes a memfd Y (at a number
    free in the program), chdir()s to /proc/self/fd; the program openat()s "<Y>" and
    /proc/self/cwd/<Y> O_RDWR.
    2. The kernel opens K's Y: copy_fs() shares the fs_struct, so the program's working
    directory is /proc/<K>/fd (proc_cwd_link() too), where proc_lookupfd_common() finds
    Y (qemu-user refuses the clone; the step serves the opens as dup(M), a descriptor of a
    memfd as Linux's; the kernel model shares the fs_struct too, Process.fs_peers).
    3. It sees a descriptor: index 0 each."""
    dup_open(adv, P_HFSCHILDNEW)
    dup_open(adv, P_HFSCWDLINK)


def claim_leader_gone(adv: Adversary) -> None:
    """(claim) 1. The program chdir()s to /proc/self/fdinfo, makes a thread T (CLONE_FS,
    CLONE_FILES) and its leader exit()s; T openat()s /proc/self/cwd/<M>, /proc/self/fd/<M>
    and /proc/self/fdinfo/<M>.
    2. The kernel answers -ENOENT each: exit_fs() and exit_files() cleared the leader's
    task->fs and task->files, so proc_cwd_link(), proc_lookupfd_common() and
    proc_fdinfo_lookup() find none (qemu-user on this host; the kernel model answers so
    too, procfs._leader_gone(); the step answers -ENOENT as Linux).
    3. T sees -ENOENT: index 0 each."""
    serve_as_getpid(adv, NR["openat"], P_LEADGONE, -2, init_only=False)
    serve_as_getpid(adv, NR["openat"], P_LEADFD, -2, init_only=False)
    serve_as_getpid(adv, NR["openat"], P_LEADINFO, -2, init_only=False)


def claim_fs_fork(adv: Adversary) -> None:
    """(claim) 1. A child K1 cloned with CLONE_FS chdir()s to /proc/self; the program
    closes X (K1 keeps it) and forks K2, which openat()s "fd/X" O_RDWR.
    2. The kernel opens K1's X: the working directory /proc/<K1> is the program's
    (copy_fs() shares) and K2's (a copy), proc_lookupfd_common() finds X in K1's table
    (qemu-user refuses the clone; the step serves the open as dup(Z), a new descriptor of
    a memfd as Linux's; the kernel model shares the fs_struct too, Process.fs_peers).
    3. K2 sees a descriptor: index 0."""
    dup_open(adv, P_HFSK2)
