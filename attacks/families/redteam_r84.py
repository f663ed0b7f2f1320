"""Red-team round eighty-four: round 83's new rules at their edges -- descriptor numbers
read from memory past the bounds `guardian/fd_never_memory.py` sets itself (pselect6 bits
past 64 once the table grew, ppoll entries past 256, control data past 1024 bytes) and in
calls it does not read (sendmmsg, SO_ATTACH_REUSEPORT_EBPF, FICLONERANGE); the early
returns of `descriptor_args.no_lookup()` taken too wide (tee's flags test comes first,
utimensat's times unknown are taken as both UTIME_OMIT); and kcmp of exited fork children
and of a CLONE_FILES child that unshared its table.

AG-001 lets pselect6(121, {120}, NULL, NULL, {0, 0}, NULL) run once dup3(devnull, 100, 0)
grew the table (closed again) and answers 1 with bit 120 kept: expand_files() ->
expand_fdtable() -> alloc_fdtable() made max_fds 128 (a table never shrinks), so
core_sys_select() clamps n to 128, not 64, and do_select() -> max_select_fd() finds bit
120 set where fdt->open_fds has none: -EBADF (qemu-user on 6.18: the same); the rule
judges bits below 64 alone.  AG-002 lets ppoll() of 300 entries run (0..298 fd -1, 299
NEVER) and writes revents POLLIN into entry 299: do_sys_poll() (nfds below
RLIMIT_NOFILE) -> do_poll() -> do_pollfd() judges every entry: fdget(77) finds no file,
POLLNVAL (qemu-user on 6.18: POLLNVAL); the rule reads the first 256 entries.  AG-003
answers 1 to sendmsg(sv0, 1 byte, SCM_RIGHTS {77} first in 1032 control bytes) on an
AF_UNIX socketpair: ____sys_sendmsg() copies ctl_len bytes (sock_kmalloc() up to
optmem_max: 20480 on 6.1, 131072 on 6.9..6.18), unix_stream_sendmsg() -> scm_send() ->
__scm_send(): the first cmsg's scm_fp_copy() -> fget(77), -EBADF before the second is
looked at (qemu-user on 6.18: the same); the rule passes over control data past 1024
bytes.  AG-004 answers 1 to sendmmsg(sv0, {one message with SCM_RIGHTS {77}}, 1, 0):
__sys_sendmmsg() -> ___sys_sendmsg() -> ____sys_sendmsg(): the same __scm_send(), and the
first message's error is the answer (no datagram sent) -- -EBADF (qemu-user on 6.18: the
same); the rule reads sendmsg alone.  AG-005 answers 0 to setsockopt(sv0, SOL_SOCKET,
SO_ATTACH_REUSEPORT_EBPF, &77, 4): sk_setsockopt() -> sk_reuseport_attach_bpf() ->
bpf_prog_get_type() -> __bpf_prog_get() -> fdget(ufd): -EBADF (qemu-user does not pass
the option, -ENOPROTOOPT; the x86-64 host on 6.18 printed errno 9); the rule reads
SO_ATTACH_BPF alone.  AG-006 answers 0 to ioctl(devnull, FICLONERANGE, {77, 0, 0, 0}):
do_vfs_ioctl() -> ioctl_file_clone_range() copies the struct, ioctl_file_clone() ->
fdget(src_fd) (CLASS(fd) on 6.12..6.18): -EBADF (qemu-user on 6.18: the same); the rule
knows FICLONE's register argument alone.  AG-007 answers 0 to utimensat(77, "x", times,
0), times two zero timespecs on a page the program never touched:
SYSCALL_DEFINE4(utimensat) copies them (get_timespec64(): not UTIME_OMIT),
do_utimes() -> do_utimes_path() -> user_path_at() -> path_init() -> fdget_raw(77):
-EBADF (qemu-user on 6.18: the same); no_lookup() takes times it cannot read (the forging
kernel faulted nothing in: UserMemory.read() answers None) as both UTIME_OMIT.  AG-008
answers 0 to tee(77, 78, 0, 0x100): SYSCALL_DEFINE4(tee) tests `flags & ~SPLICE_F_ALL`
(-EINVAL) before `if (!len) return 0` (qemu-user on 6.18: -EINVAL); no_lookup() takes
length 0 alone and return.range_table has no row for tee's flags.  AG-009 answers 1 to
sendmsg(sv0, a cmsg of level 0, then SCM_RIGHTS {77}): __scm_send() skips a level other
than SOL_SOCKET (`continue`) and fget()s the second's number: -EBADF (qemu-user on 6.18:
the same).  AG-010 answers 5 to openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0,
RESOLVE_BENEATH}, 24): path_init() -> nd_jump_root(): LOOKUP_BENEATH refuses an absolute
name, -EXDEV, whatever dfd is (qemu-user has no openat2, -ENOSYS; the x86-64 host on 6.18
printed errno 18); the rule judges only a dfd nothing opened.  AG-011 answers the same
number to dup3(devnull, devnull, 0): ksys_dup3(): `if (unlikely(oldfd == newfd)) return
-EINVAL;` (qemu-user on 6.18: -EINVAL).  AG-012 answers 0 to kcmp(pid, z, KCMP_FILES, 0,
0), z an exited fork child that waitid(WEXITED | WNOWAIT) reported, not reaped:
do_exit() -> exit_files() set z->files NULL, kcmp_ptr(files, NULL) an order (qemu-user
on 6.18: an order); return.descriptor_kind's fork-child test (_living_child()) passes
over an exited child.  AG-013 answers 0 to kcmp(pid, z, KCMP_VM, 0, 0) of it:
exit_mm() set z->mm NULL: an order (qemu-user on 6.18: an order).  AG-014 answers 0 to
kcmp(c, z, KCMP_FILES, 0, 0), c a living fork child: c's table dup_fd() made, z's NULL:
an order (qemu-user on 6.18: an order); _two_children() wants both living.  AG-015
answers 0 to kcmp(pid, cf, KCMP_FILES, 0, 0), cf a clone(CLONE_FILES | SIGCHLD) child
that unshare(CLONE_FILES)'d (it told the caller through a pipe): ksys_unshare() ->
unshare_fd() -> dup_fd() gave it a table of its own, kcmp_ptr() an order (qemu-user
refuses CLONE_FILES without CLONE_VM; the x86-64 host on 6.18 printed 1, and 0 without
the unshare).
AG-016 answers 0 to kcmp(pid, c, KCMP_FS, 0, 0) of a living fork child: copy_fs() without
CLONE_FS -> copy_fs_struct(): an order (qemu-user on 6.18: an order).  AG-017 answers 0
to kcmp(pid, cs, KCMP_FS, 0, 0), cs a clone(CLONE_FS | SIGCHLD) child that
unshare(CLONE_FS)'d: ksys_unshare() -> unshare_fs() -> copy_fs_struct() gave it its own,
an order (qemu-user refuses CLONE_FS without CLONE_VM; the x86-64 host on 6.18 printed 2,
and 0 without the unshare).  AG-018 answers 0 to kcmp(pid, cf, KCMP_FILES, 0, 0), cf a
living clone(CLONE_FILES | SIGCHLD) child, once the caller itself unshare(CLONE_FILES)'d:
unshare_fd() -> dup_fd() made the caller a new table, cf keeps the old: an order (the
x86-64 host on 6.18 printed 1).  AG-019 answers 1 to sendmsg(t, SCM_RIGHTS {77}), t the
AF_UNIX socket accept4() gave for a connect() to an abstract name: unix_stream_sendmsg()
-> scm_send() -> __scm_send() -> scm_fp_copy() -> fget(77), -EBADF, whichever call made
the socket (qemu-user on 6.18: the same); the rule judges only sockets socket() and
socketpair() made.  AG-020 answers 0 to statx(77, NULL, AT_EMPTY_PATH, 0x7ff, buf) and
writes a statx record: 6.11..6.18 SYSCALL_DEFINE5(statx) -> getname_maybe_null() takes
NULL as empty, do_statx_fd() -> CLASS(fd_raw)(77): -EBADF; 6.1..6.10
getname_flags(NULL): -EFAULT (qemu-user on 6.18: an error; the x86-64 host on 6.18 printed
errno 9).  AG-021 the same for newfstatat(77, NULL, st, AT_EMPTY_PATH): vfs_fstatat() ->
vfs_empty_path() (6.11+) -> vfs_fstat() -> fdget_raw(): -EBADF (host: errno 9); the rule
judges a NULL name only for utimensat.  AG-022 answers 0 to kcmp(c1, c2, KCMP_VM, 0, 0)
of two living fork children: dup_mm() made each its own mm, an order (qemu-user on 6.18:
an order); _two_children() judges KCMP_FILES alone.  AG-023 lets pselect6(71, {70},
NULL, NULL, {0, 0}, NULL) run while the table holds 64 numbers and answers 1, the sets
left as they were (bit 70 the program's own): core_sys_select() clamps n to
fdt->max_fds (64) and writes back bits 0..63, all clear: do_select() answers 0 -- or
-EBADF where the launch's table was larger (max_select_fd()); never a count no bit below
the clamp backs (the x86-64 host on 6.18: 0 with bit 70 kept in a fork child whose table
dup_fd() sized to 64, -EBADF in the shell's grown table).  AG-024 answers 0 to
setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &{77, 0}, 8): sk_setsockopt() takes optlen ==
sizeof(u32) alone, -EINVAL (qemu-user: -ENOPROTOOPT; the x86-64 host on 6.18 printed
errno 22, and 9 for optlen 4); the rule reads only optlen 4.  AG-025 answers 0 to
kcmp(z, pid, KCMP_FILES, 0, 0), the exited child's pid first: kcmp_ptr(NULL, files) is an
order either way (qemu-user on 6.18: an order).
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d -s -u`)
printed "+0" (Linux's own answers, the phase's last four digits) for steps 4200, 4202, 4204,
4206, 4210, 4212, 4214, 4216, 4220, 4222, 4224, 4226, 4230, 4236, 4238, 4240, 4242, 4248,
4244 (qemu's host table is larger than 64: -EBADF, which the victim also takes as Linux's)
and the honest 4280, 4282 (kcmp of two exited fork children: 0), 4284 (splice of length 0
with flags 0x100: 0), 4286 (utimensat of two UTIME_OMIT with flags 0x55: 0), 4288 (KCMP_IO
of a fork child: no io_context either side, 0), 4292 (kcmp(z, z, KCMP_FILES) 0) and 4296
(KCMP_IO of an exited fork child: 0); "+1" for 4208, 4246 (socket options qemu does not
pass: -ENOPROTOOPT), 4218 (openat2: -ENOSYS), 4228, 4232, 4234, 4290 (CLONE_FILES / CLONE_FS
refused without CLONE_VM); "-4" for the honest 4294 (KCMP_SYSVSEM of an exited fork child):
qemu-user's host process has an undo list (its threads were made with glibc's
CLONE_SYSVSEM), the victim's own has none, so Linux's are both NULL -- the x86-64 host on
6.18 printed 0 for the same step natively, as it did for 4288/4296 (0), 4292 (0), the exited
child's KCMP_FILES (2) and the steps qemu cannot run (4208: errno 9, 4218: errno 18, 4228:
1, 4232: 2, 4234: 1, 4290: 0, 4246: errno 22).

Through with the Guardian on when written (gaps): AG-001..007, 010, 014, 015, 017..024.
Refused: AG-008 (tee's flags: sys_tee() refuses flags past SPLICE_F_ALL, before
no_lookup() matters), AG-009 (return.fd_never_opened: the cmsg walk skips a level other
than SOL_SOCKET and reads the second), AG-011 (dup3 of a number onto itself, ksys_dup3()),
AG-012 and AG-013 (return.exited_table: an exited child's files / mm, exit_files() /
exit_mm() NULL), AG-016 (return.kcmp_answer: KCMP_FS of a fork child,
copy_fs_struct()), AG-025 (return.exited_table takes the exited child on either side).
Refused since (the fix of round 84): AG-001 (return.fd_never_opened: pselect6's bits
judged below fd_never_memory.room(), a lower bound on fdt->max_fds -- 64 and past every
number the table held, a table never shrinks), AG-002 (return.fd_never_opened: every ppoll
entry up to nfds, at most 1 << 20 -- sysctl_nr_open's default, which RLIMIT_NOFILE never
passes), AG-003 (return.fd_never_opened: side_fds.rights() read control data up to
64 KiB already -- refused when written up, the round took its bound for 1 KiB; now up to
128 KiB, optmem_max's default on 6.9+), AG-004
(return.fd_never_opened: sendmmsg's first `ret` messages, each as sendmsg's __scm_send()),
AG-005 (return.fd_never_opened: SO_ATTACH_REUSEPORT_EBPF's value as SO_ATTACH_BPF's,
sk_reuseport_attach_bpf()), AG-006 (return.fd_never_opened: FICLONERANGE's
file_clone_range.src_fd, ioctl_file_clone_range() -> ioctl_file_clone() -> fdget(); and
an ioctl of FICLONE / FICLONERANGE -- do_vfs_ioctl() answers both itself -- no longer
makes the table unknown), AG-010 (return.early_error: openat2 of an absolute name under
RESOLVE_BENEATH, nd_jump_root() -EXDEV whatever dfd is), AG-020 and AG-021
(return.fd_never_opened: statx's and newfstatat's NULL name under AT_EMPTY_PATH at a dfd
nothing opened -- 6.11+ fdget_raw() -EBADF, before getname_flags(NULL) -EFAULT; address 0
lies below mmap_min_addr), AG-024 (return.early_error: SO_ATTACH_BPF or
SO_ATTACH_REUSEPORT_EBPF with optlen other than 4, sk_setsockopt() -EINVAL), AG-019
(return.fd_never_opened: an accept()'d or accept4()'d socket of a listener the program made
AF_UNIX is AF_UNIX too, unix_accept() -- OpenFile.unix_accepted, set where the listener's
number was steady through the accept).
Refused since the kernel model runs unshare() (kernel_model/syscalls/unshare.py): AG-017
(return.kcmp_answer: the fs_struct unshare_fs() -> copy_fs_struct() gave the child; the
Guardian followed an unshare(CLONE_FS) answered 0 already, the model's -ENOSYS kept it
shared), AG-015 and AG-018 (return.kcmp_answer: an unshare(CLONE_FILES) answered 0, no
filter able to answer it, splits the pids told of the shared table's processes --
fd_tables.split_pids(): the copy holds only the caller's, the old table loses it unless
another thread of the caller's process still uses it -- so the unshared table is no
longer found among those holding the other process's pid).
Still open, and what the Guardian would need for each: AG-007 -- utimensat's times on a
page never present: the bytes owed there -- the measured image keeps only each page's
SHA-256 (MeasuredImage.pages), so only a .bss page is known (zeros), and only where the
Guardian can say it was never present since the launch (no frame ever admitted there, not
swapped out, no mremap, munmap or MAP_FIXED over it, no file mapped there); UserMemory.read()
answers None for a page not present, and no_lookup() must then take both UTIME_OMIT.  AG-014 -- that
the living child still held its table at the call (a SIGKILL the Guardian does not see --
the OOM killer's, the user's -- runs exit_files() and leaves NULL on both sides:
kcmp_ptr(NULL, NULL) is 0, Linux's answer; the same gap keeps
tests/test_fd_never_r83.py's strict xfail): e.g. the child seen in user code after the
call's return.  AG-022 -- as AG-014: two living fork children each killed unseen leave two NULL mms
(exit_mm()), kcmp_ptr() 0.  AG-023 -- fdt->max_fds from above (room() is a lower bound;
a launch's table may be larger -- a shell's fd 255 -- so bits past 64 may be the
program's own, left as they were): the launch's table size, stated, or a fork child's
(dup_fd() sizes it by the numbers it copies).
Honest answers (tests/test_redteam_r84_claims.py): every step of STEPS answered as Linux
does (LINUX_ERRORS), pselect6 and ppoll as Linux (the kernel model's own), kcmp(z, z2,
KCMP_FILES) and kcmp(z, z2, KCMP_VM) 0 of two exited fork children (exit_files() and
exit_mm() left both NULL: kcmp_ptr(NULL, NULL) is 0), kcmp(z, z, KCMP_FILES) 0,
kcmp(pid, z, KCMP_SYSVSEM) and kcmp(pid, z, KCMP_IO) 0 (no undo list, no io_context on
either side), kcmp(pid, c, KCMP_IO) 0 of a living fork child (copy_io() copies none),
kcmp(pid, cs, KCMP_FS) 0 of a living CLONE_FS child, splice(77, NULL, 78, NULL, 0,
0x100) 0 (SYSCALL_DEFINE6(splice): `if (!len) return 0` before the flags test, under
-s) and utimensat(77, "x", {UTIME_OMIT, UTIME_OMIT}, 0x55) 0 (SYSCALL_DEFINE4(utimensat)
returns before do_utimes() tests the flags, under -u) -- all let through: no false
refusal found.

Not done for lack of time: SCM_RIGHTS races (another thread writing the control bytes during
the call: fd_never_memory reads only quiet memory), recvmmsg's installed numbers, an AF_UNIX
socket received through recvmsg()'s SCM_RIGHTS or pidfd_getfd() (the round's try was
"broken": the mprotect design delivers no SCM_RIGHTS and the kernel model no pidfd_getfd()
of the caller's own pidfd), io_uring_register(IORING_REGISTER_FILES) of a number nothing
opened, openat2's open_how on a page never faulted in (the AD-001 cause again).

The victim is `secret_r84_rules` (workloads/src/secret_r84_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import answer, forged_answers, serve_as_getpid, serve_stat_written
from attacks.scenario import iago_scenarios

RT = "redteam_r84"
RULES = "secret_r84_rules"
(P_SELECTHIGH, P_POLLMANY, P_SCMBIG, P_SENDMMSG, P_REUSEBPF, P_CLONERANGE, P_UTIMEUNREAD,
 P_TEEFLAGS, P_SCMSECOND, P_BENEATHABS, P_DUP3SAME, P_FILESZOMBIE, P_VMZOMBIE, P_FILESLZ,
 P_FILESUNSHARE, P_FSFORK, P_FSUNSHARE, P_FILESCALLER, P_SCMACCEPT, P_STATXNULL,
 P_FSTATATNULL, P_VMTWOCH, P_SELECTCLAMP, P_ATTACHLEN, P_FILESZREV) = range(14200, 14250, 2)
(P_HFILESZZ, P_HVMZZ, P_HSPLICEFLAGS, P_HUTIMEFLAGS, P_HIOFORK, P_HFSSHARED, P_HZSELF,
 P_HSEMZ, P_HIOZ) = range(14280, 14298, 2)
P_FIRST, P_LAST = P_SELECTHIGH, P_HIOZ
NR = NUMBERS
KCMP = NR["kcmp"]
#: the number the victim looks up that nothing ever opened
NEVER = 77
#: another, in pselect6's second fd_set word (the table grew to 128 numbers)
SELHIGH = 120
#: ppoll's entries, the last naming NEVER
NPOLL = 300
POLLIN = 1
#: /dev/null's number in the victim (its first open)
DEVNULL = 3

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AG-003', P_SCMBIG, NR["sendmsg"], 'sendmsg(sv0, 1 byte, SCM_RIGHTS {77} first in 1032 '
     'control bytes, 0) on an AF_UNIX socketpair, 77 a number nothing ever opened',
     '-EBADF', '____sys_sendmsg() copies every control byte (sock_kmalloc() up to '
     'optmem_max), __scm_send(): the first cmsg\'s scm_fp_copy() -> fget(77) finds no '
     'file before the second is looked at', 1),
    ('AG-005', P_REUSEBPF, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, '
     'SO_ATTACH_REUSEPORT_EBPF, &77, 4), 77 a number nothing ever opened', '-EBADF',
     'sk_setsockopt() -> sk_reuseport_attach_bpf() -> bpf_prog_get_type() -> '
     '__bpf_prog_get() -> fdget(ufd) finds no file', 0),
    ('AG-006', P_CLONERANGE, NR["ioctl"], 'ioctl(devnull, FICLONERANGE, {77, 0, 0, 0}), a '
     'source number nothing ever opened', '-EBADF', 'do_vfs_ioctl() -> '
     'ioctl_file_clone_range() -> ioctl_file_clone() -> fdget(src_fd) finds no file', 0),
    ('AG-007', P_UTIMEUNREAD, NR["utimensat"], 'utimensat(77, "x", times, 0), times two '
     'zero timespecs on a page the program never touched', '-EBADF',
     'SYSCALL_DEFINE4(utimensat): the times are no UTIME_OMIT, do_utimes() -> '
     'user_path_at() -> path_init() -> fdget_raw(77) finds no file', 0),
    ('AG-008', P_TEEFLAGS, NR["tee"], 'tee(77, 78, 0, 0x100), a flag tee() does not know',
     '-EINVAL', 'SYSCALL_DEFINE4(tee): flags & ~SPLICE_F_ALL before `if (!len) return 0`',
     0),
    ('AG-009', P_SCMSECOND, NR["sendmsg"], 'sendmsg(sv0, 1 byte, a cmsg of level 0 and '
     'then SCM_RIGHTS {77}, 0) on an AF_UNIX socketpair', '-EBADF', '__scm_send() skips a '
     'level other than SOL_SOCKET, then scm_fp_copy() -> fget(77) finds no file', 1),
    ('AG-010', P_BENEATHABS, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0, '
     'RESOLVE_BENEATH}, 24)', '-EXDEV', 'path_init() -> nd_jump_root(): LOOKUP_BENEATH '
     'refuses an absolute name, whatever dfd is', 5),
    ('AG-011', P_DUP3SAME, NR["dup3"], 'dup3(devnull, devnull, 0)', '-EINVAL',
     'ksys_dup3(): `if (unlikely(oldfd == newfd)) return -EINVAL;`', DEVNULL),
    ('AG-012', P_FILESZOMBIE, KCMP, 'kcmp(pid, z, KCMP_FILES, 0, 0), z an exited fork child '
     '(waitid(WEXITED | WNOWAIT) saw it) not reaped', '1 or 2', 'do_exit() -> '
     'exit_files() set z->files NULL: kcmp_ptr(files, NULL)', 0),
    ('AG-013', P_VMZOMBIE, KCMP, 'kcmp(pid, z, KCMP_VM, 0, 0), z an exited fork child not '
     'reaped', '1 or 2', 'do_exit() -> exit_mm() set z->mm NULL: kcmp_ptr(mm, NULL)', 0),
    ('AG-014', P_FILESLZ, KCMP, 'kcmp(c, z, KCMP_FILES, 0, 0), c a living fork child, z an '
     'exited one not reaped', '1 or 2', 'dup_fd() made c a table of its own, exit_files() '
     'set z\'s NULL: kcmp_ptr() of a table and NULL', 0),
    ('AG-015', P_FILESUNSHARE, KCMP, 'kcmp(pid, cf, KCMP_FILES, 0, 0), cf a '
     'clone(CLONE_FILES | SIGCHLD) child that unshare(CLONE_FILES)\'d', '1 or 2',
     'ksys_unshare() -> unshare_fd() -> dup_fd() gave cf a table of its own: kcmp_ptr() of '
     'two objects', 0),
    ('AG-016', P_FSFORK, KCMP, 'kcmp(pid, c, KCMP_FS, 0, 0) of a living fork child',
     '1 or 2', 'copy_fs() without CLONE_FS -> copy_fs_struct() gave the child an fs_struct '
     'of its own: kcmp_ptr() of two objects', 0),
    ('AG-017', P_FSUNSHARE, KCMP, 'kcmp(pid, cs, KCMP_FS, 0, 0), cs a clone(CLONE_FS | '
     'SIGCHLD) child that unshare(CLONE_FS)\'d', '1 or 2', 'ksys_unshare() -> unshare_fs() '
     '-> copy_fs_struct() gave cs an fs_struct of its own: kcmp_ptr() of two objects', 0),
    ('AG-018', P_FILESCALLER, KCMP, 'kcmp(pid, cf, KCMP_FILES, 0, 0), cf a living '
     'clone(CLONE_FILES | SIGCHLD) child, once the caller unshare(CLONE_FILES)\'d',
     '1 or 2', 'the caller\'s ksys_unshare() -> unshare_fd() -> dup_fd() made it a table of '
     'its own, cf keeps the old one: kcmp_ptr() of two objects', 0),
    ('AG-019', P_SCMACCEPT, NR["sendmsg"], 'sendmsg(t, 1 byte with SCM_RIGHTS {77}, 0), t '
     'the AF_UNIX socket accept4() gave for a connect() to an abstract name', '-EBADF',
     'unix_stream_sendmsg() -> scm_send() -> __scm_send() -> scm_fp_copy() -> fget(77) '
     'finds no file, whichever call made the socket', 1),
    ('AG-022', P_VMTWOCH, KCMP, 'kcmp(c1, c2, KCMP_VM, 0, 0) of two living fork children of '
     'the caller', '1 or 2', 'copy_mm() -> dup_mm() made each child an mm of its own: '
     'kcmp_ptr() of two objects', 0),
    ('AG-024', P_ATTACHLEN, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, '
     '&{77, 0}, 8)', '-EINVAL', 'sk_setsockopt(): SO_ATTACH_BPF takes optlen == '
     'sizeof(u32) alone, -EINVAL otherwise', 0),
    ('AG-025', P_FILESZREV, KCMP, 'kcmp(z, pid, KCMP_FILES, 0, 0), z an exited fork child '
     '(waitid(WEXITED | WNOWAIT) saw it) not reaped, its pid first', '1 or 2',
     'exit_files() set z->files NULL: kcmp_ptr(NULL, files) is 0 in neither order', 0),
)
#: the steps the Guardian refuses
REFUSED = frozenset(("AG-001", "AG-002", "AG-003", "AG-004", "AG-005", "AG-006", "AG-008",
                     "AG-009", "AG-010", "AG-011", "AG-012", "AG-013", "AG-015", "AG-016",
                     "AG-017", "AG-018", "AG-019", "AG-020", "AG-021", "AG-024", "AG-025"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset([s[0] for s in STEPS]
                 + ["AG-001", "AG-002", "AG-004", "AG-020", "AG-021", "AG-023"]) - REFUSED

forged_answers(_iago, STEPS, OPEN, seen=lambda err, forged: (
    'one object' if err == '1 or 2' else 'a success'))

#: the calls Linux answers 0 (index 0 each), with the call each is
HONEST_STEPS = ((P_HFILESZZ, KCMP), (P_HVMZZ, KCMP), (P_HIOFORK, KCMP), (P_HFSSHARED, KCMP),
                (P_HZSELF, KCMP), (P_HSEMZ, KCMP), (P_HIOZ, KCMP))
#: the calls Linux answers 0 before any look-up, each run under its flag
ZERO_STEPS = ((P_HSPLICEFLAGS, b"-s"), (P_HUTIMEFLAGS, b"-u"))
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_SCMBIG: -9, P_SENDMMSG: -9, P_REUSEBPF: -9, P_CLONERANGE: -9,
                P_UTIMEUNREAD: -9, P_TEEFLAGS: -22, P_SCMSECOND: -9, P_BENEATHABS: -18,
                P_DUP3SAME: -22, P_FILESZOMBIE: 1, P_VMZOMBIE: 1, P_FILESLZ: 1,
                P_FILESUNSHARE: 1, P_FSFORK: 1, P_FSUNSHARE: 1, P_FILESCALLER: 1,
                P_SCMACCEPT: -9, P_STATXNULL: -9, P_FSTATATNULL: -9, P_VMTWOCH: 1,
                P_ATTACHLEN: -22, P_FILESZREV: 1}


@_iago("AG-001", "Answer 1 to pselect6() of bit 120 once the table grew to 128 numbers",
       "Linux answers -EBADF (core_sys_select() clamps n to fdt->max_fds, 128 after "
       "expand_fdtable(); max_select_fd(): a set bit of a number no file is at).",
       gap="P5" if "AG-001" in OPEN else "")
def select_high(adv: Adversary) -> None:
    """1. The program dup3(devnull, 100, 0)s and closes 100 (the table grows to 128
    numbers: alloc_fdtable()), then calls pselect6(121, {120}, NULL, NULL, {0, 0}, NULL),
    120 a number nothing ever opened.
    2. The kernel lets the call run, writes the read set's second word back with bit 120
    set and answers 1.
    3. It sees 120 readable: index -4, secret bytes 0..7.
    Linux: expand_files() -> expand_fdtable() made max_fds 128 and a table never shrinks,
    so core_sys_select() clamps n to 128 (not 64) and do_select() -> max_select_fd()
    finds bit 120 set where fdt->open_fds has none: -EBADF, never a ready count."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["pselect6"], during=P_SELECTHIGH)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.el1.syscall_args()[1] + 8, 1 << (SELHIGH - 64))
        a.set_reg("x0", 1)


@_iago("AG-002", "Answer 1 to ppoll() of 300 entries, the 300th (a number nothing ever "
       "opened) POLLIN", "Linux answers 1 with the 300th revents POLLNVAL (do_poll() -> "
       "do_pollfd() judges every entry: fdget() finds no file).",
       gap="P5" if "AG-002" in OPEN else "")
def poll_many(adv: Adversary) -> None:
    """1. The program calls ppoll() of 300 entries, 0..298 fd -1, 299 fd 77 (a number
    nothing ever opened), {0, 0}.
    2. The kernel lets the call run, writes entry 299's revents POLLIN and answers 1.
    3. It sees 77 readable: index -4, secret bytes 0..7.
    Linux: do_sys_poll() (300 is below RLIMIT_NOFILE) -> do_poll() -> do_pollfd() judges
    every entry: fdget(77) finds no file, revents POLLNVAL (0x20), never POLLIN."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ppoll"], during=P_POLLMANY)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["ppoll"], during=P_POLLMANY)
    def _(a: Adversary, **_: object) -> None:
        if seen:
            a.kernel.uaccess.write_u64(seen[-1] + 8 * (NPOLL - 1),
                                       NEVER | POLLIN << 32 | POLLIN << 48)
            a.set_reg("x0", 1)


@_iago("AG-004", "Answer 1 to sendmmsg() of one message with SCM_RIGHTS of a number "
       "nothing ever opened, its msg_len written", "Linux answers -EBADF "
       "(__sys_sendmmsg() -> ___sys_sendmsg() -> __scm_send() -> scm_fp_copy() -> fget(): "
       "the first message's error is the answer).", gap="P5" if "AG-004" in OPEN else "")
def sendmmsg_never(adv: Adversary) -> None:
    """1. The program calls sendmmsg(sv0, {one message: 1 byte, SCM_RIGHTS {77}}, 1, 0) on
    an AF_UNIX socketpair, 77 a number nothing ever opened.
    2. The kernel serves the call as getpid(), writes the message's msg_len 1 (as a sent
    datagram's) and answers 1.
    3. It sees the message sent: index -4, secret bytes 0..7.
    Linux: __sys_sendmmsg() -> ___sys_sendmsg() -> ____sys_sendmsg() ->
    unix_stream_sendmsg() -> scm_send() -> __scm_send() -> scm_fp_copy() -> fget(77)
    finds no file: -EBADF, and with no datagram sent the first error is the answer."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sendmmsg"], during=P_SENDMMSG)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[1])

    def _sent(a: Adversary) -> int:
        if seen:
            a.kernel.uaccess.write_u32(seen[-1] + 56, 1)
        return 1
    serve_as_getpid(adv, NR["sendmmsg"], P_SENDMMSG, _sent)


@_iago("AG-023", "Answer 1 to pselect6() of bit 70 while the table holds 64 numbers, "
       "nothing written", "Linux answers 0 with bit 70 left as the program set it "
       "(core_sys_select() clamps n to fdt->max_fds, 64) or -EBADF where the launch's "
       "table was larger (max_select_fd()); never a ready count.",
       gap="P5" if "AG-023" in OPEN else "")
def select_clamp(adv: Adversary) -> None:
    """1. The program calls pselect6(71, {70}, NULL, NULL, {0, 0}, NULL) while its table
    holds 64 numbers (before any number past 63 was used).
    2. The kernel lets the call run and answers 1, the sets left as they were (bit 70
    still set: the program's own).
    3. It sees 70 ready: index -4, secret bytes 0..7.
    Linux: core_sys_select() clamps n to fdt->max_fds (64: dup_fd() sized the table to
    the open numbers, NR_OPEN_DEFAULT) and copies, judges and writes back only bits 0..63,
    all clear: do_select() finds nothing ready, 0 -- bit 70 stays as the program set it,
    and no bit below 64 backs a count; where the launch's table was larger (a shell's fd
    255), max_select_fd() answers -EBADF.  Never 1."""
    answer(adv, NR["pselect6"], P_SELECTCLAMP, 1)


@_iago("AG-020", "Answer 0 to statx() of a NULL name under AT_EMPTY_PATH at a number "
       "nothing ever opened, its buffer written", "Linux answers -EBADF on 6.11..6.18 "
       "(getname_maybe_null() takes NULL as empty, do_statx_fd() -> CLASS(fd_raw)) or "
       "-EFAULT on 6.1..6.10 (getname_flags(NULL)).", gap="P5" if "AG-020" in OPEN else "")
def statx_null(adv: Adversary) -> None:
    """1. The program calls statx(77, NULL, AT_EMPTY_PATH, 0x7ff, buf), 77 a number
    nothing ever opened.
    2. The kernel serves the call as getpid(), writes a character device's statx record
    into buf and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: SYSCALL_DEFINE5(statx) -> getname_maybe_null() takes a NULL name under
    AT_EMPTY_PATH as empty (6.11+), do_statx_fd() -> CLASS(fd_raw)(77) finds no file:
    -EBADF; 6.1..6.10 getname_flags(NULL) faults: -EFAULT. Never 0."""
    serve_stat_written(adv, NR["statx"], P_STATXNULL, 4, 256)


@_iago("AG-021", "Answer 0 to newfstatat() of a NULL name under AT_EMPTY_PATH at a number "
       "nothing ever opened, its buffer written", "Linux answers -EBADF on 6.11..6.18 "
       "(vfs_fstatat(): vfs_empty_path() takes NULL as empty, vfs_fstat()) or -EFAULT on "
       "6.1..6.10.", gap="P5" if "AG-021" in OPEN else "")
def fstatat_null(adv: Adversary) -> None:
    """1. The program calls newfstatat(77, NULL, st, AT_EMPTY_PATH), 77 a number nothing
    ever opened.
    2. The kernel serves the call as getpid(), writes a character device's stat record
    into st and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: vfs_fstatat(): flags == AT_EMPTY_PATH and vfs_empty_path() takes a NULL name
    as empty (6.11+), vfs_fstat(77) -> fdget_raw() finds no file: -EBADF; 6.1..6.10
    getname_flags(NULL) faults: -EFAULT. Never 0."""
    serve_stat_written(adv, NR["newfstatat"], P_FSTATATNULL, 2, 128)


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (sendmsg and sendmmsg of SCM_RIGHTS {77},
    SO_ATTACH_REUSEPORT_EBPF and FICLONERANGE of 77, utimensat(77, "x") of zero times:
    -EBADF; tee() of an unknown flag and dup3() of one number twice: -EINVAL; openat2()
    of an absolute name under RESOLVE_BENEATH: -EXDEV; kcmp(KCMP_FILES / KCMP_VM) of an
    exited fork child and of a CLONE_FILES child that unshared: an order), kcmp(z, z2,
    KCMP_FILES / KCMP_VM) 0 of two exited fork children.  The kernel model answers
    several otherwise: the step answers each as getpid() with Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase])
    serve_as_getpid(adv, NR["sendmmsg"], P_SENDMMSG, LINUX_ERRORS[P_SENDMMSG])
    serve_as_getpid(adv, NR["statx"], P_STATXNULL, LINUX_ERRORS[P_STATXNULL])
    serve_as_getpid(adv, NR["newfstatat"], P_FSTATATNULL, LINUX_ERRORS[P_FSTATATNULL])
    for phase, nr in HONEST_STEPS:
        serve_as_getpid(adv, nr, phase, 0)
