import CorralTestFiles
import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// What the exec and raw_exec driver tests need: root, a recent kernel, cgroups with the
/// controllers the tests limit, the built supervisor and init programs. Each test gets its own
/// state root, cgroup parent and alloc directory, and checks that nothing of it is left.
enum DriverTests {
    static let productsDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    /// Every cgroup hierarchy mount point.
    static let cgroupMounts: [String] = {
        let text = ProcFile.text("/proc/self/mountinfo") ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
                  fields[dash + 1] == "cgroup" || fields[dash + 1] == "cgroup2" else { return nil }
            return String(fields[4])
        }
    }()

    /// True on a pure cgroup v2 host (the test guest).
    static let isV2 = ProcFile.text("/proc/self/mountinfo")?
        .split(separator: "\n").contains { $0.contains(" /sys/fs/cgroup ") && $0.contains(" - cgroup2 ") } ?? false

    static let skipReason: String? = {
        if geteuid() != 0 { return "driver integration tests need root (running as uid \(geteuid()))" }
        var info = utsname()
        uname(&info)
        let release = withUnsafeBytes(of: info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        if numbers.count == 2, (numbers[0], numbers[1]) < (5, 12) {
            return "driver integration tests need Linux 5.12+ (pidfd, openat2, mount_setattr); this kernel is \(release)"
        }
        if cgroupMounts.isEmpty { return "no cgroup hierarchy is mounted" }
        for program in ["corral-supervisor", "corral-init", "corral-exec"] where access(productsDirectory + "/" + program, X_OK) != 0 {
            return "no \(program) next to the test bundle: build the package first"
        }
        return nil
    }()

    static var enabled: Bool { skipReason == nil }

    /// How late a deadline may be met: 2 s on a host (the whole suite runs ~650 tests at once on
    /// 2 cores, and a timer on a busy cooperative pool fires late; seen: 1.6 s); in the emulated
    /// test guest (code runs 5-33x slower there) only the order of events is checked.
    static let lateness: Double = ProcessInfo.processInfo.environment["CORRAL_TEST_GUEST"] == nil ? 2 : 10
    /// The least CPU share a busy loop shows in a stats interval: 30% on a host; 5% in the emulated
    /// guest, whose few emulated CPUs the suites running beside it share (an idle task reads 0%).
    static let busyLoopPercent: Double = ProcessInfo.processInfo.environment["CORRAL_TEST_GUEST"] == nil ? 30 : 5
    static var comment: Comment { Comment(rawValue: skipReason ?? "") }
}

/// One test's private corner of the host: state root, cgroup parent, alloc directory.
final class DriverFixture: Sendable {
    let name = "t" + UUID().uuidString.prefix(8).lowercased()
    let stateRoot: String
    let cgroupParent: String
    let allocDir: String
    let allocID: String

    init() throws {
        stateRoot = "/run/corral/test-\(name)"
        cgroupParent = "corral-test-\(name)"
        allocID = "alloc-\(name)"
        allocDir = NSTemporaryDirectory() + "corral-driver-\(name)"
        // The modes the runner gives them (HostTaskDirBuilder): tasks run as nobody by default.
        for (sub, mode) in [("alloc/logs", 0o777), ("alloc/data", 0o777), ("alloc/tmp", 0o1777), ("web/local", 0o777),
                            ("web/secrets", 0o700), ("web/tmp", 0o1777)] {
            try FileManager.default.createDirectory(atPath: allocDir + "/" + sub, withIntermediateDirectories: true)
            chmod(allocDir + "/" + sub, mode_t(mode))
        }
    }

    var options: DriverOptions {
        DriverOptions(stateRoot: stateRoot, cgroupParent: cgroupParent,
                      supervisorPath: DriverTests.productsDirectory + "/corral-supervisor",
                      initPath: DriverTests.productsDirectory + "/corral-init",
                      execPath: DriverTests.productsDirectory + "/corral-exec")
    }

    /// A task config for the task `web`, restart `restart`, with the given driver config.
    /// `user` empty: the driver's default (nobody).
    func task(_ driverConfig: DriverConfig, resources: TaskResources = TaskResources(), restart: Int = 0,
              logging: LogConfig = LogConfig(), env: [String: String] = [:], user: String = "") -> TaskConfig {
        TaskConfig(id: TaskConfig.makeID(allocID: allocID, task: "web", restart: restart), name: "web",
                   jobName: "job", groupName: "group", allocID: allocID, env: env, user: user, resources: resources,
                   allocDir: allocDir, taskDir: allocDir + "/web", logging: logging, driverConfig: driverConfig)
    }

    /// A config running `script` with /bin/sh.
    func shell(_ script: String, _ extra: DriverConfig = [:]) -> DriverConfig {
        var config: DriverConfig = ["command": .string("/bin/sh"), "args": .list([.string("-c"), .string(script)])]
        for (key, value) in extra { config[key] = value }
        return config
    }

    var stdoutLog: String { allocDir + "/alloc/logs/web.stdout" }
    var stderrLog: String { allocDir + "/alloc/logs/web.stderr" }

    func stdout() -> String { (try? String(contentsOfFile: stdoutLog, encoding: .utf8)) ?? "" }

    /// Cgroup directories left under the test's parent, state directories left under its root.
    func leftovers() -> [String] {
        var left: [String] = []
        for mount in DriverTests.cgroupMounts {
            let dir = mount + "/" + cgroupParent
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDirectory), isDirectory.boolValue {
                    left.append(dir + "/" + entry)
                }
            }
        }
        left += ((try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []).map { stateRoot + "/" + $0 }
        return left
    }

    /// Checks that nothing is left, then removes the test's parents and alloc directory.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(leftovers() == [], "resources left behind", sourceLocation: sourceLocation)
        for mount in DriverTests.cgroupMounts { rmdir(mount + "/" + cgroupParent) }
        rmdir(stateRoot)
        try? FileManager.default.removeItem(atPath: allocDir)
    }
}

/// Polls `condition` (a check of real state, not a timer) until it holds or `seconds` pass.
@discardableResult
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Whether `pid` is a live process: not gone, and not a zombie waiting to be reaped.
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != "Z" && state != "X"
}

/// Seconds `body` took.
func elapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

extension ExitResult: CustomTestStringConvertible {
    public var testDescription: String { "exit \(exitCode) signal \(signal) oom \(oomKilled) \(error ?? "")" }
}
