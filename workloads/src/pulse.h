/* The PULSE iterator library: an iterator is init/next/end over a fixed-size scratchpad.
 *
 * `next` receives the node at the cursor and the scratchpad, and returns the next cursor;
 * returning 0 is `end`.  A `next` that only reads the node and the scratchpad, writes only the
 * scratchpad and loops only a bounded number of times can be offloaded, and is when its work
 * per iteration fits in the time of one node fetch (PULSE's t_c <= eta * t_d: about 24 simple
 * instructions), so keep an iteration to one small step and carry the position inside a node
 * in the scratchpad.  On a rack the kernel sends the traversal to the SmartNIC of the memory
 * blade holding `start`, which runs it beside the data.  Anywhere else (no rack, a refused or unprofitable iterator, a kernel without the
 * call) pulse_submit() runs the same iterator here on the CPU; both give the same scratchpad. */
#ifndef PULSE_H
#define PULSE_H
#include <stdint.h>

#define PULSE_SCRATCH_WORDS 8            /* 64-byte scratchpad */
#define PULSE_SYS_SUBMIT 0x4710          /* (iter, start, scratch) -> iterations or -errno */
#define PULSE_SYS_LOCAL_DONE 0x4711      /* (iter, iterations): a CPU run, for the statistics */

typedef uint64_t (*pulse_next_fn)(const void *cur, uint64_t *scratch);

struct pulse_iter {
    const char *name;
    pulse_next_fn next;
    uint32_t node_bytes;                 /* bytes fetched at the cursor per iteration */
};

static inline long pulse_syscall3(long nr, long a0, long a1, long a2)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    /* The kernel reads the structure and the scratchpad and writes the scratchpad back. */
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

/* The CPU path: run `iter` from `start` until next() returns 0; returns the iterations. */
static inline uint64_t pulse_run_local(const struct pulse_iter *iter, const void *start,
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

/* Run `iter` from `start`; the result stays in `scratch`.  Returns the number of iterations. */
static inline uint64_t pulse_submit(const struct pulse_iter *iter, const void *start,
                                    uint64_t *scratch)
{
    long r = pulse_syscall3(PULSE_SYS_SUBMIT, (long)iter, (long)start, (long)scratch);
    if (r >= 0)
        return (uint64_t)r;
    uint64_t iterations = pulse_run_local(iter, start, scratch);
    pulse_syscall3(PULSE_SYS_LOCAL_DONE, (long)iter, (long)iterations, 0);
    return iterations;
}
#endif
