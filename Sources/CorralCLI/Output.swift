import CCorralHost
import Foundation
import Synchronization

/// Writes to stdout and stderr whole, from any thread, without interleaving lines.
enum Output {
    private static let lock = Mutex(())

    static func write(_ text: String, to fd: Int32 = 1) {
        write(Array(text.utf8), to: fd)
    }

    /// False when the output is gone (a reader that closed its end: `corral alloc logs -f | head`),
    /// so that a command streaming output can stop instead of writing into nothing forever.
    @discardableResult
    static func write(_ bytes: [UInt8], to fd: Int32 = 1) -> Bool {
        guard !bytes.isEmpty else { return true }
        return lock.withLock { _ in
            bytes.withUnsafeBytes { corral_write_all(fd, $0.baseAddress, $0.count) } >= 0
        }
    }

    /// True when `fd` is a terminal and `NO_COLOR` is not set.
    static func color(_ fd: Int32 = 1) -> Bool {
        isatty(fd) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
