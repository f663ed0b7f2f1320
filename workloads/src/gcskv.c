/* gcskv: a key-value store with per-bucket reader-writer locks under YCSB A, B or C.
 *
 *   gcskv [A|B|C] [threads] [ops per thread] [keys]
 *
 * One source, two builds: gcskv_pthread takes glibc's pthread_rwlock_t of each bucket (a lock
 * word in shared memory, moved by the rack's page coherence); gcskv_gcs (-DKV_LOCK_GCS) takes a
 * GCS lock on the bucket's record itself (gcs.h), held in the switch.  The layout is the same in
 * both.  A is 50% reads and 50% updates, B 95/5, C reads only; keys follow a Zipf-like skew from
 * a deterministic per-thread generator.  An update is a per-key counter increment that rewrites
 * the value from (key, count), so the final table depends only on how many updates each key got:
 * the checksum is the same for both builds, any blade count and any interleaving.  Every read
 * checks that the value matches its count. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef KV_LOCK_GCS
#include "gcs.h"
#define LOCK_NAME "gcs"
#define READ_LOCK(b) gcs_rlock(&(b)->rec, sizeof (b)->rec)
#define WRITE_LOCK(b) gcs_wlock(&(b)->rec, sizeof (b)->rec)
#define UNLOCK(b) gcs_unlock(&(b)->rec, sizeof (b)->rec)
#else
#define LOCK_NAME "pthread_rwlock"
#define READ_LOCK(b) pthread_rwlock_rdlock(&(b)->lock)
#define WRITE_LOCK(b) pthread_rwlock_wrlock(&(b)->lock)
#define UNLOCK(b) pthread_rwlock_unlock(&(b)->lock)
#endif

#define VALUE_WORDS 14

struct record {                 /* 128 bytes: what a GCS lock region covers */
    uint64_t key;
    uint64_t count;
    uint64_t value[VALUE_WORDS];
};

struct bucket {
    pthread_rwlock_t lock;      /* used by the pthread build only; same layout in both */
    struct record rec;
};

static struct bucket *table;
static uint64_t nbuckets, nkeys, ops_per_thread;
static int update_per_256;
static uint64_t bad_reads[64], reads[64], updates[64], lock_errors[64];

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

static void *worker(void *arg) {
    long id = (long)arg;
    uint64_t s = 0x1234 + (uint64_t)id * 7919;
    for (uint64_t i = 0; i < ops_per_thread; i++) {
        struct bucket *b = find(next_key(&s));
        s = mix(s);
        int update = (int)(s & 255) < update_per_256;
        if (update) {
            if (WRITE_LOCK(b)) lock_errors[id]++;
            b->rec.count++;
            fill(&b->rec);
            updates[id]++;
        } else {
            if (READ_LOCK(b)) lock_errors[id]++;
            reads[id]++;
            for (int w = 0; w < VALUE_WORDS; w++)
                if (b->rec.value[w] != mix(b->rec.key * 131 + b->rec.count * 7 + w)) { bad_reads[id]++; break; }
        }
        if (UNLOCK(b)) lock_errors[id]++;
    }
    return NULL;
}

int main(int argc, char **argv) {
    char mixname = argc > 1 ? argv[1][0] : 'A';
    update_per_256 = mixname == 'A' || mixname == 'a' ? 128 : mixname == 'B' || mixname == 'b' ? 13 : 0;
    if (!strchr("AaBbCc", mixname)) { fprintf(stderr, "gcskv: the mix is A, B or C\n"); return 2; }
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    ops_per_thread = argc > 3 ? strtoull(argv[3], NULL, 10) : 500;
    nkeys = argc > 4 ? strtoull(argv[4], NULL, 10) : 256;
    if (threads < 1 || threads > 64 || nkeys < 1) { fprintf(stderr, "usage: gcskv [A|B|C] [threads 1-64] [ops] [keys]\n"); return 2; }
#ifdef KV_LOCK_GCS
    static uint64_t probe;
    if (gcs_wlock(&probe, sizeof probe) == -38) {         /* ENOSYS: not on a rack */
        printf("gcskv: GCS locks need a rack machine (--machine rack); nothing run\n");
        return 0;
    }
    gcs_unlock(&probe, sizeof probe);
#endif
    nbuckets = nkeys * 2;
    table = calloc(nbuckets, sizeof *table);
    if (!table) { perror("calloc"); return 1; }
    for (uint64_t i = 0; i < nbuckets; i++) pthread_rwlock_init(&table[i].lock, NULL);
    for (uint64_t k = 1; k <= nkeys; k++) {               /* load phase */
        uint64_t i = mix(k) % nbuckets;
        while (table[i].rec.key) i = (i + 1) % nbuckets;
        table[i].rec.key = k;
        fill(&table[i].rec);
    }
    pthread_t tid[64];
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
    int ok = bad == 0 && counts == u && errs == 0;
    if (errs) printf("gcskv: %s lock errors %llu\n", LOCK_NAME, (unsigned long long)errs);
    printf("gcskv: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
