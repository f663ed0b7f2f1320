/* /proc, /sys and /dev as programs read them: the process's own entries (exe,
 * cmdline, environ, status, stat, maps, fd/), system files (cpuinfo, meminfo,
 * uptime, loadavg, filesystems, mounts, sys/kernel/...), /sys probes and the
 * character devices.  Prints only facts that hold on any Linux, so it compares
 * with a run under qemu-user; "show" prints what the kernel model answers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static char buf[1 << 16];

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (cond) printf("ok   %s\n", what);                                   \
        else { printf("FAIL %s (errno %d)\n", what, errno); failures++; }      \
    } while (0)

static ssize_t slurp(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static int has_line_prefix(const char *text, const char *prefix) {
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0) return 1;
    return 0;
}

static void self_entries(int argc, char **argv) {
    char path[256], link[256];
    ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
    CHECK(n > 0 && link[0] == '/', "readlink /proc/self/exe: an absolute path");
    link[n > 0 ? n : 0] = 0;
    const char *base = strrchr(link, '/');
    CHECK(base && strcmp(base + 1, "procfs") == 0, "exe names this program");
    struct stat a, b;
    CHECK(stat("/proc/self/exe", &a) == 0 && stat(link, &b) == 0 && a.st_ino == b.st_ino &&
          S_ISREG(a.st_mode), "stat /proc/self/exe is the program file");
    snprintf(path, sizeof path, "/proc/%d/exe", getpid());
    n = readlink(path, link, sizeof link);
    CHECK(n > 0, "/proc/PID/exe too");
    n = slurp("/proc/self/cmdline");
    int ok = n > 0;
    const char *p = buf;
    for (int i = 0; ok && i < argc; i++) {
        const char *want = i == 0 ? argv[0] : argv[i];
        ok = strcmp(p, want) == 0;
        p += strlen(p) + 1;
    }
    CHECK(ok && p == buf + n, "cmdline: argv, NUL-separated");
    setenv("PROCFS_PROBE", "1", 1);      /* not in environ: that is the exec-time copy */
    n = slurp("/proc/self/environ");
    CHECK(n >= 0 && memmem(buf, n, "PROCFS_PROBE", 12) == NULL, "environ: as exec gave it");
    n = slurp("/proc/self/status");
    CHECK(n > 0 && has_line_prefix(buf, "Name:\tprocfs"), "status: Name");
    char want[64];
    snprintf(want, sizeof want, "Pid:\t%d", getpid());
    CHECK(has_line_prefix(buf, want), "status: Pid");
    snprintf(want, sizeof want, "PPid:\t%d", getppid());
    CHECK(has_line_prefix(buf, want), "status: PPid");
    CHECK(has_line_prefix(buf, "VmSize:") && has_line_prefix(buf, "SigBlk:") &&
          has_line_prefix(buf, "Threads:\t1"), "status: VmSize, SigBlk, Threads");
    n = slurp("/proc/self/stat");
    int pid = 0;
    char comm[64], state;
    CHECK(n > 0 && sscanf(buf, "%d %63s %c", &pid, comm, &state) == 3 && pid == getpid() &&
          strcmp(comm, "(procfs)") == 0 && state == 'R', "stat: pid (comm) R");
    int fields = 0;
    for (char *q = strrchr(buf, ')'); q && *q; q++) fields += *q == ' ';
    CHECK(fields >= 50, "stat: at least 52 fields");
    n = slurp("/proc/self/maps");
    CHECK(n > 0 && strstr(buf, "[stack]") != NULL, "maps: [stack]");
    unsigned long lo, hi;
    char perms[8];
    CHECK(sscanf(buf, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo < hi && perms[3] == 'p',
          "maps: start-end perms");
    unsigned long here = (unsigned long)&self_entries;
    int found = 0;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= here && here < hi)
            found = perms[0] == 'r' && perms[2] == 'x';
    }
    CHECK(found, "maps: our code is in an r-x area");
    int fd = open("/proc/self/status", O_RDONLY);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && strstr(link, "/status") != NULL, "fd/N links to the opened file");
    DIR *d = opendir("/proc/self/fd");
    int seen0 = 0, seen_fd = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        seen0 |= strcmp(e->d_name, "0") == 0;
        seen_fd |= atoi(e->d_name) == fd && e->d_type == DT_LNK;
    }
    if (d) closedir(d);
    CHECK(seen0 && seen_fd, "fd/ lists open descriptors");
    close(fd);
    int p2[2];
    pipe(p2);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p2[0]);
    n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(strncmp(link, "pipe:[", 6) == 0, "fd/N of a pipe: pipe:[ino]");
    snprintf(path, sizeof path, "/proc/self/fd/%d", p2[1]);
    int w = open(path, O_WRONLY);
    CHECK(w >= 0 && write(w, "x", 1) == 1 && read(p2[0], buf, 1) == 1, "open fd/N of a pipe");
    close(w); close(p2[0]); close(p2[1]);
    CHECK(readlink("/proc/self", link, sizeof link) > 0 && atoi(link) == getpid(),
          "/proc/self -> PID");
    CHECK(slurp("/proc/self/mounts") > 0 && strstr(buf, " /proc proc ") != NULL,
          "mounts: proc on /proc");
    CHECK(slurp("/proc/self/mountinfo") > 0 && strstr(buf, " - proc ") != NULL,
          "mountinfo: proc");
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", getpid());
    CHECK(access(path, R_OK) == 0, "task/TID/stat");
    CHECK(open("/proc/self/nonexistent", O_RDONLY) == -1 && errno == ENOENT, "missing: ENOENT");
}

static void system_files(void) {
    CHECK(slurp("/proc/cpuinfo") > 0 && has_line_prefix(buf, "processor") &&
          has_line_prefix(buf, "Features") && has_line_prefix(buf, "CPU implementer"),
          "cpuinfo: processor, Features, CPU implementer");
    long total = 0, avail = 0;
    char *m = slurp("/proc/meminfo") > 0 ? strstr(buf, "MemTotal:") : NULL;
    if (m) total = atol(m + 9);
    m = strstr(buf, "MemAvailable:");
    if (m) avail = atol(m + 13);
    CHECK(total > 0 && avail > 0 && avail <= total, "meminfo: MemTotal >= MemAvailable > 0");
    double up = -1, idle = -1;
    CHECK(slurp("/proc/uptime") > 0 && sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0,
          "uptime: two numbers");
    double l1;
    int running, total_threads;
    CHECK(slurp("/proc/loadavg") > 0 && sscanf(buf, "%lf %*f %*f %d/%d", &l1, &running,
                                                &total_threads) == 3 && total_threads >= 1,
          "loadavg: loads and running/total");
    CHECK(slurp("/proc/stat") > 0 && has_line_prefix(buf, "cpu ") && has_line_prefix(buf, "btime"),
          "stat: cpu and btime lines");
    CHECK(slurp("/proc/filesystems") > 0 && strstr(buf, "\tproc\n") != NULL, "filesystems: proc");
    CHECK(slurp("/proc/sys/kernel/osrelease") > 0 && buf[0] >= '0' && buf[0] <= '9',
          "sys/kernel/osrelease");
    CHECK(slurp("/proc/sys/kernel/pid_max") > 0 && atol(buf) >= 32768, "sys/kernel/pid_max");
    char u1[64], u2[64];
    slurp("/proc/sys/kernel/random/uuid");
    snprintf(u1, sizeof u1, "%.60s", buf);
    slurp("/proc/sys/kernel/random/uuid");
    snprintf(u2, sizeof u2, "%.60s", buf);
    CHECK(strlen(u1) == 37 && u1[8] == '-' && strcmp(u1, u2) != 0, "random/uuid: new each read");
    CHECK(slurp("/proc/sys/vm/overcommit_memory") > 0 && buf[0] >= '0' && buf[0] <= '2',
          "sys/vm/overcommit_memory");
    CHECK(slurp("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0 && atol(buf) == 2097152,
          "sys: hpage_pmd_size");
    CHECK(slurp("/sys/devices/system/cpu/online") > 0 && buf[0] == '0', "sys: cpu/online");
    struct stat st;
    CHECK(stat("/proc", &st) == 0 && S_ISDIR(st.st_mode), "stat /proc: a directory");
    CHECK(open("/proc/cpuinfo", O_WRONLY) == -1 && errno == EACCES, "write cpuinfo: EACCES");
    struct statfs sf;
    CHECK(statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0, "statfs /proc: PROC_SUPER_MAGIC");
    CHECK(statfs("/sys", &sf) == 0 && sf.f_type == 0x62656572, "statfs /sys: SYSFS_MAGIC");
    DIR *d = opendir("/proc");
    int self = 0, mine = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        self |= strcmp(e->d_name, "self") == 0;
        mine |= atoi(e->d_name) == getpid();
    }
    if (d) closedir(d);
    CHECK(self && mine, "/proc lists self and our pid");
    CHECK(chdir("/proc/self") == 0 && access("status", R_OK) == 0 && chdir("/") == 0,
          "chdir into /proc/self");
}

static void memfd_and_sched(void) {
    struct stat st;
    int fd = memfd_create("scratch", MFD_CLOEXEC);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "memfd_create");
    char path[64], link[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(strcmp(link, "/memfd:scratch (deleted)") == 0, "memfd: /memfd:NAME (deleted)");
    CHECK(ftruncate(fd, 8192) == 0 && write(fd, "memfd!", 6) == 6, "memfd: ftruncate, write");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED && memcmp(m, "memfd!", 6) == 0, "memfd: mmap sees the data");
    char back[6];
    CHECK(pread(fd, back, 6, 0) == 6 && memcmp(back, "memfd!", 6) == 0, "memfd: pread");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 8192, "memfd: size");
    munmap(m, 8192);
    close(fd);
    CHECK(memfd_create("x", 0x100) == -1 && errno == EINVAL, "memfd bad flags: EINVAL");
    CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_RR) == 1 &&
          sched_get_priority_max(SCHED_OTHER) == 0, "sched priority ranges");
    CHECK(sched_get_priority_max(42) == -1 && errno == EINVAL, "bad policy: EINVAL");
    fd = open("falloc.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fallocate(fd, 0, 0, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192,
          "fallocate: the file grows");
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096) == 0 && fstat(fd, &st) == 0 &&
          st.st_size == 8192, "fallocate KEEP_SIZE: it does not");
    pwrite(fd, "abcdefgh", 8, 100);
    CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 102, 3) == 0 &&
          pread(fd, back, 6, 100) == 6 && memcmp(back, "ab\0\0\0f", 6) == 0,
          "fallocate PUNCH_HOLE: zeros");
    close(fd);
    unlink("falloc.bin");
    struct { unsigned version; int pid; } hdr = {0x20080522, 0};
    struct { unsigned eff, perm, inh; } caps[2];
    CHECK(syscall(SYS_capget, &hdr, caps) == 0 && (caps[0].eff >> 21 & 1), "capget: CAP_SYS_ADMIN");
}

static void devices(void) {
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
          minor(st.st_rdev) == 3, "/dev/null: char 1,3");
    int fd = open("/dev/full", O_RDWR);
    char z[4] = {1, 1, 1, 1};
    CHECK(fd >= 0 && read(fd, z, 4) == 4 && z[0] == 0 && z[3] == 0, "/dev/full reads zeros");
    CHECK(write(fd, "x", 1) == -1 && errno == ENOSPC, "/dev/full: ENOSPC");
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0 && read(fd, z, 4) == 4 && z[1] == 0, "/dev/zero");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    unsigned char r[16] = {0};
    int nonzero = 0;
    CHECK(fd >= 0 && read(fd, r, 16) == 16, "/dev/urandom");
    for (int i = 0; i < 16; i++) nonzero |= r[i];
    CHECK(nonzero, "/dev/urandom: not all zero");
    close(fd);
    CHECK(stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5,
          "/dev/tty: char 5,0");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "show") == 0) {
        for (int i = 2; i < argc; i++) {
            ssize_t n = slurp(argv[i]);
            if (n < 0) { printf("%s: errno %d\n", argv[i], errno); continue; }
            fwrite(buf, 1, n, stdout);
        }
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "chroot") == 0) {
        /* chroot into ./jail (made here): its files are all that is left of the tree */
        mkdir("jail", 0755);
        mkdir("jail/sub", 0755);
        int fd = open("jail/inside.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        write(fd, "inside\n", 7);
        close(fd);
        chdir("jail/sub");
        CHECK(chroot("missing") == -1 && errno == ENOENT, "chroot missing: ENOENT");
        CHECK(chroot("/jail") == 0, "chroot /jail");
        char cwd[256];
        CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/sub") == 0, "cwd inside the new root");
        CHECK(slurp("/inside.txt") == 7 && slurp("/../../inside.txt") == 7, "/ is the jail, .. stays");
        CHECK(access("/bin", F_OK) == -1 && errno == ENOENT, "the old tree is gone");
        CHECK(slurp("/proc/self/status") > 0, "/proc is still there");
        pid_t pid = fork();
        if (pid == 0) _exit(access("/inside.txt", R_OK) == 0 ? 0 : 1);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a child keeps the root");
        printf("%s: %d failures\n", failures ? "FAILED" : "passed", failures);
        return failures != 0;
    }
    if (argc > 1 && strcmp(argv[1], "tty") == 0) {
        int fd = open("/dev/tty", O_RDWR);
        printf("open /dev/tty: %s\n", fd >= 0 ? "ok" : strerror(errno));
        return 0;
    }
    self_entries(argc, argv);
    system_files();
    devices();
    memfd_and_sched();
    printf("%s: %d failures\n", failures ? "FAILED" : "passed", failures);
    return failures != 0;
}
