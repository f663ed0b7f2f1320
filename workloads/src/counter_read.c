/* EL0 reads of the generic timer: CNTVCT_EL0 and CNTFRQ_EL0, as
 * runtimes read them for timing.  Checks that the count is nonzero, never goes
 * backwards across reads, and runs at clock_gettime(CLOCK_MONOTONIC)'s rate; the
 * frequency is printed (the machine states it).  With an argument N it reads
 * the counter N more times (a rate measurement) and checks each step.  With
 * "physical" it reads CNTPCT_EL0 instead, which Linux leaves trapped at EL0 and
 * does not emulate: the program dies of SIGILL there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t cntvct(void) {
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
    return v;
}

static inline uint64_t cntfrq(void) {
    uint64_t f;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    return f;
}

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Counter ticks to nanoseconds without overflowing for large counts. */
static uint64_t ticks_ns(uint64_t ticks, uint64_t freq) {
    return (ticks / freq) * 1000000000u + (ticks % freq) * 1000000000u / freq;
}

static uint64_t gap(uint64_t a, uint64_t b) {
    return a > b ? a - b : b - a;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "physical") == 0) {
        uint64_t p;
        __asm__ volatile("mrs %0, cntpct_el0" : "=r"(p));
        printf("physical counter %s\n", p ? "nonzero" : "zero");
        return 0;
    }
    long extra = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    uint64_t freq = cntfrq();
    if (freq == 0) {
        printf("counter: frequency is zero\n");
        return 1;
    }
    uint64_t first = cntvct();
    uint64_t mono_first = monotonic_ns();
    uint64_t second = cntvct();
    uint64_t mono_second = monotonic_ns();
    uint64_t third = cntvct();
    int in_order = first <= second && second <= third;
    /* The counter and CLOCK_MONOTONIC start at different times, but they run at one
     * rate: the time between two counter reads matches the time between the clock
     * reads between them, give or take the reads themselves (1 ms of slack for a
     * busy host). */
    uint64_t counted = ticks_ns(third - first, freq);
    uint64_t told = mono_second - mono_first;
    int same_rate = in_order && counted >= told && gap(counted, told) <= 1000000u;
    for (long i = 0; i < extra && in_order; i++) {
        uint64_t now = cntvct();
        if (now < third) {
            printf("counter went backwards at read %ld\n", i);
            in_order = 0;
        }
        third = now;
    }
    printf("counter %s, %s, same rate as CLOCK_MONOTONIC: %s; frequency %llu Hz\n",
           first ? "nonzero" : "zero", in_order ? "monotonic" : "NOT monotonic",
           same_rate ? "yes" : "no", (unsigned long long)freq);
    if (extra > 0 && in_order)
        printf("%ld further reads in order\n", extra);
    return in_order && same_rate && first ? 0 : 1;
}
