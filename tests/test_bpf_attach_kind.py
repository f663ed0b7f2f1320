"""SO_ATTACH_BPF of a descriptor surely no BPF program (guardian/bpf_attach_kind.py,
`return.descriptor_kind`, AL-037): ____bpf_prog_get() -EINVAL -- with the honest
neighbours (a number the Guardian cannot place, a table that changed, a bpf() answer)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from abi.syscalls import NUMBERS as N
from guardian.bpf_attach_kind import attach_error
from guardian.slots import Slot


@dataclass
class _F:
    path: str | None = None
    maker: int | None = None


@dataclass
class _Files:
    fds: dict[int, _F] = field(default_factory=dict)
    still: bool = True

    def steady(self, slot: Slot) -> bool:
        return self.still

    def open_file(self, slot: Slot, fd: int) -> _F | None:
        return self.fds.get(fd)


def _attach(files: _Files, value: int, optname: int = 50, optlen: int = 4) -> str:
    slot = Slot(9, 1, None, 0, N["setsockopt"], (3, 1, optname, 0x1000, optlen), 1, 2)
    mem = {0x1000: struct.pack("<i", value)}
    return attach_error(files, slot, lambda va, n: mem[va][:n] if va in mem else None)


def test_named_or_fixed_kind_file_is_no_bpf_program() -> None:
    files = _Files({4: _F(path="/dev/null"), 5: _F(maker=N["epoll_create1"]),
                    6: _F(maker=N["bpf"]), 7: _F(path="/proc/self/fd/6")})
    assert "-EINVAL" in _attach(files, 4)
    assert "-EINVAL" in _attach(files, 5, 52)
    # honest: a bpf() answer, a magic link, a number not known, another option or optlen
    assert not _attach(files, 6)
    assert not _attach(files, 7)
    assert not _attach(files, 9)
    assert not _attach(files, 4, 26)
    assert not _attach(files, 4, 50, 8)
    # the table changed during the call: not judged
    assert not _attach(_Files({4: _F(path="/dev/null")}, still=False), 4)
