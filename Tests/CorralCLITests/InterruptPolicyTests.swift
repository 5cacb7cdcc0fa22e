import Glibc
import Testing
@testable import CorralIsolateCLI

/// What `corral isolate` does with each interrupt, for every disposition of the receiver, on a terminal
/// and without one, and at every spacing of two interrupts around the window.
@Suite("corral isolate interrupts")
struct InterruptPolicyTests {
    typealias Disposition = InterruptPolicy.Disposition
    static let dispositions: [Disposition] = [.dropped, .ignored, .handled, .defaultAction, .input]

    func isKill(_ decision: InterruptPolicy.Decision) -> Bool {
        if case .kill = decision { return true }
        return false
    }

    @Test(arguments: [SIGINT, SIGQUIT, SIGTERM, SIGHUP])
    func aDroppedInterruptKillsAtOnce(_ signal: Int32) {
        for terminal in [false, true] {
            var policy = InterruptPolicy()
            let decision = policy.decide(signal, disposition: .dropped, terminal: terminal, nowMilliseconds: 0)
            #expect(isKill(decision), "\(signal) terminal \(terminal)")
            if case .kill(let reason) = decision { #expect(reason.contains("--init")) }
        }
    }

    @Test(arguments: [SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH])
    func otherSignalsAreAlwaysForwarded(_ signal: Int32) {
        for disposition in Self.dispositions {
            var policy = InterruptPolicy()
            for time in [0, 10, 20] as [Int64] {
                #expect(policy.decide(signal, disposition: disposition, terminal: false, nowMilliseconds: time) == .forward)
            }
        }
    }

    /// A hangup the task takes (a daemon's reload) is forwarded however often it comes, and never makes
    /// the next interrupt a second one.
    @Test func hangupsTheTaskTakesAreForwardedAndNeverCount() {
        for disposition in Self.dispositions where disposition != .dropped {
            for terminal in [false, true] {
                var policy = InterruptPolicy()
                for time in [0, 10, 20] as [Int64] {
                    #expect(policy.decide(SIGHUP, disposition: disposition, terminal: terminal, nowMilliseconds: time) == .forward)
                }
                #expect(policy.decide(SIGTERM, disposition: .handled, terminal: false, nowMilliseconds: 30) == .forward)
            }
        }
    }

    /// Every pair of interrupts: the second kills exactly when it is within the window and either there
    /// is no terminal or the receiver ignores it (a handler gets every key; a key typed as input is input).
    @Test func theSecondInterruptKillsWithinTheWindowUnlessTheTaskHandlesKeys() {
        let window = InterruptPolicy.windowMilliseconds
        for first in [SIGINT, SIGQUIT, SIGTERM] {
            for second in [SIGINT, SIGQUIT, SIGTERM] {
                for disposition in Self.dispositions where disposition != .dropped {
                    for terminal in [false, true] {
                        for gap in [0, 1, window - 1, window, window + 1, 10 * window] {
                            var policy = InterruptPolicy()
                            #expect(policy.decide(first, disposition: disposition, terminal: terminal, nowMilliseconds: 1_000) == .forward)
                            let decision = policy.decide(second, disposition: disposition, terminal: terminal, nowMilliseconds: 1_000 + gap)
                            let expected = disposition != .input && gap <= window && (!terminal || disposition == .ignored)
                            #expect(isKill(decision) == expected,
                                    "\(first) then \(second) after \(gap) ms, \(disposition), terminal \(terminal)")
                        }
                    }
                }
            }
        }
    }

    /// A third interrupt in a row, each within the window of the one before, kills whatever the receiver
    /// does with them (a way out under `--init`, whose init takes every signal).
    @Test func aThirdInterruptInARowAlwaysKills() {
        for disposition in Self.dispositions where disposition != .dropped && disposition != .input {
            var policy = InterruptPolicy()
            #expect(policy.decide(SIGINT, disposition: disposition, terminal: true, nowMilliseconds: 0) == .forward)
            let second = policy.decide(SIGINT, disposition: disposition, terminal: true, nowMilliseconds: 1_000)
            #expect(isKill(second) == (disposition == .ignored))
            #expect(isKill(policy.decide(SIGINT, disposition: disposition, terminal: true, nowMilliseconds: 2_000)), "\(disposition)")
        }
        // A pause longer than the window starts the count again.
        var policy = InterruptPolicy()
        let window = InterruptPolicy.windowMilliseconds
        for time in [0, 1, window + 2, window + 3] as [Int64] {
            #expect(policy.decide(SIGINT, disposition: .handled, terminal: true, nowMilliseconds: time) == .forward)
        }
        #expect(isKill(policy.decide(SIGINT, disposition: .handled, terminal: true, nowMilliseconds: window + 4)))
    }

    /// The window counts from the latest interrupt: three spaced just over it never kill.
    @Test func interruptsSpacedBeyondTheWindowNeverKill() {
        var policy = InterruptPolicy()
        for step in 0..<5 {
            let now = Int64(step) * (InterruptPolicy.windowMilliseconds + 1)
            #expect(policy.decide(SIGINT, disposition: .handled, terminal: false, nowMilliseconds: now) == .forward)
        }
    }

    static func status(caught: String = "0000000000000000", blocked: String = "0000000000000000",
                       ignored: String = "0000000000000000", name: String = "sleep") -> String {
        "Name:\t\(name)\nState:\tS (sleeping)\nSigQ:\t0/31489\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
            + "SigBlk:\t\(blocked)\nSigIgn:\t\(ignored)\nSigCgt:\t\(caught)\nCapInh:\t0000000000000000\n"
    }

    @Test func dispositionsFromProcStatus() {
        // SIGINT is bit 1 (value 2), SIGQUIT bit 2 (value 4), SIGTERM bit 14 (0x4000).
        #expect(SignalDisposition.parse(status: Self.status(), signal: SIGINT, namespaceInit: true) == .dropped)
        #expect(SignalDisposition.parse(status: Self.status(), signal: SIGINT, namespaceInit: false) == .defaultAction)
        #expect(SignalDisposition.parse(status: Self.status(caught: "0000000000000002"), signal: SIGINT, namespaceInit: true) == .handled)
        #expect(SignalDisposition.parse(status: Self.status(caught: "0000000000000002"), signal: SIGQUIT, namespaceInit: true) == .dropped)
        #expect(SignalDisposition.parse(status: Self.status(blocked: "0000000000004000"), signal: SIGTERM, namespaceInit: true) == .handled)
        #expect(SignalDisposition.parse(status: Self.status(ignored: "0000000000000004"), signal: SIGQUIT, namespaceInit: false) == .ignored)
        // Ignored by a namespace's init: dropped all the same.
        #expect(SignalDisposition.parse(status: Self.status(ignored: "0000000000000002"), signal: SIGINT, namespaceInit: true) == .dropped)
        // Nonsense masks and signal numbers read as nothing set.
        #expect(SignalDisposition.parse(status: Self.status(caught: "zz"), signal: SIGINT, namespaceInit: false) == .defaultAction)
        #expect(SignalDisposition.parse(status: "", signal: 0, namespaceInit: true) == .defaultAction)
        #expect(SignalDisposition.parse(status: "", signal: 65, namespaceInit: true) == .defaultAction)
    }
}
