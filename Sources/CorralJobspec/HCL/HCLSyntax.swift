/// A place in a source file: 1-based line and column (in Unicode scalars), and the UTF-8 offset.
public struct SourcePosition: Equatable, Comparable, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool { lhs.offset < rhs.offset }
    public var description: String { "\(line):\(column)" }
}

/// A span of source: from `start` up to (not including) `end`.
public struct SourceRange: Equatable, Hashable, Sendable {
    public var start: SourcePosition
    public var end: SourcePosition

    public init(start: SourcePosition, end: SourcePosition) {
        self.start = start
        self.end = end
    }
}

/// The body of an HCL file or block: its attributes and blocks, in source order.
public struct HCLBody: Equatable, Sendable {
    public var items: [HCLBodyItem]
    public var range: SourceRange

    public init(items: [HCLBodyItem], range: SourceRange) {
        self.items = items
        self.range = range
    }

    public var attributes: [HCLAttribute] {
        items.compactMap { if case .attribute(let attribute) = $0 { attribute } else { nil } }
    }

    public var blocks: [HCLBlock] {
        items.compactMap { if case .block(let block) = $0 { block } else { nil } }
    }
}

public enum HCLBodyItem: Equatable, Sendable {
    case attribute(HCLAttribute)
    case block(HCLBlock)
}

/// `name = value`.
public struct HCLAttribute: Equatable, Sendable {
    public var name: String
    public var nameRange: SourceRange
    public var value: HCLExpression

    public init(name: String, nameRange: SourceRange, value: HCLExpression) {
        self.name = name
        self.nameRange = nameRange
        self.value = value
    }
}

/// `type "label" ... { body }`.
public struct HCLBlock: Equatable, Sendable {
    public var type: String
    public var typeRange: SourceRange
    public var labels: [HCLLabel]
    public var body: HCLBody
    /// From the type to the closing brace.
    public var range: SourceRange

    public init(type: String, typeRange: SourceRange, labels: [HCLLabel], body: HCLBody, range: SourceRange) {
        self.type = type
        self.typeRange = typeRange
        self.labels = labels
        self.body = body
        self.range = range
    }
}

/// A block label: a quoted string or a bare identifier.
public struct HCLLabel: Equatable, Sendable {
    public var value: String
    public var range: SourceRange

    public init(value: String, range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// A value with where it was written: strings (`${...}` the runner fills in kept verbatim), numbers,
/// bools, null, lists and objects. Straight from the parser a value may also be `.unevaluated`;
/// `HCLResolver` evaluates every one of those before a job is decoded.
public struct HCLExpression: Equatable, Sendable {
    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    public indirect enum Kind: Equatable, Sendable {
        /// The string's value: escapes decoded (`\n`, `\t`, `\"`, `\\`, `\uXXXX`, `\UXXXXXXXX`);
        /// `${...}` and `$${` kept as written (heredocs too, with `<<-` indentation removed).
        case string(String)
        /// A number and its text as written (`3`, `1.5`, `1e3`): integers are told apart by the text.
        case number(Double, text: String)
        case bool(Bool)
        case null
        case list([HCLExpression])
        /// `{ key = value, "key" = value, key: value }`, in source order.
        case object([HCLObjectItem])
        /// An expression still to evaluate (references, calls, operators, templates): only between the
        /// parser and `HCLResolver`.
        case unevaluated(HCLExpr)
    }
}

/// One member of an object expression.
public struct HCLObjectItem: Equatable, Sendable {
    public var key: String
    public var keyRange: SourceRange
    public var value: HCLExpression

    public init(key: String, keyRange: SourceRange, value: HCLExpression) {
        self.key = key
        self.keyRange = keyRange
        self.value = value
    }
}
