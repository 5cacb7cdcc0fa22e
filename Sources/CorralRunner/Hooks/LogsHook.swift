#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `logs`: the task's log files (`alloc/logs/<task>.stdout|.stderr`) and their rotation
/// (`max_files`, `max_file_size`), handed to the driver; makes sure the log directory exists.
package struct LogsHook: TaskPrestartHook {
    package let name = "logs"

    package init() {}

    package func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        let logDir = context.directory.logDir
        // Not following a link: the directory is the task's to write, and may have been replaced.
        let type = (try? FileManager.default.attributesOfItem(atPath: logDir))?[.type] as? FileAttributeType
        guard type == .typeDirectory else {
            let what = type == nil ? "is missing" : "is not a directory (\(type == .typeSymbolicLink ? "a symbolic link" : "something else"))"
            throw HookFailure("log directory \(logDir) \(what)", recoverable: true)
        }
        return PrestartResponse(logging: context.task.logs)
    }
}
