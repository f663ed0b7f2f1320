"""`return.descriptor_kind` for setsockopt(SOL_SOCKET, SO_ATTACH_BPF or
SO_ATTACH_REUSEPORT_EBPF) of a descriptor surely no BPF program (red-team round 86:
AL-037).

sk_setsockopt() copies the u32 program number (optlen 4: early_errors.py judges the rest)
and hands it to sk_attach_bpf() -> __get_bpf() -> bpf_prog_get_type() (or
sk_reuseport_attach_bpf() -> bpf_prog_get()) -> __bpf_prog_get() -> ____bpf_prog_get():
`if (fd_file(f)->f_op != &bpf_prog_fops) return ERR_PTR(-EINVAL)` on every 6.x kernel.
A file the program opened by a name outside /proc and /dev/fd is none (bpffs'
bpffs_obj_open() answers -EIO: a pinned program opens only through bpf(BPF_OBJ_GET)), nor
is a file a call of fd_kind_answer.FIXED_KIND_MAKERS made (an epoll, a memfd, a pipe
end, ...): fd_kind_answer.named_or_fixed().  Judged where the number was read quiet
through the call and named that file through it (Descriptors.steady()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.fd_kind_answer import named_or_fixed

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_NR_SETSOCKOPT = NUMBERS["setsockopt"]
#: the calls `attach_error` judges
CALLS = frozenset((_NR_SETSOCKOPT,))
SOL_SOCKET, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF = 1, 50, 52


def attach_error(files: Descriptors, slot: Slot,
                 read: Callable[[int, int], bytes | None]) -> str:
    """Why the setsockopt in `slot` cannot have attached a BPF program; "" where it may."""
    a = slot.args
    if a[1] & 0xFFFF_FFFF != SOL_SOCKET or a[2] & 0xFFFF_FFFF not in (
            SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF) or a[4] & 0xFFFF_FFFF != 4 or not a[3]:
        return ""
    raw = read(a[3], 4)
    if raw is None or len(raw) != 4:
        return ""
    fd = int.from_bytes(raw, "little")
    if fd & 0x8000_0000 or not files.steady(slot):
        return ""
    f = files.open_file(slot, fd)
    if not named_or_fixed(f):
        return ""
    what = f"{f.path!r}" if f is not None and f.path is not None else "a file of another kind"
    return (f"descriptor {fd} ({what}) as SO_ATTACH_BPF's program: ____bpf_prog_get() "
            "finds no bpf_prog_fops, -EINVAL")
