"""What turns off return.descriptor_kind's released epoll
items (`Descriptors.may_pass`: an SCM_RIGHTS message may hold a file past its last close).

A failed sendmsg queues no message (scm_destroy() drops its files), and an io_uring call
of a confidential program reaches no kernel (return.no_aio: -ENOSYS is its only answer),
so neither may hold a file: a program that probes io_uring_setup(), or whose sendmsg
fails, keeps the rule (ZR-026) whole.
"""

from __future__ import annotations

from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import build_translating

M = 1 << 64
ENOSYS, EBADF = 38, 9


def test_failed_calls_hold_no_file() -> None:
    s = build_translating()
    files = s.g.conf.descriptors
    assert _resume(s, "io_uring_setup", (8, 0x1000), M - ENOSYS, []) == 0
    assert _resume(s, "sendmsg", (3, 0x1000, 0), M - EBADF, []) == 0
    assert not files.may_pass
