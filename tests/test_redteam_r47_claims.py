"""Round 47's honest answers: counts Linux gives on the program's own pipes and memfds that
a monitor could mistake for forged.

Each test runs the round-47 victim (secret_r47_pipes) with one of its -c steps and a kernel
that answers that step exactly as Linux does (the honest kernel model where it already
does; a scenario where the model answers otherwise than Linux: it has no packet-mode
pipes, no RLIMIT_FSIZE, and it answers EFAULT where Linux counts what it copied before a
fault), and asserts the Guardian lets it through: no decision, the program finishes
intact, and the step indexes its public label 0.  (run_one subtracts the decisions of an
untouched run with the same switches, so a refusal of the honest model's own answer shows
as the program killed, not in decided_by.)

Three were refused when the round found them, and pass now: a read racing a thread or a
fork child blocked in a read of the same pipe (return.pipe_fifo no longer judges a read
while another is in flight), and lseek(SEEK_DATA) answered with its own start inside
written data (return.seek_hole counts data from the start asked).  Not written: a descriptor closed and reused while another thread's
read on it is blocked (the victim's -cK), because the kernel model holds no file
reference for a blocked call (the close drops the pipe's last reader and the woken read
re-runs on the new file by number), so no scenario can answer it as Linux does.
"""

from __future__ import annotations

import pytest

from attacks.adversary import Adversary
from attacks.families import redteam_r47 as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from kernel_model.process import Thread, ThreadState
from tests.honest_runs import step_indices

NR = r.NR


def _honest(adv: Adversary) -> None:
    """1. Nothing: the kernel model answers as Linux does."""


def _claim_run(steps, letter: str, phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-993", title="round 47 claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-IAGO-COUNT",), program=r.PIPES,
                  args=(b"-c" + letter.encode(),))
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase).get(phase) == 0, out.markers
    return out


# --- the honest kernel model answers these as Linux does ----------------------------------
HONEST = [
    # pipe_read(): `if (unlikely(total_len == 0)) return 0;` with 8 bytes waiting
    ("a", r.P_C_ZERO),
    # pipe_write(): 16 slots fill (65536), the write waits, SIGALRM (no SA_RESTART) cuts
    # it: ret 65536 (the model answers 65536 without waiting)
    ("f", r.P_C_SIGW),
    # a fork child's pipe_read() took "abcd": the parent's read gets the 4 left
    ("g", r.P_C_FORKRD),
    # splice() to /dev/null consumed 4 (do_splice -> iter_file_splice_write)
    ("j", r.P_C_SPLICE),
    # sendfile() into the pipe queued 8 more (splice_file_to_pipe)
    ("k", r.P_C_SENDFILE),
    # vfs_read() cuts 0x80000000 to MAX_RW_COUNT; a memfd of 16 bytes answers 16 and a
    # pipe of 8 answers 8 (access_ok() checks only the range)
    ("m", r.P_C_HUGEMEM),
    ("n", r.P_C_HUGEPIPE),
    # shmem_fallocate(PUNCH_HOLE|KEEP_SIZE): i_size stays 16, the hole reads as zeros
    ("o", r.P_C_PUNCH),
    # a fork child's ftruncate(4) (shmem_setattr) on the shared struct file
    ("p", r.P_C_CHTRUNC),
    # writes through a /proc/self/fd reopen, splice and sendfile into the memfd: i_size 24
    ("q", r.P_C_REOPENGROW),
    ("r", r.P_C_SPLICEGROW),
    ("t", r.P_C_SENDGROW),
    # a fork child's own read of the parent's pipe
    ("s", r.P_C_CHILDRD),
    # writev, pwritev and a fork child's pwrite64 past the end: i_size 24
    ("u", r.P_C_WVGROW),
    ("v", r.P_C_PWVGROW),
    ("w", r.P_C_CHGROW),
    # shmem_fallocate() with FALLOC_FL_KEEP_SIZE leaves i_size at 16
    ("x", r.P_C_KEEPSIZE),
    # pwrite64 on an O_APPEND memfd appends (generic_write_checks_count: IOCB_APPEND)
    ("y", r.P_C_APPPWRITE),
    # a packet write is copied whole like any other (pipe_write)
    ("z", r.P_C_PKTWRITE),
    # a fork child blocked reading 4 (the kernel model lets the parent read first: 8)
    ("A", r.P_C_FORKBLOCKED),
    # pipe_ioctl(FIONREAD) after a splice out, a fork child's read, a sendfile in
    ("D", r.P_C_FIOSPLICE),
    ("F", r.P_C_FIOFORK),
    ("G", r.P_C_FIOSEND),
    # shmem_file_read_iter() at pos >= i_size: 0
    ("H", r.P_C_MEMPAST),
    # preadv2(-1) of a pipe is readv (do_preadv -> do_readv); RWF_HIPRI is a hint
    ("I", r.P_C_PIPEPV2),
    ("J", r.P_C_MEMHIPRI),
    # ftruncate refused by F_SEAL_SHRINK (EPERM) and a negative length (EINVAL)
    ("L", r.P_C_SEALS),
    # a read of all 65536 bytes a signal-cut write left
    ("N", r.P_C_SIGREAD),
    # the offset an lseek through a dup, or a fork child's lseek, moved (one struct file)
    ("P", r.P_C_DUPSEEK),
    ("Q", r.P_C_FORKSEEK),
    # mapping_seek_hole_data(): SEEK_DATA(0) of written data is 0; SEEK_HOLE(0) of a
    # 16-byte memfd is its end, 16; SEEK_HOLE(4096) past a punched first page of 8192 is
    # 8192
    ("S", r.P_C_SEEKDATA0),
    ("T", r.P_C_SEEKHOLE0),
    ("W", r.P_C_SEEKHOLE2),
    # splice() and sendfile() with no offset read at and move the memfd's f_pos
    ("3", r.P_C_SPLICEPOS),
    ("4", r.P_C_SENDPOS),
]


@pytest.mark.parametrize("letter,phase", HONEST, ids=[x[0] for x in HONEST])
def test_honest_model_answers_are_not_refused(letter: str, phase: int) -> None:
    _claim_run(_honest, letter, phase)


# --- answers the kernel model does not give, as Linux gives them ---------------------------
def test_packet_pipe_read_of_one_packet_is_not_refused() -> None:
    # pipe2(O_DIRECT): pipe_write() marks each write's buffer PIPE_BUF_FLAG_PACKET;
    # pipe_read() ends after one packet: "abcd" of "abcd" + "efgh".
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_PKT, NR["read"], b"abcd")
    _claim_run(steps, "b", r.P_C_PKT)


def test_packet_pipe_by_setfl_on_the_write_end_is_not_refused() -> None:
    # setfl() lets a FIFO take O_DIRECT ("Pipe packetized mode is controlled by O_DIRECT
    # flag"); is_packetized() reads the writer's f_flags at each write.
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_PKTSETFL, NR["read"], b"abcd")
    _claim_run(steps, "c", r.P_C_PKTSETFL)


def test_packet_cut_short_drops_its_rest_and_is_not_refused() -> None:
    # pipe_read(): a packet read shorter than the packet sets buf->len = 0 (the rest
    # "efgh" is dropped); the next read returns the next packet "ijkl".
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_PKTCUT, NR["read"], b"ijkl")
    _claim_run(steps, "e", r.P_C_PKTCUT)


@pytest.mark.parametrize("letter,phase", [("h", r.P_C_FAULT2), ("i", r.P_C_FAULTRO)],
                         ids=["unmapped", "read-only"])
def test_pipe_read_cut_by_a_fault_after_a_whole_buffer_is_not_refused(letter: str,
                                                                       phase: int) -> None:
    # pipe_read(): the first buffer (4096 of 'p') copies whole (ret 4096); the second's
    # copy into the unmapped or read-only page faults: written < chars, ret is not 0, so
    # it breaks and answers 4096 (the kernel model answers EFAULT).
    def steps(adv: Adversary) -> None:
        r._fill(adv, phase, NR["read"], b"p" * 4096)
    _claim_run(steps, letter, phase)


def test_read_racing_a_blocked_reader_thread_is_not_refused() -> None:
    # A thread blocked in pipe_read(4) is woken by the write; it may take pipe->mutex
    # before the program's read does and get "abcd": the program's read returns the 4
    # left, "efgh" (qemu-user on a real kernel answered exactly that).
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_THRACE, NR["read"], b"efgh")
    _claim_run(steps, "l", r.P_C_THRACE)


def test_read_racing_a_blocked_reader_child_is_not_refused() -> None:
    # The same race with a fork child blocked in pipe_read(4): the write wakes it and it
    # may take "abcd" first (qemu-user on a real kernel answered the parent "efgh").
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_FORKBLOCKED, NR["read"], b"efgh")
    _claim_run(steps, "A", r.P_C_FORKBLOCKED)


def test_memfd_read_up_to_an_unmapped_page_is_not_refused() -> None:
    # shmem_file_read_iter(): copy_page_to_iter() copies the 8 mapped bytes and stops at
    # the fault; retval 8 is returned (the kernel model answers EFAULT).
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_MEMEDGE, NR["read"], b"01234567")
    _claim_run(steps, "B", r.P_C_MEMEDGE)


def test_fionread_of_a_packet_pipe_after_a_cut_packet_is_not_refused() -> None:
    # pipe_read() of 4 from an 8-byte packet sets buf->len = 0 (the rest is dropped):
    # pipe_ioctl(FIONREAD) then sums 0 (the kernel model, with no packets, answers 4).
    def steps(adv: Adversary) -> None:
        r._fionread(adv, r.P_C_FIOPKT, 0)
    _claim_run(steps, "E", r.P_C_FIOPKT)


def test_memfd_seek_data_inside_data_is_not_refused() -> None:
    # shmem_file_llseek() -> mapping_seek_hole_data(): SEEK_DATA from 4, inside the
    # written first page, answers 4 (qemu-user on a real kernel answers 4); the read of
    # 32 then returns the 12 bytes from 4.
    _claim_run(_honest, "O", r.P_C_SEEKDATA)


def test_memfd_write_cut_at_rlimit_fsize_is_not_refused() -> None:
    # generic_write_check_limits() (mm/filemap.c) cuts a write that would pass
    # RLIMIT_FSIZE (20) at the limit: the write of 8 at 16 answers 4 and the file is 20
    # bytes (the kernel model has no RLIMIT_FSIZE: it answers 8, then 24).
    def steps(adv: Adversary) -> None:
        r._answer(adv, r.P_C_FSIZE, NR["write"], 4)
        r._fill(adv, r.P_C_FSIZE, NR["pread64"], b"0123456789abcdefABCD")
    _claim_run(steps, "M", r.P_C_FSIZE)


def test_memfd_read_up_to_a_page_past_a_shared_files_end_is_not_refused() -> None:
    # The buffer's last 8 bytes lie on a MAP_SHARED page past its memfd's end: the copy
    # faults (shmem_fault: SIGBUS, VM_FAULT_SIGBUS -> the uaccess fixup) and
    # shmem_file_read_iter() returns the 8 copied (the kernel model maps the page for
    # its copy, which the Guardian refuses, so the scenario answers Linux's 8).
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_MEMSIGBUS, NR["read"], b"01234567")
    _claim_run(steps, "Y", r.P_C_MEMSIGBUS)


def test_pipe_read_up_to_a_page_past_a_shared_files_end_is_not_refused() -> None:
    # pipe_read(): the first buffer copies whole into the mapped page, the second's copy
    # faults on the page past the file's end: 4096 (qemu-user on a real kernel: 4096).
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_C_PIPESIGBUS, NR["read"], b"p" * 4096)
    _claim_run(steps, "1", r.P_C_PIPESIGBUS)


def test_pipe_read_cut_by_another_threads_munmap_is_not_refused() -> None:
    # The program blocks in pipe_read() of 8192 into two mapped pages; a thread unmaps the
    # second and writes 4104 bytes (two buffers); the woken read copies the first whole and
    # faults on the second: 4096 (the kernel model answers EFAULT).
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=r.P_C_MUNMAP,  # type: ignore[arg-type]
                once=False)
        def _(a: Adversary, thread: Thread, **_: object) -> None:
            if thread.state is ThreadState.BLOCKED or thread.process is not a.init or \
                    a.memo.get("munmap-done"):
                return
            a.memo["munmap-done"] = True
            a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), b"p" * 4096)
            a.set_reg("x0", 4096)
            a.note("the woken read answered 4096")
    _claim_run(steps, "C", r.P_C_MUNMAP)
