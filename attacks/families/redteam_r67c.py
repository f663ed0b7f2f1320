"""Red-team round 67c: the pidfd CLONE_PIDFD asks for, and clones Linux refuses for it.

Since round 66c the word CLONE_PIDFD names holds a pidfd of the child (copy_process():
pidfd_prepare() -> get_unused_fd_flags(O_RDWR | O_CLOEXEC), then put_user(pidfd,
args->pidfd)), for clone (the word parent_tid names: sys_clone()'s .pidfd =
parent_tidptr) and clone3 (clone_args' pidfd).  Linux installs it at the lowest free
descriptor (alloc_fd(): find_next_fd() from 0), never at a descriptor already open and
never leaves the word unwritten when the call returns a child.  It refuses before any child
exists: CLONE_PIDFD with CLONE_PARENT_SETTID at one address (kernel_clone(): -EINVAL; for
clone always, the two are one argument), CLONE_PIDFD with CLONE_DETACHED (copy_process():
-EINVAL), and a pidfd word put_user() cannot store into (copy_process(): goto
bad_fork_put_pidfd, -EFAULT; the child is never woken).

On the victim `secret_r67_core` (each step turns what it saw into a label; -4 is the
secret's first 8 bytes):

- YJ-001, YJ-002, YJ-003: clone(CLONE_PIDFD | SIGCHLD, 0, &word) answered with the child,
  the word then holding 40 (not the lowest free descriptor), 0 (a descriptor already open)
  and -1 (left unwritten);
- YJ-004, YJ-005: clone3(CLONE_PIDFD) answered with the child, the word holding 40 and 1;
- YJ-006, YJ-007: clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD) and clone3() with
  both flags and pidfd == parent_tid served as fork (kernel_clone(): -EINVAL);
- YJ-008: clone(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD) served as fork (copy_process());
- YJ-009, YJ-010: clone3(CLONE_PIDFD) and clone(CLONE_PIDFD | SIGCHLD) whose pidfd word
  is at address 0x10, where nothing is mapped, served as fork (put_user() fails: -EFAULT);
- YJ-011: glibc's pidfd_spawn() (clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)) answered
  with the child, the vfork parent's word holding 40;
- YJ-012: a pidfd asked for with a hole below an open descriptor, answered with that open
  descriptor's number instead of the hole's;
- YJ-013, YJ-014, YJ-015: clone3(CLONE_INTO_CGROUP) whose cgroup is a pidfd the program
  holds, descriptor 50 (closed just before) and a pipe's read end, served as fork
  (cgroup_css_set_fork(): -EBADF);
- YJ-016: Go's clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD) answered with the
  child, the vfork parent's word holding 40;
- YJ-017: clone3(CLONE_PIDFD) whose pidfd word is in the program's read-only image,
  served as fork (put_user() faults: -EFAULT);
- YJ-018: clone3() with set_tid {30000} (no CLONE_NEWPID) answered with a child whose id
  is not 30000 (alloc_pid(): that id or no child);
- honest, let through (tests/test_redteam_r67c_claims.py): each pidfd at the lowest free
  descriptor (claim_lowest_pidfds), glibc's pidfd_spawn() and Go's vfork clone
  (claim_pidfd_spawn), and the
  pidfd that takes the hole (claim_pidfd_hole).

Through with the Guardian on: none.  Refused: YJ-001, YJ-003, YJ-004, YJ-011,
YJ-012, YJ-016 (fd_lowest, fd_results), YJ-017 (the read-only word still holds -1 at the
return, no descriptor: fd_results), YJ-006..YJ-008, YJ-013, YJ-015 (fork.clone_valid).
Refused since round 67c's fix: YJ-009, YJ-010 (fork.clone_valid: a pidfd word in no area
of the program), YJ-014 (fork.clone_valid: a CLONE_INTO_CGROUP descriptor the program
closed, none made since), YJ-002, YJ-005 (return.fd_fresh: the word holds 0 or 1, below
the L the dup() made as the lowest free descriptor, none closed since: open).
Refused when written: YJ-018 (return.clone_set_tid).

The kernel model answered YJ-007 -EPERM (the Guardian's refusal of the child, not Linux's
-EINVAL) and made the children of YJ-009 and YJ-010 before its store into the word faulted
(-EFAULT with a child made: the Guardian refused the return); since round 67c it refuses
all three before any child exists, as kernel_clone() and copy_process() do
(kernel_model/syscalls/proc.py do_clone()).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r65c import serve_as_clone
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "redteam_r67c"
VICTIM = "secret_r67_core"
# secret_r67_core: the marker before each step; the marker after its write is + 1.
P_PIDFD_HIGH, P_PIDFD_OPEN, P_PIDFD_NONE, P_PIDFD3_HIGH = 7800, 7802, 7804, 7806
P_PIDFD3_OPEN, P_SETTID_SAME, P_SETTID_SAME3, P_PIDFD_DETACHED = 7808, 7810, 7812, 7814
P_PIDFD3_FAULT, P_PIDFD_FAULT, P_PIDFD_SPAWN, P_PIDFD_HOLE = 7816, 7818, 7820, 7822
P_CGROUP_PIDFD, P_CGROUP_CLOSED, P_CGROUP_PIPE = 7824, 7826, 7828
P_GO_VFORK = 7830
P_PIDFD3_RODATA = 7832
P_SET_TID = 7834
P_VICTIM_LAST = 7834
NR_CLONE, NR_CLONE3, SIGCHLD = 220, 435, 17
PROP_REFUSED = "A clone Linux refuses makes no child."
PROP_LOWEST = ("The pidfd CLONE_PIDFD writes is a new descriptor at the lowest free number "
               "(alloc_fd()), written before the call returns a child.")


def pidfd_word_as(adv: Adversary, nr: int, phase: int, value: int, above: bool = False
                  ) -> None:
    """At the parent's return from the program's call `nr` after marker `phase` (a child
    made: x0 > 0), write `value` into the pidfd word the marker named (its x3); with
    `above`, the number after the lowest free descriptor the marker named (its x4)."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        if len(args) > 2:
            a.memo[("word", phase)] = args[1]
            a.memo[("value", phase)] = args[2] + 1 if above else value

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = a.memo.get(("word", phase))
        child = a.reg("x0")
        if where is None or not 0 < child < 1 << 31 or a.memo.get(("done", phase)):
            return
        a.memo[("done", phase)] = True
        got = a.memo.get(("value", phase), value)
        a.kernel.uaccess.write_u32(where, got & 0xFFFF_FFFF)
        a.note(f"pidfd word of child {child} written as {got}")


@scenario(id="YJ-001", title="Write 40, no lowest free descriptor, as the pidfd of "
          "clone(CLONE_PIDFD)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd_high(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L (dup(0), close()) and calls
    clone(CLONE_PIDFD | SIGCHLD, 0, &word); the parent chooses label -4 unless word == L.
    2. The kernel makes the child and writes 40 into the word: the parent logs bytes 0..7
    of the secret.
    copy_process() -> pidfd_prepare() -> get_unused_fd_flags() -> alloc_fd(0, ...):
    find_next_fd() takes the lowest clear bit of open_fds: L, not 40."""
    pidfd_word_as(adv, NR_CLONE, P_PIDFD_HIGH, 40)


@scenario(id="YJ-002", title="Write 0, a descriptor already open, as the pidfd of "
          "clone(CLONE_PIDFD)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd_open(adv: Adversary) -> None:
    """1. As YJ-001.
    2. The kernel makes the child and writes 0 (the program's open stdin) into the word:
    the parent logs bytes 0..7 of the secret.
    alloc_fd() never returns a set bit of open_fds: an open descriptor is never a new
    pidfd (fd_install() would BUG on it)."""
    pidfd_word_as(adv, NR_CLONE, P_PIDFD_OPEN, 0)


@scenario(id="YJ-003", title="Leave the pidfd word of clone(CLONE_PIDFD) unwritten and "
          "answer the child", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd_none(adv: Adversary) -> None:
    """1. As YJ-001; the program sets the word to -1 before the call.
    2. The kernel makes the child and leaves -1 in the word: the parent logs bytes 0..7
    of the secret.
    copy_process(): `retval = put_user(pidfd, args->pidfd); if (retval) goto
    bad_fork_put_pidfd;`: a clone that returns a child has stored its pidfd."""
    pidfd_word_as(adv, NR_CLONE, P_PIDFD_NONE, -1)


@scenario(id="YJ-004", title="Write 40 as the pidfd of clone3(CLONE_PIDFD)", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd3_high(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls
    clone3({CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD}, 88); the parent chooses -4
    unless word == L.
    2. The kernel makes the child and writes 40: the parent logs bytes 0..7 of the secret.
    As YJ-001: alloc_fd() gives L."""
    pidfd_word_as(adv, NR_CLONE3, P_PIDFD3_HIGH, 40)


@scenario(id="YJ-005", title="Write 1, a descriptor already open, as the pidfd of "
          "clone3(CLONE_PIDFD)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd3_open(adv: Adversary) -> None:
    """1. As YJ-004.
    2. The kernel makes the child and writes 1 (the program's open stdout): the parent
    logs bytes 0..7 of the secret.
    As YJ-002: alloc_fd() never returns an open descriptor."""
    pidfd_word_as(adv, NR_CLONE3, P_PIDFD3_OPEN, 1)


@scenario(id="YJ-006", title="Make a child for clone(CLONE_PIDFD | CLONE_PARENT_SETTID | "
          "SIGCHLD)", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " CLONE_PIDFD and CLONE_PARENT_SETTID at one word is -EINVAL.")
def yj_settid_same(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &word);
    a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    sys_clone() passes parent_tidptr as both .pidfd and .parent_tid; kernel_clone(): `if
    ((args->flags & CLONE_PIDFD) && (args->flags & CLONE_PARENT_SETTID) && (args->pidfd ==
    args->parent_tid)) return -EINVAL;`."""
    serve_as_clone(adv, NR_CLONE, P_SETTID_SAME, SIGCHLD)


@scenario(id="YJ-007", title="Make a child for clone3(CLONE_PIDFD | CLONE_PARENT_SETTID) "
          "with pidfd == parent_tid", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop=PROP_REFUSED + " CLONE_PIDFD and CLONE_PARENT_SETTID at one word is -EINVAL.")
def yj_settid_same3(adv: Adversary) -> None:
    """1. The program calls clone3(args, 88) with both flags and pidfd and parent_tid the
    same word; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    kernel_clone(): args->pidfd == args->parent_tid is -EINVAL."""
    serve_as_clone(adv, NR_CLONE3, P_SETTID_SAME3, SIGCHLD)


@scenario(id="YJ-008", title="Make a child for clone(CLONE_PIDFD | CLONE_DETACHED | "
          "SIGCHLD)", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_REFUSED + " CLONE_PIDFD with CLONE_DETACHED is -EINVAL.")
def yj_pidfd_detached(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &word); a
    child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process(): `if (clone_flags & CLONE_PIDFD) { if (clone_flags & CLONE_DETACHED)
    return ERR_PTR(-EINVAL); }`."""
    serve_as_clone(adv, NR_CLONE, P_PIDFD_DETACHED, SIGCHLD)


@scenario(id="YJ-009", title="Make a child for clone3(CLONE_PIDFD) whose pidfd word is at "
          "an address nothing is mapped at", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=VICTIM, prop=PROP_REFUSED + " A pidfd word put_user() cannot store into is -EFAULT.")
def yj_pidfd3_fault(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_PIDFD, pidfd = 0x10, exit_signal SIGCHLD}, 88);
    a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process(): `retval = put_user(pidfd, args->pidfd); if (retval) goto
    bad_fork_put_pidfd;`: -EFAULT, the child is freed before it ever runs."""
    serve_as_clone(adv, NR_CLONE3, P_PIDFD3_FAULT, SIGCHLD)


@scenario(id="YJ-010", title="Make a child for clone(CLONE_PIDFD | SIGCHLD) whose "
          "parent_tid is an address nothing is mapped at", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=VICTIM, prop=PROP_REFUSED + " A pidfd word put_user() cannot store into is -EFAULT.")
def yj_pidfd_fault(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | SIGCHLD, 0, 0x10); a child, or a parent
    that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    sys_clone(): .pidfd = parent_tidptr; copy_process(): put_user() into 0x10 fails,
    -EFAULT (bad_fork_put_pidfd), no child."""
    serve_as_clone(adv, NR_CLONE, P_PIDFD_FAULT, SIGCHLD)


@scenario(id="YJ-011", title="Write 40 as the pidfd of glibc's pidfd_spawn() "
          "(clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD))", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-CLONE",), program=VICTIM, prop=PROP_LOWEST)
def yj_pidfd_spawn(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls
    clone3({CLONE_VM | CLONE_VFORK | CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD},
    88); the child exits, the parent chooses -4 unless word == L.
    2. The kernel makes the vfork child and, at the parent's return, writes 40 into the
    word: the parent logs bytes 0..7 of the secret.
    copy_process() installs the pidfd at alloc_fd()'s lowest free number in the parent's
    table and stores it before the child runs."""
    pidfd_word_as(adv, NR_CLONE3, P_PIDFD_SPAWN, 40)


@scenario(id="YJ-012", title="Give a pidfd the number of an open descriptor above a hole",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VICTIM,
          prop=PROP_LOWEST)
def yj_pidfd_hole(adv: Adversary) -> None:
    """1. The program dup()s 0 twice (H, then H + 1), closes H, learns the lowest free
    descriptor (H) and calls clone(CLONE_PIDFD | SIGCHLD, 0, &word); the parent chooses
    -4 unless word == H.
    2. The kernel makes the child and writes H + 1, still open: the parent logs bytes
    0..7 of the secret.
    alloc_fd() takes the hole H; H + 1 is open and never a new descriptor."""
    pidfd_word_as(adv, NR_CLONE, P_PIDFD_HOLE, 0, above=True)


PROP_CGROUP = (PROP_REFUSED + " CLONE_INTO_CGROUP into a descriptor that is no cgroup2 "
               "directory, or none at all, is -EBADF.")


@scenario(id="YJ-013", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is "
          "a pidfd", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop=PROP_CGROUP)
def yj_cgroup_pidfd(adv: Adversary) -> None:
    """1. The program keeps the pidfd of a clone(CLONE_PIDFD) child and calls
    clone3(args, 88) with CLONE_INTO_CGROUP and cgroup that pidfd; a child, or a parent
    that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process() -> cgroup_can_fork() -> cgroup_css_set_fork(): cgroup_get_from_file()
    -> css_tryget_online_from_dir() wants a kernfs directory of cgroup2; a pidfd (an
    anonymous pidfs inode) is none: -EBADF, before alloc_pid()."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_PIDFD, SIGCHLD)


@scenario(id="YJ-014", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is a "
          "descriptor just closed", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM, prop=PROP_CGROUP)
def yj_cgroup_closed(adv: Adversary) -> None:
    """1. The program calls close(50) (whatever it inherited there is gone after it), then
    clone3(args, 88) with CLONE_INTO_CGROUP and cgroup 50; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    cgroup_css_set_fork(): `f = fget_raw(kargs->cgroup); if (!f) { ret = -EBADF; goto
    err; }`."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_CLOSED, SIGCHLD)


@scenario(id="YJ-015", title="Make a child for clone3(CLONE_INTO_CGROUP) whose cgroup is a "
          "pipe's read end", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM, prop=PROP_CGROUP)
def yj_cgroup_pipe(adv: Adversary) -> None:
    """1. The program makes a pipe and calls clone3(args, 88) with CLONE_INTO_CGROUP and
    cgroup its read end; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    cgroup_css_set_fork() -> cgroup_get_from_file(): a pipe is no cgroup2 directory:
    -EBADF."""
    serve_as_clone(adv, NR_CLONE3, P_CGROUP_PIPE, SIGCHLD)


@scenario(id="YJ-016", title="Write 40 as the pidfd of Go's clone(CLONE_VM | CLONE_VFORK | "
          "CLONE_PIDFD | SIGCHLD)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",),
          program=VICTIM, prop=PROP_LOWEST)
def yj_go_vfork(adv: Adversary) -> None:
    """1. The program learns its lowest free descriptor L and calls clone(CLONE_VM |
    CLONE_VFORK | CLONE_PIDFD | SIGCHLD, 0, &word), as Go's syscall.forkExec does; the
    child exits, the parent chooses -4 unless word == L.
    2. The kernel makes the vfork child and, at the parent's return, writes 40 into the
    word: the parent logs bytes 0..7 of the secret.
    As YJ-001: copy_process() installs the pidfd at alloc_fd()'s lowest free number."""
    pidfd_word_as(adv, NR_CLONE, P_GO_VFORK, 40)


@scenario(id="YJ-017", title="Make a child for clone3(CLONE_PIDFD) whose pidfd word is "
          "in the read-only image", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop=PROP_REFUSED + " A pidfd word put_user() cannot store into is -EFAULT.")
def yj_pidfd3_rodata(adv: Adversary) -> None:
    """1. The program calls clone3({CLONE_PIDFD, pidfd = a const word of its .rodata,
    exit_signal SIGCHLD}, 88); a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork: the child and the parent log bytes 0..7 of the secret.
    copy_process(): put_user() into a page mapped without PROT_WRITE faults (-EFAULT,
    bad_fork_put_pidfd): no child."""
    serve_as_clone(adv, NR_CLONE3, P_PIDFD3_RODATA, SIGCHLD)


@scenario(id="YJ-018", title="Make a child for clone3() with set_tid {30000} and answer "
          "another id", family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",),
          program=VICTIM,
          prop="A clone3() with a set_tid array (no CLONE_NEWPID) that makes a child gives "
               "it set_tid[0] and returns that id.")
def yj_set_tid_other(adv: Adversary) -> None:
    """1. The program calls clone3({set_tid = {30000}, set_tid_size 1, exit_signal
    SIGCHLD}, 88); the child exits, the parent chooses -4 for a child id other than 30000.
    2. The kernel serves it as fork: the child gets the next free id and the parent logs
    bytes 0..7 of the secret.
    alloc_pid(): with set_tid, `nr = idr_alloc(&tmp->idr, NULL, tid, tid + 1, ...)`: the
    child's id in the creator's namespace is set_tid[0] (-EEXIST if taken, -EPERM without
    CAP_CHECKPOINT_RESTORE); no other id is ever given."""
    serve_as_clone(adv, NR_CLONE3, P_SET_TID, SIGCHLD)


def claim_lowest_pidfds(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_PIDFD | SIGCHLD) three times and clone3(CLONE_PIDFD)
    twice; Linux installs each pidfd at the lowest free descriptor and stores its number
    (copy_process()).  The kernel model does so: left as it is."""
    adv.note("CLONE_PIDFD pidfds left to the kernel model")


def claim_pidfd_spawn(adv: Adversary) -> None:
    """1. glibc's pidfd_spawn(): clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD, exit_signal
    SIGCHLD), and Go's clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD); Linux stores the pidfd in the parent's word before the vfork child runs and
    returns the child's id once it exited.  The kernel model does so: left as it is."""
    adv.note("pidfd_spawn()'s clone3 left to the kernel model")


def claim_pidfd_hole(adv: Adversary) -> None:
    """1. With a hole H below an open H + 1, clone(CLONE_PIDFD | SIGCHLD): Linux's
    alloc_fd() gives the pidfd H.  The kernel model does so: left as it is."""
    adv.note("the pidfd in the hole left to the kernel model")
