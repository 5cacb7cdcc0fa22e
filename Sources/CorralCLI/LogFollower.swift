#if canImport(Glibc)
import Glibc
#endif
import CorralDriver
import Synchronization

/// Follows a task's log file as `tail -F` does (reopening it when the supervisor rotates it) and
/// hands over complete lines. It samples the file every `period` (a polling period, as tail's, not a
/// synchronisation); `finish()` reads what is left, the last partial line included.
final class LogFollower: Sendable {
    private let path: String
    private let period: Duration
    private let onLine: @Sendable (String) -> Void
    private let stopping = Mutex(false)
    /// Resolved by `finish`: wakes the loop from its polling period at once.
    private let stopRequested = OneShot<Void>()
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let reader: Mutex<Reader>

    init(path: String, period: Duration = .milliseconds(100), onLine: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.period = period
        self.onLine = onLine
        self.reader = Mutex(Reader(path: path))
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

    /// The open file, its identity, and the bytes of an unfinished line.
    private struct Reader {
        let path: String
        var fd: Int32 = -1
        var inode: ino_t = 0
        var pending: [UInt8] = []

        init(path: String) { self.path = path }

        /// Reads everything available; follows a rotation (a new file at `path`) after draining the old one.
        mutating func drain(emit: (String) -> Void) {
            if fd < 0 { reopen() }
            guard fd >= 0 else { return }
            readAll(emit: emit)
            var info = stat()
            if stat(path, &info) == 0, info.st_ino != inode {
                readAll(emit: emit)
                close()
                reopen()
                readAll(emit: emit)
            }
        }

        mutating func flush(emit: (String) -> Void) {
            if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
            pending = []
        }

        mutating func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        private mutating func reopen() {
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { return }
            var info = stat()
            if fstat(fd, &info) == 0 { inode = info.st_ino }
        }

        private mutating func readAll(emit: (String) -> Void) {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
        }
    }
}
