import CorralSeccomp
import Foundation
import Testing

@Suite struct CompilerTests {
    let target = FilterTarget(capabilities: ["CAP_CHOWN", "CAP_SYS_CHROOT"], kernel: "6.1")

    func defaultProfile() throws -> String {
        try String(contentsOfFile: ProfileParserTests.profilesDirectory + "/seccomp/default.json", encoding: .utf8)
    }

    @Test func theDefaultProfileCompilesWithEveryNameKnown() throws {
        let filter = try SeccompCompiler().compile(try defaultProfile(), source: "default.json", for: target)
        #expect(filter.unknownSyscalls == [])
        #expect(filter.instructionCount > 50)
        #expect(filter.program.count == filter.instructionCount * 8)
    }

    @Test func capabilitiesChangeTheProgram() throws {
        let text = try defaultProfile()
        let plain = try SeccompCompiler().compile(text, source: "d", for: target)
        var admin = target
        admin.capabilities.insert("CAP_SYS_ADMIN")
        let withAdmin = try SeccompCompiler().compile(text, source: "d", for: admin)
        #expect(plain.program != withAdmin.program)
    }

    @Test func unknownNamesAreSkippedAndListed() throws {
        let filter = try SeccompCompiler().compile("""
            {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["read", "no_such_syscall", "another_fake"], "action": "SCMP_ACT_ALLOW"}]}
            """, source: "x", for: target)
        #expect(filter.unknownSyscalls == ["no_such_syscall", "another_fake"])
    }

    @Test func aCompiledProfileIsCachedPerProcess() throws {
        let compiler = SeccompCompiler()
        let text = try defaultProfile()
        let first = try compiler.compile(text, source: "d", for: target)
        let second = try compiler.compile(text, source: "d", for: target)
        #expect(first == second && compiler.compileCount == 1)
        var other = target
        other.capabilities.insert("CAP_SYS_ADMIN")
        _ = try compiler.compile(text, source: "d", for: other)
        #expect(compiler.compileCount == 2)
    }

    @Test func rulesAreSelectedByCapabilityArchitectureAndKernel() {
        let rule = SyscallRule(names: ["mount"], action: .allow,
                               includes: RuleFilter(caps: ["CAP_SYS_ADMIN"], arches: ["amd64", "arm64"], minKernel: "5.8"),
                               excludes: RuleFilter(caps: ["CAP_BPF"]))
        let admin = FilterTarget(capabilities: ["CAP_SYS_ADMIN"], kernel: "6.1")
        #expect(SeccompCompiler.applies(rule, to: admin, kernel: KernelVersion("6.1")))
        #expect(!SeccompCompiler.applies(rule, to: target, kernel: KernelVersion("6.1")))
        #expect(!SeccompCompiler.applies(rule, to: admin, kernel: KernelVersion("5.4")))
        let both = FilterTarget(capabilities: ["CAP_SYS_ADMIN", "CAP_BPF"], kernel: "6.1")
        #expect(!SeccompCompiler.applies(rule, to: both, kernel: KernelVersion("6.1")))
        let otherArch = SyscallRule(names: ["x"], action: .allow, includes: RuleFilter(arches: ["s390x"]))
        #expect(!SeccompCompiler.applies(otherArch, to: admin, kernel: nil))
        // An unknown kernel leaves out rules that need a newer one.
        let needsNew = SyscallRule(names: ["x"], action: .allow, includes: RuleFilter(minKernel: "5.8"))
        #expect(!SeccompCompiler.applies(needsNew, to: admin, kernel: nil))
        let untilKernel = SyscallRule(names: ["x"], action: .allow, excludes: RuleFilter(minKernel: "6.0"))
        #expect(SeccompCompiler.applies(untilKernel, to: admin, kernel: KernelVersion("5.15")))
        #expect(!SeccompCompiler.applies(untilKernel, to: admin, kernel: KernelVersion("6.18")))
    }

    @Test func conditionsOnTheSameArgumentBecomeAlternatives() {
        let a = ArgumentCondition(index: 0, value: 2, op: .equal), b = ArgumentCondition(index: 0, value: 10, op: .equal)
        let c = ArgumentCondition(index: 1, value: 1, op: .equal)
        #expect(SeccompCompiler.conditionGroups([a, b]) == [[a], [b]])
        #expect(SeccompCompiler.conditionGroups([a, c]) == [[a, c]])
    }
}
