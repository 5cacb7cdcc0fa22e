/// The regular expressions of `regexp` constraints, matched in time linear in the text whatever the
/// pattern: the pattern is compiled to a small automaton program and run as a Thompson simulation
/// (every thread advances one character at a time; no backtracking), so a job's `(a+)+$` cannot
/// stall the agent, and a program is bounded in size, so `((a{100}){100}){100}` cannot exhaust it.
///
/// The syntax is the part of RE2's (Nomad's engine) that job files use: literals and `\` escapes,
/// `.`, `[...]` classes with ranges and negation, `\d \D \w \W \s \S`, `^ $ \A \z \b \B`, groups
/// `(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`, alternation, `* + ? {n} {n,} {n,m}` (a lazy `?`
/// after them changes nothing for a yes/no search), and a leading `(?i)`. Anything else (back-references,
/// look-arounds, other flags) is refused when the job is read.
package struct LinearRegex: Sendable {
    package static let maximumPatternLength = 1024
    package static let maximumTextLength = 4096
    /// Instructions after counted repetitions are written out.
    package static let maximumProgramSize = 4000
    static let maximumNesting = 64

    private let program: [Instruction]
    private let ignoreCase: Bool

    /// Nil when the pattern is not one this engine takes, or too large.
    package init?(_ pattern: String) {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count <= Self.maximumPatternLength else { return nil }
        var parser = Parser(scalars)
        guard let node = parser.parseAll() else { return nil }
        var compiler = Compiler(ignoreCase: parser.ignoreCase)
        guard compiler.emit(node) else { return nil }
        compiler.program.append(.match)
        guard compiler.program.count <= Self.maximumProgramSize else { return nil }
        program = compiler.program
        ignoreCase = parser.ignoreCase
    }

    /// Whether the pattern matches anywhere in `text` (a search, as RE2's MatchString); false for a
    /// text beyond the bound.
    package func matches(_ text: String) -> Bool {
        guard text.unicodeScalars.count <= Self.maximumTextLength else { return false }
        var input = Array(text.unicodeScalars)
        if ignoreCase { input = input.map(Self.folded) }
        var current = ThreadList(size: program.count)
        var next = ThreadList(size: program.count)
        var stack: [Int] = []
        stack.reserveCapacity(program.count)
        for position in 0...input.count {
            // A new thread at every position: an unanchored search.
            if add(0, at: position, input, to: &current, stack: &stack) { return true }
            guard position < input.count else { break }
            let scalar = input[position]
            next.clear()
            for pc in current.items {
                switch program[pc] {
                case .scalar(let expected) where expected == scalar:
                    if add(pc + 1, at: position + 1, input, to: &next, stack: &stack) { return true }
                case .any where scalar != "\n":
                    if add(pc + 1, at: position + 1, input, to: &next, stack: &stack) { return true }
                case .set(let set) where set.contains(scalar):
                    if add(pc + 1, at: position + 1, input, to: &next, stack: &stack) { return true }
                default: break
                }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Follows the empty moves from `start` (splits, jumps, assertions) and adds the threads that wait
    /// for a character; true when one of them reaches the end of the program.
    private func add(_ start: Int, at position: Int, _ input: [Unicode.Scalar], to list: inout ThreadList,
                     stack: inout [Int]) -> Bool {
        stack.removeAll(keepingCapacity: true)
        stack.append(start)
        while let pc = stack.popLast() {
            guard list.mark(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assert(let kind):
                if Self.holds(kind, at: position, input) { stack.append(pc + 1) }
            case .scalar, .any, .set: list.items.append(pc)
            }
        }
        return false
    }

    static func holds(_ kind: Assertion, at position: Int, _ input: [Unicode.Scalar]) -> Bool {
        switch kind {
        case .start: return position == 0
        case .end: return position == input.count
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && CharacterSet.word.contains(input[position - 1])
            let after = position < input.count && CharacterSet.word.contains(input[position])
            return (before != after) == (kind == .wordBoundary)
        }
    }

    static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    enum Assertion: Sendable { case start, end, wordBoundary, notWordBoundary }

    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case any
        case set(CharacterSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    /// The program counters waiting at one position (`items`), and every counter visited there, once.
    struct ThreadList {
        var items: [Int] = []
        private var seen: [Bool]
        private var marked: [Int] = []

        init(size: Int) {
            seen = Array(repeating: false, count: size)
            items.reserveCapacity(size)
            marked.reserveCapacity(size)
        }

        /// False when `pc` was already visited at this position.
        mutating func mark(_ pc: Int) -> Bool {
            if seen[pc] { return false }
            seen[pc] = true
            marked.append(pc)
            return true
        }

        mutating func clear() {
            for pc in marked { seen[pc] = false }
            marked.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }

    /// A set of scalars as sorted, disjoint, non-adjacent ranges (a class), possibly negated; made
    /// with `normalized`, searched by bisection, so a class written with many ranges costs a few steps.
    struct CharacterSet: Sendable {
        var ranges: [ClosedRange<UInt32>]
        var negated = false

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            var low = 0, high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound < scalar.value { low = middle + 1 } else { high = middle }
            }
            let inside = low < ranges.count && ranges[low].contains(scalar.value)
            return inside != negated
        }

        /// The ranges sorted and merged (overlapping or adjacent ones become one).
        func normalized() -> CharacterSet {
            var merged: [ClosedRange<UInt32>] = []
            for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            return CharacterSet(ranges: merged, negated: negated)
        }

        /// The same set without negation: the ranges' complement over every scalar value.
        func positive() -> CharacterSet {
            let set = normalized()
            guard set.negated else { return set }
            var result: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for range in set.ranges {
                if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
                next = range.upperBound &+ 1
                if range.upperBound == 0x10FFFF { return CharacterSet(ranges: result) }
            }
            result.append(next...0x10FFFF)
            return CharacterSet(ranges: result)
        }

        static let digit = CharacterSet(ranges: [48...57])
        static let word = CharacterSet(ranges: [48...57, 65...90, 95...95, 97...122])
        /// RE2's `\s`: tab, newline, form feed, carriage return, space (not the vertical tab).
        static let space = CharacterSet(ranges: [9...10, 12...13, 32...32])
    }

    indirect enum Node {
        case empty
        case scalar(Unicode.Scalar)
        case any
        case set(CharacterSet)
        case assert(Assertion)
        case concat([Node])
        case alternate([Node])
        case repeated(Node, min: Int, max: Int?)
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0
        var ignoreCase = false

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parseAll() -> Node? {
            if scalars.starts(with: Array("(?i)".unicodeScalars)) {
                ignoreCase = true
                index = 4
            }
            guard let node = parseAlternation(), index == scalars.count else { return nil }
            return node
        }

        mutating func parseAlternation() -> Node? {
            depth += 1
            defer { depth -= 1 }
            guard depth <= LinearRegex.maximumNesting else { return nil }
            var branches: [Node] = []
            while true {
                guard let branch = parseConcat() else { return nil }
                branches.append(branch)
                guard peek == "|" else { break }
                index += 1
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func parseConcat() -> Node? {
            var items: [Node] = []
            while let next = peek, next != "|", next != ")" {
                guard let atom = parseAtom(), let repeated = parseQuantifiers(atom) else { return nil }
                items.append(repeated)
            }
            return items.isEmpty ? .empty : (items.count == 1 ? items[0] : .concat(items))
        }

        mutating func parseQuantifiers(_ atom: Node) -> Node? {
            var node = atom
            while let next = peek {
                let bounds: (Int, Int?)
                switch next {
                case "*": bounds = (0, nil); index += 1
                case "+": bounds = (1, nil); index += 1
                case "?": bounds = (0, 1); index += 1
                case "{":
                    switch parseCount() {
                    case .literal: return node
                    case .invalid: return nil
                    case .count(let low, let high): bounds = (low, high)
                    }
                default: return node
                }
                // As Go: nothing to repeat, or a repetition repeated (`a**`, `a{2}{3}`), is refused.
                if case .assert = node { return nil }
                if case .repeated = node { return nil }
                if peek == "?" { index += 1 }
                node = .repeated(node, min: bounds.0, max: bounds.1)
            }
            return node
        }

        enum Count { case literal, invalid, count(Int, Int?) }

        /// `{n}`, `{n,}`, `{n,m}`; `.literal` (and nothing read) when the brace is not one, `.invalid`
        /// for one RE2 refuses (m below n, a count above 1000).
        mutating func parseCount() -> Count {
            let start = index
            index += 1
            func number() -> Int? {
                var value = 0, digits = 0
                while let digit = peek, ("0"..."9").contains(digit) {
                    if digits < 6 { value = value * 10 + Int(digit.value - 48) }
                    digits += 1
                    index += 1
                }
                return digits == 0 ? nil : (digits < 6 ? value : Int.max)
            }
            guard let low = number() else { index = start; return .literal }
            var high: Int? = low
            if peek == "," {
                index += 1
                high = number()
            }
            guard peek == "}" else { index = start; return .literal }
            index += 1
            guard high.map({ $0 >= low }) ?? true, low <= 1000, (high ?? 0) <= 1000 else { return .invalid }
            return .count(low, high)
        }

        mutating func parseAtom() -> Node? {
            guard let next = peek else { return nil }
            index += 1
            switch next {
            case ".": return .any
            case "^": return .assert(.start)
            case "$": return .assert(.end)
            case "(":
                if peek == "?" {
                    // (?:...), (?P<name>...), (?<name>...): groups; other flags and look-arounds: refused.
                    let rest = scalars[index...]
                    if rest.starts(with: Array("?:".unicodeScalars)) {
                        index += 2
                    } else if rest.starts(with: Array("?P<".unicodeScalars)) || rest.starts(with: Array("?<".unicodeScalars)) {
                        guard let close = scalars[index...].firstIndex(of: ">"), close > index + 2 else { return nil }
                        let name = scalars[(index + (rest.starts(with: Array("?P<".unicodeScalars)) ? 3 : 2))..<close]
                        guard !name.isEmpty, name.allSatisfy({ CharacterSet.word.contains($0) }) else { return nil }
                        index = close + 1
                    } else {
                        return nil
                    }
                }
                guard let inner = parseAlternation(), peek == ")" else { return nil }
                index += 1
                // Wrapped, so that a group's repetition is not taken for a repetition repeated.
                return .concat([inner])
            case ")", "*", "+", "?": return nil
            case "[": return parseClass()
            case "\\": return parseEscape(inClass: false)
            default: return .scalar(next)
            }
        }

        mutating func parseEscape(inClass: Bool) -> Node? {
            guard let escaped = peek else { return nil }
            index += 1
            switch escaped {
            case "d": return .set(.digit)
            case "D": return .set(CharacterSet(ranges: CharacterSet.digit.ranges, negated: true))
            case "w": return .set(.word)
            case "W": return .set(CharacterSet(ranges: CharacterSet.word.ranges, negated: true))
            case "s": return .set(.space)
            case "S": return .set(CharacterSet(ranges: CharacterSet.space.ranges, negated: true))
            case "t": return .scalar("\t")
            case "n": return .scalar("\n")
            case "r": return .scalar("\r")
            case "f": return .scalar("\u{0C}")
            case "v": return .scalar("\u{0B}")
            case "A" where !inClass: return .assert(.start)
            case "z" where !inClass: return .assert(.end)
            case "b" where !inClass: return .assert(.wordBoundary)
            case "B" where !inClass: return .assert(.notWordBoundary)
            default:
                // Punctuation stands for itself; letters and digits (back-references) are refused.
                guard escaped.isASCII, !escaped.properties.isAlphabetic, !("0"..."9").contains(escaped) else { return nil }
                return .scalar(escaped)
            }
        }

        mutating func parseClass() -> Node? {
            var set = CharacterSet(ranges: [])
            if peek == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while let next = peek, next != "]" || first {
                first = false
                index += 1
                var low: UInt32
                if next == "\\" {
                    guard let escaped = parseEscape(inClass: true) else { return nil }
                    switch escaped {
                    case .scalar(let scalar): low = scalar.value
                    case .set(let inner):
                        set.ranges += inner.positive().ranges
                        continue
                    default: return nil
                    }
                } else if next == "[", peek == ":" {
                    // [:alpha:] and friends: the ASCII classes.
                    guard let close = scalars[index...].firstIndex(of: "]"), close > index + 2,
                          scalars[close - 1] == ":" else { return nil }
                    let name = String(String.UnicodeScalarView(scalars[(index + 1)..<(close - 1)]))
                    guard let ranges = Self.posixClasses[name] else { return nil }
                    set.ranges += ranges
                    index = close + 1
                    continue
                } else {
                    low = next.value
                }
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    guard var high = peek?.value else { return nil }
                    index += 1
                    if high == 92 /* \ */ {
                        guard case .scalar(let scalar)? = parseEscape(inClass: true) else { return nil }
                        high = scalar.value
                    }
                    guard high >= low else { return nil }
                    set.ranges.append(low...high)
                } else {
                    set.ranges.append(low...low)
                }
            }
            guard peek == "]" else { return nil }
            index += 1
            return .set(classSet(set))
        }

        /// A finished class: under `(?i)` every cased scalar's lower case joins it (the text is folded
        /// to lower case), once here rather than at each copy; then sorted and merged.
        func classSet(_ set: CharacterSet) -> CharacterSet {
            guard ignoreCase else { return set.normalized() }
            var result = set.normalized()
            var budget = 4096
            for range in result.ranges {
                // Wide ranges hold their lower cases already, or are not worth walking.
                guard range.count <= budget else { continue }
                budget -= range.count
                for value in range {
                    guard let scalar = Unicode.Scalar(value) else { continue }
                    let lower = LinearRegex.folded(scalar)
                    if lower != scalar { result.ranges.append(lower.value...lower.value) }
                }
            }
            return result.normalized()
        }

        static let posixClasses: [String: [ClosedRange<UInt32>]] = [
            "alpha": [65...90, 97...122], "digit": [48...57], "alnum": [48...57, 65...90, 97...122],
            "upper": [65...90], "lower": [97...122], "space": [9...13, 32...32], "blank": [9...9, 32...32],
            "punct": [33...47, 58...64, 91...96, 123...126], "xdigit": [48...57, 65...70, 97...102],
            "word": [48...57, 65...90, 95...95, 97...122], "cntrl": [0...31, 127...127], "print": [32...126],
            "graph": [33...126], "ascii": [0...127],
        ]
    }

    /// Writes a node out as instructions, counted repetitions as copies; false past the size bound.
    struct Compiler {
        let ignoreCase: Bool
        var program: [Instruction] = []

        /// Calls to `emit`: a backstop to the size bound for parts that write little.
        var calls = 0

        mutating func emit(_ node: Node) -> Bool {
            calls += 1
            guard program.count <= LinearRegex.maximumProgramSize, calls <= 100_000 else { return false }
            switch node {
            case .empty: return true
            case .scalar(let scalar): program.append(.scalar(ignoreCase ? LinearRegex.folded(scalar) : scalar))
            case .any: program.append(.any)
            case .set(let set): program.append(.set(set))
            case .assert(let kind): program.append(.assert(kind))
            case .concat(let items):
                for item in items where !emit(item) { return false }
            case .alternate(let branches):
                var jumps: [Int] = []
                for (number, branch) in branches.enumerated() {
                    if number < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        guard emit(branch) else { return false }
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        guard emit(branch) else { return false }
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeated(let inner, let low, let high):
                // A part that writes nothing (`()`, `a{0}`) repeats to nothing: never copied a thousand
                // times a thousand times.
                let before = program.count
                guard emit(inner) else { return false }
                if program.count == before { return true }
                program.removeLast(program.count - before)
                for _ in 0..<low where !emit(inner) { return false }
                if let high {
                    // Each optional copy may be skipped to the end.
                    var splits: [Int] = []
                    for _ in low..<high {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        guard emit(inner) else { return false }
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    guard emit(inner) else { return false }
                    program.append(.jump(split))
                    program[split] = .split(split + 1, program.count)
                }
            }
            return program.count <= LinearRegex.maximumProgramSize
        }

    }
}
