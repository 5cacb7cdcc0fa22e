import CCorralLaunch
import Foundation
import Testing
@testable import CorralIsolation

/// The launch side of the second security review (issue 15): forged launch reports, sources swapped
/// for symlinks after their check, non-canonical paths inside the task, a tampered sealed helper, and
/// seccomp profiles that are not small regular files. Unprivileged: no task is started here (the
/// integration suite `LaunchHardeningIntegrationTests` does that).
@Suite("Launch hardening")
struct LaunchHardeningTests {
    // MARK: paths inside the task (P1-9)

    @Test(arguments: ["/./proc", "/proc/.", "//sys", "/sys//fs", "/dev/", "/a/./b", "/.", "/a/..", "/data//",
                      "/./", "proc", "", "./proc"])
    func nonCanonicalPathsInsideTheTaskAreRefused(path: String) {
        #expect(InsidePath.problem(path, allowRoot: false) != nil, "\(path)")
        #expect(InsidePath.problem(path, allowRoot: true) != nil, "\(path)")
    }

    @Test func canonicalPathsPass() {
        for path in ["/data", "/srv/a.b/c", "/..x", "/.hidden", "/a..b"] {
            #expect(InsidePath.problem(path, allowRoot: false) == nil, "\(path)")
        }
        #expect(InsidePath.problem("/", allowRoot: true) == nil)
        #expect(InsidePath.problem("/", allowRoot: false) != nil)
    }

    @Test(arguments: ["/./proc", "//proc", "/./sys/fs", "//dev/", "/tmp/./x"])
    func theBuilderRefusesThemForEveryOption(path: String) {
        let builder = LaunchPlanBuilder(host: FakeHost.debian())
        for configure in [{ (spec: inout IsolationSpec) in spec.binds = [BindMount(source: "/srv/data", destination: path)] },
                          { (spec: inout IsolationSpec) in spec.tmpfs = [TmpfsMount(destination: path)] },
                          { (spec: inout IsolationSpec) in spec.workdir = path }] {
            var spec = IsolationSpec(command: ["sh"], hostname: "t")
            configure(&spec)
            #expect(throws: LaunchError.self, "\(path)") { try builder.build(spec, rootMountpoint: "/run/corral/x/rootfs") }
        }
    }

    // MARK: the report pipe (P0-3)

    func plan(mode: LaunchMode = .isolated, pid: NamespaceSharing = .private) throws -> LaunchPlan {
        var spec = IsolationSpec(command: ["sh"], hostname: "t")
        spec.namespaces.pid = pid
        var plan = try LaunchPlanBuilder(host: FakeHost.debian()).build(spec, rootMountpoint: "/run/corral/x/rootfs")
        plan.mode = mode
        return plan
    }

    @Test func theHelperHoldsNoReportPipeWhereOtherProcessesCanSeeIt() throws {
        #expect(FlatPlan.helperArguments(try plan(), reportFD: 9)[1] == "9")
        for plan in [try plan(pid: .host), try plan(mode: .host), try plan(mode: .join(pidfd: 5, namespaces: 0))] {
            #expect(!FlatPlan.helperMayReport(plan))
            #expect(FlatPlan.helperArguments(plan, reportFD: 9)[1] == "-", "\(plan.mode)")
        }
    }

    /// Writes `records` to a pipe (closing it unless `holdOpen`) and reads them as the launcher does.
    func readReports(_ records: [(kind: corral_report_kind, pid: Int32)], holdOpen: Bool = false,
                     deadline: Int64 = 5_000) -> (taskPID: pid_t?, failure: Bool, violation: String?, seen: [pid_t]) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return (nil, false, "pipe", []) }
        for record in records {
            var r = corral_report(kind: Int32(record.kind.rawValue), stage: 22, error: ENOENT, index: 0, pid: record.pid)
            _ = withUnsafeBytes(of: &r) { write(fds[1], $0.baseAddress, $0.count) }
        }
        if !holdOpen { close(fds[1]) }
        var seen: [pid_t] = []
        let outcome = Launcher.readReports(fds[0], deadlineMilliseconds: deadline) { seen.append($0) }
        close(fds[0])
        if holdOpen { close(fds[1]) }
        return (outcome.taskPID, outcome.failure != nil, outcome.violation, seen)
    }

    @Test func theFirstTaskPIDWinsAndAnyLaterOneIsAViolation() {
        let normal = readReports([(CORRAL_REPORT_TASK_PID, 4242)])
        #expect(normal.taskPID == 4242 && normal.violation == nil && normal.seen == [4242])
        let failed = readReports([(CORRAL_REPORT_FAILURE, 0), (CORRAL_REPORT_TASK_PID, 4242)])
        #expect(failed.taskPID == 4242 && failed.failure && failed.violation == nil)
        for forged: Int32 in [1, -1, 0, 4243, 4242] {
            let result = readReports([(CORRAL_REPORT_TASK_PID, 4242), (CORRAL_REPORT_TASK_PID, forged)])
            #expect(result.taskPID == 4242 && result.violation != nil && result.seen == [4242], "forged \(forged)")
        }
    }

    @Test func aTaskPIDOfOneOrLessIsNeverBelieved() {
        for pid: Int32 in [1, 0, -1, Int32.min] {
            let result = readReports([(CORRAL_REPORT_TASK_PID, pid)])
            #expect(result.taskPID == nil && result.violation != nil && result.seen.isEmpty, "\(pid)")
        }
    }

    @Test func tooManyRecordsOrAnUnknownKindIsAViolation() {
        let flood = readReports([(CORRAL_REPORT_TASK_PID, 4242)] + Array(repeating: (CORRAL_REPORT_FAILURE, 0), count: 8))
        #expect(flood.violation != nil)
        #expect(readReports([(corral_report_kind(rawValue: 77), 0)]).violation != nil)
    }

    @Test func aWriterThatNeverClosesTheReportPipeEndsAtTheDeadline() {
        let start = Launcher.monotonicMilliseconds()
        let result = readReports([(CORRAL_REPORT_TASK_PID, 4242)], holdOpen: true, deadline: 300)
        #expect(result.violation != nil)
        #expect(Launcher.monotonicMilliseconds() - start < 10_000)
    }

    // MARK: the task's pid before any signal (P0-3)

    @Test func onlyTheSupervisorsOwnChildGetsAPidfd() {
        // We are our parent's child: that pair validates; nothing else does.
        let own = TaskProcess.openValidatedPidfd(taskPID: getpid(), supervisorPID: getppid())
        #expect(own >= 0)
        if own >= 0 { close(own) }
        for (task, supervisor) in [(getpid(), getpid()), (pid_t(1), getppid()), (pid_t(0), getppid()), (pid_t(-1), getppid()),
                                   (getppid(), getpid()), (getpid(), pid_t(1))] {
            #expect(TaskProcess.openValidatedPidfd(taskPID: task, supervisorPID: supervisor) == -1, "\(task) \(supervisor)")
        }
    }

    // MARK: the sealed helper (P1-11)

    @Test func aTamperedSealedCopyIsMadeAgain() throws {
        let program = try temporaryProgram()
        defer { unlink(program) }
        let first = try SealedHelper.fd(forPath: program, name: "tamper-test")
        #expect(try SealedHelper.fd(forPath: program, name: "tamper-test") == first)
        // A mode the seals let through (F_SEAL_EXEC refuses exec-bit changes where the kernel has it)
        // makes a new copy; one they refuse leaves the copy as it was. Either way: 0555, never set-id.
        var changed = 0
        for mode: mode_t in [0, 0o4555, 0o2555, 0o6555, 0o444, 0o755, 0o777] {
            let before = try SealedHelper.fd(forPath: program, name: "tamper-test")
            let tampered = fchmod(before, mode) == 0
            let after = try SealedHelper.fd(forPath: program, name: "tamper-test")
            if tampered { changed += 1 }
            #expect(tampered ? after != before : after == before, "mode \(String(mode, radix: 8))")
            var st = stat()
            #expect(fstat(after, &st) == 0 && st.st_mode & 0o7777 == 0o555)
        }
        if geteuid() == 0 {
            let before = try SealedHelper.fd(forPath: program, name: "tamper-test")
            #expect(fchown(before, 12345, 12345) == 0)
            let after = try SealedHelper.fd(forPath: program, name: "tamper-test")
            #expect(after != before)
            var st = stat()
            #expect(fstat(after, &st) == 0 && st.st_uid == geteuid())
            changed += 1
        }
        #expect(changed > 0, "no tampering could be tried")
    }

    func temporaryProgram() throws -> String {
        let path = "/tmp/corral-sealed-\(UUID().uuidString.prefix(8))"
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return path
    }

    // MARK: seccomp profile files (P1-7)

    @Test func aProfileMustBeASmallRegularFileAndItsContentIsNeverShown() throws {
        let directory = "/tmp/corral-profile-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let big = directory + "/big.json"
        let secret = "SECRET-\(UUID().uuidString)"
        try Data((secret + String(repeating: " ", count: (1 << 20) + 10)).utf8).write(to: URL(fileURLWithPath: big))
        try FileManager.default.createDirectory(atPath: directory + "/dir", withIntermediateDirectories: true)
        for path in [fifo, big, "/dev/zero", "/dev/null", directory + "/dir", directory + "/missing"] {
            // Returns at once (a FIFO without a writer never blocks the non-blocking open).
            do {
                try ProfileLocator.checkProfileFile(path, option: "config.seccomp_profile")
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.description.contains("config.seccomp_profile"), "\(error)")
                #expect(error.description.contains(path), "\(error)")
                #expect(!error.description.contains(secret))
            }
            #expect(throws: LaunchError.self) { _ = try ProfileLocator.seccomp(path) }
            #expect(LiveHost().readTextFile(atPath: path) == nil, "\(path)")
        }
        let small = directory + "/small.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: small))
        try ProfileLocator.checkProfileFile(small, option: "--seccomp")
    }

    // MARK: bind sources and the image opened once (P0-5)

    @Test(.enabled(if: geteuid() == 0, "cloning mount trees (open_tree) needs CAP_SYS_ADMIN"))
    func aSourceSwappedForASymlinkAfterItsCheckIsRefused() throws {
        let base = "/tmp/corral-sources-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        for dir in ["/image", "/shared/data", "/shared/image"] {
            try FileManager.default.createDirectory(atPath: base + dir, withIntermediateDirectories: true)
        }
        var spec = IsolationSpec(command: ["/bin/true"], hostname: "t")
        spec.rootfs = base + "/shared/image"
        spec.binds = [BindMount(source: base + "/shared/data", destination: "/data")]
        let built = try LaunchPlanBuilder().build(spec, rootMountpoint: base + "/rootfs")
        var resources = FileDescriptors()
        defer { resources.closeAll() }
        let sources = try MountSources.open(built, into: &resources)
        #expect(sources.imageFD >= 0 && sources.bindFDs.count == 1)

        // Every component, swapped for a symlink (to / and to a harmless place), after the check.
        for (victim, target) in [("/shared", "/"), ("/shared", base + "/image"), ("/shared/data", "/"),
                                 ("/shared/image", "/"), ("/shared/image", base + "/image")] {
            let saved = base + "/saved"
            #expect(rename(base + victim, saved) == 0)
            #expect(symlink(target, base + victim) == 0)
            var more = FileDescriptors()
            do {
                _ = try MountSources.open(built, into: &more)
                Issue.record("\(victim) -> \(target) was opened")
            } catch {
                #expect(error.description.contains("symbolic link"), "\(error)")
            }
            more.closeAll()
            unlink(base + victim)
            #expect(rename(saved, base + victim) == 0)
        }
    }

    @Test(.enabled(if: geteuid() == 0, "cloning mount trees (open_tree) needs CAP_SYS_ADMIN"))
    func aWritableSourceThatIsCorralsStateIsRefusedOnWhatWasOpened() throws {
        var spec = IsolationSpec(command: ["/bin/true"], hostname: "t")
        spec.binds = [BindMount(source: "/", destination: "/host", readOnly: true)]
        var built = try LaunchPlanBuilder().build(spec, rootMountpoint: "/nonexistent/rootfs")
        var resources = FileDescriptors()
        defer { resources.closeAll() }
        #expect(try MountSources.open(built, into: &resources).bindFDs.count == built.mounts.filter {
            if case .bind = $0 { return true } else { return false }
        }.count)
        // The same source made writable in the plan (as a later swap would): refused on the fd's path.
        built.mounts = built.mounts.map {
            guard case .bind(let source, let target, let isFile, _) = $0, target == "/host" else { return $0 }
            return .bind(source: source, target: target, isFile: isFile, attributes: [.nosuid, .nodev])
        }
        #expect(throws: LaunchError.self) { _ = try MountSources.open(built, into: &resources) }
    }
}
