/// Evaluates a parsed job file as Nomad's HCL2 does before the job is read: its `variable` blocks take
/// their values (defaults, then `NOMAD_VAR_<name>`, `-var-file`, `-var`), checked against their `type` and
/// `validation` blocks; `locals` blocks name values; every expression is evaluated (`var.`, `local.`,
/// functions, operators, for-expressions) and `dynamic` blocks are expanded. What the runner fills in when
/// a task starts (`${NOMAD_...}`, `${attr....}`, `${node....}`, `${meta....}`) stays as written.
///
/// Every problem is reported at its place; the returned body holds literal values only.
enum HCLResolver {
    static func resolve(_ body: HCLBody, inputs: JobVariableInputs, directory: String?,
                        diagnostics: inout DiagnosticCollector) -> HCLBody {
        // One allowance for the whole file: defaults, variable files and values, locals and the body.
        let functions = HCLFunctions(directory: directory, budget: HCLBudget())
        var declarations: [String: VariableDeclaration] = [:]
        var localExpressions: [String: HCLExpr] = [:]
        var kept: [HCLBodyItem] = []
        for item in body.items {
            guard case .block(let block) = item else { kept.append(item); continue }
            switch block.type {
            case "variable":
                guard block.labels.count == 1 else {
                    diagnostics.error("a variable block takes one label, its name: variable \"name\" { ... }", at: block.typeRange.start)
                    continue
                }
                let name = block.labels[0].value
                if let first = declarations[name] {
                    diagnostics.error("variable \(quoted(name)) is declared twice (first at \(first.position))", at: block.typeRange.start)
                    continue
                }
                declarations[name] = VariableDeclaration(block: block, functions: functions, diagnostics: &diagnostics)
            case "variables":
                for attribute in block.body.attributes where declarations[attribute.name] == nil {
                    declarations[attribute.name] = VariableDeclaration(shorthand: attribute, functions: functions, diagnostics: &diagnostics)
                }
            case "locals":
                for attribute in block.body.attributes {
                    if localExpressions[attribute.name] != nil {
                        diagnostics.error("local value \(quoted(attribute.name)) is set twice", at: attribute.nameRange.start)
                        continue
                    }
                    localExpressions[attribute.name] = expression(of: attribute.value)
                }
                for inner in block.body.blocks {
                    diagnostics.error("a locals block holds attributes only (name = value), not \(quoted(inner.type)) blocks", at: inner.typeRange.start)
                }
            default:
                kept.append(item)
            }
        }
        let variables = VariableValues.assign(declarations, inputs: inputs, functions: functions, diagnostics: &diagnostics)
        // Without every variable's value, each use would only repeat the problem: those are reported alone.
        guard diagnostics.isEmpty else { return HCLBody(items: [], range: body.range) }
        let evaluator = HCLEvaluator(variables: variables, locals: localExpressions, functions: functions)
        for (name, declaration) in declarations.sorted(by: { $0.key < $1.key }) {
            declaration.validate(name, evaluator: evaluator, diagnostics: &diagnostics)
        }
        // Every local is evaluated, used or not: a mistake in one is reported all the same.
        for name in localExpressions.keys.sorted() {
            do {
                _ = try evaluator.evaluate(HCLExpr(.attribute(HCLExpr(.variable("local"), range: localExpressions[name]!.range), name),
                                                   range: localExpressions[name]!.range))
            } catch {
                diagnostics.error("local.\(name): \(error.message)", at: error.position)
            }
        }
        var resolver = BodyResolver(evaluator: evaluator)
        let items = resolver.resolve(kept, diagnostics: &diagnostics)
        return HCLBody(items: items, range: body.range)
    }

    /// A value as an expression to evaluate (a literal is one too).
    static func expression(of value: HCLExpression) -> HCLExpr {
        if case .unevaluated(let expression) = value.kind { return expression }
        return HCLExpr(.literal(value), range: value.range)
    }
}

/// Walks a body, evaluating its values and expanding its `dynamic` blocks.
private struct BodyResolver {
    let evaluator: HCLEvaluator

    mutating func resolve(_ items: [HCLBodyItem], diagnostics: inout DiagnosticCollector) -> [HCLBodyItem] {
        var resolved: [HCLBodyItem] = []
        for item in items {
            switch item {
            case .attribute(var attribute):
                guard let value = value(attribute.value, diagnostics: &diagnostics) else { continue }
                attribute.value = value
                resolved.append(.attribute(attribute))
            case .block(let block) where block.type == "dynamic":
                resolved += expand(block, diagnostics: &diagnostics).map { .block($0) }
            case .block(var block):
                block.body.items = resolve(block.body.items, diagnostics: &diagnostics)
                resolved.append(.block(block))
            }
        }
        return resolved
    }

    /// A literal as it is; an expression evaluated (a template keeps what the runner fills in).
    func value(_ value: HCLExpression, diagnostics: inout DiagnosticCollector) -> HCLExpression? {
        do {
            // Every value the body ends with is paid for: a dynamic block copies its content's literals
            // once per element, at no other cost.
            guard case .unevaluated(let expression) = value.kind else {
                if let literal = HCLValue(literal: value) { try evaluator.budget.charge(literal, at: value.range.start) }
                return value
            }
            let lowered = try lower(expression)
            if let literal = HCLValue(literal: lowered) { try evaluator.budget.charge(literal, at: value.range.start) }
            return lowered
        } catch {
            diagnostics.error(error.message, at: error.position)
            return nil
        }
    }

    /// A list or object written out keeps its elements' places and its keys' order; anything else is
    /// evaluated and takes the expression's place.
    private func lower(_ expression: HCLExpr) throws(HCLEvalError) -> HCLExpression {
        switch expression.kind {
        case .literal(let literal):
            return literal
        case .tuple(let elements):
            var lowered: [HCLExpression] = []
            for element in elements { lowered.append(try lower(element)) }
            return HCLExpression(.list(lowered), range: expression.range)
        case .object(let members):
            var items: [HCLObjectItem] = []
            var seen: Set<String> = []
            for member in members {
                let key: String
                if case .variable(let name) = member.key.kind { key = name }
                else { key = try HCLConvert.string(try evaluator.evaluate(member.key), at: member.key.range.start) }
                guard seen.insert(key).inserted else {
                    throw .failed("key \(quoted(key)) is set twice in this object", at: member.key.range.start)
                }
                items.append(HCLObjectItem(key: key, keyRange: member.key.range, value: try lower(member.value)))
            }
            return HCLExpression(.object(items), range: expression.range)
        default:
            return try evaluator.evaluate(expression).expression(at: expression.range)
        }
    }

    /// `dynamic "LABEL" { for_each = ..., iterator = NAME, labels = [...], content { ... } }`: a `LABEL`
    /// block per element, its content evaluated with `NAME.key` and `NAME.value` (NAME: the label
    /// unless `iterator` says otherwise).
    private mutating func expand(_ block: HCLBlock, diagnostics: inout DiagnosticCollector) -> [HCLBlock] {
        guard block.labels.count == 1 else {
            diagnostics.error("a dynamic block takes one label, the type of the blocks it makes: dynamic \"port\" { ... }", at: block.typeRange.start)
            return []
        }
        let type = block.labels[0].value
        var forEach: HCLExpression?, iterator = type, labels: HCLExpression?, content: HCLBlock?
        for item in block.body.items {
            switch item {
            case .attribute(let attribute) where attribute.name == "for_each": forEach = attribute.value
            case .attribute(let attribute) where attribute.name == "labels": labels = attribute.value
            case .attribute(let attribute) where attribute.name == "iterator":
                if case .unevaluated(let expression) = attribute.value.kind, case .variable(let name) = expression.kind {
                    iterator = name
                } else {
                    diagnostics.error("dynamic \(quoted(type)): iterator is a bare name (iterator = item)", at: attribute.value.range.start)
                }
            case .block(let inner) where inner.type == "content" && inner.labels.isEmpty:
                if content != nil { diagnostics.error("dynamic \(quoted(type)): one content block only", at: inner.typeRange.start) }
                content = inner
            case .attribute(let attribute):
                diagnostics.error("dynamic \(quoted(type)): unknown attribute \(quoted(attribute.name)) (for_each, iterator, labels, content)", at: attribute.nameRange.start)
            case .block(let inner):
                diagnostics.error("dynamic \(quoted(type)): unknown block \(quoted(inner.type)) (content)", at: inner.typeRange.start)
            }
        }
        guard let forEach, let content else {
            diagnostics.error("dynamic \(quoted(type)): needs for_each and a content block", at: block.typeRange.start)
            return []
        }
        let collection: HCLValue
        do {
            collection = try evaluator.evaluate(HCLResolver.expression(of: forEach))
        } catch {
            diagnostics.error("dynamic \(quoted(type)): for_each: \(error.message)", at: error.position)
            return []
        }
        let pairs: [(HCLValue, HCLValue)]
        switch collection {
        case .list(let elements): pairs = elements.enumerated().map { (.number(Double($0.offset)), $0.element) }
        case .object(let members): pairs = members.keys.sorted().map { (.string($0), members[$0]!) }
        default:
            diagnostics.error("dynamic \(quoted(type)): for_each must be a list or a map, got a \(collection.typeName)", at: forEach.range.start)
            return []
        }
        var blocks: [HCLBlock] = []
        for (key, element) in pairs {
            do { try evaluator.budget.spend(1 + content.body.items.count, at: block.typeRange.start) } catch {
                diagnostics.error(error.message, at: error.position)
                return blocks
            }
            let binding: [String: HCLValue] = [iterator: .object(["key": key, "value": element])]
            var expanded: HCLBlock?
            var problems = DiagnosticCollector()
            var me = self
            _ = try? evaluator.with(binding) { () throws(HCLEvalError) in
                var made = HCLBlock(type: type, typeRange: block.typeRange, labels: [], body: content.body, range: block.range)
                if let labels, let values = me.value(labels, diagnostics: &problems) {
                    guard case .list(let elements) = values.kind else {
                        problems.error("dynamic \(quoted(type)): labels must be a list of strings", at: labels.range.start)
                        return
                    }
                    for element in elements {
                        guard case .string(let text) = element.kind else {
                            problems.error("dynamic \(quoted(type)): labels must be a list of strings", at: labels.range.start)
                            return
                        }
                        made.labels.append(HCLLabel(value: text, range: labels.range))
                    }
                }
                made.body.items = me.resolve(content.body.items, diagnostics: &problems)
                expanded = made
            }
            for entry in problems.entries { diagnostics.error(entry.message, at: entry.position) }
            if let expanded { blocks.append(expanded) }
        }
        return blocks
    }
}
