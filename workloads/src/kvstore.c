/* kvstore: a parallel in-memory key-value store driven by YCSB mixes.
 *
 *   kvstore [A|C] [threads] [ops per thread] [keys]
 *
 * A hash table (open addressing) of fixed-size records lives in memory shared by all threads;
 * each bucket has a spinlock.  Workload A is 50% reads and 50% updates, C is read-only; keys
 * follow a Zipf-like skew from a per-thread deterministic generator.  An update bumps the
 * record's version and rewrites its value from (key, version), so the final table depends only
 * on how many updates each key got, not on the interleaving: the checksum is the same however
 * the threads are scheduled (or spread over a rack).  Every read checks that the value matches
 * its version. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_WORDS 14

struct record {
    uint64_t key;
    volatile uint32_t lock;
    uint32_t version;
    uint64_t value[VALUE_WORDS];
};

static struct record *table;
static uint64_t nbuckets, nkeys, ops_per_thread;
static int read_only;
static uint64_t bad_reads[64], reads[64], updates[64];

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void lock(volatile uint32_t *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) { }
}

static void unlock(volatile uint32_t *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

static struct record *find(uint64_t key) {
    for (uint64_t i = mix(key) % nbuckets;; i = (i + 1) % nbuckets)
        if (table[i].key == key) return &table[i];
}

static void fill(struct record *r) {
    for (int w = 0; w < VALUE_WORDS; w++) r->value[w] = mix(r->key * 131 + r->version * 7 + w);
}

static uint64_t next_key(uint64_t *s) {
    /* Zipf-like: a quarter of the keys get three quarters of the accesses. */
    *s = mix(*s + 0x9e3779b97f4a7c15ULL);
    uint64_t hot = nkeys / 4 ? nkeys / 4 : 1;
    return 1 + ((*s & 3) ? (*s >> 8) % hot : (*s >> 8) % nkeys);
}

static void *worker(void *arg) {
    long id = (long)arg;
    uint64_t s = 0x1234 + (uint64_t)id * 7919;
    for (uint64_t i = 0; i < ops_per_thread; i++) {
        struct record *r = find(next_key(&s));
        s = mix(s);
        int update = !read_only && (s & 1);
        lock(&r->lock);
        if (update) {
            r->version++;
            fill(r);
            updates[id]++;
        } else {
            reads[id]++;
            for (int w = 0; w < VALUE_WORDS; w++)
                if (r->value[w] != mix(r->key * 131 + r->version * 7 + w)) { bad_reads[id]++; break; }
        }
        unlock(&r->lock);
    }
    return NULL;
}

int main(int argc, char **argv) {
    read_only = argc > 1 && (argv[1][0] == 'C' || argv[1][0] == 'c');
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    ops_per_thread = argc > 3 ? strtoull(argv[3], NULL, 10) : 2000;
    nkeys = argc > 4 ? strtoull(argv[4], NULL, 10) : 4096;
    if (threads < 1 || threads > 64 || nkeys < 1) { fprintf(stderr, "usage: kvstore [A|C] [threads 1-64] [ops] [keys]\n"); return 2; }
    nbuckets = nkeys * 2;
    table = calloc(nbuckets, sizeof *table);
    if (!table) { perror("calloc"); return 1; }
    for (uint64_t k = 1; k <= nkeys; k++) {               /* load phase */
        uint64_t i = mix(k) % nbuckets;
        while (table[i].key) i = (i + 1) % nbuckets;
        table[i].key = k;
        fill(&table[i]);
    }
    pthread_t tid[64];
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    uint64_t r = 0, u = 0, bad = 0;
    for (long t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        r += reads[t]; u += updates[t]; bad += bad_reads[t];
    }
    uint64_t sum = 0, versions = 0;
    for (uint64_t i = 0; i < nbuckets; i++)
        if (table[i].key) {
            versions += table[i].version;
            for (int w = 0; w < VALUE_WORDS; w++) sum += table[i].value[w] * (w + 1);
        }
    printf("kvstore: YCSB %s, %d threads, %llu keys, %llu ops\n", read_only ? "C" : "A", threads,
           (unsigned long long)nkeys, (unsigned long long)(r + u));
    printf("reads %llu, updates %llu (versions %llu), inconsistent reads %llu\n",
           (unsigned long long)r, (unsigned long long)u, (unsigned long long)versions,
           (unsigned long long)bad);
    printf("table checksum %016llx\n", (unsigned long long)sum);
    int ok = bad == 0 && versions == u;
    printf("kvstore: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
