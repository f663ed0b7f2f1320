"""What `return.fd_never_opened`'s ppoll rule (guardian/fd_never_memory.py) pays: an
honest program's ppoll of many entries naming numbers it holds costs no Python step per
entry -- the rule looks each distinct number up once and walks entries only for a number
it knows free (up to 1 << 20 entries per call)."""

from __future__ import annotations

import struct

from guardian import fd_never_memory as fnm
from guardian.open_files import OpenFile
from tests.test_fd_never_args import NEVER
from tests.test_fd_never_r83 import _mem
from tests.test_launch_fds import _Launch


def test_ppoll_looks_each_distinct_number_up_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = _Launch()
    files.table.fds[5] = OpenFile(path="/dev/null")
    looked: list[int] = []
    real = fnm.never_opened

    def counted(table, launch, fd):  # type: ignore[no-untyped-def]
        looked.append(fd)
        return real(table, launch, fd)

    monkeypatch.setattr(fnm, "never_opened", counted)
    n = 1 << 14
    entries = struct.pack("<ihh", 5, 1, 1) * n
    assert not _mem(files, "ppoll", (0x1000, n, 0, 0, 8), {0x1000: entries})
    assert len(looked) <= 2                     # not once per entry
    # the rule still finds a free number among them, whatever its place
    forged = entries[:-8] + struct.pack("<ihh", NEVER, 1, 1)
    assert str(NEVER) in _mem(files, "ppoll", (0x1000, n, 0, 0, 8), {0x1000: forged})
    nval = entries[:-8] + struct.pack("<ihh", NEVER, 1, 0x20)
    assert not _mem(files, "ppoll", (0x1000, n, 0, 0, 8), {0x1000: nval})


def test_results_the_timeout_lies_over_are_not_judged() -> None:
    # poll_select_finish() writes the time left over the program's timespec after the
    # results: a pollfd or an fd_set the program laid under it reads as the timeout
    files = _Launch()
    left = struct.pack("<qq", 0, NEVER)        # tv_nsec 77 ns left: fd NEVER, revents 0
    entries = struct.pack("<ihh", 5, 1, 1) + left[:8] + left[8:]
    files.table.fds[5] = OpenFile(path="/dev/null")
    assert not _mem(files, "ppoll", (0x1000, 3, 0x1008, 0, 8), {0x1000: entries})
    # ... the timespec over entry 2's revents alone
    over = struct.pack("<ihh", NEVER, 1, 0x20) + struct.pack("<ihh", 5, 1, 1)
    assert not _mem(files, "ppoll", (0x1000, 2, 0x1006, 0, 8), {0x1000: over})
    # a timeout elsewhere: judged as before
    assert str(NEVER) in _mem(files, "ppoll", (0x1000, 3, 0x2000, 0, 8), {0x1000: entries})
    bits = (1 << 40).to_bytes(8, "little")             # 40: below 64, never opened
    assert not _mem(files, "pselect6", (41, 0x1000, 0, 0, 0x0FF8, 0), {0x1000: bits})
    assert "40" in _mem(files, "pselect6", (41, 0x1000, 0, 0, 0x2000, 0), {0x1000: bits})
