/*
 * corral-init: the minimal PID 1 a task runs under when its job sets `init = true` (like tini or
 * catatonit). The launcher execs this static binary from a sealed memfd as the task's first process; it starts the command as its only child and does the two jobs that a
 * program not written to be PID 1 does not do:
 *
 *   - Reaping. Orphans in the task are reparented to PID 1, and someone must wait for them or they stay
 *     zombies. We reap every child that exits. When the pid namespace is shared with the host we are not
 *     PID 1; we become a child subreaper so that the command's orphans still come to us.
 *   - Signals. The kernel drops a signal sent to a pid namespace's init that has no handler for it, so
 *     a command that never installs a SIGTERM handler would ignore `corral stop` as PID 1. We receive
 *     the signals listed below through a signalfd and forward each one to the command.
 *
 * We exit with the command's exit code, or 128 + N if signal N killed it. A shell would re-raise N on
 * itself instead, but PID 1 cannot: the kernel ignores the signal (no handler), so 128 + N is the only
 * truthful report. We do not wait for the command's remaining descendants: when a namespace's init
 * exits, the kernel kills the rest of the namespace (in a shared namespace they go to the next
 * subreaper). SIGKILL and SIGSTOP cannot be caught, so they are never forwarded; SIGKILL from outside
 * the namespace ends the whole task at once.
 *
 * The launcher execs it from a sealed memfd (never from a host file), as it does corral-exec for a task
 * without an init (Sources/corral-exec/main.c). So at no moment is a host executable the task's
 * /proc/self/exe: a command that is, or resolves to, /proc/self/exe re-runs this sealed copy, which
 * refuses anything but its exact form below (the CVE-2019-5736 class).
 *
 * Usage: corral-init --init -- COMMAND [ARGS...]
 * Exit: the command's status; 125 for bad usage or if the command could not be started (signalfd,
 * fork); 127 if the command was not found, 126 if it could not be executed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "no_swift_runtime.h"

/*
 * Forwarded to the command: the signals that operators, terminals and job control send. Job-control stops
 * (SIGTSTP, SIGTTIN, SIGTTOU) stop the command, not us. SIGPIPE, SIGXCPU and SIGXFSZ can only reach us
 * through kill(): after the fork we never write to a pipe or a file and use almost no CPU. Not listed,
 * and never blocked: the synchronous fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT,
 * SIGSYS), which report a fault in this process. The real-time signals are forwarded too (see
 * handled_signals): they have no meaning to the kernel, and a command may use them (systemd uses
 * SIGRTMIN+3 to halt).
 * A terminal's SIGINT, SIGQUIT or SIGTSTP goes to the whole foreground process group, which includes both
 * us and the command, so the command can receive it twice (as it would under tini without -g).
 */
static const int forwarded[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH,
    SIGTSTP, SIGTTIN, SIGTTOU,
    SIGPIPE, SIGURG, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR,
};

/* The signals we take from the signalfd: SIGCHLD, the forwarded list, and the real-time signals. */
static void handled_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(set, forwarded[i]);
    /* libc's own signals lie below SIGRTMIN, so this range does not include them. */
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) sigaddset(set, sig);
}

/*
 * Sets the default action for every signal in set. The command inherits these dispositions across fork
 * and execve (SIG_IGN survives execve). They are also needed for our own sake: if SIGCHLD were ignored,
 * the kernel would reap our children itself and the command's status would be lost. Blocked signals
 * with a default action stay pending for the signalfd, even in a namespace's init.
 */
static void default_dispositions(const sigset_t *set) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(set, sig) == 1) sigaction(sig, &sa, NULL);
}

/* In the child: runs the command with the signal mask we were started with. Does not return. */
static void run_command(char **argv, const sigset_t *original_mask) {
    sigprocmask(SIG_SETMASK, original_mask, NULL);
    execvp(argv[0], argv);
    int err = errno;
    fprintf(stderr, "corral-init: cannot run \"%s\": %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

/* Reaps every child that has exited, without blocking. Returns 1 (and its wait status) if one was the command. */
static int reap(pid_t command, int *status) {
    int found = 0, st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        if (pid == command) { *status = st; found = 1; }
    return found;
}

/* Until the command has exited: reaps on SIGCHLD, forwards everything else. Returns its wait status. */
static int supervise(int sigfd, pid_t command) {
    int status;
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t r = read(sigfd, &si, sizeof si);
        if (r < 0 && errno == EINTR) continue;
        if (r != (ssize_t)sizeof si) break;
        /* One SIGCHLD may stand for many exits (pending signals do not queue): reap them all. */
        if (si.ssi_signo == SIGCHLD) {
            if (reap(command, &status)) return status;
        } else {
            /* Safe: the command has not been reaped yet, so its pid cannot belong to anyone else. */
            kill(command, (int)si.ssi_signo);
        }
    }
    /* Cannot happen in practice. Stop forwarding, but keep reaping until the command exits. */
    perror("corral-init: reading signals");
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) != command)
        if (pid < 0 && errno != EINTR) return 125 << 8;  /* as if it exited 125 */
    return status;
}

int main(int argc, char **argv) {
    /* First of all: not dumpable until the command runs (its execve makes it dumpable again), so the
     * task's other processes can neither ptrace us nor open /proc/<us>/fd (a report pipe) or
     * /proc/<us>/exe (the sealed copy every later start execs). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Run from a memfd, our name would be the fd's number. */
    prctl(PR_SET_NAME, "corral-init", 0, 0, 0);
    int first = 3;
    if (argc <= first || strcmp(argv[1], "--init") || strcmp(argv[2], "--")) {
        fputs("corral-init: refusing to run: usage: corral-init --init -- COMMAND [ARGS...]\n", stderr);
        return 126;
    }
    /* Nothing inherited above stderr reaches the command (the launcher leaves none open; be sure). */
    syscall(SYS_close_range, 3U, ~0U, 0U);
    /* Shared pid namespace: without this, the command's orphans would go to the host's init. */
    if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        perror("corral-init: PR_SET_CHILD_SUBREAPER");

    sigset_t handled, original;
    handled_signals(&handled);
    /* Block first, then reset. A signal that arrives in between stays pending; it is not acted on. */
    sigprocmask(SIG_BLOCK, &handled, &original);
    default_dispositions(&handled);
    /* Close-on-exec, so the command does not inherit it. A signal that arrives before the fork is
     * pending, and we read it from the fd after the fork. It is then forwarded to the command. */
    int sigfd = signalfd(-1, &handled, SFD_CLOEXEC);
    if (sigfd < 0) {
        perror("corral-init: signalfd");
        return 125;
    }
    pid_t command = fork();
    if (command < 0) {
        perror("corral-init: fork");
        return 125;
    }
    if (command == 0) run_command(argv + first, &original);

    int status = supervise(sigfd, command), ignored;
    reap(command, &ignored);  /* a last pass for orphans that exited meanwhile */
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
