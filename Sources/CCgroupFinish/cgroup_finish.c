#include "cgroup_finish.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270

/* Reads dir/name into buf (NUL-terminated); returns the length or -1. */
static ssize_t read_file(const char *dir, const char *name, char *buf, size_t size) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", name) >= (int)sizeof path) { errno = ENAMETOOLONG; return -1; }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t total = 0, n;
    while ((size_t)total < size - 1 && (n = read(fd, buf + total, size - 1 - (size_t)total)) != 0) {
        if (n < 0) { if (errno == EINTR) continue; close(fd); return -1; }
        total += n;
    }
    close(fd);
    buf[total] = 0;
    return total;
}

static int write_file(const char *dir, const char *name, const char *value) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) { errno = ENAMETOOLONG; return -1; }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, value, strlen(value));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* The value of `key` in the text of a "key value" file. */
static int kv(const char *text, const char *key, uint64_t *out) {
    size_t klen = strlen(key);
    for (const char *line = text; *line; ) {
        if (!strncmp(line, key, klen) && line[klen] == ' ') {
            *out = strtoull(line + klen + 1, NULL, 10);
            return 1;
        }
        const char *next = strchr(line, '\n');
        if (!next) break;
        line = next + 1;
    }
    return 0;
}

/* Reads a whole small file into buf; returns 1 if it exists. */
static int slurp(const char *dir, const char *name, char *buf, size_t size) {
    return read_file(dir, name, buf, size) >= 0;
}

/* A file holding one number. */
static int number(const char *dir, const char *name, uint64_t *out) {
    char buf[64];
    if (!slurp(dir, name, buf, sizeof buf)) return 0;
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf) return 0;
    *out = v;
    return 1;
}

static int is_v2(const char *dir) {
    struct statfs fs;
    return statfs(dir, &fs) == 0 && fs.f_type == CGROUP2_MAGIC;
}

static void collect_v2(const char *d, struct cgroup_usage *u) {
    char buf[4096];
    uint64_t v;
    if (slurp(d, "memory.events", buf, sizeof buf) && kv(buf, "oom_kill", &v)) u->oom_kills += v;
    if (number(d, "memory.peak", &v)) { u->have_memory_peak = 1; u->memory_peak_bytes = v; }
    if (slurp(d, "cpu.stat", buf, sizeof buf)) {
        if (kv(buf, "usage_usec", &v)) { u->have_cpu = 1; u->cpu_total_ns = v * 1000; }
        if (kv(buf, "user_usec", &v)) u->cpu_user_ns = v * 1000;
        if (kv(buf, "system_usec", &v)) u->cpu_system_ns = v * 1000;
        if (kv(buf, "nr_throttled", &v)) { u->have_throttling = 1; u->throttled_periods = v; }
        if (kv(buf, "throttled_usec", &v)) u->throttled_ns = v * 1000;
    }
}

/* One v1 directory: which hierarchy it is shows by which control files it has. */
static void collect_v1(const char *d, struct cgroup_usage *u, uint64_t ns_per_tick) {
    char buf[4096];
    uint64_t v;
    if (slurp(d, "memory.oom_control", buf, sizeof buf)) {
        if (kv(buf, "oom_kill", &v)) u->oom_kills += v;
        if (number(d, "memory.max_usage_in_bytes", &v)) { u->have_memory_peak = 1; u->memory_peak_bytes = v; }
        return;
    }
    if (number(d, "cpuacct.usage", &v)) {
        u->have_cpu = 1;
        u->cpu_total_ns = v;
        if (slurp(d, "cpuacct.stat", buf, sizeof buf)) {  /* USER_HZ ticks */
            if (kv(buf, "user", &v)) u->cpu_user_ns = v * ns_per_tick;
            if (kv(buf, "system", &v)) u->cpu_system_ns = v * ns_per_tick;
        }
    }
    if (slurp(d, "cpu.stat", buf, sizeof buf)) {  /* the cpu hierarchy, alone or co-mounted with cpuacct */
        if (kv(buf, "nr_throttled", &v)) { u->have_throttling = 1; u->throttled_periods = v; }
        if (kv(buf, "throttled_time", &v)) u->throttled_ns = v;
    }
}

void cgroup_collect(char *const *dirs, int n, struct cgroup_usage *u) {
    memset(u, 0, sizeof *u);
    long tick = sysconf(_SC_CLK_TCK);
    uint64_t ns_per_tick = tick > 0 ? 1000000000ULL / (uint64_t)tick : 10000000ULL;
    if (n > 0 && is_v2(dirs[0])) {
        collect_v2(dirs[0], u);
        return;
    }
    for (int i = 0; i < n; i++) collect_v1(dirs[i], u, ns_per_tick);
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reaps the task's orphans (we are their subreaper) without waiting. */
static void reap_orphans(void) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

/* Short pause between re-reads of files that have no change notification (v1 cgroup.procs,
 * freezer.state): the kernel offers nothing to wait on. */
static void pause_ms(long ms) {
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
}

/* Calls fn for every cgroup under `dir` (a task running as root can make its own), deepest first,
 * then for `dir` itself. */
typedef void (*cgroup_visit)(const char *dir, void *ctx);
static void walk_bottom_up(const char *dir, cgroup_visit fn, void *ctx, int depth) {
    DIR *d = depth < 32 ? opendir(dir) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char child[4096];
            if (snprintf(child, sizeof child, "%s/%s", dir, e->d_name) >= (int)sizeof child) continue;
            walk_bottom_up(child, fn, ctx, depth + 1);
        }
        closedir(d);
    }
    fn(dir, ctx);
}

/* Whether process `pid` is in a cgroup named `name` (or below it), per /proc/<pid>/cgroup. */
static int in_cgroup(pid_t pid, const char *name) {
    char path[64], text[4096], needle[300];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    if (read_file("", path, text, sizeof text) < 0) return 0;
    int n = snprintf(needle, sizeof needle, "/%s", name);
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += n)
        if (p[n] == '/' || p[n] == '\n' || p[n] == 0) return 1;
    return 0;
}

/* SIGKILL through a pidfd, after checking that the pid still names a process of the task's cgroup:
 * a pid read from cgroup.procs may have been reaped and reused by then. A pidfd names one process,
 * so a reuse after the check makes the signal fail instead of reaching a stranger. */
static void kill_member(pid_t pid, const char *name) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return;
    if (in_cgroup(pid, name)) syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
    close(fd);
}

struct sweep_ctx {
    const char *name;   /* the task's cgroup name (its last path component) */
    int kill;           /* 0: only count */
    long listed;        /* processes seen */
};

/* Reads dir/cgroup.procs in chunks, acting only on complete lines (a pid cut at a chunk's end is
 * completed by the next read, never taken for a shorter one). */
static void visit_procs(const char *dir, void *vctx) {
    struct sweep_ctx *ctx = vctx;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  /* gone: nothing left there */
    char buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = 0;
            long pid = strtol(line, NULL, 10);
            if (pid > 0) {
                ctx->listed++;
                if (ctx->kill) kill_member((pid_t)pid, ctx->name);
            }
            line = nl + 1;
        }
        have = strlen(line);
        memmove(buf, line, have);
    }
    close(fd);
}

static long count_procs(const char *dir, const char *name) {
    struct sweep_ctx ctx = { name, 0, 0 };
    walk_bottom_up(dir, visit_procs, &ctx, 0);
    return ctx.listed;
}

/* Stops every process of the subtree: v2 cgroup.freeze (waits for "frozen 1"), v1 freezer.state
 * (FREEZING turns FROZEN once every task has stopped; writing FROZEN again retries the busy ones). */
static void set_frozen(const char *dir, int v2, int frozen, long long deadline) {
    if (!dir) return;
    char state[64];
    while (now_ms() < deadline) {
        if (v2) {
            if (write_file(dir, "cgroup.freeze", frozen ? "1" : "0") < 0) return;
            uint64_t v = 0;
            if (slurp(dir, "cgroup.events", state, sizeof state) && kv(state, "frozen", &v) && (int)v == frozen) return;
        } else {
            if (write_file(dir, "freezer.state", frozen ? "FROZEN" : "THAWED") < 0) return;
            if (read_file(dir, "freezer.state", state, sizeof state) > 0
                && !strncmp(state, frozen ? "FROZEN" : "THAWED", 6)) return;
        }
        pause_ms(1);
    }
}

/* Without a kernel "kill the cgroup" switch (v1, v2 before 5.14): freeze so nothing forks while we
 * read the lists, SIGKILL every process of the subtree, thaw so the signals land, until it is empty.
 * `freezer` is NULL on v1 hosts without a freezer: a fork that escapes a round dies in the next. */
static int sweep(const char *dir, const char *freezer, int v2, const char *name, long long deadline) {
    while (now_ms() < deadline) {
        if (count_procs(dir, name) == 0) return 0;
        set_frozen(freezer, v2, 1, deadline);
        struct sweep_ctx ctx = { name, 1, 0 };
        walk_bottom_up(dir, visit_procs, &ctx, 0);
        set_frozen(freezer, v2, 0, deadline);
        for (int i = 0; i < 100 && now_ms() < deadline && count_procs(dir, name) > 0; i++) {
            reap_orphans();
            pause_ms(i < 10 ? 1 : 10);
        }
    }
    return count_procs(dir, name) == 0 ? 0 : -1;
}

/* v2: populated 0 in cgroup.events (it counts the whole subtree), watched with POLLPRI. */
static int v2_wait_empty(const char *dir, long long deadline) {
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/cgroup.events", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    int empty = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);  /* also re-arms the notification */
        if (n < 0) break;
        buf[n] = 0;
        uint64_t populated = 1;
        if (kv(buf, "populated", &populated) && populated == 0) { empty = 1; break; }
        long long left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd pf = { .fd = fd, .events = POLLPRI };
        poll(&pf, 1, left > 100 ? 100 : (int)left);  /* wake now and then to reap orphans */
        reap_orphans();
    }
    close(fd);
    return empty ? 0 : -1;
}

struct remove_ctx { long long deadline; int failed; };

/* rmdir, retried while busy: a v1 cgroup can stay busy for a moment after its last process went. */
static void remove_one(const char *dir, void *vctx) {
    struct remove_ctx *ctx = vctx;
    for (int attempt = 0; ; attempt++) {
        if (rmdir(dir) == 0 || errno == ENOENT) return;
        if (errno != EBUSY || now_ms() >= ctx->deadline) break;
        reap_orphans();
        pause_ms(attempt < 10 ? 1 : 20);
    }
    fprintf(stderr, "corral-supervisor: cannot remove cgroup %s: %s\n", dir, strerror(errno));
    ctx->failed = 1;
}

/* Everything the release may take, so that a process stuck in the kernel cannot hold the
 * supervisor (and the caller waiting for it) for long. */
#define RELEASE_BUDGET_MS 10000

int cgroup_release(char *const *dirs, int n) {
    if (n <= 0) return 0;
    /* The usual end: the task and everything it started are gone and it made no cgroups below its
     * own, so one rmdir per hierarchy does it (the kernel refuses a cgroup that still holds a process
     * or a child cgroup with EBUSY, and then the walk below takes over). Spares every start the
     * directory walks (five per start on a host with five v1 hierarchies). */
    int left = 0;
    for (int i = 0; i < n; i++)
        if (rmdir(dirs[i]) != 0 && errno != ENOENT) left++;
    if (left == 0) return 0;
    long long deadline = now_ms() + RELEASE_BUDGET_MS;
    const char *name = strrchr(dirs[0], '/') ? strrchr(dirs[0], '/') + 1 : dirs[0];
    int rc = 0;
    if (is_v2(dirs[0])) {
        char events[256];
        uint64_t populated = 0;
        if (slurp(dirs[0], "cgroup.events", events, sizeof events) && kv(events, "populated", &populated) && populated) {
            /* cgroup.kill takes the whole subtree at once (5.14+); before it, the sweep. */
            if (write_file(dirs[0], "cgroup.kill", "1") < 0 && errno == ENOENT) sweep(dirs[0], dirs[0], 1, name, deadline);
            if (v2_wait_empty(dirs[0], deadline) < 0) {
                fprintf(stderr, "corral-supervisor: processes remain in %s after cgroup.kill\n", dirs[0]);
                rc = -1;
            }
        }
    } else if (count_procs(dirs[0], name) > 0) {
        const char *freezer = NULL;
        char buf[32];
        for (int i = 0; i < n; i++)
            if (read_file(dirs[i], "freezer.state", buf, sizeof buf) > 0) freezer = dirs[i];
        if (sweep(dirs[0], freezer, 0, name, deadline) < 0) {
            fprintf(stderr, "corral-supervisor: processes remain in %s after SIGKILL\n", dirs[0]);
            rc = -1;
        }
    }
    reap_orphans();
    struct remove_ctx ctx = { deadline, 0 };
    for (int i = 0; i < n; i++) walk_bottom_up(dirs[i], remove_one, &ctx, 0);
    return rc < 0 || ctx.failed ? -1 : 0;
}
