"""Red-team round seventy: return.name_too_long and return.link_loop as changed after round
69, both ways.

Since round 69 every call that takes a name is refused a success where its name has no NUL
within PATH_MAX or runs into a hole the program unmapped (return.name_too_long,
guardian/path_names.py), and an openat(), openat2() or chdir() whose name follows more than
MAXSYMLINKS links the Guardian knows of is refused (return.link_loop,
guardian/link_loops.py), the last component counted unless O_NOFOLLOW, O_CREAT or
O_TMPFILE.  This round asks what they leave out: the last component of an open with O_CREAT
(no O_EXCL) or O_TMPFILE, which Linux follows all the same; /proc/net, a link to "self/net";
openat2()'s RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS; names past 40 links to
faccessat() and chroot(); names of PATH_MAX bytes to calls the table lacks (open_tree(),
umount2()); and whether utimensat() reads its name at all.

Each open attack serves the open as dup(M) (M the program's memfd) where Linux answers an
error; the other calls are served as getpid() answering 0.  The program then indexes -4 and
writes the secret's first 8 bytes.  Every Linux answer is what the host kernel gives (a
native program on this host; qemu-user where it can show it).

Through with the Guardian on when written, refused since (return.link_loop,
guardian/link_loops.py): YQ-001, YQ-002 (O_CREAT without O_EXCL and O_TMPFILE follow the
last component: build_open_flags() keeps LOOKUP_FOLLOW), YQ-012 (a trailing slash follows
it whatever O_NOFOLLOW), YQ-004, YQ-016 (/proc/net and /proc/mounts count two links each,
they and /proc/self), YQ-007, YQ-008 (faccessat(), chroot() and the other calls that look
a name up: faccessat2, newfstatat, statx, fchmodat(2), fchownat, truncate, mkdirat's
parents), YQ-020 (a thread blocked in read() into a buffer apart, a futex wait or a sleep
change no name, descriptor, working directory or root), YQ-022 (a dirfd opened as
/proc/self/root is the root: proc_root_link()), YQ-023 (a symlinkat() or linkat() of a new
name directly in /tmp keeps Reach.root, guardian/root_moves.py).

Through with the Guardian on when written (P5 gaps): YQ-013, YQ-014 (a name running into a
PROT_NONE page or a page past a memfd's EOF: return.name_too_long judges only a hole the
program's munmap left), YQ-017, YQ-018 (an openat() of NULL or of an address above
TASK_SIZE: no rule judges a success on a name the Guardian cannot read), YQ-019
(utimensat() of NULL with dfd AT_FDCWD: return.name_too_long skips every NULL name, as if
it were the descriptor), YQ-024 (an openat() through a tagged pointer with the tagged
address ABI off: no rule judges a success on a name access_ok() refuses), YQ-009,
YQ-010 (open_tree() and umount2() are not in guardian/path_names.py).  Refused: YQ-003
(O_PATH: return.link_loop counts the last component), YQ-005, YQ-006 (openat2()'s
RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS: guardian/reopen_walks.py), YQ-011
(utimensat() with times NULL: return.name_too_long), YQ-015 ("/proc/self/fd/<R>" x 20
with R a descriptor of "/", and YQ-021, 42 links relative to a dirfd opened as "/.":
return.link_loop).  Refused since (return.name_too_long, guardian/long_names.py and
guardian/unread_names.py): YQ-013 (a PROT_NONE page the program's own mprotect left is a
fault before the NUL), YQ-017, YQ-018, YQ-024 (a name at NULL, at or above TASK_SIZE, or
tagged where the thread has no tagged address ABI, guardian/tagged_abi.py: access_ok() refuses it),
YQ-019 (a NULL name is the descriptor only where the call takes it so: utimensat() with
dfd not AT_FDCWD, AT_EMPTY_PATH, acct(), quotactl()), YQ-009, YQ-010 (open_tree, move_mount,
fspick, mount's target, umount2, pivot_root, swapon, swapoff, acct and quotactl are in
guardian/path_names.py), YQ-014 (guardian/memfd_eof.py: a page of a memfd only the
program holds at or past its end -- a size its own calls set, none changing it through
the call -- faults, shmem_fault() VM_FAULT_SIGBUS; the name's bytes in its MAP_SHARED page
are read quiet where no other tree maps the memfd and no other call of the domain is in
flight).

Honest answers (tests/test_redteam_r70_claims.py): "/proc" + "/net/../.." x 19 +
"/self/fd/<M>" (40 links) opens M; utimensat() with both times UTIME_OMIT answers 0 without
reading its name (SYSCALL_DEFINE4(utimensat): "Nothing to do, we must not even check the
path"), whether the name has no NUL within PATH_MAX or runs into an unmapped page; the
kernel model read the name first when written (it answers 0 now, and -EFAULT to a NULL
name at AT_FDCWD), and claim_omit answers both as Linux.  A name with no
NUL that runs to the end of a page whose next page the program unmapped and then mapped
again (mremap() growing the page in place, or brk() growing the heap over it: a zero
page, a NUL) opens M; with the working directory /proc/<P>/fd entered through /dev/stdin
or /dev/fd/<D>, "/proc/self" + "/cwd/../fd/.." x 14 + "/fd/<M>" follows 16 links and
opens M (claim_cwd: the kernel model refuses those chdir() calls).  False refusal when
written: utimensat() with both times UTIME_OMIT (accepted since: unread_names.names_read()
judges no name of a utimensat() whose times are both UTIME_OMIT or not read quiet).

The victim is `secret_r70_rules` (workloads/src/secret_r70_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r70"
RULES = "secret_r70_rules"
(P_CREATLAST, P_TMPFILELAST, P_PATHLAST, P_NETLOOPS, P_HNETLOOPS, P_NOSYMLINKS, P_NOMAGIC,
 P_ACCESSLOOPS, P_CHROOTLOOPS, P_TREELONG, P_UMOUNTLONG, P_UTIMENOW, P_UTIMEOMIT,
 P_UTIMEHOLE, P_NOFOLLOWSLASH, P_PROTNONE, P_PASTEOF, P_REMAPFILL, P_STDINCWD,
 P_DEVFDCWD, P_FDROOTLOOPS, P_BRKFILL, P_MOUNTSLOOPS, P_NULLNAME,
 P_HIGHNAME, P_UTIMENULL, P_BLOCKEDLOOPS, P_DOTROOTLOOPS,
 P_SELFROOTLOOPS, P_SYMLINKLOOPS, P_TAGNAME) = range(8500, 8562, 2)
P_FIRST, P_LAST = P_CREATLAST, P_TAGNAME
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int, call: str = "openat") -> None:
    """Serve the next `call` after `phase` as dup() of the marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR[call], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_L = "\"/proc/self/root\" x 20 + \"/proc/self\""
_GAPS: dict[str, str | None] = {}
for _xid, _phase, _call, _name, _want, _linux in (
        ("YQ-001", P_CREATLAST, "openat", f"{_L} O_RDWR|O_CREAT", "-ELOOP",
         "build_open_flags() asks LOOKUP_FOLLOW unless O_NOFOLLOW or O_EXCL; "
         "open_last_lookups() -> step_into() -> pick_link() counts the last component's "
         "link: the 41st"),
        ("YQ-002", P_TMPFILELAST, "openat", f"{_L} O_RDWR|O_TMPFILE", "-ELOOP",
         "do_tmpfile() -> path_lookupat() with LOOKUP_FOLLOW follows the last component: "
         "pick_link() counts the 41st"),
        ("YQ-003", P_PATHLAST, "openat", f"{_L} O_PATH", "-ELOOP",
         "O_PATH without O_NOFOLLOW follows the last component: pick_link(), the 41st"),
        ("YQ-004", P_NETLOOPS, "openat", "\"/proc\" + \"/net/../..\" x 21 + "
         "\"/self/fd/<M>\" O_RDWR", "-ELOOP",
         "/proc/net is a link to \"self/net\" (proc_net_init() -> proc_symlink()): it and "
         "/proc/self each time, 44 links; pick_link() past MAXSYMLINKS (40)"),
        ("YQ-005", P_NOSYMLINKS, "openat2", "\"/proc/self/fd/<M>\" with RESOLVE_NO_SYMLINKS",
         "-ELOOP", "pick_link() refuses every link under LOOKUP_NO_SYMLINKS"),
        ("YQ-006", P_NOMAGIC, "openat2", "\"/proc/self/fd/<M>\" with RESOLVE_NO_MAGICLINKS",
         "-ELOOP", "nd_jump_link() refuses the magic link fd/<M> under "
         "LOOKUP_NO_MAGICLINKS"),
        ("YQ-012", P_NOFOLLOWSLASH, "openat", f"{_L} + \"/\" O_RDONLY|O_NOFOLLOW|"
         "O_DIRECTORY", "-ELOOP",
         "a trailing slash asks LOOKUP_FOLLOW | LOOKUP_DIRECTORY whatever O_NOFOLLOW "
         "(open_last_lookups()): pick_link() counts the 41st"),
        ("YQ-013", P_PROTNONE, "openat", "\"///.../proc/self/fd/<M>\" with no NUL, "
         "ending where a PROT_NONE page of the program's begins", "-EFAULT",
         "getname() -> strncpy_from_user() faults on the PROT_NONE page (access_error())"),
        ("YQ-014", P_PASTEOF, "openat", "\"///.../proc/self/fd/<M>\" with no NUL, "
         "ending at the end of a MAP_SHARED memfd page whose next page lies past EOF",
         "-EFAULT", "getname() -> strncpy_from_user() faults past EOF (shmem_fault(): "
         "VM_FAULT_SIGBUS)"),
        ("YQ-015", P_FDROOTLOOPS, "openat", "\"/proc/self/fd/<R>\" x 20 + "
         "\"/proc/self/fd/<M>\", R a descriptor of \"/\" (42 links)", "-ELOOP",
         "/proc/self and fd/<R> each time (proc_fd_link() -> nd_jump_link() to \"/\"); "
         "pick_link() past MAXSYMLINKS (40)"),
        ("YQ-016", P_MOUNTSLOOPS, "openat", "\"/proc/self/root\" x 20 + "
         "\"/proc/mounts\" O_RDONLY", "-ELOOP",
         "/proc/mounts is a link to \"self/mounts\" (proc_self_init(), "
         "proc_symlink()): it and /proc/self, 42 links; pick_link() past MAXSYMLINKS"),
        ("YQ-017", P_NULLNAME, "openat", "NULL (O_RDWR)", "-EFAULT",
         "getname() -> strncpy_from_user() faults at address 0"),
        ("YQ-018", P_HIGHNAME, "openat", "1 << 48, above TASK_SIZE with no tag (O_RDWR)",
         "-EFAULT", "strncpy_from_user(): access_ok() refuses the address"),
        ("YQ-020", P_BLOCKEDLOOPS, "openat", "\"/proc/self/root\" x 20 + "
         "\"/proc/self/fd/<M>\" O_RDWR (42 links) while a thread of the program is blocked "
         "in read() of an empty pipe into a buffer of its own", "-ELOOP",
         "pick_link() past MAXSYMLINKS (40); the blocked read() changes no table, working "
         "directory or root"),
        ("YQ-021", P_DOTROOTLOOPS, "openat", "\"proc/self/root/\" x 20 + "
         "\"/proc/self/fd/<M>\" relative to R, opened as \"/.\" (42 links)", "-ELOOP",
         "path_init() starts at R, the root; pick_link() past MAXSYMLINKS (40)"),
        ("YQ-022", P_SELFROOTLOOPS, "openat", "\"proc/self/root/\" x 20 + "
         "\"/proc/self/fd/<M>\" relative to R, opened as \"/proc/self/root\" (42 links)",
         "-ELOOP", "proc_root_link(): R is the root; pick_link() past MAXSYMLINKS (40)"),
        ("YQ-024", P_TAGNAME, "openat", "\"/proc/self/fd/<M>\" through a pointer with "
         "top byte 0x01, the tagged address ABI off (O_RDWR)", "-EFAULT",
         "access_ok() untags only under TIF_TAGGED_ADDR: strncpy_from_user() refuses it"),
        ("YQ-009", P_TREELONG, "open_tree", "4096 bytes \"/\" with no NUL (flags 0)",
         "-ENAMETOOLONG", "user_path_at() -> getname() -> strncpy_from_user() fills "
         "PATH_MAX bytes with no NUL")):
    def _open(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        dup_open(adv, _p, _c)
    _doc = (f"""1. The program (M a memfd) calls {_call}() on {_name}.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux}, {_want} (the host kernel natively).""")
    _iago(_xid, f"Serve an {_call} of {_name} as dup(M)",
          f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_open, _doc))


for _xid, _phase, _call, _name, _want, _linux in (
        ("YQ-007", P_ACCESSLOOPS, "faccessat", "\"/proc/self/root\" x 20 + "
         "\"/proc/self/fd/<M>\" (42 links), F_OK", "-ELOOP",
         "do_faccessat() -> user_path_at() -> pick_link() past MAXSYMLINKS (40)"),
        ("YQ-008", P_CHROOTLOOPS, "chroot", "\"/proc/self/root\" x 20 + "
         "\"/proc/self/fd/<M>\" (42 links)", "-ELOOP",
         "ksys_chroot() -> user_path_at() -> pick_link() past MAXSYMLINKS (40), before "
         "any capability check"),
        ("YQ-010", P_UMOUNTLONG, "umount2", "4096 bytes \"/\" with no NUL",
         "-ENAMETOOLONG (-EPERM without CAP_SYS_ADMIN)",
         "ksys_umount() -> may_mount(), then user_path_at() -> getname()"),
        ("YQ-011", P_UTIMENOW, "utimensat", "4096 bytes \"/\" with no NUL, times NULL",
         "-ENAMETOOLONG", "do_utimes_path() -> user_path_at() -> getname()"),
        ("YQ-019", P_UTIMENULL, "utimensat", "NULL with dfd AT_FDCWD, times NULL",
         "-EFAULT", "do_utimes() takes a NULL name as the descriptor only where dfd is not "
         "AT_FDCWD; do_utimes_path() -> getname() faults at address 0")):
    def _named(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_call}() on {_name}.
    2. The kernel serves it as getpid() and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}, {_want} (the host kernel natively).""")
    _iago(_xid, f"Answer 0 to a {_call} of {_name}",
          f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_named, _doc))


@_iago("YQ-023", "Answer 0 to a symlinkat(\"/\", \"/tmp/r70-link\"), then serve an "
       "openat of \"/proc/self/root\" x 20 + \"/proc/self/fd/<M>\" as dup(M)",
       "A new link in /tmp moves no root (do_symlinkat() -> vfs_symlink()): pick_link() "
       "answers -ELOOP past MAXSYMLINKS all the same.", gap=_GAPS.get("YQ-023"))
def yq_symlink_then_loops(adv: Adversary) -> None:
    """1. The program calls symlinkat("/", AT_FDCWD, "/tmp/r70-link"), then openat()s
    "/proc/self/root" x 20 + "/proc/self/fd/<M>" O_RDWR (42 links).
    2. The kernel answers 0 to the symlinkat() (served as getpid(); Linux answers so with
    a /tmp the program may write) and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: do_symlinkat() makes a link in /tmp and moves no fs->root and no mount;
    pick_link() past MAXSYMLINKS (40): -ELOOP (the host kernel natively)."""
    serve_as_getpid(adv, NR["symlinkat"], P_SYMLINKLOOPS, 0)
    dup_open(adv, P_SYMLINKLOOPS)


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_omit(adv: Adversary) -> None:
    """(claim) 1. The program calls utimensat(AT_FDCWD, name, {UTIME_OMIT, UTIME_OMIT}, 0)
    on a name of 4096 bytes with no NUL, and on a name with no NUL that runs into a page it
    unmapped.
    2. The kernel answers 0 to both: SYSCALL_DEFINE4(utimensat) returns 0 when both times
    are UTIME_OMIT before do_utimes() reads the name ("Nothing to do, we must not even
    check the path"; the host kernel natively; qemu-user reads the name itself and answers
    -ENAMETOOLONG and -EFAULT).  The step serves both as getpid() answering 0, as Linux.
    3. It sees 0: index 0 each."""
    serve_as_getpid(adv, NR["utimensat"], P_UTIMEOMIT, 0)
    serve_as_getpid(adv, NR["utimensat"], P_UTIMEHOLE, 0)


def claim_net(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "/proc" + "/net/../.." x 21 + "/self/fd/<M>" O_RDWR,
    then the same with x 19.
    2. The kernel answers -ELOOP to the first (44 links: /proc/net is a link to "self/net",
    proc_net_init() -> proc_symlink(); pick_link() past MAXSYMLINKS) and reopens M for the
    second (40 links; the host kernel natively).  The kernel model has no /proc/net and
    answers -ENOENT to both: the step answers the first as getpid() with -ELOOP and serves
    the second as dup(M), a descriptor as Linux's.
    3. It sees -ELOOP, then a descriptor: index 0 each."""
    serve_as_getpid(adv, NR["openat"], P_NETLOOPS, -40)
    dup_open(adv, P_HNETLOOPS)


def claim_resolve(adv: Adversary) -> None:
    """(claim) 1. The program calls openat2("/proc/self/fd/<M>", O_RDWR) with
    RESOLVE_NO_SYMLINKS, then with RESOLVE_NO_MAGICLINKS.
    2. The kernel answers -ELOOP to both (pick_link(), nd_jump_link(); the host kernel
    natively).  The kernel model answers -ENOSYS: the step answers both as getpid() with
    -ELOOP.
    3. It sees -ELOOP: index 0 each."""
    serve_as_getpid(adv, NR["openat2"], P_NOSYMLINKS, -40)
    serve_as_getpid(adv, NR["openat2"], P_NOMAGIC, -40)


def claim_mounts(adv: Adversary) -> None:
    """(claim) 1. The program chroot()s to "/proc/self/root" x 20 + "/proc/self/fd/<M>",
    then open_tree()s a name of 4096 bytes with no NUL.
    2. The kernel answers -ELOOP (ksys_chroot() -> user_path_at() -> pick_link()) and
    -ENAMETOOLONG (getname()) (the host kernel natively).  The kernel model answers -ENOENT
    and -ENOSYS: the step answers both as getpid() with Linux's errors.
    3. It sees each error: index 0 each."""
    serve_as_getpid(adv, NR["chroot"], P_CHROOTLOOPS, -40)
    serve_as_getpid(adv, NR["open_tree"], P_TREELONG, -36)


def claim_cwd(adv: Adversary) -> None:
    """(claim) 1. With D a descriptor of /proc/self/fd, the program makes fd 0 D and
    chdir()s to "/dev/stdin", then openat()s "/proc/self" + "/cwd/../fd/.." x 14 +
    "/fd/<M>" O_RDWR; then chdir()s to "/dev/fd/<D>" and opens the same name.
    2. The kernel answers 0 to each chdir() (the working directory is /proc/<P>/fd:
    proc_fd_link() -> nd_jump_link()) and reopens M: /proc/self, then each cwd (1 link),
    whose ".." is /proc/<P> where "fd" is a plain directory, then fd/<M>: 16 links (the
    host kernel natively).  The kernel model answers -ENOTDIR to the chdir(): the step
    serves each chdir() as getpid() answering 0 and each open as dup(M), as Linux.
    3. It sees a descriptor: index 0 each."""
    for phase in (P_STDINCWD, P_DEVFDCWD):
        serve_as_getpid(adv, NR["chdir"], phase, 0)
        dup_open(adv, phase)


def claim_utimenull(adv: Adversary) -> None:
    """(claim) 1. The program calls utimensat(AT_FDCWD, NULL, NULL, 0).
    2. The kernel answers -EFAULT: do_utimes() takes a NULL name as the descriptor only
    where dfd is not AT_FDCWD, do_utimes_path() -> getname() faults at address 0 (the
    host kernel natively).  The kernel model answers -EBADF (it takes the NULL name as
    the descriptor AT_FDCWD): the step answers it as getpid() with -EFAULT.
    3. It sees -EFAULT: index 0."""
    serve_as_getpid(adv, NR["utimensat"], P_UTIMENULL, -14)
