import CorralDriver
import CorralExecDriver
import CorralJobspec
import CorralRunner
import Foundation
import Testing

/// The drivers' own config schemas, as `corral run` gives them to the decoder.
enum Drivers {
    static let all: [String: ConfigSchema] = [
        "exec": ExecDriver(options: DriverOptions()).configSchema,
        "raw_exec": RawExecDriver.schema,
        "mock": MockDriver().configSchema,
    ]
}

enum Examples {
    /// `<package>/examples`.
    static let directory: String = {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/") + "/examples"
    }()

    /// Every `examples/<name>.hcl`, by name.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".hcl") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func path(_ name: String, _ ext: String) -> String { "\(directory)/\(name).\(ext)" }
}

/// Parses a job that must be valid.
func decode(_ text: String, format: Jobspec.Format = .json, drivers: [String: ConfigSchema] = Drivers.all,
         sourceLocation: SourceLocation = #_sourceLocation) -> Job? {
    do throws(JobspecError) {
        return try Jobspec.parse(text, file: format == .json ? "job.json" : "job.hcl", format: format, drivers: drivers)
    } catch {
        Issue.record("unexpected errors:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The problems of a job that must fail, as `line:column: message`.
func problems(_ text: String, format: Jobspec.Format = .json, drivers: [String: ConfigSchema] = Drivers.all,
              sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    diagnostics(text, format: format, drivers: drivers, sourceLocation: sourceLocation)
        .map { "\($0.position.line):\($0.position.column): \($0.message)" }
}

func diagnostics(_ text: String, format: Jobspec.Format = .json, drivers: [String: ConfigSchema] = Drivers.all,
                 sourceLocation: SourceLocation = #_sourceLocation) -> [JobspecDiagnostic] {
    let file = format == .json ? "job.json" : "job.hcl"
    do throws(JobspecError) {
        let job = try Jobspec.parse(text, file: file, format: format, drivers: drivers)
        Issue.record("expected errors, got \(job)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// A JSON job `x` of one group `g` of one task `web`: `task` holds the task's members (written
/// from line 8, indented by 10), `group` and `job` more members of those (on the line of the `{`).
func jsonJob(task: String, group: String = "", job: String = "") -> String {
    """
    {
      "job": {
        "x": {\(job)
          "group": {
            "g": {\(group)
              "task": {
                "web": {
    \(task)
                }
              }
            }
          }
        }
      }
    }
    """
}
