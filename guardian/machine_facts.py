"""`return.machine_fact`: what the system tells a program about the machine agrees with it.

Linux makes these answers from the machine it runs on and from one another; the Guardian
knows the machine's cores and RAM, and remembers what the same kernel already told the
program.  A read of one of these files from its start (the first read of a descriptor the
program opened by that name, or a positioned read at offset 0) is held to:

* /sys/devices/system/cpu/{online,possible,present}: a CPU list (``%*pbl``,
  drivers/base/cpu.c) naming only the machine's CPUs; possible and present name CPU 0
  (the boot CPU: arm64's smp_init_cpus() marks it possible and present);
* /sys/devices/system/cpu/kernel_max: NR_CPUS - 1 (print_cpus_kernel_max()), at least the
  machine's last CPU and at least 1 (arm64's NR_CPUS is 2..4096); online and present lie
  within possible, possible within kernel_max, whichever the program reads first;
* /proc/stat's cpuN lines and /proc/cpuinfo's "processor : N" entries: printed
  for_each_online_cpu() (show_stat(), arm64's c_show()), so N is one of the machine's CPUs;
* /proc/meminfo: MemFree <= MemTotal (free pages are pages of RAM), MemTotal at most the
  machine's RAM and, in bytes, the totalram * mem_unit of the sysinfo() the program last
  got (both si_meminfo()'s totalram_pages());
* /proc/sys/kernel/osrelease: the release uname() last gave and a newline (both
  utsname()->release);
* /proc/sys/kernel/ngroups_max: NGROUPS_MAX (65536), a read-only constant;
* /proc/sys/vm/overcommit_memory: 0, 1 or 2 (overcommit_policy_handler()'s extra1/extra2);
* /sys/kernel/mm/transparent_hugepage/enabled: exactly one bracketed choice
  (enabled_show());

and the calls: sysinfo()'s totalram * mem_unit is at most the machine's RAM and the
MemTotal the program last read; uname()'s release is the osrelease it last read;
clock_getres() of CLOCK_REALTIME, MONOTONIC, BOOTTIME and TAI gives one value
(posix_get_hrtimer_res(): the one hrtimer_resolution).

A fact the Guardian does not know (never told, not followed) leaves its part unjudged.
Reasons name counts and numbers the program was told, never its memory's other bytes.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR, NR_CPUS_MAX
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.pipe_bytes import buffers

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

_NR = NUMBERS
_READ, _PREAD = _NR["read"], _NR["pread64"]
_OPENAT, _OPENAT2 = _NR["openat"], _NR["openat2"]
_SYSINFO, _UNAME, _GETRES = _NR["sysinfo"], _NR["uname"], _NR["clock_getres"]
#: Every call this module acts on.
CALLS = frozenset({_READ, _PREAD, _OPENAT, _OPENAT2, _SYSINFO, _UNAME, _GETRES})
_CPU = "/sys/devices/system/cpu/"
FILES = {_CPU + "online": "online", _CPU + "possible": "possible",
         _CPU + "present": "present", _CPU + "kernel_max": "kernel_max",
         "/proc/stat": "stat", "/proc/cpuinfo": "cpuinfo", "/proc/meminfo": "meminfo",
         "/proc/sys/kernel/osrelease": "osrelease",
         "/proc/sys/kernel/ngroups_max": "ngroups_max",
         "/proc/sys/vm/overcommit_memory": "overcommit_memory",
         "/sys/kernel/mm/transparent_hugepage/enabled": "thp_enabled"}
NGROUPS_MAX = 65536
#: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI: hrtimer-based clocks.
HRTIMER_CLOCKS = frozenset({0, 1, 7, 11})
_RANGE = re.compile(rb"^(\d+)(?:-(\d+))?$")
_STAT_CPU = re.compile(rb"^cpu(\d+) ")
_PROCESSOR = re.compile(rb"^processor\s*:\s*(\d+)$")
_KB = re.compile(rb"^(MemTotal|MemFree):\s+(\d+) kB$")
_BRACKETED = re.compile(rb"\[[^\]]*\]")
# struct sysinfo (arm64): totalram at 32, mem_unit at 104; struct new_utsname: release at
# 130 (the third 65-byte field).
_SYSINFO_SIZE, _RELEASE_AT, _UTS_LEN = 112, 130, 65


def cpu_list(text: bytes) -> list[int] | None:
    """The CPUs a ``%*pbl`` list names ("0-3,5\\n"); None: not such a list."""
    body = text[:-1] if text.endswith(b"\n") else None
    if body is None:
        return None
    if not body:
        return []
    cpus: list[int] = []
    for part in body.split(b","):
        m = _RANGE.match(part)
        if m is None:
            return None
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo or hi - lo > 1 << 16:
            return None
        cpus.extend(range(lo, hi + 1))
    return cpus


class MachineFacts:
    """The machine's files the program opened (while no read has moved them) and what
    each address space was last told of the machine."""

    def __init__(self, memory: UserMemory, files: Descriptors, cpus: Callable[[], int],
                 ram: Callable[[], int | None]) -> None:
        self.memory = memory
        self.files = files
        self.cpus = cpus
        self.ram = ram
        #: open file -> the machine file it names, while no read has moved it
        self.at_start: dict[Description, str] = {}
        #: (domain, root) -> fact -> value: "ram" (bytes, sysinfo or MemTotal), "release"
        #: (uname's), "res" (an hrtimer clock's resolution, ns)
        self.told: dict[tuple[int, int], dict[str, object]] = {}

    def _told(self, slot: Slot) -> dict[str, object]:
        return self.told.setdefault((slot.domain, slot.root), {})

    # --- the rule ---------------------------------------------------------------------
    def check(self, slot: Slot, ret: int) -> None:
        if ret >= ERRNO_FLOOR or slot.nr in (_OPENAT, _OPENAT2):
            return
        why = ""
        if slot.nr == _SYSINFO:
            why = self._sysinfo(slot)
        elif slot.nr == _UNAME:
            why = self._uname(slot)
        elif slot.nr == _GETRES:
            why = self._getres(slot)
        else:
            why = self._read(slot, ret)
        if why:
            refuse("return.machine_fact", Status.ERR_DENIED,
                   f"{why}: Linux tells a program of the machine it runs on, the same "
                   "on every answer")

    def record(self, slot: Slot, ret: int) -> None:
        """An open of a machine file starts at its beginning; any read moves it."""
        if ret >= ERRNO_FLOOR:
            return
        if slot.nr in (_OPENAT, _OPENAT2):
            f = self.files.table(slot.root, slot.thread).fds.get(ret & 0xFFFF_FFFF)
            entry = FILES.get(f.path or "") if f is not None else None
            if entry is not None:
                live = self.files.live_descriptions()
                self.at_start = {d: e for d, e in self.at_start.items() if id(d) in live}
                self.at_start[f.description] = entry
        elif slot.nr == _READ and self.at_start:
            desc = self.files.description_of(slot, slot.args[0])
            if desc is not None:
                self.at_start.pop(desc, None)

    # --- the calls --------------------------------------------------------------------
    def _sysinfo(self, slot: Slot) -> str:
        raw = self.memory.read(slot.args[0], _SYSINFO_SIZE, slot.root)
        if raw is None:
            return ""
        total = struct.unpack_from("<Q", raw, 32)[0] * struct.unpack_from("<I", raw, 104)[0]
        return self._ram("sysinfo()'s totalram * mem_unit", total, slot)

    def _ram(self, what: str, total: int, slot: Slot) -> str:
        told = self._told(slot)
        ram = self.ram()
        if ram is not None and total > ram:
            return f"{what} is {total} bytes, more than the machine's {ram} bytes of RAM"
        before = told.get("ram")
        if isinstance(before, int) and before != total:
            return f"{what} is {total} bytes, not the {before} bytes of RAM it was told before"
        told["ram"] = total
        return ""

    def _uname(self, slot: Slot) -> str:
        raw = self.memory.read(slot.args[0] + _RELEASE_AT, _UTS_LEN, slot.root)
        if raw is None:
            return ""
        return self._release(slot, raw.split(b"\0")[0], "uname()'s release")

    def _release(self, slot: Slot, release: bytes, what: str) -> str:
        told = self._told(slot)
        before = told.get("release")
        if isinstance(before, bytes) and before != release:
            return (f"{what} is {len(release)} bytes, not the {len(before)}-byte release it "
                    "was told before" if len(release) != len(before) else
                    f"{what} differs from the release it was told before")
        told["release"] = release
        return ""

    def _getres(self, slot: Slot) -> str:
        clock, where = slot.args[0] & 0xFFFF_FFFF, slot.args[1]
        if clock not in HRTIMER_CLOCKS or not where:
            return ""
        raw = self.memory.read(where, 16, slot.root)
        if raw is None:
            return ""
        sec, nsec = struct.unpack("<qq", raw)
        res = sec * 1_000_000_000 + nsec
        told = self._told(slot)
        before = told.setdefault("res", res)
        if before != res:
            return (f"clock_getres() of clock {clock} is {res} ns, not the {before} ns of "
                    "the other hrtimer clocks")
        return ""

    # --- the files --------------------------------------------------------------------
    #: cpu_online_mask and cpu_present_mask are subsets of cpu_possible_mask
    #: (set_cpu_online()/set_cpu_present() only for a possible CPU), and that one has
    #: nr_cpu_ids <= NR_CPUS bits: (the smaller, the larger) of each pair.
    _SUBSETS = (("online", "possible"), ("present", "possible"), ("possible", "kernel_max"))

    def _within(self, slot: Slot, entry: str, cpus: set[int]) -> str:
        """Hold the CPU set `entry` names to the lists the program read before."""
        told = self._told(slot)
        told[entry] = cpus
        for small, large in self._SUBSETS:
            if entry not in (small, large):
                continue
            a, b = told.get(small), told.get(large)
            if isinstance(a, set) and isinstance(b, set) and not a <= b:
                return (f"{small} names CPU {min(a - b)}, which {large} read before or after "
                        "does not cover")
        return ""

    def _read(self, slot: Slot, ret: int) -> str:
        positioned_at_start = slot.nr == _PREAD and slot.args[3] == 0
        if not self.at_start and not positioned_at_start:
            return ""                   # (no machine file open at its start: most reads)
        desc = self.files.description_of(slot, slot.args[0])
        entry = self.at_start.get(desc) if desc is not None else None
        if positioned_at_start:
            entry = FILES.get(self.files.path_of(slot, slot.args[0]) or "")
        if entry is None:
            return ""
        got = buffers(self.memory, slot, ret)
        if got is None:
            return ""
        whole = ret < slot.args[2]          # a short read from the start: the whole file
        why = self._judge(slot, entry, got, whole)
        return f"a read of {entry} answers {why}" if why else ""

    def _judge(self, slot: Slot, entry: str, got: bytes, whole: bool) -> str:
        cpus = self.cpus()
        lines = got.split(b"\n")[:-1]               # whole lines only
        if entry in ("online", "possible", "present") and whole:
            listed = cpu_list(got)
            if listed is None:
                return "text that is not a CPU list"
            beyond = [c for c in listed if c >= cpus]
            if beyond:
                return f"CPU {beyond[0]}, but the machine has {cpus} CPUs (numbered from 0)"
            if entry != "online" and 0 not in listed:
                return "a list without CPU 0, the boot CPU"
            return self._within(slot, entry, set(listed))
        elif entry == "kernel_max" and whole:
            value = _number(got)
            if value is None or not max(1, cpus - 1) <= value < NR_CPUS_MAX:
                return (f"{_shown(value, got)}, not NR_CPUS - 1: at least 1 and the "
                        f"machine's last CPU {cpus - 1}, below arm64's largest NR_CPUS "
                        f"{NR_CPUS_MAX}")
            return self._within(slot, entry, set(range(value + 1)))
        elif entry in ("stat", "cpuinfo"):
            pattern = _STAT_CPU if entry == "stat" else _PROCESSOR
            for line in lines:
                m = pattern.match(line)
                if m and int(m.group(1)) >= cpus:
                    return (f"an entry for CPU {int(m.group(1))}, but the machine has {cpus} "
                            "CPUs (numbered from 0)")
        elif entry == "meminfo":
            kb = {m.group(1): int(m.group(2)) for m in map(_KB.match, lines) if m}
            total, free = kb.get(b"MemTotal"), kb.get(b"MemFree")
            if total is not None and free is not None and free > total:
                return f"MemFree {free} kB, more than MemTotal {total} kB"
            if total is not None:
                return self._ram("MemTotal", total * 1024, slot)
        elif entry == "osrelease" and lines:
            return self._release(slot, lines[0], "osrelease")
        elif entry == "ngroups_max" and whole:
            if _number(got) != NGROUPS_MAX:
                return f"{_shown(_number(got), got)}, not NGROUPS_MAX ({NGROUPS_MAX})"
        elif entry == "overcommit_memory" and whole:
            if _number(got) not in (0, 1, 2):
                return f"{_shown(_number(got), got)}, not 0, 1 or 2"
        elif entry == "thp_enabled" and whole and lines:
            n = len(_BRACKETED.findall(lines[0]))
            if n != 1:
                return f"{n} bracketed choices, not the one mode in force"
        return ""


def _number(text: bytes) -> int | None:
    body = text[:-1] if text.endswith(b"\n") else b""
    return int(body) if body.isdigit() and len(body) < 20 else None


def _shown(value: int | None, got: bytes) -> str:
    """A number the file answered, or its length when it is none (never its bytes)."""
    return f"the number {value}" if value is not None else f"{len(got)} bytes that are no number"
