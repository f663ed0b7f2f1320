"""Round 49's honest answers: what Linux does on the edges of round 48's rules (pipe
atomicity and read counts, memfd fallocate modes and seals, SO_PASSCRED, sigaltstack,
signal order), which a monitor could mistake for forged.

Each test runs the round-49 victim (secret_r49_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r49.py where the model lacks the call) and asserts the Guardian
lets it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r49 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def testhonest_default_steps_are_not_refused() -> None:
    # pipe_write(): a write of <= PIPE_BUF that cannot merge into a full pipe is -EAGAIN;
    # a longer one copies whole pages into the free slots (8192 of 12298; 4096 of 5000
    # after pipe_set_size() to one slot); pipe_read() after the writer closed: 100, then
    # 0; a MAP_SHARED store is in the folio pread copies; vfs_fallocate() and
    # shmem_fallocate() answer -EOPNOTSUPP; shmem_write_begin() -EPERM under
    # F_SEAL_FUTURE_WRITE and the 46 bytes inside i_size under F_SEAL_GROW; pipe_read()
    # of 0 bytes answers 0 with bytes waiting; do_sigaltstack(SS_DISABLE) stores sp NULL
    # and size 0;
    # unix_stream_read_generic() stops where the credentials change; do_sigaltstack()
    # -ENOMEM below MINSIGSTKSZ and -EPERM on the stack; next_signal() lowest first,
    # collect_signal() first queued first.
    # With SO_PASSCRED on the writing end only, or cleared before the read, the reader
    # does not compare credentials (unix_may_passcred(sk) at read time): 200.
    _claim_run(honest, (), {p: 0 for p in (
        r.P_NBSMALL, r.P_NBPAGE, r.P_SETSZ, r.P_WVATOM, r.P_EOF, r.P_MAPSH, r.P_PUNCH,
        r.P_COLLAPSE, r.P_SEALFW, r.P_SEALGROW, r.P_PASSCRED, r.P_PASSCRED2, r.P_ALTSMALL,
        r.P_ALTDIS, r.P_ORDER, r.P_RTFIFO, r.P_ALTDISSZ, r.P_ZREAD, r.P_PCREAD, r.P_PCSEND,
        r.P_PCUNSET, r.P_SEALREOPEN)})


def test_read_after_vmsplice_is_not_refused() -> None:
    # vmsplice_to_pipe() -> iter_to_pipe(): one 3000-byte buffer; pipe_read() copies it
    # whole: 3000 (the kernel model has no vmsplice; the scenario answers Linux's).
    _claim_run(r.claim_vmsplice, (), {r.P_VMSPLICE: 0})


def test_reads_after_tee_are_not_refused() -> None:
    # link_pipe() duplicates A's buffer into B without consuming A: read(B) and read(A)
    # both answer 3000 (the kernel model has no tee; the scenario answers Linux's).
    _claim_run(r.claim_tee, (), {r.P_TEE: 0, r.P_TEEA: 0})


def test_store_through_a_mapping_made_before_future_write_seal_is_not_refused() -> None:
    # memfd_add_seals(F_SEAL_FUTURE_WRITE) denies new writable mappings and writes only
    # (seal_check_write() at mmap time): a MAP_SHARED mapping made before keeps VM_WRITE,
    # its store lands in the page cache and shmem_file_read_iter() returns it (-f: the
    # kernel model, Guardian off, loses the store; with the Guardian on pread sees it).
    _claim_run(honest, (b"-f",), {r.P_FWMAP: 0})


def test_sigaltstack_set_with_ss_onstack_is_not_refused() -> None:
    # do_sigaltstack(): ss_mode SS_ONSTACK is accepted as enable (the legacy flag), and
    # the old state read off the stack reports sas_ss_flags(sp) = 0 (-o: the kernel model
    # answers EINVAL; the scenario takes the set as Linux does).
    _claim_run(r.claim_alt_onflag, (b"-o",), {r.P_ALTONFLAG: 0})


def test_stream_read_after_late_passcred_is_not_refused() -> None:
    # maybe_add_creds() recorded no pid with either write (no SO_PASSCRED at send time),
    # so unix_stream_read_generic() joins them: 200 (-l: the kernel model splits them).
    _claim_run(r.claim_passcred_late, (r.LATE,), {r.P_PCLATE: 0})


def test_stream_read_split_by_passpidfd_is_not_refused() -> None:
    # unix_may_passcred(): SO_PASSPIDFD counts as SO_PASSCRED does; maybe_add_creds()
    # records each writer's pid and unix_stream_read_generic() stops at the child's:
    # 100 (-i: the kernel model refuses SO_PASSPIDFD; the scenario takes it).
    _claim_run(r.claim_passpidfd, (r.PIDFD,), {r.P_PIDFD: 0})


def test_userfaultfd_sigbus_is_not_refused() -> None:
    # handle_userfault() with UFFD_FEATURE_SIGBUS: VM_FAULT_SIGBUS; do_page_fault() sends
    # SIGBUS BUS_ADRERR at the FAR in a read-write anonymous area (-u: the kernel model
    # has no userfaultfd; the scenario answers as Linux does, but writes UFFDIO_REGISTER's
    # whole struct back, its range and mode unchanged: see the test below).
    _claim_run(lambda adv: r.claim_uffd_sigbus(adv, whole=True), (r.UFFD,), {r.P_UFFD: 0})


def test_userfaultfd_register_output_is_not_refused() -> None:
    # userfaultfd_register(): put_user(ioctls_out, &user_uffdio_register->ioctls) is its
    # only write to the program's struct; the range and mode stay as the program wrote
    # them.
    _claim_run(r.claim_uffd_sigbus, (r.UFFD,), {r.P_UFFD: 0})


def test_synchronous_signal_first_is_not_refused() -> None:
    # next_signal(): pending & ~blocked narrowed to SYNCHRONOUS_MASK when it meets it, so
    # SIGSEGV (sent by kill()) runs before SIGUSR1 (-s: the kernel model delivers the
    # lowest number first; the scenario holds SIGUSR1 back as Linux does; qemu-user on a
    # real kernel: SIGSEGV first).  The default steps above cover SEALREOPEN.
    _claim_run(r.claim_sync_first, (r.SYNC,), {r.P_SYNCFIRST: 0, r.P_SEALREOPEN: 0})


def test_codes_queued_to_itself_are_not_refused() -> None:
    # do_rt_sigqueueinfo(): si_code >= 0 or SI_TKILL is refused only for another pid; to
    # itself the info goes as passed: SIGALRM SI_KERNEL (no timer armed), SIGUSR1 SI_TKILL
    # (-k: the kernel model refuses them; the scenario queues them as Linux does; qemu-user
    # on a real kernel: both delivered as queued).
    _claim_run(r.claim_queue_own_codes, (r.KCODE,), {r.P_QKERN: 0, r.P_QTKILL: 0})


def test_sigsegv_queued_to_itself_is_not_refused() -> None:
    # The same for SIGSEGV SEGV_MAPERR naming 0x4900: no fault happened, the program
    # queued it (-q).
    _claim_run(r.claim_queue_own_codes, (r.QSEGV,), {r.P_QSEGV: 0})
