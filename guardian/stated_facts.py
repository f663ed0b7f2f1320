"""What the program set, or the kernel once stated, about an object whose state only the
program's own calls change: a later answer about that object must agree.

Linux keeps these per task or per open file and changes them only through the calls
named here, so the Guardian keeps them where it sees those calls:

- a thread's name (PR_SET_NAME: its first 15 bytes, task->comm) is what PR_GET_NAME
  reports;
- a thread's robust list head and length (set_robust_list) are what get_robust_list(0)
  reports;
- a thread's clear_child_tid word (set_tid_address) is what PR_GET_TID_ADDRESS reports;
- a thread's no_new_privs, once PR_SET_NO_NEW_PRIVS set it, is never cleared;
- a thread's persona is what its last personality() set (each call answers the old one);
- a thread's rseq area is the one its rseq() registered (0 once unregistered);
- a process's MMF_DISABLE_THP is what its last PR_SET_THP_DISABLE set (a fact of the
  address space: any of its threads may set it);
- an open file's inode (st_dev, st_ino) is fixed for its life (file->f_inode): every
  fstat, statx or newfstatat(AT_EMPTY_PATH) of it reports the first one's;
- a pipe's capacity is what the last F_SETPIPE_SZ on either end answered;
- a socketpair's SO_PEERCRED names the pid of the process that made it: where that
  process still runs in the space that made the pair, its own pid (what getpid answers,
  before or after).

- a thread's parent-death signal is 0 from its clone until its own PR_SET_PDEATHSIG.

Thread facts are keyed by (address space, thread): a new thread starts unknown but for
its name, persona and no_new_privs (its creator's: dup_task_struct() copies them) and
its parent-death signal (0), and an
exec's new space starts with what Linux's exec leaves (guardian/exec_kept.py: the persona
kept, the name the new image's basename; the robust list released).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.value_ranges import COMM, NO_NEW_PRIVS, PDEATH_SIGNAL, PERSONA, PERSONA_CLEARABLE
from guardian import prctl_state
from guardian.launch_facts import LaunchFacts
from guardian.open_files import Description
from guardian.result_reads import read_or_fault
from guardian.slots import Slot
from guardian.user_memory import UserMemory

TASK_COMM_LEN = 16
#: A socketpair's ends -> (address space, thread) of the call that made it.
PAIR_MAKER = "pair_maker"
#: (of a thread) the signal its own PR_SET_PDEATHSIG last asked for: the one Linux sends it,
#: as SI_USER from its parent, when the thread that made it exits (forget_original_parent()).
PDEATH_ASKED = "pdeath_asked"
#: (of a space) a descriptor that may write a /proc/.../comm was opened there: a task's
#: name may change by comm_write() (fs/proc/base.c) at any time, so it is not followed.
COMM_WRITTEN = "comm_written"
AT_EMPTY_PATH = 0x1000

DescriptionOf = Callable[[Slot, int], "Description | None"]
#: A pipe's read end -> its write end (the Guardian's record of pipe2).
PipeEnds = Callable[[], "dict[Description, Description]"]


def _u64(memory: UserMemory, slot: Slot, va: int) -> int:
    return struct.unpack("<Q", read_or_fault(memory, slot, va, 8))[0]


def stat_inode(memory: UserMemory, slot: Slot, nr_name: str) -> tuple[int, int, int] | None:
    """(device major, minor, inode number) an fstat-like call wrote about its descriptor
    (None: the call names another file by a path, or wrote nothing)."""
    a = slot.args
    if nr_name == "fstat":
        buf = a[1]
    elif nr_name == "newfstatat":
        buf = a[2] if _empty_path(memory, slot, a[1], a[3]) else 0
    else:                                       # statx
        buf = a[4] if _empty_path(memory, slot, a[1], a[2]) else 0
    if not buf:
        return None
    if nr_name == "statx":
        ino = _u64(memory, slot, buf + 32)
        major, minor = struct.unpack("<II", read_or_fault(memory, slot, buf + 136, 8))
        return major, minor, ino
    dev, ino = struct.unpack("<QQ", read_or_fault(memory, slot, buf, 16))
    # new_encode_dev, as arm64's struct stat carries st_dev.
    return (dev >> 8) & 0xFFF, (dev & 0xFF) | ((dev >> 12) & 0xFFF00), ino


def _empty_path(memory: UserMemory, slot: Slot, path: int, flags: int) -> bool:
    return bool(flags & AT_EMPTY_PATH) and bool(path) and \
        read_or_fault(memory, slot, path, 1) == b"\0"


class StatedFacts:
    """The facts above, as the program's calls set them and the kernel first stated them."""

    def __init__(self, description_of: DescriptionOf, pipe_ends: PipeEnds) -> None:
        self.description_of = description_of
        self.pipe_ends = pipe_ends
        self.threads: dict[tuple[int, int], dict[str, object]] = {}
        self.files: dict[Description, dict[str, object]] = {}
        #: the launch as the user stated it (guardian/launch_facts.py)
        self.launch = LaunchFacts()

    def of_thread(self, slot: Slot) -> dict[str, object]:
        return self.threads.setdefault((slot.root, slot.thread), {})

    def of_space(self, slot: Slot) -> dict[str, object]:
        """The facts of the caller's address space (a process's mm flags), kept beside
        its threads' under thread -1."""
        return self.threads.setdefault((slot.root, -1), {})

    def of_file(self, slot: Slot, fd: int) -> dict[str, object] | None:
        """The facts of descriptor `fd`'s open file; a pipe's two ends share one record
        (one inode, one capacity).  None: an open file the Guardian does not know."""
        d = self.description_of(slot, fd & 0xFFFF_FFFF)
        if d is None:
            return None
        ends = self.pipe_ends()
        if d not in ends:
            d = next((reader for reader, writer in ends.items() if writer is d), d)
        return self.files.setdefault(d, {})

    def note_clone(self, root: int, thread: int, child_root: int, child_thread: int,
                   cflags: int | None = None, settled: bool = True,
                   flags_known: bool = False) -> None:
        """copy_process() -> dup_task_struct() copies the creating task: a new thread, vfork
        or fork child starts with its creator's name (comm), persona (task->personality)
        and no_new_privs (PFA_NO_NEW_PRIVS in atomic_flags), as far as the Guardian knows
        them, and with no parent-death signal (copy_process() sets p->pdeath_signal = 0).
        The name is not carried where a descriptor that may write a /proc/.../comm is open
        in the creator's space (`COMM_WRITTEN`; a fork child's table is a copy of its
        parent's, so its space is marked too)."""
        parent = self.threads.get((root, thread), {})
        child = self.threads.setdefault((child_root or root, child_thread), {})
        # (`cflags`: the clone's flags, where the creator's cred and subreaper bit are
        # carried: prctl_state.note_clone(); `settled`: no call that may change the mm's
        # flags overlapped the fork, prctl_state.note_fork(); `flags_known`: `cflags` are
        # the ones the kernel took, with no filter to change them)
        child[PDEATH_SIGNAL] = 0
        for fact in (PERSONA, PERSONA_CLEARABLE, NO_NEW_PRIVS):
            if fact in parent:
                child[fact] = parent[fact]
        if child_root:
            prctl_state.note_fork(self, root, child_root, settled)
        if cflags is not None:
            prctl_state.note_clone(parent, child, cflags, flags_known)
        if self.threads.get((root, -1), {}).get(COMM_WRITTEN):
            if child_root:
                self.threads.setdefault((child_root, -1), {})[COMM_WRITTEN] = True
            return
        name = parent.get(COMM)
        if isinstance(name, bytes):
            child[COMM] = name

    def forget(self, root: int) -> None:
        """An address space went: its threads' facts with it."""
        for key in [k for k in self.threads if k[0] == root]:
            del self.threads[key]



def read_comm(memory: UserMemory, slot: Slot, va: int) -> bytes:
    """A task name as PR_SET_NAME takes it: at most its first 15 bytes (read one by one,
    as the string may end just before an unmapped page)."""
    out = bytearray()
    while len(out) < TASK_COMM_LEN - 1:
        byte = read_or_fault(memory, slot, va + len(out), 1)
        if byte == b"\0":
            break
        out += byte
    return bytes(out)
