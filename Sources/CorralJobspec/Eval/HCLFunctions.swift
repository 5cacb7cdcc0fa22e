import CorralSpelling
#if canImport(Glibc)
import Glibc
#endif

/// The functions of HCL's standard library that Nomad's job files use (`format`, `join`, `merge`,
/// `lookup`, `jsonencode`, `file`, ...). The file functions work only where the job file is read by its
/// author's own command (`corral run`, `validate`), with relative paths taken from the job file's
/// directory (absolute ones as they are, as in Nomad); a job sent to the agent cannot make the agent
/// read its host's files (`directory` nil refuses them).
struct HCLFunctions {
    /// The job file's directory, for `file`, `fileexists` and `abspath`; nil where files may not be read.
    var directory: String?
    /// The parse's allowance, for what a function makes before the evaluator sees it.
    var budget: HCLBudget
    /// Largest file `file()` reads.
    static let maximumFileSize = 1 << 20
    /// Longest list `range()` makes.
    static let maximumRange = 1024

    typealias Implementation = @Sendable (HCLFunctions, [HCLValue], SourcePosition) throws(HCLEvalError) -> HCLValue

    /// Each function: how many arguments it takes (nil: any number from the minimum) and what it does.
    static let table: [String: (minimum: Int, maximum: Int?, run: Implementation)] = HCLFunctionTable.all

    /// A string a function is about to make may be no longer than the evaluator's limit.
    static func checkLength(_ length: Int, at position: SourcePosition) throws(HCLEvalError) {
        if length > HCLEvaluator.maximumStringLength {
            throw .failed("this makes a string longer than \(HCLEvaluator.maximumStringLength) bytes", at: position)
        }
    }

    func call(_ name: String, _ arguments: [HCLValue], at position: SourcePosition) throws(HCLEvalError) -> HCLValue {
        guard let function = Self.table[name] else {
            var message = "there is no function named \"\(name)\""
            if let suggestion = EditDistance.closest(to: name, among: Array(Self.table.keys) + ["try", "can"]) {
                message += " (did you mean \"\(suggestion)\"?)"
            }
            throw .failed(message, at: position)
        }
        if arguments.count < function.minimum || function.maximum.map({ arguments.count > $0 }) == true {
            let wanted = function.maximum == function.minimum ? "\(function.minimum)"
                : function.maximum.map { "\(function.minimum) to \($0)" } ?? "at least \(function.minimum)"
            throw .failed("\(name)() takes \(wanted) argument\(wanted == "1" ? "" : "s"), got \(arguments.count)", at: position)
        }
        return try function.run(self, arguments, position)
    }
}
