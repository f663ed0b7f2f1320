"""/proc, made up from the kernel model's own state (never the host's).

Per process: exe, cwd and root links, cmdline, environ, comm, status, stat,
statm, maps, fd/ and fdinfo/, task/, mounts and mountinfo; system wide:
cpuinfo (from the CPU model's ID registers and HWCAPs), meminfo (from the
machine's frames), stat, uptime, loadavg, filesystems, version, and the sys/
entries programs read.  Every number comes from the model, so two runs print
the same.
"""

from __future__ import annotations

import errno
import os
import posixpath
from typing import TYPE_CHECKING

from abi.hwcaps import feature_names
from emulator.small_sha256 import sha256 as small_sha256
from kernel_model import signals as sig
from kernel_model.credentials import status_lines
from kernel_model.errors import KernelError
from kernel_model.fd_reopen import reopen
from kernel_model.openfile import OpenFile
from kernel_model.process import Process, Thread, ThreadState
from kernel_model.synthfs import Node, SynthDir, SynthFile, SynthLink, current
from kernel_model.vma import PROT_EXEC, PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from collections.abc import Callable

    from kernel_model.kernel import Kernel

KERNEL_RELEASE = "6.1.0-blindfold"
PID_MAX = 4194304
CLK_TCK = 100
HZ_NS = 1_000_000_000 // CLK_TCK
PAGE = 4096

FILESYSTEMS = ("nodev\tsysfs", "nodev\ttmpfs", "nodev\tproc", "nodev\tdevtmpfs", "nodev\tpipefs",
               "nodev\tsockfs", "nodev\tanon_inodefs", "\text4")
MOUNTS = (("/dev/root", "/", "ext4", "rw,relatime", 1, 0, "0:31"),
          ("proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime", 2, 1, "0:21"),
          ("sysfs", "/sys", "sysfs", "rw,nosuid,nodev,noexec,relatime", 3, 1, "0:20"),
          ("devtmpfs", "/dev", "devtmpfs", "rw,nosuid,relatime", 4, 1, "0:5"))


def _text(fn):  # noqa: ANN001, ANN202
    return SynthFile(lambda: fn().encode())


def _comm(p: Process, t: Thread) -> str:
    """The name of task `t` (the directory's own: the leader for /proc/<pid>, each thread
    for /proc/<pid>/task/<tid>, as Linux's comm_show() and do_task_stat() print that
    task's proc_task_name()): the one its last PR_SET_NAME gave it (a new thread starts
    with its creator's), else its executable's base name, as exec sets it."""
    if t.comm:
        return t.comm.decode(errors="replace")
    return posixpath.basename(p.exe)[:15] or "?"


def _state(p: Process) -> str:
    if p.exit_status is not None:
        return "Z (zombie)"
    if p.stopped:
        return "T (stopped)"
    if any(t.state == ThreadState.RUNNABLE for t in p.threads):
        return "R (running)"
    return "S (sleeping)"


def _sizes(p: Process) -> tuple[int, int]:
    """(virtual bytes, resident pages) of the address space."""
    if p.exit_status is not None or p.mm is None:
        return 0, 0
    total = sum(v.end - v.start for v in p.mm.vmas)
    return total, p.mm.resident


def _sig_sets(p: Process) -> tuple[int, int]:
    """(ignored, caught) signal masks."""
    ign = caught = 0
    for signo in range(1, sig.NSIG + 1):
        act = p.sigactions.get(signo)
        if act.handler == sig.SIG_IGN:
            ign |= sig.bit(signo)
        elif act.handler != sig.SIG_DFL:
            caught |= sig.bit(signo)
    return ign, caught


def status(k: Kernel, p: Process, t: Thread) -> str:
    vsize, rss = _sizes(p)
    ign, caught = _sig_sets(p)
    ppid = p.parent.pid if p.parent is not None else 0
    ids, groups, caps = status_lines(t.cred)
    return (f"Name:\t{_comm(p, t)}\nUmask:\t{p.umask:04o}\nState:\t{_state(p)}\nTgid:\t{p.pid}\n"
            f"Ngid:\t0\nPid:\t{t.tid}\nPPid:\t{ppid}\nTracerPid:\t0\n{ids}"
            f"FDSize:\t{max(64, len(p.fds))}\n{groups}"
            f"VmPeak:\t{vsize // 1024:8d} kB\nVmSize:\t{vsize // 1024:8d} kB\n"
            f"VmRSS:\t{rss * 4:8d} kB\nThreads:\t{len(p.alive_threads)}\n"
            f"SigQ:\t0/31733\nSigPnd:\t{t.pending.mask:016x}\nShdPnd:\t{p.pending.mask:016x}\n"
            f"SigBlk:\t{t.sigmask:016x}\nSigIgn:\t{ign:016x}\nSigCgt:\t{caught:016x}\n"
            f"{caps}NoNewPrivs:\t{int(t.no_new_privs)}\n"   # task_seccomp()
            "Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tnot vulnerable\n"
            "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
            "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n")


def stat_line(k: Kernel, p: Process, t: Thread) -> str:
    vsize, rss = _sizes(p)
    ign, caught = _sig_sets(p)
    ppid = p.parent.pid if p.parent is not None else 0
    ticks = t.insns // max(k.clock.frequency_hz // CLK_TCK, 1)
    mm = p.mm
    brk = (mm.brk_start, mm.brk) if mm is not None else (0, 0)
    fields = [t.tid, f"({_comm(p, t)})", _state(p)[0], ppid, p.pgid, p.sid, 0, -1, 0x400000,
              0, 0, 0, 0, ticks, 0, 0, 0, 20 + t.nice, t.nice, len(p.alive_threads), 0, 0,
              vsize, rss,
              0xFFFF_FFFF_FFFF_FFFF, 0, 0, 0, 0, 0, p.pending.mask | t.pending.mask, t.sigmask,
              ign, caught, 0, 0, 0, p.exit_signal, 0, 0, 0, 0, 0, 0, 0, 0, brk[0], 0, 0, 0, 0,
              (p.exit_status or 0) >> 8]
    return " ".join(str(f) for f in fields) + "\n"


def maps(p: Process) -> str:
    if p.mm is None or p.exit_status is not None:
        return ""
    lines = []
    for v in p.mm.vmas:
        perms = ("r" if v.prot & PROT_READ else "-") + ("w" if v.prot & PROT_WRITE else "-") + (
            "x" if v.prot & PROT_EXEC else "-") + ("s" if v.shared else "p")
        name = v.name or (v.backing.name if v.backing is not None else "")
        if name.startswith("[") and name not in ("[heap]", "[stack]", "[vdso]", "[vvar]"):
            name = "" if name in ("[bss]", "[anon]", "[shared anon]") else name
        line = f"{v.start:08x}-{v.end:08x} {perms} {v.offset:08x} 00:00 0"
        lines.append(f"{line:<72} {name}".rstrip() if name else line)
    return "\n".join(lines) + "\n"


def _fd_target(f: OpenFile) -> str:
    name = getattr(f, "link_name", None)
    if name is not None:
        return name
    path = getattr(f, "guest_path", None)
    if path is not None:
        return path
    if f.kind == "pipe":
        return f"pipe:[{f.stat().st_ino}]"
    if f.kind == "console":
        return "/dev/pts/0"
    return "anon_inode:[unknown]"


def _fdinfo(p: Process, fd: int, f: OpenFile) -> str:
    pos = getattr(f, "pos", None)
    if pos is None:
        # A file with a host offset (a regular file, a memfd) reports where it stands,
        # as Linux's fdinfo shows f_pos; an unseekable one stands at 0.
        try:
            pos = f.lseek(0, os.SEEK_CUR)
        except KernelError:
            pos = 0
    cloexec = p.fds.get_cloexec(fd) if fd in p.fds else False
    flags = f.flags | (0o2000000 if cloexec else 0)
    extra = f.fdinfo() if hasattr(f, "fdinfo") else ""
    return f"pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t0\nino:\t{f.stat().st_ino}\n{extra}"


def mounts_text(mountinfo: bool) -> str:
    lines = []
    for src, point, fstype, opts, mid, parent, dev in MOUNTS:
        if mountinfo:
            lines.append(f"{mid} {parent} {dev} / {point} {opts} shared:{mid} - {fstype} {src} rw")
        else:
            lines.append(f"{src} {point} {fstype} {opts} 0 0")
    return "\n".join(lines) + "\n"


def _leader_gone(p: Process, t: Thread) -> bool:
    """Did `t`, the leader, exit() while other threads of `p` run on?  do_exit() ->
    exit_files() and exit_fs() cleared its task->files and task->fs: proc_cwd_link(),
    proc_root_link() and proc_lookupfd_common() find none (ENOENT)."""
    return t.tid == p.pid and t.state == ThreadState.DEAD and bool(p.alive_threads)


def _fs_link(p: Process, t: Thread, path: Callable[[], str]) -> str:
    if _leader_gone(p, t):
        raise KernelError(errno.ENOENT)
    return path()


def process_dir(k: Kernel, p: Process, t: Thread, with_tasks: bool = True) -> SynthDir:
    def fd_links() -> dict[str, Node]:
        out: dict[str, Node] = {}
        if _leader_gone(p, t):
            return out
        for fd, f in p.fds.items():
            # ``opens`` is the file itself (stat follows the link); open(2) gets a new
            # description from fd_reopen, as proc_fd_link() and do_dentry_open() make.
            out[str(fd)] = SynthLink(lambda f=f: _fd_target(f), opens=lambda f=f: f,
                                     reopen=lambda flags, f=f: reopen(k, f, flags))
        return out

    def fdinfo() -> dict[str, Node]:
        return {} if _leader_gone(p, t) else {
            str(fd): _text(lambda fd=fd, f=f: _fdinfo(p, fd, f)) for fd, f in p.fds.items()}

    def tasks() -> dict[str, Node]:
        return {str(th.tid): process_dir(k, p, th, with_tasks=False) for th in p.alive_threads}

    def entries() -> dict[str, Node]:
        e: dict[str, Node] = {
            "cmdline": SynthFile(lambda: b"".join(a + b"\0" for a in p.argv)),
            "comm": _text(lambda: _comm(p, t) + "\n"),
            "cwd": SynthLink(lambda: _fs_link(p, t, lambda: p.cwd)),
            "environ": SynthFile(lambda: b"".join(v + b"\0" for v in p.environ), mode=0o400),
            "exe": SynthLink(lambda: p.exe),
            "fd": SynthDir(fd_links, mode=0o500),
            "fdinfo": SynthDir(fdinfo, mode=0o500),
            "limits": _text(lambda: _limits(p)),
            "maps": _text(lambda: maps(p)),
            "mountinfo": _text(lambda: mounts_text(True)),
            "mounts": _text(lambda: mounts_text(False)),
            "oom_score_adj": SynthFile(lambda: b"0\n", mode=0o644, write=lambda _b: None),
            "root": SynthLink(lambda: _fs_link(p, t, lambda: p.root)),
            "stat": _text(lambda: stat_line(k, p, t)),
            "statm": _text(lambda: _statm(p)),
            "status": _text(lambda: status(k, p, t)),
            "cgroup": _text(lambda: "0::/\n"),
        }
        if with_tasks:
            e["task"] = SynthDir(tasks)
        return e

    return SynthDir(entries)


def _statm(p: Process) -> str:
    vsize, rss = _sizes(p)
    return f"{vsize // PAGE} {rss} 0 0 0 0 0\n"


def _limits(p: Process) -> str:
    rows = [("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"),
            ("Max stack size", "bytes"), ("Max core file size", "bytes"),
            ("Max resident set", "bytes"), ("Max processes", "processes"),
            ("Max open files", "files")]
    out = ["Limit                     Soft Limit           Hard Limit           Units     "]
    for i, (name, unit) in enumerate(rows):
        soft, hard = p.rlimits.get(i, (None, None))
        if i == 7:
            soft, hard = p.fds.limit, 4096
        if i == 3 and soft is None:
            soft, hard = 8 << 20, None
        show = [("unlimited" if v is None or v >= (1 << 63) else str(v)) for v in (soft, hard)]
        out.append(f"{name:<26}{show[0]:<21}{show[1]:<21}{unit:<10}")
    return "\n".join(out) + "\n"


def cpuinfo(k: Kernel) -> str:
    midr = k.el1.midr
    feats = feature_names(k.hwcap, k.hwcap2) or []
    return (f"processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: {' '.join(feats)}\n"
            f"CPU implementer\t: {midr >> 24 & 0xFF:#04x}\nCPU architecture: 8\n"
            f"CPU variant\t: {midr >> 20 & 0xF:#x}\nCPU part\t: {midr >> 4 & 0xFFF:#05x}\n"
            f"CPU revision\t: {midr & 0xF}\n\n")


def meminfo(k: Kernel) -> str:
    total = k.frames.nframes * PAGE // 1024
    free = k.frames.free_frames * PAGE // 1024
    swap = k.boot_info.swap_size // 1024
    rows = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free), ("Buffers", 0),
            ("Cached", 0), ("SwapCached", 0), ("Active", total - free), ("Inactive", 0),
            ("SwapTotal", swap), ("SwapFree", swap), ("Dirty", 0), ("Writeback", 0),
            ("AnonPages", total - free), ("Mapped", 0), ("Shmem", 0), ("Slab", 0),
            ("PageTables", 0), ("CommitLimit", total // 2 + swap), ("Committed_AS", total - free),
            ("VmallocTotal", 135288315904), ("VmallocUsed", 0), ("VmallocChunk", 0),
            ("AnonHugePages", 0), ("HugePages_Total", 0), ("HugePages_Free", 0),
            ("Hugepagesize", 2048)]
    out = []
    for name, kb in rows:
        label = f"{name}:"
        out.append(f"{label:<16}{kb:>8}" + ("" if name.startswith("HugePages_") else " kB"))
    return "\n".join(out) + "\n"


def _jiffies(k: Kernel) -> int:
    return k.now_ns() // HZ_NS


def proc_stat(k: Kernel) -> str:
    from kernel_model.syscalls.misc import CLOCK_REALTIME, _clock_ns
    busy = k.insns // max(k.clock.frequency_hz // CLK_TCK, 1)
    idle = max(_jiffies(k) - busy, 0)
    running = sum(1 for t in k.threads.values() if t.state == ThreadState.RUNNABLE)
    btime = (_clock_ns(k, current(k), CLOCK_REALTIME) - k.now_ns()) // 1_000_000_000
    cpu = f"{busy} 0 0 {idle} 0 0 0 0 0 0"
    return (f"cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt {k.stats.get('kernel.context_switches')}\n"
            f"btime {btime}\nprocesses {k._next_id - 1}\nprocs_running {running}\n"
            "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n")


def uptime(k: Kernel) -> str:
    ns = k.now_ns()
    up = f"{ns // 1_000_000_000}.{ns // 10_000_000 % 100:02d}"
    return f"{up} {up}\n"


def loadavg(k: Kernel) -> str:
    running = sum(1 for t in k.threads.values() if t.state == ThreadState.RUNNABLE)
    return f"0.00 0.00 0.00 {running}/{len(k.threads)} {k._next_id - 1}\n"


def boot_id(k: Kernel) -> str:
    """The same for a whole run (seeded), like Linux's per-boot id."""
    h = small_sha256(f"boot-id:{k.seed}".encode()).hexdigest()
    return _uuid(h)


def _uuid(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def proc_sys(k: Kernel) -> SynthDir:
    def kernel() -> dict[str, Node]:
        return {
            "osrelease": _text(lambda: KERNEL_RELEASE + "\n"),
            "ostype": _text(lambda: "Linux\n"),
            "hostname": _text(lambda: k.options.hostname + "\n"),
            "pid_max": _text(lambda: f"{PID_MAX}\n"),
            "threads-max": _text(lambda: "63203\n"),
            "ngroups_max": _text(lambda: "65536\n"),
            "random": SynthDir(lambda: {
                "uuid": _text(lambda: _uuid(k.random_bytes(16).hex()) + "\n"),
                "boot_id": _text(lambda: boot_id(k) + "\n"),
                "entropy_avail": _text(lambda: "256\n"),
                "poolsize": _text(lambda: "256\n"),
            }),
        }

    def vm() -> dict[str, Node]:
        return {"overcommit_memory": _text(lambda: "0\n"),
                "max_map_count": _text(lambda: "65530\n"),
                "mmap_min_addr": _text(lambda: "4096\n")}

    def fs() -> dict[str, Node]:
        return {"file-max": _text(lambda: "9223372036854775807\n"),
                "nr_open": _text(lambda: "1048576\n")}

    def net_core() -> dict[str, Node]:
        return {"somaxconn": _text(lambda: "4096\n")}

    return SynthDir(lambda: {"kernel": SynthDir(kernel), "vm": SynthDir(vm), "fs": SynthDir(fs),
                             "net": SynthDir(lambda: {"core": SynthDir(net_core)})})


def proc_tree(k: Kernel) -> SynthDir:
    def entries() -> dict[str, Node]:
        e: dict[str, Node] = {
            "cpuinfo": _text(lambda: cpuinfo(k)),
            "meminfo": _text(lambda: meminfo(k)),
            "stat": _text(lambda: proc_stat(k)),
            "uptime": _text(lambda: uptime(k)),
            "loadavg": _text(lambda: loadavg(k)),
            "filesystems": _text(lambda: "\n".join(FILESYSTEMS) + "\n"),
            "version": _text(lambda: f"Linux version {KERNEL_RELEASE} (blindfold) #1 SMP\n"),
            "mounts": SynthLink(lambda: "self/mounts"),
            "self": SynthLink(lambda: str(current(k).pid)),
            "thread-self": SynthLink(lambda: f"{current(k).pid}/task/{current(k).tid}"),
            "sys": proc_sys(k),
        }
        for pid, p in sorted(k.processes.items()):
            if p.threads:
                main = next((th for th in p.threads if th.tid == pid), p.threads[0])
                e[str(pid)] = process_dir(k, p, main)
        return e

    return SynthDir(entries)


def pid_dir_gone(k: Kernel, where: str) -> bool:
    """Is `where` (a relative walk's start) a /proc/<pid> directory whose process was
    reaped?  link_path_walk() -> may_lookup() -> proc_pid_permission(): get_proc_task() is
    NULL, -ESRCH before any name in it is looked up (a zombie's pid still has its task)."""
    parts = where.split("/")
    return len(parts) == 3 and parts[1] == "proc" and parts[2].isdigit() and \
        parts[2][0] != "0" and int(parts[2]) not in k.processes


__all__ = ["KERNEL_RELEASE", "cpuinfo", "meminfo", "pid_dir_gone", "proc_tree"]
