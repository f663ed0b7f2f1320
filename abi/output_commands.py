"""The output contract of the multiplexed calls, per command (abi/outputs.py's ByCommand).

ioctl's request, fcntl's command, prctl's option, the System V IPC controls' cmd,
keyctl's operation, quotactl's subcommand, ptrace's request, syslog's action and
seccomp's operation each choose what Linux writes into the program's memory.  A
command listed here says what its success has written (`NOTHING`: no user memory at
all); a command not listed has no contract, and its success is refused
(`return.no_contract`).  An ioctl request whose _IOC number encodes a direction and a
size needs no row: read direction, the size is written; write only, nothing is.  The
numbers that predate _IOC (the terminal's 0x54xx, the socket's 0x89xx) encode neither,
so each needs its row.

Struct sizes are arm64's (the asm-generic uapi headers).
"""

from __future__ import annotations

from abi.output_terms import ANY, NOTHING, ByCommand, Copied, Fixed, NoSuccess, NulString, Records

# --- ioctl requests (the asm-generic numbers) -------------------------------------------
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TCGETA, TCSETA, TCSETAW, TCSETAF = 0x5405, 0x5406, 0x5407, 0x5408
TCSBRK, TCXONC, TCFLSH, TIOCEXCL, TIOCNXCL = 0x5409, 0x540A, 0x540B, 0x540C, 0x540D
TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ = 0x540E, 0x540F, 0x5410, 0x5411
TIOCGWINSZ, TIOCSWINSZ, FIONREAD, TIOCGSERIAL = 0x5413, 0x5414, 0x541B, 0x541E
FIONBIO, TIOCNOTTY, TIOCGSID = 0x5421, 0x5422, 0x5429
FIONCLEX, FIOCLEX, FIOASYNC, FIOQSIZE = 0x5450, 0x5451, 0x5452, 0x5460
TIOCGPTN = 0x80045430
FS_IOC_GETFLAGS, FS_IOC_GETVERSION = 0x80086601, 0x80087601
SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR = 0x8910, 0x8913, 0x8915, 0x8917
SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCGIFMTU, SIOCGIFHWADDR = 0x8919, 0x891B, 0x8921, 0x8927
SIOCGIFINDEX = 0x8933
#: sock_ioctl()'s own SIOCGPGRP (put_user(f_getown())) and the protocols' SIOCATMARK (an
#: int: unix_ioctl(), inet's tcp_ioctl()); do_vfs_ioctl()'s own FIGETBSZ (_IO(0, 2): the
#: block size, an int) -- none encodes its size.
SIOCGPGRP, SIOCATMARK, FIGETBSZ = 0x8904, 0x8905, 0x2
#: sock_ioctl()'s owner commands beside SIOCGPGRP: FIOGETOWN writes f_getown() too,
#: FIOSETOWN and SIOCSPGRP only get_user() the pid
FIOSETOWN, SIOCSPGRP, FIOGETOWN = 0x8901, 0x8902, 0x8903
#: pidfd_ioctl()'s PIDFD_GET_*_NAMESPACE (_IO(0xFF, 1..10), 6.11 on): open_namespace()
#: answers a new descriptor (an nsfs file) and writes no user memory.
PIDFD_GET_NAMESPACES = tuple(range(0xFF01, 0xFF0B))
#: userfaultfd's requests (_IOWR(0xAA, nr, struct)): REGISTER, COPY, ZEROPAGE,
#: WRITEPROTECT, CONTINUE, POISON, MOVE.
UFFDIO_REGISTER, UFFDIO_COPY, UFFDIO_ZEROPAGE = 0xC020AA00, 0xC028AA03, 0xC020AA04
UFFDIO_WRITEPROTECT, UFFDIO_CONTINUE, UFFDIO_POISON = 0xC018AA06, 0xC020AA07, 0xC020AA08
UFFDIO_MOVE = 0xC028AA05
IOC_READ, IOC_WRITE = 2, 1                  # _IOC directions: the kernel writes / reads
IFREQ = 40                                  # struct ifreq: the name, then the union

_ONE_INT = (Fixed(2, 4, ANY),)
#: Requests with their output.  TCGETS and the TIOC* requests predate _IOC and encode no
#: size; FS_IOC_GETFLAGS/GETVERSION say `long` in their _IOC size (8) but every
#: filesystem writes an int (4 bytes).  The SIOCGIF* requests copy the whole struct ifreq
#: back (the name the program passed and the field the request fills).
IOCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    TCGETS: (Fixed(2, 36, ANY),),           # struct termios: 4 flags, c_line, 19 c_cc
    TCGETA: (Fixed(2, 18, ANY),),           # struct termio: 4 shorts, c_line, 8 c_cc
    TIOCGWINSZ: (Fixed(2, 8, ANY),),        # struct winsize
    TIOCGSERIAL: (Fixed(2, 72, ANY),),      # struct serial_struct
    FIOQSIZE: (Fixed(2, 8, ANY),),          # loff_t
    TIOCGPGRP: _ONE_INT, TIOCGSID: _ONE_INT, FIONREAD: _ONE_INT, TIOCOUTQ: _ONE_INT,
    TIOCGPTN: _ONE_INT, FS_IOC_GETFLAGS: _ONE_INT, FS_IOC_GETVERSION: _ONE_INT,
    SIOCGPGRP: _ONE_INT, SIOCATMARK: _ONE_INT, FIGETBSZ: _ONE_INT, FIOGETOWN: _ONE_INT,
    FIOSETOWN: NOTHING, SIOCSPGRP: NOTHING,
    **{req: NOTHING for req in PIDFD_GET_NAMESPACES},
    **{req: (Fixed(2, IFREQ, ANY),) for req in (
        SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR,
        SIOCGIFNETMASK, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX)},
    # userfaultfd's _IOWR requests write back one field of the program's struct (a
    # put_user in fs/userfaultfd.c), not the struct their _IOC size names.
    UFFDIO_REGISTER: (Fixed(2, 32, ANY, spans=((24, 8),)),),      # .ioctls
    UFFDIO_COPY: (Fixed(2, 40, ANY, spans=((32, 8),)),),          # .copy
    UFFDIO_ZEROPAGE: (Fixed(2, 32, ANY, spans=((24, 8),)),),      # .zeropage
    UFFDIO_CONTINUE: (Fixed(2, 32, ANY, spans=((24, 8),)),),      # .mapped
    UFFDIO_POISON: (Fixed(2, 32, ANY, spans=((24, 8),)),),        # .updated
    UFFDIO_MOVE: (Fixed(2, 40, ANY, spans=((32, 8),)),),          # .move
    UFFDIO_WRITEPROTECT: NOTHING,
    # Requests that only read the program's memory, or none (no _IOC direction to say so).
    **{req: NOTHING for req in (
        TCSETS, TCSETSW, TCSETSF, TCSETA, TCSETAW, TCSETAF, TCSBRK, TCXONC, TCFLSH,
        TIOCEXCL, TIOCNXCL, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ, FIONBIO, TIOCNOTTY,
        FIONCLEX, FIOCLEX, FIOASYNC)},
}

# --- fcntl commands --------------------------------------------------------------------------
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW = range(8)
F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG = 8, 9, 10, 11
F_SETOWN_EX, F_GETOWN_EX, F_GETOWNER_UIDS = 15, 16, 17
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETLEASE, F_GETLEASE, F_NOTIFY, F_DUPFD_QUERY, F_CREATED_QUERY = 1024, 1025, 1026, 1027, 1028
F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS = 1030, 1031, 1032, 1033, 1034
F_GET_RW_HINT, F_SET_RW_HINT, F_GET_FILE_RW_HINT, F_SET_FILE_RW_HINT = 1035, 1036, 1037, 1038
FCNTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    F_GETLK: (Fixed(2, 32, ANY),), F_OFD_GETLK: (Fixed(2, 32, ANY),),   # struct flock
    F_GETOWN_EX: (Fixed(2, 8, ANY),),                             # struct f_owner_ex
    F_GETOWNER_UIDS: (Fixed(2, 8, ANY),),                         # two uid_t
    F_GET_RW_HINT: (Fixed(2, 8, ANY),), F_GET_FILE_RW_HINT: (Fixed(2, 8, ANY),),   # u64
    # The answer is the result (a descriptor, flags, a size), or the call reads its input.
    **{cmd: NOTHING for cmd in (
        F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETLK, F_SETLKW, F_SETOWN, F_GETOWN,
        F_SETSIG, F_GETSIG, F_SETOWN_EX, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_GETLEASE,
        F_NOTIFY, F_DUPFD_QUERY, F_CREATED_QUERY, F_DUPFD_CLOEXEC, F_SETPIPE_SZ,
        F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS, F_SET_RW_HINT, F_SET_FILE_RW_HINT)},
}

# --- prctl options -----------------------------------------------------------------------------
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 2, 3, 4
PR_GET_KEEPCAPS, PR_SET_KEEPCAPS, PR_GET_TIMING, PR_SET_TIMING = 7, 8, 13, 14
PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP, PR_SET_SECCOMP = 15, 16, 21, 22
PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_GET_SECUREBITS, PR_SET_SECUREBITS = 23, 24, 27, 28
PR_SET_TIMERSLACK, PR_GET_TIMERSLACK = 29, 30
PR_TASK_PERF_EVENTS_DISABLE, PR_TASK_PERF_EVENTS_ENABLE = 31, 32
PR_MCE_KILL, PR_MCE_KILL_GET = 33, 34
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS = 38, 39, 40
PR_SET_THP_DISABLE, PR_GET_THP_DISABLE, PR_CAP_AMBIENT = 41, 42, 47
PR_SVE_SET_VL, PR_SVE_GET_VL = 50, 51
PR_GET_SPECULATION_CTRL, PR_SET_SPECULATION_CTRL, PR_PAC_RESET_KEYS = 52, 53, 54
PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL = 55, 56
PR_SET_IO_FLUSHER, PR_GET_IO_FLUSHER, PR_SET_SYSCALL_USER_DISPATCH = 57, 58, 59
PR_PAC_SET_ENABLED_KEYS, PR_PAC_GET_ENABLED_KEYS = 60, 61
PR_SCHED_CORE, PR_SCHED_CORE_GET = 62, 0
PR_SME_SET_VL, PR_SME_GET_VL, PR_SET_MDWE, PR_GET_MDWE = 63, 64, 65, 66
PR_SET_MEMORY_MERGE, PR_GET_MEMORY_MERGE = 67, 68
PR_GET_SHADOW_STACK_STATUS, PR_SET_SHADOW_STACK_STATUS, PR_LOCK_SHADOW_STACK_STATUS = 74, 75, 76
PR_SET_VMA, PR_GET_AUXV, PR_SET_PTRACER = 0x53564D41, 0x41555856, 0x59616D61
PRCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    PR_GET_PDEATHSIG: (Fixed(1, 4),),
    PR_GET_NAME: (Fixed(1, 16), NulString(1, ((0, 16),))),   # the comm, NUL-terminated
    PR_GET_CHILD_SUBREAPER: (Fixed(1, 4),),
    PR_GET_TID_ADDRESS: (Fixed(1, 8),),                      # the clear_child_tid pointer
    PR_GET_SHADOW_STACK_STATUS: (Fixed(1, 8),),              # the u64 status word
    PR_GET_AUXV: (Copied(1, 2),),        # answers the vector's size, copies min(size, len)
    # PR_SCHED_CORE's second argument is a subcommand: only GET writes (the u64 cookie,
    # at arg5); CREATE, SHARE_TO and SHARE_FROM act on tasks.
    PR_SCHED_CORE: (ByCommand(1, {PR_SCHED_CORE_GET: (Fixed(4, 8),), 1: NOTHING,
                                  2: NOTHING, 3: NOTHING}, mask=(1 << 64) - 1),),
    **{opt: NOTHING for opt in (
        PR_SET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_KEEPCAPS, PR_SET_KEEPCAPS,
        PR_GET_TIMING, PR_SET_TIMING, PR_SET_NAME, PR_GET_SECCOMP, PR_SET_SECCOMP,
        PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_GET_SECUREBITS, PR_SET_SECUREBITS,
        PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_TASK_PERF_EVENTS_DISABLE,
        PR_TASK_PERF_EVENTS_ENABLE, PR_MCE_KILL, PR_MCE_KILL_GET, PR_SET_CHILD_SUBREAPER,
        PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_SET_THP_DISABLE, PR_GET_THP_DISABLE,
        PR_CAP_AMBIENT, PR_SVE_SET_VL, PR_SVE_GET_VL, PR_GET_SPECULATION_CTRL,
        PR_SET_SPECULATION_CTRL, PR_PAC_RESET_KEYS, PR_SET_TAGGED_ADDR_CTRL,
        PR_GET_TAGGED_ADDR_CTRL, PR_SET_IO_FLUSHER, PR_GET_IO_FLUSHER,
        PR_SET_SYSCALL_USER_DISPATCH, PR_PAC_SET_ENABLED_KEYS, PR_PAC_GET_ENABLED_KEYS,
        PR_SME_SET_VL, PR_SME_GET_VL, PR_SET_MDWE, PR_GET_MDWE, PR_SET_MEMORY_MERGE,
        PR_GET_MEMORY_MERGE, PR_SET_SHADOW_STACK_STATUS, PR_LOCK_SHADOW_STACK_STATUS,
        PR_SET_VMA, PR_SET_PTRACER)},
}

# --- System V IPC controls: msgctl(id, cmd, buf), shmctl(id, cmd, buf), semctl(id, n, cmd, arg)
IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3
MSQID64_DS, SHMID64_DS, SEMID64_DS = 120, 112, 104
MSGINFO, SHMINFO64, SHM_INFO_SIZE, SEMINFO = 32, 72, 48, 40
MSG_STAT, MSG_INFO, MSG_STAT_ANY = 11, 12, 13
SHM_LOCK, SHM_UNLOCK, SHM_STAT, SHM_INFO, SHM_STAT_ANY = 11, 12, 13, 14, 15
GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL = 11, 12, 13, 14, 15, 16, 17
SEM_STAT, SEM_INFO, SEM_STAT_ANY = 18, 19, 20
MSGCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    IPC_RMID: NOTHING, IPC_SET: NOTHING,
    IPC_STAT: (Fixed(2, MSQID64_DS, ANY),), MSG_STAT: (Fixed(2, MSQID64_DS, ANY),),
    MSG_STAT_ANY: (Fixed(2, MSQID64_DS, ANY),),
    IPC_INFO: (Fixed(2, MSGINFO, ANY),), MSG_INFO: (Fixed(2, MSGINFO, ANY),),
}
SHMCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    IPC_RMID: NOTHING, IPC_SET: NOTHING, SHM_LOCK: NOTHING, SHM_UNLOCK: NOTHING,
    IPC_STAT: (Fixed(2, SHMID64_DS, ANY),), SHM_STAT: (Fixed(2, SHMID64_DS, ANY),),
    SHM_STAT_ANY: (Fixed(2, SHMID64_DS, ANY),),
    IPC_INFO: (Fixed(2, SHMINFO64, ANY),), SHM_INFO: (Fixed(2, SHM_INFO_SIZE, ANY),),
}
#: semctl's fourth argument is a union passed by value: for the STAT/INFO commands it is
#: the buffer's address.
SEMCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    IPC_RMID: NOTHING, IPC_SET: NOTHING, GETPID: NOTHING, GETVAL: NOTHING,
    GETNCNT: NOTHING, GETZCNT: NOTHING, SETVAL: NOTHING, SETALL: NOTHING,
    IPC_STAT: (Fixed(3, SEMID64_DS, ANY),), SEM_STAT: (Fixed(3, SEMID64_DS, ANY),),
    SEM_STAT_ANY: (Fixed(3, SEMID64_DS, ANY),),
    IPC_INFO: (Fixed(3, SEMINFO, ANY),), SEM_INFO: (Fixed(3, SEMINFO, ANY),),
    GETALL: (NoSuccess("GETALL writes one short per semaphore of the set, a count only the "
                       "kernel holds"),),
}

# --- syslog(type, buf, len) ---------------------------------------------------------------
SYSLOG_ACTION_READ, SYSLOG_ACTION_READ_ALL, SYSLOG_ACTION_READ_CLEAR = 2, 3, 4
SYSLOG_OUTPUTS: dict[int, tuple[object, ...]] = {
    **{act: (Records(1, 1, 2),) for act in (SYSLOG_ACTION_READ, SYSLOG_ACTION_READ_ALL,
                                            SYSLOG_ACTION_READ_CLEAR)},
    # CLOSE, OPEN, CLEAR, CONSOLE_OFF/ON/LEVEL, SIZE_UNREAD, SIZE_BUFFER: the result only.
    **{act: NOTHING for act in (0, 1, 5, 6, 7, 8, 9, 10)},
}

# --- keyctl(operation, ...) --------------------------------------------------------------
KEYCTL_DESCRIBE, KEYCTL_READ, KEYCTL_GET_SECURITY, KEYCTL_CAPABILITIES = 6, 11, 17, 31
KEYCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    # The value's full length is the answer; min(length, buflen) bytes of it are copied.
    KEYCTL_DESCRIBE: (Copied(2, 3),), KEYCTL_READ: (Copied(2, 3),),
    KEYCTL_GET_SECURITY: (Copied(2, 3),), KEYCTL_CAPABILITIES: (Copied(1, 2),),
    # GET_KEYRING_ID, JOIN_SESSION_KEYRING, UPDATE, REVOKE, CHOWN, SETPERM, CLEAR, LINK,
    # UNLINK, SEARCH, INSTANTIATE, NEGATE, SET_REQKEY_KEYRING, SET_TIMEOUT,
    # ASSUME_AUTHORITY, SESSION_TO_PARENT, REJECT, INSTANTIATE_IOV, INVALIDATE,
    # GET_PERSISTENT, RESTRICT_KEYRING, MOVE, WATCH_KEY: a key id or 0.
    **{op: NOTHING for op in (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 16, 18, 19, 20,
                              21, 22, 29, 30, 32)},
}

# --- quotactl(QCMD(subcmd, type), special, id, addr) / quotactl_fd(fd, cmd, id, addr) -------
Q_SYNC, Q_QUOTAON, Q_QUOTAOFF, Q_GETFMT = 0x800001, 0x800002, 0x800003, 0x800004
Q_GETINFO, Q_SETINFO, Q_GETQUOTA, Q_SETQUOTA, Q_GETNEXTQUOTA = (
    0x800005, 0x800006, 0x800007, 0x800008, 0x800009)
IF_DQBLK, IF_DQINFO, IF_NEXTDQBLK = 72, 24, 72
QUOTACTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    Q_GETFMT: (Fixed(3, 4, ANY),),                   # the format id
    Q_GETINFO: (Fixed(3, IF_DQINFO, ANY),),
    Q_GETQUOTA: (Fixed(3, IF_DQBLK, ANY),),
    Q_GETNEXTQUOTA: (Fixed(3, IF_NEXTDQBLK, ANY),),
    **{cmd: NOTHING for cmd in (Q_SYNC, Q_QUOTAON, Q_QUOTAOFF, Q_SETINFO, Q_SETQUOTA)},
}

# --- ptrace(request, pid, addr, data) -------------------------------------------------------
PTRACE_PEEKTEXT, PTRACE_PEEKDATA, PTRACE_PEEKUSR = 1, 2, 3
PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO, PTRACE_GETSIGMASK = 0x4201, 0x4202, 0x420A
PTRACE_OUTPUTS: dict[int, tuple[object, ...]] = {
    # The syscall's PEEK requests store the word at `data` and answer 0 (the C library's
    # wrapper returns it).
    **{req: (Fixed(3, 8),) for req in (PTRACE_PEEKTEXT, PTRACE_PEEKDATA, PTRACE_PEEKUSR)},
    PTRACE_GETEVENTMSG: (Fixed(3, 8),), PTRACE_GETSIGINFO: (Fixed(3, 128),),
    PTRACE_GETSIGMASK: (Fixed(3, 8),),
    # TRACEME, POKETEXT/DATA/USR, CONT, KILL, SINGLESTEP, ATTACH, DETACH, SYSCALL,
    # SETOPTIONS, SETSIGINFO, SEIZE, INTERRUPT, LISTEN, SETSIGMASK: read or act only.
    **{req: NOTHING for req in (0, 4, 5, 6, 7, 8, 9, 16, 17, 24, 0x4200, 0x4203, 0x4206,
                                0x4207, 0x4208, 0x420B)},
}

# --- seccomp(operation, flags, args) ---------------------------------------------------------
SECCOMP_GET_NOTIF_SIZES = 3
SECCOMP_OUTPUTS: dict[int, tuple[object, ...]] = {
    0: NOTHING, 1: NOTHING, 2: NOTHING,             # SET_MODE_STRICT/FILTER, ACTION_AVAIL
    SECCOMP_GET_NOTIF_SIZES: (Fixed(2, 6, ANY),),   # struct seccomp_notif_sizes: 3 u16
}

BY_COMMAND: dict[str, ByCommand] = {
    "ioctl": ByCommand(1, IOCTL_OUTPUTS, ioc=True),
    "fcntl": ByCommand(1, FCNTL_OUTPUTS),
    "prctl": ByCommand(0, PRCTL_OUTPUTS),
    "msgctl": ByCommand(1, MSGCTL_OUTPUTS),
    "shmctl": ByCommand(1, SHMCTL_OUTPUTS),
    "semctl": ByCommand(2, SEMCTL_OUTPUTS),
    "syslog": ByCommand(0, SYSLOG_OUTPUTS),
    "keyctl": ByCommand(0, KEYCTL_OUTPUTS),
    "quotactl": ByCommand(0, QUOTACTL_OUTPUTS, shift=8),
    "quotactl_fd": ByCommand(1, QUOTACTL_OUTPUTS, shift=8),
    "ptrace": ByCommand(0, PTRACE_OUTPUTS, mask=(1 << 64) - 1),
    "seccomp": ByCommand(0, SECCOMP_OUTPUTS),
}
