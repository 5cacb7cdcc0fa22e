#if canImport(Glibc)
import Glibc
#endif
import CorralDriver
import CorralHostFS
import Synchronization

/// Follows a task's log file as `tail -F` does (reopening it when the supervisor rotates it) and
/// hands over complete lines. It samples the file every `period` (a polling period, as tail's, not a
/// synchronisation); `finish()` reads what is left, the last partial line included.
///
/// The log is in the task's allocation directory, which the task can write: it is reached from the
/// allocation directory without following any link (`HostDirectory`), and only a regular file is
/// read, so a task that replaces `alloc/logs` or its log by a link or a FIFO gets nothing printed.
final class LogFollower: Sendable {
    private let period: Duration
    private let onLine: @Sendable (String) -> Void
    private let stopping = Mutex(false)
    /// Resolved by `finish`: wakes the loop from its polling period at once.
    private let stopRequested = OneShot<Void>()
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let reader: Mutex<Reader>
    /// A longer line is printed in pieces of this size.
    static let longestLine = 1 << 20

    /// The log at `relativePath` (`alloc/logs/<task>.<stream>`) beneath the allocation directory `allocDir`.
    init(allocDir: String, relativePath: String, period: Duration = .milliseconds(100),
         onLine: @escaping @Sendable (String) -> Void) {
        self.period = period
        self.onLine = onLine
        self.reader = Mutex(Reader(allocDir: allocDir, relativePath: relativePath))
    }

    /// Reads what the task has written so far, now (before its exit is reported, say).
    func drain() {
        reader.withLock { $0.drain(emit: onLine) }
    }

    func start() {
        let task = Task.detached { [self] in await run() }
        loop.withLock { $0 = task }
    }

    /// Reads to the end, flushes the last partial line and stops.
    func finish() async {
        stopping.withLock { $0 = true }
        stopRequested.resolve(())
        await loop.withLock { $0 }?.value
    }

    private func run() async {
        while true {
            let stop = stopping.withLock { $0 }
            let onLine = self.onLine
            reader.withLock { reader in
                reader.drain(emit: onLine)
                if stop {
                    reader.flush(emit: onLine)
                    reader.close()
                }
            }
            if stop { return }
            let stopRequested = self.stopRequested
            _ = await withDeadline(period) { await stopRequested.value() }
        }
    }

    /// The open file, the file last seen under the name, and the bytes of an unfinished line.
    private struct Reader {
        let allocDir: String
        let relativePath: String
        /// Opened once it exists (the runner makes it after the follower starts).
        var directory: HostDirectory?
        var file: HostFile?
        /// What was under the name when we last looked (a file we refused is not tried again).
        var named: FileIdentity?
        var pending: [UInt8] = []

        init(allocDir: String, relativePath: String) {
            self.allocDir = allocDir
            self.relativePath = relativePath
        }

        /// Reads everything available; follows a rotation (a new file under the name) after draining the old one.
        mutating func drain(emit: (String) -> Void) {
            if directory == nil { directory = try? HostDirectory.open(trusted: allocDir) }
            guard let directory else { return }
            readAll(emit: emit)
            let now = directory.identity(of: relativePath)
            if let now, now != named {
                readAll(emit: emit)
                named = now
                file = try? directory.regularFile(relativePath)
                readAll(emit: emit)
            }
        }

        mutating func flush(emit: (String) -> Void) {
            if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
            pending = []
        }

        mutating func close() {
            file = nil
        }

        private mutating func readAll(emit: (String) -> Void) {
            guard let file else { return }
            while let chunk = try? file.read(upTo: 65536), !chunk.isEmpty {
                pending.append(contentsOf: chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
                // A line without end is handed over in pieces, not held whole.
                if pending.count >= LogFollower.longestLine {
                    emit(String(decoding: pending, as: UTF8.self))
                    pending = []
                }
            }
        }
    }
}
