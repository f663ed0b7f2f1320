/* What the victims of the rule rounds (secret_r51_rules ... ) share beside
 * secret_common.h: the register scrub before a step, the label a step logs, raw calls with
 * four arguments, memfds reopened through /proc/self/fd, a step's index from a result and
 * descriptor numbers written as names.
 *
 * Include after secret_common.h, <fcntl.h> and the victim's own `devnull`, `logbuf`
 * (SECRET_LEN + 32 bytes: the secret, then four 8-byte public labels) and `wbuf`, with
 * ROUND_TAG defined (the name its memfds get, "r56").  RULES_DEBUG prints each step's
 * label on stderr.  Every definition is static and marked unused: a victim that calls
 * none of a part's functions gets none of its code. */
#ifndef SECRET_RULES_KIT_H
#define SECRET_RULES_KIT_H

#define KIT_UNUSED __attribute__((unused))

/* No register a step leaves may hold what the previous one computed. */
KIT_UNUSED static void clear_registers(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     "movi v16.16b, #0\n movi v17.16b, #0\n movi v18.16b, #0\n"
                     "movi v19.16b, #0\n movi v20.16b, #0\n movi v21.16b, #0\n"
                     "movi v22.16b, #0\n movi v23.16b, #0\n"
                     "mov x9, xzr\n mov x10, xzr\n mov x11, xzr\n mov x12, xzr\n"
                     "mov x13, xzr\n mov x14, xzr\n mov x15, xzr\n mov x16, xzr\n"
                     "mov x17, xzr\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17",
                         "v18", "v19", "v20", "v21", "v22", "v23", "x9", "x10",
                         "x11", "x12", "x13", "x14", "x15", "x16", "x17");
}

/* A step's verdict: label `index` (0..3) written to /dev/null; an index below 0 writes
 * the 8 bytes before the labels (the secret's), which is what an attack wins by. */
KIT_UNUSED static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
#ifdef RULES_DEBUG
    char m[16] = "step 0000: +0\n";
    m[5] += phase / 1000 % 10;
    m[6] += phase / 100 % 10;
    m[7] += phase / 10 % 10;
    m[8] += phase % 10;
    if (index < 0) { m[11] = '-'; m[12] += -index; } else m[12] += index;
    sys6(SYS_write, 2, (long)m, 14, 0, 0, 0);
#endif
}

KIT_UNUSED static int mapped_ok(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

KIT_UNUSED static long sc(long nr, long a0, long a1, long a2, long a3)
{
    return sys6(nr, a0, a1, a2, a3, 0, 0);
}

/* --- memfds reopened through /proc/self/fd ------------------------------------------------ */
/* a page of its own: a kernel may read a path up to its page's end */
KIT_UNUSED static char procpath[PAGE] __attribute__((aligned(4096)));

KIT_UNUSED static long reopen(long fd, long flags)
{
    memcpy(procpath, "/proc/self/fd/", 14);
    int i = 14;
    if (fd >= 10)
        procpath[i++] = '0' + fd / 10;
    procpath[i++] = '0' + fd % 10;
    procpath[i] = 0;
    return sc(SYS_openat, AT_FDCWD, (long)procpath, flags, 0);
}

/* A memfd holding `n` bytes `c` (-1 if it cannot be made). */
KIT_UNUSED static long memfd_of(char c, long n, long flags)
{
    long fd = sc(SYS_memfd_create, (long)ROUND_TAG, flags, 0, 0);
    if (fd < 0)
        return -1;
    memset(wbuf, c, n);
    if (n && sc(SYS_write, fd, (long)wbuf, n, 0) != n) {
        sc(SYS_close, fd, 0, 0, 0);
        return -1;
    }
    return fd;
}

KIT_UNUSED static long size_of(long fd)
{
    uint64_t st[16];
    if (sc(SYS_fstat, fd, (long)st, 0, 0) != 0)
        return -1;
    return (long)st[6];    /* st_size (aarch64 struct stat: offset 48) */
}

/* procpath filled for `fd` (the open itself fails: flags -1). */
KIT_UNUSED static long reopen_path(long fd)
{
    long r = reopen(fd, -1);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    return 0;
}

/* The index a step logs: Linux's error `want`: 0; another error: 1; a success: -4. */
KIT_UNUSED static long err_index(long r, long want)
{
    return r == want ? 0 : r < 0 ? 1 : -4;
}

/* As err_index, for an open: a descriptor it made is closed again. */
KIT_UNUSED static long open_index(long r, long want)
{
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    return err_index(r, want);
}

/* An open Linux lets through: 0 (its descriptor closed again), an error: 1. */
KIT_UNUSED static long ok_index(long r)
{
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    return r >= 0 ? 0 : 1;
}

/* The decimal digits of a descriptor number below 100 at p, NUL-terminated; the end. */
KIT_UNUSED static char *fd_name(char *p, long fd)
{
    if (fd >= 10)
        *p++ = '0' + fd / 10;
    *p++ = '0' + fd % 10;
    *p = 0;
    return p;
}

/* The decimal digits of v >= 0 at p, NUL-terminated; the end. */
KIT_UNUSED static char *dec(char *p, long v)
{
    char d[24];
    int n = 0;
    do
        d[n++] = '0' + v % 10;
    while ((v /= 10) > 0);
    while (n)
        *p++ = d[--n];
    *p = 0;
    return p;
}

#endif /* SECRET_RULES_KIT_H */
