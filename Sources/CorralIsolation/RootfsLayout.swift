import CorralCgroups

/// The standard contents of a task's root filesystem (docs/security.md, section 3): the chroot built from host
/// directories, a fresh `/proc` with masked and read-only paths, a read-only `/sys` of the task's
/// own network namespace, a minimal `/dev`, a writable `/tmp`; then the user's mounts.
package enum RootfsLayout {
    /// Host directories a chroot is assembled from by default (those that exist). Not `/etc`: a
    /// default chroot gets a generated one (`GeneratedEtc`) unless the operator lists `/etc`.
    package static let defaultChrootEnv = ["/bin", "/lib", "/lib32", "/lib64", "/sbin", "/usr"]

    /// Paths hidden from the task (as in runc/Docker defaults).
    package static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    /// Paths the task may read but not write.
    package static let readOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// Character devices created in `/dev` (name, major, minor).
    package static let devices: [(name: String, major: UInt32, minor: UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    /// Steps that bring host directories into a fresh tmpfs root: directories as read-only binds,
    /// symlinks (`/bin -> usr/bin` on merged-/usr hosts) as the same symlinks. Missing entries are skipped.
    package static func chrootSteps(entries: [String], host: HostEnvironment) -> [MountStep] {
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

    /// Mount points corral's own protections live on: a user mount may not cover them, or any
    /// directory above them, nor go beneath `/proc` or `/sys` (a bind over `/proc/sys` would undo its
    /// read-only mount).
    package static let systemMountPoints = ["/proc", "/sys", "/dev"]

    /// The size of the task's `/tmp` unless the user mounts a tmpfs there themselves.
    package static let defaultTmpSize = "64m"

    /// `/proc`, `/sys`, `/dev` and `/tmp` (unless `ownTmp`: the user mounts their own), with masks and
    /// read-only paths. Without a device cgroup (`deviceConfinement` false) `/dev` is `nodev`: nothing
    /// made in it opens, and its standard devices are binds of the host's nodes (mounts of their own,
    /// with their own flags).
    package static func systemSteps(deviceConfinement: Bool = true, ownTmp: Bool = false) -> [MountStep] {
        var steps: [MountStep] = [
            .filesystem(type: "proc", target: "/proc", flags: [.nosuid, .nodev, .noexec], data: ""),
            .filesystem(type: "sysfs", target: "/sys", flags: [.nosuid, .nodev, .noexec, .readOnly], data: ""),
            .filesystem(type: "tmpfs", target: "/dev",
                        flags: deviceConfinement ? [.nosuid, .noexec, .strictAtime] : [.nosuid, .noexec, .strictAtime, .nodev],
                        data: "mode=755,size=65536k"),
        ]
        for device in devices {
            if deviceConfinement {
                steps.append(.deviceNode(target: "/dev/\(device.name)", mode: 0o020666,
                                         major: device.major, minor: device.minor))
            } else {
                steps.append(.bind(source: "/dev/\(device.name)", target: "/dev/\(device.name)", isFile: true,
                                   attributes: [.nosuid, .noexec]))
            }
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
        ]
        if !ownTmp {
            steps.append(.filesystem(type: "tmpfs", target: "/tmp", flags: [.nosuid, .nodev],
                                     data: "mode=1777,size=" + defaultTmpSize))
        }
        steps += maskedPaths.map { .mask(target: $0) }
        steps += readOnlyPaths.map { .readOnly(target: $0) }
        return steps
    }

    /// The task's own cgroup at `/sys/fs/cgroup`, read-only (`TaskCgroupView`). Mounted from inside the
    /// task's new cgroup namespace, so each hierarchy's root is the task's own cgroup and nothing above
    /// it shows. On v1, a small tmpfs holds a directory per hierarchy and is made read-only once filled.
    package static func cgroupSteps(_ view: TaskCgroupView) -> [MountStep] {
        let flags: MountFlags = [.nosuid, .nodev, .noexec, .readOnly]
        switch view {
        case .unified:
            return [.filesystem(type: "cgroup2", target: cgroupMountPoint, flags: flags, data: "")]
        case .hierarchies(let hierarchies):
            var steps: [MountStep] = [.filesystem(type: "tmpfs", target: cgroupMountPoint, flags: [.nosuid, .nodev, .noexec],
                                                  data: "mode=755,size=64k")]
            for hierarchy in hierarchies {
                steps.append(.filesystem(type: "cgroup", target: cgroupMountPoint + "/" + hierarchy.name, flags: flags,
                                         data: hierarchy.controllers.joined(separator: ",")))
            }
            let names = Set(hierarchies.map(\.name))
            for hierarchy in hierarchies where hierarchy.controllers.count > 1 {
                for controller in hierarchy.controllers where !names.contains(controller) {
                    steps.append(.symlink(target: cgroupMountPoint + "/" + controller, linkTarget: hierarchy.name))
                }
            }
            steps.append(.readOnly(target: cgroupMountPoint))
            return steps
        }
    }

    /// Where a task finds its cgroup.
    package static let cgroupMountPoint = "/sys/fs/cgroup"

    /// The user's bind mounts and tmpfs mounts, in the order given.
    package static func userSteps(binds: [BindMount], tmpfs: [TmpfsMount], host: HostEnvironment) -> [MountStep] {
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
