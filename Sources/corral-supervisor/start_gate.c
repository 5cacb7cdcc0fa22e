/* start_gate.c: see start_gate.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "start_gate.h"

/* A record is there when it is a regular, non-empty file in the state directory (written whole and
 * renamed into place by the caller: a partial one keeps its temporary name). Never through a link. */
static int record_exists(const struct start_gate *g) {
    struct stat st;
    if (g->state_fd < 0 || !g->record) return 0;
    return fstatat(g->state_fd, g->record, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

void start_gate_close(struct start_gate *g) {
    if (g->gate_fd >= 0) close(g->gate_fd);
    if (g->barrier_fd >= 0) close(g->barrier_fd);
    g->gate_fd = g->barrier_fd = -1;
}

int start_gate_decide(struct start_gate *g) {
    char answer = 0;
    ssize_t n;
    do n = read(g->gate_fd, &answer, 1); while (n < 0 && errno == EINTR);
    /* No answer (the caller's end closed, or a read error): the record decides. */
    int release = n == 1 ? answer == 1 : record_exists(g);
    if (release) {
        char go = 1;
        /* EPIPE (SIGPIPE is ignored) when the task already died: nothing to release. */
        while (write(g->barrier_fd, &go, 1) < 0 && errno == EINTR) {}
    }
    /* Refused: closing the only write end is the end of file the task sees. */
    start_gate_close(g);
    return release;
}
