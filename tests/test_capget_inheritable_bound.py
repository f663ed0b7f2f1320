"""The launch's inheritable set (`create.launch_inheritable`, empty
by default) bounds what capget() of the caller may report (`return.capset_inheritable`:
only the thread's own capset() adds to pI, cap_capset(); cap_capget() copies
`cred->cap_inheritable`).  Linux's answers pass: the empty set, a stated launcher's
`capsh --inh`, a set the thread's own capset() stored, a version 1 header's low word."""

from __future__ import annotations

import pytest

from guardian import launch_facts
from guardian.capset_sets import CAP_INHERITABLE
from guardian.checks import Refused
from tests.test_cap_rules_r81c import (
    ALL,
    NR_CAPGET,
    NR_CAPSET,
    V1,
    V3,
    _call,
    _data,
    _judge,
    _Memory,
    _slot,
    _stated,
)

CAP_KILL, CAP_SETUID = 5, 7


def _launched(inheritable: int | None = None) -> object:
    s = _stated()
    if inheritable is not None:
        s.launch.inheritable = inheritable
    launch_facts.start(s.launch, s, 5, 2)
    return s


def test_capget_reporting_inheritable_outside_the_launch_set_is_refused() -> None:
    mem = _Memory()
    s = _launched()
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                             stored=_data(0, 0, 1 << CAP_SETUID)))
    assert e.value.check == "return.capset_inheritable"
    _judge(_launched(), mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0, 0)))  # type: ignore[arg-type]
    _judge(_launched(), mem, _call(mem, NR_CAPGET, V1, stored=_data(0, 0, 0)))  # type: ignore[arg-type]
    _judge(_launched(1 << CAP_SETUID), mem,  # type: ignore[arg-type]
           _call(mem, NR_CAPGET, V3, stored=_data(0, 0, 1 << CAP_SETUID)))


def test_capget_after_the_thread_own_capset_reports_what_it_stored() -> None:
    mem = _Memory()
    s = _launched()
    _judge(s, mem, _call(mem, NR_CAPSET, V3,  # type: ignore[arg-type]
                         data=_data(ALL, ALL, 1 << CAP_KILL)))
    assert s.of_thread(_slot(0))[CAP_INHERITABLE] == 1 << CAP_KILL  # type: ignore[attr-defined]
    _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                         stored=_data(ALL, ALL, 1 << CAP_KILL)))
    with pytest.raises(Refused):
        _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                             stored=_data(ALL, ALL, 1 << CAP_KILL | 1 << CAP_SETUID)))


def test_a_failed_capset_under_a_filter_forgets_the_set() -> None:
    """A seccomp RET_TRACE tracer may run capset() and answer it an error: the
    inheritable set it stored is then not known, and capget() reporting it passes."""
    from guardian import capset_sets
    mem = _Memory()
    s = _launched()
    slot = _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_SETUID))
    capset_sets.judge(s, mem, slot, -1 & (1 << 64) - 1, True, lambda va, n: True, 2)  # type: ignore[arg-type]
    assert CAP_INHERITABLE not in s.of_thread(_slot(0))  # type: ignore[attr-defined]
    _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                         stored=_data(ALL, ALL, 1 << CAP_SETUID)))
