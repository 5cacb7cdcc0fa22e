import CCorralHost
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work started on a thread of its own whose result the starting thread takes later with `join`, so
/// that synchronous work (a task's cgroup being made) overlaps other synchronous work (the launch
/// being prepared). Used from the one thread that made it: not `Sendable`. Joining twice returns the
/// first result; a value never joined is joined when it goes away, so no thread is ever left behind.
/// If no thread can be started, the work runs at once on the caller's thread.
package final class JoinableThread<Value: Sendable> {
    private var thread: pthread_t?
    private let slot = ResultSlot<Value>()

    package init(_ name: String, _ work: @escaping @Sendable () -> Value) {
        let slot = self.slot
        let created = createThread(name, detached: false) { slot.value.withLock { $0 = work() } }
        if created.rc == 0 { thread = created.thread } else { slot.value.withLock { $0 = work() } }
    }

    /// Waits for the work to end and returns its result.
    package func join() -> Value {
        if let handle = thread {
            let rc = pthread_join(handle, nil)
            precondition(rc == 0, "pthread_join failed: \(rc)")
            thread = nil
        }
        guard let value = slot.value.withLock({ $0 }) else { fatalError("JoinableThread: the work left no result") }
        return value
    }

    deinit {
        if let handle = thread { pthread_join(handle, nil) }
    }
}

/// Where the thread leaves its result.
private final class ResultSlot<Value: Sendable>: Sendable {
    let value = Mutex<Value?>(nil)
}
