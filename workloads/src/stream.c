/* stream: a STREAM-style kernel (copy, scale, add, triad) over arrays shared by threads.
 *
 *   stream [threads] [elements] [repetitions]
 *
 * Each thread works on its slice of three arrays of doubles, with barriers between the
 * kernels; the default arrays (3 x 2 MiB) are larger than a rack blade's DRAM, so pages stream
 * in and out.  Prints per-kernel checksums. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int threads, reps;
static long n;
static double *a, *b, *c;
static pthread_barrier_t barrier;

static void *worker(void *arg) {
    long id = (long)arg;
    long lo = n * id / threads, hi = n * (id + 1) / threads;
    for (int r = 0; r < reps; r++) {
        for (long i = lo; i < hi; i++) c[i] = a[i];
        pthread_barrier_wait(&barrier);
        for (long i = lo; i < hi; i++) b[i] = 3.0 * c[i];
        pthread_barrier_wait(&barrier);
        for (long i = lo; i < hi; i++) c[i] = a[i] + b[i];
        pthread_barrier_wait(&barrier);
        for (long i = lo; i < hi; i++) a[i] = b[i] + 3.0 * c[i];
        pthread_barrier_wait(&barrier);
        /* a neighbour's slice: data written on another blade is read here */
        long j = (hi % n);
        a[lo] += 1e-3 * b[j];
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

int main(int argc, char **argv) {
    threads = argc > 1 ? atoi(argv[1]) : 4;
    n = argc > 2 ? atol(argv[2]) : 262144;
    reps = argc > 3 ? atoi(argv[3]) : 2;
    if (threads < 1 || threads > 64 || n < threads || reps < 1) { fprintf(stderr, "usage: stream [threads] [elements] [repetitions]\n"); return 2; }
    a = malloc(sizeof(double) * n); b = malloc(sizeof(double) * n); c = malloc(sizeof(double) * n);
    for (long i = 0; i < n; i++) { a[i] = 1.0 + (double)(i % 1000) / 1000.0; b[i] = 2.0; c[i] = 0.0; }
    pthread_barrier_init(&barrier, NULL, threads);
    pthread_t tid[64];
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    for (long t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double sa = 0, sb = 0, sc = 0;
    for (long i = 0; i < n; i++) { sa += a[i]; sb += b[i]; sc += c[i]; }
    printf("stream: %ld elements x 3 arrays, %d repetitions, %d threads\n", n, reps, threads);
    printf("checksums a %.6e b %.6e c %.6e\n", sa, sb, sc);
    return 0;
}
