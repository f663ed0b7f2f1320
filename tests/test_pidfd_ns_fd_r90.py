"""Red-team round 90, AW-028: PIDFD_GET_*_NAMESPACE's descriptor is a new one
(pidfd_ioctl() -> open_namespace() -> get_unused_fd_flags()), never a number the program
holds open (guardian/fd_made.py, `return.fd_fresh`); on a descriptor that is no pidfd
the program made, the request number may be a driver's and is not judged."""

from __future__ import annotations

from guardian.fd_made import PIDFD_GET_NAMESPACES
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import _call, _refused

PIDFD_GET_UTS_NAMESPACE = 0xFF0A


def test_a_namespace_descriptor_is_a_new_one(prog: _Program) -> None:
    assert PIDFD_GET_UTS_NAMESPACE in PIDFD_GET_NAMESPACES
    prog.files.admission.registry.root_domain[prog.root] = 1
    _call(prog, "eventfd2", 0, 0, ret=5)                # a descriptor the program holds
    _call(prog, "pidfd_open", 77, 0, ret=6)
    _refused("return.fd_fresh", prog, "ioctl", 6, PIDFD_GET_UTS_NAMESPACE, 0, ret=5)
    _call(prog, "ioctl", 6, PIDFD_GET_UTS_NAMESPACE, 0, ret=7)      # Linux: a free one
    _call(prog, "ioctl", 5, PIDFD_GET_UTS_NAMESPACE, 0, ret=6)      # no pidfd: not judged
