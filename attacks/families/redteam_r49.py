"""Red-team round forty-nine: round 48's rules, both ways.

The Guardian now holds the program's pipe writes to pipe_write()'s atomicity (a write of
at most PIPE_BUF answers its whole count; a longer one stops early only after a merged head
or a whole page), its pipe and memfd reads to their counts, SO_PASSCRED stream receives to
one writer each, sigaltstack() to on_sig_stack(), and signal senders to their si_code.
This round asks those rules shapes the earlier victims did not have:

- non-blocking pipe writes into a nearly full pipe, after F_SETPIPE_SZ and by writev of
  many small iovecs: a partial write of at most PIPE_BUF and one iovec's count are
  refused (XG-001, XG-004, XG-005), and so are a head of count % PAGE_SIZE that could
  not merge (XG-002) and a count past the pipe's room (XG-003, XG-020, XG-024);
- pipe reads after vmsplice() and tee() (a hostile kernel implements them as it likes):
  vmsplice()'s bytes are counted and judged (XG-006, XG-035 refused), and so are tee()'s,
  in both pipes (XG-007, XG-021, XG-034, XG-036 refused); reads after the writer closed
  are refused (XG-008, XG-023);
- memfds: a stale pread after a MAP_SHARED store, fallocate modes shmem does not take,
  F_SEAL_FUTURE_WRITE, F_SEAL_GROW and F_SEAL_WRITE through a reopen are refused
  (XG-009..XG-013, XG-032), and so is a write answered 0 under F_SEAL_GROW (XG-027);
- SO_PASSCRED: a receive joining two writers is refused by recvmsg and read() alike
  (XG-014, XG-028), and so is a split Linux would not make, whether SO_PASSCRED came
  only after the writes, sits on the writing end alone or was cleared before the read
  (XG-029..XG-031), and SCM_CREDENTIALS naming the wrong writer (XG-015, XG-022);
- sigaltstack(): success below MINSIGSTKSZ, a change on the stack and the old state
  after SS_DISABLE or an SS_ONSTACK set are refused (XG-016, XG-017, XG-025, XG-026);
- signal order: real-time instances out of queue order, a higher standard signal
  before a lower one both known pending, and SIGUSR1 before a pending synchronous
  SIGSEGV are refused (XG-019, XG-018, XG-033);
- a code the program queued itself (rt_sigqueueinfo() to the caller may pass any code)
  retagged on delivery is refused (XG-037).

The claim_* step functions answer exactly as Linux does and are no scenarios:
tests/test_redteam_r49_claims.py runs them with the victim (vmsplice and tee reads,
SO_PASSCRED set late or SO_PASSPIDFD, a sigaltstack() set with SS_ONSTACK, a userfaultfd
with UFFD_FEATURE_SIGBUS, Linux's signal order, SI_KERNEL and SI_TKILL queued to itself).
Two honest answers the Guardian refused when this round was written are accepted since:
the UFFDIO_REGISTER output Linux writes (only ->ioctls), and a SIGSEGV SEGV_MAPERR the
program rt_sigqueueinfo()s itself.

The victim is `secret_r49_rules` (workloads/src/secret_r49_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r45 import _answer, _fill
from attacks.hooks import Point
from attacks.moves import hold_signal
from attacks.scenario import Goal, documented, scenario
from kernel_model import signals as sig

RT = "redteam_r49"
RULES = "secret_r49_rules"
(P_NBSMALL, P_NBPAGE, P_SETSZ, P_WVATOM, P_VMSPLICE, P_TEE, P_TEEA, P_EOF, P_MAPSH,
 P_PUNCH, P_COLLAPSE, P_SEALFW, P_SEALGROW, P_PASSCRED, P_PASSCRED2, P_ALTSMALL, P_ALTDIS,
 P_ORDER, P_RTFIFO, P_FWMAP, P_ALTONFLAG, P_ALTDISSZ, P_ZREAD, P_PCREAD, P_PCLATE, P_PIDFD,
 P_UFFD, P_PCSEND, P_PCUNSET, P_SEALREOPEN, P_SYNCFIRST, P_QKERN, P_QTKILL,
 P_QSEGV) = range(4900, 4968, 2)
P_FIRST, P_LAST = P_NBSMALL, P_QSEGV
NR = NUMBERS
PAGE = 4096
SIGUSR1, SIGUSR2, SIGRT8 = 10, 12, 40
MASK64 = (1 << 64) - 1


def _iagocount(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-IAGO-COUNT",),
               gap: str | None = None):  # type: ignore[no-untyped-def]
    kw = {"gap": gap} if gap else {}
    return scenario(id=id_, title=title, family=RT, goal=Goal.LEAK, rules=rules,
                    program=RULES, prop=prop, **kw)


# --- pipe write atomicity -------------------------------------------------------------------
@_iagocount("XG-001", "Answer a 100-byte non-blocking pipe write with the 96 bytes of room "
            "the last buffer has",
            "A pipe write of at most PIPE_BUF is atomic: into a full pipe whose last buffer "
            "cannot take it whole, a non-blocking one fails with EAGAIN.")
def xg_nb_small(adv: Adversary) -> None:
    """1. The program fills a non-blocking pipe with 15 pages and 4000 bytes (16 buffers,
    96 bytes of room in the last) and writes 100.
    2. The kernel answers 96, as if the write filled the room.
    3. The program sees 96: index -4, secret bytes 0..7.
    Linux's pipe_write() merges the 100 into the last buffer only if offset + chars <=
    PAGE_SIZE (4000 + 100 > 4096), then finds pipe_full() and O_NONBLOCK: -EAGAIN."""
    _answer(adv, P_NBSMALL, NR["write"], 96)


@_iagocount("XG-002", "Answer a non-blocking pipe write of 3 pages + 10 into 2 free slots "
            "with 8202 (a head that could not merge)",
            "pipe_write() merges a head only into room the last buffer has: with 14 full "
            "pages in the pipe a non-blocking write of 12298 copies two whole pages: 8192.")
def xg_nb_page(adv: Adversary) -> None:
    """1. The program fills a non-blocking pipe with 14 whole pages and writes 3 pages +
    10 bytes.
    2. The kernel answers 8202: two pages plus the 10-byte head (count % PAGE_SIZE), as
    if the head had merged into the last buffer.
    3. The program sees 8202: index -4, secret bytes 0..7.
    Linux's pipe_write() merges chars = 10 only when the last buffer is mergeable and
    offset + chars <= PAGE_SIZE: its 4096 bytes leave no room, so no head merges; the
    loop copies a page into each of the two free slots and stops on pipe_full() with
    O_NONBLOCK: 8192.
    Refused by return.pipe_room: the Guardian keeps the pipe's buffers and its ring's
    slots (pipe_packets.room)."""
    _answer(adv, P_NBPAGE, NR["write"], 2 * PAGE + 10)


@_iagocount("XG-003", "Answer a 5000-byte non-blocking write into a pipe F_SETPIPE_SZ cut to "
            "one page with 5000",
            "A pipe F_SETPIPE_SZ sized to one page holds one buffer: a non-blocking write "
            "of 5000 with no reader running answers 4096.")
def xg_setsz(adv: Adversary) -> None:
    """1. The program makes a non-blocking pipe, sets its size to 4096 with F_SETPIPE_SZ
    (the kernel answers 4096) and writes 5000; nothing reads it meanwhile.
    2. The kernel answers 5000, the whole write.
    3. The program sees 5000: index -4, secret bytes 0..7.
    Linux's pipe_set_size() makes max_usage 1 slot; pipe_write() copies one page into
    it, finds pipe_full() and O_NONBLOCK: 4096.  No other task holds the read end (the
    program is one thread and has not forked), so nothing drains the pipe.
    Refused by return.pipe_room: the Guardian keeps the pipe's buffers and its ring's
    slots (pipe_packets.room)."""
    _answer(adv, P_SETSZ, NR["write"], 5000)


@_iagocount("XG-004", "Answer a writev of 64 iovecs of 64 bytes (PIPE_BUF) into a nearly "
            "full non-blocking pipe with the 3996 bytes of room",
            "A pipe write of exactly PIPE_BUF through writev is atomic: into a full pipe "
            "with 3996 bytes of room in the last buffer, a non-blocking one fails with "
            "EAGAIN.")
def xg_wv_atomic(adv: Adversary) -> None:
    """1. The program fills a non-blocking pipe with 15 pages and 100 bytes (16 buffers,
    3996 bytes of room) and writev()s 64 iovecs of 64 bytes, 4096 in all.
    2. The kernel answers 3996 (62 iovecs and 28 bytes).
    3. The program sees 3996: index -4, secret bytes 0..7.
    Linux's pipe_write() (writev goes through it with the whole iov_iter): chars =
    4096 & 4095 = 0, nothing merges; pipe_full() and O_NONBLOCK: -EAGAIN."""
    _answer(adv, P_WVATOM, NR["writev"], 3996)


@_iagocount("XG-005", "Answer the same writev with one iovec's 64 bytes",
            "A pipe write of at most PIPE_BUF through writev answers its whole count or an "
            "error; never one iovec of it.")
def xg_wv_one(adv: Adversary) -> None:
    """1. As XG-004's step: writev of 64 iovecs of 64 bytes into a nearly full
    non-blocking pipe.
    2. The kernel answers 64, the first iovec.
    3. The program sees 64: index -4, secret bytes 0..7.
    Linux's pipe_write() takes the iovecs as one iov_iter of 4096 bytes: EAGAIN, or
    (with room) all 4096."""
    _answer(adv, P_WVATOM, NR["writev"], 64)


# --- pipe reads after vmsplice, tee, a closed writer -----------------------------------------
def _vmsplice(adv: Adversary, n: int) -> None:
    """Answer the program's vmsplice() of 3000 bytes as done (the model lacks the call; a
    hostile kernel may implement it) and its read with `n` of the bytes."""
    _answer(adv, P_VMSPLICE, NR["vmsplice"], 3000)
    _fill(adv, P_VMSPLICE, NR["read"], b"v" * n)


@_iagocount("XG-006", "Answer a read of the 3000 bytes vmsplice() put in a pipe with 1000 "
            "of them", gap=None,
            prop="A read of the program's own pipe with 3000 bytes waiting in one buffer "
                 "answers min(count, 3000).")
def xg_vmsplice_short(adv: Adversary) -> None:
    """1. The program vmsplice()s 3000 bytes of one page into an empty pipe and reads 4096.
    2. The kernel answers the vmsplice 3000 and the read 1000, with the right bytes.
    3. The program sees 1000: index -4, secret bytes 0..7.
    Linux's vmsplice_to_pipe() -> iter_to_pipe() adds one buffer of 3000 bytes (the
    source lies in one page); pipe_read() copies min(buf->len, total_len) = 3000 and the
    copy into a writable buffer does not fault."""
    _vmsplice(adv, 1000)


def claim_vmsplice(adv: Adversary) -> None:
    """(claim) 1. As XG-006's step.  2. The kernel answers the vmsplice 3000 and the read
    3000 with the bytes, as Linux does.  3. Index 0."""
    _vmsplice(adv, 3000)


def _tee(adv: Adversary, n: int | None) -> None:
    _answer(adv, P_TEE, NR["tee"], 3000)
    if n is None:
        _fill(adv, P_TEE, NR["read"], b"")
    else:
        _fill(adv, P_TEE, NR["read"], b"t" * n)


@_iagocount("XG-007", "Answer a read of the pipe tee() filled (its writer open) with 0, end "
            "of file",
            "A read of the program's own pipe whose write end it still holds never answers "
            "0 while bytes wait (tee() put 3000 there).")
def xg_tee_eof(adv: Adversary) -> None:
    """1. The program writes 3000 bytes into pipe A, tee()s A into an empty pipe B (the
    program holds both ends of both) and reads B.
    2. The kernel answers the tee 3000 and the read of B 0.
    3. The program sees end of file: index -4, secret bytes 0..7.
    Linux's link_pipe() duplicates A's buffer into B (3000 bytes); pipe_read() returns
    0 only when the pipe is empty and pipe->writers is 0, and the program holds B's
    write end.
    Refused: the Guardian follows tee() (sole_moves.tee): the source pipe keeps its
    bytes, the other one gets a copy of the first ones."""
    _tee(adv, None)


def claim_tee(adv: Adversary) -> None:
    """(claim) 1. As XG-007's step.  2. The kernel answers the tee 3000 and the read of B
    3000 with the bytes; A's read is the kernel model's own (tee consumed nothing).
    3. Index 0 for both reads."""
    _tee(adv, 3000)


@_iagocount("XG-008", "Answer the first read of a pipe holding 100 bytes, its writer closed, "
            "with end of file",
            "A read of the program's own pipe never answers 0 while bytes wait, writer "
            "closed or not.")
def xg_eof_early(adv: Adversary) -> None:
    """1. The program writes 100 bytes into a pipe, closes the write end and reads 4096.
    2. The kernel answers 0, end of file (writing nothing into the buffer).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's pipe_read() copies the waiting buffer first; it checks
    !pipe->writers only once the pipe is empty."""
    _fill(adv, P_EOF, NR["read"], b"")


# --- memfds -----------------------------------------------------------------------------------
@_iagocount("XG-009", "Answer a pread of a memfd page with zeros after the program's "
            "MAP_SHARED store",
            "A MAP_SHARED store into a memfd is in its page cache: pread sees it.")
def xg_mapsh_stale(adv: Adversary) -> None:
    """1. The program maps a one-page memfd MAP_SHARED, stores 64 'S' bytes and preads 64.
    2. The kernel answers 64 with 64 zero bytes (the page as it was before the store).
    3. The program sees zeros: index -4, secret bytes 0..7.
    Linux's shmem_file_read_iter() copies from the same folio the shared mapping
    writes (shmem_fault() maps the page-cache folio), so pread returns the stored
    bytes."""
    _fill(adv, P_MAPSH, NR["pread64"], bytes(64))


def _errno_to_zero(id_: str, phase: int, nr: str, title: str, prop: str, doc: str,
                   rules: tuple[str, ...] = ("G-IAGO-COUNT",), gap: str = "") -> None:
    def steps(adv: Adversary) -> None:
        _answer(adv, phase, NR[nr], 0)
    scenario(id=id_, title=title, family=RT, goal=Goal.LEAK, rules=rules, program=RULES,
             prop=prop, gap=gap)(documented(steps, doc))


_errno_to_zero(
    "XG-010", P_PUNCH, "fallocate",
    "Answer fallocate(FALLOC_FL_PUNCH_HOLE) without FALLOC_FL_KEEP_SIZE on a memfd with "
    "success",
    "vfs_fallocate() refuses PUNCH_HOLE without KEEP_SIZE with EOPNOTSUPP.",
    """1. The program calls fallocate(memfd, FALLOC_FL_PUNCH_HOLE, 0, 4096) on a memfd
    holding a page of bytes.
    2. The kernel answers 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "Punch hole must have keep size set": (mode &
    FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE) returns -EOPNOTSUPP before
    any file system is asked.""")
_errno_to_zero(
    "XG-011", P_COLLAPSE, "fallocate",
    "Answer fallocate(FALLOC_FL_COLLAPSE_RANGE) on a memfd with success",
    "shmem_fallocate() takes only FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE: "
    "COLLAPSE_RANGE fails with EOPNOTSUPP.",
    """1. The program calls fallocate(memfd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096) on a
    two-page memfd.
    2. The kernel answers 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)
    returns -EOPNOTSUPP.""")


def _write_answer(adv: Adversary, phase: int, n: int) -> None:
    _answer(adv, phase, NR["pwrite64"], n)


@_iagocount("XG-012", "Answer a pwrite64 into a memfd sealed F_SEAL_FUTURE_WRITE with its "
            "whole count",
            "A write into a memfd sealed F_SEAL_WRITE or F_SEAL_FUTURE_WRITE fails with "
            "EPERM.")
def xg_seal_fw(adv: Adversary) -> None:
    """1. The program makes a sealable memfd of 100 bytes, adds F_SEAL_FUTURE_WRITE and
    pwrite64()s 100 bytes at 0.
    2. The kernel answers 100.
    3. The program sees the write succeed: index -4, secret bytes 0..7.
    Linux's shmem_file_write_iter() -> shmem_write_begin(): info->seals &
    (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) returns -EPERM (and memfd_add_seals() took the
    seal: the program's fcntl answered 0)."""
    _write_answer(adv, P_SEALFW, 100)


@_iagocount("XG-013", "Answer a pwrite64 crossing the end of a memfd sealed F_SEAL_GROW with "
            "its whole count",
            "A write into a memfd sealed F_SEAL_GROW never grows it: a write of 100 at 4050 "
            "of a one-page memfd answers 46 (or EPERM).")
def xg_seal_grow(adv: Adversary) -> None:
    """1. The program makes a sealable one-page memfd, adds F_SEAL_GROW and pwrite64()s 100
    bytes at offset 4050.
    2. The kernel answers 100 (the file grown to 4150).
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's generic_perform_write() writes page by page; shmem_write_begin() takes the
    46 bytes inside the page and refuses pos + len > i_size with -EPERM under
    F_SEAL_GROW: the write answers 46 (or -EPERM where the chunk is a large folio)."""
    _write_answer(adv, P_SEALGROW, 100)


# --- SO_PASSCRED stream receives -------------------------------------------------------------
def _msg_iov_base(a: Adversary) -> int:
    msg = int(a.el1.syscall_args()[1])
    iov = a.kernel.uaccess.read_u64(msg + 16)
    return a.kernel.uaccess.read_u64(iov)


@_iagocount("XG-014", "Join the program's 100 bytes and its fork child's 100 in one "
            "SO_PASSCRED stream receive",
            "A stream receive with SO_PASSCRED never joins bytes two processes wrote: it "
            "stops where the credentials change.")
def xg_passcred_join(adv: Adversary) -> None:
    """1. The program sets SO_PASSCRED on one end of a SOCK_STREAM socketpair, writes 100
    bytes into the other, forks a child that writes 100 more, reaps it and recvmsg()s
    4096 with room for SCM_CREDENTIALS.
    2. The kernel answers 200: the program's 100 bytes and the child's 100, with the
    program's credentials.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic(): with SOCK_PASSCRED set, check_creds stops the
    copy at the first skb whose unix_skb_scm_eq() is false (another pid): 100."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["recvmsg"], during=P_PASSCRED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        base = _msg_iov_base(a)
        a.kernel.uaccess.write(base, b"P" * 100 + b"C" * 100)
        a.set_reg("x0", 200)
        a.note("the two writers' bytes joined in one receive")


@_iagocount("XG-015", "Name the program itself in SCM_CREDENTIALS of the bytes its fork "
            "child wrote", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"),
            prop="SCM_CREDENTIALS of a stream receive names the process that wrote its "
                 "bytes.")
def xg_passcred_who(adv: Adversary) -> None:
    """1. As XG-014's step; the second recvmsg() takes the child's 100 bytes.
    2. The kernel writes the program's own pid into the SCM_CREDENTIALS it returns.
    3. The program sees its own pid: index -4, secret bytes 0..7.
    Linux's unix_stream_sendmsg() -> unix_scm_to_skb() records the child's pid with its
    skb; scm_recv() -> put_cmsg(SCM_CREDENTIALS) reports that pid.
    Refused by return.unix_creds: SCM_CREDENTIALS name the writer of the first
    bytes (pair_glue.check_writer)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["recvmsg"], during=P_PASSCRED2)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        msg = int(a.el1.syscall_args()[1])
        control = a.kernel.uaccess.read_u64(msg + 32)
        a.kernel.uaccess.write(control + 16, struct.pack("<i", a.init.pid))
        a.note("SCM_CREDENTIALS names the program")


# --- sigaltstack -----------------------------------------------------------------------------
_errno_to_zero(
    "XG-016", P_ALTSMALL, "sigaltstack",
    "Answer sigaltstack() with an ss_size of 1024 (below MINSIGSTKSZ) with success",
    "sigaltstack() with ss_size below MINSIGSTKSZ (5120 on arm64) fails with ENOMEM.",
    """1. The program calls sigaltstack({sp, 0, 1024}, NULL).
    2. The kernel answers 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's sys_sigaltstack() passes MINSIGSTKSZ (arm64's uapi: 5120) to
    do_sigaltstack(), which returns -ENOMEM for ss_size < min_ss_size.  Refused by
    signal.altstack_size.""",
    rules=("G-SIGNAL-OLD-STATE", "G-SIGNAL-FRAME"))
_errno_to_zero(
    "XG-017", P_ALTDIS, "sigaltstack",
    "Answer sigaltstack(SS_DISABLE) inside a handler running on the alternate stack with "
    "success",
    "sigaltstack() changing the alternate stack while on it fails with EPERM.",
    """1. The program's SA_ONSTACK handler, running on its 16 KiB alternate stack, calls
    sigaltstack({0, SS_DISABLE, 0}, NULL).
    2. The kernel answers 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's do_sigaltstack(): on_sig_stack(sp) is true, so -EPERM.""",
    rules=("G-SIGNAL-OLD-STATE",))


# --- the order of signals pending together ----------------------------------------------------
@scenario(id="XG-018", title="Deliver SIGUSR2 before SIGUSR1 when both are pending at "
          "unblock", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"),
          program=RULES,
          prop="Standard signals pending together are delivered lowest number first "
               "(each handler blocks both, so one runs to its end before the next).")
def xg_order(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself SIGUSR2 then SIGUSR1, and
    unblocks both; each handler's sa_mask blocks both and notes its signal.
    2. As the unblocking rt_sigprocmask returns, the kernel takes SIGUSR1 off the pending
    set; when SIGUSR2's handler returns (rt_sigreturn) it puts it back.
    3. The program sees SIGUSR2 first: index -4, secret bytes 0..7.
    Linux's dequeue_signal() -> next_signal() takes the lowest pending unblocked signal
    (no synchronous one is pending): SIGUSR1 (10) before SIGUSR2 (12); SIGUSR2's handler
    blocks SIGUSR1, so it cannot be delivered while SIGUSR2's handler runs.
    Refused by signal.pending_order: both are known pending (blocked and handled at
    their sends), and the lower one is unblocked at the delivery."""
    hold_signal(adv, P_ORDER, SIGUSR1)


@scenario(id="XG-019", title="Deliver two queued instances of a real-time signal in reverse "
          "order", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A real-time signal's instances are delivered in the order they were queued.")
def xg_rt_fifo(adv: Adversary) -> None:
    """1. The program blocks SIGRTMIN+8, queues it to itself twice with rt_sigqueueinfo()
    (si_value 1, then 2) and unblocks it; its handler notes each si_value.
    2. As the unblocking rt_sigprocmask returns, the kernel swaps the two queued
    siginfos.
    3. The handler sees 2 then 1: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() appends each sigqueue to pending->list;
    collect_signal() takes the first entry for the signal: value 1, then 2."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_RTFIFO)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & sig.bit(SIGRT8):
                first = pending.take(SIGRT8)
                second = pending.take(SIGRT8)
                if second:
                    pending.add(SIGRT8, second)
                pending.add(SIGRT8, first)
                a.note("the two SIGRTMIN+8 instances swapped")
                return
        a.note("nothing pending")


# --- more of the shapes that got through, and their neighbours -------------------------------
@_iagocount("XG-020", "Answer a non-blocking pipe write of 3 pages + 10 into 2 free slots "
            "with its whole count",
            "A non-blocking pipe write with no reader running takes at most the room the "
            "pipe has: two free slots take 8192 of 12298.")
def xg_nb_whole(adv: Adversary) -> None:
    """1. As XG-002's step: 14 whole pages in a non-blocking pipe, a write of 12298.
    2. The kernel answers 12298.
    3. The program sees 12298: index -4, secret bytes 0..7.
    Linux's pipe_write() stops on pipe_full() with O_NONBLOCK after filling the two free
    slots (no head merges into the full last buffer); nothing else holds the read end
    to drain it: 8192.
    Refused by return.pipe_room: the Guardian keeps the pipe's buffers and its ring's
    slots (pipe_packets.room)."""
    _answer(adv, P_NBPAGE, NR["write"], 3 * PAGE + 10)


@_iagocount("XG-021", "Answer a read of the pipe tee() filled with 1000 of its 3000 bytes",
            "A read of the program's own pipe with 3000 bytes waiting in one buffer answers "
            "min(count, 3000).")
def xg_tee_short(adv: Adversary) -> None:
    """1. As XG-007's step: 3000 bytes tee()d from pipe A into empty pipe B, a read of
    4096 from B.
    2. The kernel answers the tee 3000 and the read 1000, with the right bytes.
    3. The program sees 1000: index -4, secret bytes 0..7.
    Linux's link_pipe() gives B one buffer of 3000 bytes (a copy of A's); pipe_read()
    copies min(buf->len, total_len) = 3000 into the writable buffer.
    Refused: the Guardian follows tee() (sole_moves.tee): the source pipe keeps its
    bytes, the other one gets a copy of the first ones."""
    _tee(adv, 1000)


@_iagocount("XG-022", "Name the fork child in SCM_CREDENTIALS of the bytes the program "
            "wrote itself", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"),
            prop="SCM_CREDENTIALS of a stream receive names the process that wrote its "
                 "bytes.")
def xg_passcred_first(adv: Adversary) -> None:
    """1. As XG-014's step; the first recvmsg() takes the program's own 100 bytes.
    2. The kernel writes the child's pid (the id the program's fork answered) into
    SCM_CREDENTIALS.
    3. The program sees the child named: index -4, secret bytes 0..7.
    Linux's unix_scm_to_skb() recorded the program's pid with the skb its write made;
    scm_recv() reports it.
    Refused by return.unix_creds: SCM_CREDENTIALS name the writer of the first
    bytes (pair_glue.check_writer)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["clone"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if thread.process is a.init and 0 < a.reg("x0") < 1 << 31:  # type: ignore[attr-defined]
            a.memo["child"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["recvmsg"], during=P_PASSCRED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        msg = int(a.el1.syscall_args()[1])
        control = a.kernel.uaccess.read_u64(msg + 32)
        pid = a.memo.get("child", a.init.pid + 1)
        a.kernel.uaccess.write(control + 16, struct.pack("<i", pid))
        a.note(f"SCM_CREDENTIALS names pid {pid}")


@_iagocount("XG-023", "Answer a second read of a drained pipe, its writer closed, with 100 "
            "more bytes",
            "A read of the program's own pipe returns only bytes written into it: once "
            "drained with no writer left, it answers 0.")
def xg_eof_more(adv: Adversary) -> None:
    """1. As XG-008's step: 100 bytes in a pipe, the writer closed; the program reads
    4096 twice.
    2. The first read is the kernel's own (100); the second is answered 100 more 'e'
    bytes.
    3. The program sees bytes after the end: index -4, secret bytes 0..7.
    Linux's pipe_read() on an empty pipe with pipe->writers == 0 returns 0; no one can
    write into it any more (the program closed the only write end)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_EOF, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["reads"] = a.memo.get("reads", 0) + 1
        if a.memo["reads"] != 2:
            return
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), b"e" * 100)
        a.set_reg("x0", 100)
        a.note("the second read answered 100 more bytes")


@_iagocount("XG-024", "Answer a 100-byte non-blocking pipe write into a full pipe with its "
            "whole count",
            "A non-blocking pipe write into a pipe with no room (16 buffers in use, the "
            "last one's room too small) fails with EAGAIN; it never answers its count.")
def xg_nb_small_whole(adv: Adversary) -> None:
    """1. As XG-001's step: 15 pages and 4000 bytes in a non-blocking pipe, a write of 100.
    2. The kernel answers 100.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's pipe_write(): 4000 + 100 > PAGE_SIZE, no merge; pipe_full() with O_NONBLOCK:
    -EAGAIN (no reader runs: the program is one thread and has not forked).
    Refused by return.pipe_room: the Guardian keeps the pipe's buffers and its ring's
    slots (pipe_packets.room)."""
    _answer(adv, P_NBSMALL, NR["write"], 100)


def _old_stack(adv: Adversary, phase: int, sp: int | None, flags: int,
               size: int | None) -> None:
    """At the program's read of the old alternate stack after marker `phase`, write
    {sp, flags, size} (None: the value the program's set in the phase passed)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["sigaltstack"], during=phase,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if not int(args[1]):
            return
        csp, csize = a.memo.get("set", (0, 0))
        a.kernel.uaccess.write(int(args[1]), struct.pack(
            "<QiiQ", csp if sp is None else sp, flags, 0, csize if size is None else size))
        a.note(f"old alternate stack written with flags {flags}")


def _alt_set_as_linux(adv: Adversary, phase: int) -> None:
    """Take the program's sigaltstack({sp, SS_ONSTACK, size}) as Linux does (the kernel
    model answers EINVAL): the stack set, 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sigaltstack"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        new = int(a.el1.syscall_args()[0])
        nsp, _f, _p, nsize = struct.unpack("<QiiQ", a.kernel.uaccess.read(new, 24))
        a.memo["onflag"] = a.memo["set"] = (nsp, nsize)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["sigaltstack"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        nsp, nsize = a.memo.pop("onflag")
        thread.altstack = (nsp, 0, nsize)  # type: ignore[attr-defined]
        a.set_reg("x0", 0)
        a.note("sigaltstack(SS_ONSTACK) taken as enable")


def claim_alt_onflag(adv: Adversary) -> None:
    """(claim) 1. The program sets its alternate stack with ss_flags SS_ONSTACK and reads
    it back, off the stack (switch -o).
    2. The kernel takes it as Linux does (ss_mode SS_ONSTACK means enable) and the read
    reports {sp, 0, size}.
    3. Index 0."""
    _alt_set_as_linux(adv, P_ALTONFLAG)


_ALT = "G-SIGNAL-OLD-STATE"


@scenario(id="XG-025", title="Report the sp and size a sigaltstack(SS_DISABLE) passed as the "
          "old state", family=RT, goal=Goal.LEAK, rules=(_ALT,), program=RULES,
          prop="After sigaltstack(SS_DISABLE) the old state reads {NULL, SS_DISABLE, 0}, "
               "whatever sp and size the disabling call passed.")
def xg_alt_dis_echo(adv: Adversary) -> None:
    """1. The program calls sigaltstack({altstk, SS_DISABLE, 8192}) and then
    sigaltstack(NULL, &old).
    2. The kernel writes {altstk, SS_DISABLE, 8192} into old.
    3. The program sees a disabled stack with an sp and a size: index -4, secret bytes
    0..7.
    Linux's do_sigaltstack() sets ss_sp = NULL and ss_size = 0 for SS_DISABLE before it
    stores them; the read reports sas_ss_sp 0 and sas_ss_size 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["sigaltstack"], during=P_ALTDISSZ)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write(int(args[1]), struct.pack("<QiiQ", a.memo["altsp"], 2, 0,
                                                          8192))
        a.note("old state {altstk, SS_DISABLE, 8192}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sigaltstack"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[0]) and "altsp" not in a.memo:
            nsp, nflags, _p, _s = struct.unpack("<QiiQ", a.kernel.uaccess.read(int(args[0]),
                                                                                 24))
            if nflags == 2 and nsp:
                a.memo["altsp"] = nsp


@scenario(id="XG-026", title="Report SS_ONSTACK off the stack after a sigaltstack() set with "
          "ss_flags SS_ONSTACK", family=RT, goal=Goal.LEAK, rules=(_ALT,), program=RULES,
          args=(b"-o",),
          prop="sigaltstack()'s old ss_flags is SS_ONSTACK only while the caller's SP is on "
               "the alternate stack, whatever flags set it.")
def xg_alt_onflag_echo(adv: Adversary) -> None:
    """1. The program sets its alternate stack with ss_flags SS_ONSTACK (Linux takes it as
    enable) and reads the old state back, its SP on its ordinary stack (switch -o).
    2. The kernel takes the set as Linux does, then writes ss_flags SS_ONSTACK into old
    (the flags the program passed).
    3. The program sees SS_ONSTACK: index -4, secret bytes 0..7.
    Linux's do_sigaltstack() reports sas_ss_flags(sp) | (sas_ss_flags & SS_FLAG_BITS):
    on_sig_stack(sp) is false, and SS_ONSTACK is no SS_FLAG_BITS bit: 0."""
    _alt_set_as_linux(adv, P_ALTONFLAG)
    _old_stack(adv, P_ALTONFLAG, None, 1, None)


@_iagocount("XG-027", "Answer a pwrite64 crossing the end of a memfd sealed F_SEAL_GROW with "
            "0", prop="A write of 100 bytes into a one-page memfd sealed F_SEAL_GROW at "
            "4050 answers 46 or EPERM; never 0.")
def xg_seal_grow_zero(adv: Adversary) -> None:
    """1. As XG-013's step.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's generic_perform_write() returns written ? written : status: 46, or -EPERM
    from shmem_write_begin(); 0 only for a write of 0 bytes.
    Refused by return.memfd_count: a write of any bytes to the program's own memfd never
    answers 0."""
    _write_answer(adv, P_SEALGROW, 0)


# --- SO_PASSCRED through read(), set late, and SO_PASSPIDFD ---------------------------------
SO_PASSCRED, SO_PASSPIDFD, SOL_SOCKET = 16, 76, 1
LATE, PIDFD, UFFD = b"-l", b"-i", b"-u"       # the victim's switches


@_iagocount("XG-028", "Join the program's and its fork child's bytes in one read() of a "
            "SO_PASSCRED stream socket",
            "A stream receive with SO_PASSCRED never joins bytes two processes wrote, "
            "read() as recvmsg().")
def xg_passcred_read_join(adv: Adversary) -> None:
    """1. As XG-014's step, but the program takes the bytes with read(4096) (no control
    buffer).
    2. The kernel answers 200: the program's 100 bytes and the child's 100.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's sock_read_iter() -> unix_stream_recvmsg() -> unix_stream_read_generic():
    check_creds is set by the socket's SO_PASSCRED, not by the control buffer, and the
    copy stops at the child's skb: 100."""
    _fill(adv, P_PCREAD, NR["read"], b"P" * 100 + b"C" * 100)


@scenario(id="XG-029", title="Split a read() at the writer change when SO_PASSCRED was set "
          "only after both writes", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=RULES, args=(LATE,),
          prop="A stream receive joins bytes whose writes carried no credentials: with "
               "SO_PASSCRED set only after both writes, read(4096) takes all 200.")
def xg_passcred_late_split(adv: Adversary) -> None:
    """1. The program writes 100 bytes into one end of a SOCK_STREAM socketpair, a fork
    child writes 100 more, the program reaps it, sets SO_PASSCRED on the other end and
    read()s 4096 (switch -l).
    2. The kernel answers 100, the program's bytes only (the kernel model's own answer:
    it splits by the option at read time).
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's unix_stream_sendmsg() -> maybe_add_creds() records a pid with an skb only
    when the sending or the receiving socket has SO_PASSCRED at send time; neither had,
    so both skbs carry no pid, unix_skb_scm_eq() holds and unix_stream_read_generic()
    copies both: 200 (qemu-user on a real kernel: 200).
    Refused by return.stream_whole: a receive stops at a writer change only where
    credentials may differ and the reading end compares them (pair_glue.stops)."""
    _answer(adv, P_PCLATE, NR["read"], 100)


def claim_passcred_late(adv: Adversary) -> None:
    """(claim) 1. As XG-029's step.  2. The kernel takes the read as Linux does: its
    socket treats the two credential-less writes alike (SO_PASSCRED off for this read)
    and answers 200.  3. Index 0."""
    _sock_option_during(adv, P_PCLATE, NR["read"], SO_PASSCRED, 0)


def _sock_option_during(adv: Adversary, phase: int, nr: int, name: int, value: int) -> None:
    """Set the kernel's own record of option `name` on the socket the program's call `nr`
    after marker `phase` reads (x0) to `value` for that call."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        sock = a.init.fds.get(int(a.el1.syscall_args()[0]))
        options = sock.options  # type: ignore[attr-defined]
        a.memo["opt"] = (sock, options.get((SOL_SOCKET, name), 0))
        sock.options[(SOL_SOCKET, name)] = value  # type: ignore[attr-defined]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        sock, old = a.memo.pop("opt")
        sock.options[(SOL_SOCKET, name)] = old  # type: ignore[attr-defined]


def claim_passpidfd(adv: Adversary) -> None:
    """(claim) 1. The program sets SO_PASSPIDFD (Linux 6.5+) instead of SO_PASSCRED on the
    reading end, then as XG-028's step (switch -i).
    2. The kernel takes the option (the kernel model refuses it) and splits the read at
    the writer change as Linux does: unix_may_passcred() is SO_PASSCRED or
    SO_PASSPIDFD, maybe_add_creds() records each writer's pid, and
    unix_stream_read_generic() stops at the child's skb: 100.
    3. Index 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["setsockopt"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[2]) != SO_PASSPIDFD or a.memo.get("pidfd_set"):
            return
        a.memo["pidfd_set"] = True
        # The answer's x0 replaced args[0]: the socket is the one the victim set it on,
        # the first end of the pair it made last.
        sock = a.init.fds.get(a.memo["sv0"])
        sock.options[(SOL_SOCKET, SO_PASSCRED)] = 1  # type: ignore[attr-defined]
        a.memo["pidfd_sock"] = sock
        a.set_reg("x0", 0)
        a.note("SO_PASSPIDFD taken")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["setsockopt"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["sv0"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_PIDFD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["pidfd_sock"].options[(SOL_SOCKET, SO_PASSCRED)] = 0


# --- userfaultfd with UFFD_FEATURE_SIGBUS ----------------------------------------------------
UFFD_FEATURES = 0x1FFFF & ~(1 << 0 | 1 << 12 | 1 << 13 | 1 << 15)
UFFD_API_IOCTLS = 1 << 0x00 | 1 << 0x01 | 1 << 0x3F
UFFD_RANGE_IOCTLS = 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 8
def claim_uffd_sigbus(adv: Adversary, whole: bool = False) -> None:
    """(claim) 1. The program makes a userfaultfd (UFFD_USER_MODE_ONLY), asks for
    UFFD_FEATURE_SIGBUS, registers a fresh read-write anonymous page MODE_MISSING and
    stores into it under a probe (switch -u).
    2. The kernel (the model has no userfaultfd) gives the lowest free descriptor,
    answers both ioctls 0 and, at the store's data abort, queues SIGBUS/BUS_ADRERR
    naming the address, as Linux does.
    3. Index 0.
    Linux's handle_userfault(): with UFFD_FEATURE_SIGBUS it returns VM_FAULT_SIGBUS
    without waiting; do_page_fault() sends SIGBUS BUS_ADRERR at the FAR, though the
    area is read-write and the page missing.  (`whole`: the register ioctl writes its
    whole struct back, the range and mode unchanged, where Linux writes only ->ioctls.)"""
    from attacks.families.redteam_r48 import _report
    from kernel_model.openfile import OpenFile

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mmap"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["last_mmap"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["userfaultfd"])  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        fd = a.init.fds.install(OpenFile(2))
        a.set_reg("x0", fd)
        a.memo["uffd"] = fd
        a.note(f"userfaultfd answered {fd}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ioctl"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if "uffd" in a.memo:
            a.memo["ioctl_arg"] = int(a.el1.syscall_args()[2])


    @adv.on(Point.SYSCALL_EXIT, nr=NR["ioctl"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        done = a.memo.get("ioctls", 0)
        if "uffd" not in a.memo or done >= 2:
            return
        a.memo["ioctls"] = done + 1
        arg = a.memo.pop("ioctl_arg")
        if done == 0:
            # userfaultfd_api(): copy_to_user() of {UFFD_API, the features it supports
            # (no write-protect ones on this CPU), UFFD_API_IOCTLS}.
            a.kernel.uaccess.write(arg, struct.pack("<QQQ", 0xAA, UFFD_FEATURES,
                                                     UFFD_API_IOCTLS))
        else:
            # userfaultfd_register(): put_user() of the range ioctls (basic set for an
            # anonymous MODE_MISSING range).
            if whole:
                a.kernel.uaccess.write(arg, struct.pack(
                    "<QQQQ", a.memo["last_mmap"], PAGE, 1, UFFD_RANGE_IOCTLS))
            else:
                a.kernel.uaccess.write(arg + 24, struct.pack("<Q", UFFD_RANGE_IOCTLS))
        a.set_reg("x0", 0)

    _report(adv, P_UFFD, 7, 2)


@_iagocount("XG-030", "Split a read() at the writer change when only the writing end has "
            "SO_PASSCRED",
            "A stream receive checks credentials only when the reading socket passes them: "
            "with SO_PASSCRED on the writing end only, read(4096) takes all 200 bytes.")
def xg_passcred_sender_split(adv: Adversary) -> None:
    """1. The program sets SO_PASSCRED on the writing end of a SOCK_STREAM socketpair,
    writes 100 bytes, a fork child writes 100 more, the program reaps it and read()s
    4096 from the other end.
    2. The kernel answers 100, the program's bytes only.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic() sets check_creds only when unix_may_passcred(sk)
    holds for the reading socket; maybe_add_creds() recorded pids (the sender passes
    them) but nothing compares them, and the read takes both skbs: 200 (qemu-user on a
    real kernel: 200).
    Refused by return.stream_whole: a receive stops at a writer change only where
    credentials may differ and the reading end compares them (pair_glue.stops)."""
    _fill(adv, P_PCSEND, NR["read"], b"P" * 100)


@_iagocount("XG-031", "Split a read() at the writer change after the program cleared "
            "SO_PASSCRED again",
            "A stream receive checks credentials by the reading socket's SO_PASSCRED at "
            "read time: cleared before the read, read(4096) takes all 200 bytes.")
def xg_passcred_unset_split(adv: Adversary) -> None:
    """1. The program sets SO_PASSCRED on the reading end, the two writes follow (its own,
    then a fork child's), it clears SO_PASSCRED and read()s 4096.
    2. The kernel answers 100, the program's bytes only.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic() asks unix_may_passcred(sk) as it reads: the
    option is off, check_creds stays false and the two skbs join: 200 (qemu-user on a
    real kernel: 200).
    Refused by return.stream_whole: a receive stops at a writer change only where
    credentials may differ and the reading end compares them (pair_glue.stops)."""
    _fill(adv, P_PCUNSET, NR["read"], b"P" * 100)


# --- seals through a reopen; a synchronous signal first -------------------------------------
@_iagocount("XG-032", "Answer a pwrite64 into a memfd sealed F_SEAL_WRITE through a "
            "/proc/self/fd reopen with its whole count",
            "Seals belong to the memfd's inode: sealed F_SEAL_WRITE through a reopen, a "
            "write through the first descriptor fails with EPERM.")
def xg_seal_reopen(adv: Adversary) -> None:
    """1. The program makes a sealable memfd of 100 bytes, reopens it through
    /proc/self/fd/N, adds F_SEAL_WRITE through the reopen and pwrite64()s 100 bytes
    through the first descriptor.
    2. The kernel answers 100.
    3. The program sees the write succeed: index -4, secret bytes 0..7.
    Linux's memfd_add_seals() stores the seal in the shmem inode both descriptors share
    (memfd_file_seals_ptr()); shmem_write_begin() refuses with -EPERM."""
    _answer(adv, P_SEALREOPEN, NR["pwrite64"], 100)


SIGSEGV = 11
SYNC = b"-s"


@scenario(id="XG-033", title="Deliver a pending SIGUSR1 before a pending SIGSEGV",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"),
          program=RULES, args=(SYNC,),
          prop="Of the signals pending together, a synchronous one (SIGSEGV, SIGBUS, "
               "SIGILL, SIGTRAP, SIGFPE, SIGSYS) is delivered first.")
def xg_sync_first(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGSEGV, kill()s itself SIGUSR1 then SIGSEGV and
    unblocks both; each handler's sa_mask blocks both and notes its signal (switch -s).
    2. As the unblocking rt_sigprocmask returns, the kernel takes SIGSEGV off the pending
    set; when SIGUSR1's handler returns it puts it back.
    3. The program sees SIGUSR1 first: index -4, secret bytes 0..7.
    Linux's next_signal() narrows the pending, unblocked set to SYNCHRONOUS_MASK when it
    meets it: SIGSEGV (11) before SIGUSR1 (10) (qemu-user on a real kernel: SIGSEGV
    first).  The kernel model used to deliver SIGUSR1 first on its own (lowest number
    first; hence switch -s); it now dequeues as Linux does.  Refused by
    signal.pending_order: both are known pending in the shared queue, SIGSEGV ranks
    first."""
    hold_signal(adv, P_SYNCFIRST, SIGSEGV)


def claim_sync_first(adv: Adversary) -> None:
    """(claim) 1. As XG-033's step.  2. The kernel delivers SIGSEGV first, as Linux's
    next_signal() does: it holds SIGUSR1 back until SIGSEGV's handler returns.
    3. Index 0."""
    hold_signal(adv, P_SYNCFIRST, SIGUSR1)


# --- what tee() left in the first pipe; vmsplice()'s bytes -----------------------------------
@_iagocount("XG-034", "Answer a read of the pipe tee() copied from with end of file, as if "
            "tee() had consumed it",
            "tee() consumes nothing: a read of the source pipe afterwards answers its 3000 "
            "bytes; never end of file while its writer is open.")
def xg_tee_consumed(adv: Adversary) -> None:
    """1. As XG-007's step; after reading B the program reads A (4096).
    2. The kernel answers the tee 3000, B's read its own way (the scenario fills it with
    the 3000 bytes) and A's read 0.
    3. The program sees end of file on A: index -4, secret bytes 0..7.
    Linux's link_pipe() takes a reference to A's buffers (pipe_buf_get()) and leaves
    them in A; pipe_read() of A copies them: 3000.
    Refused: the Guardian follows tee() (sole_moves.tee): the source pipe keeps its
    bytes, the other one gets a copy of the first ones."""
    _tee(adv, 3000)
    _fill(adv, P_TEEA, NR["read"], b"")


@_iagocount("XG-036", "Answer a read of the pipe tee() copied from with other bytes",
            "tee() changes nothing in the source pipe: a read of it afterwards returns the "
            "bytes the program wrote.", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xg_tee_forged(adv: Adversary) -> None:
    """1. As XG-034's step: 3000 bytes of 't' written into pipe A, tee()d into B; B read,
    then A read (4096).
    2. The kernel answers the tee 3000, B's read with the 3000 't' bytes and A's read
    3000 bytes of 'x'.
    3. The program computes on bytes it never wrote: index -4, secret bytes 0..7.
    Linux's link_pipe() leaves A's buffers in place; pipe_read() of A returns the 't'
    bytes the program wrote (XG-035: the Guardian refuses other bytes for a pipe read,
    vmsplice()'s included).
    Refused: the Guardian follows tee() (sole_moves.tee): the source pipe keeps its
    bytes, the other one gets a copy of the first ones."""
    _tee(adv, 3000)
    _fill(adv, P_TEEA, NR["read"], b"x" * 3000)


@_iagocount("XG-035", "Answer a read of the bytes vmsplice() put in a pipe with other bytes",
            "A read of the program's own pipe returns the bytes put into it, vmsplice()'s "
            "included.", rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"))
def xg_vmsplice_bytes(adv: Adversary) -> None:
    """1. As XG-006's step: 3000 bytes of 'v' vmsplice()d into an empty pipe, a read of
    4096.
    2. The kernel answers the vmsplice 3000 and the read 3000, with 3000 bytes of 'x'.
    3. The program sees other bytes: index -4, secret bytes 0..7.
    Linux's iter_to_pipe() references the program's own page; pipe_read() copies from
    it: the 'v' bytes (the program does not change its page meanwhile)."""
    _answer(adv, P_VMSPLICE, NR["vmsplice"], 3000)
    _fill(adv, P_VMSPLICE, NR["read"], b"x" * 3000)


# --- codes the program queues itself (claims) ------------------------------------------------
KCODE, QSEGV = b"-k", b"-q"


def claim_queue_own_codes(adv: Adversary) -> None:
    """(claim) 1. The program rt_sigqueueinfo()s itself SIGALRM with si_code SI_KERNEL, and
    SIGUSR1 with SI_TKILL and its pid (switch -k), and (switch -q) SIGSEGV with
    SEGV_MAPERR and si_addr 0x4900; an SA_SIGINFO handler notes each.
    2. The kernel queues each siginfo as the program passed it and answers 0, as Linux
    does (the kernel model answers EPERM).
    3. Index 0 each.
    Linux's do_rt_sigqueueinfo() refuses si_code >= 0 or SI_TKILL only when the target
    is not the caller (task_pid_vnr(current) != pid); kill_proc_info() then sends the
    info unchanged."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigqueueinfo"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["qinfo"] = (int(args[1]), bytearray(a.kernel.uaccess.read(int(args[2]), 128)))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigqueueinfo"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        signo, info = a.memo.pop("qinfo")
        code = struct.unpack_from("<i", info, 8)[0]
        if a.reg("x0") == 0 or not (code >= 0 or code == -6):
            return
        struct.pack_into("<i", info, 0, signo)
        a.init.pending.add(signo, bytes(info))
        a.set_reg("x0", 0)
        a.note(f"signal {signo} queued with si_code {code}")


@scenario(id="XG-037", title="Deliver the SIGUSR1 the program queued itself with SI_TKILL "
          "as SI_USER", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=RULES, args=(KCODE,),
          prop="rt_sigqueueinfo() to the caller delivers the siginfo it passed: its "
               "si_code SI_TKILL, never SI_USER.")
def xg_queued_code_retagged(adv: Adversary) -> None:
    """1. The program rt_sigqueueinfo()s itself SIGUSR1 with si_code SI_TKILL and its pid
    (switch -k); its SA_SIGINFO handler notes the code.
    2. The kernel answers 0 and queues the signal with si_code SI_USER (its pid kept).
    3. The handler sees SI_USER: index -4, secret bytes 0..7.
    Linux's do_rt_sigqueueinfo() -> kill_proc_info() sends the program's own info
    unchanged (the SIGALRM before it, SI_KERNEL, is queued as passed too)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigqueueinfo"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["qinfo"] = (int(args[1]), bytearray(a.kernel.uaccess.read(int(args[2]), 128)))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigqueueinfo"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        signo, info = a.memo.pop("qinfo")
        code = struct.unpack_from("<i", info, 8)[0]
        if not (code >= 0 or code == -6):
            return
        struct.pack_into("<i", info, 0, signo)
        if code == -6:
            struct.pack_into("<i", info, 8, 0)
            a.note("SI_TKILL retagged SI_USER")
        if a.reg("x0") == 0:            # queued as the program passed it: swap its siginfo
            if code == -6 and a.init.pending.mask & (1 << (signo - 1)):
                a.init.pending.take(signo)
                a.init.pending.add(signo, bytes(info))
            return
        a.init.pending.add(signo, bytes(info))  # (a kernel that refused a task's own code)
        a.set_reg("x0", 0)
