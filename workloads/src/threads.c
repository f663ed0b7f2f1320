/*
 * threads - POSIX threads workload.
 *
 *   threads [N [ITERS]]   N threads (default 4), ITERS increments each
 *                         (default 10000)
 *
 * Each thread increments a shared counter under a pthread mutex, a second
 * counter with __atomic_fetch_add, and a third with a compare-and-swap loop.
 * A start gate built from a mutex and two condition variables makes every
 * thread wait until all have checked in, and a ping-pong handshake passes a
 * token between the main thread and the workers.  Thread-local storage
 * (__thread) is checked for isolation between threads.  All printed values
 * are independent of scheduling order.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int ready_count;
static int started;

static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_cond = PTHREAD_COND_INITIALIZER;
static int token_holder;      /* -1: main thread, otherwise a worker index */
static int token_passes;

static long mutex_counter;
static long atomic_counter;
static long cas_counter;
static uint64_t xor_accumulator;

static __thread long tls_value = 12345;
static __thread char tls_name[24] = "initial";

struct worker {
    pthread_t thread;
    int index;
    long iterations;
    int tls_ok;
    long result;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    /* A new thread sees the initial TLS image, not another thread's values. */
    int tls_ok = tls_value == 12345 && strcmp(tls_name, "initial") == 0;
    tls_value = 1000 + w->index;
    snprintf(tls_name, sizeof tls_name, "worker-%d", w->index);

    /* Start gate: report ready, wait for the broadcast. */
    pthread_mutex_lock(&lock);
    ready_count++;
    pthread_cond_signal(&all_ready);
    while (!started)
        pthread_cond_wait(&go, &lock);
    pthread_mutex_unlock(&lock);

    for (long i = 0; i < w->iterations; i++) {
        pthread_mutex_lock(&lock);
        mutex_counter++;
        pthread_mutex_unlock(&lock);

        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);

        long old = __atomic_load_n(&cas_counter, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_counter, &old, old + 1, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED))
            ;
        __atomic_fetch_xor(&xor_accumulator, (uint64_t)(w->index + 1) << (i & 31), __ATOMIC_RELAXED);
    }

    /* Ping-pong: wait for the token, count the pass, hand it back to main. */
    pthread_mutex_lock(&token_lock);
    while (token_holder != w->index)
        pthread_cond_wait(&token_cond, &token_lock);
    token_passes++;
    token_holder = -1;
    pthread_cond_broadcast(&token_cond);
    pthread_mutex_unlock(&token_lock);

    tls_ok = tls_ok && tls_value == 1000 + w->index;
    char expect[24];
    snprintf(expect, sizeof expect, "worker-%d", w->index);
    w->tls_ok = tls_ok && strcmp(tls_name, expect) == 0;
    w->result = tls_value;
    return &w->result;
}

static long parse(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "usage: threads [N [ITERS]]   (1 <= N <= 64, 1 <= ITERS <= 100000000)\n");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? parse(argv[1], 1, 64) : 4;
    long iters = argc > 2 ? parse(argv[2], 1, 100000000) : 10000;
    struct worker *workers = calloc((size_t)n, sizeof *workers);
    int failures = 0;

    if (!workers)
        return 1;
    printf("threads: %ld threads x %ld iterations\n", n, iters);
    tls_value = -1;
    strcpy(tls_name, "main");
    token_holder = -1;

    for (long i = 0; i < n; i++) {
        workers[i].index = (int)i;
        workers[i].iterations = iters;
        int err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (err) {
            fprintf(stderr, "threads: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }

    /* Wait until every worker has checked in, then release them together. */
    pthread_mutex_lock(&lock);
    while (ready_count < n)
        pthread_cond_wait(&all_ready, &lock);
    started = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&lock);
    printf("start gate: %d of %ld threads ready before release\n", ready_count, n);

    /* Hand the token to each worker in turn and wait for it to come back. */
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&token_lock);
        token_holder = (int)i;
        pthread_cond_broadcast(&token_cond);
        while (token_holder != -1)
            pthread_cond_wait(&token_cond, &token_lock);
        pthread_mutex_unlock(&token_lock);
    }

    int tls_ok = 1;
    for (long i = 0; i < n; i++) {
        void *ret;
        int err = pthread_join(workers[i].thread, &ret);
        if (err || ret != &workers[i].result || workers[i].result != 1000 + i)
            failures++;
        tls_ok = tls_ok && workers[i].tls_ok;
    }
    tls_ok = tls_ok && tls_value == -1 && strcmp(tls_name, "main") == 0;

    /* Expected xor: each worker contributes (index+1) << (i & 31) for every i. */
    uint64_t expect_xor = 0;
    for (long w = 0; w < n; w++)
        for (long i = 0; i < iters; i++)
            expect_xor ^= (uint64_t)(w + 1) << (i & 31);

    long expected = n * iters;
    printf("mutex counter: %ld (expected %ld)\n", mutex_counter, expected);
    printf("atomic counter: %ld (expected %ld)\n", atomic_counter, expected);
    printf("cas counter: %ld (expected %ld)\n", cas_counter, expected);
    printf("atomic xor: %016llx (expected %016llx)\n", (unsigned long long)xor_accumulator,
           (unsigned long long)expect_xor);
    printf("condvar ping-pong: %d passes (expected %ld)\n", token_passes, n);
    printf("thread-local storage isolated: %s\n", tls_ok ? "yes" : "no");
    printf("pthread_join results: %s\n", failures ? "WRONG" : "ok");

    if (mutex_counter != expected || atomic_counter != expected || cas_counter != expected ||
        xor_accumulator != expect_xor || token_passes != n || !tls_ok || failures) {
        puts("threads: FAILED");
        return 1;
    }
    puts("threads: ok");
    return 0;
}
