/* exit_record.h: the task's exit status, written durably and atomically as exit.json in the state directory. */
#ifndef CORRAL_EXIT_RECORD_H
#define CORRAL_EXIT_RECORD_H

#include <sys/types.h>

/* Writes exit.json (via a temporary file, fsync and rename) for a wait status of `pid`. */
int exit_record_write(int dirfd, pid_t pid, int wait_status);

/* The shell-style exit code for a wait status: the code, or 128 + the signal. */
int exit_record_code(int wait_status);

#endif
