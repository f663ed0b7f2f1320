"""`return.self_report`: what /proc/self says of the caller agrees with what the Guardian knows.

Linux makes each /proc/self file from the calling process's own state at the time of the
read; much of that state the Guardian already holds, checked or set by the program's own
calls.  So a read of such a file from its start (the first read of a descriptor the
program opened by that name, or a positioned read at offset 0) is held to it:

* status: its Tgid and Pid lines name the pid the process was told (getpid) (a task
  directory's Pid is that task's id: not judged there); its SigIgn and SigCgt
  (task_sig() -> collect_sigign_sigcatch(): a bit per action that is SIG_IGN, a bit per
  one that is neither SIG_IGN nor SIG_DFL) agree with each action the program's own
  rt_sigaction set (or exec left) in the table the reading process uses -- but for a
  SA_RESETHAND handler (a delivery may have reset it) or a signal an rt_sigaction in
  progress names; its SigBlk (p->blocked) agrees with the known bits of the mask of the
  thread whose file it is, where that thread is the reader itself and runs no handler
  (a handler's entry blocks more than the mask the Guardian follows);
* cmdline and environ: the bytes of the argument and environment areas exec placed,
  as the program's memory holds them now (Linux copies mm->arg_start..arg_end and
  mm->env_start..env_end from it);
* comm: the name PR_SET_NAME last gave the process's first thread (or, after an exec, the one
  the exec gave it: guardian/exec_kept.py; a new thread's or child's starts as its
  creator's: dup_task_struct() copies comm), and a newline -- until a descriptor that may
  write a /proc/.../comm is opened in the address space: comm_write() (fs/proc/base.c)
  renames any thread of the writer's process, at any time, so no name is followed there
  any more (`COMM_WRITTEN`: a writable open of a /proc or /dev/fd name, of a name the
  Guardian could not resolve, or of one read while another thread may have changed it);
* stat: its comm field (the second, in parentheses after the task's id) is the same name
  (do_task_stat() prints proc_task_name());
* task/<tid>/comm and task/<tid>/stat (also as /proc/thread-self/..., the opening thread's
  own directory) are those of the task <tid> names, not its leader's: that thread's name,
  where the Guardian knows exactly one thread of the process told that id; a name
  is not judged while its thread is in a prctl (PR_SET_NAME may be renaming it);
* limits: its "Max open files" soft limit is the soft RLIMIT_NOFILE the program knows;
* maps: read whole (a short count), it lists a line over each area the Guardian holds;
* fdinfo/N: its pos line is the file offset of a memfd only the program holds;
* task (getdents64): with room left for another record, it lists the caller's thread;
* readlink of fd/N for a pipe: "pipe:[inode]", the inode fstat first reported for it;
* status's VmSize and statm's size (both mm->total_vm: task_mem(), task_statm()) agree
  when no area the Guardian holds changed between the two reads;
* /proc/cpuinfo (system-wide, but made from the same capability bits Linux put in the
  program's AT_HWCAP and AT_HWCAP2): each Features line names exactly those capabilities;
* status's Uid, Gid and Groups lines, of the reading thread's own file, are the ids it
  is known to hold (guardian/status_ids.py).

A fact the Guardian does not know (never told, not followed) leaves its part unjudged.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import O_ACCMODE, O_RDONLY
from abi.hwcaps import feature_names
from abi.layout import ERRNO_FLOOR, SA_RESETHAND
from abi.syscalls import NUMBERS
from abi.value_ranges import COMM, INODE, NO_NEW_PRIVS
from guardian import launch_facts
from guardian.checks import refuse
from guardian.confidential_selfsignal import UNBLOCKABLE
from guardian.credentials import USERNS
from guardian.exec_args import cstring
from guardian.fd_names import read_name
from guardian.pipe_bytes import buffers
from guardian.proc_links import lexical
from guardian.proc_numbers import name_to_int
from guardian.quiet_ranges import quiet
from guardian.sole_files import CALLS as SOLE_CALLS
from guardian.stated_facts import COMM_WRITTEN
from guardian.status_ids import ids_problem, modes_problem, settled, task_creds

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.confidential_selfsignal import SelfSignals
    from guardian.open_files import Description, OpenFile
    from guardian.slots import Slot, Space
    from guardian.user_memory import UserMemory

_NR = NUMBERS
_READ, _PREAD, _GETDENTS = _NR["read"], _NR["pread64"], _NR["getdents64"]
_PRCTL, _SIGACTION = _NR["prctl"], _NR["rt_sigaction"]
_SIG_DFL, _SIG_IGN = 0, 1
_OPENAT, _OPENAT2, _READLINKAT = _NR["openat"], _NR["openat2"], _NR["readlinkat"]
#: Every call this module acts on.
CALLS = frozenset({_READ, _PREAD, _GETDENTS, _OPENAT, _OPENAT2, _READLINKAT})
_SELF = re.compile(r"^/proc/(self|[0-9]+)/(.+)\Z", re.DOTALL)
#: /proc entries that are text about a process, not another way to one of its open files
#: (as fd/N, map_files/ and cwd/ are).
_REPORT = re.compile(r"^/proc/(self|thread-self|[0-9]+)/(task/[0-9]+/)?"
                     r"(status|stat|statm|cmdline|environ|comm|limits|maps|smaps|task|"
                     r"fdinfo/[0-9]+)\Z")
#: A task directory's comm or stat: /proc/thread-self/... or /proc/<pid>/task/<tid>/...
_TASK = re.compile(r"^/proc/(?:(self|[0-9]+)/task/([0-9]+)|thread-self)/(comm|stat|status)\Z")
_SIG_LINE = re.compile(rb"^(SigIgn|SigCgt|SigBlk):\t([0-9a-f]{16})$")
_STAT_HEAD = re.compile(rb"^(\d+) \(")
_LINE_ID = re.compile(rb"^(Tgid|Pid):\t(\d+)$")
_NOFILE = re.compile(rb"^Max open files +(\S+) +(\S+)")
_MAPS_LINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) ")
_POS = re.compile(rb"^pos:\t(\d+)$")
_VMSIZE = re.compile(rb"^VmSize:\s+(\d+) kB$")
_STATM = re.compile(rb"^(\d+) ")
_FEATURES = re.compile(rb"^Features\s*:(.*)$")
CPUINFO = "/proc/cpuinfo"
_FD = re.compile(r"^fd/([0-9]+)\Z")
_FDINFO = re.compile(r"^fdinfo/([0-9]+)\Z")
#: Names through which a writable open may reach a /proc/.../comm (/proc/self/root/...,
#: /proc/self/fd/N, /dev/fd/N and /dev/std* lead back into /proc).
_MAY_REACH_COMM = ("/proc/", "/dev/fd/", "/dev/stdin", "/dev/stdout", "/dev/stderr")
DIRENT_MAX = 32             # a task's record: 19-byte head, up to 10 digits and a NUL, aligned


def is_report(path: str) -> bool:
    """Does `path` name a /proc text entry about a process (one that reaches none of its
    open files)?"""
    return _REPORT.match(path) is not None


def arg_env_areas(read: object, sp: int) -> tuple[int, int, int, int] | None:
    """(arg_start, arg_end, env_start, env_end) of an initial stack: from argv[0]'s first
    byte to the last argument's NUL, and the same of envp (None: not readable)."""
    def word(va: int) -> int | None:
        raw = read(va, 8)                                       # type: ignore[operator]
        return None if raw is None else struct.unpack("<Q", raw)[0]

    argc = word(sp)
    if argc is None or argc > 4096:
        return None
    argv = [word(sp + 8 + 8 * i) for i in range(argc)]
    envp: list[int | None] = []
    va = sp + 8 + 8 * (argc + 1)
    while len(envp) < 4096:
        p = word(va)
        if not p:
            break
        envp.append(p)
        va += 8
    return (*_span(read, argv), *_span(read, envp)) if None not in argv + envp else None


def _span(read: object, ptrs: list[int | None]) -> tuple[int, int]:
    if not ptrs:
        return 0, 0
    last = cstring(read, ptrs[-1]) or b""                      # type: ignore[arg-type]
    return ptrs[0] or 0, (ptrs[-1] or 0) + len(last) + 1


class SelfReports:
    """The /proc/self descriptors the program opened and whether each is still at its
    start (a later read is not judged: its position is the kernel's to follow)."""

    def __init__(self, memory: UserMemory, files: Descriptors, registry: Registry,
                 caps: Callable[[Slot], tuple[int, int]],
                 signals: SelfSignals | None = None) -> None:
        self.memory = memory
        #: each thread's blocked mask as the Guardian follows it (None: not judged)
        self.signals = signals
        self.files = files
        self.registry = registry
        #: slot -> (AT_HWCAP, AT_HWCAP2) as its image was told them
        self.caps = caps
        #: open file -> the /proc/self entry it names, while no read has moved it
        self.at_start: dict[Description, str] = {}
        #: open file of a task directory's entry -> the thread whose directory it is
        #: (resolved at the open: /proc/thread-self is the opening thread's)
        self.task_of: dict[Description, int] = {}
        #: an entry's opener: (root, thread group, user namespace moves of its cred); a
        #: /proc/self name is resolved at the open (proc_self_get_link()): a fork child's
        #: inherited descriptor reads its parent's file; task_state() prints ids as the
        #: opener's namespace maps them (seq_user_ns())
        self.opened_by: dict[Description, tuple[int, int, object]] = {}
        #: address space -> the first thread a call of it returned to (its first process's
        #: leader: a thread it makes calls only after the leader's clone)
        self.first_thread: dict[int, int] = {}
        #: (domain, root) -> (total_vm in kB that status or statm last said, the areas and
        #: break the Guardian held then)
        self.total_vm: dict[tuple[int, int], tuple[int, object]] = {}

    def note(self, slot: Slot) -> None:
        """A call of `slot`'s thread returns (every call: who came first)."""
        self.first_thread.setdefault(slot.root, slot.thread)

    def leader(self, slot: Slot) -> int | None:
        """The first thread of the caller's process (/proc/self is the thread group's
        leader's): its group's, a fork child's first, or the space's first."""
        group = self.registry.group_of(slot.root, slot.thread)
        if group:
            return group
        return self.registry.process_of_root.get(slot.root, self.first_thread.get(slot.root))

    # --- what the Guardian knows ------------------------------------------------------
    def _space(self, slot: Slot) -> Space | None:
        return self.registry.space_of(slot.domain, slot.root)

    def _pid(self, slot: Slot) -> int | None:
        space = self._space(slot)
        group = self.registry.group_of(slot.root, slot.thread)
        return None if space is None else space.pids.get(group)

    def _entry(self, slot: Slot, path: str | None) -> str | None:
        """The entry of /proc/self (or /proc/<the pid it was told>) `path` names."""
        if path == CPUINFO:
            return "cpuinfo"
        m = _SELF.match(path or "")
        if m is None:
            return None
        if m.group(1) != "self" and name_to_int(m.group(1)) != self._pid(slot):
            return None
        return m.group(2)

    def _task(self, slot: Slot, path: str | None) -> tuple[str, int] | None:
        """(entry, thread) of a task directory's comm or stat `path` names (None: not
        such a path, or a thread id the Guardian cannot tie to exactly one thread)."""
        m = _TASK.match(path or "")
        if m is None:
            return None
        if m.group(2) is None:
            return m.group(3), slot.thread          # /proc/thread-self: the opener's own
        if m.group(1) != "self" and name_to_int(m.group(1)) != self._pid(slot):
            return None
        tid, space = name_to_int(m.group(2)), self._space(slot)
        if tid is None:
            return None                             # (proc_task_lookup(): no task)
        group = self.registry.group_of(slot.root, slot.thread)
        told = [t for t, v in space.tids.items() if v == tid and
                self.registry.group_of(slot.root, t) == group] if space is not None else []
        if tid == self._pid(slot):
            told.append(self.leader(slot))          # a process's first thread's id is its pid
        threads = set(told)
        return (m.group(3), threads.pop()) if len(threads) == 1 else None

    def _read(self, slot: Slot, va: int, n: int) -> bytes | None:
        return self.memory.read(va, n, slot.root) if n else b""

    # --- the rule ---------------------------------------------------------------------
    def check(self, slot: Slot, ret: int) -> None:
        if ret >= ERRNO_FLOOR or slot.nr in (_OPENAT, _OPENAT2):
            return
        if slot.nr == _READLINKAT:
            self._check_link(slot, ret)
            return
        if not self.at_start and not (slot.nr == _PREAD and slot.args[3] == 0):
            return                      # (no /proc/self entry open at its start: most reads)
        desc = self.files.description_of(slot, slot.args[0])
        entry = self.at_start.get(desc) if desc is not None else None
        if slot.nr == _PREAD and slot.args[3] == 0 and desc is not None:
            path = self.files.path_of(slot, slot.args[0])
            entry = self._entry(slot, path)
            if _TASK.match(path or ""):             # the task its open resolved, if any
                task = self._task(slot, path) if desc in self.task_of else None
                entry = task[0] if task else None
        thread = self.task_of.get(desc) if desc is not None else None
        if entry is None or entry != "cpuinfo" and not self._opened_here(slot, desc):
            return
        if slot.nr == _GETDENTS:
            if entry == "task":
                self._check_tasks(slot, ret)
            return
        got = buffers(self.memory, slot, ret)
        if got is None:
            return
        why = self._judge(slot, entry, got, slot.args[2], thread, desc)
        if why:
            refuse("return.self_report", Status.ERR_DENIED,
                   f"a read of /proc/self/{entry} answers {why}: Linux makes that file from "
                   "the calling process's own state")

    def record(self, slot: Slot, ret: int) -> None:
        """An open of a /proc/self entry starts at its beginning; any read moves it."""
        if ret >= ERRNO_FLOOR:
            return
        if slot.nr in (_OPENAT, _OPENAT2):
            f = self.files.table(slot.root, slot.thread).fds.get(ret & 0xFFFF_FFFF)
            entry = self._entry(slot, f.path) if f is not None else None
            task = self._task(slot, f.path) if f is not None else None
            if f is not None and self._may_write_comm(slot, f):
                self._forget_names(slot)
            if f is not None and _TASK.match(f.path or ""):
                entry = task[0] if task else None
            if entry is not None:
                live = self.files.live_descriptions()
                self.at_start = {d: e for d, e in self.at_start.items() if id(d) in live}
                self.task_of = {d: t for d, t in self.task_of.items() if id(d) in live}
                self.opened_by = {d: o for d, o in self.opened_by.items() if id(d) in live}
                self.at_start[f.description] = entry
                self.opened_by[f.description] = self._opener(slot)
                if task:
                    self.task_of[f.description] = task[1]
        elif slot.nr in (_READ, _GETDENTS) and self.at_start:
            desc = self.files.description_of(slot, slot.args[0])
            if desc is not None:
                self.at_start.pop(desc, None)

    def _may_write_comm(self, slot: Slot, f: OpenFile) -> bool:
        """May the open file this open made write a task's name (comm_write())?"""
        if f.path_only or f.access is not None and f.access & O_ACCMODE == O_RDONLY:
            return False
        if f.path is None or f.path.startswith(_MAY_REACH_COMM):
            return True
        name = read_name(self.memory, slot, slot.args[1])
        reg = self.registry
        dom = reg.domains.get(slot.domain)
        # The name as the kernel took it at the entry (another thread may change it since).
        return name is None or dom is None or not quiet(
            slot, dom, reg.slots.values(), reg.user_runs,
            [(slot.root, slot.args[1], slot.args[1] + len(name.encode()) + 1)])

    def _forget_names(self, slot: Slot) -> None:
        """Any thread's name in the caller's address space may change from now on."""
        stated = self.files.stated
        stated.of_space(slot)[COMM_WRITTEN] = True
        for key, facts in stated.threads.items():
            if key[0] == slot.root:
                facts.pop(COMM, None)

    # --- the files --------------------------------------------------------------------
    def _judge(self, slot: Slot, entry: str, got: bytes, count: int,
               thread: int | None = None, desc: Description | None = None) -> str:
        if entry == "comm":
            return self._comm(slot, got, count, thread)
        if entry == "stat":
            return self._stat_comm(slot, got, thread)
        if entry == "status":
            return self._status(slot, got, thread) or self._sig_sets(slot, got, thread) or \
                self._vm_size(slot, got, "status's VmSize") or \
                self._ids(slot, got, thread, desc)
        if entry == "statm":
            return self._vm_size(slot, got, "statm's size")
        if entry in ("cmdline", "environ"):
            return self._strings(slot, entry, got)
        if entry == "limits":
            return self._limits(slot, got)
        if entry == "maps":
            return self._maps(slot, got, count)
        if entry == "cpuinfo":
            return self._cpuinfo(slot, got)
        m = _FDINFO.match(entry)
        fd = name_to_int(m.group(1)) if m else None     # (proc_lookupfdinfo())
        return self._fdinfo(slot, fd, got) if fd is not None else ""

    def _status(self, slot: Slot, got: bytes, thread: int | None = None) -> str:
        pid = self._pid(slot)
        for line in got.split(b"\n")[:-1]:
            m = _LINE_ID.match(line)
            if thread is not None and m and m.group(1) == b"Pid":
                continue                    # a task directory's Pid is its task's id
            if pid is not None and m and int(m.group(2)) != pid:
                return f"{m.group(1).decode()} {int(m.group(2))}, not the pid {pid} getpid gave"
        return ""

    def _opener(self, slot: Slot) -> tuple[int, int, object]:
        space = self._space(slot)
        creds = space.creds.get(slot.thread, {}) if space is not None else {}
        return slot.root, self.registry.group_of(slot.root, slot.thread), \
            creds.get(USERNS, 0)

    def _opened_here(self, slot: Slot, desc: Description | None) -> bool:
        """Did the reading thread's process open the file (not a fork parent, whose
        /proc/self the open resolved to)?"""
        opener = self.opened_by.get(desc) if desc is not None else None
        return opener is not None and opener[:2] == (
            slot.root, self.registry.group_of(slot.root, slot.thread))

    def _ids(self, slot: Slot, got: bytes, thread: int | None,
             desc: Description | None) -> str:
        """Uid, Gid, Groups, NoNewPrivs and Seccomp of the thread the file names, where the
        reading thread's process opened it in the user namespace it is in now (a fork
        parent's file, or one opened before unshare(CLONE_NEWUSER) or setns(), maps ids as
        its opener's; a process's threads share one namespace: both calls refuse a
        multithreaded caller)."""
        space = self._space(slot)
        target = thread if thread is not None else self.leader(slot)
        if space is None or target is None:
            return ""
        if desc is None or self.opened_by.get(desc) != self._opener(slot) \
                or not settled(self.registry, slot, target):
            return ""
        facts = self.files.stated.threads.get((slot.root, target), {})
        raised = self.signals.raised if self.signals is not None else None
        filtered = raised is not None and (slot.root, target) in raised.own_filter
        if facts.get(NO_NEW_PRIVS) == 0 and raised is not None:
            launch_facts.check_status_read(self.registry, raised, slot, target, got)
        return ids_problem(task_creds(self.registry, space, slot, target), got) or \
            modes_problem(facts.get(NO_NEW_PRIVS) == 1, filtered, got)

    def _sig_sets(self, slot: Slot, got: bytes, thread: int | None) -> str:
        """SigIgn, SigCgt and SigBlk, on the bits the Guardian knows exactly."""
        space = self._space(slot)
        if space is None:
            return ""
        table = space.handlers_of(self.registry.group_of(slot.root, slot.thread))
        setting = {o.args[0] & 0xFFFF_FFFF for o in self.registry.slots.values()
                   if o.root == slot.root and o.nr == _SIGACTION and o.args[1]}
        ign = care = 0
        for signo, (handler, flags, _, _) in table.items():
            if not 1 <= signo <= 64 or signo in setting or \
                    flags & SA_RESETHAND and handler not in (_SIG_DFL, _SIG_IGN):
                continue
            care |= 1 << (signo - 1)
            ign |= (handler == _SIG_IGN) << (signo - 1)
        cgt = {signo for signo, (handler, _, _, _) in table.items()
               if handler not in (_SIG_DFL, _SIG_IGN)}
        want = {b"SigIgn": (ign, care),
                b"SigCgt": (sum(1 << (n - 1) for n in cgt if care >> (n - 1) & 1), care)}
        task = thread if thread is not None else self.leader(slot)
        if self.signals is not None and task == slot.thread:
            th = self.signals.thread_signals(slot.root, slot.thread)
            if not th.running:
                want[b"SigBlk"] = (th.blocked, th.known & ~UNBLOCKABLE)
        for line in got.split(b"\n")[:-1]:
            m = _SIG_LINE.match(line)
            if m is None or m.group(1) not in want:
                continue
            bits, known = want[m.group(1)]
            wrong = (int(m.group(2), 16) ^ bits) & known
            if wrong:
                signo = (wrong & -wrong).bit_length()
                return (f"a {m.group(1).decode()} line that disagrees on signal {signo} with "
                        "what the program's own rt_sigaction and rt_sigprocmask calls set")
        return ""

    def _vm_size(self, slot: Slot, got: bytes, what: str) -> str:
        """status's VmSize (kB) and statm's size (pages) both print mm->total_vm: the same
        while the areas the Guardian holds (and the break) stay as they were."""
        space = self._space(slot)
        if space is None:
            return ""
        status, kb = what.startswith("status"), None
        for line in got.split(b"\n")[:-1]:
            m = _VMSIZE.match(line) if status else _STATM.match(line + b" ")
            if m:
                kb = int(m.group(1)) * (1 if status else 4)
                break
        if kb is None:
            return ""
        held = (tuple(space.areas), space.brk_start, space.brk)
        key = (slot.domain, slot.root)
        before = self.total_vm.get(key)
        self.total_vm[key] = (kb, held)
        if before is not None and before[1] == held and before[0] != kb:
            return (f"{what} {kb} kB, not the {before[0]} kB of mm->total_vm read before, "
                    "with no area changed since")
        return ""

    def _strings(self, slot: Slot, entry: str, got: bytes) -> str:
        space = self._space(slot)
        areas = getattr(space, "arg_env", None)
        if areas is None:
            return ""
        start, end = areas[:2] if entry == "cmdline" else areas[2:]
        want = self._read(slot, start, end - start)
        if want is None or want[:len(got)] == got and len(got) <= len(want):
            return ""
        return (f"{len(got)} bytes that are not the {len(want)} bytes of the strings exec "
                "placed in the process's memory")

    def _name(self, slot: Slot, thread: int | None) -> bytes | None:
        """The name of `thread` (None: the process's first thread) the Guardian knows, and
        that no prctl of that thread in progress may be changing (None: unknown)."""
        task = thread if thread is not None else self.leader(slot)
        facts = self.files.stated.threads.get((slot.root, task)) if task else None
        name = facts.get(COMM) if facts else None
        if not isinstance(name, bytes) or any(
                o.root == slot.root and o.thread == task and o.nr == _PRCTL and o is not slot
                for o in self.registry.slots.values()):
            return None
        return name

    def _stat_comm(self, slot: Slot, got: bytes, thread: int | None) -> str:
        """stat's comm field: "<id> (" then the task's name and ") " (do_task_stat())."""
        name, m = self._name(slot, thread), _STAT_HEAD.match(got)
        if name is None or m is None:
            return ""
        want, field = name + b") ", got[m.end():m.end() + len(name) + 2]
        if field == want[:len(field)]:
            return ""
        return (f"a comm field that is not the task's name ({len(name)} bytes, as "
                "PR_SET_NAME, execve or its creator gave it) in parentheses")

    def _comm(self, slot: Slot, got: bytes, count: int, thread: int | None = None) -> str:
        name = self._name(slot, thread)
        if name is None:
            return ""
        want = name + b"\n"
        if got == want[:min(count, len(want))]:
            return ""
        return (f"{len(got)} bytes that are not the task's name ({len(name)} bytes, as "
                "PR_SET_NAME, execve or its creator gave it) and a newline")

    def _limits(self, slot: Slot, got: bytes) -> str:
        limit = self.files.table(slot.root, slot.thread).fd_limit
        for line in got.split(b"\n")[:-1]:
            m = _NOFILE.match(line)
            if limit is None or m is None:
                continue
            soft = (1 << 64) - 1 if m.group(1) == b"unlimited" else \
                int(m.group(1)) if m.group(1).isdigit() else None
            if soft != limit:
                return f"a soft open-file limit {m.group(1).decode()}, not {limit}"
        return ""

    def _maps(self, slot: Slot, got: bytes, count: int) -> str:
        space = self._space(slot)
        if space is None or len(got) >= count:
            return ""                       # not read whole: a later read lists the rest
        listed = [(int(m.group(1), 16), int(m.group(2), 16)) for m in
                  (_MAPS_LINE.match(line) for line in got.split(b"\n")) if m]
        for start, end in space.areas:
            if start < end and not any(a < end and start < b for a, b in listed):
                return f"no line over the area [{start:#x}, {end:#x}) the process holds"
        return ""

    def _cpuinfo(self, slot: Slot, got: bytes) -> str:
        want = feature_names(*self.caps(slot))
        if want is None:
            return ""                       # a capability this table cannot name
        for line in got.split(b"\n")[:-1]:     # whole lines only
            m = _FEATURES.match(line)
            if m and sorted(m.group(1).split()) != sorted(n.encode() for n in want):
                # Counts only: the line sits in the program's buffer.
                return (f"a Features line of {len(m.group(1).split())} names, not the "
                        f"{len(want)} capabilities of its AT_HWCAP and AT_HWCAP2")
        return ""

    def _fdinfo(self, slot: Slot, fd: int, got: bytes) -> str:
        held = self.files.sole.of(slot, fd)
        if held is None or self.files.sole.busy(slot, held[1], SOLE_CALLS):
            return ""                       # not followed, or moving while read
        offset = getattr(held[1], "offset", None)
        for line in got.split(b"\n")[:-1]:
            m = _POS.match(line)
            if offset is not None and m and int(m.group(1)) != offset:
                return f"pos {int(m.group(1))}, not the offset {offset} its calls left"
        return ""

    def _check_tasks(self, slot: Slot, ret: int) -> None:
        space = self._space(slot)
        tid = space.tids.get(slot.thread) if space is not None else None
        if tid is None and self.leader(slot) == slot.thread:
            tid = self._pid(slot)           # a process's first thread's id is its pid
        if tid is None or ret + DIRENT_MAX > slot.args[2]:
            return                          # not known, or the listing may go on
        raw = self._read(slot, slot.args[1], ret)
        names, at = set(), 0
        while raw is not None and at + 19 < len(raw):
            reclen = struct.unpack_from("<H", raw, at + 16)[0]
            if reclen < 20:
                return
            names.add(raw[at + 19:at + reclen].split(b"\0")[0])
            at += reclen
        if str(tid).encode() not in names:
            refuse("return.self_report", Status.ERR_DENIED,
                   f"getdents64 of /proc/self/task ends its listing without the calling "
                   f"thread {tid}: Linux lists every thread of the caller's process")

    def _check_link(self, slot: Slot, ret: int) -> None:
        raw = cstring(lambda va, n: self.memory.read(va, n, slot.root), slot.args[1])
        if raw is None:
            return
        name = raw.decode(errors="surrogateescape")
        # The link itself, not what it leads to (resolve() follows /proc/self/fd/N).
        # (a ".." after /proc/self/cwd, root, fd/N... leaves the link's target)
        path = lexical(name) if name.startswith("/") else None
        m = _FD.match(self._entry(slot, path) or "")
        fd = name_to_int(m.group(1)) if m is not None else None     # (proc_lookupfd())
        if fd is None:
            return
        desc = self.files.description_of(slot, fd)
        pipes = self.files.pipe_writers
        if desc is None or not (desc in pipes or desc in pipes.values()):
            return
        facts = self.files.stated.of_file(slot, fd) or {}
        inode = facts.get(INODE)
        if not isinstance(inode, tuple):
            return
        want = f"pipe:[{inode[2]}]".encode()
        got = self._read(slot, slot.args[2], ret)
        if got is not None and got != want[:min(slot.args[3], len(want))]:
            refuse("return.self_report", Status.ERR_DENIED,
                   f"readlink of /proc/self/fd/{fd} answers {got!r}, not {want!r}: a pipe's "
                   "link names the inode fstat reported for it")
