/* PULSE iterators over three linked structures (the layouts of PULSE's baseline code):
 *   - a chained hash table of 256-byte nodes (YCSB-C lookups),
 *   - a B+-tree of minimum degree 5 (at most 9 keys, 10 children) scanned from a key (YCSB-E),
 *   - the same B+-tree over timestamps, aggregated over a time range (SUM/COUNT/MAX/MIN).
 * main() builds each structure, runs queries through pulse_submit() and prints a checksum.
 * Usage: pulse_iters [hash_queries [scans [hash_keys [hash_buckets]]]] (2000 200 1000 64). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pulse.h"

/* ---- hash table: scratch[0] = key, [1] = value out, [2] = found ---- */
struct ht_node {
    uint64_t key;
    uint64_t value;
    uint8_t padding[232];
    struct ht_node *next;
};                                        /* 256 bytes */

__attribute__((noinline)) uint64_t ht_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    if (n->key == s[0]) {
        s[1] = n->value;
        s[2] = 1;
        return 0;
    }
    return (uint64_t)(uintptr_t)n->next;
}

/* ---- B+-tree, minimum degree 5 ---- */
#define BT_MAX_KEYS 9
struct bt_node {
    uint32_t is_leaf;
    uint32_t nkeys;
    uint64_t keys[BT_MAX_KEYS];
    uint64_t ptrs[BT_MAX_KEYS + 1];       /* children; in a leaf: values, then the next leaf */
};                                        /* 160 bytes */

/* Descend: the child to follow for key k. */
static inline uint64_t bt_child(const struct bt_node *n, uint64_t k)
{
    uint64_t i;
    for (i = 0; i < BT_MAX_KEYS; i++)
        if (i >= n->nkeys || k < n->keys[i])
            break;
    return n->ptrs[i];
}

/* SCAN(key, len): scratch[0] = first key, [1] = records left, [2] = sum of values,
 * [3] = records seen. */
__attribute__((noinline)) uint64_t bt_scan_next(const void *cur, uint64_t *s)
{
    const struct bt_node *n = cur;
    if (!n->is_leaf)
        return bt_child(n, s[0]);
    for (uint64_t i = 0; i < BT_MAX_KEYS; i++) {
        if (i >= n->nkeys || s[1] == 0)
            break;
        if (n->keys[i] >= s[0]) {
            s[2] += n->ptrs[i];
            s[3] += 1;
            s[1] -= 1;
        }
    }
    if (s[1] == 0)
        return 0;
    return n->ptrs[BT_MAX_KEYS];
}

/* Aggregate over timestamps [t0, t1]: scratch[0] = t0, [1] = t1, [2] = kind
 * (0 SUM, 1 COUNT, 2 MAX, 3 MIN), [3] = result, [4] = records seen. */
__attribute__((noinline)) uint64_t ts_agg_next(const void *cur, uint64_t *s)
{
    const struct bt_node *n = cur;
    if (!n->is_leaf)
        return bt_child(n, s[0]);
    for (uint64_t i = 0; i < BT_MAX_KEYS; i++) {
        if (i >= n->nkeys)
            break;
        uint64_t t = n->keys[i];
        if (t > s[1])
            return 0;
        if (t < s[0])
            continue;
        uint64_t v = n->ptrs[i];
        if (s[2] == 0)
            s[3] += v;
        else if (s[2] == 1)
            s[3] += 1;
        else if (s[2] == 2)
            s[3] = v > s[3] ? v : s[3];
        else
            s[3] = v < s[3] ? v : s[3];
        s[4] += 1;
    }
    return n->ptrs[BT_MAX_KEYS];
}

/* Refused by the offload verifier (kept here as examples of what cannot run beside memory). */
__attribute__((noinline)) uint64_t bad_store_next(const void *cur, uint64_t *s)
{
    struct ht_node *n = (struct ht_node *)cur;
    n->value = s[0];                      /* a store to the structure, not the scratchpad */
    return (uint64_t)(uintptr_t)n->next;
}

__attribute__((noinline)) uint64_t bad_call_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    s[1] = (uint64_t)strlen((const char *)n->padding);   /* a call */
    return (uint64_t)(uintptr_t)n->next;
}

__attribute__((noinline)) uint64_t bad_loop_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    uint64_t x = n->key;
    while (x != 1)                        /* no bound the verifier can prove */
        x = (x & 1) ? 3 * x + 1 : x >> 1;
    s[1] += x;
    return (uint64_t)(uintptr_t)n->next;
}

__attribute__((noinline)) uint64_t bad_chase_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    s[1] += n->next->key;                 /* a second dependent load within one iteration */
    return (uint64_t)(uintptr_t)n->next;
}

__attribute__((noinline)) uint64_t bad_syscall_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    register uint64_t x8 __asm__("x8") = 172;     /* getpid */
    register uint64_t x0 __asm__("x0");
    __asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
    s[1] = x0;
    return (uint64_t)(uintptr_t)n->next;
}

/* Refused as well, but used by main(): it reads the next node's key through the node's pointer
 * (a second dependent load), so it runs on the CPU with the verifier's reason in the stats. */
__attribute__((noinline)) uint64_t ht_peek_next(const void *cur, uint64_t *s)
{
    const struct ht_node *n = cur;
    if (n->next)
        s[0] += n->next->key;
    s[1] += 1;
    return (uint64_t)(uintptr_t)n->next;
}

const struct pulse_iter peek_iter = {"ht_peek", ht_peek_next, sizeof(struct ht_node)};
const struct pulse_iter ht_iter = {"ht_lookup", ht_next, sizeof(struct ht_node)};
const struct pulse_iter bt_iter = {"bt_scan", bt_scan_next, sizeof(struct bt_node)};
const struct pulse_iter ts_iter = {"ts_aggregate", ts_agg_next, sizeof(struct bt_node)};

/* ---- building the structures (CPU side) ---- */
static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static struct bt_node *bt_build(uint64_t nkeys, uint64_t stride, int values_from_key)
{
    /* Leaves filled to 8 of 9 keys, then internal levels built bottom up. */
    uint64_t nleaves = (nkeys + 7) / 8;
    struct bt_node **level = calloc(nleaves, sizeof *level);
    for (uint64_t l = 0; l < nleaves; l++) {
        struct bt_node *leaf = calloc(1, sizeof *leaf);
        leaf->is_leaf = 1;
        for (uint64_t j = 0; j < 8 && l * 8 + j < nkeys; j++) {
            uint64_t k = (l * 8 + j) * stride;
            leaf->keys[j] = k;
            leaf->ptrs[j] = values_from_key ? k * 7 + 3 : xorshift() % 1000;
            leaf->nkeys++;
        }
        if (l)
            level[l - 1]->ptrs[BT_MAX_KEYS] = (uint64_t)(uintptr_t)leaf;
        level[l] = leaf;
    }
    uint64_t count = nleaves;
    while (count > 1) {
        uint64_t parents = (count + 9) / 10;
        struct bt_node **up = calloc(parents, sizeof *up);
        for (uint64_t p = 0; p < parents; p++) {
            struct bt_node *in = calloc(1, sizeof *in);
            uint64_t first = p * 10;
            for (uint64_t c = 0; c < 10 && first + c < count; c++) {
                in->ptrs[c] = (uint64_t)(uintptr_t)level[first + c];
                if (c) {
                    const struct bt_node *m = level[first + c];
                    while (!m->is_leaf)
                        m = (const struct bt_node *)(uintptr_t)m->ptrs[0];
                    in->keys[c - 1] = m->keys[0];
                    in->nkeys = (uint32_t)c;
                }
            }
            up[p] = in;
        }
        free(level);
        level = up;
        count = parents;
    }
    struct bt_node *root = level[0];
    free(level);
    return root;
}

static uint64_t arg(int argc, char **argv, int i, uint64_t fallback)
{
    if (argc <= i)
        return fallback;
    char *end;
    unsigned long long v = strtoull(argv[i], &end, 10);
    if (*end || v == 0) {
        fprintf(stderr, "pulse_iters: argument %d must be a positive number, not '%s'\n", i,
                argv[i]);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint64_t ht_queries = arg(argc, argv, 1, 2000), scans = arg(argc, argv, 2, 200);
    uint64_t ht_keys = arg(argc, argv, 3, 1000), nbuckets = arg(argc, argv, 4, 64);
    struct ht_node **buckets = calloc(nbuckets, sizeof *buckets);
    for (uint64_t k = 1; k <= ht_keys; k++) {
        struct ht_node *n = calloc(1, sizeof *n);
        n->key = k * 2654435761u;
        n->value = k;
        n->next = buckets[n->key % nbuckets];
        buckets[n->key % nbuckets] = n;
    }
    uint64_t found = 0, sum = 0, hops = 0;
    for (uint64_t q = 0; q < ht_queries; q++) {
        uint64_t key = (xorshift() % (2 * ht_keys) + 1) * 2654435761u;
        uint64_t s[PULSE_SCRATCH_WORDS] = {key};
        if (buckets[key % nbuckets])
            hops += pulse_submit(&ht_iter, buckets[key % nbuckets], s);
        found += s[2];
        sum += s[1];
    }
    printf("ht_lookup: found %llu of %llu, value sum %llu, %llu iterations\n",
           (unsigned long long)found, (unsigned long long)ht_queries, (unsigned long long)sum,
           (unsigned long long)hops);
    uint64_t peek[PULSE_SCRATCH_WORDS] = {0};
    hops = 0;
    for (uint64_t b = 0; b < nbuckets && b < 8; b++)
        if (buckets[b])
            hops += pulse_submit(&peek_iter, buckets[b], peek);
    printf("ht_peek: successor key sum %llu over %llu nodes, %llu iterations\n",
           (unsigned long long)peek[0], (unsigned long long)peek[1], (unsigned long long)hops);

    struct bt_node *tree = bt_build(5000, 1, 0);
    uint64_t total = 0, seen = 0;
    hops = 0;
    for (uint64_t q = 0; q < scans; q++) {
        uint64_t s[PULSE_SCRATCH_WORDS] = {xorshift() % 5000, 1 + xorshift() % 100};
        hops += pulse_submit(&bt_iter, tree, s);
        total += s[2];
        seen += s[3];
    }
    printf("bt_scan: %llu records, value sum %llu, %llu iterations\n",
           (unsigned long long)seen, (unsigned long long)total, (unsigned long long)hops);

    struct bt_node *series = bt_build(5000, 10, 1);
    const char *kinds[4] = {"SUM", "COUNT", "MAX", "MIN"};
    for (uint64_t kind = 0; kind < 4; kind++) {
        uint64_t s[PULSE_SCRATCH_WORDS] = {1000, 20000, kind, kind == 3 ? UINT64_MAX : 0};
        hops = pulse_submit(&ts_iter, series, s);
        printf("ts_aggregate %s [1000, 20000]: %llu over %llu records, %llu iterations\n",
               kinds[kind], (unsigned long long)s[3], (unsigned long long)s[4],
               (unsigned long long)hops);
    }
    return 0;
}
