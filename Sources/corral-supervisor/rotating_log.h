/* rotating_log.h: an append-only log file in a directory, rotated by size (name, name.1, … name.N-1),
 * at a line boundary when the data has one. Rotation renames the live file and opens a new one, so
 * `tail -F` reads the old file to its end and then follows the new one: nothing is lost or repeated.
 * The file is created on the first write, so a task that prints nothing leaves no empty logs.
 * A full file system (ENOSPC, EDQUOT, EFBIG) does not stop the log: output is dropped and counted
 * while nothing can be written, and the first write that succeeds again is preceded by a marker line
 * saying how many bytes were dropped. Any other failure stops the log for good. */
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
    unsigned long long dropped;        /* bytes dropped since the file system filled up (0: writing) */
    unsigned long long dropped_total;  /* bytes dropped over the log's life */
    unsigned long long resumed_after;  /* set when a marker was written: the bytes it reports (the caller clears it) */
    int at_line_start;                 /* the last byte written ended a line (or nothing was written) */
};

void rotating_log_init(struct rotating_log *log, int dirfd, const char *name, off_t max_bytes, int max_files);
/* Appends `len` bytes. Returns 0 when they were written, ROTATING_LOG_DROPPED (errno set) when the file
 * system is full and they were dropped (counted in `dropped`), -1 with errno once the log has stopped. */
#define ROTATING_LOG_DROPPED 1
int rotating_log_write(struct rotating_log *log, const char *buf, size_t len);
/* Closes the file; output still being dropped gets its marker first if there is room for it now. */
void rotating_log_close(struct rotating_log *log);

#endif
