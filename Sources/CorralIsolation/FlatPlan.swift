import CCorralLaunch
import CorralCgroups
#if canImport(Glibc)
import Glibc
#endif

/// Memory for C strings and arrays that must stay put while `corral_launch` forks.
/// Everything is freed together when the arena is released.
final class PlanArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { block.deallocate() }
    }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(s.utf8CString)
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        p.initialize(from: bytes, count: bytes.count)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func optionalString(_ s: String?) -> UnsafePointer<CChar>? {
        s.map { UnsafePointer(string($0)) }
    }

    /// A zeroed buffer of `count` bytes.
    func buffer(_ count: Int) -> UnsafeMutablePointer<CChar> {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        if !values.isEmpty { p.initialize(from: values, count: values.count) }
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// A NULL-terminated `char *[]`.
    func stringArray(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        array(values.map { Optional(string($0)) } + [nil])
    }
}

/// The descriptors and program the supervisor is started with.
struct SupervisorLaunch {
    var path: String
    /// Arguments after the program name; `taskPIDPlaceholder` marks where the task's pid goes.
    var arguments: [String]
    var fds: [(from: Int32, to: Int32)]
    /// A sealed copy of the program (`SealedHelper`), exec'd instead of `path`; -1: the path.
    var sealedFD: Int32 = -1
    static let taskPIDPlaceholder = "\u{1}TASKPID"
}

/// A `LaunchPlan` laid out as the C `struct corral_plan`. Its pointers are valid only inside
/// `withPlan`, which keeps the memory they point into alive for the whole call.
final class FlatPlan {
    private let arena = PlanArena()
    private var plan = corral_plan()

    /// `helperFD`: the sealed helper the task execs last (`SealedHelper`); -1 execs the candidates directly.
    init(_ launch: LaunchPlan, taskStdio: (Int32, Int32, Int32), supervisor: SupervisorLaunch, reportFD: Int32,
         lifelineTo: Int32 = -1, cgroup: CgroupPlacement? = nil, helperFD: Int32 = -1, barrierFD: Int32 = -1,
         sources: MountSources = MountSources()) {
        let isolated = launch.mode == .isolated
        plan.clone_flags = isolated ? launch.namespaces.cloneFlags : 0
        plan.setup_root = isolated ? 1 : 0
        plan.join_pidfd = -1
        if case .join(let pidfd, let namespaces) = launch.mode {
            plan.join_pidfd = pidfd
            plan.join_flags = namespaces
        }
        plan.root_mountpoint = UnsafePointer(arena.string(launch.rootMountpoint))
        plan.root_image = arena.optionalString(launch.rootImage)
        plan.root_image_fd = sources.imageFD
        plan.root_readonly = launch.rootReadOnly ? 1 : 0
        let steps = launch.mounts
        plan.mounts = UnsafePointer(arena.array(Self.protectedMounts(steps).enumerated().map { index, entry in
            var m = flatten(steps[index], target: Self.relativeTarget(steps[index], within: steps, relativeTo: entry.relativeTo),
                            relativeTo: entry.relativeTo, keep: entry.keep)
            m.source_fd = sources.bindFDs[index] ?? -1
            m.user = launch.firstUserMount.map { index >= $0 } ?? false ? 1 : 0
            return m
        }))
        plan.n_mounts = UInt32(launch.mounts.count)
        plan.hostname = isolated ? arena.optionalString(launch.hostname) : nil
        plan.loopback_up = isolated && launch.namespaces.network == .none ? 1 : 0
        plan.rlimits = UnsafePointer(arena.array(launch.rlimits.map {
            corral_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard)
        }))
        plan.n_rlimits = UInt32(launch.rlimits.count)
        plan.switch_user = launch.switchUser ? 1 : 0
        plan.uid = launch.identity.uid
        plan.gid = launch.identity.gid
        plan.groups = UnsafePointer(arena.array(launch.identity.supplementaryGroups))
        plan.n_groups = UInt32(launch.identity.supplementaryGroups.count)
        plan.workdir = UnsafePointer(arena.string(launch.workdir))
        plan.umask = launch.umask
        plan.no_new_privs = launch.noNewPrivileges ? 1 : 0
        let candidates: [UnsafePointer<CChar>?] = launch.executableCandidates.map { UnsafePointer(arena.string($0)) }
        plan.exec_candidates = UnsafePointer(arena.array(candidates))
        plan.n_exec_candidates = UInt32(launch.executableCandidates.count)
        plan.argv = UnsafePointer(arena.stringArray(launch.arguments))
        plan.envp = UnsafePointer(arena.stringArray(launch.environment))
        plan.exec_helper_fd = helperFD
        plan.helper_reports = !launch.runUnderInit && Self.helperMayReport(launch) ? 1 : 0
        plan.helper_argv = UnsafePointer(arena.stringArray(Self.helperArguments(launch, reportFD: reportFD)))
        plan.task_stdio = taskStdio
        plan.task_tty = launch.terminal ? 1 : 0
        plan.lifeline_to = lifelineTo
        plan.set_capabilities = launch.applyCapabilities ? 1 : 0
        plan.last_capability = launch.lastCapability
        plan.cap_bounding = launch.capabilities.bounding.mask
        plan.cap_permitted = launch.capabilities.permitted.mask
        plan.cap_effective = launch.capabilities.effective.mask
        plan.cap_inheritable = launch.capabilities.inheritable.mask
        plan.cap_ambient = launch.capabilities.ambient.mask
        if let program = launch.seccompProgram {
            plan.seccomp_program = UnsafePointer(arena.array(program))
            plan.seccomp_instructions = UInt32(program.count / 8)
        }
        plan.cgroup_dir_fd = cgroup?.cloneIntoFD ?? -1
        plan.cgroup_procs_fds = UnsafePointer(arena.array(cgroup?.procsFDs ?? []))
        plan.n_cgroup_procs_fds = UInt32(cgroup?.procsFDs.count ?? 0)

        plan.supervisor_path = UnsafePointer(arena.string(supervisor.path))
        plan.supervisor_fd = supervisor.sealedFD
        let pidSlot = arena.buffer(24)
        var argv: [UnsafeMutablePointer<CChar>?] = [arena.string(supervisor.path)]
        for argument in supervisor.arguments {
            argv.append(argument == SupervisorLaunch.taskPIDPlaceholder ? pidSlot : arena.string(argument))
        }
        argv.append(nil)
        plan.supervisor_argv = UnsafePointer(arena.array(argv))
        plan.supervisor_envp = UnsafePointer(arena.stringArray(["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]))
        plan.task_pid_slot = pidSlot
        plan.supervisor_fds = UnsafePointer(arena.array(supervisor.fds.map { corral_fd_map(from: $0.from, to: $0.to) }))
        plan.n_supervisor_fds = UInt32(supervisor.fds.count)
        plan.report_fd = reportFD
        plan.barrier_fd = barrierFD
    }

    /// Runs `body` with the C plan; nothing it points to is freed before `body` returns.
    func withPlan<R>(_ body: (UnsafePointer<corral_plan>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try withUnsafePointer(to: plan, body) }
    }

    /// Whether the helper may hold the report pipe across its exec: only when no other process can see
    /// it, i.e. it is alone in a new pid namespace. An exec into a running task (the task's processes
    /// share its pid namespace), a task in the host's pid namespace or a `raw_exec` task could open
    /// `/proc/<helper>/fd/N` in the moment before the helper makes itself non-dumpable and forge
    /// reports; there the helper says why the command could not run on stderr (status 126/127).
    static func helperMayReport(_ launch: LaunchPlan) -> Bool {
        launch.mode == .isolated && launch.namespaces.pid == .private
    }

    /// The helper's argv: as the task's init, or execing the candidates (reporting through `reportFD`,
    /// or "-" for none: see `helperMayReport`).
    static func helperArguments(_ launch: LaunchPlan, reportFD: Int32) -> [String] {
        if launch.runUnderInit { return ["corral-init", "--init", "--"] + launch.arguments }
        let report = helperMayReport(launch) ? String(reportFD) : "-"
        return ["corral-exec", report, String(launch.executableCandidates.count)]
            + launch.executableCandidates + ["--"] + launch.arguments
    }

    /// For each step: what its target is relative to (0: the root; i + 1: the fresh mount of step i)
    /// and whether its own fresh mount must be kept. A mask or read-only path acts beneath the latest
    /// earlier file system mounted at its parent or above (`/proc/sys` beneath the new procfs), so it
    /// protects that very mount, whatever the path means later on.
    static func protectedMounts(_ steps: [MountStep]) -> [(relativeTo: UInt32, keep: Bool)] {
        var result = steps.map { _ in (relativeTo: UInt32(0), keep: false) }
        for (index, step) in steps.enumerated() {
            switch step {
            case .mask(let target), .readOnly(let target):
                let components = target.split(separator: "/")
                // A read-only step may name the fresh mount itself (a tmpfs corral filled, then closes).
                let mayBeTheMount: Bool
                if case .readOnly = step { mayBeTheMount = true } else { mayBeTheMount = false }
                for earlier in stride(from: index - 1, through: 0, by: -1) {
                    guard case .filesystem(_, let mountPoint, _, _) = steps[earlier] else { continue }
                    let base = mountPoint.split(separator: "/")
                    let beneath = base.count < components.count || (mayBeTheMount && base.count == components.count)
                    if beneath && Array(components.prefix(base.count)) == base {
                        result[index].relativeTo = UInt32(earlier + 1)
                        result[earlier].keep = true
                        break
                    }
                }
            default:
                continue
            }
        }
        return result
    }

    /// The path a step's target is resolved at: relative to the new root, or to the mount it protects.
    static func relativeTarget(_ step: MountStep, within steps: [MountStep], relativeTo: UInt32) -> String {
        let components = step.target.split(separator: "/")
        guard relativeTo > 0 else { return components.joined(separator: "/") }
        let base = steps[Int(relativeTo) - 1].target.split(separator: "/")
        let rest = components.dropFirst(base.count).joined(separator: "/")
        return rest.isEmpty ? "." : rest
    }

    /// Targets become relative to the new root (or to the mount they protect), as the child's
    /// `openat2(RESOLVE_BENEATH)` wants them.
    private func flatten(_ step: MountStep, target: String, relativeTo: UInt32, keep: Bool) -> corral_mount {
        var m = corral_mount()
        m.relative_to = relativeTo
        m.keep = keep ? 1 : 0
        m.target = UnsafePointer(arena.string(target))
        switch step {
        case .directory(_, let mode):
            m.kind = CORRAL_MOUNT_DIR.rawValue
            m.mode = mode
        case .symlink(_, let linkTarget):
            m.kind = CORRAL_MOUNT_SYMLINK.rawValue
            m.source = UnsafePointer(arena.string(linkTarget))
        case .bind(let source, _, let isFile, let attributes):
            m.kind = CORRAL_MOUNT_BIND.rawValue
            m.source = UnsafePointer(arena.string(source))
            m.target_is_file = isFile ? 1 : 0
            m.attr = attributes.rawValue
        case .filesystem(let type, _, let flags, let data):
            m.kind = CORRAL_MOUNT_FS.rawValue
            m.fstype = UnsafePointer(arena.string(type))
            m.flags = flags.rawValue
            m.data = UnsafePointer(arena.string(data))
        case .deviceNode(_, let mode, let major, let minor):
            m.kind = CORRAL_MOUNT_NODE.rawValue
            m.mode = mode
            m.dev = corral_makedev(major, minor)
        case .mask:
            m.kind = CORRAL_MOUNT_MASK.rawValue
            m.optional = 1
        case .readOnly:
            m.kind = CORRAL_MOUNT_READONLY.rawValue
            m.optional = 1
        case .file(_, let contents, let mode):
            m.kind = CORRAL_MOUNT_FILE.rawValue
            m.mode = mode
            m.data = UnsafePointer(arena.string(contents))
            m.data_len = UInt64(contents.utf8.count)
        }
        return m
    }
}
