@testable import CorralHostFS
import Synchronization
import Testing

/// Work on a thread of its own, its result taken later: once, from the thread that started it.
@Suite struct JoinableThreadTests {
    @Test func theResultComesBackAndJoiningTwiceGivesTheSame() {
        let thread = JoinableThread("test-join") { (1...1000).reduce(0, +) }
        #expect(thread.join() == 500_500)
        #expect(thread.join() == 500_500)
    }

    @Test func theWorkRunsWhileTheCallerGoesOn() {
        // The work waits until the caller has gone on: it cannot have run inline.
        let callerWentOn = Atomic(false)
        let thread = JoinableThread("test-overlap") { () -> Bool in
            while !callerWentOn.load(ordering: .acquiring) {}
            return true
        }
        callerWentOn.store(true, ordering: .releasing)
        #expect(thread.join())
    }

    @Test func aThreadNeverJoinedIsJoinedWhenItGoesAway() {
        let ran = Atomic(0)
        do { _ = JoinableThread("test-drop") { ran.add(1, ordering: .relaxed) } }
        #expect(ran.load(ordering: .relaxed) == 1)
    }
}
