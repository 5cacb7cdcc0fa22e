/// A body in Nomad's HCL-as-JSON: an object whose members the schema tells apart. An attribute is
/// a member with its value; a labelled block type maps to an object keyed by name
/// (`"group": {"api": {...}}`, or a list of such objects, or a list of bodies under one name); an
/// unlabelled block is an object (or a list of objects when repeated). HCL object values
/// (`env = { ... }`) are read through it too.
struct ObjectBodyView: BodyView {
    var items: [HCLObjectItem]

    init(_ items: [HCLObjectItem]) {
        self.items = items
    }

    func content(_ schema: BodySchema, in context: String, diagnostics: inout DiagnosticCollector) -> BodyContent {
        var content = BodyContent()
        for item in items {
            let name = item.key
            if schema.hasAttribute(name) {
                content.add(HCLAttribute(name: name, nameRange: item.keyRange, value: item.value), in: context,
                            diagnostics: &diagnostics)
            } else if let kind = schema.kind(ofBlock: name) {
                switch kind {
                case .labelled: addLabelled(item, to: &content, diagnostics: &diagnostics)
                case .unlabelled, .map: addUnlabelled(item, to: &content, diagnostics: &diagnostics)
                }
            } else {
                reportUnknown(name, isBlock: item.value.looksLikeBlock, at: item.keyRange.start, schema: schema,
                              context: context, diagnostics: &diagnostics)
            }
        }
        return content
    }

    /// `"type": {"NAME": {...}, ...}` or `"type": [{"NAME": {...}}, ...]`.
    private func addLabelled(_ item: HCLObjectItem, to content: inout BodyContent, diagnostics: inout DiagnosticCollector) {
        let type = item.key
        let expected = "\(type): expected an object of \(type) blocks by name, like {\"NAME\": {...}}"
        switch item.value.kind {
        case .null:
            return
        case .object(let named):
            for member in named { addNamed(type: type, member, to: &content, diagnostics: &diagnostics) }
        case .list(let elements):
            for element in elements {
                guard case .object(let named) = element.kind else {
                    diagnostics.error("\(expected), got \(element.kindDescription)", at: element.range.start)
                    continue
                }
                for member in named { addNamed(type: type, member, to: &content, diagnostics: &diagnostics) }
            }
        default:
            diagnostics.error("\(expected), got \(item.value.kindDescription)", at: item.value.range.start)
        }
    }

    /// `"NAME": {...}` (one block) or `"NAME": [{...}, ...]` (blocks of one name).
    private func addNamed(type: String, _ member: HCLObjectItem, to content: inout BodyContent,
                          diagnostics: inout DiagnosticCollector) {
        let label = HCLLabel(value: member.key, range: member.keyRange)
        // Blocks given as a list are placed at their own `{`, so that repeats are told apart.
        let isList = if case .list = member.value.kind { true } else { false }
        let bodies: [HCLExpression] = if case .list(let elements) = member.value.kind { elements } else { [member.value] }
        for body in bodies {
            guard case .object(let bodyItems) = body.kind else {
                diagnostics.error("\(type) \(quoted(member.key)): expected a block (an object), got \(body.kindDescription)",
                                  at: body.range.start)
                continue
            }
            content.add(BlockView(type: type, labels: [label], body: ObjectBodyView(bodyItems),
                                  position: isList ? body.range.start : member.keyRange.start))
        }
    }

    /// `"type": {...}` or `"type": [{...}, ...]`.
    private func addUnlabelled(_ item: HCLObjectItem, to content: inout BodyContent, diagnostics: inout DiagnosticCollector) {
        let bodies: [HCLExpression]
        let isList: Bool
        switch item.value.kind {
        case .null: return
        case .list(let elements): (bodies, isList) = (elements, true)
        default: (bodies, isList) = ([item.value], false)
        }
        for body in bodies {
            guard case .object(let bodyItems) = body.kind else {
                diagnostics.error("\(item.key): expected a block (an object), got \(body.kindDescription)", at: body.range.start)
                continue
            }
            content.add(BlockView(type: item.key, labels: [], body: ObjectBodyView(bodyItems),
                                  position: isList ? body.range.start : item.keyRange.start))
        }
    }

    func members(path: String, diagnostics: inout DiagnosticCollector) -> [HCLObjectItem] {
        var result: [HCLObjectItem] = []
        var firstKey: [String: SourcePosition] = [:]
        for item in items {
            if let first = firstKey[item.key] {
                diagnostics.error("duplicate key \(quoted(item.key)) in \(path) (first at \(first))", at: item.keyRange.start)
                continue
            }
            firstKey[item.key] = item.keyRange.start
            result.append(item)
        }
        return result
    }
}
