#include "exit_record.h"

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

int exit_record_write(int dirfd, pid_t pid, int wait_status) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    int sig = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    int core = WIFSIGNALED(wait_status) && WCOREDUMP(wait_status);
    char body[512];
    int len = snprintf(body, sizeof body,
        "{\"task_pid\":%d,\"exit_code\":%d,\"signal\":%d,\"core_dumped\":%s,"
        "\"finished_at\":\"%s.%09ldZ\",\"finished_at_unix_ns\":%lld}\n",
        (int)pid, exit_record_code(wait_status), sig, core ? "true" : "false",
        stamp, now.tv_nsec, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);

    int fd = openat(dirfd, "exit.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return -1;
    if (write(fd, body, (size_t)len) != len) { close(fd); return -1; }
    close(fd);
    if (renameat(dirfd, "exit.json.tmp", dirfd, "exit.json") < 0) return -1;
    return 0;
}
