"""Extended attributes (fs/xattr.c): getxattr, lgetxattr, fgetxattr, listxattr, llistxattr
and flistxattr; setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr and
fremovexattr.  The rootfs is a host directory, so a name's attributes are
the host file's (what Linux shows of the same file system); a pipe, socket or other
kernel-made file has none (xattr_permission()'s -ENODATA to user.* there, else
-EOPNOTSUPP: no xattr handler; _no_handler()), but a socket's one, sockfs's
system.sockprotoname (its protocol's name: net/socket.c sockfs_xattr_get(),
sockfs_listxattr()).  Imported at the first such
call (kernel_model.syscalls.LAZY_HOMES).

The write side checks what fs/xattr.c checks before the file system sees the call
(setxattr_copy(): flags other than XATTR_CREATE|XATTR_REPLACE -EINVAL, the name as
above, a value over XATTR_SIZE_MAX -E2BIG, then the value copied in), after the path
lookup (path_setxattr(), path_removexattr(), as 6.1..6.12 order them) or fdget()
(fsetxattr(), fremovexattr()); then what the guest's credentials decide and the host's
would not (xattr_permission(): trusted.* without CAP_SYS_ADMIN -EPERM; the commoncap
LSM's cap_inode_setxattr() / cap_inode_removexattr(): security.* without CAP_SYS_ADMIN,
security.capability without CAP_SETFCAP, -EPERM); the host file system then answers as
Linux's does for the same file (an unknown namespace -EOPNOTSUPP, XATTR_CREATE of an
existing name -EEXIST, XATTR_REPLACE or a removal of an absent one -ENODATA, user.* on a
symbolic link -EPERM).  Python's shutil.copystat(), setfattr and cp -a set attributes;
-ENOSYS made them fail.

ls -l asks lgetxattr("security.selinux") and getxattr("system.posix_acl_access") of each
name and prints an error for anything but ENODATA/EOPNOTSUPP: -ENOSYS made it print
"Function not implemented" once per argument.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError, host_errors
from kernel_model.namespaces import CAP_SYS_ADMIN
from kernel_model.openfile import HostFile
from kernel_model.process import Thread
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.fs import guest_path

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

XATTR_NAME_MAX = 255
XATTR_SIZE_MAX = 65536
XATTR_LIST_MAX = 65536
XATTR_CREATE, XATTR_REPLACE = 1, 2
CAP_SETFCAP = 31


def _name(k: Kernel, ptr: int) -> str:
    """import_xattr_name(): strncpy_from_user(kname, name, XATTR_NAME_MAX + 1); an empty
    name or one of 256 bytes or more is -ERANGE."""
    try:
        raw = k.uaccess.read_cstring(ptr, XATTR_NAME_MAX + 1)
    except KernelError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise KernelError(errno.ERANGE) from None
        raise
    if not raw or len(raw) > XATTR_NAME_MAX:
        raise KernelError(errno.ERANGE)
    return os.fsdecode(raw)


def _host(k: Kernel, t: Thread, ptr: int, follow: bool) -> str:
    """user_path_at(AT_FDCWD, pathname, LOOKUP_FOLLOW or not): the host file."""
    path = guest_path(k, ptr)
    res = k.rootfs.resolve(t.process.cwd if not path.startswith(b"/") else "/", path,
                           follow_final=follow)
    return str(res.host)


def _file(t: Thread, fd: int) -> tuple[HostFile | None, object]:
    """fdget(): an O_PATH descriptor is -EBADF; the host file, or None for a file with no
    xattr handler, and the open file."""
    f = t.process.fds.get(fd)
    if f.flags & ls.O_PATH:
        raise KernelError(errno.EBADF)
    return (f if isinstance(f, HostFile) else None), f


def _no_handler(t: Thread, f: object, name: str, write: bool = False) -> int:
    """The answer for a file the model keeps no attributes of (a pipe, a socket, a device,
    an anonymous inode, a /proc file): vfs_getxattr(), vfs_setxattr() and
    vfs_removexattr() ask xattr_permission() first (user.* only on regular files and
    directories, trusted.* only with CAP_SYS_ADMIN: -ENODATA to a read, -EPERM to a
    write), a write then the LSM (_write_denied()), then no handler takes the name
    (-EOPNOTSUPP)."""
    regular = getattr(f, "kind", "") in ("file", "dir")
    if name.startswith("user.") and not regular or \
            name.startswith("trusted.") and not t.cred.capable(CAP_SYS_ADMIN):
        return -(errno.EPERM if write else errno.ENODATA)
    if write and _write_denied(t, name):
        return -errno.EPERM
    return -errno.EOPNOTSUPP


def _write_denied(t: Thread, name: str) -> bool:
    """What the guest's credentials refuse to a write or removal of `name` before the file
    system is asked (the host's credentials are not the guest's): xattr_permission()'s
    trusted.* without CAP_SYS_ADMIN; cap_inode_setxattr() / cap_inode_removexattr()
    (security/commoncap.c): security.capability without CAP_SETFCAP, any other
    security.* name without CAP_SYS_ADMIN."""
    if name.startswith("trusted."):
        return not t.cred.capable(CAP_SYS_ADMIN)
    if name == "security.capability":
        return not t.cred.capable(CAP_SETFCAP)
    if name.startswith("security."):
        return not t.cred.capable(CAP_SYS_ADMIN)
    return False


SOCKPROTONAME = "system.sockprotoname"


def _sock_proto(f: object) -> bytes | None:
    """A socket's sockfs name, its protocol's (sk_prot_creator->name, which sock_alloc_file()
    gives the dentry); None: not a socket, or a protocol the model does not name."""
    from kernel_model.sockets.base import Socket

    if not isinstance(f, Socket):
        return None
    base = {1: "UNIX", 2: "", 10: "v6"}.get(f.domain)       # AF_UNIX, AF_INET, AF_INET6
    if base is None:
        return None
    if f.domain == 1:
        return b"UNIX-STREAM" if f.type == 1 else b"UNIX"   # unix_stream_proto, unix_dgram_proto
    name = {1: "TCP", 2: "PING" if f.protocol in (1, 58) else "UDP", 3: "RAW"}.get(f.type)
    return (name + base).encode() if name else None


def _give_value(k: Kernel, value: bytes, buf: int, size: int) -> int:
    """getxattr(): size 0 asks the length; a smaller buffer is -ERANGE (-E2BIG when the
    buffer was already XATTR_SIZE_MAX)."""
    size = min(size, XATTR_SIZE_MAX)
    if size == 0:
        return len(value)
    if len(value) > size:
        return -(errno.E2BIG if size >= XATTR_SIZE_MAX else errno.ERANGE)
    k.uaccess.write(buf, value)
    return len(value)


def _give_list(k: Kernel, names: list[str], buf: int, size: int) -> int:
    """listxattr(): each name NUL-terminated; sizes as _give_value with XATTR_LIST_MAX."""
    data = b"".join(os.fsencode(n) + b"\0" for n in names)
    size = min(size, XATTR_LIST_MAX)
    if size == 0:
        return len(data)
    if len(data) > size:
        return -(errno.E2BIG if size >= XATTR_LIST_MAX else errno.ERANGE)
    k.uaccess.write(buf, data)
    return len(data)


def _getxattr(k: Kernel, t: Thread, a, follow: bool) -> int:  # noqa: ANN001
    host = _host(k, t, a[0], follow)            # path_getxattr(): the lookup first
    name = _name(k, a[1])
    with host_errors:
        value = os.getxattr(host, name, follow_symlinks=follow)
    return _give_value(k, value, a[2], a[3])


@syscall("getxattr")
def sys_getxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _getxattr(k, t, a, True)


@syscall("lgetxattr")
def sys_lgetxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _getxattr(k, t, a, False)


@syscall("fgetxattr")
def sys_fgetxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f, of = _file(t, s32(a[0]))
    name = _name(k, a[1])
    if f is None:
        proto = _sock_proto(of)
        if proto is not None and name == SOCKPROTONAME:
            # sockfs_xattr_get(): the dentry's name with its NUL
            return _give_value(k, proto + b"\0", a[2], a[3])
        return _no_handler(t, of, name)
    with host_errors:
        value = os.getxattr(f.fd, name)
    return _give_value(k, value, a[2], a[3])


def _listxattr(k: Kernel, t: Thread, a, follow: bool) -> int:  # noqa: ANN001
    host = _host(k, t, a[0], follow)
    with host_errors:
        names = os.listxattr(host, follow_symlinks=follow)
    return _give_list(k, names, a[1], a[2])


@syscall("listxattr")
def sys_listxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _listxattr(k, t, a, True)


@syscall("llistxattr")
def sys_llistxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _listxattr(k, t, a, False)


@syscall("flistxattr")
def sys_flistxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f, of = _file(t, s32(a[0]))
    if f is None:
        if _sock_proto(of) is not None:
            return _give_list(k, [SOCKPROTONAME], a[1], a[2])   # sockfs_listxattr()
        return 0            # vfs_listxattr() without a listxattr op: no names (pipes...)
    with host_errors:
        names = os.listxattr(f.fd)
    return _give_list(k, names, a[1], a[2])


# --- the write side ---------------------------------------------------------------------
def _set_args(k: Kernel, a) -> tuple[str, bytes, int]:  # noqa: ANN001
    """setxattr_copy(): the flags, the name, then the value (a[1..4]: name, value, size,
    flags)."""
    flags = s32(a[4])
    if flags & ~(XATTR_CREATE | XATTR_REPLACE):
        raise KernelError(errno.EINVAL)
    name = _name(k, a[1])
    size = a[3]
    if size > XATTR_SIZE_MAX:
        raise KernelError(errno.E2BIG)
    value = k.uaccess.read(a[2], size) if size else b""     # vmemdup_user(): -EFAULT
    return name, value, flags


def _host_flags(flags: int) -> int:
    return (os.XATTR_CREATE if flags & XATTR_CREATE else 0) | \
        (os.XATTR_REPLACE if flags & XATTR_REPLACE else 0)


#: fsnotify_xattr(): a set or removed attribute is IN_ATTRIB (kernel_model/inotify.py)
_IN_ATTRIB = 0x4


def _notify_file(f: HostFile) -> None:
    n = f.fsnotify
    if n is not None and n.marks:
        n.file_event(f, _IN_ATTRIB)


def _setxattr(k: Kernel, t: Thread, a, follow: bool) -> int:  # noqa: ANN001
    host = _host(k, t, a[0], follow)            # path_setxattr(): the lookup first
    name, value, flags = _set_args(k, a)
    if _write_denied(t, name):
        return -errno.EPERM
    with host_errors:
        os.setxattr(host, name, value, _host_flags(flags), follow_symlinks=follow)
    k.rootfs.notify_host(host, _IN_ATTRIB)
    return 0


@syscall("setxattr")
def sys_setxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _setxattr(k, t, a, True)


@syscall("lsetxattr")
def sys_lsetxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _setxattr(k, t, a, False)


@syscall("fsetxattr")
def sys_fsetxattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f, of = _file(t, s32(a[0]))
    name, value, flags = _set_args(k, a)
    if f is None:
        return _no_handler(t, of, name, write=True)
    if _write_denied(t, name):
        return -errno.EPERM
    with host_errors:
        os.setxattr(f.fd, name, value, _host_flags(flags))
    _notify_file(f)
    return 0


def _removexattr(k: Kernel, t: Thread, a, follow: bool) -> int:  # noqa: ANN001
    host = _host(k, t, a[0], follow)            # path_removexattr(): the lookup first
    name = _name(k, a[1])
    if _write_denied(t, name):
        return -errno.EPERM
    with host_errors:
        os.removexattr(host, name, follow_symlinks=follow)
    k.rootfs.notify_host(host, _IN_ATTRIB)
    return 0


@syscall("removexattr")
def sys_removexattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _removexattr(k, t, a, True)


@syscall("lremovexattr")
def sys_lremovexattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _removexattr(k, t, a, False)


@syscall("fremovexattr")
def sys_fremovexattr(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f, of = _file(t, s32(a[0]))
    name = _name(k, a[1])
    if f is None:
        return _no_handler(t, of, name, write=True)
    if _write_denied(t, name):
        return -errno.EPERM
    with host_errors:
        os.removexattr(f.fd, name)
    _notify_file(f)
    return 0
