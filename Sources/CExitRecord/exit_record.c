#include "exit_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int exit_record_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

/* UTC "YYYY-MM-DDTHH:MM:SS" from Unix seconds. Plain arithmetic (days to civil date, after
 * Howard Hinnant's algorithm): gmtime_r would first read /etc/localtime, a file we do not need. */
static void utc_stamp(char out[32], long long seconds) {
    long long days = seconds / 86400, rem = seconds % 86400;
    if (rem < 0) { rem += 86400; days--; }
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long doe = days - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2);
    snprintf(out, 32, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day,
             rem / 3600, rem % 3600 / 60, rem % 60);
}

/* Appends `"key":value` for each measured counter: absent files stay absent in the record. */
static int append_usage(char *out, size_t size, const struct cgroup_usage *u) {
    int n = snprintf(out, size, ",\"oom_killed\":%s,\"oom_kills\":%llu,\"resources\":{",
                     u->oom_kills ? "true" : "false", (unsigned long long)u->oom_kills);
    const char *sep = "";
    if (u->have_memory_peak) {
        n += snprintf(out + n, size - (size_t)n, "\"memory_peak_bytes\":%llu", (unsigned long long)u->memory_peak_bytes);
        sep = ",";
    }
    if (u->have_cpu) {
        n += snprintf(out + n, size - (size_t)n, "%s\"cpu_total_ns\":%llu,\"cpu_user_ns\":%llu,\"cpu_system_ns\":%llu", sep,
                      (unsigned long long)u->cpu_total_ns, (unsigned long long)u->cpu_user_ns,
                      (unsigned long long)u->cpu_system_ns);
        sep = ",";
    }
    if (u->have_throttling)
        n += snprintf(out + n, size - (size_t)n, "%s\"cpu_throttled_periods\":%llu,\"cpu_throttled_ns\":%llu", sep,
                      (unsigned long long)u->throttled_periods, (unsigned long long)u->throttled_ns);
    n += snprintf(out + n, size - (size_t)n, "}");
    return n;  /* at most 299 bytes with every counter at UINT64_MAX: `size` (512) always suffices */
}

int exit_record_write(int dirfd, pid_t pid, int wait_status, const struct cgroup_usage *usage,
                      unsigned long long log_dropped_bytes) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char stamp[32];
    utc_stamp(stamp, (long long)now.tv_sec);

    int sig = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    int core = WIFSIGNALED(wait_status) && WCOREDUMP(wait_status);
    char resources[512] = "";
    if (usage) append_usage(resources, sizeof resources, usage);
    char body[1024];
    int len = snprintf(body, sizeof body,
        "{\"task_pid\":%d,\"exit_code\":%d,\"signal\":%d,\"core_dumped\":%s%s,"
        "\"finished_at\":\"%s.%09ldZ\",\"finished_at_unix_ns\":%lld,\"log_dropped_bytes\":%llu}\n",
        (int)pid, exit_record_code(wait_status), sig, core ? "true" : "false", resources,
        stamp, now.tv_nsec, (long long)now.tv_sec * 1000000000LL + now.tv_nsec, log_dropped_bytes);

    if (len < 0 || len >= (int)sizeof body) { errno = EOVERFLOW; return -1; }
    int fd = openat(dirfd, "exit.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return -1;
    if (write(fd, body, (size_t)len) != len) { close(fd); return -1; }
    close(fd);
    if (renameat(dirfd, "exit.json.tmp", dirfd, "exit.json") < 0) return -1;
    return 0;
}
