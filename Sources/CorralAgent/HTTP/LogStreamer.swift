#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Streams a task's log: the rotated files oldest first (`<path>.N` … `<path>.1`), then the live
/// file, as one sequence of bytes from an offset counted from its start or its end. Following, it
/// then reads what the task writes next, across rotations (the supervisor renames the live file
/// and starts a new one: the renamed file is read to its end before the new one), until the task
/// is dead and everything is read.
///
/// Files are opened `O_NOFOLLOW|O_NONBLOCK` and must be regular: the directory is the task's to
/// write, and a symlink or a fifo planted there must not make the root agent read elsewhere or hang.
/// New data is noticed by looking every `period`, as `tail -F` does; no event tells of it.
struct LogStreamer: Sendable {
    let source: TaskLogSource
    let fromEnd: Bool
    let offset: Int
    let follow: Bool
    /// Start at the `lines`-th line from the end instead (`tail -n`; counted across rotated files).
    var lines: Int? = nil
    var period: Duration = .milliseconds(50)
    static let chunkSize = 64 * 1024

    func stream(_ emit: (borrowing [UInt8]) async throws -> Void) async throws {
        let files = existingFiles()
        let total = files.reduce(0) { $0 + $1.size }
        var skip = lines.map { Self.startOfLastLines($0, files) } ?? (fromEnd ? max(total - offset, 0) : offset)
        // The rotated files: read whole (past the skipped part); they no longer change.
        for file in files.dropLast() {
            if skip >= file.size {
                skip -= file.size
                continue
            }
            guard let fd = Self.open(file.path) else { continue }
            defer { close(fd) }
            _ = lseek(fd, off_t(skip), SEEK_SET)
            skip = 0
            try await Self.copy(fd, emit)
        }
        // The live file.
        var fd = Self.open(source.path)
        var identity = fd.flatMap(Self.identity)
        if let live = fd, skip > 0 { _ = lseek(live, off_t(skip), SEEK_SET) }
        defer { if let fd { close(fd) } }
        guard follow else {
            if let fd { try await Self.copy(fd, emit) }
            return
        }
        while true {
            try Task.checkCancellation()
            if let current = fd { try await Self.copy(current, emit) }
            // Rotated: the file under the name is another one. What is left in ours was read above.
            let named = Self.identity(path: source.path)
            if named != nil, named! != identity ?? (0, 0) {
                if let old = fd {
                    try await Self.copy(old, emit)
                    close(old)
                }
                fd = Self.open(source.path)
                identity = fd.flatMap(Self.identity)
                continue
            }
            switch await source.writer() {
            case .writing: break
            case .finished:
                if let current = fd { try await Self.copy(current, emit) }
                return
            case .agentStopping:
                // Cut the answer short (no clean end), so that the client reports an error
                // instead of a log that ended.
                throw LogStreamEnded.agentStopping
            }
            try await Task.sleep(for: period)
        }
    }

    /// The rotated files (oldest first) then the live one, with their sizes; missing ones left out
    /// (but the live one is always last, size 0 when it does not exist yet).
    func existingFiles() -> [(path: String, size: Int)] {
        var rotated: [(String, Int)] = []
        var number = 1
        while let size = Self.regularFileSize("\(source.path).\(number)") {
            rotated.append(("\(source.path).\(number)", size))
            number += 1
        }
        return rotated.reversed() + [(source.path, Self.regularFileSize(source.path) ?? 0)]
    }

    enum LogStreamEnded: Error { case agentStopping }

    /// Where the last `count` lines of the files (one sequence) begin: scanning back from the end for
    /// the newline before them (a final newline ends the last line; it starts none).
    static func startOfLastLines(_ count: Int, _ files: [(path: String, size: Int)]) -> Int {
        guard count > 0 else { return files.reduce(0) { $0 + $1.size } }
        var end = files.reduce(0) { $0 + $1.size }
        var newlines = 0
        var first = true
        for file in files.reversed() {
            let base = end - file.size
            guard let fd = open(file.path) else { end = base; continue }
            defer { close(fd) }
            var upper = file.size
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while upper > 0 {
                let lower = max(upper - chunkSize, 0)
                let length = upper - lower
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(lower)) }
                guard got == length else { return base + upper }
                for index in stride(from: length - 1, through: 0, by: -1) where buffer[index] == 0x0A {
                    if first && lower + index == file.size - 1 { continue }
                    newlines += 1
                    if newlines == count { return base + lower + index + 1 }
                }
                first = false
                upper = lower
            }
            first = false
            end = base
        }
        return 0
    }

    static func copy(_ fd: Int32, _ emit: (borrowing [UInt8]) async throws -> Void) async throws {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunkSize) }
            if count <= 0 { return }
            try await emit(Array(buffer[0..<count]))
        }
    }

    static func open(_ path: String) -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        return fd
    }

    static func identity(_ fd: Int32) -> (UInt64, UInt64)? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    static func identity(path: String) -> (UInt64, UInt64)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }
}
