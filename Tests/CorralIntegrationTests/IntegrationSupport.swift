import CorralTestFiles
import CCorralHost
import Foundation
import Testing

/// Whether this machine can run the integration tests, and the built `corral` to run.
/// They need root and a kernel with openat2, open_tree/move_mount and mount_setattr (5.12+).
enum Integration {
    /// The directory of the test bundle, where SwiftPM also puts `corral` and `corral-supervisor`.
    static let productsDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    static let corral = productsDirectory + "/corral"

    /// Why the tests cannot run here, or nil when they can.
    static let skipReason: String? = {
        if geteuid() != 0 { return "integration tests need root (running as uid \(geteuid()))" }
        var info = utsname()
        uname(&info)
        let release = withUnsafeBytes(of: info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        if numbers.count == 2, (numbers[0], numbers[1]) < (5, 12) {
            return "integration tests need Linux 5.12+ (openat2, mount_setattr); this kernel is \(release)"
        }
        return nil
    }()

    static var enabled: Bool { skipReason == nil }
    static var comment: Comment { Comment(rawValue: skipReason ?? "") }
}

/// What a finished `corral` run produced.
struct RunResult {
    var status: Int32
    var killedBySignal: Bool
    var stdout: String
    var stderr: String
}

/// Runs `corral ARGS` to completion, with optional stdin, and checks that the host's own mount
/// table is exactly the same afterwards (every mount belongs to the task's namespace).
func corral(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
    let binary = Integration.corral
    try #require(FileManager.default.isExecutableFile(atPath: binary),
                 "no corral binary at \(binary): build the package before testing", sourceLocation: sourceLocation)
    let mountsBefore = hostMountTable()
    let result = try runCorralProcess(arguments, stdin: stdin)
    #expect(hostMountTable() == mountsBefore, "the host's mount table changed", sourceLocation: sourceLocation)
    return result
}

/// `corral(...)` for async tests: the process is waited for on a thread of its own, so a run of
/// several seconds does not hold one of the few threads of Swift's cooperative pool (the timing
/// tests running beside it would starve).
func corralAsync(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RunResult {
    let binary = Integration.corral
    try #require(FileManager.default.isExecutableFile(atPath: binary),
                 "no corral binary at \(binary): build the package before testing", sourceLocation: sourceLocation)
    let mountsBefore = hostMountTable()
    let result = try await offCooperativePool { try runCorralProcess(arguments, stdin: stdin) }
    #expect(hostMountTable() == mountsBefore, "the host's mount table changed", sourceLocation: sourceLocation)
    return result
}

/// Runs blocking work on a thread of its own and returns its result to the awaiting task.
func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Starts `corral ARGS`, feeds stdin, and waits for it, reading its output.
func runCorralProcess(_ arguments: [String], stdin: String? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Integration.corral)
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both to EOF concurrently so neither pipe can fill up and stall the task.
    let stderrData = ReadToEnd(err.fileHandleForReading)
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus,
                     killedBySignal: process.terminationReason == .uncaughtSignal,
                     stdout: String(decoding: stdoutData, as: UTF8.self),
                     stderr: String(decoding: stderrData.wait(), as: UTF8.self))
}

/// Runs a shell snippet in an isolated task and returns its result.
func isolatedShell(_ script: String, options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
    try corral(["isolate"] + options + ["--", "/bin/sh", "-c", script], sourceLocation: sourceLocation)
}

/// A `corral` started in the background, with its stdout readable as it comes.
struct StartedCorral {
    let process: Process
    let stdout: Pipe

    /// Starts `corral ARGS` with stdin on /dev/null.
    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Integration.corral)
        process.arguments = arguments
        stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads stdout until it contains `marker` (or EOF); returns what was read.
    func read(until marker: String) -> Data {
        var output = Data()
        while !String(decoding: output, as: UTF8.self).contains(marker) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        return output
    }
}

/// Runs a bash script (with `$0` set to the corral binary) and returns its status and stdout.
func bash(_ script: String) throws -> (status: Int32, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script, Integration.corral]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// The host's mount points and sources, without ids that change for unrelated reasons.
///
/// Mounts under the temporary directories of the other integration suites are left out: those
/// suites run in parallel with these and mount on the host by design (the runner's alloc-dir
/// self-binds and secrets tmpfs, the driver tests' small log tmpfs), so they come and go while a
/// command under test runs. The isolate tests' own directories (`temporaryDirectory()`, prefix
/// `corral-it-`) and everything outside the temporary directory are compared in full.
func hostMountTable() -> [String] {
    let text = ProcFile.text("/proc/self/mountinfo") ?? ""
    let temporary = (NSTemporaryDirectory() + "corral-").replacingOccurrences(of: "//", with: "/")
    let ownedByThisSuite = "/tmp/corral-it-"
    func belongsToAnotherSuite(_ mountPoint: Substring) -> Bool {
        (mountPoint.hasPrefix(temporary) || mountPoint.hasPrefix("/tmp/corral-")) && !mountPoint.hasPrefix(ownedByThisSuite)
    }
    return text.split(separator: "\n").filter { line in
        let fields = line.split(separator: " ")
        return fields.count <= 4 || !belongsToAnotherSuite(fields[4])
    }.map { line in
        let fields = line.split(separator: " ")
        return fields.count > 4 ? "\(fields[4]) \(fields.dropFirst(6).joined(separator: " "))" : String(line)
    }.sorted()
}

/// Reads a file handle to EOF on another thread.
final class ReadToEnd: @unchecked Sendable {
    // Safe: `data` is written once by the reader thread before `done` is signalled and read only after `wait()`.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A fresh directory under /tmp, removed by the caller.
func temporaryDirectory() throws -> String {
    let path = "/tmp/corral-it-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

/// Waits for `condition` up to `timeout` seconds, checking every few milliseconds. Only for
/// observing effects of processes the test does not control (files another process writes).
func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// Waits until process `pid` has exited, through a pidfd (no polling). False on timeout.
func waitForExit(of pid: pid_t, timeout: Double = 10) -> Bool {
    let fd = corral_pidfd_open(pid)
    if fd < 0 { return fd == -ESRCH }
    defer { close(fd) }
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, Int32(timeout * 1000)) == 1
}

/// What a run of corral left behind under its private places, which are then removed: task cgroups
/// under `cgroupParent` (on every hierarchy), mounts under `dataDir` (detached), allocation
/// directories, driver state under `stateRoot`. An empty list is a clean run.
func leftovers(dataDir: String, stateRoot: String, cgroupParent: String) -> [String] {
    var left: [String] = []
    let mounts = ProcFile.text("/proc/self/mountinfo") ?? ""
    for line in mounts.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
        if fields[dash + 1] == "cgroup" || fields[dash + 1] == "cgroup2" {
            let dir = String(fields[4]) + "/" + cgroupParent
            // Every directory below the parent is a task cgroup that was not removed.
            left += subdirectories(of: dir).map { dir + "/" + $0 }
            rmdir(dir)
        }
        if fields[4].hasPrefix(dataDir) {
            left.append(String(fields[4]))
            umount2(String(fields[4]), Int32(MNT_DETACH))
        }
    }
    left += ((try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/alloc")) ?? []).map { dataDir + "/alloc/" + $0 }
    left += ((try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []).map { stateRoot + "/" + $0 }
    rmdir(stateRoot)
    try? FileManager.default.removeItem(atPath: dataDir)
    return left
}

/// The directories directly under `path` (none when it does not exist).
func subdirectories(of path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { child in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path + "/" + child, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
