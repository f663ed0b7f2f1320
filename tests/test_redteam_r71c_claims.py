"""Round 71c's honest answers, with the Guardian on.

An execve() that fails before the point of no return (-ENOENT from do_open_execat())
keeps the thread's TIF_TAGGED_ADDR (flush_thread() runs in begin_new_exec() only), and a
vfork child's execve() clears the child's flag, not its parent's: the clone3 with a tagged
pidfd word then makes a child, its word holding the lowest free descriptor.  The kernel
model has no tagged address ABI: the claim_* steps of attacks/families/redteam_r71c.py
answer the prctl 0 and store the word at the untagged address, as Linux does.

-EFAULT for a word in an anonymous page that MADV_DONTNEED emptied
(do_anonymous_page()'s memory-cgroup charge may fail: VM_FAULT_OOM, and arm64's
do_page_fault() takes a kernel-mode fault to no_context, -EFAULT) is let through.

-EFAULT for a word in a MAP_PRIVATE memfd page past the file's end, never written
(do_cow_fault() -> shmem_fault(): VM_FAULT_SIGBUS), is let through.

-EFAULT for a clone3 whose pidfd word is in a MAP_SHARED memfd page past the file's end
(shmem_fault(): VM_FAULT_SIGBUS, which put_user() turns into -EFAULT) is let through:
return.clone_efault takes a file page not present writable as one that may fault.  A
child for either memfd word is let through too (once YV-009, YV-033): the Guardian knows
the file's size as a lower bound at best.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r71c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r71c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-971", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_child_for_a_tagged_word_after_a_failed_exec_is_not_refused() -> None:
    _intact(_run(r.claim_exec_failed_child))


def test_child_for_a_tagged_word_after_a_vfork_child_execd_is_not_refused() -> None:
    _intact(_run(r.claim_vfork_exec_child))


def test_efault_for_a_word_past_a_memfds_end_is_not_refused() -> None:
    _intact(_run(r.claim_memfd_end_efault, (b"-m",)), {r.P_MEMFD_END: 0})


def test_efault_for_a_word_in_a_dontneed_page_is_not_refused() -> None:
    _intact(_run(r.claim_dontneed_efault))


def test_efault_for_a_word_past_a_memfds_end_mapped_private_is_not_refused() -> None:
    _intact(_run(r.claim_memfd_private_efault, (b"-q",)), {r.P_MEMFD_PRIV: 0})


def test_zero_for_a_prctl_option_with_high_bits_is_not_refused() -> None:
    """prctl()'s option is an int: PR_SET_NO_NEW_PRIVS | 1 << 32 is PR_SET_NO_NEW_PRIVS."""
    _intact(_run(r.claim_nnp_high_zero))


def test_child_for_a_tagged_clone_args_pointer_is_not_refused() -> None:
    _intact(_run(r.claim_tagged_args_child))


@pytest.mark.parametrize("steps, args", [
    (r.claim_memfd_end_child, (b"-m",)), (r.claim_memfd_private_child, (b"-q",))])
def test_child_for_a_word_past_a_memfds_known_end_is_not_refused(steps, args) -> None:  # type: ignore[no-untyped-def]
    """Once YV-009, YV-033: the Guardian knows a memfd's size as a lower bound at best
    (another holder may grow it): a child is Linux's answer too.  (The program takes it
    as a leak: its labels are not checked.)"""
    out = _run(steps, args)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
