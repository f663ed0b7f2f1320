"""umask answers the mask the process's previous umask set (guardian/umask_kept.py,
`return.umask_kept`), judged through RESUME as the kernel answers it."""

from __future__ import annotations

from abi import Status
from emulator import sysregs as S
from tests.test_guardian_result_outputs import _refused_by
from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import ROOT_A, build


def test_umask_answers_the_mask_the_process_set_last() -> None:
    s = build()
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, s.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    assert _resume(s, "umask", (0o22,), 0o2, []) == Status.OK         # first: any old mask
    assert _resume(s, "umask", (0o77,), 0o26, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.umask_kept")
    assert _resume(s, "umask", (0o77,), 0o22, []) == Status.OK
    assert _resume(s, "umask", (0o7,), 0o77, []) == Status.OK
    # A clone sharing the fs_struct with another process: its calls are not counted.
    assert _resume(s, "clone", (0x200, 0, 0, 0, 0), 99, []) == Status.OK
    assert _resume(s, "umask", (0o7,), 0o700, []) == Status.OK
