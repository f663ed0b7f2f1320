"""Red-team round 66c: clones and clone3s Linux refuses that fork.clone_valid does not.

fork.clone_valid (guardian/clone_valid.py) refuses a child for a clone or clone3 Linux
refuses, from the call's flags and the first 64 bytes of its struct clone_args
(CLONE_ARGS_SIZE_VER0).  Linux's copy_clone_args_from_user() reads all of the `size`
bytes the program names: a tail past the fields it knows must be zero
(copy_struct_from_user(): -E2BIG), set_tid and set_tid_size (VER1) and cgroup (VER2)
are checked before any child exists; clone3_stack_valid() asks access_ok() of the stack;
copy_namespaces() refuses CLONE_NEWIPC with CLONE_SYSVSEM (-EINVAL, or -EPERM without
CAP_SYS_ADMIN: a refusal either way); alloc_pid() refuses a set_tid entry below 1 and
cgroup_css_set_fork() a cgroup descriptor that is no cgroup2 directory, before any child
exists.

Each scenario serves the program's call as fork (clone(SIGCHLD)): the child, or the
parent that saw one, chooses label -4.  On the victim `secret_r66_core`:

- YD-001: clone3() of size 96 whose bytes 88..95 are not zero (-E2BIG);
- YD-002: clone3(CLONE_INTO_CGROUP) of size 80, CLONE_ARGS_SIZE_VER1 (-EINVAL);
- YD-003: clone3(CLONE_INTO_CGROUP) with cgroup 0x80000000, past INT_MAX (-EINVAL);
- YD-004, YD-005, YD-006: clone3() with set_tid_size 1 and no set_tid, with a set_tid
  and set_tid_size 0, with set_tid_size 33, past MAX_PID_NS_LEVEL (-EINVAL);
- YD-007, YD-008: clone3() with a stack past the user address range, and with a stack
  whose size runs past it (clone3_stack_valid(): access_ok(), -EINVAL);
- YD-009: clone(CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD) (copy_namespaces());
- YD-010: clone3(CLONE_NEWIPC | CLONE_SYSVSEM) (copy_namespaces());
- YD-011, YD-012: clone3() with set_tid_size 1 and a set_tid nothing is mapped at
  (copy_from_user(): -EFAULT), and with set_tid {0} (alloc_pid(): -EINVAL);
- YD-013: clone3(CLONE_INTO_CGROUP) whose cgroup is a descriptor of /dev/null, no
  cgroup2 directory (cgroup_css_set_fork(): -EBADF);
- YD-014: the handler a vfork child installed (its own table: no CLONE_SIGHAND) run in
  its parent after the child exited: stopped (the parent runs its own handler A, the
  one the Guardian recorded for its table);
- honest, let through (tests/test_redteam_r66c_claims.py): a vfork by clone3() of size
  64 (CLONE_ARGS_SIZE_VER0) and one of a whole page with a zero tail
  (claim_vfork_sizes); the parent's SIGUSR1 handler run in the child of
  clone(1 << 32 | SIGCHLD), whose bit 32 (clone3's CLONE_CLEAR_SIGHAND) sys_clone() drops
  (lower_32_bits(); claim_legacy_high_bits; qemu-aarch64-static makes the child);
- honest, refused until round 66c's fix: the pidfd number Linux writes for clone(CLONE_PIDFD | SIGCHLD,
  0, &pidfd), as Go's os.StartProcess asks for it (claim_legacy_pidfd), and for
  clone3(CLONE_PIDFD) into clone_args' pidfd word, as Rust's std asks for it
  (claim_clone3_pidfd): every 4-byte store of a clone is taken for a TID word
  (uaccess.tid_word).

Through with the Guardian on when written, refused since: YD-001..YD-008, YD-011,
YD-012 (fork.clone_valid reads clone_args past its first 64 bytes as
copy_clone_args_from_user() copies them: the tail, set_tid and set_tid_size, cgroup, the
set_tid array and its entries, the stack's access_ok()), YD-009, YD-010 (fork.clone_valid:
CLONE_NEWIPC with CLONE_SYSVSEM, copy_namespaces()), YD-013 (fork.clone_valid: a
CLONE_INTO_CGROUP descriptor the Guardian knows to be no directory,
cgroup_css_set_fork()); and the two pidfd claims (the word CLONE_PIDFD names holds a pidfd
number, no TID: guardian.tid_words).

The kernel model refuses each of these as Linux does (kernel_model/syscalls/proc.py), and
makes the pidfd CLONE_PIDFD asks for (copy_process()), for clone and clone3.

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r65c import send_child, serve_as_clone
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.signals import pack_siginfo
from kernel_model.syscalls.events import PidFd

RT = "redteam_r66c"
VICTIM = "secret_r66_core"
# secret_r66_core: the marker before each step; the marker after its write is + 1.
P_TAIL, P_CGROUP_V1, P_CGROUP_BIG, P_SET_TID_NULL = 7200, 7202, 7204, 7206
P_SET_TID_EMPTY, P_SET_TID_DEEP, P_STACK_HIGH, P_STACK_LONG = 7208, 7210, 7212, 7214
P_NEWIPC_SYSVSEM, P_VFORK_V0, P_VFORK_PAGE, P_LEGACY_HIGH = 7216, 7218, 7220, 7222
P_PIDFD_LEGACY, P_NEWIPC_CLONE3, P_SET_TID_FAULT, P_SET_TID_ZERO = 7224, 7226, 7228, 7230
P_CGROUP_DEVNULL, P_PIDFD_CLONE3, P_VFORK_ACTION = 7232, 7234, 7236
P_VICTIM_LAST = 7236
SI_USER = 0
SIGUSR1 = 10
NR_CLONE, NR_CLONE3, SIGCHLD = 220, 435, 17
PROP_REFUSED = "A clone3() Linux refuses makes no child."


@scenario(id="YD-001", title="Make a child for clone3() of size 96 whose bytes past "
          "CLONE_ARGS_SIZE_VER2 are not zero", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone3() whose clone_args tail (past the fields Linux knows) is not zero "
               "makes no child (-E2BIG).")
def yd_nonzero_tail(adv: Adversary) -> None:
    """1. The program calls clone3(args, 96) with exit_signal SIGCHLD and 1 in bytes
    88..95; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork (clone(SIGCHLD)): the child and the parent log bytes
    0..7 of the secret.
    copy_clone_args_from_user() -> copy_struct_from_user(): `if (usize > ksize) { ret =
    check_zeroed_user(src + ksize, usize - ksize); if (ret <= 0) return ret ?: -E2BIG; }`."""
    serve_as_clone(adv, NR_CLONE3, P_TAIL, SIGCHLD)


@scenario(id="YD-002", title="Make a child for clone3(CLONE_INTO_CGROUP) of size 80, which "
          "has no cgroup field", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop="A clone3(CLONE_INTO_CGROUP) shorter than CLONE_ARGS_SIZE_VER2 makes no child "
               "(-EINVAL).")
def yd_cgroup_v1(adv: Adversary) -> None:
    """1. The program calls clone3(args, 80) with flags CLONE_INTO_CGROUP; a child, or a
    parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if ((args.flags & CLONE_INTO_CGROUP) && (args.cgroup >
    INT_MAX || usize < CLONE_ARGS_SIZE_VER2)) return -EINVAL;`."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_V1, SIGCHLD)


@scenario(id="YD-003", title="Make a child for clone3(CLONE_INTO_CGROUP) with cgroup "
          "0x80000000", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop="A clone3(CLONE_INTO_CGROUP) whose cgroup is past INT_MAX makes no child "
               "(-EINVAL).")
def yd_cgroup_big(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with CLONE_INTO_CGROUP and cgroup
    0x80000000; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `args.cgroup > INT_MAX` is -EINVAL, before any
    descriptor is looked up."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_BIG, SIGCHLD)


@scenario(id="YD-004", title="Make a child for clone3() with set_tid_size 1 and no set_tid",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " set_tid_size without a set_tid array is -EINVAL.")
def yd_set_tid_null(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with set_tid 0 and set_tid_size 1; a child,
    or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if (unlikely(!args.set_tid && args.set_tid_size > 0))
    return -EINVAL;`."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID_NULL, SIGCHLD)


@scenario(id="YD-005", title="Make a child for clone3() with a set_tid array of size 0",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " A set_tid array with set_tid_size 0 is -EINVAL.")
def yd_set_tid_empty(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with set_tid an array of its own and
    set_tid_size 0; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if (unlikely(args.set_tid && args.set_tid_size == 0))
    return -EINVAL;`."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID_EMPTY, SIGCHLD)


@scenario(id="YD-006", title="Make a child for clone3() with set_tid_size 33",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " set_tid_size past MAX_PID_NS_LEVEL (32) is -EINVAL.")
def yd_set_tid_deep(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with a set_tid array and set_tid_size 33; a
    child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if (unlikely(args.set_tid_size > MAX_PID_NS_LEVEL))
    return -EINVAL;`, the first check after the copy."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID_DEEP, SIGCHLD)


@scenario(id="YD-007", title="Make a child for clone3() with a stack past the user address "
          "range", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " A stack access_ok() refuses is -EINVAL.")
def yd_stack_high(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with stack 0x00f0000000000000 (past
    TASK_SIZE_MAX, 1 << 52 at most) and stack_size 4096; a child, or a parent that made
    one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    clone3_stack_valid(): `if (!access_ok((void __user *)kargs->stack,
    kargs->stack_size)) return false;` -> clone3_args_valid() false -> -EINVAL."""
    serve_as_clone(adv, NR_CLONE3, P_STACK_HIGH, SIGCHLD)


@scenario(id="YD-008", title="Make a child for clone3() with a stack whose size runs past "
          "the user address range", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop=PROP_REFUSED + " A stack whose end access_ok() refuses is -EINVAL.")
def yd_stack_long(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with stack a buffer of its own and stack_size
    0x00f0000000000000; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    clone3_stack_valid(): access_ok(stack, stack_size) asks that stack + stack_size stay
    within TASK_SIZE_MAX: -EINVAL."""
    serve_as_clone(adv, NR_CLONE3, P_STACK_LONG, SIGCHLD)


@scenario(id="YD-009", title="Make a child for clone(CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD)",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone Linux refuses makes no child: a new IPC namespace that shares its "
               "creator's semaphore undo list is -EINVAL (-EPERM unprivileged).")
def yd_newipc_sysvsem(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD); a child, or a
    parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process() -> copy_namespaces(): a CLONE_NEW* flag without CAP_SYS_ADMIN is
    -EPERM; with it, `if ((flags & (CLONE_NEWIPC | CLONE_SYSVSEM)) == (CLONE_NEWIPC |
    CLONE_SYSVSEM)) return -EINVAL;`: no child either way."""
    serve_as_clone(adv, NR_CLONE, P_NEWIPC_SYSVSEM, SIGCHLD)


@scenario(id="YD-010", title="Make a child for clone3(CLONE_NEWIPC | CLONE_SYSVSEM)",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " A new IPC namespace that shares its creator's semaphore "
               "undo list is -EINVAL (-EPERM unprivileged).")
def yd_newipc_clone3(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with flags CLONE_NEWIPC | CLONE_SYSVSEM and
    exit_signal SIGCHLD; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    clone3_args_valid() lets both flags by; copy_process() -> copy_namespaces() refuses
    them: -EPERM without CAP_SYS_ADMIN, else `(flags & (CLONE_NEWIPC | CLONE_SYSVSEM)) ==
    (CLONE_NEWIPC | CLONE_SYSVSEM)`: -EINVAL."""
    serve_as_clone(adv, NR_CLONE3, P_NEWIPC_CLONE3, SIGCHLD)


@scenario(id="YD-011", title="Make a child for clone3() whose set_tid array is at an "
          "address nothing is mapped at", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop=PROP_REFUSED + " A set_tid array Linux cannot read is -EFAULT.")
def yd_set_tid_fault(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with set_tid 0x10 (the first page, never
    mapped) and set_tid_size 1; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_clone_args_from_user(): `if (args.set_tid && copy_from_user(kset_tid,
    u64_to_user_ptr(args.set_tid), args.set_tid_size * sizeof(pid_t))) return -EFAULT;`."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID_FAULT, SIGCHLD)


@scenario(id="YD-012", title="Make a child for clone3() with set_tid {0}", family=RT,
          goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " A set_tid entry below 1 is -EINVAL.")
def yd_set_tid_zero(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with set_tid an array holding 0 and
    set_tid_size 1; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process() -> alloc_pid(): `tid = set_tid[ns->level - i]; retval = -EINVAL; if
    (tid < 1 || tid >= pid_max) goto out_free;`, before its capability check: no pid,
    no child."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID_ZERO, SIGCHLD)


@scenario(id="YD-013", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is a "
          "descriptor of /dev/null", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop=PROP_REFUSED + " CLONE_INTO_CGROUP into a descriptor that is no cgroup2 "
               "directory is -EBADF.")
def yd_cgroup_devnull(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with CLONE_INTO_CGROUP and cgroup its
    descriptor of /dev/null; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process() -> cgroup_can_fork() -> cgroup_css_set_fork(): cgroup_get_from_file()
    -> css_tryget_online_from_dir() finds no kernfs directory of the cgroup file system:
    -EBADF, before any pid is allocated."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_DEVNULL, SIGCHLD)


@scenario(id="YD-014", title="Run in the parent the SIGUSR1 handler its vfork child "
          "installed", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=VICTIM,
          prop="A vfork child (no CLONE_SIGHAND) has its own copy of the signal actions: "
               "what it installs never runs in its parent.")
def yd_vfork_child_action(adv: Adversary) -> None:
    """1. The program installs SIGUSR1 handler A and vforks (clone(CLONE_VM | CLONE_VFORK |
    SIGCHLD)); the child installs handler B for SIGUSR1 and exits; the parent calls a
    marker and chooses label -4 if B ran in it.
    2. At the parent's marker the kernel puts B into the parent's table (the child's
    action) and delivers SIGUSR1: B runs in the parent, which logs bytes 0..7 of the
    secret.
    copy_sighand() gives a child without CLONE_SIGHAND its own copy of the table; the
    child's rt_sigaction() changes that copy only (do_sigaction() on current->sighand):
    the parent's SIGUSR1 is still A."""
    @adv.on(Point.MARKER, phase=P_VFORK_ACTION, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, args: tuple[int, ...] = (),
          **_: object) -> None:
        if thread is None or len(args) < 2:
            return
        proc = thread.process  # type: ignore[attr-defined]
        action = proc.sigactions.get(SIGUSR1)
        proc.sigactions.set(SIGUSR1, type(action)(handler=args[1], flags=action.flags,
                                                  restorer=action.restorer,
                                                  mask=action.mask))
        thread.pending.add(SIGUSR1, pack_siginfo(SIGUSR1, SI_USER, pid=1))  # type: ignore[attr-defined]
        a.note("the vfork child's handler put into the parent's table, SIGUSR1 queued")


def claim_vfork_sizes(adv: Adversary) -> None:
    """1. The program vforks by clone3(CLONE_VM | CLONE_VFORK, exit_signal SIGCHLD) of size
    64 (CLONE_ARGS_SIZE_VER0) and of a whole page with a zero tail: Linux makes both
    children (copy_struct_from_user() copies the 88 bytes it knows and finds the rest
    zero).  The kernel model answers as Linux does: left as it is."""
    adv.note("clone3() vforks of size 64 and 4096 left to the kernel model")


def claim_legacy_high_bits(adv: Adversary) -> None:
    """1. The program installs a SIGUSR1 handler and calls clone(1 << 32 | SIGCHLD); the
    child calls a marker and exits.
    2. sys_clone() builds its kernel_clone_args from lower_32_bits(clone_flags): bit 32
    is no flag there, the child is a fork whose signal actions are a copy of its parent's
    (copy_sighand()), the handler included.  At the child's marker another process's
    kill(SIGUSR1) runs the parent's handler in the child (handle_signal())."""
    send_child(adv, SIGUSR1, P_LEGACY_HIGH)


def _note_pidfd(a: Adversary, thread: object, what: str) -> None:
    """Note the pidfd the kernel model installed for the child the clone returns."""
    child = a.reg("x0")
    proc = a.kernel.processes.get(child) if 0 < child < 1 << 31 else None
    if proc is None or thread is None:
        return
    fds = thread.process.fds  # type: ignore[attr-defined]
    got = [fd for fd in range(64)
           if fd in fds and isinstance(fds.get(fd), PidFd) and fds.get(fd).proc is proc]
    if got:
        a.note(f"pidfd {got[0]} of child {child} written for {what}")


def claim_legacy_pidfd(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0) (Go's
    syscall.forkExec, for the pidfd os.StartProcess keeps since Go 1.23); the child exits.
    2. Linux's sys_clone() passes parent_tidptr as args.pidfd; copy_process() installs a
    pidfd for the child in the parent (pidfd_prepare(): O_RDWR | O_CLOEXEC) and writes its
    number there (put_user(pidfd, args->pidfd)) before the call returns the child's id.
    The kernel model does so: the step notes the number."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_PIDFD_LEGACY)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        _note_pidfd(a, thread, "CLONE_PIDFD")


def claim_clone3_pidfd(adv: Adversary) -> None:
    """1. The program calls clone3(CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD) of
    size 88 (Rust's std, for the pidfd of a spawned child); the child exits.
    2. Linux's copy_process() installs a pidfd for the child in the parent and writes its
    number into the word clone_args' pidfd names (put_user(pidfd, args->pidfd)).  The
    kernel model does so: the step notes the number."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE3, during=P_PIDFD_CLONE3)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        _note_pidfd(a, thread, "clone3's CLONE_PIDFD")
