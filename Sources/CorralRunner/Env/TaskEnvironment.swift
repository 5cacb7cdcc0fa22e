import CorralDriver

/// A task's environment and the values `${...}` resolves against (Nomad's `taskenv.TaskEnv`).
///
/// `variables`, the environment the task runs with, is built in this order, later wins:
/// 1. Nomad's variables: `NOMAD_ALLOC_DIR`, `NOMAD_TASK_DIR` (the task's `local/`, as in Nomad),
///    `NOMAD_SECRETS_DIR` — `/alloc`, `/local`, `/secrets` when the driver isolates the filesystem,
///    the host paths otherwise — `NOMAD_MEMORY_LIMIT` and `NOMAD_MEMORY_MAX_LIMIT` (MiB; the latter
///    only with `memoryMaxMiB`), `NOMAD_CPU_LIMIT` (MHz), `NOMAD_ALLOC_ID`, `NOMAD_SHORT_ALLOC_ID`,
///    `NOMAD_ALLOC_NAME`, `NOMAD_ALLOC_INDEX`, `NOMAD_TASK_NAME`, `NOMAD_GROUP_NAME`,
///    `NOMAD_JOB_NAME`, `NOMAD_JOB_ID`, `NOMAD_DC`, `NOMAD_REGION` (the job's, else the node's),
///    `NOMAD_NAMESPACE` (the job's namespace), and `NOMAD_META_<KEY>` for the merged meta (job < group <
///    task), under both the upper-cased and the original key, with every character other than a
///    letter, digit or `_` in the name replaced by `_`.
/// 2. `extra`: variables hooks and devices add, taken as they are (not interpolated).
/// 3. The task's own `env`, each value interpolated against 1 and 2 and the node's values (not
///    against the task's other `env` entries, whose order a map does not keep). As in Nomad, a task
///    `env` entry overrides a `NOMAD_*` variable of the same name.
///
/// Interpolation (`lookup(_:)`) resolves a bare variable name, `env.NAME` (the same),
/// `node.unique.id`, `node.unique.name`, `node.datacenter`, `node.region`, `node.class`,
/// `attr.<name>` (node attributes), `meta.<key>` (the *node's* meta, as in Nomad) and
/// `NOMAD_META_<key>` with the meta key as written. Unknown keys are left as written and reported
/// once (`unknownKeys`, `warning(unknown:)`), as Nomad does; see `Interpolator` for the syntax.
package struct TaskEnvironment: Sendable, Equatable {
    /// The task's final environment.
    package private(set) var variables: [String: String]
    /// Keys the task's `env` values referred to that nothing resolves, each once, in the order of
    /// the sorted variable names; those values keep them as written.
    package private(set) var unknownKeys: [String]
    /// The node's values for `${node.*}`, `${attr.*}` and `${meta.*}`.
    package let node: NodeInfo
    /// Job meta < group meta < task meta.
    package let meta: [String: String]

    package init(allocation: Allocation, task: TaskSpec, node: NodeInfo, directory: TaskDirectory, fsIsolated: Bool,
                extra: [String: String] = [:]) {
        self.node = node
        var meta = allocation.job.meta
        meta.merge(allocation.group?.meta ?? [:]) { _, new in new }
        meta.merge(task.meta) { _, new in new }
        self.meta = meta

        var env = Self.nomadVariables(allocation: allocation, task: task, node: node, directory: directory,
                                      fsIsolated: fsIsolated, meta: meta)
        env.merge(extra) { _, new in new }
        self.variables = env
        self.unknownKeys = []

        // The task's env, interpolated against what is set so far and the node's values.
        var unknown = Interpolator.UnknownKeys()
        var taskEnv: [String: String] = [:]
        for name in task.env.keys.sorted() {
            taskEnv[name] = Interpolator.interpolate(task.env[name]!, lookup: { self.lookup($0) }, unknown: &unknown)
        }
        variables.merge(taskEnv) { _, new in new }
        unknownKeys = unknown.keys
    }

    /// The value `${key}` stands for, nil when nothing resolves it.
    package func lookup(_ key: String) -> String? {
        if let value = variables[key] { return value }
        if key.hasPrefix("env.") { return variables[String(key.dropFirst(4))] }
        if key.hasPrefix("attr.") { return node.attributes[String(key.dropFirst(5))] }
        if key.hasPrefix("meta.") { return node.meta[String(key.dropFirst(5))] }
        if key.hasPrefix(Self.metaPrefix) {
            let metaKey = String(key.dropFirst(Self.metaPrefix.count))
            if let value = meta[metaKey] { return value }
        }
        switch key {
        case "node.unique.id": return node.id
        case "node.unique.name": return node.name
        case "node.datacenter": return node.datacenter
        case "node.region": return node.region
        case "node.class": return node.nodeClass
        default: return nil
        }
    }

    /// `text` interpolated against this environment, and the keys nothing resolved.
    package func interpolate(_ text: String) -> (String, unknown: [String]) {
        let (result, unknown) = Interpolator.interpolate(text, lookup: lookup)
        return (result, unknown)
    }

    /// A driver `config` block interpolated against this environment (string values through lists
    /// and blocks), and the keys nothing resolved.
    package func interpolate(_ config: DriverConfig) -> (DriverConfig, unknown: [String]) {
        let (result, unknown) = Interpolator.interpolate(config, lookup: lookup)
        return (result, unknown)
    }

    /// One line naming every unknown key, for the task's events or the log:
    /// `Unknown interpolation keys left as written: ${foo}, ${meta.missing}`; nil when there are none.
    package static func warning(unknown: [String]) -> String? {
        var seen: Set<String> = []
        let keys = unknown.filter { seen.insert($0).inserted }
        guard !keys.isEmpty else { return nil }
        return "Unknown interpolation keys left as written: " + keys.map { "${\($0)}" }.joined(separator: ", ")
    }

    // MARK: - Nomad's variables

    static let metaPrefix = "NOMAD_META_"

    static func nomadVariables(allocation: Allocation, task: TaskSpec, node: NodeInfo, directory: TaskDirectory,
                               fsIsolated: Bool, meta: [String: String]) -> [String: String] {
        let paths = directory.visiblePaths(isolated: fsIsolated)
        let job = allocation.job
        var env: [String: String] = [
            "NOMAD_ALLOC_DIR": paths.alloc,
            "NOMAD_TASK_DIR": paths.local,
            "NOMAD_SECRETS_DIR": paths.secrets,
            "NOMAD_MEMORY_LIMIT": String(task.resources.memoryMiB),
            "NOMAD_CPU_LIMIT": String(task.resources.cpuMHz),
            "NOMAD_ALLOC_ID": allocation.id,
            "NOMAD_SHORT_ALLOC_ID": allocation.shortID,
            "NOMAD_ALLOC_NAME": allocation.name,
            "NOMAD_ALLOC_INDEX": String(allocation.index),
            "NOMAD_TASK_NAME": task.name,
            "NOMAD_GROUP_NAME": allocation.groupName,
            "NOMAD_JOB_NAME": job.name,
            "NOMAD_JOB_ID": job.id,
            "NOMAD_DC": node.datacenter,
            "NOMAD_REGION": job.region.isEmpty || job.region == "global" ? node.region : job.region,
            "NOMAD_NAMESPACE": job.namespace,
        ]
        if let cores = allocation.taskCores[task.name], !cores.isEmpty {
            env["NOMAD_CPU_CORES"] = CoreAssignment.cpusetList(cores)
        }
        if let max = task.resources.memoryMaxMiB, !task.resources.hasNoMemoryLimit {
            env["NOMAD_MEMORY_MAX_LIMIT"] = String(max)
        }
        // Sorted so that two keys cleaning to one name always resolve the same way.
        for key in meta.keys.sorted() {
            let value = meta[key]!
            env[cleanName(metaPrefix + key.uppercased())] = value
            env[cleanName(metaPrefix + key)] = value
        }
        return env
    }

    /// `name` with every character other than an ASCII letter, digit or `_` replaced by `_`.
    static func cleanName(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": result.append(scalar)
            default: result.append("_")
            }
        }
        return String(result)
    }
}
