/// The job file's blocks and attributes (Nomad's names), one `BodySchema` per block type.
enum JobSchema {
    static let file = BodySchema(blocks: [("job", .labelled)])
    static let job = BodySchema(attributes: ["type", "datacenters", "region", "namespace"],
                                blocks: [("group", .labelled), ("task", .labelled), ("meta", .map)])
    static let group = BodySchema(attributes: ["count"],
                                  blocks: [("task", .labelled), ("restart", .unlabelled), ("meta", .map)])
    static let task = BodySchema(attributes: ["driver", "user", "leader", "kill_timeout", "kill_signal", "shutdown_delay"],
                                 blocks: [("config", .unlabelled), ("env", .map), ("meta", .map), ("resources", .unlabelled),
                                          ("logs", .unlabelled), ("restart", .unlabelled)])
    static let resources = BodySchema(attributes: ["cpu", "memory", "memory_max", "cores"])
    static let restart = BodySchema(attributes: ["attempts", "interval", "delay", "mode"])
    static let logs = BodySchema(attributes: ["max_files", "max_file_size"])
}
