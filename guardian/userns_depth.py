"""`return.userns_depth`: no thread nests more than 33 user namespaces below the initial
one, so none makes a 34th move from wherever it was launched.

create_user_ns(): `ret = -ENOSPC; if (parent_ns->level > 32) goto fail;`: a new user
namespace's level is its parent's + 1, at most 33.  A launch may already run at any level
from 0 to 33, so only the count of moves the Guardian saw is sure: each
unshare(CLONE_NEWUSER) answered 0 with no filter (unshare_userns() -> create_user_ns()
of the caller's own namespace, ksys_unshare() commits it) and each clone(CLONE_NEWUSER)
child whose flags are known (copy_creds() -> create_user_ns()) is one level deeper than
its creator; no call takes a thread to a shallower level (setns() of a user namespace
needs CAP_SYS_ADMIN in it, which cap_capable() finds only in a descendant of the
caller's: `if (ns->level <= cred->user_ns->level) return -EPERM;`), and a new task
starts at its creator's (copy_creds()).  So after 33 such moves the thread's level is at
least 33, and a further unshare(CLONE_NEWUSER) answers -ENOSPC, as does a
clone(CLONE_NEWUSER) (copy_creds() -> create_user_ns(): guardian/confidential_fork.py).  The count lives in the
thread's stated facts (`DEPTH`: cred_kept.note_user_ns() adds one, prctl_state.
note_clone() carries it to a new task, exec_kept.py into an exec's image: prepare_exec_creds()
copies the cred, its user_ns with it).  A setns() of a user namespace answered 0 is a move
too: userns_install() needs CAP_SYS_ADMIN in the namespace joined, which cap_capable()
finds only in a strict descendant of the caller's (one level deeper at least); where its
pidfd names a fork child the Guardian follows, the child's own count, noted before the
setns() entered, bounds the joined level too (cred_kept.note_setns_user()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from guardian.capget_child import followed_child
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

#: (of a thread) how many user-namespace moves the Guardian saw it and its creators make
#: since the launch (a lower bound on its namespace's level)
DEPTH = "userns_depth"
#: (of a thread) Registry.next_slot when its last move was noted: a call that entered
#: before it may have seen its cred before the move (absent: it moved no more since it
#: was made, copy_creds())
DEPTH_AT = "userns_depth_at"
#: create_user_ns()'s deepest level: `parent_ns->level > 32` fails
MAX_LEVEL = 33


def check(facts: dict[str, object], flags: int, what: str = "unshare({:#x}) answers 0") -> None:
    """unshare(`flags` with CLONE_NEWUSER) answered 0, or a clone(CLONE_NEWUSER) answered
    with a child (`what`: copy_creds() -> create_user_ns(), the same level check), no
    filter: refuse it where the thread already made MAX_LEVEL moves (its namespace's level
    is past 32)."""
    depth = facts.get(DEPTH)
    if isinstance(depth, int) and depth >= MAX_LEVEL:
        refuse("return.userns_depth", Status.ERR_DENIED,
               f"{what.format(flags)}, but the thread already moved to a new user "
               f"namespace {depth} times since its launch, each one level deeper: its "
               f"namespace's level is at least {depth}, past 32 (create_user_ns(): "
               "`if (parent_ns->level > 32)` -ENOSPC)")


def note_move(facts: dict[str, object]) -> None:
    """The thread's cred surely moved to a new user namespace one level deeper."""
    depth = facts.get(DEPTH)
    facts[DEPTH] = (depth if isinstance(depth, int) else 0) + 1


def note_joined(facts: dict[str, object], joined_depth: int | None) -> None:
    """After note_move() for a setns() of a user namespace: the joined namespace's level is
    at least `joined_depth` moves below the launch's too, where known (the pidfd's process
    is at its level since: no move goes back up)."""
    if isinstance(joined_depth, int) and joined_depth > int(facts.get(DEPTH, 0)):  # type: ignore[call-overload]
        facts[DEPTH] = joined_depth


def note_stamp(facts: dict[str, object], next_slot: int) -> None:
    """A move of the thread's cred was just noted: calls entering from `next_slot` on
    see it."""
    facts[DEPTH_AT] = next_slot


def peer_depth(files: Descriptors, slot: Slot) -> int | None:
    """setns(fd, nstype with CLONE_NEWUSER) answered 0: where fd is a pidfd pidfd_open()
    made for a pid the caller's process was told by its fork, of a child unreaped
    (capget_child.followed_child(): no autoreap either), the moves that child's first thread -- the task
    validate_nsset() reads, `__task_cred(tsk)->user_ns` -- was known to have made before
    the setns() entered (its level is at least that since: no move goes back up); None:
    not known.  An honest 0 means the pidfd's task lives, so its pid is that child's."""
    if not files.steady(slot):
        return None
    pid = files.pidfd_pid(slot, slot.args[0] & 0xFFFF_FFFF)
    found = followed_child(files, slot, pid) if pid else None
    if found is None:
        return None
    facts = files.stated.threads.get(found, {})
    depth, at = facts.get(DEPTH), facts.get(DEPTH_AT, 0)
    if not isinstance(depth, int) or not isinstance(at, int) or at > slot.id:
        return None
    return depth
