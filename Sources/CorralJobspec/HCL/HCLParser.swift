/// Parses HCL native syntax (as Nomad job files use it) into an `HCLBody`. STUB: being written.
public enum HCLParser {
    public static func parse(_ text: String, file: String) throws(JobspecError) -> HCLBody {
        throw JobspecError([JobspecDiagnostic(file: file, position: SourcePosition(line: 1, column: 1, offset: 0),
                                              message: "the HCL parser is not written yet")])
    }
}
