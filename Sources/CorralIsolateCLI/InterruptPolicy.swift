#if canImport(Glibc)
import Glibc
#endif

/// What `corral isolate` does with an interrupt (SIGINT, SIGQUIT, SIGTERM) it receives: pass it on,
/// or end the task with SIGKILL because the interrupt cannot or will not take effect. A pure value:
/// the caller reads how the receiving process treats the signal and the time, and acts on the answer.
///
/// - A signal the kernel would drop (the receiver is PID 1 of the task's pid namespace with no handler
///   for it: `sleep` as the task's command) kills the task at the first interrupt; forwarding it would
///   do nothing.
/// - A second interrupt within `window` of the previous one kills the task, as a second Ctrl-C does in
///   `corral run`. On a terminal, only when the receiver ignores the signal: a program that handles it
///   (a shell at its prompt, an editor) gets two in a row, as it would outside corral; a third within
///   the window kills whatever the receiver (a way out that always works, under `--init` too).
/// - SIGHUP the task would drop kills it too: it is what a terminal that hangs up sends (a closed ssh
///   session, a killed script(1)), and the task would otherwise run on with nobody left to stop it. It
///   never counts towards a second interrupt: daemons take it to reload, and two reloads are not a kill.
/// - Every other signal is forwarded.
struct InterruptPolicy: Sendable {
    /// How the process an interrupt reaches treats it.
    enum Disposition: Equatable, Sendable {
        /// The kernel drops it: PID 1 of a pid namespace without a handler.
        case dropped
        /// Ignored (SIG_IGN) by a process that is not a namespace's init.
        case ignored
        /// A handler runs.
        case handled
        /// The default action (for an interrupt: the process ends).
        case defaultAction
        /// Not a signal at all: the task's terminal takes the key as input (ISIG off: an editor).
        case input
    }

    enum Decision: Equatable, Sendable {
        case forward
        /// Kill the task; the reason says why, for the operator.
        case kill(reason: String)
    }

    static let interrupts: Set<Int32> = [SIGINT, SIGQUIT, SIGTERM]
    /// Signals that kill a task that would drop them: the interrupts and the hangup.
    static let killedWhenDropped: Set<Int32> = interrupts.union([SIGHUP])
    /// How close a second interrupt must follow the first to force the kill.
    static let windowMilliseconds: Int64 = 5_000

    private var lastInterruptAt: Int64?
    /// Interrupts in a row, each within the window of the one before.
    private var streak = 0

    /// The decision for `signal` arriving at `nowMilliseconds` (monotonic), whose receiver treats it as
    /// `disposition`; `terminal`: the signal comes from the operator's keyboard through the task's terminal.
    mutating func decide(_ signal: Int32, disposition: Disposition, terminal: Bool, nowMilliseconds: Int64) -> Decision {
        guard Self.killedWhenDropped.contains(signal), disposition != .input else { return .forward }
        let name = Self.name(signal)
        if disposition == .dropped {
            return .kill(reason: "the task is PID 1 of its namespace with no handler for \(name), which the kernel "
                         + "drops (--init runs it under an init that forwards signals)")
        }
        guard Self.interrupts.contains(signal) else { return .forward }
        let previous = lastInterruptAt
        lastInterruptAt = nowMilliseconds
        let soon = previous.map { nowMilliseconds - $0 <= Self.windowMilliseconds } ?? false
        streak = soon ? streak + 1 : 1
        if soon && (!terminal || disposition == .ignored || streak >= 3) {
            return .kill(reason: "\(name) \(streak == 2 ? "again" : "\(streak) times") within \(Self.windowMilliseconds / 1000) s")
        }
        return .forward
    }

    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
    }
}
