/// When and how often a task that ended is started again (Nomad's `restart` block).
package struct RestartPolicy: Codable, Equatable, Sendable {
    /// What happens once `attempts` restarts have happened within `interval`.
    package enum Mode: String, Codable, Sendable {
        /// Give up: the task is dead and failed.
        case fail
        /// Wait until the interval is over, then restart with a fresh count.
        case delay
    }

    /// Restarts allowed within one `interval`.
    package var attempts: Int
    /// The window over which `attempts` are counted.
    package var interval: Duration
    /// The wait before each restart (plus up to 25% jitter).
    package var delay: Duration
    package var mode: Mode

    enum CodingKeys: String, CodingKey { case attempts, interval, delay, mode }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        attempts = try container.decode(Int.self, forKey: .attempts)
        interval = try container.decodeDuration(forKey: .interval) ?? .zero
        delay = try container.decodeDuration(forKey: .delay) ?? .zero
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .fail
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attempts, forKey: .attempts)
        try container.encodeDuration(interval, forKey: .interval)
        try container.encodeDuration(delay, forKey: .delay)
        try container.encode(mode, forKey: .mode)
    }

    /// Bounds that keep the tracker's arithmetic finite.
    package static let maximumAttempts = 1_000_000
    package static let maximumDuration: Duration = .seconds(365 * 24 * 3600)

    /// The shortest interval Nomad accepts.
    package static let minimumInterval: Duration = .seconds(5)

    package init(attempts: Int, interval: Duration, delay: Duration, mode: Mode) {
        self.attempts = attempts
        self.interval = interval
        self.delay = delay
        self.mode = mode
    }

    /// The defaults per job type: service and system 2 attempts in 30 min, batch and sysbatch 3 in 24 h;
    /// 15 s delay, mode fail.
    package static func defaults(for type: JobType) -> RestartPolicy {
        switch type {
        case .service, .system: RestartPolicy(attempts: 2, interval: .seconds(30 * 60), delay: .seconds(15), mode: .fail)
        case .batch, .sysbatch: RestartPolicy(attempts: 3, interval: .seconds(24 * 3600), delay: .seconds(15), mode: .fail)
        }
    }

    /// What is wrong with the policy, as `field: problem` lines; empty when it is valid.
    package var problems: [String] {
        var problems: [String] = []
        if attempts < 0 { problems.append("attempts: must not be negative, got \(attempts)") }
        if attempts > Self.maximumAttempts { problems.append("attempts: at most \(Self.maximumAttempts), got \(attempts)") }
        if delay < .zero { problems.append("delay: must not be negative, got \(GoDuration.format(delay))") }
        if delay > Self.maximumDuration { problems.append("delay: at most 1 year, got \(GoDuration.format(delay))") }
        if interval < Self.minimumInterval {
            problems.append("interval: must be at least \(GoDuration.format(Self.minimumInterval)), got \(GoDuration.format(interval))")
        }
        if interval > Self.maximumDuration { problems.append("interval: at most 1 year, got \(GoDuration.format(interval))") }
        // In doubles: attempts × delay must not overflow for any input.
        if mode == .delay, attempts > 0,
           Double(GoDuration.nanoseconds(delay)) * Double(attempts) > Double(GoDuration.nanoseconds(interval)) {
            problems.append("delay: \(attempts) attempts of \(GoDuration.format(delay)) do not fit in the interval of \(GoDuration.format(interval))")
        }
        return problems
    }
}
