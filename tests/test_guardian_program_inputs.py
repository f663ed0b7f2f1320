"""What a program starts with and reads back, held to what Linux guarantees.

Each new check is shown twice: the red-team scenario that breaks the guarantee is refused
by that check, and the honest run of the same victim (no adversary) is never refused by it.
"""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from tests.honest_runs import honest_outcome

VICTIM = "secret_r24_loader"


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.tampering and not out.leaks
    return out.decided_by


CASES = [("QG-009", "create.exec_filename"), ("QG-017", "create.exec_real_ids"),
         ("QG-007", "create.exec_elf_argv"), ("QG-008", "create.exec_elf_argv"),
         ("QG-020", "set_pt.zero_fill"), ("QG-018", "set_pt.share_one_frame"),
         ("QG-011", "return.running_image"), ("QG-022", "return.running_image"),
         ("QG-023", "create.at_random_apart"), ("QG-024", "return.umask_kept")]


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_the_break_is_refused_by_its_check(scenario_id: str, check: str,
                                           honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert check not in honest_checks


def test_only_an_absolute_path_of_an_admitted_image_names_an_elf_file() -> None:
    from guardian.confidential_admission import Admission
    from tests.test_secure_mm import HELLO

    admission = Admission(None, None)  # type: ignore[arg-type] - only measures here
    admission.admit_image(HELLO.read_bytes(), "/bin/hello")
    assert admission.names_elf_image(b"/bin/hello")
    assert admission.names_elf_image(b"/bin/../bin/hello")
    assert not admission.names_elf_image(b"hello")          # relative: the kernel's cwd
    assert not admission.names_elf_image(b"/bin/hello.sh")  # may be a script

