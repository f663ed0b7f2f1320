/* mcs.h: the MCS queue lock (Mellor-Crummey and Scott) on C11 atomics.
 *
 *   void mcs_lock(mcs_lock_t *lock, struct mcs_node *me);
 *   void mcs_unlock(mcs_lock_t *lock, struct mcs_node *me);
 *
 * The lock is one word: the tail of a queue of waiters.  A thread appends its own node with one
 * atomic exchange and then waits on a flag in that node, which only its predecessor writes; the
 * release hands the lock to the successor by clearing that flag (or empties the queue with one
 * compare-and-swap).  On a rack each thread's node should sit on its own page, so a waiter reads
 * a page its own blade caches and only the hand-over moves it.
 *
 * The lock is exclusive: readers and writers alike take it in arrival order.
 *
 * Memory ordering: the exchange is acq_rel, the wait ends on an acquire load of the flag that
 * the predecessor cleared with a release store (or the CAS emptying the queue is a release), so
 * everything a holder wrote before mcs_unlock is visible after the next mcs_lock returns.
 *
 * Waiting spins MCS_SPINS times on the flag, then yields the core between checks: a blade's
 * core is then free for other threads that share it. */
#ifndef MCS_H
#define MCS_H

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>

#ifndef MCS_SPINS
#define MCS_SPINS 64
#endif

struct mcs_node {
    struct mcs_node *_Atomic next;
    atomic_int waiting;
};

typedef struct {
    struct mcs_node *_Atomic tail;
} mcs_lock_t;

static inline void mcs_init(mcs_lock_t *lock) { atomic_init(&lock->tail, NULL); }

static inline void mcs_wait(atomic_int *flag, int until) {
    for (unsigned spins = 0; atomic_load_explicit(flag, memory_order_acquire) != until; spins++)
        if (spins >= MCS_SPINS) sched_yield();
}

static inline void mcs_lock(mcs_lock_t *lock, struct mcs_node *me) {
    atomic_store_explicit(&me->next, NULL, memory_order_relaxed);
    atomic_store_explicit(&me->waiting, 1, memory_order_relaxed);
    struct mcs_node *pred = atomic_exchange_explicit(&lock->tail, me, memory_order_acq_rel);
    if (pred == NULL) return;
    atomic_store_explicit(&pred->next, me, memory_order_release);
    mcs_wait(&me->waiting, 0);
}

static inline void mcs_unlock(mcs_lock_t *lock, struct mcs_node *me) {
    struct mcs_node *next = atomic_load_explicit(&me->next, memory_order_acquire);
    if (next == NULL) {
        struct mcs_node *expected = me;
        if (atomic_compare_exchange_strong_explicit(&lock->tail, &expected, NULL,
                                                    memory_order_release, memory_order_relaxed))
            return;
        /* A successor swapped itself in but has not linked yet. */
        for (unsigned spins = 0;
             (next = atomic_load_explicit(&me->next, memory_order_acquire)) == NULL; spins++)
            if (spins >= MCS_SPINS) sched_yield();
    }
    atomic_store_explicit(&next->waiting, 0, memory_order_release);
}

#endif
