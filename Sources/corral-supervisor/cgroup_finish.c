#include "cgroup_finish.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270

/* Reads dir/name into buf (NUL-terminated); returns the length or -1. */
static ssize_t read_file(const char *dir, const char *name, char *buf, size_t size) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return -1;
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
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return -1;
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

/* v2: populated 0 in cgroup.events, watched with POLLPRI (raised on every change). */
static int v2_wait_empty(const char *dir, int timeout_ms) {
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/cgroup.events", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long long end = now_ms() + timeout_ms;
    int empty = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);  /* also re-arms the notification */
        if (n < 0) break;
        buf[n] = 0;
        char *p = strstr(buf, "populated ");
        if (p && p[10] == '0') { empty = 1; break; }
        long long left = end - now_ms();
        if (left <= 0) break;
        struct pollfd pf = { .fd = fd, .events = POLLPRI };
        poll(&pf, 1, left > 100 ? 100 : (int)left);  /* wake now and then to reap orphans */
        reap_orphans();
    }
    close(fd);
    return empty ? 0 : -1;
}

static int procs_empty(const char *dir) {
    char buf[64];
    ssize_t n = read_file(dir, "cgroup.procs", buf, sizeof buf);
    return n == 0;
}

/* v1 freezer: FREEZING becomes FROZEN once every task has stopped; writing FROZEN again retries. */
static void freeze(const char *freezer) {
    char state[32];
    for (int i = 0; i < 200; i++) {
        if (write_file(freezer, "freezer.state", "FROZEN") < 0) return;
        if (read_file(freezer, "freezer.state", state, sizeof state) > 0 && !strncmp(state, "FROZEN", 6)) return;
        pause_ms(1);
    }
}

/* Freeze (so nothing forks while we read the list), SIGKILL everything listed, thaw, repeat until
 * the cgroup is empty. `freezer` is NULL without a freezer: a fork that escapes a round dies in the next. */
static int sweep(const char *dir, const char *freezer) {
    for (int round = 0; round < 50; round++) {
        if (procs_empty(dir)) return 0;
        if (freezer) freeze(freezer);
        char buf[65536];
        if (read_file(dir, "cgroup.procs", buf, sizeof buf) > 0) {
            char *p = buf;
            while (*p) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p) break;
                if (pid > 0) kill((pid_t)pid, SIGKILL);
                p = end;
            }
        }
        if (freezer) write_file(freezer, "freezer.state", "THAWED");
        for (int i = 0; i < 100 && !procs_empty(dir); i++) { reap_orphans(); pause_ms(i < 10 ? 1 : 10); }
    }
    return procs_empty(dir) ? 0 : -1;
}

int cgroup_release(char *const *dirs, int n) {
    if (n <= 0) return 0;
    int rc = 0;
    if (is_v2(dirs[0])) {
        char events[256];
        uint64_t populated = 0;
        if (slurp(dirs[0], "cgroup.events", events, sizeof events) && kv(events, "populated", &populated) && populated) {
            if (write_file(dirs[0], "cgroup.kill", "1") < 0 && errno == ENOENT) sweep(dirs[0], NULL);
            if (v2_wait_empty(dirs[0], 10000) < 0) {
                fprintf(stderr, "corral-supervisor: processes remain in %s after cgroup.kill\n", dirs[0]);
                rc = -1;
            }
        }
    } else if (!procs_empty(dirs[0])) {
        const char *freezer = NULL;
        char buf[32];
        for (int i = 0; i < n; i++)
            if (read_file(dirs[i], "freezer.state", buf, sizeof buf) > 0) freezer = dirs[i];
        if (sweep(dirs[0], freezer) < 0) {
            fprintf(stderr, "corral-supervisor: processes remain in %s after SIGKILL\n", dirs[0]);
            rc = -1;
        }
    }
    reap_orphans();
    for (int i = 0; i < n; i++) {
        int removed = 0;
        /* A v1 cgroup can stay busy for a moment after its last process was reaped. */
        for (int attempt = 0; attempt < 50; attempt++) {
            if (rmdir(dirs[i]) == 0 || errno == ENOENT) { removed = 1; break; }
            if (errno != EBUSY) break;
            reap_orphans();
            pause_ms(attempt < 10 ? 1 : 20);
        }
        if (!removed) {
            fprintf(stderr, "corral-supervisor: cannot remove cgroup %s: %s\n", dirs[i], strerror(errno));
            rc = -1;
        }
    }
    return rc;
}
