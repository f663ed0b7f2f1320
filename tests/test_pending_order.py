"""A standard signal is pending at most once per queue, and the thread's own queue is
taken first (legacy_queue(), dequeue_signal()): honest sequences that send, wait for,
flush and redirect pending signals give what Linux gives, confidential included
(`signal.pending_order` refuses none of them, nor the waits that take pending signals in
that order: rt_sigtimedwait, signalfd reads) -- checked against qemu."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static volatile int runs, codes[4];
static void h(int s, siginfo_t *si, void *u) { if (runs < 4) codes[runs] = si->si_code; runs++; }
static volatile int order[2], nth;
static void note(int s, siginfo_t *si, void *u) { if (nth < 2) order[nth++] = s; }
static void handle(void (*f)(int, siginfo_t *, void *)) {
    struct sigaction sa = {0};
    if (f) { sa.sa_sigaction = f; sa.sa_flags = SA_SIGINFO; } else sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR1, &sa, 0);
}
static sigset_t one;
static void block(int how) { sigprocmask(how, &one, 0); }
static void queue(void) {
    siginfo_t si; memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1; si.si_code = SI_QUEUE; si.si_pid = getpid(); si.si_uid = getuid();
    syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si);
}
static void show(const char *what) {
    printf("%s: runs %d codes", what, runs);
    for (int i = 0; i < runs && i < 4; i++) printf(" %d", codes[i]);
    printf("\n"); runs = 0;
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    sigemptyset(&one); sigaddset(&one, SIGUSR1);
    handle(h);
    block(SIG_BLOCK); queue(); kill(getpid(), SIGUSR1); block(SIG_UNBLOCK);
    show("queued then killed");
    block(SIG_BLOCK); syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1); kill(getpid(), SIGUSR1);
    block(SIG_UNBLOCK);
    show("thread's then process's");
    block(SIG_BLOCK); kill(getpid(), SIGUSR1); syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    block(SIG_UNBLOCK);
    show("process's then thread's");
    handle(0); block(SIG_BLOCK); queue(); block(SIG_UNBLOCK);      /* dropped: ignored */
    block(SIG_BLOCK); kill(getpid(), SIGUSR1); handle(h); block(SIG_UNBLOCK);
    show("ignored while pending, then killed");
    block(SIG_BLOCK); queue(); sigwaitinfo(&one, 0); kill(getpid(), SIGUSR1); block(SIG_UNBLOCK);
    show("queued, waited for, killed");
    block(SIG_BLOCK); kill(getpid(), SIGUSR1); handle(0); handle(h); queue(); block(SIG_UNBLOCK);
    show("killed, flushed, queued");
    block(SIG_BLOCK); kill(getpid(), SIGUSR1); block(SIG_UNBLOCK);
    block(SIG_BLOCK); queue(); block(SIG_UNBLOCK);
    show("killed, delivered, queued");
    /* two standard signals pending together: the lower first, each handler blocking both */
    struct sigaction sa = {0};
    sa.sa_sigaction = note; sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask); sigaddset(&sa.sa_mask, SIGUSR1); sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, 0); sigaction(SIGUSR2, &sa, 0);
    sigset_t both = one; sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, 0);
    kill(getpid(), SIGUSR2); kill(getpid(), SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &both, 0);
    printf("order: %d %d\n", order[0], order[1]);
    /* the thread's own queue first: tgkill()'s SIGUSR2 before kill()'s SIGUSR1 */
    nth = 0;
    sigprocmask(SIG_BLOCK, &both, 0);
    kill(getpid(), SIGUSR1); syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &both, 0);
    printf("own queue first: %d %d\n", order[0], order[1]);
    /* a synchronous signal first: SIGSEGV (sent by kill) before SIGUSR1 */
    nth = 0;
    sigaddset(&sa.sa_mask, SIGSEGV);
    sigaction(SIGSEGV, &sa, 0); sigaction(SIGUSR1, &sa, 0);
    sigset_t sync = one; sigaddset(&sync, SIGSEGV);
    sigprocmask(SIG_BLOCK, &sync, 0);
    kill(getpid(), SIGUSR1); kill(getpid(), SIGSEGV);
    sigprocmask(SIG_UNBLOCK, &sync, 0);
    printf("synchronous first: %d %d\n", order[0], order[1]);
    return 0;
}
"""


def test_pending_standard_signals_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pending_order", SOURCE,
                     b"queued then killed: runs 1 codes -1",
                     b"thread's then process's: runs 2 codes -6 0",
                     b"process's then thread's: runs 2 codes -6 0",
                     b"ignored while pending, then killed: runs 1 codes 0",
                     b"queued, waited for, killed: runs 1 codes 0",
                     b"killed, flushed, queued: runs 1 codes -1",
                     b"killed, delivered, queued: runs 2 codes 0 -1",
                     b"order: 10 12",
                     b"own queue first: 12 10",
                     b"synchronous first: 11 10")


#: rt_sigtimedwait and signalfd reads take the pending signals of their set as a delivery
#: does.  (glibc's sigtimedwait reports a tgkill()ed signal's SI_TKILL as SI_USER.)
WAITS = r"""#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static void note(int s, siginfo_t *si, void *u) { (void)s; (void)si; (void)u; }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = note; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0); sigaction(SIGUSR2, &sa, 0);
    sigset_t both; sigemptyset(&both); sigaddset(&both, SIGUSR1); sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, 0);
    struct timespec zero = {0, 0};
    siginfo_t a, b;
    kill(getpid(), SIGUSR2); kill(getpid(), SIGUSR1);
    int x = sigtimedwait(&both, &a, &zero), y = sigtimedwait(&both, &b, &zero);
    printf("timedwait lowest first: %d %d codes %d %d\n", x, y, a.si_code, b.si_code);
    kill(getpid(), SIGUSR1); syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    x = sigtimedwait(&both, &a, &zero); y = sigtimedwait(&both, &b, &zero);
    printf("timedwait own queue first: %d %d codes %d %d\n", x, y, a.si_code, b.si_code);
    kill(getpid(), SIGUSR2); kill(getpid(), SIGUSR1);
    x = sigtimedwait(&both, 0, &zero); y = sigtimedwait(&both, 0, &zero);
    printf("timedwait without siginfo: %d %d\n", x, y);
    int sfd = signalfd(-1, &both, SFD_NONBLOCK);
    kill(getpid(), SIGUSR2); kill(getpid(), SIGUSR1);
    struct signalfd_siginfo r[4];
    long n = read(sfd, r, sizeof r);
    printf("signalfd read %ld:", n / (long)sizeof r[0]);
    for (long i = 0; i < n / (long)sizeof r[0]; i++) printf(" %u/%d", r[i].ssi_signo, r[i].ssi_code);
    printf("\n");
    kill(getpid(), SIGUSR2); kill(getpid(), SIGUSR1);
    n = read(sfd, r, sizeof r[0]); long m = read(sfd, r + 1, sizeof r[0]);
    printf("signalfd one by one: %u %u (%ld %ld)\n", r[0].ssi_signo, r[1].ssi_signo, n, m);
    kill(getpid(), SIGUSR1); kill(getpid(), SIGUSR2);
    sigset_t one; sigemptyset(&one); sigaddset(&one, SIGUSR2);
    x = sigtimedwait(&one, &a, &zero);
    n = read(sfd, r, sizeof r);
    printf("set without the lower: %d then signalfd %u (%ld)\n", x, r[0].ssi_signo, n / (long)sizeof r[0]);
    return 0;
}
"""


def test_waits_take_pending_signals_in_linux_order(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pending_waits", WAITS,
                     b"timedwait lowest first: 10 12 codes 0 0",
                     b"timedwait own queue first: 12 10",
                     b"timedwait without siginfo: 10 12",
                     b"signalfd read 2: 10/0 12/0",
                     b"signalfd one by one: 10 12 (128 128)",
                     b"set without the lower: 12 then signalfd 10 (1)")


#: Sends whose knowledge needs more than the program's own kill(): a fork child's kill()
#: of its parent (known pending once it returned while the parent sat in wait4), and a
#: send after a call that ended what was known (it may be dropped behind an earlier one).
OTHERS = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile int order[2], nth, values[2], nv;
static void note(int s, siginfo_t *si, void *u) { (void)si; (void)u; if (nth < 2) order[nth++] = s; }
static void value(int s, siginfo_t *si, void *u) { (void)s; (void)u; if (nv < 2) values[nv++] = si->si_value.sival_int; }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = note; sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask); sigaddset(&sa.sa_mask, SIGUSR1); sigaddset(&sa.sa_mask, SIGSEGV);
    sigaction(SIGUSR1, &sa, 0); sigaction(SIGSEGV, &sa, 0);
    sigset_t both; sigemptyset(&both); sigaddset(&both, SIGUSR1); sigaddset(&both, SIGSEGV);
    sigprocmask(SIG_BLOCK, &both, 0);
    kill(getpid(), SIGUSR1);
    pid_t c = fork();
    if (c == 0) { kill(getppid(), SIGSEGV); _exit(0); }
    int st; waitpid(c, &st, 0);
    sigprocmask(SIG_UNBLOCK, &both, 0);
    printf("a child's SIGSEGV first: %d %d\n", order[0], order[1]);
    sa.sa_sigaction = value; sigaction(SIGUSR2, &sa, 0);
    sigset_t two; sigemptyset(&two); sigaddset(&two, SIGUSR2);
    sigprocmask(SIG_BLOCK, &two, 0);
    union sigval v1 = {.sival_int = 1}, v2 = {.sival_int = 2};
    sigqueue(getpid(), SIGUSR2, v1);
    write(1, "", 0);
    sigqueue(getpid(), SIGUSR2, v2);
    sigprocmask(SIG_UNBLOCK, &two, 0);
    printf("queued, a call, queued again: %d value %d\n", nv, values[0]);
    return 0;
}
"""


def test_other_processes_sends_and_sends_after_a_call(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pending_others", OTHERS,
                     b"a child's SIGSEGV first: 11 10",
                     b"queued, a call, queued again: 1 value 1")


#: ppoll and pselect6 install their mask first and look at pending signals before a zero
#: timeout ends them: -EINTR with the handler run (do_poll(), core_sys_select()).
ZERO_POLLS = r"""#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
static volatile int ran;
static void h(int s) { (void)s; ran++; }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGUSR1, h);
    sigset_t one, none; sigemptyset(&one); sigaddset(&one, SIGUSR1); sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &one, 0);
    struct timespec zero = {0, 0};
    printf("ppoll nothing pending: %d\n", ppoll(0, 0, &zero, &none));
    kill(getpid(), SIGUSR1);
    errno = 0; int r = ppoll(0, 0, &zero, &none);
    printf("ppoll pending: %d errno %d ran %d\n", r, errno, ran);
    kill(getpid(), SIGUSR1);
    errno = 0; r = pselect(0, 0, 0, 0, &zero, &none);
    printf("pselect pending: %d errno %d ran %d\n", r, errno, ran);
    kill(getpid(), SIGUSR1);
    errno = 0; r = ppoll(0, 0, &zero, &one);
    printf("ppoll still blocked: %d errno %d ran %d\n", r, errno, ran);
    sigprocmask(SIG_UNBLOCK, &one, 0);
    printf("unblocked: ran %d\n", ran);
    return 0;
}
"""


def test_zero_timeout_polls_see_a_signal_their_mask_unblocks(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pending_zero_polls", ZERO_POLLS,
                     b"ppoll nothing pending: 0", b"ppoll pending: -1 errno 4 ran 1",
                     b"pselect pending: -1 errno 4 ran 2",
                     b"ppoll still blocked: 0 errno 0 ran 2", b"unblocked: ran 3")
