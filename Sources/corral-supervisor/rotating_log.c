#include "rotating_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory may be writable by the task (a driver task's alloc/logs is bound into it): the file
 * is opened without following a symlink and without blocking on a fifo, and must be a regular file. */
static int open_current(struct rotating_log *log) {
    log->fd = openat(log->dirfd, log->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
    if (log->fd < 0) return -1;
    struct stat st;
    if (fstat(log->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(log->fd);
        log->fd = -1;
        errno = EINVAL;
        return -1;
    }
    fcntl(log->fd, F_SETFL, O_WRONLY | O_APPEND);
    log->size = st.st_size;
    return 0;
}

void rotating_log_init(struct rotating_log *log, int dirfd, const char *name, off_t max_bytes, int max_files) {
    log->dirfd = dirfd;
    log->name = name;
    log->max_bytes = max_bytes;
    log->max_files = max_files < 1 ? 1 : max_files;
    log->fd = -1;
    log->failed = 0;
    log->size = 0;
    log->dropped = 0;
    log->dropped_total = 0;
    log->resumed_after = 0;
    log->at_line_start = 1;
}

/* The file system has no room (or the file may grow no further): output is dropped, not the log. */
static int is_full(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

/* `len` bytes that could not be written: dropped while the file system is full, else the log stops. */
static int give_up_on(struct rotating_log *log, size_t len, int err) {
    if (log->fd >= 0 && !is_full(err)) { close(log->fd); log->fd = -1; }
    if (is_full(err)) {
        log->dropped += len;
        log->dropped_total += len;
        errno = err;
        return ROTATING_LOG_DROPPED;
    }
    /* Counted all the same: exit.json's log_dropped_bytes, and so the runner's Log Output Dropped event,
     * says that output was lost, whatever the reason (the reason is in supervisor.log). */
    log->dropped_total += len;
    log->failed = 1;
    errno = err;
    return -1;
}

/* name.(N-2) -> name.(N-1), …, name -> name.1; the oldest falls off. */
static int rotate(struct rotating_log *log) {
    char from[512], to[512];
    close(log->fd);
    log->fd = -1;
    if (log->max_files == 1) {
        if (unlinkat(log->dirfd, log->name, 0) < 0 && errno != ENOENT) return -1;
        return open_current(log);
    }
    for (int i = log->max_files - 1; i >= 1; i--) {
        if (i == 1) snprintf(from, sizeof from, "%s", log->name);
        else snprintf(from, sizeof from, "%s.%d", log->name, i - 1);
        snprintf(to, sizeof to, "%s.%d", log->name, i);
        if (renameat(log->dirfd, from, log->dirfd, to) < 0 && errno != ENOENT) return -1;
    }
    return open_current(log);
}

/* Appends with rotation; on failure the bytes not written are handed to give_up_on. */
static int append(struct rotating_log *log, const char *buf, size_t len) {
    if (log->fd < 0 && open_current(log) < 0) return give_up_on(log, len, errno);
    while (len > 0) {
        size_t chunk = len;
        if (log->max_bytes > 0) {
            if (log->size >= log->max_bytes && rotate(log) < 0) return give_up_on(log, len, errno);
            off_t room = log->max_bytes - log->size;
            if ((off_t)chunk > room) {
                /* Rotate at a line boundary when there is one, so each file holds whole lines; a
                 * line longer than a whole file is cut where the file is full. */
                const char *newline = memrchr(buf, '\n', (size_t)room);
                if (newline) {
                    chunk = (size_t)(newline - buf) + 1;
                } else if (log->size > 0) {
                    if (rotate(log) < 0) return give_up_on(log, len, errno);
                    continue;
                } else {
                    chunk = (size_t)room;
                }
            }
        }
        ssize_t n = write(log->fd, buf, chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            return give_up_on(log, len, errno);
        }
        if (n > 0) log->at_line_start = buf[n - 1] == '\n';
        buf += n;
        len -= (size_t)n;
        log->size += n;
    }
    return 0;
}

/* After a drop: the marker line, on a line of its own. Returns as append does; on success the
 * count is moved to `resumed_after`. */
static int write_marker(struct rotating_log *log) {
    unsigned long long dropped = log->dropped;
    char marker[160];
    int n = snprintf(marker, sizeof marker, "%s[corral: %llu bytes of output dropped: the log's file system was full]\n",
                     log->at_line_start ? "" : "\n", dropped);
    log->dropped = 0;
    int rc = append(log, marker, (size_t)n);
    if (rc != 0) {
        /* What the marker itself lost is not output of the task: the count stays the task's. */
        if (rc == ROTATING_LOG_DROPPED) { log->dropped_total -= log->dropped; log->dropped = dropped; }
        return rc;
    }
    log->resumed_after = dropped;
    return 0;
}

int rotating_log_write(struct rotating_log *log, const char *buf, size_t len) {
    if (log->failed) { errno = EBADF; return -1; }
    if (log->dropped > 0) {
        int rc = write_marker(log);
        if (rc < 0) return rc;
        if (rc == ROTATING_LOG_DROPPED) {
            log->dropped += len;
            log->dropped_total += len;
            return rc;
        }
    }
    return append(log, buf, len);
}

void rotating_log_close(struct rotating_log *log) {
    if (!log->failed && log->dropped > 0) write_marker(log);
    if (log->fd >= 0) close(log->fd);
    log->fd = -1;
}
