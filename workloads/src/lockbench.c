/* lockbench: a reader-writer lock micro-benchmark.
 *
 *   lockbench [threads] [ops per thread] [read %] [critical-section bytes] [locks]
 *
 * Each of `locks` locks protects its own block of critical-section bytes (8 to 65536, a multiple
 * of 8), kept right behind the lock.  A thread picks a lock uniformly (a deterministic
 * per-thread generator) and, with the given probability, reads the whole block under a read
 * lock and checks it is not torn, or else takes the write lock and rewrites the whole block with
 * the next value of the block's counter.  Nothing happens between critical sections, so the
 * numbers measure the lock and the movement of the data it protects.
 *
 * One source, three builds (rwlocks.h): lockbench_pthread (glibc pthread_rwlock), lockbench_mcs
 * (an MCS queue lock) and lockbench_gcs (a GCS lock on the block, held in the rack switch).
 * The final counters depend only on how many writes each block got, so every build prints the
 * same checksum for the same arguments. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rwlocks.h"

struct slot {                   /* one lock, then its block (cs_words words) */
    rw_slot_t lock;
    uint64_t data[];
};

static unsigned char *slots;
static size_t slot_bytes, cs_words;
static uint64_t nlocks, ops_per_thread;
static int read_pct;
static uint64_t reads[64], writes[64], torn[64], lock_errors[64];

static struct slot *slot_at(uint64_t i) { return (struct slot *)(slots + i * slot_bytes); }

static pthread_barrier_t start;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void *worker(void *arg) {
    long id = (long)arg;
    uint64_t s = 0x5eed + (uint64_t)id * 104729;
    size_t bytes = cs_words * sizeof(uint64_t);
    /* Counted in locals, stored once at the end: a shared counter array would move its page
     * between blades on every operation and blur what the locks cost. */
    uint64_t n_reads = 0, n_writes = 0, n_torn = 0, n_errors = 0;
    if (rw_thread_init()) lock_errors[id] = 1;
    pthread_barrier_wait(&start);        /* nobody starts while threads are still created */
    if (lock_errors[id]) return NULL;
    for (uint64_t i = 0; i < ops_per_thread; i++) {
        s = mix(s + 0x9e3779b97f4a7c15ULL);
        struct slot *l = slot_at((s >> 8) % nlocks);
        if ((int)((s & 0xff) * 100 / 256) < read_pct) {
            if (rw_rlock(&l->lock.lock, l->data, bytes)) n_errors++;
            uint64_t first = l->data[0];
            for (size_t w = 1; w < cs_words; w++)
                if (l->data[w] != first + w) { n_torn++; break; }
            n_reads++;
        } else {
            if (rw_wlock(&l->lock.lock, l->data, bytes)) n_errors++;
            uint64_t next = l->data[0] + 1;
            for (size_t w = 0; w < cs_words; w++) l->data[w] = next + w;
            n_writes++;
        }
        if (rw_unlock(&l->lock.lock, l->data, bytes)) n_errors++;
    }
    reads[id] = n_reads; writes[id] = n_writes; torn[id] = n_torn; lock_errors[id] = n_errors;
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 4;
    ops_per_thread = argc > 2 ? strtoull(argv[2], NULL, 10) : 200;
    read_pct = argc > 3 ? atoi(argv[3]) : 50;
    long cs_bytes = argc > 4 ? atol(argv[4]) : 64;
    nlocks = argc > 5 ? strtoull(argv[5], NULL, 10) : 8;
    if (threads < 1 || threads > 64 || read_pct < 0 || read_pct > 100 || cs_bytes < 8 ||
        cs_bytes > 65536 || cs_bytes % 8 || nlocks < 1 || nlocks > 4096) {
        fprintf(stderr, "usage: lockbench [threads 1-64] [ops] [read %% 0-100] "
                        "[critical-section bytes 8-65536, multiple of 8] [locks 1-4096]\n");
        return 2;
    }
#ifdef KV_LOCK_GCS
    static uint64_t probe;
    if (gcs_wlock(&probe, sizeof probe) == -38) {         /* ENOSYS: not on a rack */
        printf("lockbench: GCS locks need a rack machine (--machine rack); nothing run\n");
        return 0;
    }
    gcs_unlock(&probe, sizeof probe);
#endif
    cs_words = (size_t)cs_bytes / 8;
    slot_bytes = sizeof(struct slot) + (size_t)cs_bytes;
    slots = rw_page_calloc(nlocks, slot_bytes);
    if (!slots) { perror("calloc"); return 1; }
    for (uint64_t i = 0; i < nlocks; i++) {
        rw_init(&slot_at(i)->lock.lock);
        for (size_t w = 0; w < cs_words; w++) slot_at(i)->data[w] = w;
    }
    pthread_t tid[64];
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    uint64_t r = 0, w = 0, bad = 0, errs = 0;
    for (long t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        r += reads[t]; w += writes[t]; bad += torn[t]; errs += lock_errors[t];
    }
    uint64_t sum = 0, counted = 0;
    for (uint64_t i = 0; i < nlocks; i++) {
        counted += slot_at(i)->data[0];
        sum = mix(sum ^ (i * 0x100000001b3ULL) ^ slot_at(i)->data[0]);
    }
    printf("lockbench: %d threads, %llu locks, %ld-byte critical sections, %d%% reads\n",
           threads, (unsigned long long)nlocks, cs_bytes, read_pct);
    printf("reads %llu, writes %llu (counted %llu), torn reads %llu\n", (unsigned long long)r,
           (unsigned long long)w, (unsigned long long)counted, (unsigned long long)bad);
    printf("checksum %016llx\n", (unsigned long long)sum);
    if (errs) printf("lockbench: %s lock errors %llu\n", LOCK_NAME, (unsigned long long)errs);
    int ok = bad == 0 && counted == w && errs == 0;
    printf("lockbench: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
