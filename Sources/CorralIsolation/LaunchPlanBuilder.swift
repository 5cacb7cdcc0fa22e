#if canImport(Glibc)
import Glibc
#endif
import CorralCgroups
import CorralSeccomp
import CorralResourceTypes

/// Validates an `IsolationSpec` against the host and resolves it into a `LaunchPlan`.
/// Nothing is created here: bad input fails before any resource exists.
package struct LaunchPlanBuilder: Sendable {
    package static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    package let host: HostEnvironment

    package init(host: HostEnvironment = LiveHost()) {
        self.host = host
    }

    package func build(_ spec: IsolationSpec, rootMountpoint: String) throws(LaunchError) -> LaunchPlan {
        guard let program = spec.command.first, !program.isEmpty else {
            throw .usage(option: "command", value: spec.command.joined(separator: " "),
                           reason: "no command given (usage: corral isolate [OPTIONS] -- CMD [ARGS...])")
        }
        try validateHostname(spec.hostname)
        try validateInsidePath(spec.workdir, option: "--workdir", allowRoot: true)

        var steps: [MountStep] = []
        let rootImage: String?
        var generatedEtc: GeneratedEtc?
        if let rootfs = spec.rootfs {
            guard rootfs.hasPrefix("/") else {
                throw .usage(option: "--rootfs", value: rootfs, reason: "must be an absolute path")
            }
            guard host.fileKind(atPath: rootfs, followSymlinks: true) == .directory else {
                throw .invalid(option: "--rootfs", value: rootfs, reason: "no such directory")
            }
            // An image root is writable: the host's own root, or one that holds corral's state, would
            // give the task the host (or every other task).
            let resolvedRoot = HostPaths.resolve(rootfs)
            if resolvedRoot == "/" {
                throw .invalid(option: "--rootfs", value: rootfs, reason: "is the host's root directory: the task would get the whole host, writable")
            }
            if Self.exposesCorralState(rootfs) {
                throw .invalid(option: "--rootfs", value: rootfs,
                               reason: "\(resolvedRoot) overlaps corral's own state (\(Self.corralStateDirectory)): the task could write other tasks' state")
            }
            // Canonical once, here: the launcher opens exactly this path without following any symlink
            // (MountSources), so a component swapped for a symlink later fails instead of moving the root.
            rootImage = try stillApproved(rootfs, spec: spec, option: "--rootfs")
        } else {
            for entry in spec.chrootEnv where !entry.hasPrefix("/") {
                throw .usage(option: "chroot_env", value: entry, reason: "must be an absolute path")
            }
            rootImage = nil
            if !GeneratedEtc.isReplaced(byChrootEntries: spec.chrootEnv) {
                let etc = GeneratedEtc(host: host, hostname: spec.hostname, users: [spec.user ?? spec.defaultUser])
                steps += etc.steps
                generatedEtc = etc
            }
            steps += RootfsLayout.chrootSteps(entries: spec.chrootEnv, host: host)
        }
        let ownTmp = spec.tmpfs.contains { $0.destination.split(separator: "/") == ["tmp"] }
        steps += RootfsLayout.systemSteps(deviceConfinement: spec.deviceConfinement, ownTmp: ownTmp)
        for bind in spec.binds {
            try validateInsidePath(bind.destination, option: "--bind", allowRoot: false, value: describe(bind))
            try refuseOverSystemMounts(bind.destination, option: "--bind", value: describe(bind))
            guard bind.source.hasPrefix("/") else {
                throw .usage(option: "--bind", value: describe(bind), reason: "the source must be an absolute path")
            }
            guard host.fileKind(atPath: bind.source, followSymlinks: true) != nil else {
                throw .invalid(option: "--bind", value: describe(bind), reason: "the source \"\(bind.source)\" does not exist")
            }
            if !bind.readOnly && Self.exposesCorralState(bind.source) {
                throw .invalid(option: "--bind", value: describe(bind),
                               reason: "would let the task write corral's own state (\(Self.corralStateDirectory): other "
                                   + "tasks, the seccomp filter cache); bind it read-only or bind something narrower")
            }
        }
        for mount in spec.tmpfs {
            try validateInsidePath(mount.destination, option: "--tmpfs", allowRoot: false)
            try refuseOverSystemMounts(mount.destination, option: "--tmpfs", value: mount.destination)
        }
        let firstUserMount = steps.count
        steps += RootfsLayout.userSteps(binds: spec.binds, tmpfs: spec.tmpfs, host: host)
        var deviceRules: [DeviceRule] = []
        for device in spec.devices {
            let (step, rule) = try resolveDevice(device)
            if spec.deviceConfinement {
                steps.append(step)
            } else {
                // /dev is nodev without a device cgroup: a bind of the host's node is a mount of its own.
                steps.append(.bind(source: device.hostPath, target: device.containerPath, isFile: true,
                                   attributes: [.nosuid, .noexec]))
            }
            deviceRules.append(rule)
        }

        steps = try steps.map { step throws(LaunchError) in
            guard case .bind(let source, let target, let isFile, let attributes) = step else { return step }
            let canonical = try stillApproved(source, spec: spec, option: "--bind")
            return .bind(source: canonical, target: target, isFile: isFile, attributes: attributes)
        }

        // Users and groups come from the task's own /etc: the image's, the generated one, or the
        // host's when the operator listed it in chroot_env.
        let root = rootImage ?? "/"
        let passwd: String, group: String
        if let generatedEtc {
            (passwd, group) = (generatedEtc.passwd, generatedEtc.group)
        } else {
            passwd = try readAccounts("/etc/passwd", inRoot: root, image: rootImage != nil)
            group = try readAccounts("/etc/group", inRoot: root, image: rootImage != nil)
        }
        let identity = try Self.identity(spec, passwd: passwd, group: group)

        var warnings: [String] = []
        var rlimits: [ResourceLimit] = []
        for var limit in spec.rlimits {
            if let warning = limit.clamp(toHardLimit: host.hardLimit(resource: limit.resource),
                                         canRaise: host.canRaiseHardLimits) {
                warnings.append(warning)
            }
            rlimits.append(limit)
        }

        var granted = try spec.capabilities.resolve(bounding: host.capabilityBoundingSet, last: host.lastCapability)
        warnings += granted.warnings
        if !spec.deviceConfinement, let mknod = CapabilityNames.number("mknod"), granted.set.contains(mknod) {
            // No device cgroup would stop a node it makes from being opened (on a mount without nodev).
            if granted.added.contains(mknod) {
                warnings.append("capability mknod is not granted without a cgroup (--no-cgroup): no device cgroup would confine the nodes it makes")
            }
            granted.set.remove(mknod)
            granted.added.remove(mknod)
        }
        if let admin = CapabilityNames.number("sys_admin"), granted.added.contains(admin) {
            // Said at every start: it undoes most of the isolation (docs/security.md).
            warnings.append("capability sys_admin lets the task mount file systems and change its own limits: "
                            + "treat it as host root (on cgroup v1 a task with it can reach the host's cgroup hierarchies)")
        }
        var seccompProgram: [UInt8]?
        if let profile = spec.seccompProfile {
            let filter = try compileSeccomp(profile, capabilities: granted.set)
            // The kernel's limit on one classic BPF program.
            guard filter.instructionCount <= 4096 else {
                throw .invalid(option: "--seccomp", value: profile,
                               reason: "compiles to \(filter.instructionCount) instructions; the kernel takes at most 4096")
            }
            seccompProgram = filter.program
            if !filter.unknownSyscalls.isEmpty {
                warnings.append("seccomp profile \(profile): system calls this libseccomp does not know were skipped: "
                                + filter.unknownSyscalls.joined(separator: ", "))
            }
        }

        let environment = try buildEnvironment(spec, home: identity.home)
        let path = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? Self.defaultPath
        return LaunchPlan(
            namespaces: spec.namespaces, rootMountpoint: rootMountpoint, rootImage: rootImage,
            rootReadOnly: rootImage == nil, mounts: steps, hostname: spec.hostname, identity: identity,
            rlimits: rlimits, capabilities: TaskCapabilities(granted: granted.set, added: granted.added, uid: identity.uid),
            lastCapability: host.lastCapability, deviceRules: deviceRules, seccompProgram: seccompProgram, workdir: spec.workdir,
            executableCandidates: Self.executableCandidates(program, path: path, workdir: spec.workdir),
            arguments: spec.command, environment: environment, terminal: spec.terminal, warnings: warnings,
            firstUserMount: firstUserMount)
    }

    /// The canonical host path of a bind source or image (resolved once, here: the launcher opens
    /// exactly that path without following any symlink and mounts from the fd it got, `MountSources`).
    /// A path a policy approved in its canonical form must still be canonical: if it no longer is,
    /// a component was swapped for a symlink since the check, and what it now leads to was never judged.
    func stillApproved(_ path: String, spec: IsolationSpec, option: String) throws(LaunchError) -> String {
        let canonical = host.canonicalPath(path) ?? path
        if spec.approvedSources.contains(path) && canonical != path {
            throw .invalid(option: option, value: path,
                           reason: "now leads to \(canonical) through a symbolic link: it changed since it was checked, refused")
        }
        return canonical
    }

    /// An account database of the task's root ("" when it has none); one that is not a plain,
    /// reasonably small file is a bad root, said with the file and why.
    func readAccounts(_ path: String, inRoot root: String, image: Bool) throws(LaunchError) -> String {
        do { return try host.readTextFile(atPath: path, inRoot: root) ?? "" } catch {
            throw .invalid(option: image ? "--rootfs" : "chroot_env", value: root, reason: "\(path): \(error)")
        }
    }

    /// Where `execve` should look for `program`: itself if it has a slash (relative to the
    /// workdir), else each absolute `PATH` entry in order.
    package static func executableCandidates(_ program: String, path: String, workdir: String) -> [String] {
        if program.contains("/") {
            return [program.hasPrefix("/") ? program : joinPath(workdir, program)]
        }
        return path.split(separator: ":").filter { $0.hasPrefix("/") }.map { joinPath(String($0), program) }
    }

    /// The clean default environment plus the user's `KEY=VALUE` entries (later ones win).
    func buildEnvironment(_ spec: IsolationSpec, home: String) throws(LaunchError) -> [String] {
        var entries: [(String, String)] = [("PATH", Self.defaultPath), ("HOME", home), ("HOSTNAME", spec.hostname)]
        if spec.terminal { entries.append(("TERM", spec.term)) }
        for item in spec.environment {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .usage(option: "--env", value: item, reason: "expected KEY=VALUE")
            }
            let key = String(item[..<eq])
            let value = String(item[item.index(after: eq)...])
            guard !key.contains("\0"), !value.contains("\0") else {
                throw .usage(option: "--env", value: item, reason: "contains a NUL byte")
            }
            if let index = entries.firstIndex(where: { $0.0 == key }) {
                entries[index].1 = value
            } else {
                entries.append((key, value))
            }
        }
        return entries.map { "\($0.0)=\($0.1)" }
    }

    /// Where corral keeps what tasks must not change: state directories and the compiled-filter cache.
    package static let corralStateDirectory = "/run/corral"

    /// Who a task of `spec` runs as in the default chroot (without an image): its user resolved
    /// through the generated `/etc` (or the host's, when `chroot_env` lists `/etc`), as `build` does.
    /// Reads host files only, never a task's.
    package func chrootIdentity(_ spec: IsolationSpec) throws(LaunchError) -> UserIdentity {
        if !GeneratedEtc.isReplaced(byChrootEntries: spec.chrootEnv) {
            let etc = GeneratedEtc(host: host, hostname: spec.hostname, users: [spec.user ?? spec.defaultUser])
            return try Self.identity(spec, passwd: etc.passwd, group: etc.group)
        }
        return try Self.identity(spec, passwd: host.readTextFile(atPath: "/etc/passwd") ?? "",
                                 group: host.readTextFile(atPath: "/etc/group") ?? "")
    }

    /// `spec`'s user through `passwd` and `group`. Root by uid (with root's groups), as it always
    /// was. Any other default is fixed by number and has no supplementary groups: never looked up
    /// in the task's /etc, where an image could make `nobody` uid 0 or put it in group 0 or disk.
    static func identity(_ spec: IsolationSpec, passwd: String, group: String) throws(LaunchError) -> UserIdentity {
        if let user = spec.user { return try UserIdentity.resolve(user, passwd: passwd, group: group) }
        if let builtIn = UserIdentity.builtIn(spec.defaultUser) {
            return builtIn.uid == 0 ? (try? UserIdentity.resolve("0", passwd: passwd, group: group)) ?? builtIn : builtIn
        }
        return try UserIdentity.resolve(spec.defaultUser, passwd: passwd, group: group)
    }

    /// Whether a bind of `source` reaches corral's state: the directory itself, inside it, or above it.
    static func exposesCorralState(_ source: String) -> Bool {
        // Through symlinks too (/var/run is /run on Debian), on both sides.
        HostPaths.overlap(HostPaths.resolve(source), HostPaths.resolve(corralStateDirectory)) != nil
    }

    /// A `--device` mapping: the node to create in the task's `/dev` (the only mount without `nodev`)
    /// and the device-cgroup rule that lets the task use it.
    func resolveDevice(_ device: DeviceMapping) throws(LaunchError) -> (MountStep, DeviceRule) {
        let shown = "\(device.hostPath):\(device.containerPath):\(device.permissions)"
        guard device.hostPath.hasPrefix("/") else {
            throw .usage(option: "--device", value: shown, reason: "the host path must be absolute")
        }
        try validateInsidePath(device.containerPath, option: "--device", allowRoot: false, value: shown)
        guard device.containerPath.hasPrefix("/dev/"), device.containerPath.count > 5 else {
            throw .usage(option: "--device", value: shown, reason: "the path inside the task must be under /dev")
        }
        guard DeviceRule.isValidAccess(device.permissions) else {
            throw .usage(option: "--device", value: shown, reason: "permissions must be made of r, w and m (like rw or rwm)")
        }
        guard let node = host.deviceNode(atPath: device.hostPath) else {
            let exists = host.fileKind(atPath: device.hostPath, followSymlinks: true) != nil
            throw .invalid(option: "--device", value: shown,
                           reason: exists ? "\(device.hostPath) is not a device node" : "\(device.hostPath) does not exist")
        }
        let type: UInt32 = node.isBlock ? 0o060000 : 0o020000
        let step = MountStep.deviceNode(target: device.containerPath, mode: type | node.permissions,
                                        major: node.major, minor: node.minor)
        return (step, DeviceRule(node.isBlock ? .block : .char, node.major, node.minor, device.permissions))
    }

    /// Reads and compiles a seccomp profile for the task's capabilities (cached per process).
    func compileSeccomp(_ path: String, capabilities: CapabilitySet) throws(LaunchError) -> CompiledFilter {
        guard let text = host.readTextFile(atPath: path) else {
            throw .invalid(option: "--seccomp", value: path,
                           reason: "cannot read the profile (a readable regular file of at most 1 MiB)")
        }
        let names = Set(capabilities.members.map { "CAP_" + CapabilityNames.name($0).uppercased() })
        do {
            return try SeccompCompiler.shared.compile(text, source: path,
                                                      for: FilterTarget(capabilities: names, kernel: host.kernelRelease),
                                                      isKnownCapability: { CapabilityNames.number($0) != nil })
        } catch {
            throw .invalid(option: "--seccomp", value: path, reason: error.description)
        }
    }

    func validateHostname(_ name: String) throws(LaunchError) {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw .usage(option: "--hostname", value: name,
                           reason: "must be 1 to 64 characters of letters, digits, '-' and '.'")
        }
    }

    /// A user mount over `/proc`, `/sys` or `/dev`, over a directory above them, or beneath `/proc` or
    /// `/sys` would hide or undo corral's protections there: refused.
    func refuseOverSystemMounts(_ path: String, option: String, value: String) throws(LaunchError) {
        let components = path.split(separator: "/")
        for system in RootfsLayout.systemMountPoints {
            let base = system.split(separator: "/")
            let covers = components.count <= base.count && Array(base.prefix(components.count)) == components
            let beneath = system != "/dev" && components.count > base.count && Array(components.prefix(base.count)) == base
            if covers || beneath {
                throw .usage(option: option, value: value,
                             reason: "cannot mount over or beneath \(system): corral's own mount and its protections are there")
            }
        }
    }

    /// Paths inside the task must be absolute and canonical (`InsidePath`): clear errors beat surprising mounts.
    func validateInsidePath(_ path: String, option: String, allowRoot: Bool, value: String? = nil) throws(LaunchError) {
        if let reason = InsidePath.problem(path, allowRoot: allowRoot) {
            throw .usage(option: option, value: value ?? path, reason: reason)
        }
    }

    func describe(_ bind: BindMount) -> String {
        "\(bind.source):\(bind.destination)" + (bind.readOnly ? ":ro" : "")
    }
}

/// Joins two paths with exactly one slash.
func joinPath(_ base: String, _ name: String) -> String {
    if base.hasSuffix("/") { return base + name }
    return base + "/" + name
}
