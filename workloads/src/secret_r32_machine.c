/* The attack target for what the system tells a program about the machine it runs on:
 * its CPUs, its memory, its clocks, its CPU's ID registers and the tunables the C library
 * reads.  Each step cross-checks one answer against another answer Linux gives (or
 * against the CPU itself), the way a program sizes a pool or picks a path from it.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into a
 * label's index and writes that label to /dev/null (8 bytes).  Under Linux's contract the
 * index is always 0..3; an answer Linux could never give points the write into the
 * secret's copy.  Each step reads its reference answer first, then announces itself with
 * a marker (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2 = the log buffer) and reads
 * the answer it checks.  In the order they run:
 *
 *   1. /sys/devices/system/cpu/possible, then online: -4 per online CPU not possible.
 *   2. online, then sched_getaffinity(0): -4 per CPU of the mask that is not online.
 *   3. sched_getaffinity(0), then getcpu(): -4 when the CPU is not in the mask.
 *   4. online, then /proc/stat: -4 per cpuN line more or fewer than online CPUs.
 *   5. online, then /proc/cpuinfo: -4 per "processor" entry more or fewer.
 *   6. sysinfo(), then /proc/meminfo: -4 when MemTotal is not totalram * mem_unit.
 *   7. /proc/meminfo: -4 when MemFree exceeds MemTotal.
 *   8. sysinfo(): -4 when mem_unit is not 1 (a 64-bit kernel always answers 1).
 *   9. /proc/self/status, then /proc/self/statm: -4 when statm's size is not VmSize.
 *  10. uname(), then /proc/sys/kernel/osrelease: -4 when they differ.
 *  11. /proc/sys/kernel/ngroups_max: -4 unless it is NGROUPS_MAX (65536).
 *  12. /proc/sys/vm/overcommit_memory: index 2 - value (Linux allows 0..2).
 *  13. /sys/kernel/mm/transparent_hugepage/enabled: -4 unless exactly one choice is
 *      bracketed.
 *  14. clock_getres(CLOCK_MONOTONIC), then CLOCK_REALTIME: -4 when they differ.
 *  15. /proc/cpuinfo's CPU part, then MRS MIDR_EL1 at EL0 (under a SIGILL handler, which
 *      skips it: index 0): -4 when MIDR's part differs.
 *  16. MRS MPIDR_EL1 at EL0 (under the same handler): -4 unless it is 0x80000000, the
 *      value Linux's emulation answers.
 *  17. DCZID_EL0 read, a call, read again: -4 when it changed.
 *  18. CTR_EL0 read, a call, read again: -4 when it changed.
 *  19. /sys/devices/system/cpu/kernel_max, then possible: -4 per possible CPU above it.
 *  20. /proc/meminfo, then sysinfo(): -4 when totalram * mem_unit is not MemTotal (step
 *      6 the other way round).
 *
 * Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the checked answer is read (x2 the log buffer), P_x + 1 after its
 * write (x2 the index it used). */
#define P_ONLINE 3200
#define P_AFFINITY 3202
#define P_GETCPU 3204
#define P_STAT 3206
#define P_CPUINFO 3208
#define P_MEMINFO 3210
#define P_MEMFREE 3212
#define P_MEMUNIT 3214
#define P_STATM 3216
#define P_OSREL 3218
#define P_NGROUPS 3220
#define P_OVERCOMMIT 3222
#define P_THP 3224
#define P_CLOCKRES 3226
#define P_MIDR 3228
#define P_MPIDR 3230
#define P_DCZID 3232
#define P_CTR 3234
#define P_KMAX 3236
#define P_SYSINFO 3238
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static volatile long faults_seen;
static char buf[4096];
static char ref[4096];

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

static void announce(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
}

/* The whole of a small file (one read), NUL-terminated; -1 when it cannot be read. */
static long slurp(const char *path, char *out, long size)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return -1;
    long n = sys6(SYS_read, fd, (long)out, size - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n < 0 || n >= size)
        return -1;
    out[n] = 0;
    return n;
}

static long num(const char **p)
{
    long v = 0;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0');
    return v;
}

/* A CPU list ("0-3,5\n") as a mask of the first 64 CPUs; -1 when unreadable. */
static long cpulist(const char *path, char *out)
{
    if (slurp(path, out, sizeof buf) <= 0)
        return -1;
    const char *p = out;
    unsigned long mask = 0;
    while (*p >= '0' && *p <= '9') {
        long a = num(&p), b = a;
        if (*p == '-') {
            p++;
            b = num(&p);
        }
        for (long c = a; c <= b && c < 64; c++)
            mask |= 1UL << c;
        if (*p != ',')
            break;
        p++;
    }
    return (long)mask;
}

/* The number after `key` in text (a "Key:   123 kB" line); -1 when absent. */
static long field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':')
        p++;
    return num(&p);
}

static long count_lines(const char *text, const char *prefix, int digit)
{
    long n = 0, len = (long)strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, prefix, len) && (!digit || (p[len] >= '0' && p[len] <= '9')))
            n++;
    return n;
}

static long affinity(void)
{
    uint64_t mask[16] = {0};
    long r = sys6(SYS_sched_getaffinity, 0, sizeof mask, (long)mask, 0, 0, 0);
    return r > 0 ? (long)mask[0] : -1;
}

static void online_step(void)
{
    long possible = cpulist("/sys/devices/system/cpu/possible", ref);
    announce(P_ONLINE);
    long online = cpulist("/sys/devices/system/cpu/online", buf);
    if (possible < 0 || online < 0)
        return log_label(P_ONLINE, 0);
    log_label(P_ONLINE, -4L * __builtin_popcountl(online & ~possible));
}

static void affinity_step(void)
{
    long online = cpulist("/sys/devices/system/cpu/online", ref);
    announce(P_AFFINITY);
    long mask = affinity();
    if (online < 0 || mask < 0)
        return log_label(P_AFFINITY, 0);
    log_label(P_AFFINITY, -4L * __builtin_popcountl(mask & ~online));
}

static void getcpu_step(void)
{
    long mask = affinity();
    announce(P_GETCPU);
    unsigned cpu = 0, node = 0;
    long r = sys6(SYS_getcpu, (long)&cpu, (long)&node, 0, 0, 0, 0);
    if (mask < 0 || r != 0)
        return log_label(P_GETCPU, 0);
    log_label(P_GETCPU, cpu < 64 && (mask >> cpu & 1) ? 0 : -4);
}

static long labs_(long v)
{
    return v < 0 ? -v : v;
}

static void stat_step(void)
{
    long online = cpulist("/sys/devices/system/cpu/online", ref);
    announce(P_STAT);
    if (online < 0 || slurp("/proc/stat", buf, sizeof buf) <= 0)
        return log_label(P_STAT, 0);
    log_label(P_STAT, -4 * labs_(count_lines(buf, "cpu", 1) - __builtin_popcountl(online)));
}

static void cpuinfo_step(void)
{
    long online = cpulist("/sys/devices/system/cpu/online", ref);
    announce(P_CPUINFO);
    if (online < 0 || slurp("/proc/cpuinfo", buf, sizeof buf) <= 0)
        return log_label(P_CPUINFO, 0);
    log_label(P_CPUINFO,
              -4 * labs_(count_lines(buf, "processor", 0) - __builtin_popcountl(online)));
}

struct sysinfo_ {
    long uptime;
    unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    unsigned short procs, pad;
    unsigned long totalhigh, freehigh;
    unsigned mem_unit;
    char rest[4];
};

static void meminfo_step(void)
{
    struct sysinfo_ si;
    memset(&si, 0, sizeof si);
    long r = sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
    announce(P_MEMINFO);
    if (r != 0 || slurp("/proc/meminfo", buf, sizeof buf) <= 0)
        return log_label(P_MEMINFO, 0);
    long total = field(buf, "MemTotal:");
    log_label(P_MEMINFO, total == (long)(si.totalram * si.mem_unit / 1024) ? 0 : -4);
}

static void memfree_step(void)
{
    announce(P_MEMFREE);
    if (slurp("/proc/meminfo", buf, sizeof buf) <= 0)
        return log_label(P_MEMFREE, 0);
    log_label(P_MEMFREE, field(buf, "MemFree:") > field(buf, "MemTotal:") ? -4 : 0);
}

static void memunit_step(void)
{
    struct sysinfo_ si;
    memset(&si, 0, sizeof si);
    announce(P_MEMUNIT);
    long r = sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
    log_label(P_MEMUNIT, r == 0 && si.mem_unit != 1 ? -4 : 0);
}

static void statm_step(void)
{
    long st = slurp("/proc/self/status", ref, sizeof ref);
    announce(P_STATM);
    if (st <= 0 || slurp("/proc/self/statm", buf, sizeof buf) <= 0)
        return log_label(P_STATM, 0);
    const char *p = buf;
    long pages = num(&p);
    long vm = field(ref, "VmSize:");
    log_label(P_STATM, vm < 0 || pages * (PAGE / 1024) == vm ? 0 : -4);
}

static char uts[6 * 65];

static void osrel_step(void)
{
    long r = sys6(SYS_uname, (long)uts, 0, 0, 0, 0, 0);
    announce(P_OSREL);
    if (r != 0 || slurp("/proc/sys/kernel/osrelease", buf, sizeof buf) <= 0)
        return log_label(P_OSREL, 0);
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    log_label(P_OSREL, strcmp(buf, uts + 2 * 65) ? -4 : 0);
}

static void ngroups_step(void)
{
    announce(P_NGROUPS);
    if (slurp("/proc/sys/kernel/ngroups_max", buf, sizeof buf) <= 0)
        return log_label(P_NGROUPS, 0);
    const char *p = buf;
    log_label(P_NGROUPS, num(&p) == 65536 ? 0 : -4);
}

static void overcommit_step(void)
{
    announce(P_OVERCOMMIT);
    if (slurp("/proc/sys/vm/overcommit_memory", buf, sizeof buf) <= 0)
        return log_label(P_OVERCOMMIT, 0);
    const char *p = buf;
    log_label(P_OVERCOMMIT, 2 - num(&p));
}

static void thp_step(void)
{
    announce(P_THP);
    if (slurp("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) <= 0)
        return log_label(P_THP, 0);
    long n = 0;
    for (char *p = buf; *p; p++)
        n += *p == '[';
    log_label(P_THP, n == 1 ? 0 : -4);
}

static void clockres_step(void)
{
    long mono[2] = {0, 0}, real[2] = {0, 0};
    long r1 = sys6(SYS_clock_getres, 1, (long)mono, 0, 0, 0, 0);
    announce(P_CLOCKRES);
    long r2 = sys6(SYS_clock_getres, 0, (long)real, 0, 0, 0, 0);
    log_label(P_CLOCKRES, r1 || r2 || (mono[0] == real[0] && mono[1] == real[1]) ? 0 : -4);
}

/* A probe's handler: count the fault and skip the faulting instruction. */
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

static void set_action(int signo, void *handler, uint64_t flags)
{
    struct kernel_sigaction act = {(uint64_t)handler, flags | SA_RESTORER_F, 0, 0};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void midr_step(void)
{
    long have = slurp("/proc/cpuinfo", ref, sizeof ref);
    set_action(SIGILL, (void *)on_skip, SA_SIGINFO_F);
    faults_seen = 0;
    announce(P_MIDR);
    uint64_t midr = 0;
    __asm__ volatile("mrs %0, midr_el1" : "+r"(midr));
    const char *p = have > 0 ? strstr(ref, "CPU part\t: 0x") : 0;
    if (faults_seen || !p)
        return log_label(P_MIDR, 0);
    p += 13;
    long part = 0;
    for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
        part = part * 16 + (*p <= '9' ? *p - '0' : *p - 'a' + 10);
    log_label(P_MIDR, (long)(midr >> 4 & 0xfff) == part ? 0 : -4);
}

static void mpidr_step(void)
{
    set_action(SIGILL, (void *)on_skip, SA_SIGINFO_F);
    faults_seen = 0;
    announce(P_MPIDR);
    uint64_t mpidr = 0x80000000UL;
    __asm__ volatile("mrs %0, mpidr_el1" : "+r"(mpidr));
    log_label(P_MPIDR, faults_seen || mpidr == 0x80000000UL ? 0 : -4);
}

static void dczid_step(void)
{
    uint64_t a, b;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(a));
    announce(P_DCZID);
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(b));
    log_label(P_DCZID, a == b ? 0 : -4);
}

static void ctr_step(void)
{
    uint64_t a, b;
    set_action(SIGILL, (void *)on_skip, SA_SIGINFO_F);
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(a));
    announce(P_CTR);
    b = a;
    __asm__ volatile("mrs %0, ctr_el0" : "+r"(b));
    log_label(P_CTR, a == b ? 0 : -4);
}

static void kmax_step(void)
{
    long kmax = -1;
    if (slurp("/sys/devices/system/cpu/kernel_max", ref, sizeof ref) > 0) {
        const char *p = ref;
        kmax = num(&p);
    }
    announce(P_KMAX);
    long possible = cpulist("/sys/devices/system/cpu/possible", buf);
    if (kmax < 0 || kmax > 62 || possible < 0)
        return log_label(P_KMAX, 0);
    log_label(P_KMAX, -4L * __builtin_popcountl(possible >> (kmax + 1)));
}

static void sysinfo_step(void)
{
    long have = slurp("/proc/meminfo", ref, sizeof ref);
    struct sysinfo_ si;
    memset(&si, 0, sizeof si);
    announce(P_SYSINFO);
    long r = sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0);
    if (r != 0 || have <= 0)
        return log_label(P_SYSINFO, 0);
    long total = field(ref, "MemTotal:");
    log_label(P_SYSINFO, total == (long)(si.totalram * si.mem_unit / 1024) ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    online_step();
    affinity_step();
    getcpu_step();
    stat_step();
    cpuinfo_step();
    meminfo_step();
    memfree_step();
    memunit_step();
    statm_step();
    osrel_step();
    ngroups_step();
    overcommit_step();
    thp_step();
    clockres_step();
    midr_step();
    mpidr_step();
    dczid_step();
    ctr_step();
    kmax_step();
    sysinfo_step();

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
