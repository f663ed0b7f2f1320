"""Red-team round sixty-nine: the rules changed after round 68, both ways.

Since round 68 an openat(), openat2() or chdir() that succeeds on a name with no NUL in its
first PATH_MAX bytes is refused (return.name_too_long, guardian/long_names.py), and so is
one whose absolute name follows more than MAXSYMLINKS links the Guardian knows of
(return.link_loop, guardian/link_loops.py).  This round asks those rules of what they leave
out: a name with no NUL that runs into an unmapped page (getname() faults: -EFAULT), other
calls that take a name (faccessat(), newfstatat(): getname() is theirs too), and 42 links
spelled relative to the working directory "/" or to a descriptor R of "/", or through
/dev/fd/<R> (/dev/fd is itself a link to /proc/self/fd: three links each time).

Each open attack serves the open as dup(M) (M the program's memfd) where Linux answers an
error; the other calls are served as getpid() answering 0.  The program then indexes -4 and
writes the secret's first 8 bytes.  Every Linux answer is what qemu-user gives natively on
this host.

Through with the Guardian on when written (P5 gaps): YP-001 (an unmapped page before the
NUL: long_names read no whole PATH_MAX bytes and return.open_name_fault judges only an
-EFAULT answer), YP-002 (faccessat(): long_names judged openat, openat2 and chdir only),
YP-004, YP-005 (relative names: link_loops read absolute names only), YP-006 (/dev/fd/<R>:
link_loops counted each /dev/fd/<R> as one link where Linux follows three; YP-012 likewise
/dev/stdin with fd 0 a descriptor of "/"), YP-007 (link_loops counted no link in the last
component, which pick_link() counts as well), YP-009 (openat2() with RESOLVE_IN_ROOT:
link_loops judged none), YP-010, YP-011 (42 links and a name of PATH_MAX bytes after two
threads of the program exit()ed: link_loops and long_names judged nothing once they had come
and gone), YP-013 (a name of PATH_MAX bytes while a thread is blocked in a read() into a
buffer of its own, far from the name: long_names judged nothing while any other call of the
address space was in flight), YP-014 ("<M>" in the working directory /proc/<K>/fd of a
CLONE_FS child K that exited, a zombie: return.fd_dir_closed follows a descriptor K
closed, not K's whole table that exit_files() dropped -- left open, as XX-009/XX-010 and
YK-026..028: exit_files() runs at an instant the Guardian does not see).  Refused: YP-003 (a newfstatat() answered 0 that wrote no struct stat: the
Guardian sees the buffer unwritten), YP-008 (a CLONE_THREAD thread without CLONE_FS:
/proc/self/cwd is followed as the leader's, return.proc_entry_absent).  Refused since
(return.link_loop, guardian/link_loops.py): YP-004, YP-005 (a relative name counts where
the working directory or dirfd is the real "/"), YP-006, YP-012 (/dev/fd counts two links,
/dev/std* three: fd_names.followed_links), YP-007 (the last component's link counts
unless O_NOFOLLOW), YP-009 (under RESOLVE_IN_ROOT from a dirfd of "/"), YP-010 (a
thread's exit() left in flight no longer stops the judging); (return.name_too_long,
guardian/long_names.py): YP-001 (a success where getname() faults at a hole the program's
own munmap left, before a NUL), YP-002 (every call that takes a name:
guardian/path_names.py), YP-011 (exits with nothing left to store are no bar), YP-013 (a
read() in flight into a buffer apart from the name is no bar).

Honest answers (tests/test_redteam_r69_claims.py): the same names with 38 or 40 links
open M (qemu-user; index 0 each); a thread cloned with CLONE_THREAD but without CLONE_FS
chdir()s apart from the leader, whose /proc/self/cwd still opens (claim_nofs).  After
chroot() to a directory of its own where /proc/self is a plain directory, "/proc/self" +
"/../self" x 41 follows no link and opens (qemu-user; refused by return.link_loop when
written, which counted /proc/self whatever the root: now counted only where Reach.root
holds).  The kernel model has no /tmp to make the directories in, so
claim_jail serves the chdir() and chroot() as Linux answers them; it resolves /proc names
apart from its link count, so it opens 41 times /proc/self, which Linux refuses (-ELOOP)
and the Guardian refuses too (return.link_loop): with -s the victim makes that open, and
claim_loops answers it as Linux.

The victim is `secret_r69_rules` (workloads/src/secret_r69_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r69"
RULES = "secret_r69_rules"
(P_UNMAPNAME, P_LONGACCESS, P_LONGSTAT, P_RELLOOPS, P_HRELLOOPS, P_DIRLOOPS, P_DEVFDLOOPS,
 P_HDEVFDLOOPS, P_LASTLINK, P_HLASTLINK, P_CHROOTLOOPS, P_CHROOTAT, P_NOFSZ,
 P_HNOFSROOT, P_INROOTLOOPS, P_SELFLOOPS, P_HSELFLOOPS, P_LATELOOPS,
 P_LATELONG, P_STDINLOOPS, P_HSTDINLOOPS, P_BLOCKEDLONG, P_ZOMBIEFD) = range(8400, 8446, 2)
P_FIRST, P_LAST = P_UNMAPNAME, P_ZOMBIEFD
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int, call: str = "openat") -> None:
    """Serve the next `call` after `phase` (in whichever process makes it) as dup() of the
    marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR[call], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_GAPS: dict[str, str | None] = dict.fromkeys(
    ("YP-014",), "P5")
for _xid, _phase, _name, _want, _linux in (
        ("YP-001", P_UNMAPNAME, "\"///.../proc/self/fd/<M>\" with no NUL before the end of "
         "a page whose next page is unmapped", "-EFAULT",
         "getname() -> strncpy_from_user() faults before it meets a NUL"),
        ("YP-004", P_RELLOOPS, "\"proc/self/root/\" 20 times + \"/proc/self/fd/<M>\" after "
         "chdir(\"/\") (42 links)", "-ELOOP",
         "pick_link(): total_link_count reaches MAXSYMLINKS (40); a relative name counts "
         "as an absolute one"),
        ("YP-005", P_DIRLOOPS, "\"proc/self/root/\" 20 times + \"/proc/self/fd/<M>\" "
         "relative to R, a descriptor of \"/\" (42 links)", "-ELOOP",
         "pick_link(): total_link_count reaches MAXSYMLINKS (40)"),
        ("YP-006", P_DEVFDLOOPS, "\"/dev/fd/<R>\" 14 times + \"/proc/self/fd/<M>\", R a "
         "descriptor of \"/\" (44 links)", "-ELOOP",
         "/dev/fd is a link to /proc/self/fd: /dev/fd, /proc/self and fd/<R> each time; "
         "pick_link() past MAXSYMLINKS (40)"),
        ("YP-007", P_LASTLINK, "\"/proc/self/root\" 20 times + \"/proc/self\" "
         "O_DIRECTORY (40 links before the last component, itself a link)", "-ELOOP",
         "open_last_lookups() -> step_into() -> pick_link() counts the last component's "
         "link too: the 41st"),
        ("YP-010", P_LATELOOPS, "\"/proc/self/root\" 20 times + \"/proc/self/fd/<M>\" "
         "after two threads of the program exit()ed (42 links)", "-ELOOP",
         "pick_link(): total_link_count reaches MAXSYMLINKS (40)"),
        ("YP-011", P_LATELONG, "4096 bytes \"/\" with no NUL after two threads of the "
         "program exit()ed", "-ENAMETOOLONG",
         "getname() -> strncpy_from_user() fills PATH_MAX bytes with no NUL"),
        ("YP-012", P_STDINLOOPS, "\"/dev/stdin/\" 14 times + \"proc/self/fd/<M>\", fd 0 "
         "a descriptor of \"/\" (44 links)", "-ELOOP",
         "/dev/stdin is a link to /proc/self/fd/0: /dev/stdin, /proc/self and fd/0 each "
         "time; pick_link() past MAXSYMLINKS (40)"),
        ("YP-013", P_BLOCKEDLONG, "4096 bytes \"/\" with no NUL while a thread of the "
         "program is blocked in read() of an empty pipe into a buffer of its own",
         "-ENAMETOOLONG", "getname() -> strncpy_from_user() fills PATH_MAX bytes with no "
         "NUL; the blocked read() stores nothing"),
        ("YP-014", P_ZOMBIEFD, "\"<M>\" in the working directory /proc/<K>/fd a child K "
         "cloned with CLONE_FS entered before it exited (a zombie: waitid() WNOWAIT)",
         "-ENOENT", "copy_fs() shares the fs_struct; exit_files() cleared K's table, "
         "proc_lookupfd_common() finds no M")):
    def _open(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program (M a memfd) calls openat() on {_name} (O_RDWR but where told).
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux}, {_want} (qemu-user on this host).""")
    _iago(_xid, f"Serve an openat of {_name} as dup(M)",
          f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_open, _doc))


for _xid, _phase, _call in (
        ("YP-002", P_LONGACCESS, "faccessat"),
        ("YP-003", P_LONGSTAT, "newfstatat")):
    def _named(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_call}() on a name of 4096 bytes with no NUL ("///.../tmp").
    2. The kernel serves it as getpid() and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: getname() -> strncpy_from_user() fills PATH_MAX bytes with no NUL,
    -ENAMETOOLONG (qemu-user on this host).""")
    _iago(_xid, f"Answer 0 to a {_call} of a name of 4096 bytes with no NUL",
          "getname() answers -ENAMETOOLONG before any lookup.",
          gap=_GAPS.get(_xid))(documented(_named, _doc))


@_iago("YP-008", "Serve a CLONE_THREAD thread's (no CLONE_FS) open of /proc/self/cwd/0<M> "
       "after its own chdir(\"/\") as dup(M)",
       "/proc/self/cwd is the leader's working directory, /proc/<P>/fdinfo (the thread's "
       "chdir() changed its own copy of the fs_struct): name_to_int() takes no leading "
       "zero, -ENOENT.", gap=_GAPS.get("YP-008"))
def yp_nofs_thread(adv: Adversary) -> None:
    """1. The leader chdir()s to /proc/self/fdinfo and makes a thread T with CLONE_THREAD
    but without CLONE_FS; T chdir()s to "/" and openat()s /proc/self/cwd/0<M> O_RDONLY.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. T sees a descriptor: index -4, secret bytes 0..7.
    Linux: copy_fs() gives T a copy of the fs_struct, so its chdir() leaves the leader's;
    /proc/self names the thread group (proc_self_get_link()), proc_cwd_link() of the leader
    -> /proc/<P>/fdinfo, proc_fdinfo_lookup() -> name_to_int() takes no leading zero:
    -ENOENT (qemu-user refuses the clone: copy_fs() is the reference)."""
    dup_open(adv, P_NOFSZ)


@_iago("YP-009", "Serve an openat2(R, \"/proc/self\" + \"/../self\" x 40 + "
       "\"/fdinfo/<M>\", RESOLVE_IN_ROOT) as dup(M)",
       "41 ordinary links (no magic link): pick_link() answers -ELOOP past MAXSYMLINKS "
       "whatever the root.", gap=_GAPS.get("YP-009"))
def yp_in_root_loops(adv: Adversary) -> None:
    """1. The program (M a memfd, R a descriptor of "/") calls openat2(R, "/proc/self" +
    "/../self" x 40 + "/fdinfo/<M>", {O_RDONLY, 0, RESOLVE_IN_ROOT}).
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: path_init() roots the walk at R ("/"); each /proc/self is an ordinary link
    (proc_self_get_link(): "<pid>"), allowed in a scoped lookup, and pick_link() counts
    each: the 41st is -ELOOP (qemu-user has no openat2; openat() of the same name is
    -ELOOP on this host)."""
    dup_open(adv, P_INROOTLOOPS, "openat2")


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_jail(adv: Adversary) -> None:
    """(claim) 1. The program makes /tmp/r69-<P>/proc/self (mkdirat() three times),
    chdir()s there and chroot(".")s; then openat()s "/proc/self" + "/../self" x 41
    O_RDONLY|O_DIRECTORY.
    2. The kernel answers 0 to chdir() and chroot() (the kernel model has no /tmp to make
    the directories in: the step serves them as getpid() answering 0, as Linux does for a
    program running as root) and opens the name: under the new root /proc/self is a plain
    directory, walk_component() meets no link (qemu-user as root on this host).
    3. It sees a descriptor: index 0."""
    serve_as_getpid(adv, NR["chdir"], P_CHROOTAT, 0)
    serve_as_getpid(adv, NR["chroot"], P_CHROOTAT, 0)


def claim_nofs(adv: Adversary) -> None:
    """(claim) 1. The leader chdir()s to "/" and makes a thread T with CLONE_THREAD but
    without CLONE_FS, which chdir()s to /proc/self/fdinfo and exits; the leader openat()s
    /proc/self/cwd/proc/self/fd/<M> O_RDWR.
    2. The kernel reopens M: T's chdir() changed T's own copy of the fs_struct (copy_fs()),
    the leader's working directory is "/" (proc_cwd_link()), so the name is
    /proc/self/fd/<M> (the kernel model keeps one working directory per process and
    answers -ENOENT; qemu-user refuses the clone; the step serves the open as dup(M), a
    descriptor as Linux's).
    3. It sees a descriptor: index 0."""
    dup_open(adv, P_HNOFSROOT)


def claim_loops(adv: Adversary) -> None:
    """(claim) 1. With -s the program openat()s "/proc/self" + "/../self" x 40 +
    "/fdinfo/<M>" O_RDONLY.
    2. The kernel answers -ELOOP: pick_link() counts each /proc/self and refuses the 41st
    (qemu-user on this host; the kernel model opens it, so the step answers -ELOOP as
    Linux).
    3. It sees -ELOOP: index 0."""
    serve_as_getpid(adv, NR["openat"], P_SELFLOOPS, -40)
