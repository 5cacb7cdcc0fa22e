/*
 * syscalls.h: raw system calls that glibc 2.36 either lacks or wraps in ways unsafe after clone.
 * Private to CCorralLaunch.
 */
#ifndef CORRAL_SYSCALLS_H
#define CORRAL_SYSCALLS_H

#include <linux/close_range.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int corral_sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size) {
    return (int)syscall(SYS_openat2, dirfd, path, how, size);
}
static inline int corral_sys_open_tree(int dirfd, const char *path, unsigned flags) {
    return (int)syscall(SYS_open_tree, dirfd, path, flags);
}
static inline int corral_sys_move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags) {
    return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}
static inline int corral_sys_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size) {
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}
static inline int corral_sys_fsopen(const char *fstype, unsigned flags) {
    return (int)syscall(SYS_fsopen, fstype, flags);
}
static inline int corral_sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux) {
    return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static inline int corral_sys_fsmount(int fd, unsigned flags, unsigned attr) {
    return (int)syscall(SYS_fsmount, fd, flags, attr);
}
static inline int corral_sys_execveat(int fd, const char *path, char *const argv[], char *const envp[], int flags) {
    return (int)syscall(SYS_execveat, fd, path, argv, envp, flags);
}
static inline int corral_sys_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
static inline int corral_sys_close_range(unsigned first, unsigned last, unsigned flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

#endif
