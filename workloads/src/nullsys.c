/*
 * nullsys - system-call round-trip benchmark.
 *
 *   nullsys [N]   issue N getppid() system calls (default 100000) with an
 *                 inline "svc #0", bypassing the C library, and print the count
 *
 * getppid() does no work in the kernel, so the run time is dominated by the
 * cost of entering and leaving the kernel (or the emulator's kernel model).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long raw_getppid(void)
{
    register long x8 __asm__("x8") = SYS_getppid;
    register long x0 __asm__("x0");
    __asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
    return x0;
}

int main(int argc, char **argv)
{
    long n = 100000;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end != '\0' || n < 1) {
            fprintf(stderr, "usage: nullsys [N]   (N >= 1)\n");
            return 2;
        }
    }
    long first = raw_getppid();
    long done = 0, mismatches = 0;
    for (long i = 0; i < n; i++) {
        if (raw_getppid() != first)
            mismatches++;
        done++;
    }
    int ok = first >= 0 && first == (long)getppid() && mismatches == 0 && done == n;
    printf("nullsys: %ld getppid() system calls done, results consistent: %s\n", done, ok ? "yes" : "no");
    if (!ok)
        return 1;
    puts("nullsys: ok");
    return 0;
}
