/// What a block's body may hold: its attributes and block types (one level of Nomad's jobspec).
/// Both front ends read a body through it, so HCL and HCL-as-JSON decode along one code path.
struct BodySchema {
    enum BlockKind {
        /// `type "NAME" { ... }`; in JSON an object keyed by name (or a list of such objects).
        case labelled
        /// `type { ... }`; in JSON an object (or a list of objects when repeated).
        case unlabelled
        /// An unlabelled block of free keys (`env`, `meta`); HCL may also write it `type = { ... }`.
        case map
    }

    var attributes: [String]
    var blocks: [(type: String, kind: BlockKind)]

    init(attributes: [String] = [], blocks: [(type: String, kind: BlockKind)] = []) {
        self.attributes = attributes
        self.blocks = blocks
    }

    func kind(ofBlock type: String) -> BlockKind? { blocks.first { $0.type == type }?.kind }
    func hasAttribute(_ name: String) -> Bool { attributes.contains(name) }
    /// Every name, attributes first, for suggestions.
    var names: [String] { attributes + blocks.map(\.type) }
}

/// One block found in a body, whichever front end it came from.
struct BlockView {
    var type: String
    /// HCL's labels; in JSON the key of the object keyed by name.
    var labels: [HCLLabel]
    var body: any BodyView
    /// Where the block is declared, for "missing ..." problems: HCL its type keyword; JSON the key
    /// naming it (the label's key for a labelled block), or its `{` when it is one of a list.
    var position: SourcePosition
}

/// A body split by a schema: its attributes by name, its blocks by type (in source order).
struct BodyContent {
    private(set) var attributes: [String: HCLAttribute] = [:]
    private(set) var blocks: [String: [BlockView]] = [:]

    /// An attribute's value; a `null` value counts as not set.
    func value(_ name: String) -> HCLExpression? {
        guard let value = attributes[name]?.value, value.kind != .null else { return nil }
        return value
    }

    func blocks(_ type: String) -> [BlockView] { blocks[type] ?? [] }

    /// Adds an attribute; one set twice is reported at the second.
    mutating func add(_ attribute: HCLAttribute, in context: String, diagnostics: inout DiagnosticCollector) {
        if let first = attributes[attribute.name] {
            diagnostics.error("duplicate attribute \(quoted(attribute.name)) in \(context) (first set at \(first.nameRange.start))",
                              at: attribute.nameRange.start)
            return
        }
        attributes[attribute.name] = attribute
    }

    mutating func add(_ block: BlockView) {
        blocks[block.type, default: []].append(block)
    }
}

/// A block's body as the decoder reads it. `HCLBodyView` reads HCL native syntax; `ObjectBodyView`
/// reads Nomad's HCL-as-JSON (and HCL object values).
protocol BodyView {
    /// The attributes and blocks `schema` names. Anything else is reported (with the closest known
    /// name), and so is an item of the wrong form (a block written as an attribute, ...).
    /// `context` names the body in messages: `task "web"`, `resources`.
    func content(_ schema: BodySchema, in context: String, diagnostics: inout DiagnosticCollector) -> BodyContent

    /// Every member as a value, for bodies of free keys (`config`, `env`, `meta`): attributes as
    /// they are, nested blocks as objects, blocks of one type given more than once as a list of
    /// objects. Keys given twice are reported (the first is kept). `path` names the body in messages.
    func members(path: String, diagnostics: inout DiagnosticCollector) -> [HCLObjectItem]
}

extension HCLExpression {
    /// `a string`, `a number`..., for "expected X, got Y".
    var kindDescription: String {
        switch kind {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a bool"
        case .null: "null"
        case .list: "a list"
        case .object: "an object"
        case .unevaluated: "an expression (this file holds literal values only)"
        }
    }

    /// An object, or a non-empty list of objects only: how JSON writes a block.
    var looksLikeBlock: Bool {
        switch kind {
        case .object: true
        case .list(let elements): !elements.isEmpty && elements.allSatisfy { if case .object = $0.kind { true } else { false } }
        default: false
        }
    }
}

/// Reports a name the schema does not know, with the closest known one; one of Nomad's that corral
/// does not take is named as such (`NomadStanzas`).
func reportUnknown(_ name: String, isBlock: Bool, at position: SourcePosition, schema: BodySchema, context: String,
                   diagnostics: inout DiagnosticCollector) {
    if let meaning = NomadStanzas.unsupported(name, inContext: context) {
        diagnostics.error("corral does not support \(quoted(name)) in \(context) (Nomad: \(meaning))", at: position)
        return
    }
    let what = isBlock ? "block" : "attribute"
    diagnostics.error("unknown \(what) \(quoted(name)) in \(context)\(suggestion(for: name, among: schema.names))", at: position)
}
