/*
 * faulty - deliberately crashing program, used to test crash reporting.
 *
 *   faulty segv     write through a NULL pointer (no handler): killed by SIGSEGV
 *   faulty ill      execute an undefined instruction (0x00000000): SIGILL
 *   faulty abort    call abort(): SIGABRT
 *   faulty exit N   exit normally with status N
 *
 * A line naming the action is printed and flushed before it is performed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void announce(const char *what)
{
    printf("faulty: %s\n", what);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "segv") == 0) {
        /*
         * Both the pointer and the pointee are volatile: the compiler can neither
         * prove the pointer is NULL (and emit a trap instead) nor drop the store.
         */
        volatile int *volatile p = NULL;
        announce("writing through a NULL pointer");
        *p = 42;
        puts("faulty: still alive after NULL write");
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "ill") == 0) {
        announce("executing undefined instruction 0x00000000");
        __asm__ volatile(".inst 0x00000000");
        puts("faulty: still alive after undefined instruction");
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "abort") == 0) {
        announce("calling abort()");
        abort();
    }
    if (argc == 3 && strcmp(argv[1], "exit") == 0) {
        char *end;
        long code = strtol(argv[2], &end, 10);
        if (*end == '\0' && code >= 0 && code <= 255) {
            printf("faulty: exiting with status %ld\n", code);
            return (int)code;
        }
    }
    fprintf(stderr, "usage: faulty segv | ill | abort | exit N\n");
    return 2;
}
