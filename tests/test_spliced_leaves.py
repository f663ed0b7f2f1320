"""What a splice() from a pipe in flight may leave in a page of a memfd only the program
holds (cut_movers._spliced): not known where vmsplice() linked user pages into the pipe
(the program's stores since change the bytes the pipe holds)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from guardian import cut_movers
from guardian.pipe_bytes import Fifo
from guardian.slots import Domain, Slot
from guardian.sole_files import MemFile

NR_SPLICE = 76


def _leaves(spliced: bool) -> list[tuple[int, bytes]] | None:
    d_in, d_out, w_end = object(), object(), object()
    fifo = Fifo(read_end=d_in, write_end=w_end,          # type: ignore[arg-type]
                waiting=bytearray(b"abcd"))
    if spliced:
        fifo.spliced.append((0, 5, 0x20000, 4, 0x9000))
    files = SimpleNamespace(open_file=lambda s, fd: SimpleNamespace(description=d_in),
                            description_of=lambda s, fd: d_out,
                            sole=SimpleNamespace(by_file={d_in: fifo}))
    mem = MemFile(size=4096, data=bytearray(4096))
    slot = Slot(id=3, domain=1, saved=None, elr=0, nr=NR_SPLICE, args=(3, 0, 4, 0, 4, 0),
                root=5, thread=2)
    return cut_movers._spliced(files, Domain(id=1), [slot], {}, mem,   # type: ignore[arg-type]
                               slot, 0)


def test_known_pipe_bytes_are_what_splice_leaves() -> None:
    assert _leaves(False) == [(0, b"abcd")]


def test_vmspliced_pipe_bytes_are_not_known() -> None:
    assert _leaves(True) is None


NR_WRITE, NR_LSEEK = 64, 62


def test_a_write_at_f_pos_with_an_lseek_of_the_file_in_flight_is_not_known(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # fdget_pos() orders the two either way: the write lands at the old or the new f_pos.
    monkeypatch.setattr(cut_movers, "quiet", lambda *args: True)   # its buffer lay quiet
    desc = object()
    mem = MemFile(size=4096, data=bytearray(4096))
    files = SimpleNamespace(open_file=lambda s, fd: SimpleNamespace(description=desc),
                            description_of=lambda s, fd: desc,
                            sole=SimpleNamespace(by_file={desc: mem}), steady=lambda s: False,
                            memory=SimpleNamespace(read=lambda va, n, root: b"x" * n))
    write = Slot(id=3, domain=1, saved=None, elr=0, nr=NR_WRITE, args=(3, 0x20000, 4),
                 root=5, thread=2)
    seek = Slot(id=4, domain=1, saved=None, elr=0, nr=NR_LSEEK, args=(3, 100, 0),
                root=5, thread=3)
    assert cut_movers._written(files, Domain(id=1), [write], {}, mem,  # type: ignore[arg-type]
                               write, 0) == [(0, b"xxxx")]
    assert cut_movers._written(files, Domain(id=1), [write, seek], {}, mem,  # type: ignore[arg-type]
                               write, 0) is None


NR_FALLOCATE = 47


def test_a_collapse_range_in_flight_leaves_bytes_not_known() -> None:
    # ext4_collapse_range() on an O_TMPFILE file: the bytes past it shift down
    desc = object()
    mem = MemFile(size=8192, data=bytearray(8192))
    files = SimpleNamespace(open_file=lambda s, fd: SimpleNamespace(description=desc),
                            description_of=lambda s, fd: desc, steady=lambda s: False,
                            sole=SimpleNamespace(by_file={desc: mem}))
    slot = Slot(id=3, domain=1, saved=None, elr=0, nr=NR_FALLOCATE, args=(3, 0x08, 0, 4096),
                root=5, thread=2)
    assert cut_movers.leaves(files, Domain(id=1), [slot], {}, mem,  # type: ignore[arg-type]
                             4096) is None
