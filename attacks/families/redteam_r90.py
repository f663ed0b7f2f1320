"""Red-team round ninety: round 89's rules (return.kind_needed, return.fcntl_kind,
return.maker_kind, return.eventfd_sum's timerfd, the new output contracts of
abi/output_commands.py) and the kernel model's new inotify (kernel_model/inotify.py; the
Guardian's InotifyQueue, guardian/result_records.py: `return.record_layout`,
`return.inotify_wd`) past what they judge: the events an inotify read hands back (their
masks, cookies, name lengths and names), inotify's watch descriptors, FIONREAD and ioctls,
a timerfd's ticks and times once timerfd_settime() ran, and the values SIOCATMARK,
FIGETBSZ, SIOCGPGRP, F_GETSIG, F_GETOWN_EX and PIDFD_GET_*_NAMESPACE hand back.

Each step: the kernel answers a value no Linux 6.1..6.18 gives in the program's situation
(a success served as getpid(), or the call let run and the memory a success writes
written with it).  Linux's answers: the victim built with RULES_DEBUG under
qemu-aarch64-static on the 6.18.44 host printed "+0" -- Linux's answer -- for every step,
and a native x86-64 test on the same host printed: a timerfd armed 1 ns then disarmed
read -1 errno 11; timerfd_gettime of one never armed 0 with 0 0 0 0; timerfd_settime's
old value of it 0 0 0; a one-shot 1000 s timer read errno 11 and its gettime 999
999998538; wd 1 then wd2 1 for "/" twice; inotify FIONREAD 0, n 0; inotify_rm_watch of wd
101 errno 22; INOTIFY_IOC_SETNEXTWD of 0 errno 22 (qemu: 38, it passes no unknown ioctl);
TCGETS of an inotify errno 25, its write errno 9; SIOCATMARK 0, 0; SIOCGPGRP 0, 0; F_GETSIG
0; F_GETOWN_EX 0, {0, 0}; FIGETBSZ of a memfd 0, 4096.  The kernel function that decides
each:

AW-001 inotify_add_watch(ino, "/", IN_CREATE) answered 0: inotify_new_watch() ->
idr_alloc_cyclic(&group->inotify_data.idr, tmp_i_mark, 1, 0, GFP_NOWAIT) hands out wds
from 1; 0 never.  AW-002 inotify_add_watch(ino, "/", IN_CREATE | IN_MASK_ADD) a second
time answered 2 where the first gave 1: inotify_update_watch() ->
inotify_update_existing_watch() finds the inode's mark of the group
(fsnotify_find_inode_mark()) and returns its own wd -- one mark per inode and group.
AW-003 .. AW-010: read(ino, buf, 256) (IN_NONBLOCK, the only watch on "/" of IN_CREATE)
answered whole events of wd 1 (the Guardian's layout and wd tests pass) that no watch of
that mask carries: AW-003 mask IN_MODIFY -- inotify_arg_to_mask() keeps the user's
IN_CREATE with FS_UNMOUNT and FS_EVENT_ON_CHILD, and fsnotify() -> send_to_group() drops
an event outside the mark's mask; AW-004 IN_CREATE | IN_ONESHOT (0x80000100) --
copy_event_to_user() puts inotify_mask_to_arg(event->mask): `mask & (IN_ALL_EVENTS |
IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW)`, never a control bit; AW-005 IN_CREATE
with cookie 7 -- only fsnotify_move() passes a cookie (IN_MOVED_FROM / IN_MOVED_TO),
fsnotify_create() 0; AW-006 a name of len 8 -- copy_event_to_user() `name_len =
round_event_name_len(fsn_event)`: roundup(len + 1, sizeof(struct inotify_event)), a
multiple of 16; AW-007 the name "a/b" -- a directory's event names the child's dentry
name, one path component, never a '/'; AW-008 wd -1 IN_Q_OVERFLOW with a name --
fsnotify_insert_event() queues group->overflow_event, an event with no name (len 0);
AW-009 IN_CREATE with len 0 -- fsnotify_create() -> fsnotify_dirent() -> fsnotify_name()
always passes the child's name to the directory's mark; AW-010 IN_IGNORED with a name --
inotify_ignored_and_remove_idr() -> inotify_handle_inode_event(..., FS_IN_IGNORED, NULL,
NULL, NULL, 0): no name.  AW-011 ioctl(ino, FIONREAD, &n) answered 0 with n 8:
inotify_ioctl() `case FIONREAD:` sums `sizeof(struct inotify_event) +
round_event_name_len(fsn_event)` over the queue, a multiple of 16.  AW-012
inotify_rm_watch(ino, wd + 100) answered 0: inotify_idr_find() of a wd never given, NULL,
-EINVAL.  AW-013 ioctl(ino, INOTIFY_IOC_SETNEXTWD, 0) answered 0: inotify_ioctl() `ret =
-EINVAL; if (arg >= 1 && arg <= INT_MAX)` (CONFIG_CHECKPOINT_RESTORE; -ENOTTY without).
AW-014 ioctl(ino, TCGETS, &t) answered 0: inotify_ioctl() `default: ret = -ENOTTY;` (round
89 left it out, AT-003: the model had no inotify).  AW-015 write(ino, &v, 8) answered 8:
do_inotify_init() opens O_RDONLY, vfs_write() `!(file->f_mode & FMODE_WRITE)` -EBADF (round
89's AT-009, left out).

AW-016 read(t, buf, 8) of a timerfd armed once for 1000 s with no interval, answered 8
with 5 ticks: timerfd_tmrproc() -> timerfd_triggered() `ctx->ticks++` once; timerfd_read()
adds hrtimer_forward_now() - 1 only `if (ctx->expired && ctx->tintv)`: a one-shot arming
gives at most 1 (and not before 1000 s: -EAGAIN).  AW-017 read(t, buf, 8) of a timerfd armed
for 1 ns and then disarmed, answered 8 with 1 tick: do_timerfd_settime() -> timerfd_setup()
sets ctx->ticks = 0 and, for a zero it_value, starts no timer: -EAGAIN (the host: errno
11).  AW-018 timerfd_gettime(t, &its) of a timerfd never armed answered 0 with it_value {5,
0}: do_timerfd_gettime() puts timerfd_get_remaining() of a timer never started (0) and
ctx->tintv (0).  AW-019 timerfd_settime(t, 0, {0, 1000 s}, &old) of that timer answered 0
with old.it_value {5, 0}: do_timerfd_settime() writes the same remaining / tintv before
timerfd_setup(): zeros.  AW-020 timerfd_gettime() of the timer just armed for 1000 s
answered it_value {999, 1500000000}: ktime_to_timespec64() is normalized, tv_nsec < 10^9.
AW-021 the same answered it_value {5000, 0}: hrtimer_expires_remaining() of a timer armed
for 1000 s is at most 1000 s.

AW-022 ioctl(so, SIOCATMARK, &v) of an AF_UNIX stream socket never connected answered v 7:
unix_ioctl() `case SIOCATMARK:` answ = 0, or 1 where the head skb is u->oob_skb
(put_user(answ)); 0 or 1 only (and 0 here: no peer, no skb).  AW-023 ioctl(memfd,
FIGETBSZ, &b) answered b 3: do_vfs_ioctl() `case FIGETBSZ:` put_user(sb->s_blocksize) --
shmem_fill_super() sets PAGE_SIZE; any s_blocksize is a power of two (sb_set_blocksize()).
AW-024 ioctl(so, SIOCGPGRP, &g) of a socket no one set an owner on answered g 4242:
sock_ioctl() `case FIOGETOWN: case SIOCGPGRP:` put_user(f_getown(sock->file)) -- no
owner, 0.  AW-025 fcntl(eventfd, F_GETSIG) of a file no F_SETSIG touched answered 10:
do_fcntl() `case F_GETSIG: err = filp->f_owner.signum;` (file_f_owner() 6.12 on, 0 with no
owner struct).  AW-026 fcntl(eventfd, F_GETOWN_EX, &o) answered o.type 9: f_getown_ex()
maps the pid type to F_OWNER_TID / F_OWNER_PID / F_OWNER_PGRP (0..2) or fails -EINVAL.
AW-027 the same answered {F_OWNER_PID, 4242}: no owner was ever set, the pid is 0.  AW-028
ioctl(pidfd, PIDFD_GET_UTS_NAMESPACE, 0) answered 1 (stdout, open): pidfd_ioctl() ->
open_namespace() -> get_unused_fd_flags() never hands out an open number (-ENOTTY before
6.11).

AW-029 inotify_add_watch(ino, "/", IN_CREATE | IN_MASK_CREATE) while "/" holds the
group's mark (wd 1) answered 1: inotify_update_existing_watch() `if (create) return
-EEXIST;` (qemu: 17).  AW-030 inotify_add_watch(ino, "/dev/null", IN_CREATE | IN_ONLYDIR)
answered 2: inotify_find_inode() adds LOOKUP_DIRECTORY for IN_ONLYDIR, user_path_at() of a
character device -ENOTDIR (qemu: 20).  AW-031 read(t) of a one-shot timer armed for 1 ns
whose one tick the program read (8 with 1), answered 8 with 1 again: timerfd_read() took
ticks to 0 and nothing re-armed it: -EAGAIN (the host natively: 8, then errno 11).
AW-032 timerfd_gettime() of a timer armed once for 1000 s and then disarmed, answered
it_value {5, 0}: timerfd_setup() of a zero it_value starts no timer: zeros.  AW-033
timerfd_gettime() of a timer armed every 1000 s, answered it_interval {5, 0}:
do_timerfd_gettime() puts ctx->tintv, the 1000 s timerfd_setup() stored.  AW-037
fcntl(pipe, F_SETLEASE, F_UNLCK) answered 0: fcntl_setlease() hands F_UNLCK to
vfs_setlease() -> generic_setlease(), whose `!S_ISREG` test comes before the F_UNLCK case:
-EINVAL (the host and qemu: 22).  AW-038 lseek(ino, 5, SEEK_SET) answered 5: inotify_fops'
noop_llseek() returns f_pos, which inotify_read() never moves: 0 (the host and qemu: 0).

AW-034, AW-035 readv(ino, {{buf, 0}, {buf2, 256}}, 2) answered 16 with, at buf2, the head
of an event of len 240 (cut off by the count: return.record_layout's test) and an event
of wd 99 that no inotify_add_watch gave (return.inotify_wd's): vfs_readv() ->
do_loop_readv_writev() calls inotify_read() per iovec, and the first, of 0 bytes, answers
-EINVAL with an event pending (get_one_event() `if (event_size > count) return
ERR_PTR(-EINVAL);`) or -EAGAIN, and the loop stops with that error (the x86-64 host on
6.18 natively: errno 11, then 22 with an event pending; read 32 after).  The Guardian's
result_records._pieces() stops at the first piece of 0 bytes, so it judges no event at
all (in mprotect mode the write to buf2 has no capability: refused there).  AW-036
read(ino, buf, 256) answered 48 with {1, IN_IGNORED} then {1, IN_CREATE, 0, 16, "f"}:
fsnotify_destroy_mark() detaches the mark from the inode before inotify_freeing_mark()
queues IN_IGNORED, its last event: no event of wd 1 follows it in the queue.

Through with the Guardian on when written (gaps): AW-001 .. AW-015, AW-017, AW-018,
AW-019, AW-022, AW-023, AW-024, AW-025, AW-027, AW-028, AW-029, AW-030, AW-031, AW-034,
AW-035, AW-036, AW-038.  What the
Guardian would need for each: AW-001 -- inotify_add_watch's wd is >= 1 (idr_alloc_cyclic()
from 1: 0 never); AW-002, AW-029 -- the inode each watch of an instance marks (one mark
per inode and group: the same path answered the same wd, and IN_MASK_CREATE of a marked
inode -EEXIST), which the InotifyQueue would follow by the (dev, ino) the path names or,
for "/", by the root it never changes; AW-003 -- each watch's mask (IN_CREATE here, with
FS_UNMOUNT, IN_IGNORED, IN_Q_OVERFLOW always), so an event outside it is refused;
AW-004 -- inotify_mask_to_arg(): an event's mask within IN_ALL_EVENTS | IN_ISDIR |
IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW; AW-005 -- a cookie only with IN_MOVED_FROM /
IN_MOVED_TO; AW-006 -- len 0 or a multiple of 16 (round_event_name_len()), as
return.record_layout already wants the name NUL-padded; AW-007 -- a name with no '/';
AW-008, AW-010 -- IN_Q_OVERFLOW and IN_IGNORED events have len 0 (no name); AW-009 -- a
directory's IN_CREATE carries the child's name (len > 0); AW-011 -- inotify FIONREAD a
multiple of 16 (and 0 on an instance with no watch); AW-012 -- inotify_rm_watch of a wd the
instance never gave (queue.watches, gone) -EINVAL; AW-013, AW-014 -- inotify_ioctl()
serves FIONREAD and INOTIFY_IOC_SETNEXTWD (arg 1..INT_MAX) alone: an inotify among
kind_ops.py's kinds (AT-003's TCGETS, round 89's left-out phase); AW-015 -- an inotify is
O_RDONLY: its write -EBADF (as a signalfd's and timerfd's writes are judged); AW-017 --
the tick count a timerfd holds after a disarm (timerfd_setup(): 0, no timer) -- the one-shot
rule follows arming, but a read after a disarm is let through; AW-031 -- the same after
the one tick of a one-shot arming was read (0 until the next arming); AW-018, AW-019 --
timerfd_gettime / timerfd_settime's old value of a timerfd never armed: zeros (AW-032's
rule judges a timer armed then disarmed, not one never armed); AW-022 -- SIOCATMARK's
int is 0 or 1 (abi/value_ranges, as F_GETOWN_EX's type is); AW-023 -- FIGETBSZ's int a
power of two 512..PAGE_SIZE (shmem: PAGE_SIZE); AW-024, AW-027 -- SIOCGPGRP /
FIOGETOWN's int and F_GETOWN_EX's pid 0 while no holder ever set an owner (F_SETOWN,
F_SETOWN_EX, SIOCSPGRP, FIOSETOWN, O_ASYNC's f_setown() -- followed as return.fd_nonblock
follows O_NONBLOCK); AW-025 -- F_GETSIG 0 while no holder ever called F_SETSIG; AW-028 --
PIDFD_GET_*_NAMESPACE's descriptor is a free number: the Guardian forgets the known-free
numbers but should keep the known-open ones (a number the program holds open is never
the answer); AW-034, AW-035 -- an inotify readv whose first iovec is empty answers an
error, never a count (or: _pieces() skips empty iovecs as the loop would not, and every
piece past them is judged); AW-036 -- within one read, an event of a wd after that wd's
IN_IGNORED (InotifyQueue forgets the wd only after the read); AW-038 -- lseek of an
inotify (or timerfd, signalfd, eventfd: noop_llseek()) answers f_pos, 0, whatever the
offset.
Refused: AW-016 (5 ticks of a one-shot arming), AW-020 (tv_nsec past 10^9), AW-021 (more
time left than the 1000 s set), AW-026 (F_GETOWN_EX type 9: abi/value_ranges), AW-032
(time left on a disarmed timer), AW-033 (an it_interval other than the one set), AW-037
(F_SETLEASE of F_UNLCK on a pipe: return.fcntl_kind).
(AW-034 and AW-035 are refused in mprotect mode, user_write: no capability covers the
iovecs past the empty one there.)

Refused since round 90's timerfd fixes: AW-017 and AW-031 by return.timerfd_idle (guardian/timer_states.py:
sole_held.py now follows its own timerfd past timerfd_settime -- a zero it_value leaves
it idle, a one-shot arming's tick read leaves it idle -- so a read of a tick count then is
refused), AW-018 and AW-019 by return.timerfd_idle (a never-armed timerfd's
timerfd_gettime and settime's old value are zeros), AW-022 and AW-023 by
return.range_table (abi/value_ranges.py's new ioctl rows: SIOCATMARK of a socket the
program made 0 or 1, FIGETBSZ a power of two), AW-024, AW-025 and AW-027 by
return.range_table's OwnerUnset (SIOCGPGRP / FIOGETOWN of such a socket, F_GETSIG and
F_GETOWN_EX's pid 0 while no holder set an owner or signal; guardian/fd_records.py follows
F_SETSIG and F_SETFL's O_ASYNC too, and the getter ioctls no longer count as setters).
The false refusal test_timerfd_set_ticks is fixed: return.counter_read's one-shot rule
(counter_files.py) ends at an ioctl that may be TFD_IOC_SET_TICKS (on that timer, on a
number the Guardian cannot name, or in flight) until the next arming.  AW-028 by
return.fd_fresh (guardian/fd_made.py: PIDFD_GET_*_NAMESPACE on a pidfd the program's
pidfd_open made answers a new descriptor, never one its table holds open, and the lowest
free one where the table knows it).

Not done this round (time): an IN_Q_OVERFLOW before max_queued_events (16384) events
could have queued, F_NOTIFY's argument past 32 bits (6.1's fcntl_dirnotify() takes an
unsigned long, later ones the low 32 bits: both answers honest somewhere), FIOQSIZE /
F_SETLEASE while another thread's dup2() changes the file, an inotify's fdinfo.

Honest answers (tests/test_redteam_r90_claims.py): every step as Linux answers it (the
victim's own run: the model answers each as Linux does, but SIOCATMARK, SIOCGPGRP and
F_GETOWN_EX, served 0 with 0 written), an inotify read of {wd 1, IN_CREATE, 0, 16, "f"},
of {wd 1, IN_CREATE | IN_ISDIR, 0, 16, "d"} and of the overflow event {-1, IN_Q_OVERFLOW,
0, 0} (another process creating in "/"), inotify FIONREAD 0 with n 32, a CANCEL_ON_SET
timerfd's read -ECANCELED (timerfd_read() `if (timerfd_canceled(ctx))` once another
process set CLOCK_REALTIME), and the victim's own timerfd edges (a fork child's arming,
a timerfd dup3()ed over a never-armed one's number, a re-arming after a disarm, a
timerfd made after a fork and sent to the child by SCM_RIGHTS, which armed it: each 8
with >= 1 tick), inotify_add_watch(ino, "/dev/null", IN_ONLYDIR) -ENOTDIR (the kernel
model answers another error), 5 ticks of a one-shot timer re-armed every 1 us through
dup(t) or by a fork child (the host natively: 8 with 1105 ticks through the dup), and 5
ticks after TFD_IOC_SET_TICKS of 5 on a one-shot timer, and 4600 s left on a CLOCK_REALTIME
timer armed with TFD_TIMER_ABSTIME for now + 1000 s (the clock set back an hour).
False refusals found (xfail, strict): test_timerfd_set_ticks -- ioctl(t,
TFD_IOC_SET_TICKS, &5) of a timer armed once for 1000 s answered 0, then read(t) 8 with 5
(timerfd_ioctl() `ctx->ticks = ticks;` -- CONFIG_CHECKPOINT_RESTORE; the x86-64 host on
6.18 natively: set_ticks 0, read 8, ticks 5) is refused: "counts 5 expirations of a
one-shot timerfd, which expires once per arming" -- the one-shot rule must end (as the
never-armed rule does) at an ioctl that may be TFD_IOC_SET_TICKS, or let the tick count
be what it set.  test_inotify_fork_watch -- read(ino2) of an inotify whose only watch
(on "/dev", wd 1) a fork child added before it exited, answered 32 with {1, IN_CREATE, 0,
16, "x"} (the watch is the group's: inotify_new_watch() -> group->inotify_data.idr; the
host natively and qemu: read 32, wd 1) is refused by return.inotify_wd ("names watch 1,
which inotify_add_watch never gave on that descriptor"): the Guardian needs a fork
child's inotify_add_watch recorded on the shared open file's InotifyQueue.

Refused since round 90's inotify fixes: AW-001 and AW-011 by `return.inotify_value`
(guardian/inotify_events.py: inotify_add_watch's wd within idr_alloc_cyclic()'s
1..INT_MAX; an inotify's FIONREAD a multiple of 16); AW-004 .. AW-010, AW-034 and AW-035
by `return.inotify_event` (each event as copy_event_to_user() writes it: the mask within
inotify_mask_to_arg()'s bits, a cookie only on IN_MOVED_FROM / IN_MOVED_TO, len 0 or a
multiple of 16, a name of one path component, none on IN_Q_OVERFLOW / IN_IGNORED, one
on IN_CREATE; a readv whose first iovec, read where quiet, is empty answers no count);
AW-013, AW-014, AW-015 and AW-038 by `return.kind_needed`, widened (guardian/kind_ops.py:
an inotify among the kinds -- inotify_ioctl()'s FIONREAD and INOTIFY_IOC_SETNEXTWD of an
arg 1..INT_MAX beside do_vfs_ioctl()'s own, its write -EBADF, its lseek noop_llseek()'s
f_pos, 0).  None of these asks which watches the instance holds.  AW-003 and AW-012 by
`return.inotify_watch` (guardian/inotify_watches.py), judged only while every
holder of the open file is followed -- an inotify the program made whose open file never
left its processes (sole_held.py's Watched entry, dropped as a pipe's is on an
SCM_RIGHTS send, an exec that keeps it, a /proc reopen, pidfd_getfd() or another
unfollowed call) -- with no inotify_add_watch nor INOTIFY_IOC_SETNEXTWD in flight: an
event shares a bit with the union of every mask an add answered its wd for (an add
replaces or, with IN_MASK_ADD, widens the mask, and events queued under an old mask
stay; IN_IGNORED, IN_UNMOUNT, IN_Q_OVERFLOW always pass), no wd has two IN_IGNORED in
one read (unless a SETNEXTWD ever succeeded on it or a wd reached INT_MAX:
idr_alloc_cyclic() may hand the wd out again), and inotify_rm_watch of a wd no add gave
is -EINVAL.  AW-036 is an answer Linux gives (open again: see below):
inotify_handle_inode_event() reads i_mark->wd before its kmalloc(), which may sleep, so
a handler racing the mark's removal queues its event after the IN_IGNORED that
inotify_ignored_and_remove_idr() queued before setting the wd to -1.  The kernel model
differed from Linux and was fixed (tests/test_inotify.py): inotify_add_watch() looked
names up in the root file system alone, so "/dev" and /dev/null were -ENOENT (Linux:
user_path_at() walks every mount -- IN_ONLYDIR of /dev/null -ENOTDIR, "/dev" a watch);
lseek of an inotify answered -ESPIPE (noop_llseek(): 0).  That look-up was
test_inotify_fork_watch's false refusal: the fork child's inotify_add_watch(ino2,
"/dev") failed in the model, so the parent's read of wd 1 named a watch no add gave; with
the child's add answered wd 1 the Guardian records it on the open file's InotifyQueue,
which every copy of the descriptor (fork, dup, exec) shares -- the claim passes, no
xfail.  Still open of the inotify gaps: AW-002 and AW-029 -- besides every holder
followed (as return.inotify_watch has it), which inode each name reaches at the add
((dev, ino): the Guardian does not know it -- a rename, link or bind mount by another
process may make one name another inode between two adds, and even "/" (the program's
own chroot, unshare or setns aside, which it sees) names another inode once another
process of the mount namespace calls pivot_root(), which moves every process whose
root was the old one), so that the same inode answered another wd, or IN_MASK_CREATE
of a marked inode a success, could be told from a different inode: an fstat-like
identity of the marked inode, which no answer the program sees carries (only the
inotify's fdinfo, its own read of /proc/self/fdinfo, names ino and sdev).

Since the review of round 90's fixes: AW-030 refused by `return.inotify_value` (guardian/inotify_events.py):
inotify_add_watch of "/dev/null", "/dev/zero" or "/dev/full" (read where quiet) with
IN_ONLYDIR answers no wd while /dev's names are the boot's (cut_movers.boot_names(), as
return.kind_needed asks of those names).  AW-036 open again (gap P5): Linux gives it --
inotify_handle_inode_event() reads i_mark->wd before a kmalloc() that may sleep, and
inotify_ignored_and_remove_idr() queues IN_IGNORED before setting the wd to -1, so an
event racing the removal lands after the IN_IGNORED; only a second IN_IGNORED of a wd
in one read is refused.

The victim is `secret_r90_rules` (workloads/src/secret_r90_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r90"
RULES = "secret_r90_rules"
NR = NUMBERS

(P_INOADD, P_INOSAME, P_INOREAD, P_INOFIONREAD, P_INORMBAD, P_INONEXTWD, P_INOTCGETS,
 P_INOWRITE, P_TFDONESHOT, P_TFDDISARM, P_TFDGETTIME, P_TFDOLD, P_TFDLEFT, P_ATMARKV,
 P_FIGETBSZV, P_PGRPV, P_GETSIG, P_GETOWNEX, P_PIDFDNS) = range(17400, 17438, 2)
(P_INOMASKCREATE, P_INOONLYDIR, P_TFDTWICE, P_TFDGETDIS, P_TFDINTV,
 P_INOREADV, P_LEASEUNLCK, P_LSEEKINO5) = range(17438, 17454, 2)
(P_OKFORKTFD, P_OKDUP3TFD, P_OKREARM, P_OKCANCEL, P_OKDUPPERIOD, P_OKCHILDPERIOD,
 P_OKSETTICKS5, P_OKSCMTFD, P_OKRTLEFT, P_OKGETLEASE, P_OKFORKWATCH) = range(17500, 17522, 2)
P_FIRST, P_LAST = P_INOADD, P_OKFORKWATCH

IN_MODIFY, IN_CREATE, IN_Q_OVERFLOW, IN_IGNORED = 0x2, 0x100, 0x4000, 0x8000
IN_ISDIR, IN_ONESHOT = 0x4000_0000, 0x8000_0000

_iago = iago_scenarios(RT, RULES)


def event(wd: int, mask: int, name: bytes = b"", length: int | None = None,
          cookie: int = 0) -> bytes:
    """A struct inotify_event with `name` NUL-padded to `length` (16 a name by default)."""
    if length is None:
        length = 16 if name else 0
    return struct.pack("<iIII", wd, mask, cookie, length) + name.ljust(length, b"\0")


def itimerspec(isec: int, insec: int, vsec: int, vnsec: int) -> bytes:
    return struct.pack("<qqqq", isec, insec, vsec, vnsec)


def serve_bytes(adv: Adversary, nr: int, phase: int, result: int, arg: int,
                data: bytes) -> None:
    """Let the call run; at its exit write `data` where argument `arg` points, as a
    success would have, and answer `result`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.el1.syscall_args()[arg], data)
        a.set_reg("x0", result)


def _word(value: int) -> bytes:
    return struct.pack("<i", value)


_RD, _IOCTL, _FCNTL = NR["read"], NR["ioctl"], NR["fcntl"]
_TGET, _TSET = NR["timerfd_gettime"], NR["timerfd_settime"]

#: (id, phase, call, what, Linux's answer, why, forged result, (argument, bytes written)
#: or None for a call served as getpid())
STEPS: tuple[tuple[str, int, int, str, str, str, int, tuple[int, bytes] | None], ...] = (
    ('AW-001', P_INOADD, NR["inotify_add_watch"], 'inotify_add_watch(ino, "/", IN_CREATE)',
     'a wd >= 1', 'inotify_new_watch(): idr_alloc_cyclic(idr, mark, 1, 0, ...) -- wds from '
     '1', 0, None),
    ('AW-002', P_INOSAME, NR["inotify_add_watch"], 'inotify_add_watch(ino, "/", IN_CREATE | '
     'IN_MASK_ADD) after the first gave wd 1', 'wd 1', 'inotify_update_watch() -> '
     'inotify_update_existing_watch(): the inode\'s mark of the group and its own wd', 2,
     None),
    ('AW-003', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     '-EAGAIN or IN_CREATE / IN_UNMOUNT / IN_IGNORED events',
     'fsnotify() -> send_to_group(): no event outside the mark\'s mask '
     '(inotify_arg_to_mask(): IN_CREATE, FS_UNMOUNT, FS_EVENT_ON_CHILD); an IN_MODIFY event',
     16, (1, event(1, IN_MODIFY))),
    ('AW-004', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'events whose mask has no control bit', 'copy_event_to_user(): inotify_mask_to_arg() '
     'keeps IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW; an event of '
     'IN_CREATE | IN_ONESHOT', 32, (1, event(1, IN_CREATE | IN_ONESHOT, b"f"))),
    ('AW-005', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'IN_CREATE events of cookie 0', 'fsnotify_create() passes cookie 0; only '
     'fsnotify_move() gives one (IN_MOVED_FROM / IN_MOVED_TO); an IN_CREATE of cookie 7',
     32, (1, event(1, IN_CREATE, b"f", cookie=7))),
    ('AW-006', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'names padded to a multiple of 16', 'copy_event_to_user(): round_event_name_len() = '
     'roundup(len + 1, sizeof(struct inotify_event)); a name of len 8', 24,
     (1, event(1, IN_CREATE, b"ab", 8))),
    ('AW-007', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'names of one path component', 'fsnotify_create() -> fsnotify_dirent(): the child '
     'dentry\'s d_name, never a \'/\'; the name "a/b"', 32,
     (1, event(1, IN_CREATE, b"a/b"))),
    ('AW-008', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'an overflow event of len 0', 'fsnotify_insert_event(): group->overflow_event, no '
     'name; wd -1 IN_Q_OVERFLOW with the name "x"', 32,
     (1, event(-1, IN_Q_OVERFLOW, b"x"))),
    ('AW-009', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'IN_CREATE with the child\'s name', 'fsnotify_create() -> fsnotify_dirent() -> '
     'fsnotify_name(): the directory\'s mark hears the child by name; IN_CREATE of len 0',
     16, (1, event(1, IN_CREATE))),
    ('AW-010', P_INOREAD, _RD, 'read(ino, buf, 256), one watch of IN_CREATE on "/"',
     'IN_IGNORED of len 0', 'inotify_ignored_and_remove_idr() -> '
     'inotify_handle_inode_event(mark, FS_IN_IGNORED, NULL, NULL, NULL, 0): no name; '
     'IN_IGNORED with the name "x"', 32, (1, event(1, IN_IGNORED, b"x"))),
    ('AW-011', P_INOFIONREAD, _IOCTL, 'ioctl(ino, FIONREAD, &n)', '0 with n a multiple of '
     '16', 'inotify_ioctl() FIONREAD: the sum of sizeof(struct inotify_event) + '
     'round_event_name_len() over the queue; n 8', 0, (2, _word(8))),
    ('AW-012', P_INORMBAD, NR["inotify_rm_watch"], 'inotify_rm_watch(ino, wd + 100)',
     '-EINVAL', 'inotify_rm_watch(): inotify_idr_find() of a wd never given, NULL: '
     '-EINVAL', 0, None),
    ('AW-013', P_INONEXTWD, _IOCTL, 'ioctl(ino, INOTIFY_IOC_SETNEXTWD, 0)', '-EINVAL',
     'inotify_ioctl(): `ret = -EINVAL; if (arg >= 1 && arg <= INT_MAX)` '
     '(CONFIG_CHECKPOINT_RESTORE; -ENOTTY without)', 0, None),
    ('AW-014', P_INOTCGETS, _IOCTL, 'ioctl(ino, TCGETS, &t)', '-ENOTTY',
     'inotify_ioctl(): FIONREAD and INOTIFY_IOC_SETNEXTWD alone, `default: ret = -ENOTTY;`',
     0, (2, bytes(36))),
    ('AW-015', P_INOWRITE, NR["write"], 'write(ino, &v, 8)', '-EBADF',
     'do_inotify_init(): anon_inode_getfile(..., O_RDONLY | flags); vfs_write() '
     '`!(file->f_mode & FMODE_WRITE)` -EBADF', 8, None),
    ('AW-016', P_TFDONESHOT, _RD, 'read(t, buf, 8), t armed once for 1000 s, no interval',
     '-EAGAIN (at most 1 tick an arming)', 'timerfd_triggered() ticks++ once; '
     'timerfd_read() forwards only `if (ctx->expired && ctx->tintv)`; 5 ticks', 8,
     (1, struct.pack("<Q", 5))),
    ('AW-017', P_TFDDISARM, _RD, 'read(t, buf, 8), t armed for 1 ns then disarmed',
     '-EAGAIN', 'do_timerfd_settime() -> timerfd_setup(): ticks = 0, a zero it_value '
     'starts no timer; 1 tick', 8, (1, struct.pack("<Q", 1))),
    ('AW-018', P_TFDGETTIME, _TGET, 'timerfd_gettime(t, &its), t never armed',
     '0 with zeros', 'do_timerfd_gettime(): timerfd_get_remaining() of a timer never '
     'started 0, ctx->tintv 0; it_value {5, 0}', 0, (1, itimerspec(0, 0, 5, 0))),
    ('AW-019', P_TFDOLD, _TSET, 'timerfd_settime(t, 0, {0, 1000 s}, &old), t never armed',
     '0 with old zeros', 'do_timerfd_settime(): old = remaining and tintv before '
     'timerfd_setup(), 0 each; old.it_value {5, 0}', 0, (3, itimerspec(0, 0, 5, 0))),
    ('AW-020', P_TFDLEFT, _TGET, 'timerfd_gettime(t, &its), t armed for 1000 s',
     '0 with a normalized it_value', 'ktime_to_timespec64(): tv_nsec < 10^9; it_value '
     '{999, 1500000000}', 0, (1, itimerspec(0, 0, 999, 1_500_000_000))),
    ('AW-021', P_TFDLEFT, _TGET, 'timerfd_gettime(t, &its), t armed for 1000 s',
     '0 with it_value at most 1000 s', 'timerfd_get_remaining(): '
     'hrtimer_expires_remaining_adjusted() of a timer set 1000 s ahead; it_value {5000, 0}',
     0, (1, itimerspec(0, 0, 5000, 0))),
    ('AW-022', P_ATMARKV, _IOCTL, 'ioctl(so, SIOCATMARK, &v), so an AF_UNIX socket never '
     'connected', '0 with v 0 (v 0 or 1)', 'unix_ioctl() SIOCATMARK: answ 1 only where the '
     'head skb is u->oob_skb, else 0; v 7', 0, (2, _word(7))),
    ('AW-023', P_FIGETBSZV, _IOCTL, 'ioctl(memfd, FIGETBSZ, &b)', '0 with b 4096',
     'do_vfs_ioctl() FIGETBSZ: put_user(sb->s_blocksize) -- shmem PAGE_SIZE, a power of '
     'two (sb_set_blocksize()); b 3', 0, (2, _word(3))),
    ('AW-024', P_PGRPV, _IOCTL, 'ioctl(so, SIOCGPGRP, &g), no owner ever set', '0 with g 0',
     'sock_ioctl() SIOCGPGRP: put_user(f_getown(sock->file)), no owner: 0; g 4242', 0,
     (2, _word(4242))),
    ('AW-025', P_GETSIG, _FCNTL, 'fcntl(eventfd, F_GETSIG), no F_SETSIG ever', '0',
     'do_fcntl() F_GETSIG: f_owner.signum (file_f_owner() 6.12 on), never set: 0; 10', 10,
     None),
    ('AW-026', P_GETOWNEX, _FCNTL, 'fcntl(eventfd, F_GETOWN_EX, &o)', '0 with type 0..2',
     'f_getown_ex(): F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP (0..2), else -EINVAL; '
     'type 9', 0, (2, struct.pack("<ii", 9, 0))),
    ('AW-027', P_GETOWNEX, _FCNTL, 'fcntl(eventfd, F_GETOWN_EX, &o), no owner ever set',
     '0 with pid 0', 'f_getown_ex(): pid_vnr() of no owner pid, 0; {F_OWNER_PID, 4242}', 0,
     (2, struct.pack("<ii", 1, 4242))),
    ('AW-028', P_PIDFDNS, _IOCTL, 'ioctl(pidfd, PIDFD_GET_UTS_NAMESPACE, 0)',
     'a free number (or -ENOTTY before 6.11)', 'pidfd_ioctl() -> open_namespace() -> '
     'get_unused_fd_flags(): never an open number; 1 (stdout, open)', 1, None),
    ('AW-029', P_INOMASKCREATE, NR["inotify_add_watch"], 'inotify_add_watch(ino, "/", '
     'IN_CREATE | IN_MASK_CREATE), "/" already watched (wd 1)', '-EEXIST',
     'inotify_update_watch() -> inotify_update_existing_watch(): `if (create) { ... return '
     '-EEXIST; }` -- the inode has the group\'s mark', 1, None),
    ('AW-030', P_INOONLYDIR, NR["inotify_add_watch"], 'inotify_add_watch(ino, "/dev/null", '
     'IN_CREATE | IN_ONLYDIR)', '-ENOTDIR', 'inotify_find_inode(): IN_ONLYDIR adds '
     'LOOKUP_DIRECTORY to user_path_at(), a character device: -ENOTDIR', 2, None),
    ('AW-031', P_TFDTWICE, _RD, 'read(t, buf, 8), t armed once for 1 ns and its one tick '
     'read', '-EAGAIN', 'timerfd_read(): the read took ctx->ticks to 0; a one-shot timer '
     'fires once per arming (timerfd_triggered()); 1 tick again', 8,
     (1, struct.pack("<Q", 1))),
    ('AW-032', P_TFDGETDIS, _TGET, 'timerfd_gettime(t, &its), t armed once then disarmed',
     '0 with zeros', 'do_timerfd_settime() -> timerfd_setup(): a zero it_value starts no '
     'timer, tintv 0; timerfd_get_remaining() 0; it_value {5, 0}', 0,
     (1, itimerspec(0, 0, 5, 0))),
    ('AW-033', P_TFDINTV, _TGET, 'timerfd_gettime(t, &its), t armed every 1000 s',
     '0 with it_interval {1000, 0}', 'do_timerfd_gettime(): `t->it_interval = '
     'ktime_to_timespec64(ctx->tintv)` -- the interval timerfd_setup() stored; '
     'it_interval {5, 0}', 0, (1, itimerspec(5, 0, 999, 0))),
    ('AW-037', P_LEASEUNLCK, _FCNTL, 'fcntl(pipe, F_SETLEASE, F_UNLCK)', '-EINVAL',
     'fcntl_setlease() `if (arg == F_UNLCK) return vfs_setlease(filp, F_UNLCK, ...)` -> '
     'generic_setlease() (vfs_setlease() 6.x) `if (!S_ISREG(inode->i_mode)) return '
     '-EINVAL;` -- F_UNLCK meets the same test as F_RDLCK / F_WRLCK', 0, None),
    ('AW-038', P_LSEEKINO5, NR["lseek"], 'lseek(ino, 5, SEEK_SET)', '0',
     'inotify_fops\' noop_llseek(): `return file->f_pos;` -- inotify_read() never moves '
     'the position (ksys_read() writes back the unchanged pos): 0 for any offset', 5, None),
)

#: the attacks the Guardian refuses (from `attack run --mode on`)
REFUSED = frozenset(("AW-016", "AW-020", "AW-021", "AW-026", "AW-032", "AW-033",
                     "AW-037"))
#: refused since the round-90 timerfd/values/owners fix (round 90's timerfd fixes)
REFUSED_T = frozenset(("AW-017", "AW-018", "AW-019", "AW-022", "AW-023", "AW-024", "AW-025",
                       "AW-027", "AW-028", "AW-031"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED
#: refused since round 90's inotify fixes: the inotify rules (return.inotify_value, return.inotify_event,
#: return.inotify_watch, return.kind_needed's inotify)
REFUSED_INOTIFY = frozenset(("AW-001", "AW-003", "AW-004", "AW-005", "AW-006", "AW-007",
                             "AW-008", "AW-009", "AW-010", "AW-011", "AW-012", "AW-013",
                             "AW-014", "AW-015", "AW-038",
                             # IN_ONLYDIR of a boot /dev device (-ENOTDIR)
                             "AW-030"))
REFUSED, OPEN = REFUSED | REFUSED_INOTIFY, OPEN - REFUSED_INOTIFY
OPEN = frozenset(s[0] for s in STEPS) - REFUSED - REFUSED_T


def _register() -> None:
    for xid, phase, nr, what, linux, why, forged, written in STEPS:
        if written is None:
            def forge(adv: Adversary, _p: int = phase, _n: int = nr, _v: int = forged) -> None:
                serve_as_getpid(adv, _n, _p, _v)
            doc = (f"""1. The program calls {what}.
    2. The kernel answers {forged} (served as getpid()).
    3. It indexes -4: secret bytes 0..7.
    Linux: {why}: {linux}, never {forged}.""")
        else:
            arg, data = written

            def forge(adv: Adversary, _p: int = phase, _n: int = nr, _v: int = forged,
                      _a: int = arg, _d: bytes = data) -> None:
                serve_bytes(adv, _n, _p, _v, _a, _d)
            doc = (f"""1. The program calls {what}.
    2. The kernel lets the call run, writes {len(data)} bytes ({data.hex()}) where
    argument {arg} points, as a success would, and answers {forged}.
    3. It indexes -4: secret bytes 0..7.
    Linux: {why}: {linux}.""")
        _iago(xid, f"Answer {forged} to {what}" + ("" if written is None else
                                                    f", {len(data)} bytes written"),
              f"Linux answers {linux} ({why}).",
              gap="P5" if xid in OPEN else "")(documented(forge, doc))


_register()


def serve_readv(adv: Adversary, phase: int, result: int, data: bytes) -> None:
    """Let readv run; at its exit write `data` at the second iovec's base and answer
    `result`."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["readv"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        iov = a.el1.syscall_args()[1]
        a.kernel.uaccess.write(a.kernel.uaccess.read_u64(iov + 16), data)
        a.set_reg("x0", result)


def _readv_step(xid: str, data: bytes, seen: str) -> None:
    def forge(adv: Adversary, _d: bytes = data) -> None:
        serve_readv(adv, P_INOREADV, 16, _d)
    doc = (f"""1. The program calls readv(ino, {{{{buf, 0}}, {{buf2, 256}}}}, 2) of its inotify
    (one watch of IN_CREATE on "/").
    2. The kernel lets it run, writes {len(data)} bytes ({seen}) at buf2 and answers 16.
    3. It walks the events past the count: index -4, secret bytes 0..7.
    Linux: do_loop_readv_writev() calls inotify_read() per iovec; the first, of 0 bytes,
    answers -EINVAL (an event pending: get_one_event() `event_size > count`) or -EAGAIN,
    and the loop stops with that error: never a count (the host natively: errno 11, then
    22 with an event pending).""")
    _iago(xid, f"Answer 16 to readv of an inotify with an empty first iovec, {seen}",
          "Linux answers -EINVAL or -EAGAIN (do_loop_readv_writev(): inotify_read() of the "
          "empty first iovec).")(documented(forge, doc))


#: readv's pieces skip the events past an empty first iovec (result_records._pieces()
#: stops at the first piece of 0 bytes): refused since round 90's inotify fixes by return.inotify_event
#: (inotify_events.empty_first_fault(): such a readv answers no count)
_readv_step("AW-034", event(1, IN_CREATE, b"f", 240)[:16],
            "an event of len 240 cut off by the count")
_readv_step("AW-035", event(99, IN_CREATE), "an event of wd 99, never given")


def _ignored_then(adv: Adversary) -> None:
    serve_bytes(adv, _RD, P_INOREAD, 48, 1, event(1, IN_IGNORED) + event(1, IN_CREATE, b"f"))


# (an answer Linux gives -- a handler racing the mark's removal queues after
# the IN_IGNORED -- so no sound rule refuses it: open, gap P5)
_iago("AW-036", "Answer 48 to read(ino, buf, 256): wd 1's IN_IGNORED, then an IN_CREATE of "
      "wd 1", "Linux answers -EAGAIN or events none of which follows its watch's IN_IGNORED "
      "(inotify_freeing_mark() -> inotify_ignored_and_remove_idr(): IN_IGNORED is the last "
      "event of a mark, queued after the mark left the inode).", gap="P5")(documented(
          _ignored_then, """1. The program calls read(ino, buf, 256) of its inotify (one watch of
    IN_CREATE on "/", wd 1).
    2. The kernel lets it run, writes {1, IN_IGNORED, 0, 0} then {1, IN_CREATE, 0, 16, "f"}
    and answers 48.
    3. It sees an event of wd 1 after wd 1's IN_IGNORED: index -4, secret bytes 0..7.
    Claimed: fsnotify_destroy_mark() detaches the mark from the inode before
    inotify_freeing_mark() queues IN_IGNORED, so no later event of that wd is queued after
    it.  Not so: an event handler that read i_mark->wd before
    inotify_ignored_and_remove_idr() set it to -1 queues its event after the IN_IGNORED
    (its kmalloc() may sleep) -- an answer Linux gives, let through."""))


def claim_honest(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. The kernel model answers each as Linux does, but ioctl(so, SIOCATMARK, &v),
    ioctl(so, SIOCGPGRP, &g) and fcntl(eventfd, F_GETOWN_EX, &o), answered 0 with 0
    written (unix_ioctl(), sock_ioctl(), f_getown_ex(); qemu and the host: 0, 0),
    lseek(ino, 5, SEEK_SET) answered 0 (noop_llseek(); the host and qemu: 0) and
    fcntl(pipe, F_GETLEASE) answered F_UNLCK, 2 (fcntl_getlease(): no lease; the host and
    qemu: 2) -- the kernel model answers an error to both.
    3. It sees Linux's answer: index 0 each."""
    serve_bytes(adv, _IOCTL, P_ATMARKV, 0, 2, _word(0))
    serve_bytes(adv, _IOCTL, P_PGRPV, 0, 2, _word(0))
    serve_bytes(adv, _FCNTL, P_GETOWNEX, 0, 2, struct.pack("<ii", 0, 0))
    serve_as_getpid(adv, NR["lseek"], P_LSEEKINO5, 0)
    serve_as_getpid(adv, _FCNTL, P_OKGETLEASE, 2)


def claim_create_event(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and read(ino, buf, 256) 32 with {wd 1, IN_CREATE, 0, 16, "f"}:
    another process created /f (fsnotify_create()), and FIONREAD 0 with n 32 (one such
    event queued).
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_bytes(adv, _RD, P_INOREAD, 32, 1, event(1, IN_CREATE, b"f"))
    serve_bytes(adv, _IOCTL, P_INOFIONREAD, 0, 2, _word(32))


def claim_dir_and_overflow(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and read(ino, buf, 256) 48 with {wd 1, IN_CREATE | IN_ISDIR, 0,
    16, "d"} (a mkdir of /d: fsnotify_mkdir()) then the overflow event {-1,
    IN_Q_OVERFLOW, 0, 0} (max_queued_events, 16384, passed by others' creations).
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_bytes(adv, _RD, P_INOREAD, 48, 1, event(1, IN_CREATE | IN_ISDIR, b"d")
                + event(-1, IN_Q_OVERFLOW))


def claim_canceled(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and read(t3, buf, 8) of a CLOCK_REALTIME timerfd armed with
    TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET answered -ECANCELED: timerfd_read() `if
    (timerfd_canceled(ctx)) res = -ECANCELED;` once another process set the clock
    (clock_settime() -> timerfd_clock_was_set()).
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_as_getpid(adv, _RD, P_OKCANCEL, -125)


def claim_onlydir(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and inotify_add_watch(ino, "/dev/null", IN_CREATE | IN_ONLYDIR)
    answered -ENOTDIR (inotify_find_inode(): LOOKUP_DIRECTORY; qemu: 20 -- the kernel model
    answers another error).
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_as_getpid(adv, NR["inotify_add_watch"], P_INOONLYDIR, -20)


def claim_periodic_ticks(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and 5 ticks for each one-shot timer (armed for 1000 s) that
    was then re-armed every 1 us from 1 ns -- through dup(t) (P_OKDUPPERIOD: the same
    open file, do_timerfd_settime() through either number) and by a fork child sharing it
    (P_OKCHILDPERIOD): timerfd_read() `if (ctx->expired && ctx->tintv) ticks +=
    hrtimer_forward_now(...) - 1`.
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_bytes(adv, _RD, P_OKDUPPERIOD, 8, 1, struct.pack("<Q", 5))
    serve_bytes(adv, _RD, P_OKCHILDPERIOD, 8, 1, struct.pack("<Q", 5))


def claim_set_ticks(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and ioctl(t, TFD_IOC_SET_TICKS, &5) of a one-shot timer armed
    for 1000 s answered 0 (timerfd_ioctl() -> timerfd_set_ticks(): ctx->ticks = 5,
    CONFIG_CHECKPOINT_RESTORE, the defconfigs' y; the host natively 0 for 1 in round 89),
    then read(t) 8 with the 5 ticks.
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_as_getpid(adv, _IOCTL, P_OKSETTICKS5, 0)
    serve_bytes(adv, _RD, P_OKSETTICKS5, 8, 1, struct.pack("<Q", 5))


def claim_realtime_left(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and timerfd_gettime() of a CLOCK_REALTIME timerfd armed with
    TFD_TIMER_ABSTIME for clock_gettime()'s now + 1000 s answered 0 with it_value {4600,
    0}: another process set the clock back an hour (clock_settime() -> clock_was_set()
    moves the REALTIME base's offset; the absolute expiry stays, timerfd_get_remaining()
    is it less the new now).  (A relative CLOCK_REALTIME arming would not do: __hrtimer_init()
    turns relative CLOCK_REALTIME timers into CLOCK_MONOTONIC ones, "POSIX magic", so the
    Guardian's bound of the 1000 s set holds for them -- it refuses 4600 there, rightly.)
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_bytes(adv, _TGET, P_OKRTLEFT, 0, 1, itimerspec(0, 0, 4600, 0))


def claim_fork_watch(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r90_rules.
    2. As claim_honest(), and read(ino2, buf, 256) of an inotify whose only watch a fork
    child added (inotify_add_watch(ino2, "/dev", IN_CREATE): wd 1, the shared group's
    idr) before it exited answered 32 with {1, IN_CREATE, 0, 16, "x"}: another process
    created /dev/x, and the group's mark outlives the child (fsnotify marks belong to the
    group, the open file both held).
    3. It sees Linux's answer: index 0 each."""
    claim_honest(adv)
    serve_bytes(adv, _RD, P_OKFORKWATCH, 32, 1, event(1, IN_CREATE, b"x"))
