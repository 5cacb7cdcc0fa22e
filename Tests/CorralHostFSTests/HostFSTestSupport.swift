import Foundation
import Testing

/// A fresh temporary directory for one test, removed (whatever a test left in it) afterwards.
func withScratch(_ body: (String) throws -> Void) throws {
    let path = NSTemporaryDirectory() + "corral-hostfs-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer {
        // Give back what a test made unreadable, then remove.
        _ = try? bashRun("chmod -R u+rwx '\(path)' 2>/dev/null; rm -rf '\(path)'")
    }
    try body(path)
}

/// Runs a shell snippet; returns its status.
@discardableResult
func bashRun(_ script: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func makeFIFO(_ path: String) throws {
    try #require(mkfifo(path, 0o666) == 0, "mkfifo \(path): \(errno)")
}

/// Seconds `body` took.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}
