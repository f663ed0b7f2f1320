/*
 * watched - a small program for the debugger tests: a global written in known
 * steps, a function to break in, optional threads and an optional long loop.
 *
 *   watched [THREADS [LOOPS [stdin]]]
 *
 * Exit status: the final counter modulo 64.
 *
 * Built with debug information (the committed binary beside this file):
 *   aarch64-linux-gnu-gcc -g -O1 -static -pthread -std=gnu11 -Wall \
 *       -ffile-prefix-map=$PWD=. -fno-ident -Wl,--build-id=none -o watched watched.c
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile long counter = 0;
volatile long spin = 0;

__attribute__((noinline)) void bump(long by)
{
    counter += by;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 3; i++)
        bump(id * 10);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    long loops = argc > 2 ? atol(argv[2]) : 0;
    pthread_t tids[8];

    for (int i = 0; i < 5; i++)
        bump(1);
    if (threads > 8)
        threads = 8;
    for (long i = 0; i < threads; i++)
        pthread_create(&tids[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    for (long i = 0; i < loops; i++)
        spin += i;
    if (argc > 3 && strcmp(argv[3], "stdin") == 0) {
        char line[64];
        if (fgets(line, sizeof line, stdin))
            bump(atol(line));
    }
    bump(100);
    printf("counter=%ld\n", counter);
    return (int)(counter % 64);
}
