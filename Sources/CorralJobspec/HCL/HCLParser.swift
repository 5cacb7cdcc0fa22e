/// Parses HCL native syntax, as Nomad job files use it, into an `HCLBody`: attributes, blocks with
/// labels, and values: literals (strings, heredocs, numbers, bools, null, lists, objects) as such,
/// and what needs evaluating (references, function calls, operators, conditionals, for-expressions,
/// splats, templates) as `.unevaluated` expressions, which `HCLResolver` evaluates. Any syntax
/// error is thrown at its position; the first one found.
///
/// It never traps and always ends, whatever the input: nesting (blocks, lists and objects
/// together) deeper than `maximumNestingDepth` is an error rather than a deep recursion.
public enum HCLParser {
    /// How many blocks, lists and objects may be open inside one another.
    public static let maximumNestingDepth = 100

    /// The file's top-level body, its range the whole text. Throws one diagnostic, with `file`,
    /// the 1-based line and column (in Unicode scalars) and the source line.
    public static func parse(_ text: String, file: String) throws(JobspecError) -> HCLBody {
        let source = HCLSource(text, file: file)
        var lexer = HCLLexer(source: source)
        let tokens = try lexer.tokenize()
        var parser = HCLTokenParser(source: source, tokens: tokens)
        return try parser.parseFile()
    }
}

/// The recursive-descent parser over the lexer's tokens: bodies, blocks and attributes here; values
/// in `HCLExpressionParser.swift`.
struct HCLTokenParser {
    let source: HCLSource
    let tokens: [HCLToken]
    var index = 0
    /// Blocks, lists and objects open around the current token.
    var depth = 0
    /// Parentheses, brackets and calls open around the current token (newlines inside them are ignored).
    var ignoredNewlines = 0

    init(source: HCLSource, tokens: [HCLToken]) {
        self.source = source
        self.tokens = tokens
    }

    // MARK: Tokens

    var current: HCLToken { tokens[index] }

    /// The token `ahead` places after the current one (the end-of-file token past the end).
    func peek(_ ahead: Int) -> HCLToken { tokens[min(index + ahead, tokens.count - 1)] }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    mutating func skipNewlines() {
        while case .newline = current.kind { advance() }
    }

    func error(at position: SourcePosition, _ message: String) -> JobspecError {
        source.error(at: position, message)
    }

    /// Enters a block, list or object opened by `opener`, or fails if that is one level too many.
    mutating func enterNesting(at opener: HCLToken) throws(JobspecError) {
        guard depth < HCLParser.maximumNestingDepth else {
            throw error(at: opener.start, "nesting is too deep: blocks, lists, objects, operators and templates may be nested "
                + "\(HCLParser.maximumNestingDepth) levels at most")
        }
        depth += 1
    }

    // MARK: Bodies

    mutating func parseFile() throws(JobspecError) -> HCLBody {
        let items = try parseItems(inBlock: nil)
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        return HCLBody(items: items, range: SourceRange(start: start, end: current.range.end))
    }

    /// The items of a body, up to (not including) the `}` closing the block (`block` is its type and
    /// opening brace) or the end of the file at the top level. Items end at a newline, or at the `}`.
    private mutating func parseItems(inBlock block: (type: String, brace: HCLToken)?) throws(JobspecError) -> [HCLBodyItem] {
        var items: [HCLBodyItem] = []
        var attributesSeen: [String: SourcePosition] = [:]
        while true {
            skipNewlines()
            let token = current
            switch token.kind {
            case .endOfFile:
                if let block {
                    throw error(at: block.brace.start, "unterminated block: this \"{\" of block \"\(block.type)\" "
                        + "has no matching \"}\" before the end of the file")
                }
                return items
            case .symbol("}"):
                if block != nil { return items }
                throw error(at: token.start, "unexpected \"}\": there is no open block to close")
            case .identifier(let name):
                advance()
                let item = try parseItem(named: name, at: token)
                if case .attribute(let attribute) = item {
                    if let first = attributesSeen[name] {
                        throw error(at: attribute.nameRange.start, "attribute \"\(name)\" is set twice (first at \(first))")
                    }
                    attributesSeen[name] = attribute.nameRange.start
                }
                items.append(item)
                switch current.kind {
                case .newline, .endOfFile:
                    continue
                case .symbol("}") where block != nil:
                    continue
                default:
                    if case .attribute = item {
                        throw error(at: current.start, "expected a newline after the value of \"\(name)\", found \(current.description)")
                    }
                    throw error(at: current.start, "expected a newline after the \"}\" closing block \"\(name)\", "
                        + "found \(current.description)")
                }
            default:
                throw error(at: token.start, "expected an attribute name or a block type, found \(token.description)")
            }
        }
    }

    /// `name = value`, or a block `name label* { body }`; the name is consumed.
    private mutating func parseItem(named name: String, at nameToken: HCLToken) throws(JobspecError) -> HCLBodyItem {
        switch current.kind {
        case .symbol("="):
            advance()
            let value = try parseExpression()
            return .attribute(HCLAttribute(name: name, nameRange: nameToken.range, value: value))
        case .symbol("{"), .string, .identifier:
            return .block(try parseBlock(type: name, typeToken: nameToken))
        default:
            throw error(at: current.start, "expected \"=\" or \"{\" after \"\(name)\", found \(current.description)")
        }
    }

    private mutating func parseBlock(type: String, typeToken: HCLToken) throws(JobspecError) -> HCLBlock {
        var labels: [HCLLabel] = []
        while true {
            switch current.kind {
            case .string(let value, let hasTemplate):
                if hasTemplate {
                    throw error(at: current.start, "a block label cannot hold a template sequence (\"${...}\" or \"%{...}\")")
                }
                labels.append(HCLLabel(value: value, range: current.range))
                advance()
                continue
            case .identifier(let value):
                labels.append(HCLLabel(value: value, range: current.range))
                advance()
                continue
            default:
                break
            }
            break
        }
        guard current.isSymbol("{") else {
            let last = labels.last.map { "the label \"\($0.value)\"" } ?? "\"\(type)\""
            throw error(at: current.start, "expected \"{\" after \(last) to open block \"\(type)\", found \(current.description)")
        }
        let brace = current
        try enterNesting(at: brace)
        advance()
        let items = try parseItems(inBlock: (type, brace))
        let close = current  // the "}"
        advance()
        depth -= 1
        let body = HCLBody(items: items, range: SourceRange(start: brace.start, end: close.range.end))
        return HCLBlock(type: type, typeRange: typeToken.range, labels: labels, body: body,
                        range: SourceRange(start: typeToken.start, end: close.range.end))
    }
}
