/// The standard contents of a task's root filesystem (DESIGN.md §4): the chroot built from host
/// directories, a fresh `/proc` with masked and read-only paths, a read-only `/sys` of the task's
/// own network namespace, a minimal `/dev`, a writable `/tmp`; then the user's mounts.
public enum RootfsLayout {
    /// Host directories a chroot is assembled from by default (those that exist). Not `/etc`: a
    /// default chroot gets a generated one (`GeneratedEtc`) unless the operator lists `/etc`.
    public static let defaultChrootEnv = ["/bin", "/lib", "/lib32", "/lib64", "/sbin", "/usr"]

    /// Paths hidden from the task (as in runc/Docker defaults).
    public static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    /// Paths the task may read but not write.
    public static let readOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// Character devices created in `/dev` (name, major, minor).
    public static let devices: [(name: String, major: UInt32, minor: UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    /// Steps that bring host directories into a fresh tmpfs root: directories as read-only binds,
    /// symlinks (`/bin -> usr/bin` on merged-/usr hosts) as the same symlinks. Missing entries are skipped.
    public static func chrootSteps(entries: [String], host: HostEnvironment) -> [MountStep] {
        var steps: [MountStep] = []
        for entry in entries {
            switch host.fileKind(atPath: entry, followSymlinks: false) {
            case .symlink(let linkTarget):
                steps.append(.symlink(target: entry, linkTarget: linkTarget))
            case .directory:
                steps.append(.bind(source: entry, target: entry, isFile: false,
                                   attributes: [.readOnly, .nosuid, .nodev]))
            case .file, .other:
                steps.append(.bind(source: entry, target: entry, isFile: true,
                                   attributes: [.readOnly, .nosuid, .nodev]))
            case nil:
                continue
            }
        }
        return steps
    }

    /// `/proc`, `/sys`, `/dev` and `/tmp`, with masks and read-only paths.
    public static func systemSteps() -> [MountStep] {
        var steps: [MountStep] = [
            .filesystem(type: "proc", target: "/proc", flags: [.nosuid, .nodev, .noexec], data: ""),
            .filesystem(type: "sysfs", target: "/sys", flags: [.nosuid, .nodev, .noexec, .readOnly], data: ""),
            .filesystem(type: "tmpfs", target: "/dev", flags: [.nosuid, .noexec, .strictAtime],
                        data: "mode=755,size=65536k"),
        ]
        for device in devices {
            steps.append(.deviceNode(target: "/dev/\(device.name)", mode: 0o020666,
                                          major: device.major, minor: device.minor))
        }
        steps += [
            .filesystem(type: "devpts", target: "/dev/pts", flags: [.nosuid, .noexec],
                        data: "newinstance,ptmxmode=0666,mode=0620,gid=5"),
            .symlink(target: "/dev/ptmx", linkTarget: "pts/ptmx"),
            .filesystem(type: "tmpfs", target: "/dev/shm", flags: [.nosuid, .nodev, .noexec],
                        data: "mode=1777,size=65536k"),
            .filesystem(type: "mqueue", target: "/dev/mqueue", flags: [.nosuid, .nodev, .noexec], data: ""),
            .symlink(target: "/dev/fd", linkTarget: "/proc/self/fd"),
            .symlink(target: "/dev/stdin", linkTarget: "/proc/self/fd/0"),
            .symlink(target: "/dev/stdout", linkTarget: "/proc/self/fd/1"),
            .symlink(target: "/dev/stderr", linkTarget: "/proc/self/fd/2"),
            .filesystem(type: "tmpfs", target: "/tmp", flags: [.nosuid, .nodev], data: "mode=1777"),
        ]
        steps += maskedPaths.map { .mask(target: $0) }
        steps += readOnlyPaths.map { .readOnly(target: $0) }
        return steps
    }

    /// The user's bind mounts and tmpfs mounts, in the order given.
    public static func userSteps(binds: [BindMount], tmpfs: [TmpfsMount], host: HostEnvironment) -> [MountStep] {
        // nosuid and nodev always: a host file system bound in must not bring set-uid binaries or
        // device nodes with it (the device cgroup would stop the nodes; this stops them earlier).
        var steps: [MountStep] = binds.map { bind in
            let isDirectory = host.fileKind(atPath: bind.source, followSymlinks: true) == .directory
            return .bind(source: bind.source, target: bind.destination, isFile: !isDirectory,
                         attributes: bind.readOnly ? [.readOnly, .nosuid, .nodev] : [.nosuid, .nodev])
        }
        steps += tmpfs.map { mount in
            var data = "mode=" + String(mount.mode, radix: 8)
            if let size = mount.sizeBytes { data += ",size=\(size)" }
            return .filesystem(type: "tmpfs", target: mount.destination, flags: [.nosuid, .nodev], data: data)
        }
        return steps
    }
}
