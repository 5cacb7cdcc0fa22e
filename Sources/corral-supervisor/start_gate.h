/* start_gate.h: the task's start barrier, held and released by the supervisor.
 *
 * The task waits at its barrier (Sources/CCorralLaunch/launch.c, wait_at_start_barrier) right
 * before its command, until the run is recorded on disk. The caller records the run and then
 * answers on the gate: byte 1 releases the task, byte 0 refuses it (it ends with 125, its
 * command never run). The supervisor holds the barrier's only write end, so the answer survives
 * the caller: when the gate closes without an answer (the caller died, say an agent SIGKILLed
 * mid-start), the record itself decides. A run whose record is on disk is one the next agent
 * adopts, so it is released; one without a record is one the next agent removes and starts again,
 * so it is refused. No window is left in which a recorded run is refused or an unrecorded one runs.
 */
#ifndef CORRAL_START_GATE_H
#define CORRAL_START_GATE_H

struct start_gate {
    int gate_fd;          /* read end of the caller's answer, -1 once decided (or without a gate) */
    int barrier_fd;       /* write end of the task's barrier, -1 once decided */
    int state_fd;         /* the run's state directory, where the record appears */
    const char *record;   /* the record's name in it */
};

/* Acts on the gate being readable (an answer, or its end): releases or refuses the task, closes both
 * fds. Returns 1 when the task was released, 0 when refused. */
int start_gate_decide(struct start_gate *g);

/* The task is gone before the gate was answered: nothing to release. */
void start_gate_close(struct start_gate *g);

#endif
