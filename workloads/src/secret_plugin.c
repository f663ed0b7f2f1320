/* The attack target for code a program runs from a file it wrote itself, as a JIT's code
 * cache or a plugin copied into place is run: the file is no admitted file, so its bytes
 * reach the program through the kernel, unmeasured.
 *
 * The program writes a two-instruction function (mov w0, #42; ret) to plugin.bin in its
 * working directory, maps the file PROT_READ, makes the mapping executable with mprotect()
 * (as a loader or a JIT does once it has looked at the code), calls the function and
 * prints what it answered.  Under Linux the answer is 42, the code the program wrote.
 * Under --confidential the Guardian refuses to make unmeasured file data executable, so
 * the program is stopped at its first instruction fetch from the mapping.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static const uint32_t answer_code[] = {
    0x52800540u,        /* mov w0, #42 */
    0xd65f03c0u,        /* ret */
};

int main(void)
{
    int fd = open("plugin.bin", O_RDWR | O_CREAT | O_TRUNC, 0700);
    if (fd < 0 || write(fd, answer_code, sizeof answer_code) != (ssize_t)sizeof answer_code) {
        puts("plugin: cannot write plugin.bin");
        return 1;
    }
    /* A file mapping is coherent for instruction fetches (Linux flushes the page's cache
     * lines when it maps it executable), so no cache maintenance is needed here. */
    void *code = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (code == MAP_FAILED || mprotect(code, 4096, PROT_READ | PROT_EXEC) != 0) {
        puts("plugin: cannot map plugin.bin to run it");
        return 1;
    }
    int (*answer)(void) = (int (*)(void))code;
    printf("plugin answered %d\n", answer());
    return 0;
}
