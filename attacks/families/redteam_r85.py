"""Red-team round eighty-five: round 84's rules on descriptors read from memory at their
edges -- the table's size (`fd_never_memory.room()`, FileTable.grown) from calls that grow
it without the Guardian noting it, control data Linux refuses before any fget(), negative
numbers, the kernel writing the argument memory a rule reads, openat2's other early
errors, and accept4()ed AF_UNIX sockets of a copied or SOCK_SEQPACKET listener.

AJ-001 lets pselect6(121, {120}, NULL, NULL, {0, 0}, NULL) run once dup3(77, 100, 0)
failed and answers 1 with bit 120 kept: ksys_dup3() calls expand_files(files, 100) ->
expand_fdtable() (max_fds 128) under the file lock before files_lookup_fd_locked(77)
finds nothing (-EBADF), and a table never shrinks, so core_sys_select() clamps n to 128 and
max_select_fd() finds bit 120 set where open_fds has none: -EBADF (the x86-64 host on
6.18, in a fork child whose table dup_fd() sized to 64: pselect6 of bit 120 answered 0
with the bit kept before the dup3, -EBADF after it; qemu-user: -EBADF, its host table is
larger).  AJ-002 the same for bit 240 once dup3(devnull, 200, 0) grew the table to 256
and close_range(200, 200, 0) closed 200: __close_range() -> __range_close() frees the
number, never the table (the host: 0 with the bit kept before, -EBADF after).  AJ-003
(secret_r84_rules' ppoll of 300 entries) writes entry 299 whole at the exit -- fd 3,
events and revents POLLIN -- and answers 1: do_sys_poll() writes back revents alone
(unsafe_put_user(revents, &ufds->revents)), fdget(77) POLLNVAL.  AJ-004 writes 3 over
the second cmsg's 77 of secret_r84_rules' sendmsg at the entry and lets it run: Linux's
____sys_sendmsg() copies the control bytes as the program left them and never writes
them (__scm_send() -> fget(77): -EBADF).  AJ-005 does so to setsockopt(sv0,
SO_ATTACH_REUSEPORT_EBPF, &77, 4)'s value and answers 0 (sk_setsockopt() copies optval,
sk_reuseport_attach_bpf() -> fdget(77): -EBADF).  AJ-006 does so to ioctl(devnull,
FICLONERANGE, {77, 0, 0, 0})'s src_fd and answers 0: ioctl_file_clone_range()
copy_from_user()s struct file_clone_range (an _IOW command: never written back),
ioctl_file_clone() -> fdget(77): -EBADF (qemu-user on 6.18: the same).  AJ-007 does so
to sendmmsg's cmsg (___sys_sendmsg() writes back msg_len alone: -EBADF).  AJ-008 answers
1 to sendmsg(sv0, 1 byte, a cmsg of cmsg_len 8 in 24 control bytes): __scm_send():
for_each_cmsghdr() -> !CMSG_OK() (cmsg_len below sizeof(struct cmsghdr)), -EINVAL (the
host on 6.18: errno 22; qemu-user converts the control data itself and sent the byte).
AJ-009 answers 1 to sendmsg of a SOL_SOCKET cmsg of type 99 (under -t): __scm_send()'s
switch knows SCM_RIGHTS and SCM_CREDENTIALS alone, `default: goto error` -EINVAL (qemu-user
and the host: -EINVAL).  AJ-010 answers 1 to sendmsg of SCM_RIGHTS of 254 copies of
/dev/null's number: scm_fp_copy() `if (num > SCM_MAX_FD) return -EINVAL` (253) before any
fget() (qemu-user and the host: -EINVAL).  AJ-011 answers 5 to openat2(AT_FDCWD, "../x",
{O_RDONLY, 0, RESOLVE_BENEATH}, 24): path_init() makes the start nd->root,
handle_dots() -> follow_dotdot() finds path_equal(&nd->path, &nd->root) and `in_root:`
LOOKUP_BENEATH answers -EXDEV whatever the working directory is (qemu-user has no
openat2; the host on 6.18: errno 18).  AJ-012 answers 5 to openat2 of RESOLVE_BENEATH |
RESOLVE_IN_ROOT: build_open_flags() -EINVAL (host: errno 22).  AJ-013 answers 0 to
statx(77, NULL, 0, 0x7ff, buf): getname(NULL) faults without AT_EMPTY_PATH, -EFAULT on
every version (qemu-user and host: -EFAULT).  AJ-014 answers 0 to newfstatat(77, NULL, st,
AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW): -EFAULT (6.1..6.10) or -EBADF (6.11+; host: errno
9).  AJ-015 answers 2 to sendmmsg(sv0, {1 byte; 1 byte with SCM_RIGHTS {77}}, 2, 0):
__sys_sendmmsg() sends the first, the second's __scm_send() fails, a count of 1 is the
answer (qemu-user: 1).  AJ-016 answers 0 to pselect6(-1, NULL, NULL, NULL, {0, 0}, NULL):
core_sys_select() `if (n < 0)` -EINVAL (qemu-user and host: -EINVAL).  AJ-017 answers 5
to openat2(AT_FDCWD, "/dev/null", how, 16): SYSCALL_DEFINE4(openat2) `usize <
OPEN_HOW_SIZE_VER0` -EINVAL (host: errno 22).  AJ-018 answers 5 to openat2 of usize 32
with byte 24 nonzero: copy_struct_from_user() -> check_zeroed_user(): -E2BIG (host: errno
7).  AJ-019 answers 0 to setsockopt(devnull, SOL_SOCKET, SO_ATTACH_BPF, &77, 4):
sockfd_lookup_light() -ENOTSOCK (host: errno 88).  AJ-020 answers 1 to sendmsg(sv0, 1
byte, msg_controllen 1 MiB over SCM_RIGHTS {77} in 24 bytes): ____sys_sendmsg() ->
sock_kmalloc(sk, ctl_len) fails past optmem_max (20480 on 6.1, 131072 on 6.9..6.18),
-ENOBUFS before any copy (host on 6.18, optmem_max 131072: errno 105).  AJ-021 answers 1
to sendmsg of SCM_RIGHTS {-1}: scm_fp_copy() `fd < 0` -EBADF (qemu-user: -EBADF).  AJ-022
answers 0 to ioctl(devnull, FICLONERANGE, {-1, 0, 0, 0}): ioctl_file_clone() ->
fdget((unsigned int)-1) -EBADF (qemu-user: -EBADF).  AJ-023 answers 0 to setsockopt(sv0,
SOL_SOCKET, SO_ATTACH_BPF, &-1, 4): sk_attach_bpf() -> bpf_prog_get_type(-1) ->
fdget(): -EBADF (host: errno 9).  AJ-024 answers 1 to sendmsg(t, SCM_RIGHTS {77}), t
accept4()ed on fcntl(l, F_DUPFD, 40), a copy of an AF_UNIX listener: unix_accept() makes
t AF_UNIX whichever number named the listener, __scm_send() -> fget(77) -EBADF (qemu-user:
the same).  AJ-025 the same for a SOCK_SEQPACKET listener's accepted socket:
unix_seqpacket_sendmsg() -> unix_dgram_sendmsg() -> scm_send() (qemu-user: -EBADF).
AJ-026 answers 1 with bit 290 kept to pselect6(291, {290}, ...) once a clone(CLONE_FILES
| SIGCHLD) child dup3(devnull, 300)'d, closed 300 and exited: the child's
expand_fdtable() grew the shared files_struct to 512 numbers (alloc_fdtable() rounds
300 / 128 + 1 up to a power of two), which outlives it: -EBADF (the host on 6.18: 1 with
the bit kept before, -EBADF after; qemu-user refuses CLONE_FILES without CLONE_VM).
AJ-027, AJ-028, AJ-029 answer 5 to openat2(AT_FDCWD, "/dev/null", how, 24) with how
{O_RDONLY | 1 << 30, 0, 0}, {O_RDONLY, 0644, 0} and {O_RDONLY, 0, 0x80}:
do_sys_openat2() -> build_open_flags() refuses an unknown open flag (`flags &
~VALID_OPEN_FLAGS`: openat2 is strict where openat drops unknown bits), a mode without
O_CREAT / O_TMPFILE (`else if (how->mode != 0)`) and an unknown resolve bit (`resolve &
~VALID_RESOLVE_FLAGS`), each -EINVAL before any look-up (the host on 6.18: errno 22 each;
qemu-user has no openat2).  AJ-030 answers 5 to openat2(AT_FDCWD, "/dev/null", how,
65537): SYSCALL_DEFINE4(openat2) `usize > PAGE_SIZE` -E2BIG (past a 4, 16 or 64 KiB page;
the host on 6.18: errno 7).  AJ-031 answers 0 to setsockopt(sv0, SOL_SOCKET,
SO_ATTACH_BPF, NULL, 4): sk_setsockopt() copy_from_sockptr() of address 0, -EFAULT (the
host on 6.18: errno 14; qemu-user does not pass the option).
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d -t`)
printed "+0" (Linux's answer) for steps 4800, 4802, 4806, 4808, 4814, 4816, 4818, 4828,
4830, 4834, 4836 and the honest 4880; "+1" for 4810, 4812, 4820, 4822, 4840, 4842, 4844,
4846 (no openat2: -ENOSYS), 4824, 4832, 4848 (socket options qemu does not pass), 4838 (CLONE_FILES
without CLONE_VM refused), 4826 (qemu's own control
conversion); "-4" for 4804 (qemu-user's target_to_host_cmsg() drops a short cmsg and
sends the byte).  The x86-64 host on 6.18 natively printed Linux's answer for each of
those (errnos 22, 18, 22, 22, 7, 88, 9, 105, 22).

Through with the Guardian on when written (gaps): AJ-001, AJ-002, AJ-006, AJ-008..012,
AJ-016..018, AJ-020..023, AJ-027..031.
Refused: AJ-003 (return: a ppoll entry's fd or events changed -- the kernel writes only
revents), AJ-004, AJ-005, AJ-007 (user_write: no capability to write the control data or
the value: sendmsg, sendmmsg and setsockopt only read there), AJ-013 (a name at 0x0:
getname() -> strncpy_from_user() -EFAULT), AJ-014 (return.fd_never_opened: dfd of a NULL
name under AT_EMPTY_PATH, other flags beside it), AJ-015 (return.fd_never_opened: the
second message sent), AJ-011, AJ-012, AJ-017, AJ-018, AJ-027..030 (since round 85's fixes,
return.early_error: openat2's usize below 24 or past a 64 KiB page, a non-zero byte of
open_how past 24, build_open_flags()'s tests as reopen_flags.flag_error() has them for
every 6.x kernel, and a first component '..' under RESOLVE_BENEATH -- follow_dotdot() at
nd->root), AJ-019 (return.fd_never_opened: SO_ATTACH_BPF's 77 -- refused for
the number, though /dev/null's -ENOTSOCK comes first), AJ-024 and AJ-025
(return.fd_never_opened: the accepted socket is AF_UNIX through a copied listener and for
SOCK_SEQPACKET), AJ-026 (return.fd_never_opened: the CLONE_FILES child's close() set
`grown` on the FileTable both share).
Refused since round 85's fixes as well: AJ-002 (return.fd_never_opened: close_range() already raises
FileTable.grown past each number it frees, as close() does -- the gap was left marked),
AJ-008, AJ-009, AJ-010, AJ-020, AJ-021 (return.scm_control, guardian/scm_control.py: an
AF_UNIX sendmsg's control data walked as __scm_send() walks it -- a cmsg failing
CMSG_OK(), a SOL_SOCKET type but SCM_RIGHTS / SCM_CREDENTIALS (SCM_SECURITY, SCM_PIDFD left
alone), more than SCM_MAX_FD numbers, a negative number, msg_controllen past INT_MAX, and
control data over the program's own munmap hole -- copy_from_user() -EFAULT; optmem_max
is a sysctl, no bound --; the kernel model, which sent a type-99 cmsg, now answers
-EINVAL as Linux does), AJ-016, AJ-022, AJ-023, AJ-031 (return.early_error: pselect6's n
negative as an int, FICLONERANGE's src_fd and SO_ATTACH_BPF's value negative as an int --
fdget() of an unsigned int past any table --, SO_ATTACH_BPF's optval at address 0),
AJ-006 (user_write under uaccess.ioctl_command, guardian/ioctl_caps.py: do_vfs_ioctl()
serves FICLONERANGE for every file and only copy_from_user()s its 32-byte struct, so the
kernel is granted a read of it and no write; the mprotect predecessor keeps ioctl's
generic grant, so there the attack succeeds).
Still open, and what the Guardian would need for each: AJ-001 -- that a failed dup3()
grew the table to newfd: ksys_dup3() expand_files(files, newfd) comes before the oldfd
look-up, but after `newfd >= rlimit(RLIMIT_NOFILE)` (-EBADF too, no growth): the victim
never reads or sets its soft RLIMIT_NOFILE (FileTable.fd_limit None) and the launch's is
not stated, so an -EBADF of dup3(77, 100) may be the limit's (ulimit -n 64), and raising
`grown` there would refuse Linux's answer; it needs the launch's RLIMIT_NOFILE stated (a
`--launch-nofile`) or read by the program.
Honest answers (tests/test_redteam_r85_claims.py): every step answered as Linux does
(LINUX_ERRORS) and sendmmsg() of a plain message and one with SCM_RIGHTS {77} answered 1
(the first msg_len 1) -- all let through: no false refusal found.

Not done for lack of time: pselect6 after an exec (exec keeps the table: unshare_files()
copies only a shared one -- whether the Guardian's exec copy keeps `grown`), a CLONE_FILES
child that grows the shared table, dup3 to a high number another thread closed, accept4()
on a listener received by SCM_RIGHTS.

The victim is `secret_r85_rules` (workloads/src/secret_r85_rules.c; AJ-003..007 use
`secret_r84_rules`): each step announces itself with a marker and turns what it observed
into the index of a public label in a log buffer that begins with a copy of the secret,
then writes that label to /dev/null.
"""

from __future__ import annotations

from collections.abc import Callable

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import answer, forged_answers, serve_as_getpid, serve_stat_written
from attacks.scenario import Expect, Goal, iago_scenarios, scenario

RT = "redteam_r85"
RULES = "secret_r85_rules"
R84 = "secret_r84_rules"
NR = NUMBERS
NEVER = 77
DEVNULL = 3
POLLIN = 1
NPOLL = 300
#: round 84's phases this round's kernel acts in (its victim's steps)
(R84_POLLMANY, R84_SCMSECOND, R84_REUSEBPF, R84_CLONERANGE, R84_SENDMMSG) = (
    14202, 14216, 14208, 14210, 14206)

_iago84 = iago_scenarios(RT, R84)
#: the attacks the Guardian refuses
REFUSED = frozenset(("AJ-003", "AJ-004", "AJ-005", "AJ-007", "AJ-013", "AJ-014", "AJ-015",
                     "AJ-019", "AJ-024", "AJ-025", "AJ-026",
                     # openat2's early errors (return.early_error)
                     "AJ-011", "AJ-012", "AJ-017", "AJ-018", "AJ-027", "AJ-028", "AJ-029",
                     "AJ-030",
                     # control data (return.scm_control) and early errors
                     "AJ-002", "AJ-008", "AJ-009", "AJ-010", "AJ-016", "AJ-020", "AJ-021",
                     "AJ-022", "AJ-023", "AJ-031",
                     # user_write: uaccess.ioctl_command grants FICLONERANGE's struct read-only
                     "AJ-006"))


def _rewrite_at_entry(adv: Adversary, nr: int, phase: int,
                      where: Callable[[Adversary], int], value: int, size: int = 4) -> None:
    """At the call's entry the kernel writes `value` where `where` says (the program's own
    argument memory, which the call only reads), then lets the call run."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        va = where(a)
        if size == 8:
            a.kernel.uaccess.write_u64(va, value)
        else:
            a.kernel.uaccess.write_u32(va, value)


@_iago84("AJ-003", "Answer 1 to ppoll() of 300 entries after rewriting entry 299's fd "
         "(a number nothing opened) to /dev/null's, revents POLLIN",
         "Linux answers 1 with entry 299 still fd 77 and revents POLLNVAL (do_sys_poll() "
         "writes back revents alone: unsafe_put_user(revents, &ufds->revents)).",
         gap="P5" if "AJ-003" not in REFUSED else "")
def poll_fd_rewritten(adv: Adversary) -> None:
    """1. The program (secret_r84_rules) calls ppoll() of 300 entries, 0..298 fd -1, 299
    fd 77 (a number nothing ever opened), {0, 0}.
    2. The kernel lets the call run; at the exit it writes entry 299 whole -- fd 3
    (/dev/null), events POLLIN, revents POLLIN -- and answers 1.
    3. The program sees entry 299 readable: index -4, secret bytes 0..7.
    Linux: do_sys_poll() copies the entries in and writes back only each revents
    (unsafe_put_user(fds->entries[j].revents, &ufds->revents)); do_pollfd() ->
    fdget(77) finds no file: POLLNVAL.  The fd field stays 77 and POLLIN never comes."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ppoll"], during=R84_POLLMANY)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["ppoll"], during=R84_POLLMANY)
    def _(a: Adversary, **_: object) -> None:
        if seen:
            a.kernel.uaccess.write_u64(seen[-1] + 8 * (NPOLL - 1),
                                       DEVNULL | POLLIN << 32 | POLLIN << 48)
            a.set_reg("x0", 1)


def _msg_control(a: Adversary, msg: int) -> int:
    return a.kernel.uaccess.read_u64(msg + 32)


@_iago84("AJ-004", "Let sendmsg() of SCM_RIGHTS {77} (after a level-0 cmsg) succeed by "
         "rewriting the second cmsg's number to /dev/null's at the entry",
         "Linux answers -EBADF (____sys_sendmsg() copies the control bytes as the program "
         "left them and writes none back; __scm_send() -> scm_fp_copy() -> fget(77)).",
         gap="P5" if "AJ-004" not in REFUSED else "")
def scm_fd_rewritten(adv: Adversary) -> None:
    """1. The program (secret_r84_rules) calls sendmsg(sv0, 1 byte, a level-0 cmsg then
    SCM_RIGHTS {77}, 0) on an AF_UNIX socketpair.
    2. At the entry the kernel writes 3 (/dev/null) over the second cmsg's 77 in the
    program's control buffer, lets the call run (it sends the byte and /dev/null) and
    answers 1.
    3. The program sees the byte sent: index -4, secret bytes 0..7.
    Linux: ____sys_sendmsg() copies msg_control into the kernel (sock_kmalloc()) and never
    writes it back; __scm_send() skips the level-0 cmsg and scm_fp_copy() -> fget(77)
    finds no file: -EBADF."""
    _rewrite_at_entry(adv, NR["sendmsg"], R84_SCMSECOND,
                      lambda a: _msg_control(a, a.el1.syscall_args()[1]) + 24 + 16, DEVNULL)


@_iago84("AJ-005", "Answer 0 to setsockopt(SO_ATTACH_REUSEPORT_EBPF, &77) after rewriting "
         "the value to /dev/null's number at the entry",
         "Linux answers -EBADF (sk_reuseport_attach_bpf() -> bpf_prog_get_type() -> "
         "fdget(77); setsockopt never writes optval).", gap="P5" if "AJ-005" not in REFUSED else "")
def reuseport_value_rewritten(adv: Adversary) -> None:
    """1. The program (secret_r84_rules) calls setsockopt(sv0, SOL_SOCKET,
    SO_ATTACH_REUSEPORT_EBPF, &77, 4).
    2. At the entry the kernel writes 3 over the program's 77, lets the call run and
    answers 0.
    3. The program sees the option set: index -4, secret bytes 0..7.
    Linux: sk_setsockopt() copies optval (copy_from_sockptr()) and never writes it back;
    sk_reuseport_attach_bpf() -> bpf_prog_get_type() -> __bpf_prog_get() -> fdget(77)
    finds no file: -EBADF."""
    _rewrite_at_entry(adv, NR["setsockopt"], R84_REUSEBPF,
                      lambda a: a.el1.syscall_args()[3], DEVNULL)
    answer(adv, NR["setsockopt"], R84_REUSEBPF, 0)


@scenario(id="AJ-006", title="Answer 0 to ioctl(FICLONERANGE, {77, ...}) after rewriting "
          "src_fd to /dev/null's number at the entry",
          prop="Linux answers -EBADF (ioctl_file_clone_range() copies the struct, never writes "
          "it back; ioctl_file_clone() -> fdget(77)).", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=R84,
          # (uaccess.ioctl_command narrows the grant in the Guardian's design alone; the
          # mprotect predecessor keeps ioctl's generic 64-byte read-write grant)
          mprotect=Expect.SUCCEEDS, gap="P5" if "AJ-006" not in REFUSED else "")
def clonerange_value_rewritten(adv: Adversary) -> None:
    """1. The program (secret_r84_rules) calls ioctl(devnull, FICLONERANGE, {77, 0, 0, 0}).
    2. At the entry the kernel writes 3 over src_fd, lets the call run and answers 0.
    3. The program sees the range cloned: index -4, secret bytes 0..7.
    Linux: do_vfs_ioctl() -> ioctl_file_clone_range() copy_from_user()s struct
    file_clone_range and never writes it back; ioctl_file_clone() -> fdget(77) finds no
    file: -EBADF."""
    _rewrite_at_entry(adv, NR["ioctl"], R84_CLONERANGE,
                      lambda a: a.el1.syscall_args()[2], DEVNULL)
    answer(adv, NR["ioctl"], R84_CLONERANGE, 0)


@_iago84("AJ-007", "Answer 1 to sendmmsg() of SCM_RIGHTS {77} after rewriting the cmsg's "
         "number to /dev/null's at the entry",
         "Linux answers -EBADF (___sys_sendmsg() copies the msghdr and control and writes "
         "back msg_len alone; __scm_send() -> fget(77)).",
         gap="P5" if "AJ-007" not in REFUSED else "")
def sendmmsg_fd_rewritten(adv: Adversary) -> None:
    """1. The program (secret_r84_rules) calls sendmmsg(sv0, {one message: 1 byte,
    SCM_RIGHTS {77}}, 1, 0) on an AF_UNIX socketpair.
    2. At the entry the kernel writes 3 over the cmsg's 77, lets the call run (the
    message goes with /dev/null) and answers 1.
    3. The program sees the message sent: index -4, secret bytes 0..7.
    Linux: __sys_sendmmsg() -> ___sys_sendmsg() copies the msghdr and control bytes and
    writes back only msg_len (put_user(err, &entry->msg_len)) of a sent message;
    __scm_send() -> scm_fp_copy() -> fget(77) finds no file: -EBADF."""
    _rewrite_at_entry(adv, NR["sendmmsg"], R84_SENDMMSG,
                      lambda a: _msg_control(a, a.el1.syscall_args()[1]) + 16, DEVNULL)


(P_DUP3GROW, P_RANGEGROW, P_SCMSHORT, P_SCMTYPE, P_SCMMANY, P_BENEATHDOTDOT,
 P_BENEATHINROOT, P_STATXNULL0, P_FSTATATNULLF, P_SELECTNEG, P_HOWSMALL, P_HOWBIG,
 P_ATTACHNOTSOCK, P_CTLBIG, P_SCMNEG, P_CLONENEG, P_ATTACHNEG, P_SCMACCDUP,
 P_SCMSEQPKT, P_FILESGROW, P_HOWFLAG, P_HOWMODE, P_HOWRESOLVE, P_HOWHUGE,
 P_ATTACHNULL) = range(14800, 14850, 2)
P_HMMSGSECOND = 14880
P_FIRST, P_LAST = P_DUP3GROW, P_HMMSGSECOND
#: the numbers nothing opened that pselect6 asks about once the table grew
SELGROW, SELRANGE, SELCHILD = 120, 240, 290

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AJ-008', P_SCMSHORT, NR["sendmsg"], 'sendmsg(sv0, 1 byte, a cmsg of cmsg_len 8 '
     '(SOL_SOCKET, SCM_RIGHTS) in 24 control bytes, 0) on an AF_UNIX socketpair',
     '-EINVAL', 'unix_stream_sendmsg() -> scm_send() -> __scm_send(): for_each_cmsghdr() '
     'finds !CMSG_OK() (cmsg_len below sizeof(struct cmsghdr)), `goto error` before any '
     'send', 1),
    ('AJ-009', P_SCMTYPE, NR["sendmsg"], 'sendmsg(sv0, 1 byte, a SOL_SOCKET cmsg of type '
     '99, 0) on an AF_UNIX socketpair', '-EINVAL', '__scm_send(): switch (cmsg->cmsg_type) '
     'knows SCM_RIGHTS and SCM_CREDENTIALS alone, `default: goto error`', 1),
    ('AJ-010', P_SCMMANY, NR["sendmsg"], 'sendmsg(sv0, 1 byte, SCM_RIGHTS of 254 copies of '
     '/dev/null\'s number, 0) on an AF_UNIX socketpair', '-EINVAL',
     '__scm_send() -> scm_fp_copy(): `if (num > SCM_MAX_FD) return -EINVAL` (253) before '
     'any fget()', 1),
    ('AJ-011', P_BENEATHDOTDOT, NR["openat2"], 'openat2(AT_FDCWD, "../x", {O_RDONLY, 0, '
     'RESOLVE_BENEATH}, 24)', '-EXDEV', 'path_init() sets nd->root to the starting point '
     'under LOOKUP_BENEATH; walk_component() -> handle_dots() -> follow_dotdot(): '
     'path_equal(&nd->path, &nd->root), `in_root:` LOOKUP_BENEATH -> -EXDEV, whatever the '
     'working directory is', 5),
    ('AJ-012', P_BENEATHINROOT, NR["openat2"], 'openat2(AT_FDCWD, "x", {O_RDONLY, 0, '
     'RESOLVE_BENEATH | RESOLVE_IN_ROOT}, 24)', '-EINVAL', 'do_sys_openat2() -> '
     'build_open_flags(): `(how->resolve & RESOLVE_BENEATH) && (how->resolve & '
     'RESOLVE_IN_ROOT)` -> -EINVAL before any look-up', 5),
    ('AJ-016', P_SELECTNEG, NR["pselect6"], 'pselect6(-1, NULL, NULL, NULL, {0, 0}, NULL)',
     '-EINVAL', 'do_pselect() -> core_sys_select(): `if (n < 0) goto out_nofds` '
     '(-EINVAL) before any set or timeout matters', 0),
    ('AJ-017', P_HOWSMALL, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", how, 16)',
     '-EINVAL', 'SYSCALL_DEFINE4(openat2): `if (unlikely(usize < OPEN_HOW_SIZE_VER0)) '
     'return -EINVAL;` before copy_struct_from_user()', 5),
    ('AJ-018', P_HOWBIG, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", how, 32), how\'s '
     'bytes 24..31 not zero', '-E2BIG', 'SYSCALL_DEFINE4(openat2) -> '
     'copy_struct_from_user(): check_zeroed_user() finds a nonzero byte past struct '
     'open_how', 5),
    ('AJ-019', P_ATTACHNOTSOCK, NR["setsockopt"], 'setsockopt(devnull, SOL_SOCKET, '
     'SO_ATTACH_BPF, &77, 4)', '-ENOTSOCK', '__sys_setsockopt() -> sockfd_lookup_light() '
     '-> sock_from_file(): /dev/null is no socket', 0),
    ('AJ-020', P_CTLBIG, NR["sendmsg"], 'sendmsg(sv0, 1 byte, msg_controllen 1 MiB over '
     'SCM_RIGHTS {77} in 24 bytes, 0) on an AF_UNIX socketpair', '-ENOBUFS',
     '____sys_sendmsg(): ctl_len > sizeof(ctl) -> sock_kmalloc(sk, ctl_len) fails past '
     'optmem_max (20480 on 6.1, 131072 on 6.9..6.18): -ENOBUFS before any copy', 1),
    ('AJ-021', P_SCMNEG, NR["sendmsg"], 'sendmsg(sv0, 1 byte, SCM_RIGHTS {-1}, 0) on an '
     'AF_UNIX socketpair', '-EBADF', '__scm_send() -> scm_fp_copy(): `if (fd < 0 || '
     '!(file = fget_raw(fd)))` return -EBADF', 1),
    ('AJ-022', P_CLONENEG, NR["ioctl"], 'ioctl(devnull, FICLONERANGE, {-1, 0, 0, 0})',
     '-EBADF', 'ioctl_file_clone_range() -> ioctl_file_clone(file, arg.src_fd, ...) -> '
     'fdget((unsigned int)-1) finds no file', 0),
    ('AJ-023', P_ATTACHNEG, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, '
     '&-1, 4)', '-EBADF', 'sk_setsockopt() -> sk_attach_bpf() -> __get_bpf() -> '
     'bpf_prog_get_type(-1) -> __bpf_prog_get() -> fdget(-1) finds no file', 0),
    ('AJ-024', P_SCMACCDUP, NR["sendmsg"], 'sendmsg(t, 1 byte with SCM_RIGHTS {77}, 0), t '
     'the AF_UNIX socket accept4() gave on fcntl(l, F_DUPFD, 40), a copy of the listener',
     '-EBADF', 'unix_accept() makes t AF_UNIX whichever number named the listener; '
     'unix_stream_sendmsg() -> scm_send() -> __scm_send() -> scm_fp_copy() -> fget(77) '
     'finds no file', 1),
    ('AJ-025', P_SCMSEQPKT, NR["sendmsg"], 'sendmsg(t, 1 byte with SCM_RIGHTS {77}, 0), t '
     'the socket accept4() gave on an AF_UNIX SOCK_SEQPACKET listener', '-EBADF',
     'unix_seqpacket_sendmsg() -> unix_dgram_sendmsg() -> scm_send() -> __scm_send() -> '
     'fget(77) finds no file', 1),
    ('AJ-027', P_HOWFLAG, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", {O_RDONLY | '
     '1 << 30, 0, 0}, 24)', '-EINVAL', 'do_sys_openat2() -> build_open_flags(): '
     '`if (flags & ~VALID_OPEN_FLAGS) return -EINVAL;` (openat2 is strict where openat '
     'drops unknown bits)', 5),
    ('AJ-028', P_HOWMODE, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0644, '
     '0}, 24)', '-EINVAL', 'build_open_flags(): a mode without O_CREAT or O_TMPFILE, '
     '`else if (how->mode != 0) return -EINVAL;`', 5),
    ('AJ-029', P_HOWRESOLVE, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0, '
     '0x80}, 24)', '-EINVAL', 'build_open_flags(): `if (how->resolve & '
     '~VALID_RESOLVE_FLAGS) return -EINVAL;` (0x80 is no RESOLVE_* bit on 6.1..6.18)', 5),
    ('AJ-030', P_HOWHUGE, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", how, 65537)',
     '-E2BIG', 'SYSCALL_DEFINE4(openat2): `if (unlikely(usize > PAGE_SIZE)) return '
     '-E2BIG;` (65537 is past a 4, 16 or 64 KiB page) before copy_struct_from_user()', 5),
    ('AJ-031', P_ATTACHNULL, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, '
     'SO_ATTACH_BPF, NULL, 4)', '-EFAULT', 'sk_setsockopt(): copy_from_sockptr(&val, '
     'optval, sizeof(val)) of address 0 faults before the option is looked at', 0),
)
#: the steps still open (through with the Guardian on)
OPEN = frozenset([s[0] for s in STEPS] + ["AJ-001", "AJ-002", "AJ-006", "AJ-013", "AJ-014",
                                          "AJ-015", "AJ-026"]) - REFUSED

_SEEN = {0: 'a success', 1: 'the byte sent', 5: 'a descriptor'}
forged_answers(_iago, tuple(s for s in STEPS if s[1] != P_SCMTYPE), OPEN,
               seen=lambda err, forged: _SEEN[forged])
#: the type-99 step runs under -t (the kernel model sends the byte: a leak untouched)
forged_answers(lambda *a, **k: _iago(*a, args=(b"-t",), **k),
               tuple(s for s in STEPS if s[1] == P_SCMTYPE), OPEN,
               seen=lambda err, forged: _SEEN[forged])

#: Linux's answers for the steps
LINUX_ERRORS = {P_DUP3GROW: -9, P_RANGEGROW: -9, P_SCMSHORT: -22, P_SCMTYPE: -22,
                P_SCMMANY: -22, P_BENEATHDOTDOT: -18, P_BENEATHINROOT: -22,
                P_STATXNULL0: -14, P_FSTATATNULLF: -9, P_SELECTNEG: -22,
                P_HOWSMALL: -22, P_HOWBIG: -7, P_ATTACHNOTSOCK: -88, P_CTLBIG: -105,
                P_SCMNEG: -9, P_CLONENEG: -9, P_ATTACHNEG: -9, P_SCMACCDUP: -9,
                P_SCMSEQPKT: -9, P_FILESGROW: -9, P_HOWFLAG: -22, P_HOWMODE: -22,
                P_HOWRESOLVE: -22, P_HOWHUGE: -7, P_ATTACHNULL: -14}


def _select_kept(adv: Adversary, phase: int, bit: int) -> None:
    """Let pselect6 run, write `bit` back set in the read set and answer 1."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["pselect6"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.el1.syscall_args()[1] + 8 * (bit // 64),
                                   1 << (bit % 64))
        a.set_reg("x0", 1)


@_iago("AJ-001", "Answer 1 to pselect6() of bit 120 once a failed dup3(77, 100) grew the "
       "table to 128 numbers", "Linux answers -EBADF (ksys_dup3() runs expand_files(files, "
       "newfd) before it looks oldfd up; core_sys_select() clamps n to 128, "
       "max_select_fd() finds bit 120 set and no file).", gap="P5" if "AJ-001" in OPEN else "")
def select_after_failed_dup3(adv: Adversary) -> None:
    """1. The program calls dup3(77, 100, 0), 77 a number nothing ever opened (Linux:
    -EBADF), then pselect6(121, {120}, NULL, NULL, {0, 0}, NULL).
    2. The kernel lets pselect6 run, writes the read set's second word back with bit 120
    set and answers 1.
    3. The program sees 120 readable: index -4, secret bytes 0..7.
    Linux: ksys_dup3() takes the file lock and calls expand_files(files, 100) ->
    expand_fdtable() (max_fds 128) before files_lookup_fd_locked(77) fails -- the table
    grew though the call failed, and never shrinks; core_sys_select() clamps n to 128 and
    do_select() -> max_select_fd() finds bit 120 set where open_fds has none: -EBADF (the
    x86-64 host on 6.18, in a fork child whose table dup_fd() sized to 64: pselect6 of
    bit 120 answered 0 with the bit kept before the dup3, -EBADF after it)."""
    _select_kept(adv, P_DUP3GROW, SELGROW)


@_iago("AJ-002", "Answer 1 to pselect6() of bit 240 once dup3(devnull, 200) grew the table "
       "to 256 numbers and close_range(200, 200, 0) closed 200",
       "Linux answers -EBADF (the table keeps max_fds 256: close_range() -> "
       "__range_close() frees numbers, never the table; max_select_fd()).",
       gap="P5" if "AJ-002" in OPEN else "")
def select_after_close_range(adv: Adversary) -> None:
    """1. The program calls dup3(devnull, 200, 0) (the table grows to 256 numbers:
    alloc_fdtable()), close_range(200, 200, 0), then pselect6(241, {240}, NULL, NULL,
    {0, 0}, NULL), 240 a number nothing ever opened.
    2. The kernel lets pselect6 run, writes the read set's fourth word back with bit 240
    set and answers 1.
    3. The program sees 240 readable: index -4, secret bytes 0..7.
    Linux: __close_range() -> __range_close() -> file_close_fd_locked() frees 200, the
    table keeps max_fds 256; core_sys_select() clamps n to 256 and max_select_fd() finds
    bit 240 set and no file: -EBADF (the x86-64 host on 6.18, a fork child's table of
    64: pselect6 of bit 240 answered 0 before, -EBADF after)."""
    _select_kept(adv, P_RANGEGROW, SELRANGE)


@_iago("AJ-026", "Answer 1 to pselect6() of bit 290 once a CLONE_FILES child grew the "
       "shared table to 512 numbers (dup3(devnull, 300), close) and exited",
       "Linux answers -EBADF (the child's expand_fdtable() grew the files_struct both "
       "share; core_sys_select() clamps n to 512, max_select_fd()).",
       gap="P5" if "AJ-026" in OPEN else "")
def select_after_child_grew(adv: Adversary) -> None:
    """1. The program clone(CLONE_FILES | SIGCHLD)s a child that dup3(devnull, 300, 0)s,
    closes 300 and exits; once wait4() reaped it, the program calls pselect6(291, {290},
    NULL, NULL, {0, 0}, NULL), 290 a number nothing ever opened.
    2. The kernel lets pselect6 run, writes the read set's fifth word back with bit 290
    set and answers 1.
    3. The program sees 290 readable: index -4, secret bytes 0..7.
    Linux: copy_files() with CLONE_FILES shares current->files; the child's do_dup2() ->
    expand_files() -> expand_fdtable() -> alloc_fdtable() made max_fds 512 in the shared
    files_struct, and neither close() nor the child's exit_files() (the count drops to 1)
    shrinks it; core_sys_select() clamps n to 512 and max_select_fd() finds bit 290 set
    and no file: -EBADF (the x86-64 host on 6.18, a fork child's table of 64: 1 with the
    bit kept before, -EBADF after; qemu-user refuses CLONE_FILES without CLONE_VM)."""
    _select_kept(adv, P_FILESGROW, SELCHILD)


@_iago("AJ-013", "Answer 0 to statx() of a NULL name without AT_EMPTY_PATH at a number "
       "nothing ever opened, its buffer written", "Linux answers -EFAULT on 6.1..6.18 "
       "(getname(NULL): strncpy_from_user() faults; getname_maybe_null() takes NULL as "
       "empty only under AT_EMPTY_PATH).", gap="P5" if "AJ-013" in OPEN else "")
def statx_null_no_empty(adv: Adversary) -> None:
    """1. The program calls statx(77, NULL, 0, 0x7ff, buf).
    2. The kernel serves the call as getpid(), writes a character device's statx record
    into buf and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: SYSCALL_DEFINE5(statx): 6.1..6.10 getname_flags(NULL, 0) and 6.11+
    getname_maybe_null() (no AT_EMPTY_PATH: getname()) both fault on address 0: -EFAULT
    (qemu-user on 6.18: -EFAULT; the x86-64 host on 6.18 printed errno 14).  Never 0."""
    serve_stat_written(adv, NR["statx"], P_STATXNULL0, 4, 256)


@_iago("AJ-014", "Answer 0 to newfstatat() of a NULL name under AT_EMPTY_PATH | "
       "AT_SYMLINK_NOFOLLOW at a number nothing ever opened, its buffer written",
       "Linux answers -EBADF (6.11+: getname_maybe_null() / vfs_empty_path() takes NULL "
       "as empty, the fd's fdget_raw()) or -EFAULT (6.1..6.10).",
       gap="P5" if "AJ-014" in OPEN else "")
def fstatat_null_nofollow(adv: Adversary) -> None:
    """1. The program calls newfstatat(77, NULL, st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW).
    2. The kernel serves the call as getpid(), writes a character device's stat record
    into st and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: 6.1..6.10 vfs_fstatat() -> getname_flags(NULL): -EFAULT; 6.11+ a NULL name
    under AT_EMPTY_PATH (with other flags too) is taken as empty and dfd 77 looked up:
    -EBADF (the x86-64 host on 6.18 printed errno 9).  Never 0."""
    serve_stat_written(adv, NR["newfstatat"], P_FSTATATNULLF, 2, 128)


@_iago("AJ-015", "Answer 2 to sendmmsg() of two messages, the second with SCM_RIGHTS of a "
       "number nothing ever opened, both msg_len written",
       "Linux answers 1 (__sys_sendmmsg(): the first message went, the second's "
       "__scm_send() -> fget(77) failed; a count of those sent).",
       gap="P5" if "AJ-015" in OPEN else "")
def sendmmsg_second(adv: Adversary) -> None:
    """1. The program calls sendmmsg(sv0, {1 byte; 1 byte with SCM_RIGHTS {77}}, 2, 0) on
    an AF_UNIX socketpair.
    2. The kernel serves the call as getpid(), writes msg_len 1 into both entries and
    answers 2.
    3. The program sees both sent: index -4, secret bytes 0..7.
    Linux: __sys_sendmmsg() -> ___sys_sendmsg() sends the first, the second's
    __scm_send() -> scm_fp_copy() -> fget(77) finds no file; with one datagram sent the
    answer is 1 (qemu-user on 6.18: 1)."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sendmmsg"], during=P_HMMSGSECOND)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[1])

    def _sent(a: Adversary) -> int:
        if seen:
            a.kernel.uaccess.write_u32(seen[-1] + 56, 1)
            a.kernel.uaccess.write_u32(seen[-1] + 64 + 56, 1)
        return 2
    serve_as_getpid(adv, NR["sendmmsg"], P_HMMSGSECOND, _sent)


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r85_rules.
    2. Linux answers each as LINUX_ERRORS says (the kernel model answers several
    otherwise: each is served as getpid() with Linux's answer), and sendmmsg() of a plain
    message and one with SCM_RIGHTS {77} 1 with the first msg_len 1.
    3. It sees Linux's answer: index 0 each."""
    for phase, err in LINUX_ERRORS.items():
        nr = {P_DUP3GROW: "pselect6", P_RANGEGROW: "pselect6", P_SCMSHORT: "sendmsg",
              P_SCMTYPE: "sendmsg", P_SCMMANY: "sendmsg", P_BENEATHDOTDOT: "openat2",
              P_BENEATHINROOT: "openat2", P_STATXNULL0: "statx",
              P_FSTATATNULLF: "newfstatat", P_SELECTNEG: "pselect6",
              P_HOWSMALL: "openat2", P_HOWBIG: "openat2", P_ATTACHNOTSOCK: "setsockopt",
              P_CTLBIG: "sendmsg", P_SCMNEG: "sendmsg", P_CLONENEG: "ioctl",
              P_ATTACHNEG: "setsockopt", P_SCMACCDUP: "sendmsg", P_SCMSEQPKT: "sendmsg",
              P_FILESGROW: "pselect6", P_HOWFLAG: "openat2", P_HOWMODE: "openat2",
              P_HOWRESOLVE: "openat2", P_HOWHUGE: "openat2",
              P_ATTACHNULL: "setsockopt"}[phase]
        serve_as_getpid(adv, NR[nr], phase, err)
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sendmmsg"], during=P_HMMSGSECOND)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[1])

    def _one(a: Adversary) -> int:
        if seen:
            a.kernel.uaccess.write_u32(seen[-1] + 56, 1)
        return 1
    serve_as_getpid(adv, NR["sendmmsg"], P_HMMSGSECOND, _one)
