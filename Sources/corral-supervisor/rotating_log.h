/* rotating_log.h: an append-only log file in a directory, rotated by size (name, name.1, … name.N-1). */
#ifndef CORRAL_ROTATING_LOG_H
#define CORRAL_ROTATING_LOG_H

#include <stddef.h>
#include <sys/types.h>

struct rotating_log {
    int dirfd;          /* directory holding the files */
    const char *name;   /* base file name, e.g. "stdout.log" */
    off_t max_bytes;    /* rotate before a write would pass this size (0: never) */
    int max_files;      /* files kept, the current one included (>= 1) */
    int fd;             /* current file, -1 once writing has failed */
    off_t size;
};

int rotating_log_open(struct rotating_log *log, int dirfd, const char *name, off_t max_bytes, int max_files);
/* Appends `len` bytes; returns -1 with errno after the log has stopped working. */
int rotating_log_write(struct rotating_log *log, const char *buf, size_t len);
void rotating_log_close(struct rotating_log *log);

#endif
