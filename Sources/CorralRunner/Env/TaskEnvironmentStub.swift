import CorralDriver
// TEMPORARY stub until the env module lands.
public struct TaskEnvironment: Sendable, Equatable {
    public var variables: [String: String]
    public var unknownKeys: [String] = []
    public init(allocation: Allocation, task: TaskSpec, node: NodeInfo, directory: TaskDirectory, fsIsolated: Bool, extra: [String: String] = [:]) {
        variables = extra.merging(task.env) { $1 }
        variables["NOMAD_TASK_DIR"] = directory.visiblePaths(isolated: fsIsolated).local
    }
    public func interpolate(_ config: DriverConfig) -> (DriverConfig, unknown: [String]) { (config, []) }
    public static func warning(unknown: [String]) -> String? { unknown.isEmpty ? nil : "Unknown \(unknown)" }
}
