/* cgroup_finish.h: what the supervisor does with the task's cgroup once the task has exited:
 * read the OOM kill count and the final usage (for exit.json), kill whatever processes are left
 * (with --pid host the task's orphans can outlive it), and remove the cgroup's directories. The
 * supervisor owns the cgroup from the task's start: it outlives corral and any agent, so the cgroup
 * is removed however they end. */
#ifndef CORRAL_CGROUP_FINISH_H
#define CORRAL_CGROUP_FINISH_H

#include <stdint.h>

/* The final readings of a task's cgroup; a have_* flag is 0 when the kernel exposes no such file. */
struct cgroup_usage {
    uint64_t oom_kills;
    int have_memory_peak;
    uint64_t memory_peak_bytes;
    int have_cpu;
    uint64_t cpu_total_ns, cpu_user_ns, cpu_system_ns;
    int have_throttling;
    uint64_t throttled_periods, throttled_ns;
};

/* Reads the OOM count and usage from the task's cgroup directories (v1: one per hierarchy). */
void cgroup_collect(char *const *dirs, int n, struct cgroup_usage *out);

/* Kills the processes left in the cgroup and removes the directories. Returns 0, or -1 after
 * printing what could not be done. */
int cgroup_release(char *const *dirs, int n);

#endif
