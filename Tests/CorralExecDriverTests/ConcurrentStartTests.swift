import CorralDriver
import CorralExecDriver
import Foundation
import Synchronization
import Testing

/// Starts in a caller whose other threads open and close descriptors all the time (an agent serving
/// its API while it starts tasks). The supervisor is cloned with a copy of the caller's descriptor
/// table, so the numbers it gets for what it makes next are whatever was free there: with holes among
/// the numbers it hands to its program (3 to 9), a start once failed with "supervisor gone" (the
/// lifeline's write end was one of them, and was overwritten). Every start must succeed whatever is
/// free in the caller.
@Suite(.enabled(if: DriverTests.enabled, DriverTests.comment))
struct ConcurrentStartTests {
    @Test func everyStartSucceedsWhileTheCallerOpensAndClosesDescriptors() async throws {
        let churn = DescriptorChurn()
        let thread = Thread { churn.run() }
        thread.start()
        defer { churn.stop() }
        #expect(eventually { churn.rounds.load(ordering: .relaxed) > 0 })

        let fixtures = try (0..<4).map { _ in try DriverFixture() }
        defer { fixtures.forEach { $0.finish() } }
        // About 2 s on a host; fewer rounds in the emulated guest. Before the fix, 5 runs in 6 failed.
        let rounds = ProcessInfo.processInfo.environment["CORRAL_TEST_GUEST"] == nil ? 40 : 10
        for round in 0..<rounds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for fixture in fixtures {
                    group.addTask {
                        let driver = ExecDriver(options: fixture.options)
                        let handle = try await driver.start(fixture.task(fixture.shell("exit 3"), restart: round))
                        let result = try await driver.wait(handle.id)
                        #expect(result.exitCode == 3, "round \(round): \(result)")
                        try await driver.destroy(handle.id, force: false)
                    }
                }
                try await group.waitForAll()
            }
        }
        churn.stop()
        print("descriptor churn: \(churn.rounds.load(ordering: .relaxed)) rounds, lowest number held \(churn.lowestHeld.load(ordering: .relaxed))")
    }
}

/// A thread that keeps taking the lowest free descriptor numbers and giving them back, so that at any
/// moment a start may find them taken while it opens its own files and free again when it clones.
final class DescriptorChurn: Sendable {
    let running = Atomic<Bool>(true)
    let rounds = Atomic<Int>(0)
    /// The lowest number it ever held (Int.max: none).
    let lowestHeld = Atomic<Int>(Int.max)

    func run() {
        while running.load(ordering: .relaxed) {
            var held: [Int32] = []
            for _ in 0..<6 {
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                if fd >= 0 { held.append(fd) }
            }
            if let lowest = held.min() { lowestHeld.store(min(lowestHeld.load(ordering: .relaxed), Int(lowest)), ordering: .relaxed) }
            sched_yield()
            for fd in held.reversed() { close(fd) }
            sched_yield()
            rounds.add(1, ordering: .relaxed)
        }
    }

    func stop() { running.store(false, ordering: .relaxed) }
}
