/* exit_record.h: the task's exit status, written atomically as exit.json in the state directory.
 * Not fsync'd: the record has to survive the caller's or an agent's death, which the page cache
 * does; after a host crash the task is gone too, and recovery treats it as lost. */
#ifndef CORRAL_EXIT_RECORD_H
#define CORRAL_EXIT_RECORD_H

#include <sys/types.h>

#include "cgroup_finish.h"

/* Writes exit.json (via a temporary file and rename) for a wait status of `pid`, with the final
 * readings of its cgroup when it had one (`usage` NULL otherwise) and the bytes of output its logs
 * dropped while their file system was full. */
int exit_record_write(int dirfd, pid_t pid, int wait_status, const struct cgroup_usage *usage,
                      unsigned long long log_dropped_bytes);

/* The shell-style exit code for a wait status: the code, or 128 + the signal. */
int exit_record_code(int wait_status);

#endif
