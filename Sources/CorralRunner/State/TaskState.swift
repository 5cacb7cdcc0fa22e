#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a task is in its lifecycle.
package enum TaskLifecycle: String, Codable, Sendable {
    /// Not started yet, or between runs (a restart delay).
    case pending
    case running
    /// Finished for good: completed, failed or killed. Terminal.
    case dead
}

/// A task's state as users see it and the runner persists it (Nomad's `TaskState`).
package struct TaskState: Codable, Equatable, Sendable {
    package var state: TaskLifecycle
    /// Set by an event that fails the task (`Not Restarting`, `Failed Validation`, a failed kill).
    package var failed: Bool
    package var restarts: Int
    package var lastRestart: Date?
    /// When the current (or last) run started.
    package var startedAt: Date?
    package var finishedAt: Date?
    /// The newest events, oldest first; at most `maxEvents`.
    package var events: [TaskEvent]

    package static let maxEvents = 10

    package init(state: TaskLifecycle = .pending, failed: Bool = false, restarts: Int = 0, lastRestart: Date? = nil,
                startedAt: Date? = nil, finishedAt: Date? = nil, events: [TaskEvent] = []) {
        self.state = state
        self.failed = failed
        self.restarts = restarts
        self.lastRestart = lastRestart
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.events = events
    }

    enum CodingKeys: String, CodingKey {
        case state, failed, restarts, events
        case lastRestart = "last_restart"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Records an event: a failing one marks the task failed, `Restarting` counts a restart; only the
    /// newest `maxEvents` are kept.
    package mutating func append(_ event: TaskEvent) {
        if event.failsTask { failed = true }
        if event.type == .restarting {
            restarts += 1
            lastRestart = event.time
        }
        events.append(event)
        if events.count > Self.maxEvents { events.removeFirst(events.count - Self.maxEvents) }
    }

    /// Moves to `next` at `time`: a run starting sets `startedAt`; death sets `finishedAt` once.
    /// Leaving `dead` is refused: it is terminal.
    package mutating func transition(to next: TaskLifecycle, at time: Date) throws(TaskStateError) {
        if state == .dead, next != .dead { throw TaskStateError.illegalTransition(from: state, to: next) }
        switch next {
        case .running where state != .running:
            startedAt = time
            finishedAt = nil
        case .dead where finishedAt == nil || state != .dead:
            finishedAt = time
        default: break
        }
        state = next
    }

    /// The last `Terminated` event's exit, if the task ran to an end.
    package var lastExit: TaskEvent? { events.last { $0.type == .terminated } }
}

/// A state change the lifecycle does not allow.
package enum TaskStateError: Error, Equatable, Sendable, CustomStringConvertible {
    case illegalTransition(from: TaskLifecycle, to: TaskLifecycle)

    package var description: String {
        switch self {
        case let .illegalTransition(from, to): "illegal task state transition from \(from.rawValue) to \(to.rawValue)"
        }
    }
}
