import CorralDriver

/// Runner-wide settings (Nomad's client config, the parts the task runner uses).
package struct RunnerConfig: Sendable {
    /// Where allocation directories are made: `<allocRoot>/<alloc id>`.
    package var allocRoot: String
    /// The longest `kill_timeout` any task gets (Nomad's `max_kill_timeout`, 30 s).
    package var maxKillTimeout: Duration
    package var killBackoff: KillBackoff
    /// How often resource usage is collected into the metrics.
    package var statsInterval: Duration
    package var node: NodeInfo
    /// Seeds the restart jitter; nil: a random seed per task.
    package var restartSeed: UInt64?

    package init(allocRoot: String, maxKillTimeout: Duration = .seconds(30), killBackoff: KillBackoff = KillBackoff(),
                statsInterval: Duration = .seconds(1), node: NodeInfo = NodeInfo(), restartSeed: UInt64? = nil) {
        self.allocRoot = allocRoot
        self.maxKillTimeout = maxKillTimeout
        self.killBackoff = killBackoff
        self.statsInterval = statsInterval
        self.node = node
        self.restartSeed = restartSeed
    }
}
