/// What a command run inside a task with `exec` produced.
package struct ExecResult: Equatable, Sendable {
    package var stdout: [UInt8]
    package var stderr: [UInt8]
    /// The command's exit code (128 + N for signal N; 137 when the timeout killed it).
    package var exitCode: Int32
    /// The timeout passed and the command was killed.
    package var timedOut: Bool

    package init(stdout: [UInt8], stderr: [UInt8], exitCode: Int32, timedOut: Bool = false) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
        self.timedOut = timedOut
    }

    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// How to run a streaming `exec`.
package struct ExecOptions: Sendable {
    package var tty: Bool
    /// Bytes for the command's stdin; the stream's end closes it. Nil: no input (empty stdin).
    package var stdin: AsyncStream<[UInt8]>?
    /// Killed when this passes; nil: no limit.
    package var timeout: Duration?

    package init(tty: Bool = false, stdin: AsyncStream<[UInt8]>? = nil, timeout: Duration? = nil) {
        self.tty = tty
        self.stdin = stdin
        self.timeout = timeout
    }
}

/// A running streaming `exec`: its output as it comes, and its exit code at the end. With a
/// terminal, everything arrives on `stdout`.
package struct ExecSession: Sendable {
    package let stdout: AsyncStream<[UInt8]>
    package let stderr: AsyncStream<[UInt8]>
    private let exit: @Sendable () async -> Int32
    private let resize: @Sendable (_ rows: UInt16, _ columns: UInt16) -> Void
    private let kill: @Sendable () -> Void

    package init(stdout: AsyncStream<[UInt8]>, stderr: AsyncStream<[UInt8]>,
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
    package func terminate() { kill() }

    /// Waits for the command to end; its exit code (128 + N for signal N).
    package func exitCode() async -> Int32 { await exit() }
    /// Changes the terminal's size (with `tty`).
    package func resizeTerminal(rows: UInt16, columns: UInt16) { resize(rows, columns) }
}
