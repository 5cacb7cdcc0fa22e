import CCorralHost
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking file-system work (a tree removal, a long read) on a thread of its own, so that it
/// never holds one of the few threads of Swift's cooperative pool. The work gets a flag that is
/// raised when the awaiting task is cancelled, and should stop at its next check.
package func onOwnThread<Value: Sendable>(_ name: String,
                                          _ work: @escaping @Sendable (_ cancelled: CancellationFlag) throws -> Value)
    async throws -> Value {
    let flag = CancellationFlag()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let started = startOwnThread(name) { continuation.resume(with: Result { try work(flag) }) }
            if started != 0 { continuation.resume(throwing: OwnThreadError(name: name, errno: started)) }
        }
    } onCancel: {
        flag.raise()
    }
}

/// Raised when the work's requester no longer wants its result.
package final class CancellationFlag: Sendable {
    private let raised = Atomic(false)

    package init() {}

    package func raise() { raised.store(true, ordering: .relaxed) }

    package var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// A thread for blocking work could not be started (`pthread_create` failed: the process or the
/// system is out of threads).
package struct OwnThreadError: Error, CustomStringConvertible {
    package let name: String
    package let errno: Int32

    package var description: String {
        "cannot start a thread for \(name): \(String(cString: strerror(errno)))"
    }
}

/// Starts a detached thread named `name` (at most 15 bytes are kept) that runs `body` once; returns 0,
/// or the `pthread_create` error, in which case `body` never runs. A plain pthread rather than
/// Foundation's `Thread`, so that the lean `corral` executable (which links this target) does not link
/// Foundation.
@discardableResult
package func startOwnThread(_ name: String, _ body: @escaping @Sendable () -> Void) -> Int32 {
    createThread(name, detached: true, body).rc
}

/// A thread named `name` that runs `body` once, detached or to be joined; `rc` is 0 or the
/// `pthread_create` error, in which case `body` never runs.
func createThread(_ name: String, detached: Bool, _ body: @escaping @Sendable () -> Void) -> (rc: Int32, thread: pthread_t) {
    let start = Unmanaged.passRetained(ThreadStart(name: name, body: body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attributes, { raw in
        let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
        _ = corral_set_thread_name(start.name)
        start.body()
        return nil
    }, start)
    if rc != 0 { Unmanaged<ThreadStart>.fromOpaque(start).release() }
    return (rc, thread)
}

/// What `createThread` hands its thread: immutable, and owned by that thread once it runs.
private final class ThreadStart: Sendable {
    let name: String
    let body: @Sendable () -> Void
    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}
