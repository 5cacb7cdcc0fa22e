/* rotating_log.h: an append-only log file in a directory, rotated by size (name, name.1, … name.N-1),
 * at a line boundary when the data has one. Rotation renames the live file and opens a new one, so
 * `tail -F` reads the old file to its end and then follows the new one: nothing is lost or repeated.
 * The file is created on the first write, so a task that prints nothing leaves no empty logs. */
#ifndef CORRAL_ROTATING_LOG_H
#define CORRAL_ROTATING_LOG_H

#include <stddef.h>
#include <sys/types.h>

struct rotating_log {
    int dirfd;          /* directory holding the files */
    const char *name;   /* base file name, e.g. "stdout.log" */
    off_t max_bytes;    /* rotate before a write would pass this size (0: never) */
    int max_files;      /* files kept, the current one included (>= 1) */
    int fd;             /* current file; -1 before the first write */
    int failed;         /* writing failed: the log is off */
    off_t size;
};

void rotating_log_init(struct rotating_log *log, int dirfd, const char *name, off_t max_bytes, int max_files);
/* Appends `len` bytes; returns -1 with errno after the log has stopped working. */
int rotating_log_write(struct rotating_log *log, const char *buf, size_t len);
void rotating_log_close(struct rotating_log *log);

#endif
