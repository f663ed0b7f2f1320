"""What Linux's execve leaves of the exec'ing process, carried into the new image.

A confidential program's exec makes a new domain; the Guardian's facts about the old
image are keyed by its address space and threads, so without this they would all start
"unknown, not judged" in the new one.  Linux states exactly what exec keeps and what it
resets (fs/exec.c `begin_new_exec`), so the Guardian holds the new image to that:

* signal dispositions: `flush_signal_handlers(me, 0)` sets every action to SIG_DFL but an
  ignored one, which stays SIG_IGN, and clears sa_flags, sa_restorer and sa_mask of each
  (kernel/signal.c).  A signal the old image never set is left unknown (it may have been
  ignored by whatever started that image).
* the persona: kept (`personality()` keeps current->personality), but for READ_IMPLIES_EXEC,
  which arm64's SET_PERSONALITY clears at every native exec; PER_CLEAR_ON_SETID bits go
  too for an image that raises privilege (bprm->per_clear): where AT_SECURE says so, the
  persona is not carried (a set-id image owned by the caller itself, or a root process
  regaining capabilities, clears them with AT_SECURE 0: not told apart here);
* the task's name: `__set_task_comm(me, kbasename(bprm->filename))`, the last path
  component of the path execve was given, cut to TASK_COMM_LEN - 1 bytes;
* the mm's MDWE bits and MMF_DISABLE_THP: bprm_mm_init() -> mm_init() makes the new mm's
  flags mmf_init_flags() of the old (both MDWE bits cleared where PR_MDWE_NO_INHERIT
  was set); SECURE_KEEP_CAPS: cleared (cap_bprm_creds_from_file());
* POSIX timers: deleted (`exit_itimers`); timer_ids.py starts the new image with none.
* the exec'ing thread's parent-death signal, bounding set, no_new_privs, store-bypass
  control and subreaper bit: guardian/exec_task_kept.py (`create.exec_task_state`).

Only what the Guardian knows is carried: the dispositions of the exec'ing process's own
table (`Space.handlers_of` its thread group: a vfork child's is a copy of its parent's,
copy_sighand; exec's unshare_sighand copies a table shared by CLONE_SIGHAND), less any
signal an rt_sigaction of a thread using that table is still setting (de_thread may end
that thread after its change took effect, before its return told the Guardian); the
persona only where the thread's personality() calls told it; the name only where the
path execve was given was read while nothing else could have stored there since the
call's entry (getname() copied it then: `quiet`) and no descriptor of the process may
write a /proc/.../comm (comm_write(), self_reports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from abi.layout import NR_RT_SIGACTION, READ_IMPLIES_EXEC
from abi.value_ranges import (
    COMM,
    KEEPCAPS,
    MDWE,
    PERSONA,
    PERSONA_CLEARABLE,
    PR_MDWE_NO_INHERIT,
    THP_DISABLE,
)
from guardian import checks, exec_caps, exec_no_new_privs, exec_task_kept
from guardian.confidential_registry import Registry
from guardian.prctl_state import mm_flags_settled
from guardian.quiet_ranges import quiet
from guardian.slots import Slot, Space
from guardian.stated_facts import COMM_WRITTEN, TASK_COMM_LEN, StatedFacts
from guardian.userns_depth import DEPTH, DEPTH_AT

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
    #: a descriptor that may write the task's name (/proc/self/comm) may go on into the
    #: new image: its name stays unknown there
    comm_written: bool = False
    #: the new mm's MDWE bits and MMF_DISABLE_THP (mmf_init_flags())
    mdwe: int | None = None
    thp_disable: int | None = None
    #: a seccomp filter may answer the old image's calls (kept across exec: the new
    #: image's `filtered` then stays unknown)
    filtered: bool = True
    #: the exec'ing thread's own state an exec keeps (guardian/exec_task_kept.py)
    task: dict[str, object] = field(default_factory=dict)
    #: the exec'ing thread's capability facts an exec keeps (guardian/exec_caps.py)
    caps: dict[str, object] = field(default_factory=dict)
    #: the exec'ing thread is known to run under no_new_privs (guardian/exec_no_new_privs.py)
    no_new_privs: bool = False
    #: the exec'ing thread's user-namespace moves (guardian/userns_depth.py: the cred's
    #: namespace survives execve(), prepare_exec_creds())
    depth: dict[str, object] = field(default_factory=dict)


def after_exec(handlers: dict[int, tuple[int, int, int, int]]) -> dict[int, tuple[int, int, int, int]]:
    """The recorded actions as flush_signal_handlers(me, 0) leaves them."""
    return {signo: _IGNORED if act[0] == SIG_IGN else _DEFAULT
            for signo, act in handlers.items()}


def task_name(path: bytes) -> bytes:
    """kbasename(path), as __set_task_comm stores it (at most 15 bytes)."""
    return path.rsplit(b"/", 1)[-1][:TASK_COMM_LEN - 1]


def _setting(reg: Registry, slot: Slot, table: dict[int, tuple[int, int, int, int]]
             ) -> set[int]:
    """The signals an rt_sigaction in progress of another thread using `table` names."""
    space = reg.space_of(slot.domain, slot.root)
    return {o.args[0] & 0xFFFF_FFFF for o in reg.slots.values()
            if o is not slot and o.root == slot.root and o.nr == NR_RT_SIGACTION and o.args[1]
            and space is not None
            and space.handlers_of(reg.group_of(o.root, o.thread)) is table}


def _name_quiet(reg: Registry, slot: Slot, path: bytes) -> bool:
    """Is `path` what execve's getname() copied at the entry (nothing stored there since)?"""
    dom = reg.domains.get(slot.domain)
    return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                     [(slot.root, slot.args[0], slot.args[0] + len(path) + 1)])


def collect(reg: Registry, stated: StatedFacts, slot: Slot, path: bytes | None,
            filtered: bool = True) -> Kept:
    """What the execve in `slot` keeps of its process, read while the old image's
    records still exist; `path` is the path it was given (None: not read); `filtered`:
    a seccomp filter may answer its calls."""
    kept = Kept(filtered=filtered)
    space = reg.space_of(slot.domain, slot.root)
    if space is not None and checks.enabled("create.exec_dispositions"):
        table = space.handlers_of(reg.group_of(slot.root, slot.thread))
        kept.handlers = after_exec(table)
        for signo in _setting(reg, slot, table):
            kept.handlers.pop(signo, None)
    # (another thread's prctl or set*id call overlapping the exec: bprm_mm_init() may
    # have copied the flags before or after it)
    old = stated.threads.get((slot.root, -1), {}) if mm_flags_settled(reg, slot) else {}
    bits, thp = old.get(MDWE), old.get(THP_DISABLE)
    if isinstance(bits, int):
        kept.mdwe = 0 if bits & PR_MDWE_NO_INHERIT else bits
    kept.thp_disable = thp if isinstance(thp, int) else None
    kept.task = exec_task_kept.collect(reg, stated, slot)
    kept.caps = exec_caps.collect(stated.threads.get((slot.root, slot.thread), {}))
    kept.no_new_privs = exec_no_new_privs.known(stated.threads.get((slot.root, slot.thread), {}))
    kept.depth = {f: v for f, v in stated.threads.get((slot.root, slot.thread), {}).items()
                  if f in (DEPTH, DEPTH_AT)}
    if checks.enabled("create.exec_task"):
        persona = stated.threads.get((slot.root, slot.thread), {}).get(PERSONA)
        kept.persona = persona & ~READ_IMPLIES_EXEC if isinstance(persona, int) else None
        kept.comm_written = bool(stated.threads.get((slot.root, -1), {}).get(COMM_WRITTEN))
        kept.name = task_name(path) if path and not kept.comm_written and \
            _name_quiet(reg, slot, path) else None
    return kept


def apply(kept: Kept, space: Space, stated: StatedFacts, root: int, thread: int,
          secure: bool = False) -> None:
    """The new image's first thread starts with what its exec kept.  `secure`: the image's
    AT_SECURE says the exec raised privilege (a set-id image, file capabilities), whose
    bprm->per_clear takes PER_CLEAR_ON_SETID bits off the persona: it is not carried."""
    space.handlers.update(kept.handlers)
    facts = stated.threads.setdefault((root, thread), {})
    facts[KEEPCAPS] = 0                 # (cap_bprm_creds_from_file())
    ids = space.creds.get(thread, {})
    exec_task_kept.apply(kept.task, facts, secure, ids.get("ruid"))
    exec_caps.apply(kept.caps, facts, secure, ids.get("ruid"), ids.get("euid"))
    facts.update(kept.depth)            # (the cred's user_ns kept: prepare_exec_creds())
    mm = stated.threads.setdefault((root, -1), {})
    for fact, value in ((MDWE, kept.mdwe), (THP_DISABLE, kept.thp_disable)):
        if value is None:
            mm.pop(fact, None)
        else:
            mm[fact] = value
    if kept.persona is not None and not secure:
        facts[PERSONA] = kept.persona
        facts[PERSONA_CLEARABLE] = True  # per_clear may have taken its set-id bits
    if kept.name is not None:
        facts[COMM] = kept.name
    if kept.comm_written:
        stated.threads.setdefault((root, -1), {})[COMM_WRITTEN] = True
