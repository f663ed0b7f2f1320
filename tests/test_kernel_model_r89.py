"""The kernel model refuses F_SETFL's O_DIRECT on an anon inode as Linux does (red-team
round 89's side finding: it answered 0): setfl() `if ((arg & O_DIRECT) &&
!(filp->f_mode & FMODE_CAN_ODIRECT)) return -EINVAL;` -- no eventfd, timerfd, signalfd or
epoll open sets FMODE_CAN_ODIRECT (qemu-aarch64-static on the 6.18 host: 22).  O_ASYNC |
O_NONBLOCK on the eventfd still answers 0, and a pipe's F_SETFL O_DIRECT (packet mode)
still works."""

from __future__ import annotations

import errno

from kernel_model import linux_structs as ls
from kernel_model.kernel import Kernel
from tests.test_kernel_futex import _call
from tests.test_kernel_model_r89b import kernel  # noqa: F401 - the module's fixture

F_GETFL, F_SETFL = 3, 4


def test_setfl_o_direct_of_an_eventfd_is_einval(kernel: Kernel) -> None:  # noqa: F811
    fd = _call(kernel, "eventfd2", 0, 0)
    assert fd >= 0
    before = _call(kernel, "fcntl", fd, F_GETFL, 0)
    assert _call(kernel, "fcntl", fd, F_SETFL, ls.O_DIRECT) == -errno.EINVAL
    assert _call(kernel, "fcntl", fd, F_GETFL, 0) == before       # nothing changed
    # honest neighbour: the flags setfl() takes without FMODE_CAN_ODIRECT
    assert _call(kernel, "fcntl", fd, F_SETFL, ls.O_ASYNC | ls.O_NONBLOCK) == 0
    assert _call(kernel, "fcntl", fd, F_GETFL, 0) & ls.O_NONBLOCK
    assert _call(kernel, "close", fd) == 0


def test_setfl_o_direct_of_a_pipe_still_succeeds(kernel: Kernel) -> None:  # noqa: F811
    from tests.test_kernel_model_r89b import _page
    va, _ = _page(kernel)
    assert _call(kernel, "pipe2", va, 0) == 0
    rd, wr = (int.from_bytes(kernel.uaccess.read(va + 4 * i, 4), "little") for i in (0, 1))
    assert _call(kernel, "fcntl", wr, F_SETFL, ls.O_DIRECT) == 0
    assert _call(kernel, "fcntl", wr, F_GETFL, 0) & ls.O_DIRECT
    for fd in (rd, wr):
        assert _call(kernel, "close", fd) == 0
