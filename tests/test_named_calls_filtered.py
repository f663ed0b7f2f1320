"""return.name_too_long and return.link_loop judge no success a seccomp filter may have
answered: a SECCOMP_RET_USER_NOTIF supervisor answers for the call, which then copies no
name and follows no link (seccomp_do_user_notification())."""

from __future__ import annotations

import pytest

from guardian import link_loops, long_names
from tests.test_guardian_result_outputs import OUT
from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import Scene, build_translating

SECCOMP_SET_MODE_FILTER, AT_FDCWD = 1, (1 << 64) - 100


@pytest.fixture()
def s() -> Scene:
    return build_translating()


def test_a_filtered_success_is_not_judged_by_its_name(
        s: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    judged: list[str] = []
    monkeypatch.setattr(long_names, "check", lambda *a: judged.append("name_too_long"))
    monkeypatch.setattr(link_loops, "check", lambda *a: judged.append("link_loop"))
    _resume(s, "openat", (AT_FDCWD, OUT, 0), 3, [])
    assert judged == ["name_too_long", "link_loop"]
    judged.clear()
    _resume(s, "seccomp", (SECCOMP_SET_MODE_FILTER, 0, OUT), 0, [])
    _resume(s, "openat", (AT_FDCWD, OUT, 0), 4, [])
    _resume(s, "chdir", (OUT,), 0, [])
    assert judged == []
