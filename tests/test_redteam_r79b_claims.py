"""Round 79b's honest answers: Linux's own answers to the calls of round 79b's attacks
(attacks/families/redteam_r79b.py), served by the adversary with the Guardian on: no
decision, the program finishes intact, the step labels 0.

- secret_r76_mm -r: page 2 (clean) dropped and refaulted READ-ONLY on a new frame of the
  file's 'x' as openat() of /proc/self/fd/N enters (reclaim, shrink_folio_list(), then
  the program's read refault, do_read_fault()): pwrite64() of 'y' reaches it.
- secret_r76_mm -r: page 2 swapped out and back in read-only as openat() enters.
- secret_r76_mm -j: page 2 (never touched) mapped read-only on the file's 'x' as
  madvise(MADV_POPULATE_READ) enters (madvise_populate() without FOLL_WRITE).
- secret_r76_mm -B: page 2 (read, clean) dropped and mapped WRITABLE on a copy of 'x' as
  madvise(MADV_POPULATE_WRITE) of page 2 enters: Linux's populate write-faults it
  (faultin_page() with FOLL_WRITE -> do_cow_fault()/wp_page_copy()); the later
  MADV_DONTNEED drops the copy and the refault reads 'y'.
- secret_r76_mm -l: as the program's store of 'z' at the clean page 2 faults (ESR.WnR),
  page 2 dropped and mapped writable on a copy of 'x' (do_cow_fault() after reclaim):
  the store lands, 'z'.
- secret_r76_mm -A: page 2 refaulted read-only as pipe2() enters, before fork(): the
  child shares the clean folio (copy_present_pte()) and reads 'y'.

- secret_r79_mm -a (a SIGUSR1 handler installed): page 2 refaulted read-only at the
  marker P + 4; and SIGUSR1 sent to the program there (another process's kill(): Linux
  delivers it, setup_rt_frame() writes the frame on the stack, the handler runs and
  returns through rt_sigreturn): label 0 both.
- secret_r79_mm -c: page 2 refaulted read-only at P + 4 after the vfork child's own
  handler: label 0.
- secret_r79_mm -g: the parent's page 2 refaulted read-only as its
  clone(CLONE_CHILD_SETTID, child_tid at page 2 + 64) enters; the child's store of its
  tid copies its own page 2 (schedule_tail()): label 0, the child exits 0.
- secret_r79_mm -h: as the second mprotect() (read-write, of the mlock()ed view)
  returns, page 2 mapped writable on a copy of 'x' (mprotect_fixup() ->
  populate_vma_page_range(), FOLL_WRITE: wp_page_copy()): pwrite64() of 'y' misses it,
  'x', label 0 (the host's Linux 6.18 under qemu-aarch64-static shows the same).
- secret_r79_mm -j: as mlockall(MCL_CURRENT) returns, page 2 mapped writable on a copy
  of 'x' (__mm_populate() -> populate_vma_page_range() with FOLL_WRITE): 'x', label 0.
  (-i, mlock() of the writable view: the Guardian's own run already labels 0, the page
  made a private copy at the call: tests/test_redteam_r79b_victim.py.)
- secret_r79_mm -f: page 2 refaulted read-only at P + 4 while the second thread blocks in
  read(): label 0.

False refusals: none found this round.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r79b as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from emulator import descriptors as D
from kernel_model import signals as sig
from tests.honest_runs import step_indices

NR_MADVISE = 233
ESR_WNR = 1 << 6
SIGUSR1 = 10


def _run(steps, phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-979", title="round 79b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r76.VICTIM, args=(r76.LETTER[phase],))
    return run_one(sc, "on").outcome


def _honest(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


def test_read_refault_as_openat_enters() -> None:
    out = _run(r.writable_as(r76.P_REOPEN, r.NR["openat"], ro=True), r76.P_REOPEN)
    _honest(out, r76.P_REOPEN, "refaulted read-only")


def test_swap_read_only_as_openat_enters() -> None:
    out = _run(r.writable_as(r76.P_REOPEN, r.NR["openat"], swap=True, ro=True), r76.P_REOPEN)
    _honest(out, r76.P_REOPEN, "swapped back in")


def test_populate_read_maps_read_only() -> None:
    out = _run(r.writable_as(r76.P_POPREAD, NR_MADVISE, ro=True), r76.P_POPREAD)
    _honest(out, r76.P_POPREAD, "refaulted read-only")


def test_populate_write_copies_writable() -> None:
    out = _run(r.writable_as(r76.P_POPDROP, NR_MADVISE), r76.P_POPDROP)
    _honest(out, r76.P_POPDROP, "refaulted writable")


def cow_at_store(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r76_mm -l) As the program's store at page 2 faults, page 2 dropped and
    mapped writable on a copy of the file's 'x' (do_cow_fault() after reclaim)."""
    @adv.on(Point.MARKER, phase=r76.P_SEALFW)
    def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
        a.memo["view"] = args[1]
        a.memo["bits"] = a.init.mm.tables.lookup(args[0]) & ~D.ADDR_MASK

    @adv.on(Point.FAULT, during=r76.P_SEALFW, once=False)
    def _(a, info=None, **_: object) -> None:  # type: ignore[no-untyped-def]
        va = a.memo.get("view", 0) + 2 * r.PAGE
        if info is None or "done" in a.memo or info.far & ~(r.PAGE - 1) != va \
                or not info.esr & ESR_WNR:
            return
        a.memo["done"] = True
        r.refault_writable(a, a.init.mm, va)


def test_write_fault_copies_writable() -> None:
    out = _run(cow_at_store, r76.P_SEALFW)
    _honest(out, r76.P_SEALFW, "refaulted writable")


def test_read_refault_before_fork_child_sees_the_write() -> None:
    out = _run(r.writable_as(r76.P_CHILDCLEAN, r.NR["pipe2"], ro=True), r76.P_CHILDCLEAN)
    _honest(out, r76.P_CHILDCLEAN, "refaulted read-only")


def _run79(steps, phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-979", title="round 79b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM79, args=(r.LETTER79[phase],))
    return run_one(sc, "on").outcome


def test_read_refault_with_a_handler_installed() -> None:
    out = _run79(r.writable_at_marker(r.P_HANDLER, ro=True), r.P_HANDLER)
    _honest(out, r.P_HANDLER, "refaulted read-only")


def test_read_refault_after_vfork_childs_handler() -> None:
    out = _run79(r.writable_at_marker(r.P_VFORKH, ro=True), r.P_VFORKH)
    _honest(out, r.P_VFORKH, "refaulted read-only")


def usr1_delivered(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r79_mm -a) As the marker P + 4 returns, SIGUSR1 queued for the program (a
    kill() from another process): its handler runs on a frame at the stack."""
    @adv.on(Point.SYSCALL_EXIT, nr=173, during=r.P_HANDLER + 4)
    def _(a, thread: object = None, **_: object) -> None:  # type: ignore[no-untyped-def]
        info = sig.pack_siginfo(SIGUSR1, sig.SI_USER, pid=a.init.pid + 100, uid=0)
        a.kernel.signals.send_thread(thread, SIGUSR1, info)
        a.note("SIGUSR1 queued")


def test_handler_runs_on_a_delivered_signal() -> None:
    out = _run79(usr1_delivered, r.P_HANDLER)
    _honest(out, r.P_HANDLER, "SIGUSR1 queued")


def test_read_refault_while_a_thread_blocks() -> None:
    out = _run79(r.writable_at_marker(r.P_THREAD, ro=True), r.P_THREAD)
    _honest(out, r.P_THREAD, "refaulted read-only")


def test_read_refault_as_settid_clone_enters() -> None:
    out = _run79(r.writable_as(r.P_SETTID, r.NR["clone"], ro=True), r.P_SETTID)
    _honest(out, r.P_SETTID, "refaulted read-only")


def test_locked_view_made_writable_copies() -> None:
    """The kernel model copies page 2 itself as mprotect_fixup() populates the locked
    view made writable (populate.copy_locked_views; confidential too, now that its view
    maps the folio): Linux's page, nothing to serve by hand."""
    out = _run79(lambda adv: None, r.P_LOCKEDRW)
    _honest(out, r.P_LOCKEDRW)


def test_mlockall_copies() -> None:
    """As above, at mlockall(MCL_CURRENT)."""
    out = _run79(lambda adv: None, r.P_MLOCKALL)
    _honest(out, r.P_MLOCKALL)



@pytest.mark.parametrize("sid,check", [("ZS-029", "clean.locked_populate"),
                                       ("ZS-030", "clean.locked_populate"),
                                       ("ZS-031", "clean.locked_populate"),
                                       ("ZM-009", "swap_in.clean_known")])
def test_scenario_needs_its_check(sid: str, check: str) -> None:
    """ZS-029..ZS-031's kernel skips the locked range's population
    (MemoryManager.skip_locked_population), ZM-009's swaps page 2 out after the program
    read it (as the shared view's mmap() enters): the Guardian refuses each, and without
    the check named the program reads the file's later 'y' (violated)."""
    from attacks import scenario
    from guardian import checks
    sc = scenario.get(sid)
    assert sc is not None
    assert run_one(sc, "on").status == "pass"
    checks.set_mutation(check)
    try:
        assert run_one(sc, "on").status == "violated"
    finally:
        checks.set_mutation("")
