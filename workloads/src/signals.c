/*
 * signals - POSIX signal workload.
 *
 * Steps, each printed with its result:
 *   1. sigaction() handler for SIGUSR1 delivered by kill(getpid()); the
 *      handler runs with SIGUSR1 (and its sa_mask) blocked
 *   2. SA_SIGINFO handler: si_signo/si_code/si_pid for kill(), raise() and
 *      sigqueue(), including the queued value
 *   3. sigprocmask() blocking: the signal stays pending (sigpending()) and is
 *      delivered on unblock; standard signals coalesce, real-time signals queue
 *   4. raise() with a plain handler
 *   5. SIGSEGV handler on an alternate stack (sigaltstack) that recovers
 *      with siglongjmp() from a NULL write and from a write to a read-only page
 *   6. SIGCHLD with siginfo from an exiting child, waited for with sigsuspend()
 *   7. SIGALRM from an interval timer interrupting a busy loop; the handler
 *      modifies a volatile global that the loop polls (no system calls in the
 *      loop, so delivery must be asynchronous)
 *
 * Nothing host-dependent (pids, addresses, times) is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static const char *yes_no(int b)
{
    return b ? "yes" : "no";
}

static void check(int ok, const char *what)
{
    if (!ok) {
        failures++;
        fprintf(stderr, "signals: FAILED: %s\n", what);
    }
}

static const char *code_name(int signo, int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    case SI_KERNEL: return "SI_KERNEL";
    default: break;
    }
    if (signo == SIGSEGV) {
        if (code == SEGV_MAPERR) return "SEGV_MAPERR";
        if (code == SEGV_ACCERR) return "SEGV_ACCERR";
    }
    if (signo == SIGCHLD) {
        if (code == CLD_EXITED) return "CLD_EXITED";
        if (code == CLD_KILLED) return "CLD_KILLED";
    }
    return "other";
}

/* ---- step 1 and 3 and 4: plain handler ---------------------------------- */

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t usr1_self_blocked = 1;
static volatile sig_atomic_t usr1_mask_blocked = 1;

static void on_usr1(int sig)
{
    sigset_t cur;
    (void)sig;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr1_self_blocked = usr1_self_blocked && sigismember(&cur, SIGUSR1);
    usr1_mask_blocked = usr1_mask_blocked && sigismember(&cur, SIGUSR2);
    usr1_count++;
}

/* ---- step 2: SA_SIGINFO -------------------------------------------------- */

static volatile sig_atomic_t info_count;
static volatile int info_signo, info_code, info_value;
static volatile pid_t info_pid;

static void on_info(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)uctx;
    info_signo = si->si_signo;
    info_code = si->si_code;
    info_pid = si->si_pid;
    info_value = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
    info_count++;
}

/* ---- step 3: real-time signal queueing ---------------------------------- */

static volatile sig_atomic_t rt_count;
static volatile int rt_values[8];

static void on_rt(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)uctx;
    if (rt_count < 8)
        rt_values[rt_count] = si->si_value.sival_int;
    rt_count++;
}

/* ---- step 5: SIGSEGV recovery ------------------------------------------- */

static sigjmp_buf segv_env;
static volatile int segv_code;
static void *volatile segv_addr;
static volatile int segv_on_altstack;
static char *altstack_base;
static size_t altstack_size;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
    char probe;
    (void)sig;
    (void)uctx;
    segv_code = si->si_code;
    segv_addr = si->si_addr;
    segv_on_altstack = &probe >= altstack_base && &probe < altstack_base + altstack_size;
    siglongjmp(segv_env, 1);
}

/* ---- step 6: SIGCHLD ----------------------------------------------------- */

static volatile sig_atomic_t chld_count;
static volatile int chld_code, chld_status;
static volatile pid_t chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)uctx;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
    chld_count++;
}

/* ---- step 7: SIGALRM and a volatile global ------------------------------ */

static volatile sig_atomic_t alarm_flag;
static volatile sig_atomic_t alarm_count;

static void on_alarm(int sig)
{
    (void)sig;
    alarm_count++;
    alarm_flag = 42;
}

static void install(int sig, void (*handler)(int), int extra_mask_sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (extra_mask_sig)
        sigaddset(&sa.sa_mask, extra_mask_sig);
    sa.sa_flags = SA_RESTART;
    if (sigaction(sig, &sa, NULL) < 0) {
        perror("signals: sigaction");
        exit(1);
    }
}

static void install_info(int sig, void (*handler)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    if (sigaction(sig, &sa, NULL) < 0) {
        perror("signals: sigaction");
        exit(1);
    }
}

static int is_blocked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void step1(void)
{
    puts("step 1: sigaction + kill(getpid(), SIGUSR1)");
    install(SIGUSR1, on_usr1, SIGUSR2);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    int readback = old.sa_handler == on_usr1 && sigismember(&old.sa_mask, SIGUSR2);
    kill(getpid(), SIGUSR1);
    check(usr1_count == 1, "SIGUSR1 delivered before kill() returned");
    check(usr1_self_blocked && usr1_mask_blocked, "mask inside handler");
    check(readback, "sigaction read-back");
    check(!is_blocked(SIGUSR1), "SIGUSR1 unblocked after handler");
    printf("  handled %d time(s) before kill() returned\n", (int)usr1_count);
    printf("  sigaction() reads back handler and sa_mask: %s\n", yes_no(readback));
    printf("  SIGUSR1 blocked inside its handler: %s\n", yes_no(usr1_self_blocked));
    printf("  sa_mask (SIGUSR2) blocked inside the handler: %s\n", yes_no(usr1_mask_blocked));
    printf("  mask restored after the handler returned: %s\n", yes_no(!is_blocked(SIGUSR1)));
}

static void step2(void)
{
    puts("step 2: SA_SIGINFO handler for SIGUSR2");
    install_info(SIGUSR2, on_info, 0);

    kill(getpid(), SIGUSR2);
    int ok = info_count == 1 && info_signo == SIGUSR2 && info_code == SI_USER && info_pid == getpid();
    check(ok, "siginfo for kill()");
    printf("  kill():     si_signo=%d si_code=%s si_pid==getpid(): %s\n", info_signo,
           code_name(info_signo, info_code), yes_no(info_pid == getpid()));

    raise(SIGUSR2);
    ok = info_count == 2 && info_signo == SIGUSR2 && info_code == SI_TKILL && info_pid == getpid();
    check(ok, "siginfo for raise()");
    printf("  raise():    si_signo=%d si_code=%s si_pid==getpid(): %s\n", info_signo,
           code_name(info_signo, info_code), yes_no(info_pid == getpid()));

    union sigval v = {.sival_int = 4242};
    sigqueue(getpid(), SIGUSR2, v);
    ok = info_count == 3 && info_signo == SIGUSR2 && info_code == SI_QUEUE && info_value == 4242;
    check(ok, "siginfo for sigqueue()");
    printf("  sigqueue(): si_signo=%d si_code=%s si_value=%d\n", info_signo,
           code_name(info_signo, info_code), info_value);
}

static void step3(void)
{
    sigset_t block, old, pending;
    puts("step 3: sigprocmask, sigpending, delivery on unblock");

    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &block, &old);

    int before = usr1_count;
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);  /* standard signals do not queue */
    int held = usr1_count == before;
    sigpending(&pending);
    int is_pending = sigismember(&pending, SIGUSR1);

    install_info(SIGRTMIN, on_rt, 0);
    for (int i = 1; i <= 3; i++) {
        union sigval v = {.sival_int = i * 10};
        sigqueue(getpid(), SIGRTMIN, v);
    }
    sigpending(&pending);
    int rt_pending = sigismember(&pending, SIGRTMIN) && rt_count == 0;

    sigprocmask(SIG_SETMASK, &old, NULL);
    int delivered = usr1_count - before;
    sigpending(&pending);
    int cleared = !sigismember(&pending, SIGUSR1) && !sigismember(&pending, SIGRTMIN);

    check(held && is_pending && rt_pending && cleared, "pending while blocked");
    check(delivered == 1, "standard signal coalesced");
    check(rt_count == 3 && rt_values[0] == 10 && rt_values[1] == 20 && rt_values[2] == 30,
          "real-time signals queued in order");
    printf("  SIGUSR1 sent twice while blocked, handler ran before unblock: %s\n", yes_no(!held));
    printf("  sigpending() reports SIGUSR1: %s\n", yes_no(is_pending));
    printf("  SIGRTMIN queued 3 times while blocked, pending: %s\n", yes_no(rt_pending));
    printf("  after unblock: SIGUSR1 delivered %d time(s), SIGRTMIN delivered %d time(s)\n",
           delivered, (int)rt_count);
    printf("  SIGRTMIN values in order: %d %d %d\n", rt_values[0], rt_values[1], rt_values[2]);
    printf("  nothing pending afterwards: %s\n", yes_no(cleared));
}

static void step4(void)
{
    puts("step 4: raise(SIGUSR1)");
    int before = usr1_count;
    int rc = raise(SIGUSR1);
    check(rc == 0 && usr1_count == before + 1, "raise()");
    printf("  raise() returned %d, handler ran %d time(s)\n", rc, usr1_count - before);
}

static void step5(void)
{
    puts("step 5: SIGSEGV recovery with sigsetjmp/siglongjmp on an alternate stack");
    altstack_size = 64 * 1024;
    altstack_base = malloc(altstack_size);
    stack_t ss = {.ss_sp = altstack_base, .ss_size = altstack_size, .ss_flags = 0};
    if (!altstack_base || sigaltstack(&ss, NULL) < 0) {
        perror("signals: sigaltstack");
        exit(1);
    }
    install_info(SIGSEGV, on_segv, SA_ONSTACK);

    /* A write through a NULL pointer the compiler cannot see is NULL. */
    volatile int *volatile null_ptr = NULL;
    int recovered = 0;
    if (sigsetjmp(segv_env, 1) == 0) {
        *null_ptr = 1;
    } else {
        recovered = 1;
    }
    int ok = recovered && segv_code == SEGV_MAPERR && segv_addr == NULL;
    check(ok && segv_on_altstack, "recovery from NULL write");
    check(!is_blocked(SIGSEGV), "mask restored by siglongjmp");
    printf("  NULL write recovered: %s\n", yes_no(recovered));
    printf("  si_code=%s si_addr==NULL: %s\n", code_name(SIGSEGV, segv_code), yes_no(segv_addr == NULL));
    printf("  handler ran on the alternate stack: %s\n", yes_no(segv_on_altstack));
    printf("  SIGSEGV unblocked after siglongjmp: %s\n", yes_no(!is_blocked(SIGSEGV)));

    /* A write to a read-only page, then make it writable and retry. */
    long pagesize = sysconf(_SC_PAGESIZE);
    char *page = mmap(NULL, (size_t)pagesize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("signals: mmap");
        exit(1);
    }
    volatile char *volatile target = page + 16;
    recovered = 0;
    if (sigsetjmp(segv_env, 1) == 0) {
        *target = 'x';
    } else {
        recovered = 1;
    }
    ok = recovered && segv_code == SEGV_ACCERR && segv_addr == (void *)(page + 16);
    check(ok, "recovery from write to read-only page");
    int retried = mprotect(page, (size_t)pagesize, PROT_READ | PROT_WRITE) == 0;
    if (retried) {
        *target = 'x';
        retried = page[16] == 'x';
    }
    check(retried, "write after mprotect");
    printf("  read-only page write recovered: %s\n", yes_no(recovered));
    printf("  si_code=%s si_addr==faulting address: %s\n", code_name(SIGSEGV, segv_code),
           yes_no(segv_addr == (void *)(page + 16)));
    printf("  write succeeds after mprotect(PROT_WRITE): %s\n", yes_no(retried));
    munmap(page, (size_t)pagesize);
}

static void step6(void)
{
    sigset_t block, old, waitmask;
    puts("step 6: SIGCHLD from an exiting child");
    install_info(SIGCHLD, on_chld, SA_NOCLDSTOP);
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("signals: fork");
        exit(1);
    }
    if (pid == 0)
        _exit(9);

    waitmask = old;
    sigdelset(&waitmask, SIGCHLD);
    while (chld_count == 0)
        sigsuspend(&waitmask);
    sigprocmask(SIG_SETMASK, &old, NULL);

    int st;
    int waited = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 9;
    int ok = chld_count == 1 && chld_code == CLD_EXITED && chld_status == 9 && chld_pid == pid;
    check(ok && waited, "SIGCHLD siginfo");
    printf("  SIGCHLD received %d time(s): si_code=%s si_status=%d si_pid==child: %s\n",
           (int)chld_count, code_name(SIGCHLD, chld_code), chld_status, yes_no(chld_pid == pid));
    printf("  waitpid() after SIGCHLD: exit status %d\n", waited ? 9 : -1);
}

static void step7(void)
{
    puts("step 7: SIGALRM interrupts a busy loop and sets a volatile global");
    install(SIGALRM, on_alarm, 0);
    struct itimerval it = {.it_interval = {0, 0}, .it_value = {0, 10000}};
    if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
        perror("signals: setitimer");
        exit(1);
    }
    volatile unsigned long spins = 0;
    while (alarm_flag == 0)
        spins++;
    check(alarm_flag == 42 && alarm_count == 1, "SIGALRM handler");
    printf("  global set by the handler: %d, handler ran %d time(s)\n", (int)alarm_flag,
           (int)alarm_count);
}

int main(void)
{
    puts("signals: start");
    step1();
    step2();
    step3();
    step4();
    step5();
    step6();
    step7();
    if (failures) {
        printf("signals: FAILED (%d checks)\n", failures);
        return 1;
    }
    puts("signals: ok");
    return 0;
}
