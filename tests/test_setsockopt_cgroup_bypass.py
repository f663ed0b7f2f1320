"""The launch as the README states it has no cgroup socket-option program: a cgroup
BPF_CGROUP_SETSOCKOPT program the system attached
(systemd, a container runtime) runs before sk_setsockopt() -- __sys_setsockopt() ->
BPF_CGROUP_RUN_PROG_SETSOCKOPT() -- and may set ctx->optlen = -1, which makes
__cgroup_bpf_run_filter_setsockopt() answer 1 and the call return 0 without the kernel's
handler: no optlen test, no fdget() of the program's number (6.1..6.18).  So
setsockopt(SOL_SOCKET, SO_ATTACH_BPF, &v, 8) answered 0 is a Linux answer, which
`return.early_error` refuses (and `return.fd_never_opened` for a never-opened v with
optlen 4) -- under a launch the README rules out, as it rules out an LSM: letting it
through would reopen AG-024, AG-005 and AD-017, and the Guardian cannot see such a
program.  The test pins that choice (and fails if the rule stops judging it)."""

from __future__ import annotations

from abi.syscalls import NUMBERS as N
from guardian import early_errors as ee
from guardian.slots import Slot


def test_a_cgroup_sockopt_bypass_is_outside_the_stated_launch() -> None:
    slot = Slot(9, 1, None, 0, N["setsockopt"], (3, 1, 50, 0x1000, 8, 0), 1, 2)
    assert ee.early_error(slot, lambda addr, n: None)
