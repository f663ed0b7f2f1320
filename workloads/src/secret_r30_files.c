/* The attack target for what a program believes about files it writes and maps itself:
 * memfds only it holds, their seals, holes, sizes, file offsets, the read and write
 * flavours that move their bytes, and a file-backed mapping of them.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux fixes (a call's
 * result, a word of its own file), turns it into a label's index, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3; a value Linux
 * could not give points the write into the secret's copy.  Every file is a memfd the step
 * makes (close-on-exec, never passed on), so only the program ever writes it.  In order:
 *
 *   1. F_SEAL_WRITE added, then pwrite(): Linux answers EPERM; a count says -4.
 *   2. The sealed memfd's word read back (pread): the 0 written before the seal.
 *   3. F_SEAL_SHRINK added to a 16-byte memfd, then ftruncate(8) and fstat(): EPERM, and
 *      the size stays 16; success or another size says -4.
 *   4. F_SEAL_GROW added to a 16-byte memfd, then pwrite() at offset 16: EPERM.
 *   5. F_SEAL_FUTURE_WRITE added, then write(): EPERM.
 *   6. F_ADD_SEALS on a memfd made without MFD_ALLOW_SEALING: EPERM (F_SEAL_SEAL).
 *   7. A hole punched (FALLOC_FL_PUNCH_HOLE) over two words that held -4: pread() of the
 *      first reads 0 (shmem_fallocate zeroes the range).
 *   8. The same memfd mapped MAP_PRIVATE: its second word reads 0 too.
 *   9. fallocate(mode 0) of 64 bytes on an 8-byte memfd, then lseek(SEEK_END): 64;
 *      (end - 64) / 14.
 *  10. lseek(SEEK_END) of a 24-byte memfd: 24; (end - 24) / 4.
 *  11. lseek(-8, SEEK_CUR) after a 24-byte write: 16; (pos - 16) / 4.
 *  12. lseek(0, SEEK_HOLE) of a memfd with page 0 written and grown to two pages: 4096
 *      (shmem finds page 1 absent); (hole - 4096) / 1024.
 *  13. read() of word 0 after lseek(0, SEEK_SET) of a memfd holding {2, -2}: word - 2.
 *  14. preadv2() at the file position (offset -1) of a memfd holding {1, -3}: word - 1.
 *  15. preadv() of offset 8 into two 4-byte iovecs of a memfd holding {9, 3, -1}: word - 3.
 *  16. pwritev() of a 0 over the word -4, then pread(): the 0.
 *  17. ftruncate() of a memfd holding {1, -4} to 8 then back to 16, pread() of the
 *      second word: 0 (the cut dropped it).
 *  18. ftruncate() of a one-page memfd to 16, then fstat(): 16; (16 - size) / 1024.
 *  19. pread() at the end of an 8-byte memfd: 0 bytes; a count says -4.
 *  20. A memfd holding the word 2 (pwrite), mapped MAP_SHARED: word - 2.
 *  21. copy_file_range() of a memfd holding 0 into one holding -4 (copied by hand when
 *      the call fails), then pread() of the target: the 0.
 *  22. sendfile() likewise.
 *  23. A two-page memfd holding -2 on page 0 and 2 on page 1, page 1 mapped MAP_SHARED
 *      (offset 4096): word - 2.
 *  24. A memfd holding the word 2, mapped MAP_PRIVATE: word - 2.
 *  25. An O_TMPFILE file holding the word 2, mapped MAP_SHARED: word - 2.
 *  26. readv() of word 0 after lseek(0) of a memfd holding {3, -1}: word - 3.
 *  27. pwritev2() at the file position (offset -1) of a 0 over the word -4, then pread():
 *      the 0.
 *  28. F_SEAL_WRITE added, then a hole punched (fallocate): EPERM; success says -4.
 *  (21 and 22 run last: they move bytes between files.)
 *
 * With -b (after the steps above), four file mappings this kernel model serves otherwise
 * than Linux: two accesses Linux answers with SIGBUS, under a handler that counts the
 * signal and skips the load, a mapping grown by mremap() and a write into a mapped file
 * -- each in a forked child the program waits for, so that one whose answer is refused
 * (its process killed) does not keep the next from running:
 *  29. A one-page memfd mapped two pages long MAP_SHARED, its second page read: the page
 *      lies wholly past the file's end (SIGBUS); no signal says -4.
 *  30. A two-page memfd mapped MAP_SHARED, its second page read (faulted in), the file
 *      cut to one page (the step's marker before the cut), the second page read again:
 *      SIGBUS; no signal says -4.
 *  31. A two-page memfd (page 0 begins with 1, page 1 with 2) mapped one page long
 *      MAP_SHARED, its first page read, the mapping grown to two pages by mremap()
 *      (MREMAP_MAYMOVE), its second page read: word - 2.
 *  32. A one-page memfd mapped MAP_SHARED and read (faulted in), then pwrite() of the word
 *      2 into the file, the word read through the mapping: word - 2 (one page cache page
 *      behind both).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r30.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <ucontext.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the call it judges (x2 the log buffer, x3 the memfd), P_x + 1
 * after its write (x2 the index it used). */
#define P_SEAL_WRITE 3000
#define P_SEALED_BYTES 3002
#define P_SEAL_SHRINK 3004
#define P_SEAL_GROW 3006
#define P_SEAL_FUTURE 3008
#define P_NO_SEALING 3010
#define P_PUNCH 3012
#define P_PUNCH_MAP 3014
#define P_FALLOC_GROW 3016
#define P_SEEK_END 3018
#define P_SEEK_CUR 3020
#define P_SEEK_HOLE 3022
#define P_READ_POS 3024
#define P_PREADV2 3026
#define P_PREADV 3028
#define P_PWRITEV 3030
#define P_CUT_GROW 3032
#define P_CUT_SIZE 3034
#define P_EOF_PREAD 3036
#define P_MAP_SHARED 3038
#define P_COPY_RANGE 3040
#define P_SENDFILE 3042
#define P_MAP_OFFSET 3044
#define P_MAP_PRIVATE 3046
#define P_TMPFILE_MAP 3048
#define P_READV 3050
#define P_PWRITEV2 3052
#define P_SEAL_PUNCH 3054
#define P_PAST_EOF 3056
#define P_CUT_MAPPED 3058
#define P_MREMAP_FILE 3060
#define P_PWRITE_MAPPED 3062
#include "secret_common.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

/* A memfd of the program's own holding `n` words (written at offset 0). */
static int memfd_words(const char *name, int sealing, const long *words, int n)
{
    int fd = memfd_create(name, MFD_CLOEXEC | (sealing ? MFD_ALLOW_SEALING : 0));
    if (fd < 0)
        return -1;
    if (n && pwrite(fd, words, 8L * n, 0) != 8L * n) {
        close(fd);
        return -1;
    }
    return fd;
}

static long fstat_size(int fd)
{
    struct stat st;
    if (sys6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0)
        return -1;
    return (long)st.st_size;
}

/* 1-2. */
static void seal_write_step(void)
{
    long zero = 0, minus4 = -4, got = 0;
    int fd = memfd_words("r30-sealw", 1, &zero, 1);
    if (fd < 0)
        return;
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0) {
        marker(P_SEAL_WRITE, (long)logbuf, fd, 0, 0);
        long r = pwrite(fd, &minus4, 8, 0);
        log_label(P_SEAL_WRITE, r > 0 ? -4 : 0);
        marker(P_SEALED_BYTES, (long)logbuf, fd, 0, 0);
        if (pread(fd, &got, 8, 0) == 8)
            log_label(P_SEALED_BYTES, got);
    }
    close(fd);
}

/* 3. */
static void seal_shrink_step(void)
{
    long words[2] = {0, 0};
    int fd = memfd_words("r30-seals", 1, words, 2);
    if (fd < 0)
        return;
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0) {
        marker(P_SEAL_SHRINK, (long)logbuf, fd, 0, 0);
        long r = ftruncate(fd, 8);
        long size = fstat_size(fd);
        log_label(P_SEAL_SHRINK, r == 0 || (size >= 0 && size != 16) ? -4 : 0);
    }
    close(fd);
}

/* 4. */
static void seal_grow_step(void)
{
    long words[2] = {0, 0}, more = 1;
    int fd = memfd_words("r30-sealg", 1, words, 2);
    if (fd < 0)
        return;
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0) {
        marker(P_SEAL_GROW, (long)logbuf, fd, 0, 0);
        long r = pwrite(fd, &more, 8, 16);
        log_label(P_SEAL_GROW, r > 0 ? -4 : 0);
    }
    close(fd);
}

/* 5. */
static void seal_future_step(void)
{
    long zero = 0, one = 1;
    int fd = memfd_words("r30-sealf", 1, &zero, 1);
    if (fd < 0)
        return;
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0) {
        marker(P_SEAL_FUTURE, (long)logbuf, fd, 0, 0);
        long r = write(fd, &one, 8);
        log_label(P_SEAL_FUTURE, r > 0 ? -4 : 0);
    }
    close(fd);
}

/* 6. */
static void no_sealing_step(void)
{
    long zero = 0;
    int fd = memfd_words("r30-nosealing", 0, &zero, 1);
    if (fd < 0)
        return;
    marker(P_NO_SEALING, (long)logbuf, fd, 0, 0);
    long r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE);
    log_label(P_NO_SEALING, r == 0 ? -4 : 0);
    close(fd);
}

/* 7-8. */
static void punch_step(void)
{
    long words[4] = {-4, -4, 0, 0};
    long got = 0;
    int fd = memfd_words("r30-punch", 0, words, 4);
    if (fd < 0)
        return;
    marker(P_PUNCH, (long)logbuf, fd, 0, 0);
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 16) == 0) {
        if (pread(fd, &got, 8, 0) == 8)
            log_label(P_PUNCH, got);
        marker(P_PUNCH_MAP, (long)logbuf, fd, 0, 0);
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
        if (valid(page)) {
            log_label(P_PUNCH_MAP, ((volatile long *)page)[1]);
            sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* 9. */
static void falloc_grow_step(void)
{
    long zero = 0;
    int fd = memfd_words("r30-falloc", 0, &zero, 1);
    if (fd < 0)
        return;
    marker(P_FALLOC_GROW, (long)logbuf, fd, 0, 0);
    if (fallocate(fd, 0, 0, 64) == 0) {
        long end = lseek(fd, 0, SEEK_END);
        if (end >= 0)
            log_label(P_FALLOC_GROW, (end - 64) / 14);
    }
    close(fd);
}

/* 10. */
static void seek_end_step(void)
{
    long words[3] = {0, 0, 0};
    int fd = memfd_words("r30-seekend", 0, words, 3);
    if (fd < 0)
        return;
    marker(P_SEEK_END, (long)logbuf, fd, 0, 0);
    long end = lseek(fd, 0, SEEK_END);
    if (end >= 0)
        log_label(P_SEEK_END, (end - 24) / 4);
    close(fd);
}

/* 11. */
static void seek_cur_step(void)
{
    long words[3] = {0, 0, 0};
    int fd = memfd_create("r30-seekcur", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, words, 24) == 24) {
        marker(P_SEEK_CUR, (long)logbuf, fd, 0, 0);
        long pos = lseek(fd, -8, SEEK_CUR);
        if (pos >= 0)
            log_label(P_SEEK_CUR, (pos - 16) / 4);
    }
    close(fd);
}

static long pagebuf[PAGE / 8];

/* 12. */
static void seek_hole_step(void)
{
    int fd = memfd_create("r30-hole", MFD_CLOEXEC);
    if (fd < 0)
        return;
    pagebuf[0] = 1;
    if (pwrite(fd, pagebuf, PAGE, 0) == PAGE && ftruncate(fd, 2 * PAGE) == 0) {
        marker(P_SEEK_HOLE, (long)logbuf, fd, 0, 0);
        long hole = lseek(fd, 0, SEEK_HOLE);
        if (hole >= 0)
            log_label(P_SEEK_HOLE, (hole - PAGE) / 1024);
    }
    pagebuf[0] = 0;
    close(fd);
}

/* 13. */
static void read_pos_step(void)
{
    long words[2] = {2, -2}, got = 0;
    int fd = memfd_words("r30-readpos", 0, words, 2);
    if (fd < 0)
        return;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        marker(P_READ_POS, (long)logbuf, fd, 0, 0);
        if (read(fd, &got, 8) == 8)
            log_label(P_READ_POS, got - 2);
    }
    close(fd);
}

/* 14. */
static void preadv2_step(void)
{
    long words[2] = {1, -3}, got = 0;
    struct iovec iov = {&got, 8};
    int fd = memfd_words("r30-preadv2", 0, words, 2);
    if (fd < 0)
        return;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        marker(P_PREADV2, (long)logbuf, fd, 0, 0);
        if (preadv2(fd, &iov, 1, -1, 0) == 8)
            log_label(P_PREADV2, got - 1);
    }
    close(fd);
}

/* 15. */
static void preadv_step(void)
{
    long words[3] = {9, 3, -1}, got = 0;
    struct iovec iov[2] = {{&got, 4}, {(char *)&got + 4, 4}};
    int fd = memfd_words("r30-preadv", 0, words, 3);
    if (fd < 0)
        return;
    marker(P_PREADV, (long)logbuf, fd, 0, 0);
    if (preadv(fd, iov, 2, 8) == 8)
        log_label(P_PREADV, got - 3);
    close(fd);
}

/* 16. */
static void pwritev_step(void)
{
    long minus4 = -4, zero = 0, got = 1;
    struct iovec iov = {&zero, 8};
    int fd = memfd_words("r30-pwritev", 0, &minus4, 1);
    if (fd < 0)
        return;
    marker(P_PWRITEV, (long)logbuf, fd, 0, 0);
    if (pwritev(fd, &iov, 1, 0) == 8 && pread(fd, &got, 8, 0) == 8)
        log_label(P_PWRITEV, got);
    close(fd);
}

/* 17. */
static void cut_grow_step(void)
{
    long words[2] = {1, -4}, got = 1;
    int fd = memfd_words("r30-cutgrow", 0, words, 2);
    if (fd < 0)
        return;
    marker(P_CUT_GROW, (long)logbuf, fd, 0, 0);
    if (ftruncate(fd, 8) == 0 && ftruncate(fd, 16) == 0 && pread(fd, &got, 8, 8) == 8)
        log_label(P_CUT_GROW, got);
    close(fd);
}

/* 18. */
static void cut_size_step(void)
{
    int fd = memfd_create("r30-cutsize", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (pwrite(fd, pagebuf, PAGE, 0) == PAGE) {
        marker(P_CUT_SIZE, (long)logbuf, fd, 0, 0);
        if (ftruncate(fd, 16) == 0) {
            long size = fstat_size(fd);
            if (size >= 0)
                log_label(P_CUT_SIZE, (16 - size) / 1024);
        }
    }
    close(fd);
}

/* 19. */
static void eof_pread_step(void)
{
    long zero = 0, got = 0;
    int fd = memfd_words("r30-eof", 0, &zero, 1);
    if (fd < 0)
        return;
    marker(P_EOF_PREAD, (long)logbuf, fd, 0, 0);
    long r = pread(fd, &got, 8, 8);
    log_label(P_EOF_PREAD, r > 0 ? -4 : 0);
    close(fd);
}

/* 20. */
static void map_shared_step(void)
{
    long two = 2;
    int fd = memfd_words("r30-shared", 0, &two, 1);
    if (fd < 0)
        return;
    if (ftruncate(fd, PAGE) == 0) {
        marker(P_MAP_SHARED, (long)logbuf, fd, 0, 0);
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (valid(page)) {
            log_label(P_MAP_SHARED, *(volatile long *)page - 2);
            sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* 31. */
static void mremap_file_step(void)
{
    int fd = memfd_create("r30-mremap", MFD_CLOEXEC);
    if (fd < 0)
        return;
    pagebuf[0] = 1;
    long ok = pwrite(fd, pagebuf, PAGE, 0) == PAGE;
    pagebuf[0] = 2;
    ok = ok && pwrite(fd, pagebuf, PAGE, PAGE) == PAGE;
    pagebuf[0] = 0;
    long area = ok ? sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : -1;
    if (valid(area) && *(volatile long *)area == 1) {
        marker(P_MREMAP_FILE, (long)logbuf, fd, area, 0);
        long grown = sys6(SYS_mremap, area, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
        if (valid(grown)) {
            log_label(P_MREMAP_FILE, *(volatile long *)(grown + PAGE) - 2);
            area = grown;
        }
        sys6(SYS_munmap, area, valid(grown) ? 2 * PAGE : PAGE, 0, 0, 0, 0);
    } else if (valid(area)) {
        sys6(SYS_munmap, area, PAGE, 0, 0, 0, 0);
    }
    close(fd);
}

/* 21-22: move 8 bytes (the word 0) from one memfd into another that holds -4; a call
 * that fails is done by hand, as cp does. */
static void move_step(int phase, int use_sendfile)
{
    long zero = 0, minus4 = -4, got = 1;
    int src = memfd_words("r30-src", 0, &zero, 1);
    int dst = memfd_words("r30-dst", 0, &minus4, 1);
    if (src >= 0 && dst >= 0) {
        marker(phase, (long)logbuf, src, dst, 0);
        long r;
        if (use_sendfile) {
            off_t off = 0;
            r = sendfile(dst, src, &off, 8);
        } else {
            loff_t in = 0, out = 0;
            r = copy_file_range(src, &in, dst, &out, 8, 0);
        }
        if (r != 8) {
            long w = 1;
            if (pread(src, &w, 8, 0) == 8)
                pwrite(dst, &w, 8, 0);
        }
        if (pread(dst, &got, 8, 0) == 8)
            log_label(phase, got);
    }
    if (src >= 0)
        close(src);
    if (dst >= 0)
        close(dst);
}

/* 23. */
static void map_offset_step(void)
{
    int fd = memfd_create("r30-offset", MFD_CLOEXEC);
    if (fd < 0)
        return;
    pagebuf[0] = -2;
    long ok = pwrite(fd, pagebuf, PAGE, 0) == PAGE;
    pagebuf[0] = 2;
    ok = ok && pwrite(fd, pagebuf, PAGE, PAGE) == PAGE;
    pagebuf[0] = 0;
    if (ok) {
        marker(P_MAP_OFFSET, (long)logbuf, fd, 0, 0);
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
        if (valid(page)) {
            log_label(P_MAP_OFFSET, *(volatile long *)page - 2);
            sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* A file only this program holds: unnamed (O_TMPFILE) in the root (the emulator's), else
 * in /tmp. */
static int tmpfile_fd(void)
{
    int fd = open("/", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    return fd >= 0 ? fd : open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

/* 24-25: a file of the program's own holding the word 2, mapped `flags`. */
static void map_word_step(int phase, int fd, int flags)
{
    long two = 2;
    if (fd < 0)
        return;
    if (pwrite(fd, &two, 8, 0) == 8 && ftruncate(fd, PAGE) == 0) {
        marker(phase, (long)logbuf, fd, 0, 0);
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
        if (valid(page)) {
            log_label(phase, *(volatile long *)page - 2);
            sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* 26. */
static void readv_step(void)
{
    long words[2] = {3, -1}, got = 0;
    struct iovec iov = {&got, 8};
    int fd = memfd_words("r30-readv", 0, words, 2);
    if (fd < 0)
        return;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        marker(P_READV, (long)logbuf, fd, 0, 0);
        if (readv(fd, &iov, 1) == 8)
            log_label(P_READV, got - 3);
    }
    close(fd);
}

/* 27. */
static void pwritev2_step(void)
{
    long minus4 = -4, zero = 0, got = 1;
    struct iovec iov = {&zero, 8};
    int fd = memfd_words("r30-pwritev2", 0, &minus4, 1);
    if (fd < 0)
        return;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        marker(P_PWRITEV2, (long)logbuf, fd, 0, 0);
        if (pwritev2(fd, &iov, 1, -1, 0) == 8 && pread(fd, &got, 8, 0) == 8)
            log_label(P_PWRITEV2, got);
    }
    close(fd);
}

/* 28. */
static void seal_punch_step(void)
{
    long words[2] = {0, 0};
    int fd = memfd_words("r30-sealp", 1, words, 2);
    if (fd < 0)
        return;
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0) {
        marker(P_SEAL_PUNCH, (long)logbuf, fd, 0, 0);
        long r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8);
        log_label(P_SEAL_PUNCH, r == 0 ? -4 : 0);
    }
    close(fd);
}

static volatile long faults_seen;

/* The SIGBUS handler: count the fault and skip the faulting load. */
static void on_skip(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.pc += 4;
    faults_seen++;
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define SA_SIGINFO_F 0x4
#define SA_RESTORER_F 0x10000000

/* A load the handler can skip (one instruction); `fallback` where it was skipped. */
static long load_word(const volatile long *p, long fallback)
{
    long v = fallback;
    __asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(p) : "memory");
    return v;
}

/* 29. */
static void past_eof_step(void)
{
    long zero = 0;
    int fd = memfd_words("r30-pasteof", 0, &zero, 1);
    if (fd < 0)
        return;
    if (ftruncate(fd, PAGE) == 0) {
        long area = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (valid(area)) {
            faults_seen = 0;
            marker(P_PAST_EOF, (long)logbuf, fd, area + PAGE, 0);
            load_word((volatile long *)(area + PAGE), 0);
            log_label(P_PAST_EOF, faults_seen == 1 ? 0 : -4);
            sys6(SYS_munmap, area, 2 * PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* 30. */
static void cut_mapped_step(void)
{
    int fd = memfd_create("r30-cutmapped", MFD_CLOEXEC);
    if (fd < 0)
        return;
    pagebuf[0] = -4;
    long ok = pwrite(fd, pagebuf, PAGE, PAGE) == PAGE;
    pagebuf[0] = 0;
    if (ok) {
        long area = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (valid(area)) {
            faults_seen = 0;
            long before = load_word((volatile long *)(area + PAGE), 0);
            if (before == -4 && faults_seen == 0) {
                marker(P_CUT_MAPPED, (long)logbuf, fd, area + PAGE, 0);
                if (ftruncate(fd, PAGE) == 0) {
                    load_word((volatile long *)(area + PAGE), 0);
                    log_label(P_CUT_MAPPED, faults_seen == 1 ? 0 : -4);
                }
            }
            sys6(SYS_munmap, area, 2 * PAGE, 0, 0, 0, 0);
        }
    }
    close(fd);
}

/* One -b step in a child of its own, waited for: a step whose answer the Guardian refuses
 * ends that child only (the kernel kills it), and the next step still runs. */
static void in_child(void (*step)(void))
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        step();
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
}

/* 32: a one-page memfd mapped MAP_SHARED (0 on failure). */
static long shared_page(const char *name, int *fdp)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    *fdp = fd;
    if (fd < 0 || ftruncate(fd, PAGE) != 0)
        return 0;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return valid(page) ? page : 0;
}

/* 32. */
static void pwrite_mapped_step(void)
{
    int fd;
    long two = 2;
    long page = shared_page("r30-coherent", &fd);
    if (page && *(volatile long *)page == 0) {
        marker(P_PWRITE_MAPPED, (long)logbuf, fd, page, 0);
        if (pwrite(fd, &two, 8, 0) == 8)
            log_label(P_PWRITE_MAPPED, *(volatile long *)page - 2);
    }
    if (page)
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
    if (fd >= 0)
        close(fd);
}

static void bus_steps(void)
{
    struct kernel_sigaction act = {(uint64_t)on_skip, SA_SIGINFO_F | SA_RESTORER_F, 0, 0};
    sys6(SYS_rt_sigaction, SIGBUS, (long)&act, 0, 8, 0, 0);
    in_child(past_eof_step);
    in_child(cut_mapped_step);
    in_child(mremap_file_step);
    in_child(pwrite_mapped_step);
}

int main(int argc, char **argv)
{
    int show_digest = 0, bus = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        bus |= strcmp(argv[i], "-b") == 0;
    }
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
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    seal_write_step();
    seal_shrink_step();
    seal_grow_step();
    seal_future_step();
    no_sealing_step();
    punch_step();
    falloc_grow_step();
    seek_end_step();
    seek_cur_step();
    seek_hole_step();
    read_pos_step();
    preadv2_step();
    preadv_step();
    pwritev_step();
    cut_grow_step();
    cut_size_step();
    eof_pread_step();
    map_shared_step();
    map_offset_step();
    map_word_step(P_MAP_PRIVATE, memfd_create("r30-private", MFD_CLOEXEC), MAP_PRIVATE);
    map_word_step(P_TMPFILE_MAP, tmpfile_fd(), MAP_SHARED);
    readv_step();
    pwritev2_step();
    seal_punch_step();
    move_step(P_COPY_RANGE, 0);
    move_step(P_SENDFILE, 1);
    if (bus)
        bus_steps();

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
