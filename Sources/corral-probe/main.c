/*
 * corral-probe: the escape-probe suite's agent inside a confined task. It tries what a root task must
 * not be able to do and prints one line per attempt: `NAME ERRNO` (0: it worked).
 *
 * Safety first: it refuses to run (exit 3) unless it can prove it is confined: its mount and pid
 * namespaces differ from the host's (the test passes the host's inode numbers), and it does not hold
 * CAP_SYS_ADMIN. And every privileged call uses arguments that fail even where the call is allowed
 * (a bogus file system, a missing path, a bad pointer, an invalid reboot magic), so that a probe run
 * by mistake as host root does nothing.
 *
 * Usage: corral-probe --host-mntns INODE --host-pidns INODE
 *        corral-probe --abi32     makes one getpid through the 32-bit ABI (int 0x80), prints "abi32 0"
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "no_swift_runtime.h"

static void report(const char *name, long rc) {
    printf("%s %d\n", name, rc < 0 ? errno : 0);
    fflush(stdout);
}

static unsigned long long ns_inode(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* CapEff from /proc/self/status. */
static unsigned long long effective_caps(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return ~0ULL;
    char line[256];
    unsigned long long caps = ~0ULL;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7)) caps = strtoull(line + 7, NULL, 16);
    fclose(f);
    return caps;
}

/* Opens for writing without writing anything: whether the open is allowed is the question. */
static long open_for_writing(const char *path) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    return fd;
}

/* getpid through int 0x80: harmless whatever happens; under a native-only filter it kills us. */
static int abi32_getpid(void) {
#if defined(__x86_64__)
    long rc;
    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
    printf("abi32 %d\n", rc > 0 ? 0 : (int)-rc);
    return 0;
#else
    puts("abi32 unsupported");
    return 0;
#endif
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--abi32")) return abi32_getpid();
    unsigned long long host_mnt = 0, host_pid = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host-mntns")) host_mnt = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--host-pidns")) host_pid = strtoull(argv[i + 1], NULL, 10);
    }
    unsigned long long mnt = ns_inode("/proc/self/ns/mnt"), pid = ns_inode("/proc/self/ns/pid");
    if (!host_mnt || !host_pid || !mnt || !pid || mnt == host_mnt || pid == host_pid) {
        fprintf(stderr, "corral-probe: refusing to run: not proven confined (mnt %llu vs host %llu, pid %llu vs host %llu)\n",
                mnt, host_mnt, pid, host_pid);
        return 3;
    }
    if (effective_caps() & (1ULL << 21)) {
        fprintf(stderr, "corral-probe: refusing to run: CAP_SYS_ADMIN is effective\n");
        return 3;
    }
    puts("confined 0");

    report("mount", mount("none", "/nonexistent-corral-probe", "corral-probe-nofs", 0, NULL));
    report("umount2", umount2("/nonexistent-corral-probe", 0));
    report("pivot_root", syscall(SYS_pivot_root, "/nonexistent-a", "/nonexistent-b"));
    report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS));
    report("setns", setns(-1, 0));
    report("clone_newns", syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, NULL, NULL, 0));  /* EINVAL if allowed */
    report("clone3", syscall(SYS_clone3, NULL, 0));
    report("init_module", syscall(SYS_init_module, NULL, 0, ""));
    report("finit_module", syscall(SYS_finit_module, -1, "", 0));
    report("delete_module", syscall(SYS_delete_module, "corral_probe_nonexistent", O_NONBLOCK));
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -1000, 0));
    report("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0xffffffffUL));
    report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));  /* bad magic: EINVAL if allowed */
    report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
    report("swapon", syscall(SYS_swapon, "/nonexistent-corral-probe", 0));
    report("acct", syscall(SYS_acct, "/nonexistent-corral-probe"));
    report("settimeofday", syscall(SYS_settimeofday, (void *)1, NULL));  /* EFAULT if allowed */
    report("userfaultfd", syscall(SYS_userfaultfd, 0x12345678));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 0, NULL));
    report("personality", syscall(SYS_personality, 0x0400000));  /* READ_IMPLIES_EXEC */
    report("ptrace_pid1", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
    report("sysrq_trigger_open", open_for_writing("/proc/sysrq-trigger"));
    /* A writable sysfs attribute on a normal host: the first that exists. */
    const char *sys_files[] = { "/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
                                "/sys/power/state", "/sys/kernel/profiling" };
    const char *sys_file = NULL;
    for (size_t i = 0; i < sizeof sys_files / sizeof *sys_files && !sys_file; i++)
        if (access(sys_files[i], F_OK) == 0) sys_file = sys_files[i];
    if (sys_file) report("sys_write_open", open_for_writing(sys_file));

    /* The device cgroup: making a node for the host's first disk is allowed, opening it is not. */
    long made = mknod("/dev/probe-sda", S_IFBLK | 0600, makedev(8, 0));
    report("mknod_block", made);
    if (made == 0) {
        int fd = open("/dev/probe-sda", O_RDONLY | O_CLOEXEC);
        report("open_block", fd);
        if (fd >= 0) close(fd);
        unlink("/dev/probe-sda");
    }
    return 0;
}
