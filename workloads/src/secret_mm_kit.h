/* What the memory victims of rounds 73 on share: a memfd of pages of one byte and its
 * MAP_PRIVATE and MAP_SHARED views, and the judgement of a step by the bytes the private
 * view's pages read after it.
 *
 * Include after secret_rules_kit.h (log_label), with ROUND_TAG, `devnull` and P_PLACED
 * defined.  Every
 * definition is static and marked unused. */
#ifndef SECRET_MM_KIT_H
#define SECRET_MM_KIT_H

KIT_UNUSED static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

KIT_UNUSED static int filled(long at, int c)
{
    for (long i = 0; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

KIT_UNUSED static uint8_t page_p[PAGE];

/* A memfd of `pages` pages of `c` (pwrite64), mapped MAP_PRIVATE over `span` pages. */
KIT_UNUSED static long fresh_map(long pages, long span, int c, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, pages * PAGE, 0, 0, 0, 0) != 0)
        return -1;
    memset(page_p, c, sizeof page_p);
    for (long i = 0; i < pages; i++)
        if (sys6(SYS_pwrite64, *fd, (long)page_p, PAGE, i * PAGE, 0, 0) != PAGE)
            return -1;
    long at = sys6(SYS_mmap, 0, span * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, *fd, 0);
    return valid(at) ? at : -1;
}

/* An untouched 3-page MAP_PRIVATE view of a memfd of 3 pages of 'x'. */
KIT_UNUSED static long view_x(long *fd)
{
    return fresh_map(3, 3, 'x', fd);
}

KIT_UNUSED static long shared_of(long fd, long prot)
{
    long sh = sys6(SYS_mmap, 0, 3 * PAGE, prot, MAP_SHARED, fd, 0);
    return valid(sh) ? sh : -1;
}

/* After the step's calls: page 2 reads `c`, pages 0 and 1 read `c0`, `c1` (-1: skip). */
KIT_UNUSED static void judge(int phase, long at, long done, int c0, int c1, int c)
{
    long ok = 0;
    if (done) {
        marker(phase + 2, at, 0, 0, 0);
        ok = (c0 < 0 || filled(at, c0)) && (c1 < 0 || filled(at + PAGE, c1)) &&
             filled(at + 2 * PAGE, c);
    }
    log_label(phase, ok ? 0 : -4);
}

/* pwrite64 of a page of 'y' at page 2 of the file: 1 where it wrote it all. */
KIT_UNUSED static long put_y(long fd)
{
    memset(page_p, 'y', sizeof page_p);
    return sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE;
}

KIT_UNUSED static long fill_store(long at, int page, int c)
{
    memset((uint8_t *)at + page * PAGE, c, PAGE);
    return 1;
}

/* The step's call: `p2` is page 2 of the view, `fd` its memfd (each victim's own). */
typedef void (*mm_call_fn)(int phase, long p2, long fd);

/* The page at `at` reads `c` from byte `from` on. */
KIT_UNUSED static int filled_from(long at, long from, int c)
{
    for (long i = from; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

/* A store step: Linux stores at page 2's first 256 bytes, so after the call page 2 is a
 * private copy and keeps 'x' past them after pwrite64() of 'y'. */
KIT_UNUSED static void mm_store_step(int phase, mm_call_fn call)
{
    long fd, at = view_x(&fd), ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        log_label(phase, -4);
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    marker(phase + 4, at, 0, 0, 0);
    ok = ok && put_y(fd);
    if (ok)
        marker(phase + 2, at, 0, 0, 0);
    ok = ok && filled(at, 'x') && filled(at + PAGE, 'x') && filled_from(at + 2 * PAGE, 256, 'x');
    log_label(phase, ok ? 0 : -4);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* A storeless step: Linux stores nothing at page 2, so it still reads 'x' after the call
 * and then shows pwrite64()'s 'y'. */
KIT_UNUSED static void mm_storeless_step(int phase, mm_call_fn call)
{
    long fd, at = view_x(&fd), done = 0, ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'x');
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', 'y');
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* The letters of the last argument that starts with '-' and is not -d ("" with none): the
 * steps to run, in order; -d sets *show_digest. */
KIT_UNUSED static const char *step_letters(int argc, char **argv, int *show_digest)
{
    const char *steps = "";
    for (int i = 1; i < argc; i++) {
        *show_digest |= strcmp(argv[i], "-d") == 0;
        if (argv[i][0] == '-' && argv[i][1] && argv[i][1] != 'd')
            steps = argv[i] + 1;
    }
    return steps;
}

/* The marker P_PLACED, then /dev/null opened for the labels. */
KIT_UNUSED static void announce_placed(long mapped, volatile uint8_t *stackbuf)
{
    /* The referee reads the heap copy at the page it is told + SECRET_OFF: the page
     * announced is the one whose SECRET_OFF is logbuf's working copy. */
    marker(P_PLACED, (long)logbuf - SECRET_OFF, (long)stackbuf, mapped, (long)win);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
}

#endif /* SECRET_MM_KIT_H */
