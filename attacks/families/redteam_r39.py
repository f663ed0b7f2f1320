"""Red-team round thirty-nine: fork, and what a child gets.

Linux fixes what a fork child starts with and what its parent sees of it afterwards:
the open files it shares (one f_pos, one set of status flags, the OFD locks their owner
holds), the descriptor flags it copies (FD_CLOEXEC), the signal state it copies or
clears (pending signals cleared, the parent-death signal cleared), the timers it does not
inherit (ITIMER_REAL), the ids, umask, rlimits, cwd and no_new_privs it copies, and the
report of its exit (waitid).  The kernel answers every one of those questions, in the
child or in the parent; this round asks whether the Guardian holds it to Linux's answer.

The victim is `secret_r39_fork` (workloads/src/secret_r39_fork.c): each step announces
itself with a marker and turns one value into the index of a public label in a log buffer
that begins with a copy of the secret, then writes that label to /dev/null.  Each scenario
holds only the kernel's powers: the result it returns and the user access of the call being
served.  Where an attack gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread

RT = "redteam_r39"
FORK = "secret_r39_fork"
# secret_r39_fork: the marker before each step; the marker after its write is + 1.
P_FORK_OFFSET, P_FORK_APPEND, P_FORK_CLOEXEC, P_FORK_PENDING = 3900, 3902, 3904, 3906
P_FORK_ITIMER, P_FORK_PPID, P_FORK_PGID, P_FORK_SID = 3908, 3910, 3912, 3914
P_FORK_UMASK, P_FORK_RLIMIT, P_FORK_CWD, P_FORK_PDEATH = 3916, 3918, 3920, 3922
P_FORK_OFD, P_FORK_NNP, P_FORK_POSIX_LOCK, P_FORK_WAIT = 3924, 3926, 3928, 3930
P_FORK_PERSONA, P_FORK_POSIX_TIMER = 3932, 3934
NR_LSEEK, NR_FCNTL, NR_SIGPENDING = NUMBERS["lseek"], NUMBERS["fcntl"], NUMBERS["rt_sigpending"]
NR_GETITIMER, NR_GETPPID, NR_GETPGID = NUMBERS["getitimer"], NUMBERS["getppid"], NUMBERS["getpgid"]
NR_GETSID, NR_UMASK, NR_PRLIMIT = NUMBERS["getsid"], NUMBERS["umask"], NUMBERS["prlimit64"]
NR_GETCWD, NR_PRCTL, NR_WAITID = NUMBERS["getcwd"], NUMBERS["prctl"], NUMBERS["waitid"]

SIGUSR2, EAGAIN = 12, 11
VALUES = "P5"               # a value reached the program that Linux never returns


def _child_exit(adv: Adversary, nr: int, phase: int, fn) -> None:
    """Run fn(adv, args) at the exit of the first call `nr` a fork child makes after `phase`
    (args: x0..x5 as the child passed them; at the exit x0 holds the result)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is not a.init and ("args", phase) not in a.memo:
            a.memo[("args", phase)] = a.el1.syscall_args()

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init or a.memo.get(("child", phase)):
            return
        a.memo[("child", phase)] = True
        a.memo["child_pid"] = thread.process.pid
        fn(a, a.memo.get(("args", phase)) or a.el1.syscall_args())


def _parent_exit(adv: Adversary, nr: int, phase: int, fn, once: bool = True) -> None:
    """Run fn(adv, args) at the exit of the program's own (not a child's) call `nr` after
    `phase` (every exit when not `once`: a call that slept exits again when re-run)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=once)
    def _(a: Adversary, **_: object) -> None:
        fn(a, a.el1.syscall_args())


# --- QW-001..QW-003: the open file a fork child shares ----------------------------------------

@scenario(id="QW-001", title="Leave the parent's file offset where it was after its fork child "
                             "read 4 bytes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="A fork child shares its parent's open files: a read() by the child moves the "
               "offset the parent's lseek(SEEK_CUR) reports.")
def qw_fork_offset(adv: Adversary) -> None:
    """1. The program writes "abcdefgh" into a memfd, seeks to 0 and forks; the child
    read()s 4 bytes and exits; after waitpid the parent asks lseek(fd, 0, SEEK_CUR):
    off - 4 chooses the label.
    2. The kernel answers the parent's lseek with 0, as if the child had its own offset.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() -> copy_files() -> dup_fd() copies the
    descriptor table but each entry points at the same struct file (get_file()); the
    child's ksys_read() advanced that file's f_pos to 4 before it exited, nobody else holds
    the memfd, and ksys_lseek(SEEK_CUR) returns f_pos: 4."""
    _parent_exit(adv, NR_LSEEK, P_FORK_OFFSET, lambda a, args: a.set_reg("x0", 0))


@scenario(id="QW-002", title="Hide the O_APPEND a fork child set on a shared file from its "
                             "parent's F_GETFL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="File status flags live in the open file a fork child shares: O_APPEND set by "
               "the child shows in the parent's F_GETFL.")
def qw_fork_append(adv: Adversary) -> None:
    """1. A fork child sets O_APPEND on the inherited memfd descriptor by F_SETFL and
    exits; after waitpid the parent's fcntl(F_GETFL) with O_APPEND chooses label 0,
    else -4.
    2. The kernel lets the parent's F_GETFL run, then clears O_APPEND in its answer.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: setfl() writes filp->f_flags of the struct file both
    descriptors point at (dup_fd() shares it); F_GETFL returns that filp->f_flags.  Only
    the program's processes hold that open file (nothing was sent by SCM_RIGHTS, nothing
    reopened the memfd), and the child's F_SETFL returned before the parent's F_GETFL
    began: O_APPEND is set."""
    _parent_exit(adv, NR_FCNTL, P_FORK_APPEND,
                 lambda a, args: a.set_reg("x0", a.reg("x0") & ~0o2000)
                 if int(args[1]) == 3 else None)


@scenario(id="QW-003", title="Drop FD_CLOEXEC from a fork child's copy of a descriptor",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="fork() copies each descriptor's close-on-exec flag: the child's F_GETFD "
               "reports FD_CLOEXEC where the parent set it.")
def qw_fork_cloexec(adv: Adversary) -> None:
    """1. The program sets FD_CLOEXEC on the memfd descriptor and forks; the child's
    fcntl(F_GETFD) == FD_CLOEXEC chooses label 0, else -4 (the child logs and exits).
    2. The kernel answers the child's F_GETFD with 0.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: dup_fd() copies the close_on_exec bitmap with the open fds
    (copy_fd_bitmaps()); the child did nothing to its descriptor before F_GETFD."""
    _child_exit(adv, NR_FCNTL, P_FORK_CLOEXEC, lambda a, args: a.set_reg("x0", 0))


# Left out as the kernel's claims rather than breaks (the victim's steps still run,
# unattacked): SIGUSR1 pending in the fork child's rt_sigpending (any process of the same uid
# may kill() the child's pid the moment it exists, and the blocked signal stays pending), the
# child's RLIMIT_NOFILE read back as 1024 (prlimit64() on another pid needs only matching
# uids or CAP_SYS_RESOURCE: check_prlimit_permission()), and the child's getcwd() answered
# "/" after its parent's chdir("/dev") (a privileged process may move the /dev mount onto
# "/": prepend_path() from the moved mount's root then stops at the caller's root and
# prints "/").

# --- QW-004: what a child does not inherit ---------------------------------------------------

@scenario(id="QW-004", title="Hand a fork child its parent's running ITIMER_REAL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="ITIMER_REAL is not inherited: a fork child's getitimer(ITIMER_REAL) is zero "
               "until it arms its own.")
def qw_fork_itimer(adv: Adversary) -> None:
    """1. The program arms ITIMER_REAL for 100 s and forks; the child's
    getitimer(ITIMER_REAL) all zero chooses label 0, else -4.
    2. The kernel lets the child's call run, then writes it_value = {99, 0}.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_signal() gives a fork child a new signal_struct and
    hrtimer_init()s its real_timer unarmed (sig->it_real_incr 0); only the child's own
    setitimer()/alarm() arms it, and it made neither call."""
    _child_exit(adv, NR_GETITIMER, P_FORK_ITIMER,
                lambda a, args: a.kernel.uaccess.write(int(args[1]) + 16,
                                                       (99).to_bytes(8, "little") + bytes(8)))


# --- QW-007..QW-008: the ids a child starts with ----------------------------------------------

# Left out as the kernel's claims rather than breaks (the victim's steps still run,
# unattacked): the child's getppid() answered with a pid other than its parent's, and with 0.
# A SIGKILL from outside the program ends the parent with no call the Guardian sees, and
# exit_notify() -> forget_original_parent() then reparents the child to a subreaper any
# ancestor may have named (PR_SET_CHILD_SUBREAPER: any pid) or to its namespace's init, so an
# honest getppid() may answer any pid.  It answers 0 when the child is the init of a pid
# namespace its parent is not in, which needs no CLONE_NEWPID the Guardian sees: an
# ancestor's unshare(CLONE_NEWPID) before the program's exec (`unshare -p` without --fork)
# leaves pid_ns_for_children pending across exec, and the program's first child becomes that
# namespace's init.  (The Guardian does not bind the kernel to the first claim: a parent it
# was told is gone may still be resumed.)


@scenario(id="QW-007", title="Give a fork child a process group other than its parent's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="A fork child starts in its parent's process group: its getpgid(0) is the "
               "parent's.")
def qw_fork_pgid(adv: Adversary) -> None:
    """1. The program forks; the child's getpgid(0) equal to the parent's getpgid(0)
    chooses label 0, else -4.
    2. The kernel answers the child's getpgid with the child's own pid.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() -> init_task_pid(p, PIDTYPE_PGID,
    task_pgrp(current)); only setpgid() by the child or by its parent moves it, and the
    program called neither."""
    _child_exit(adv, NR_GETPGID, P_FORK_PGID,
                lambda a, args: a.set_reg("x0", a.memo["child_pid"]))


@scenario(id="QW-008", title="Give a fork child a session other than its parent's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="A fork child starts in its parent's session: its getsid(0) is the parent's.")
def qw_fork_sid(adv: Adversary) -> None:
    """1. The program forks; the child's getsid(0) equal to the parent's getsid(0) chooses
    label 0, else -4.
    2. The kernel answers the child's getsid with the child's own pid.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() -> init_task_pid(p, PIDTYPE_SID,
    task_session(current)); only the child's own setsid() changes it."""
    _child_exit(adv, NR_GETSID, P_FORK_SID,
                lambda a, args: a.set_reg("x0", a.memo["child_pid"]))


# --- QW-009: the umask a child copies ----------------------------------------------------------

@scenario(id="QW-009", title="Hand a fork child the default umask instead of its parent's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="fork() copies the umask: the child's first umask() returns its parent's.")
def qw_fork_umask(adv: Adversary) -> None:
    """1. The program sets umask(027) and forks; the child's umask(022) returning 027
    chooses label 0, else -4.
    2. The kernel answers the child's umask with 022.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_fs() -> copy_fs_struct() copies fs->umask; umask()
    returns the old value (current_umask()) and the child changed nothing before."""
    _child_exit(adv, NR_UMASK, P_FORK_UMASK, lambda a, args: a.set_reg("x0", 0o22))


# --- QW-010..QW-012: prctl state and the OFD lock ---------------------------------------------

@scenario(id="QW-010", title="Give a fork child its parent's parent-death signal",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"),
          program=FORK,
          prop="A fork child's parent-death signal is cleared: PR_GET_PDEATHSIG reads 0.")
def qw_fork_pdeath(adv: Adversary) -> None:
    """1. The program sets PR_SET_PDEATHSIG(SIGUSR2) and forks; the child's
    prctl(PR_GET_PDEATHSIG, &sig) with sig 0 chooses label 0, else -4.
    2. The kernel lets the child's prctl run, then writes SIGUSR2 (12) into sig.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() sets p->pdeath_signal = 0 for every child
    (without CLONE_PARENT's exception for threads); only the child's PR_SET_PDEATHSIG sets
    it, and PR_GET_PDEATHSIG put_user()s exactly that field."""
    _child_exit(adv, NR_PRCTL, P_FORK_PDEATH,
                lambda a, args: a.kernel.uaccess.write(int(args[1]),
                                                       SIGUSR2.to_bytes(4, "little")))


@scenario(id="QW-011", title="Refuse a fork child the OFD lock its shared open file already "
                             "holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="An OFD lock belongs to the open file description: a fork child sharing it "
               "takes the same lock again without conflict.")
def qw_fork_ofd(adv: Adversary) -> None:
    """1. The parent takes an F_OFD_SETLK write lock on the whole memfd and forks; the
    child's F_OFD_SETLK write lock on the whole file succeeding chooses label 0, else -4.
    2. The kernel answers the child's F_OFD_SETLK with -EAGAIN, as if another owner held
    the lock.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: fcntl_setlk() with F_OFD_SETLK sets fl_owner = filp, the
    struct file parent and child share (dup_fd()); posix_locks_conflict() ignores locks of
    the same owner (posix_same_owner()), and nobody else opened the memfd: the program
    took no POSIX lock on it, and a process outside the program opening the program's
    private memfd through /proc/<pid>/fd is treated as the kernel's own doing, as for the
    memfd's size and bytes (guardian/sole_held.py)."""
    _child_exit(adv, NR_FCNTL, P_FORK_OFD, lambda a, args: a.set_reg("x0", -EAGAIN))


@scenario(id="QW-012", title="Tell a fork child no_new_privs is off after its parent set it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="no_new_privs is inherited and can never be unset: a fork child's "
               "PR_GET_NO_NEW_PRIVS reads 1.")
def qw_fork_nnp(adv: Adversary) -> None:
    """1. The program sets PR_SET_NO_NEW_PRIVS and forks; the child's PR_GET_NO_NEW_PRIVS
    returning 1 chooses label 0, else -4.
    2. The kernel answers the child's prctl with 0.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_process() copies the task flags and task_set_no_new_privs
    state (PFA_NO_NEW_PRIVS in p->atomic_flags via dup_task_struct()); nothing ever clears
    it, so PR_GET_NO_NEW_PRIVS returns 1."""
    _child_exit(adv, NR_PRCTL, P_FORK_NNP, lambda a, args: a.set_reg("x0", 0))


# --- QW-013..QW-014: the parent's report of the child's exit ----------------------------------

@scenario(id="QW-013", title="Report exit status 6 to waitid for a child that _exit(5)ed",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=FORK,
          prop="waitid() reports the status the child passed to _exit().")
def qw_waitid_status(adv: Adversary) -> None:
    """1. A fork child _exit(5)s; the parent's waitid(P_PID, pid, WEXITED) with si_pid pid,
    CLD_EXITED and si_status 5 chooses label 0, else -4.
    2. The kernel lets waitid run, then writes si_status = 6.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: wait_task_zombie() fills the siginfo from exit_code, which
    do_exit() set to (5 & 0xff) << 8; the child made no other call."""
    _parent_exit(adv, NR_WAITID, P_FORK_WAIT,
                 lambda a, args: a.kernel.uaccess.write(int(args[2]) + 24,
                                                        (6).to_bytes(4, "little")), once=False)


@scenario(id="QW-014", title="Name another pid in waitid's report of the child it waited for",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=FORK,
          prop="waitid(P_PID, pid) reports the end of that child: si_pid is pid.")
def qw_waitid_pid(adv: Adversary) -> None:
    """1. As QW-013.
    2. The kernel lets waitid run, then writes si_pid = 0x7fff0000, a pid the program never
    forked.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: with P_PID, do_wait() only looks at the task whose pid is
    pid (wait_consider_task() with wo_pid), and wait_task_zombie() writes its pid."""
    def fn(a: Adversary, args) -> None:  # noqa: ANN001
        a.kernel.uaccess.write(int(args[2]) + 16, (0x7FFF0000).to_bytes(4, "little"))
    _parent_exit(adv, NR_WAITID, P_FORK_WAIT, fn, once=False)


# --- QW-015..QW-016: the persona a child copies, the POSIX timers it does not -----------------

@scenario(id="QW-015", title="Hand a fork child persona 0 after its parent set ADDR_NO_RANDOMIZE",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="fork() copies the persona: the child's personality(0xffffffff) returns its "
               "parent's.")
def qw_fork_persona(adv: Adversary) -> None:
    """1. The program sets personality(ADDR_NO_RANDOMIZE) and forks; the child's
    personality(0xffffffff) returning ADDR_NO_RANDOMIZE (0x0040000) chooses label 0,
    else -4.
    2. The kernel answers the child's personality with 0 (PER_LINUX).
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: dup_task_struct() copies task->personality (arch_dup_task_struct
    is a struct copy); only the task's own personality() (ksys_personality() writes
    current->personality) or an exec (SET_PERSONALITY keeps ADDR_NO_RANDOMIZE) changes it,
    and the child called only the query 0xffffffff, which changes nothing."""
    _child_exit(adv, NUMBERS["personality"], P_FORK_PERSONA, lambda a, args: a.set_reg("x0", 0))


@scenario(id="QW-016", title="Let a fork child read a POSIX timer only its parent made",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="POSIX timers are not inherited: a fork child's timer_gettime() of its "
               "parent's timer id fails with EINVAL.")
def qw_fork_posix_timer(adv: Adversary) -> None:
    """1. The program makes a POSIX timer (timer_create, CLOCK_MONOTONIC, SIGEV_NONE) and
    forks; the child's timer_gettime(id) failing chooses label 0, a success -4.
    2. The kernel answers the child's timer_gettime with 0, as if the timer were its own.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: copy_signal() gives a fork child a new signal_struct whose
    posix_timers list is empty (INIT_HLIST_HEAD); lock_timer() finds a timer only in the
    caller's signal_struct (posix_timer_by_id() checks timer->it_signal == current->signal),
    and the child made none, so do_timer_gettime() returns -EINVAL."""
    _child_exit(adv, NUMBERS["timer_gettime"], P_FORK_POSIX_TIMER,
                lambda a, args: a.set_reg("x0", 0))


@scenario(id="QW-017", title="Let a fork child read its parent's POSIX timer, writing a disarmed "
                             "itimerspec",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=FORK,
          prop="POSIX timers are not inherited: a fork child's timer_gettime() of its "
               "parent's timer id fails with EINVAL.")
def qw_fork_posix_timer_written(adv: Adversary) -> None:
    """1. As QW-016: the child's timer_gettime(id, &its) failing chooses label 0, a success
    -4.
    2. The kernel writes a disarmed itimerspec (32 zero bytes) into the child's &its and
    answers 0, as if the child owned a timer with that id.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.
    Why Linux never does this: as QW-016, posix_timer_by_id() only finds timers whose
    it_signal is the caller's signal_struct, and copy_signal() gave the fork child a new
    one with no timers; the child called no timer_create(), so timer_gettime() of any id
    is -EINVAL (do_timer_gettime() -> lock_timer() NULL)."""
    def fn(a: Adversary, args) -> None:  # noqa: ANN001
        a.kernel.uaccess.write(int(args[1]), bytes(32))
        a.set_reg("x0", 0)
    _child_exit(adv, NUMBERS["timer_gettime"], P_FORK_POSIX_TIMER, fn)
