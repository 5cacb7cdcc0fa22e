#pragma once

/// The agent's own executable out of its tasks' reach (CVE-2019-5736): every process the agent
/// forks (driver tasks, exec sessions' joining children) is a clone of it until its execve, and a
/// task could reach the clone's /proc/<pid>/exe. Run from a sealed memfd copy, that file is no host
/// file and cannot be written (F_SEAL_WRITE), so a task cannot plant code the next agent would run.

/// Re-executes the running program from a sealed memfd copy of /proc/self/exe with `argv` and the
/// current environment, plus `CORRAL_EXE=<the original path>` (so that helper programs are still
/// found next to it). Returns 0 without doing anything when the program already runs from a sealed
/// copy; otherwise does not return on success, and returns -errno on failure.
int corral_exec_sealed_copy(char *const argv[]);
