/// A `variable "name" { type, default, description, sensitive, nullable, validation { ... } }` block.
struct VariableDeclaration {
    var position: SourcePosition
    var type: HCLType = .any
    var defaultValue: HCLValue?
    var nullable = true
    var validations: [(condition: HCLExpr, message: String)] = []

    init(block: HCLBlock, functions: HCLFunctions, diagnostics: inout DiagnosticCollector) {
        position = block.typeRange.start
        let name = block.labels[0].value
        for item in block.body.items {
            switch item {
            case .attribute(let attribute):
                switch attribute.name {
                case "type":
                    switch HCLType.parse(HCLResolver.expression(of: attribute.value)) {
                    case .success(let type): self.type = type
                    case .failure(let error): diagnostics.error("variable \(quoted(name)): type: \(error.message)", at: error.position)
                    }
                case "default":
                    defaultValue = Self.constant(attribute.value, functions: functions, what: "variable \(quoted(name)): default",
                                                 diagnostics: &diagnostics)
                case "nullable":
                    if case .bool(let flag) = attribute.value.kind { nullable = flag }
                    else { diagnostics.error("variable \(quoted(name)): nullable is true or false", at: attribute.value.range.start) }
                case "description", "sensitive":
                    break
                default:
                    diagnostics.error("unknown attribute \(quoted(attribute.name)) in variable \(quoted(name)) "
                        + "(type, default, description, sensitive, nullable)", at: attribute.nameRange.start)
                }
            case .block(let inner) where inner.type == "validation":
                var condition: HCLExpr?, message: String?
                for attribute in inner.body.attributes {
                    switch attribute.name {
                    case "condition": condition = HCLResolver.expression(of: attribute.value)
                    case "error_message":
                        if case .string(let text) = attribute.value.kind { message = text }
                        else { diagnostics.error("variable \(quoted(name)): error_message is a string", at: attribute.value.range.start) }
                    default:
                        diagnostics.error("unknown attribute \(quoted(attribute.name)) in a validation block (condition, error_message)",
                                          at: attribute.nameRange.start)
                    }
                }
                if let condition, let message { validations.append((condition, message)) }
                else { diagnostics.error("variable \(quoted(name)): a validation block needs condition and error_message", at: inner.typeRange.start) }
            case .block(let inner):
                diagnostics.error("unknown block \(quoted(inner.type)) in variable \(quoted(name)) (validation)", at: inner.typeRange.start)
            }
        }
        if let value = defaultValue {
            do { defaultValue = try type.convert(value, at: position) } catch {
                diagnostics.error("variable \(quoted(name)): the default is not a \(type.description): \(error.message)", at: position)
            }
        }
    }

    /// `variables { name = default }`: a variable of any type with that default.
    init(shorthand attribute: HCLAttribute, functions: HCLFunctions, diagnostics: inout DiagnosticCollector) {
        position = attribute.nameRange.start
        defaultValue = Self.constant(attribute.value, functions: functions, what: "variables: \(attribute.name)", diagnostics: &diagnostics)
    }

    /// A value that may use functions but no variables, locals or runner values (a default, a value in a
    /// variables file).
    static func constant(_ value: HCLExpression, functions: HCLFunctions, what: String,
                         diagnostics: inout DiagnosticCollector) -> HCLValue? {
        let evaluator = HCLEvaluator(variables: [:], locals: [:], functions: functions)
        do {
            return try evaluator.evaluate(HCLResolver.expression(of: value))
        } catch {
            diagnostics.error("\(what): \(error.message)", at: error.position)
            return nil
        }
    }

    /// Each validation's condition, with the variable's value set; a false one reports its message.
    func validate(_ name: String, evaluator: HCLEvaluator, diagnostics: inout DiagnosticCollector) {
        for (condition, message) in validations {
            do {
                if try !HCLConvert.bool(try evaluator.evaluate(condition), at: condition.range.start) {
                    diagnostics.error("variable \(quoted(name)): \(message)", at: condition.range.start)
                }
            } catch {
                diagnostics.error("variable \(quoted(name)): validation: \(error.message)", at: error.position)
            }
        }
    }
}

/// The variables' values: defaults, then the environment, the files and the assignments, each converted
/// to the variable's type. A value for an undeclared variable, or no value for one without a default, is
/// an error, as in Nomad.
enum VariableValues {
    static func assign(_ declarations: [String: VariableDeclaration], inputs: JobVariableInputs, functions: HCLFunctions,
                       diagnostics: inout DiagnosticCollector) -> [String: HCLValue] {
        let nowhere = SourcePosition(line: 0, column: 0, offset: 0)
        var values: [String: HCLValue] = [:]
        for (name, declaration) in declarations { if let value = declaration.defaultValue { values[name] = value } }

        func set(_ name: String, _ value: HCLValue, from origin: String) {
            guard let declaration = declarations[name] else {
                let known = declarations.keys.sorted()
                diagnostics.error("\(origin): there is no variable \(quoted(name)) in the job file"
                    + (known.isEmpty ? " (it declares none)" : suggestion(for: name, among: known)), at: nowhere)
                return
            }
            do {
                values[name] = try declaration.type.convert(value, at: nowhere)
            } catch {
                diagnostics.error("\(origin): not a \(declaration.type.description): \(error.message)", at: nowhere)
            }
        }
        /// A text given on the command line or in the environment: a string for a string variable, else
        /// read as an HCL value (`-var 'ports=[80, 443]'`).
        func text(_ name: String, _ text: String, from origin: String) {
            guard let declaration = declarations[name], declaration.type != .string, declaration.type != .any else {
                set(name, .string(text), from: origin)
                return
            }
            var problems = DiagnosticCollector()
            guard let body = try? HCLParser.parse("value = " + text, file: origin), let attribute = body.attributes.first,
                  let value = VariableDeclaration.constant(attribute.value, functions: functions, what: origin, diagnostics: &problems) else {
                diagnostics.error("\(origin): \(quoted(text)) is not a \(declaration.type.description)", at: nowhere)
                return
            }
            set(name, value, from: origin)
        }

        for (name, value) in inputs.environment.sorted(by: { $0.key < $1.key }) where declarations[name] != nil {
            text(name, value, from: "NOMAD_VAR_\(name)")
        }
        for file in inputs.files {
            let body: HCLBody
            do {
                body = try HCLParser.parse(file.text, file: file.name)
            } catch {
                for diagnostic in error.diagnostics { diagnostics.error("\(file.name):\(diagnostic.position): \(diagnostic.message)", at: nowhere) }
                continue
            }
            for block in body.blocks {
                diagnostics.error("\(file.name):\(block.typeRange.start): a variables file holds name = value lines only", at: nowhere)
            }
            for attribute in body.attributes {
                var problems = DiagnosticCollector()
                let origin = "\(file.name):\(attribute.nameRange.start)"
                if let value = VariableDeclaration.constant(attribute.value, functions: functions, what: origin, diagnostics: &problems) {
                    set(attribute.name, value, from: origin)
                }
                for entry in problems.entries { diagnostics.error(entry.message, at: nowhere) }
            }
        }
        for assignment in inputs.assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                diagnostics.error("-var \(quoted(assignment)): write -var NAME=VALUE", at: nowhere)
                continue
            }
            let name = String(assignment[..<equals])
            text(name, String(assignment[assignment.index(after: equals)...]), from: "-var \(name)")
        }
        for (name, declaration) in declarations.sorted(by: { $0.key < $1.key }) where values[name] == nil {
            if declaration.defaultValue == nil {
                diagnostics.error("variable \(quoted(name)) has no value: give it a default, or set it with -var \(name)=VALUE, "
                    + "a -var-file, or NOMAD_VAR_\(name)", at: declaration.position)
            }
        }
        return values
    }
}
