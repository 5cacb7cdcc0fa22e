import CorralAPI
import CorralJobspec

/// Prints the agent's job-file diagnostics as `corral validate` prints its own: `file:line:col:
/// message`, then the source line and a caret under the column. The line comes from the agent, or
/// from the file as submitted when the agent sent none.
enum APIDiagnosticPrinter {
    static func render(_ diagnostics: [APIDiagnostic], source: String?) -> String {
        let lines = source.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        return diagnostics.map { diagnostic in
            var line = diagnostic.source ?? ""
            if line.isEmpty, let lines, diagnostic.line >= 1, diagnostic.line <= lines.count {
                line = lines[diagnostic.line - 1]
                if line.hasSuffix("\r") { line.removeLast() }
            }
            let local = JobspecDiagnostic(file: diagnostic.file,
                                          position: SourcePosition(line: diagnostic.line, column: diagnostic.column, offset: 0),
                                          message: diagnostic.message, sourceLine: line)
            return local.description + "\n"
        }.joined()
    }
}
