"""The output contract is an allow-list: every syscall number and every command of a
multiplexed call the kernel model serves has a row.

A call with no row has no contract, so the Guardian refuses its success
(`return.no_contract`); these tests fail when a number, or a command the kernel model
learns to serve, is added without its row -- before an honest program is refused, and
before a kernel that answers such a call with success and writes nothing can pass a
buffer's old bytes off as the answer.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import kernel_model
from abi.output_commands import (
    FIOQSIZE,
    IOC_READ,
    IOC_WRITE,
    SIOCGIFADDR,
    TCGETA,
    TIOCGSERIAL,
)
from abi.output_terms import ANY
from abi.outputs import (
    ALL_NUMBERS,
    FS_IOC_GETFLAGS,
    NOTHING,
    OUTPUTS,
    TCGETS,
    ByCommand,
    Fixed,
    NoSuccess,
    NulString,
    Records,
    Varies,
    by_command,
    contract,
    ioc_output,
)
from abi.syscalls import NUMBERS, PRIVATE_SYSCALLS, SYSCALL_NAMES
from guardian.capabilities import CAP_TABLE, LONG_LIVED, MPROTECT_TABLE, W
from guardian.result_outputs import BY_NR, UNJUDGED
from kernel_model import console_file
from kernel_model import linux_structs as ls
from kernel_model.syscalls import SYSCALLS, fdtable, prctl


def _writers() -> set[str]:
    tables = (CAP_TABLE, LONG_LIVED, MPROTECT_TABLE)
    return {name for table in tables for name, rules in table.items()
            if any(rule.access & W for rule in rules)}


def test_every_syscall_number_has_a_row() -> None:
    assert len(SYSCALL_NAMES) >= 300            # a sanity floor: the table is not empty
    for nr, name in sorted({**SYSCALL_NAMES, **PRIVATE_SYSCALLS}.items()):
        assert name in OUTPUTS, f"syscall {nr} ({name}) has no row in abi/outputs.OUTPUTS: " \
            "its success would be refused (return.no_contract); state what it writes, or " \
            "NOTHING"
        assert BY_NR[nr] == OUTPUTS[name]
    assert _writers() <= set(OUTPUTS)


def test_a_call_that_may_write_is_not_stated_as_writing_nothing() -> None:
    """A call the capability table lets the kernel write for has outputs (or a reason)."""
    for name in _writers():
        assert OUTPUTS[name] != NOTHING, name


def test_rows_name_real_calls_and_say_why_when_no_rule_applies() -> None:
    for name, terms in OUTPUTS.items():
        assert name in ALL_NUMBERS, name
        assert terms, name
        for term in terms:
            if isinstance(term, (Varies, NoSuccess)):
                assert len(term.reason) > 10, name


def test_unjudged_numbers_are_the_rows_without_a_rule() -> None:
    judged = {SYSCALL_NAMES.get(nr) for nr in BY_NR if nr not in UNJUDGED}
    assert {"getgroups", "epoll_pwait", "recvmmsg", "timerfd_gettime", "statfs", "capget",
            "ioctl", "fcntl", "prctl", "msgctl", "keyctl", "quotactl", "nanosleep",
            "getcwd", "uname", "vmsplice", "bpf"} <= judged
    unjudged = {SYSCALL_NAMES.get(nr) for nr in UNJUDGED}
    assert {"read", "futex", "getpid", "write", "mmap"} <= unjudged
    assert 0x1FF not in BY_NR and 0x1FF not in UNJUDGED     # a number Linux lacks: judged
    assert isinstance(OUTPUTS["getgroups"][0], Records) and OUTPUTS["getgroups"][0].probe


def test_a_fixed_output_fits_the_write_capability_the_kernel_is_given() -> None:
    """What the contract demands must be writable, or an honest kernel is refused."""
    for name, terms in OUTPUTS.items():
        rules = CAP_TABLE.get(name, ())
        for term in terms:
            if not isinstance(term, Fixed) or not isinstance(term.size, int) or not rules:
                continue
            room = [(r.offset, r.offset + r.size) for r in rules if r.arg == term.arg
                    and r.kind == "buf" and r.access & W and isinstance(r.size, int)]
            # Each field Linux writes (the whole struct, or the spans it narrows to).
            for off, n in term.spans or ((0, term.size),):
                assert any(lo <= off and off + n <= hi for lo, hi in room), (name, term, off)


def _args(*values: int) -> tuple[int, ...]:
    return values + (0,) * (6 - len(values))


def test_commands_state_their_own_output() -> None:
    ioctl, = OUTPUTS["ioctl"]
    assert isinstance(ioctl, ByCommand)
    # TCGETS predates _IOC: no size in the number, the table says 36 (struct termios).
    assert ioc_output(TCGETS) == 0
    assert by_command(ioctl, _args(3, TCGETS))[0].size == 36
    # FS_IOC_GETFLAGS says `long` (8) in its number; filesystems write an int.
    assert ioc_output(FS_IOC_GETFLAGS) == 8
    assert by_command(ioctl, _args(3, FS_IOC_GETFLAGS))[0].size == 4
    # Any other read-direction _IOC request: its encoded size; write only: nothing.
    assert by_command(ioctl, _args(3, 0x80106400))[0].size == 16
    assert by_command(ioctl, _args(3, (IOC_READ | IOC_WRITE) << 30 | 8 << 16 | 0x6401))[0].size == 8
    assert by_command(ioctl, _args(3, 0x40106400)) == NOTHING
    # The legacy numbers encode neither: a row, or no contract.
    assert by_command(ioctl, _args(3, TCGETA))[0].size == 18
    assert by_command(ioctl, _args(3, TIOCGSERIAL))[0].size == 72
    assert by_command(ioctl, _args(3, FIOQSIZE))[0].size == 8
    assert by_command(ioctl, _args(3, SIOCGIFADDR))[0].size == 40
    assert by_command(ioctl, _args(3, 0x5415)) is None            # TIOCMGET: no row
    assert "no output contract" in contract(OUTPUTS["ioctl"], _args(3, 0x5415))
    prctl, = OUTPUTS["prctl"]
    assert any(isinstance(t, NulString) for t in by_command(prctl, _args(16)))
    assert by_command(prctl, _args(15)) == NOTHING                 # PR_SET_NAME
    assert by_command(prctl, _args(5)) is None                     # PR_GET_UNALIGN: not arm64's
    # PR_SCHED_CORE's subcommand chooses again: GET writes the cookie at arg5.
    assert contract(OUTPUTS["prctl"], _args(62, 0, 0, 0, 0x1000)) == [Fixed(4, 8)]
    assert contract(OUTPUTS["prctl"], _args(62, 1)) == []
    # quotactl's subcommand sits above the quota type.
    assert contract(OUTPUTS["quotactl"], _args(0x80000701, 0, 0, 0x1000))[0].size == 72
    assert isinstance(contract(OUTPUTS["semctl"], _args(0, 0, 13)), str)   # GETALL
    assert contract(OUTPUTS["msgctl"], _args(0, 2, 0x1000))[0].size == 120


# --- every command the kernel model serves has a row --------------------------------------


def _tree(fn: Callable[..., object]) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(fn)))


def _ls_names(fns: Iterable[Callable[..., object]]) -> set[str]:
    """The kernel_model.linux_structs constants these functions name (ls.NAME)."""
    return {node.attr for fn in fns for node in ast.walk(_tree(fn))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "ls"}


def _compared_ints(fn: Callable[..., object], var: str) -> set[int]:
    """The int constants `var` is compared with (==, in a tuple) in `fn`: literals, and
    names of its module's int constants."""
    out: set[int] = set()
    names = vars(sys.modules[fn.__module__])
    for node in ast.walk(_tree(fn)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and \
                node.left.id == var:
            for comp in node.comparators:
                items = comp.elts if isinstance(comp, (ast.Tuple, ast.Set)) else [comp]
                out |= {c.value for c in items if isinstance(c, ast.Constant)
                        and isinstance(c.value, int)}
                out |= {names[c.id] for c in items if isinstance(c, ast.Name)
                        and isinstance(names.get(c.id), int)}
    return out


def test_every_fcntl_command_the_kernel_serves_has_a_row() -> None:
    names = {n for n in _ls_names([fdtable.sys_fcntl]) if n.startswith("F_") and
             n != "F_UNLCK"}
    assert {"F_GETLK", "F_DUPFD", "F_GETPIPE_SZ"} <= names
    rows = OUTPUTS["fcntl"][0].rows
    assert {n for n in names if getattr(ls, n) not in rows} == set()


@cache
def _ioctl_functions() -> list[ast.AST]:
    """Every ioctl handler of the kernel model: the syscall and each file's method."""
    root = Path(kernel_model.__file__).parent
    return [node for path in sorted(root.rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and node.name.endswith("ioctl")]


def test_every_ioctl_request_the_kernel_serves_has_a_row() -> None:
    fns = _ioctl_functions()
    assert len(fns) >= 6
    names = {node.attr for fn in fns for node in ast.walk(fn)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
             and node.value.id == "ls" and node.attr.startswith(("TC", "TIOC", "FIO"))}
    names |= {n for n in dir(ls) if isinstance(getattr(ls, n), int) and n.isupper()
              and getattr(ls, n) in console_file._TTY_REQUESTS}
    assert {"TCGETS", "FIONREAD", "FIOCLEX", "TIOCSWINSZ", "FIONBIO"} <= names
    ioctl = OUTPUTS["ioctl"][0]
    assert {n for n in names if by_command(ioctl, _args(0, getattr(ls, n))) is None} == set()


def test_what_a_served_command_must_write_fits_the_kernels_capability() -> None:
    """A row for a command the kernel model serves demands no more than the call's write
    capability lets it write, or the honest kernel is refused."""
    ioctl_names = {node.attr for fn in _ioctl_functions() for node in ast.walk(fn)
                   if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                   and node.value.id == "ls"}
    served = {"ioctl": ioctl_names, "fcntl": _ls_names([fdtable.sys_fcntl])}
    for call, names in served.items():
        room = max(r.size for r in CAP_TABLE[call] if r.access & W)
        rows = OUTPUTS[call][0].rows
        for name in names:
            for term in rows.get(getattr(ls, name), ()):
                if isinstance(term, Fixed):
                    assert term.size <= room, (call, name, term)


def test_every_prctl_option_the_kernel_serves_has_a_row() -> None:
    options = _compared_ints(prctl.sys_prctl, "option")
    assert {15, 16, 2, 38} <= options
    assert {o for o in options if o not in OUTPUTS["prctl"][0].rows} == set()


def test_the_multiplexed_calls_the_kernel_does_not_serve_fail() -> None:
    """A call the kernel model has no handler for answers ENOSYS: its rows (Linux's
    contract) never meet an honest success."""
    served = SYSCALLS.numbers()
    for name in ("msgctl", "shmctl", "semctl", "syslog", "keyctl", "quotactl",
                 "quotactl_fd", "ptrace", "seccomp", "mq_getsetattr", "cachestat",
                 "lookup_dcookie", "name_to_handle_at", "vmsplice", "bpf", "io_submit"):
        assert NUMBERS[name] not in served, name


def test_round89_false_refusals_have_their_contract() -> None:
    """SIOCATMARK (unix_ioctl()), SIOCGPGRP (sock_ioctl()'s put_user(f_getown())) and
    FIGETBSZ (do_vfs_ioctl()) write one int; PIDFD_GET_*_NAMESPACE (_IO(0xFF, 1..10),
    pidfd_ioctl() -> open_namespace()) writes nothing: each success is within a contract,
    and the 4 bytes fit the ioctl grant of both designs."""
    ioctl, = OUTPUTS["ioctl"]
    for req in (0x8905, 0x8904, 0x2):
        assert contract(OUTPUTS["ioctl"], _args(3, req, 0x1000)) == [Fixed(2, 4, ANY)]
    for req in range(0xFF01, 0xFF0B):
        assert by_command(ioctl, _args(3, req)) == NOTHING
    assert by_command(ioctl, _args(3, 0xFF0B)) is None      # PIDFD_GET_INFO's number: _IOWR
    assert by_command(ioctl, _args(3, 0xFF77)) is None      # AT-042's command: still refused
