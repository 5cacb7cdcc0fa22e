/// A seccomp profile in the Docker/Moby JSON format, validated: every name and operator known,
/// every number in range. `SeccompCompiler` turns it into a BPF program.
public struct SeccompProfile: Equatable, Sendable {
    public var defaultAction: SeccompAction
    /// Architectures the filter accepts (`SCMP_ARCH_X86_64`, …), native first; empty: native only.
    public var architectures: [String]
    public var syscalls: [SyscallRule]

    public init(defaultAction: SeccompAction, architectures: [String] = [], syscalls: [SyscallRule] = []) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.syscalls = syscalls
    }
}

/// What the filter does with a system call.
public enum SeccompAction: Equatable, Sendable {
    case allow
    /// Fail with this errno (the profile's `errnoRet`, else its `defaultErrnoRet`, else EPERM).
    case errno(UInt32)
    case killProcess
    case killThread
    /// SIGSYS to the thread.
    case trap
    /// Allow, and log it.
    case log
}

/// One entry of `syscalls[]`: the action for these names when the arguments match and the
/// includes/excludes select it for the task's capabilities and architecture.
public struct SyscallRule: Equatable, Sendable {
    public var names: [String]
    public var action: SeccompAction
    /// All must hold (several on the same argument index: any of them, as Docker does).
    public var args: [ArgumentCondition]
    public var includes: RuleFilter
    public var excludes: RuleFilter

    public init(names: [String], action: SeccompAction, args: [ArgumentCondition] = [],
                includes: RuleFilter = RuleFilter(), excludes: RuleFilter = RuleFilter()) {
        self.names = names
        self.action = action
        self.args = args
        self.includes = includes
        self.excludes = excludes
    }
}

/// A comparison of one system-call argument.
public struct ArgumentCondition: Equatable, Sendable {
    public var index: UInt32
    public var value: UInt64
    /// The second operand of `maskedEqual` (the value the masked argument must equal).
    public var valueTwo: UInt64
    public var op: ArgumentOperator

    public init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: ArgumentOperator) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}

public enum ArgumentOperator: String, Equatable, Sendable, CaseIterable {
    case notEqual = "SCMP_CMP_NE"
    case lessThan = "SCMP_CMP_LT"
    case lessOrEqual = "SCMP_CMP_LE"
    case equal = "SCMP_CMP_EQ"
    case greaterOrEqual = "SCMP_CMP_GE"
    case greaterThan = "SCMP_CMP_GT"
    /// `(arg & value) == valueTwo`.
    case maskedEqual = "SCMP_CMP_MASKED_EQ"
}

/// `includes`/`excludes`: a rule applies when the task has all of `caps` and runs on one of `arches`
/// (empty: no condition). Excludes remove a rule under the same conditions.
public struct RuleFilter: Equatable, Sendable {
    /// Capability names as in the profile (`CAP_SYS_ADMIN`).
    public var caps: [String]
    public var arches: [String]
    /// `5.8`: the rule needs at least this kernel.
    public var minKernel: String?

    public init(caps: [String] = [], arches: [String] = [], minKernel: String? = nil) {
        self.caps = caps
        self.arches = arches
        self.minKernel = minKernel
    }

    public var isEmpty: Bool { caps.isEmpty && arches.isEmpty && minKernel == nil }
}
