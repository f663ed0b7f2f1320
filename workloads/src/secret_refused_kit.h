/* The refusal steps of the rules victims of rounds 74 on: a call made only where the
 * step's page p was set up (index 1 where p is 0), its error judged against Linux's, or
 * its 0 where Linux answers 0.
 *
 * Include after secret_rules_kit.h (log_label, err_index, sc).  Every definition is static
 * and marked unused. */
#ifndef SECRET_REFUSED_KIT_H
#define SECRET_REFUSED_KIT_H

/* a call Linux refuses with `want` (0: any error): a success indexes -4 */
KIT_UNUSED static void refused6(int phase, long m, long p, long nr, long a0, long a1, long a2,
                                long a3, long a4, long a5, long want)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(nr, a0, a1, a2, a3, a4, a5) : 1;
    log_label(phase, !p ? 1 : want ? err_index(r, want) : r < 0 ? 0 : -4);
}

KIT_UNUSED static void refused(int phase, long m, long p, long nr, long a0, long a1, long a2,
                               long a3, long want)
{
    refused6(phase, m, p, nr, a0, a1, a2, a3, 0, 0, want);
}

/* a call Linux answers 0 (index 0; 1 otherwise, or where p is 0) */
KIT_UNUSED static long ok_step(int phase, long m, long p, long nr, long a0, long a1, long a2,
                               long a3)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sc(nr, a0, a1, a2, a3) : 1;
    log_label(phase, r == 0 ? 0 : 1);
    return r;
}

#endif /* SECRET_REFUSED_KIT_H */
