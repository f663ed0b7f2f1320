/*
 * sha256 - compute-kernel workload: a self-contained SHA-256 (FIPS 180-4).
 *
 *   sha256            hash 1 MiB of deterministically generated data
 *   sha256 -n MB      hash MB MiB of generated data
 *   sha256 FILE...    hash each file and print it like sha256sum(1)
 *                     ("-" reads standard input)
 *
 * Before doing any work the implementation checks itself against known test
 * vectors (the FIPS 180-4 examples plus a message fed in many small updates)
 * and exits non-zero if they do not match.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    uint32_t h[8];
    uint64_t length;        /* total bytes hashed */
    unsigned char block[64];
    size_t used;            /* bytes buffered in block */
} sha256_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_compress(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[i] + w[i];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

static void sha256_init(sha256_ctx *c)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(c->h, iv, sizeof iv);
    c->length = 0;
    c->used = 0;
}

static void sha256_update(sha256_ctx *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->length += n;
    if (c->used) {
        size_t take = 64 - c->used < n ? 64 - c->used : n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used < 64)
            return;
        sha256_compress(c->h, c->block);
        c->used = 0;
    }
    while (n >= 64) {
        sha256_compress(c->h, p);
        p += 64;
        n -= 64;
    }
    memcpy(c->block, p, n);
    c->used = n;
}

static void sha256_final(sha256_ctx *c, unsigned char out[32])
{
    uint64_t bits = c->length * 8;
    unsigned char pad[72];
    size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

static void to_hex(const unsigned char d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

static int check_vector(const char *msg, size_t repeat, const char *expected)
{
    sha256_ctx c;
    unsigned char d[32];
    char hex[65];
    size_t len = strlen(msg);
    sha256_init(&c);
    for (size_t i = 0; i < repeat; i++)
        sha256_update(&c, msg, len);
    sha256_final(&c, d);
    to_hex(d, hex);
    if (strcmp(hex, expected) != 0) {
        fprintf(stderr, "sha256: self-check FAILED for \"%.20s\" x%zu: got %s\n", msg, repeat, hex);
        return 0;
    }
    return 1;
}

static int self_check(void)
{
    return check_vector("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
           check_vector("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") &&
           check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") &&
           check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                        "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
                        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1") &&
           check_vector("0123456789", 100,
                        "ab6c5f3237f551d208fc2ca5225a4cca20b3fd638794a804f0ed5549d5041734");
}

static int hash_fd(int fd, unsigned char out[32])
{
    static unsigned char buf[65536];
    sha256_ctx c;
    sha256_init(&c);
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        sha256_update(&c, buf, (size_t)r);
    }
    sha256_final(&c, out);
    return 0;
}

/* Hash mb MiB of xorshift64 output, fed in uneven pieces to exercise buffering. */
static void hash_generated(unsigned long mb, unsigned char out[32])
{
    static uint64_t chunk[8192];  /* 64 KiB */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    sha256_ctx c;
    sha256_init(&c);
    for (unsigned long i = 0; i < mb * 16; i++) {
        for (size_t j = 0; j < sizeof chunk / sizeof chunk[0]; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk[j] = x;
        }
        const unsigned char *p = (const unsigned char *)chunk;
        sha256_update(&c, p, 1000);
        sha256_update(&c, p + 1000, 37);
        sha256_update(&c, p + 1037, sizeof chunk - 1037);
    }
    sha256_final(&c, out);
}

int main(int argc, char **argv)
{
    unsigned char d[32];
    char hex[65];

    if (!self_check())
        return 1;

    if (argc == 1 || (argc == 3 && strcmp(argv[1], "-n") == 0)) {
        unsigned long mb = 1;
        if (argc == 3) {
            char *end;
            mb = strtoul(argv[2], &end, 10);
            if (*end != '\0' || mb == 0 || mb > 65536) {
                fprintf(stderr, "sha256: bad size: %s\n", argv[2]);
                return 2;
            }
        }
        puts("sha256: self-check ok");
        hash_generated(mb, d);
        to_hex(d, hex);
        printf("sha256(generated %lu MiB) = %s\n", mb, hex);
        return 0;
    }

    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = strcmp(argv[i], "-") == 0 ? STDIN_FILENO : open(argv[i], O_RDONLY);
        if (fd < 0 || hash_fd(fd, d) < 0) {
            fprintf(stderr, "sha256: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            if (fd > STDIN_FILENO)
                close(fd);
            continue;
        }
        if (fd != STDIN_FILENO)
            close(fd);
        to_hex(d, hex);
        printf("%s  %s\n", hex, argv[i]);
    }
    return status;
}
