/// A job's kind: it decides the restart policy's defaults and whether a task that exits 0 restarts.
package enum JobType: String, Codable, Sendable, CaseIterable {
    case service, batch, system, sysbatch

    /// Whether its tasks run to completion (a task that exits 0 is done, not restarted): `batch` and
    /// `sysbatch`. `system` and `sysbatch` place one allocation of each group on every node: here, on
    /// this one.
    package var runsToCompletion: Bool { self == .batch || self == .sysbatch }
}

/// A job as the runner needs it: its identity, its kind and its groups (Nomad's `structs.Job`).
/// Job files are parsed into this by the jobspec layer.
package struct Job: Codable, Equatable, Sendable {
    package var id: String
    package var name: String
    package var type: JobType
    package var region: String
    /// Nomad's namespace: the node must know it (`JobPlacement`). corral keys jobs by ID alone.
    package var namespace: String
    /// Where the job may run; `*` matches any run of characters. Nomad's default is every datacenter.
    package var datacenters: [String]
    package var meta: [String: String]
    /// Nomad's scheduling priority (1 to 100, default 50): validated and kept; the agent takes
    /// submissions one at a time as they come, so it orders nothing on one node.
    package var priority: Int
    package var groups: [TaskGroup]
    /// The `constraint` blocks of the job, its groups and tasks, each with where it was written.
    package var constraints: [Constraint]
    /// The `affinity` and `spread` blocks: accepted, and reported as changing nothing on one node.
    package var preferences: [PlacementPreference]

    package init(id: String, name: String? = nil, type: JobType = .service, region: String = "global",
                namespace: String = "default", datacenters: [String] = ["*"], meta: [String: String] = [:],
                priority: Int = 50, groups: [TaskGroup] = [], constraints: [Constraint] = [],
                preferences: [PlacementPreference] = []) {
        self.id = id
        self.name = name ?? id
        self.type = type
        self.region = region
        self.namespace = namespace
        self.datacenters = datacenters
        self.meta = meta
        self.priority = priority
        self.groups = groups
        self.constraints = constraints
        self.preferences = preferences
    }

    package func group(named name: String) -> TaskGroup? { groups.first { $0.name == name } }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? id
        type = try container.decodeIfPresent(JobType.self, forKey: .type) ?? .service
        region = try container.decodeIfPresent(String.self, forKey: .region) ?? "global"
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? "default"
        // A job stored before the default became Nomad's: it ran on this node, as it still does.
        datacenters = try container.decodeIfPresent([String].self, forKey: .datacenters) ?? ["*"]
        meta = try container.decodeIfPresent([String: String].self, forKey: .meta) ?? [:]
        priority = try container.decodeIfPresent(Int.self, forKey: .priority) ?? 50
        groups = try container.decodeIfPresent([TaskGroup].self, forKey: .groups) ?? []
        constraints = try container.decodeIfPresent([Constraint].self, forKey: .constraints) ?? []
        preferences = try container.decodeIfPresent([PlacementPreference].self, forKey: .preferences) ?? []
    }
}

/// A set of tasks that run together on one host, as one allocation per instance.
package struct TaskGroup: Codable, Equatable, Sendable {
    package var name: String
    package var count: Int
    package var meta: [String: String]
    /// The group's restart policy; nil: the job type's default.
    package var restart: RestartPolicy?
    package var tasks: [TaskSpec]

    package init(name: String, count: Int = 1, meta: [String: String] = [:], restart: RestartPolicy? = nil,
                tasks: [TaskSpec] = []) {
        self.name = name
        self.count = count
        self.meta = meta
        self.restart = restart
        self.tasks = tasks
    }

    package func task(named name: String) -> TaskSpec? { tasks.first { $0.name == name } }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
        meta = try container.decodeIfPresent([String: String].self, forKey: .meta) ?? [:]
        restart = try container.decodeIfPresent(RestartPolicy.self, forKey: .restart)
        tasks = try container.decodeIfPresent([TaskSpec].self, forKey: .tasks) ?? []
    }
}
