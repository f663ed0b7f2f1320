/* rwlocks.h: one reader-writer lock interface over three implementations, chosen at build time,
 * so a workload is built from one source per lock:
 *
 *   (default)       glibc's pthread_rwlock_t, a lock word next to the data it protects, moved
 *                   between blades by the rack's page coherence
 *   -DKV_LOCK_MCS   an MCS queue lock (mcs.h), exclusive for readers too, on atomics over the
 *                   same page coherence; each thread's queue node on its own page
 *   -DKV_LOCK_GCS   a GCS lock held in the rack switch on the protected bytes themselves (gcs.h)
 *
 *   rw_init(l)                     initialize it
 *   rw_thread_init()               per thread, before its first lock
 *   rw_rlock(l, data, len)         read lock: l the lock field, data/len the protected bytes
 *   rw_wlock(l, data, len)         write lock
 *   rw_unlock(l, data, len)        unlock
 * Each returns 0 or a nonzero error.  A workload keeps the lock in an rw_slot_t, the same size
 * in every build, so its data sits at the same offsets whatever the lock. */
#ifndef RWLOCKS_H
#define RWLOCKS_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(KV_LOCK_GCS)
#include "gcs.h"
#define LOCK_NAME "gcs"
typedef struct { char unused; } rw_lock_t;
static inline void rw_init(rw_lock_t *l) { (void)l; }
static inline int rw_thread_init(void) { return 0; }
#define rw_rlock(l, d, n) ((void)(l), gcs_rlock((d), (n)))
#define rw_wlock(l, d, n) ((void)(l), gcs_wlock((d), (n)))
#define rw_unlock(l, d, n) ((void)(l), gcs_unlock((d), (n)))

#elif defined(KV_LOCK_MCS)
#include "mcs.h"
#define LOCK_NAME "mcs"
typedef mcs_lock_t rw_lock_t;
static __thread struct mcs_node *rw_self;
static inline void rw_init(rw_lock_t *l) { mcs_init(l); }
static inline int rw_thread_init(void) {
    rw_self = aligned_alloc(4096, 4096);          /* a page of its own: local spinning */
    return rw_self == NULL;
}
#define rw_rlock(l, d, n) ((void)(d), (void)(n), mcs_lock((l), rw_self), 0)
#define rw_wlock(l, d, n) ((void)(d), (void)(n), mcs_lock((l), rw_self), 0)
#define rw_unlock(l, d, n) ((void)(d), (void)(n), mcs_unlock((l), rw_self), 0)

#else
#include <pthread.h>
#define LOCK_NAME "pthread_rwlock"
typedef pthread_rwlock_t rw_lock_t;
static inline void rw_init(rw_lock_t *l) { pthread_rwlock_init(l, NULL); }
static inline int rw_thread_init(void) { return 0; }
#define rw_rlock(l, d, n) ((void)(d), (void)(n), pthread_rwlock_rdlock(l))
#define rw_wlock(l, d, n) ((void)(d), (void)(n), pthread_rwlock_wrlock(l))
#define rw_unlock(l, d, n) ((void)(d), (void)(n), pthread_rwlock_unlock(l))
#endif

typedef union {
    rw_lock_t lock;
    char bytes[64];
} rw_slot_t;
_Static_assert(sizeof(rw_lock_t) <= 64, "a lock fits its slot");

/* Zeroed memory on pages of its own: on a rack, data the blades share should not share a page
 * (or a coherence region) with the allocator's bookkeeping, which thread creation writes. */
static inline void *rw_page_calloc(size_t n, size_t size) {
    size_t bytes = (n * size + 4095) & ~(size_t)4095;
    void *p = aligned_alloc(4096, bytes ? bytes : 4096);
    if (p) memset(p, 0, bytes);
    return p;
}

#endif
