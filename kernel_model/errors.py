"""Errors raised inside the kernel model.

Every kernel-model operation reports failure by raising :class:`KernelError`;
the syscall dispatcher turns it into the negative return value the guest
expects.  Keeping one exception type (instead of letting host ``OSError``
escape) makes it impossible for a host-specific error to reach the guest
without passing through an explicit translation.

Errno numbers are the stdlib :mod:`errno` values: on a Linux host they are the
same numbers AArch64 Linux uses, so no translation table is needed.
"""

from __future__ import annotations

import errno as _errno
import os


class KernelError(Exception):
    """A failed kernel operation; the guest sees ``-errno`` as the result."""

    def __init__(self, errno: int, message: str | None = None) -> None:
        self.errno: int = errno
        name = _errno.errorcode.get(errno, f"errno {errno}")
        super().__init__(f"{name}: {message}" if message else name)

    @property
    def retval(self) -> int:
        """The value the syscall returns in x0 (negative errno)."""
        return -self.errno


def err(e: int, message: str | None = None) -> KernelError:
    """Build a KernelError, so call sites read ``raise err(ENOENT)``."""
    return KernelError(e, message)


def from_oserror(exc: OSError) -> KernelError:
    """Translate a host OSError, keeping its errno (EIO if it has none).

    Host errno values are passed through unchanged because a Linux host uses
    the AArch64 Linux numbering; an OSError without an errno (raised by Python
    itself) becomes EIO rather than leaking an arbitrary value.
    """
    code = exc.errno if isinstance(exc.errno, int) and exc.errno > 0 else _errno.EIO
    return KernelError(code, exc.strerror or os.strerror(code))


class _HostErrors:
    """Context manager: host OSError inside the block becomes KernelError (same errno).

    A reusable instance rather than a generator-based context manager
    because it sits on every host file-system call.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, OSError):
            raise from_oserror(exc) from None
        return False


#: ``with host_errors: os.read(...)`` -- the OSError-to-KernelError boundary.
host_errors = _HostErrors()
