import CCorralLaunch

/// One step of assembling a task's root filesystem, in order. Targets are absolute paths
/// inside the task's root; the child resolves them one component at a time without following any
/// symlink (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), so an image can never send a mount elsewhere:
/// a symlink, FIFO or file on the way fails the start. Masks and read-only paths are resolved beneath
/// the fresh procfs or sysfs they protect (see `FlatPlan.protectedMounts`).
package enum MountStep: Equatable, Sendable {
    /// Create a directory.
    case directory(target: String, mode: UInt32)
    /// Create a symbolic link `target` pointing at `linkTarget`.
    case symlink(target: String, linkTarget: String)
    /// Bind a host path (recursively) with the given attributes.
    case bind(source: String, target: String, isFile: Bool, attributes: MountAttributes)
    /// Mount a fresh filesystem (`proc`, `sysfs`, `tmpfs`, `devpts`, `mqueue`).
    case filesystem(type: String, target: String, flags: MountFlags, data: String)
    /// Create a device node; `mode` carries the type (S_IFCHR or S_IFBLK) and the permissions.
    case deviceNode(target: String, mode: UInt32, major: UInt32, minor: UInt32)
    /// Hide a path: `/dev/null` over a file, an empty read-only tmpfs over a directory. Skipped only
    /// when that procfs/sysfs has no such file; any other failure fails the start.
    case mask(target: String)
    /// Make a path read-only by binding it onto itself. Skipped when missing.
    case readOnly(target: String)
    /// Create a new file holding `contents` (the generated `/etc` of a default chroot); fails if the
    /// path exists, so it never writes into a file it did not create.
    case file(target: String, contents: String, mode: UInt32)

    /// The path inside the task this step acts on.
    package var target: String {
        switch self {
        case .directory(let t, _), .symlink(let t, _), .bind(_, let t, _, _), .filesystem(_, let t, _, _),
             .deviceNode(let t, _, _, _), .mask(let t), .readOnly(let t), .file(let t, _, _):
            return t
        }
    }

    /// How a failure of this step is named in an error message.
    package var subject: String {
        switch self {
        case .bind(let source, let target, _, _): return "\"\(target)\" (bind of \"\(source)\")"
        case .filesystem(let type, let target, _, _): return "\"\(target)\" (\(type))"
        default: return "\"\(target)\""
        }
    }
}

/// `MS_*` flags for mounting a new filesystem.
package struct MountFlags: OptionSet, Equatable, Sendable {
    package let rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }
    package static let nosuid = MountFlags(rawValue: corral_ms_nosuid())
    package static let nodev = MountFlags(rawValue: corral_ms_nodev())
    package static let noexec = MountFlags(rawValue: corral_ms_noexec())
    package static let readOnly = MountFlags(rawValue: corral_ms_rdonly())
    package static let strictAtime = MountFlags(rawValue: corral_ms_strictatime())
}

/// `MOUNT_ATTR_*` attributes applied recursively to a bind mount.
package struct MountAttributes: OptionSet, Equatable, Sendable {
    package let rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }
    package static let readOnly = MountAttributes(rawValue: corral_mount_attr_rdonly())
    package static let nosuid = MountAttributes(rawValue: corral_mount_attr_nosuid())
    package static let nodev = MountAttributes(rawValue: corral_mount_attr_nodev())
    package static let noexec = MountAttributes(rawValue: corral_mount_attr_noexec())
}

/// A user-requested bind mount (`--bind SRC:DST[:ro]`).
package struct BindMount: Equatable, Sendable {
    package var source: String
    package var destination: String
    package var readOnly: Bool
    package init(source: String, destination: String, readOnly: Bool = false) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }
}

/// A user-requested tmpfs (`--tmpfs DST[:size]`).
package struct TmpfsMount: Equatable, Sendable {
    package var destination: String
    package var sizeBytes: UInt64?
    /// Permission bits of the tmpfs root (default 1777, like /tmp).
    package var mode: UInt32
    package init(destination: String, sizeBytes: UInt64? = nil, mode: UInt32 = 0o1777) {
        self.destination = destination
        self.sizeBytes = sizeBytes
        self.mode = mode
    }
}
