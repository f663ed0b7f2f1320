/* What main() of the victims of rounds 73 on does around its steps: the secret drawn, its
 * stack and mapped copies and logbuf's working copy placed, and at the end the copies
 * checked and the digest printed with -d.
 *
 * Include after secret_rules_kit.h (mapped_ok), with `secret`, `logbuf`, `devnull`,
 * P_START, P_PLACED and P_END defined.  Every definition is static and marked unused. */
#ifndef SECRET_MAIN_KIT_H
#define SECRET_MAIN_KIT_H

/* The secret drawn: 1, or 0 after saying why not. */
KIT_UNUSED static int draw_secret(void)
{
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 0;
    }
    return 1;
}

/* The secret at stackbuf + 16 (main's frame) and at SECRET_OFF of a new anonymous page,
 * then logbuf's working copy and its labels: the page, or 0 after saying why not. */
KIT_UNUSED static long place_secret(volatile uint8_t *stackbuf)
{
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 0;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    return mapped;
}

/* The program's last check: `bad` (another copy found changed), else the mapped copy, and
 * the stack copy; the digest with `show_digest`.  main()'s exit status. */
KIT_UNUSED static int secret_verdict(int bad, long mapped, volatile uint8_t *stackbuf,
                                     int show_digest)
{
    uint8_t digest[32];
    char hex[80];
    bad = bad || memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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

/* The marker P_START, the secret drawn and placed as place_secret() does: the page, or 0. */
KIT_UNUSED static long start_secret(volatile uint8_t *stackbuf)
{
    marker(P_START, 0, 0, 0, 0);
    if (!draw_secret())
        return 0;
    return place_secret(stackbuf);
}

/* --- the rules victims: a third copy on the heap ----------------------------------------- */
/* Set by main() once the copies are placed, read by finish(). */
KIT_UNUSED static uint8_t *g_heap, *g_mapped;
KIT_UNUSED static volatile uint8_t *g_stack;

/* The secret at SECRET_OFF of the last of three pages brk() adds, after 32 public bytes:
 * that page, or 0 after saying why not. */
KIT_UNUSED static uint8_t *heap_secret(void)
{
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 0;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    return heap;
}

/* The program's last check: its three copies of the secret intact; the digest with -d. */
KIT_UNUSED static int finish(int show_digest)
{
    int bad = memcmp(g_heap + SECRET_OFF, secret, SECRET_LEN) != 0;
    return secret_verdict(bad, (long)g_mapped, g_stack, show_digest);
}

/* The rules victims' start: the marker P_START, the secret drawn, its heap, stack and
 * mapped copies placed, the registers cleared, the marker P_PLACED (the heap page, the
 * stack buffer, the mapped page), /dev/null opened for the labels: 1, or 0 after saying
 * why not. */
KIT_UNUSED static int rules_start(volatile uint8_t *stackbuf)
{
    marker(P_START, 0, 0, 0, 0);
    if (!draw_secret())
        return 0;
    uint8_t *heap = heap_secret();
    if (!heap)
        return 0;
    long mapped = place_secret(stackbuf);
    if (!mapped)
        return 0;
    clear_registers();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);
    g_heap = heap;
    g_mapped = (uint8_t *)mapped;
    g_stack = stackbuf;

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    return 1;
}

#endif /* SECRET_MAIN_KIT_H */
