"""Round 88c's namespace moves (AZ-001..005) and Linux's answers beside them: a setns()
whose nstype holds CLONE_NEWUSER answered 0 with no filter leaves the cred
set_cred_user_ns() made (commit_nsset() -> userns_install(): `create.userns_full`,
`create.userns_caps`, one level deeper for `return.userns_depth`), and the depth count
goes through an exec (prepare_exec_creds() keeps the cred's user namespace)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED, CRED_CHANGE, KEEPCAPS, SECUREBITS, SECUREBITS_RESET
from guardian import cred_kept, exec_kept, prctl_state, userns_depth
from guardian.capset_sets import CAPS_FULL
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.cred_kept import CAPBSET_FULL
from guardian.result_creds import CredsSeen, commit_creds
from guardian.slots import Slot
from guardian.userns_depth import DEPTH
from tests.test_cap_rules_r81c import NR_CAPGET, V3, _call, _data, _judge, _Memory, _stated

NR_SETNS, NR_EXECVE = NUMBERS["setns"], NUMBERS["execve"]
CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEWNET = 0x1000_0000, 0x0400_0000, 0x4000_0000
ALL = (1 << 41) - 1
EINVAL = (1 << 64) - 22


class _Creds:
    def known(self, slot: Slot) -> None:
        return None

    def commit(self, *_: object) -> None:
        return None


def _setns(nstype: int, ret: int = 0, filtered: bool = False,
           facts: dict[str, object] | None = None) -> tuple[object, dict[str, object]]:
    """setns(fd, nstype) answered `ret`: the table's notes, then commit_creds()."""
    s = _stated()
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NR_SETNS, args=(9, nstype),
                root=5, thread=2)
    s.of_thread(slot).update(facts or {})
    if ret == 0 and not filtered:
        for fact in (SECUREBITS_RESET, CRED_CHANGE):
            prctl_state.note_set(s, slot, fact)
    rules = SimpleNamespace(creds=_Creds(), files=SimpleNamespace(stated=s, steady=lambda _s: False),
                            filtered=lambda _slot: filtered, registry=SimpleNamespace(next_slot=9))
    commit_creds(rules, slot, ret, NR_SETNS, CredsSeen(None, None, None))  # type: ignore[arg-type]
    return s, s.of_thread(slot)


@pytest.mark.parametrize("nstype", [CLONE_NEWUSER, CLONE_NEWUSER | CLONE_NEWNET])
def test_setns_of_a_user_namespace_leaves_set_cred_user_ns_cred(nstype: int) -> None:
    """AZ-001..004: after setns(fd, CLONE_NEWUSER) 0 (a namespace fd, or a pidfd with more
    flags) pP, pE and the bounding set are full, securebits and KEEPCAPS 0, the drop
    forgotten, one move counted."""
    s, facts = _setns(nstype, facts={CAPBSET_DROPPED: 1 << 7, DEPTH: 3})
    assert facts[CAPS_FULL] is True and facts[CAPBSET_FULL] is True
    assert facts[SECUREBITS] == 0 and facts[KEEPCAPS] == 0
    assert CAPBSET_DROPPED not in facts and facts[DEPTH] == 4
    mem = _Memory()
    with pytest.raises(Refused) as e:   # (AZ-001: empty sets)
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0)))  # type: ignore[arg-type]
    assert e.value.check == "return.userns_caps_full"
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))  # type: ignore[arg-type]


@pytest.mark.parametrize(("nstype", "ret", "filtered"), [
    (CLONE_NEWUTS, 0, False), (0, 0, False), (CLONE_NEWUSER, EINVAL, False),
    (CLONE_NEWUSER, 0, True)])
def test_setns_that_may_not_have_moved_the_cred_learns_nothing(
        nstype: int, ret: int, filtered: bool) -> None:
    """Another type, nstype 0 (the fd's type unknown), a failure or a filter's answer: no
    set_cred_user_ns() cred is known (the honest PR_CAPBSET_READ 0 after a drop passes)."""
    _, facts = _setns(nstype, ret, filtered)
    for fact in (CAPS_FULL, CAPBSET_FULL, SECUREBITS, DEPTH):
        assert fact not in facts


def test_joined_depth_takes_the_deeper_count() -> None:
    """AZ-006's rule: the joined namespace's known count where deeper than one more move."""
    facts: dict[str, object] = {DEPTH: 2}
    userns_depth.note_move(facts)
    userns_depth.note_joined(facts, 33)
    assert facts[DEPTH] == 33
    userns_depth.note_joined(facts, 5)
    assert facts[DEPTH] == 33


def test_depth_goes_through_an_exec() -> None:
    """AZ-005: 33 moves, an exec: the image's unshare(CLONE_NEWUSER) 0 is refused
    (prepare_exec_creds() keeps the namespace); 32 moves: Linux's 0 passes."""
    for depth, refused in ((33, True), (32, False)):
        s = _stated()
        reg = Registry(None)                            # type: ignore[arg-type]
        execve = reg.add_slot(1, None, 0, NR_EXECVE, (0,) * 6, root=5, thread=2)
        s.of_thread(execve)[DEPTH] = depth
        kept = exec_kept.collect(reg, s, execve, None)
        space = SimpleNamespace(handlers={}, creds={})
        exec_kept.apply(kept, space, s, 7, 7)           # type: ignore[arg-type]
        image = s.threads[(7, 7)]
        assert image[DEPTH] == depth
        if refused:
            with pytest.raises(Refused) as e:
                userns_depth.check(image, CLONE_NEWUSER)
            assert e.value.check == "return.userns_depth"
        else:
            userns_depth.check(image, CLONE_NEWUSER)


def _files(peer: dict[str, object], reaped: bool = False,
           sigchld: dict[int, tuple[int, int, int, int]] | None = None) -> SimpleNamespace:
    """The caller (root 5) holds pidfd 3 of pid 40, its fork child whose first thread is
    (root 8, thread 8), with `peer`'s facts."""
    sigchld = sigchld or {}
    s = _stated()
    s.threads[(8, 8)] = peer
    reg = SimpleNamespace(child_pids={(5, 40): 8}, process_of_root={8: 8, 5: 1},
                          was_reaped=lambda _r, _t: reaped,
                          group_of=lambda _r, _t: 0, space_of=lambda _d, _r: SimpleNamespace(
                              handlers_of=lambda _g: sigchld))
    return SimpleNamespace(stated=s, steady=lambda _s: True, retired=set(),
                           pidfd_pid=lambda _s, fd: 40 if fd == 3 else 0,
                           admission=SimpleNamespace(registry=reg))


@pytest.mark.parametrize(("peer", "reaped", "fd", "want"), [
    ({DEPTH: 33}, False, 3, 33),                        # AZ-006: the peer's 33 moves
    ({DEPTH: 33, userns_depth.DEPTH_AT: 7}, False, 3, 33),     # noted before the entry
    ({DEPTH: 33, userns_depth.DEPTH_AT: 12}, False, 3, None),  # noted while in flight
    ({DEPTH: 33}, True, 3, None),                       # reaped: the pid may be another's
    ({DEPTH: 33}, False, 4, None),                      # no pidfd the Guardian saw made
    ({}, False, 3, None),                               # no move known
])
def test_peer_depth(peer: dict[str, object], reaped: bool, fd: int, want: int | None) -> None:
    """AZ-006: setns(pidfd of a followed fork child, CLONE_NEWUSER) 0 puts the caller at
    the child's level (userns_install()), at least its known count; the count is taken
    only where noted before the setns() entered (slot id 10)."""
    slot = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_SETNS, args=(fd, CLONE_NEWUSER),
                root=5, thread=1)
    assert userns_depth.peer_depth(_files(peer, reaped), slot) == want  # type: ignore[arg-type]
    facts: dict[str, object] = {}
    cred_kept.note_setns_user(facts, want)
    if want == 33:
        with pytest.raises(Refused) as e:
            userns_depth.check(facts, CLONE_NEWUSER)
        assert e.value.check == "return.userns_depth"
    else:
        userns_depth.check(facts, CLONE_NEWUSER)        # (one move: Linux's 0)


def test_peer_depth_not_taken_where_the_child_may_be_autoreaped() -> None:
    """SIGCHLD ignored: exit_notify() reaps the child unseen, its pid free for another."""
    slot = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_SETNS, args=(3, CLONE_NEWUSER),
                root=5, thread=1)
    files = _files({DEPTH: 33}, sigchld={17: (1, 0, 0, 0)})
    assert userns_depth.peer_depth(files, slot) is None  # type: ignore[arg-type]
