#if canImport(Glibc)
import Glibc
#endif

/// A regular expression a job names (a `regexp` constraint), matched in time bounded by the text's
/// length: POSIX extended syntax through glibc's `regcomp`/`regexec`, whose matcher for patterns
/// without back-references simulates the automaton instead of backtracking, so a pattern such as
/// `(a+)+$` cannot hang the agent the way a backtracking engine would. Nomad's patterns are RE2's;
/// its class shorthands (`\d`, `\w`, `\s` and their negations) and a leading `(?i)` are translated,
/// and back-references (which RE2 lacks too) are refused. Pattern and text are bounded in length, and
/// counted repetitions (`{n,m}`) in size, since glibc compiles them by copying.
package final class BoundedRegex {
    package static let maximumPatternBytes = 1024
    package static let maximumTextBytes = 4096
    /// The largest `{n,m}` count, and the most all counted repetitions may multiply to.
    package static let maximumRepetition = 100
    package static let maximumRepetitionProduct = 1000
    private var compiled = regex_t()

    /// Nil when `pattern` is not a regular expression this engine takes (or is too long).
    package init?(_ pattern: String) {
        guard pattern.utf8.count <= Self.maximumPatternBytes, !pattern.utf8.contains(0),
              let (translated, ignoreCase) = Self.translate(pattern) else { return nil }
        let flags = REG_EXTENDED | REG_NOSUB | (ignoreCase ? REG_ICASE : 0)
        guard regcomp(&compiled, translated, flags) == 0 else { return nil }
    }

    deinit { regfree(&compiled) }

    /// `pattern` compiled and searched for in `text` in one call (false for a pattern it cannot take),
    /// as the job's `regexp` constraints are checked.
    package static let matcher: @Sendable (_ pattern: String, _ text: String) -> Bool = { pattern, text in
        BoundedRegex(pattern)?.matches(text) ?? false
    }

    /// Whether the pattern matches anywhere in `text` (a search, as RE2's MatchString); false for a
    /// text beyond the bound or holding a NUL.
    package func matches(_ text: String) -> Bool {
        guard text.utf8.count <= Self.maximumTextBytes, !text.utf8.contains(0) else { return false }
        return regexec(&compiled, text, 0, nil, 0) == 0
    }

    /// RE2 shorthands to POSIX classes; nil for a back-reference.
    static func translate(_ pattern: String) -> (String, Bool)? {
        var text = Substring(pattern)
        var ignoreCase = false
        if text.hasPrefix("(?i)") {
            ignoreCase = true
            text = text.dropFirst(4)
        }
        let inside: [Character: String] = ["d": "0-9", "w": "A-Za-z0-9_", "s": "[:space:]"]
        let outside: [Character: String] = ["d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
                                            "s": "[[:space:]]", "S": "[^[:space:]]"]
        var result = ""
        var inBracket = false
        var repetitions = 1
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "\\", next < text.endIndex {
                let escaped = text[next]
                if escaped.isNumber { return nil }
                if inBracket, let range = inside[escaped] {
                    result += range
                } else if !inBracket, let range = outside[escaped] {
                    result += range
                } else {
                    result.append(character)
                    result.append(escaped)
                }
                index = text.index(after: next)
                continue
            }
            if character == "[" && !inBracket { inBracket = true } else if character == "]" && inBracket { inBracket = false }
            if character == "{" && !inBracket, let close = text[next...].firstIndex(of: "}") {
                // glibc compiles `x{n,m}` by copying x up to m times: counted repetitions, nested or
                // not, are bounded together, or a short pattern would compile to gigabytes.
                let bounds = text[next..<close].split(separator: ",", omittingEmptySubsequences: false)
                if bounds.count <= 2, bounds.allSatisfy({ $0.isEmpty || $0.allSatisfy(\.isNumber) }) {
                    let largest = bounds.compactMap { Int($0) }.max() ?? 0
                    guard largest <= Self.maximumRepetition, bounds.allSatisfy({ $0.count <= 4 }) else { return nil }
                    repetitions = repetitions.multipliedReportingOverflow(by: max(largest, 1)).partialValue
                    guard repetitions <= Self.maximumRepetitionProduct else { return nil }
                }
            }
            result.append(character)
            index = next
        }
        return (result, ignoreCase)
    }
}
