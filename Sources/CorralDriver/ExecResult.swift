/// What a command run inside a task with `exec` produced.
public struct ExecResult: Equatable, Sendable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// The command's exit code (128 + N for signal N; 137 when the timeout killed it).
    public var exitCode: Int32
    /// The timeout passed and the command was killed.
    public var timedOut: Bool

    public init(stdout: [UInt8], stderr: [UInt8], exitCode: Int32, timedOut: Bool = false) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
        self.timedOut = timedOut
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// How to run a streaming `exec`.
public struct ExecOptions: Sendable {
    public var tty: Bool
    /// Bytes for the command's stdin; the stream's end closes it. Nil: no input (empty stdin).
    public var stdin: AsyncStream<[UInt8]>?
    /// Killed when this passes; nil: no limit.
    public var timeout: Duration?

    public init(tty: Bool = false, stdin: AsyncStream<[UInt8]>? = nil, timeout: Duration? = nil) {
        self.tty = tty
        self.stdin = stdin
        self.timeout = timeout
    }
}

/// A running streaming `exec`: its output as it comes, and its exit code at the end. With a
/// terminal, everything arrives on `stdout`.
public struct ExecSession: Sendable {
    public let stdout: AsyncStream<[UInt8]>
    public let stderr: AsyncStream<[UInt8]>
    private let exit: @Sendable () async -> Int32
    private let resize: @Sendable (_ rows: UInt16, _ columns: UInt16) -> Void
    private let kill: @Sendable () -> Void

    public init(stdout: AsyncStream<[UInt8]>, stderr: AsyncStream<[UInt8]>,
                exit: @escaping @Sendable () async -> Int32,
                resize: @escaping @Sendable (UInt16, UInt16) -> Void = { _, _ in },
                terminate: @escaping @Sendable () -> Void = {}) {
        self.stdout = stdout
        self.stderr = stderr
        self.exit = exit
        self.resize = resize
        self.kill = terminate
    }

    /// Kills the command and its process group now (its caller went away); a command that has
    /// ended already is left alone.
    public func terminate() { kill() }

    /// Waits for the command to end; its exit code (128 + N for signal N).
    public func exitCode() async -> Int32 { await exit() }
    /// Changes the terminal's size (with `tty`).
    public func resizeTerminal(rows: UInt16, columns: UInt16) { resize(rows, columns) }
}
