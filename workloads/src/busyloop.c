/*
 * busyloop - pure compute loop with a known instruction count, used to
 * measure instructions per second.
 *
 *   busyloop [INSNS]   execute about INSNS loop instructions (default
 *                      50000000), rounded up to a multiple of 4
 *
 * The loop body is exactly four instructions:
 *
 *     1:  add   x1, x1, x2
 *         add   x2, x2, #3
 *         subs  x0, x0, #1
 *         b.ne  1b
 *
 * so ITERATIONS * 4 instructions run inside the loop.  No system calls are made
 * apart from those of C-library start-up and the final report.  The result has
 * a closed form, which is used as the self-check:
 *     x2 = x2_0 + 3n,  x1 = x1_0 + n*x2_0 + 3n(n-1)/2   (mod 2^64)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define INSNS_PER_ITERATION 4

int main(int argc, char **argv)
{
    uint64_t insns = 50000000;
    if (argc > 1) {
        char *end;
        insns = strtoull(argv[1], &end, 10);
        if (*end != '\0' || insns < 1) {
            fprintf(stderr, "usage: busyloop [INSNS]   (INSNS >= 1)\n");
            return 2;
        }
    }
    uint64_t n = (insns + INSNS_PER_ITERATION - 1) / INSNS_PER_ITERATION;
    const uint64_t x1_0 = 7, x2_0 = 11;
    uint64_t x0 = n, x1 = x1_0, x2 = x2_0;

    __asm__ volatile(
        "1:\n\t"
        "add  %1, %1, %2\n\t"
        "add  %2, %2, #3\n\t"
        "subs %0, %0, #1\n\t"
        "b.ne 1b\n\t"
        : "+r"(x0), "+r"(x1), "+r"(x2)
        :
        : "cc");

    /* n*(n-1)/2 without overflow issues: halve whichever factor is even. */
    uint64_t tri = (n % 2 == 0) ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
    uint64_t expect_x1 = x1_0 + n * x2_0 + 3 * tri;
    uint64_t expect_x2 = x2_0 + 3 * n;

    printf("busyloop: %" PRIu64 " iterations x %d instructions = %" PRIu64 " instructions\n", n,
           INSNS_PER_ITERATION, n * INSNS_PER_ITERATION);
    printf("result: x1=%016" PRIx64 " x2=%016" PRIx64 "\n", x1, x2);
    if (x0 != 0 || x1 != expect_x1 || x2 != expect_x2) {
        puts("busyloop: FAILED");
        return 1;
    }
    puts("busyloop: ok");
    return 0;
}
