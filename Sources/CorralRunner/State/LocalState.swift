#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CorralDriver

/// What the runner keeps for itself about a task, to pick it up again after a restart of the
/// runtime (Nomad's `LocalState`): the hooks' progress and the driver's handle of the current run.
package struct LocalState: Codable, Equatable, Sendable {
    /// Per prestart hook (by name): whether it finished and the data it wants back.
    package var hooks: [String: HookState]
    /// The running task's handle; nil between runs.
    package var driverHandle: TaskHandle?
    /// How many runs have been started: the next run's id is `alloc/task/<runCount>`.
    package var runCount: Int
    /// A kill was decided: a runner restored after a crash finishes it instead of restarting the task.
    package var killRequested: Bool
    /// The restart tracker's count and interval, so a restarted runtime keeps counting.
    package var restartTracker: RestartTracker.Snapshot?
    /// When the pending restart is due: a runtime restarted during a restart delay waits out the rest.
    package var restartAt: Date?

    package init(hooks: [String: HookState] = [:], driverHandle: TaskHandle? = nil, runCount: Int = 0,
                killRequested: Bool = false, restartTracker: RestartTracker.Snapshot? = nil, restartAt: Date? = nil) {
        self.hooks = hooks
        self.driverHandle = driverHandle
        self.runCount = runCount
        self.killRequested = killRequested
        self.restartTracker = restartTracker
        self.restartAt = restartAt
    }

    enum CodingKeys: String, CodingKey {
        case hooks
        case driverHandle = "driver_handle"
        case runCount = "run_count"
        case killRequested = "kill_requested"
        case restartTracker = "restart_tracker"
        case restartAt = "restart_at"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hooks = try container.decodeIfPresent([String: HookState].self, forKey: .hooks) ?? [:]
        driverHandle = try container.decodeIfPresent(TaskHandle.self, forKey: .driverHandle)
        runCount = try container.decodeIfPresent(Int.self, forKey: .runCount) ?? 0
        killRequested = try container.decodeIfPresent(Bool.self, forKey: .killRequested) ?? false
        restartTracker = try container.decodeIfPresent(RestartTracker.Snapshot.self, forKey: .restartTracker)
        restartAt = try container.decodeIfPresent(Date.self, forKey: .restartAt)
    }
}

/// A prestart hook's persisted progress.
package struct HookState: Codable, Equatable, Sendable {
    /// The hook finished and need not run again for this task (e.g. the task directory exists).
    package var done: Bool
    /// What the hook wants back next time (and when it is skipped): environment, paths.
    package var data: [String: String]
    /// Environment the hook added; applied again when a finished hook is skipped.
    package var env: [String: String]

    package init(done: Bool = false, data: [String: String] = [:], env: [String: String] = [:]) {
        self.done = done
        self.data = data
        self.env = env
    }
}
