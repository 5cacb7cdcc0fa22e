/// HCL's automatic conversions between strings, numbers and bools, with the error a job file's author
/// sees when a value cannot be converted.
enum HCLConvert {
    static func string(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return HCLValue.text(of: number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: throw .failed("a null value cannot be used as a string", at: position)
        default: throw .failed("a \(value.typeName) cannot be used as a string", at: position)
        }
    }

    static func number(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> Double {
        switch value {
        case .number(let number): return number
        case .string(let text):
            guard let number = Double(text.trimmingSpaces), number.isFinite else {
                throw .failed("the string \"\(text)\" is not a number", at: position)
            }
            return number
        case .null: throw .failed("a null value cannot be used as a number", at: position)
        default: throw .failed("a \(value.typeName) cannot be used as a number", at: position)
        }
    }

    static func integer(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> Int {
        let number = try number(value, at: position)
        guard number.rounded() == number, let whole = Int(exactly: number) else {
            throw .failed("expected a whole number, got \(HCLValue.text(of: number))", at: position)
        }
        return whole
    }

    static func bool(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        case .null: throw .failed("a null value cannot be used as a bool", at: position)
        default: throw .failed("a \(value.typeName) cannot be used as a bool", at: position)
        }
    }

    static func list(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> [HCLValue] {
        guard case .list(let elements) = value else { throw .failed("expected a list, got a \(value.typeName)", at: position) }
        return elements
    }

    static func object(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) -> [String: HCLValue] {
        guard case .object(let members) = value else { throw .failed("expected a map or an object, got a \(value.typeName)", at: position) }
        return members
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: blank).reversed().drop(while: blank).reversed())
    }
}
