/* gcs.h: reader-writer locks held in the rack switch's coherence directory (GCS).
 *
 *   int gcs_rlock(void *addr, size_t len);   shared: readers of one region hold it together
 *   int gcs_wlock(void *addr, size_t len);   exclusive
 *   int gcs_unlock(void *addr, size_t len);  give it up (a write lock's bytes go back with it)
 *
 * A lock names a region: any byte range (1 byte to 64 KiB), not tied to pages; two locks on
 * one page are two regions, and regions must not overlap.  Waiters queue in the switch in
 * arrival order: readers are granted together, a writer alone, and a waiting writer is never
 * overtaken by later readers.  The grant carries the region's bytes.
 *
 * Memory ordering: a lock call is an acquire and gcs_unlock a release.  Each call issues
 * `dmb ish` before the SVC and is a compiler barrier; the SVC is context-synchronizing and
 * returns only after the grant (or the release) is done.  So everything the previous holder
 * wrote before its gcs_unlock is visible when gcs_rlock/gcs_wlock returns, and no access of
 * the critical section moves outside it.
 *
 * Returns 0, or a negative errno: -EINVAL (bad or overlapping range, unlock of a lock not
 * held), -EFAULT (unmapped memory), -ENOSYS (not running on a rack).  The calls use private
 * system call numbers 0x4700-0x4702. */
#ifndef GCS_H
#define GCS_H

#include <stddef.h>

#define GCS_NR_RLOCK 0x4700
#define GCS_NR_WLOCK 0x4701
#define GCS_NR_UNLOCK 0x4702

static inline long gcs_call(long nr, void *addr, size_t len) {
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = (long)addr;
    register long x1 __asm__("x1") = (long)len;
    __asm__ volatile("dmb ish\n\tsvc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
    return x0;
}

static inline int gcs_rlock(void *addr, size_t len) { return (int)gcs_call(GCS_NR_RLOCK, addr, len); }
static inline int gcs_wlock(void *addr, size_t len) { return (int)gcs_call(GCS_NR_WLOCK, addr, len); }
static inline int gcs_unlock(void *addr, size_t len) { return (int)gcs_call(GCS_NR_UNLOCK, addr, len); }

#endif
