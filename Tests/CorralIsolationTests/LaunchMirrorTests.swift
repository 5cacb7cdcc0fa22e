import CCorralLaunch
import Foundation
import Testing
@testable import CorralIsolation

/// The C launch code and its Swift reader agree on the numbers they exchange: every launch stage, and
/// the failure record the freestanding `corral-exec` writes without the header (it links no libc and
/// no C target, so it spells the record out; see Sources/corral-exec/main.c).
@Suite("Launch: C and Swift mirrors")
struct LaunchMirrorTests {
    static let stages: [(LaunchError.Stage, corral_stage)] = [
        (.supervisorSetup, CORRAL_STAGE_SUPERVISOR_SETUP), (.clone, CORRAL_STAGE_CLONE),
        (.supervisorExec, CORRAL_STAGE_SUPERVISOR_EXEC), (.cgroup, CORRAL_STAGE_CGROUP), (.stdio, CORRAL_STAGE_STDIO),
        (.mountPrivate, CORRAL_STAGE_MOUNT_PRIVATE), (.root, CORRAL_STAGE_ROOT), (.mount, CORRAL_STAGE_MOUNT),
        (.pivotRoot, CORRAL_STAGE_PIVOT_ROOT), (.rootReadonly, CORRAL_STAGE_ROOT_READONLY),
        (.hostname, CORRAL_STAGE_HOSTNAME), (.loopback, CORRAL_STAGE_LOOPBACK), (.rlimit, CORRAL_STAGE_RLIMIT),
        (.setgroups, CORRAL_STAGE_SETGROUPS), (.setgid, CORRAL_STAGE_SETGID), (.setuid, CORRAL_STAGE_SETUID),
        (.workdir, CORRAL_STAGE_WORKDIR), (.noNewPrivs, CORRAL_STAGE_NO_NEW_PRIVS), (.closeFds, CORRAL_STAGE_CLOSE_FDS),
        (.signals, CORRAL_STAGE_SIGNALS), (.tty, CORRAL_STAGE_TTY), (.exec, CORRAL_STAGE_EXEC),
        (.supervisorGone, CORRAL_STAGE_SUPERVISOR_GONE), (.capabilities, CORRAL_STAGE_CAPABILITIES),
        (.seccomp, CORRAL_STAGE_SECCOMP), (.join, CORRAL_STAGE_JOIN), (.startBarrier, CORRAL_STAGE_START_BARRIER),
        (.helperExec, CORRAL_STAGE_HELPER_EXEC),
    ]

    @Test func everySwiftStageHasItsCValue() {
        for (swift, c) in Self.stages {
            #expect(swift.rawValue == Int32(c.rawValue), "\(swift)")
        }
        #expect(Set(Self.stages.map(\.0.rawValue)) == Set(LaunchError.Stage.allCases.map(\.rawValue)),
                "a stage without its C counterpart in this table")
        #expect(Set(Self.stages.map(\.1.rawValue)).count == Self.stages.count, "two stages share a C value")
    }

    @Test func corralExecWritesTheLaunchersFailureRecord() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/corral-exec/main.c")
        let text = try String(contentsOf: source, encoding: .utf8)
        // The record: kind, stage, error, index, pid; five 32-bit fields, as struct corral_report.
        #expect(text.contains("struct exec_report { int32_t kind, stage, error, index, pid; };"))
        #expect(MemoryLayout<corral_report>.size == 5 * MemoryLayout<Int32>.size)
        let literal = try #require(text.range(of: #"struct exec_report r = \{ (\d+), (\d+),"#, options: .regularExpression),
                                   "corral-exec no longer writes its record as `struct exec_report r = { KIND, STAGE, ...`")
        let numbers = text[literal].split(whereSeparator: { !$0.isNumber }).compactMap { UInt32($0) }
        #expect(numbers == [CORRAL_REPORT_FAILURE.rawValue, CORRAL_STAGE_EXEC.rawValue])
    }
}
