/* The PULSE iterator library: an iterator is init/next/end over a fixed-size scratchpad.
 *
 * `next` receives the node at the cursor and the scratchpad, and returns the next cursor;
 * returning 0 is `end`.  A `next` that only reads the node and the scratchpad, writes only the
 * scratchpad and loops only a bounded number of times can be offloaded: the memory blade's
 * SmartNIC runs it beside the data.  pulse_submit() here is the CPU path (the same iterator
 * run locally), which the offload must match bit for bit. */
#ifndef PULSE_H
#define PULSE_H
#include <stdint.h>

#define PULSE_SCRATCH_WORDS 8            /* 64-byte scratchpad */

typedef uint64_t (*pulse_next_fn)(const void *cur, uint64_t *scratch);

struct pulse_iter {
    const char *name;
    pulse_next_fn next;
    uint32_t node_bytes;                 /* bytes fetched at the cursor per iteration */
};

/* Run `iter` from `start` until next() returns 0; the result stays in `scratch`.
 * Returns the number of iterations. */
static inline uint64_t pulse_submit(const struct pulse_iter *iter, const void *start,
                                    uint64_t *scratch)
{
    uint64_t iterations = 0;
    const void *cur = start;
    while (cur) {
        cur = (const void *)(uintptr_t)iter->next(cur, scratch);
        iterations++;
    }
    return iterations;
}
#endif
