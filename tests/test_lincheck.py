"""The linearizability checker: hand-made histories with known answers, agreement with brute
force over all orders on random small histories, and acceptance of histories generated from
real linearization points (hypothesis)."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workloads.lincheck import Operation, check_history, check_register, parse_gcskv


def w(value: int, inv: int, resp: int, key: int = 1, client: int = 0) -> Operation:
    return Operation(client, True, key, value, inv, resp)


def r(value: int, inv: int, resp: int, key: int = 1, client: int = 1) -> Operation:
    return Operation(client, False, key, value, inv, resp)


def test_sequential_history_is_linearizable() -> None:
    assert check_register([r(0, 0, 1), w(5, 2, 3), r(5, 4, 5), w(6, 6, 7), r(6, 8, 9)]).linearizable


def test_stale_read_after_a_completed_write_is_rejected() -> None:
    res = check_register([w(5, 0, 10), r(0, 20, 30)])
    assert not res.linearizable and res.stuck == r(0, 20, 30)


def test_read_concurrent_with_a_write_may_see_either_value() -> None:
    assert check_register([w(5, 0, 10), r(0, 5, 15)]).linearizable
    assert check_register([w(5, 0, 10), r(5, 5, 15)]).linearizable


def test_new_then_old_inversion_is_rejected() -> None:
    # Both reads overlap the write, but the second starts after the first saw the new value.
    ops = [w(5, 0, 100), r(5, 10, 20, client=1), r(0, 30, 40, client=2)]
    assert not check_register(ops).linearizable
    ops[2] = r(5, 30, 40, client=2)
    assert check_register(ops).linearizable


def test_read_of_a_value_never_written_is_rejected() -> None:
    assert not check_register([w(1, 0, 5), r(7, 6, 8)]).linearizable


def test_touching_intervals_are_concurrent() -> None:
    assert check_register([w(5, 0, 10), r(0, 10, 12)]).linearizable


def test_keys_are_checked_separately() -> None:
    res = check_history([w(5, 0, 10, key=1), r(5, 11, 12, key=1), w(7, 0, 10, key=2),
                         r(0, 11, 12, key=2)])
    assert not res.linearizable and [k.key for k in res.failures()] == [2]
    assert res.operations == 4


def test_parse_gcskv_lines() -> None:
    ops = parse_gcskv("gcskv: YCSB A\nH 3 w 17 12884901889 100 250\nH 0 r 17 0 90 95\nok\n")
    assert ops == [Operation(3, True, 17, 12884901889, 100, 250),
                   Operation(0, False, 17, 0, 90, 95)]
    with pytest.raises(ValueError, match="line 1"):
        parse_gcskv("H 1 x 2 3 4 5")
    with pytest.raises(ValueError, match="responds before"):
        parse_gcskv("H 1 r 2 3 9 5")


def brute_force(ops: list[Operation], initial: int = 0) -> bool:
    """Any order that respects real time and the register's semantics."""
    for order in permutations(range(len(ops))):
        pos = {i: n for n, i in enumerate(order)}
        if any(ops[a].responded < ops[b].invoked and pos[a] > pos[b]
               for a in range(len(ops)) for b in range(len(ops))):
            continue
        state, good = initial, True
        for i in order:
            if ops[i].write:
                state = ops[i].value
            elif ops[i].value != state:
                good = False
                break
        if good:
            return True
    return False


op_strategy = st.builds(lambda write, value, start, length: Operation(
    0, write, 1, value, start, start + length),
    st.booleans(), st.integers(0, 2), st.integers(0, 12), st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(st.lists(op_strategy, max_size=6))
def test_agrees_with_brute_force(ops: list[Operation]) -> None:
    assert check_register(ops).linearizable == brute_force(ops)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30), st.integers(0, 30)),
                min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_histories_from_atomic_executions_are_accepted(spec: list[tuple[bool, int, int]],
                                                       rnd) -> None:  # noqa: ANN001
    # Execute atomically at instants 100, 200, ...; widen each interval around its instant.
    state, ops = 0, []
    for n, (write, before, after) in enumerate(spec):
        at = 100 * (n + 1)
        value = n + 1 if write else state
        if write:
            state = value
        ops.append(Operation(rnd.randrange(4), write, 1, value, at - before * 10, at + after * 10))
    rnd.shuffle(ops)
    assert check_register(ops).linearizable
    # A read changed to a value nobody wrote can never be placed.
    reads = [i for i, op in enumerate(ops) if not op.write]
    if reads:
        i = reads[0]
        ops[i] = Operation(ops[i].client, False, 1, 10_000, ops[i].invoked, ops[i].responded)
        assert not check_register(ops).linearizable
