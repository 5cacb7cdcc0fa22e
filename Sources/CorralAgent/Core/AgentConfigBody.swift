import CorralJobspec
import CorralSpelling

/// What one body of the agent configuration may hold: attributes, and blocks with no name. A `map`
/// block holds free keys (`meta`); HCL may also write it `meta = { ... }`. A `labeled` block takes
/// one name and may be given once per name (`plugin "raw_exec" { ... }`; in JSON an object of
/// bodies by name, `"plugin": {"raw_exec": {...}}`).
struct ConfigSchema {
    var attributes: [String]
    var blocks: [String] = []
    var maps: [String] = []
    var labeled: [String] = []

    func isBlock(_ name: String) -> Bool { blocks.contains(name) || maps.contains(name) || labeled.contains(name) }
    /// Every name, for suggestions.
    var names: [String] { attributes + blocks + maps + labeled }
}

/// One body of the agent configuration (the file, `listen`, `client`, `meta`), from either syntax.
struct ConfigBody {
    enum Source {
        /// HCL native syntax: `name = value` and `type { ... }`.
        case hcl(HCLBody)
        /// A JSON object (or an HCL object value): every member is `key: value`; blocks are objects.
        case object([HCLObjectItem])
    }

    var source: Source
    /// Where the body's block was written, once it has been read as one (for messages about it as a whole).
    var position: SourcePosition?

    init(_ source: Source) {
        self.source = source
    }

    /// The body read through `schema`: its attributes (a `null` value counts as not set) and blocks
    /// by name. Unknown names (with the closest known one), names used twice, a block written as
    /// an attribute and the reverse are reported. `context` names the body in messages (`client`).
    func read(_ schema: ConfigSchema, context: String, diagnostics: inout DiagnosticCollector) -> ConfigContent {
        var content = ConfigContent()
        switch source {
        case .hcl(let body):
            for item in body.items {
                switch item {
                case .attribute(let attribute):
                    let name = attribute.name, position = attribute.nameRange.start
                    if schema.attributes.contains(name) {
                        content.addAttribute(name, attribute.value, at: position, context: context, diagnostics: &diagnostics)
                    } else if schema.maps.contains(name), case .object(let items) = attribute.value.kind {
                        content.addBlock(name, ConfigBody(.object(items)), at: position, context: context, diagnostics: &diagnostics)
                    } else if schema.maps.contains(name), attribute.value.kind == .null {
                        content.markSeen(name, isBlock: true, at: position, context: context, diagnostics: &diagnostics)
                    } else if schema.isBlock(name) {
                        diagnostics.error("\(name) is a block, not an attribute: write \(name) { ... }", at: position)
                    } else {
                        reportUnknown(name, isBlock: false, at: position, schema: schema, context: context, diagnostics: &diagnostics)
                    }
                case .block(let block):
                    let name = block.type, position = block.typeRange.start
                    if schema.labeled.contains(name) {
                        guard block.labels.count == 1, let label = block.labels.first else {
                            diagnostics.error("\(name) block takes one name: write \(name) \"NAME\" { ... }",
                                              at: block.labels.dropFirst().first?.range.start ?? position)
                            continue
                        }
                        content.addLabeledBlock(name, label: label.value, ConfigBody(.hcl(block.body)), at: position,
                                                context: context, diagnostics: &diagnostics)
                    } else if schema.isBlock(name) {
                        if let label = block.labels.first {
                            diagnostics.error("\(name) block takes no name", at: label.range.start)
                        }
                        content.addBlock(name, ConfigBody(.hcl(block.body)), at: position, context: context,
                                         diagnostics: &diagnostics)
                    } else if schema.attributes.contains(name) {
                        diagnostics.error("\(name) is an attribute, not a block: write \(name) = ...", at: position)
                    } else {
                        reportUnknown(name, isBlock: true, at: position, schema: schema, context: context, diagnostics: &diagnostics)
                    }
                }
            }
        case .object(let items):
            for item in items {
                let name = item.key, position = item.keyRange.start
                if schema.attributes.contains(name) {
                    content.addAttribute(name, item.value, at: position, context: context, diagnostics: &diagnostics)
                } else if schema.labeled.contains(name) {
                    readLabeled(name, item.value, context: context, into: &content, diagnostics: &diagnostics)
                } else if schema.isBlock(name) {
                    // `"client": {...}`, or `"client": [{...}]` as Nomad's JSON writes blocks.
                    let (bodies, isList): ([HCLExpression], Bool) = switch item.value.kind {
                    case .null: ([], false)
                    case .list(let elements): (elements, true)
                    default: ([item.value], false)
                    }
                    if bodies.isEmpty { content.markSeen(name, isBlock: true, at: position, context: context, diagnostics: &diagnostics) }
                    for body in bodies {
                        guard case .object(let bodyItems) = body.kind else {
                            diagnostics.error("\(Self.path(context, name)): expected a block (an object), found \(body.foundDescription)",
                                              at: body.range.start)
                            continue
                        }
                        content.addBlock(name, ConfigBody(.object(bodyItems)), at: isList ? body.range.start : position,
                                         context: context, diagnostics: &diagnostics)
                    }
                } else {
                    reportUnknown(name, isBlock: item.value.looksLikeBlock, at: position, schema: schema, context: context,
                                  diagnostics: &diagnostics)
                }
            }
        }
        return content
    }

    /// `"plugin": {"raw_exec": {...}}`, or Nomad's `"plugin": [{"raw_exec": [{...}]}]`: bodies by name.
    private func readLabeled(_ name: String, _ value: HCLExpression, context: String, into content: inout ConfigContent,
                             diagnostics: inout DiagnosticCollector) {
        let groups: [HCLExpression] = switch value.kind {
        case .null: []
        case .list(let elements): elements
        default: [value]
        }
        for group in groups {
            guard case .object(let items) = group.kind else {
                diagnostics.error("\(Self.path(context, name)): expected an object of blocks by name, found \(group.foundDescription)",
                                  at: group.range.start)
                continue
            }
            for item in items {
                let bodies: [HCLExpression] = if case .list(let elements) = item.value.kind { elements } else { [item.value] }
                for body in bodies {
                    guard case .object(let bodyItems) = body.kind else {
                        diagnostics.error("\(Self.path(context, name)).\(item.key): expected a block (an object), found \(body.foundDescription)",
                                          at: body.range.start)
                        continue
                    }
                    content.addLabeledBlock(name, label: item.key, ConfigBody(.object(bodyItems)), at: item.keyRange.start,
                                            context: context, diagnostics: &diagnostics)
                }
            }
        }
    }

    /// Every member of a body of free keys (`meta`) as a value; a key given twice is reported (the
    /// first is kept), and so is a nested block. `path` names the body in messages.
    func members(path: String, diagnostics: inout DiagnosticCollector) -> [HCLObjectItem] {
        var result: [HCLObjectItem] = []
        var first: [String: SourcePosition] = [:]
        func add(_ item: HCLObjectItem) {
            if let earlier = first[item.key] {
                diagnostics.error("key \(item.key.debugDescription) is set twice in \(path) (first at \(earlier))",
                                  at: item.keyRange.start)
                return
            }
            first[item.key] = item.keyRange.start
            result.append(item)
        }
        switch source {
        case .object(let items):
            items.forEach(add)
        case .hcl(let body):
            for item in body.items {
                switch item {
                case .attribute(let attribute):
                    add(HCLObjectItem(key: attribute.name, keyRange: attribute.nameRange, value: attribute.value))
                case .block(let block):
                    diagnostics.error("\(path).\(block.type): expected a string, found a block", at: block.typeRange.start)
                }
            }
        }
        return result
    }

    /// `client.meta`: a key's path from its body's (the file's keys have no prefix).
    static func path(_ context: String, _ name: String) -> String { context.isEmpty ? name : "\(context).\(name)" }

    private func reportUnknown(_ name: String, isBlock: Bool, at position: SourcePosition, schema: ConfigSchema,
                               context: String, diagnostics: inout DiagnosticCollector) {
        let place = context.isEmpty ? "the agent configuration" : context
        var message = "unknown \(isBlock ? "block" : "attribute") \(name.debugDescription) in \(place)"
        if let match = EditDistance.closest(to: name, among: schema.names) { message += " (did you mean \(match.debugDescription)?)" }
        diagnostics.error(message, at: position)
    }
}

/// A body split by its schema: attribute values and blocks by name, each name given at most once.
struct ConfigContent {
    private(set) var attributes: [String: HCLExpression] = [:]
    private(set) var blocks: [String: ConfigBody] = [:]
    /// Blocks that take a name, by type then name (`plugin "raw_exec"`).
    private(set) var labeledBlocks: [String: [String: ConfigBody]] = [:]
    /// Where each name was first given, to report it given again.
    private var first: [String: SourcePosition] = [:]

    /// Records `name` at `position`; false (and reported) when it was given before.
    @discardableResult
    mutating func markSeen(_ name: String, isBlock: Bool, at position: SourcePosition, context: String,
                           diagnostics: inout DiagnosticCollector) -> Bool {
        if let earlier = first[name] {
            let place = context.isEmpty ? "" : " in \(context)"
            diagnostics.error("\(isBlock ? "block" : "attribute") \(name.debugDescription) is set twice\(place) (first at \(earlier))",
                              at: position)
            return false
        }
        first[name] = position
        return true
    }

    mutating func addAttribute(_ name: String, _ value: HCLExpression, at position: SourcePosition, context: String,
                               diagnostics: inout DiagnosticCollector) {
        guard markSeen(name, isBlock: false, at: position, context: context, diagnostics: &diagnostics), value.kind != .null else { return }
        attributes[name] = value
    }

    mutating func addBlock(_ name: String, _ body: ConfigBody, at position: SourcePosition, context: String,
                           diagnostics: inout DiagnosticCollector) {
        guard markSeen(name, isBlock: true, at: position, context: context, diagnostics: &diagnostics) else { return }
        var body = body
        body.position = position
        blocks[name] = body
    }

    mutating func addLabeledBlock(_ name: String, label: String, _ body: ConfigBody, at position: SourcePosition, context: String,
                                  diagnostics: inout DiagnosticCollector) {
        guard markSeen("\(name) \(label.debugDescription)", isBlock: true, at: position, context: context,
                       diagnostics: &diagnostics) else { return }
        var body = body
        body.position = position
        labeledBlocks[name, default: [:]][label] = body
    }
}

extension HCLExpression {
    /// The value as a message shows it after "found": scalars as written (`true`, `5`, `"/usr"`),
    /// lists and objects by kind. Long strings are cut short.
    var foundDescription: String {
        switch kind {
        case .string(let text):
            let scalars = text.unicodeScalars
            guard scalars.count > 60 else { return text.debugDescription }
            return String(String.UnicodeScalarView(scalars.prefix(57))).debugDescription + "..."
        case .number(_, let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .list: return "a list"
        case .object: return "an object"
        case .unevaluated: return "an expression (the agent's configuration holds literal values only)"
        }
    }

    /// An object or a non-empty list of objects: how JSON writes a block.
    var looksLikeBlock: Bool {
        switch kind {
        case .object: true
        case .list(let elements): !elements.isEmpty && elements.allSatisfy { if case .object = $0.kind { true } else { false } }
        default: false
        }
    }
}
