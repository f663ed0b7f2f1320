"""Open finding of the review of red-team round 84 (kept as a strict xfail until the
maintainers choose a fix): a cgroup BPF_CGROUP_SETSOCKOPT program the system attached
(systemd, a container runtime) runs before sk_setsockopt() -- __sys_setsockopt() ->
BPF_CGROUP_RUN_PROG_SETSOCKOPT() -- and may set ctx->optlen = -1, which makes
__cgroup_bpf_run_filter_setsockopt() answer 1 and the call return 0 without the kernel's
handler: no optlen test, no fdget() of the program's number (6.1..6.18).  So
setsockopt(SOL_SOCKET, SO_ATTACH_BPF, &v, 8) answered 0 is a Linux answer, which
`return.early_error` refuses (and `return.fd_never_opened` for a never-opened v with
optlen 4).  Letting it through reopens AG-024, AG-005 and AD-017; the Guardian has no
way to know whether such a program is attached."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian import early_errors as ee
from guardian.slots import Slot


@pytest.mark.xfail(strict=True, reason="cgroup setsockopt programs may bypass "
                   "sk_setsockopt(); no launch fact says none is attached")
def test_a_cgroup_sockopt_bypass_is_a_linux_answer() -> None:
    slot = Slot(9, 1, None, 0, N["setsockopt"], (3, 1, 50, 0x1000, 8, 0), 1, 2)
    assert not ee.early_error(slot, lambda addr, n: None)
