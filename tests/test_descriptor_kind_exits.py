"""An epoll item of a file only a dying or exec'ing child holds.

do_exit() runs exit_mm() (mmput(): the Guardian's EXIT_DOMAIN, which retires the child's
descriptor table) before exit_files() and exit_task_work() (__fput() ->
eventpoll_release_file()); the child's pgd goes only at its last switch
(finish_task_switch() -> mmdrop_lazy_tlb(): FREE_PGD).  Between EXIT_DOMAIN and FREE_PGD
the child still holds its files, so the parent's epoll still holds the item of a pipe end
only the child kept, and Linux's kcmp(KCMP_EPOLL_TFD) finds it (1 or 2, not -ENOENT).
"""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from guardian.open_files import OpenFile
from tests.test_descriptor_kind_r79 import _epoll, _Files, _tfd


def test_item_of_a_file_a_dying_child_still_holds_passes() -> None:
    files = _Files()
    _epoll(files)
    files.table.fds[0] = OpenFile(path="/dev/null")
    del files.table.fds[6]              # the parent closed its pipe end; the child held it
    with pytest.raises(Refused):        # the child's tree freed: its files went before
        _tfd(files, 6, 0, 1)
    files.admission.registry.dying = {3}    # the child's EXIT_DOMAIN, no FREE_PGD yet
    _tfd(files, 6, 0, 1)                # Linux: the item is there, kcmp answers 1


def test_item_of_a_file_an_execing_child_still_holds_passes() -> None:
    """exec_mmap() frees the old tree (EXIT_DOMAIN, FREE_PGD) before begin_new_exec()'s
    do_close_on_exec(), and those fput()s run __fput() only at the exec's return to user:
    until the new image starts, a pipe end only the exec'ing child held open (O_CLOEXEC)
    keeps its epoll item."""
    files = _Files()
    _epoll(files)
    files.table.fds[0] = OpenFile(path="/dev/null")
    del files.table.fds[6]              # the parent closed its end; the child's exec closes its
    files.exec_tables = [object()]      # the child's exec: its new image not yet created
    _tfd(files, 6, 0, 1)                # Linux: the item is there, kcmp answers 1
    files.exec_tables = []              # the new image started: its FD_CLOEXEC files went
    with pytest.raises(Refused):
        _tfd(files, 6, 0, 1)
