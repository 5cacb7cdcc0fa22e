/*
 * corral-exec: every task's last step before its command (unless the task runs under corral-init).
 *
 * The launcher execs this program from a sealed memfd (Sources/CorralIsolation/SealedHelper.swift),
 * never from a host file, and it execs the command. So at no moment is a host executable the task's
 * /proc/self/exe: a command that is, or resolves to, /proc/self/exe (directly, by a symlink, as a
 * script's interpreter, as an ELF's PT_INTERP) re-runs this sealed copy, which refuses anything but
 * its one exact form (the CVE-2019-5736 class; docs/security.md, class 2).
 *
 * Freestanding: no libc, no start-up code, a few KiB. It sits on every start's critical path, so its
 * exec costs the kernel's work and nothing else (a static glibc program pays for its start-up and a
 * sealed copy of 800 KiB). Nothing here allocates, and the only calls are raw system calls.
 *
 * Usage: corral-exec REPORT_FD N CANDIDATE... -- ARGV...
 * execve's the N candidate paths in order with ARGV and the environment it was given (execvp
 * semantics: go on past ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT; remember EACCES); if none runs,
 * writes a failure record to REPORT_FD (as the launcher's task would: struct corral_report in
 * Sources/CCorralLaunch/include/corral_launch.h, kind 2, stage 22) and exits 127 (not found) or 126.
 * REPORT_FD "-": there is no report pipe (the launcher gives none when other processes can see this
 * one: an exec into a running task, a task in the host's pid namespace, a raw_exec task; any of them
 * could otherwise open /proc/<pid>/fd/N and forge reports): the failure goes to stderr, same status.
 */
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>

/* From <signal.h>, which needs libc: the same on every Linux architecture this builds for. */
#define SIGPIPE_NUMBER 13
#define SIG_BLOCK_HOW 0

#if defined(__x86_64__)
static long sys4(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}
/* The kernel enters with argc at the stack pointer; the C part wants it as its argument, on an
 * aligned stack. */
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call exec_main\n  hlt\n");
#elif defined(__aarch64__)
static long sys4(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c,
        x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  and sp, x0, #-16\n  bl exec_main\n  brk #0\n");
#else
#error "corral-exec: add this architecture's system call and entry code"
#endif

static long sys3(long n, long a, long b, long c) { return sys4(n, a, b, c, 0); }

/* The compiler may emit calls to these for struct copies and loops; there is no libc to provide them. */
void *memset(void *s, int c, unsigned long n) {
    unsigned char *p = s;
    while (n--) *p++ = (unsigned char)c;
    return s;
}
void *memcpy(void *d, const void *s, unsigned long n) {
    unsigned char *q = d;
    const unsigned char *p = s;
    while (n--) *q++ = *p++;
    return d;
}

static unsigned long length(const char *s) {
    unsigned long n = 0;
    while (s[n]) n++;
    return n;
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static void say(const char *s) {
    unsigned long n = length(s);
    while (n > 0) {
        long w = sys3(__NR_write, 2, (long)s, (long)n);
        if (w == -EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (unsigned long)w;
    }
}

static __attribute__((noreturn)) void leave(int code) {
    for (;;) sys3(__NR_exit_group, code, 0, 0);
}

/* A decimal fd or count, or -1. */
static long parse_number(const char *s) {
    if (!*s) return -1;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 1000000) return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* glibc's wording for the errors an execve can give, so that messages read as they did before. */
static const char *describe(long err) {
    switch (err) {
    case EPERM: return "Operation not permitted";
    case ENOENT: return "No such file or directory";
    case EIO: return "Input/output error";
    case E2BIG: return "Argument list too long";
    case ENOEXEC: return "Exec format error";
    case ENOMEM: return "Cannot allocate memory";
    case EACCES: return "Permission denied";
    case EFAULT: return "Bad address";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case EINVAL: return "Invalid argument";
    case ENFILE: return "Too many open files in system";
    case EMFILE: return "Too many open files";
    case ETXTBSY: return "Text file busy";
    case ENAMETOOLONG: return "File name too long";
    case ELOOP: return "Too many levels of symbolic links";
    case ELIBBAD: return "Accessing a corrupted shared library";
    case EAGAIN: return "Resource temporarily unavailable";
    default: return "Unknown error";
    }
}

/* A failure record as the launcher writes it (mirrors struct corral_report; Tests/CorralIsolationTests/
 * LaunchMirrorTests.swift checks the layout and the two numbers below). */
struct exec_report { int32_t kind, stage, error, index, pid; };

__attribute__((used, noreturn)) void exec_main(long *stack) {
    long argc = stack[0];
    char **argv = (char **)(stack + 1);
    char **envp = argv + argc + 1;
    /* First of all: not dumpable until the command runs (its execve makes it dumpable again), so the
     * task's other processes can neither ptrace us nor open /proc/<us>/fd (a report pipe) or
     * /proc/<us>/exe (the sealed copy every later start execs). */
    sys3(__NR_prctl, PR_SET_DUMPABLE, 0, 0);
    /* Run from a memfd, our name would be the fd's number. */
    sys3(__NR_prctl, PR_SET_NAME, (long)"corral-exec", 0);

    int no_pipe = argc > 3 && same(argv[1], "-");
    long fd = no_pipe ? -1 : argc > 3 ? parse_number(argv[1]) : -1, n = argc > 3 ? parse_number(argv[2]) : -1;
    if ((fd < 3 && !no_pipe) || n < 0 || 3 + n >= argc || !same(argv[3 + n], "--") || 4 + n >= argc) {
        say("corral-exec: refusing to run: not started by corral\n");
        leave(126);
    }
    /* The launcher leaves the report pipe open across the exec into us; the command must not get it. */
    if (!no_pipe) sys3(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
    char **command = argv + 4 + n;
    long denied = -1, err = ENOENT;
    for (long i = 0; i < n; i++) {
        long rc = sys3(__NR_execve, (long)argv[3 + i], (long)command, (long)envp);
        if (rc == -EACCES) { if (denied < 0) denied = i; continue; }
        if (rc == -ENOENT || rc == -ENOTDIR || rc == -ESTALE || rc == -ENODEV || rc == -ETIMEDOUT) continue;
        denied = i;
        err = -rc;
        break;
    }
    if (denied >= 0 && err == ENOENT) err = EACCES;
    int code = denied >= 0 ? 126 : 127;
    if (no_pipe) {
        int bare = 1;
        for (const char *c = command[0]; *c; c++) if (*c == '/') bare = 0;
        say("corral-exec: cannot execute \"");
        say(!bare || denied < 0 || err == ENOENT ? command[0] : argv[3 + denied]);
        say("\": ");
        say(describe(err));
        say("\n");
        leave(code);
    }
    struct exec_report r = { 2, 22, (int32_t)err, denied >= 0 ? (int32_t)denied : 0, 0 };
    /* Nobody may read it (a run released after its caller died): SIGPIPE blocked, the exit code stands. */
    unsigned long pipe_only = 1UL << (SIGPIPE_NUMBER - 1);
    sys4(__NR_rt_sigprocmask, SIG_BLOCK_HOW, (long)&pipe_only, 0, sizeof pipe_only);
    while (sys3(__NR_write, fd, (long)&r, sizeof r) == -EINTR) {}
    leave(code);
}
