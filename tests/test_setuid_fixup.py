"""Round 80c's ZW-006 rule (guardian/setuid_fixup.py, `return.securebits_setpcap`):
PR_SET_SECUREBITS answered 0 is refused while the thread's effective set is known to lack
CAP_SETPCAP -- after a setuid that moved the known euid from 0 to another with
SECBIT_NO_SETUID_FIXUP known clear (cap_emulate_setxuid(); the launch's securebits, 0
under the README's launch), or its own capset() -- and Linux's answers beside it: a root
program that kept euid 0, SECBIT_NO_SETUID_FIXUP set at launch or by itself, a capset()
that raised CAP_SETPCAP again, another thread's setuid, a filtered call."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, SECUREBITS, SECUREBITS_RESET
from guardian import launch_facts, prctl_state, setuid_fixup
from guardian.capset_sets import CAP_EFFECTIVE
from guardian.checks import Refused
from guardian.credentials import _set_by
from guardian.result_table import Held, check_table
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

NR_PRCTL = 167
NR_SETUID, NR_SETREUID, NR_SETRESUID = NUMBERS["setuid"], NUMBERS["setreuid"], NUMBERS["setresuid"]
PR_SET_SECUREBITS, KEEP_CAPS, NO_SETUID_FIXUP = 28, 0x10, 0x4
ROOT = {"ruid": 0, "euid": 0, "suid": 0, "fsuid": 0}


def _slot(nr: int, *args: int, thread: int = 2) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=thread)


def _held(s: StatedFacts, filtered: bool = False) -> Held:
    return Held(*(None,) * 8, group=None, stated=s,  # type: ignore[arg-type]
                futex_waiters=None, futex_wakers=None, caps=None,  # type: ignore[arg-type]
                fork_thread=None, racing=lambda slot: False, forked=None,  # type: ignore[arg-type]
                own_pid=None, filtered=lambda slot: filtered)  # type: ignore[arg-type]


def _launched(securebits: int = 0) -> StatedFacts:
    s = StatedFacts(lambda slot, fd: None, dict)
    s.launch.securebits = securebits
    launch_facts.start(s.launch, s, 5, 2)
    return s


def _setuid(s: StatedFacts, nr: int, *args: int, known: dict[str, object] | None = None,
            thread: int = 2) -> None:
    """A set*uid answered 0, as result_rules follows it (range table, then the fixup)."""
    slot = _slot(nr, *args, thread=thread)
    prctl_state.note_set(s, slot, CRED_CHANGE)
    before = dict(ROOT) if known is None else known
    setuid_fixup.note_setxuid(s, slot, before, _set_by(slot, 0, before))


def _secbits(s: StatedFacts, bits: int, filtered: bool = False, thread: int = 2) -> None:
    check_table(None, _slot(NR_PRCTL, PR_SET_SECUREBITS, bits, 0, 0, 0, 0,  # type: ignore[arg-type]
                            thread=thread), 0, _held(s, filtered))


def test_secbits_after_root_setuid_refused() -> None:
    """ZW-006: setuid(65534) from euid 0 under the README's launch empties the effective
    set (cap_emulate_setxuid()); PR_SET_SECUREBITS then answers -EPERM."""
    for nr, args in ((NR_SETUID, (65534,)), (NR_SETREUID, (0xFFFF_FFFF, 65534)),
                     (NR_SETRESUID, (0xFFFF_FFFF, 65534, 0xFFFF_FFFF))):
        s = _launched()
        _setuid(s, nr, *args)
        with pytest.raises(Refused) as e:
            _secbits(s, KEEP_CAPS)
        assert e.value.check == "return.securebits_setpcap"


def test_secbits_judged_in_a_new_task_and_after_an_exec_kept_securebits() -> None:
    s = _launched()
    child: dict[str, object] = {}
    prctl_state.note_clone(s.threads[(5, 2)], child, 0)     # copy_creds()
    assert child[SECUREBITS] == 0
    s.threads[(5, 3)] = child
    _setuid(s, NR_SETUID, 65534, thread=3)
    with pytest.raises(Refused):
        _secbits(s, KEEP_CAPS, thread=3)


def test_launch_clears_keep_caps_and_keeps_the_rest() -> None:
    s = _launched(0x3F)
    assert s.threads[(5, 2)][SECUREBITS] == 0x2F    # (the exec cleared SECURE_KEEP_CAPS)


def test_honest_neighbours_pass() -> None:
    s = _launched()
    _setuid(s, NR_SETUID, 0)                        # a root program that kept euid 0
    _secbits(s, KEEP_CAPS)
    s = _launched()
    _setuid(s, NR_SETRESUID, 65534, 0xFFFF_FFFF, 65534)     # the euid stays 0
    _secbits(s, KEEP_CAPS)
    s = _launched(NO_SETUID_FIXUP)                  # set at launch (capsh --secbits=4)
    _setuid(s, NR_SETUID, 65534)
    _secbits(s, KEEP_CAPS | NO_SETUID_FIXUP)
    s = _launched()
    _secbits(s, NO_SETUID_FIXUP)                    # set by itself (as root)
    _setuid(s, NR_SETUID, 65534)
    _secbits(s, NO_SETUID_FIXUP | KEEP_CAPS)
    s = _launched()
    _setuid(s, NR_SETUID, 65534, thread=3)          # another thread's setuid
    _secbits(s, KEEP_CAPS)
    s = _launched()
    _setuid(s, NR_SETUID, 65534)
    _secbits(s, KEEP_CAPS, filtered=True)           # a filter may answer the prctl
    s = _launched()
    _setuid(s, NR_SETUID, 65534, known={"euid": 1000})  # the euid was not 0
    _secbits(s, KEEP_CAPS)
    s = StatedFacts(lambda slot, fd: None, dict)    # securebits not known (no launch seen)
    _setuid(s, NR_SETUID, 65534)
    _secbits(s, KEEP_CAPS)


def test_calls_that_may_raise_the_set_forget_it() -> None:
    s = _launched()
    _setuid(s, NR_SETRESUID, 0xFFFF_FFFF, 65534, 0xFFFF_FFFF)    # (pP kept: ruid 0)
    _setuid(s, NR_SETRESUID, 0xFFFF_FFFF, 0, 0xFFFF_FFFF,
            known={"ruid": 0, "euid": 65534, "suid": 0})        # euid back to 0: raised
    _secbits(s, KEEP_CAPS)
    # (every uid off 0 emptied pP: a raise is `new->cap_effective = new->cap_permitted`,
    # still empty: create.setuid_caps)
    s = _launched()
    _setuid(s, NR_SETUID, 65534)
    _setuid(s, NR_SETUID, 0, known={"euid": 65534})
    with pytest.raises(Refused):
        _secbits(s, KEEP_CAPS)
    s = _launched()
    _setuid(s, NR_SETUID, 65534)
    prctl_state.note_set(s, _slot(97, 0x1000_0000), SECUREBITS_RESET)   # unshare(NEWUSER)
    prctl_state.note_set(s, _slot(97, 0x1000_0000), CRED_CHANGE)
    _secbits(s, KEEP_CAPS)


def test_capset_without_setpcap_refuses_and_with_it_passes() -> None:
    """capset_sets notes the set a capset() stored: without bit 8 PR_SET_SECUREBITS is
    -EPERM; a capset() that raised CAP_SETPCAP again (permitted kept under KEEP_CAPS)
    lets it through."""
    s = _launched()
    s.threads[(5, 2)][CAP_EFFECTIVE] = 0x1FF_FFFF_FEFF
    with pytest.raises(Refused):
        _secbits(s, KEEP_CAPS)
    s.threads[(5, 2)][CAP_EFFECTIVE] = 1 << 8
    _secbits(s, KEEP_CAPS)


def test_kernel_model_keeps_the_set_under_no_setuid_fixup() -> None:
    """The kernel model as Linux: cap_task_fix_setuid() skips cap_emulate_setxuid() under
    SECURE_NO_SETUID_FIXUP (a launch's `capsh --secbits=4`)."""
    from kernel_model.credentials import Cred, set_uid
    root = Cred()
    assert set_uid(root, 65534).cap_effective == 0
    assert set_uid(root, 65534, fixup=False).cap_effective == root.cap_effective
