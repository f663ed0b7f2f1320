/* pagerank: a PageRank-style graph kernel over threads sharing the graph and the ranks.
 *
 *   pagerank [threads] [nodes] [iterations]
 *
 * A deterministic random graph in compressed sparse rows; each iteration every thread pulls
 * the ranks of its nodes' in-neighbours (fixed point, so the result does not depend on the
 * schedule), then all meet at a barrier.  Prints the top nodes and a checksum. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ONE (1LL << 32)
#define DEGREE 8

static int nodes, iterations, threads;
static int *in_start, *in_edges, *out_degree;
static int64_t *rank_a, *rank_b;
static pthread_barrier_t barrier;

static uint64_t next(uint64_t *s) {
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg) {
    long id = (long)arg;
    int lo = (int)((long)nodes * id / threads), hi = (int)((long)nodes * (id + 1) / threads);
    int64_t *cur = rank_a, *nxt = rank_b;
    for (int it = 0; it < iterations; it++) {
        for (int v = lo; v < hi; v++) {
            int64_t sum = 0;
            for (int e = in_start[v]; e < in_start[v + 1]; e++) {
                int u = in_edges[e];
                sum += cur[u] / out_degree[u];
            }
            nxt[v] = (ONE * 15 / 100) / nodes + sum / 100 * 85;
        }
        pthread_barrier_wait(&barrier);
        int64_t *t = cur; cur = nxt; nxt = t;
    }
    return NULL;
}

int main(int argc, char **argv) {
    threads = argc > 1 ? atoi(argv[1]) : 4;
    nodes = argc > 2 ? atoi(argv[2]) : 4096;
    iterations = argc > 3 ? atoi(argv[3]) : 10;
    if (threads < 1 || threads > 64 || nodes < 2 || iterations < 1) { fprintf(stderr, "usage: pagerank [threads] [nodes] [iterations]\n"); return 2; }
    int edges = nodes * DEGREE;
    int *src = malloc(sizeof(int) * edges), *dst = malloc(sizeof(int) * edges);
    in_start = calloc(nodes + 1, sizeof(int));
    in_edges = malloc(sizeof(int) * edges);
    out_degree = calloc(nodes, sizeof(int));
    rank_a = malloc(sizeof(int64_t) * nodes);
    rank_b = malloc(sizeof(int64_t) * nodes);
    uint64_t s = 88172645463325252ULL;
    for (int e = 0; e < edges; e++) {
        src[e] = e / DEGREE;
        uint64_t r = next(&s);
        dst[e] = (r & 1) ? (int)(r >> 8) % (nodes / 16 + 1) : (int)((r >> 8) % nodes);  /* skewed in-degree */
        out_degree[src[e]]++;
        in_start[dst[e] + 1]++;
    }
    for (int v = 0; v < nodes; v++) in_start[v + 1] += in_start[v];
    int *fillp = calloc(nodes, sizeof(int));
    for (int e = 0; e < edges; e++) in_edges[in_start[dst[e]] + fillp[dst[e]]++] = src[e];
    for (int v = 0; v < nodes; v++) rank_a[v] = ONE / nodes;
    pthread_barrier_init(&barrier, NULL, threads);
    pthread_t tid[64];
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    for (long t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    int64_t *final = iterations % 2 ? rank_b : rank_a;
    uint64_t sum = 0;
    for (int v = 0; v < nodes; v++) sum = sum * 31 + (uint64_t)final[v];
    printf("pagerank: %d nodes, %d edges, %d iterations, %d threads\n", nodes, edges, iterations, threads);
    for (int k = 0; k < 5; k++) {
        int best = 0;
        for (int v = 1; v < nodes; v++) if (final[v] > final[best]) best = v;
        printf("top %d: node %d rank %.6f\n", k + 1, best, (double)final[best] / ONE);
        final[best] = -1 - final[best];
    }
    printf("rank checksum %016llx\n", (unsigned long long)sum);
    return 0;
}
