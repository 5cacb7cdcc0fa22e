@testable import CorralExecDriver
import Foundation
import Synchronization
import Testing

/// The bounded hand-off between an exec's reader thread and its consumer (no privileges): a
/// reader stops at the bound until the consumer reads, and is released when the consumer goes.
@Suite struct BoundedChunksTests {
    /// Puts `count` chunks on a thread of its own; `placed` counts those handed over, `done` signals its end.
    final class Producer: Sendable {
        let placed = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        let accepted = Mutex(true)

        init(_ chunks: BoundedChunks, count: Int) {
            Thread { [self] in
                for index in 0..<count {
                    guard chunks.put([UInt8(index)]) else {
                        accepted.withLock { $0 = false }
                        break
                    }
                    placed.withLock { $0 += 1 }
                }
                chunks.finish()
                done.signal()
            }.start()
        }
    }

    @Test func theReaderWaitsAtTheBoundAndEveryChunkArrivesInOrder() async throws {
        let chunks = BoundedChunks(capacity: 4)
        let producer = Producer(chunks, count: 10)
        // Nothing is read yet: the producer stops after 4 chunks (it does not finish).
        #expect(producer.done.wait(timeout: .now() + 0.3) == .timedOut)
        #expect(producer.placed.withLock { $0 } == 4)
        var received: [UInt8] = []
        for await chunk in chunks.stream { received += chunk }
        #expect(received == Array(0..<10))
        #expect(producer.done.wait(timeout: .now() + 5) == .success)
    }

    @Test func aConsumerThatGoesAwayReleasesTheReader() async throws {
        let chunks = BoundedChunks(capacity: 2)
        let producer = Producer(chunks, count: 100)
        let reading = Task {
            for await _ in chunks.stream { try? await Task.sleep(for: .seconds(60)) }
        }
        #expect(producer.done.wait(timeout: .now() + 0.3) == .timedOut)
        reading.cancel()
        #expect(await Task.detached { producer.done.wait(timeout: .now() + 5) }.value == .success)
        #expect(producer.accepted.withLock { $0 } == false)
        #expect(producer.placed.withLock { $0 } < 100)
    }
}
