import CorralSeccomp
import Foundation
import Testing

@Suite struct ProfileParserTests {
    func parse(_ text: String) throws(SeccompError) -> SeccompProfile {
        try SeccompProfileParser.parse(text, source: "p.json")
    }

    func error(_ text: String) -> String? {
        do throws(SeccompError) {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsEveryField() throws {
        let profile = try parse("""
            {"comment": "c", "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
             "architectures": ["SCMP_ARCH_X86"],
             "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X32"]},
                         {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
             "syscalls": [
               {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
               {"name": "kill", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "x"},
               {"names": ["personality"], "action": "SCMP_ACT_LOG",
                "args": [{"index": 0, "value": 18446744073709551615, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ"}],
                "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "5.8"},
                "excludes": {"caps": ["CAP_BPF"], "arches": ["s390x"], "minKernel": "6.1"}},
               {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"},
               {"names": ["a"], "action": "SCMP_ACT_KILL_THREAD"},
               {"names": ["b"], "action": "SCMP_ACT_KILL"},
               {"names": ["c"], "action": "SCMP_ACT_TRAP"},
               {"names": ["d"], "action": "SCMP_ACT_ERRNO"}
             ]}
            """)
        #expect(profile.defaultAction == .errno(38))
        #expect(profile.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86"])
        #expect(profile.syscalls[0] == SyscallRule(names: ["read", "write"], action: .allow))
        #expect(profile.syscalls[1] == SyscallRule(names: ["kill"], action: .errno(13)))
        #expect(profile.syscalls[2].action == .log)
        #expect(profile.syscalls[2].args == [ArgumentCondition(index: 0, value: UInt64.max, valueTwo: 7, op: .maskedEqual)])
        #expect(profile.syscalls[2].includes == RuleFilter(caps: ["CAP_SYS_ADMIN"], arches: ["amd64"], minKernel: "5.8"))
        #expect(profile.syscalls[2].excludes == RuleFilter(caps: ["CAP_BPF"], arches: ["s390x"], minKernel: "6.1"))
        #expect(profile.syscalls[3].action == .killProcess)
        #expect(profile.syscalls[4].action == .killThread && profile.syscalls[5].action == .killThread)
        #expect(profile.syscalls[6].action == .trap)
        #expect(profile.syscalls[7].action == .errno(38))  // the default errno
    }

    @Test func errnoDefaultsToEPERM() throws {
        #expect(try parse(#"{"defaultAction": "SCMP_ACT_ERRNO"}"#).defaultAction == .errno(1))
    }

    @Test(arguments: [
        (#"{"defaultAction": "SCMP_ACT_NOPE"}"#,
         "p.json: defaultAction: unknown action \"SCMP_ACT_NOPE\" (expected one of: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_LOG)"),
        (#"{}"#, "p.json: defaultAction: missing"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["x"], "action": 3}]}"#,
         "p.json: syscalls[1].action: expected a string"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
         "p.json: syscalls[0].args[0].index: out of range (at most 5)"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ISH"}]}]}"#,
         "p.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ISH\" (expected one of: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}"#,
         "p.json: syscalls[0].args[0].value: expected a non-negative integer"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]}"#,
         "p.json: syscalls[0].names: no system call named"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["re ad"], "action": "SCMP_ACT_ALLOW"}]}"#,
         "p.json: syscalls[0].names[0]: \"re ad\" is not a system call name"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "new"}}]}"#,
         "p.json: syscalls[0].includes.minKernel: \"new\" is not a kernel version like 5.8"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"capz": []}}]}"#,
         "p.json: syscalls[0].includes.capz: unknown field (expected one of: arches, caps, minKernel)"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000}"#, "p.json: defaultErrnoRet: out of range (at most 4095)"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]}"#,
         "p.json: flags: not supported by corral (a filter must not be silently weaker than written)"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": 1}]}"#, "p.json: archMap[0].architecture: expected a string"),
        (#"[]"#, "p.json: expected an object"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 007}"#, "p.json: not valid JSON: line 1, column 56: a number has no leading zeros"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1.}"#, "p.json: not valid JSON: line 1, column 58: expected a digit after \".\""),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "x": "\u+fff"}"#, "p.json: not valid JSON: line 1, column 43: invalid \\u escape: expected four hex digits"),
    ])
    func malformedProfilesNameTheJSONPath(text: String, message: String) {
        #expect(error(text) == message)
    }

    @Test func capabilityNamesInFiltersAreChecked() {
        let text = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMN"]}}]}"#
        do throws(SeccompError) {
            _ = try SeccompProfileParser.parse(text, source: "p.json", isKnownCapability: { $0 == "CAP_SYS_ADMIN" })
            Issue.record("a misspelt capability was accepted")
        } catch {
            #expect(error.description == "p.json: syscalls[0].includes.caps[0]: \"CAP_SYS_ADMN\" is not a capability name (like CAP_SYS_ADMIN)")
        }
    }

    @Test func invalidJSONSaysSo() {
        #expect(error("{\"defaultAction\": ")?.hasPrefix("p.json: not valid JSON") == true)
    }

    @Test func theShippedProfilesParse() throws {
        for name in ["default", "unconfined", "example-no-inet"] {
            let path = Self.profilesDirectory + "/seccomp/\(name).json"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(throws: Never.self) { try SeccompProfileParser.parse(text, source: path) }
        }
    }

    /// `profiles/` of this source tree.
    static let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("profiles").path
}
