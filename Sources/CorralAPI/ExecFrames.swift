/// The messages of `GET /v1/client/allocation/{id}/exec` (a WebSocket), one JSON object per text
/// frame, as Nomad's exec protocol: the client sends `stdin` data (base64), `stdin.close`, and
/// `tty_size`; the agent sends `stdout`/`stderr` data (base64) and finally `exited` with the result.
package struct ExecInputFrame: Codable, Equatable, Sendable {
    package var stdin: StreamData?
    package var ttySize: TerminalSize?

    package init(stdin: StreamData? = nil, ttySize: TerminalSize? = nil) {
        self.stdin = stdin
        self.ttySize = ttySize
    }

    enum CodingKeys: String, CodingKey {
        case stdin
        case ttySize = "tty_size"
    }
}

/// What the agent sends during an exec.
package struct ExecOutputFrame: Codable, Equatable, Sendable {
    package var stdout: StreamData?
    package var stderr: StreamData?
    package var exited: Bool?
    package var result: ExecExitResult?

    package init(stdout: StreamData? = nil, stderr: StreamData? = nil, exited: Bool? = nil, result: ExecExitResult? = nil) {
        self.stdout = stdout
        self.stderr = stderr
        self.exited = exited
        self.result = result
    }
}

/// A chunk of a stream (`data`, base64) or its end (`close: true`).
package struct StreamData: Codable, Equatable, Sendable {
    package var data: String?
    package var close: Bool?

    package init(data: String? = nil, close: Bool? = nil) {
        self.data = data
        self.close = close
    }
}

package struct TerminalSize: Codable, Equatable, Sendable {
    package var height: UInt16
    package var width: UInt16

    package init(height: UInt16, width: UInt16) {
        self.height = height
        self.width = width
    }
}

/// How the command ended; `error` (with the HTTP `status` the problem would have had as a plain
/// request: 400, 404, 409) when it could not be started.
package struct ExecExitResult: Codable, Equatable, Sendable {
    package var exitCode: Int32
    package var error: String?
    package var status: Int?

    package init(exitCode: Int32, error: String? = nil, status: Int? = nil) {
        self.exitCode = exitCode
        self.error = error
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case error, status
        case exitCode = "exit_code"
    }
}
