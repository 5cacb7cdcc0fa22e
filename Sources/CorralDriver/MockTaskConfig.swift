/// The `config` block of a `mock` task: Nomad's mock driver knobs.
struct MockTaskConfig: Equatable, Sendable {
    static let schema = ConfigSchema([
        ConfigAttribute("run_for", .duration),
        ConfigAttribute("exit_code", .integer),
        ConfigAttribute("exit_signal", .integer),
        ConfigAttribute("exit_err_msg", .string),
        ConfigAttribute("start_error", .string),
        ConfigAttribute("start_error_recoverable", .bool),
        ConfigAttribute("start_block_for", .duration),
        ConfigAttribute("kill_after", .duration),
        ConfigAttribute("signal_error", .string),
        ConfigAttribute("stdout_string", .string),
        ConfigAttribute("stdout_repeat", .integer),
        ConfigAttribute("stdout_repeat_duration", .duration),
    ])

    /// How long the task runs before it exits by itself; nil: until it is stopped.
    var runFor: Duration?
    var exitCode: Int32
    var exitSignal: Int32
    var exitErrorMessage: String?
    /// `start` fails with this message.
    var startError: String?
    var startErrorRecoverable: Bool
    /// `start` takes this long.
    var startBlockFor: Duration?
    /// After a stop's signal, the task takes this long to exit (past the stop's timeout it is killed).
    var killAfter: Duration
    /// `signal` fails with this message.
    var signalError: String?
    /// Written to the task's stdout log, `stdoutRepeat` more times every `stdoutRepeatDuration`.
    var stdoutString: String?
    var stdoutRepeat: Int
    var stdoutRepeatDuration: Duration

    static func parse(_ config: DriverConfig) throws(DriverError) -> MockTaskConfig {
        try schema.validate(config)
        let reader = ConfigReader(config)
        let repeatCount = reader.integer("stdout_repeat") ?? 0
        guard repeatCount >= 0 else {
            throw .invalidConfig(key: "config.stdout_repeat", reason: "must not be negative, got \(repeatCount)")
        }
        for key in ["exit_code", "exit_signal"] {
            if let value = reader.integer(key), !(0...255).contains(value) {
                throw .invalidConfig(key: "config.\(key)", reason: "must be 0 to 255, got \(value)")
            }
        }
        return MockTaskConfig(
            runFor: reader.duration("run_for"),
            exitCode: Int32(reader.integer("exit_code") ?? 0),
            exitSignal: Int32(reader.integer("exit_signal") ?? 0),
            exitErrorMessage: reader.string("exit_err_msg"),
            startError: reader.string("start_error"),
            startErrorRecoverable: reader.bool("start_error_recoverable") ?? false,
            startBlockFor: reader.duration("start_block_for"),
            killAfter: reader.duration("kill_after") ?? .zero,
            signalError: reader.string("signal_error"),
            stdoutString: reader.string("stdout_string"),
            stdoutRepeat: Int(repeatCount),
            stdoutRepeatDuration: reader.duration("stdout_repeat_duration") ?? .zero)
    }

    /// The result of running out `run_for`.
    var naturalExit: ExitResult {
        ExitResult(exitCode: exitSignal != 0 && exitCode == 0 ? 128 + exitSignal : exitCode, signal: exitSignal,
                   error: exitErrorMessage)
    }
}
