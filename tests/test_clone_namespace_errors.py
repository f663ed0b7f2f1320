"""The order of clone()'s namespace errors on this machine (kernel_model/namespaces.py):
copy_creds() makes a user namespace first (-ENOSPC: none may be made), then
copy_namespaces() tests CAP_SYS_ADMIN (-EPERM) before it refuses CLONE_NEWIPC with
CLONE_SYSVSEM (-EINVAL), then the counts (-ENOSPC).  The model answered -EINVAL for
CLONE_NEWIPC | CLONE_SYSVSEM without CAP_SYS_ADMIN, where an x86-64 Linux 6.18 host, as
uid 1000, printed EPERM (and EINVAL as root)."""

from __future__ import annotations

import errno

import pytest

from kernel_model.credentials import Cred
from kernel_model.namespaces import CLONE_NEWIPC, CLONE_NEWUSER, CLONE_SYSVSEM, namespace_error

ROOT, USER = Cred(), Cred(uid=1000, euid=1000, suid=1000, fsuid=1000, cap_permitted=0,
                          cap_effective=0)
BOTH = CLONE_NEWIPC | CLONE_SYSVSEM


@pytest.mark.parametrize("flags,cred,clone,want", [
    (BOTH, ROOT, True, errno.EINVAL),
    (BOTH, USER, True, errno.EPERM),                    # the host as uid 1000
    (BOTH | CLONE_NEWUSER, USER, True, errno.ENOSPC),   # copy_creds() first
    (BOTH, ROOT, False, errno.ENOSPC),                  # unshare: CLONE_SYSVSEM detaches
    (CLONE_NEWIPC, ROOT, True, errno.ENOSPC),
])
def test_the_order_of_clones_namespace_errors(flags: int, cred: Cred, clone: bool,
                                              want: int) -> None:
    assert namespace_error(flags, cred, clone) == want
