import CorralDriver

/// Runner-wide settings (Nomad's client config, the parts the task runner uses).
public struct RunnerConfig: Sendable {
    /// Where allocation directories are made: `<allocRoot>/<alloc id>`.
    public var allocRoot: String
    /// The longest `kill_timeout` any task gets (Nomad's `max_kill_timeout`, 30 s).
    public var maxKillTimeout: Duration
    public var killBackoff: KillBackoff
    /// How often resource usage is collected into the metrics.
    public var statsInterval: Duration
    public var node: NodeInfo
    /// Seeds the restart jitter; nil: a random seed per task.
    public var restartSeed: UInt64?

    public init(allocRoot: String, maxKillTimeout: Duration = .seconds(30), killBackoff: KillBackoff = KillBackoff(),
                statsInterval: Duration = .seconds(1), node: NodeInfo = NodeInfo(), restartSeed: UInt64? = nil) {
        self.allocRoot = allocRoot
        self.maxKillTimeout = maxKillTimeout
        self.killBackoff = killBackoff
        self.statsInterval = statsInterval
        self.node = node
        self.restartSeed = restartSeed
    }
}
