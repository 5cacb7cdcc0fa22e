import CSeccomp
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A seccomp filter compiled to classic BPF, ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
package struct CompiledFilter: Equatable, Sendable {
    /// The program: `instructionCount` 8-byte `struct sock_filter`s.
    package var program: [UInt8]
    package var instructionCount: Int { program.count / 8 }
    /// System calls the profile names that libseccomp does not know: skipped.
    package var unknownSyscalls: [String]
}

/// What a profile is compiled for: the rules it keeps depend on the task's capabilities, the
/// architecture and the kernel.
package struct FilterTarget: Hashable, Sendable {
    /// Capability names in the profile's spelling (`CAP_SYS_ADMIN`).
    package var capabilities: Set<String>
    package var kernel: String

    package init(capabilities: Set<String>, kernel: String) {
        self.capabilities = capabilities
        self.kernel = kernel
    }
}

/// Compiles profiles with libseccomp, caching each result for the life of the process: an agent
/// starting many tasks with the same profile and capabilities compiles it once.
package final class SeccompCompiler: Sendable {
    /// Hashes the text's length, not its 30 kB (equality still compares all of it).
    private struct Key: Hashable {
        var source: String
        var text: String
        var target: FilterTarget

        func hash(into hasher: inout Hasher) {
            hasher.combine(source)
            hasher.combine(text.utf8.count)
            hasher.combine(target)
        }
    }

    private let cache = Mutex<[Key: CompiledFilter]>([:])
    private let compilations = Mutex(0)

    /// How many profiles this compiler has compiled with libseccomp (cache misses).
    package var compileCount: Int { compilations.withLock { $0 } }

    /// Bump when the way profiles become BPF changes: entries on disk from before are then ignored.
    static let semanticsVersion = 2
    /// Where compiled filters outlive the process; nil: memory only.
    private let disk: FilterCache?

    package init(disk: FilterCache? = nil) {
        self.disk = disk
    }

    /// The shared compiler of a process running as root keeps filters in `/run/corral/cache/seccomp`.
    package static let shared = SeccompCompiler(disk: FilterCache.standard)

    /// Parses (if needed) and compiles `text`, read from `source`, for `target`: from the process's
    /// cache, else the disk cache, else libseccomp.
    package func compile(_ text: String, source: String, for target: FilterTarget,
                        isKnownCapability: (String) -> Bool = { _ in true }) throws(SeccompError) -> CompiledFilter {
        let key = Key(source: source, text: text, target: target)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        if let stored = disk?.load(text: text, source: source, target: target) {
            cache.withLock { $0[key] = stored }
            return stored
        }
        let profile = try SeccompProfileParser.parse(text, source: source, isKnownCapability: isKnownCapability)
        let compiled = try Self.compile(profile, source: source, for: target)
        compilations.withLock { $0 += 1 }
        cache.withLock { $0[key] = compiled }
        disk?.store(compiled, text: text, source: source, target: target)
        return compiled
    }

    /// libseccomp's version: a different one may compile the same profile differently.
    static var libseccompVersion: String {
        guard let version = seccomp_version() else { return "unknown" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    /// Compiles a parsed profile (no cache).
    package static func compile(_ profile: SeccompProfile, source: String, for target: FilterTarget) throws(SeccompError) -> CompiledFilter {
        guard let context = seccomp_init(raw(profile.defaultAction)) else {
            throw .compile(source: source, what: "seccomp_init", errno: ENOMEM)
        }
        defer { seccomp_release(context) }
        // The task sets no_new_privs itself; the filter is installed by corral, not by libseccomp.
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0)
        // A binary tree of syscall numbers instead of a linear list: fewer instructions per call, and
        // a faster install (the kernel runs the filter for every syscall number to find the ones it can
        // always allow: 0.2 ms for the default profile as a tree, 0.5 ms as a list, on this machine).
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        // A system call of an ABI the profile does not list (32-bit int 0x80, x32 numbers) kills the
        // whole task, explicitly (libseccomp's default would kill only the thread).
        let badArch = seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)
        if badArch < 0 { throw .compile(source: source, what: "set the action for other ABIs", errno: -badArch) }
        for name in profile.architectures {
            let arch = seccomp_arch_resolve_name(libseccompArchName(name))
            guard arch != 0 else {
                throw .compile(source: source, what: "unknown architecture \"\(name)\"", errno: EINVAL)
            }
            let rc = seccomp_arch_add(context, arch)
            if rc < 0 && rc != -EEXIST { throw .compile(source: source, what: "add architecture \(name)", errno: -rc) }
        }

        var unknown: [String] = []
        let kernel = KernelVersion(target.kernel)
        for (index, rule) in profile.syscalls.enumerated() where applies(rule, to: target, kernel: kernel) {
            for name in rule.names {
                let number = seccomp_syscall_resolve_name(name)
                guard number != __NR_SCMP_ERROR else {
                    if !unknown.contains(name) { unknown.append(name) }
                    continue
                }
                // libseccomp takes one comparison per argument; several on the same argument mean "any
                // of them" (Docker's reading), so each becomes a rule of its own.
                let groups = conditionGroups(rule.args)
                for group in groups {
                    var comparisons = group.map(comparison)
                    let rc = seccomp_rule_add_array(context, raw(rule.action), number, UInt32(comparisons.count), &comparisons)
                    // EACCES: the rule's action equals the default action, which libseccomp refuses as redundant.
                    if rc < 0 && rc != -EACCES {
                        throw .compile(source: source, what: "syscalls[\(index)] \(name)", errno: -rc)
                    }
                }
            }
        }

        let fd = corral_memfd("corral-seccomp")
        guard fd >= 0 else { throw .compile(source: source, what: "memfd_create", errno: errno) }
        defer { close(fd) }
        let rc = seccomp_export_bpf(context, fd)
        guard rc == 0 else { throw .compile(source: source, what: "seccomp_export_bpf", errno: -rc) }
        let size = Int(lseek(fd, 0, SEEK_END))
        var program = [UInt8](repeating: 0, count: max(size, 0))
        let read = program.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard read == size, size % 8 == 0 else { throw .compile(source: source, what: "read the exported filter", errno: EIO) }
        return CompiledFilter(program: program, unknownSyscalls: unknown)
    }

    /// Docker's rule selection: includes need every capability, one of the architectures and at least
    /// the kernel; excludes drop the rule on any capability, on the architecture, or from the kernel on.
    package static func applies(_ rule: SyscallRule, to target: FilterTarget, kernel: KernelVersion?) -> Bool {
        let arches = nativeArchNames
        if !rule.includes.caps.allSatisfy({ target.capabilities.contains(normalizedCap($0)) }) { return false }
        if !rule.includes.arches.isEmpty && !rule.includes.arches.contains(where: { arches.contains($0.lowercased()) }) { return false }
        // An unknown kernel version fails closed: a rule that needs a newer kernel is left out.
        if let min = rule.includes.minKernel.flatMap(KernelVersion.init), kernel.map({ $0 < min }) ?? true { return false }
        if rule.excludes.caps.contains(where: { target.capabilities.contains(normalizedCap($0)) }) { return false }
        if rule.excludes.arches.contains(where: { arches.contains($0.lowercased()) }) { return false }
        if let min = rule.excludes.minKernel.flatMap(KernelVersion.init), let kernel, kernel >= min { return false }
        return true
    }

    static func normalizedCap(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// This machine's architecture under the names profiles use (Go's, libseccomp's, the kernel's).
    static var nativeArchNames: Set<String> {
        #if arch(x86_64)
        return ["amd64", "x86_64", "scmp_arch_x86_64"]
        #elseif arch(arm64)
        return ["arm64", "aarch64", "scmp_arch_aarch64"]
        #else
        return []
        #endif
    }

    /// `SCMP_ARCH_X86_64` → `x86_64`, as seccomp_arch_resolve_name wants it.
    static func libseccompArchName(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasPrefix("scmp_arch_") ? String(lower.dropFirst("scmp_arch_".count)) : lower
    }

    /// Splits conditions so that no group compares the same argument twice.
    package static func conditionGroups(_ args: [ArgumentCondition]) -> [[ArgumentCondition]] {
        let indices = args.map(\.index)
        guard Set(indices).count != indices.count else { return [args] }
        return args.map { [$0] }
    }

    static func comparison(_ condition: ArgumentCondition) -> scmp_arg_cmp {
        let op: scmp_compare
        switch condition.op {
        case .notEqual: op = SCMP_CMP_NE
        case .lessThan: op = SCMP_CMP_LT
        case .lessOrEqual: op = SCMP_CMP_LE
        case .equal: op = SCMP_CMP_EQ
        case .greaterOrEqual: op = SCMP_CMP_GE
        case .greaterThan: op = SCMP_CMP_GT
        case .maskedEqual: op = SCMP_CMP_MASKED_EQ
        }
        return scmp_arg_cmp(arg: condition.index, op: op, datum_a: condition.value, datum_b: condition.valueTwo)
    }

    static func raw(_ action: SeccompAction) -> UInt32 {
        switch action {
        case .allow: return SCMP_ACT_ALLOW
        case .errno(let code): return corral_scmp_act_errno(UInt16(truncatingIfNeeded: code))
        case .killProcess: return SCMP_ACT_KILL_PROCESS
        case .killThread: return SCMP_ACT_KILL_THREAD
        case .trap: return SCMP_ACT_TRAP
        case .log: return SCMP_ACT_LOG
        }
    }
}
