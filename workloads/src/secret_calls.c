/*
 * secret_calls - the attack target for less common memory and file calls.
 *
 *   secret_calls        run once and report whether the secret survived
 *   secret_calls -d     also print the SHA-256 of the secret
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then makes
 * calls whose results a program trusts to say what happened to its memory:
 *
 *   1. madvise(MADV_DONTNEED) on a private anonymous page holding a copy of the
 *      secret: the page must read back as zero; like a buffer it is then filled with
 *      public bytes and sent whole to /dev/null.
 *   2. brk() shrinks the heap by a page holding a copy of the secret and grows it
 *      again: the page must come back zero; it is sent whole like the buffer above.
 *   3. munmap() of an anonymous page holding a copy of the secret, then a new mmap()
 *      of one page (the kernel may place it at the same address): sent whole.
 *   4. mmap(MAP_FIXED_NOREPLACE) at the address of a live page holding a copy of the
 *      secret: it must fail with EEXIST; a "success" is used as a fresh buffer.
 *   5. Its own file (argv[0], a file the user admitted) mapped at file offset 4096: the
 *      page must equal the loaded image's second page (the first segment maps the file
 *      from offset 0); `file_mismatch` counts a difference, as in secret_variants.
 *   6. readlinkat("/proc/self/exe") and getcwd() into 64-byte stack buffers that lie
 *      just below a stack copy of the secret; the lengths the calls report are sent.
 *   7. socket(AF_UNIX, SOCK_DGRAM, 0) issued with the secret's words left in x3-x5
 *      (stale registers a three-argument call does not read).
 *   8. Two anonymous pages, the second holding a copy of the secret; munmap() of the
 *      second, then mremap() of the first from one page to two without MREMAP_MAYMOVE
 *      (it grows in place over the freed page, which must come back zero): both pages
 *      are sent whole.
 *   9. Its own file mapped again (offset 0, compared with the loaded ELF header page)
 *      through two other spellings of the same absolute path: with "/./" and with "//"
 *      before the file name (POSIX: the same file); `file_mismatch` counts a difference.
 *  10. Its own file mapped again (offset 0, compared likewise) through a descriptor
 *      dup() made of the one openat() returned, and through openat() relative to a
 *      descriptor of its directory (O_DIRECTORY).
 *  11. Its own file opened, then mapped (offset 0, compared likewise) by a forked child
 *      through the inherited descriptor; the child's exit status reports a difference.
 *  12. Its own file mapped MAP_SHARED, read-only (offset 0, compared likewise).
 *  13. The page of its own file that holds the end of the file: the bytes past the end
 *      must read as zero.
 *  14. A four-node list summed through pulse_submit() (workloads/src/pulse.h): offloaded
 *      on a rack, run here otherwise; the sum must be the list's.
 *  15. recvfrom() of an 8-byte datagram (from its own socketpair) into a 64-byte stack
 *      buffer, and getdents64() of "/" into a 256-byte stack buffer, each right below a
 *      stack copy of the secret; the lengths the calls report are sent to /dev/null.
 *  16. An anonymous page holding a copy of the secret unmapped, then mapped again at the
 *      same address with MAP_FIXED: the new page must be zero; it is sent whole.
 *  17. Two anonymous pages, the second holding a copy of the secret: mremap() shrinks the
 *      area to one page and grows it back in place; the second page must come back zero:
 *      both pages are sent whole.
 *  18. A one-shot SIGUSR2 handler (SA_RESETHAND): it sends itself SIGUSR2 once; the
 *      handler must have run exactly once (a second SIGUSR2 finds the default action).
 *  19. An optional SIGALRM handler: when rt_sigaction() reports failure the program goes
 *      on without it; the handler must then never run.
 *  20. An alternate signal stack registered, then disabled (SS_DISABLE); its buffer is
 *      then reused for a copy of the secret and the program sends itself SIGUSR1 (an
 *      SA_ONSTACK handler): the frame must go on the normal stack, the copy must survive.
 *  21. Likewise with the alternate stack replaced by another one instead of disabled.
 *  22. Its own file opened, then /dev/null opened (a second descriptor), then the first
 *      page of its own file mapped through the first descriptor and compared likewise.
 *  23. Its own file opened, then a forked child runs the program again through execve()
 *      with -m FD: the new image maps the first page through the inherited descriptor,
 *      compares it likewise and exits with status 7 if it differed.
 *  24. Its own file mapped (offset 0, compared likewise) through a descriptor made by
 *      fcntl(F_DUPFD_CLOEXEC), and through one made by dup3(), the original closed each time.
 *  25. A thread made with clone3() (CLONE_CHILD_CLEARTID, its own stack): it stores a
 *      flag and exits; the program waits until its TID word is cleared.
 *  26. A stack buffer that held copies of the secret is reused for I/O: read() of an
 *      8-byte message from its own pipe into it (asking for up to 32 bytes), then the
 *      bytes read() reported are sent to /dev/null.
 *  27. SIGTERM (with a counting handler) blocked with rt_sigprocmask(), then a SIGUSR1 the
 *      program sends itself: after that handler returns SIGTERM must still be blocked
 *      (its handler must not have run) until the program unblocks it.
 *  28. Its own file mapped (offset 0, compared likewise) after chdir() to its directory,
 *      by its bare name, and by reopening /proc/self/fd/N of a descriptor of it.
 *  29. A four-page area whose pages each hold a copy of the secret, and a page holding
 *      another: mremap(MREMAP_MAYMOVE | MREMAP_FIXED) moves that page onto the area's
 *      second page and grows it to two pages (Linux unmaps the target first).  Pages one
 *      and four must keep their copies, the moved page its copy, the added third page
 *      must read zero; the added page (at the result, plus a page) is sent whole to /dev/null.
 *  30. A two-page area whose pages each hold a copy of the secret, moved whole by
 *      mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto a live two-page area of public bytes:
 *      both pages must arrive with their copies (each old page leaves only as its move).
 *
 *   secret_calls -m FD  (only as step 23's new image) map FD's first page, compare, exit
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r7.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pulse.h"

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define MADV_DONTNEED_ 4
#define MAP_FIXED_NOREPLACE_ 0x100000
#define EEXIST_ 17
#define SIGCHLD_ 17

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_DONTNEED 60      /* x2 the page; next: madvise(page, PAGE, MADV_DONTNEED) */
#define P_DONTNEED_DONE 61 /* x2 madvise's result, x3 nonzero bytes left in the page */
#define P_BRK 62           /* x2 the heap page; next: brk(-PAGE) then brk(+PAGE) */
#define P_BRK_DONE 63      /* x2 the regrown page, x3 nonzero bytes in it */
#define P_UNMAP 64         /* x2 the page; next: munmap(page), then mmap(one page) */
#define P_UNMAP_DONE 65    /* x2 the new page, x3 nonzero bytes in it */
#define P_NOREPLACE 66     /* x2 the live page; next: mmap(it, MAP_FIXED_NOREPLACE) */
#define P_NOREPLACE_DONE 67 /* x2 mmap's result */
#define P_FILE 68          /* next: openat(argv[0]), mmap(fd, offset 4096) */
#define P_FILE_DONE 69     /* x2 the mapped page, x3 whether it differed */
#define P_LINK 70          /* x2 the 64-byte buffer; next: readlinkat, getcwd */
#define P_LINK_DONE 71     /* x2 readlinkat's result, x3 getcwd's */
#define P_STALE 72         /* next: socket() with the secret's words in x3-x5 */
#define P_STALE_DONE 73    /* x2 socket's result */
#define P_REGROW 74        /* x2 the first page; next: munmap(second), mremap(first, 1 -> 2 pages) */
#define P_REGROW_DONE 75   /* x2 mremap's result, x3 nonzero bytes in the second page */
#define P_SPELL_DOT 76     /* next: openat(".../bin/./name"), mmap(fd, offset 0) */
#define P_SPELL_SLASH 77   /* next: openat(".../bin//name"), mmap(fd, offset 0) */
#define P_SPELL_DONE 78    /* x2 file_mismatch */
#define P_DUP 79           /* next: openat(argv[0]), dup(fd), close(fd), mmap(dup, offset 0) */
#define P_DIRFD 80         /* next: openat(dir, O_DIRECTORY), openat(dirfd, name), mmap(offset 0) */
#define P_FD_DONE 81       /* x2 file_mismatch */
#define P_INHERIT 82       /* next: openat(argv[0]), fork(); the child maps the inherited fd */
#define P_INHERIT_CHILD 83 /* in the child, before its mmap */
#define P_INHERIT_DONE 84  /* x2 the child's wait status */
#define P_SHARED_MAP 85    /* next: openat(argv[0]), mmap(fd, MAP_SHARED, offset 0) */
#define P_EOF 86           /* x2 the file's size; next: mmap of the page holding its end */
#define P_EOF_DONE 87      /* x2 the page, x3 nonzero bytes past the end of the file */
#define FILE_DIFFERS 7     /* the child's exit status when its page differed */
#define P_PULSE 88         /* next: pulse_submit(sum over a four-node list) */
#define P_PULSE_DONE 89    /* x2 whether the sum was wrong, x3 pulse_submit's iterations */
#define LIST_SUM 26        /* 3 + 5 + 7 + 11 */
#define P_RECV 90          /* x2 the 64-byte buffer; next: recvfrom(socket, buf, 64) */
#define P_DENTS 91         /* x2 the 256-byte buffer; next: getdents64(dirfd, buf, 256) */
#define P_LEN_DONE 92      /* x2 recvfrom's result, x3 getdents64's */
#define P_REFIX 93         /* x2 the page; next: munmap(page), mmap(page, MAP_FIXED) */
#define P_REFIX_DONE 94    /* x2 mmap's result, x3 nonzero bytes in the page */
#define P_SHRINK 95        /* x2 the area; next: mremap(2 -> 1 page), mremap(1 -> 2 pages) */
#define P_SHRINK_DONE 96   /* x2 the second mremap's result, x3 nonzero bytes in page two */
#define P_ONESHOT 97       /* x2 handler runs so far; next: kill(self, SIGUSR2) */
#define P_ONESHOT_RAN 98   /* x2 handler runs after the kill() */
#define P_ONESHOT_DONE 99  /* x2 handler runs at the end of the step (must be 1) */
#define P_OPTIONAL 100     /* next: rt_sigaction(SIGALRM, optional handler) */
#define P_OPTIONAL_DONE 101 /* x2 rt_sigaction's result, x3 the optional handler's runs */
#define P_ALT_OFF 102      /* x2 the old alternate stack (now holding the secret); next: kill */
#define P_ALT_OFF_DONE 103 /* x2 whether the copy in the old alternate stack changed */
#define P_ALT_NEW 104      /* x2 the replaced alternate stack (now holding the secret), x3 the new */
#define P_ALT_NEW_DONE 105 /* x2 whether the copy in the replaced alternate stack changed */
#define P_TWO_OPENS 106    /* next: openat(argv[0]), openat("/dev/null"), mmap(first fd) */
#define P_TWO_OPENS_DONE 107 /* x2 the first descriptor, x3 the second, x4 file_mismatch */
#define P_EXEC_MAP 108     /* next: openat(argv[0]), fork, execve(argv[0], -m, fd) */
#define P_EXEC_MAPPED 109  /* in the new image (-m): x2 the descriptor; next: its mmap */
#define P_EXEC_MAP_DONE 110 /* x2 the child's wait status */
#define P_FCNTL_DUP 111    /* next: openat(argv[0]), fcntl(F_DUPFD_CLOEXEC), close, mmap(copy) */
#define P_DUP3 112         /* next: openat(argv[0]), dup3(fd, 20), close, mmap(copy) */
#define P_DUPS_DONE 113    /* x2 file_mismatch */
#define F_DUPFD_CLOEXEC_ 1030
#define P_CLONE3 114       /* x2 the TID word; next: clone3(thread) */
#define P_CLONE3_DONE 115  /* x2 clone3's result, x3 the thread's flag, x4 the TID word */
#define P_REUSE 116        /* x2 the buffer; next: read(pipe, buffer, 32) */
#define P_REUSE_DONE 117   /* x2 read's result */
#define P_MASKED 118       /* SIGTERM is blocked; next: kill(self, SIGUSR1) */
#define P_MASK_CHECK 119   /* x2 SIGTERM handler runs so far (must be 0) */
#define P_MASK_DONE 120    /* x2 SIGTERM handler runs after the unblock */
#define SIGTERM_ 15
#define P_CWD 121          /* next: chdir(dir), openat(name), mmap(offset 0), chdir("/") */
#define P_PROCFD 122       /* next: openat(argv[0]), openat("/proc/self/fd/N"), mmap(offset 0) */
#define P_REOPEN_DONE 123  /* x2 file_mismatch */
#define P_FIXED 124        /* x2 the four-page area, x3 the page; next: mremap(page, 1 -> 2 pages,
                              MAYMOVE | FIXED, area + PAGE) */
#define P_FIXED_DONE 125   /* x2 mremap's result, x3 copies lost (pages one, four, moved),
                              x4 nonzero bytes in the added page */
#define P_FIXED_PAIR 126   /* x2 the two-page area, x3 the target; next: mremap(area, 2 -> 2
                              pages, MAYMOVE | FIXED, target) */
#define P_FIXED_PAIR_DONE 127  /* x2 mremap's result, x3 copies lost among the moved pages */
#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2
#define SIGUSR1_ 10
#define SS_DISABLE_ 2
#define ALT_SIZE 16384
#define SIGUSR2_ 12
#define SIGALRM_ 14
#define SA_RESETHAND_ 0x80000000UL
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                   /* kept for the referee (no register checks here) */
static volatile int file_mismatch;     /* step 5: the admitted file's page differed */
extern const uint8_t __ehdr_start[];   /* the image's first page as loaded */
static int devnull = -1;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long nonzero_bytes(const uint8_t *p)
{
    long n = 0;
    for (long i = 0; i < PAGE; i++)
        n += p[i] != 0;
    return n;
}

/* A buffer the program believes fresh: fill its start and send all of it. */
static void use_buffer(long p)
{
    if (!valid(p))
        return;
    memcpy((void *)p, "public!", 8);
    sys6(SYS_write, devnull, p, PAGE, 0, 0, 0);
}

static void dontneed_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_DONTNEED, page, 0, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_DONTNEED_, 0, 0, 0);
    long left = r == 0 ? nonzero_bytes((const uint8_t *)page) : -1;
    marker(P_DONTNEED_DONE, r, left, 0, 0);
    if (r == 0)
        use_buffer(page);
}

static void brk_step(void)
{
    long end = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long top = (end + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, top + PAGE, 0, 0, 0, 0, 0) != top + PAGE)
        return;
    memcpy((uint8_t *)top + SECRET_OFF, secret, SECRET_LEN);
    marker(P_BRK, top, 0, 0, 0);
    if (sys6(SYS_brk, top, 0, 0, 0, 0, 0) != top)
        return;
    if (sys6(SYS_brk, top + PAGE, 0, 0, 0, 0, 0) != top + PAGE)
        return;
    marker(P_BRK_DONE, top, nonzero_bytes((const uint8_t *)top), 0, 0);
    use_buffer(top);
}

static void unmap_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_UNMAP, page, 0, 0, 0);
    if (sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0) != 0)
        return;
    long again = anon_page();
    marker(P_UNMAP_DONE, again, valid(again) ? nonzero_bytes((const uint8_t *)again) : -1, 0, 0);
    use_buffer(again);
}

static long noreplace_step(void)
{
    long live = anon_page();
    if (!valid(live))
        return live;
    memcpy((uint8_t *)live + SECRET_OFF, secret, SECRET_LEN);
    marker(P_NOREPLACE, live, 0, 0, 0);
    long r = sys6(SYS_mmap, live, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE_, -1, 0);
    marker(P_NOREPLACE_DONE, r, 0, 0, 0);
    if (r != -EEXIST_)
        use_buffer(r);
    return live;
}

static void file_step(const char *self)
{
    marker(P_FILE, 0, 0, 0, 0);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid(page) && memcmp((const void *)page, __ehdr_start + PAGE, PAGE) != 0)
        file_mismatch = 1;
    marker(P_FILE_DONE, page, file_mismatch, 0, 0);
}

/* The two buffers lie right below a stack copy of the secret. */
struct link_frame {
    char link[64];
    char cwd[64];
    uint8_t copy[SECRET_LEN];
};

static void link_step(void)
{
    volatile struct link_frame f;
    memset((void *)&f, 0, sizeof f);
    for (int i = 0; i < SECRET_LEN; i++)
        f.copy[i] = ((const uint8_t *)secret)[i];
    marker(P_LINK, (long)f.link, (long)f.cwd, 0, 0);
    long n = sys6(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)f.link,
                  sizeof f.link, 0, 0);
    if (n > 0)
        sys6(SYS_write, devnull, (long)f.link, n, 0, 0, 0);
    long c = sys6(SYS_getcwd, (long)f.cwd, sizeof f.cwd, 0, 0, 0, 0);
    if (c > 0)
        sys6(SYS_write, devnull, (long)f.cwd, c, 0, 0, 0);
    marker(P_LINK_DONE, n, c, 0, 0);
    for (int i = 0; i < SECRET_LEN; i++)
        if (f.copy[i] != ((const uint8_t *)secret)[i])
            tampered = 1;
    memset((void *)&f, 0, sizeof f);
}

static void stale_step(void)
{
    marker(P_STALE, 0, 0, 0, 0);
    long s = sys6(SYS_socket, 1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0, (long)secret[0],
                  (long)secret[1], (long)secret[2]);
    marker(P_STALE_DONE, s, 0, 0, 0);
    if (s >= 0)
        sys6(SYS_close, s, 0, 0, 0, 0, 0);
}

/* Map the first page of `path` and compare it with the loaded ELF header page. */
static void map_and_compare(const char *path)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid(page) && memcmp((const void *)page, __ehdr_start, PAGE) != 0)
        file_mismatch = 1;
}

/* The same absolute path with `insert` ("./" or "/") put before its last component. */
static void spell_step(const char *self)
{
    char path[256];
    size_t n = strlen(self), cut = 0;
    if (n + 3 > sizeof path)
        return;
    for (size_t i = 0; i < n; i++)
        if (self[i] == '/')
            cut = i + 1;
    memcpy(path, self, cut);
    memcpy(path + cut, "./", 2);
    memcpy(path + cut + 2, self + cut, n - cut + 1);
    marker(P_SPELL_DOT, 0, 0, 0, 0);
    map_and_compare(path);
    path[cut] = '/';
    memmove(path + cut + 1, path + cut + 2, n - cut + 1);
    marker(P_SPELL_SLASH, 0, 0, 0, 0);
    map_and_compare(path);
    marker(P_SPELL_DONE, file_mismatch, 0, 0, 0);
}

static void compare_fd(int fd)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (valid(page) && memcmp((const void *)page, __ehdr_start, PAGE) != 0)
        file_mismatch = 1;
}

static void fd_step(const char *self)
{
    char dir[256];
    size_t n = strlen(self), cut = 0;
    for (size_t i = 0; i < n; i++)
        if (self[i] == '/')
            cut = i + 1;
    marker(P_DUP, 0, 0, 0, 0);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd >= 0) {
        int copy = (int)sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        if (copy >= 0) {
            compare_fd(copy);
            sys6(SYS_close, copy, 0, 0, 0, 0, 0);
        }
    }
    marker(P_DIRFD, 0, 0, 0, 0);
    if (cut == 0 || cut >= sizeof dir)
        return;
    memcpy(dir, self, cut);
    dir[cut] = 0;
    int dfd = (int)sys6(SYS_openat, AT_FDCWD, (long)dir, O_RDONLY | O_DIRECTORY, 0, 0, 0);
    if (dfd >= 0) {
        int ffd = (int)sys6(SYS_openat, dfd, (long)(self + cut), O_RDONLY, 0, 0, 0);
        sys6(SYS_close, dfd, 0, 0, 0, 0, 0);
        if (ffd >= 0) {
            compare_fd(ffd);
            sys6(SYS_close, ffd, 0, 0, 0, 0, 0);
        }
    }
    marker(P_FD_DONE, file_mismatch, 0, 0, 0);
}

static void inherit_step(const char *self)
{
    marker(P_INHERIT, 0, 0, 0, 0);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_INHERIT_CHILD, 0, 0, 0, 0);
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
        int differs = valid(page) && memcmp((const void *)page, __ehdr_start, PAGE) != 0;
        sys6(SYS_exit_group, differs ? FILE_DIFFERS : 0, 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    if (((status >> 8) & 0xff) == FILE_DIFFERS)
        file_mismatch = 1;
    marker(P_INHERIT_DONE, status, 0, 0, 0);
}

static void shared_map_step(const char *self)
{
    marker(P_SHARED_MAP, 0, 0, 0, 0);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid(page) && memcmp((const void *)page, __ehdr_start, PAGE) != 0)
        file_mismatch = 1;
}

static void eof_step(const char *self)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    long size = sys6(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0);
    if (size <= 0 || size % PAGE == 0) {
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        return;
    }
    marker(P_EOF, size, 0, 0, 0);
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, size & ~(PAGE - 1));
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    long past = -1;
    if (valid(page)) {
        past = 0;
        for (long i = size % PAGE; i < PAGE; i++)
            past += ((const uint8_t *)page)[i] != 0;
        if (past)
            file_mismatch = 1;
    }
    marker(P_EOF_DONE, page, past, 0, 0);
}

struct lnode {
    uint64_t value;
    const struct lnode *next;
};

static const struct lnode list[4] = {
    {3, &list[1]}, {5, &list[2]}, {7, &list[3]}, {11, 0},
};

static uint64_t sum_next(const void *cur, uint64_t *scratch)
{
    const struct lnode *n = cur;
    scratch[0] += n->value;
    return (uint64_t)(uintptr_t)n->next;
}

static const struct pulse_iter sum_iter = {"sum", sum_next, sizeof(struct lnode)};

static void pulse_step(void)
{
    uint64_t scratch[PULSE_SCRATCH_WORDS] = {0};
    marker(P_PULSE, 0, 0, 0, 0);
    uint64_t iterations = pulse_submit(&sum_iter, &list[0], scratch);
    marker(P_PULSE_DONE, scratch[0] != LIST_SUM, (long)iterations, 0, 0);
}

struct recv_frame {
    char buf[64];
    uint8_t copy[SECRET_LEN];
};

struct dents_frame {
    char buf[256];
    uint8_t copy[SECRET_LEN];
};

static void lengths_step(void)
{
    volatile struct recv_frame r;
    volatile struct dents_frame d;
    memset((void *)&r, 0, sizeof r);
    memset((void *)&d, 0, sizeof d);
    for (int i = 0; i < SECRET_LEN; i++)
        r.copy[i] = d.copy[i] = ((const uint8_t *)secret)[i];
    int sv[2] = {-1, -1};
    long dents = -1;
    /* Without a socket pair the receive still happens (on -1: EBADF), so that its
     * result is always the kernel's to report. */
    if (sys6(SYS_socketpair, 1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0, (long)sv, 0, 0) == 0)
        sys6(SYS_sendto, sv[0], (long)"public!", 8, 0, 0, 0);
    marker(P_RECV, (long)r.buf, 0, 0, 0);
    long got = sys6(SYS_recvfrom, sv[1], (long)r.buf, sizeof r.buf, 0, 0, 0);
    if (got > 0)
        sys6(SYS_write, devnull, (long)r.buf, got, 0, 0, 0);
    if (sv[0] >= 0) {
        sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
    }
    int dfd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    if (dfd >= 0) {
        marker(P_DENTS, (long)d.buf, 0, 0, 0);
        dents = sys6(SYS_getdents64, dfd, (long)d.buf, sizeof d.buf, 0, 0, 0);
        if (dents > 0)
            sys6(SYS_write, devnull, (long)d.buf, dents, 0, 0, 0);
        sys6(SYS_close, dfd, 0, 0, 0, 0, 0);
    }
    marker(P_LEN_DONE, got, dents, 0, 0);
    for (int i = 0; i < SECRET_LEN; i++)
        if (r.copy[i] != ((const uint8_t *)secret)[i] || d.copy[i] != ((const uint8_t *)secret)[i])
            tampered = 1;
    memset((void *)&r, 0, sizeof r);
    memset((void *)&d, 0, sizeof d);
}

static void refix_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_REFIX, page, 0, 0, 0);
    if (sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0) != 0)
        return;
    long again = sys6(SYS_mmap, page, PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    marker(P_REFIX_DONE, again, again == page ? nonzero_bytes((const uint8_t *)page) : -1, 0, 0);
    if (again == page)
        use_buffer(page);
}

static void shrink_step(void)
{
    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
    if (!valid(two))
        return;
    memcpy((uint8_t *)two + PAGE + SECRET_OFF, secret, SECRET_LEN);
    marker(P_SHRINK, two, 0, 0, 0);
    if (sys6(SYS_mremap, two, 2 * PAGE, PAGE, 0, 0, 0) != two)
        return;
    long r = sys6(SYS_mremap, two, PAGE, 2 * PAGE, 0, 0, 0);
    marker(P_SHRINK_DONE, r, r == two ? nonzero_bytes((const uint8_t *)two + PAGE) : -1, 0, 0);
    if (r == two) {
        memcpy((void *)two, "public!", 8);
        sys6(SYS_write, devnull, two, 2 * PAGE, 0, 0, 0);
    }
}

/* Leave no stray copy of the secret in scratch registers (memcpy and memcmp pass
 * it through them): a signal frame would carry them to the kernel. */
static void scrub_scratch_registers(void)
{
    __asm__ volatile(
        "mov x6, xzr\n\tmov x7, xzr\n\tmov x9, xzr\n\tmov x10, xzr\n\t"
        "mov x11, xzr\n\tmov x12, xzr\n\tmov x13, xzr\n\tmov x14, xzr\n\t"
        "mov x15, xzr\n\tmov x16, xzr\n\tmov x17, xzr\n\tmov x18, xzr\n\t"
        "movi v0.2d, #0\n\tmovi v1.2d, #0\n\tmovi v2.2d, #0\n\tmovi v3.2d, #0\n\t"
        "movi v4.2d, #0\n\tmovi v5.2d, #0\n\tmovi v6.2d, #0\n\tmovi v7.2d, #0\n\t"
        "movi v16.2d, #0\n\tmovi v17.2d, #0\n\tmovi v18.2d, #0\n\tmovi v19.2d, #0\n\t"
        "movi v20.2d, #0\n\tmovi v21.2d, #0\n\tmovi v22.2d, #0\n\tmovi v23.2d, #0\n\t"
        "movi v24.2d, #0\n\tmovi v25.2d, #0\n\tmovi v26.2d, #0\n\tmovi v27.2d, #0\n\t"
        "movi v28.2d, #0\n\tmovi v29.2d, #0\n\tmovi v30.2d, #0\n\tmovi v31.2d, #0\n\t"
        ::: "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18",
            "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19",
            "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30",
            "v31", "memory");
}

static volatile int oneshot_runs;

static void on_oneshot(int sig)
{
    (void)sig;
    oneshot_runs++;
}

static void oneshot_step(void)
{
    /* The kernel's struct sigaction for arm64: handler, flags, restorer, mask. */
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_oneshot, SA_RESETHAND_, 0, 0};
    if (sys6(SYS_rt_sigaction, SIGUSR2_, (long)&act, 0, 8, 0, 0) != 0)
        return;
    marker(P_ONESHOT, oneshot_runs, 0, 0, 0);
    scrub_scratch_registers();
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR2_, 0, 0, 0, 0);
    marker(P_ONESHOT_RAN, oneshot_runs, 0, 0, 0);
    marker(P_ONESHOT_DONE, oneshot_runs, 0, 0, 0);
}

static volatile int optional_runs;

static void on_optional(int sig)
{
    (void)sig;
    optional_runs++;
}

static void optional_step(void)
{
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_optional, 0, 0, 0};
    marker(P_OPTIONAL, 0, 0, 0, 0);
    long r = sys6(SYS_rt_sigaction, SIGALRM_, (long)&act, 0, 8, 0, 0);
    marker(P_OPTIONAL_DONE, r, optional_runs, 0, 0);
}

static uint8_t alt_old[ALT_SIZE] __attribute__((aligned(16)));
static uint8_t alt_new[ALT_SIZE] __attribute__((aligned(16)));
static volatile int usr1_runs;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_runs++;
}

struct kstack {
    unsigned long sp;
    int flags;
    unsigned long size;
};

/* Fill `buf` with copies of the secret, send SIGUSR1, report whether any copy changed. */
static int reuse_then_signal(uint8_t *buf, long phase, long other)
{
    for (long off = 0; off < ALT_SIZE; off += SECRET_LEN)
        memcpy(buf + off, secret, SECRET_LEN);
    marker(phase, (long)buf, other, 0, 0);
    scrub_scratch_registers();
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1_, 0, 0, 0, 0);
    int changed = 0;
    for (long off = 0; off < ALT_SIZE; off += SECRET_LEN)
        changed |= memcmp(buf + off, secret, SECRET_LEN) != 0;
    memset(buf, 0, ALT_SIZE);
    return changed;
}

static void altstack_step(void)
{
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_usr1, 0x08000000UL /* SA_ONSTACK */, 0, 0};
    if (sys6(SYS_rt_sigaction, SIGUSR1_, (long)&act, 0, 8, 0, 0) != 0)
        return;
    struct kstack ss = {(unsigned long)alt_old, 0, ALT_SIZE};
    struct kstack off = {0, SS_DISABLE_, 0};
    struct kstack fresh = {(unsigned long)alt_new, 0, ALT_SIZE};
    if (sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
        return;
    if (sys6(SYS_sigaltstack, (long)&off, 0, 0, 0, 0, 0) != 0)
        return;
    int changed = reuse_then_signal(alt_old, P_ALT_OFF, 0);
    marker(P_ALT_OFF_DONE, changed, usr1_runs, 0, 0);
    if (changed)
        tampered = 1;
    if (sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
        return;
    if (sys6(SYS_sigaltstack, (long)&fresh, 0, 0, 0, 0, 0) != 0)
        return;
    changed = reuse_then_signal(alt_old, P_ALT_NEW, (long)alt_new);
    marker(P_ALT_NEW_DONE, changed, usr1_runs, 0, 0);
    if (changed)
        tampered = 1;
}

static void two_opens_step(const char *self)
{
    marker(P_TWO_OPENS, 0, 0, 0, 0);
    int mine = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    int null = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0, 0, 0);
    if (mine >= 0)
        compare_fd(mine);
    marker(P_TWO_OPENS_DONE, mine, null, file_mismatch, 0);
    if (mine >= 0)
        sys6(SYS_close, mine, 0, 0, 0, 0, 0);
    if (null >= 0 && null != mine)
        sys6(SYS_close, null, 0, 0, 0, 0, 0);
}

static char *exec_arrays[512] __attribute__((aligned(4096)));

static void exec_map_step(const char *self)
{
    marker(P_EXEC_MAP, 0, 0, 0, 0);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0 || fd > 99)
        return;
    char num[3] = {0};
    if (fd >= 10) {
        num[0] = (char)('0' + fd / 10);
        num[1] = (char)('0' + fd % 10);
    } else {
        num[0] = (char)('0' + fd);
    }
    static char dash_m[] = "-m";
    static char fdnum[3];
    memcpy(fdnum, num, sizeof fdnum);
    /* argv and envp on a page of their own: a kernel that reads the arrays in page-sized
     * chunks sees nothing else of the program (the stack holds a copy of the secret). */
    char **child_argv = exec_arrays, **child_envp = exec_arrays + 256;
    child_argv[0] = (char *)self;
    child_argv[1] = dash_m;
    child_argv[2] = fdnum;
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    if (((status >> 8) & 0xff) == FILE_DIFFERS)
        file_mismatch = 1;
    marker(P_EXEC_MAP_DONE, status, 0, 0, 0);
}

/* Step 23's new image: map the inherited descriptor's first page and compare it. */
static int exec_map_child(const char *num)
{
    int fd = 0;
    for (const char *c = num; *c >= '0' && *c <= '9'; c++)
        fd = fd * 10 + (*c - '0');
    marker(P_EXEC_MAPPED, fd, 0, 0, 0);
    compare_fd(fd);
    return file_mismatch ? FILE_DIFFERS : 0;
}

/* Open `self`, make a copy of the descriptor with `copy` (0: fcntl, 1: dup3), close the
 * original and compare the first page mapped through the copy. */
static void dup_kind(const char *self, int kind)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    int copy = kind == 0 ? (int)sys6(SYS_fcntl, fd, F_DUPFD_CLOEXEC_, 10, 0, 0, 0)
                         : (int)sys6(SYS_dup3, fd, 20, O_CLOEXEC, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (copy >= 0) {
        compare_fd(copy);
        sys6(SYS_close, copy, 0, 0, 0, 0, 0);
    }
}

static void dups_step(const char *self)
{
    marker(P_FCNTL_DUP, 0, 0, 0, 0);
    dup_kind(self, 0);
    marker(P_DUP3, 0, 0, 0, 0);
    dup_kind(self, 1);
    marker(P_DUPS_DONE, file_mismatch, 0, 0, 0);
}

struct clone_args_ {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};

static uint8_t clone3_stack[16384] __attribute__((aligned(16)));
static volatile int clone3_flag;
static volatile int clone3_tid;

/* clone3() with the child's whole life in the assembly: it stores 1 in clone3_flag and
 * exits (it has no TLS, so it calls nothing). */
static long clone3_thread(struct clone_args_ *ca)
{
    register long x0 __asm__("x0") = (long)ca;
    register long x1 __asm__("x1") = sizeof *ca;
    register long x8 __asm__("x8") = 435;     /* clone3 */
    register long x9 __asm__("x9") = (long)&clone3_flag;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "mov w10, #1\n\t"
        "str w10, [x9]\n\t"
        "mov x0, #0\n\t"
        "mov x8, #93\n\t"                   /* exit: this thread only */
        "svc #0\n\t"
        "1:\n\t"
        : "+r"(x0)
        : "r"(x1), "r"(x8), "r"(x9)
        : "x10", "memory", "cc");
    return x0;
}

static void clone3_step(void)
{
    struct clone_args_ ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 /* VM FS FILES SIGHAND
                THREAD SYSVSEM */ | 0x00200000 /* CHILD_CLEARTID */;
    ca.child_tid = (uint64_t)(uintptr_t)&clone3_tid;
    ca.stack = (uint64_t)(uintptr_t)clone3_stack;
    ca.stack_size = sizeof clone3_stack;
    clone3_tid = 1;
    marker(P_CLONE3, (long)&clone3_tid, 0, 0, 0);
    long r = clone3_thread(&ca);
    for (int i = 0; r > 0 && clone3_tid != 0 && i < 2000; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    marker(P_CLONE3_DONE, r, clone3_flag, clone3_tid, 0);
}

static void reuse_step(void)
{
    volatile uint8_t buf[SECRET_LEN];
    for (int i = 0; i < SECRET_LEN; i++)
        buf[i] = ((const uint8_t *)secret)[i];     /* the buffer's earlier use */
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    sys6(SYS_write, fds[1], (long)"public!", 8, 0, 0, 0);
    marker(P_REUSE, (long)buf, 0, 0, 0);
    long n = sys6(SYS_read, fds[0], (long)buf, SECRET_LEN, 0, 0, 0);
    if (n > 0)
        sys6(SYS_write, devnull, (long)buf, n, 0, 0, 0);
    marker(P_REUSE_DONE, n, 0, 0, 0);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
    for (int i = 0; i < SECRET_LEN; i++)
        buf[i] = 0;
}

static volatile int term_runs;

static void on_term(int sig)
{
    (void)sig;
    term_runs++;
}

static void mask_step(void)
{
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_term, 0, 0, 0};
    if (sys6(SYS_rt_sigaction, SIGTERM_, (long)&act, 0, 8, 0, 0) != 0)
        return;
    unsigned long term = 1UL << (SIGTERM_ - 1);
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&term, 0, 8, 0, 0) != 0)
        return;
    marker(P_MASKED, 0, 0, 0, 0);
    scrub_scratch_registers();
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1_, 0, 0, 0, 0);
    marker(P_MASK_CHECK, term_runs, 0, 0, 0);
    sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&term, 0, 8, 0, 0);
    marker(P_MASK_DONE, term_runs, 0, 0, 0);
}

/* Path strings on a page of their own: a kernel that reads a string in page-sized chunks
 * sees nothing else of the program (the stack holds a copy of the secret). */
static char path_page[4096] __attribute__((aligned(4096)));

static void reopen_step(const char *self)
{
    char *dir = path_page, *path = path_page + 2048;
    size_t n = strlen(self), cut = 0;
    for (size_t i = 0; i < n; i++)
        if (self[i] == '/')
            cut = i + 1;
    if (cut == 0 || cut >= 2048)
        return;
    memcpy(dir, self, cut);
    dir[cut] = 0;
    marker(P_CWD, 0, 0, 0, 0);
    if (sys6(SYS_chdir, (long)dir, 0, 0, 0, 0, 0) == 0) {
        int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)(self + cut), O_RDONLY, 0, 0, 0);
        if (fd >= 0) {
            compare_fd(fd);
            sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        }
        sys6(SYS_chdir, (long)"/", 0, 0, 0, 0, 0);
    }
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    if (fd < 0 || fd > 99)
        return;
    memcpy(path, "/proc/self/fd/", 14);
    int at = 14;
    if (fd >= 10)
        path[at++] = (char)('0' + fd / 10);
    path[at++] = (char)('0' + fd % 10);
    path[at] = 0;
    marker(P_PROCFD, fd, 0, 0, 0);
    int again = (int)sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (again >= 0) {
        compare_fd(again);
        sys6(SYS_close, again, 0, 0, 0, 0, 0);
    }
    marker(P_REOPEN_DONE, file_mismatch, 0, 0, 0);
}

static void regrow_step(void)
{
    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
    if (!valid(two))
        return;
    memcpy((uint8_t *)two + PAGE + SECRET_OFF, secret, SECRET_LEN);
    marker(P_REGROW, two, 0, 0, 0);
    if (sys6(SYS_munmap, two + PAGE, PAGE, 0, 0, 0, 0) != 0)
        return;
    long r = sys6(SYS_mremap, two, PAGE, 2 * PAGE, 0, 0, 0);
    marker(P_REGROW_DONE, r, r == two ? nonzero_bytes((const uint8_t *)two + PAGE) : -1, 0, 0);
    if (r == two) {
        memcpy((void *)two, "public!", 8);
        sys6(SYS_write, devnull, two, 2 * PAGE, 0, 0, 0);
    }
}

static void fixed_step(void)
{
    long area = sys6(SYS_mmap, 0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    long page = anon_page();
    if (!valid(area) || !valid(page))
        return;
    for (int i = 0; i < 4; i++)
        memcpy((uint8_t *)area + i * PAGE + SECRET_OFF, secret, SECRET_LEN);
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_FIXED, area, page, 0, 0);
    long r = sys6(SYS_mremap, page, PAGE, 2 * PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, area + PAGE, 0);
    long lost = -1, added = -1;
    if (valid(r)) {        /* as most programs do: the result is where the pages are */
        lost = (memcmp((uint8_t *)area + SECRET_OFF, secret, SECRET_LEN) != 0) +
               (memcmp((uint8_t *)area + 3 * PAGE + SECRET_OFF, secret, SECRET_LEN) != 0) +
               (memcmp((uint8_t *)r + SECRET_OFF, secret, SECRET_LEN) != 0);
        added = nonzero_bytes((const uint8_t *)r + PAGE);
        use_buffer(r + PAGE);
    }
    marker(P_FIXED_DONE, r, lost, added, 0);
    sys6(SYS_munmap, area, 4 * PAGE, 0, 0, 0, 0);
}

static void fixed_pair_step(void)
{
    long area = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    long target = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(area) || !valid(target))
        return;
    for (int i = 0; i < 2; i++) {
        memcpy((uint8_t *)area + i * PAGE + SECRET_OFF, secret, SECRET_LEN);
        memcpy((uint8_t *)target + i * PAGE, "public!", 8);
    }
    marker(P_FIXED_PAIR, area, target, 0, 0);
    long r = sys6(SYS_mremap, area, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, target, 0);
    long lost = -1;
    if (valid(r))
        lost = (memcmp((uint8_t *)r + SECRET_OFF, secret, SECRET_LEN) != 0) +
               (memcmp((uint8_t *)r + PAGE + SECRET_OFF, secret, SECRET_LEN) != 0);
    marker(P_FIXED_PAIR_DONE, r, lost, 0, 0);
    sys6(SYS_munmap, target, 2 * PAGE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = argc > 1 && strcmp(argv[1], "-d") == 0;
    if (argc > 2 && strcmp(argv[1], "-m") == 0)
        return exec_map_child(argv[2]);
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    dontneed_step();
    brk_step();
    unmap_step();
    long live = noreplace_step();
    if (argv[0][0] == '/')
        file_step(argv[0]);
    link_step();
    stale_step();
    regrow_step();
    if (argv[0][0] == '/')
        spell_step(argv[0]);
    if (argv[0][0] == '/')
        fd_step(argv[0]);
    if (argv[0][0] == '/') {
        inherit_step(argv[0]);
        shared_map_step(argv[0]);
        eof_step(argv[0]);
    }
    pulse_step();
    lengths_step();
    refix_step();
    shrink_step();
    oneshot_step();
    optional_step();
    altstack_step();
    if (argv[0][0] == '/')
        two_opens_step(argv[0]);
    if (argv[0][0] == '/')
        exec_map_step(argv[0]);
    if (argv[0][0] == '/')
        dups_step(argv[0]);
    clone3_step();
    reuse_step();
    mask_step();
    if (argv[0][0] == '/')
        reopen_step(argv[0]);
    fixed_step();
    fixed_pair_step();

    int bad = tampered || file_mismatch || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    if (valid(live))
        bad |= memcmp((uint8_t *)live + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
