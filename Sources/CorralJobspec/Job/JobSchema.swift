/// The job file's blocks and attributes (Nomad's names), one `BodySchema` per block type.
enum JobSchema {
    static let file = BodySchema(blocks: [("job", .labelled)])
    static let job = BodySchema(attributes: ["type", "datacenters", "region", "namespace", "priority"],
                                blocks: [("group", .labelled), ("task", .labelled), ("meta", .map), ("constraint", .unlabelled),
                                         ("affinity", .unlabelled), ("spread", .unlabelled)])
    static let group = BodySchema(attributes: ["count"],
                                  blocks: [("task", .labelled), ("restart", .unlabelled), ("meta", .map), ("constraint", .unlabelled),
                                           ("affinity", .unlabelled), ("spread", .unlabelled)])
    static let task = BodySchema(attributes: ["driver", "user", "leader", "kill_timeout", "kill_signal", "shutdown_delay"],
                                 blocks: [("config", .unlabelled), ("env", .map), ("meta", .map), ("resources", .unlabelled),
                                          ("logs", .unlabelled), ("restart", .unlabelled), ("constraint", .unlabelled),
                                          ("affinity", .unlabelled)])
    static let resources = BodySchema(attributes: ["cpu", "memory", "memory_max", "cores"])
    static let constraint = BodySchema(attributes: ["attribute", "operator", "value", "version", "semver", "regexp",
                                                    "set_contains", "set_contains_any", "set_contains_all",
                                                    "distinct_hosts", "distinct_property"])
    static let affinity = BodySchema(attributes: ["attribute", "operator", "value", "weight", "version", "semver", "regexp",
                                                  "set_contains", "set_contains_any", "set_contains_all"])
    static let spread = BodySchema(attributes: ["attribute", "weight"], blocks: [("target", .labelled)])
    static let spreadTarget = BodySchema(attributes: ["percent"])
    static let restart = BodySchema(attributes: ["attempts", "interval", "delay", "mode"])
    static let logs = BodySchema(attributes: ["max_files", "max_file_size"])
}
