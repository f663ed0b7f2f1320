/* What the core victims of rounds 73 on share: prctl() calls, a fork child's exit status,
 * an exec of the program itself with one flag, and the step run in a fork child (an
 * attribute a step sets, MDWE among them, can never be cleared in the program itself).
 *
 * Include after secret_main_kit.h, with `devnull` and P_PLACED defined; a victim that
 * calls core_step() defines child_body().  Every definition is static and marked
 * unused. */
#ifndef SECRET_CORE_KIT_H
#define SECRET_CORE_KIT_H

KIT_UNUSED static int32_t pword[4];

KIT_UNUSED static long pr(long opt, long a2)
{
    return sys6(SYS_prctl, opt, a2, 0, 0, 0, 0);
}

KIT_UNUSED static long pr3(long opt, long a2, long a3)
{
    return sys6(SYS_prctl, opt, a2, a3, 0, 0, 0);
}

/* The int word prctl(`opt`, &word) stores, -1 where it fails. */
KIT_UNUSED static long pr_word(long opt)
{
    pword[0] = -1;
    return pr(opt, (long)pword) == 0 ? pword[0] : -1;
}

/* The exit status of child `pid` (-1: none, or not an exit). */
KIT_UNUSED static int status_of(long pid)
{
    int status = 0;
    if (pid <= 0 || sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return -1;
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1;
}

KIT_UNUSED static char *exec_args[3], *exec_envp[1];

/* The program exec'd with `flag` alone; 1 where the exec failed. */
KIT_UNUSED static int exec_self(char *self, char *flag)
{
    exec_args[0] = self;
    exec_args[1] = flag;
    exec_args[2] = 0;
    exec_envp[0] = 0;
    sys6(SYS_execve, (long)self, (long)exec_args, (long)exec_envp, 0, 0, 0);
    return 1;
}

/* What the fork child of step `how` exits with: 7 where it saw what Linux never answers. */
static int child_body(int how, char *self);

/* Step `how` in a fork child: -4 where it exits 7. */
KIT_UNUSED __attribute__((noinline)) static void core_step(int phase, int how, char *self)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, child_body(how, self), 0, 0, 0, 0, 0);
    log_label(phase, status_of(pid) == 7 ? -4 : 0);
}

/* --- main() ------------------------------------------------------------------------------- */
/* The arguments: -d sets *show_digest, `extra` (a long option, or 0) sets *has_extra; the
 * letter of the first one-letter flag but -d (the program runs as the new image of a step
 * that checks it), else 0. */
KIT_UNUSED static char image_flag(int argc, char **argv, int *show_digest, const char *extra,
                                  int *has_extra)
{
    for (int i = 1; i < argc; i++) {
        *show_digest |= strcmp(argv[i], "-d") == 0;
        if (extra)
            *has_extra |= strcmp(argv[i], extra) == 0;
        if (argv[i][0] == '-' && argv[i][1] && argv[i][1] != 'd' && !argv[i][2])
            return argv[i][1];
    }
    return 0;
}

/* start_secret(), the marker P_PLACED, /dev/null opened for the labels: the mapped page,
 * or 0. */
KIT_UNUSED static long core_start(volatile uint8_t *stackbuf)
{
    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 0;
    marker(P_PLACED, (long)logbuf, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    return mapped;
}

#endif /* SECRET_CORE_KIT_H */
