/// A body in HCL native syntax, read through a schema: attributes are `name = value`, blocks are
/// `type "label" { ... }`.
struct HCLBodyView: BodyView {
    var body: HCLBody

    init(_ body: HCLBody) {
        self.body = body
    }

    func content(_ schema: BodySchema, in context: String, diagnostics: inout DiagnosticCollector) -> BodyContent {
        var content = BodyContent()
        for item in body.items {
            switch item {
            case .attribute(let attribute):
                let name = attribute.name
                if schema.hasAttribute(name) {
                    content.add(attribute, in: context, diagnostics: &diagnostics)
                } else if let kind = schema.kind(ofBlock: name) {
                    // `env = { K = "v" }`: a map block may be written as an object attribute.
                    if kind == .map, case .object(let items) = attribute.value.kind {
                        content.add(BlockView(type: name, labels: [], body: ObjectBodyView(items),
                                              position: attribute.nameRange.start))
                    } else if kind == .map, attribute.value.kind == .null {
                        continue
                    } else {
                        let form = kind == .labelled ? "\(name) \"NAME\" { ... }" : "\(name) { ... }"
                        diagnostics.error("\(name) is a block, not an attribute: write \(form)", at: attribute.nameRange.start)
                    }
                } else {
                    reportUnknown(name, isBlock: false, at: attribute.nameRange.start, schema: schema, context: context,
                                  diagnostics: &diagnostics)
                }
            case .block(let block):
                guard let kind = schema.kind(ofBlock: block.type) else {
                    if schema.hasAttribute(block.type) {
                        diagnostics.error("\(block.type) is an attribute, not a block: write \(block.type) = ...",
                                          at: block.typeRange.start)
                    } else {
                        reportUnknown(block.type, isBlock: true, at: block.typeRange.start, schema: schema, context: context,
                                      diagnostics: &diagnostics)
                    }
                    continue
                }
                var labels = block.labels
                switch kind {
                case .labelled:
                    if labels.isEmpty {
                        diagnostics.error("\(block.type) block needs a name: \(block.type) \"NAME\" { ... }", at: block.typeRange.start)
                    } else if labels.count > 1 {
                        diagnostics.error("\(block.type) block takes one name, got \(labels.count)", at: labels[1].range.start)
                        labels = [labels[0]]
                    }
                case .unlabelled, .map:
                    if let first = labels.first {
                        diagnostics.error("\(block.type) block takes no name", at: first.range.start)
                        labels = []
                    }
                }
                content.add(BlockView(type: block.type, labels: labels, body: HCLBodyView(block.body),
                                      position: block.typeRange.start))
            }
        }
        return content
    }

    func members(path: String, diagnostics: inout DiagnosticCollector) -> [HCLObjectItem] {
        var result: [HCLObjectItem] = []
        var firstKey: [String: SourcePosition] = [:]
        var blockTypes: [String] = []
        var blocksByType: [String: [HCLBlock]] = [:]
        for item in body.items {
            switch item {
            case .attribute(let attribute):
                if let first = firstKey[attribute.name] {
                    diagnostics.error("duplicate key \(quoted(attribute.name)) in \(path) (first at \(first))",
                                      at: attribute.nameRange.start)
                    continue
                }
                firstKey[attribute.name] = attribute.nameRange.start
                result.append(HCLObjectItem(key: attribute.name, keyRange: attribute.nameRange, value: attribute.value))
            case .block(let block):
                if let label = block.labels.first {
                    diagnostics.error("blocks in \(path) take no name", at: label.range.start)
                }
                if blocksByType[block.type] == nil { blockTypes.append(block.type) }
                blocksByType[block.type, default: []].append(block)
            }
        }
        for type in blockTypes {
            let blocks = blocksByType[type] ?? []
            guard let first = blocks.first, let last = blocks.last else { continue }
            if let firstAttribute = firstKey[type] {
                diagnostics.error("duplicate key \(quoted(type)) in \(path) (first at \(firstAttribute))", at: first.typeRange.start)
                continue
            }
            let objects = blocks.map { block in
                HCLExpression(.object(HCLBodyView(block.body).members(path: "\(path).\(type)", diagnostics: &diagnostics)),
                              range: block.range)
            }
            let value = objects.count == 1
                ? objects[0] : HCLExpression(.list(objects), range: SourceRange(start: first.range.start, end: last.range.end))
            result.append(HCLObjectItem(key: type, keyRange: first.typeRange, value: value))
        }
        return result
    }
}
