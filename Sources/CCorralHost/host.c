#include "corral_host.h"

#include <linux/bpf.h>

#include <errno.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

int corral_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno; }

int corral_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int corral_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) return -errno;
    return n == (ssize_t)sizeof info ? (int)info.ssi_signo : 0;
}

int corral_openpty(int *master, int *slave) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -errno;
    char name[128];
    if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
        int saved = errno;
        close(m);
        return -saved;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int saved = errno;
        close(m);
        return -saved;
    }
    *master = m;
    *slave = s;
    return 0;
}

int corral_pty_signal(int master, int signal) { return ioctl(master, TIOCSIG, signal) == 0 ? 0 : -errno; }

int corral_set_nondumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -errno; }

int corral_set_thread_name(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof short_name - 1);
    short_name[sizeof short_name - 1] = '\0';
    return prctl(PR_SET_NAME, (unsigned long)short_name, 0, 0, 0) == 0 ? 0 : -errno;
}

int corral_open_standard_fds(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);  /* lowest free fd: this one */
        if (null < 0) return -errno;
        if (null != fd) { dup2(null, fd); close(null); }
    }
    return 0;
}

int corral_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* openat2 answers EAGAIN when a rename or mount raced a scoped lookup and asks to retry. Bounded: a
 * task renaming in a loop inside a directory the host resolves through must get an error back, never
 * keep a host thread spinning. */
#define OPENAT2_RETRIES 64

int corral_open_path_no_symlinks(const char *path) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd, tries = 0;
    do { fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how); } while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_RETRIES);
    return fd < 0 ? -errno : fd;
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif

int corral_clone_tree(int fd) {
    int tree = (int)syscall(SYS_open_tree, fd, "", AT_EMPTY_PATH | AT_RECURSIVE | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    return tree < 0 ? -errno : tree;
}

int corral_open_in_root(const char *root, const char *path) {
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return -errno;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  /* a FIFO planted by an image never blocks us */
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd, tries = 0;
    do { fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how); } while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_RETRIES);
    int saved = errno;
    close(rootfd);
    return fd < 0 ? -saved : fd;
}

int corral_openat2(int dirfd, const char *path, int flags, int mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    /* O_PATH takes no other flags but these (openat2 refuses the rest with EINVAL). */
    how.flags = (uint64_t)(flags & O_PATH ? flags | O_CLOEXEC : flags | O_CLOEXEC | O_NOCTTY);
    how.resolve = mode == CORRAL_IN_ROOT
        ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
        : RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    int fd;
    int tries = 0;
    do { fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how); } while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_RETRIES);
    return fd < 0 ? -errno : fd;
}

int corral_o_path(void) { return O_PATH; }

long corral_last_index_of(const void *buf, long len, int byte) {
    if (len <= 0) return -1;
    const char *found = memrchr(buf, byte, (size_t)len);
    return found ? (long)(found - (const char *)buf) : -1;
}

int corral_pidfd_open(pid_t pid) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : fd;
}

int corral_pidfd_send_signal(int pidfd, int sig) {
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : -errno;
}

int corral_pidfd_wait(int pidfd, int *code, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do { rc = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED); } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -errno;
    *code = info.si_code;
    *status = info.si_status;
    return 0;
}

int corral_attach_device_program(int cgroup_fd, const void *instructions, uint32_t count, char *log, uint32_t log_size) {
    union bpf_attr load;
    memset(&load, 0, sizeof load);
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = (uint64_t)(uintptr_t)instructions;
    load.insn_cnt = count;
    load.license = (uint64_t)(uintptr_t)"GPL";
    load.log_buf = (uint64_t)(uintptr_t)log;
    load.log_size = log_size;
    load.log_level = log && log_size ? 1 : 0;
    int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    if (prog < 0 && errno == ENOSPC && load.log_level) {  /* the log did not fit: load again without it */
        load.log_level = 0; load.log_buf = 0; load.log_size = 0;
        prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    }
    if (prog < 0) return -errno;
    union bpf_attr attach;
    memset(&attach, 0, sizeof attach);
    attach.target_fd = (uint32_t)cgroup_fd;
    attach.attach_bpf_fd = (uint32_t)prog;
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    int rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
    int saved = errno;
    close(prog);  /* the attachment keeps the program alive, and goes with the cgroup */
    return rc < 0 ? -saved : 0;
}

uint32_t corral_dev_major(uint64_t dev) { return major((dev_t)dev); }
uint32_t corral_dev_minor(uint64_t dev) { return minor((dev_t)dev); }

int corral_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int corral_epoll_add_oneshot(int epfd, int fd) {
    struct epoll_event event = { .events = EPOLLIN | EPOLLONESHOT, .data.fd = fd };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) < 0 ? -errno : 0;
}

int corral_epoll_remove(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

int corral_epoll_wait_fds(int epfd, int *fds, int max) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, -1);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
    return n;
}

int corral_trim_heap(void) {
#ifdef __GLIBC__
    return malloc_trim(0);
#else
    return 0;
#endif
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

int corral_sealed_copy(const char *path, const char *name) {
    int src = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (src < 0) return -errno;
    struct stat st;
    if (fstat(src, &st) < 0) { int e = errno; close(src); return -e; }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (64 << 20)) { close(src); return -EINVAL; }
    /* MFD_EXEC where vm.memfd_noexec would otherwise make it non-executable (kernels 6.3+). */
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) { int e = errno; close(src); return -e; }
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = sendfile(fd, src, NULL, (size_t)left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int e = n < 0 ? errno : EIO; close(src); close(fd); return -e; }
        left -= n;
    }
    close(src);
    if (fchmod(fd, 0555) < 0) { int e = errno; close(fd); return -e; }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_EXEC) < 0
        && (errno != EINVAL || fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}
