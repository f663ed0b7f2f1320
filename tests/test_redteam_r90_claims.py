"""Round 90's honest answers: lseek(ino, 5, SEEK_SET) 0 and fcntl(pipe, F_GETLEASE) 2 (the
host and qemu; served: the kernel model errs), the victim's own run (the kernel model answers inotify,
timerfd and the output-contract calls as Linux does; SIOCATMARK, SIOCGPGRP and
F_GETOWN_EX served 0 with 0 written, as unix_ioctl(), sock_ioctl() and f_getown_ex() do:
qemu-aarch64-static and the 6.18 host natively 0, 0), an inotify read of an IN_CREATE
event with its 16-byte name "f" and FIONREAD 0 with n 32 (another process created /f),
an inotify read of IN_CREATE | IN_ISDIR "d" then the overflow event {-1, IN_Q_OVERFLOW,
0, 0}, a CANCEL_ON_SET timerfd's read -ECANCELED (timerfd_read(): timerfd_canceled() once
another process set CLOCK_REALTIME), and the victim's own timerfd edges each 8 with >= 1
tick: a timerfd a fork child armed for 1 ns, one dup3()ed over a never-armed timerfd's
number, one re-armed after a disarm, one made after a fork and sent to the child by
SCM_RIGHTS, which armed it (the Guardian follows the child's arming of the received
file: no refusal), and 4600 s left on a CLOCK_REALTIME timerfd armed with
TFD_TIMER_ABSTIME for now + 1000 s (another process set the clock back an hour:
clock_was_set()).

Also: inotify_add_watch(ino, "/dev/null", IN_ONLYDIR) -ENOTDIR (qemu: 20), 5 ticks of a
one-shot timer re-armed every 1 us through dup(t) and by a fork child (the host natively:
8 with 1105 ticks through the dup) -- both pass.

False refusals found: test_timerfd_set_ticks (fixed since, no longer xfail: counter_files.py ends
the one-shot rule at an ioctl that may be TFD_IOC_SET_TICKS) -- ioctl(t,
TFD_IOC_SET_TICKS, &5) of a timer armed once for 1000 s answered 0 and read(t) 8 with 5
ticks (timerfd_ioctl(): ctx->ticks = 5; the x86-64 host on 6.18 natively: 0, then 8 with
5) is refused by the one-shot rule ("counts 5 expirations of a one-shot timerfd, which
expires once per arming"): the rule must end at an ioctl that may be TFD_IOC_SET_TICKS,
as the never-armed rule does.  test_inotify_fork_watch (passes since round 90's fixes) -- read(ino2) of
an inotify made by the parent whose only watch (inotify_add_watch(ino2, "/dev",
IN_CREATE): wd 1) a fork child added before it exited, answered 32 with {1, IN_CREATE, 0,
16, "x"} (another process created /dev/x) is refused: "an inotify event (mask 0x100)
names watch 1, which inotify_add_watch never gave on that descriptor" -- the watch lives
in the group (the open file both held: inotify_new_watch() puts it in
group->inotify_data.idr); the x86-64 host on 6.18 natively and qemu (the child's watch
on /tmp, the parent's create): read 32, wd 1, mask 0x100, the name.  The Guardian did
record a fork child's add on the shared open file's InotifyQueue: the refusal came from
the kernel model, whose inotify_add_watch looked "/dev" up in the root file system alone
and answered the child -ENOENT (Linux's user_path_at() walks /dev: wd 1); fixed in the
model, the claim passes.

Each test runs the round-90 victim (secret_r90_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r90 as r
from tests.honest_runs import claim_run

_ALL = dict.fromkeys([s[1] for s in r.STEPS] + [r.P_OKFORKTFD, r.P_OKDUP3TFD, r.P_OKREARM,
                                                 r.P_OKCANCEL, r.P_OKDUPPERIOD,
                                                 r.P_OKCHILDPERIOD, r.P_OKSETTICKS5,
                                                 r.P_OKSCMTFD, r.P_OKRTLEFT,
                                                 r.P_OKGETLEASE, r.P_OKFORKWATCH], 0)



def test_honest() -> None:
    claim_run(r, r.claim_honest, (), _ALL)


def test_honest_mprotect() -> None:
    # (mprotect: the SCM_RIGHTS step does not reach its read -- index 1 -- in that mode)
    claim_run(r, r.claim_honest, (), {**_ALL, r.P_OKSCMTFD: 1}, mode="mprotect")


def test_inotify_create_event() -> None:
    claim_run(r, r.claim_create_event, (), _ALL)


def test_inotify_dir_and_overflow() -> None:
    claim_run(r, r.claim_dir_and_overflow, (), _ALL)


def test_timerfd_canceled() -> None:
    claim_run(r, r.claim_canceled, (), _ALL)


def test_inotify_onlydir() -> None:
    claim_run(r, r.claim_onlydir, (), {**_ALL, r.P_INOONLYDIR: 0})


def test_timerfd_periodic_ticks() -> None:
    claim_run(r, r.claim_periodic_ticks, (), _ALL)


def test_timerfd_set_ticks() -> None:
    # (fixed: return.counter_read's one-shot rule ends at an ioctl that may be
    # TFD_IOC_SET_TICKS, counter_files.py, until the next arming)
    claim_run(r, r.claim_set_ticks, (), _ALL)


def test_timerfd_realtime_left() -> None:
    claim_run(r, r.claim_realtime_left, (), _ALL)


def test_inotify_fork_watch() -> None:
    claim_run(r, r.claim_fork_watch, (), _ALL)
