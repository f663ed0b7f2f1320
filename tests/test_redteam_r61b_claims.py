"""Round 61b's honest memory management: what Linux's own mm does to the round-50
victim's pages (reclaim of its log buffer's page and of pages it then discards and
unmaps, migration, a THP collapse split again), which the Guardian must let through.

Each test runs secret_r50_mm with a kernel that does exactly what Linux may do at that
point (a claim_* step function of attacks/families/redteam_r61b.py) and asserts the
Guardian lets it through: no decision, the program finishes intact, and each step
indexes the label Linux's answer gives (0).
"""

from __future__ import annotations

from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r50_claims import ALL_ZERO


def _claim_run(steps, machine: str = ""):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-961", title="round 61b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-SWAP-FRESH",), program=r.MM,
                  machine=machine)
    out = run_one(sc, "on").outcome
    # COMPRESS_PAGE is refused by design and the kernel falls back to sealed swap.
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r50.P_KSM_READ, r50.P_LAST)
    for phase, index in ALL_ZERO.items():
        assert got.get(phase) == index, (phase, got)
    return out


def test_swap_out_of_the_log_page_is_not_refused() -> None:
    # shrink_folio_list() may write any private anonymous page out; do_swap_page().
    _claim_run(r.claim_swap_log_page)


def test_migration_of_the_log_page_is_not_refused() -> None:
    # migrate_pages() (compaction, NUMA balancing) of a page mapped once.
    _claim_run(r.claim_migrate_log_page)


def test_collapse_then_split_is_not_refused() -> None:
    # collapse_huge_page(), then split_huge_pmd() (deferred split): every page keeps its bytes.
    _claim_run(r.claim_collapse_then_split)


def test_swap_before_dontneed_and_munmap_is_not_refused() -> None:
    # zap_pte_range() drops swap entries (free_swap_and_cache()) for MADV_DONTNEED and
    # munmap; the addresses are mapped again by later steps.
    _claim_run(r.claim_swap_before_dontneed)


def test_swap_out_of_a_written_thp_candidate_is_not_refused() -> None:
    _claim_run(r.claim_swap_x_page)


def test_swap_out_before_a_read_into_the_page_is_not_refused() -> None:
    # copy_to_user faults on the swap entry; do_swap_page(), then the copy goes on.
    _claim_run(r.claim_swap_before_read)


def test_migration_before_a_read_into_the_page_is_not_refused() -> None:
    _claim_run(r.claim_migrate_before_read)


def test_swap_out_of_the_stack_page_is_not_refused() -> None:
    _claim_run(r.claim_swap_stack_page)


def test_swap_out_of_a_code_page_is_not_refused() -> None:
    _claim_run(r.claim_swap_code_page)



# change_prot_numa() writes a PROT_NONE hinting entry on the same frame; do_numa_page()
# makes it valid again.
def test_numa_hinting_entry_is_not_refused() -> None:
    _claim_run(r.claim_numa_hint)


def _lazy_run(steps):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-962", title="round 61b lazy-free claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.LAZY)
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_LAZY, r.P_LAZY_LAST)
    assert got == {r.P_LAZY: 0, r.P_LAZY_REWRITTEN: 0, r.P_HOLE_OLD: 0, r.P_HOLE_NEW: 0}, got
    return out


def test_untouched_lazyfree_victim_is_not_refused() -> None:
    _lazy_run(lambda adv: None)


# try_to_unmap_one() discards a clean lazyfree folio: its pte stayed read-only since
# madvise_free_pte_range() made it clean.
def test_reclaim_dropping_a_clean_lazyfree_page_is_not_refused() -> None:
    _lazy_run(r.claim_lazyfree_dropped)


def test_a_zero_frame_read_only_at_an_emptied_page_is_not_refused() -> None:
    # do_anonymous_page(): a read fault maps the zero page read-only.
    _lazy_run(r.claim_zero_page_read)


def test_page_aging_is_not_refused() -> None:
    # folio_referenced() clears the access flag; the access-flag fault sets it again.
    _claim_run(r.claim_page_aging)



def _numa_hint_then(elsewhere: bool):  # type: ignore[no-untyped-def]
    """A hinting entry at X, then at X's fault another frame (zeros) in its place
    (elsewhere) or the entry cleared: neither is do_numa_page(), and the frame is the
    program's until it unmaps X."""
    from attacks.adversary import Adversary
    from attacks.hooks import Point
    from emulator import descriptors as D

    def steps(adv: Adversary) -> None:
        @r50._at(adv, r50.P_THP_ORDER)
        def _(a: Adversary, args: tuple[int, ...]) -> None:
            x = args[1]
            desc = a.mm.tables.lookup(x)
            a.memo["numa"] = (x, desc)
            a.mm.tables.set(x, (desc & ~D.VALID) | r.PTE_PROT_NONE)
            a.el1.tlbi_all()

        @adv.on(Point.FAULT, during=r50.P_THP_ORDER)
        def _(a: Adversary, info: object = None, **_: object) -> None:
            x, desc = a.memo.get("numa", (None, 0))
            if x is None or info.far & ~0xFFF != x:  # type: ignore[attr-defined]
                return
            try:
                if elsewhere:
                    frame = a.alloc_frame()
                    a.write_lm(frame, bytes(4096))
                    a.mm.tables.set(x, (desc & ~D.ADDR_MASK) | frame)
                else:
                    a.mm.tables.set(x, 0)
                a.el1.tlbi_all()
            except Exception as exc:
                a.refused(f"after the hint: {exc}")
    return steps


def _refused_run(steps, program: str = r.MM) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-963", title="round 61b NUMA hint misused", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",), program=program)
    return tuple(run_one(sc, "on").outcome.decided_by)


def test_a_hinted_page_is_not_replaced_by_another_frame() -> None:
    assert "set_pt.discard_leaf" in _refused_run(_numa_hint_then(elsewhere=True))


def test_a_hinted_page_is_not_dropped() -> None:
    assert "set_pt.discard_leaf" in _refused_run(_numa_hint_then(elsewhere=False))


def test_a_lazyfree_page_made_writable_again_is_not_dropped() -> None:
    # A write fault made the pte writable (and dirty): try_to_unmap_one() keeps the folio.
    from attacks.adversary import Adversary
    from attacks.hooks import Point
    from emulator import descriptors as D

    def steps(adv: Adversary) -> None:
        r.claim_lazyfree_dropped(adv)

        @adv.on(Point.SYSCALL_ENTRY, nr=r50.NR_MADVISE, during=r.P_PLACED)
        def _(a: Adversary, **_: object) -> None:
            a.memo["lazy_f"] = a.reg("x0")

        @adv.on(Point.SYSCALL_EXIT, nr=r50.NR_MADVISE, during=r.P_PLACED)
        def _(a: Adversary, **_: object) -> None:
            f = a.memo["lazy_f"]
            a.mm.tables.set(f, a.mm.tables.lookup(f) & ~D.AP_RO)
            a.el1.tlbi_all()
    assert "set_pt.discard_leaf" in _refused_run(steps, r.LAZY)
