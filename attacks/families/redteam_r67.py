"""Red-team round sixty-seven: the rules changed after round 66, both ways.

Since round 66 an open of /proc/<digits name_to_int() takes for no pid>/... or of a fdinfo
entry that is no descriptor number is refused as a success (return.proc_entry_absent,
guardian/proc_entries.py), and /proc/self/cwd is followed to a /proc working directory the
program set itself (guardian/proc_cwds.py).  This round asks those rules of names they read
lexically where Linux follows a link first: an ordinary directory symlink before ".."
(/var/run -> /run, /proc/thread-self -> <pid>/task/<tid>, /dev/fd -> /proc/self/fd,
/proc/net -> self/net: pick_link()), the fd link of the program's own /proc/self/fd
descriptor D followed by ".." (nd_jump_link()), the root directory reached by
/proc/self/root, /proc/self/cwd and a descriptor of / (proc_root_link(), proc_cwd_link(),
proc_fd_link()), /proc/thread-self/fdinfo, a task's fdinfo, a sign before the number, a
trailing "/", a working directory in fdinfo, /proc/self/cwd/.. and "../" from a working
directory /proc/<P>, a fork child's working directory /proc/<P> (the program's pid
directory, copied by copy_fs(): the child's "fd/N" is the program's descriptor N), and a
thread made without CLONE_FS (its own fs_struct; /proc/self/cwd is the leader's).

The program (its pid P and tid T told, M a memfd, D its /proc/self/fd descriptor, R one of
/) opens, each -ENOENT on Linux (proc_pid_lookup(), proc_fdinfo_lookup() ->
proc_lookupfd_common() -> name_to_int()): /var/run/../proc/0<P>/fd/M (YG-001),
/proc/self/fd/<D>/../fdinfo/0<M> (YG-002), /dev/fd/<D>/../fdinfo/0<M> (YG-003),
/proc/thread-self/fdinfo/0<M> (YG-004), /proc/self/task/<T>/fdinfo/0<M> (YG-005),
/proc/self/fdinfo/+<M> (YG-006), "0<M>" (YG-007) and /proc/self/cwd/0<M> (YG-008) with the
working directory /proc/<P>/fdinfo, /proc/0<P>/ O_DIRECTORY (YG-009),
/proc/self/fd/<D>/../../0<P>/fd/M (YG-010), /proc/self/cwd/../0<P>/fd/M (YG-011) and
"../0<P>/fd/M" (YG-012) with the working directory /proc/<P>; a fork child K of the
program, its working directory /proc/<P>, opens "fd/X" (YG-013) and /proc/self/cwd/fd/X
(YG-018) after the program closed X; /proc/self/root/proc/0<P>/fd/M (YG-014),
/proc/self/cwd/proc/0<P>/fd/M with the working directory / (YG-015),
/proc/self/fd/<R>/proc/0<P>/fd/M (YG-016), /proc/thread-self/root/proc/self/fdinfo/0<M>
(YG-017), /proc/thread-self/../../fdinfo/0<M> (YG-019), /proc/thread-self/../../fd/0<M>
(YG-020), /dev/fd/../fdinfo/0<M> (YG-021), /proc/net/../fdinfo/0<M> (YG-022); a thread made
without CLONE_FS opens /proc/self/cwd/0<M> after the program's chdir("/proc/self/fdinfo")
(YG-023) and /proc/thread-self/cwd/0<M> after its own chdir("/proc/self/fd") (YG-024).
Each is answered as a success (the open served as dup(M), dup(X) in K).  Every Linux answer
above is what qemu-user gives natively on this host (the victim's steps index 0 each), but
YG-023 and YG-024's (qemu-user refuses a thread without CLONE_FS: copy_process() and
copy_fs() are the reference).

Through with the Guardian on when written (P5 gaps): YG-001, YG-021, YG-022 (the name is
read lexically across an ordinary symlink: "/var/run/.." is /var to the Guardian, / to
Linux; "/dev/fd/.." is /dev, "/proc/net/.." /proc, both /proc/<pid> to Linux), YG-020 (the
same across /proc/thread-self, whose fdinfo twin YG-019 is refused: the fd name rules read
no leading zero there), YG-013, YG-018 (a fork child's working directory /proc/<P> is read as
the child's own pid directory: chdir() took the link at the call, copy_fs() copies the
dentry), YG-014..YG-017 (a /proc name reached through a link to the root directory is read
by no rule), YG-023 (a thread with its own fs_struct: /proc/self/cwd, the leader's working
directory, is not followed).  Refused: the others (return.proc_entry_absent).

Refused since (return.proc_entry_absent): YG-021, YG-022 (/dev/fd and /proc/net are links
to /proc/self/fd and /proc/self/net, fixed by devtmpfs's and procfs's own entries, whose
".." is /proc/self: fd_names._self_up()), YG-014..YG-017 (/proc/self/root,
/proc/thread-self/root, a working directory "/" and a descriptor of "/" the program opened
are "/" where no chroot, mount or namespace call was seen: proc_root_link(),
proc_cwd_link(), proc_fd_link()), YG-023 (/proc/self/cwd is the thread group leader's
working directory, followed where the Guardian knows it: proc_self_get_link()); YG-020
(return.reopen_flags: the fd directory walk reads /proc/thread-self/.. as /proc/<P>/task);
YG-013, YG-018 (return.fd_dir_closed, guardian/opener_fd_closed.py: a fork child's working
directory /proc/<P> entered by the parent's chdir("/proc/self") looks "fd/X" up in the
parent's table, copy_fs()).  Still through: YG-001 (/var/run -> /run is the root file
system's own symlink, the kernel's word, as XU-019's).

Honest answers (tests/test_redteam_r67_claims.py): each name above with the number
name_to_int() takes opens (qemu-user on this host), no false refusal found; the kernel
model has no /var/run and reads "/dev/fd/.." and "/proc/net/.." lexically, so claim_var_run
and claim_dotdot_symlinks serve those opens as Linux answers them.

The victim is `secret_r67_rules` (workloads/src/secret_r67_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r67"
RULES = "secret_r67_rules"
(P_VARRUN, P_FDUPINFO, P_DEVFDUPINFO, P_TSINFOZ, P_TASKINFOZ, P_INFOPLUS,
 P_CWDINFOZ, P_CWDLINKINFO, P_PIDSLASH, P_FDDUPPID, P_CWDUPPID, P_RELUPPID, P_FKCLOSED,
 P_HINFO, P_HFDUPINFO, P_HFDDUPPID, P_HCWDINFO, P_HVARRUN, P_HFKNEW,
 P_HFKCWDLINK, P_ROOTPID, P_CWDROOTPID, P_FDROOTPID, P_TSROOTINFO, P_HROOTPID,
 P_HCWDROOTPID, P_HFDROOTPID, P_FKCWDCLOSED, P_HFKOWNCLOSED,
 P_HFKCWDOWNCLOSED, P_TSUPINFO, P_TSUPFD, P_DEVFDUP, P_NETUP, P_HTSUPINFO, P_HDEVFDUP,
 P_HNETUP, P_THSELFCWDZ, P_HTHSELFCWD, P_THTSCWDZ, P_HTHTSCWD,
 P_HTHSELFCWD2) = range(7500, 7584, 2)
P_FIRST, P_LAST = P_VARRUN, P_HTHSELFCWD2
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int) -> None:
    """Serve the next openat after `phase` (in whichever process makes it) as dup() of the
    marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_GAPS: dict[str, str | None] = dict.fromkeys(
    ("YG-001",), "P5")
for _xid, _phase, _name, _flags, _linux in (
        ("YG-001", P_VARRUN, "/var/run/../proc/0<own pid>/fd/M", "O_RDWR",
         "/var/run is a symlink to /run (pick_link()), whose \"..\" is /; "
         "proc_pid_lookup() -> name_to_int() takes no leading zero, -ENOENT"),
        ("YG-002", P_FDUPINFO, "/proc/self/fd/<D>/../fdinfo/0<M>, D the program's "
         "/proc/self/fd", "O_RDONLY", "proc_fd_link() -> nd_jump_link() to /proc/<pid>/fd, "
         "\"..\" is /proc/<pid>; proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-003", P_DEVFDUPINFO, "/dev/fd/<D>/../fdinfo/0<M>, D the program's "
         "/proc/self/fd", "O_RDONLY", "/dev/fd and D's link followed to /proc/<pid>/fd, "
         "\"..\" is /proc/<pid>; proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-004", P_TSINFOZ, "/proc/thread-self/fdinfo/0<M>", "O_RDONLY",
         "proc_thread_self_get_link() -> the task's directory; proc_fdinfo_lookup() -> "
         "name_to_int(), -ENOENT"),
        ("YG-005", P_TASKINFOZ, "/proc/self/task/<own tid>/fdinfo/0<M>", "O_RDONLY",
         "the task's fdinfo (tid_base_stuff); proc_fdinfo_lookup() -> name_to_int(), "
         "-ENOENT"),
        ("YG-006", P_INFOPLUS, "/proc/self/fdinfo/+<M>", "O_RDONLY",
         "name_to_int() takes digits only, -ENOENT"),
        ("YG-007", P_CWDINFOZ, "\"0<M>\" after chdir(\"/proc/self/fdinfo\")", "O_RDONLY",
         "the working directory is /proc/<pid>/fdinfo; proc_fdinfo_lookup() -> "
         "name_to_int(), -ENOENT"),
        ("YG-008", P_CWDLINKINFO, "/proc/self/cwd/0<M> after chdir(\"/proc/self/fdinfo\")",
         "O_RDONLY", "proc_cwd_link() -> nd_jump_link() to /proc/<pid>/fdinfo; "
         "proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-009", P_PIDSLASH, "/proc/0<own pid>/", "O_RDONLY|O_DIRECTORY",
         "proc_pid_lookup() -> name_to_int() takes no leading zero, -ENOENT"),
        ("YG-010", P_FDDUPPID, "/proc/self/fd/<D>/../../0<own pid>/fd/M, D the program's "
         "/proc/self/fd", "O_RDWR", "D's link followed to /proc/<pid>/fd, \"../..\" is "
         "/proc; proc_pid_lookup() -> name_to_int(), -ENOENT"),
        ("YG-011", P_CWDUPPID, "/proc/self/cwd/../0<own pid>/fd/M after "
         "chdir(\"/proc/self\")", "O_RDWR", "proc_cwd_link() -> /proc/<pid>, \"..\" is "
         "/proc; proc_pid_lookup() -> name_to_int(), -ENOENT"),
        ("YG-012", P_RELUPPID, "\"../0<own pid>/fd/M\" after chdir(\"/proc/self\")",
         "O_RDWR", "the working directory is /proc/<pid>, \"..\" is /proc; "
         "proc_pid_lookup() -> name_to_int(), -ENOENT"),
        ("YG-014", P_ROOTPID, "/proc/self/root/proc/0<own pid>/fd/M", "O_RDWR",
         "proc_root_link() -> nd_jump_link() to the root directory; proc_pid_lookup() -> "
         "name_to_int(), -ENOENT"),
        ("YG-015", P_CWDROOTPID, "/proc/self/cwd/proc/0<own pid>/fd/M after chdir(\"/\")",
         "O_RDWR", "proc_cwd_link() -> nd_jump_link() to /; proc_pid_lookup() -> "
         "name_to_int(), -ENOENT"),
        ("YG-016", P_FDROOTPID, "/proc/self/fd/<R>/proc/0<own pid>/fd/M, R the program's "
         "descriptor of /", "O_RDWR", "proc_fd_link() -> nd_jump_link() to /; "
         "proc_pid_lookup() -> name_to_int(), -ENOENT"),
        ("YG-017", P_TSROOTINFO, "/proc/thread-self/root/proc/self/fdinfo/0<M>", "O_RDONLY",
         "proc_root_link() -> nd_jump_link() to /; proc_fdinfo_lookup() -> name_to_int(), "
         "-ENOENT"),
        ("YG-019", P_TSUPINFO, "/proc/thread-self/../../fdinfo/0<M>", "O_RDONLY",
         "proc_thread_self_get_link() -> <pid>/task/<tid>, \"../..\" is /proc/<pid>; "
         "proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-020", P_TSUPFD, "/proc/thread-self/../../fd/0<M>", "O_RDWR",
         "proc_thread_self_get_link() -> <pid>/task/<tid>, \"../..\" is /proc/<pid>; "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT"),
        ("YG-021", P_DEVFDUP, "/dev/fd/../fdinfo/0<M>", "O_RDONLY",
         "/dev/fd is a symlink to /proc/self/fd, \"..\" is /proc/<pid>; "
         "proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-022", P_NETUP, "/proc/net/../fdinfo/0<M>", "O_RDONLY",
         "/proc/net is a symlink to self/net (proc_net_init()), \"..\" is /proc/<pid>; "
         "proc_fdinfo_lookup() -> name_to_int(), -ENOENT"),
        ("YG-023", P_THSELFCWDZ, "/proc/self/cwd/0<M> in a thread made without CLONE_FS, "
         "after the program's chdir(\"/proc/self/fdinfo\")", "O_RDONLY",
         "/proc/self names the thread group leader (proc_self_get_link()), whose working "
         "directory is /proc/<pid>/fdinfo (proc_cwd_link()); proc_fdinfo_lookup() -> "
         "name_to_int(), -ENOENT"),
        ("YG-024", P_THTSCWDZ, "/proc/thread-self/cwd/0<M> in a thread made without "
         "CLONE_FS after its own chdir(\"/proc/self/fd\")", "O_RDWR",
         "proc_cwd_link() of the thread: /proc/<pid>/fd; proc_lookupfd_common() -> "
         "name_to_int(), -ENOENT")):
    def _open(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program (its pid and tid told, M a memfd) openat()s {_name} {_flags}.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host).""")
    _iago(_xid, f"Serve an {_flags} open of {_name} as dup(M)",
          "A /proc number name_to_int() takes for none names no entry: -ENOENT.",
          gap=_GAPS.get(_xid))(documented(_open, _doc))


@_iago("YG-013", "Serve a fork child's open of \"fd/X\" in the working directory /proc/<P> "
       "as dup(X) after the program closed X",
       "The child's working directory is the program's /proc/<P> (copy_fs()): "
       "proc_lookupfd_common() finds no X there, -ENOENT.", gap=_GAPS.get("YG-013"))
def yg_fork_cwd_closed(adv: Adversary) -> None:
    """1. The program chdir()s to /proc/self (the working directory /proc/<P>: the link is
    followed at the call), makes a memfd X and forks K; the program closes X; K openat()s
    "fd/X" O_RDWR.
    2. The kernel serves it as dup(X) (K's own X) and answers the new descriptor.
    3. K sees a descriptor: index -4, secret bytes 0..7.
    Linux: K's working directory is the program's pid directory (copy_fs() copies the
    dentry, not the name "/proc/self"); proc_lookupfd_common() looks X up in the program's
    table, where it is closed: -ENOENT (qemu-user on this host)."""
    dup_open(adv, P_FKCLOSED)


@_iago("YG-018", "Serve a fork child's open of /proc/self/cwd/fd/X, its working directory "
       "/proc/<P>, as dup(X) after the program closed X",
       "The child's /proc/self/cwd is the program's /proc/<P> (proc_cwd_link(), copy_fs()): "
       "proc_lookupfd_common() finds no X there, -ENOENT.", gap=_GAPS.get("YG-018"))
def yg_fork_cwd_link_closed(adv: Adversary) -> None:
    """1. The program chdir()s to /proc/self (the working directory /proc/<P>), makes a
    memfd X and forks K; the program closes X; K openat()s /proc/self/cwd/fd/X O_RDWR.
    2. The kernel serves it as dup(X) (K's own X) and answers the new descriptor.
    3. K sees a descriptor: index -4, secret bytes 0..7.
    Linux: K's /proc/self/cwd is its working directory, the program's pid directory
    (proc_cwd_link() -> nd_jump_link(); copy_fs() copied the dentry);
    proc_lookupfd_common() looks X up in the program's table, where it is closed: -ENOENT
    (qemu-user on this host)."""
    dup_open(adv, P_FKCWDCLOSED)


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_var_run(adv: Adversary) -> None:
    """(claim) 1. The program openat()s /var/run/../proc/<own pid>/fd/M O_RDWR.
    2. The kernel opens M's file: /var/run is a symlink to /run (pick_link()), "/run/.."
    is /, /proc/<pid>/fd/M is M's link (proc_fd_link()) (qemu-user on this host; the
    kernel model's root file system has no /var/run, so the step serves the open as
    dup(M), a descriptor of M's file as Linux's).
    3. It sees a descriptor: index 0."""
    dup_open(adv, P_HVARRUN)


def claim_dotdot_symlinks(adv: Adversary) -> None:
    """(claim) 1. The program openat()s /dev/fd/../fdinfo/<M> and /proc/net/../fdinfo/<M>
    O_RDONLY.
    2. The kernel opens M's fdinfo entry: /dev/fd is a symlink to /proc/self/fd and
    /proc/net one to self/net (pick_link()), each ".." is /proc/<pid>
    (proc_fdinfo_lookup() finds M) (qemu-user on this host; the kernel model reads the
    ".." lexically and answers -ENOENT, so the step serves each open as dup(M), a
    descriptor as Linux's).
    3. It sees a descriptor: index 0 each."""
    dup_open(adv, P_HDEVFDUP)
    dup_open(adv, P_HNETUP)
