import CCorralHost

/// corral's version, printed by `corral --version` (the lean executable answers it alone).
package let corralVersion = "0.1.0"

/// `corral isolate` as a program of its own: what the lean `corral` executable runs (see
/// docs/architecture.md, "The one-shot path"), and what the full CLI runs for `isolate` too.
package enum IsolateMain {
    /// Parses `isolate`'s arguments (without the word `isolate`) and runs the task; returns corral's exit
    /// status: the task's, 2 for usage errors, 125 when corral fails.
    package static func run(_ arguments: [String]) -> Int32 {
        let isolate: Isolate
        do throws(IsolateUsage) {
            isolate = try Isolate.parse(arguments)
        } catch {
            switch error {
            case .help:
                printOut(IsolateHelp.text)
                return 0
            case .invalid(let message):
                printError(IsolateHelp.failure(message))
                return 2
            }
        }
        return isolate.execute()
    }

    /// `corral isolate --help`.
    package static var helpText: String { IsolateHelp.text }

    /// `isolate`'s options for its manual page.
    package static var manualText: String { IsolateHelp.manual }

    /// What `corral --help` says of `isolate`.
    package static var abstract: String { Isolate.abstract }
}

extension Isolate {
    /// `corral isolate`'s options from its command line (without the word `isolate`), checked.
    package static func parse(_ arguments: [String]) throws(IsolateUsage) -> Isolate {
        try IsolateParser.parse(arguments)
    }
}

/// Writes text to stdout whole.
package func printOut(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { corral_write_all(1, $0.baseAddress, $0.count) }
}

/// Writes one line to stderr, prefixed `corral: ` unless the message already is.
package func printError(_ message: String) {
    let line = message.hasPrefix("corral") || message.hasPrefix("Error:") || message.hasPrefix("Usage:")
        ? message : "corral: " + message
    let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
    _ = bytes.withUnsafeBytes { corral_write_all(2, $0.baseAddress, $0.count) }
}
