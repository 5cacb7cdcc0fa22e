import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import CorralIsolation

@Suite("State directory, exit records and error messages")
struct StateAndErrorTests {
    /// A path for a state directory inside a fresh temporary directory.
    func temporaryPath() -> String {
        var template = Array("/tmp/corral-test-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return dir + "/state"
    }

    /// Removes what `temporaryPath` made (the state directory must already be gone or empty of ours).
    func removeParent(of state: StateDirectory) {
        try? state.remove()
        rmdir(String(state.path.dropLast("/state".count)))
    }

    @Test func createsRefusesReuseAndRemovesItself() throws {
        let state = StateDirectory(path: temporaryPath())
        try state.create()
        #expect(access(state.path, F_OK) == 0 && state.rootMountpoint == state.path)
        try state.writeAtomically("task.json", contents: "{}\n")
        #expect(throws: LaunchError.self) { try state.create() }
        try state.writeAtomically("stdout.log", contents: "out")
        try state.remove()
        #expect(access(state.path, F_OK) != 0)
        try state.remove()  // already gone: not an error
        removeParent(of: state)
    }

    @Test func aDirectoryWithOtherFilesIsRefused() throws {
        let state = StateDirectory(path: temporaryPath())
        try state.create()
        _ = creat(state.path + "/someone-elses-file", 0o644)
        #expect(throws: LaunchError.invalid(option: "--state-dir", value: state.path,
                                            reason: "is not empty; give a new or empty directory")) {
            try state.create()
        }
        #expect(access(state.path + "/someone-elses-file", F_OK) == 0, "nothing of theirs is touched")
        unlink(state.path + "/someone-elses-file")
        removeParent(of: state)
    }

    @Test func relativeStateDirectoryIsRejected() {
        #expect(throws: LaunchError.usage(option: "--state-dir", value: "state", reason: "must be an absolute path")) {
            try StateDirectory(path: "state").create()
        }
    }

    @Test func readsTheSupervisorsExitRecord() throws {
        let state = StateDirectory(path: temporaryPath())
        try state.create()
        defer { removeParent(of: state) }
        try state.writeAtomically("exit.json", contents: """
            {"task_pid":42,"exit_code":143,"signal":15,"core_dumped":false,"finished_at":"2026-11-29T10:00:00.000000001Z","finished_at_unix_ns":1}
            """)
        let exit = try TaskExit.read(from: state)
        #expect(exit == TaskExit(taskPID: 42, exitCode: 143, signal: 15, coreDumped: false,
                                 finishedAt: "2026-11-29T10:00:00.000000001Z"))
    }

    @Test func readsTheOOMKillAndFinalUsageOfATaskWithACgroup() throws {
        let state = StateDirectory(path: temporaryPath())
        try state.create()
        defer { removeParent(of: state) }
        try state.writeAtomically("exit.json", contents: """
            {"task_pid":7,"exit_code":137,"signal":9,"core_dumped":false,"oom_killed":true,"oom_kills":1,\
            "resources":{"memory_peak_bytes":67108864,"cpu_total_ns":5,"cpu_user_ns":3,"cpu_system_ns":2},\
            "finished_at":"2026-11-29T10:00:00.000000001Z","finished_at_unix_ns":1}
            """)
        let exit = try TaskExit.read(from: state)
        #expect(exit.oomKilled && exit.exitCode == 137)
        #expect(exit.resources?.memoryPeakBytes == 64 << 20 && exit.resources?.cpuTotalNanos == 5)
        #expect(exit.resources?.cpuThrottledPeriods == nil)
    }

    @Test func childFailuresReadLikeTheIssueSays() {
        let notFound = LaunchError.child(stage: .exec, errno: ENOENT, subject: "\"/bin/nosuch\"")
        #expect(notFound.description == "exec \"/bin/nosuch\": No such file or directory (stage exec)")
        #expect(notFound.exitStatus == 127)
        for found in [EACCES, ENOEXEC, ETXTBSY, ELOOP, E2BIG] {
            #expect(LaunchError.child(stage: .exec, errno: found, subject: nil).exitStatus == 126)
        }
        #expect(LaunchError.child(stage: .exec, errno: ENOTDIR, subject: nil).exitStatus == 127)
        #expect(LaunchError.usage(option: "--workdir", value: "x", reason: "r").exitStatus == 2)
        #expect(LaunchError.child(stage: .mount, errno: EROFS, subject: "\"/usr/x\"").exitStatus == 125)
        #expect(LaunchError.invalid(option: "--net", value: "x", reason: "r").exitStatus == 125)
        #expect(SyscallError("open", errno: ENOENT, path: "/x").description == "open \"/x\": No such file or directory")
    }
}
