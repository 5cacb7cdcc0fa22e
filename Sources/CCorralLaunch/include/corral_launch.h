/*
 * corral_launch.h: the flat launch plan and the one entry point that runs it.
 *
 * Swift computes everything a task needs (paths, mount list, ids, argv, env, fds) into a
 * `struct corral_plan` whose pointers all refer to memory Swift keeps alive for the call.
 * `corral_launch` then forks the supervisor, which clones the task into its namespaces and
 * `execve`s the supervisor program; the task sets itself up with raw syscalls and `execve`s
 * the command. Neither child calls malloc, takes a lock or touches the Swift runtime: both run
 * in a copy of a multi-threaded process, where only async-signal-safe calls are allowed.
 *
 * Failures in either child are reported to the caller as `struct corral_report` records on the
 * CLOEXEC report pipe; a successful `execve` closes it, so EOF means "everything started".
 */
#ifndef CORRAL_LAUNCH_H
#define CORRAL_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What one mount-table entry does; targets are relative to the new root (no leading '/'). */
enum corral_mount_kind {
    CORRAL_MOUNT_DIR = 1,    /* create directory `target` with `mode` */
    CORRAL_MOUNT_SYMLINK,    /* create symlink `target` -> `source` */
    CORRAL_MOUNT_BIND,       /* bind host path `source` (recursively) onto `target`, then apply `attr` */
    CORRAL_MOUNT_FS,         /* mount a new `fstype` with `flags` and `data` onto `target` */
    CORRAL_MOUNT_NODE,       /* create device node `target` with `mode` and `dev` */
    CORRAL_MOUNT_MASK,       /* hide `target`: /dev/null over a file, empty read-only tmpfs over a dir */
    CORRAL_MOUNT_READONLY,   /* make `target` read-only by binding it onto itself */
    CORRAL_MOUNT_FILE,       /* create the new file `target` with `mode`, holding `data_len` bytes of `data` */
};

/*
 * Every target is resolved without following any symbolic link (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
 * component by component): corral's mount points must be ordinary directories (or files) inside the
 * root, as runc demands, so that an image cannot send a mount, or the protections that go with it,
 * anywhere else. A symlink among the components fails with ELOOP, a non-directory with ENOTDIR.
 */

/* One step of building the root filesystem. */
struct corral_mount {
    uint32_t kind;           /* enum corral_mount_kind */
    uint32_t target_is_file; /* BIND: the mount point is a file, not a directory */
    uint32_t optional;       /* a missing target or source is skipped instead of failing */
    uint32_t mode;           /* DIR, NODE */
    uint64_t flags;          /* FS: MS_* flags */
    uint64_t attr;           /* BIND: MOUNT_ATTR_* applied recursively before attaching */
    uint64_t dev;            /* NODE: makedev(major, minor) */
    uint32_t relative_to;    /* 0: `target` is relative to the root; i + 1: relative to the fresh mount made
                                by entry i (a FS entry with `keep`), resolved beneath it without crossing
                                into another mount: masks and read-only paths act on the very procfs or
                                sysfs they protect, whatever the image or a later mount did to the path */
    uint32_t keep;           /* FS: keep the new mount's root for the entries relative to it */
    int32_t source_fd;       /* BIND: a detached mount tree of the source, made by the caller (open_tree
                                OPEN_TREE_CLONE | AT_RECURSIVE from an fd opened without following any
                                symlink: openat2 RESOLVE_NO_SYMLINKS on the path checked on the host side);
                                attached as it is, `source` is never resolved again. A tree must be cloned
                                in the namespace its mounts belong to, hence by the caller.
                                -1: clone `source` by path (tests) */
    uint32_t user;           /* BIND, FS: a mount the user asked for. Refused (EBUSY) if its target is on
                                or above one of corral's own mounts of /proc, /sys or /dev (or below them) */
    const char *source;
    const char *target;
    const char *fstype;
    const char *data;
    uint64_t data_len;       /* FILE: bytes of `data` to write */
};

/* An rlimit to set in the task. */
struct corral_rlimit {
    int32_t resource;
    uint64_t soft;
    uint64_t hard;
};

/* Move fd `from` (in the caller) to number `to` (in the child), without CLOEXEC. */
struct corral_fd_map {
    int32_t from;
    int32_t to;
};

/* Where a failure happened; the Swift side turns these into messages. */
enum corral_stage {
    CORRAL_STAGE_NONE = 0,
    CORRAL_STAGE_SUPERVISOR_SETUP = 1,  /* setsid, fds, signals in the supervisor */
    CORRAL_STAGE_CLONE = 2,             /* cloning the task into its namespaces */
    CORRAL_STAGE_SUPERVISOR_EXEC = 3,   /* execve of the supervisor program */
    CORRAL_STAGE_CGROUP = 4,            /* joining the task's cgroup: cloning into it, or writing to
                                           cgroup_procs_fds[`index`]; index n_cgroup_procs_fds: its namespace */
    CORRAL_STAGE_STDIO = 5,
    CORRAL_STAGE_MOUNT_PRIVATE = 6,     /* making the mount tree private */
    CORRAL_STAGE_ROOT = 7,              /* mounting the new root (tmpfs or image) */
    CORRAL_STAGE_MOUNT = 8,             /* mount-table entry `index` */
    CORRAL_STAGE_PIVOT_ROOT = 9,
    CORRAL_STAGE_ROOT_READONLY = 10,
    CORRAL_STAGE_HOSTNAME = 11,
    CORRAL_STAGE_LOOPBACK = 12,
    CORRAL_STAGE_RLIMIT = 13,           /* rlimit `index` */
    CORRAL_STAGE_SETGROUPS = 14,
    CORRAL_STAGE_SETGID = 15,
    CORRAL_STAGE_SETUID = 16,
    CORRAL_STAGE_WORKDIR = 17,
    CORRAL_STAGE_NO_NEW_PRIVS = 18,
    CORRAL_STAGE_CLOSE_FDS = 19,
    CORRAL_STAGE_SIGNALS = 20,
    CORRAL_STAGE_TTY = 21,
    CORRAL_STAGE_EXEC = 22,             /* execve of the command; `index` is the candidate tried */
    CORRAL_STAGE_SUPERVISOR_GONE = 23,  /* the supervisor died before the task could run */
    CORRAL_STAGE_SECCOMP = 25,          /* installing the seccomp filter */
    CORRAL_STAGE_CAPABILITIES = 24,     /* index: 1000 + N dropping N from the bounding set, 2000 + N raising
                                           ambient N, 0 capset, 1 keepcaps */
    CORRAL_STAGE_JOIN = 26,             /* entering a running task's namespaces (index 0: pid, 1: the others) */
    CORRAL_STAGE_START_BARRIER = 27,    /* the caller never confirmed the start (it died, or could not
                                           record the run): the command is not executed */
    CORRAL_STAGE_HELPER_EXEC = 28,      /* execveat of the sealed helper (exec_helper_fd) */
};

/* Kinds of report records. */
enum corral_report_kind {
    CORRAL_REPORT_TASK_PID = 1,   /* from the supervisor: the task's pid (in the caller's pid namespace) */
    CORRAL_REPORT_FAILURE = 2,    /* from either child: `stage`, `error` (errno), `index` */
};

/* One record on the report pipe (smaller than PIPE_BUF, so written atomically). */
struct corral_report {
    int32_t kind;
    int32_t stage;
    int32_t error;
    int32_t index;
    int32_t pid;
};

/* Everything the two children need, computed by Swift beforehand. */
struct corral_plan {
    /* Namespaces of the task: CLONE_NEW* flags. CLONE_NEWCGROUP is applied by the task with unshare
       once it is inside its cgroup, so that the namespace is rooted at the task's own cgroup. */
    uint64_t clone_flags;

    /* Root filesystem. */
    int32_t setup_root;            /* 1: build the root below (needs CLONE_NEWNS); 0: keep the root we have
                                      (a host process, or one joining a task's mount namespace) */
    const char *root_mountpoint;   /* absolute, existing, empty host directory */
    const char *root_image;        /* NULL: a fresh tmpfs root; else this host directory */
    int32_t root_image_fd;         /* with root_image: a detached mount tree of it, made as bind sources'
                                      (see source_fd) and attached as the root; -1: bind root_image by path */
    int32_t root_readonly;         /* remount the root itself read-only once assembled */
    const struct corral_mount *mounts;
    uint32_t n_mounts;

    /* Identity. */
    const char *hostname;          /* NULL: keep */
    int32_t loopback_up;           /* bring up `lo` (new network namespace) */

    /* Process. */
    const struct corral_rlimit *rlimits;
    uint32_t n_rlimits;
    int32_t set_capabilities;      /* apply the cap_* sets below (bounding before the user switch, the rest after) */
    int32_t last_capability;       /* highest capability number this kernel knows */
    uint64_t cap_bounding;
    uint64_t cap_permitted;
    uint64_t cap_effective;
    uint64_t cap_inheritable;
    uint64_t cap_ambient;
    int32_t switch_user;
    uint32_t uid;
    uint32_t gid;
    const uint32_t *groups;
    uint32_t n_groups;
    const char *workdir;           /* absolute, inside the new root */
    uint32_t umask;
    int32_t no_new_privs;
    const uint8_t *seccomp_program;    /* seccomp_instructions `struct sock_filter`s, installed last; NULL: none */
    uint32_t seccomp_instructions;
    const char *const *exec_candidates;  /* absolute paths inside the root, tried in order */
    uint32_t n_exec_candidates;
    char *const *argv;
    char *const *envp;
    /* The last step of the task: execveat of this sealed memfd (corral-init) with helper_argv and envp,
       instead of execve'ing the candidates from a copy of the caller. The helper does the candidate
       execs (or runs as the task's init), so when the command runs, and at every moment the task
       could look, /proc/self/exe is sealed memory, never a host executable (the CVE-2019-5736 class).
       -1: execve the candidates directly (tests only). */
    int32_t exec_helper_fd;
    char *const *helper_argv;
    int32_t helper_reports;        /* report_fd stays open across the helper's exec: it reports 126/127
                                      through it (0: it runs as init and must not hold the pipe) */
    int32_t task_stdio[3];         /* caller fds that become the task's 0, 1, 2 */
    int32_t task_tty;              /* task_stdio[0] is a terminal: make it the controlling tty */
    int32_t lifeline_to;           /* fd number the supervisor keeps its end of the lifeline pipe at
                                      (the task checks it: never unsupervised); -1: no lifeline */

    /* cgroup. The task must be inside its cgroup before it runs anything of its own. */
    int32_t cgroup_dir_fd;                /* v2: clone the task straight into this cgroup directory
                                             (CLONE_INTO_CGROUP); -1: none */
    const int32_t *cgroup_procs_fds;      /* files the task writes "0" into to join its cgroup, first
                                             thing when it was not cloned into its cgroup (v1, or no clone3) */
    uint32_t n_cgroup_procs_fds;

    /* Joining a running task (exec into it) instead of making namespaces: clone_flags is 0 then. */
    int32_t join_pidfd;            /* a pidfd of the task's main process; -1: not joining */
    uint64_t join_flags;           /* CLONE_NEW* namespaces to enter: the supervisor enters the pid one (so
                                      that the process it clones is born in it), the process the rest */

    /* Supervisor. */
    const char *supervisor_path;
    int32_t supervisor_fd;         /* a sealed memfd copy of the supervisor program, exec'd instead of the
                                      path: a task in the host's pid namespace never finds a host binary at
                                      /proc/<supervisor>/exe (-1: execve supervisor_path) */
    char *const *supervisor_argv;
    char *const *supervisor_envp;
    char *task_pid_slot;           /* a 24-byte buffer inside supervisor_argv; receives the task pid */
    const struct corral_fd_map *supervisor_fds;  /* at most 16 */
    uint32_t n_supervisor_fds;

    int32_t report_fd;             /* write end of the CLOEXEC report pipe */
    int32_t barrier_fd;            /* read end of the start barrier: the task waits there, right before
                                      it drops privileges and execs, for one byte from the supervisor (the
                                      run is recorded durably); EOF instead (the supervisor refused the run
                                      or died) ends the task unexecuted. 0 or negative: no barrier (a
                                      zeroed plan has none) */
};

/*
 * Start the supervisor (vfork-style: it shares our memory until it execs) and, from it, the task
 * (a copy-on-write fork into its namespaces). Returns 0 and the supervisor's pid and pidfd
 * (-1 when the kernel has no CLONE_PIDFD), or -errno when the supervisor could not be forked.
 * Failures after the fork arrive on the report pipe. All signals are blocked around the fork
 * so that no Swift signal handler ever runs in a child.
 */
int corral_launch(const struct corral_plan *plan, pid_t *supervisor_pid, int *supervisor_pidfd);

/*
 * Creates mount point `rel` (relative to the directory `rootfd`; a directory, or an empty regular file
 * when `is_file`) and any missing parents as directories, one component at a time, never following a
 * symbolic link (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink anywhere on the way fails
 * with ELOOP, a component that is not a directory (a file, a FIFO) with ENOTDIR, an existing target of
 * the wrong kind with EISDIR (a directory for a file) or ENOTDIR; `..` fails with EXDEV/EINVAL. Returns
 * an O_PATH fd of the mount point or -1 with errno. The task uses it for every mount target; public
 * for the tests.
 */
int corral_make_mountpoint(int rootfd, const char *rel, int is_file);

/* Constants that are macros in C headers, for Swift. */
uint64_t corral_clone_newns(void);
uint64_t corral_clone_newpid(void);
uint64_t corral_clone_newuts(void);
uint64_t corral_clone_newipc(void);
uint64_t corral_clone_newnet(void);
uint64_t corral_clone_newcgroup(void);
uint64_t corral_ms_nosuid(void);
uint64_t corral_ms_nodev(void);
uint64_t corral_ms_noexec(void);
uint64_t corral_ms_rdonly(void);
uint64_t corral_ms_strictatime(void);
uint64_t corral_mount_attr_rdonly(void);
uint64_t corral_mount_attr_nosuid(void);
uint64_t corral_mount_attr_nodev(void);
uint64_t corral_mount_attr_noexec(void);
uint64_t corral_makedev(uint32_t major, uint32_t minor);

#ifdef __cplusplus
}
#endif
#endif
