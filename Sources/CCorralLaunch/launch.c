/*
 * launch.c: the only code that runs between clone and execve.
 *
 * Rules for everything below `corral_launch`'s fork: raw syscalls and our own helpers only; no
 * malloc, no stdio, no locks, no errno-printing. Buffers live on the stack. A failure writes one
 * `struct corral_report` to the report pipe and exits.
 */
#include "corral_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "syscalls.h"

#define PATH_BUF 4096

/* ---------- reporting ---------- */

static void report(int fd, int32_t kind, int32_t stage, int32_t err, int32_t index, int32_t pid) {
    struct corral_report r = { kind, stage, err, index, pid };
    ssize_t n;
    do { n = write(fd, &r, sizeof r); } while (n < 0 && errno == EINTR);
}

/* Report a failure of `stage` with the current errno and exit with `code`. */
static __attribute__((noreturn)) void fail(const struct corral_plan *p, int32_t stage, int32_t index, int code) {
    /* Nobody may read the report (a run the supervisor released after its caller died): the write must
     * not turn the exit code into a SIGPIPE death once the signals are reset. Blocked, it is discarded
     * at the exit right after. */
    int saved = errno;
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_only, NULL);
    errno = saved;
    report(p->report_fd, CORRAL_REPORT_FAILURE, stage, errno, index, 0);
    _exit(code);
}

/* ---------- small helpers (no libc state) ---------- */

static size_t str_len(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

/* openat2 answers EAGAIN when a rename or mount raced a scoped lookup (`..` inside RESOLVE_IN_ROOT or
 * RESOLVE_BENEATH) and asks to retry. Bounded: a task that renames in a loop inside a directory we
 * resolve through must fail this start (EAGAIN), never keep it spinning. */
#define OPENAT2_RETRIES 64

static int open_in_root(int rootfd, const char *rel, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    int tries = 0;
    do { fd = corral_sys_openat2(rootfd, rel, &how, sizeof how); } while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_RETRIES);
    return fd;
}

/* openat2 beneath `dirfd`, following no symlink at all (nor `..` out of it): ELOOP on any symlink. */
static int open_beneath(int dirfd, const char *rel, int flags, uint64_t extra_resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | extra_resolve;
    int fd;
    int tries = 0;
    do { fd = corral_sys_openat2(dirfd, rel, &how, sizeof how); } while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_RETRIES);
    return fd;
}

/*
 * Opens (O_PATH) the parent directory of `rel` beneath `rootfd`, creating missing directories on the
 * way, and points *name at the last component inside `buf`. One component at a time, each opened in
 * its parent's fd without following a symlink: a symlink (absolute, relative, dangling, a chain)
 * fails with ELOOP, a file or FIFO where a directory belongs with ENOTDIR. Nothing is resolved
 * through anything the image could have planted.
 */
static int open_parent(int rootfd, const char *rel, char buf[PATH_BUF], const char **name) {
    size_t len = str_len(rel);
    if (len == 0 || len >= PATH_BUF) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, rel, len + 1);
    while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
    char *last = buf;
    for (size_t i = 0; i < len; i++) if (buf[i] == '/') last = &buf[i + 1];
    *name = last;
    if (last[0] == 0 || (last[0] == '.' && (last[1] == 0 || (last[1] == '.' && last[2] == 0)))) {
        errno = EINVAL;
        return -1;
    }
    int parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    if (parent < 0) return -1;
    char *comp = buf;
    while (comp < last) {
        char *end = comp;
        while (*end != '/') end++;
        *end = 0;
        /* "." and ".." would name a place other than the spelling the plan was checked with. */
        if (comp[0] == '.' && (comp[1] == 0 || (comp[1] == '.' && comp[2] == 0))) {
            close(parent);
            errno = EINVAL;
            return -1;
        }
        if (*comp) {
            int dir = open_beneath(parent, comp, O_PATH | O_DIRECTORY, 0);
            if (dir < 0 && errno == ENOENT) {
                if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
                dir = open_beneath(parent, comp, O_PATH | O_DIRECTORY, 0);
            }
            int e = errno;
            close(parent);
            if (dir < 0) { errno = e; return -1; }
            parent = dir;
        }
        *end = '/';
        comp = end + 1;
    }
    return parent;
}

/* Creates the mount point `rel` (a directory, or an empty file) if missing; returns an O_PATH fd. */
int corral_make_mountpoint(int rootfd, const char *rel, int is_file) {
    char buf[PATH_BUF];
    const char *name;
    int parent = open_parent(rootfd, rel, buf, &name);
    if (parent < 0) return -1;
    int fd;
    if (is_file) {
        /* O_EXCL: an existing FIFO is never opened (and never blocks us); checked by type below. */
        int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        if (f >= 0) close(f);
        else if (errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
        fd = open_beneath(parent, name, O_PATH, 0);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) < 0) { int e = errno; close(fd); fd = -1; errno = e; }
        else if (fd >= 0 && !S_ISREG(st.st_mode)) { close(fd); fd = -1; errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR; }
    } else {
        if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
        fd = open_beneath(parent, name, O_PATH | O_DIRECTORY, 0);
    }
    int e = errno;
    close(parent);
    errno = e;
    return fd;
}

/* Attaches a detached mount tree `tree` onto the O_PATH fd `target`. */
static int attach(int tree, int target) {
    return corral_sys_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Clones the tree at `dirfd`/`path` recursively, applies `attr` to all of it, attaches it at `target`. */
static int bind_tree(int dirfd, const char *path, int target, uint64_t attr) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE;
    if (path[0] == 0) flags |= AT_EMPTY_PATH;
    int tree = corral_sys_open_tree(dirfd, path, flags);
    if (tree < 0) return -1;
    if (attr) {
        struct mount_attr ma;
        memset(&ma, 0, sizeof ma);
        ma.attr_set = attr;
        if (corral_sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof ma) < 0) {
            int saved = errno; close(tree); errno = saved; return -1;
        }
    }
    int rc = attach(tree, target);
    int saved = errno;
    close(tree);
    errno = saved;
    return rc;
}

/* Applies `attr` to all of the detached tree `tree` (made by the caller), attaches it at `target`.
 * The tree was cloned in the caller's mount namespace: a mount of another namespace cannot be cloned
 * here (EINVAL), but a detached one can be attached. */
static int attach_tree(int tree, int target, uint64_t attr) {
    if (attr) {
        struct mount_attr ma;
        memset(&ma, 0, sizeof ma);
        ma.attr_set = attr;
        if (corral_sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof ma) < 0) return -1;
    }
    return attach(tree, target);
}

/* MS_* flags of a new mount as MOUNT_ATTR_* attributes of fsmount. */
static unsigned mount_attributes(uint64_t flags) {
    unsigned attr = 0;
    if (flags & MS_RDONLY) attr |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID) attr |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV) attr |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC) attr |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_STRICTATIME) attr |= MOUNT_ATTR_STRICTATIME;
    return attr;
}

/*
 * Makes a new `fstype` (options `data`: "key=value,flag,...") with the new mount API and attaches it
 * onto `target`. Returns the fd of the new mount's root (kept by the caller when masks and read-only
 * paths are relative to it) or -1 with errno.
 */
static int mount_fs_at(int target, const char *fstype, uint64_t flags, const char *data) {
    int fsfd = corral_sys_fsopen(fstype, FSOPEN_CLOEXEC);
    if (fsfd < 0) return -1;
    char opts[PATH_BUF];
    size_t len = data ? str_len(data) : 0;
    if (len >= sizeof opts) { close(fsfd); errno = E2BIG; return -1; }
    if (len) memcpy(opts, data, len);
    opts[len] = 0;
    /* The source names the type in the mount table, as mount(2) with source = type did. */
    if (corral_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, "source", fstype, 0) < 0) { int e = errno; close(fsfd); errno = e; return -1; }
    char *key = opts;
    while (*key) {
        char *end = key;
        while (*end && *end != ',') end++;
        char saved = *end;
        *end = 0;
        char *eq = key;
        while (*eq && *eq != '=') eq++;
        int rc;
        if (*eq) { *eq = 0; rc = corral_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0); }
        else if (*key) rc = corral_sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
        else rc = 0;
        if (rc < 0) { int e = errno; close(fsfd); errno = e; return -1; }
        if (!saved) break;
        key = end + 1;
    }
    if (corral_sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) { int e = errno; close(fsfd); errno = e; return -1; }
    int mfd = corral_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, mount_attributes(flags));
    int e = errno;
    close(fsfd);
    if (mfd < 0) { errno = e; return -1; }
    if (attach(mfd, target) < 0) { e = errno; close(mfd); errno = e; return -1; }
    return mfd;
}

/* The fresh mounts that later entries are relative to (CORRAL_MOUNT_FS with `keep`). */
#define KEPT_MOUNTS 8
struct kept_mounts {
    uint32_t index[KEPT_MOUNTS];
    int fd[KEPT_MOUNTS];
    uint32_t n;
};

/*
 * Opens the target of a mask or read-only entry: beneath the fresh mount it protects (never crossing
 * into another mount, never through a symlink), or beneath the root. ENOENT means the file system
 * simply has no such file; anything else (a symlink, a mount on the way, a failure) is an error.
 */
static int open_protected(int rootfd, const struct kept_mounts *kept, const struct corral_mount *m) {
    if (m->relative_to == 0) return open_beneath(rootfd, m->target, O_PATH, 0);
    for (uint32_t i = 0; i < kept->n; i++)
        if (kept->index[i] + 1 == m->relative_to) return open_beneath(kept->fd[i], m->target, O_PATH, RESOLVE_NO_XDEV);
    errno = EINVAL;  /* the plan names a mount that was not kept: never guess */
    return -1;
}

/* Performs one mount-table entry. Returns 0, or -1 with errno. */
static int do_mount(int rootfd, struct kept_mounts *kept, uint32_t index, const struct corral_mount *m) {
    char buf[PATH_BUF];
    const char *name;
    int fd, parent, rc = 0;
    switch (m->kind) {
    case CORRAL_MOUNT_DIR:
        fd = corral_make_mountpoint(rootfd, m->target, 0);
        if (fd < 0) return -1;
        close(fd);
        return 0;
    case CORRAL_MOUNT_SYMLINK:
        parent = open_parent(rootfd, m->target, buf, &name);
        if (parent < 0) return -1;
        if (symlinkat(m->source, parent, name) < 0 && errno != EEXIST) rc = -1;
        close(parent);
        return rc;
    case CORRAL_MOUNT_NODE:
        parent = open_parent(rootfd, m->target, buf, &name);
        if (parent < 0) return -1;
        if (mknodat(parent, name, (mode_t)m->mode, (dev_t)m->dev) < 0) { if (errno != EEXIST) rc = -1; }
        else if (fchmodat(parent, name, (mode_t)(m->mode & 07777), 0) < 0) rc = -1;  /* our own new node */
        close(parent);
        return rc;
    case CORRAL_MOUNT_FILE: {
        /* A file corral generates (the default chroot's /etc): O_EXCL, so it is always our own new file. */
        parent = open_parent(rootfd, m->target, buf, &name);
        if (parent < 0) return -1;
        fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
        close(parent);
        if (fd < 0) return -1;
        uint64_t done = 0;
        while (done < m->data_len) {
            ssize_t n = write(fd, m->data + done, (size_t)(m->data_len - done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) { if (n == 0) errno = EIO; rc = -1; break; }
            done += (uint64_t)n;
        }
        if (rc == 0 && fchmod(fd, (mode_t)m->mode) < 0) rc = -1;
        break;
    }
    case CORRAL_MOUNT_BIND:
        fd = corral_make_mountpoint(rootfd, m->target, (int)m->target_is_file);
        if (fd < 0) return -1;
        rc = m->source_fd >= 0 ? attach_tree(m->source_fd, fd, m->attr) : bind_tree(AT_FDCWD, m->source, fd, m->attr);
        break;
    case CORRAL_MOUNT_FS: {
        fd = corral_make_mountpoint(rootfd, m->target, 0);
        if (fd < 0) return -1;
        int mfd = mount_fs_at(fd, m->fstype, m->flags, m->data);
        if (mfd < 0) { rc = -1; break; }
        if (m->keep && kept->n < KEPT_MOUNTS) {
            kept->index[kept->n] = index;
            kept->fd[kept->n++] = mfd;
        } else {
            close(mfd);
            if (m->keep) { errno = ENOSPC; rc = -1; }
        }
        break;
    }
    case CORRAL_MOUNT_MASK: {
        fd = open_protected(rootfd, kept, m);
        if (fd < 0) return -1;
        struct stat st;
        if (fstat(fd, &st) < 0) { rc = -1; break; }
        if (S_ISDIR(st.st_mode)) {
            int mfd = mount_fs_at(fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555");
            if (mfd < 0) rc = -1; else close(mfd);
        } else {
            rc = bind_tree(AT_FDCWD, "/dev/null", fd, 0);
        }
        break;
    }
    case CORRAL_MOUNT_READONLY:
        fd = open_protected(rootfd, kept, m);
        if (fd < 0) return -1;
        if (m->relative_to && m->target[0] == '.' && m->target[1] == 0) {
            /* The fresh mount itself (a tmpfs corral filled): read-only in place, nothing writable
             * left beneath a read-only copy. */
            struct mount_attr ma;
            memset(&ma, 0, sizeof ma);
            ma.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
            rc = corral_sys_mount_setattr(fd, "", AT_EMPTY_PATH, &ma, sizeof ma);
        } else {
            rc = bind_tree(fd, "", fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        }
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* The lowest fd number above every target of `maps`: where temporaries can live. */
static int above_targets(const struct corral_fd_map *maps, uint32_t n) {
    int top = 2;
    for (uint32_t i = 0; i < n; i++) if (maps[i].to > top) top = maps[i].to;
    return top + 1;
}

/* Moves each `from` fd to `to` without CLOEXEC, safe against overlapping numbers. */
#define MAX_REMAPPED_FDS 16
static int remap_fds(const struct corral_fd_map *maps, uint32_t n) {
    int tmp[MAX_REMAPPED_FDS];
    if (n > MAX_REMAPPED_FDS) { errno = EINVAL; return -1; }
    int low = above_targets(maps, n);
    for (uint32_t i = 0; i < n; i++) {
        tmp[i] = fcntl(maps[i].from, F_DUPFD_CLOEXEC, low);
        if (tmp[i] < 0) return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (dup3(tmp[i], maps[i].to, 0) < 0) return -1;
        close(tmp[i]);
    }
    return 0;
}

/* Closes every fd from 3 up except the `keeps` (-1: none). Nothing of the caller's may
 * stay open while the task resolves paths: a directory fd would let `/proc/self/fd/N` (or a `..`
 * from a cwd inherited through it) lead outside the root (the CVE-2024-21626 pattern). */
#define N_KEEPS 4
static int close_fds_except(int keep_a, int keep_b, int keep_c, int keep_d) {
    int keeps[N_KEEPS] = { keep_a, keep_b, keep_c, keep_d };
    /* Sorted ascending (insertion sort of a handful). */
    for (int i = 1; i < N_KEEPS; i++)
        for (int j = i; j > 0 && keeps[j - 1] > keeps[j]; j--) { int t = keeps[j]; keeps[j] = keeps[j - 1]; keeps[j - 1] = t; }
    unsigned first = 3;
    for (int i = 0; i < N_KEEPS; i++) {
        if (keeps[i] < (int)first) continue;
        if ((unsigned)keeps[i] > first && corral_sys_close_range(first, (unsigned)keeps[i] - 1, 0) < 0) goto fallback;
        first = (unsigned)keeps[i] + 1;
    }
    if (corral_sys_close_range(first, ~0U, 0) == 0) return 0;
fallback:
    if (errno != ENOSYS && errno != EINVAL) return -1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
    for (int fd = 3; fd < (int)rl.rlim_cur && fd < 65536; fd++)
        if (fd != keep_a && fd != keep_b && fd != keep_c && fd != keep_d) close(fd);
    return 0;
}

/* The start barrier: waits for the supervisor's byte, which it writes once the caller has recorded the
 * run on disk (or, the caller dead, once it found the record: Sources/corral-supervisor/start_gate.h).
 * EOF (the supervisor refused the run, or died; ours and the caller's copies are closed by now) or an
 * error means the command must not run. */
static void wait_at_start_barrier(const struct corral_plan *p) {
    if (p->barrier_fd <= 0) return;
    char go;
    ssize_t n;
    do n = read(p->barrier_fd, &go, 1); while (n < 0 && errno == EINTR);
    if (n != 1) { if (n == 0) errno = ECANCELED; fail(p, CORRAL_STAGE_START_BARRIER, 0, 125); }
    close(p->barrier_fd);
}

/* Marks every fd from 3 up CLOEXEC, so nothing of ours survives execve. */
static int cloexec_from_3(void) {
    if (corral_sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) return -1;
    /* Kernels before 5.11: walk the fd table bound. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
    for (int fd = 3; fd < (int)rl.rlim_cur && fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Resets every signal to its default action and unblocks all (the caller blocked them). */
static int reset_signals(int unblock) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (sigaction(sig, &sa, NULL) < 0 && errno != EINVAL) return -1;
    }
    if (unblock) {
        sigset_t none;
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) return -1;
    }
    return 0;
}

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return rc;
}

/* ---------- the task ---------- */

/* Cuts the bounding set to the granted capabilities: no execve can bring back anything outside it. */
static void drop_bounding(const struct corral_plan *p) {
    for (int32_t cap = 0; cap <= p->last_capability && cap < 64; cap++) {
        if (p->cap_bounding & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail(p, CORRAL_STAGE_CAPABILITIES, 1000 + cap, 125);
    }
}

/* After the user switch: the permitted, effective and inheritable sets, then the ambient ones (which
 * must be permitted and inheritable already). */
static void apply_capabilities(const struct corral_plan *p) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)p->cap_effective;
    data[1].effective = (uint32_t)(p->cap_effective >> 32);
    data[0].permitted = (uint32_t)p->cap_permitted;
    data[1].permitted = (uint32_t)(p->cap_permitted >> 32);
    data[0].inheritable = (uint32_t)p->cap_inheritable;
    data[1].inheritable = (uint32_t)(p->cap_inheritable >> 32);
    if (syscall(SYS_capset, &header, data) < 0) fail(p, CORRAL_STAGE_CAPABILITIES, 0, 125);
    for (int32_t cap = 0; cap <= p->last_capability && cap < 64; cap++) {
        if (!(p->cap_ambient & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0)
            fail(p, CORRAL_STAGE_CAPABILITIES, 2000 + cap, 125);
    }
}

/*
 * Makes the task die with its supervisor: SIGKILL as the parent-death signal, then a check that the
 * supervisor is still there (the lifeline pipe's only writer is the supervisor, so HUP means it is
 * gone). Race-free without waiting: a death before the check shows as HUP, a death after it sends the
 * signal. Called again after a credential change, which clears the parent-death signal.
 */
static void bind_to_supervisor(const struct corral_plan *p, int lifeline) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail(p, CORRAL_STAGE_SIGNALS, 1, 125);
    if (lifeline < 0) return;
    struct pollfd pf = { .fd = lifeline, .events = POLLIN, .revents = 0 };
    if (poll(&pf, 1, 0) > 0 && (pf.revents & POLLHUP)) { errno = ESRCH; fail(p, CORRAL_STAGE_SUPERVISOR_GONE, 0, 125); }
}

/*
 * Joins the task's cgroup, unless clone already put it there, and only then enters a new cgroup
 * namespace: its root is the cgroup the task is in at that moment. Writing "0" to cgroup.procs
 * moves the writer itself (both versions), so no pid needs translating across pid namespaces.
 */
static void enter_cgroup(const struct corral_plan *p, int placed_by_clone) {
    if (!placed_by_clone) {
        /* A v2 cgroup the clone could not enter must be joined here: never run outside it. */
        if (p->cgroup_dir_fd >= 0 && p->n_cgroup_procs_fds == 0) { errno = EINVAL; fail(p, CORRAL_STAGE_CGROUP, 0, 125); }
        for (uint32_t i = 0; i < p->n_cgroup_procs_fds; i++) {
            ssize_t n;
            do { n = write(p->cgroup_procs_fds[i], "0", 1); } while (n < 0 && errno == EINTR);
            if (n == 0) errno = EIO;
            if (n != 1) fail(p, CORRAL_STAGE_CGROUP, (int32_t)i, 125);
        }
    }
    /* index n_cgroup_procs_fds: the namespace, after the files. */
    if ((p->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        fail(p, CORRAL_STAGE_CGROUP, (int32_t)p->n_cgroup_procs_fds, 125);
}

/* Whether the components of `a` are a prefix of (or all of) those of `b` (empty components skipped). */
static int covers(const char *a, const char *b) {
    for (;;) {
        while (*a == '/') a++;
        while (*b == '/') b++;
        if (!*a) return 1;
        if (!*b) return 0;
        while (*a && *a != '/' && *a == *b) { a++; b++; }
        if ((*a && *a != '/') || (*b && *b != '/')) return 0;
    }
}

/* One of corral's own file systems at /proc, /sys or /dev, or below them. */
static int is_system_mount(const struct corral_mount *m) {
    return m->kind == CORRAL_MOUNT_FS && !m->user && m->relative_to == 0
        && (covers("proc", m->target) || covers("sys", m->target) || covers("dev", m->target));
}

/* Refuses (EBUSY, naming the entry) a user mount whose target is on or above one of corral's own
 * mounts of /proc, /sys, /dev or below: it would hide them, or the protections made beneath them. */
static void refuse_user_over_system(const struct corral_plan *p) {
    for (uint32_t i = 0; i < p->n_mounts; i++) {
        const struct corral_mount *m = &p->mounts[i];
        if (!m->user || (m->kind != CORRAL_MOUNT_BIND && m->kind != CORRAL_MOUNT_FS)) continue;
        for (uint32_t j = 0; j < p->n_mounts; j++) {
            if (j != i && is_system_mount(&p->mounts[j]) && covers(m->target, p->mounts[j].target)) {
                errno = EBUSY;
                fail(p, CORRAL_STAGE_MOUNT, (int32_t)i, 125);
            }
        }
    }
}

/* Builds the task's root in its new mount namespace and pivots into it; sets hostname and loopback. */
static void build_root(const struct corral_plan *p) {
    /* Never touch mounts outside a mount namespace of our own; nothing may propagate back. */
    if (!(p->clone_flags & CLONE_NEWNS)) { errno = EINVAL; fail(p, CORRAL_STAGE_MOUNT_PRIVATE, 1, 125); }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(p, CORRAL_STAGE_MOUNT_PRIVATE, 0, 125);
    refuse_user_over_system(p);
    if (p->root_image && p->root_image_fd >= 0) {
        /* The image as the caller opened it (never its path again), device nodes inert: the task's
         * devices are the ones in our /dev. */
        int mountpoint = open(p->root_mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (mountpoint < 0) fail(p, CORRAL_STAGE_ROOT, 0, 125);
        if (attach_tree(p->root_image_fd, mountpoint, MOUNT_ATTR_NODEV) < 0) fail(p, CORRAL_STAGE_ROOT, 0, 125);
        close(mountpoint);
    } else if (p->root_image) {
        if (mount(p->root_image, p->root_mountpoint, NULL, MS_BIND | MS_REC, NULL) < 0)
            fail(p, CORRAL_STAGE_ROOT, 0, 125);
        /* Device nodes an image carries are inert: the task's devices are the ones in our /dev. */
        struct mount_attr ma;
        memset(&ma, 0, sizeof ma);
        ma.attr_set = MOUNT_ATTR_NODEV;
        if (corral_sys_mount_setattr(AT_FDCWD, p->root_mountpoint, AT_RECURSIVE, &ma, sizeof ma) < 0)
            fail(p, CORRAL_STAGE_ROOT, 3, 125);
    } else if (mount("tmpfs", p->root_mountpoint, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0) {
        fail(p, CORRAL_STAGE_ROOT, 1, 125);
    }
    int rootfd = open(p->root_mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) fail(p, CORRAL_STAGE_ROOT, 2, 125);
    struct kept_mounts kept = { .n = 0 };
    /* A step may be skipped only when its target is simply missing (ENOENT from the lookup beneath
     * its mount); a symlink, a mount in the way or any failure fails the start. */
    for (uint32_t i = 0; i < p->n_mounts; i++) {
        if (do_mount(rootfd, &kept, i, &p->mounts[i]) < 0 && !(p->mounts[i].optional && errno == ENOENT))
            fail(p, CORRAL_STAGE_MOUNT, (int32_t)i, 125);
    }
    for (uint32_t i = 0; i < kept.n; i++) close(kept.fd[i]);

    /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only ours. */
    if (fchdir(rootfd) < 0) fail(p, CORRAL_STAGE_PIVOT_ROOT, 0, 125);
    if (corral_sys_pivot_root(".", ".") < 0) fail(p, CORRAL_STAGE_PIVOT_ROOT, 1, 125);
    if (umount2(".", MNT_DETACH) < 0) fail(p, CORRAL_STAGE_PIVOT_ROOT, 2, 125);
    if (chdir("/") < 0) fail(p, CORRAL_STAGE_PIVOT_ROOT, 3, 125);
    close(rootfd);
    if (p->root_readonly) {
        struct mount_attr ma;
        memset(&ma, 0, sizeof ma);
        ma.attr_set = MOUNT_ATTR_RDONLY;
        if (corral_sys_mount_setattr(AT_FDCWD, "/", 0, &ma, sizeof ma) < 0) fail(p, CORRAL_STAGE_ROOT_READONLY, 0, 125);
    }

    if (p->hostname && sethostname(p->hostname, str_len(p->hostname)) < 0) fail(p, CORRAL_STAGE_HOSTNAME, 0, 125);
    if (p->loopback_up && loopback_up() < 0) fail(p, CORRAL_STAGE_LOOPBACK, 0, 125);
}

static __attribute__((noreturn)) void task_main(const struct corral_plan *p, int lifeline, int placed_by_clone) {
    /* Until execve we hold copies of the caller's fds and all our capabilities, and an exec into a
     * task is born inside the task's pid namespace: not dumpable, so the task's processes cannot open
     * /proc/<us>/fd or ptrace us meanwhile (execve makes the command dumpable again). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail(p, CORRAL_STAGE_SIGNALS, 2, 125);
    enter_cgroup(p, placed_by_clone);
    /* Exec into a running task: its mount, uts, ipc, net and cgroup namespaces, all at once (setns with
     * a pidfd is atomic), after its cgroup (the cgroup namespace's root then is the task's cgroup). The
     * mount namespace puts us at its root: the task's pivoted root. */
    if (p->join_pidfd >= 0 && (p->join_flags & ~(uint64_t)CLONE_NEWPID)
        && setns(p->join_pidfd, (int)(p->join_flags & ~(uint64_t)CLONE_NEWPID)) < 0)
        fail(p, CORRAL_STAGE_JOIN, 1, 125);
    umask(0);  /* mount points and nodes get exactly the modes we give; the task's umask is set last */
    bind_to_supervisor(p, lifeline);
    struct corral_fd_map stdio[3] = { { p->task_stdio[0], 0 }, { p->task_stdio[1], 1 }, { p->task_stdio[2], 2 } };
    if (remap_fds(stdio, 3) < 0) fail(p, CORRAL_STAGE_STDIO, 0, 125);
    /* Building a root needs the caller's O_PATH fds of the mount sources: it resolves nothing but
     * beneath its own fds, and everything of the caller's is closed right after it. */
    if (!p->setup_root
        && close_fds_except(p->report_fd, lifeline, p->barrier_fd > 0 ? p->barrier_fd : -1, p->exec_helper_fd) < 0)
        fail(p, CORRAL_STAGE_CLOSE_FDS, 0, 125);
    if (setsid() < 0) fail(p, CORRAL_STAGE_TTY, 0, 125);
    if (p->task_tty && ioctl(0, TIOCSCTTY, 0) < 0) fail(p, CORRAL_STAGE_TTY, 1, 125);

    if (p->setup_root) {
        build_root(p);
        if (close_fds_except(p->report_fd, lifeline, p->barrier_fd > 0 ? p->barrier_fd : -1, p->exec_helper_fd) < 0)
            fail(p, CORRAL_STAGE_CLOSE_FDS, 0, 125);
    }

    for (uint32_t i = 0; i < p->n_rlimits; i++) {
        struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
        if (setrlimit(p->rlimits[i].resource, &rl) < 0) fail(p, CORRAL_STAGE_RLIMIT, (int32_t)i, 125);
    }

    /* The bounding set while we still hold CAP_SETPCAP; permitted capabilities kept across setuid. */
    if (p->set_capabilities) {
        drop_bounding(p);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(p, CORRAL_STAGE_CAPABILITIES, 1, 125);
    }
    /* Raw syscalls: glibc's set*id wrappers would try to signal the parent's other threads. */
    if (p->switch_user) {
        if (syscall(SYS_setgroups, (size_t)p->n_groups, p->groups) < 0) fail(p, CORRAL_STAGE_SETGROUPS, 0, 125);
        if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0) fail(p, CORRAL_STAGE_SETGID, 0, 125);
        if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0) fail(p, CORRAL_STAGE_SETUID, 0, 125);
    }
    if (p->set_capabilities) apply_capabilities(p);
    bind_to_supervisor(p, lifeline);  /* again: the credential change cleared the parent-death signal */
    /* The workdir resolves inside the root, as the task's user, never through a magic link. */
    int rootdir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int workdir = rootdir < 0 ? -1 : open_in_root(rootdir, p->workdir, O_PATH | O_DIRECTORY);
    if (workdir < 0 || fchdir(workdir) < 0) fail(p, CORRAL_STAGE_WORKDIR, 0, 125);
    close(workdir);
    close(rootdir);
    umask((mode_t)p->umask);
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(p, CORRAL_STAGE_NO_NEW_PRIVS, 0, 125);
    /* Every setup step that can fail has run: from here the command runs only if its run is recorded. */
    wait_at_start_barrier(p);
    if (cloexec_from_3() < 0) fail(p, CORRAL_STAGE_CLOSE_FDS, 0, 125);
    /* All ours is CLOEXEC now but the report pipe when the helper execs the command: it inherits the
     * pipe to say why a candidate could not be exec'd, and marks it CLOEXEC itself. */
    if (p->exec_helper_fd >= 0 && p->helper_reports && fcntl(p->report_fd, F_SETFD, 0) < 0)
        fail(p, CORRAL_STAGE_HELPER_EXEC, 1, 125);
    if (reset_signals(1) < 0) fail(p, CORRAL_STAGE_SIGNALS, 0, 125);
    /* The filter last, after the user switch and no_new_privs: from here on only execve (and, on
     * failure, write and _exit) run under it. */
    if (p->seccomp_program) {
        struct sock_fprog prog = { (unsigned short)p->seccomp_instructions, (struct sock_filter *)p->seccomp_program };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) fail(p, CORRAL_STAGE_SECCOMP, 0, 125);
    }

    /* The sealed helper execs the task's command (or runs as its init): never this copy of corral,
     * whose /proc/self/exe is a host binary. The memfd itself is CLOEXEC: gone at this exec. */
    if (p->exec_helper_fd >= 0) {
        corral_sys_execveat(p->exec_helper_fd, "", p->helper_argv, p->envp, AT_EMPTY_PATH);
        fail(p, CORRAL_STAGE_HELPER_EXEC, 0, 125);
    }

    /* execvp semantics over precomputed candidates: go on past what execvp goes on past (ENOENT,
     * ENOTDIR, ESTALE, ENODEV, ETIMEDOUT), remember EACCES; anything else: found, not executable. */
    int32_t denied = -1;
    for (uint32_t i = 0; i < p->n_exec_candidates; i++) {
        execve(p->exec_candidates[i], p->argv, p->envp);
        if (errno == EACCES) { if (denied < 0) denied = (int32_t)i; continue; }
        if (errno == ENOENT || errno == ENOTDIR || errno == ESTALE || errno == ENODEV || errno == ETIMEDOUT) continue;
        fail(p, CORRAL_STAGE_EXEC, (int32_t)i, 126);
    }
    if (denied >= 0) { errno = EACCES; fail(p, CORRAL_STAGE_EXEC, denied, 126); }
    errno = ENOENT;
    fail(p, CORRAL_STAGE_EXEC, 0, 127);
}

/* ---------- the supervisor, until it execs the supervisor program ---------- */

static void write_decimal(char *slot, long v) {
    char digits[24]; int n = 0;
    unsigned long u = (unsigned long)v;
    do { digits[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    int i = 0;
    while (n) slot[i++] = digits[--n];
    slot[i] = 0;
}

static __attribute__((noreturn)) void supervisor_main(const struct corral_plan *p) {
    if (reset_signals(0) < 0) fail(p, CORRAL_STAGE_SUPERVISOR_SETUP, 0, 125);
    /* Its own session: a terminal's Ctrl-C reaches the caller, which forwards it once. */
    if (setsid() < 0) fail(p, CORRAL_STAGE_SUPERVISOR_SETUP, 1, 125);
    /* Orphans of the task (with a shared pid namespace) are reparented to us and reaped. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) fail(p, CORRAL_STAGE_SUPERVISOR_SETUP, 2, 125);

    /* The lifeline: its write end is ours alone (our fd table is not the caller's), kept across the
     * exec; the task holds the read end and sees HUP if we are gone. */
    int lifeline[2] = { -1, -1 };
    if (p->lifeline_to >= 0 && pipe2(lifeline, O_CLOEXEC) < 0) fail(p, CORRAL_STAGE_SUPERVISOR_SETUP, 4, 125);

    /* Into the cgroup at clone time when we can (v2): not one instruction runs outside its limits,
     * and no write is needed. Only when the kernel lacks the feature (ENOSYS, E2BIG, EINVAL before 5.7;
     * EPERM from a seccomp filter refusing clone3) do we clone plainly and let the task join through
     * cgroup.procs. Any other error is the cgroup refusing the task (EAGAIN: an ancestor's pids.max;
     * EBUSY, EOPNOTSUPP: its type): joining later would slip past it (migration ignores pids.max). */
    /* Exec into a running task: what we clone is born in the task's pid namespace. */
    if (p->join_pidfd >= 0 && (p->join_flags & CLONE_NEWPID) && setns(p->join_pidfd, CLONE_NEWPID) < 0)
        fail(p, CORRAL_STAGE_JOIN, 0, 125);

    uint64_t flags = p->clone_flags & ~(uint64_t)CLONE_NEWCGROUP;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    int placed = 0;
    long pid = -1;
    if (p->cgroup_dir_fd >= 0) {
        args.flags = flags | CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)p->cgroup_dir_fd;
        pid = syscall(SYS_clone3, &args, sizeof args);
        placed = pid >= 0;
        if (pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EPERM)
            fail(p, CORRAL_STAGE_CGROUP, 0, 125);
        args.flags = flags;
        args.cgroup = 0;
    }
    if (pid < 0) pid = syscall(SYS_clone3, &args, sizeof args);
    /* No clone3 (old kernels, or a seccomp profile that refuses it): the classic clone. */
    if (pid < 0 && (errno == ENOSYS || errno == EPERM))
        pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, NULL, NULL, 0);
    if (pid < 0) fail(p, CORRAL_STAGE_CLONE, 0, 125);
    if (pid == 0) {
        if (lifeline[1] >= 0) close(lifeline[1]);
        task_main(p, lifeline[0], placed);
    }
    if (lifeline[0] >= 0) close(lifeline[0]);

    report(p->report_fd, CORRAL_REPORT_TASK_PID, 0, 0, 0, (int32_t)pid);
    write_decimal(p->task_pid_slot, pid);
    /* Every fd we still need must survive the remap: move each above every target (the lifeline's
     * too) first. Their numbers are whatever was lowest free when they were made, and a caller with
     * other threads may have had holes among the targets then: the lifeline's write end at 8 would be
     * overwritten by the remap, and the task would find its supervisor gone. */
    int low = above_targets(p->supervisor_fds, p->n_supervisor_fds);
    if (p->lifeline_to >= low) low = p->lifeline_to + 1;
    /* The lifeline's number must be its own: a target there would be replaced by it. */
    for (uint32_t i = 0; i < p->n_supervisor_fds; i++)
        if (p->lifeline_to >= 0 && p->supervisor_fds[i].to == p->lifeline_to) low = -1;
    int report_fd = low < 0 ? -1 : fcntl(p->report_fd, F_DUPFD_CLOEXEC, low);
    if (low < 0) errno = EINVAL;
    if (report_fd < 0) report_fd = p->report_fd;
    /* The sealed supervisor program and the lifeline's write end too. */
    int supervisor_fd = p->supervisor_fd >= 0 ? fcntl(p->supervisor_fd, F_DUPFD_CLOEXEC, low) : -1;
    int lifeline_end = lifeline[1] >= 0 ? fcntl(lifeline[1], F_DUPFD_CLOEXEC, low) : -1;
    if ((p->supervisor_fd >= 0 && supervisor_fd < 0) || (lifeline[1] >= 0 && lifeline_end < 0))
        report_fd = p->report_fd;  /* fails below */
    /* Only the fds the supervisor program is given survive its execve, and the lifeline's end. */
    if (report_fd == p->report_fd || cloexec_from_3() < 0 || remap_fds(p->supervisor_fds, p->n_supervisor_fds) < 0
        || (lifeline_end >= 0 && dup3(lifeline_end, p->lifeline_to, 0) < 0)) {
        report(report_fd, CORRAL_REPORT_FAILURE, CORRAL_STAGE_SUPERVISOR_SETUP, errno, 3, 0);
    } else {
        if (supervisor_fd >= 0)
            corral_sys_execveat(supervisor_fd, "", p->supervisor_argv, p->supervisor_envp, AT_EMPTY_PATH);
        else
            execve(p->supervisor_path, p->supervisor_argv, p->supervisor_envp);
        report(report_fd, CORRAL_REPORT_FAILURE, CORRAL_STAGE_SUPERVISOR_EXEC, errno, 0, 0);
    }
    /* Never leave a task without its supervisor. */
    kill((pid_t)pid, SIGKILL);
    int status;
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR) {}
    _exit(125);
}

static int supervisor_entry(void *plan) { supervisor_main(plan); }

/* The supervisor's stack while it shares our memory (until its execve). The task it clones runs on
 * a copy-on-write copy of it. 256 KiB: the deepest path, task_main, uses a few 4 KiB buffers. */
#define SUPERVISOR_STACK (256 * 1024)

int corral_launch(const struct corral_plan *plan, pid_t *supervisor_pid, int *supervisor_pidfd) {
    /*
     * The supervisor is started vfork-style (CLONE_VM | CLONE_VFORK): it shares our memory and we
     * are suspended until it execs the supervisor program. So the page tables are copied once, when
     * it clones the task, instead of twice; a Swift process has plenty of them. Everything it writes
     * is on its own stack or in the plan's pid slot, and no Swift code runs in between.
     */
    void *stack = mmap(NULL, SUPERVISOR_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -errno;
    /* A guard page: an overflow faults instead of writing into our memory, which the child shares. */
    if (mprotect(stack, 4096, PROT_NONE) < 0) { int saved = errno; munmap(stack, SUPERVISOR_STACK); return -saved; }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pidfd = -1;
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    pid_t pid = clone(supervisor_entry, (char *)stack + SUPERVISOR_STACK, flags | CLONE_PIDFD, (void *)plan, &pidfd);
    if (pid < 0 && errno == EINVAL) {  /* kernels before 5.2: no CLONE_PIDFD */
        pidfd = -1;
        pid = clone(supervisor_entry, (char *)stack + SUPERVISOR_STACK, flags, (void *)plan);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, SUPERVISOR_STACK);
    if (pid < 0) return -saved;
    *supervisor_pid = pid;
    *supervisor_pidfd = pidfd;
    return 0;
}

/* ---------- constants for Swift ---------- */

uint64_t corral_clone_newns(void) { return CLONE_NEWNS; }
uint64_t corral_clone_newpid(void) { return CLONE_NEWPID; }
uint64_t corral_clone_newuts(void) { return CLONE_NEWUTS; }
uint64_t corral_clone_newipc(void) { return CLONE_NEWIPC; }
uint64_t corral_clone_newnet(void) { return CLONE_NEWNET; }
uint64_t corral_clone_newcgroup(void) { return CLONE_NEWCGROUP; }
uint64_t corral_ms_nosuid(void) { return MS_NOSUID; }
uint64_t corral_ms_nodev(void) { return MS_NODEV; }
uint64_t corral_ms_noexec(void) { return MS_NOEXEC; }
uint64_t corral_ms_rdonly(void) { return MS_RDONLY; }
uint64_t corral_ms_strictatime(void) { return MS_STRICTATIME; }
uint64_t corral_mount_attr_rdonly(void) { return MOUNT_ATTR_RDONLY; }
uint64_t corral_mount_attr_nosuid(void) { return MOUNT_ATTR_NOSUID; }
uint64_t corral_mount_attr_nodev(void) { return MOUNT_ATTR_NODEV; }
uint64_t corral_mount_attr_noexec(void) { return MOUNT_ATTR_NOEXEC; }
uint64_t corral_makedev(uint32_t major, uint32_t minor) { return (uint64_t)makedev(major, minor); }
