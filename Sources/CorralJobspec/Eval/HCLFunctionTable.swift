import CorralJSON
#if canImport(Glibc)
import Glibc
#endif

/// The implementations behind `HCLFunctions`, as HCL's standard library (and Nomad's additions) define
/// them.
enum HCLFunctionTable {
    typealias Entry = (minimum: Int, maximum: Int?, run: HCLFunctions.Implementation)

    static let all: [String: Entry] = strings.merging(collections) { a, _ in a }.merging(numbers) { a, _ in a }
        .merging(encodings) { a, _ in a }.merging(files) { a, _ in a }

    // MARK: Strings

    static let strings: [String: Entry] = [
        "format": (1, nil, { f, a, at throws(HCLEvalError) in
            let text = try HCLFormat.format(try HCLConvert.string(a[0], at: at), Array(a.dropFirst()), at: at)
            try f.budget.spendBytes(text.utf8.count, at: at)
            return .string(text)
        }),
        "formatlist": (1, nil, { f, a, at throws(HCLEvalError) in
            let pattern = try HCLConvert.string(a[0], at: at)
            var length: Int?
            for case .list(let elements) in a.dropFirst() {
                if let known = length, known != elements.count { throw .failed("formatlist() lists differ in length", at: at) }
                length = elements.count
            }
            var results: [HCLValue] = []
            for row in 0..<(length ?? 1) {
                let values = a.dropFirst().map { value -> HCLValue in if case .list(let elements) = value { elements[row] } else { value } }
                let text = try HCLFormat.format(pattern, values, at: at)
                try f.budget.spendBytes(text.utf8.count, at: at)
                results.append(.string(text))
            }
            return .list(results)
        }),
        "join": (2, nil, { f, a, at throws(HCLEvalError) in
            let separator = try HCLConvert.string(a[0], at: at)
            var parts: [String] = []
            var length = 0
            for list in a.dropFirst() {
                for element in try HCLConvert.list(list, at: at) {
                    let part = try HCLConvert.string(element, at: at)
                    length += part.utf8.count + separator.utf8.count
                    try HCLFunctions.checkLength(length, at: at)
                    parts.append(part)
                }
            }
            try f.budget.spendBytes(length, at: at)
            return .string(parts.joined(separator: separator))
        }),
        "split": (2, 2, { _, a, at throws(HCLEvalError) in
            let separator = try HCLConvert.string(a[0], at: at), text = try HCLConvert.string(a[1], at: at)
            guard !separator.isEmpty else { return .list(text.map { .string(String($0)) }) }
            return .list(text.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
        }),
        "upper": string { $0.uppercased() },
        "lower": string { $0.lowercased() },
        "title": string { text in
            var result = "", startOfWord = true
            for character in text {
                result += startOfWord ? character.uppercased() : String(character)
                startOfWord = character == " " || character == "\t" || character == "\n"
            }
            return result
        },
        "trimspace": string { $0.trimmingSpaces },
        "chomp": string { text in
            var text = Substring(text)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text = text.dropLast() }
            return String(text)
        },
        "strrev": string { String($0.reversed()) },
        "trim": (2, 2, { _, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at), cut = Set(try HCLConvert.string(a[1], at: at))
            return .string(String(text.drop { cut.contains($0) }.reversed().drop { cut.contains($0) }.reversed()))
        }),
        "trimprefix": (2, 2, { _, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at), prefix = try HCLConvert.string(a[1], at: at)
            return .string(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        }),
        "trimsuffix": (2, 2, { _, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at), suffix = try HCLConvert.string(a[1], at: at)
            return .string(text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) : text)
        }),
        "startswith": (2, 2, { _, a, at throws(HCLEvalError) in
            .bool(try HCLConvert.string(a[0], at: at).hasPrefix(try HCLConvert.string(a[1], at: at)))
        }),
        "endswith": (2, 2, { _, a, at throws(HCLEvalError) in
            .bool(try HCLConvert.string(a[0], at: at).hasSuffix(try HCLConvert.string(a[1], at: at)))
        }),
        "replace": (3, 3, { f, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at), search = try HCLConvert.string(a[1], at: at)
            let replacement = try HCLConvert.string(a[2], at: at)
            if search.count > 1 && search.hasPrefix("/") && search.hasSuffix("/") {
                throw .failed("replace() with a regular expression (\(search)) is not supported; replace the text itself", at: at)
            }
            guard !search.isEmpty else { return .string(text) }
            let pieces = text.split(separator: search, omittingEmptySubsequences: false)
            let length = text.utf8.count + (pieces.count - 1) * (replacement.utf8.count - search.utf8.count)
            try HCLFunctions.checkLength(length, at: at)
            try f.budget.spendBytes(length, at: at)
            return .string(pieces.joined(separator: replacement))
        }),
        "substr": (3, 3, { _, a, at throws(HCLEvalError) in
            let text = Array(try HCLConvert.string(a[0], at: at))
            var offset = try HCLConvert.integer(a[1], at: at), length = try HCLConvert.integer(a[2], at: at)
            if offset < 0 { offset += text.count }
            guard offset >= 0, offset <= text.count else { throw .failed("substr() offset outside the string", at: at) }
            if length < 0 || length > text.count - offset { length = text.count - offset }
            return .string(String(text[offset..<(offset + length)]))
        }),
        "indent": (2, 2, { _, a, at throws(HCLEvalError) in
            let spaces = String(repeating: " ", count: max(0, min(try HCLConvert.integer(a[0], at: at), 1024)))
            let text = try HCLConvert.string(a[1], at: at)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            try HCLFunctions.checkLength(text.utf8.count + spaces.count * lines.count, at: at)
            return .string(lines.enumerated().map { $0.offset == 0 ? String($0.element) : spaces + $0.element }.joined(separator: "\n"))
        }),
        "tostring": (1, 1, { _, a, at throws(HCLEvalError) in
            if case .null = a[0] { return .null }
            return .string(try HCLConvert.string(a[0], at: at))
        }),
        "tonumber": (1, 1, { _, a, at throws(HCLEvalError) in
            if case .null = a[0] { return .null }
            return .number(try HCLConvert.number(a[0], at: at))
        }),
        "tobool": (1, 1, { _, a, at throws(HCLEvalError) in
            if case .null = a[0] { return .null }
            return .bool(try HCLConvert.bool(a[0], at: at))
        }),
    ]

    /// A function of one string to a string.
    static func string(_ transform: @escaping @Sendable (String) -> String) -> Entry {
        (1, 1, { _, a, at throws(HCLEvalError) in .string(transform(try HCLConvert.string(a[0], at: at))) })
    }

    // MARK: Collections

    static let collections: [String: Entry] = [
        "concat": (0, nil, { _, a, at throws(HCLEvalError) in
            var result: [HCLValue] = []
            for list in a { result += try HCLConvert.list(list, at: at) }
            return .list(result)
        }),
        "merge": (0, nil, { _, a, at throws(HCLEvalError) in
            var result: [String: HCLValue] = [:]
            for object in a where object != .null {
                for (key, value) in try HCLConvert.object(object, at: at) { result[key] = value }
            }
            return .object(result)
        }),
        "lookup": (2, 3, { _, a, at throws(HCLEvalError) in
            let members = try HCLConvert.object(a[0], at: at), key = try HCLConvert.string(a[1], at: at)
            if let value = members[key] { return value }
            guard a.count == 3 else { throw .failed("lookup(): there is no key \"\(key)\" and no default was given", at: at) }
            return a[2]
        }),
        "element": (2, 2, { _, a, at throws(HCLEvalError) in
            let list = try HCLConvert.list(a[0], at: at), index = try HCLConvert.integer(a[1], at: at)
            guard !list.isEmpty else { throw .failed("element() of an empty list", at: at) }
            guard index >= 0 else { throw .failed("element() with a negative index", at: at) }
            return list[index % list.count]
        }),
        "index": (2, 2, { _, a, at throws(HCLEvalError) in
            let list = try HCLConvert.list(a[0], at: at)
            guard let found = list.firstIndex(of: a[1]) else { throw .failed("index(): the value is not in the list", at: at) }
            return .number(Double(found))
        }),
        "length": (1, 1, { _, a, at throws(HCLEvalError) in
            switch a[0] {
            case .list(let elements): return .number(Double(elements.count))
            case .object(let members): return .number(Double(members.count))
            case .string(let text): return .number(Double(text.count))
            default: throw .failed("length() of a \(a[0].typeName)", at: at)
            }
        }),
        "keys": (1, 1, { _, a, at throws(HCLEvalError) in
            .list(try HCLConvert.object(a[0], at: at).keys.sorted().map { .string($0) })
        }),
        "values": (1, 1, { _, a, at throws(HCLEvalError) in
            let members = try HCLConvert.object(a[0], at: at)
            return .list(members.keys.sorted().map { members[$0]! })
        }),
        "contains": (2, 2, { _, a, at throws(HCLEvalError) in .bool(try HCLConvert.list(a[0], at: at).contains(a[1])) }),
        "coalesce": (1, nil, { _, a, at throws(HCLEvalError) in
            guard let found = a.first(where: { $0 != .null && $0 != .string("") }) else {
                throw .failed("coalesce(): every argument is null or empty", at: at)
            }
            return found
        }),
        "coalescelist": (1, nil, { _, a, at throws(HCLEvalError) in
            for list in a where !(try HCLConvert.list(list, at: at)).isEmpty { return list }
            throw .failed("coalescelist(): every list is empty", at: at)
        }),
        "compact": (1, 1, { _, a, at throws(HCLEvalError) in
            .list(try HCLConvert.list(a[0], at: at).filter { $0 != .null && $0 != .string("") })
        }),
        "distinct": (1, 1, { _, a, at throws(HCLEvalError) in .list(HCLValue.distinct(try HCLConvert.list(a[0], at: at))) }),
        "flatten": (1, 1, { _, a, at throws(HCLEvalError) in
            func flat(_ value: HCLValue, depth: Int) throws(HCLEvalError) -> [HCLValue] {
                guard case .list(let elements) = value else { return [value] }
                guard depth < 64 else { throw .failed("flatten(): lists nested too deep", at: at) }
                var result: [HCLValue] = []
                for element in elements { result += try flat(element, depth: depth + 1) }
                return result
            }
            _ = try HCLConvert.list(a[0], at: at)
            return .list(try flat(a[0], depth: 0))
        }),
        "reverse": (1, 1, { _, a, at throws(HCLEvalError) in .list(try HCLConvert.list(a[0], at: at).reversed()) }),
        "sort": (1, 1, { _, a, at throws(HCLEvalError) in
            var texts: [String] = []
            for element in try HCLConvert.list(a[0], at: at) { texts.append(try HCLConvert.string(element, at: at)) }
            return .list(texts.sorted().map { .string($0) })
        }),
        "slice": (3, 3, { _, a, at throws(HCLEvalError) in
            let list = try HCLConvert.list(a[0], at: at)
            let start = try HCLConvert.integer(a[1], at: at), end = try HCLConvert.integer(a[2], at: at)
            guard start >= 0, end <= list.count, start <= end else { throw .failed("slice(): indexes outside the list", at: at) }
            return .list(Array(list[start..<end]))
        }),
        "chunklist": (2, 2, { _, a, at throws(HCLEvalError) in
            let list = try HCLConvert.list(a[0], at: at), size = try HCLConvert.integer(a[1], at: at)
            guard size >= 0 else { throw .failed("chunklist(): a negative size", at: at) }
            guard size > 0 else { return .list([.list(list)]) }
            return .list(stride(from: 0, to: list.count, by: size).map { .list(Array(list[$0..<min($0 + size, list.count)])) })
        }),
        "range": (1, 3, { _, a, at throws(HCLEvalError) in
            var numbers: [Double] = []
            for value in a { numbers.append(try HCLConvert.number(value, at: at)) }
            let (start, limit, step): (Double, Double, Double) = switch numbers.count {
            case 1: (0, numbers[0], 1)
            case 2: (numbers[0], numbers[1], numbers[0] <= numbers[1] ? 1 : -1)
            default: (numbers[0], numbers[1], numbers[2])
            }
            guard step != 0 else { throw .failed("range(): a step of zero", at: at) }
            var result: [HCLValue] = []
            var value = start
            while step > 0 ? value < limit : value > limit {
                guard result.count < HCLFunctions.maximumRange else {
                    throw .failed("range() makes at most \(HCLFunctions.maximumRange) numbers", at: at)
                }
                result.append(.number(value))
                value += step
            }
            return .list(result)
        }),
        "zipmap": (2, 2, { _, a, at throws(HCLEvalError) in
            let keys = try HCLConvert.list(a[0], at: at), values = try HCLConvert.list(a[1], at: at)
            guard keys.count == values.count else { throw .failed("zipmap(): the lists differ in length", at: at) }
            var result: [String: HCLValue] = [:]
            for (key, value) in zip(keys, values) { result[try HCLConvert.string(key, at: at)] = value }
            return .object(result)
        }),
        "tolist": (1, 1, { _, a, at throws(HCLEvalError) in .list(try HCLConvert.list(a[0], at: at)) }),
        "toset": (1, 1, { _, a, at throws(HCLEvalError) in .list(HCLValue.distinct(try HCLConvert.list(a[0], at: at))) }),
        "tomap": (1, 1, { _, a, at throws(HCLEvalError) in .object(try HCLConvert.object(a[0], at: at)) }),
    ]

    // MARK: Numbers

    static let numbers: [String: Entry] = [
        "min": (1, nil, { _, a, at throws(HCLEvalError) in
            var result = Double.infinity
            for value in a { result = Swift.min(result, try HCLConvert.number(value, at: at)) }
            return .number(result)
        }),
        "max": (1, nil, { _, a, at throws(HCLEvalError) in
            var result = -Double.infinity
            for value in a { result = Swift.max(result, try HCLConvert.number(value, at: at)) }
            return .number(result)
        }),
        "abs": number { Swift.abs($0) },
        "ceil": number { $0.rounded(.up) },
        "floor": number { $0.rounded(.down) },
        "signum": number { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 },
        "pow": (2, 2, { _, a, at throws(HCLEvalError) in
            .number(Glibc.pow(try HCLConvert.number(a[0], at: at), try HCLConvert.number(a[1], at: at)))
        }),
        "parseint": (2, 2, { _, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at), base = try HCLConvert.integer(a[1], at: at)
            guard (2...62).contains(base), let value = Int64(text, radix: Swift.min(base, 36)) else {
                throw .failed("parseint(): \"\(text)\" is not a number in base \(base)", at: at)
            }
            return .number(Double(value))
        }),
    ]

    static func number(_ transform: @escaping @Sendable (Double) -> Double) -> Entry {
        (1, 1, { _, a, at throws(HCLEvalError) in .number(transform(try HCLConvert.number(a[0], at: at))) })
    }

    // MARK: Encodings, time and identifiers

    static let encodings: [String: Entry] = [
        "jsonencode": (1, 1, { _, a, _ throws(HCLEvalError) in .string(HCLJSON.encode(a[0])) }),
        "jsondecode": (1, 1, { _, a, at throws(HCLEvalError) in try HCLJSON.decode(try HCLConvert.string(a[0], at: at), at: at) }),
        "base64encode": string { Base64.encode(Array($0.utf8)) },
        "base64decode": (1, 1, { _, a, at throws(HCLEvalError) in
            let text = try HCLConvert.string(a[0], at: at)
            guard let bytes = Base64.decode(text), let decoded = String(validating: bytes, as: UTF8.self) else {
                throw .failed("base64decode(): the text is not base64 of UTF-8 text", at: at)
            }
            return .string(decoded)
        }),
        "urlencode": string { text in
            var result = ""
            for byte in text.utf8 {
                if (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || "-._~".utf8.contains(byte) {
                    result.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }
            }
            return result
        },
        "timestamp": (0, 0, { _, _, _ throws(HCLEvalError) in
            var now = time(nil)
            var parts = tm()
            gmtime_r(&now, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return .string("\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z")
        }),
        "uuidv5": (2, 2, { _, a, at throws(HCLEvalError) in
            let namespace = try HCLConvert.string(a[0], at: at), name = try HCLConvert.string(a[1], at: at)
            let known = ["dns": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "url": "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
                         "oid": "6ba7b812-9dad-11d1-80b4-00c04fd430c8", "x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8"]
            let hex = Array((known[namespace] ?? namespace).filter { $0 != "-" })
            guard hex.count == 32, let namespaceBytes = Optional(stride(from: 0, to: 32, by: 2).compactMap { UInt8(String(hex[$0...$0 + 1]), radix: 16) }),
                  namespaceBytes.count == 16 else {
                throw .failed("uuidv5(): the namespace is dns, url, oid, x500 or a UUID, not \"\(namespace)\"", at: at)
            }
            var bytes = Array(SHA1.digest(namespaceBytes + Array(name.utf8)).prefix(16))
            bytes[6] = bytes[6] & 0x0F | 0x50
            bytes[8] = bytes[8] & 0x3F | 0x80
            return .string(HCLFunctionTable.uuidText(bytes))
        }),
        "uuidv4": (0, 0, { _, _, _ throws(HCLEvalError) in
            var generator = SystemRandomNumberGenerator()
            var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes[6] = bytes[6] & 0x0F | 0x40
            bytes[8] = bytes[8] & 0x3F | 0x80
            return .string(HCLFunctionTable.uuidText(bytes))
        }),
    ]

    /// 16 bytes as a UUID's text (8-4-4-4-12 lower-case hex digits).
    static func uuidText(_ bytes: [UInt8]) -> String {
        let characters = Array(bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    // MARK: Files

    static let files: [String: Entry] = [
        "file": (1, 1, { functions, a, at throws(HCLEvalError) in
            let path = try functions.path(a[0], function: "file", at: at)
            let bytes = try functions.readRegularFile(path, at: at)
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .failed("file(\"\(path)\"): not UTF-8 text", at: at) }
            return .string(text)
        }),
        "fileexists": (1, 1, { functions, a, at throws(HCLEvalError) in
            let path = try functions.path(a[0], function: "fileexists", at: at)
            var info = stat()
            return .bool(stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        }),
        "abspath": (1, 1, { functions, a, at throws(HCLEvalError) in .string(try functions.path(a[0], function: "abspath", at: at)) }),
        "pathexpand": (1, 1, { functions, a, at throws(HCLEvalError) in
            guard functions.directory != nil else {
                throw .failed("pathexpand() reads the environment of whoever runs the job file, which a job sent to the agent cannot do: "
                    + "run it with `corral run`, or write the path in the job", at: at)
            }
            let path = try HCLConvert.string(a[0], at: at)
            guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return .string(path) }
            return .string(String(cString: home) + path.dropFirst())
        }),
    ]
}

extension HCLFunctions {
    /// A regular file's bytes (at most `maximumFileSize`): opened without blocking, so a FIFO or a device
    /// named by mistake is refused instead of hanging the parse.
    func readRegularFile(_ path: String, at position: SourcePosition) throws(HCLEvalError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw .failed("file(\"\(path)\"): \(JobFileReader.errorText(errno))", at: position) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw .failed("file(\"\(path)\"): not a regular file", at: position)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .failed("file(\"\(path)\"): \(JobFileReader.errorText(errno))", at: position) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= Self.maximumFileSize else {
                throw .failed("file(\"\(path)\"): larger than \(Self.maximumFileSize >> 20) MiB", at: position)
            }
        }
    }

    /// A path a file function was given, relative to the job file's directory.
    func path(_ value: HCLValue, function: String, at position: SourcePosition) throws(HCLEvalError) -> String {
        guard let directory else {
            throw .failed("\(function)() reads files where the job file is, which a job sent to the agent cannot do: "
                + "run it with `corral run`, or write the value in the job", at: position)
        }
        let path = try HCLConvert.string(value, at: position)
        return path.hasPrefix("/") ? path : (directory.hasSuffix("/") ? directory : directory + "/") + path
    }
}
