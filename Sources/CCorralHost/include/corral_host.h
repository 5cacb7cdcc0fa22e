/*
 * corral_host.h: thin wrappers for the host side (the Swift caller) over system calls and macros
 * that Swift's Glibc module does not export. Nothing here runs between clone and execve.
 */
#ifndef CORRAL_HOST_H
#define CORRAL_HOST_H

#include <stdint.h>
#include <sys/types.h>

/* pipe2(O_CLOEXEC). Returns 0 or -errno. */
int corral_pipe_cloexec(int fds[2]);

/* A CLOEXEC signalfd for `signals[0..count)`. Returns the fd or -errno. */
int corral_signalfd(const int *signals, int count);
/* Reads one signal from a signalfd: returns the signal number, 0 if none was read, or -errno. */
int corral_signalfd_read(int fd);

/* Opens a pseudo-terminal pair (both CLOEXEC, neither the caller's controlling tty). Returns 0 or -errno. */
int corral_openpty(int *master, int *slave);

/* Has a pseudo-terminal (by its master) send `signal` to its foreground process group (TIOCSIG).
 * Returns 0 or -errno. */
int corral_pty_signal(int master, int signal);

/* Makes this process non-dumpable: other processes (a task sharing our pid namespace, say) cannot
 * open /proc/<us>/exe or ptrace us without CAP_SYS_PTRACE. Returns 0 or -errno. */
int corral_set_nondumpable(void);

/* Names the calling thread (the first 15 bytes of `name`): 0 or -errno. */
int corral_set_thread_name(const char *name);

/* Opens /dev/null on whichever of fds 0, 1, 2 is closed, so that nothing opened later lands there
 * (and is then handed to a task as its stdin, stdout or stderr). Returns 0 or -errno. */
int corral_open_standard_fds(void);

/* Writes a whole buffer to an fd (retrying on EINTR and short writes). Returns 0 or -errno. */
int corral_write_all(int fd, const void *buf, size_t len);

/* Opens `path` for reading as if `root` were "/": symlinks and ".." cannot leave it (openat2
 * RESOLVE_IN_ROOT). For reading an image's own files. Returns the fd or -errno. */
int corral_open_in_root(const char *root, const char *path);

/* A sealed, executable, CLOEXEC memfd holding a copy of the regular file `path` (opened O_NOFOLLOW,
 * at most 64 MiB): no more writes, no growing or shrinking, no new seals (F_SEAL_SEAL | F_SEAL_SHRINK
 * | F_SEAL_GROW | F_SEAL_WRITE, and F_SEAL_EXEC where the kernel has it). What a task's processes
 * exec through it (and find at /proc/self/exe) can neither be changed nor lead to the host's file.
 * Returns the fd or -errno. */
int corral_sealed_copy(const char *path, const char *name);
/* An O_PATH, CLOEXEC fd of the absolute `path`, resolved without following any symbolic link (openat2
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): ELOOP if a component is one. Returns the fd or -errno. */
int corral_open_path_no_symlinks(const char *path);
/* A detached copy of the mount tree at the O_PATH fd `fd` and below (open_tree OPEN_TREE_CLONE |
 * AT_RECURSIVE, CLOEXEC), for a child in a new mount namespace to attach. Returns the fd or -errno. */
int corral_clone_tree(int fd);

/* Opens `path` relative to the directory `dirfd` with openat2, for paths a task can write:
 * mode CORRAL_BENEATH resolves every component without following any symlink (magic links
 * included), without leaving `dirfd` (no "..", no absolute path) and without crossing a mount
 * point; mode CORRAL_IN_ROOT resolves as if `dirfd` were "/" (an image's own absolute links stay
 * inside it). `flags` are open(2)'s; O_CLOEXEC and O_NOCTTY are always added. Returns the fd or -errno. */
enum { CORRAL_BENEATH = 0, CORRAL_IN_ROOT = 1 };
int corral_openat2(int dirfd, const char *path, int flags, int mode);
/* The index of the last byte `byte` in buf[0..len), or -1 (memrchr, which Swift's Glibc module lacks). */
long corral_last_index_of(const void *buf, long len, int byte);
/* O_PATH (Swift's Glibc module does not export it). */
int corral_o_path(void);

/* major() and minor() are macros. */
uint32_t corral_dev_major(uint64_t dev);
uint32_t corral_dev_minor(uint64_t dev);

int corral_pidfd_open(pid_t pid);
int corral_pidfd_send_signal(int pidfd, int sig);
/* Waits for the process behind `pidfd` (WEXITED); returns 0 and fills code/status like waitid, or -errno. */
int corral_pidfd_wait(int pidfd, int *code, int *status);

/* Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (`count` 8-byte instructions) and attaches it to the
 * cgroup directory `cgroup_fd` (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI). The kernel's verifier log goes
 * to `log` on failure. Returns 0 or -errno. */
int corral_attach_device_program(int cgroup_fd, const void *instructions, uint32_t count, char *log, uint32_t log_size);

/* epoll for the exit watcher (Swift's Glibc module lacks sys/epoll.h): a CLOEXEC epoll fd; add `fd`
 * for one readable event (EPOLLONESHOT, data = fd); remove it; wait for up to `max` ready fds, writing
 * them to `fds`. Each returns >= 0 (the fd, 0, or the count) or -errno. */
int corral_epoll_create(void);
int corral_epoll_add_oneshot(int epfd, int fd);
int corral_epoll_remove(int epfd, int fd);
int corral_epoll_wait_fds(int epfd, int *fds, int max);

/* Gives the heap's free memory back to the kernel (glibc's malloc_trim(0); nothing on a libc
 * without it). Returns 1 if memory was released, 0 if not. */
int corral_trim_heap(void);

#endif
