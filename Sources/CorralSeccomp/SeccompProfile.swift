/// A seccomp profile in the Docker/Moby JSON format, validated: every name and operator known,
/// every number in range. `SeccompCompiler` turns it into a BPF program.
package struct SeccompProfile: Equatable, Sendable {
    package var defaultAction: SeccompAction
    /// Architectures the filter accepts (`SCMP_ARCH_X86_64`, …), native first; empty: native only.
    package var architectures: [String]
    package var syscalls: [SyscallRule]

    package init(defaultAction: SeccompAction, architectures: [String] = [], syscalls: [SyscallRule] = []) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.syscalls = syscalls
    }
}

/// What the filter does with a system call.
package enum SeccompAction: Equatable, Sendable {
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
package struct SyscallRule: Equatable, Sendable {
    package var names: [String]
    package var action: SeccompAction
    /// All must hold (several on the same argument index: any of them, as Docker does).
    package var args: [ArgumentCondition]
    package var includes: RuleFilter
    package var excludes: RuleFilter

    package init(names: [String], action: SeccompAction, args: [ArgumentCondition] = [],
                includes: RuleFilter = RuleFilter(), excludes: RuleFilter = RuleFilter()) {
        self.names = names
        self.action = action
        self.args = args
        self.includes = includes
        self.excludes = excludes
    }
}

/// A comparison of one system-call argument.
package struct ArgumentCondition: Equatable, Sendable {
    package var index: UInt32
    package var value: UInt64
    /// The second operand of `maskedEqual` (the value the masked argument must equal).
    package var valueTwo: UInt64
    package var op: ArgumentOperator

    package init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: ArgumentOperator) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}

package enum ArgumentOperator: String, Equatable, Sendable, CaseIterable {
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
package struct RuleFilter: Equatable, Sendable {
    /// Capability names as in the profile (`CAP_SYS_ADMIN`).
    package var caps: [String]
    package var arches: [String]
    /// `5.8`: the rule needs at least this kernel.
    package var minKernel: String?

    package init(caps: [String] = [], arches: [String] = [], minKernel: String? = nil) {
        self.caps = caps
        self.arches = arches
        self.minKernel = minKernel
    }

    package var isEmpty: Bool { caps.isEmpty && arches.isEmpty && minKernel == nil }
}
