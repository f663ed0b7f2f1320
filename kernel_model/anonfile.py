"""Files with no inode of their own (eventfd, timerfd, signalfd, epoll, pidfd).

Linux backs them all with the single inode of its anonymous-inode file system:
``fstat`` shows mode 0600 with no file type, and /proc/PID/fd names them
``anon_inode:[eventfd]`` and so on.
"""

from __future__ import annotations

import os

from kernel_model import linux_structs as ls
from kernel_model.openfile import OpenFile, inode_numbers
from kernel_model.waitq import WaitQueue

#: Device number of Linux's anon_inodefs, and its one inode.
ANON_INODE_DEV = os.makedev(0, 14)
ANON_INODE_INO = next(inode_numbers)


class AnonFile(OpenFile):
    """An anonymous-inode file description with a wait queue for its readiness."""

    kind = "anon"
    #: What /proc/PID/fd shows in brackets.
    anon_name = "anon"

    def __init__(self, flags: int) -> None:
        super().__init__(flags | ls.O_RDWR)
        self.queue = WaitQueue()

    @property
    def link_name(self) -> str:
        """The /proc/PID/fd/N link text."""
        return f"anon_inode:[{self.anon_name}]"

    def wait_queue(self) -> WaitQueue:
        return self.queue

    def stat(self) -> ls.StatInfo:
        return ls.StatInfo(0o600, ANON_INODE_INO, ANON_INODE_DEV, st_blksize=4096)
