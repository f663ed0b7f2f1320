/* PULSE iterators over three linked structures (the layouts of PULSE's baseline code):
 *   - a chained hash table of 256-byte nodes (YCSB-C lookups),
 *   - a B+-tree of minimum degree 5 (at most 9 keys, 10 children) scanned from a key (YCSB-E),
 *   - a time series: B+-tree leaves under summary nodes that keep per-child statistics (as
 *     BTrDB does), aggregated over a time range (SUM/COUNT/MAX/MIN).
 * main() builds each structure, runs queries through pulse_submit() and prints a checksum.
 * Each iteration is one node fetch and a few instructions (at most about 24 of the device's
 * logic instructions, what one fetch covers), so that offloading it pays.
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

/* SCAN(key, len) (YCSB-E), one small step per iteration, so that each iteration is one node
 * fetch and a few instructions: in an internal node one step of a binary search for the child
 * that covers the key (at most 4 steps over 9 keys), in a leaf one record, then the leaf's
 * next pointer.  The cursor is the node; the position inside it is in the scratchpad.
 * scratch[0] = first key, [1] = records left, [2] = sum of values, [3] = records seen,
 * [4] = search low / slot in the leaf, [5] = search high + 1 (0: a node not searched yet). */
__attribute__((noinline)) uint64_t bt_scan_next(const void *cur, uint64_t *s)
{
    const struct bt_node *n = cur;
    uint64_t lo = s[4];
    if (!n->is_leaf) {
        uint64_t hi = s[5] ? s[5] - 1 : n->nkeys;
        if (lo < hi) {
            uint64_t mid = (lo + hi) >> 1;
            if (s[0] < n->keys[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo < hi) {
            s[4] = lo;
            s[5] = hi + 1;
            return (uint64_t)(uintptr_t)cur;
        }
        s[4] = 0;
        s[5] = 0;
        return n->ptrs[lo];
    }
    if (s[1] == 0)                        /* SCAN(key, 0) */
        return 0;
    if (n->keys[lo] >= s[0]) {
        s[2] += n->ptrs[lo];
        s[3] += 1;
        if (--s[1] == 0)
            return 0;
    }
    if (++lo < n->nkeys) {
        s[4] = lo;
        return (uint64_t)(uintptr_t)cur;
    }
    s[4] = 0;
    return n->ptrs[BT_MAX_KEYS];
}

/* The same SCAN a whole node per iteration: the child search over up to 9 keys, or every
 * record of a leaf.  Fewer iterations, but each has a compare and a jump per key, far more
 * logic than one node fetch covers, so the offload estimate refuses it (it runs on the CPU).
 * The scratchpad is bt_scan_next's, without [4] and [5]. */
__attribute__((noinline)) uint64_t bt_leaf_scan_next(const void *cur, uint64_t *s)
{
    const struct bt_node *n = cur;
    uint64_t i;
    if (!n->is_leaf) {
        for (i = 0; i < BT_MAX_KEYS; i++)
            if (i >= n->nkeys || s[0] < n->keys[i])
                break;
        return n->ptrs[i];
    }
    for (i = 0; i < BT_MAX_KEYS; i++) {
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

/* ---- a time-series tree: B+-tree leaves under summary nodes (BTrDB's per-child statistics) ----
 * An internal node holds, per child, the child's time range and its SUM, COUNT, MAX and MIN, so
 * a child that lies wholly inside a query window counts without being visited.  Like BTrDB's
 * nodes it keeps one array per field (child i's fields are all 8 * i bytes into theirs). */
#define TS_FANOUT 4
struct ts_inner {
    uint32_t is_leaf;                     /* 0 */
    uint32_t nchildren;
    uint64_t node[TS_FANOUT];
    uint64_t tmin[TS_FANOUT], tmax[TS_FANOUT];      /* the first and last timestamp below */
    uint64_t stat[4][TS_FANOUT];          /* SUM, COUNT, MAX, MIN of the values below */
};                                        /* 232 bytes */
union ts_node {                           /* a leaf is a B+-tree leaf (is_leaf 1, nkeys) */
    struct bt_node leaf;
    struct ts_inner inner;
};

/* Aggregate over timestamps [t0, t1], one child summary or one leaf record per iteration:
 * a child wholly inside the window adds its statistic, one partly inside is kept to visit
 * later, one before the window is skipped, and one after it ends the node.  At most two
 * subtrees are ever pending (the ones holding the window's two edges), so they fit the
 * scratchpad.  The kind is fixed per query, so each kind has its own iterator and no
 * iteration dispatches on it.
 * scratch[0] = t0, [1] = t1, [2] = kind (0 SUM, 1 COUNT, 2 MAX, 3 MIN), [3] = result (start
 * MIN at UINT64_MAX), [4] = records seen, [5] = slot in the node at the cursor,
 * [6], [7] = pending subtrees (0: none). */
static inline __attribute__((always_inline)) uint64_t ts_agg(const void *cur, uint64_t *s,
                                                             const int kind)
{
    const union ts_node *n = cur;
    uint64_t i = s[5], v, count, next;
    if (n->leaf.is_leaf) {
        uint64_t t = n->leaf.keys[i];
        if (t > s[1])
            goto pop;
        i++;
        if (t < s[0])
            goto step;
        v = kind == 1 ? 1 : n->leaf.ptrs[i - 1];
        count = 1;
    } else {
        const struct ts_inner *in = &n->inner;
        uint64_t tmin = in->tmin[i], tmax = in->tmax[i];
        if (tmin > s[1])
            goto pop;
        if (tmax < s[0]) {
            i++;
            goto step;
        }
        if (tmin < s[0] || tmax > s[1]) {
            if (s[6])
                s[7] = in->node[i];
            else
                s[6] = in->node[i];
            i++;
            goto step;
        }
        v = in->stat[kind][i];
        count = in->stat[1][i];
        i++;
    }
    if (kind < 2)
        s[3] += v;
    else if (kind == 2)
        s[3] = v > s[3] ? v : s[3];
    else
        s[3] = v < s[3] ? v : s[3];
    s[4] += count;
step:
    if (i < n->leaf.nkeys) {              /* nchildren of an inner node: the same field */
        s[5] = i;
        return (uint64_t)(uintptr_t)cur;
    }
pop:
    s[5] = 0;
    if (s[7]) {
        next = s[7];
        s[7] = 0;
    } else {
        next = s[6];
        s[6] = 0;
    }
    return next;
}

__attribute__((noinline)) uint64_t ts_sum_next(const void *cur, uint64_t *s)
{
    return ts_agg(cur, s, 0);
}

__attribute__((noinline)) uint64_t ts_count_next(const void *cur, uint64_t *s)
{
    return ts_agg(cur, s, 1);
}

__attribute__((noinline)) uint64_t ts_max_next(const void *cur, uint64_t *s)
{
    return ts_agg(cur, s, 2);
}

__attribute__((noinline)) uint64_t ts_min_next(const void *cur, uint64_t *s)
{
    return ts_agg(cur, s, 3);
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
const struct pulse_iter bt_leaf_iter = {"bt_leaf_scan", bt_leaf_scan_next, sizeof(struct bt_node)};
const struct pulse_iter ts_iters[4] = {
    {"ts_sum", ts_sum_next, sizeof(union ts_node)},
    {"ts_count", ts_count_next, sizeof(union ts_node)},
    {"ts_max", ts_max_next, sizeof(union ts_node)},
    {"ts_min", ts_min_next, sizeof(union ts_node)},
};

/* ---- building the structures (CPU side) ---- */
static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static struct bt_node *bt_build(uint64_t nkeys, uint64_t stride)
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
            leaf->ptrs[j] = xorshift() % 1000;
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

/* A time series of `npoints` points (timestamp i * stride, value i * 7 + 3) in leaves of 8,
 * then summary levels of up to TS_FANOUT children, bottom up.  Every node is a union ts_node,
 * so that a fetch of one never reads past its end. */
struct ts_child {                         /* a subtree's summary while building */
    uint64_t node, tmin, tmax, stat[4];
};

static union ts_node *ts_build(uint64_t npoints, uint64_t stride)
{
    uint64_t count = (npoints + 7) / 8;
    union ts_node **level = calloc(count, sizeof *level);
    struct ts_child *sums = calloc(count, sizeof *sums);
    for (uint64_t l = 0; l < count; l++) {
        union ts_node *leaf = calloc(1, sizeof *leaf);
        struct ts_child *c = &sums[l];
        leaf->leaf.is_leaf = 1;
        c->node = (uint64_t)(uintptr_t)leaf;
        c->stat[3] = UINT64_MAX;
        for (uint64_t j = 0; j < 8 && l * 8 + j < npoints; j++) {
            uint64_t i = l * 8 + j, v = i * 7 + 3;
            leaf->leaf.keys[j] = i * stride;
            leaf->leaf.ptrs[j] = v;
            leaf->leaf.nkeys++;
            c->tmin = j ? c->tmin : i * stride;
            c->tmax = i * stride;
            c->stat[0] += v;
            c->stat[1] += 1;
            c->stat[2] = v > c->stat[2] ? v : c->stat[2];
            c->stat[3] = v < c->stat[3] ? v : c->stat[3];
        }
        if (l)
            level[l - 1]->leaf.ptrs[BT_MAX_KEYS] = (uint64_t)(uintptr_t)leaf;
        level[l] = leaf;
    }
    while (count > 1) {
        uint64_t parents = (count + TS_FANOUT - 1) / TS_FANOUT;
        union ts_node **up = calloc(parents, sizeof *up);
        struct ts_child *up_sums = calloc(parents, sizeof *up_sums);
        for (uint64_t p = 0; p < parents; p++) {
            union ts_node *in = calloc(1, sizeof *in);
            struct ts_child *c = &up_sums[p];
            c->node = (uint64_t)(uintptr_t)in;
            c->stat[3] = UINT64_MAX;
            for (uint64_t j = 0; j < TS_FANOUT && p * TS_FANOUT + j < count; j++) {
                const struct ts_child *k = &sums[p * TS_FANOUT + j];
                in->inner.node[j] = k->node;
                in->inner.tmin[j] = k->tmin;
                in->inner.tmax[j] = k->tmax;
                for (int f = 0; f < 4; f++)
                    in->inner.stat[f][j] = k->stat[f];
                in->inner.nchildren++;
                c->tmin = j ? c->tmin : k->tmin;
                c->tmax = k->tmax;
                c->stat[0] += k->stat[0];
                c->stat[1] += k->stat[1];
                c->stat[2] = k->stat[2] > c->stat[2] ? k->stat[2] : c->stat[2];
                c->stat[3] = k->stat[3] < c->stat[3] ? k->stat[3] : c->stat[3];
            }
            up[p] = in;
        }
        free(level);
        free(sums);
        level = up;
        sums = up_sums;
        count = parents;
    }
    union ts_node *root = level[0];
    free(level);
    free(sums);
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

    struct bt_node *tree = bt_build(5000, 1);
    uint64_t total = 0, seen = 0, leaf_total = 0, leaf_seen = 0, leaf_hops = 0;
    hops = 0;
    for (uint64_t q = 0; q < scans; q++) {
        uint64_t s[PULSE_SCRATCH_WORDS] = {xorshift() % 5000, 1 + xorshift() % 100};
        uint64_t w[PULSE_SCRATCH_WORDS] = {s[0], s[1]};
        hops += pulse_submit(&bt_iter, tree, s);
        total += s[2];
        seen += s[3];
        leaf_hops += pulse_submit(&bt_leaf_iter, tree, w);    /* the same scan, coarser */
        leaf_total += w[2];
        leaf_seen += w[3];
    }
    printf("bt_scan: %llu records, value sum %llu, %llu iterations\n",
           (unsigned long long)seen, (unsigned long long)total, (unsigned long long)hops);
    printf("bt_leaf_scan: %llu records, value sum %llu, %llu iterations\n",
           (unsigned long long)leaf_seen, (unsigned long long)leaf_total,
           (unsigned long long)leaf_hops);

    union ts_node *series = ts_build(5000, 10);
    const char *kinds[4] = {"SUM", "COUNT", "MAX", "MIN"};
    for (uint64_t kind = 0; kind < 4; kind++) {
        uint64_t s[PULSE_SCRATCH_WORDS] = {1000, 20000, kind, kind == 3 ? UINT64_MAX : 0};
        hops = pulse_submit(&ts_iters[kind], series, s);
        printf("ts_aggregate %s [1000, 20000]: %llu over %llu records, %llu iterations\n",
               kinds[kind], (unsigned long long)s[3], (unsigned long long)s[4],
               (unsigned long long)hops);
    }
    return 0;
}
