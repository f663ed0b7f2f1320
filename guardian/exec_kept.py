"""What Linux's execve leaves of the exec'ing process, carried into the new image.

A confidential program's exec makes a new domain; the Guardian's facts about the old
image are keyed by its address space and threads, so without this they would all start
"unknown, not judged" in the new one.  Linux states exactly what exec keeps and what it
resets (fs/exec.c `begin_new_exec`), so the Guardian holds the new image to that:

* signal dispositions: `flush_signal_handlers(me, 0)` sets every action to SIG_DFL but an
  ignored one, which stays SIG_IGN, and clears sa_flags, sa_restorer and sa_mask of each
  (kernel/signal.c).  A signal the old image never set is left unknown (it may have been
  ignored by whatever started that image).
* the persona: kept (`SET_PERSONALITY` / `personality()` keeps current->personality; only
  PER_CLEAR_ON_SETID bits go, and only for a set-id image, which the model does not have);
* the task's name: `__set_task_comm(me, kbasename(bprm->filename))`, the last path
  component of the path execve was given, cut to TASK_COMM_LEN - 1 bytes;
* POSIX timers: deleted (`exit_itimers`); timer_ids.py starts the new image with none.

Only what the Guardian knows is carried: dispositions only where the exec'ing process is
the only one using the address space's record (another process sharing the space without
sharing its signal handlers could have set them), the persona only where the thread's
personality() calls told it, the name only where the path execve was given was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from abi.value_ranges import COMM, PERSONA
from guardian import checks
from guardian.confidential_registry import Registry
from guardian.slots import Slot, Space
from guardian.stated_facts import TASK_COMM_LEN, StatedFacts

SIG_IGN = 1
#: The action flush_signal_handlers leaves: (handler, flags, restorer, mask).
_DEFAULT = (0, 0, 0, 0)
_IGNORED = (SIG_IGN, 0, 0, 0)


@dataclass
class Kept:
    """What one execve carries into its new image (None / empty: not known)."""

    handlers: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    persona: int | None = None
    name: bytes | None = None


def after_exec(handlers: dict[int, tuple[int, int, int, int]]) -> dict[int, tuple[int, int, int, int]]:
    """The recorded actions as flush_signal_handlers(me, 0) leaves them."""
    return {signo: _IGNORED if act[0] == SIG_IGN else _DEFAULT
            for signo, act in handlers.items()}


def task_name(path: bytes) -> bytes:
    """kbasename(path), as __set_task_comm stores it (at most 15 bytes)."""
    return path.rsplit(b"/", 1)[-1][:TASK_COMM_LEN - 1]


def _sole_process(reg: Registry, root: int, thread: int) -> bool:
    """Is the exec'ing thread's process the only one using the address space (a vfork
    parent waiting for this very thread aside: Linux holds it until the exec)?"""
    group = reg.group_of(root, thread)
    groups = {g for (r, _), g in reg.thread_groups.items() if r == root} | {0}
    waiting = {reg.group_of(r, parent) for (r, parent), child in reg.vfork_waiting.items()
               if r == root and child == thread}
    return not groups - {group} - waiting


def collect(reg: Registry, stated: StatedFacts, slot: Slot, path: bytes | None) -> Kept:
    """What the execve in `slot` keeps of its process, read while the old image's
    records still exist; `path` is the path it was given (None: not read)."""
    kept = Kept()
    space = reg.space_of(slot.domain, slot.root)
    if space is not None and _sole_process(reg, slot.root, slot.thread) and \
            checks.enabled("create.exec_dispositions"):
        kept.handlers = after_exec(space.handlers)
    if checks.enabled("create.exec_task"):
        persona = stated.threads.get((slot.root, slot.thread), {}).get(PERSONA)
        kept.persona = persona if isinstance(persona, int) else None
        kept.name = task_name(path) if path else None
    return kept


def apply(kept: Kept, space: Space, stated: StatedFacts, root: int, thread: int) -> None:
    """The new image's first thread starts with what its exec kept."""
    space.handlers.update(kept.handlers)
    facts = stated.threads.setdefault((root, thread), {})
    if kept.persona is not None:
        facts[PERSONA] = kept.persona
    if kept.name is not None:
        facts[COMM] = kept.name
