import CorralDriver

/// Typed reads of attribute values; each problem is reported at the value as `path: problem`, and
/// the read gives nil.
struct ValueReader {
    /// Nomad's JSON gives durations as integers of nanoseconds too; HCL takes strings only (`5` is
    /// more likely meant as seconds than as nanoseconds).
    var durationsMayBeNanoseconds: Bool

    /// A string; a number or a bool becomes its text, as HCL2 converts them (`version = 2`).
    func string(_ value: HCLExpression, _ path: String, _ diagnostics: inout DiagnosticCollector) -> String? {
        switch value.kind {
        case .string(let text): return text
        case .number(let number, let text):
            // HCL2 writes a whole number in digits (`1e3` → "1000"); others as written.
            if !isIntegerText(text), number.rounded() == number, let whole = Int64(exactly: number) { return String(whole) }
            return text
        case .bool(let flag): return flag ? "true" : "false"
        default: break
        }
        diagnostics.error("\(path): expected a string, got \(value.kindDescription)", at: value.range.start)
        return nil
    }

    /// A bool; also the strings `"true"`/`"false"` (and `"1"`/`"0"`), which HCL2 converts.
    func bool(_ value: HCLExpression, _ path: String, _ diagnostics: inout DiagnosticCollector) -> Bool? {
        switch value.kind {
        case .bool(let flag): return flag
        case .string("true"), .string("1"): return true
        case .string("false"), .string("0"): return false
        default: break
        }
        diagnostics.error("\(path): expected a bool, got \(value.kindDescription)", at: value.range.start)
        return nil
    }

    /// A whole number: `3`, and also `3.0` or `3e2`, whose values are whole; a string holding one
    /// (`cpu = "500"`) too, as HCL2 converts it.
    func integer(_ value: HCLExpression, _ path: String, _ diagnostics: inout DiagnosticCollector) -> Int? {
        let number: Double, text: String
        switch value.kind {
        case .number(let n, let t):
            (number, text) = (n, t)
        case .string(let t) where isNumberText(t):
            guard let n = Double(t), n.isFinite else {
                diagnostics.error("\(path): \(t) is out of range", at: value.range.start)
                return nil
            }
            (number, text) = (n, t)
        case .string(let t):
            diagnostics.error("\(path): expected an integer, got the string \(quoted(t))", at: value.range.start)
            return nil
        default:
            diagnostics.error("\(path): expected an integer, got \(value.kindDescription)", at: value.range.start)
            return nil
        }
        if isIntegerText(text), let integer = Int(text) { return integer }
        if number.rounded() != number {
            diagnostics.error("\(path): expected an integer, got \(text)", at: value.range.start)
            return nil
        }
        guard let integer = Int(exactly: number) else {
            diagnostics.error("\(path): \(text) is out of range", at: value.range.start)
            return nil
        }
        return integer
    }

    /// At least `minimum` (and at most `maximum`): `path: must be at least 1, got 0`.
    func integer(_ value: HCLExpression, _ path: String, minimum: Int, maximum: Int = .max,
                 _ diagnostics: inout DiagnosticCollector) -> Int? {
        guard let integer = integer(value, path, &diagnostics) else { return nil }
        if integer < minimum {
            diagnostics.error("\(path): must be at least \(minimum), got \(integer)", at: value.range.start)
            return nil
        }
        if integer > maximum {
            diagnostics.error("\(path): must be at most \(maximum), got \(integer)", at: value.range.start)
            return nil
        }
        return integer
    }

    /// A Go duration string (`5s`, `1h30m`), or in JSON an integer of nanoseconds.
    func duration(_ value: HCLExpression, _ path: String, _ diagnostics: inout DiagnosticCollector) -> Duration? {
        switch value.kind {
        case .string(let text):
            guard let duration = DurationParser.parse(text) else {
                diagnostics.error("\(path): \(quoted(text)) is not a duration (like 250ms, 5s, 1m30s)", at: value.range.start)
                return nil
            }
            return duration
        case .number(_, let text) where durationsMayBeNanoseconds:
            guard isIntegerText(text), let nanoseconds = Int64(text), nanoseconds >= 0 else {
                diagnostics.error("\(path): expected a duration like \"5s\" or a whole number of nanoseconds, got \(text)",
                                  at: value.range.start)
                return nil
            }
            return .nanoseconds(nanoseconds)
        default:
            diagnostics.error("\(path): expected a duration like \"5s\", got \(value.kindDescription)", at: value.range.start)
            return nil
        }
    }

    /// A list of strings; each element's problem is reported at the element (`datacenters[1]: ...`).
    func strings(_ value: HCLExpression, _ path: String, _ diagnostics: inout DiagnosticCollector) -> [String]? {
        guard case .list(let elements) = value.kind else {
            diagnostics.error("\(path): expected a list of strings, got \(value.kindDescription)", at: value.range.start)
            return nil
        }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard let text = string(element, "\(path)[\(index)]", &diagnostics) else { continue }
            result.append(text)
        }
        return result.count == elements.count ? result : nil
    }

    /// A block of free keys whose values are strings (`env`, `meta`): numbers and bools become their
    /// text as written; `null` leaves the key out.
    func stringMap(_ block: BlockView, _ path: String, _ diagnostics: inout DiagnosticCollector) -> [String: String] {
        var result: [String: String] = [:]
        for member in block.body.members(path: path, diagnostics: &diagnostics) {
            switch member.value.kind {
            case .string(let text): result[member.key] = text
            case .number(_, let text): result[member.key] = text
            case .bool(let flag): result[member.key] = flag ? "true" : "false"
            case .null: continue
            case .list, .object, .unevaluated:
                diagnostics.error("\(path).\(member.key): expected a string, got \(member.value.kindDescription)",
                                  at: member.value.range.start)
            }
        }
        return result
    }
}

/// A number as HCL and JSON write one: `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` (no spaces, no hex, no
/// `inf`): what a string may hold to be read as a number.
func isNumberText(_ text: String) -> Bool {
    var bytes = Substring(text).utf8[...]
    func digits() -> Bool {
        let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
        bytes = bytes.dropFirst(count)
        return count > 0
    }
    if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    guard digits() else { return false }
    if bytes.first == UInt8(ascii: ".") {
        bytes = bytes.dropFirst()
        guard digits() else { return false }
    }
    if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
        bytes = bytes.dropFirst()
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard digits() else { return false }
    }
    return bytes.isEmpty
}

/// `-?[0-9]+`: a number written without fraction or exponent.
func isIntegerText(_ text: String) -> Bool {
    var digits = Substring(text)
    if digits.first == "-" { digits = digits.dropFirst() }
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
}
