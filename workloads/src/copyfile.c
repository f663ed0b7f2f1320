/*
 * copyfile - file I/O workload.
 *
 *   copyfile SRC DST   copy SRC to DST through a 4 KiB buffer with
 *                      open/read/write/close, then verify the copy with
 *                      fstat, lseek and pread.
 *   copyfile           self-test in the current directory: generate
 *                      input.txt (about 64 KiB of deterministic text), copy
 *                      it to output.txt, compare the two, then exercise
 *                      mkdir/rename/unlink/opendir/readdir in the scratch
 *                      directory copyfile.dir and print its sorted listing.
 *
 * input.txt and output.txt are left in place.  copyfile.dir is recreated on
 * every run so that its listing does not depend on earlier runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define BUF_SIZE 4096
#define INPUT_TARGET (64 * 1024)
#define SCRATCH_DIR "copyfile.dir"

static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

/* Standard CRC-32 (IEEE 802.3); start with crc = 0. */
static uint32_t crc32_update(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void fail(const char *what, const char *name)
{
    fprintf(stderr, "copyfile: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

static void mismatch(const char *what)
{
    fprintf(stderr, "copyfile: FAILED: %s\n", what);
    exit(1);
}

static void write_all(int fd, const void *buf, size_t n, const char *name)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fail("write", name);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Read up to n bytes, retrying short reads; returns bytes read (< n only at EOF). */
static size_t read_full(int fd, void *buf, size_t n, const char *name)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fail("read", name);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Copy src to dst with a 4 KiB buffer; returns the byte count. */
static long long copy_file(const char *src, const char *dst, uint32_t *crc_out)
{
    char buf[BUF_SIZE];
    struct stat st;
    uint32_t crc = 0;
    long long total = 0;

    int in = open(src, O_RDONLY);
    if (in < 0)
        fail("cannot open", src);
    if (fstat(in, &st) < 0)
        fail("fstat", src);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, S_ISREG(st.st_mode) ? (st.st_mode & 0777) : 0644);
    if (out < 0)
        fail("cannot create", dst);

    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fail("read", src);
        }
        if (r == 0)
            break;
        write_all(out, buf, (size_t)r, dst);
        crc = crc32_update(crc, buf, (size_t)r);
        total += r;
    }
    if (close(in) < 0)
        fail("close", src);
    if (close(out) < 0)
        fail("close", dst);
    if (S_ISREG(st.st_mode) && total != (long long)st.st_size)
        mismatch("byte count differs from fstat size of source");
    *crc_out = crc;
    return total;
}

/* Compare dst against src using sequential reads, lseek and pread. */
static void verify_copy(const char *src, const char *dst, long long size)
{
    char a[BUF_SIZE], b[BUF_SIZE];
    struct stat st;

    int fa = open(src, O_RDONLY);
    if (fa < 0)
        fail("cannot open", src);
    int fb = open(dst, O_RDONLY);
    if (fb < 0)
        fail("cannot open", dst);

    if (fstat(fb, &st) < 0)
        fail("fstat", dst);
    if (!S_ISREG(st.st_mode) || st.st_size != size)
        mismatch("fstat size of copy");
    if (lseek(fb, 0, SEEK_END) != size)
        mismatch("lseek(SEEK_END) of copy");
    if (lseek(fb, 0, SEEK_SET) != 0)
        mismatch("lseek(SEEK_SET) of copy");

    /* Whole-file sequential comparison. */
    long long seen = 0;
    for (;;) {
        size_t na = read_full(fa, a, sizeof a, src);
        size_t nb = read_full(fb, b, sizeof b, dst);
        if (na != nb || memcmp(a, b, na) != 0)
            mismatch("contents differ");
        seen += (long long)na;
        if (na < sizeof a)
            break;
    }
    if (seen != size)
        mismatch("sequential read length");

    /* pread at scattered offsets must not move the file position. */
    off_t pos = lseek(fb, 0, SEEK_CUR);
    if (size > 0) {
        for (long long k = 0; k < 16; k++) {
            off_t off = (off_t)((k * 104729) % size);
            ssize_t ra = pread(fa, a, 97, off);
            ssize_t rb = pread(fb, b, 97, off);
            if (ra < 0 || rb < 0 || ra != rb || memcmp(a, b, (size_t)ra) != 0)
                mismatch("pread contents differ");
        }
    }
    if (lseek(fb, 0, SEEK_CUR) != pos)
        mismatch("pread moved the file offset");

    /* lseek to the middle, read, and compare against pread of the same range. */
    off_t mid = (off_t)(size / 2);
    if (lseek(fb, mid, SEEK_SET) != mid)
        mismatch("lseek to middle");
    size_t nb = read_full(fb, b, 200, dst);
    ssize_t ra = pread(fa, a, 200, mid);
    if (ra < 0 || (size_t)ra != nb || memcmp(a, b, nb) != 0)
        mismatch("read after lseek differs from pread");
    if (lseek(fb, -(off_t)nb, SEEK_CUR) != mid)
        mismatch("lseek(SEEK_CUR) backwards");

    close(fa);
    close(fb);
}

static const char *const words[16] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa",
};

/* Generate about 64 KiB of deterministic text into path; returns its size. */
static long long generate_input(const char *path, uint32_t *crc_out)
{
    static char text[INPUT_TARGET + 256];
    size_t len = 0;
    uint32_t x = 0x12345678u;

    for (unsigned line = 0; len < INPUT_TARGET; line++) {
        len += (size_t)sprintf(text + len, "%05u", line);
        for (int w = 0; w < 6; w++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            len += (size_t)sprintf(text + len, " %s", words[x & 15]);
        }
        text[len++] = '\n';
    }

    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("cannot create", path);
    /* Write in odd-sized pieces so block boundaries do not line up. */
    for (size_t off = 0; off < len; off += 3001) {
        size_t n = len - off < 3001 ? len - off : 3001;
        write_all(fd, text + off, n, path);
    }
    if (close(fd) < 0)
        fail("close", path);
    *crc_out = crc32_update(0, text, len);
    return (long long)len;
}

static void put_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("cannot create", path);
    write_all(fd, content, strlen(content), path);
    if (close(fd) < 0)
        fail("close", path);
}

static void check_file(const char *path, const char *expected)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail("cannot open", path);
    size_t n = read_full(fd, buf, sizeof buf, path);
    close(fd);
    if (n != strlen(expected) || memcmp(buf, expected, n) != 0)
        mismatch("unexpected file contents after rename");
}

/* Remove a directory tree created by an earlier run (regular files and subdirectories). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT)
            return;
        fail("opendir", path);
    }
    struct dirent *e;
    char child[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(child, &st) < 0)
            fail("lstat", child);
        if (S_ISDIR(st.st_mode))
            remove_tree(child);
        else if (unlink(child) < 0)
            fail("unlink", child);
    }
    closedir(d);
    if (rmdir(path) < 0)
        fail("rmdir", path);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the sorted listing of a directory, recursing one level into subdirectories. */
static int list_dir(const char *path, const char *prefix)
{
    char *names[64];
    int count = 0;
    DIR *d = opendir(path);
    if (!d)
        fail("opendir", path);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (count == 64)
            mismatch("too many directory entries");
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp_names);

    int total = count;
    for (int i = 0; i < count; i++) {
        char child[512];
        struct stat st;
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        if (lstat(child, &st) < 0)
            fail("lstat", child);
        if (S_ISDIR(st.st_mode)) {
            printf("  %s%s/\n", prefix, names[i]);
            char sub[512];
            snprintf(sub, sizeof sub, "%s%s/", prefix, names[i]);
            total += list_dir(child, sub);
        } else {
            printf("  %s%s (%lld bytes)\n", prefix, names[i], (long long)st.st_size);
        }
        free(names[i]);
    }
    return total;
}

static void directory_test(void)
{
    static const char *const files[] = {
        "alpha.txt", "bravo.txt", "charlie.txt", "delta.txt", "echo.txt", "foxtrot.txt",
    };
    char path[256], content[64];
    struct stat st;

    remove_tree(SCRATCH_DIR);
    if (mkdir(SCRATCH_DIR, 0755) < 0)
        fail("mkdir", SCRATCH_DIR);
    if (mkdir(SCRATCH_DIR, 0755) == 0 || errno != EEXIST)
        mismatch("second mkdir did not fail with EEXIST");
    if (mkdir(SCRATCH_DIR "/sub", 0755) < 0)
        fail("mkdir", SCRATCH_DIR "/sub");

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, SCRATCH_DIR "/%s", files[i]);
        snprintf(content, sizeof content, "%.*s\n", (int)(strchr(files[i], '.') - files[i]), files[i]);
        put_file(path, content);
    }

    /* Plain rename, rename into a subdirectory, rename over an existing file. */
    if (rename(SCRATCH_DIR "/charlie.txt", SCRATCH_DIR "/zulu.txt") < 0)
        fail("rename", SCRATCH_DIR "/charlie.txt");
    if (rename(SCRATCH_DIR "/delta.txt", SCRATCH_DIR "/sub/delta.txt") < 0)
        fail("rename", SCRATCH_DIR "/delta.txt");
    if (rename(SCRATCH_DIR "/echo.txt", SCRATCH_DIR "/alpha.txt") < 0)
        fail("rename", SCRATCH_DIR "/echo.txt");
    check_file(SCRATCH_DIR "/alpha.txt", "echo\n");
    check_file(SCRATCH_DIR "/zulu.txt", "charlie\n");
    if (stat(SCRATCH_DIR "/charlie.txt", &st) == 0 || errno != ENOENT)
        mismatch("renamed file still present under its old name");

    if (unlink(SCRATCH_DIR "/bravo.txt") < 0)
        fail("unlink", SCRATCH_DIR "/bravo.txt");
    if (unlink(SCRATCH_DIR "/bravo.txt") == 0 || errno != ENOENT)
        mismatch("second unlink did not fail with ENOENT");

    /* A sparse file: seek past the end, write, and read back the hole as zeros. */
    int fd = open(SCRATCH_DIR "/sparse.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("cannot create", SCRATCH_DIR "/sparse.bin");
    if (lseek(fd, 8192, SEEK_SET) != 8192)
        mismatch("lseek past end of file");
    write_all(fd, "end\n", 4, "sparse.bin");
    if (fstat(fd, &st) < 0 || st.st_size != 8196)
        mismatch("size of sparse file");
    char hole[100];
    memset(hole, 0xAA, sizeof hole);
    if (pread(fd, hole, sizeof hole, 100) != (ssize_t)sizeof hole)
        mismatch("pread of hole");
    for (size_t i = 0; i < sizeof hole; i++)
        if (hole[i] != 0)
            mismatch("hole in sparse file is not zero-filled");
    close(fd);

    printf("listing of %s:\n", SCRATCH_DIR);
    int n = list_dir(SCRATCH_DIR, "");
    printf("%s: %d entries\n", SCRATCH_DIR, n);
}

int main(int argc, char **argv)
{
    uint32_t crc_in, crc_out;
    crc32_init();

    if (crc32_update(0, "123456789", 9) != 0xCBF43926u)
        mismatch("CRC-32 self-check");

    if (argc == 3) {
        long long n = copy_file(argv[1], argv[2], &crc_out);
        verify_copy(argv[1], argv[2], n);
        printf("copied %lld bytes from %s to %s, crc32=%08x\n", n, argv[1], argv[2], crc_out);
        puts("copyfile: ok");
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: copyfile [SRC DST]\n");
        return 2;
    }

    long long size = generate_input("input.txt", &crc_in);
    printf("generated input.txt: %lld bytes, crc32=%08x\n", size, crc_in);
    long long n = copy_file("input.txt", "output.txt", &crc_out);
    printf("copied %lld bytes to output.txt, crc32=%08x\n", n, crc_out);
    if (n != size || crc_out != crc_in)
        mismatch("copy differs from generated input");
    verify_copy("input.txt", "output.txt", n);
    puts("compare input.txt output.txt: identical");
    directory_test();
    puts("copyfile: ok");
    return 0;
}
