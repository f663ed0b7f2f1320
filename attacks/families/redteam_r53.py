"""Red-team round fifty-three: the rules added after round 52, both ways.

Since round 52 the Guardian follows memfds reopened through /proc/self/fd with O_APPEND or
O_TRUNC (each open file's offset, the cut and its seals), judges the waits that take
pending signals (rt_sigtimedwait, signalfd) by the pending order (the thread's own queue
first, synchronous signals first), knows other processes' kill()s of the program (fork
children, grandchildren), refuses 0 from ppoll/pselect6 with a zero timeout whose mask
unblocks a pending signal and -EINTR from epoll_pwait with a zero timeout, bounds
splice/tee/copy_file_range counts and follows moves between pipes, and holds memfd
SEEK_DATA to where a folio of written pages may begin.  This round asks those rules
shapes the earlier victims lacked:

- F_SETFL(O_APPEND) on a reopened memfd against a dup of it and its first open file
  (XK-001..XK-003), a fork child's write and F_SETFL through the shared open file
  (XK-004..XK-007), O_TRUNC reopens under F_SEAL_SHRINK (nothing to cut) and F_SEAL_GROW
  (XK-008..XK-010), pwrite() through an O_APPEND reopen (XK-028, XK-029);
- rt_sigtimedwait's own-queue-first order (XK-011), a SIGUSR1 pending in both queues
  (XK-030, XK-031), a signalfd read of two records, synchronous first (XK-012), a
  grandchild's and a child's kill() taken by a wait with a zero timeout (XK-013..XK-015),
  a signalfd read whose second record faults (XK-025);
- pselect6/ppoll with a ready descriptor and a mask unblocking a pending signal
  (XK-016, XK-017), epoll_pwait2 with a zero timespec (XK-018);
- tee() shorter than the bytes waiting (XK-019, XK-020), copy_file_range() with offset
  pointers (XK-021) and without (XK-022, XK-026, XK-027), splice() from a memfd into a
  pipe with off_in (XK-023, XK-024), splice() and sendfile() moving the memfd's own
  position (XK-032..XK-034);
- a wait whose set leaves out the thread's own pending signal (XK-035), a fork child's
  kill(0, ...) of the program's group (XK-036) and rt_sigqueueinfo() with SI_QUEUE
  (XK-037), O_TRUNC under F_SEAL_WRITE (XK-038), pwritev2() with RWF_APPEND (XK-039), a
  buffer splice() moved whole (it keeps its merge flag, XK-040) against one tee() linked
  (XK-041), splice() from a pipe into a memfd hole (XK-042, XK-043), ppoll/pselect6 with a
  zero timeout whose mask unblocks a signal nobody handles (XK-044, XK-045);
- a fork child's kill() of a signal the program ignores (XK-046), a signalfd whose mask
  leaves out the thread's own signal (XK-047), a fork child reading the program's
  signalfd (XK-048, XK-049), the thread's queue before a synchronous signal in the shared
  one (XK-050), pselect6() whose sigmask argument names no set (XK-051, XK-052), a
  real-time signal queued by a fork child and then by the program (XK-053), tee()'s
  source buffer left mergeable (XK-054), SIGCHLD read from a signalfd after the reaping
  (XK-055), epoll_pwait2() with no timeout (XK-056).

Refused when written: XK-001..XK-007, XK-009..XK-011, XK-019..XK-021, XK-023, XK-028,
XK-029, XK-031, XK-037, XK-038, XK-041..XK-043, XK-054, XK-055.
Through with the Guardian on when written, refused since: the waits and signalfd
reads -- XK-012 and XK-050 (a signalfd read's or a wait's order with a signal left at
SIG_DFL, or never set, pending), XK-013..XK-015 (a grandchild's or a child's kill() not
known pending, or named for another sender: a reaped child's pid is the program's, a
pipe read keeps what is known), XK-030, XK-035 and XK-047 (-EAGAIN from a wait or a
signalfd read whose set holds a signal known pending), XK-036 (a child's kill(0, ...) of
the program's group, the same real uid), XK-046 (a child's kill() of a signal the program
ignored, unblocked, while it waited for the child: discarded, so no wait takes it),
XK-048 and XK-049 (a fork child's read of the program's signalfd given the program's
signal -- a fork child starts with nothing pending; the victim takes a child killed for a
refused answer as a public label -- and the program's read after it answered -EAGAIN),
XK-053 (real-time instances of two senders handed out in the wrong order: a send that
returned before another entered is queued first), XK-025 (-EFAULT for a signalfd read that
copied a record, or whose first record could not fault; the kernel model copies record by
record now); the polls -- XK-016 and XK-017 (-EINTR from pselect6/ppoll with a ready
descriptor), XK-018 (-EINTR from epoll_pwait2 with a zero timespec), XK-052 (the pending
signal of a pselect6() with no set dropped), XK-056 (0 from epoll_pwait2() with no
timeout while its mask unblocks a pending signal); the memfds -- XK-008 (EPERM for an
O_TRUNC that cuts nothing), XK-022, XK-026, XK-027 (copy_file_range() between memfds
followed: positions and SEEK_DATA), XK-024, XK-032..XK-034 (no longer blind after a
failed copy_file_range or pwritev2: a failed move moves nothing), XK-039 (pwritev2's
RWF_APPEND followed as an append); XK-040 (EAGAIN where a write merges into a buffer
splice() moved whole: the moved buffers are followed, with the last one's merge flag).

Still through (open P5 gaps): XK-044, XK-045
and XK-051 (-EINTR with no handler for a poll with a zero timeout: Linux does so too where
the persona holds STICKY_TIMEOUTS -- poll_select_finish() turns -ERESTARTNOHAND into
-EINTR for any timeout pointer before the zero-timeout shortcut -- and the Guardian knows
a persona only from the program's own personality() calls).

One honest answer refused when written, fixed since: copy_file_range() with offset
pointers -- the Guardian gave the kernel no capability for *off_in and *off_out, so
Linux's copy (10 bytes, the offsets written back) became -EFAULT.

The claim_* step functions answer exactly as Linux does where the kernel model did not
when written: copy_file_range() (the model had none: -ENOSYS; it copies now), with and
without offset pointers, pwritev2() with RWF_APPEND (the model answered -EOPNOTSUPP; it
appends now), ppoll/pselect6 restarted after
a discarded signal (the model answers 0 and leaves the signal pending), and a signalfd
read whose second record faults (signalfd_read_iter() returns the first record's 128
bytes, the second signal lost; the kernel model, which dequeued both and answered -EFAULT
when written, now copies record by record as Linux does);
tests/test_redteam_r53_claims.py runs them and the honest model.

The victim is `secret_r53_rules` (workloads/src/secret_r53_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r45 import _answer, _fill
from attacks.families.redteam_r51 import _answer_nth
from attacks.hooks import Point
from attacks.moves import hold_signal, serve_as_getpid, serve_with
from attacks.scenario import iago_scenarios
from kernel_model import signals as sig

RT = "redteam_r53"
RULES = "secret_r53_rules"
(P_SETFL, P_FORKOFF, P_FORKAPP, P_TRUNCEQ, P_GROWSEAL, P_OWNQ, P_SYNCFIRST, P_GRANDKILL,
 P_PIPEKILL, P_PSELRDY, P_PPOLLRDY, P_EPW2, P_TEELEN, P_CFR, P_SPLFILE,
 P_SFDFAULT, P_CFRPOS, P_PWAPPEND, P_DUALQ, P_SPLPOS, P_SENDPOS, P_PPOLLIGN, P_PSELIGN,
 P_WAITSET, P_KILL0, P_SIGQ, P_WSEALTR, P_PWV2APP, P_SPLMERGE, P_TEENOMRG,
 P_SPLIN, P_IGNKILL, P_SFDSUB, P_SFDCHILD, P_SYNCXQ, P_PSELNULL, P_RTORDER,
 P_TEESRC, P_SFDCHLD, P_EPW2INF) = range(5300, 5380, 2)
P_FIRST, P_LAST = P_SETFL, P_EPW2INF
# the victim's switches
FAULTS, IGNORED = b"-f", b"-i"
NR = NUMBERS
PAGE = 4096
SIGUSR1, SIGUSR2, SIGURG, SIGSYS, SIGRTMIN = 10, 12, 23, 31, 34
SI_USER, SI_TKILL = 0, -6
EAGAIN, EPERM, EFAULT, EINTR = 11, 1, 14, 4
MASK64 = (1 << 64) - 1


_iago = iago_scenarios(RT, RULES)


def _sig(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-SIGNAL-HANDLER",),
         gap: str | None = None, args: tuple[bytes, ...] = (),
         silent: str = ""):  # type: ignore[no-untyped-def]
    return _iago(id_, title, prop, rules, gap, args, silent)


# --- memfds reopened through /proc/self/fd ----------------------------------------------------
@_iago("XK-001", "Answer the first open file's offset after F_SETFL(O_APPEND) on a reopen "
       "as if its write had appended", "F_SETFL changes one open file: a write through the "
       "memfd's first open file at 0 leaves its offset at 10.")
def xk_setfl_first(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' (fd1), reopens it O_RDWR through
    /proc/self/fd (fd2), sets O_APPEND on fd2, dup()s it (fd3), writes 10 'x' at 0 through
    fd1 and 10 'y' through fd3, then asks lseek(fd1, 0, SEEK_CUR).
    2. The kernel answers 110, as if O_APPEND had reached fd1 too.
    3. The program sees 110: index -4, secret bytes 0..7.
    Linux's setfl() sets filp->f_flags of fd2's struct file only; fd1 is another struct
    file (path_openat() made a new one), without FMODE/O_APPEND: generic_file_llseek()
    returns its f_pos, 10."""
    _answer_nth(adv, P_SETFL, NR["lseek"], 2, 110)


@_iago("XK-002", "Answer the dup's open file's offset after an appending write as the "
       "reopen's own", "A dup shares its open file: fd3's appending write moves fd2's "
       "offset to 110.")
def xk_setfl_dup(adv: Adversary) -> None:
    """1. As XK-001's step; then lseek(fd2, 0, SEEK_CUR).
    2. The kernel answers 0, as if fd3 (the dup) had had an open file of its own.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's dup() -> f_dupfd() installs the same struct file: the write through fd3 with
    O_APPEND (generic_write_checks(): pos = i_size = 100) leaves f_pos at 110."""
    _answer_nth(adv, P_SETFL, NR["lseek"], 3, 0)


@_iago("XK-003", "Answer the memfd's bytes as if the appending write had landed at 0",
       "The dup's write with O_APPEND lands at the end: x*10 m*90 y*10.")
def xk_setfl_bytes(adv: Adversary) -> None:
    """1. As XK-001's step; then pread(fd1, 8192, 0).
    2. The kernel answers 100 bytes: y*10 m*90 (the y written over the x at 0).
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's shmem_file_write_iter() -> generic_write_checks(): IOCB_APPEND sets ki_pos to
    i_size (100); the file is 110 bytes: x*10 m*90 y*10."""
    _fill(adv, P_SETFL, NR["pread64"], b"y" * 10 + b"m" * 90)


@_iago("XK-004", "Answer the reopen's offset after a fork child wrote through it with 0",
       "A fork child's descriptor is the same open file: its write moves the parent's "
       "offset to 10.")
def xk_forkoff(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' (fd1), reopens it O_RDWR (fd2, offset 0); a
    fork child writes 10 'c' through fd2 and exits (reaped); the program asks
    lseek(fd2, 0, SEEK_CUR).
    2. The kernel answers 0, as if the child's write had not moved it.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's dup_fd() (copy_files()) gives the child the same struct file; its write's
    fdput_pos()/file_pos_write() leaves f_pos at 10 for both."""
    _answer_nth(adv, P_FORKOFF, NR["lseek"], 1, 0)


@_iago("XK-005", "Answer the memfd's bytes as if a fork child's write through the reopen "
       "never landed", "The child's 10 'c' replaced the first 10 bytes of the memfd.")
def xk_forkoff_bytes(adv: Adversary) -> None:
    """1. As XK-004's step; then pread(fd1, 8192, 0).
    2. The kernel answers 100 'm'.
    3. The program sees no 'c': index -4, secret bytes 0..7.
    Linux's shmem_file_write_iter() of the child wrote into the same inode's page cache:
    c*10 m*90."""
    _fill(adv, P_FORKOFF, NR["pread64"], b"m" * 100)


@_iago("XK-006", "Answer the reopen's offset as if a fork child's F_SETFL(O_APPEND) on it "
       "had not reached the parent", "A fork child's F_SETFL on an inherited descriptor "
       "sets the shared open file's flags: the parent's write appends, offset 110.")
def xk_forkapp_off(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' (fd1), reopens it O_RDWR (fd2); a fork child
    sets O_APPEND on fd2 and exits (reaped); the program writes 10 'p' through fd2 and asks
    lseek(fd2, 0, SEEK_CUR).
    2. The kernel answers 10, as if the write had gone at 0.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's setfl() in the child changed the struct file both share: the parent's write
    has IOCB_APPEND, ki_pos = i_size = 100, f_pos 110."""
    _answer_nth(adv, P_FORKAPP, NR["lseek"], 1, 10)


@_iago("XK-007", "Answer the memfd's bytes as if the parent's write after a child's "
       "F_SETFL(O_APPEND) had landed at 0", "The parent's write appends: m*100 p*10.")
def xk_forkapp_bytes(adv: Adversary) -> None:
    """1. As XK-006's step; then pread(fd1, 8192, 0).
    2. The kernel answers 100 bytes: p*10 m*90.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's generic_write_checks() with IOCB_APPEND: the 10 'p' at 100, 110 bytes."""
    _fill(adv, P_FORKAPP, NR["pread64"], b"p" * 10 + b"m" * 90)


@_iago("XK-008", "Refuse an O_TRUNC reopen of an empty memfd sealed F_SEAL_SHRINK with "
       "EPERM", "An O_TRUNC that cuts nothing is not a shrink: the open succeeds.")
def xk_trunceq_eperm(adv: Adversary) -> None:
    """1. The program makes an empty memfd with MFD_ALLOW_SEALING, seals it F_SEAL_SHRINK
    and reopens it O_RDWR|O_TRUNC through /proc/self/fd.
    2. The kernel answers -EPERM.
    3. The program sees EPERM: index -4, secret bytes 0..7.
    Linux's handle_truncate() -> do_truncate() -> notify_change() -> shmem_setattr():
    newsize (0) == oldsize (0), so neither seal check (newsize < oldsize with
    F_SEAL_SHRINK, newsize > oldsize with F_SEAL_GROW) applies: the open succeeds."""
    _answer(adv, P_TRUNCEQ, NR["openat"], -EPERM)


@_iago("XK-009", "Answer a read of a memfd an O_RDONLY|O_TRUNC reopen cut with its old "
       "bytes", "O_TRUNC cuts whatever the access mode: the memfd is empty, a read 0.")
def xk_growseal_read(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' with MFD_ALLOW_SEALING, seals it
    F_SEAL_GROW, reopens it O_RDONLY|O_TRUNC and preads fd1.
    2. The kernel answers the pread with the 100 'm'.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's build_open_flags() adds MAY_WRITE for O_TRUNC; do_open() truncates a regular
    file opened with O_TRUNC (handle_truncate()), F_SEAL_GROW does not forbid a cut:
    size 0, pread 0."""
    _fill(adv, P_GROWSEAL, NR["pread64"], b"m" * 100)


@_iago("XK-010", "Refuse an O_RDONLY|O_TRUNC reopen of a memfd sealed F_SEAL_GROW only "
       "with EPERM", "F_SEAL_GROW forbids growth, not a cut: the open succeeds.")
def xk_growseal_eperm(adv: Adversary) -> None:
    """1. As XK-009's step.
    2. The kernel answers the reopen with -EPERM.
    3. The program sees EPERM: index -4, secret bytes 0..7.
    Linux's shmem_setattr(): newsize 0 < oldsize 100, the seals hold F_SEAL_GROW only (no
    F_SEAL_SHRINK): no -EPERM; shmem_truncate_range() cuts it."""
    _answer(adv, P_GROWSEAL, NR["openat"], -EPERM)


# --- waits that take pending signals ----------------------------------------------------------
@_sig("XK-011", "Answer rt_sigtimedwait with the shared queue's SIGUSR1 before the "
      "thread's own SIGUSR2", "dequeue_signal() takes the thread's own queue first: "
      "SIGUSR2 (tgkill) before SIGUSR1 (kill).",
      rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xk_ownq_shared_first(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself SIGUSR1 (the shared queue)
    and tgkill()s its thread SIGUSR2 (the thread's queue), then calls
    rt_sigtimedwait({USR1, USR2}, zero timeout) twice.
    2. The kernel holds SIGUSR2 back across the first wait: it answers SIGUSR1 first,
    then SIGUSR2.
    3. The program sees SIGUSR1 first: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait() -> dequeue_signal(): __dequeue_signal(&tsk->pending)
    first; only when it finds nothing the shared queue: SIGUSR2, then SIGUSR1."""
    hold_signal(adv, P_OWNQ, SIGUSR2, take_at=(Point.SYSCALL_ENTRY, "rt_sigtimedwait"),
                give_back_at=(Point.SYSCALL_EXIT, "rt_sigtimedwait"), thread_only=True)


def _record(signo: int, code: int, pid: int) -> bytes:
    """A struct signalfd_siginfo (128 bytes): ssi_signo, ssi_errno, ssi_code, ssi_pid."""
    return struct.pack("<IiiI", signo, 0, code, pid).ljust(128, b"\0")


@_sig("XK-012", "Answer a signalfd read of SIGUSR1 and SIGSYS with SIGUSR1's record first",
      "next_signal() takes a synchronous signal first: SIGSYS's record, then SIGUSR1's.",
      rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xk_syncfirst_order(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGSYS, kill()s itself SIGUSR1 then SIGSYS and
    reads 384 bytes from a signalfd for both.
    2. The kernel answers 256: SIGUSR1's record, then SIGSYS's.
    3. The program sees SIGUSR1 first: index -4, secret bytes 0..7.
    Linux's signalfd_dequeue() -> dequeue_signal() -> next_signal(): SYNCHRONOUS_MASK
    (SIGSYS among them) pending: the lowest synchronous one first: SIGSYS, SIGUSR1."""
    _fill(adv, P_SYNCFIRST, NR["read"], lambda a: _record(SIGUSR1, SI_USER, a.init.pid)
          + _record(SIGSYS, SI_USER, a.init.pid))


@_sig("XK-013", "Answer rt_sigtimedwait EAGAIN after a reaped grandchild kill()ed the "
      "program", "A grandchild's kill() that returned 0 before its parent, and then the "
      "program's child, were reaped left SIGUSR1 pending: the wait takes it.",
      rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_grandkill_eagain(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1; a fork child forks a grandchild that kill()s the
    program SIGUSR1; the child reaps it, the program reaps the child and calls
    rt_sigtimedwait({SIGUSR1}, zero timeout).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's kill_pid_info() -> __send_signal_locked() queued SIGUSR1 in the program's
    shared_pending before the grandchild's kill() returned; blocked, nothing took it:
    do_sigtimedwait() dequeues it."""
    _answer(adv, P_GRANDKILL, NR["rt_sigtimedwait"], -EAGAIN)


def _child_pid(adv: Adversary, phase: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=NR["clone"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")


@_sig("XK-014", "Name the program's child, not the grandchild that sent it, in the "
      "siginfo rt_sigtimedwait returns", "kill() fills si_pid with the sender's tgid: the "
      "grandchild's.")
def xk_grandkill_child(adv: Adversary) -> None:
    """1. As XK-013's step.
    2. The kernel answers SIGUSR1 with a siginfo naming the program's child (SI_USER).
    3. The program sees the child's pid: index -4, secret bytes 0..7.
    Linux's kill_pid_info() -> prepare_kill_siginfo(): si_pid = task_tgid_vnr(current),
    the grandchild; the child never sent SIGUSR1."""
    _child_pid(adv, P_GRANDKILL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigtimedwait"], during=P_GRANDKILL)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where + 16, struct.pack("<i", a.memo.get("child", 0)))
        a.note(f"the siginfo names pid {a.memo.get('child')}")


@_sig("XK-015", "Answer rt_sigtimedwait EAGAIN after a fork child's kill() the program "
      "learnt of through a pipe", "A kill() that returned before the child's write the "
      "program read left SIGUSR1 pending: the wait takes it.",
      rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_pipekill_eagain(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1; a fork child kill()s it SIGUSR1, then writes 'k'
    into a pipe; the program reads the 'k' (the child not yet reaped) and calls
    rt_sigtimedwait({SIGUSR1}, zero timeout).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux: the send completed inside the child's kill() (complete_signal() under
    siglock), before its write; pipe_read() of the 'k' happens after: do_sigtimedwait()
    finds SIGUSR1 pending."""
    _answer(adv, P_PIPEKILL, NR["rt_sigtimedwait"], -EAGAIN)


# --- polls with a ready descriptor or a zero timeout ------------------------------------------
@_iago("XK-016", "Answer pselect6() with a ready descriptor -EINTR, delivering the pending "
       "SIGUSR1 its mask unblocks", "do_select() with a ready descriptor returns its count: "
       "1, the old mask back before any delivery.", rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"),
       silent="the mprotect design answers pselect6() -EFAULT (it does not reach "
       "the sigset its sixth argument points to): the victim's index 2, nothing leaks")
def xk_pselect_ready_eintr(adv: Adversary) -> None:
    """1. The program writes a byte into a pipe, blocks SIGUSR1, kill()s itself SIGUSR1 and
    calls pselect6(the read end, zero timeout, a mask unblocking SIGUSR1).
    2. The kernel serves the call with no descriptor and no timeout: the mask installed,
    SIGUSR1 ends it with -EINTR and its handler runs inside.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's do_select(): the first pass finds the read end ready (retval 1) and breaks
    before signal_pending(); core_sys_select() returns 1; do_pselect()'s
    restore_saved_sigmask_unless(ret == -ERESTARTNOHAND) puts the old mask back, no
    handler runs (qemu-user on a 6.18 host: 1, no handler)."""
    serve_with(adv, NR["pselect6"], P_PSELRDY, {"x0": 0, "x4": 0})


@_iago("XK-017", "Answer ppoll() with a ready descriptor -EINTR, delivering the pending "
       "SIGUSR1 its mask unblocks", "do_poll() with a ready descriptor returns its count: "
       "1, the old mask back before any delivery.", rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"))
def xk_ppoll_ready_eintr(adv: Adversary) -> None:
    """1. As XK-016's step with ppoll(POLLIN on the read end, zero timeout, the mask).
    2. The kernel serves the call with no descriptor and no timeout: -EINTR, the handler
    inside.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's do_poll(): count 1 after the first pass, "if (count || timed_out) break"
    before signal_pending(); do_ppoll()'s poll_select_finish() and
    restore_saved_sigmask_unless(false): 1, no handler."""
    serve_with(adv, NR["ppoll"], P_PPOLLRDY, {"x1": 0, "x2": 0})


@_iago("XK-018", "Answer epoll_pwait2() with a zero timespec -EINTR, delivering the pending "
       "SIGUSR1 under its mask", "epoll_pwait2() with a zero timespec returns at once: 0, "
       "its mask restored before any delivery.", rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"))
def xk_epw2_eintr(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1 and calls epoll_pwait2(an
    empty epoll, {0, 0}, a mask unblocking SIGUSR1).
    2. The kernel serves the call with no timeout (NULL): the mask installed, -EINTR, the
    handler inside.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's do_epoll_pwait() with a zero timespec: ep_timeout_to_timespec() -> to->tv_sec
    = 0, ep_poll() sets timed_out and, no event ready, returns 0 before any
    signal_pending() check, as epoll_pwait() with timeout 0 does."""
    serve_with(adv, NR["epoll_pwait2"], P_EPW2, {"x3": 0})


# --- moves between pipes and files ------------------------------------------------------------
@_iago("XK-019", "Answer tee() of 30 from a pipe holding 100 with 60",
       "tee() duplicates at most its len: 30.")
def xk_tee_len(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A and tee()s A into B with len 30.
    2. The kernel answers 60.
    3. The program sees 60: index -4, secret bytes 0..7.
    Linux's link_pipe() stops when len reaches 0: 30."""
    _answer(adv, P_TEELEN, NR["tee"], 60)


@_iago("XK-020", "Answer the read of a pipe tee() put 30 bytes in with 60",
       "B holds the 30 bytes tee() linked: its read returns 30.")
def xk_tee_read(adv: Adversary) -> None:
    """1. As XK-019's step; then the program reads B.
    2. The kernel answers the read with 60 'a'.
    3. The program sees 60: index -4, secret bytes 0..7.
    Linux's link_pipe() put references to 30 bytes of A's buffer into B (a buffer whose
    len it cut to 30): pipe_read() returns 30."""
    _fill(adv, P_TEELEN, NR["read"], b"a" * 60)


def _cfr(adv: Adversary, phase: int = P_CFR, move_in: bool = True) -> None:
    """copy_file_range() between two open files of the program after marker `phase` as
    Linux's vfs_copy_file_range() does it for two memfds (splice_copy_file_range(): the
    same super_block, shm_mnt's): copy, then move both positions (the offsets the
    pointers name, written back, or the files' own) -- the kernel model had no
    copy_file_range (-ENOSYS) when written; where it copies, only what `move_in` asks is
    done.  Without `move_in`, *off_in is left where it was."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["copy_file_range"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = [int(v) for v in a.el1.syscall_args()]
        a.memo[("cfr", phase)] = args
        a.memo[("cfr_in", phase)] = a.kernel.uaccess.read_u64(args[1]) if args[1] else 0

    @adv.on(Point.SYSCALL_EXIT, nr=NR["copy_file_range"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.memo.pop(("cfr", phase))
        was_in = a.memo.pop(("cfr_in", phase))
        if a.reg("x0") < 1 << 63:
            # (the kernel model copied: it has copy_file_range now)
            if not move_in and args[1]:
                a.kernel.uaccess.write_u64(args[1], was_in)
                a.note("copy_file_range(): *off_in put back where it was")
            return
        fin, fout = a.init.fds.get(args[0]), a.init.fds.get(args[2])
        uaccess = a.kernel.uaccess
        if args[1]:
            off_in = uaccess.read_u64(args[1])
            data = fin.pread(args[4], off_in)
        else:
            data = fin.read(args[4]) or b""
        if args[3]:
            off_out = uaccess.read_u64(args[3])
            n = fout.pwrite(data, off_out)
            uaccess.write_u64(args[3], off_out + n)
        else:
            n = fout.write(data)
        if args[1] and move_in:
            uaccess.write_u64(args[1], off_in + n)
        a.set_reg("x0", n)
        a.note(f"copy_file_range() copied {n} bytes" + ("" if move_in else ", *off_in left"))


def claim_cfr(adv: Adversary) -> None:
    """(claim) 1. The program copy_file_range()s 10 bytes from memfd M1 at *off_in = 0 into
    memfd M2 (3 pages, no data) at *off_out = 8192, then lseek(M2, 0, SEEK_DATA).  2. The
    kernel copies them and writes both offsets back, as vfs_copy_file_range() and the
    syscall's copy_to_user()s do (the kernel model answers -ENOSYS).  3. Index 0: 10,
    offsets 10 and 8202, SEEK_DATA 8192."""
    _cfr(adv)


def claim_cfrpos(adv: Adversary) -> None:
    """(claim) 1. The program lseek()s M1 to 0 and a memfd M3 (3 pages, no data) to 8192,
    copy_file_range()s 10 bytes with no offset pointers, then asks both positions and
    lseek(M3, 0, SEEK_DATA).  2. The kernel copies them and moves the files' own
    positions, as vfs_copy_file_range() does (the kernel model answers -ENOSYS).
    3. Index 0: 10, positions 10 and 8202, SEEK_DATA 8192."""
    _cfr(adv, P_CFRPOS)


@_iago("XK-021", "Answer copy_file_range() 10 without writing either offset back",
       "copy_file_range() with offset pointers writes the advanced offsets back: 10 and "
       "8202.", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xk_cfr_offsets(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from memfd M1 at *off_in = 0 into memfd
    M2 (3 pages, no data) at *off_out = 8192.
    2. The kernel serves the call as getpid() (nothing copied, neither offset written
    back) and answers 10.
    3. The program sees off_in 0: index -4, secret bytes 0..7.
    Linux's SYSCALL_DEFINE6(copy_file_range): after vfs_copy_file_range() returns > 0,
    "if (off_in) { if (copy_to_user(off_in, &pos_in, sizeof(loff_t))) ret = -EFAULT; }",
    the same for off_out: 10 and 8202."""
    serve_as_getpid(adv, NR["copy_file_range"], P_CFR, 10)


@_iago("XK-022", "Answer SEEK_DATA from 0 of a memfd copy_file_range() wrote at 8192 with "
       "4096", "SEEK_DATA finds the first folio holding data: 8192 (or 0 with a huge "
       "folio), never a page no folio of the data can begin at.")
def xk_cfr_seekdata(adv: Adversary) -> None:
    """1. As claim_cfrpos's step (no offset pointers).
    2. The kernel copies as Linux does, then answers lseek(M3, 0, SEEK_DATA) with 4096.
    3. The program sees 4096: index -4, secret bytes 0..7.
    Linux's shmem_file_llseek() -> mapping_seek_hole_data(): the only folio is the one
    shmem_write_begin() made for page 2 (order 0, or a huge one from 0): 8192 or 0; a
    folio starting at page 1 cannot hold page 2 (folios are aligned to their size)."""
    _cfr(adv, P_CFRPOS)
    _answer_nth(adv, P_CFRPOS, NR["lseek"], 3, PAGE)


@_iago("XK-026", "Answer the source memfd's position after copy_file_range() with no "
       "offset pointers as if it had not moved", "copy_file_range() without off_in moves "
       "the source file's position by the bytes copied: 10.")
def xk_cfrpos_src(adv: Adversary) -> None:
    """1. As claim_cfrpos's step.
    2. The kernel copies as Linux does, then answers lseek(M1, 0, SEEK_CUR) with 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's SYSCALL_DEFINE6(copy_file_range): pos_in = f_in.file->f_pos without off_in,
    and "f_in.file->f_pos = pos_in" after the copy: 10."""
    _cfr(adv, P_CFRPOS)
    _answer_nth(adv, P_CFRPOS, NR["lseek"], 1, 0)


@_iago("XK-027", "Answer the target memfd's position after copy_file_range() with no "
       "offset pointers as if it had not moved", "copy_file_range() without off_out moves "
       "the target file's position by the bytes copied: 8202.")
def xk_cfrpos_dst(adv: Adversary) -> None:
    """1. As claim_cfrpos's step.
    2. The kernel copies as Linux does, then answers lseek(M3, 0, SEEK_CUR) with 8192.
    3. The program sees 8192: index -4, secret bytes 0..7.
    Linux: "f_out.file->f_pos = pos_out" after the copy: 8202."""
    _cfr(adv, P_CFRPOS)
    _answer_nth(adv, P_CFRPOS, NR["lseek"], 2, 2 * PAGE)


@_iago("XK-028", "Answer a memfd's bytes as if pwrite() through an O_APPEND open file had "
       "written at its offset argument", "pwrite() on an O_APPEND file appends: m*100 "
       "z*10.")
def xk_pwappend_bytes(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' (fd1), reopens it O_RDWR|O_APPEND (fd2),
    pwrite()s 10 'z' at 0 through fd2 and preads fd1.
    2. The kernel answers the pread with 100 bytes: z*10 m*90.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's ksys_pwrite64() -> vfs_write() with pos 0; the iocb gets IOCB_APPEND from the
    file (iocb_flags()), generic_write_checks() sets ki_pos = i_size: the 'z' land at
    100 (pwrite(2), BUGS)."""
    _fill(adv, P_PWAPPEND, NR["pread64"], b"z" * 10 + b"m" * 90)


@_iago("XK-029", "Answer the O_APPEND open file's offset after pwrite() as if the write "
       "had moved it", "pwrite() never moves the file's offset: 0.")
def xk_pwappend_off(adv: Adversary) -> None:
    """1. As XK-028's step; then lseek(fd2, 0, SEEK_CUR).
    2. The kernel answers 110.
    3. The program sees 110: index -4, secret bytes 0..7.
    Linux's ksys_pwrite64() passes its own pos to vfs_write() and never writes f_pos: 0."""
    _answer(adv, P_PWAPPEND, NR["lseek"], 110)


@_sig("XK-030", "Answer the second rt_sigtimedwait for a SIGUSR1 both queues hold EAGAIN",
      "A standard signal kill()ed to the process and tgkill()ed to the thread is pending "
      "in both queues: two waits take it twice.", rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_dualq_eagain(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1 and tgkill()s its thread
    SIGUSR1, then calls rt_sigtimedwait({SIGUSR1}, zero timeout) twice.
    2. The kernel answers the second -EAGAIN, as if the two sends had coalesced.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's __send_signal_locked(): pending = type != PIDTYPE_PID ? shared_pending :
    t->pending; legacy_queue() looks only at that queue: both queued; dequeue_signal()
    takes the thread's (SI_TKILL), then the shared one (SI_USER)."""
    _answer_nth(adv, P_DUALQ, NR["rt_sigtimedwait"], 2, -EAGAIN)


@_sig("XK-031", "Answer the first rt_sigtimedwait for a SIGUSR1 both queues hold with the "
      "shared queue's SI_USER", "dequeue_signal() takes the thread's own queue first: "
      "SI_TKILL, then SI_USER.", rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xk_dualq_shared_first(adv: Adversary) -> None:
    """1. As XK-030's step.
    2. The kernel holds the thread's SIGUSR1 back across the first wait: SI_USER first,
    then SI_TKILL.
    3. The program sees SI_USER first: index -4, secret bytes 0..7.
    Linux's dequeue_signal(): __dequeue_signal(&tsk->pending) first: the tgkill()'s
    siginfo (SI_TKILL), then shared_pending's (SI_USER)."""
    hold_signal(adv, P_DUALQ, SIGUSR1, take_at=(Point.SYSCALL_ENTRY, "rt_sigtimedwait"),
                give_back_at=(Point.SYSCALL_EXIT, "rt_sigtimedwait"), thread_only=True)


@_iago("XK-023", "Answer splice() of 40 from a memfd at *off_in 0 without moving *off_in",
       "splice() with an off_in pointer writes the advanced offset back: 40.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xk_splice_offin(adv: Adversary) -> None:
    """1. The program splice()s 40 bytes of memfd M1 (100 'm') from *off_in = 0 into pipe B.
    2. The kernel moves the 40 bytes but writes *off_in back as 0.
    3. The program sees off_in 0: index -4, secret bytes 0..7.
    Linux's __do_splice(): "if (off_in && copy_to_user(off_in, &offset, sizeof(loff_t)))
    return -EFAULT" after do_splice() moved 40 -- offset is 40."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["splice"], during=P_SPLFILE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(int(a.el1.syscall_args()[1]), 0)
        a.note("splice(): *off_in written back as 0")


@_iago("XK-024", "Answer the read of a pipe splice() filled from a memfd with bytes the "
       "memfd never held", "splice() from a memfd moves its bytes: the pipe's read "
       "returns 40 'm'.")
def xk_splice_bytes(adv: Adversary) -> None:
    """1. As XK-023's step; then the program reads B.
    2. The kernel answers 40 'x'.
    3. The program sees 'x': index -4, secret bytes 0..7.
    Linux's filemap_splice_read() (shmem_file_splice_read()) links M1's page-cache bytes
    into B: 40 'm'; nobody else holds B's write end."""
    _fill(adv, P_SPLFILE, NR["read"], b"x" * 40)


@_iago("XK-032", "Answer the memfd's position after splice() with no off_in as if it had "
       "not moved", "splice() from a file without off_in moves the file's position by the "
       "bytes moved: 40.")
def xk_splpos(adv: Adversary) -> None:
    """1. The program lseek()s memfd M1 (100 'm') to 0, splice()s 40 bytes from it (no
    off_in) into pipe B and asks lseek(M1, 0, SEEK_CUR).
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's __do_splice(): without off_in, offset = in->f_pos; do_splice() ->
    splice_file_to_pipe() moves it and "in->f_pos = offset" (via *off_in = &in->f_pos):
    40."""
    _answer(adv, P_SPLPOS, NR["lseek"], 0)


@_iago("XK-033", "Answer the memfd's position after sendfile() with no offset as if it "
       "had not moved", "sendfile() without an offset moves the file's position by the "
       "bytes sent: 70.")
def xk_sendpos(adv: Adversary) -> None:
    """1. The program lseek()s memfd M1 to 40, sendfile()s 30 bytes from it (no offset)
    into pipe B and asks lseek(M1, 0, SEEK_CUR).
    2. The kernel answers 40.
    3. The program sees 40: index -4, secret bytes 0..7.
    Linux's do_sendfile(): pos = in.file->f_pos without ppos; after the move
    "in.file->f_pos = pos": 70."""
    _answer(adv, P_SENDPOS, NR["lseek"], 40)


@_iago("XK-034", "Answer the read of a pipe sendfile() filled from a memfd with bytes the "
       "memfd never held", "sendfile() from a memfd into a pipe moves its bytes: 30 'm'.")
def xk_sendbytes(adv: Adversary) -> None:
    """1. As XK-033's step; then the program reads B.
    2. The kernel answers 30 'x'.
    3. The program sees 'x': index -4, secret bytes 0..7.
    Linux's do_sendfile() -> splice_file_to_pipe() (out is a pipe) links M1's bytes 40..69
    into B: 30 'm'."""
    _fill(adv, P_SENDPOS, NR["read"], b"x" * 30)


# --- a signalfd read whose second record faults ----------------------------------------------
@_sig("XK-025", "Answer a signalfd read whose second record faults -EFAULT, both signals "
      "taken", "signalfd_read_iter() returns the records it copied: 128, SIGUSR1's.",
      rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"), args=(FAULTS,))
def xk_sfdfault_efault(adv: Adversary) -> None:
    """1. The program (-f) blocks SIGUSR1 and SIGUSR2, kill()s itself both and reads 256
    bytes from a signalfd for both into a buffer whose second 128 bytes are PROT_NONE.
    2. The kernel dequeues both and answers -EFAULT (the kernel model did so by itself
    when written; it now copies SIGUSR1's record first, as Linux does).
    3. The program sees -EFAULT: index -4, secret bytes 0..7.
    Linux's signalfd_read_iter(): SIGUSR1 dequeued and copied (128), SIGUSR2 dequeued,
    signalfd_copyinfo() fails: "return total ? total : ret" -- 128, SIGUSR2 lost."""
    _answer(adv, P_SFDFAULT, NR["read"], -EFAULT)


def claim_sfdfault(adv: Adversary) -> None:
    """(claim) 1. As XK-025's step.  2. The kernel answers as signalfd_read_iter() does:
    SIGUSR1's record (128), SIGUSR2 dequeued and lost (the kernel model now does the
    same by itself).  3. Index 0."""
    serve_with(adv, NR["read"], P_SFDFAULT, {"x2": 128})

    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_SFDFAULT)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & (1 << (SIGUSR2 - 1)):
                pending.take(SIGUSR2)
                a.note("SIGUSR2 dequeued and lost (its record faulted)")


# --- a pending signal nobody handles under a poll's mask ------------------------------------
def _discarded(adv: Adversary, phase: int, call: str, signo: int) -> None:
    """At the exit of `call` after marker `phase`: the signal its mask unblocked is gone
    (get_signal() discarded it) and the restarted call found nothing: 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR[call], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & (1 << (signo - 1)):
                pending.take(signo)
        a.set_reg("x0", 0)
        a.note(f"signal {signo} discarded under {call}'s mask, the call restarted: 0")


def claim_pollign(adv: Adversary) -> None:
    """(claim) 1. The program (-i) blocks SIGURG (default action: ignore), kill()s itself
    SIGURG and calls ppoll(no fds, zero timeout, a mask unblocking it); then it sets
    SIGUSR1 SIG_IGN while blocked, kill()s itself SIGUSR1 (queued: sig_ignored() never
    ignores a blocked signal) and calls pselect6(no fds, zero timeout, a mask unblocking
    it).  2. The kernel answers as Linux does: do_poll()/do_select() see
    signal_pending() and return -ERESTARTNOHAND, get_signal() dequeues the signal and
    discards it (SIG_DFL ignore, SIG_IGN), no handler: the call restarts with the old
    mask and a zero timeout finds nothing, 0 -- the signal no longer pending (the kernel
    model answers 0 and leaves it pending).  3. Index 0 twice."""
    _discarded(adv, P_PPOLLIGN, "ppoll", SIGURG)
    _discarded(adv, P_PSELIGN, "pselect6", SIGUSR1)


def claim_pwv2app(adv: Adversary) -> None:
    """(claim) 1. The program pwritev2()s 10 'q' at offset 0 with RWF_APPEND into a memfd
    of 100 'm'.  2. The kernel appends them as Linux does (kiocb_set_rw_flags(): RWF_APPEND
    sets IOCB_APPEND; generic_write_checks() puts ki_pos at i_size; an explicit offset
    leaves f_pos alone) -- the kernel model answered -EOPNOTSUPP when written; it appends
    now.  3. Index 0."""
    _append_v2(adv)


def _append_v2(adv: Adversary) -> None:
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["pwritev2"], during=P_PWV2APP)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["pwv2"] = [int(v) for v in a.el1.syscall_args()]

    @adv.on(Point.SYSCALL_EXIT, nr=NR["pwritev2"], during=P_PWV2APP)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.memo.pop("pwv2")
        if a.reg("x0") < 1 << 63:
            return              # (the kernel model appended: it models RWF_APPEND now)
        f = a.init.fds.get(args[0])
        uaccess = a.kernel.uaccess
        data = b"".join(uaccess.read(uaccess.read_u64(args[1] + 16 * i),
                                     uaccess.read_u64(args[1] + 16 * i + 8))
                        for i in range(args[2]))
        n = f.pwrite(data, f.stat().st_size)
        a.set_reg("x0", n)
        a.note(f"pwritev2(RWF_APPEND) appended {n} bytes")


@_iago("XK-035", "Answer rt_sigtimedwait({SIGUSR1}) EAGAIN while the thread's own queue holds "
       "only SIGUSR2", "A wait takes from the thread's queue and then the shared one, only "
       "signals of its set: SIGUSR1.", rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_waitset_eagain(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself SIGUSR1, tgkill()s its
    thread SIGUSR2 and calls rt_sigtimedwait({SIGUSR1}, zero timeout).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait(): mask = ~set; dequeue_signal(tsk, &mask, ...) finds nothing
    of the set in tsk->pending, then SIGUSR1 in shared_pending."""
    _answer(adv, P_WAITSET, NR["rt_sigtimedwait"], -EAGAIN)


@_sig("XK-036", "Answer rt_sigtimedwait EAGAIN after a fork child's kill(0, SIGUSR1) of "
      "the program's process group", "kill(0, sig) signals every process of the caller's "
      "group: the program's SIGUSR1 is pending.", rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_kill0_eagain(adv: Adversary) -> None:
    """1. The program makes its own process group, blocks SIGUSR1; a fork child
    kill(0, SIGUSR1)s the group and exits (reaped); the program calls
    rt_sigtimedwait({SIGUSR1}, zero timeout).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's kill_something_info(): pid 0 -> __kill_pgrp_info(sig, info, task_pgrp(current))
    sends to each member, the program included; blocked, SIGUSR1 stays in its
    shared_pending."""
    _answer(adv, P_KILL0, NR["rt_sigtimedwait"], -EAGAIN)


@_sig("XK-037", "Answer a fork child's rt_sigqueueinfo() with another si_value",
      "rt_sigqueueinfo() queues the siginfo its caller passed: si_value 77.")
def xk_sigq_value(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1; a fork child rt_sigqueueinfo()s it SIGUSR1 with
    SI_QUEUE, its own pid and si_value 77 and exits (reaped); the program calls
    rt_sigtimedwait({SIGUSR1}, a siginfo buffer, zero timeout).
    2. The kernel answers SIGUSR1 with si_value 78.
    3. The program sees 78: index -4, secret bytes 0..7.
    Linux's do_rt_sigqueueinfo() -> copy_siginfo_from_user() -> kill_proc_info() queues
    the child's siginfo as it gave it (SI_QUEUE < 0: allowed to another process)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigtimedwait"], during=P_SIGQ)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where + 24, struct.pack("<Q", 78))
        a.note("si_value 78")


@_iago("XK-038", "Refuse an O_TRUNC reopen of a memfd sealed F_SEAL_WRITE only with EPERM",
       "F_SEAL_WRITE forbids writes, not a cut: the reopen truncates.")
def xk_wsealtr_eperm(adv: Adversary) -> None:
    """1. The program makes a memfd of 100 'm' with MFD_ALLOW_SEALING, seals it
    F_SEAL_WRITE and reopens it O_RDWR|O_TRUNC through /proc/self/fd.
    2. The kernel answers -EPERM.
    3. The program sees EPERM: index -4, secret bytes 0..7.
    Linux's handle_truncate() -> do_truncate() -> shmem_setattr(): only F_SEAL_SHRINK
    (newsize < oldsize) and F_SEAL_GROW (newsize > oldsize) refuse a size change; a
    F_SEAL_WRITE memfd can still be cut (that is what F_SEAL_SHRINK is for)."""
    _answer(adv, P_WSEALTR, NR["openat"], -EPERM)


@_iago("XK-039", "Answer a memfd's bytes as if pwritev2(RWF_APPEND) had written at its "
       "offset", "pwritev2() with RWF_APPEND appends: m*100 q*10.")
def xk_pwv2app_bytes(adv: Adversary) -> None:
    """1. As claim_pwv2app's step; then pread(fd1, 8192, 0).
    2. The kernel appends as Linux does, then answers the pread with 100 bytes: q*10
    m*90.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's generic_write_checks() with IOCB_APPEND: the 'q' land at 100."""
    _append_v2(adv)
    _fill(adv, P_PWV2APP, NR["pread64"], b"q" * 10 + b"m" * 90)


@_iago("XK-040", "Answer a 10-byte write into a one-slot pipe whose buffer splice() moved "
       "whole with EAGAIN", "A buffer splice() moves whole keeps PIPE_BUF_FLAG_CAN_MERGE: "
       "the write merges into it, 10.")
def xk_splmerge_eagain(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A, splice()s A into B with len 4096 (the
    whole buffer moves), sets B's size to 4096 (one slot, in use) and writes 10 'w' into
    B (O_NONBLOCK).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's splice_pipe_to_pipe(): len >= ibuf->len: "*obuf = *ibuf" (flags kept, only a
    split buffer loses CAN_MERGE); pipe_write(): the last buffer can merge and 100 + 10
    <= PAGE_SIZE: 10 (qemu-user on a 6.18 host: 10)."""
    _answer_nth(adv, P_SPLMERGE, NR["write"], 1, -EAGAIN)


@_iago("XK-041", "Answer a 10-byte write into a one-slot pipe whose only buffer tee() "
       "linked with 10", "A buffer tee() links may not merge: the one-slot ring is full, "
       "EAGAIN.")
def xk_teenomrg_merge(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A, tee()s A into B (100), sets B's size to
    4096 (one slot, in use) and writes 10 'w' into B (O_NONBLOCK).
    2. The kernel answers 10, as if the write had merged.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's link_pipe(): "obuf->flags &= ~PIPE_BUF_FLAG_CAN_MERGE"; pipe_write(): no
    merge, pipe_full() with max_usage 1: -EAGAIN (qemu-user on a 6.18 host: -EAGAIN)."""
    _answer_nth(adv, P_TEENOMRG, NR["write"], 1, 10)


@_iago("XK-042", "Answer SEEK_DATA from 0 of a memfd splice() wrote at 8192 with 4096",
       "SEEK_DATA finds the folio splice() filled: 8192 (or 0 with a huge folio).")
def xk_splin_seekdata(adv: Adversary) -> None:
    """1. The program writes 10 'p' into a pipe and splice()s them into a 3-page memfd at
    *off_out = 8192, then lseek(M, 0, SEEK_DATA).
    2. The kernel answers 4096.
    3. The program sees 4096: index -4, secret bytes 0..7.
    Linux's iter_file_splice_write() -> shmem_file_write_iter() at 8192: page 2's folio;
    mapping_seek_hole_data(): 8192 (a folio at page 1 cannot hold page 2)."""
    _answer(adv, P_SPLIN, NR["lseek"], PAGE)


@_iago("XK-043", "Answer splice() of a pipe into a memfd without moving *off_out",
       "splice() with an off_out pointer writes the advanced offset back: 8202.",
       rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xk_splin_offout(adv: Adversary) -> None:
    """1. As XK-042's step.
    2. The kernel moves the 10 bytes but writes *off_out back as 8192.
    3. The program sees 8192: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (off_out) *off_out = offset" after do_splice_from(), and
    __do_splice() copies it back: 8202."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["splice"], during=P_SPLIN)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(int(a.el1.syscall_args()[3]), 2 * PAGE)
        a.note("splice(): *off_out written back as 8192")


@_iago("XK-044", "Answer ppoll() with a zero timeout -EINTR for a signal its mask unblocks "
       "that nobody handles", "A signal discarded on the way out restarts the call: 0.",
       rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), args=(IGNORED,), gap="P5")
def xk_pollign_eintr(adv: Adversary) -> None:
    """1. As claim_pollign's ppoll step (SIGURG, default action ignore).
    2. The kernel discards SIGURG and answers -EINTR.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's arm64 do_signal(): -ERESTARTNOHAND with no handler run rewinds pc to the
    svc (regs[0] = orig_x0); the restarted ppoll() finds nothing: 0, never -EINTR."""
    _discarded(adv, P_PPOLLIGN, "ppoll", SIGURG)
    _answer(adv, P_PPOLLIGN, NR["ppoll"], -EINTR)
    _discarded(adv, P_PSELIGN, "pselect6", SIGUSR1)        # (pselect6 as Linux)


@_iago("XK-045", "Answer pselect6() with a zero timeout -EINTR for a SIG_IGN signal its "
       "mask unblocks", "A signal discarded on the way out restarts the call: 0.",
       rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), args=(IGNORED,), gap="P5")
def xk_selign_eintr(adv: Adversary) -> None:
    """1. As claim_pollign's pselect6 step (SIGUSR1 set SIG_IGN while blocked).
    2. The kernel discards SIGUSR1 and answers -EINTR.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux: core_sys_select() -ERESTARTNOHAND, get_signal() discards the SIG_IGN signal,
    do_signal() restarts the call: 0."""
    _discarded(adv, P_PSELIGN, "pselect6", SIGUSR1)
    _answer(adv, P_PSELIGN, NR["pselect6"], -EINTR)
    _discarded(adv, P_PPOLLIGN, "ppoll", SIGURG)           # (ppoll as Linux)


# --- discarded sends, signalfd masks and readers, the thread's queue first ------------------
@_sig("XK-046", "Answer a wait with a SIGURG a fork child sent while the program ignored it",
      "A signal sent while its action is to ignore it (SIG_DFL for SIGURG) and unblocked is "
      "discarded at the send: nothing pending.", rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_ignkill_taken(adv: Adversary) -> None:
    """1. The program leaves SIGURG unblocked with SIG_DFL (ignore); a fork child kill()s
    it SIGURG and exits (reaped); the program blocks SIGURG and calls
    rt_sigtimedwait({SIGURG}, a siginfo buffer, zero timeout).
    2. The kernel answers SIGURG with a siginfo naming the child (SI_USER).
    3. The program sees SIGURG: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() -> prepare_signal() -> sig_ignored(): not blocked,
    sig_task_ignored() (SIG_DFL and sig_kernel_ignore(SIGURG)): the send is dropped;
    do_sigtimedwait() finds nothing: -EAGAIN."""
    _child_pid(adv, P_IGNKILL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigtimedwait"], during=P_IGNKILL)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where, sig.pack_siginfo(SIGURG, SI_USER,
                                                       pid=a.memo.get("child", 0), uid=0))
        a.set_reg("x0", SIGURG)
        a.note("SIGURG answered, from the child")


@_sig("XK-047", "Answer a signalfd read for SIGUSR2 EAGAIN while the program's own kill() "
      "of SIGUSR2 is pending", "A signalfd reads the signals of its mask the reader has "
      "pending: SIGUSR2 (the thread's SIGUSR1 is not in the mask).",
      rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_sfdsub_eagain(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, tgkill()s its thread SIGUSR1, kill()s
    itself SIGUSR2 and reads 256 from a signalfd for {SIGUSR2} (O_NONBLOCK).
    2. The kernel answers -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's signalfd_dequeue() -> dequeue_signal(current, &ctx->sigmask): nothing of the
    mask in the thread's queue, SIGUSR2 in shared_pending: 128."""
    _answer(adv, P_SFDSUB, NR["read"], -EAGAIN)


@_sig("XK-048", "Answer a fork child's read of the program's signalfd with the program's "
      "pending SIGUSR1", "A signalfd reads the reader's pending signals; a fork child "
      "starts with none: EAGAIN.", rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xk_sfdchild_record(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1, makes a signalfd for it and
    forks; the child reads 128 from the signalfd and exits 0 only on EAGAIN.
    2. The kernel answers the child's read with SIGUSR1's record (the program's kill()).
    3. The child exits 1, the program sees it: index -4, secret bytes 0..7 (a child
    killed for a refused answer: index 3).
    Linux's copy_process(): sigemptyset(&p->pending) and a new signal_struct with an
    empty shared_pending; signalfd_dequeue() takes from current (the child): -EAGAIN."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_SFDCHILD,  # type: ignore[arg-type]
            init_only=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if thread.process is a.init:  # type: ignore[attr-defined]
            return
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where, _record(SIGUSR1, SI_USER, a.init.pid))
        a.set_reg("x0", 128)
        a.note("the child's signalfd read answered with the program's SIGUSR1")


@_sig("XK-049", "Answer the program's signalfd read EAGAIN after a fork child read the "
      "same signalfd", "The child's read takes nothing of the program's: SIGUSR1 is "
      "still pending for the program's read.", rules=("G-SIGNAL-HANDLER", "G-IAGO-COUNT"))
def xk_sfdchild_eagain(adv: Adversary) -> None:
    """1. As XK-048's step (the child's read answered -EAGAIN, as Linux does); then the
    program reads 128 from the signalfd.
    2. The kernel answers the program's read -EAGAIN, as if the child's read had taken
    SIGUSR1.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux: the child's signalfd_dequeue() looked at the child's own pending sets; the
    program's SIGUSR1 is still in its shared_pending: 128."""
    _answer(adv, P_SFDCHILD, NR["read"], -EAGAIN)


@_sig("XK-050", "Answer rt_sigtimedwait with the shared queue's SIGSYS before the thread's "
      "own SIGUSR2", "dequeue_signal() empties the thread's queue first, a synchronous "
      "signal in the shared queue after: SIGUSR2, then SIGSYS.",
      rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xk_syncxq_shared_first(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2 and SIGSYS, kill()s itself SIGSYS (shared queue),
    tgkill()s its thread SIGUSR2 and calls rt_sigtimedwait({USR2, SYS}) twice.
    2. The kernel holds SIGUSR2 back across the first wait: SIGSYS first.
    3. The program sees SIGSYS first: index -4, secret bytes 0..7.
    Linux's dequeue_signal(): __dequeue_signal(&tsk->pending) first (next_signal() ranks
    synchronous signals only within one queue): SIGUSR2, then SIGSYS."""
    hold_signal(adv, P_SYNCXQ, SIGUSR2, take_at=(Point.SYSCALL_ENTRY, "rt_sigtimedwait"),
                give_back_at=(Point.SYSCALL_EXIT, "rt_sigtimedwait"), thread_only=True)


# --- pselect6 with no set, real-time order across senders, tee()'s source -------------------
@_iago("XK-051", "Answer pselect6() whose sigmask argument names no set -EINTR",
       "pselect6() with {NULL, 8} keeps the caller's mask: the blocked SIGUSR1 cannot end "
       "it, a zero timeout answers 0.", rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), gap="P5")
def xk_pselnull_eintr(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1 and calls pselect6(no fds,
    zero timeout, {NULL, 8}).
    2. The kernel answers -EINTR.
    3. The program sees -EINTR: index -4, secret bytes 0..7.
    Linux's do_pselect(): get_sigset_argpack() reads {NULL, 8}; set_user_sigmask(NULL)
    returns 0 without touching the mask; SIGUSR1 stays blocked, signal_pending() is
    false: do_select() times out at once, 0."""
    _answer(adv, P_PSELNULL, NR["pselect6"], -EINTR)


@_sig("XK-052", "Drop the pending SIGUSR1 during a pselect6() that installs no mask",
      "A blocked pending signal stays pending across a pselect6() with no set: the "
      "unblocking that follows delivers it.", rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"),
      silent="the mprotect design answers pselect6() -EFAULT (it does not reach "
      "the argument pack its sixth argument points to): the victim's index 2, nothing "
      "leaks")
def xk_pselnull_dropped(adv: Adversary) -> None:
    """1. As XK-051's step; then rt_sigpending and the unblocking of SIGUSR1.
    2. At pselect6's exit the kernel takes SIGUSR1 off the pending set and answers 0.
    3. The program sees nothing pending and no handler: index -4, secret bytes 0..7.
    Linux: nothing dequeues a blocked signal but a wait for it, a signalfd read or an
    action that ignores it; pselect6 with no set keeps it pending, the unblocking
    rt_sigprocmask delivers it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["pselect6"], during=P_PSELNULL)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & (1 << (SIGUSR1 - 1)):
                pending.take(SIGUSR1)
        a.note("SIGUSR1 taken off the pending sets")


@_sig("XK-053", "Hand out the program's own SIGRTMIN before the one its fork child "
      "queued first", "A real-time signal's instances leave the queue in the order they "
      "were queued, whoever queued them: the child's (value 1), then the program's.",
      rules=("G-SIGNAL-HANDLER",))
def xk_rtorder_swapped(adv: Adversary) -> None:
    """1. The program blocks SIGRTMIN; a fork child rt_sigqueueinfo()s it SIGRTMIN (SI_QUEUE,
    value 1) and exits (reaped); the program queues itself SIGRTMIN (value 2) and calls
    rt_sigtimedwait({SIGRTMIN}) twice.
    2. The kernel reorders the queue: value 2 (the program's) first, then value 1.
    3. The program sees value 2 first: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() appends each real-time instance to shared_pending.list
    (list_add_tail()); collect_signal() takes the first matching entry: value 1."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigtimedwait"], during=P_RTORDER)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        pending = a.init.pending
        first = pending.take(SIGRTMIN)
        second = pending.take(SIGRTMIN) if pending.mask & (1 << (SIGRTMIN - 1)) else None
        if second is not None:
            pending.add(SIGRTMIN, second)
        pending.add(SIGRTMIN, first)
        a.note("the SIGRTMIN queue reversed" if second is not None else
               "one SIGRTMIN only: put back")


@_iago("XK-054", "Answer a 10-byte write into a one-slot pipe tee() read from with EAGAIN",
       "tee() leaves the source's buffer as it was (mergeable): the write merges, 10.")
def xk_teesrc_eagain(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A, tee()s A into B (100), sets A's size to
    4096 (one slot, in use) and writes 10 'w' into A (O_NONBLOCK).
    2. The kernel answers -EAGAIN, as if tee() had made A's buffer unmergeable.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's link_pipe() clears PIPE_BUF_FLAG_CAN_MERGE on the copy (obuf) only; ibuf keeps
    it; pipe_write() merges 10 bytes at offset 100: 10 (qemu-user on a 6.18 host: 10,
    then 110 bytes read)."""
    _answer_nth(adv, P_TEESRC, NR["write"], 1, -EAGAIN)


# --- SIGCHLD through a signalfd, epoll_pwait2 without a timeout ------------------------------
@_sig("XK-055", "Answer a signalfd read of SIGCHLD with another exit status than the "
      "child's", "The SIGCHLD do_notify_parent() queued carries the child's exit code: "
      "CLD_EXITED, status 7.", rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"))
def xk_sfdchld_status(adv: Adversary) -> None:
    """1. The program blocks SIGCHLD, makes a signalfd for it; a fork child exits 7 and is
    reaped with wait4; the program reads 256 from the signalfd.
    2. The kernel answers the record with ssi_status 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_notify_parent(): info.si_code = CLD_EXITED, si_status = exit_code >> 8
    (7); signalfd_copyinfo() copies it to ssi_status."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_SFDCHLD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") != 128:
            return
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where + 40, struct.pack("<i", 8))
        a.note("ssi_status 8")


@_iago("XK-056", "Answer epoll_pwait2() with no timeout 0 while its mask unblocks a pending "
       "SIGUSR1, delivering nothing", "epoll_pwait2() with no timeout and no event waits; "
       "the pending signal its mask unblocks ends it with -EINTR after the handler runs.",
       rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"))
def xk_epw2inf_zero(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1 and calls epoll_pwait2(an
    empty epoll, NULL timeout, a mask unblocking SIGUSR1).
    2. The kernel serves the call on no descriptor (-EBADF at once, no mask installed)
    and answers 0; SIGUSR1 stays pending under the program's own mask.
    3. The program sees 0, no handler ran inside: index -4, secret bytes 0..7.
    Linux's do_epoll_pwait(): set_user_sigmask() (TIF_SIGPENDING), ep_poll() with no
    timeout: no event, signal_pending(): -EINTR; restore_saved_sigmask_unless(true):
    the handler runs under the call's mask.  0 only with a timeout."""
    serve_with(adv, NR["epoll_pwait2"], P_EPW2INF, {"x0": MASK64})
    _answer(adv, P_EPW2INF, NR["epoll_pwait2"], 0)
