/* secret_r71_rules: the attack target of red-team round seventy-one (return.name_too_long
 * and return.link_loop as changed after round 70, and names the Guardian takes as the
 * descriptor).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.
 *
 * The program makes a memfd M.  N is "///.../proc/self/fd/<M>" with no NUL ending at the
 * end of a page P1 whose next page is P2:
 *  P_PKEYNONE    pkey_mprotect(P2, PROT_NONE, -1) (do_mprotect_pkey(): mprotect() with
 *                no key), openat(N, O_RDWR): -EFAULT (strncpy_from_user() faults).
 *  P_PKEYOPEN    mprotect(P2, PROT_NONE), then pkey_mprotect(P2, PROT_READ|PROT_WRITE,
 *                -1): P2 is a zero page again, N ends there: opens M (0).
 *  P_FIXEDOPEN   mprotect(P2, PROT_NONE), then mmap(P2, MAP_FIXED, read-write): opens M.
 *  P_MOVEDNONE   P2 unmapped, a PROT_NONE page of its own moved onto it (mremap()
 *                MREMAP_MAYMOVE|MREMAP_FIXED), openat(N, O_RDWR): -EFAULT.
 *  P_MREMAPOVER  mprotect(P2, PROT_NONE), a read-write page moved onto P2 (mremap()
 *                MREMAP_FIXED replaces it): a zero page, N ends there: opens M (0).
 *  P_MTEBITS     prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 1 << 20)
 *                : -EINVAL (set_tagged_addr_ctrl(): bit 20 lies past PR_MTE_TAG_MASK,
 *                valid with MTE or without).
 *  P_READLINKNULL readlinkat(M, NULL, buf, 64): -EFAULT (do_readlinkat() ->
 *                user_path_at(LOOKUP_EMPTY) -> getname_flags() -> strncpy_from_user()
 *                faults at address 0: LOOKUP_EMPTY allows "", not NULL).  Its marker's
 *                second value is the address of "/proc/self/fd/<M>".
 *  P_ACCESSNULL  faccessat2(M, NULL, F_OK, AT_EMPTY_PATH): -EFAULT (do_faccessat() ->
 *                user_path_at() -> getname_flags(): LOOKUP_EMPTY allows "", not NULL).
 *  P_HANDLENULL  name_to_handle_at(M, NULL, handle, &mnt, AT_EMPTY_PATH): -EFAULT
 *                likewise (user_path_at()).
 *  P_LINKNULL    linkat(M, NULL, AT_FDCWD, "/tmp/r71-link", AT_EMPTY_PATH): -EFAULT
 *                (do_linkat() -> getname_uflags() -> getname_flags() copies the name).
 *  P_UTIMEEMPTY  utimensat(AT_FDCWD, NULL, NULL, AT_EMPTY_PATH): -EFAULT (do_utimes()
 *                takes NULL as the descriptor only past AT_FDCWD; do_utimes_path() ->
 *                user_path_at() copies the name).
 *  P_NULATEND    "///.../proc/self/fd/<M>" whose NUL is the last byte of P1, P2
 *                PROT_NONE: opens M (strncpy_from_user() stops at the NUL; its
 *                word-at-a-time loads never cross the page).
 *  P_TAGLONG     prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then openat() of
 *                4096 bytes "/" with no NUL through a pointer with top byte 0x01:
 *                -ENAMETOOLONG (untagged_addr(), then getname() fills PATH_MAX bytes);
 *                (Where the prctl() fails: index 1.)
 *  P_TAGLOOPS    then openat("/proc/self/root" x 20 + "/proc/self/fd/<M>") through a
 *                pointer with top byte 0x01: -ELOOP (42 links).
 *  P_TAGNULL     then openat(NULL with top byte 0x01): -EFAULT (untagged_addr() gives
 *                NULL); the ABI turned off again.
 *  P_QUOTANULL   quotactl(QCMD(Q_QUOTAOFF, USRQUOTA), NULL, 0, NULL): -ENODEV (a NULL
 *                special is only Q_SYNC's: SYSCALL_DEFINE4(quotactl)).
 *  P_QUOTATYPE   quotactl(QCMD(Q_SYNC, 5), NULL, 0, 0): -EINVAL (type >= MAXQUOTAS).
 *  P_QUOTASYNC   quotactl(QCMD(Q_SYNC, USRQUOTA), NULL, 0, 0): 0 (quota_sync_all()).
 * (A marker's second value is the name's tail past "/proc/self/root" x 20, or the name
 * untagged.)  L is "/proc/self/root" x 20 + "/proc/self" (40 links, then a last component that is a
 * link), K "/proc/self/root" x 20 + "/proc/self/fd/<M>" (42 links):
 *  P_STATXNOFOLLOW statx(AT_FDCWD, L, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS): 0 (the
 *                last component is not followed: 40 links).
 *  P_FSTATNOFOLLOW newfstatat(AT_FDCWD, L, buf, AT_SYMLINK_NOFOLLOW): 0 likewise.
 *  P_STATXSLASH  statx(AT_FDCWD, L + "/", AT_SYMLINK_NOFOLLOW): -ELOOP (a trailing slash
 *                follows it: lookup_last(); the 41st).
 *  P_FSTATLOOPS  newfstatat(AT_FDCWD, K, buf, AT_SYMLINK_NOFOLLOW): -ELOOP (the 41st
 *                link is not the last component).
 *  P_MKDIRLINKS  mkdirat(AT_FDCWD, "/proc/self/root" x 20 + "/tmp/r71-dir", 0700): 40
 *                links, the last component never followed: 0, or another answer where
 *                /tmp is not writable (0 for any answer but -ELOOP); then removed.
 *  P_MKDIRLOOPS  mkdirat(AT_FDCWD, "/proc/self/root" x 21 + "/tmp/r71-dir", 0700):
 *                -ELOOP (42 links in the parent: filename_create()).
 *  P_TRUNCLOOPS  truncate(K, 0): -ELOOP (do_sys_truncate() -> user_path_at()).
 *  P_TAGON       prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then
 *                openat("/proc/self/fd/<M>" through a pointer with top byte 0x01): opens
 *                M (untagged_addr() under TIF_TAGGED_ADDR); the ABI turned off again.
 *  P_TAGOFF      the same open after prctl(PR_SET_TAGGED_ADDR_CTRL, 0): -EFAULT.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r71.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PKEYNONE 8800
#define P_PKEYOPEN 8802
#define P_FIXEDOPEN 8804
#define P_QUOTANULL 8806
#define P_QUOTATYPE 8808
#define P_QUOTASYNC 8810
#define P_STATXNOFOLLOW 8812
#define P_FSTATNOFOLLOW 8814
#define P_STATXSLASH 8816
#define P_FSTATLOOPS 8818
#define P_MKDIRLINKS 8820
#define P_MKDIRLOOPS 8822
#define P_TRUNCLOOPS 8824
#define P_TAGON 8826
#define P_TAGOFF 8828
#define P_MOVEDNONE 8830
#define P_MREMAPOVER 8832
#define P_MTEBITS 8834
#define P_READLINKNULL 8836
#define P_ACCESSNULL 8838
#define P_HANDLENULL 8840
#define P_LINKNULL 8842
#define P_UTIMEEMPTY 8844
#define P_NULATEND 8846
#define P_TAGLONG 8848
#define P_TAGLOOPS 8850
#define P_TAGNULL 8852

#define AT_NOFOLLOW 0x100
#define STATX_BASIC 0x7ffu
#define QCMD_OF(cmd, type) (((cmd) << 8) | ((type) & 0xff))
#define Q_SYNC_CMD 0x800001
#define Q_QUOTAOFF_CMD 0x800003
#define PR_SET_TAGGED 55
#define PR_TAGGED_ENABLE 1

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r71"
#include "secret_rules_kit.h"

/* two pages of their own: a name and its NUL */
static char namebuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t statbuf[512] __attribute__((aligned(16)));

/* namebuf = lead + rep * n + tail, tail's "%" the decimal m */
static void spell(const char *lead, const char *rep, int n, const char *tail, long m)
{
    char *p = namebuf;
    for (const char *s = lead; *s; s++)
        *p++ = *s;
    for (int i = 0; i < n; i++)
        for (const char *s = rep; *s; s++)
            *p++ = *s;
    for (const char *s = tail; *s; s++) {
        if (*s == '%')
            p = fd_name(p, m);
        else
            *p++ = *s;
    }
    *p = 0;
}

/* "///.../proc/self/fd/<m>" with no NUL ending at the end of the page at pg */
static char *page_name(long pg, long m)
{
    char tail[24] = "/proc/self/fd/";
    char *e = fd_name(tail + 14, m);
    long n = e - tail;
    memset((char *)pg, '/', PAGE);
    memcpy((char *)pg + PAGE - n, tail, (size_t)n);
    return (char *)pg + PAGE - 200;
}

static long two_pages(void)
{
    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mapped_ok(two) ? two : 0;
}

static void prot_steps(long m)
{
    long two = two_pages();
    marker(P_PKEYNONE, m, 0, 0, 0);
    if (two && sys6(SYS_pkey_mprotect, two + PAGE, PAGE, PROT_NONE, -1, 0, 0) == 0) {
        char *name = page_name(two, m);
        long r = sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0);
        log_label(P_PKEYNONE, open_index(r, -EFAULT));
    } else {
        log_label(P_PKEYNONE, 1);
    }
    two = two_pages();
    marker(P_PKEYOPEN, m, 0, 0, 0);
    if (two && sc(SYS_mprotect, two + PAGE, PAGE, PROT_NONE, 0) == 0 &&
            sys6(SYS_pkey_mprotect, two + PAGE, PAGE, PROT_READ | PROT_WRITE, -1, 0, 0) == 0) {
        char *name = page_name(two, m);
        log_label(P_PKEYOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    } else {
        log_label(P_PKEYOPEN, 1);
    }
    two = two_pages();
    if (two && sc(SYS_mprotect, two + PAGE, PAGE, PROT_NONE, 0) == 0) {
        char *name = page_name(two, m);
        memmove(name - 1, name, 200);
        name[199] = 0;
        marker(P_NULATEND, m, 0, 0, 0);
        log_label(P_NULATEND, ok_index(sc(SYS_openat, AT_FDCWD, (long)(name - 1), O_RDWR,
                                          0)));
    }
    two = two_pages();
    if (two && sc(SYS_mprotect, two + PAGE, PAGE, PROT_NONE, 0) == 0 &&
            sys6(SYS_mmap, two + PAGE, PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == two + PAGE) {
        char *name = page_name(two, m);
        marker(P_FIXEDOPEN, m, 0, 0, 0);
        log_label(P_FIXEDOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    }
}

static void move_steps(long m)
{
    long two = two_pages();
    long x = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two && mapped_ok(x) && sc(SYS_munmap, two + PAGE, PAGE, 0, 0) == 0 &&
            sys6(SYS_mremap, x, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, two + PAGE, 0) ==
            two + PAGE) {
        char *name = page_name(two, m);
        marker(P_MOVEDNONE, m, 0, 0, 0);
        long r = sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0);
        log_label(P_MOVEDNONE, open_index(r, -EFAULT));
    }
    two = two_pages();
    long y = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (two && mapped_ok(y) && sc(SYS_mprotect, two + PAGE, PAGE, PROT_NONE, 0) == 0 &&
            sys6(SYS_mremap, y, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, two + PAGE, 0) ==
            two + PAGE) {
        char *name = page_name(two, m);
        marker(P_MREMAPOVER, m, 0, 0, 0);
        log_label(P_MREMAPOVER, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    }
}

static char linkname[32];

static void null_steps(long m)
{
    marker(P_MTEBITS, m, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_SET_TAGGED, PR_TAGGED_ENABLE | 1l << 20, 0, 0, 0, 0);
    log_label(P_MTEBITS, err_index(r, -EINVAL));
    if (r == 0)
        sys6(SYS_prctl, PR_SET_TAGGED, 0, 0, 0, 0, 0);
    memcpy(linkname, "/proc/self/fd/", 14);
    fd_name(linkname + 14, m);
    marker(P_READLINKNULL, m, (long)linkname, 0, 0);
    r = sc(SYS_readlinkat, m, 0, (long)statbuf, 64);
    log_label(P_READLINKNULL, err_index(r, -EFAULT));
    marker(P_ACCESSNULL, m, 0, 0, 0);
    r = sc(SYS_faccessat2, m, 0, F_OK, AT_EMPTY_PATH);
    log_label(P_ACCESSNULL, err_index(r, -EFAULT));
    static uint32_t handle[40] = {128};
    static int mnt;
    marker(P_HANDLENULL, m, 0, 0, 0);
    r = sys6(SYS_name_to_handle_at, m, 0, (long)handle, (long)&mnt, AT_EMPTY_PATH, 0);
    log_label(P_HANDLENULL, err_index(r, -EFAULT));
    marker(P_LINKNULL, m, 0, 0, 0);
    r = sys6(SYS_linkat, m, 0, AT_FDCWD, (long)"/tmp/r71-link", AT_EMPTY_PATH, 0);
    log_label(P_LINKNULL, err_index(r, -EFAULT));
    if (r == 0)
        sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r71-link", 0, 0);
    marker(P_UTIMEEMPTY, m, 0, 0, 0);
    r = sc(SYS_utimensat, AT_FDCWD, 0, 0, AT_EMPTY_PATH);
    log_label(P_UTIMEEMPTY, err_index(r, -EFAULT));
}

static void quota_steps(void)
{
    marker(P_QUOTANULL, 0, 0, 0, 0);
    long r = sc(SYS_quotactl, QCMD_OF(Q_QUOTAOFF_CMD, 0), 0, 0, 0);
    log_label(P_QUOTANULL, err_index(r, -ENODEV));
    marker(P_QUOTATYPE, 0, 0, 0, 0);
    r = sc(SYS_quotactl, QCMD_OF(Q_SYNC_CMD, 5), 0, 0, 0);
    log_label(P_QUOTATYPE, err_index(r, -EINVAL));
    marker(P_QUOTASYNC, 0, 0, 0, 0);
    r = sc(SYS_quotactl, QCMD_OF(Q_SYNC_CMD, 0), 0, 0, 0);
    log_label(P_QUOTASYNC, r == 0 ? 0 : 1);
}

static void loop_steps(long m)
{
    spell("", "/proc/self/root", 20, "/proc/self", m);
    marker(P_STATXNOFOLLOW, m, (long)namebuf + 300, 0, 0);
    long r = sys6(SYS_statx, AT_FDCWD, (long)namebuf, AT_NOFOLLOW, STATX_BASIC,
                  (long)statbuf, 0);
    log_label(P_STATXNOFOLLOW, r == 0 ? 0 : 1);
    marker(P_FSTATNOFOLLOW, m, (long)namebuf + 300, 0, 0);
    r = sc(SYS_newfstatat, AT_FDCWD, (long)namebuf, (long)statbuf, AT_NOFOLLOW);
    log_label(P_FSTATNOFOLLOW, r == 0 ? 0 : 1);
    spell("", "/proc/self/root", 20, "/proc/self/", m);
    marker(P_STATXSLASH, m, 0, 0, 0);
    r = sys6(SYS_statx, AT_FDCWD, (long)namebuf, AT_NOFOLLOW, STATX_BASIC, (long)statbuf, 0);
    log_label(P_STATXSLASH, err_index(r, -ELOOP));
    spell("", "/proc/self/root", 20, "/proc/self/fd/%", m);
    marker(P_FSTATLOOPS, m, 0, 0, 0);
    r = sc(SYS_newfstatat, AT_FDCWD, (long)namebuf, (long)statbuf, AT_NOFOLLOW);
    log_label(P_FSTATLOOPS, err_index(r, -ELOOP));
    marker(P_TRUNCLOOPS, m, 0, 0, 0);
    r = sc(SYS_truncate, (long)namebuf, 0, 0, 0);
    log_label(P_TRUNCLOOPS, err_index(r, -ELOOP));

    spell("", "/proc/self/root", 20, "/tmp/r71-dir", m);
    marker(P_MKDIRLINKS, m, (long)namebuf + 300, 0, 0);
    r = sc(SYS_mkdirat, AT_FDCWD, (long)namebuf, 0700, 0);
    log_label(P_MKDIRLINKS, r == -ELOOP ? 1 : 0);
    if (r == 0)
        sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r71-dir", AT_REMOVEDIR, 0);
    spell("", "/proc/self/root", 21, "/tmp/r71-dir", m);
    marker(P_MKDIRLOOPS, m, 0, 0, 0);
    r = sc(SYS_mkdirat, AT_FDCWD, (long)namebuf, 0700, 0);
    log_label(P_MKDIRLOOPS, err_index(r, -ELOOP));
    if (r == 0)
        sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r71-dir", AT_REMOVEDIR, 0);
}

static void tag_long(long m)
{
    memset(namebuf, '/', PAGE);
    namebuf[PAGE] = 0;
    marker(P_TAGLONG, m, 0, 0, 0);
    if (sys6(SYS_prctl, PR_SET_TAGGED, PR_TAGGED_ENABLE, 0, 0, 0, 0) != 0) {
        log_label(P_TAGLONG, 1);
        return;
    }
    long r = sc(SYS_openat, AT_FDCWD, (long)namebuf | 1l << 56, O_RDWR, 0);
    log_label(P_TAGLONG, open_index(r, -ENAMETOOLONG));
    spell("", "/proc/self/root", 20, "/proc/self/fd/%", m);
    marker(P_TAGLOOPS, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf | 1l << 56, O_RDWR, 0);
    log_label(P_TAGLOOPS, open_index(r, -ELOOP));
    marker(P_TAGNULL, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, 1l << 56, O_RDWR, 0);
    log_label(P_TAGNULL, open_index(r, -EFAULT));
    sys6(SYS_prctl, PR_SET_TAGGED, 0, 0, 0, 0, 0);
}

static void tag_steps(long m)
{
    spell("", "", 0, "/proc/self/fd/%", m);
    marker(P_TAGON, m, (long)namebuf, 0, 0);
    if (sys6(SYS_prctl, PR_SET_TAGGED, PR_TAGGED_ENABLE, 0, 0, 0, 0) == 0) {
        log_label(P_TAGON, ok_index(sc(SYS_openat, AT_FDCWD, (long)namebuf | 1l << 56,
                                       O_RDWR, 0)));
        if (sys6(SYS_prctl, PR_SET_TAGGED, 0, 0, 0, 0, 0) != 0)
            return;
    }
    marker(P_TAGOFF, m, 0, 0, 0);
    log_label(P_TAGOFF, open_index(sc(SYS_openat, AT_FDCWD, (long)namebuf | 1l << 56,
                                      O_RDWR, 0), -EFAULT));
}

static uint8_t *g_heap, *g_mapped;
static volatile uint8_t *g_stack;
static int show_digest;

/* The program's last check: its three copies of the secret intact; the digest with -d. */
static int finish(void)
{
    uint8_t digest[32];
    char hex[80];
    uint8_t *heap = g_heap;
    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp(g_mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= g_stack[16 + i] != ((uint8_t *)secret)[i];
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

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

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
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_registers();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);
    g_heap = heap;
    g_mapped = (uint8_t *)mapped;
    g_stack = stackbuf;

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        prot_steps(m);
        move_steps(m);
        quota_steps();
        null_steps(m);
        loop_steps(m);
        tag_steps(m);
        tag_long(m);
    }
    return finish();
}
