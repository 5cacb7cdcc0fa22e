import CorralTestFiles
import CoreMetrics
import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralRunner
import CorralRunnerStore
import Foundation
import Synchronization
import Testing

/// The runner's task state (the driver API has a `TaskState` of its own).
typealias TaskState = CorralRunner.TaskState

/// What the runner integration tests need: root, a recent kernel, cgroups, the built supervisor and
/// init programs (and, for the crash tests, the built `corral`). Mirrors `DriverTests` of the exec
/// driver's tests.
enum RunnerIntegration {
    /// Where the build put the test bundle, and with it `corral`, `corral-supervisor`, `corral-init`.
    static let productsDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    static var corralPath: String { productsDirectory + "/corral" }

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

    static let skipReason: String? = {
        if geteuid() != 0 { return "runner integration tests need root (running as uid \(geteuid()))" }
        var info = utsname()
        uname(&info)
        let release = withUnsafeBytes(of: info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        if numbers.count == 2, (numbers[0], numbers[1]) < (5, 12) {
            return "runner integration tests need Linux 5.12+ (pidfd, openat2, mount_setattr); this kernel is \(release)"
        }
        if cgroupMounts.isEmpty { return "no cgroup hierarchy is mounted" }
        for program in ["corral-supervisor", "corral-init", "corral-exec"] where access(productsDirectory + "/" + program, X_OK) != 0 {
            return "no \(program) next to the test bundle: build the package first"
        }
        return nil
    }()

    /// The crash tests also drive the built `corral alloc-run`.
    static let cliSkipReason: String? = {
        if let skipReason { return skipReason }
        if access(corralPath, X_OK) != 0 { return "no corral next to the test bundle: build the package first" }
        return nil
    }()

    /// How late the kill may come after its timeout: 4 s on a host (the whole suite runs at once on
    /// two cores; seen: 2.2 s); in the emulated cgroup v2 test guest (code runs 5-33x slower there) 20 s
    /// (seen: 25.8 s with a build running beside the guest); `finishes(within: 30)` still catches a hang.
    static let lateness: Double = ProcessInfo.processInfo.environment["CORRAL_TEST_GUEST"] == nil ? 4 : 20

    static var enabled: Bool { skipReason == nil }
    static var cliEnabled: Bool { cliSkipReason == nil }
    static var comment: Comment { Comment(rawValue: skipReason ?? "") }
    static var cliComment: Comment { Comment(rawValue: cliSkipReason ?? "") }
}

/// One test's private corner of the host: a temporary directory holding the alloc root and the
/// SQLite database, a driver state root, a cgroup parent and an allocation id, all named after a
/// random test name. `finish` checks that nothing of it is left and removes the (empty) parents.
final class RunnerWorld: Sendable {
    let name = "t" + UUID().uuidString.prefix(8).lowercased()
    let base: String
    let allocRoot: String
    let dbPath: String
    let stateRoot: String
    let cgroupParent: String
    let allocID: String
    let nodeName: String
    private let children = Mutex<[Process]>([])

    init() throws {
        base = NSTemporaryDirectory() + "corral-runner-integ-\(name)"
        allocRoot = base + "/alloc"
        dbPath = base + "/state.db"
        stateRoot = "/run/corral/test-\(name)"
        cgroupParent = "corral-test-\(name)"
        allocID = "alloc-\(name)"
        nodeName = "node-\(name)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    var options: DriverOptions {
        DriverOptions(stateRoot: stateRoot, cgroupParent: cgroupParent,
                      supervisorPath: RunnerIntegration.productsDirectory + "/corral-supervisor",
                      initPath: RunnerIntegration.productsDirectory + "/corral-init",
                      execPath: RunnerIntegration.productsDirectory + "/corral-exec")
    }

    /// A new exec driver instance (a new "runtime" each time).
    func driver() -> ExecDriver { ExecDriver(options: options) }

    /// A new connection to the test's SQLite state database.
    func store() throws -> SQLiteStateStore { try SQLiteStateStore(path: dbPath) }

    var config: RunnerConfig {
        RunnerConfig(allocRoot: allocRoot, node: NodeInfo(id: "id-\(nodeName)", name: nodeName))
    }

    var allocDir: String { allocRoot + "/" + allocID }
    func directory(task: String) -> TaskDirectory { TaskDirectory(allocRoot: allocRoot, allocID: allocID, task: task) }
    func stdoutLog(task: String) -> String { allocDir + "/alloc/logs/\(task).stdout" }

    /// An allocation of job `j` (of `type`), group `g` with `restart`, and the one task.
    func allocation(_ task: TaskSpec, type: JobType, restart: RestartPolicy) -> Allocation {
        Allocation(id: allocID, job: Job(id: "j", type: type, groups: [TaskGroup(name: "g", restart: restart, tasks: [task])]),
                   groupName: "g")
    }

    /// A task running `script` with the exec driver's /bin/sh.
    static func shellTask(_ script: String, name: String = "t", env: [String: String] = [:],
                          killTimeout: Duration = .seconds(1)) -> TaskSpec {
        TaskSpec(name: name, driver: "exec",
                 config: ["command": .string("/bin/sh"), "args": .list([.string("-c"), .string(script)])],
                 env: env, resources: TaskResourceSpec(memoryMiB: 64), killTimeout: killTimeout)
    }

    /// A task runner over the exec driver, SQLite and the host task directories, whose persisted
    /// state changes go to `log`.
    func runner(_ allocation: Allocation, task: String = "t", driver: ExecDriver, store: SQLiteStateStore,
                log: StateLog) throws -> TaskRunner {
        try TaskRunner(allocation: allocation, taskName: task, driver: driver, store: store, config: config,
                       taskDirBuilder: HostTaskDirBuilder(), metricsFactory: NOOPMetricsHandler.instance,
                       onStateChange: { _, state in log.append(state) })
    }

    // MARK: Leftovers

    /// Cgroup directories under the test's parent in every hierarchy.
    func taskCgroups() -> [String] {
        var found: [String] = []
        for mount in RunnerIntegration.cgroupMounts {
            let dir = mount + "/" + cgroupParent
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDirectory), isDirectory.boolValue {
                    found.append(dir + "/" + entry)
                }
            }
        }
        return found
    }

    /// Every process in the test's task cgroups, with its start time (to tell it from a reused pid).
    func taskProcesses() -> [ProcessID] {
        var seen: Set<Int32> = []
        var found: [ProcessID] = []
        for cgroup in taskCgroups() {
            let text = (try? String(contentsOfFile: cgroup + "/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in text.split(separator: "\n").compactMap({ Int32($0) }) where seen.insert(pid).inserted {
                if let id = ProcessID(pid: pid) { found.append(id) }
            }
        }
        return found
    }

    /// Mount points at or below the test's temporary directory.
    func mounts() -> [String] { mountPoints(below: base) }

    /// Cgroups, driver state directories, mounts and the allocation directory left behind.
    func leftovers() -> [String] {
        var left = taskCgroups()
        left += ((try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []).map { stateRoot + "/" + $0 }
        left += mounts()
        if FileManager.default.fileExists(atPath: allocDir) { left.append(allocDir) }
        return left
    }

    /// Remembers a child process, so `finish` can SIGKILL it if a test failed before it ended.
    func adopt(_ process: Process) { children.withLock { $0.append(process) } }

    /// Checks that nothing is left, then cleans up (forcibly, after a failure) and removes the
    /// test's parent cgroups, state root and temporary directory.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        for child in children.withLock({ $0 }) where child.isRunning {
            Issue.record("a corral child process (pid \(child.processIdentifier)) was still running", sourceLocation: sourceLocation)
            // Foundation's children may have SIGTERM blocked: SIGKILL.
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        let left = leftovers()
        #expect(left == [], "resources left behind", sourceLocation: sourceLocation)
        if !left.isEmpty { forceCleanUp() }
        for mount in RunnerIntegration.cgroupMounts { rmdir(mount + "/" + cgroupParent) }
        rmdir(stateRoot)
        if mounts().isEmpty { try? FileManager.default.removeItem(atPath: base) }
    }

    /// After a failed test: kills the processes of the test's task cgroups, removes those cgroups,
    /// unmounts what the test's task directories mounted and removes the state root. Touches only
    /// what this test created.
    private func forceCleanUp() {
        for process in taskProcesses() { kill(process.pid, SIGKILL) }
        // Failure path only: give the kernel a moment to reap them before removing their cgroups.
        for _ in 0..<500 where !taskProcesses().isEmpty { usleep(10_000) }
        for cgroup in taskCgroups() { rmdir(cgroup) }
        for mountPoint in mounts().sorted(by: { $0.count > $1.count }) { umount2(mountPoint, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: stateRoot)
        if mounts().isEmpty { try? FileManager.default.removeItem(atPath: allocDir) }
    }
}

/// A process by pid and start time (clock ticks since boot): a pid reused later is another process.
struct ProcessID: Equatable, Sendable, CustomStringConvertible {
    let pid: Int32
    let startTime: UInt64

    init?(pid: Int32) {
        guard let start = Self.startTime(of: pid) else { return nil }
        self.pid = pid
        self.startTime = start
    }

    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ")", options: .backwards) else { return nil }
        let fields = stat[close.upperBound...].split(separator: " ")
        // Field 22 of stat; fields[0] here is field 3 (state).
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// Still this process (a zombie counts as gone: it runs nothing).
    var isAlive: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ")", options: .backwards) else { return false }
        let fields = stat[close.upperBound...].split(separator: " ")
        guard fields.count > 19, UInt64(fields[19]) == startTime else { return false }
        return fields[0] != "Z" && fields[0] != "X"
    }

    var description: String { "pid \(pid)" }
}

/// Every task state the runner announced (after persisting it), in order; tests wait on it.
final class StateLog: Sendable {
    private struct Waiter: Sendable {
        let condition: @Sendable (TaskState) -> Bool
        let result: OneShot<TaskState?>
    }

    private let contents = Mutex<(states: [TaskState], waiters: [Waiter])>(([], []))

    func append(_ state: TaskState) {
        let due: [Waiter] = contents.withLock { contents in
            contents.states.append(state)
            let due = contents.waiters.filter { $0.condition(state) }
            contents.waiters.removeAll { $0.condition(state) }
            return due
        }
        for waiter in due { waiter.result.resolve(state) }
    }

    var all: [TaskState] { contents.withLock { $0.states } }

    /// Waits until an announced state satisfies `condition` (woken by the announcement); nil after `seconds`.
    func waitFor(_ seconds: Double = 30, _ condition: @escaping @Sendable (TaskState) -> Bool) async -> TaskState? {
        let result = OneShot<TaskState?>()
        let ready: TaskState? = contents.withLock { contents in
            if let match = contents.states.first(where: condition) { return match }
            contents.waiters.append(Waiter(condition: condition, result: result))
            return nil
        }
        if let ready { return ready }
        return await withDeadline(.seconds(seconds)) { await result.value() } ?? nil
    }
}

/// Runs `work` and waits for it at most `seconds`; false when it did not finish (it is then left
/// running: the test fails instead of hanging).
func finishes(within seconds: Double, _ work: @escaping @Sendable () async -> Void) async -> Bool {
    await withDeadline(.seconds(seconds)) {
        await work()
        return true
    } ?? false
}

/// Blocks on a FIFO until a task writes a line into it (the task's own "I am ready" signal), on a
/// thread of its own so that the cooperative pool is not held; returns the line.
func readLine(fromFIFO path: String) async -> String {
    await withCheckedContinuation { continuation in
        Thread {
            // open(2) blocks until the task opens the FIFO for writing; read until it closes it.
            var bytes: [UInt8] = []
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                var buffer = [UInt8](repeating: 0, count: 256)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    bytes += buffer[0..<count]
                }
                close(fd)
            }
            continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
        }.start()
    }
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Mount points at or below `root`, from /proc/self/mountinfo (octal escapes decoded).
func mountPoints(below root: String) -> [String] {
    mountInfo().map(\.mountPoint).filter { $0 == root || $0.hasPrefix(root + "/") }
}

/// One line of /proc/self/mountinfo: the mount point, its per-mount options, its file system type.
struct MountInfoLine {
    var mountPoint: String
    var options: [String]
    var fsType: String

    /// Parses a mountinfo line (`id parent major:minor root point options [tags] - type source super`).
    init?(_ line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { return nil }
        mountPoint = Self.unescape(String(fields[4]))
        options = fields[5].split(separator: ",").map(String.init)
        fsType = String(fields[dash + 1])
    }

    static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func mountInfo(_ text: String? = nil) -> [MountInfoLine] {
    let text = text ?? ProcFile.text("/proc/self/mountinfo") ?? ""
    return text.split(separator: "\n").compactMap(MountInfoLine.init)
}

extension TaskState {
    var eventTypes: [TaskEventType] { events.map(\.type) }
}

extension TaskHandle {
    /// The exec driver's state directory for the run (where the supervisor writes exit.json), read
    /// from the handle's driver state.
    var stateDirectory: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(driverState.utf8)) as? [String: Any] else { return nil }
        return object["state_directory"] as? String
    }
}

// MARK: The corral CLI

/// How a `corral` child ended and what it printed.
struct CLIResult: Sendable, CustomStringConvertible {
    var status: Int32
    var reason: Process.TerminationReason
    var stdout: String
    var stderr: String

    var killedBySIGKILL: Bool { reason == .uncaughtSignal && status == SIGKILL }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    var description: String {
        "status \(status) (\(reason == .exit ? "exit" : "signal")); stdout:\n\(stdout)\nstderr:\n\(stderr)"
    }
}

/// Runs `corral` with `arguments` (and `stdin`), collecting its output; SIGKILLs it after `timeout`
/// seconds and records an issue. The child is adopted by `world`, which kills it if the test ends first.
func runCorral(_ arguments: [String], stdin: Data? = nil, world: RunnerWorld, timeout: Double = 120,
               sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: RunnerIntegration.corralPath)
    process.arguments = arguments
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    let collected = PipeCollector(output: output, errors: errors)
    let ended = OneShot<Void>()
    process.terminationHandler = { _ in ended.resolve(()) }
    try process.run()
    world.adopt(process)
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()

    let exited = await withDeadline(.seconds(timeout)) { await ended.value() } != nil
    if !exited {
        Issue.record("corral \(arguments.joined(separator: " ")) did not end within \(timeout) s: SIGKILLed",
                     sourceLocation: sourceLocation)
        kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    // The pipes close when the last holder of their write ends goes: corral itself, unless it leaked
    // them to a task's supervisor (which would be a bug of its own).
    let closed = await withDeadline(.seconds(10)) { await collected.done.value() } != nil
    #expect(closed, "corral's stdout/stderr stayed open after it ended: a descendant holds them",
            sourceLocation: sourceLocation)
    return CLIResult(status: process.terminationStatus, reason: process.terminationReason,
                     stdout: collected.stdout, stderr: collected.stderr)
}

/// Reads a child's stdout and stderr until EOF, on threads of their own.
final class PipeCollector: Sendable {
    private let state = Mutex<(out: Data, err: Data, open: Int)>((Data(), Data(), 2))
    /// Resolved once both pipes reached EOF.
    let done = OneShot<Void>()

    init(output: Pipe, errors: Pipe) {
        let outHandle = output.fileHandleForReading, errHandle = errors.fileHandleForReading
        Thread.detachNewThread { [self] in
            let data = outHandle.readDataToEndOfFile()
            if state.withLock({ $0.out = data; $0.open -= 1; return $0.open == 0 }) { done.resolve(()) }
        }
        Thread.detachNewThread { [self] in
            let data = errHandle.readDataToEndOfFile()
            if state.withLock({ $0.err = data; $0.open -= 1; return $0.open == 0 }) { done.resolve(()) }
        }
    }

    var finished: Bool { state.withLock { $0.open == 0 } }
    var stdout: String { String(decoding: state.withLock { $0.out }, as: UTF8.self) }
    var stderr: String { String(decoding: state.withLock { $0.err }, as: UTF8.self) }
}

/// One task state change line of `corral alloc-run`.
struct StateLine: Decodable {
    var task: String
    var state: String
    var failed: Bool
    var event: TaskEvent?
}

/// `alloc-run`'s JSON, as it prints it (ISO 8601 dates).
let cliDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}()
