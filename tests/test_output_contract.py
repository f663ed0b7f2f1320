"""The output contract covers every call the kernel may write user memory for.

A call the capability table lets the kernel write for, with no row in `abi.outputs`, is
a call whose results nobody judges: the next Iago attack's way in.  These tests fail
when one is added without its contract.
"""

from __future__ import annotations

from abi.outputs import (
    FS_IOC_GETFLAGS,
    OUTPUTS,
    TCGETS,
    ByCommand,
    Fixed,
    NulString,
    Records,
    Varies,
    by_command,
    ioc_output,
)
from abi.syscalls import NUMBERS, SYSCALL_NAMES
from guardian.capabilities import CAP_TABLE, LONG_LIVED, MPROTECT_TABLE, W
from guardian.result_outputs import CALLS


def _writers() -> set[str]:
    tables = (CAP_TABLE, LONG_LIVED, MPROTECT_TABLE)
    return {name for table in tables for name, rules in table.items()
            if any(rule.access & W for rule in rules)}


def test_every_syscall_number_the_kernel_may_write_for_has_a_contract() -> None:
    writers = _writers()
    assert len(writers) >= 60          # a sanity floor: the tables are not empty
    for nr, name in sorted(SYSCALL_NAMES.items()):
        if name in writers:
            assert name in OUTPUTS, f"syscall {nr} ({name}) may write user memory but has " \
                "no row in abi/outputs.OUTPUTS"


def test_rows_name_real_calls_and_say_why_when_no_rule_applies() -> None:
    for name, terms in OUTPUTS.items():
        assert name in NUMBERS, name
        assert terms, name
        for term in terms:
            if isinstance(term, Varies):
                assert len(term.reason) > 10, name


def test_a_fixed_output_fits_the_write_capability_the_kernel_is_given() -> None:
    """What the contract demands must be writable, or an honest kernel is refused."""
    for name, terms in OUTPUTS.items():
        rules = CAP_TABLE.get(name, ())
        for term in terms:
            if not isinstance(term, Fixed) or not isinstance(term.size, int) or not rules:
                continue
            room = [r.size for r in rules if r.arg == term.arg and r.kind == "buf"
                    and r.access & W and isinstance(r.size, int)]
            assert room and max(room) >= term.size, (name, term)


def test_commands_state_their_own_output() -> None:
    ioctl, = OUTPUTS["ioctl"]
    assert isinstance(ioctl, ByCommand)
    # TCGETS predates _IOC: no size in the number, the table says 36 (struct termios).
    assert ioc_output(TCGETS) == 0
    assert by_command(ioctl, (3, TCGETS, 0))[0].size == 36
    # FS_IOC_GETFLAGS says `long` (8) in its number; filesystems write an int.
    assert ioc_output(FS_IOC_GETFLAGS) == 8
    assert by_command(ioctl, (3, FS_IOC_GETFLAGS, 0))[0].size == 4
    # Any other read-direction _IOC request: its encoded size.
    assert by_command(ioctl, (3, 0x80106400, 0))[0].size == 16
    assert by_command(ioctl, (3, 0x40106400, 0)) == ()          # _IOW: the kernel only reads
    prctl, = OUTPUTS["prctl"]
    assert any(isinstance(t, NulString) for t in by_command(prctl, (16, 0)))
    assert by_command(prctl, (15, 0)) == ()                      # PR_SET_NAME writes nothing


def test_the_judged_calls_are_the_rows_with_a_rule() -> None:
    judged = {SYSCALL_NAMES[nr] for nr in CALLS}
    assert {"getgroups", "epoll_pwait", "recvmmsg", "timerfd_gettime", "statfs", "capget",
            "ioctl", "fcntl", "prctl", "nanosleep", "getcwd", "uname"} <= judged
    assert "read" not in judged and "futex" not in judged
    assert isinstance(OUTPUTS["getgroups"][0], Records) and OUTPUTS["getgroups"][0].probe
