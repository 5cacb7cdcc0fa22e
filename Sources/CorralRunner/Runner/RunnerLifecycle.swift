/// Where a task runner is in its life, as one value: the run loop's stage and the requests that
/// cut it short. The runner asks it what a request may do and tells it what happened; these
/// transitions are the only way it changes (`RunnerLifecycleTests` walks them).
///
///     notStarted ─run─▶ betweenRuns ─▶ starting ─▶ running ─▶ endingRun ─▶ betweenRuns ─▶ …
///                            └──────────────┴──────────┴──── dead or shut down ─────────▶ ended
///
/// Requests, each at most once:
/// - **kill**: the task dies for good; `announcing` while its `Killing` event is recorded (the
///   `Killed` event waits for that), then `announced`. `forced` cuts any grace short.
/// - **shutdown**: the runner stops and leaves the task running; its hooks run once.
/// - **restart** (a user's): only of a run under way (not while its end is recorded, not between
///   runs), with no kill, shutdown or restart pending; cleared when the restart's stop begins or the
///   next run starts.
///
/// A kill that comes after the loop ended by a shutdown is carried out once (`beginLateKill`).
struct RunnerLifecycle: Sendable, Equatable {
    /// The run loop's stage.
    enum Loop: Sendable, Equatable {
        /// `run` has not been called.
        case notStarted
        /// A run's restart decision or delay, or the first run about to be prepared.
        case betweenRuns
        /// Prestart hooks and the driver's start.
        case starting
        /// A run is under way and waited on.
        case running
        /// A run's end is being recorded and its handle released.
        case endingRun
        /// `run` has returned: the task is dead or the runner shut down.
        case ended
    }

    /// The kill for good.
    enum Kill: Sendable, Equatable {
        case none
        /// Requested; its `Killing` event is being recorded.
        case announcing
        /// Requested and recorded.
        case announced
    }

    /// The runner's shutdown (the task is left running).
    enum Shutdown: Sendable, Equatable {
        case none
        case requested
        /// Requested, and the shutdown hooks have run.
        case hooksRan
    }

    private(set) var loop: Loop = .notStarted
    private(set) var kill: Kill = .none
    /// The kill is forced: no grace period, SIGKILL (a second Ctrl-C).
    private(set) var forced = false
    private(set) var shutdown: Shutdown = .none
    /// A user's restart waits for the run loop to carry it out.
    private(set) var restartPending = false
    /// A kill after the loop had ended by a shutdown is under way (or done).
    private(set) var lateKillStarted = false

    var loopStarted: Bool { loop != .notStarted }
    var killRequested: Bool { kill != .none }
    var killAnnouncing: Bool { kill == .announcing }
    var shutdownRequested: Bool { shutdown != .none }

    // MARK: The loop

    /// `run` begins; false when it already has (a second caller waits for the first).
    mutating func beginLoop() -> Bool {
        guard loop == .notStarted else { return false }
        loop = .betweenRuns
        return true
    }

    /// The loop moves to `stage` (never out of `ended`, never back to `notStarted`).
    mutating func enter(_ stage: Loop) {
        guard loop != .ended, stage != .notStarted else { return }
        if stage == .starting { restartPending = false }
        loop = stage
    }

    /// A run's end is being recorded: restarts are refused until `endedRun`. Returns the stage to go
    /// on to: between runs, or (a run ended outside the loop, by a late kill) the stage unchanged.
    mutating func beginEndingRun() -> Loop {
        guard loop == .starting || loop == .running else { return loop }
        loop = .endingRun
        return .betweenRuns
    }

    mutating func endedRun(returningTo stage: Loop) {
        if loop == .endingRun { loop = stage }
    }

    /// `run` has returned.
    mutating func endLoop() { loop = .ended }

    // MARK: Requests

    /// A kill for good; true the first time (the caller records `Killing`, then `killAnnounced`).
    mutating func requestKill() -> Bool {
        guard kill == .none else { return false }
        kill = .announcing
        return true
    }

    mutating func killAnnounced() {
        if kill == .announcing { kill = .announced }
    }

    mutating func force() { forced = true }

    /// The runner shuts down.
    mutating func requestShutdown() {
        if shutdown == .none { shutdown = .requested }
    }

    /// True once, after a shutdown was requested: the caller runs the shutdown hooks now.
    mutating func takeShutdownHooks() -> Bool {
        guard shutdown == .requested else { return false }
        shutdown = .hooksRan
        return true
    }

    /// A user's restart may be asked of a run under way (restored before the loop, being started or
    /// running; the runner also checks it holds the run's handle), with no kill, shutdown or restart
    /// pending.
    var mayRestart: Bool {
        [.notStarted, .starting, .running].contains(loop) && kill == .none && shutdown == .none && !restartPending
    }

    /// A user's restart; false when it is refused (`mayRestart`).
    mutating func requestRestart() -> Bool {
        guard mayRestart else { return false }
        restartPending = true
        return true
    }

    /// The restart's stop begins.
    mutating func takeRestart() { restartPending = false }

    /// A kill after the loop ended by a shutdown; true the first time (the caller carries it out).
    mutating func beginLateKill() -> Bool {
        guard !lateKillStarted else { return false }
        lateKillStarted = true
        return true
    }
}
