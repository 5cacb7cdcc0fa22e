#include "corral_sealed_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#define CORRAL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int sealed(int fd) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) return errno == EINVAL ? 0 : -errno;  // EINVAL: not a memfd (a regular file)
    return (seals & CORRAL_SEALS) == CORRAL_SEALS ? 1 : 0;
}

int corral_exec_sealed_copy(char *const argv[]) {
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) return -errno;
    int already = sealed(self);
    if (already != 0) {
        close(self);
        return already < 0 ? already : 0;
    }
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    struct stat info;
    if (length <= 0 || fstat(self, &info) != 0) {
        int saved = length <= 0 ? (errno ? errno : EINVAL) : errno;
        close(self);
        return -saved;
    }
    path[length] = '\0';
    int copy = memfd_create("corral", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0) {
        int saved = errno;
        close(self);
        return -saved;
    }
    off_t left = info.st_size;
    while (left > 0) {
        ssize_t sent = sendfile(copy, self, NULL, (size_t)left);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) {
            int saved = sent < 0 ? errno : EIO;  // 0: the file shrank under us
            close(copy);
            close(self);
            return -saved;
        }
        left -= sent;
    }
    close(self);
    if (fcntl(copy, F_ADD_SEALS, CORRAL_SEALS) != 0 || setenv("CORRAL_EXE", path, 1) != 0) {
        int saved = errno;
        close(copy);
        return -saved;
    }
    syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
    int saved = errno;
    close(copy);
    unsetenv("CORRAL_EXE");
    return -saved;
}
