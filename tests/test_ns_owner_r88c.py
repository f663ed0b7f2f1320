"""`return.userns_ancestor` (guardian/ns_owner.py, AZ-013): after unshare(CLONE_NEWUSER)
answered 0 with no filter the thread's UTS namespace is owned outside its new user
namespace's subtree, so sethostname()/setdomainname() answer -EPERM (sys_sethostname():
ns_capable(uts_ns->user_ns, CAP_SYS_ADMIN)); Linux's answers beside it pass."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian import ns_owner, prctl_state
from guardian.checks import Refused
from guardian.slots import Slot

NR_UNSHARE, NR_SETNS, NR_CLONE3 = NUMBERS["unshare"], NUMBERS["setns"], NUMBERS["clone3"]
NR_SETHOSTNAME, NR_SETDOMAINNAME = NUMBERS["sethostname"], NUMBERS["setdomainname"]
CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEWNET = 0x1000_0000, 0x0400_0000, 0x4000_0000
CLONE_NEWPID = 0x2000_0000
EPERM = (1 << 64) - 1


def _slot(nr: int, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=2)


def _after(*calls: tuple[int, tuple[int, ...], int, bool]) -> dict[str, object]:
    facts: dict[str, object] = {}
    for nr, args, ret, filtered in calls:
        ns_owner.note(facts, _slot(nr, *args), ret, filtered)
    return facts


def _hostname(facts: dict[str, object], ret: int = 0, nr: int = NR_SETHOSTNAME) -> None:
    ns_owner.check(facts, _slot(nr, 0x1000, 4), ret)


@pytest.mark.parametrize("nr", [NR_SETHOSTNAME, NR_SETDOMAINNAME])
def test_sethostname_after_unshare_newuser_refused(nr: int) -> None:
    """AZ-013: unshare(CLONE_NEWUSER) 0, sethostname() 0: refused; Linux's -EPERM passes
    (native 6.18: `unshare=0 sethostname=-1 errno=1`).  A later move (another unshare, a
    setns() of a user namespace) keeps it refused."""
    facts = _after((NR_UNSHARE, (CLONE_NEWUSER,), 0, False))
    with pytest.raises(Refused) as e:
        _hostname(facts, nr=nr)
    assert e.value.check == "return.userns_ancestor"
    _hostname(facts, EPERM, nr)
    facts = _after((NR_UNSHARE, (CLONE_NEWUSER,), 0, False),
                   (NR_UNSHARE, (CLONE_NEWUSER | CLONE_NEWNET,), 0, False),
                   (NR_SETNS, (3, CLONE_NEWUSER), 0, False))
    with pytest.raises(Refused):
        _hostname(facts)


@pytest.mark.parametrize("calls", [
    [],                                                             # the launch's
    [(NR_UNSHARE, (CLONE_NEWUSER | CLONE_NEWUTS,), 0, False)],      # a UTS of its own
    [(NR_UNSHARE, (CLONE_NEWUSER,), 0, False), (NR_UNSHARE, (CLONE_NEWUTS,), 0, False)],
    [(NR_UNSHARE, (CLONE_NEWUSER,), 0, False), (NR_SETNS, (3, 0), 0, False)],  # kind unknown
    [(NR_UNSHARE, (CLONE_NEWUSER,), 0, False),
     (NR_SETNS, (3, CLONE_NEWUSER | CLONE_NEWUTS), 0, False)],     # a pidfd's UTS too
    [(NR_UNSHARE, (CLONE_NEWUSER,), 0, True)],                      # a filter's answer
    [(NR_UNSHARE, (CLONE_NEWUSER,), EPERM, False)],                 # no move
    [(NR_UNSHARE, (CLONE_NEWNET,), 0, False)],                      # no user namespace
])
def test_sethostname_0_passes_where_the_uts_owner_may_be_the_threads(
        calls: list[tuple[int, tuple[int, ...], int, bool]]) -> None:
    """sethostname() 0 is let through where the thread may hold CAP_SYS_ADMIN over its
    UTS namespace's owner."""
    _hostname(_after(*calls))


def test_a_new_task_starts_with_no_owner_known() -> None:
    """copy_process(): a child may share or get a new UTS namespace; a stale fact of a
    former task of its tid is dropped (prctl_state.note_clone())."""
    child: dict[str, object] = {ns_owner.FOREIGN: CLONE_NEWUTS}
    prctl_state.note_clone(_after((NR_UNSHARE, (CLONE_NEWUSER,), 0, False)), child, 0x11)
    _hostname(child)


def _clone_args(flags: int, set_tid: int, size: int) -> bytes:
    return struct.pack("<8Q", flags, 0, 0, 0, 17, 0, 0, 0) + struct.pack("<2Q", set_tid, size)


def _clone3(facts: dict[str, object], raw: bytes | None, ret: int = 71,
            usize: int = 88) -> None:
    ns_owner.check_set_tid(facts, _slot(NR_CLONE3, 0x5000, usize), ret,
                           lambda va, n: raw[:n] if raw is not None else None)


def test_clone3_set_tid_child_after_unshare_newuser_refused() -> None:
    """AZ-010: unshare(CLONE_NEWUSER) 0, clone3() with set_tid and no CLONE_NEWPID
    answered a child: refused (alloc_pid(): checkpoint_restore_ns_capable() of the pid
    namespace's owner, -EPERM; native 6.18 `unshare=0 clone3 set_tid=16443 -> -1
    errno=1`); Linux's -EPERM passes."""
    facts = _after((NR_UNSHARE, (CLONE_NEWUSER,), 0, False))
    with pytest.raises(Refused) as e:
        _clone3(facts, _clone_args(0, 0x7000, 1))
    assert e.value.check == "return.userns_ancestor"
    _clone3(facts, _clone_args(0, 0x7000, 1), EPERM)


@pytest.mark.parametrize(("calls", "raw", "usize"), [
    ([(NR_UNSHARE, (CLONE_NEWUSER,), 0, False)], _clone_args(CLONE_NEWPID, 0x7000, 1), 88),
    ([(NR_UNSHARE, (CLONE_NEWUSER,), 0, False)], _clone_args(0, 0, 0), 88),      # no set_tid
    ([(NR_UNSHARE, (CLONE_NEWUSER,), 0, False)], _clone_args(0, 0x7000, 1), 64),  # VER0
    ([(NR_UNSHARE, (CLONE_NEWUSER,), 0, False)], None, 88),        # not quiet
    ([(NR_UNSHARE, (CLONE_NEWUSER | CLONE_NEWPID,), 0, False)], _clone_args(0, 0x7000, 1), 88),
    ([], _clone_args(0, 0x7000, 1), 88),                           # the launch's: may hold it
])
def test_clone3_set_tid_child_passes_where_the_owner_may_be_the_callers(
        calls: list[tuple[int, tuple[int, ...], int, bool]], raw: bytes | None,
        usize: int) -> None:
    """A child is let through where the clone_args are not known to ask set_tid for the
    old pid namespace, or where it may be owned by the caller's namespace."""
    _clone3(_after(*calls), raw, usize=usize)
