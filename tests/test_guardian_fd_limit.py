"""A new descriptor is below the soft RLIMIT_NOFILE the program set or read (fd_made):
one at or past it is refused, one below it passes, and an unknown limit judges nothing."""

from __future__ import annotations

import struct

import pytest

from abi.descriptors import F_DUPFD
from guardian import checks
from guardian.checks import Refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

RLIMIT_NOFILE, RLIMIT_STACK = 7, 3


def _limit(prog: _Program, soft: int, hard: int = 4096) -> None:
    prog.memory.data = struct.pack("<QQ", soft, hard)


def test_a_descriptor_past_the_limit_the_program_set_is_refused(prog: _Program) -> None:
    prog.open("/etc/a", ret=3)
    prog.call("fcntl", 3, F_DUPFD, 60, ret=64)           # no limit known: not judged
    _limit(prog, 64)
    prog.call("prlimit64", 0, RLIMIT_NOFILE, NAME_VA, 0, ret=0)
    prog.call("fcntl", 3, F_DUPFD, 60, ret=63)           # below it
    _limit(prog, 64)
    with pytest.raises(Refused) as e:
        prog.call("fcntl", 3, F_DUPFD, 60, ret=65)
    assert e.value.check == "return.fd_limit"
    with pytest.raises(Refused):
        prog.open("/etc/b", ret=100)
    checks.set_mutation("return.fd_limit")
    try:
        prog.call("fcntl", 3, F_DUPFD, 60, ret=66)
    finally:
        checks.set_mutation("")


def test_only_the_callers_own_nofile_limit_counts(prog: _Program) -> None:
    _limit(prog, 64)
    prog.call("setrlimit", RLIMIT_STACK, NAME_VA, ret=0)            # another resource
    prog.call("prlimit64", 4242, RLIMIT_NOFILE, NAME_VA, 0, ret=0)  # another process
    prog.call("setrlimit", RLIMIT_NOFILE, NAME_VA, ret=(1 << 64) - 1)   # failed
    prog.open("/etc/a", ret=100)
    _limit(prog, 64)                                               # (open wrote a name)
    prog.call("getrlimit", RLIMIT_NOFILE, NAME_VA, ret=0)           # read: 64
    with pytest.raises(Refused):
        prog.open("/etc/b", ret=101)
    _limit(prog, (1 << 64) - 1)                                    # RLIM_INFINITY
    prog.call("setrlimit", RLIMIT_NOFILE, NAME_VA, ret=0)
    prog.open("/etc/c", ret=5000)
