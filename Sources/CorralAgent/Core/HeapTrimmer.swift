import CCorralHost
import Foundation
import Synchronization

/// Gives the memory that removed allocations freed back to the kernel. glibc's allocator keeps
/// freed memory in its arenas, so without this an agent that purged hundreds of allocations kept
/// their peak RSS for good. The trim walks every arena: it runs on a thread of its own, and trims
/// asked for while one is pending are one trim.
enum HeapTrimmer {
    private static let pending = Mutex(false)

    /// Trims soon, off the caller's thread.
    static func trimSoon() {
        let start = pending.withLock { pending in
            defer { pending = true }
            return !pending
        }
        guard start else { return }
        Thread.detachNewThread {
            // Cleared first: memory freed while this trim runs is trimmed by the next.
            pending.withLock { $0 = false }
            _ = corral_trim_heap()
        }
    }
}
