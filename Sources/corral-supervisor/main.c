/*
 * corral-supervisor: the small program each task's supervisor execs into right after cloning the task.
 *
 * It is the task's parent (and a subreaper for the task's orphans). It copies the task's stdout and
 * stderr to its own stdout/stderr (the caller's, for as long as they accept data) and to rotated log
 * files in the state directory (created on first output), forwards the signals it receives to the task,
 * reaps the task, records its exit in exit.json (atomically: temporary file, then rename), and exits
 * with the task's exit code (128 + N for signal N), which is what exit.json
 * says. It exits 125 only when it cannot supervise at all (bad arguments).
 * Being a separate small program, it holds no copy of the caller's memory.
 *
 * Usage (fds are inherited): corral-supervisor --task-pid PID --stdout-fd FD [--state-fd FD]
 *     [--stderr-fd FD] [--lifeline-fd FD] [--pty] [--log-max-bytes N] [--log-max-files N] [--cgroup DIR]...
 *     [--log-dir-fd FD] [--stdout-log NAME] [--stderr-log NAME] [--no-logs] [--no-forward]
 *     [--start-gate-fd FD --start-barrier-fd FD [--start-record NAME]]
 * Without --state-fd no exit.json is written (exec sessions: the caller takes our exit status).
 * Logs go to --log-dir-fd (default: the state directory) as --stdout-log/--stderr-log (default
 * stdout.log/stderr.log); --no-logs writes none; --no-forward copies nothing to our stdout/stderr
 * (a task of a driver: its output belongs in its logs alone).
 * With --pty, --stdout-fd is a terminal master: stdin is copied into it and its output goes to stdout.
 * --lifeline-fd is the write end of a pipe the task watches: it is only kept open (closed by our death,
 * so the task sees HUP); with SIGKILL as the task's parent-death signal, a task never runs without
 * its supervisor.
 * --cgroup names the task's cgroup directories (one per v1 hierarchy): once the task has exited, the
 * supervisor records its OOM kills and usage, kills what is left in them, and removes them.
 * --start-gate-fd and --start-barrier-fd: the task waits at its start barrier until the caller's answer
 * on the gate, or, if the caller dies first, for as long as it takes to look for --start-record (a
 * file in the state directory): see start_gate.h.
 * When the caller stops reading (EPIPE), that stream is closed too: the task gets SIGPIPE on its
 * next write, as it would in a plain pipeline (`corral isolate -- yes | head -1` ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cgroup_finish.h"
#include "exit_record.h"
#include "rotating_log.h"
#include "start_gate.h"

/* Signals an operator sends to a task; they go to the task, not to us. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH };

struct stream {
    int in;                  /* read end from the task, -1 at EOF */
    int out;                 /* where the caller reads, -1 once it stopped accepting */
    int logging;             /* copy into `log` */
    struct rotating_log log;
};

/* One directory per v1 hierarchy corral joins (memory, cpu, cpuacct, pids, freezer, cpuset, devices). */
#define MAX_CGROUPS 16

struct options {
    pid_t task;
    int state_fd, stdout_fd, stderr_fd, lifeline_fd, pty, log_dir_fd, no_logs, no_forward;
    int start_gate_fd, start_barrier_fd;
    const char *stdout_log, *stderr_log, *start_record;
    off_t log_max_bytes;
    int log_max_files;
    char *cgroups[MAX_CGROUPS];
    int n_cgroups;
};

static void usage_exit(const char *why) {
    fprintf(stderr, "corral-supervisor: %s\n", why);
    exit(125);
}

static long number_arg(const char *flag, const char *value) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || end == value) {
        fprintf(stderr, "corral-supervisor: %s: not a number: %s\n", flag, value);
        exit(125);
    }
    return v;
}

static struct options parse(int argc, char **argv) {
    struct options o = { .task = 0, .state_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .lifeline_fd = -1, .pty = 0,
                         .log_dir_fd = -1, .no_logs = 0, .no_forward = 0,
                         .start_gate_fd = -1, .start_barrier_fd = -1,
                         .stdout_log = "stdout.log", .stderr_log = "stderr.log", .start_record = NULL,
                         .log_max_bytes = 10 * 1024 * 1024, .log_max_files = 10, .n_cgroups = 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--pty")) { o.pty = 1; continue; }
        if (!strcmp(a, "--no-logs")) { o.no_logs = 1; continue; }
        if (!strcmp(a, "--no-forward")) { o.no_forward = 1; continue; }
        if (i + 1 >= argc) usage_exit("missing value after an option");
        const char *v = argv[++i];
        if (!strcmp(a, "--task-pid")) o.task = (pid_t)number_arg(a, v);
        else if (!strcmp(a, "--state-fd")) o.state_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--stdout-fd")) o.stdout_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--stderr-fd")) o.stderr_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--lifeline-fd")) o.lifeline_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--log-max-bytes")) o.log_max_bytes = number_arg(a, v);
        else if (!strcmp(a, "--log-dir-fd")) o.log_dir_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--stdout-log")) o.stdout_log = v;
        else if (!strcmp(a, "--stderr-log")) o.stderr_log = v;
        else if (!strcmp(a, "--log-max-files")) o.log_max_files = (int)number_arg(a, v);
        else if (!strcmp(a, "--start-gate-fd")) o.start_gate_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--start-barrier-fd")) o.start_barrier_fd = (int)number_arg(a, v);
        else if (!strcmp(a, "--start-record")) o.start_record = v;
        else if (!strcmp(a, "--cgroup")) {
            if (o.n_cgroups == MAX_CGROUPS) usage_exit("too many --cgroup directories");
            o.cgroups[o.n_cgroups++] = argv[i];
        }
        else usage_exit("unknown option");
    }
    if (o.task <= 0 || o.stdout_fd < 0) usage_exit("--task-pid and --stdout-fd are required");
    if ((o.start_gate_fd < 0) != (o.start_barrier_fd < 0)) usage_exit("--start-gate-fd and --start-barrier-fd go together");
    if (o.start_record && (o.start_gate_fd < 0 || o.state_fd < 0))
        usage_exit("--start-record needs --start-gate-fd and --state-fd");
    if (o.log_dir_fd < 0) o.log_dir_fd = o.state_fd;
    if (o.log_dir_fd < 0) o.no_logs = 1;
    return o;
}

/* Writes everything to the caller's fd; on failure (reader gone) stops forwarding there. */
static void forward(int *out, const char *buf, size_t len) {
    while (*out >= 0 && len > 0) {
        ssize_t n = write(*out, buf, len);
        if (n > 0) { buf += n; len -= (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = *out, .events = POLLOUT };
            poll(&p, 1, -1);
            continue;
        }
        *out = -1;
    }
}

/* Says in supervisor.log (our stderr) when a log starts dropping output, resumes, or stops. */
static void report_log_change(struct rotating_log *log, int rc, int was_dropping) {
    if (rc < 0)
        fprintf(stderr, "corral-supervisor: log %s: %s (logging stopped)\n", log->name, strerror(errno));
    else if (rc == ROTATING_LOG_DROPPED && !was_dropping)
        fprintf(stderr, "corral-supervisor: log %s: %s (dropping output until there is room)\n", log->name, strerror(errno));
    if (log->resumed_after) {
        fprintf(stderr, "corral-supervisor: log %s: %llu bytes of output dropped; logging resumed\n", log->name,
                log->resumed_after);
        log->resumed_after = 0;
    }
}

static void log_output(struct rotating_log *log, const char *buf, size_t len) {
    int was_dropping = log->dropped > 0;
    report_log_change(log, rotating_log_write(log, buf, len), was_dropping);
}

/* Copies what is readable now; returns 0 at EOF (or EIO from a pty whose slave closed), and when the
 * caller has stopped reading, so that the stream is closed and the task's next write fails. */
static int pump(struct stream *s) {
    char buf[65536];
    ssize_t n = read(s->in, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
    if (n <= 0) return 0;
    int had_reader = s->out >= 0;
    forward(&s->out, buf, (size_t)n);
    if (s->logging && !s->log.failed) log_output(&s->log, buf, (size_t)n);
    else if (s->logging) s->log.dropped_total += (unsigned long long)n;  /* a stopped log still counts its losses */
    return !(had_reader && s->out < 0);
}

/* After the task's exit: take what is already buffered, without waiting for writers that live on. */
static void drain(struct stream *s) {
    if (s->in < 0) return;
    fcntl(s->in, F_SETFL, fcntl(s->in, F_GETFL) | O_NONBLOCK);
    while (pump(s)) {
        struct pollfd p = { .fd = s->in, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) break;
    }
}

static void copy_window_size(int from, int to) {
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0) ioctl(to, TIOCSWINSZ, &ws);
}

/* We cannot supervise: the task must not run on without us, nor its cgroup after it. */
static void kill_and_reap(pid_t task) {
    kill(task, SIGKILL);
    while (waitpid(task, NULL, 0) < 0 && errno == EINTR) {}
}

static void give_up(const struct options *o) {
    kill_and_reap(o->task);
    cgroup_release(o->cgroups, o->n_cgroups);
}

/* Terminal input waiting for the pty master to accept it (non-blocking, so that a task that stops
 * reading input while it writes output cannot deadlock us). */
struct input_buffer {
    char data[4096];
    size_t len;
};

int main(int argc, char **argv) {
    /* Not dumpable, first (execve made us dumpable again): a task sharing our pid namespace cannot
     * open /proc/<us>/exe or ptrace us. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct options o = parse(argc, argv);
    /* The lifeline stays open until we exit; it must not leak into anything we start (nothing). */
    if (o.lifeline_fd >= 0) fcntl(o.lifeline_fd, F_SETFD, FD_CLOEXEC);
    /* Run from a sealed memfd (see Sources/CorralIsolation/SealedHelper.swift), our name would be the fd's number. */
    prctl(PR_SET_NAME, "corral-supervis", 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    /* Keep no file system busy; everything we write goes through the state directory's fd. */
    if (chdir("/") < 0) perror("corral-supervisor: chdir /");

    /* Exactly the signals we handle are blocked (we start with everything blocked by the launcher). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_SETMASK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sigfd < 0) {
        perror("corral-supervisor: signalfd");
        give_up(&o);
        return 125;
    }

    struct stream streams[2];
    int nstreams = 0;
    struct { int fd; const char *log; int out; } sources[2] = {
        { o.stdout_fd, o.stdout_log, 1 }, { o.stderr_fd, o.stderr_log, 2 } };
    for (int i = 0; i < 2; i++) {
        if (sources[i].fd < 0) continue;
        struct stream *s = &streams[nstreams++];
        s->in = sources[i].fd;
        s->out = o.no_forward && !o.pty ? -1 : sources[i].out;
        s->logging = !o.no_logs;
        fcntl(s->in, F_SETFD, FD_CLOEXEC);
        rotating_log_init(&s->log, o.log_dir_fd, sources[i].log, o.log_max_bytes, o.log_max_files);
    }
    struct start_gate gate = { o.start_gate_fd, o.start_barrier_fd, o.state_fd, o.start_record };
    if (gate.gate_fd >= 0) {
        fcntl(gate.gate_fd, F_SETFD, FD_CLOEXEC);
        fcntl(gate.barrier_fd, F_SETFD, FD_CLOEXEC);
    }
    int stdin_open = o.pty;
    struct input_buffer input = { .len = 0 };
    if (o.pty) {
        copy_window_size(0, o.stdout_fd);
        fcntl(o.stdout_fd, F_SETFL, fcntl(o.stdout_fd, F_GETFL) | O_NONBLOCK);
    }

    int status = 0, exited = 0;
    while (!exited) {
        struct pollfd fds[6];
        int n = 0;
        fds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        for (int i = 0; i < nstreams; i++) fds[n++] = (struct pollfd){ .fd = streams[i].in, .events = POLLIN };
        int stdin_slot = -1, master_slot = -1, gate_slot = -1;
        if (gate.gate_fd >= 0) { gate_slot = n; fds[n++] = (struct pollfd){ .fd = gate.gate_fd, .events = POLLIN }; }
        if (stdin_open && input.len == 0) { stdin_slot = n; fds[n++] = (struct pollfd){ .fd = 0, .events = POLLIN }; }
        if (input.len > 0) { master_slot = n; fds[n++] = (struct pollfd){ .fd = o.stdout_fd, .events = POLLOUT }; }
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            perror("corral-supervisor: poll");
            give_up(&o);
            return 125;
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == sizeof si) {
                if ((int)si.ssi_signo == SIGCHLD) {
                    int st;
                    pid_t pid;
                    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                        if (pid == o.task) { status = st; exited = 1; }
                } else if (o.pty && (int)si.ssi_signo == SIGWINCH) {
                    copy_window_size(0, o.stdout_fd);
                } else if (!exited) {
                    kill(o.task, (int)si.ssi_signo);  /* safe: the task is our child, not yet reaped */
                }
                struct pollfd again = { .fd = sigfd, .events = POLLIN };
                if (poll(&again, 1, 0) <= 0) break;
            }
        }
        if (gate_slot >= 0 && (fds[gate_slot].revents & (POLLIN | POLLHUP | POLLERR))) start_gate_decide(&gate);
        for (int i = 0; i < nstreams; i++) {
            if (streams[i].in < 0 || !(fds[1 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (!pump(&streams[i])) { close(streams[i].in); streams[i].in = -1; }
        }
        /* Streams at EOF drop out of the poll set by having in = -1: poll ignores negative fds. */
        if (stdin_slot >= 0 && (fds[stdin_slot].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = read(0, input.data, sizeof input.data);
            if (r > 0) input.len = (size_t)r;
            else if (r == 0 || (errno != EINTR && errno != EAGAIN)) stdin_open = 0;
        }
        if (input.len > 0 && (master_slot < 0 || (fds[master_slot].revents & (POLLOUT | POLLERR | POLLHUP)))) {
            ssize_t w = write(o.stdout_fd, input.data, input.len);
            if (w > 0) {
                memmove(input.data, input.data + w, input.len - (size_t)w);
                input.len -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                input.len = 0;
                stdin_open = 0;
            }
        }
    }
    start_gate_close(&gate);
    unsigned long long dropped = 0;
    for (int i = 0; i < nstreams; i++) {
        drain(&streams[i]);
        rotating_log_close(&streams[i].log);
        report_log_change(&streams[i].log, 0, 1);
        dropped += streams[i].log.dropped_total;
    }

    /* The record first: it must not wait for the cleanup, which a process stuck in the kernel can
     * hold up for its whole time budget. Whoever waits for us still sees the cgroup gone when we exit. */
    struct cgroup_usage usage;
    if (o.n_cgroups > 0) cgroup_collect(o.cgroups, o.n_cgroups, &usage);
    if (o.state_fd >= 0 && exit_record_write(o.state_fd, o.task, status, o.n_cgroups > 0 ? &usage : NULL, dropped) < 0)
        fprintf(stderr, "corral-supervisor: cannot record the exit status: %s\n", strerror(errno));
    cgroup_release(o.cgroups, o.n_cgroups);
    return exit_record_code(status);
}
