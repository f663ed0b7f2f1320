"""Red-team round twenty-six, part two: what the system tells a program about itself.

A program asks /proc about itself (its status, command line, environment, areas, file
positions, threads, descriptors, limits, name) and reads its own executable, through
/proc/self/exe or its own path, with pread(), read() or mmap().  Linux fixes every
answer: /proc/self describes the calling process, and a running executable cannot be
written.  Victim and conventions as in `redteam_r26`.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from attacks.adversary import Adversary
from attacks.families.redteam_r18 import _fill
from attacks.families.redteam_r26 import (
    IPC,
    NR_GETDENTS64,
    NR_OPENAT,
    NR_PREAD64,
    NR_READ,
    NR_READLINKAT,
    P_CMDLINE,
    P_COMM,
    P_ENVIRON,
    P_EXE_MMAP,
    P_EXE_PREAD,
    P_EXE_READ,
    P_FD_LINK,
    P_FDINFO,
    P_LIMITS,
    P_MAPS,
    P_STATUS_PID,
    P_TASKS,
    RT,
    _fill_computed,
    _marker_arg,
)
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from kernel_model.openfile import HostFile

# --- QI-015, QI-016: the program's own executable file --------------------------------------

def _elf_header(phentsize: int) -> bytes:
    """An AArch64 ELF64 header whose e_phentsize is `phentsize`."""
    head = bytearray(64)
    head[:8] = b"\x7fELF\x02\x01\x01\x00"
    struct.pack_into("<HHI", head, 16, 2, 183, 1)       # ET_EXEC, EM_AARCH64, EV_CURRENT
    struct.pack_into("<HHHHHH", head, 52, 64, phentsize, 1, 64, 0, 0)
    return bytes(head)


@scenario(id="QI-015", title="Answer pread64() of /proc/self/exe with an ELF header the "
                             "running image does not have",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED",), program=IPC,
          prop="/proc/self/exe reads as the file the process runs from.")
def qi_proc_exe_pread(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens /proc/self/exe, pread64()s its 64-byte ELF
    header and logs the label (e_phentsize - 56) / 8 names from a log buffer that begins
    with a copy of the secret.
    2. Let the pread64 run, then write a header with e_phentsize 24 and answer 64.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/self/exe is the running executable itself
    (proc_exe_link: mm->exe_file), which no one may write while it runs (ETXTBSY); its
    e_phentsize is 56.  The Guardian's return.running_image judges a descriptor opened by
    the image's admitted path only, not one opened through /proc/self/exe."""
    _fill(adv, P_EXE_PREAD, NR_PREAD64, 1, _elf_header(24), 64)


@scenario(id="QI-016", title="Answer read() of the program's own executable file with an ELF "
                             "header the running image does not have",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ADMITTED",), program=IPC,
          prop="The executable file a program runs from reads as the file exec loaded, "
               "through read() as through pread64().")
def qi_exe_read(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens argv[0] (its admitted path), read()s its
    64-byte ELF header and logs the label (e_phentsize - 56) / 8 names from a log buffer
    that begins with a copy of the secret.
    2. Let the read run, then write a header with e_phentsize 24 and answer 64.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: the running executable cannot be written (ETXTBSY) and a
    read at offset 0 returns its first bytes.  return.running_image judges pread64 and
    fstat of the admitted path, not read()."""
    _fill(adv, P_EXE_READ, NR_READ, 1, _elf_header(24), 64)


# --- QI-017..QI-021: /proc files about the program itself ----------------------------------

@scenario(id="QI-017", title="Answer /proc/self/status with a Pid line other than getpid()'s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/status names the caller's own process id.")
def qi_status_pid(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads /proc/self/status and logs the label its Pid
    line less getpid() names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write over it a status text whose Pid line is 4 below the
    pid (0 at the least), padded to the count read, and answer that count.
    3. The index is negative: the program logs 8 bytes of the secret's copy.
    Why Linux never does this: proc_pid_status prints the task's tgid in the reader's pid
    namespace, the same number getpid() returns in the same process.  return.self_report
    holds the Tgid and Pid lines to the pid getpid gave."""
    _marker_arg(adv, P_STATUS_PID)

    def text(a: Adversary) -> bytes:
        pid = a.memo[P_STATUS_PID]
        return (f"Name:\tsecret_r26_ipc\nState:\tR (running)\nTgid:\t{pid}\n"
                f"Pid:\t{max(pid - 4, 0)}\nPPid:\t0\n").encode()
    _fill_computed(adv, P_STATUS_PID, text)


@scenario(id="QI-018", title="Answer /proc/self/cmdline with more strings than the program's "
                             "argv",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/cmdline holds the argument strings the program started with "
               "(while it has not rewritten them).")
def qi_cmdline(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads /proc/self/cmdline and logs the label argc
    less the strings it holds names from a log buffer that begins with a copy of the
    secret.
    2. Let the read run, then write over it argc + 4 strings, padded to the count read,
    and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: proc_pid_cmdline_read copies the process's own argument
    area (mm->arg_start..arg_end) from its memory; the program never wrote it, and the
    Guardian checked that area's strings at CREATE_DOMAIN (create.launch_args), and
    return.self_report holds a read of cmdline to that area's bytes."""
    _marker_arg(adv, P_CMDLINE)
    _fill_computed(adv, P_CMDLINE, lambda a: b"x\0" * (a.memo[P_CMDLINE] + 4), pad=b"y")


@scenario(id="QI-019", title="Answer /proc/self/environ with more strings than the program's "
                             "environment",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/environ holds the environment strings the program started with.")
def qi_environ(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) counts its envp, reads /proc/self/environ and logs
    the label that count less the strings the file holds names from a log buffer that
    begins with a copy of the secret.
    2. Let the read run, then write over it count + 4 strings, padded to the count read,
    and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: environ_read copies mm->env_start..env_end from the
    process's memory, the strings exec placed there (checked by the Guardian at
    CREATE_DOMAIN); the program never rewrote them.  return.self_report holds a read of
    environ to that area's bytes."""
    _marker_arg(adv, P_ENVIRON)
    _fill_computed(adv, P_ENVIRON, lambda a: b"X=1\0" * (a.memo[P_ENVIRON] + 4), pad=b"y")


@scenario(id="QI-020", title="Answer /proc/self/maps without the page the program just mapped",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/maps lists every area the program holds.")
def qi_maps(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) mmap()s a fresh page, reads /proc/self/maps and
    logs the label (lines whose range holds that page) - 1 names from a log buffer that
    begins with a copy of the secret.
    2. Let the read run, then write over it a maps text with one unrelated line, padded
    to the count read, and answer that count.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: show_map walks the process's own VMAs; the area holding
    the page mmap just returned (merged with a neighbour or not), never unmapped since,
    is among them, once.  The Guardian holds that very list of areas (return.layout);
    return.self_report finds no line over the fresh one."""
    _fill_computed(adv, P_MAPS, lambda a: b"00400000-00401000 r-xp 00000000 00:00 0\n")


@scenario(id="QI-021", title="Answer /proc/self/fdinfo of the program's memfd with a position "
                             "its write never left",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/fdinfo/N reports the descriptor's file position.")
def qi_fdinfo_pos(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes 16 bytes into its own memfd, reads
    /proc/self/fdinfo/N of it and logs the label (pos - 16) / 8 names from a log buffer
    that begins with a copy of the secret.
    2. Let the read run, then write over it an fdinfo text with pos 0, padded to the
    count read, and answer that count.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.
    Why Linux never does this: seq_show prints f_pos of the descriptor's file, 16 after
    the program's one write.  The Guardian keeps that offset (return.file_offset), and
    return.self_report holds fdinfo's pos line to it."""
    _fill_computed(adv, P_FDINFO, lambda a: b"pos:\t0\nflags:\t02\nmnt_id:\t0\nino:\t1\n")


# --- QI-025: the running image mapped through /proc/self/exe --------------------------------

def _serve_exe_copy(a: Adversary, phentsize: int) -> None:
    """Put, behind the descriptor the openat being served returns, a file of the kernel's
    own holding the running executable's bytes with e_phentsize changed."""
    fd = int(a.reg("x0"))
    fds = a.init.fds
    real = fds.get(fd)
    image = bytearray(real.pread(1 << 20, 0) or b"")
    struct.pack_into("<H", image, 54, phentsize)
    host = os.memfd_create("kernel-exe-copy", os.MFD_CLOEXEC)
    os.write(host, bytes(image))
    os.lseek(host, 0, os.SEEK_SET)
    fds.close(fd)
    fds.install(HostFile(host, 0, "/bin/secret_r26_ipc", Path("/")), lowest=fd)
    a.note(f"descriptor {fd} now names a copy of the executable, e_phentsize {phentsize}")


@scenario(id="QI-025", title="Map /proc/self/exe from a copy of the running image with another "
                             "ELF header",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",), program=IPC,
          prop="A page of the running executable the program maps through /proc/self/exe "
               "holds that file's bytes.")
def qi_proc_exe_mmap(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) opens /proc/self/exe, mmap()s its first page
    PROT_READ and logs the label (e_phentsize - 56) / 8 names from a log buffer that
    begins with a copy of the secret.
    2. Serving the openat, put behind its descriptor a file of the kernel's own: the
    executable's bytes with e_phentsize 24.  The mmap maps that file's first page.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: /proc/self/exe opens mm->exe_file, the running executable,
    which no one may write (ETXTBSY); its first page holds e_phentsize 56.  The Guardian
    measures a mapped page of an admitted file by the path the program named
    (set_pt.measured_file); /proc/self/exe is not that path, so the page enters as
    unmeasured input data, whatever it holds."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=P_EXE_MMAP)
    def _(a: Adversary, **_: object) -> None:
        _serve_exe_copy(a, 24)


# --- QI-026..QI-029: more of what /proc/self says -------------------------------------------

def _dirent(name: bytes, reclen: int, off: int) -> bytes:
    """One linux_dirent64 record of `reclen` bytes (a directory: d_type DT_DIR)."""
    head = struct.pack("<QqHB", 1, off, reclen, 4) + name + b"\0"
    return head.ljust(reclen, b"\0")


@scenario(id="QI-026", title="List /proc/self/task without the calling thread",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/task lists every thread of the caller's process, the caller's "
               "own among them.")
def qi_tasks_listing(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc), with one thread, lists /proc/self/task with
    getdents64() and logs the label (entries naming a thread) - 1 names from a log buffer
    that begins with a copy of the secret.
    2. Let the call run, then write over the listing only "." and ".." (the second record
    long enough to tile the count the call returned) and answer that count.
    3. No thread is listed: the index is -1 and the program logs bytes 24..31 of the
    secret's copy.
    Why Linux never does this: proc_task_readdir walks the thread group of the process,
    which holds the caller.  The records are well formed (return.record_layout holds);
    return.self_report finds the calling thread's id missing from a finished listing."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETDENTS64, during=P_TASKS)
    def _(a: Adversary, **_: object) -> None:
        a.memo["dirents"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETDENTS64, during=P_TASKS)
    def _(a: Adversary, **_: object) -> None:
        n = int(a.reg("x0"))
        listing = _dirent(b".", 24, 1) + _dirent(b"..", n - 24, 2)
        a.kernel.uaccess.write(a.memo["dirents"], listing)
        a.note(f"getdents64 answered {n} bytes listing only . and ..")


@scenario(id="QI-027", title="Answer readlinkat() of /proc/self/fd/N for the program's pipe "
                             "with another inode than fstat's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/fd/N of a pipe names the inode fstat() reports for it.")
def qi_fd_link_inode(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) fstat()s the read end of its own pipe, reads the
    link /proc/self/fd/N of it and logs the label (the inode in "pipe:[inode]") -
    st_ino names from a log buffer that begins with a copy of the secret.
    2. Let the readlinkat run, then write "pipe:[st_ino - 4]" (zero-padded to the
    length it read) and answer that length.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: pipefs_dname prints the pipe inode's i_ino, the st_ino
    fstat gives for the same descriptor.  return.self_report holds the link to the
    inode fstat first reported for the pipe."""
    _marker_arg(adv, P_FD_LINK)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READLINKAT, during=P_FD_LINK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["link"] = int(a.el1.syscall_args()[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READLINKAT, during=P_FD_LINK)
    def _(a: Adversary, **_: object) -> None:
        n = int(a.reg("x0"))
        digits = max(n - len("pipe:[]"), 1)
        link = f"pipe:[{a.memo[P_FD_LINK] - 4:0{digits}d}]".encode()
        a.kernel.uaccess.write(a.memo["link"], link)
        a.set_reg("x0", len(link))


@scenario(id="QI-028", title="Answer /proc/self/limits with a soft RLIMIT_NOFILE below "
                             "getrlimit()'s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/limits shows the limits getrlimit() reports.")
def qi_limits(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) reads getrlimit(RLIMIT_NOFILE), then
    /proc/self/limits, and logs the label (its "Max open files" soft limit) - rlim_cur
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write over it a limits text whose soft limit is rlim_cur - 4,
    padded to the count read, and answer that count.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: proc_pid_limits prints the process's signal->rlim, the
    same limits getrlimit() read an instant before, and nothing changed them between.
    The Guardian keeps the soft RLIMIT_NOFILE (return.fd_limit), and return.self_report
    holds this file's "Max open files" soft limit to it."""
    _marker_arg(adv, P_LIMITS)

    def text(a: Adversary) -> bytes:
        cur = a.memo[P_LIMITS]
        return (f"Limit                     Soft Limit           Hard Limit           Units\n"
                f"Max open files            {cur - 4:<21}{cur:<21}files\n").encode()
    _fill_computed(adv, P_LIMITS, text)


@scenario(id="QI-029", title="Answer /proc/self/comm with another name than PR_SET_NAME set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="/proc/self/comm reads the name the thread last set with PR_SET_NAME.")
def qi_comm(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) names itself "r26worker" with prctl(PR_SET_NAME),
    reads /proc/self/comm and logs the label (bytes read - 10) / 2 names from a log buffer
    that begins with a copy of the secret.
    2. Serve the read as getpid() (it writes nothing), then write "r\n" and answer 2.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: comm_show prints the task's comm, the 9 characters
    PR_SET_NAME just stored, and a newline.  return.self_report holds this file to the
    name PR_SET_NAME gave the process's first thread."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_COMM)
    def _(a: Adversary, **_: object) -> None:
        a.memo["comm"] = int(a.el1.syscall_args()[1])

    serve_as_getpid(adv, NR_READ, P_COMM, result=2)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_COMM)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["comm"], b"r\n")
