"""The output contract is an allow-list: a success nobody stated the outputs of is refused.

A call or command with no row in abi/outputs answers only an error
(`return.no_contract`); a command with a row is judged by it (`return.output_written`);
vmsplice from a pipe's read end is judged as readv (`return.count_written`).  Scene and
helpers as tests/test_guardian_result_outputs.py.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.descriptors import O_RDONLY, O_WRONLY
from emulator.fastuc import UserContext
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_guardian_result_outputs import EFAULT, ELR, OUT, VA, _refused_by, _resume
from tests.test_secure_mm import PAGES_A, ROOT_A, Scene, build_translating

TIOCMGET, TIOCGLCKTRMIOS, TCGETA, FIOQSIZE = 0x5415, 0x5456, 0x5405, 0x5460
F_GETFL, F_GET_RW_HINT = 3, 1035
IPC_STAT, GETALL = 2, 13


@pytest.fixture(scope="module")
def scene() -> Scene:
    return build_translating()


def _refused_no_contract(s: Scene, name: str, args: tuple[int, ...]) -> None:
    assert _resume(s, name, args, EFAULT, []) == Status.OK        # an error: always fine
    assert _resume(s, name, args, 0, [(OUT, OUT + 128)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.no_contract")


@pytest.mark.parametrize(("name", "args"), [
    ("ioctl", (1, TIOCMGET, OUT)),                  # a legacy number with no row
    ("ioctl", (1, TIOCGLCKTRMIOS, OUT)),
    ("fcntl", (3, 1040, OUT)),                      # a command Linux may add later
    ("prctl", (5, OUT)),                            # PR_GET_UNALIGN: not arm64's
    ("keyctl", (24, 0, 0, VA, OUT)),                # KEYCTL_PKEY_QUERY
    ("ptrace", (0x4204, 1, 1, OUT)),                # PTRACE_GETREGSET
    ("semctl", (0, 0, GETALL, OUT)),                # NoSuccess: the set's size is the kernel's
    ("bpf", (0, OUT, 64)),
    ("rt_sigsuspend", (OUT, 8)),                    # returns only -EINTR, after a handler
])
def test_a_command_without_a_row_answers_only_an_error(scene: Scene, name: str,
                                                       args: tuple[int, ...]) -> None:
    s = scene
    _refused_no_contract(s, name, args)


def test_a_number_linux_lacks_answers_only_an_error(scene: Scene) -> None:
    s = scene
    for ret, want in ((EFAULT, Status.OK), (0, Status.ERR_DENIED), (7, Status.ERR_DENIED)):
        sid = 990
        s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, 0x1FF, (0,) * 6,
                                   root=s.b + ROOT_A, thread=1, written=[])
        status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
        s.g.lock_el1(False)
        s.g.conf.slots.pop(sid, None)
        assert status == want
    assert _refused_by(s, "return.no_contract")


@pytest.mark.parametrize(("name", "args", "size"), [
    ("ioctl", (1, TCGETA, OUT), 18),
    ("ioctl", (1, FIOQSIZE, OUT), 8),
    ("fcntl", (3, F_GET_RW_HINT, OUT), 8),
    ("prctl", (74, OUT), 8),                        # PR_GET_SHADOW_STACK_STATUS
    ("msgctl", (0, IPC_STAT, OUT), 120),
    ("shmctl", (0, IPC_STAT, OUT), 112),
    ("semctl", (0, 0, IPC_STAT, OUT), 104),
    ("mq_getsetattr", (3, 0, OUT), 64),
    ("cachestat", (3, VA, OUT, 0), 40),
    ("quotactl", (0x80000700, VA, 0, OUT), 72),
    ("quotactl_fd", (3, 0x80000700, 0, OUT), 72),
    ("ptrace", (2, 1, VA, OUT), 8),
])
def test_a_command_with_a_row_is_judged_by_it(scene: Scene, name: str, args: tuple[int, ...],
                                              size: int) -> None:
    s = scene
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), bytes(size))    # a value in every row's range
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.OK
    assert _resume(s, name, args, 0, [(OUT, OUT + size - 1)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")


def test_commands_that_write_nothing_pass(scene: Scene) -> None:
    s = scene
    assert _resume(s, "fcntl", (3, F_GETFL, 0), 2, []) == Status.OK
    assert _resume(s, "ioctl", (3, 0x40086601, OUT), 0, []) == Status.OK   # _IOW: reads only
    assert _resume(s, "ioctl", (3, 0x5451, 0), 0, []) == Status.OK         # FIOCLEX
    assert _resume(s, "msgctl", (0, 0, 0), 0, []) == Status.OK             # IPC_RMID
    assert _resume(s, "prctl", (62, 1, 0, 0, 0), 0, []) == Status.OK       # SCHED_CORE_CREATE
    assert _resume(s, "getpid", (), 42, []) == Status.OK


def test_value_copies_cover_what_the_answer_reports(scene: Scene) -> None:
    """PR_GET_AUXV and KEYCTL_READ answer the full length and copy at most the room."""
    s = scene
    auxv = (0x41555856, OUT, 64)
    assert _resume(s, "prctl", auxv, 400, [(OUT, OUT + 64)]) == Status.OK
    assert _resume(s, "prctl", auxv, 400, [(OUT, OUT + 32)]) == Status.ERR_DENIED
    assert _resume(s, "keyctl", (11, 1, OUT, 64), 16, [(OUT, OUT + 16)]) == Status.OK
    assert _resume(s, "keyctl", (11, 1, OUT, 64), 16, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")


def test_a_file_handle_is_written_as_reported(scene: Scene) -> None:
    s = scene
    handle, mount = OUT, OUT + 512
    s.hw.ram.write(s.b + PAGES_A + (handle - VA), struct.pack("<Ii", 8, 1))
    args = (0, VA, handle, mount, 0)
    assert _resume(s, "name_to_handle_at", args, 0,
                   [(handle, handle + 16), (mount, mount + 4)]) == Status.OK
    assert _resume(s, "name_to_handle_at", args, 0, [(handle, handle + 16)]) == Status.ERR_DENIED
    assert _resume(s, "name_to_handle_at", args, 0,
                   [(handle, handle + 12), (mount, mount + 4)]) == Status.ERR_DENIED


def test_vmsplice_from_a_read_end_is_judged_as_readv(scene: Scene) -> None:
    s = scene
    iov = OUT + 1024
    s.hw.ram.write(s.b + PAGES_A + (iov - VA), struct.pack("<QQ", OUT, 64))
    table = s.g.conf.descriptors.table(s.b + ROOT_A, 1)
    table.fds[7], table.fds[8] = OpenFile(access=O_RDONLY), OpenFile(access=O_WRONLY)
    try:
        assert _resume(s, "vmsplice", (7, iov, 1, 0), 8, [(OUT, OUT + 8)]) == Status.OK
        assert _resume(s, "vmsplice", (7, iov, 1, 0), 8, []) == Status.ERR_DENIED
        assert _refused_by(s, "return.count_written")
        assert _resume(s, "vmsplice", (8, iov, 1, 0), 8, []) == Status.OK      # a write end
        assert _resume(s, "vmsplice", (9, iov, 1, 0), 8, []) == Status.ERR_DENIED  # unknown
    finally:
        del table.fds[7], table.fds[8]


#: secret_commands' steps (workloads/src/secret_commands.c) whose command the kernel model
#: does not serve: an honest confidential run sees an error from each, and the Guardian
#: refuses nothing.
_UNSERVED_STEPS = (500, 502, 504, 506, 508, 510, 512, 514, 516, 518, 520, 522, 524, 526, 528,
                   530, 544, 546, 556, 558, 566, 568)


def test_an_honest_run_answers_the_unserved_commands_with_errors() -> None:
    from attacks.runner import boot, run_session
    s = boot("on", program="secret_commands")
    out = run_session(s, "on")
    assert out.exit_status == 0 and b"secret: intact" in out.stdout
    assert s.guardian.decisions == []
    results = {m.phase - 1: m.args[0] for m in out.markers
               if m.pid == out.init_pid and m.phase - 1 in _UNSERVED_STEPS}
    assert set(results) == set(_UNSERVED_STEPS)
    assert all(r >= 1 << 63 for r in results.values()), \
        {p: hex(r) for p, r in results.items() if r < 1 << 63}
