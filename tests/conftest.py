"""How `pytest -n N --dist loadfile` spreads the suite over its workers.

Each test file stays on one worker, in order (some files build on a module-scoped scene:
tests/test_guardian_result_table.py), except the attack scenarios: `test_attacks.py`'s
`test_scenario` runs are independent (each boots its own machine) and hold about half of
the suite's time, so they go out in SCENARIO_GROUPS groups of their own rather than as one
unit that would bound the suite's wall time by itself.
"""

from __future__ import annotations

import zlib
from typing import Any

import pytest

#: Work units the attack scenarios are split into (by a hash of the test id: stable
#: from run to run, unrelated to the order scenarios were written in).
SCENARIO_GROUPS = 16


def scope_of(nodeid: str) -> str:
    """The work unit of a test: its file, or its scenario group."""
    path, _, rest = nodeid.partition("::")
    if path.endswith("test_attacks.py") and rest.startswith("test_scenario["):
        return f"{path}::scenarios-{zlib.crc32(rest.encode()) % SCENARIO_GROUPS}"
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the scenario groups as units of their own."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class _FilesAndScenarioGroups(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return _FilesAndScenarioGroups(config, log)
