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

int rotating_log_write(struct rotating_log *log, const char *buf, size_t len) {
    if (log->failed) { errno = EBADF; return -1; }
    if (log->fd < 0 && open_current(log) < 0) { log->failed = 1; return -1; }
    while (len > 0) {
        size_t chunk = len;
        if (log->max_bytes > 0) {
            if (log->size >= log->max_bytes && rotate(log) < 0) { log->failed = 1; return -1; }
            off_t room = log->max_bytes - log->size;
            if ((off_t)chunk > room) {
                /* Rotate at a line boundary when there is one, so each file holds whole lines; a
                 * line longer than a whole file is cut where the file is full. */
                const char *newline = memrchr(buf, '\n', (size_t)room);
                if (newline) {
                    chunk = (size_t)(newline - buf) + 1;
                } else if (log->size > 0) {
                    if (rotate(log) < 0) { log->failed = 1; return -1; }
                    continue;
                } else {
                    chunk = (size_t)room;
                }
            }
        }
        ssize_t n = write(log->fd, buf, chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(log->fd);
            log->fd = -1;
            log->failed = 1;
            errno = saved;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
        log->size += n;
    }
    return 0;
}

void rotating_log_close(struct rotating_log *log) {
    if (log->fd >= 0) close(log->fd);
    log->fd = -1;
}
