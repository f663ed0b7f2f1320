/* The attack target for round 39: what a fork child gets, and what the parent sees of it.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step learns a value Linux fixes across
 * fork(), turns it into a label's index the way that value allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3 (or the step
 * writes nothing); a value Linux could not give points the write back into the secret's
 * copy.  In the order they run:
 *
 *   1. A memfd holding "abcdefgh", offset 0; a fork child read()s 4 bytes and
 *      exits; the parent's lseek(fd, 0, SEEK_CUR) after waitpid is 4 (the open file, and
 *      its f_pos, are shared); off - 4 chooses the label.
 *   2. A fork child sets O_APPEND on that descriptor by F_SETFL; the parent's F_GETFL after
 *      waitpid has O_APPEND (file status flags live in the shared struct file); else -4.
 *   3. FD_CLOEXEC set on it, fork: the child's F_GETFD is FD_CLOEXEC (dup_fd() copies the
 *      close-on-exec bitmap); else -4.  The child logs.
 *   4. SIGUSR1 blocked and sent to itself (pending), fork: the child's rt_sigpending lacks
 *      SIGUSR1 (copy_process() clears the child's pending set); else -4.
 *   5. setitimer(ITIMER_REAL, 100 s), fork: the child's getitimer is zero (itimers are not
 *      inherited); else -4.
 *   6. A fork child's getppid() is the parent's getpid(); else -4.
 *   7. A fork child's getpgid(0) is the parent's; else -4.
 *   8. A fork child's getsid(0) is the parent's; else -4.
 *   9. umask(027), fork: the child's umask(022) returns 027; else -4.
 *  10. RLIMIT_NOFILE soft limit set to 100, fork: the child's prlimit64 reads 100; else -4.
 *  11. chdir("/dev"), fork: the child's getcwd is "/dev"; else -4.
 *  12. PR_SET_PDEATHSIG(SIGUSR2), fork: the child's PR_GET_PDEATHSIG is 0 (copy_process()
 *      sets p->pdeath_signal = 0); else -4.
 *  13. An OFD write lock on the file taken by the parent, fork: the child's F_OFD_SETLK
 *      write lock on the whole file succeeds (the lock's owner is the shared open file
 *      description); else -4.
 *  14. PR_SET_NO_NEW_PRIVS, fork: the child's PR_GET_NO_NEW_PRIVS is 1; else -4.
 *  15. Only with -k: a POSIX write lock (F_SETLK) on the file taken by the parent, fork:
 *      the child's F_GETLK reports F_WRLCK held by the parent's pid (record locks are not
 *      inherited, so the child sees its parent's as a conflict); else -4.  Off by default:
 *      the kernel model keeps no record locks and answers F_UNLCK, which Linux never does.
 *  16. A fork child _exit(5)s; the parent's waitid(P_PID, pid, WEXITED) reports si_pid pid,
 *      CLD_EXITED, si_status 5; else -4.
 *  17. personality(ADDR_NO_RANDOMIZE), fork: the child's personality(0xffffffff) returns
 *      ADDR_NO_RANDOMIZE (dup_task_struct() copies it); else -4.
 *  18. A POSIX timer made by timer_create (CLOCK_MONOTONIC, SIGEV_NONE), fork: the child's
 *      timer_gettime(id) fails with EINVAL (POSIX timers are not inherited); a success
 *      chooses -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r39.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is learnt (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_FORK_OFFSET 3900
#define P_FORK_APPEND 3902
#define P_FORK_CLOEXEC 3904
#define P_FORK_PENDING 3906
#define P_FORK_ITIMER 3908
#define P_FORK_PPID 3910      /* x3 the parent's pid */
#define P_FORK_PGID 3912      /* x3 the parent's pgid */
#define P_FORK_SID 3914       /* x3 the parent's sid */
#define P_FORK_UMASK 3916
#define P_FORK_RLIMIT 3918
#define P_FORK_CWD 3920
#define P_FORK_PDEATH 3922
#define P_FORK_OFD 3924
#define P_FORK_NNP 3926
#define P_FORK_POSIX_LOCK 3928 /* -k only; x3 the parent's pid */
#define P_FORK_WAIT 3930
#define P_FORK_PERSONA 3932
#define P_FORK_POSIX_TIMER 3934
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static int posix_locks;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
/* A page holding a copy of the secret at SECRET_OFF (the referee checks it is intact). */
static uint8_t heapcopy[PAGE] __attribute__((aligned(4096)));

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static int fork_wait(pid_t pid)
{
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    return st;
}

/* 1..3: an open file shared across fork. */
static void fork_file_steps(void)
{
    int fd = (int)sys6(SYS_memfd_create, (long)"r39-fork", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    if (write(fd, "abcdefgh", 8) == 8 && lseek(fd, 0, SEEK_SET) == 0) {
        marker(P_FORK_OFFSET, (long)logbuf, 0, 0, 0);
        pid_t pid = fork();
        if (pid == 0) {
            char b[4];
            sys6(SYS_read, fd, (long)b, 4, 0, 0, 0);
            _exit(0);
        }
        if (pid > 0) {
            fork_wait(pid);
            long off = lseek(fd, 0, SEEK_CUR);
            if (off >= 0)
                log_label(P_FORK_OFFSET, off - 4);
        }
        marker(P_FORK_APPEND, (long)logbuf, 0, 0, 0);
        pid = fork();
        if (pid == 0) {
            long fl = sys6(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
            sys6(SYS_fcntl, fd, F_SETFL, fl | O_APPEND, 0, 0, 0);
            _exit(0);
        }
        if (pid > 0) {
            fork_wait(pid);
            long fl = fcntl(fd, F_GETFL);
            if (fl >= 0)
                log_label(P_FORK_APPEND, (fl & O_APPEND) ? 0 : -4);
        }
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) == 0) {
            marker(P_FORK_CLOEXEC, (long)logbuf, 0, 0, 0);
            pid = fork();
            if (pid == 0) {
                long v = sys6(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0);
                if (v >= 0)
                    log_label(P_FORK_CLOEXEC, v == FD_CLOEXEC ? 0 : -4);
                _exit(0);
            }
            fork_wait(pid);
        }
        /* 13. an OFD lock the child's open file description already holds */
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
            marker(P_FORK_OFD, (long)logbuf, 0, 0, 0);
            pid = fork();
            if (pid == 0) {
                struct flock c = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
                long r = sys6(SYS_fcntl, fd, F_OFD_SETLK, (long)&c, 0, 0, 0);
                log_label(P_FORK_OFD, r == 0 ? 0 : -4);
                _exit(0);
            }
            fork_wait(pid);
            fl.l_type = F_UNLCK;
            fcntl(fd, F_OFD_SETLK, &fl);
        }
        /* 15 (-k only). a POSIX record lock the parent holds, seen by the child */
        if (posix_locks) {
            struct flock p = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
            long parent = getpid();
            if (fcntl(fd, F_SETLK, &p) == 0) {
                marker(P_FORK_POSIX_LOCK, (long)logbuf, parent, 0, 0);
                pid = fork();
                if (pid == 0) {
                    struct flock c = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
                    if (sys6(SYS_fcntl, fd, F_GETLK, (long)&c, 0, 0, 0) == 0)
                        log_label(P_FORK_POSIX_LOCK,
                                  c.l_type == F_WRLCK && c.l_pid == parent ? 0 : -4);
                    _exit(0);
                }
                fork_wait(pid);
                p.l_type = F_UNLCK;
                fcntl(fd, F_SETLK, &p);
            }
        }
    }
    close(fd);
}

/* 4. */
static void fork_pending_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    kill(getpid(), SIGUSR1);
    marker(P_FORK_PENDING, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t p;
        sigemptyset(&p);
        if (sys6(SYS_rt_sigpending, (long)&p, 8, 0, 0, 0, 0) == 0)
            log_label(P_FORK_PENDING, sigismember(&p, SIGUSR1) ? -4 : 0);
        _exit(0);
    }
    fork_wait(pid);
    struct sigaction ign, prev;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGUSR1, &ign, &prev);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGUSR1, &prev, NULL);
}

/* 5. */
static void fork_itimer_step(void)
{
    struct itimerval it = {{0, 0}, {100, 0}}, zero = {{0, 0}, {0, 0}};
    if (setitimer(ITIMER_REAL, &it, NULL) != 0)
        return;
    marker(P_FORK_ITIMER, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval g;
        memset(&g, 0xff, sizeof g);
        if (sys6(SYS_getitimer, ITIMER_REAL, (long)&g, 0, 0, 0, 0) == 0)
            log_label(P_FORK_ITIMER, g.it_value.tv_sec || g.it_value.tv_usec ? -4 : 0);
        _exit(0);
    }
    fork_wait(pid);
    setitimer(ITIMER_REAL, &zero, NULL);
}

/* 6..8: ids */
static void fork_ids_step(int phase, long parent, long nr)
{
    marker(phase, (long)logbuf, parent, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long v = sys6(nr, 0, 0, 0, 0, 0, 0);
        log_label(phase, v == parent ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
}

/* 9. */
static void fork_umask_step(void)
{
    mode_t prev = umask(027);
    marker(P_FORK_UMASK, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long v = sys6(SYS_umask, 022, 0, 0, 0, 0, 0);
        log_label(P_FORK_UMASK, v == 027 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
    umask(prev);
}

/* 10. */
static void fork_rlimit_step(void)
{
    struct rlimit old, nw;
    if (getrlimit(RLIMIT_NOFILE, &old) != 0 || old.rlim_cur < 100)
        return;
    nw.rlim_cur = 100;
    nw.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nw) != 0)
        return;
    marker(P_FORK_RLIMIT, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit g = {0, 0};
        if (sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&g, 0, 0) == 0)
            log_label(P_FORK_RLIMIT, g.rlim_cur == 100 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
    setrlimit(RLIMIT_NOFILE, &old);
}

/* 11. */
static void fork_cwd_step(void)
{
    static char prev[256];
    if (!getcwd(prev, sizeof prev) || chdir("/dev") != 0)
        return;
    marker(P_FORK_CWD, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        char b[64];
        memset(b, 0, sizeof b);
        long n = sys6(SYS_getcwd, (long)b, sizeof b, 0, 0, 0, 0);
        if (n > 0)
            log_label(P_FORK_CWD, strcmp(b, "/dev") == 0 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
    if (chdir(prev) != 0)
        say("secret: chdir back failed\n");
}

/* 12. */
static void fork_pdeath_step(void)
{
    if (prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0) != 0)
        return;
    marker(P_FORK_PDEATH, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        int sig = -1;
        if (sys6(SYS_prctl, PR_GET_PDEATHSIG, (long)&sig, 0, 0, 0, 0) == 0)
            log_label(P_FORK_PDEATH, sig == 0 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
}

/* 14. */
static void fork_nnp_step(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return;
    marker(P_FORK_NNP, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long v = sys6(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0, 0);
        log_label(P_FORK_NNP, v == 1 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
}

/* 16. */
static void fork_wait_step(void)
{
    marker(P_FORK_WAIT, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(5);
    if (pid > 0) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, pid, &si, WEXITED) == 0)
            log_label(P_FORK_WAIT, si.si_pid == pid && si.si_code == CLD_EXITED &&
                                       si.si_status == 5 ? 0 : -4);
    }
}

/* 17. */
static void fork_persona_step(void)
{
    long prev = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
    if (prev < 0 || sys6(SYS_personality, 0x0040000, 0, 0, 0, 0, 0) < 0)
        return;
    marker(P_FORK_PERSONA, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long v = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
        log_label(P_FORK_PERSONA, v == 0x0040000 ? 0 : -4);
        _exit(0);
    }
    fork_wait(pid);
    sys6(SYS_personality, prev, 0, 0, 0, 0, 0);
}

/* 18. */
static void fork_posix_timer_step(void)
{
    struct sigevent sev;
    int id = -1;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_NONE;
    if (sys6(SYS_timer_create, CLOCK_MONOTONIC, (long)&sev, (long)&id, 0, 0, 0) != 0)
        return;
    marker(P_FORK_POSIX_TIMER, (long)logbuf, id, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerspec its;
        memset(&its, 0, sizeof its);
        long r = sys6(SYS_timer_gettime, id, (long)&its, 0, 0, 0, 0);
        log_label(P_FORK_POSIX_TIMER, r == 0 ? -4 : 0);
        _exit(0);
    }
    fork_wait(pid);
    sys6(SYS_timer_delete, id, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        posix_locks |= strcmp(argv[i], "-k") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    memcpy(heapcopy + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    marker(P_PLACED, (long)heapcopy, (long)stackbuf, 0, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    fork_file_steps();
    fork_pending_step();
    fork_itimer_step();
    fork_ids_step(P_FORK_PPID, getpid(), SYS_getppid);
    fork_ids_step(P_FORK_PGID, getpgid(0), SYS_getpgid);
    fork_ids_step(P_FORK_SID, getsid(0), SYS_getsid);
    fork_umask_step();
    fork_rlimit_step();
    fork_cwd_step();
    fork_pdeath_step();
    fork_wait_step();
    fork_persona_step();
    fork_posix_timer_step();
    fork_nnp_step();

    int bad = memcmp(logbuf, secret, SECRET_LEN) != 0 ||
              memcmp(heapcopy + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
