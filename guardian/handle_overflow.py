"""`return.handle_size`: the handle_bytes name_to_handle_at() writes back with -EOVERFLOW
(red-team round 87, AO-031).

do_sys_name_to_handle() (fs/fhandle.c) asks the file system's encoder
(exportfs_encode_fh()) for a handle of handle_dwords = handle_bytes >> 2 dwords; the
encoder leaves in handle_dwords the size it needs, and `handle_bytes = handle_dwords *
sizeof(u32)` is what the header takes back -- with -EOVERFLOW where that passes the size
given or the encoder answered FILEID_INVALID (or -ENOSPC), the header alone copied out.
So the size written back is a multiple of 4, and at most the largest size an encoder of
6.1..6.18 asks: ovl_encode_fh()'s OVL_FH_LEN() of a lower handle MAX_HANDLE_SZ long (3 +
21 + 128 = 152 bytes; nfs_encode_fh()'s 36 dwords = 144 bytes, a 128-byte NFS server
handle; every other encoder asks 40 bytes or fewer).  The brief's MAX_HANDLE_SZ (128) is
no bound: an NFS or overlay handle past it answers -EOVERFLOW with its own size.

Not judged (left open, AO-032): a size written back at most the size passed.
ovl_encode_fh() answers FILEID_INVALID with max_len untouched where it encodes no
connectable handle (AT_HANDLE_CONNECTABLE), finds no alias, or ovl_dentry_to_fid() fails
(copy-up, -ENOMEM), and do_sys_name_to_handle() makes that -EOVERFLOW with handle_bytes
the size passed (rounded down to a dword): the Guardian does not know the file system.

Nor does -EOVERFLOW write the handle's bytes: `handle_bytes = 0` before
copy_to_user(ufh, handle, struct_size(handle, f_handle, handle_bytes)) -- the header
alone -- though handle_caps grants the kernel the bytes the program passed (the grant is
made before the answer is known).  The bytes as the program passed them are kept at the
entry (`note_handle`) and must be found as they were, where quiet, at -EOVERFLOW.

The header is read where it lay quiet through the call (another thread may have written
it); a call a seccomp filter may have answered is not judged (nothing is written then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

#: the call judged
CALL = NUMBERS["name_to_handle_at"]
#: -EOVERFLOW as the return register holds it
EOVERFLOW_RET = (1 << 64) - 75
#: ovl_encode_fh(): OVL_FH_WIRE_OFFSET (3) + sizeof(struct ovl_fb) (21) + MAX_HANDLE_SZ
LARGEST_ASK = 3 + 21 + 128
#: include/linux/exportfs.h: a larger handle_bytes is -EINVAL, nothing written
MAX_HANDLE_SZ = 128
#: struct file_handle's header (__u32 handle_bytes; int handle_type)
_HEADER = 8
#: AT_HANDLE_MNT_ID_UNIQUE (6.12): the mount id stored is a u64, else an int
AT_HANDLE_MNT_ID_UNIQUE = 0x001


def _masked(body: bytes, args: tuple[int, ...]) -> bytes:
    """The handle's bytes `body` (at args[2] + 8) less those the mount id's put_user()
    stores at args[3] -- a program may pass a mount id pointer inside its handle, and
    do_sys_name_to_handle() stores it even with -EOVERFLOW."""
    start, mnt = args[2] + _HEADER, args[3]
    end = mnt + (8 if args[4] & AT_HANDLE_MNT_ID_UNIQUE else 4)
    lo, hi = max(start, mnt) - start, min(start + len(body), end) - start
    return body if lo >= hi else body[:lo] + body[hi:]


def note_handle(memory: UserMemory, slot: Slot) -> None:
    """At the entry: the handle's bytes (the handle_bytes the program passed, at most
    MAX_HANDLE_SZ) as the program left them, before the kernel may write them."""
    handle = slot.args[2]
    raw = memory.read(handle, 4, slot.root) if handle else None
    size = int.from_bytes(raw, "little") if raw is not None and len(raw) == 4 else 0
    if 0 < size <= MAX_HANDLE_SZ:
        body = memory.read(handle + _HEADER, size, slot.root)
        if body is not None and len(body) == size:
            slot.asked[handle + _HEADER] = body


def overflow_size_error(args: tuple[int, ...],
                        read: Callable[[int, int], bytes | None],
                        asked: dict[int, bytes] | None = None) -> str:
    """Why the handle_bytes name_to_handle_at(dfd, name, handle, mnt_id, flags) left in
    the handle's header (read where quiet) is none -EOVERFLOW writes back; "" where it may
    be (or is unknown)."""
    raw = read(args[2], 4) if args[2] else None
    if raw is None or len(raw) != 4:
        return ""
    size = int.from_bytes(raw, "little")
    if size % 4:
        return (f"handle_bytes {size} written back (do_sys_name_to_handle(): handle_dwords "
                "* sizeof(u32), a multiple of 4)")
    if size > LARGEST_ASK:
        return (f"handle_bytes {size} written back (exportfs_encode_fh(): no encoder asks "
                f"more than {LARGEST_ASK} bytes, ovl_encode_fh()'s largest)")
    body = (asked or {}).get(args[2] + _HEADER)
    if body is not None:
        now = read(args[2] + _HEADER, len(body))
        if now is not None and _masked(now, args) != _masked(body, args):
            return ("the handle's bytes changed (do_sys_name_to_handle(): -EOVERFLOW copies "
                    "the header alone, struct_size(handle, f_handle, 0))")
    return ""
