/*
 * memhog - memory-hungry workload.
 *
 *   memhog [MB]   use MB MiB (default 48): half from an anonymous mmap(), half
 *                 from malloc() in 64 KiB blocks (served from the brk heap)
 *
 * Every 4 KiB page is filled completely with a pattern derived from its index,
 * then every page is re-read and verified.  A forked child then verifies part
 * of the memory, overwrites it and checks its own writes; afterwards the
 * parent checks that its copy is unchanged (copy-on-write).  The default size
 * is chosen to exceed the RAM of a small emulated machine, so the emulator has
 * to page memory out and back in.  KSM may merge its pages: it asks for that with
 * prctl(PR_SET_MEMORY_MERGE) and madvise(MADV_MERGEABLE) on the mmap() region.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS_PER_PAGE (PAGE / sizeof(uint64_t))
#define BLOCK (64u * 1024u)
#define PAGES_PER_BLOCK (BLOCK / PAGE)
#define FORK_CHECK_BYTES (4u * 1024u * 1024u)
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

struct region {
    uint64_t *mem;      /* start of this page run */
    size_t pages;       /* pages in the run */
    size_t first_page;  /* global index of the first page */
};

static uint64_t page_seed(size_t page, uint64_t salt)
{
    uint64_t z = (uint64_t)page * 0x9E3779B97F4A7C15ull + salt;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_page(uint64_t *p, size_t page, uint64_t salt)
{
    uint64_t v = page_seed(page, salt);
    for (size_t k = 0; k < WORDS_PER_PAGE; k++) {
        p[k] = v;
        v += 0xD1B54A32D192ED03ull;
    }
}

/* Returns the sum of the page's words, or sets *bad if the page does not match. */
static uint64_t check_page(const uint64_t *p, size_t page, uint64_t salt, int *bad)
{
    uint64_t v = page_seed(page, salt), sum = 0;
    for (size_t k = 0; k < WORDS_PER_PAGE; k++) {
        if (p[k] != v)
            *bad = 1;
        sum += p[k];
        v += 0xD1B54A32D192ED03ull;
    }
    return sum;
}

static void fill_run(struct region *r, size_t npages, uint64_t salt)
{
    for (size_t i = 0; i < npages; i++)
        fill_page(r->mem + i * WORDS_PER_PAGE, r->first_page + i, salt);
}

/* Verify the first npages of a run; returns the number of bad pages and updates *checksum. */
static size_t verify_run(const struct region *r, size_t npages, uint64_t salt, uint64_t *checksum)
{
    size_t bad_pages = 0;
    for (size_t i = 0; i < npages; i++) {
        int bad = 0;
        uint64_t s = check_page(r->mem + i * WORDS_PER_PAGE, r->first_page + i, salt, &bad);
        *checksum = (*checksum ^ s) * 0x100000001B3ull;
        bad_pages += (size_t)bad;
    }
    return bad_pages;
}

int main(int argc, char **argv)
{
    unsigned long mb = 48;
    if (argc > 1) {
        char *end;
        mb = strtoul(argv[1], &end, 10);
        if (*end != '\0' || mb < 1 || mb > 65536) {
            fprintf(stderr, "usage: memhog [MB]   (1 <= MB <= 65536)\n");
            return 2;
        }
    }
    /* Let KSM merge what it finds equal (Linux scans only memory a program opted in):
     * every area, where the kernel has PR_SET_MEMORY_MERGE (6.4; an older one says
     * EINVAL), and the mmap() region through madvise below. */
    (void)prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0);
    const uint64_t salt = 0x6D656D686F67ull;  /* "memhog" */
    size_t total_pages = (size_t)mb * (1024u * 1024u / PAGE);
    size_t mmap_pages = total_pages / 2;
    size_t heap_pages = total_pages - mmap_pages;
    size_t nblocks = heap_pages / PAGES_PER_BLOCK;

    printf("memhog: %lu MiB: %zu KiB via mmap, %zu KiB via malloc in %zu blocks of 64 KiB\n", mb,
           mmap_pages * PAGE / 1024, heap_pages * PAGE / 1024, nblocks);

    size_t nregions = 1 + nblocks;
    struct region *regions = calloc(nregions, sizeof *regions);
    if (!regions)
        return 1;

    void *m = mmap(NULL, mmap_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("memhog: mmap");
        return 1;
    }
    if (madvise(m, mmap_pages * PAGE, MADV_MERGEABLE) != 0) {
        perror("memhog: madvise");
        return 1;
    }
    regions[0] = (struct region){m, mmap_pages, 0};
    for (size_t b = 0; b < nblocks; b++) {
        /* One extra page so the block can be aligned to a page boundary. */
        char *raw = malloc(BLOCK + PAGE);
        if (!raw) {
            fprintf(stderr, "memhog: malloc failed after %zu blocks\n", b);
            return 1;
        }
        uintptr_t aligned = ((uintptr_t)raw + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
        regions[1 + b] = (struct region){(uint64_t *)aligned, PAGES_PER_BLOCK,
                                         mmap_pages + b * PAGES_PER_BLOCK};
    }

    /* Touch every page: a fresh anonymous page must read as zeros first. */
    int zero_ok = 1;
    for (size_t i = 0; i < mmap_pages; i += 97)
        zero_ok = zero_ok && regions[0].mem[i * WORDS_PER_PAGE + 5] == 0;
    size_t touched = 0;
    for (size_t r = 0; r < nregions; r++) {
        fill_run(&regions[r], regions[r].pages, salt);
        touched += regions[r].pages;
    }
    printf("touched %zu pages (%zu MiB), fresh mmap pages read as zero: %s\n", touched,
           touched * PAGE / (1024 * 1024), zero_ok ? "yes" : "no");

    uint64_t checksum = 0xCBF29CE484222325ull;
    size_t bad = 0;
    for (size_t r = 0; r < nregions; r++)
        bad += verify_run(&regions[r], regions[r].pages, salt, &checksum);
    printf("verified %zu pages: %zu bad, checksum=%016llx\n", touched, bad,
           (unsigned long long)checksum);

    /* Copy-on-write: the child checks and rewrites the start of the mmap region. */
    size_t fork_pages = FORK_CHECK_BYTES / PAGE < mmap_pages ? FORK_CHECK_BYTES / PAGE : mmap_pages;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("memhog: fork");
        return 1;
    }
    if (pid == 0) {
        uint64_t c = 0;
        if (verify_run(&regions[0], fork_pages, salt, &c) != 0)
            _exit(10);
        fill_run(&regions[0], fork_pages, ~salt);
        if (verify_run(&regions[0], fork_pages, ~salt, &c) != 0)
            _exit(11);
        /* The heap is copied too: check the last malloc block. */
        if (nblocks > 0 && verify_run(&regions[nregions - 1], PAGES_PER_BLOCK, salt, &c) != 0)
            _exit(12);
        _exit(0);
    }
    int st;
    int child_ok = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("fork: child verified %zu KiB, overwrote it and re-verified: %s\n", fork_pages * PAGE / 1024,
           child_ok ? "ok" : "FAILED");
    uint64_t after = 0xCBF29CE484222325ull;
    size_t bad_after = 0;
    for (size_t r = 0; r < nregions; r++)
        bad_after += verify_run(&regions[r], regions[r].pages, salt, &after);
    int intact = bad_after == 0 && after == checksum;
    printf("parent memory intact after the child's writes: %s\n", intact ? "yes" : "no");

    munmap(m, mmap_pages * PAGE);
    if (bad != 0 || !zero_ok || !child_ok || !intact) {
        puts("memhog: FAILED");
        return 1;
    }
    printf("memhog: ok, %lu MiB touched, checksum=%016llx\n", mb, (unsigned long long)checksum);
    return 0;
}
