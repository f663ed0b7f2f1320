"""pidfd_getfd through a pidfd of the caller's own process is another descriptor of the
same open file (guardian/confidential_files.py): a read through it is judged as the
file's, here an eventfd counter (`return.value_range`)."""

from __future__ import annotations

import struct

from abi import Status
from emulator import sysregs as S
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import ROOT_A, build


def test_a_counter_read_through_a_pidfd_getfd_copy_is_never_zero() -> None:
    s = build()
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, s.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    efd, pidfd, copy, other = 3, 4, 5, 6
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "eventfd2", (1, 0), efd, []) == Status.OK
    assert _resume(s, "pidfd_open", (77, 0), pidfd, []) == Status.OK
    assert _resume(s, "pidfd_getfd", (pidfd, efd, 0), copy, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 0))
    assert _resume(s, "read", (copy, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")
    _put(s, OUT, struct.pack("<Q", 1))
    assert _resume(s, "read", (copy, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    # Through a pidfd of another process, the copy is of a file the Guardian cannot name.
    assert _resume(s, "pidfd_open", (78, 0), other, []) == Status.OK
    assert _resume(s, "pidfd_getfd", (other, efd, 0), other + 1, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 0))
    assert _resume(s, "read", (other + 1, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
