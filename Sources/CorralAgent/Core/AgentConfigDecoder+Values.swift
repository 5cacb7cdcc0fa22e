import CorralDriver
import CorralExecDriver
import CorralJobspec
import CorralSpelling
import Foundation

/// Typed reads of the configuration's values. Each problem is reported at the value as
/// `path: expected X, found Y` (or `path: problem`), and the read gives nil.
extension AgentConfigDecoder {
    /// A string with no template sequence: `${...}` and `%{...}` are refused (the configuration is
    /// never interpolated), and the escapes `$${` and `%%{` give a literal `${` and `%{`.
    mutating func string(_ value: HCLExpression, _ path: String, expected: String = "a string") -> String? {
        guard case .string(let text) = value.kind else { return mismatch(value, path, expected: expected) }
        var result = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "$" || scalar == "%" {
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                if next == "{" {
                    diagnostics.error("\(path): the agent configuration takes literal values, found \(value.foundDescription) "
                                      + "(write \(scalar)\(scalar){ for a literal \(scalar){)", at: value.range.start)
                    return nil
                }
                if next == scalar, index + 2 < scalars.count, scalars[index + 2] == "{" {
                    result.append(contentsOf: [scalar, "{"])
                    index += 3
                    continue
                }
            }
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    mutating func nonEmptyString(_ value: HCLExpression, _ path: String) -> String? {
        guard let text = string(value, path, expected: "a non-empty string") else { return nil }
        return text.isEmpty ? mismatch(value, path, expected: "a non-empty string") : text
    }

    /// `/var/lib/corral`: absolute, without NUL (which the kernel would take as its end).
    mutating func absolutePath(_ value: HCLExpression, _ path: String) -> String? {
        guard let text = string(value, path, expected: "an absolute path") else { return nil }
        guard text.hasPrefix("/"), !text.unicodeScalars.contains("\0") else {
            return mismatch(value, path, expected: "an absolute path")
        }
        return text
    }

    /// An absolute path that fits a unix socket address (`sun_path`: 108 bytes with its NUL).
    mutating func socketPath(_ value: HCLExpression, _ path: String) -> String? {
        guard let text = absolutePath(value, path) else { return nil }
        guard text.utf8.count <= 107 else {
            diagnostics.error("\(path): a unix socket path is at most 107 bytes, found \(text.utf8.count)", at: value.range.start)
            return nil
        }
        return text
    }

    /// A list of absolute paths; each element's problem is reported at the element.
    /// The namespaces jobs may name: non-empty strings, `default` among them (a job that names none is
    /// in it, as in Nomad).
    mutating func namespaces(_ value: HCLExpression, _ path: String) -> [String]? {
        let expected = "a list of namespace names that includes \"default\""
        guard case .list(let elements) = value.kind else { return mismatch(value, path, expected: expected) }
        var names: [String] = []
        for (index, element) in elements.enumerated() {
            if let name = nonEmptyString(element, "\(path)[\(index)]") { names.append(name) }
        }
        guard names.count == elements.count else { return nil }
        guard names.contains("default") else { return mismatch(value, path, expected: expected) }
        return names
    }

    mutating func absolutePaths(_ value: HCLExpression, _ path: String) -> [String]? {
        guard case .list(let elements) = value.kind else { return mismatch(value, path, expected: "a list of absolute paths") }
        var paths: [String] = []
        for (index, element) in elements.enumerated() {
            if let text = absolutePath(element, "\(path)[\(index)]") { paths.append(text) }
        }
        return paths.count == elements.count ? paths : nil
    }

    /// A cgroup path relative to each hierarchy's root (`corral`, `system.slice/corral`), as
    /// `CgroupManager.components(of:what:)` takes it: some component, none `.` or `..`.
    mutating func cgroupPath(_ value: HCLExpression, _ path: String) -> String? {
        let expected = "a relative cgroup path such as \"corral\" (without . or ..)"
        guard let text = string(value, path, expected: expected) else { return nil }
        let components = text.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty, !components.contains(where: { $0 == "." || $0 == ".." }),
              !text.unicodeScalars.contains("\0") else { return mismatch(value, path, expected: expected) }
        return text
    }

    /// One of `logLevels`, with the closest one suggested.
    mutating func logLevel(_ value: HCLExpression, _ path: String) -> String? {
        oneOf(Self.logLevels, value, path)
    }

    /// One of `choices`, with the closest one suggested.
    mutating func oneOf(_ choices: [String], _ value: HCLExpression, _ path: String) -> String? {
        let expected = "one of " + choices.joined(separator: ", ")
        guard let text = string(value, path, expected: expected) else { return nil }
        guard choices.contains(text) else {
            var message = "\(path): expected \(expected), found \(value.foundDescription)"
            if let match = EditDistance.closest(to: text, among: choices) { message += " (did you mean \(match.debugDescription)?)" }
            diagnostics.error(message, at: value.range.start)
            return nil
        }
        return text
    }

    /// `127.0.0.1:4646`, `[::1]:4646`, `localhost:4646`.
    mutating func tcpAddress(_ value: HCLExpression, _ path: String) -> AgentSettings.TCPAddress? {
        let expected = "host:port such as \"127.0.0.1:4646\""
        guard let text = string(value, path, expected: expected) else { return nil }
        guard let address = AgentSettings.TCPAddress(parsing: text) else { return mismatch(value, path, expected: expected) }
        return address
    }

    /// A whole number of at least 1 (`50`; also `5e1`, whose value is whole).
    mutating func positiveInteger(_ value: HCLExpression, _ path: String) -> Int? {
        guard case .number(let number, let text) = value.kind else { return mismatch(value, path, expected: "a positive integer") }
        guard number.rounded() == number, number >= 1 else { return mismatch(value, path, expected: "a positive integer") }
        guard let integer = isIntegerText(text) ? Int(text) : Int(exactly: number) else {
            diagnostics.error("\(path): \(text) is out of range", at: value.range.start)
            return nil
        }
        return integer
    }

    /// A Go duration string (`30s`, `1m30s`, `500ms`, through `DurationParser`) or a number of
    /// seconds; longer than zero.
    mutating func duration(_ value: HCLExpression, _ path: String) -> Duration? {
        let expected = "a duration such as \"30s\""
        let duration: Duration
        switch value.kind {
        case .string:
            guard let text = string(value, path, expected: expected) else { return nil }
            guard let parsed = DurationParser.parse(text) else { return mismatch(value, path, expected: expected) }
            duration = parsed
        case .number(let seconds, _):
            // Below DurationParser's bound too, so the nanoseconds fit.
            guard seconds < 9.2e9 else {
                diagnostics.error("\(path): \(value.foundDescription) seconds is out of range", at: value.range.start)
                return nil
            }
            duration = seconds > 0 ? .nanoseconds(Int64((seconds * 1e9).rounded())) : .zero
        default:
            return mismatch(value, path, expected: expected)
        }
        guard duration > .zero else {
            diagnostics.error("\(path): must be longer than zero, found \(value.foundDescription)", at: value.range.start)
            return nil
        }
        return duration
    }

    /// A body of free keys with string values (`meta`): numbers and bools become their text as
    /// written (as in job files); `null` leaves the key out.
    mutating func stringMap(_ body: ConfigBody, _ path: String) -> [String: String]? {
        var result: [String: String] = [:]
        var valid = true
        for member in body.members(path: path, diagnostics: &diagnostics) {
            let memberPath = "\(path).\(member.key)"
            let text: String?
            switch member.value.kind {
            case .string: text = string(member.value, memberPath)
            case .number(_, let written): text = written
            case .bool(let flag): text = flag ? "true" : "false"
            case .null: continue
            case .list, .object, .unevaluated: text = mismatch(member.value, memberPath, expected: "a string")
            }
            if let text { result[member.key] = text } else { valid = false }
        }
        return valid ? result : nil
    }

    mutating func bool(_ value: HCLExpression, _ path: String) -> Bool? {
        guard case .bool(let flag) = value.kind else { return mismatch(value, path, expected: "true or false") }
        return flag
    }

    /// A list of capability names (`chown`, `CAP_NET_RAW`, `all`), as lower-case names without `cap_`.
    mutating func capabilities(_ value: HCLExpression, _ path: String) -> [String]? {
        guard case .list(let elements) = value.kind else { return mismatch(value, path, expected: "a list of capability names") }
        var names: [String] = []
        var valid = true
        for (index, element) in elements.enumerated() {
            guard let text = string(element, "\(path)[\(index)]", expected: "a capability name") else {
                valid = false
                continue
            }
            guard let name = DriverPolicy.capabilityName(text) else {
                diagnostics.error("\(path)[\(index)]: unknown capability \(element.foundDescription) (like \"net_raw\" or \"CAP_NET_RAW\")",
                                  at: element.range.start)
                valid = false
                continue
            }
            if !names.contains(name) { names.append(name) }
        }
        return valid ? names : nil
    }

    /// A list of users (names or ids) as the host's `/etc/passwd` and `/etc/group` know them; an
    /// entry that is neither a host user or group nor an id from 0 to 2147483647 is reported.
    mutating func userList(_ value: HCLExpression, _ path: String) -> [String]? {
        guard case .list(let elements) = value.kind else { return mismatch(value, path, expected: "a list of user names or ids") }
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        let group = (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? ""
        var users: [String] = []
        for (index, element) in elements.enumerated() {
            guard let text = nonEmptyString(element, "\(path)[\(index)]") else { continue }
            do { _ = try UserPolicy.entries([text], passwd: passwd, group: group) } catch {
                diagnostics.error("\(path)[\(index)]: \(element.foundDescription) is no user or group of this host, nor an id from 0 to 2147483647",
                                  at: element.range.start)
                continue
            }
            users.append(text)
        }
        return users.count == elements.count ? users : nil
    }

    /// Reports `path: expected X, found Y` at the value; nil.
    mutating func mismatch<T>(_ value: HCLExpression, _ path: String, expected: String) -> T? {
        diagnostics.error("\(path): expected \(expected), found \(value.foundDescription)", at: value.range.start)
        return nil
    }
}

/// `-?[0-9]+`: a number written without fraction or exponent.
private func isIntegerText(_ text: String) -> Bool {
    var digits = Substring(text)
    if digits.first == "-" { digits = digits.dropFirst() }
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
}
