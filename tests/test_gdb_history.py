"""The debugger's history: the hand-over of a run's result between processes."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from emulator.gdbstub.history import History


class _Watched(History):
    """Notes whether the checkpoint directory still existed when the result arrived."""

    dir_at_result: bool | None = None

    def _await_result(self, r: int, pid: int) -> bytes:
        data = super()._await_result(r, pid)
        self.dir_at_result = self.dir.exists()
        return data


def test_the_machine_is_done_with_the_directory_before_the_result_arrives() -> None:
    # The supervisor cleans up the directory when the result arrives; the machine must
    # have finished its own cleanup by then, or the two race over one directory.
    control: Any = SimpleNamespace(on_point=None, history_next=None)
    history = _Watched(control)
    (history.dir / "ckpt-999999999.fifo").write_text("")     # a stale checkpoint's pipe
    result = history.supervise()
    if result is None:                     # the machine process
        try:
            history.finish(b"the result")
        finally:
            os._exit(1)
    assert result == b"the result"
    assert history.dir_at_result is False
    assert not history.dir.exists()
