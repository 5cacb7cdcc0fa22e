/// The messages of `GET /v1/client/allocation/{id}/exec` (a WebSocket), one JSON object per text
/// frame, as Nomad's exec protocol: the client sends `stdin` data (base64), `stdin.close`, and
/// `tty_size`; the agent sends `stdout`/`stderr` data (base64) and finally `exited` with the result.
public struct ExecInputFrame: Codable, Equatable, Sendable {
    public var stdin: StreamData?
    public var ttySize: TerminalSize?

    public init(stdin: StreamData? = nil, ttySize: TerminalSize? = nil) {
        self.stdin = stdin
        self.ttySize = ttySize
    }

    enum CodingKeys: String, CodingKey {
        case stdin
        case ttySize = "tty_size"
    }
}

/// What the agent sends during an exec.
public struct ExecOutputFrame: Codable, Equatable, Sendable {
    public var stdout: StreamData?
    public var stderr: StreamData?
    public var exited: Bool?
    public var result: ExecExitResult?

    public init(stdout: StreamData? = nil, stderr: StreamData? = nil, exited: Bool? = nil, result: ExecExitResult? = nil) {
        self.stdout = stdout
        self.stderr = stderr
        self.exited = exited
        self.result = result
    }
}

/// A chunk of a stream (`data`, base64) or its end (`close: true`).
public struct StreamData: Codable, Equatable, Sendable {
    public var data: String?
    public var close: Bool?

    public init(data: String? = nil, close: Bool? = nil) {
        self.data = data
        self.close = close
    }
}

public struct TerminalSize: Codable, Equatable, Sendable {
    public var height: UInt16
    public var width: UInt16

    public init(height: UInt16, width: UInt16) {
        self.height = height
        self.width = width
    }
}

/// How the command ended; `error` (with the HTTP `status` the problem would have had as a plain
/// request: 400, 404, 409) when it could not be started.
public struct ExecExitResult: Codable, Equatable, Sendable {
    public var exitCode: Int32
    public var error: String?
    public var status: Int?

    public init(exitCode: Int32, error: String? = nil, status: Int? = nil) {
        self.exitCode = exitCode
        self.error = error
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case error, status
        case exitCode = "exit_code"
    }
}
