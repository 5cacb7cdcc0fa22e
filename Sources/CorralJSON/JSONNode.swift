/// A JSON value as written, with the place of every value and key: the one JSON parser of corral.
/// `JSONValue` (seccomp profiles, `exit.json`, `task.json`) and the job files' HCL-as-JSON
/// (`JSONSyntaxParser` in `CorralJobspec`, which needs the places for its diagnostics) are both read
/// from it.
///
/// Strict RFC 8259: objects keep their members in source order with duplicate keys (each reader
/// decides about those), numbers keep their text, strings are decoded (`\u` surrogate pairs
/// joined). A leading UTF-8 byte order mark is skipped and takes no column.
package struct JSONNode: Equatable, Sendable {
    package indirect enum Kind: Equatable, Sendable {
        case null
        case bool(Bool)
        /// The number's text as written (it matched JSON's number grammar and is finite as a Double).
        case number(String)
        case string(String)
        case array([JSONNode])
        case object([Member])
    }

    /// An object's member: its key, where the key is written, its value.
    package struct Member: Equatable, Sendable {
        package var key: String
        package var keyRange: JSONRange
        package var value: JSONNode

        package init(key: String, keyRange: JSONRange, value: JSONNode) {
            self.key = key
            self.keyRange = keyRange
            self.value = value
        }
    }

    package var kind: Kind
    package var range: JSONRange

    package init(_ kind: Kind, range: JSONRange) {
        self.kind = kind
        self.range = range
    }

    /// Parses `text` (one JSON value, whitespace around it). Nesting of objects and arrays deeper
    /// than `maximumDepth` is an error, so no input can exhaust the stack.
    package static func parse(_ text: String, maximumDepth: Int) throws(JSONSyntaxError) -> JSONNode {
        var scanner = JSONScanner(bytes: Array(text.utf8), maximumDepth: maximumDepth)
        return try scanner.document()
    }
}

/// A place in the text: 1-based line and column (in Unicode scalars), 0-based UTF-8 offset.
package struct JSONPosition: Equatable, Sendable {
    package var line: Int
    package var column: Int
    package var offset: Int

    package init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }
}

/// From `start` up to (not including) `end`.
package struct JSONRange: Equatable, Sendable {
    package var start: JSONPosition
    package var end: JSONPosition

    package init(start: JSONPosition, end: JSONPosition) {
        self.start = start
        self.end = end
    }
}

/// A JSON syntax error: where, and what was expected.
package struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    package var position: JSONPosition
    package var message: String

    package init(position: JSONPosition, message: String) {
        self.position = position
        self.message = message
    }

    package var description: String { "line \(position.line), column \(position.column): \(message)" }
}
