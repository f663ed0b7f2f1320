"""Red-team round sixty-six: the rules changed after round 65, both ways.

Since round 65 every /proc pid, task id and descriptor is read by Linux's name_to_int()
(guardian/proc_numbers.py), and a ".." after a /proc magic link leaves a name no /proc rule
reads (guardian/proc_links.py).  This round asks those rules of numbers name_to_int()
takes for none reached by other spellings and through links whose target the Guardian
knows: a doubled slash or "." before the task entry, /dev/fd, /proc/thread-self/fd,
fdinfo, the pid entry itself, the fd link of the program's own /proc/self/fd descriptor
D (followed to the fd directory: nd_jump_link()), a working directory set by fchdir(D) or
chdir("/proc/self"), and /proc/self/cwd when the working directory is in /proc.

The program (its pid P and tid T told, M a memfd, D its /proc/self/fd descriptor) opens,
each -ENOENT on Linux (name_to_int() takes no leading zero and nothing past UINT_MAX:
proc_pid_lookup(), proc_task_lookup(), proc_lookupfd_common()):
/proc/self/task//0<T>/fd/M (YE-001), /proc/self/task/./0<T>/fd/M (YE-002), /dev/fd/0<M>
(YE-003), /proc/0<P>/fd/M (YE-004), /proc/<P + 2^32>/fd/M (YE-005),
/proc/thread-self/fd/0<M> (YE-006), /proc/self/fd/<D>/0<M> (YE-007),
/dev/fd/<D>/0<M> (YE-008), /proc/self/fd/<D>/../task/0<T>/fd/M (YE-009),
/proc/self/fdinfo/0<M> O_RDONLY (YE-010), "0<M>" after fchdir(D) (YE-011),
/proc/self/cwd/fd/0<M> (YE-012) and "fd/0<M>" (YE-013) with the working directory
/proc/<P>, and /proc/self/cwd/../fd/0<M> with the working directory /proc/<P>/task
(YE-014).  Each is answered as a success (the open served as dup(M)).  Every Linux
answer above is what qemu-user gives natively on this host (the victim's steps index 0
each).

Honest answers (tests/test_redteam_r66_claims.py): the same names with numbers
name_to_int() takes open M: /proc/self/fd/<D>/M, /dev/fd/<D>/M,
/proc/self/task//<T>/fd/M, /proc/self/task/<T>/./fd/M,
/proc/self/fd/<D>/../task/<T>/fd/M, "M" after fchdir(D), "fd/M" with the working
directory /proc/<P> and /proc/self/cwd/../fd/M with the working directory /proc/<P>/task
(qemu-user on this host).  In the children of a child K reaped by the program's wait4(K),
"A" relative to K's /proc/self/fd/., /proc//self/fd, /proc/self/./fd or
/proc/thread-self/./fd descriptor is -ENOENT (YE-015..YE-018: proc_lookupfd_common()).

Through with the Guardian on when written (P5 gaps): YE-004, YE-005 (a pid entry
name_to_int() takes for none made the name no fd link to guardian/fd_names.py, and no
rule refused the open's success), YE-010 (fdinfo/<n> was read by no rule), YE-012,
YE-014 (/proc/self/cwd followed to a /proc directory: the working directory was not read
behind the link).  Refused since: YE-004, YE-005, YE-010 (return.proc_entry_absent:
proc_root_lookup() -> proc_pid_lookup(), proc_fdinfo_lookup() -> name_to_int()), YE-012,
YE-014 (/proc/self/cwd followed to the /proc directory the program's own chdir entered,
guardian/proc_cwds.py; return.reopen_flags).  Refused when written: YE-001..YE-003,
YE-006..YE-009, YE-011, YE-013 (return.task_foreign and the fd name rules),
YE-015..YE-018 (return.fd_dir_reaped: the names are normalised).

False refusal (claim_vfork_orphan, let through since: wait_reaped.gone_pid takes -ECHILD
for a child's end only where the caller's own thread group made it, registry.forked_by): a
vfork child V of the program forks K and exits; K goes to the pid namespace's reaper
(forget_original_parent() -> find_new_reaper()), so the program's wait4(K, WNOHANG) is
-ECHILD (do_wait(); qemu-user on this host) while K lives; wait_reaped.gone_pid took it
for K's end (K's fork was made in the program's address space) and return.reaped_child
refused K's next call.  The kernel model, the program its init, re-parents K to the
program and answers 0.

The victim is `secret_r66_rules` (workloads/src/secret_r66_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r66"
RULES = "secret_r66_rules"
(P_DSLTID, P_DOTTID, P_DEVFDZ, P_ZEROPID, P_BIGPID, P_TSZFD, P_FDDIRZ, P_CWDZ,
 P_CWDREL, P_FCHDIRZ, P_FDINFOZ, P_FDUPTASK, P_CWDUPZ, P_DEVFDDIRZ,
 P_HFDDIR, P_HDSLTID, P_HDOTTID, P_HFDUPTASK, P_HFCHDIR, P_HDEVFDDIR, P_HCWDREL,
 P_HCWDUP, P_DEADDOT, P_DEADDSL, P_DEADSDOT, P_DEADTSDOT, P_VFWAIT,
 P_HVFORPHAN) = range(7300, 7356, 2)
P_FIRST, P_LAST = P_DSLTID, P_HVFORPHAN
NR = NUMBERS
MASK64 = (1 << 64) - 1
ECHILD = 10

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int) -> None:
    """Serve the next openat after `phase` (in whichever process makes it) as dup() of the
    marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_GAPS: dict[str, str | None] = {}
for _xid, _phase, _name, _linux in (
        ("YE-001", P_DSLTID, "/proc/self/task//0<own tid>/fd/M",
         "the empty component is skipped (link_path_walk()); proc_task_lookup() -> "
         "name_to_int() takes no leading zero, -ENOENT"),
        ("YE-002", P_DOTTID, "/proc/self/task/./0<own tid>/fd/M",
         "\".\" stays in the task directory (handle_dots()); proc_task_lookup() -> "
         "name_to_int() takes no leading zero, -ENOENT"),
        ("YE-003", P_DEVFDZ, "/dev/fd/0<M>",
         "/dev/fd is /proc/self/fd; proc_lookupfd_common() -> name_to_int() takes no "
         "leading zero, -ENOENT"),
        ("YE-004", P_ZEROPID, "/proc/0<own pid>/fd/M",
         "proc_pid_lookup() -> name_to_int() takes no leading zero, -ENOENT"),
        ("YE-005", P_BIGPID, "/proc/<own pid + 2^32>/fd/M",
         "proc_pid_lookup() -> name_to_int() overflows to ~0U, no such pid, -ENOENT"),
        ("YE-006", P_TSZFD, "/proc/thread-self/fd/0<M>",
         "proc_thread_self_get_link() -> the task's fd directory; "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT"),
        ("YE-007", P_FDDIRZ, "/proc/self/fd/<D>/0<M>, D the program's /proc/self/fd",
         "proc_fd_link() -> nd_jump_link() puts the walk in /proc/<pid>/fd; "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT"),
        ("YE-008", P_DEVFDDIRZ, "/dev/fd/<D>/0<M>, D the program's /proc/self/fd",
         "D's link followed to /proc/<pid>/fd (nd_jump_link()); "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT"),
        ("YE-009", P_FDUPTASK, "/proc/self/fd/<D>/../task/0<own tid>/fd/M, D the "
         "program's /proc/self/fd", "D's link followed to /proc/<pid>/fd, \"..\" is "
         "/proc/<pid>; proc_task_lookup() -> name_to_int(), -ENOENT"),
        ("YE-011", P_FCHDIRZ, "\"0<M>\" after fchdir(D), D the program's /proc/self/fd",
         "the working directory is /proc/<pid>/fd; proc_lookupfd_common() -> "
         "name_to_int(), -ENOENT"),
        ("YE-012", P_CWDZ, "/proc/self/cwd/fd/0<M> after chdir(\"/proc/self\")",
         "proc_cwd_link() -> nd_jump_link() to /proc/<pid>; proc_lookupfd_common() -> "
         "name_to_int(), -ENOENT"),
        ("YE-013", P_CWDREL, "\"fd/0<M>\" after chdir(\"/proc/self\")",
         "the working directory is /proc/<pid> (chdir() followed the link at the call); "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT"),
        ("YE-014", P_CWDUPZ, "/proc/self/cwd/../fd/0<M> after chdir(\"/proc/self/task\")",
         "proc_cwd_link() -> /proc/<pid>/task, \"..\" is /proc/<pid>; "
         "proc_lookupfd_common() -> name_to_int(), -ENOENT")):
    def _open(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program (its pid and tid told, M a memfd) openat()s {_name} O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_RDWR open of {_name} as dup(M)",
          "A /proc number name_to_int() takes for none names no entry: -ENOENT.",
          gap=_GAPS.get(_xid))(documented(_open, _doc))


@_iago("YE-010", "Serve an open of /proc/self/fdinfo/0<M> as dup(M)",
       "No fdinfo entry with a leading zero: proc_fdinfo_lookup() -> "
       "proc_lookupfd_common() -> name_to_int(), -ENOENT.", gap=_GAPS.get("YE-010"))
def ye_fdinfo_zero(adv: Adversary) -> None:
    """1. The program (M a memfd) openat()s /proc/self/fdinfo/0<M> O_RDONLY.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_fdinfo_lookup() -> proc_lookupfd_common() -> name_to_int() takes no
    leading zero, -ENOENT (qemu-user on this host)."""
    dup_open(adv, P_FDINFOZ)


_ENOENT = "No task behind a reaped process's fd directory: proc_lookupfd_common(), -ENOENT."
for _xid, _phase, _dn in (
        ("YE-015", P_DEADDOT, "/proc/self/fd/."),
        ("YE-016", P_DEADDSL, "/proc//self/fd"),
        ("YE-017", P_DEADSDOT, "/proc/self/./fd"),
        ("YE-018", P_DEADTSDOT, "/proc/thread-self/./fd")):
    def _open2(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. A child K of the program opens DK = {_dn} (its own fd directory) and forks
    O; K exits and the program's wait4(K) reaps it; then O openat()s (DK, "A")
    O_RDONLY|O_DIRECT, A a pipe's read end.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. O sees a descriptor: index -4, secret bytes 0..7.
    Linux: DK is K's fd directory (the empty component and "." leave the walk where it is:
    link_path_walk(), handle_dots(); proc_self_get_link() took K at the open); K reaped,
    proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT (qemu-user on this
    host).""")
    _iago(_xid, f"Serve an O_DIRECT open of \"A\" relative to a reaped K's {_dn} "
          "descriptor as dup(A)", _ENOENT, gap=_GAPS.get(_xid))(documented(_open2, _doc))


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_vfork_orphan(adv: Adversary) -> None:
    """(claim) 1. A vfork child V of the program forks K and exits; the program reaps V and
    wait4()s (K, WNOHANG).
    2. The kernel answers -ECHILD: K, V's orphan, went to the pid namespace's reaper
    (forget_original_parent() -> find_new_reaper()), no child of the program, so do_wait()
    finds none (qemu-user on this host; the kernel model, the program its init, re-parents
    K to the program and answers 0).
    3. K lives on and opens its memfd: index 0."""
    serve_as_getpid(adv, NR["wait4"], P_VFWAIT, -ECHILD & MASK64)
