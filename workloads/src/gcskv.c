/* gcskv: a key-value store with per-bucket reader-writer locks under YCSB A, B or C.
 *
 *   gcskv [A|B|C] [threads] [ops per thread] [keys] [counters|history]
 *
 * One source, three builds (rwlocks.h): gcskv_pthread takes glibc's pthread_rwlock_t of each
 * bucket (a lock word in shared memory, moved by the rack's page coherence); gcskv_mcs an MCS
 * queue lock in the same place; gcskv_gcs (-DKV_LOCK_GCS) a GCS lock on the bucket's record
 * itself (gcs.h), held in the switch.  The layout is the same in all three.  A is 50% reads and
 * 50% updates, B 95/5, C reads only; keys follow a Zipf-like skew from a deterministic
 * per-thread generator.
 *
 * counters (the default): an update is a per-key counter increment that rewrites the value from
 * (key, count), so the final table depends only on how many updates each key got: the checksum
 * is the same for every build, any blade count and any interleaving.
 *
 * history: an update is an ordinary YCSB update, a blind write of a value unique to the thread
 * and operation (not commutative), and every operation is recorded with its invocation and
 * response times (CLOCK_MONOTONIC, read before taking the lock and after giving it up).  The
 * records are printed after the run, one per line:
 *   H <thread> <r|w> <key> <value> <invoke ns> <respond ns>
 * (a key's value is 0 before any write), for a linearizability checker.
 *
 * In both modes every read checks that the value words match the record's count. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rwlocks.h"

#define VALUE_WORDS 14

struct record {                 /* 128 bytes: what a GCS lock region covers */
    uint64_t key;
    uint64_t count;
    uint64_t value[VALUE_WORDS];
};

struct bucket {
    rw_slot_t slot;             /* unused by the GCS build; same layout in all three */
    struct record rec;
};

struct event {                  /* one operation of the history */
    uint64_t key, value, invoked, responded;
    int write;
};

static struct bucket *table;
static uint64_t nbuckets, nkeys, ops_per_thread;
static int update_per_256, history;
static uint64_t bad_reads[64], reads[64], updates[64], lock_errors[64];
static struct event *events[64];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static pthread_barrier_t start;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static struct bucket *find(uint64_t key) {
    for (uint64_t i = mix(key) % nbuckets;; i = (i + 1) % nbuckets)
        if (table[i].rec.key == key) return &table[i];
}

static void fill(struct record *r) {
    for (int w = 0; w < VALUE_WORDS; w++) r->value[w] = mix(r->key * 131 + r->count * 7 + w);
}

static uint64_t next_key(uint64_t *s) {
    /* Zipf-like: a quarter of the keys get three quarters of the accesses. */
    *s = mix(*s + 0x9e3779b97f4a7c15ULL);
    uint64_t hot = nkeys / 4 ? nkeys / 4 : 1;
    return 1 + ((*s & 3) ? (*s >> 8) % hot : (*s >> 8) % nkeys);
}

#define READ_LOCK(b) rw_rlock(&(b)->slot.lock, &(b)->rec, sizeof (b)->rec)
#define WRITE_LOCK(b) rw_wlock(&(b)->slot.lock, &(b)->rec, sizeof (b)->rec)
#define UNLOCK(b) rw_unlock(&(b)->slot.lock, &(b)->rec, sizeof (b)->rec)

static void *worker(void *arg) {
    long id = (long)arg;
    uint64_t s = 0x1234 + (uint64_t)id * 7919;
    /* Counted in locals, stored once at the end: a shared counter array would move its page
     * between blades on every operation and blur what the locks cost. */
    uint64_t n_reads = 0, n_updates = 0, n_bad = 0, n_errors = 0;
    if (rw_thread_init()) lock_errors[id] = 1;
    pthread_barrier_wait(&start);        /* nobody starts while threads are still created */
    if (lock_errors[id]) return NULL;
    for (uint64_t i = 0; i < ops_per_thread; i++) {
        uint64_t key = next_key(&s);
        struct bucket *b = find(key);
        s = mix(s);
        int update = (int)(s & 255) < update_per_256;
        struct event *e = history ? &events[id][i] : NULL;
        if (e) { e->key = key; e->write = update; e->invoked = now_ns(); }
        if (update) {
            if (WRITE_LOCK(b)) n_errors++;
            /* history: a blind write of a value no other operation writes */
            b->rec.count = history ? ((uint64_t)(id + 1) << 32) | (i + 1) : b->rec.count + 1;
            fill(&b->rec);
            if (e) e->value = b->rec.count;
            n_updates++;
        } else {
            if (READ_LOCK(b)) n_errors++;
            n_reads++;
            if (e) e->value = b->rec.count;
            for (int w = 0; w < VALUE_WORDS; w++)
                if (b->rec.value[w] != mix(b->rec.key * 131 + b->rec.count * 7 + w)) { n_bad++; break; }
        }
        if (UNLOCK(b)) n_errors++;
        if (e) e->responded = now_ns();
    }
    reads[id] = n_reads; updates[id] = n_updates; bad_reads[id] = n_bad; lock_errors[id] = n_errors;
    return NULL;
}

int main(int argc, char **argv) {
    char mixname = argc > 1 ? argv[1][0] : 'A';
    update_per_256 = mixname == 'A' || mixname == 'a' ? 128 : mixname == 'B' || mixname == 'b' ? 13 : 0;
    if (!strchr("AaBbCc", mixname)) { fprintf(stderr, "gcskv: the mix is A, B or C\n"); return 2; }
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    ops_per_thread = argc > 3 ? strtoull(argv[3], NULL, 10) : 500;
    nkeys = argc > 4 ? strtoull(argv[4], NULL, 10) : 256;
    const char *mode = argc > 5 ? argv[5] : "counters";
    history = strcmp(mode, "history") == 0;
    if (threads < 1 || threads > 64 || nkeys < 1 || (!history && strcmp(mode, "counters"))) {
        fprintf(stderr, "usage: gcskv [A|B|C] [threads 1-64] [ops] [keys] [counters|history]\n");
        return 2;
    }
#ifdef KV_LOCK_GCS
    static uint64_t probe;
    if (gcs_wlock(&probe, sizeof probe) == -38) {         /* ENOSYS: not on a rack */
        printf("gcskv: GCS locks need a rack machine (--machine rack); nothing run\n");
        return 0;
    }
    gcs_unlock(&probe, sizeof probe);
#endif
    nbuckets = nkeys * 2;
    table = rw_page_calloc(nbuckets, sizeof *table);
    if (!table) { perror("calloc"); return 1; }
    for (uint64_t i = 0; i < nbuckets; i++) rw_init(&table[i].slot.lock);
    for (int t = 0; history && t < threads; t++)
        if (!(events[t] = rw_page_calloc(ops_per_thread, sizeof **events))) { perror("calloc"); return 1; }
    for (uint64_t k = 1; k <= nkeys; k++) {               /* load phase */
        uint64_t i = mix(k) % nbuckets;
        while (table[i].rec.key) i = (i + 1) % nbuckets;
        table[i].rec.key = k;
        fill(&table[i].rec);
    }
    pthread_t tid[64];
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    uint64_t r = 0, u = 0, bad = 0, errs = 0;
    for (long t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        r += reads[t]; u += updates[t]; bad += bad_reads[t]; errs += lock_errors[t];
    }
    uint64_t sum = 0, counts = 0;
    for (uint64_t i = 0; i < nbuckets; i++)
        if (table[i].rec.key) {
            counts += table[i].rec.count;
            sum = mix(sum ^ table[i].rec.key * 0x100000001b3ULL ^ table[i].rec.count);
            for (int w = 0; w < VALUE_WORDS; w++) sum += table[i].rec.value[w] * (w + 1);
        }
    printf("gcskv: YCSB %c, %d threads, %llu keys, %llu ops\n", mixname & ~0x20, threads,
           (unsigned long long)nkeys, (unsigned long long)(r + u));
    printf("reads %llu, updates %llu (counts %llu), inconsistent reads %llu\n",
           (unsigned long long)r, (unsigned long long)u, (unsigned long long)counts,
           (unsigned long long)bad);
    printf("table checksum %016llx\n", (unsigned long long)sum);
    int ok = bad == 0 && (history || counts == u) && errs == 0;
    if (errs) printf("gcskv: %s lock errors %llu\n", LOCK_NAME, (unsigned long long)errs);
    for (int t = 0; history && t < threads; t++)
        for (uint64_t i = 0; i < ops_per_thread; i++) {
            struct event *e = &events[t][i];
            printf("H %d %c %llu %llu %llu %llu\n", t, e->write ? 'w' : 'r',
                   (unsigned long long)e->key, (unsigned long long)e->value,
                   (unsigned long long)e->invoked, (unsigned long long)e->responded);
        }
    printf("gcskv: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
