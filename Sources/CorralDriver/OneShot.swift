import Synchronization

/// A value set once and awaited by any number of waiters (a task's exit, say).
package final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    package init() {}

    /// Sets the value unless it is already set; true when this call set it.
    @discardableResult
    package func resolve(_ value: Value) -> Bool {
        let waiters: [CheckedContinuation<Value, Never>]? = state.withLock { state in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        return true
    }

    package var current: Value? { state.withLock { $0.value } }

    package func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Runs `operation` against a deadline: its value, or nil when `timeout` passes first. Unlike a task
/// group, it returns at the deadline without waiting for an operation that ignores cancellation
/// (waiting for a process to exit does); the operation is cancelled and finishes on its own.
package func withDeadline<Value: Sendable>(_ timeout: Duration,
                                          _ operation: @escaping @Sendable () async -> Value) async -> Value? {
    let outcome = OneShot<Value?>()
    let work = Task { outcome.resolve(await operation()) }
    let timer = Task {
        // The deadline itself: a timer, not synchronisation.
        try? await Task.sleep(for: timeout)
        outcome.resolve(nil)
    }
    let value = await outcome.value()
    timer.cancel()
    if value == nil { work.cancel() }
    return value
}
