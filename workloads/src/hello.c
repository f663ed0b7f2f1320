/*
 * hello - the smallest workload: a greeting plus an echo of the arguments.
 *
 * argv[0] is deliberately not printed because it depends on how the program
 * was launched (relative path, absolute path, loader-supplied name).
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    puts("Hello from Blindfold!");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    puts("hello: ok");
    return 0;
}
