import CCorralHost
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Waits for many processes at once without a thread each: one thread blocks in `epoll_wait` on
/// their pidfds (readable when the process exits, whether or not it is our child) and resumes the
/// waiter. Shared by every driver instance of the process.
final class ExitWatcher: Sendable {
    static let shared = ExitWatcher()

    private let epoll: Int32
    private let waiters = Mutex<[Int32: CheckedContinuation<Void, Never>]>([:])

    private init() {
        epoll = corral_epoll_create()
        precondition(epoll >= 0, "epoll_create1 failed: errno \(-epoll)")
        let thread = Thread { [self] in run() }
        thread.name = "corral exit watcher"
        thread.start()
    }

    /// Returns once the process behind `pidfd` has exited. The pidfd stays the caller's and must stay
    /// open until this returns; one waiter per pidfd (each `SupervisedTask` has one, its completion).
    func waitForExit(pidfd: Int32) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiters.withLock { $0[pidfd] = continuation }
            if corral_epoll_add_oneshot(epoll, pidfd) < 0, let waiter = waiters.withLock({ $0.removeValue(forKey: pidfd) }) {
                // Cannot be watched with the others (it should not happen): wait on a thread of its own.
                Thread.detachNewThread {
                    var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                    while poll(&entry, 1, -1) < 0 && errno == EINTR {}
                    waiter.resume()
                }
            }
        }
    }

    private func run() {
        var ready = [Int32](repeating: -1, count: 32)
        while true {
            let n = ready.withUnsafeMutableBufferPointer { corral_epoll_wait_fds(epoll, $0.baseAddress, 32) }
            if n == -EINTR { continue }
            // Any other failure means the epoll fd itself is broken: nothing can be watched any more.
            precondition(n >= 0, "epoll_wait failed: errno \(-n)")
            for fd in ready.prefix(Int(n)) {
                _ = corral_epoll_remove(epoll, fd)
                waiters.withLock { $0.removeValue(forKey: fd) }?.resume()
            }
        }
    }
}
