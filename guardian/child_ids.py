"""Check `fork.child_id_bound`: a clone child's id is fixed from the moment it exists.

Linux allocates the child's pid in copy_process(), before the child can run, and every
place that shows it agrees from then on: CLONE_PARENT_SETTID's word (stored before
wake_up_new_task), CLONE_CHILD_SETTID's word (stored in schedule_tail, before the child
reaches user code), the child's own gettid (and getpid for a fork child), and the id the
creator's clone returns.  The scheduler may run the child before its creator's clone
returns -- honest programs see that every day -- so the Guardian cannot wait for that
return to learn the id: a child that ran first would already have acted on whatever it
was told.

So at the child's first return to user code, while its creator's clone is still in
progress, the TID words that clone's flags name must already hold the id and agree; that
value becomes the child's id on its address space (its `tids`, and `pids` for a child
that is a process of its own).  From then on `return.id_range` judges the child's
gettid/getpid against it and the creator's return against it (`uaccess.tid_word` judges
the stored words against that return).  A clone that names no word binds nothing here:
the first id the program is told (the child's gettid/getpid or the creator's return)
binds it, and the other is judged against it.  A child in a new pid namespace (or of a
process in one) is not judged: its ids there differ from the one its creator is told.
"""

from __future__ import annotations

from abi import Status
from abi.layout import CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, NR_CLONE, NR_CLONE3
from guardian import checks
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.result_ranges import PID_MAX_LIMIT, IdRanges
from guardian.slots import Slot, Space
from guardian.tid_words import TidWords


def _refused(why: str) -> None:
    refuse("fork.child_id_bound", Status.ERR_DENIED,
           f"{why}: Linux fixes a child's id when it creates the child, before either runs")


def _writable(space: Space, va: int) -> bool:
    """Is the word at va in an area the program holds read-write (no narrower protection
    of its own there)?"""
    return any(s <= va < e for s, e in space.areas) \
        and not any(s <= va < e for s, e, _, _ in space.protections)


def bind_at_first_run(registry: Registry, tid_words: TidWords, ids: IdRanges,
                      child: Slot) -> None:
    """At clone child `child`'s first run: the id its creator's clone decided (the TID
    words it stored) becomes the child's own; refused where those words are missing or
    disagree, or the child was already told another id."""
    creator = registry.slots.get(child.creator)
    if creator is None or creator.nr not in (NR_CLONE, NR_CLONE3) \
            or not checks.enabled("fork.child_id_bound"):
        return                       # (the clone returned: its result bound the id)
    flags, ptid, ctid = tid_words.clone_request(creator)
    named = [va for flag, va in ((CLONE_PARENT_SETTID, ptid), (CLONE_CHILD_SETTID, ctid))
             if flags & flag and va]
    stored = dict(creator.tid_stores)
    parent_space = registry.space_of(creator.domain, creator.root)
    child_space = registry.space_of(creator.domain, creator.child_root or creator.root)
    for va in named:
        # (Linux ignores a failed put_user: a word outside the program's writable memory
        # may stay unstored.)
        where = parent_space if va == ptid and flags & CLONE_PARENT_SETTID else child_space
        if va not in stored and where is not None and _writable(where, va):
            _refused(f"the clone's child runs before the clone stored its id in the TID "
                     f"word at {va:#x} its flags name")
    values = {stored[va] for va in named if va in stored}
    if len(values) > 1:
        _refused(f"the clone stored different ids {sorted(values)} in the TID words its "
                 "flags name")
    if not values or ids.new_namespace(creator):
        return
    value = values.pop()
    if not 1 <= value <= PID_MAX_LIMIT:
        _refused(f"the clone stored id {value} in its TID words, outside 1..{PID_MAX_LIMIT}")
    space = child_space
    if space is None:
        return
    known = space.tids.get(child.thread)
    if known is not None and known != value:
        _refused(f"the child was told thread id {known}, yet its clone stored {value}")
    space.tids[child.thread] = value
    if creator.child_root:                       # a fork child leads its process
        space.pids[0] = value
    elif creator.child_thread:                   # a CLONE_VM child that is a process
        space.pids[child.thread] = value
