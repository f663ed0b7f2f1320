"""guardian/path_names.py and the capability table name the same string arguments.

The capability table (guardian/capabilities.py) grants the kernel each C string a call
passes; path_names lists the names getname() copies.  Where a call is in both, every name
must be one of its granted strings: a name argument listed at another position would
judge bytes the kernel was never given.
"""

from __future__ import annotations

from abi.syscalls import SYSCALL_NAMES as NAMES
from guardian.capabilities import CAP_TABLE
from guardian.path_names import NAME_ARGS


def test_every_name_argument_is_a_granted_string() -> None:
    checked = 0
    for nr, args in NAME_ARGS.items():
        rules = CAP_TABLE.get(NAMES[nr])
        if rules is None:
            continue
        strings = {r.arg for r in rules if r.kind == "cstr"}
        assert set(args) <= strings, (NAMES[nr], args, strings)
        checked += 1
    assert checked >= 19          # (the opens, stats, renames, links ... are in both)
