/*
 * matmul - compute-bound matrix multiply, used as an instruction-throughput
 * benchmark.  Performs few system calls: all work happens between startup and
 * the final report.
 *
 *   matmul [N]   multiply two N x N matrices (default 96), once with 64-bit
 *                integers and once with doubles, and print checksums.
 *
 * The inputs are small integers, so every double product and sum is exact;
 * the double result must therefore equal the integer result element by
 * element, which serves as the self-check.  A second integer multiply with a
 * different loop order (i-k-j) cross-checks the first (i-j-k).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t rng_state = 0x2545F491u;

static int small_value(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (int)(rng_state % 201) - 100;  /* -100 .. 100 */
}

int main(int argc, char **argv)
{
    long n = 96;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end != '\0' || n < 1 || n > 2048) {
            fprintf(stderr, "usage: matmul [N]   (1 <= N <= 2048)\n");
            return 2;
        }
    }
    size_t nn = (size_t)n * (size_t)n;
    int64_t *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    int64_t *c = malloc(nn * sizeof *c), *c2 = calloc(nn, sizeof *c2);
    double *da = malloc(nn * sizeof *da), *db = malloc(nn * sizeof *db);
    double *dc = malloc(nn * sizeof *dc);
    if (!a || !b || !c || !c2 || !da || !db || !dc) {
        fprintf(stderr, "matmul: out of memory\n");
        return 1;
    }

    for (size_t i = 0; i < nn; i++) {
        a[i] = small_value();
        da[i] = (double)a[i];
    }
    for (size_t i = 0; i < nn; i++) {
        b[i] = small_value();
        db[i] = (double)b[i];
    }

    /* Integer multiply, i-j-k order. */
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            int64_t s = 0;
            for (long k = 0; k < n; k++)
                s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }

    /* Integer multiply, i-k-j order. */
    for (long i = 0; i < n; i++)
        for (long k = 0; k < n; k++) {
            int64_t aik = a[i * n + k];
            for (long j = 0; j < n; j++)
                c2[i * n + j] += aik * b[k * n + j];
        }

    /* Double multiply, i-j-k order. */
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double s = 0.0;
            for (long k = 0; k < n; k++)
                s += da[i * n + k] * db[k * n + j];
            dc[i * n + j] = s;
        }

    uint64_t isum = 0, weighted = 0;
    double dsum = 0.0;
    long bad = 0;
    for (size_t i = 0; i < nn; i++) {
        isum += (uint64_t)c[i];
        weighted = weighted * 31 + (uint64_t)c[i];
        dsum += dc[i];
        if (c[i] != c2[i] || dc[i] != (double)c[i])
            bad++;
    }

    printf("matmul: n=%ld, %ld multiply-adds per pass, 3 passes\n", n, n * n * n);
    printf("int checksum: sum=%lld hash=%016llx\n", (long long)(int64_t)isum,
           (unsigned long long)weighted);
    printf("double checksum: sum=%.1f\n", dsum);
    printf("c[0][0]=%lld c[n-1][n-1]=%lld\n", (long long)c[0], (long long)c[nn - 1]);
    if (bad != 0 || dsum != (double)(int64_t)isum) {
        printf("matmul: FAILED (%ld mismatching elements)\n", bad);
        return 1;
    }
    puts("matmul: ok");
    return 0;
}
