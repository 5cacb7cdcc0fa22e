import CorralRunner

/// `constraint`, `affinity` and `spread` blocks, at the job, group and task levels, read as Nomad's
/// jobspec reads them: `operator` defaults to `=`; a shorthand key (`version = ">= 1.2"`, `regexp`,
/// `semver`, `set_contains`, `set_contains_any`, `set_contains_all`) is the operator with its value;
/// `distinct_hosts = true` and `distinct_property = "${meta.rack}"` (its limit in `value`) stand alone.
extension JobDecoder {
    static let shorthandOperators = ["version", "semver", "regexp", "set_contains", "set_contains_any", "set_contains_all"]

    /// Every constraint, affinity and spread block of one level's body, scoped to where it was written.
    mutating func decodePlacement(_ content: BodyContent, scope: PlacementScope) {
        for block in content.blocks("constraint") {
            var unused: Int?
            if let constraint = decodeConstraint(block, schema: JobSchema.constraint, kind: "constraint", scope: scope,
                                                 weight: &unused) {
                constraints.append(constraint)
            }
        }
        for block in content.blocks("affinity") {
            var weight: Int?
            guard let rule = decodeConstraint(block, schema: JobSchema.affinity, kind: "affinity", scope: scope,
                                              weight: &weight) else { continue }
            if Constraint.valueless.contains(rule.operator) {
                diagnostics.error("affinity: operator \(quoted(rule.operator)) is for constraints only", at: block.position)
            }
            preferences.append(PlacementPreference(kind: .affinity, constraint: rule, weight: weight ?? 50))
        }
        for block in content.blocks("spread") {
            let body = block.body.content(JobSchema.spread, in: "spread", diagnostics: &diagnostics)
            var attribute = ""
            if let value = body.value("attribute"), let text = reader.string(value, "spread.attribute", &diagnostics) {
                attribute = text
            } else if body.value("attribute") == nil {
                diagnostics.error("spread: missing attribute", at: block.position)
            }
            for target in body.blocks("target") {
                let inner = target.body.content(JobSchema.spreadTarget, in: "spread.target", diagnostics: &diagnostics)
                if let value = inner.value("percent") {
                    _ = reader.integer(value, "spread.target.percent", minimum: 0, maximum: 100, &diagnostics)
                }
            }
            preferences.append(PlacementPreference(kind: .spread, constraint: Constraint(attribute: attribute, operator: "", scope: scope),
                                                   weight: weight(body, "spread") ?? 50))
        }
    }

    private mutating func weight(_ body: BodyContent, _ kind: String) -> Int? {
        guard let value = body.value("weight") else { return nil }
        return reader.integer(value, "\(kind).weight", minimum: -100, maximum: 100, &diagnostics)
    }

    /// One constraint or affinity rule; an affinity's `weight` is read into `weight`.
    private mutating func decodeConstraint(_ block: BlockView, schema: BodySchema, kind: String,
                                           scope: PlacementScope, weight: inout Int?) -> Constraint? {
        let body = block.body.content(schema, in: kind, diagnostics: &diagnostics)
        if kind == "affinity" { weight = self.weight(body, kind) }
        var constraint = Constraint(scope: scope)
        var found = true
        func text(_ key: String) -> String? {
            guard let value = body.value(key) else { return nil }
            guard let string = reader.string(value, "\(kind).\(key)", &diagnostics) else { found = false; return nil }
            return string
        }
        if let attribute = text("attribute") { constraint.attribute = attribute }
        if let value = text("value") { constraint.value = value }
        var operatorPosition = block.position
        if let value = body.value("operator"), let operation = text("operator") {
            constraint.operator = operation
            operatorPosition = value.range.start
        }
        for key in Self.shorthandOperators {
            guard let value = body.value(key), let operand = text(key) else { continue }
            if body.value("operator") != nil || body.value("value") != nil {
                diagnostics.error("\(kind).\(key): give either \(key) or operator and value, not both", at: value.range.start)
            }
            constraint.operator = key
            constraint.value = operand
            operatorPosition = value.range.start
        }
        if let value = body.value("distinct_hosts"), let flag = reader.bool(value, "\(kind).distinct_hosts", &diagnostics), flag {
            constraint.operator = "distinct_hosts"
            operatorPosition = value.range.start
        }
        if let value = body.value("distinct_property"), let property = text("distinct_property") {
            constraint.operator = "distinct_property"
            constraint.attribute = property
            operatorPosition = value.range.start
        }
        // Written as the shorthand or as operator and value (the API form): the limit is a count.
        if constraint.operator == "distinct_property", !constraint.value.isEmpty, !constraint.value.contains("${"),
           Int(constraint.value).map({ $0 < 1 }) ?? true {
            diagnostics.error("\(kind).value: the limit of distinct_property is a whole number of at least 1, got \(quoted(constraint.value))",
                              at: body.value("value")?.range.start ?? operatorPosition)
        }
        guard found else { return nil }
        guard Constraint.operators.contains(constraint.operator) else {
            diagnostics.error("\(kind).operator: unknown operator \(quoted(constraint.operator)) (Nomad's: "
                              + Constraint.operators.sorted().joined(separator: ", ") + ")", at: operatorPosition)
            return nil
        }
        if constraint.attribute.isEmpty && constraint.operator != "distinct_hosts" {
            diagnostics.error("\(kind): missing attribute (e.g. attribute = \"${attr.kernel.name}\")", at: block.position)
        }
        if constraint.value.isEmpty && !Constraint.valueless.contains(constraint.operator) {
            diagnostics.error("\(kind): missing value for operator \(quoted(constraint.operator))", at: block.position)
        }
        if constraint.operator == "regexp", !constraint.value.contains("${"), LinearRegex(constraint.value) == nil {
            diagnostics.error("\(kind).regexp: \(quoted(constraint.value)) is not a regular expression corral takes "
                              + "(RE2's syntax without back-references, look-arounds or flags other than a leading (?i); "
                              + "at most \(LinearRegex.maximumPatternLength) characters and "
                              + "\(LinearRegex.maximumProgramSize) steps once counted repetitions are written out)",
                              at: operatorPosition)
        }
        if ["version", "semver"].contains(constraint.operator), !constraint.value.contains("${"),
           LooseVersion.terms(of: constraint.value) == nil {
            diagnostics.error("\(kind).\(constraint.operator): \(quoted(constraint.value)) is not a version constraint "
                              + "(e.g. \">= 1.2, < 2.0\" or \"~> 1.2\")", at: operatorPosition)
        }
        return constraint
    }
}
