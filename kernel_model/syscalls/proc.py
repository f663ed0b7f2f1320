"""Process and thread syscalls: exit, clone/clone3, execve, ids (wait4 and waitid: child_wait.py)."""

from __future__ import annotations

import errno
import struct
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from abi import Call, Status
from emulator import descriptors as D
from emulator.fastuc import CTX_SP, CTX_TPIDR, UserContext
from kernel_model import signals as sig
from kernel_model.credentials import commit_creds, exec_creds, secure_exec
from kernel_model.elf_loader import ElfError, parse_elf
from kernel_model.errors import KernelError
from kernel_model.exec import load_interpreter, parse_shebang
from kernel_model.mm import AddressSpace
from kernel_model.namespaces import (
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    namespace_error,
)
from kernel_model.process import Process, Thread, ThreadState, WaitReason
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.unshare import files_shared

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.vma import Vma

FORK_FAULT_IN_TRIES = 4          # pages of clone_args FORK_DOMAIN may ask back
CLONE_VM = 0x100
CLONE_FS = 0x200
CLONE_FILES = 0x400
CLONE_SIGHAND = 0x800
CLONE_CLEAR_SIGHAND = 0x1_0000_0000   # clone3 only
CLONE_PIDFD = 0x1000
CLONE_VFORK = 0x4000
CLONE_PARENT = 0x8000
CLONE_THREAD = 0x10000
CLONE_SETTLS = 0x80000
CLONE_PARENT_SETTID = 0x100000
CLONE_CHILD_CLEARTID = 0x200000
CLONE_CHILD_SETTID = 0x1000000
CSIGNAL = 0xFF
CLONE_DETACHED = 0x400000
CLONE_INTO_CGROUP = 0x2_0000_0000
CLONE_SYSVSEM = 0x40000



@syscall("exit")
def sys_exit(k: Kernel, t: Thread, a) -> None:  # noqa: ANN001
    k.exit_thread(t, a[0])
    return None


@syscall("exit_group")
def sys_exit_group(k: Kernel, t: Thread, a) -> None:  # noqa: ANN001
    k.exit_process(t.process, (a[0] & 0xFF) << 8)
    return None


@syscall("getpid")
def sys_getpid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.process.pid


@syscall("gettid")
def sys_gettid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.tid


@syscall("getppid")
def sys_getppid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    parent = t.process.parent
    return parent.pid if parent is not None else 0


@syscall("set_tid_address")
def sys_set_tid_address(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.clear_child_tid = a[0]
    return t.tid


@syscall("set_robust_list")
def sys_set_robust_list(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if a[1] != 24:
        return -errno.EINVAL
    t.robust_list, t.robust_len = a[0], a[1]
    return 0


@syscall("get_robust_list")
def sys_get_robust_list(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    target = k.threads.get(s32(a[0])) if s32(a[0]) else t
    if target is None:
        return -errno.ESRCH
    k.uaccess.write_u64(a[1], target.robust_list)
    k.uaccess.write_u64(a[2], target.robust_len)
    return 0


@syscall("sched_yield")
def sys_sched_yield(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if k.sched.has_other_runnable():
        k.el1.request_stop()   # back of the run queue
    return 0


def _past_eof(mm: AddressSpace, vma: Vma, va: int) -> bool:
    """Whether put_user() at va faults past a mapped file's end: a page not present
    whose file offset is past i_size (shmem_fault()/filemap_fault(): VM_FAULT_SIGBUS)."""
    page = va & ~0xFFF
    desc, _ = mm.tables.lookup_slot(page)
    beyond = getattr(vma.backing, "beyond_eof", None)
    return not desc & D.VALID and beyond is not None and bool(beyond(vma.offset + page - vma.start))


def do_clone(k: Kernel, t: Thread, flags: int, stack: int, parent_tid: int, tls: int,
             child_tid: int, exit_signal: int, pidfd: int = 0) -> int:
    if flags & CLONE_PIDFD and flags & CLONE_PARENT_SETTID and pidfd == parent_tid:
        return -errno.EINVAL        # kernel_clone(): pidfd and parent_tid one address
    if flags & CLONE_PIDFD and flags & (CLONE_THREAD | CLONE_DETACHED):
        return -errno.EINVAL        # copy_process() (before Linux 6.9: no thread pidfd)
    if flags & CLONE_THREAD and not flags & CLONE_SIGHAND:
        return -errno.EINVAL
    if flags & CLONE_NEWNS and flags & CLONE_FS:
        return -errno.EINVAL        # copy_process(): a new mount namespace with a shared fs
    if flags & CLONE_SIGHAND and not flags & CLONE_VM:
        return -errno.EINVAL
    if flags & CLONE_FS and flags & CLONE_NEWUSER or \
            flags & CLONE_THREAD and flags & (CLONE_NEWUSER | CLONE_NEWPID):
        return -errno.EINVAL        # copy_process()
    failed = namespace_error(flags, t.cred, clone=True)     # copy_creds(), copy_namespaces()
    if failed:
        return -failed
    if flags & CLONE_PIDFD:
        # copy_process(): put_user(pidfd, args->pidfd) fails before the child is woken
        # (bad_fork_put_pidfd): -EFAULT and no child
        vma = t.process.mm.vmas.find(pidfd)
        if vma is None or not vma.prot & 2 or pidfd + 4 > vma.end \
                or any(_past_eof(t.process.mm, vma, w) for w in (pidfd, pidfd + 3)):
            return -errno.EFAULT
    proc = t.process
    new_id = k.alloc_id()
    ctx = UserContext()
    k.el1.save_context(ctx)            # the parent's registers at the SVC
    ctx.set(0, 0)                      # the child sees 0
    if stack:
        ctx.set(CTX_SP, stack)
    if flags & CLONE_SETTLS:
        ctx.set(CTX_TPIDR, tls)
    child_slot = 0

    def join_domain(child_mm: AddressSpace | None) -> None:
        # A confidential parent: the Guardian derives the child's context and
        # admits its address space into the domain before any page is shared.
        nonlocal child_slot
        if not proc.confidential:
            return
        for _ in range(FORK_FAULT_IN_TRIES):
            status, child_slot = k.el1.hvc(Call.FORK_DOMAIN,
                                           child_mm.tables.root if child_mm else 0, t.slot, flags)
            # FAULT_IN: a page of clone3's clone_args went since the call read them.
            if status != Status.FAULT_IN or proc.mm.handle_fault(child_slot, False, False):
                break
        if status:
            raise KernelError(errno.EPERM, f"the Guardian refused the clone ({status})")

    if flags & CLONE_THREAD:
        child_proc = proc          # threads share the process's reference to its mm
        join_domain(None)
    else:
        if flags & CLONE_VM:
            mm = proc.mm
            mm.users += 1
            join_domain(None)
        else:
            mm = proc.mm.fork(k.alloc_asid(), before_copy=join_domain)
            k.stats.inc("kernel.forks")
        parent = proc.parent if flags & CLONE_PARENT else proc
        child_proc = Process(
            pid=new_id, parent=parent, mm=mm,
            fds=proc.fds if flags & CLONE_FILES else proc.fds.fork(),
            sigactions=_child_actions(proc, flags),
            cwd=proc.cwd, exe=proc.exe, argv=proc.argv, environ=proc.environ, root=proc.root,
            pgid=proc.pgid, sid=proc.sid,
            umask=proc.umask, exit_signal=exit_signal, rlimits=dict(proc.rlimits),
            confidential=proc.confidential,
            # the mm's flags: a new mm copies MMF_DISABLE_THP (and dumpable: mm.fork())
            thp_disabled=proc.thp_disabled,
        )
        if parent is not None:
            parent.children.append(child_proc)
        k.processes[new_id] = child_proc
        if flags & CLONE_FS:            # (copy_fs(): the same fs_struct, not a copy)
            if proc.fs_peers is None:
                proc.fs_peers = [proc]
            proc.fs_peers.append(child_proc)
            child_proc.fs_peers = proc.fs_peers
    # Linux (copy_process): a new thread (CLONE_VM without CLONE_VFORK) starts with no
    # alternate signal stack; a fork or vfork child keeps the calling thread's.
    new_thread = flags & (CLONE_VM | CLONE_VFORK) == CLONE_VM
    child = Thread(tid=new_id, process=child_proc, context=ctx, sigmask=t.sigmask,
                   slot=child_slot, comm=t.comm, no_new_privs=t.no_new_privs, persona=t.persona,
                   keep_caps=t.keep_caps, securebits=t.securebits,
                   timer_slack_ns=t.timer_slack_ns, **_sched_fork(t),
                   cred=t.cred,                              # copy_creds()
                   default_timer_slack_ns=t.timer_slack_ns,   # copy_process()
                   altstack=(0, sig.SS_DISABLE, 0) if new_thread else t.altstack,
                   # rseq_fork(): a CLONE_VM child (thread or vfork) starts unregistered
                   rseq=None if flags & CLONE_VM or t.rseq is None else
                   replace(t.rseq, notify=True))
    child_proc.threads.append(child)
    k.threads[new_id] = child
    if flags & CLONE_PIDFD:
        # copy_process(): pidfd_prepare() (O_RDWR | O_CLOEXEC), put_user(pidfd, args->pidfd)
        from kernel_model.syscalls.events import PidFd
        fd = proc.fds.install(PidFd(child_proc, 0, k.exit_queue), cloexec=True)
        k.uaccess.write_u32(pidfd, fd)
    # kernel_clone(): put_user(nr, args->parent_tid) and schedule_tail()'s put_user(...,
    # current->set_child_tid) ignore a fault: the child is made all the same.
    if flags & CLONE_PARENT_SETTID and parent_tid:
        try:
            k.uaccess.write_u32(parent_tid, new_id)
        except KernelError:
            pass
    if flags & CLONE_CHILD_SETTID and child_tid:
        try:
            k._with_mm(child_proc.mm, lambda: k.uaccess.write_u32(child_tid, new_id))
        except KernelError:
            pass
    if flags & CLONE_CHILD_CLEARTID:
        child.clear_child_tid = child_tid
    k.sched.add(child)
    k.stats.inc("kernel.clones")
    if k.tracer.enabled:
        k.tracer.emit("process", what="clone", child=new_id, flags=flags)
    if flags & CLONE_VFORK:
        child.vfork_parent = t
        k.block(WaitReason("vfork", key=child, interruptible=False))
    return new_id


def _child_actions(proc: Process, flags: int) -> sig.SignalActions:
    """copy_sighand(): the creator's table shared (CLONE_SIGHAND) or copied; clone3's
    CLONE_CLEAR_SIGHAND flushes the copy (flush_signal_handlers(tsk, 0): every handler
    SIG_DFL, SIG_IGN kept, no flags, restorer or mask), as exec does."""
    if flags & CLONE_SIGHAND:
        return proc.sigactions
    table = proc.sigactions.copy()
    if flags & CLONE_CLEAR_SIGHAND:
        table.reset_on_exec()
    return table


@syscall("clone")
def sys_clone(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = a[0] & 0xFFFF_FFFF      # sys_clone(): lower_32_bits(clone_flags)
    if flags & CLONE_PIDFD and flags & CLONE_PARENT_SETTID:
        return -errno.EINVAL        # kernel_clone(): pidfd and parent_tid one address
    return do_clone(k, t, flags & ~CSIGNAL, a[1], a[2], a[3], a[4], flags & CSIGNAL,
                    pidfd=a[2])     # sys_clone(): .pidfd = parent_tidptr


_CLONE_ARGS = struct.Struct("<11Q")


@syscall("clone3")
def sys_clone3(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    size = a[1]
    if size > 4096:
        return -errno.E2BIG         # copy_clone_args_from_user()
    if size < 64:
        return -errno.EINVAL
    raw = k.uaccess.read(a[0], min(size, 88)).ljust(88, b"\0")
    if size > 88 and any(k.uaccess.read(a[0] + 88, size - 88)):
        return -errno.E2BIG         # copy_struct_from_user(): a tail not zero
    (flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
     set_tid, set_tid_size, cgroup) = _CLONE_ARGS.unpack(raw)
    if set_tid_size > 32 or bool(set_tid) != bool(set_tid_size):
        return -errno.EINVAL        # copy_clone_args_from_user(): MAX_PID_NS_LEVEL
    if flags & CLONE_INTO_CGROUP and (cgroup > 0x7FFF_FFFF or size < 88):
        return -errno.EINVAL        # copy_clone_args_from_user()
    if flags & CLONE_CLEAR_SIGHAND and flags & CLONE_SIGHAND:
        return -errno.EINVAL        # copy_process(): a shared table cannot be cleared
    if flags & ~(0xFFFF_FFFF | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) \
            or flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)) \
            or flags & (CLONE_THREAD | CLONE_PARENT) and exit_signal:
        return -errno.EINVAL        # clone3_args_valid()
    if exit_signal & ~0xFF or exit_signal > 64:
        return -errno.EINVAL        # copy_clone_args_from_user(): CSIGNAL, valid_signal()
    if stack and not stack_size or stack_size and not stack:
        return -errno.EINVAL        # clone3_stack_valid()
    if stack and stack + stack_size > 1 << 48:
        return -errno.EINVAL        # clone3_stack_valid(): access_ok()
    if set_tid:
        tids = struct.unpack(f"<{set_tid_size}i", k.uaccess.read(set_tid, 4 * set_tid_size))
        if flags & CLONE_INTO_CGROUP:
            return -errno.EBADF     # cgroup_css_set_fork(), before alloc_pid()
        if any(not 1 <= tid < 4 * 1024 * 1024 for tid in tids) or \
                set_tid_size > 1 + bool(flags & CLONE_NEWPID):
            return -errno.EINVAL    # alloc_pid(): a tid outside [1, pid_max), too deep
        return -errno.EPERM         # alloc_pid(): no CAP_CHECKPOINT_RESTORE here
    if flags & CLONE_INTO_CGROUP:
        return -errno.EBADF         # cgroup_css_set_fork(): no cgroup2 directory here
    sp = stack + stack_size if stack else 0
    return do_clone(k, t, flags, sp, parent_tid, tls, child_tid, exit_signal & 0xFF,
                    pidfd=pidfd)


@syscall("execve")
def sys_execve(k: Kernel, t: Thread, a) -> int | None:  # noqa: ANN001
    path = k.uaccess.read_cstring(a[0])
    argv = k.uaccess.read_string_array(a[1])
    envp = k.uaccess.read_string_array(a[2])
    proc = t.process
    execfn = path       # AT_EXECFN: bprm->filename, the string as given (a script's too)
    if path in (b"/proc/self/exe", f"/proc/{proc.pid}/exe".encode()):
        path = proc.exe.encode()      # the running image, as procfs's link names it
    resolved = k.rootfs.resolve(proc.cwd, path)
    try:
        data = resolved.host.read_bytes()
    except IsADirectoryError:
        return -errno.EACCES
    except OSError as exc:
        return -(exc.errno or errno.EACCES)
    if data[:2] == b"#!":
        # A script: its interpreter runs with the script's path (as Linux's binfmt_script).
        line = parse_shebang(data)
        if line is None:
            return -errno.ENOEXEC
        interp_path, optarg = line
        argv = [interp_path, *([optarg] if optarg else []), path, *argv[1:]]
        resolved = k.rootfs.resolve(proc.cwd, interp_path)
        try:
            data = resolved.host.read_bytes()
        except IsADirectoryError:
            return -errno.EACCES
        except OSError as exc:
            return -(exc.errno or errno.EACCES)
        if data[:2] == b"#!":
            return -errno.ELOOP
    try:
        image = parse_elf(data, resolved.guest)
        interp = load_interpreter(k.rootfs, image, resolved.guest)
    except ElfError as exc:
        return -exc.errno
    # Point of no return: other threads go, the image is replaced.
    for other in list(proc.threads):
        if other is not t and other.state not in (ThreadState.DEAD, ThreadState.ZOMBIE):
            other.clear_child_tid = 0
            k._reap_thread(other)
    proc.threads = [t]
    if t.vfork_parent is not None:
        k.wake(t.vfork_parent, t.tid)
        t.vfork_parent = None
    # begin_new_exec(): de_thread() -> unshare_sighand() and unshare_files() give the
    # exec'ing process its own handler table and descriptor table where another process
    # shares them (CLONE_SIGHAND, CLONE_FILES): the flush and the close-on-exec closes
    # below leave the others' alone
    if any(p is not proc and p.sigactions is proc.sigactions for p in k.processes.values()):
        proc.sigactions = proc.sigactions.copy()
    if files_shared(k, proc):
        proc.fds = proc.fds.fork()
    proc.fds.close_on_exec()
    proc.sigactions.reset_on_exec()
    t.altstack = (0, sig.SS_DISABLE, 0)
    t.clear_child_tid = 0
    t.rseq = None                        # rseq_execve()
    # begin_new_exec: exit_itimers() deletes every POSIX timer (interval timers stay), and
    # __set_task_comm(me, kbasename(bprm->filename)) names the task after the path given.
    timers = sys.modules.get("kernel_model.syscalls.timers")   # (loaded by timer_create)
    if timers is not None:
        for timer in list(timers.timers_of(k, proc).values()):
            timer.delete()
    t.comm = execfn.rsplit(b"/", 1)[-1][:15]
    t.keep_caps = False                  # SECBIT_KEEP_CAPS does not survive execve
    # begin_new_exec(): bprm's creds, committed after exec_mmap(): the old mm's mode (a
    # vfork parent's, still on it) stays
    old_mm = proc.mm
    old_mode = old_mm.dumpable
    commit_creds(t, exec_creds(t.cred), k.options.suid_dumpable)
    old_mm.dumpable = old_mode
    # begin_new_exec(): SUID_DUMP_USER unless the effective ids differ from the real ones;
    # a secureexec image loses its parent-death signal
    secure = secure_exec(t.cred)
    if secure:
        t.pdeath_signal = 0
    k.stats.inc("kernel.execs")
    k.load_program(t, image, resolved.guest, argv, envp, interp, execfn)
    t.process.dumpable = k.options.suid_dumpable if secure else 1     # (the new mm's)
    return None


def _sched_fork(t: Thread) -> dict[str, int]:
    """sched_fork(): the child's nice value and policy are the parent's, but with
    SCHED_RESET_ON_FORK a real-time (or deadline) child is SCHED_NORMAL at nice 0 and a
    negative nice value is 0; the flag itself is not inherited."""
    if not t.sched_reset_on_fork:
        return {"nice": t.nice, "sched_policy": t.sched_policy, "rt_priority": t.rt_priority,
                "sched_reset_on_fork": False}
    if t.sched_policy in (1, 2, 6):               # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE
        return {"nice": 0, "sched_policy": 0, "rt_priority": 0}
    return {"nice": max(t.nice, 0), "sched_policy": t.sched_policy, "rt_priority": 0}


@syscall("getpgid")
def sys_getpgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid = s32(a[0])
    p = t.process if pid == 0 else k.processes.get(pid)
    return p.pgid if p is not None else -errno.ESRCH


@syscall("setpgid")
def sys_setpgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid, pgid = s32(a[0]), s32(a[1])
    p = t.process if pid == 0 else k.processes.get(pid)
    if p is None:
        return -errno.ESRCH
    if pgid < 0:
        return -errno.EINVAL
    p.pgid = pgid or p.pid
    return 0


@syscall("getsid")
def sys_getsid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid = s32(a[0])
    p = t.process if pid == 0 else k.processes.get(pid)
    return p.sid if p is not None else -errno.ESRCH


@syscall("setsid")
def sys_setsid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    p = t.process
    if p.pgid == p.pid:
        return -errno.EPERM
    p.sid = p.pgid = p.pid
    return p.pid
