/// A problem evaluating an expression, at its place; or a name only the runner can fill in.
enum HCLEvalError: Error {
    case failed(String, at: SourcePosition)
    /// A reference to a name that is neither a variable nor a local nor an iterator (`attr`, `node`,
    /// `meta`, `NOMAD_ALLOC_ID`): a template keeps such an interpolation as written, for the runner.
    case runtimeReference(String, at: SourcePosition)

    var message: String {
        switch self {
        case .failed(let message, _): message
        case .runtimeReference(let name, _):
            "there is no variable named \"\(name)\": declare it with a variable block and use var.\(name), or, for "
                + "what corral fills in when the task starts (attr., node., meta., NOMAD_...), write it in a string: \"${\(name)...}\""
        }
    }

    var position: SourcePosition {
        switch self {
        case .failed(_, let position), .runtimeReference(_, let position): position
        }
    }
}

/// Evaluates expressions against the job file's variables (`var.NAME`), its locals (`local.NAME`,
/// evaluated when first used, a cycle refused) and the iterators in scope. Bounded: every step and every
/// value made counts against a budget, so no job file can make the parse run long or grow large.
final class HCLEvaluator {
    /// `var`, and the iterators of the for-expressions and dynamic blocks being evaluated.
    private(set) var scope: [String: HCLValue]
    private let locals: [String: HCLExpr]
    private var localValues: [String: HCLValue] = [:]
    private var localsBeingEvaluated: [String] = []
    let functions: HCLFunctions
    /// Shared by every evaluator of one parse.
    let budget: HCLBudget
    /// The longest string a value may be.
    static let maximumStringLength = 1 << 20
    /// How deep lists and objects may nest in a local's value.
    static let maximumLocalDepth = 64
    /// How deep evaluations may nest, locals included.
    static let maximumNesting = 400
    private var nesting = 0

    /// The evaluator spends from `functions.budget`, the parse's one allowance.
    init(variables: [String: HCLValue], locals: [String: HCLExpr], functions: HCLFunctions) {
        scope = ["var": .object(variables)]
        self.locals = locals
        self.functions = functions
        self.budget = functions.budget
    }

    /// Evaluates with `bindings` added to the scope (an iterator), then takes them away.
    func with<T>(_ bindings: [String: HCLValue], _ work: () throws(HCLEvalError) -> T) throws(HCLEvalError) -> T {
        let saved = scope
        for (name, value) in bindings { scope[name] = value }
        defer { scope = saved }
        return try work()
    }

    func spend(_ steps: Int, at position: SourcePosition) throws(HCLEvalError) {
        try budget.spend(steps, at: position)
    }

    // MARK: Expressions

    func evaluate(_ expression: HCLExpr) throws(HCLEvalError) -> HCLValue {
        try spend(1, at: expression.range.start)
        let at = expression.range.start
        // An expression is at most 100 levels deep, but locals used inside locals stack theirs: bounded
        // here, so no job file can run the evaluation out of stack.
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else {
            throw .failed("expressions (with the locals they use) are nested more than \(Self.maximumNesting) levels deep", at: at)
        }
        switch expression.kind {
        case .literal(let literal):
            guard let value = HCLValue(literal: literal) else { throw .failed("cannot evaluate this value", at: at) }
            try budget.charge(value, at: at)
            return value
        case .template(let parts):
            return .string(try template(parts, at: at))
        case .variable(let name):
            if let value = scope[name] { return value }
            if name == "local" { return .object(try allLocals(at: at)) }
            throw .runtimeReference(name, at: at)
        case .attribute(let base, let name):
            if case .variable("local") = base.kind, scope["local"] == nil { return try local(name, at: expression.range.start) }
            return try attribute(name, of: try evaluate(base), at: at, base: base)
        case .index(let base, let key):
            return try index(try evaluate(base), key: try evaluate(key), at: key.range.start)
        case .splat(let source, let steps):
            let value = try evaluate(source)
            let elements: [HCLValue] = switch value {
            case .null: []
            case .list(let elements): elements
            default: [value]
            }
            var results: [HCLValue] = []
            for element in elements {
                var current = element
                for step in steps {
                    switch step {
                    case .attribute(let name): current = try attribute(name, of: current, at: at, base: source)
                    case .index(let key): current = try index(current, key: try evaluate(key), at: key.range.start)
                    }
                }
                results.append(current)
            }
            let list = HCLValue.list(results)
            try budget.charge(list, at: at)
            return list
        case .call(let name, let arguments, let expandsLast):
            return try call(name, arguments, expandsLast: expandsLast, at: at)
        case .unary(let op, let operand):
            let value = try evaluate(operand)
            if op == "!" { return .bool(!(try HCLConvert.bool(value, at: operand.range.start))) }
            return .number(-(try HCLConvert.number(value, at: operand.range.start)))
        case .binary(let op, let left, let right):
            return try binary(op, left, right)
        case .conditional(let condition, let whenTrue, let whenFalse):
            let chosen = try HCLConvert.bool(try evaluate(condition), at: condition.range.start)
            return try evaluate(chosen ? whenTrue : whenFalse)
        case .tuple(let elements):
            var values: [HCLValue] = []
            for element in elements { values.append(try evaluate(element)) }
            // What a reference shares is counted in full where it is put: no value outgrows what was paid.
            try budget.charge(.list(values), at: at)
            return .list(values)
        case .object(let members):
            var values: [String: HCLValue] = [:]
            for member in members {
                let key = try HCLConvert.string(try objectKey(member.key), at: member.key.range.start)
                values[key] = try evaluate(member.value)
            }
            try budget.charge(.object(values), at: at)
            return .object(values)
        case .forTuple(let clause, let result):
            var values: [HCLValue] = []
            try forEach(clause) { () throws(HCLEvalError) in
                let value = try evaluate(result)
                try budget.charge(value, at: at)
                values.append(value)
            }
            return .list(values)
        case .forObject(let clause, let keyExpression, let valueExpression, let grouped):
            var values: [String: HCLValue] = [:]
            var groups: [String: [HCLValue]] = [:]
            try forEach(clause) { () throws(HCLEvalError) in
                let key = try HCLConvert.string(try evaluate(keyExpression), at: keyExpression.range.start)
                let value = try evaluate(valueExpression)
                try budget.charge(value, at: at)
                if grouped {
                    groups[key, default: []].append(value)
                } else {
                    if values[key] != nil {
                        throw .failed("the for-expression makes the key \"\(key)\" twice (write \"...\" after the value to group them)",
                                      at: keyExpression.range.start)
                    }
                    values[key] = value
                }
            }
            return grouped ? .object(groups.mapValues { .list($0) }) : .object(values)
        }
    }

    /// An object key written as a bare name is its text; any other key is evaluated.
    private func objectKey(_ key: HCLExpr) throws(HCLEvalError) -> HCLValue {
        if case .variable(let name) = key.kind { return .string(name) }
        return try evaluate(key)
    }

    /// A template's text: interpolations evaluated and converted to strings; one that names what the
    /// runner fills in (`${NOMAD_ALLOC_DIR}`, `${attr.kernel.name}`) stays as written, for the runner.
    func template(_ parts: [HCLExpr.TemplatePart], at position: SourcePosition) throws(HCLEvalError) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal):
                text += literal
            case .interpolation(let expression, let source):
                do {
                    let piece = try HCLConvert.string(try evaluate(expression), at: expression.range.start)
                    try checkLength(piece, at: position, adding: text.utf8.count)
                    text += piece
                } catch .runtimeReference {
                    text += source
                }
            }
            try checkLength(text, at: position)
        }
        try budget.spendBytes(text.utf8.count, at: position)
        return text
    }

    /// No string grows past `maximumStringLength` (checked before it is made, `adding` to what is there).
    func checkLength(_ text: String, at position: SourcePosition, adding existing: Int = 0) throws(HCLEvalError) {
        if text.utf8.count + existing > Self.maximumStringLength {
            throw .failed("this makes a string longer than \(Self.maximumStringLength) bytes", at: position)
        }
    }

    private func forEach(_ clause: HCLExpr.ForClause, _ body: () throws(HCLEvalError) -> Void) throws(HCLEvalError) {
        let collection = try evaluate(clause.collection)
        let pairs: [(HCLValue, HCLValue)]
        switch collection {
        case .list(let elements): pairs = elements.enumerated().map { (.number(Double($0.offset)), $0.element) }
        case .object(let members): pairs = members.keys.sorted().map { (.string($0), members[$0]!) }
        case .null: throw .failed("a for-expression cannot iterate over null", at: clause.collection.range.start)
        default: throw .failed("a for-expression iterates over a list or an object, not a \(collection.typeName)", at: clause.collection.range.start)
        }
        for (key, value) in pairs {
            try spend(1, at: clause.collection.range.start)
            var bindings = [clause.valueName: value]
            if let keyName = clause.keyName { bindings[keyName] = key }
            try with(bindings) { () throws(HCLEvalError) in
                if let condition = clause.condition {
                    guard try HCLConvert.bool(try evaluate(condition), at: condition.range.start) else { return }
                }
                try body()
            }
        }
    }

    // MARK: Traversal

    private func attribute(_ name: String, of value: HCLValue, at: SourcePosition, base: HCLExpr) throws(HCLEvalError) -> HCLValue {
        switch value {
        case .object(let members):
            if let member = members[name] { return member }
            if case .variable("var") = base.kind {
                throw .failed("there is no variable named \"\(name)\": declare it with a variable block", at: at)
            }
            throw .failed("this object has no attribute \"\(name)\"", at: at)
        case .list(let elements):
            if let index = Int(name), elements.indices.contains(index) { return elements[index] }
            throw .failed("a list has no attribute \"\(name)\" (a list is indexed: [0])", at: at)
        case .null:
            throw .failed("cannot read \"\(name)\" of null", at: at)
        default:
            throw .failed("a \(value.typeName) has no attribute \"\(name)\"", at: at)
        }
    }

    private func index(_ value: HCLValue, key: HCLValue, at: SourcePosition) throws(HCLEvalError) -> HCLValue {
        switch value {
        case .list(let elements):
            let number = try HCLConvert.number(key, at: at)
            guard number.rounded() == number, let index = Int(exactly: number), elements.indices.contains(index) else {
                throw .failed("the index \(HCLValue.text(of: number)) is outside the list (it has \(elements.count) elements)", at: at)
            }
            return elements[index]
        case .object(let members):
            let name = try HCLConvert.string(key, at: at)
            guard let member = members[name] else { throw .failed("there is no key \"\(name)\" in this map", at: at) }
            return member
        case .null:
            throw .failed("cannot index null", at: at)
        default:
            throw .failed("a \(value.typeName) cannot be indexed", at: at)
        }
    }

    // MARK: Locals

    private func local(_ name: String, at: SourcePosition) throws(HCLEvalError) -> HCLValue {
        if let value = localValues[name] { return value }
        guard let expression = locals[name] else {
            throw .failed("there is no local value named \"\(name)\": declare it in a locals block", at: at)
        }
        if localsBeingEvaluated.contains(name) {
            throw .failed("the local values refer to one another in a cycle: "
                + (localsBeingEvaluated + [name]).map { "local.\($0)" }.joined(separator: " -> "), at: at)
        }
        guard localsBeingEvaluated.count < 100 else { throw .failed("local values refer to one another more than 100 deep", at: at) }
        localsBeingEvaluated.append(name)
        defer { localsBeingEvaluated.removeLast() }
        // A local sees the variables and the other locals, never an iterator of where it is used.
        let saved = scope
        scope = ["var": saved["var"] ?? .object([:])]
        defer { scope = saved }
        let value = try evaluate(expression)
        // Locals refer to locals: without a bound their values could nest thousands of levels deep.
        guard value.depth <= Self.maximumLocalDepth else {
            throw .failed("local.\(name) is nested more than \(Self.maximumLocalDepth) levels deep", at: expression.range.start)
        }
        localValues[name] = value
        return value
    }

    func allLocals(at: SourcePosition) throws(HCLEvalError) -> [String: HCLValue] {
        var values: [String: HCLValue] = [:]
        for name in locals.keys.sorted() { values[name] = try local(name, at: at) }
        try budget.charge(.object(values), at: at)
        return values
    }

    // MARK: Operators

    private func binary(_ op: String, _ left: HCLExpr, _ right: HCLExpr) throws(HCLEvalError) -> HCLValue {
        // The logical operators evaluate their right side only when it decides.
        if op == "&&" || op == "||" {
            let first = try HCLConvert.bool(try evaluate(left), at: left.range.start)
            if op == "&&" && !first { return .bool(false) }
            if op == "||" && first { return .bool(true) }
            return .bool(try HCLConvert.bool(try evaluate(right), at: right.range.start))
        }
        let a = try evaluate(left), b = try evaluate(right)
        switch op {
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        default: break
        }
        let x = try HCLConvert.number(a, at: left.range.start), y = try HCLConvert.number(b, at: right.range.start)
        switch op {
        case "+": return .number(x + y)
        case "-": return .number(x - y)
        case "*": return .number(x * y)
        case "/":
            guard y != 0 else { throw .failed("division by zero", at: right.range.start) }
            return .number(x / y)
        case "%":
            guard y != 0 else { throw .failed("modulo by zero", at: right.range.start) }
            return .number(x.truncatingRemainder(dividingBy: y))
        case "<": return .bool(x < y)
        case ">": return .bool(x > y)
        case "<=": return .bool(x <= y)
        default: return .bool(x >= y)
        }
    }

    // MARK: Calls

    private func call(_ name: String, _ arguments: [HCLExpr], expandsLast: Bool, at: SourcePosition) throws(HCLEvalError) -> HCLValue {
        // try() and can() see their argument's failure, so they evaluate it themselves.
        if name == "try" || name == "can" {
            guard !arguments.isEmpty, name == "try" || arguments.count == 1 else {
                throw .failed("\(name)() takes \(name == "can" ? "one argument" : "at least one argument")", at: at)
            }
            for argument in arguments {
                do {
                    let value = try evaluate(argument)
                    return name == "can" ? .bool(true) : value
                } catch .failed {
                    continue
                }
            }
            if name == "can" { return .bool(false) }
            throw .failed("no argument of try() could be evaluated", at: at)
        }
        var values: [HCLValue] = []
        for argument in arguments { values.append(try evaluate(argument)) }
        if expandsLast, let last = values.popLast() {
            guard case .list(let elements) = last else {
                throw .failed("\"...\" expands a list, not a \(last.typeName)", at: arguments.last!.range.start)
            }
            values += elements
        }
        let result = try functions.call(name, values, at: at)
        if case .string(let text) = result { try checkLength(text, at: at) }
        try budget.charge(result, at: at)
        return result
    }

}
