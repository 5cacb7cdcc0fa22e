/// `format()`'s verbs, as HCL's standard library takes them from Go: `%s %d %f %e %g %t %q %v %x %X %o %b
/// %%`, with flags (`-` `+` `0` space), a width and a precision (`%5.2f`, `%-10s`, `%08d`).
enum HCLFormat {
    static func format(_ pattern: String, _ arguments: [HCLValue], at position: SourcePosition) throws(HCLEvalError) -> String {
        var output = ""
        var characters = Array(pattern)[...]
        var next = 0
        while let character = characters.popFirst() {
            guard character == "%" else { output.append(character); continue }
            var flags = Set<Character>(), width = "", precision: String?
            while let flag = characters.first, "-+0 #".contains(flag) { flags.insert(flag); characters.removeFirst() }
            while let digit = characters.first, digit.isASCII, digit.isNumber { width.append(digit); characters.removeFirst() }
            if characters.first == "." {
                characters.removeFirst()
                var digits = ""
                while let digit = characters.first, digit.isASCII, digit.isNumber { digits.append(digit); characters.removeFirst() }
                precision = digits
            }
            guard let verb = characters.popFirst() else { throw .failed("format(): the pattern ends inside a verb", at: position) }
            if verb == "%" { output.append("%"); continue }
            guard next < arguments.count else { throw .failed("format(): too few arguments for the pattern \"\(pattern)\"", at: position) }
            let argument = arguments[next]
            next += 1
            var text: String
            switch verb {
            case "s", "v":
                if verb == "v", case .list = argument { text = HCLJSON.encode(argument) }
                else if verb == "v", case .object = argument { text = HCLJSON.encode(argument) }
                else { text = try HCLConvert.string(argument, at: position) }
                if let precision, let limit = Int(precision) { text = String(text.prefix(limit)) }
            case "q": text = HCLJSON.encode(.string(try HCLConvert.string(argument, at: position)))
            case "t": text = try HCLConvert.bool(argument, at: position) ? "true" : "false"
            case "d", "x", "X", "o", "b":
                let number = try HCLConvert.number(argument, at: position)
                guard number.rounded() == number, let whole = Int64(exactly: number) else {
                    throw .failed("format(): %\(verb) wants a whole number, got \(HCLValue.text(of: number))", at: position)
                }
                let radix = verb == "d" ? 10 : verb == "o" ? 8 : verb == "b" ? 2 : 16
                text = String(whole.magnitude, radix: radix, uppercase: verb == "X")
                if whole < 0 { text = "-" + text } else if flags.contains("+") { text = "+" + text } else if flags.contains(" ") { text = " " + text }
            case "f", "e", "g":
                let number = try HCLConvert.number(argument, at: position)
                text = fixed(number, verb: verb, precision: precision.flatMap { Int($0) })
                if number >= 0 && flags.contains("+") { text = "+" + text }
            default:
                throw .failed("format(): the verb %\(verb) is not supported", at: position)
            }
            if let width = Int(width), width > HCLEvaluator.maximumStringLength {
                throw .failed("format(): a width of \(width) is too wide", at: position)
            }
            if let width = Int(width), text.count < width {
                let padding = width - text.count
                if flags.contains("-") {
                    text += String(repeating: " ", count: padding)
                } else if flags.contains("0") && "dfeg".contains(verb) {
                    let sign = text.first == "-" || text.first == "+" ? String(text.removeFirst()) : ""
                    text = sign + String(repeating: "0", count: padding) + text
                } else {
                    text = String(repeating: " ", count: padding) + text
                }
            }
            output += text
        }
        return output
    }

    /// `%f` (6 places unless told), `%e`, `%g` (shortest).
    private static func fixed(_ number: Double, verb: Character, precision: Int?) -> String {
        if verb == "g" { return HCLValue.text(of: number) }
        let places = min(max(precision ?? 6, 0), 64)
        if verb == "e" {
            guard number != 0, number.isFinite else { return "0." + String(repeating: "0", count: places) + "e+00" }
            var exponent = Int(Glibc.floor(Glibc.log10(Swift.abs(number))))
            var mantissa = number / Glibc.pow(10, Double(exponent))
            let scale = Glibc.pow(10, Double(places))
            if (Swift.abs(mantissa) * scale).rounded() >= 10 * scale { mantissa /= 10; exponent += 1 }
            let sign = exponent < 0 ? "-" : "+"
            return fixed(mantissa, verb: "f", precision: places) + "e" + sign + (Swift.abs(exponent) < 10 ? "0" : "") + String(Swift.abs(exponent))
        }
        let scale = Glibc.pow(10, Double(places))
        let rounded = (Swift.abs(number) * scale).rounded()
        let whole = (rounded / scale).rounded(.down)
        let fraction = rounded - whole * scale
        var text = String(format: whole)
        if places > 0 {
            let digits = String(format: fraction)
            text += "." + String(repeating: "0", count: max(0, places - digits.count)) + digits
        }
        return (number < 0 && rounded != 0 ? "-" : "") + text
    }
}

private extension String {
    /// A whole, non-negative Double in digits.
    init(format value: Double) {
        self = value < 9.2e18 ? String(Int64(value)) : HCLValue.text(of: value)
    }
}

#if canImport(Glibc)
import Glibc
#endif
