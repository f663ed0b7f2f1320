"""pkey_mprotect() sets a range's protection as mprotect() does (do_mprotect_pkey()):
the Guardian's record of the program's protections follows it."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.protections import PROT_MASK, protection_at, record
from guardian.slots import Slot, Space
from guardian.unread_names import faults_at

_BASE = 0x40_0000


def _call(name: str, *args: int) -> Slot:
    return Slot(1, 1, None, 0, NUMBERS[name], args, root=1, thread=1)


def test_pkey_mprotect_widens_what_mprotect_narrowed() -> None:
    space = Space()
    record(_call("mprotect", _BASE, 4096, 0), space, 0)
    assert protection_at(space, _BASE) == 0
    record(_call("pkey_mprotect", _BASE, 4096, 3, (1 << 64) - 1), space, 0)   # key -1
    assert protection_at(space, _BASE) is None


def test_pkey_mprotect_none_is_recorded() -> None:
    space = Space()
    record(_call("pkey_mprotect", _BASE, 4096, 0, (1 << 64) - 1), space, 0)
    prot = protection_at(space, _BASE)
    assert prot is not None and not prot & PROT_MASK


def test_a_name_in_a_page_pkey_mprotect_made_readable_does_not_fault() -> None:
    """(return.name_too_long would refuse an honest success on a name there)"""
    space = Space()
    record(_call("mprotect", _BASE, 4096, 0), space, 0)
    record(_call("pkey_mprotect", _BASE, 4096, 1, (1 << 64) - 1), space, 0)
    assert not faults_at(space, _BASE)


def test_a_key_past_minus_one_leaves_the_protection_unknown() -> None:
    """(arm64 POE absent: -EINVAL; present: the key only narrows access: never judged)"""
    space = Space()
    record(_call("mprotect", _BASE, 4096, 0), space, 0)
    record(_call("pkey_mprotect", _BASE, 4096, 0, 2), space, 0)
    assert protection_at(space, _BASE) is None
    assert not faults_at(space, _BASE)


def test_a_failed_mprotect_leaves_the_old_or_the_new_protection() -> None:
    """(do_mprotect_pkey(): the vmas before a hole already changed when -ENOMEM comes)"""
    enomem = (1 << 64) - 12
    space = Space()
    record(_call("mprotect", _BASE, 2 * 4096, 0), space, 0)
    record(_call("mprotect", _BASE, 3 * 4096, 3), space, enomem)
    assert protection_at(space, _BASE) is None          # PROT_NONE or read-write
    assert not faults_at(space, _BASE + 4096)
    space = Space()
    record(_call("mprotect", _BASE, 4096, 0), space, 0)
    record(_call("mprotect", _BASE + 4096, 4096, 3), space, 0)
    record(_call("pkey_mprotect", _BASE, 3 * 4096, 1, (1 << 64) - 1), space, enomem)
    assert protection_at(space, _BASE) == 1             # PROT_NONE or PROT_READ
    assert protection_at(space, _BASE + 4096) is None
    assert protection_at(space, _BASE + 2 * 4096) is None
    space = Space()
    record(_call("mprotect", _BASE, 4096, 0), space, enomem)
    assert protection_at(space, _BASE) is None          # read-write or PROT_NONE: unknown


def test_key_zero_is_mprotect() -> None:
    """(mm_pkey_is_allocated(): key 0 is always allocated; do_mprotect_pkey() is mprotect())"""
    space = Space()
    record(_call("pkey_mprotect", _BASE, 4096, 0, 0), space, 0)
    prot = protection_at(space, _BASE)
    assert prot is not None and not prot & PROT_MASK
    record(_call("pkey_mprotect", _BASE, 4096, 3, 0), space, 0)
    assert protection_at(space, _BASE) is None
