import CorralDriver
import CorralRunner
// TEMPORARY until the decoder lands.
extension Jobspec {
    public static func load(path: String, drivers: [String: ConfigSchema] = [:]) throws(JobspecError) -> Job {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobspecError([JobspecDiagnostic(file: path, position: SourcePosition(line: 1, column: 1, offset: 0), message: "cannot read")])
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, drivers: drivers)
    }
}
import Foundation
